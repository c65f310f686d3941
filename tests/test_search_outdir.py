"""The output directory of a search: checkpoints stored relative to it (resume from elsewhere, or after moving it),
another search's study refused unless ``--resume`` / ``--force``; ``--device``."""
from __future__ import annotations

import json
import shutil

import pytest
import torch

from cimsim.errors import UserError
from neuronas.cli import main
from neuronas.search import SearchSettings, run_search

TINY = dict(dataset="digits", channels=4, hidden=16, score_batch=8, hw_samples=1, report_samples=2, top_k=0,
            progress=False, figures=False, threads=1, candidates=2, device="cpu")


def test_trained_checkpoints_are_relative_to_the_output_directory(tmp_path, monkeypatch):
    first = tmp_path / "first"
    first.mkdir()
    monkeypatch.chdir(first)
    run_search(SearchSettings(**{**TINY, "top_k": 1}, train_epochs=1, train_batch=256, out="res"))
    (result,) = (first / "res" / "trained").glob("*/result.json")
    stored = json.loads(result.read_text())["checkpoint"]
    assert not stored.startswith("/") and stored.endswith("model.pt") and (first / "res" / stored).is_file()

    shutil.move(str(first / "res"), str(tmp_path / "moved"))
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    monkeypatch.chdir(elsewhere)

    def no_training(*args, **kwargs):
        raise AssertionError("the moved checkpoint was not found: trained again")

    monkeypatch.setattr("neuronas.train.train", no_training)
    summary = run_search(SearchSettings(**{**TINY, "top_k": 1}, train_epochs=1, train_batch=256, out="../moved"))
    assert summary["trained"] and (tmp_path / "moved" / "best.pt").is_file()


def _search(out, **changes) -> SearchSettings:
    return SearchSettings(**{**TINY, "out": str(out), **changes})


def test_another_search_in_the_same_out_is_refused_unless_resume_or_force(tmp_path, capsys):
    out = tmp_path / "out"
    run_search(_search(out, seed=0))
    run_search(_search(out, seed=0, candidates=3))  # the same study, more candidates: a plain resume
    best = (out / "best.json").read_text()
    with pytest.raises(SystemExit) as exc:  # the command line: exit 2, one line naming the difference
        main(["search", "--dataset", "digits", "--channels", "4", "--hidden", "16", "--candidates", "2",
              "--score-batch", "8", "--hw-samples", "1", "--top-k", "0", "--no-progress", "--no-figures",
              "--threads", "1", "--seed", "1", "--out", str(out)])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1 and "--seed: 0 (existing) vs 1 (now)" in err and "--resume" in err
    assert (out / "best.json").read_text() == best  # nothing overwritten

    resumed = run_search(_search(out, seed=1, hidden=8), resume=True)  # the existing study's settings win
    assert (resumed["seed"], resumed["hidden"], resumed["n_candidates"]) == (0, 16, 3)

    fresh = run_search(_search(out, seed=1), force=True)  # the old outputs removed, a new study
    assert fresh["seed"] == 1 and fresh["n_candidates"] == 2
    assert json.loads((out / "search.json").read_text())["identity"]["seed"] == 1
    with pytest.raises(UserError, match="contradict"):
        run_search(_search(out, seed=1), resume=True, force=True)


def test_resume_needs_a_search_to_resume(tmp_path):
    with pytest.raises(UserError, match="holds no search to resume"):
        run_search(_search(tmp_path / "empty"), resume=True)


def test_device_cuda_without_cuda_is_one_line_exit_2(tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    for argv in (["search", "--dataset", "digits", "--out", str(tmp_path), "--device", "cuda"],
                 ["train", "conv3x3~0|zeroize~0,conv3x3~1|skip~0,zeroize~1,conv3x3~2", "--dataset", "digits",
                  "--device", "cuda"]):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err.strip()
        assert len(err.splitlines()) == 1 and "no CUDA device" in err
    with pytest.raises(UserError, match="expected auto, cpu, cuda"):
        _search(tmp_path, device="tpu")


def test_device_auto_takes_cuda_only_when_present(monkeypatch):
    from neuronas.train import resolve_device

    monkeypatch.setattr(torch.cuda, "is_available", lambda: False)
    assert resolve_device("auto").type == "cpu" and resolve_device("cpu").type == "cpu"
    monkeypatch.setattr(torch.cuda, "is_available", lambda: True)
    assert resolve_device("auto").type == "cuda"
