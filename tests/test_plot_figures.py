"""Content of the figures: bar lengths equal the report numbers, legends list every component, Pareto points are
the non-dominated candidates, heat-map cells equal the sweep, no text overlaps, fonts embedded."""
from __future__ import annotations

import math
import re

import numpy as np
import pytest
from matplotlib.collections import PathCollection
from matplotlib.colors import to_hex

from cimsim.errors import UserError
from cimsim.plot import (
    bottleneck_index, breakdown, compare, heatmap, layers, non_dominated, pareto, save_figure, sweep_grid,
)
from helpers.check import layout_problems, overlapping_texts
from cimsim.plot.inputs import per_inference, validate_report
from cimsim.plot.style import COMPONENT_LOOKS, EXTRA_COLORS, HIGHLIGHT, abbreviate, component_label
from helpers.synthetic import synthetic_candidates, synthetic_report, synthetic_sweep

_PREFIX = {"f": 1e15, "p": 1e12, "n": 1e9, "µ": 1e6, "m": 1e3, "": 1.0}


def unit_factor(label: str) -> float:
    """Display factor from an axis label's unit, e.g. 'Energy / inference (µJ)' -> 1e6 (independent of the code)."""
    unit = re.search(r"\(([^()]*)\)\s*$", label).group(1)
    if unit == "mm²":
        return 1e6
    if unit == "%":
        return 100.0
    if unit in ("B", "kB", "MB", "GB"):
        return {"B": 1.0, "kB": 1e-3, "MB": 1e-6, "GB": 1e-9}[unit]
    assert unit[-1] in "Js", label
    return _PREFIX[unit[:-1]]


def bar_containers(ax):
    return {c.get_label(): c for c in ax.containers}


def legend_texts(fig):
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return {t.get_text() for leg in legends for t in leg.get_texts()}


# ------------------------------------------------------------------------------------------------- breakdown
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_breakdown_bars_sum_to_totals_and_legend_lists_every_component(seed):
    report = synthetic_report(seed, samples=3, extra_components=("photonic_io",))
    validate_report(report)
    fig = breakdown(report)
    axes = [ax for ax in fig.axes if ax.containers]
    assert len(axes) == 3
    for ax, quantity in zip(axes, ("area_m2", "energy_j", "latency_s")):
        bars = bar_containers(ax)
        assert set(bars) == set(report["breakdown"][quantity])
        factor = unit_factor(ax.get_xlabel())
        widths = {name: sum(p.get_width() for p in c.patches) / factor for name, c in bars.items()}
        assert math.isclose(sum(widths.values()), per_inference(report, quantity), rel_tol=1e-9)
        # each segment is its component's share of the per-inference total
        run_total = sum(report["breakdown"][quantity].values())
        for name, width in widths.items():
            share = report["breakdown"][quantity][name] / run_total
            assert math.isclose(width, share * per_inference(report, quantity), rel_tol=1e-9, abs_tol=1e-30)
    # per-inference latency is the report's own number, not run time / samples
    assert per_inference(report, "latency_s") == report["totals"]["latency_per_inference_s"]
    assert math.isclose(per_inference(report, "energy_j"), report["totals"]["energy_j"] / 3)
    names = {k for q in report["breakdown"].values() for k in q}
    assert {component_label(n) for n in names} <= legend_texts(fig)
    assert "photonic io" in legend_texts(fig)


def test_component_colours_are_the_same_in_every_figure():
    reports = [synthetic_report(s, hw=f"hw{s}", extra_components=("photonic_io",)) for s in range(3)]
    seen: dict[str, set] = {}
    for fig in [breakdown(r) for r in reports] + [compare(reports), compare(reports, normalize=True)]:
        for ax in fig.axes:
            for name, c in bar_containers(ax).items():
                seen.setdefault(name, set()).update(to_hex(p.get_facecolor()) for p in c.patches)
    assert all(len(colors) == 1 for colors in seen.values()), seen
    for name in ("crossbar", "adc", "leakage"):
        assert seen[name] == {to_hex(COMPONENT_LOOKS[name].color)}
    # the unknown component gets the first extra colour, distinct from every known one
    assert seen["photonic_io"] == {to_hex(EXTRA_COLORS[0])}
    assert to_hex(EXTRA_COLORS[0]) not in {to_hex(lk.color) for lk in COMPONENT_LOOKS.values()}


