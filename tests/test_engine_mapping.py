"""Mapping: crossbar grid, bit slicing, placement, and the does-not-fit message."""
import numpy as np
import pytest
from conftest import make_chip, random_graph, random_inputs

from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from cimsim.mapping import map_graph, slice_weights


@pytest.mark.parametrize("signed,bpc,bits", [("differential", 1, 8), ("differential", 2, 8), ("offset", 2, 8),
                                             ("offset", 4, 8), ("differential", 2, 4), ("differential", 3, 6)])
def test_slices_reconstruct_weights(signed, bpc, bits):
    chip = make_chip(**{"crossbar.signed": signed, "crossbar.bits_per_cell": bpc, "weight_bits": bits})
    rng = np.random.default_rng(0)
    lim = 2 ** (bits - 1) - 1
    w = rng.integers(-lim, lim + 1, size=(37, 11))
    cells, colw, offset = slice_weights(w, chip)
    assert cells.max() <= 2**bpc - 1
    per_out = cells.reshape(37, 11, -1)
    assert np.array_equal((per_out * colw).sum(-1) - offset, w)


def _conv_graph(cin, cout, hw, k=3):
    g = SnnGraph("one")
    g.add_node("in", "input", (cin, hw, hw))
    g.add_node("c", "conv", (cout, hw, hw), weight=np.ones((cout, cin, k, k), np.int8), weight_bits=8, scale=1.0,
               bias=None, stride=(1, 1), padding=(k // 2, k // 2))
    g.add_node("o", "output", (cout, hw, hw))
    g.add_edge("in", "c")
    g.add_edge("c", "o")
    return g


def test_crossbar_grid_counts():
    chip = make_chip()  # 64x64, 1 bit/cell differential 8-bit -> 14 columns per weight, 4 outputs per crossbar
    m = map_graph(_conv_graph(16, 10, 6), chip)
    lm = m.layers["c"]
    assert lm.cols_per_output == 14 and lm.outputs_per_crossbar == 4
    assert lm.rows == 144 and lm.row_blocks == 3 and lm.col_blocks == 3 and lm.crossbars == 9
    assert lm.pes == 3 and lm.tiles == 1
    assert lm.cols_used == [56, 56, 28]
    assert lm.positions == 36


def test_layers_own_distinct_neighbouring_tiles():
    rng = np.random.default_rng(1)
    m = map_graph(random_graph(rng), make_chip())
    ids = [t for lm in m.layers.values() for t in lm.tile_ids]
    assert len(ids) == len(set(ids))
    xy = [m.tile_xy[t] for t in ids]
    assert all(abs(a[0] - b[0]) + abs(a[1] - b[1]) == 1 for a, b in zip(xy, xy[1:]))  # snake placement


def test_network_that_does_not_fit_names_needed_and_available():
    chip = make_chip(tiles=1)
    with pytest.raises(UserError, match=r"needs \d+ crossbars in \d+ tiles .* chip has 16 crossbars in 1 tiles"):
        map_graph(_conv_graph(64, 64, 4), chip)


def test_weight_wider_than_chip_rejected():
    chip = make_chip(weight_bits=4)
    with pytest.raises(UserError, match="8-bit weights"):
        map_graph(_conv_graph(2, 2, 4), chip)


def _two_conv_graph():
    """A 16x16 conv feeding a 4x4 conv (after a pool): duplication gives the first layer 16 copies."""
    g = SnnGraph("dup")
    rng = np.random.default_rng(3)
    g.add_node("in", "input", (3, 16, 16))
    g.add_node("c1", "conv", (8, 16, 16), weight=rng.integers(-9, 9, (8, 3, 3, 3)).astype(np.int8), weight_bits=8,
               scale=0.05, bias=None, stride=(1, 1), padding=(1, 1))
    g.add_node("l1", "lif", (8, 16, 16), tau=2.0, v_threshold=1.0, v_reset=0.0)
    g.add_node("p1", "pool", (8, 4, 4), mode="max", kernel=(4, 4), stride=(4, 4), padding=(0, 0))
    g.add_node("c2", "conv", (8, 4, 4), weight=rng.integers(-9, 9, (8, 8, 3, 3)).astype(np.int8), weight_bits=8,
               scale=0.05, bias=None, stride=(1, 1), padding=(1, 1))
    g.add_node("o", "output", (8, 4, 4))
    for u, v in (("in", "c1"), ("c1", "l1"), ("l1", "p1"), ("p1", "c2"), ("c2", "o")):
        g.add_edge(u, v)
    return g


@pytest.mark.parametrize("analog_sum", [False, True])
def test_packed_copies_share_tiles_and_compute_the_same(analog_sum):
    """``mapping.pack_copies``: a duplicated layer's copies fill PEs and tiles one after the other; the function,
    the action counts and the copies are unchanged, only the hardware occupied shrinks."""
    import cimsim

    base = {"mapping.duplicate_to_balance": True, "pe.analog_sum": analog_sum}
    own = make_chip(**base)
    packed = make_chip(**base, **{"mapping.pack_copies": True})
    g = _two_conv_graph()
    m_own, m_packed = map_graph(g, own), map_graph(g, packed)
    a, b = m_own.layers["c1"], m_packed.layers["c1"]
    assert a.copies == b.copies == 16 and a.crossbars == b.crossbars
    per_copy_pes = a.pes // a.copies
    assert a.tiles == 16 * -(-per_copy_pes // own.tile.pes)  # whole tiles per copy
    if analog_sum:
        assert b.pes == a.pes
    else:  # crossbars of consecutive copies share PEs
        assert b.pes == -(-a.crossbars // packed.pe.crossbars)
    assert b.tiles == -(-b.pes // packed.tile.pes) < a.tiles
    for lm in (a, b):
        pl = lm.placement
        assert len(pl.in_frac) == len(pl.out_frac) == lm.tiles
        for frac in (pl.in_frac, pl.out_frac):
            assert (frac > 0).all() and (frac <= 1).all() and frac.sum() >= 1 - 1e-9
    inputs = (np.random.default_rng(0).random((2, 1, 3, 16, 16)) < 0.3).astype(np.uint8)
    r_own = cimsim.simulate(g, own, inputs=inputs, ideal_adc=True, fidelity=False)
    r_packed = cimsim.simulate(g, packed, inputs=inputs, ideal_adc=True, fidelity=False)
    assert np.array_equal(r_own.outputs, r_packed.outputs)
    for la, lb in zip(r_own.layers, r_packed.layers):
        assert la["adc_conversions"] == lb["adc_conversions"] and la["xbar_reads"] == lb["xbar_reads"]
    assert r_packed.activity["tiles_used"] < r_own.activity["tiles_used"]
    assert r_packed.totals["area_m2"] < r_own.totals["area_m2"]


@pytest.mark.parametrize("analog_sum", [False, True])
def test_shared_tiles_pack_layers_and_compute_the_same(analog_sum):
    """``mapping.share_tiles``: each layer's PEs follow the previous layer's; a boundary tile holds both, tiles used =
    ceil(all PEs / PEs per tile); the function and the action counts are unchanged."""
    import cimsim

    rng = np.random.default_rng(5)
    g = random_graph(rng)
    own = make_chip(**{"pe.analog_sum": analog_sum, "tile.pes": 3})
    shared = make_chip(**{"pe.analog_sum": analog_sum, "tile.pes": 3, "mapping.share_tiles": True})
    m_own, m_sh = map_graph(g, own), map_graph(g, shared)
    pes = [m_sh.layers[n].pes for n in m_sh.order]
    assert pes == [m_own.layers[n].pes for n in m_own.order]
    assert m_sh.tiles_used == -(-sum(pes) // 3) <= m_own.tiles_used
    start = 0
    for n in m_sh.order:
        lm = m_sh.layers[n]
        assert lm.pe_offset == start % 3 and lm.tiles == -(-(lm.pe_offset + lm.pes) // 3)
        for frac in (lm.placement.in_frac, lm.placement.out_frac):  # every tile holds part, all parts are covered
            assert len(frac) == lm.tiles and (frac > 0).all() and (frac <= 1).all() and frac.sum() >= 1 - 1e-9
        start += lm.pes
    # LIF units split by PEs within each tile: never more than a tile has, unless every layer needs its minimum one
    units = shared.tile.lif.units
    for tid in {t for n in m_sh.order for t in m_sh.layers[n].tile_ids}:
        sharing = [n for n in m_sh.order if tid in m_sh.layers[n].tile_ids]
        if len(sharing) == 1:
            continue
        assert sum(m_sh.layers[n].lif_units for n in sharing if len(m_sh.layers[n].tile_ids) == 1) <= max(
            units, len(sharing))
    ids = [m_sh.layers[n].tile_ids for n in m_sh.order]
    for a, b, n in zip(ids, ids[1:], m_sh.order[1:]):
        if m_sh.layers[n].pe_offset:  # starts inside the previous layer's last tile
            assert b[0] == a[-1]
    x = random_inputs(g, rng, rate=0.3)
    r_own = cimsim.simulate(g, own, inputs=x, ideal_adc=True, fidelity=False)
    r_sh = cimsim.simulate(g, shared, inputs=x, ideal_adc=True, fidelity=False)
    assert np.array_equal(r_own.outputs, r_sh.outputs)
    for la, lb in zip(r_own.layers, r_sh.layers):
        assert la["adc_conversions"] == lb["adc_conversions"] and la["rows_driven"] == lb["rows_driven"]
    assert r_sh.activity["tiles_used"] == m_sh.tiles_used
    assert r_sh.totals["area_m2"] <= r_own.totals["area_m2"]
