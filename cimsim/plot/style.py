"""Look of every figure: colours per component, paper / slides styles, units, label abbreviation, saving.

Colours come from the Okabe-Ito palette (Okabe & Ito 2008, "Color Universal Design"), which stays
distinguishable under the common colour-vision deficiencies. A component keeps its colour in every figure:
components of one class (the three buffers, the three NoC parts) share a hue family and differ in lightness and
hatch, and latency stages reuse the colour of the hardware that does the work (``digital`` = shift-add,
``lif`` = neuron units, ``noc`` = router). Component names the simulator adds later get colours from Paul Tol's
"muted" scheme, in alphabetical order after the known ones, so a new key still plots deterministically.
"""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Iterable, Iterator, Mapping

import matplotlib
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure

from cimsim.components import registry
from cimsim.components.registry import Look

# Okabe-Ito (the components' colours are declared with them; these are for the rest)
_BLUE, _VERMILLION, _GREEN, _PURPLE = "#0072B2", "#D55E00", "#009E73", "#CC79A7"


#: Looks of the breakdown keys that are not components: leakage, and latency stages (the hardware doing the work
#: keeps its colour).
_OTHER_LOOKS = {
    "leakage": Look("#E0E0E0", "..."),
    "digital": Look(_GREEN),
    "lif": Look(_PURPLE),
    "noc": Look("#888888", "///"),
}

#: Known keys in the order they are stacked (bottom to top) and listed in legends: the components' own looks
#: (declared with each component, :mod:`cimsim.components.registry`), then the others.
COMPONENT_LOOKS: dict[str, Look] = {**registry.looks(), **_OTHER_LOOKS}

#: Paul Tol "muted" scheme, for component names not listed above.
EXTRA_COLORS = ("#CC6677", "#332288", "#DDCC77", "#117733", "#88CCEE", "#882255", "#44AA99", "#999933", "#AA4499")
EXTRA_HATCHES = ("", "///", "xxx", "...")

#: Human-readable legend names.
COMPONENT_LABELS = {**registry.labels(), "leakage": "leakage", "digital": "digital", "lif": "LIF", "noc": "NoC"}

#: Colour of highlighted items (bottleneck layer, chosen candidate) and of greyed-out ones.
HIGHLIGHT = _VERMILLION
NEUTRAL = _BLUE
GREYED = "#BBBBBB"


def order_components(names: Iterable[str]) -> list[str]:
    """Known components in their fixed order, then unknown ones alphabetically."""
    names = set(names)
    known = [n for n in COMPONENT_LOOKS if n in names]
    return known + sorted(names - set(COMPONENT_LOOKS))


