"""Regularised evolution (Real et al., AAAI 2019) over cells, constraint-first."""
from __future__ import annotations

import math

import numpy as np

from neuronas.search import storage as st
from neuronas.search.candidate import Candidate
from neuronas.search.cells import mutate
from neuronas.search.strategy import Proposal, Strategy, register
from neuronas.space import Genotype, sample


def fitness(c: Candidate) -> float:
    """The score of a feasible candidate; infeasible ones rank below every feasible one."""
    if c.feasible and math.isfinite(c.score):
        return c.score
    return -1e12


@register
class Evolution(Strategy):
    """Random cells until ``population`` candidates exist, then: a tournament of ``tournament`` cells among the
    ``population`` newest, and a one-pair mutation of the winner. Pruned operation set; constraint-first.

    Trial ``n`` draws from ``numpy.random.default_rng([seed, n])`` (random phase: ``[seed, n, attempt]``).
    """

    name = "evolution"
    default_ops = "neuronas"

    def propose(self, study, worker: int, n_workers: int) -> Proposal | None:
        s = self.settings
        hist = st.candidates_of(study)
        if len(hist) + len(st.running(study)) >= self.target_count():
            return None
        trial = st.claim(study)
        evaluated = {c.genotype for c in hist}
        if len(hist) < s.population:
            g = None
            for attempt in range(100):
                g = sample(np.random.default_rng([s.seed, trial.number, attempt]), s.op_set).canonical()
                if str(g) not in evaluated:
                    break
        else:
            g = self.evolve(hist, np.random.default_rng([s.seed, trial.number]), evaluated)
        trial.set_user_attr("genotype", str(g))
        return Proposal(trial, str(g), trial.number)

    def evolve(self, history: list[Candidate], rng: np.random.Generator, evaluated: set[str]) -> Genotype:
        """Tournament among the ``population`` newest candidates; mutate the winner (up to 20 tries for a cell
        not yet evaluated)."""
        s = self.settings
        pop = history[-s.population:]
        picks = rng.choice(len(pop), size=min(s.tournament, len(pop)), replace=False)
        parent = max((pop[int(i)] for i in picks), key=fitness)
        child = Genotype.parse(parent.genotype)
        for _ in range(20):
            child = mutate(Genotype.parse(parent.genotype), rng, s.op_set)
            if str(child) not in evaluated:
                break
        return child
