"""DNN+NeuroSim V1.4's current code (commit ac828e6) over its design space: 21 VGG-8 points, like for like.

The reference is ``benchmarks/reference/neurosim_v14_ac828e6.json`` (NeuroSim's printed numbers for our own
synthetic traces; how they were produced is in ``neurosim_v14_ac828e6.md``). Each point varies one or two of:
subarray size (64/128/256), sense-amp bits (3-6), parallel rows (16-128), node (22-130 nm), bits per cell (1, 2),
RRAM or SRAM, input-bit density. We run the preset ``neurosim_rram_22nm`` with the same parameters
(:func:`point_overrides`; the preset's design point is NeuroSim's release commit, so its published figures are moved
by the component models, never fitted per point) on the same workload as :mod:`cimsim.validate.neurosim`: VGG-8
with T = 8 binary timesteps for NeuroSim's 8 bit-serial input planes, ``all_groups`` accounting, each layer's energy
and ADC-side cycles scaled to NeuroSim's unpadded positions. The clock is an input here and an output of NeuroSim
(its sensing path): every point runs at the clock NeuroSim printed for it, so latencies compare cycle counts.

Compared per point (:data:`METRICS`): the chip area as the floorplan's bounding boxes (NeuroSim's printed chip
area) and as the sum of components (its five printed categories), the array / sense-amp / accumulation / other
area categories, the sense-amp, accumulation and array-side dynamic energy per image, and the sense-amp latency of
the slowest layer. Shown, not held to the goal (named differences): interconnect area, total dynamic energy
(a spiking layer moves partial sums and spikes every timestep, NeuroSim once per image), leakage, and the pipeline
cycle (NeuroSim serialises buffer and bus transfers after compute; ours overlap). Trend rows check that each
like-for-like figure moves in NeuroSim's direction along each swept parameter (:data:`SWEEPS`).
"""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from cimsim.errors import UserError
from cimsim.validate.base import GOAL, TOLERANCE, Row, Validation

REFERENCE = Path(__file__).resolve().parents[2] / "benchmarks" / "reference" / "neurosim_v14_ac828e6.json"
GRID_SOURCE = "neurosim_v14_code: DNN+NeuroSim V1.4 commit ac828e6, printed output for our VGG-8 traces"
#: Preset parameters NeuroSim's repository default differs in from the release commit the preset was built at; and
#: room for VGG-8 on 64x64 subarrays (549 tiles; a run's area counts the tiles it uses).
CURRENT_CODE = {"variables.ron_ohms": 100e3, "tiles": 1024}
#: Our breakdown keys per NeuroSim area category.
AREA_KEYS = {
    "cim_array": ("crossbar",),
    "adc": ("adc",),
    "accumulation": ("shift_add", "accumulator"),
    "other_periphery": ("other", "mux", "wl_driver", "pe_buffer", "tile_buffer", "global_buffer", "lif_unit"),
    "interconnect": ("htree", "router"),
}
#: Our energy keys per NeuroSim energy figure (array side: NeuroSim's ADC + accumulation + other - buffers - IC).
#: NeuroSim's ADC category holds the array's wordline energy (``readDynamicEnergyArray``, neurosim_code).
ENERGY_KEYS = {"adc": ("adc", "crossbar"), "accumulation": ("shift_add", "accumulator"),
               "array_side": ("adc", "mux", "wl_driver", "shift_add", "accumulator", "crossbar")}
#: (metric, unit, like for like, note).
METRICS = (
    ("chip area (bounding boxes)", "mm2", True, "NeuroSim's printed chip area: subarray bounding boxes"),
    ("used area without interconnect", "mm2", True, "array + ADC + accumulation + other periphery"),
    ("chip area (sum of components)", "mm2", False, "NeuroSim's five printed categories, interconnect included"),
    ("CIM array area", "mm2", True, "cells of the subarrays of the tiles used"),
    ("ADC area", "mm2", True, "sense amps + encoders"),
    ("accumulation area", "mm2", True, "shift-adders, partial-sum adders, adder trees"),
    ("other periphery area", "mm2", True, "level shifters, switch matrices, muxes, decoders, buffers"),
    ("ADC energy", "uJ", True, "sense amps + wordlines (NeuroSim's ADC category), per image at its positions"),
    ("accumulation energy", "uJ", True, "per image, at NeuroSim's positions"),
    ("array-side energy", "uJ", True, "ADC + accumulation + other - buffers - IC"),
    ("ADC latency", "us", True, "slowest layer's sense-amp time at NeuroSim's clock"),
    ("interconnect area", "mm2", False, "NeuroSim's 9-PE tiles size their H-trees for a 9 x 9 PE grid"),
    ("dynamic energy", "uJ", False, "spikes and partial sums move every timestep (NeuroSim: once per image)"),
    ("leakage energy", "uJ", False, "NeuroSim: leakage power x its serial pipeline time; preset: no leakage"),
    ("latency per image", "us", False, "NeuroSim serialises buffer and bus transfers after compute"),
)
#: Swept parameter -> the points along it, in increasing order of the parameter.
SWEEPS = {
    "subarray size": ("subarray64", "default", "subarray256"),
    "ADC bits": ("adc3", "default", "adc5", "adc6"),
    "parallel rows": ("par16", "default", "par64", "par128"),
    "parallel rows (5-bit)": ("adc5", "adc5_par64", "rram_adc5_par128"),
    "parallel rows (SRAM)": ("sram", "sram_par64"),
    "technology node": ("default", "tech32", "tech45", "tech65", "tech90", "tech130"),
    "bits per cell": ("default", "cellbit2"),
    "RRAM -> SRAM": ("default", "sram"),
    "input density": ("density0.1", "default", "density0.5"),
}
#: A relative change below this is "flat" for the trend check (NeuroSim's own run-to-run rounding is far below).
FLAT = 0.01


