"""Reading what the figures show: simulator reports, search candidates, constraints and co-design sweeps.

The candidates reader is :func:`cimsim.candidates.load_candidates`, next to the table's writer and columns.

Every reader validates its input and raises :class:`~cimsim.errors.UserError` naming the file and the problem,
so the ``cimsim plot`` command can exit with code 2 and one message.
"""
from __future__ import annotations

import csv
import json
import math
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

from cimsim.candidates import load_candidates  # noqa: F401  (re-exported: the figures' readers are all here)
from cimsim.errors import UserError

#: Quantities of ``totals`` that have a breakdown which must sum to them.
BREAKDOWN_QUANTITIES = ("area_m2", "energy_j", "latency_s")
#: Relative tolerance of "breakdown sums to the total" (JSON round trips, float summation order).
SUM_RTOL = 1e-3


# ----------------------------------------------------------------------------------------------------- reports
def load_report(path: "str | Path") -> dict:
    """Read and validate a ``report.json`` written by ``cimsim simulate``.

    Parameters
    ----------
    path: the JSON file.

    Returns
    -------
    The report as a dict, with ``meta.samples`` defaulting to 1 and ``meta.source`` set to ``str(path)``.

    Raises
    ------
    UserError: the file is missing, not JSON, or not a report (missing keys, non-numeric or negative values,
        breakdowns that do not sum to the totals); the message names the file.
    """
    path = Path(path)
    try:
        text = path.read_text()
    except FileNotFoundError:
        raise UserError(f"{path}: no such report file") from None
    except (IsADirectoryError, PermissionError, UnicodeDecodeError) as exc:
        raise UserError(f"{path}: cannot read report ({exc.__class__.__name__})") from None
    try:
        report = json.loads(text)
    except json.JSONDecodeError as exc:
        raise UserError(f"{path}: not a report (not JSON: {exc.msg} at line {exc.lineno}); expected the "
                        f"report.json written by `cimsim simulate`") from None
    validate_report(report, str(path))
    report["meta"].setdefault("samples", 1)
    report["meta"]["source"] = str(path)
    return report


def validate_report(report: Any, where: str = "report") -> None:
    """Check the structure of a report dict (see :func:`load_report`); raise UserError naming ``where``."""
    if not isinstance(report, dict):
        raise UserError(f"{where}: not a cimsim report (top level is a {type(report).__name__}, expected an object)")
    missing = [k for k in ("meta", "totals", "breakdown", "layers") if k not in report]
    if missing:
        raise UserError(f"{where}: not a cimsim report (missing key{'s' if len(missing) > 1 else ''} "
                        f"{', '.join(missing)})")
    for key in ("meta", "totals", "breakdown"):
        if not isinstance(report[key], dict):
            raise UserError(f"{where}: '{key}' must be an object")
    samples = report["meta"].get("samples", 1)
    if not isinstance(samples, int) or isinstance(samples, bool) or samples < 1:
        raise UserError(f"{where}: meta.samples must be a positive integer, got {samples!r}")
    totals, breakdown = report["totals"], report["breakdown"]
    for quantity in BREAKDOWN_QUANTITIES:
        total = _number(totals.get(quantity), f"{where}: totals.{quantity}")
        parts = breakdown.get(quantity)
        if not isinstance(parts, dict) or not parts:
            raise UserError(f"{where}: breakdown.{quantity} must be a non-empty object of component -> value")
        values = [_number(v, f"{where}: breakdown.{quantity}.{k}") for k, v in parts.items()]
        summed = math.fsum(values)
        if not math.isclose(summed, total, rel_tol=SUM_RTOL, abs_tol=1e-30):
            raise UserError(f"{where}: breakdown.{quantity} sums to {summed:.6g} but totals.{quantity} is "
                            f"{total:.6g}")
    for key in ("latency_per_inference_s", "energy_per_inference_j"):
        if key in totals:
            _number(totals[key], f"{where}: totals.{key}")
    layers = report["layers"]
    if not isinstance(layers, list):
        raise UserError(f"{where}: 'layers' must be a list")
    for i, layer in enumerate(layers):
        if not isinstance(layer, dict) or "name" not in layer:
            raise UserError(f"{where}: layers[{i}] must be an object with a 'name'")
        for key in ("energy_j", "latency_s"):
            if key in layer:
                _number(layer[key], f"{where}: layers[{i}].{key}")


