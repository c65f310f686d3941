"""kernels package: backend selection by NEURONAS_KERNELS and the error when the Cython build is missing."""
import os
import subprocess
import sys

import kernels
from kernels import reference

NAMES = ("crossbar_read_adc", "crossbar_adc_partial_sums", "column_histogram", "column_histogram_sums",
         "group_activity", "nonideal_read_adc", "route_packets", "slice_cells", "im2col_u8",
         *kernels.NEURON_KERNELS)


def _run(code, **env):
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          env={**os.environ, **env}, timeout=120)


def test_default_backend_is_fast():
    if os.environ.get("NEURONAS_KERNELS", "fast") == "reference":
        assert set(kernels.BACKEND.values()) == {"reference"}
        return
    assert kernels.BACKEND == {"crossbar_read_adc": "cython", "crossbar_adc_partial_sums": "cython",
                               "column_histogram": "cython", "column_histogram_sums": "cython",
                               "group_activity": "numba", "nonideal_read_adc": "numba",
                               "route_packets": "cython", "slice_cells": "cython", "im2col_u8": "cython",
                               **{name: "numba" for name in kernels.NEURON_KERNELS}}
    assert "lif_update" in kernels.NEURON_KERNELS
    for name in NAMES:
        assert getattr(kernels, name) is not getattr(reference, name)


def test_env_var_forces_reference():
    proc = _run("import kernels, kernels.reference as r;"
                f"assert all(getattr(kernels, n) is getattr(r, n) for n in {NAMES!r});"
                "print(sorted(set(kernels.BACKEND.values())))", NEURONAS_KERNELS="reference")
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "['reference']"


def test_missing_cython_build_says_how_to_build():
    proc = _run("import sys; sys.modules['kernels.crossbar_cy'] = None; import kernels", NEURONAS_KERNELS="fast")
    assert proc.returncode != 0
    assert "ImportError" in proc.stderr and "pip install -e ." in proc.stderr


def test_unknown_backend_name_is_rejected():
    proc = _run("import kernels", NEURONAS_KERNELS="gpu")
    assert proc.returncode != 0 and "NEURONAS_KERNELS" in proc.stderr
