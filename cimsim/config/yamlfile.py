"""Reading a user's YAML safely: UTF-8 text only, duplicate keys refused, bounded size, nesting and alias expansion,
finite numbers of sane magnitude, and error messages that never echo more than one short line of a value.

Every failure is a :class:`UserError` naming the file (and the line, or the field): a config is user input, and a
binary file, a ``.nan`` or an alias bomb must not reach the loader's arithmetic.
"""
from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import yaml

from cimsim.errors import UserError

#: Largest YAML file read (bytes); presets are a few KiB.
MAX_BYTES = 1 << 20
#: Deepest nesting of mappings and lists.
MAX_DEPTH = 32
#: Most nodes after alias expansion (an alias counts as a copy of what it names).
MAX_NODES = 100_000
#: Largest magnitude of a number written in a config (any unit); bounds of single fields are in the schema.
MAX_MAGNITUDE = 1e18
_SHOWN = 60


def shorten(value: Any, limit: int = _SHOWN) -> str:
    """``repr(value)`` on one line, cut to about ``limit`` characters (an error message echoes no more)."""
    text = _bounded_repr(value, limit + 1)
    text = text.replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def one_line(text: str, limit: int = 300) -> str:
    """A message part on one line, cut to ``limit`` characters."""
    text = str(text).replace("\r", "\\r").replace("\n", "\\n")
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _bounded_repr(value: Any, limit: int) -> str:
    """repr that stops early on containers (an alias bomb must not be rendered in full)."""
    if isinstance(value, dict):
        parts, size = [], 0
        for k, v in value.items():
            if size > limit:
                parts.append("...")
                break
            parts.append(f"{_bounded_repr(k, limit)}: {_bounded_repr(v, limit)}")
            size += len(parts[-1]) + 2
        return "{" + ", ".join(parts) + "}"
    if isinstance(value, (list, tuple)):
        parts, size = [], 0
        for v in value:
            if size > limit:
                parts.append("...")
                break
            parts.append(_bounded_repr(v, limit))
            size += len(parts[-1]) + 2
        return "[" + ", ".join(parts) + "]"
    if isinstance(value, (str, bytes)) and len(value) > 4 * limit:
        value = value[: 4 * limit]
    return repr(value)


class _UniqueKeyLoader(yaml.SafeLoader):
    """``yaml.SafeLoader`` that refuses a key written twice in one mapping (YAML says keys are unique)."""

    def construct_mapping(self, node, deep=False):
        if isinstance(node, yaml.MappingNode):
            seen: dict = {}
            for key_node, _ in node.value:
                if key_node.tag == "tag:yaml.org,2002:merge":
                    continue
                key = self.construct_object(key_node, deep=True)
                try:
                    first = seen.setdefault(key, key_node.start_mark.line + 1)
                except TypeError:
                    continue  # an unhashable key: the base class reports it
                if first != key_node.start_mark.line + 1:
                    raise yaml.constructor.ConstructorError(
                        None, None, f"duplicate key {shorten(key)} (first on line {first})", key_node.start_mark)
        return super().construct_mapping(node, deep=deep)


def parse(text: str, where: str, field: tuple = ()) -> Any:
    """YAML text -> Python data, with the limits above.

    ``where`` names the source in messages: a file (messages add the line and column) or, with ``field`` (the
    path the text is the value of), a command-line option.
    """
    try:
        data = yaml.load(text, Loader=_UniqueKeyLoader)  # noqa: S506 - a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
        at = f"{where}:{mark.line + 1}:{mark.column + 1}" if mark is not None and not field else where
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise UserError(f"{at}: malformed YAML: {one_line(problem, 200)}") from None
    except RecursionError:
        raise UserError(f"{where}: malformed YAML: nested deeper than {MAX_DEPTH} levels") from None
    check(data, where, field)
    return data


def read(path: Path) -> Any:
    """The data of a YAML file (UTF-8, at most :data:`MAX_BYTES`)."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            raise UserError(f"{path}: {size} bytes; a config file is at most {MAX_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise UserError(f"{shorten(str(path), 300)}: cannot read: {exc.strerror or exc}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise UserError(f"{path}: not UTF-8 text (byte {exc.start}); save the config as UTF-8") from None
    return parse(text, str(path))


def check(data: Any, where: str, field: tuple = ()) -> None:
    """Refuse deep nesting, alias bombs, non-finite numbers and absurd magnitudes anywhere in ``data`` (the value
    of ``field``)."""
    _walk(data, where, tuple(field), [MAX_NODES])


def _walk(value: Any, where: str, path: tuple, budget: list) -> None:
    budget[0] -= 1
    if budget[0] < 0:
        raise UserError(f"{where}: more than {MAX_NODES} values after expanding aliases (&anchor/*alias)")
    if len(path) > MAX_DEPTH:
        raise UserError(f"{where}: field {dotted(path[:3])}...: nested deeper than {MAX_DEPTH} levels")
    if isinstance(value, dict):
        for k, v in value.items():
            _walk(v, where, path + (k,), budget)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            _walk(v, where, path + (i,), budget)
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        field = dotted(path) or "(top level)"
        if isinstance(value, float) and not math.isfinite(value):
            raise UserError(f"{where}: field {field}: expected a finite number (got {value!r})")
        if abs(value) > MAX_MAGNITUDE:
            raise UserError(f"{where}: field {field}: {shorten(value)} is out of range (|value| <= {MAX_MAGNITUDE:g})")


def dotted(path: tuple) -> str:
    """A field path as ``a.b.0.c`` on one line, each part cut short."""
    return ".".join(shorten(p, 40) if not isinstance(p, str) else shorten(p, 40).strip("'") for p in path)
