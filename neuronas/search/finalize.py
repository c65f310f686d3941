"""After the candidates (and the strategy's ``after_search``): choose, train, simulate and write the results.

1. No feasible candidate: ``candidates.csv`` is written and :class:`NoFeasibleCandidate` (exit code 2) names the
   budgets and the closest candidate's numbers.
2. The ``top_k`` feasible candidates with the highest SAHD score are trained briefly with 8-bit QAT
   (``neuronas.train.train``, cached under ``OUT/trained``); the most accurate is the best (without training:
   the highest score).
3. The best network is quantized, exported and simulated on ``report_samples`` labelled test images:
   ``OUT/report.json``; ``OUT/best.json`` (genotype, search-time numbers, accuracy, paths) and ``OUT/best.pt``
   (state dict of the trained QAT model; load it into ``Evaluator.build(genotype)`` after ``enable_qat``).
4. ``OUT/candidates.csv`` (:mod:`cimsim.candidates`) and the figures (``cimsim.plot.write_all``) in
   ``OUT/figures``.
"""
from __future__ import annotations

import json
import math
import pickle
import time
from pathlib import Path

from cimsim.candidates import write_candidates_csv
from cimsim.errors import UserError
from neuronas.search.candidate import Candidate
from neuronas.search.evaluate import Evaluator, _write_json
from neuronas.search.settings import SearchSettings


class NoFeasibleCandidate(UserError):
    """No candidate meets every budget (exit code 2)."""


# ------------------------------------------------------------------------------------------------- files
def write_candidates(cands: list[Candidate], path: "str | Path") -> Path:
    """``candidates.csv`` of ``cands`` (:func:`cimsim.candidates.write_candidates_csv`)."""
    return write_candidates_csv([vars(c) for c in cands], path)


def _numbers(c: Candidate, settings: SearchSettings) -> str:
    lim = settings.limits
    parts = [f"params={c.params:.4g}", f"memory={c.memory_bytes:.4g} B"]
    for name, scale, unit in (("area_m2", 1e-6, "mm2"), ("latency_s", 1e-3, "ms"), ("energy_j", 1e-6, "uJ")):
        v = getattr(c, name)
        parts.append(f"{name.split('_')[0]}={'?' if math.isnan(v) else format(v / scale, '.4g')} {unit}")
    over = [f"{n} by {100 * v:.0f}%" for n, v in lim.violations(c.__dict__).items() if v > 0]
    if "fit" in c.failed:
        over.append("does not fit the chip")
    return ", ".join(parts) + (f" (over: {', '.join(over)})" if over else "")


def closest(cands: list[Candidate], settings: SearchSettings) -> Candidate | None:
    """The candidate with the smallest total relative excess over the budgets (fitting the chip first)."""
    lim = settings.limits

    def excess(c: Candidate) -> tuple:
        v = lim.violations(c.__dict__)
        measured = sum(not math.isnan(getattr(c, lim.column(n))) for n in lim.names)
        return ("fit" in c.failed, -measured, sum(max(0.0, x) for x in v.values()))

    usable = [c for c in cands if "unchecked" not in c.failed]
    return min(usable, key=excess) if usable else None


