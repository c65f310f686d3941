"""Load hardware configs: YAML -> includes -> variables -> expressions and units -> validated :class:`Chip`.

A config file is UTF-8 YAML read safely (:mod:`cimsim.config.yamlfile`: no duplicate keys, bounded aliases). Top-level keys besides the :class:`Chip` fields:

``accounting``, ``mapping`` (and the other :class:`cimsim.options.RunOptions` fields)
    the preset's default run options, kept in ``Chip.run`` (not hardware: not part of the config hash).

``include``
    a file name or a list of them, relative to the including file; they are loaded first, in order, and deep
    merged (later files, then the including file itself, override earlier keys).
``variables``
    a mapping of named numbers or quantities (``xbar: 64``, ``vread: 0.55 V``, ``cols: xbar / 8``) usable in
    any numeric value. Variables are merged across includes like any mapping and evaluated after the merge,
    so a preset can change a variable a base file computes with.

Numeric values may be expressions (see :mod:`cimsim.config.units`). Physical quantities are written
``{value: "2.03084 pJ", source: spikesim2023}``. A ``source`` (:func:`source_kind`) is a bibliography key, which
must be an entry of a ``references.bib`` (the presets' one, or one next to the config file or a file it
includes), or a DOI or URL, or an inline citation naming its year (``"Shafiee et al., ISCA 2016, Table 6"``);
the text is kept as written and travels with the number into the report's priced table.

Presets are the ``*.yaml`` files directly in the repository's ``hwconfigs/`` directory (files in its
sub-directories are building blocks for ``include``) and in the directories listed in the environment variable
``CIMSIM_HWCONFIGS`` (``os.pathsep`` separated; they come first).
"""
from __future__ import annotations

import math
import os
import re
import types
import typing
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Optional

import yaml
from pydantic import BaseModel, ValidationError

from cimsim.config import units as U
from cimsim.config import yamlfile
from cimsim.config.presets import (  # noqa: F401 (PRESET_DIR, list_presets ... are public here)
    DEFAULT_PRESET, PRESET_DIR, is_file, preset_files, find_config, list_presets, preset_dirs,
)
from cimsim.config.schema import Chip, Quantity, Unit
from cimsim.errors import UserError
from cimsim.options import RunOptions

_RESERVED = {"include", "variables"}
_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")


def _include_path(base: Path, inc: str) -> Path:
    """An ``include`` entry: a file relative to ``base``'s folder, or a preset's name (``spikesim_rram_65nm``)."""
    path = base.parent / inc
    if is_file(path):
        return path.resolve()
    presets = preset_files() if _IDENT.match(inc) else {}
    if inc in presets:
        return presets[inc].resolve()
    raise UserError(f"{base}: field include: file not found (got {yamlfile.shorten(inc)}, looked for "
                    f"{yamlfile.shorten(str(path.resolve()), 200)} and a preset of that name)")


# ------------------------------------------------------------------ YAML + include
def _read_yaml(path: Path) -> dict:
    data = yamlfile.read(path)
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise UserError(f"{path}: expected a mapping of fields at the top level (got {type(data).__name__})")
    return data


def _leaf_origins(data: Any, file: Path, prefix: tuple = ()) -> dict[tuple, Path]:
    out = {prefix: file} if prefix else {}
    if isinstance(data, dict):
        for k, v in data.items():
            out.update(_leaf_origins(v, file, prefix + (str(k),)))
    return out


def _merge(base: dict, origins: dict, over: dict, over_origins: dict, prefix: tuple = ()) -> None:
    """Deep-merge ``over`` into ``base`` in place; a non-mapping value replaces the whole subtree."""
    for k, v in over.items():
        path = prefix + (str(k),)
        if isinstance(v, dict) and isinstance(base.get(k), dict):
            origins[path] = over_origins.get(path, origins.get(path))
            _merge(base[k], origins, v, over_origins, path)
            continue
        for stale in [p for p in origins if p[: len(path)] == path]:
            del origins[stale]
        base[k] = _copy(v)
        origins.update({p: f for p, f in over_origins.items() if p[: len(path)] == path})


def _copy(v: Any) -> Any:
    return {k: _copy(x) for k, x in v.items()} if isinstance(v, dict) else v


def _load_tree(path: Path, chain: tuple = ()) -> tuple[dict, dict, list[Path]]:
    """Merged raw data of a file and its includes, the file each value came from, and all files read."""
    path = path.resolve()
    if path in chain:
        cycle = " -> ".join(str(p.name) for p in chain + (path,))
        raise UserError(f"{chain[-1]}: field include: include cycle {cycle}")
    raw = _read_yaml(path)
    includes = raw.pop("include", [])
    if isinstance(includes, str):
        includes = [includes]
    if not isinstance(includes, list) or not all(isinstance(i, str) for i in includes):
        raise UserError(f"{path}: field include: expected a file name or a list of file names "
                        f"(got {yamlfile.shorten(includes)})")
    merged: dict = {}
    origins: dict = {}
    files = [path]
    for inc in includes:
        inc_path = _include_path(path, inc)
        data, inc_origins, inc_files = _load_tree(inc_path, chain + (path,))
        _merge(merged, origins, data, inc_origins)
        files += inc_files
    _merge(merged, origins, raw, _leaf_origins(raw, path))
    return merged, origins, files


