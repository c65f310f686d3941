"""Implementation of ``cimsim simulate`` (argument handling; the work is :func:`cimsim.api.simulate`)."""
from __future__ import annotations

from pathlib import Path

import yaml

from cimsim.errors import UserError


def parse_overrides(items: list[str]) -> dict:
    """``["adc.bits=6", "crossbar.rows=128"]`` -> ``{"adc.bits": 6, ...}`` (values parsed as YAML scalars)."""
    out = {}
    for item in items:
        if "=" not in item:
            raise UserError(f"--set {item!r}: expected FIELD=VALUE, e.g. --set adc.bits=6")
        key, value = item.split("=", 1)
        out[key.strip()] = yaml.safe_load(value)
    return out


def genotype_graph(genotype: str, dataset: str, channels: int | None, timesteps: int, seed: int):
    """An untrained, 8-bit quantized NeuroNAS model of ``genotype`` exported as a graph."""
    import torch

    from neuronas.data import spec
    from neuronas.export import export
    from neuronas.models import build
    from neuronas.quant import quantize

    torch.manual_seed(seed)
    ds = spec(dataset)
    model = build(genotype, ds, channels=channels, timesteps=timesteps)
    sample = torch.rand(4, ds.channels, ds.size, ds.size, generator=torch.Generator().manual_seed(seed))
    model.eval()
    return export(quantize(model, bits=8, calibration=sample), sample, timesteps)


def run_simulate(model, hw, timesteps, spike_rate, samples, dataset, data_dir, genotype, channels, out: Path, seed,
                 ideal_adc, accounting, set_items) -> None:
    from cimsim.api import resolve_chip, resolve_model, simulate
    from cimsim.inputs import dataset_inputs

    overrides = parse_overrides(set_items)
    if genotype is not None:
        graph = genotype_graph(genotype, dataset or "cifar10", channels, timesteps, seed)
    elif model == "genotype":
        raise UserError("model 'genotype' needs --genotype STR")
    else:
        graph = resolve_model(model, seed=seed)
    inputs = labels = calibration = None
    if dataset is not None:
        inputs, labels = dataset_inputs(graph, dataset, data_dir, samples, timesteps, seed)
        chip = resolve_chip(hw, overrides, accounting)
        if chip.adc.range == "calibrated" and not ideal_adc:  # calibrate on training images, score test images
            calibration = dataset_inputs(graph, dataset, data_dir, chip.adc.calibration_samples, timesteps, seed,
                                         split="train")[0]
    report = simulate(graph, hw=hw, timesteps=timesteps, inputs=inputs, spike_rate=spike_rate, samples=samples,
                      seed=seed, labels=labels, ideal_adc=ideal_adc, accounting=accounting, overrides=overrides,
                      progress=True, calibration_inputs=calibration)
    path = report.write(out)
    report.print_summary()
    print(f"wrote {path} and {path.with_suffix('.csv')}")
