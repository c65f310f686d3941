# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""NoC contention loop: XY routing over a 2-D mesh with one resource per directed link (Cython).

Tiles are numbered ``id = y * mesh_cols + x``; directed link ``id * 4 + d`` leaves tile ``id`` towards
``d`` = 0 east (x+1), 1 west (x-1), 2 north (y-1), 3 south (y+1). Packets are served strictly in the order given
(the caller sorts them by ready cycle), so the result is deterministic. Twin:
:func:`kernels.reference.route_packets`. Single-threaded; the GIL is released during the loop.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t

cnp.import_array()


def route_packets(src, dst, ready, flits, Py_ssize_t mesh_rows, Py_ssize_t mesh_cols, int64_t router_cycles,
                  int64_t link_cycles, link_free):
    """Route packets in the given order over an XY mesh with per-link contention (virtual cut-through).

    Per packet: ``t = ready + router_cycles``; for each link on the XY path ``start = max(t, link_free[l])``,
    ``link_free[l] = start + flits * link_cycles``, ``t = start + link_cycles + router_cycles``; the tail arrives
    at ``t + (flits - 1) * link_cycles``.

    Parameters
    ----------
    src, dst:
        int ``[M]`` tile ids ``y * mesh_cols + x`` (converted to int32).
    ready:
        int ``[M]`` cycle each packet is ready at its source (converted to int64).
    flits:
        int ``[M]`` packet length in flits, >= 1 (converted to int32).
    mesh_rows, mesh_cols:
        Mesh size in tiles (>= 1).
    router_cycles, link_cycles:
        Cycles per router traversal and per flit per link (>= 0).
    link_free:
        int64 C-contiguous ``[mesh_rows * mesh_cols * 4]``: first free cycle of each directed link; updated in
        place so that successive calls see earlier traffic.

    Returns
    -------
    tuple of numpy.ndarray
        ``arrival`` int64 ``[M]`` (cycle the tail flit reaches ``dst``) and ``hops`` int32 ``[M]``.
    """
    sa = np.ascontiguousarray(src, dtype=np.int32)
    da = np.ascontiguousarray(dst, dtype=np.int32)
    ra = np.ascontiguousarray(ready, dtype=np.int64)
    fa = np.ascontiguousarray(flits, dtype=np.int32)
    cdef Py_ssize_t M = sa.shape[0]
    if sa.ndim != 1 or da.shape != sa.shape or ra.shape != sa.shape or fa.shape != sa.shape:
        raise ValueError(f"route_packets: src, dst, ready, flits must be 1-D of equal length, got "
                         f"{sa.shape}, {da.shape}, {ra.shape}, {fa.shape}")
    if mesh_rows < 1 or mesh_cols < 1:
        raise ValueError(f"route_packets: mesh must be at least 1x1, got {mesh_rows}x{mesh_cols}")
    if router_cycles < 0 or link_cycles < 0:
        raise ValueError(f"route_packets: router_cycles={router_cycles}, link_cycles={link_cycles} must be >= 0")
    n_tiles = mesh_rows * mesh_cols
    if not (isinstance(link_free, np.ndarray) and link_free.dtype == np.int64 and link_free.ndim == 1
            and link_free.shape[0] == n_tiles * 4 and link_free.flags.c_contiguous):
        raise ValueError(f"route_packets: link_free must be a C-contiguous int64 array of length {n_tiles * 4}")
    if M:
        if min(sa.min(), da.min()) < 0 or max(sa.max(), da.max()) >= n_tiles:
            raise ValueError(f"route_packets: tile ids must lie in [0, {n_tiles}) on a {mesh_rows}x{mesh_cols} mesh")
        if fa.min() < 1:
            raise ValueError(f"route_packets: every packet needs >= 1 flit, got {fa.min()}")

    arrival = np.empty(M, dtype=np.int64)
    hops = np.empty(M, dtype=np.int32)
    cdef const int32_t[::1] sv = sa
    cdef const int32_t[::1] dv = da
    cdef const int64_t[::1] rv = ra
    cdef const int32_t[::1] fv = fa
    cdef int64_t[::1] lf = link_free
    cdef int64_t[::1] av = arrival
    cdef int32_t[::1] hv = hops
    cdef Py_ssize_t i, x, y, dx, dy, tile, link
    cdef int64_t t, start, busy
    cdef int32_t n_hops
    with nogil:
        for i in range(M):
            x = sv[i] % mesh_cols
            y = sv[i] // mesh_cols
            dx = dv[i] % mesh_cols
            dy = dv[i] // mesh_cols
            busy = fv[i] * link_cycles
            t = rv[i] + router_cycles
            n_hops = 0
            while x != dx or y != dy:
                tile = y * mesh_cols + x
                if x < dx:
                    link = tile * 4 + 0
                    x += 1
                elif x > dx:
                    link = tile * 4 + 1
                    x -= 1
                elif y > dy:
                    link = tile * 4 + 2
                    y -= 1
                else:
                    link = tile * 4 + 3
                    y += 1
                start = t if t >= lf[link] else lf[link]
                lf[link] = start + busy
                t = start + link_cycles + router_cycles
                n_hops += 1
            av[i] = t + (fv[i] - 1) * link_cycles
            hv[i] = n_hops
    return arrival, hops
