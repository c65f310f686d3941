"""Hot-loop kernels of the simulator, each with a plain numpy twin in :mod:`kernels.reference`.

Exported kernels (same signatures in every backend):

``crossbar_read_adc(x, cells, group_rows, max_code, lsb) -> codes``  Cython (``kernels/crossbar_cy.pyx``)
``crossbar_adc_partial_sums(x, cells, group_rows, max_code, lsbs, col_weights) -> sums``  Cython (same file)
``column_histogram(x, cells, group_rows, cols_per_output, refs, level_max, hist) -> hist``  Cython (same file)
``column_histogram_sums(x, cells, group_rows, cols_per_output, refs, col_weights, offset, level_max, hist)``
    ``-> (hist, sums)``  Cython (same file)
``slice_cells(w, bits_per_cell, slices, differential, offset) -> cells``  Cython (``kernels/slicing_cy.pyx``)
``im2col_u8(x, kernel, stride, padding) -> rows``                     Cython (``kernels/im2col_cy.pyx``)
``group_activity(x, group_rows) -> counts``                          Numba  (``kernels/activity_nb.py``)
``nonideal_read_adc(x, g, gref, group_rows, c2c, lsbs, min_code, max_code, key, id0) -> values``
                                                                     Numba  (``kernels/nonideal_nb.py``)
``lif_update(x, v, decay, v_reset, v_threshold, soft) -> spikes``    Numba  (``kernels/neurons_nb.py``)
and one update per neuron model (every name of ``kernels.neurons_nb.__all__``)  Numba  (``kernels/neurons_nb.py``)
``route_packets(src, dst, ready, flits, mesh_rows, mesh_cols,
                router_cycles, link_cycles, link_free) -> (arrival, hops)``  Cython (``kernels/noc_cy.pyx``)

``BACKEND`` maps each name to the backend in use: ``"cython"``, ``"numba"`` or ``"reference"``.

Environment variable ``NEURONAS_KERNELS``: unset or ``fast`` uses the compiled/JIT kernels; ``reference`` forces
the numpy twins (slow; for debugging and cross-checking). It is read once, at import time. The Cython modules
are built by ``pip install -e .``; if they are missing, importing this package fails with an ImportError saying
so (there is no silent fallback to the slow twins).
"""
from __future__ import annotations

import os

from kernels import neurons_nb, reference

NEURON_KERNELS = tuple(neurons_nb.__all__)
"""Neuron updates, one per model of :mod:`cimsim.neurons` (``kernels/neurons_nb.py``; twins of the same name)."""

_choice = os.environ.get("NEURONAS_KERNELS", "fast").strip().lower() or "fast"
if _choice not in ("fast", "reference"):
    raise ImportError(f"NEURONAS_KERNELS={_choice!r} is not a kernel backend; expected 'fast' or 'reference'")

if _choice == "reference":
    from kernels.reference import (column_histogram, column_histogram_sums, crossbar_adc_partial_sums,
                                   crossbar_read_adc, group_activity, im2col_u8, nonideal_read_adc, route_packets,
                                   slice_cells)

    _neurons = reference
    BACKEND = {name: "reference" for name in ("crossbar_read_adc", "crossbar_adc_partial_sums", "column_histogram",
                                              "column_histogram_sums",
                                              "group_activity", "nonideal_read_adc", "route_packets",
                                              "slice_cells", "im2col_u8", *NEURON_KERNELS)}
else:
    try:
        from kernels.crossbar_cy import (column_histogram, column_histogram_sums, crossbar_adc_partial_sums,
                                         crossbar_read_adc)
        from kernels.noc_cy import route_packets
        from kernels.im2col_cy import im2col_u8
        from kernels.slicing_cy import slice_cells
    except ImportError as exc:
        raise ImportError(
            f"the compiled Cython kernels are missing or stale ({exc}); build them with `pip install -e .` "
            "from the project root (or set NEURONAS_KERNELS=reference to use the slow numpy twins)"
        ) from exc
    from kernels.activity_nb import group_activity
    from kernels.nonideal_nb import nonideal_read_adc

    _neurons = neurons_nb
    BACKEND = {
        "crossbar_read_adc": "cython",
        "crossbar_adc_partial_sums": "cython",
        "column_histogram": "cython",
        "column_histogram_sums": "cython",
        "group_activity": "numba",
        "nonideal_read_adc": "numba",
        "route_packets": "cython",
        "slice_cells": "cython",
        "im2col_u8": "cython",
        **{name: "numba" for name in NEURON_KERNELS},
    }
globals().update({name: getattr(_neurons, name) for name in NEURON_KERNELS})  # a new model needs no edit here

__all__ = ["BACKEND", "NEURON_KERNELS", "column_histogram", "column_histogram_sums", "crossbar_adc_partial_sums",
           "crossbar_read_adc", "group_activity", "im2col_u8", "nonideal_read_adc", "reference", "route_packets",
           "slice_cells", *NEURON_KERNELS]
