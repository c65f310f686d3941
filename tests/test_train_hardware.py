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
    from cimsim.engine.adc_calibration import layer_inputs

    for name in mapping.order:
        lm = mapping.layers[name]
        node = graph.node(name)
        xin = layer_inputs(mapping, values, name, 1)
        ref = run_layer_step(lm, node, xin, chip, adc, lm.wmat, HostCounts.zeros(2, xin.shape[0]), 0)
        rows = layer_input_rows(node, xin)
        spec = CrossbarReads.from_mapping(lm, chip, adc)
        got = adc_product(torch.from_numpy(rows.reshape(-1, lm.rows).astype(np.float32)),
                          torch.from_numpy(lm.wmat.astype(np.float32)), spec)
        np.testing.assert_array_equal(got.numpy().astype(np.int64), ref.reshape(-1, lm.outputs), err_msg=name)
