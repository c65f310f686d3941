"""Simulator speed next to the dense numpy forward of the same SNN, measured side by side in one run.

Usage::

    python -m benchmarks.bench_simulator [--quick]

For each case the graph, the chip (the preset's YAML parsed once, as the graph is built once) and the inputs are
made once (seeded); then, ``repeats`` times in alternation, the dense numpy forward
(:func:`cimsim.functional.evaluate`, the floor: the simulator must at least compute the network),
``cimsim.simulate(..., fidelity=False)`` (search-loop setting) and ``cimsim.simulate(..., fidelity=True)`` (adds
the ideal-ADC reference, which the calibration pass shares) are timed, each twice: *warm* (the calibrated ADC and
the ideal reference from :mod:`cimsim.engine.run_cache`, as in a sweep or a repeated run on the same inputs) and
*cold* (caches cleared first: the calibration pass runs). Reported: median, min and max seconds of each and the
ratios of medians ``sim / dense``. One warm-up call of each precedes the timing (JIT caches, imports).

Peak memory is measured in a fresh subprocess per network: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the
whole process, interpreter and libraries included; also after imports only) and the peak of the allocations
``tracemalloc`` traces during the ``simulate`` call (numpy arrays included; wall time there is inflated by
tracing).
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

SEED = 0


def _stats(xs: list[float]) -> dict:
    return {"median_s": statistics.median(xs), "min_s": min(xs), "max_s": max(xs), "n": len(xs)}


def interleaved_times(calls: dict, repeats: int) -> dict[str, list[float]]:
    """Wall seconds of each call over ``repeats`` rounds, the calls interleaved within a round (so a change in
    machine load hits every case alike), after one untimed warm-up call each."""
    for fn in calls.values():
        fn()
    times: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for k, fn in calls.items():
            t0 = time.perf_counter()
            fn()
            times[k].append(time.perf_counter() - t0)
    return times


def time_case(model: str, hw: str, timesteps: int, spike_rate: float, repeats: int) -> dict:
    """Side-by-side timings of the dense forward and simulate (fidelity off / on, warm / cold caches)."""
    import cimsim
    from cimsim.api import resolve_chip, resolve_model
    from cimsim.engine import run_cache
    from cimsim.functional import evaluate
    from cimsim.networks import random_spike_inputs

    graph = resolve_model(model, seed=SEED)
    chip = resolve_chip(hw)
    inputs = random_spike_inputs(graph, timesteps, 1, spike_rate, SEED)

    def sim(fidelity: bool, cold: bool):
        if cold:
            run_cache.clear()
        return cimsim.simulate(graph, hw=chip, inputs=inputs, seed=SEED, fidelity=fidelity)

    calls = {
        "dense": lambda: evaluate(graph, inputs),
        "sim": lambda: sim(False, False),
        "sim_fidelity": lambda: sim(True, False),
        "sim_cold": lambda: sim(False, True),
        "sim_fidelity_cold": lambda: sim(True, True),
    }
    times = interleaved_times(calls, repeats)
    out = {"model": model, "hw": hw, "timesteps": timesteps, "spike_rate": spike_rate,
           **{k: _stats(v) for k, v in times.items()}}
    dense = out["dense"]["median_s"]
    out["ratio_sim_over_dense"] = out["sim"]["median_s"] / dense
    out["ratio_sim_fidelity_over_dense"] = out["sim_fidelity"]["median_s"] / dense
    out["ratio_sim_cold_over_dense"] = out["sim_cold"]["median_s"] / dense
    out["ratio_sim_fidelity_cold_over_dense"] = out["sim_fidelity_cold"]["median_s"] / dense
    return out


_MEM_SCRIPT = """
import json, resource, sys, time, tracemalloc
import cimsim
rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
tracemalloc.start()
t0 = time.perf_counter()
r = cimsim.simulate(sys.argv[1], hw=sys.argv[2], timesteps=int(sys.argv[3]), fidelity=False)
wall = time.perf_counter() - t0
peak_traced = tracemalloc.get_traced_memory()[1]
print(json.dumps({"peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                  "rss_after_imports_bytes": rss_before, "peak_traced_bytes": peak_traced, "wall_s": wall,
                  "crossbars": r.activity["crossbars_used"]}))
"""


def peak_memory(model: str, hw: str, timesteps: int) -> dict:
    """Peak resident memory of one ``simulate`` run in a fresh interpreter (bytes; Linux ru_maxrss is in KiB)."""
    res = subprocess.run([sys.executable, "-c", _MEM_SCRIPT, model, hw, str(timesteps)], capture_output=True,
                         text=True, check=True)
    return {"model": model, "hw": hw, "timesteps": timesteps, **json.loads(res.stdout.strip().splitlines()[-1])}


def run(quick: bool = False, repeats: int | None = None) -> dict:
    """All simulator cases; returns ``{"main": [...], "spike_rate": [...], "timesteps": [...], "memory": [...]}``."""
    reps = repeats or (3 if quick else 5)
    sweep_reps = max(2, reps - 1)
    main = [time_case("vgg9", "spikesim_rram_65nm", 5, 0.1, reps),
            time_case("vgg8", "neurosim_rram_22nm", 5, 0.1, 2 if quick else reps)]
    rates = [time_case("vgg9", "spikesim_rram_65nm", 5, r, sweep_reps) for r in (0.05, 0.20, 0.50)]
    steps = [time_case("vgg9", "spikesim_rram_65nm", t, 0.1, sweep_reps) for t in (2, 10)]
    memory = [peak_memory("vgg9", "spikesim_rram_65nm", 5), peak_memory("vgg8", "neurosim_rram_22nm", 5)]
    return {"main": main, "spike_rate": rates, "timesteps": steps, "memory": memory}


def main(argv: list[str]) -> None:
    res = run(quick="--quick" in argv)
    print(json.dumps(res, indent=1, default=float))


if __name__ == "__main__":
    main(sys.argv[1:])