# ------------------------------------------------------------------------------------------------- steps
def train_candidate(settings: SearchSettings, ev: Evaluator, genotype: str) -> dict:
    """Short 8-bit QAT training of ``genotype``, its last ``settings.hardware_epochs`` epochs hardware-aware on
    the search's chip (cached in ``OUT/trained/<genotype key>``).

    ``result.json`` stores the checkpoint relative to the output directory, so a resume from another working
    directory, or of a moved output folder, finds it; a cached result without its ``model.pt`` is trained again.

    Returns ``{"accuracy", "time_s", "checkpoint", "hw_epochs"}`` (test accuracy of the torch model in [0, 1]
    after the last epoch, the chip's as torch computes it when that epoch was hardware-aware; ``checkpoint``
    resolved against the current output directory).
    """
    import torch

    from neuronas.train import TrainSettings, cpu_state_dict, train

    hw_epochs = settings.hardware_epochs
    recipe = TrainSettings.recipe(ev.spec.name, lr=settings.train_lr, epochs=settings.train_epochs, seed=settings.seed,
                                  qat_bits=settings.weight_bits, progress=False, batch_size=settings.train_batch,
                                  data_dir=settings.data_dir, device=settings.device,
                                  hw=ev.chip if hw_epochs else None, hw_epochs=hw_epochs or None)
    key = ev._key("trained", ev.canonical(genotype)) + f"-e{recipe.epochs}-lr{recipe.lr}-b{recipe.batch_size}"
    if hw_epochs:
        key += f"-hw{hw_epochs}-{ev.chip.config_hash()[:10]}"
    folder = settings.out_dir / "trained" / key
    done, weights = folder / "result.json", folder / "model.pt"
    if done.is_file() and weights.is_file():
        try:
            return {**json.loads(done.read_text()), "checkpoint": str(weights)}
        except json.JSONDecodeError:
            pass  # a damaged cache entry is trained again
    model = ev.build(genotype)
    t0 = time.perf_counter()
    hist = train(model, settings.dataset, recipe, calibration_images=ev.calibration_images)
    folder.mkdir(parents=True, exist_ok=True)
    torch.save(cpu_state_dict(model), weights)
    result = {"genotype": genotype, "accuracy": float(hist.final_acc), "time_s": time.perf_counter() - t0,
              "checkpoint": weights.relative_to(settings.out_dir).as_posix(), "epochs": settings.train_epochs,
              "hw_epochs": hw_epochs}
    _write_json(done, result)
    return {**result, "checkpoint": str(weights)}


def deployed_network(settings: SearchSettings, ev: Evaluator, model):
    """``(deploy model, graph)`` of a trained ``model``: quantized and exported, with the input range calibrated
    on training images (the batch-norm calibration batch), never on test images. ``quantize`` copies the model."""
    from neuronas.export import export
    from neuronas.quant import quantize

    deploy = quantize(model, settings.weight_bits, calibration=ev.calibration_images)
    return deploy, export(deploy, ev.calibration_images[:1], settings.timesteps)


def onchip_accuracy(settings: SearchSettings, ev: Evaluator, genotype: str, checkpoint: "str | Path") -> dict:
    """Accuracy of the trained ``genotype`` on ``settings.chips`` simulated chip instances over
    ``settings.accuracy_samples`` test images (default: the whole test split), and with an ideal ADC
    (:func:`cimsim.accuracy.chip_accuracy`; the ADC's range calibrated on training images). Cached next to the
    checkpoint. Returns :meth:`ChipAccuracy.to_dict` plus ``time_s``.
    """
    from neuronas.quant.hardware import measure_on_chip

    n = settings.accuracy_samples or ev.test_size
    cache = Path(checkpoint).with_name(f"onchip-{ev.chip.config_hash()[:10]}-c{settings.chips}-n{n}.json")
    if cache.is_file():
        try:
            return json.loads(cache.read_text())
        except json.JSONDecodeError:
            pass
    t0 = time.perf_counter()
    images, labels = ev.test_images(n)
    acc = measure_on_chip(load_trained(settings, ev, genotype, checkpoint), ev.chip, images, labels,
                          ev.calibration_images, settings.weight_bits, settings.chips, settings.seed)
    result = {**acc.to_dict(), "time_s": time.perf_counter() - t0}
    _write_json(cache, result)
    return result


def load_trained(settings: SearchSettings, ev: Evaluator, genotype: str, checkpoint: "str | Path | None"):
    """The float model of ``genotype`` with QAT enabled and the checkpoint loaded (or the initial weights)."""
    import torch

    from neuronas.quant import enable_qat

    model = ev.build(genotype)
    if checkpoint is not None:
        enable_qat(model, settings.weight_bits)
        try:
            state = torch.load(checkpoint, map_location="cpu", weights_only=True)
            model.load_state_dict(state)
        except (OSError, EOFError, RuntimeError, ValueError, KeyError, TypeError, pickle.UnpicklingError) as exc:
            # a checkpoint is a file on disk a user may have truncated, replaced or emptied (an empty file raises
            # EOFError, which the CLI would otherwise turn into "aborted")
            raise UserError(f"{checkpoint}: not a readable checkpoint of {genotype!r} "
                            f"({type(exc).__name__}: {str(exc).splitlines()[0][:120] if str(exc) else 'empty'}); "
                            f"delete its folder to retrain it") from None
    return model


