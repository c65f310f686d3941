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


ENCODINGS = ("direct", "rate", "as-is")


def _load_array(path) -> np.ndarray:
    """The array of a ``.npy``, ``.npz`` (key ``inputs``, ``x`` or the only one) or ``.pt`` file (a tensor or a
    dict with one of those keys, loaded with ``weights_only=True``: no code runs)."""
    from pathlib import Path

    path = Path(path)
    if not path.is_file():
        raise UserError(f"inputs file {path} not found")
    suffix = path.suffix.lower()
    if suffix == ".npy":
        return np.load(path, allow_pickle=False)
    if suffix == ".npz":
        with np.load(path, allow_pickle=False) as z:
            return _pick(path, dict(z))
    if suffix == ".pt":
        import torch  # only for .pt files: cimsim itself runs without torch

        try:
            obj = torch.load(path, map_location="cpu", weights_only=True)
        except Exception as exc:  # torch raises many types for a bad or unsafe file
            raise UserError(f"cannot read {path} with torch.load(weights_only=True): {str(exc).splitlines()[0]}") from None
        obj = _pick(path, obj) if isinstance(obj, dict) else obj
        if not isinstance(obj, torch.Tensor):
            raise UserError(f"{path} holds a {type(obj).__name__}; expected a tensor")
        return obj.detach().cpu().numpy()
    raise UserError(f"inputs file {path}: unknown type {suffix!r}; expected .npy, .npz or .pt")


def _pick(path, arrays: dict):
    for key in ("inputs", "x"):
        if key in arrays:
            return arrays[key]
    if len(arrays) == 1:
        return next(iter(arrays.values()))
    raise UserError(f"{path} holds {', '.join(map(str, arrays))}; name the inputs array 'inputs' or 'x'")


def file_inputs(graph: SnnGraph, path, timesteps: int, encoding: str | None = None, seed: int = 0) -> np.ndarray:
    """Integer inputs ``[T, N, *input_shape]`` of ``graph`` from a file of frames.

    The file holds ``[*input_shape]`` (one sample), ``[N, *input_shape]`` or ``[T, N, *input_shape]`` (a time
    axis: ``timesteps`` is then the file's). ``encoding``: ``direct`` (frames quantized with the input node's
    bits and scale, the same every step), ``rate`` (Bernoulli spikes of the frames scaled to [0, 1]) or ``as-is``
    (the file holds the graph's integer inputs); default: ``as-is`` with a time axis, else rate for a spike input
    and direct otherwise.
    """
    if encoding is not None and encoding not in ENCODINGS:
        raise UserError(f"--encoding {encoding!r}; expected one of {', '.join(ENCODINGS)}")
    node = graph.node(graph.input_node())
    shape = tuple(node["shape"])
    x = np.asarray(_load_array(path))
    got = list(x.shape)
    timed = x.ndim == len(shape) + 2
    if x.ndim == len(shape):
        x = x[None]
    if tuple(x.shape[x.ndim - len(shape):]) != shape or x.ndim not in (len(shape) + 1, len(shape) + 2):
        want = ", ".join(str(d) for d in shape)
        raise UserError(f"inputs {path}: expected shape [{want}], [N, {want}] or [T, N, {want}]; got {got}")
    encoding = encoding or ("as-is" if timed else None)
    if encoding == "as-is":
        return _as_is(x if timed else np.broadcast_to(x, (timesteps, *x.shape)), node, path)
    frames = x.astype(np.float32)
    if timed:
        raise UserError(f"inputs {path} have a time axis; only --encoding as-is takes them")
    if encoding == "rate" and int(node.get("bits", 1)) != 1:
        raise UserError(f"--encoding rate makes spikes, but graph {graph.name!r} takes {node.get('bits')}-bit inputs")
    if encoding == "direct" and int(node.get("bits", 1)) == 1:
        if not np.all((frames == 0) | (frames == 1)):
            raise UserError(f"graph {graph.name!r} takes spikes; --encoding direct needs 0/1 frames (use rate)")
        return np.broadcast_to(frames.astype(np.uint8), (timesteps, *frames.shape)).copy()
    return encode_images(graph, frames, timesteps, seed)


def _as_is(x: np.ndarray, node: dict, path) -> np.ndarray:
    bits, signed = int(node.get("bits", 1)), bool(node.get("signed", False))
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if not np.all(np.rint(x) == x) or x.min() < lo or x.max() > hi:
        raise UserError(f"inputs {path}: --encoding as-is needs integers in {lo}..{hi} (the graph's {bits}-bit "
                        f"{'signed ' if signed else ''}input); got values in {x.min()}..{x.max()}")
    return np.ascontiguousarray(x, dtype=np.int32)
