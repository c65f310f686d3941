"""Import of spiking networks written with snntorch, SpikingJelly, Norse (and our own neurons) into an SnnGraph.

:func:`import_snn` takes the user's module *unmodified*: its forward may loop over timesteps, keep neuron state
explicitly or in the modules, or run SpikingJelly layers in multi-step mode. One timestep is recorded from an
eager run (:mod:`neuronas.interop.record`), every neuron is mapped exactly onto a registered neuron model
(:mod:`neuronas.interop.neurons`), and the step is converted by the ``torch.fx`` importer
(:func:`neuronas.export.fx_import.import_graph`): 8-bit weights by default, the simulator's semantics. The
frameworks themselves are optional (``pip install -e .[interop]``); nothing here imports them.
"""
from neuronas.interop.importer import InteropSnn, import_snn

__all__ = ["InteropSnn", "import_snn"]
