"""Accuracy on the simulated chip: the chip's *values* on a whole test set, without the cycle-level schedule.

Costs need a few samples; accuracy needs thousands. :func:`chip_accuracy` runs the mapped network's node
operations (:class:`cimsim.nodes.Runner`) with every crossbar product computed as the chip computes it (bit
slices, the ADC with its calibrated range) in batches of samples, and keeps only the predictions and the spikes'
difference from the ideal (exact integer) network. No action is counted and nothing is scheduled or priced: the
costs of a report still come from the cycle-level run (:func:`cimsim.simulate`) on a few samples.

With ``chips > 1`` the run is repeated on ``chips`` chip instances (instance ``k`` seeded ``seed + k``: its device
draws and read noise, :mod:`cimsim.nonideal`) and the accuracy is reported as mean and standard deviation over
them. Batches of samples may be spread over processes (``workers``); the result does not depend on the split.
"""
from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field, replace

import numpy as np

from cimsim.engine.crossbar_layer import AdcModel, run_layer_step
from cimsim.errors import UserError
from cimsim.functional import check_inputs, evaluate, predict
from cimsim.mapping import Mapping
from cimsim.nodes import Runner
from cimsim.nonideal import instance_for


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
    nonideal: bool = False
    """Whether the chip's device non-idealities (``crossbar.nonideal``) were on."""
    source: str = "functional run (chip values batched over samples; no schedule, no costs)"
    predictions: np.ndarray = field(default=None, repr=False)
    """int64 ``[chips, samples]``."""

    def to_dict(self) -> dict:
        """JSON-ready summary (no per-sample predictions)."""
        return {k: v for k, v in vars(self).items() if k != "predictions"}


class ValuesRun(Runner):
    """The oracle's time loop with crossbar products through the chip's arrays, ADC and devices; nothing counted.

    ``sample0``: global index of the batch's first sample (the read noise of a sample does not depend on its batch).
    """

    def __init__(self, mapping: Mapping, inputs: np.ndarray, adc: AdcModel, sample0: int = 0):
        super().__init__(mapping.graph, inputs)
        self.mapping, self.chip, self.adc, self.sample0 = mapping, mapping.chip, adc, sample0

    def matmul(self, n: str, d: dict, x: np.ndarray) -> np.ndarray:
        lm = self.mapping.layers[n]
        return run_layer_step(lm, d, x, self.chip, self.adc, lm.wmat, None, self.t, self.sample0)


_WORKER: dict = {}
"""Per-process state of a worker pool: the mapping, the ADC and the chip instances built so far."""


def _init_worker(mapping: Mapping, adc: AdcModel) -> None:
    _WORKER.clear()
    _WORKER.update(mapping=mapping, adc=adc, instances={})


def _batch(mapping: Mapping, adc: AdcModel, instances: dict, seeds: list[int], xb: np.ndarray,
           b0: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, int]:
    """One batch of samples on every chip instance: ``(ideal predictions [n], predictions [chips, n], changed
    spikes [chips], spike sites)``."""
    ref = evaluate(mapping.graph, xb)
    preds = np.zeros((len(seeds), xb.shape[1]), np.int64)
    changed = np.zeros(len(seeds), np.int64)
    for k, s in enumerate(seeds):
        if s not in instances:
            instances[s] = instance_for(mapping.chip, s)
        run = ValuesRun(mapping, xb, replace(adc, devices=instances[s]), b0)
        outputs, _ = run.run()
        preds[k] = predict(mapping.graph, outputs)
        changed[k] = sum(int((ref.spikes[m] != run.spikes[m]).sum()) for m in ref.spikes)
    return ref.predictions, preds, changed, sum(s.size for s in ref.spikes.values())


def _worker_batch(seeds: list[int], xb: np.ndarray, b0: int):
    return _batch(_WORKER["mapping"], _WORKER["adc"], _WORKER["instances"], seeds, xb, b0)


def chip_accuracy(mapping: Mapping, inputs: np.ndarray, labels: np.ndarray, *, chips: int = 1, seed: int = 0,
                  calibration_inputs: np.ndarray | None = None, batch: int = 256, workers: int = 1) -> ChipAccuracy:
    """Accuracy of ``mapping`` on the chip for integer ``inputs`` ``[T, N, *input_shape]`` and ``labels`` ``[N]``.

    Parameters
    ----------
    mapping: the mapped network (its options' ``ideal_adc`` makes the ADC ideal; its chip's
        ``crossbar.nonideal`` the devices).
    chips: chip instances to simulate (>= 1); instance ``k`` draws its devices with seed ``seed + k``.
    seed: seed of instance 0 (the cycle-level run of the same seed sees the same chip).
    calibration_inputs: inputs that set a calibrated ADC's range (default: the first samples of ``inputs``).
    batch: samples computed together (memory grows linearly with it).
    workers: processes (spawned) sharing the batches; 1 computes in this process. The result does not depend on
        ``batch`` or ``workers``.

    Raises
    ------
    UserError: ``chips``, ``batch`` or ``workers`` < 1, labels that do not match the inputs, inputs that do not
    fit the graph.
    """
    from cimsim.engine.adc_calibration import adc_for_run

    for name, v in (("chips", chips), ("batch", batch), ("workers", workers)):
        if v < 1:
            raise UserError(f"{name} must be >= 1 (got {v})")
    x = check_inputs(mapping.graph, np.asarray(inputs))
    labels = np.asarray(labels).reshape(-1)
    if labels.shape[0] != x.shape[1]:
        raise UserError(f"{labels.shape[0]} labels for {x.shape[1]} input samples")
    adc = adc_for_run(mapping, x, calibration_inputs)
    n = x.shape[1]
    seeds = [seed + k for k in range(chips)]
    if workers > 1:
        batch = max(1, min(batch, -(-n // workers)))
    starts = list(range(0, n, batch))
    if workers > 1 and len(starts) > 1:
        ctx = multiprocessing.get_context("spawn")
        with ProcessPoolExecutor(min(workers, len(starts)), mp_context=ctx, initializer=_init_worker,
                                 initargs=(mapping, adc)) as pool:
            parts = list(pool.map(_worker_batch, [seeds] * len(starts), [x[:, b:b + batch] for b in starts], starts))
    else:
        instances: dict = {}
        parts = [_batch(mapping, adc, instances, seeds, x[:, b:b + batch], b) for b in starts]
    ideal_pred = np.concatenate([p[0] for p in parts])
    preds = np.concatenate([p[1] for p in parts], axis=1)
    changed = np.sum([p[2] for p in parts], axis=0)
    sites = sum(p[3] for p in parts)
    per_chip = [float((p == labels).mean()) for p in preds]
    return ChipAccuracy(
        accuracy=float(np.mean(per_chip)), std=float(np.std(per_chip)), per_chip=per_chip,
        ideal_accuracy=float((ideal_pred == labels).mean()),
        spike_change_rate=float(changed.mean() / max(1, sites)),
        prediction_agreement=float(np.mean([(p == ideal_pred).mean() for p in preds])),
        samples=n, chips=chips, seed=seed, nonideal=mapping.chip.crossbar.nonideal.active, predictions=preds)
