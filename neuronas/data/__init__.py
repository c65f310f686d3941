"""Datasets (CIFAR-10/100, TinyImageNet-200 from local folders; embedded digits; synthetic), transforms, encodings."""
from neuronas.data.dataset import ImageDataset
from neuronas.data.encoding import ENCODINGS, direct, encode, rate
from neuronas.data.loading import load_dataset, make_loaders
from neuronas.data.spec import SPECS, DatasetSpec, spec

__all__ = [
    "DatasetSpec", "SPECS", "spec", "load_dataset", "make_loaders", "ImageDataset",
    "ENCODINGS", "encode", "direct", "rate",
]
