"""Incremental construction of an :class:`~cimsim.graph.SnnGraph` from deploy-mode torch layers.

Used by both exporters (our SNASNet models and ``torch.fx`` imports). It tracks node shapes, converts the deploy
layers' tensors into the graph's attributes (integer weights, float32 scales and biases) and keeps the value
types consistent: a neuron, add, affine or output node must read real values, so an integer value with a scale
other than 1 (an average pool over spikes or over the input frame) is first rescaled by an ``affine`` node
``x * float32(scale) + 0``, exactly what the deploy pool returns in torch.
"""
from __future__ import annotations

import numpy as np
import torch

from cimsim.graph import SnnGraph, conv_out_hw

F32 = np.float32


def _np(t: torch.Tensor | None, dtype) -> np.ndarray | None:
    return None if t is None else t.detach().cpu().numpy().astype(dtype)


class GraphBuilder:
    """Adds nodes to a new :class:`SnnGraph` named ``name``; every method returns the new node's name."""

    def __init__(self, name: str):
        self.graph = SnnGraph(name)
        self._crossbar_in_scale: dict[str, float] = {}

    def shape(self, node: str) -> tuple:
        return tuple(self.graph.node(node)["shape"])

    def _real(self, src: str, delay: int = 0) -> str:
        """``src`` itself, or an affine rescale node after it when it emits integers with a scale != 1."""
        t = self.graph.value_types()[src]
        if t.kind != "int" or t.scale == 1.0:
            return src
        name = f"{src}.rescale"
        if name not in self.graph.g:
            c = self.shape(src)[0]
            self.graph.add_node(name, "affine", self.shape(src), weight=np.full(c, F32(t.scale), dtype=F32),
                                bias=np.zeros(c, dtype=F32))
            self.graph.add_edge(src, name)
        return name

    def input(self, name: str, shape: tuple, bits: int, signed: bool, scale: float) -> str:
        return self.graph.add_node(name, "input", shape, bits=int(bits), signed=bool(signed), scale=float(scale))

    def conv(self, name: str, layer, src: str, delay: int = 0) -> str:
        """A :class:`~neuronas.quant.deploy.QConv` reading ``src``."""
        w = layer.weight_int().cpu().numpy().astype(np.int32)
        c, h, wd = self.shape(src)
        shape = (w.shape[0], *conv_out_hw(h, wd, w.shape[2:], layer.stride, layer.padding))
        self.graph.add_node(name, "conv", shape, weight=w, weight_bits=int(layer.bits), scale=float(F32(layer.scale)),
                            bias=_np(layer.bias, F32), stride=tuple(layer.stride), padding=tuple(layer.padding))
        self.graph.add_edge(src, name, delay=delay)
        self._crossbar_in_scale[name] = float(layer.in_scale)
        return name

    def linear(self, name: str, layer, src: str) -> str:
        """A :class:`~neuronas.quant.deploy.QLinear` reading ``src`` (a flat vector)."""
        w = layer.weight_int().cpu().numpy().astype(np.int32)
        self.graph.add_node(name, "linear", (w.shape[0],), weight=w, weight_bits=int(layer.bits),
                            scale=float(F32(layer.scale)), bias=_np(layer.bias, F32))
        self.graph.add_edge(src, name)
        self._crossbar_in_scale[name] = float(layer.in_scale)
        return name

    def pool(self, name: str, mode: str, kernel: tuple, stride: tuple, padding: tuple, src: str, delay: int = 0) -> str:
        c, h, w = self.shape(src)
        shape = (c, *conv_out_hw(h, w, kernel, stride, padding))
        self.graph.add_node(name, "pool", shape, mode=mode, kernel=tuple(kernel), stride=tuple(stride), padding=tuple(padding))
        self.graph.add_edge(src, name, delay=delay)
        return name

    def neuron(self, name: str, module, src: str) -> str:
        """A :class:`~neuronas.models.neuron.SpikingNeuron`'s node (its model's kind and parameters), reading ``src``."""
        src = self._real(src)
        kind, attrs = module.graph_node()
        self.graph.add_node(name, kind, self.shape(src), **attrs)
        self.graph.add_edge(src, name)
        return name

    def affine(self, name: str, weight: torch.Tensor | np.ndarray, bias: torch.Tensor | np.ndarray, src: str) -> str:
        src = self._real(src)
        to = lambda a: np.asarray(a.detach().cpu().numpy() if isinstance(a, torch.Tensor) else a, dtype=F32)  # noqa: E731
        self.graph.add_node(name, "affine", self.shape(src), weight=to(weight), bias=to(bias))
        self.graph.add_edge(src, name)
        return name

    def add(self, name: str, shape: tuple) -> str:
        """An ``add`` node without inputs yet (connect them with :meth:`add_input`, in port order)."""
        return self.graph.add_node(name, "add", shape)

    def add_input(self, add: str, src: str, delay: int = 0) -> None:
        src = self._real(src)
        port = self.graph.g.in_degree(add)
        self.graph.add_edge(src, add, port=port, delay=delay)

    def flatten(self, name: str, src: str) -> str:
        self.graph.add_node(name, "flatten", (int(np.prod(self.shape(src))),))
        self.graph.add_edge(src, name)
        return name

    def output(self, name: str, src: str, vote: int = 1) -> str:
        src = self._real(src)
        self.graph.add_node(name, "output", self.shape(src), vote=int(vote))
        self.graph.add_edge(src, name)
        return name

    def finish(self) -> SnnGraph:
        """Validate the graph and check that every crossbar layer's torch ``in_scale`` is the graph's."""
        self.graph.validate()
        types = self.graph.value_types()
        for node, in_scale in self._crossbar_in_scale.items():
            (src, _), = self.graph.inputs_of(node)
            if F32(types[src].scale) != F32(in_scale):
                raise RuntimeError(f"export bug: {node!r} reads scale {types[src].scale} in the graph but {in_scale} in torch")
        return self.graph
