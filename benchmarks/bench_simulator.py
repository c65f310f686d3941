"""Simulator speed next to the dense numpy forward of the same SNN, measured side by side in one run.

Usage::

    python -m benchmarks.bench_simulator [--quick]

For each case the graph, the chip (the preset's YAML parsed once, as the graph is built once) and the inputs are
made once (seeded); then, ``repeats`` times in alternation, the dense numpy forward
(:func:`cimsim.functional.evaluate`, the floor: the simulator must at least compute the network),
``cimsim.simulate(..., fidelity=False)`` (search-loop setting) and ``cimsim.simulate(..., fidelity=True)`` (adds
the ideal-ADC reference, which the calibration pass shares) are timed, each twice:

* **cold** (:func:`cimsim.engine.run_cache.clear` first): what one ``cimsim simulate`` call costs a user -- the
  weights are sliced into cells, the calibration pass runs. This is the headline ratio.
* **warm**: the calibrated ADC, the ideal reference and the cells from :mod:`cimsim.engine.run_cache`, as in a
  sweep or a repeated run on the same inputs.

Each call is timed in wall seconds and in CPU seconds of this process (``time.process_time``: on a machine shared
with other jobs the wall time counts their share too). BLAS runs on one thread during the timing (threadpoolctl,
when installed): with several, a loaded machine's spinning BLAS threads inflate the dense floor's CPU time.
Reported: median, min and max of each, and the ratios of medians ``simulate / dense`` in wall and CPU time. One
warm-up call of each precedes the timing (JIT caches, imports).

Peak memory is measured in a fresh subprocess per network: ``resource.getrusage(RUSAGE_SELF).ru_maxrss`` (the
whole process, interpreter and libraries included; also after imports only) and the peak of the allocations
``tracemalloc`` traces during the ``simulate`` call (numpy arrays included; wall time there is inflated by
tracing).
"""
from __future__ import annotations

import contextlib
import json
import os
import statistics
import subprocess
import sys
import time

SEED = 0


def _stats(xs: list[float]) -> dict:
    return {"median_s": statistics.median(xs), "min_s": min(xs), "max_s": max(xs), "n": len(xs)}


def interleaved_times(calls: dict, repeats: int, cpu: bool = False) -> dict:
    """Wall seconds of each call over ``repeats`` rounds, the calls interleaved within a round (so a change in
    machine load hits every case alike), after one untimed warm-up call each. With ``cpu``, ``(wall, cpu)``
    lists: the process's CPU seconds of each call too."""
    for fn in calls.values():
        fn()
    wall: dict[str, list[float]] = {k: [] for k in calls}
    cpus: dict[str, list[float]] = {k: [] for k in calls}
    for _ in range(repeats):
        for k, fn in calls.items():
            t0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[k].append(time.perf_counter() - t0)
            cpus[k].append(time.process_time() - c0)
    return (wall, cpus) if cpu else wall


def _one_blas_thread():
    """A context limiting BLAS to one thread (threadpoolctl), or a no-op when threadpoolctl is missing."""
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


CALLS = ("dense", "sim_cold", "sim_warm", "sim_fidelity_cold", "sim_fidelity_warm")
"""What :func:`time_case` times; ``sim_*`` are ``simulate`` with ``fidelity`` off / on, caches cleared / kept."""


def time_case(model: str, hw: str, timesteps: int, spike_rate: float, repeats: int) -> dict:
    """Side-by-side timings of the dense forward and simulate (fidelity off / on, cold / warm caches).

    Returns the case, ``wall`` and ``cpu`` (each call's median/min/max seconds), ``ratio`` (``{call: {"wall",
    "cpu"}}`` medians over the dense forward's) and the headline ``ratio_cold_cpu`` / ``ratio_cold_wall``.
    """
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

    calls = {"dense": lambda: evaluate(graph, inputs), "sim_cold": lambda: sim(False, True),
             "sim_warm": lambda: sim(False, False), "sim_fidelity_cold": lambda: sim(True, True),
             "sim_fidelity_warm": lambda: sim(True, False)}
    with _one_blas_thread():
        wall, cpu = interleaved_times(calls, repeats, cpu=True)
    out = {"model": model, "hw": hw, "timesteps": timesteps, "spike_rate": spike_rate, "load_avg": os.getloadavg(),
           "wall": {k: _stats(v) for k, v in wall.items()}, "cpu": {k: _stats(v) for k, v in cpu.items()}}
    out["ratio"] = {k: {m: out[m][k]["median_s"] / out[m]["dense"]["median_s"] for m in ("wall", "cpu")}
                    for k in CALLS[1:]}
    out["ratio_cold_cpu"], out["ratio_cold_wall"] = out["ratio"]["sim_cold"]["cpu"], out["ratio"]["sim_cold"]["wall"]
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
