"""im2col_u8: the Cython unfolding of 8-bit conv inputs against its numpy twin and cimsim.ops.im2col."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cimsim.ops import im2col
from kernels import reference as ref
from kernels.im2col_cy import im2col_u8


@settings(max_examples=200, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 3), c=st.integers(1, 5), h=st.integers(1, 12),
       w=st.integers(1, 12), kh=st.integers(1, 4), kw=st.integers(1, 4), sh=st.integers(1, 3), sw=st.integers(1, 3),
       ph=st.integers(0, 2), pw=st.integers(0, 2), signed=st.booleans())
def test_matches_reference_on_random_inputs(seed, n, c, h, w, kh, kw, sh, sw, ph, pw, signed):
    rng = np.random.default_rng(seed)
    x = rng.integers(-128 if signed else 0, 128 if signed else 256, size=(n, c, h, w)).astype(
        np.int8 if signed else np.uint8)
    args = ((kh, kw), (sh, sw), (ph, pw))
    got = im2col_u8(x, *args)
    want = ref.im2col_u8(x, *args)
    assert got.dtype == x.dtype and got.shape == want.shape
    np.testing.assert_array_equal(got, want)
    if h + 2 * ph >= kh and w + 2 * pw >= kw:  # the engine's unfolding equals the oracle's
        np.testing.assert_array_equal(got, im2col(x, *args))


@pytest.mark.parametrize("x,kernel,stride,padding", [(np.zeros((1, 1, 4, 4), np.int32), (3, 3), (1, 1), (1, 1)),
                                                     (np.zeros((1, 4, 4), np.uint8), (3, 3), (1, 1), (1, 1)),
                                                     (np.zeros((1, 1, 4, 4), np.uint8), (0, 3), (1, 1), (1, 1)),
                                                     (np.zeros((1, 1, 4, 4), np.uint8), (3, 3), (1, 0), (1, 1))])
def test_rejects_bad_arguments(x, kernel, stride, padding):
    with pytest.raises(ValueError):
        im2col_u8(x, kernel, stride, padding)
