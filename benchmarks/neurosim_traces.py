"""Synthetic per-layer trace files for the DNN+NeuroSim V1.4 C++ simulator (no PyTorch side needed).

NeuroSim's C++ (``NeuroSIM/main``) is called as::

    main NETWORK.csv WEIGHT_BITS INPUT_BITS SUBARRAY_ROWS PARALLEL_ROWS  W1.csv IN1.csv  W2.csv IN2.csv ...

The facts about the files it reads (learned from its readers; no NeuroSim code is used here):

* network CSV, one row per layer: ``IFM_H, IFM_W, C_in, K_H, K_W, C_out, pooling (0/1), stride``;
* weight CSV of a layer: ``C_in*K_H*K_W`` rows by ``C_out`` columns, real values in ``[-1, 1]`` (NeuroSim maps the
  range ``[algoWeightMin, algoWeightMax] = [-1, 1]`` onto ``2**WEIGHT_BITS`` levels); row index is
  ``(c_in, k_h, k_w)`` flattened in that order;
* input CSV of a layer: ``C_in*K_H*K_W`` rows by ``N_vectors * INPUT_BITS`` columns of ``0``/``1``; column
  ``v*INPUT_BITS + b`` is bit ``b`` (``b = 0`` the sign / most significant bit) of input vector ``v``; a
  convolution has one vector per output position of the zero-padded ("same") input, a fully connected layer
  has one vector.

What this module generates (written from scratch, numpy only):

* weights: integers ``q`` uniform in ``[-(2**(wb-1) - 1), 2**(wb-1) - 1]``, written as ``q / 2**(wb-1)``;
* activations: a ``C_in x H x W`` tensor of unsigned ``INPUT_BITS``-bit integers whose magnitude bits are each 1
  with probability ``density`` (independent Bernoulli draws) and whose sign bit is 0 (non-negative, post-ReLU
  activations); then unrolled (im2col) with zero padding ``(K-1)//2`` and the layer's stride;
* everything from one ``numpy.random.default_rng(seed)``, layer by layer in order.

Usage::

    python benchmarks/neurosim_traces.py --network NetWork_VGG8.csv --out DIR \
        --density 0.25 --weight-bits 8 --input-bits 8 --seed 0

writes ``DIR/weight<i>.csv`` and ``DIR/input<i>.csv`` (``i`` from 1) and prints the argument list for NeuroSim.
"""
from __future__ import annotations

import argparse
import os
from dataclasses import dataclass
from typing import Iterable, List, Sequence

import numpy as np


