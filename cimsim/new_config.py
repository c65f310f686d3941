"""``cimsim new-config NAME --from PRESET``: a commented starter hardware file that includes a preset.

The file overrides nothing yet: it names the chip, includes the preset and lists, commented out, the fields a
user changes first with what each one changes in the results (docs/hardware-configs.md has the full guide).
The include is the preset's name when the loader resolves names, else the relative path of the preset's file.
"""
from __future__ import annotations

import os
import re
from pathlib import Path

from cimsim.errors import UserError

TEMPLATE = """\
# {name}: a hardware config that starts from the preset {preset} and overrides what follows.
# Check it with `cimsim check {file}`; simulate with `cimsim simulate MODEL --hw {file}`.
# Guide: docs/hardware-configs.md (variables vs fields, units, sources, what each field changes).
name: {name}
description: "{preset} with my changes"
include: {include}

# Variables are numbers or quantities that fields compute with (`adc_bits: 6`, `clock: 200 MHz`); the preset's
# fields read them, so changing one here changes every field that uses it.
# variables:
#   adc_bits: 6            # ADC resolution: energy/area per conversion, conversion cycles, fidelity of spikes
#   clock: 200 MHz         # latency of every cycle; leakage energy grows with run time
#   xbar: 128              # crossbar rows = columns: crossbars needed, ADC sharing, read energy

# Fields override the preset's values directly:
# weight_bits: 8           # fixed-point weights: cells per weight (with crossbar.bits_per_cell), crossbars needed
# tiles: 64                # tiles on the chip: a network that needs more does not fit (one-line error)
# crossbar:
#   parallel_rows: 32      # rows driven at once: row groups per read, ADC conversions, latency
# adc:
#   range: saturate        # calibrated | saturate | full: how bitline sums are clipped (changed spikes)
# A physical number carries its source: a key of a references.bib beside this file, a DOI, a URL, or an inline
# citation with its year (docs/hardware-configs.md, "Sources"):
#   costs:
#     energy: {{value: 2.0 pJ, source: "Me et al., JSSC 2024, Table 2"}}
"""


def _include(out: Path, preset: str) -> str:
    """The preset's name if the loader takes names in ``include``, else its file relative to ``out``."""
    from cimsim.config import loader

    probe = out.with_name(f".{out.stem}.probe.yaml")
    try:
        probe.write_text(f"include: {preset}\n")
        loader._load_tree(probe.resolve())
        return preset
    except UserError:
        return os.path.relpath(loader.find_config(preset).resolve(), out.resolve().parent)
    finally:
        probe.unlink(missing_ok=True)


def new_config(name: str, preset: str, out: str | Path | None = None) -> Path:
    """Write ``NAME.yaml`` (or ``out``) starting from ``preset``; refuses to overwrite a file."""
    from cimsim.config.loader import find_config, list_presets

    if not re.fullmatch(r"[A-Za-z0-9_.-]+", name):
        raise UserError(f"config name {name!r}: use letters, digits, '_', '-' or '.'")
    if preset not in dict(list_presets()):
        find_config(preset)  # raises the loader's one-line error for an unknown preset
    path = Path(out) if out is not None else Path(f"{name}.yaml")
    if path.exists():
        raise UserError(f"{path} exists; choose another NAME or --out")
    path.parent.mkdir(parents=True, exist_ok=True)
    text = TEMPLATE.format(name=name, preset=preset, file=path, include=_include(path, preset))
    path.write_text(text)
    return path
