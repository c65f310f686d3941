"""A worker that dies on another machine: its trial's heartbeat stops, and within the grace period the next worker
that looks fails the trial and the candidate is proposed again (SQLite stands in for the shared database)."""
from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

from neuronas.search import SearchSettings
from neuronas.search import storage as st
from neuronas.search.strategy import make_strategy

ROOT = Path(__file__).resolve().parents[1]
HEARTBEAT_S, GRACE_S = 1, 2

WORKER = textwrap.dedent("""
    import sys, time
    from neuronas.search import SearchSettings, storage as st
    from neuronas.search.strategy import make_strategy
    strategy = make_strategy(SearchSettings(dataset="digits", candidates=3, out=sys.argv[1], progress=False))
    study = st.open_study(strategy, storage=st.make_storage(strategy.settings, heartbeat_s=1, grace_s=2))
    nxt = strategy.propose(study, 0, 1)
    nxt.trial.set_user_attr("host", "another-machine")  # its pid means nothing here: only the heartbeat tells
    with st.heartbeat(study, nxt.trial):
        print(nxt.index, flush=True)
        time.sleep(600)
""")


def test_dead_worker_elsewhere_is_requeued_within_the_grace_period(tmp_path):
    settings = SearchSettings(dataset="digits", candidates=3, out=str(tmp_path), progress=False)
    strategy = make_strategy(settings)
    study = st.open_study(strategy, storage=st.make_storage(settings, heartbeat_s=HEARTBEAT_S, grace_s=GRACE_S))
    proc = subprocess.Popen([sys.executable, "-c", WORKER, str(tmp_path)], stdout=subprocess.PIPE, text=True,
                            env={**os.environ, "PYTHONPATH": str(ROOT)})
    try:
        index = int(proc.stdout.readline())
        time.sleep(3 * HEARTBEAT_S)  # longer than the grace period: a beating worker is not failed
        assert st.fail_dead_trials(study) == 0
        assert len(st.running(study)) == 1
    finally:
        proc.send_signal(signal.SIGKILL)
        proc.wait(timeout=60)
    killed = time.monotonic()
    while st.fail_dead_trials(study) == 0:
        assert time.monotonic() - killed < GRACE_S + 2 * HEARTBEAT_S + 5, "the dead worker's trial was not failed"
        time.sleep(0.2)
    assert time.monotonic() - killed >= GRACE_S - HEARTBEAT_S  # not before the grace period ran out
    assert not st.running(study)
    again = strategy.propose(study, 0, 1)
    assert again is not None and again.index == index  # re-queued: the same candidate is evaluated again
