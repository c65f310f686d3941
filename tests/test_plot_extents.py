"""Every figure kind keeps every text inside its canvas with long names everywhere (titles, axis labels, tick
labels, legends, annotations); legends list only what the figure draws; comparisons of a small and a large
model switch to a log scale instead of writing 'x0.00'."""
from __future__ import annotations

import json

import pytest
from matplotlib.transforms import Bbox

import cimsim.plot.write as write
from cimsim.cli import main
from cimsim.plot import breakdown, compare, heatmap, layers, pareto
from cimsim.plot.style import component_label
from helpers.check import visible_texts
from helpers.synthetic import synthetic_candidates, synthetic_report, synthetic_sweep

LONG_MODEL = "snasnet-cifar10-searched-genotype-with-a-very-long-descriptive-name"
LONG_HW = "spikesim_rram_65nm_with_eight_bit_adcs_and_a_long_override_suffix"
LONG_COMPONENTS = ("photonic_interposer_serdes_block", "third_party_sram_compiler_macro_with_bist", "dac")


def _reports(n=4, **kw):
    return [synthetic_report(s, model=LONG_MODEL, hw=f"{LONG_HW}-variant-{s}", extra_components=LONG_COMPONENTS, **kw)
            for s in range(n)]


def _sweep():
    rows = synthetic_sweep(3)
    for r in rows:
        r["tile.lif.membrane_bits_of_the_neuron_unit"] = r.pop("crossbar.rows")
        r["adc.bits_per_conversion_at_the_column"] = r.pop("adc.bits")
    return rows


def _figures(style):
    names = [f"features.stage{i}.residual_block_with_long_name{i}.conv_{i % 3}.quantized" for i in range(30)]
    report = synthetic_report(7, model=LONG_MODEL, hw=LONG_HW, layer_names=names, extra_components=LONG_COMPONENTS)
    small, large = synthetic_report(1, model="tiny", hw=LONG_HW), synthetic_report(2, model=LONG_MODEL, hw=LONG_HW)
    for q, factor in (("energy_j", 1e4), ("area_m2", 300.0), ("latency_s", 1e3)):
        large["totals"][q] *= factor
        large["breakdown"][q] = {k: v * factor for k, v in large["breakdown"][q].items()}
    for key in ("energy_per_inference_j", "latency_per_inference_s"):
        large["totals"][key] *= 1e4 if key.startswith("energy") else 1e3
    limits = {"energy": 100e-6, "area": 100e-6}
    cands = synthetic_candidates(7, constraints=limits)
    sweep = _sweep()
    x, y = "tile.lif.membrane_bits_of_the_neuron_unit", "adc.bits_per_conversion_at_the_column"
    return {
        "breakdown": breakdown(report, style=style),
        "layers": layers(report, style=style),
        "compare": compare(_reports(), style=style),
        "compare_normalized": compare(_reports(), normalize=True, style=style),
        "compare_small_large": compare([small, large], style=style),
        "compare_small_large_normalized": compare([small, large], normalize=True, style=style),
        "pareto": pareto(cands, constraints=limits, chosen=cands[0]["genotype"], style=style),
        "heatmap": heatmap(sweep, x, y, "energy_j", style=style),
    }


@pytest.mark.parametrize("style", ["paper", "slides"])
def test_every_text_lies_inside_the_figure(style):
    outside = {}
    for name, fig in _figures(style).items():
        fig.canvas.draw()
        renderer = fig.canvas.get_renderer()
        frame = Bbox.from_bounds(-0.5, -0.5, fig.bbox.width + 1.0, fig.bbox.height + 1.0)
        for t in visible_texts(fig, draw=False):
            box = t.get_window_extent(renderer)
            if not (frame.contains(*box.p0) and frame.contains(*box.p1)):
                outside.setdefault(name, []).append(t.get_text())
    assert outside == {}


def _legend_texts(fig):
    legends = list(fig.legends) + [ax.get_legend() for ax in fig.axes if ax.get_legend() is not None]
    return {t.get_text() for leg in legends for t in leg.get_texts()}


def test_legends_list_only_components_drawn():
    report = synthetic_report(0, extra_components=("photonic_io", "dac"))
    for q in report["breakdown"].values():
        if "photonic_io" in q:
            q["photonic_io"] = 0.0
    assert "dac" in report["breakdown"]["energy_j"]
    for fig in (breakdown(report), compare([report, synthetic_report(1)]),
                breakdown(report, quantities=("latency_s",))):
        drawn = {c.get_label() for ax in fig.axes for c in ax.containers
                 if any(p.get_width() > 0 for p in c.patches)}
        assert _legend_texts(fig) == {component_label(n) for n in drawn}
        assert "photonic io" not in _legend_texts(fig)
    assert "DAC" not in _legend_texts(breakdown(report, quantities=("latency_s",)))


def test_small_and_large_models_compare_on_a_log_scale():
    small, large = synthetic_report(1, model="tiny"), synthetic_report(2, model="huge")
    for q in ("energy_j", "area_m2", "latency_s"):
        large["breakdown"][q] = {k: v * 1e4 for k, v in large["breakdown"][q].items()}
        large["totals"][q] *= 1e4
    large["totals"]["energy_per_inference_j"] *= 1e4
    large["totals"]["latency_per_inference_s"] *= 1e4
    for normalize in (False, True):
        auto = compare([small, large], normalize=normalize)
        assert all(ax.get_xscale() == "log" for ax in auto.axes if ax.containers)
        texts = [t.get_text() for ax in auto.axes for t in ax.texts]
        assert not any("0.00" in t for t in texts), texts
        linear = compare([small, large], normalize=normalize, log=False)
        assert all(ax.get_xscale() == "linear" for ax in linear.axes if ax.containers)
    near = compare([synthetic_report(1), synthetic_report(2)])
    assert all(ax.get_xscale() == "linear" for ax in near.axes if ax.containers)
    assert all(ax.get_xscale() == "log" for ax in compare([synthetic_report(1), synthetic_report(2)], log=True).axes
               if ax.containers)


def test_normalized_axis_label_names_quantity_per_inference_and_baseline():
    reports = _reports(2)
    fig = compare(reports, normalize=True)
    labels = [ax.get_xlabel().replace("\n", " ") for ax in fig.axes if ax.containers]
    assert labels[1].startswith("Energy / inference") and "relative to" in labels[1]
    assert labels[0].startswith("Area") and "inference" not in labels[0]


def test_cli_log_and_linear_options(tmp_path, monkeypatch):
    paths = []
    for i in range(2):
        paths.append(tmp_path / f"r{i}.json")
        paths[-1].write_text(json.dumps(synthetic_report(i, hw=f"hw{i}")))
    scales = []
    real = write.compare
    monkeypatch.setattr(write, "compare", lambda *a, **k: scales.append(k["log"]) or real(*a, **k))
    for flag, want in (("--log", True), ("--linear", False), (None, None)):
        args = ["plot", *map(str, paths), "--kind", "compare", "--format", "png", "--out", str(tmp_path / "f")]
        try:
            main(args + ([flag] if flag else []))
        except SystemExit as exc:
            assert exc.code in (0, None)
        assert scales[-2:] == [want, want]