# ---------------------------------------------------------------------------------------------------- layers
def test_layers_bars_equal_layer_values_and_bottleneck_is_marked():
    report = synthetic_report(4, n_layers=9, samples=5)
    fig = layers(report)
    ax_e, ax_t = [ax for ax in fig.axes if ax.containers]
    energies = [p.get_height() / unit_factor(ax_e.get_ylabel()) for p in ax_e.containers[0].patches]
    times = [p.get_height() / unit_factor(ax_t.get_ylabel()) for p in ax_t.containers[0].patches]
    np.testing.assert_allclose(energies, [layer["energy_j"] / 5 for layer in report["layers"]], rtol=1e-12)
    np.testing.assert_allclose(times, [layer["latency_s"] / 5 for layer in report["layers"]], rtol=1e-12)
    worst = int(np.argmax([layer["latency_s"] for layer in report["layers"]]))
    assert bottleneck_index(report) == worst
    for ax in (ax_e, ax_t):
        colours = [to_hex(p.get_facecolor()) for p in ax.containers[0].patches]
        assert [i for i, c in enumerate(colours) if c == to_hex(HIGHLIGHT)] == [worst]
    assert any(report["layers"][worst]["name"] in t for t in legend_texts(fig))


def test_layer_labels_are_unique_and_short():
    names = [f"features.block{i}.conv{i % 3}.quantized_weight" for i in range(30)] + ["classifier.fc"]
    labels = abbreviate(names, 14)
    assert len(set(labels)) == len(labels)
    assert all(len(label) <= 14 + 3 for label in labels)
    assert abbreviate(["conv1", "conv2", "fc"], 14) == ["conv1", "conv2", "fc"]
    assert abbreviate(["a.x.q", "a.y.q"], 14) == ["x", "y"]


# --------------------------------------------------------------------------------------------------- compare
def test_compare_absolute_and_normalised_lengths():
    reports = [synthetic_report(s, hw=f"hw{s}", samples=s + 1) for s in range(3)]
    for normalize in (False, True):
        fig = compare(reports, normalize=normalize, baseline=1)
        axes = [ax for ax in fig.axes if ax.containers]
        for ax, quantity in zip(axes, ("area_m2", "energy_j", "latency_s")):
            lengths = np.zeros(3)
            for c in ax.containers:
                lengths += [p.get_width() for p in c.patches]
            expected = np.array([per_inference(r, quantity) for r in reports])
            if normalize:
                expected = expected / expected[1]
            else:
                lengths = lengths / unit_factor(ax.get_xlabel())
            np.testing.assert_allclose(lengths, expected, rtol=1e-9)
            assert [t.get_text() for t in ax.get_yticklabels()] == ["hw0", "hw1", "hw2"]


def test_compare_rejects_empty_and_bad_baseline():
    with pytest.raises(UserError):
        compare([])
    with pytest.raises(UserError):
        compare([synthetic_report(0)], baseline=3)


# ---------------------------------------------------------------------------------------------------- pareto
def _brute_force_front(points, maximize):
    out = []
    for i, p in enumerate(points):
        if any(math.isnan(v) for v in p):
            out.append(False)
            continue
        better = lambda a, b, mx: a > b if mx else a < b  # noqa: E731
        dominated = False
        for j, q in enumerate(points):
            if j == i or any(math.isnan(v) for v in q):
                continue
            no_worse = all(not better(pv, qv, mx) for pv, qv, mx in zip(p, q, maximize))
            strictly = any(better(qv, pv, mx) for pv, qv, mx in zip(p, q, maximize))
            dominated |= no_worse and strictly
        out.append(not dominated)
    return out


@pytest.mark.parametrize("seed", range(8))
def test_non_dominated_matches_definition(seed):
    rng = np.random.default_rng(seed)
    k = 2 + seed % 2
    points = rng.integers(0, 6, size=(40, k)).astype(float)  # small integers: many ties and duplicates
    points[rng.random(40) < 0.1, 0] = np.nan
    maximize = [bool(b) for b in rng.integers(0, 2, size=k)]
    assert non_dominated(points, maximize).tolist() == _brute_force_front(points.tolist(), maximize)


def test_non_dominated_small_cases():
    assert non_dominated([[1, 1], [2, 2], [1, 3]], (False, True)).tolist() == [False, False, True]
    assert non_dominated([[1, 1], [1, 1]], (False, False)).tolist() == [True, True]
    with pytest.raises(ValueError):
        non_dominated([[1, 2, 3]], (False, True))


