"""Validation against published figures: SpikeSim's VGG9 accounting, DNN+NeuroSim V1.4 (its current code over a
grid of design points, :mod:`cimsim.validate.neurosim_grid`; Table VII; the obsolete release test) and ISAAC's
Table I.

``cimsim validate`` and ``python benchmarks/fidelity.py`` print :func:`format_table` of :func:`validate`.
One module per reference: :mod:`cimsim.validate.spikesim`, :mod:`cimsim.validate.neurosim`,
:mod:`cimsim.validate.isaac` (each docstring says what is compared, how, and what is like for like); the records
and tolerances are in :mod:`cimsim.validate.base`, the workloads in :mod:`cimsim.validate.workloads`.
"""
from __future__ import annotations

from cimsim.validate.base import GOAL, TOLERANCE, Row, Validation
from cimsim.validate.isaac import ISAAC_SOURCE, validate_isaac
from cimsim.validate.neurosim import NEUROSIM_RELEASE_SOURCE, NEUROSIM_SOURCE, validate_neurosim
from cimsim.validate.neurosim_grid import GRID_SOURCE, validate_neurosim_grid
from cimsim.validate.spikesim import SPIKESIM_SOURCE, default_preset_context, validate_spikesim
from cimsim.validate.workloads import macs_per_inference_step, pooled_positions, vgg_variant

__all__ = ["GOAL", "TOLERANCE", "Row", "Validation", "default_preset_context", "format_table",
           "macs_per_inference_step", "pooled_positions", "validate", "validate_isaac", "validate_neurosim",
           "validate_neurosim_grid", "validate_spikesim", "vgg_variant"]

def validate(seed: int = 0, spike_rate: float = 0.1, neurosim: bool = True, context: bool = True,
             grid: bool | None = None) -> Validation:
    """Run every comparison; see the module docstring for what is compared and how. ``grid``: the NeuroSim
    current-code grid (default: with ``neurosim``; about a minute)."""
    grid = neurosim if grid is None else grid
    v = validate_spikesim(seed=seed, spike_rate=spike_rate)
    for part in ([default_preset_context(seed, spike_rate)] if context else []) + (
            [validate_neurosim(seed)] if neurosim else []) + ([validate_neurosim_grid(seed)] if grid else []) + [
            validate_isaac(seed)]:
        v.rows += part.rows
        v.notes += part.notes
        v.extra.update(part.extra)
    return v


def format_table(v: Validation) -> str:
    """The comparison as a fixed-width text table (also valid Markdown), then the notes."""
    head = "| reference | metric | unit | ours | theirs | rel. error | like for like | status | note |"
    lines = [head, "|" + "---|" * 9]
    for r in v.rows:
        lines.append(f"| {r.reference} | {r.metric} | {r.unit} | {_num(r.ours)} | {_num(r.theirs)} | "
                     f"{r.rel_error:+.1%} | {'yes' if r.like_for_like else 'no'} | {r.status} | {r.note} |")
    lines.append("")
    lines.append(f"Like-for-like rows must be within {TOLERANCE:.0%} (goal {GOAL:.0%}). Sources: {SPIKESIM_SOURCE}; "
                 f"{GRID_SOURCE}; {NEUROSIM_SOURCE}; {NEUROSIM_RELEASE_SOURCE} (obsolete: shown as history, not "
                 f"held to the tolerance); {ISAAC_SOURCE}.")
    lines += [f"- {n}" for n in v.notes]
    return "\n".join(lines)


def _num(x: float) -> str:
    if x == int(x) and abs(x) >= 1:
        return f"{int(x)}"
    return f"{x:.4g}" if abs(x) < 1e5 else f"{x:.3e}"
