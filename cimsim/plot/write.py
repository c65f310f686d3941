"""Writing sets of figures to files: what ``cimsim plot`` and ``make demo`` call."""
from __future__ import annotations

from pathlib import Path
from typing import Mapping, Sequence

from cimsim.errors import UserError
from cimsim.plot.breakdown import breakdown
from cimsim.plot.compare import compare
from cimsim.plot.heatmap import heatmap
from cimsim.plot.inputs import file_labels, load_best, load_candidates, load_report, load_sweep, columns_of
from cimsim.plot.layers import layers
from cimsim.plot.pareto import pareto
from cimsim.plot.robustness import load_robustness, robustness
from cimsim.plot.style import component_looks, get_style, save_figure

KINDS = ("all", "breakdown", "layers", "compare", "pareto", "heatmap", "robustness")
FORMATS = ("png", "pdf", "svg")


def write_all(report_paths: Sequence["str | Path"], out_dir: "str | Path", fmt: str = "pdf",
              candidates_csv: "str | Path | None" = None, constraints: "Mapping[str, float] | None" = None,
              kind: str = "all", style: str = "paper", sweep_csv: "str | Path | None" = None,
              sweep_x: "str | None" = None, sweep_y: "str | None" = None, sweep_metric: str = "energy_j",
              sweep_agg: "str | None" = None, log: "bool | None" = None,
              robustness_json: "str | Path | None" = None) -> list[Path]:
    """Write every figure that the inputs allow and return the files written.

    Files (``NAME`` = report file stem, or folder_stem when stems collide):
    ``breakdown_NAME``, ``layers_NAME`` per report; ``compare`` and ``compare_normalized`` (to the first
    report) when there are two reports or more; ``pareto`` with ``candidates_csv`` (best.json next to it marks
    the chosen candidate); ``heatmap_METRIC`` with ``sweep_csv``; ``robustness`` with ``robustness_json``.
    Components keep one colour across all files.

    Parameters
    ----------
    report_paths: report.json files (may be empty only for kind 'pareto' or 'heatmap').
    out_dir: created when missing.
    fmt: png, pdf or svg.
    constraints: constraint name -> limit in SI (see :func:`cimsim.plot.parse_constraints`).
    kind: one of :data:`KINDS`.
    log: comparison axes log (True), linear (False) or log where bars span more than 100x (None).
    """
    get_style(style)
    report_paths = [Path(p) for p in report_paths]
    _check_inputs(fmt, kind, report_paths, candidates_csv, sweep_csv, robustness_json)
    reports = [load_report(p) for p in report_paths]
    out = Path(out_dir)
    names = file_labels(report_paths) if report_paths else []
    looks = component_looks(k for r in reports for q in r["breakdown"].values() for k in q)
    figures = []
    if kind in ("all", "breakdown"):
        figures += [(f"breakdown_{n}", breakdown(r, style=style, looks=looks)) for n, r in zip(names, reports)]
    if kind in ("all", "layers"):
        figures += [(f"layers_{n}", layers(r, style=style)) for n, r in zip(names, reports) if r["layers"]]
    if kind in ("all", "compare") and len(reports) >= 2:
        figures.append(("compare", compare(reports, style=style, looks=looks, log=log)))
        figures.append(("compare_normalized", compare(reports, normalize=True, style=style, looks=looks, log=log)))
    if kind in ("all", "pareto") and candidates_csv is not None:
        candidates = load_candidates(candidates_csv)
        figures.append(("pareto", pareto(candidates, constraints=constraints, chosen=load_best(candidates_csv),
                                         style=style)))
    if kind in ("all", "heatmap") and sweep_csv is not None:
        rows = load_sweep(sweep_csv)
        x, y = _sweep_axes(rows, sweep_x, sweep_y, sweep_csv)
        figures.append((f"heatmap_{sweep_metric}", heatmap(rows, x, y, sweep_metric, agg=sweep_agg, style=style)))
    if kind in ("all", "robustness") and robustness_json is not None:
        figures.append(("robustness", robustness(load_robustness(robustness_json), style=style)))
    written = []
    for name, fig in figures:
        written.append(save_figure(fig, out / f"{name}.{fmt}", style))
    return written


def _check_inputs(fmt: str, kind: str, report_paths: list[Path], candidates_csv, sweep_csv, robustness_json) -> None:
    """Refuse a format, kind or missing input that leaves nothing to draw (UserError naming the option)."""
    if fmt not in FORMATS:
        raise UserError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    if kind not in KINDS:
        raise UserError(f"unknown plot kind {kind!r}; expected one of {', '.join(KINDS)}")
    needs_reports = kind in ("all", "breakdown", "layers", "compare")
    if not report_paths and needs_reports and not (kind == "all" and (candidates_csv or sweep_csv or robustness_json)):
        raise UserError("no report files given")
    if kind == "compare" and len(report_paths) < 2:
        raise UserError("--kind compare needs at least two reports")
    if kind == "pareto" and candidates_csv is None:
        raise UserError("--kind pareto needs --candidates CSV")
    if kind == "heatmap" and sweep_csv is None:
        raise UserError("--kind heatmap needs --sweep CSV")
    if kind == "robustness" and robustness_json is None:
        raise UserError("--kind robustness needs --robustness JSON (written by `cimsim robustness`)")


def _sweep_axes(rows, x, y, path) -> tuple[str, str]:
    """The two swept variables: given, or the dotted columns (``crossbar.rows``) when there are exactly two."""
    if x and y:
        return x, y
    dotted = [c for c in columns_of(rows) if "." in c and len({r.get(c) for r in rows}) > 1]
    if x:
        dotted = [c for c in dotted if c != x]
        if dotted:
            return x, dotted[0]
    if len(dotted) == 2:
        return dotted[0], dotted[1]
    raise UserError(f"{path}: say which two sweep variables to plot with --x and --y "
                    f"(varying variables: {', '.join(dotted) or 'none'})")
