"""One timestep of a user's SNN as a ``torch.fx`` graph, recorded from an eager run of the user's own forward.

``torch.fx`` cannot trace the usual framework code: a forward that loops over timesteps (``for t in
range(x.shape[0])``), neurons that return ``(spikes, membrane)`` tuples or take their state as an argument, or
SpikingJelly's multi-step layers. So the forward is *run* once on the sample while a :class:`StepRecorder` watches:

- calls of leaf modules (layers and spiking neurons) through module hooks, and the torch functions called by the
  forward itself (not inside those modules) through a ``TorchFunctionMode``;
- a value is *tracked* when it derives from the input; functions of untracked values (``init_leaky()``, zero
  membranes, time counters) are the framework's business and are ignored;
- a neuron's spikes are the first tensor it returns; its other arguments and results are its state;
- the step ends when the first leaf module is called a second time (the loop's next iteration); any other
  module called twice in one step is an error (reuse of one neuron module for two layers);
- ``x[t]`` of the input selects one timestep; in SpikingJelly's multi-step mode every value carries the time axis
  ``[T, N, ...]`` and the step graph drops it;
- ``torch.stack`` over the recorded steps or a ``mean``/``sum`` over the time axis is the readout: the graph's
  output is the step value it reads (else the value the forward returns).
"""
from __future__ import annotations

import operator
from dataclasses import dataclass, field

import numpy as np
import torch
from torch import fx, nn
from torch.overrides import TorchFunctionMode

from cimsim.errors import UserError
from neuronas.interop.neurons import SUPPORTED as NEURONS
from neuronas.interop.neurons import is_neuron, looks_like_neuron

LAYERS = (nn.Conv2d, nn.Linear, nn.BatchNorm1d, nn.BatchNorm2d, nn.AvgPool2d, nn.MaxPool2d, nn.AdaptiveAvgPool2d,
          nn.Flatten, nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)
_PASS = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)
SUPPORTED = ("Conv2d, Linear, BatchNorm1d/2d, AvgPool2d, MaxPool2d, AdaptiveAvgPool2d, Flatten, Dropout, Identity, "
             f"residual +, and the neurons {NEURONS}")
_ADD = {operator.add, operator.iadd, torch.add, torch.Tensor.add, torch.Tensor.__add__, torch.Tensor.__iadd__,
        torch.Tensor.__radd__}
_FLAT = {torch.flatten, torch.Tensor.flatten, torch.Tensor.view, torch.Tensor.reshape, torch.reshape}
_ALIAS = {torch.Tensor.detach, torch.Tensor.clone, torch.Tensor.contiguous, torch.Tensor.float,
          nn.functional.dropout}
_READOUT = {torch.stack, torch.Tensor.mean, torch.mean, torch.Tensor.sum, torch.sum}


@dataclass
class _Value:
    node: fx.Node
    timed: bool  # carries a leading time axis [T, N, ...]


def _tensors(obj) -> list[torch.Tensor]:
    if isinstance(obj, torch.Tensor):
        return [obj]
    if isinstance(obj, (list, tuple)):
        return [t for o in obj for t in _tensors(o)]
    return []


