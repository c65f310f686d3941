"""column_histogram (ADC calibration statistics): the Cython kernel against its numpy twin and a hand count."""
import numpy as np
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
