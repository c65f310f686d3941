"""torch.fx import of a researcher's own SNN module."""
import numpy as np
import pytest
import torch
from torch import nn

from cimsim.errors import UserError
from cimsim.functional import evaluate
from neuronas.export.fx_import import import_module
from neuronas.models.lif import LIF, reset_states


class UserSnn(nn.Module):
    """conv-bn-lif, a residual block, max pool, avg pool over spikes, flatten, linear-lif-linear."""

    def __init__(self):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 6, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(6)
        self.lif1 = LIF(step_mode="s")
        self.conv2 = nn.Conv2d(6, 6, 3, padding=1)
        self.bn2 = nn.BatchNorm2d(6)
        self.lif2 = LIF(step_mode="s")
        self.pool = nn.AvgPool2d(2)
        self.mpool = nn.MaxPool2d(2)
        self.drop = nn.Dropout(0.1)
        self.fc1 = nn.Linear(6 * 2 * 2, 20)
        self.lif3 = LIF(step_mode="s")
        self.fc2 = nn.Linear(20, 4)

    def forward(self, x):
        a = self.bn1(self.conv1(x))
        s = self.lif1(a)
        y = self.bn2(self.conv2(s)) + a  # residual add of real values
        s2 = self.lif2(y)
        z = self.pool(self.mpool(s2))
        z = self.drop(z).view(z.size(0), -1)
        return self.fc2(self.lif3(self.fc1(z)))


def make_model(seed=0):
    torch.manual_seed(seed)
    m = UserSnn()
    for bn in (m.bn1, m.bn2):
        bn.weight.data.uniform_(1.0, 3.0)
        bn.bias.data.normal_(0.5, 0.5)
        bn.running_mean.normal_(0, 0.1)
        bn.running_var.uniform_(0.5, 1.5)
    return m.eval()


def run_float(model, frames):
    reset_states(model)
    with torch.no_grad():
        out = torch.stack([model(frames[t]) for t in range(frames.shape[0])])
    reset_states(model)
    return out


def test_fx_import_bit_exact_and_structure():
    model = make_model()
    frames = torch.rand(4, 5, 1, 8, 8).repeat(1, 1, 1, 1, 1)
    imp = import_module(model, frames[0])
    g = imp.graph
    kinds = {n: g.node(n)["kind"] for n in g.g}
    assert kinds["conv1"] == "conv" and "bn1" not in kinds  # folded
    assert kinds["lif1"] == "lif" and kinds["add"] == "add" and kinds["pool"] == "pool" and kinds["mpool"] == "pool"
    assert g.node("conv2")["bias"] is not None
    spikes, outputs = imp.run(frames)
    res = evaluate(g, imp.to_inputs(frames))
    assert sorted(spikes) == sorted(res.spikes) == ["lif1", "lif2", "lif3"]
    for k in spikes:
        assert np.array_equal(spikes[k], res.spikes[k]), k
    assert np.array_equal(outputs, res.outputs)
    assert spikes["lif1"].mean() > 0.05 and spikes["lif2"].mean() > 0.05


def test_fx_import_close_to_float_user_module_at_16_bits():
    """With 16-bit weights and inputs, the deploy twin follows the user's float module closely."""
    model = make_model(1)
    frames = torch.rand(3, 8, 1, 8, 8)
    imp = import_module(model, frames[0], bits=16, input_bits=16)
    ref = run_float(model, frames).numpy()
    _, outputs = imp.run(frames)
    assert np.abs(outputs - ref).max() < 1e-2 * max(1.0, np.abs(ref).max())
    # the user's module itself is untouched (still float layers)
    assert isinstance(model.conv1, nn.Conv2d)


def test_fx_import_spike_input():
    model = make_model(2)
    frames = (torch.rand(3, 4, 1, 8, 8) < 0.3).float()
    imp = import_module(model, frames[0], input_bits=1)
    assert imp.graph.node("input")["bits"] == 1
    spikes, outputs = imp.run(frames)
    res = evaluate(imp.graph, imp.to_inputs(frames))
    assert np.array_equal(outputs, res.outputs)


class WithRelu(nn.Module):
    def __init__(self):
        super().__init__()
        self.conv = nn.Conv2d(1, 2, 3)
        self.act = nn.ReLU()

    def forward(self, x):
        return self.act(self.conv(x))


class WithSigmoid(nn.Module):
    def __init__(self):
        super().__init__()
        self.lif = LIF(step_mode="s")

    def forward(self, x):
        return torch.sigmoid(self.lif(x))


def test_unsupported_module_and_function_are_named():
    with pytest.raises(UserError, match=r"unsupported module 'act' of type ReLU"):
        import_module(WithRelu(), torch.rand(1, 1, 8, 8))
    with pytest.raises(UserError, match=r"unsupported function 'sigmoid'"):
        import_module(WithSigmoid(), torch.rand(1, 1, 8, 8))


def test_conv_reading_real_values_is_rejected():
    net = nn.Sequential(nn.Conv2d(1, 2, 3), nn.Conv2d(2, 2, 3))
    with pytest.raises(UserError, match="put a lif before it"):
        import_module(net, torch.rand(1, 1, 8, 8))
