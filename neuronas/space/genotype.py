"""Genotype of a SNASNet cell: 4 nodes, 6 node pairs, each with an operation and a direction.

Nodes are ``0 = x_in`` (the cell input), ``1``, ``2`` (intermediate) and ``3`` (the cell output). Each of the six
node pairs ``(i, j)``, ``i < j``, carries one operation (:data:`neuronas.space.ops.OPS`) and a direction:

* **forward** ``i -> j``: node ``j`` receives ``op(node_i)`` of the same timestep (delay 0);
* **backward** ``j -> i``: node ``i`` receives ``op(node_j)`` computed at timestep ``t - 1`` (delay 1; zeros at
  ``t = 0``). The operation runs at ``t - 1`` on node ``j``'s value and its result is delivered one timestep later,
  so a backward ``conv`` edge contributes exactly zero at ``t = 0`` (not a batch-norm bias).

A node's value is the sum of everything it receives; node 0 also receives the cell input::

    n_0(t) = x_in(t)   + sum_{backward j->0} b_j0(n_j(t-1))
    n_i(t) = sum_{forward k->i} f_ki(n_k(t)) + sum_{backward j->i} b_ji(n_j(t-1))     (i = 1, 2)
    n_3(t) = sum_{forward k->3} f_k3(n_k(t))                                            (cell output)

This is our reading of SNASNet's released backward cell (Kim et al., ECCV 2022, ``Neuronal_Cell_backward``):
there, backward contributions are kept as ``last_x*`` and added to a node wherever the node is read, including
node 0 (the input), and each pair (i, j) is either forward or backward (its generator picks one of the two
triangles per pair with a random mask).

String form (``str(g)``, :meth:`Genotype.parse`): three ``|``-separated groups for the target nodes 1, 2, 3; group
``j`` lists the pairs ``(0, j) .. (j-1, j)`` in order, each as ``op~i`` (forward ``i -> j``) or ``op<i``
(backward ``j -> i``)::

    conv3x3~0|conv1x1<0,conv3x3~1|conv3x3~0,conv1x1<1,conv1x1~2

Zeroize pairs have no direction and are always written ``zeroize~i``.

Connection-matrix form (SNASNet's ``--cnt_mat``, :meth:`Genotype.from_matrix`, :meth:`Genotype.to_matrix`): a 4x4
matrix of op ids written as four row strings, e.g. ``"0303 0030 2002 0200"``. Row ``i``, column ``j``: in the upper
triangle (``i < j``) the op on the forward edge ``i -> j``; in the lower triangle (``i > j``) the op on the backward
edge ``i -> j`` (from the later node ``i`` to the earlier node ``j``, delayed). At most one of ``M[i, j]``,
``M[j, i]`` may be non-zero; the diagonal is zero. The example above is: conv3x3 0->1, conv3x3 0->3,
conv3x3 1->2, conv1x1 2->3 forward, and conv1x1 2->0, conv1x1 3->1 backward.
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from cimsim.errors import UserError
from neuronas.space.ops import OP_IDS, OPS

N_NODES = 4
OUTPUT_NODE = N_NODES - 1
PAIRS: tuple[tuple[int, int], ...] = tuple((i, j) for j in range(1, N_NODES) for i in range(j))
"""The six node pairs in SNASNet's edge order: (0,1), (0,2), (1,2), (0,3), (1,3), (2,3)."""

_ENTRY = re.compile(r"^([A-Za-z0-9_]+)\s*([~<])\s*(\d+)$")
_MATRIX = re.compile(r"^\s*[0-9]{4}(?:[\s,;]+[0-9]{4}){3}\s*$")


class Edge(NamedTuple):
    """A non-zero edge: ``dst`` receives ``op(src)``, delayed by ``delay`` timesteps (0 forward, 1 backward)."""

    src: int
    dst: int
    op: str
    delay: int


