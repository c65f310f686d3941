"""Input DAC per crossbar row: drives a multi-bit input onto its row as one level (``dac:`` in the YAML; optional).

Without it, multi-bit inputs drive the rows bit-serially through the 1-bit wordline drivers (one input bit per
read). A ``bits``-bit DAC per row drives ``bits`` input bits per read as one of ``2**bits`` levels
(:meth:`DacKind.input_bits_per_read`), so a ``B``-bit input takes ``ceil(B / bits)`` reads, shift-added ``bits``
bits apart, and the ADC sees column sums up to ``2**bits - 1`` times larger (the engine's multi-level reads,
:mod:`cimsim.engine.crossbar_layer`). Spikes bypass it.

Model (ratios move the published figures, :mod:`cimsim.components.calibration`): a current-steering DAC of
``2**bits - 1`` unit elements, each a minimum gate's energy, area and leakage at the node. The costs are published
for a ``reference_bits`` DAC at the design point's node; a ``bits``-bit DAC is ``scaled`` by
``(2**bits - 1) / (2**reference_bits - 1)`` (and by the node).

Count: ``dac_conversions``, one per row drive of a layer whose input is multi-bit (one per row with a nonzero
digit per read).
"""
from __future__ import annotations

from typing import Optional

from pydantic import Field

from cimsim.components.base import Component
from cimsim.components.calibration import Estimate, Point
from cimsim.components.registry import Action, ComponentKind, Look
from cimsim.config.quantity import Costs, Strict
from cimsim.technology import circuits as G


class DacConfig(Strict):
    bits: int = Field(ge=1, le=8)
    """Input bits driven onto a row in one read (levels ``0 .. 2**bits - 1``)."""
    reference_bits: int = Field(default=1, ge=1, le=16)
    """Resolution the ``costs`` were published for."""
    cycles: int = Field(default=0, ge=0)
    """Clock cycles of one conversion (0: settles within the crossbar read)."""
    costs: Costs
    """Energy per conversion, area and leakage per DAC, all at ``reference_bits`` and the design point's node."""


def _conversions(ctx) -> int:
    return ctx.counts["rows_driven"] if ctx.layer.in_type.kind != "spike" else 0


class DacKind(ComponentKind):
    """One DAC per crossbar row when the chip has ``dac:``; it drives ``dac.bits`` input bits per read, one
    conversion per row drive of a multi-bit input."""

    name, order, label, look, level = "dac", 35, "DAC", Look("#8C564B"), "crossbar"
    fields = {"dac": (Optional[DacConfig], None)}
    actions = (Action("conversion", "dac_conversions", "multi-bit input converted onto a row"),)
    counts = {"dac_conversions": _conversions}
    model_name = "current-steering DAC: 2**dac.bits - 1 unit elements (published at dac.reference_bits), each a gate"
    parameters = ("technology_nm",)

    @classmethod
    def input_bits_per_read(cls, chip) -> Optional[int]:
        return chip.dac.bits if chip.dac is not None else None

    @classmethod
    def placement(cls, chip) -> tuple[str, float]:
        return "crossbar", chip.crossbar.rows if chip.dac is not None else 0

    @classmethod
    def model(cls, chip) -> Optional[Component]:
        return None if chip.dac is None else Component.from_costs("dac", chip.dac.costs, action="conversion")

    @classmethod
    def estimate(cls, chip, p: Point) -> Estimate:
        n = p.node
        units = 2.0 ** (chip.dac.reference_bits if p.design else chip.dac.bits) - 1
        return Estimate(energy=units * n.gate_energy_j, area=units * G.INV_F2 * n.feature_m**2,
                        leakage=units * n.gate_leakage_w)

    @classmethod
    def action_cycles(cls, chip, action: Action) -> Optional[int]:
        return chip.dac.cycles

    @classmethod
    def describe_energy(cls, chip, comp: Component) -> str:
        from cimsim.components.describe import fmt_energy

        return f"{fmt_energy(comp.energy_j)}/conversion at {chip.dac.bits} bit"
