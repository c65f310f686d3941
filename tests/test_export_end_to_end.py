"""Issue acceptance: genotype string -> model -> train on digits -> quantize -> export -> cimsim.simulate
(ideal ADC) gives the torch model's output spikes and predictions bit for bit on 8 test samples."""
import numpy as np
import pytest
import torch

import cimsim
from cimsim.functional import evaluate
from neuronas.data import load_dataset, spec
from neuronas.export import collect_spikes, export, to_inputs
from neuronas.models import build
from neuronas.quant import quantize
from neuronas.train import evaluate as accuracy
from neuronas.train import TrainSettings, train

GENOTYPE = "conv3x3~0|conv1x1~0,skip~1|conv3x3~0,conv1x1<1,conv1x1~2"  # has a backward (delayed) edge 3 -> 1


@pytest.mark.slow
def test_genotype_to_simulator_bit_exact_on_digits():
    torch.manual_seed(0)
    model = build(GENOTYPE, spec("digits"), channels=16, timesteps=5)
    train_set = load_dataset("digits", split="train", seed=0)
    test_set = load_dataset("digits", split="test", seed=0)
    loaders = (torch.utils.data.DataLoader(train_set, batch_size=64, shuffle=True,
                                           generator=torch.Generator().manual_seed(0)),
               torch.utils.data.DataLoader(test_set, batch_size=256))
    hist = train(model, loaders, TrainSettings(epochs=3, lr=5e-3, optimizer="adam", progress=False, seed=0, threads=1))
    assert hist.test_acc[-1] >= 0.85

    calib = torch.stack([train_set[i][0] for i in range(256)])
    dep = quantize(model.eval(), bits=8, calibration=calib)
    assert accuracy(dep, loaders[1]) >= hist.test_acc[-1] - 0.05  # 8-bit deploy model keeps the accuracy

    images = torch.stack([test_set[i][0] for i in range(8)])
    graph = export(dep, images)
    spikes, outputs = collect_spikes(dep, images)
    torch_pred = dep.scores(torch.from_numpy(outputs)).mean(0).argmax(-1).numpy()
    with torch.no_grad():
        assert np.array_equal(dep(images).argmax(-1).numpy(), torch_pred)

    inputs = to_inputs(dep, images)
    report = cimsim.simulate(graph, hw="spikesim_rram_65nm", inputs=inputs, ideal_adc=True)
    out_lif = graph.lif_nodes()[-1]
    assert np.array_equal(report.spikes[out_lif], spikes[out_lif])
    for name, s in report.spikes.items():
        assert np.array_equal(s, spikes[name]), name
    assert np.array_equal(report.outputs, outputs)
    assert np.array_equal(report.predictions, torch_pred)
    assert np.array_equal(evaluate(graph, inputs).predictions, torch_pred)
