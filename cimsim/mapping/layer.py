"""One crossbar layer on the chip: :class:`LayerMapping` (its crossbar grid, PEs, tiles) and its
:class:`Placement` inside its tiles (partial-sum traffic)."""
from __future__ import annotations

from dataclasses import dataclass, field
from functools import cached_property

import numpy as np

from cimsim.config.schema import Chip
from cimsim.graph import ValueType
from cimsim.mapping.slicing import slice_weights


@dataclass(frozen=True, eq=False, kw_only=True)
class LayerMapping:
    """How one conv/linear node sits on the chip (built with keywords by :func:`cimsim.mapping.map_graph`;
    immutable).

    Attributes
    ----------
    node: graph node name.
    rows / outputs: crossbar-matrix rows (Cin*kh*kw or in-features) and outputs (Cout).
    positions: output positions per timestep (Ho*Wo, 1 for linear).
    cols_per_output: cell columns one output needs (slices x signs).
    outputs_per_crossbar: outputs stored side by side in one crossbar.
    row_blocks / col_blocks: crossbar grid of the layer.
    crossbars / pes / tiles: hardware occupied (with ``mapping.share_tiles`` a tile may also hold other layers).
    tile_ids: mesh tile ids (y * mesh_cols + x) of the layer's tiles.
    pe_offset: PEs of other layers before the layer's first PE in its first tile (``mapping.share_tiles``).
    lif_units: LIF update units serving the layer's neurons (a shared tile's units are split by PEs).
    wmat: the signed integer weight matrix ``[rows, outputs]``.
    cells: uint8 ``[rows, outputs * cols_per_output]`` cell levels, columns ordered (output, sign, slice)
    (computed on first use: only finite-ADC reads need them).
    col_weights: int64 ``[cols_per_output]`` signed significance of each cell column of an output.
    offset: value subtracted per driven input in ``offset`` mode (0 for differential).
    in_type: what drives the rows (spikes, or integers applied in :attr:`in_digits`).
    cols_used: cell columns used in each column block (the last block may be partly filled).
    weight_bits: the layer's weight precision (sets the slices per weight).
    sum_blocks: row blocks whose column currents are summed in analog before one ADC conversion (``pe.crossbars``
    with ``pe.analog_sum``, else 1); the digital partial sums of a layer come from :attr:`adc_blocks` groups.
    """

    node: str
    kind: str
    rows: int
    outputs: int
    positions: int
    cols_per_output: int
    outputs_per_crossbar: int
    row_blocks: int
    col_blocks: int
    crossbars: int
    pes: int
    tiles: int
    in_type: ValueType
    wmat: np.ndarray
    col_weights: np.ndarray
    offset: int
    cols_used: list[int]
    weight_bits: int = 8
    sum_blocks: int = 1
    in_bits_per_read: int = 1
    """Input bits one read applies per row as one multi-level drive (1 for spikes, and bit-serial integers without
    a multi-level row driver; :func:`cimsim.components.registry.input_bits_per_read`): see :attr:`in_digits`."""
    copies: int = 1
    """Replicas of the layer's crossbars (``mapping.duplicate_to_balance``); ``crossbars``/``pes``/``tiles``
    count all of them; each copy computes ``positions_per_copy`` of the output positions."""
    row_index: "np.ndarray | None" = None
    """With ``mapping.granularity: neurosim``: the layer rows of each row block in subarray order, int64
    ``[row_blocks, G * parallel_rows]`` with -1 for an empty row (:func:`cimsim.mapping.neurosim_rows`); None: row
    block ``b`` holds the ``crossbar.rows`` consecutive rows from ``b * crossbar.rows``."""
    pe_offset: int = 0
    lif_units: int = 0
    tile_ids: list[int] = field(default_factory=list)
    chip: Chip
    placement: "Placement | None" = None
    """Set by :func:`cimsim.mapping.map_graph` (a copy of the layer made with its placement)."""

    @cached_property
    def cells(self) -> np.ndarray:
        return slice_weights(self.wmat, self.chip, self.weight_bits)[0]

    @property
    def positions_per_copy(self) -> int:
        return -(-self.positions // self.copies)

    @property
    def adc_blocks(self) -> int:
        """Groups of row blocks converted together (one digital partial sum per group and column)."""
        return -(-self.row_blocks // self.sum_blocks)

    def adc_block(self, j: int) -> range:
        """Row blocks summed in analog in ADC block ``j``."""
        return range(j * self.sum_blocks, min((j + 1) * self.sum_blocks, self.row_blocks))

    def pe_of(self, c: int, b: int, chip: Chip) -> int:
        """Layer-local PE index of the crossbar holding column block ``c``, row block ``b`` (column-major)."""
        if self.sum_blocks > 1:
            return c * self.adc_blocks + b // self.sum_blocks
        return (c * self.row_blocks + b) // chip.pe.crossbars

    @property
    def in_digits(self) -> tuple[tuple[int, int, int], ...]:
        """The input as applied read by read, LSB first: ``(significance, shift, width)`` of each digit, the digit
        being bits ``[shift, shift + width)`` of the input driven as one level ``0 .. 2**width - 1``.

        Spikes: one 1-bit digit. A ``bits``-bit integer: ``ceil(bits / in_bits_per_read)`` digits of up to
        ``in_bits_per_read`` bits (single bits when bit-serial); a signed one's low ``bits - 1`` bits so, and its
        sign bit alone, of significance ``-2**(bits-1)`` (two's complement; a row drive has no negative level).
        """
        t, b = self.in_type, self.in_bits_per_read
        if t.kind == "spike":
            return ((1, 0, 1),)
        low = t.bits - 1 if t.signed else t.bits
        digits = tuple((1 << s, s, min(b, low - s)) for s in range(0, low, b))
        return digits + (((-(1 << low), low, 1),) if t.signed else ())

    @property
    def in_planes(self) -> int:
        """Input digits applied per timestep, one read of each row group each (:attr:`in_digits`)."""
        return len(self.in_digits)

    @property
    def input_levels(self) -> int:
        """Largest level one read drives a row with: ``2**in_bits_per_read - 1`` (1 for spikes, bit-serial)."""
        return (1 << max(w for _, _, w in self.in_digits)) - 1

    def row_block(self, b: int, chip: Chip) -> slice:
        return slice(b * chip.crossbar.rows, min((b + 1) * chip.crossbar.rows, self.rows))


@dataclass(frozen=True, eq=False)
class Placement:
    """Where a layer's crossbars sit inside its tiles, and the partial-sum traffic that follows from it.

    Crossbars are laid out column-block major (all row blocks of column block 0, then of block 1, ...), so an
    output's partial sums are mostly reduced inside one PE / tile, and inputs are broadcast instead (sparse
    spikes are cheaper to move than dense multi-bit partial sums).

    Attributes
    ----------
    in_frac / out_frac: per tile, the share of the layer's input rows it needs / outputs it produces.
    pe_psum_words: partial sums per output position leaving PEs for their tile (one per (PE, output)).
    buffered_psum_words: partial sums per position accumulated through the tile buffer (outputs whose row
        blocks span several PEs).
    reduction: ``(src tile index, dst tile index, words per position)`` for outputs whose row blocks span
        several tiles: every tile but the output's home tile sends its partial sums there over the NoC.
    """

    in_frac: np.ndarray
    out_frac: np.ndarray
    pe_psum_words: int
    buffered_psum_words: int
    reduction: list[tuple[int, int, int]]


def place_layer(lm: "LayerMapping", chip: Chip) -> Placement:
    """Placement of all copies; each copy computes 1/copies of the positions.

    Copies own whole tiles each (default), or with ``mapping.pack_copies`` (or ``share_tiles``) they are laid out one
    after the other in the layer's PEs and tiles (copy ``k``'s crossbars / PEs follow copy ``k-1``'s), so PEs and tiles may hold
    parts of several copies (NeuroSim's subarray and PE duplication).
    """
    k = lm.copies
    if k == 1 or not chip.run.mapping.packs_copies:
        one = _place_copies(lm, chip, 1)
        if k == 1:
            return one
        per = len(one.in_frac)
        red = [(s + c * per, d + c * per, w) for c in range(k) for s, d, w in one.reduction]
        return Placement(np.tile(one.in_frac, k) / k, np.tile(one.out_frac, k) / k, one.pe_psum_words,
                         one.buffered_psum_words, red)
    return _place_copies(lm, chip, k)


def _place_copies(lm: "LayerMapping", chip: Chip, copies: int) -> Placement:
    """Placement of ``copies`` copies packed one after the other into ``lm.tiles * copies / lm.copies`` tiles (the
    first one starting ``lm.pe_offset`` PEs into its tile)."""
    outs_in = [min(lm.outputs_per_crossbar, lm.outputs - c * lm.outputs_per_crossbar) for c in range(lm.col_blocks)]
    pes_of_c: list[set] = [set() for _ in range(lm.col_blocks * copies)]
    tiles_of_c: list[set] = [set() for _ in range(lm.col_blocks * copies)]
    tiles = lm.tiles * copies // lm.copies
    rows_of_t: list[set] = [set() for _ in range(tiles)]
    cols_of_t: list[set] = [set() for _ in range(tiles)]
    pes_per_copy = lm.pes // lm.copies
    for k in range(copies):
        for i in range(lm.row_blocks * lm.col_blocks):
            c, b = divmod(i, lm.row_blocks)
            if lm.sum_blocks > 1:  # analog sum: a PE holds row blocks of one column block, PEs never shared
                pe = k * pes_per_copy + lm.pe_of(c, b, chip)
            else:
                pe = (k * lm.row_blocks * lm.col_blocks + i) // chip.pe.crossbars
            tile = (pe + lm.pe_offset) // chip.tile.pes
            pes_of_c[k * lm.col_blocks + c].add(pe)
            tiles_of_c[k * lm.col_blocks + c].add(tile)
            rows_of_t[tile].add((k, b))
            cols_of_t[tile].add((k, c))
    outs = outs_in * copies
    # per output position, averaged over the copies (each computes 1/copies of the positions)
    pe_words = round(sum(len(p) * o for p, o in zip(pes_of_c, outs)) / copies)
    buffered = round(sum(len(p) * o for p, o in zip(pes_of_c, outs) if len(p) > 1) / copies)
    red: dict[tuple[int, int], int] = {}
    for c, tiles_c in enumerate(tiles_of_c):
        home = min(tiles_c)
        for t in tiles_c - {home}:
            red[(t, home)] = red.get((t, home), 0) + outs[c]
    return Placement(np.array([len(r) / (lm.row_blocks * copies) for r in rows_of_t]),
                     np.array([len(c) / (lm.col_blocks * copies) for c in cols_of_t]), pe_words, buffered,
                     [(s, d, w) for (s, d), w in sorted(red.items())])
