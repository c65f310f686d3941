"""NIR (Neuromorphic Intermediate Representation) graphs to and from :class:`~cimsim.graph.SnnGraph`.

The ``nir`` package is optional (``pip install -e .[interop]``): it is imported when a NIR graph is read or
written. Reading (:func:`from_nir`) supports Input, Output, Conv2d, Linear, Affine, LIF, CubaLIF, IF, SumPool2d,
AvgPool2d, Flatten, Scale and Threshold; any other node is named in a one-line :class:`UserError`.

- NIR weights are floats: they are quantized to ``weight_bits`` (symmetric, ``scale = max|w| / (2^(b-1) - 1)`` in
  float32), as the torch exporters do.
- NIR neurons are continuous-time: they are discretized with the timestep ``dt`` (seconds, default 1e-3, Norse's
  ``from_nir`` default), forward Euler as Norse does: a ``LIF`` becomes :class:`~cimsim.neurons.LIFBox` with
  ``decay = float32(dt) * float32(1 / tau)``; ``IF`` and ``Threshold`` need no ``dt``. A ``CubaLIF`` becomes
  :class:`~cimsim.neurons.CubaLIF` (``syn_decay``, ``mem_decay`` likewise): forward Euler of
  ``tau_syn di/dt = -i + w_in s`` and ``tau_mem dv/dt = (v_leak - v) + r i``, the membrane reading the current
  updated in the same step (as Norse's ``from_nir`` chains its synapse and neuron). The model carries ``r * i``, so
  an input adds ``dt / tau_syn * r * w_in`` of itself to it. (Norse's import leaks the synapse towards ``v_leak``
  instead of 0; the two agree for the usual ``v_leak = 0``.)
- A neuron's resistance ``r`` (a CubaLIF's ``dt / tau_syn * r * w_in``) scales its input: an ``affine`` node when it
  is not 1.
- A node reading several edges reads their sum (NIR's rule): an ``add`` node.
- The sum pool is an average pool whose factor ``kh * kw`` is folded into the next crossbar's float weights.

Writing (:func:`to_nir`) gives every node its NIR equivalent (floats: ``weight_int * scale``) and keeps in each
node's metadata (flat ``cimsim_*`` keys) what NIR cannot say (weight scales, the input's quantization, the exact
neuron model); :func:`from_nir` takes a weight scale only when the NIR weights are exact multiples of it, and a
neuron model named there instead of discretizing, so ours -> NIR -> ours is bit-exact.
"""
from __future__ import annotations

from pathlib import Path

import numpy as np

from cimsim.errors import UserError
from cimsim.graph import SnnGraph, conv_out_hw
from cimsim.neurons import IF, NEURONS, CubaLIF, LIFBox, Leaky

F32 = np.float32
DEFAULT_DT = 1e-3
NIR_READ = "Input, Output, Conv2d, Linear, Affine, LIF, CubaLIF, IF, SumPool2d, AvgPool2d, Flatten, Scale, Threshold"


def _nir():
    try:
        import nir
    except ImportError:
        raise UserError("reading or writing NIR needs the nir package: pip install -e .[interop]") from None
    return nir


def _pair(v) -> tuple[int, int]:
    a = np.atleast_1d(np.asarray(v)).astype(int)
    return (int(a[0]), int(a[-1]))


def _uniform(name: str, kind: str, param: str, value) -> float:
    a = np.asarray(value, dtype=np.float64)
    if a.size and not np.all(a == a.flat[0]):
        raise UserError(f"NIR {kind} {name!r}: {param} takes {np.unique(a).size} different values; only one value "
                        "per layer maps onto a neuron model")
    return float(a.flat[0]) if a.size else 0.0


def _meta(node) -> dict:
    """What :func:`to_nir` kept in ``node.metadata`` (flat ``cimsim_*`` keys: HDF5 stores no nested dicts)."""
    out = {}
    for k, v in getattr(node, "metadata", {}).items():
        if k.startswith("cimsim_"):
            v = v.item() if isinstance(v, np.generic) or (isinstance(v, np.ndarray) and v.ndim == 0) else v
            out[k[len("cimsim_"):]] = v.decode() if isinstance(v, bytes) else v
    return out


