"""Optuna studies that hold every evaluated candidate (one trial per candidate).

A trial's user attributes hold the :class:`~neuronas.search.candidate.Candidate` (its fields stored directly)
plus ``host``/``pid`` of the worker that claimed it. Every trial gets one Optuna constraint per budget
(``trial.set_constraint(name, value / limit - 1)``, <= 0 satisfied) and the objective values of its strategy
(:meth:`~neuronas.search.strategy.Strategy.values`, one per study direction).

Resuming: only COMPLETE trials are finished candidates. A RUNNING trial whose worker is gone is marked FAIL, and
its candidate is evaluated again. A worker on this host is gone when its pid is dead; a worker anywhere (another
machine sharing ``--storage``) when its trial's heartbeat stopped: every worker records one for the trial it
evaluates every :data:`HEARTBEAT_INTERVAL_S` (Optuna's RDB heartbeat, ``RDBStorage(heartbeat_interval,
grace_period)``), and a trial without one for :data:`GRACE_PERIOD_S` is failed by the next worker that looks
(:func:`fail_dead_trials`: at start, and every second while it waits for other workers' candidates).
"""
from __future__ import annotations

import contextlib
import math
import os
import random
import socket
import threading
import time
import warnings
from datetime import datetime
from pathlib import Path

from cimsim.errors import UserError
from typing import TYPE_CHECKING

from neuronas.search.candidate import Candidate
from neuronas.search.settings import SearchSettings

if TYPE_CHECKING:
    from neuronas.search.strategy import Strategy

HEARTBEAT_INTERVAL_S = 10
"""Seconds between two heartbeats of a running trial (an integer: Optuna's unit)."""
GRACE_PERIOD_S = 60
"""A RUNNING trial whose last heartbeat is older than this is failed (its worker died or lost the database)."""
NO_HEARTBEAT_STALE_S = 6 * 3600.0
"""A RUNNING trial that never recorded a heartbeat (its worker died between claiming it and the first heartbeat,
which :func:`claim` records at once; or a worker of an older version) is failed after this long."""


def _quiet() -> None:
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)


def make_storage(settings: SearchSettings, attempts: int = 8, heartbeat_s: int = HEARTBEAT_INTERVAL_S,
                 grace_s: int = GRACE_PERIOD_S):
    """Optuna storage of ``settings`` (SQLite in the output directory unless ``--storage`` is given), with trial
    heartbeats every ``heartbeat_s`` seconds and stale trials failed after ``grace_s`` seconds.

    Creating the tables of a fresh database is not atomic: two workers starting at the same moment both try, and
    one fails (``IntegrityError`` / ``ProgrammingError`` on ``alembic_version`` or a table). That one retries
    after a short random pause; the tables created by the other are then found and reused.
    """
    import optuna

    _quiet()
    url = settings.storage_url
    if url.startswith("sqlite:///"):
        Path(url[len("sqlite:///"):]).parent.mkdir(parents=True, exist_ok=True)
        engine = {"connect_args": {"timeout": 120}}
    else:
        engine = None
    rng = random.Random(os.getpid())
    for attempt in range(attempts):
        try:
            with warnings.catch_warnings():  # heartbeat_interval is marked experimental
                warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
                return optuna.storages.RDBStorage(url, engine_kwargs=engine, heartbeat_interval=int(heartbeat_s),
                                                  grace_period=int(grace_s))
        except Exception as exc:  # sqlalchemy raises many types for a bad URL / unreachable server
            if attempt == attempts - 1 or not _creation_race(exc):
                raise UserError(f"--storage {url!r}: cannot open the study database "
                                f"({exc.__class__.__name__}: {_first_line(exc)})") from None
            time.sleep(0.2 + rng.random() * (1 + attempt))


def _first_line(exc: BaseException) -> str:
    return str(exc).strip().splitlines()[0] if str(exc).strip() else ""


def _creation_race(exc: BaseException) -> bool:
    """True for the errors of two processes creating the same tables at once (not for a bad URL or server)."""
    import sqlalchemy.exc as sa_exc

    if isinstance(exc, sa_exc.IntegrityError):
        return True
    if not isinstance(exc, (sa_exc.ProgrammingError, sa_exc.OperationalError)):
        return False
    text = str(exc).lower()
    return "already exists" in text or "database is locked" in text or "duplicate" in text


