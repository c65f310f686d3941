"""Search strategies: which genotype to evaluate next, and how much of it to evaluate.

========== ============ ====================================================================================
strategy   operations   proposal / evaluation
========== ============ ====================================================================================
neuronas   pruned       N distinct random cells; constraint-first: memory -> mapping (fit, area) ->
                        simulation (area, latency, energy); only feasible cells get the SAHD score
snasnet    full         N distinct random cells; SAHD on every cell, no hardware check during the search
                        (the baseline; hardware is checked afterwards, in score order, see ``finalize``)
random     full         N distinct random cells; everything measured for every cell (hardware without early
                        stop, score even when infeasible): the complete picture for Pareto plots
evolution  pruned       regularised evolution (Real et al., AAAI 2019): random until the population is full,
                        then mutate the tournament winner of the ``population`` newest cells; constraint-first
nsga2      pruned       Optuna NSGA-II over the six pair states, objectives (score max, energy min), budgets
                        as Optuna constraints (``trial.set_constraint``); constraint-first
========== ============ ====================================================================================

Every proposal is a canonical genotype. The random strategies draw candidate ``i`` from a generator seeded with
``(seed, i)``; the list of the first N distinct cells is a pure function of the settings, so workers and reruns
agree on it and a resumed search evaluates exactly the missing indices.
"""
from __future__ import annotations

import math
from functools import lru_cache

import numpy as np

from neuronas.search.evaluate import Candidate, Evaluator
from neuronas.search.settings import SearchSettings
from neuronas.space import PAIRS, Genotype, get_op_set, sample

INDEXED = ("neuronas", "snasnet", "random")
"""Strategies that evaluate a fixed, seeded list of cells."""


# ---------------------------------------------------------------------------------------------- proposals
@lru_cache(maxsize=8)
def planned_genotypes(seed: int, ops: str, n: int, backward: bool = True) -> tuple[str, ...]:
    """The first ``n`` distinct canonical cells drawn from ``ops`` (fewer if the space is smaller).

    Candidate ``i`` is drawn from ``numpy.random.default_rng([seed, i, attempt])`` until it is new.
    """
    from neuronas.space import space_size

    limit = space_size(ops, backward=backward, unique=True)
    seen: dict[str, None] = {}
    for i in range(n):
        if len(seen) >= limit:
            break
        for attempt in range(1000):
            g = str(sample(np.random.default_rng([seed, i, attempt]), ops, backward).canonical())
            if g not in seen:
                seen[g] = None
                break
    return tuple(seen)


def pair_states(ops: str, backward: bool = True) -> list[str]:
    """States of one node pair: ``zeroize`` or ``OP~`` (forward) / ``OP<`` (backward) per non-zero op."""
    nonzero = [op for op in get_op_set(ops) if op != "zeroize"]
    return ["zeroize"] + [f"{op}~" for op in nonzero] + ([f"{op}<" for op in nonzero] if backward else [])


def genotype_from_states(states: list[str]) -> Genotype:
    """Genotype from one state per pair (:data:`neuronas.space.PAIRS` order)."""
    ops = tuple(s.rstrip("~<") for s in states)
    bwd = tuple(s.endswith("<") for s in states)
    return Genotype(ops, bwd)


def states_of(g: Genotype) -> list[str]:
    return ["zeroize" if op == "zeroize" else f"{op}{'<' if b else '~'}" for op, b in zip(g.ops, g.backward)]


def mutate(g: Genotype, rng: np.random.Generator, ops: str, tries: int = 100) -> Genotype:
    """Change the state of one random pair to another state; the result is valid and canonical (differs from ``g``)."""
    states = pair_states(ops)
    base = states_of(g)
    for _ in range(tries):
        k = int(rng.integers(len(PAIRS)))
        choices = [s for s in states if s != base[k]]
        new = list(base)
        new[k] = choices[int(rng.integers(len(choices)))]
        child = genotype_from_states(new)
        if child.is_valid() and child.canonical() != g.canonical():
            return child.canonical()
    return g.canonical()


def fitness(c: Candidate) -> float:
    """Evolution fitness: the score of a feasible candidate; infeasible ones rank below, by total excess."""
    if c.feasible and math.isfinite(c.score):
        return c.score
    return -1e12


def evolve(history: list[Candidate], settings: SearchSettings, rng: np.random.Generator,
           evaluated: set[str]) -> Genotype:
    """Regularised evolution step: tournament among the ``population`` newest candidates, mutate the winner."""
    pop = history[-settings.population:]
    picks = rng.choice(len(pop), size=min(settings.tournament, len(pop)), replace=False)
    parent = max((pop[int(i)] for i in picks), key=fitness)
    child = Genotype.parse(parent.genotype)
    for _ in range(20):
        child = mutate(Genotype.parse(parent.genotype), rng, settings.op_set)
        if str(child) not in evaluated:
            break
    return child


# ---------------------------------------------------------------------------------------------- evaluation
def evaluate_candidate(ev: Evaluator, genotype: "str | Genotype", strategy: str, index: int = -1) -> Candidate:
    """Measure one candidate as ``strategy`` does (see the module docstring)."""
    g = ev.canonical(genotype)
    c = Candidate(genotype=str(g), index=index)
    if strategy == "snasnet":
        mem = ev.memory(g)  # free (the network is built anyway); not used to filter
        c.params, c.memory_bytes = mem["params"], mem["memory_bytes"]
        c.score, c.score_time_s = ev.score(g)
        c.stage, c.failed, c.message = "score", ["unchecked"], "hardware is checked after the search"
        return c
    full = strategy == "random"
    hw = ev.hardware(g, stop_early=not full)
    for k in ("params", "memory_bytes", "area_m2", "latency_s", "energy_j"):
        setattr(c, k, float(hw[k]))
    c.failed, c.message, c.stage, c.hw_time_s = list(hw["failed"]), hw["message"], hw["stage"], hw["time_s"]
    c.feasible = not c.failed and hw["stage"] == "simulate"
    if c.feasible or full:
        c.score, c.score_time_s = ev.score(g)
        c.stage = "score"
    return c
