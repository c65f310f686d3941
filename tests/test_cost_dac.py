"""The input DAC, added as one component module: config section, priced table, breakdowns, describe, plot look,
and the multi-level reads it makes (counts, latency and ADC range against the same chip without it)."""
import math

import numpy as np
import pytest

import cimsim
from cimsim.components.dac import DacKind
from cimsim.components.registry import input_bits_per_read
from cimsim.components.describe import describe_chip
from cimsim.config.loader import load_config
from cimsim.cost import AREA_COMPONENTS, ENERGY_COMPONENTS, LayerActivity, RunActivity, area_breakdown
from cimsim.cost.energy import energy_breakdown
from cimsim.cost.price import price_table
from cimsim.graph import SnnGraph
from cimsim.mapping import map_graph
from cimsim.plot.style import COMPONENT_LOOKS


@pytest.fixture(scope="module")
def chip():
    return load_config("isaac_dac_rram_32nm")


def test_section_keys_and_look_come_from_the_module(chip):
    assert chip.dac.bits == 2 and load_config("isaac_rram_32nm").dac is None
    assert "dac" in ENERGY_COMPONENTS and "dac" in AREA_COMPONENTS and "dac" in COMPONENT_LOOKS
    assert "\n  dac " in describe_chip(chip)


def _dac_row(chip):
    return next(r for r in price_table(chip).rows if r.component == "dac")


def test_priced_scaled_from_the_published_one_bit_dac(chip):
    row, one = _dac_row(chip), chip.dac.costs
    assert row.basis == "scaled" and row.charged_per == "dac_conversions" and row.level == "crossbar"
    assert row.instances == chip.crossbar.rows
    # unit elements 2**bits - 1: 3 at 2 bits, 7 at 3, the published figure at its own 1 bit
    assert row.energy_j == pytest.approx(3 * one.energy.value) and row.area_m2 == pytest.approx(3 * one.area.value)
    assert _dac_row(chip.with_changes({"dac.bits": 3})).energy_j == pytest.approx(7 * one.energy.value)
    published = _dac_row(chip.with_changes({"dac.bits": 1}))
    assert published.basis == "published" and published.energy_j == one.energy.value
    assert _dac_row(chip.with_changes({"technology_nm": 65})).area_m2 > row.area_m2  # the node moves it too


def test_area_and_energy(chip):
    base = load_config("isaac_rram_32nm")
    run = RunActivity(layers=[LayerActivity("l0", crossbars=1, dac_conversions=1000)], cycles=0, tiles_used=2)
    per_tile = chip.tile.pes * chip.pe.crossbars * chip.crossbar.rows * 3 * chip.dac.costs.area.value
    assert area_breakdown(chip, run)["dac"] == pytest.approx(2 * per_tile)
    assert area_breakdown(base, run)["dac"] == 0.0
    e, _ = energy_breakdown(chip, run)
    assert e["dac"] == pytest.approx(1000 * 3 * chip.dac.costs.energy.value)


class _Ctx:
    def __init__(self, kind):
        self.counts = {"rows_driven": 640}
        self.layer = type("L", (), {"in_type": type("T", (), {"kind": kind})()})()


def test_conversions_only_for_multi_bit_inputs():
    rule = DacKind.counts["dac_conversions"]
    assert rule(_Ctx("int")) == 640 and rule(_Ctx("spike")) == 0


# ------------------------------------------------------- the DAC drives its bits per read: counts and cost direction
def _first_layer_net(seed=0):
    """8-bit pixels (64) -> linear 32 -> LIF -> linear 4: the first layer reads multi-bit inputs, the second spikes."""
    rng = np.random.default_rng(seed)
    g = SnnGraph("first_layer")
    g.add_node("in", "input", (64,), bits=8, signed=False, scale=1 / 255)
    g.add_node("fc1", "linear", (32,), weight=rng.integers(-127, 128, (32, 64)).astype(np.int8), weight_bits=8,
               scale=0.0005, bias=None)
    g.add_node("l1", "lif", (32,), tau=2.0, v_threshold=0.5, v_reset=0.0)
    g.add_node("fc2", "linear", (4,), weight=rng.integers(-127, 128, (4, 32)).astype(np.int8), weight_bits=8,
               scale=0.01, bias=None)
    g.add_node("out", "output", (4,), vote=1)
    for a, b in [("in", "fc1"), ("fc1", "l1"), ("l1", "fc2"), ("fc2", "out")]:
        g.add_edge(a, b)
    return g


