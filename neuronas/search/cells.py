"""Moves in the cell space that strategies share: seeded lists of distinct cells, pair states, one-pair mutation.

A cell has one state per node pair (:data:`neuronas.space.PAIRS` order): ``zeroize``, or an operation on a
forward edge (``OP~``) or on a backward, one-timestep-delayed edge (``OP<``). Every result is a canonical genotype.
"""
from __future__ import annotations

from functools import lru_cache

import numpy as np

from neuronas.space import PAIRS, Genotype, get_op_set, sample


@lru_cache(maxsize=8)
def planned_genotypes(seed: int, ops: str, n: int, backward: bool = True) -> tuple[str, ...]:
    """The first ``n`` distinct canonical cells drawn from ``ops`` (fewer if the space is smaller).

    Candidate ``i`` is drawn from ``numpy.random.default_rng([seed, i, attempt])`` until it is new: the list is a
    pure function of its arguments, so workers and reruns agree on it.
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
    """One state per pair of ``g`` (the inverse of :func:`genotype_from_states`)."""
    return ["zeroize" if op == "zeroize" else f"{op}{'<' if b else '~'}" for op, b in zip(g.ops, g.backward)]


def mutate(g: Genotype, rng: np.random.Generator, ops: str, tries: int = 100) -> Genotype:
    """Change the state of one random pair to another state; the result is valid and canonical (differs from ``g``
    unless ``tries`` draws all failed)."""
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
