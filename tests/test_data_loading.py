"""Datasets from tiny files in the real on-disk formats, transforms and spike encodings."""
from __future__ import annotations

import pickle

import numpy as np
import pytest
import torch

from cimsim.errors import UserError
from neuronas.data import direct, encode, load_dataset, make_loaders, rate, spec
from neuronas.data.transforms import Normalize, RandomCrop, RandomHorizontalFlip


def _write_cifar(folder, files, label_key, n, classes, rng):
    folder.mkdir(parents=True)
    written = {}
    for name in files:
        data = rng.integers(0, 256, size=(n, 3072), dtype=np.uint8)
        labels = rng.integers(0, classes, size=n).tolist()
        with open(folder / name, "wb") as f:
            pickle.dump({b"batch_label": name.encode(), label_key: labels, b"data": data}, f)
        written[name] = (data, labels)
    return written


def test_cifar10_from_pickle_batches(tmp_path):
    rng = np.random.default_rng(0)
    files = [f"data_batch_{k}" for k in range(1, 6)] + ["test_batch"]
    written = _write_cifar(tmp_path / "cifar-10-batches-py", files, b"labels", 4, 10, rng)
    train = load_dataset("cifar10", tmp_path, "train", normalize=False, augment=False)
    assert len(train) == 20 and train.spec.classes == 10
    x, y = train[5]  # second image of data_batch_2
    data, labels = written["data_batch_2"]
    expected = torch.from_numpy(data[1].reshape(3, 32, 32).astype(np.float32) / 255)
    assert torch.equal(x, expected) and y == labels[1]
    # the folder itself also works, and the test split is test_batch
    test = load_dataset("cifar10", tmp_path / "cifar-10-batches-py", "test", normalize=False)
    assert len(test) == 4 and test.labels.tolist() == written["test_batch"][1]
    # normalisation uses the spec's statistics
    norm = load_dataset("cifar10", tmp_path, "test")
    s = spec("cifar10")
    want = (test[0][0][0] - s.mean[0]) / s.std[0]
    assert torch.allclose(norm[0][0][0], want)


def test_cifar100_uses_fine_labels(tmp_path):
    rng = np.random.default_rng(1)
    written = _write_cifar(tmp_path / "cifar-100-python", ["train", "test"], b"fine_labels", 6, 100, rng)
    ds = load_dataset("cifar100", tmp_path, "train")
    assert ds.labels.tolist() == written["train"][1] and ds.spec.classes == 100
    assert ds.transform is not None and any(isinstance(t, RandomCrop) for t in ds.transform.transforms)
    assert ds[0][0].shape == (3, 32, 32)


def test_incomplete_cifar_names_missing_files(tmp_path):
    rng = np.random.default_rng(2)
    _write_cifar(tmp_path / "cifar-10-batches-py", ["data_batch_1", "data_batch_2"], b"labels", 2, 10, rng)
    with pytest.raises(UserError, match=r"missing data_batch_3, data_batch_4, data_batch_5 in .*cifar-10-batches-py"):
        load_dataset("cifar10", tmp_path, "train")
    with pytest.raises(UserError, match="does not exist"):
        load_dataset("cifar100", tmp_path / "nope")
    (tmp_path / "cifar-10-batches-py" / "test_batch").write_bytes(b"not a pickle")
    with pytest.raises(UserError, match="not a CIFAR python pickle"):
        load_dataset("cifar10", tmp_path, "test")


def _write_tinyimagenet(root, wnids, per_class, rng):
    from PIL import Image

    root.mkdir(parents=True)
    (root / "wnids.txt").write_text("\n".join(wnids) + "\n")
    for w in wnids:
        d = root / "train" / w / "images"
        d.mkdir(parents=True)
        for k in range(per_class):
            Image.fromarray(rng.integers(0, 256, (64, 64, 3), dtype=np.uint8)).save(d / f"{w}_{k}.JPEG", format="JPEG")
    (root / "val" / "images").mkdir(parents=True)
    lines = []
    for k in range(5):
        w = wnids[k % len(wnids)]
        img = rng.integers(0, 256, (64, 64), dtype=np.uint8)  # a grayscale image, as some of the real ones are
        Image.fromarray(img).save(root / "val" / "images" / f"val_{k}.JPEG", format="JPEG")
        lines.append(f"val_{k}.JPEG\t{w}\t0\t0\t63\t63")
    (root / "val" / "val_annotations.txt").write_text("\n".join(lines) + "\n")
    return lines


