"""YAML loader: presets, include, variables, overrides, sources, and every bad input -> UserError."""
import re
import subprocess
import sys
import textwrap
from pathlib import Path

import math

import pytest
from pydantic import BaseModel

from cimsim.config.loader import PRESET_DIR, bib_keys, describe, list_presets, load_config
from cimsim.config.schema import Chip, Quantity
from cimsim.errors import UserError

PRESETS = ["spikesim_rram_65nm", "neurosim_rram_22nm", "isaac_rram_32nm"]


def _quantities(obj, path=""):
    if isinstance(obj, Quantity):
        yield path, obj
    elif isinstance(obj, BaseModel):
        for name in type(obj).model_fields:
            yield from _quantities(getattr(obj, name), f"{path}.{name}" if path else name)


def test_list_presets():
    names = dict(list_presets())
    assert set(PRESETS) <= set(names)
    assert all(names[p] for p in PRESETS)  # one-line descriptions


@pytest.mark.parametrize("preset", PRESETS)
def test_preset_loads_and_every_source_resolves(preset):
    chip = load_config(preset)
    assert isinstance(chip, Chip) and chip.name == preset
    keys = bib_keys(PRESET_DIR / "references.bib")
    quantities = list(_quantities(chip))
    assert len(quantities) > 25
    for path, q in quantities:
        assert q.source in keys, f"{preset}: {path} cites {q.source!r}"
    for field, key in chip.sources.items():
        assert key in keys, (field, key)
    assert chip.weight_bits == 8 and chip.weight_bits % chip.crossbar.bits_per_cell == 0
    text = describe(chip)
    assert "per tile" in text and "crossbar" in text and "adc" in text


def test_spikesim_resolved_numbers():
    chip = load_config("spikesim_rram_65nm")
    assert chip.clock_hz == 250e6 and chip.crossbar.rows == 64 and chip.pe.crossbars == 9 and chip.tile.pes == 8
    assert chip.adc.bits == 4 and chip.adc.cols_per_adc == 8
    assert chip.adc.costs.energy.value == pytest.approx(2.03084e-12)
    assert chip.adc.costs.area.value == pytest.approx(693.633e-12)
    assert chip.crossbar.costs.energy.value == pytest.approx(1.76423e-12 * 8)  # per mux step x 8 steps
    assert chip.tile.htree_area.value == pytest.approx(433660e-12)
    assert chip.tile.lif.membrane_area_per_neuron.value == pytest.approx(0.7391 * 22 * 1e-12)
    from cimsim.components import pe_cycle_cycles
    assert pe_cycle_cycles(chip) == 26  # SpikeSim's PE cycle


