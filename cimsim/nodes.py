"""The node kinds of an :class:`~cimsim.graph.SnnGraph` as objects, and the one time loop that runs them.

Each kind declares, once, what :mod:`cimsim.graph` documents for it: how many inputs it takes, its output shape
and value type, the checks of its attributes, and its ``forward`` (the float32 / integer arithmetic of one
timestep). :class:`Runner` walks the graph timestep by timestep and calls the kinds' ``forward``; it is the
functional oracle (:func:`cimsim.functional.evaluate`). The engine (:mod:`cimsim.engine.execute`) is a subclass
that computes conv/linear products through the crossbars and the ADC (:meth:`Runner.matmul`) and counts actions
in the hooks (:meth:`Runner.edge`, :meth:`Runner.counted`, :meth:`Runner.timestep_done`); every other operation
is the same code. Neuron kinds come from :data:`cimsim.neurons.NEURONS`.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar

import numpy as np

from cimsim.errors import UserError
from cimsim.neurons import NEURONS, NeuronModel
from cimsim.ops import (F32, affine, as_real, exact_matmul, finish_matmul, layer_input_rows, pool, weight_matrix)

if TYPE_CHECKING:
    from cimsim.graph import SnnGraph


@dataclass(frozen=True)
class ValueType:
    """What a node emits: ``spike`` / ``int`` (integer x ``scale``, ``bits`` wide) / ``real``."""

    kind: str
    bits: int = 1
    scale: float = 1.0
    signed: bool = False

    @property
    def is_integer(self) -> bool:
        return self.kind in ("spike", "int")


REAL = ValueType("real")


def conv_out_hw(h: int, w: int, kernel: tuple, stride: tuple, padding: tuple) -> tuple[int, int]:
    """Output height/width of a convolution or pooling window."""
    return ((h + 2 * padding[0] - kernel[0]) // stride[0] + 1, (w + 2 * padding[1] - kernel[1]) // stride[1] + 1)


class ShapeMismatch(Exception):
    """A node's attributes do not fit its input shape (the graph turns it into a :class:`UserError`)."""


class NodeKind:
    """One node kind. Subclasses set :attr:`name` and override what differs from these defaults."""

    name: ClassVar[str]
    arity: ClassVar[tuple[int, int]] = (1, 1)
    integer_reader: ClassVar[bool] = False
    """Reads ``spike``/``int`` values as integers (else every input is turned into its real value first)."""

    def shape(self, d: dict, ins: list[tuple]) -> tuple:
        """Output shape from the input shapes (raise :class:`ShapeMismatch` saying why they do not fit)."""
        return ins[0]

    def value_type(self, d: dict, src: ValueType | None) -> ValueType:
        """What the node emits, given what its first input emits."""
        return REAL

    def check(self, d: dict, where: str) -> None:
        """Check attributes beyond shapes; raise :class:`UserError` starting with ``where``."""

    def forward(self, run: "Runner", n: str, d: dict, ins: list[np.ndarray]) -> np.ndarray:
        """The node's output ``[N, *shape]`` at timestep ``run.t`` from its inputs (in port order)."""
        return ins[0]

    def accumulations(self, d: dict, ins: list[np.ndarray], y: np.ndarray) -> int:
        """Digital additions per sample of one timestep (counted on the host tile's accumulators)."""
        return 0

    def neuron_updates(self, y: np.ndarray) -> int:
        """Neuron updates per sample of one timestep (counted on the host tile's LIF units)."""
        return 0


class Input(NodeKind):
    name = "input"
    arity = (0, 0)

    def shape(self, d, ins):
        return tuple(d["shape"])

    def value_type(self, d, src):
        bits, signed = int(d.get("bits", 1)), bool(d.get("signed", False))
        return ValueType("spike") if bits == 1 and not signed else ValueType("int", bits, float(d.get("scale", 1.0)), signed)

    def forward(self, run, n, d, ins):
        return run.inputs[run.t]