@lru_cache(maxsize=1)
def load_reference(path: str | None = None) -> dict:
    """The stored reference grid (JSON)."""
    p = Path(path) if path else REFERENCE
    if not p.is_file():
        raise UserError(f"NeuroSim reference grid not found at {p} (it ships with the source repository)")
    return json.loads(p.read_text())


def point_overrides(cfg: dict) -> dict:
    """Preset overrides (dotted paths) for one reference point's configuration ``cfg``."""
    over = dict(CURRENT_CODE)
    over.update({"variables.xbar": cfg["subarray_rows"], "variables.rows_parallel": cfg["parallel_rows"],
                 "variables.adc_bits": cfg["adc_bits"], "technology_nm": cfg["technode_nm"],
                 "crossbar.bits_per_cell": cfg["cell_bits"]})
    if cfg["device"] == "SRAM":
        # 6T cell (280 F^2); SRAM writes at Vdd, so NeuroSim instantiates no write level shifters
        over.update({"crossbar.device": "sram", "variables.write_level_shifters": 0})
    return over


def their_figures(res: dict) -> dict:
    """NeuroSim's figures of one point (mm2, uJ, us), named as :data:`METRICS`."""
    a, s = {k: v / 1e6 for k, v in res["area_um2"].items()}, res["summary"]
    e = s["energy_breakdown_pJ"]
    side = (e["adc"] + e["accumulation"] + e["other_periphery"] - s["ic_dynamic_energy_pJ"]
            - s["buffer_dynamic_energy_pJ"])
    return {
        "chip area (bounding boxes)": a["chip"],
        "chip area (sum of components)": sum(a[k] for k in AREA_KEYS),
        "used area without interconnect": sum(a[k] for k in AREA_KEYS if k != "interconnect"),
        "CIM array area": a["cim_array"], "ADC area": a["adc"], "accumulation area": a["accumulation"],
        "other periphery area": a["other_periphery"], "interconnect area": a["interconnect"],
        "ADC energy": e["adc"] / 1e6, "accumulation energy": e["accumulation"] / 1e6, "array-side energy": side / 1e6,
        "ADC latency": s["latency_breakdown_ns"]["adc"] / 1e3,
        "dynamic energy": s["dynamic_energy_per_image_pJ"] / 1e6,
        "leakage energy": s["leakage_energy_per_image_pJ"] / 1e6,
        "latency per image": s["latency_per_image_ns"] / 1e3,
    }


def run_point(graph, point: dict, seed: int = 0):
    """Our run of one reference point (a :class:`cimsim.report.Report`)."""
    import cimsim

    cfg = point["config"]
    over = point_overrides(cfg)
    over["clock_hz"] = 1.0 / (point["results"]["summary"]["clock_period_ns"] * 1e-9)
    return cimsim.simulate(graph, hw="neurosim_rram_22nm", timesteps=8, seed=seed, ideal_adc=True, fidelity=False,
                           spike_rate=cfg["activation_density"], overrides=over)


def our_figures(report, scale: dict) -> dict:
    """Our figures of one run, named as :data:`METRICS`; ``scale``: layer -> NeuroSim's positions / ours."""
    area = {k: v * 1e6 for k, v in report.breakdown["area_m2"].items()}
    n = report.meta["samples"]
    per = {L["name"]: L["energy_by_component_j"] for L in report.layers}

    def energy(keys):
        return sum(scale[name] * sum(e.get(k, 0.0) for k in keys) for name, e in per.items()) / n * 1e6

    cycle = 1.0 / report.meta["clock_hz"]
    out = {"chip area (bounding boxes)": report.totals["floorplan_area_m2"] * 1e6,
           "chip area (sum of components)": report.totals["area_m2"] * 1e6,
           "dynamic energy": sum(scale[L["name"]] * L["energy_j"] for L in report.layers) / n * 1e6,
           "leakage energy": report.breakdown["energy_j"].get("leakage", 0.0) / n * 1e6,
           "latency per image": report.totals["latency_per_inference_s"] * 1e6,
           "ADC latency": max(scale[L["name"]] * L["array_cycles"] for L in report.layers) / n * cycle * 1e6}
    names = {"cim_array": "CIM array area", "adc": "ADC area", "accumulation": "accumulation area",
             "other_periphery": "other periphery area", "interconnect": "interconnect area"}
    for cat, keys in AREA_KEYS.items():
        out[names[cat]] = sum(area.get(k, 0.0) for k in keys)
    out["used area without interconnect"] = out["chip area (sum of components)"] - out["interconnect area"]
    for name, keys in (("ADC energy", ENERGY_KEYS["adc"]), ("accumulation energy", ENERGY_KEYS["accumulation"]),
                       ("array-side energy", ENERGY_KEYS["array_side"])):
        out[name] = energy(keys)
    return out


