"""Paper-ready figures of cimsim reports and search results.

Every figure function returns a :class:`matplotlib.figure.Figure` (Agg, not attached to pyplot); save it with
:func:`save_figure` so PDF/SVG get embedded TrueType fonts / glyph outlines. Styles: 'paper' (3.5 in single
column, 7 pt) and 'slides'. Components keep one colour-blind-safe colour across all figures.

=============================  ======================================================================
:func:`breakdown`              area / energy / latency of one report by component (stacked bars)
:func:`layers`                 per-layer energy and latency, bottleneck layer marked
:func:`compare`                several reports side by side, absolute or normalised to a baseline
:func:`pareto`                 search candidates: quality vs cost, Pareto front, constraints, chosen
:func:`cost_plane`             several searches' candidates in one cost plane (area vs energy), budgets, chosen
:func:`heatmap`                co-design sweep: a metric over two hardware variables
:func:`robustness`             accuracy on the chip vs variation / faults / ADC bits, over chip instances
:func:`write_all`              all of the above to files (``cimsim plot``, ``make demo``)
=============================  ======================================================================
"""
from cimsim.plot.breakdown import breakdown
from cimsim.plot.compare import compare
from cimsim.plot.heatmap import heatmap, sweep_grid
from cimsim.plot.inputs import (
    load_best, load_candidates, load_report, load_sweep, parse_constraints, report_labels, validate_report,
)
from cimsim.plot.layers import bottleneck_index, layers
from cimsim.plot.pareto import cost_plane, non_dominated, pareto
from cimsim.plot.robustness import load_robustness, robustness
from cimsim.plot.style import STYLES, component_looks, save_figure
from cimsim.plot.write import KINDS, write_all

__all__ = [
    "breakdown", "compare", "heatmap", "sweep_grid", "load_best", "load_candidates", "load_report", "load_sweep",
    "parse_constraints", "report_labels", "validate_report", "bottleneck_index", "layers", "non_dominated",
    "pareto", "cost_plane", "load_robustness", "robustness", "STYLES", "component_looks", "save_figure", "KINDS",
    "write_all",
]
