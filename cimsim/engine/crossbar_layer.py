"""One crossbar layer for one timestep: what the arrays compute and what it costs in actions and cycles.

For each input digit (one bit plane for spikes; for integers ``bits`` bit planes, LSB first, or with multi-level
row drives, an input DAC, digits of ``in_bits_per_read`` bits: :attr:`cimsim.mapping.LayerMapping.in_digits`) and
each row block (one crossbar row of the layer's crossbar grid), the rows with a nonzero digit are driven (at the
digit's level) in groups of ``crossbar.parallel_rows``; each group with at least one driven row is one read of every
crossbar in that row block. A multi-level read's bitline sum is that of its level-1 rows repeated per level
(:func:`unit_levels`), so every kernel computes it unchanged. Each read converts the crossbar's used columns
through its ADCs (``cols_per_adc`` columns share one ADC through a mux, so conversions are serialised) and
shift-adds the codes by slice significance (digits by their significance).

With ``pe.analog_sum`` the unit of conversion is an *ADC block*: the ``sum_blocks`` row blocks a PE holds (of one
column block). One PE read drives row group ``g`` of every crossbar of the PE at once; their bitline currents add
up on the shared column lines, so the ADC sees the column sum over up to ``sum_blocks x parallel_rows`` rows, and
each column is converted once per PE read. The engine builds the PE's *virtual array*: row group ``g`` of each
crossbar placed side by side (``[G, sum_blocks, parallel_rows]``, padded with undriven rows), read in groups of
``sum_blocks x parallel_rows`` rows.

ADC transfer function (:class:`AdcModel`): ``code = clip(round_half_even(value / lsb), min_code, max_code)``, the
digital value ``code x lsb``. The LSB is one cell level (``saturate``), the largest possible column sum / max_code
(``full``), or, with ``calibrated``, set per layer and per cell column of an output (weight slice, sign) to a power
of two fitted to the column values that layer's reads produce on calibration inputs (least squared conversion
error by default, or a quantile rule; :mod:`cimsim.engine.adc_calibration`; the reconstruction stays a shift). The conversions (and so every count and
cost) are the same in all modes; only the values differ.

Functional result: with an ideal ADC (no column sum can exceed the ADC's range at LSB = one cell level) the
layer's integer result is one exact matmul. Otherwise only groups whose column sums *could* be distorted (more
driven rows than ``max_code / max_cell``, or any group when an LSB is above one cell level) go through the
bit-sliced crossbar kernel; the rest are exact and computed densely. The result equals the all-kernel computation.

Non-ideal devices (``adc.devices``, a chip instance of :mod:`cimsim.nonideal`): every read goes through the
non-ideal read kernel (instance conductances, reference column, read noise, then the same ADC transfer function);
no read is exact. Without them the path above is unchanged, bit for bit. With ``counts=None`` nothing is counted
(the functional accuracy mode, :mod:`cimsim.accuracy`).
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

import kernels
from cimsim.components import registry
from cimsim.components.adc import scaled_conversion_cycles
from cimsim.config.schema import Chip
from cimsim.mapping import LayerMapping
from cimsim.ops import exact_matmul, layer_input_rows

if TYPE_CHECKING:
    from cimsim.engine.counts import HostCounts
    from cimsim.nonideal import ChipInstance


@dataclass
class AdcModel:
    """ADC transfer function in cell-level units: ``code = clip(round(sum / lsb), min_code, max_code)``, value =
    code x lsb. ``lsb`` is chip-wide except with a calibrated range, where :meth:`column_lsbs` gives each layer's."""

    max_code: int
    lsb: float
    ideal: bool
    min_code: int = 0
    """Lowest code: 0, or ``-2**(bits-1)`` for the signed input of an analog offset reference."""
    safe_cell: int = 1
    """Largest |column contribution| of one driven row: a read with ``count * safe_cell <= max_code`` is exact."""
    calibrated: bool = False
    """``adc.range: calibrated`` with a finite ADC: the LSBs come from :func:`cimsim.engine.adc_calibration.calibrate_adc`."""
    layer_lsb: dict[str, np.ndarray] = field(default_factory=dict)
    """Calibrated LSBs: layer name -> float64 ``[cols_per_output]``, one per cell column of an output (its weight
    slice, and sign with differential weights), in cell levels, powers of two >= 1."""
    calibration: dict = field(default_factory=dict)
    """What the calibration saw (quantile, samples, per-layer quantile values); empty until calibrated."""
    devices: "ChipInstance | None" = None
    """The chip instance whose device non-idealities the reads go through (:mod:`cimsim.nonideal`); None: ideal
    devices. Set by the run (:func:`cimsim.nonideal.instance_for`), not by :meth:`for_chip`."""
    full_scale: int = 0
    """Largest |column sum| of a read driving its rows at level 1 (cell levels)."""
    full_range: bool = False
    """``adc.range: full``: a layer driving rows at up to ``L`` levels has its LSB at ``L x full_scale / max_code``."""
    forced: bool = False
    """Ideal by request (``options.ideal_adc``), whatever the range."""

    def ideal_for(self, lm: LayerMapping) -> bool:
        """Whether no read of layer ``lm`` can be distorted (its rows driven at up to ``lm.input_levels``)."""
        return self.forced or self.full_scale * lm.input_levels <= self.max_code

    def column_lsbs(self, lm: LayerMapping) -> np.ndarray:
        """LSB of each cell column of an output of layer ``lm``: float64 ``[cols_per_output]``.

        Raises
        ------
        ValueError: a calibrated ADC that has not been calibrated for this layer (a programming error: call
        :func:`cimsim.engine.adc_calibration.calibrate_adc` first; :func:`cimsim.simulate` does).
        """
        if not self.calibrated:
            if self.full_range and lm.input_levels > 1:
                return np.full(lm.cols_per_output, max(1.0, self.full_scale * lm.input_levels / self.max_code))
            return np.full(lm.cols_per_output, self.lsb)
        if lm.node not in self.layer_lsb:
            raise ValueError(f"calibrated ADC has no LSB for layer {lm.node!r}: calibrate it first (calibrate_adc)")
        return np.asarray(self.layer_lsb[lm.node], np.float64)

    @classmethod
    def for_chip(cls, chip: Chip, force_ideal: bool = False) -> "AdcModel":
        xb = chip.crossbar
        max_cell = 2**xb.bits_per_cell - 1
        summed = chip.pe.crossbars if chip.pe.analog_sum else 1  # crossbars whose currents one ADC sees
        if xb.signed == "offset" and xb.offset_reference == "analog":
            refs = reference_levels(chip)
            cell = int(max(max(r, max_cell - r) for r in refs))
            max_code, min_code = 2 ** (chip.adc.bits - 1) - 1, -(2 ** (chip.adc.bits - 1))
        else:
            cell, max_code, min_code = max_cell, 2**chip.adc.bits - 1, 0
        full_scale = xb.parallel_rows * summed * cell
        lsb = max(1.0, full_scale / max_code) if chip.adc.range == "full" else 1.0
        levels = 2 ** registry.input_bits_per_read(chip) - 1  # the highest level any layer drives a row with
        ideal = force_ideal or full_scale * levels <= max_code  # (then lsb is 1.0 in every range)
        calibrated = chip.adc.range == "calibrated" and not ideal
        return cls(max_code, lsb, ideal, min_code, max(1, cell), calibrated, full_scale=full_scale,
                   full_range=chip.adc.range == "full", forced=force_ideal)


