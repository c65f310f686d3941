"""Operation names of the SNASNet cell search space and the named operation sets.

The ids are SNASNet's (Kim et al., ECCV 2022) connection-matrix codes. What each operation computes (the modules
are built by :mod:`neuronas.models.ops`):

=========== == ==========================================================================================
name        id computation on an edge
=========== == ==========================================================================================
zeroize     0  no edge (the output is zero; zeroize edges are omitted from :attr:`Genotype.edges`)
skip        1  identity
conv1x1     2  LIF -> conv 1x1 (stride 1, no bias) -> batch norm
conv3x3     3  LIF -> conv 3x3 (stride 1, padding 1, no bias) -> batch norm
avgpool3x3  4  average pool 3x3 (stride 1, padding 1)
=========== == ==========================================================================================
"""
from __future__ import annotations

from cimsim.errors import UserError

OPS: tuple[str, ...] = ("zeroize", "skip", "conv1x1", "conv3x3", "avgpool3x3")
"""All operations, indexed by their SNASNet id."""

OP_IDS: dict[str, int] = {name: i for i, name in enumerate(OPS)}

PRUNED_OPS: tuple[str, ...] = ("zeroize", "skip", "conv1x1", "conv3x3")
"""NeuroNAS's optimized operation set: average pooling removed (Putra & Shafique, arXiv 2407.00641)."""

OP_SETS: dict[str, tuple[str, ...]] = {"snasnet": OPS, "neuronas": PRUNED_OPS}
"""Named operation sets: ``snasnet`` (all five) and ``neuronas`` (avg-pool removed)."""

SPIKING_OPS: frozenset[str] = frozenset({"conv1x1", "conv3x3"})
"""Operations that start with a LIF neuron (their input is turned into spikes)."""


def get_op_set(name_or_ops: str | tuple[str, ...] | list[str]) -> tuple[str, ...]:
    """Resolve a named operation set (``"snasnet"``, ``"neuronas"``) or validate an explicit list of op names.

    The result always contains ``zeroize`` first and keeps the order of :data:`OPS`.
    """
    if isinstance(name_or_ops, str):
        if name_or_ops not in OP_SETS:
            raise UserError(f"unknown operation set {name_or_ops!r}; expected one of {', '.join(OP_SETS)}")
        return OP_SETS[name_or_ops]
    ops = tuple(name_or_ops)
    for op in ops:
        if op not in OP_IDS:
            raise UserError(f"unknown operation {op!r}; expected one of {', '.join(OPS)}")
    if "zeroize" not in ops:
        raise UserError(f"operation set {ops} must contain 'zeroize' (an absent edge)")
    return tuple(op for op in OPS if op in ops)
