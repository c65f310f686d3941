"""Device non-idealities of the crossbar reads (``crossbar.nonideal``): one simulated chip instance.

Every quantity is in units of one cell level (the conductance step between adjacent levels, ``dG = (1/Ron) (1 -
1/on_off) / max_level``). A cell programmed to level ``l`` of a chip instance conducts

    ``g = (l' + f) * exp(d2d_sigma * z) * drift / (1 + (l' + f) dG R_wire)``

* ``l'``: ``l``, or 0 / ``max_level`` for a cell stuck at 0 / 1 (fractions ``stuck_at_0`` / ``stuck_at_1``);
* ``f = max_level / (on_off - 1)``: the off-state conductance (``off_current``; else 0);
* ``z ~ N(0, 1)``: device-to-device variation, drawn once per cell and chip instance (lognormal);
* ``drift = (t / t0)^-nu`` for ``t > t0`` (power law), else 1;
* ``R_wire``: wordline segments from the driver to the cell's column plus bitline segments from the cell's row
  to the sense end, each the technology's wire resistance per metre times the cell pitch (``ir_drop``; a
  first-order model: the current of the other cells on the same lines is neglected).

A reference column per cell-column class (weight slice, and sign with differential weights) holds the offset's
slice level with an analog offset reference, else off cells (level 0, a dummy column): with the same model its
current is subtracted from each column's before the ADC, so it removes the nominal off current and offset, not
the variation. A read's column current then gets Gaussian cycle-to-cycle noise of standard deviation ``c2c_sigma
sqrt(sum of the driven cells' g^2)`` (each driven cell's conductance times ``1 + N(0, c2c_sigma^2)``), counter-based
so that it depends only on (seed, layer, timestep, bit plane, ADC block, sample, position, row group, column).
The ADC converts the result with its transfer function (:class:`cimsim.engine.crossbar_layer.AdcModel`).

Chip instance ``k`` of a Monte Carlo run uses seed ``seed + k``. Switched off (``enabled: false`` or no effect
set), no instance is built and reads are exactly those of ideal devices.
"""
from __future__ import annotations

import zlib
from dataclasses import dataclass, field

import numpy as np

import kernels
from kernels.reference import splitmix64

_MASK = (1 << 64) - 1


def stream_key(*parts: int) -> int:
    """A 64-bit noise stream key from integers (seed, layer id, timestep, ...): chained splitmix64."""
    h = 0x243F6A8885A308D3
    for p in parts:
        h = int(splitmix64(np.uint64((h ^ (int(p) & _MASK)) & _MASK)))
    return h


@dataclass
class LayerDevices:
    """One layer's cells on one chip instance.

    g: float32 ``[rows, outputs * cols_per_output]`` conductances (cell levels); gref: float32 ``[rows,
    cols_per_output]`` the reference column of each cell-column class; layer_id: the layer's noise stream id.
    """

    g: np.ndarray
    gref: np.ndarray
    layer_id: int
    blocks: dict = field(default_factory=dict)

    def block(self, j: int, idx: np.ndarray | slice) -> tuple[np.ndarray, np.ndarray]:
        """``(g, gref)`` of ADC block ``j``'s rows in read order (``idx`` as from ``virtual_rows``; padding 0)."""
        if j not in self.blocks:
            if isinstance(idx, slice):
                self.blocks[j] = (np.ascontiguousarray(self.g[idx]), np.ascontiguousarray(self.gref[idx]))
            else:
                real = (idx >= 0)[:, None]
                safe = np.where(idx >= 0, idx, 0)
                self.blocks[j] = (np.where(real, self.g[safe], 0).astype(np.float32),
                                  np.where(real, self.gref[safe], 0).astype(np.float32))
        return self.blocks[j]


