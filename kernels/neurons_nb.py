"""Neuron updates (Numba), one per neuron model of :mod:`cimsim.neurons`; each has a numpy twin of the same name
in :mod:`kernels.reference`, and :mod:`kernels` exports every name of ``__all__``.

Bit-for-bit identical to the model's float32 numpy step: every operand is float32 (the scalars are cast before the
call, so Numba types them float32 and never promotes to float64), the operations are done in the same order, and
``fastmath`` is off so LLVM neither reassociates nor fuses a multiply-add.
"""
from __future__ import annotations

import numba
import numpy as np

F32 = np.float32

__all__ = ["lif_update", "leaky_update", "if_update", "lif_div_update", "lif_box_update", "cuba_lif_update"]


def check_state(kernel: str, x: np.ndarray, v: np.ndarray) -> np.ndarray:
    """Validate the input ``x`` and membrane ``v`` of a neuron kernel; returns an empty uint8 spike array."""
    for name, a in (("x", x), ("v", v)):
        if not isinstance(a, np.ndarray) or a.dtype != F32 or not a.flags.c_contiguous:
            raise ValueError(f"{kernel}: {name} must be a C-contiguous float32 array")
    if x.shape != v.shape:
        raise ValueError(f"{kernel}: x {x.shape} and v {v.shape} must have the same shape")
    if not v.flags.writeable:
        raise ValueError(f"{kernel}: v must be writeable (it is updated in place)")
    return np.empty(x.shape, dtype=np.uint8)


@numba.njit(cache=True, nogil=True)
def _lif_hard(x, v, decay, r, thr, spikes):
    for i in range(x.shape[0]):
        h = v[i] + (x[i] - (v[i] - r)) * decay
        if h >= thr:
            spikes[i] = 1
            v[i] = r
        else:
            spikes[i] = 0
            v[i] = h


@numba.njit(cache=True, nogil=True)
def _lif_soft(x, v, decay, r, thr, spikes):
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for i in range(x.shape[0]):
        h = v[i] + (x[i] - (v[i] - r)) * decay
        s = h >= thr
        spikes[i] = s
        v[i] = h - (one if s else zero) * thr  # literal h - s * thr (keeps -0.0 / inf cases identical)


def lif_update(x: np.ndarray, v: np.ndarray, decay, v_reset, v_threshold, soft: bool) -> np.ndarray:
    """One LIF timestep in float32 (:class:`cimsim.neurons.LIF`); ``v`` is updated in place.

    ``h = v + (x - (v - r)) * decay``; ``s = h >= v_threshold``; hard reset ``v = s ? r : h``,
    soft reset ``v = h - s * v_threshold``.

    Parameters
    ----------
    x:
        float32 C-contiguous input current, any shape.
    v:
        float32 C-contiguous membrane, same shape as ``x``; overwritten with the new membrane.
    decay, v_reset, v_threshold:
        Scalars, cast to float32 (``decay = float32(1 / tau)``; pass ``v_reset = 0`` for a soft reset).
    soft:
        Soft reset (subtract the threshold) instead of a hard reset to ``v_reset``.

    Returns
    -------
    numpy.ndarray
        uint8 spikes (0/1), same shape as ``x``.
    """
    spikes = check_state("lif_update", x, v)
    kernel = _lif_soft if soft else _lif_hard
    kernel(x.reshape(-1), v.reshape(-1), F32(decay), F32(v_reset), F32(v_threshold), spikes.reshape(-1))
    return spikes


@numba.njit(cache=True, nogil=True)
def _leaky_subtract(x, v, beta, thr, spikes):
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for i in range(x.shape[0]):
        r = one if v[i] > thr else zero
        h = beta * v[i] + x[i] - r * thr
        spikes[i] = h > thr
        v[i] = h


@numba.njit(cache=True, nogil=True)
def _leaky_zero(x, v, beta, thr, spikes):
    one = np.float32(1.0)
    zero = np.float32(0.0)
    for i in range(x.shape[0]):
        r = one if v[i] > thr else zero
        h = beta * ((one - r) * v[i]) + x[i]
        spikes[i] = h > thr
        v[i] = h


@numba.njit(cache=True, nogil=True)
def _leaky_none(x, v, beta, thr, spikes):
    for i in range(x.shape[0]):
        h = beta * v[i] + x[i]
        spikes[i] = h > thr
        v[i] = h


