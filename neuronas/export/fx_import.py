"""Import a researcher's own spiking ``torch.nn.Module`` into an SnnGraph with ``torch.fx``.

The module maps **one timestep** ``[N, ...]`` to the next layer's values (feed-forward per timestep); spiking neuron
modules (:class:`neuronas.models.neuron.SpikingNeuron` of any model, e.g. :class:`~neuronas.models.lif.LIF`; use
``step_mode="s"``) keep their membrane across timesteps. Supported:
``nn.Conv2d`` (groups 1, dilation 1, zero padding), ``nn.Linear``, ``nn.BatchNorm1d/2d`` (folded into a directly
preceding conv/linear used only by it, otherwise an ``affine`` node), ``nn.AvgPool2d`` (count_include_pad, no
ceil mode), ``nn.MaxPool2d``, ``nn.Flatten`` / ``torch.flatten`` / ``x.flatten(1)`` / ``x.view(x.size(0), -1)``,
``nn.Dropout`` and ``nn.Identity`` (dropped), residual ``+`` / ``torch.add``, and our spiking neurons. Anything else raises
:class:`UserError` naming it. Each module may be called once per forward (its name becomes the graph node name).

The input is either an analog frame (quantized to a signed ``input_bits`` integer with a scale) or spikes
(``input_bits=1``).
"""
from __future__ import annotations

import copy
import operator
from dataclasses import dataclass

import numpy as np
import torch
from torch import fx, nn
from torch.fx.passes.shape_prop import ShapeProp

from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from neuronas.export.builder import GraphBuilder
from neuronas.models.neuron import SpikingNeuron, reset_states
from neuronas.models.ops import AvgPool, over_time
from neuronas.quant.convert import bn_to_affine, quantize_conv, quantize_linear
from neuronas.quant.fixed_point import check_bits, qmax, scale_for
from neuronas.quant.fold import bn_coefficients

SUPPORTED = "Conv2d, Linear, BatchNorm1d/2d, AvgPool2d, MaxPool2d, Flatten, Dropout, Identity, residual adds, SpikingNeuron (LIF, ...)"
_BN = (nn.BatchNorm1d, nn.BatchNorm2d)
_DROP = (nn.Dropout, nn.Dropout1d, nn.Dropout2d, nn.AlphaDropout, nn.Identity)


class SnnTracer(fx.Tracer):
    """fx tracer that keeps spiking neuron modules (:class:`SpikingNeuron`) as leaves."""

    def is_leaf_module(self, m: nn.Module, qualname: str) -> bool:
        return isinstance(m, SpikingNeuron) or super().is_leaf_module(m, qualname)


class MaxPool(nn.Module):
    """Max pooling with the simulator's padding rule (0 for integer inputs, -inf for real values)."""

    def __init__(self, kernel, stride, padding, integer_input: bool):
        super().__init__()
        self.kernel, self.stride, self.padding = kernel, stride, padding
        self.integer_input = integer_input

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        def pool(z):
            ph, pw = self.padding
            if ph or pw:
                z = nn.functional.pad(z, (pw, pw, ph, ph), value=0.0 if self.integer_input else float("-inf"))
            return nn.functional.max_pool2d(z, self.kernel, self.stride)

        return over_time(pool, x, 3)


def _pair(v) -> tuple[int, int]:
    return (int(v), int(v)) if isinstance(v, int) else (int(v[0]), int(v[1]))


def _set_module(root: nn.Module, name: str, module: nn.Module) -> None:
    parent_name, _, attr = name.rpartition(".")
    setattr(root.get_submodule(parent_name) if parent_name else root, attr, module)


