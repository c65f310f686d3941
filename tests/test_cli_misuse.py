"""Misuse of the command line and of its input files: exit code 2 and one line naming the file, field or option.

Each row is what a user types; the commands run in-process (``main(argv)``), so a traceback would surface as an
exception here. Only the first line of a value is ever echoed (an alias bomb or a 300-character name is cut).
"""
from __future__ import annotations

import pytest

from cimsim.cli import main as cimsim_main
from neuronas.cli import main as neuronas_main

BOMB = "a: &a ['x','x','x','x','x','x','x','x','x']\n" + "".join(
    f"{c}: &{c} [*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p},*{p}]\n" for p, c in zip("abcdefgh", "bcdefghi")
) + "clock_hz: *i\n"
LONG = "x" * 300


def _files(tmp_path) -> dict[str, str]:
    """Malformed configs (by name) written next to a preset-including base."""
    texts = {
        "inf.yaml": "include: spikesim_rram_65nm\nclock_hz: .inf\n",
        "nan_var.yaml": "include: spikesim_rram_65nm\nvariables: {x: .nan}\n",
        "huge_clock.yaml": "include: spikesim_rram_65nm\nclock_hz: 1e300\n",
        "huge_tiles.yaml": "include: spikesim_rram_65nm\ntiles: 1e300\n",
        "dup.yaml": "include: spikesim_rram_65nm\nclock_hz: 1e8\nclock_hz: 2e8\n",
        "deep.yaml": "a: " + "[" * 5000 + "]" * 5000 + "\n",
        "deep_map.yaml": "a:\n" + "".join(" " * (i + 1) + f"k{i}:\n" for i in range(60)) + " " * 61 + "v: 1\n",
        "bomb.yaml": BOMB,
        "top_list.yaml": "- 1\n- 2\n",
    }
    out = {}
    for name, text in texts.items():
        (tmp_path / name).write_text(text)
        out[name] = str(tmp_path / name)
    (tmp_path / "binary.yaml").write_bytes(b"\x00\xff\xfe\x89PNG\r\n\x1a\n" * 8)
    (tmp_path / "utf16.yaml").write_bytes("clock_hz: 1e9\n".encode("utf-16"))
    (tmp_path / "a_file").write_text("not a directory\n")
    return {**out, "binary.yaml": str(tmp_path / "binary.yaml"), "utf16.yaml": str(tmp_path / "utf16.yaml"),
            "a_file": str(tmp_path / "a_file")}


CIMSIM = [
    (["check", "{binary.yaml}"], "not UTF-8"),
    (["check", "{utf16.yaml}"], "not UTF-8"),
    (["check", "{deep.yaml}"], "nested deeper"),
    (["check", "{deep_map.yaml}"], "nested deeper"),
    (["check", "{bomb.yaml}"], "aliases"),
    (["check", "{inf.yaml}"], "field clock_hz: expected a finite number"),
    (["check", "{nan_var.yaml}"], "field variables.x"),
    (["check", "{huge_clock.yaml}"], "field clock_hz"),
    (["check", "{huge_tiles.yaml}"], "field tiles"),
    (["check", "{dup.yaml}"], "duplicate key 'clock_hz'"),
    (["check", "{top_list.yaml}"], "expected a mapping"),
    (["check", LONG + ".yaml"], "not found"),
    (["check", "nosuch_preset"], "unknown hardware preset"),
    (["simulate", "tiny", "--hw", LONG], "unknown hardware preset"),
    (["simulate", "tiny", "--set", "adc.bits=[1", "--out", "{tmp}/o"], "--set adc.bits=[1"),
    (["simulate", "tiny", "--set", "nosuch.field=1", "--out", "{tmp}/o"], "--set nosuch.field: field nosuch: unknown field"),
    (["simulate", "tiny", "--set", "clock_hz=.inf", "--out", "{tmp}/o"], "--set"),
    (["simulate", "tiny", "--set", "clock_hz=1e300", "--out", "{tmp}/o"], "field clock_hz"),
    (["simulate", "tiny", "--set", "=3", "--out", "{tmp}/o"], "expected FIELD=VALUE"),
    (["simulate", "tiny", "--seed", "-1"], "--seed"),
    (["simulate", "tiny", "--samples", "0"], "--samples"),
    (["simulate", "tiny", "--timesteps", "0"], "--timesteps"),
    (["simulate", "tiny", "--spike-rate", "2"], "--spike-rate"),
    (["simulate", "vgg9", "--samples", "100000000", "--out", "{tmp}/o"], "--samples 100000000: needs about"),
    (["simulate", "tiny", "--out", "{a_file}"], "exists and is not a directory"),
    (["simulate", "tiny", "--out", "/proc/cimsim_out"], "cannot write there"),
    (["simulate", "tiny", "--out", "{tmp}/" + LONG], "cannot write there"),
    (["simulate", "tiny", "--dataset", "nosuch", "--out", "{tmp}/o"], "unknown dataset"),
    (["simulate", "nosuch_model", "--out", "{tmp}/o"], "nosuch_model"),
    (["simulate", "tiny", "--nosuch"], "No such option"),
    (["plot", "--out", "{a_file}"], "exists and is not a directory"),
    (["plot", "--constraints", ",,,", "--out", "{tmp}/p"], "names no budget"),
    (["validate", "--seed", "-1"], "--seed"),
    (["validate", "--out", "{tmp}"], "is a directory"),
    (["nosuch-command"], "No such command"),
]

