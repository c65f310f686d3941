"""Edge operations of the SNASNet cell and the layers they are built from.

Operations (ids as in :mod:`neuronas.space.ops`): ``zeroize`` (no module, the edge is absent), ``skip``
(identity), ``conv1x1`` / ``conv3x3`` (LIF -> conv -> batch norm) and ``avgpool3x3`` (stride 1, padding 1 on the
analog node value). The LIF in front of a convolution is *not* part of the op module: a cell keeps one LIF per
source node and shares its spikes among all convolution edges leaving that node (they would be numerically
identical), see :class:`neuronas.models.cell.Cell`.

All layers accept one timestep ``[N, ...]`` or a sequence ``[T, N, ...]`` (time folded into the batch).
Average pooling is our own function with the exact float32 operation order of the simulator
(:func:`cimsim.functional.pool`): zero padding, window sum over shifted slices in row-major order, then one
division by a float32 0-dim tensor (``kh*kw``), so that torch and the simulator agree bit for bit.
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from cimsim.errors import UserError


def over_time(fn: Callable[[torch.Tensor], torch.Tensor], x: torch.Tensor, sample_dims: int) -> torch.Tensor:
    """Apply a per-sample layer ``fn`` to ``x`` whose last ``sample_dims`` axes are one sample.

    Leading axes (time and batch, ``[T, N, ...]`` or ``[N, ...]``) are folded into one batch axis and restored.
    """
    lead = x.shape[: x.dim() - sample_dims]
    y = fn(x.reshape(-1, *x.shape[x.dim() - sample_dims:]))
    return y.reshape(*lead, *y.shape[1:])


def window_sum(x: torch.Tensor, kernel: tuple[int, int], stride: tuple[int, int], padding: tuple[int, int]) -> torch.Tensor:
    """Zero-padded window sum of ``x`` ``[B, C, H, W]``: shifted slices added in row-major order ``(i, j)``."""
    kh, kw = kernel
    sh, sw = stride
    ph, pw = padding
    if ph or pw:
        x = nn.functional.pad(x, (pw, pw, ph, ph))
    ho = (x.shape[2] - kh) // sh + 1
    wo = (x.shape[3] - kw) // sw + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            sl = x[:, :, i : i + sh * (ho - 1) + 1 : sh, j : j + sw * (wo - 1) + 1 : sw]
            out = sl if out is None else out + sl
    return out


class AvgPool(nn.Module):
    """Average pooling (zero padding counted), bit-exact with the simulator's ``pool`` node.

    Parameters
    ----------
    kernel, stride, padding:
        Window, step and zero padding in pixels.
    integer_input:
        True when the input is spikes (or another integer value type). The simulator then keeps the window sum
        as an integer with scale ``in_scale / (kh*kw)``; this module returns ``sum * float32(in_scale/(kh*kw))``,
        which is the value a crossbar reading the sum (or an ``affine`` rescale node) sees.
    in_scale:
        Scale of the integer input (1 for spikes); only used with ``integer_input``.
    """

    def __init__(self, kernel: int | tuple = 3, stride: int | tuple = 1, padding: int | tuple = 0,
                 integer_input: bool = False, in_scale: float = 1.0):
        super().__init__()
        pair = lambda v: (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))  # noqa: E731
        self.kernel, self.stride, self.padding = pair(kernel), pair(stride), pair(padding)
        self.integer_input = bool(integer_input)
        self.in_scale = float(in_scale)
        area = self.kernel[0] * self.kernel[1]
        self.register_buffer("area", torch.tensor(float(area), dtype=torch.float32), persistent=False)
        self.register_buffer("out_scale", torch.tensor(self.in_scale / area, dtype=torch.float32), persistent=False)
        self.register_buffer("in_scale_t", torch.tensor(self.in_scale, dtype=torch.float32), persistent=False)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return over_time(self._pool, x, 3)

    def _pool(self, x: torch.Tensor) -> torch.Tensor:
        if self.integer_input:
            x_int = x if self.in_scale == 1.0 else torch.round(x / self.in_scale_t)
            return window_sum(x_int, self.kernel, self.stride, self.padding) * self.out_scale
        return window_sum(x, self.kernel, self.stride, self.padding) / self.area

    def extra_repr(self) -> str:
        return f"kernel={self.kernel}, stride={self.stride}, padding={self.padding}, integer_input={self.integer_input}"


class ConvBN(nn.Module):
    """Convolution (no bias) followed by batch norm: the unit that is folded and mapped onto crossbars.

    Parameters
    ----------
    c_in, c_out:
        Channels.
    kernel:
        Square kernel size; padding is ``kernel // 2`` ("same") and the stride 1 unless given.
    """

    def __init__(self, c_in: int, c_out: int, kernel: int, stride: int = 1, padding: int | None = None):
        super().__init__()
        pad = kernel // 2 if padding is None else padding
        self.conv = nn.Conv2d(c_in, c_out, kernel, stride=stride, padding=pad, bias=False)
        self.bn = nn.BatchNorm2d(c_out)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return over_time(lambda z: self.bn(self.conv(z)), x, 3)

    def per_timestep(self, x: torch.Tensor) -> torch.Tensor:
        """``[T, N, C, H, W]`` -> ``[T, N, C', H', W']``, equal (bit for bit) to :meth:`forward` on each ``x[t]`` in turn.

        The convolution runs once over the ``T * N`` frames (each frame's output does not depend on the others);
        the batch norm is then called once per timestep, so in training mode each timestep is normalised with its
        own statistics over ``(N, H, W)`` and the running statistics take the ``T`` updates in timestep order.
        """
        T, N = x.shape[:2]
        y = self.conv(x.reshape(T * N, *x.shape[2:]))
        y = y.reshape(T, N, *y.shape[1:])
        return torch.stack([self.bn(y[t]) for t in range(T)])


class TimeBatchNorm(nn.BatchNorm2d):
    """Batch norm over ``[T, N, C, H, W]`` or ``[N, C, H, W]`` (statistics over time and batch)."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return over_time(super().forward, x, 3)


class Skip(nn.Module):
    """Operation 1: identity."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return x


class ConvOp(nn.Module):
    """Operations 2/3: conv kxk (stride 1, same padding, no bias) + batch norm on the spikes of the source node.

    The LIF that turns the source node's value into spikes is owned by the cell (shared per source node).
    """

    spiking = True

    def __init__(self, channels: int, kernel: int):
        super().__init__()
        self.conv = ConvBN(channels, channels, kernel)

    def forward(self, spikes: torch.Tensor) -> torch.Tensor:
        return self.conv(spikes)

    def per_timestep(self, spikes: torch.Tensor) -> torch.Tensor:
        """``[T, N, C, H, W]`` at once, equal to :meth:`forward` per timestep (:meth:`ConvBN.per_timestep`)."""
        return self.conv.per_timestep(spikes)


class AvgPoolOp(nn.Module):
    """Operation 4: average pool 3x3, stride 1, padding 1, on the analog node value."""

    def __init__(self):
        super().__init__()
        self.pool = AvgPool(3, 1, 1)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.pool(x)


OP_MODULES: dict[str, Callable[[int], nn.Module]] = {
    "skip": lambda c: Skip(),
    "conv1x1": lambda c: ConvOp(c, 1),
    "conv3x3": lambda c: ConvOp(c, 3),
    "avgpool3x3": lambda c: AvgPoolOp(),
}
"""Module factories of the non-zero operations, keyed by name; ``zeroize`` has no module (no edge)."""


def make_op(name: str, channels: int) -> nn.Module:
    """Build the module of operation ``name`` for ``channels`` channels (``zeroize`` -> :class:`UserError`)."""
    if name not in OP_MODULES:
        raise UserError(f"operation {name!r} has no module; expected one of {', '.join(OP_MODULES)} (zeroize edges are omitted)")
    return OP_MODULES[name](channels)


def is_spiking(op: nn.Module) -> bool:
    """True if the op reads spikes of its source node (a LIF precedes it)."""
    return bool(getattr(op, "spiking", False))
