"""NSGA-II (Optuna's ``NSGAIISampler``) over the six pair states of a cell: SAHD score up, energy down."""
from __future__ import annotations

import math

from cimsim.errors import UserError
from neuronas.search import storage as st
from neuronas.search.candidate import Candidate
from neuronas.search.cells import genotype_from_states, pair_states
from neuronas.search.strategy import UNSCORED, Proposal, Strategy, register
from neuronas.space import PAIRS

UNMEASURED_ENERGY_J = 1.0
"""Energy objective of candidates whose energy was not simulated (1 J: far above any SNN inference)."""


@register
class NSGA2(Strategy):
    """Optuna's NSGA-II samples one state per node pair (``pair{i}{j}`` parameters); two objectives, score (max) and
    energy per inference (min); the budgets are stored as Optuna constraints. Pruned operation set;
    constraint-first. Samples that are not a cell (output unreachable) are failed trials, not candidates."""

    name = "nsga2"
    default_ops = "neuronas"
    directions = ("maximize", "minimize")

    def sampler(self, worker: int):
        """NSGA-II with a population of ``population`` (4 to ``candidates``), seeded per worker."""
        import optuna

        s = self.settings
        pop = max(4, min(s.population, s.candidates))
        return optuna.samplers.NSGAIISampler(population_size=pop, seed=s.seed + 1000 * worker)

    def values(self, cand: Candidate) -> list[float]:
        score = cand.score if math.isfinite(cand.score) else UNSCORED
        energy = cand.energy_j if math.isfinite(cand.energy_j) else UNMEASURED_ENERGY_J
        return [score, energy]

    def propose(self, study, worker: int, n_workers: int) -> Proposal | None:
        from optuna.trial import TrialState

        states = pair_states(self.settings.op_set)
        for _ in range(200):
            if self.is_complete(study):
                return None
            trial = st.claim(study)
            g = genotype_from_states([trial.suggest_categorical(f"pair{i}{j}", states) for i, j in PAIRS])
            if not g.is_valid():
                trial.set_user_attr("invalid", True)
                study.tell(trial, state=TrialState.FAIL)
                continue
            g = g.canonical()
            trial.set_user_attr("genotype", str(g))
            return Proposal(trial, str(g), trial.number)
        raise UserError("nsga2: 200 proposals in a row were invalid cells; check the operation set")
