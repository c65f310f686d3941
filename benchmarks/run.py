"""The benchmark suite: one command, one table, ``benchmarks/results.json``.

Usage::

    python benchmarks/run.py [--quick] [--out benchmarks/results.json]

Sections (each measured side by side in this run; absolute times depend on the machine and its load, the ratios
are what to compare):

1. simulator vs the dense numpy forward of the same SNN (vgg9 on ``spikesim_rram_65nm``, one 32x32 input, T=5;
   vgg8 on ``neurosim_rram_22nm``), with and without the ADC fidelity pass, cold (a first run: cell slicing and
   ADC calibration included; the headline) and warm (caches kept), in CPU and wall time; time vs input spike rate
   and vs T; peak memory (:mod:`benchmarks.bench_simulator`);
2. kernel backends (Cython/Numba) vs their numpy references (:mod:`benchmarks.bench_kernels`);
3. search candidates per minute per strategy and the neuronas/snasnet ratio (``benchmarks/bench_search.py``,
   when present);
4. SNN training and forward speed (``benchmarks/bench_train.py``, when present);
5. the functional accuracy mode vs the dense forward, with non-idealities, and non-idealities on vs off in the
   cycle-level run (:mod:`benchmarks.bench_accuracy`).

Every timing is the median of several repeats, with min and max. ``--quick`` uses fewer repeats and smaller
kernel sizes (about 10 minutes or less on 2 cores).
"""
from __future__ import annotations

import argparse
import importlib
import json
import os
import platform
import sys
import time
import traceback
from pathlib import Path

HERE = Path(__file__).resolve().parent
if str(HERE.parent) not in sys.path:  # run as a script: the sections import each other as ``benchmarks.<name>``
    sys.path.insert(0, str(HERE.parent))


def _module(name: str):
    """The section module ``benchmarks.<name>`` (None when the file is absent)."""
    if not (HERE / f"{name}.py").is_file():
        return None
    return importlib.import_module(f"benchmarks.{name}")


def _section(name: str, fn, results: dict, skipped: dict) -> None:
    t0 = time.perf_counter()
    try:
        results[name] = fn()
    except Exception as exc:  # a failing section must not hide the others
        skipped[name] = f"failed: {type(exc).__name__}: {exc}"
        traceback.print_exc()
    results.setdefault("section_wall_s", {})[name] = time.perf_counter() - t0


def _fmt_t(d: dict) -> str:
    return f"{d['median_s']:.3g} s [{d['min_s']:.3g}-{d['max_s']:.3g}]"


