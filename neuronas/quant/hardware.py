"""Hardware-aware training: every crossbar layer of a model computes what the simulated chip computes.

:class:`HardwareAware` replaces the forward of the crossbar layers of a model built by
:func:`neuronas.models.build` (each ``ConvBN`` and ``nn.Linear``; their module names are the exported graph's node
names). Such a layer

1. folds its batch norm into the convolution with the frozen running statistics (as :func:`neuronas.quant.quantize`
   does at deployment) and quantizes the folded weight per tensor to ``bits`` bits (straight-through);
2. turns its input into the integers the chip's rows see (spikes; for the stem the frame quantized with the
   scale the deployment calibrates on the same images);
3. computes the exact integer product (differentiable) and the chip's product (:func:`adc_product`: bit slices,
   row groups, the ADC with the layer's calibrated range and saturation, optional device noise), and returns the
   chip's value with the exact product's gradient (straight-through estimator).

The read layout and the ADC's calibrated LSBs come from the simulator itself (:meth:`HardwareAware.calibrate`:
quantize -> export -> ``map_graph`` -> ``adc_for_run`` on the calibration images, as the deployment does), and
are refreshed while training because the LSBs follow the weights. The model's parameters and state dict are
unchanged: a checkpoint trained this way loads into the same model (after ``enable_qat``).
"""
from __future__ import annotations

import functools

import torch
from torch import nn

from neuronas.quant.crossbar import CrossbarReads, DeviceNoise, adc_product
from neuronas.quant.fixed_point import _RoundSTE, qmax, scale_for


class HardwareAware:
    """Puts the chip's crossbar product into ``model``'s forward (see the module docstring).

    Parameters
    ----------
    model: a model built by :func:`neuronas.models.build` with QAT enabled (``enable_qat(model, bits)``).
    chip: the :class:`cimsim.config.schema.Chip` (a preset name or path is loaded).
    calibration_images: images ``[N, C, H, W]`` that set the input scale and the ADC's range (the deployment's
        calibration images: the chip then uses the same LSBs).
    bits: weight bits. noise: inject the chip's device non-idealities (``crossbar.nonideal``) while training.
    seed: seeds the noise draws.
    """

    def __init__(self, model: nn.Module, chip, calibration_images: torch.Tensor, bits: int = 8,
                 noise: bool = True, seed: int = 0):
        if isinstance(chip, str):
            import cimsim

            chip = cimsim.load_config(chip)
        self.model, self.chip, self.bits = model, chip, int(bits)
        self.images = calibration_images.detach().cpu()
        self.noise = DeviceNoise.from_chip(chip) if noise else None
        self.generator = torch.Generator().manual_seed(int(seed))
        self.specs: dict[str, CrossbarReads] = {}
        self._handles: list[nn.Module] = []
        self._scales: dict[str, float] = {}
        # the input scale quantize() will give the deployed network (calibrated on the same images)
        self.frame_scale = scale_for(float(self.images.abs().max()), model.input_quant.bits)
        self.adc_bits = chip.adc.bits

    # ------------------------------------------------------------------ simulator side
    def calibrate(self) -> dict[str, list[float]]:
        """Map the current weights with the simulator and take its read layout and calibrated ADC LSBs.

        Returns layer -> LSBs (cell levels, one per cell column of an output).
        """
        from cimsim.engine.adc_calibration import adc_for_run
        from cimsim.mapping import map_graph
        from neuronas.export import export, to_inputs
        from neuronas.quant.convert import quantize

        was = self.attached
        self.detach()
        training = self.model.training
        try:
            with torch.no_grad():
                dep = quantize(self.model, self.bits, calibration=self.images).cpu()
                graph = export(dep, self.images[:1], self.model.timesteps)
                mapping = map_graph(graph, self.chip, self.chip.run)
                adc = adc_for_run(mapping, to_inputs(dep, self.images, self.model.timesteps))
        finally:
            self.model.train(training)
            if was:
                self.attach()
        self.specs = {n: CrossbarReads.from_mapping(mapping.layers[n], self.chip, adc) for n in mapping.order}
        return {n: s.lsbs.tolist() for n, s in self.specs.items()}

    # ------------------------------------------------------------------ attaching
    @property
    def attached(self) -> bool:
        return bool(self._handles)

    def attach(self) -> "HardwareAware":
        """Put the chip into the crossbar layers' forward (calibrating first if needed)."""
        from neuronas.models.ops import ConvBN

        if self.attached:
            return self
        if not self.specs:
            self.calibrate()
        for name, m in self.model.named_modules():
            if name in self.specs and isinstance(m, (ConvBN, nn.Linear)):
                # an instance attribute shadows the class's forward until detach() deletes it
                m.forward = functools.partial(self.forward, name, m)
                self._handles.append(m)
        iq = self.model.input_quant
        iq.forward = self.quantize_frame  # the deployment's input scale, not the one QAT has recorded
        self._handles.append(iq)
        return self

    def quantize_frame(self, x: torch.Tensor) -> torch.Tensor:
        """The input frame as the deployed network's input node holds it (scale from the calibration images),
        with a straight-through gradient."""
        q = qmax(self.model.input_quant.bits)
        return torch.clamp(_RoundSTE.apply(x / self.frame_scale), -q - 1, q) * self.frame_scale

    def detach(self) -> None:
        """Restore the layers' own forward: the model computes its float (QAT) forward again."""
        for m in self._handles:
            del m.forward
        self._handles = []

    def __enter__(self) -> "HardwareAware":
        return self.attach()

    def __exit__(self, *exc) -> None:
        self.detach()

    def freeze_batchnorm(self) -> None:
        """Batch norms in eval mode (running statistics frozen: they are folded into the crossbar weights)."""
        for m in self.model.modules():
            if isinstance(m, nn.modules.batchnorm._BatchNorm):
                m.eval()

    # ------------------------------------------------------------------ the layer
    def input_scale(self, name: str) -> float:
        """Scale of the integers layer ``name`` reads (the deployed frame's for the stem, 1 for spikes)."""
        if not self._scales:
            self._scales = self.model.crossbar_input_scales(self.frame_scale)
        return float(self._scales.get(name, 1.0))

    def folded(self, module: nn.Module) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Weight ``[O, ...]`` and bias of the layer with its batch norm folded in (running statistics)."""
        from neuronas.models.ops import ConvBN

        if not isinstance(module, ConvBN):
            return module.weight, module.bias
        w, bn = module.conv.weight, module.bn
        k = bn.weight / torch.sqrt(bn.running_var + bn.eps)
        b = bn.bias - k * bn.running_mean
        if module.conv.bias is not None:
            b = b + k * module.conv.bias
        return w * k.view(-1, *([1] * (w.dim() - 1))), b

    def forward(self, name: str, module: nn.Module, x: torch.Tensor) -> torch.Tensor:
        """The chip's output of crossbar layer ``name`` for input ``x`` (``[T, N, ...]`` or ``[N, ...]``)."""
        from neuronas.models.ops import ConvBN, over_time

        spec = self.specs[name]
        w, b = self.folded(module)
        q = qmax(spec.weight_bits)
        scale = w.detach().abs().max().clamp_min(torch.finfo(w.dtype).tiny) / q
        w_int = torch.clamp(_RoundSTE.apply(w / scale), -q, q)
        in_scale = self.input_scale(name)
        conv = module.conv if isinstance(module, ConvBN) else None

        def layer(z: torch.Tensor) -> torch.Tensor:
            z_int = _RoundSTE.apply(z / in_scale) if in_scale != 1.0 else z
            if conv is None:
                rows = z_int.detach().reshape(z.shape[0], -1)
            else:
                cols = nn.functional.unfold(z_int.detach(), conv.kernel_size, padding=conv.padding, stride=conv.stride)
                rows = cols.transpose(1, 2).reshape(-1, cols.shape[1])
            noise = self.noise if self.model.training else None
            acc = adc_product(rows, w_int.detach().reshape(w_int.shape[0], -1).T, spec, noise, self.generator)
            if conv is not None:  # [N*P, O] -> [N, O, Ho, Wo]
                ho, wo = _out_size(z.shape[-2:], conv)
                acc = acc.reshape(z.shape[0], ho * wo, -1).transpose(1, 2).reshape(z.shape[0], -1, ho, wo)
            if torch.is_grad_enabled():  # chip values forward, the exact product's gradients backward
                exact = (nn.functional.linear(z_int, w_int) if conv is None else
                         nn.functional.conv2d(z_int, w_int, None, conv.stride, conv.padding))
                acc = exact + (acc - exact).detach()
            y = acc * (in_scale * scale)
            return y if b is None else y + b.view(-1, *([1] * (y.dim() - 2)))

        return over_time(layer, x, 3 if conv is not None else 1)


