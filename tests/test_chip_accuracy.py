"""The functional accuracy mode (cimsim.accuracy.chip_accuracy) against the cycle-level run."""
import numpy as np
import pytest

import cimsim
from cimsim.accuracy import chip_accuracy
from cimsim.errors import UserError
from cimsim.mapping import map_graph
from cimsim.networks import build_network, random_spike_inputs
from cimsim.options import RunOptions


@pytest.mark.parametrize("adc_range", ["saturate", "calibrated"])
def test_predictions_equal_the_cycle_level_run(adc_range):
    from cimsim.config.loader import load_config

    chip = load_config("spikesim_rram_65nm", overrides={"adc.range": adc_range})
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 3, 10, 0.3, seed=1)
    labels = np.arange(10) % 10
    rep = cimsim.simulate(graph, chip, inputs=x, labels=labels, fidelity=True)
    mapping = map_graph(graph, chip, chip.run)
    acc = chip_accuracy(mapping, x, labels, batch=4)  # batches must not change the result
    assert acc.accuracy == pytest.approx(rep.totals["accuracy"])
    assert acc.spike_change_rate == pytest.approx(rep.fidelity["spike_change_rate"])
    assert acc.prediction_agreement == pytest.approx(rep.fidelity["prediction_agreement"])
    ideal = chip_accuracy(map_graph(graph, chip, RunOptions(ideal_adc=True)), x, labels)
    assert ideal.spike_change_rate == 0.0 and ideal.accuracy == ideal.ideal_accuracy == acc.ideal_accuracy


def test_bad_arguments_are_user_errors():
    from cimsim.config.loader import load_config

    chip = load_config("spikesim_rram_65nm")
    graph = build_network("tiny", seed=3)
    x = random_spike_inputs(graph, 2, 4, 0.3, seed=1)
    m = map_graph(graph, chip, chip.run)
    with pytest.raises(UserError, match="chips"):
        chip_accuracy(m, x, np.zeros(4), chips=0)
    with pytest.raises(UserError, match="labels"):
        chip_accuracy(m, x, np.zeros(3))
