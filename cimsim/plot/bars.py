"""Stacked horizontal bars shared by the breakdown and comparison figures."""
from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.axes import Axes

from cimsim.plot.style import Look


def stacked_barh(ax: Axes, rows: Sequence[Mapping[str, float]], order: Sequence[str], looks: Mapping[str, Look],
                 scale: float = 1.0, height: float = 0.6, log_floor: "float | None" = None) -> list[float]:
    """Draw one stacked bar per row (row i at y = i, first row on top), components stacked in ``order``.

    Parameters
    ----------
    rows: per bar, component -> value (SI); components absent from a row count as 0.
    order: stacking order (left to right); every component of every row must be in it.
    scale: factor applied to every value (unit conversion or normalisation).
    log_floor: draw on a log x axis starting at this (scaled) value: each bar runs from the floor to its total,
        and its segments split that length in proportion to their shares (a stack from 0 has no log length).

    Returns
    -------
    Total (scaled) length of each bar.

    Each component is one ``BarContainer`` labelled with the component key, so tests and users can find it.
    """
    totals = [sum(float(row.get(name, 0.0)) for name in order) * scale for row in rows]
    done = [0.0] * len(rows)
    ys = list(range(len(rows)))
    for name in order:
        widths = [float(row.get(name, 0.0)) * scale for row in rows]
        ends = [d + w for d, w in zip(done, widths)]
        if log_floor is None:
            lefts, widths = done, widths
        else:
            lefts = [_log_position(d, t, log_floor) for d, t in zip(done, totals)]
            widths = [_log_position(e, t, log_floor) - left for e, t, left in zip(ends, totals, lefts)]
        look = looks[name]
        ax.barh(ys, widths, left=lefts, height=height, color=look.color, hatch=look.hatch, edgecolor="#333333",
                linewidth=0.3, label=name)
        done = ends
    ax.set_yticks(ys)
    ax.set_ylim(len(rows) - 0.5, -0.5)  # first row on top
    return totals if log_floor is not None else done


def _log_position(part: float, total: float, floor: float) -> float:
    """Where the running sum ``part`` of a bar of ``total`` ends on a log axis from ``floor``."""
    if total <= floor:
        return floor
    return floor * (total / floor) ** (part / total)
