"""Export of our SNASNet models (deploy mode, see :func:`neuronas.quant.quantize`) to an SnnGraph.

The walk follows the module structure of :class:`~neuronas.models.macro.SnasNet` and
:class:`~neuronas.models.cell.Cell`; graph node names are the torch module names (``stem``, ``cell1.lif.n0``,
``cell1.ops.e0_3.conv``, ``fc1``, ...), node values of a cell ``cell1.n2``. A backward (delay 1) cell edge runs its
op on the source node's current value and delivers the op's output one timestep later: the ``delay=1`` graph edge
goes from the op's output to the destination's ``add`` node (zeros at t = 0, as in torch).
"""
from __future__ import annotations

import numpy as np
import torch
from torch import nn

from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from neuronas.export.builder import GraphBuilder
from neuronas.models.cell import INPUT, Cell, edge_key
from neuronas.models.neuron import SpikingNeuron
from neuronas.quant.convert import is_deployed
from neuronas.space.genotype import N_NODES, OUTPUT_NODE


def _pool(b: GraphBuilder, name: str, pool, src: str) -> str:
    return b.pool(name, "avg", pool.kernel, pool.stride, pool.padding, src)


def export_cell(b: GraphBuilder, prefix: str, cell: Cell, x_in: str) -> str:
    """Add the nodes of ``cell`` reading ``x_in``; returns the name of the cell's output node value."""
    shape = b.shape(x_in)
    value: dict[int, str] = {}
    lif_nodes: dict[int, str] = {}
    op_out: dict = {}
    # nodes whose value is a sum (or a delayed term, or nothing) get their own node up front: backward edges
    # into them come from ops that are only built later
    for j in range(N_NODES):
        terms = cell.terms[j]
        if not terms:
            value[j] = b.affine(f"{prefix}.n{j}", np.zeros(shape[0]), np.zeros(shape[0]), x_in)
        elif len(terms) > 1 or any(t != INPUT and t.delay == 1 for t in terms):
            value[j] = b.add(f"{prefix}.n{j}", shape)

    def run(e) -> str:
        if e in op_out:
            return op_out[e]
        key = edge_key(e)
        op = cell.ops[key]
        src = value[e.src]
        name = f"{prefix}.ops.{key}"
        if e.op == "skip":
            out = src
        elif e.op == "avgpool3x3":
            out = _pool(b, f"{name}.pool", op.pool, src)
        else:
            if e.src not in lif_nodes:
                lif_nodes[e.src] = b.neuron(f"{prefix}.lif.n{e.src}", cell.lif[f"n{e.src}"], src)
            out = b.conv(f"{name}.conv", op.conv, lif_nodes[e.src])
        op_out[e] = out
        return out

    for j in range(N_NODES):
        terms = cell.terms[j]
        if j not in value:  # a single forward term (or the cell input): an alias
            (t,) = terms
            value[j] = x_in if t == INPUT else run(t)
        else:
            for t in terms:
                if t != INPUT and t.delay == 0:
                    run(t)
    for e in cell.edges:
        if e.delay == 1:
            run(e)
    for j in range(N_NODES):
        terms = cell.terms[j]
        if b.graph.node(value[j])["kind"] == "add" and value[j] == f"{prefix}.n{j}":
            for t in terms:
                if t == INPUT:
                    b.add_input(value[j], x_in)
                else:
                    b.add_input(value[j], op_out[t], delay=t.delay)
    return value[OUTPUT_NODE]