@dataclass
class ImportedSnn:
    """Result of :func:`import_module`.

    Attributes
    ----------
    graph: the quantized :class:`~cimsim.graph.SnnGraph`.
    module: the deploy twin of the user's module (same code, quantized layers): one timestep per call.
    input_bits, input_scale: how frames become the graph's integer inputs.
    """

    graph: SnnGraph
    module: nn.Module
    input_bits: int
    input_scale: float

    def to_inputs(self, frames: torch.Tensor) -> np.ndarray:
        """Integer inputs ``[T, N, ...]`` (int32) of the graph from frames ``[T, N, ...]`` (spikes or analog)."""
        if self.input_bits == 1:
            return frames.detach().cpu().numpy().astype(np.int32)
        s = torch.tensor(self.input_scale, dtype=torch.float32)
        q = qmax(self.input_bits)
        x = torch.clamp(torch.round(frames.to(torch.float32) / s), -q - 1, q)
        return x.cpu().numpy().astype(np.int32)

    @torch.no_grad()
    def run(self, frames: torch.Tensor) -> tuple[dict[str, np.ndarray], np.ndarray]:
        """Run the deploy module over ``frames`` ``[T, N, ...]``.

        Returns ``{lif name: bool [T, N, ...]}`` and the outputs ``[T, N, F]`` (what the graph computes).
        """
        x_int = torch.from_numpy(self.to_inputs(frames)).to(torch.float32)
        scale = torch.tensor(1.0 if self.input_bits == 1 else self.input_scale, dtype=torch.float32)
        rec: dict[str, list] = {}
        handles = [m.register_forward_hook(lambda mod, i, o, n=n: rec.setdefault(n, []).append(o.numpy().astype(bool)))
                   for n, m in self.module.named_modules() if isinstance(m, SpikingNeuron)]
        reset_states(self.module)
        try:
            outs = [self.module(x_int[t] * scale).reshape(x_int.shape[1], -1).numpy() for t in range(x_int.shape[0])]
        finally:
            for h in handles:
                h.remove()
            reset_states(self.module)
        return {k: np.stack(v) for k, v in rec.items()}, np.stack(outs)


def import_module(module: nn.Module, sample: torch.Tensor, bits: int = 8, input_bits: int = 8,
                  name: str | None = None) -> ImportedSnn:
    """Trace ``module`` (one timestep ``[N, ...]`` -> outputs) and convert it to a quantized SnnGraph.

    Parameters
    ----------
    module:
        The user's SNN (eval-mode batch-norm statistics are used).
    sample:
        Input frames ``[N, ...]`` of one timestep: fix the shapes and the input scale.
    bits:
        Weight bits (2..16).
    input_bits:
        1 for spike inputs, else the bits (2..16) of the quantized analog frame.
    name:
        Graph name (default: the module's class name).
    """
    module = copy.deepcopy(module).eval()
    fx_graph, one = _trace(module, sample)
    return import_graph(module, fx_graph, one, bits, input_bits, name or type(module).__name__)


def import_graph(module: nn.Module, fx_graph: fx.Graph, one: torch.Tensor, bits: int, input_bits: int,
                 name: str) -> ImportedSnn:
    """Convert the one-timestep fx graph ``fx_graph`` of ``module`` (shapes propagated from the sample ``one``
    ``[N, ...]``) to a quantized SnnGraph; the parameters are those of :func:`import_module`."""
    bits = check_bits(bits)
    if input_bits != 1:
        input_bits = check_bits(input_bits, "input bits")
    if input_bits == 1:
        if not torch.all((one == 0) | (one == 1)):
            raise UserError("input_bits=1 means spike inputs, but the sample holds values other than 0 and 1")
        in_scale = 1.0
    else:
        in_scale = scale_for(float(one.abs().max()), input_bits)
    tr = _Translation(GraphBuilder(name), fx.GraphModule(module, fx_graph), bits)
    tr.b.input("input", tuple(one.shape[1:]), bits=input_bits, signed=input_bits != 1, scale=in_scale)
    tr.translate(fx_graph, name)
    deploy = tr.deploy(module, fx_graph)
    tr.b.finish()
    return ImportedSnn(tr.b.graph, deploy.eval(), input_bits, in_scale)


def _trace(module: nn.Module, sample: torch.Tensor) -> tuple[fx.Graph, torch.Tensor]:
    """The fx graph of ``module`` (neurons as leaves) with shapes propagated from ``sample``; the sample detached."""
    reset_states(module)
    try:
        fx_graph = SnnTracer().trace(module)
    except Exception as exc:  # fx raises many types for untraceable code (data-dependent control flow, ...)
        raise UserError(f"cannot trace {type(module).__name__} with torch.fx: {exc}") from None
    targets = [str(n.target) for n in fx_graph.nodes if n.op == "call_module"]
    for target in targets:
        if targets.count(target) > 1:  # before running it: a reused neuron would complain about its stored membrane
            kind = type(module.get_submodule(target)).__name__
            raise UserError(f"module {target!r} ({kind}) is called more than once in forward; give every call its own module")
    gm = fx.GraphModule(module, fx_graph)
    one = sample.detach()
    try:
        with torch.no_grad():
            ShapeProp(gm).propagate(one.to(torch.float32))
    except UserError:
        raise
    except Exception as exc:  # a sample of the wrong shape fails somewhere inside torch
        msg = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
        raise UserError(f"{type(module).__name__}.forward failed on a sample of shape {tuple(one.shape)}: {msg}") from None
    finally:
        reset_states(gm)
    return fx_graph, one


