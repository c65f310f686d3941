"""DNN+NeuroSim V1.4's floorplan rule: tile and PE sizes, layer copies and the subarray slots each layer occupies.

Rules read from NeuroSim's C++ (``Inference_pytorch/NeuroSIM/Chip.cpp`` at commit ac828e6 of
https://github.com/neurosim/DNN_NeuroSim_V1.4: ``ChipDesignInitialize``, ``ChipFloorPlan``, ``TileDesignCM``,
``TileDesignNM``, ``PEDesign``, ``SubArrayDup``, ``OverallEachLayer``; ``ProcessingUnit.cpp`` for the row groups of a
subarray read), re-implemented here in our own code (NeuroSim is CC BY-NC; none of its code is used). Sizes are
counted in cells: a layer's matrix has ``rows = Cin * kh * kw`` rows and ``cols = Cout * cells per weight`` columns.

1. *Novel mapping.* The kernel size shared by most conv layers is NeuroSim's PE count of a "novel" tile
   (``numPENM``, 9 for 3x3 kernels). A conv layer with that kernel size and ``rows >=`` subarray rows is mapped the
   novel way: each of its kernel positions has its own PE holding that position's ``Cin x cols`` matrix (so its
   row blocks are ``kh * kw * ceil(Cin / subarray rows)``, with the last block of every kernel position only partly
   filled when ``Cin`` is not a multiple of the subarray rows). Every other layer (first conv, linear) is mapped
   conventionally: its ``rows x cols`` matrix over a square tile of square PEs.
2. *Sizes.* Candidate sizes are powers of two. The novel PE side starts at the largest novel layer's ``cols``
   rounded up to a power of two (at least 2 subarrays) and is halved while it stays above 2 subarrays; the one
   whose tiles are best filled by one copy of each novel layer wins (the first, i.e. the largest, on a tie). The
   conventional tile side likewise from the largest conventional layer's ``cols`` (at least 4 subarrays, halved
   while above 4 subarrays), and the conventional PE side starts at half the tile and is halved while above 2
   subarrays; a smaller PE replaces half the tile only if its fill (copies from rule 3 counted) beats the tile's.
3. *Copies into spare slots.* A conventional layer that fits in one tile along rows or columns is copied into the
   tile's spare PEs (``floor(PEs per tile side / PEs the matrix needs)`` per direction, at least 1); then, inside
   a PE (novel: its ``Cin x cols`` matrix), a matrix that fits in one PE along rows or columns is copied into the
   PE's spare subarrays the same way. These copies are free: they fill slots the layer's tiles have anyway.
4. *Pipeline.* A layer asked for ``s`` copies by the pipeline balance (``mapping.duplicate_to_balance``) gets
   ``ceil(s / free copies)`` rounds of tiles, each holding the free copies: ``copies = free * rounds``.
5. *Slots.* A layer occupies ``ceil(rows / tile) * rounds * ceil(cols / tile)`` conventional tiles of
   ``(tile / PE)**2`` PEs (novel: ``ceil(Cin / PE) * rounds * ceil(cols / PE)`` tiles of ``numPENM`` PEs), each PE
   of ``(PE / subarray)**2`` subarrays. NeuroSim instantiates (prices, lays out) every subarray of those tiles,
   whether it holds weights or not.
6. *Reads.* A subarray holding weights reads all ``subarray rows / parallel rows`` row groups of its rows per input
   bit (``numAdd``), empty groups included, and converts its columns for each.

For VGG-8 on 128x128 subarrays this gives NeuroSim's printed floorplan: 1024x1024 conventional tiles of 512x512
PEs, 9 x 512x512 novel tiles, tiles per layer 2, 8, 4, 8, 8, 8, 64, 1 and copies 16, 16, 4, 4, 2, 1, 1, 8 (9472
subarrays); ``tests/test_mapping_neurosim.py`` checks it against the floorplans of the stored reference grid.
"""
from __future__ import annotations

import math
from collections import Counter
from dataclasses import dataclass

from cimsim.errors import UserError


@dataclass(frozen=True)
class LayerShape:
    """One layer as NeuroSim's network table describes it (cells: ``cols`` counts a weight's cell columns)."""

    cin: int
    kk: int
    """Kernel positions ``kh * kw`` (1 for a linear layer)."""
    cols: int
    speed_up: int = 1
    """Copies the pipeline balance asks for (1 without ``mapping.duplicate_to_balance``)."""

    @property
    def rows(self) -> int:
        return self.cin * self.kk


@dataclass(frozen=True)
class LayerPlan:
    """Where NeuroSim puts one layer."""

    novel: bool
    copies: int
    tiles: int
    """NeuroSim tiles of the layer (all its copies)."""
    subarrays: int
    """Subarray slots in those tiles, used or not."""
    row_blocks: int
    """Subarray rows one copy of the layer's matrix spans."""


@dataclass(frozen=True)
class NeuroSimPlan:
    """NeuroSim's floorplan of a network (sizes in cells)."""

    tile_cm: int
    pe_cm: int
    pe_nm: int
    pes_nm: int
    layers: dict[str, LayerPlan]

    @property
    def subarrays(self) -> int:
        return sum(p.subarrays for p in self.layers.values())


def _pow2_ceil(n: int) -> int:
    return 1 << max(0, math.ceil(math.log2(n)))


