"""Numba kernel of a crossbar read with device non-idealities (numpy twin: :func:`kernels.reference.nonideal_read_adc`).

The read noise of each (read, column) is a counter-based Gaussian: a splitmix64 hash of ``key`` and the read's
counter turned into a normal variate by the Box-Muller transform. Any batch split of the same reads gives the
same noise, and the numpy twin computes the same numbers.
"""
from __future__ import annotations

import math

import numpy as np
from numba import njit

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_M1 = np.uint64(0xBF58476D1CE4E5B9)
_M2 = np.uint64(0x94D049BB133111EB)
_LOW32 = np.uint64(0xFFFFFFFF)
_TWO32 = 4294967296.0


@njit(cache=True)
def _mix(z):
    """splitmix64 finaliser (uint64 -> uint64, wrapping arithmetic)."""
    z = (z ^ (z >> np.uint64(30))) * _M1
    z = (z ^ (z >> np.uint64(27))) * _M2
    return z ^ (z >> np.uint64(31))


@njit(cache=True)
def _normal(key, counter):
    """Standard normal variate number ``counter`` of stream ``key`` (both uint64)."""
    h = _mix(key ^ (counter * _GOLDEN))
    u1 = (float(h >> np.uint64(32)) + 0.5) / _TWO32
    u2 = (float(h & _LOW32) + 0.5) / _TWO32
    return math.sqrt(-2.0 * math.log(u1)) * math.cos(2.0 * math.pi * u2)


@njit(cache=True)
def nonideal_read_adc(x, g, gref, group_rows, c2c, lsbs, min_code, max_code, key, id0):
    """Non-ideal bit-plane crossbar reads, one ADC conversion per (row group, column), summed over the groups.

    See :func:`kernels.reference.nonideal_read_adc` for the parameters and the result.
    """
    m_rows, n_rows = x.shape
    n_cols = g.shape[1]
    n_cls = gref.shape[1]
    n_groups = (n_rows + group_rows - 1) // group_rows
    out = np.zeros((m_rows, n_cols), np.float64)
    s = np.zeros(n_cols, np.float64)
    v = np.zeros(n_cols, np.float64)
    sr = np.zeros(n_cls, np.float64)
    vr = np.zeros(n_cls, np.float64)
    ukey = np.uint64(key)
    noisy = c2c > 0.0
    for m in range(m_rows):
        for grp in range(n_groups):
            r0 = grp * group_rows
            r1 = min(n_rows, r0 + group_rows)
            driven = False
            for r in range(r0, r1):
                if x[m, r] == 0:
                    continue
                if not driven:
                    s[:] = 0.0
                    v[:] = 0.0
                    sr[:] = 0.0
                    vr[:] = 0.0
                    driven = True
                if noisy:  # the noise variance needs the squares; without noise skip them
                    for k in range(n_cols):
                        a = np.float64(g[r, k])
                        s[k] += a
                        v[k] += a * a
                else:
                    for k in range(n_cols):
                        s[k] += np.float64(g[r, k])
                for c in range(n_cls):
                    a = np.float64(gref[r, c])
                    sr[c] += a
                    vr[c] += a * a
            if not driven:  # no current, no conversion result (code 0)
                continue
            base = np.uint64(((id0 + m) * n_groups + grp) * n_cols)
            for k in range(n_cols):
                c = k % n_cls
                cur = s[k] - sr[c]
                if noisy:
                    cur += c2c * math.sqrt(v[k] + vr[c]) * _normal(ukey, base + np.uint64(k))
                code = np.rint(cur / lsbs[c])
                code = min(max(code, min_code), max_code)
                out[m, k] += code * lsbs[c]
    return out
