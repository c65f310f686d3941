"""In-memory image dataset with per-sample transforms."""
from __future__ import annotations

from typing import Callable

import torch
from torch.utils.data import Dataset

from cimsim.datasets import DatasetSpec


class ImageDataset(Dataset):
    """Images held in memory, transformed on access.

    Parameters
    ----------
    images:
        ``[N, C, H, W]``: ``uint8`` (0..255) or float intensities in [0, 1].
    labels:
        ``[N]`` integer class indices.
    spec:
        The dataset's :class:`DatasetSpec`.
    transform:
        Applied to one float image ``[C, H, W]`` in [0, 1] (augmentation, then normalisation).
    """

    def __init__(self, images: torch.Tensor, labels: torch.Tensor, spec: DatasetSpec, transform: Callable | None = None):
        if images.ndim != 4 or images.shape[0] != labels.shape[0]:
            raise ValueError(f"images {tuple(images.shape)} and labels {tuple(labels.shape)} do not match")
        self.images = images
        self.labels = labels.to(torch.int64)
        self.spec = spec
        self.transform = transform

    def __len__(self) -> int:
        return int(self.labels.shape[0])

    def _float(self, x: torch.Tensor) -> torch.Tensor:
        return x.to(torch.float32) / 255.0 if x.dtype == torch.uint8 else x.to(torch.float32)

    def __getitem__(self, i: int) -> tuple[torch.Tensor, int]:
        x = self._float(self.images[i])
        if self.transform is not None:
            x = self.transform(x)
        return x, int(self.labels[i])

    def __repr__(self) -> str:
        return f"ImageDataset({self.spec.name}, n={len(self)}, shape={tuple(self.images.shape[1:])}, transform={self.transform})"
