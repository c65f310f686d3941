"""Ops, cells and the SNASNet macro: shapes, delay semantics, LIF sharing, exact pooling."""
import numpy as np
import pytest
import torch

from cimsim.errors import UserError
from cimsim.ops import pool as oracle_pool
from neuronas.data import spec
from neuronas.models import build
from neuronas.models.cell import Cell
from neuronas.models.ops import AvgPool, make_op

FORWARD = "conv3x3~0|conv1x1~0,avgpool3x3~1|conv3x3~0,skip~1,conv1x1~2"
BACKWARD = "conv3x3~0|conv1x1<0,avgpool3x3~1|conv3x3~0,conv3x3<1,conv1x1~2"


@pytest.mark.parametrize("genotype", [FORWARD, BACKWARD, "0303 0030 2002 0200"])
def test_cell_shapes_and_gradients(genotype):
    torch.manual_seed(0)
    cell = Cell(genotype, 4)
    x = torch.randn(3, 2, 4, 6, 6, requires_grad=True) * 2
    y = cell(x)
    assert y.shape == (3, 2, 4, 6, 6)
    y.sum().backward()
    grads = [p.grad for n, p in cell.named_parameters() if n.endswith("conv.conv.weight")]
    assert grads and all(g is not None and torch.isfinite(g).all() for g in grads)
    assert any(g.abs().sum() > 0 for g in grads)


def test_one_lif_per_source_node_shared_by_forward_and_backward_edges():
    # node 0 feeds conv3x3 0->1 and conv3x3 0->3; node 2 feeds the backward conv1x1 2->0 and the forward 2->3
    cell = Cell("0303 0030 2002 0200", 4)
    assert sorted(cell.lif) == ["n0", "n1", "n2", "n3"]
    cell = Cell(FORWARD, 4)
    assert sorted(cell.lif) == ["n0", "n2"]  # node 1 feeds only avgpool / skip


def test_backward_edge_delivers_op_output_one_step_later():
    # n1 = n0 + b(n3(t-1)) (conv 3->1), n2 = n1, n3 = n2: the output equals the input at t=0 (no BN bias)
    torch.manual_seed(1)
    cell = Cell("skip~0|zeroize~0,skip~1|zeroize~0,conv3x3<1,skip~2", 3).eval()
    bn = cell.ops["e3_1"].conv.bn
    bn.bias.data.fill_(0.7)
    x = torch.full((3, 2, 3, 5, 5), 2.0)
    y = cell(x)
    assert torch.equal(y[0], x[0])
    assert not torch.equal(y[1], x[1])


def test_zero_node_and_skip_only_cell():
    cell = Cell("skip~0|zeroize~0,zeroize~1|zeroize~0,zeroize~1,skip~2", 2)
    x = torch.randn(2, 1, 2, 4, 4)
    assert torch.equal(cell(x), torch.zeros_like(x))  # node 2 receives nothing, so node 3 = skip(n2) = 0
    cell = Cell("skip~0|zeroize~0,skip~1|zeroize~0,zeroize~1,skip~2", 2)
    assert torch.equal(cell(x), x)


def test_avgpool_bit_exact_with_oracle_and_close_to_torch():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 7, 7)).astype(np.float32)
    pool = AvgPool(3, 1, 1)
    ours = pool(torch.from_numpy(x)).numpy()
    node = {"kernel": (3, 3), "stride": (1, 1), "padding": (1, 1), "mode": "avg"}
    assert np.array_equal(ours, oracle_pool(node, x, integer=False))
    ref = torch.nn.functional.avg_pool2d(torch.from_numpy(x), 3, 1, 1, count_include_pad=True).numpy()
    np.testing.assert_allclose(ours, ref, rtol=1e-5, atol=1e-6)


def test_unknown_op_is_a_user_error():
    with pytest.raises(UserError, match="zeroize"):
        make_op("zeroize", 4)


@pytest.mark.parametrize("name,channels,shape", [("digits", 8, (1, 8, 8)), ("cifar10", 4, (3, 32, 32)),
                                                 ("cifar100", 4, (3, 32, 32))])
def test_macro_shapes(name, channels, shape):
    ds = spec(name)
    model = build(BACKWARD, ds, channels=channels, timesteps=2)
    x = torch.randn(2, *shape)
    assert model(x).shape == (2, ds.classes)
    assert model.timestep_outputs(x).shape == (2, 2, ds.classes * 10)


def test_default_channels_follow_snasnet():
    assert build(FORWARD, spec("cifar10")).cell1.channels == 256
    assert build(FORWARD, spec("cifar100")).cell1.channels == 128
    assert build(FORWARD, spec("digits")).cell1.channels == 16
    assert build(FORWARD, spec("cifar10")).fc1.out_features == 1024


def test_build_rejects_bad_arguments():
    with pytest.raises(UserError):
        build(FORWARD, spec("digits"), channels=0)
    with pytest.raises(UserError):
        build(FORWARD, spec("digits"), timesteps=0)
    with pytest.raises(UserError):
        build("conv3x3~0|bogus", spec("digits"))
