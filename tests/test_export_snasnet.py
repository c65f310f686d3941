"""Export of SNASNet models: the simulator's numpy oracle reproduces the torch deploy model bit for bit."""
import numpy as np
import pytest
import torch

from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph
from neuronas.data import spec
from neuronas.export import collect_spikes, export, to_inputs
from neuronas.models import build
from neuronas.quant import quantize
from neuronas.space.genotype import PAIRS, Genotype
from neuronas.space.ops import OPS


def random_genotype(rng: np.random.Generator, need_backward: bool = True, need_pool: bool = True) -> Genotype:
    while True:
        ops = tuple(OPS[i] for i in rng.integers(1, len(OPS), len(PAIRS)))
        bwd = tuple(bool(b) for b in rng.random(len(PAIRS)) < 0.4)
        g = Genotype(ops, bwd)
        if g.is_valid() and (g.has_backward or not need_backward) and ("avgpool3x3" in ops or not need_pool):
            return g


def excited(model: torch.nn.Module, rng: np.random.Generator, images: torch.Tensor) -> torch.nn.Module:
    """Random batch-norm affine parameters and running statistics so that every layer spikes."""
    for m in model.modules():
        if isinstance(m, torch.nn.BatchNorm2d):
            with torch.no_grad():
                m.weight.copy_(torch.from_numpy(rng.uniform(0.8, 2.5, m.weight.shape)).float())
                m.bias.copy_(torch.from_numpy(rng.normal(0.6, 0.5, m.bias.shape)).float())
    model.train()
    with torch.no_grad():
        for _ in range(2):
            model(images)
    return model.eval()


def check_bit_exact(model, images, timesteps=None):
    dep = quantize(model, bits=8, calibration=images)
    graph = export(dep, images, timesteps)
    spikes, outputs = collect_spikes(dep, images, timesteps)
    res = evaluate(graph, to_inputs(dep, images, timesteps))
    assert sorted(spikes) == sorted(res.spikes)
    for name, s in res.spikes.items():
        assert np.array_equal(spikes[name], s), name
    assert np.array_equal(outputs, res.outputs)
    scores = dep.scores(torch.from_numpy(outputs)).sum(0).argmax(-1).numpy()
    assert np.array_equal(res.predictions, scores)
    return dep, graph, spikes


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_digits_size_random_genotypes_bit_exact(seed):
    rng = np.random.default_rng(seed)
    torch.manual_seed(seed)
    g = random_genotype(rng)
    images = torch.from_numpy(rng.uniform(0, 1, (6, 1, 8, 8))).float()
    model = excited(build(g, spec("digits"), channels=8), rng, images)
    _, graph, spikes = check_bit_exact(model, images)
    rates = [s.mean() for s in spikes.values()]
    assert max(rates) > 0.05 and sum(r > 0 for r in rates) >= len(rates) // 2  # the comparison sees real activity
    assert any(d["delay"] == 1 for _, _, d in graph.g.edges(data=True))
    assert any(graph.node(n)["kind"] == "pool" and graph.node(n)["kernel"] == (3, 3) for n in graph.g)


def test_cifar_size_bit_exact_with_fewer_timesteps():
    rng = np.random.default_rng(7)
    torch.manual_seed(7)
    g = random_genotype(rng)
    images = torch.from_numpy(rng.normal(0, 1, (3, 3, 32, 32))).float()
    model = excited(build(g, spec("cifar10"), channels=4, timesteps=3), rng, images)
    _, graph, _ = check_bit_exact(model, images)
    assert graph.node("input")["shape"] == (3, 32, 32)
    assert graph.node("pool2")["kernel"] == (2, 2)


def test_node_names_and_save_load_round_trip(tmp_path):
    rng = np.random.default_rng(3)
    images = torch.from_numpy(rng.uniform(0, 1, (4, 1, 8, 8))).float()
    model = excited(build("0303 0030 2002 0200", spec("digits"), channels=4), rng, images)
    dep = quantize(model, calibration=images)
    graph = export(dep, images)
    for name in ("stem", "cell1.lif.n0", "cell1.ops.e0_1.conv", "cell1.n1", "cell2.ops.e2_0.conv", "fc2", "output"):
        assert name in graph.g, name
    # backward edge 2 -> 0: its op output reaches node 0's sum one timestep later
    assert graph.g.edges["cell1.ops.e2_0.conv", "cell1.n0"]["delay"] == 1
    path = graph.save(tmp_path / "net")
    loaded = SnnGraph.load(path)
    assert list(loaded.g.nodes) == list(graph.g.nodes)
    for n in graph.g:
        a, b = graph.node(n), loaded.node(n)
        assert a.keys() == b.keys()
        for k in a:
            if isinstance(a[k], np.ndarray):
                assert np.array_equal(a[k], b[k]) and a[k].dtype == b[k].dtype, (n, k)
            else:
                assert a[k] == b[k], (n, k)
    assert sorted(graph.g.edges(data=True)) == sorted(loaded.g.edges(data=True))
    x = to_inputs(dep, images)
    r1, r2 = evaluate(graph, x), evaluate(loaded, x)
    assert np.array_equal(r1.outputs, r2.outputs)


def test_export_rejects_float_model_and_wrong_sample():
    model = build("conv3x3~0|skip~0,zeroize~1|conv3x3~0,zeroize~1,skip~2", spec("digits"), channels=4)
    with pytest.raises(UserError, match="quantize"):
        export(model, torch.zeros(1, 1, 8, 8))
    dep = quantize(model, calibration=torch.ones(1, 1, 8, 8))
    with pytest.raises(UserError, match="shape"):
        export(dep, torch.zeros(1, 3, 8, 8))