def test_the_dac_sets_the_bits_per_read(chip):
    assert input_bits_per_read(chip) == 2 and input_bits_per_read(load_config("isaac_rram_32nm")) == 1
    layers = map_graph(_first_layer_net(), chip, chip.run).layers
    assert layers["fc1"].in_bits_per_read == 2 and layers["fc1"].in_planes == 4
    assert layers["fc2"].in_bits_per_read == 1 and layers["fc2"].in_planes == 1


def test_first_layer_reads_halve_latency_falls_dac_priced(chip):
    """T = 2 timesteps of 64 pixels at 255 (every bit and digit nonzero), ideal ADC (same spikes in both runs).
    ISAAC reads all 128 rows at once: bit-serial, 8 reads per timestep; with the 2-bit DAC, 4. The layer's 32
    outputs x 4 cell columns (offset weights, 2-bit cells) = 128 conversions per read."""
    x = np.full((2, 1, 64), 255)
    base, dac = (cimsim.simulate(_first_layer_net(), hw=hw, inputs=x, fidelity=False, ideal_adc=True)
                 for hw in ("isaac_rram_32nm", chip))
    (b1, b2), (d1, d2) = base.layers, dac.layers
    assert (b1["xbar_reads"], d1["xbar_reads"]) == (2 * 8, 2 * 4)
    assert (b1["rows_driven"], d1["rows_driven"]) == (2 * 8 * 64, 2 * 4 * 64)
    assert (b1["adc_conversions"], d1["adc_conversions"]) == (16 * 128, 8 * 128)
    assert d1["cycles"] < b1["cycles"] and dac.totals["latency_s"] < base.totals["latency_s"]
    assert {k: d2[k] for k in ("xbar_reads", "rows_driven", "adc_conversions", "spikes_in")} == \
        {k: b2[k] for k in ("xbar_reads", "rows_driven", "adc_conversions", "spikes_in")}
    one = chip.dac.costs.energy.value  # per conversion at 1 bit; a 2-bit DAC x 3; one per row drive of fc1
    assert d1["energy_by_component_j"]["dac"] == pytest.approx(2 * 4 * 64 * 3 * one)
    assert d2["energy_by_component_j"]["dac"] == 0.0 and base.breakdown["energy_j"]["dac"] == 0.0
    assert dac.breakdown["area_m2"]["dac"] > 0.0 == base.breakdown["area_m2"]["dac"]
    assert dac.totals["energy_j"] < base.totals["energy_j"]


def test_the_calibrated_adc_sees_sums_three_times_larger(chip):
    """Random pixels: a 2-bit digit drives a row at up to level 3, so the first layer's column sums (and the ADC
    bits to cover them) grow, and the calibrated LSB follows; the spike layer's are unchanged."""
    x = np.random.default_rng(0).integers(0, 256, (2, 4, 64))
    base, dac = (cimsim.simulate(_first_layer_net(), hw=hw, inputs=x, overrides={"adc.range": "calibrated"})
                 .meta["adc_calibration"]["layers"] for hw in ("isaac_rram_32nm", chip))
    assert all(2 * b < d <= 3 * b for b, d in zip(base["fc1"]["quantile_value"], dac["fc1"]["quantile_value"]))
    bits = {k: math.ceil(math.log2(max(v["fc1"]["quantile_value"]) + 1)) for k, v in (("base", base), ("dac", dac))}
    assert bits["dac"] > bits["base"]
    assert max(dac["fc1"]["lsb"]) > max(base["fc1"]["lsb"]) == 1.0
    assert dac["fc2"] == base["fc2"]
