"""End-to-end searches on digits with tiny budgets: every strategy, stored numbers vs constraints, exit code 2,
resume after SIGKILL, hardware cache."""
import csv
import json
import math
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from neuronas.search import SearchSettings, get_strategy, run_search, strategy_names
from cimsim.constraints import parse_constraints

TINY = dict(dataset="digits", channels=4, hidden=16, score_batch=8, hw_samples=1, report_samples=2, top_k=0,
            progress=False, figures=False, population=2, tournament=2, threads=1)


def _rows(out: Path) -> list[dict]:
    with (out / "candidates.csv").open() as fh:
        return list(csv.DictReader(fh))


def _num(v: str) -> float:
    return math.nan if v == "" else float(v)


def _assert_feasible_rows_meet(rows, constraints: str):
    lim = parse_constraints(constraints)
    for r in rows:
        if r["feasible"] != "true":
            continue
        assert r["failed"] == ""
        for name in lim.names:
            value = _num(r[lim.column(name)])
            assert math.isfinite(value), (name, r)  # a feasible candidate has every constrained number
            assert value <= lim.limit(name), (name, value, r["genotype"])


@pytest.mark.parametrize("strategy", strategy_names())
def test_every_strategy_finds_a_feasible_best(tmp_path, strategy):
    constraints = "memory=2e5,energy=50uJ"
    s = SearchSettings(**TINY, strategy=strategy, constraints=constraints, candidates=4, out=str(tmp_path))
    summary = run_search(s)
    rows = _rows(tmp_path)
    assert len(rows) == 4 if get_strategy(strategy).indexed else len(rows) >= 3
    _assert_feasible_rows_meet(rows, constraints)
    best = json.loads((tmp_path / "best.json").read_text())
    assert best == json.loads(json.dumps(summary, default=str))
    assert best["genotype"] in {r["genotype"] for r in rows if r["feasible"] == "true"}
    assert (tmp_path / "best.pt").is_file() and (tmp_path / "report.json").is_file()
    report = json.loads((tmp_path / "report.json").read_text())
    # the default preset's ADC range is calibrated on training images, not on the scored test images
    assert "separate calibration inputs" in report["meta"]["adc_calibration"]["data"]
    if strategy == "snasnet":  # every cell scored, hardware only checked afterwards for the best
        assert all(r["score"] != "" for r in rows)
        assert sum(r["failed"] == "unchecked" for r in rows) == 3
    if strategy == "random":  # everything measured for everything
        assert all(r["energy_j"] != "" and r["score"] != "" for r in rows)


def test_constraint_first_scores_only_feasible_and_stored_numbers_meet_limits(tmp_path):
    from neuronas.search.evaluate import Evaluator
    from neuronas.search.cells import planned_genotypes

    s = SearchSettings(**TINY, candidates=6, out=str(tmp_path))
    ev = Evaluator(s, cache_dir=None)
    params = sorted(ev.memory(g)["params"] for g in planned_genotypes(s.seed, s.op_set, 6))
    constraints = f"memory={params[2]:.0f},energy=50uJ,latency=1s,area=1cm2"
    summary = run_search(s.with_(constraints=constraints))
    rows = _rows(tmp_path)
    assert len(rows) == 6
    assert any(r["feasible"] == "false" and r["failed"] == "memory" for r in rows)
    for r in rows:
        assert (r["score"] != "") == (r["feasible"] == "true")  # only feasible candidates pay for the score
        if r["failed"] == "memory":  # stopped before mapping and simulation
            assert r["energy_j"] == "" and r["stage"] == "memory"
    _assert_feasible_rows_meet(rows, constraints)
    assert summary["n_feasible"] == sum(r["feasible"] == "true" for r in rows)


