"""Accuracy on the simulated chip: the chip's *values* on a whole test set, without the cycle-level schedule.

Costs need a few samples; accuracy needs thousands. :func:`chip_accuracy` runs the mapped network's node
operations (:class:`cimsim.nodes.Runner`) with every crossbar product computed as the chip computes it (bit
slices, the ADC with its calibrated range) in batches of samples, and keeps only the predictions and the spikes'
difference from the ideal (exact integer) network. No action is counted and nothing is scheduled or priced: the
costs of a report still come from the cycle-level run (:func:`cimsim.simulate`) on a few samples.

With ``chips > 1`` the run is repeated on ``chips`` chip instances (instance ``k`` seeded ``seed + k``) and the
accuracy is reported as mean and standard deviation over them.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cimsim.engine.counts import HostCounts
from cimsim.engine.crossbar_layer import AdcModel, run_layer_step
from cimsim.errors import UserError
from cimsim.functional import check_inputs, evaluate, predict
from cimsim.mapping import Mapping
from cimsim.nodes import Runner


@dataclass
class ChipAccuracy:
    """Accuracy of a mapped network on ``chips`` simulated chip instances over ``samples`` labelled inputs.

    ``accuracy``/``std``: mean and standard deviation (ddof 0) over the instances, in [0, 1];
    ``ideal_accuracy``: the exact integer network's; ``spike_change_rate``: spike sites (neuron x timestep x
    sample) whose value differs from the ideal network's, over all sites, mean over instances;
    ``prediction_agreement``: fraction of predictions equal to the ideal network's, mean over instances.
    """

    accuracy: float
    std: float
    per_chip: list[float]
    ideal_accuracy: float
    spike_change_rate: float
    prediction_agreement: float
    samples: int
    chips: int
    seed: int
    source: str = "functional run (chip values batched over samples; no schedule, no costs)"
    predictions: np.ndarray = field(default=None, repr=False)
    """int64 ``[chips, samples]``."""

    def to_dict(self) -> dict:
        """JSON-ready summary (no per-sample predictions)."""
        return {k: v for k, v in vars(self).items() if k != "predictions"}


class ValuesRun(Runner):
    """The oracle's time loop with crossbar products through the chip's arrays and ADC; counts are discarded."""

    def __init__(self, mapping: Mapping, inputs: np.ndarray, adc: AdcModel):
        super().__init__(mapping.graph, inputs)
        self.mapping, self.chip, self.adc = mapping, mapping.chip, adc
        self._scratch = HostCounts.zeros(self.T, self.N)

    def matmul(self, n: str, d: dict, x: np.ndarray) -> np.ndarray:
        lm = self.mapping.layers[n]
        return run_layer_step(lm, d, x, self.chip, self.adc, lm.wmat, self._scratch, self.t)


def chip_accuracy(mapping: Mapping, inputs: np.ndarray, labels: np.ndarray, *, chips: int = 1, seed: int = 0,
                  calibration_inputs: np.ndarray | None = None, batch: int = 256) -> ChipAccuracy:
    """Accuracy of ``mapping`` on the chip for integer ``inputs`` ``[T, N, *input_shape]`` and ``labels`` ``[N]``.

    Parameters
    ----------
    mapping: the mapped network (its options' ``ideal_adc`` makes the ADC ideal).
    chips: chip instances to simulate (>= 1). seed: seed of instance 0.
    calibration_inputs: inputs that set a calibrated ADC's range (default: the first samples of ``inputs``).
    batch: samples computed together (memory grows linearly with it).

    Raises
    ------
    UserError: ``chips`` < 1, ``batch`` < 1, labels that do not match the inputs, inputs that do not fit the graph.
    """
    from cimsim.engine.adc_calibration import adc_for_run

    if chips < 1:
        raise UserError(f"chips must be >= 1 (got {chips})")
    if batch < 1:
        raise UserError(f"batch must be >= 1 (got {batch})")
    x = check_inputs(mapping.graph, np.asarray(inputs))
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != x.shape[1]:
        raise UserError(f"{labels.shape[0]} labels for {x.shape[1]} input samples")
    adc = adc_for_run(mapping, x, calibration_inputs)
    n = x.shape[1]
    preds = np.zeros((chips, n), np.int64)
    ideal_pred = np.zeros(n, np.int64)
    changed = np.zeros(chips, np.int64)
    sites = 0
    for b0 in range(0, n, batch):
        xb = x[:, b0 : b0 + batch]
        ref = evaluate(mapping.graph, xb)
        ideal_pred[b0 : b0 + batch] = ref.predictions
        sites += sum(s.size for s in ref.spikes.values())
        for k in range(chips):
            run = ValuesRun(mapping, xb, adc)
            outputs, _ = run.run()
            preds[k, b0 : b0 + batch] = predict(mapping.graph, outputs)
            changed[k] += sum(int((ref.spikes[m] != run.spikes[m]).sum()) for m in ref.spikes)
    per_chip = [float((p == labels).mean()) for p in preds]
    return ChipAccuracy(
        accuracy=float(np.mean(per_chip)), std=float(np.std(per_chip)), per_chip=per_chip,
        ideal_accuracy=float((ideal_pred == labels).mean()),
        spike_change_rate=float(changed.mean() / max(1, sites)),
        prediction_agreement=float(np.mean([(p == ideal_pred).mean() for p in preds])),
        samples=n, chips=chips, seed=seed, predictions=preds)
