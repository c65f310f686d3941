"""SnnGraph x Chip -> Mapping: crossbar slices, bit-sliced cells, PEs, tiles, mesh placement.

A conv/linear weight becomes the crossbar matrix ``[rows, cols]`` = ``[Cin*kh*kw, Cout]`` (im2col). Each weight is
stored over ``n_slices`` cells of ``bits_per_cell`` bits; signed weights use a positive and a negative column per
slice (``differential``) or one unsigned column per slice holding ``w + 2**(bits-1)`` with the offset removed
digitally (``offset``); the slices follow the layer's own weight bits (a 4-bit layer on a chip storing up to
8-bit weights uses half the slices). An output's cell columns stay in one crossbar. The matrix is cut into row blocks of
``crossbar.rows`` rows and column blocks of ``outputs_per_crossbar`` outputs; crossbars are grouped into PEs and PEs
into tiles; a layer owns whole tiles (as in SpikeSim/NeuroSim). With ``pe.analog_sum`` a PE holds up to
``pe.crossbars`` row blocks of *one* column block (SpikeSim's k*k crossbars of one kernel's 64 input x 64 output
channels), whose bitline currents are summed before the PE's shared ADCs. Tiles are placed on the mesh along a snake path
in layer order so that consecutive layers are neighbours. Nodes that are not crossbar layers (LIF, pool, add,
affine, flatten, output) run on the tiles of their *host*: the latest crossbar layer feeding them.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from cimsim.config.schema import Chip
from cimsim.errors import UserError
from cimsim.functional import weight_matrix
from cimsim.graph import SnnGraph, ValueType

IO_HOST = "io"
"""Host of nodes that precede every crossbar layer (the input port, at mesh position 0)."""


@dataclass
class LayerMapping:
    """How one conv/linear node sits on the chip.

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
    in_type: what drives the rows (spikes or bit-serial integers).
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
    copies: int = 1
    """Replicas of the layer's crossbars (``mapping.duplicate_to_balance``); ``crossbars``/``pes``/``tiles``
    count all of them; each copy computes ``positions_per_copy`` of the output positions."""
    pe_offset: int = 0
    lif_units: int = 0
    tile_ids: list[int] = field(default_factory=list)
    chip: Chip | None = None
    placement: "Placement | None" = None
    _cells: np.ndarray | None = None

    @property
    def cells(self) -> np.ndarray:
        if self._cells is None:
            self._cells = slice_weights(self.wmat, self.chip, self.weight_bits)[0]
        return self._cells

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
    def in_planes(self) -> int:
        """Bit planes applied per timestep (1 for spikes, ``bits`` for bit-serial integers)."""
        return 1 if self.in_type.kind == "spike" else self.in_type.bits

    def row_block(self, b: int, chip: Chip) -> slice:
        return slice(b * chip.crossbar.rows, min((b + 1) * chip.crossbar.rows, self.rows))


@dataclass
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
    if k == 1 or not packs_copies(chip):
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


@dataclass
class Mapping:
    """The whole network on the chip."""

    chip: Chip
    graph: SnnGraph
    layers: dict[str, LayerMapping]
    host: dict[str, str]
    """Node -> host crossbar layer (or :data:`IO_HOST`)."""
    order: list[str]
    """Crossbar layers in topological order."""
    tile_xy: dict[int, tuple[int, int]]

    @property
    def tiles_used(self) -> int:
        """Distinct tiles holding crossbars (shared tiles counted once)."""
        return len({t for m in self.layers.values() for t in m.tile_ids})

    @property
    def pes_used(self) -> int:
        return sum(m.pes for m in self.layers.values())

    @property
    def crossbars_used(self) -> int:
        return sum(m.crossbars for m in self.layers.values())

    def host_tiles(self, host: str) -> list[int]:
        return [0] if host == IO_HOST else self.layers[host].tile_ids