def _best(start: int, floor: int, fill, best: float = 0.0) -> tuple[int, float]:
    """Among ``start`` and its halvings that stay above ``floor``, the first whose fill beats ``best`` and every
    later one; ``start`` if none does (or none is above ``floor``). Returns (size, best fill so far)."""
    choice, size = start, start
    while size > floor:
        u = fill(size)
        if u > best:
            choice, best = size, u
        size //= 2
    return choice, best


def _fit(need: int, slots: int) -> int:
    """Copies of a matrix needing ``need`` slots along one direction that fit in ``slots`` (at least 1)."""
    return max(1, slots // need)


def _free_copies(rows: int, cols: int, size: int, unit_r: int, unit_c: int) -> int:
    """Copies of a ``rows x cols`` matrix in a square of side ``size`` made of ``unit_r x unit_c`` units, when it
    fits along one direction (rule 3), else 1."""
    if rows > size and cols > size:
        return 1
    return _fit(math.ceil(rows / unit_r), math.ceil(size / unit_r)) * _fit(math.ceil(cols / unit_c),
                                                                            math.ceil(size / unit_c))


def kernel_pes(layers: list[LayerShape]) -> int:
    """NeuroSim's PE count of a novel tile: the kernel size (``kh * kw > 1``) most layers share, the first to
    reach the largest count in layer order; the first layer's when no layer has a kernel."""
    counts = Counter(s.kk for s in layers if s.kk > 1)
    if not counts:
        return layers[0].kk
    top = max(counts.values())
    return next(s.kk for s in layers if s.kk > 1 and counts[s.kk] == top)


def neurosim_plan(layers: dict[str, LayerShape], sub_rows: int, sub_cols: int) -> NeuroSimPlan:
    """NeuroSim's floorplan of ``layers`` (in network order) on ``sub_rows x sub_cols`` subarrays (module
    docstring, rules 1-5).

    Raises
    ------
    UserError: no layer to place.
    """
    if not layers:
        raise UserError("NeuroSim's floorplan rule needs at least one layer")
    shapes = list(layers.values())
    pes_nm = kernel_pes(shapes)
    novel = {n: s.kk == pes_nm and s.rows >= sub_rows for n, s in layers.items()}
    nm = [s for n, s in layers.items() if novel[n]]
    cm = [s for n, s in layers.items() if not novel[n]]
    pe_nm = _novel_pe(nm, pes_nm, sub_rows)
    tile_cm, pe_cm = _conventional_sizes(cm, sub_rows, sub_cols)
    out = {}
    for n, s in layers.items():
        if novel[n]:
            free = _free_copies(s.cin, s.cols, pe_nm, sub_rows, sub_cols)
            rounds = math.ceil(s.speed_up / free)
            tiles = math.ceil(s.cin / pe_nm) * rounds * math.ceil(s.cols / pe_nm)
            per_tile = pes_nm * math.ceil(pe_nm / sub_rows) * math.ceil(pe_nm / sub_cols)
            blocks = s.kk * math.ceil(s.cin / sub_rows)
        else:
            free = (_free_copies(s.rows, s.cols, tile_cm, pe_cm, pe_cm)
                    * _free_copies(s.rows, s.cols, pe_cm, sub_rows, sub_cols))
            rounds = math.ceil(s.speed_up / free)
            tiles = math.ceil(s.rows / tile_cm) * rounds * math.ceil(s.cols / tile_cm)
            per_tile = math.ceil(tile_cm / pe_cm) ** 2 * math.ceil(pe_cm / sub_rows) * math.ceil(pe_cm / sub_cols)
            blocks = math.ceil(s.rows / sub_rows)
        out[n] = LayerPlan(novel=novel[n], copies=free * rounds, tiles=tiles, subarrays=tiles * per_tile,
                           row_blocks=blocks)
    return NeuroSimPlan(tile_cm=tile_cm, pe_cm=pe_cm, pe_nm=pe_nm, pes_nm=pes_nm, layers=out)


def _novel_pe(nm: list[LayerShape], pes_nm: int, sub_rows: int) -> int:
    """Side of a novel PE (rule 2), 0 without novel layers."""
    if not nm:
        return 0
    weights = sum(s.rows * s.cols for s in nm)

    def fill(p: int) -> float:
        return weights / (sum(math.ceil(s.cin / p) * math.ceil(s.cols / p) for s in nm) * p * p * pes_nm)

    start = max(max(_pow2_ceil(s.cols) for s in nm), 2 * sub_rows)
    return _best(start, 2 * sub_rows, fill)[0]


def _conventional_sizes(cm: list[LayerShape], sub_rows: int, sub_cols: int) -> tuple[int, int]:
    """Sides of a conventional tile and PE (rule 2), ``(0, 0)`` without conventional layers."""
    if not cm:
        return 0, 0
    weights = sum(s.rows * s.cols for s in cm)

    def tiles_of(t: int) -> int:
        return sum(math.ceil(s.rows / t) * math.ceil(s.cols / t) for s in cm)

    start = max(max(_pow2_ceil(s.cols) for s in cm), 4 * sub_rows)
    tile, best = _best(start, 4 * sub_rows, lambda t: weights / (tiles_of(t) * t * t))
    n_tiles = tiles_of(tile)

    def pe_fill(p: int) -> float:
        copies = sum(_free_copies(s.rows, s.cols, tile, p, p) * s.rows * s.cols for s in cm)
        return copies / (n_tiles * tile * tile)

    return tile, _best(tile // 2, 2 * sub_rows, pe_fill, best)[0]
