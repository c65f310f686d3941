"""Several reports side by side (hardware configs, or architectures on one config)."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import matplotlib
from matplotlib.figure import Figure

from cimsim.errors import UserError
from cimsim.plot.bars import stacked_barh
from cimsim.plot.fit import fit_label_chars, fit_legend, shorten_lines, usable_width_in, wrap_to_width
from cimsim.plot.inputs import per_inference_parts, report_labels
from cimsim.plot.style import (
    GREYED, QUANTITY_NAMES, Look, abbreviate, axis_label, component_looks, format_value, get_style,
    legend_looks_handles, new_figure, order_components, styled, unit_for,
)

#: A panel whose largest bar is more than this many times its smallest switches to a log axis (``log=None``).
LOG_RATIO = 100.0


def compare(reports: Sequence[Mapping], normalize: bool = False, baseline: int = 0,
            labels: "Sequence[str] | None" = None, style: str = "paper",
            looks: "Mapping[str, Look] | None" = None,
            quantities: Sequence[str] = ("area_m2", "energy_j", "latency_s"), log: "bool | None" = None) -> Figure:
    """One panel per quantity, one stacked bar per report, components in the same colours as every figure.

    Parameters
    ----------
    reports: validated reports.
    normalize: divide every bar by the baseline report's total (the baseline bar has length 1, marked by a
        dashed line, each bar end says 'x1.52'); otherwise absolute values per inference (area per chip) with
        their total written at the bar end.
    baseline: index of the baseline report when normalising.
    labels: bar names; default :func:`report_labels` (hardware names if the model is shared, and so on).
    log: log x axes (True), linear (False), or per panel when its bars span more than :data:`LOG_RATIO` (None,
        e.g. a small and a large model). On a log axis each bar's segments split its length by their shares.
    """
    st = get_style(style)
    if not reports:
        raise UserError("no reports to compare")
    if not 0 <= baseline < len(reports):
        raise UserError(f"baseline index {baseline} out of range for {len(reports)} reports")
    labels = list(labels) if labels is not None else report_labels(reports)
    if len(labels) != len(reports):
        raise UserError(f"{len(labels)} labels for {len(reports)} reports")
    rows = {q: [per_inference_parts(r, q) for r in reports] for q in quantities}
    names = order_components(k for q in quantities for row in rows[q] for k, v in row.items() if v > 0)
    looks = dict(looks) if looks is not None else component_looks(names)
    looks.update({n: lk for n, lk in component_looks(names).items() if n not in looks})
    n = len(reports)
    bar_in = 0.16 if st.name == "paper" else 0.35
    with styled(st):
        panel_in = n * bar_in + (0.45 if st.name == "paper" else 0.9)
        legend_in = 0.12 * (len(names) / 3 + 1) if st.name == "paper" else 0.3 * (len(names) / 6 + 1)
        fig = new_figure(st, (len(quantities) * panel_in + legend_in + 0.15) / st.width_in)
        axes = fig.subplots(len(quantities), 1)
        axes = [axes] if len(quantities) == 1 else list(axes)
        ticks = shorten_lines(labels, fit_label_chars(st, 0.3))
        base_name = abbreviate([labels[baseline].replace("\n", " ")], fit_label_chars(st, 0.4))[0]
        for ax, q in zip(axes, quantities):
            _panel(ax, q, rows[q], names, looks, ticks, base_name if normalize else None, baseline, log)
            ax.set_xlabel(wrap_to_width(fig, ax.get_xlabel(), 0.65 * usable_width_in(fig),
                                        matplotlib.rcParams["axes.labelsize"]))
        fit_legend(fig, legend_looks_handles(looks, names), 3 if st.name == "paper" else 6)
    return fig


def _panel(ax, q: str, rows: list[Mapping[str, float]], names: list[str], looks: Mapping[str, Look],
           labels: list[str], base_name: "str | None", baseline: int, log: "bool | None") -> None:
    """One quantity ``q`` of :func:`compare`: a stacked bar per report, its total (or ratio, with a baseline
    ``base_name``) at the end."""
    totals = [math.fsum(row.values()) for row in rows]
    order = [c for c in names if any(row.get(c, 0) > 0 for row in rows)]
    if base_name is not None:
        ref = totals[baseline]
        if ref <= 0:
            raise UserError(f"cannot normalise {q}: the baseline {base_name!r} has a total of 0")
        factor, texts = 1.0 / ref, [_ratio(t / ref) for t in totals]
        label = QUANTITY_NAMES.get(q, q) + ("" if q == "area_m2" else " / inference")
        ax.set_xlabel(f"{label}, relative to {base_name}")
    else:
        unit = unit_for(q, max(totals))
        factor, texts = unit.factor, [format_value(t, unit) for t in totals]
        ax.set_xlabel(axis_label(q, unit, per_inference=q != "area_m2"))
    shown = [t * factor for t in totals if t > 0]
    use_log = bool(shown) and (log if log is not None else max(shown) > LOG_RATIO * min(shown))
    if use_log and base_name is None:  # each total in its own unit: '475 µJ', not '0.000475 J'
        texts = [format_value(t, unit_for(q, t)) for t in totals]
    floor = min(shown) / 4 if use_log else None
    ends = stacked_barh(ax, rows, order, looks, scale=factor, log_floor=floor)
    if base_name is not None:
        ax.axvline(1.0, color="#333333", linestyle="--", linewidth=0.6)
    for y, (end, text) in enumerate(zip(ends, texts)):
        ax.annotate(text, (max(end, floor or 0.0), y), xytext=(2, 0), textcoords="offset points", va="center",
                    ha="left", fontsize="small")
    top = max(ends) if max(ends) > 0 else 1.0
    if use_log:
        ax.set_xscale("log")
        ax.set_xlim(floor, top * (top / floor) ** 0.3)  # room for the end texts on the log scale too
    else:
        ax.set_xlim(0, top * 1.28)
    ax.set_yticklabels(labels)
    ax.grid(axis="x", color=GREYED, linewidth=0.3)
    ax.set_axisbelow(True)


def _ratio(r: float) -> str:
    """'×1.52', '×3155', '×0.00032': three significant digits, never rounded to a misleading '×0.00'."""
    if r >= 1000:
        return f"×{r:.0f}"
    return f"×{r:.3g}"
