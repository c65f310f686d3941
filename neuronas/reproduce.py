"""``neuronas reproduce``: the NeuroNAS paper's headline comparison, NeuroNAS against SNASNet, run side by side.

On each dataset (CIFAR-10, CIFAR-100, TinyImageNet-200; SNASNet's macro as its public code builds it) both strategies
search under the same budgets and seed, with the same number of candidates or the same seconds (``budget_s``):
``neuronas`` (pruned operation set, 8-bit weights, hardware checked before the SAHD score) and ``snasnet`` (full
operation set, SAHD of every cell, argmax, no hardware check; mapped at ``snasnet_bits``: SNASNet trains in 32-bit
float, our crossbars store at most 16). Search time is the wall time of the strategy's own evaluation of its seeded
cells, the two searches timed side by side, a cell of each in turn (:func:`run_dataset`). The chosen cells, and the
candidates for the area/energy figure, are then simulated in full with their own spikes; :func:`savings` computes
the paper's figures from the two rows. Without ``data_dir`` the inputs are synthetic images of each dataset's shape:
hardware figures and search time are meaningful, accuracy is not (none is reported); with real data the chosen cells
are trained with the same budget and simulated on chip.
"""
from __future__ import annotations

import json
import math
import os
import tempfile
import time
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from cimsim.constraints import parse_constraints
from cimsim.errors import UserError
from neuronas.search.evaluate import Evaluator
from neuronas.search.settings import SearchSettings

HASNAS = "memory=4e6,area=100mm2,latency=400ms,energy=120uJ"
"""The budgets of the NeuroNAS paper's comparison (memory in parameters, per-inference latency and energy)."""
DATASETS = ("cifar10", "cifar100", "tinyimagenet")
STRATEGIES = ("neuronas", "snasnet")
PAPER = {"area_saving_pct": 92.0, "latency_speedup_x": 1.2, "energy_saving_pct": 84.0, "search_speedup_x": 6.6}
"""The paper's "up to" figures over SNASNet across the three datasets (Putra & Shafique, NeuroNAS, arXiv 2407.00641,
abstract), printed next to ours; never used to compute anything."""
SNASNET_CHANNELS = {"cifar10": 128, "cifar100": 128, "tinyimagenet": 128}
"""C of the first cell per dataset in SNASNet's public code (``first_out_channel``; the SpikingJelly port doubles it
on CIFAR-10, which ``--channels 256`` reproduces)."""
BUDGET_PLAN = 5000
"""Cells planned per search in the same-seconds mode (SNASNet's public code samples 5,000); the clock ends it."""
FULL_BUDGET_MIN = 90.0
"""The time the full run must fit in on 2 cores (CI's limit), for the estimate printed under the table."""
SYNTHETIC_NOTE = ("synthetic inputs of each dataset's shape (no --data-dir): hardware figures and search time are "
                  "meaningful, accuracy is not")


