"""candidates.csv: one declaration of the columns; what the search writes, the figures read back unchanged."""
import csv
import math

import pytest

from cimsim.candidates import CANDIDATE_COLUMNS, load_candidates, write_candidates_csv
from cimsim.errors import UserError
from neuronas.search.candidate import Candidate
from neuronas.search.finalize import write_candidates


def test_search_candidates_round_trip(tmp_path):
    cands = [Candidate(genotype="conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2", index=0, params=5492.0,
                       memory_bytes=5492.0, area_m2=6.4e-6, latency_s=3.8e-5, energy_j=1.9e-7, score=0.275,
                       feasible=True, stage="score"),
             Candidate(genotype="skip~0|skip~0,skip~1|skip~0,skip~1,skip~2", params=3972.0, memory_bytes=3972.0,
                       failed=["memory", "fit"], stage="memory", message="memory=3972 params > 1000 params"),
             Candidate(genotype="avgpool3x3~0|avgpool3x3<0,avgpool3x3<1|skip<0,zeroize~1,zeroize~2",
                       score=-math.inf, failed=["unchecked"], stage="score")]
    path = write_candidates(cands, tmp_path / "out" / "candidates.csv")
    with path.open() as fh:
        assert tuple(next(csv.reader(fh))) == CANDIDATE_COLUMNS
    rows = load_candidates(path)
    assert [r["genotype"] for r in rows] == [c.genotype for c in cands]
    for row, c in zip(rows, cands):
        assert row["feasible"] is c.feasible and row["failed"] == c.failed
        assert row["stage"] == c.stage and row["message"] == c.message
        for k in ("params", "memory_bytes", "area_m2", "latency_s", "energy_j", "score", "accuracy"):
            want = getattr(c, k)
            assert (math.isnan(row[k]) and math.isnan(want)) or row[k] == want, k  # floats survive exactly
    assert not list(tmp_path.glob("out/*.tmp"))


def test_rows_without_optional_columns_and_bad_rows(tmp_path):
    path = write_candidates_csv([{"genotype": "g1", "feasible": False, "failed": ["energy"]},
                                 {"genotype": "g2", "feasible": True, "score": 3.0}], tmp_path / "c.csv")
    rows = load_candidates(path)
    assert rows[0]["failed"] == ["energy"] and math.isnan(rows[0]["energy_j"]) and rows[0]["stage"] == ""
    assert rows[1]["feasible"] and rows[1]["score"] == 3.0 and rows[1]["failed"] == []
    with pytest.raises(ValueError, match="without feasible"):
        write_candidates_csv([{"genotype": "g"}], tmp_path / "d.csv")
    (tmp_path / "e.csv").write_text("genotype,score\ng,1\n")
    with pytest.raises(UserError, match="not a candidates CSV"):
        load_candidates(tmp_path / "e.csv")
