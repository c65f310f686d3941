"""``load_dataset``: one entry point for every dataset and split, with the standard transforms."""
from __future__ import annotations

from pathlib import Path

import torch
from torch.utils.data import DataLoader

from cimsim.datasets import DatasetSpec, default_data_dir, read_images, spec
from neuronas.data.dataset import ImageDataset
from neuronas.data.transforms import Compose, Normalize, RandomCrop, RandomHorizontalFlip


def build_transform(ds: DatasetSpec, augment: bool, normalize: bool, seed: int) -> Compose | None:
    """Augmentation (random crop with padding size/8, horizontal flip) and normalisation for ``ds``."""
    steps = []
    if augment:
        steps += [RandomCrop(ds.size, padding=max(1, ds.size // 8), seed=seed), RandomHorizontalFlip(0.5, seed=seed + 1)]
    if normalize and ds.mean is not None:
        steps.append(Normalize(ds.mean, ds.std))
    return Compose(steps) if steps else None


def load_dataset(
    name: "str | DatasetSpec",
    data_dir: "str | Path | None" = None,
    split: str = "train",
    seed: int = 0,
    augment: bool | None = None,
    normalize: bool = True,
    n_samples: int | None = None,
    test_fraction: float = 0.2,
    **spec_overrides,
) -> ImageDataset:
    """Load one split of a dataset into memory.

    Parameters
    ----------
    name:
        ``cifar10``, ``cifar100``, ``tinyimagenet``, ``digits`` or ``synthetic`` (or a :class:`DatasetSpec`).
    data_dir:
        Folder with the files (or its parent); default ``$NEURONAS_DATA_DIR`` or ``./data``. Unused for
        ``digits`` and ``synthetic``.
    split:
        ``"train"`` or ``"test"``.
    seed:
        Seeds the augmentation, the digits split and the synthetic data.
    augment:
        Random crop + horizontal flip; default: on for the CIFAR / TinyImageNet train splits only.
    normalize:
        Subtract the per-channel mean and divide by the std of :class:`DatasetSpec` (when it has them).
    n_samples:
        Synthetic only: number of images (default 256 train / 64 test).
    test_fraction:
        Digits only: share of the images in the test split.
    spec_overrides:
        Synthetic only: ``channels``, ``size``, ``classes``.

    Returns
    -------
    ImageDataset
        ``dataset[i] -> (image [C, H, W] float32, label)``; ``dataset.spec`` describes it.
    """
    ds = spec(name, **spec_overrides)
    root = Path(data_dir) if data_dir is not None else default_data_dir()
    images, labels = (torch.from_numpy(a) for a in read_images(ds, root, split, seed, test_fraction, n_samples))
    if augment is None:
        augment = split == "train" and ds.name in ("cifar10", "cifar100", "tinyimagenet")
    return ImageDataset(images, labels, ds, build_transform(ds, augment, normalize, seed))


def make_loaders(
    name: "str | DatasetSpec",
    data_dir: "str | Path | None" = None,
    batch_size: int = 64,
    seed: int = 0,
    test_batch_size: int | None = None,
    **options,
) -> tuple[DataLoader, DataLoader]:
    """Train (shuffled with a seeded generator) and test loaders of :func:`load_dataset`."""
    train = load_dataset(name, data_dir, "train", seed=seed, **options)
    test = load_dataset(name, data_dir, "test", seed=seed, **options)
    g = torch.Generator().manual_seed(int(seed))
    return (
        DataLoader(train, batch_size=batch_size, shuffle=True, generator=g),
        DataLoader(test, batch_size=test_batch_size or max(batch_size, 256), shuffle=False),
    )