@dataclass(frozen=True)
class Layer:
    """One row of a NeuroSim network CSV."""

    ifm_h: int
    ifm_w: int
    c_in: int
    k_h: int
    k_w: int
    c_out: int
    pool: int = 0
    stride: int = 1

    @property
    def rows(self) -> int:
        """Rows of the unrolled weight matrix (and of the input trace)."""
        return self.c_in * self.k_h * self.k_w

    @property
    def n_vectors(self) -> int:
        """Input vectors per image: output positions of the zero-padded convolution (1 for a 1x1 on 1x1)."""
        out_h = (self.ifm_h + 2 * ((self.k_h - 1) // 2) - self.k_h) // self.stride + 1
        out_w = (self.ifm_w + 2 * ((self.k_w - 1) // 2) - self.k_w) // self.stride + 1
        return out_h * out_w


def read_network(path: str) -> List[Layer]:
    """Parse a network CSV (8 integers per line, blank lines ignored)."""
    layers = []
    with open(path) as fh:
        for line in fh:
            vals = [v.strip() for v in line.split(",") if v.strip()]
            if vals:
                layers.append(Layer(*[int(float(v)) for v in vals[:8]]))
    return layers


def weight_matrix(layer: Layer, weight_bits: int, rng: np.random.Generator) -> np.ndarray:
    """``rows x c_out`` weights on the symmetric ``weight_bits`` grid in [-1, 1]."""
    half = 2 ** (weight_bits - 1)
    q = rng.integers(-(half - 1), half, size=(layer.rows, layer.c_out), endpoint=False)
    return q / half


def activation_tensor(layer: Layer, input_bits: int, density: float, rng: np.random.Generator) -> np.ndarray:
    """``c_in x H x W`` unsigned integers; each magnitude bit is 1 with probability ``density``, sign bit 0."""
    if not 0.0 <= density <= 1.0:
        raise ValueError(f"density must be in [0, 1], got {density}")
    shape = (layer.c_in, layer.ifm_h, layer.ifm_w)
    value = np.zeros(shape, dtype=np.int64)
    for b in range(input_bits - 1):  # magnitude bits; the sign bit (MSB) stays 0
        value |= (rng.random(shape) < density).astype(np.int64) << b
    return value


def unroll(act: np.ndarray, layer: Layer) -> np.ndarray:
    """im2col: ``rows x n_vectors`` with zero padding ``(K-1)//2``, rows ordered (c_in, k_h, k_w)."""
    ph, pw = (layer.k_h - 1) // 2, (layer.k_w - 1) // 2
    padded = np.pad(act, ((0, 0), (ph, ph), (pw, pw)))
    out_h = (layer.ifm_h + 2 * ph - layer.k_h) // layer.stride + 1
    out_w = (layer.ifm_w + 2 * pw - layer.k_w) // layer.stride + 1
    cols = np.empty((layer.c_in, layer.k_h, layer.k_w, out_h, out_w), dtype=act.dtype)
    for i in range(layer.k_h):
        for j in range(layer.k_w):
            cols[:, i, j] = padded[:, i:i + layer.stride * out_h:layer.stride, j:j + layer.stride * out_w:layer.stride]
    return cols.reshape(layer.rows, out_h * out_w)


def bit_planes(vectors: np.ndarray, input_bits: int) -> np.ndarray:
    """``rows x (n_vectors*input_bits)`` 0/1 matrix; column ``v*input_bits + b`` is bit ``b`` (0 = MSB) of ``v``."""
    rows, n = vectors.shape
    shifts = np.arange(input_bits - 1, -1, -1)  # b = 0 -> MSB
    bits = (vectors[:, :, None] >> shifts[None, None, :]) & 1
    return bits.reshape(rows, n * input_bits).astype(np.uint8)


def write_layer(layer: Layer, index: int, out_dir: str, weight_bits: int, input_bits: int, density: float,
                rng: np.random.Generator) -> tuple:
    """Write ``weight<index>.csv`` and ``input<index>.csv``; return their paths."""
    w = weight_matrix(layer, weight_bits, rng)
    bits = bit_planes(unroll(activation_tensor(layer, input_bits, density, rng), layer), input_bits)
    w_path = os.path.join(out_dir, f"weight{index}.csv")
    in_path = os.path.join(out_dir, f"input{index}.csv")
    np.savetxt(w_path, w, delimiter=",", fmt="%.5f")
    with open(in_path, "w") as fh:
        for row in bits:
            fh.write(",".join("1" if v else "0" for v in row.tolist()))
            fh.write("\n")
    return w_path, in_path


def write_traces(layers: Sequence[Layer], out_dir: str, density: float = 0.25, weight_bits: int = 8,
                 input_bits: int = 8, seed: int = 0) -> List[str]:
    """Write every layer's traces; return the per-layer file arguments in NeuroSim's order."""
    os.makedirs(out_dir, exist_ok=True)
    rng = np.random.default_rng(seed)
    args: List[str] = []
    for i, layer in enumerate(layers, start=1):
        args.extend(write_layer(layer, i, out_dir, weight_bits, input_bits, density, rng))
    return args


def main(argv: Iterable[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--network", required=True, help="network CSV (8 integers per layer)")
    p.add_argument("--out", required=True, help="output directory")
    p.add_argument("--density", type=float, default=0.25, help="probability that an activation magnitude bit is 1")
    p.add_argument("--weight-bits", type=int, default=8)
    p.add_argument("--input-bits", type=int, default=8)
    p.add_argument("--seed", type=int, default=0)
    a = p.parse_args(None if argv is None else list(argv))
    args = write_traces(read_network(a.network), a.out, a.density, a.weight_bits, a.input_bits, a.seed)
    print(" ".join(args))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
