"""Side by side with DNN+NeuroSim V1.4: the stored reference grid, or a user's own NeuroSim build on our traces.

Without ``--neurosim`` the stored reference (``benchmarks/reference/neurosim_v14_ac828e6.json``, NeuroSim's current
code on VGG-8) is compared point by point with our preset at the same parameters
(:mod:`cimsim.validate.neurosim_grid`); ``--markdown`` prints the README table::

    python benchmarks/compare_neurosim.py --markdown

With ``--neurosim PATH`` (a built ``NeuroSIM`` directory holding ``main``): the network ``--model`` is written as
NeuroSim's network CSV and synthetic traces (``benchmarks/neurosim_traces.py``; activation bit density
``--density``), ``PATH/main`` is run with the subarray size and parallel rows of ``--hw`` (their ``Param.cpp``
must match the rest: node, sense-amp levels, cell bits, device; this script cannot see it), its printed summary is
parsed, and our run of ``--hw`` (at NeuroSim's printed clock, with ``--set`` overrides) is printed beside it::

    python benchmarks/compare_neurosim.py --neurosim ~/DNN_NeuroSim_V1.4/Inference_pytorch/NeuroSIM \
        --model vgg8 --hw neurosim_rram_22nm --set variables.ron_ohms=100e3

Only NeuroSim's printed numbers are read (its labels, as facts); none of its code is used.
"""
from __future__ import annotations

import argparse
import os
import re
import subprocess
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from neurosim_traces import Layer, write_traces  # noqa: E402

#: NeuroSim's printed summary lines (label prefix) -> (section, key) of the reference JSON's ``results``.
LABELS = {
    "ChipArea :": ("area_um2", "chip"),
    "Chip total CIM array :": ("area_um2", "cim_array"),
    "Total IC Area on chip": ("area_um2", "interconnect"),
    "Total ADC (or S/As and precharger for SRAM) Area on chip :": ("area_um2", "adc"),
    "Total Accumulation Circuits": ("area_um2", "accumulation"),
    "Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, pooling and activation units) :":
        ("area_um2", "other_periphery"),
    "Chip clock period is:": ("summary", "clock_period_ns"),
    "Chip pipeline-system-clock-cycle (per image) is:": ("summary", "latency_per_image_ns"),
    "Chip pipeline-system readDynamicEnergy (per image) is:": ("summary", "dynamic_energy_per_image_pJ"),
    "Chip pipeline-system leakage Energy (per image) is:": ("summary", "leakage_energy_per_image_pJ"),
    "Chip pipeline-system buffer readDynamicEnergy (per image) is:": ("summary", "buffer_dynamic_energy_pJ"),
    "Chip pipeline-system ic readDynamicEnergy (per image) is:": ("summary", "ic_dynamic_energy_pJ"),
}
#: Breakdown lines after NeuroSim's "Breakdown of Latency and Dynamic Energy" header: (prefix, kind) -> key.
BREAKDOWN = {"----------- ADC": "adc", "----------- Accumulation": "accumulation",
             "----------- Other": "other_periphery"}
NUMBER = re.compile(r"(-?[0-9.]+(?:e[-+]?[0-9]+)?|inf|-?nan)")


def parse_output(text: str) -> dict:
    """NeuroSim's printed summary as the reference JSON's ``results`` (``area_um2`` and ``summary``).

    The breakdown lines are printed per layer and then for the chip; the last of each wins (the chip's).
    """
    res: dict = {"area_um2": {}, "summary": {"energy_breakdown_pJ": {}, "latency_breakdown_ns": {}}}
    for line in text.splitlines():
        line = line.strip()
        for label, (section, key) in LABELS.items():
            if line.startswith(label):
                res[section][key] = float(NUMBER.findall(line[len(label):])[0])
        for prefix, key in BREAKDOWN.items():
            if line.startswith(prefix):
                value = float(NUMBER.findall(line.split(" is :")[-1])[0])
                kind = "latency_breakdown_ns" if "readLatency" in line else "energy_breakdown_pJ"
                res["summary"][kind][key] = value
    missing = [k for _l, (s, k) in LABELS.items() if k not in res[s]]
    if missing:
        raise SystemExit(f"NeuroSim's output lacks {', '.join(missing)} (did it finish? is it V1.4?)")
    return res


def graph_layers(graph) -> list[Layer]:
    """NeuroSim network rows of our graph's crossbar layers (conv: its input map; linear: 1 x 1 x features); a
    conv layer pools when the next layer's input is smaller than its output."""
    import numpy as np

    nodes = graph.compute_nodes()
    layers = []
    for i, n in enumerate(nodes):
        d = graph.node(n)
        (src, _), = graph.inputs_of(n)
        shape = graph.node(src)["shape"]
        w = np.asarray(d["weight"])
        if d["kind"] != "conv":
            layers.append(Layer(1, 1, int(np.prod(w.shape[1:])), 1, 1, w.shape[0], 0, 1))
            continue
        nxt = graph.node(graph.inputs_of(nodes[i + 1])[0][0])["shape"] if i + 1 < len(nodes) else None
        pooled = nxt is not None and int(np.prod(nxt)) < int(np.prod(d["shape"]))
        stride = d.get("stride", 1)
        layers.append(Layer(shape[1], shape[2], w.shape[1], w.shape[2], w.shape[3], w.shape[0], int(pooled),
                            int(stride[0] if isinstance(stride, (tuple, list)) else stride)))
    return layers


