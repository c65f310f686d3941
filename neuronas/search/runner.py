"""Running a search: workers that claim, evaluate and store candidates; the progress bar; ``run_search``.

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

import numpy as np

from cimsim.errors import UserError
from neuronas.search import storage as st
from neuronas.search.evaluate import Candidate, Evaluator
from neuronas.search.settings import SearchSettings
from neuronas.search.strategies import INDEXED, evaluate_candidate, evolve, genotype_from_states, pair_states, planned_genotypes
from neuronas.space import PAIRS, sample


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


def target_count(settings: SearchSettings) -> int:
    """Candidates the study must hold (N, or the number of distinct cells when the space is smaller)."""
    if settings.strategy in INDEXED:
        return len(planned_genotypes(settings.seed, settings.op_set, settings.candidates))
    return settings.candidates


# ------------------------------------------------------------------------------------------------- proposals
def _index_of(t) -> int | None:
    v = t.user_attrs.get("index")
    return None if v is None else int(v)


def _propose_indexed(study, settings: SearchSettings, worker: int, n_workers: int):
    plan = planned_genotypes(settings.seed, settings.op_set, settings.candidates)
    for _ in range(50):
        done = {_index_of(t) for t in st.finished(study)}
        busy = {_index_of(t) for t in st.running(study)}
        free = [i for i in range(len(plan)) if i not in done and i not in busy]
        if not free:
            return None
        mine = [i for i in free if i % n_workers == worker] or free
        i = mine[0]
        trial = st.claim(study, index=i, genotype=plan[i])
        # two workers may claim the same index at once: the smaller trial number keeps it
        rivals = [t for t in st.running(study) + st.finished(study) if _index_of(t) == i and t.number < trial.number]
        if rivals:
            from optuna.trial import TrialState

            study.tell(trial, state=TrialState.FAIL)
            continue
        return trial, plan[i], i
    return None


def _propose_evolution(study, settings: SearchSettings, n_target: int):
    hist = st.candidates_of(study)
    if len(hist) + len(st.running(study)) >= n_target:
        return None
    trial = st.claim(study)
    rng = np.random.default_rng([settings.seed, trial.number])
    evaluated = {c.genotype for c in hist}
    if len(hist) < settings.population:
        g = None
        for attempt in range(100):
            g = sample(np.random.default_rng([settings.seed, trial.number, attempt]), settings.op_set).canonical()
            if str(g) not in evaluated:
                break
    else:
        g = evolve(hist, settings, rng, evaluated)
    trial.set_user_attr("genotype", str(g))
    return trial, str(g), trial.number


def _propose_nsga2(study, settings: SearchSettings, n_target: int):
    from optuna.trial import TrialState

    states = pair_states(settings.op_set)
    for _ in range(200):
        if len(st.candidates_of(study)) + len(st.running(study)) >= n_target:
            return None
        trial = st.claim(study)
        picks = [trial.suggest_categorical(f"pair{i}{j}", states) for i, j in PAIRS]
        g = genotype_from_states(picks)
        if not g.is_valid():  # not a cell (output unreachable): not a candidate
            trial.set_user_attr("invalid", True)
            study.tell(trial, state=TrialState.FAIL)
            continue
        g = g.canonical()
        trial.set_user_attr("genotype", str(g))
        return trial, str(g), trial.number
    raise UserError("nsga2: 200 proposals in a row were invalid cells; check the operation set")


def propose(study, settings: SearchSettings, worker: int, n_workers: int, n_target: int):
    """``(trial, genotype, index)`` of the next candidate to evaluate, or None when the study is complete."""
    if settings.strategy in INDEXED:
        return _propose_indexed(study, settings, worker, n_workers)
    if settings.strategy == "evolution":
        return _propose_evolution(study, settings, n_target)
    return _propose_nsga2(study, settings, n_target)


# ------------------------------------------------------------------------------------------------- workers
def _set_threads(settings: SearchSettings, n_workers: int) -> None:
    import torch

    threads = settings.threads or max(1, (os.cpu_count() or 1) // max(1, n_workers))
    torch.set_num_threads(int(threads))


def run_worker(settings: SearchSettings, worker: int = 0, n_workers: int = 1, on_candidate=None,
               evaluator: Evaluator | None = None) -> int:
    """Evaluate candidates until the study holds enough; returns how many this worker evaluated.

    Parameters
    ----------
    on_candidate: called with each stored :class:`Candidate` (progress display).
    evaluator: reuse an :class:`Evaluator` (default: a new one for ``settings``).
    """
    _set_threads(settings, n_workers)
    study = st.open_study(settings, worker)
    st.fail_dead_trials(study)
    ev = evaluator or Evaluator(settings)
    n_target = target_count(settings)
    n = 0
    while True:
        nxt = propose(study, settings, worker, n_workers, n_target)
        if nxt is None:
            break
        trial, genotype, index = nxt
        try:
            cand = evaluate_candidate(ev, genotype, settings.strategy, index)
        except BaseException:
            from optuna.trial import TrialState

            study.tell(trial, state=TrialState.FAIL)
            raise
        st.record(study, trial, cand, settings)
        n += 1
        if on_candidate is not None:
            on_candidate(cand)
    return n


def _worker_entry(settings: SearchSettings, worker: int, n_workers: int) -> None:
    try:
        run_worker(settings, worker, n_workers)
    except UserError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(2)


def _progress(enabled: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, TimeRemainingColumn

    return Progress(TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn(),
                    TextColumn("feasible {task.fields[feasible]}  best {task.fields[best]}"),
                    TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn(), disable=not enabled, transient=False)


def _fmt(score: float) -> str:
    return f"{score:.2f}" if math.isfinite(score) else "-"


def search_candidates(settings: SearchSettings, evaluator: Evaluator | None = None) -> list[Candidate]:
    """Run the search phase (every worker) until the study is complete; return its candidates.

    With ``workers > 1`` the workers are local processes (spawned); this process shows the progress.
    """
    study = st.open_study(settings)
    st.fail_dead_trials(study)
    n_target = target_count(settings)
    tally = Tally.of(st.candidates_of(study))
    with _progress(settings.progress) as bar:
        task = bar.add_task(f"{settings.strategy} search", total=n_target, completed=min(tally.evaluated, n_target),
                            feasible=tally.feasible, best=_fmt(tally.best))
        if settings.workers <= 1:
            cands = st.candidates_of(study)

            def on_candidate(c: Candidate) -> None:
                cands.append(c)
                t = Tally.of(cands)
                bar.update(task, completed=min(t.evaluated, n_target), feasible=t.feasible, best=_fmt(t.best))

            run_worker(settings, 0, 1, on_candidate, evaluator)
        else:
            ctx = mp.get_context("spawn")
            procs = [ctx.Process(target=_worker_entry, args=(settings, w, settings.workers), daemon=False)
                     for w in range(settings.workers)]
            for p in procs:
                p.start()
            try:
                while any(p.is_alive() for p in procs):
                    time.sleep(1.0)
                    t = Tally.of(st.candidates_of(study))
                    bar.update(task, completed=min(t.evaluated, n_target), feasible=t.feasible, best=_fmt(t.best))
            finally:
                for p in procs:
                    p.join()
            bad = [p.exitcode for p in procs if p.exitcode != 0]
            if bad:
                if all(code == 2 for code in bad):
                    raise UserError(f"{len(bad)} of {len(procs)} search workers stopped on an error (see above)")
                raise RuntimeError(f"search workers failed with exit codes {bad}")
        t = Tally.of(st.candidates_of(study))
        bar.update(task, completed=min(t.evaluated, n_target), feasible=t.feasible, best=_fmt(t.best))
    return st.candidates_of(study)


def run_search(settings: SearchSettings) -> dict:
    """The whole search: candidates (resumable), then ``finalize`` (hardware check for snasnet, QAT training of
    the top-k, best.json, report.json, candidates.csv, figures). Returns the summary dict (also best.json)."""
    from neuronas.search.finalize import finalize

    settings.out_dir.mkdir(parents=True, exist_ok=True)
    ev = Evaluator(settings)
    t0 = time.perf_counter()
    cands = search_candidates(settings, ev)
    search_time = time.perf_counter() - t0
    return finalize(settings, cands, ev, search_time_s=search_time)
