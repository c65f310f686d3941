"""route_packets: the Cython NoC loop against its Python twin, plus hand-computed cases."""
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from kernels import reference as ref
from kernels.noc_cy import route_packets as route_cy


def _links(mesh_rows, mesh_cols):
    return np.zeros(mesh_rows * mesh_cols * 4, np.int64)


@settings(max_examples=150, deadline=None)
@given(
    seed=st.integers(0, 2**32 - 1),
    mesh_rows=st.integers(1, 9),
    mesh_cols=st.integers(1, 9),
    M=st.integers(0, 300),
    router_cycles=st.integers(0, 4),
    link_cycles=st.integers(0, 4),
    max_flits=st.integers(1, 9),
    span=st.sampled_from([1, 10, 1000]),
)
def test_matches_reference_on_random_traffic(seed, mesh_rows, mesh_cols, M, router_cycles, link_cycles, max_flits,
                                             span):
    rng = np.random.default_rng(seed)
    n_tiles = mesh_rows * mesh_cols
    src = rng.integers(0, n_tiles, M).astype(np.int32)
    dst = rng.integers(0, n_tiles, M).astype(np.int32)
    ready = np.sort(rng.integers(0, span, M)).astype(np.int64)
    flits = rng.integers(1, max_flits + 1, M).astype(np.int32)
    busy = rng.integers(0, span, n_tiles * 4).astype(np.int64)  # earlier traffic
    lf_fast, lf_ref = busy.copy(), busy.copy()
    arr_fast, hops_fast = route_cy(src, dst, ready, flits, mesh_rows, mesh_cols, router_cycles, link_cycles, lf_fast)
    arr_ref, hops_ref = ref.route_packets(src, dst, ready, flits, mesh_rows, mesh_cols, router_cycles, link_cycles,
                                          lf_ref)
    assert arr_fast.dtype == np.int64 and hops_fast.dtype == np.int32
    np.testing.assert_array_equal(arr_fast, arr_ref)
    np.testing.assert_array_equal(hops_fast, hops_ref)
    np.testing.assert_array_equal(lf_fast, lf_ref)
    manhattan = np.abs(src % mesh_cols - dst % mesh_cols) + np.abs(src // mesh_cols - dst // mesh_cols)
    np.testing.assert_array_equal(hops_fast, manhattan)


@pytest.mark.parametrize("route", [route_cy, ref.route_packets])
def test_one_packet_three_hops(route):
    # 4x4 mesh, tile 0 = (0, 0) -> tile 6 = (2, 1): east, east, south.
    lf = _links(4, 4)
    arrival, hops = route([0], [6], [10], [4], 4, 4, 2, 1, lf)
    # t = 10 + 2; each hop adds link 1 + router 2: 15, 18, 21; tail 3 flits later.
    assert hops.tolist() == [3] and arrival.tolist() == [24]
    expected = _links(4, 4)
    expected[0 * 4 + 0], expected[1 * 4 + 0], expected[2 * 4 + 3] = 12 + 4, 15 + 4, 18 + 4
    np.testing.assert_array_equal(lf, expected)


@pytest.mark.parametrize("route", [route_cy, ref.route_packets])
def test_contention_delays_second_packet_by_its_flits(route):
    flits, link_cycles = 3, 2
    lf = _links(1, 2)
    arrival, hops = route([0, 0], [1, 1], [0, 0], [flits, flits], 1, 2, 1, link_cycles, lf)
    assert arrival[0] == 1 + link_cycles + 1 + (flits - 1) * link_cycles
    assert arrival[1] - arrival[0] == flits * link_cycles
    assert hops.tolist() == [1, 1]


@pytest.mark.parametrize("route", [route_cy, ref.route_packets])
def test_west_north_links_and_local_packet(route):
    lf = _links(3, 3)
    arrival, hops = route([8, 4], [0, 4], [0, 5], [1, 2], 3, 3, 1, 1, lf)
    # (2,2) -> (0,0): west from tiles 8 and 7, then north from tiles 6 and 3.
    assert np.flatnonzero(lf).tolist() == sorted([8 * 4 + 1, 7 * 4 + 1, 6 * 4 + 2, 3 * 4 + 2])
    assert hops.tolist() == [4, 0]
    assert arrival[1] == 5 + 1 + (2 - 1) * 1  # src == dst: injection router and tail only


def test_successive_calls_see_earlier_traffic():
    rng = np.random.default_rng(3)
    M = 200
    src, dst = rng.integers(0, 16, M).astype(np.int32), rng.integers(0, 16, M).astype(np.int32)
    ready, flits = np.sort(rng.integers(0, 100, M)), rng.integers(1, 5, M).astype(np.int32)
    lf_once, lf_split = _links(4, 4), _links(4, 4)
    arr_once, _ = route_cy(src, dst, ready, flits, 4, 4, 1, 1, lf_once)
    a1, _ = route_cy(src[:80], dst[:80], ready[:80], flits[:80], 4, 4, 1, 1, lf_split)
    a2, _ = route_cy(src[80:], dst[80:], ready[80:], flits[80:], 4, 4, 1, 1, lf_split)
    np.testing.assert_array_equal(np.concatenate([a1, a2]), arr_once)
    np.testing.assert_array_equal(lf_split, lf_once)


@pytest.mark.parametrize("kwargs,match", [
    (dict(dst=[16]), "tile ids"),
    (dict(flits=[0]), "flit"),
    (dict(link_free=np.zeros(10, np.int64)), "link_free"),
    (dict(link_free=np.zeros(64, np.int32)), "link_free"),
    (dict(ready=[0, 1]), "equal length"),
])
def test_rejects_bad_arguments(kwargs, match):
    args = dict(src=[0], dst=[5], ready=[0], flits=[1], mesh_rows=4, mesh_cols=4, router_cycles=1, link_cycles=1,
                link_free=_links(4, 4))
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        route_cy(**args)