def simulate_best(settings: SearchSettings, ev: Evaluator, model, out_dir: Path):
    """Quantize, export and simulate ``model`` on ``report_samples`` labelled test images; write ``report.json``.

    Input quantization and the ADC range (``adc.range: calibrated``) are calibrated on training images (the
    batch-norm calibration batch), not on the test images whose accuracy is reported.

    The report includes the simulator's fidelity section (spikes and predictions changed by the finite ADC);
    the accuracy of the same graph with an ideal ADC is returned as well (``ideal_adc_accuracy``).
    ``neuronas.quant.quantize`` may alter a QAT ``model``: save its state before calling this.
    """
    import cimsim
    from neuronas.export import to_inputs

    images, labels = ev.test_images(settings.report_samples)
    deploy, graph = deployed_network(settings, ev, model)
    inputs = to_inputs(deploy, images, settings.timesteps)
    report = cimsim.simulate(graph, ev.chip, inputs=inputs, labels=labels, seed=settings.seed, fidelity=True,
                             calibration_inputs=to_inputs(deploy, ev.calibration_images, settings.timesteps))
    report.meta["model"] = f"neuronas-best {model.genotype}"
    ideal = cimsim.simulate(graph, ev.chip, inputs=inputs, labels=labels, seed=settings.seed, ideal_adc=True,
                            fidelity=False)
    return report, Path(report.write(out_dir)), ideal.totals.get("accuracy")


def write_figures(settings: SearchSettings, report_path: Path | None, csv_path: Path) -> list[Path]:
    """Figures via ``cimsim.plot.write_all`` (breakdown/layers of the best, Pareto of the candidates), PNG."""
    try:
        from cimsim.plot import write_all
    except ImportError:
        return []
    return write_all([report_path] if report_path else [], settings.out_dir / "figures", "png",
                     candidates_csv=csv_path, constraints=settings.limits.plot_limits(settings.weight_bits))


def _selection_key(settings: SearchSettings):
    """Sort key of ``--select`` (higher is better): the chosen accuracy, then the others, then the score."""
    def finite(v: float) -> float:
        return v if math.isfinite(v) else -math.inf

    if settings.select == "score":
        return lambda c: (finite(c.score),)
    if settings.select == "ideal":
        return lambda c: (finite(c.ideal_accuracy), finite(c.onchip_accuracy), finite(c.score))
    return lambda c: (finite(c.onchip_accuracy), finite(c.ideal_accuracy), finite(c.score))


def choose_best(settings: SearchSettings, ev: Evaluator, feasible: list[Candidate]):
    """The ``top_k`` highest-scored feasible candidates, each trained (hardware-aware) and scored on the chip
    (their ``accuracy``, ``onchip_accuracy``, ``onchip_std`` and ``ideal_accuracy`` are set), and the best by
    ``settings.select``; without training, the highest score.

    Returns ``(top, best, trained)`` with ``trained``: genotype -> :func:`train_candidate` result plus
    ``onchip`` (:func:`onchip_accuracy`).
    """
    ranked = sorted(feasible, key=lambda c: -c.score if math.isfinite(c.score) else math.inf)
    top = ranked[: max(1, settings.top_k)]
    trained: dict[str, dict] = {}
    if settings.top_k == 0 or settings.train_epochs == 0:
        return top, top[0], trained
    for c in top:
        res = train_candidate(settings, ev, c.genotype)
        res["onchip"] = onchip = onchip_accuracy(settings, ev, c.genotype, res["checkpoint"])
        trained[c.genotype] = res
        c.accuracy = res["accuracy"]
        c.onchip_accuracy, c.onchip_std = onchip["accuracy"], onchip["std"]
        c.ideal_accuracy = onchip["ideal_accuracy"]
    return top, max(top, key=_selection_key(settings)), trained


