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
from dataclasses import dataclass, replace

import numpy as np

from cimsim.components import registry
from cimsim.config.schema import Chip
from cimsim.errors import UserError
from cimsim.ops import weight_matrix
from cimsim.graph import SnnGraph
from cimsim.mapping.layer import LayerMapping, Placement, place_layer
from cimsim.mapping.neurosim import LayerPlan, LayerShape, NeuroSimPlan, neurosim_plan
from cimsim.mapping.slicing import slice_layout, slice_weights, weight_slices
from cimsim.options import RunOptions

__all__ = ["IO_HOST", "LayerMapping", "Mapping", "NeuroSimPlan", "Placement", "assign_hosts", "duplication_factors",
           "map_graph", "neurosim_layout", "place_layer", "slice_layout", "slice_weights", "weight_slices"]

IO_HOST = "io"
"""Host of nodes that precede every crossbar layer (the input port, at mesh position 0)."""


@dataclass(frozen=True, eq=False)
class Mapping:
    """The whole network on the chip: the stage output of :func:`map_graph` (immutable)."""

    chip: Chip
    graph: SnnGraph
    layers: dict[str, LayerMapping]
    host: dict[str, str]
    """Node -> host crossbar layer (or :data:`IO_HOST`)."""
    order: list[str]
    """Crossbar layers in topological order."""
    tile_xy: dict[int, tuple[int, int]]

    @property
    def options(self) -> RunOptions:
        """The run options the mapping was made with (its policy) and the run's counting follows."""
        return self.chip.run

    def with_options(self, options: RunOptions) -> "Mapping":
        """The same placement for a run with ``options`` (e.g. another accounting mode).

        Raises
        ------
        UserError: ``options`` ask for another mapping policy (map the graph again with them).
        """
        if options.mapping != self.options.mapping:
            raise UserError(f"the mapping of {self.graph.name!r} was made with mapping policy "
                            f"{self.options.mapping.model_dump()}, not {options.mapping.model_dump()}: map it again")
        return replace(self, chip=self.chip.with_options(options))

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


def map_graph(graph: SnnGraph, chip: Chip, options: RunOptions | None = None) -> Mapping:
    """Place every conv/linear of ``graph`` on ``chip``; raise :class:`UserError` when it does not fit.

    ``options`` (default: the chip's ``run``) set the mapping policy; the mapping's chip carries them
    (:attr:`Mapping.options`) for the stages that follow.
    """
    if options is not None:
        chip = chip.with_options(options)
    graph.validate()
    order = graph.compute_nodes()
    if not order:
        raise UserError(f"graph {graph.name!r} has no conv or linear layer to map")
    copies = duplication_factors(graph, chip)
    plan = neurosim_layout(graph, chip) if chip.run.mapping.granularity == "neurosim" else None
    types = graph.value_types()
    shapes = {n: _layer_shape(graph, n, chip, copies[n], types, plan and plan.layers[n]) for n in order}
    tiles = _tile_layout(shapes, chip)
    _check_fit(graph, chip, shapes, tiles)
    mesh_r, mesh_c = chip.mesh_shape
    snake = [(y, x if y % 2 == 0 else mesh_c - 1 - x) for y in range(mesh_r) for x in range(mesh_c)]
    tile_xy: dict[int, tuple[int, int]] = {}
    layers: dict[str, LayerMapping] = {}
    for n in order:
        first, n_tiles, pe_offset, lif_units = tiles[n]
        ids = []
        for y, x in snake[first:first + n_tiles]:
            ids.append(y * mesh_c + x)
            tile_xy[ids[-1]] = (x, y)
        lm = LayerMapping(**shapes[n], tiles=n_tiles, pe_offset=pe_offset, lif_units=lif_units, tile_ids=ids,
                          chip=chip)
        layers[n] = replace(lm, placement=place_layer(lm, chip))
    return Mapping(chip, graph, layers, assign_hosts(graph, set(order)), order, tile_xy)


