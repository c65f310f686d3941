"""Strategies that evaluate a fixed, seeded list of cells: ``neuronas``, ``snasnet`` and ``random``.

They differ in the operation set and in how a cell is measured. The list (``planned_genotypes``) is a pure
function of the settings, so workers share it by index and a resumed search evaluates exactly the missing indices.
"""
from __future__ import annotations

import math
import time

from neuronas.search import storage as st
from neuronas.search.candidate import Candidate
from neuronas.search.cells import planned_genotypes
from neuronas.search.strategy import Proposal, Strategy, register


def _index_of(trial) -> int | None:
    v = trial.user_attrs.get("index")
    return None if v is None else int(v)


def _wait_for_earlier_claims(study, number: int, wait_s: float = 30.0) -> None:
    """Return once every RUNNING trial numbered below ``number`` carries its genotype (the last attribute
    :func:`neuronas.search.storage.claim` writes), or after ``wait_s`` seconds (a worker that died mid-claim; the
    dead-trial sweep fails its trial)."""
    t_end = time.monotonic() + wait_s
    while time.monotonic() < t_end:
        if all("genotype" in t.user_attrs for t in st.running(study) if t.number < number):
            return
        time.sleep(0.05)


class IndexedStrategy(Strategy):
    """Candidate ``i`` is the ``i``-th of the first N distinct random cells (:func:`planned_genotypes`)."""

    indexed = True

    def plan(self) -> tuple[str, ...]:
        s = self.settings
        return planned_genotypes(s.seed, s.op_set, s.candidates)

    def target_count(self) -> int:
        """N, or the number of distinct cells when the space is smaller."""
        return len(self.plan())

    def propose(self, study, worker: int, n_workers: int) -> Proposal | None:
        """The first index neither finished nor running, preferring indices ``i % n_workers == worker``."""
        from optuna.trial import TrialState

        plan = self.plan()
        for _ in range(50):
            done = {_index_of(t) for t in st.finished(study)}
            busy = {_index_of(t) for t in st.running(study)}
            free = [i for i in range(len(plan)) if i not in done and i not in busy]
            if not free:
                return None
            mine = [i for i in free if i % n_workers == worker] or free
            i = mine[0]
            trial = st.claim(study, index=i, genotype=plan[i])
            # two workers may claim the same index at once: the smaller trial number keeps it. A claim is a new
            # trial first and its index a moment later, so wait until every earlier claim has recorded its index
            _wait_for_earlier_claims(study, trial.number)
            rivals = [t for t in st.running(study) + st.finished(study)
                      if _index_of(t) == i and t.number < trial.number]
            if rivals:
                study.tell(trial, state=TrialState.FAIL)
                continue
            return Proposal(trial, plan[i], i)
        return None


@register
class NeuroNAS(IndexedStrategy):
    """NeuroNAS: N distinct random cells of the pruned operation set (avg-pool removed); constraint-first: memory
    -> mapping (fit, area) -> simulation (area, latency, energy); only feasible cells get the SAHD score."""

    name = "neuronas"
    default_ops = "neuronas"


@register
class SNASNet(IndexedStrategy):
    """The SNASNet baseline: N distinct random cells of the full operation set, the SAHD score of every cell and no
    hardware check during the search; hardware is checked afterwards, in score order (:meth:`after_search`)."""

    name = "snasnet"
    default_ops = "snasnet"

    def evaluate(self, ev, genotype: str, index: int = -1) -> Candidate:
        """Parameters (free: the network is built anyway; not used to filter) and the SAHD score."""
        g = ev.canonical(genotype)
        c = Candidate(genotype=str(g), index=index)
        mem = ev.memory(g)
        c.params, c.memory_bytes = mem["params"], mem["memory_bytes"]
        c.score, c.score_time_s = ev.score(g)
        c.stage, c.failed, c.message = "score", ["unchecked"], "hardware is checked after the search"
        return c

    def after_search(self, cands: list[Candidate], ev) -> None:
        """Hardware of the best-scored cells, in score order, until ``max(1, top_k)`` are feasible."""
        want = max(1, self.settings.top_k)
        found = 0
        for c in sorted(cands, key=lambda c: -c.score if math.isfinite(c.score) else math.inf):
            if found >= want:
                break
            c.apply_hardware(ev.hardware(c.genotype, stop_early=True))
            if c.feasible:
                c.stage = "score"
            found += c.feasible


@register
class RandomSearch(IndexedStrategy):
    """N distinct random cells of the full operation set, everything measured for every cell (hardware without
    early stop, the score even when infeasible): the complete picture for Pareto plots."""

    name = "random"
    default_ops = "snasnet"

    def evaluate(self, ev, genotype: str, index: int = -1) -> Candidate:
        c = Candidate(genotype=str(ev.canonical(genotype)), index=index)
        c.apply_hardware(ev.hardware(c.genotype, stop_early=False))
        c.score, c.score_time_s = ev.score(c.genotype)
        c.stage = "score"
        return c
