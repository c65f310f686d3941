"""Units and the safe expression evaluator."""
import math

import pytest

from cimsim.config import units as U


@pytest.mark.parametrize("text, si, dim", [
    ("250 MHz", 250e6, U.FREQUENCY),
    ("1 GHz", 1e9, U.FREQUENCY),
    ("693.633 um2", 693.633e-12, U.AREA),
    ("0.083 mm2", 0.083e-6, U.AREA),
    ("2.03084 pJ", 2.03084e-12, U.ENERGY),
    ("20.45 pJ", 20.45e-12, U.ENERGY),
    ("10 ns", 10e-9, U.TIME),
    ("2 mW", 2e-3, U.POWER),
    ("3.9 uW", 3.9e-6, U.POWER),
    ("3.9 µW", 3.9e-6, U.POWER),
    ("64 KiB", 64 * 1024 * 8, U.INFORMATION),
    ("64 KB", 64 * 1024 * 8, U.INFORMATION),
    ("512 B", 512 * 8, U.INFORMATION),
    ("1 Mb", 1024**2, U.INFORMATION),
    ("100 kOhm", 1e5, U.RESISTANCE),
    ("1.28 GS/s", 1.28e9, U.FREQUENCY),
    ("42", 42.0, U.NONE),
    ("1e-3 pJ", 1e-15, U.ENERGY),
])
def test_parse_units(text, si, dim):
    v = U.evaluate(text)
    assert v.si == pytest.approx(si, rel=1e-12)
    assert v.dim == dim


def test_parse_quantity_checks_dimension():
    assert U.parse_quantity("2 mW", U.POWER) == pytest.approx(2e-3)
    assert U.parse_quantity(7, U.ENERGY) == 7.0
    assert U.parse_quantity("0", U.ENERGY) == 0.0
    with pytest.raises(U.ExpressionError, match="expected an energy"):
        U.parse_quantity("693.6 um2", U.ENERGY)
    with pytest.raises(U.ExpressionError, match="needs a unit"):
        U.parse_quantity("2.03", U.ENERGY)
    with pytest.raises(U.ExpressionError, match="unknown name 'furlong'"):
        U.parse_quantity("3 furlong", U.LENGTH)


def test_derived_dimensions():
    # power x time is an energy; V^2 / R x t is an energy; sqrt of an area is a length
    assert U.evaluate("0.3 mW * 100 ns").dim == U.ENERGY
    e = U.evaluate("(0.55 V)**2 / (100 kOhm) * 10 ns")
    assert e.dim == U.ENERGY and e.si == pytest.approx(0.55**2 / 1e5 * 1e-8)
    side = U.evaluate("(0.372 mm2)**0.5")
    assert side.dim == U.LENGTH and side.si == pytest.approx(math.sqrt(0.372e-6))
    assert U.evaluate("ceil((4 + 1) ns * 1 GHz)").si == 5.0
    assert U.evaluate("0.55 V**2 / 100 kOhm").si == pytest.approx(0.55**2 / 1e5)  # a number binds to its unit


def test_variables_and_functions():
    env = {"xbar": U.Value(128.0)}
    assert U.evaluate("1.76423 pJ * xbar / 64", env).si == pytest.approx(1.76423e-12 * 2)
    assert U.evaluate("min(xbar, 64) + max(1, 2) - floor(2.7) + log2(xbar)", env).si == 64 + 2 - 2 + 7
    assert U.evaluate("-xbar", env).si == -128.0


@pytest.mark.parametrize("text", [
    "__import__('os')", "open('x')", "xbar.__class__", "[1, 2]", "lambda: 1", "1 if 1 else 2", "'a'",
    "exec('1')", "(1).real", "2 ** 1000", "1 // 2", "1 % 2", "a[0]",
])
def test_rejects_anything_but_arithmetic(text):
    with pytest.raises(U.ExpressionError):
        U.evaluate(text, {"xbar": U.Value(1.0), "a": U.Value(1.0)})


def test_dimension_errors():
    with pytest.raises(U.ExpressionError, match="cannot combine an energy"):
        U.evaluate("2 pJ + 3 um2")
    with pytest.raises(U.ExpressionError, match="plain number"):
        U.evaluate("log2(3 pJ)")
    with pytest.raises(U.ExpressionError, match="division by zero"):
        U.evaluate("1 / 0")