def reference_levels(chip: Chip, bits: int | None = None) -> list[int]:
    """Cell level of the reference column of each slice (LSB first): the slices of the offset ``2**(bits-1)``."""
    from cimsim.mapping import weight_slices

    bits = chip.weight_bits if bits is None else bits
    bpc = chip.crossbar.bits_per_cell
    offset = 2 ** (bits - 1)
    return [(offset >> (k * bpc)) & ((1 << bpc) - 1) for k in range(weight_slices(chip, bits))]


def signed_reads(x: np.ndarray, cells: np.ndarray, per_read: int, refs: np.ndarray, adc: AdcModel,
                 lsb: np.ndarray | float | None = None) -> np.ndarray:
    """ADC values summed over reads when a reference column per slice is subtracted before the ADC.

    x: uint8 ``[P, R]`` driven rows; cells: uint8 ``[R, K]``; refs: ``[K]`` reference level of each column;
    lsb: scalar or ``[K]`` LSB of each column (default ``adc.lsb``).
    Each read (``per_read`` consecutive rows) converts ``sum(x * cells) - n_driven * refs`` per column:
    ``clip(round(d / lsb), min_code, max_code) * lsb``. Returns float64 ``[P, K]``.
    """
    lsb = adc.lsb if lsb is None else np.asarray(lsb, np.float64)
    out = np.zeros((x.shape[0], cells.shape[1]), np.float64)
    cf = cells.astype(np.float32)
    for r0 in range(0, x.shape[1], per_read):
        xg = x[:, r0 : r0 + per_read]
        n_drv = xg.sum(1, dtype=np.int64)
        if not n_drv.any():
            continue
        d = (xg.astype(np.float32) @ cf[r0 : r0 + per_read]).astype(np.float64) - n_drv[:, None] * refs[None, :]
        out += np.clip(np.rint(d / lsb), adc.min_code, adc.max_code) * lsb
    return out


