"""Inputs for a graph from a dataset: images -> the integers its input node takes, per timestep.

A spike input node (1 bit) receives rate-coded (Bernoulli) spikes of the images scaled to [0, 1]; an integer
input node receives the images quantized to its ``bits`` with its ``scale`` (direct encoding: the same frame
every timestep), which is how exported SNASNet-style models take their analog first layer.
"""
from __future__ import annotations

import numpy as np

from cimsim.errors import UserError
from cimsim.graph import SnnGraph


def encode_images(graph: SnnGraph, images: np.ndarray, timesteps: int, seed: int = 0) -> np.ndarray:
    """``images`` ``[N, *input_shape]`` (float) -> integer inputs ``[T, N, *input_shape]`` for ``graph``."""
    node = graph.node(graph.input_node())
    shape = tuple(node["shape"])
    images = np.asarray(images, dtype=np.float32)
    if tuple(images.shape[1:]) != shape:
        raise UserError(f"dataset images have shape {tuple(images.shape[1:])} but graph {graph.name!r} takes {shape}")
    bits, signed = int(node.get("bits", 1)), bool(node.get("signed", False))
    if bits == 1 and not signed:
        lo, hi = float(images.min()), float(images.max())
        p = (images - lo) / (hi - lo) if hi > lo else np.zeros_like(images)
        rng = np.random.default_rng(seed)
        return (rng.random((timesteps, *images.shape)) < p).astype(np.uint8)
    scale = float(node.get("scale", 1.0))
    qlo, qhi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    q = np.clip(np.rint(images / np.float32(scale)), qlo, qhi).astype(np.int32)
    return np.broadcast_to(q, (timesteps, *q.shape)).copy()


def dataset_inputs(graph: SnnGraph, dataset: str, data_dir: str | None, samples: int, timesteps: int,
                   seed: int = 0, split: str = "test") -> tuple[np.ndarray, np.ndarray]:
    """The first ``samples`` images of ``dataset``'s ``split`` (test by default), normalised with the dataset's
    statistics and encoded for ``graph``, and their labels (no augmentation)."""
    from cimsim.datasets import default_data_dir, normalized, read_images, spec

    ds = spec(dataset)
    images, labels = read_images(ds, data_dir if data_dir is not None else default_data_dir(), split, seed)
    n = min(samples, len(labels))
    return encode_images(graph, normalized(images[:n], ds), timesteps, seed), labels[:n].astype(np.int64)