def test_neurosim_derived_numbers():
    """The NeuroSim preset's expressions resolve to the block figures re-derived from NeuroSim's rules."""
    chip = load_config("neurosim_rram_22nm")
    F2 = (22e-9) ** 2
    assert chip.clock_hz == pytest.approx(1 / 1.97768e-9)
    assert chip.crossbar.read_cycles == 0 and chip.adc.conversion_cycles == 1 and chip.crossbar.parallel_rows == 64
    assert chip.n_slices == 8 and chip.crossbar.signed == "offset"  # 8 bits on 1-bit cells, dummy-column offset
    assert chip.run.mapping.duplicate_to_balance and chip.run.mapping.pack_copies and chip.accounting == "all_groups"
    # 16 MLSAs + encoders = 534.7 um2 per subarray; comparators 15 x 9 minimum cells; 15 x 1.624 fJ switching
    assert 16 * chip.adc.costs.area.value == pytest.approx(534.7e-12, rel=1e-3)
    t_col = 1.7552e-9 - 1.32118e-10 * math.log(6000 / 64 / (15 / 16))  # NeuroSim's fit at its lowest reference
    assert t_col == pytest.approx(1.147e-9, abs=1e-12)
    assert chip.adc.costs.energy.value == pytest.approx(15 * 1.624e-15 + (13.2e-6 + 5.55e-6) * t_col)
    # level shifters: 70F x 205.2F x 1.44, three per row (wordline and bitline beside the array, source line below)
    from cimsim.components.chip import block_instances

    wl, sl = chip.periphery["wl_bl_level_shifters"], chip.periphery["sl_level_shifters"]
    assert block_instances(chip, wl) + block_instances(chip, sl) == 3 * 128
    assert wl.per == "row" and sl.per == "column"
    assert wl.costs.area.value == pytest.approx(70 * 205.2 * 1.44 * F2) == sl.costs.area.value
    # PE adder tree at 64 rows: 64 trees of 2 x 21 + 1 x 22 bits of 9 NAND2 (11.4F x 28F) = 5695 um2 per PE
    tree = chip.periphery["pe_adder_tree"]
    assert tree.count * tree.costs.area.value == pytest.approx(5695e-12, rel=1e-3)
    # per-step energy of 8 mux steps spread over the 256 conversions of a two-group read (muxes; switch-matrix DFFs
    # and decoder clocked with them)
    clocking = chip.periphery["wl_sm_clocking"].costs.energy.value
    assert chip.mux.costs.energy.value + clocking == pytest.approx((180.6 + 215 + 2.87) * 1e-15 * 8 / 256)
    # at 128 parallel rows: one group, no partial-sum adder, muxes twice as wide (the mux model's gate sizing)
    from cimsim.components.chip import build

    c128 = load_config("neurosim_rram_22nm", overrides={"variables.rows_parallel": 128})
    assert c128.periphery["partial_sum_adder"].count == 0
    assert build(c128).mux.area_m2 == pytest.approx(2 * build(chip).mux.area_m2, rel=2e-3)


def test_isaac_numbers():
    chip = load_config("isaac_rram_32nm")
    assert chip.crossbar.costs.energy.value == pytest.approx(0.3e-3 * 100e-9)
    assert chip.adc.costs.energy.value == pytest.approx(2e-3 / 1.28e9)
    assert chip.tile.buffer.size_bytes == 65536 and chip.tile.buffer.costs.energy.value == pytest.approx(20.45e-12)
    assert chip.noc.router.area.value == pytest.approx(0.151e-6 / 4)  # ISAAC Table I: 0.151 mm2 per 4 tiles


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.write_text(textwrap.dedent(text))
    return p


BASE = Path(PRESET_DIR / "spikesim_rram_65nm.yaml").resolve()


def _child(tmp_path, body: str, name="child.yaml") -> Path:
    return _write(tmp_path, name, f"include: [{BASE}]\n" + textwrap.dedent(body))


def test_include_variables_and_arithmetic(tmp_path):
    p = _child(tmp_path, """
        variables:
          xbar: 128          # the base computes rows, cols, crossbar energy ... from it
        adc:
          cols_per_adc: xbar / 16
        tiles: 2 ** 4 + 2 * (3 - 1)
    """)
    chip = load_config(p)
    assert chip.crossbar.rows == 128 and chip.crossbar.cols == 128
    assert chip.adc.cols_per_adc == 8 and chip.tiles == 20
    assert chip.crossbar.costs.energy.value == pytest.approx(1.76423e-12 * 8)
    assert chip.tile.lif.costs.energy.value == pytest.approx(5.096e-12 / 128)  # the base's "5.096 pJ / xbar"
    assert chip.name == "spikesim_rram_65nm"  # inherited
    assert chip.clock_hz == 250e6


def test_include_chain_relative_paths(tmp_path):
    (tmp_path / "sub").mkdir()
    _write(tmp_path, "sub/mid.yaml", f"include: {BASE}\ntiles: 7\nvariables: {{adc_bits: 5}}\n")
    p = _write(tmp_path, "top.yaml", "include: [sub/mid.yaml]\nname: top\n")
    chip = load_config(p)
    assert chip.tiles == 7 and chip.adc.bits == 5 and chip.name == "top"


