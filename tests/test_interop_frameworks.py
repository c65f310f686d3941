"""Framework SNNs imported unmodified: the framework's own forward, with the imported 8-bit layers, gives the
simulator's spikes (ideal ADC) for every neuron layer and every timestep."""
import numpy as np
import pytest
import torch
from torch import nn

from cimsim.functional import evaluate
from neuronas.interop import import_snn

snn = pytest.importorskip("snntorch")
sj_neuron = pytest.importorskip("spikingjelly.activation_based.neuron")
sj_layer = pytest.importorskip("spikingjelly.activation_based.layer")
sj_functional = pytest.importorskip("spikingjelly.activation_based.functional")
norse = pytest.importorskip("norse.torch")


# ---------------------------------------------------------------- snntorch: loops with explicit state, init_hidden
class SnnTorchConv(nn.Module):
    """conv-Leaky-pool x2, linear-Leaky; the tutorial style: a loop over time with explicit membranes."""

    def __init__(self, reset="subtract"):
        super().__init__()
        self.conv1, self.lif1 = nn.Conv2d(1, 6, 3, padding=1), snn.Leaky(beta=0.8, threshold=0.5, reset_mechanism=reset)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2, self.lif2 = nn.Conv2d(6, 8, 3, padding=1), snn.Leaky(beta=0.7, threshold=0.4, learn_beta=True)
        self.pool2 = nn.MaxPool2d(2)
        self.fc, self.lif3 = nn.Linear(8 * 2 * 2, 5), snn.Leaky(beta=0.9, threshold=0.3, learn_threshold=True)

    def forward(self, x):
        mem1, mem2, mem3 = self.lif1.init_leaky(), self.lif2.init_leaky(), self.lif3.init_leaky()
        spk_rec, mem_rec = [], []
        for step in range(x.shape[0]):
            spk1, mem1 = self.lif1(self.conv1(x[step]), mem1)
            spk2, mem2 = self.lif2(self.conv2(self.pool1(spk1)), mem2)
            spk3, mem3 = self.lif3(self.fc(self.pool2(spk2).flatten(1)), mem3)
            spk_rec.append(spk3)
            mem_rec.append(mem3)
        return torch.stack(spk_rec), torch.stack(mem_rec)


