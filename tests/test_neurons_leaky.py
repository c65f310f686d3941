"""The Leaky neuron (snntorch's equations): kernel == numpy twin == model step, torch == oracle == engine."""
import numpy as np
import pytest
import torch
from conftest import make_chip
from hypothesis import given, settings
from hypothesis import strategies as st
from torch import nn

from cimsim.engine.crossbar_layer import AdcModel
from cimsim.engine.execute import execute
from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph
from cimsim.mapping import map_graph
from cimsim.neurons import Leaky
from kernels import reference as ref
from kernels.neurons_nb import leaky_update
from neuronas.export.fx_import import import_module
from neuronas.models import SpikingNeuron

F32 = np.float32


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), shape=st.sampled_from([(1,), (7,), (3, 5), (2, 4, 3, 3)]),
       zero=st.booleans(), beta=st.floats(0.0, 1.0), threshold=st.floats(0.05, 3.0), scale=st.floats(0.05, 5.0))
def test_kernel_twin_and_model_step_bit_exact(seed, shape, zero, beta, threshold, scale):
    rng = np.random.default_rng(seed)
    model = Leaky(beta=beta, threshold=threshold, reset="zero" if zero else "subtract")
    v_fast, v_ref = model.init(shape), model.init(shape)
    v_step = v_fast.copy()
    for _ in range(12):
        x = (rng.standard_normal(shape) * scale).astype(F32)
        s_fast = leaky_update(x, v_fast, F32(beta), F32(threshold), zero)
        s_ref = ref.leaky_update(x, v_ref, F32(beta), F32(threshold), zero)
        s_step, v_step = model.step(x, v_step)
        np.testing.assert_array_equal(s_fast, s_ref)
        np.testing.assert_array_equal(s_fast.astype(bool), s_step)
        assert np.array_equal(v_fast.view(np.uint32), v_ref.view(np.uint32))
        assert np.array_equal(v_fast.view(np.uint32), v_step.view(np.uint32))


@pytest.mark.parametrize("reset,want", [("subtract", [0, 1, 0, 0, 1]), ("zero", [0, 1, 0, 1, 0])])
def test_hand_computed_delayed_reset_and_strict_threshold(reset, want):
    # beta 0.5, input 0.75 (exact in float32). subtract: 0.75, 1.125 (spike), 0.5625 + 0.75 - 1 = 0.3125,
    # 0.90625, 1.203125 (spike). zero: 0.75, 1.125 (spike), 0 + 0.75, 1.125 (spike), 0.75
    neuron = SpikingNeuron(Leaky(beta=0.5, threshold=1.0, reset=reset))
    assert neuron(torch.full((5, 1), 0.75)).flatten().tolist() == want
    # exactly at the threshold does not fire (h > threshold), unlike the LIF's h >= threshold
    assert SpikingNeuron(Leaky(beta=0.0, threshold=1.0))(torch.ones(3, 2)).sum().item() == 0.0


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_torch_module_matches_model_step_and_learns(reset):
    rng = np.random.default_rng(3)
    x = rng.normal(0.4, 0.8, size=(10, 16, 3, 4)).astype(F32)
    model = Leaky(beta=0.8, threshold=0.9, reset=reset)
    neuron = SpikingNeuron(model)
    xt = torch.from_numpy(x).requires_grad_(True)
    s = neuron(xt)
    v = model.init(x.shape[1:])
    for t in range(x.shape[0]):
        st_, v = model.step(x[t], v)
        np.testing.assert_array_equal(s[t].detach().numpy().astype(bool), st_)
    assert 0.05 < float(s.detach().mean()) < 0.95
    s.sum().backward()
    assert xt.grad is not None and xt.grad[0].abs().sum() > 0
    assert neuron.graph_node() == ("leaky", {"beta": 0.8, "threshold": 0.9, "reset": reset})


class LeakySnn(nn.Module):
    def __init__(self, reset):
        super().__init__()
        self.conv = nn.Conv2d(1, 4, 3, padding=1)
        self.n1 = SpikingNeuron(Leaky(beta=0.7, threshold=0.5, reset=reset), step_mode="s")
        self.fc1 = nn.Linear(4 * 6 * 6, 12)
        self.n2 = SpikingNeuron(Leaky(beta=0.9, threshold=0.3, reset=reset), step_mode="s")
        self.fc2 = nn.Linear(12, 3)

    def forward(self, x):
        return self.fc2(self.n2(self.fc1(self.n1(self.conv(x)).flatten(1))))


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_torch_oracle_and_engine_spikes_equal(reset, tmp_path):
    torch.manual_seed(0)
    frames = torch.rand(6, 5, 1, 6, 6) * 2
    imported = import_module(LeakySnn(reset).eval(), frames[0], bits=8, input_bits=8)
    graph = imported.graph
    assert [graph.node(n)["kind"] for n in graph.lif_nodes()] == ["leaky", "leaky"]
    torch_spikes, torch_out = imported.run(frames)
    inputs = imported.to_inputs(frames)
    oracle = evaluate(graph, inputs)
    chip = make_chip()
    engine = execute(map_graph(graph, chip), inputs, AdcModel.for_chip(chip, force_ideal=True))
    for n in ("n1", "n2"):
        assert 0 < oracle.spikes[n].sum() < oracle.spikes[n].size
        np.testing.assert_array_equal(torch_spikes[n], oracle.spikes[n])
        np.testing.assert_array_equal(engine.spikes[n], oracle.spikes[n])
    np.testing.assert_array_equal(torch_out, oracle.outputs)
    np.testing.assert_array_equal(engine.outputs, oracle.outputs)
    loaded = SnnGraph.load(graph.save(tmp_path / "leaky"))
    np.testing.assert_array_equal(evaluate(loaded, inputs).spikes["n2"], oracle.spikes["n2"])


def test_bad_parameters_are_user_errors():
    with pytest.raises(UserError, match="beta"):
        SpikingNeuron(Leaky(beta=1.5))
    with pytest.raises(UserError, match="reset"):
        Leaky.from_node({"kind": "leaky", "beta": 0.5, "threshold": 1.0, "reset": "bogus"})
    g = SnnGraph("g")
    g.add_node("in", "input", (4,), bits=1)
    g.add_node("n", "leaky", (4,), beta=0.5, threshold=1.0)
    g.add_node("out", "output", (4,))
    g.add_edge("in", "n")
    g.add_edge("n", "out")
    with pytest.raises(UserError, match="node 'n' .*missing attribute 'reset'"):
        g.validate()
