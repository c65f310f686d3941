"""Many-machine search on a real PostgreSQL server: separate ``neuronas search`` processes share one study through a
``postgresql://`` URL, as workers on separate machines would.

The server is started by the test itself (``initdb`` + ``pg_ctl`` in a temp dir, unix socket only) and stopped at
the end; the test is skipped only where PostgreSQL or the psycopg driver is missing.
"""
from __future__ import annotations

import csv
import os
import subprocess
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "helpers"))
from pg_server import available, postgres_server  # noqa: E402

pytestmark = pytest.mark.skipif(available() is not None, reason=str(available()))

N = 6


def _cmd(url: str, out: Path) -> list[str]:
    return [sys.executable, "-m", "neuronas.cli", "search", "--dataset", "digits", "--channels", "4", "--hidden", "16",
            "--candidates", str(N), "--constraints", "memory=2e5,energy=50uJ", "--score-batch", "8",
            "--hw-samples", "1", "--top-k", "0", "--storage", url, "--out", str(out), "--no-progress",
            "--threads", "1"]


@pytest.fixture(scope="module")
def pg_url():
    with postgres_server() as url:
        yield url


def test_three_processes_share_one_study(pg_url, tmp_path):
    import optuna

    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    procs = [subprocess.Popen(_cmd(pg_url, tmp_path / f"machine{i}"), env=env, stdout=subprocess.PIPE,
                              stderr=subprocess.PIPE, text=True) for i in range(3)]
    results = [p.communicate(timeout=600) for p in procs]
    for p, (_, err) in zip(procs, results):
        assert p.returncode == 0, err[-2000:]
    (summary,) = optuna.get_all_study_summaries(pg_url)
    trials = optuna.load_study(study_name=summary.study_name, storage=pg_url).trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    indices = sorted(t.user_attrs["index"] for t in complete)
    assert indices == list(range(N))  # every candidate exactly once: none lost, none evaluated twice
    workers = {(t.user_attrs["host"], t.user_attrs["pid"]) for t in complete}
    assert len(workers) >= 2  # the work was really shared
    for i in range(3):  # every machine writes the whole study's results
        with (tmp_path / f"machine{i}" / "candidates.csv").open() as fh:
            assert len(list(csv.DictReader(fh))) == N
