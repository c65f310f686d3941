"""Datasets (CIFAR-10/100, TinyImageNet-200 from local folders; embedded digits; synthetic), transforms, encodings.

The file readers and dataset descriptions are cimsim's (:mod:`cimsim.datasets`); this package builds torch
datasets, transforms and loaders on them.
"""
from cimsim.datasets import SPECS, DatasetSpec, spec
from neuronas.data.dataset import ImageDataset
from neuronas.data.encoding import ENCODINGS, direct, encode, rate
from neuronas.data.loading import load_dataset, make_loaders

__all__ = [
    "DatasetSpec", "SPECS", "spec", "load_dataset", "make_loaders", "ImageDataset",
    "ENCODINGS", "encode", "direct", "rate",
]