@dataclass(frozen=True)
class ReproduceSettings:
    """What ``neuronas reproduce`` runs.

    Parameters
    ----------
    datasets: datasets compared (each with SNASNet's macro, :data:`SNASNET_CHANNELS`); constraints: budgets.
    candidates: cells evaluated by each strategy on each dataset; the default is sized so that the whole run fits
        in :data:`FULL_BUDGET_MIN` on 2 cores (a run's table prints that estimate from its own times); quick: 4.
    budget_s: the same-seconds mode: each strategy evaluates its seeded cells until this many seconds of search
        have passed (the cell under way finishes); None: the same-candidates mode.
    plane_max: candidates of each search measured in full for the area/energy figure (the first ones); seed.
    hw, hw_overrides: hardware preset and dotted overrides; the default ``tiles=1024`` lets SNASNet's
        full-precision cells be mapped (area counts the used tiles only).
    data_dir: real datasets (None: synthetic inputs); channels: C of every dataset (None: SNASNet's per dataset).
    hidden: neurons of the hidden FC layer for both strategies (SNASNet: 1024, which no cell can fit under 4e6
        parameters; see the README's honest-baseline notes).
    neuronas_bits, snasnet_bits: weight bits of each strategy's crossbars (and of its QAT with real data).
    timesteps, score_batch, score_repeats, hw_samples: T, SAHD batch size and batches, images per simulation.
    train_epochs, report_samples: real data only: training budget of each chosen cell, test images on chip.
    out, tag: output folder (JSON, markdown, figures) and file name stem; threads: torch threads (None: all).
    """

    datasets: tuple = DATASETS
    constraints: str = HASNAS
    candidates: int = 48
    budget_s: float | None = None
    plane_max: int = 64
    seed: int = 0
    hw: str = "spikesim_rram_65nm"
    hw_overrides: dict = field(default_factory=lambda: {"tiles": 1024})
    data_dir: str | None = None
    channels: int | None = None
    hidden: int = 32
    neuronas_bits: int = 8
    snasnet_bits: int = 16
    timesteps: int = 5
    score_batch: int = 16
    score_repeats: int = 2
    hw_samples: int = 1
    train_epochs: int = 3
    report_samples: int = 64
    out: str = "benchmarks/results"
    tag: str = "reproduce"
    threads: int | None = None

    def __post_init__(self):
        from cimsim.datasets import spec

        if not self.datasets:
            raise UserError("--datasets: name at least one dataset")
        for name in self.datasets:
            spec(name)  # a UserError naming the known datasets
        parse_constraints(self.constraints)
        if int(self.candidates) < 1:
            raise UserError(f"--candidates={self.candidates}; expected >= 1")
        if self.budget_s is not None and not self.budget_s > 0:
            raise UserError(f"--budget-s={self.budget_s}; expected seconds > 0")

    @classmethod
    def quick(cls, **changes) -> "ReproduceSettings":
        """The ``--quick`` run: fewer candidates (and a smaller training budget with real data), the same method."""
        base = dict(candidates=4, train_epochs=1, report_samples=16, tag="reproduce_quick")
        return cls(**{**base, **changes})

    synthetic = property(lambda self: self.data_dir is None, doc="no real data: synthetic inputs")

    def search_settings(self, dataset: str, strategy: str, out: str) -> SearchSettings:
        """The :class:`SearchSettings` of one search of this comparison (``candidates``: the cells it plans)."""
        bits = self.neuronas_bits if strategy == "neuronas" else self.snasnet_bits
        channels = self.channels or SNASNET_CHANNELS.get(dataset, 128)
        planned = self.candidates if self.budget_s is None else max(self.candidates, BUDGET_PLAN)
        return SearchSettings(
            dataset="synthetic" if self.synthetic else dataset, data_dir=self.data_dir, hw=self.hw,
            hw_overrides={**self.hw_overrides, "weight_bits": bits}, constraints=self.constraints, strategy=strategy,
            candidates=planned, seed=self.seed, channels=channels, hidden=self.hidden,
            timesteps=self.timesteps, weight_bits=bits, score_batch=self.score_batch, score_repeats=self.score_repeats,
            hw_samples=self.hw_samples, calib_batch=min(16, self.score_batch), report_samples=self.report_samples,
            top_k=1, train_epochs=self.train_epochs, out=out, progress=False, figures=False, threads=self.threads)

    def evaluator(self, settings: SearchSettings, dataset: str) -> Evaluator:
        """The :class:`Evaluator` of one search; on synthetic inputs, images of ``dataset``'s shape and classes
        (TinyImageNet: 3 x 64 x 64, 200 classes), so the macro, the mapping and the simulated costs are its own."""
        from cimsim.datasets import SPECS, spec

        if not self.synthetic:
            return Evaluator(settings)
        real = spec(dataset)
        shaped = replace(SPECS["synthetic"], channels=real.channels, size=real.size, classes=real.classes)
        return Evaluator(settings, spec=shaped)


# ------------------------------------------------------------------------------------------------ one search
def search_choice(cands: list, settings: SearchSettings):
    """The cell a search returns and why: the highest SAHD score among the candidates its own checks let through
    (NeuroNAS: the feasible ones; SNASNet: all, it checks nothing); with none, the candidate closest to the budgets
    (:func:`neuronas.search.finalize.closest`)."""
    from neuronas.search.finalize import closest

    passed = [c for c in cands if math.isfinite(c.score) and (c.feasible or "unchecked" in c.failed)]
    if passed:
        return max(passed, key=lambda c: c.score), "highest SAHD score"
    near = closest(cands, settings)
    if near is None:
        raise UserError(f"the {settings.strategy} search ({settings.dataset}) has no candidate with a score or "
                        "hardware figures to choose from")
    return near, "closest to the budgets (none met them all)"


