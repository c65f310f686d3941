"""Torch side of the neuron models of :mod:`cimsim.neurons`: one module class for all of them.

:class:`SpikingNeuron` runs a model's charge -> fire -> reset template on tensors (multi-step ``[T, N, ...]`` or
single-step ``[N, ...]``) with the *same* ``charge`` code as the graph's numpy step, float32 constants held as 0-dim
float32 buffers, and firing through a surrogate gradient (Heaviside forward)::

    h = model.charge(v, x)
    s = H(h - thr)                   (or 1 - H(thr - h) = [h > thr] for a strict model)
    v = h * (1 - s) + r * s          hard reset (exactly where(s, r, h) for s in {0, 1})
    v = h - s * thr                  soft reset
    v = h                            no reset

with ``s.detach()`` in the reset when ``detach_reset``. ``(h - thr) >= 0`` equals ``h >= thr`` in float32 (the sign
of a rounded difference is exact), so the simulator reproduces these spikes bit for bit. Exporters ask a module
for its graph node with :meth:`SpikingNeuron.graph_node`; any module of this class (or a subclass such as
:class:`neuronas.models.lif.LIF`) is a spiking neuron to them.

A model with several state variables (``model.states``, e.g. :class:`cimsim.neurons.CubaLIF`) keeps them stacked on a
leading axis ``[n_states, N, ...]``; its charge returns them all, and only the membrane (the first) fires and resets.

Where no gradient flows (a float32 CPU input that does not require grad: SAHD scoring, batch-norm calibration,
evaluation), :meth:`SpikingNeuron.forward` runs the model's compiled kernel instead
(:meth:`cimsim.neurons.NeuronModel.update`, the simulator's): one pass over the neurons per timestep, the same spikes
and membrane bit for bit (:func:`torch_ops_only` turns it off).

Observing spikes (for the SAHD score): register a standard ``forward`` hook. The hook's ``output`` is the spike
tensor of the call: ``[T, N, ...]`` in multi-step mode or ``[N, ...]`` once per timestep in single-step mode.
:meth:`SpikingNeuron.step` is a pure helper and does not run hooks.
"""
from __future__ import annotations

from contextlib import contextmanager

import numpy as np
import torch
from torch import nn

from cimsim.errors import UserError
from cimsim.neurons import NeuronModel
from neuronas.models.surrogate import get_surrogate