def weight_slices(chip: Chip, bits: int | None = None) -> int:
    """Cells per weight magnitude: ``bits`` (default: the chip's) sliced over ``bits_per_cell``-bit cells; the
    sign takes no bit in ``offset`` mode and a second column set in ``differential`` mode."""
    bits = chip.weight_bits if bits is None else int(bits)
    mag = bits - 1 if chip.crossbar.signed == "differential" else bits
    return max(1, -(-mag // chip.crossbar.bits_per_cell))


def slice_weights(w: np.ndarray, chip: Chip, bits: int | None = None) -> tuple[np.ndarray, np.ndarray, int]:
    """Integer weight matrix ``[R, C]`` of ``bits``-bit weights (default: the chip's ``weight_bits``) -> cell
    levels ``[R, C * cols_per_output]``, column weights, offset.

    Returns
    -------
    cells: uint8 cell levels, columns ordered (output, sign, slice) with slice 0 the least significant.
    col_weights: int64 signed significance of each of an output's columns (``+-2**(k*bits_per_cell)``).
    offset: the per-driven-row constant to subtract digitally (``offset`` mode), else 0.
    """
    col_weights, offset = slice_layout(w, chip, bits)
    bpc = chip.crossbar.bits_per_cell
    n = weight_slices(chip, bits)
    mask = (1 << bpc) - 1
    w = np.asarray(w)
    if chip.crossbar.signed == "differential":
        mag = np.abs(w).astype(np.uint16)
        parts = [np.where(w > 0, mag, 0), np.where(w < 0, mag, 0)]
    else:
        parts = [(w.astype(np.int32) + offset).astype(np.uint16)]
    cells = np.empty((w.shape[0], w.shape[1], len(parts), n), dtype=np.uint8)
    for si, part in enumerate(parts):
        for k in range(n):
            cells[:, :, si, k] = (part >> (k * bpc)) & mask
    return cells.reshape(w.shape[0], -1), col_weights, offset


def slice_layout(w: np.ndarray, chip: Chip, bits: int | None = None) -> tuple[np.ndarray, int]:
    """Signed significance of an output's cell columns and the ``offset`` constant; checks the weight range."""
    bits = chip.weight_bits if bits is None else int(bits)
    bpc = chip.crossbar.bits_per_cell
    n = weight_slices(chip, bits)
    if chip.crossbar.signed == "differential":
        lim = 2 ** (bits - 1)
        wmax = int(np.abs(np.asarray(w, dtype=np.int64)).max(initial=0))
        if wmax >= lim:
            raise UserError(
                f"weights reach {wmax}, beyond the {bits - 1}-bit magnitude a differential "
                f"pair of {bits}-bit weights stores (use symmetric quantization)")
        signs, offset = (1, -1), 0
    else:
        signs, offset = (1,), 2 ** (bits - 1)
    col_weights = np.asarray([sg * (1 << (k * bpc)) for sg in signs for k in range(n)], dtype=np.int64)
    return col_weights, offset


def map_graph(graph: SnnGraph, chip: Chip) -> Mapping:
    """Place every conv/linear of ``graph`` on ``chip``; raise :class:`UserError` when it does not fit."""
    graph.validate()
    types = graph.value_types()
    order = graph.compute_nodes()
    if not order:
        raise UserError(f"graph {graph.name!r} has no conv or linear layer to map")
    xb = chip.crossbar
    layers: dict[str, LayerMapping] = {}
    copies = duplication_factors(graph, chip)
    for n in order:
        d = graph.node(n)
        if int(d["weight_bits"]) > chip.weight_bits:
            raise UserError(f"layer {n!r} has {d['weight_bits']}-bit weights; chip {chip.name!r} stores {chip.weight_bits}-bit weights")
        wmat = weight_matrix(d)
        wbits = int(d["weight_bits"])
        col_weights, offset = slice_layout(wmat, chip, wbits)
        cpo = len(col_weights)
        if cpo > xb.cols:
            raise UserError(f"layer {n!r}: one weight needs {cpo} cell columns but a crossbar has {xb.cols}")
        opx = xb.cols // cpo
        rows, outs = wmat.shape
        rb, cb = math.ceil(rows / xb.rows), math.ceil(outs / opx)
        n_xb = rb * cb
        sum_blocks = chip.pe.crossbars if chip.pe.analog_sum else 1
        # analog sum: a PE holds row blocks of one column block only
        pes = cb * math.ceil(rb / sum_blocks) if sum_blocks > 1 else math.ceil(n_xb / chip.pe.crossbars)
        tiles = math.ceil(pes / chip.tile.pes)
        k = copies[n]
        if packs_copies(chip) and k > 1:  # copies share PEs (crossbar-level packing) and tiles
            pes = pes * k if sum_blocks > 1 else math.ceil(n_xb * k / chip.pe.crossbars)
            n_xb, tiles = n_xb * k, math.ceil(pes / chip.tile.pes)
        else:
            n_xb, pes, tiles = n_xb * k, pes * k, tiles * k  # every copy owns whole tiles
        (src, _), = graph.inputs_of(n)
        positions = int(np.prod(d["shape"][1:])) if d["kind"] == "conv" else 1
        cols_used = [min(opx, outs - c * opx) * cpo for c in range(cb)]
        layers[n] = LayerMapping(n, d["kind"], rows, outs, positions, cpo, opx, rb, cb, n_xb, pes, tiles,
                                 types[src], wmat, col_weights, offset, cols_used, wbits, sum_blocks, k, chip=chip)
    first_tile = _tile_layout(layers, chip)
    for n in order:
        layers[n].placement = place_layer(layers[n], chip)
    need_tiles = max(first_tile[n] + layers[n].tiles for n in order)
    if need_tiles > chip.tiles:
        need_xb = sum(m.crossbars for m in layers.values())
        worst = max(layers.values(), key=lambda m: m.tiles)
        raise UserError(
            f"network {graph.name!r} does not fit chip {chip.name!r}: it needs {need_xb} crossbars in {need_tiles} tiles "
            f"({'layers share tiles' if chip.mapping.share_tiles else 'layers own whole tiles'}) but the chip has "
            f"{chip.crossbars_total} crossbars in {chip.tiles} tiles; "
            f"largest layer {worst.node!r} needs {worst.crossbars} crossbars ({worst.tiles} tiles)")
    mesh_r, mesh_c = chip.mesh_shape
    snake = [(y, x if y % 2 == 0 else mesh_c - 1 - x) for y in range(mesh_r) for x in range(mesh_c)]
    tile_xy: dict[int, tuple[int, int]] = {}
    for n in order:
        ids = []
        for i in range(first_tile[n], first_tile[n] + layers[n].tiles):
            y, x = snake[i]
            tid = y * mesh_c + x
            ids.append(tid)
            tile_xy[tid] = (x, y)
        layers[n].tile_ids = ids
    host = assign_hosts(graph, set(order))
    return Mapping(chip, graph, layers, host, order, tile_xy)


def packs_copies(chip: Chip) -> bool:
    """Copies of a duplicated layer fill PEs and tiles one after the other (``pack_copies`` or ``share_tiles``)."""
    return chip.mapping.pack_copies or chip.mapping.share_tiles


def _tile_layout(layers: dict[str, "LayerMapping"], chip: Chip) -> dict[str, int]:
    """Index (along the mesh's snake path) of each layer's first tile; sets ``tiles``, ``pe_offset``, ``lif_units``.

    Layers own whole tiles, one after the other, or with ``mapping.share_tiles`` their PEs follow each other and a
    tile may hold the last PEs of one layer and the first of the next (SpikeSim's tile packing); a shared tile's
    LIF units are split between its layers in proportion to their PEs in it (at least one per layer and tile).
    """
    per_tile, units = chip.tile.pes, chip.tile.lif.units
    first, nxt_tile, nxt_pe = {}, 0, 0
    for n, lm in layers.items():
        if chip.mapping.share_tiles:
            first[n], lm.pe_offset = divmod(nxt_pe, per_tile)
            lm.tiles = -(-(lm.pe_offset + lm.pes) // per_tile)
            lm.lif_units = 0
            start, end = nxt_pe, nxt_pe + lm.pes
            for t in range(first[n], first[n] + lm.tiles):  # the layer's PEs in each of its tiles
                in_tile = min(end, (t + 1) * per_tile) - max(start, t * per_tile)
                lm.lif_units += max(1, units * in_tile // per_tile)
            nxt_pe = end
        else:
            first[n] = nxt_tile
            lm.lif_units = units * lm.tiles
            nxt_tile += lm.tiles
    return first


def duplication_factors(graph: SnnGraph, chip: Chip) -> dict[str, int]:
    """Copies of each crossbar layer: 1, or with ``mapping.duplicate_to_balance`` (NeuroSim's pipeline speed-up,
    Chip.cpp of DNN+NeuroSim V1.4) ``ceil(positions / fewest positions of any conv layer)`` for a conv layer,
    capped at ``mapping.max_duplication``; linear layers are not duplicated. For VGG-8 on 32x32 this gives 16, 16,
    4, 4, 1, 1 (NeuroSim: ``(IFM / ceil(maxIFM / speedUpDegree))**2`` with speedUpDegree bounded by maxIFM/minIFM).
    """
    order = graph.compute_nodes()
    out = {n: 1 for n in order}
    if not chip.mapping.duplicate_to_balance:
        return out
    pos = {n: int(np.prod(graph.node(n)["shape"][1:])) for n in order if graph.node(n)["kind"] == "conv"}
    if not pos:
        return out
    fewest = min(pos.values())
    for n, p in pos.items():
        out[n] = min(chip.mapping.max_duplication, -(-p // fewest))
    return out


def assign_hosts(graph: SnnGraph, compute: set[str]) -> dict[str, str]:
    """Host of every node: itself for crossbar layers, else the latest (topologically) host among its sources."""
    topo = graph.order()
    pos = {n: i for i, n in enumerate(topo)}
    host: dict[str, str] = {}
    for n in topo:
        if n in compute:
            host[n] = n
            continue
        srcs = graph.inputs_of(n)
        cands = [host[u] for u, delay in srcs if delay == 0] or [host.get(u, IO_HOST) for u, _ in srcs]
        cands = [c for c in cands if c != IO_HOST]
        host[n] = max(cands, key=lambda h: pos[h]) if cands else IO_HOST
    return host