def deploy_best(settings: SearchSettings, ev: Evaluator, best: Candidate, trained: dict):
    """``OUT/best.pt`` and ``OUT/report.json`` of ``best``; returns ``(report path, deployed numbers)``.

    ``deployed``: the report's costs per inference and its accuracy on ``report_samples`` images, and (trained
    best) ``onchip_accuracy`` / ``onchip_std`` / ``ideal_accuracy`` over ``accuracy_samples`` test images on
    ``chips`` chip instances, with where each figure comes from.
    """
    import torch

    model = load_trained(settings, ev, best.genotype, trained.get("checkpoint"))
    torch.save(model.state_dict(), settings.out_dir / "best.pt")
    report, report_path, ideal_acc = simulate_best(settings, ev, model, settings.out_dir)
    t = report.totals
    deployed = {"area_m2": float(t["area_m2"]), "latency_s": float(t["latency_per_inference_s"]),
                "energy_j": float(t["energy_per_inference_j"]), "accuracy": t.get("accuracy"),
                "ideal_adc_accuracy": ideal_acc, "samples": settings.report_samples,
                "adc_spike_change_rate": report.fidelity.get("spike_change_rate"), "adc_bits": ev.chip.adc.bits}
    onchip = trained.get("onchip")
    if onchip:
        deployed.update(onchip_accuracy=onchip["accuracy"], onchip_std=onchip["std"],
                        ideal_accuracy=onchip["ideal_accuracy"], accuracy_samples=onchip["samples"],
                        chips=onchip["chips"], onchip_spike_change_rate=onchip["spike_change_rate"],
                        accuracy_source={"onchip_accuracy": onchip["source"],
                                         "costs and accuracy": f"cycle-level run on {settings.report_samples} "
                                                               "test images (report.json)"})
    deployed["failed"] = settings.limits.check({**deployed, "params": best.params, "memory_bytes": best.memory_bytes})
    return report_path, deployed


def _run_description(settings: SearchSettings, ev: Evaluator) -> dict:
    """What best.json records about the run (everything needed to find or repeat it)."""
    return {"strategy": settings.strategy, "dataset": settings.dataset, "hw": settings.hw,
            "config_hash": ev.chip.config_hash(), "constraints": str(settings.limits), "study": settings.study_name,
            "storage": settings.storage_url, "channels": ev.macro.channels, "hidden": ev.macro.hidden,
            "timesteps": settings.timesteps, "seed": settings.seed, "weight_bits": settings.weight_bits}


def _figures_or_none(settings: SearchSettings, report_path: Path, csv_path: Path) -> list[str]:
    if not settings.figures:
        return []
    try:
        return [str(p) for p in write_figures(settings, report_path, csv_path)]
    except Exception as exc:  # figures are a convenience; never lose the search results over them
        print(f"warning: figures not written: {exc.__class__.__name__}: {exc}")
        return []


def finalize(settings: SearchSettings, cands: list[Candidate], ev: Evaluator, search_time_s: float = math.nan) -> dict:
    """Steps 1-4 of the module docstring. Returns the content of best.json."""
    from neuronas.space import Genotype

    out = settings.out_dir
    out.mkdir(parents=True, exist_ok=True)
    csv_path = out / "candidates.csv"
    feasible = [c for c in cands if c.feasible and not c.failed]
    if not feasible:
        write_candidates(cands, csv_path)
        near = closest(cands, settings)
        msg = f"no candidate meets: {settings.limits} ({len(cands)} candidates evaluated, {csv_path})"
        if near is not None:
            msg += f"; closest: {near.genotype}: {_numbers(near, settings)}"
        raise NoFeasibleCandidate(msg)
    top, best, trained = choose_best(settings, ev, feasible)
    write_candidates(cands, csv_path)
    ckpt = trained.get(best.genotype, {}).get("checkpoint")
    report_path, deployed = deploy_best(settings, ev, best, trained.get(best.genotype, {}))
    summary = {
        "genotype": best.genotype, "matrix": Genotype.parse(best.genotype).matrix_string(),
        **_run_description(settings, ev),
        "search": {k: best.to_attrs()[k] for k in ("params", "memory_bytes", "area_m2", "latency_s", "energy_j",
                                                   "score", "accuracy")},
        "onchip_accuracy": deployed.get("onchip_accuracy"), "ideal_accuracy": deployed.get("ideal_accuracy"),
        "select": settings.select if ckpt else "score",
        "deployed": deployed, "trained": bool(ckpt), "train_epochs": settings.train_epochs if ckpt else 0,
        "hw_epochs": settings.hardware_epochs if ckpt else 0,
        "checkpoint": str(out / "best.pt"), "report": str(report_path), "candidates_csv": str(csv_path),
        "n_candidates": len(cands), "n_feasible": len(feasible), "search_time_s": search_time_s,
        "top_k": [{"genotype": c.genotype, "score": c.score,
                   **{k: None if math.isnan(getattr(c, k)) else getattr(c, k)
                      for k in ("accuracy", "onchip_accuracy", "onchip_std", "ideal_accuracy")}} for c in top],
    }
    _write_json(out / "best.json", summary)  # the Pareto figure marks the candidate named in best.json
    summary["figures"] = _figures_or_none(settings, report_path, csv_path)
    tmp = out / ".best.json.tmp"
    tmp.write_text(json.dumps(summary, indent=2, default=str))
    tmp.replace(out / "best.json")
    return summary