def test_overrides_for_sweeps():
    base = load_config("spikesim_rram_65nm")
    chip = load_config("spikesim_rram_65nm", overrides={"variables.adc_bits": 6, "clock_hz": "500 MHz"})
    assert chip.adc.bits == 6 and chip.clock_hz == 500e6
    assert chip.adc.conversion_cycles > base.adc.conversion_cycles  # SAR latency follows the bits
    assert chip.config_hash() != base.config_hash()
    again = load_config("spikesim_rram_65nm")
    assert again.config_hash() == base.config_hash()


def test_with_changes():
    chip = load_config("spikesim_rram_65nm")
    six = chip.with_changes({"adc.bits": 6, "tiles": 10})
    assert six.adc.bits == 6 and six.adc.reference_bits == 4 and six.tiles == 10
    assert six.with_changes({"adc.costs.energy": 1e-12}).adc.costs.energy.source == "spikesim2023"
    with pytest.raises(UserError, match="adc.nope"):
        chip.with_changes({"adc.nope": 1})
    with pytest.raises(UserError, match="adc.bits"):
        chip.with_changes({"adc.bits": 17})


def _error(path) -> str:
    with pytest.raises(UserError) as info:
        load_config(path)
    return str(info.value)


def test_no_eval(tmp_path):
    p = _child(tmp_path, "tiles: \"__import__('os').system('echo pwned')\"\n")
    msg = _error(p)
    assert str(p) in msg and "field tiles" in msg and "__import__" in msg and "not allowed" in msg


def test_malformed_yaml(tmp_path):
    p = _write(tmp_path, "bad.yaml", "name: x\ncrossbar:\n  rows: [1, 2\n  cols: 3\n")
    msg = _error(p)
    assert re.search(rf"{re.escape(str(p))}:\d+:\d+: malformed YAML", msg)


def test_unknown_preset():
    msg = _error("no_such_chip")
    assert "no_such_chip" in msg and "spikesim_rram_65nm" in msg and "isaac_rram_32nm" in msg


def test_unknown_key(tmp_path):
    p = _child(tmp_path, "crossbar:\n  rowz: 64\n")
    msg = _error(p)
    assert str(p) in msg and "field crossbar.rowz" in msg and "unknown field" in msg and "64" in msg


@pytest.mark.parametrize("field, value", [("crossbar.rows", 0), ("crossbar.cols", -64), ("tiles", 0),
                                          ("tile.pes", "xbar - 100")])
def test_nonpositive_sizes(tmp_path, field, value):
    a, b = field.split(".") if "." in field else (None, field)
    body = f"{a}:\n  {b}: {value!r}\n" if a else f"{b}: {value!r}\n"
    msg = _error(_child(tmp_path, body.replace("'", '"')))
    assert f"field {field}" in msg and "greater than 0" in msg and str(value).strip("'") in msg


def test_negative_quantity(tmp_path):
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: {value: -2 pJ, source: spikesim2023}\n"))
    assert "field adc.costs.energy.value" in msg and "-2 pJ" in msg


def test_weight_bits_multiple_of_bits_per_cell(tmp_path):
    msg = _error(_child(tmp_path, "weight_bits: 6\n"))  # 6 bits on 4-bit cells
    assert "weight_bits (6)" in msg and "bits_per_cell (4)" in msg and "child.yaml" in msg


@pytest.mark.parametrize("bits", [0, 17])
def test_adc_bits_range(tmp_path, bits):
    msg = _error(_child(tmp_path, f"variables: {{adc_bits: {bits}}}\nadc:\n  conversion_cycles: 3\n"))
    assert "field adc.bits" in msg and str(bits) in msg


