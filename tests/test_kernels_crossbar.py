"""crossbar_read_adc: the Cython kernel against its numpy twin on fresh random inputs, plus hand-computed cases."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import kernels
from kernels import reference as ref
from kernels.crossbar_cy import crossbar_read_adc as crossbar_cy


def _random_case(seed, P, R, K, bits_per_cell, rate):
    rng = np.random.default_rng(seed)
    x = (rng.random((P, R)) < rate).astype(np.uint8)
    cells = rng.integers(0, 2**bits_per_cell, size=(R, K), dtype=np.uint8)
    return x, cells


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    P=st.integers(1, 40),
    R=st.integers(1, 150),
    K=st.integers(1, 40),
    group_rows=st.integers(1, 80),
    bits_per_cell=st.integers(1, 4),
    rate=st.sampled_from([0.0, 0.02, 0.1, 0.3, 0.5, 0.8, 1.0]),
    adc_bits=st.integers(1, 16),
    lsb=st.sampled_from([1.0, 2.0, 0.5, 1.5, 2.5, 0.37, 3.0, 7.3]),
)
def test_matches_reference_on_random_inputs(seed, P, R, K, group_rows, bits_per_cell, rate, adc_bits, lsb):
    x, cells = _random_case(seed, P, R, K, bits_per_cell, rate)
    max_code = 2**adc_bits - 1
    got = crossbar_cy(x, cells, group_rows, max_code, lsb)
    want = ref.crossbar_read_adc(x, cells, group_rows, max_code, lsb)
    assert got.dtype == np.int64 and got.shape == (P, K)
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("fill", ["empty", "ones"])
@pytest.mark.parametrize("max_code,lsb", [(1, 1.0), (15, 1.0), (2**16 - 1, 1.0), (15, 2.0), (255, 0.75)])
def test_empty_and_all_ones(fill, max_code, lsb):
    P, R, K, group_rows = 7, 100, 33, 16  # R not a multiple of group_rows
    x = np.zeros((P, R), np.uint8) if fill == "empty" else np.ones((P, R), np.uint8)
    cells = np.random.default_rng(1).integers(0, 16, size=(R, K), dtype=np.uint8)
    got = crossbar_cy(x, cells, group_rows, max_code, lsb)
    np.testing.assert_array_equal(got, ref.crossbar_read_adc(x, cells, group_rows, max_code, lsb))
    if fill == "empty":
        assert not got.any()


def test_realistic_shape_many_sparsities():
    P, R, K = 64, 576, 64 * 7 * 2
    for i, rate in enumerate(np.linspace(0.0, 1.0, 6)):
        x, cells = _random_case(100 + i, P, R, K, 2, rate)
        for max_code, lsb in ((15, 1.0), (10**9, 1.0), (15, 3.0)):
            np.testing.assert_array_equal(crossbar_cy(x, cells, 64, max_code, lsb),
                                          ref.crossbar_read_adc(x, cells, 64, max_code, lsb))


@pytest.mark.parametrize("max_code,lsb", [(2**16 - 1, 1.0), (10**9, 1.0), (70_000, 1.0), (300, 7.5)])
def test_group_sums_beyond_16_bits(max_code, lsb):
    """A 6000-row group of 4-bit cells can sum to 90000: the kernel must switch to a 32-bit accumulator."""
    x, cells = _random_case(9, 3, 6000, 5, 4, 0.9)
    x[0] = 1
    cells[:, 0] = 15  # column 0 of position 0 reaches 90000
    got = crossbar_cy(x, cells, 6000, max_code, lsb)
    np.testing.assert_array_equal(got, ref.crossbar_read_adc(x, cells, 6000, max_code, lsb))
    assert got[0, 0] == min(round(90_000 / lsb), max_code)


def test_hand_computed_clipping_is_per_group():
    # rows 0-1 form group 0, rows 2-3 group 1.
    cells = np.array([[3, 0], [3, 1], [1, 2], [2, 2]], np.uint8)
    x = np.array([[1, 1, 1, 0], [0, 0, 1, 1]], np.uint8)
    # bitline sums (group 0, group 1): row 0 -> col 0 (6, 1), col 1 (1, 2); row 1 -> col 0 (0, 3), col 1 (0, 4)
    want_clip4 = np.array([[4 + 1, 1 + 2], [3, 4]])  # 6 clips to 4 inside group 0, not on the total
    for kernel in (crossbar_cy, ref.crossbar_read_adc):
        np.testing.assert_array_equal(kernel(x, cells, 2, 4, 1.0), want_clip4)
    # lsb = 2 rounds half to even: 6/2 = 3, 1/2 = 0.5 -> 0, 2/2 = 1, 3/2 = 1.5 -> 2, 4/2 = 2.
    want_lsb2 = np.array([[3 + 0, 0 + 1], [2, 2]])
    for kernel in (crossbar_cy, ref.crossbar_read_adc):
        np.testing.assert_array_equal(kernel(x, cells, 2, 255, 2.0), want_lsb2)


def test_accepts_bool_and_non_contiguous_inputs():
    x, cells = _random_case(5, 20, 90, 30, 3, 0.3)
    want = ref.crossbar_read_adc(x, cells, 32, 7, 1.0)
    xb = np.asfortranarray(x.astype(bool))
    cells_strided = np.asfortranarray(cells)
    np.testing.assert_array_equal(crossbar_cy(xb, cells_strided, 32, 7, 1.0), want)


def test_empty_dimensions():
    assert crossbar_cy(np.zeros((0, 5), np.uint8), np.ones((5, 3), np.uint8), 2, 15, 1.0).shape == (0, 3)
    assert crossbar_cy(np.ones((4, 5), np.uint8), np.ones((5, 0), np.uint8), 2, 15, 1.0).shape == (4, 0)


@pytest.mark.parametrize("kwargs,match", [
    (dict(group_rows=0), "group_rows"),
    (dict(max_code=-1), "max_code"),
    (dict(lsb=0.0), "lsb"),
    (dict(cells=np.ones((4, 3), np.uint8)), "rows"),
    (dict(x=np.ones((2, 5), np.int32)), "uint8"),
])
def test_rejects_bad_arguments(kwargs, match):
    args = dict(x=np.ones((2, 5), np.uint8), cells=np.ones((5, 3), np.uint8), group_rows=2, max_code=15, lsb=1.0)
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        crossbar_cy(**args)


def test_package_exports_fast_backend():
    assert kernels.BACKEND["crossbar_read_adc"] in ("cython", "reference")
