"""Plain numpy evaluation of an :class:`~cimsim.graph.SnnGraph` (the functional oracle).

This is the "dense forward" of the quantized SNN: the simulator's spikes must equal these bit for bit when the
ADC is ideal, and benchmarks compare the simulator's run time against it. The per-node operations here are
shared with the engine, so that the only thing the engine does differently is how a conv/linear is computed
(crossbar slices through the ADC instead of one exact integer matmul).
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cimsim.errors import UserError
from cimsim.graph import SnnGraph

F32 = np.float32


def im2col(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple) -> np.ndarray:
    """Unfold ``x`` ``[N, C, H, W]`` into ``[N, P, C*kh*kw]`` rows ordered (c, i, j) like ``weight.reshape(Cout, -1)``.

    P = Ho*Wo output positions in row-major order.
    """
    kh, kw = kernel
    ph, pw = padding
    if ph or pw:
        x = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    win = np.lib.stride_tricks.sliding_window_view(x, (kh, kw), axis=(2, 3))  # N, C, H', W', kh, kw
    win = win[:, :, :: stride[0], :: stride[1]]
    n, c, ho, wo = win.shape[:4]
    return win.transpose(0, 2, 3, 1, 4, 5).reshape(n, ho * wo, c * kh * kw)


def weight_matrix(node: dict) -> np.ndarray:
    """The integer weight as the crossbar matrix ``[rows, cols]`` = ``[Cin*kh*kw (or in), Cout]``."""
    w = np.asarray(node["weight"])
    return w.reshape(w.shape[0], -1).T


def layer_input_rows(node: dict, x: np.ndarray) -> np.ndarray:
    """What drives a conv/linear's crossbar rows: ``[N, P, rows]`` integers (P = 1 for linear)."""
    if node["kind"] == "conv":
        k = np.asarray(node["weight"]).shape[2:]
        return im2col(x, tuple(k), tuple(node["stride"]), tuple(node["padding"]))
    return x.reshape(x.shape[0], 1, -1)


def finish_matmul(node: dict, acc: np.ndarray, in_scale: float, n: int) -> np.ndarray:
    """Integer accumulations ``[N, P, Cout]`` -> the layer's real output ``[N, *shape]`` (float32)."""
    y = (acc.astype(F32) * F32(in_scale)) * F32(node["scale"])
    if node.get("bias") is not None:
        y = y + np.asarray(node["bias"], dtype=F32)
    shape = node["shape"]
    if node["kind"] == "conv":
        return np.ascontiguousarray(y.transpose(0, 2, 1)).reshape(n, *shape)
    return y.reshape(n, *shape)


def exact_matmul(rows: np.ndarray, wmat: np.ndarray) -> np.ndarray:
    """Exact integer product ``[..., R] @ [R, C]`` through BLAS.

    float32 when every partial sum stays below 2**24 (exact there), else float64 (exact below 2**53).
    """
    if rows.size == 0:
        return np.zeros((*rows.shape[:-1], wmat.shape[1]), np.int64)
    rmax = max(abs(int(rows.max())), abs(int(rows.min())))
    wmax = max(abs(int(wmat.max(initial=0))), abs(int(wmat.min(initial=0))))
    dt = np.float32 if rmax * wmax * rows.shape[-1] < 2**24 else np.float64
    return np.rint(rows.astype(dt) @ wmat.astype(dt)).astype(np.int64)


def pool(node: dict, x: np.ndarray, integer: bool) -> np.ndarray:
    """Avg/max pooling of ``[N, C, H, W]``; an integer avg pool returns the window sum (scale handled by types)."""
    k, s, p = tuple(node["kernel"]), tuple(node["stride"]), tuple(node["padding"])
    kh, kw = k
    if integer:
        x = x.astype(np.int32)  # window sums of spikes/small integers
    if p[0] or p[1]:
        fill = 0 if (node["mode"] == "avg" or integer) else -np.inf
        x = np.pad(x, ((0, 0), (0, 0), (p[0], p[0]), (p[1], p[1])), constant_values=fill)
    ho = (x.shape[2] - kh) // s[0] + 1
    wo = (x.shape[3] - kw) // s[1] + 1
    out = None
    for i in range(kh):
        for j in range(kw):
            sl = x[:, :, i : i + s[0] * (ho - 1) + 1 : s[0], j : j + s[1] * (wo - 1) + 1 : s[1]]
            if out is None:
                out = sl.copy()
            elif node["mode"] == "max":
                out = np.maximum(out, sl)
            else:
                out = out + sl
    if node["mode"] == "avg" and not integer:
        out = out / F32(kh * kw)
    return out


