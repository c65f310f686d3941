"""Post-training quantization, quantization-aware training and the crossbar memory footprint of our models.

:func:`quantize` turns a trained model (built by :func:`neuronas.models.build`) into its *deploy* twin: every
conv + batch norm becomes a :class:`~neuronas.quant.deploy.QConv` (BN folded, integer weights), every linear a
:class:`~neuronas.quant.deploy.QLinear`, every other batch norm an :class:`~neuronas.quant.deploy.Affine`, and the
input quantizer switches to integers. The deploy model's forward computes exactly what the exported
:class:`~cimsim.graph.SnnGraph` computes.
"""
from __future__ import annotations

import copy
import math

import torch
from torch import nn
from torch.nn.utils import parametrize

from cimsim.errors import UserError
from neuronas.quant.deploy import Affine, QConv, QLinear
from neuronas.quant.fixed_point import FakeQuant, InputQuantizer, check_bits, quantize_tensor
from neuronas.quant.fold import bn_coefficients, fold_conv_bn


def _set_module(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, attr = name.rpartition(".")
    parent = root.get_submodule(parent_name) if parent_name else root
    setattr(parent, attr, module)


def quantize_conv(conv: nn.Conv2d, bn: nn.Module | None, bits: int, in_scale: float) -> QConv:
    """Fold ``bn`` into ``conv`` and quantize: a :class:`QConv` with ``bits``-bit weights.

    Under QAT ``conv.weight`` is the parametrized (fake-quantized) weight; it is read, never removed:
    ``remove_parametrizations`` deletes the property from the parametrized class that deep copies share, which
    would break the trained model.
    """
    w, b = fold_conv_bn(conv.weight, conv.bias, bn)
    w_int, scale = quantize_tensor(w, bits)
    return QConv(w_int, scale, None if b is None else b.to(torch.float32), in_scale, bits, conv.stride, conv.padding)


def quantize_linear(lin: nn.Linear, bn: nn.Module | None, bits: int, in_scale: float) -> QLinear:
    """Quantize a linear layer (optionally folding a following 1-d batch norm)."""
    w, b = fold_conv_bn(lin.weight, lin.bias, bn)
    w_int, scale = quantize_tensor(w, bits)
    return QLinear(w_int, scale, None if b is None else b.to(torch.float32), in_scale, bits)


def bn_to_affine(bn: nn.Module) -> Affine:
    """A batch norm (eval statistics) as a float32 :class:`Affine`."""
    k, c = bn_coefficients(bn)
    return Affine(k.to(torch.float32), c.to(torch.float32))


def is_deployed(model: nn.Module) -> bool:
    """True for a model returned by :func:`quantize`."""
    return bool(getattr(model, "deployed", False))


def quantize(model: nn.Module, bits: int = 8, input_bits: int | None = None,
             calibration: torch.Tensor | None = None) -> nn.Module:
    """Post-training quantization of a model built by :func:`neuronas.models.build` (the original is untouched).

    Parameters
    ----------
    model:
        Trained float (or QAT) model.
    bits:
        Weight bits per crossbar layer (2..16), symmetric, one scale per layer.
    input_bits:
        Bits of the quantized input frame (default: the model's input quantizer's, 8).
    calibration:
        Images ``[N, C, H, W]`` that fix the input scale (default: the largest input seen while training).

    Returns
    -------
    The deploy model (eval mode), whose forward computes the simulator's graph semantics exactly.
    """
    from neuronas.models.ops import ConvBN, TimeBatchNorm

    bits = check_bits(bits)
    if is_deployed(model):
        raise UserError("model is already quantized; quantize the float model")
    if not hasattr(model, "crossbar_input_scales"):
        raise UserError(f"quantize() expects a model built by neuronas.models.build, got {type(model).__name__}; "
                        "import your own module with neuronas.export.import_module")
    from neuronas.models.lif import reset_states

    reset_states(model)
    dep = copy.deepcopy(model).eval()
    iq: InputQuantizer = dep.input_quant
    if input_bits is not None:
        iq.bits = check_bits(input_bits, "input bits")
    iq.calibrate(None if calibration is None else float(calibration.detach().abs().max()))
    iq.mode = "deploy"
    in_scales = dep.crossbar_input_scales(iq.scale)
    for name, m in list(dep.named_modules()):
        if isinstance(m, ConvBN):
            _set_module(dep, name, quantize_conv(m.conv, m.bn, bits, in_scales[name]))
        elif isinstance(m, nn.Linear):
            _set_module(dep, name, quantize_linear(m, None, bits, in_scales[name]))
        elif isinstance(m, TimeBatchNorm):
            _set_module(dep, name, bn_to_affine(m))
    dep.deployed = True
    dep.weight_bits = bits
    return dep


def enable_qat(model: nn.Module, bits: int = 8) -> nn.Module:
    """Quantization-aware training: fake-quantize every conv/linear weight (straight-through) and the input.

    Modifies ``model`` in place and returns it. Batch norm stays separate during training and is folded by
    :func:`quantize` afterwards.
    """
    bits = check_bits(bits)
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear)):
            if parametrize.is_parametrized(m, "weight"):
                parametrize.remove_parametrizations(m, "weight", leave_parametrized=False)
            parametrize.register_parametrization(m, "weight", FakeQuant(bits))
        elif isinstance(m, InputQuantizer):
            m.mode = "qat"
    return model


def crossbar_parameters(model: nn.Module) -> int:
    """Number of weights that end up on crossbars: conv and linear weights (biases and BN are not stored there)."""
    n = 0
    for m in model.modules():
        if isinstance(m, (nn.Conv2d, nn.Linear, QConv, QLinear)):
            n += m.weight.numel()
    return n


def memory_footprint(model: nn.Module, bits: int = 8) -> dict:
    """Crossbar weight memory of ``model``, counted from its parameters.

    Returns
    -------
    dict with ``params`` (weights on crossbars), ``bits`` and ``bytes`` (``ceil(params * bits / 8)``).
    """
    bits = check_bits(bits)
    params = crossbar_parameters(model)
    return {"params": params, "bits": bits, "bytes": math.ceil(params * bits / 8)}
