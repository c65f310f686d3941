"""SnnGraph: the quantized spiking network that cimsim maps and simulates.

The graph is the contract between the SNN side (``neuronas.export``) and the simulator. It is a
``networkx.DiGraph`` wrapped with validation, value-type inference and a save/load format
(``NAME.snn.json`` for structure and scalars + ``NAME.npz`` for arrays).

Tensors carry no batch or time axis in ``shape``; at run time every node holds ``[N, *shape]`` per timestep.

Node kinds and attributes (every node has ``kind`` and ``shape``; each kind's code is one object of
:mod:`cimsim.nodes`):

``input``   ``bits`` (1 = spikes), ``signed`` (bool), ``scale`` (float, real value = integer x scale).
            Inputs are integer arrays ``[T, N, *shape]``.
``conv``    ``weight`` int array ``[Cout, Cin, kh, kw]``, ``weight_bits``, ``scale`` (float32),
            ``bias`` float32 ``[Cout]`` or None, ``stride`` (sh, sw), ``padding`` (ph, pw).
``linear``  ``weight`` int array ``[out, in]``, ``weight_bits``, ``scale``, ``bias``.
            conv/linear output, in float32 and in this order:
            ``((acc * in_scale) * scale) + bias`` where ``acc`` is the exact integer dot product of the integer
            weights with the integer input, and ``in_scale`` the input's scale (1 for spikes).
``pool``    ``mode`` ("avg" | "max"), ``kernel`` (kh, kw), ``stride``, ``padding``. Avg pooling counts the zero
            padding (count_include_pad): window sum in row-major order, then divided by kh*kw in float32.
            Avg pooling of integer values (spikes) stays integer: the sum, with scale / (kh*kw).
``lif``     ``tau`` (> 1), ``v_threshold``, ``v_reset`` (float, or None for a soft reset by subtraction).
            (Every neuron model of :mod:`cimsim.neurons` is a node kind; its fields are the node's attributes and
            its class docstring gives its equations.) Per timestep, float32, in this order (``decay = float32(1 / tau)``, ``r = v_reset or 0``)::

                h = v + (x - (v - r)) * decay
                s = h >= v_threshold
                v = where(s, r, h)             # hard reset
                v = h - s * v_threshold        # soft reset

            The membrane starts at ``r`` for every sample.
``add``     elementwise sum of its inputs, left fold in the order of the edges' ``port`` (0, 1, 2, ...).
``affine``  per-channel ``weight`` and ``bias`` float32 ``[C]``: ``x * weight[c] + bias[c]`` (batch norm that
            cannot be folded into a convolution).
``flatten`` C-order reshape to ``(prod(shape),)``.
``output``  one per graph; ``vote`` (int >= 1): class score = mean of ``vote`` consecutive outputs; scores are
            summed over timesteps and the prediction is their argmax.

Edges carry ``port`` (operand order, 0 unless the target is ``add``) and ``delay`` (0, or 1 for a recurrent
edge that delivers the source's value of the previous timestep, zeros at t = 0).

Value types (:meth:`SnnGraph.value_types`): every node output is ``spike`` (binary), ``int`` (an integer with a
scale, e.g. an input image or an avg pool over spikes) or ``real``. A conv or linear must read ``spike`` or
``int`` values: those are what a crossbar's wordlines can be driven with (``int`` bit-serially).
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Iterator

import networkx as nx
import numpy as np

from cimsim.errors import UserError
from cimsim.neurons import NEURONS
from cimsim.nodes import KINDS, ShapeMismatch, ValueType, conv_out_hw

__all__ = ["SnnGraph", "ValueType", "conv_out_hw", "KINDS"]

ARRAY_ATTRS = ("weight", "bias")
FORMAT_VERSION = 1


class SnnGraph:
    """A quantized SNN as a directed graph of layers.

    Parameters
    ----------
    name:
        Model name, written into reports.
    graph:
        An existing ``networkx.DiGraph`` to wrap (default: a new empty one).
    """

    def __init__(self, name: str = "snn", graph: nx.DiGraph | None = None):
        self.name = name
        self.g = graph if graph is not None else nx.DiGraph()

    # ------------------------------------------------------------------ building
    def add_node(self, node: str, kind: str, shape: tuple, **attrs: Any) -> str:
        """Add a node; ``shape`` excludes batch and time axes. Returns the node name."""
        if kind not in KINDS:
            raise UserError(f"graph {self.name!r}: node {node!r} has unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
        if node in self.g:
            raise UserError(f"graph {self.name!r}: duplicate node name {node!r}")
        self.g.add_node(node, kind=kind, shape=tuple(int(s) for s in shape), **attrs)
        return node

    def add_edge(self, src: str, dst: str, port: int = 0, delay: int = 0) -> None:
        """Connect ``src`` -> ``dst``; ``delay=1`` makes a recurrent (previous timestep) edge."""
        for n in (src, dst):
            if n not in self.g:
                raise UserError(f"graph {self.name!r}: edge {src!r} -> {dst!r} names unknown node {n!r}")
        if delay not in (0, 1):
            raise UserError(f"graph {self.name!r}: edge {src!r} -> {dst!r} has delay={delay}; expected 0 or 1")
        self.g.add_edge(src, dst, port=int(port), delay=int(delay))

    # ------------------------------------------------------------------ queries
    def node(self, n: str) -> dict:
        return self.g.nodes[n]

    def inputs_of(self, n: str) -> list[tuple[str, int]]:
        """Predecessors of ``n`` as ``(source, delay)`` sorted by port."""
        preds = sorted(self.g.in_edges(n, data=True), key=lambda e: e[2].get("port", 0))
        return [(u, d.get("delay", 0)) for u, _, d in preds]

    def order(self) -> list[str]:
        """Topological order over the zero-delay edges (recurrent edges read last timestep's values)."""
        fwd = nx.DiGraph()
        fwd.add_nodes_from(self.g.nodes)
        fwd.add_edges_from((u, v) for u, v, d in self.g.edges(data=True) if d.get("delay", 0) == 0)
        idx = {n: i for i, n in enumerate(self.g.nodes)}
        try:
            return list(nx.lexicographical_topological_sort(fwd, key=lambda n: idx[n]))
        except nx.NetworkXUnfeasible:
            raise UserError(f"graph {self.name!r}: has a cycle without a delay=1 edge") from None

    def input_node(self) -> str:
        ins = [n for n, d in self.g.nodes(data=True) if d["kind"] == "input"]
        if len(ins) != 1:
            raise UserError(f"graph {self.name!r}: expected exactly one input node, found {len(ins)}")
        return ins[0]

    def output_node(self) -> str:
        outs = [n for n, d in self.g.nodes(data=True) if d["kind"] == "output"]
        if len(outs) != 1:
            raise UserError(f"graph {self.name!r}: expected exactly one output node, found {len(outs)}")
        return outs[0]

    def compute_nodes(self) -> list[str]:
        """conv and linear nodes (the ones mapped onto crossbars), in topological order."""
        return [n for n in self.order() if self.g.nodes[n]["kind"] in ("conv", "linear")]

    def lif_nodes(self) -> list[str]:
        """Spiking neuron nodes (every kind of :data:`cimsim.neurons.NEURONS`), in topological order."""
        return [n for n in self.order() if self.g.nodes[n]["kind"] in NEURONS]

    def __iter__(self) -> Iterator[str]:
        return iter(self.order())

    def __len__(self) -> int:
        return self.g.number_of_nodes()

    def n_params(self) -> int:
        """Number of weights stored on crossbars (conv + linear), biases excluded."""
        return int(sum(np.asarray(self.node(n)["weight"]).size for n in self.compute_nodes()))

    def n_weight_bits(self) -> int:
        """Bits of weight memory: sum over conv/linear of parameters x weight_bits."""
        return int(sum(np.asarray(self.node(n)["weight"]).size * int(self.node(n)["weight_bits"]) for n in self.compute_nodes()))

    # ------------------------------------------------------------------ validation
    def validate(self) -> None:
        """Check kinds, attributes and shapes; raise :class:`UserError` naming the node on the first problem."""
        self.input_node()
        self.output_node()
        for n in self.order():
            d = self.g.nodes[n]
            kind = d.get("kind")
            if kind not in KINDS:
                raise UserError(f"graph {self.name!r}: node {n!r} has unknown kind {kind!r}; expected one of {', '.join(KINDS)}")
            ins = self.inputs_of(n)
            lo, hi = KINDS[kind].arity
            if not lo <= len(ins) <= hi:
                raise UserError(f"graph {self.name!r}: node {n!r} ({kind}) has {len(ins)} inputs; expected {lo}..{hi}")
            in_shapes = [tuple(self.g.nodes[u]["shape"]) for u, _ in ins]
            try:
                expected = KINDS[kind].shape(d, in_shapes)
            except ShapeMismatch as why:
                raise UserError(f"graph {self.name!r}: node {n!r} ({kind}) {why}; input shape {in_shapes[0]}") from None
            if tuple(d["shape"]) != tuple(expected):
                raise UserError(
                    f"graph {self.name!r}: node {n!r} ({kind}) has shape {tuple(d['shape'])} but its inputs give {tuple(expected)}"
                )
            KINDS[kind].check(d, f"graph {self.name!r}: node {n!r} ({kind}): ")
        types = self.value_types()
        for n in self.compute_nodes():
            (src, _), = self.inputs_of(n)
            if not types[src].is_integer:
                raise UserError(
                    f"graph {self.name!r}: {self.node(n)['kind']} node {n!r} reads real values from {src!r}; "
                    "a crossbar needs spikes or integers (put a lif before it)"
                )

    def value_types(self) -> dict[str, ValueType]:
        """Infer what each node emits (see the module docstring)."""
        types: dict[str, ValueType] = {}
        for n in self.order():
            d = self.g.nodes[n]
            ins = [types.get(u) for u, _ in self.inputs_of(n)]
            types[n] = KINDS[d["kind"]].value_type(d, ins[0] if ins else None)
        return types

    # ------------------------------------------------------------------ save / load
    def save(self, path: str | Path) -> Path:
        """Write ``path`` (``*.snn.json``) and the arrays beside it (``*.npz``). Returns the json path."""
        path = Path(path)
        if not path.name.endswith(".snn.json"):
            path = path.with_name(path.name + ".snn.json")
        npz = path.with_name(path.name[: -len(".snn.json")] + ".npz")
        arrays, nodes = {}, []
        for i, (n, d) in enumerate(self.g.nodes(data=True)):
            attrs = {}
            for k, v in d.items():
                if k in ARRAY_ATTRS and v is not None:
                    key = f"{i}.{k}"
                    arrays[key] = np.asarray(v)
                    attrs[k] = {"npz": key}
                else:
                    attrs[k] = _jsonable(v)
            nodes.append({"name": n, **attrs})
        edges = [{"src": u, "dst": v, **d} for u, v, d in self.g.edges(data=True)]
        path.parent.mkdir(parents=True, exist_ok=True)
        np.savez_compressed(npz, **arrays)
        path.write_text(json.dumps({"format": "snn-graph", "version": FORMAT_VERSION, "name": self.name,
                                    "weights": npz.name, "nodes": nodes, "edges": edges}, indent=1))
        return path

    @classmethod
    def load(cls, path: str | Path) -> "SnnGraph":
        """Read a graph written by :meth:`save`; a malformed file raises :class:`UserError` naming it."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text())
        except FileNotFoundError:
            raise UserError(f"{path}: no such graph file") from None
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            raise UserError(f"{path}: not a JSON graph file ({exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != "snn-graph":
            raise UserError(f"{path}: not an SnnGraph file (missing \"format\": \"snn-graph\")")
        npz_path = path.with_name(doc.get("weights", ""))
        try:
            arrays = dict(np.load(npz_path)) if npz_path.is_file() else {}
        except (OSError, ValueError) as exc:
            raise UserError(f"{npz_path}: cannot read the weight file ({exc})") from None
        graph = cls(doc.get("name", path.stem))
        try:
            for nd in doc["nodes"]:
                attrs = {}
                for k, v in nd.items():
                    if k == "name":
                        continue
                    if isinstance(v, dict) and "npz" in v:
                        if v["npz"] not in arrays:
                            raise UserError(f"{path}: node {nd['name']!r} field {k!r} refers to missing array {v['npz']!r} in {npz_path.name}")
                        v = arrays[v["npz"]]
                    elif isinstance(v, list):
                        v = tuple(v)
                    attrs[k] = v
                kind, shape = attrs.pop("kind"), attrs.pop("shape")
                graph.add_node(nd["name"], kind, shape, **attrs)
            for e in doc["edges"]:
                graph.add_edge(e["src"], e["dst"], port=e.get("port", 0), delay=e.get("delay", 0))
        except KeyError as exc:
            raise UserError(f"{path}: missing field {exc}") from None
        graph.validate()
        return graph

    def to_nir(self, dt: float = 1e-3):
        """This graph as a ``nir.NIRGraph`` (:func:`cimsim.nir_format.to_nir`; needs the ``nir`` package)."""
        from cimsim.nir_format import to_nir
        return to_nir(self, dt)

    @classmethod
    def from_nir(cls, source, weight_bits: int = 8, dt: float = 1e-3, input_bits: int = 1) -> "SnnGraph":
        """The graph of a ``nir.NIRGraph`` or ``.nir`` file (:func:`cimsim.nir_format.from_nir`)."""
        from cimsim.nir_format import from_nir
        return from_nir(source, weight_bits=weight_bits, dt=dt, input_bits=input_bits)

    def copy(self) -> "SnnGraph":
        return SnnGraph(self.name, self.g.copy())


def _jsonable(v: Any) -> Any:
    if isinstance(v, np.ndarray):
        return v.tolist()
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return float(v)
    if isinstance(v, (tuple, list)):
        return [_jsonable(x) for x in v]
    return v
