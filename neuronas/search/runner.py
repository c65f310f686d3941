"""Running a search: workers that claim, evaluate and store candidates (as their strategy says); ``run_search``.

Each worker (this process, or ``--workers K`` local processes, or processes on other machines sharing
``--storage``) loops: claim the next candidate as an Optuna trial, evaluate it, store it (COMPLETE). A killed
worker loses at most the candidates it was evaluating; rerunning the same command finds the study (same name,
same storage) and evaluates only what is missing.
"""
from __future__ import annotations

import math
import multiprocessing as mp
import os
import sys
import time
from dataclasses import dataclass

from cimsim.errors import UserError
from cimsim.progress import progress_bar
from neuronas.search import storage as st
from neuronas.search.candidate import Candidate
from neuronas.search.evaluate import Evaluator
from neuronas.search.settings import SearchSettings
from neuronas.search.strategy import make_strategy


@dataclass
class Tally:
    """Progress of a study: finished candidates, feasible ones, best score so far."""

    evaluated: int = 0
    feasible: int = 0
    best: float = math.nan

    @classmethod
    def of(cls, cands: list[Candidate]) -> "Tally":
        scores = [c.score for c in cands if c.feasible and math.isfinite(c.score)]
        if not scores:  # snasnet: nothing is feasible before the hardware check; show the best score
            scores = [c.score for c in cands if "unchecked" in c.failed and math.isfinite(c.score)]
        return cls(len(cands), sum(c.feasible for c in cands), max(scores) if scores else math.nan)


# ------------------------------------------------------------------------------------------------- workers
POLL_S = 1.0
"""Seconds between looks at the study while waiting for other workers' candidates."""
PR_SET_PDEATHSIG = 1
"""``prctl`` option number (linux/prctl.h): the signal a process gets when its parent dies."""


def set_threads(settings: SearchSettings, n_workers: int) -> None:
    """torch threads of this process: ``--threads``, or the cores shared among ``n_workers``."""
    import torch

    threads = settings.threads or max(1, (os.cpu_count() or 1) // max(1, n_workers))
    torch.set_num_threads(int(threads))


def next_or_wait(strategy, study, worker: int, n_workers: int, poll_s: float = POLL_S):
    """The strategy's next proposal; when there is none, wait while other workers still evaluate candidates.

    A worker that finds nothing left to claim does not stop at once: the study is only complete when the other
    workers' RUNNING trials are stored. Meanwhile it fails the trials of dead workers (same host and dead pid, or
    heartbeat older than the grace period, on any host) and claims their candidates. Returns None when nothing is running and nothing is left.
    """
    while True:
        nxt = strategy.propose(study, worker, n_workers)
        if nxt is not None or not st.running(study):
            return nxt
        time.sleep(poll_s)
        st.fail_dead_trials(study)


def run_worker(settings: SearchSettings, worker: int = 0, n_workers: int = 1, on_candidate=None,
               evaluator: Evaluator | None = None) -> int:
    """Evaluate candidates until the study holds enough; returns how many this worker evaluated.

    Parameters
    ----------
    on_candidate: called with each stored :class:`Candidate` (progress display).
    evaluator: reuse an :class:`Evaluator` (default: a new one for ``settings``).
    """
    set_threads(settings, n_workers)
    strategy = make_strategy(settings)
    study = st.open_study(strategy, worker)
    st.fail_dead_trials(study)
    ev = evaluator or Evaluator(settings)
    n = 0
    while True:
        nxt = next_or_wait(strategy, study, worker, n_workers)
        if nxt is None:
            break
        try:
            with st.heartbeat(study, nxt.trial):
                cand = strategy.evaluate(ev, nxt.genotype, nxt.index)
        except BaseException:
            from optuna.trial import TrialState

            study.tell(nxt.trial, state=TrialState.FAIL)
            raise
        st.record(study, nxt.trial, cand, strategy)
        n += 1
        if on_candidate is not None:
            on_candidate(cand)
    return n


def _die_with_parent(parent_pid: int) -> None:
    """End this worker process when its parent dies (even by SIGKILL), so no orphan keeps claiming candidates.

    Linux: ``prctl(PR_SET_PDEATHSIG, SIGKILL)``; elsewhere (or if that fails) a daemon thread polls the parent's
    pid once a second. Either way, a parent already gone by now ends the worker at once.
    """
    import signal
    import threading

    armed = False
    if sys.platform.startswith("linux"):
        try:
            import ctypes

            libc = ctypes.CDLL(None, use_errno=True)
            armed = libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGKILL), 0, 0, 0) == 0
        except (OSError, AttributeError):
            armed = False
    if os.getppid() != parent_pid:  # the parent died before the signal was armed
        os._exit(1)
    if not armed:
        def watch() -> None:
            while os.getppid() == parent_pid:
                time.sleep(1.0)
            os._exit(1)

        threading.Thread(target=watch, name="parent-watch", daemon=True).start()


def _worker_entry(settings: SearchSettings, worker: int, n_workers: int, parent_pid: int) -> None:
    _die_with_parent(parent_pid)
    try:
        run_worker(settings, worker, n_workers)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def _fmt(score: float) -> str:
    return f"{score:.2f}" if math.isfinite(score) else "-"


