"""The comparison records: one :class:`Row` per compared figure, a :class:`Validation` of rows and notes, and the
tolerances like-for-like rows are held to."""
from __future__ import annotations

from dataclasses import asdict, dataclass, field

#: Like-for-like rows must be within this relative error (the goal is 15%).
TOLERANCE = 0.25
GOAL = 0.15


@dataclass
class Row:
    """One compared figure."""

    reference: str
    metric: str
    unit: str
    ours: float
    theirs: float
    like_for_like: bool
    note: str = ""
    obsolete: bool = False
    """A historical reference kept for the record, superseded (NeuroSim's release-test output: the current code
    is the reference); never counted against the tolerance."""

    @property
    def rel_error(self) -> float:
        """(ours - theirs) / theirs."""
        return (self.ours - self.theirs) / self.theirs

    @property
    def status(self) -> str:
        if self.obsolete:
            return "obsolete"
        if not self.like_for_like:
            return "info"
        err = abs(self.rel_error)
        return "ok" if err <= GOAL else ("within 25%" if err <= TOLERANCE else "FAIL")

    def as_dict(self) -> dict:
        return {**asdict(self), "rel_error": self.rel_error, "status": self.status}


@dataclass
class Validation:
    rows: list[Row] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)
    extra: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return {"rows": [r.as_dict() for r in self.rows], "notes": self.notes, "extra": self.extra}
