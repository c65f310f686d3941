"""Layout checks of rendered figures: overlapping or clipped text (used by the tests, handy for new figures)."""
from __future__ import annotations

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.transforms import Bbox


def visible_texts(fig: Figure, draw: bool = True) -> list[Text]:
    """Every text artist that is drawn: titles, axis labels, tick labels inside the view, legends, annotations.

    ``draw`` renders the figure first (needed once, so that constrained layout has placed everything).
    """
    if draw:
        fig.canvas.draw()
    texts: list[Text] = [t for t in fig.texts] + ([fig._suptitle] if fig._suptitle is not None else [])
    for legend in fig.legends:
        texts += legend.get_texts() + [legend.get_title()]
    for ax in fig.axes:
        if not ax.get_visible():
            continue
        texts += [ax.title, ax._left_title, ax._right_title, ax.xaxis.label, ax.yaxis.label]
        texts += list(ax.texts)
        if ax.get_legend() is not None:
            texts += ax.get_legend().get_texts() + [ax.get_legend().get_title()]
        for axis in (ax.xaxis, ax.yaxis):
            if not axis.get_visible():
                continue
            low, high = sorted(axis.get_view_interval())
            for tick in axis.get_major_ticks() + axis.get_minor_ticks():
                if not (low - 1e-9 * abs(high - low) <= tick.get_loc() <= high + 1e-9 * abs(high - low)):
                    continue
                texts += [label for label in (tick.label1, tick.label2) if label.get_visible()]
    unique = list({id(t): t for t in texts}.values())  # the suptitle is also in fig.texts
    return [t for t in unique if t.get_visible() and t.get_text().strip()]


def layout_problems(fig: Figure, tolerance_px: float = 0.5) -> dict[str, list]:
    """``{"overlapping": pairs of texts, "clipped": texts}`` after one rendering of the figure."""
    fig.canvas.draw()
    return {"overlapping": overlapping_texts(fig, tolerance_px, draw=False),
            "clipped": clipped_texts(fig, tolerance_px, draw=False)}


def overlapping_texts(fig: Figure, tolerance_px: float = 0.5, draw: bool = True) -> list[tuple[str, str]]:
    """Pairs of drawn texts whose bounding boxes overlap by more than ``tolerance_px`` in both directions."""
    texts = visible_texts(fig, draw)
    renderer = fig.canvas.get_renderer()
    boxes = [t.get_window_extent(renderer) for t in texts]
    pairs = []
    for i in range(len(texts)):
        for j in range(i + 1, len(texts)):
            a, b = boxes[i], boxes[j]
            dx = min(a.x1, b.x1) - max(a.x0, b.x0)
            dy = min(a.y1, b.y1) - max(a.y0, b.y0)
            if dx > tolerance_px and dy > tolerance_px:
                pairs.append((texts[i].get_text(), texts[j].get_text()))
    return pairs


def clipped_texts(fig: Figure, tolerance_px: float = 0.5, draw: bool = True) -> list[str]:
    """Drawn texts that stick out of the figure."""
    texts = visible_texts(fig, draw)
    renderer = fig.canvas.get_renderer()
    frame = Bbox.from_bounds(-tolerance_px, -tolerance_px, fig.bbox.width + 2 * tolerance_px,
                             fig.bbox.height + 2 * tolerance_px)
    boxes = [t.get_window_extent(renderer) for t in texts]
    return [t.get_text() for t, box in zip(texts, boxes) if not (frame.contains(*box.p0) and frame.contains(*box.p1))]
