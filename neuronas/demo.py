"""``make demo`` / ``neuronas demo``: a small, real hardware-aware search on the embedded ``digits`` data set.

What it runs: the NeuroNAS strategy on the SpikeSim 65 nm RRAM preset, :data:`DEMO_CANDIDATES` cells of the
pruned space, each checked against :data:`DEMO_CONSTRAINTS` in order of cost (memory, mapping/area, simulated
latency and energy), SAHD only for the feasible ones, the :data:`DEMO_TOP_K` best trained for
:data:`DEMO_EPOCHS` epochs with 8-bit QAT, the last :data:`DEMO_HW_EPOCHS` of them hardware-aware (the chip's
bit-sliced crossbars and calibrated 4-bit ADC in the loop), each scored on the simulated chip and with an ideal ADC
over the whole ``digits`` test split (360 images), the one most accurate on the chip simulated cycle by cycle with
labels (costs). It finishes in a few minutes on 2 CPU cores (including the one-time Numba compilation) and writes
under ``OUT``: ``best.json``, ``best.pt``, ``report.json``/``report.csv``, ``candidates.csv``, ``study.db``,
``robustness.json`` (the chosen network's on-chip accuracy over the test split as device variation and ADC bits
change, :data:`DEMO_ROBUSTNESS`) and ``figures/*.png`` (``robustness.png`` among them).

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
#: The robustness figure's sweeps: device-to-device variation with the preset's documented device effects on
#: (finite off state, IR drop), over DEMO_CHIPS chip instances, and the ADC's resolution with ideal devices.
DEMO_ROBUSTNESS = (("crossbar.nonideal.d2d_sigma", (0.0, 0.05, 0.1)), ("adc.bits", (4, 5, 6)))
DEMO_CHIPS = 3


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
    robustness_figure(settings, summary)
    print(f"demo finished in {time.perf_counter() - t0:.0f} s; results in {Path(out_dir).resolve()}")
    return summary


def robustness_sweep(settings, summary: dict, path: Path, sweeps=DEMO_ROBUSTNESS, chips: int = DEMO_CHIPS) -> Path:
    """Accuracy of the chosen network (``summary``: best.json) on the simulated chip over the whole test split, at
    each value of each swept field: :func:`neuronas.quant.hardware.measure_on_chip` on ``chips`` chip instances
    (one when no device effect is random). A swept ``crossbar.nonideal.*`` field turns the preset's non-idealities
    on. Writes ``robustness.json`` at ``path`` (the format ``cimsim robustness`` writes) and returns ``path``."""
    from cimsim.robustness import point_changes, point_record, write_document
    from neuronas.quant.hardware import measure_on_chip
    from neuronas.search.evaluate import Evaluator
    from neuronas.search.finalize import load_trained

    ev = Evaluator(settings)
    images, labels = ev.test_images(ev.test_size)
    out = []
    for field, values in sweeps:
        points = []
        for v in values:
            chip = ev.chip.with_changes(point_changes(field, v))
            model = load_trained(settings, ev, summary["genotype"], summary["checkpoint"])
            n = chips if chip.crossbar.nonideal.active else 1
            acc = measure_on_chip(model, chip, images, labels, ev.calibration_images, settings.weight_bits, n,
                                  settings.seed)
            points.append(point_record(v, acc))
            print(f"  {field} = {v}: on-chip accuracy {100 * acc.accuracy:.1f} +- {100 * acc.std:.1f} % over {n} "
                  f"chip instance(s), {len(labels)} test images (ideal {100 * acc.ideal_accuracy:.1f} %)")
        out.append({"field": field, "points": points})
    return write_document(path, model=f"neuronas-best {summary['genotype']}", hw=settings.hw, overrides=[],
                          chips=chips, samples=len(labels), seed=settings.seed, dataset=settings.dataset, sweeps=out)


def robustness_figure(settings, summary: dict, **sweep) -> "Path | None":
    """``OUT/robustness.json`` and ``OUT/figures/robustness.png`` of the chosen network (see
    :func:`robustness_sweep`); the search results are already written, so a failure here only warns."""
    from cimsim.plot import write_all

    out = Path(settings.out)
    print("robustness of the chosen network on the chip:")
    try:
        path = robustness_sweep(settings, summary, out / "robustness.json", **sweep)
        return write_all([], out / "figures", "png", kind="robustness", robustness_json=path)[0]
    except Exception as exc:  # a convenience figure: never lose the finished search over it
        print(f"warning: robustness figure not written: {exc.__class__.__name__}: {exc}")
        return None
