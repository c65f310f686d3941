"""cimsim.simulate end to end: report consistency, determinism, files, CLI and user errors."""
import json
import subprocess
import sys

import numpy as np
import pytest
from conftest import make_chip, random_graph, random_inputs

import cimsim
from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph


def _report(**kw):
    rng = np.random.default_rng(kw.pop("seed_graph", 0))
    g = random_graph(rng, recurrent=True)
    x = random_inputs(g, rng, T=3, N=2)
    return g, x, cimsim.simulate(g, hw=kw.pop("hw", make_chip()), inputs=x, **kw)


def test_breakdowns_sum_to_totals_and_layers():
    g, x, r = _report()
    t = r.totals
    assert sum(r.breakdown["energy_j"].values()) == pytest.approx(t["energy_j"], rel=1e-12)
    assert sum(r.breakdown["area_m2"].values()) == pytest.approx(t["area_m2"], rel=1e-12)
    assert sum(r.breakdown["latency_s"].values()) == pytest.approx(t["latency_s"], rel=1e-12)
    assert sum(L["energy_j"] for L in r.layers) == pytest.approx(t["energy_j"], rel=1e-9)
    assert t["energy_per_inference_j"] == pytest.approx(t["energy_j"] / 2)
    assert t["cycles"] * make_chip().cycle_s == pytest.approx(t["latency_s"])
    assert r.activity["sops"] == sum(L["sops"] for L in r.layers) > 0
    assert set(r.breakdown["latency_s"]) == {"crossbar", "adc", "digital", "lif", "noc"}


def test_ideal_adc_predictions_equal_oracle_and_fidelity_reported():
    g, x, r = _report(ideal_adc=True)
    want = evaluate(g, x)
    assert np.array_equal(r.predictions, want.predictions) and np.array_equal(r.outputs, want.outputs)
    assert not r.fidelity
    g, x, r = _report(hw=make_chip(**{"adc.bits": 1, "crossbar.parallel_rows": 64}))
    assert r.fidelity["spikes_changed"] > 0 and 0 < r.fidelity["spike_change_rate"] <= 1


def test_same_seed_same_report(tmp_path):
    a = _report()[2].to_dict()
    b = _report()[2].to_dict()
    a["meta"].pop("wall_time_s"), b["meta"].pop("wall_time_s")
    assert a == b
    path = _report()[2].write(tmp_path)
    doc = json.loads(path.read_text())
    assert {"meta", "totals", "breakdown", "layers", "activity"} <= set(doc)
    assert (tmp_path / "report.csv").read_text().count("\n") == len(doc["layers"]) + 1


def test_more_spikes_cost_more_energy():
    lo = cimsim.simulate("tiny", hw=make_chip(), spike_rate=0.05, timesteps=4)
    hi = cimsim.simulate("tiny", hw=make_chip(), spike_rate=0.5, timesteps=4)
    assert hi.totals["energy_j"] > lo.totals["energy_j"]
    assert hi.activity["rows_driven"] > lo.activity["rows_driven"]


def test_saved_graph_round_trip_simulates_identically(tmp_path):
    rng = np.random.default_rng(3)
    g = random_graph(rng, recurrent=True, int_input=True, signed=True)
    x = random_inputs(g, rng, T=2, N=1)
    path = g.save(tmp_path / "net.snn.json")
    a = cimsim.simulate(g, hw=make_chip(), inputs=x, ideal_adc=True)
    b = cimsim.simulate(str(path), hw=make_chip(), inputs=x, ideal_adc=True)
    assert np.array_equal(a.outputs, b.outputs) and a.totals == b.totals


def test_graph_errors_name_the_node():
    g = SnnGraph("bad")
    with pytest.raises(UserError, match="unknown kind 'conv3d'"):
        g.add_node("x", "conv3d", (1,))
    rng = np.random.default_rng(0)
    g = random_graph(rng)
    g.node("l1")["shape"] = (99, 1, 1)
    with pytest.raises(UserError, match=r"node 'l1' \(lif\) has shape \(99, 1, 1\)"):
        g.validate()
    g = random_graph(rng)
    x = random_inputs(g, rng)
    with pytest.raises(UserError, match="inputs have shape"):
        cimsim.simulate(g, hw=make_chip(), inputs=x[:, :, :1])


def _cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "neuronas.cimsim_cli", *args], capture_output=True, text=True, cwd=cwd)


def test_cli_simulate_writes_report(tmp_path):
    r = _cli("simulate", "tiny", "--out", str(tmp_path / "o"), "--timesteps", "2", "--set", "adc.bits=5")
    assert r.returncode == 0, r.stderr
    doc = json.loads((tmp_path / "o" / "report.json").read_text())
    assert doc["meta"]["model"] == "tiny" and doc["meta"]["timesteps"] == 2
    assert "energy" in r.stdout


def test_cli_dataset_run_calibrates_the_adc_on_training_images(tmp_path):
    r = _cli("simulate", "genotype", "--genotype", "0303 0030 2002 0200", "--dataset", "digits", "--channels", "4",
             "--samples", "2", "--timesteps", "2", "--out", str(tmp_path / "g"))
    assert r.returncode == 0, r.stderr
    cal = json.loads((tmp_path / "g" / "report.json").read_text())["meta"]["adc_calibration"]
    assert "separate calibration inputs" in cal["data"] and cal["samples"] == 8  # 8 training images, 2 scored


@pytest.mark.parametrize("args,msg", [
    (["simulate", "nonet"], "unknown model 'nonet'"),
    (["simulate", "tiny", "--hw", "nochip"], "nochip"),
    (["simulate", "tiny", "--set", "adc.bits=40"], "adc.bits"),
    (["simulate", "tiny", "--set", "adcbits"], "FIELD=VALUE"),
    (["simulate", "tiny", "--dataset", "digits", "--samples", "1"], "dataset images have shape"),
])
def test_cli_user_errors_exit_2_without_traceback(args, msg):
    r = _cli(*args)
    assert r.returncode == 2, (r.stdout, r.stderr)
    assert msg in r.stderr and "Traceback" not in r.stderr


def test_network_too_big_exit_2(tmp_path):
    r = _cli("simulate", "vgg8", "--hw", "spikesim_rram_65nm", "--set", "tiles=16")
    assert r.returncode == 2 and "does not fit" in r.stderr and "Traceback" not in r.stderr


@pytest.mark.parametrize("args", [["simulate", "--timesteps", "abc"], ["check"], ["nosuchcommand"]])
def test_cli_usage_errors_exit_2(args):
    r = _cli(*args)
    assert r.returncode == 2 and "Traceback" not in r.stderr, r.stderr
