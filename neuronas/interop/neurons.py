"""Exact mappings of other frameworks' spiking neuron modules onto the neuron models of :mod:`cimsim.neurons`.

Each converter reads a module's parameters and returns the model whose float32 step gives the same spikes as the
module's own forward (Heaviside in the forward pass; the surrogate only changes gradients). The frameworks are not
imported here: a module is recognised by its class's top-level package and name, so this file loads without them.
Where no exact mapping exists, :class:`UserError` names the neuron, the parameter and the value.

=========================================  ==========================================================================
framework class                            model
=========================================  ==========================================================================
snntorch ``Leaky``                         :class:`~cimsim.neurons.Leaky` (beta clamped to 0..1 as snntorch does)
SpikingJelly ``IFNode``                    :class:`~cimsim.neurons.IF`
SpikingJelly ``LIFNode``                   :class:`~cimsim.neurons.LIFDiv` (divides by tau)
SpikingJelly ``ParametricLIFNode``         :class:`~cimsim.neurons.LIF` with ``float32(1 / tau) == sigmoid(w)``
Norse ``LIFBoxCell``                       :class:`~cimsim.neurons.LIFBox` (``decay = dt * tau_mem_inv`` in float32)
Norse ``LIFCell``                          :class:`~cimsim.neurons.CubaLIF` (``dt * tau_syn_inv``, ``dt * tau_mem_inv``)
our :class:`~neuronas.models.neuron.SpikingNeuron`  its own model
=========================================  ==========================================================================
"""
from __future__ import annotations

from typing import Callable

import torch
from torch import nn

from cimsim.errors import UserError
from cimsim.neurons import IF, LIF, CubaLIF, LIFBox, LIFDiv, Leaky, NeuronModel
from neuronas.models.neuron import SpikingNeuron


def _scalar(name: str, cls: str, param: str, value) -> float:
    """``value`` (a number or a one-element tensor) as a float; one-line error naming it otherwise."""
    if isinstance(value, torch.Tensor):
        if value.numel() != 1:
            raise UserError(f"{cls} {name!r}: {param} has {value.numel()} values; only a single value per layer "
                            "maps onto a neuron model")
        return float(value.detach().to(torch.float32))
    return float(value)


def _require(name: str, cls: str, param: str, value, ok: bool, expected: str) -> None:
    if not ok:
        raise UserError(f"{cls} {name!r}: {param}={value!r} has no exact mapping onto a neuron model; expected {expected}")


def _snntorch_leaky(m: nn.Module, name: str) -> NeuronModel:
    cls = "snntorch.Leaky"
    _require(name, cls, "reset_delay", m.reset_delay, bool(m.reset_delay), "reset_delay=True")
    _require(name, cls, "inhibition", m.inhibition, not m.inhibition, "inhibition=False")
    _require(name, cls, "state_quant", m.state_quant, m.state_quant is False, "state_quant=False")
    graded = _scalar(name, cls, "graded_spikes_factor", m.graded_spikes_factor)
    _require(name, cls, "graded_spikes_factor", graded, graded == 1.0, "1.0")
    beta = _scalar(name, cls, "beta", torch.as_tensor(m.beta).clamp(0, 1))
    return Leaky(beta=beta, threshold=_scalar(name, cls, "threshold", m.threshold), reset=m.reset_mechanism)


def _sj_common(m: nn.Module, name: str, cls: str) -> tuple[float, float | None]:
    thr = _scalar(name, cls, "v_threshold", m.v_threshold)
    reset = None if m.v_reset is None else _scalar(name, cls, "v_reset", m.v_reset)
    return thr, reset


def _sj_if(m: nn.Module, name: str) -> NeuronModel:
    thr, reset = _sj_common(m, name, "spikingjelly.IFNode")
    return IF(v_threshold=thr, v_reset=reset)


def _sj_lif(m: nn.Module, name: str) -> NeuronModel:
    cls = "spikingjelly.LIFNode"
    thr, reset = _sj_common(m, name, cls)
    return LIFDiv(tau=_scalar(name, cls, "tau", m.tau), decay_input=bool(m.decay_input), v_threshold=thr,
                  v_reset=reset)


