"""Seeded local search: best-first hill climbing over one-pair changes of the best feasible cells, constraint-first."""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from neuronas.search import storage as st
from neuronas.search.candidate import Candidate
from neuronas.search.cells import genotype_from_states, pair_states, states_of
from neuronas.search.strategy import Proposal, Strategy, register
from neuronas.space import PAIRS, Genotype, sample


@lru_cache(maxsize=4096)
def neighbours(genotype: str, ops: str) -> tuple[str, ...]:
    """Every valid canonical cell one pair-state change away from ``genotype`` (itself excluded), sorted."""
    g = Genotype.parse(genotype).canonical()
    base = states_of(g)
    out = set()
    for k in range(len(PAIRS)):
        for state in pair_states(ops):
            if state == base[k]:
                continue
            child = genotype_from_states(base[:k] + [state] + base[k + 1:])
            if child.is_valid():
                out.add(str(child.canonical()))
    out.discard(str(g))
    return tuple(sorted(out))


@register
class LocalSearch(Strategy):
    """``population`` random cells, then hill climbing: a not yet evaluated neighbour (:func:`neighbours`) of the
    best-scored feasible candidate so far; when its neighbourhood is exhausted, of the next best; when no feasible
    candidate has a new neighbour, a random cell (a restart). Pruned operation set; constraint-first, so the climb
    only ever starts from cells within every budget. A cell with few live edges has few neighbours (an edge into a
    dead node canonicalises away), so climbs from such cells end, and restart, early.

    Trial ``n`` picks among the free neighbours with ``numpy.random.default_rng([seed, n])`` and draws random
    cells from ``[seed, n, attempt]``: the same study replays the same climb.
    """

    name = "local"
    default_ops = "neuronas"

    def propose(self, study, worker: int, n_workers: int) -> Proposal | None:
        hist = st.candidates_of(study)
        running = st.running(study)
        if len(hist) + len(running) >= self.target_count():
            return None
        taken = {c.genotype for c in hist} | {t.user_attrs["genotype"] for t in running if "genotype" in t.user_attrs}
        trial = st.claim(study)
        g = self.next_cell(hist, taken, trial.number)
        trial.set_user_attr("genotype", g)
        return Proposal(trial, g, trial.number)

    def next_cell(self, history: list[Candidate], taken: set[str], number: int) -> str:
        """The cell of trial ``number`` given the finished ``history`` (trial order) and the ``taken`` cells."""
        s = self.settings
        if len(history) >= s.population:
            ranked = sorted((c for c in history if c.feasible and math.isfinite(c.score)), key=lambda c: -c.score)
            for parent in ranked:
                free = [g for g in neighbours(parent.genotype, s.op_set) if g not in taken]
                if free:
                    return free[int(np.random.default_rng([s.seed, number]).integers(len(free)))]
        g = ""
        for attempt in range(100):
            g = str(sample(np.random.default_rng([s.seed, number, attempt]), s.op_set).canonical())
            if g not in taken:
                break
        return g
