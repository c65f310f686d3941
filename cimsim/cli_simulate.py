"""Implementation of ``cimsim simulate`` (argument handling; the work is :func:`cimsim.api.simulate`)."""
from __future__ import annotations

import math
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Optional

from cimsim.cli_accuracy import WorkloadArgs
from cimsim.errors import UserError

#: Builds the graph of ``--genotype``: ``(genotype, dataset, channels, timesteps, seed) -> SnnGraph``. cimsim
#: cannot build a NeuroNAS model itself (it imports nothing from neuronas); the ``cimsim`` command installed
#: with neuronas (:mod:`neuronas.cimsim_cli`) hands one in.
GenotypeBuilder = Callable[[str, str, Optional[int], int, int], object]


@dataclass(frozen=True)
class SimulateArgs(WorkloadArgs):
    """The options of ``cimsim simulate`` (see ``cimsim simulate --help``)."""

    model: str = "vgg9"
    samples: int = 1
    genotype: Optional[str] = None
    channels: Optional[int] = None
    out: Path = Path("results/simulate")
    ideal_adc: bool = False
    accounting: Optional[str] = None
    inputs: Optional[Path] = None
    encoding: Optional[str] = None
    dt: float = 1e-3
    chips: Optional[int] = None
    """Also measure accuracy on this many chip instances with the functional run (report section ``accuracy``)."""
    accuracy_samples: Optional[int] = None
    """Samples of that functional run (default: ``samples``)."""


def _graph(args: SimulateArgs, build_genotype: GenotypeBuilder | None, weight_bits: int):
    from cimsim.api import resolve_model

    if args.model.lower().endswith(".nir"):
        from cimsim.nir_format import from_nir

        return from_nir(args.model, weight_bits=weight_bits, dt=args.dt)

    if args.genotype is not None:
        if build_genotype is None:
            raise UserError("--genotype needs NeuroNAS to build the model: run the `cimsim` command installed with "
                            "neuronas (python -m neuronas.cimsim_cli)")
        return build_genotype(args.genotype, args.dataset or "cifar10", args.channels, args.timesteps, args.seed)
    if args.model == "genotype":
        raise UserError("model 'genotype' needs --genotype STR")
    return resolve_model(args.model, seed=args.seed)


#: Bytes a run holds per activation element per timestep and sample (spikes, membranes, counts of every node),
#: measured on vgg9: 6.4 B (peak RSS of 20 and 100 samples at T = 5), rounded up.
BYTES_PER_ELEMENT = 8


def available_memory() -> int:
    """Bytes of memory available now (``MemAvailable`` of /proc/meminfo; physical memory elsewhere)."""
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")


def check_memory(graph, timesteps: int, samples: int) -> None:
    """Refuse a run whose activations would not fit in the memory available (naming --samples and its limit)."""
    elements = sum(math.prod(graph.g.nodes[n]["shape"]) for n in graph.g.nodes)
    per_sample = BYTES_PER_ELEMENT * elements * timesteps
    limit = int(0.8 * available_memory())
    if per_sample * samples > limit:
        raise UserError(f"--samples {samples}: needs about {per_sample * samples / 2**30:.1f} GiB with --timesteps "
                        f"{timesteps}; {limit / 2**30:.1f} GiB are available (at most {max(limit // per_sample, 0)} "
                        f"samples here)")


def run_simulate(args: SimulateArgs, build_genotype: GenotypeBuilder | None = None) -> None:
    """Resolve the chip once, read the inputs (random spikes or a dataset's images), simulate, write the report."""
    from cimsim.api import resolve_chip, simulate
    from cimsim.inputs import dataset_inputs
    from cimsim.options import parse_overrides, split_overrides

    from cimsim.cli import output_dir

    hw_changes, run_changes = split_overrides(parse_overrides(args.set_items))
    if args.chips is not None:
        from cimsim.cli_accuracy import check_chips

        check_chips(args.chips)
    output_dir(args.out)
    chip = resolve_chip(args.hw, hw_changes)
    graph = _graph(args, build_genotype, chip.weight_bits)
    check_memory(graph, args.timesteps, args.samples)
    inputs = labels = calibration = None
    timesteps = args.timesteps
    if args.inputs is not None:
        from cimsim.inputs import file_inputs

        if args.dataset is not None:
            raise UserError("--inputs and --dataset both give inputs; choose one")
        inputs = file_inputs(graph, args.inputs, args.timesteps, args.encoding, args.seed)
        timesteps = inputs.shape[0]
    elif args.encoding is not None:
        raise UserError("--encoding applies to --inputs FILE")
    if args.dataset is not None:
        inputs, labels = dataset_inputs(graph, args.dataset, args.data_dir, args.samples, args.timesteps, args.seed)
        if chip.adc.range == "calibrated" and not args.ideal_adc:  # calibrate on training images, score test images
            calibration = dataset_inputs(graph, args.dataset, args.data_dir, chip.adc.calibration_samples,
                                         args.timesteps, args.seed, split="train")[0]
    report = simulate(graph, chip, timesteps=timesteps, inputs=inputs, spike_rate=args.spike_rate,
                      samples=args.samples if inputs is None or args.dataset else inputs.shape[1], seed=args.seed, labels=labels, calibration_inputs=calibration,
                      overrides=run_changes, progress=True, accounting=args.accounting,
                      ideal_adc=args.ideal_adc or None)
    if "dt_s" in graph.g.graph:  # a NIR graph's neurons were discretized with this timestep
        report.meta["dt_s"] = graph.g.graph["dt_s"]
    if args.chips is not None:
        report.accuracy = _accuracy_section(args, graph, chip, run_changes, report.meta.get("samples"))
    path = report.write(args.out)
    report.print_summary()
    if report.accuracy:
        from cimsim.cli_accuracy import format_accuracy

        print(format_accuracy(report.accuracy))
    print(f"wrote {path} and {path.with_suffix('.csv')}")


def _accuracy_section(args: SimulateArgs, graph, chip, run_changes: dict, cost_samples) -> dict:
    """The report's ``accuracy`` section: the functional run on ``accuracy_samples`` x ``chips`` instances."""
    from cimsim.cli_accuracy import AccuracyArgs, functional_accuracy

    changes = {**run_changes, **({"ideal_adc": True} if args.ideal_adc else {})}
    chip = chip.with_changes(changes) if changes else chip
    m = args.accuracy_samples or args.samples
    acc = AccuracyArgs.of(args, samples=m)
    summary = functional_accuracy(graph, chip, acc)
    return {**summary, "costs_from": f"cycle-level run on {cost_samples} sample(s) (totals, breakdown, layers)",
            "accuracy_from": f"functional run on {summary['samples']} sample(s) x {args.chips} chip instance(s)"}
