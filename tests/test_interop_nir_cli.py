"""NIR both ways, and user inputs from the CLI: .npy/.npz/.pt files and MNIST idx files."""
import gzip
import json

import numpy as np
import pytest
import torch

from cimsim.cli import main
from cimsim.errors import UserError
from cimsim.functional import evaluate
from cimsim.graph import SnnGraph
from cimsim.inputs import file_inputs

nir = pytest.importorskip("nir")
pytest.importorskip("snntorch")
pytest.importorskip("norse")
from test_interop_frameworks import NorseResidual, SnnTorchResidual, _boost, _frames  # noqa: E402

from neuronas.interop import import_snn  # noqa: E402


def _cli(args, capsys):
    try:
        main(args)
        code = 0
    except SystemExit as e:
        code = e.code
    return code, capsys.readouterr()


@pytest.mark.parametrize("make,per_step", [(SnnTorchResidual, True), (NorseResidual, False),
                                           (lambda: NorseResidual(box=False), False)])
def test_nir_round_trip_is_bit_exact(tmp_path, make, per_step):
    torch.manual_seed(0)
    net = _boost(make(), 2.5)
    frames = _frames(1)
    imp = import_snn(net, frames[0] if per_step else frames)
    path = tmp_path / "model.nir"
    nir.write(str(path), imp.graph.to_nir())
    back = SnnGraph.from_nir(path)
    a, b = evaluate(imp.graph, imp.to_inputs(frames)), evaluate(back, imp.to_inputs(frames))
    assert sorted(a.spikes) == sorted(b.spikes)
    for k in a.spikes:
        assert np.array_equal(a.spikes[k], b.spikes[k]), k
    assert np.array_equal(a.outputs, b.outputs)
    assert back.node("input")["scale"] == imp.graph.node("input")["scale"]


def nir_package_graph(size=8):
    """A NIR graph written with the nir package alone: conv-LIF-sumpool, conv-IF-avgpool, affine-CubaLIF,
    scale-threshold."""
    rng = np.random.default_rng(0)
    s2, s4 = size // 2, size // 4
    nodes = {
        "in": nir.Input(input_type={"input": np.array([1, size, size])}),
        "c1": nir.Conv2d(input_shape=(size, size), weight=rng.normal(0.2, 0.4, (4, 1, 3, 3)), stride=1, padding=1,
                         dilation=1, groups=1, bias=np.zeros(4)),
        "lif": nir.LIF(tau=np.full((4, size, size), 2e-3), r=np.ones((4, size, size)), v_leak=np.zeros((4, size, size)),
                       v_threshold=np.full((4, size, size), 0.5)),
        "sp": nir.SumPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "c2": nir.Conv2d(input_shape=(s2, s2), weight=rng.normal(0.1, 0.3, (6, 4, 3, 3)), stride=1, padding=1,
                         dilation=1, groups=1, bias=np.zeros(6)),
        "if": nir.IF(r=np.full((6, s2, s2), 0.5), v_threshold=np.ones((6, s2, s2))),
        "ap": nir.AvgPool2d(kernel_size=np.array([2, 2]), stride=np.array([2, 2]), padding=np.array([0, 0])),
        "fl": nir.Flatten(input_type={"input": np.array([6, s4, s4])}, start_dim=0),
        "fc": nir.Affine(weight=rng.normal(0.1, 0.3, (5, 6 * s4 * s4)), bias=np.full(5, 0.1)),
        "cuba": nir.CubaLIF(tau_syn=np.full(5, 1e-3), tau_mem=np.full(5, 4e-3), r=np.ones(5), v_leak=np.zeros(5),
                            v_threshold=np.full(5, 0.3)),
        "fc2": nir.Linear(weight=rng.normal(0.2, 0.3, (3, 5))),
        "sc": nir.Scale(scale=np.full(3, 2.0)),
        "th": nir.Threshold(threshold=np.full(3, 0.2)),
        "out": nir.Output(output_type={"output": np.array([3])}),
    }
    order = list(nodes)
    return nir.NIRGraph(nodes=nodes, edges=list(zip(order, order[1:])), type_check=False)