def lif_step(node: dict, x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """One LIF timestep in float32 (see :mod:`cimsim.graph`). Returns ``(spikes bool, new membrane)``."""
    decay = F32(1.0 / float(node["tau"]))
    r = F32(0.0 if node.get("v_reset") is None else node["v_reset"])
    thr = F32(node["v_threshold"])
    x = x.astype(F32, copy=False)
    h = v + (x - (v - r)) * decay
    s = h >= thr
    if node.get("v_reset") is None:
        v = h - s.astype(F32) * thr
    else:
        v = np.where(s, r, h)
    return s, v


INTEGER_READERS = ("conv", "linear", "pool", "flatten")
"""Node kinds that take integer-typed values as integers (the others read their real value, integer x scale)."""


def as_real(value: np.ndarray, vtype) -> np.ndarray:
    """The real value of an ``int``-typed tensor (integer x scale); spikes and reals are returned as they are."""
    if vtype.kind == "int" and vtype.scale != 1.0:
        return value.astype(F32) * F32(vtype.scale)
    return value


def lif_init(node: dict, shape: tuple) -> np.ndarray:
    r = 0.0 if node.get("v_reset") is None else node["v_reset"]
    return np.full(shape, r, dtype=F32)


def affine(node: dict, x: np.ndarray) -> np.ndarray:
    w = np.asarray(node["weight"], dtype=F32)
    b = np.asarray(node["bias"], dtype=F32)
    extra = (1,) * (x.ndim - 2)
    return x.astype(F32) * w.reshape(-1, *extra) + b.reshape(-1, *extra)


def vote_scores(node: dict, out: np.ndarray) -> np.ndarray:
    """Output-node values ``[..., F]`` -> class scores ``[..., F // vote]`` (mean over vote groups)."""
    vote = int(node.get("vote", 1))
    if vote == 1:
        return out
    return out.reshape(*out.shape[:-1], -1, vote).mean(-1, dtype=F32)


@dataclass
class FunctionalResult:
    """Spikes of every lif node ``[T, N, *shape]`` (bool), output-node values ``[T, N, F]`` and predictions ``[N]``."""

    spikes: dict[str, np.ndarray]
    outputs: np.ndarray
    predictions: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)


def check_inputs(graph: SnnGraph, inputs: np.ndarray) -> np.ndarray:
    """Validate integer inputs ``[T, N, *shape]`` against the input node; returns int32."""
    node = graph.node(graph.input_node())
    shape = tuple(node["shape"])
    inputs = np.asarray(inputs)
    if inputs.ndim != len(shape) + 2 or tuple(inputs.shape[2:]) != shape:
        raise UserError(f"inputs have shape {inputs.shape}; graph {graph.name!r} expects [T, N, {', '.join(map(str, shape))}]")
    if not np.issubdtype(inputs.dtype, np.integer) and not np.issubdtype(inputs.dtype, np.bool_):
        if not np.all(np.rint(inputs) == inputs):
            raise UserError("inputs must be integers (spikes or quantized values); scale them by the input node's scale")
    bits, signed = int(node.get("bits", 1)), bool(node.get("signed", False))
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if inputs.size and (inputs.min() < lo or inputs.max() > hi):
        raise UserError(f"inputs range [{inputs.min()}, {inputs.max()}] exceeds the input node's {bits}-bit "
                        f"{'signed' if signed else 'unsigned'} range [{lo}, {hi}]")
    return inputs.astype(np.int32)


def evaluate(graph: SnnGraph, inputs: np.ndarray, keep_values: bool = False) -> FunctionalResult:
    """Run ``graph`` on integer ``inputs`` ``[T, N, *shape]`` with exact integer matmuls.

    Parameters
    ----------
    graph: the validated SNN graph.
    inputs: integer input values per timestep (spikes or quantized frames).
    keep_values: also return every node's output ``[T, N, *shape]``.
    """
    graph.validate()
    inputs = check_inputs(graph, inputs)
    types = graph.value_types()
    order = graph.order()
    T, N = inputs.shape[:2]
    out_node = graph.output_node()
    prev: dict[str, np.ndarray] = {}
    mem: dict[str, np.ndarray] = {}
    spikes = {n: np.zeros((T, N, *graph.node(n)["shape"]), dtype=bool) for n in graph.lif_nodes()}
    values: dict[str, list] = {n: [] for n in order} if keep_values else {}
    outputs = []
    for t in range(T):
        cur: dict[str, np.ndarray] = {}

        def read(src: str, delay: int) -> np.ndarray:
            if delay == 0:
                return cur[src]
            if src in prev:
                return prev[src]
            return np.zeros((N, *graph.node(src)["shape"]), dtype=F32)

        for n in order:
            d = graph.node(n)
            kind = d["kind"]
            ins = [read(u, dl) for u, dl in graph.inputs_of(n)]
            if kind not in INTEGER_READERS:
                ins = [as_real(v, types[u]) for v, (u, _) in zip(ins, graph.inputs_of(n))]
            if kind == "input":
                y = inputs[t]
            elif kind in ("conv", "linear"):
                (src, _), = graph.inputs_of(n)
                rows = layer_input_rows(d, ins[0])
                acc = exact_matmul(rows, weight_matrix(d))
                y = finish_matmul(d, acc, types[src].scale, N)
            elif kind == "pool":
                (src, _), = graph.inputs_of(n)
                y = pool(d, ins[0], types[src].is_integer)
            elif kind == "lif":
                v = mem.get(n)
                if v is None:
                    v = lif_init(d, (N, *d["shape"]))
                s, mem[n] = lif_step(d, ins[0], v)
                spikes[n][t] = s
                y = s.view(np.uint8)
            elif kind == "add":
                y = ins[0].astype(F32)
                for z in ins[1:]:
                    y = y + z.astype(F32)
            elif kind == "affine":
                y = affine(d, ins[0])
            elif kind == "flatten":
                y = ins[0].reshape(N, -1)
            else:  # output
                y = ins[0]
            cur[n] = y
            if keep_values:
                values[n].append(y)
        outputs.append(np.asarray(cur[out_node], dtype=F32).reshape(N, -1))
        prev = cur
    outputs_arr = np.stack(outputs)
    predictions = predict(graph, outputs_arr)
    vals = {n: np.stack(v) for n, v in values.items()} if keep_values else {}
    return FunctionalResult(spikes, outputs_arr, predictions, vals)


def predict(graph: SnnGraph, outputs: np.ndarray) -> np.ndarray:
    """Predictions ``[N]`` from output values ``[T, N, F]``: argmax of vote scores summed over time."""
    scores = vote_scores(graph.node(graph.output_node()), outputs)
    total = scores[0].copy()
    for t in range(1, scores.shape[0]):
        total = total + scores[t]
    return total.argmax(-1)
