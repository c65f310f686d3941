"""Write ``tests/golden/reports.json``: totals, breakdowns, layers and activity of the presets' reference runs.

Run it only when a change of the simulator's numbers is intended, and say why in the commit:
``python tests/golden/make_golden.py``. ``tests/test_golden_reports.py`` compares every run against the file.
"""
from __future__ import annotations

import json
from pathlib import Path

#: (name, simulate() keyword arguments): the three presets on vgg9 and vgg8, plus the accounting modes and ADC
#: options that change the counting path.
CASES = [
    (f"{hw}/{model}", dict(model=model, hw=hw, timesteps=2, samples=2, spike_rate=0.1, seed=0))
    for hw in ("spikesim_rram_65nm", "neurosim_rram_22nm", "isaac_rram_32nm") for model in ("vgg9", "vgg8")
] + [
    ("spikesim_rram_65nm/vgg9/dense", dict(model="vgg9", hw="spikesim_rram_65nm", timesteps=2, samples=2,
                                           spike_rate=0.1, seed=1, accounting="dense")),
    ("neurosim_rram_22nm/vgg9/all_groups", dict(model="vgg9", hw="neurosim_rram_22nm", timesteps=2, samples=2,
                                                spike_rate=0.1, seed=2, accounting="all_groups")),
    ("spikesim_rram_65nm/vgg9/ideal_adc", dict(model="vgg9", hw="spikesim_rram_65nm", timesteps=2, samples=2,
                                               spike_rate=0.2, seed=3, ideal_adc=True)),
]

PATH = Path(__file__).with_name("reports.json")


def summary(report) -> dict:
    """The numbers a refactor must keep: totals, breakdowns, per-layer energy/cycles/counts, activity, fidelity."""
    layers = {row["name"]: {k: v for k, v in row.items() if isinstance(v, (int, float)) or k == "energy_by_component_j"}
              for row in report.layers}
    return {"totals": report.totals, "breakdown": report.breakdown, "layers": layers, "activity": report.activity,
            "fidelity": {k: v for k, v in (report.fidelity or {}).items() if k != "reference"}}


def run_case(kwargs: dict) -> dict:
    import cimsim

    kwargs = dict(kwargs)
    return summary(cimsim.simulate(kwargs.pop("model"), **kwargs))


if __name__ == "__main__":
    data = {name: run_case(kw) for name, kw in CASES}
    PATH.write_text(json.dumps(data, indent=1, sort_keys=True) + "\n")
    print(f"wrote {PATH} ({len(data)} runs)")
