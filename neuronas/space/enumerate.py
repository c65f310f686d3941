"""The whole cell space: enumeration, size and uniform sampling.

Every one of the six node pairs takes one *state*: ``zeroize``, or a non-zero operation run forward, or (when
``backward=True``) a non-zero operation run backward. With ``k`` operations including ``zeroize`` that is
``1 + (k - 1) * (2 if backward else 1)`` states per pair; a genotype is valid when the output is reachable from
the input (:meth:`Genotype.is_valid`). Validity and liveness depend only on which pairs are non-zero and in which
direction (a *structure*, ``3 ** 6`` of them), so sizes are counted per structure without building genotypes.
"""
from __future__ import annotations

import itertools
from functools import lru_cache
from typing import Iterator

import numpy as np

from cimsim.errors import UserError
from neuronas.space.genotype import PAIRS, Genotype
from neuronas.space.ops import OPS, get_op_set

_NONE, _FWD, _BWD = 0, 1, 2
_PLACEHOLDER = "skip"  # any non-zero op: structure properties do not depend on which one


def _structure_genotype(structure: tuple[int, ...]) -> Genotype:
    return Genotype(
        tuple("zeroize" if s == _NONE else _PLACEHOLDER for s in structure), tuple(s == _BWD for s in structure)
    )


@lru_cache(maxsize=2)
def _structures(backward: bool) -> tuple[tuple[tuple[int, ...], bool], ...]:
    """Valid structures and whether they are *live* (no dead edges, i.e. ``pruned()`` changes nothing)."""
    states = (_NONE, _FWD, _BWD) if backward else (_NONE, _FWD)
    out = []
    for structure in itertools.product(states, repeat=len(PAIRS)):
        g = _structure_genotype(structure)
        if g.is_valid():
            out.append((structure, g.pruned() == g))
    return tuple(out)


def _ops(ops) -> tuple[str, ...]:
    return get_op_set(ops)


def enumerate_space(ops: "str | tuple[str, ...]" = OPS, backward: bool = True, unique: bool = False) -> Iterator[Genotype]:
    """Yield every valid genotype of the space (deterministic order).

    Parameters
    ----------
    ops:
        Operation names (must include ``zeroize``) or a named set (``"snasnet"``, ``"neuronas"``).
    backward:
        Allow backward (delayed) edges; ``False`` gives SNASNet's forward cells.
    unique:
        Yield only canonical representatives (``g == g.canonical()``): one genotype per class of isomorphic
        cells, without dead edges.
    """
    nonzero = [op for op in _ops(ops) if op != "zeroize"]
    if not nonzero:
        return
    for structure, live in _structures(backward):
        if unique and not live:
            continue
        slots = [k for k, s in enumerate(structure) if s != _NONE]
        bwd = tuple(s == _BWD for s in structure)
        for choice in itertools.product(nonzero, repeat=len(slots)):
            names = ["zeroize"] * len(PAIRS)
            for k, op in zip(slots, choice):
                names[k] = op
            g = Genotype(tuple(names), bwd)
            if unique and g.canonical() != g:
                continue
            yield g


def space_size(ops: "str | tuple[str, ...]" = OPS, backward: bool = True, unique: bool = False) -> int:
    """Number of genotypes :func:`enumerate_space` yields, counted without enumerating.

    ``unique=True`` counts classes of the node-1/2 swap among live genotypes (Burnside: genotypes whose pair
    (1, 2) is non-zero are alone in their class; the others pair up except the swap's fixed points).
    """
    n = len(_ops(ops)) - 1
    if n == 0:
        return 0
    k12, k01, k02, k13, k23 = (PAIRS.index(p) for p in ((1, 2), (0, 1), (0, 2), (1, 3), (2, 3)))
    total = 0
    lone = swappable = fixed = 0
    for structure, live in _structures(backward):
        nnz = sum(s != _NONE for s in structure)
        if not unique:
            total += n**nnz
            continue
        if not live:
            continue
        if structure[k12] != _NONE:
            lone += n**nnz
            continue
        swappable += n**nnz
        if structure[k01] == structure[k02] and structure[k13] == structure[k23]:
            fixed += n ** (nnz - (structure[k01] != _NONE) - (structure[k13] != _NONE))
    if unique:
        return lone + (swappable + fixed) // 2
    return total


def sample(rng: "np.random.Generator | int", ops: "str | tuple[str, ...]" = OPS, backward: bool = True) -> Genotype:
    """Draw one valid genotype uniformly from :func:`enumerate_space` (rejection sampling).

    Parameters
    ----------
    rng:
        A ``numpy.random.Generator`` (advanced in place) or an integer seed.
    """
    if not isinstance(rng, np.random.Generator):
        rng = np.random.default_rng(rng)
    op_set = _ops(ops)
    nonzero = [op for op in op_set if op != "zeroize"]
    if not nonzero:
        raise UserError(f"operation set {op_set} has no non-zero operation: no valid cell exists")
    states = [("zeroize", False)] + [(op, False) for op in nonzero] + ([(op, True) for op in nonzero] if backward else [])
    while True:
        picks = rng.integers(len(states), size=len(PAIRS))
        g = Genotype(tuple(states[p][0] for p in picks), tuple(states[p][1] for p in picks))
        if g.is_valid():
            return g