def _measured(ev: Evaluator, genotype: str, limits) -> dict:
    """Full cycle-level measurement of one cell with its own spikes (cached per evaluator)."""
    hw = ev.hardware(genotype, stop_early=False)
    keys = ("params", "memory_bytes", "area_m2", "latency_s", "energy_j")
    meets = [n for n in limits.names if n not in hw["failed"] and math.isfinite(hw[limits.column(n)])]
    return {**{k: (None if math.isnan(hw[k]) else float(hw[k])) for k in keys}, "fits": bool(hw["fits"]),
            "fails": list(hw["failed"]), "meets": meets}


def _accuracy(settings: SearchSettings, ev: Evaluator, genotype: str) -> dict:
    """Real data only: the same training budget for each chosen cell, then ideal and on-chip test accuracy."""
    from neuronas.search.finalize import load_trained, simulate_best, train_candidate

    trained = train_candidate(settings, ev, genotype)
    model = load_trained(settings, ev, genotype, trained["checkpoint"])
    report, _, ideal = simulate_best(settings, ev, model, settings.out_dir)
    return {"trained": trained["accuracy"], "ideal_adc": ideal, "on_chip": report.totals.get("accuracy"),
            "epochs": settings.train_epochs, "test_images": settings.report_samples}


def _side(rs: ReproduceSettings, dataset: str, strategy: str, work: Path) -> tuple[SearchSettings, "Side"]:
    """One search of the comparison, ready to time: its settings, evaluator (data loaded: loading is not search
    time) and seeded plan (drawn before the clock starts)."""
    from neuronas.search.strategy import make_strategy
    from neuronas.search.timing import Side

    s = rs.search_settings(dataset, strategy, str(work / f"{dataset}-{strategy}"))
    ev = rs.evaluator(s, dataset)
    ev.score_images, ev.hw_images  # noqa: B018
    strat = make_strategy(s)
    return s, Side(strat, ev, strat.plan())


def run_dataset(rs: ReproduceSettings, dataset: str, work: Path) -> dict[str, dict]:
    """Both searches of ``dataset``: timed side by side (:func:`neuronas.search.timing.interleaved`: a cell of
    each in turn, so a changing machine load falls on both alike), then each measured; one row per strategy."""
    from neuronas.search.runner import set_threads
    from neuronas.search.timing import interleaved

    sides = {st: _side(rs, dataset, st, work) for st in STRATEGIES}
    set_threads(sides[STRATEGIES[0]][0], 1)
    interleaved({st: side for st, (_, side) in sides.items()}, rs.budget_s)
    return {st: _row(rs, s, side) for st, (s, side) in sides.items()}


def _row(rs: ReproduceSettings, s: SearchSettings, side) -> dict:
    """One search's row: its timing, the chosen cell measured in full, the first ``plane_max`` candidates too
    (the figure); per-candidate times for the full-run estimate."""
    from neuronas.space import Genotype

    ev, cands = side.evaluator, side.cands
    chosen, why = search_choice(cands, s)
    lim = s.limits
    t0, c0 = time.perf_counter(), time.process_time()
    plane = []
    for c in cands[: rs.plane_max]:
        m = _measured(ev, c.genotype, lim)
        plane.append({"genotype": c.genotype, "score": None if not math.isfinite(c.score) else c.score,
                      "feasible": not m["fails"] and m["energy_j"] is not None, **m})
    best = _measured(ev, chosen.genotype, lim)
    measure_s, measure_cpu_s = time.perf_counter() - t0, time.process_time() - c0
    n, search_s = len(cands), side.wall_s
    row = {"strategy": s.strategy, "ops": s.op_set, "weight_bits": s.weight_bits, "channels": ev.macro.channels,
           "hidden": ev.macro.hidden, "stem_stride": ev.macro.stem_stride, "candidates": n, "search_s": search_s,
           "search_cpu_s": side.cpu_s, "candidates_per_min": 60.0 * n / search_s if search_s > 0 else math.inf,
           "score_s_per_candidate": sum(c.score_time_s for c in cands) / n,
           "hardware_s_per_candidate": sum(c.hw_time_s for c in cands) / n,
           "measure_s": measure_s, "measure_cpu_s": measure_cpu_s, "measured": len(plane),
           "scored": sum(math.isfinite(c.score) for c in cands), "chosen": chosen.genotype,
           "matrix": Genotype.parse(chosen.genotype).matrix_string(), "chosen_by": why,
           "score": chosen.score if math.isfinite(chosen.score) else None, **best,
           "candidates_meeting_all": sum(p["feasible"] for p in plane), "plane": plane, "accuracy": None}
    if not rs.synthetic:
        row["accuracy"] = _accuracy(s, ev, chosen.genotype)
    return row


