"""Hardware-aware training: the torch crossbar product (neuronas.quant.crossbar) against the simulator's chip."""
import numpy as np
import pytest
import torch

from cimsim.config.loader import load_config
from cimsim.engine.adc_calibration import adc_for_run
from cimsim.engine.counts import HostCounts
from cimsim.engine.crossbar_layer import run_layer_step
from cimsim.mapping import map_graph
from cimsim.networks import build_network, random_spike_inputs
from cimsim.ops import layer_input_rows
from neuronas.quant.crossbar import CrossbarReads, adc_product

VARIANTS = [
    {},  # the default preset: offset coding, 9 crossbars summed per ADC, calibrated 4-bit ADC
    {"adc.range": "saturate"},
    {"crossbar.signed": "differential", "adc.bits": 5},
    {"crossbar.parallel_rows": 16},
    {"crossbar.parallel_rows": 16, "pe.analog_sum": False, "adc.range": "full"},
    {"crossbar.offset_reference": "analog"},
    {"crossbar.bits_per_cell": 2, "variables.xbar": 32},
]


@pytest.mark.parametrize("overrides", VARIANTS, ids=lambda o: ",".join(f"{k}={v}" for k, v in o.items()) or "default")
def test_layer_values_equal_the_simulator(overrides):
    chip = load_config("spikesim_rram_65nm", overrides=overrides or None)
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 2, 6, 0.4, seed=1)
    mapping = map_graph(graph, chip, chip.run)
    adc = adc_for_run(mapping, x)
    from cimsim.functional import evaluate

    values = evaluate(graph, x, keep_values=True).values
    for name in mapping.order:
        lm = mapping.layers[name]
        node = graph.node(name)
        (src, delay), = graph.inputs_of(name)  # what the layer reads at timestep 1 of the ideal run
        xin = values[src][1 - delay]
        ref = run_layer_step(lm, node, xin, chip, adc, lm.wmat, HostCounts.zeros(2, xin.shape[0]), 0)
        rows = layer_input_rows(node, xin)
        spec = CrossbarReads.from_mapping(lm, chip, adc)
        got = adc_product(torch.from_numpy(rows.reshape(-1, lm.rows).astype(np.float32)),
                          torch.from_numpy(lm.wmat.astype(np.float32)), spec)
        np.testing.assert_array_equal(got.numpy().astype(np.int64), ref.reshape(-1, lm.outputs), err_msg=name)


# ------------------------------------------------------------------ a whole model with the chip in the loop
def _tiny_model(seed=0):
    from neuronas.data import spec
    from neuronas.models import build
    from neuronas.models.macro import default_config
    from neuronas.quant import enable_qat
    from neuronas.search.evaluate import calibrate_batchnorm

    torch.manual_seed(seed)
    ds = spec("digits")
    model = build("conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2", ds,
                  config=default_config(ds, channels=4, timesteps=3).__class__(channels=4, hidden=16, second_pool=False,
                                                                               dropout=0.0, timesteps=3))
    images = torch.rand(24, *model.input_shape) * 2 - 1
    calibrate_batchnorm(model, images)
    with torch.no_grad():
        for m in model.modules():  # larger weights: more spikes, so the ADC has sums to distort
            if isinstance(m, (torch.nn.Conv2d, torch.nn.Linear)):
                m.weight.mul_(3.0)
    calibrate_batchnorm(model, images)
    enable_qat(model, 8)
    model.train()
    model(images)  # records the input range
    model.eval()
    return model, images


def test_model_predictions_equal_the_chip():
    """The torch forward with the chip in the loop predicts what cimsim's chip predicts (default preset)."""
    from neuronas.models.lif import reset_states
    from neuronas.quant.hardware import HardwareAware, measure_on_chip

    model, images = _tiny_model()
    chip = load_config("spikesim_rram_65nm")
    hw = HardwareAware(model, chip, images[:8])
    with torch.no_grad():
        reset_states(model)
        float_out = model(images)
        with hw:
            reset_states(model)
            chip_out = model(images)
        reset_states(model)
        again = model(images)
    assert torch.equal(float_out, again)  # detached: the model's own forward again
    assert not torch.allclose(float_out, chip_out)  # the 4-bit ADC does change the values
    labels = np.zeros(len(images), np.int64)
    acc = measure_on_chip(model, chip, images, labels, images[:8])
    np.testing.assert_array_equal(acc.predictions[0], chip_out.argmax(1).numpy())


def test_gradients_flow_through_the_chip():
    from neuronas.models.lif import reset_states
    from neuronas.quant.hardware import HardwareAware

    model, images = _tiny_model(1)
    model.train()
    with HardwareAware(model, "spikesim_rram_65nm", images[:8]) as hw:
        hw.freeze_batchnorm()
        reset_states(model)
        loss = torch.nn.functional.cross_entropy(model(images), torch.arange(len(images)) % 10)
        loss.backward()
    grads = [p.grad for p in model.parameters() if p.grad is not None]
    assert grads and all(torch.isfinite(g).all() for g in grads)
    assert model.fc2.parametrizations.weight.original.grad.abs().sum() > 0
    assert model.stem.conv.parametrizations.weight.original.grad.abs().sum() > 0


def test_train_runs_the_last_epochs_on_the_chip():
    from torch.utils.data import DataLoader, TensorDataset

    from neuronas.train import TrainSettings, train

    model, images = _tiny_model(2)
    data = TensorDataset(images, torch.arange(len(images)) % 10)
    loaders = (DataLoader(data, batch_size=12), DataLoader(data, batch_size=24))
    s = TrainSettings(epochs=2, lr=1e-3, optimizer="adam", progress=False, hw="spikesim_rram_65nm", hw_epochs=1)
    h = train(model, loaders, s, calibration_images=images[:8])
    assert h.hardware == [False, True]
    assert not any(hasattr(m, "__dict__") and "forward" in m.__dict__ for m in model.modules())  # detached
    from cimsim.errors import UserError

    with pytest.raises(UserError, match="hw_epochs"):
        TrainSettings(epochs=2, hw="spikesim_rram_65nm", hw_epochs=3)


def test_device_noise_from_a_nonideal_section():
    from neuronas.quant.crossbar import DeviceNoise

    chip = load_config("spikesim_rram_65nm")
    assert DeviceNoise.from_chip(chip) is None  # crossbar.nonideal not enabled: no noise
    on = load_config("spikesim_rram_65nm", overrides={"crossbar.nonideal.enabled": True,
                                                      "crossbar.nonideal.d2d_sigma": 0.1,
                                                      "crossbar.nonideal.c2c_sigma": 0.05})
    noise = DeviceNoise.from_chip(on)
    assert noise.d2d_sigma == 0.1 and noise.read_sigma == 0.05
    graph = build_network("tiny", seed=3)
    mapping = map_graph(graph, chip, chip.run)
    lm = mapping.layers[mapping.order[-1]]
    spec = CrossbarReads.from_mapping(lm, chip, adc_for_run(mapping, random_spike_inputs(graph, 2, 4, 0.4, seed=1)))
    x = (torch.rand(16, lm.rows) < 0.4).float()
    w = torch.from_numpy(lm.wmat.astype(np.float32))
    runs = [adc_product(x, w, spec, noise, torch.Generator().manual_seed(s)) for s in (5, 5, 6)]
    assert torch.equal(runs[0], runs[1]) and not torch.equal(runs[0], runs[2])  # deterministic per seed