def test_nir_package_graph_simulates_from_the_cli(tmp_path, capsys):
    path = tmp_path / "net.nir"
    nir.write(str(path), nir_package_graph())
    g = SnnGraph.from_nir(path)
    kinds = {n: g.node(n)["kind"] for n in g.order()}
    assert kinds["lif"] == "lif_box" and kinds["if"] == "if" and kinds["cuba"] == "cuba_lif" and kinds["th"] == "leaky"
    assert g.node("lif")["decay"] == pytest.approx(0.5) and g.node("if")["strict"] is True
    x = (np.random.default_rng(1).random((6, 4, 1, 8, 8)) < 0.4).astype(np.uint8)
    res = evaluate(g, x)
    assert all(res.spikes[n].any() for n in ("lif", "if", "cuba"))
    np.save(tmp_path / "x.npy", x)
    code, out = _cli(["simulate", str(path), "--hw", "spikesim_rram_65nm", "--ideal-adc", "--inputs",
                      str(tmp_path / "x.npy"), "--dt", "0.001", "--out", str(tmp_path / "r")], capsys)
    assert code in (0, None), out.err
    report = json.loads((tmp_path / "r" / "report.json").read_text())
    assert report["meta"]["dt_s"] == 1e-3 and report["meta"]["timesteps"] == 6 and report["meta"]["samples"] == 4


def test_nir_errors_are_one_line(tmp_path, capsys):
    g = nir_package_graph()
    g.nodes["lif"] = nir.LI(tau=np.full((4, 8, 8), 2e-3), r=np.ones((4, 8, 8)), v_leak=np.zeros((4, 8, 8)))
    nir.write(str(tmp_path / "li.nir"), g)
    code, out = _cli(["simulate", str(tmp_path / "li.nir"), "--hw", "spikesim_rram_65nm"], capsys)
    assert code == 2 and "NIR node 'lif' of type LI is not supported" in out.err and out.err.count("\n") == 1
    g = nir_package_graph()
    g.nodes["cuba"].tau_syn = np.linspace(2e-3, 5e-3, 5)
    with pytest.raises(UserError, match=r"NIR CubaLIF 'cuba': tau_syn takes 5 different values"):
        SnnGraph.from_nir(g)


def test_nir_cubalif_is_forward_euler_of_its_equations(tmp_path):
    """A CubaLIF whose current outlives a step (tau_syn = 5 dt), with r, w_in and v_reset: the simulator's spikes
    are the float64 forward-Euler solution's, the membrane reading the current of the same step."""
    rng = np.random.default_rng(3)
    n_in, n, dt = 12, 6, 1e-3
    p = dict(tau_syn=5e-3, tau_mem=3e-3, r=0.8, w_in=1.5, v_leak=0.05, v_threshold=0.3, v_reset=-0.1)
    nodes = {"in": nir.Input(input_type={"input": np.array([n_in])}),
             "fc": nir.Linear(weight=rng.normal(0.1, 0.3, (n, n_in))),
             "cuba": nir.CubaLIF(**{k: np.full(n, v) for k, v in p.items()}),
             "out": nir.Output(output_type={"output": np.array([n])})}
    path = tmp_path / "cuba.nir"
    nir.write(str(path), nir.NIRGraph(nodes=nodes, edges=[("in", "fc"), ("fc", "cuba"), ("cuba", "out")],
                                      type_check=False))
    g = SnnGraph.from_nir(path, dt=dt)
    assert g.node("cuba")["kind"] == "cuba_lif" and g.node("cuba")["syn_decay"] == pytest.approx(0.2)
    x = (rng.random((40, 8, n_in)) < 0.3).astype(np.uint8)
    got = evaluate(g, x).spikes["cuba"]
    w = np.asarray(g.node("fc")["weight"], np.float64) * g.node("fc")["scale"]  # the quantized weights
    i, v, want = np.zeros((8, n)), np.full((8, n), p["v_leak"]), np.zeros(got.shape, bool)
    for t in range(x.shape[0]):
        i = i + dt / p["tau_syn"] * (-i + p["w_in"] * (x[t] @ w.T))
        v = v + dt / p["tau_mem"] * ((p["v_leak"] - v) + p["r"] * i)
        want[t] = v > p["v_threshold"]
        v = np.where(want[t], p["v_reset"], v)
    assert 0.05 < want.mean() < 0.95
    assert np.mean(got != want) < 0.01  # float32 rounding may flip a spike that sits on the threshold
    back = SnnGraph.from_nir(g.to_nir(dt))  # ours -> NIR -> ours: the exact model again
    assert np.array_equal(evaluate(back, x).spikes["cuba"], got)


