"""Golden reports: the presets' reference runs keep every total, breakdown, layer figure and count.

A refactor must not move a number. When a change of the numbers is intended, regenerate the file with
``python tests/golden/make_golden.py`` and say why in the commit.
"""
from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).parent / "golden"))
from make_golden import CASES, PATH, run_case  # noqa: E402

GOLDEN = json.loads(PATH.read_text())


def _compare(path: str, want, got, errors: list[str]) -> None:
    if isinstance(want, dict):
        if not isinstance(got, dict):
            errors.append(f"{path}: expected a mapping, got {got!r}")
            return
        for k, v in want.items():
            if k not in got:
                errors.append(f"{path}.{k}: missing")
            else:
                _compare(f"{path}.{k}", v, got[k], errors)
    elif isinstance(want, (int, float)) and not isinstance(want, bool):
        if not isinstance(got, (int, float)) or not math.isclose(want, got, rel_tol=1e-9, abs_tol=1e-30):
            errors.append(f"{path}: {want!r} -> {got!r}")
    elif want != got:
        errors.append(f"{path}: {want!r} -> {got!r}")


@pytest.mark.parametrize("name,kwargs", CASES, ids=[c[0] for c in CASES])
def test_report_matches_golden(name, kwargs):
    errors: list[str] = []
    _compare(name, GOLDEN[name], run_case(kwargs), errors)
    assert not errors, f"{len(errors)} numbers moved:\n" + "\n".join(errors[:40])
