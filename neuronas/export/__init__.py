"""Torch model -> :class:`~cimsim.graph.SnnGraph` (our SNASNet models) and ``torch.fx`` import of user models."""
from neuronas.export.snasnet import collect_spikes, export, to_inputs

__all__ = ["export", "to_inputs", "collect_spikes"]
