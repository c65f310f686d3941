"""One crossbar layer for one timestep: what the arrays compute and what it costs in actions and cycles.

For each input bit plane (one for spikes; ``bits`` planes, LSB first, for bit-serial integers) and each row block
(one crossbar row of the layer's crossbar grid), the rows carrying a 1 are driven in groups of
``crossbar.parallel_rows``; each group with at least one driven row is one read of every crossbar in that row
block. Each read converts the crossbar's used columns through its ADCs (``cols_per_adc`` columns share one ADC
through a mux, so conversions are serialised) and shift-adds the codes by slice significance.

Functional result: with an ideal ADC (no column sum can exceed the ADC's range at LSB = one cell level) the
layer's integer result is one exact matmul. Otherwise only groups whose column sums *could* be distorted (more
driven rows than ``max_code / max_cell``, or any group in ``full``-range mode) go through the bit-sliced
crossbar kernel; the rest are exact and computed densely. The result equals the all-kernel computation.
"""
from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

import kernels
from cimsim.components.adc import scaled_conversion_cycles
from cimsim.config.schema import Chip
from cimsim.functional import exact_matmul, layer_input_rows
from cimsim.mapping import LayerMapping


@dataclass
class AdcModel:
    """ADC transfer function in cell-level units: ``code = min(round(sum / lsb), max_code)``, value = code x lsb."""

    max_code: int
    lsb: float
    ideal: bool

    @classmethod
    def for_chip(cls, chip: Chip, force_ideal: bool = False) -> "AdcModel":
        max_code = 2**chip.adc.bits - 1
        max_cell = 2**chip.crossbar.bits_per_cell - 1
        full_scale = chip.crossbar.parallel_rows * max_cell
        lsb = 1.0 if chip.adc.range == "saturate" else max(1.0, full_scale / max_code)
        ideal = force_ideal or (lsb == 1.0 and full_scale <= max_code)
        return cls(max_code, lsb, ideal)


@dataclass
class LayerStep:
    """Counts of one layer at one timestep, per sample (arrays ``[N]``)."""

    xbar_reads: np.ndarray
    rows_driven: np.ndarray
    adc_conversions: np.ndarray
    xbar_cycles: np.ndarray
    adc_cycles: np.ndarray
    spikes_in: np.ndarray
    sops: np.ndarray


def bit_planes(rows: np.ndarray, lm: LayerMapping) -> list[tuple[int, np.ndarray]]:
    """``[(significance, uint8 plane [N, P, R])]`` for the layer's input rows."""
    t = lm.in_type
    if t.kind == "spike":
        return [(1, rows.astype(np.uint8))]
    u = rows.astype(np.int64) & ((1 << t.bits) - 1)
    planes = []
    for k in range(t.bits):
        sig = -(1 << k) if (t.signed and k == t.bits - 1) else (1 << k)
        planes.append((sig, ((u >> k) & 1).astype(np.uint8)))
    return planes


def run_layer_step(lm: LayerMapping, node: dict, x: np.ndarray, chip: Chip, adc: AdcModel,
                   wmat: np.ndarray) -> tuple[np.ndarray, LayerStep]:
    """Compute one timestep of a crossbar layer for all samples.

    Parameters
    ----------
    lm: the layer's mapping. node: its graph attributes. x: integer input ``[N, *in_shape]``.
    adc: the ADC transfer function. wmat: the signed integer weight matrix ``[R, C]``.

    Returns
    -------
    acc: int64 ``[N, P, C]`` integer dot products as the hardware computes them (equal to the exact ones when
    the ADC is ideal). step: the action counts and stage cycles per sample.
    """
    n = x.shape[0]
    rows = layer_input_rows(node, x)  # N, P, R
    p = rows.shape[1]
    xb = chip.crossbar
    dense = chip.accounting == "dense"
    n_adc = max(1, xb.cols // chip.adc.cols_per_adc)
    serial = [min(chip.adc.cols_per_adc, math.ceil(cu / n_adc)) for cu in lm.cols_used]
    conv_per_read = sum(lm.cols_used)
    reads = np.zeros(n, np.int64)
    driven = np.zeros(n, np.int64)
    conversions = np.zeros(n, np.int64)
    block_groups = np.zeros((lm.row_blocks, n), np.int64)
    max_cell = 2**xb.bits_per_cell - 1
    safe_rows = adc.max_code // max_cell if adc.lsb == 1.0 else 0
    acc_unsafe = np.zeros((n * p, lm.outputs), np.int64)
    safe = None if adc.ideal else np.zeros((n * p, lm.rows), np.int64)
    for sig, plane in bit_planes(rows, lm):
        flat = plane.reshape(n * p, lm.rows)
        if safe is not None:
            safe += sig * flat.astype(np.int64)
        for b in range(lm.row_blocks):
            rs = lm.row_block(b, chip)
            xblk = np.ascontiguousarray(flat[:, rs])
            counts = kernels.group_activity(xblk, xb.parallel_rows)  # N*P, G
            g = counts.shape[1]
            if dense:
                groups = np.full(n, p * g, np.int64)
                rows_b = np.full(n, p * (rs.stop - rs.start), np.int64)
            else:
                groups = (counts > 0).reshape(n, p * g).sum(1)
                rows_b = counts.reshape(n, -1).sum(1, dtype=np.int64)
            block_groups[b] += groups
            reads += groups * lm.col_blocks
            driven += rows_b * lm.col_blocks
            conversions += groups * conv_per_read
            if safe is None:
                continue
            unsafe = counts > safe_rows  # N*P, G: groups whose column sums the ADC may distort
            if not unsafe.any():
                continue
            row_mask = np.repeat(unsafe, xb.parallel_rows, axis=1)[:, : rs.stop - rs.start]
            x_unsafe = np.where(row_mask, xblk, 0).astype(np.uint8)
            safe[:, rs] -= sig * x_unsafe.astype(np.int64)
            codes = kernels.crossbar_read_adc(x_unsafe, lm.cells[rs], xb.parallel_rows, adc.max_code, adc.lsb)
            vals = codes.reshape(n * p, lm.outputs, lm.cols_per_output).astype(np.float64) * adc.lsb
            part = np.rint(vals @ lm.col_weights.astype(np.float64)).astype(np.int64)
            if lm.offset:
                part -= lm.offset * x_unsafe.sum(1, dtype=np.int64)[:, None]
            acc_unsafe += sig * part
    if safe is None:
        acc = exact_matmul(rows, wmat)
    else:
        acc = (exact_matmul(safe, wmat) + acc_unsafe).reshape(n, p, lm.outputs)
    xbar_cycles = block_groups.max(0) * xb.read_cycles
    adc_cycles = block_groups.max(0) * max(serial) * scaled_conversion_cycles(chip.adc)
    nz = (x.reshape(n, -1) != 0).sum(1)
    # synaptic operations: each nonzero input times the outputs it reaches (fan-out), summed over positions
    sops = (rows != 0).sum((1, 2)).astype(np.int64) * lm.outputs
    return acc, LayerStep(reads, driven, conversions, xbar_cycles, adc_cycles, nz.astype(np.int64), sops)