class SpikingNeuron(nn.Module):
    """A layer of spiking neurons following ``dynamics``.

    Parameters
    ----------
    dynamics:
        The neuron model (:mod:`cimsim.neurons`, e.g. ``cimsim.neurons.LIF(tau=2.0)``).
    surrogate:
        Name of a registered surrogate (:data:`neuronas.models.surrogate.SURROGATES`).
    alpha:
        Surrogate sharpness.
    detach_reset:
        Do not backpropagate through the reset.
    step_mode:
        ``"m"`` (default): ``forward(x)`` takes ``[T, N, ...]`` and returns spikes ``[T, N, ...]``, starting from
        the rest membrane at every call (no state kept between calls).
        ``"s"``: ``forward(x)`` takes one timestep ``[N, ...]`` and keeps the membrane in ``self.v`` between calls
        (needed when a recurrent cell loops over time itself); call :meth:`reset` (or :func:`reset_states`)
        before every new sample batch.
    """

    def __init__(self, dynamics: NeuronModel, surrogate: str = "atan", alpha: float = 2.0, detach_reset: bool = True,
                 step_mode: str = "m"):
        super().__init__()
        dynamics.check(f"{type(self).__name__}: ")
        if step_mode not in ("m", "s"):
            raise UserError(f"{type(self).__name__}: step_mode={step_mode!r}; expected 'm' (multi-step) or 's' (single-step)")
        self.dynamics = dynamics
        self.surrogate = get_surrogate(surrogate, alpha)
        self.detach_reset = bool(detach_reset)
        self.step_mode = step_mode
        # float32 0-dim tensors (not python floats) so the arithmetic is float32 exactly as the simulator's
        self._names = tuple(dynamics.constants())
        for name, value in dynamics.constants().items():
            self.register_buffer(name, torch.tensor(value, dtype=torch.float32), persistent=False)
        self.register_buffer("rest", torch.tensor(dynamics.rest, dtype=torch.float32), persistent=False)
        self.register_buffer("initial", torch.tensor(dynamics.initial, dtype=torch.float32), persistent=False)
        self.v: torch.Tensor | None = None
        """Single-step state: the membrane, or every state variable stacked ``[n_states, N, ...]``."""

    def graph_node(self) -> tuple[str, dict]:
        """The graph node kind and attributes of these neurons (what the exporters write)."""
        return self.dynamics.kind, self.dynamics.attrs()

    def initial_membrane(self, like: torch.Tensor) -> torch.Tensor:
        """State at the start of a sample: the model's rest value, shape and dtype of ``like`` (one timestep), or
        with several state variables their initial values ``[n_states, *like.shape]``."""
        if len(self.dynamics.states) == 1:
            return torch.full_like(like, 0.0) + self.rest
        return torch.zeros((len(self.initial), *like.shape), dtype=like.dtype, device=like.device) + \
            self.initial.view(-1, *([1] * like.dim()))

    def fire(self, u: torch.Tensor, k: dict) -> torch.Tensor:
        """0/1 spikes of membrane ``u`` (Heaviside forward, surrogate backward)."""
        if self.dynamics.strict:
            return 1 - self.surrogate(k["thr"] - u)
        return self.surrogate(u - k["thr"])

    def step(self, x: torch.Tensor, v: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One timestep: input current ``x`` [N, ...] and state ``v`` (None -> initial values).

        Returns
        -------
        spikes, state:
            Float 0/1 spikes shaped like ``x``, and the membrane after reset shaped like ``x`` (every state
            variable ``[n_states, *x.shape]`` for a model with several).
        """
        if v is None:
            v = self.initial_membrane(x)
        k = {name: getattr(self, name) for name in self._names}

        def fired(u: torch.Tensor) -> torch.Tensor:
            s = self.fire(u, k)
            return s.detach() if self.detach_reset else s

        several = len(self.dynamics.states) > 1
        h = self.dynamics.charge(tuple(v.unbind(0)) if several else v, x, k, fired)
        h, others = (h[0], h[1:]) if several else (h, ())
        s = self.fire(h, k)
        s_r = s.detach() if self.detach_reset else s
        mode = self.dynamics.reset_mode
        if mode == "hard":
            v = h * (1 - s_r) + k["r"] * s_r
        elif mode == "soft":
            v = h - s_r * k["thr"]
        else:
            v = h
        return s, (torch.stack((v, *others)) if several else v)

    def uses_kernel(self, x: torch.Tensor) -> bool:
        """Whether ``forward(x)`` runs the model's compiled kernel (:meth:`cimsim.neurons.NeuronModel.update`, the
        simulator's, bit for bit the torch step) instead of the torch ops: a float32 CPU input that no gradient
        flows through (``torch.no_grad``, or an input that does not require grad), as in scoring, batch-norm
        calibration and evaluation. One pass over the neurons per timestep instead of about ten tensor ops."""
        return (_KERNELS_ON[0] and x.device.type == "cpu" and x.dtype == torch.float32 and not x.requires_grad
                and (self.v is None or not self.v.requires_grad))

    def _kernel_forward(self, x: torch.Tensor) -> torch.Tensor:
        """:meth:`forward` through the model's kernel (see :meth:`uses_kernel`): the same spikes and membrane."""
        dyn = self.dynamics
        xs = x.detach().contiguous().numpy()
        if self.step_mode == "s":
            # a new state tensor every step, as the torch ops make (a caller may keep the previous one)
            v = dyn.init(xs.shape) if self.v is None else np.array(self.v.detach().numpy(), np.float32, order="C")
            spikes = torch.from_numpy(dyn.update(xs, v)).to(torch.float32)
            self.v = torch.from_numpy(v)
            return spikes
        v = dyn.init(xs.shape[1:])
        out = torch.empty(xs.shape, dtype=torch.float32)
        for t in range(xs.shape[0]):
            out[t] = torch.from_numpy(dyn.update(xs[t], v))
        return out

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        states = len(self.dynamics.states)
        if self.step_mode == "s" and self.v is not None and self.v.shape != ((states,) if states > 1 else ()) + x.shape:
            raise RuntimeError(
                f"{type(self).__name__} single-step input shape {tuple(x.shape)} differs from the stored membrane "
                f"{tuple(self.v.shape)}; call reset() before a new batch"
            )
        if self.uses_kernel(x):
            return self._kernel_forward(x)
        if self.step_mode == "s":
            s, self.v = self.step(x, self.v)
            return s
        v = None
        spikes = []
        for t in range(x.shape[0]):
            s, v = self.step(x[t], v)
            spikes.append(s)
        return torch.stack(spikes)

    def reset(self) -> None:
        """Forget the single-step membrane (start of a new sample batch)."""
        self.v = None

    def extra_repr(self) -> str:
        params = ", ".join(f"{k}={v:.4g}" if isinstance(v, float) else f"{k}={v!r}" for k, v in self.dynamics.attrs().items())
        return (f"{self.dynamics.kind}({params}), surrogate={self.surrogate.name}(alpha={self.surrogate.alpha}), "
                f"detach_reset={self.detach_reset}, step_mode={self.step_mode!r}")


_KERNELS_ON = [True]


@contextmanager
def torch_ops_only():
    """Within this context every :class:`SpikingNeuron` runs its torch ops, never the compiled kernel (the same
    spikes, slower): to time code the way a project whose neurons are torch ops runs it (the SNASNet baseline of
    ``benchmarks/bench_search.py``)."""
    saved = _KERNELS_ON[0]
    _KERNELS_ON[0] = False
    try:
        yield
    finally:
        _KERNELS_ON[0] = saved


def reset_states(model: nn.Module) -> None:
    """Reset the single-step membrane of every :class:`SpikingNeuron` in ``model``."""
    for m in model.modules():
        if isinstance(m, SpikingNeuron):
            m.reset()