class SnnTorchResidual(nn.Module):
    """init_hidden neurons, one timestep per call, a residual add, adaptive pool, flatten and dropout."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1)
        self.lif1 = snn.Leaky(beta=0.8, threshold=0.5, init_hidden=True)
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.lif2 = snn.Leaky(beta=0.6, threshold=0.5, init_hidden=True, reset_mechanism="zero")
        self.pool = nn.AdaptiveAvgPool2d((2, 2))
        self.flat, self.drop = nn.Flatten(), nn.Dropout(0.2)
        self.fc = nn.Linear(24, 4)
        self.lif3 = snn.Leaky(beta=0.9, threshold=0.2, init_hidden=True, output=True)

    def forward(self, x):
        a = self.conv1(x)
        s2 = self.lif2(self.conv2(self.lif1(a)) + a)
        spk, mem = self.lif3(self.fc(self.drop(self.flat(self.pool(s2)))))
        return spk


# ---------------------------------------------------------------- SpikingJelly: single- and multi-step
def sj_conv(node, step_mode):
    net = nn.Sequential(
        sj_layer.Conv2d(1, 6, 3, padding=1), node(), sj_layer.AvgPool2d(2),
        sj_layer.Conv2d(6, 8, 3, padding=1), node(), sj_layer.MaxPool2d(2),
        sj_layer.Flatten(), sj_layer.Linear(8 * 2 * 2, 5), node())
    sj_functional.set_step_mode(net, step_mode)
    return net


class SjResidual(nn.Module):
    def __init__(self, node):
        super().__init__()
        self.conv1, self.n1 = sj_layer.Conv2d(1, 6, 3, padding=1), node()
        self.conv2, self.n2 = sj_layer.Conv2d(6, 6, 3, padding=1), node()
        self.pool, self.flat = sj_layer.AdaptiveAvgPool2d(2), sj_layer.Flatten()
        self.fc, self.n3 = sj_layer.Linear(24, 4), node()

    def forward(self, x):  # multi-step [T, N, ...]
        a = self.conv1(x)
        s = self.n2(self.conv2(self.n1(a)) + a)
        return self.n3(self.fc(self.flat(self.pool(s))))


SJ_NODES = {
    "IF": lambda: sj_neuron.IFNode(v_threshold=0.6),
    "IF-soft": lambda: sj_neuron.IFNode(v_threshold=0.5, v_reset=None),
    "LIF": lambda: sj_neuron.LIFNode(tau=1.7, v_threshold=0.4),
    "LIF-no-decay-input": lambda: sj_neuron.LIFNode(tau=3.0, decay_input=False, v_threshold=0.6, v_reset=None),
    "PLIF": lambda: sj_neuron.ParametricLIFNode(init_tau=2.5, v_threshold=0.4),
}


# ---------------------------------------------------------------- Norse: LIFBoxCell and LIFCell with state tuples
def norse_cell(box: bool, tau_mem_inv: float, v_th: float, v_leak: float = 0.0, dt: float = 1e-3, **extra):
    """A Norse LIFBoxCell (one state) or LIFCell (current and membrane; extra: tau_syn_inv, v_reset, method)."""
    common = dict(tau_mem_inv=torch.tensor(tau_mem_inv), v_th=torch.tensor(v_th), v_leak=torch.tensor(v_leak))
    if box:
        return norse.LIFBoxCell(norse.LIFBoxParameters(**common), dt=dt)
    extra = {k: v if isinstance(v, str) else torch.tensor(v) for k, v in extra.items()}
    return norse.LIFCell(norse.LIFParameters(**common, **extra), dt=dt)


class NorseConv(nn.Module):
    def __init__(self, box=True):
        super().__init__()
        syn = {} if box else {"tau_syn_inv": 350.0, "v_reset": -0.05, "method": "tanh"}
        self.conv1, self.lif1 = nn.Conv2d(1, 6, 3, padding=1), norse_cell(box, 300.0, 0.3, **syn)
        self.pool1 = nn.AvgPool2d(2)
        self.conv2, self.lif2 = nn.Conv2d(6, 8, 3, padding=1), norse_cell(box, 300.0, 0.3, dt=0.002, **syn)
        self.pool2 = nn.MaxPool2d(2)
        self.fc, self.lif3 = nn.Linear(8 * 2 * 2, 5), norse_cell(box, 300.0, 0.3, **syn)

    def forward(self, x):
        s1 = s2 = s3 = None
        out = []
        for t in range(x.shape[0]):
            z, s1 = self.lif1(self.conv1(x[t]), s1)
            z, s2 = self.lif2(self.conv2(self.pool1(z)), s2)
            z, s3 = self.lif3(self.fc(torch.flatten(self.pool2(z), 1)), s3)
            out.append(z)
        return torch.stack(out)


class NorseResidual(nn.Module):
    def __init__(self, box=True):
        super().__init__()
        cell = lambda: norse_cell(box, 400.0, 0.25, 0.05, **({} if box else {"tau_syn_inv": 250.0}))  # noqa: E731
        self.conv1, self.lif1 = nn.Conv2d(1, 6, 3, padding=1), cell()
        self.conv2, self.lif2 = nn.Conv2d(6, 6, 3, padding=1), cell()
        self.fc, self.lif3 = nn.Linear(6 * 8 * 8, 4), cell()
        nn.init.uniform_(self.fc.weight, -0.01, 0.02)  # excitatory on average: the last layer spikes

    def forward(self, x):
        s1 = s2 = s3 = None
        out = []
        for t in range(x.shape[0]):
            a = self.conv1(x[t])
            z, s1 = self.lif1(a, s1)
            z, s2 = self.lif2(self.conv2(z) + a, s2)
            z, s3 = self.lif3(self.fc(z.flatten(1)), s3)
            out.append(z)
        return torch.stack(out)


def _run_framework(twin, frames, neurons, per_step):
    """The framework's own forward over ``frames`` [T, N, ...]; spikes per neuron module [T, N, ...]."""
    rec = {}
    hooks = [twin.get_submodule(n).register_forward_hook(
        lambda m, i, o, n=n: rec.setdefault(n, []).append((o[0] if isinstance(o, tuple) else o).numpy().astype(bool)))
        for n in neurons]
    with torch.no_grad():
        if per_step:
            for t in range(frames.shape[0]):
                twin(frames[t])
        else:
            twin(frames)
    for h in hooks:
        h.remove()
    return {n: np.concatenate(v) if v[0].shape[0] == frames.shape[0] and len(v) == 1 else np.stack(v)
            for n, v in rec.items()}


