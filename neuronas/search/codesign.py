"""Hardware/architecture co-design sweeps: every hardware point x every architecture (``neuronas codesign``).

A sweep YAML (see ``examples/codesign_sweep.yaml``)::

    dataset: digits                 # as `neuronas search`
    hw: spikesim_rram_65nm          # base preset or YAML file
    constraints: "memory=2e5,area=20mm2,energy=3uJ"
    channels: 16                    # optional: channels, hidden, timesteps, seed, hw_samples, score_batch
    out: out/codesign
    hardware:                       # dotted config overrides (cimsim.load_config), each a list: the grid
      crossbar.rows: [64, 128]
      adc.bits: [4, 6]
    architectures:
      genotypes: ["conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"]   # optional
      sample: 6                     # optional: this many distinct random cells ...
      ops: neuronas                 # ... from this operation set (neuronas | snasnet)
    select: score                   # best pair: max SAHD score (ties: min energy), or min energy_j/latency_s/area_m2,
                                    # or max onchip_accuracy (needs `accuracy`)
    accuracy:                       # optional: on-chip accuracy per hardware point
      train: 1                      # the N highest-scoring architectures are trained on every feasible point ...
      epochs: 6                     # ... hardware-aware on that point's chip (the last hw_epochs with it in the loop)
      hw_epochs: 2
      chips: 1                      # chip instances averaged; samples: test images (default: the whole split)

With ``accuracy``, the ``train`` architectures with the highest score are trained on each hardware point where
they are feasible, hardware-aware on that point's chip, and scored on it over the test split
(:func:`neuronas.search.finalize.onchip_accuracy`): ``sweep.csv`` then says how ADC bits, cell bits or device
settings trade against accuracy (``accuracy`` torch, ``onchip_accuracy`` and ``ideal_accuracy`` simulated).

Every architecture is simulated on every hardware point in full (no early stop: co-design wants every number);
results are cached in ``OUT/cache`` by (genotype, chip config hash, ...), so a rerun or a bigger sweep only
pays for new pairs. The SAHD score does not depend on the hardware and is computed once per architecture.

Outputs in ``OUT``: ``sweep.csv`` (one row per pair: the hardware variables, ``config_hash``, genotype, metrics,
feasible, failed, ``pareto``), ``codesign.json`` (best pair, Pareto front), ``candidates.csv`` + ``best.json``
(the pairs in the search's format, for ``cimsim plot``), ``figures/`` (Pareto plot, energy heat map over the
first two hardware variables, minimum over architectures).
"""
from __future__ import annotations

import itertools
import json
import math
from dataclasses import dataclass
from pathlib import Path

import yaml

from cimsim.errors import UserError
from cimsim.progress import progress_bar
from neuronas.search.candidate import Candidate
from neuronas.search.evaluate import Evaluator
from neuronas.search.settings import SearchSettings

_KEYS = {"dataset", "hw", "constraints", "channels", "hidden", "timesteps", "seed", "hw_samples", "score_batch",
         "score_repeats", "weight_bits", "data_dir", "threads", "out", "hardware", "architectures", "select",
         "accuracy"}
SELECT = ("score", "energy_j", "latency_s", "area_m2", "onchip_accuracy")
_ROW_FIELDS = ("genotype", "params", "memory_bytes", "area_m2", "latency_s", "energy_j", "score", "accuracy",
               "onchip_accuracy", "onchip_std", "ideal_accuracy")
_ACCURACY_KEYS = {"train": 1, "epochs": 6, "hw_epochs": None, "chips": 1, "samples": None}


