"""The chip's crossbar product in torch: bit-sliced cells, row-group reads, the ADC, and optional device noise.

:func:`adc_product` computes, for integer inputs and integer weights, the integer dot products a crossbar layer
of the simulated chip produces (:mod:`cimsim.engine.crossbar_layer`), vectorised over samples and reads:

1. the input is split into digits as the layer applies them (one plane for spikes; for integers ``bits`` bit
   planes, LSB first, the sign bit of a signed input weighing ``-2**(bits-1)``, or with multi-level row drives
   digits of ``in_bits_per_read`` bits driven as levels: :attr:`cimsim.mapping.LayerMapping.in_digits`), each read
   separately;
2. the weights become cell levels over ``bits_per_cell``-bit cells (:func:`cell_levels`: offset ``w + 2**(b-1)``
   or a differential pair of magnitudes, ``cols_per_output`` cell columns per output);
3. the rows are grouped into reads exactly as the mapping reads them (:attr:`CrossbarReads.reads`, built from
   :func:`cimsim.engine.crossbar_layer.virtual_rows`: row groups of ``parallel_rows``, and with ``pe.analog_sum``
   the PE's crossbars summed on shared column lines), so one batched matmul per plane gives every read's column
   values ``[reads, positions, columns]``;
4. each value passes the ADC, ``clip(round_half_even(v / lsb), min_code, max_code) * lsb``, with the layer's
   calibrated LSB per cell column of an output (a reference column is subtracted first with an analog offset
   reference);
5. the codes are shift-added by column significance, and the digital offset (``offset`` coding) is removed.

With the ADC's range wide enough for every read the result is the exact integer product. Device non-idealities
(:class:`DeviceNoise`) perturb the cell levels (device-to-device variation, stuck cells, per chip instance) and
the column values (read noise, per read) before the ADC.
"""
from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import torch
from torch import nn

MAX_CHUNK_VALUES = 2**23
"""Column values (reads x positions x columns) computed at once; samples are chunked to stay below it."""


@dataclass
class CrossbarReads:
    """How one crossbar layer of a mapping is read (everything :func:`adc_product` needs but the weights).

    Attributes
    ----------
    name: graph node / module name. rows: crossbar-matrix rows. reads: int64 ``[n_reads, rows_per_read]`` row
    indices of each read (``rows`` for padding: an undriven row). in_bits: input width (1 for spikes). in_digits:
    ``(significance, shift, width)`` of each digit applied in one read (the layer's ``in_digits``). bits_per_cell,
    differential, offset, weight_bits: the weight slicing. col_weights: float ``[cols_per_output]`` signed
    significance of an output's cell columns. refs: ``[cols_per_output]`` reference levels subtracted before the ADC
    (analog offset reference) or None. lsbs: ``[cols_per_output]`` ADC LSB per cell column (cell levels). max_code /
    min_code: ADC code range. ideal: the ADC never distorts this layer's reads (exact product).
    """

    name: str
    rows: int
    reads: torch.Tensor
    in_bits: int
    in_digits: tuple[tuple[int, int, int], ...]
    bits_per_cell: int
    differential: bool
    offset: int
    weight_bits: int
    col_weights: torch.Tensor
    refs: torch.Tensor | None
    lsbs: torch.Tensor
    max_code: int
    min_code: int
    ideal: bool
    contiguous: bool = False
    """Read ``i`` is rows ``[i * L, (i + 1) * L)`` (clipped to ``rows``): the rows are read in order."""

    def to(self, device: torch.device) -> "CrossbarReads":
        """The same reads with its tensors on ``device``."""
        if self.reads.device == torch.device(device):
            return self
        move = {k: v.to(device) for k, v in vars(self).items() if isinstance(v, torch.Tensor)}
        return replace(self, **move)

    @classmethod
    def from_mapping(cls, lm, chip, adc) -> "CrossbarReads":
        """The reads of layer mapping ``lm`` (:class:`cimsim.mapping.LayerMapping`) on ``chip`` with ADC ``adc``
        (:class:`cimsim.engine.crossbar_layer.AdcModel`, calibrated when its range is)."""
        from cimsim.engine.crossbar_layer import reference_levels, virtual_rows

        groups = []
        for j in range(lm.adc_blocks):
            idx, per_read, _ = virtual_rows(lm, j, chip)
            rows = np.arange(idx.start, idx.stop) if isinstance(idx, slice) else np.asarray(idx)
            pad = -len(rows) % per_read
            groups.extend(np.concatenate([rows, np.full(pad, -1)]).reshape(-1, per_read))
        width = max(len(g) for g in groups)
        reads = np.full((len(groups), width), lm.rows, np.int64)
        for i, g in enumerate(groups):
            reads[i, : len(g)] = np.where(g >= 0, g, lm.rows)
        flat = np.minimum(np.arange(reads.size), lm.rows)
        xb = chip.crossbar
        analog = bool(lm.offset) and xb.offset_reference == "analog"
        refs = torch.tensor(reference_levels(chip, lm.weight_bits), dtype=torch.float32) if analog else None
        t = lm.in_type
        return cls(name=lm.node, rows=lm.rows, reads=torch.from_numpy(reads),
                   in_bits=1 if t.kind == "spike" else int(t.bits), in_digits=lm.in_digits,
                   bits_per_cell=xb.bits_per_cell, differential=xb.signed == "differential", offset=int(lm.offset),
                   weight_bits=int(lm.weight_bits), col_weights=torch.tensor(lm.col_weights, dtype=torch.float32),
                   refs=refs, lsbs=torch.tensor(adc.column_lsbs(lm), dtype=torch.float32), max_code=int(adc.max_code),
                   min_code=int(adc.min_code), ideal=bool(adc.ideal_for(lm)),
                   contiguous=bool(np.array_equal(reads.ravel(), flat)))


