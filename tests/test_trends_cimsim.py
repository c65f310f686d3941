"""Trends every CIM model must show (small networks, seconds each): energy vs ADC bits and spike rate, area vs
crossbar count, latency vs parallel rows, and linear scaling in the number of timesteps."""
import numpy as np
import pytest

import cimsim
from cimsim.graph import SnnGraph


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


def _linear_net(outputs: int, inputs: int = 48, seed: int = 0) -> SnnGraph:
    rng = np.random.default_rng(seed)
    g = SnnGraph(f"fc{outputs}")
    g.add_node("in", "input", (inputs,), bits=1, signed=False, scale=1.0)
    g.add_node("fc", "linear", (outputs,), weight=rng.integers(-127, 128, (outputs, inputs)).astype(np.int8),
               weight_bits=8, scale=0.01, bias=None)
    g.add_node("out", "output", (outputs,), vote=1)
    g.add_edge("in", "fc")
    g.add_edge("fc", "out")
    return g


def test_area_grows_with_crossbar_count(chip):
    one_per_tile = chip.with_changes({"pe.crossbars": 1, "tile.pes": 1})
    xbars, areas = [], []
    for outputs in (2, 4, 8, 16, 32):
        r = run(one_per_tile, model=_linear_net(outputs), timesteps=1)
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
