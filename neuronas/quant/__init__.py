"""Fixed-point weight quantization (default 8 bit), QAT (straight-through) and batch-norm folding."""
from neuronas.quant.convert import crossbar_parameters, enable_qat, is_deployed, memory_footprint, quantize
from neuronas.quant.fixed_point import InputQuantizer, check_bits, fake_quantize, quantize_tensor

__all__ = ["quantize", "enable_qat", "memory_footprint", "crossbar_parameters", "is_deployed", "InputQuantizer",
           "check_bits", "fake_quantize", "quantize_tensor"]
