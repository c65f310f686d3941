"""Report: totals, breakdowns by component / stage / layer, activity counts; JSON + CSV + a terminal summary.

All numbers are SI (J, m2, s). ``totals.energy_j`` and ``totals.latency_s`` cover the whole run (``meta.samples``
inferences, pipelined); ``totals.energy_per_inference_j`` and ``totals.latency_per_inference_s`` are per
inference. Every breakdown sums to its total.
"""
from __future__ import annotations

import csv
import json
import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

REPORT_VERSION = "1"


@dataclass
class Report:
    meta: dict
    totals: dict
    breakdown: dict
    layers: list[dict]
    activity: dict
    fidelity: dict = field(default_factory=dict)
    accuracy: dict = field(default_factory=dict)
    """Accuracy on chip instances from the functional run (``cimsim simulate --chips N``), with which run each
    figure came from."""
    priced_table: list[dict] = field(default_factory=list)
    """The run's priced table (:meth:`cimsim.cost.price.PricedTable.as_list`): per component and action, energy
    per unit of the count it is charged per, time per action, area and leakage per instance, sources, and whether
    the figures are published at this design point or scaled by a model."""
    # not serialised: arrays of the run, for tests and further analysis
    outputs: Any = None
    predictions: Any = None
    spikes: Any = None

    def to_dict(self) -> dict:
        d = {"meta": self.meta, "totals": self.totals, "breakdown": self.breakdown, "layers": self.layers,
             "activity": self.activity}
        if self.fidelity:
            d["fidelity"] = self.fidelity
        if self.accuracy:
            d["accuracy"] = self.accuracy
        if self.priced_table:
            d["priced_table"] = self.priced_table
        return _plain(d)

    def write(self, out_dir: str | Path) -> Path:
        """Write ``report.json`` and ``report.csv`` (one row per layer) into ``out_dir``; returns the json path."""
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
        path = out / "report.json"
        tmp = path.with_suffix(".json.tmp")
        data = self.to_dict()
        try:  # strict JSON: Infinity and NaN are not JSON, and a report holding one is a bug upstream
            text = json.dumps(data, indent=1, allow_nan=False)
        except ValueError:
            raise ValueError(f"report field {_first_nonfinite(data)} is not a finite number") from None
        tmp.write_text(text)
        tmp.replace(path)
        with open(out / "report.csv", "w", newline="") as fh:
            # nested values (a layer's energy by component) are in report.json only
            keys = [k for k, v in self.layers[0].items() if not isinstance(v, dict)] if self.layers else []
            w = csv.DictWriter(fh, fieldnames=keys, extrasaction="ignore")
            w.writeheader()
            for row in self.layers:
                w.writerow(_plain(row))
        return path

    def summary(self) -> str:
        """A readable table (plain text) of totals, breakdowns and layers in mm2 / uJ / ms."""
        t = self.totals
        lines = [
            f"model {self.meta['model']} on {self.meta['hw']}  (T={self.meta['timesteps']}, samples={self.meta['samples']}, "
            f"{self.meta['accounting']} accounting{', ideal ADC' if self.meta.get('ideal_adc') else ''})",
            f"area {t['area_m2'] * 1e6:.3f} mm2 | energy/inference {t['energy_per_inference_j'] * 1e6:.3f} uJ | "
            f"latency/inference {t['latency_per_inference_s'] * 1e3:.4f} ms | {t['throughput_inf_per_s']:.1f} inf/s | "
            f"{t['energy_per_sop_j'] * 1e12:.3f} pJ/SOP",
        ]
        if "accuracy" in t:
            lines.append(f"accuracy {t['accuracy'] * 100:.2f}%")
        if self.fidelity:
            f = self.fidelity
            # one denominator: changed events (missing + spurious) against the ideal run's spike events
            changed, ideal = f["spikes_changed"], f["spikes_total"]
            share = f"{changed / ideal * 100:.3f}% of them" if ideal else "no ideal spikes"
            lines.append(f"ADC fidelity (per run): {changed} spike events changed vs {ideal} in the ideal run ({share}), "
                         f"predictions agree on {f['prediction_agreement'] * 100:.1f}%")
        per_run = f"per run of {self.meta['samples']} inference{'s' if self.meta['samples'] != 1 else ''}"
        for title, key, scale, unit in (("energy", "energy_j", 1e6, f"uJ, {per_run}"), ("area", "area_m2", 1e6, "mm2"),
                                        ("latency", "latency_s", 1e3, f"ms, {per_run}")):
            parts = self.breakdown[key]
            tot = sum(parts.values()) or 1.0
            row = ", ".join(f"{k} {v * scale:.4g} ({v / tot * 100:.0f}%)" for k, v in
                            sorted(parts.items(), key=lambda kv: -kv[1]) if v > 0)
            lines.append(f"{title} [{unit}]: {row}")
        lines.append(f"layers ({per_run}):")
        lines.append(f"{'layer':<14}{'xbars':>7}{'tiles':>6}{'spikes in':>11}{'energy uJ':>11}{'cycles':>10}")
        for L in self.layers:
            lines.append(f"{L['name']:<14}{L['crossbars']:>7}{L['tiles']:>6}{L['spikes_in']:>11}"
                         f"{L['energy_j'] * 1e6:>11.4f}{L['cycles']:>10}")
        return "\n".join(lines)

    def print_summary(self) -> None:
        from rich.console import Console
        from rich.table import Table

        con = Console()
        head = self.summary().split("\n")
        n_layer = len(self.layers)
        for line in head[: len(head) - n_layer - 1]:
            con.print(line, highlight=False, markup=False)
        tab = Table()  # the line before it says "layers (per run of N inferences):"
        tab.add_column("layer", overflow="fold")
        for col in ("crossbars", "tiles", "spikes in", "spikes out", "energy (uJ)", "busy cycles"):
            tab.add_column(col, justify="right")
        for L in self.layers:
            tab.add_row(L["name"], str(L["crossbars"]), str(L["tiles"]), str(L["spikes_in"]), str(L["spikes_out"]),
                        f"{L['energy_j'] * 1e6:.4f}", str(L["cycles"]))
        con.print(tab)


def _plain(x: Any) -> Any:
    if isinstance(x, dict):
        return {str(k): _plain(v) for k, v in x.items()}
    if isinstance(x, (list, tuple)):
        return [_plain(v) for v in x]
    if isinstance(x, np.integer):
        return int(x)
    if isinstance(x, np.floating):
        return float(x)
    if isinstance(x, np.ndarray):
        return x.tolist()
    return x


def _first_nonfinite(value, path: str = "") -> str:
    """Dotted path of the first NaN or infinity in a report's data ("" if none)."""
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, (list, tuple)):
        items = enumerate(value)
    else:
        return path if isinstance(value, float) and not math.isfinite(value) else ""
    for k, v in items:
        found = _first_nonfinite(v, f"{path}.{k}" if path else str(k))
        if found:
            return found
    return ""
