"""Quantities with units, and a small safe arithmetic evaluator for config values.

A config value is a number (``64``), a quantity (``"2.03084 pJ"``, ``"64 KiB"``) or an arithmetic expression over
numbers, quantities, named variables and a few functions (``"1.76423 pJ * xbar / 64"``,
``"vread**2 / ron * 10 ns"``, ``"ceil((adc_bits + 1) ns * clock)"``). Expressions are parsed with :mod:`ast` and
walked node by node; only numbers, names, ``+ - * / **``, unary minus, parentheses and the functions
``min max ceil floor log2`` are accepted. Nothing is ever passed to ``eval``/``exec``.

Every value carries its physical dimension (exponents over metre, kilogram, second, ampere and bit), so
``"2 mW * 100 ns"`` is an energy, ``"0.55 V ** 2 / 100 kOhm"`` a power, and adding an energy to an area is an
error. A number written directly before a unit multiplies it (``"2.03 pJ"`` = ``2.03 * pJ``); a unit name alone
is one of that unit (``"0.2 fF / um"``). Variables shadow nothing: a variable may not be named like a unit.

Byte and bit prefixes are binary (K = 1024, M = 1024**2), the convention for memory capacities:
``"64 KB" == "64 KiB" == 65536 bytes`` and ``"1 Mb" == 131072 bytes``.
"""
from __future__ import annotations

import ast
import math
import re
from dataclasses import dataclass
from typing import Callable, Mapping, Optional

# ------------------------------------------------------------------ dimensions
# Exponents over (m, kg, s, A, bit).
Dim = tuple[int, int, int, int, int]
NONE: Dim = (0, 0, 0, 0, 0)
LENGTH: Dim = (1, 0, 0, 0, 0)
AREA: Dim = (2, 0, 0, 0, 0)
TIME: Dim = (0, 0, 1, 0, 0)
FREQUENCY: Dim = (0, 0, -1, 0, 0)
ENERGY: Dim = (2, 1, -2, 0, 0)
POWER: Dim = (2, 1, -3, 0, 0)
VOLTAGE: Dim = (2, 1, -3, -1, 0)
CURRENT: Dim = (0, 0, 0, 1, 0)
RESISTANCE: Dim = (2, 1, -3, -2, 0)
CAPACITANCE: Dim = (-2, -1, 4, 2, 0)
INFORMATION: Dim = (0, 0, 0, 0, 1)
ENERGY_PER_BIT: Dim = (2, 1, -2, 0, -1)

DIM_NAMES: dict[Dim, str] = {
    NONE: "a plain number",
    LENGTH: "a length (m)",
    AREA: "an area (m2)",
    TIME: "a time (s)",
    FREQUENCY: "a frequency (Hz)",
    ENERGY: "an energy (J)",
    POWER: "a power (W)",
    VOLTAGE: "a voltage (V)",
    CURRENT: "a current (A)",
    RESISTANCE: "a resistance (Ohm)",
    CAPACITANCE: "a capacitance (F)",
    INFORMATION: "an amount of data (bit, B)",
    ENERGY_PER_BIT: "an energy per bit (J/bit)",
}


def dim_name(dim: Dim) -> str:
    if dim in DIM_NAMES:
        return DIM_NAMES[dim]
    parts = [f"{b}^{e}" for b, e in zip(("m", "kg", "s", "A", "bit"), dim) if e]
    return "a quantity of unit " + " ".join(parts)


def _mul(a: Dim, b: Dim) -> Dim:
    return tuple(x + y for x, y in zip(a, b))  # type: ignore[return-value]


def _div(a: Dim, b: Dim) -> Dim:
    return tuple(x - y for x, y in zip(a, b))  # type: ignore[return-value]


def _pow(a: Dim, n: float) -> Dim:
    out = []
    for x in a:
        e = x * n
        if abs(e - round(e)) > 1e-9:
            raise ExpressionError(f"a unit raised to {n} gives a fractional dimension")
        out.append(int(round(e)))
    return tuple(out)  # type: ignore[return-value]


# ------------------------------------------------------------------ units
_SI_PREFIXES = {"f": 1e-15, "p": 1e-12, "n": 1e-9, "u": 1e-6, "µ": 1e-6, "μ": 1e-6, "m": 1e-3, "": 1.0,
                "k": 1e3, "M": 1e6, "G": 1e9, "T": 1e12}


