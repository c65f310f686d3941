"""The component registry and the priced table: what derives from the declarations, and one count record."""
import json
import math

import pytest

import cimsim
from cimsim.components import registry
from cimsim.components.describe import describe_chip
from cimsim.config.loader import load_config
from cimsim.config.schema import PERIPHERY_CATEGORIES
from cimsim.cost import (AREA_COMPONENTS, ENERGY_COMPONENTS, LayerActivity, RunActivity, area_breakdown,
                         count_names, energy_breakdown, price_table)
from cimsim.plot.style import COMPONENT_LABELS, COMPONENT_LOOKS

PRESETS = ("spikesim_rram_65nm", "neurosim_rram_22nm", "isaac_rram_32nm")


def _resolve(chip, path: str):
    node = chip
    for part in path.split("."):
        node = getattr(node, part)
    return node


def test_declarations_are_complete():
    counts = set(count_names())
    for k in registry.kinds():
        assert k.name and k.label and k.look.color.startswith("#"), k
        assert k.level in registry.LEVELS + ("neuron", None), k
        for a in k.actions:
            assert a.charged_per in counts, (k.name, a)
        assert set(k.counts) <= counts


def test_keys_labels_and_looks_derive_from_the_registry():
    assert ENERGY_COMPONENTS == registry.energy_keys() + ("leakage",)
    assert AREA_COMPONENTS == registry.area_keys() == PERIPHERY_CATEGORIES
    assert "link" in ENERGY_COMPONENTS and "link" not in AREA_COMPONENTS
    for key in ENERGY_COMPONENTS:
        assert key in COMPONENT_LOOKS and key in COMPONENT_LABELS
    assert list(COMPONENT_LOOKS)[: len(registry.energy_keys())] == list(registry.energy_keys())


@pytest.mark.parametrize("preset", PRESETS)
def test_every_declared_field_is_a_chip_field(preset):
    chip = load_config(preset)
    for k in registry.kinds():
        for path in k.fields:
            _resolve(chip, path)  # raises AttributeError when the schema lacks it


@pytest.mark.parametrize("preset", PRESETS)
def test_describe_lists_every_component_with_an_action(preset):
    chip = load_config(preset)
    text = describe_chip(chip)
    for k in registry.kinds():
        if k.actions and k.model(chip) is not None:
            assert f"\n  {k.name} " in text, k.name


def test_priced_table_rows():
    chip = load_config("spikesim_rram_65nm")
    table = price_table(chip)
    rows = {(r.component, r.action): r for r in table.rows}
    xbar = rows[("crossbar", "read")]
    assert xbar.charged_per == "rows_driven"
    assert xbar.energy_j == pytest.approx(chip.crossbar.costs.energy.value / chip.crossbar.rows, rel=1e-15)
    assert xbar.time_s == pytest.approx(chip.crossbar.read_cycles * chip.cycle_s)
    assert rows[("adc", "conversion")].basis == "published"
    assert rows[("pe_buffer", "access")].energy_j == pytest.approx(
        chip.pe.buffer.costs.energy.value / chip.pe.buffer.width_bits)
    # an ADC swept away from its published resolution is model-scaled
    scaled = price_table(chip.with_changes({"adc.bits": chip.adc.bits + 2}))
    adc = next(r for r in scaled.rows if r.component == "adc")
    assert adc.basis == "scaled" and adc.energy_j == pytest.approx(4 * rows[("adc", "conversion")].energy_j)
    assert json.loads(json.dumps(table.as_list()))  # JSON-ready


def test_breakdowns_are_the_priced_table_times_counts():
    chip = load_config("neurosim_rram_22nm")  # with periphery blocks charged per a count
    table = price_table(chip)
    L = LayerActivity("l0", crossbars=3, neurons=100)
    for i, name in enumerate(count_names()):
        setattr(L, name, 1000 + 7 * i)
    run = RunActivity(layers=[L], cycles=0, tiles_used=2)
    by_key, _ = energy_breakdown(table, run)
    expected = dict.fromkeys(ENERGY_COMPONENTS, 0.0)
    for r in table.as_list():
        if r["charged_per"] is not None:
            expected[r["key"]] += r["energy_j"] * getattr(L, r["charged_per"])
    for k in ENERGY_COMPONENTS:
        assert by_key[k] == pytest.approx(expected[k], rel=1e-12, abs=1e-30)
    assert area_breakdown(table, run) == area_breakdown(chip, run)


def test_layer_activity_is_one_generic_record():
    L = LayerActivity("x", xbar_reads=3)
    assert L.xbar_reads == 3 and L.sops == 0 and L.mux_selects == 0
    with pytest.raises(AttributeError):
        LayerActivity("x", xbar_read=3)
    with pytest.raises(AttributeError):
        L.not_a_count = 1
    L.add(LayerActivity("y", xbar_reads=2, sops=5))
    assert L.as_dict()["xbar_reads"] == 5 and L.as_dict()["sops"] == 5
    for name in ("xbar_reads", "rows_driven", "adc_conversions", "xbar_cycles", "lif_updates", "busy_cycles",
                 "array_cycles", "mux_selects", "shift_adds", "pe_buffer_bits", "htree_bits", "noc_flit_hops"):
        assert name in count_names()


def test_a_run_derives_its_counts_and_writes_the_priced_table(tmp_path):
    report = cimsim.simulate("tiny", "spikesim_rram_65nm", timesteps=2, samples=2, seed=0, fidelity=False)
    d = json.loads(report.write(tmp_path).read_text())
    rows = d["priced_table"]
    assert {r["component"] for r in rows} >= {"crossbar", "adc", "router", "link"}
    assert {r["basis"] for r in rows} <= {"published", "scaled"}
    act = d["activity"]
    assert act["adc_conversions"] > 0
    total = math.fsum(d["breakdown"]["energy_j"].values())
    assert total == pytest.approx(d["totals"]["energy_j"], rel=1e-12)


def test_collect_activity_sums_engine_counts_and_applies_the_declared_rules():
    from cimsim.api import resolve_model
    from cimsim.cost import collect_activity
    from cimsim.engine.adc_calibration import adc_for_run
    from cimsim.engine.execute import execute
    from cimsim.engine.schedule import schedule
    from cimsim.mapping import map_graph
    from cimsim.networks import random_spike_inputs

    chip = load_config("spikesim_rram_65nm")
    graph = resolve_model("tiny")
    mapping = map_graph(graph, chip)
    x = random_spike_inputs(graph, 2, 2, 0.2, 0)
    ex = execute(mapping, x, adc_for_run(mapping, x))
    run = collect_activity(mapping, ex, schedule(mapping, ex))
    for L in run.layers:
        host = ex.hosts[L.name]
        assert L.xbar_reads == int(host.xbar_reads.sum()) and L.lif_cycles == int(host.lif_cycles.sum())
        assert L.mux_selects == L.shift_adds == L.adc_conversions
        assert L.pe_buffer_bits == L.rows_driven + L.adc_conversions * chip.adc.bits
        assert L.array_cycles == L.xbar_cycles + L.adc_cycles
