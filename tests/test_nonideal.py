"""Device non-idealities (crossbar.nonideal): kernel vs numpy twin vs a brute-force per-read loop, the device
model, bit-identity when off, determinism, and bad input."""
import math
from dataclasses import replace

import numpy as np
import pytest

import cimsim
from cimsim.accuracy import chip_accuracy
from cimsim.config.loader import load_config
from cimsim.engine.adc_calibration import adc_for_run
from cimsim.engine.execute import execute
from cimsim.errors import UserError
from cimsim.mapping import map_graph
from cimsim.networks import build_network, random_spike_inputs
from cimsim.nonideal import ChipInstance
from kernels import nonideal_nb, reference

ON = {"crossbar.nonideal.enabled": True}
ALL = {**ON, "crossbar.nonideal.off_current": True, "crossbar.nonideal.d2d_sigma": 0.1,
       "crossbar.nonideal.c2c_sigma": 0.05, "crossbar.nonideal.stuck_at_0": 0.01, "crossbar.nonideal.stuck_at_1": 0.01,
       "crossbar.nonideal.drift_nu": 0.02, "crossbar.nonideal.drift_time_s": 100, "crossbar.nonideal.ir_drop": True}


def _brute(x, g, gref, group_rows, c2c, lsbs, lo, hi, key, id0):
    """One read and one column at a time, the noise from the scalar twin of the kernel's generator."""
    m_rows, n_rows = x.shape
    n_cols, n_cls = g.shape[1], gref.shape[1]
    n_groups = -(-n_rows // group_rows)
    out = np.zeros((m_rows, n_cols))
    for m in range(m_rows):
        for grp in range(n_groups):
            rows = [r for r in range(grp * group_rows, min(n_rows, (grp + 1) * group_rows)) if x[m, r]]
            if not rows:
                continue
            for k in range(n_cols):
                c = k % n_cls
                cur = sum(float(g[r, k]) for r in rows) - sum(float(gref[r, c]) for r in rows)
                var = sum(float(g[r, k]) ** 2 + float(gref[r, c]) ** 2 for r in rows)
                counter = ((id0 + m) * n_groups + grp) * n_cols + k
                cur += c2c * math.sqrt(var) * float(reference.counter_normal(key, np.array([counter]))[0])
                out[m, k] += min(max(round(cur / lsbs[c]), lo), hi) * lsbs[c]
    return out


@pytest.mark.parametrize("c2c", [0.0, 0.1])
def test_kernel_twin_and_brute_force_agree(c2c):
    rng = np.random.default_rng(7)
    x = (rng.random((6, 37)) < 0.4).astype(np.uint8)
    g = rng.lognormal(0.5, 0.5, (37, 12)).astype(np.float32)
    gref = rng.random((37, 3)).astype(np.float32)
    lsbs = np.array([1.0, 2.0, 4.0])
    args = (x, g, gref, 8, c2c, lsbs, -8.0, 7.0, 123456789, 5)
    fast = nonideal_nb.nonideal_read_adc(*args)
    twin = reference.nonideal_read_adc(*args)
    np.testing.assert_allclose(fast, twin, atol=1e-9)
    np.testing.assert_allclose(fast, _brute(*args), atol=1e-9)
    assert fast.any()


def _mapped(preset, overrides=None, seed=3):
    """``preset`` without the device figures it documents, then ``overrides``, mapped."""
    plain = {"crossbar.nonideal.off_current": False, "crossbar.nonideal.ir_drop": False}
    chip = load_config(preset, overrides={**plain, **(overrides or {})})
    graph = build_network("tiny", seed=seed)
    return map_graph(graph, chip, chip.run)


def test_device_model_against_its_formulas():
    m = _mapped("neurosim_rram_22nm", {**ON, "crossbar.nonideal.off_current": True, "crossbar.nonideal.drift_nu": 0.1,
                                       "crossbar.nonideal.drift_time_s": 1000})
    lm = next(iter(m.layers.values()))
    dev = ChipInstance(m.chip, 0).layer(lm)
    f = 1.0 / (m.chip.crossbar.on_off_ratio - 1.0)  # 1 bit per cell: max level 1
    np.testing.assert_allclose(dev.g, (lm.cells + f) * 1000.0 ** -0.1, rtol=1e-6)
    # stuck-at fractions and the lognormal spread, drawn per instance
    m2 = _mapped("neurosim_rram_22nm", {**ON, "crossbar.nonideal.stuck_at_0": 0.2, "crossbar.nonideal.stuck_at_1": 0.3})
    lm2 = next(iter(m2.layers.values()))
    g2 = ChipInstance(m2.chip, 1).layer(lm2).g
    assert abs((g2[lm2.cells == 1] == 0).mean() - 0.2) < 0.03 and abs((g2[lm2.cells == 0] == 1).mean() - 0.3) < 0.03
    m3 = _mapped("spikesim_rram_65nm", {**ON, "crossbar.nonideal.d2d_sigma": 0.2})
    lm3 = next(iter(m3.layers.values()))
    a, b = ChipInstance(m3.chip, 0).layer(lm3).g, ChipInstance(m3.chip, 1).layer(lm3).g
    on = lm3.cells > 0
    assert abs(np.log(a[on] / lm3.cells[on]).std() - 0.2) < 0.02 and not np.array_equal(a, b)


def test_ir_drop_first_order():
    m = _mapped("neurosim_rram_22nm", {**ON, "crossbar.nonideal.ir_drop": True})
    lm = next(iter(m.layers.values()))
    g = ChipInstance(m.chip, 0).layer(lm).g
    xb = m.chip.crossbar
    from cimsim.technology import node

    n = node(m.chip.technology_nm)
    seg = n.wire_res_ohm_per_m * xb.cell_f2 ** 0.5 * n.feature_m
    r, k = np.argwhere(lm.cells == 1)[-1]
    j = (k // lm.cols_per_output % lm.outputs_per_crossbar) * lm.cols_per_output + k % lm.cols_per_output
    r_wire = seg * ((j + 1) + (xb.rows - r % xb.rows))
    assert g[r, k] == pytest.approx(1.0 / (1.0 + (1.0 - 1.0 / xb.on_off_ratio) / xb.ron_ohm * r_wire), rel=1e-6)
    assert g[r, k] < 1.0


CONFIGS = [("spikesim_rram_65nm", {}),                                       # analog sum over 9 crossbars
           ("neurosim_rram_22nm", {}),                                       # offset, calibrated ADC
           ("isaac_rram_32nm", {}),                                          # offset, 2-bit cells
           ("neurosim_rram_22nm", {"crossbar.offset_reference": "analog"}),  # reference column before the ADC
           ("spikesim_rram_65nm", {"adc.range": "calibrated", "crossbar.signed": "differential"})]


@pytest.mark.parametrize("preset,over", CONFIGS)
def test_devices_without_effects_read_exactly_the_ideal_path(preset, over):
    """The non-ideal kernel path with every effect zero equals today's path bit for bit."""
    m = _mapped(preset, over)
    x = random_spike_inputs(m.graph, 2, 4, 0.3, seed=2)
    adc = adc_for_run(m, x)
    ideal = execute(m, x, adc)
    analog = execute(m, x, replace(adc, devices=ChipInstance(m.chip, 0)))
    for n in ideal.spikes:
        assert np.array_equal(ideal.spikes[n], analog.spikes[n])
    assert np.array_equal(ideal.outputs, analog.outputs)


@pytest.mark.parametrize("preset", ["spikesim_rram_65nm", "neurosim_rram_22nm"])
def test_switched_off_reports_are_identical(preset):
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 2, 4, 0.3, seed=1)
    base = cimsim.simulate(graph, load_config(preset), inputs=x, labels=np.arange(4)).to_dict()
    figures = {k: v for k, v in ALL.items() if k != "crossbar.nonideal.enabled"}  # documented, not enabled
    no_effect = {**ON, "crossbar.nonideal.off_current": False, "crossbar.nonideal.ir_drop": False}
    for over in (no_effect, figures):
        rep = cimsim.simulate(graph, load_config(preset, overrides=over), inputs=x, labels=np.arange(4)).to_dict()
        for key in ("totals", "breakdown", "layers", "activity", "fidelity"):
            assert rep.get(key) == base.get(key), key


def test_deterministic_and_batch_independent():
    chip = load_config("spikesim_rram_65nm", overrides=ALL)
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 3, 8, 0.3, seed=1)
    labels = np.arange(8) % 10
    rep = cimsim.simulate(graph, chip, inputs=x, labels=labels, seed=4)
    m = map_graph(graph, chip, chip.run)
    acc = chip_accuracy(m, x, labels, seed=4, chips=2, batch=3)
    again = chip_accuracy(m, x, labels, seed=4, chips=2, batch=8)
    assert np.array_equal(acc.predictions, again.predictions) and acc.nonideal
    assert acc.per_chip[0] == pytest.approx(rep.totals["accuracy"])  # instance 0 is the cycle-level run's chip
    assert acc.spike_change_rate > 0


