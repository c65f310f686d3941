"""Hardware-aware SNN architecture search: constraints, SAHD score, strategies, resumable Optuna studies, co-design.

Entry points: :func:`run_search` (the ``neuronas search`` command), :func:`run_codesign` (``neuronas codesign``).
"""
from cimsim.constraints import Constraints, parse_constraints
from neuronas.search.evaluate import Candidate, Evaluator
from neuronas.search.sahd import sahd_score, score_batches
from neuronas.search.settings import STRATEGIES, SearchSettings


def run_search(settings: SearchSettings) -> dict:
    """Run (or resume) a search and write its results; see :mod:`neuronas.search.runner`."""
    from neuronas.search.runner import run_search as _run

    return _run(settings)


def run_codesign(path, out=None, progress: bool = True) -> dict:
    """Run a co-design sweep YAML; see :mod:`neuronas.search.codesign`."""
    from neuronas.search.codesign import run_codesign as _run

    return _run(path, out=out, progress=progress)


__all__ = ["Constraints", "parse_constraints", "Candidate", "Evaluator", "sahd_score", "score_batches",
           "STRATEGIES", "SearchSettings", "run_search", "run_codesign"]
