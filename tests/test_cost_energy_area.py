"""Costing: counts x energy table + leakage x time; area roll-up of the hardware used."""
import math

import numpy as np
import pytest

from cimsim.components import Crossbar, build, resolution_scale
from cimsim.config.loader import load_config
from cimsim.components.registry import kind
from cimsim.cost import (AREA_COMPONENTS, CHARGES, ENERGY_COMPONENTS, LayerActivity, RunActivity, area_breakdown,
                         energy_breakdown, energy_table)

COUNTS = [count for _, count, _ in CHARGES]


@pytest.fixture(scope="module")
def chip():
    return load_config("spikesim_rram_65nm")


@pytest.fixture(scope="module")
def leaky(chip):
    # give ADCs and routers some leakage so that the leakage path is exercised
    return chip.with_changes({"adc.costs.leakage": 2e-6, "noc.router.leakage": 1e-4})


def _run(seed: int, n_layers: int = 3, scale: int = 1, tiles_used: int = 5, cycles: int = 10_000) -> RunActivity:
    rng = np.random.default_rng(seed)
    layers = []
    for i in range(n_layers):
        L = LayerActivity(name=f"l{i}", crossbars=int(rng.integers(1, 50)), pes=2, tiles=1,
                          neurons=int(rng.integers(10, 5000)))
        for c in set(COUNTS):
            setattr(L, c, int(rng.integers(0, 10_000)) * scale)
        layers.append(L)
    return RunActivity(layers=layers, cycles=cycles, tiles_used=tiles_used, n_samples=1, timesteps=5)


def test_keys(chip):
    e, per_layer = energy_breakdown(chip, _run(0))
    assert tuple(e) == ENERGY_COMPONENTS
    assert set(per_layer) == {"l0", "l1", "l2"}
    a = area_breakdown(chip, _run(0))
    assert tuple(a) == AREA_COMPONENTS
    assert "leakage" not in a and "link" not in a and "other" in a


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breakdowns_sum_to_the_same_total(leaky, seed):
    run = _run(seed, n_layers=4)
    e, per_layer = energy_breakdown(leaky, run)
    assert e["leakage"] > 0
    assert math.fsum(e.values()) == pytest.approx(math.fsum(per_layer.values()), rel=1e-12)


def test_each_count_prices_its_component(chip):
    table = energy_table(chip)
    for name, count, _ in CHARGES:
        L = LayerActivity(name="x", crossbars=1)
        setattr(L, count, 1000)
        e, _ = energy_breakdown(chip, RunActivity(layers=[L], cycles=0, tiles_used=1))
        # breakdown keys: a component reported under another's key (the wordline with the crossbar) adds to it
        charged = {k for k, v in e.items() if v}
        expected = {kind(n).key() for n, c, _ in CHARGES if c == count and table[n] > 0}
        assert charged == expected, (count, charged)
        key = kind(name).key()
        same = [n for n, c, _ in CHARGES if c == count and kind(n).key() == key]
        assert e[key] == pytest.approx(1000 * sum(table[n] for n in same))


def test_energy_is_linear_in_counts(chip):
    one, _ = energy_breakdown(chip, _run(7, scale=1, cycles=0))
    three, _ = energy_breakdown(chip, _run(7, scale=3, cycles=0))
    for k in ENERGY_COMPONENTS:
        assert three[k] == pytest.approx(3 * one[k], rel=1e-12)


def test_crossbar_energy_scales_with_rows_driven(chip):
    xb = Crossbar.from_config(chip.crossbar)
    assert xb.read_energy_j(64) == pytest.approx(chip.crossbar.costs.energy.value)
    assert xb.read_energy_j(16) == pytest.approx(chip.crossbar.costs.energy.value / 4)
    half = LayerActivity(name="x", xbar_reads=10, rows_driven=10 * 32)
    full = LayerActivity(name="x", xbar_reads=10, rows_driven=10 * 64)
    e_half = energy_breakdown(chip, RunActivity(layers=[half]))[0]["crossbar"]
    e_full = energy_breakdown(chip, RunActivity(layers=[full]))[0]["crossbar"]
    assert e_full == pytest.approx(2 * e_half) and e_full == pytest.approx(10 * chip.crossbar.costs.energy.value)


def test_leakage_of_used_tiles_over_time_split_by_crossbars(leaky):
    run = _run(3, tiles_used=4, cycles=250_000)
    e, per_layer = energy_breakdown(leaky, run)
    c = build(leaky)
    adcs_per_tile = c.tile.count("adc")
    assert adcs_per_tile == 8 * 8  # 8 PEs x 8 ADCs shared by each PE's 9 crossbars (analog sum)
    power = 4 * (adcs_per_tile * 2e-6 + 1e-4)
    assert e["leakage"] == pytest.approx(power * 250_000 / 250e6)
    # per-layer leakage shares follow the crossbars each layer occupies
    xb = np.array([L.crossbars for L in run.layers], dtype=float)
    dyn = {L.name: per_layer[L.name] - e["leakage"] * x / xb.sum() for L, x in zip(run.layers, xb)}
    e0, per0 = energy_breakdown(leaky.with_changes({"adc.costs.leakage": 0.0, "noc.router.leakage": 0.0}), run)
    for name in dyn:
        assert dyn[name] == pytest.approx(per0[name], rel=1e-9)
    more, _ = energy_breakdown(leaky, _run(3, tiles_used=8, cycles=250_000))
    assert more["leakage"] == pytest.approx(2 * e["leakage"])


