"""Hardware numbers of a candidate from its genotype and macro alone: no torch model, no mapping.

:func:`crossbar_layers` lists the weight matrices ``[rows, outputs]`` (im2col: ``Cin * k * k`` rows, ``Cout``
outputs) of every convolution and linear layer the macro builds around the cell, in module order; their sizes
give the exact crossbar parameter count (:func:`weight_count`, what ``neuronas.quant.crossbar_parameters`` counts
on the built model). :func:`tile_lower_bound` gives the fewest tiles any mapping of those layers can use on a chip
(``cimsim.mapping``'s layout with one copy of every layer), so ``tiles x tile area`` is a lower bound of the area
the mapping stage measures.

A candidate whose bound already exceeds the chip (does not fit) or the area budget is rejected before any model
is built: the full check could only find it larger.
"""
from __future__ import annotations

import math

from neuronas.space.genotype import Genotype

KERNELS = {"conv1x1": 1, "conv3x3": 3}
"""Kernel size of the cell's convolution operations (the others hold no weights)."""


def crossbar_layers(genotype: Genotype, spec, macro) -> list[tuple[int, int]]:
    """``(rows, outputs)`` of every crossbar layer of the network (:class:`neuronas.models.macro.SnasNet`).

    Parameters
    ----------
    genotype: the cell (both cells share it).
    spec: dataset spec (``channels``, ``size``, ``classes``).
    macro: :class:`neuronas.models.macro.MacroConfig`.
    """
    c = int(macro.channels)
    pools = 2 if macro.second_pool else 1
    side = int(spec.size) // (int(macro.stem_stride) * 2**pools)

    def cell(ch: int) -> list[tuple[int, int]]:
        return [(ch * KERNELS[e.op] ** 2, ch) for e in sorted(genotype.edges, key=lambda e: (e.dst, e.src))
                if e.op in KERNELS]

    return ([(int(spec.channels) * 9, c)] + cell(c) + [(c * 9, 2 * c)] + cell(2 * c)
            + [(2 * c * side * side, int(macro.hidden)), (int(macro.hidden), int(spec.classes) * int(macro.vote))])


def weight_count(layers: list[tuple[int, int]]) -> int:
    """Weights on crossbars (biases and batch norm are not stored there)."""
    return sum(r * o for r, o in layers)


def tile_lower_bound(layers: list[tuple[int, int]], chip, weight_bits: int) -> int:
    """The fewest tiles a mapping of ``layers`` with ``weight_bits``-bit weights can use on ``chip``.

    The layout of ``cimsim.mapping`` with one copy per layer: ``ceil(rows / crossbar rows)`` row blocks times
    ``ceil(outputs / outputs per crossbar)`` column blocks of crossbars per layer, grouped into PEs (with
    ``pe.analog_sum`` a PE holds row blocks of one column block only), a layer's PEs in whole tiles of its own, or
    packed one after the other with ``mapping.share_tiles``. Duplicated layers only add tiles; so it is exact
    without duplication and a lower bound otherwise.
    """
    from cimsim.mapping.slicing import weight_slices

    xb, per_pe, per_tile = chip.crossbar, chip.pe.crossbars, chip.tile.pes
    cols_per_output = weight_slices(chip, weight_bits) * (2 if xb.signed == "differential" else 1)
    per_crossbar = max(1, xb.cols // cols_per_output)
    pes = []
    for rows, outs in layers:
        rb, cb = math.ceil(rows / xb.rows), math.ceil(outs / per_crossbar)
        pes.append(cb * math.ceil(rb / per_pe) if chip.pe.analog_sum and per_pe > 1 else math.ceil(rb * cb / per_pe))
    if chip.run.mapping.share_tiles:
        return math.ceil(sum(pes) / per_tile)
    return sum(math.ceil(p / per_tile) for p in pes)