def run_neurosim(path: Path, graph, chip, work: Path, density: float, seed: int) -> dict:
    """Write the network CSV and traces of ``graph``, run ``path/main`` and parse its output."""
    layers = graph_layers(graph)
    net = work / "network.csv"
    net.write_text("".join(f"{L.ifm_h},{L.ifm_w},{L.c_in},{L.k_h},{L.k_w},{L.c_out},{L.pool},{L.stride}\n"
                           for L in layers))
    traces = write_traces(layers, str(work / "traces"), density=density, weight_bits=chip.weight_bits,
                          input_bits=8, seed=seed)
    cmd = [str(path / "main"), str(net), str(chip.weight_bits), "8", str(chip.crossbar.rows),
           str(chip.crossbar.parallel_rows), *traces]
    out = subprocess.run(cmd, cwd=path, capture_output=True, text=True, env={**os.environ, "OMP_NUM_THREADS": "1"})
    (work / "neurosim_stdout.txt").write_text(out.stdout)
    if out.returncode != 0:
        raise SystemExit(f"{cmd[0]} exited with {out.returncode}: {out.stderr.strip()[-500:]}")
    return parse_output(out.stdout)


def _table(rows: list[tuple[str, str, float, float, bool]]) -> str:
    lines = ["| metric | unit | ours | NeuroSim | error | like for like |", "|---|---|---|---|---|---|"]
    for metric, unit, ours, theirs, lfl in rows:
        err = f"{(ours - theirs) / theirs:+.1%}" if theirs else "-"
        lines.append(f"| {metric} | {unit} | {ours:.4g} | {theirs:.4g} | {err} | {'yes' if lfl else 'no'} |")
    return "\n".join(lines)


def grid_markdown(v) -> str:
    """The README table of :func:`cimsim.validate.validate_neurosim_grid`'s result ``v``: each point's
    like-for-like figures, ours / NeuroSim (% error), then the statistics that ``cimsim validate`` prints."""
    from cimsim.validate.neurosim_grid import METRICS, summary_line

    lfl = [(m, u) for m, u, like, _n in METRICS if like]
    lines = ["| point | " + " | ".join(f"{m} ({u})" for m, u in lfl) + " |", "|" + "---|" * (len(lfl) + 1)]
    rows = {(r.reference, r.metric): r for r in v.rows}
    for ref in dict.fromkeys(r.reference for r in v.rows):
        cells = [rows[(ref, m)] for m, _u in lfl]
        lines.append(f"| {ref.removeprefix('NeuroSim grid ')} | "
                     + " | ".join(f"{r.ours:.4g} / {r.theirs:.4g} ({r.rel_error:+.0%})" for r in cells) + " |")
    lines += ["", f"Ours / NeuroSim (error). {summary_line(v.extra['neurosim_grid']['statistics'])}."]
    return "\n".join(lines)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--neurosim", type=Path, help="a built NeuroSIM directory with its main binary")
    p.add_argument("--model", default="vgg8", help="built-in network or saved *.snn.json (with --neurosim)")
    p.add_argument("--hw", default="neurosim_rram_22nm", help="our hardware config (with --neurosim)")
    p.add_argument("--set", action="append", default=[], metavar="PATH=VALUE", help="override of --hw")
    p.add_argument("--density", type=float, default=0.25, help="activation bit density of the traces")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--work", type=Path, help="directory for traces and NeuroSim's output (default: temporary)")
    p.add_argument("--markdown", action="store_true", help="without --neurosim: the README table")
    a = p.parse_args(argv)
    if a.neurosim is None:
        from cimsim.validate.neurosim_grid import grid_figures, validate_neurosim_grid

        figs = grid_figures(a.seed)
        if a.markdown:
            print(grid_markdown(validate_neurosim_grid(a.seed, figs)))
        else:
            for name, (ours, theirs) in figs.items():
                print(f"\n## {name}\n" + _table(_rows(ours, theirs)))
        return 0
    return _compare_build(a)


def _rows(ours: dict, theirs: dict) -> list:
    from cimsim.validate.neurosim_grid import METRICS

    return [(m, u, ours[m], theirs[m], lfl) for m, u, lfl, _n in METRICS]


def _compare_build(a) -> int:
    import cimsim
    from cimsim.api import resolve_chip, resolve_model
    from cimsim.validate.neurosim import neurosim_positions
    from cimsim.validate.neurosim_grid import our_figures, their_figures

    over = dict(s.split("=", 1) for s in a.set)
    graph = resolve_model(a.model, seed=a.seed)
    chip = resolve_chip(a.hw, over)
    with tempfile.TemporaryDirectory() as tmp:
        work = a.work or Path(tmp)
        work.mkdir(parents=True, exist_ok=True)
        res = run_neurosim(a.neurosim.resolve(), graph, chip, work, a.density, a.seed)
    over["clock_hz"] = 1.0 / (res["summary"]["clock_period_ns"] * 1e-9)
    report = cimsim.simulate(graph, hw=a.hw, timesteps=8, seed=a.seed, ideal_adc=True, fidelity=False,
                             spike_rate=a.density, overrides=over)
    scale = {k: theirs / ours for k, (ours, theirs) in neurosim_positions(graph).items()}
    print(_table(_rows(our_figures(report, scale), their_figures(res))))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