class Crossbar(NodeKind):
    """conv / linear: ``((acc * in_scale) * scale) + bias`` with ``acc`` the integer product of :meth:`Runner.matmul`."""

    integer_reader = True

    def check(self, d, where):
        w = np.asarray(d["weight"])
        if not np.issubdtype(w.dtype, np.integer):
            raise UserError(f"{where}weight has dtype {w.dtype}; expected integers (quantize first)")
        bits = int(d["weight_bits"])
        lim = 2 ** (bits - 1)
        if w.size and (w.min() < -lim or w.max() > lim - 1):
            raise UserError(f"{where}weights exceed the signed {bits}-bit range")

    def forward(self, run, n, d, ins):
        (src, _), = run.srcs[n]
        return finish_matmul(d, run.matmul(n, d, ins[0]), run.types[src].scale, run.N)


class Conv(Crossbar):
    name = "conv"

    def shape(self, d, ins):
        x, w = ins[0], np.asarray(d["weight"])
        if len(x) != 3 or w.ndim != 4 or w.shape[1] != x[0]:
            raise ShapeMismatch(f"weight {w.shape} does not match the input channels")
        return (w.shape[0], *conv_out_hw(x[1], x[2], w.shape[2:], tuple(d["stride"]), tuple(d["padding"])))


class Linear(Crossbar):
    name = "linear"

    def shape(self, d, ins):
        x, w = ins[0], np.asarray(d["weight"])
        if len(x) != 1 or w.ndim != 2 or w.shape[1] != x[0]:
            raise ShapeMismatch(f"weight {w.shape} does not match the input features")
        return (w.shape[0],)


class Pool(NodeKind):
    name = "pool"
    integer_reader = True

    def shape(self, d, ins):
        x = ins[0]
        if len(x) != 3:
            raise ShapeMismatch("needs a [C, H, W] input")
        return (x[0], *conv_out_hw(x[1], x[2], tuple(d["kernel"]), tuple(d["stride"]), tuple(d["padding"])))

    def value_type(self, d, src):
        if src is None or not src.is_integer:
            return REAL
        if d["mode"] == "max":
            return src
        area = int(np.prod(d["kernel"]))
        return ValueType("int", src.bits + math.ceil(math.log2(area)), src.scale / area, src.signed)

    def forward(self, run, n, d, ins):
        (src, _), = run.srcs[n]
        return pool(d, ins[0], run.types[src].is_integer)

    def accumulations(self, d, ins, y):
        return y[0].size * int(np.prod(d["kernel"]))


class Neuron(NodeKind):
    """A spiking neuron node of the registered model ``model`` (:mod:`cimsim.neurons`)."""

    def __init__(self, model: type[NeuronModel]):
        self.model = model
        self.name = model.kind

    def value_type(self, d, src):
        return ValueType("spike")

    def check(self, d, where):
        self.model.from_node(d, where)

    def forward(self, run, n, d, ins):
        return run.neuron(n, ins[0])

    def neuron_updates(self, y):
        # one LIF-unit update per state variable (a current-based LIF also decays and charges its current)
        return y[0].size * len(self.model.states)


class Add(NodeKind):
    name = "add"
    arity = (1, 99)

    def shape(self, d, ins):
        if any(s != ins[0] for s in ins):
            raise ShapeMismatch(f"has inputs of different shapes {ins}")
        return ins[0]

    def forward(self, run, n, d, ins):
        y = ins[0].astype(F32)
        for z in ins[1:]:
            y = y + z.astype(F32)
        return y

    def accumulations(self, d, ins, y):
        return y[0].size * (len(ins) - 1)


class Affine(NodeKind):
    name = "affine"

    def shape(self, d, ins):
        if len(np.asarray(d["weight"])) != ins[0][0]:
            raise ShapeMismatch(f"has {len(np.asarray(d['weight']))} channels")
        return ins[0]

    def forward(self, run, n, d, ins):
        return affine(d, ins[0])

    def accumulations(self, d, ins, y):
        return y[0].size


class Flatten(NodeKind):
    name = "flatten"
    integer_reader = True

    def shape(self, d, ins):
        return (int(np.prod(ins[0])),)

    def value_type(self, d, src):
        return REAL if src is None else src

    def forward(self, run, n, d, ins):
        return ins[0].reshape(run.N, -1)


class Output(NodeKind):
    name = "output"

    def value_type(self, d, src):
        return REAL if src is None else src


KINDS: dict[str, NodeKind] = {k.name: k for k in (Input(), Conv(), Linear(), Pool(), *(Neuron(m) for m in NEURONS.values()),
                                                   Add(), Affine(), Flatten(), Output())}
"""Node kind name -> kind object (the neuron kinds are the registered neuron models)."""


