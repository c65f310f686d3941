"""The SNASNet cell: 4 nodes, edges from a :class:`~neuronas.space.genotype.Genotype`, run over timesteps.

Node values per timestep ``t`` (see :mod:`neuronas.space.genotype` for the semantics)::

    n_0(t) = x_in(t) + b_j0(n_j(t-1)) + ...        (backward edges into node 0, by source id)
    n_i(t) = sum over incoming edges, ordered by source node id:
             forward edge k -> i:   f_ki(n_k(t))
             backward edge j -> i:  b_ji(n_j(t-1))  (the op runs at t-1, its output is delivered at t; 0 at t=0)

The sum is a left fold in that order (``((a + b) + c)``), which is also the port order of the exported ``add``
node, so torch and the simulator add in the same float32 order. A node with no incoming edge is zero. The cell
output is ``n_3``.

Convolution edges start with a LIF on their source node's value. Every source node has at most one LIF
(``lif["n<k>"]``, single-step mode, stepped once per timestep with ``n_k(t)``), shared by all convolution edges
leaving it, forward or backward: a backward edge's op runs at ``t`` on ``n_k(t)`` and only its output is delayed,
so its LIF sees the same input sequence as a forward edge's.

Two ways to run a cell, with the same values: timestep by timestep (the reference, and the only way for a cell
with backward edges), or, for a cell without backward edges (:meth:`Cell.set_time_batched`), node by node over all
timesteps at once: each LIF runs multi-step over ``[T, N, ...]`` and each convolution over the ``T * N`` frames in
one call, its batch norm still normalising every timestep with that timestep's own statistics
(:meth:`neuronas.models.ops.ConvBN.per_timestep`). Every node of such a cell depends only on earlier nodes of the
same timestep, so the order of evaluation does not change any value.
"""
from __future__ import annotations

from contextlib import contextmanager
from typing import Iterator

import torch
from torch import nn

from neuronas.models.lif import LIF
from neuronas.models.ops import is_spiking, make_op
from neuronas.space.genotype import N_NODES, OUTPUT_NODE, Edge, Genotype

INPUT = "input"
"""Marker of the cell input among node 0's terms."""


def edge_key(e: Edge) -> str:
    """Module key of an edge, e.g. ``"e0_3"`` (source 0, destination 3)."""
    return f"e{e.src}_{e.dst}"


def node_terms(genotype: Genotype) -> list[list]:
    """Per node ``j``, what is summed, in order: ``INPUT`` (node 0 only) then the incoming edges by source id."""
    terms: list[list] = [[INPUT]] + [[] for _ in range(N_NODES - 1)]
    for e in sorted(genotype.edges, key=lambda e: (e.dst, e.src)):
        terms[e.dst].append(e)
    return terms


