"""SAHD score: kernel arithmetic against a direct evaluation, and ranking of cells on digits."""
import math

import numpy as np
import torch

from neuronas.search.sahd import SahdKernel, sahd_score, score_batches


def _direct_kernel(x: np.ndarray, norm_by_neurons: bool) -> np.ndarray:
    B, N = x.shape
    K = np.zeros((B, B))
    s = x.mean(1)
    for i in range(B):
        for j in range(B):
            d = np.sum(x[i] * (1 - x[j]) + (1 - x[i]) * x[j])
            norm = s[i] * (1 - s[j]) + (1 - s[i]) * s[j]
            if norm_by_neurons:
                norm *= N
            K[i, j] = N - 0.5 / (norm + 1e-3) * d
    return K


def test_kernel_matches_direct_formula():
    rng = np.random.default_rng(3)
    for norm in (True, False):
        k = SahdKernel(5, norm_by_neurons=norm)
        ref = np.zeros((5, 5))
        for n in (7, 40):
            x = (rng.random((5, n)) < rng.uniform(0.05, 0.6)).astype(np.float32)
            k.add(torch.from_numpy(x).reshape(5, n, 1))
            ref += _direct_kernel(x.astype(np.float64), norm)
        assert k.calls == 2
        np.testing.assert_allclose(k.K, ref, rtol=1e-10, atol=1e-8)
        assert math.isclose(k.logdet(), np.linalg.slogdet(ref / 2)[1], rel_tol=1e-9)


def test_identical_samples_give_singular_kernel():
    k = SahdKernel(3)
    x = torch.zeros(3, 10)
    x[:, :4] = 1
    k.add(x)
    assert k.logdet() == float("-inf")


def _score(genotype: str, batches) -> float:
    from neuronas.data import spec
    from neuronas.models import build

    torch.manual_seed(0)
    return sahd_score(build(genotype, spec("digits"), channels=8), batches)


def test_ranks_conv_cell_above_degenerate_identity_cell():
    """An identity cell (the input passed straight to the output, nothing learned inside) trains worse than a
    cell with convolutions on digits; SAHD at initialisation must rank them the same way."""
    from neuronas.data import load_dataset

    batches = score_batches(load_dataset("digits", split="train"), 32, 2, seed=0)
    degenerate = _score("zeroize~0|zeroize~0,zeroize~1|skip~0,zeroize~1,zeroize~2", batches)
    conv = _score("conv3x3~0|conv3x3~0,conv3x3~1|conv3x3~0,conv1x1~1,conv3x3~2", batches)
    assert math.isfinite(conv) and conv > degenerate


def test_score_batches_are_seeded_and_distinct():
    from neuronas.data import load_dataset

    ds = load_dataset("digits", split="train")
    a = score_batches(ds, 16, 2, seed=1)
    b = score_batches(ds, 16, 2, seed=1)
    assert len(a) == 2 and a[0].shape == (16, 1, 8, 8)
    assert all(torch.equal(x, y) for x, y in zip(a, b))
    assert not torch.equal(a[0], a[1])
