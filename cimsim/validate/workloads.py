"""Workloads of the comparisons: VGG variants of the built-in networks and their operation counts."""
from __future__ import annotations

import numpy as np

from cimsim.graph import SnnGraph


def vgg_variant(name: str, seed: int = 0, weight_bits: int = 8, max_pool: bool = True,
                drop_fc: bool = False) -> SnnGraph:
    """A built-in VGG with max pools (binary inputs everywhere) and optionally without its FC layers.

    Without FC layers the output node reads the last pool's spikes (flattened); outputs are then not class
    scores, which does not matter for costing.
    """
    from cimsim.networks import build_network

    src = build_network(name, seed=seed, weight_bits=weight_bits)
    g = SnnGraph(f"{name}{'-conv' if drop_fc else ''}{'-maxpool' if max_pool else ''}")
    keep = []
    for n in src.order():
        d = dict(src.node(n))
        if drop_fc and d["kind"] in ("flatten", "linear", "output"):
            continue
        if drop_fc and d["kind"] == "lif" and len(d["shape"]) == 1:
            continue
        if max_pool and d["kind"] == "pool":
            d["mode"] = "max"
        kind, shape = d.pop("kind"), d.pop("shape")
        g.add_node(n, kind, shape, **d)
        keep.append(n)
    for n in keep:
        for u, delay in src.inputs_of(n):
            if u in keep:
                g.add_edge(u, n, delay=delay)
    if drop_fc:
        last = keep[-1]
        size = int(np.prod(g.node(last)["shape"]))
        g.add_node("flatten", "flatten", (size,))
        g.add_edge(last, "flatten")
        g.add_node("output", "output", (size,), vote=1)
        g.add_edge("flatten", "output")
    g.validate()
    return g


def macs_per_inference_step(graph: SnnGraph) -> int:
    """Multiply-accumulates of one timestep of one sample: weights x output positions, summed over layers."""
    total = 0
    for n in graph.compute_nodes():
        d = graph.node(n)
        positions = int(np.prod(d["shape"][1:])) if d["kind"] == "conv" else 1
        total += int(np.asarray(d["weight"]).size) * positions
    return total


def pooled_positions(graph: SnnGraph) -> dict[str, tuple[int, int]]:
    """Per conv: (positions it computes, positions SpikeSim's script prices = after a following pool)."""
    out = {}
    for n in graph.compute_nodes():
        d = graph.node(n)
        ours = int(np.prod(d["shape"][1:])) if d["kind"] == "conv" else 1
        theirs = ours
        node = n
        for _ in range(3):  # conv -> lif -> pool
            succ = list(graph.g.successors(node))
            if len(succ) != 1:
                break
            node = succ[0]
            if graph.node(node)["kind"] == "pool":
                theirs = int(np.prod(graph.node(node)["shape"][1:]))
                break
        out[n] = (ours, theirs)
    return out