class Cell(nn.Module):
    """A SNASNet cell with ``channels`` channels (all nodes have the input's shape).

    Parameters
    ----------
    genotype:
        The cell's operations and edge directions.
    channels:
        Channels of every node.
    lif_kwargs:
        Keyword arguments of every :class:`~neuronas.models.lif.LIF` (tau, v_threshold, ...).

    ``forward`` takes ``[T, N, C, H, W]`` and returns the output node ``[T, N, C, H, W]``.
    """

    def __init__(self, genotype: Genotype, channels: int, lif_kwargs: dict | None = None):
        super().__init__()
        self.genotype = Genotype.parse(genotype)
        self.channels = int(channels)
        self.edges = sorted(self.genotype.edges, key=lambda e: (e.dst, e.src))
        self.terms = node_terms(self.genotype)
        self.ops = nn.ModuleDict({edge_key(e): make_op(e.op, self.channels) for e in self.edges})
        spiking_sources = sorted({e.src for e in self.edges if is_spiking(self.ops[edge_key(e)])})
        kw = dict(lif_kwargs or {})
        kw["step_mode"] = "s"
        self.lif = nn.ModuleDict({f"n{k}": LIF(**kw) for k in spiking_sources})
        self.time_batched = False
        """Run node by node over all timesteps (see the module docstring); set with :meth:`set_time_batched`."""

    def set_time_batched(self, on: bool) -> bool:
        """Run node by node over all timesteps (``True``) or timestep by timestep (``False``, the reference).

        A cell with a backward (delayed) edge always runs timestep by timestep. Returns the mode now in force.
        """
        self.time_batched = bool(on) and not any(e.delay for e in self.edges)
        for m in self.lif.values():
            m.reset()
            m.step_mode = "m" if self.time_batched else "s"
        return self.time_batched

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.time_batched:
            return self._forward_time_batched(x)
        for m in self.lif.values():
            m.reset()
        zeros = torch.zeros_like(x[0])
        backward = [e for e in self.edges if e.delay == 1]
        delayed = {e: zeros for e in backward}
        outputs = []
        for t in range(x.shape[0]):
            vals: dict[int, torch.Tensor] = {}
            spikes: dict[int, torch.Tensor] = {}

            def run(e: Edge) -> torch.Tensor:
                op = self.ops[edge_key(e)]
                v = vals[e.src]
                if is_spiking(op):
                    if e.src not in spikes:
                        spikes[e.src] = self.lif[f"n{e.src}"](v)
                    v = spikes[e.src]
                return op(v)

            for j in range(N_NODES):
                acc = None
                for term in self.terms[j]:
                    if term == INPUT:
                        z = x[t]
                    elif term.delay == 1:
                        z = delayed[term]
                    else:
                        z = run(term)
                    acc = z if acc is None else acc + z
                vals[j] = zeros if acc is None else acc
            for e in backward:
                delayed[e] = run(e)
            outputs.append(vals[OUTPUT_NODE])
        for m in self.lif.values():
            m.reset()  # do not keep autograd graphs alive (and keep the module deep-copyable)
        return torch.stack(outputs)

    def _forward_time_batched(self, x: torch.Tensor) -> torch.Tensor:
        """The forward of a cell without backward edges, one node at a time over all ``T`` timesteps."""
        vals: dict[int, torch.Tensor] = {}
        spikes: dict[int, torch.Tensor] = {}
        for j in range(N_NODES):
            acc = None
            for term in self.terms[j]:
                if term == INPUT:
                    z = x
                else:
                    op = self.ops[edge_key(term)]
                    v = vals[term.src]
                    if is_spiking(op):
                        if term.src not in spikes:
                            spikes[term.src] = self.lif[f"n{term.src}"](v)
                        z = op.per_timestep(spikes[term.src])
                    else:
                        z = op(v)
                acc = z if acc is None else acc + z
            vals[j] = torch.zeros_like(x) if acc is None else acc
        # a fresh tensor, as the stepwise forward returns (the input may be an expanded view)
        return vals[OUTPUT_NODE].clone() if vals[OUTPUT_NODE] is x else vals[OUTPUT_NODE]

    def extra_repr(self) -> str:
        return f"genotype={str(self.genotype)!r}, channels={self.channels}"


@contextmanager
def time_batched(model: nn.Module, on: bool = True) -> Iterator[int]:
    """Within the block, every :class:`Cell` of ``model`` without backward edges runs time-batched (``on``) or
    every cell timestep by timestep (``on=False``); the previous modes are restored afterwards.

    Yields the number of cells that run time-batched. Values, spikes and batch-norm running statistics are the
    same bit for bit either way; only gradients may differ in rounding (a weight's gradient is summed over the
    ``T * N`` frames in one convolution), so use it where no gradient is taken.
    """
    cells = [m for m in model.modules() if isinstance(m, Cell)]
    modes = [c.time_batched for c in cells]
    try:
        yield sum(c.set_time_batched(on) for c in cells)
    finally:
        for c, mode in zip(cells, modes):
            c.set_time_batched(mode)
