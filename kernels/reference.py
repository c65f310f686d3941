"""Plain numpy / Python twins of every fast kernel: the oracle the fast backends are tested against.

Each function has exactly the signature and result of its fast counterpart (see :mod:`kernels`) and is written
to be obviously correct rather than fast. ``NEURONAS_KERNELS=reference`` makes :mod:`kernels` export these.
"""
from __future__ import annotations

import numpy as np

F32 = np.float32

# Directed link numbering shared with kernels/noc_cy.pyx: link id = tile_id * 4 + direction.
EAST, WEST, NORTH, SOUTH = 0, 1, 2, 3


def crossbar_read_adc(x: np.ndarray, cells: np.ndarray, group_rows: int, max_code: int, lsb: float) -> np.ndarray:
    """Bit-plane crossbar read with an ADC conversion per row group, summed over the groups.

    Parameters
    ----------
    x:
        uint8 (or bool) ``[P, R]``: which of the ``R`` crossbar rows are driven (nonzero) at each of ``P``
        positions.
    cells:
        uint8 ``[R, K]``: cell levels (0 .. 2**bits_per_cell - 1) of ``K`` cell columns.
    group_rows:
        Rows driven together in one read; group ``g`` covers rows ``[g*group_rows, (g+1)*group_rows)``.
    max_code:
        Largest ADC output code (``2**adc_bits - 1``); larger bitline sums clip to it.
    lsb:
        Bitline sum (in cell-level units) per ADC code step; ``code = min(round_half_even(s / lsb), max_code)``.

    Returns
    -------
    numpy.ndarray
        int64 ``[P, K]``: the sum over row groups of the ADC codes.
    """
    x = (np.asarray(x) != 0).astype(np.int64)  # any nonzero entry drives its row
    cells = np.asarray(cells).astype(np.int64)
    P, R = x.shape
    codes = np.zeros((P, cells.shape[1]), dtype=np.int64)
    for start in range(0, R, group_rows):
        rows = slice(start, min(start + group_rows, R))
        s = x[:, rows] @ cells[rows]  # analog bitline sum of the driven rows of this group
        # A group with no driven row has s == 0 and so contributes code 0, exactly as if it were skipped.
        codes += np.minimum(np.round(s / float(lsb)), max_code).astype(np.int64)
    return codes


