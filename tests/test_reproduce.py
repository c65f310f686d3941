"""``neuronas reproduce``: the quick mode on tiny sizes; the savings come from the two rows, never typed in."""
from __future__ import annotations

import json
import math

import pytest

from cimsim.errors import UserError
from neuronas.reproduce import PAPER, ReproduceSettings, markdown, run_reproduce, savings

TINY = dict(datasets=("cifar100", "tinyimagenet"), candidates=3, channels=4, hidden=8, score_batch=8, score_repeats=1,
            timesteps=2, hw_samples=1, report_samples=4)


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    out = tmp_path_factory.mktemp("reproduce")
    rs = ReproduceSettings.quick(out=str(out), **TINY)
    return run_reproduce(rs, echo=lambda text: None), out


def test_quick_mode_writes_json_table_and_figures(quick_run):
    result, out = quick_run
    assert json.loads((out / "reproduce_quick.json").read_text())["datasets"].keys() == {"cifar100", "tinyimagenet"}
    table = (out / "reproduce_quick.md").read_text()
    assert "synthetic inputs" in table and "neuronas reproduce --quick" in table
    for dataset, d in result["datasets"].items():
        assert (out / f"reproduce_quick_{dataset}.png").is_file()
        for strategy, row in d["rows"].items():
            assert row["candidates"] == 3 and row["search_s"] > 0 and row["accuracy"] is None
            assert row["weight_bits"] == (8 if strategy == "neuronas" else 16)
            assert row["ops"] == ("neuronas" if strategy == "neuronas" else "snasnet")
            assert len(row["plane"]) == 3
            # SNASNet's public macro: TinyImageNet's 64 x 64 frames enter through a stride-2 stem
            assert row["stem_stride"] == (2 if dataset == "tinyimagenet" else 1)
    assert result["meta"]["synthetic"] and "accuracy is not" in result["meta"]["inputs"]


def test_savings_are_computed_from_the_two_rows(quick_run):
    result, out = quick_run
    table = (out / "reproduce_quick.md").read_text()
    for dataset, d in result["datasets"].items():
        n, s = d["rows"]["neuronas"], d["rows"]["snasnet"]
        got = d["savings"]
        assert got["search_speedup_x"] == pytest.approx(s["search_s"] / n["search_s"])  # the same 3 candidates
        if n["area_m2"] and s["area_m2"]:
            assert got["area_saving_pct"] == pytest.approx(100 * (1 - n["area_m2"] / s["area_m2"]))
            assert got["energy_saving_pct"] == pytest.approx(100 * (1 - n["energy_j"] / s["energy_j"]))
            assert got["latency_speedup_x"] == pytest.approx(s["latency_s"] / n["latency_s"])
        # the table prints these very numbers (3 significant digits)
        assert f"{got['search_speedup_x']:.3g}x" in table
    # the paper's figures are only printed next to ours, never the result of a computation of ours
    assert all(v != PAPER["area_saving_pct"] for d in result["datasets"].values() for v in d["savings"].values())


def test_savings_formula_and_missing_numbers():
    n = {"area_m2": 1e-6, "latency_s": 2e-3, "energy_j": 16e-6, "memory_bytes": 1e6, "search_s": 10.0,
         "candidates": 8}
    s = {"area_m2": 4e-6, "latency_s": 3e-3, "energy_j": 100e-6, "memory_bytes": 4e6, "search_s": 66.0,
         "candidates": 8}
    got = savings(n, s)
    assert got == pytest.approx({"area_saving_pct": 75.0, "latency_speedup_x": 1.5, "energy_saving_pct": 84.0,
                                 "memory_saving_pct": 75.0, "search_speedup_x": 6.6})
    assert savings({**n, "area_m2": None}, s)["area_saving_pct"] is None
    # the same seconds: the speed-up is the ratio of candidates per minute
    assert savings({**n, "candidates": 33}, {**s, "search_s": 10.0, "candidates": 5})["search_speedup_x"] == 6.6
    rows = {"meta": {"command": "x", "inputs": "y", "settings": {**ReproduceSettings().__dict__, "datasets": []}},
            "paper": PAPER, "datasets": {}}
    assert "| paper (up to, 8-bit NeuroNAS) | 92% | 1.2x | 84% | 6.6x |" in markdown(rows)


def test_same_seconds_mode_reports_what_each_strategy_evaluated(tmp_path):
    rs = ReproduceSettings.quick(**{**TINY, "datasets": ("cifar100",)}, budget_s=1e-3, out=str(tmp_path),
                                 tag="reproduce_quick_budget")
    result = run_reproduce(rs, echo=lambda text: None)
    rows = result["datasets"]["cifar100"]["rows"]
    for row in rows.values():  # the clock ends each search after its first cell
        assert row["candidates"] == 1 and row["search_s"] >= 1e-3
    n, s = rows["neuronas"], rows["snasnet"]
    assert result["datasets"]["cifar100"]["savings"]["search_speedup_x"] == pytest.approx(
        n["candidates_per_min"] / s["candidates_per_min"])
    table = (tmp_path / "reproduce_quick_budget.md").read_text()
    assert "the same 0.001 s of search per strategy" in table and "--budget-s 0.001" in table
    assert "full run" not in table  # the estimate is of the same-candidates run


