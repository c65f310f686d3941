"""Surrogate gradients for the spiking step function.

Every surrogate is a :class:`torch.autograd.Function` whose forward is the Heaviside step
``H(x) = 1.0 if x >= 0 else 0.0`` (``x`` is ``membrane - threshold``) and whose backward is the derivative of a
smooth *primitive* ``g(x)`` that approximates the step (``g(-inf) = 0``, ``g(+inf) = 1``). ``alpha`` sets the
sharpness: the larger it is, the closer ``g`` is to the step. The primitives:

``atan``          ``g(x) = arctan(pi/2 * alpha * x) / pi + 1/2``
                  ``g'(x) = alpha / 2 / (1 + (pi/2 * alpha * x)^2)``                 (SNASNet's choice, alpha = 2)
``sigmoid``       ``g(x) = 1 / (1 + exp(-alpha * x))``
                  ``g'(x) = alpha * g(x) * (1 - g(x))``
``fast_sigmoid``  ``g(x) = alpha * x / (2 * (1 + |alpha * x|)) + 1/2``
                  ``g'(x) = alpha / (2 * (1 + |alpha * x|)^2)``
``triangle``      ``g(x) = 0`` for ``x < -1/alpha``, ``1`` for ``x > 1/alpha``, else
                  ``alpha * x - alpha^2 * x * |x| / 2 + 1/2``
                  ``g'(x) = max(0, alpha - alpha^2 * |x|)`` (a triangle of height alpha and area 1)

Use :func:`get_surrogate` to obtain a callable ``f(x) -> spikes`` bound to an ``alpha``; add a new surrogate by
subclassing :class:`SurrogateFunction` (implement ``primitive`` and ``derivative``) and registering it in
:data:`SURROGATES`.
"""
from __future__ import annotations

import math

import torch

from cimsim.errors import UserError


class SurrogateFunction(torch.autograd.Function):
    """Heaviside forward, ``derivative(x, alpha)`` backward. Subclasses define the primitive and its derivative."""

    @staticmethod
    def primitive(x: torch.Tensor, alpha: float) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def derivative(x: torch.Tensor, alpha: float) -> torch.Tensor:  # pragma: no cover - abstract
        raise NotImplementedError

    @staticmethod
    def forward(ctx, x: torch.Tensor, alpha: float) -> torch.Tensor:
        if x.requires_grad:
            ctx.save_for_backward(x)
        ctx.alpha = alpha
        return (x >= 0).to(x.dtype)

    @classmethod
    def backward(cls, ctx, grad_output: torch.Tensor):
        (x,) = ctx.saved_tensors
        return grad_output * cls.derivative(x, ctx.alpha), None


class ATan(SurrogateFunction):
    """``g(x) = arctan(pi/2 * alpha * x) / pi + 1/2``."""

    @staticmethod
    def primitive(x, alpha):
        return torch.atan(math.pi / 2 * alpha * x) / math.pi + 0.5

    @staticmethod
    def derivative(x, alpha):
        return alpha / 2 / (1 + (math.pi / 2 * alpha * x) ** 2)


class Sigmoid(SurrogateFunction):
    """``g(x) = sigmoid(alpha * x)``."""

    @staticmethod
    def primitive(x, alpha):
        return torch.sigmoid(alpha * x)

    @staticmethod
    def derivative(x, alpha):
        sg = torch.sigmoid(alpha * x)
        return alpha * sg * (1 - sg)


class FastSigmoid(SurrogateFunction):
    """``g(x) = alpha * x / (2 * (1 + |alpha * x|)) + 1/2`` (SuperSpike's fast sigmoid)."""

    @staticmethod
    def primitive(x, alpha):
        ax = alpha * x
        return ax / (2 * (1 + ax.abs())) + 0.5

    @staticmethod
    def derivative(x, alpha):
        return alpha / (2 * (1 + (alpha * x).abs()) ** 2)


class Triangle(SurrogateFunction):
    """Piecewise quadratic ``g``; its derivative is a triangle ``max(0, alpha - alpha^2 |x|)``."""

    @staticmethod
    def primitive(x, alpha):
        inner = alpha * x - alpha**2 * x * x.abs() / 2 + 0.5
        return torch.where(x < -1 / alpha, torch.zeros_like(x), torch.where(x > 1 / alpha, torch.ones_like(x), inner))

    @staticmethod
    def derivative(x, alpha):
        return (alpha - alpha**2 * x.abs()).clamp(min=0)


SURROGATES: dict[str, type[SurrogateFunction]] = {
    "atan": ATan,
    "sigmoid": Sigmoid,
    "fast_sigmoid": FastSigmoid,
    "triangle": Triangle,
}


class Surrogate:
    """A surrogate spike function bound to its sharpness: ``Surrogate("atan", 2.0)(x) -> spikes``.

    Parameters
    ----------
    name:
        Key of :data:`SURROGATES`.
    alpha:
        Sharpness (> 0), in 1 / (membrane units).
    """

    def __init__(self, name: str, alpha: float = 2.0):
        if name not in SURROGATES:
            raise UserError(f"unknown surrogate {name!r}; expected one of {', '.join(SURROGATES)}")
        if not float(alpha) > 0:
            raise UserError(f"surrogate {name!r}: alpha={alpha}; expected alpha > 0")
        self.name = name
        self.alpha = float(alpha)
        self.function = SURROGATES[name]

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return self.function.apply(x, self.alpha)

    def primitive(self, x: torch.Tensor) -> torch.Tensor:
        """The smooth function whose derivative is the backward pass."""
        return self.function.primitive(x, self.alpha)

    def __repr__(self) -> str:
        return f"Surrogate({self.name!r}, alpha={self.alpha})"


def get_surrogate(name: str, alpha: float = 2.0) -> Surrogate:
    """Return the registered surrogate ``name`` bound to ``alpha`` (unknown name -> :class:`UserError`)."""
    return Surrogate(name, alpha)
