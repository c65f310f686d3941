"""Every stage output saved on its own and read back: the data stages round-trip, and a saved activity prices on
another chip exactly as the live one does."""
from __future__ import annotations

import json

import numpy as np
import pytest

import cimsim
from cimsim.config.loader import load_config
from cimsim.cost import price
from cimsim.engine.schedule import schedule
from cimsim.mapping import map_graph
from cimsim.networks import build_network, random_spike_inputs
from cimsim.stages import load_activity, load_execution, load_schedule, run_stages, save


@pytest.fixture(scope="module")
def saved(tmp_path_factory):
    graph = build_network("tiny", seed=1)  # as simulate builds it with its seed
    chip = load_config("spikesim_rram_65nm")
    mapping = map_graph(graph, chip)
    x = random_spike_inputs(graph, 3, 2, 0.2, seed=1)
    stages = run_stages(mapping, x, seed=1)
    out = tmp_path_factory.mktemp("stages")
    return stages, out, save(out, stages)


def test_run_stages_report_is_simulates(saved):
    stages, _, _ = saved
    ref = cimsim.simulate("tiny", hw="spikesim_rram_65nm", timesteps=3, samples=2, spike_rate=0.2, seed=1)
    assert stages.report.totals == pytest.approx(ref.totals)
    assert stages.report.breakdown["energy_j"] == pytest.approx(ref.breakdown["energy_j"])


def test_every_stage_has_its_file(saved):
    _, out, written = saved
    names = {p.name for p in written}
    assert {"mapping.json", "execution.npz", "schedule.npz", "activity.json", "prices.json", "report.json"} <= names
    mapping = json.loads((out / "mapping.json").read_text())
    assert mapping["order"] and mapping["crossbars_used"] > 0 and mapping["config_hash"]
    prices = json.loads((out / "prices.json").read_text())
    assert prices["priced_table"] and prices["energy_j"] == saved[0].prices.energy_j


def test_execution_round_trip(saved):
    stages, out, _ = saved
    ex, back = stages.execution, load_execution(out / "execution.npz")
    assert np.array_equal(ex.outputs, back.outputs) and np.array_equal(ex.predictions, back.predictions)
    assert set(ex.spikes) == set(back.spikes) and all(np.array_equal(ex.spikes[n], back.spikes[n]) for n in ex.spikes)
    assert set(ex.traffic_bits) == set(back.traffic_bits)
    for h, counts in ex.hosts.items():
        for name, value in vars(counts).items():
            assert np.array_equal(np.asarray(value), np.asarray(getattr(back.hosts[h], name))), (h, name)
    # the schedule of the loaded execution is the saved schedule
    again = schedule(stages.mapping, back)
    loaded = load_schedule(out / "schedule.npz")
    assert again.cycles == loaded.cycles == stages.schedule.cycles
    assert np.array_equal(again.job_finish, loaded.job_finish)
    assert loaded.noc == stages.schedule.noc and loaded.stage_cycles == stages.schedule.stage_cycles


def test_saved_activity_prices_on_another_chip(saved):
    stages, out, _ = saved
    run = load_activity(out / "activity.json")
    assert [layer.as_dict() for layer in run.layers] == [layer.as_dict() for layer in stages.activity.layers]
    other = stages.mapping.chip.with_changes({"adc.costs.energy": 4e-12})
    live, again = price(other, stages.activity), price(other, run)
    assert again.energy_j == live.energy_j and again.area_m2 == live.area_m2
    assert again.energy_j["adc"] > stages.prices.energy_j["adc"]  # the ADC costs more on that chip
