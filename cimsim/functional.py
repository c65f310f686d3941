"""Plain numpy evaluation of an :class:`~cimsim.graph.SnnGraph` (the functional oracle).

This is the "dense forward" of the quantized SNN: the simulator's spikes must equal these bit for bit when the
ADC is ideal, and benchmarks compare the simulator's run time against it. Both run the same node operations
(:class:`cimsim.nodes.Runner`): the engine only computes a conv/linear through the crossbars and the ADC instead
of one exact integer matmul, and counts what the chip does.
"""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from cimsim.errors import UserError
from cimsim.graph import SnnGraph
from cimsim.nodes import Runner
from cimsim.ops import vote_scores


@dataclass
class FunctionalResult:
    """Spikes of every lif node ``[T, N, *shape]`` (bool), output-node values ``[T, N, F]`` and predictions ``[N]``."""

    spikes: dict[str, np.ndarray]
    outputs: np.ndarray
    predictions: np.ndarray
    values: dict[str, np.ndarray] = field(default_factory=dict)


def check_inputs(graph: SnnGraph, inputs: np.ndarray) -> np.ndarray:
    """Validate integer inputs ``[T, N, *shape]`` against the input node; returns int32."""
    node = graph.node(graph.input_node())
    shape = tuple(node["shape"])
    inputs = np.asarray(inputs)
    if inputs.ndim != len(shape) + 2 or tuple(inputs.shape[2:]) != shape:
        raise UserError(f"inputs have shape {inputs.shape}; graph {graph.name!r} expects [T, N, {', '.join(map(str, shape))}]")
    if not np.issubdtype(inputs.dtype, np.integer) and not np.issubdtype(inputs.dtype, np.bool_):
        if not np.all(np.rint(inputs) == inputs):
            raise UserError("inputs must be integers (spikes or quantized values); scale them by the input node's scale")
    bits, signed = int(node.get("bits", 1)), bool(node.get("signed", False))
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1) - 1) if signed else (0, 2**bits - 1)
    if inputs.size and (inputs.min() < lo or inputs.max() > hi):
        raise UserError(f"inputs range [{inputs.min()}, {inputs.max()}] exceeds the input node's {bits}-bit "
                        f"{'signed' if signed else 'unsigned'} range [{lo}, {hi}]")
    return inputs.astype(np.int32)


def evaluate(graph: SnnGraph, inputs: np.ndarray, keep_values: bool = False) -> FunctionalResult:
    """Run ``graph`` on integer ``inputs`` ``[T, N, *shape]`` with exact integer matmuls.

    Parameters
    ----------
    graph: the validated SNN graph.
    inputs: integer input values per timestep (spikes or quantized frames).
    keep_values: also return every node's output ``[T, N, *shape]``.
    """
    graph.validate()
    run = Runner(graph, check_inputs(graph, inputs))
    outputs, values = run.run(keep_values)
    return FunctionalResult(run.spikes, outputs, predict(graph, outputs), values)


def predict(graph: SnnGraph, outputs: np.ndarray) -> np.ndarray:
    """Predictions ``[N]`` from output values ``[T, N, F]``: argmax of vote scores summed over time."""
    scores = vote_scores(graph.node(graph.output_node()), outputs)
    total = scores[0].copy()
    for t in range(1, scores.shape[0]):
        total = total + scores[t]
    return total.argmax(-1)
