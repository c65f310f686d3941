"""Trends every CIM model must show (small networks, seconds each): energy vs ADC bits and spike rate, area vs
crossbar count, latency vs parallel rows, and linear scaling in the number of timesteps."""
import pytest

import cimsim
from conftest import linear_graph


def run(chip, model="tiny", **kw):
    kw.setdefault("timesteps", 4)
    kw.setdefault("spike_rate", 0.3)
    kw.setdefault("seed", 0)
    return cimsim.simulate(model, hw=chip, fidelity=False, **kw)


def test_energy_grows_with_adc_bits(chip):
    adc, total = [], []
    for bits in (2, 3, 4, 6, 8):
        r = run(chip, overrides={"adc.bits": bits})
        adc.append(r.breakdown["energy_j"]["adc"])
        total.append(r.totals["energy_j"])
    assert all(b > a for a, b in zip(adc, adc[1:])), adc
    assert all(b > a for a, b in zip(total, total[1:])), total


def test_energy_grows_with_input_spike_rate(chip):
    totals, parts = [], []
    for rate in (0.02, 0.1, 0.3, 0.6):
        r = run(chip, spike_rate=rate)
        totals.append(r.totals["energy_j"])
        parts.append(r.breakdown["energy_j"]["crossbar"])
    assert all(b > a for a, b in zip(totals, totals[1:])), totals
    assert all(b > a for a, b in zip(parts, parts[1:])), parts


def test_area_grows_with_crossbar_count(chip):
    one_per_tile = chip.with_changes({"pe.crossbars": 1, "tile.pes": 1})
    xbars, areas = [], []
    for outputs in (2, 4, 8, 16, 32):
        r = run(one_per_tile, model=linear_graph(outputs, inputs=48), timesteps=1)
        xbars.append(r.activity["crossbars_used"])
        areas.append(r.totals["area_m2"])
    assert xbars == sorted(xbars) and xbars[-1] > xbars[0]
    for (x0, a0), (x1, a1) in zip(zip(xbars, areas), zip(xbars[1:], areas[1:])):
        assert a1 >= a0
        if x1 > x0:
            assert a1 > a0


def test_latency_falls_with_more_parallel_rows(chip):
    lat = []
    for rows in (2, 4, 8, 16, 64):
        r = run(chip, overrides={"crossbar.parallel_rows": rows}, spike_rate=0.5)
        lat.append(r.totals["latency_per_inference_s"])
    assert all(b <= a for a, b in zip(lat, lat[1:])), lat
    assert lat[-1] < lat[0]


@pytest.mark.parametrize("accounting", ["event", "dense"])
def test_doubling_timesteps_roughly_doubles_energy_and_latency(chip, accounting):
    r4 = run(chip, timesteps=4, accounting=accounting)
    r8 = run(chip, timesteps=8, accounting=accounting)
    e = r8.totals["energy_j"] / r4.totals["energy_j"]
    t = r8.totals["latency_per_inference_s"] / r4.totals["latency_per_inference_s"]
    assert 1.7 < e < 2.3, e
    assert 1.5 < t < 2.3, t


# ------------------------------------------------------------------ parametric costs (cimsim.components.calibration)
def _area(r, key):
    return r.breakdown["area_m2"][key]


def test_technology_node_scales_area_and_energy(chip):
    base, small = run(chip), run(chip, overrides={"technology_nm": 22})
    for key in ("crossbar", "adc", "accumulator", "tile_buffer", "router"):
        assert _area(small, key) == pytest.approx(_area(base, key) * (22 / 65) ** 2, rel=1e-9), key
    # digital energies follow C V^2 (22 nm: (3.287 + 4.532) e-10 F/m x 22 nm x 0.85^2 against 65 nm's)
    e = (3.287e-10 + 4.532e-10) * 22 * 0.85 ** 2 / ((4.868295e-10 + 5.270361e-10) * 65 * 1.1 ** 2)
    for key in ("adc", "shift_add", "accumulator", "lif_unit"):
        assert small.breakdown["energy_j"][key] == pytest.approx(base.breakdown["energy_j"][key] * e, rel=1e-9), key
    # the mux's transmission gates are sized to a resistance (R_min = Vdd / (I_on F) per F of width): smaller too,
    # not in proportion to F^2
    assert _area(small, "mux") < _area(base, "mux")
    assert small.breakdown["energy_j"]["mux"] < base.breakdown["energy_j"]["mux"]
    assert small.totals["energy_j"] < base.totals["energy_j"] and small.totals["area_m2"] < base.totals["area_m2"]
    assert small.totals["latency_s"] == base.totals["latency_s"]  # the clock is the config's, not the node's
    assert base.totals["floorplan_area_m2"] >= base.totals["area_m2"]


def test_clock_scales_latency_and_adc_energy(chip):
    base, fast = run(chip), run(chip, overrides={"clock_hz": 1e9})
    assert fast.totals["latency_s"] == pytest.approx(base.totals["latency_s"] / 4, rel=1e-12)
    cycles = chip.adc.conversion_cycles
    penalty = max(1.0, 1e9 / cycles / 100e6) / max(1.0, 250e6 / cycles / 100e6)
    assert fast.breakdown["energy_j"]["adc"] == pytest.approx(base.breakdown["energy_j"]["adc"] * penalty, rel=1e-9)


def test_bits_per_cell_and_array_size(chip):
    one, two = run(chip), run(chip, overrides={"crossbar.bits_per_cell": 2})
    # 8-bit differential weights: 7 magnitude bits in 7 one-bit cells or 4 two-bit cells -> fewer crossbar reads
    assert two.activity["rows_driven"] < one.activity["rows_driven"]
    assert two.breakdown["energy_j"]["crossbar"] < one.breakdown["energy_j"]["crossbar"]
    big = run(chip, overrides={"crossbar.rows": 128, "crossbar.cols": 128})
    table = {(r["component"], r["action"]): r for r in big.priced_table}
    base = {(r["component"], r["action"]): r for r in one.priced_table}
    # per row driven, a 128-column read costs twice a 64-column one; the array is 4x the area
    assert table[("crossbar", "read")]["energy_j"] == pytest.approx(2 * base[("crossbar", "read")]["energy_j"])
    assert table[("crossbar", "read")]["area_m2"] == pytest.approx(4 * base[("crossbar", "read")]["area_m2"])
    assert table[("crossbar", "read")]["basis"] == "scaled" and base[("crossbar", "read")]["basis"] == "published"
