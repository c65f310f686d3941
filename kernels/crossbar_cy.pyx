# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Crossbar bit-plane read with per-row-group ADC conversion (Cython).

The cost of a read scales with the number of driven rows (input spikes), not with the crossbar height: for each
output position the driven rows are listed once, their cell rows are summed group by group into a K-vector of
integer bitline sums (16-bit when a group sum cannot overflow it, else 32-bit), and each non-empty group is
converted by the ADC when the scan leaves it. The ADC transfer ``min(round_half_even(s / lsb), max_code)`` is
inlined as ``min(s, max_code)`` when ``lsb == 1`` and otherwise read from a table over every reachable group sum,
computed with numpy so it is bit-identical to :func:`kernels.reference.crossbar_read_adc`. The three kernels
share the scan of a position's driven rows (:func:`_driven`) and a read's bitline sums (:func:`_read`, whose loop
``cim_sum_rows`` is C, compiled for AVX2 and for baseline x86-64 and chosen when the module loads: a portable
build). Single-threaded (no OpenMP); the GIL is released while the loop runs, so callers may run independent
reads in threads.
"""
import numpy as np

cimport numpy as cnp
from libc.stdint cimport int32_t, int64_t, uint8_t, uint16_t
from libc.stdlib cimport calloc, free

cnp.import_array()

cdef extern from *:
    """
    /* The bitline sums of one read: acc[k] = sum of cells[rows[i] * K + k] over i < m (m >= 1), four cell rows
       per pass over acc (a quarter of its loads and stores; a missing row is the zero row `zero`; a pass adds at
       most 4 x 255). Compiled for AVX2 and for any x86-64 where GCC/clang and glibc dispatch at load time. */
    #if defined(__x86_64__) && defined(__GLIBC__) && (defined(__GNUC__) || defined(__clang__))
    #define CIM_CLONES __attribute__((target_clones("avx2", "default")))
    #else
    #define CIM_CLONES
    #endif
    #define CIM_SUM_ROWS(NAME, ACC) CIM_CLONES static void NAME(ACC* __restrict acc, const uint8_t* cells,     \
            Py_ssize_t K, const Py_ssize_t* rows, Py_ssize_t m, const uint8_t* zero) {                       \
        for (Py_ssize_t i = 0; i < m; i += 4) {                                                              \
            const uint8_t *a = cells + rows[i] * K, *b = i + 1 < m ? cells + rows[i + 1] * K : zero;         \
            const uint8_t *c = i + 2 < m ? cells + rows[i + 2] * K : zero;                                   \
            const uint8_t *d = i + 3 < m ? cells + rows[i + 3] * K : zero;                                   \
            if (i == 0) for (Py_ssize_t k = 0; k < K; k++) acc[k] = (ACC)(a[k] + b[k] + c[k] + d[k]);        \
            else for (Py_ssize_t k = 0; k < K; k++) acc[k] = (ACC)(acc[k] + (a[k] + b[k] + c[k] + d[k]));   \
        }                                                                                                    \
    }
    CIM_SUM_ROWS(cim_sum_rows_u16, uint16_t)
    CIM_SUM_ROWS(cim_sum_rows_i32, int32_t)
    """
    void cim_sum_rows_u16(uint16_t* acc, const uint8_t* cells, Py_ssize_t K, const Py_ssize_t* rows, Py_ssize_t m,
                          const uint8_t* zero) nogil
    void cim_sum_rows_i32(int32_t* acc, const uint8_t* cells, Py_ssize_t K, const Py_ssize_t* rows, Py_ssize_t m,
                          const uint8_t* zero) nogil


ctypedef fused acc_t:
    uint16_t
    int32_t


def _as_uint8_matrix(a, name):
    a = np.asarray(a)
    if a.dtype == np.bool_:
        a = a.view(np.uint8)
    if a.dtype != np.uint8 or a.ndim != 2:
        raise ValueError(f"crossbar_read_adc: {name} must be a 2-D uint8 or bool array, got {a.dtype} {a.shape}")
    return np.ascontiguousarray(a)


def crossbar_read_adc(x, cells, Py_ssize_t group_rows, int64_t max_code, double lsb):
    """Bit-plane crossbar read with an ADC conversion per row group, summed over the groups.

    Parameters
    ----------
    x:
        uint8 (or bool) ``[P, R]``: which of the ``R`` crossbar rows are driven (nonzero) at each of ``P``
        positions. Copied if not C-contiguous.
    cells:
        uint8 ``[R, K]``: cell levels (0 .. 2**bits_per_cell - 1) of ``K`` cell columns. Copied if not
        C-contiguous.
    group_rows:
        Rows driven together in one read (>= 1); group ``g`` covers rows ``[g*group_rows, (g+1)*group_rows)``.
    max_code:
        Largest ADC output code (>= 0), e.g. ``2**adc_bits - 1``.
    lsb:
        Bitline sum per ADC step (> 0); ``code = min(round_half_even(s / lsb), max_code)``.

    Returns
    -------
    numpy.ndarray
        int64 ``[P, K]``: the sum over the non-empty row groups of the ADC codes.
    """
    xa = _as_uint8_matrix(x, "x")
    ca = _as_uint8_matrix(cells, "cells")
    if xa.shape[1] != ca.shape[0]:
        raise ValueError(f"crossbar_read_adc: x has {xa.shape[1]} rows per position but cells has {ca.shape[0]} rows")
    if group_rows < 1:
        raise ValueError(f"crossbar_read_adc: group_rows must be >= 1, got {group_rows}")
    if max_code < 0:
        raise ValueError(f"crossbar_read_adc: max_code must be >= 0, got {max_code}")
    if not lsb > 0.0:
        raise ValueError(f"crossbar_read_adc: lsb must be > 0, got {lsb}")

    cdef Py_ssize_t P = xa.shape[0], R = xa.shape[1], K = ca.shape[1]
    out = np.zeros((P, K), dtype=np.int64)
    if P == 0 or R == 0 or K == 0:
        return out
    cdef int64_t level_max = int(ca.max())
    cdef int64_t s_max = min(group_rows, R) * level_max
    if s_max >= 2**31:
        raise ValueError(f"crossbar_read_adc: a group bitline sum can reach {s_max}, beyond the int32 accumulator")
    # ADC transfer for every reachable bitline sum of one group.
    sums = np.arange(s_max + 1, dtype=np.int64)
    table = np.minimum(np.round(sums / lsb), max_code).astype(np.int64)
    cdef const int64_t[::1] lut = table
    # lsb == 1: the transfer is min(s, max_code), computed inline (vectorisable) instead of by table look-up.
    cdef bint linear = lsb == 1.0
    cdef const uint8_t[:, ::1] xv = xa
    cdef const uint8_t[:, ::1] cv = ca
    cdef int64_t[:, ::1] ov = out

    cdef Scratch sc = _scratch(R, K)
    try:
        # 16-bit group sums when they cannot overflow: twice the SIMD lanes in the accumulation loop.
        if s_max <= 65535:
            with nogil:
                _read_all(xv, cv, ov, lut, linear, group_rows, sc, <uint16_t*>sc.acc)
        else:
            with nogil:
                _read_all(xv, cv, ov, lut, linear, group_rows, sc, <int32_t*>sc.acc)
    finally:
        free(sc.rows)
    return out


cdef struct Scratch:
    Py_ssize_t* rows  # R indices of driven rows (_driven); the start of the one allocated block: free(rows)
    void* acc  # K bitline sums, 16- or 32-bit
    const uint8_t* zero  # K zero bytes: the missing cell rows of cim_sum_rows


cdef Scratch _scratch(Py_ssize_t R, Py_ssize_t K) except *:
    """One zeroed block holding a kernel loop's :class:`Scratch` arrays (freed by the caller)."""
    cdef char* block = <char*>calloc(R * sizeof(Py_ssize_t) + K * sizeof(int32_t) + K, 1)
    if block == NULL:
        raise MemoryError()
    cdef char* acc = block + R * sizeof(Py_ssize_t)
    return Scratch(<Py_ssize_t*>block, acc, <uint8_t*>acc + K * sizeof(int32_t))


