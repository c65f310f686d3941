"""CubaLIF (two state variables: membrane and synaptic current): hand-computed steps, torch single-step mode, the
engine's spikes, and its hardware cost following the model's state count (two LIF-unit updates, two membrane
words per neuron)."""
import numpy as np
import pytest
import torch
from conftest import make_chip

from cimsim.api import simulate
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph
from cimsim.neurons import CubaLIF, LIFBox
from neuronas.models import SpikingNeuron

F32 = np.float32


def test_hand_computed_current_jump_leak_and_reset():
    m = CubaLIF(syn_decay=0.5, mem_decay=0.25, v_leak=0.0, v_threshold=0.3, v_reset=-0.125)
    state = m.init((1,))
    assert state.shape == (2, 1) and state.tolist() == [[0.0], [0.0]]
    # t0: c = 0 + 1 = 1; h = 0 + 0.25 * (0 + 1) = 0.25 (no spike); i = 1 - 0.5 = 0.5
    s, state = m.step(np.array([1.0], F32), state)
    assert not s[0] and state.tolist() == [[0.25], [0.5]]
    # t1: c = 0.5; h = 0.25 + 0.25 * (-0.25 + 0.5) = 0.3125 > 0.3: spike, v = v_reset; i = 0.25
    s, state = m.step(np.array([0.0], F32), state)
    assert s[0] and state.tolist() == [[-0.125], [0.25]]
    v = m.init((1,))
    for x in (1.0, 0.0):
        fast = m.update(np.array([x], F32), v)
    assert fast[0] == 1 and v.tolist() == [[-0.125], [0.25]]


def test_torch_single_step_mode_keeps_both_states():
    m = CubaLIF(syn_decay=0.3, mem_decay=0.2, v_leak=0.1, v_threshold=0.5)
    x = torch.rand(7, 3, 4) * 2
    multi = SpikingNeuron(m)(x)
    single = SpikingNeuron(m, step_mode="s")
    steps = torch.stack([single(x[t]) for t in range(7)])
    assert single.v.shape == (2, 3, 4)
    assert torch.equal(multi, steps) and 0 < multi.mean() < 1
    with pytest.raises(RuntimeError, match="call reset"):
        single(torch.rand(5, 4))


def _graph(kind: str, **attrs) -> SnnGraph:
    g = SnnGraph("cuba")
    g.add_node("in", "input", (16,), bits=1)
    rng = np.random.default_rng(0)
    g.add_node("fc", "linear", (8,), weight=rng.integers(-60, 100, (8, 16)).astype(np.int8), bias=None, scale=0.01,
               weight_bits=8)
    g.add_node("n", kind, (8,), **attrs)
    g.add_node("out", "output", (8,))
    for a, b in (("in", "fc"), ("fc", "n"), ("n", "out")):
        g.add_edge(a, b)
    g.validate()
    return g


def test_engine_spikes_and_cost_follow_the_state_count():
    cuba = _graph("cuba_lif", **CubaLIF(syn_decay=0.4, mem_decay=0.3, v_threshold=0.2).attrs())
    box = _graph("lif_box", **LIFBox(decay=0.3, v_threshold=0.2).attrs())
    inputs = (np.random.default_rng(1).random((6, 2, 16)) < 0.5).astype(np.uint8)
    chip = make_chip()
    reports = {}
    for name, g in (("cuba", cuba), ("box", box)):
        r = simulate(g, chip, inputs=inputs, timesteps=6)
        reports[name] = r
    oracle = evaluate(cuba, inputs)
    assert 0 < oracle.spikes["n"].mean() < 1
    a, b = reports["cuba"].to_dict(), reports["box"].to_dict()
    ups = lambda rep: sum(layer.get("lif_updates", 0) for layer in rep["layers"])  # noqa: E731
    assert ups(a) == 2 * ups(b) > 0
    membrane = chip.tile.lif.membrane_area_per_neuron.value
    assert a["breakdown"]["area_m2"]["lif_unit"] - b["breakdown"]["area_m2"]["lif_unit"] == pytest.approx(8 * membrane)
