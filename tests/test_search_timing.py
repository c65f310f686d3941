"""Strategies timed side by side (neuronas.search.timing): every cell of every side once, the order rotating, the
budget per side, after_search timed last, each side's context around its own evaluations only."""
import contextlib

from neuronas.search.timing import Side, interleaved


class _Recorder:
    """A strategy that records what it evaluates (and under which context) in a shared log."""

    def __init__(self, name: str, log: list, flags: dict):
        self.name, self.log, self.flags = name, log, flags

    def evaluate(self, ev, genotype, index):
        self.log.append((self.name, genotype, index, self.flags.get("inside")))
        return f"{self.name}:{genotype}"

    def after_search(self, cands, ev):
        self.log.append((self.name, "after", len(cands), self.flags.get("inside")))


def _sides(log, flags, plans):
    @contextlib.contextmanager
    def marked():
        flags["inside"] = True
        yield
        flags["inside"] = None

    return {name: Side(_Recorder(name, log, flags), None, plan, marked if name == "b" else contextlib.nullcontext)
            for name, plan in plans.items()}


def test_every_cell_once_in_rotating_order_then_after_search():
    log, flags = [], {}
    sides = interleaved(_sides(log, flags, {"a": ["x0", "x1", "x2"], "b": ["y0", "y1"], "c": ["z0", "z1", "z2"]}),
                        after_search=True)
    order = [(name, cell) for name, cell, *_ in log]
    assert order == [("a", "x0"), ("b", "y0"), ("c", "z0"),   # round 0 starts at a
                     ("b", "y1"), ("c", "z1"), ("a", "x1"),   # round 1 at the second side
                     ("a", "x2"), ("c", "z2"),                # round 2: b is done, [a, c] from index 2 % 2
                     ("a", "after"), ("b", "after"), ("c", "after")]
    assert [c for c in sides["b"].cands] == ["b:y0", "b:y1"]
    assert [i for name, _, i, _ in log if name == "a"][:3] == [0, 1, 2]
    # only side b's own calls ran inside its context
    assert {inside for name, _, _, inside in log if name == "b"} == {True}
    assert {inside for name, _, _, inside in log if name != "b"} == {None}
    for side in sides.values():
        assert side.wall_s > 0 and side.cpu_s >= 0


def test_budget_is_per_side_and_lets_the_cell_under_way_finish():
    log, flags = [], {}
    sides = interleaved(_sides(log, flags, {"a": ["x0", "x1"], "b": ["y0", "y1"]}), budget_s=1e-12)
    assert [len(s.cands) for s in sides.values()] == [1, 1]  # one cell each, then over budget
    log.clear()
    sides = interleaved(_sides(log, flags, {"a": ["x0"], "b": ["y0"]}), budget_s=0.0)
    assert log == [] and all(not s.cands for s in sides.values())