class ChipInstance:
    """One simulated chip: the device draws of every mapped layer (built on first use) and the read noise seed.

    Parameters
    ----------
    chip: the hardware (its ``crossbar.nonideal`` section). seed: this instance's seed.
    """

    def __init__(self, chip, seed: int):
        self.chip, self.seed = chip, int(seed)
        self.cfg = chip.crossbar.nonideal
        self._layers: dict[str, LayerDevices] = {}

    def layer(self, lm) -> LayerDevices:
        """The devices of layer ``lm`` (a :class:`cimsim.mapping.LayerMapping`) on this instance."""
        if lm.node not in self._layers:
            self._layers[lm.node] = self._build(lm)
        return self._layers[lm.node]

    def read_key(self, layer: LayerDevices, t: int, plane: int, block: int) -> int:
        """Noise stream of one (timestep, bit plane, ADC block) of a layer."""
        return stream_key(self.seed, layer.layer_id, t, plane, block)

    def _build(self, lm) -> LayerDevices:
        from cimsim.engine.crossbar_layer import reference_levels

        xb, cfg = self.chip.crossbar, self.cfg
        layer_id = zlib.crc32(lm.node.encode())
        rng = np.random.default_rng([self.seed, layer_id])
        cpo = lm.cols_per_output
        levels = lm.cells.astype(np.float64)
        row_in_xb = np.arange(lm.rows) % xb.rows
        if lm.row_index is not None:  # NeuroSim's layout: a row's place in its subarray (cimsim.mapping.neurosim_rows)
            blk, pos = np.nonzero(lm.row_index >= 0)
            row_in_xb[lm.row_index[blk, pos]] = pos
        out_of_col = np.arange(levels.shape[1]) // cpo
        col_in_xb = (out_of_col % lm.outputs_per_crossbar) * cpo + np.arange(levels.shape[1]) % cpo
        g = self._conductance(levels, rng, row_in_xb, col_in_xb)
        if lm.offset and xb.offset_reference == "analog":
            ref = np.asarray(reference_levels(self.chip, lm.weight_bits), np.float64)
        else:
            ref = np.zeros(cpo)
        if cfg.off_current or (lm.offset and xb.offset_reference == "analog"):
            gref = self._conductance(np.tile(ref, (lm.rows, 1)), rng, row_in_xb, np.full(cpo, xb.cols))
        else:  # no off current and no analog offset: the dummy column would carry nothing
            gref = np.zeros((lm.rows, cpo))
        return LayerDevices(g.astype(np.float32), gref.astype(np.float32), layer_id)

    def _conductance(self, levels: np.ndarray, rng: np.random.Generator, row_in_xb: np.ndarray,
                     col_in_xb: np.ndarray) -> np.ndarray:
        """Instance conductances (cell levels) of cells programmed to ``levels`` ``[rows, cols]``."""
        from cimsim.technology import node

        xb, cfg = self.chip.crossbar, self.cfg
        max_level = 2**xb.bits_per_cell - 1
        g = levels.copy()
        if cfg.stuck_at_0 or cfg.stuck_at_1:
            u = rng.random(g.shape)
            g[u < cfg.stuck_at_0] = 0.0
            g[(u >= cfg.stuck_at_0) & (u < cfg.stuck_at_0 + cfg.stuck_at_1)] = max_level
        if cfg.off_current:
            g += max_level / (xb.on_off_ratio - 1.0)
        if cfg.d2d_sigma:
            g *= np.exp(cfg.d2d_sigma * rng.standard_normal(g.shape))
        if cfg.drift_nu and cfg.drift_time_s > cfg.drift_t0_s:
            g *= (cfg.drift_time_s / cfg.drift_t0_s) ** -cfg.drift_nu
        if cfg.ir_drop:
            n = node(self.chip.technology_nm)
            segment = n.wire_res_ohm_per_m * xb.cell_f2 ** 0.5 * n.feature_m
            d_g = (1.0 / xb.ron_ohm) * (1.0 - 1.0 / xb.on_off_ratio) / max_level  # S per cell level
            r_wire = segment * ((col_in_xb[None, :] + 1) + (xb.rows - row_in_xb[:, None]))
            g = g / (1.0 + g * d_g * r_wire)
        return g


def instance_for(chip, seed: int) -> ChipInstance | None:
    """The chip instance of seed ``seed``, or None when no non-ideality is on (reads stay ideal)."""
    return ChipInstance(chip, seed) if chip.crossbar.nonideal.active else None


def nonideal_reads(dev: LayerDevices, key: int, j: int, idx, x: np.ndarray, per_read: int, lsbs: np.ndarray,
                   adc, id0: int, c2c: float) -> np.ndarray:
    """ADC values of ADC block ``j``'s reads through the instance's devices, summed over reads.

    x: uint8 ``[M, len(idx)]`` driven rows in read order; lsbs: ``[cols_per_output]``; id0: global index of row 0
    of ``x`` (sample x positions + position). With an ideal ADC the current is rounded to one cell level, unclipped.
    Returns float64 ``[M, K]``.
    """
    g, gref = dev.block(j, idx)
    if adc.ideal:
        lo, hi, lsbs = -2.0**62, 2.0**62, np.ones_like(lsbs, np.float64)
    else:
        lo, hi = float(adc.min_code), float(adc.max_code)
    return kernels.nonideal_read_adc(np.ascontiguousarray(x, np.uint8), g, gref, per_read, float(c2c),
                                     np.ascontiguousarray(lsbs, np.float64), lo, hi, np.uint64(key), int(id0))
