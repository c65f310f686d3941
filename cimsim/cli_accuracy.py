"""``cimsim accuracy`` and ``cimsim robustness``, and the ``accuracy`` section of ``cimsim simulate --chips N``.

Accuracy comes from the functional run (:func:`cimsim.accuracy.chip_accuracy`: the chip's values, batched over
samples, on ``chips`` chip instances); costs come from the cycle-level run on a few samples. Without a dataset the
inputs are seeded random spikes and the labels are the ideal (exact integer) network's predictions, so the
accuracy is the agreement with the ideal network.
"""
from __future__ import annotations

import json
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Optional

import numpy as np

from cimsim.errors import UserError
from cimsim.robustness import point_changes, point_record, write_document


@dataclass(frozen=True)
class WorkloadArgs:
    """What runs, shared by every command that runs a network: the network, the chip and the inputs."""

    model: str = "tiny"
    hw: str = "spikesim_rram_65nm"
    timesteps: int = 5
    samples: int = 100
    dataset: Optional[str] = None
    data_dir: Optional[str] = None
    spike_rate: float = 0.1
    seed: int = 0
    set_items: list[str] = field(default_factory=list)
    chips: Optional[int] = 1
    """Chip instances of the functional accuracy run."""
    workers: int = 1


@dataclass(frozen=True)
class AccuracyArgs(WorkloadArgs):
    """What an accuracy run needs (see ``cimsim accuracy --help``)."""

    batch: int = 256

    @classmethod
    def of(cls, workload: WorkloadArgs, **changes) -> "AccuracyArgs":
        """The accuracy run of another command's workload (e.g. ``cimsim simulate --chips N``), with ``changes``."""
        return cls(**{**{f.name: getattr(workload, f.name) for f in fields(WorkloadArgs)}, **changes})


def check_chips(chips: int) -> None:
    """``--chips`` must name at least one chip instance."""
    if chips < 1:
        raise UserError(f"--chips {chips}: simulate at least one chip instance (--chips 1 or more)")


def labelled_inputs(graph, chip, dataset: str | None, data_dir: str | None, samples: int, timesteps: int,
                    spike_rate: float, seed: int) -> tuple[np.ndarray, np.ndarray, str, np.ndarray | None]:
    """``(inputs [T, N, ...], labels [N], what the labels are, calibration inputs or None)``."""
    from cimsim.functional import evaluate
    from cimsim.inputs import dataset_inputs
    from cimsim.networks import random_spike_inputs

    if dataset is not None:
        x, labels = dataset_inputs(graph, dataset, data_dir, samples, timesteps, seed)
        calib = None
        if chip.adc.range == "calibrated":  # calibrate on training images, score test images
            calib = dataset_inputs(graph, dataset, data_dir, chip.adc.calibration_samples, timesteps, seed,
                                   split="train")[0]
        return x, labels, f"{dataset} test split", calib
    x = random_spike_inputs(graph, timesteps, samples, spike_rate, seed)
    return x, evaluate(graph, x).predictions, "the ideal network's predictions (random input spikes)", None


def functional_accuracy(graph, chip, args: AccuracyArgs) -> dict:
    """The ``accuracy`` summary of ``graph`` on ``chip``: :meth:`ChipAccuracy.to_dict` plus where it came from."""
    from cimsim.accuracy import chip_accuracy
    from cimsim.mapping import map_graph

    check_chips(args.chips)
    x, labels, what, calib = labelled_inputs(graph, chip, args.dataset, args.data_dir, args.samples,
                                             args.timesteps, args.spike_rate, args.seed)
    acc = chip_accuracy(map_graph(graph, chip, chip.run), x, labels, chips=args.chips, seed=args.seed,
                        calibration_inputs=calib, batch=args.batch, workers=args.workers)
    return {**acc.to_dict(), "labels": what, "timesteps": int(x.shape[0])}


def _graph_chip(args: AccuracyArgs, changes: dict | None = None):
    from cimsim.api import resolve_chip, resolve_model
    from cimsim.options import parse_overrides

    chip = resolve_chip(args.hw, {**parse_overrides(args.set_items), **(changes or {})})
    return resolve_model(args.model, seed=args.seed), chip


def run_accuracy(args: AccuracyArgs, out: Path) -> Path:
    """``cimsim accuracy``: write ``out/accuracy.json`` and print the figures."""
    graph, chip = _graph_chip(args)
    summary = {"model": args.model, "hw": args.hw, "overrides": list(args.set_items),
               **functional_accuracy(graph, chip, args)}
    path = out / "accuracy.json"
    path.write_text(json.dumps(summary, indent=1, allow_nan=False))
    print(format_accuracy(summary))
    return path


def format_accuracy(s: dict) -> str:
    """One line: accuracy mean +- std over instances, ideal accuracy, spike changes."""
    return (f"on-chip accuracy {100 * s['accuracy']:.2f} +- {100 * s['std']:.2f} % over {s['chips']} chip "
            f"instance(s), {s['samples']} samples (ideal {100 * s['ideal_accuracy']:.2f} %); spike changes "
            f"{100 * s['spike_change_rate']:.2f} %; non-idealities {'on' if s['nonideal'] else 'off'}")


def parse_vary(items: list[str]) -> list[tuple[str, list]]:
    """``["crossbar.nonideal.d2d_sigma=0,0.05"]`` -> ``[("crossbar.nonideal.d2d_sigma", [0, 0.05])]``.

    Raises
    ------
    UserError: an item without ``=`` or without values.
    """
    from cimsim.options import parse_overrides

    out = []
    for item in items:
        name, sep, values = item.partition("=")
        if not sep or not name.strip() or not values.strip():
            raise UserError(f"--vary {item!r}: expected FIELD=V1,V2,... (e.g. crossbar.nonideal.d2d_sigma=0,0.05)")
        vals = [parse_overrides([f"v={v.strip()}"])["v"] for v in values.split(",") if v.strip()]
        out.append((name.strip(), vals))
    if not out:
        raise UserError("--vary: give at least one FIELD=V1,V2,...")
    return out


def run_robustness(args: AccuracyArgs, vary: list[str], out: Path) -> Path:
    """``cimsim robustness``: accuracy over chip instances at each value of each varied field -> robustness.json.

    A varied ``crossbar.nonideal.*`` field turns the non-idealities on (``crossbar.nonideal.enabled``).
    """
    check_chips(args.chips)
    plan = [(name, values) for name, values in parse_vary(vary)]
    for name, values in plan:  # every point's chip checked before the first (long) accuracy run
        for v in values:
            _graph_chip(args, point_changes(name, v))
    sweeps = []
    for name, values in plan:
        points = []
        for v in values:
            graph, chip = _graph_chip(args, point_changes(name, v))
            s = functional_accuracy(graph, chip, args)
            points.append(point_record(v, s))
            print(f"{name} = {v}: {format_accuracy(s)}")
        sweeps.append({"field": name, "points": points})
    return write_document(out / "robustness.json", model=args.model, hw=args.hw, overrides=args.set_items,
                          chips=args.chips, samples=args.samples, seed=args.seed, dataset=args.dataset, sweeps=sweeps)