NEURONAS = [
    (["train", "0303 0030 2002 0200", "--dataset", "digits", "--batch-size", "0"], "--batch-size"),
    (["train", "0303 0030 2002 0200", "--dataset", "digits", "--seed", "-1"], "--seed"),
    (["train", "0303 0030 2002 0200", "--dataset", "digits", "--epochs", "0"], "--epochs"),
    (["train", "0303 0030 2002 0200", "--dataset", "digits", "--out", "{a_file}"], "exists and is not a directory"),
    (["search", "--dataset", "digits", "--constraints", ",,,", "--out", "{tmp}/s"], "names no budget"),
    (["search", "--dataset", "digits", "--constraints", "memory=inf", "--out", "{tmp}/s"], "--constraints"),
    (["search", "--dataset", "digits", "--out", "{a_file}"], "exists and is not a directory"),
    (["search", "--dataset", "digits", "--out", "/proc/neuronas_out"], "cannot write there"),
    (["search", "--dataset", "digits", "--set", "adc.bits=[1", "--out", "{tmp}/s"], "--set adc.bits=[1"),
    (["search", "--dataset", "digits", "--seed", "-1"], "--seed"),
    (["search", "--dataset", "digits", "--candidates", "0"], "--candidates"),
    (["search", "--dataset", "digits", "--workers", "0"], "--workers"),
    (["search", "--dataset", "digits", "--hw", "{bomb.yaml}", "--out", "{tmp}/s"], "aliases"),
    (["codesign", "{tmp}/missing.yaml", "--out", "{tmp}/c"], "missing.yaml"),
    (["demo", "--out", "{a_file}"], "exists and is not a directory"),
]


def _run(main, argv, tmp_path, capsys) -> tuple[int, str]:
    names = {"tmp": str(tmp_path), **_files(tmp_path)}
    for key, value in names.items():
        argv = [a.replace("{" + key + "}", value) for a in argv]
    with pytest.raises(SystemExit) as exc:
        main(argv)
    return exc.value.code, capsys.readouterr().err


@pytest.mark.parametrize("argv, needle", CIMSIM, ids=[" ".join(a)[:60] for a, _ in CIMSIM])
def test_cimsim_misuse_is_one_line_exit_2(argv, needle, tmp_path, capsys):
    code, err = _run(cimsim_main, argv, tmp_path, capsys)
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 600, err


@pytest.mark.parametrize("argv, needle", NEURONAS, ids=[" ".join(a)[:60] for a, _ in NEURONAS])
def test_neuronas_misuse_is_one_line_exit_2(argv, needle, tmp_path, capsys):
    code, err = _run(neuronas_main, argv, tmp_path, capsys)
    assert code == 2, err
    assert needle in err and "Traceback" not in err
    assert len(err.strip().splitlines()) == 1 and len(err) < 600, err