def test_impossible_constraints_exit_2_with_closest_candidate(tmp_path, capsys):
    from neuronas.cli import main

    with pytest.raises(SystemExit) as exc:
        main(["search", "--dataset", "digits", "--channels", "4", "--hidden", "16", "--candidates", "3",
              "--constraints", "memory=100,energy=1pJ", "--score-batch", "8", "--hw-samples", "1", "--top-k", "0",
              "--out", str(tmp_path), "--no-progress"])
    assert exc.value.code == 2
    err = capsys.readouterr().err
    assert "no candidate meets: memory=100 params, energy=1e-06 uJ" in err
    assert "closest:" in err and "params=" in err and "over: memory by" in err
    assert len(_rows(tmp_path)) == 3


def test_hardware_cache_hits_and_rejudges_under_new_constraints(tmp_path):
    from neuronas.search.evaluate import Evaluator

    g = "conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"
    a = Evaluator(SearchSettings(**TINY, constraints="memory=10", out=str(tmp_path)))
    first = a.hardware(g)
    assert first["failed"] == ["memory"] and first["stage"] == "memory" and not first["cached"]
    again = a.hardware(g)
    assert again["cached"] and again["time_s"] == 0.0 and again["params"] == first["params"]
    b = Evaluator(SearchSettings(**TINY, constraints="memory=1e9", out=str(tmp_path)))
    full = b.hardware(g)  # the cached early stop no longer fails: simulate now
    assert not full["cached"] and full["stage"] == "simulate" and full["failed"] == []
    assert full["params"] == first["params"] and full["energy_j"] > 0
    assert b.hardware(g)["cached"]
    files = list((tmp_path / "cache" / "hw").glob("*.json"))
    assert len(files) == 1


def _count_complete(db: Path) -> int:
    import sqlite3

    if not db.is_file():
        return 0
    try:
        with sqlite3.connect(db, timeout=30) as con:
            return con.execute("select count(*) from trials where state = 'COMPLETE'").fetchone()[0]
    except sqlite3.OperationalError:
        return 0


@pytest.mark.slow
def test_resume_after_sigkill_loses_no_finished_candidate(tmp_path):
    import optuna

    out = tmp_path / "s"
    cmd = [sys.executable, "-m", "neuronas.cli", "search", "--dataset", "digits", "--channels", "4", "--hidden", "16",
           "--candidates", "10", "--constraints", "memory=2e5,energy=50uJ", "--score-batch", "8", "--hw-samples", "1",
           "--top-k", "0", "--out", str(out), "--no-progress", "--threads", "1"]
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1])}
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.time() + 600  # generous: a loaded CI machine imports torch and scores slowly
    while _count_complete(out / "study.db") < 2 and time.time() < deadline and proc.poll() is None:
        time.sleep(0.2)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    storage = f"sqlite:///{out / 'study.db'}"
    (name,) = [s.study_name for s in optuna.get_all_study_summaries(storage)]
    before = {t.user_attrs["index"]: t.number for t in optuna.load_study(study_name=name, storage=storage).trials
              if t.state == optuna.trial.TrialState.COMPLETE}
    assert 2 <= len(before) < 10
    done = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    trials = optuna.load_study(study_name=name, storage=storage).trials
    complete = [t for t in trials if t.state == optuna.trial.TrialState.COMPLETE]
    indices = [t.user_attrs["index"] for t in complete]
    assert sorted(indices) == list(range(10))  # every candidate once: none lost, none evaluated twice
    after = {t.user_attrs["index"]: t.number for t in complete}
    assert all(after[i] == n for i, n in before.items())  # the finished ones were kept, not redone
    assert len(_rows(out)) == 10


@pytest.mark.slow
def test_two_local_workers_share_one_study(tmp_path):
    s = SearchSettings(**TINY, candidates=6, workers=2, constraints="memory=2e5", out=str(tmp_path))
    summary = run_search(s)
    rows = _rows(tmp_path)
    assert len(rows) == 6 and len({r["genotype"] for r in rows}) == 6
    assert summary["n_candidates"] == 6
