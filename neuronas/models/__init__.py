"""SNN models: spiking neurons (any model of :mod:`cimsim.neurons`; LIF), surrogate gradients, and (models helper)
the genotype -> torch builder."""
from neuronas.models.lif import LIF
from neuronas.models.neuron import SpikingNeuron, reset_states
from neuronas.models.surrogate import SURROGATES, get_surrogate
from neuronas.models.builder import build  # noqa: E402  (models helper)

__all__ = ["LIF", "SpikingNeuron", "reset_states", "SURROGATES", "get_surrogate", "build"]
