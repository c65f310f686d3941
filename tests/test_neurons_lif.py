"""LIF neuron and surrogate-gradient contract tests."""
from __future__ import annotations

import numpy as np
import pytest
import torch

from cimsim.errors import UserError
from cimsim.neurons import LIF as LifModel
from neuronas.models import LIF, SURROGATES, get_surrogate, reset_states


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_surrogate_forward_is_heaviside(name):
    x = torch.tensor([-3.0, -1e-7, 0.0, 1e-7, 0.5, 7.0])
    s = get_surrogate(name, 2.0)(x)
    assert s.tolist() == [0.0, 0.0, 1.0, 1.0, 1.0, 1.0]
    assert s.dtype == x.dtype


@pytest.mark.parametrize("alpha", [0.7, 2.0, 5.0])
@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_surrogate_backward_is_derivative_of_primitive(name, alpha):
    sur = get_surrogate(name, alpha)
    x = torch.linspace(-2.0, 2.0, 161, dtype=torch.float64)
    # stay off the triangle's kinks, where the numerical derivative is one-sided
    x = x[((x.abs() - 1 / alpha).abs() > 1e-3) & (x.abs() > 1e-3)].requires_grad_(True)
    (grad,) = torch.autograd.grad(sur(x).sum(), x)
    eps = 1e-6
    with torch.no_grad():
        numeric = (sur.primitive(x + eps) - sur.primitive(x - eps)) / (2 * eps)
    np.testing.assert_allclose(grad.numpy(), numeric.numpy(), rtol=1e-5, atol=1e-7)
    assert grad.max() > 0


@pytest.mark.parametrize("name", sorted(SURROGATES))
def test_surrogate_primitive_limits(name):
    sur = get_surrogate(name, 2.0)
    ends = sur.primitive(torch.tensor([-1e4, 1e4], dtype=torch.float64))
    np.testing.assert_allclose(ends.numpy(), [0.0, 1.0], atol=1e-4)


def test_unknown_surrogate_is_user_error():
    with pytest.raises(UserError, match="unknown surrogate 'relu'"):
        get_surrogate("relu")
    with pytest.raises(UserError, match="tau"):
        LIF(tau=1.0)


def _reference(x: np.ndarray, tau, thr, v_reset):
    model = LifModel(tau=tau, v_threshold=thr, v_reset=v_reset)
    v = model.init(x.shape[1:])
    out = []
    for t in range(x.shape[0]):
        s, v = model.step(x[t], v)
        out.append(s)
    return np.stack(out)


@pytest.mark.parametrize("tau,thr,v_reset", [(4 / 3, 1.0, 0.0), (2.0, 0.7, None), (1.7, 0.3, -0.2), (3.0, 1.0, None)])
def test_lif_matches_simulator_bit_for_bit(tau, thr, v_reset):
    rng = np.random.default_rng(0)
    x = rng.normal(0.6, 1.2, size=(12, 64, 3, 5, 5)).astype(np.float32)
    lif = LIF(tau=tau, v_threshold=thr, v_reset=v_reset)
    s = lif(torch.from_numpy(x)).numpy()
    ref = _reference(x, tau, thr, v_reset)
    assert s.dtype == np.float32 and set(np.unique(s)) <= {0.0, 1.0}
    assert 0.05 < s.mean() < 0.95
    np.testing.assert_array_equal(s.astype(bool), ref)


def test_lif_hand_computed_hard_reset():
    # tau 2 -> decay 0.5; constant input 1.5: h1 = 0.75 (no spike), h2 = 0.75 + 0.75*0.5 = 1.125 -> spike, reset 0
    lif = LIF(tau=2.0, v_threshold=1.0, v_reset=0.0)
    s = lif(torch.full((4, 1), 1.5))
    assert s.flatten().tolist() == [0.0, 1.0, 0.0, 1.0]
    soft = LIF(tau=2.0, v_threshold=1.0, v_reset=None)
    # soft: h2 = 1.125 -> v = 0.125; h3 = 0.125 + (1.5 - 0.125)/2 = 0.8125; h4 = 0.8125 + 0.34375 = 1.15625
    assert soft(torch.full((4, 1), 1.5)).flatten().tolist() == [0.0, 1.0, 0.0, 1.0]
    _, v = soft.step(torch.tensor([1.5]), torch.tensor([0.75]))
    assert v.item() == pytest.approx(0.125)


def test_lif_state_resets_between_calls_and_single_step_mode_agrees():
    x = torch.rand(6, 4, 10) * 2
    lif = LIF()
    first = lif(x)
    assert torch.equal(lif(x), first)
    single = LIF(step_mode="s")
    steps = torch.stack([single(x[t]) for t in range(6)])
    assert torch.equal(steps, first)
    reset_states(single)
    assert single.v is None
    with pytest.raises(RuntimeError, match="reset"):
        single(x[0])
        single(x[0, :2])


def test_lif_gradient_flows_through_time_and_forward_hook_sees_spikes():
    lif = LIF()
    seen = []
    lif.register_forward_hook(lambda m, i, o: seen.append(o.detach().clone()))
    x = (torch.rand(5, 3, 8) * 2).requires_grad_(True)
    s = lif(x)
    s.sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0
    # input at t=0 influences later timesteps through the membrane
    assert x.grad[0].abs().sum() > 0
    assert len(seen) == 1 and torch.equal(seen[0], s.detach())


def test_detach_reset_changes_gradient_only():
    torch.manual_seed(1)
    x = (torch.rand(6, 2, 16) * 2).requires_grad_(True)
    grads, outs = [], []
    for detach in (True, False):
        x.grad = None
        s = LIF(detach_reset=detach)(x)
        s.sum().backward()
        grads.append(x.grad.clone())
        outs.append(s.detach())
    assert torch.equal(outs[0], outs[1])
    assert not torch.allclose(grads[0], grads[1])
