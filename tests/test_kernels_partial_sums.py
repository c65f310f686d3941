"""crossbar_adc_partial_sums: the fused Cython kernel against its numpy twin and against the unfused path."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import reference as ref
from kernels.crossbar_cy import crossbar_adc_partial_sums as fused_cy
from kernels.crossbar_cy import crossbar_read_adc


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), P=st.integers(1, 30), R=st.integers(1, 200), outputs=st.integers(1, 12),
       cpo=st.integers(1, 4), group_rows=st.integers(1, 120), bits_per_cell=st.integers(1, 4),
       rate=st.sampled_from([0.0, 0.05, 0.3, 1.0]), adc_bits=st.integers(1, 8))
def test_matches_reference_on_random_inputs(seed, P, R, outputs, cpo, group_rows, bits_per_cell, rate, adc_bits):
    rng = np.random.default_rng(seed)
    x = (rng.random((P, R)) < rate).astype(np.uint8)
    cells = rng.integers(0, 2**bits_per_cell, size=(R, outputs * cpo), dtype=np.uint8)
    lsbs = 2 ** rng.integers(0, 6, cpo)
    weights = rng.choice([1, -1, 4, 16, -16, 256], cpo)
    offset = int(rng.choice([0, 1, 128]))
    level_max = 2**bits_per_cell - 1 if seed % 2 else None  # the caller's bound, or a scan of the cells
    got = fused_cy(x, cells, group_rows, 2**adc_bits - 1, lsbs, weights, offset, level_max)
    want = ref.crossbar_adc_partial_sums(x, cells, group_rows, 2**adc_bits - 1, lsbs, weights, offset)
    assert got.dtype == np.int64 and got.shape == (P, outputs)
    np.testing.assert_array_equal(got, want)


def test_equals_unfused_reads_and_shift_add():
    rng = np.random.default_rng(3)
    x = (rng.random((50, 576)) < 0.1).astype(np.uint8)
    cells = rng.integers(0, 16, size=(576, 64 * 2), dtype=np.uint8)
    lsbs, weights = np.array([8, 32]), np.array([1, 16])
    codes = np.stack([crossbar_read_adc(x, cells[:, c::2], 576, 15, float(lsbs[c])) for c in range(2)], -1)
    want = (codes * lsbs * weights).sum(-1)
    np.testing.assert_array_equal(fused_cy(x, cells, 576, 15, lsbs, weights), want)


@pytest.mark.parametrize("lsbs,weights", [([0, 1], [1, 1]), ([1], [1, 2]), ([1, 1, 1], [1, 1, 1])])
def test_rejects_bad_lsbs_or_layout(lsbs, weights):
    x = np.ones((2, 4), np.uint8)
    cells = np.ones((4, 4), np.uint8)
    with pytest.raises(ValueError):
        fused_cy(x, cells, 2, 15, np.array(lsbs), np.array(weights))


def test_a_too_small_level_max_stays_in_bounds():
    x = np.ones((3, 8), np.uint8)
    cells = np.full((8, 4), 15, np.uint8)
    got = fused_cy(x, cells, 4, 15, np.array([1, 1]), np.array([1, 16]), 0, 1)  # the caller's bound is wrong
    assert got.shape == (3, 2)  # wrong sums, but no access beyond the tables