def grid_figures(seed: int = 0, names: tuple[str, ...] | None = None) -> dict[str, tuple[dict, dict]]:
    """Point name -> (our figures, NeuroSim's figures) for every reference point (or those in ``names``)."""
    from cimsim.validate.neurosim import neurosim_positions
    from cimsim.validate.workloads import vgg_variant

    graph = vgg_variant("vgg8", seed=seed, weight_bits=8, max_pool=True, drop_fc=False)
    scale = {k: theirs / ours for k, (ours, theirs) in neurosim_positions(graph).items()}
    out = {}
    for p in load_reference()["points"]:
        if names is None or p["name"] in names:
            out[p["name"]] = (our_figures(run_point(graph, p, seed), scale), their_figures(p["results"]))
    return out


def _sign(a: float, b: float) -> int:
    d = (b - a) / abs(a) if a else b - a
    return 0 if abs(d) < FLAT else (1 if d > 0 else -1)


def trend_checks(figs: dict) -> list[tuple[str, str, str, int, int]]:
    """(sweep, step, metric, our sign, their sign) of every step of every sweep, like-for-like metrics only."""
    out = []
    for sweep, names in SWEEPS.items():
        if not all(n in figs for n in names):
            continue
        for a, b in zip(names, names[1:]):
            for metric, _u, lfl, _n in METRICS:
                if lfl:
                    ours = _sign(figs[a][0][metric], figs[b][0][metric])
                    theirs = _sign(figs[a][1][metric], figs[b][1][metric])
                    out.append((sweep, f"{a} -> {b}", metric, ours, theirs))
    return out


def trend_ok(ours: int, theirs: int) -> bool:
    """Same direction; a flat NeuroSim step accepts a flat or small change of ours."""
    return ours == theirs or theirs == 0


def statistics(rows: list[Row], trends: list) -> dict:
    """Counts of like-for-like rows within the goal and the tolerance, and of trends of the right sign."""
    lfl = [r for r in rows if r.like_for_like]
    return {"like_for_like": len(lfl), "within_goal": sum(abs(r.rel_error) <= GOAL for r in lfl),
            "within_tolerance": sum(abs(r.rel_error) <= TOLERANCE for r in lfl),
            "worst": max((abs(r.rel_error) for r in lfl), default=0.0),
            "trends": len(trends), "trends_right": sum(trend_ok(o, t) for *_x, o, t in trends)}


def grid_rows(figs: dict) -> list[Row]:
    """One :class:`Row` per point and metric (:data:`METRICS`), in point order."""
    return [Row(f"NeuroSim grid {name}", metric, unit, ours[metric], theirs[metric], lfl, note)
            for name, (ours, theirs) in figs.items() for metric, unit, lfl, note in METRICS]


def summary_line(stats: dict) -> str:
    """The statistics as one sentence (``cimsim validate``'s note and the README table's last line)."""
    return (f"{stats['within_goal']} of {stats['like_for_like']} like-for-like figures within {GOAL:.0%}, "
            f"{stats['within_tolerance']} within {TOLERANCE:.0%} (worst {stats['worst']:.0%}); "
            f"{stats['trends_right']} of {stats['trends']} trend steps in NeuroSim's direction")


def validate_neurosim_grid(seed: int = 0, figs: dict | None = None) -> Validation:
    """Every reference point side by side (module docstring), trend rows and the error statistics; ``figs``: the
    output of :func:`grid_figures` when already computed. ``extra["neurosim_grid"]["statistics"]`` is the one
    count ``cimsim validate`` and ``benchmarks/compare_neurosim.py --markdown`` both print."""
    figs = grid_figures(seed) if figs is None else figs
    v = Validation(rows=grid_rows(figs))
    trends = trend_checks(figs)
    wrong = [t for t in trends if not trend_ok(t[3], t[4])]
    stats = statistics(v.rows, trends)
    v.extra["neurosim_grid"] = {"statistics": stats, "trends_wrong": wrong,
                                "source": GRID_SOURCE, "overrides": {k: point_overrides(
                                    p["config"]) for k, p in ((p["name"], p) for p in load_reference()["points"])}}
    v.notes.append(
        f"NeuroSim grid ({len(figs)} points of its current code): {summary_line(stats)}"
        + ("" if not wrong else "; wrong: " + ", ".join(f"{m} along {s} ({st})" for s, st, m, *_x in wrong)) + ".")
    return v