def load_sweep(path: "str | Path") -> dict:
    """Read and check a sweep YAML (see the module docstring)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such sweep file")
    try:
        data = yaml.safe_load(path.read_text())
    except yaml.YAMLError as exc:
        raise UserError(f"{path}: not valid YAML ({exc})") from None
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping with 'hardware' and 'architectures'")
    unknown = set(data) - _KEYS
    if unknown:
        raise UserError(f"{path}: unknown key {sorted(unknown)[0]!r}; expected {', '.join(sorted(_KEYS))}")
    hardware = data.get("hardware") or {}
    if not isinstance(hardware, dict):
        raise UserError(f"{path}: 'hardware' must map dotted config paths to lists of values")
    for k, v in hardware.items():
        if not isinstance(v, list) or not v:
            raise UserError(f"{path}: hardware.{k} must be a non-empty list of values, got {v!r}")
    archs = data.get("architectures") or {}
    if not isinstance(archs, dict) or not (archs.get("genotypes") or archs.get("sample")):
        raise UserError(f"{path}: 'architectures' needs 'genotypes' (a list) and/or 'sample' (a count)")
    if data.get("select", "score") not in SELECT:
        raise UserError(f"{path}: select={data['select']!r}; expected one of {', '.join(SELECT)}")
    acc = data.get("accuracy")
    if acc is not None and (not isinstance(acc, dict) or set(acc) - set(_ACCURACY_KEYS)):
        raise UserError(f"{path}: 'accuracy' must be a mapping with keys {', '.join(_ACCURACY_KEYS)}")
    if data.get("select") == "onchip_accuracy" and not acc:
        raise UserError(f"{path}: select=onchip_accuracy needs an 'accuracy' section (which architectures to train)")
    return data


def hardware_points(hardware: dict) -> list[dict]:
    """The grid of override dicts (cartesian product, in YAML order); ``[{}]`` for no variable."""
    keys = list(hardware)
    return [dict(zip(keys, values)) for values in itertools.product(*(hardware[k] for k in keys))]


def architectures(spec: dict, seed: int) -> list[str]:
    """Canonical genotypes: the listed ones, then ``sample`` distinct random cells not already listed."""
    from neuronas.search.cells import planned_genotypes
    from neuronas.space import Genotype

    out: dict[str, None] = {}
    for g in spec.get("genotypes") or []:
        gg = Genotype.parse(str(g))
        if not gg.is_valid():
            raise UserError(f"architectures: genotype {g!r} is not a valid cell (output unreachable)")
        out[str(gg.canonical())] = None
    n = int(spec.get("sample") or 0)
    if n:
        extra = [g for g in planned_genotypes(seed, spec.get("ops", "neuronas"), n + len(out)) if g not in out]
        out.update(dict.fromkeys(extra[:n]))
    return list(out)


@dataclass
class Sweep:
    """A parsed sweep: the settings every pair shares, the hardware grid, the architectures and the choice rule."""

    path: str
    settings: SearchSettings
    variables: list[str]
    points: list[dict]
    architectures: list[str]
    select: str = "score"
    accuracy: dict | None = None
    """The YAML's ``accuracy`` section with defaults filled in, or None."""

    @classmethod
    def from_file(cls, path: "str | Path", out: "str | Path | None" = None, progress: bool = True) -> "Sweep":
        """Read a sweep YAML (:func:`load_sweep`); ``out`` overrides its ``out``."""
        data = load_sweep(path)
        out_dir = Path(out or data.get("out") or "out/codesign")
        base = {k: data[k] for k in ("dataset", "hw", "constraints", "channels", "hidden", "timesteps", "seed",
                                     "hw_samples", "score_batch", "score_repeats", "weight_bits", "data_dir", "threads")
                if k in data}
        base["constraints"] = str(base.get("constraints", ""))
        settings = SearchSettings(**base, out=str(out_dir), progress=progress, top_k=0)
        hardware = data.get("hardware") or {}
        acc = data.get("accuracy")
        if acc is not None:
            acc = {**_ACCURACY_KEYS, **acc}
            settings = settings.with_(train_epochs=int(acc["epochs"]), hw_epochs=acc["hw_epochs"],
                                      chips=int(acc["chips"]), accuracy_samples=acc["samples"])
        return cls(str(path), settings, list(hardware), hardware_points(hardware),
                   architectures(data["architectures"], settings.seed), data.get("select", "score"), acc)

    @property
    def out_dir(self) -> Path:
        return self.settings.out_dir


