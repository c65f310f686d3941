"""The ``local`` strategy: random start, then one-pair neighbours of the best feasible cell; seeded and resumable."""
import csv

from neuronas.search import SearchSettings, get_strategy, run_search
from neuronas.search.strategies.local import neighbours
from neuronas.space import Genotype

TINY = dict(dataset="digits", channels=4, hidden=16, score_batch=8, hw_samples=1, report_samples=2, top_k=0,
            progress=False, figures=False, population=2, threads=1, strategy="local")
CELL = "conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"


def _rows(out) -> list[dict]:
    with (out / "candidates.csv").open() as fh:
        return list(csv.DictReader(fh))


def test_neighbours_are_valid_canonical_one_pair_changes():
    near = neighbours(CELL, "neuronas")
    assert near and len(set(near)) == len(near) and CELL not in near
    for g in near:
        cell = Genotype.parse(g)
        assert cell.is_valid() and str(cell.canonical()) == g
    assert all("avgpool3x3" not in g for g in near)  # the pruned operation set
    assert any("avgpool3x3" in g for g in neighbours(CELL, "snasnet"))


def test_climbs_from_the_best_feasible_cell_and_replays(tmp_path):
    assert get_strategy("local").default_ops == "neuronas" and not get_strategy("local").indexed
    s = SearchSettings(**TINY, constraints="memory=2e5,energy=50uJ", candidates=5, out=str(tmp_path / "a"))
    run_search(s)
    rows = _rows(tmp_path / "a")
    genotypes = [r["genotype"] for r in rows]
    assert len(genotypes) == 5 == len(set(genotypes))
    climbed = 0
    for i in range(s.population, len(rows)):
        ranked = sorted((r for r in rows[:i] if r["feasible"] == "true"), key=lambda r: -float(r["score"]))
        parents = [r["genotype"] for r in ranked if set(neighbours(r["genotype"], s.op_set)) - set(genotypes[:i])]
        if parents:  # the best feasible cell with an unevaluated neighbour is the one climbed from
            assert genotypes[i] in neighbours(parents[0], s.op_set)
            climbed += 1
    assert climbed
    for r in rows:  # constraint-first: only feasible cells pay for the score
        assert (r["score"] != "") == (r["feasible"] == "true")
    run_search(s.with_(out=str(tmp_path / "b")))
    assert [r["genotype"] for r in _rows(tmp_path / "b")] == genotypes  # seeded: the same climb again
