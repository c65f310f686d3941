"""Per-layer energy and latency of one report, with the bottleneck layer marked."""
from __future__ import annotations

from typing import Mapping

import matplotlib
from matplotlib.figure import Figure
from matplotlib.patches import Patch

from cimsim.errors import UserError
from cimsim.plot.fit import fit_suptitle, text_width_in, usable_width_in
from cimsim.plot.inputs import samples_of
from cimsim.plot.style import (
    GREYED, HIGHLIGHT, NEUTRAL, abbreviate, axis_label, get_style, new_figure, styled, unit_for,
)


def bottleneck_index(report: Mapping) -> int:
    """Index of the slowest layer: it sets the pipeline's initiation interval.

    Uses ``latency_s`` per layer, or ``cycles`` when a layer has no latency; ties go to the first layer.
    """
    times = _layer_times(report)
    return max(range(len(times)), key=lambda i: (times[i], -i))


def _layer_times(report: Mapping) -> list[float]:
    layers = report["layers"]
    if all("latency_s" in layer for layer in layers):
        return [float(layer["latency_s"]) for layer in layers]
    if all("cycles" in layer for layer in layers):
        return [float(layer["cycles"]) for layer in layers]
    raise UserError(f"{report['meta'].get('source', 'report')}: layers need 'latency_s' or 'cycles'")


def layers(report: Mapping, style: str = "paper", max_label_chars: int = 14, title: "str | None" = None) -> Figure:
    """Two bar charts over the layers: energy per inference (top) and busy time per inference (bottom; the
    layer's ``latency_s``, i.e. its busy cycles, over ``meta.samples``; cycles of the run when it has none).

    The bottleneck layer (largest busy time, :func:`bottleneck_index`) is drawn in vermillion with a hatch in both
    panels and named, with its share of the summed layer time, in the legend. Long layer names are shortened to
    ``max_label_chars`` (head…tail) and rotated so they never overlap.
    """
    st = get_style(style)
    rows = report["layers"]
    source = report["meta"].get("source", "report")
    if not rows:
        raise UserError(f"{source}: the report has no layers to plot")
    if not all("energy_j" in layer for layer in rows):
        raise UserError(f"{source}: every layer needs 'energy_j' for the per-layer figure")
    samples = samples_of(report)
    energy = [float(layer["energy_j"]) / samples for layer in rows]
    use_latency = all("latency_s" in layer for layer in rows)
    times = [t / samples for t in _layer_times(report)] if use_latency else _layer_times(report)
    worst = bottleneck_index(report)
    labels = abbreviate([str(layer["name"]) for layer in rows], max_label_chars)
    n = len(rows)
    longest = max(len(s) for s in labels)
    rotation = 0 if longest * n <= (40 if st.name == "paper" else 90) else (45 if n <= 20 else 90)
    # room for the tick labels: their vertical extent at ~0.6 em per character
    label_in = (longest * 0.6 * st.font_pt / 72) * {0: 0.0, 45: 0.71, 90: 1.0}[rotation] + st.font_pt * 1.5 / 72
    panel_in = 0.95 if st.name == "paper" else 1.9
    with styled(st):
        fig = new_figure(st, (2 * panel_in + label_in + 5 * st.font_pt / 72) / st.width_in)
        ax_e, ax_t = fig.subplots(2, 1, sharex=True)
        xs = list(range(n))
        colors = [HIGHLIGHT if i == worst else NEUTRAL for i in xs]
        e_unit = unit_for("energy_j", max(energy))
        bars_e = ax_e.bar(xs, [e * e_unit.factor for e in energy], color=colors, edgecolor="#333333",
                          linewidth=0.3, label="energy_j")
        if use_latency:
            t_unit = unit_for("latency_s", max(times))
            bars_t = ax_t.bar(xs, [t * t_unit.factor for t in times], color=colors, edgecolor="#333333",
                              linewidth=0.3, label="latency_s")
            ax_t.set_ylabel(f"Busy time/inf. ({t_unit.label})")
        else:
            bars_t = ax_t.bar(xs, times, color=colors, edgecolor="#333333", linewidth=0.3, label="cycles")
            ax_t.set_ylabel("Cycles (run)")
        _decorate(ax_e, ax_t, (bars_e, bars_t), labels, rotation, worst, times, str(rows[worst]["name"]), e_unit)
        if title is None:
            meta = report["meta"]
            title = " on ".join(str(meta[k]) for k in ("model", "hw") if meta.get(k))
        if title:
            fit_suptitle(fig, title)
    return fig


def _decorate(ax_e, ax_t, bars: tuple, labels: list[str], rotation: int, worst: int, times: list[float],
              worst_name: str, e_unit) -> None:
    """Hatch the bottleneck bars, label the axes and ticks, add the legend and grids of :func:`layers`."""
    n = len(labels)
    xs = list(range(n))
    hatches = ["///" if i == worst else "" for i in xs]
    for bar_set in bars:
        for patch, hatch in zip(bar_set.patches, hatches):
            patch.set_hatch(hatch)
    ax_e.set_ylabel(axis_label("energy_j", e_unit, per_inference=True, short=True))
    ax_e.margins(x=0.01)
    ax_t.set_xticks(xs)
    ax_t.set_xticklabels(labels, rotation=rotation, ha="right" if rotation == 45 else "center",
                         rotation_mode="anchor" if rotation == 45 else "default")
    if n > 40:  # too many for one tick each: label every k-th layer
        step = -(-n // 40)
        for i, tick in enumerate(ax_t.get_xticklabels()):
            tick.set_visible(i % step == 0 or i == worst)
    share = times[worst] / sum(times) if sum(times) > 0 else 0.0
    handles = [Patch(facecolor=NEUTRAL, edgecolor="#333333", linewidth=0.3, label="layer"),
               Patch(facecolor=HIGHLIGHT, edgecolor="#333333", linewidth=0.3, hatch="///",
                     label=f"bottleneck: {_legend_name(worst_name)} ({share:.0%} of layer time)")]
    fig, size = ax_e.figure, matplotlib.rcParams["legend.fontsize"]
    side_by_side = sum(text_width_in(fig, h.get_label(), size) for h in handles) + 0.5 < usable_width_in(fig)
    ax_e.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=2 if side_by_side else 1,
                handlelength=1.2, columnspacing=1.0, borderaxespad=0.2)
    ax_e.tick_params(axis="x", length=0)
    for ax in (ax_e, ax_t):
        ax.grid(axis="y", color=GREYED, linewidth=0.3)
        ax.set_axisbelow(True)


def _legend_name(name: str, max_chars: int = 28) -> str:
    return name if len(name) <= max_chars else name[: max_chars // 2 - 1] + "…" + name[-(max_chars // 2):]
