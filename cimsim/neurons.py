"""Spiking neuron models: each declared once, as one class, and followed by every side of the project.

A neuron model is a template in three steps (SpikingJelly's ``BaseNode``: charge -> fire -> reset), per timestep,
elementwise, in float32::

    h = charge(v, x)            # the model's own equation (the only part a new model writes)
    s = fire(h)                 # h >= threshold, or h > threshold for a ``strict`` model
    v = reset(h, s)             # "hard": where(s, r, h); "soft": h - s * threshold; "none": h

``v`` is the state kept between timesteps (it starts at :attr:`NeuronModel.rest`), ``x`` the input current. A model
with more than one state variable (:attr:`NeuronModel.states`, e.g. :class:`CubaLIF`'s synaptic current) has
``charge`` take and return a tuple of them, the membrane first (only the membrane fires and resets); its stored
state is one array with the variables on a leading axis ``[n_states, ...]``.
:meth:`NeuronModel.charge` is written with plain arithmetic operators so that the same code runs on numpy arrays
(the graph's float32 semantics, :meth:`NeuronModel.step`) and on torch tensors (the torch module
:class:`neuronas.models.neuron.SpikingNeuron`, which fires through a surrogate gradient). The float32 constants it
reads (:meth:`NeuronModel.constants`) are cast once by the caller (``numpy.float32`` scalars here, 0-dim float32
tensors in torch), so both sides do the same float32 operations in the same order.

The graph node of a model has ``kind = Model.kind`` and the model's dataclass fields as attributes; the simulator
and the oracle run a model's Numba kernel (:meth:`NeuronModel.update`), whose numpy twin in
:mod:`kernels.reference` and whose equality with :meth:`NeuronModel.step` are tested.

A new neuron model is one subclass here, registered with :func:`register`, plus its kernel (``kernels/neurons_nb.py``)
and numpy twin (``kernels/reference.py``), plus its test.
"""
from __future__ import annotations

import abc
import dataclasses
from dataclasses import dataclass
from typing import Callable, ClassVar

import numpy as np

import kernels
from cimsim.errors import UserError

F32 = np.float32
RESETS = ("hard", "soft", "none")

NEURONS: dict[str, type["NeuronModel"]] = {}
"""Registered neuron models: graph node kind -> model class."""


def register(cls: type["NeuronModel"]) -> type["NeuronModel"]:
    """Class decorator: make ``cls`` a graph node kind (:data:`NEURONS`)."""
    NEURONS[cls.kind] = cls
    return cls