@pytest.mark.parametrize("field,value", [("crossbar.nonideal.d2d_sigma", -0.1), ("crossbar.nonideal.c2c_sigma", -1),
                                         ("crossbar.nonideal.stuck_at_0", 1.5), ("crossbar.nonideal.stuck_at_1", -0.1),
                                         ("crossbar.on_off_ratio", 0.5)])
def test_bad_values_name_the_field(field, value):
    with pytest.raises(UserError, match=field.replace(".", r"\.")):
        load_config("spikesim_rram_65nm", overrides={**ON, field: value})


@pytest.mark.parametrize("argv,needle", [
    (["accuracy", "tiny", "--set", "crossbar.nonideal.stuck_at_1=2"], "crossbar.nonideal.stuck_at_1"),
    (["accuracy", "tiny", "--set", "crossbar.nonideal.d2d_sigma=-1"], "crossbar.nonideal.d2d_sigma"),
    (["accuracy", "tiny", "--chips", "0"], "--chips"),
    (["simulate", "tiny", "--chips", "0"], "--chips")])
def test_bad_input_exits_2_from_the_cli(argv, needle, capsys, tmp_path):
    from cimsim.cli import main

    with pytest.raises(SystemExit) as exc:
        main([*argv, "--out", str(tmp_path)])
    assert exc.value.code == 2 and needle in capsys.readouterr().err


def test_worker_processes_give_the_same_result():
    chip = load_config("spikesim_rram_65nm", overrides={**ON, "crossbar.nonideal.c2c_sigma": 0.1})
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 2, 6, 0.3, seed=1)
    m = map_graph(graph, chip, chip.run)
    one = chip_accuracy(m, x, np.arange(6), chips=2, seed=1)
    two = chip_accuracy(m, x, np.arange(6), chips=2, seed=1, workers=2)
    assert np.array_equal(one.predictions, two.predictions)
    assert one.spike_change_rate == two.spike_change_rate