def unsigned_reads(x: np.ndarray, cells: np.ndarray, per_read: int, lsbs: np.ndarray, adc: AdcModel) -> np.ndarray:
    """ADC values summed over reads of unsigned columns, through the crossbar kernel.

    x: uint8 ``[P, R]`` driven rows; cells: uint8 ``[R, K]`` with ``K = outputs x cols_per_output`` columns ordered
    (output, cell column); lsbs: ``[cols_per_output]`` LSB of each cell column of an output. Each read converts
    ``min(round(sum(x * cells) / lsb), max_code) * lsb`` per column. Returns float64 ``[P, K]``.
    """
    cpo = len(lsbs)
    if np.all(lsbs == lsbs[0]):  # one LSB for every column: a single kernel call
        return kernels.crossbar_read_adc(x, np.ascontiguousarray(cells), per_read, adc.max_code,
                                         float(lsbs[0])).astype(np.float64) * float(lsbs[0])
    out = np.zeros((x.shape[0], cells.shape[1]), np.float64)
    for c in range(cpo):  # the ADC's reference follows the column mux: one kernel call per cell column class
        codes = kernels.crossbar_read_adc(x, np.ascontiguousarray(cells[:, c::cpo]), per_read, adc.max_code,
                                          float(lsbs[c]))
        out[:, c::cpo] = codes * float(lsbs[c])
    return out


def input_rows(lm: LayerMapping, node: dict, x: np.ndarray) -> np.ndarray:
    """What drives layer ``lm``'s rows (:func:`cimsim.ops.layer_input_rows`) from its integer input ``x``
    ``[N, *in_shape]``: ``[N, P, rows]``, 8-bit integers when the input's value type fits them (spikes, integers of
    at most 8 bits; a quarter of the int32 bytes to unfold), a conv's unfolded by :func:`kernels.im2col_u8`."""
    t = lm.in_type
    if t.kind == "spike" or (t.kind == "int" and t.bits <= 8):
        x = x.astype(np.int8 if t.signed else np.uint8, copy=False)
        if node["kind"] == "conv":
            k = np.shape(node["weight"])[2:]
            return kernels.im2col_u8(x, tuple(k), tuple(node["stride"]), tuple(node["padding"]))
    return layer_input_rows(node, x)