class Runner:
    """Runs a validated graph on checked integer inputs ``[T, N, *shape]`` timestep by timestep (the oracle).

    Attributes
    ----------
    t: the timestep being computed. N: samples. spikes: neuron node -> bool ``[T, N, *shape]``.
    """

    def __init__(self, graph: "SnnGraph", inputs: np.ndarray):
        self.graph, self.inputs = graph, inputs
        self.T, self.N = inputs.shape[:2]
        self.t = 0
        self.order = graph.order()
        self.types = graph.value_types()
        self.nodes = {n: graph.node(n) for n in self.order}
        self.kinds = {n: KINDS[d["kind"]] for n, d in self.nodes.items()}
        self.srcs = {n: graph.inputs_of(n) for n in self.order}
        self.models = {n: NEURONS[d["kind"]].from_node(d) for n, d in self.nodes.items() if d["kind"] in NEURONS}
        self.spikes = {n: np.zeros((self.T, self.N, *self.nodes[n]["shape"]), dtype=bool) for n in self.models}
        self.mem: dict[str, np.ndarray] = {}
        self._wmats: dict[str, np.ndarray] = {}

    # ------------------------------------------------------------------ operations a subclass may replace
    def matmul(self, n: str, d: dict, x: np.ndarray) -> np.ndarray:
        """Integer product of crossbar layer ``n`` on its integer input ``x``: int64 ``[N, P, Cout]`` (exact)."""
        if n not in self._wmats:
            self._wmats[n] = weight_matrix(d)
        return exact_matmul(layer_input_rows(d, x), self._wmats[n])

    def neuron(self, n: str, x: np.ndarray) -> np.ndarray:
        """One timestep of neuron node ``n`` through its model's kernel; returns uint8 spikes (kept in ``spikes``)."""
        model = self.models[n]
        v = self.mem.get(n)
        if v is None:
            v = self.mem[n] = model.init((self.N, *self.nodes[n]["shape"]))
        s = model.update(np.ascontiguousarray(x, dtype=F32), v)
        self.spikes[n][self.t] = s.view(bool)
        return s

    # ------------------------------------------------------------------ hooks (no-ops in the oracle)
    def edge(self, src: str, dst: str, delay: int, value: np.ndarray) -> None:
        """``dst`` reads ``value`` from ``src`` (not called for the zeros a delayed edge delivers at t = 0)."""

    def counted(self, n: str, kind: NodeKind, d: dict, ins: list[np.ndarray], y: np.ndarray) -> None:
        """Node ``n`` computed ``y`` from ``ins``."""

    def timestep_done(self, output: np.ndarray) -> None:
        """Timestep ``t`` is complete; ``output`` is the output node's value ``[N, F]``."""

    # ------------------------------------------------------------------ the time loop
    def _read(self, cur: dict, prev: dict, src: str, dst: str, delay: int) -> np.ndarray:
        if delay == 0:
            value = cur[src]
        elif src in prev:
            value = prev[src]
        else:
            return np.zeros((self.N, *self.nodes[src]["shape"]), dtype=F32)
        self.edge(src, dst, delay, value)
        return value

    def run(self, keep_values: bool = False) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """Output-node values ``[T, N, F]`` (float32) and, with ``keep_values``, every node's ``[T, N, *shape]``."""
        out_node = self.graph.output_node()
        values: dict[str, list] = {n: [] for n in self.order} if keep_values else {}
        prev: dict[str, np.ndarray] = {}
        outputs = []
        for self.t in range(self.T):
            cur: dict[str, np.ndarray] = {}
            for n in self.order:
                d, kind, srcs = self.nodes[n], self.kinds[n], self.srcs[n]
                ins = [self._read(cur, prev, u, n, delay) for u, delay in srcs]
                if not kind.integer_reader:
                    ins = [as_real(v, self.types[u]) for v, (u, _) in zip(ins, srcs)]
                cur[n] = y = kind.forward(self, n, d, ins)
                self.counted(n, kind, d, ins, y)
                if keep_values:
                    values[n].append(y)
            outputs.append(np.asarray(cur[out_node], dtype=F32).reshape(self.N, -1))
            self.timestep_done(outputs[-1])
            prev = cur
        return np.stack(outputs), {n: np.stack(v) for n, v in values.items()}