def _layer_shape(graph: SnnGraph, n: str, chip: Chip, copies: int, types: dict, plan: LayerPlan | None) -> dict:
    """The crossbar grid of layer ``n`` (all its ``copies``): the :class:`LayerMapping` fields that do not depend
    on the other layers; ``pes`` counts its own PEs (a layer's tiles follow from the tile layout). With NeuroSim's
    ``plan`` of the layer: its copies, its row blocks (:func:`neurosim_rows`) and, in PEs, every subarray slot of
    its NeuroSim tiles."""
    d = graph.node(n)
    xb = chip.crossbar
    wbits = int(d["weight_bits"])
    if wbits > chip.weight_bits:
        raise UserError(f"layer {n!r} has {wbits}-bit weights; chip {chip.name!r} stores {chip.weight_bits}-bit weights")
    wmat = weight_matrix(d)
    col_weights, offset = slice_layout(wmat, chip, wbits)
    cpo = len(col_weights)
    if cpo > xb.cols:
        raise UserError(f"layer {n!r}: one weight needs {cpo} cell columns but a crossbar has {xb.cols}")
    opx = xb.cols // cpo
    rows, outs = wmat.shape
    rb, cb = math.ceil(rows / xb.rows), math.ceil(outs / opx)
    row_index = None
    if plan is not None:
        copies, row_index = plan.copies, neurosim_rows(d, rows, plan.novel, chip)
        rb = len(row_index)
    n_xb = rb * cb
    sum_blocks = chip.pe.crossbars if chip.pe.analog_sum else 1
    # analog sum: a PE holds row blocks of one column block only
    pes = cb * math.ceil(rb / sum_blocks) if sum_blocks > 1 else math.ceil(n_xb / chip.pe.crossbars)
    if chip.run.mapping.packs_copies and copies > 1:  # copies share PEs (crossbar-level packing) and tiles
        pes = pes * copies if sum_blocks > 1 else math.ceil(n_xb * copies / chip.pe.crossbars)
    else:
        pes = pes * copies  # every copy owns whole tiles (see _tile_layout)
    if plan is not None:  # NeuroSim's tiles: every subarray slot, used or not
        pes = max(pes, -(-plan.subarrays // chip.pe.crossbars))
    (src, _), = graph.inputs_of(n)
    t = types[src]
    per_read = 1 if t.kind == "spike" else min(registry.input_bits_per_read(chip), max(1, t.bits - t.signed))
    return dict(node=n, kind=d["kind"], rows=rows, outputs=outs,
                positions=int(np.prod(d["shape"][1:])) if d["kind"] == "conv" else 1,
                cols_per_output=cpo, outputs_per_crossbar=opx, row_blocks=rb, col_blocks=cb, crossbars=n_xb * copies,
                pes=pes, in_type=types[src], wmat=wmat, col_weights=col_weights, offset=offset,
                cols_used=[min(opx, outs - c * opx) * cpo for c in range(cb)], weight_bits=wbits,
                sum_blocks=sum_blocks, copies=copies, in_bits_per_read=per_read, row_index=row_index)


def _check_fit(graph: SnnGraph, chip: Chip, shapes: dict[str, dict], tiles: dict[str, tuple]) -> None:
    """Raise :class:`UserError` when the layers need more tiles than the chip has."""
    need_tiles = max(first + n for first, n, _, _ in tiles.values())
    if need_tiles <= chip.tiles:
        return
    need_xb = sum(s["crossbars"] for s in shapes.values())
    worst = max(shapes, key=lambda n: tiles[n][1])
    raise UserError(
        f"network {graph.name!r} does not fit chip {chip.name!r}: it needs {need_xb} crossbars in {need_tiles} tiles "
        f"({'layers share tiles' if chip.run.mapping.share_tiles else 'layers own whole tiles'}) but the chip has "
        f"{chip.crossbars_total} crossbars in {chip.tiles} tiles; "
        f"largest layer {worst!r} needs {shapes[worst]['crossbars']} crossbars ({tiles[worst][1]} tiles)")


def _tile_layout(shapes: dict[str, dict], chip: Chip) -> dict[str, tuple[int, int, int, int]]:
    """Per layer: index (along the mesh's snake path) of its first tile, its tiles, its ``pe_offset`` and its
    ``lif_units``.

    Layers own whole tiles, one after the other (every copy of a duplicated layer its own, unless copies are
    packed), or with ``mapping.share_tiles`` their PEs follow each other and a tile may hold the last PEs of one
    layer and the first of the next (SpikeSim's energy/area script packs layers this way); a shared tile's LIF
    units are split between its layers in proportion to their PEs in it (at least one per layer and tile).
    """
    per_tile, units, policy = chip.tile.pes, chip.tile.lif.units, chip.run.mapping
    out, nxt_tile, nxt_pe = {}, 0, 0
    for n, s in shapes.items():
        if policy.share_tiles:
            first, pe_offset = divmod(nxt_pe, per_tile)
            tiles = -(-(pe_offset + s["pes"]) // per_tile)
            start, end = nxt_pe, nxt_pe + s["pes"]
            lif_units = sum(max(1, units * (min(end, (t + 1) * per_tile) - max(start, t * per_tile)) // per_tile)
                            for t in range(first, first + tiles))  # the layer's PEs in each of its tiles
            out[n] = (first, tiles, pe_offset, lif_units)
            nxt_pe = end
        else:
            k = 1 if policy.packs_copies else s["copies"]
            tiles = math.ceil(s["pes"] // k / per_tile) * k
            out[n] = (nxt_tile, tiles, 0, units * tiles)
            nxt_tile += tiles
    return out


def neurosim_layout(graph: SnnGraph, chip: Chip) -> NeuroSimPlan:
    """NeuroSim's floorplan of ``graph``'s crossbar layers on ``chip`` (:mod:`cimsim.mapping.neurosim`): each
    layer's NeuroSim network row (``Cin``, kernel positions, cell columns = outputs x cell columns per weight) and
    the copies the pipeline balance asks for (:func:`duplication_factors`).

    Raises
    ------
    UserError: ``pe.analog_sum`` (NeuroSim converts each subarray's columns on its own).
    """
    if chip.pe.analog_sum:
        raise UserError("mapping.granularity 'neurosim' places NeuroSim's subarrays, which convert their columns "
                        "on their own: it does not combine with pe.analog_sum")
    base = duplication_factors(graph, chip)
    shapes = {}
    for n in graph.compute_nodes():
        d = graph.node(n)
        w = np.asarray(d["weight"])
        kk = int(np.prod(w.shape[2:])) if d["kind"] == "conv" else 1
        cpo = len(slice_layout(np.zeros((1, 1), np.int64), chip, int(d["weight_bits"]))[0])
        shapes[n] = LayerShape(cin=int(np.prod(w.shape[1:])) // kk, kk=kk, cols=w.shape[0] * cpo, speed_up=base[n])
    return neurosim_plan(shapes, chip.crossbar.rows, chip.crossbar.cols)


def neurosim_rows(node: dict, rows: int, novel: bool, chip: Chip) -> np.ndarray:
    """Layer rows (of :func:`cimsim.ops.weight_matrix`, ``Cin``-major) in each subarray row block as NeuroSim lays
    them out: int64 ``[row blocks, G * parallel_rows]``, ``G = ceil(crossbar.rows / parallel_rows)`` row groups,
    -1 for an empty row. Conventional: blocks of ``crossbar.rows`` consecutive rows; novel (one kernel position per
    PE): for each kernel position ``k``, the rows ``c * kh * kw + k`` of its channels ``c`` in blocks of
    ``crossbar.rows`` channels. Empty rows stay in their block, so every row group of a subarray is read."""
    xb = chip.crossbar
    width = -(-xb.rows // xb.parallel_rows) * xb.parallel_rows
    kk = int(np.prod(np.asarray(node["weight"]).shape[2:])) if novel else 1
    order = np.arange(rows).reshape(-1, kk).T  # [kernel position, channel]
    blocks = []
    for per_k in order:
        for start in range(0, len(per_k), xb.rows):
            chunk = per_k[start:start + xb.rows]
            blocks.append(np.concatenate([chunk, np.full(width - len(chunk), -1, np.int64)]))
    return np.stack(blocks)


def duplication_factors(graph: SnnGraph, chip: Chip) -> dict[str, int]:
    """Copies of each crossbar layer: 1, or with ``mapping.duplicate_to_balance`` (NeuroSim's pipeline speed-up,
    Chip.cpp of DNN+NeuroSim V1.4) ``ceil(positions / fewest positions of any conv layer)`` for a conv layer,
    capped at ``mapping.max_duplication``; linear layers are not duplicated. For VGG-8 on 32x32 this gives 16, 16,
    4, 4, 1, 1 (NeuroSim: ``(IFM / ceil(maxIFM / speedUpDegree))**2`` with speedUpDegree bounded by maxIFM/minIFM).
    """
    order = graph.compute_nodes()
    out = {n: 1 for n in order}
    if not chip.run.mapping.duplicate_to_balance:
        return out
    pos = {n: int(np.prod(graph.node(n)["shape"][1:])) for n in order if graph.node(n)["kind"] == "conv"}
    if not pos:
        return out
    fewest = min(pos.values())
    for n, p in pos.items():
        out[n] = min(chip.run.mapping.max_duplication, -(-p // fewest))
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