def bit_planes(rows: np.ndarray, lm: LayerMapping) -> list[tuple[int, np.ndarray]]:
    """``[(significance, uint8 plane [N, P, R])]`` for the layer's input rows: one plane per input digit
    (:attr:`~cimsim.mapping.LayerMapping.in_digits`), each row's entry the level it is driven at in that read."""
    t = lm.in_type
    if t.kind == "spike":
        return [(1, rows.astype(np.uint8, copy=False))]
    # two's complement bits: an 8-bit integer's low bits are those of its wider value
    u = (rows.view(np.uint8) if rows.dtype.itemsize == 1 else rows.astype(np.int64)) & ((1 << t.bits) - 1)
    return [(sig, ((u >> shift) & ((1 << width) - 1)).astype(np.uint8, copy=False))
            for sig, shift, width in lm.in_digits]


def unit_levels(x: np.ndarray, levels: int) -> np.ndarray:
    """Rows driven at levels ``0 .. levels`` as level-1 rows: uint8 ``[P, R]`` -> ``[P, R * levels]``.

    Row ``r`` driven at level ``v`` becomes ``levels`` rows of which the first ``v`` are driven (a thermometer
    code); with each cell row repeated ``levels`` times (``np.repeat(cells, levels, 0)``) and ``levels`` times the
    rows per read, every read's bitline sums are those of the multi-level read: ``sum_r v_r x cell_r``.
    """
    if levels == 1:
        return x
    return (x[:, :, None] > np.arange(levels, dtype=np.uint8)).reshape(x.shape[0], -1).view(np.uint8)