def rerun_command() -> str:
    """The command line of this process, as the user would type it again."""
    import shlex

    prog = os.path.basename(sys.argv[0]) if sys.argv else "neuronas"
    if prog in ("cli.py", "__main__.py", "-c") or not prog:
        prog = "neuronas"
    return shlex.join([prog, *sys.argv[1:]])


def _death(worker: int, proc) -> str:
    """How worker ``worker`` ended: ``"killed by SIGKILL"``, ``"exited with code 1"``."""
    import signal

    code = proc.exitcode
    if code is not None and code < 0:
        try:
            return f"worker {worker} (pid {proc.pid}) was killed by {signal.Signals(-code).name}"
        except ValueError:
            return f"worker {worker} (pid {proc.pid}) was killed by signal {-code}"
    return f"worker {worker} (pid {proc.pid}) exited with code {code}"


def _spawn_workers(settings: SearchSettings, study, show) -> None:
    """``settings.workers`` local worker processes on ``study``; ``show(tally)`` about once a second.

    The workers die with this process. A worker that dies while the others go on costs nothing: they fail its
    running trial (same host, dead pid) and evaluate that candidate again. Only when the study is still incomplete
    after every worker stopped is this a :class:`UserError` naming the worker and the command that finishes it.
    A worker that crashed (exit code 1: a bug, its traceback printed) is a ``RuntimeError``.
    """
    ctx = mp.get_context("spawn")
    procs = [ctx.Process(target=_worker_entry, args=(settings, w, settings.workers, os.getpid()), daemon=False)
             for w in range(settings.workers)]
    for p in procs:
        p.start()
    try:
        while any(p.is_alive() for p in procs):
            time.sleep(1.0)
            show(Tally.of(st.candidates_of(study)))
    finally:
        for p in procs:
            p.join()
    _judge_exits(settings, study, procs)


def _judge_exits(settings: SearchSettings, study, procs) -> None:
    """Nothing when every worker succeeded; otherwise one line saying which worker ended how (see
    :func:`_spawn_workers`): a :class:`UserError`, or a ``RuntimeError`` for a crash (its traceback is above)."""
    bad = [(w, p) for w, p in enumerate(procs) if p.exitcode != 0]
    if not bad:
        return
    if all(p.exitcode == 2 for _, p in bad):
        raise UserError(f"{len(bad)} of {len(procs)} search workers stopped on an error (see above)")
    crashed = [_death(w, p) for w, p in bad if p.exitcode is not None and p.exitcode > 0 and p.exitcode != 2]
    if crashed:
        raise RuntimeError(f"{'; '.join(crashed)} (its traceback is above)")
    deaths = "; ".join(_death(w, p) for w, p in bad if p.exitcode != 2)
    st.fail_dead_trials(study)
    if len(st.candidates_of(study)) >= make_strategy(settings).target_count():
        print(f"warning: {deaths}; the other workers finished its candidates", file=sys.stderr)
        return
    raise UserError(f"{deaths}; rerun the same command to finish the search: {rerun_command()}")


def search_candidates(settings: SearchSettings, evaluator: Evaluator | None = None) -> list[Candidate]:
    """Run the search phase (every worker) until the study is complete; return its candidates.

    With ``workers > 1`` the workers are local processes (spawned); this process shows the progress.
    """
    strategy = make_strategy(settings)
    study = st.open_study(strategy)
    st.fail_dead_trials(study)
    n_target = strategy.target_count()
    with progress_bar(settings.progress, "feasible {task.fields[feasible]}  best {task.fields[best]}") as bar:
        task = bar.add_task(f"{settings.strategy} search", total=n_target, feasible=0, best="-")

        def show(t: Tally) -> None:
            bar.update(task, completed=min(t.evaluated, n_target), feasible=t.feasible, best=_fmt(t.best))

        show(Tally.of(st.candidates_of(study)))
        if settings.workers <= 1:
            cands = st.candidates_of(study)

            def on_candidate(c: Candidate) -> None:
                cands.append(c)
                show(Tally.of(cands))

            run_worker(settings, 0, 1, on_candidate, evaluator)
        else:
            _spawn_workers(settings, study, show)
        show(Tally.of(st.candidates_of(study)))
    return st.candidates_of(study)


def run_search(settings: SearchSettings, resume: bool = False, force: bool = False) -> dict:
    """The whole search: candidates (resumable), the strategy's ``after_search`` (e.g. the SNASNet baseline's
    hardware check), then ``finalize`` (QAT training of the top-k, best.json, report.json, candidates.csv,
    figures). Returns the summary dict (also best.json).

    ``resume`` / ``force``: an output directory holding another search's study is continued with that study's
    settings / cleared (:func:`neuronas.search.outdir.claim_output_dir`); without either it is refused.
    """
    from neuronas.search.finalize import finalize
    from neuronas.search.outdir import claim_output_dir
    from neuronas.train import resolve_device

    resolve_device(settings.device)  # --device cuda without CUDA: one line now, not after the search
    settings = claim_output_dir(settings, resume=resume, force=force)
    ev = Evaluator(settings)
    t0 = time.perf_counter()
    cands = search_candidates(settings, ev)
    search_time = time.perf_counter() - t0
    make_strategy(settings).after_search(cands, ev)
    return finalize(settings, cands, ev, search_time_s=search_time)
