"""`cimsim robustness` writes a sweep over chip instances, `cimsim plot --kind robustness` draws it, and
`cimsim simulate --chips N` adds an accuracy section that says which run each figure came from."""
import json

import pytest

from cimsim.cli import main
from cimsim.errors import UserError
from cimsim.plot import load_robustness, robustness


def test_sweep_json_and_figure(tmp_path):
    main(["robustness", "tiny", "-T", "2", "--samples", "6", "--chips", "2", "--out", str(tmp_path),
          "--vary", "crossbar.nonideal.d2d_sigma=0,0.3", "--vary", "adc.bits=3,6"])
    data = json.loads((tmp_path / "robustness.json").read_text())
    assert [s["field"] for s in data["sweeps"]] == ["crossbar.nonideal.d2d_sigma", "adc.bits"]
    pts = data["sweeps"][0]["points"]
    assert [p["value"] for p in pts] == [0, 0.3] and all(len(p["per_chip"]) == 2 for p in pts)
    assert pts[0]["std"] == 0.0  # no device spread: every instance is the same chip
    main(["plot", "--kind", "robustness", "--robustness", str(tmp_path / "robustness.json"), "--out",
          str(tmp_path / "fig"), "--format", "png"])
    assert (tmp_path / "fig" / "robustness.png").stat().st_size > 0


def test_a_bad_value_anywhere_in_the_sweep_fails_before_any_run(tmp_path, capsys):
    with pytest.raises(SystemExit) as exc:
        main(["robustness", "tiny", "-T", "2", "--samples", "4", "--out", str(tmp_path),
              "--vary", "adc.bits=4", "--vary", "crossbar.nonideal.stuck_at_1=0,2"])
    assert exc.value.code == 2
    out = capsys.readouterr()
    assert "stuck_at_1" in out.err and "on-chip accuracy" not in out.out  # nothing computed, then thrown away

def test_figure_from_a_hand_written_sweep(tmp_path):
    path = tmp_path / "r.json"
    path.write_text(json.dumps({"figure": "robustness", "chips": 3, "sweeps": [
        {"field": "crossbar.nonideal.stuck_at_1", "points": [
            {"value": 0, "accuracy": 0.9, "std": 0.0, "ideal_accuracy": 0.92},
            {"value": 0.05, "accuracy": 0.7, "std": 0.04, "ideal_accuracy": 0.92}]}]}))
    assert robustness(load_robustness(path)).axes
    path.write_text(json.dumps({"figure": "robustness", "sweeps": [{"field": "x", "points": [{"value": 1}]}]}))
    with pytest.raises(UserError, match="accuracy"):
        load_robustness(path)


def test_simulate_chips_adds_the_accuracy_section(tmp_path):
    main(["simulate", "tiny", "-T", "2", "--samples", "1", "--chips", "2", "--accuracy-samples", "5", "--out",
          str(tmp_path), "--set", "crossbar.nonideal.enabled=true", "--set", "crossbar.nonideal.c2c_sigma=0.1"])
    rep = json.loads((tmp_path / "report.json").read_text())
    acc = rep["accuracy"]
    assert acc["chips"] == 2 and acc["samples"] == 5 and acc["nonideal"]
    assert "cycle-level run on 1 sample" in acc["costs_from"] and "functional run on 5" in acc["accuracy_from"]
