"""Fast kernels vs their numpy twins, timed side by side in one run on realistic sizes.

Usage::

    python -m benchmarks.bench_kernels            # full sizes
    python -m benchmarks.bench_kernels --quick    # small sizes, few repeats

Each case builds its inputs once (seeded), checks that both backends agree, then alternates fast / reference runs
``repeats`` times and reports the median time of each and their ratio (``speedup = ref_s / fast_s``).
JIT compilation is excluded (one warm-up call of each kernel before timing).
"""
from __future__ import annotations

import statistics
import sys
import time
from typing import Callable

import numpy as np

from kernels import reference as ref
from kernels.activity_nb import group_activity as group_activity_fast
from kernels.crossbar_cy import column_histogram as histogram_fast
from kernels.crossbar_cy import crossbar_read_adc as crossbar_fast
from kernels.neurons_nb import lif_update as lif_fast
from kernels.noc_cy import route_packets as route_fast

SEED = 0


def _median_times(fast: Callable[[], object], slow: Callable[[], object], repeats: int) -> tuple[float, float]:
    fast()  # warm-up (JIT compile, caches)
    slow()
    fast_s, ref_s = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        fast()
        t1 = time.perf_counter()
        slow()
        t2 = time.perf_counter()
        fast_s.append(t1 - t0)
        ref_s.append(t2 - t1)
    return statistics.median(fast_s), statistics.median(ref_s)


def _row(kernel: str, case: str, fast_s: float, ref_s: float) -> dict:
    return {"kernel": kernel, "case": case, "fast_s": fast_s, "ref_s": ref_s, "speedup": ref_s / fast_s}


def _check(a, b, what: str) -> None:
    a = a if isinstance(a, tuple) else (a,)
    b = b if isinstance(b, tuple) else (b,)
    if not all(np.array_equal(u, w) for u, w in zip(a, b)):
        raise RuntimeError(f"bench_kernels: fast and reference results differ for {what}")


def _crossbar_rows(rng, quick: bool, repeats: int) -> list[dict]:
    P, R, K = (256, 576, 64 * 7 * 2) if quick else (1024, 576, 64 * 7 * 2)
    group_rows, bits_per_cell = 64, 2
    cells = rng.integers(0, 2**bits_per_cell, size=(R, K), dtype=np.uint8)
    rows = []
    for rate in (0.05, 0.20, 0.50):
        x = (rng.random((P, R)) < rate).astype(np.uint8)
        for adc, max_code, lsb in (("4b", 15, 1.0), ("ideal", 2**16 - 1, 1.0), ("4b-lsb2.5", 15, 2.5)):
            args = (x, cells, group_rows, max_code, lsb)
            _check(crossbar_fast(*args), ref.crossbar_read_adc(*args), f"crossbar rate {rate} adc {adc}")
            f, s = _median_times(lambda: crossbar_fast(*args), lambda: ref.crossbar_read_adc(*args), repeats)
            rows.append(_row("crossbar_read_adc", f"P={P} R={R} K={K} g={group_rows} rate={rate:.0%} adc={adc}", f, s))
    return rows


def _histogram_rows(rng, quick: bool, repeats: int) -> list[dict]:
    """ADC calibration statistics: a SpikeSim-like PE read (576 summed rows of 4-bit cells, 2 cell columns per
    output) with and without an analog reference."""
    P, R, outputs, cpo = (256, 576, 64, 2) if quick else (1024, 576, 64, 2)
    cells = rng.integers(0, 16, size=(R, outputs * cpo), dtype=np.uint8)
    refs = np.tile([0, 8], outputs)
    rows = []
    for rate in (0.05, 0.50):
        x = (rng.random((P, R)) < rate).astype(np.uint8)
        for name, r in (("no ref", None), ("analog ref", refs)):
            args = (x, cells, R, cpo, r)
            _check(histogram_fast(*args), ref.column_histogram(*args), f"histogram rate {rate} {name}")
            f, s = _median_times(lambda: histogram_fast(*args), lambda: ref.column_histogram(*args), repeats)
            rows.append(_row("column_histogram", f"P={P} R={R} K={outputs * cpo} rate={rate:.0%} {name}", f, s))
    return rows


