"""One-line errors of the framework import: what is not supported is named, with the parameter and value."""
import pytest
import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.export.fx_import import import_module
from neuronas.interop import import_snn
from neuronas.models.lif import LIF

snn = pytest.importorskip("snntorch")
sj_neuron = pytest.importorskip("spikingjelly.activation_based.neuron")
norse = pytest.importorskip("norse.torch")


def _with(module, **attrs):
    for k, v in attrs.items():
        setattr(module, k, v)
    return module


def _one_line(excinfo):
    assert "\n" not in str(excinfo.value)
    return str(excinfo.value)


class HandWritten(nn.Module):
    """The snntorch tutorial's first net, with a hand-written LIF and a membrane tensor."""

    def __init__(self):
        super().__init__()
        self.fc = nn.Linear(4, 3)

    def forward(self, x):
        mem = torch.zeros_like(x[0])
        out = []
        for t in range(x.shape[0]):
            mem = 0.9 * mem + x[t]
            out.append(self.fc((mem > 1).float()))
        return torch.stack(out)


class Seq(nn.Module):
    def __init__(self, neuron, n=4):
        super().__init__()
        self.fc, self.neuron = nn.Linear(n, 3), neuron

    def forward(self, x):
        out = self.neuron(self.fc(x))
        return out[0] if isinstance(out, tuple) else out


class Reused(nn.Module):
    def __init__(self, neuron):
        super().__init__()
        self.fc1, self.fc2, self.lif = nn.Linear(4, 4), nn.Linear(4, 3), neuron

    def forward(self, x):
        return self.lif(self.fc2(self.lif(self.fc1(x))))


def test_hand_written_neuron_gets_a_hint():
    with pytest.raises(UserError) as e:
        import_snn(HandWritten(), torch.rand(3, 2, 4))
    assert "zeros_like" in _one_line(e) and "neuron written by hand" in str(e.value)


@pytest.mark.parametrize("neuron,match", [
    (lambda: snn.Synaptic(alpha=0.8, beta=0.9), r"snntorch.Synaptic 'neuron': unsupported neuron; supported: snntorch Leaky"),
    (lambda: snn.Leaky(beta=0.9, graded_spikes_factor=2.0), r"graded_spikes_factor=2.0"),
    (lambda: snn.Leaky(beta=0.9, reset_delay=False), r"reset_delay=False"),
    (lambda: sj_neuron.ParametricLIFNode(decay_input=False), r"ParametricLIFNode 'neuron': decay_input=False"),
    (lambda: _with(sj_neuron.LIFNode(), tau=0.5), r"LIFNode 'neuron': tau=0.5"),
    (lambda: norse.LIFCell(norse.LIFParameters(tau_mem_inv=torch.tensor(2000.0))),
     r"norse.LIFCell 'neuron': mem_decay=2.0; expected 0 < dt / tau <= 1"),
    (lambda: nn.ReLU(), r"unsupported module 'neuron' of type ReLU"),
])
def test_unmappable_neurons_are_named_with_parameter_and_value(neuron, match):
    with pytest.raises(UserError, match=match) as e:
        import_snn(Seq(neuron()), torch.rand(2, 4))
    _one_line(e)


def test_wrong_sample_shape_is_one_line():
    with pytest.raises(UserError, match=r"Seq.forward failed on a sample of shape \(2, 5\)") as e:
        import_snn(Seq(snn.Leaky(beta=0.9, init_hidden=True)), torch.rand(2, 5))
    _one_line(e)
    with pytest.raises(UserError, match=r"failed on a sample of shape \(2, 5\)") as e:
        import_module(Seq(LIF(step_mode="s")), torch.rand(2, 5))
    _one_line(e)


def test_reused_neuron_module_is_named():
    with pytest.raises(UserError, match=r"module 'lif' \(Leaky\) is called more than once") as e:
        import_snn(Reused(snn.Leaky(beta=0.9, init_hidden=True)), torch.rand(2, 4))
    _one_line(e)
    with pytest.raises(UserError, match=r"module 'lif' \(LIF\) is called more than once"):
        import_module(Reused(LIF(step_mode="s")), torch.rand(2, 4))


def test_adaptive_pool_must_have_a_fixed_window():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), snn.Leaky(beta=0.9, init_hidden=True), nn.AdaptiveAvgPool2d(4),
                        nn.Flatten(), nn.Linear(32, 2), snn.Leaky(beta=0.9, init_hidden=True))
    with pytest.raises(UserError, match=r"AdaptiveAvgPool2d '2': output size \(4, 4\) does not divide the input size \(6, 6\)"):
        import_snn(net, torch.rand(2, 1, 8, 8))


def test_our_own_lif_imports_through_interop():
    imp = import_snn(Seq(LIF(step_mode="s")), torch.rand(2, 4))
    assert imp.graph.node("neuron")["kind"] == "lif" and imp.neurons == ["neuron"]
