"""Search results: Pareto fronts of quality against hardware cost, with constraints and the chosen candidate."""
from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.transforms import blended_transform_factory

from cimsim.errors import UserError
from cimsim.plot.inputs import CONSTRAINT_COLUMNS
from cimsim.plot.style import GREYED, HIGHLIGHT, NEUTRAL, axis_label, get_style, new_figure, styled, unit_for

#: candidate column -> constraint name
_LIMIT_OF = {column: name for name, (column, _) in CONSTRAINT_COLUMNS.items()}


def non_dominated(values: "np.ndarray | Sequence[Sequence[float]]", maximize: Sequence[bool]) -> np.ndarray:
    """Mask of the Pareto-optimal rows.

    Parameters
    ----------
    values: shape (n, k), one row per point, one column per objective.
    maximize: length k; True where larger is better.

    Returns
    -------
    Boolean array of shape (n,): True where no other row is at least as good in every objective and strictly
    better in one. Rows with a NaN are never optimal (and dominate nothing); equal rows are all kept.
    """
    v = np.asarray(values, dtype=float)
    if v.ndim != 2 or v.shape[1] != len(maximize):
        raise ValueError(f"values must have shape (n, {len(maximize)}), got {v.shape}")
    sign = np.where(np.asarray(maximize, dtype=bool), -1.0, 1.0)
    cost = v * sign  # minimise every column
    valid = ~np.isnan(cost).any(axis=1)
    mask = valid.copy()
    c = cost[valid]
    idx = np.flatnonzero(valid)
    for j, row in zip(idx, c):
        dominated = np.all(c <= row, axis=1) & np.any(c < row, axis=1)
        mask[j] = not dominated.any()
    return mask


def _column(candidates: Sequence[Mapping], key: str) -> np.ndarray:
    return np.array([float(c.get(key, math.nan)) if c.get(key) is not None else math.nan for c in candidates])


def choose_quality(candidates: Sequence[Mapping]) -> str:
    """'onchip_accuracy' (the simulated chip's) when any candidate has one, else 'accuracy', else 'score'."""
    for column in ("onchip_accuracy", "accuracy"):
        if np.isfinite(_column(candidates, column)).any():
            return column
    if np.isfinite(_column(candidates, "score")).any():
        return "score"
    raise UserError("the candidates have neither accuracy nor score values to plot")


