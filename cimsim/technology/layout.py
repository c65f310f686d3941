"""Standard-cell layout of bulk CMOS gates: how a gate's footprint follows its transistor widths and the node.

The rule is NeuroSim's gate-area model for planar bulk nodes (``neurosim_layout``: DNN+NeuroSim V1.4, commit ac828e6,
``formula.cpp`` CalculateGateArea and the layout constants of ``constant.h``), re-expressed here; all lengths in
units of the feature size F:

* a gate is drawn in a row of fixed height (28 F for standard cells, :data:`CELL_HEIGHT_F`), of which the P-N
  diffusion gap (3.5 F) and the poly extensions at both edges (2 x (1 + 1.6 / 2) F) are not available to
  transistors; the remaining height is shared by PMOS and NMOS in proportion to their widths;
* a transistor wider than its share is folded into ``ceil(W / W_max)`` fingers; a device with ``k`` fingers is
  ``(k + 1)`` contacted poly pitches wide (pitch 1 + 2.8 = 3.8 F), an unfolded one 2 pitches;
* the gate is as wide as the wider of its PMOS and NMOS regions (series inputs without folding share diffusion).

Since a balanced gate's PMOS is ``pn_ratio`` (= I_on,n / I_on,p of the node's transistors) times its NMOS, and
that ratio grows at older nodes (1.32 at 22 nm to 2.0 at 130 nm for LSTP devices, ``neurosim_technology``), large
gates fold into more fingers there: their area grows faster than F^2. Minimum gates never fold.
"""
from __future__ import annotations

import math

#: Standard-cell height (F; constant.h MAX_TRANSISTOR_HEIGHT).
CELL_HEIGHT_F = 28.0
#: Gap between P and N diffusion (F; MIN_GAP_BET_P_AND_N_DIFFS).
PN_GAP_F = 3.5
#: Poly extension beyond diffusion plus half the field-poly gap, at each edge (F; MIN_POLY_EXT_DIFF +
#: MIN_GAP_BET_FIELD_POLY / 2).
EDGE_F = 1.0 + 1.6 / 2
#: Contacted poly pitch: poly width + gate-to-gate gap (F; POLY_WIDTH + MIN_GAP_BET_GATE_POLY).
POLY_PITCH_F = 1.0 + 2.8
#: Minimum NMOS width (F; MIN_NMOS_SIZE).
MIN_NMOS_F = 2.0


def _region_width(w: float, w_max: float) -> tuple[float, int]:
    """(width in F, fingers) of one transistor of width ``w`` with at most ``w_max`` per finger."""
    if w <= 0:
        return 0.0, 1
    if w <= w_max:
        return 2.0 * POLY_PITCH_F, 1
    k = math.ceil(w / w_max - 1e-12)
    return (k + 1) * POLY_PITCH_F, k


def gate_width_f(wn: float, wp: float, inputs: int = 1, height: float = CELL_HEIGHT_F) -> float:
    """Width (F) of a bulk gate with ``inputs`` series/parallel inputs, NMOS width ``wn`` and PMOS width ``wp``
    (F each), drawn in a row ``height`` F tall (module docstring)."""
    if wn <= 0 and wp <= 0:
        return 0.0
    ratio = wp / (wp + wn)
    if ratio in (0.0, 1.0):  # one device type: the whole height but the edges
        room = height - 2.0 * EDGE_F
        wp_max = wn_max = room
    else:
        wp_max = ratio * (height - PN_GAP_F - 2.0 * EDGE_F)
        wn_max = wp_max / ratio * (1.0 - ratio)
    p, kp = _region_width(wp, wp_max)
    n, kn = _region_width(wn, wn_max)
    if inputs > 1 and kp == 1 and kn == 1:  # unfolded series devices share source/drain
        shared = (inputs - 1) * POLY_PITCH_F
        return max(p * inputs - shared, n * inputs - shared)
    return max(p, n) * inputs


def gate_area_f2(wn: float, wp: float, inputs: int = 1, height: float = CELL_HEIGHT_F) -> float:
    """Footprint (F^2) of a bulk gate: its width at the row height (:func:`gate_width_f`)."""
    return gate_width_f(wn, wp, inputs, height) * height


#: Write level shifter (neurosim_layout: LevelShifter.cpp, validated mode): three inverter stages with NMOS / PMOS
#: widths of (15, 20), (32, 10) and (64, 82) minimum devices, each doubled, in a row 2.5 cells tall; the latch (2x)
#: and high-voltage pull-up are IO transistors of 2.5x the length; x 1.44 for wiring (param alpha).
LEVEL_SHIFTER_STAGES = ((15, 20), (32, 10), (64, 82))
LEVEL_SHIFTER_HEIGHT = 2.5
LEVEL_SHIFTER_IO_LENGTH = 2.5
LEVEL_SHIFTER_WIRING = 1.44


def level_shifter_f2(pn_ratio: float) -> float:
    """Footprint (F^2) of one write level shifter at a node whose balanced PMOS / NMOS width is ``pn_ratio``."""
    h = LEVEL_SHIFTER_HEIGHT * CELL_HEIGHT_F
    low, latch, high = (gate_width_f(2 * n * MIN_NMOS_F, 2 * p * pn_ratio * MIN_NMOS_F, 1, h)
                        for n, p in LEVEL_SHIFTER_STAGES)
    return h * (low + (2.0 * latch + high) * LEVEL_SHIFTER_IO_LENGTH) * LEVEL_SHIFTER_WIRING


#: Named layouts a periphery block can declare (``layout:``): F^2 per instance as a function of the node.
LAYOUTS = {"level_shifter": lambda n: level_shifter_f2(n.pn_ratio)}