def cell_levels(w_int: torch.Tensor, spec: CrossbarReads) -> torch.Tensor:
    """Cell levels ``[R, O, cols_per_output]`` (float32) of integer weights ``w_int`` ``[R, O]``, columns ordered
    (sign, slice) like :func:`cimsim.mapping.slice_weights` (slice 0 the least significant)."""
    w = torch.round(w_int.detach()).to(torch.int64)
    slices = len(spec.col_weights) // (2 if spec.differential else 1)
    mask = (1 << spec.bits_per_cell) - 1
    parts = [w.clamp_min(0), (-w).clamp_min(0)] if spec.differential else [w + spec.offset]
    cols = [(p >> (k * spec.bits_per_cell)) & mask for p in parts for k in range(slices)]
    return torch.stack(cols, -1).to(torch.float32)


def bit_planes(x_int: torch.Tensor, bits: int, digits) -> list[tuple[float, torch.Tensor]]:
    """``[(significance, plane)]`` of ``bits``-bit integer inputs (two's complement when signed), one plane per digit
    ``(significance, shift, width)`` of ``digits``, holding the level ``0 .. 2**width - 1`` each row is driven at."""
    if bits == 1:
        return [(1.0, (x_int != 0).to(torch.float32))]
    u = torch.round(x_int).to(torch.int64) & ((1 << bits) - 1)
    return [(float(sig), ((u >> shift) & ((1 << width) - 1)).to(torch.float32)) for sig, shift, width in digits]


