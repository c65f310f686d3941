"""``make demo`` / ``neuronas demo``: a small, real hardware-aware search on the embedded ``digits`` data set.

What it runs: the NeuroNAS strategy on the SpikeSim 65 nm RRAM preset, :data:`DEMO_CANDIDATES` cells of the
pruned space, each checked against :data:`DEMO_CONSTRAINTS` in order of cost (memory, mapping/area, simulated
latency and energy), SAHD only for the feasible ones, the :data:`DEMO_TOP_K` best trained for
:data:`DEMO_EPOCHS` epochs with 8-bit QAT, the last :data:`DEMO_HW_EPOCHS` of them hardware-aware (the chip's
bit-sliced crossbars and calibrated 4-bit ADC in the loop), each scored on the simulated chip and with an ideal ADC
over the whole ``digits`` test split (360 images), the one most accurate on the chip simulated cycle by cycle with
labels (costs). It finishes in a few minutes on 2 CPU cores (including the one-time Numba compilation) and writes
under ``OUT``: ``best.json``, ``best.pt``, ``report.json``/``report.csv``, ``candidates.csv``, ``study.db`` and
``figures/*.png``.

The budgets are the HASNAS ones (4e6 parameters, 100 mm2, 400 ms, 120 uJ) scaled to the digits macro (8x8
images, C=16, 128 hidden neurons: 0.8-1.3e5 parameters, 3-9 mm2, ~0.2 ms, 0.2-1 uJ per inference on this chip
at the time of writing), set so that part of the space fails memory, area or energy; rerunning the demo resumes
from ``OUT/study.db``.
"""
from __future__ import annotations

import time
from pathlib import Path

DEMO_CONSTRAINTS = "memory=1.1e5,area=9mm2,latency=1ms,energy=0.9uJ"
DEMO_CANDIDATES = 30
DEMO_TOP_K = 2
DEMO_EPOCHS = 6
DEMO_HW_EPOCHS = 3


def run_demo(out_dir: "str | Path" = "results", progress: bool = True) -> dict:
    """Run the demo search into ``out_dir``; print and return the summary (the content of best.json)."""
    from neuronas.search import SearchSettings, run_search
    from neuronas.search.finalize import format_summary

    t0 = time.perf_counter()
    # one torch thread: the training's float sums, and so the accuracies the README quotes, do not depend on the
    # number of cores (with 2 threads a candidate's training followed another path)
    settings = SearchSettings(dataset="digits", hw="spikesim_rram_65nm", constraints=DEMO_CONSTRAINTS,
                              strategy="neuronas", candidates=DEMO_CANDIDATES, top_k=DEMO_TOP_K,
                              train_epochs=DEMO_EPOCHS, hw_epochs=DEMO_HW_EPOCHS, out=str(out_dir), seed=0,
                              progress=progress, threads=1)
    print(f"NeuroNAS demo: {settings.candidates} candidates on digits, budgets {settings.limits}, "
          f"hardware {settings.hw}")
    summary = run_search(settings)
    print(format_summary(summary))
    print(f"demo finished in {time.perf_counter() - t0:.0f} s; results in {Path(out_dir).resolve()}")
    return summary
