"""The demo's robustness figure: the chosen network's on-chip accuracy as device variation and ADC bits change."""
import json

import torch

from neuronas.demo import robustness_figure
from neuronas.search.evaluate import Evaluator
from neuronas.search.settings import SearchSettings

GENOTYPE = "conv3x3~0|skip~0,conv1x1~1|conv3x3~0,zeroize~1,skip~2"


def test_sweep_writes_json_and_figure(tmp_path):
    from neuronas.quant import enable_qat

    settings = SearchSettings(dataset="digits", hw="spikesim_rram_65nm", out=str(tmp_path), seed=0)
    ev = Evaluator(settings)
    torch.manual_seed(0)
    model = ev.build(GENOTYPE)
    enable_qat(model, settings.weight_bits)
    torch.save(model.state_dict(), tmp_path / "best.pt")
    fig = robustness_figure(settings, {"genotype": GENOTYPE, "checkpoint": str(tmp_path / "best.pt")},
                            sweeps=(("crossbar.nonideal.d2d_sigma", (0.0, 0.3)), ("adc.bits", (4, 8))), chips=2)
    assert fig is not None and fig.is_file() and fig.name == "robustness.png"
    data = json.loads((tmp_path / "robustness.json").read_text())
    assert data["samples"] == ev.test_size == 360
    (dev, adc) = data["sweeps"]
    assert [p["value"] for p in dev["points"]] == [0.0, 0.3] and [p["value"] for p in adc["points"]] == [4, 8]
    # random device spread: two chip instances; the ADC sweep has ideal devices, one instance
    assert len(dev["points"][1]["per_chip"]) == 2 and len(adc["points"][0]["per_chip"]) == 1
    # the same deployed network everywhere: one ideal accuracy; an 8-bit ADC changes fewer spikes than a 4-bit one
    assert len({p["ideal_accuracy"] for s in data["sweeps"] for p in s["points"]}) == 1
    assert adc["points"][1]["spike_change_rate"] < adc["points"][0]["spike_change_rate"]
    assert dev["points"][1]["spike_change_rate"] > 0
