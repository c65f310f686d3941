"""Dataset files as numpy arrays, and dataset descriptions (:class:`DatasetSpec`): what ``cimsim simulate
--dataset`` reads; :mod:`neuronas.data` builds its torch datasets on the same readers.

Nothing is downloaded; missing files raise :class:`UserError`. The CIFAR pickles are read by a restricted
unpickler (:func:`load_data_pickle`): plain data and numpy arrays only, so a crafted batch cannot run code.

``cifar10``       ``cifar-10-batches-py/``: python pickles ``data_batch_1`` .. ``data_batch_5`` (train) and
                  ``test_batch``; each a dict with ``b"data"`` (uint8 ``[n, 3072]``, channel-major 3x32x32) and
                  ``b"labels"``.
``cifar100``      ``cifar-100-python/``: pickles ``train`` and ``test`` with ``b"data"`` and ``b"fine_labels"``.
``tinyimagenet``  ``tiny-imagenet-200/``: ``wnids.txt``, ``train/<wnid>/images/*.JPEG``, ``val/images/*.JPEG`` and
                  ``val/val_annotations.txt`` (``file<TAB>wnid<TAB>...``). The test split is the labelled ``val``
                  split; class index = position of the wnid in sorted order.
``digits``        scikit-learn's embedded 8x8 digits (1797 images, values 0..16 scaled to [0, 1]); a stratified
                  train/test split fixed by the seed.
``synthetic``     uniform random images with random labels, for timing (:func:`make_synthetic`).

``data_dir`` may be the dataset folder itself or its parent (the standard folder name is appended).
"""
from __future__ import annotations

import os
import pickle
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from cimsim.errors import UserError

SPLITS = ("train", "test")
DATA_DIR_ENV = "NEURONAS_DATA_DIR"


def default_data_dir() -> Path:
    """``$NEURONAS_DATA_DIR`` or ``./data``."""
    return Path(os.environ.get(DATA_DIR_ENV, "data"))


@dataclass(frozen=True)
class DatasetSpec:
    """What a model needs to know about a dataset.

    Parameters
    ----------
    name:
        Registry name (``cifar10``, ``cifar100``, ``tinyimagenet``, ``digits``, ``synthetic``).
    channels, size:
        Image shape ``[channels, size, size]`` (pixels).
    classes:
        Number of classes.
    mean, std:
        Per-channel normalisation of intensities in [0, 1] (``(x - mean) / std``), or None for none.
    """

    name: str
    channels: int
    size: int
    classes: int
    mean: tuple[float, ...] | None = None
    std: tuple[float, ...] | None = None

    @property
    def shape(self) -> tuple[int, int, int]:
        """``(channels, size, size)``."""
        return (self.channels, self.size, self.size)


# Per-channel statistics of the training splits as commonly published for these datasets (e.g. the
# normalisation in SNASNet's and most CIFAR training scripts); the test split is normalised with them too.
SPECS: dict[str, DatasetSpec] = {
    "cifar10": DatasetSpec("cifar10", 3, 32, 10, (0.4914, 0.4822, 0.4465), (0.2470, 0.2435, 0.2616)),
    "cifar100": DatasetSpec("cifar100", 3, 32, 100, (0.5071, 0.4865, 0.4409), (0.2673, 0.2564, 0.2762)),
    "tinyimagenet": DatasetSpec("tinyimagenet", 3, 64, 200, (0.4802, 0.4481, 0.3975), (0.2770, 0.2691, 0.2821)),
    "digits": DatasetSpec("digits", 1, 8, 10),
    "mnist": DatasetSpec("mnist", 1, 28, 10, (0.1307,), (0.3081,)),
    "fashionmnist": DatasetSpec("fashionmnist", 1, 28, 10, (0.2860,), (0.3530,)),
    "synthetic": DatasetSpec("synthetic", 3, 32, 10),
}


def spec(name: "str | DatasetSpec", **overrides) -> DatasetSpec:
    """The :class:`DatasetSpec` of ``name``; ``overrides`` (channels, size, classes) only for ``synthetic``."""
    if isinstance(name, DatasetSpec):
        return replace(name, **overrides) if overrides else name
    key = str(name).lower().replace("-", "").replace("_", "")
    key = {"tinyimagenet200": "tinyimagenet"}.get(key, key)
    if key not in SPECS:
        raise UserError(f"unknown dataset {name!r}; expected one of {', '.join(SPECS)}")
    base = SPECS[key]
    if overrides:
        if key != "synthetic":
            raise UserError(f"dataset {key!r} has a fixed shape; only 'synthetic' takes {', '.join(overrides)}")
        for field, value in overrides.items():
            if field not in ("channels", "size", "classes"):
                raise UserError(f"synthetic dataset: unknown option {field!r}; expected channels, size or classes")
            if int(value) < 1 or (field == "classes" and int(value) < 2):
                raise UserError(f"synthetic dataset: {field}={value}; expected a positive integer (classes >= 2)")
        base = replace(base, **{k: int(v) for k, v in overrides.items()})
    return base


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


