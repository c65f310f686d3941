"""Deploy-mode layers: torch modules that compute exactly what the simulator's graph nodes compute.

``conv`` / ``linear`` (see :mod:`cimsim.graph`), float32 in this order::

    acc = round(conv(x_int, w_int))            # exact integer dot products (float64 arithmetic, exact < 2^53)
    y   = ((acc * in_scale) * scale) + bias    # float32

where ``x_int = round(x / in_scale)`` recovers the integer input (spikes: ``in_scale = 1``; the input frame or an
average pool over spikes carries its own scale). ``affine``: ``x * weight[c] + bias[c]`` in float32.
"""
from __future__ import annotations

import torch
from torch import nn

from neuronas.models.ops import over_time


def _f32(v: float) -> torch.Tensor:
    return torch.tensor(float(v), dtype=torch.float32)


class _Crossbar(nn.Module):
    """Shared part of :class:`QConv` and :class:`QLinear`: integer weights, scales and bias."""

    def __init__(self, weight_int: torch.Tensor, scale: float, bias: torch.Tensor | None, in_scale: float, bits: int):
        super().__init__()
        self.register_buffer("weight", weight_int.to(torch.float64))
        self.register_buffer("bias", None if bias is None else bias.detach().to(torch.float32))
        self.scale = float(scale)
        self.in_scale = float(in_scale)
        self.bits = int(bits)
        self.register_buffer("scale_t", _f32(scale), persistent=False)
        self.register_buffer("in_scale_t", _f32(in_scale), persistent=False)

    def weight_int(self) -> torch.Tensor:
        return self.weight.to(torch.int64)

    def _finish(self, acc: torch.Tensor, channel_shape: tuple) -> torch.Tensor:
        y = torch.round(acc).to(torch.float32) * self.in_scale_t
        y = y * self.scale_t
        if self.bias is not None:
            y = y + self.bias.view(*channel_shape)
        return y

    def _int_input(self, x: torch.Tensor) -> torch.Tensor:
        if self.in_scale != 1.0:
            x = torch.round(x / self.in_scale_t)
        return x.to(torch.float64)


class QConv(_Crossbar):
    """Quantized convolution (batch norm folded in) with the simulator's ``conv`` node semantics."""

    def __init__(self, weight_int, scale, bias, in_scale, bits, stride=(1, 1), padding=(0, 0)):
        super().__init__(weight_int, scale, bias, in_scale, bits)
        self.stride = tuple(int(s) for s in stride)
        self.padding = tuple(int(p) for p in padding)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def conv(z):
            acc = nn.functional.conv2d(self._int_input(z), self.weight, None, self.stride, self.padding)
            return self._finish(acc, (-1, 1, 1))

        return over_time(conv, x, 3)

    def extra_repr(self) -> str:
        return f"{tuple(self.weight.shape)}, bits={self.bits}, stride={self.stride}, padding={self.padding}, in_scale={self.in_scale:.6g}"


class QLinear(_Crossbar):
    """Quantized fully connected layer with the simulator's ``linear`` node semantics."""

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        acc = nn.functional.linear(self._int_input(x), self.weight)
        return self._finish(acc, (-1,))

    def extra_repr(self) -> str:
        return f"{tuple(self.weight.shape)}, bits={self.bits}, in_scale={self.in_scale:.6g}"


class Affine(nn.Module):
    """Per-channel ``x * weight[c] + bias[c]`` in float32 (a batch norm that follows no convolution)."""

    def __init__(self, weight: torch.Tensor, bias: torch.Tensor):
        super().__init__()
        self.register_buffer("weight", weight.detach().to(torch.float32))
        self.register_buffer("bias", bias.detach().to(torch.float32))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        c = self.weight.numel()
        # channel axis is the first of the sample axes: [.., C, H, W] or [.., C]
        sample_dims = 3 if x.dim() >= 4 else 1
        shape = (c,) + (1,) * (sample_dims - 1)
        y = x * self.weight.view(shape)
        return y + self.bias.view(shape)
