"""Search strategies as objects: one interface and one registry, in the spirit of Optuna's ``BaseSampler``.

A strategy is one class in one module of the package :mod:`neuronas.search.strategies`, decorated with
:func:`register`; the modules of that package are imported on the first look-up. The runner, the study storage,
``finalize`` and the command line only talk to this interface: nothing else tests a strategy's name.

==================== ===============================================================================
``name``             the ``--strategy`` value (and the first part of the study name)
``default_ops``      operation set searched unless ``--ops`` is given (``neuronas``: pruned, ``snasnet``: full)
``indexed``          True: evaluates a fixed, seeded list of cells; a resumed search evaluates the missing indices
``directions``       Optuna study directions; :meth:`Strategy.values` stores one number per direction
``propose``          the next candidate (a :class:`Proposal` holding a claimed trial), None when complete
``target_count``     how many finished candidates complete the study
``sampler``          the Optuna sampler of each worker's study object
``evaluate``         how a candidate is measured (default: constraint-first, score only when feasible)
``after_search``     work between the search and the choice of the top-k (default: none)
==================== ===============================================================================

Every proposal is a canonical genotype, and every random draw comes from a generator seeded with the settings'
seed plus an index or trial number, so workers and reruns agree.
"""
from __future__ import annotations

import importlib
import math
import pkgutil
from functools import lru_cache
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple

from cimsim.errors import UserError
from neuronas.search.candidate import Candidate

if TYPE_CHECKING:
    from neuronas.search.evaluate import Evaluator
    from neuronas.search.settings import SearchSettings

UNSCORED = -1.0e9
"""Objective value stored for candidates without a score (Optuna needs a finite number; infeasible candidates of
constraint-first strategies are never scored; ``candidates.csv`` shows an empty score)."""


class Proposal(NamedTuple):
    """The next candidate of a worker."""

    trial: Any
    """The ``optuna.trial.Trial`` claimed for it (RUNNING until the candidate is stored)."""
    genotype: str
    """Canonical genotype string."""
    index: int
    """Index in the seeded list (indexed strategies) or the trial number."""


class Strategy:
    """Base class of every strategy: a proposal rule plus how its candidates are measured and stored.

    Parameters
    ----------
    settings: the search's :class:`~neuronas.search.settings.SearchSettings` (the strategy reads its seed,
        operation set, budgets and sizes).
    """

    name: ClassVar[str] = ""
    default_ops: ClassVar[str] = "neuronas"
    indexed: ClassVar[bool] = False
    directions: ClassVar[tuple[str, ...]] = ("maximize",)

    def __init__(self, settings: "SearchSettings"):
        self.settings = settings

    # ------------------------------------------------------------------ proposal
    def target_count(self) -> int:
        """Finished candidates that complete the study (``--candidates``)."""
        return self.settings.candidates

    def propose(self, study, worker: int, n_workers: int) -> Proposal | None:
        """Claim a trial in ``study`` for the next candidate of ``worker`` (of ``n_workers``), or return None when
        the study holds (or is evaluating) :meth:`target_count` candidates."""
        raise NotImplementedError(f"strategy {self.name!r} does not define propose()")

    def is_complete(self, study) -> bool:
        """The study's finished plus running candidates reach :meth:`target_count`."""
        from neuronas.search import storage as st

        return len(st.candidates_of(study)) + len(st.running(study)) >= self.target_count()

    # ------------------------------------------------------------------ storage
    def sampler(self, worker: int):
        """Optuna sampler of ``worker``'s study object; the strategy proposes genotypes itself, so the sampler only
        matters for trials that ask it (seeded per worker)."""
        import optuna

        return optuna.samplers.RandomSampler(seed=self.settings.seed + 1000 * worker)

    def values(self, cand: Candidate) -> list[float]:
        """Objective values stored for ``cand``, one per entry of :attr:`directions`: the SAHD score."""
        return [cand.score if math.isfinite(cand.score) else UNSCORED]

    # ------------------------------------------------------------------ evaluation
    def evaluate(self, ev: "Evaluator", genotype: str, index: int = -1) -> Candidate:
        """Constraint-first: memory -> mapping (fit, area) -> simulation (area, latency, energy), stopping at the
        first violated budget; only feasible candidates pay for the SAHD score."""
        c = Candidate(genotype=str(ev.canonical(genotype)), index=index)
        c.apply_hardware(ev.hardware(c.genotype, stop_early=True))
        if c.feasible:
            c.score, c.score_time_s = ev.score(c.genotype)
            c.stage = "score"
        return c

    def after_search(self, cands: list[Candidate], ev: "Evaluator") -> None:
        """Complete ``cands`` in place before the top-k are chosen (nothing for most strategies)."""


# ---------------------------------------------------------------------------------------------- registry
_REGISTRY: dict[str, type[Strategy]] = {}


def register(cls: type[Strategy]) -> type[Strategy]:
    """Class decorator: make ``cls`` available as ``--strategy cls.name``."""
    if not cls.name:
        raise TypeError(f"{cls.__qualname__}: a strategy needs a name")
    known = _REGISTRY.get(cls.name)
    if known is not None and (known.__module__, known.__qualname__) != (cls.__module__, cls.__qualname__):
        raise TypeError(f"two strategies named {cls.name!r}: {known.__module__} and {cls.__module__}")
    _REGISTRY[cls.name] = cls
    return cls


@lru_cache(maxsize=1)
def _discovered() -> dict[str, type[Strategy]]:
    """The registry after importing every module of :mod:`neuronas.search.strategies` (once per process)."""
    import neuronas.search.strategies as package

    for module in sorted(m.name for m in pkgutil.iter_modules(package.__path__)):
        importlib.import_module(f"{package.__name__}.{module}")
    return _REGISTRY


def strategy_names() -> tuple[str, ...]:
    """Names of every registered strategy, sorted."""
    return tuple(sorted(_discovered()))


def get_strategy(name: str) -> type[Strategy]:
    """The strategy class registered as ``name``; :class:`UserError` naming the known ones otherwise."""
    registry = _discovered()
    if name not in registry:
        raise UserError(f"unknown strategy {name!r}; expected one of {', '.join(strategy_names())}")
    return registry[name]


def make_strategy(settings: "SearchSettings") -> Strategy:
    """The strategy object of ``settings`` (``settings.strategy``)."""
    return get_strategy(settings.strategy)(settings)
