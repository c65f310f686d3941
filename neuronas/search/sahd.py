"""SAHD: the sparsity-aware Hamming-distance score of SNASNet (Kim et al., ECCV 2022), training-free.

For one batch of ``B`` images the untrained network runs once; a forward hook on every LIF module sees its binary
spikes at every timestep: ``x`` of shape ``[B, N]`` (``N`` neurons of that LIF). Per hook call, with ``s_i`` the
firing rate of sample ``i`` (mean of ``x_i``)::

    d_H   = x (1 - x)^T + (1 - x) x^T                      Hamming distances between samples     [B, B]
    normK = c * (s (1 - s)^T + (1 - s) s^T)                 expected distance of independent
                                                            patterns with those rates             [B, B]
    K    += N - 0.5 / (normK + 1e-3) * d_H

and the batch's score is ``slogdet(K / hook_calls)`` (log |det|). The candidate's score is the mean over
``repeats`` batches (SNASNet: 2). Higher = the network separates the inputs better at initialization.

``c = N`` by default (:data:`NORM_BY_NEURONS`): this is the formula as written in ``REFERENCES.md``, where the
expected distance is the per-neuron probability times the number of neurons, so ``d_H / normK`` is ~1 for
independent patterns. SNASNet's released ``model_snn.py`` computes ``normK`` without the factor ``N`` (``c = 1``);
pass ``norm_by_neurons=False`` for that variant. The two weight the layers differently and can rank cells
differently.

The network runs in training mode (batch norm normalises with the batch's statistics, as in SNASNet's search)
with dropout disabled; batch-norm running statistics of ``model`` are updated by the pass.

Our LIF modules: the macro's LIFs run multi-step (one hook call with ``[T, B, ...]``: split into ``T`` calls
here); the cell's LIFs run single-step (one hook call per timestep with ``[B, ...]``), or multi-step when the cell
has no backward edge and runs time-batched (``time_batched=True``, the default: the same spikes, computed with one
convolution over ``T * B`` frames instead of ``T`` convolutions over ``B``). One LIF per source node
of a cell is shared by all convolution edges leaving it (SNASNet has one per edge); a hook sees it once.
"""
from __future__ import annotations

from typing import Iterable

import numpy as np
import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.models.lif import LIF, reset_states

NORM_BY_NEURONS = True
"""Default of ``norm_by_neurons`` (REFERENCES.md's formula)."""


class SahdKernel:
    """Accumulates the SAHD kernel ``K`` ``[B, B]`` over hook calls (float64).

    Each call's term is kept under a key and the terms are summed in key order. :meth:`add_call` keys them in the
    order of a timestep-by-timestep run: by time block (a cell, or a LIF outside any cell, in module order), then
    timestep, then the order in which the block's LIFs first fired. So a network whose cells run time-batched gives
    the same ``K``, bit for bit, as the same network run timestep by timestep when the spikes are equal.

    Parameters
    ----------
    batch: B, samples in the batch.
    norm_by_neurons: multiply the expected distance by ``N`` (see the module docstring).
    """

    def __init__(self, batch: int, norm_by_neurons: bool = NORM_BY_NEURONS):
        self.batch = int(batch)
        self.norm_by_neurons = bool(norm_by_neurons)
        self.terms: dict[tuple, np.ndarray] = {}
        self._steps: dict[int, int] = {}
        self._ranks: dict[int, list[int]] = {}

    @property
    def calls(self) -> int:
        """Hook calls (LIF timesteps) added so far."""
        return len(self.terms)

    @property
    def K(self) -> np.ndarray:
        """The kernel ``[B, B]``: the sum of every call's term in key order."""
        K = np.zeros((self.batch, self.batch), dtype=np.float64)
        for key in sorted(self.terms):
            K += self.terms[key]
        return K

    def add(self, spikes: torch.Tensor, key: tuple | None = None) -> None:
        """Add one timestep of one LIF: ``spikes`` ``[B, ...]`` (anything > 0 is a spike).

        ``key``: where the term goes in the summation order (default: after every term added so far).
        """
        x = (spikes.detach().reshape(spikes.shape[0], -1) > 0).to(torch.float32)
        if x.shape[0] != self.batch:
            raise ValueError(f"hook saw a batch of {x.shape[0]} samples, kernel is {self.batch}")
        n = x.shape[1]
        # d_H = x(1-x)^T + (1-x)x^T = k_i + k_j - 2 x x^T with k = spike counts = diag(x x^T); 0/1 products
        # summed in float32 are exact integers below 2^24 per entry, then float64
        gram = (x @ x.T).to(torch.float64)
        k = torch.diagonal(gram)
        d_h = k[:, None] + k[None, :] - 2.0 * gram
        s = k / n
        norm = s[:, None] * (1.0 - s[None, :]) + (1.0 - s[:, None]) * s[None, :]
        if self.norm_by_neurons:
            norm = norm * n
        key = (len(self.terms),) if key is None else tuple(key)
        if key in self.terms:
            raise ValueError(f"SAHD kernel: term {key} added twice")
        self.terms[key] = (n - 0.5 / (norm + 1e-3) * d_h).cpu().numpy()

    def add_call(self, spikes: torch.Tensor, lif: int, block: int, t: int | None = None) -> None:
        """Add timestep ``t`` (default: the one after this LIF's last) of LIF number ``lif`` in time block ``block``."""
        ranks = self._ranks.setdefault(block, [])
        if lif not in ranks:
            ranks.append(lif)
        t = self._steps.get(lif, 0) if t is None else int(t)
        self._steps[lif] = t + 1
        self.add(spikes, (block, t, ranks.index(lif)))

    def logdet(self) -> float:
        """``log |det(K / calls)|`` (``-inf`` for a singular kernel)."""
        if self.calls == 0:
            raise UserError("SAHD: the network has no LIF neuron, nothing to score")
        sign, ld = np.linalg.slogdet(self.K / self.calls)
        return float(ld) if sign != 0 else float("-inf")