def leaky_update(x: np.ndarray, v: np.ndarray, beta, threshold, mode: int) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.Leaky` in float32; ``v`` is updated in place.

    ``r = v > threshold``; ``h = beta * v + x - r * threshold`` (subtract, mode 0), ``h = beta * ((1 - r) * v) + x``
    (zero, mode 1) or ``h = beta * v + x`` (none, mode 2); ``s = h > threshold``; ``v = h``.

    Parameters
    ----------
    x, v:
        float32 C-contiguous input current and membrane, same shape; ``v`` is overwritten.
    beta, threshold:
        Scalars, cast to float32.
    mode:
        0 subtract, 1 zero, 2 none (a bool: reset to zero or not).

    Returns
    -------
    numpy.ndarray
        uint8 spikes (0/1), same shape as ``x``.
    """
    spikes = check_state("leaky_update", x, v)
    kernel = (_leaky_subtract, _leaky_zero, _leaky_none)[int(mode)]
    kernel(x.reshape(-1), v.reshape(-1), F32(beta), F32(threshold), spikes.reshape(-1))
    return spikes


@numba.njit(cache=True, nogil=True)
def _reset(h, r, thr, soft, spikes, v, i, strict=False):
    """Fire ``h >= thr`` (``h > thr`` if ``strict``) and store the reset membrane (hard: ``r``; soft: ``h - s * thr``)."""
    s = h > thr if strict else h >= thr
    spikes[i] = s
    if soft:
        v[i] = h - (np.float32(1.0) if s else np.float32(0.0)) * thr
    else:
        v[i] = r if s else h


@numba.njit(cache=True, nogil=True)
def _if(x, v, r, thr, soft, strict, spikes):
    for i in range(x.shape[0]):
        _reset(v[i] + x[i], r, thr, soft, spikes, v, i, strict)


def if_update(x: np.ndarray, v: np.ndarray, v_reset, v_threshold, soft: bool, strict: bool = False) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.IF` in float32 (``h = v + x``, fire ``h >= v_threshold`` or
    ``h > v_threshold`` when ``strict``, hard or soft reset); ``x``, ``v`` float32 C-contiguous, same shape, ``v``
    updated in place. Returns uint8 spikes."""
    spikes = check_state("if_update", x, v)
    _if(x.reshape(-1), v.reshape(-1), F32(v_reset), F32(v_threshold), bool(soft), bool(strict), spikes.reshape(-1))
    return spikes


@numba.njit(cache=True, nogil=True)
def _lif_div(x, v, tau, r, thr, decay_input, soft, spikes):
    for i in range(x.shape[0]):
        if decay_input:
            h = v[i] + (x[i] - (v[i] - r)) / tau
        else:
            h = v[i] - (v[i] - r) / tau + x[i]
        _reset(h, r, thr, soft, spikes, v, i)


def lif_div_update(x: np.ndarray, v: np.ndarray, tau, v_reset, v_threshold, decay_input: bool,
                   soft: bool) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.LIFDiv` in float32: ``h = v + (x - (v - r)) / tau`` (decay_input)
    or ``h = v - (v - r) / tau + x``; fire ``h >= v_threshold``; hard or soft reset. ``v`` updated in place.
    Returns uint8 spikes."""
    spikes = check_state("lif_div_update", x, v)
    _lif_div(x.reshape(-1), v.reshape(-1), F32(tau), F32(v_reset), F32(v_threshold), bool(decay_input), bool(soft),
             spikes.reshape(-1))
    return spikes


@numba.njit(cache=True, nogil=True)
def _lif_box(x, v, decay, vl, r, thr, spikes):
    for i in range(x.shape[0]):
        h = v[i] + decay * ((x[i] + vl) - v[i])
        s = h > thr
        spikes[i] = s
        v[i] = r if s else h


def lif_box_update(x: np.ndarray, v: np.ndarray, decay, v_leak, v_reset, v_threshold) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.LIFBox` in float32: ``h = v + decay * ((x + v_leak) - v)``, fire
    ``h > v_threshold`` (strict), hard reset to ``v_reset``. ``v`` updated in place. Returns uint8 spikes."""
    spikes = check_state("lif_box_update", x, v)
    _lif_box(x.reshape(-1), v.reshape(-1), F32(decay), F32(v_leak), F32(v_reset), F32(v_threshold), spikes.reshape(-1))
    return spikes


@numba.njit(cache=True, nogil=True)
def _cuba_lif(x, v, i, syn, mem, vl, r, thr, spikes):
    for k in range(x.shape[0]):
        c = i[k] + x[k]
        h = v[k] + mem * ((vl - v[k]) + c)
        i[k] = c - syn * c
        s = h > thr
        spikes[k] = s
        v[k] = r if s else h


def cuba_lif_update(x: np.ndarray, v: np.ndarray, i: np.ndarray, syn_decay, mem_decay, v_leak, v_reset,
                    v_threshold) -> np.ndarray:
    """One timestep of :class:`cimsim.neurons.CubaLIF` in float32; ``v`` and ``i`` updated in place.

    ``c = i + x``; ``h = v + mem_decay * ((v_leak - v) + c)``; ``i = c - syn_decay * c``; fire ``h > v_threshold``
    (strict); hard reset of ``v`` to ``v_reset``.

    Parameters
    ----------
    x, v, i:
        float32 C-contiguous input current, membrane and synaptic current, same shape; ``v``, ``i`` overwritten.
    syn_decay, mem_decay, v_leak, v_reset, v_threshold:
        Scalars, cast to float32 (the decays are ``dt / tau`` per timestep).

    Returns
    -------
    numpy.ndarray
        uint8 spikes (0/1), same shape as ``x``.
    """
    spikes = check_state("cuba_lif_update", x, v)
    check_state("cuba_lif_update", x, i)
    _cuba_lif(x.reshape(-1), v.reshape(-1), i.reshape(-1), F32(syn_decay), F32(mem_decay), F32(v_leak), F32(v_reset),
              F32(v_threshold), spikes.reshape(-1))
    return spikes
