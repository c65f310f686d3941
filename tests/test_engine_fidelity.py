"""The simulator computes the network: bit-for-bit equal to the numpy oracle with an ideal ADC, and equal to a
brute-force bit-sliced crossbar computation with a finite ADC."""
import numpy as np
import pytest
from conftest import layer_step, make_chip, random_graph, random_inputs

import kernels.reference as ref
from cimsim.graph import SnnGraph
from cimsim.engine.crossbar_layer import AdcModel
from cimsim.engine.execute import execute
from cimsim.functional import evaluate
from cimsim.ops import layer_input_rows
from cimsim.mapping import map_graph


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("variant", ["spikes", "recurrent", "int_signed", "int_unsigned"])
def test_ideal_adc_equals_oracle_bit_for_bit(seed, variant):
    rng = np.random.default_rng(seed)
    g = random_graph(rng, recurrent=variant == "recurrent", int_input=variant.startswith("int"),
                     signed=variant == "int_signed")
    x = random_inputs(g, rng)
    chip = make_chip(**{"crossbar.parallel_rows": int(rng.choice([4, 16, 64]))})
    ex = execute(map_graph(g, chip), x, AdcModel.for_chip(chip, force_ideal=True))
    want = evaluate(g, x)
    for n in want.spikes:
        assert np.array_equal(ex.spikes[n], want.spikes[n]), n
    assert np.array_equal(ex.outputs, want.outputs)
    assert np.array_equal(ex.predictions, want.predictions)
    assert sum(s.sum() for s in want.spikes.values()) > 0  # the comparison saw spikes


def _planes(rows, t):
    """Bit planes of the rows' two's-complement values with their signed significance (test-side, written from the
    definition rather than taken from the engine)."""
    if t.kind == "spike":
        return [(1, rows)]
    u = rows.astype(np.int64) & ((1 << t.bits) - 1)
    return [(-(1 << k) if (t.signed and k == t.bits - 1) else (1 << k), (u >> k) & 1) for k in range(t.bits)]


def _brute_force_layer(lm, node, x, chip, adc):
    """Every row group of every bit plane through the reference crossbar kernel: no shortcuts."""
    rows = layer_input_rows(node, x)
    n, p, _ = rows.shape
    planes = _planes(rows, lm.in_type)
    acc = np.zeros((n * p, lm.outputs), np.int64)
    for sig, plane in planes:
        flat = plane.reshape(n * p, -1).astype(np.uint8)
        for b in range(lm.row_blocks):
            rs = lm.row_block(b, chip)
            codes = ref.crossbar_read_adc(np.ascontiguousarray(flat[:, rs]), lm.cells[rs], chip.crossbar.parallel_rows,
                                          adc.max_code, adc.lsb)
            vals = codes.reshape(n * p, lm.outputs, lm.cols_per_output) * adc.lsb
            part = np.rint((vals * lm.col_weights).sum(-1)).astype(np.int64)
            part -= lm.offset * flat[:, rs].sum(1, dtype=np.int64)[:, None]
            acc += sig * part
    return acc.reshape(n, p, lm.outputs)


def _random_layer_input(g, name, lm, rng, n=2):
    """Random values of what drives layer ``name``: spikes at a random rate, or integers of its input type."""
    (src, _), = g.inputs_of(name)
    shape = g.node(src)["shape"]
    if lm.in_type.kind == "spike":
        return (rng.random((n, *shape)) < rng.uniform(0.1, 0.9)).astype(np.int64)
    t = lm.in_type
    lo, hi = (-(2 ** (t.bits - 1)), 2 ** (t.bits - 1)) if t.signed else (0, 2**t.bits)
    return rng.integers(lo, hi, size=(n, *shape))


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("signed_mode,adc_range,bpc", [("differential", "saturate", 1), ("differential", "saturate", 2),
                                                        ("offset", "saturate", 2), ("differential", "full", 1)])
def test_finite_adc_equals_brute_force(seed, signed_mode, adc_range, bpc):
    rng = np.random.default_rng(100 + seed)
    chip = make_chip(**{"crossbar.signed": signed_mode, "adc.range": adc_range, "crossbar.bits_per_cell": bpc,
                        "adc.bits": int(rng.integers(2, 5)), "crossbar.parallel_rows": 32})
    g = random_graph(rng, int_input=seed % 2 == 1, signed=seed == 3)
    m = map_graph(g, chip)
    adc = AdcModel.for_chip(chip)
    assert not adc.ideal
    for name, lm in m.layers.items():
        node = g.node(name)
        x = _random_layer_input(g, name, lm, rng)
        got, step = layer_step(lm, node, x, chip, adc)
        assert np.array_equal(got, _brute_force_layer(lm, node, x, chip, adc)), name