def _sj_plif(m: nn.Module, name: str) -> NeuronModel:
    cls = "spikingjelly.ParametricLIFNode"
    thr, reset = _sj_common(m, name, cls)
    _require(name, cls, "decay_input", m.decay_input, bool(m.decay_input), "decay_input=True")
    q = m.w.detach().float().sigmoid()
    # 1 / float64(q) rounds back to q in float32 (float64 carries 29 more bits), so LIF's decay is q exactly
    tau = 1.0 / float(q)
    _require(name, cls, "w", float(m.w), float(torch.tensor(1.0 / tau, dtype=torch.float32)) == float(q) and tau > 1.0,
             "sigmoid(w) < 1")
    return LIF(tau=tau, v_threshold=thr, v_reset=reset)


def _norse_decay(m: nn.Module, name: str, cls: str, param: str) -> float:
    """``dt * p.<param>`` as Norse computes it (a Python float times a float32 tensor, in float32)."""
    return _scalar(name, cls, f"dt * {param}", m.dt * torch.as_tensor(getattr(m.p, param), dtype=torch.float32))


def _norse_lif_box(m: nn.Module, name: str) -> NeuronModel:
    cls = "norse.LIFBoxCell"
    p = m.p
    reset = getattr(p.reset_method, "__name__", repr(p.reset_method))
    _require(name, cls, "reset_method", reset, reset == "reset_value", "reset_value")
    return LIFBox(decay=_norse_decay(m, name, cls, "tau_mem_inv"), v_leak=_scalar(name, cls, "v_leak", p.v_leak),
                  v_threshold=_scalar(name, cls, "v_th", p.v_th), v_reset=_scalar(name, cls, "v_reset", p.v_reset))


def _norse_lif(m: nn.Module, name: str) -> NeuronModel:
    # every threshold ``method`` Norse runs (super, heaviside, tanh, ...) is the Heaviside step forward
    cls, p = "norse.LIFCell", m.p
    return CubaLIF(syn_decay=_norse_decay(m, name, cls, "tau_syn_inv"),
                   mem_decay=_norse_decay(m, name, cls, "tau_mem_inv"), v_leak=_scalar(name, cls, "v_leak", p.v_leak),
                   v_threshold=_scalar(name, cls, "v_th", p.v_th), v_reset=_scalar(name, cls, "v_reset", p.v_reset))


CONVERTERS: dict[tuple[str, str], Callable[[nn.Module, str], NeuronModel]] = {
    ("snntorch", "Leaky"): _snntorch_leaky,
    ("spikingjelly", "IFNode"): _sj_if,
    ("spikingjelly", "LIFNode"): _sj_lif,
    ("spikingjelly", "ParametricLIFNode"): _sj_plif,
    ("norse", "LIFBoxCell"): _norse_lif_box,
    ("norse", "LIFCell"): _norse_lif,
}
"""(top-level package, class name) -> converter ``(module, qualified name) -> NeuronModel``."""

SUPPORTED = ("snntorch Leaky; SpikingJelly IFNode, LIFNode, ParametricLIFNode; Norse LIFCell, LIFBoxCell; "
             "neuronas SpikingNeuron")


def framework_key(m: nn.Module) -> tuple[str, str]:
    return type(m).__module__.split(".")[0], type(m).__name__


def is_neuron(m: nn.Module) -> bool:
    """Whether ``m`` is a spiking neuron module this package maps (or names in an error)."""
    return isinstance(m, SpikingNeuron) or framework_key(m) in CONVERTERS


def looks_like_neuron(m: nn.Module) -> bool:
    """A spiking neuron class of a known framework that has no converter (named in an error)."""
    top, cls = framework_key(m)
    return top in ("snntorch", "spikingjelly", "norse") and any(k in cls for k in ("Node", "Cell", "Leaky", "Synaptic",
                                                                                   "Alpha", "Lapicque", "RLeaky"))


def neuron_model(m: nn.Module, name: str) -> NeuronModel:
    """The exact neuron model of module ``m`` (called ``name`` in the user's network)."""
    if isinstance(m, SpikingNeuron):
        return m.dynamics
    key = framework_key(m)
    if key not in CONVERTERS:
        raise UserError(f"{key[0]}.{key[1]} {name!r}: unsupported neuron; supported: {SUPPORTED}")
    model = CONVERTERS[key](m, name)
    model.check(f"{key[0]}.{key[1]} {name!r}: ")
    return model