@torch.no_grad()
def adc_product(x_int: torch.Tensor, w_int: torch.Tensor, spec: CrossbarReads,
                noise: "DeviceNoise | None" = None, generator: torch.Generator | None = None) -> torch.Tensor:
    """The chip's integer dot products ``[P, O]`` of input rows ``x_int`` ``[P, R]`` and weights ``[R, O]``.

    Both hold integers (float tensors). ``noise`` (with ``generator``) perturbs cells and reads before the ADC;
    without it the result is what :func:`cimsim.engine.crossbar_layer.run_layer_step` returns.
    """
    p, o = x_int.shape[0], w_int.shape[1]
    spec = spec.to(x_int.device)
    cells = cell_levels(w_int, spec)  # R, O, cpo
    if noise is not None:
        cells = noise.perturb_cells(cells, spec, generator)
    cpo = cells.shape[-1]
    cells = torch.cat([cells.reshape(spec.rows, o * cpo), cells.new_zeros(1, o * cpo)])  # padding row: undriven
    n, width = spec.reads.shape
    read_cells = cells[spec.reads]  # n, L, O*cpo
    out = torch.zeros(p, o, device=x_int.device)
    chunk = max(1, MAX_CHUNK_VALUES // max(1, n * o * cpo))
    for sig, plane in bit_planes(x_int, spec.in_bits, spec.in_digits):
        for c0 in range(0, p, chunk):
            xp = plane[c0 : c0 + chunk]
            if spec.contiguous:  # reads are consecutive row ranges: a reshape instead of a gather
                xr = nn.functional.pad(xp, (0, n * width - spec.rows)).view(-1, n, width).transpose(0, 1)
            else:
                xr = torch.cat([xp, xp.new_zeros(xp.shape[0], 1)], 1)[:, spec.reads].transpose(0, 1)
            vals = torch.bmm(xr, read_cells)  # n, P', O*cpo: each read's column values
            if noise is not None:
                vals = noise.read(vals, xr, read_cells, generator)
            part = _convert(vals, xr, spec, o, cpo)
            if spec.offset and spec.refs is None:  # the offset is removed digitally, per driven row and level
                part -= spec.offset * xp.sum(1, keepdim=True)
            out[c0 : c0 + chunk] += sig * part
    return out


def _convert(vals: torch.Tensor, xr: torch.Tensor, spec: CrossbarReads, o: int, cpo: int) -> torch.Tensor:
    """Column values ``[n, P, O*cpo]`` of one plane -> the ADC codes shift-added over reads and columns ``[P, O]``
    (before the digital offset correction)."""
    n, p = vals.shape[:2]
    vals = vals.view(n, p, o, cpo)
    if spec.refs is not None:  # the reference column removes the offset before the ADC
        vals = vals - xr.sum(-1)[..., None, None] * spec.refs
    if spec.ideal:
        return (vals @ spec.col_weights).sum(0)
    codes = vals.div_(spec.lsbs).round_().clamp_(spec.min_code, spec.max_code)
    # codes x LSB are integers and their shift-added sums stay below 2**24: exact in float32
    return (codes @ (spec.lsbs * spec.col_weights)).sum(0)


# ------------------------------------------------------------------------------------------------ device noise
#: :class:`DeviceNoise` field -> the ``crossbar.nonideal`` field it is read from (:mod:`cimsim.nonideal`)
NONIDEAL_FIELDS = {"d2d_sigma": "d2d_sigma", "read_sigma": "c2c_sigma", "stuck_at_0": "stuck_at_0",
                   "stuck_at_1": "stuck_at_1"}


@dataclass(frozen=True)
class DeviceNoise:
    """Device non-idealities injected while training (noise-aware training), in cell-level units.

    ``d2d_sigma``: each cell level ``g`` becomes ``g * exp(N(0, sigma))`` (one draw per forward: a new chip
    instance every batch); ``read_sigma``: each read's column value gets ``N(0, sigma**2 * sum(x * g**2))`` (the
    sum of independent relative per-cell current noise, a row driven at level ``x`` adding ``x`` cell currents as
    in the simulator's multi-level reads); ``stuck_at_0`` / ``stuck_at_1``: fractions of cells held
    at level 0 / the top level; ``drift``: factor on every conductance (retention drift).
    """

    d2d_sigma: float = 0.0
    read_sigma: float = 0.0
    stuck_at_0: float = 0.0
    stuck_at_1: float = 0.0
    drift: float = 1.0

    @classmethod
    def from_chip(cls, chip) -> "DeviceNoise | None":
        """The chip's ``crossbar.nonideal`` section as noise (None when absent, not ``enabled`` or all zero).

        Retention drift (``drift_nu``) scales every conductance by ``(t / t0)**-nu``; the finite off state and
        IR drop are left to the simulator (the training sees the ADC and the random effects).
        """
        cfg = getattr(chip.crossbar, "nonideal", None)
        if cfg is None or not getattr(cfg, "enabled", False):
            return None
        nu, t, t0 = (float(getattr(cfg, k, d)) for k, d in (("drift_nu", 0.0), ("drift_time_s", 1.0),
                                                             ("drift_t0_s", 1.0)))
        noise = cls(**{f: float(getattr(cfg, name, 0.0) or 0.0) for f, name in NONIDEAL_FIELDS.items()},
                    drift=(t / t0) ** -nu if nu > 0 and t > t0 else 1.0)
        return noise if noise != cls() else None

    def perturb_cells(self, cells: torch.Tensor, spec: CrossbarReads, gen: torch.Generator | None) -> torch.Tensor:
        """Cell levels ``[R, O, cpo]`` of one chip instance."""
        cells = cells * self.drift
        if self.d2d_sigma > 0:
            cells = cells * torch.exp(self.d2d_sigma * torch.randn(cells.shape, generator=gen).to(cells.device))
        if self.stuck_at_0 > 0 or self.stuck_at_1 > 0:
            u = torch.rand(cells.shape, generator=gen).to(cells.device)
            cells = torch.where(u < self.stuck_at_0, torch.zeros_like(cells), cells)
            top = float((1 << spec.bits_per_cell) - 1)
            cells = torch.where(u > 1 - self.stuck_at_1, torch.full_like(cells, top), cells)
        return cells

    def read(self, vals: torch.Tensor, xr: torch.Tensor, read_cells: torch.Tensor,
             gen: torch.Generator | None) -> torch.Tensor:
        """Column values ``[n, P, K]`` with read noise (``xr`` ``[n, P, L]`` driven rows, cells ``[n, L, K]``)."""
        if self.read_sigma <= 0:
            return vals
        var = torch.bmm(xr, read_cells**2)
        return vals + self.read_sigma * torch.sqrt(var) * torch.randn(vals.shape, generator=gen).to(vals.device)
