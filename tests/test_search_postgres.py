"""Many-machine search on a real PostgreSQL server: separate ``neuronas search`` processes share one study through a
``postgresql://`` URL, as workers on separate machines would.

The server is started once for the module (``initdb`` + ``pg_ctl`` in a temp dir, unix socket only) and stopped at
the end; each test works in a fresh database of it. The tests are skipped only where PostgreSQL or the psycopg
driver is missing.
"""
from __future__ import annotations

import csv
import itertools
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from pg_server import available, postgres_server  # noqa: E402

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))

N = 6
ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}
_databases = itertools.count()


def _cmd(url: str, out: Path, n: int = N) -> list[str]:
    return [sys.executable, "-m", "neuronas.cli", "search", "--dataset", "digits", "--channels", "4", "--hidden", "16",
            "--candidates", str(n), "--constraints", "memory=2e5,energy=50uJ", "--score-batch", "8",
            "--hw-samples", "1", "--top-k", "0", "--storage", url, "--out", str(out), "--no-progress",
            "--threads", "1", "--no-figures"]


@pytest.fixture(scope="module")
def pg_server_url():
    with postgres_server() as url:
        yield url


@pytest.fixture
def pg_url(pg_server_url):
    """The URL of a fresh, empty database on the module's server."""
    import psycopg

    name = f"test{next(_databases)}"
    base, _, query = pg_server_url.partition("?")
    host = query.split("host=", 1)[1]
    with psycopg.connect(host=host, user="postgres", dbname="postgres", autocommit=True) as con:
        con.execute(f'CREATE DATABASE "{name}"')
    return f"{base.rsplit('/', 1)[0]}/{name}?{query}"


_storages: dict = {}


def _trials(url: str):
    """Every trial of the one study in ``url`` (one storage object per URL: a new one per call would open new
    connections faster than they are closed, up to the server's ``max_connections``)."""
    import optuna

    storage = _storages.get(url) or _storages.setdefault(url, optuna.storages.RDBStorage(url))
    (summary,) = optuna.get_all_study_summaries(storage)
    return optuna.load_study(study_name=summary.study_name, storage=storage).trials


def test_three_processes_share_one_study(pg_url, tmp_path):
    import optuna

    procs = [subprocess.Popen(_cmd(pg_url, tmp_path / f"machine{i}"), env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
    trials = _trials(pg_url)
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    indices = sorted(t.user_attrs["index"] for t in complete)
    assert indices == list(range(N))  # every candidate exactly once: none lost, none evaluated twice
    workers = {(t.user_attrs["host"], t.user_attrs["pid"]) for t in complete}
    assert len(workers) >= 2  # the work was really shared
    for i in range(3):  # every machine writes the whole study's results
        with (tmp_path / f"machine{i}" / "candidates.csv").open() as fh:
            assert len(list(csv.DictReader(fh))) == N


def _running_trial_of(url: str, pid: int, timeout_s: float = 300.0):
    """Wait until process ``pid`` evaluates a candidate (a RUNNING trial of its own); return that trial."""
    import optuna

    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        try:
            for t in _trials(url):
                # the genotype is the last attribute a claim writes: the candidate is being evaluated
                mine = t.user_attrs.get("pid") == pid and "genotype" in t.user_attrs
                if t.state == optuna.trial.TrialState.RUNNING and mine:
                    return t
        except ValueError:  # the study does not exist yet
            pass
        time.sleep(0.05)
    raise AssertionError(f"process {pid} never claimed a candidate")


def _stop_mid_candidate(url: str, proc: subprocess.Popen, timeout_s: float = 600.0):
    """Freeze ``proc`` (SIGSTOP) while it evaluates a candidate and return that RUNNING trial.

    Seeing a RUNNING trial and killing its process are two steps; on a loaded machine the candidate can finish in
    between. So the process is stopped first and the trial read again: if it is still RUNNING, the kill that follows
    lands mid-candidate for sure; if it finished meanwhile, the process resumes and the next claim is awaited."""
    import optuna

    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        seen = _running_trial_of(url, proc.pid, timeout_s=max(1.0, t_end - time.monotonic()))
        proc.send_signal(signal.SIGSTOP)
        (now,) = [t for t in _trials(url) if t.number == seen.number]
        if now.state == optuna.trial.TrialState.RUNNING:
            return now
        proc.send_signal(signal.SIGCONT)
    raise AssertionError(f"process {proc.pid} was never stopped mid-candidate")


def test_sigkill_mid_candidate_the_others_finish_it(pg_url, tmp_path):
    """A worker killed while evaluating: its RUNNING trial (same host, dead pid) is failed and its candidate
    evaluated by another worker; the study holds every candidate exactly once."""
    import optuna

    n = 4
    procs = [subprocess.Popen(_cmd(pg_url, tmp_path / f"machine{i}", n), env=ENV, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    victim, survivors = procs[0], procs[1:]
    claimed = _stop_mid_candidate(pg_url, victim)
    victim.send_signal(signal.SIGKILL)
    victim.communicate(timeout=60)  # reaped: its pid is dead, not a zombie
    for p in survivors:
        _, err = p.communicate(timeout=600)
        assert p.returncode == 0, err[-2000:]
    trials = _trials(pg_url)
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    assert sorted(t.user_attrs["index"] for t in complete) == list(range(n))  # none lost, none twice
    assert not [t for t in trials if t.state == optuna.trial.TrialState.RUNNING]
    (killed,) = [t for t in trials if t.number == claimed.number]
    assert killed.state == optuna.trial.TrialState.FAIL
    (redone,) = [t for t in complete if t.user_attrs["index"] == killed.user_attrs["index"]]
    assert redone.user_attrs["pid"] != victim.pid
    for i in (1, 2):
        with (tmp_path / f"machine{i}" / "candidates.csv").open() as fh:
            assert len(list(csv.DictReader(fh))) == n


_OPEN_AT = """
import sys, time
from neuronas.search import SearchSettings
from neuronas.search import storage as st
from neuronas.search.strategy import make_strategy
settings = SearchSettings(dataset="digits", candidates=2, storage=sys.argv[1], out=sys.argv[2], progress=False)
time.sleep(max(0.0, float(sys.argv[3]) - time.time()))
study = st.open_study(make_strategy(settings))
print(study.study_name)
"""


def test_fresh_start_at_the_same_moment_does_not_race(pg_url, tmp_path):
    """Processes creating the schema and the study of a fresh database at the same instant all succeed."""
    start = time.time() + 4.0  # every process has imported optuna by then
    procs = [subprocess.Popen([sys.executable, "-c", _OPEN_AT, pg_url, str(tmp_path / f"m{i}"), str(start)],
                              env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for i in range(4)]
    results = [p.communicate(timeout=120) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
    assert len({out.strip() for out, _ in results}) == 1
    import optuna

    assert len(optuna.get_all_study_summaries(pg_url)) == 1