def evaluate_pairs(sweep: Sweep) -> tuple[list[Candidate], list[dict]]:
    """Every hardware point x every architecture, in full; the SAHD score once per architecture.

    Returns the pairs (``index`` = hardware point) and their ``sweep.csv`` rows.
    """
    import cimsim

    s, cache = sweep.settings, sweep.out_dir / "cache"
    scorer = Evaluator(s, cache_dir=cache)
    pairs: list[Candidate] = []
    rows: list[dict] = []
    evaluators: dict[int, Evaluator] = {}
    with progress_bar(s.progress, "feasible {task.fields[feasible]}") as bar:
        task = bar.add_task("co-design", total=len(sweep.points) * len(sweep.architectures), feasible=0)
        for p_id, overrides in enumerate(sweep.points):
            chip = cimsim.load_config(s.hw, overrides=overrides or None)
            ev = Evaluator(s.with_(hw_overrides=overrides), chip=chip, cache_dir=cache)
            for g in sweep.architectures:
                c = Candidate(genotype=g, index=p_id)
                c.apply_hardware(ev.hardware(g, stop_early=False))
                c.score, _ = scorer.score(g)
                pairs.append(c)
                evaluators[p_id] = ev
                rows.append({**{v: overrides[v] for v in sweep.variables}, "point": p_id,
                             "config_hash": chip.config_hash(), **{k: getattr(c, k) for k in _ROW_FIELDS},
                             "feasible": c.feasible, "failed": ";".join(c.failed)})
                bar.update(task, advance=1, feasible=sum(p.feasible for p in pairs))
    if sweep.accuracy:
        _onchip(sweep, pairs, rows, evaluators)
    return pairs, rows


def _onchip(sweep: Sweep, pairs: list[Candidate], rows: list[dict], evaluators: dict[int, "Evaluator"]) -> None:
    """Train the ``accuracy.train`` best-scored architectures hardware-aware on every point where they are feasible
    and set their pairs' (and rows') accuracies (see the module docstring)."""
    from neuronas.search.finalize import onchip_accuracy, train_candidate

    scores = {c.genotype: c.score for c in pairs if c.feasible and math.isfinite(c.score)}
    chosen = sorted(scores, key=lambda g: -scores[g])[: int(sweep.accuracy["train"])]
    for c, row in zip(pairs, rows):
        if c.genotype not in chosen or not c.feasible:
            continue
        ev = evaluators[c.index]
        trained = train_candidate(ev.settings, ev, c.genotype)
        onchip = onchip_accuracy(ev.settings, ev, c.genotype, trained["checkpoint"])
        c.accuracy, c.onchip_accuracy, c.onchip_std = trained["accuracy"], onchip["accuracy"], onchip["std"]
        c.ideal_accuracy = onchip["ideal_accuracy"]
        row.update({k: getattr(c, k) for k in ("accuracy", "onchip_accuracy", "onchip_std", "ideal_accuracy")})


def pareto_front(pairs: list[Candidate]) -> list[int]:
    """Indices of the feasible pairs that no feasible pair beats in energy, latency, area (min) and score (max)."""
    import numpy as np

    from cimsim.plot.pareto import non_dominated

    ok = [i for i, c in enumerate(pairs) if c.feasible]
    if not ok:
        return []
    vals = np.array([[pairs[i].energy_j, pairs[i].latency_s, pairs[i].area_m2, pairs[i].score] for i in ok])
    vals[~np.isfinite(vals)] = np.nan
    mask = non_dominated(vals, (False, False, False, True))
    return [ok[j] for j in np.flatnonzero(mask)]


def select_best(pairs: list[Candidate], select: str) -> int | None:
    """Index of the best feasible pair: max score or max on-chip accuracy (ties: min energy), or min ``select``
    (ties: max score)."""
    ok = [i for i, c in enumerate(pairs) if c.feasible]
    if not ok:
        return None
    if select == "score":
        return min(ok, key=lambda i: (-pairs[i].score if math.isfinite(pairs[i].score) else math.inf,
                                      pairs[i].energy_j))
    if select == "onchip_accuracy":
        ok = [i for i in ok if math.isfinite(pairs[i].onchip_accuracy)] or ok
        return min(ok, key=lambda i: (-pairs[i].onchip_accuracy if math.isfinite(pairs[i].onchip_accuracy)
                                      else math.inf, pairs[i].energy_j))
    return min(ok, key=lambda i: (getattr(pairs[i], select), -pairs[i].score))


