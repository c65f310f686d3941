"""Multi-level row drives: a layer applying ``in_bits_per_read`` input bits per read (an input DAC) instead of one.

The layer's digits, the unit-level identity the kernels compute it with, the counts (hand-computed), the values
(exact with an ideal ADC) and the torch crossbar product against the simulator.
"""
from dataclasses import replace

import numpy as np
import pytest
import torch

import kernels
from cimsim.engine.crossbar_layer import AdcModel, unit_levels
from cimsim.mapping import map_graph
from cimsim.ops import exact_matmul, layer_input_rows
from neuronas.quant.crossbar import CrossbarReads, adc_product
from conftest import layer_step, linear_graph, make_chip


def _layer(chip, per_read, **net):
    g = linear_graph(**{"bits": 8, **net})
    lm = map_graph(g, chip, chip.run).layers["fc"]
    return replace(lm, in_bits_per_read=per_read), g.node("fc")


def test_digits_of_unsigned_and_signed_inputs():
    chip = make_chip()
    lm, _ = _layer(chip, 2)
    assert lm.in_digits == ((1, 0, 2), (4, 2, 2), (16, 4, 2), (64, 6, 2)) and lm.in_planes == 4
    assert lm.input_levels == 3
    assert _layer(chip, 3)[0].in_digits == ((1, 0, 3), (8, 3, 3), (64, 6, 2))
    signed, _ = _layer(chip, 2, signed=True)  # the sign bit is applied alone (a row has no negative level)
    assert signed.in_digits == ((1, 0, 2), (4, 2, 2), (16, 4, 2), (64, 6, 1), (-128, 7, 1))
    serial, _ = _layer(chip, 1, signed=True)  # bit-serial: the bit planes as before
    assert serial.in_digits == tuple(((-1 if k == 7 else 1) << k, k, 1) for k in range(8))
    assert serial.input_levels == 1


@pytest.mark.parametrize("backend", ["fast", "reference"])
def test_unit_levels_give_the_multi_level_bitline_sums(backend):
    kern = kernels if backend == "fast" else kernels.reference
    rng = np.random.default_rng(4)
    levels, per_read, lsb, max_code = 3, 5, 2.0, 9
    x = rng.integers(0, levels + 1, (7, 23)).astype(np.uint8)
    cells = rng.integers(0, 4, (23, 6)).astype(np.uint8)
    want = np.zeros((7, 6), np.int64)
    for r0 in range(0, 23, per_read):  # one conversion per read of the rows driven at their levels
        s = x[:, r0:r0 + per_read].astype(np.int64) @ cells[r0:r0 + per_read]
        want += np.minimum(np.round(s / lsb), max_code).astype(np.int64)
    xu, cu = unit_levels(x, levels), np.repeat(cells, levels, 0)
    assert xu.shape == (7, 23 * levels) and xu.dtype == np.uint8
    np.testing.assert_array_equal(kern.crossbar_read_adc(xu, cu, per_read * levels, max_code, lsb), want)
    hist = kern.column_histogram(xu, cu, per_read * levels, 2)
    sums = [x[:, r0:r0 + per_read].astype(np.int64) @ cells[r0:r0 + per_read] for r0 in range(0, 23, per_read)]
    live = [s[x[:, r0:r0 + per_read].any(1)] for s, r0 in zip(sums, range(0, 23, per_read))]
    for c in range(2):
        vals = np.concatenate([s[:, c::2].ravel() for s in live])
        np.testing.assert_array_equal(hist[c], np.bincount(vals, minlength=hist.shape[1]))
    assert unit_levels(x, 1) is x