def format_summary(summary: dict) -> str:
    """A few lines for the terminal."""
    s, d = summary["search"], summary["deployed"]

    def f(v, scale, unit):
        return "-" if v is None or (isinstance(v, float) and math.isnan(v)) else f"{v / scale:.4g} {unit}"

    acc = s.get("accuracy")
    lines = [
        f"best {summary['genotype']}  (matrix {summary['matrix']})",
        f"  {summary['n_feasible']}/{summary['n_candidates']} candidates feasible under {summary['constraints']}; "
        f"search {summary['search_time_s']:.1f} s",
        f"  params {s['params']:.4g}, memory {s['memory_bytes']:.4g} B, area {f(s['area_m2'], 1e-6, 'mm2')}, "
        f"latency {f(s['latency_s'], 1e-3, 'ms')}, energy {f(s['energy_j'], 1e-6, 'uJ')}/inference, "
        f"SAHD {s['score'] if s['score'] is not None else '-'}",
        f"  trained {summary['train_epochs']} epochs (8-bit QAT, last {summary.get('hw_epochs', 0)} with the chip in the "
        f"loop): accuracy {'-' if acc is None else f'{100 * acc:.1f}%'}; "
        f"on chip: energy {f(d['energy_j'], 1e-6, 'uJ')}, latency {f(d['latency_s'], 1e-3, 'ms')}"
        + (f", accuracy {100 * d['accuracy']:.0f}% of {d['samples']} test images" if d.get("accuracy") is not None else "")
        + (f" ({100 * d['ideal_adc_accuracy']:.0f}% with an ideal ADC)" if d.get("ideal_adc_accuracy") is not None else ""),
    ]
    if d.get("onchip_accuracy") is not None:
        spread = f" +- {100 * d['onchip_std']:.1f}" if d.get("chips", 1) > 1 else ""
        lines.append(f"  accuracy on the chip: {100 * d['onchip_accuracy']:.1f}%{spread} over {d['accuracy_samples']} "
                     f"test images ({d['chips']} chip instance{'s' if d['chips'] > 1 else ''}); ideal ADC "
                     f"{100 * d['ideal_accuracy']:.1f}%; selected by {summary['select']}")
    changed = d.get("adc_spike_change_rate")
    if changed:
        lines.append(f"  note: the chip's {d.get('adc_bits')}-bit ADC distorts partial sums: {100 * changed:.1f}% of "
                     "spike events differ from the ideal network (report.json 'fidelity'); costs are unaffected")
    if d["failed"]:
        lines.append(f"  warning: after training the deployed network exceeds: {', '.join(d['failed'])}")
    lines.append(f"  wrote {summary['checkpoint']}, {summary['report']}, {summary['candidates_csv']}"
                 + (f", {len(summary.get('figures', []))} figures" if summary.get("figures") else ""))
    return "\n".join(lines)