class _Translation:
    """fx nodes -> graph nodes (:meth:`translate`), then the deploy twin of the module (:meth:`deploy`)."""

    def __init__(self, b: GraphBuilder, gm: fx.GraphModule, bits: int):
        self.b, self.gm, self.bits = b, gm, bits
        self.value: dict[fx.Node, str] = {}
        self.folded: dict[fx.Node, fx.Node] = {}  # bn node -> its conv/linear node
        self.crossbar_bn: dict[str, nn.Module | None] = {}
        self.called: set[str] = set()

    def translate(self, fx_graph: fx.Graph, cls: str) -> None:
        b, value = self.b, self.value
        out_node = None
        for node in fx_graph.nodes:
            if node.op == "placeholder":
                if value:
                    raise UserError(f"{cls}.forward takes more than one input ({node.name!r}); expected one tensor")
                value[node] = "input"
            elif node.op == "call_module":
                value[node] = _module_node(b, self.gm, node, value, self.folded, self.crossbar_bn, self.called, self.bits)
            elif node.op == "call_function":
                value[node] = _function_node(b, node, value)
            elif node.op == "call_method":
                if node.target == "size":
                    continue
                value[node] = _method_node(b, node, value)
            elif node.op == "output":
                arg = node.args[0]
                if not isinstance(arg, fx.Node):
                    raise UserError(f"{cls}.forward must return one tensor, got {type(arg).__name__}")
                out_node = b.output("output", value[arg])
            else:
                raise UserError(f"unsupported use of {node.op} {node.target!r} in {cls}.forward; supported: {SUPPORTED}")
        if out_node is None:
            raise UserError(f"{cls}.forward returns nothing")
        b.graph.validate()

    def deploy(self, module: nn.Module, fx_graph: fx.Graph) -> nn.Module:
        """The quantized twin of ``module``; the crossbar nodes get their weights at the graph's input scales."""
        graph, bits = self.b.graph, self.bits
        types = graph.value_types()
        deploy = copy.deepcopy(module)
        for target, bn in self.crossbar_bn.items():
            m = module.get_submodule(target)
            (src, _), = graph.inputs_of(target)
            in_s = types[src].scale
            q = quantize_conv(m, bn, bits, in_s) if isinstance(m, nn.Conv2d) else quantize_linear(m, bn, bits, in_s)
            _set_module(deploy, target, q)
            d = graph.node(target)
            d["weight"], d["scale"] = q.weight_int().numpy().astype(np.int32), float(np.float32(q.scale))
            d["bias"] = None if q.bias is None else q.bias.numpy().astype(np.float32)
            self.b._crossbar_in_scale[target] = in_s
        for bn_node in self.folded:
            _set_module(deploy, bn_node.target, nn.Identity())
        for node in fx_graph.nodes:
            if node.op == "call_module" and node not in self.folded:
                src = node.args[0]
                _deploy_layer(deploy, module, node.target, types.get(self.value[src]) if isinstance(src, fx.Node) else None)
        return deploy


def _deploy_layer(deploy: nn.Module, module: nn.Module, target: str, src_type) -> None:
    """Replace the non-crossbar layer ``target`` of ``deploy`` by what the graph computes (``src_type``: its input)."""
    m = module.get_submodule(target)
    if isinstance(m, _BN):
        _set_module(deploy, target, bn_to_affine(m))
    elif isinstance(m, nn.AvgPool2d):
        _set_module(deploy, target, AvgPool(_pair(m.kernel_size), _pair(m.stride or m.kernel_size), _pair(m.padding),
                                            integer_input=src_type.is_integer, in_scale=src_type.scale))
    elif isinstance(m, nn.MaxPool2d):
        _set_module(deploy, target, MaxPool(_pair(m.kernel_size), _pair(m.stride or m.kernel_size), _pair(m.padding),
                                            src_type.is_integer))
    elif isinstance(m, SpikingNeuron):
        deploy.get_submodule(target).step_mode = "s"


def _only_user(node: fx.Node) -> fx.Node | None:
    users = list(node.users)
    return users[0] if len(users) == 1 else None