def open_study(strategy: "Strategy", worker: int = 0, storage=None):
    """Create or load the study of ``strategy.settings`` (named :attr:`SearchSettings.study_name`), with the
    strategy's directions and ``worker``'s sampler."""
    import optuna

    _quiet()
    settings = strategy.settings
    storage = storage or make_storage(settings)
    for attempt in range(5):
        try:
            study = optuna.create_study(study_name=settings.study_name, storage=storage,
                                        directions=list(strategy.directions), sampler=strategy.sampler(worker),
                                        load_if_exists=True)
            break
        except Exception:  # two workers creating the same study at once: one wins, the other retries the load
            if attempt == 4:
                raise
            time.sleep(0.5 + attempt)
    if not study.user_attrs.get("settings"):
        study.set_user_attr("settings", settings.identity())
    return study


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def fail_dead_trials(study, no_heartbeat_s: float = NO_HEARTBEAT_STALE_S) -> int:
    """Mark RUNNING trials whose worker died as FAIL (dead pid on this host, heartbeat older than the storage's
    grace period, or no heartbeat for ``no_heartbeat_s``); returns how many."""
    from optuna.trial import TrialState

    storage = _rdb(study)
    stale = set()
    if storage is not None and storage.heartbeat_interval is not None:
        stale = set(storage._get_stale_trial_ids(study._study_id))
    beating = _with_heartbeat(storage)
    host = socket.gethostname()
    now = datetime.now()
    n = 0
    for t in study.get_trials(deepcopy=False, states=(TrialState.RUNNING,)):
        dead = t._trial_id in stale
        if t.user_attrs.get("host") == host and not _pid_alive(int(t.user_attrs.get("pid", -1))):
            dead = True
        elif t._trial_id not in beating and t.datetime_start is not None:
            dead = dead or (now - t.datetime_start).total_seconds() > no_heartbeat_s
        if dead:
            try:
                study._storage.set_trial_state_values(t._trial_id, TrialState.FAIL)
                n += 1
            except Exception:  # already finished by someone else
                pass
    return n


def _rdb(study):
    """The ``RDBStorage`` under ``study`` (Optuna wraps it in a cache), or None for another kind of storage."""
    import optuna

    storage = getattr(study._storage, "_backend", study._storage)
    return storage if isinstance(storage, optuna.storages.RDBStorage) else None


def _with_heartbeat(storage) -> set[int]:
    """Ids of the trials that ever recorded a heartbeat in the RDB ``storage`` (empty without heartbeats)."""
    if storage is None or storage.heartbeat_interval is None:
        return set()
    from optuna.storages._rdb import models
    from optuna.storages._rdb.storage import _create_scoped_session

    with _create_scoped_session(storage.scoped_session) as session:
        return {row[0] for row in session.query(models.TrialHeartbeatModel.trial_id).all()}


@contextlib.contextmanager
def heartbeat(study, trial):
    """Record ``trial``'s heartbeat every ``heartbeat_interval`` seconds (a daemon thread) while the block runs, so
    that workers elsewhere can tell this one is alive (Optuna does this only inside ``Study.optimize``)."""
    storage = _rdb(study)
    interval = None if storage is None else storage.heartbeat_interval
    if interval is None:
        yield
        return
    stop = threading.Event()

    def beat() -> None:
        while not stop.wait(interval):
            try:
                storage.record_heartbeat(trial._trial_id)
            except Exception:  # a lost connection: the next beat retries; a dead worker stops beating anyway
                pass

    thread = threading.Thread(target=beat, name=f"heartbeat-{trial.number}", daemon=True)
    thread.start()
    try:
        yield
    finally:
        stop.set()
        thread.join()


def claim(study, index: int | None = None, genotype: str | None = None):
    """A new trial owned by this process (``study.ask()``), tagged with host, pid and the candidate index; its
    first heartbeat is recorded at once (see :func:`heartbeat`)."""
    with warnings.catch_warnings():  # "heartbeat ... supposed to be used with Study.optimize": we beat ourselves
        warnings.simplefilter("ignore", UserWarning)
        trial = study.ask()
    storage = _rdb(study)
    if storage is not None and storage.heartbeat_interval is not None:
        storage.record_heartbeat(trial._trial_id)
    trial.set_user_attr("host", socket.gethostname())
    trial.set_user_attr("pid", os.getpid())
    if index is not None:
        trial.set_user_attr("index", int(index))
    if genotype is not None:
        trial.set_user_attr("genotype", genotype)
    return trial


def record(study, trial, cand: Candidate, strategy: "Strategy") -> None:
    """Store ``cand`` in ``trial`` (attributes, constraints, the strategy's objective values); finish it (COMPLETE)."""
    for k, v in cand.to_attrs().items():
        trial.set_user_attr(k, v)
    for name, v in strategy.settings.limits.violations(cand.__dict__).items():
        trial.set_constraint(name, v if math.isfinite(v) else 1e9)
    if "fit" in cand.failed:
        trial.set_constraint("fit", 1.0)
    study.tell(trial, strategy.values(cand))


def finished(study) -> list:
    """COMPLETE trials in trial order."""
    from optuna.trial import TrialState

    return sorted(study.get_trials(deepcopy=False, states=(TrialState.COMPLETE,)), key=lambda t: t.number)


def running(study) -> list:
    from optuna.trial import TrialState

    return study.get_trials(deepcopy=False, states=(TrialState.RUNNING,))


def candidates_of(study) -> list[Candidate]:
    """Every finished candidate (first trial of each genotype), in trial order."""
    seen, out = set(), []
    for t in finished(study):
        if "genotype" not in t.user_attrs or "feasible" not in t.user_attrs:
            continue
        c = Candidate.from_attrs(t.user_attrs)
        if c.genotype in seen:
            continue
        seen.add(c.genotype)
        out.append(c)
    return out
