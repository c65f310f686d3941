"""The stages of a run, each callable on its own, and the run options apart from the hardware."""
import dataclasses
import subprocess
import sys

import numpy as np
import pytest
from conftest import make_chip, random_graph, random_inputs

import cimsim
from cimsim.api import run_mapping
from cimsim.cost import collect_activity
from cimsim.assemble import build_report
from cimsim.cost import price
from cimsim.config.loader import load_config
from cimsim.engine.adc_calibration import adc_for_run
from cimsim.engine.execute import execute
from cimsim.engine.schedule import schedule
from cimsim.errors import UserError
from cimsim.mapping import map_graph
from cimsim.options import RunOptions, parse_overrides, split_overrides


def _case(seed=0, **chip_changes):
    rng = np.random.default_rng(seed)
    g = random_graph(rng)
    return g, random_inputs(g, rng, T=3, N=2), make_chip(**chip_changes)


def test_stages_one_by_one_give_the_report_of_simulate():
    g, x, chip = _case(**{"adc.range": "calibrated"})
    mapping = map_graph(g, chip)
    adc = adc_for_run(mapping, x)
    ex = execute(mapping, x, adc)
    run = collect_activity(mapping, ex, schedule(mapping, ex))
    report = build_report(mapping, ex, run, price(mapping.chip, run), seed=0)
    whole = cimsim.simulate(g, chip, inputs=x, fidelity=False)
    assert report.totals == whole.totals and report.breakdown == whole.breakdown
    assert report.meta["adc_calibration"] == whole.meta["adc_calibration"]


def test_simulate_takes_a_ready_mapping():
    g, x, chip = _case(1)
    mapping = map_graph(g, chip)
    a = cimsim.simulate(g, chip, inputs=x, accounting="dense")
    b = cimsim.simulate(mapping, inputs=x, accounting="dense")
    assert a.totals == b.totals and a.layers == b.layers and a.meta["accounting"] == "dense"
    with pytest.raises(UserError, match="carries its chip"):
        cimsim.simulate(mapping, chip, inputs=x)
    with pytest.raises(UserError, match="map it again"):
        cimsim.simulate(mapping, inputs=x, overrides={"mapping.share_tiles": True})


def test_run_options_are_not_hardware():
    g, x, chip = _case(2)
    dense = chip.with_changes({"accounting": "dense"})
    assert dense.accounting == "dense" and dense.config_hash() == chip.config_hash()
    assert chip.with_changes({"adc.bits": 5}).config_hash() != chip.config_hash()
    a = cimsim.simulate(g, chip, inputs=x)
    b = cimsim.simulate(g, chip, inputs=x, options=RunOptions(accounting="dense"))
    assert a.meta["config_hash"] == b.meta["config_hash"]
    assert a.meta["run_options_hash"] != b.meta["run_options_hash"]
    assert a.meta["run_options_hash"] == chip.run.options_hash()


def test_preset_default_run_options_and_overrides():
    neurosim = load_config("neurosim_rram_22nm")
    assert neurosim.run.accounting == "all_groups" and neurosim.run.mapping.duplicate_to_balance
    assert load_config("neurosim_rram_22nm", overrides={"accounting": "event"}).config_hash() == neurosim.config_hash()
    opts = RunOptions().with_changes({"mapping.share_tiles": True, "accounting": "dense"})
    assert opts.mapping.share_tiles and opts.accounting == "dense"
    with pytest.raises(UserError, match="accounting"):
        RunOptions().with_changes({"accounting": "sparse"})
    with pytest.raises(UserError, match="nope"):
        RunOptions().with_changes({"mapping.nope": 1})
    hw, run = split_overrides(parse_overrides(["adc.bits=6", "accounting=dense", "mapping.pack_copies=true"]))
    assert hw == {"adc.bits": 6} and run == {"accounting": "dense", "mapping.pack_copies": True}


def test_layer_mapping_is_immutable():
    g, _, chip = _case(3)
    lm = next(iter(map_graph(g, chip).layers.values()))
    with pytest.raises(dataclasses.FrozenInstanceError):
        lm.tiles = 99


def test_genotype_needs_the_neuronas_entry_point():
    r = subprocess.run([sys.executable, "-m", "cimsim.cli", "simulate", "genotype", "--genotype", "0303 0030 2002 0200"],
                       capture_output=True, text=True)
    assert r.returncode == 2 and "neuronas" in r.stderr and "Traceback" not in r.stderr


def test_run_mapping_reports_fidelity_only_with_a_finite_adc():
    g, x, chip = _case(4)
    assert run_mapping(map_graph(g, chip, RunOptions(ideal_adc=True)), x).fidelity == {}
