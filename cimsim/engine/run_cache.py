"""In-process caches of the ideal network's work, keyed by content digests (graph, chip, options, inputs).

A design-space sweep, a search or a benchmark simulates the same network on the same inputs many times. Two
results depend only on what goes in, never on the run that asks for them:

* the calibrated ADC (:func:`cimsim.engine.adc_calibration.calibrate_adc`): graph + chip + run options +
  calibration inputs;
* the ideal network's spikes and predictions on the run's inputs (the fidelity section's reference): graph +
  inputs;
* each crossbar layer's bit-sliced cell levels: its weights + the chip (:func:`share_cells`).

Keys are SHA-1 digests of the content (weights and every node attribute, the chip's and the options' hashes, the
input array with its dtype and shape), so a graph edited in place or other inputs miss the cache: a hit returns
exactly what a fresh computation would. Entries are evicted least recently used, at most :data:`MAX_ENTRIES`
per cache and :data:`MAX_BYTES` of arrays per cache (more for the cells). :func:`clear` empties them all
(benchmarks time cold runs with it).
"""
from __future__ import annotations

import copy
import hashlib
from collections import OrderedDict
from typing import Any

import numpy as np

from cimsim.graph import SnnGraph

MAX_ENTRIES = 8
"""Entries kept per cache."""
MAX_BYTES = 256 * 2**20
"""Bytes of arrays kept per cache (an entry larger than this is not kept)."""


def _update(h, value: Any) -> None:
    """Feed ``value`` (arrays, scalars, strings, nested lists/tuples/dicts) into the hash ``h``, typed."""
    if isinstance(value, np.ndarray):
        a = np.ascontiguousarray(value)
        h.update(f"nd{a.dtype.str}{a.shape}".encode())
        h.update(memoryview(a).cast("B"))
    elif isinstance(value, dict):
        h.update(b"{")
        for k in sorted(value, key=str):
            h.update(repr(k).encode())
            _update(h, value[k])
        h.update(b"}")
    elif isinstance(value, (list, tuple)):
        h.update(b"[" if isinstance(value, list) else b"(")
        for v in value:
            _update(h, v)
        h.update(b"]")
    else:
        h.update(f"{type(value).__name__}:{value!r};".encode())


def digest(*parts: Any) -> str:
    """Content digest of ``parts`` (hex SHA-1; a cache key, not a security measure)."""
    h = hashlib.sha1(usedforsecurity=False)
    for p in parts:
        _update(h, p)
    return h.hexdigest()


def graph_digest(graph: SnnGraph) -> str:
    """Digest of a graph's name, nodes (in order, with every attribute, weights included) and edges."""
    edges = sorted(graph.g.edges(data=True), key=lambda e: (str(e[0]), str(e[1])))
    return digest(graph.name, [(n, graph.node(n)) for n in sorted(graph.g.nodes, key=str)], [(u, v, d) for u, v, d in edges])


def _nbytes(value: Any) -> int:
    if isinstance(value, np.ndarray):
        return value.nbytes
    if isinstance(value, dict):
        return sum(_nbytes(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return sum(_nbytes(v) for v in value)
    return 0


class LruCache:
    """Least-recently-used cache bounded by entries and array bytes; :meth:`get` returns a deep copy, so a
    caller that edits its result (a report's meta) never changes the cached value. With ``read_only`` the values
    are single numpy arrays, stored and returned as they are but marked read-only (no copy)."""

    def __init__(self, max_entries: int = MAX_ENTRIES, max_bytes: int = MAX_BYTES, read_only: bool = False):
        self.max_entries, self.max_bytes, self.read_only = max_entries, max_bytes, read_only
        self._data: OrderedDict[str, tuple[Any, int]] = OrderedDict()
        self.hits = self.misses = 0

    def get(self, key: str) -> Any | None:
        item = self._data.get(key)
        if item is None:
            self.misses += 1
            return None
        self.hits += 1
        self._data.move_to_end(key)
        return item[0] if self.read_only else copy.deepcopy(item[0])

    def put(self, key: str, value: Any) -> None:
        size = _nbytes(value)
        if size > self.max_bytes:
            return
        if self.read_only:  # one array shared by every run: nobody may write into it
            value.flags.writeable = False
        self._data[key] = (value if self.read_only else copy.deepcopy(value), size)
        self._data.move_to_end(key)
        while len(self._data) > self.max_entries or sum(s for _, s in self._data.values()) > self.max_bytes:
            self._data.popitem(last=False)

    def clear(self) -> None:
        self._data.clear()
        self.hits = self.misses = 0

    def __len__(self) -> int:
        return len(self._data)

    def __contains__(self, key: str) -> bool:
        return key in self._data


CALIBRATIONS = LruCache()
"""Calibrated ADC results: digest -> ``(layer_lsb, calibration info)``."""
REFERENCES = LruCache()
"""Ideal-network references: digest -> ``(spikes, predictions)``."""


CELLS = LruCache(max_entries=256, max_bytes=4 * MAX_BYTES, read_only=True)
"""Bit-sliced cell levels of crossbar layers: digest -> uint8 ``[rows, outputs x cols_per_output]``."""


def share_cells(mapping, graph_key: str) -> None:
    """Give each crossbar layer of ``mapping`` its cell levels (``LayerMapping.cells``, a cached property) from
    :data:`CELLS` when another run sliced the same weights on the same hardware, and store the new ones there.

    The levels depend on the layer's weights (in ``graph_key``), its weight bits and the chip's crossbar; slicing
    them costs about a third of a dense forward of vgg9 and every :func:`cimsim.mapping.map_graph` makes new layers.
    """
    chip_key = mapping.chip.config_hash()
    for name, lm in mapping.layers.items():
        if "cells" in lm.__dict__:  # already sliced (a mapping reused across runs)
            continue
        key = digest("cells", graph_key, name, chip_key, lm.weight_bits)
        cells = CELLS.get(key)
        if cells is None:
            CELLS.put(key, lm.cells)
        else:
            lm.__dict__["cells"] = cells  # where functools.cached_property keeps its value


def clear() -> None:
    """Empty every cache (the next run computes everything again)."""
    CALIBRATIONS.clear()
    REFERENCES.clear()
    CELLS.clear()
