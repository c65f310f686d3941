"""column_histogram (ADC calibration statistics): the Cython kernel against its numpy twin and a hand count."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import reference as ref
from kernels.crossbar_cy import column_histogram as histogram_cy
from kernels.crossbar_cy import column_histogram_sums as histogram_sums_cy


@settings(max_examples=300, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    P=st.integers(1, 30),
    R=st.integers(1, 120),
    outputs=st.integers(1, 12),
    cpo=st.integers(1, 4),
    group_rows=st.integers(1, 70),
    bits_per_cell=st.integers(1, 4),
    rate=st.sampled_from([0.0, 0.05, 0.3, 0.7, 1.0]),
    with_refs=st.booleans(),
)
def test_matches_reference_on_random_inputs(seed, P, R, outputs, cpo, group_rows, bits_per_cell, rate, with_refs):
    rng = np.random.default_rng(seed)
    x = (rng.random((P, R)) < rate).astype(np.uint8)
    K = outputs * cpo
    cells = rng.integers(0, 2**bits_per_cell, size=(R, K), dtype=np.uint8)
    refs = rng.integers(0, 2**bits_per_cell, size=K) if with_refs else None
    level_max = 2**bits_per_cell - 1 if seed % 2 else None  # the caller's bound, or a scan of the cells
    got = histogram_cy(x, cells, group_rows, cpo, refs, level_max)
    want = ref.column_histogram(x, cells, group_rows, cpo, refs, level_max)
    assert got.dtype == np.int64 and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    # every (read that happens, column) pair is counted once
    reads = sum(int((x[:, s:s + group_rows].sum(1) > 0).sum()) for s in range(0, R, group_rows))
    assert int(got.sum()) == reads * K


def test_hand_counted_case():
    # two rows per read; position 0 drives rows 0, 1 (one read), position 1 drives row 2 (second read of group 1)
    x = np.array([[1, 1, 0, 0], [0, 0, 1, 0]], np.uint8)
    cells = np.array([[1, 3], [2, 0], [3, 1], [0, 2]], np.uint8)  # one output, two cell columns
    refs = np.array([1, 2])
    h = histogram_cy(x, cells, 2, 2, refs)
    # column 0: (1 + 2) - 2 x 1 = 1 and 3 - 1 = 2; column 1: (3 + 0) - 2 x 2 = -1 and 1 - 2 = -1
    want = np.zeros((2, h.shape[1]), np.int64)
    want[0, 1] = want[0, 2] = 1
    want[1, 1] = 2
    np.testing.assert_array_equal(h, want)


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), P=st.integers(1, 30), R=st.integers(1, 120), outputs=st.integers(1, 12),
       cpo=st.integers(1, 4), group_rows=st.integers(1, 70), bits_per_cell=st.integers(1, 4),
       rate=st.sampled_from([0.0, 0.05, 0.3, 1.0]), with_refs=st.booleans())
def test_histogram_sums_match_reference(seed, P, R, outputs, cpo, group_rows, bits_per_cell, rate, with_refs):
    rng = np.random.default_rng(seed)
    x = (rng.random((P, R)) < rate).astype(np.uint8)
    K = outputs * cpo
    cells = rng.integers(0, 2**bits_per_cell, size=(R, K), dtype=np.uint8)
    refs = rng.integers(0, 2**bits_per_cell, size=K) if with_refs else None
    weights = rng.choice([1, -1, 2, 16, -16, 128], cpo)
    offset = int(rng.choice([0, 1, 128]))
    level_max = 2**bits_per_cell - 1 if seed % 2 else None  # the caller's bound, or a scan of the cells
    hist, sums = histogram_sums_cy(x, cells, group_rows, cpo, refs, weights, offset, level_max)
    want_hist, want_sums = ref.column_histogram_sums(x, cells, group_rows, cpo, refs, weights, offset, level_max)
    np.testing.assert_array_equal(hist, want_hist)
    plain = ref.column_histogram(x, cells, group_rows, cpo, refs)  # sized by the cells' own largest level
    np.testing.assert_array_equal(hist[:, : plain.shape[1]], plain)
    assert not hist[:, plain.shape[1]:].any()
    assert sums.dtype == np.int64 and sums.shape == (P, outputs)
    np.testing.assert_array_equal(sums, want_sums)


def test_histogram_sums_of_sliced_weights_are_the_exact_product():
    from kernels.slicing_cy import slice_cells

    rng = np.random.default_rng(5)
    w = rng.integers(-128, 128, size=(300, 20)).astype(np.int8)
    x = (rng.random((40, 300)) < 0.2).astype(np.uint8)
    cells = slice_cells(w, 2, 4, False, 128)
    _, sums = histogram_sums_cy(x, cells, 64, 4, None, 4 ** np.arange(4), 128, 3)
    np.testing.assert_array_equal(sums, x.astype(np.int64) @ w)


def test_a_too_small_level_max_stays_in_bounds():
    x = np.ones((3, 8), np.uint8)
    cells = np.full((8, 4), 15, np.uint8)
    hist, _ = histogram_sums_cy(x, cells, 4, 2, None, np.array([1, 16]), 0, 1)  # the caller's bound is wrong
    assert hist.shape == (2, 5) and int(hist.sum()) == 3 * 2 * 4


@settings(max_examples=100, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), P=st.integers(1, 20), R=st.integers(1, 90), outputs=st.integers(1, 6),
       cpo=st.integers(1, 3), group_rows=st.integers(1, 40), extra=st.integers(0, 5), with_refs=st.booleans())
def test_counts_added_into_a_given_histogram(seed, P, R, outputs, cpo, group_rows, extra, with_refs):
    """``hist=``: the counts of two calls land in one (wider) histogram, the same in the kernel and its twin."""
    rng = np.random.default_rng(seed)
    K = outputs * cpo
    xs = [(rng.random((P, R)) < 0.3).astype(np.uint8) for _ in range(2)]
    cells = rng.integers(0, 16, size=(R, K), dtype=np.uint8)
    refs = rng.integers(0, 16, size=K) if with_refs else None
    width = min(group_rows, R) * 15 + 1 + extra
    got, want = np.zeros((cpo, width), np.int64), np.zeros((cpo, width), np.int64)
    for x in xs:
        assert histogram_cy(x, cells, group_rows, cpo, refs, 15, got) is got
        h, sums = histogram_sums_cy(x, cells, group_rows, cpo, refs, np.ones(cpo), 0, 15, got)
        assert h is got
        ref.column_histogram(x, cells, group_rows, cpo, refs, 15, want)
        ref.column_histogram_sums(x, cells, group_rows, cpo, refs, np.ones(cpo), 0, 15, want)
    np.testing.assert_array_equal(got, want)
    alone = sum(ref.column_histogram(x, cells, group_rows, cpo, refs, 15) for x in xs)
    np.testing.assert_array_equal(got[:, : alone.shape[1]], 2 * alone)
    assert not got[:, alone.shape[1]:].any()


@pytest.mark.parametrize("hist", [np.zeros((2, 8), np.int64), np.zeros((3, 100), np.int64),
                                  np.zeros((2, 100), np.int32), np.zeros((100, 2), np.int64).T])
def test_rejects_a_histogram_that_does_not_fit(hist):
    x, cells = np.ones((2, 4), np.uint8), np.full((4, 4), 3, np.uint8)  # values up to 4 x 3 = 12: 13 bins
    with pytest.raises(ValueError, match="hist"):
        histogram_cy(x, cells, 4, 2, None, 3, hist)


def test_read_sums_beyond_16_bits():
    """A 6000-row read of 4-bit cells sums to up to 90000: the 32-bit accumulator, the same counts and sums."""
    rng = np.random.default_rng(3)
    x = (rng.random((3, 6000)) < 0.9).astype(np.uint8)
    x[0] = 1
    cells = rng.integers(0, 16, size=(6000, 4), dtype=np.uint8)
    cells[:, 0] = 15  # column 0 of position 0 reaches 90000
    hist, sums = histogram_sums_cy(x, cells, 6000, 2, None, np.array([1, 16]), 8, 15)
    want_hist, want_sums = ref.column_histogram_sums(x, cells, 6000, 2, None, np.array([1, 16]), 8, 15)
    np.testing.assert_array_equal(hist, want_hist)
    np.testing.assert_array_equal(sums, want_sums)
    assert hist[0, 90_000] == 1
