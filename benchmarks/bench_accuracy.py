"""The functional accuracy mode next to the dense numpy forward, and non-idealities on vs off in the cycle-level run.

Usage::

    python -m benchmarks.bench_accuracy [--quick] [--samples N]

1. Functional accuracy (:func:`cimsim.accuracy.chip_accuracy`, one chip instance) of vgg9 on
   ``spikesim_rram_65nm`` over ``N`` CIFAR-size (3x32x32) images, T=5, next to the dense numpy forward
   (:func:`cimsim.functional.evaluate`) of the same images: with ideal devices, and with non-idealities on
   (finite on/off, D2D sigma 0.1, C2C sigma 0.02). ``chip_accuracy`` includes its own ideal reference pass (for
   the spike-change rate), i.e. one dense forward. Each case runs in a fresh subprocess: wall time, CPU time of
   the process (the fairer figure on a shared machine) and peak RSS (``ru_maxrss``, the whole process). The images are seeded Gaussian noise encoded like a dataset's (the values
   do not change the work, only the spike rate does; it is reported).
2. ``cimsim.simulate`` (cycle level, one sample) with non-idealities on vs off: ratio of medians.
"""
from __future__ import annotations

import json
import statistics
import subprocess
import sys
import time

from benchmarks.bench_simulator import interleaved_times

SEED = 0
NONIDEAL = {"crossbar.nonideal.enabled": True, "crossbar.nonideal.off_current": True,
            "crossbar.nonideal.d2d_sigma": 0.1, "crossbar.nonideal.c2c_sigma": 0.02}


def _inputs(samples: int, timesteps: int):
    import numpy as np

    from cimsim.api import resolve_model
    from cimsim.inputs import encode_images

    graph = resolve_model("vgg9", seed=SEED)
    shape = graph.node(graph.input_node())["shape"]
    images = np.random.default_rng(SEED).normal(size=(samples, *shape))
    return graph, encode_images(graph, images, timesteps, SEED)


def run_case(case: str, samples: int, timesteps: int, batch: int) -> dict:
    """One case in this process: ``dense``, ``ideal`` or ``nonideal``; wall time (s) and peak RSS (bytes)."""
    import resource

    import numpy as np

    from cimsim.accuracy import chip_accuracy
    from cimsim.config.loader import load_config
    from cimsim.functional import evaluate
    from cimsim.mapping import map_graph

    graph, x = _inputs(samples, timesteps)
    t0, c0 = time.perf_counter(), time.process_time()
    if case == "dense":
        ref = evaluate(graph, x)
        extra = {"spike_rate": float(np.mean([s.mean() for s in ref.spikes.values()]))}
    else:
        chip = load_config("spikesim_rram_65nm", overrides=NONIDEAL if case == "nonideal" else None)
        labels = np.zeros(x.shape[1], np.int64)
        acc = chip_accuracy(map_graph(graph, chip, chip.run), x, labels, batch=batch)
        extra = {"spike_change_rate": acc.spike_change_rate, "prediction_agreement": acc.prediction_agreement}
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    return {"case": case, "wall_s": wall, "cpu_s": cpu,
            "peak_rss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024, **extra}


def _subprocess(case: str, samples: int, timesteps: int, batch: int) -> dict:
    code = (f"import json, benchmarks.bench_accuracy as b; "
            f"print(json.dumps(b.run_case({case!r}, {samples}, {timesteps}, {batch})))")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def functional(samples: int, timesteps: int = 5, batch: int = 64) -> dict:
    """Section 1: dense forward, functional accuracy (ideal devices), functional accuracy (non-ideal)."""
    cases = {c: _subprocess(c, samples, timesteps, batch) for c in ("dense", "ideal", "nonideal")}
    dense, dense_cpu = cases["dense"]["wall_s"], cases["dense"]["cpu_s"]
    return {"model": "vgg9", "hw": "spikesim_rram_65nm", "samples": samples, "timesteps": timesteps, "batch": batch,
            "overrides": NONIDEAL, **cases, "ratio_ideal_over_dense": cases["ideal"]["wall_s"] / dense,
            "ratio_nonideal_over_dense": cases["nonideal"]["wall_s"] / dense,
            "cpu_ratio_ideal_over_dense": cases["ideal"]["cpu_s"] / dense_cpu,
            "cpu_ratio_nonideal_over_dense": cases["nonideal"]["cpu_s"] / dense_cpu}


def cycle_level(repeats: int) -> dict:
    """Section 2: ``cimsim.simulate`` of one vgg9 sample, non-idealities off vs on (medians, alternating)."""
    import cimsim
    from cimsim.config.loader import load_config

    graph, x = _inputs(1, 5)
    chips = {"off": load_config("spikesim_rram_65nm"), "on": load_config("spikesim_rram_65nm", overrides=NONIDEAL)}
    calls = {k: (lambda c=c: cimsim.simulate(graph, c, inputs=x, seed=SEED)) for k, c in chips.items()}
    times = interleaved_times(calls, repeats)
    med = {k: statistics.median(v) for k, v in times.items()}
    return {"model": "vgg9", "samples": 1, "off_s": med["off"], "on_s": med["on"], "ratio_on_over_off": med["on"] / med["off"],
            "repeats": repeats}


def run(quick: bool = False, samples: int | None = None) -> dict:
    """Both sections; ``quick``: 50 images and 2 repeats (the goal is stated for 1000 images)."""
    n = samples if samples is not None else (50 if quick else 1000)
    return {"functional": functional(n), "cycle_level": cycle_level(2 if quick else 3)}


if __name__ == "__main__":
    quick = "--quick" in sys.argv
    n = int(sys.argv[sys.argv.index("--samples") + 1]) if "--samples" in sys.argv else None
    print(json.dumps(run(quick, n), indent=1))
