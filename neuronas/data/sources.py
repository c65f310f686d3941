"""Readers for the on-disk dataset formats. Nothing is downloaded; missing files raise :class:`UserError`.

``cifar10``       ``cifar-10-batches-py/``: python pickles ``data_batch_1`` .. ``data_batch_5`` (train) and
                  ``test_batch``; each a dict with ``b"data"`` (uint8 ``[n, 3072]``, channel-major 3x32x32) and
                  ``b"labels"``.
``cifar100``      ``cifar-100-python/``: pickles ``train`` and ``test`` with ``b"data"`` and ``b"fine_labels"``.
``tinyimagenet``  ``tiny-imagenet-200/``: ``wnids.txt``, ``train/<wnid>/images/*.JPEG``, ``val/images/*.JPEG`` and
                  ``val/val_annotations.txt`` (``file<TAB>wnid<TAB>...``). The test split is the labelled ``val``
                  split; class index = position of the wnid in sorted order.
``digits``        scikit-learn's embedded 8x8 digits (1797 images, values 0..16 scaled to [0, 1]); a stratified
                  train/test split fixed by the seed.
``synthetic``     uniform random images with random labels, for timing.

``data_dir`` may be the dataset folder itself or its parent (the standard folder name is appended).
"""
from __future__ import annotations

import pickle
from pathlib import Path

import numpy as np
import torch

from cimsim.errors import UserError

FOLDERS = {"cifar10": "cifar-10-batches-py", "cifar100": "cifar-100-python", "tinyimagenet": "tiny-imagenet-200"}


def _resolve(name: str, data_dir: Path, marker: str) -> Path:
    """The folder holding ``marker``: ``data_dir`` itself or ``data_dir/<standard folder>``."""
    for candidate in (data_dir, data_dir / FOLDERS[name]):
        if (candidate / marker).exists():
            return candidate
    return data_dir / FOLDERS[name] if (data_dir / FOLDERS[name]).is_dir() else data_dir


def _missing(name: str, root: Path, missing: list[str], expected: str) -> UserError:
    shown = ", ".join(missing[:5]) + (f" (+{len(missing) - 5} more)" if len(missing) > 5 else "")
    where = f"{root} (directory does not exist)" if not root.exists() else str(root)
    return UserError(
        f"dataset {name!r}: missing {shown} in {where}; expected {expected} "
        f"(pass --data-dir pointing to the folder or its parent; nothing is downloaded)"
    )