def test_pareto_points_are_the_non_dominated_feasible_candidates():
    limits = {"energy": 100e-6, "latency": 0.3}
    cands = synthetic_candidates(3, n=80, constraints=limits)
    feasible = [c for c in cands if c["feasible"]]
    chosen = max(feasible, key=lambda c: c["accuracy"])["genotype"]
    fig = pareto(cands, xs=["energy_j", "latency_s"], constraints=limits, chosen=chosen)
    for ax, column, limit in zip(fig.axes, ("energy_j", "latency_s"), (100e-6, 0.3)):
        fx, fy = unit_factor(ax.get_xlabel()), unit_factor(fig.axes[0].get_ylabel())  # y shared
        coll = {c.get_label(): c for c in ax.collections if isinstance(c, PathCollection)}
        front = {tuple(np.round(p, 9)) for p in coll["Pareto front"].get_offsets() / [fx, fy]}
        mask = non_dominated([[c[column], c["accuracy"]] for c in feasible], (False, True))
        expected = {tuple(np.round((c[column], c["accuracy"]), 9)) for c, m in zip(feasible, mask) if m}
        assert front == expected and len(front) >= 2
        # every feasible candidate is drawn, infeasible ones (unscored) are grey ticks along the x axis
        assert len(coll["feasible"].get_offsets()) == len(feasible)
        rug = [line for line in ax.lines if line.get_label() == "infeasible (not scored)"][0]
        assert len(rug.get_xdata()) == len(cands) - len(feasible)
        assert to_hex(rug.get_color()) == "#bbbbbb"
        # constraint line at the limit, chosen star on the chosen candidate
        limit_lines = [line for line in ax.lines if line.get_linestyle() == "--"]
        assert [line.get_xdata()[0] / fx for line in limit_lines] == pytest.approx([limit])
        star = coll["chosen"].get_offsets()[0] / [fx, fy]
        c = next(c for c in cands if c["genotype"] == chosen)
        assert list(star) == pytest.approx([c[column], c["accuracy"]])


def test_pareto_uses_score_without_accuracy_and_greys_scored_infeasible():
    cands = synthetic_candidates(5, n=30, constraints={"energy": 80e-6})
    for i, c in enumerate(cands):
        c["accuracy"] = math.nan
        if not c["feasible"]:
            c["score"] = 500.0 + i  # a search that scores everything
    fig = pareto(cands, xs=["energy_j"], constraints={"energy": 80e-6})
    ax = fig.axes[0]
    assert ax.get_ylabel() == "Score"
    coll = {c.get_label(): c for c in ax.collections}
    assert len(coll["infeasible"].get_offsets()) == sum(not c["feasible"] for c in cands)
    assert to_hex(coll["infeasible"].get_edgecolor()[0]) == "#bbbbbb"


def test_pareto_memory_budget_in_parameters_goes_on_the_parameter_axis():
    from cimsim.plot import parse_constraints

    cands = synthetic_candidates(4, n=20)
    for c in cands:
        c["memory_bytes"] = c["params"] * 2  # 16-bit weights: bytes and parameters differ
    limits = parse_constraints("memory=1.5e5,energy=100uJ")  # bare number = parameters, as in the search
    fig = pareto(cands, constraints=limits)
    ax = next(a for a in fig.axes if a.get_visible() and a.get_xlabel().startswith("Parameters"))
    assert not any(a.get_xlabel().startswith("Memory") for a in fig.axes if a.get_visible())
    limit_lines = [line for line in ax.lines if line.get_linestyle() == "--"]
    assert [line.get_xdata()[0] for line in limit_lines] == pytest.approx([1.5e5])


def test_pareto_rejects_unknown_constraint():
    with pytest.raises(UserError, match="power"):
        pareto(synthetic_candidates(0), constraints={"power": 1.0})


