"""The built-in residual network: ResNet-18's layout, and a small network of the same builder simulated exactly."""
import numpy as np

import cimsim
from cimsim.functional import evaluate
from cimsim.networks import ARCHS, _build_resnet, random_spike_inputs
from cimsim.neurons import LIF

SMALL = {"input": (3, 32, 32), "stem": 8, "stages": [8, 16], "blocks": 2, "classes": 10}


def _small(seed=0):
    return _build_resnet("small_resnet", SMALL, seed, 8, 0.15, LIF(tau=4 / 3, v_threshold=1.0, v_reset=0.0), 3)


def test_resnet18_layout_and_weight_count():
    arch = ARCHS["resnet18"]
    assert arch["input"] == (3, 224, 224) and arch["stages"] == [64, 128, 256, 512] and arch["blocks"] == 2
    # the count of torchvision's resnet18 without batch norm and biases: 11,678,912 weights
    stem = 64 * 3 * 49
    blocks = sum(c_in * c * 9 + c * c * 9 + (c_in * c if c_in != c else 0)
                 for c_in, c in ((64, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 512),
                                 (512, 512)))
    assert stem + blocks + 512 * 1000 == 11_678_912


def test_small_resnet_structure():
    g = _small()
    kinds = [g.node(n)["kind"] for n in g]
    assert kinds.count("add") == 4 and kinds.count("conv") == 1 + 4 * 2 + 1  # stem, two convs per block, one projection
    assert g.node("s2b1_proj")["stride"] == (2, 2) and g.node("s2b1_add")["shape"] == (16, 4, 4)
    assert [u for u, _ in g.inputs_of("s1b2_add")] == ["s1b2b_conv", "s1b1_lif"]  # identity shortcut
    assert g.node("avgpool")["kernel"] == (4, 4)
    assert g.n_params() == 3 * 8 * 49 + 4 * 8 * 8 * 9 + 8 * 16 * 9 + 3 * 16 * 16 * 9 + 8 * 16 + 16 * 10


def test_small_resnet_simulates_exactly_with_an_ideal_adc():
    g = _small(seed=1)
    x = random_spike_inputs(g, 3, 2, 0.2, 0)
    report = cimsim.simulate(g, hw="spikesim_rram_65nm", inputs=x, ideal_adc=True, fidelity=False)
    ref = evaluate(g, x)
    for n, s in ref.spikes.items():
        np.testing.assert_array_equal(report.spikes[n], s)
    assert 0 < report.activity["spike_rate"] < 0.5