def pareto(candidates: Sequence[Mapping], xs: "Sequence[str] | None" = None, y: str = "auto",
           constraints: "Mapping[str, float] | None" = None, chosen: "str | None" = None,
           style: str = "paper") -> Figure:
    """Quality (on-chip accuracy, accuracy or score, up) against hardware cost (down) for every search candidate.

    One panel per cost in ``xs`` (default: those of energy_j, latency_s, area_m2, memory_bytes with data).
    Feasible candidates are blue dots, infeasible ones grey crosses (or grey ticks along the bottom when they
    have no quality value: the search does not score them). The Pareto front of the feasible candidates
    (:func:`non_dominated`, minimum cost and maximum quality) is a black-edged step line; constraint limits are
    dashed vertical lines; the chosen candidate (genotype ``chosen``, e.g. best.json) is a vermillion star. With
    on-chip accuracy on the y axis, the trained candidates' ideal-ADC accuracy is drawn alongside (open circles).

    Parameters
    ----------
    candidates: rows with 'genotype', 'feasible' and the metric columns (SI units, NaN when missing).
    constraints: constraint name (memory [bytes], memory_params, area, latency, energy) -> limit (SI).
    """
    st = get_style(style)
    if not candidates:
        raise UserError("no candidates to plot")
    constraints = dict(constraints or {})
    unknown = set(constraints) - set(CONSTRAINT_COLUMNS)
    if unknown:
        raise UserError(f"unknown constraint {sorted(unknown)[0]!r}; expected {', '.join(CONSTRAINT_COLUMNS)}")
    if xs is None:
        memory = "params" if "memory_params" in constraints else "memory_bytes"  # the axis the budget is on
        xs = [k for k in ("energy_j", "latency_s", "area_m2", memory)
              if np.isfinite(_column(candidates, k)).any()]
    if not xs:
        raise UserError("the candidates have no energy_j, latency_s, area_m2 or memory_bytes values")
    y = choose_quality(candidates) if y == "auto" else y
    quality = _column(candidates, y)
    feasible = np.array([bool(c.get("feasible", True)) for c in candidates])
    genotypes = [str(c.get("genotype", "")) for c in candidates]
    percent = y.endswith("accuracy") and np.nanmax(np.append(quality, 0)) <= 1.0
    y_factor = 100.0 if percent else 1.0
    y_label = {"accuracy": "Accuracy (%)", "onchip_accuracy": "On-chip accuracy (%)",
               "ideal_accuracy": "Ideal-ADC accuracy (%)"}.get(y, "") if percent else axis_label(y, unit_for(y, 0))
    ideal = _column(candidates, "ideal_accuracy") * y_factor if y == "onchip_accuracy" else None
    m = (st.font_pt / 7.0) ** 2  # marker areas grow with the style's font
    ncols = 1 if len(xs) == 1 else 2
    nrows = -(-len(xs) // ncols)
    with styled(st):
        fig = new_figure(st, (0.72 if ncols == 1 else 0.42) * nrows + 0.12)
        axes = np.atleast_1d(fig.subplots(nrows, ncols, sharey=True, squeeze=False)).ravel()
        for ax in axes[len(xs):]:
            ax.set_visible(False)
        handles: dict[str, object] = {}
        for ax, x in zip(axes, xs):
            _panel(ax, x, _column(candidates, x), quality * y_factor, feasible, genotypes,
                   constraints.get(_LIMIT_OF.get(x, "")), chosen, m, handles, ideal)
        if "infeasible (not scored)" in handles:  # keep the bottom ticks clear of the lowest points
            low, high = axes[0].get_ylim()
            axes[0].set_ylim(low - 0.08 * (high - low), high)
        for ax in axes[:len(xs)][::ncols]:
            ax.set_ylabel(y_label)
        legend = [handles[k] for k in ("feasible", "infeasible", "infeasible (not scored)", "Pareto front", "limit",
                                       "chosen", "ideal ADC") if k in handles]
        fig.legend(handles=legend, loc="outside lower center", ncol=3, handlelength=1.2, columnspacing=1.0)
    return fig


def _panel(ax, x: str, cost: np.ndarray, qy: np.ndarray, feasible: np.ndarray, genotypes: list[str],
           limit: "float | None", chosen: "str | None", m: float, handles: dict,
           ideal: "np.ndarray | None" = None) -> None:
    """One panel of :func:`pareto`: quality ``qy`` (plotted units) against the cost column ``x`` (SI);
    adds the legend entries it draws to ``handles``. ``ideal``: ideal-ADC accuracies drawn alongside."""
    finite = cost[np.isfinite(cost)]
    unit = unit_for(x, max(np.max(finite) if finite.size else 0.0, limit or 0.0))
    cx = cost * unit.factor
    if ideal is not None and (np.isfinite(ideal) & np.isfinite(cx)).any():
        sel = np.isfinite(ideal) & np.isfinite(cx)
        handles["ideal ADC"] = ax.scatter(cx[sel], ideal[sel], s=9 * m, facecolor="none", edgecolor=NEUTRAL,
                                          linewidths=0.6, label="ideal ADC", zorder=2)
    has_q = np.isfinite(qy) & np.isfinite(cx)
    sel = feasible & has_q
    if sel.any():
        handles["feasible"] = ax.scatter(cx[sel], qy[sel], s=9 * m, color=NEUTRAL, alpha=0.75, linewidths=0,
                                         label="feasible", zorder=2)
    sel = ~feasible & has_q
    if sel.any():
        handles["infeasible"] = ax.scatter(cx[sel], qy[sel], s=9 * m, marker="x", color=GREYED,
                                           linewidths=0.6, label="infeasible", zorder=1)
    sel = ~feasible & ~np.isfinite(qy) & np.isfinite(cx)
    if sel.any():
        rug = blended_transform_factory(ax.transData, ax.transAxes)
        (line,) = ax.plot(cx[sel], np.full(sel.sum(), 0.02), linestyle="none", marker="|",
                          markersize=5 * m ** 0.5, color=GREYED, transform=rug, label="infeasible (not scored)")
        handles["infeasible (not scored)"] = line
    front_sel = feasible & has_q
    front_idx = np.flatnonzero(front_sel)[non_dominated(np.c_[cx[front_sel], qy[front_sel]],
                                                        (False, True))]
    if front_idx.size:
        order = front_idx[np.argsort(cx[front_idx], kind="stable")]
        ax.plot(cx[order], qy[order], drawstyle="steps-post", color="#333333", linewidth=0.8, zorder=3)
        handles["Pareto front"] = ax.scatter(cx[order], qy[order], s=14 * m, facecolor=NEUTRAL,
                                             edgecolor="black", linewidths=0.6, zorder=4,
                                             label="Pareto front")
    if limit is not None:
        ax.axvline(limit * unit.factor, color=HIGHLIGHT, linestyle="--", linewidth=0.8, zorder=1)
        handles["limit"] = Line2D([], [], color=HIGHLIGHT, linestyle="--", linewidth=0.8,
                                  label="constraint")
    if chosen is not None and chosen in genotypes:
        i = genotypes.index(chosen)
        if np.isfinite(cx[i]) and np.isfinite(qy[i]):
            handles["chosen"] = ax.scatter([cx[i]], [qy[i]], s=60 * m, marker="*", color=HIGHLIGHT,
                                           edgecolor="black", linewidths=0.4, zorder=5, label="chosen")
    if finite.size and np.max(finite) / max(np.min(finite[finite > 0], initial=np.inf), 1e-300) > 50:
        ax.set_xscale("log")
    ax.set_xlabel(axis_label(x, unit))
    ax.grid(color=GREYED, linewidth=0.3)
    ax.set_axisbelow(True)


#: Colours of the searches in :func:`cost_plane` (Okabe-Ito blue, vermillion, green, purple).
SERIES_COLORS = ("#0072B2", "#D55E00", "#009E73", "#CC79A7")


def cost_plane(series: Mapping[str, Sequence[Mapping]], x: str = "area_m2", y: str = "energy_j",
               constraints: "Mapping[str, float] | None" = None, chosen: "Mapping[str, str] | None" = None,
               title: "str | None" = None, style: str = "paper") -> Figure:
    """Several searches' candidates in one cost plane (default area against energy per inference).

    Each search (a key of ``series``) has its colour: candidates meeting every budget are dots, the others
    crosses, its chosen candidate (genotype ``chosen[name]``) a black-edged star. Budgets on ``x`` and ``y`` are
    dashed lines. Candidates without both values (not simulated) are left out; the legend counts what is shown.

    Parameters
    ----------
    series: search name -> candidate rows with 'genotype', 'feasible' and the ``x`` / ``y`` columns (SI units).
    constraints: constraint name (as in :func:`pareto`) -> limit (SI).
    """
    st = get_style(style)
    limits = dict(constraints or {})
    rows = {name: [r for r in cands if np.isfinite(_column([r], x)[0]) and np.isfinite(_column([r], y)[0])]
            for name, cands in series.items()}
    if not any(rows.values()):
        raise UserError(f"no candidate has both {x} and {y} values to plot")
    every = [r for rs in rows.values() for r in rs]
    ux = unit_for(x, max(float(np.max(_column(every, x))), limits.get(_LIMIT_OF.get(x, ""), 0.0)))
    uy = unit_for(y, max(float(np.max(_column(every, y))), limits.get(_LIMIT_OF.get(y, ""), 0.0)))
    m = (st.font_pt / 7.0) ** 2
    with styled(st):
        fig = new_figure(st, 0.95)
        ax = fig.subplots()
        for (name, rs), color in zip(rows.items(), SERIES_COLORS):
            cx, cy = _column(rs, x) * ux.factor, _column(rs, y) * uy.factor
            ok = np.array([bool(r.get("feasible")) for r in rs], dtype=bool)
            ax.scatter(cx[ok], cy[ok], s=10 * m, color=color, alpha=0.8, linewidths=0,
                       label=f"{name}: meets all ({ok.sum()})")
            ax.scatter(cx[~ok], cy[~ok], s=10 * m, marker="x", color=color, linewidths=0.6,
                       label=f"{name}: over a budget ({(~ok).sum()})")
            pick = [i for i, r in enumerate(rs) if chosen and r.get("genotype") == chosen.get(name)]
            if pick:
                ax.scatter(cx[pick[:1]], cy[pick[:1]], s=60 * m, marker="*", color=color, edgecolor="black",
                           linewidths=0.5, zorder=5, label=f"{name}: chosen")
        for axis, quantity, unit in (("x", x, ux), ("y", y, uy)):
            limit = limits.get(_LIMIT_OF.get(quantity, ""))
            if limit is not None:
                line = ax.axvline if axis == "x" else ax.axhline
                line(limit * unit.factor, color="#333333", linestyle="--", linewidth=0.8, zorder=1)
        ax.set_xlabel(axis_label(x, ux, per_inference=not x.startswith("area")))
        ax.set_ylabel(axis_label(y, uy, per_inference=not y.startswith("area")))
        ax.grid(color=GREYED, linewidth=0.3)
        ax.set_axisbelow(True)
        if title:
            ax.set_title(title)
        fig.legend(loc="outside lower center", ncol=2, handlelength=1.0, columnspacing=1.0)
    return fig
