"""cimsim: a cycle-level RRAM compute-in-memory simulator for spiking neural networks.

Data flow: config (:func:`load_config`) -> mapping (:func:`map_graph`) -> execution and event-driven schedule
(:mod:`cimsim.engine`) -> costs (:mod:`cimsim.cost`) -> :class:`Report` -> figures (:mod:`cimsim.plot`); how a
run counts is a :class:`RunOptions`, apart from the hardware (:mod:`cimsim.api` lists the stages).
"""
__version__ = "0.1.0"


def __getattr__(name):  # lazy re-exports keep `import cimsim` light
    if name == "simulate":
        from cimsim.api import simulate

        return simulate
    if name == "load_config":
        from cimsim.config.loader import load_config

        return load_config
    if name == "map_graph":
        from cimsim.mapping import map_graph

        return map_graph
    if name in ("SnnGraph",):
        from cimsim.graph import SnnGraph

        return SnnGraph
    if name == "RunOptions":
        from cimsim.options import RunOptions

        return RunOptions
    if name == "Report":
        from cimsim.report import Report

        return Report
    raise AttributeError(f"module 'cimsim' has no attribute {name!r}")


__all__ = ["simulate", "load_config", "map_graph", "RunOptions", "SnnGraph", "Report", "__version__"]
