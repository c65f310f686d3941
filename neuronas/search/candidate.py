"""One evaluated candidate network: what was measured about it, as stored in a study and in ``candidates.csv``."""
from __future__ import annotations

import math
from dataclasses import dataclass, field

STAGES = ("memory", "mapping", "simulate", "score")
"""Evaluation stages in order of cost."""
HARDWARE_NUMBERS = ("params", "memory_bytes", "area_m2", "latency_s", "energy_j")
"""What a hardware evaluation measures (SI units)."""
_FLOATS = HARDWARE_NUMBERS + ("score", "accuracy", "ideal_accuracy", "onchip_accuracy", "onchip_std")


@dataclass
class Candidate:
    """Everything measured about one candidate (SI units; NaN = not measured).

    ``stage`` is the last evaluation stage reached (:data:`STAGES`); ``failed`` the violated constraints (or
    ``"fit"`` when the network does not fit the chip: then ``area`` is also listed); ``message`` says why.
    For a trained candidate: ``accuracy`` (the torch model's test accuracy after training), ``onchip_accuracy``
    / ``onchip_std`` (the simulated chip's, mean and standard deviation over chip instances) and
    ``ideal_accuracy`` (the same deployed network with an ideal ADC), all in [0, 1].
    """

    genotype: str
    index: int = -1
    params: float = math.nan
    memory_bytes: float = math.nan
    area_m2: float = math.nan
    latency_s: float = math.nan
    energy_j: float = math.nan
    score: float = math.nan
    accuracy: float = math.nan
    ideal_accuracy: float = math.nan
    onchip_accuracy: float = math.nan
    onchip_std: float = math.nan
    feasible: bool = False
    failed: list = field(default_factory=list)
    stage: str = ""
    message: str = ""
    hw_time_s: float = 0.0
    score_time_s: float = 0.0

    def apply_hardware(self, hw: dict) -> None:
        """Take the numbers and verdict of ``Evaluator.hardware``: feasible when no budget failed and the
        simulation ran (an early stop measured less than every budget needs)."""
        for k in HARDWARE_NUMBERS:
            setattr(self, k, float(hw[k]))
        self.failed, self.message, self.stage = list(hw["failed"]), hw["message"], hw["stage"]
        self.hw_time_s = hw["time_s"]
        self.feasible = not self.failed and hw["stage"] == "simulate"

    def to_attrs(self) -> dict:
        """JSON-safe dict (NaN/inf as None) for Optuna user attributes and caches."""
        out = {}
        for k, v in self.__dict__.items():
            if isinstance(v, float) and not math.isfinite(v):
                v = None if math.isnan(v) else ("inf" if v > 0 else "-inf")
            out[k] = v
        return out

    @classmethod
    def from_attrs(cls, attrs: dict) -> "Candidate":
        kw = {}
        for k in cls.__dataclass_fields__:
            if k not in attrs:
                continue
            v = attrs[k]
            if k in _FLOATS:
                v = math.nan if v is None else float(v)
            kw[k] = v
        return cls(**kw)