def export(model: nn.Module, sample: torch.Tensor, timesteps: int | None = None, name: str | None = None) -> SnnGraph:
    """Export a quantized SNASNet model to the simulator's graph.

    Parameters
    ----------
    model:
        Deploy model from :func:`neuronas.quant.quantize` (float models raise :class:`UserError`).
    sample:
        One image ``[C, H, W]`` or a batch ``[N, C, H, W]``; fixes and checks the input shape.
    timesteps:
        T the graph will be run for (default: the model's); recorded in ``graph.g.graph["timesteps"]``.
    name:
        Graph name (default ``snasnet-<genotype matrix>``).

    Returns
    -------
    A validated :class:`~cimsim.graph.SnnGraph` whose :func:`cimsim.functional.evaluate` on
    :func:`to_inputs` gives the deploy model's spikes and outputs bit for bit.
    """
    if not is_deployed(model):
        raise UserError("export needs a quantized model: call neuronas.quant.quantize(model, bits=8) first")
    shape = tuple(sample.shape[-3:])
    if sample.dim() not in (3, 4) or shape != tuple(model.input_shape):
        raise UserError(f"export sample has shape {tuple(sample.shape)}; the model expects [N, {', '.join(map(str, model.input_shape))}]")
    T = model.timesteps if timesteps is None else int(timesteps)
    if T < 1:
        raise UserError(f"timesteps={timesteps}; expected >= 1")
    b = GraphBuilder(name or f"snasnet-{model.genotype.matrix_string().replace(' ', '-')}")
    iq = model.input_quant
    x = b.input("input", shape, bits=iq.bits, signed=True, scale=iq.scale)
    x = b.conv("stem", model.stem, x)
    x = export_cell(b, "cell1", model.cell1, x)
    x = b.affine("bn1", model.bn1.weight, model.bn1.bias, x)
    x = b.neuron("lif1", model.lif1, x)
    x = b.conv("conv1", model.conv1, x)
    x = _pool(b, "pool1", model.pool1, x)
    x = export_cell(b, "cell2", model.cell2, x)
    x = b.affine("bn2", model.bn2.weight, model.bn2.bias, x)
    x = b.neuron("lif2", model.lif2, x)
    if model.pool2 is not None:
        x = _pool(b, "pool2", model.pool2, x)
    x = b.flatten("flatten", x)
    x = b.linear("fc1", model.fc1, x)
    x = b.neuron("lif3", model.lif3, x)
    x = b.linear("fc2", model.fc2, x)
    b.output("output", x, vote=model.vote)
    graph = b.finish()
    graph.g.graph["timesteps"] = T
    return graph


def to_inputs(model: nn.Module, images: torch.Tensor, timesteps: int | None = None) -> np.ndarray:
    """Integer inputs ``[T, N, C, H, W]`` (int32) of the exported graph: the quantized frame at every timestep."""
    if not is_deployed(model):
        raise UserError("to_inputs needs a quantized model: call neuronas.quant.quantize(model, bits=8) first")
    T = model.timesteps if timesteps is None else int(timesteps)
    x = model.input_quant.to_int(images).cpu().numpy().astype(np.int32)
    return np.broadcast_to(x, (T, *x.shape)).copy()


@torch.no_grad()
def collect_spikes(model: nn.Module, images: torch.Tensor, timesteps: int | None = None) -> tuple[dict[str, np.ndarray], np.ndarray]:
    """Run ``model`` (eval mode) and record every spiking neuron's spikes.

    Returns
    -------
    spikes, outputs:
        ``{neuron module name: bool [T, N, ...]}`` (the names are the exported graph's neuron node names) and the raw
        per-timestep outputs ``[T, N, F]`` (float32).
    """
    rec: dict[str, list] = {}
    handles = []
    for mname, m in model.named_modules():
        if isinstance(m, SpikingNeuron):
            def hook(mod, inp, out, mname=mname):
                rec.setdefault(mname, []).append(out.detach().cpu().numpy().astype(bool))
            handles.append(m.register_forward_hook(hook))
    was_training = model.training
    model.eval()
    try:
        out = model.timestep_outputs(images, timesteps).cpu().numpy()
    finally:
        for h in handles:
            h.remove()
        model.train(was_training)
    lifs = dict(model.named_modules())
    spikes = {k: (np.stack(v) if lifs[k].step_mode == "s" else v[0]) for k, v in rec.items()}
    return spikes, out