def test_two_bits_per_read_halve_reads_with_the_same_exact_values():
    """64 inputs of 255 on one 64-row crossbar, 16 rows per read, 4 outputs x 14 cell columns (7 magnitude
    slices x 2 signs): bit-serial, 8 planes x 4 row groups = 32 reads; two bits per read, 4 digits x 4 = 16."""
    chip = make_chip()
    adc = AdcModel.for_chip(chip, force_ideal=True)
    x = np.full((1, 64), 255, np.int64)
    got = {}
    for b in (1, 2):
        lm, node = _layer(chip, b)
        got[b] = layer_step(lm, node, x, chip, adc)
        np.testing.assert_array_equal(got[b][0].reshape(1, -1), exact_matmul(layer_input_rows(node, x), lm.wmat)
                                      .reshape(1, -1))
    (_, c1), (_, c2) = got[1], got[2]
    assert (int(c1.xbar_reads.sum()), int(c2.xbar_reads.sum())) == (32, 16)
    assert (int(c1.rows_driven.sum()), int(c2.rows_driven.sum())) == (8 * 64, 4 * 64)
    assert (int(c1.adc_conversions.sum()), int(c2.adc_conversions.sum())) == (32 * 56, 16 * 56)
    assert (int(c1.xbar_cycles.sum()), int(c2.xbar_cycles.sum())) == (32, 16)
    # shift-add of the digits' partial sums: (planes - 1) per output
    assert (int(c1.accumulations.sum()), int(c2.accumulations.sum())) == (4 * 7, 4 * 3)


def test_a_multi_level_read_widens_the_adc_range():
    chip = make_chip(**{"adc.bits": 5, "adc.range": "full"})  # 16 rows x 1 level fit 31 codes; x 3 levels do not
    adc = AdcModel.for_chip(chip)
    one, _ = _layer(chip, 1)
    two, _ = _layer(chip, 2)
    assert adc.ideal_for(one) and not adc.ideal_for(two)
    assert adc.column_lsbs(one)[0] == 1.0 and adc.column_lsbs(two)[0] == pytest.approx(16 * 3 / 31)


# ``full`` range: LSBs of 15 or 5 rows x 3 or 7 levels (x 3 with 2-bit cells) over 15 codes are integers, whose
# codes float32 (torch) and float64 (the simulator) round alike
VARIANTS = [
    {"adc.range": "saturate"},
    {"adc.range": "full", "crossbar.parallel_rows": 15},
    {"adc.range": "saturate", "crossbar.signed": "offset"},
    {"adc.range": "saturate", "crossbar.signed": "offset", "crossbar.offset_reference": "analog", "adc.bits": 5},
    {"adc.range": "full", "crossbar.bits_per_cell": 2, "crossbar.parallel_rows": 5},
    {"adc.range": "saturate", "pe.analog_sum": True},
]


@pytest.mark.parametrize("signed", [False, True])
@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()))
def test_torch_product_equals_the_simulator(overrides, signed):
    chip = make_chip(**overrides)
    adc = AdcModel.for_chip(chip)
    rng = np.random.default_rng(2)
    lo, hi = (-128, 128) if signed else (0, 256)
    x = rng.integers(lo, hi, (3, 150))
    for b in (2, 3):
        lm, node = _layer(chip, b, signed=signed, inputs=150, outputs=6)
        ref, counts = layer_step(lm, node, x, chip, adc)
        spec = CrossbarReads.from_mapping(lm, chip, adc)
        got = adc_product(torch.from_numpy(layer_input_rows(node, x).reshape(-1, lm.rows).astype(np.float32)),
                          torch.from_numpy(lm.wmat.astype(np.float32)), spec)
        np.testing.assert_array_equal(got.numpy().astype(np.int64), ref.reshape(-1, lm.outputs))
        assert not np.array_equal(ref.reshape(3, -1), exact_matmul(layer_input_rows(node, x), lm.wmat).reshape(3, -1))


@pytest.mark.parametrize("analog_sum", [False, True])
def test_non_ideal_reads_drive_each_level(analog_sum):
    """Devices within a millionth of their levels and an ideal ADC: every read is rounded to a cell level, so the
    multi-level reads through the devices give the exact product."""
    from cimsim.nonideal import ChipInstance

    chip = make_chip(**{"crossbar.nonideal.enabled": True, "crossbar.nonideal.d2d_sigma": 1e-6,
                        "pe.analog_sum": analog_sum})
    adc = replace(AdcModel.for_chip(chip, force_ideal=True), devices=ChipInstance(chip, 0))
    x = np.random.default_rng(5).integers(0, 256, (2, 150))
    lm, node = _layer(chip, 2, inputs=150)
    got, counts = layer_step(lm, node, x, chip, adc)
    np.testing.assert_array_equal(got, exact_matmul(layer_input_rows(node, x), lm.wmat))
    assert int(counts.xbar_reads.sum()) > 0
