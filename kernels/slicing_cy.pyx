# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Weight bit slicing into crossbar cell levels (Cython).

A layer's weight matrix ``[R, C]`` is usually a transposed view of the stored weight (``weight.reshape(C, -1).T``),
while the crossbar kernels read cell levels row by row, ``[R, C x parts x slices]`` row-major: the slicing is a
transpose. Done in numpy it costs a strided pass per slice (about a dense forward of vgg9 on the first run of a
network); here one pass in cache-sized tiles writes each cell once. 8-bit weights (the common case) are sliced
through a table of the 256 byte values' cell levels: a copy of ``parts x slices`` bytes per weight, read straight
from the 8-bit matrix (no widening copy). Twin: :func:`kernels.reference.slice_cells`.
"""
import numpy as np

from libc.stdint cimport int32_t, int64_t, uint8_t
from libc.string cimport memcpy

cdef enum:
    TILE = 64  # weights per tile side


def slice_cells(w, Py_ssize_t bits_per_cell, Py_ssize_t slices, bint differential, int64_t offset):
    """Cell levels of a signed integer weight matrix.

    Parameters
    ----------
    w:
        Integer ``[R, C]`` weights (any integer dtype and strides; values must fit int32).
    bits_per_cell:
        Bits stored per cell (1 .. 8).
    slices:
        Cells per weight magnitude (>= 1), slice 0 the least significant.
    differential:
        True: two column sets per output, ``max(w, 0)`` then ``max(-w, 0)``; False: one set holding ``w + offset``.
    offset:
        Added to every weight when not ``differential`` (``2**(bits-1)``); ignored otherwise.

    Returns
    -------
    numpy.ndarray
        uint8 ``[R, C x parts x slices]``, columns ordered (output, part, slice): slice ``k`` of a part value ``v``
        is ``(v >> (k x bits_per_cell)) & (2**bits_per_cell - 1)``.
    """
    if not 1 <= bits_per_cell <= 8 or slices < 1:
        raise ValueError(f"slice_cells: bad bits_per_cell {bits_per_cell} or slices {slices}")
    wa = np.asarray(w)
    if wa.ndim != 2 or not np.issubdtype(wa.dtype, np.integer):
        raise ValueError(f"slice_cells: w must be a 2-D integer array, got {wa.dtype} {wa.shape}")
    if wa.dtype.itemsize != 1:
        return _sliced(wa, bits_per_cell, slices, differential, offset)
    table = _sliced(np.arange(256, dtype=np.uint8).view(wa.dtype).reshape(256, 1), bits_per_cell, slices,
                    differential, offset)  # row b: the cells of the weight whose byte is b
    cdef Py_ssize_t R = wa.shape[0], C = wa.shape[1], per = table.shape[1]
    out = np.empty((R, C * per), dtype=np.uint8)
    if R == 0 or C == 0:
        return out
    cdef const uint8_t[:, :] wv = wa.view(np.uint8)  # same strides: a transposed view stays column-major
    cdef const uint8_t[:, ::1] tv = table
    cdef uint8_t[:, ::1] ov = out
    with nogil:
        _lookup_all(wv, tv, ov)
    return out


def _sliced(wa, Py_ssize_t bits_per_cell, Py_ssize_t slices, bint differential, int64_t offset):
    """:func:`slice_cells` of any integer ``[R, C]`` weights, computed per weight."""
    w32 = wa.astype(np.int32, copy=False)  # keeps the layout (a transposed view stays column-major)
    cdef Py_ssize_t parts = 2 if differential else 1
    cdef Py_ssize_t R = w32.shape[0], C = w32.shape[1], per = parts * slices
    out = np.empty((R, C * per), dtype=np.uint8)
    if R == 0 or C == 0:
        return out
    cdef const int32_t[:, :] wv = w32
    cdef uint8_t[:, ::1] ov = out
    with nogil:
        _slice_all(wv, ov, bits_per_cell, slices, differential, offset)
    return out


cdef void _lookup_all(const uint8_t[:, :] wv, const uint8_t[:, ::1] table, uint8_t[:, ::1] ov) noexcept nogil:
    """``ov[r, c*per : (c+1)*per] = table[wv[r, c]]`` in tiles (see :func:`_slice_all`)."""
    cdef Py_ssize_t R = wv.shape[0], C = wv.shape[1], per = table.shape[1], tr, tc, r0, c0, r, c
    cdef uint8_t* dst
    for tr in range((R + TILE - 1) // TILE):
        r0 = tr * TILE
        for tc in range((C + TILE - 1) // TILE):
            c0 = tc * TILE
            for r in range(r0, min(r0 + TILE, R)):
                dst = &ov[r, c0 * per]
                for c in range(c0, min(c0 + TILE, C)):
                    _copy(dst, &table[wv[r, c], 0], per)
                    dst += per


cdef inline void _copy(uint8_t* dst, const uint8_t* src, Py_ssize_t n) noexcept nogil:
    """Copy ``n`` bytes; the sizes of the usual layouts as one move each (a fixed-size memcpy)."""
    cdef Py_ssize_t k
    if n == 2:
        memcpy(dst, src, 2)
    elif n == 8:
        memcpy(dst, src, 8)
    elif n == 4:
        memcpy(dst, src, 4)
    else:
        for k in range(n):
            dst[k] = src[k]


cdef void _slice_all(const int32_t[:, :] wv, uint8_t[:, ::1] ov, Py_ssize_t bpc, Py_ssize_t slices,
                     bint differential, int64_t offset) noexcept nogil:
    cdef Py_ssize_t R = wv.shape[0], C = wv.shape[1], parts = 2 if differential else 1
    cdef Py_ssize_t per = parts * slices, tr, tc, r0, c0, r, c, r1, c1
    cdef int64_t v, mask = (1 << bpc) - 1
    cdef uint8_t* orow
    # tiles of TILE x TILE weights: the reads along one axis and the writes along the other stay in cache
    for tr in range((R + TILE - 1) // TILE):
        r0 = tr * TILE
        r1 = min(r0 + TILE, R)
        for tc in range((C + TILE - 1) // TILE):
            c0 = tc * TILE
            c1 = min(c0 + TILE, C)
            for r in range(r0, r1):
                orow = &ov[r, 0]
                for c in range(c0, c1):
                    v = wv[r, c]
                    if differential:
                        _put(orow + c * per, v if v > 0 else 0, bpc, slices, mask)
                        _put(orow + c * per + slices, -v if v < 0 else 0, bpc, slices, mask)
                    else:
                        _put(orow + c * per, v + offset, bpc, slices, mask)


cdef inline void _put(uint8_t* dst, int64_t v, Py_ssize_t bpc, Py_ssize_t slices, int64_t mask) noexcept nogil:
    cdef Py_ssize_t k
    for k in range(slices):
        dst[k] = <uint8_t>((v >> (k * bpc)) & mask)