def _build_units() -> dict[str, tuple[float, Dim]]:
    units: dict[str, tuple[float, Dim]] = {}
    for base, dim, prefixes in (
        ("J", ENERGY, "fpnumkMG"),
        ("W", POWER, "fpnumkMG"),
        ("s", TIME, "fpnum"),
        ("Hz", FREQUENCY, "kMGT"),
        ("V", VOLTAGE, "num"),
        ("A", CURRENT, "pnum"),
        ("Ohm", RESISTANCE, "kMG"),
        ("F", CAPACITANCE, "afpnum"),
        ("m", LENGTH, "pnumk"),
    ):
        units[base] = (1.0, dim)
        for p in prefixes:
            if p == "a":
                units["a" + base] = (1e-18, dim)
                continue
            units[p + base] = (_SI_PREFIXES[p], dim)
            if p == "u":
                units["µ" + base] = units["μ" + base] = (1e-6, dim)
    units["cm"] = (1e-2, LENGTH)
    for p in ("n", "u", "µ", "m", "c", ""):
        scale, _ = units[p + "m"]
        units[p + "m2"] = (scale**2, AREA)
    for name, scale in (("bit", 1.0), ("b", 1.0), ("B", 8.0), ("byte", 8.0)):
        units[name] = (scale, INFORMATION)
    for prefix, mult in (("K", 1024), ("k", 1024), ("M", 1024**2), ("G", 1024**3)):
        units[prefix + "b"] = (mult, INFORMATION)
        units[prefix + "B"] = (8.0 * mult, INFORMATION)
        units[prefix + "ib"] = (mult, INFORMATION)
        units[prefix + "iB"] = (8.0 * mult, INFORMATION)
    units["GS/s"] = (1e9, FREQUENCY)  # only reachable through parse_quantity (not an identifier)
    return units


UNITS: dict[str, tuple[float, Dim]] = _build_units()
#: Decimal byte units in bytes (powers of 1000): the convention of memory *budgets* (``--constraints memory=4MB``
#: is 4e6 bytes, as weight-memory figures are quoted); config values use the binary units of :data:`UNITS`.
DECIMAL_BYTES: dict[str, float] = {"kB": 1e3, "KB": 1e3, "MB": 1e6, "GB": 1e9}
FUNCTIONS: dict[str, Callable] = {"min": min, "max": max, "ceil": math.ceil, "floor": math.floor, "log2": math.log2}


class ExpressionError(ValueError):
    """An expression that cannot be evaluated; the loader adds the file and field."""


@dataclass(frozen=True)
class Value:
    """A number in SI units with its dimension."""

    si: float
    dim: Dim = NONE

    def __add__(self, other: "Value") -> "Value":
        self._same(other, "+")
        return Value(self.si + other.si, self.dim)

    def __sub__(self, other: "Value") -> "Value":
        self._same(other, "-")
        return Value(self.si - other.si, self.dim)

    def __mul__(self, other: "Value") -> "Value":
        return Value(self.si * other.si, _mul(self.dim, other.dim))

    def __truediv__(self, other: "Value") -> "Value":
        if other.si == 0:
            raise ExpressionError("division by zero")
        return Value(self.si / other.si, _div(self.dim, other.dim))

    def __pow__(self, other: "Value") -> "Value":
        if other.dim != NONE:
            raise ExpressionError("an exponent must be a plain number")
        try:
            result = self.si**other.si
        except (OverflowError, ZeroDivisionError) as exc:
            raise ExpressionError(f"cannot raise {self.si} to {other.si}: {exc}") from None
        if isinstance(result, complex):
            raise ExpressionError(f"cannot raise {self.si} to {other.si}")
        return Value(float(result), _pow(self.dim, other.si))

    def __neg__(self) -> "Value":
        return Value(-self.si, self.dim)

    def _same(self, other: "Value", op: str) -> None:
        if self.dim != other.dim:
            raise ExpressionError(f"cannot combine {dim_name(self.dim)} and {dim_name(other.dim)} with '{op}'")


# ------------------------------------------------------------------ evaluation
# the lookahead keeps scientific notation whole: without it "1e9" backtracks to "1" times a name "e9"
_NUMBER_BEFORE_NAME = re.compile(
    r"(?<![\w.])((?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?)(?![eE][+-]?\d)\s*([A-Za-z_]\w*)"
)
_PAREN_BEFORE_NAME = re.compile(r"\)\s*([A-Za-z_]\w*)")
_MAX_POWER = 64.0
_MAX_LEN = 400


def _prepare(text: str) -> str:
    """Turn ``"2.03 pJ"`` into ``"(2.03 * pJ)"`` (binds tighter than any operator) and micro signs into ``u``."""
    text = text.replace("µ", "u").replace("μ", "u").replace("Ω", "Ohm")
    text = _NUMBER_BEFORE_NAME.sub(r"(\1 * \2)", text)
    return _PAREN_BEFORE_NAME.sub(r") * \1", text)


