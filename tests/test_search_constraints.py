"""Constraint parsing (names, units, SI), checking and the user errors."""
import math

import pytest

from cimsim.errors import UserError
from cimsim.constraints import parse_constraints


def test_hasnas_budgets_in_si():
    c = parse_constraints("memory=4e6,area=100mm2,latency=400ms,energy=120uJ")
    assert c.memory_params == 4e6 and c.memory_bytes is None
    assert math.isclose(c.area_m2, 100e-6) and math.isclose(c.latency_s, 0.4) and math.isclose(c.energy_j, 120e-6)
    assert c.names == ("memory", "area", "latency", "energy")


@pytest.mark.parametrize("text, attr, value", [
    ("memory=4MB", "memory_bytes", 4e6), ("memory=2KiB", "memory_bytes", 2048.0), ("memory=512 B", "memory_bytes", 512.0),
    ("memory=1.5e5", "memory_params", 1.5e5), ("area=0.5cm2", "area_m2", 0.5e-4), ("area=3e-5", "area_m2", 3e-5),
    ("latency=20us", "latency_s", 20e-6), ("energy=3 nJ", "energy_j", 3e-9), ("ENERGY=1mJ", "energy_j", 1e-3),
])
def test_units(text, attr, value):
    c = parse_constraints(text)
    assert math.isclose(getattr(c, attr), value, rel_tol=1e-12)
    assert len(c.names) == 1


def test_subset_and_empty():
    assert parse_constraints("").names == ()
    assert parse_constraints(None).names == ()
    assert parse_constraints("energy=50uJ").names == ("energy",)


@pytest.mark.parametrize("text, fragment", [
    ("power=1W", "power=1W"), ("energy=5", None), ("energy=5uW", "unknown energy unit 'uW'"),
    ("memory=4Mb", "unknown memory unit 'Mb'"), ("area=100mm", "unknown area unit 'mm'"),
    ("latency=fast", "cannot read the value"), ("energy=-1uJ", "cannot read the value"),
    ("energy=1uJ,energy=2uJ", "given twice"), ("memory=1e5,memory=1MB", "given twice"), ("energy", "NAME=VALUE"),
])
def test_user_errors(text, fragment):
    if fragment is None:  # a bare number is a valid value in SI (joules)
        assert parse_constraints(text).energy_j == 5.0
        return
    with pytest.raises(UserError, match=None) as exc:
        parse_constraints(text)
    assert fragment in str(exc.value)


def test_check_and_violations():
    c = parse_constraints("memory=1000,energy=2uJ")
    row = {"params": 900.0, "memory_bytes": 900.0, "energy_j": 3e-6, "area_m2": 1.0}
    assert c.check(row) == ["energy"]
    v = c.violations(row)
    assert math.isclose(v["energy"], 0.5) and math.isclose(v["memory"], -0.1)
    assert c.check({"params": 1001.0}) == ["memory"]
    assert c.check({"params": 1000.0, "energy_j": 2e-6}) == []  # limits are inclusive
    assert c.check({"params": float("nan")}) == []  # not measured is not a violation
    # memory in bytes is compared with the byte count, not the parameter count
    b = parse_constraints("memory=1kB")
    assert b.check({"params": 5000.0, "memory_bytes": 999.0}) == []
    assert b.check({"params": 10.0, "memory_bytes": 1001.0}) == ["memory"]
    assert parse_constraints("memory=1e3").plot_limits(weight_bits=4) == {"memory": 500.0}
