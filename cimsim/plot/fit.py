"""Keeping every text inside the canvas: titles and labels wrapped to a measured width, legends in as many
columns as fit the figure, long tick labels shortened.

Widths are measured with the figure's own renderer and font (not estimated per character), so a wrapped text is
exactly as wide as it will be drawn; constrained layout then has room to place it.
"""
from __future__ import annotations

import re
from typing import Sequence

import matplotlib
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties

from cimsim.plot.style import Style, abbreviate

#: Points that separate a legend's columns, its handles and its frame, in font sizes (matplotlib's defaults with
#: the handle length and column spacing the figures use).
_LEGEND_HANDLE_EM, _LEGEND_SPACING_EM, _LEGEND_BORDER_EM = 1.2 + 0.8, 1.0, 2 * (0.4 + 0.5)
#: Narrowest text column of a legend (inches) before it gets fewer columns.
MIN_COLUMN_IN = 0.55
#: Margin kept free on each side of a figure-wide text (inches): constrained layout's pads plus a little.
MARGIN_IN = 0.06

# break after a separator of names and phrases: space, '.', '_', '-', '/', ','
_PIECES = re.compile(r"[^ ._\-/,]*[ ._\-/,]*")


def text_width_in(fig: Figure, text: str, fontsize) -> float:
    """Width (inches) of one line of ``text`` at ``fontsize`` (points or a name such as 'small') in ``fig``."""
    renderer = fig.canvas.get_renderer()
    width, _, _ = renderer.get_text_width_height_descent(text, FontProperties(size=fontsize), ismath=False)
    return width / fig.dpi


def wrap_to_width(fig: Figure, text: str, width_in: float, fontsize) -> str:
    """``text`` broken into lines no wider than ``width_in``: after spaces and name separators (``. _ - / ,``)
    where possible, inside a word only when the word alone is too wide. Existing line breaks are kept."""
    lines: list[str] = []
    for paragraph in text.split("\n"):
        line = ""
        for piece in (p for p in _PIECES.findall(paragraph) if p):
            if not line or text_width_in(fig, (line + piece).rstrip(), fontsize) <= width_in:
                line += piece
                continue
            lines.append(line.rstrip())
            line = piece
        while len(line) > 1 and text_width_in(fig, line.rstrip(), fontsize) > width_in:
            cut = len(line) - 1
            while cut > 1 and text_width_in(fig, line[:cut], fontsize) > width_in:
                cut -= 1
            lines.append(line[:cut])
            line = line[cut:]
        lines.append(line.rstrip())
    return "\n".join(lines)


def usable_width_in(fig: Figure) -> float:
    return fig.get_size_inches()[0] - 2 * MARGIN_IN


def fit_suptitle(fig: Figure, title: str) -> None:
    """The figure's title, wrapped to the figure's width."""
    size = matplotlib.rcParams["figure.titlesize"]
    fig.suptitle(wrap_to_width(fig, title, usable_width_in(fig), size), fontsize=size)


def fit_legend(fig: Figure, handles: Sequence, max_cols: int, **kwargs):
    """A figure legend below the axes (``loc='outside lower center'``) in ``max_cols`` columns (fewer when a
    column would be narrower than :data:`MIN_COLUMN_IN`) that fit the figure's width; longer entries wrap."""
    size = matplotlib.rcParams["legend.fontsize"]
    em_in = FontProperties(size=size).get_size_in_points() / 72
    width = usable_width_in(fig) - _LEGEND_BORDER_EM * em_in
    ncol = max(1, min(max_cols, len(handles)))
    room = lambda cols: width / cols - (_LEGEND_HANDLE_EM + _LEGEND_SPACING_EM) * em_in  # noqa: E731
    while ncol > 1 and room(ncol) < MIN_COLUMN_IN:
        ncol -= 1
    for h in handles:
        h.set_label(wrap_to_width(fig, h.get_label(), room(ncol), size))
    return fig.legend(handles=handles, loc="outside lower center", ncol=ncol, handlelength=1.2, columnspacing=1.0,
                      **kwargs)


def fit_label_chars(style: Style, share: float) -> int:
    """Characters of a tick label that take about ``share`` of the figure's width (0.6 em per character)."""
    small_pt = style.font_pt - (1 if style.name == "paper" else 2)
    return max(8, int(share * style.width_in * 72 / (0.6 * small_pt)))


def shorten_lines(labels: Sequence[str], max_chars: int) -> list[str]:
    """Every line of every label cut to ``max_chars`` (head…tail, :func:`abbreviate`)."""
    return ["\n".join(abbreviate([line], max_chars)[0] for line in label.split("\n")) for label in labels]