def run_codesign(path: "str | Path", out: "str | Path | None" = None, progress: bool = True) -> dict:
    """Run a sweep YAML; returns the content of ``codesign.json``."""
    from neuronas.search.finalize import write_candidates
    from neuronas.search.runner import set_threads

    sweep = Sweep.from_file(path, out, progress)
    set_threads(sweep.settings, 1)
    pairs, rows = evaluate_pairs(sweep)
    front = pareto_front(pairs)
    for i, r in enumerate(rows):
        r["pareto"] = i in front
    out_dir = sweep.out_dir
    out_dir.mkdir(parents=True, exist_ok=True)
    _write_rows(rows, out_dir / "sweep.csv")
    best = select_best(pairs, sweep.select)
    labelled = [Candidate(**{**vars(c), "genotype": f"{c.genotype} @ {_point_label(sweep.points[c.index])}"})
                for c in pairs]
    write_candidates(labelled, out_dir / "candidates.csv")
    limits = sweep.settings.limits
    result = {
        "sweep": sweep.path, "variables": sweep.variables, "points": sweep.points,
        "architectures": sweep.architectures, "constraints": str(limits), "n_pairs": len(pairs),
        "n_feasible": sum(c.feasible for c in pairs),
        "best": None if best is None else {**rows[best], "label": labelled[best].genotype},
        "pareto_front": [rows[i] for i in front], "sweep_csv": str(out_dir / "sweep.csv"),
        "onchip": [{**r, "label": lab.genotype} for r, lab in zip(rows, labelled)
                   if isinstance(r.get("onchip_accuracy"), float) and math.isfinite(r["onchip_accuracy"])],
    }
    if best is not None:
        (out_dir / "best.json").write_text(json.dumps({"genotype": labelled[best].genotype, **rows[best]}, indent=2,
                                                      default=str))
    try:
        result["figures"] = [str(p) for p in _figures(out_dir, sweep.variables, sweep.settings)]
    except Exception as exc:  # figures never cost the sweep results
        print(f"warning: figures not written: {exc.__class__.__name__}: {exc}")
        result["figures"] = []
    (out_dir / "codesign.json").write_text(json.dumps(result, indent=2, default=str))
    if best is None:
        raise UserError(f"no hardware/architecture pair meets: {limits} ({len(pairs)} pairs in "
                        f"{out_dir / 'sweep.csv'})")
    return result


def _point_label(overrides: dict) -> str:
    return ",".join(f"{k}={v}" for k, v in overrides.items()) or "base"


def _write_rows(rows: list[dict], path: Path) -> None:
    import csv

    cols = list(dict.fromkeys(k for r in rows for k in r))
    with path.open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=cols)
        w.writeheader()
        for r in rows:
            w.writerow({k: ("" if isinstance(v, float) and math.isnan(v) else
                            ("true" if v is True else "false" if v is False else v)) for k, v in r.items()})


def _figures(out_dir: Path, variables: list[str], settings: SearchSettings) -> list:
    from cimsim.plot import write_all

    figs = write_all([], out_dir / "figures", "png", candidates_csv=out_dir / "candidates.csv",
                     constraints=settings.limits.plot_limits(settings.weight_bits), kind="pareto")
    if len(variables) >= 2:
        figs += write_all([], out_dir / "figures", "png", kind="heatmap", sweep_csv=out_dir / "sweep.csv",
                          sweep_x=variables[0], sweep_y=variables[1], sweep_metric="energy_j", sweep_agg="min")
    return figs


def format_codesign(result: dict) -> str:
    """A few lines for the terminal."""
    b = result["best"]
    lines = [f"{result['n_feasible']}/{result['n_pairs']} hardware x architecture pairs meet {result['constraints']}; "
             f"Pareto front: {len(result['pareto_front'])} pairs"]
    if b:
        lines.append(f"best pair: {b['label']}")
        lines.append(f"  params {b['params']:.4g}, area {b['area_m2'] * 1e6:.4g} mm2, latency {b['latency_s'] * 1e3:.4g} ms, "
                     f"energy {b['energy_j'] * 1e6:.4g} uJ/inference, SAHD {b['score']:.4g}")
    measured = result.get("onchip", [])
    if measured:
        lines.append("  on-chip accuracy per hardware point (hardware-aware training, whole test split):")
        lines += [f"    {r['label']}: {100 * r['onchip_accuracy']:.1f}% on chip, {100 * r['ideal_accuracy']:.1f}% ideal ADC"
                  for r in measured]
    lines.append(f"  wrote {result['sweep_csv']}" + (f", {len(result['figures'])} figures" if result.get("figures") else ""))
    return "\n".join(lines)