def group_activity(x: np.ndarray, group_rows: int) -> np.ndarray:
    """Number of driven rows of each row group at each position.

    Parameters
    ----------
    x:
        uint8 (or bool) ``[P, R]`` driven rows.
    group_rows:
        Rows per group.

    Returns
    -------
    numpy.ndarray
        int32 ``[P, G]`` with ``G = ceil(R / group_rows)``.
    """
    x = np.asarray(x)
    P, R = x.shape
    G = -(-R // group_rows)
    counts = np.zeros((P, G), dtype=np.int32)
    for g in range(G):
        counts[:, g] = np.count_nonzero(x[:, g * group_rows:(g + 1) * group_rows], axis=1)
    return counts


def lif_update(x: np.ndarray, v: np.ndarray, decay, v_reset, v_threshold, soft: bool) -> np.ndarray:
    """One LIF timestep in float32 (formula and order of :class:`cimsim.neurons.LIF`); ``v`` is updated in place.

    Parameters
    ----------
    x:
        float32 input current, any shape.
    v:
        float32 membrane, same shape as ``x``; overwritten with the new membrane.
    decay, v_reset, v_threshold:
        float32 scalars (``decay = 1 / tau``; ``v_reset`` is 0 for a soft reset).
    soft:
        Soft reset (subtract the threshold) instead of a hard reset to ``v_reset``.

    Returns
    -------
    numpy.ndarray
        uint8 spikes, same shape as ``x``.
    """
    decay, r, thr = F32(decay), F32(v_reset), F32(v_threshold)
    h = v + (x - (v - r)) * decay
    s = h >= thr
    if soft:
        v[...] = h - s.astype(F32) * thr
    else:
        v[...] = np.where(s, r, h)
    return s.astype(np.uint8)


def leaky_update(x: np.ndarray, v: np.ndarray, beta, threshold, mode: int) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.Leaky` in float32; ``v`` is updated in place.

    Parameters
    ----------
    x, v:
        float32 input current and membrane, same shape; ``v`` is overwritten.
    beta, threshold:
        float32 scalars.
    mode:
        0: subtract ``r * threshold``; 1: reset to zero (``(1 - r) * v`` before the decay); 2: no reset; where
        ``r = v > threshold`` is the previous step's spike (a bool: reset to zero or not).

    Returns
    -------
    numpy.ndarray
        uint8 spikes ``h > threshold``, same shape as ``x``.
    """
    beta, thr = F32(beta), F32(threshold)
    r = (v > thr).astype(F32)
    h = (beta * v + x - r * thr, beta * ((1 - r) * v) + x, beta * v + x)[int(mode)]
    v[...] = h
    return (h > thr).astype(np.uint8)


def _fire_reset(h: np.ndarray, v: np.ndarray, r, thr, soft: bool, strict: bool = False) -> np.ndarray:
    s = h > thr if strict else h >= thr
    v[...] = h - s.astype(F32) * thr if soft else np.where(s, r, h)
    return s.astype(np.uint8)


def if_update(x: np.ndarray, v: np.ndarray, v_reset, v_threshold, soft: bool, strict: bool = False) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.IF` in float32 (``h = v + x``, ``>`` when ``strict``); ``v`` updated
    in place."""
    return _fire_reset(v + x, v, F32(v_reset), F32(v_threshold), soft, strict)


def lif_div_update(x: np.ndarray, v: np.ndarray, tau, v_reset, v_threshold, decay_input: bool,
                   soft: bool) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.LIFDiv` in float32; ``v`` updated in place."""
    tau, r = F32(tau), F32(v_reset)
    h = v + (x - (v - r)) / tau if decay_input else v - (v - r) / tau + x
    return _fire_reset(h, v, r, F32(v_threshold), soft)


def lif_box_update(x: np.ndarray, v: np.ndarray, decay, v_leak, v_reset, v_threshold) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.LIFBox` in float32 (strict fire, hard reset); ``v`` updated in place."""
    h = v + F32(decay) * ((x + F32(v_leak)) - v)
    s = h > F32(v_threshold)
    v[...] = np.where(s, F32(v_reset), h)
    return s.astype(np.uint8)


def xy_route(src: int, dst: int, mesh_cols: int) -> list[int]:
    """Directed link ids (``tile_id * 4 + direction``) an XY-routed packet crosses from ``src`` to ``dst``."""
    x, y = src % mesh_cols, src // mesh_cols
    dx, dy = dst % mesh_cols, dst // mesh_cols
    links = []
    while x != dx:  # X first
        direction = EAST if dx > x else WEST
        links.append((y * mesh_cols + x) * 4 + direction)
        x += 1 if direction == EAST else -1
    while y != dy:  # then Y; north is y - 1
        direction = SOUTH if dy > y else NORTH
        links.append((y * mesh_cols + x) * 4 + direction)
        y += 1 if direction == SOUTH else -1
    return links


def route_packets(src, dst, ready, flits, mesh_rows: int, mesh_cols: int, router_cycles: int, link_cycles: int,
                  link_free: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Route packets in the given order over an XY mesh with per-link contention (virtual cut-through).

    Parameters
    ----------
    src, dst:
        int32 ``[M]`` tile ids ``y * mesh_cols + x``.
    ready:
        int64 ``[M]`` cycle each packet is ready at its source.
    flits:
        int32 ``[M]`` packet length in flits (>= 1).
    mesh_rows, mesh_cols:
        Mesh size in tiles.
    router_cycles, link_cycles:
        Cycles per router traversal and per flit per link.
    link_free:
        int64 ``[mesh_rows * mesh_cols * 4]``: first free cycle of each directed link; updated in place.

    Returns
    -------
    tuple of numpy.ndarray
        ``arrival`` int64 ``[M]`` (cycle the tail flit arrives) and ``hops`` int32 ``[M]``.
    """
    M = len(src)
    arrival = np.zeros(M, dtype=np.int64)
    hops = np.zeros(M, dtype=np.int32)
    for i in range(M):
        n_flits = int(flits[i])
        t = int(ready[i]) + router_cycles  # injection router
        links = xy_route(int(src[i]), int(dst[i]), mesh_cols)
        for link in links:
            start = max(t, int(link_free[link]))
            link_free[link] = start + n_flits * link_cycles  # flits stream back-to-back
            t = start + link_cycles + router_cycles
        arrival[i] = t + (n_flits - 1) * link_cycles
        hops[i] = len(links)
    return arrival, hops


def column_histogram(x: np.ndarray, cells: np.ndarray, group_rows: int, cols_per_output: int,
                     refs: np.ndarray | None = None, level_max: int | None = None,
                     hist: np.ndarray | None = None) -> np.ndarray:
    """Histogram of the absolute per-read column values of a bit-plane crossbar read (ADC calibration).

    Parameters
    ----------
    x: uint8 (or bool) ``[P, R]`` driven rows. cells: uint8 ``[R, K]`` cell levels, ``K = outputs x
    cols_per_output`` output-major. group_rows: rows per read; a read with no driven row does not happen.
    refs: optional ``[K]`` reference level subtracted per driven row (analog offset reference).
    level_max: the largest cell level, when known (default ``cells.max()``); it sizes the histogram.
    hist: optional int64 ``[cols_per_output, >= bound + 1]`` the counts are added to (and which is returned).

    Returns
    -------
    int64 ``[cols_per_output, bound + 1]``, ``bound = min(group_rows, R) x max(max level - min(ref, 0), max ref)``:
    entry ``[c, v]`` counts the (read, column) pairs of cell column ``c`` (``k % cols_per_output``) whose value
    ``sum over the read's driven rows of (cells - ref)`` has ``|value| == v``, zeros included.
    """
    x = (np.asarray(x) != 0).astype(np.int64)
    cells = np.asarray(cells).astype(np.int64)
    P, R = x.shape
    K = cells.shape[1]
    refs = np.zeros(K, np.int64) if refs is None else np.asarray(refs, np.int64)
    level_max = (int(cells.max()) if level_max is None else int(level_max)) if K and R else 0
    span = max(level_max - min(int(refs.min()) if K else 0, 0), max(int(refs.max()) if K else 0, 0))
    bound = min(group_rows, R) * span
    counts = np.zeros((cols_per_output, bound + 1), np.int64)
    for start in range(0, R, group_rows):
        rows = slice(start, min(start + group_rows, R))
        n = x[:, rows].sum(1)
        live = n > 0
        v = np.abs(x[live, rows] @ cells[rows] - n[live, None] * refs[None, :])  # [reads, K]
        for c in range(cols_per_output):
            counts[c] += np.bincount(v[:, c::cols_per_output].ravel(), minlength=bound + 1)
    if hist is None:
        return counts
    if hist.dtype != np.int64 or hist.shape[0] != cols_per_output or hist.shape[1] <= bound:
        raise ValueError(f"column_histogram: hist must be int64 ({cols_per_output}, >= {bound + 1}), got "
                         f"{hist.dtype} {hist.shape}")
    hist[:, : bound + 1] += counts
    return hist


def column_histogram_sums(x: np.ndarray, cells: np.ndarray, group_rows: int, cols_per_output: int,
                          refs: np.ndarray | None, col_weights: np.ndarray, offset: int = 0,
                          level_max: int | None = None,
                          hist: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """:func:`column_histogram` (counts added to ``hist`` when given) and the exact shift-added sums ``[P,
    outputs]``: ``sum over driven rows r of (sum_c col_weights[c] x cells[r, output x cols_per_output + c] -
    offset)`` (no reference, no ADC)."""
    hist = column_histogram(x, cells, group_rows, cols_per_output, refs, level_max, hist)
    x = (np.asarray(x) != 0).astype(np.int64)
    cells = np.asarray(cells).astype(np.int64)
    per_col = (x @ cells).reshape(x.shape[0], -1, cols_per_output)
    return hist, per_col @ np.asarray(col_weights, np.int64).reshape(-1) - offset * x.sum(1)[:, None]


def cuba_lif_update(x: np.ndarray, v: np.ndarray, i: np.ndarray, syn_decay, mem_decay, v_leak, v_reset,
                    v_threshold) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.CubaLIF` in float32 (strict fire, hard reset of ``v``); ``v`` and
    ``i`` updated in place."""
    c = i + x
    h = v + F32(mem_decay) * ((F32(v_leak) - v) + c)
    i[...] = c - F32(syn_decay) * c
    s = h > F32(v_threshold)
    v[...] = np.where(s, F32(v_reset), h)
    return s.astype(np.uint8)


_U64 = np.uint64


def splitmix64(z: np.ndarray) -> np.ndarray:
    """splitmix64 finaliser on uint64 values (wrapping arithmetic), as in ``kernels/nonideal_nb.py``."""
    z = np.asarray(z, dtype=_U64)
    with np.errstate(over="ignore"):
        z = (z ^ (z >> _U64(30))) * _U64(0xBF58476D1CE4E5B9)
        z = (z ^ (z >> _U64(27))) * _U64(0x94D049BB133111EB)
    return z ^ (z >> _U64(31))


def counter_normal(key: int, counter: np.ndarray) -> np.ndarray:
    """Standard normal variates number ``counter`` (uint64 array) of stream ``key``: splitmix64 + Box-Muller."""
    with np.errstate(over="ignore"):
        h = splitmix64(_U64(key) ^ (np.asarray(counter, dtype=_U64) * _U64(0x9E3779B97F4A7C15)))
    u1 = ((h >> _U64(32)).astype(np.float64) + 0.5) / 4294967296.0
    u2 = ((h & _U64(0xFFFFFFFF)).astype(np.float64) + 0.5) / 4294967296.0
    return np.sqrt(-2.0 * np.log(u1)) * np.cos(2.0 * np.pi * u2)


def nonideal_read_adc(x: np.ndarray, g: np.ndarray, gref: np.ndarray, group_rows: int, c2c: float,
                      lsbs: np.ndarray, min_code: float, max_code: float, key: int, id0: int) -> np.ndarray:
    """Crossbar reads through non-ideal devices, one ADC conversion per (row group, column), summed over groups.

    Parameters
    ----------
    x:
        uint8 ``[M, R]``: driven rows (nonzero) of ``M`` reads sequences (samples x positions).
    g:
        float32 ``[R, K]``: each cell's conductance in units of one cell level (device instance, drift, IR drop).
    gref:
        float32 ``[R, C]``: conductance of the reference column's cell of each row, for each of the ``C`` cell
        column classes; column ``k`` is of class ``k % C`` (columns ordered (output, cell column)).
    group_rows:
        Rows per read; group ``g`` covers rows ``[g*group_rows, (g+1)*group_rows)``.
    c2c:
        Relative cycle-to-cycle read noise of one cell: the column current of a read gets a Gaussian of standard
        deviation ``c2c * sqrt(sum_r x_r (g_rk^2 + gref_rc^2))`` (independent per cell, summed).
    lsbs:
        float64 ``[C]``: ADC LSB of each class (cell levels).
    min_code, max_code:
        ADC code range; ``code = clip(rint(current / lsb), min_code, max_code)``.
    key, id0:
        Noise stream and the global index of row 0 of ``x``: the noise of read group ``grp`` of row ``m``, column
        ``k`` is normal number ``((id0 + m) * G + grp) * K + k`` of stream ``key``.

    Returns
    -------
    numpy.ndarray
        float64 ``[M, K]``: ``sum over read groups with a driven row of code * lsb``.
    """
    x = np.asarray(x) != 0
    m_rows, n_rows = x.shape
    n_cols, n_cls = g.shape[1], gref.shape[1]
    n_groups = -(-n_rows // group_rows)
    lsb_k = np.tile(np.asarray(lsbs, np.float64), n_cols // n_cls)
    out = np.zeros((m_rows, n_cols), np.float64)
    cols = np.arange(n_cols, dtype=np.int64)
    for grp in range(n_groups):
        rows = slice(grp * group_rows, min(n_rows, (grp + 1) * group_rows))
        xs = x[:, rows].astype(np.float64)
        gg, gr = g[rows].astype(np.float64), gref[rows].astype(np.float64)
        cur = xs @ gg - np.tile(xs @ gr, n_cols // n_cls)
        if c2c > 0:
            var = xs @ (gg * gg) + np.tile(xs @ (gr * gr), n_cols // n_cls)
            counter = ((id0 + np.arange(m_rows, dtype=np.int64))[:, None] * n_groups + grp) * n_cols + cols
            cur = cur + c2c * np.sqrt(var) * counter_normal(key, counter.astype(_U64))
        codes = np.clip(np.rint(cur / lsb_k), min_code, max_code)
        out += np.where(xs.any(1)[:, None], codes * lsb_k, 0.0)
    return out


def crossbar_adc_partial_sums(x: np.ndarray, cells: np.ndarray, group_rows: int, max_code: int, lsbs: np.ndarray,
                              col_weights: np.ndarray, offset: int = 0, level_max: int | None = None) -> np.ndarray:
    """Bit-plane read, ADC conversion per row group and shift-add of an output's cell columns.

    x: uint8 ``[P, R]`` driven rows; cells: uint8 ``[R, K]`` with ``K = outputs x C`` columns ordered (output, cell
    column); lsbs, col_weights: int64 ``[C]`` integer LSBs (>= 1) and signed significances of the cell columns;
    offset: subtracted per driven row; level_max: the largest cell level (a hint for the fast kernel; unused here).
    Returns int64 ``[P, outputs]``: ``sum_c crossbar_read_adc(x, cells[:, c::C], ...) x lsbs[c] x col_weights[c]``
    ``- offset x driven rows``.
    """
    lsbs = np.asarray(lsbs, np.int64).reshape(-1)
    col_weights = np.asarray(col_weights, np.int64).reshape(-1)
    c_n = len(lsbs)
    cells = np.asarray(cells)
    out = np.zeros((np.asarray(x).shape[0], cells.shape[1] // c_n), np.int64)
    for c in range(c_n):
        codes = crossbar_read_adc(x, cells[:, c::c_n], group_rows, max_code, float(lsbs[c]))
        out += codes * int(lsbs[c]) * int(col_weights[c])
    return out - offset * (np.asarray(x) != 0).sum(1, dtype=np.int64)[:, None]


def slice_cells(w: np.ndarray, bits_per_cell: int, slices: int, differential: bool, offset: int) -> np.ndarray:
    """Cell levels of a signed integer weight matrix ``[R, C]``: uint8 ``[R, C x parts x slices]``, columns ordered
    (output, part, slice); the parts are ``max(w, 0)`` and ``max(-w, 0)`` when ``differential``, else the one part
    ``w + offset``; slice ``k`` of a part value ``v`` is ``(v >> (k x bits_per_cell)) & (2**bits_per_cell - 1)``."""
    w = np.asarray(w).astype(np.int64)
    parts = [np.maximum(w, 0), np.maximum(-w, 0)] if differential else [w + offset]
    mask = (1 << bits_per_cell) - 1
    cells = np.empty((w.shape[0], w.shape[1], len(parts), slices), dtype=np.uint8)
    for si, part in enumerate(parts):
        for k in range(slices):
            cells[:, :, si, k] = (part >> (k * bits_per_cell)) & mask
    return cells.reshape(w.shape[0], w.shape[1] * len(parts) * slices)


def im2col_u8(x: np.ndarray, kernel: tuple, stride: tuple, padding: tuple) -> np.ndarray:
    """Rows ``[N, Ho x Wo, C x kh x kw]`` (ordered (c, i, j)) of an 8-bit ``[N, C, H, W]`` input, zero padded:
    the window copy of :func:`cimsim.ops.im2col`, one position at a time."""
    x = np.asarray(x)
    kh, kw = kernel
    (sh, sw), (ph, pw) = stride, padding
    xp = np.pad(x, ((0, 0), (0, 0), (ph, ph), (pw, pw)))
    ho = (xp.shape[2] - kh) // sh + 1 if xp.shape[2] >= kh else 0
    wo = (xp.shape[3] - kw) // sw + 1 if xp.shape[3] >= kw else 0
    out = np.empty((x.shape[0], ho * wo, x.shape[1] * kh * kw), dtype=x.dtype)
    for p in range(ho * wo):
        y, x0 = (p // max(wo, 1)) * sh, (p % max(wo, 1)) * sw
        out[:, p] = xp[:, :, y : y + kh, x0 : x0 + kw].reshape(x.shape[0], -1)
    return out
