"""Batch-norm folding (float64) for export: conv -> BN becomes one conv with a bias; a lone BN an affine map.

For a batch norm in eval mode, ``y = gamma * (z - mean) / sqrt(var + eps) + beta``. With ``k = gamma /
sqrt(var + eps)`` a preceding convolution ``z = W * x (+ b)`` folds into ``W' = k[c] * W[c]`` and
``b' = beta + k * (b - mean)``; a batch norm on its own is ``x * k + (beta - k * mean)``.
"""
from __future__ import annotations

import torch
from torch import nn


def bn_coefficients(bn: nn.BatchNorm2d | nn.BatchNorm1d) -> tuple[torch.Tensor, torch.Tensor]:
    """``(k, c)`` in float64 with ``bn(x) == x * k + c`` per channel (running statistics)."""
    mean = bn.running_mean.detach().to(torch.float64)
    var = bn.running_var.detach().to(torch.float64)
    gamma = bn.weight.detach().to(torch.float64) if bn.weight is not None else torch.ones_like(mean)
    beta = bn.bias.detach().to(torch.float64) if bn.bias is not None else torch.zeros_like(mean)
    k = gamma / torch.sqrt(var + bn.eps)
    return k, beta - k * mean


def fold_conv_bn(weight: torch.Tensor, bias: torch.Tensor | None, bn: nn.Module | None) -> tuple[torch.Tensor, torch.Tensor | None]:
    """Fold ``bn`` into a conv/linear ``weight`` ``[Cout, ...]`` and ``bias``; returns float64 tensors.

    With ``bn=None`` the weight and bias are returned unchanged (as float64).
    """
    w = weight.detach().to(torch.float64)
    b = None if bias is None else bias.detach().to(torch.float64)
    if bn is None:
        return w, b
    k, c = bn_coefficients(bn)
    w = w * k.view(-1, *([1] * (w.dim() - 1)))
    b = c if b is None else c + k * b
    return w, b