# ------------------------------------------------------------------------------------------------ comparison
def _ratio(num, den) -> float | None:
    return None if num is None or den is None or not den or not num else float(num) / float(den)


def savings(neuronas: dict, snasnet: dict) -> dict:
    """NeuroNAS over SNASNet, the paper's way, from the two rows only.

    Returns ``area_saving_pct`` = 100 (1 - area_N / area_S), ``latency_speedup_x`` = latency_S / latency_N,
    ``energy_saving_pct`` = 100 (1 - energy_N / energy_S), ``memory_saving_pct`` (bytes) and
    ``search_speedup_x`` = candidates per minute_N / candidates per minute_S (with the same candidates: search
    time_S / search time_N); None where a number is missing.
    """
    def saving(key):
        r = _ratio(neuronas.get(key), snasnet.get(key))
        return None if r is None else 100.0 * (1.0 - r)

    def rate(row):
        n, s = row.get("candidates"), row.get("search_s")
        return None if not n or not s else n / s

    return {"area_saving_pct": saving("area_m2"), "latency_speedup_x": _ratio(snasnet.get("latency_s"),
                                                                              neuronas.get("latency_s")),
            "energy_saving_pct": saving("energy_j"), "memory_saving_pct": saving("memory_bytes"),
            "search_speedup_x": _ratio(rate(neuronas), rate(snasnet))}


def full_run_estimate(result: dict, candidates: int) -> float:
    """CPU seconds of a run of ``candidates`` cells per search over the same datasets, from this run's
    per-candidate CPU times (search, and the full measurement of each cell for the figure); an idle 2-core machine
    takes at most about this long in wall time (torch runs on both cores)."""
    rows = [r for d in result["datasets"].values() for r in d["rows"].values()]
    per_candidate = sum(r["search_cpu_s"] / r["candidates"] for r in rows)
    per_measured = sum(r["measure_cpu_s"] / max(1, r["measured"]) for r in rows)
    fixed = result["meta"]["cpu_s"] - sum(r["search_cpu_s"] + r["measure_cpu_s"] for r in rows)  # loading, figures
    return fixed + candidates * per_candidate + min(candidates, result["meta"]["settings"]["plane_max"]) * per_measured


def affordable(result: dict, minutes: float = FULL_BUDGET_MIN) -> int:
    """The largest candidate count whose :func:`full_run_estimate` fits in ``minutes``."""
    n = 1
    while full_run_estimate(result, n + 1) <= 60.0 * minutes and n < 100_000:
        n += 1
    return n


def run_reproduce(rs: ReproduceSettings, echo=print) -> dict:
    """Both searches on every dataset; writes ``OUT/TAG.json``, ``OUT/TAG.md`` and one figure per dataset.

    Returns the JSON content (``meta``, ``datasets``: per dataset the two rows and their savings, ``paper``).
    """
    out = Path(rs.out)
    out.mkdir(parents=True, exist_ok=True)
    result = {"meta": _meta(rs), "paper": PAPER, "datasets": {}}
    t0, c0 = time.perf_counter(), time.process_time()
    with tempfile.TemporaryDirectory(prefix="neuronas-reproduce-") as tmp:
        for dataset in rs.datasets:
            echo(f"{dataset}: {' and '.join(STRATEGIES)} searches side by side, "
                 + (f"{rs.budget_s:g} s each ..." if rs.budget_s else f"{rs.candidates} candidates each ..."))
            rows = run_dataset(rs, dataset, Path(tmp))
            result["datasets"][dataset] = {"rows": rows, "savings": savings(rows["neuronas"], rows["snasnet"])}
            result["datasets"][dataset]["figure"] = str(write_figure(result, dataset, out / f"{rs.tag}_{dataset}.png"))
    result["meta"].update(wall_s=time.perf_counter() - t0, cpu_s=time.process_time() - c0)
    if rs.budget_s is None:
        full = ReproduceSettings().candidates
        result["meta"]["full_run"] = {"candidates": full, "estimate_s": full_run_estimate(result, full),
                                      "affordable": affordable(result)}
    (out / f"{rs.tag}.json").write_text(json.dumps(result, indent=1, default=_json_default))
    (out / f"{rs.tag}.md").write_text(markdown(result))
    return result


