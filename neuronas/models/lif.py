"""Leaky integrate-and-fire neurons (multi-step, surrogate gradients), bit-exact with the simulator.

The arithmetic is the ``lif`` node of :mod:`cimsim.graph`, declared once in :class:`cimsim.neurons.LIF`::

    h = v + (x - (v - r)) * float32(1 / tau)    # charge
    s = H(h - v_threshold)                      # fire (Heaviside forward, surrogate backward)
    v = h * (1 - s) + r * s                     # hard reset (v_reset is a float)
    v = h - s * v_threshold                     # soft reset (v_reset is None)

This module only gives the model SNASNet's parameter names; the multi-step / single-step behaviour, the surrogate
and the reset are those of every neuron (:class:`neuronas.models.neuron.SpikingNeuron`).
"""
from __future__ import annotations

from cimsim import neurons
from neuronas.models.neuron import SpikingNeuron, reset_states

__all__ = ["LIF", "reset_states"]


class LIF(SpikingNeuron):
    """Leaky integrate-and-fire neurons with a surrogate-gradient spike function.

    Parameters
    ----------
    tau:
        Membrane time constant in timesteps (> 1); the leak factor is ``1 / tau``. SNASNet: 4/3.
    v_threshold:
        Firing threshold (membrane units).
    v_reset:
        Value the membrane is set to after a spike (hard reset); ``None`` -> soft reset (subtract the threshold).
        The membrane starts at ``v_reset`` (or 0 for a soft reset) for every sample.
    surrogate, alpha, detach_reset, step_mode:
        As :class:`~neuronas.models.neuron.SpikingNeuron`.
    """

    decay_input = True

    def __init__(
        self,
        tau: float = 4.0 / 3.0,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate: str = "atan",
        alpha: float = 2.0,
        detach_reset: bool = True,
        step_mode: str = "m",
    ):
        dynamics = neurons.LIF(float(tau), float(v_threshold), None if v_reset is None else float(v_reset))
        super().__init__(dynamics, surrogate, alpha, detach_reset, step_mode)

    @property
    def tau(self) -> float:
        return self.dynamics.tau

    @property
    def v_threshold(self) -> float:
        return self.dynamics.v_threshold

    @property
    def v_reset(self) -> float | None:
        return self.dynamics.v_reset
