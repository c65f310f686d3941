"""Fixed-point quantization, BN folding, QAT and the memory footprint."""
import math

import numpy as np
import pytest
import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.data import spec
from neuronas.export import export
from neuronas.models import build
from neuronas.models.ops import ConvBN, TimeBatchNorm
from neuronas.quant import check_bits, enable_qat, fake_quantize, memory_footprint, quantize, quantize_tensor
from neuronas.quant.convert import bn_to_affine, quantize_conv
from neuronas.quant.fold import fold_conv_bn

GENO = "conv3x3~0|conv1x1<0,avgpool3x3~1|conv3x3~0,skip~1,conv1x1~2"


@pytest.mark.parametrize("bits", [2, 3, 4, 8, 12, 16])
def test_quantization_error_bound_and_range(bits):
    w = torch.randn(64, 16, 3, 3, generator=torch.Generator().manual_seed(bits)) * 0.3
    w_int, scale = quantize_tensor(w, bits)
    assert w_int.dtype == torch.int64
    assert int(w_int.abs().max()) == 2 ** (bits - 1) - 1  # the largest magnitude uses the top code
    err = (w.double() - w_int.double() * scale).abs().max().item()
    assert err <= scale / 2 * (1 + 1e-6)
    assert scale == float(np.float32(scale))


@pytest.mark.parametrize("bad", [1, 17, 0, -8, 8.5, "8", True])
def test_bits_validation(bad):
    with pytest.raises(UserError, match="bits"):
        check_bits(bad)
    with pytest.raises(UserError, match="bits"):
        quantize(build(GENO, spec("digits"), channels=2), bits=bad, calibration=torch.ones(1, 1, 8, 8))


def test_zero_tensor_quantizes_to_zero():
    w_int, scale = quantize_tensor(torch.zeros(3, 3), 8)
    assert scale == 1.0 and int(w_int.abs().sum()) == 0


def _random_bn(bn, g):
    bn.weight.data = torch.rand(bn.num_features, generator=g) + 0.5
    bn.bias.data = torch.randn(bn.num_features, generator=g)
    bn.running_mean = torch.randn(bn.num_features, generator=g)
    bn.running_var = torch.rand(bn.num_features, generator=g) + 0.2


def test_bn_folding_is_equivalent_in_float():
    g = torch.Generator().manual_seed(0)
    unit = ConvBN(3, 5, 3).eval()
    _random_bn(unit.bn, g)
    x = torch.randn(4, 3, 6, 6, generator=g)
    w, b = fold_conv_bn(unit.conv.weight, None, unit.bn)
    folded = nn.functional.conv2d(x.double(), w, b, padding=1)
    torch.testing.assert_close(folded.float(), unit(x), rtol=1e-5, atol=1e-5)
    bn = TimeBatchNorm(5).eval()
    _random_bn(bn, g)
    y = torch.randn(2, 3, 5, 4, 4, generator=g)
    torch.testing.assert_close(bn_to_affine(bn)(y), bn(y), rtol=1e-5, atol=1e-6)


def test_quantized_conv_matches_float_within_quantization_error():
    g = torch.Generator().manual_seed(1)
    unit = ConvBN(4, 6, 3).eval()
    _random_bn(unit.bn, g)
    spikes = (torch.rand(3, 4, 5, 5, generator=g) < 0.4).float()
    q = quantize_conv(unit.conv, unit.bn, 8, 1.0)
    # each output sums at most 36 products, each off by <= scale/2 per weight
    bound = 36 * q.scale / 2 + 1e-5
    assert (q(spikes) - unit(spikes)).abs().max().item() <= bound
    assert (q(spikes) - unit(spikes)).abs().max().item() > 0


def test_memory_footprint_from_built_parameters_and_graph():
    model = build(GENO, spec("digits"), channels=4)
    expected = sum(m.weight.numel() for m in model.modules() if isinstance(m, (nn.Conv2d, nn.Linear)))
    fp = memory_footprint(model, 8)
    assert fp == {"params": expected, "bits": 8, "bytes": expected}
    assert memory_footprint(model, 4)["bytes"] == math.ceil(expected * 4 / 8)
    images = torch.rand(2, 1, 8, 8)
    dep = quantize(model.eval(), bits=6, calibration=images)
    graph = export(dep, images)
    assert memory_footprint(dep, 6)["params"] == graph.n_params() == expected
    assert graph.n_weight_bits() == expected * 6
    # a different genotype has a different footprint, counted the same way
    other = build("conv3x3~0|zeroize~0,zeroize~1|zeroize~0,zeroize~1,conv3x3~2", spec("digits"), channels=4)
    assert memory_footprint(other)["params"] < expected


def test_qat_fake_quantizes_weights_with_straight_through_gradients():
    torch.manual_seed(0)
    model = build(GENO, spec("digits"), channels=4)
    enable_qat(model, 4)
    w = model.stem.conv.weight
    levels = torch.unique(torch.round(w / (w.abs().max() / 7)))
    assert levels.numel() <= 15 and torch.allclose(w, torch.round(w / (w.abs().max() / 7)) * (w.abs().max() / 7))
    model.train()
    loss = model(torch.rand(4, 1, 8, 8)).sum()
    loss.backward()
    orig = model.stem.conv.parametrizations.weight.original
    assert orig.grad is not None and orig.grad.abs().sum() > 0
    x = torch.randn(10, requires_grad=True)
    fake_quantize(x, 3).sum().backward()
    assert torch.equal(x.grad, torch.ones(10))
    # quantize() after QAT keeps the network exportable
    dep = quantize(model.eval(), bits=4, calibration=torch.rand(2, 1, 8, 8))
    assert dep.stem.bits == 4


def test_quantize_needs_an_input_range():
    model = build(GENO, spec("digits"), channels=2)
    with pytest.raises(UserError, match="calibration"):
        quantize(model)


def test_quantize_leaves_a_qat_model_usable_and_can_run_twice():
    import copy

    import torch

    from neuronas.data import spec
    from neuronas.models import build
    from neuronas.quant import enable_qat, quantize

    torch.manual_seed(0)
    model = enable_qat(build("conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,conv3x3~2", spec("digits"), timesteps=2), 8)
    x = torch.rand(4, 1, 8, 8)
    model.train()
    model(x)
    a = quantize(model, 8, calibration=x)
    b = quantize(copy.deepcopy(model), 8, calibration=x)
    c = quantize(model, 8, calibration=x)
    model.eval()
    model(x)  # the QAT model still runs after being quantized
    with torch.no_grad():
        assert torch.equal(a(x), b(x)) and torch.equal(a(x), c(x))