@dataclass(frozen=True)
class NeuronModel(abc.ABC):
    """Base of the neuron models (see the module docstring). Subclasses are frozen dataclasses whose fields are the
    graph node's attributes, and define :attr:`kind`, :meth:`constants`, :meth:`charge` and :meth:`update`."""

    kind: ClassVar[str]
    strict: ClassVar[bool] = False
    """Fire on ``h > threshold`` (else ``h >= threshold``)."""
    states: ClassVar[tuple[str, ...]] = ("v",)
    """The state variables kept between timesteps, the membrane first. Their count is the model's hardware cost
    factor: every variable is stored (``membrane_bits`` each) and updated on the LIF unit (one update each)."""

    @property
    @abc.abstractmethod
    def reset_mode(self) -> str:
        """``hard`` (to the constant ``r``), ``soft`` (subtract the constant ``thr``) or ``none``."""

    @property
    def rest(self) -> float:
        """Membrane at the start of every sample."""
        return 0.0

    @property
    def initial(self) -> tuple[float, ...]:
        """Every state variable at the start of a sample, in :attr:`states` order."""
        return (self.rest,)

    def check(self, where: str = "") -> None:
        """Raise :class:`UserError` (message prefixed by ``where``) on parameters outside the model's domain."""

    @abc.abstractmethod
    def constants(self) -> dict[str, float]:
        """The scalars :meth:`charge` and the reset read, by name (``thr`` always; ``r`` for a hard reset)."""

    @abc.abstractmethod
    def charge(self, v, x, k: dict, fired: Callable):
        """New membrane before firing, from state ``v`` and input ``x`` (numpy arrays or torch tensors).

        ``k`` holds :meth:`constants` cast to float32; ``fired(u)`` is the template's fire rule as 0/1 floats (for
        models whose reset of the previous spike is part of the charge). With several :attr:`states`, ``v`` is
        their tuple and the result is the tuple of their new values (the membrane before firing first).
        """

    @abc.abstractmethod
    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        """One timestep through the model's kernel: ``x``, ``v`` C-contiguous float32 (``v`` as :meth:`init`
        makes it); ``v`` updated in place. Returns uint8 spikes. Bit-for-bit :meth:`step`."""

    # ------------------------------------------------------------------ the template (numpy)
    @classmethod
    def from_node(cls, node: dict, where: str | None = None) -> "NeuronModel":
        """The model of a graph node's attributes (missing or bad ones raise :class:`UserError` after ``where``)."""
        where = f"{cls.kind} node: " if where is None else where
        try:
            model = cls(**{f.name: node[f.name] for f in dataclasses.fields(cls)})
        except KeyError as exc:
            raise UserError(f"{where}missing attribute {exc}") from None
        model.check(where)
        return model

    def attrs(self) -> dict:
        """The graph node's attributes."""
        return dataclasses.asdict(self)

    def f32(self) -> dict[str, np.float32]:
        return {name: F32(value) for name, value in self.constants().items()}

    def fire(self, h: np.ndarray, k: dict) -> np.ndarray:
        return h > k["thr"] if self.strict else h >= k["thr"]

    def init(self, shape: tuple) -> np.ndarray:
        """Initial state (float32): the membrane ``[*shape]``, or ``[n_states, *shape]`` with several
        :attr:`states`."""
        if len(self.states) == 1:
            return np.full(shape, self.rest, dtype=F32)
        return np.stack([np.full(shape, value, dtype=F32) for value in self.initial])

    def step(self, x: np.ndarray, v: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """One timestep in numpy float32 (the definition the kernel and the torch module follow).
        Returns ``(spikes bool, new state)`` (state as :meth:`init` makes it); ``v`` is not modified."""
        k = self.f32()
        x = x.astype(F32, copy=False)
        fired = lambda u: self.fire(u, k).astype(F32)  # noqa: E731
        if len(self.states) == 1:
            h, others = self.charge(v, x, k, fired), ()
        else:
            h, *others = self.charge(tuple(v), x, k, fired)
        s = self.fire(h, k)
        if self.reset_mode == "hard":
            h = np.where(s, k["r"], h)
        elif self.reset_mode == "soft":
            h = h - s.astype(F32) * k["thr"]
        return s, (np.stack((h, *others)) if others else h)


class _HardOrSoft(NeuronModel):
    """Shared reset rule of the models with ``v_reset``: hard reset to it, or soft (subtract the threshold) when
    it is None; the membrane starts at ``v_reset`` (0 for a soft reset)."""

    @property
    def reset_mode(self) -> str:
        return "soft" if self.v_reset is None else "hard"

    @property
    def rest(self) -> float:
        return 0.0 if self.v_reset is None else float(self.v_reset)


@register
@dataclass(frozen=True)
class LIF(_HardOrSoft):
    """Leaky integrate-and-fire with a time constant (SpikingJelly's ``LIFNode``, ``decay_input=True``)::

        h = v + (x - (v - r)) / tau     as   v + (x - (v - r)) * float32(1 / tau)

    hard reset to ``v_reset``, or a soft reset (subtract ``v_threshold``) when ``v_reset`` is None; the membrane
    starts at ``v_reset`` (0 for a soft reset).

    Attributes
    ----------
    tau: membrane time constant in timesteps (> 1). v_threshold: firing threshold. v_reset: reset value or None.
    """

    kind: ClassVar[str] = "lif"
    tau: float = 4.0 / 3.0
    v_threshold: float = 1.0
    v_reset: float | None = 0.0

    def check(self, where: str = "") -> None:
        if not float(self.tau) > 1.0:
            raise UserError(f"{where}tau={self.tau}; expected tau > 1 (timesteps)")

    def constants(self) -> dict[str, float]:
        return {"decay": 1.0 / float(self.tau), "r": self.rest, "thr": float(self.v_threshold)}

    def charge(self, v, x, k, fired):
        return v + (x - (v - k["r"])) * k["decay"]

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.lif_update(x, v, k["decay"], k["r"], k["thr"], self.reset_mode == "soft")


@register
@dataclass(frozen=True)
class Leaky(NeuronModel):
    """First-order leaky integrate-and-fire with a decay factor, as snntorch's ``Leaky`` (default ``reset_delay``)::

        r = float32(v > threshold)                  # the spike of the previous step, from the stored membrane
        h = beta * v + x - r * threshold            # reset "subtract"
        h = beta * ((1 - r) * v) + x                # reset "zero"
        s = h > threshold                           # strict

    The stored membrane is ``h`` itself: a spike's reset is applied by the next step's charge (no separate reset).
    The membrane starts at 0.

    Attributes
    ----------
    beta: membrane decay per timestep, 0..1. threshold: firing threshold. reset: ``subtract``, ``zero`` or
    ``none`` (pure integration: ``h = beta * v + x``).
    """

    kind: ClassVar[str] = "leaky"
    strict: ClassVar[bool] = True
    beta: float = 0.9
    threshold: float = 1.0
    reset: str = "subtract"

    @property
    def reset_mode(self) -> str:
        return "none"

    def check(self, where: str = "") -> None:
        if not 0.0 <= float(self.beta) <= 1.0:
            raise UserError(f"{where}beta={self.beta}; expected 0 <= beta <= 1")
        if self.reset not in ("subtract", "zero", "none"):
            raise UserError(f"{where}reset={self.reset!r}; expected 'subtract', 'zero' or 'none'")

    def constants(self) -> dict[str, float]:
        return {"beta": float(self.beta), "thr": float(self.threshold)}

    def charge(self, v, x, k, fired):
        if self.reset == "none":
            return k["beta"] * v + x
        r = fired(v)
        if self.reset == "zero":
            return k["beta"] * ((1 - r) * v) + x
        return k["beta"] * v + x - r * k["thr"]

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.leaky_update(x, v, k["beta"], k["thr"], ("subtract", "zero", "none").index(self.reset))


@register
@dataclass(frozen=True)
class IF(_HardOrSoft):
    """Integrate-and-fire (SpikingJelly's ``IFNode``; NIR's ``IF`` with ``strict``): ``h = v + x``, fire on
    ``h >= v_threshold`` (``h > v_threshold`` when ``strict``).

    Attributes
    ----------
    v_threshold: firing threshold. v_reset: reset value, or None for a soft reset. strict: fire on ``>``.
    """

    kind: ClassVar[str] = "if"
    v_threshold: float = 1.0
    v_reset: float | None = 0.0
    strict: bool = False

    def constants(self) -> dict[str, float]:
        return {"r": self.rest, "thr": float(self.v_threshold)}

    def charge(self, v, x, k, fired):
        return v + x

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.if_update(x, v, k["r"], k["thr"], self.reset_mode == "soft", bool(self.strict))


@register
@dataclass(frozen=True)
class LIFDiv(_HardOrSoft):
    """Leaky integrate-and-fire dividing by the time constant, SpikingJelly's ``LIFNode`` exactly::

        h = v + (x - (v - r)) / tau         decay_input
        h = v - (v - r) / tau + x           otherwise

    with ``r = v_reset`` (0 for a soft reset) and ``tau`` rounded to float32; fire on ``h >= v_threshold``.
    (:class:`LIF` multiplies by ``float32(1 / tau)``, which rounds differently unless ``tau`` is a power of 2.)

    Attributes
    ----------
    tau: membrane time constant in timesteps (> 1). decay_input: whether the input is divided by ``tau``.
    v_threshold: firing threshold. v_reset: reset value or None.
    """

    kind: ClassVar[str] = "lif_div"
    tau: float = 2.0
    decay_input: bool = True
    v_threshold: float = 1.0
    v_reset: float | None = 0.0

    def check(self, where: str = "") -> None:
        if not float(self.tau) > 1.0:
            raise UserError(f"{where}tau={self.tau}; expected tau > 1 (timesteps)")

    def constants(self) -> dict[str, float]:
        return {"tau": float(self.tau), "r": self.rest, "thr": float(self.v_threshold)}

    def charge(self, v, x, k, fired):
        if self.decay_input:
            return v + (x - (v - k["r"])) / k["tau"]
        return v - (v - k["r"]) / k["tau"] + x

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.lif_div_update(x, v, k["tau"], k["r"], k["thr"], bool(self.decay_input),
                                      self.reset_mode == "soft")


class _ResetToValueLeakToRest(NeuronModel):
    """Neurons that reset to ``v_reset`` (hard) and rest at ``v_leak`` (Norse's cells)."""

    @property
    def reset_mode(self) -> str:
        return "hard"

    @property
    def rest(self) -> float:
        return float(self.v_leak)


@register
@dataclass(frozen=True)
class LIFBox(_ResetToValueLeakToRest):
    """Forward-Euler leaky integrate-and-fire without a synaptic current (Norse's ``LIFBoxCell``, NIR's ``LIF``)::

        h = v + k * ((x + v_leak) - v)      k = float32(dt) * float32(1 / tau_mem), rounded to float32
        s = h > v_threshold                 (strict)
        v = where(s, v_reset, h)

    The membrane starts at ``v_leak``.

    Attributes
    ----------
    decay: ``dt / tau_mem`` per timestep, 0..1 (``dt * tau_mem_inv`` as Norse computes it in float32).
    v_leak: leak (rest) potential. v_threshold: firing threshold. v_reset: reset value.
    """

    kind: ClassVar[str] = "lif_box"
    strict: ClassVar[bool] = True
    decay: float = 0.1
    v_leak: float = 0.0
    v_threshold: float = 1.0
    v_reset: float = 0.0

    def check(self, where: str = "") -> None:
        if not 0.0 < float(self.decay) <= 1.0:
            raise UserError(f"{where}decay={self.decay}; expected 0 < dt / tau_mem <= 1")

    def constants(self) -> dict[str, float]:
        return {"decay": float(self.decay), "vl": float(self.v_leak), "r": float(self.v_reset),
                "thr": float(self.v_threshold)}

    def charge(self, v, x, k, fired):
        return v + k["decay"] * ((x + k["vl"]) - v)

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.lif_box_update(x, v, k["decay"], k["vl"], k["r"], k["thr"])


@register
@dataclass(frozen=True)
class CubaLIF(_ResetToValueLeakToRest):
    """Current-based leaky integrate-and-fire, two state variables: membrane ``v`` and synaptic current ``i``
    (Norse's ``LIFCell``, forward Euler with step ``dt``; NIR's ``CubaLIF`` through an input gain)::

        c = i + x                                   the input jumps into the current
        h = v + mem_decay * ((v_leak - v) + c)      mem_decay = float32(dt * tau_mem_inv)
        i = c - syn_decay * c                       syn_decay = float32(dt * tau_syn_inv)
        s = h > v_threshold                         (strict)
        v = where(s, v_reset, h)

    The membrane starts at ``v_leak``, the current at 0. (Norse writes the current's decay as
    ``c + (-dt * tau_syn_inv) * c``: the same float32 result, since negation is exact; its reset
    ``(1 - z) * h + z * v_reset`` equals the ``where`` for spikes ``z`` in {0, 1}.)

    Attributes
    ----------
    syn_decay: ``dt / tau_syn`` per timestep, 0..1. mem_decay: ``dt / tau_mem`` per timestep, 0..1.
    v_leak: leak (rest) potential. v_threshold: firing threshold. v_reset: reset value.
    """

    kind: ClassVar[str] = "cuba_lif"
    strict: ClassVar[bool] = True
    states: ClassVar[tuple[str, ...]] = ("v", "i")
    syn_decay: float = 0.2
    mem_decay: float = 0.1
    v_leak: float = 0.0
    v_threshold: float = 1.0
    v_reset: float = 0.0

    @property
    def initial(self) -> tuple[float, ...]:
        return (float(self.v_leak), 0.0)

    def check(self, where: str = "") -> None:
        for name in ("syn_decay", "mem_decay"):
            if not 0.0 < float(getattr(self, name)) <= 1.0:
                raise UserError(f"{where}{name}={getattr(self, name)}; expected 0 < dt / tau <= 1")

    def constants(self) -> dict[str, float]:
        return {"syn": float(self.syn_decay), "mem": float(self.mem_decay), "vl": float(self.v_leak),
                "r": float(self.v_reset), "thr": float(self.v_threshold)}

    def charge(self, v, x, k, fired):
        v, i = v
        c = i + x
        return v + k["mem"] * ((k["vl"] - v) + c), c - k["syn"] * c

    def update(self, x: np.ndarray, v: np.ndarray) -> np.ndarray:
        k = self.f32()
        return kernels.cuba_lif_update(x, v[0], v[1], k["syn"], k["mem"], k["vl"], k["r"], k["thr"])