cdef void _read_all(const uint8_t[:, ::1] xv, const uint8_t[:, ::1] cv, int64_t[:, ::1] ov,
                    const int64_t[::1] lut, bint linear, Py_ssize_t group_rows, Scratch sc,
                    acc_t* acc) noexcept nogil:
    cdef Py_ssize_t P = xv.shape[0], R = xv.shape[1], K = cv.shape[1]
    cdef Py_ssize_t p, i, j, n
    for p in range(P):
        n = _driven(&xv[p, 0], R, sc.rows)
        i = 0
        while i < n:  # one read per row group with a driven row
            j = _read(acc, cv, sc, i, n, group_rows)
            _convert(&ov[p, 0], acc, K, lut, linear)
            i = j


cdef inline void _convert(int64_t* orow, const acc_t* acc, Py_ssize_t K, const int64_t[::1] lut,
                          bint linear) noexcept nogil:
    """ADC-convert the group's bitline sums ``acc`` and add the codes to ``orow``."""
    cdef Py_ssize_t k
    cdef acc_t a
    # lut[-1] is the code of the largest reachable sum; with lsb == 1 it is min(s_max, max_code).
    cdef acc_t cap = <acc_t>lut[lut.shape[0] - 1]
    if linear:
        for k in range(K):
            a = acc[k]
            orow[k] += a if a < cap else cap
    else:
        for k in range(K):
            orow[k] += lut[acc[k]]


