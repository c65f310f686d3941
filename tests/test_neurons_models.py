"""IF, LIFDiv, LIFBox and CubaLIF neuron models and Leaky's 'none' reset: kernel == numpy twin == model step == torch."""
import numpy as np
import pytest
import torch

import kernels
from cimsim.errors import UserError
from cimsim.neurons import IF, LIF, CubaLIF, LIFBox, LIFDiv, Leaky
from kernels import reference as ref
from neuronas.models import SpikingNeuron
from neuronas.models.neuron import torch_ops_only

F32 = np.float32

MODELS = [IF(), IF(v_threshold=0.7, v_reset=None), IF(v_reset=-0.2), IF(v_threshold=0.5, strict=True),
          LIFDiv(tau=3.0), LIFDiv(tau=1.7, v_reset=None), LIFDiv(tau=2.3, decay_input=False, v_reset=0.1),
          LIFBox(decay=0.1), LIFBox(decay=0.37, v_leak=0.2, v_threshold=0.8, v_reset=-0.1), Leaky(reset="none"),
          CubaLIF(), CubaLIF(syn_decay=0.7, mem_decay=0.35, v_leak=0.1, v_threshold=0.6, v_reset=-0.2),
          CubaLIF(syn_decay=1.0, mem_decay=1.0)]


def _twin_args(model):
    k = model.f32()
    if isinstance(model, IF):
        return ref.if_update, (k["r"], k["thr"], model.reset_mode == "soft", model.strict)
    if isinstance(model, LIFDiv):
        return ref.lif_div_update, (k["tau"], k["r"], k["thr"], model.decay_input, model.reset_mode == "soft")
    if isinstance(model, LIFBox):
        return ref.lif_box_update, (k["decay"], k["vl"], k["r"], k["thr"])
    if isinstance(model, CubaLIF):  # the state [2, ...]: membrane and current, both updated in place
        return (lambda x, v, *a: ref.cuba_lif_update(x, v[0], v[1], *a)), (k["syn"], k["mem"], k["vl"], k["r"], k["thr"])
    return ref.leaky_update, (k["beta"], k["thr"], 2)


@pytest.mark.parametrize("model", MODELS, ids=repr)
def test_kernel_twin_step_and_torch_bit_exact(model):
    rng = np.random.default_rng(7)
    shape = (5, 3, 4)
    x = (rng.normal(0.6, 1.2, size=(16, *shape)) * (6 if isinstance(model, LIFBox) else 1)).astype(F32)
    twin, args = _twin_args(model)
    v_fast, v_ref, v_step = model.init(shape), model.init(shape), model.init(shape)
    spikes = []
    for t in range(x.shape[0]):
        s_fast = model.update(x[t].copy(), v_fast)
        s_ref = twin(x[t].copy(), v_ref, *args)
        s_step, v_step = model.step(x[t], v_step)
        np.testing.assert_array_equal(s_fast, s_ref)
        np.testing.assert_array_equal(s_fast.astype(bool), s_step)
        assert np.array_equal(v_fast.view(np.uint32), v_ref.view(np.uint32))
        assert np.array_equal(v_fast.view(np.uint32), v_step.view(np.uint32))
        spikes.append(s_step)
    assert 0.005 < np.mean(spikes) < 0.995
    # the torch ops (an input that requires grad) and the kernel path (no gradient) give the simulator's spikes
    neuron = SpikingNeuron(model)
    xt = torch.from_numpy(x)
    assert neuron.uses_kernel(xt) and not neuron.uses_kernel(xt.clone().requires_grad_(True))
    with torch_ops_only():
        assert not neuron.uses_kernel(xt)
        np.testing.assert_array_equal(neuron(xt).numpy().astype(bool), np.stack(spikes))
    assert neuron.uses_kernel(xt)
    torch_spikes = neuron(xt.clone().requires_grad_(True)).detach().numpy().astype(bool)
    np.testing.assert_array_equal(torch_spikes, np.stack(spikes))
    np.testing.assert_array_equal(neuron(xt).numpy().astype(bool), np.stack(spikes))


@pytest.mark.parametrize("model", MODELS + [LIF(), LIF(tau=2.5, v_reset=None), Leaky(), Leaky(reset="zero")], ids=repr)
def test_kernel_path_equals_torch_ops_single_step(model):
    """Single-step neurons: the kernel path (no gradient) and the torch ops give the same spikes and membrane bit for
    bit, also when a sequence switches between them (the state passes from one path to the other)."""
    rng = np.random.default_rng(3)
    x = torch.from_numpy((rng.normal(0.5, 1.0, size=(12, 4, 6)) * (6 if isinstance(model, LIFBox) else 1)).astype(F32))
    ops, fast, mixed = (SpikingNeuron(model, step_mode="s") for _ in range(3))
    spikes = {"ops": [], "fast": [], "mixed": []}
    for t, xt in enumerate(x):
        spikes["ops"].append(ops(xt.clone().requires_grad_(True)).detach())
        spikes["fast"].append(fast(xt))
        if t % 3 == 1:  # torch ops, then the state detached (truncated backprop): the next step takes the kernel
            spikes["mixed"].append(mixed(xt.clone().requires_grad_(True)).detach())
            mixed.v = mixed.v.detach()
        else:
            spikes["mixed"].append(mixed(xt))
        assert torch.equal(ops.v.detach().view(torch.int32), fast.v.view(torch.int32))
        assert torch.equal(ops.v.detach().view(torch.int32), mixed.v.detach().view(torch.int32))
    for name in ("fast", "mixed"):
        assert torch.equal(torch.stack(spikes[name]), torch.stack(spikes["ops"]))
    assert 0.0 < torch.stack(spikes["ops"]).mean() < 1.0
    fast.reset()
    assert fast.v is None and torch.equal(fast(x[0]), spikes["ops"][0])
    kept = fast.v.clone()  # a state a caller keeps is not changed by the next step
    before = fast.v
    fast(x[1])
    assert torch.equal(before.view(torch.int32), kept.view(torch.int32))


def test_kernels_exported_and_bad_parameters():
    assert {"if_update", "lif_div_update", "lif_box_update", "cuba_lif_update"} <= set(kernels.NEURON_KERNELS)
    with pytest.raises(UserError, match="syn_decay=0.0"):
        CubaLIF.from_node({"syn_decay": 0.0, "mem_decay": 0.1, "v_leak": 0.0, "v_threshold": 1.0, "v_reset": 0.0})
    with pytest.raises(UserError, match="tau=0.5"):
        LIFDiv.from_node({"tau": 0.5, "decay_input": True, "v_threshold": 1.0, "v_reset": 0.0})
    with pytest.raises(UserError, match="decay=1.5"):
        LIFBox.from_node({"decay": 1.5, "v_leak": 0.0, "v_threshold": 1.0, "v_reset": 0.0})
