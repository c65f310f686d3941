"""Which search an output directory belongs to: ``OUT/search.json`` records the settings of the study whose
results the directory holds, so that a second search with other settings never overwrites them silently.

:func:`claim_output_dir` is called once per run (not by each worker):

- an empty directory, or one holding the same study: the run goes on (rerunning a command resumes it);
- another study: :class:`UserError` naming each setting that differs (old and new value), unless ``resume``
  (continue the existing study with its settings) or ``force`` (remove the old outputs, start over).

Directories written before ``search.json`` existed are recognised by the studies in their ``study.db``.
"""
from __future__ import annotations

import json
import os
import shutil
from dataclasses import asdict, fields
from pathlib import Path

from cimsim.errors import UserError
from neuronas.search.settings import SearchSettings

MARKER = "search.json"
OUTPUTS = ("best.json", "best.pt", "candidates.csv", "report.json", "study.db", "study.db-journal", "cache",
           "trained", "figures", MARKER)
"""What a search writes into its output directory (and ``force`` removes)."""
RUN_TIME = ("out", "storage", "workers", "threads", "progress", "figures", "device")
"""Settings of how and where a run goes, never taken from an existing study on ``resume``."""


def _option(name: str) -> str:
    return "--set" if name == "hw_overrides" else f"--{name.replace('_', '-')}"


def _existing(settings: SearchSettings) -> dict | None:
    """``{"identity", "settings"}`` of the study ``settings.out_dir`` holds, or None when it holds none."""
    marker = settings.out_dir / MARKER
    if marker.is_file():
        try:
            data = json.loads(marker.read_text())
            return {"identity": data["identity"], "settings": data.get("settings", data["identity"])}
        except (json.JSONDecodeError, KeyError, TypeError):
            raise UserError(f"{marker} is damaged; remove it or pass --force to start over") from None
    db = settings.out_dir / "study.db"
    if not db.is_file():
        return None
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    try:
        studies = optuna.get_all_study_summaries(f"sqlite:///{db.resolve()}", include_best_trial=False)
    except Exception:  # not an Optuna database: leave it to the storage to complain
        return None
    for s in studies:
        ident = s.user_attrs.get("settings")
        if ident and s.study_name != settings.study_name:
            return {"identity": ident, "settings": ident}
    return None


def differences(old: dict, new: dict) -> list[str]:
    """``"--channels: 8 (existing) vs 4 (now)"`` for each identity field that differs."""
    keys = sorted(set(old) | set(new))
    return [f"{_option(k)}: {old.get(k)!r} (existing) vs {new.get(k)!r} (now)" for k in keys if old.get(k) != new.get(k)]


def remove_outputs(out: Path) -> None:
    """Delete what a search wrote into ``out`` (the files of :data:`OUTPUTS`), nothing else."""
    for name in OUTPUTS:
        p = out / name
        if p.is_dir() and not p.is_symlink():
            shutil.rmtree(p)
        elif p.exists() or p.is_symlink():
            p.unlink()


def _write_marker(settings: SearchSettings) -> None:
    settings.out_dir.mkdir(parents=True, exist_ok=True)
    data = {"study": settings.study_name, "identity": settings.identity(),
            "settings": {k: v for k, v in asdict(settings).items() if k not in RUN_TIME}}
    tmp = settings.out_dir / f".{MARKER}.{os.getpid()}.tmp"
    tmp.write_text(json.dumps(data, indent=2, sort_keys=True, default=str))
    os.replace(tmp, settings.out_dir / MARKER)


def _resumed(settings: SearchSettings, stored: dict) -> SearchSettings:
    """``settings`` with every non-run-time field taken from the existing study's ``stored`` settings."""
    names = {f.name for f in fields(SearchSettings)} - set(RUN_TIME)
    return settings.with_(**{k: v for k, v in stored.items() if k in names})


def claim_output_dir(settings: SearchSettings, resume: bool = False, force: bool = False) -> SearchSettings:
    """Check ``settings.out_dir`` against the study it holds; returns the settings to run (see the module doc)."""
    if resume and force:
        raise UserError("--resume and --force contradict each other: pass one of them")
    old = _existing(settings)
    if force:
        remove_outputs(settings.out_dir)
    elif old is not None:
        diff = differences(old["identity"], settings.identity())
        if diff and resume:
            settings = _resumed(settings, old["settings"])
        elif diff:
            raise UserError(f"--out {settings.out_dir} holds another search's study ({'; '.join(diff)}); pass "
                            "--resume to continue it with its settings, --force to remove its outputs and start "
                            "over, or choose another --out")
    elif resume:
        raise UserError(f"--resume: {settings.out_dir} holds no search to resume")
    _write_marker(settings)
    return settings
