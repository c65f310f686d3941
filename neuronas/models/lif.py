"""Leaky integrate-and-fire neuron (multi-step, surrogate gradients), bit-exact with the simulator.

The arithmetic is the ``lif`` node of :mod:`cimsim.graph`, float32, elementwise, in this order::

    decay = float32(1 / tau);  r = float32(v_reset or 0.0)
    h = v + (x - (v - r)) * decay           # charge
    s = H(h - v_threshold)                  # fire (Heaviside forward, surrogate backward)
    v = h * (1 - s) + r * s                 # hard reset (v_reset is a float)
    v = h - s * v_threshold                 # soft reset (v_reset is None)

where the ``s`` used in the reset is ``s.detach()`` when ``detach_reset``. With ``s`` in {0, 1} the hard reset
gives exactly ``where(s, r, h)``, and ``(h - thr) >= 0`` equals ``h >= thr`` in float32 (the sign of a rounded
difference is exact), so the simulator (numpy) reproduces these spikes bit for bit.

Observing spikes (for the SAHD score): register a standard ``forward`` hook on every :class:`LIF` module.
The hook's ``output`` is the spike tensor of the call: ``[T, N, ...]`` in multi-step mode (all timesteps of the
sample batch at once) or ``[N, ...]`` once per timestep in single-step mode. :meth:`LIF.step` is a pure helper
and does not run hooks.
"""
from __future__ import annotations

import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.models.surrogate import get_surrogate


class LIF(nn.Module):
    """Leaky integrate-and-fire neurons with a surrogate-gradient spike function.

    Parameters
    ----------
    tau:
        Membrane time constant in timesteps (> 1); the leak factor is ``1 / tau``. SNASNet: 4/3.
    v_threshold:
        Firing threshold (membrane units).
    v_reset:
        Value the membrane is set to after a spike (hard reset); ``None`` -> soft reset (subtract the threshold).
        The membrane starts at ``v_reset`` (or 0 for a soft reset) for every sample.
    surrogate:
        Name of a registered surrogate (:data:`neuronas.models.surrogate.SURROGATES`).
    alpha:
        Surrogate sharpness.
    detach_reset:
        Do not backpropagate through the reset.
    step_mode:
        ``"m"`` (default): ``forward(x)`` takes ``[T, N, ...]`` and returns spikes ``[T, N, ...]``, starting from
        the reset membrane at every call (no state kept between calls).
        ``"s"``: ``forward(x)`` takes one timestep ``[N, ...]`` and keeps the membrane in ``self.v`` between calls
        (needed when a recurrent cell loops over time itself); call :meth:`reset` (or :func:`reset_states`)
        before every new sample batch.
    """

    decay_input = True

    def __init__(
        self,
        tau: float = 4.0 / 3.0,
        v_threshold: float = 1.0,
        v_reset: float | None = 0.0,
        surrogate: str = "atan",
        alpha: float = 2.0,
        detach_reset: bool = True,
        step_mode: str = "m",
    ):
        super().__init__()
        if not float(tau) > 1.0:
            raise UserError(f"LIF: tau={tau}; expected tau > 1 (timesteps)")
        if step_mode not in ("m", "s"):
            raise UserError(f"LIF: step_mode={step_mode!r}; expected 'm' (multi-step) or 's' (single-step)")
        self.tau = float(tau)
        self.v_threshold = float(v_threshold)
        self.v_reset = None if v_reset is None else float(v_reset)
        self.surrogate = get_surrogate(surrogate, alpha)
        self.detach_reset = bool(detach_reset)
        self.step_mode = step_mode
        # float32 0-dim tensors (not python floats) so the arithmetic is float32 exactly as the simulator's.
        self.register_buffer("decay", torch.tensor(1.0 / self.tau, dtype=torch.float32), persistent=False)
        self.register_buffer("r", torch.tensor(self.v_reset or 0.0, dtype=torch.float32), persistent=False)
        self.register_buffer("thr", torch.tensor(self.v_threshold, dtype=torch.float32), persistent=False)
        self.v: torch.Tensor | None = None

    def initial_membrane(self, like: torch.Tensor) -> torch.Tensor:
        """Membrane at the start of a sample: ``r`` everywhere, shape and dtype of ``like`` (one timestep)."""
        return torch.full_like(like, 0.0) + self.r

    def step(self, x: torch.Tensor, v: torch.Tensor | None = None) -> tuple[torch.Tensor, torch.Tensor]:
        """One timestep: input current ``x`` [N, ...] and membrane ``v`` (None -> reset value).

        Returns
        -------
        spikes, membrane:
            Float 0/1 spikes and the membrane after reset, both shaped like ``x``.
        """
        if v is None:
            v = self.initial_membrane(x)
        h = v + (x - (v - self.r)) * self.decay
        s = self.surrogate(h - self.thr)
        s_r = s.detach() if self.detach_reset else s
        if self.v_reset is None:
            v = h - s_r * self.thr
        else:
            v = h * (1 - s_r) + self.r * s_r
        return s, v

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        if self.step_mode == "s":
            if self.v is not None and self.v.shape != x.shape:
                raise RuntimeError(
                    f"LIF single-step input shape {tuple(x.shape)} differs from the stored membrane "
                    f"{tuple(self.v.shape)}; call reset() before a new batch"
                )
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
        return (
            f"tau={self.tau:.4g}, v_threshold={self.v_threshold}, v_reset={self.v_reset}, "
            f"surrogate={self.surrogate.name}(alpha={self.surrogate.alpha}), detach_reset={self.detach_reset}, "
            f"step_mode={self.step_mode!r}"
        )


def reset_states(model: nn.Module) -> None:
    """Reset the single-step membrane of every :class:`LIF` in ``model``."""
    for m in model.modules():
        if isinstance(m, LIF):
            m.reset()
