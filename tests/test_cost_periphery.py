"""Extra ``periphery`` blocks of a preset: loading, area roll-up per level, energy per charged count, leakage."""
import math
import textwrap

import pytest

from cimsim.components import build
from cimsim.config.loader import load_config
from cimsim.cost import LayerActivity, RunActivity, area_breakdown, energy_breakdown
from cimsim.errors import UserError

BLOCKS = """
periphery:
  level_shifter:
    level: crossbar
    count: 3 * 64            # three per row of a 64-row crossbar
    category: other
    costs:
      energy: {value: 0 J, source: spikesim2023}
      area: {value: "10 um2", source: spikesim2023}
      leakage: {value: "1 nW", source: spikesim2023}
  switch_matrix:
    level: crossbar
    category: other
    charged_per: xbar_reads
    costs:
      energy: {value: "2 pJ", source: spikesim2023}
      area: {value: "300 um2", source: spikesim2023}
      leakage: {value: 0 W, source: spikesim2023}
  adder_tree:
    level: pe
    count: 2
    category: accumulator
    charged_per: adc_conversions
    costs:
      energy: {value: "5 fJ", source: spikesim2023}
      area: {value: "1000 um2", source: spikesim2023}
      leakage: {value: 0 W, source: spikesim2023}
  bus:
    level: chip
    category: htree
    charged_per: htree_bits
    costs:
      energy: {value: "0.5 pJ", source: spikesim2023}
      area: {value: "2 mm2", source: spikesim2023}
      leakage: {value: "1 uW", source: spikesim2023}
"""


def _write(tmp_path, extra: str):
    path = tmp_path / "chip.yaml"
    path.write_text(f"include: [{load_config_path()}]\n" + textwrap.dedent(extra))
    return path


def load_config_path() -> str:
    from cimsim.config.loader import find_config

    return str(find_config("spikesim_rram_65nm"))


@pytest.fixture(scope="module")
def base():
    return load_config("spikesim_rram_65nm")


@pytest.fixture()
def chip(tmp_path):
    return load_config(_write(tmp_path, BLOCKS))


def test_blocks_load_with_expressions_and_units(chip):
    p = chip.periphery
    assert set(p) == {"level_shifter", "switch_matrix", "adder_tree", "bus"}
    assert p["level_shifter"].count == 192 and p["level_shifter"].costs.area.value == pytest.approx(10e-12)
    assert p["switch_matrix"].charged_per == "xbar_reads" and p["adder_tree"].category == "accumulator"


def test_area_rolls_up_per_level(base, chip):
    run = RunActivity(layers=[LayerActivity("l0", crossbars=1, neurons=0)], cycles=0, tiles_used=3)
    a0, a1 = area_breakdown(base, run), area_breakdown(chip, run)
    xbars_per_tile = chip.tile.pes * chip.pe.crossbars
    other = 3 * xbars_per_tile * (192 * 10e-12 + 300e-12)
    assert a1["other"] - a0["other"] == pytest.approx(other, rel=1e-12)
    assert a1["accumulator"] - a0["accumulator"] == pytest.approx(3 * chip.tile.pes * 2 * 1000e-12, rel=1e-12)
    assert a1["htree"] - a0["htree"] == pytest.approx(2e-6, rel=1e-12)  # chip level: once, not per tile
    for k in a0:
        if k not in ("other", "accumulator", "htree"):
            assert a1[k] == a0[k]
    # the whole-chip tree agrees with the per-level counts
    c0, c1 = build(base), build(chip)
    per_tile = xbars_per_tile * (192 * 10e-12 + 300e-12) + chip.tile.pes * 2 * 1000e-12
    assert c1.chip.total_area_m2() - c0.chip.total_area_m2() == pytest.approx(chip.tiles * per_tile + 2e-6, rel=1e-9)


def test_energy_is_charged_per_count_under_its_category(base, chip):
    L = LayerActivity("l0", crossbars=1, xbar_reads=1000, adc_conversions=40_000, htree_bits=7)
    run = RunActivity(layers=[L], cycles=1000, tiles_used=2)
    e0, _ = energy_breakdown(base, run)
    e1, per_layer = energy_breakdown(chip, run)
    assert e1["other"] - e0["other"] == pytest.approx(1000 * 2e-12, rel=1e-12)
    assert e1["accumulator"] - e0["accumulator"] == pytest.approx(40_000 * 5e-15, rel=1e-12)
    assert e1["htree"] - e0["htree"] == pytest.approx(7 * 0.5e-12, rel=1e-12)
    leak = (2 * chip.tile.pes * chip.pe.crossbars * 192 * 1e-9 + 1e-6) * 1000 * chip.cycle_s
    assert e1["leakage"] - e0["leakage"] == pytest.approx(leak, rel=1e-9)
    assert math.fsum(e1.values()) == pytest.approx(per_layer["l0"], rel=1e-12)


def test_describe_lists_the_blocks(chip):
    from cimsim.components.describe import describe_chip

    text = describe_chip(chip)
    for name in ("level_shifter", "switch_matrix", "adder_tree", "bus"):
        assert name in text
    assert "2 pJ/xbar_reads -> other" in text and "no energy charged -> other" in text


@pytest.mark.parametrize("field, bad, message", [
    ("category", "switch", "category"),
    ("charged_per", "reads", "charged_per"),
    ("level", "core", "level"),
])
def test_bad_block_names_the_field(tmp_path, field, bad, message):
    text = BLOCKS.replace({"category": "category: accumulator", "charged_per": "charged_per: adc_conversions",
                         "level": "level: pe"}[field], f"{field}: {bad}", 1)
    with pytest.raises(UserError, match=message):
        load_config(_write(tmp_path, text))