def _boost(model, gain):
    """Larger weights so that every layer spikes within a few timesteps."""
    with torch.no_grad():
        for m in model.modules():
            if isinstance(m, (nn.Conv2d, nn.Linear)):
                m.weight.mul_(gain)
    return model


def _check(model, frames, per_step=False, kinds=None, gain=2.5):
    _boost(model, gain)
    imp = import_snn(model, frames[0] if per_step else frames)
    twin = imp.quantized_copy(model)
    got = _run_framework(twin, imp.quantized_frames(frames), imp.neurons, per_step)
    want = evaluate(imp.graph, imp.to_inputs(frames)).spikes
    assert sorted(got) == sorted(want) == sorted(imp.neurons) and len(imp.neurons) == 3
    for n in imp.neurons:
        assert got[n].shape == want[n].shape, n
        assert np.array_equal(got[n], want[n]), n
        assert 0.0 < want[n].mean() < 1.0, n
    if kinds:
        assert {imp.graph.node(n)["kind"] for n in imp.neurons} == kinds
    return imp


def _frames(seed=0, t=6):
    g = torch.Generator().manual_seed(seed)
    return torch.rand(t, 3, 1, 8, 8, generator=g) * 2


@pytest.mark.parametrize("reset", ["subtract", "zero"])
def test_snntorch_loop_with_explicit_state(reset):
    torch.manual_seed(1)
    imp = _check(SnnTorchConv(reset), _frames(), kinds={"leaky"})
    assert imp.graph.node("lif1")["reset"] == reset


def test_snntorch_residual_init_hidden_one_step_per_call():
    torch.manual_seed(2)
    imp = _check(SnnTorchResidual(), _frames(1), per_step=True)
    assert imp.graph.node("pool")["kernel"] == (4, 4)


@pytest.mark.parametrize("node", SJ_NODES)
@pytest.mark.parametrize("step_mode", ["s", "m"])
def test_spikingjelly_conv(node, step_mode):
    torch.manual_seed(3)
    net = sj_conv(SJ_NODES[node], step_mode)
    _check(net, _frames(2) * (3 if "IF" in node else 1), per_step=step_mode == "s")


@pytest.mark.parametrize("node", ["LIF", "PLIF"])
def test_spikingjelly_residual_multistep(node):
    torch.manual_seed(4)
    net = SjResidual(SJ_NODES[node])
    sj_functional.set_step_mode(net, "m")
    _check(net, _frames(3))


@pytest.mark.parametrize("box", [True, False], ids=["LIFBoxCell", "LIFCell"])
def test_norse_conv_and_residual(box):
    torch.manual_seed(5)
    _check(NorseConv(box), _frames(4) * 3, kinds={"lif_box" if box else "cuba_lif"})
    _check(NorseResidual(box), _frames(5) * 3)