cdef inline Py_ssize_t _driven(const uint8_t* xrow, Py_ssize_t R, Py_ssize_t* rows) noexcept nogil:
    """List the driven (nonzero) entries of ``xrow[:R]`` in ``rows`` (ascending); returns how many."""
    cdef Py_ssize_t r, n = 0
    for r in range(R):  # branch-free: a sparse row's unpredictable branch costs more than a store
        rows[n] = r
        n += xrow[r] != 0
    return n


cdef inline Py_ssize_t _read(acc_t* acc, const uint8_t[:, ::1] cv, Scratch sc, Py_ssize_t i, Py_ssize_t n,
                             Py_ssize_t group_rows) noexcept nogil:
    """The bitline sums ``acc`` of the read of the row group of driven row ``sc.rows[i]`` (``cim_sum_rows``);
    returns the index in ``sc.rows[:n]`` after the group's last driven row."""
    cdef Py_ssize_t stop = (sc.rows[i] // group_rows + 1) * group_rows, j = i + 1
    while j < n and sc.rows[j] < stop:
        j += 1
    if acc_t is uint16_t:
        cim_sum_rows_u16(acc, &cv[0, 0], cv.shape[1], sc.rows + i, j - i, sc.zero)
    else:
        cim_sum_rows_i32(acc, &cv[0, 0], cv.shape[1], sc.rows + i, j - i, sc.zero)
    return j


def column_histogram(x, cells, Py_ssize_t group_rows, Py_ssize_t cols_per_output, refs=None, level_max=None,
                     hist=None):
    """Histogram of the absolute per-read column values of a bit-plane crossbar read (ADC calibration).

    x: uint8 (or bool) ``[P, R]`` driven rows. cells: uint8 ``[R, K]`` cell levels of ``K = outputs x
    cols_per_output`` columns, output-major (column ``k`` is cell column ``k % cols_per_output`` of its output).
    group_rows: rows per read (>= 1); a read with no driven row does not happen and is not counted. refs: optional
    int64 ``[K]`` reference level subtracted per driven row (analog offset reference). level_max: the largest cell
    level when the caller knows it (see :func:`column_histogram_sums`). hist: optional int64 C-contiguous
    ``[cols_per_output, >= bound + 1]`` that the counts are added to (and that is returned): a caller counting many
    reads into one histogram spares an allocation and an addition per call.

    Returns int64 ``[cols_per_output, bound + 1]`` (or ``hist``) with ``bound = min(group_rows, R) x max level``
    (``x max(ref, max level - ref)`` with references): entry ``[c, v]`` counts the (read, column) pairs of cell
    column ``c`` whose value ``sum(x * (cells - ref))`` has ``|value| == v``, zeros included.
    """
    return _histogram(x, cells, group_rows, cols_per_output, refs, None, 0, level_max, hist)[0]


def column_histogram_sums(x, cells, Py_ssize_t group_rows, Py_ssize_t cols_per_output, refs, col_weights,
                          int64_t offset=0, level_max=None, hist=None):
    """:func:`column_histogram` and, from the same reads, the exact shift-added bitline sums of every output.

    ``col_weights``: int64 ``[cols_per_output]`` signed significance of an output's cell columns. ``offset``:
    subtracted per driven row (the offset the cells hold). ``level_max``: the largest cell level when the caller
    knows it (``2**bits_per_cell - 1``; spares a scan of ``cells``; it sizes the histogram as ``cells.max()``
    would; a cell above it gives wrong counts, never an access out of bounds). Returns ``(hist, sums)``:
    ``hist`` as :func:`column_histogram`; ``sums`` int64 ``[P, outputs]`` = ``sum over driven rows r of
    (sum_c col_weights[c] x cells[r, output x cols_per_output + c] - offset)`` (no reference subtracted, no ADC):
    the exact product the calibration's ideal network needs, without a second pass. ``hist``: as in
    :func:`column_histogram` (the counts are added to it).
    """
    return _histogram(x, cells, group_rows, cols_per_output, refs, col_weights, offset, level_max, hist)


def _histogram(x, cells, Py_ssize_t group_rows, Py_ssize_t cols_per_output, refs, col_weights, int64_t offset=0,
               level_max=None, hist=None):
    xa = _as_uint8_matrix(x, "x")
    ca = _as_uint8_matrix(cells, "cells")
    cdef Py_ssize_t P = xa.shape[0], R = xa.shape[1], K = ca.shape[1]
    if R != ca.shape[0]:
        raise ValueError(f"column_histogram: x has {R} rows per position but cells has {ca.shape[0]} rows")
    if group_rows < 1 or cols_per_output < 1 or K % cols_per_output:
        raise ValueError(f"column_histogram: bad group_rows {group_rows} or cols_per_output {cols_per_output} "
                         f"for {K} columns")
    ra = np.zeros(K, np.int64) if refs is None else np.ascontiguousarray(refs, dtype=np.int64)
    if ra.shape[0] != K:
        raise ValueError(f"column_histogram: refs has {ra.shape[0]} entries for {K} columns")
    wa = None if col_weights is None else np.ascontiguousarray(col_weights, dtype=np.int64).reshape(-1)
    if wa is not None and wa.shape[0] != cols_per_output:
        raise ValueError(f"column_histogram: {wa.shape[0]} column weights for {cols_per_output} columns per output")
    cdef int64_t top = (int(ca.max()) if level_max is None else int(level_max)) if K and R else 0
    cdef int64_t ref_max = int(ra.max()) if K else 0
    cdef int64_t ref_min = int(ra.min()) if K else 0
    cdef int64_t span = max(top - min(ref_min, 0), max(ref_max, 0))
    cdef int64_t bound = min(group_rows, R) * span
    if bound >= 2**31:
        raise ValueError(f"column_histogram: a read value can reach {bound}, beyond the int32 accumulator")
    if hist is None:
        hist = np.zeros((cols_per_output, bound + 1), dtype=np.int64)
    elif not (isinstance(hist, np.ndarray) and hist.dtype == np.int64 and hist.ndim == 2 and hist.flags.c_contiguous
              and hist.flags.writeable and hist.shape[0] == cols_per_output and hist.shape[1] > bound):
        raise ValueError(f"column_histogram: hist must be a writable C-contiguous int64 array of shape "
                         f"({cols_per_output}, >= {bound + 1}), got {getattr(hist, 'dtype', type(hist))} "
                         f"{getattr(hist, 'shape', '')}")
    sums = None if wa is None else np.zeros((P, K // cols_per_output), dtype=np.int64)
    if P == 0 or R == 0 or K == 0:
        return hist, sums
    cdef const uint8_t[:, ::1] xv = xa
    cdef const uint8_t[:, ::1] cv = ca
    cdef const int64_t[::1] rv = ra
    cdef const int64_t* rp = &rv[0] if refs is not None else NULL  # no reference: no subtraction
    cdef int64_t[:, ::1] hv = hist
    cdef const int64_t* wp = NULL
    cdef int64_t* sp = NULL
    cdef const int64_t[::1] wv
    cdef int64_t[:, ::1] sv
    if wa is not None:
        wv = wa
        sv = sums
        wp, sp = &wv[0], &sv[0, 0]
    cdef Scratch sc = _scratch(R, K)
    try:
        # 16-bit bitline sums when a group's cannot overflow them (twice the SIMD lanes), else 32-bit
        if min(group_rows, R) * top <= 65535:
            with nogil:
                _histogram_all(xv, cv, rp, hv, group_rows, cols_per_output, sc, <uint16_t*>sc.acc, wp, sp, offset)
        else:
            with nogil:
                _histogram_all(xv, cv, rp, hv, group_rows, cols_per_output, sc, <int32_t*>sc.acc, wp, sp, offset)
    finally:
        free(sc.rows)
    return hist, sums


cdef void _histogram_all(const uint8_t[:, ::1] xv, const uint8_t[:, ::1] cv, const int64_t* rp,
                         int64_t[:, ::1] hv, Py_ssize_t group_rows, Py_ssize_t cpo, Scratch sc, acc_t* acc,
                         const int64_t* weights, int64_t* sums, int64_t offset) noexcept nogil:
    cdef Py_ssize_t P = xv.shape[0], R = xv.shape[1], K = cv.shape[1]
    cdef Py_ssize_t p, i, j, n, o
    cdef int64_t* srow = NULL
    for p in range(P):
        n = _driven(&xv[p, 0], R, sc.rows)
        if sums != NULL:
            srow = sums + p * (K // cpo)
        i = 0
        while i < n:  # one read per row group with a driven row
            j = _read(acc, cv, sc, i, n, group_rows)
            _count(hv, acc, rp, j - i, K, cpo, weights, srow)
            i = j
        if srow != NULL and offset != 0:
            for o in range(K // cpo):
                srow[o] -= offset * n


cdef inline void _count(int64_t[:, ::1] hv, const acc_t* acc, const int64_t* refs, Py_ssize_t n_group,
                        Py_ssize_t K, Py_ssize_t cpo, const int64_t* weights, int64_t* srow) noexcept nogil:
    """Count the read's column values ``acc - n_group x ref`` (``refs`` NULL: no reference) into the histogram
    and add ``acc`` shift-added per output to ``srow`` (when given)."""
    cdef Py_ssize_t c, o, stride = hv.shape[1]
    cdef int64_t v, total, top = stride - 1
    cdef int64_t* hist = &hv[0, 0]
    if srow != NULL:
        for o in range(K // cpo):
            total = 0
            for c in range(cpo):
                total += weights[c] * <int64_t>acc[o * cpo + c]
            srow[o] += total
    for o in range(K // cpo):  # (output, cell column) loops: no modulo, and the histogram row of c is fixed
        for c in range(cpo):
            v = <int64_t>acc[o * cpo + c]
            if refs != NULL:
                v -= n_group * refs[o * cpo + c]
                if v < 0:
                    v = -v
            hist[c * stride + (v if v < top else top)] += 1  # in bounds even when a caller's level_max is too small


def crossbar_adc_partial_sums(x, cells, Py_ssize_t group_rows, int64_t max_code, lsbs, col_weights,
                              int64_t offset=0, level_max=None):
    """Bit-plane crossbar read, ADC conversion per row group and shift-add of an output's cell columns, fused.

    Equal to ``sum_c crossbar_read_adc(x, cells[:, c::C], group_rows, max_code, lsbs[c]) * lsbs[c] *
    col_weights[c]`` over the ``C = len(lsbs)`` cell columns of an output, without the ``[P, K]`` code matrix:
    each group's bitline sums go through one table per cell column that holds ``code x lsb x weight``.

    Parameters
    ----------
    x:
        uint8 (or bool) ``[P, R]`` driven rows.
    cells:
        uint8 ``[R, K]`` cell levels, ``K = outputs x C`` columns ordered (output, cell column).
    group_rows:
        Rows driven together in one read (>= 1).
    max_code:
        Largest ADC code (>= 0).
    lsbs:
        int64 ``[C]`` integer LSBs (>= 1) of the cell columns, in bitline-sum units.
    col_weights:
        int64 ``[C]`` signed significance of the cell columns.
    offset:
        Subtracted from every output per driven row (the offset offset-coded cells hold).
    level_max:
        The largest cell level when the caller knows it (``2**bits_per_cell - 1``): spares a scan of ``cells``.
        A cell above it gives wrong sums, never an access out of bounds.

    Returns
    -------
    numpy.ndarray
        int64 ``[P, outputs]``: ``sum_groups sum_c min(round_half_even(s / lsb_c), max_code) x lsb_c x w_c``
        ``- offset x driven rows``.
    """
    xa = _as_uint8_matrix(x, "x")
    ca = _as_uint8_matrix(cells, "cells")
    la = np.ascontiguousarray(lsbs, dtype=np.int64).reshape(-1)
    wa = np.ascontiguousarray(col_weights, dtype=np.int64).reshape(-1)
    cdef Py_ssize_t P = xa.shape[0], R = xa.shape[1], K = ca.shape[1], C = la.shape[0]
    if R != ca.shape[0]:
        raise ValueError(f"crossbar_adc_partial_sums: x has {R} rows per position but cells has {ca.shape[0]} rows")
    if group_rows < 1 or max_code < 0 or C < 1 or wa.shape[0] != C or K % C:
        raise ValueError(f"crossbar_adc_partial_sums: bad group_rows {group_rows}, max_code {max_code} or "
                         f"{C} LSBs / {wa.shape[0]} column weights for {K} columns")
    if C and la.min() < 1:
        raise ValueError(f"crossbar_adc_partial_sums: LSBs must be integers >= 1, got {la.tolist()}")
    out = np.zeros((P, K // C), dtype=np.int64)
    if P == 0 or R == 0 or K == 0:
        return out
    cdef int64_t s_max = min(group_rows, R) * (int(ca.max()) if level_max is None else int(level_max))
    if s_max > 65535:
        raise ValueError(f"crossbar_adc_partial_sums: a group bitline sum can reach {s_max}, beyond 16 bits")
    cdef const int64_t[:, ::1] lut = _partial_table(s_max, max_code, tuple(la.tolist()), tuple(wa.tolist()))
    cdef const uint8_t[:, ::1] xv = xa
    cdef const uint8_t[:, ::1] cv = ca
    cdef int64_t[:, ::1] ov = out
    cdef Scratch sc = _scratch(R, K)
    try:
        with nogil:
            _partial_all(xv, cv, ov, lut, group_rows, sc, <uint16_t*>sc.acc, offset)
    finally:
        free(sc.rows)
    return out


_TABLES = {}  # crossbar_adc_partial_sums' tables by (largest sum, max code, LSBs, weights): reused by every read


def _partial_table(int64_t s_max, int64_t max_code, tuple lsbs, tuple weights):
    """int64 ``[C, s_max + 1]``: ``min(round_half_even(s / lsb_c), max_code) x lsb_c x w_c`` (read-only, cached)."""
    key = (s_max, max_code, lsbs, weights)
    table = _TABLES.get(key)
    if table is None:
        if len(_TABLES) >= 256:  # a bound on memory across many designs; refilled as needed
            _TABLES.clear()
        sums = np.arange(s_max + 1, dtype=np.int64)
        table = np.stack([np.minimum(np.round(sums / float(l)), max_code).astype(np.int64) * l * w
                          for l, w in zip(lsbs, weights)])
        table.flags.writeable = False
        _TABLES[key] = table
    return table


cdef void _partial_all(const uint8_t[:, ::1] xv, const uint8_t[:, ::1] cv, int64_t[:, ::1] ov,
                       const int64_t[:, ::1] lut, Py_ssize_t group_rows, Scratch sc, uint16_t* acc,
                       int64_t offset) noexcept nogil:
    cdef Py_ssize_t P = xv.shape[0], R = xv.shape[1], K = cv.shape[1], outputs = ov.shape[1]
    cdef Py_ssize_t p, i, j, n, o
    for p in range(P):
        n = _driven(&xv[p, 0], R, sc.rows)
        i = 0
        while i < n:  # one read per row group with a driven row
            j = _read(acc, cv, sc, i, n, group_rows)
            _shift_add(&ov[p, 0], acc, K, lut)
            i = j
        if offset != 0:
            for o in range(outputs):
                ov[p, o] -= offset * n


cdef inline void _shift_add(int64_t* orow, const uint16_t* acc, Py_ssize_t K,
                            const int64_t[:, ::1] lut) noexcept nogil:
    """Convert the group's bitline sums through the per-column tables and add them per output."""
    cdef Py_ssize_t C = lut.shape[0], stride = lut.shape[1], top = stride - 1, o, c
    cdef const int64_t* table = &lut[0, 0]
    cdef int64_t total
    cdef uint16_t a
    for o in range(K // C):  # (output, cell column) loops: no modulo, and the table row of c is fixed
        total = 0
        for c in range(C):
            a = acc[o * C + c]
            total += table[c * stride + (a if a < top else top)]  # in bounds even when level_max is too small
        orow[o] += total
