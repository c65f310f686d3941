"""The robustness sweep's format, declared once: which chip changes a swept point makes, what a point records, and
the ``robustness.json`` document that ``cimsim robustness`` and the demo write and ``cimsim plot --kind
robustness`` reads (:func:`cimsim.plot.robustness.load_robustness`).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

#: What each point of a sweep records, besides its ``value`` (fractions in [0, 1]; ``std`` over chip instances).
POINT_KEYS = ("accuracy", "std", "per_chip", "ideal_accuracy", "spike_change_rate", "prediction_agreement")

#: Where the accuracy of every point comes from.
SOURCE = "functional run (chip values batched over samples; no schedule, no costs)"


def point_changes(field: str, value: Any) -> dict:
    """The chip changes of one sweep point: ``field = value``; a ``crossbar.nonideal.*`` field also turns the
    non-idealities on (``crossbar.nonideal.enabled``), since sweeping a device effect that is off shows nothing."""
    extra = {"crossbar.nonideal.enabled": True} if field.startswith("crossbar.nonideal.") else {}
    return {**extra, field: value}


def point_record(value: Any, result: "Mapping | Any") -> dict:
    """One point of a sweep: ``value`` and :data:`POINT_KEYS` read from ``result`` (a mapping such as
    ``cimsim accuracy``'s summary, or an object with those attributes)."""
    get = result.get if isinstance(result, Mapping) else (lambda k: getattr(result, k))
    return {"value": value, **{k: get(k) for k in POINT_KEYS}}


def write_document(path: Path, *, model: str, hw: str, overrides: list, chips: int, samples: int, seed: int,
                   dataset: "str | None", sweeps: list) -> Path:
    """Write ``robustness.json`` at ``path``; ``sweeps`` is ``[{"field": name, "points": [point_record, ...]}]``."""
    data = {"figure": "robustness", "model": model, "hw": hw, "overrides": list(overrides), "chips": chips,
            "samples": int(samples), "seed": seed, "dataset": dataset, "source": SOURCE, "sweeps": sweeps}
    path.write_text(json.dumps(data, indent=1, allow_nan=False))
    return path
