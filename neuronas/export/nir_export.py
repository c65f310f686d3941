"""``neuronas export MODEL --nir OUT.nir``: a graph (built-in network or saved ``*.snn.json``) as a NIR file."""
from __future__ import annotations

from pathlib import Path

from cimsim.api import resolve_model
from cimsim.nir_format import DEFAULT_DT, write_nir


def export_nir(model: str, out: str | Path, dt: float = DEFAULT_DT, seed: int = 0) -> Path:
    """Write ``model`` (a built-in network name or a saved graph path) as NIR to ``out``; ``dt`` (s) sets the
    time constants of the continuous-time NIR neurons (the exact model travels in each node's metadata)."""
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    return write_nir(resolve_model(model, seed=seed), out, dt)
