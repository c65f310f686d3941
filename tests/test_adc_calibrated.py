"""adc.range: calibrated -- per-layer (per cell column) power-of-two LSBs set from a quantile of the column values
that occur; checked against brute-force computations written from the definition."""
import math
import subprocess
import sys
import textwrap

import numpy as np
import pytest
from conftest import layer_step, make_chip, random_graph, random_inputs
from test_engine_fidelity import _planes, _random_layer_input

import cimsim
from cimsim.config.loader import PRESET_DIR, load_config
from cimsim.engine.adc_calibration import calibrate_adc
from cimsim.engine.crossbar_layer import AdcModel, reference_levels
from cimsim.engine.execute import execute
from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.ops import exact_matmul, layer_input_rows, weight_matrix
from cimsim.graph import SnnGraph
from cimsim.mapping import map_graph


def _reads(lm, chip, rows):
    """Every read of the layer from the definition: ``(significance, driven rows [NP, len(sel)], sel)`` for each
    bit plane, PE (``pe.crossbars`` row blocks with analog sum, else one row block) and row group."""
    n, p, _ = rows.shape
    pr, R = chip.crossbar.parallel_rows, chip.crossbar.rows
    per_pe = chip.pe.crossbars if chip.pe.analog_sum else 1
    for sig, plane in _planes(rows, lm.in_type):
        flat = plane.reshape(n * p, -1).astype(np.int64)
        for b0 in range(0, lm.row_blocks, per_pe):
            blocks = range(b0, min(b0 + per_pe, lm.row_blocks))
            for g in range(-(-R // pr)):
                sel = [r for b in blocks for r in range(b * R + g * pr, min(b * R + (g + 1) * pr, (b + 1) * R))
                       if r < lm.rows]
                if sel:
                    yield sig, flat[:, sel], sel


def _adc_inputs(lm, chip, xs, sel):
    """The ADC input of each (read, column): the summed column current, minus the reference with an analog one."""
    v = xs @ lm.cells.astype(np.int64)[sel]
    if lm.offset and chip.crossbar.offset_reference == "analog":
        v = v - xs.sum(1)[:, None] * np.tile(np.asarray(reference_levels(chip, lm.weight_bits)), lm.outputs)
    return v


def _brute_force_calibrated(lm, node, x, chip, lsbs):
    """Each read, each column: code = clip(round(v / lsb_of_column), lo, hi), value = code x lsb; shift-add."""
    analog = bool(lm.offset) and chip.crossbar.offset_reference == "analog"
    bits = chip.adc.bits
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if analog else (0, 2**bits - 1)
    lsb_col = np.tile(np.asarray(lsbs, np.float64), lm.outputs)
    rows = layer_input_rows(node, x)
    n, p, _ = rows.shape
    acc = np.zeros((n * p, lm.outputs), np.int64)
    for sig, xs, sel in _reads(lm, chip, rows):
        vals = np.clip(np.rint(_adc_inputs(lm, chip, xs, sel) / lsb_col), lo, hi) * lsb_col
        part = np.rint((vals.reshape(n * p, lm.outputs, lm.cols_per_output) * lm.col_weights).sum(-1)).astype(np.int64)
        if not analog:
            part -= lm.offset * xs.sum(1)[:, None]
        acc += sig * part
    return acc.reshape(n, p, lm.outputs)


CASES = [  # signed, offset_reference, analog_sum, bits_per_cell, parallel_rows, rows, granularity
    ("differential", "digital", False, 1, 32, 64, "slice"),
    ("offset", "digital", False, 2, 16, 64, "slice"),
    ("offset", "analog", False, 2, 16, 64, "slice"),
    ("offset", "digital", True, 4, 8, 8, "slice"),
    ("offset", "analog", True, 4, 8, 8, "slice"),
    ("differential", "digital", True, 2, 3, 8, "layer"),
    ("offset", "analog", True, 2, 8, 8, "layer"),
]


def _case_chip(rng, case, **extra):
    """A small calibrated chip for ``case`` (default rule ``mse``; ``extra`` overrides)."""
    signed, ref, analog_sum, bpc, pr, rows, gran = case
    return make_chip(**{"crossbar.signed": signed, "crossbar.offset_reference": ref, "pe.analog_sum": analog_sum,
                        "crossbar.bits_per_cell": bpc, "crossbar.parallel_rows": pr, "crossbar.rows": rows,
                        "pe.crossbars": int(rng.integers(2, 5)), "adc.bits": int(rng.integers(2, 4)),
                        "adc.range": "calibrated", "adc.calibration_granularity": gran,
                        "adc.calibration_quantile": float(rng.choice([0.9, 0.99, 0.999])),
                        "adc.calibration_samples": 2, **extra})


@pytest.mark.parametrize("seed,rule", [(0, "quantile"), (1, "quantile"), (2, "mse")])
@pytest.mark.parametrize("case", CASES)
def test_calibrated_transfer_equals_brute_force(seed, rule, case):
    rng = np.random.default_rng(700 + seed)
    chip = _case_chip(rng, case, **{"adc.calibration_rule": rule})
    g = random_graph(rng, int_input=seed == 1, signed=seed == 1)
    m = map_graph(g, chip)
    adc = AdcModel.for_chip(chip)
    assert adc.calibrated and not adc.ideal
    adc = calibrate_adc(m, random_inputs(g, rng, rate=0.3), adc)
    assert set(adc.layer_lsb) == set(m.layers)
    seen = []
    for name, lm in m.layers.items():
        node = g.node(name)
        x = _random_layer_input(g, name, lm, rng)
        got, _ = layer_step(lm, node, x, chip, adc)
        lsbs = adc.layer_lsb[name]
        assert np.array_equal(got, _brute_force_calibrated(lm, node, x, chip, lsbs)), name
        seen.extend(lsbs)
    if rule == "quantile":  # (mse may keep one level on sparse small sums: nothing to round)
        assert max(seen) > 1  # the LSBs were not all one cell level: rounding and saturation both exercised


def _direct_quantiles(m, g, chip, inputs, name):
    """All nonzero |ADC inputs| of layer ``name`` per cell column of an output, from the ideal network on the
    first ``calibration_samples`` samples, every timestep."""
    k = chip.adc.calibration_samples
    vals = evaluate(g, inputs[:, :k], keep_values=True).values
    lm, node = m.layers[name], g.node(name)
    (src, delay), = g.inputs_of(name)
    per_col = [[] for _ in range(lm.cols_per_output)]
    for t in range(inputs.shape[0]):
        x = vals[src][t] if delay == 0 else (vals[src][t - 1] if t else np.zeros_like(vals[src][0]))
        for _, xs, sel in _reads(lm, chip, layer_input_rows(node, x)):
            v = np.abs(_adc_inputs(lm, chip, xs, sel)).reshape(-1, lm.outputs, lm.cols_per_output)
            for c in range(lm.cols_per_output):
                per_col[c].append(v[:, :, c].ravel())
    return [np.concatenate(v) for v in per_col]


@pytest.mark.parametrize("case", CASES)
def test_lsb_selection_equals_direct_quantile(case):
    rng = np.random.default_rng(11)
    chip = _case_chip(rng, case, **{"adc.calibration_rule": "quantile"})
    g = random_graph(rng)
    m = map_graph(g, chip)
    x = random_inputs(g, rng, N=3, rate=0.4)
    adc = calibrate_adc(m, x, AdcModel.for_chip(chip))
    q, max_code = chip.adc.calibration_quantile, adc.max_code
    info = adc.calibration
    assert info["samples"] == 2 and info["quantile"] == q and info["timesteps"] == x.shape[0]
    for name in m.layers:
        per_col = _direct_quantiles(m, g, chip, x, name)
        groups = per_col if chip.adc.calibration_granularity == "slice" else [np.concatenate(per_col)] * len(per_col)
        want_q, want_lsb = [], []
        for v in groups:
            v = np.sort(v[v != 0])
            qv = int(v[math.ceil(q * len(v)) - 1]) if len(v) else 0
            if len(v):
                assert qv == np.quantile(v, q, method="inverted_cdf")
            want_q.append(qv)
            want_lsb.append(2.0 ** max(0, math.ceil(math.log2(qv / max_code))) if qv else 1.0)
        assert info["layers"][name]["quantile_value"] == want_q, name
        assert adc.layer_lsb[name].tolist() == want_lsb, name
        assert info["layers"][name]["values"] == [int((v != 0).sum()) for v in per_col]


@pytest.mark.parametrize("case", CASES)
def test_mse_lsb_equals_direct_search(case):
    """The mse rule: over every power of two up to 2**20, the LSB with the least squared conversion error of the
    calibration values (significance-weighted over the columns for one LSB per layer), smallest on ties."""
    rng = np.random.default_rng(12)
    chip = _case_chip(rng, case, **{"adc.calibration_rule": "mse", "adc.bits": 2})  # 3 codes: LSBs above 1
    g = random_graph(rng)
    m = map_graph(g, chip)
    x = random_inputs(g, rng, N=3, rate=0.8)
    adc = calibrate_adc(m, x, AdcModel.for_chip(chip))
    assert adc.calibration["rule"] == "mse"
    max_code = adc.max_code

    def err(v, lsb):
        return int(((np.minimum(np.rint(v / lsb), max_code) * lsb - v) ** 2).sum())

    chosen = []
    for name, lm in m.layers.items():
        per_col = [v[v != 0].astype(np.int64) for v in _direct_quantiles(m, g, chip, x, name)]
        cands = [2**k for k in range(21)]
        if chip.adc.calibration_granularity == "slice":
            want = [float(min(cands, key=lambda L: (err(v, L), L))) for v in per_col]
        else:
            w = lm.col_weights
            best = min(cands, key=lambda L: (sum(int(wc) ** 2 * err(v, L) for v, wc in zip(per_col, w)), L))
            want = [float(best)] * lm.cols_per_output
        assert adc.layer_lsb[name].tolist() == want, name
        chosen.extend(want)
    if case != CASES[5]:  # (one LSB for case 5's layers: its high-significance columns, small sums, want one level)
        assert max(chosen) > 1


def _one_linear(w, bits=1):
    g = SnnGraph("lin")
    g.add_node("in", "input", (w.shape[1],), bits=bits)
    g.add_node("fc", "linear", (w.shape[0],), weight=w, weight_bits=8, scale=0.01, bias=None)
    g.add_node("out", "output", (w.shape[0],))
    g.add_edge("in", "fc")
    g.add_edge("fc", "out")
    return g


def test_small_sums_calibrate_to_one_level_and_are_exact():
    """Sparse inputs on 1-bit cells: every column sum <= 5 < 15, so the LSB is one cell level and the layer is
    exact, where the full range (LSB = 64 / 15 -> 4.27 levels) distorts it."""
    rng = np.random.default_rng(3)
    w = rng.integers(-127, 128, size=(24, 64)).astype(np.int8)
    g = _one_linear(w)
    x = np.zeros((3, 4, 64), np.uint8)
    for t in range(3):
        for n in range(4):
            x[t, n, rng.choice(64, size=5, replace=False)] = 1
    base = {"crossbar.signed": "differential", "crossbar.bits_per_cell": 1, "crossbar.parallel_rows": 64,
            "adc.bits": 4, "adc.calibration_quantile": 1.0, "adc.calibration_rule": "quantile"}
    chip = make_chip(**base, **{"adc.range": "calibrated"})
    m = map_graph(g, chip)
    adc = calibrate_adc(m, x, AdcModel.for_chip(chip))
    assert adc.layer_lsb["fc"].tolist() == [1.0] * m.layers["fc"].cols_per_output
    mse = calibrate_adc(m, x, AdcModel.for_chip(chip.with_changes({"adc.calibration_rule": "mse"})))
    assert mse.layer_lsb["fc"].tolist() == [1.0] * m.layers["fc"].cols_per_output  # zero error at one level
    assert max(adc.calibration["layers"]["fc"]["quantile_value"]) <= 5
    node = g.node("fc")
    exact = exact_matmul(layer_input_rows(node, x[0]), weight_matrix(node))
    got, _ = layer_step(m.layers["fc"], node, x[0], chip, adc)
    assert np.array_equal(got, exact)
    full = make_chip(**base, **{"adc.range": "full"})
    got_full, _ = layer_step(map_graph(g, full).layers["fc"], node, x[0], full, AdcModel.for_chip(full))
    assert not np.array_equal(got_full, exact)
    # all rows driven: the largest column sum (of 1-bit cells: a column's cell count) sets a coarser LSB
    dense = calibrate_adc(m, np.ones((1, 2, 64), np.uint8), AdcModel.for_chip(chip))
    top = int(m.layers["fc"].cells.astype(np.int64).sum(0).max())
    assert top > 15 and dense.layer_lsb["fc"].max() == 2.0 ** math.ceil(math.log2(top / 15))


@pytest.mark.parametrize("accounting", ["event", "dense"])
def test_counts_unchanged_and_lsbs_reported(accounting):
    """Only the transfer function changes: for the same layer input every count equals the saturate and full
    ranges' counts; the report shows the per-layer LSBs."""
    rng = np.random.default_rng(5)
    g = random_graph(rng)
    x = random_inputs(g, rng, N=2, rate=0.4)
    ov = {"crossbar.signed": "offset", "crossbar.bits_per_cell": 2, "crossbar.parallel_rows": 64,
          "pe.analog_sum": True, "accounting": accounting}
    chips = {r: make_chip(**ov, **{"adc.range": r}) for r in ("saturate", "full", "calibrated")}
    m = map_graph(g, chips["calibrated"])
    adcs = {r: AdcModel.for_chip(c) for r, c in chips.items()}
    adcs["calibrated"] = calibrate_adc(m, x, adcs["calibrated"])
    for name, lm in m.layers.items():
        node = g.node(name)
        xl = _random_layer_input(g, name, lm, rng)
        steps = {r: layer_step(lm, node, xl, chips[r], adcs[r])[1] for r in chips}
        for f in ("xbar_reads", "rows_driven", "adc_conversions", "xbar_cycles", "adc_cycles", "spikes_in", "sops"):
            assert np.array_equal(getattr(steps["calibrated"], f), getattr(steps["saturate"], f)), (name, f)
            assert np.array_equal(getattr(steps["calibrated"], f), getattr(steps["full"], f)), (name, f)
    sat = cimsim.simulate(g, chips["saturate"], inputs=x)
    cal = cimsim.simulate(g, chips["calibrated"], inputs=x)
    info = cal.meta["adc_calibration"]
    assert set(info["layers"]) == {L["name"] for L in cal.layers}
    assert cal.fidelity["adc_lsb"] == {k: v["lsb"] for k, v in info["layers"].items()}
    assert any(max(v) > 1 for v in cal.fidelity["adc_lsb"].values())
    assert "adc_calibration" not in sat.meta
    # the calibrated range distorts less than saturating at one cell level on these dense analog sums
    assert cal.fidelity["spikes_changed"] < sat.fidelity["spikes_changed"]


def test_calibration_data_is_the_first_samples_or_given_inputs():
    rng = np.random.default_rng(8)
    g = random_graph(rng)
    chip = make_chip(**{"crossbar.bits_per_cell": 2, "crossbar.signed": "offset", "crossbar.parallel_rows": 64,
                        "adc.range": "calibrated", "adc.calibration_samples": 2})
    x = random_inputs(g, rng, N=4, rate=0.5)
    m = map_graph(g, chip)
    with pytest.raises(ValueError, match="calibrate_adc"):  # execute never calibrates by itself
        execute(m, x, AdcModel.for_chip(chip))
    own = cimsim.simulate(g, chip, inputs=x)  # calibrates on x[:, :2]
    first = calibrate_adc(m, x[:, :2], AdcModel.for_chip(chip))
    assert own.fidelity["adc_lsb"] == {k: v.tolist() for k, v in first.layer_lsb.items()}
    assert np.array_equal(execute(m, x, first).outputs, own.outputs)
    # separate calibration inputs (sparser): smaller or equal LSBs, and simulate reports them
    sparse = random_inputs(g, rng, N=2, rate=0.05)
    rep = cimsim.simulate(g, chip, inputs=x, calibration_inputs=sparse)
    want = calibrate_adc(m, sparse, AdcModel.for_chip(chip))
    assert rep.fidelity["adc_lsb"] == {k: v.tolist() for k, v in want.layer_lsb.items()}
    assert all(np.all(want.layer_lsb[k] <= first.layer_lsb[k]) for k in m.layers)


def test_uncalibrated_model_is_refused():
    rng = np.random.default_rng(1)
    g = random_graph(rng)
    chip = make_chip(**{"adc.range": "calibrated", "crossbar.parallel_rows": 64})
    lm = map_graph(g, chip).layers["c1"]
    x = _random_layer_input(g, "c1", lm, rng)
    with pytest.raises(ValueError, match="c1"):
        layer_step(lm, g.node("c1"), x, chip, AdcModel.for_chip(chip))


# ------------------------------------------------------------------ configuration errors
BASE = PRESET_DIR / "spikesim_rram_65nm.yaml"


@pytest.mark.parametrize("q", [0, -0.5, 1.5, "high"])
def test_bad_quantile_is_a_user_error(tmp_path, q):
    p = tmp_path / "bad_q.yaml"
    p.write_text(f"include: [{BASE}]\n" + textwrap.dedent(f"""\
        adc:
          range: calibrated
          calibration_quantile: {q}
    """))
    with pytest.raises(UserError) as info:
        load_config(p)
    assert "adc.calibration_quantile" in str(info.value) and "bad_q.yaml" in str(info.value)
    with pytest.raises(UserError, match="adc.calibration_quantile"):
        load_config("spikesim_rram_65nm").with_changes({"adc.calibration_quantile": q})


def test_bad_range_and_quantile_exit_2_through_the_cli(tmp_path):
    code = "import sys; from cimsim.cli import main; main(sys.argv[1:])"
    for body, field in (("adc:\n  calibration_quantile: 2\n", "adc.calibration_quantile"),
                        ("adc:\n  range: measured\n", "adc.range"),
                        ("adc:\n  calibration_rule: median\n", "adc.calibration_rule"),
                        ("adc:\n  calibration_samples: 0\n", "adc.calibration_samples")):
        p = tmp_path / "bad.yaml"
        p.write_text(f"include: [{BASE}]\n" + body)
        r = subprocess.run([sys.executable, "-c", code, "check", str(p)], capture_output=True, text=True, timeout=120)
        assert r.returncode == 2, r.stderr
        assert "Traceback" not in r.stderr and field in r.stderr and "bad.yaml" in r.stderr
