"""The NeuroNAS paper's comparison with SNASNet on CIFAR-10, CIFAR-100 and TinyImageNet-200, side by side.

A thin wrapper of ``neuronas reproduce`` (:mod:`neuronas.reproduce`) for those who run the benchmarks as scripts;
every option of that command is accepted here::

    python benchmarks/reproduce_paper.py --quick                  # 4 candidates, within 10 minutes on 2 cores
    python benchmarks/reproduce_paper.py                          # 48 candidates per search, within 90 minutes
    python benchmarks/reproduce_paper.py --quick --budget-s 120   # the same 120 s of search for both, per dataset
    python benchmarks/reproduce_paper.py --data-dir ~/data --epochs 5

Writes ``benchmarks/results/reproduce[_quick][_budget].json``, ``.md`` (the README's tables) and one figure per
dataset.
"""
from __future__ import annotations

import sys


def main(argv: "list[str] | None" = None) -> None:
    from neuronas.cli import main as neuronas_main

    neuronas_main(["reproduce", *(sys.argv[1:] if argv is None else argv)])


if __name__ == "__main__":
    main()
