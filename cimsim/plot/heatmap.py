"""Co-design sweep heat maps: a metric over two hardware variables (e.g. crossbar rows x ADC bits -> energy)."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib
import numpy as np
from matplotlib.figure import Figure
from matplotlib.patches import Rectangle

from cimsim.errors import UserError
from cimsim.plot.fit import usable_width_in, wrap_to_width
from cimsim.plot.inputs import columns_of
from cimsim.plot.style import HIGHLIGHT, axis_label, get_style, new_figure, styled, unit_for

#: metrics where larger is better (the best cell is the maximum); all others are costs
MAXIMIZED = ("accuracy", "score", "throughput_inf_per_s")
_AGGREGATES = {"min": np.min, "max": np.max, "mean": np.mean}


def sweep_grid(rows: Sequence[Mapping], x: str, y: str, metric: str, agg: "str | None" = None):
    """Arrange sweep rows into a grid.

    Returns
    -------
    (x_values, y_values, grid): sorted distinct values of ``x`` and ``y`` and the metric, shape
    (len(y_values), len(x_values)), NaN where the sweep has no point. Several rows on one cell raise UserError
    unless ``agg`` ('min', 'max', 'mean') says how to combine them (they differ in a third variable).
    """
    if not rows:
        raise UserError("the sweep has no rows")
    cols = columns_of(rows)
    for name in (x, y, metric):
        if name not in cols:
            raise UserError(f"sweep has no column {name!r}; columns: {', '.join(cols)}")
    if agg is not None and agg not in _AGGREGATES:
        raise UserError(f"unknown aggregate {agg!r}; expected min, max or mean")
    xv = _sorted_unique(r[x] for r in rows)
    yv = _sorted_unique(r[y] for r in rows)
    cells: dict[tuple, list[float]] = {}
    for r in rows:
        value = r[metric]
        if isinstance(value, str) or value is None:
            raise UserError(f"sweep column {metric!r} has a non-numeric value {value!r}")
        cells.setdefault((xv.index(r[x]), yv.index(r[y])), []).append(float(value))
    grid = np.full((len(yv), len(xv)), np.nan)
    for (i, j), values in cells.items():
        if len(values) > 1 and agg is None:
            raise UserError(f"sweep has {len(values)} rows with {x}={xv[i]}, {y}={yv[j]} (another variable "
                            f"varies); pass agg='min', 'max' or 'mean'")
        grid[j, i] = _AGGREGATES[agg](values) if len(values) > 1 else values[0]
    return xv, yv, grid


def _sorted_unique(values) -> list:
    values = list(dict.fromkeys(values))
    try:
        return sorted(values)
    except TypeError:
        return sorted(values, key=str)


def _tick(value) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return f"{value:g}" if isinstance(value, float) else str(value)


def heatmap(rows: Sequence[Mapping], x: str, y: str, metric: str = "energy_j", agg: "str | None" = None,
            style: str = "paper", annotate: "bool | None" = None) -> Figure:
    """Metric over a two-variable hardware sweep as a grid of coloured cells (cividis, colour-blind safe).

    Each cell holds its value (when there are at most 12 x 12 cells or ``annotate`` is True), missing
    combinations stay blank, and the best cell(s) (minimum cost, or maximum for accuracy/score/throughput) has a
    vermillion outline. The colour bar is in display units (µJ, mm², ms ...). ``agg`` as in :func:`sweep_grid`.
    """
    st = get_style(style)
    xv, yv, grid = sweep_grid(rows, x, y, metric, agg)
    finite = grid[np.isfinite(grid)]
    if finite.size == 0:
        raise UserError(f"sweep column {metric!r} has no finite values")
    unit = unit_for(metric, float(np.max(np.abs(finite))))
    factor = 100.0 if metric == "accuracy" and np.max(finite) <= 1 else unit.factor
    label = "Accuracy (%)" if metric == "accuracy" and factor == 100 else axis_label(metric, unit)
    shown = grid * factor
    annotate = (len(xv) <= 12 and len(yv) <= 12) if annotate is None else annotate
    with styled(st):
        fig = new_figure(st, 0.62 if st.name == "paper" else 0.5)
        ax = fig.subplots()
        image = ax.imshow(np.ma.masked_invalid(shown), origin="lower", aspect="auto", cmap="cividis",
                          interpolation="nearest")
        bar = fig.colorbar(image, ax=ax, pad=0.02)
        bar.set_label(label)
        ax.set_xticks(range(len(xv)), [_tick(v) for v in xv])
        ax.set_yticks(range(len(yv)), [_tick(v) for v in yv])
        size = matplotlib.rcParams["axes.labelsize"]
        ax.set_xlabel(wrap_to_width(fig, x, 0.7 * usable_width_in(fig), size))
        ax.set_ylabel(wrap_to_width(fig, y, 0.8 * fig.get_size_inches()[1], size))
        ax.spines[:].set_visible(False)
        ax.tick_params(length=0)
        if annotate:
            norm, cmap = image.norm, image.get_cmap()
            for j in range(len(yv)):
                for i in range(len(xv)):
                    if math.isfinite(shown[j, i]):
                        r, g, b, _ = cmap(norm(shown[j, i]))
                        dark = 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.45
                        ax.text(i, j, f"{shown[j, i]:.3g}", ha="center", va="center", fontsize="small",
                                color="white" if dark else "black")
        best_value = np.nanmax(grid) if metric in MAXIMIZED else np.nanmin(grid)
        best_cells = np.argwhere(grid == best_value)  # every cell that ties for best is outlined
        for bj, bi in best_cells:
            ax.add_patch(Rectangle((bi - 0.5, bj - 0.5), 1, 1, fill=False, edgecolor=HIGHLIGHT, linewidth=1.5,
                                   label="best"))
        bj, bi = best_cells[0]
        ties = f" (+{len(best_cells) - 1} tied)" if len(best_cells) > 1 else ""
        ax.set_title(wrap_to_width(fig, f"best: {x}={_tick(xv[bi])}, {y}={_tick(yv[bj])}{ties}",
                                   0.8 * usable_width_in(fig), matplotlib.rcParams["axes.titlesize"]),
                     loc="left", pad=3)
    return fig
