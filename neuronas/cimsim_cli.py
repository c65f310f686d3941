"""The ``cimsim`` command as installed with NeuroNAS: cimsim's CLI, with ``simulate --genotype`` able to build
NeuroNAS models (cimsim imports nothing from neuronas, so neuronas hands the builder in)."""
from __future__ import annotations

from typing import List, Optional


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


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point of the ``cimsim`` console script."""
    from cimsim.cli import main as cimsim_main

    cimsim_main(argv, build_genotype=genotype_graph)


if __name__ == "__main__":
    main()