def test_finite_adc_changes_spikes_and_more_bits_change_fewer(chip):
    rng = np.random.default_rng(7)
    g = random_graph(rng)
    x = random_inputs(g, rng, rate=0.6)
    want = evaluate(g, x)
    changed = []
    for bits in (1, 2, 3, 6):
        c = make_chip(**{"adc.bits": bits, "crossbar.parallel_rows": 64})
        ex = execute(map_graph(g, c), x, AdcModel.for_chip(c))
        changed.append(sum(int((ex.spikes[n] != want.spikes[n]).sum()) for n in want.spikes))
    assert changed[0] > 0
    assert changed[-1] <= changed[0]


def test_integer_values_read_by_real_nodes_use_their_scale():
    """An avg pool over spikes is an integer sum with scale 1/area; a lif reading it sees sum x scale."""
    from cimsim.graph import SnnGraph

    g = SnnGraph("scaled")
    g.add_node("in", "input", (1, 4, 4))
    g.add_node("p", "pool", (1, 2, 2), mode="avg", kernel=(2, 2), stride=(2, 2), padding=(0, 0))
    g.add_node("l", "lif", (1, 2, 2), tau=2.0, v_threshold=0.6, v_reset=0.0)
    g.add_node("o", "output", (1, 2, 2))
    for a, b in (("in", "p"), ("p", "l"), ("l", "o")):
        g.add_edge(a, b)
    x = np.zeros((1, 1, 1, 4, 4), np.uint8)
    x[0, 0, 0, :2, :2] = 1  # window sum 4 -> real 1.0 -> h = 0.5 (no spike); an unscaled 4 would give h = 2
    x[0, 0, 0, 2:, 2:] = 1
    x[0, 0, 0, 2, 2] = 0
    res = evaluate(g, np.concatenate([x, x]), keep_values=True)
    assert not res.spikes["l"][0].any()
    assert res.spikes["l"][1, 0, 0, 0, 0]  # second step: 0.5 + (1 - 0.5) / 2 = 0.75 >= 0.6


