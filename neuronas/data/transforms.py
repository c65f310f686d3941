"""Image transforms in torch on one image ``[C, H, W]`` (float): normalisation, random crop, horizontal flip.

Random transforms draw from their own seeded ``torch.Generator``, so a dataset read in the same order gives the
same augmented images.
"""
from __future__ import annotations

from typing import Callable, Sequence

import torch
import torch.nn.functional as F


class Compose:
    """Apply transforms in order."""

    def __init__(self, transforms: Sequence[Callable[[torch.Tensor], torch.Tensor]]):
        self.transforms = list(transforms)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        for t in self.transforms:
            x = t(x)
        return x

    def __repr__(self) -> str:
        return f"Compose({self.transforms})"


class Normalize:
    """``(x - mean[c]) / std[c]`` per channel; works on ``[C, H, W]`` and ``[N, C, H, W]``."""

    def __init__(self, mean: Sequence[float], std: Sequence[float]):
        self.mean = torch.tensor(mean, dtype=torch.float32).view(-1, 1, 1)
        self.std = torch.tensor(std, dtype=torch.float32).view(-1, 1, 1)

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        return (x - self.mean) / self.std

    def __repr__(self) -> str:
        return f"Normalize(mean={self.mean.flatten().tolist()}, std={self.std.flatten().tolist()})"


class RandomCrop:
    """Zero-pad by ``padding`` pixels on every side, then crop a random ``size x size`` window."""

    def __init__(self, size: int, padding: int = 4, seed: int = 0):
        self.size = int(size)
        self.padding = int(padding)
        self.generator = torch.Generator().manual_seed(int(seed))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        p = self.padding
        if p:
            x = F.pad(x, (p, p, p, p))
        h, w = x.shape[-2:]
        top = int(torch.randint(h - self.size + 1, (1,), generator=self.generator))
        left = int(torch.randint(w - self.size + 1, (1,), generator=self.generator))
        return x[..., top : top + self.size, left : left + self.size]

    def __repr__(self) -> str:
        return f"RandomCrop(size={self.size}, padding={self.padding})"


class RandomHorizontalFlip:
    """Mirror the width axis with probability ``p``."""

    def __init__(self, p: float = 0.5, seed: int = 0):
        self.p = float(p)
        self.generator = torch.Generator().manual_seed(int(seed))

    def __call__(self, x: torch.Tensor) -> torch.Tensor:
        if float(torch.rand((1,), generator=self.generator)) < self.p:
            return x.flip(-1)
        return x

    def __repr__(self) -> str:
        return f"RandomHorizontalFlip(p={self.p})"