def test_tinyimagenet_folder_layout(tmp_path):
    rng = np.random.default_rng(3)
    wnids = ["n02124075", "n01443537", "n09999999"]
    lines = _write_tinyimagenet(tmp_path / "tiny-imagenet-200", wnids, 2, rng)
    train = load_dataset("tinyimagenet", tmp_path, "train", augment=False, normalize=False)
    assert len(train) == 6 and train.images.dtype == torch.uint8 and train.images.shape[1:] == (3, 64, 64)
    # class index = position in sorted wnids
    assert train.labels.tolist() == [0, 0, 1, 1, 2, 2]
    val = load_dataset("tinyimagenet", tmp_path, "test", normalize=False)
    order = sorted(wnids)
    assert val.labels.tolist() == [order.index(line.split("\t")[1]) for line in lines]
    x, _ = val[0]
    assert x.shape == (3, 64, 64) and torch.equal(x[0], x[1])  # grayscale -> RGB copies
    # a missing annotation file is named
    (tmp_path / "tiny-imagenet-200" / "val" / "val_annotations.txt").unlink()
    with pytest.raises(UserError, match="val/val_annotations.txt"):
        load_dataset("tinyimagenet", tmp_path, "test")


def test_digits_split_is_stratified_seeded_and_scaled():
    train = load_dataset("digits", split="train", seed=0)
    test = load_dataset("digits", split="test", seed=0)
    assert len(train) + len(test) == 1797 and len(test) == 360
    assert float(train.images.min()) == 0.0 and float(train.images.max()) == 1.0
    assert torch.bincount(test.labels, minlength=10).min() >= 35
    again = load_dataset("digits", split="test", seed=0)
    other = load_dataset("digits", split="test", seed=1)
    assert torch.equal(again.images, test.images) and not torch.equal(other.images, test.images)


def test_synthetic_and_spec_options():
    ds = load_dataset("synthetic", channels=2, size=12, classes=7, n_samples=30, seed=4)
    assert ds.images.shape == (30, 2, 12, 12) and int(ds.labels.max()) < 7
    assert torch.equal(load_dataset("synthetic", seed=4).images, load_dataset("synthetic", seed=4).images)
    assert spec("tiny-imagenet-200").shape == (3, 64, 64) and spec("tinyimagenet").classes == 200
    assert spec("digits").shape == (1, 8, 8)
    assert spec("mnist").shape == spec("fashion-mnist").shape == (1, 28, 28)  # idx readers (issue 15)
    with pytest.raises(UserError, match="unknown dataset 'imagenet'"):
        spec("imagenet")
    with pytest.raises(UserError, match="fixed shape"):
        spec("cifar10", size=16)
    with pytest.raises(UserError, match="split"):
        load_dataset("digits", split="val")


def test_transforms():
    x = torch.arange(2 * 4 * 4, dtype=torch.float32).view(2, 4, 4)
    crop = RandomCrop(4, padding=1, seed=0)
    crops = [crop(x) for _ in range(30)]
    assert all(c.shape == (2, 4, 4) for c in crops)
    assert any(not torch.equal(c, x) for c in crops) and any(torch.equal(c, x) for c in crops)
    # every crop is a shifted window of the zero-padded image
    padded = torch.nn.functional.pad(x, (1, 1, 1, 1))
    windows = [padded[:, i : i + 4, j : j + 4] for i in range(3) for j in range(3)]
    assert all(any(torch.equal(c, w) for w in windows) for c in crops)
    flip = RandomHorizontalFlip(0.5, seed=0)
    outs = [flip(x) for _ in range(40)]
    assert {torch.equal(o, x.flip(-1)) for o in outs} == {True, False}
    norm = Normalize([1.0, 2.0], [2.0, 4.0])
    assert torch.allclose(norm(x)[1], (x[1] - 2.0) / 4.0)


def test_encodings():
    x = torch.rand(3, 1, 4, 4)
    d = direct(x, 5)
    assert d.shape == (5, 3, 1, 4, 4) and all(torch.equal(d[t], x) for t in range(5))
    r = rate(torch.full((2000,), 0.3), 4, seed=1)
    assert set(r.unique().tolist()) <= {0.0, 1.0} and abs(float(r.mean()) - 0.3) < 0.02
    assert torch.equal(encode(x, 3, "rate", seed=2), encode(x, 3, "rate", seed=2))
    assert float(rate(torch.tensor([0.0, 1.0, -1.0, 2.0]), 10).sum()) == 20.0
    with pytest.raises(UserError, match="unknown input encoding"):
        encode(x, 3, "latency")


def test_loaders_are_seeded():
    a, _ = make_loaders("digits", batch_size=32, seed=3)
    b, test = make_loaders("digits", batch_size=32, seed=3)
    assert torch.equal(next(iter(a))[1], next(iter(b))[1])
    xb, yb = next(iter(test))
    assert xb.shape[1:] == (1, 8, 8) and yb.dtype == torch.int64


def test_cimsim_reads_the_images_neuronas_loads():
    """cimsim's numpy readers are the ones neuronas builds its torch datasets on (same images, same order)."""
    from cimsim.datasets import normalized, read_images

    images, labels = read_images("digits", "unused", "test", seed=3)
    ds = load_dataset("digits", split="test", seed=3)
    assert np.array_equal(normalized(images, spec("digits")), ds.images.numpy())
    assert np.array_equal(labels, ds.labels.numpy())
