"""Hardware/architecture co-design on digits, as a script to copy and adapt.

Sweeps the ADC resolution and the bits stored per RRAM cell of the SpikeSim 65 nm preset against a few cells of
the NeuroNAS space, prints the joint Pareto front (energy, latency, area vs SAHD score) and the best pair under
the budgets, then runs a short hardware-aware search on the best hardware point.

    python examples/codesign_digits.py [--out out/codesign_digits] [--search-candidates 12]
"""
from __future__ import annotations

import argparse
from pathlib import Path

import yaml

from neuronas.search import SearchSettings, run_codesign, run_search
from neuronas.search.codesign import format_codesign
from neuronas.search.finalize import format_summary

BUDGETS = "memory=1.2e5,area=20mm2,latency=1ms,energy=2uJ"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="out/codesign_digits")
    ap.add_argument("--search-candidates", type=int, default=12)
    args = ap.parse_args()
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)

    # 1. the sweep, written as YAML so that it can be rerun with `neuronas codesign`
    sweep = {
        "dataset": "digits", "hw": "spikesim_rram_65nm", "constraints": BUDGETS, "channels": 16, "seed": 0,
        "hardware": {"adc.bits": [3, 4, 6], "crossbar.bits_per_cell": [2, 4]},
        "architectures": {"genotypes": ["conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"], "sample": 3,
                          "ops": "neuronas"},
    }
    sweep_path = out / "sweep.yaml"
    sweep_path.write_text(yaml.safe_dump(sweep, sort_keys=False))
    result = run_codesign(sweep_path, out=out / "sweep")
    print(format_codesign(result))
    print("Pareto front (energy uJ, latency ms, area mm2, SAHD):")
    for r in result["pareto_front"]:
        print(f"  adc.bits={r['adc.bits']} bits_per_cell={r['crossbar.bits_per_cell']}  {r['genotype']:55s} "
              f"{r['energy_j'] * 1e6:7.3f} {r['latency_s'] * 1e3:7.3f} {r['area_m2'] * 1e6:7.2f} {r['score']:8.2f}")

    # 2. a short NeuroNAS search on the hardware point of the best pair
    best = result["best"]
    overrides = {k: best[k] for k in result["variables"]}
    settings = SearchSettings(dataset="digits", hw="spikesim_rram_65nm", hw_overrides=overrides, constraints=BUDGETS,
                              candidates=args.search_candidates, top_k=1, train_epochs=2, out=str(out / "search"))
    print(format_summary(run_search(settings)))


if __name__ == "__main__":
    main()
