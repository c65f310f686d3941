"""SAHD with time-batched cells (T folded into N, batch norm per timestep) against the stepwise reference."""
import math

import numpy as np
import pytest
import torch

from neuronas.data import spec
from neuronas.models import build
from neuronas.models.cell import Cell
from neuronas.models.ops import ConvBN
from neuronas.search.sahd import SahdKernel, sahd_score
from neuronas.space import Genotype, sample

# forward-only cells with skip, zeroize, pool and both convolutions (and a node with no input)
FORWARD = [
    "conv3x3~0|conv1x1~0,avgpool3x3~1|skip~0,conv3x3~1,conv1x1~2",
    "skip~0|avgpool3x3~0,conv3x3~1|zeroize~0,conv1x1~1,skip~2",
    "zeroize~0|zeroize~0,zeroize~1|skip~0,zeroize~1,zeroize~2",
    "avgpool3x3~0|zeroize~0,zeroize~1|conv3x3~0,avgpool3x3~1,zeroize~2",
    "conv1x1~0|conv1x1~0,conv1x1~1|conv1x1~0,conv1x1~1,conv1x1~2",
]


def _random_forward(n: int, seed: int) -> list[str]:
    rng = np.random.default_rng(seed)
    out = []
    while len(out) < n:
        g = sample(rng, "snasnet", backward=False).canonical()
        if str(g) not in out:
            out.append(str(g))
    return out


def _model(genotype: str, seed: int = 0):
    torch.manual_seed(seed)
    return build(genotype, spec("digits"), channels=8, timesteps=4)


def _batches(seed: int = 1) -> list[torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return [torch.rand(12, 1, 8, 8, generator=g) for _ in range(2)]


def _spikes(model, images, batched: bool) -> dict:
    """Every LIF's spikes ``[T, B, ...]`` of one forward."""
    seen: dict = {}

    def hook(name):
        def f(module, inputs, out):
            seen.setdefault(name, []).extend(out.unbind(0) if module.step_mode == "m" else [out])
        return f

    for c in model.modules():
        if isinstance(c, Cell):
            c.set_time_batched(batched)
    names = [n for n, m in model.named_modules() if hasattr(m, "step_mode")]
    handles = [model.get_submodule(n).register_forward_hook(hook(n)) for n in names]
    model.train()
    with torch.no_grad():
        out = model.timestep_outputs(images)
    for h in handles:
        h.remove()
    return {"out": out, **{k: torch.stack(v) for k, v in seen.items()}}


@pytest.mark.parametrize("genotype", FORWARD + _random_forward(6, seed=4))
def test_time_batched_forward_equals_stepwise(genotype):
    images = _batches()[0]
    model = _model(genotype)
    ref = _spikes(model, images, batched=False)
    fast = _spikes(model, images, batched=True)
    assert ref.keys() == fast.keys()
    for k in ref:
        assert torch.equal(fast[k], ref[k]), k


@pytest.mark.parametrize("genotype", FORWARD[:2] + _random_forward(4, seed=9))
def test_time_batched_score_equals_stepwise(genotype):
    batches = _batches()
    stepwise = sahd_score(_model(genotype), batches, time_batched=False)
    batched = sahd_score(_model(genotype), batches, time_batched=True)
    assert math.isfinite(stepwise)
    assert batched == stepwise  # the same spikes, summed in the same order


def test_argmax_over_cells_is_the_same():
    cells = FORWARD + _random_forward(5, seed=11) + ["conv3x3<0|skip~0,conv1x1~1|conv1x1~0,zeroize~1,skip~2"]
    batches = _batches(seed=3)
    ref = [sahd_score(_model(g), batches, time_batched=False) for g in cells]
    fast = [sahd_score(_model(g), batches, time_batched=True) for g in cells]
    assert int(np.argmax(fast)) == int(np.argmax(ref))
    assert fast == ref


def test_backward_cells_stay_stepwise_and_modes_are_restored():
    model = _model("conv3x3<0|skip~0,conv1x1~1|conv1x1~0,zeroize~1,skip~2")
    cells = [m for m in model.modules() if isinstance(m, Cell)]
    assert not any(c.set_time_batched(True) for c in cells)
    fwd = _model(FORWARD[0])
    sahd_score(fwd, _batches()[:1], time_batched=True)
    for c in (m for m in fwd.modules() if isinstance(m, Cell)):
        assert not c.time_batched and all(lif.step_mode == "s" for lif in c.lif.values())


@pytest.mark.parametrize("momentum", [0.1, None])
def test_per_timestep_batch_norm_tracks_running_statistics(momentum):
    torch.manual_seed(2)
    a, b = ConvBN(3, 5, 3), ConvBN(3, 5, 3)
    b.load_state_dict(a.state_dict())
    a.bn.momentum = b.bn.momentum = momentum
    x = torch.rand(4, 6, 3, 7, 7)
    with torch.no_grad():
        ref = torch.stack([a(x[t]) for t in range(4)])
        fast = b.per_timestep(x)
    assert torch.equal(fast, ref)
    assert torch.equal(b.bn.running_mean, a.bn.running_mean) and torch.equal(b.bn.running_var, a.bn.running_var)
    assert int(b.bn.num_batches_tracked) == int(a.bn.num_batches_tracked) == 4
    b.eval()  # running statistics: one normalisation for every timestep
    with torch.no_grad():
        assert torch.equal(b.per_timestep(x), torch.stack([b(x[t]) for t in range(4)]))


def test_kernel_sum_does_not_depend_on_call_order():
    rng = np.random.default_rng(5)
    xs = [torch.from_numpy((rng.random((6, 50)) < 0.3).astype(np.float32)) for _ in range(6)]
    keys = [(i % 3, i // 3) for i in range(6)]
    k1, k2 = SahdKernel(6), SahdKernel(6)
    for x, key in zip(xs, keys):
        k1.add(x, key)
    for x, key in reversed(list(zip(xs, keys))):
        k2.add(x, key)
    assert np.array_equal(k1.K, k2.K) and k1.logdet() == k2.logdet()
    with pytest.raises(ValueError):
        k1.add(xs[0], keys[0])


def test_genotypes_used_here_are_forward_only():
    assert not any(Genotype.parse(g).has_backward for g in FORWARD)


@pytest.mark.parametrize("genotype", [FORWARD[0], "conv3x3<0|skip~0,conv1x1~1|conv1x1~0,zeroize~1,skip~2"])
def test_score_equals_call_order_sum_of_a_stepwise_run(genotype):
    """The kernel's key order is the order in which a timestep-by-timestep run calls the LIFs: both scores equal
    the plain running sum over those calls, bit for bit."""
    from neuronas.models.lif import LIF

    images = _batches()[0]
    model = _model(genotype)
    calls: list = []

    def hook(module, inputs, out):
        calls.extend(out.unbind(0) if module.step_mode == "m" else [out])

    handles = [m.register_forward_hook(hook) for m in model.modules() if isinstance(m, LIF)]
    _spikes(model, images, batched=False)
    for h in handles:
        h.remove()
    k = SahdKernel(images.shape[0])
    for x in calls:
        k.add(x)
    for batched in (False, True):
        assert sahd_score(_model(genotype), [images], time_batched=batched) == k.logdet()