def _apply_overrides(data: dict, origins: dict, overrides: Mapping[str, Any]) -> None:
    for dotted, value in overrides.items():
        keys = str(dotted).split(".")
        d = data
        for k in keys[:-1]:
            if not isinstance(d.get(k), dict):
                d[k] = {}
            d = d[k]
        d[keys[-1]] = _copy(value)
        path = tuple(keys)
        for stale in [p for p in origins if p[: len(path)] == path]:
            del origins[stale]
        for n in range(1, len(path) + 1):  # an unknown field is reported against the option that wrote it
            origins.setdefault(path[:n], f"--set {yamlfile.one_line(dotted, 100)}")
        origins[path] = f"--set {yamlfile.one_line(dotted, 100)}"


# ------------------------------------------------------------------ bibliography
_BIB_ENTRY = re.compile(r"@(\w+)\s*\{\s*([^,\s]+)\s*,")


def bib_keys(path: Path) -> dict[str, str]:
    """``{key: entry type}`` of every ``@type{key, ...}`` entry of a BibTeX file (comments ignored)."""
    text = path.read_text()
    return {m.group(2): m.group(1).lower() for m in _BIB_ENTRY.finditer(text) if m.group(1).lower() != "comment"}


_DOI = re.compile(r"^(doi:\s*|https?://(dx\.)?doi\.org/)?10\.\d{4,9}/\S+$", re.IGNORECASE)
_URL = re.compile(r"^https?://\S+$")
_YEAR = re.compile(r"\b(1[89]|20)\d\d\b")


def source_kind(text: str) -> str:
    """What a ``source`` is, by one rule: ``doi`` (``10.xxxx/...``, ``doi:...`` or a doi.org link), ``url``
    (``http(s)://...``), ``key`` (one word: a bibliography key, which must be in a ``references.bib``), or
    ``citation`` (text with a space in it that names a year, e.g. ``"Shafiee et al., ISCA 2016, Table 6"``).
    Text with a space but no year is ``vague``: refused, so a note such as "my guess" is not taken for a source.
    """
    text = text.strip()
    if _DOI.match(text):
        return "doi"
    if _URL.match(text):
        return "url"
    if not re.search(r"\s", text):
        return "key"
    return "citation" if _YEAR.search(text) else "vague"


def _bibliography(files: list[Path]) -> tuple[dict[str, str], list[Path]]:
    bibs = []
    for d in [f.parent for f in files] + preset_dirs():
        b = (d / "references.bib").resolve()
        if b.is_file() and b not in bibs:
            bibs.append(b)
    keys: dict[str, str] = {}
    for b in bibs:
        keys.update(bib_keys(b))
    return keys, bibs


# ------------------------------------------------------------------ resolution
class _Variables(Mapping):
    """Variables evaluated lazily (in any order), with cycle detection."""

    def __init__(self, raw: dict, origins: dict, main: Path):
        self.raw, self.origins, self.main = raw, origins, main
        self.done: dict[str, U.Value] = {}
        self.stack: list[str] = []
        for name in raw:
            where = self._where(name)
            if not isinstance(name, str) or not _IDENT.match(name):
                raise UserError(f"{where}: field variables.{yamlfile.dotted((name,))}: a variable name must be an identifier")
            if name in U.UNITS or name in U.FUNCTIONS:
                raise UserError(f"{where}: field variables.{name}: the name is taken by a unit or function")

    def _where(self, name) -> str:
        return str(self.origins.get(("variables", str(name)), self.main))

    def __getitem__(self, name: str) -> U.Value:
        if name in self.done:
            return self.done[name]
        if name not in self.raw:
            raise KeyError(name)
        if name in self.stack:
            cycle = " -> ".join(self.stack[self.stack.index(name):] + [name])
            raise UserError(f"{self._where(name)}: field variables.{name}: circular definition {cycle}")
        self.stack.append(name)
        raw = self.raw[name]
        try:
            if isinstance(raw, bool) or not isinstance(raw, (int, float, str)):
                raise U.ExpressionError("a variable must be a number, a quantity or an expression")
            value = U.Value(float(raw)) if isinstance(raw, (int, float)) else U.evaluate(raw, self)
        except U.ExpressionError as exc:
            raise UserError(f"{self._where(name)}: field variables.{name}: {exc} (got {yamlfile.shorten(raw)})") from None
        finally:
            self.stack.pop()
        self.done[name] = value
        return value

    def __contains__(self, name) -> bool:
        return name in self.raw

    def __iter__(self):
        return iter(self.raw)

    def __len__(self) -> int:
        return len(self.raw)


