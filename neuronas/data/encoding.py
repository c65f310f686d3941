"""Spike input encodings: analog frames ``[N, ...]`` -> ``[T, N, ...]``.

``direct``  the same analog frame at every timestep (SNASNet; the first layer turns it into spikes).
``rate``    Bernoulli (Poisson-rate) spikes, ``P(spike) = clamp(x, 0, 1)`` independently per timestep; give
            intensities in [0, 1] (unnormalised). Seeded by ``generator`` / ``seed``.
"""
from __future__ import annotations

import torch

from cimsim.errors import UserError

ENCODINGS = ("direct", "rate")


def direct(x: torch.Tensor, timesteps: int) -> torch.Tensor:
    """Repeat ``x`` [N, ...] over ``timesteps``: ``[T, N, ...]`` (a broadcast view, no copy)."""
    return x.unsqueeze(0).expand(int(timesteps), *x.shape)


def rate(x: torch.Tensor, timesteps: int, generator: torch.Generator | None = None, seed: int | None = None) -> torch.Tensor:
    """Bernoulli spikes ``[T, N, ...]`` (float 0/1) with probability ``clamp(x, 0, 1)`` per timestep.

    Parameters
    ----------
    generator:
        Random source; if None, a new one seeded with ``seed`` (default 0) is used.
    """
    if generator is None:
        generator = torch.Generator(device=x.device).manual_seed(0 if seed is None else int(seed))
    p = x.clamp(0.0, 1.0).unsqueeze(0).expand(int(timesteps), *x.shape)
    return (torch.rand(p.shape, generator=generator, device=x.device, dtype=x.dtype) < p).to(x.dtype)


def encode(x: torch.Tensor, timesteps: int, method: str = "direct", seed: int | None = None) -> torch.Tensor:
    """Encode ``x`` [N, ...] into ``[T, N, ...]`` with ``method`` in :data:`ENCODINGS`."""
    if int(timesteps) < 1:
        raise UserError(f"timesteps={timesteps}; expected >= 1")
    if method == "direct":
        return direct(x, timesteps)
    if method == "rate":
        return rate(x, timesteps, seed=seed)
    raise UserError(f"unknown input encoding {method!r}; expected one of {', '.join(ENCODINGS)}")
