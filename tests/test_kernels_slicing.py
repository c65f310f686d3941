"""slice_cells: the Cython weight slicing against its numpy twin, on random weights of every layout and dtype."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import reference as ref
from kernels.slicing_cy import slice_cells


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), rows=st.integers(0, 150), cols=st.integers(0, 90),
       bpc=st.sampled_from([1, 2, 4, 8]), bits=st.sampled_from([2, 4, 8]), differential=st.booleans(),
       transposed=st.booleans(), dtype=st.sampled_from([np.int8, np.int16, np.int32, np.int64]))
def test_matches_reference_on_random_weights(seed, rows, cols, bpc, bits, differential, transposed, dtype):
    rng = np.random.default_rng(seed)
    lim = 2 ** (bits - 1)
    w = rng.integers(-lim + int(differential), lim, size=(cols, rows) if transposed else (rows, cols)).astype(dtype)
    if transposed:  # a layer's weight matrix is the transposed view of the stored weight
        w = w.T
    mag = bits - 1 if differential else bits
    slices = max(1, -(-mag // bpc))
    got = slice_cells(w, bpc, slices, differential, lim)
    want = ref.slice_cells(w, bpc, slices, differential, lim)
    assert got.dtype == np.uint8 and got.flags.c_contiguous
    np.testing.assert_array_equal(got, want)


@pytest.mark.parametrize("differential", [False, True])
def test_every_byte_value_through_the_table(differential):
    """8-bit weights go through a table of the 256 byte values: every value, signed and unsigned, transposed."""
    for w in (np.arange(-128, 128, dtype=np.int8), np.arange(256, dtype=np.uint8)):
        if differential and w.dtype == np.int8:
            w = np.maximum(w, -127).astype(np.int8)  # a differential pair holds magnitudes below 2**(bits-1)
        m = np.tile(w, 3).reshape(24, 32).T
        for bpc, slices in ((1, 8), (2, 4), (4, 2), (8, 1), (3, 3)):
            np.testing.assert_array_equal(slice_cells(m, bpc, slices, differential, 128),
                                          ref.slice_cells(m, bpc, slices, differential, 128))


def test_slices_rebuild_the_weights():
    w = np.arange(-128, 128, dtype=np.int8).reshape(16, 16).T
    cells = slice_cells(w, 2, 4, False, 128).reshape(16, 16, 4).astype(np.int64)
    np.testing.assert_array_equal((cells * (4 ** np.arange(4))).sum(-1) - 128, w)


@pytest.mark.parametrize("args", [(np.zeros((2, 2), np.int8), 0, 1), (np.zeros((2, 2), np.int8), 9, 1),
                                  (np.zeros((2, 2), np.int8), 2, 0), (np.zeros(4, np.int8), 2, 1),
                                  (np.zeros((2, 2), np.float32), 2, 1)])
def test_rejects_bad_arguments(args):
    w, bpc, slices = args
    with pytest.raises(ValueError):
        slice_cells(w, bpc, slices, False, 0)
