"""Inputs a user hands us are data, never code, and bad ones end in one line: crafted CIFAR pickles, corrupt
checkpoints, scientific notation, presets included by name, non-finite values kept out of report.json."""
from __future__ import annotations

import json
import os
import pickle
from types import SimpleNamespace

import numpy as np
import pytest
import torch

from cimsim.cli import main as cimsim_main
from cimsim.config.loader import load_config
from cimsim.datasets import load_data_pickle
from cimsim.errors import UserError
from neuronas.cli import main as neuronas_main


class _Payload:
    """Pickles as a call of ``os.system`` that would create ``marker``."""

    def __init__(self, marker):
        self.marker = str(marker)

    def __reduce__(self):
        return (os.system, (f"touch {self.marker}",))


def _cifar_folder(tmp_path, marker, poisoned):
    folder = tmp_path / "cifar-10-batches-py"
    folder.mkdir()
    rng = np.random.default_rng(0)
    for name in [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]:
        batch = {b"data": rng.integers(0, 256, (4, 3072), dtype=np.uint8), b"labels": [0, 1, 2, 3]}
        if name == poisoned:
            batch[b"batch_label"] = _Payload(marker)
        (folder / name).write_bytes(pickle.dumps(batch, protocol=2))
    return folder


def _exit_code(main, argv, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("poisoned", ["data_batch_1", "test_batch"])
def test_crafted_cifar_batch_does_not_run_in_simulate(tmp_path, capsys, poisoned):
    marker = tmp_path / "pwned"
    folder = _cifar_folder(tmp_path, marker, poisoned)
    code, err = _exit_code(cimsim_main, ["simulate", "vgg9", "--dataset", "cifar10", "--data-dir", str(tmp_path),
                                         "--timesteps", "1", "--out", str(tmp_path / "o")], capsys)
    assert not marker.exists()
    assert code == 2 and str(folder / poisoned) in err and "posix.system" in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("poisoned", ["data_batch_1", "test_batch"])
def test_crafted_cifar_batch_does_not_run_in_train(tmp_path, capsys, poisoned):
    marker = tmp_path / "pwned"
    folder = _cifar_folder(tmp_path, marker, poisoned)
    code, err = _exit_code(neuronas_main, ["train", "0303 0030 2002 0200", "--dataset", "cifar10", "--data-dir",
                                           str(tmp_path), "--epochs", "1", "--channels", "2", "--timesteps", "1"], capsys)
    assert not marker.exists()
    assert code == 2 and str(folder / poisoned) in err and len(err.splitlines()) == 1


@pytest.mark.parametrize("protocol", [2, 4, 5])
def test_plain_data_pickles_still_load(tmp_path, protocol):
    data = {b"data": np.arange(6, dtype=np.uint8).reshape(2, 3), b"labels": [1, 2], b"batch_label": b"x", b"s": "t"}
    (tmp_path / "b").write_bytes(pickle.dumps(data, protocol=protocol))
    out = load_data_pickle(tmp_path / "b")
    assert np.array_equal(out[b"data"], data[b"data"]) and out[b"labels"] == [1, 2] and out[b"batch_label"] == b"x"


@pytest.mark.parametrize("payload", [b"", b"\x80\x04garbage", pickle.dumps(__import__("collections").OrderedDict(a=1)),
                                     pickle.dumps(np.float64(1.0))])
def test_other_pickles_are_refused_naming_the_file(tmp_path, payload):
    (tmp_path / "b").write_bytes(payload)
    with pytest.raises(UserError, match=str(tmp_path / "b")):
        load_data_pickle(tmp_path / "b")


@pytest.mark.parametrize("content", [b"", b"garbage", pickle.dumps(_Payload("/nonexistent/x"))])
def test_corrupt_checkpoint_on_resume_is_a_user_error(tmp_path, content):
    from neuronas.search.finalize import load_trained

    path = tmp_path / "trained" / "g" / "model.pt"
    path.parent.mkdir(parents=True)
    path.write_bytes(content)
    ev = SimpleNamespace(build=lambda genotype: torch.nn.Sequential(torch.nn.Linear(2, 2)))
    with pytest.raises(UserError, match="model.pt: not a readable checkpoint"):
        load_trained(SimpleNamespace(weight_bits=8), ev, "g", path)


@pytest.mark.parametrize("text, hz", [("1e9", 1e9), ("1e9 Hz", 1e9), ("1.5e3MHz", 1.5e9), ("2E+8", 2e8), (5e8, 5e8)])
def test_scientific_notation_with_or_without_a_unit(text, hz):
    assert load_config("spikesim_rram_65nm", {"clock_hz": text}).clock_hz == pytest.approx(hz)


def test_set_takes_scientific_notation(tmp_path, capsys):
    from cimsim.options import parse_overrides

    assert load_config("spikesim_rram_65nm", parse_overrides(["clock_hz=1e9"])).clock_hz == 1e9


def test_include_a_preset_by_name(tmp_path):
    (tmp_path / "mine.yaml").write_text("include: spikesim_rram_65nm\nname: mine\nclock_hz: 500 MHz\n")
    chip = load_config(str(tmp_path / "mine.yaml"))
    base = load_config("spikesim_rram_65nm")
    assert chip.clock_hz == 5e8 and chip.tiles == base.tiles and chip.name == "mine"


@pytest.mark.parametrize("override, field", [({"clock_hz": "2 THz"}, "clock_hz"), ({"tiles": 10**6}, "tiles"),
                                             ({"technology_nm": "0.1"}, "technology_nm"),
                                             ({"clock_hz": float("inf")}, "clock_hz")])
def test_chip_bounds_name_the_field(override, field):
    with pytest.raises(UserError, match=f"field {field}"):
        load_config("spikesim_rram_65nm", override)


def test_report_json_is_strict(tmp_path):
    from cimsim.report import Report

    report = Report.__new__(Report)
    report.to_dict = lambda: {"totals": {"energy_j": float("inf")}}
    report.layers = []
    with pytest.raises(ValueError, match="totals.energy_j"):
        report.write(tmp_path)
    assert not (tmp_path / "report.json").exists()


def test_long_value_is_echoed_on_one_short_line(tmp_path):
    (tmp_path / "c.yaml").write_text("include: spikesim_rram_65nm\ndescription: ok\nclock_hz: '" + "9" * 5000 + "'\n")
    with pytest.raises(UserError) as exc:
        load_config(str(tmp_path / "c.yaml"))
    assert "\n" not in str(exc.value) and len(str(exc.value)) < 600
    json.dumps(str(exc.value))
