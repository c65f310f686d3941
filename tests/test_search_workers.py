"""``neuronas search --workers K``: the workers die with their parent, and a killed worker is one line, not a
traceback (Linux: the tests look at /proc)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytestmark = pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="needs /proc (Linux)")

ROOT = Path(__file__).resolve().parents[1]
ENV = {**os.environ, "PYTHONPATH": str(ROOT)}


def _cmd(out: Path, n: int) -> list[str]:
    return [sys.executable, "-m", "neuronas.cli", "search", "--dataset", "digits", "--channels", "4", "--hidden", "16",
            "--candidates", str(n), "--score-batch", "8", "--hw-samples", "1", "--top-k", "0", "--out", str(out),
            "--no-progress", "--threads", "1", "--no-figures", "--workers", "2"]


def _alive(pid: int) -> bool:
    """True while ``pid`` runs (a zombie waiting to be reaped counts as dead)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return False
    return stat.rsplit(")", 1)[1].split()[0] not in ("Z", "X")


def _workers_of(pid: int, n: int, timeout_s: float = 120.0) -> list[int]:
    """The pids of the ``n`` spawned worker processes of ``pid`` (waits until they exist)."""
    t_end = time.monotonic() + timeout_s
    while time.monotonic() < t_end:
        kids = []
        for stat in Path("/proc").glob("[0-9]*/stat"):
            try:
                fields = stat.read_text().rsplit(")", 1)[1].split()
                cmdline = (stat.parent / "cmdline").read_bytes()
            except OSError:
                continue
            if int(fields[1]) == pid and b"spawn_main" in cmdline:
                kids.append(int(stat.parent.name))
        if len(kids) >= n:
            return sorted(kids)
        time.sleep(0.1)
    raise AssertionError(f"process {pid} did not start {n} workers")


def test_sigkill_on_the_parent_takes_its_workers_down(tmp_path):
    parent = subprocess.Popen(_cmd(tmp_path / "out", 200), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    try:
        workers = _workers_of(parent.pid, 2)
    finally:
        parent.send_signal(signal.SIGKILL)
        parent.communicate(timeout=60)
    t_end = time.monotonic() + 30.0
    while any(_alive(w) for w in workers) and time.monotonic() < t_end:
        time.sleep(0.1)
    assert not any(_alive(w) for w in workers), "workers outlived their killed parent"


def test_killed_workers_are_reported_in_one_line_with_the_rerun_command(tmp_path):
    parent = subprocess.Popen(_cmd(tmp_path / "out", 200), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        workers = _workers_of(parent.pid, 2)
        for w in workers:
            os.kill(w, signal.SIGKILL)
        _, err = parent.communicate(timeout=120)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.communicate()
    assert parent.returncode == 2, err[-2000:]
    lines = [line for line in err.splitlines() if line.strip()]
    assert len(lines) == 1 and "Traceback" not in err, err[-2000:]
    assert "was killed by SIGKILL" in lines[0] and f"(pid {workers[0]})" in lines[0]
    assert "rerun the same command to finish the search: neuronas search --dataset digits" in lines[0]


def test_one_killed_worker_is_covered_by_the_others(tmp_path):
    """The surviving worker fails the dead worker's trial (same host, dead pid) and evaluates its candidate: the
    search completes (exit 0) with a one-line warning."""
    import csv

    n = 3
    parent = subprocess.Popen(_cmd(tmp_path / "out", n), env=ENV, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        victim = _workers_of(parent.pid, 2)[0]
        time.sleep(1.0)  # importing; the kill lands before or during its first candidate
        os.kill(victim, signal.SIGKILL)
        _, err = parent.communicate(timeout=600)
    finally:
        if parent.poll() is None:
            parent.kill()
            parent.communicate()
    assert parent.returncode == 0, err[-2000:]
    assert "warning: worker " in err and f"(pid {victim}) was killed by SIGKILL" in err
    with (tmp_path / "out" / "candidates.csv").open() as fh:
        assert len(list(csv.DictReader(fh))) == n
