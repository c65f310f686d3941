"""Hot-loop kernels of the simulator, each with a plain numpy twin in :mod:`kernels.reference`.

Exported kernels (same signatures in every backend):

``crossbar_read_adc(x, cells, group_rows, max_code, lsb) -> codes``  Cython (``kernels/crossbar_cy.pyx``)
``column_histogram(x, cells, group_rows, cols_per_output, refs) -> hist``  Cython (``kernels/crossbar_cy.pyx``)
``group_activity(x, group_rows) -> counts``                          Numba  (``kernels/activity_nb.py``)
``lif_update(x, v, decay, v_reset, v_threshold, soft) -> spikes``    Numba  (``kernels/lif_nb.py``)
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

from kernels import reference

_choice = os.environ.get("NEURONAS_KERNELS", "fast").strip().lower() or "fast"
if _choice not in ("fast", "reference"):
    raise ImportError(f"NEURONAS_KERNELS={_choice!r} is not a kernel backend; expected 'fast' or 'reference'")

if _choice == "reference":
    from kernels.reference import column_histogram, crossbar_read_adc, group_activity, lif_update, route_packets

    BACKEND = {name: "reference" for name in ("crossbar_read_adc", "column_histogram", "group_activity", "lif_update",
                                              "route_packets")}
else:
    try:
        from kernels.crossbar_cy import column_histogram, crossbar_read_adc
        from kernels.noc_cy import route_packets
    except ImportError as exc:
        raise ImportError(
            f"the compiled Cython kernels are missing or stale ({exc}); build them with `pip install -e .` "
            "from the project root (or set NEURONAS_KERNELS=reference to use the slow numpy twins)"
        ) from exc
    from kernels.activity_nb import group_activity
    from kernels.lif_nb import lif_update

    BACKEND = {
        "crossbar_read_adc": "cython",
        "column_histogram": "cython",
        "group_activity": "numba",
        "lif_update": "numba",
        "route_packets": "cython",
    }

__all__ = ["BACKEND", "column_histogram", "crossbar_read_adc", "group_activity", "lif_update", "reference", "route_packets"]