def _out_size(hw: tuple, conv: nn.Conv2d) -> tuple[int, int]:
    """Output height and width of ``conv`` on an input of height and width ``hw``."""
    return tuple((n + 2 * p - d * (k - 1) - 1) // st + 1
                 for n, p, d, k, st in zip(hw, conv.padding, conv.dilation, conv.kernel_size, conv.stride))


def measure_on_chip(model: nn.Module, chip, images: torch.Tensor, labels, calibration_images: torch.Tensor,
                    bits: int = 8, chips: int = 1, seed: int = 0):
    """Accuracy of a trained model on the simulated chip over ``images`` ``[N, C, H, W]`` with ``labels`` ``[N]``.

    The model is quantized (input range from ``calibration_images``), exported and mapped; the chip's values are
    computed for every image (:func:`cimsim.accuracy.chip_accuracy`, ``chips`` instances, the ADC's range
    calibrated on ``calibration_images``, never on the images scored). Returns the :class:`ChipAccuracy` (with
    the ideal-ADC accuracy of the same deployed network).
    """
    import numpy as np

    from cimsim.accuracy import chip_accuracy
    from cimsim.mapping import map_graph
    from neuronas.export import export, to_inputs
    from neuronas.quant.convert import quantize

    if isinstance(chip, str):
        import cimsim

        chip = cimsim.load_config(chip)
    calibration_images = calibration_images.detach().cpu()
    deploy = quantize(model, bits, calibration=calibration_images).cpu()
    t = deploy.timesteps
    graph = export(deploy, calibration_images[:1], t)
    mapping = map_graph(graph, chip, chip.run)
    return chip_accuracy(mapping, to_inputs(deploy, images.detach().cpu(), t), np.asarray(labels), chips=chips,
                         seed=seed, calibration_inputs=to_inputs(deploy, calibration_images, t))
