"""group_activity: the Numba kernel against its numpy twin on fresh random inputs."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import reference as ref
from kernels.activity_nb import group_activity as activity_nb


@settings(max_examples=200, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    P=st.integers(1, 50),
    R=st.integers(1, 300),
    group_rows=st.integers(1, 130),
    rate=st.sampled_from([0.0, 0.05, 0.2, 0.5, 0.9, 1.0]),
)
def test_matches_reference_on_random_inputs(seed, P, R, group_rows, rate):
    x = (np.random.default_rng(seed).random((P, R)) < rate).astype(np.uint8)
    got = activity_nb(x, group_rows)
    assert got.dtype == np.int32 and got.shape == (P, -(-R // group_rows))
    np.testing.assert_array_equal(got, ref.group_activity(x, group_rows))
    assert got.sum() == x.sum()


def test_hand_computed():
    x = np.array([[1, 1, 0, 1, 1], [0, 0, 0, 0, 1]], np.uint8)
    want = np.array([[2, 1, 1], [0, 0, 1]])
    np.testing.assert_array_equal(activity_nb(x, 2), want)
    np.testing.assert_array_equal(ref.group_activity(x, 2), want)


def test_bool_and_empty_inputs():
    x = np.random.default_rng(3).random((9, 70)) < 0.4
    np.testing.assert_array_equal(activity_nb(x, 32), ref.group_activity(x, 32))
    assert activity_nb(np.zeros((0, 70), np.uint8), 32).shape == (0, 3)
    assert not activity_nb(np.zeros((4, 70), np.uint8), 32).any()
    np.testing.assert_array_equal(activity_nb(np.ones((2, 70), np.uint8), 32), [[32, 32, 6]] * 2)


def test_rejects_bad_arguments():
    with pytest.raises(ValueError, match="group_rows"):
        activity_nb(np.ones((2, 5), np.uint8), 0)
    with pytest.raises(ValueError, match="uint8"):
        activity_nb(np.ones((2, 5), np.float32), 2)