def table(results: dict, skipped: dict) -> str:
    """The one table: rows (section, case, measurement, value)."""
    rows: list[tuple[str, str, str, str]] = []
    sim = results.get("simulator")
    if sim:
        for c in sim["main"]:
            case = f"{c['model']} {c['hw']} T={c['timesteps']} rate={c['spike_rate']:.0%}"
            for k, label in (("dense", "dense numpy forward"), ("sim_cold", "simulate, COLD (first run)"),
                             ("sim_warm", "simulate, warm caches"),
                             ("sim_fidelity_cold", "simulate(fidelity=True), COLD"),
                             ("sim_fidelity_warm", "simulate(fidelity=True), warm caches")):
                rows.append(("simulator", case, f"{label}: wall / CPU",
                             f"{_fmt_t(c['wall'][k])} / {_fmt_t(c['cpu'][k])}"))
            for k, label in (("sim_cold", "COLD"), ("sim_warm", "warm"), ("sim_fidelity_cold", "COLD, fidelity"),
                             ("sim_fidelity_warm", "warm, fidelity")):
                r = c["ratio"][k]
                rows.append(("simulator", case, f"ratio sim / dense, {label}: CPU (wall)",
                             f"{r['cpu']:.2f}x ({r['wall']:.2f}x)"))
        for c in sim["spike_rate"]:
            rows.append(("spike rate", f"vgg9 T=5 rate={c['spike_rate']:.0%}", "simulate COLD / dense, CPU",
                         f"{_fmt_t(c['cpu']['sim_cold'])} / {_fmt_t(c['cpu']['dense'])} = {c['ratio_cold_cpu']:.2f}x"))
        for c in sim["timesteps"]:
            rows.append(("timesteps", f"vgg9 rate=10% T={c['timesteps']}", "simulate COLD / dense, CPU",
                         f"{_fmt_t(c['cpu']['sim_cold'])} / {_fmt_t(c['cpu']['dense'])} = {c['ratio_cold_cpu']:.2f}x"))
        for m in sim["memory"]:
            rows.append(("memory", f"{m['model']} {m['hw']} T={m['timesteps']}", "peak RSS / after imports / traced",
                         f"{m['peak_rss_bytes'] / 2**20:.0f} / {m['rss_after_imports_bytes'] / 2**20:.0f} / "
                         f"{m['peak_traced_bytes'] / 2**20:.0f} MiB"))
    for k in results.get("kernels", []):
        rows.append(("kernels", f"{k['kernel']} {k['case']}", "fast / numpy reference",
                     f"{k['fast_s'] * 1e3:.3g} ms / {k['ref_s'] * 1e3:.3g} ms = {k['speedup']:.1f}x faster"))
    for r in results.get("search", []) if isinstance(results.get("search"), list) else []:
        rows.append(("search", str(r.get("strategy", r.get("case", ""))), "result",
                     ", ".join(f"{k}={_short(v)}" for k, v in r.items() if k not in ("strategy", "case"))))
    if isinstance(results.get("search"), dict):
        for k, v in results["search"].items():
            rows.append(("search", k, "result", _short(v)))
    for r in results.get("train", []):
        label = r.get("bench", "")
        rows.append(("train", f"{label} {r.get('case', '')}".strip(), "result",
                     ", ".join(f"{k}={_short(v)}" for k, v in r.items() if k not in ("bench", "case"))))
    acc = results.get("accuracy")
    if acc:
        f = acc["functional"]
        case = f"vgg9 {f['samples']} images T={f['timesteps']}"
        for c in ("dense", "ideal", "nonideal"):
            rows.append(("accuracy", case, f"{c}: wall / CPU / peak RSS",
                         f"{f[c]['wall_s']:.3g} s / {f[c]['cpu_s']:.3g} s / {f[c]['peak_rss_bytes'] / 2**20:.0f} MiB"))
        rows.append(("accuracy", case, "functional / dense, CPU (ideal, non-ideal)",
                     f"{f['cpu_ratio_ideal_over_dense']:.2f}x, {f['cpu_ratio_nonideal_over_dense']:.2f}x"))
        rows.append(("accuracy", "vgg9 simulate 1 sample", "non-ideal on / off",
                     f"{acc['cycle_level']['ratio_on_over_off']:.2f}x"))
    for name, why in skipped.items():
        rows.append((name, "-", "skipped", why))
    w = [max(len(r[i]) for r in rows + [("section", "case", "measurement", "value")]) for i in range(4)]
    line = lambda r: "  ".join(c.ljust(w[i]) for i, c in enumerate(r))  # noqa: E731
    return "\n".join([line(("section", "case", "measurement", "value")), line(tuple("-" * x for x in w))]
                     + [line(r) for r in rows])


FLOOR_GOAL = 3.0
"""vgg9 on the default preset: simulate at most this many times the dense numpy forward."""
SEARCH_GOAL = 10.0
"""The neuronas search at least this many times faster than the snasnet strategy."""


