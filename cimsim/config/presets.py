"""Hardware presets: the ``*.yaml`` files shipped in the ``hwconfigs`` package (the repository's ``hwconfigs/``
directory, package data in the wheel, found with :mod:`importlib.resources`) and those in the directories of
``$CIMSIM_HWCONFIGS`` (``os.pathsep`` separated; they come first). Files in sub-directories are building blocks for
``include``.
"""
from __future__ import annotations

import os
from importlib import resources
from pathlib import Path

import yaml

from cimsim.config import yamlfile
from cimsim.errors import UserError

#: The presets shipped with the package.
PRESET_DIR = Path(str(resources.files("hwconfigs")))
DEFAULT_PRESET = "spikesim_rram_65nm"


def preset_dirs() -> list[Path]:
    """Directories searched for presets: ``$CIMSIM_HWCONFIGS`` entries first, then the repository's hwconfigs/."""
    dirs = [Path(p) for p in os.environ.get("CIMSIM_HWCONFIGS", "").split(os.pathsep) if p.strip()]
    return dirs + [PRESET_DIR]


def preset_files() -> dict[str, Path]:
    found: dict[str, Path] = {}
    for d in preset_dirs():
        if d.is_dir():
            for f in sorted(d.glob("*.yaml")):
                found.setdefault(f.stem, f)
    return found


def list_presets() -> list[tuple[str, str]]:
    """(name, one-line description) of every preset, sorted by name."""
    out = []
    for name, path in sorted(preset_files().items()):
        try:
            raw = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError):
            raw = {}
        desc = raw.get("description", "") if isinstance(raw, dict) else ""
        out.append((name, str(desc).strip().splitlines()[0] if desc else ""))
    return out


def find_config(path_or_name: str | os.PathLike) -> Path:
    """The YAML file for a preset name or a path. Raises UserError naming the available presets."""
    text = str(path_or_name)
    p = Path(text)
    if p.suffix in (".yaml", ".yml") or os.sep in text or "/" in text:
        if not is_file(p):
            raise UserError(f"{yamlfile.shorten(text, 200)}: hardware config file not found")
        return p
    presets = preset_files()
    if text in presets:
        return presets[text]
    raise UserError(
        f"unknown hardware preset {yamlfile.shorten(text)}; available: {', '.join(sorted(presets)) or '(none found)'}"
        f" (or give a path to a .yaml file)"
    )


def is_file(p: Path) -> bool:
    """``p.is_file()``, but False for a name the file system refuses (too long, a NUL byte) instead of an OSError."""
    try:
        return p.is_file()
    except (OSError, ValueError):
        return False
