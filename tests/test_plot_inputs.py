"""Reading reports, candidates, constraints and sweeps for the figures: validation and one clear error each."""
from __future__ import annotations

import json
import math

import pytest

from cimsim.errors import UserError
from cimsim.plot import load_best, load_candidates, load_report, load_sweep, parse_constraints, report_labels
from cimsim.plot.inputs import file_labels
from cimsim.candidates import write_candidates_csv
from helpers.synthetic import synthetic_candidates, synthetic_report


def _write(tmp_path, obj, name="report.json"):
    path = tmp_path / name
    path.write_text(obj if isinstance(obj, str) else json.dumps(obj))
    return path


def test_load_report_round_trip(tmp_path):
    report = synthetic_report(0, samples=3)
    loaded = load_report(_write(tmp_path, report))
    assert loaded["totals"] == report["totals"] and loaded["meta"]["samples"] == 3
    del report["meta"]["samples"]
    assert load_report(_write(tmp_path, report))["meta"]["samples"] == 1


@pytest.mark.parametrize("mutate, message", [
    (lambda r: "not json {", "not JSON"),
    (lambda r: [1, 2], "top level is a list"),
    (lambda r: {k: v for k, v in r.items() if k != "breakdown"}, "missing key breakdown"),
    (lambda r: {"meta": {}}, "missing keys totals, breakdown, layers"),
    (lambda r: r["breakdown"]["energy_j"].update(crossbar=r["breakdown"]["energy_j"]["crossbar"] * 3) or r,
     "breakdown.energy_j sums to"),
    (lambda r: r["totals"].update(area_m2="big") or r, "totals.area_m2 must be a number"),
    (lambda r: r["breakdown"]["latency_s"].update(adc=-1.0) or r, "breakdown.latency_s.adc must be finite and >= 0"),
    (lambda r: r["meta"].update(samples=0) or r, "meta.samples must be a positive integer"),
    (lambda r: r.update(layers={"a": 1}) or r, "'layers' must be a list"),
    (lambda r: r["breakdown"].update(area_m2={}) or r, "breakdown.area_m2 must be a non-empty object"),
])
def test_load_report_errors_name_the_file(tmp_path, mutate, message):
    path = _write(tmp_path, mutate(synthetic_report(1)), "bad.json")
    with pytest.raises(UserError) as info:
        load_report(path)
    assert str(path) in str(info.value) and message in str(info.value)


def test_load_report_missing_file(tmp_path):
    with pytest.raises(UserError, match="no such report file"):
        load_report(tmp_path / "nope.json")


def test_parse_constraints_units():
    limits = parse_constraints("memory=4e6, area=100mm2,latency=400ms,energy=120uJ")
    assert limits["memory_params"] == 4e6 and "memory" not in limits  # a bare number counts parameters
    assert math.isclose(limits["area"], 100e-6) and math.isclose(limits["latency"], 0.4)
    assert math.isclose(limits["energy"], 120e-6)
    assert math.isclose(parse_constraints("energy=2mJ,memory=3MB")["energy"], 2e-3)
    assert parse_constraints("memory=3MB")["memory"] == 3e6
    for bad, message in (("power=3W", "NAME one of"), ("energy=3 furlongs", "unknown energy unit"), ("energy", "NAME=VALUE"),
                         ("energy=abc", "cannot read the value")):
        with pytest.raises(UserError, match=message):
            parse_constraints(bad)


def test_candidates_csv_round_trip(tmp_path):
    rows = synthetic_candidates(2, n=25, constraints={"energy": 60e-6, "latency": 0.2})
    path = tmp_path / "candidates.csv"
    write_candidates_csv(rows, path)
    loaded = load_candidates(path)
    assert [r["genotype"] for r in loaded] == [r["genotype"] for r in rows]
    for a, b in zip(loaded, rows):
        assert a["feasible"] == b["feasible"] and a["failed"] == b["failed"]
        assert a["energy_j"] == b["energy_j"]
        assert (math.isnan(a["score"]) and math.isnan(b["score"])) or a["score"] == b["score"]
    assert load_best(path) is None
    (tmp_path / "best.json").write_text(json.dumps({"genotype": rows[3]["genotype"], "score": 1.0}))
    assert load_best(path) == rows[3]["genotype"]
    (tmp_path / "best.json").write_text("[]")
    with pytest.raises(UserError, match="best.json"):
        load_best(path)


def test_candidates_csv_errors(tmp_path):
    bad = tmp_path / "c.csv"
    bad.write_text("a,b\n1,2\n")
    with pytest.raises(UserError, match="not a candidates CSV"):
        load_candidates(bad)
    bad.write_text("genotype,feasible,energy_j\ng0,maybe,1e-6\n")
    with pytest.raises(UserError, match="c.csv:2: feasible"):
        load_candidates(bad)
    bad.write_text("genotype,feasible,energy_j\ng0,true,lots\n")
    with pytest.raises(UserError, match="energy_j: not a number"):
        load_candidates(bad)
    bad.write_text("genotype,feasible\n")
    with pytest.raises(UserError, match="no candidates"):
        load_candidates(bad)


def test_sweep_csv(tmp_path):
    path = tmp_path / "sweep.csv"
    path.write_text("crossbar.rows,adc.bits,preset,energy_j\n64,4,a,1e-6\n128,4,a,2e-6\n")
    rows = load_sweep(path)
    assert rows[1] == {"crossbar.rows": 128.0, "adc.bits": 4.0, "preset": "a", "energy_j": 2e-6}


def test_labels_tell_reports_apart():
    a, b = synthetic_report(0, hw="x"), synthetic_report(1, hw="y")
    assert report_labels([a, b]) == ["x", "y"]
    a, b = synthetic_report(0, model="m1"), synthetic_report(1, model="m2")
    assert report_labels([a, b]) == ["m1", "m2"]
    a, b = synthetic_report(0), synthetic_report(1)
    a["meta"]["source"], b["meta"]["source"] = "runs/adc5/report.json", "runs/adc6/report.json"
    assert report_labels([a, b]) == ["adc5", "adc6"]
    assert file_labels(["a/r.json", "b/s.json"]) == ["r", "s"]
    assert file_labels(["a/r.json", "b/r.json", "b/s.json"]) == ["a_r", "b_r", "b_s"]
