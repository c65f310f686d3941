"""Two workers claiming the same candidate at the same instant: a claim is a new trial first and its index a moment
later, so a worker must not take an index while an earlier claim has not yet said which index it took (the race that
let two PostgreSQL workers evaluate one candidate twice). SQLite in one process stands in for the shared database."""
from __future__ import annotations

import os
import socket
import threading
import time

from neuronas.search import SearchSettings
from neuronas.search import storage as st
from neuronas.search.strategy import make_strategy


def test_an_index_claimed_a_moment_ago_is_not_taken_twice(tmp_path):
    settings = SearchSettings(dataset="digits", candidates=3, out=str(tmp_path), progress=False)
    strategy = make_strategy(settings)
    study = st.open_study(strategy)
    plan = strategy.plan()
    other = study.ask()  # another worker's claim of index 0, its attributes not written yet

    def finish_claim() -> None:
        time.sleep(0.5)
        other.set_user_attr("host", socket.gethostname())
        other.set_user_attr("pid", os.getpid())
        other.set_user_attr("index", 0)
        other.set_user_attr("genotype", plan[0])

    writer = threading.Thread(target=finish_claim)
    writer.start()
    nxt = strategy.propose(study, 0, 1)  # sees index 0 free, claims it too, then must yield to the earlier claim
    writer.join()
    assert nxt.index == 1
    running = [t.user_attrs.get("index") for t in st.running(study)]
    assert sorted(running) == [0, 1]
