"""Stacked horizontal bars shared by the breakdown and comparison figures."""
from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.axes import Axes

from cimsim.plot.style import Look, component_label


def stacked_barh(ax: Axes, rows: Sequence[Mapping[str, float]], order: Sequence[str], looks: Mapping[str, Look],
                 scale: float = 1.0, height: float = 0.6) -> list[float]:
    """Draw one stacked bar per row (row i at y = i, first row on top), components stacked in ``order``.

    Parameters
    ----------
    rows: per bar, component -> value (SI); components absent from a row count as 0.
    order: stacking order (left to right); every component of every row must be in it.
    scale: factor applied to every value (unit conversion or normalisation).

    Returns
    -------
    Total (scaled) length of each bar.

    Each component is one ``BarContainer`` labelled with the component key, so tests and users can find it.
    """
    lefts = [0.0] * len(rows)
    ys = list(range(len(rows)))
    for name in order:
        widths = [float(row.get(name, 0.0)) * scale for row in rows]
        look = looks[name]
        ax.barh(ys, widths, left=lefts, height=height, color=look.color, hatch=look.hatch, edgecolor="#333333",
                linewidth=0.3, label=name)
        lefts = [left + w for left, w in zip(lefts, widths)]
    ax.set_yticks(ys)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    return lefts


def legend_rows(style_name: str) -> int:
    """Legend columns of a figure-wide legend."""
    return 3 if style_name == "paper" else 5


def short_label(name: str) -> str:
    return component_label(name)
