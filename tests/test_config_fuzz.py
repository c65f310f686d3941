"""Fuzzing the hardware-config loader: whatever a user writes, only :class:`UserError` escapes (exit 2, one line).

Hypothesis mutates a real preset (values replaced by other scalars, strings, lists, mappings, non-finite and absurd
numbers; keys added; YAML text corrupted) and feeds it to ``load_config``. ``HYPOTHESIS_PROFILE=slow`` runs more.
"""
from __future__ import annotations

import math
import os
import signal

import pytest
import yaml
from hypothesis import HealthCheck, given, settings, strategies as st

from cimsim.config.loader import PRESET_DIR, load_config
from cimsim.errors import UserError

CASES = 10_000 if os.environ.get("HYPOTHESIS_PROFILE") == "slow" else 2_000
PRESET_TEXT = (PRESET_DIR / "spikesim_rram_65nm.yaml").read_text()
PRESET = yaml.safe_load(PRESET_TEXT)


def _paths(d, prefix=()):
    for k, v in d.items():
        yield prefix + (k,)
        if isinstance(v, dict):
            yield from _paths(v, prefix + (k,))


PATHS = sorted(set(_paths(PRESET)), key=str)

scalars = st.one_of(
    st.integers(min_value=-(2**70), max_value=2**70), st.floats(allow_nan=True, allow_infinity=True),
    st.booleans(), st.none(), st.text(max_size=30),
    st.sampled_from(["1e9", "1e300", "-1", "0", ".inf", "-.inf", ".nan", "1e5 GHz", "3 pJ", "1/0", "2**2000",
                     "rows * 1e300", "xbar", "[1", "{a: 1}", "1 mm2 + 1 pJ", "'", "\x00", "9" * 400]),
)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=3),
                                                       st.dictionaries(st.text(max_size=8), inner, max_size=3)),
                      max_leaves=6)


def _set(d, path, value):
    for k in path[:-1]:
        d = d[k]
    d[path[-1]] = value


class _Timeout(Exception):
    pass


def _load(tmp_path, text: str | bytes):
    p = tmp_path / "fuzz.yaml"
    p.write_bytes(text if isinstance(text, bytes) else text.encode("utf-8", "surrogatepass"))

    def alarm(*_):
        raise _Timeout

    old = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(10)
    try:
        load_config(str(p))
    except UserError as exc:
        msg = str(exc)
        assert "\n" not in msg.strip(), msg[:500]
        assert len(msg) < 2000, msg[:500]
    except _Timeout:
        pytest.fail("load_config took over 10 s")
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, old)


@settings(max_examples=CASES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(edits=st.lists(st.tuples(st.sampled_from(PATHS), values), min_size=1, max_size=3))
def test_mutated_preset_raises_only_user_errors(tmp_path_factory, edits):
    import copy

    data = copy.deepcopy(PRESET)
    for path, value in edits:
        try:
            _set(data, path, value)
        except (TypeError, KeyError):
            continue
    _load(tmp_path_factory.mktemp("f"), yaml.safe_dump(data, allow_unicode=True))


@settings(max_examples=CASES // 4, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
@given(cut=st.integers(0, len(PRESET_TEXT)), junk=st.binary(max_size=40))
def test_corrupted_yaml_text_raises_only_user_errors(tmp_path_factory, cut, junk):
    raw = PRESET_TEXT.encode()
    _load(tmp_path_factory.mktemp("f"), raw[:cut] + junk + raw[cut:])