def _numpy_globals() -> dict[tuple[str, str], object]:
    """The only globals a CIFAR batch may name: numpy's array/dtype reconstruction helpers."""
    try:
        from numpy._core import multiarray, numeric  # numpy >= 2
    except ImportError:  # numpy 1.x
        from numpy.core import multiarray, numeric
    allowed = {("numpy", "ndarray"): np.ndarray, ("numpy", "dtype"): np.dtype}
    for module in ("numpy.core", "numpy._core"):  # the pickle names whichever numpy wrote it
        allowed[(f"{module}.multiarray", "_reconstruct")] = multiarray._reconstruct
        allowed[(f"{module}.numeric", "_frombuffer")] = numeric._frombuffer
    allowed[("_codecs", "encode")] = _latin1_bytes  # how Python 3 writes bytes at protocol 2
    return allowed


def _latin1_bytes(text: str, encoding: str = "latin1") -> bytes:
    """``_codecs.encode`` as protocol-2 pickles use it, limited to text -> latin-1 bytes."""
    if not isinstance(text, str) or encoding not in ("latin1", "latin-1"):
        raise pickle.UnpicklingError("refusing _codecs.encode other than of text to latin-1 bytes")
    return text.encode("latin1")


class _DataUnpickler(pickle.Unpickler):
    """Unpickles plain data only: dicts, lists, tuples, bytes, str, numbers and numpy arrays.

    ``pickle`` runs whatever callable a file names (``os.system`` ...); a dataset folder comes from anywhere, so
    every global other than numpy's reconstruction helpers is refused before anything is called.
    """

    allowed = _numpy_globals()

    def find_class(self, module: str, name: str):
        found = self.allowed.get((module, name))
        if found is None:
            raise pickle.UnpicklingError(f"refusing to load {module}.{name} (only plain data and numpy arrays)")
        return found


def load_data_pickle(path: Path):
    """The data of a pickle file a user hands us (:class:`_DataUnpickler`: no code runs).

    Raises
    ------
    UserError: unreadable file, a corrupt pickle, or one naming anything but plain data and numpy arrays.
    """
    try:
        with open(path, "rb") as f:
            return _DataUnpickler(f, encoding="bytes").load()
    except OSError as exc:
        raise UserError(f"dataset file {path}: cannot read: {exc.strerror or exc}") from None
    except (pickle.UnpicklingError, EOFError, ValueError, TypeError, AttributeError, IndexError, KeyError,
            MemoryError, RecursionError) as exc:
        first = str(exc).splitlines()[0][:160] if str(exc) else type(exc).__name__
        raise UserError(f"dataset file {path} is not a CIFAR python pickle: {first}") from None


def _cifar_arrays(name: str, path: Path, label_key: bytes) -> tuple[np.ndarray, np.ndarray]:
    d = load_data_pickle(path)
    if not isinstance(d, dict) or b"data" not in d or label_key not in d:
        found = sorted(map(repr, d))[:8] if isinstance(d, dict) else type(d).__name__
        raise UserError(f"dataset file {path}: expected a dict with keys b'data' and {label_key!r}, found {found}")
    try:
        data = np.asarray(d[b"data"], dtype=np.uint8)
        labels = np.asarray(d[label_key], dtype=np.int64)
    except (TypeError, ValueError, OverflowError) as exc:
        raise UserError(f"dataset file {path}: b'data' or {label_key!r} is not an array of integers: "
                        f"{str(exc).splitlines()[0][:120]}") from None
    if data.ndim != 2 or data.shape[1] != 3 * 32 * 32:
        raise UserError(f"dataset file {path}: b'data' has shape {data.shape}; expected [n, 3072]")
    if labels.ndim != 1 or labels.shape[0] != data.shape[0]:
        raise UserError(f"dataset file {path}: {data.shape[0]} images but {labels.size} labels")
    return data.reshape(-1, 3, 32, 32), labels


