"""Hardware budgets: parsing ``"memory=4e6,area=100mm2,latency=400ms,energy=120uJ"`` and checking them.

Names and units (any subset, any order, case of the name ignored, the unit's case matters: ``mJ`` != ``MJ``):

========= ======================================================================================================
memory    a bare number counts crossbar **parameters** (weights; ``4e6`` = HASNAS's 4x10^6 parameters); with a
          byte unit it counts **bytes** of weight memory: ``B``, ``kB``/``KB``, ``MB``, ``GB`` (powers of 1000)
          or ``KiB``, ``MiB``, ``GiB`` (powers of 1024)
area      ``m2``, ``mm2``, ``um2``, ... (bare number = m2)
latency   ``s``, ``ms``, ``us``, ``ns``, ... (bare number = s), per inference
energy    ``J``, ``mJ``, ``uJ``, ``nJ``, ``pJ``, ... (bare number = J), per inference

Units are those of :mod:`cimsim.config.units` (one table), except that byte budgets count ``kB``/``MB``/``GB`` in
powers of 1000 (:data:`cimsim.config.units.DECIMAL_BYTES`).
========= ======================================================================================================

Limits are kept in SI (parameters or bytes, m2, s, J) and a candidate satisfies a limit when its value is at most
the limit (``value <= limit``).
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Mapping

from cimsim.config import units as U
from cimsim.errors import UserError

NAMES = ("memory", "area", "latency", "energy")
"""Constraint names in the order the search checks them (cheapest first)."""

#: candidate column each constraint is compared with (memory: see :attr:`Constraints.memory_column`)
COLUMNS = {"area": "area_m2", "latency": "latency_s", "energy": "energy_j"}

#: dimension of each budget's unit in the one units table (:mod:`cimsim.config.units`)
_DIMS = {"memory": U.INFORMATION, "area": U.AREA, "latency": U.TIME, "energy": U.ENERGY}
_VALUE = re.compile(r"^\s*([0-9]*\.?[0-9]+(?:[eE][-+]?[0-9]+)?)\s*([A-Za-zµ0-9]*)\s*$")
_PRINT = {"area": (1e-6, "mm2"), "latency": (1e-3, "ms"), "energy": (1e-6, "uJ")}


@dataclass(frozen=True)
class Constraints:
    """Hardware budgets in SI units; ``None`` = no limit.

    Parameters
    ----------
    memory_params: maximum crossbar parameters (weights).
    memory_bytes: maximum weight memory in bytes (weights x bits / 8).
    area_m2, latency_s, energy_j: maximum chip area used (m2), latency and energy per inference (s, J).
    text: the string the budgets were parsed from (for messages).
    """

    memory_params: float | None = None
    memory_bytes: float | None = None
    area_m2: float | None = None
    latency_s: float | None = None
    energy_j: float | None = None
    text: str = field(default="", compare=False)

    # ------------------------------------------------------------------ views
    @property
    def names(self) -> tuple[str, ...]:
        """Names of the constraints that are set, in checking order."""
        return tuple(n for n in NAMES if self.limit(n) is not None)

    @property
    def memory_column(self) -> str:
        """``params`` when memory is limited in parameters, else ``memory_bytes``."""
        return "params" if self.memory_params is not None else "memory_bytes"

    def limit(self, name: str) -> float | None:
        """The limit of ``name`` in its SI unit (memory: parameters or bytes, see :attr:`memory_column`)."""
        if name == "memory":
            return self.memory_params if self.memory_params is not None else self.memory_bytes
        if name not in COLUMNS:
            raise UserError(f"unknown constraint {name!r}; expected one of {', '.join(NAMES)}")
        return getattr(self, COLUMNS[name])

    def column(self, name: str) -> str:
        """Candidate column compared with constraint ``name``."""
        return self.memory_column if name == "memory" else COLUMNS[name]

    def plot_limits(self, weight_bits: int = 8) -> dict[str, float]:
        """Limits as :func:`cimsim.plot.pareto` wants them (memory in bytes: parameters x bits / 8)."""
        out = {}
        for n in self.names:
            v = float(self.limit(n))
            if n == "memory" and self.memory_params is not None:
                v = v * weight_bits / 8
            out[n] = v
        return out

    # ------------------------------------------------------------------ checks
    def check(self, values: Mapping[str, float | None], names: "tuple[str, ...] | None" = None) -> list[str]:
        """Names of the constraints ``values`` violates (a missing or NaN value is not a violation here).

        Parameters
        ----------
        values: candidate columns (``params``, ``memory_bytes``, ``area_m2``, ``latency_s``, ``energy_j``).
        names: only check these constraints (default: every one that is set).
        """
        failed = []
        for n in names if names is not None else self.names:
            limit = self.limit(n)
            v = values.get(self.column(n))
            if limit is None or v is None or (isinstance(v, float) and math.isnan(v)):
                continue
            if float(v) > limit:
                failed.append(n)
        return failed

    def violations(self, values: Mapping[str, float | None]) -> dict[str, float]:
        """Relative excess ``value / limit - 1`` per set constraint (<= 0 satisfied; 0.0 when not measured)."""
        out = {}
        for n in self.names:
            v = values.get(self.column(n))
            if v is None or (isinstance(v, float) and math.isnan(v)):
                out[n] = 0.0
            else:
                out[n] = float(v) / float(self.limit(n)) - 1.0
        return out

    def describe(self, name: str, value: float | None = None) -> str:
        """``"energy=50 uJ"`` (the limit) or, with ``value``, the value in the same unit."""
        limit = self.limit(name)
        v = limit if value is None else value
        if name == "memory":
            unit = "params" if self.memory_params is not None else "B"
            return f"{name}={v:.4g} {unit}"
        scale, unit = _PRINT[name]
        return f"{name}={v / scale:.4g} {unit}"

    def __str__(self) -> str:
        return ", ".join(self.describe(n) for n in self.names) or "none"


def parse_constraints(text: "str | Constraints | None") -> Constraints:
    """Parse budgets like ``"memory=4e6,area=100mm2,latency=400ms,energy=120uJ"`` (see the module docstring).

    ``None`` or an empty string gives no constraints. Raises :class:`UserError` for an unknown name or unit, a
    repeated name, a value that is not a positive number.
    """
    if isinstance(text, Constraints):
        return text
    if text is None or not str(text).strip():
        return Constraints(text="")
    values: dict[str, float] = {}
    seen: set[str] = set()
    items = [s.strip() for s in str(text).split(",")]
    if not any(items):  # ",,," names no budget: refuse rather than run unconstrained
        raise UserError(f"--constraints {str(text)[:60]!r}: names no budget; expected NAME=VALUE[,NAME=VALUE...] "
                        f"with NAME one of {', '.join(NAMES)}")
    for item in items:
        if not item:
            continue
        name, sep, raw = item.partition("=")
        name = name.strip().lower()
        if not sep or name not in NAMES:
            raise UserError(f"--constraints: cannot read {item[:60]!r}; expected NAME=VALUE with NAME one of {', '.join(NAMES)}")
        if name in seen:
            raise UserError(f"--constraints: {name!r} is given twice in {str(text)[:100]!r}")
        seen.add(name)
        m = _VALUE.match(raw)
        if not m:
            raise UserError(f"--constraints: cannot read the value {raw.strip()[:60]!r} of {name!r}; expected a number and a unit, e.g. {_example(name)}")
        number, unit = float(m.group(1)), m.group(2)
        if not number > 0 or not math.isfinite(number):
            raise UserError(f"--constraints: {name}={raw.strip()[:60]} must be a positive finite number")
        if name == "memory" and unit == "":
            values["memory_params"] = number
        elif unit == "":
            values[COLUMNS[name]] = number
        else:
            values["memory_bytes" if name == "memory" else COLUMNS[name]] = number * _unit_scale(name, unit, item)
    return Constraints(**values, text=str(text))


def _unit_scale(name: str, unit: str, item: str) -> float:
    """SI size of one ``unit`` of budget ``name`` (memory: bytes, decimal ``kB``/``MB``/``GB``)."""
    if name == "memory" and unit in U.DECIMAL_BYTES:
        return U.DECIMAL_BYTES[unit]
    scale, dim = U.UNITS.get(unit, (0.0, None))
    if dim != _DIMS[name] or (name == "memory" and not unit.endswith("B")):  # memory budgets are in bytes
        known = [u for u, (_, d) in U.UNITS.items() if d == _DIMS[name] and u.isascii()]
        if name == "memory":
            known = list(U.DECIMAL_BYTES) + [u for u in known if u.endswith("B") and u not in U.DECIMAL_BYTES]
            raise UserError(f"--constraints: unknown memory unit {unit!r} in {item!r}; expected a bare number of "
                            f"parameters or bytes in {', '.join(known)}")
        raise UserError(f"--constraints: unknown {name} unit {unit!r} in {item!r}; expected one of {', '.join(known)}")
    return scale / 8.0 if name == "memory" else scale  # the table counts data in bits


def _example(name: str) -> str:
    return {"memory": "memory=4e6 or memory=4MB", "area": "area=100mm2", "latency": "latency=400ms",
            "energy": "energy=120uJ"}[name]
