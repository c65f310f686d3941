"""Fidelity: cimsim next to published figures (SpikeSim VGG9, DNN+NeuroSim V1.4 Table VII).

Usage::

    python benchmarks/fidelity.py [--no-neurosim] [--out benchmarks/fidelity.json]

Prints the same table as ``cimsim validate``; what is compared, and how a spiking run maps to each reference's
workload, is documented in :mod:`cimsim.validate`.
"""
from __future__ import annotations

import argparse
import json
from pathlib import Path

from cimsim.validate import format_table, validate


def run(seed: int = 0, neurosim: bool = True) -> dict:
    """Run the validation; returns its JSON-ready dict (rows with relative errors, notes, details)."""
    return validate(seed=seed, neurosim=neurosim).to_dict()


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--no-neurosim", action="store_true", help="skip the NeuroSim Table VII rows")
    ap.add_argument("--out", type=Path, default=None, help="write the comparison as JSON")
    args = ap.parse_args(argv)
    result = validate(seed=args.seed, neurosim=not args.no_neurosim)
    print(format_table(result))
    if args.out:
        args.out.write_text(json.dumps(result.to_dict(), indent=1, default=float))


if __name__ == "__main__":
    main()