def virtual_rows(lm: LayerMapping, j: int, chip: Chip) -> tuple[np.ndarray | slice, int, int]:
    """Rows of ADC block ``j`` in read order: ``(index, rows per read, crossbars)``.

    ``index`` is a slice of the layer's rows when the block reads contiguously (one row block, or one read per
    crossbar), else an int array ``[G * crossbars * parallel_rows]`` of layer rows with -1 for padding (undriven).
    """
    xb = chip.crossbar
    blocks = lm.adc_block(j)
    k = len(blocks)
    if lm.row_index is not None:  # NeuroSim's layout: one subarray per block, its empty rows as padding
        return lm.row_index[j], xb.parallel_rows, 1
    first, last = lm.row_block(blocks[0], chip), lm.row_block(blocks[-1], chip)
    if k == 1 or xb.parallel_rows >= xb.rows:
        return slice(first.start, last.stop), (xb.parallel_rows if k == 1 else k * xb.rows), k
    pr = xb.parallel_rows
    g = -(-xb.rows // pr)
    idx = np.full((g, k, pr), -1, np.int64)
    for i, b in enumerate(blocks):
        rs = lm.row_block(b, chip)
        rows = np.full(g * pr, -1, np.int64)
        rows[: rs.stop - rs.start] = np.arange(rs.start, rs.stop)
        idx[:, i, :] = rows.reshape(g, pr)
    return idx.ravel(), k * pr, k


def block_rows(flat: np.ndarray, idx: np.ndarray | slice) -> np.ndarray:
    """Driven rows of an ADC block in read order: uint8 ``[P, len(idx)]`` from ``flat`` ``[P, rows]`` (padding 0)."""
    if isinstance(idx, slice):
        return np.ascontiguousarray(flat[:, idx]).astype(np.uint8, copy=False)
    real = idx >= 0
    return np.where(real, flat[:, np.where(real, idx, 0)], 0).astype(np.uint8)


def block_cells(lm: LayerMapping, idx: np.ndarray | slice) -> np.ndarray:
    """Cell levels of an ADC block's rows in read order: uint8 ``[len(idx), K]`` (padding rows 0)."""
    if isinstance(idx, slice):
        return lm.cells[idx]
    real = idx >= 0
    return np.where(real[:, None], lm.cells[np.where(real, idx, 0)], 0).astype(np.uint8)


def run_layer_step(lm: LayerMapping, node: dict, x: np.ndarray, chip: Chip, adc: AdcModel, wmat: np.ndarray,
                   counts: "HostCounts | None", t: int, sample0: int = 0) -> np.ndarray:
    """Compute one timestep of a crossbar layer for all samples and count what the arrays do.

    Parameters
    ----------
    lm: the layer's mapping. node: its graph attributes. x: integer input ``[N, *in_shape]``.
    adc: the ADC transfer function (with ``adc.devices`` every read goes through the chip instance's devices).
    wmat: the signed integer weight matrix ``[R, C]``.
    counts: the layer's host counts (arrays ``[T, N]``); row ``t`` gets this timestep's reads, driven rows,
    conversions, crossbar/ADC/adder-tree cycles, adder-tree accumulations, input spikes and synaptic operations.
    None: values only (nothing is counted; the functional accuracy mode).
    sample0: global index of sample 0 of ``x`` (the read noise of a sample does not depend on its batch).

    Returns
    -------
    int64 ``[N, P, C]``: the integer dot products as the hardware computes them (equal to the exact ones when
    the ADC is ideal and the devices are).
    """
    rows = input_rows(lm, node, x)  # N, P, R
    reads = _LayerReads(lm, chip, adc, rows, counting=counts is not None)
    for i, (sig, plane) in enumerate(bit_planes(rows, lm)):
        reads.plane(sig, plane, (t, i, sample0))
    if counts is not None:
        reads.count(counts, t, x)
    return reads.result(wmat)


class _LayerReads:
    """The reads of one layer's timestep: counts per sample, and the ADC's effect on the sums."""

    def __init__(self, lm: LayerMapping, chip: Chip, adc: AdcModel, rows: np.ndarray, counting: bool = True):
        self.lm, self.chip, self.adc, self.rows, self.counting = lm, chip, adc, rows, counting
        self.n, self.p = n, p = rows.shape[:2]
        xb = chip.crossbar
        self.every_group = chip.accounting in ("dense", "all_groups")  # every row group read and converted
        self.all_rows = chip.accounting == "dense"  # every row of a read driven (else only the rows carrying a 1)
        self.reads = np.zeros(n, np.int64)
        self.driven = np.zeros(n, np.int64)
        self.conversions = np.zeros(n, np.int64)
        self.block_groups = np.zeros((lm.adc_blocks, n), np.int64)
        safe_cell = adc.safe_cell
        self.analog_ref = bool(lm.offset) and xb.offset_reference == "analog"
        if self.analog_ref:
            levels = reference_levels(chip, lm.weight_bits)
            self.refs = np.tile(np.asarray(levels, np.float64), lm.outputs)
            safe_cell = max(1, max(max(r, 2**xb.bits_per_cell - 1 - r) for r in levels))
        self.levels = lm.input_levels  # a row driven at level v contributes v times its cells
        safe_cell *= self.levels
        ideal = adc.ideal_for(lm)
        self.lsbs = adc.column_lsbs(lm)  # [cols_per_output]
        self.safe_rows = adc.max_code // safe_cell if np.all(self.lsbs == 1.0) else 0
        self.acc_unsafe = np.zeros((n * p, lm.outputs), np.int64)
        # non-ideal devices: every read is analog (no exact part), so no exact rows are kept
        self.dev = adc.devices.layer(lm) if adc.devices is not None else None
        # no read is safe (an LSB above one cell level): every driven group goes through the ADC, no exact part
        self.all_reads = not ideal and self.dev is None and self.safe_rows == 0
        self.safe = None if (ideal or self.dev is not None or self.all_reads) else np.zeros((n * p, lm.rows), np.int64)
        self.blocks = [virtual_rows(lm, j, chip) for j in range(lm.adc_blocks)]

    def plane(self, sig: int, plane: np.ndarray, where: tuple[int, int, int] = (0, 0, 0)) -> None:
        """Read one input bit plane ``[N, P, R]`` of significance ``sig`` through every ADC block.

        ``where``: (timestep, bit plane index, global index of sample 0), which the read noise depends on.
        """
        flat = plane.reshape(self.n * self.p, self.lm.rows)
        if self.safe is not None:
            self.safe += sig * flat.astype(np.int64)
        for j, (idx, per_read, k) in enumerate(self.blocks):
            real = None if isinstance(idx, slice) else idx >= 0
            xblk = block_rows(flat, idx)
            counts = self._count_reads(j, idx, real, per_read, k, xblk) if self.counting else None
            if self.dev is not None:
                self._analog(sig, j, idx, per_read, xblk, where)
            elif self.safe is not None or self.all_reads:
                if counts is None:
                    counts = kernels.group_activity(xblk, per_read)
                self._distorted(sig, idx, real, per_read, xblk, counts)

    def _count_reads(self, j, idx, real, per_read: int, k: int, xblk: np.ndarray) -> np.ndarray:
        """Count the reads of ADC block ``j``; returns the rows driven per read ``[N*P, G]``."""
        lm, n, p, pr = self.lm, self.n, self.p, self.chip.crossbar.parallel_rows
        # per-crossbar row groups (the virtual array is laid out crossbar-group by crossbar-group)
        per_xb = pr if (k > 1 and real is not None) else min(pr, per_read)
        counts_x = kernels.group_activity(xblk, per_xb)  # N*P, groups of single crossbars
        counts = kernels.group_activity(xblk, per_read) if k > 1 else counts_x  # rows driven per PE read
        g = counts.shape[1]
        n_rows = (idx.stop - idx.start) if real is None else int(real.sum())
        if self.every_group:
            groups = np.full(n, p * g, np.int64)
            # NeuroSim's layout (lm.row_index): a subarray holding weights reads its empty row groups too
            whole = real is None or lm.row_index is not None
            used = counts_x.shape[1] if whole else int(real.reshape(-1, per_xb).any(1).sum())
            xreads = np.full(n, p * used, np.int64)
        else:
            groups = (counts > 0).reshape(n, p * g).sum(1)
            xreads = (counts_x > 0).reshape(n, -1).sum(1)
        if self.all_rows:
            rows_b = np.full(n, p * n_rows, np.int64)
        else:
            rows_b = counts.reshape(n, -1).sum(1, dtype=np.int64)
        self.block_groups[j] += groups
        self.reads += xreads * lm.col_blocks
        self.driven += rows_b * lm.col_blocks
        self.conversions += groups * sum(lm.cols_used)
        return counts

    def _distorted(self, sig: int, idx, real, per_read: int, xblk: np.ndarray, counts: np.ndarray) -> None:
        """Move the reads whose column sums the ADC may distort from the exact part to the ADC's result."""
        lm, adc = self.lm, self.adc
        unsafe = counts > self.safe_rows  # N*P, G
        if not unsafe.any():
            return
        if self.all_reads:  # every group is unsafe (an undriven one reads nothing)
            x_unsafe = xblk
        else:
            row_mask = np.repeat(unsafe, per_read, axis=1)[:, : xblk.shape[1]]
            x_unsafe = np.where(row_mask, xblk, 0).astype(np.uint8)
            if real is None:
                self.safe[:, idx] -= sig * x_unsafe.astype(np.int64)
            else:
                self.safe[:, idx[real]] -= sig * x_unsafe[:, real].astype(np.int64)
        cells = block_cells(lm, idx)
        if self.analog_ref:  # the reference column removes the offset before the ADC (levels read directly)
            vals = signed_reads(x_unsafe, cells, per_read, self.refs, adc, np.tile(self.lsbs, lm.outputs))
            self._accumulate(sig, vals, x_unsafe)
            return
        xu, cu, pu = x_unsafe, cells, per_read
        if self.levels > 1:  # the multi-level reads as level-1 rows (unit_levels)
            xu, cu, pu = unit_levels(x_unsafe, self.levels), np.repeat(cells, self.levels, 0), per_read * self.levels
        if np.all(self.lsbs == np.rint(self.lsbs)):  # integer LSBs: exact in one kernel (offset per unit row)
            part = kernels.crossbar_adc_partial_sums(xu, cu, pu, adc.max_code, self.lsbs.astype(np.int64),
                                                     lm.col_weights, lm.offset, 2**self.chip.crossbar.bits_per_cell - 1)
            self.acc_unsafe += sig * part
            return
        self._accumulate(sig, unsigned_reads(xu, cu, pu, self.lsbs, adc), x_unsafe)

    def _analog(self, sig: int, j: int, idx, per_read: int, xblk: np.ndarray, where: tuple[int, int, int]) -> None:
        """Every read of ADC block ``j`` through the chip instance's devices and the ADC."""
        from cimsim.nonideal import nonideal_reads

        inst = self.adc.devices
        t, plane, sample0 = where
        key = inst.read_key(self.dev, t, plane, j)
        xr = xblk
        if self.levels > 1:  # each row's devices once per level (unit_levels): every level adds a cell current
            idx = np.repeat(np.arange(idx.start, idx.stop) if isinstance(idx, slice) else idx, self.levels)
            xr, per_read = unit_levels(xblk, self.levels), per_read * self.levels
        vals = nonideal_reads(self.dev, key, j, idx, xr, per_read, self.lsbs, self.adc, sample0 * self.p,
                              inst.cfg.c2c_sigma)
        self._accumulate(sig, vals, xblk)

    def _accumulate(self, sig: int, vals: np.ndarray, x: np.ndarray) -> None:
        """Shift-add the ADC values ``[N*P, K]`` of reads driving ``x`` by slice significance into the result."""
        lm = self.lm
        vals = vals.reshape(self.n * self.p, lm.outputs, lm.cols_per_output)
        part = np.rint(vals @ lm.col_weights.astype(np.float64)).astype(np.int64)
        if lm.offset and not self.analog_ref:
            part -= lm.offset * x.sum(1, dtype=np.int64)[:, None]
        self.acc_unsafe += sig * part

    def result(self, wmat: np.ndarray) -> np.ndarray:
        if self.dev is not None or self.all_reads:
            return self.acc_unsafe.reshape(self.n, self.p, self.lm.outputs)
        if self.safe is None:
            return exact_matmul(self.rows, wmat)
        return (exact_matmul(self.safe, wmat) + self.acc_unsafe).reshape(self.n, self.p, self.lm.outputs)

    def count(self, c: "HostCounts", t: int, x: np.ndarray) -> None:
        """Add the timestep's counts and stage cycles per sample to row ``t`` of ``c``."""
        lm, chip, n = self.lm, self.chip, self.n
        n_adc = max(1, chip.crossbar.cols // chip.adc.cols_per_adc)  # ADCs per crossbar (per PE with analog sum)
        serial = max(min(chip.adc.cols_per_adc, math.ceil(cu / n_adc)) for cu in lm.cols_used)
        # copies of a duplicated layer split the positions: each reads about 1/copies of the row groups in parallel
        serial_groups = -(-self.block_groups.max(0) // lm.copies)
        c.xbar_reads[t] += self.reads
        c.rows_driven[t] += self.driven
        c.adc_conversions[t] += self.conversions
        c.xbar_cycles[t] += serial_groups * chip.crossbar.read_cycles
        c.adc_cycles[t] += serial_groups * serial * scaled_conversion_cycles(chip.adc)
        c.spikes_in[t] += (x.reshape(n, -1) != 0).sum(1)
        # synaptic operations: each nonzero input times the outputs it reaches (fan-out), summed over positions
        c.sops[t] += (self.rows != 0).sum((1, 2)).astype(np.int64) * lm.outputs
        # partial sums of ADC blocks (row blocks, or PEs with analog sum) and bit planes added in the tile's
        # accumulators (adder tree)
        n_parts = lm.adc_blocks * lm.in_planes
        c.accumulations[t] += lm.positions * lm.outputs * max(0, n_parts - 1)
        depth = math.ceil(math.log2(n_parts)) if n_parts > 1 else 0
        c.digital_cycles[t] += lm.positions_per_copy * depth * chip.tile.accumulator.cycles
