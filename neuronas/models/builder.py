"""Genotype + dataset spec -> torch SNN (:func:`build`)."""
from __future__ import annotations

from torch import nn

from cimsim.errors import UserError
from neuronas.models.macro import MacroConfig, SnasNet, default_config
from neuronas.space.genotype import Genotype


def build(genotype: "str | Genotype", spec, channels: int | None = None, timesteps: int = 5,
          config: MacroConfig | None = None, lif_kwargs: dict | None = None) -> nn.Module:
    """Build the SNASNet-style network of ``genotype`` for a dataset.

    Parameters
    ----------
    genotype: genotype string, connection matrix or :class:`~neuronas.space.genotype.Genotype`.
    spec: dataset spec with ``name``, ``channels``, ``size``, ``classes`` (:func:`neuronas.data.spec`).
    channels: C of the first cell (default: 256 CIFAR-10, 128 CIFAR-100/TinyImageNet, 16 digits).
    timesteps: T (default 5).
    config: full :class:`~neuronas.models.macro.MacroConfig` (overrides ``channels`` / ``timesteps``).
    lif_kwargs: LIF parameters (default SNASNet's).

    Returns
    -------
    :class:`~neuronas.models.macro.SnasNet`: images ``[N, C, H, W]`` -> class scores ``[N, classes]``;
    ``timestep_outputs(images)`` gives the raw per-timestep outputs ``[T, N, classes * 10]``.
    """
    g = Genotype.parse(genotype)
    if channels is not None and (not isinstance(channels, int) or channels < 1):
        raise UserError(f"channels={channels!r}; expected a positive integer")
    if not isinstance(timesteps, int) or timesteps < 1:
        raise UserError(f"timesteps={timesteps!r}; expected a positive integer")
    cfg = config or default_config(spec, channels, timesteps)
    return SnasNet(g, spec.channels, spec.size, spec.classes, cfg, lif_kwargs)