def test_area_grows_with_tiles_used(chip):
    areas = [math.fsum(area_breakdown(chip, _run(0, tiles_used=t)).values()) for t in (1, 2, 10, 40)]
    assert all(b > a for a, b in zip(areas, areas[1:]))
    per_tile = areas[1] - areas[0]
    assert areas[3] - areas[2] == pytest.approx(30 * per_tile)


def test_spikesim_area_per_tile_from_the_published_table(chip):
    um2 = 1e-12
    pe = 9 * 26.2144 + 8 * (693.633 + 45.9) + 484.644 / 8  # SpikeSim's PE: k*k crossbars + xbar/8 ADC+MUX
    tile = 8 * pe + 8 * 13411.41498 + 0.7391 * 64 * 128 + 216830 * 2 + 16 * 360
    router = 0.15e6 / 4 * 64 / 256 * (65 / 32) ** 2
    run = RunActivity(layers=[LayerActivity(name="x", neurons=1000)], tiles_used=1)
    a = area_breakdown(chip, run)
    assert math.fsum(a.values()) == pytest.approx((tile + router + 1000 * 0.7391 * 22) * um2, rel=1e-9)
    assert a["adc"] == pytest.approx(64 * 693.633 * um2)
    assert a["htree"] == pytest.approx(433660 * um2)
    assert a["global_buffer"] == 0.0  # SpikeSim gives its memory no area


def test_membrane_storage_counts_mapped_neurons(chip):
    small = area_breakdown(chip, RunActivity(layers=[LayerActivity(name="x", neurons=10)], tiles_used=1))
    big = area_breakdown(chip, RunActivity(layers=[LayerActivity(name="x", neurons=1010)], tiles_used=1))
    assert big["lif_unit"] - small["lif_unit"] == pytest.approx(1000 * 0.7391 * 22e-12)


@pytest.mark.parametrize("preset", ["spikesim_rram_65nm", "neurosim_rram_22nm", "isaac_rram_32nm"])
def test_adc_energy_and_area_monotone_in_bits(preset):
    chip = load_config(preset)
    run = RunActivity(layers=[LayerActivity(name="x", crossbars=1, adc_conversions=1000)], tiles_used=2)
    energies, areas = [], []
    for bits in range(1, 11):
        sweep = chip.with_changes({"adc.bits": bits})
        energies.append(energy_breakdown(sweep, run)[0]["adc"])
        areas.append(area_breakdown(sweep, run)["adc"])
    assert all(b > a for a, b in zip(energies, energies[1:]))
    assert all(b > a for a, b in zip(areas, areas[1:]))
    ref = chip.adc.reference_bits
    assert energies[ref - 1] == pytest.approx(1000 * chip.adc.costs.energy.value)
    # the survey ADCs' energy follows 2**bits; the MLSA's its 2**bits - 1 comparators and its reference ladder
    # (same clock, node: cimsim.components.mlsa), a little more than the comparators alone
    if chip.adc.scaling == "mlsa":
        from cimsim.components.calibration import Point
        from cimsim.components.mlsa import mlsa_energy_j

        p = Point(chip, False)
        step = mlsa_energy_j(ref + 1, p.node, p) / mlsa_energy_j(ref, p.node, p)
        assert (2 ** (ref + 1) - 1) / (2 ** ref - 1) < step < 2.2
    else:
        step = resolution_scale(ref + 1, ref)
    assert energies[ref] / energies[ref - 1] == pytest.approx(step)


def test_adc_sweep_through_variables_also_scales_latency():
    cycles = [load_config("spikesim_rram_65nm", overrides={"variables.adc_bits": b}).adc.conversion_cycles
              for b in (4, 6, 9, 14)]
    assert cycles == [3, 5, 6, 9]  # SAR: 3 cycles at 4 bits, ceil(3 (bits + 1) / 5)


def test_no_global_buffer_costs_nothing():
    chip = load_config("isaac_rram_32nm")
    assert chip.global_buffer is None
    L = LayerActivity(name="x", global_buffer_bits=10**6)
    e, _ = energy_breakdown(chip, RunActivity(layers=[L]))
    assert e["global_buffer"] == 0.0 and area_breakdown(chip, RunActivity(layers=[L]))["global_buffer"] == 0.0
