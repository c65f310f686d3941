"""`neuronas train` end to end on a tiny digits model, and its user errors."""
from __future__ import annotations

import json

import pytest
import torch

from neuronas.cli import main
from neuronas.data import spec
from neuronas.models import build
from neuronas.train import load_checkpoint

GENOTYPE = "conv3x3~0|zeroize~0,conv3x3~1|skip~0,zeroize~1,conv3x3~2"


def test_cli_train_writes_checkpoints(tmp_path, capsys):
    out = tmp_path / "run"
    main(["train", GENOTYPE, "--dataset", "digits", "--channels", "2", "--timesteps", "2", "--epochs", "1",
          "--batch-size", "128", "--optimizer", "adam", "--lr", "0.01", "--out", str(out), "--seed", "3"])
    assert "test accuracy" in capsys.readouterr().out
    run = json.loads((out / "run.json").read_text())
    assert run["genotype"] == GENOTYPE and run["seed"] == 3 and run["timesteps"] == 2
    hist = json.loads((out / "history.json").read_text())
    assert hist["epoch"] == [1] and 0.0 <= hist["test_acc"][0] <= 1.0
    model = load_checkpoint(build(GENOTYPE, spec("digits"), channels=2, timesteps=2), out / "last.pt")
    assert isinstance(model, torch.nn.Module)


def test_cli_train_hardware_aware(tmp_path, capsys):
    """--hw: the last epoch with the chip in the loop, then the simulated chip's accuracy on the whole test split."""
    out = tmp_path / "hw"
    main(["train", GENOTYPE, "--dataset", "digits", "--channels", "2", "--timesteps", "2", "--epochs", "2",
          "--batch-size", "256", "--optimizer", "adam", "--lr", "0.01", "--out", str(out), "--hw", "spikesim_rram_65nm",
          "--hw-epochs", "1", "--set", "adc.bits=5"])
    text = capsys.readouterr().out
    assert "on the simulated chip (spikesim_rram_65nm)" in text and "over 360 test images" in text
    hist = json.loads((out / "history.json").read_text())
    assert hist["hardware"] == [False, True] and hist["onchip"]["samples"] == 360
    assert json.loads((out / "run.json").read_text())["hw_epochs"] == 1


@pytest.mark.parametrize(
    "args,message",
    [
        (["train", "0303 0030 2202 0200", "--dataset", "digits"], "pair (1,2) has both"),
        (["train", GENOTYPE, "--dataset", "imagenet"], "unknown dataset 'imagenet'"),
        (["train", GENOTYPE, "--dataset", "cifar10", "--data-dir", "/nonexistent/x"], "does not exist"),
    ],
)
def test_cli_train_user_errors_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err
