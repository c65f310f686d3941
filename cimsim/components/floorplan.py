"""Floorplan: crossbar unit, PE and tile dimensions from component areas, NeuroSim's convention.

A crossbar unit is its array (``cols`` cells of the cell's width by ``rows`` of its height, ``CELL_ASPECT``) with
the wordline drivers and the extra blocks per row (a preset's wordline switch matrices and level shifters) stacked
on its left, each strip as tall as the array, and the column periphery (ADCs, muxes, shift-adders and the other
crossbar-level extra blocks, when they sit at the crossbar) stacked below it, each strip as wide as the array; the
unit's bounding box (``SubArray.cpp``'s ``height * width`` in NeuroSim, ``neurosim_code``) leaves the corner between
the two empty, which grows with tall level shifters and small arrays. A PE is a near-square grid of
crossbar units with its own blocks (PE buffer, shared ADCs ...) stacked as one strip on the side that keeps it
nearer square; a tile likewise a near-square grid of PEs with its blocks (tile buffer, LIF units, accumulators,
router, H-tree, other area). Grid slots left empty and strips shorter than their box are empty area. The
bounding boxes make wires have lengths: the H-tree spans the side of the tile's PE array, a NoC link one tile side.

The report gives the chip area both as the sum of components (``totals.area_m2``: used area) and as the floorplan
(``totals.floorplan_area_m2``: the bounding boxes of the tiles a run uses, plus chip-level blocks and membrane
storage as they are), with the boxes' dimensions and empty area (``floorplan``).
"""
from __future__ import annotations

import math
from dataclasses import asdict, dataclass

from cimsim.technology import CELL_ASPECT


@dataclass(frozen=True)
class Floorplan:
    """Dimensions (m) and areas (m2) of the boxes of one crossbar unit, PE and tile."""

    unit_w_m: float
    unit_h_m: float
    pe_w_m: float
    pe_h_m: float
    tile_w_m: float
    tile_h_m: float
    pe_array_side_m: float
    """Side of the square with the area of the tile's PE grid (the H-tree's reach)."""
    tile_used_m2: float
    """Sum of the component areas of one tile."""

    @property
    def tile_m2(self) -> float:
        return self.tile_w_m * self.tile_h_m

    @property
    def tile_side_m(self) -> float:
        """Side of the square with the tile's box area (a NoC link's length)."""
        return math.sqrt(self.tile_m2)

    def as_dict(self) -> dict:
        return {**asdict(self), "tile_m2": self.tile_m2, "tile_empty_m2": self.tile_m2 - self.tile_used_m2}


def _grid(n: float, w: float, h: float) -> tuple[float, float]:
    """(width, height) of ``n`` boxes of ``w x h`` in a near-square grid."""
    n = max(1, math.ceil(n))
    cols = math.ceil(math.sqrt(n))
    return cols * w, math.ceil(n / cols) * h


def _stack(w: float, h: float, area: float) -> tuple[float, float]:
    """A ``w x h`` box with a strip of ``area`` stacked on the side that keeps the box nearer square."""
    if area <= 0 or w <= 0 or h <= 0:
        return w, h
    below, beside = (w, h + area / w), (w + area / h, h)
    return min(below, beside, key=lambda b: max(b) / min(b))


def _beside(chip, name: str) -> bool:
    """Stacked beside the array (wordline side): the wordline drivers and periphery blocks ``per: row``."""
    block = chip.periphery.get(name)
    return name == "wl_driver" or (block is not None and block.per == "row")


def _area(parts) -> float:
    return sum(c.total_area_m2() * k for c, k in parts)


def floorplan(chip, parts: dict, crossbar, pe_crossbars: float, tile_pes: float) -> Floorplan:
    """The floorplan of ``chip`` from its parts by level (``{level: [(component, instances)]}``, as
    :func:`cimsim.components.chip.build` assembles them) and its crossbar array component."""
    rows, cols = chip.crossbar.rows, chip.crossbar.cols
    array = max(crossbar.area_m2, 0.0)
    aspect = cols / rows * CELL_ASPECT["sram" if chip.crossbar.device == "sram" else "1t1r"]
    aw, ah = math.sqrt(array * aspect), math.sqrt(array / aspect)
    side = [(c, k) for c, k in parts["crossbar"] if _beside(chip, c.name)]
    below = [(c, k) for c, k in parts["crossbar"] if c.name != "crossbar" and not _beside(chip, c.name)]
    left_w = _area(side) / ah if ah else 0.0
    # each strip is as long as the array's side it serves (NeuroSim's convention): the corner is empty
    bottom_h = _area(below) / aw if aw else 0.0
    unit_w, unit_h = aw + left_w, ah + bottom_h
    pe_w, pe_h = _stack(*_grid(pe_crossbars, unit_w, unit_h), _area(parts["pe"]))
    tw, th = _grid(tile_pes, pe_w, pe_h)
    tile_w, tile_h = _stack(tw, th, _area(parts["tile"]))
    used = (_area(parts["crossbar"]) * pe_crossbars + _area(parts["pe"])) * tile_pes + _area(parts["tile"])
    return Floorplan(unit_w_m=unit_w, unit_h_m=unit_h, pe_w_m=pe_w, pe_h_m=pe_h, tile_w_m=tile_w, tile_h_m=tile_h,
                     pe_array_side_m=math.sqrt(tw * th), tile_used_m2=used)