def _unwrap(annotation) -> Any:
    """``Optional[X]`` -> X; anything else unchanged."""
    origin = typing.get_origin(annotation)
    if origin in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(annotation) if a is not type(None)]
        if len(args) == 1:
            return args[0]
    return annotation


def _mapping_of_models(annotation) -> Optional[type]:
    """``dict[str, M]`` with ``M`` a pydantic model -> ``M``; anything else -> None."""
    if typing.get_origin(annotation) is dict:
        args = typing.get_args(annotation)
        if len(args) == 2 and isinstance(args[1], type) and issubclass(args[1], BaseModel):
            return args[1]
    return None


class _Resolver:
    def __init__(self, variables: _Variables, origins: dict, main: Path, bib: dict, bib_files: list[Path]):
        self.vars, self.origins, self.main = variables, origins, main
        self.bib, self.bib_files = bib, bib_files

    def where(self, path: tuple) -> str:
        for n in range(len(path), 0, -1):
            f = self.origins.get(tuple(str(p) for p in path[:n]))
            if f is not None:
                return str(f)
        return str(self.main)

    def fail(self, path: tuple, message: str, raw: Any = None) -> UserError:
        got = f" (got {yamlfile.shorten(raw)})" if raw is not None else ""
        return UserError(f"{self.where(path)}: field {yamlfile.dotted(path)}: {message}{got}")

    def model(self, data: Any, cls: type[BaseModel], path: tuple) -> Any:
        if not isinstance(data, dict):
            if path:
                raise self.fail(path, "expected a mapping of fields", data)
            raise UserError(f"{self.main}: expected a mapping of fields at the top level")
        out = {}
        for key, value in data.items():
            finfo = cls.model_fields.get(key)
            if finfo is None:  # pydantic reports unknown keys with the full list of valid ones
                out[key] = value
                continue
            unit = next((m for m in finfo.metadata if isinstance(m, Unit)), None)
            ann = _unwrap(finfo.annotation)
            p = path + (key,)
            item = _mapping_of_models(ann)
            if ann is Quantity:
                out[key] = self.quantity(value, unit, p)
            elif isinstance(ann, type) and issubclass(ann, BaseModel):
                out[key] = self.model(value, ann, p)
            elif item is not None and isinstance(value, dict):  # e.g. periphery: {name: block}
                out[key] = {k: self.model(v, item, p + (k,)) for k, v in value.items()}
            elif ann in (int, float):
                out[key] = self.number(value, unit, p, is_int=ann is int, field_unit=True)
            elif key == "sources" and isinstance(value, dict):
                for k, src in value.items():
                    self.check_source(src, p + (k,))
                out[key] = value
            else:
                out[key] = value
        return out

    def quantity(self, data: Any, unit: Optional[Unit], path: tuple) -> Any:
        if not isinstance(data, dict):
            raise self.fail(path, "expected {value: ..., source: BIBKEY}", data)
        out = dict(data)
        if "value" in data:
            out["value"] = self.number(data["value"], unit, path + ("value",), is_int=False, field_unit=False)
        if "source" in data:
            self.check_source(data["source"], path + ("source",))
        return out

    def check_source(self, source: Any, path: tuple) -> None:
        """A bib key must be in a references.bib; a DOI, URL or inline citation with its year is kept as written."""
        kind = source_kind(source) if isinstance(source, str) and source.strip() else None
        if kind == "vague":
            raise self.fail(path, "an inline citation names its year (e.g. 'Shafiee et al., ISCA 2016, Table 6'); "
                                  "or give a references.bib key, a DOI or a URL", source)
        if kind is None or (kind == "key" and source.strip() not in self.bib):
            files = ", ".join(str(b) for b in self.bib_files) or "no references.bib found"
            raise self.fail(path, f"unknown reference, not an entry of {files} (a source is a bib key, a DOI, a URL "
                                  "or an inline citation with its year)", source)

    def number(self, raw: Any, unit: Optional[Unit], path: tuple, is_int: bool, field_unit: bool) -> Any:
        """SI value (or the field's own unit) of a number / quantity / expression."""
        if isinstance(raw, bool):
            raise self.fail(path, "expected a number", raw)
        if isinstance(raw, (int, float)):
            # plain numbers are in the field's own unit (clock_hz, size_bytes ...); a quantity must say its unit
            if not field_unit and unit is not None and unit.dim != U.NONE and raw != 0:
                raise self.fail(path, f"needs a unit: expected {U.dim_name(unit.dim)}", raw)
            return raw
        if not isinstance(raw, str):
            return raw  # let pydantic describe the type error
        try:
            v = U.evaluate(raw, self.vars)
        except U.ExpressionError as exc:
            raise self.fail(path, str(exc), raw) from None
        want = unit.dim if unit else U.NONE
        accepted = (want,) + (unit.also if unit else ())
        if v.dim == U.NONE:
            if want != U.NONE and v.si != 0 and not field_unit:
                raise self.fail(path, f"needs a unit: expected {U.dim_name(want)}", raw)
            x = v.si
        elif v.dim in accepted:
            x = v.si / (unit.per if unit else 1.0)
        else:
            raise self.fail(path, f"expected {U.dim_name(want)}, got {U.dim_name(v.dim)}", raw)
        if not math.isfinite(x) or abs(x) > yamlfile.MAX_MAGNITUDE:
            raise self.fail(path, f"expected a finite number of magnitude <= {yamlfile.MAX_MAGNITUDE:g}", raw)
        if is_int:
            nearest = round(x)
            if abs(x - nearest) <= 1e-9 * max(1.0, abs(x)):
                return int(nearest)
        return x