def _json_default(v):
    return None if isinstance(v, float) and not math.isfinite(v) else str(v)


def _meta(rs: ReproduceSettings) -> dict:
    import platform

    import torch

    import cimsim

    return {"settings": {k: (list(v) if isinstance(v, tuple) else v) for k, v in asdict(rs).items()},
            "inputs": SYNTHETIC_NOTE if rs.synthetic else f"real datasets from {rs.data_dir}",
            "synthetic": rs.synthetic, "command": command_of(rs), "hw_preset": rs.hw,
            "version": getattr(cimsim, "__version__", "?"), "torch_threads": torch.get_num_threads(),
            "machine": platform.machine(), "cores": os.cpu_count(), "load_average": os.getloadavg()[0],
            "started_utc": time.strftime("%Y-%m-%d %H:%M:%S", time.gmtime())}


def command_of(rs: ReproduceSettings) -> str:
    """The ``neuronas reproduce`` command line that runs ``rs`` (the defaults left out)."""
    quick = rs.tag.startswith("reproduce_quick")
    base = ReproduceSettings.quick() if quick else ReproduceSettings()
    parts = ["neuronas", "reproduce"] + (["--quick"] if quick else [])
    for flag, attr in (("datasets", "datasets"), ("constraints", "constraints"), ("candidates", "candidates"),
                       ("budget-s", "budget_s"), ("seed", "seed"), ("hw", "hw"), ("data-dir", "data_dir"),
                       ("channels", "channels"), ("hidden", "hidden"), ("snasnet-bits", "snasnet_bits"),
                       ("epochs", "train_epochs"), ("out", "out")):
        v = getattr(rs, attr)
        if v is not None and v != getattr(base, attr):
            v = ",".join(v) if isinstance(v, tuple) else v
            parts += [f"--{flag}", f'"{v}"' if "," in str(v) or " " in str(v) else str(v)]
    for k, v in rs.hw_overrides.items():
        if base.hw_overrides.get(k) != v:
            parts += ["--set", f"{k}={v}"]
    return " ".join(parts)


# ------------------------------------------------------------------------------------------------ outputs
NAMES = {"cifar10": "CIFAR-10", "cifar100": "CIFAR-100", "tinyimagenet": "TinyImageNet-200",
         "neuronas": "NeuroNAS", "snasnet": "SNASNet"}


def write_figure(result: dict, dataset: str, path: Path) -> Path | None:
    """Both searches' candidates of ``dataset`` in the area/energy plane, budgets drawn
    (:func:`cimsim.plot.cost_plane`); None when no candidate could be simulated."""
    from cimsim.plot import cost_plane, save_figure

    rows = result["datasets"][dataset]["rows"]
    meta = result["meta"]
    limits = parse_constraints(meta["settings"]["constraints"]).plot_limits()
    note = " (synthetic inputs)" if meta["synthetic"] else ""
    try:
        fig = cost_plane({NAMES[k]: r["plane"] for k, r in rows.items()}, constraints=limits,
                         chosen={NAMES[k]: r["chosen"] for k, r in rows.items()}, title=f"{NAMES[dataset]}{note}")
    except UserError:  # no candidate was simulated (none fits the chip): the table says why
        return None
    return save_figure(fig, path)


def _f(v, scale: float = 1.0, unit: str = "", digits: int = 3) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "-"
    text = f"{v / scale:.{digits}g}"
    if "e+" in text:  # 1390, not 1.39e+03
        text = f"{v / scale:.0f}"
    return f"{text}{(' ' + unit) if unit else ''}"


def _pct(v) -> str:
    return "-" if v is None else f"{_f(100 * v)}%"


def _meets(r: dict, lim) -> str:
    """``all``, or the budgets met and, for each missed one, how far over it the chosen cell is."""
    if len(r["meets"]) == len(lim.names):
        return "all"
    over = [f"{n} {_f(r[lim.column(n)] / lim.limit(n))}x the budget" for n in r["fails"]
            if n in lim.names and r.get(lim.column(n)) is not None]
    return "; ".join([", ".join(r["meets"]) or "none"] + over)


