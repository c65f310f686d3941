"""SNASNet macro architecture (Kim et al., ECCV 2022) around two searched cells, and a small one for ``digits``.

Layers (module names in brackets; they are also the node names of the exported graph)::

    image [N, Cin, H, W] -> input quantizer [input_quant] -> conv3x3 + BN [stem; stride 1, or 2 from 64 pixels]
    (direct encoding: the same frame every timestep) -> cell (C) [cell1] -> BN [bn1] -> LIF [lif1]
    -> conv3x3 C->2C + BN [conv1] -> avgpool 2 [pool1] -> cell (2C) [cell2] -> BN [bn2] -> LIF [lif2]
    -> avgpool 2 [pool2, optional] -> dropout -> flatten -> FC -> hidden [fc1] -> LIF [lif3]
    -> FC -> classes x vote [fc2]
    -> class score = mean of each group of ``vote`` outputs, averaged over timesteps.

Defaults: CIFAR-10 C=256, CIFAR-100 / TinyImageNet C=128, hidden 1024, vote 10; frames of 64 pixels or more
(TinyImageNet) enter through a stride-2 stem, so the cells run at 32 x 32 as on CIFAR (SNASNet's public code does the
same: ``stem_stride = 2`` for TinyImageNet). The ``digits`` macro (8x8x1) uses C=16, no second pooling and 128
hidden neurons. Dropout rates are our choice (not published).
"""
from __future__ import annotations

from dataclasses import dataclass

import torch
from torch import nn

from cimsim.errors import UserError
from neuronas.models.cell import Cell
from neuronas.models.lif import LIF
from neuronas.models.ops import AvgPool, ConvBN, TimeBatchNorm
from neuronas.quant.fixed_point import InputQuantizer
from neuronas.space.genotype import Genotype


@dataclass(frozen=True)
class MacroConfig:
    """Size of a macro architecture.

    Parameters
    ----------
    channels: C, channels of the first cell (the second has 2C).
    hidden: neurons of the hidden fully connected layer.
    second_pool: average-pool (2x2) after the second cell.
    vote: outputs per class (class score = their mean).
    dropout: dropout probability before the classifier.
    timesteps: T.
    input_bits: bits of the quantized input frame.
    stem_stride: stride of the stem convolution (2 halves the frame before the first cell).
    """

    channels: int
    hidden: int = 1024
    second_pool: bool = True
    vote: int = 10
    dropout: float = 0.2
    timesteps: int = 5
    input_bits: int = 8
    stem_stride: int = 1


class SnasNet(nn.Module):
    """SNASNet-style spiking network: ``forward(images [N, Cin, H, W]) -> class scores [N, classes]``.

    Parameters
    ----------
    genotype: cell genotype (both cells share it, as in SNASNet).
    in_channels, size, classes: input frame ``[in_channels, size, size]`` and number of classes.
    config: :class:`MacroConfig`.
    lif_kwargs: keyword arguments of every LIF (default SNASNet's: tau 4/3, threshold 1, hard reset to 0, atan).
    """

    def __init__(self, genotype: Genotype, in_channels: int, size: int, classes: int, config: MacroConfig,
                 lif_kwargs: dict | None = None):
        super().__init__()
        c = int(config.channels)
        if c < 1 or config.hidden < 1 or config.vote < 1 or config.timesteps < 1:
            raise UserError(f"macro config {config}: channels, hidden, vote and timesteps must be >= 1")
        pools = 2 if config.second_pool else 1
        stride = int(config.stem_stride)
        if stride < 1 or size % (stride * 2**pools):
            raise UserError(f"input size {size} is not divisible by {stride * 2**pools} (stem stride {stride}, then "
                            f"the macro pools {pools} time(s) by 2)")
        self.genotype = Genotype.parse(genotype)
        self.config = config
        self.timesteps = int(config.timesteps)
        self.classes = int(classes)
        self.vote = int(config.vote)
        self.input_shape = (int(in_channels), int(size), int(size))
        lk = dict(lif_kwargs or {})
        self.input_quant = InputQuantizer(config.input_bits)
        self.stem = ConvBN(in_channels, c, 3, stride=stride)
        self.cell1 = Cell(self.genotype, c, lk)
        self.bn1 = TimeBatchNorm(c)
        self.lif1 = LIF(**lk)
        self.conv1 = ConvBN(c, 2 * c, 3)
        self.pool1 = AvgPool(2, 2, 0)
        self.cell2 = Cell(self.genotype, 2 * c, lk)
        self.bn2 = TimeBatchNorm(2 * c)
        self.lif2 = LIF(**lk)
        self.pool2 = AvgPool(2, 2, 0, integer_input=True) if config.second_pool else None
        self.dropout = nn.Dropout(config.dropout)
        side = size // (stride * 2**pools)
        self.fc1 = nn.Linear(2 * c * side * side, config.hidden)
        self.lif3 = LIF(**lk)
        self.fc2 = nn.Linear(config.hidden, self.classes * self.vote)

    def crossbar_input_scales(self, input_scale: float) -> dict[str, float]:
        """Scale of the integer values each crossbar layer reads (spikes 1, pooled spikes 1/area, image its own)."""
        scales = {name: 1.0 for name, m in self.named_modules() if isinstance(m, (ConvBN, nn.Linear))}
        scales["stem"] = float(input_scale)
        if self.pool2 is not None:
            scales["fc1"] = 1.0 / (self.pool2.kernel[0] * self.pool2.kernel[1])
        return scales

    def timestep_outputs(self, images: torch.Tensor, timesteps: int | None = None) -> torch.Tensor:
        """Raw classifier outputs per timestep ``[T, N, classes * vote]`` (what the graph's output node holds)."""
        T = self.timesteps if timesteps is None else int(timesteps)
        x = self.stem(self.input_quant(images))
        x = x.unsqueeze(0).expand(T, *x.shape)
        x = self.cell1(x)
        x = self.conv1(self.lif1(self.bn1(x)))
        x = self.cell2(self.pool1(x))
        x = self.lif2(self.bn2(x))
        if self.pool2 is not None:
            x = self.pool2(x)
        x = self.dropout(x).flatten(2)
        x = self.fc2(self.lif3(self.fc1(x)))
        return x

    def scores(self, outputs: torch.Tensor) -> torch.Tensor:
        """Per-timestep class scores ``[T, N, classes]`` from raw outputs (mean over each vote group)."""
        return outputs.reshape(*outputs.shape[:-1], self.classes, self.vote).mean(-1)

    def forward(self, images: torch.Tensor, timesteps: int | None = None) -> torch.Tensor:
        return self.scores(self.timestep_outputs(images, timesteps)).mean(0)


def default_config(spec, channels: int | None = None, timesteps: int = 5) -> MacroConfig:
    """Macro size for a dataset spec: the small macro below 32x32 pixels, SNASNet's otherwise."""
    if spec.size < 32:
        return MacroConfig(channels=channels or 16, hidden=128, second_pool=False, dropout=0.0, timesteps=timesteps)
    default_c = 256 if spec.name == "cifar10" else 128
    return MacroConfig(channels=channels or default_c, hidden=1024, second_pool=True, dropout=0.2, timesteps=timesteps,
                       stem_stride=2 if spec.size >= 64 else 1)
