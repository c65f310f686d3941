"""IF, LIFDiv, LIFBox and CubaLIF neuron models and Leaky's 'none' reset: kernel == numpy twin == model step == torch."""
import numpy as np
import pytest
import torch

import kernels
from cimsim.errors import UserError
from cimsim.neurons import IF, CubaLIF, LIFBox, LIFDiv, Leaky
from kernels import reference as ref
from neuronas.models import SpikingNeuron

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
    torch_spikes = SpikingNeuron(model)(torch.from_numpy(x)).numpy().astype(bool)
    np.testing.assert_array_equal(torch_spikes, np.stack(spikes))


def test_kernels_exported_and_bad_parameters():
    assert {"if_update", "lif_div_update", "lif_box_update", "cuba_lif_update"} <= set(kernels.NEURON_KERNELS)
    with pytest.raises(UserError, match="syn_decay=0.0"):
        CubaLIF.from_node({"syn_decay": 0.0, "mem_decay": 0.1, "v_leak": 0.0, "v_threshold": 1.0, "v_reset": 0.0})
    with pytest.raises(UserError, match="tau=0.5"):
        LIFDiv.from_node({"tau": 0.5, "decay_input": True, "v_threshold": 1.0, "v_reset": 0.0})
    with pytest.raises(UserError, match="decay=1.5"):
        LIFBox.from_node({"decay": 1.5, "v_leak": 0.0, "v_threshold": 1.0, "v_reset": 0.0})
