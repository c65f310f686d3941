"""The SNASNet cell search space: operations, :class:`Genotype`, enumeration and sampling."""
from neuronas.space.enumerate import enumerate_space, sample, space_size
from neuronas.space.genotype import PAIRS, Edge, Genotype
from neuronas.space.ops import OP_IDS, OP_SETS, OPS, PRUNED_OPS, SPIKING_OPS, get_op_set

__all__ = [
    "OPS", "OP_IDS", "OP_SETS", "PRUNED_OPS", "SPIKING_OPS", "get_op_set",
    "Genotype", "Edge", "PAIRS", "enumerate_space", "space_size", "sample",
]
