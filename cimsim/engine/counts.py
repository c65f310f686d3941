"""The engine's count record: what one host (a crossbar layer and the nodes it hosts) did at every timestep of
every sample. A light module (numpy only): the cost side reads its field names (:func:`cimsim.cost.activity.count_names`)
without importing the engine.
"""
from __future__ import annotations

from dataclasses import dataclass, fields

import numpy as np


@dataclass
class HostCounts:
    """Per-host (crossbar layer + the nodes it hosts) counts, arrays ``[T, N]`` unless noted."""

    xbar_reads: np.ndarray
    rows_driven: np.ndarray
    adc_conversions: np.ndarray
    xbar_cycles: np.ndarray
    adc_cycles: np.ndarray
    digital_cycles: np.ndarray
    lif_cycles: np.ndarray
    accumulations: np.ndarray
    lif_updates: np.ndarray
    spikes_in: np.ndarray
    spikes_out: np.ndarray
    sops: np.ndarray
    neurons: int = 0

    @classmethod
    def zeros(cls, timesteps: int, samples: int) -> "HostCounts":
        """All counts zero, ``[timesteps, samples]`` int64 each."""
        return cls(*(np.zeros((timesteps, samples), np.int64) for f in fields(cls) if f.name != "neurons"))