def _raw_at(data: dict, loc: tuple) -> Any:
    d: Any = data
    for k in loc:
        if isinstance(d, dict) and k in d:
            d = d[k]
        else:
            return None
    return d


def _format_validation(exc: ValidationError, resolver: _Resolver, raw: dict) -> UserError:
    lines = []
    errors = exc.errors()
    for err in errors[:5]:
        loc = tuple(err["loc"])
        loc = loc[1:] if loc[:1] == ("run",) else loc  # run options are written at the top level
        msg = err["msg"].removeprefix("Value error, ")
        field = yamlfile.dotted(loc) if loc else "(chip)"
        given = _raw_at(raw, loc) if loc else None
        got = ""
        if err["type"] == "extra_forbidden":
            msg = "unknown field"
        if given is not None and not isinstance(given, dict):
            resolved = err.get("input")
            got = f" (got {yamlfile.shorten(given)}" + (f" = {yamlfile.shorten(resolved)}" if resolved != given and not isinstance(resolved, dict) else "") + ")"
        elif loc and not isinstance(err.get("input"), dict) and err["type"] != "missing":
            got = f" (got {yamlfile.shorten(err.get('input'))})"
        lines.append(f"{resolver.where(loc)}: field {field}: {yamlfile.one_line(msg)}{got}")
    more = f" (and {len(errors) - 5} more)" if len(errors) > 5 else ""
    return UserError("; ".join(lines) + more)  # one line: a message never spans lines


def load_config(path_or_name: str | os.PathLike = DEFAULT_PRESET, overrides: Optional[Mapping[str, Any]] = None) -> Chip:
    """Load, resolve and validate a hardware config.

    Parameters
    ----------
    path_or_name: a preset name (``cimsim configs``) or a path to a YAML file.
    overrides: dotted paths -> values applied to the merged YAML before evaluation, e.g.
        ``{"adc.bits": 6, "variables.xbar": 128, "clock_hz": "500 MHz"}`` (values may be expressions).

    Raises
    ------
    UserError: unreadable or malformed YAML, unknown preset, key, variable, unit or reference, an invalid value;
        the message names the file, the field and the value.
    """
    main = find_config(path_or_name)
    data, origins, files = _load_tree(main)
    if overrides:
        yamlfile.check(dict(overrides), "--set")
        _apply_overrides(data, origins, overrides)
    raw_vars = data.pop("variables", {}) or {}
    if not isinstance(raw_vars, dict):
        raise UserError(f"{origins.get(('variables',), main)}: field variables: expected a mapping (got {yamlfile.shorten(raw_vars)})")
    variables = _Variables(raw_vars, origins, main)
    bib, bib_files = _bibliography(files)
    resolver = _Resolver(variables, origins, main, bib, bib_files)
    for name in raw_vars:  # report a bad variable even when no field uses it
        variables[name]
    data.setdefault("name", main.stem)
    if "run" in data:
        raise UserError(f"{origins.get(('run',), main)}: field run: unknown field (write the run options "
                        f"{', '.join(RunOptions.model_fields)} at the top level)")
    run = {k: data.pop(k) for k in list(data) if k in RunOptions.model_fields}  # the preset's default RunOptions
    resolved = {**resolver.model(data, Chip, ()), "run": resolver.model(run, RunOptions, ())}
    try:
        return Chip.model_validate(resolved)
    except ValidationError as exc:
        raise _format_validation(exc, resolver, {**data, **run}) from None


def describe(chip: Chip) -> str:
    """A readable account of a resolved chip (see :func:`cimsim.components.describe_chip`)."""
    from cimsim.components.describe import describe_chip

    return describe_chip(chip)