def _number(value: Any, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise UserError(f"{where} must be a number, got {value!r}")
    if not math.isfinite(value) or value < 0:
        raise UserError(f"{where} must be finite and >= 0, got {value!r}")
    return float(value)


def samples_of(report: Mapping) -> int:
    """Inferences in the run (``meta.samples``, 1 if absent)."""
    return int(report["meta"].get("samples", 1) or 1)


def per_inference(report: Mapping, quantity: str) -> float:
    """Total of ``quantity`` per inference.

    Area is per chip. Energy is the run's energy over ``meta.samples``. Latency is
    ``totals.latency_per_inference_s`` when the report has it (one inference from input to output, which is more
    than run time / samples in a pipelined run), else run time / samples.
    """
    totals = report["totals"]
    if quantity == "area_m2":
        return float(totals["area_m2"])
    if quantity == "latency_s" and "latency_per_inference_s" in totals:
        return float(totals["latency_per_inference_s"])
    if quantity == "energy_j" and "energy_per_inference_j" in totals:
        return float(totals["energy_per_inference_j"])
    return float(totals[quantity]) / samples_of(report)


def per_inference_parts(report: Mapping, quantity: str) -> dict[str, float]:
    """Breakdown of ``quantity`` per inference (SI), summing to :func:`per_inference`.

    The run's breakdown is scaled to the per-inference total, i.e. a single inference is assumed to split over
    components / stages in the same shares as the whole run.
    """
    parts = {k: float(v) for k, v in report["breakdown"][quantity].items()}
    run_total = math.fsum(parts.values())
    target = per_inference(report, quantity)
    scale = target / run_total if run_total > 0 else 0.0
    return {k: v * scale for k, v in parts.items()}


def report_labels(reports: Sequence[Mapping]) -> list[str]:
    """Short names telling the reports apart: the hardware if the model is the same, the model if the hardware
    is, both otherwise; the file's folder/name when that still does not distinguish them."""
    models = [str(r["meta"].get("model", "")) for r in reports]
    hws = [str(r["meta"].get("hw", "")) for r in reports]
    if len(set(hws)) == len(reports) and len(set(models)) == 1:
        labels = hws
    elif len(set(models)) == len(reports) and len(set(hws)) == 1:
        labels = models
    else:
        labels = [f"{m}\n{h}" if m and h else (m or h) for m, h in zip(models, hws)]
    if len(set(labels)) < len(labels) or not all(labels):
        labels = file_labels([r["meta"].get("source", f"report{i}") for i, r in enumerate(reports)])
    return labels


def file_labels(paths: Sequence["str | Path"]) -> list[str]:
    """Unique short names of files: the stem; the folder when all stems are equal (results/a/report.json -> a);
    folder_stem when only some collide."""
    paths = [Path(p) for p in paths]
    stems = [p.stem for p in paths]
    if len(set(stems)) == len(stems):
        return stems
    if len(set(stems)) == 1 and len({p.parent.name for p in paths}) == len(paths):
        return [p.parent.name for p in paths]  # results/a/report.json, results/b/report.json -> a, b
    labels = [f"{p.parent.name}_{p.stem}" if p.parent.name else p.stem for p in paths]
    if len(set(labels)) == len(labels):
        return labels
    return [f"{label}{i}" for i, label in enumerate(labels)]


# ---------------------------------------------------------------------------------------------- constraints
#: constraint name -> (candidate column, SI unit symbol); memory limits are bytes, or parameters when the budget
#: was given as a bare number (``memory=4e6``, HASNAS's parameter budget; see :mod:`cimsim.constraints`)
CONSTRAINT_COLUMNS = {"memory": ("memory_bytes", "B"), "memory_params": ("params", ""), "area": ("area_m2", "m2"),
                      "latency": ("latency_s", "s"), "energy": ("energy_j", "J")}


def parse_constraints(text: str) -> dict[str, float]:
    """Parse ``"memory=4e6,area=100mm2,latency=400ms,energy=120uJ"`` into SI limits, with the search's rules.

    The one parser is :func:`cimsim.constraints.parse_constraints`: a bare memory number counts parameters
    (returned under ``memory_params``, compared with the candidates' ``params`` column), a byte unit counts bytes
    (``memory``); area, latency and energy in m2, s and J. Returns ``{name: limit}`` with names of
    :data:`CONSTRAINT_COLUMNS`.
    """
    from cimsim.constraints import parse_constraints as parse

    c = parse(text)
    limits = {name: float(c.limit(name)) for name in c.names if name != "memory"}
    if c.memory_params is not None:
        limits["memory_params"] = float(c.memory_params)
    elif c.memory_bytes is not None:
        limits["memory"] = float(c.memory_bytes)
    return limits


# ------------------------------------------------------------------------------------------------ candidates
# load_candidates: cimsim.candidates declares the table once (columns, writer, reader)


def load_best(candidates_path: "str | Path") -> "str | None":
    """Genotype of ``best.json`` next to the candidates file, or None when there is none."""
    best = Path(candidates_path).with_name("best.json")
    if not best.is_file():
        return None
    try:
        data = json.loads(best.read_text())
    except json.JSONDecodeError as exc:
        raise UserError(f"{best}: not a JSON file ({exc.msg})") from None
    if not isinstance(data, dict) or "genotype" not in data:
        raise UserError(f"{best}: expected an object with a 'genotype'")
    return str(data["genotype"])


# ---------------------------------------------------------------------------------------------------- sweeps
def load_sweep(path: "str | Path") -> list[dict]:
    """Read a co-design sweep CSV: one row per design point, columns = hardware variables and metrics.

    Cells that parse as numbers become floats; others stay strings.
    """
    path = Path(path)
    if not path.is_file():
        raise UserError(f"{path}: no such sweep file")
    with path.open(newline="") as fh:
        reader = csv.DictReader(fh)
        if not reader.fieldnames:
            raise UserError(f"{path}: empty sweep file")
        rows = [{k: _maybe_float(v) for k, v in raw.items()} for raw in reader]
    if not rows:
        raise UserError(f"{path}: no rows")
    return rows


def _maybe_float(text: Any) -> Any:
    try:
        return float(text)
    except (TypeError, ValueError):
        return text


def columns_of(rows: Iterable[Mapping]) -> list[str]:
    cols: dict[str, None] = {}
    for row in rows:
        cols.update(dict.fromkeys(row))
    return list(cols)
