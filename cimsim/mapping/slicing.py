"""Weight bit slicing: a signed integer weight matrix -> cell levels over ``bits_per_cell``-bit cells.

Signed weights use a positive and a negative column per slice (``differential``) or one unsigned column per slice
holding ``w + 2**(bits-1)`` with the offset removed digitally (``offset``).
"""
from __future__ import annotations

import numpy as np

import kernels
from cimsim.config.schema import Chip
from cimsim.errors import UserError


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
    cells = kernels.slice_cells(w, chip.crossbar.bits_per_cell, weight_slices(chip, bits),
                                chip.crossbar.signed == "differential", offset)
    return cells, col_weights, offset


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
