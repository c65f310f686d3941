"""The DNN+NeuroSim V1.4 reference grid (benchmarks/reference/neurosim_v14_*.json) and its trace generator."""
from __future__ import annotations

import glob
import json
import math
import os

import numpy as np
import pytest

from benchmarks import neurosim_traces as nt

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FILES = sorted(glob.glob(os.path.join(ROOT, "benchmarks", "reference", "neurosim_v14_*.json")))

CONFIG_FIELDS = ("device", "technode_nm", "subarray_rows", "subarray_cols", "adc_bits", "adc_levels", "adc_type",
                 "parallel_rows", "cell_bits", "weight_bits", "input_bits", "clock_hz_max", "read_pulse_s",
                 "synchronous", "pipeline", "activation_density", "trace_seed")
AREA_FIELDS = ("chip", "cim_array", "interconnect", "adc", "accumulation", "other_periphery")
SUMMARY_POSITIVE = ("latency_per_image_ns", "dynamic_energy_per_image_pJ", "leakage_energy_per_image_pJ",
                    "leakage_power_uW", "tops", "tops_per_w", "tops_per_mm2", "fps")
LAYER_FIELDS = ("latency_ns", "dynamic_energy_pJ", "leakage_power_uW", "buffer_latency_ns", "ic_latency_ns",
                "adc_energy_pJ", "accumulation_energy_pJ", "other_energy_pJ")


def _finite_positive(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x > 0


def _finite_nonneg(x) -> bool:
    return isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x) and x >= 0


@pytest.fixture(scope="module", params=FILES or [None])
def ref(request):
    if request.param is None:
        pytest.fail("no benchmarks/reference/neurosim_v14_*.json")
    with open(request.param) as fh:
        return json.load(fh)


def test_header(ref):
    src = ref["source"]
    assert src["repository"].startswith("https://github.com/neurosim/")
    assert len(src["commit"]) == 40 and int(src["commit"], 16) >= 0
    assert src["commit_date"]
    assert "CC BY-NC 4.0" in ref["licence"] and "no code copied" in ref["licence"]
    assert "neurosim_traces.py" in ref["traces"]["generator"]
    assert len(ref["traces"]["network"]) == 8  # VGG-8


def test_grid_size_and_coverage(ref):
    pts = ref["points"]
    assert len(pts) >= 20
    assert len({p["name"] for p in pts}) == len(pts)
    cfgs = [p["config"] for p in pts]
    assert {c["subarray_rows"] for c in cfgs} >= {64, 128, 256}
    assert {c["adc_bits"] for c in cfgs} >= {3, 4, 5, 6}
    assert {c["device"] for c in cfgs} >= {"RRAM", "SRAM"}
    assert {c["cell_bits"] for c in cfgs} >= {1, 2}
    assert len({c["technode_nm"] for c in cfgs}) >= 4


def test_every_point_has_config_command_and_finite_positive_numbers(ref):
    for p in ref["points"]:
        cfg = p["config"]
        for f in CONFIG_FIELDS:
            assert f in cfg, (p["name"], f)
        assert cfg["adc_levels"] == 2 ** cfg["adc_bits"]
        assert 1 <= cfg["parallel_rows"] <= cfg["subarray_rows"]
        assert p["command"].split()[0].endswith("main")
        assert isinstance(p["param_cpp_substitutions"], dict)
        r = p["results"]
        for f in AREA_FIELDS:
            assert _finite_positive(r["area_um2"][f]), (p["name"], f)
        assert r["area_derived"]["sum_of_categories_um2"] <= r["area_um2"]["chip"] * 1.000001
        s = r["summary"]
        for f in SUMMARY_POSITIVE:
            assert _finite_positive(s[f]), (p["name"], f)
        for group in ("latency_breakdown_ns", "energy_breakdown_pJ"):
            for k, v in s[group].items():
                assert _finite_nonneg(v), (p["name"], group, k)
            assert any(_finite_positive(v) for v in s[group].values())
        assert len(r["layers"]) == 8
        for layer in r["layers"]:
            for f in LAYER_FIELDS:
                assert _finite_nonneg(layer[f]), (p["name"], f)
            assert _finite_positive(layer["dynamic_energy_pJ"])


def test_table_vii_recorded(ref):
    rows = ref["table_vii"]["rows"]
    assert any(r["memory"] == "RRAM" and r["tech_nm"] == 22 for r in rows)
    for r in rows:
        assert _finite_positive(r["area_mm2"]) and _finite_positive(r["tops"]) and _finite_positive(r["tops_per_w"])


# ---------------------------------------------------------------- trace generator


SMALL = [nt.Layer(8, 8, 3, 3, 3, 4, 0, 1), nt.Layer(4, 4, 4, 3, 3, 6, 1, 1), nt.Layer(1, 1, 96, 1, 1, 10, 0, 1)]


def _read(path):
    with open(path) as fh:
        return [line.rstrip("\n").split(",") for line in fh]