def _activity_rows(rng, quick: bool, repeats: int) -> list[dict]:
    P, R = (256, 576) if quick else (1024, 576)
    rows = []
    for rate in (0.05, 0.50):
        x = (rng.random((P, R)) < rate).astype(np.uint8)
        _check(group_activity_fast(x, 64), ref.group_activity(x, 64), f"group_activity rate {rate}")
        f, s = _median_times(lambda: group_activity_fast(x, 64), lambda: ref.group_activity(x, 64), repeats)
        rows.append(_row("group_activity", f"P={P} R={R} g=64 rate={rate:.0%}", f, s))
    return rows


def _lif_rows(rng, quick: bool, repeats: int) -> list[dict]:
    shape = (64, 32, 32) if quick else (256, 32, 32)
    x = rng.standard_normal(shape).astype(np.float32)
    decay, thr = np.float32(1.0 / 2.0), np.float32(1.0)
    rows = []
    for soft in (False, True):
        v_fast = np.zeros(shape, np.float32)
        v_ref = v_fast.copy()
        _check(lif_fast(x, v_fast, decay, np.float32(0), thr, soft), ref.lif_update(x, v_ref, decay, np.float32(0),
                                                                                   thr, soft), "lif")
        f, s = _median_times(lambda: lif_fast(x, v_fast, decay, np.float32(0), thr, soft),
                             lambda: ref.lif_update(x, v_ref, decay, np.float32(0), thr, soft), repeats)
        rows.append(_row("lif_update", f"{'x'.join(map(str, shape))} {'soft' if soft else 'hard'}", f, s))
    return rows


def _noc_rows(rng, quick: bool, repeats: int) -> list[dict]:
    mesh, M = 8, (2_000 if quick else 10_000)
    src = rng.integers(0, mesh * mesh, M).astype(np.int32)
    dst = rng.integers(0, mesh * mesh, M).astype(np.int32)
    ready = np.sort(rng.integers(0, M, M)).astype(np.int64)
    flits = rng.integers(1, 9, M).astype(np.int32)

    def run(route):
        return route(src, dst, ready, flits, mesh, mesh, 2, 1, np.zeros(mesh * mesh * 4, np.int64))

    _check(run(route_fast), run(ref.route_packets), "route_packets")
    f, s = _median_times(lambda: run(route_fast), lambda: run(ref.route_packets), repeats)
    return [_row("route_packets", f"{M} packets {mesh}x{mesh} mesh", f, s)]


def run(quick: bool = False) -> list[dict]:
    """Time every fast kernel against its reference twin.

    Parameters
    ----------
    quick:
        Smaller inputs and fewer repeats (about 10 s in total; the full run takes about a minute).

    Returns
    -------
    list of dict
        One row per case: ``kernel``, ``case``, ``fast_s`` and ``ref_s`` (median seconds per call) and
        ``speedup`` (``ref_s / fast_s``).
    """
    rng = np.random.default_rng(SEED)
    repeats = 3 if quick else 7
    rows = []
    rows += _crossbar_rows(rng, quick, 3)  # the reference takes ~1-2 s per full-size call
    rows += _histogram_rows(rng, quick, repeats)
    rows += _activity_rows(rng, quick, repeats)
    rows += _lif_rows(rng, quick, repeats)
    rows += _noc_rows(rng, quick, max(3, repeats // 2))
    return rows


def main(argv: list[str]) -> None:
    rows = run(quick="--quick" in argv)
    width = max(len(r["case"]) for r in rows)
    print(f"{'kernel':<18} {'case':<{width}} {'fast ms':>9} {'ref ms':>10} {'speedup':>8}")
    for r in rows:
        print(f"{r['kernel']:<18} {r['case']:<{width}} {r['fast_s'] * 1e3:9.3f} {r['ref_s'] * 1e3:10.2f} "
              f"{r['speedup']:7.1f}x")


if __name__ == "__main__":
    main(sys.argv[1:])
