"""Built-in networks for ``cimsim simulate``: the anchor tools' benchmark SNNs with seeded random weights.

- ``vgg9``: SpikeSim's CIFAR VGG9 (Moitra et al., TCAD 2023): conv3x3 64, 64, pool, 128, 128, pool, 256, 256,
  256, pool, FC 1024, FC 10 on 3x32x32 inputs.
- ``vgg8``: DNN+NeuroSim's VGG-8: conv3x3 128, 128, pool, 256, 256, pool, 512, 512, pool, FC 1024, FC 10.
- ``tiny``: a three-layer network for tests and quick checks.

Weights are seeded random integers of ``weight_bits`` bits (symmetric). Each layer's output scale is calibrated
on a seeded random spike batch so that its LIF fires at roughly ``target_rate`` (random weights would otherwise
silence or saturate the network): the scale is the one that puts the ``1 - target_rate`` quantile of the layer's
integer pre-activations at the threshold. Pools are average pools over spikes (2x2), so their outputs drive the
next layer bit-serially (3-bit sums).
"""
from __future__ import annotations

import numpy as np

from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from cimsim.neurons import LIF, NeuronModel
from cimsim.ops import F32, exact_matmul, layer_input_rows, pool

ARCHS = {
    "vgg9": {"input": (3, 32, 32), "features": [64, 64, "P", 128, 128, "P", 256, 256, 256, "P"], "fc": [1024, 10],
             "about": "SpikeSim VGG9 on CIFAR-size input (Moitra et al., TCAD 2023)"},
    "vgg8": {"input": (3, 32, 32), "features": [128, 128, "P", 256, 256, "P", 512, 512, "P"], "fc": [1024, 10],
             "about": "DNN+NeuroSim VGG-8 on CIFAR-size input"},
    "tiny": {"input": (2, 8, 8), "features": [8, "P", 16], "fc": [10],
             "about": "three small layers for tests"},
}


def list_networks() -> list[tuple[str, str]]:
    return [(k, v["about"]) for k, v in ARCHS.items()]


def build_network(name: str, seed: int = 0, weight_bits: int = 8, target_rate: float = 0.15,
                  tau: float = 4.0 / 3.0, v_threshold: float = 1.0, calib_timesteps: int = 5) -> SnnGraph:
    """Build a built-in network as an :class:`SnnGraph` (see the module docstring)."""
    if name not in ARCHS:
        raise UserError(f"unknown network {name!r}; built-in networks: {', '.join(ARCHS)}")
    arch = ARCHS[name]
    rng = np.random.default_rng(seed)
    g = SnnGraph(name)
    shape = tuple(arch["input"])
    prev = g.add_node("input", "input", shape, bits=1, signed=False, scale=1.0)
    qmax = 2 ** (weight_bits - 1) - 1
    neuron = LIF(tau=tau, v_threshold=v_threshold, v_reset=0.0)
    # a seeded calibration batch of random spikes [T*N, ...], time-major
    calib = (rng.random((calib_timesteps, *shape)) < target_rate).astype(np.uint8)
    calib_scale = 1.0  # real value of one calibration input unit (1/4 after a 2x2 average pool)
    li = pi = 0
    fc_sizes = arch["fc"]
    for f in [*arch["features"], "F", *fc_sizes]:
        if f == "P":
            pi += 1
            node = dict(mode="avg", kernel=(2, 2), stride=(2, 2), padding=(0, 0))
            s_ = g.node(prev)["shape"]
            prev = _chain(g, prev, f"pool{pi}", "pool", (s_[0], s_[1] // 2, s_[2] // 2), **node)
            calib = pool(node, calib, True)
            calib_scale /= 4
            continue
        if f == "F":
            prev = _chain(g, prev, "flatten", "flatten", (int(np.prod(g.node(prev)["shape"])),))
            calib = calib.reshape(calib.shape[0], -1)
            continue
        li += 1
        in_shape = g.node(prev)["shape"]
        kind = "conv" if len(in_shape) == 3 else "linear"
        if kind == "conv":
            w = rng.integers(-qmax, qmax + 1, size=(f, in_shape[0], 3, 3))
            attrs = dict(stride=(1, 1), padding=(1, 1))
            out_shape = (f, in_shape[1], in_shape[2])
        else:
            w = rng.integers(-qmax, qmax + 1, size=(f, int(np.prod(in_shape))))
            attrs = {}
            out_shape = (f,)
        acc = exact_matmul(layer_input_rows(dict(kind=kind, weight=w, **attrs), calib), w.reshape(f, -1).T)
        acc = acc.transpose(0, 2, 1).reshape(calib_timesteps, -1, *out_shape).astype(np.float32) * np.float32(calib_scale)
        last = kind == "linear" and f == fc_sizes[-1]
        scale = np.float32(1.0 / max(1.0, float(np.abs(acc).max()))) if last else _calibrate(acc, target_rate, neuron)
        layer = _chain(g, prev, f"{kind}{li}", kind, out_shape, weight=w.astype(np.int16 if weight_bits > 8 else np.int8),
                       weight_bits=weight_bits, scale=float(scale), bias=None, **attrs)
        if last:
            _chain(g, layer, "output", "output", out_shape, vote=1)
            break
        prev = _chain(g, layer, f"lif{li}", neuron.kind, out_shape, **neuron.attrs())
        calib = _lif_run(acc * scale, neuron).reshape(-1, *out_shape).view(np.uint8)
        calib_scale = 1.0
    g.validate()
    return g


def _chain(g: SnnGraph, prev: str, name: str, kind: str, shape: tuple, **attrs) -> str:
    g.add_node(name, kind, shape, **attrs)
    g.add_edge(prev, name)
    return name


def _lif_run(x: np.ndarray, neuron: NeuronModel) -> np.ndarray:
    """Spikes ``[T, ...]`` of ``neuron`` driven by ``x`` ``[T, ...]`` (float32)."""
    v = neuron.init(x.shape[1:])
    out = np.zeros(x.shape, dtype=bool)
    for t in range(x.shape[0]):
        out[t] = neuron.update(np.ascontiguousarray(x[t], dtype=F32), v).view(bool)
    return out


def _calibrate(acc: np.ndarray, target_rate: float, neuron: NeuronModel, max_neurons: int = 8192) -> np.float32:
    """Output scale at which the layer's LIF fires at ``target_rate`` on ``acc`` ``[T, ...]`` (bisection on a log
    scale, over a fixed strided subset of at most ``max_neurons`` neurons)."""
    flat = acc.reshape(acc.shape[0], -1)
    acc = flat[:, :: max(1, flat.shape[1] // max_neurons)]
    lo, hi = -12.0, 4.0  # log10 of the scale
    for _ in range(24):
        mid = (lo + hi) / 2
        rate = _lif_run(acc * np.float32(10**mid), neuron).mean()
        lo, hi = (mid, hi) if rate < target_rate else (lo, mid)
    return np.float32(10 ** ((lo + hi) / 2))


def random_spike_inputs(graph: SnnGraph, timesteps: int, samples: int, rate: float, seed: int) -> np.ndarray:
    """Seeded Bernoulli spike trains ``[T, N, *shape]`` at ``rate`` for a spike-input graph."""
    if not 0.0 <= rate <= 1.0:
        raise UserError(f"--spike-rate must be within 0..1, got {rate}")
    shape = tuple(graph.node(graph.input_node())["shape"])
    rng = np.random.default_rng(seed)
    return (rng.random((timesteps, samples, *shape)) < rate).astype(np.uint8)