def headline(results: dict) -> str:
    """The two goal ratios of this run: simulator / dense floor (vgg9, default preset) and neuronas / snasnet."""
    lines = []
    sim = results.get("simulator")
    vgg9 = [c for c in (sim or {}).get("main", []) if c["model"] == "vgg9"]
    for c in vgg9:
        r = c["ratio"]
        cold = r["sim_cold"]["cpu"]
        lines.append(f"floor ratio (vgg9 {c['hw']}, simulate / dense forward, COLD: one simulate call, CPU time): "
                     f"{cold:.2f}x (goal <= {FLOOR_GOAL:g}x: {'met' if cold <= FLOOR_GOAL else 'NOT met'}); "
                     f"wall {r['sim_cold']['wall']:.2f}x; with fidelity pass {r['sim_fidelity_cold']['cpu']:.2f}x; "
                     f"warm caches (repeat on the same inputs) {r['sim_warm']['cpu']:.2f}x / fidelity "
                     f"{r['sim_fidelity_warm']['cpu']:.2f}x; load average {c['load_avg'][0]:.1f}")
    search = results.get("search")
    rows = search if isinstance(search, list) else []
    for r in rows:
        if r.get("case") == "neuronas vs snasnet":
            lines.append(f"search ratio (snasnet time / neuronas time, {r.get('candidates', '?')} candidates): "
                         f"{r['speedup']:.2f}x (goal >= {SEARCH_GOAL:g}x: "
                         f"{'met' if r['speedup'] >= SEARCH_GOAL else 'NOT met'}); method only (snasnet on the same "
                         f"SAHD implementation): {r.get('speedup_method_only', float('nan')):.2f}x, bound for this "
                         f"run's cells {r.get('bound_method_only', r.get('bound', float('nan'))):.2f}x")
    return "\n".join(lines)


def _short(v) -> str:
    if isinstance(v, float):
        return f"{v:.4g}"
    if isinstance(v, (dict, list)):
        return json.dumps(v, default=float)[:80]
    return str(v)


def main(argv: list[str] | None = None) -> dict:
    ap = argparse.ArgumentParser(description="NeuroNAS / cimsim benchmark suite")
    ap.add_argument("--quick", action="store_true", help="fewer repeats, smaller sizes (~10 min on 2 cores)")
    ap.add_argument("--out", type=Path, default=HERE / "results.json")
    ap.add_argument("--only", default="simulator,kernels,search,train,accuracy", help="comma-separated sections")
    args = ap.parse_args(argv)
    only = set(args.only.split(","))
    wall = time.perf_counter()
    results: dict = {"meta": {"quick": args.quick, "python": platform.python_version(), "machine": platform.machine(),
                              "cpus": os.cpu_count(), "load_avg_start": os.getloadavg(),
                              "command": "python benchmarks/run.py" + (" --quick" if args.quick else "")}}
    skipped: dict[str, str] = {}
    if "simulator" in only:
        sim = _module("bench_simulator")
        _section("simulator", lambda: sim.run(quick=args.quick), results, skipped)
    if "kernels" in only:
        kern = _module("bench_kernels")
        _section("kernels", lambda: kern.run(quick=args.quick), results, skipped)
    for name, mod in (("search", "bench_search"), ("train", "bench_train"), ("accuracy", "bench_accuracy")):
        if name not in only:
            continue
        m = _module(mod)
        if m is None or not hasattr(m, "run"):
            skipped[name] = f"benchmarks/{mod}.py not present yet"
            continue
        _section(name, lambda m=m: m.run(quick=args.quick), results, skipped)
    results["skipped"] = skipped
    results["meta"]["wall_s"] = time.perf_counter() - wall
    results["meta"]["load_avg_end"] = os.getloadavg()
    text = table(results, skipped)
    print(text)
    results["headline"] = headline(results)
    print("\n" + results["headline"])
    print(f"\ntotal {results['meta']['wall_s']:.0f} s; load average {results['meta']['load_avg_start'][0]:.1f} -> "
          f"{results['meta']['load_avg_end'][0]:.1f} on {results['meta']['cpus']} CPUs; written {args.out}")
    results["table"] = text
    args.out.write_text(json.dumps(results, indent=1, default=float))
    return results


if __name__ == "__main__":
    main()