def _write_idx(path, arr, type_code):
    header = bytes([0, 0, type_code, arr.ndim]) + np.asarray(arr.shape, ">i4").tobytes()
    data = header + arr.astype(arr.dtype.newbyteorder(">") if arr.dtype.itemsize > 1 else arr.dtype).tobytes()
    (gzip.open(path, "wb") if str(path).endswith(".gz") else open(path, "wb")).write(data)


def test_28x28_model_from_cli_on_npy_and_mnist_idx(tmp_path, capsys):
    nodes = nir_package_graph(28)
    nir.write(str(tmp_path / "m.nir"), nodes)
    rng = np.random.default_rng(2)
    images = rng.integers(0, 256, size=(5, 28, 28), dtype=np.uint8)
    raw = tmp_path / "data" / "MNIST" / "raw"
    raw.mkdir(parents=True)
    _write_idx(raw / "t10k-images-idx3-ubyte", images, 0x08)
    _write_idx(raw / "t10k-labels-idx1-ubyte.gz", np.array([0, 1, 2, 1, 0], np.uint8), 0x08)
    code, out = _cli(["simulate", str(tmp_path / "m.nir"), "--hw", "spikesim_rram_65nm", "--ideal-adc", "--dataset",
                      "mnist", "--data-dir", str(tmp_path / "data"), "--samples", "3", "-T", "4",
                      "--out", str(tmp_path / "r1")], capsys)
    assert code in (0, None), out.err
    assert json.loads((tmp_path / "r1" / "report.json").read_text())["meta"]["samples"] == 3
    np.save(tmp_path / "x.npy", images[:2, None] / 255.0)
    code, out = _cli(["simulate", str(tmp_path / "m.nir"), "--hw", "spikesim_rram_65nm", "--ideal-adc", "--inputs",
                      str(tmp_path / "x.npy"), "--encoding", "rate", "-T", "3", "--out", str(tmp_path / "r2")], capsys)
    assert code in (0, None), out.err
    np.save(tmp_path / "bad.npy", images[:2])  # no channel axis
    code, out = _cli(["simulate", str(tmp_path / "m.nir"), "--hw", "spikesim_rram_65nm", "--inputs",
                      str(tmp_path / "bad.npy")], capsys)
    assert code == 2 and "expected shape [1, 28, 28], [N, 1, 28, 28] or [T, N, 1, 28, 28]; got [2, 28, 28]" in out.err


def test_input_files_and_encodings(tmp_path):
    g = SnnGraph.from_nir(nir_package_graph())
    spikes = (np.random.default_rng(3).random((3, 2, 1, 8, 8)) < 0.5).astype(np.uint8)
    np.savez(tmp_path / "s.npz", inputs=spikes, labels=np.zeros(2))
    assert np.array_equal(file_inputs(g, tmp_path / "s.npz", 5), spikes)  # time axis: as-is, T from the file
    torch.save({"x": torch.from_numpy(spikes[0]).float()}, tmp_path / "s.pt")
    assert file_inputs(g, tmp_path / "s.pt", 4, "direct").shape == (4, 2, 1, 8, 8)
    np.save(tmp_path / "f.npy", spikes * 2.0)
    with pytest.raises(UserError, match="as-is needs integers in 0..1"):
        file_inputs(g, tmp_path / "f.npy", 5)
    with pytest.raises(UserError, match="expected .npy, .npz or .pt"):
        (tmp_path / "x.csv").write_text("1")
        file_inputs(g, tmp_path / "x.csv", 1)


def test_neuronas_export_nir_round_trips(tmp_path, capsys):
    from neuronas.cli import main as neuronas_main

    torch.manual_seed(0)
    frames = _frames(2)
    imp = import_snn(_boost(NorseResidual(), 2.5), frames)
    saved = imp.graph.save(tmp_path / "g")
    neuronas_main(["export", str(saved), "--nir", str(tmp_path / "g.nir")])
    back = SnnGraph.from_nir(tmp_path / "g.nir")
    x = imp.to_inputs(frames)
    assert np.array_equal(evaluate(back, x).spikes["lif3"], evaluate(imp.graph, x).spikes["lif3"])
    np.save(tmp_path / "frames.npy", frames[0].numpy())
    code, out = _cli(["simulate", str(tmp_path / "g.nir"), "--hw", "spikesim_rram_65nm", "--ideal-adc", "--inputs",
                      str(tmp_path / "frames.npy"), "--encoding", "direct", "--out", str(tmp_path / "r")], capsys)
    assert code == 0, out.err