def read_cifar(name: str, data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
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
    return images, labels


def _read_jpeg(path: Path) -> np.ndarray:
    from PIL import Image  # pillow ships with matplotlib

    try:
        with Image.open(path) as im:
            return np.asarray(im.convert("RGB"), dtype=np.uint8)
    except OSError as exc:
        raise UserError(f"dataset file {path} is not a readable image: {exc}") from None


def read_tinyimagenet(data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
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
    return np.ascontiguousarray(images), np.asarray(labels, dtype=np.int64)


def read_digits(split: str, seed: int, test_fraction: float = 0.2) -> tuple[np.ndarray, np.ndarray]:
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
    return x[idx], d.target[idx].astype(np.int64)


IDX_FOLDERS = {"mnist": ("MNIST/raw", "mnist", "MNIST"), "fashionmnist": ("FashionMNIST/raw", "fashion-mnist", "fashionmnist", "FashionMNIST")}
"""Where the idx files of MNIST and Fashion-MNIST are looked for under the data directory (torchvision's layout
first), or in the data directory itself."""
_IDX_TYPES = {0x08: np.uint8, 0x09: np.int8, 0x0B: ">i2", 0x0C: ">i4", 0x0D: ">f4", 0x0E: ">f8"}


def read_idx(path: Path) -> np.ndarray:
    """An idx file (LeCun's format: magic ``0 0 type ndim``, big-endian int32 sizes, data), plain or ``.gz``."""
    import gzip

    raw = gzip.open(path).read() if path.suffix == ".gz" else path.read_bytes()
    if len(raw) < 4 or raw[0] or raw[1] or raw[2] not in _IDX_TYPES:
        raise UserError(f"{path}: not an idx file (bad magic number)")
    ndim = raw[3]
    dims = tuple(int(d) for d in np.frombuffer(raw, ">i4", count=ndim, offset=4))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    n = int(np.prod(dims)) if dims else 0
    if len(raw) - 4 - 4 * ndim != n * dtype.itemsize:
        raise UserError(f"{path}: idx header says {dims} but the file holds {len(raw) - 4 - 4 * ndim} data bytes")
    return np.frombuffer(raw, dtype, count=n, offset=4 + 4 * ndim).reshape(dims)


def read_mnist(name: str, data_dir: Path, split: str) -> tuple[np.ndarray, np.ndarray]:
    """MNIST or Fashion-MNIST idx files: uint8 images ``[N, 1, 28, 28]`` and int64 labels."""
    prefix = "train" if split == "train" else "t10k"
    wanted = (f"{prefix}-images-idx3-ubyte", f"{prefix}-labels-idx1-ubyte")
    for folder in (*IDX_FOLDERS[name], "."):
        root = data_dir / folder
        found = [next((root / (w + ext) for ext in ("", ".gz") if (root / (w + ext)).is_file()), None) for w in wanted]
        if all(found):
            break
    else:
        raise UserError(f"dataset {name!r}: {wanted[0]} and {wanted[1]} (or .gz) not found under {data_dir} "
                        f"(looked in {', '.join(IDX_FOLDERS[name])} and the directory itself)")
    images, labels = read_idx(found[0]), read_idx(found[1])
    if images.ndim != 3 or images.shape[1:] != (28, 28) or labels.shape != (images.shape[0],):
        raise UserError(f"dataset {name!r}: images {images.shape} and labels {labels.shape}; expected [N, 28, 28] and [N]")
    return np.ascontiguousarray(images[:, None]), labels.astype(np.int64)


def read_images(name: "str | DatasetSpec", data_dir: "str | Path", split: str, seed: int = 0,
                test_fraction: float = 0.2, n_samples: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Images ``[N, C, H, W]`` (uint8 0..255, or float in [0, 1] for digits and synthetic) and labels ``[N]`` of a
    dataset read from files (``cifar10``, ``cifar100``, ``tinyimagenet``), embedded (``digits``) or made up
    (``synthetic``: ``n_samples`` images, default 256 train / 64 test; its seed is ``2 * seed`` for train and
    ``2 * seed + 1`` for test).

    Raises
    ------
    UserError: unknown dataset or split, missing or malformed files, labels out of range.
    """
    if split not in SPLITS:
        raise UserError(f"dataset split {split!r}; expected one of {', '.join(SPLITS)}")
    ds = spec(name)
    if ds.name in ("cifar10", "cifar100"):
        images, labels = read_cifar(ds.name, Path(data_dir), split)
    elif ds.name == "tinyimagenet":
        images, labels = read_tinyimagenet(Path(data_dir), split)
    elif ds.name == "digits":
        images, labels = read_digits(split, seed, test_fraction)
    elif ds.name in IDX_FOLDERS:
        images, labels = read_mnist(ds.name, Path(data_dir), split)
    else:
        n = n_samples if n_samples is not None else (256 if split == "train" else 64)
        if int(n) < 1:
            raise UserError(f"synthetic dataset: n_samples={n}; expected >= 1")
        images, labels = make_synthetic(ds.shape, ds.classes, n, seed * 2 + (split == "test"))
    if labels.size and (int(labels.min()) < 0 or int(labels.max()) >= ds.classes):
        raise UserError(f"dataset {ds.name!r} ({split}): labels span {int(labels.min())}..{int(labels.max())}; "
                        f"expected 0..{ds.classes - 1}")
    return images, labels


def normalized(images: np.ndarray, ds: DatasetSpec) -> np.ndarray:
    """Float32 intensities in [0, 1] (uint8 / 255), normalised per channel with ``ds``'s mean and std."""
    x = images.astype(np.float32) / np.float32(255.0) if images.dtype == np.uint8 else images.astype(np.float32)
    if ds.mean is None:
        return x
    mean = np.asarray(ds.mean, np.float32).reshape(-1, 1, 1)
    std = np.asarray(ds.std, np.float32).reshape(-1, 1, 1)
    return (x - mean) / std


def make_synthetic(shape: tuple[int, int, int], classes: int, n_samples: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """Uniform random float32 images ``[n, *shape]`` in [0, 1] and random labels (for timing), seeded."""
    rng = np.random.default_rng(int(seed))
    return rng.random((int(n_samples), *shape), dtype=np.float32), rng.integers(int(classes), size=int(n_samples))
