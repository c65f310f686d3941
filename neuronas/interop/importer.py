"""The import of a framework SNN (see :mod:`neuronas.interop`)."""
from __future__ import annotations

import copy
from dataclasses import dataclass

import numpy as np
import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from cimsim.errors import UserError
from neuronas.export.fx_import import ImportedSnn, import_graph
from neuronas.interop.neurons import is_neuron, looks_like_neuron, neuron_model
from neuronas.interop.record import StepRecorder, record_step, _tensors
from neuronas.models.neuron import SpikingNeuron, reset_states


@dataclass
class InteropSnn:
    """Result of :func:`import_snn`.

    Attributes
    ----------
    imported: the graph, its one-step deploy module and the input quantization (:class:`ImportedSnn`).
    layers: qualified names of the user's layers (not neurons) that the graph computes, in call order.
    neurons: qualified names of the neuron modules (the graph's neuron nodes have these names).
    """

    imported: ImportedSnn
    layers: list[str]
    neurons: list[str]

    @property
    def graph(self):
        return self.imported.graph

    def to_inputs(self, frames: torch.Tensor) -> np.ndarray:
        """The graph's integer inputs ``[T, N, ...]`` of frames ``[T, N, ...]``."""
        return self.imported.to_inputs(frames)

    def quantized_frames(self, frames: torch.Tensor) -> torch.Tensor:
        """``frames`` as the graph sees them (quantized to the input bits, back in the frames' units)."""
        x = torch.from_numpy(self.to_inputs(frames)).to(torch.float32)
        return x if self.imported.input_bits == 1 else x * torch.tensor(self.imported.input_scale, dtype=torch.float32)

    def quantized_copy(self, model: nn.Module) -> nn.Module:
        """A copy of the user's ``model``, its own forward and neurons, whose layers compute what the graph does
        (quantized weights, folded batch norms, fixed pools): its spikes on :meth:`quantized_frames` are the
        simulator's with an ideal ADC."""
        twin = copy.deepcopy(model).eval()
        for name in self.layers:
            _set_module(twin, name, copy.deepcopy(self.imported.module.get_submodule(name)))
        _reset_framework_state(twin)
        return twin


def import_snn(model: nn.Module, sample: torch.Tensor, bits: int = 8, input_bits: int = 8,
               name: str | None = None) -> InteropSnn:
    """Import a user's SNN, written with snntorch, SpikingJelly, Norse or our neurons, into a quantized SnnGraph.

    Parameters
    ----------
    model:
        The user's module, unmodified (eval mode is used; the module itself is not changed).
    sample:
        What the user's forward takes: ``[T, N, ...]`` when it loops over time or runs multi-step layers,
        ``[N, ...]`` when it computes one timestep per call. Fixes the shapes and the input scale.
    bits, input_bits, name:
        As :func:`neuronas.export.fx_import.import_module` (8-bit weights; 1 for spike inputs; graph name).
    """
    model = copy.deepcopy(model).eval()
    _reset_framework_state(model)
    timed = _multistep(model)
    rec, result = record_step(model, sample, timed)
    out = rec.output if rec.output is not None else _returned(rec, result)
    rec.graph.output(out)
    step = (sample[0] if timed or rec.step_from_index else sample).detach().to(torch.float32)
    root, neurons = _step_root(model, rec)
    gm = fx.GraphModule(root, rec.graph)
    gm.graph.eliminate_dead_code()  # values the output does not read (a second readout, a membrane record)
    gm.recompile()
    reset_states(gm)
    with torch.no_grad():
        ShapeProp(gm).propagate(step)
    reset_states(gm)
    called = [str(n.target) for n in gm.graph.nodes if n.op == "call_module"]
    imported = import_graph(gm, gm.graph, step, bits, input_bits, name or type(model).__name__)
    return InteropSnn(imported, [n for n in called if n not in neurons], [n for n in called if n in neurons])


def _returned(rec: StepRecorder, result) -> fx.Node:
    for t in _tensors(result if isinstance(result, (list, tuple)) else [result]):
        v = rec.value(t)
        if v is not None:
            return v.node
    raise UserError(f"{rec.cls}.forward returns no value computed from its input")


def _multistep(model: nn.Module) -> bool:
    """SpikingJelly modules in multi-step mode: every value carries the time axis."""
    return any(type(m).__module__.startswith("spikingjelly") and getattr(m, "step_mode", "s") == "m"
               for m in model.modules())


def _step_root(model: nn.Module, rec: StepRecorder) -> tuple[nn.Module, list[str]]:
    """A copy of ``model`` whose recorded modules compute one timestep: neurons become :class:`SpikingNeuron` of
    their exact model (single-step), SpikingJelly layers single-step, adaptive pools fixed ones."""
    root = copy.deepcopy(model)
    neurons = []
    for name in rec.calls:
        m = root.get_submodule(name)
        if is_neuron(m) or looks_like_neuron(m):
            neuron = copy.deepcopy(m) if isinstance(m, SpikingNeuron) else SpikingNeuron(neuron_model(m, name))
            neuron.step_mode = "s"
            _set_module(root, name, neuron)
            neurons.append(name)
        elif name in rec.pools:
            _set_module(root, name, rec.pools[name])
        elif hasattr(m, "step_mode"):
            m.step_mode = "s"
    return root, neurons


def _reset_framework_state(model: nn.Module) -> None:
    """Forget every neuron's membrane (SpikingJelly memory modules, snntorch hidden state, ours)."""
    for m in model.modules():
        top = type(m).__module__.split(".")[0]
        if top == "spikingjelly" and hasattr(m, "reset"):
            m.reset()
        elif top == "snntorch" and hasattr(m, "reset_mem"):
            m.reset_mem()
    reset_states(model)


def _set_module(root: nn.Module, name: str, module: nn.Module) -> None:
    parent, _, attr = name.rpartition(".")
    setattr(root.get_submodule(parent) if parent else root, attr, module)
