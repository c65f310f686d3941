"""Numpy operations of the graph's node kinds (:mod:`cimsim.nodes`), in the float32 / integer order the graph
defines (:mod:`cimsim.graph`): the oracle, the engine and the mapping share them."""
from __future__ import annotations

import numpy as np

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


def as_real(value: np.ndarray, vtype) -> np.ndarray:
    """The real value of an ``int``-typed tensor (integer x scale); spikes and reals are returned as they are."""
    if vtype.kind == "int" and vtype.scale != 1.0:
        return value.astype(F32) * F32(vtype.scale)
    return value


def affine(node: dict, x: np.ndarray) -> np.ndarray:
    """Per-channel ``x * weight[c] + bias[c]`` of ``[N, C, ...]`` in float32."""
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