# --------------------------------------------------------------------------------------------------- heatmap
def test_heatmap_cells_equal_the_sweep():
    rows = synthetic_sweep(1)
    rows = [r for r in rows if not (r["crossbar.rows"] == 256 and r["adc.bits"] == 5)]  # one missing point
    fig = heatmap(rows, "crossbar.rows", "adc.bits", "energy_j")
    ax = fig.axes[0]
    image = ax.images[0]
    factor = unit_factor(fig.axes[1].get_ylabel())  # colour bar label
    data = image.get_array()
    xs = [float(t.get_text()) for t in ax.get_xticklabels()]
    ys = [float(t.get_text()) for t in ax.get_yticklabels()]
    assert xs == [64, 128, 256, 512] and ys == [4, 5, 6, 7, 8]
    for r in rows:
        j, i = ys.index(r["adc.bits"]), xs.index(r["crossbar.rows"])
        assert data[j, i] / factor == pytest.approx(r["energy_j"], rel=1e-12)
    assert data.mask[ys.index(5), xs.index(256)]
    # the written cell values are the same numbers
    texts = {(round(t.get_position()[0]), round(t.get_position()[1])): float(t.get_text()) for t in ax.texts}
    for (i, j), value in texts.items():
        assert value == pytest.approx(data[j, i], rel=5e-3)  # written with 3 significant digits
    assert len(texts) == len(rows)
    # the best (lowest-energy) cell is outlined and named
    best = min(rows, key=lambda r: r["energy_j"])
    outlined = [p.get_xy() for p in ax.patches if p.get_label() == "best"]
    assert outlined == [(xs.index(best["crossbar.rows"]) - 0.5, ys.index(best["adc.bits"]) - 0.5)]


def test_sweep_grid_duplicates_need_an_aggregate():
    rows = synthetic_sweep(2) + [dict(r, **{"adc.bits": r["adc.bits"]}, energy_j=r["energy_j"] * 2)
                                 for r in synthetic_sweep(2)[:1]]
    with pytest.raises(UserError, match="agg"):
        sweep_grid(rows, "crossbar.rows", "adc.bits", "energy_j")
    _, _, grid = sweep_grid(rows, "crossbar.rows", "adc.bits", "energy_j", agg="max")
    assert grid[0, 0] == pytest.approx(rows[0]["energy_j"] * 2)
    with pytest.raises(UserError, match="no column"):
        sweep_grid(rows, "crossbar.cols", "adc.bits", "energy_j")


# ---------------------------------------------------------------------------------------------------- layout
def _all_figures(style):
    names = [f"features.block{i}.conv{i % 3}.quantized" for i in range(24)]
    report = synthetic_report(7, layer_names=names, extra_components=("photonic_io", "dac"))
    reports = [synthetic_report(s, hw=f"config-{s}-with-a-long-name") for s in range(4)]
    limits = {"energy": 100e-6, "area": 100e-6}
    cands = synthetic_candidates(7, constraints=limits)
    return {"breakdown": breakdown(report, style=style), "layers": layers(report, style=style),
            "compare": compare(reports, style=style), "compare_norm": compare(reports, normalize=True, style=style),
            "pareto": pareto(cands, constraints=limits, chosen=cands[0]["genotype"], style=style),
            "heatmap": heatmap(synthetic_sweep(7), "crossbar.rows", "adc.bits", "energy_j", style=style)}


@pytest.mark.parametrize("style", ["paper", "slides"])
def test_no_text_overlaps_or_sticks_out(style):
    for name, fig in _all_figures(style).items():
        assert layout_problems(fig) == {"overlapping": [], "clipped": []}, name
        width_in = fig.get_size_inches()[0]
        assert width_in == (3.5 if style == "paper" else 8.0)


def test_overlap_checker_finds_overlaps():
    fig = breakdown(synthetic_report(0))
    fig.axes[0].text(0, 0, "XXXXXXXX", transform=fig.axes[0].transAxes)
    fig.axes[0].text(0, 0, "YYYYYYYY", transform=fig.axes[0].transAxes)
    assert ("XXXXXXXX", "YYYYYYYY") in overlapping_texts(fig)


def test_slides_use_larger_fonts():
    paper, slides = breakdown(synthetic_report(0)), breakdown(synthetic_report(0), style="slides")
    assert slides.axes[0].xaxis.label.get_fontsize() >= 1.8 * paper.axes[0].xaxis.label.get_fontsize()


def test_pdf_embeds_truetype_and_svg_has_no_font_dependency(tmp_path):
    fig = breakdown(synthetic_report(0))
    pdf = save_figure(fig, tmp_path / "b.pdf").read_bytes()
    assert b"/FontFile2" in pdf and b"/Type3" not in pdf
    svg = save_figure(fig, tmp_path / "b.svg").read_text()
    assert "<text" not in svg and "<path" in svg  # glyphs as outlines: renders without the font installed
    png = save_figure(fig, tmp_path / "b.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n"


def test_same_input_gives_identical_files(tmp_path):
    for fmt in ("pdf", "svg"):
        blobs = {save_figure(heatmap(synthetic_sweep(0), "crossbar.rows", "adc.bits"),
                             tmp_path / f"c{i}.{fmt}").read_bytes() for i in range(2)}
        assert len(blobs) == 1, fmt
