"""Several reports side by side (hardware configs, or architectures on one config)."""
from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.figure import Figure

from cimsim.errors import UserError
from cimsim.plot.bars import stacked_barh
from cimsim.plot.inputs import per_inference_parts, report_labels
from cimsim.plot.style import (
    GREYED, QUANTITY_NAMES, Look, abbreviate, axis_label, component_looks, format_value, get_style, legend_looks_handles, new_figure,
    order_components, styled, unit_for,
)


def compare(reports: Sequence[Mapping], normalize: bool = False, baseline: int = 0,
            labels: "Sequence[str] | None" = None, style: str = "paper",
            looks: "Mapping[str, Look] | None" = None,
            quantities: Sequence[str] = ("area_m2", "energy_j", "latency_s")) -> Figure:
    """One panel per quantity, one stacked bar per report, components in the same colours as every figure.

    Parameters
    ----------
    reports: validated reports.
    normalize: divide every bar by the baseline report's total (the baseline bar has length 1, marked by a
        dashed line, each bar end says 'x1.52'); otherwise absolute values per inference (area per chip) with
        their total written at the bar end.
    baseline: index of the baseline report when normalising.
    labels: bar names; default :func:`report_labels` (hardware names if the model is shared, and so on).
    """
    st = get_style(style)
    if not reports:
        raise UserError("no reports to compare")
    if not 0 <= baseline < len(reports):
        raise UserError(f"baseline index {baseline} out of range for {len(reports)} reports")
    labels = list(labels) if labels is not None else report_labels(reports)
    if len(labels) != len(reports):
        raise UserError(f"{len(labels)} labels for {len(reports)} reports")
    names = order_components(k for r in reports for q in quantities for k in r["breakdown"][q])
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
        for ax, q in zip(axes, quantities):
            _panel(ax, q, reports, names, looks, labels, normalize, baseline)
        fig.legend(handles=legend_looks_handles(looks, names), loc="outside lower center",
                   ncol=3 if st.name == "paper" else 6, handlelength=1.2, columnspacing=1.0)
    return fig


def _panel(ax, q: str, reports: Sequence[Mapping], names: list[str], looks: Mapping[str, Look],
           labels: list[str], normalize: bool, baseline: int) -> None:
    """One quantity ``q`` of :func:`compare`: a stacked bar per report, its total (or ratio) at the end."""
    rows = [per_inference_parts(r, q) for r in reports]
    totals = [sum(row.values()) for row in rows]
    order = [c for c in names if any(c in row for row in rows)]
    if normalize:
        ref = totals[baseline]
        if ref <= 0:
            raise UserError(f"cannot normalise {q}: the baseline {labels[baseline]!r} has a total of 0")
        ends = stacked_barh(ax, rows, order, looks, scale=1.0 / ref)
        ax.axvline(1.0, color="#333333", linestyle="--", linewidth=0.6)
        texts = [f"×{e:.2f}" for e in ends]
        base_name = abbreviate([labels[baseline].replace("\n", " ")], 22)[0]
        ax.set_xlabel(f"{QUANTITY_NAMES.get(q, q)} (× {base_name})")
    else:
        unit = unit_for(q, max(totals))
        ends = stacked_barh(ax, rows, order, looks, scale=unit.factor)
        texts = [format_value(t, unit) for t in totals]
        ax.set_xlabel(axis_label(q, unit, per_inference=q != "area_m2"))
    for y, (end, text) in enumerate(zip(ends, texts)):
        ax.annotate(text, (end, y), xytext=(2, 0), textcoords="offset points", va="center", ha="left",
                    fontsize="small")
    ax.set_xlim(0, max(ends) * 1.28 if max(ends) > 0 else 1)
    ax.set_yticklabels(labels)
    ax.grid(axis="x", color=GREYED, linewidth=0.3)
    ax.set_axisbelow(True)