def _module_node(b, gm, node, value, folded, crossbar_bn, called, bits) -> str:
    m = gm.get_submodule(node.target)
    target = str(node.target)
    kind = type(m).__name__
    if target in called:
        raise UserError(f"module {target!r} ({kind}) is called more than once in forward; give every call its own module")
    called.add(target)
    src_node = node.args[0] if node.args else None
    if not isinstance(src_node, fx.Node) or len(node.args) != 1 or node.kwargs:
        raise UserError(f"module {target!r} ({kind}) must be called with exactly one tensor")
    src = value[src_node]
    if isinstance(m, (nn.Conv2d, nn.Linear)):
        user = _only_user(node)
        bn = None
        want_bn = nn.BatchNorm2d if isinstance(m, nn.Conv2d) else nn.BatchNorm1d
        if user is not None and user.op == "call_module" and isinstance(gm.get_submodule(user.target), want_bn):
            bn = gm.get_submodule(user.target)
            folded[user] = node
        crossbar_bn[target] = bn
        if isinstance(m, nn.Conv2d):
            if m.groups != 1 or _pair(m.dilation) != (1, 1) or m.padding_mode != "zeros" or isinstance(m.padding, str):
                raise UserError(f"Conv2d {target!r}: only groups=1, dilation=1 and numeric zero padding are supported")
            placeholder = quantize_conv(m, bn, bits, 1.0)  # weights redone with the real input scale later
            return b.conv(target, placeholder, src)
        return b.linear(target, quantize_linear(m, bn, bits, 1.0), src)
    if isinstance(m, _BN):
        if node in folded:
            return value[folded[node]]
        k, c = bn_coefficients(m)
        return b.affine(target, k, c, src)
    if isinstance(m, SpikingNeuron):
        return b.neuron(target, m, src)
    if isinstance(m, nn.AvgPool2d):
        if m.ceil_mode or not m.count_include_pad or m.divisor_override is not None:
            raise UserError(f"AvgPool2d {target!r}: only ceil_mode=False, count_include_pad=True, no divisor_override")
        return b.pool(target, "avg", _pair(m.kernel_size), _pair(m.stride or m.kernel_size), _pair(m.padding), src)
    if isinstance(m, nn.MaxPool2d):
        if m.ceil_mode or _pair(m.dilation) != (1, 1) or m.return_indices:
            raise UserError(f"MaxPool2d {target!r}: only ceil_mode=False, dilation=1, return_indices=False")
        return b.pool(target, "max", _pair(m.kernel_size), _pair(m.stride or m.kernel_size), _pair(m.padding), src)
    if isinstance(m, nn.Flatten):
        if m.start_dim != 1 or m.end_dim != -1:
            raise UserError(f"Flatten {target!r}: only start_dim=1, end_dim=-1")
        return b.flatten(target, src)
    if isinstance(m, _DROP):
        return src
    raise UserError(f"unsupported module {target!r} of type {kind}; supported: {SUPPORTED}")


def _tensor_args(node: fx.Node) -> list[fx.Node]:
    return [a for a in node.args if isinstance(a, fx.Node)]


def _function_node(b, node, value) -> str:
    fn = node.target
    fname = getattr(fn, "__name__", str(fn))
    if fn in (operator.add, operator.iadd, torch.add):
        args = _tensor_args(node)
        if len(args) != 2 or len(node.args) != 2 or node.kwargs:
            raise UserError(f"add {node.name!r}: only the sum of two tensors is supported")
        name = b.add(node.name, b.shape(value[args[0]]))
        for a in args:
            b.add_input(name, value[a])
        return name
    if fn is torch.flatten:
        start = node.args[1] if len(node.args) > 1 else node.kwargs.get("start_dim", 0)
        if start != 1 or (len(node.args) > 2 and node.args[2] != -1):
            raise UserError(f"torch.flatten {node.name!r}: only start_dim=1 is supported")
        return b.flatten(node.name, value[node.args[0]])
    if fn is nn.functional.dropout:
        return value[node.args[0]]
    raise UserError(f"unsupported function {fname!r} ({node.name!r}); supported: {SUPPORTED}")


def _method_node(b, node, value) -> str:
    src = value[node.args[0]]
    meta = node.meta.get("tensor_meta")
    in_meta = node.args[0].meta.get("tensor_meta")
    if node.target in ("flatten", "view", "reshape") and meta is not None and in_meta is not None:
        n = in_meta.shape[0]
        if tuple(meta.shape) == (n, int(np.prod(in_meta.shape[1:]))):
            return b.flatten(node.name, src)
    raise UserError(f"unsupported tensor method {node.target!r} ({node.name!r}); supported: {SUPPORTED} "
                    "(a reshape only as a flatten to [N, features])")