def test_full_run_estimate_comes_from_the_per_candidate_times(quick_run):
    from neuronas.reproduce import affordable, full_run_estimate

    result, out = quick_run
    rows = [r for d in result["datasets"].values() for r in d["rows"].values()]
    one, two = full_run_estimate(result, 1), full_run_estimate(result, 2)
    assert two - one == pytest.approx(sum(r["search_cpu_s"] / 3 + r["measure_cpu_s"] / 3 for r in rows))
    n = affordable(result)
    assert full_run_estimate(result, n) <= 90 * 60 < full_run_estimate(result, n + 1)
    full = result["meta"]["full_run"]
    assert f"{full['candidates']} candidates per search" in (out / "reproduce_quick.md").read_text()
    assert full["affordable"] == n


def test_bad_settings_are_user_errors():
    with pytest.raises(UserError, match="unknown dataset"):
        ReproduceSettings(datasets=("imagenet",))
    with pytest.raises(UserError, match="constraints"):
        ReproduceSettings(constraints="speed=3")
    with pytest.raises(UserError, match="budget-s"):
        ReproduceSettings(budget_s=0)
    assert not math.isnan(ReproduceSettings.quick().candidates)


def test_real_data_trains_both_choices_with_the_same_budget(tmp_path):
    """Tiny CIFAR-100 pickles in the real on-disk format: accuracy (ideal and on chip) for both chosen cells."""
    import pickle

    import numpy as np

    rng = np.random.default_rng(3)
    folder = tmp_path / "data" / "cifar-100-python"
    folder.mkdir(parents=True)
    for name, n in (("train", 24), ("test", 8)):
        with open(folder / name, "wb") as f:
            pickle.dump({b"data": rng.integers(0, 256, size=(n, 3072), dtype=np.uint8),
                         b"fine_labels": rng.integers(0, 100, size=n).tolist()}, f)
    rs = ReproduceSettings.quick(**{**TINY, "datasets": ("cifar100",), "candidates": 2},
                                 data_dir=str(tmp_path / "data"), out=str(tmp_path / "out"), train_epochs=1)
    result = run_reproduce(rs, echo=lambda text: None)
    assert not result["meta"]["synthetic"] and "synthetic" not in (tmp_path / "out" / "reproduce_quick.md").read_text()
    for row in result["datasets"]["cifar100"]["rows"].values():
        acc = row["accuracy"]
        assert acc["epochs"] == 1 and acc["test_images"] == 4
        assert 0.0 <= acc["on_chip"] <= 1.0 and 0.0 <= acc["ideal_adc"] <= 1.0


def test_cost_plane_draws_both_searches_budgets_and_choices():
    from cimsim.plot import cost_plane

    a = [{"genotype": "g1", "area_m2": 20e-6, "energy_j": 50e-6, "feasible": True},
         {"genotype": "g2", "area_m2": 150e-6, "energy_j": 300e-6, "feasible": False}]
    b = [{"genotype": "g3", "area_m2": 60e-6, "energy_j": None, "feasible": False}]  # not simulated: left out
    fig = cost_plane({"NeuroNAS": a, "SNASNet": b + a[1:]}, constraints={"area": 100e-6, "energy": 120e-6},
                     chosen={"NeuroNAS": "g1", "SNASNet": "g2"}, title="t")
    ax = fig.axes[0]
    assert [line.get_xdata()[0] for line in ax.lines if line.get_linestyle() == "--"][0] == pytest.approx(100)
    labels = [t.get_text() for t in fig.legends[0].get_texts()]
    assert "NeuroNAS: chosen" in labels and "SNASNet: over a budget (1)" in labels
    with pytest.raises(UserError, match="no candidate"):
        cost_plane({"x": b})


def test_readme_table_is_the_committed_run_unchanged():
    """The README's tables are ``benchmarks/results/reproduce[_quick][_budget].md`` pasted unchanged, and those files
    are what :func:`markdown` writes from the committed JSON (so no number in them was typed in)."""
    from pathlib import Path

    root = Path(__file__).resolve().parents[1]
    results = root / "benchmarks" / "results"
    for tag in ("reproduce", "reproduce_quick", "reproduce_quick_budget"):  # full run; quick: candidates, seconds
        table = (results / f"{tag}.md").read_text()
        assert markdown(json.loads((results / f"{tag}.json").read_text())) == table
        assert table.strip() in (root / "README.md").read_text()
