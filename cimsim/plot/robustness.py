"""Robustness: accuracy on the chip vs device variation / fault rate / ADC bits, error bars over chip instances.

Input: the ``robustness.json`` that ``cimsim robustness`` and the demo write (:mod:`cimsim.robustness`):
``{"figure": "robustness", "chips": N, "sweeps": [{"field": ..., "points": [{"value", "accuracy", "std",
"ideal_accuracy", ...}]}]}``. One panel per swept field.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Mapping

from matplotlib.figure import Figure

from cimsim.errors import UserError
from cimsim.plot.style import HIGHLIGHT, get_style, new_figure, styled


def load_robustness(path: "str | Path") -> dict:
    """Read and check a robustness JSON.

    Raises
    ------
    UserError: missing or unreadable file, or not a robustness sweep (the message names the file and the part).
    """
    p = Path(path)
    try:
        data = json.loads(p.read_text())
    except OSError as exc:
        raise UserError(f"{p}: cannot read: {exc.strerror or exc}") from None
    except ValueError as exc:
        raise UserError(f"{p}: not JSON ({exc})") from None
    if not isinstance(data, dict) or data.get("figure") != "robustness" or not isinstance(data.get("sweeps"), list):
        raise UserError(f"{p}: not a robustness sweep (write one with `cimsim robustness`)")
    for s in data["sweeps"]:
        _check_sweep(s, p)
    if not data["sweeps"]:
        raise UserError(f"{p}: the robustness sweep has no swept field")
    return data


def _check_sweep(s: Any, p: Path) -> None:
    if not isinstance(s, dict) or not isinstance(s.get("field"), str) or not s.get("points"):
        raise UserError(f"{p}: a sweep needs a field name and points")
    for pt in s["points"]:
        for key in ("value", "accuracy", "std"):
            if not isinstance(pt, dict) or not isinstance(pt.get(key), (int, float)) or isinstance(pt.get(key), bool):
                raise UserError(f"{p}: sweep {s['field']}: each point needs a number {key!r}")


def robustness(data: Mapping, style: str = "paper") -> Figure:
    """Accuracy (%) vs each swept field: mean over chip instances with ± one standard deviation, and the ideal
    (exact integer) network's accuracy as a dashed line."""
    st = get_style(style)
    sweeps = data["sweeps"]
    with styled(st):
        fig = new_figure(st, 0.62 * (1 if len(sweeps) == 1 else 0.5 * ((len(sweeps) + 1) // 2)))
        axes = fig.subplots(max(1, (len(sweeps) + 1) // 2), min(2, len(sweeps)), squeeze=False).ravel()
        for ax, s in zip(axes, sweeps):
            pts = sorted(s["points"], key=lambda q: q["value"])
            xs = [q["value"] for q in pts]
            ax.errorbar(xs, [100 * q["accuracy"] for q in pts], yerr=[100 * q["std"] for q in pts], marker="o",
                        markersize=3, capsize=2, color="#0072B2", label=f"chip ({data.get('chips', '?')} instances)")
            ideal = [q.get("ideal_accuracy") for q in pts]
            if all(isinstance(v, (int, float)) for v in ideal):
                ax.plot(xs, [100 * v for v in ideal], linestyle="--", color=HIGHLIGHT, label="ideal network")
            ax.set_xlabel(s["field"].removeprefix("crossbar.nonideal."))
            ax.set_ylabel("Accuracy (%)")
            ax.set_ylim(0, 102)
            if all(isinstance(v, int) for v in xs):  # bits, counts: one tick per swept value
                ax.set_xticks(xs)
        for ax in axes[len(sweeps):]:
            ax.set_visible(False)
        axes[0].legend(loc="best")
    return fig
