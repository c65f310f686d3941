"""Training loop on digits with a small hand-written SNN (conv -> LIF -> linear)."""
from __future__ import annotations

import json

import pytest
import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.data import direct, make_loaders
from neuronas.models import LIF
from neuronas.train import History, TrainSettings, evaluate, load_checkpoint, train


class TinySNN(nn.Module):
    """Stem conv+BN (direct encoding) -> LIF -> conv+BN -> LIF -> avgpool -> linear, logits averaged over T."""

    def __init__(self, timesteps: int = 4, channels: int = 12, classes: int = 10):
        super().__init__()
        self.timesteps = timesteps
        self.stem = nn.Sequential(nn.Conv2d(1, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.lif1 = LIF()
        self.conv = nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1, bias=False), nn.BatchNorm2d(channels))
        self.lif2 = LIF()
        self.pool = nn.AvgPool2d(2)
        self.fc = nn.Linear(channels * 16, classes)

    def forward(self, x):
        T, N = self.timesteps, x.shape[0]
        s = self.lif1(direct(self.stem(x), T))
        y = self.conv(s.flatten(0, 1)).unflatten(0, (T, N))
        s = self.lif2(y)
        z = self.fc(self.pool(s.flatten(0, 1)).flatten(1)).unflatten(0, (T, N))
        return z.mean(0)


@pytest.fixture(scope="module")
def digits_loaders():
    return make_loaders("digits", batch_size=32, seed=0)


def test_training_on_digits_beats_chance_and_checkpoints(digits_loaders, tmp_path):
    torch.manual_seed(0)
    model = TinySNN(timesteps=2, channels=8)
    before = evaluate(model, digits_loaders[1])
    hist = train(model, digits_loaders, TrainSettings(epochs=2, lr=0.05, optimizer="adam", seed=0, out_dir=tmp_path,
                                                     progress=False, weight_decay=0.0))
    assert isinstance(hist, History) and hist.epoch == [1, 2]
    assert hist.final_acc > 0.6 > before + 0.3
    assert hist.train_loss[-1] < hist.train_loss[0]
    assert hist.lr[0] == pytest.approx(0.05) and hist.lr[-1] < hist.lr[0]  # cosine schedule
    saved = json.loads((tmp_path / "history.json").read_text())
    assert saved["best_acc"] == pytest.approx(hist.best_acc)
    # checkpoint round trip with weights_only loading gives the same accuracy
    fresh = load_checkpoint(TinySNN(timesteps=2, channels=8), tmp_path / "last.pt")
    assert evaluate(fresh, digits_loaders[1]) == pytest.approx(hist.final_acc)
    assert (tmp_path / "best.pt").is_file()


def test_training_is_seeded(digits_loaders):
    def run():
        torch.manual_seed(1)
        m = TinySNN(timesteps=2, channels=4)
        train_loader = torch.utils.data.DataLoader(digits_loaders[0].dataset, batch_size=64, shuffle=True, generator=torch.Generator().manual_seed(2))
        h = train(m, (train_loader, None), TrainSettings(epochs=1, lr=0.05, optimizer="sgd", seed=1, progress=False))
        return h, m

    (h1, m1), (h2, m2) = run(), run()
    assert h1.train_loss == h2.train_loss
    assert all(torch.equal(a, b) for a, b in zip(m1.state_dict().values(), m2.state_dict().values()))


def test_gradients_reach_the_stem_through_time():
    torch.manual_seed(0)
    model = TinySNN()
    x = torch.rand(8, 1, 8, 8)
    nn.CrossEntropyLoss()(model(x), torch.arange(8)).backward()
    assert model.stem[0].weight.grad.abs().sum() > 0


def test_qat_hook_is_called(monkeypatch, digits_loaders):
    import sys
    import types

    calls = []
    fake = types.ModuleType("neuronas.quant")
    fake.enable_qat = lambda model, bits: calls.append((type(model).__name__, bits))
    monkeypatch.setitem(sys.modules, "neuronas.quant", fake)
    small = torch.utils.data.DataLoader(torch.utils.data.Subset(digits_loaders[0].dataset, range(64)), batch_size=32)
    train(TinySNN(timesteps=1, channels=2), (small, None), TrainSettings(epochs=1, qat_bits=8, progress=False))
    assert calls == [("TinySNN", 8)]


def test_bad_arguments_are_user_errors(digits_loaders, tmp_path):
    with pytest.raises(UserError, match="optimizer"):
        train(TinySNN(), digits_loaders, TrainSettings(epochs=1, optimizer="rmsprop", progress=False))
    with pytest.raises(UserError, match="epochs"):
        train(TinySNN(), digits_loaders, TrainSettings(epochs=0, progress=False))
    (tmp_path / "bad.pt").write_bytes(b"garbage")
    with pytest.raises(UserError, match="not a weights-only state dict"):
        load_checkpoint(TinySNN(), tmp_path / "bad.pt")


@pytest.mark.slow
def test_built_digits_macro_learns(digits_loaders):
    from neuronas.data import spec
    from neuronas.models import build
    from neuronas.train import default_hyperparameters

    torch.manual_seed(0)
    model = build("conv3x3~0|zeroize~0,conv3x3~1|skip~0,zeroize~1,conv3x3~2", spec("digits"), channels=8, timesteps=2)
    hp = default_hyperparameters("digits")
    assert hp["optimizer"] == "adam" and default_hyperparameters("cifar10")["optimizer"] == "sgd"
    hist = train(model, digits_loaders, TrainSettings(epochs=2, seed=0, progress=False, **hp))
    assert hist.final_acc > 0.5  # chance is 0.1
