"""Dataset descriptions: image shape, number of classes and normalisation statistics."""
from __future__ import annotations

from dataclasses import dataclass, replace

from cimsim.errors import UserError


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