def _hook_for(kernel_ref: list, lif: int, block: int):
    def hook(module: LIF, inputs, output):
        out = output[0] if isinstance(output, tuple) else output
        kernel = kernel_ref[0]
        if module.step_mode == "m":
            for t in range(out.shape[0]):
                kernel.add_call(out[t], lif, block, t)
        else:
            kernel.add_call(out, lif, block)

    return hook


def _time_blocks(model: nn.Module, lifs: list) -> list[int]:
    """Per LIF, the index (in ``model.modules()`` order) of its time block: the cell holding it, else itself."""
    from neuronas.models.cell import Cell

    mods = list(model.modules())
    index = {id(m): i for i, m in enumerate(mods)}
    owner = {}
    for m in mods:
        if isinstance(m, Cell):
            owner.update({id(lif): index[id(m)] for lif in m.modules() if isinstance(lif, LIF)})
    return [owner.get(id(m), index[id(m)]) for m in lifs]


@torch.no_grad()
def sahd_score(model: nn.Module, batches: Iterable[torch.Tensor], norm_by_neurons: bool = NORM_BY_NEURONS,
               time_batched: bool = True) -> float:
    """SAHD score of ``model`` (mean over the batches of ``log |det K|``).

    Parameters
    ----------
    model: an SNN whose spiking neurons are :class:`~neuronas.models.lif.LIF` modules (e.g. ``neuronas.models.build``).
    batches: image batches ``[B, C, H, W]`` (each scored separately; SNASNet uses 2 batches).
    norm_by_neurons: see the module docstring.
    time_batched: run every cell without backward edges node by node over all timesteps
        (:meth:`neuronas.models.cell.Cell.set_time_batched`); ``False`` runs every cell timestep by timestep, as
        SNASNet does. Both give the same spikes, so the same score; the batched run is faster.

    Returns
    -------
    float: the mean log-determinant (``-inf`` if a kernel is singular, e.g. every sample spikes alike).
    """
    from neuronas.models.cell import time_batched as batched_cells

    lifs = [m for m in model.modules() if isinstance(m, LIF)]
    if not lifs:
        raise UserError("SAHD: the model has no LIF module to observe")
    was_training = model.training
    # batch statistics in batch norm (SNASNet scores its freshly built network in training mode: with the
    # initial running statistics (mean 0, var 1) most layers of an untrained net would stay silent);
    # dropout off so the score is deterministic
    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    device = next((p.device for p in model.parameters()), torch.device("cpu"))
    ref: list = [None]
    handles = [m.register_forward_hook(_hook_for(ref, i, b)) for i, (m, b) in enumerate(zip(lifs, _time_blocks(model, lifs)))]
    scores = []
    try:
        with batched_cells(model, time_batched):
            for images in batches:
                ref[0] = SahdKernel(images.shape[0], norm_by_neurons)
                reset_states(model)
                model(images.to(device))
                scores.append(ref[0].logdet())
    finally:
        for h in handles:
            h.remove()
        reset_states(model)
        model.train(was_training)
    if not scores:
        raise UserError("SAHD: no batch to score")
    return float(np.mean(scores))


def score_batches(dataset, batch: int, repeats: int, seed: int) -> list[torch.Tensor]:
    """``repeats`` batches of ``batch`` images drawn without replacement (seeded) from ``dataset``.

    ``dataset[i] -> (image [C, H, W], label)``. When the dataset is smaller than ``batch * repeats`` the batches
    are drawn independently (each without replacement).
    """
    n = len(dataset)
    if batch < 2:
        raise UserError(f"SAHD batch size {batch}; expected >= 2 (the kernel compares samples)")
    if n < batch:
        raise UserError(f"SAHD batch size {batch} is larger than the data set ({n} images)")
    rng = np.random.default_rng(seed)
    if n >= batch * repeats:
        order = rng.permutation(n)[: batch * repeats].reshape(repeats, batch)
    else:
        order = np.stack([rng.permutation(n)[:batch] for _ in range(repeats)])
    return [torch.stack([dataset[int(i)][0] for i in idx]) for idx in order]