@dataclass
class StepRecorder(TorchFunctionMode):
    """Builds :attr:`graph` (one timestep) while the user's model runs (see the module docstring).

    Attributes
    ----------
    names: leaf module object id -> qualified name. timed_input: the input carries a time axis (multi-step mode).
    pools: AdaptiveAvgPool2d name -> the fixed AvgPool2d it equals. step_from_index: the step input is ``x[t]``.
    """

    names: dict[int, str]
    timed_input: bool
    cls: str
    unsupported: set[int] = field(default_factory=set)
    graph: fx.Graph = field(default_factory=fx.Graph)
    pools: dict[str, nn.Module] = field(default_factory=dict)
    step_from_index: bool = False
    values: dict[int, _Value] = field(default_factory=dict)
    keep: list = field(default_factory=list)
    calls: list[str] = field(default_factory=list)
    depth: int = 0
    done: bool = False
    output: fx.Node | None = None

    def __post_init__(self):
        super().__init__()

    def track(self, t: torch.Tensor, node: fx.Node, timed: bool) -> None:
        self.keep.append(t)  # ids stay unique while the tensor lives
        self.values[id(t)] = _Value(node, timed)

    def value(self, t) -> _Value | None:
        return self.values.get(id(t)) if isinstance(t, torch.Tensor) else None

    # ----------------------------------------------------------------- module hooks
    def pre_hook(self, module: nn.Module, args) -> None:
        if self.depth == 0 and not self.done:
            name = self.names[id(module)]
            if id(module) in self.unsupported:
                raise UserError(f"unsupported module {name!r} of type {type(module).__name__}; supported: {SUPPORTED}")
            if name in self.calls:
                if name != self.calls[0]:
                    raise UserError(f"module {name!r} ({type(module).__name__}) is called more than once in one "
                                    f"timestep of {self.cls}.forward; give every layer its own module")
                self.done = True  # the loop's second iteration: one step is recorded
            else:
                self.calls.append(name)
        self.depth += 1

    def hook(self, module: nn.Module, args, output) -> None:
        self.depth -= 1
        if self.depth == 0 and not self.done:
            self._module(self.names[id(module)], module, args, output)

    def _module(self, name: str, m: nn.Module, args, output) -> None:
        kind = type(m).__name__
        src = self.value(args[0]) if args else None
        if src is None:
            raise UserError(f"module {name!r} ({kind}) reads a value that does not come from the input (a membrane "
                            "or a constant?); every layer must read the previous layer's output")
        if not (is_neuron(m) or looks_like_neuron(m)) and len(_tensors(list(args[1:]))):
            raise UserError(f"module {name!r} ({kind}) must be called with exactly one tensor")
        out = _tensors(output)[0]
        if isinstance(m, _PASS):
            self.track(out, src.node, src.timed)
        elif isinstance(m, nn.Flatten):
            self._flatten(name, args[0], src, out)
        else:
            if isinstance(m, nn.AdaptiveAvgPool2d):
                self.pools[name] = _fixed_pool(name, m, tuple(args[0].shape[-2:]))
            self.track(out, self.graph.call_module(name, (src.node,)), src.timed)

    # ----------------------------------------------------------------- functions
    def __torch_function__(self, func, types, args=(), kwargs=None):
        kwargs = kwargs or {}
        out = func(*args, **kwargs)
        if self.depth == 0:
            self._function(func, args, kwargs, out)
        return out

    def _function(self, func, args, kwargs, out) -> None:
        ins = [v for v in (self.value(t) for t in _tensors(list(args)) + _tensors(list(kwargs.values()))) if v]
        if not ins or not isinstance(out, torch.Tensor):
            return
        if func in _READOUT and (func is torch.stack or (ins[0].timed and _dim(args, kwargs) == 0)):
            if self.output is None:
                self.output = ins[0].node
            return
        if self.done:
            return
        fname = getattr(func, "__name__", str(func))
        if func is torch.Tensor.__getitem__ and isinstance(args[1], int) and ins[0].node.op == "placeholder":
            self.step_from_index = True
            self.track(out, ins[0].node, False)
        elif func in _ALIAS:
            self.track(out, ins[0].node, ins[0].timed)
        elif func in _ADD and len(ins) == 2 and len(_tensors(list(args))) == 2:
            if ins[0].timed != ins[1].timed:
                raise UserError(f"add in {self.cls}.forward: one operand has a time axis and the other not")
            self.track(out, self.graph.call_function(operator.add, (ins[0].node, ins[1].node)), ins[0].timed)
        elif func in _FLAT:
            self._flatten(fname, args[0], ins[0], out)
        else:
            hint = " (a neuron written by hand? use one of the supported neuron classes)" if "zeros" in fname or \
                fname in ("__getitem__", "empty_like", "full_like") else ""
            raise UserError(f"unsupported function {fname!r} in {self.cls}.forward{hint}; supported: {SUPPORTED}")

    def _flatten(self, name: str, x: torch.Tensor, src: _Value, out: torch.Tensor) -> None:
        lead = 2 if src.timed else 1
        if tuple(out.shape) != (*x.shape[:lead], int(np.prod(x.shape[lead:]))):
            raise UserError(f"{name} in {self.cls}.forward: a reshape of {tuple(x.shape)} to {tuple(out.shape)}; only "
                            f"a flatten to {'[T, N, features]' if src.timed else '[N, features]'} is supported")
        node = src.node if x.dim() == lead + 1 else self.graph.call_function(torch.flatten, (src.node, 1))
        self.track(out, node, src.timed)


def _dim(args, kwargs):
    if "dim" in kwargs:
        return kwargs["dim"]
    return args[1] if len(args) > 1 else None


def _fixed_pool(name: str, m: nn.AdaptiveAvgPool2d, hw: tuple[int, int]) -> nn.AvgPool2d:
    """The AvgPool2d equal to ``m`` on inputs of height and width ``hw`` (the output size must divide them)."""
    size = m.output_size if isinstance(m.output_size, tuple) else (m.output_size, m.output_size)
    size = tuple(hw[i] if s is None else int(s) for i, s in enumerate(size))
    if any(h % s for h, s in zip(hw, size)):
        raise UserError(f"AdaptiveAvgPool2d {name!r}: output size {size} does not divide the input size {hw}; "
                        "only a fixed window (input a multiple of the output) maps onto an average pool")
    kernel = tuple(h // s for h, s in zip(hw, size))
    return nn.AvgPool2d(kernel, kernel)


def record_step(model: nn.Module, sample: torch.Tensor, timed_input: bool) -> tuple[StepRecorder, object]:
    """Run ``model(sample)`` once under a :class:`StepRecorder`; returns it and the forward's result."""
    names, unsupported = {}, set()
    for name, m in model.named_modules():
        known = is_neuron(m) or looks_like_neuron(m) or isinstance(m, LAYERS)
        if name and (known or not any(m.children())):
            names.setdefault(id(m), name)
            if not known:
                unsupported.add(id(m))
    rec = StepRecorder(names, timed_input, type(model).__name__, unsupported)
    handles = []
    for m in model.modules():
        if id(m) in names:
            handles += [m.register_forward_pre_hook(rec.pre_hook), m.register_forward_hook(rec.hook)]
    rec.track(sample, rec.graph.placeholder("x"), timed_input)
    try:
        with torch.no_grad(), rec:
            result = model(sample)
    except UserError:
        raise
    except Exception as exc:  # the user's forward may raise anything on a sample of the wrong shape
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{type(model).__name__}.forward failed on a sample of shape {tuple(sample.shape)}: {msg}") from None
    finally:
        for h in handles:
            h.remove()
    return rec, result
