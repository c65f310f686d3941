"""Area / energy / latency breakdown of one report by component class."""
from __future__ import annotations

from typing import Mapping, Sequence

from matplotlib.figure import Figure

from cimsim.plot.bars import stacked_barh
from cimsim.plot.fit import fit_legend, fit_suptitle
from cimsim.plot.inputs import per_inference_parts
from cimsim.plot.style import (
    Look, axis_label, component_looks, format_value, get_style, legend_looks_handles, new_figure,
    order_components, styled, unit_for,
)

#: Minimum share of a segment (of its bar) that gets a percentage written inside it.
MIN_SHARE_LABELLED = 0.09


def breakdown(report: Mapping, style: str = "paper", looks: "Mapping[str, Look] | None" = None,
              quantities: Sequence[str] = ("area_m2", "energy_j", "latency_s"), title: "str | None" = None) -> Figure:
    """Stacked bars of the area, energy per inference and latency per inference of one report by component.

    One panel per quantity (its unit on the x axis, its total in the panel title), segments in the fixed
    component order and colours, shares of at least 9 % written inside their segment, one legend listing every
    component drawn (a component that is 0 in every panel is left out). Long titles and legend entries wrap to
    the figure's width.

    Parameters
    ----------
    report: a validated report (:func:`cimsim.plot.load_report`).
    style: 'paper' (3.5 in wide, 7 pt) or 'slides'.
    looks: component -> look; defaults to :func:`component_looks` of this report's components (pass the union
        over several figures to keep unknown components' colours consistent too).
    quantities: which breakdowns to draw, in order.
    """
    st = get_style(style)
    parts = {q: per_inference_parts(report, q) for q in quantities}
    names = order_components(k for q in quantities for k, v in parts[q].items() if v > 0)
    looks = dict(looks) if looks is not None else component_looks(names)
    looks.update({n: lk for n, lk in component_looks(names).items() if n not in looks})
    with styled(st):
        fig = new_figure(st, 0.30 * len(quantities) + 0.35)
        axes = fig.subplots(len(quantities), 1)
        axes = [axes] if len(quantities) == 1 else list(axes)
        for ax, q in zip(axes, quantities):
            row = parts[q]
            total = sum(row.values())
            unit = unit_for(q, total)
            order = [n for n in names if row.get(n, 0) > 0]
            stacked_barh(ax, [row], order, looks, scale=unit.factor, height=0.7)
            _write_shares(ax, row, order, looks, unit.factor, total)
            ax.set_yticks([])
            ax.spines["left"].set_visible(False)
            ax.set_xlim(0, total * unit.factor * 1.0001 if total > 0 else 1)
            ax.set_xlabel(axis_label(q, unit, per_inference=q != "area_m2"))
            ax.set_title(f"total {format_value(total, unit)}", loc="right", pad=2)
        if title is None:
            meta = report["meta"]
            title = " on ".join(str(meta[k]) for k in ("model", "hw") if meta.get(k))
        if title:
            fit_suptitle(fig, title)
        fit_legend(fig, legend_looks_handles(looks, names), 3 if st.name == "paper" else 6)
    return fig


def _write_shares(ax, row: Mapping[str, float], order: Sequence[str], looks: Mapping[str, Look], factor: float,
                  total: float) -> None:
    if total <= 0:
        return
    left = 0.0
    for name in order:
        width = row[name]
        share = width / total
        if share >= MIN_SHARE_LABELLED:
            ax.text((left + width / 2) * factor, 0, f"{share:.0%}", ha="center", va="center",
                    color=_text_color(looks[name].color), fontsize="small",
                    bbox=None if not looks[name].hatch else dict(boxstyle="round,pad=0.1", fc=looks[name].color,
                                                                   ec="none"))
        left += width


def _text_color(hex_color: str) -> str:
    """Black or white, whichever contrasts more with the background colour (WCAG relative luminance)."""
    r, g, b = (int(hex_color[i:i + 2], 16) / 255 for i in (1, 3, 5))
    lin = [c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4 for c in (r, g, b)]
    luminance = 0.2126 * lin[0] + 0.7152 * lin[1] + 0.0722 * lin[2]
    return "black" if luminance > 0.179 else "white"