def evaluate(text: str, variables: Optional[Mapping[str, Callable[[], Value]] | Mapping[str, Value]] = None) -> Value:
    """Evaluate a config expression to a :class:`Value` (SI float + dimension).

    Parameters
    ----------
    text: the expression, e.g. ``"1.76423 pJ * xbar / 64"``.
    variables: name -> Value, or name -> zero-argument callable returning a Value (resolved lazily).

    Raises
    ------
    ExpressionError: unknown name or function, unsupported syntax, dimension mismatch.
    """
    if len(text) > _MAX_LEN:
        raise ExpressionError(f"expression longer than {_MAX_LEN} characters")
    if "GS/s" in text:
        text = text.replace("GS/s", "GHz")
    try:
        tree = ast.parse(_prepare(text.strip()), mode="eval")
    except SyntaxError:
        raise ExpressionError("not a number, quantity or arithmetic expression") from None
    return _Walker(variables or {}).visit(tree.body)


class _Walker:
    def __init__(self, variables):
        self.variables = variables

    def visit(self, node: ast.AST) -> Value:
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"unexpected literal {node.value!r}")
            return Value(float(node.value))
        if isinstance(node, ast.Name):
            return self._name(node.id)
        if isinstance(node, ast.UnaryOp) and isinstance(node.op, (ast.USub, ast.UAdd)):
            v = self.visit(node.operand)
            return -v if isinstance(node.op, ast.USub) else v
        if isinstance(node, ast.BinOp):
            left, right = self.visit(node.left), self.visit(node.right)
            if isinstance(node.op, ast.Add):
                return left + right
            if isinstance(node.op, ast.Sub):
                return left - right
            if isinstance(node.op, ast.Mult):
                return left * right
            if isinstance(node.op, ast.Div):
                return left / right
            if isinstance(node.op, ast.Pow):
                if abs(right.si) > _MAX_POWER:
                    raise ExpressionError(f"exponent {right.si} is too large")
                return left**right
            raise ExpressionError(f"operator {type(node.op).__name__} is not allowed (use + - * / **)")
        if isinstance(node, ast.Call):
            return self._call(node)
        raise ExpressionError(f"{type(node).__name__} is not allowed in an expression")

    def _name(self, name: str) -> Value:
        if name in self.variables:
            v = self.variables[name]
            return v() if callable(v) else v
        if name in UNITS:
            scale, dim = UNITS[name]
            return Value(scale, dim)
        raise ExpressionError(f"unknown name '{name}' (not a variable or a unit)")

    def _call(self, node: ast.Call) -> Value:
        if not isinstance(node.func, ast.Name) or node.func.id not in FUNCTIONS:
            what = node.func.id if isinstance(node.func, ast.Name) else ast.dump(node.func)[:40]
            raise ExpressionError(f"function '{what}' is not allowed (only {', '.join(FUNCTIONS)})")
        if node.keywords:
            raise ExpressionError("keyword arguments are not allowed")
        args = [self.visit(a) for a in node.args]
        name = node.func.id
        if name in ("min", "max"):
            if not args:
                raise ExpressionError(f"{name}() needs at least one argument")
            for a in args[1:]:
                args[0]._same(a, name)
            pick = FUNCTIONS[name](args, key=lambda v: v.si)
            return pick
        if len(args) != 1:
            raise ExpressionError(f"{name}() takes one argument")
        (a,) = args
        if a.dim != NONE:
            raise ExpressionError(f"{name}() needs a plain number, got {dim_name(a.dim)}")
        if name == "log2" and a.si <= 0:
            raise ExpressionError(f"log2 of a non-positive number ({a.si})")
        x = a.si
        if name in ("ceil", "floor"):
            # (4 + 1) ns * 1 GHz may come out as 5.000000000000001: do not let rounding noise add a cycle
            nearest = round(x)
            if abs(x - nearest) <= 1e-9 * max(1.0, abs(x)):
                x = float(nearest)
        return Value(float(FUNCTIONS[name](x)))


def parse_quantity(text: str | int | float, expected: Dim = NONE) -> float:
    """Parse ``"250 MHz"``, ``"693.633 um2"``, ``"64 KiB"`` ... into an SI float of the expected dimension.

    Plain numbers are taken as already in SI (or as the field's own unit). Data amounts are returned in bits for
    ``INFORMATION``; divide by 8 for bytes.

    Raises
    ------
    ExpressionError: unknown unit or a dimension other than ``expected`` (zero is accepted for any dimension).
    """
    if isinstance(text, bool):
        raise ExpressionError(f"expected a number, got {text!r}")
    if isinstance(text, (int, float)):
        return float(text)
    v = evaluate(str(text))
    if v.dim != expected and not (v.si == 0):
        if v.dim == NONE:
            raise ExpressionError(f"needs a unit: expected {dim_name(expected)}")
        raise ExpressionError(f"expected {dim_name(expected)}, got {dim_name(v.dim)}")
    return v.si