def quantize_weights(w: np.ndarray, bits: int) -> tuple[np.ndarray, float]:
    """Symmetric fixed point: int32 weights and their float32 scale (``w ~ w_int * scale``)."""
    qm = 2 ** (int(bits) - 1) - 1
    absmax = float(np.abs(w).max()) if w.size else 0.0
    scale = float(F32(absmax / qm)) if absmax > 0 else 1.0
    return np.clip(np.rint(w / scale), -qm - 1, qm).astype(np.int32), scale


# ---------------------------------------------------------------------------------------------- reading
class _Reader:
    def __init__(self, ng, weight_bits: int, dt: float, input_bits: int, name: str):
        self.ng, self.bits, self.dt, self.input_bits = ng, int(weight_bits), float(dt), int(input_bits)
        self.g = SnnGraph(name)
        self.gain: dict[str, float] = {}  # value -> factor the next crossbar's weights absorb (sum pools)
        self.ins: dict[str, list[str]] = {n: [] for n in ng.nodes}
        for src, dst in ng.edges:
            self.ins[dst.split(".")[0] if dst not in ng.nodes else dst].append(src.split(".")[0] if src not in ng.nodes else src)

    def order(self) -> list[str]:
        done, order = set(), []
        pending = list(self.ng.nodes)
        while pending:
            ready = [n for n in pending if all(s in done for s in self.ins[n])]
            if not ready:
                raise UserError(f"NIR graph has a cycle through {pending[0]!r}; recurrent NIR graphs are not supported")
            for n in ready:
                done.add(n)
                order.append(n)
                pending.remove(n)
        return order

    def source(self, n: str) -> str:
        srcs = self.ins[n]
        if not srcs:
            raise UserError(f"NIR node {n!r} has no input edge")
        if len(srcs) == 1:
            return srcs[0]
        shape = self.g.node(srcs[0])["shape"]
        add = self.g.add_node(f"{n}.sum", "add", tuple(shape))
        for port, s in enumerate(srcs):
            self.g.add_edge(self._real(s), add, port=port)
        return add

    def _real(self, src: str) -> str:
        """``src`` or an affine rescale after it when it holds integers with a scale (a pool over spikes)."""
        t = self.g.value_types()[src]
        if t.kind != "int" or t.scale == 1.0:
            return src
        c = self.g.node(src)["shape"][0]
        name = self.g.add_node(f"{src}.rescale", "affine", tuple(self.g.node(src)["shape"]),
                               weight=np.full(c, F32(t.scale), dtype=F32), bias=np.zeros(c, dtype=F32))
        self.g.add_edge(src, name)
        return name

    def read(self) -> SnnGraph:
        nir = _nir()
        for n in self.order():
            node = self.ng.nodes[n]
            kind = type(node).__name__
            handler = getattr(self, f"_{kind.lower()}", None)
            if handler is None or not isinstance(node, getattr(nir, kind, ())):
                raise UserError(f"NIR node {n!r} of type {kind} is not supported; supported: {NIR_READ}")
            handler(n, node)
        self.g.validate()
        return self.g

    # one method per NIR node type (named after it)
    def _input(self, n, node):
        shape = tuple(int(s) for s in np.asarray(node.input_type["input"]).ravel())
        meta = _meta(node)
        bits = int(meta.get("bits", self.input_bits))
        self.g.add_node(n, "input", shape, bits=bits, signed=bool(meta.get("signed", bits != 1)),
                        scale=float(meta.get("scale", 1.0)))

    def _output(self, n, node):
        src = self._real(self.source(n))
        self.g.add_node(n, "output", tuple(self.g.node(src)["shape"]), vote=int(_meta(node).get("vote", 1)))
        self.g.add_edge(src, n)

    def _weights(self, n, node, w: np.ndarray, src: str) -> tuple[np.ndarray, float]:
        w = np.asarray(w, dtype=np.float64) * self.gain.get(src, 1.0)
        meta = _meta(node)
        scale = meta.get("scale")
        if scale is not None and int(meta.get("weight_bits", -1)) == self.bits:
            w_int = np.rint(w / scale)
            if np.array_equal(w_int * scale, w):
                return w_int.astype(np.int32), float(scale)
        return quantize_weights(w, self.bits)

    def _crossbar_input(self, n: str, kind: str) -> str:
        src = self.source(n)
        if self.g.value_types()[src].kind == "real":
            raise UserError(f"NIR {kind} {n!r} reads real values (not spikes or the input); a crossbar is driven by "
                            "spikes: put a neuron before it")
        return src

    def _conv2d(self, n, node):
        src = self._crossbar_input(n, "Conv2d")
        if int(np.max(node.dilation)) != 1 or int(node.groups) != 1:
            raise UserError(f"NIR Conv2d {n!r}: dilation={node.dilation}, groups={node.groups}; only 1 and 1 are supported")
        w_int, scale = self._weights(n, node, node.weight, src)
        pad = node.padding
        if isinstance(pad, str):
            pad = (0, 0) if pad == "valid" else (w_int.shape[2] // 2, w_int.shape[3] // 2)
        stride, pad = _pair(node.stride), _pair(pad)
        c, h, wd = self.g.node(src)["shape"]
        shape = (w_int.shape[0], *conv_out_hw(h, wd, w_int.shape[2:], stride, pad))
        bias = np.asarray(node.bias, dtype=F32).reshape(-1) if node.bias is not None and np.any(node.bias) else None
        self.g.add_node(n, "conv", shape, weight=w_int, weight_bits=self.bits, scale=scale, bias=bias, stride=stride,
                        padding=pad)
        self.g.add_edge(src, n)

    def _linear(self, n, node, bias=None):
        src = self._crossbar_input(n, type(node).__name__)
        w_int, scale = self._weights(n, node, node.weight, src)
        b = None if bias is None else np.asarray(bias, dtype=F32).reshape(-1)
        self.g.add_node(n, "linear", (w_int.shape[0],), weight=w_int, weight_bits=self.bits, scale=scale, bias=b)
        self.g.add_edge(src, n)

    def _affine(self, n, node):
        self._linear(n, node, node.bias)

    def _pool(self, n, node, sum_pool: bool):
        src = self.source(n)
        kernel, stride, pad = _pair(node.kernel_size), _pair(node.stride), _pair(node.padding)
        c, h, w = self.g.node(src)["shape"]
        self.g.add_node(n, "pool", (c, *conv_out_hw(h, w, kernel, stride, pad)), mode="avg", kernel=kernel,
                        stride=stride, padding=pad)
        self.g.add_edge(src, n)
        if sum_pool:
            self.gain[n] = float(kernel[0] * kernel[1]) * self.gain.get(src, 1.0)

    def _sumpool2d(self, n, node):
        self._pool(n, node, True)

    def _avgpool2d(self, n, node):
        self._pool(n, node, False)

    def _flatten(self, n, node):
        src = self.source(n)
        self.g.add_node(n, "flatten", (int(np.prod(self.g.node(src)["shape"])),))
        self.g.add_edge(src, n)
        if src in self.gain:
            self.gain[n] = self.gain[src]

    def _scale(self, n, node):
        src = self._real(self.source(n))
        shape = tuple(self.g.node(src)["shape"])
        self._affine_node(n, src, np.broadcast_to(np.asarray(node.scale, dtype=F32), shape), "Scale", "scale")

    def _affine_node(self, n: str, src: str, per_element: np.ndarray, kind: str, param: str) -> str:
        """An affine node ``x * w[c]`` from a per-element factor constant within each channel."""
        a = np.asarray(per_element, dtype=F32).reshape(per_element.shape[0], -1)
        if not np.all(a == a[:, :1]):
            raise UserError(f"NIR {kind} {n!r}: {param} varies within a channel; only per-channel factors are supported")
        self.g.add_node(n, "affine", tuple(per_element.shape), weight=a[:, 0].copy(), bias=np.zeros(a.shape[0], F32))
        self.g.add_edge(src, n)
        return n

    def _neuron(self, n, node, model, gain=None, kind=""):
        src = self._real(self.source(n))
        meta = _meta(node)
        if meta.get("kind") in NEURONS:  # our exact model, written by to_nir (a field left out is None)
            cls = NEURONS[meta["kind"]]
            attrs = {f: meta.get(f) for f in cls.__dataclass_fields__}
            model = cls.from_node(attrs, f"NIR {kind} {n!r}: ")
        elif gain is not None and not np.all(np.asarray(gain) == 1):
            shape = tuple(self.g.node(src)["shape"])
            src = self._affine_node(f"{n}.r", src, np.broadcast_to(np.asarray(gain, dtype=F32), shape), kind, "r")
        model.check(f"NIR {kind} {n!r}: ")
        self.g.add_node(n, model.kind, tuple(self.g.node(src)["shape"]), **model.attrs())
        self.g.add_edge(src, n)

    def _lif(self, n, node):
        u = lambda p: _uniform(n, "LIF", p, getattr(node, p))  # noqa: E731
        decay = float(F32(self.dt) * F32(1.0 / u("tau")))
        model = LIFBox(decay=decay, v_leak=u("v_leak"), v_threshold=u("v_threshold"), v_reset=u("v_reset"))
        self._neuron(n, node, model, node.r, "LIF")

    def _cubalif(self, n, node):
        u = lambda p: _uniform(n, "CubaLIF", p, getattr(node, p))  # noqa: E731
        syn = float(F32(self.dt) * F32(1.0 / u("tau_syn")))
        model = CubaLIF(syn_decay=syn, mem_decay=float(F32(self.dt) * F32(1.0 / u("tau_mem"))), v_leak=u("v_leak"),
                        v_threshold=u("v_threshold"), v_reset=u("v_reset"))
        self._neuron(n, node, model, syn * np.asarray(node.r) * np.asarray(node.w_in), "CubaLIF")

    def _if(self, n, node):
        model = IF(v_threshold=_uniform(n, "IF", "v_threshold", node.v_threshold),
                   v_reset=_uniform(n, "IF", "v_reset", node.v_reset), strict=True)
        self._neuron(n, node, model, node.r, "IF")

    def _threshold(self, n, node):
        self._neuron(n, node, Leaky(beta=0.0, threshold=_uniform(n, "Threshold", "threshold", node.threshold),
                                    reset="none"), None, "Threshold")


def from_nir(source, weight_bits: int = 8, dt: float = DEFAULT_DT, input_bits: int = 1,
             name: str | None = None) -> SnnGraph:
    """An :class:`SnnGraph` of a NIR graph (a ``nir.NIRGraph`` or a ``.nir`` file); see the module docstring.

    Parameters
    ----------
    weight_bits:
        Bits of the quantized weights (the chip's).
    dt:
        Timestep in seconds for the continuous-time neurons (recorded in the graph as ``dt_s``).
    input_bits:
        Input bits when the file does not say (1: spikes).
    """
    nir = _nir()
    if isinstance(source, (str, Path)):
        path = Path(source)
        try:
            ng = nir.read(str(path))
        except Exception as exc:  # h5py / nir raise many types for a bad file
            raise UserError(f"cannot read NIR file {path}: {str(exc).splitlines()[0] if str(exc) else type(exc).__name__}") from None
        name = name or path.name.removesuffix(".nir")
    else:
        ng = source
    if not float(dt) > 0:
        raise UserError(f"dt={dt}; expected a timestep > 0 s")
    g = _Reader(ng, weight_bits, dt, input_bits, name or "nir").read()
    g.g.graph["dt_s"] = float(dt)
    return g


# ---------------------------------------------------------------------------------------------- writing
def _neuron_to_nir(nir, d: dict, shape: tuple, dt: float):
    """The NIR neuron closest to graph node ``d`` (continuous time, timestep ``dt``); exact via its metadata."""
    full = lambda v: np.full(shape, float(v), dtype=np.float64)  # noqa: E731
    kind = d["kind"]
    reset = d.get("v_reset")
    if kind == "if":
        return nir.IF(r=full(1.0), v_threshold=full(d["v_threshold"]), v_reset=full(reset or 0.0))
    if kind == "leaky":  # v <- beta v + x: tau = dt / (1 - beta), r = tau / dt (snntorch's NIR export)
        tau = dt / max(1e-12, 1.0 - float(d["beta"]))
        return nir.LIF(tau=full(tau), r=full(tau / dt), v_leak=full(0.0), v_threshold=full(d["threshold"]),
                       v_reset=full(0.0))
    if kind == "lif_box":
        return nir.LIF(tau=full(dt / float(d["decay"])), r=full(1.0), v_leak=full(d["v_leak"]),
                       v_threshold=full(d["v_threshold"]), v_reset=full(d["v_reset"]))
    if kind == "cuba_lif":  # the model's current is r * i with r = 1, and an input adds w_in * dt / tau_syn = 1
        syn = float(d["syn_decay"])
        return nir.CubaLIF(tau_syn=full(dt / syn), tau_mem=full(dt / float(d["mem_decay"])), r=full(1.0),
                           v_leak=full(d["v_leak"]), v_threshold=full(d["v_threshold"]), v_reset=full(d["v_reset"]),
                           w_in=full(1.0 / syn))
    if kind in ("lif", "lif_div"):  # v <- v + (x - (v - r)) / tau: tau * dt seconds, leak to the reset value
        return nir.LIF(tau=full(float(d["tau"]) * dt), r=full(1.0), v_leak=full(reset or 0.0),
                       v_threshold=full(d["v_threshold"]), v_reset=full(reset or 0.0))
    raise UserError(f"neuron kind {kind!r} has no NIR equivalent yet")


def _node_to_nir(nir, g: SnnGraph, n: str, dt: float):
    d = g.node(n)
    kind, shape = d["kind"], tuple(d["shape"])
    meta = {}
    if kind == "input":
        node = nir.Input(input_type={"input": np.array(shape)})
        meta = {"bits": int(d["bits"]), "signed": bool(d.get("signed", False)), "scale": float(d.get("scale", 1.0))}
    elif kind == "output":
        node, meta = nir.Output(output_type={"output": np.array(shape)}), {"vote": int(d.get("vote", 1))}
    elif kind in ("conv", "linear"):
        w = np.asarray(d["weight"], dtype=np.float64) * float(d["scale"])  # exact in float64
        bias = None if d.get("bias") is None else np.asarray(d["bias"], dtype=np.float64)
        meta = {"scale": float(d["scale"]), "weight_bits": int(d["weight_bits"])}
        if kind == "conv":
            (src, _), = g.inputs_of(n)
            node = nir.Conv2d(input_shape=tuple(g.node(src)["shape"][1:]), weight=w, stride=tuple(d["stride"]),
                              padding=tuple(d["padding"]), dilation=1, groups=1,
                              bias=np.zeros(w.shape[0]) if bias is None else bias)
        else:
            node = nir.Linear(weight=w) if bias is None else nir.Affine(weight=w, bias=bias)
    elif kind == "pool":
        if d["mode"] != "avg":
            raise UserError(f"graph node {n!r}: a {d['mode']} pool has no NIR node (NIR pools are sum and avg)")
        node = nir.AvgPool2d(kernel_size=np.array(d["kernel"]), stride=np.array(d["stride"]),
                             padding=np.array(d["padding"]))
    elif kind == "flatten":
        (src, _), = g.inputs_of(n)
        node = nir.Flatten(input_type={"input": np.array(g.node(src)["shape"])}, start_dim=0, end_dim=-1)
    elif kind == "affine":
        if np.any(np.asarray(d["bias"]) != 0):
            raise UserError(f"graph node {n!r}: an affine node with a bias has no NIR node (NIR Scale has none)")
        w = np.asarray(d["weight"], dtype=np.float64).reshape(-1, *([1] * (len(shape) - 1)))
        node = nir.Scale(scale=np.broadcast_to(w, shape).copy())
    elif kind in NEURONS:
        node = _neuron_to_nir(nir, d, shape, dt)
        meta = {"kind": kind, **{k: v for k, v in NEURONS[kind].from_node(d).attrs().items() if v is not None}}
    else:
        raise UserError(f"graph node {n!r} of kind {kind!r} has no NIR node")
    node.metadata.update({f"cimsim_{k}": v for k, v in meta.items()})
    return node


def to_nir(graph: SnnGraph, dt: float = DEFAULT_DT):
    """A ``nir.NIRGraph`` of ``graph`` (see the module docstring); ``add`` nodes become several edges into the
    node that reads them (NIR sums a node's inputs), in port order."""
    nir = _nir()
    nodes, edges = {}, []
    for n in graph.order():
        d = graph.node(n)
        for src, _ in graph.inputs_of(n):
            if graph.g.edges[src, n].get("delay", 0):
                raise UserError(f"graph edge {src!r} -> {n!r} is recurrent (delay 1); NIR export supports feed-forward graphs")
        if d["kind"] != "add":
            nodes[n] = _node_to_nir(nir, graph, n, dt)
    for n in nodes:
        for src in _sources(graph, n):
            edges.append((src, n))
    return nir.NIRGraph(nodes=nodes, edges=edges, type_check=False)


def _sources(graph: SnnGraph, n: str) -> list[str]:
    """The non-add nodes whose sum ``n`` reads, in port order."""
    out = []
    for src, _ in graph.inputs_of(n):
        out += _sources(graph, src) if graph.node(src)["kind"] == "add" else [src]
    return out


def write_nir(graph: SnnGraph, path: str | Path, dt: float = DEFAULT_DT) -> Path:
    """Write ``graph`` as a NIR file (HDF5)."""
    path = Path(path)
    _nir().write(str(path), to_nir(graph, dt))
    return path
