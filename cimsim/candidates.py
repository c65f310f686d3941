"""The candidates table (``candidates.csv``) of a search or co-design sweep: its columns, writer and reader.

One row per evaluated network, SI units: ``params`` (crossbar weights), ``memory_bytes``, ``area_m2``,
``latency_s`` and ``energy_j`` per inference, the training-free ``score``, the trained ``accuracy`` in [0, 1]
(the torch model's), the simulated chip's ``onchip_accuracy`` (mean over chip instances, ``onchip_std``) and the
``ideal_accuracy`` of the same deployed network with an ideal ADC,
``feasible`` (``true``/``false``), ``failed`` (violated budgets, ``;``-joined), the last evaluation ``stage`` and
a ``message``. An empty cell is a number that was not measured. The search writes it, the figures read it.
"""
from __future__ import annotations

import csv
import math
import re
from pathlib import Path
from typing import Any, Iterable, Mapping

from cimsim.errors import UserError

CANDIDATE_COLUMNS = ("genotype", "params", "memory_bytes", "area_m2", "latency_s", "energy_j", "score", "accuracy",
                     "onchip_accuracy", "onchip_std", "ideal_accuracy", "feasible", "failed", "stage", "message")
"""Columns of ``candidates.csv``, in file order."""
NUMERIC_COLUMNS = ("params", "memory_bytes", "area_m2", "latency_s", "energy_j", "score", "accuracy",
                   "onchip_accuracy", "onchip_std", "ideal_accuracy")
"""Columns read as floats (NaN when empty)."""
REQUIRED_COLUMNS = ("genotype", "feasible")
"""Columns every row must have; the others are written empty when a row lacks them, and optional when read."""


def _cell(column: str, value: Any) -> Any:
    if column == "feasible":
        return "true" if value else "false"
    if column == "failed":
        return ";".join(value)
    if isinstance(value, float):
        return "" if math.isnan(value) else repr(value)
    return value


def write_candidates_csv(rows: Iterable[Mapping[str, Any]], path: "str | Path") -> Path:
    """Write ``rows`` (mappings with :data:`CANDIDATE_COLUMNS` keys) to ``path``, atomically.

    Parameters
    ----------
    rows: one mapping per candidate; extra keys are ignored, missing optional columns are written empty.
        ``failed`` is a list of constraint names, ``feasible`` a bool, NaN an unmeasured number.
    path: the CSV file (its folder is created).

    Returns
    -------
    The path written.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_suffix(".csv.tmp")
    with tmp.open("w", newline="") as fh:
        writer = csv.writer(fh)
        writer.writerow(CANDIDATE_COLUMNS)
        for row in rows:
            missing = [c for c in REQUIRED_COLUMNS if c not in row]
            if missing:
                raise ValueError(f"candidate row without {', '.join(missing)}: {dict(row)}")
            writer.writerow([_cell(c, row[c]) if c in row else "" for c in CANDIDATE_COLUMNS])
    tmp.replace(path)
    return path


def load_candidates(path: "str | Path") -> list[dict]:
    """Read a ``candidates.csv``.

    Numeric columns (:data:`NUMERIC_COLUMNS`) become floats (NaN when empty), ``feasible`` a bool, ``failed`` a
    list of constraint names (separated by ``;``, ``|``, ``,`` or spaces); other columns stay strings.

    Raises
    ------
    UserError: the file is missing, lacks :data:`REQUIRED_COLUMNS`, has no rows, or a cell does not parse; the
        message names the file and line.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such candidates file")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if reader.fieldnames is None or not set(REQUIRED_COLUMNS) <= set(reader.fieldnames):
            raise UserError(f"{path}: not a candidates CSV (needs columns {', '.join(REQUIRED_COLUMNS)} and metrics)")
        rows = [_parse_row(raw, f"{path}:{line}") for line, raw in enumerate(reader, start=2)]
    if not rows:
        raise UserError(f"{path}: no candidates")
    return rows


def _parse_row(raw: Mapping[str, Any], where: str) -> dict:
    row: dict[str, Any] = dict(raw)
    for key in NUMERIC_COLUMNS:
        if key in row:
            row[key] = _float_cell(row[key], f"{where}: {key}")
    feasible = str(raw["feasible"]).strip().lower()
    if feasible not in ("true", "false", "1", "0", "yes", "no"):
        raise UserError(f"{where}: feasible must be true or false, got {raw['feasible']!r}")
    row["feasible"] = feasible in ("true", "1", "yes")
    row["failed"] = [s for s in re.split(r"[;|, ]+", raw.get("failed") or "") if s]
    return row


def _float_cell(text: Any, where: str) -> float:
    if text is None or str(text).strip() == "":
        return math.nan
    try:
        return float(text)
    except ValueError:
        raise UserError(f"{where}: not a number: {text!r}") from None
