"""Symmetric fixed-point quantization of weights and of the analog network input.

A tensor ``w`` is stored as integers ``w_int`` in ``[-(2^(b-1) - 1), 2^(b-1) - 1]`` with one float32 scale per
layer, ``scale = max|w| / (2^(b-1) - 1)``, so ``w ~= w_int * scale`` with ``|w - w_int * scale| <= scale / 2``.
The network input (an analog frame) is quantized the same way to a signed ``input_bits`` integer, its scale
from the largest magnitude seen during training or in a calibration batch.
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cimsim.errors import UserError

MIN_BITS, MAX_BITS = 2, 16


def check_bits(bits: int, what: str = "weight bits") -> int:
    """Validate a bit width (``MIN_BITS`` .. ``MAX_BITS``); anything else raises :class:`UserError`."""
    if isinstance(bits, bool) or not isinstance(bits, (int, np.integer)) or not MIN_BITS <= int(bits) <= MAX_BITS:
        raise UserError(f"{what}={bits!r}; expected an integer in {MIN_BITS}..{MAX_BITS}")
    return int(bits)


def qmax(bits: int) -> int:
    """Largest positive integer of a signed ``bits``-wide symmetric code."""
    return 2 ** (bits - 1) - 1


def scale_for(absmax: float, bits: int) -> float:
    """Float32-representable scale mapping ``absmax`` to the largest code (1.0 for an all-zero tensor)."""
    absmax = float(absmax)
    if not absmax > 0 or not np.isfinite(absmax):
        return 1.0
    return float(np.float32(absmax / qmax(bits)))


def quantize_tensor(w: torch.Tensor, bits: int) -> tuple[torch.Tensor, float]:
    """Per-tensor symmetric quantization.

    Returns
    -------
    w_int, scale:
        ``int64`` tensor shaped like ``w`` and the float32-representable scale (python float).
    """
    bits = check_bits(bits)
    w64 = w.detach().to(torch.float64)
    scale = scale_for(w64.abs().max().item() if w64.numel() else 0.0, bits)
    w_int = torch.clamp(torch.round(w64 / scale), -qmax(bits), qmax(bits)).to(torch.int64)
    return w_int, scale


class _RoundSTE(torch.autograd.Function):
    """``round`` forward, identity backward (straight-through estimator)."""

    @staticmethod
    def forward(ctx, x):
        return torch.round(x)

    @staticmethod
    def backward(ctx, g):
        return g


def fake_quantize(w: torch.Tensor, bits: int) -> torch.Tensor:
    """Quantize-dequantize ``w`` per tensor with a straight-through gradient (scale treated as a constant)."""
    q = qmax(bits)
    scale = w.detach().abs().max().clamp_min(torch.finfo(w.dtype).tiny) / q
    return torch.clamp(_RoundSTE.apply(w / scale), -q, q) * scale


class FakeQuant(nn.Module):
    """Weight parametrization for quantization-aware training (``torch.nn.utils.parametrize``)."""

    def __init__(self, bits: int):
        super().__init__()
        self.bits = check_bits(bits)

    def forward(self, w: torch.Tensor) -> torch.Tensor:
        return fake_quantize(w, self.bits)


class InputQuantizer(nn.Module):
    """Quantizes the analog network input (direct encoding) to a signed ``bits`` integer times a scale.

    Modes: ``"float"`` (identity; while training, it records the largest input magnitude), ``"qat"`` (fake
    quantization with a straight-through gradient) and ``"deploy"`` (returns ``x_int * scale`` in float32, the
    exact value the simulator's input node represents).

    Parameters
    ----------
    bits:
        Input bits (2..16), signed.
    """

    def __init__(self, bits: int = 8):
        super().__init__()
        self.bits = check_bits(bits, "input bits")
        self.mode = "float"
        self.register_buffer("absmax", torch.zeros((), dtype=torch.float32))
        self.scale = 1.0

    def calibrate(self, absmax: float | None = None) -> float:
        """Fix the scale from ``absmax`` (default: the recorded maximum). Returns the scale."""
        value = float(self.absmax) if absmax is None else float(absmax)
        if not value > 0:
            raise UserError("input quantization has no range: pass a calibration batch (quantize(..., calibration=images)) "
                            "or run the model on training data first")
        self.scale = scale_for(value, self.bits)
        return self.scale

    def to_int(self, x: torch.Tensor) -> torch.Tensor:
        """Integer codes of ``x`` (float tensor holding integers) with the calibrated scale."""
        s = torch.tensor(self.scale, dtype=torch.float32)
        return torch.clamp(torch.round(x.to(torch.float32) / s), -qmax(self.bits) - 1, qmax(self.bits))

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.training and self.mode != "deploy":
            self.absmax = torch.maximum(self.absmax, x.detach().abs().max().to(torch.float32))
        if self.mode == "float":
            return x
        if self.mode == "qat":
            s = (self.absmax.clamp_min(torch.finfo(torch.float32).tiny) / qmax(self.bits)).detach()
            return torch.clamp(_RoundSTE.apply(x / s), -qmax(self.bits) - 1, qmax(self.bits)) * s
        return self.to_int(x) * torch.tensor(self.scale, dtype=torch.float32)

    def extra_repr(self) -> str:
        return f"bits={self.bits}, mode={self.mode!r}, scale={self.scale:.6g}"
