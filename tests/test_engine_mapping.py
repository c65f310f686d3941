"""Mapping: crossbar grid, bit slicing, placement, and the does-not-fit message."""
import numpy as np
import pytest
from conftest import make_chip, random_graph

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
