"""Co-design sweeps: grid x architectures, joint Pareto front, best pair, the YAML's user errors."""
import csv
import json

import pytest

from cimsim.errors import UserError
from cimsim.options import parse_overrides
from neuronas.search.codesign import hardware_points, load_sweep, run_codesign

SWEEP = """
dataset: digits
hw: spikesim_rram_65nm
constraints: "memory=2e5,energy=50uJ"
channels: 4
hidden: 16
hw_samples: 1
score_batch: 8
threads: 1
hardware:
  adc.bits: [4, 6]
  crossbar.bits_per_cell: [4]
architectures:
  genotypes: ["conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"]
  sample: 1
"""


def test_sweep_grid_pareto_and_best(tmp_path):
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP)
    result = run_codesign(path, out=tmp_path / "out", progress=False)
    with (tmp_path / "out" / "sweep.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 2 * 2 and result["n_pairs"] == 4
    assert {(r["adc.bits"], r["crossbar.bits_per_cell"]) for r in rows} == {("4", "4"), ("6", "4")}
    assert len({r["config_hash"] for r in rows}) == 2
    # more ADC bits cost more energy for the same network
    by = {(r["genotype"], r["adc.bits"], r["crossbar.bits_per_cell"]): float(r["energy_j"]) for r in rows}
    for g in {r["genotype"] for r in rows}:
        assert by[(g, "6", "4")] > by[(g, "4", "4")]
    best = result["best"]
    feasible = [r for r in rows if r["feasible"] == "true"]
    top = max(float(r["score"]) for r in feasible)
    assert float(best["score"]) == top
    assert float(best["energy_j"]) == min(float(r["energy_j"]) for r in feasible if float(r["score"]) == top)
    front = [r for r in rows if r["pareto"] == "true"]
    assert front and all(r["feasible"] == "true" for r in front)
    assert any(r["genotype"] == best["genotype"] and r["energy_j"] == str(best["energy_j"]) for r in front)
    assert json.loads((tmp_path / "out" / "codesign.json").read_text())["n_feasible"] == len(feasible)


def test_grid_and_overrides():
    assert hardware_points({"a.b": [1, 2], "c": [3]}) == [{"a.b": 1, "c": 3}, {"a.b": 2, "c": 3}]
    assert hardware_points({}) == [{}]
    assert parse_overrides(["adc.bits=6", "clock_hz=500 MHz"]) == {"adc.bits": 6, "clock_hz": "500 MHz"}
    with pytest.raises(UserError, match="FIELD=VALUE"):
        parse_overrides(["adc.bits"])


@pytest.mark.parametrize("text, fragment", [
    ("hardware: {adc.bits: 4}\narchitectures: {sample: 1}", "non-empty list"),
    ("hardware: {adc.bits: [4]}\narchitectures: {}", "'architectures' needs"),
    ("hardwares: {}\narchitectures: {sample: 1}", "unknown key 'hardwares'"),
    ("- 1\n- 2", "expected a mapping"),
    ("hardware: {adc.bits: [4]}\narchitectures: {sample: 1}\nselect: accuracy", "select='accuracy'"),
])
def test_bad_sweeps(tmp_path, text, fragment):
    path = tmp_path / "bad.yaml"
    path.write_text(text)
    with pytest.raises(UserError) as exc:
        load_sweep(path)
    assert fragment in str(exc.value)


def test_onchip_accuracy_per_hardware_point(tmp_path):
    """With an accuracy section the best-scored architecture is trained (hardware-aware) and scored on the chip
    at every hardware point; select=onchip_accuracy picks the pair most accurate on its chip."""
    path = tmp_path / "sweep.yaml"
    path.write_text(SWEEP.replace("adc.bits: [4, 6]", "adc.bits: [2, 6]")
                    + "accuracy: {train: 1, epochs: 1, samples: 24}\nselect: onchip_accuracy\n")
    result = run_codesign(path, out=tmp_path / "out", progress=False)
    with (tmp_path / "out" / "sweep.csv").open() as fh:
        rows = list(csv.DictReader(fh))
    measured = [r for r in rows if r["onchip_accuracy"]]
    assert len(measured) == 2 and len({r["genotype"] for r in measured}) == 1
    assert {r["adc.bits"] for r in measured} == {"2", "6"}
    assert all(0 <= float(r["onchip_accuracy"]) <= 1 and r["ideal_accuracy"] for r in measured)
    assert float(result["best"]["onchip_accuracy"]) == max(float(r["onchip_accuracy"]) for r in measured)
    assert len(result["onchip"]) == 2
    path.write_text(SWEEP + "select: onchip_accuracy\n")
    with pytest.raises(UserError, match="accuracy"):
        load_sweep(path)