def test_trace_files_have_neurosim_shapes(tmp_path):
    args = nt.write_traces(SMALL, str(tmp_path), density=0.3, weight_bits=8, input_bits=8, seed=1)
    assert len(args) == 2 * len(SMALL)
    for layer, (w_path, in_path) in zip(SMALL, zip(args[0::2], args[1::2])):
        w = np.array(_read(w_path), dtype=float)
        assert w.shape == (layer.c_in * layer.k_h * layer.k_w, layer.c_out)
        assert np.all(np.abs(w) <= 1.0)
        assert np.allclose(w * 128, np.round(w * 128), atol=1e-3)  # on the 8-bit grid (5 decimals)
        x = np.array(_read(in_path), dtype=int)
        n_vec = layer.ifm_h * layer.ifm_w if layer.k_h > 1 else 1  # 'same' padding, stride 1
        assert x.shape == (layer.c_in * layer.k_h * layer.k_w, n_vec * 8)
        assert set(np.unique(x)) <= {0, 1}
        assert np.all(x[:, 0::8] == 0)  # sign bit of non-negative activations


def test_trace_density_seed_and_padding(tmp_path):
    layer = nt.Layer(16, 16, 8, 3, 3, 4)
    a = nt.write_traces([layer], str(tmp_path / "a"), density=0.5, seed=3)
    b = nt.write_traces([layer], str(tmp_path / "b"), density=0.5, seed=3)
    assert open(a[1]).read() == open(b[1]).read() and open(a[0]).read() == open(b[0]).read()
    x = np.array(_read(a[1]), dtype=int)
    mag = np.concatenate([x[:, k::8] for k in range(1, 8)], axis=1)
    # centre tap (row c*9 + 4) is never padding: its magnitude bits are Bernoulli(0.5)
    centre = mag[4::9]
    assert abs(centre.mean() - 0.5) < 0.03
    # top-left tap at output (0, 0) reads the zero padding
    assert np.all(x[0::9, 0:8] == 0)


def test_read_network_matches_layer_fields(tmp_path):
    p = tmp_path / "net.csv"
    p.write_text("32,32,3,3,3,128,0,1\n1,1,8192,1,1,1024,0,1\n")
    layers = nt.read_network(str(p))
    assert layers[0] == nt.Layer(32, 32, 3, 3, 3, 128, 0, 1)
    assert layers[0].rows == 27 and layers[0].n_vectors == 1024 and layers[1].n_vectors == 1


def test_compare_script_parses_neurosim_summary():
    """benchmarks/compare_neurosim.py reads NeuroSim's printed summary (its labels, as printed by main) into the
    reference JSON's shape, the chip's breakdown lines (printed last) winning over the layers'."""
    from benchmarks import compare_neurosim as mod
    from cimsim.validate.neurosim_grid import their_figures

    text = "\n".join([
        "----------- ADC (or S/As and precharger for SRAM) readLatency is : 1ns",
        "ChipArea : 3.45169e+08um^2",
        "Chip total CIM array : 3.60536e+06um^2",
        "Total IC Area on chip (Global and Tile/PE local): 2.63107e+07um^2",
        "Total ADC (or S/As and precharger for SRAM) Area on chip : 5.0672e+06um^2",
        "Total Accumulation Circuits (subarray level: adders, shiftAdds; PE/Tile/Global level: accumulation units) "
        "on chip : 1.7079e+07um^2",
        "Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, pooling and activation units) : 4.68532e+07um^2",
        "Chip clock period is: 1.75021ns",
        "Chip pipeline-system-clock-cycle (per image) is: 156212ns",
        "Chip pipeline-system readDynamicEnergy (per image) is: 5.20411e+07pJ",
        "Chip pipeline-system leakage Energy (per image) is: 319776pJ",
        "Chip pipeline-system buffer readDynamicEnergy (per image) is: 190809pJ",
        "Chip pipeline-system ic readDynamicEnergy (per image) is: 6.67109e+06pJ",
        "----------- ADC (or S/As and precharger for SRAM) readLatency is : 25203.1ns",
        "----------- Accumulation Circuits (subarray level: adders, shiftAdds; PE/Tile/Global level: accumulation "
        "units) readLatency is : 3598.88ns",
        "----------- Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, IC, pooling and activation units) "
        "readLatency is : 130560ns",
        "----------- ADC (or S/As and precharger for SRAM) readDynamicEnergy is : 3.0654e+07pJ",
        "----------- Accumulation Circuits (subarray level: adders, shiftAdds; PE/Tile/Global level: accumulation "
        "units) readDynamicEnergy is : 9.82009e+06pJ",
        "----------- Other Peripheries (e.g. decoders, mux, switchmatrix, buffers, IC, pooling and activation units) "
        "readDynamicEnergy is : 1.1567e+07pJ",
    ])
    res = mod.parse_output(text)
    with open(FILES[0]) as fh:
        ref = json.load(fh)["points"][0]["results"]
    ours, theirs = their_figures(res), their_figures(ref)
    for k, v in theirs.items():
        assert ours[k] == pytest.approx(v, rel=1e-4), k
