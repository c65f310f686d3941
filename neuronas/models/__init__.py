"""SNN models: LIF neuron, surrogate gradients, and (models helper) the genotype -> torch builder."""
from neuronas.models.lif import LIF, reset_states
from neuronas.models.surrogate import SURROGATES, get_surrogate
from neuronas.models.builder import build  # noqa: E402  (models helper)

__all__ = ["LIF", "reset_states", "SURROGATES", "get_surrogate", "build"]