def _unpickle(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return pickle.load(f, encoding="bytes")
    except (pickle.UnpicklingError, EOFError, ValueError) as exc:
        raise UserError(f"dataset file {path} is not a CIFAR python pickle: {exc}") from None


def _cifar_arrays(name: str, path: Path, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    d = _unpickle(path)
    if b"data" not in d or label_key not in d:
        raise UserError(f"dataset file {path}: expected keys b'data' and {label_key!r}, found {sorted(d)}")
    data = np.asarray(d[b"data"], dtype=np.uint8)
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise UserError(f"dataset file {path}: b'data' has shape {data.shape}; expected [n, 3072]")
    labels = np.asarray(d[label_key], dtype=np.int64)
    if labels.shape[0] != data.shape[0]:
        raise UserError(f"dataset file {path}: {data.shape[0]} images but {labels.shape[0]} labels")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar(name: str, data_dir: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """CIFAR-10 / CIFAR-100 images ``uint8 [N, 3, 32, 32]`` and labels ``[N]``."""
    if name == "cifar10":
        files = [f"data_batch_{k}" for k in range(1, 6)] if split == "train" else ["test_batch"]
        label_key, expected = b"labels", "data_batch_1..data_batch_5 and test_batch (CIFAR-10 python version)"
    else:
        files = ["train"] if split == "train" else ["test"]
        label_key, expected = b"fine_labels", "train and test (CIFAR-100 python version)"
    root = _resolve(name, data_dir, files[0])
    missing = [f for f in files if not (root / f).is_file()]
    if missing:
        raise _missing(name, root, missing, expected)
    parts = [_cifar_arrays(name, root / f, label_key) for f in files]
    images = np.concatenate([p[0] for p in parts])
    labels = np.concatenate([p[1] for p in parts])
    return torch.from_numpy(images), torch.from_numpy(labels)


def _read_jpeg(path: Path) -> np.ndarray:
    from PIL import Image  # pillow ships with matplotlib

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except OSError as exc:
        raise UserError(f"dataset file {path} is not a readable image: {exc}") from None


def read_tinyimagenet(data_dir: Path, split: str) -> tuple[torch.Tensor, torch.Tensor]:
    """TinyImageNet-200 images ``uint8 [N, 3, 64, 64]`` and labels ``[N]`` (``test`` = the labelled val split)."""
    name = "tinyimagenet"
    expected = "wnids.txt, train/<wnid>/images/*.JPEG, val/images/*.JPEG and val/val_annotations.txt"
    root = _resolve(name, data_dir, "wnids.txt")
    needed = ["wnids.txt"] + (["train"] if split == "train" else ["val/images", "val/val_annotations.txt"])
    missing = [f for f in needed if not (root / f).exists()]
    if missing:
        raise _missing(name, root, missing, expected)
    wnids = sorted({w.strip() for w in (root / "wnids.txt").read_text().split() if w.strip()})
    if not wnids:
        raise UserError(f"dataset {name!r}: {root / 'wnids.txt'} lists no classes")
    index = {w: k for k, w in enumerate(wnids)}
    files: list[Path] = []
    labels: list[int] = []
    if split == "train":
        for w in wnids:
            found = sorted((root / "train" / w / "images").glob("*.JPEG"))
            if not found:
                raise _missing(name, root, [f"train/{w}/images/*.JPEG"], expected)
            files += found
            labels += [index[w]] * len(found)
    else:
        for lineno, line in enumerate((root / "val" / "val_annotations.txt").read_text().splitlines(), start=1):
            if not line.strip():
                continue
            cols = line.split("\t")
            if len(cols) < 2 or cols[1] not in index:
                raise UserError(f"{root / 'val' / 'val_annotations.txt'} line {lineno}: {line!r} does not name a wnid of wnids.txt")
            path = root / "val" / "images" / cols[0]
            if not path.is_file():
                raise _missing(name, root, [f"val/images/{cols[0]}"], expected)
            files.append(path)
            labels.append(index[cols[1]])
        if not files:
            raise UserError(f"dataset {name!r}: {root / 'val' / 'val_annotations.txt'} lists no images")
    images = np.stack([_read_jpeg(p) for p in files]).transpose(0, 3, 1, 2)
    if images.shape[1:] != (3, 64, 64):
        raise UserError(f"dataset {name!r}: images have shape {images.shape[1:]}; expected 3x64x64")
    return torch.from_numpy(np.ascontiguousarray(images)), torch.tensor(labels, dtype=torch.int64)


def read_digits(split: str, seed: int, test_fraction: float = 0.2) -> tuple[torch.Tensor, torch.Tensor]:
    """scikit-learn digits as float ``[N, 1, 8, 8]`` in [0, 1]; stratified split fixed by ``seed``."""
    from sklearn.datasets import load_digits
    from sklearn.model_selection import train_test_split

    if not 0.0 < float(test_fraction) < 1.0:
        raise UserError(f"digits: test_fraction={test_fraction}; expected a value between 0 and 1")
    d = load_digits()
    x = (d.images / d.images.max()).astype(np.float32)[:, None]
    idx_train, idx_test = train_test_split(
        np.arange(len(d.target)), test_size=test_fraction, stratify=d.target, random_state=int(seed)
    )
    idx = idx_train if split == "train" else idx_test
    return torch.from_numpy(x[idx]), torch.from_numpy(d.target[idx].astype(np.int64))


def make_synthetic(shape: tuple[int, int, int], classes: int, n_samples: int, seed: int) -> tuple[torch.Tensor, torch.Tensor]:
    """Uniform random float images ``[n, *shape]`` in [0, 1] and random labels."""
    g = torch.Generator().manual_seed(int(seed))
    return torch.rand((int(n_samples), *shape), generator=g), torch.randint(int(classes), (int(n_samples),), generator=g)