def _brute_force_analog_sum(lm, node, x, chip, adc):
    """PE-level analog sum, from the definition: a PE read drives row group g of each of its crossbars; the ADC
    converts each column's summed current over those rows once. No kernels, no virtual arrays."""
    rows = layer_input_rows(node, x)
    n, p, _ = rows.shape
    planes = _planes(rows, lm.in_type)
    pr, R = chip.crossbar.parallel_rows, chip.crossbar.rows
    cells = lm.cells.astype(np.int64)
    acc = np.zeros((n * p, lm.outputs), np.int64)
    for sig, plane in planes:
        flat = plane.reshape(n * p, -1).astype(np.int64)
        for j in range(lm.adc_blocks):
            for g in range(-(-R // pr)):
                sel = [r for b in lm.adc_block(j) for r in range(b * R + g * pr, min(b * R + (g + 1) * pr, (b + 1) * R))
                       if r < lm.rows]
                if not sel:
                    continue
                sums = flat[:, sel] @ cells[sel]  # column currents summed over the PE's crossbars
                codes = np.minimum(np.rint(sums / adc.lsb), adc.max_code)
                vals = codes.reshape(n * p, lm.outputs, lm.cols_per_output) * adc.lsb
                part = np.rint((vals * lm.col_weights).sum(-1)).astype(np.int64)
                part -= lm.offset * flat[:, sel].sum(1)[:, None]
                acc += sig * part
    return acc.reshape(n, p, lm.outputs)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("signed_mode,adc_range,bpc,pr", [("offset", "saturate", 4, 8), ("differential", "saturate", 1, 4),
                                                           ("offset", "full", 2, 8), ("differential", "saturate", 2, 3)])
def test_analog_sum_finite_adc_equals_brute_force(seed, signed_mode, adc_range, bpc, pr):
    """pe.analog_sum: the ADC sees the column sum over the PE's crossbars (one conversion per column per PE read)."""
    rng = np.random.default_rng(300 + seed)
    chip = make_chip(**{"crossbar.signed": signed_mode, "adc.range": adc_range, "crossbar.bits_per_cell": bpc,
                        "adc.bits": int(rng.integers(2, 4)), "crossbar.parallel_rows": pr, "crossbar.rows": 8,
                        "pe.analog_sum": True, "pe.crossbars": int(rng.integers(2, 5))})
    g = random_graph(rng, int_input=seed % 2 == 1, signed=seed == 3)
    m = map_graph(g, chip)
    adc = AdcModel.for_chip(chip)
    assert not adc.ideal
    assert any(lm.row_blocks > 1 for lm in m.layers.values())
    for name, lm in m.layers.items():
        node = g.node(name)
        x = _random_layer_input(g, name, lm, rng)
        got, step = layer_step(lm, node, x, chip, adc)
        assert np.array_equal(got, _brute_force_analog_sum(lm, node, x, chip, adc)), name
        # one conversion per column per PE read: dense counts = positions x reads per ADC block x columns
        dense = chip.with_changes({"accounting": "dense"})
        _, st = layer_step(lm, node, x, dense, adc)
        R = chip.crossbar.rows  # a PE read per row group of its first (fullest) crossbar
        reads = sum(-(-min(R, lm.rows - lm.adc_block(j)[0] * R) // pr) for j in range(lm.adc_blocks))
        planes = 1 if lm.in_type.kind == "spike" else lm.in_type.bits
        assert st.adc_conversions[0, 0] == planes * lm.positions * reads * sum(lm.cols_used)


def test_analog_sum_mapping_groups_row_blocks_of_one_column_block_per_pe():
    from cimsim.components.chip import adcs_per_crossbar, adcs_per_pe, build

    chip = make_chip(**{"pe.analog_sum": True, "pe.crossbars": 4, "crossbar.bits_per_cell": 4,
                        "crossbar.signed": "offset"})
    g = SnnGraph("one")
    g.add_node("in", "input", (40, 6, 6))
    g.add_node("c", "conv", (40, 6, 6), weight=np.ones((40, 40, 3, 3), np.int8), weight_bits=4, scale=1.0,
               bias=None, stride=(1, 1), padding=(1, 1))
    g.add_node("o", "output", (40, 6, 6))
    g.add_edge("in", "c")
    g.add_edge("c", "o")
    lm = map_graph(g, chip).layers["c"]
    # 360 rows -> 6 row blocks; 4-bit weights on 4-bit cells, offset: 1 column per weight, 40 outputs: 1 col block
    assert lm.cols_per_output == 1 and lm.row_blocks == 6 and lm.col_blocks == 1
    assert lm.adc_blocks == 2 and lm.pes == 2  # PEs never mix column blocks: blocks {0..3}, {4, 5}
    assert [lm.pe_of(0, b, chip) for b in range(6)] == [0, 0, 0, 0, 1, 1]
    assert adcs_per_crossbar(chip) == 0 and adcs_per_pe(chip) == 8
    c = build(chip)
    assert c.pe.count("adc") == 8 and c.pe.count("crossbar") == 4
    off = build(chip.with_changes({"pe.analog_sum": False}))
    assert off.pe.count("adc") == 32


def _brute_force_analog_reference(lm, node, x, chip, adc):
    """Offset weights with a reference column per slice subtracted before a signed ADC, from the definition."""
    from cimsim.engine.crossbar_layer import reference_levels

    rows = layer_input_rows(node, x)
    n, p, _ = rows.shape
    refs = np.asarray(reference_levels(chip, lm.weight_bits), np.int64)
    cells = lm.cells.astype(np.int64).reshape(lm.rows, lm.outputs, lm.cols_per_output)
    pr = chip.crossbar.parallel_rows
    acc = np.zeros((n * p, lm.outputs), np.int64)
    for sig, plane in _planes(rows, lm.in_type):
        flat = plane.reshape(n * p, -1).astype(np.int64)
        for b in range(lm.row_blocks):
            rs = lm.row_block(b, chip)
            for r0 in range(rs.start, rs.stop, pr):
                r1 = min(r0 + pr, rs.stop)
                xg = flat[:, r0:r1]
                d = np.einsum("pr,rck->pck", xg, cells[r0:r1]) - xg.sum(1)[:, None, None] * refs
                codes = np.clip(np.rint(d / adc.lsb), adc.min_code, adc.max_code) * adc.lsb
                acc += sig * np.rint((codes * lm.col_weights).sum(-1)).astype(np.int64)
    return acc.reshape(n, p, lm.outputs)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("adc_range,bpc,bits", [("saturate", 4, 3), ("saturate", 2, 4), ("full", 2, 3), ("saturate", 1, 2)])
def test_analog_offset_reference_equals_brute_force(seed, adc_range, bpc, bits):
    rng = np.random.default_rng(500 + seed)
    chip = make_chip(**{"crossbar.signed": "offset", "crossbar.offset_reference": "analog", "adc.range": adc_range,
                        "crossbar.bits_per_cell": bpc, "adc.bits": bits, "crossbar.parallel_rows": 16})
    g = random_graph(rng, int_input=seed % 2 == 1, signed=seed == 3)
    m = map_graph(g, chip)
    adc = AdcModel.for_chip(chip)
    assert not adc.ideal and adc.min_code < 0
    for name, lm in m.layers.items():
        node = g.node(name)
        x = _random_layer_input(g, name, lm, rng)
        got, _ = layer_step(lm, node, x, chip, adc)
        assert np.array_equal(got, _brute_force_analog_reference(lm, node, x, chip, adc)), name


def test_analog_offset_reference_distorts_less_than_digital():
    """Removing the offset before the ADC keeps the ADC input small: far fewer spikes change."""
    rng = np.random.default_rng(9)
    g = random_graph(rng)
    x = random_inputs(g, rng, rate=0.3)
    want = evaluate(g, x)
    changed = {}
    for mode in ("digital", "analog"):
        c = make_chip(**{"crossbar.signed": "offset", "crossbar.offset_reference": mode, "crossbar.bits_per_cell": 4,
                         "adc.bits": 5, "crossbar.parallel_rows": 64})
        ex = execute(map_graph(g, c), x, AdcModel.for_chip(c))
        changed[mode] = sum(int((ex.spikes[n] != want.spikes[n]).sum()) for n in want.spikes)
    assert changed["analog"] < changed["digital"]