def component_looks(names: Iterable[str]) -> dict[str, Look]:
    """Look of every name; unknown names get Tol colours in alphabetical order after the known ones.

    Pass the union of the component names of every figure that goes into one paper so that unknown components
    also keep their colour across figures (known components always do).
    """
    looks: dict[str, Look] = {}
    extra = 0
    for name in order_components(names):
        if name in COMPONENT_LOOKS:
            looks[name] = COMPONENT_LOOKS[name]
        else:
            looks[name] = Look(EXTRA_COLORS[extra % len(EXTRA_COLORS)],
                               EXTRA_HATCHES[(extra // len(EXTRA_COLORS)) % len(EXTRA_HATCHES)])
            extra += 1
    return looks


def component_label(name: str) -> str:
    return COMPONENT_LABELS.get(name, name.replace("_", " "))


# ----------------------------------------------------------------------------------------------------- styles
@dataclass(frozen=True)
class Style:
    """Figure geometry and font size of one output style."""

    name: str
    width_in: float
    font_pt: float
    hatch_lw: float

    def rc(self) -> dict:
        """matplotlib rcParams of this style (TrueType fonts embedded in PDF/PS, glyphs as paths in SVG)."""
        small = self.font_pt - (1 if self.name == "paper" else 2)
        return {
            "font.family": "DejaVu Sans",
            "font.size": self.font_pt,
            "axes.titlesize": self.font_pt,
            "axes.labelsize": self.font_pt,
            "xtick.labelsize": small,
            "ytick.labelsize": small,
            "legend.fontsize": small,
            "legend.title_fontsize": small,
            "legend.frameon": False,
            "axes.spines.top": False,
            "axes.spines.right": False,
            "axes.linewidth": 0.6 if self.name == "paper" else 1.0,
            "xtick.major.width": 0.6 if self.name == "paper" else 1.0,
            "ytick.major.width": 0.6 if self.name == "paper" else 1.0,
            "hatch.linewidth": self.hatch_lw,
            "hatch.color": "#333333",
            "pdf.fonttype": 42,
            "ps.fonttype": 42,
            "svg.fonttype": "path",
            "svg.hashsalt": "cimsim.plot",  # stable ids: same figure -> same bytes
            "savefig.dpi": 300,
            "figure.dpi": 150,
            "figure.constrained_layout.h_pad": 0.02,
            "figure.constrained_layout.w_pad": 0.02,
        }


STYLES = {
    "paper": Style("paper", width_in=3.5, font_pt=7.0, hatch_lw=0.4),
    "slides": Style("slides", width_in=8.0, font_pt=14.0, hatch_lw=0.8),
}


def get_style(style: "str | Style") -> Style:
    from cimsim.errors import UserError

    if isinstance(style, Style):
        return style
    if style not in STYLES:
        raise UserError(f"unknown style {style!r}; expected one of {', '.join(STYLES)}")
    return STYLES[style]


@contextlib.contextmanager
def styled(style: Style) -> Iterator[None]:
    with matplotlib.rc_context(style.rc()):
        yield


def new_figure(style: Style, height_ratio: float) -> Figure:
    """A figure of the style's width and ``height_ratio`` x width, constrained layout, not attached to pyplot.

    Must be called inside :func:`styled` so the figure picks up the style's layout parameters.
    """
    fig = Figure(figsize=(style.width_in, style.width_in * height_ratio), layout="constrained")
    FigureCanvasAgg(fig)  # Agg canvas: drawable and savable without pyplot or a display
    fig._cimsim_style = style.name  # read by save_figure
    return fig


def save_figure(fig: Figure, path: "str | Path", style: "str | Style | None" = None) -> Path:
    """Save with the figure's style (needed for TrueType fonts in PDF: rcParams are read at save time).

    The format follows the file suffix (png, pdf, svg).
    """
    path = Path(path)
    st = get_style(style or getattr(fig, "_cimsim_style", "paper"))
    path.parent.mkdir(parents=True, exist_ok=True)
    with styled(st):
        fig.savefig(path, metadata=_metadata(path.suffix))
    return path


def _metadata(suffix: str) -> dict:
    # fixed metadata keeps vector outputs byte-stable between runs (no creation date)
    if suffix == ".pdf":
        return {"CreationDate": None, "Creator": "cimsim.plot"}
    if suffix == ".svg":
        return {"Date": None, "Creator": "cimsim.plot"}
    if suffix == ".png":
        return {"Software": "cimsim.plot"}
    return {}


# ------------------------------------------------------------------------------------------------------ units
_PREFIXES = ((1e-15, "f"), (1e-12, "p"), (1e-9, "n"), (1e-6, "µ"), (1e-3, "m"), (1.0, ""))


@dataclass(frozen=True)
class Unit:
    """A display unit: ``value_si * factor`` is the number shown next to ``label``."""

    label: str
    factor: float


AREA_UNIT = Unit("mm²", 1e6)


def engineering_unit(base: str, max_value_si: float) -> Unit:
    """The SI prefix that puts ``max_value_si`` in [1, 1000) (J -> µJ, s -> ms ...); never above the base unit."""
    chosen = _PREFIXES[0]
    for scale, prefix in _PREFIXES:
        if abs(max_value_si) >= scale * (1 - 1e-12):
            chosen = (scale, prefix)
    if max_value_si == 0:
        chosen = (1e-6, "µ") if base == "J" else (1e-3, "m")
    return Unit(chosen[1] + base, 1.0 / chosen[0])


def unit_for(quantity: str, max_value_si: float) -> Unit:
    """Display unit of ``quantity`` ('area_m2', 'energy_j', 'latency_s', 'memory_bytes' or a dimensionless name)."""
    if quantity.startswith("area"):
        return AREA_UNIT
    if quantity.startswith("energy"):
        return engineering_unit("J", max_value_si)
    if quantity.startswith("latency") or quantity.endswith("_s"):
        return engineering_unit("s", max_value_si)
    if quantity.startswith("memory") or quantity.endswith("_bytes"):
        for scale, label in ((1e9, "GB"), (1e6, "MB"), (1e3, "kB")):
            if abs(max_value_si) >= scale:
                return Unit(label, 1.0 / scale)
        return Unit("B", 1.0)
    return Unit("", 1.0)


QUANTITY_NAMES = {
    "area_m2": "Area", "energy_j": "Energy", "latency_s": "Latency", "memory_bytes": "Memory",
    "accuracy": "Accuracy", "score": "Score", "params": "Parameters", "cycles": "Cycles",
    "energy_per_sop_j": "Energy / SOP", "throughput_inf_per_s": "Throughput (inf/s)",
}


def axis_label(quantity: str, unit: Unit, per_inference: bool = False, short: bool = False) -> str:
    """'Energy / inference (µJ)'; ``short`` gives 'Energy/inf. (µJ)' for narrow axes."""
    name = QUANTITY_NAMES.get(quantity, quantity)
    if per_inference:
        name += "/inf." if short else " / inference"
    return f"{name} ({unit.label})" if unit.label else name


def format_value(value: float, unit: Unit, digits: int = 3) -> str:
    """``value_si`` in ``unit`` with ``digits`` significant digits, e.g. '12.3 µJ'."""
    shown = value * unit.factor
    text = f"{shown:.{digits}g}"
    return f"{text} {unit.label}" if unit.label else text


# ------------------------------------------------------------------------------------------------ layer names
def abbreviate(names: list[str], max_chars: int) -> list[str]:
    """Shorten labels to at most ``max_chars`` characters, keeping them unique.

    First drops the dot-separated parts every name shares at the start and at the end
    (``features.3.conv.q`` / ``features.7.conv.q`` -> ``3`` / ``7``; kept when it would empty a name), then cuts
    what is still too long to head…tail. Abbreviations that still collide get their position appended (``#i``).
    """
    parts = [str(n).split(".") for n in names]
    if len(parts) > 1:
        shortest = min(len(p) for p in parts)
        lead = 0
        while lead < shortest - 1 and len({p[lead] for p in parts}) == 1:
            lead += 1
        trail = 0
        while trail < shortest - 1 - lead and len({p[len(p) - 1 - trail] for p in parts}) == 1:
            trail += 1
        names = [".".join(p[lead:len(p) - trail]) for p in parts]
    out = []
    for name in names:
        if len(name) <= max_chars:
            out.append(name)
            continue
        tail = max_chars // 2
        head = max_chars - 1 - tail
        out.append(name[:head] + "…" + name[len(name) - tail:])
    seen: dict[str, int] = {}
    for label in out:
        seen[label] = seen.get(label, 0) + 1
    return [f"{label}#{i}" if seen[label] > 1 else label for i, label in enumerate(out)]


def legend_looks_handles(looks: Mapping[str, Look], names: Iterable[str]):
    """Legend patches for ``names`` drawn with their looks."""
    from matplotlib.patches import Patch

    return [Patch(facecolor=looks[n].color, hatch=looks[n].hatch, edgecolor="#333333", linewidth=0.4,
                  label=component_label(n)) for n in names]
