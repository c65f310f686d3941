"""Search strategies timed side by side: their cells evaluated in turn, so that the load of a shared machine falls on
every side alike.

Timing two searches one after the other on a machine whose load comes and goes (other jobs, a CI runner) gives
each the load of its own minutes, and their ratio measures the machine as much as the methods. :func:`interleaved`
evaluates the sides' planned cells candidate by candidate, one cell of every side per round, the order rotating
each round; each side's wall and CPU time is the sum of its own evaluations (``Strategy.evaluate`` per cell, then
optionally ``after_search``). The study storage, the same for every strategy, is left out.

Used by ``neuronas reproduce`` (:mod:`neuronas.reproduce`) and ``benchmarks/bench_search.py``.
"""
from __future__ import annotations

import contextlib
import time
from dataclasses import dataclass, field
from typing import Callable, ContextManager


@dataclass
class Side:
    """One strategy's search in a side-by-side timing.

    Attributes
    ----------
    strategy: the :class:`~neuronas.search.strategy.Strategy`. evaluator: its
    :class:`~neuronas.search.evaluate.Evaluator`. plan: the cells it evaluates, in order.
    context: a context every one of its evaluations runs in (e.g.
    :func:`neuronas.models.neuron.torch_ops_only`).
    cands: the evaluated candidates, in plan order. wall_s / cpu_s: its evaluations' wall and CPU time (s).
    """

    strategy: object
    evaluator: object
    plan: list
    context: Callable[[], ContextManager] = contextlib.nullcontext
    cands: list = field(default_factory=list)
    wall_s: float = 0.0
    cpu_s: float = 0.0

    def timed(self, call: Callable[[], object]):
        """Run ``call`` in this side's context, adding its wall and CPU time to the side's."""
        w0, c0 = time.perf_counter(), time.process_time()
        with self.context():
            out = call()
        self.wall_s += time.perf_counter() - w0
        self.cpu_s += time.process_time() - c0
        return out

    def wants_more(self, budget_s: float | None) -> bool:
        """Cells left in the plan, and (with a budget) fewer than ``budget_s`` seconds of wall time used."""
        return len(self.cands) < len(self.plan) and (budget_s is None or self.wall_s < budget_s)


def interleaved(sides: dict[str, Side], budget_s: float | None = None, after_search: bool = False) -> dict[str, Side]:
    """Evaluate every side's plan in turn (module docstring); ``sides`` are updated in place and returned.

    Parameters
    ----------
    budget_s: a side stops starting cells once its evaluations used this many seconds of wall time (the cell under
        way finishes, so a side can exceed it by one cell); None: every planned cell.
    after_search: finally run each side's ``strategy.after_search`` on its candidates (timed, e.g. SNASNet's
        hardware check of its best-scored cells).
    """
    names = list(sides)
    rnd = 0
    while True:
        active = [n for n in names if sides[n].wants_more(budget_s)]
        if not active:
            break
        k = rnd % len(active)
        for name in active[k:] + active[:k]:
            side = sides[name]
            i = len(side.cands)
            side.cands.append(side.timed(lambda: side.strategy.evaluate(side.evaluator, side.plan[i], i)))
        rnd += 1
    if after_search:
        for side in sides.values():
            side.timed(lambda: side.strategy.after_search(side.cands, side.evaluator))
    return sides
