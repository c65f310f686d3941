"""Simulate your own spiking network on a hardware preset.

A researcher writes a small SNN with plain ``torch.nn`` layers and our LIF neuron (one timestep per call,
``step_mode="s"``), imports it with ``torch.fx`` into a quantized SnnGraph, checks that the simulator reproduces
the torch (deploy) spikes, and reads energy / latency / area from the report.

    python examples/simulate_my_snn.py [--hw spikesim_rram_65nm] [--timesteps 5] [--out results/my_snn]
"""
from __future__ import annotations

import argparse

import numpy as np
import torch
from torch import nn

import cimsim
from neuronas.export.fx_import import import_module
from neuronas.models import LIF


class MySnn(nn.Module):
    """conv-BN-LIF, a residual conv block, pooling and a spiking classifier for 8x8 grey images."""

    def __init__(self, classes: int = 10):
        super().__init__()
        self.conv1 = nn.Conv2d(1, 16, 3, padding=1, bias=False)
        self.bn1 = nn.BatchNorm2d(16)
        self.lif1 = LIF(step_mode="s")
        self.conv2 = nn.Conv2d(16, 16, 3, padding=1, bias=False)
        self.bn2 = nn.BatchNorm2d(16)
        self.lif2 = LIF(step_mode="s")
        self.pool = nn.AvgPool2d(2)
        self.flat = nn.Flatten()
        self.fc1 = nn.Linear(16 * 4 * 4, 64)
        self.lif3 = LIF(step_mode="s")
        self.fc2 = nn.Linear(64, classes)

    def forward(self, x):
        a = self.bn1(self.conv1(x))
        s = self.lif1(a)
        s = self.lif2(self.bn2(self.conv2(s)) + a)  # residual add
        return self.fc2(self.lif3(self.fc1(self.flat(self.pool(s)))))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--hw", default="spikesim_rram_65nm", help="hardware preset name or YAML path")
    ap.add_argument("--timesteps", type=int, default=5)
    ap.add_argument("--samples", type=int, default=4)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", default=None, help="directory for report.json / report.csv")
    args = ap.parse_args()

    torch.manual_seed(args.seed)
    net = MySnn().eval()  # in practice: load your trained weights here
    frames = torch.rand(args.samples, 1, 8, 8) * 2.0  # one analog frame, the same at every timestep
    seq = frames.expand(args.timesteps, *frames.shape)

    imported = import_module(net, frames, bits=8, input_bits=8, name="my_snn")
    graph = imported.graph
    print(f"graph {graph.name}: {len(graph)} nodes, {graph.n_params()} crossbar weights, "
          f"{graph.n_weight_bits() / 8:.0f} bytes at 8 bits")

    spikes, outputs = imported.run(seq)  # torch, deploy-mode (quantized) semantics
    report = cimsim.simulate(graph, hw=args.hw, inputs=imported.to_inputs(seq), ideal_adc=True)
    same = all(np.array_equal(report.spikes[k], spikes[k]) for k in spikes) and np.array_equal(report.outputs, outputs)
    print(f"simulator (ideal ADC) reproduces the torch spikes bit for bit: {same}")
    print(report.summary())
    if args.out:
        print(f"report written to {report.write(args.out)}")


if __name__ == "__main__":
    main()
