"""Hardware-aware SNN architecture search: constraints, SAHD score, strategies, resumable Optuna studies, co-design.

Entry points: :func:`run_search` (the ``neuronas search`` command), :func:`run_codesign` (``neuronas codesign``).
Importing this package does not import torch (the command line lists the strategies from it); ``Evaluator``,
``sahd_score`` and ``score_batches`` are loaded on first use.
"""
from cimsim.constraints import Constraints, parse_constraints
from neuronas.search.candidate import Candidate
from neuronas.search.settings import SearchSettings
from neuronas.search.strategy import Strategy, get_strategy, register, strategy_names

_LAZY = {"Evaluator": "neuronas.search.evaluate", "sahd_score": "neuronas.search.sahd",
         "score_batches": "neuronas.search.sahd"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def run_search(settings: SearchSettings, resume: bool = False, force: bool = False) -> dict:
    """Run (or resume) a search and write its results; see :mod:`neuronas.search.runner`."""
    from neuronas.search.runner import run_search as _run

    return _run(settings, resume=resume, force=force)


def run_codesign(path, out=None, progress: bool = True) -> dict:
    """Run a co-design sweep YAML; see :mod:`neuronas.search.codesign`."""
    from neuronas.search.codesign import run_codesign as _run

    return _run(path, out=out, progress=progress)


__all__ = ["Constraints", "parse_constraints", "Candidate", "Evaluator", "sahd_score", "score_batches",
           "SearchSettings", "Strategy", "get_strategy", "register", "strategy_names", "run_search", "run_codesign"]
