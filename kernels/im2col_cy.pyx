# cython: boundscheck=False, wraparound=False, cdivision=True, initializedcheck=False
"""Unfolding of 8-bit conv inputs into crossbar input rows (Cython).

numpy builds the rows of a convolution as a sliding-window view and a 6-D strided copy (about 2.4 ns per byte);
the engine unfolds every crossbar layer's input twice per timestep (ADC calibration and run), so the copy is a
large part of a run. Here, one output row of positions at a time, each window row of each position (``kw``
contiguous input bytes) is copied in one move. Twin: :func:`kernels.reference.im2col_u8` (which is
:func:`cimsim.ops.im2col`'s arithmetic).
"""
import numpy as np

from libc.stdint cimport uint8_t
from libc.string cimport memcpy


def im2col_u8(x, kernel, stride, padding):
    """Rows ``[N, P, C x kh x kw]`` (ordered (c, i, j), positions row-major) of an 8-bit ``[N, C, H, W]`` input.

    Parameters
    ----------
    x:
        uint8 or int8 ``[N, C, H, W]`` (the result has its dtype; padding is 0).
    kernel, stride, padding:
        ``(kh, kw)``, ``(sh, sw)`` (>= 1) and ``(ph, pw)`` (>= 0) in elements.

    Returns
    -------
    numpy.ndarray
        ``[N, Ho x Wo, C x kh x kw]``, ``Ho = (H + 2 ph - kh) // sh + 1`` (and ``Wo`` alike).
    """
    xa = np.asarray(x)
    if xa.ndim != 4 or xa.dtype not in (np.uint8, np.int8):
        raise ValueError(f"im2col_u8: x must be a 4-D uint8 or int8 array, got {xa.dtype} {xa.shape}")
    cdef Py_ssize_t kh = kernel[0], kw = kernel[1], sh = stride[0], sw = stride[1], ph = padding[0], pw = padding[1]
    if min(kh, kw, sh, sw) < 1 or min(ph, pw) < 0:
        raise ValueError(f"im2col_u8: bad kernel {kernel}, stride {stride} or padding {padding}")
    cdef Py_ssize_t n = xa.shape[0], c = xa.shape[1]
    cdef Py_ssize_t hp = xa.shape[2] + 2 * ph, wp = xa.shape[3] + 2 * pw
    cdef Py_ssize_t ho = (hp - kh) // sh + 1 if hp >= kh else 0, wo = (wp - kw) // sw + 1 if wp >= kw else 0
    out = np.empty((n, ho * wo, c * kh * kw), dtype=xa.dtype)
    if out.size == 0:
        return out
    padded = np.zeros((n, c, hp, wp), np.uint8)  # (np.pad costs more than the unfolding of a small input)
    padded[:, :, ph : ph + xa.shape[2], pw : pw + xa.shape[3]] = xa.view(np.uint8)
    cdef const uint8_t[:, :, :, ::1] xv = padded
    cdef uint8_t[:, :, ::1] ov = out.view(np.uint8)
    with nogil:
        _unfold(xv, ov, kh, kw, sh, sw, wo)
    return out


cdef void _unfold(const uint8_t[:, :, :, ::1] xv, uint8_t[:, :, ::1] ov, Py_ssize_t kh, Py_ssize_t kw,
                  Py_ssize_t sh, Py_ssize_t sw, Py_ssize_t wo) noexcept nogil:
    # one output row of positions at a time: each (channel, i) window row of every position is the kw bytes at
    # src[ox * sw], copied in one move; the positions' rows being written (wo x C kh kw bytes) stay in cache
    cdef Py_ssize_t n, oy, ch, i, ox, rl = ov.shape[2]
    cdef uint8_t* dst
    cdef const uint8_t* src
    for n in range(ov.shape[0]):
        for oy in range(ov.shape[1] // wo):
            for ch in range(xv.shape[1]):
                for i in range(kh):
                    src = &xv[n, ch, oy * sh + i, 0]
                    dst = &ov[n, oy * wo, (ch * kh + i) * kw]
                    if kw == 3:  # the usual kernel: a fixed-size copy (two moves) per position
                        for ox in range(wo):
                            memcpy(dst + ox * rl, src + ox * sw, 3)
                    elif kw == 1:  # a 1x1 conv: one byte, no call
                        for ox in range(wo):
                            dst[ox * rl] = src[ox * sw]
                    else:
                        for ox in range(wo):
                            memcpy(dst + ox * rl, src + ox * sw, kw)
