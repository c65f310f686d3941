"""`cimsim plot` end to end: files written, exit code 2 with one message on bad input; a real simulator report."""
from __future__ import annotations

import csv
import json

import pytest

from cimsim.cli import main
from cimsim.plot import load_report, write_all
from cimsim.candidates import write_candidates_csv
from helpers.synthetic import synthetic_candidates, synthetic_report, synthetic_sweep


def run_cli(args):
    """Exit code of ``cimsim`` with ``args`` (0 when it returns normally)."""
    try:
        main(args)
    except SystemExit as exc:
        return exc.code
    return 0


@pytest.fixture()
def inputs(tmp_path):
    paths = []
    for i, hw in enumerate(("rram-64", "rram-128")):
        path = tmp_path / f"r{i}.json"
        path.write_text(json.dumps(synthetic_report(i, hw=hw)))
        paths.append(path)
    limits = {"energy": 100e-6, "latency": 0.3}
    cands = synthetic_candidates(0, constraints=limits)
    write_candidates_csv(cands, tmp_path / "candidates.csv")
    (tmp_path / "best.json").write_text(json.dumps({"genotype": next(c for c in cands if c["feasible"])["genotype"]}))
    sweep = synthetic_sweep(0)
    with open(tmp_path / "sweep.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=list(sweep[0]))
        writer.writeheader()
        writer.writerows(sweep)
    return tmp_path, paths


def test_plot_all_kinds(inputs, capsys):
    tmp, paths = inputs
    out = tmp / "figs"
    code = run_cli(["plot", *map(str, paths), "--out", str(out), "--format", "svg", "--candidates",
                    str(tmp / "candidates.csv"), "--constraints", "energy=100uJ,latency=300ms",
                    "--sweep", str(tmp / "sweep.csv")])
    assert code == 0
    expected = {"breakdown_r0", "breakdown_r1", "layers_r0", "layers_r1", "compare", "compare_normalized", "pareto",
                "heatmap_energy_j"}
    assert {p.stem for p in out.glob("*.svg")} == expected
    assert set(capsys.readouterr().out.split()) == {str(out / f"{n}.svg") for n in expected}


def test_plot_one_kind_and_slides(inputs):
    tmp, paths = inputs
    out = tmp / "slides"
    assert run_cli(["plot", str(paths[0]), "--out", str(out), "--format", "png", "--kind", "layers",
                    "--style", "slides"]) == 0
    assert [p.name for p in out.iterdir()] == ["layers_r0.png"]
    written = write_all([], tmp / "h", "pdf", kind="heatmap", sweep_csv=tmp / "sweep.csv", sweep_metric="area_m2")
    assert [p.name for p in written] == ["heatmap_area_m2.pdf"]


@pytest.mark.parametrize("args, message", [
    (["plot"], "no report files given"),
    (["plot", "{r0}", "--kind", "pie"], "unknown plot kind 'pie'"),
    (["plot", "{r0}", "--format", "jpg"], "unknown format 'jpg'"),
    (["plot", "{r0}", "--style", "poster"], "unknown style 'poster'"),
    (["plot", "{tmp}/candidates.csv"], "not a report"),
    (["plot", "{tmp}/missing.json"], "no such report file"),
    (["plot", "{r0}", "--kind", "compare"], "at least two reports"),
    (["plot", "{r0}", "--kind", "pareto"], "needs --candidates"),
    (["plot", "{r0}", "--kind", "heatmap"], "needs --sweep"),
    (["plot", "{r0}", "--candidates", "{tmp}/candidates.csv", "--constraints", "watts=3"], "--constraints"),
    (["plot", "--kind", "heatmap", "--sweep", "{tmp}/sweep.csv", "--x", "adc.bits", "--y", "tile.pes"],
     "no column 'tile.pes'"),
])
def test_bad_input_exits_2_with_one_message(inputs, capsys, args, message):
    tmp, paths = inputs
    args = [a.format(r0=paths[0], tmp=tmp) for a in args]
    assert run_cli(args + ["--out", str(tmp / "o")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error: ") and message in err and len(err.splitlines()) == 1
    assert not (tmp / "o").exists() or not any((tmp / "o").iterdir())


def test_plot_real_simulator_report(tmp_path):
    """A report written by the simulator itself loads, and its figures show its numbers."""
    import cimsim

    report = cimsim.simulate("tiny", timesteps=2, samples=2, seed=0, fidelity=False)
    path = report.write(tmp_path / "run")
    loaded = load_report(path)
    written = write_all([path], tmp_path / "figs", "png")
    assert sorted(p.name for p in written) == ["breakdown_report.png", "layers_report.png"]
    from cimsim.plot import breakdown
    from cimsim.plot.inputs import per_inference

    fig = breakdown(loaded)
    energy_ax = [ax for ax in fig.axes if ax.containers][1]
    shown = sum(p.get_width() for c in energy_ax.containers for p in c.patches)
    unit = energy_ax.get_xlabel().rsplit("(", 1)[1].rstrip(")")
    factor = {"pJ": 1e12, "nJ": 1e9, "µJ": 1e6, "mJ": 1e3, "J": 1.0}[unit]
    assert shown / factor == pytest.approx(report.totals["energy_per_inference_j"], rel=1e-9)
    assert per_inference(loaded, "latency_s") == report.totals["latency_per_inference_s"]
