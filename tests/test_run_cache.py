"""Caches of the ideal network's work (cimsim.engine.run_cache): a hit gives exactly the fresh result, any change
of graph, chip or inputs misses, and a caller editing its result leaves the cache intact."""
import json

import numpy as np

import cimsim
from cimsim.api import resolve_model
from cimsim.engine import run_cache
from cimsim.networks import random_spike_inputs

HW = "spikesim_rram_65nm"


def _report(graph, x, fidelity=True, **kw):
    return cimsim.simulate(graph, hw=HW, inputs=x, seed=0, fidelity=fidelity, **kw)


def _numbers(report):
    return json.dumps({"totals": report.totals, "layers": report.layers, "fidelity": report.fidelity,
                       "calibration": report.meta.get("adc_calibration")}, sort_keys=True, default=float)


def test_cached_run_equals_cold_run_and_shares_one_ideal_pass():
    graph = resolve_model("tiny", seed=0)
    x = random_spike_inputs(graph, 4, 3, 0.3, 1)
    run_cache.clear()
    cold = _report(graph, x)
    assert len(run_cache.CALIBRATIONS) == 1 and len(run_cache.REFERENCES) == 1  # fidelity reused the pass
    assert run_cache.REFERENCES.hits == 1
    warm = _report(graph, x)
    assert run_cache.CALIBRATIONS.hits == 1
    assert _numbers(cold) == _numbers(warm)
    for n, s in cold.spikes.items():
        np.testing.assert_array_equal(s, warm.spikes[n])


def test_changes_miss_the_cache():
    graph = resolve_model("tiny", seed=0)
    x = random_spike_inputs(graph, 4, 2, 0.3, 1)
    run_cache.clear()
    _report(graph, x, fidelity=False)
    _report(graph, random_spike_inputs(graph, 4, 2, 0.3, 2), fidelity=False)
    _report(graph, x, fidelity=False, overrides={"adc.bits": 5})
    edited = graph.copy()
    layer = next(n for n in edited if edited.node(n)["kind"] == "conv")
    w = np.asarray(edited.node(layer)["weight"]).copy()
    w.flat[0] = -w.flat[0] if w.flat[0] else 1
    edited.node(layer)["weight"] = w
    _report(edited, x, fidelity=False)
    assert run_cache.CALIBRATIONS.hits == 0 and len(run_cache.CALIBRATIONS) == 4


def test_editing_a_report_does_not_touch_the_cache():
    graph = resolve_model("tiny", seed=0)
    x = random_spike_inputs(graph, 3, 2, 0.3, 3)
    run_cache.clear()
    first = _report(graph, x)
    want = _numbers(first)
    first.meta["adc_calibration"]["layers"].clear()
    assert _numbers(_report(graph, x)) == want


def test_lru_bounds_entries_and_bytes():
    cache = run_cache.LruCache(max_entries=2, max_bytes=100)
    cache.put("a", np.zeros(10, np.uint8))
    cache.put("b", np.zeros(10, np.uint8))
    cache.put("c", np.zeros(10, np.uint8))
    assert "a" not in cache and len(cache) == 2
    cache.put("big", np.zeros(101, np.uint8))
    assert "big" not in cache
    cache.put("d", np.zeros(95, np.uint8))
    assert list(k for k in ("b", "c", "d") if k in cache) == ["d"]


def test_cell_levels_are_shared_read_only_and_equal_to_fresh_slicing():
    from cimsim.api import resolve_chip
    from cimsim.mapping import map_graph, slice_weights
    from cimsim.stages import run_stages

    graph = resolve_model("tiny", seed=0)
    chip = resolve_chip(HW)
    x = random_spike_inputs(graph, 3, 1, 0.3, 4)
    run_cache.clear()
    first, second = map_graph(graph, chip), map_graph(graph, chip)
    run_stages(first, x)
    run_stages(second, x)
    for name, lm in second.layers.items():
        assert lm.cells is first.layers[name].cells and not lm.cells.flags.writeable
        np.testing.assert_array_equal(lm.cells, slice_weights(lm.wmat, chip, lm.weight_bits)[0])