@dataclass(frozen=True)
class Genotype:
    """A cell: one ``(op, backward)`` per node pair, in the order of :data:`PAIRS`.

    Parameters
    ----------
    ops:
        Six operation names (one per pair of :data:`PAIRS`).
    backward:
        Six flags; ``True`` makes pair ``(i, j)`` the delayed edge ``j -> i``. Ignored (stored as ``False``) for
        ``zeroize`` pairs. Default: all forward.
    """

    ops: tuple[str, ...]
    backward: tuple[bool, ...] = (False,) * len(PAIRS)

    def __post_init__(self):
        ops = tuple(self.ops)
        bwd = tuple(bool(b) for b in self.backward)
        if len(ops) != len(PAIRS) or len(bwd) != len(PAIRS):
            raise UserError(f"genotype needs {len(PAIRS)} operations and directions (one per node pair), got {len(ops)} and {len(bwd)}")
        for op in ops:
            if op not in OP_IDS:
                raise UserError(f"genotype: unknown operation {op!r}; expected one of {', '.join(OPS)}")
        bwd = tuple(b and op != "zeroize" for op, b in zip(ops, bwd))
        object.__setattr__(self, "ops", ops)
        object.__setattr__(self, "backward", bwd)

    # ------------------------------------------------------------------ views
    def pair(self, i: int, j: int) -> tuple[str, bool]:
        """``(op, backward)`` of the pair ``(min(i,j), max(i,j))``."""
        k = PAIRS.index((min(i, j), max(i, j)))
        return self.ops[k], self.backward[k]

    @property
    def edges(self) -> list[Edge]:
        """Non-zero edges in pair order; forward ``src < dst, delay 0``, backward ``src > dst, delay 1``."""
        out = []
        for (i, j), op, b in zip(PAIRS, self.ops, self.backward):
            if op == "zeroize":
                continue
            out.append(Edge(j, i, op, 1) if b else Edge(i, j, op, 0))
        return out

    @property
    def has_backward(self) -> bool:
        """True if any non-zero edge is a delayed (recurrent) one."""
        return any(self.backward)

    # ------------------------------------------------------------------ string form
    def __str__(self) -> str:
        groups = []
        for j in range(1, N_NODES):
            entries = []
            for i in range(j):
                op, b = self.pair(i, j)
                entries.append(f"{op}{'<' if b else '~'}{i}")
            groups.append(",".join(entries))
        return "|".join(groups)

    def __repr__(self) -> str:
        return f"Genotype.parse({str(self)!r})"

    @classmethod
    def parse(cls, text: "str | Genotype") -> "Genotype":
        """Parse the string form (see the module docstring) or a connection matrix ``"0303 0030 2002 0200"``."""
        if isinstance(text, Genotype):
            return text
        if not isinstance(text, str):
            raise UserError(f"genotype must be a string, got {type(text).__name__}")
        if _MATRIX.match(text):
            return cls.from_matrix(text)
        body = text.strip().strip("|")
        groups = [g.strip() for g in body.split("|")]
        if len(groups) != N_NODES - 1:
            raise UserError(
                f"genotype {text!r}: has {len(groups)} '|'-separated groups; expected {N_NODES - 1} (edges into nodes "
                f"1, 2, 3), e.g. 'conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2', or a connection matrix "
                f"like '0303 0030 2002 0200'"
            )
        ops: dict[tuple[int, int], tuple[str, bool]] = {}
        for j, group in enumerate(groups, start=1):
            entries = [e.strip() for e in group.split(",")] if group else []
            if len(entries) != j:
                raise UserError(f"genotype {text!r}: group {j} ({group!r}) has {len(entries)} edges; expected {j} (from nodes 0..{j - 1})")
            for i, entry in enumerate(entries):
                m = _ENTRY.match(entry)
                if not m:
                    raise UserError(f"genotype {text!r}: edge {entry!r} is not 'op~i' (forward) or 'op<i' (backward)")
                op, arrow, src = m.group(1), m.group(2), int(m.group(3))
                if src != i:
                    raise UserError(f"genotype {text!r}: edge {entry!r} in group {j} names node {src}; expected node {i} at this position")
                if op not in OP_IDS:
                    raise UserError(f"genotype {text!r}: unknown operation {op!r}; expected one of {', '.join(OPS)}")
                ops[(i, j)] = (op, arrow == "<")
        return cls(tuple(ops[p][0] for p in PAIRS), tuple(ops[p][1] for p in PAIRS))

    # ------------------------------------------------------------------ matrix form
    @classmethod
    def from_matrix(cls, matrix: "str | Sequence[Sequence[int]] | np.ndarray") -> "Genotype":
        """Build from SNASNet's connection matrix (string of four rows, or a 4x4 integer array)."""
        label = matrix if isinstance(matrix, str) else "connection matrix"
        if isinstance(matrix, str):
            rows = [r for r in re.split(r"[\s,;]+", matrix.strip()) if r]
            if len(rows) != N_NODES or any(len(r) != N_NODES or not r.isdigit() for r in rows):
                raise UserError(f"connection matrix {matrix!r}: expected {N_NODES} rows of {N_NODES} digits, e.g. '0303 0030 2002 0200'")
            m = np.array([[int(c) for c in r] for r in rows])
        else:
            m = np.asarray(matrix)
            if m.shape != (N_NODES, N_NODES) or not np.issubdtype(m.dtype, np.integer):
                raise UserError(f"connection matrix must be a {N_NODES}x{N_NODES} integer array, got shape {m.shape} dtype {m.dtype}")
        if m.min() < 0 or m.max() >= len(OPS):
            raise UserError(f"{label!r}: op ids must be in 0..{len(OPS) - 1} ({', '.join(f'{k}={n}' for k, n in enumerate(OPS))})")
        if np.any(np.diag(m) != 0):
            raise UserError(f"{label!r}: the diagonal must be zero (no self edges)")
        ops, bwd = [], []
        for i, j in PAIRS:
            f, b = int(m[i, j]), int(m[j, i])
            if f and b:
                raise UserError(
                    f"{label!r}: pair ({i},{j}) has both a forward op (row {i} col {j} = {f}) and a backward op "
                    f"(row {j} col {i} = {b}); a pair is either forward or backward"
                )
            ops.append(OPS[f or b])
            bwd.append(bool(b))
        return cls(tuple(ops), tuple(bwd))

    def to_matrix(self) -> np.ndarray:
        """SNASNet connection matrix ``[4, 4]`` of op ids (row = source node, column = destination node)."""
        m = np.zeros((N_NODES, N_NODES), dtype=np.int64)
        for e in self.edges:
            m[e.src, e.dst] = OP_IDS[e.op]
        return m

    def matrix_string(self) -> str:
        """The connection matrix as four row strings, e.g. ``"0303 0030 2002 0200"``."""
        return " ".join("".join(str(v) for v in row) for row in self.to_matrix())

    # ------------------------------------------------------------------ structure
    def _reach(self, start: int, reverse: bool) -> set[int]:
        adj: dict[int, list[int]] = {n: [] for n in range(N_NODES)}
        for e in self.edges:
            if reverse:
                adj[e.dst].append(e.src)
            else:
                adj[e.src].append(e.dst)
        seen, stack = {start}, [start]
        while stack:
            for nxt in adj[stack.pop()]:
                if nxt not in seen:
                    seen.add(nxt)
                    stack.append(nxt)
        return seen

    def is_valid(self) -> bool:
        """True if the output node 3 is reachable from the input node 0 along non-zero edges (either direction).

        This also means the input is used. SNASNet's sampler additionally demanded a direct 0 -> 3 edge; we do not.
        """
        return OUTPUT_NODE in self._reach(0, reverse=False)

    def pruned(self) -> "Genotype":
        """Replace dead edges by ``zeroize``: keep an edge only if its source is reachable from node 0 and its
        destination reaches node 3 (SNASNet's sampler prunes the same way).

        A removed edge either never influences the cell output, or only adds an input-independent constant (a
        batch-norm bias of an operation fed by a node that never sees the input).
        """
        live_src = self._reach(0, reverse=False)
        live_dst = self._reach(OUTPUT_NODE, reverse=True)
        ops = list(self.ops)
        for k, ((i, j), b) in enumerate(zip(PAIRS, self.backward)):
            src, dst = (j, i) if b else (i, j)
            if src not in live_src or dst not in live_dst:
                ops[k] = "zeroize"
        return Genotype(tuple(ops), self.backward)

    def relabelled(self, perm: Sequence[int]) -> "Genotype":
        """The same cell with node ``n`` renamed ``perm[n]`` (must keep forward edges pointing to later nodes)."""
        ops, bwd = {}, {}
        for e in self.edges:
            s, d = perm[e.src], perm[e.dst]
            if (e.delay == 0) != (s < d):
                raise ValueError(f"relabelling {tuple(perm)} turns edge {e} against the node order")
            p = (min(s, d), max(s, d))
            ops[p], bwd[p] = e.op, e.delay == 1
        return Genotype(tuple(ops.get(p, "zeroize") for p in PAIRS), tuple(bwd.get(p, False) for p in PAIRS))

    def canonical(self) -> "Genotype":
        """One representative per class of cells that compute the same function.

        Collapsed: (1) dead edges (see :meth:`pruned`) become ``zeroize``; (2) the two intermediate nodes 1 and 2 are
        swapped when the pair (1, 2) is ``zeroize`` (then neither feeds the other and the swap keeps every forward
        edge pointing forward; the output sums the same terms). Of the candidates the one with the smallest
        string is returned. Not collapsed: algebraic coincidences between operations (e.g. a skip chain that
        duplicates another path), which depend on trained weights.
        """
        g = self.pruned()
        candidates = [g]
        if g.pair(1, 2)[0] == "zeroize":
            candidates.append(g.relabelled((0, 2, 1, 3)))
        return min(candidates, key=str)

    def n_edges(self) -> int:
        """Number of non-zero edges."""
        return len(self.edges)


def genotypes_from(items: Iterable["str | Genotype"]) -> list[Genotype]:
    """Parse several genotypes (strings or :class:`Genotype`)."""
    return [Genotype.parse(x) for x in items]
