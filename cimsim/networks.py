"""Built-in networks for ``cimsim simulate``: the anchor tools' benchmark SNNs with seeded random weights.

- ``vgg9``: SpikeSim's CIFAR VGG9 (Moitra et al., TCAD 2023): conv3x3 64, 64, pool, 128, 128, pool, 256, 256,
  256, pool, FC 1024, FC 10 on 3x32x32 inputs.
- ``vgg8``: DNN+NeuroSim's VGG-8: conv3x3 128, 128, pool, 256, 256, pool, 512, 512, pool, FC 1024, FC 10.
- ``tiny``: a three-layer network for tests and quick checks.
- ``resnet18``: ResNet-18 (He et al., CVPR 2016) as an SNN on ImageNet-size input (3x224x224): conv7x7/2 64, max
  pool 3x3/2, four stages of two basic blocks (64, 128, 256, 512 channels; stride 2 and a 1x1/2 projection
  shortcut entering stages 2-4), global 7x7 average pool, FC 1000. A block is ``LIF(conv(LIF(conv(x))) +
  shortcut(x))``; an identity shortcut adds the input spikes (one alone does not fire the block's LIF), a
  projection its real-valued 1x1 convolution. 11.7e6 weights, 21 crossbar layers.

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
    "resnet18": {"input": (3, 224, 224), "stem": 64, "stages": [64, 128, 256, 512], "blocks": 2, "classes": 1000,
                 "about": "ResNet-18 (He et al., CVPR 2016) as an SNN on ImageNet-size input"},
}


def list_networks() -> list[tuple[str, str]]:
    return [(k, v["about"]) for k, v in ARCHS.items()]


def build_network(name: str, seed: int = 0, weight_bits: int = 8, target_rate: float = 0.15,
                  tau: float = 4.0 / 3.0, v_threshold: float = 1.0, calib_timesteps: int = 5) -> SnnGraph:
    """Build a built-in network as an :class:`SnnGraph` (see the module docstring)."""
    if name not in ARCHS:
        raise UserError(f"unknown network {name!r}; built-in networks: {', '.join(ARCHS)}")
    arch = ARCHS[name]
    if "stages" in arch:
        return _build_resnet(name, arch, seed, weight_bits, target_rate, LIF(tau=tau, v_threshold=v_threshold,
                                                                              v_reset=0.0), calib_timesteps)
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


def _calibrate(acc: np.ndarray, target_rate: float, neuron: NeuronModel, max_neurons: int = 8192,
               offset: np.ndarray | None = None) -> np.float32:
    """Output scale at which the layer's LIF fires at ``target_rate`` on ``acc`` ``[T, ...]`` (plus ``offset``,
    e.g. a residual input, added after scaling) (bisection on a log scale, over a fixed strided subset of at most
    ``max_neurons`` neurons)."""
    flat = acc.reshape(acc.shape[0], -1)
    step = max(1, flat.shape[1] // max_neurons)
    acc = flat[:, ::step]
    add = 0.0 if offset is None else offset.reshape(offset.shape[0], -1)[:, ::step].astype(np.float32)
    lo, hi = -12.0, 4.0  # log10 of the scale
    for _ in range(24):
        mid = (lo + hi) / 2
        rate = _lif_run(acc * np.float32(10**mid) + add, neuron).mean()
        lo, hi = (mid, hi) if rate < target_rate else (lo, mid)
    return np.float32(10 ** ((lo + hi) / 2))


def random_spike_inputs(graph: SnnGraph, timesteps: int, samples: int, rate: float, seed: int) -> np.ndarray:
    """Seeded Bernoulli spike trains ``[T, N, *shape]`` at ``rate`` for a spike-input graph."""
    if not 0.0 <= rate <= 1.0:
        raise UserError(f"--spike-rate must be within 0..1, got {rate}")
    shape = tuple(graph.node(graph.input_node())["shape"])
    rng = np.random.default_rng(seed)
    return (rng.random((timesteps, samples, *shape)) < rate).astype(np.uint8)


class _ResNetBuilder:
    """Adds seeded, rate-calibrated layers to a graph, carrying each node's calibration values ``[T, ...]``
    (real value = array x scale) along."""

    def __init__(self, g: SnnGraph, rng: np.random.Generator, weight_bits: int, target_rate: float,
                 neuron: NeuronModel, calib: np.ndarray, input_node: str):
        self.g, self.rng, self.bits, self.rate, self.neuron = g, rng, weight_bits, target_rate, neuron
        self.qmax = 2 ** (weight_bits - 1) - 1
        self.vals: dict[str, tuple[np.ndarray, float]] = {input_node: (calib, 1.0)}

    def conv(self, src: str, name: str, out_ch: int, k: int, stride: int) -> tuple[str, np.ndarray]:
        """A conv node (scale set later by the caller); returns it and its real accumulations ``[T, C, H, W]``."""
        x, x_scale = self.vals[src]
        in_shape = self.g.node(src)["shape"]
        w = self.rng.integers(-self.qmax, self.qmax + 1, size=(out_ch, in_shape[0], k, k))
        attrs = dict(stride=(stride, stride), padding=(k // 2, k // 2))
        acc = exact_matmul(layer_input_rows(dict(kind="conv", weight=w, **attrs), x), w.reshape(out_ch, -1).T)
        hw = (in_shape[1] + 2 * (k // 2) - k) // stride + 1, (in_shape[2] + 2 * (k // 2) - k) // stride + 1
        out_shape = (out_ch, *hw)
        real = acc.transpose(0, 2, 1).reshape(x.shape[0], *out_shape).astype(np.float32) * np.float32(x_scale)
        _chain(self.g, src, name, "conv", out_shape, weight=w.astype(np.int16 if self.bits > 8 else np.int8),
               weight_bits=self.bits, scale=1.0, bias=None, **attrs)
        return name, real

    def fire(self, src: str, name: str, real: np.ndarray) -> str:
        """A LIF on ``src`` whose real input is ``real``."""
        lif = _chain(self.g, src, name, self.neuron.kind, real.shape[1:], **self.neuron.attrs())
        self.vals[lif] = (_lif_run(real, self.neuron).view(np.uint8), 1.0)
        return lif

    def conv_lif(self, src: str, name: str, out_ch: int, k: int, stride: int) -> str:
        node, real = self.conv(src, f"{name}_conv", out_ch, k, stride)
        scale = _calibrate(real, self.rate, self.neuron)
        self.g.node(node)["scale"] = float(scale)
        return self.fire(node, f"{name}_lif", real * scale)

    def block(self, src: str, name: str, out_ch: int, stride: int) -> str:
        """``LIF(conv3x3(LIF(conv3x3/stride(x))) + shortcut(x))``."""
        a = self.conv_lif(src, f"{name}a", out_ch, 3, stride)
        b, real_b = self.conv(a, f"{name}b_conv", out_ch, 3, 1)
        if stride != 1 or self.g.node(src)["shape"][0] != out_ch:
            short, real_s = self.conv(src, f"{name}_proj", out_ch, 1, stride)
            s_scale = _calibrate(real_s, self.rate, self.neuron)
            self.g.node(short)["scale"] = float(s_scale)
            real_s = real_s * s_scale
        else:
            short, real_s = src, self.vals[src][0].astype(np.float32)
        scale = _calibrate(real_b, self.rate, self.neuron, offset=real_s)
        self.g.node(b)["scale"] = float(scale)
        add = _chain(self.g, b, f"{name}_add", "add", self.g.node(b)["shape"])
        self.g.add_edge(short, add, port=1)
        return self.fire(add, f"{name}_lif", real_b * scale + real_s)

    def pool(self, src: str, name: str, mode: str, k: int, stride: int, pad: int) -> str:
        node = dict(mode=mode, kernel=(k, k), stride=(stride, stride), padding=(pad, pad))
        x, x_scale = self.vals[src]
        y = pool(node, x, True)
        _chain(self.g, src, name, "pool", y.shape[1:], **node)
        self.vals[name] = (y, x_scale / (k * k) if mode == "avg" else x_scale)
        return name


def _build_resnet(name: str, arch: dict, seed: int, weight_bits: int, target_rate: float, neuron: NeuronModel,
                  calib_timesteps: int) -> SnnGraph:
    """The residual network ``arch`` (``resnet18``) with seeded weights and rate-calibrated scales."""
    rng = np.random.default_rng(seed)
    g = SnnGraph(name)
    shape = tuple(arch["input"])
    inp = g.add_node("input", "input", shape, bits=1, signed=False, scale=1.0)
    b = _ResNetBuilder(g, rng, weight_bits, target_rate, neuron,
                       (rng.random((calib_timesteps, *shape)) < target_rate).astype(np.uint8), inp)
    x = b.conv_lif(inp, "stem", arch["stem"], 7, 2)
    x = b.pool(x, "maxpool", "max", 3, 2, 1)
    for si, ch in enumerate(arch["stages"]):
        for bi in range(arch["blocks"]):
            x = b.block(x, f"s{si + 1}b{bi + 1}", ch, 2 if (si > 0 and bi == 0) else 1)
    x = b.pool(x, "avgpool", "avg", g.node(x)["shape"][1], 1, 0)
    flat = _chain(g, x, "flatten", "flatten", (int(np.prod(g.node(x)["shape"])),))
    feats, f_scale = b.vals[x]
    feats = feats.reshape(feats.shape[0], -1)
    w = rng.integers(-b.qmax, b.qmax + 1, size=(arch["classes"], feats.shape[1]))
    acc = exact_matmul(feats, w.T).astype(np.float32) * np.float32(f_scale)
    fc = _chain(g, flat, "fc", "linear", (arch["classes"],), weight=w.astype(np.int16 if weight_bits > 8 else np.int8),
                weight_bits=weight_bits, scale=float(1.0 / max(1.0, float(np.abs(acc).max()))), bias=None)
    _chain(g, fc, "output", "output", (arch["classes"],), vote=1)
    g.validate()
    return g
