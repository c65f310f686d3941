"""lif_update: the Numba kernel is bit-for-bit equal to its numpy twin and to the LIF model's numpy step."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from cimsim.neurons import LIF
from kernels import reference as ref
from kernels.neurons_nb import lif_update as lif_nb

F32 = np.float32


@settings(max_examples=120, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.sampled_from([(1,), (7,), (3, 5), (2, 4, 3, 3), (16, 8, 8)]),
    soft=st.booleans(),
    tau=st.floats(1.01, 50.0),
    v_threshold=st.floats(0.01, 5.0),
    v_reset=st.floats(-1.0, 0.5),
    input_scale=st.floats(0.01, 10.0),
)
def test_bit_exact_over_many_steps(seed, shape, soft, tau, v_threshold, v_reset, input_scale):
    rng = np.random.default_rng(seed)
    decay, thr = F32(1.0 / tau), F32(v_threshold)
    r = F32(0.0 if soft else v_reset)
    v_fast = np.full(shape, r, F32)
    v_ref = v_fast.copy()
    for _ in range(12):
        x = (rng.standard_normal(shape) * input_scale).astype(F32)
        s_fast = lif_nb(x, v_fast, decay, r, thr, soft)
        s_ref = ref.lif_update(x, v_ref, decay, r, thr, soft)
        assert s_fast.dtype == np.uint8 and s_fast.shape == shape
        np.testing.assert_array_equal(s_fast, s_ref)
        assert np.array_equal(v_fast.view(np.uint32), v_ref.view(np.uint32))  # bit for bit, incl. -0.0


@pytest.mark.parametrize("soft", [False, True])
def test_matches_functional_oracle(soft):
    """Same result as the LIF model's numpy step (cimsim.neurons), over 50 timesteps."""
    node = {"kind": "lif", "tau": 2.3, "v_threshold": 0.77, "v_reset": None if soft else -0.1}
    model = LIF.from_node(node)
    decay, thr = F32(1.0 / node["tau"]), F32(node["v_threshold"])
    r = F32(0.0 if soft else node["v_reset"])
    rng = np.random.default_rng(7)
    v_fast = np.full((4, 6, 5, 5), r, F32)
    v_oracle = v_fast.copy()
    n_spikes = 0
    for _ in range(50):
        x = rng.standard_normal(v_fast.shape).astype(F32)
        s_fast = lif_nb(x, v_fast, decay, r, thr, soft)
        s_oracle, v_oracle = model.step(x, v_oracle)
        np.testing.assert_array_equal(s_fast.astype(bool), s_oracle)
        assert np.array_equal(v_fast.view(np.uint32), v_oracle.view(np.uint32))
        n_spikes += int(s_fast.sum())
    assert 0 < n_spikes < 50 * v_fast.size  # the case exercises both firing and not firing


def test_python_float_scalars_are_cast_to_float32():
    """Passing Python floats must not promote the arithmetic to float64."""
    rng = np.random.default_rng(11)
    x = rng.standard_normal(1000).astype(F32)
    v_fast = rng.standard_normal(1000).astype(F32)
    v_ref = v_fast.copy()
    s_fast = lif_nb(x, v_fast, 1.0 / 3.0, 0.1, 0.3, False)
    s_ref = ref.lif_update(x, v_ref, F32(1.0 / 3.0), F32(0.1), F32(0.3), False)
    np.testing.assert_array_equal(s_fast, s_ref)
    assert np.array_equal(v_fast, v_ref)


def test_threshold_edge_fires_and_soft_reset_subtracts():
    x = np.array([1.0, 0.0], F32)
    v = np.array([0.0, 0.0], F32)
    s = lif_nb(x, v, F32(0.5), F32(0.0), F32(0.5), True)  # h = [0.5, 0]: exactly at threshold fires
    np.testing.assert_array_equal(s, [1, 0])
    np.testing.assert_array_equal(v, [0.0, 0.0])


def test_rejects_bad_arguments():
    v = np.zeros(4, F32)
    with pytest.raises(ValueError, match="float32"):
        lif_nb(np.zeros(4, np.float64), v, 0.5, 0.0, 1.0, False)
    with pytest.raises(ValueError, match="same shape"):
        lif_nb(np.zeros(5, F32), v, 0.5, 0.0, 1.0, False)
    with pytest.raises(ValueError, match="C-contiguous"):
        lif_nb(np.zeros((4, 4), F32).T, np.zeros((4, 4), F32).T, 0.5, 0.0, 1.0, False)
