"""Per-row-group spike activity of a crossbar input bit-plane (Numba). Twin: :func:`kernels.reference.group_activity`."""
from __future__ import annotations

import numba
import numpy as np


@numba.njit(cache=True, nogil=True)
def _group_activity(x: np.ndarray, group_rows: int, n_groups: int) -> np.ndarray:
    P = x.shape[0]
    counts = np.zeros((P, n_groups), dtype=np.int32)
    for p in range(P):
        for g in range(n_groups):
            n = np.int32(0)
            # Iterating a slice (no negative-index checks) with a branch-free int32 sum lets LLVM vectorise.
            for value in x[p, g * group_rows:(g + 1) * group_rows]:
                n += np.int32(value != 0)
            counts[p, g] = n
    return counts


def group_activity(x: np.ndarray, group_rows: int) -> np.ndarray:
    """Number of driven rows of each row group at each position.

    Parameters
    ----------
    x:
        uint8 (or bool) ``[P, R]``: driven (nonzero) crossbar rows at each of ``P`` positions.
    group_rows:
        Rows per group (>= 1); group ``g`` covers rows ``[g*group_rows, (g+1)*group_rows)``.

    Returns
    -------
    numpy.ndarray
        int32 ``[P, G]`` with ``G = ceil(R / group_rows)``.
    """
    x = np.asarray(x)
    if x.dtype == np.bool_:
        x = x.view(np.uint8)
    if x.dtype != np.uint8 or x.ndim != 2:
        raise ValueError(f"group_activity: x must be a 2-D uint8 or bool array, got {x.dtype} {x.shape}")
    if group_rows < 1:
        raise ValueError(f"group_activity: group_rows must be >= 1, got {group_rows}")
    n_groups = -(-x.shape[1] // group_rows)
    return _group_activity(np.ascontiguousarray(x), int(group_rows), n_groups)