def test_wrong_unit_dimension(tmp_path):
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: {value: 693 um2, source: spikesim2023}\n"))
    assert "field adc.costs.energy.value" in msg and "expected an energy (J), got an area (m2)" in msg
    msg = _error(_child(tmp_path, "clock_hz: 3 pJ\n"))
    assert "field clock_hz" in msg and "expected a frequency" in msg
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: {value: 2.03, source: spikesim2023}\n"))
    assert "needs a unit" in msg


def test_unknown_unit_and_variable(tmp_path):
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: {value: 2 furlongs, source: spikesim2023}\n"))
    assert "field adc.costs.energy.value" in msg and "furlongs" in msg
    msg = _error(_child(tmp_path, "tiles: nope * 2\n"))
    assert "field tiles" in msg and "unknown name 'nope'" in msg


def test_unknown_source(tmp_path):
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: {value: 2 pJ, source: my_guess}\n"))
    assert "field adc.costs.energy.source" in msg and "my_guess" in msg and "references.bib" in msg


def test_quantity_without_source(tmp_path):
    msg = _error(_child(tmp_path, "adc:\n  costs:\n    energy: 2 pJ\n"))
    assert "field adc.costs.energy" in msg and "source" in msg


def test_variable_cycle_and_bad_names(tmp_path):
    msg = _error(_child(tmp_path, "variables: {aa: bb + 1, bb: aa * 2}\ntiles: aa\n"))
    assert "circular" in msg and "variables." in msg
    msg = _error(_child(tmp_path, "variables: {pJ: 3}\n"))
    assert "variables.pJ" in msg and "taken by a unit" in msg


def test_include_errors(tmp_path):
    msg = _error(_write(tmp_path, "a.yaml", "include: [missing.yaml]\n"))
    assert "field include" in msg and "missing.yaml" in msg
    _write(tmp_path, "x.yaml", "include: [y.yaml]\n")
    _write(tmp_path, "y.yaml", "include: [x.yaml]\n")
    assert "include cycle" in _error(tmp_path / "x.yaml")


def test_error_names_the_file_the_value_came_from(tmp_path):
    base = _write(tmp_path, "base.yaml", f"include: [{BASE}]\ncrossbar:\n  rows: -1\n")
    child = _write(tmp_path, "child.yaml", "include: [base.yaml]\ntiles: 4\n")
    msg = _error(child)
    assert str(base) in msg and "field crossbar.rows" in msg


def test_env_preset_dir(tmp_path, monkeypatch):
    _write(tmp_path, "my_chip.yaml", f"include: [{BASE}]\ndescription: mine\ntiles: 3\n")
    monkeypatch.setenv("CIMSIM_HWCONFIGS", str(tmp_path))
    assert ("my_chip", "mine") in list_presets()
    assert load_config("my_chip").tiles == 3


# ------------------------------------------------------------------ CLI
def _cli(*args, cwd=None):
    code = "import sys; from cimsim.cli import main; main(sys.argv[1:])"
    return subprocess.run([sys.executable, "-c", code, *args], capture_output=True, text=True, cwd=cwd, timeout=120)


def test_cli_configs_and_check():
    r = _cli("configs")
    assert r.returncode == 0 and "spikesim_rram_65nm" in r.stdout and "neurosim_rram_22nm" in r.stdout
    r = _cli("check", "spikesim_rram_65nm")
    assert r.returncode == 0, r.stderr
    assert "26 cycles" in r.stdout and "2.031 pJ/conversion" in r.stdout and "per tile" in r.stdout


def test_cli_check_bad_file(tmp_path):
    p = _child(tmp_path, "adc:\n  bits: 40\n", name="bad.yaml")
    r = _cli("check", str(p))
    assert r.returncode == 2
    assert "Traceback" not in r.stderr and "bad.yaml" in r.stderr and "field adc.bits" in r.stderr and "40" in r.stderr
    r = _cli("check", "no_such_chip")
    assert r.returncode == 2 and "Traceback" not in r.stderr and "available" in r.stderr