def _row_line(dataset: str, r: dict, lim) -> str:
    """One markdown row: a search on a dataset and its chosen cell."""
    acc = r.get("accuracy")
    cells = [NAMES[dataset], NAMES[r["strategy"]], f"{r['channels']} / {r['hidden']} / {r['weight_bits']}",
             str(r["candidates"]), f"{_f(r['search_s'], 1, 's')} ({_f(r.get('search_cpu_s'), 1, 's')} CPU)",
             _f(r["candidates_per_min"]),
             f"`{r['matrix']}`" + (" (closest)" if r["chosen_by"].startswith("closest") else ""),
             _f(r["params"], 1e6, "M"), _f(r["memory_bytes"], 1e6, "MB"),
             _f(r["area_m2"], 1e-6, "mm2"), _f(r["latency_s"], 1e-3, "ms"), _f(r["energy_j"], 1e-6, "uJ"),
             _meets(r, lim), f"{r['candidates_meeting_all']}/{r['measured']}",
             "-" if not acc else f"{_pct(acc.get('ideal_adc'))} / {_pct(acc.get('on_chip'))}"]
    return "| " + " | ".join(cells) + " |"


def _saving_line(name: str, s: dict, counts: str = "") -> str:
    return (f"| {name} | {_f(s['area_saving_pct'], digits=3)}% | {_f(s['latency_speedup_x'], digits=3)}x | "
            f"{_f(s['energy_saving_pct'], digits=3)}% | {_f(s['search_speedup_x'], digits=3)}x |"
            + (f" {counts} |" if counts else ""))


def _header(meta: dict) -> list[str]:
    """The run's command, inputs, settings and time, and how long the full run takes by this run's times."""
    st = meta["settings"]
    same = (f"the same {_f(st['budget_s'], 1, 's')} of search per strategy (each evaluates what it can)"
            if st.get("budget_s") else f"the same {st['candidates']} candidates per search")
    lines = [f"Command: `{meta['command']}`. Inputs: {meta['inputs']}.",
             f"Budgets {st['constraints']} (memory in parameters); hardware `{st['hw']}` "
             f"({', '.join(f'{k}={v}' for k, v in st['hw_overrides'].items())}); seed {st['seed']}; {same}; "
             f"T={st['timesteps']}; SAHD {st['score_batch']} x {st['score_repeats']} images; {st['hw_samples']} "
             f"image(s) per simulation. Whole run {_f(meta.get('wall_s'), 60, 'min')} wall, "
             f"{_f(meta.get('cpu_s'), 60, 'min')} CPU on {meta.get('cores')} cores (load average "
             f"{_f(meta.get('load_average'))} at the start)."]
    if "full_run" in meta:
        f = meta["full_run"]
        lines.append(f"By this run's per-candidate CPU times, the full run (`neuronas reproduce`, {f['candidates']} "
                     f"candidates per search) takes about {_f(f['estimate_s'], 60, 'CPU-min')}; the largest count "
                     f"within {_f(FULL_BUDGET_MIN)} minutes is {f['affordable']}.")
    return lines


def markdown(result: dict) -> str:
    """The two tables (rows per dataset and strategy; savings per dataset next to the paper's) as markdown."""
    meta = result["meta"]
    lim = parse_constraints(meta["settings"]["constraints"])
    lines = _header(meta) + [
        "", "| dataset | search | C / hidden / weight bits | candidates | search time | candidates/min | chosen cell | "
        "params | memory | area | latency | energy / inference | budgets met | candidates meeting all | accuracy "
        "(ideal / on chip) |", "|" + "---|" * 15]
    for dataset, d in result["datasets"].items():
        lines += [_row_line(dataset, d["rows"][k], lim) for k in STRATEGIES]
    lines += ["", "(closest): no candidate of that search met every budget; the one closest to them is shown.",
              "", "| NeuroNAS over SNASNet | area saving | latency speed-up | energy saving | search speed-up | "
              "SNASNet's choice meets all budgets |", "|---|---|---|---|---|---|"]
    for dataset, d in result["datasets"].items():
        ok = len(d["rows"]["snasnet"]["meets"]) == len(lim.names)
        lines.append(_saving_line(NAMES[dataset], d["savings"], "yes" if ok else "no"))
    lines.append(_saving_line("paper (up to, 8-bit NeuroNAS)", result["paper"], "no (paper)"))
    return "\n".join(lines) + "\n"
