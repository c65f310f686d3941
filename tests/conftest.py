"""Shared test set-up: a persistent Numba cache, a headless matplotlib, and small hardware/graph builders."""
import os
from pathlib import Path

os.environ.setdefault("NUMBA_CACHE_DIR", str(Path(__file__).resolve().parents[1] / ".numba_cache"))
os.environ.setdefault("MPLBACKEND", "Agg")

import numpy as np  # noqa: E402
import pytest  # noqa: E402


def _q(v):
    return {"value": v, "source": "test"}


def _costs(e, a=1e-12, leak=1e-6):
    return {"energy": _q(e), "area": _q(a), "leakage": _q(leak)}


def make_chip(**changes):
    """A small self-contained chip (no preset files) for engine tests; ``changes`` are dotted-path overrides."""
    from cimsim.config.schema import Chip

    d = dict(
        name="test", technology_nm=65, clock_hz=250e6, weight_bits=8, tiles=256,
        crossbar=dict(rows=64, cols=64, bits_per_cell=1, parallel_rows=16, read_cycles=1, costs=_costs(1.76e-12)),
        adc=dict(bits=4, cols_per_adc=8, costs=_costs(2e-12)),
        wl_driver=dict(costs=_costs(1e-15)), mux=dict(costs=_costs(9e-14)), shift_add=dict(costs=_costs(1e-14)),
        pe=dict(crossbars=4, buffer=dict(size_bytes=1024, width_bits=64, costs=_costs(1e-13)), interconnect_energy=_q(1e-14)),
        tile=dict(pes=4, buffer=dict(size_bytes=65536, width_bits=256, costs=_costs(4e-12)),
                  lif=dict(units=16, costs=_costs(5e-12), membrane_area_per_neuron=_q(1.6e-11)),
                  accumulator=dict(costs=_costs(1e-14))),
        noc=dict(router=_costs(2e-11), link_energy=_q(1e-12)),
    )
    chip = Chip.model_validate(d)
    return chip.with_changes(changes) if changes else chip


def layer_step(lm, node, x, chip, adc):
    """One timestep of a crossbar layer: ``(acc [N, P, C], HostCounts [1, N])``."""
    from cimsim.engine.crossbar_layer import run_layer_step
    from cimsim.engine.counts import HostCounts

    counts = HostCounts.zeros(1, x.shape[0])
    return run_layer_step(lm, node, x, chip, adc, lm.wmat, counts, 0), counts


@pytest.fixture
def chip():
    return make_chip()


def linear_graph(outputs: int = 4, inputs: int = 64, bits: int = 1, signed: bool = False, seed: int = 0):
    """``in -> fc -> out``: one linear layer of random int8 weights on ``bits``-bit inputs."""
    from cimsim.graph import SnnGraph

    rng = np.random.default_rng(seed)
    g = SnnGraph(f"fc{outputs}")
    g.add_node("in", "input", (inputs,), bits=bits, signed=signed, scale=1.0)
    g.add_node("fc", "linear", (outputs,), weight=rng.integers(-127, 128, (outputs, inputs)).astype(np.int8),
               weight_bits=8, scale=0.01, bias=None)
    g.add_node("out", "output", (outputs,), vote=1)
    g.add_edge("in", "fc")
    g.add_edge("fc", "out")
    return g


def random_graph(rng, recurrent=False, int_input=False, signed=False, residual=True):
    """A small random SNN graph exercising conv, pool (avg over spikes and over reals), add, affine, lif,
    flatten, linear and optionally a recurrent edge and bit-serial integer inputs."""
    from cimsim.graph import SnnGraph

    g = SnnGraph("rand")
    cin = int(rng.integers(1, 4))
    h = int(rng.integers(5, 9))
    bits = int(rng.integers(2, 6)) if int_input else 1
    g.add_node("in", "input", (cin, h, h), bits=bits, signed=signed, scale=0.5 if int_input else 1.0)
    c1 = int(rng.integers(3, 9))

    def conv(name, src, cin_, cout, k, hh):
        p = k // 2
        w = rng.integers(-127, 128, size=(cout, cin_, k, k)).astype(np.int8)
        g.add_node(name, "conv", (cout, hh, hh), weight=w, weight_bits=8, scale=float(np.float32(rng.uniform(0.002, 0.02))),
                   bias=rng.normal(0, 0.1, cout).astype(np.float32), stride=(1, 1), padding=(p, p))
        g.add_edge(src, name)

    conv("c1", "in", cin, c1, 3, h)
    g.add_node("l1", "lif", (c1, h, h), tau=float(rng.uniform(1.2, 3.0)), v_threshold=float(rng.uniform(0.3, 1.0)), v_reset=0.0)
    g.add_edge("c1", "l1")
    conv("c2", "l1", c1, c1, 1, h)
    last = "c2"
    if residual:
        g.add_node("ap", "pool", (c1, h, h), mode="avg", kernel=(3, 3), stride=(1, 1), padding=(1, 1))
        g.add_edge("c1", "ap")
        g.add_node("sum", "add", (c1, h, h))
        g.add_edge("c2", "sum", port=0)
        g.add_edge("ap", "sum", port=1)
        last = "sum"
    g.add_node("bn", "affine", (c1, h, h), weight=rng.uniform(0.5, 1.5, c1).astype(np.float32),
               bias=rng.normal(0, 0.1, c1).astype(np.float32))
    g.add_edge(last, "bn")
    g.add_node("l2", "lif", (c1, h, h), tau=2.0, v_threshold=0.5, v_reset=None)
    g.add_edge("bn", "l2")
    if recurrent and residual:  # l2 -> c3 -> (previous timestep) -> sum
        conv("c3", "l2", c1, c1, 3, h)
        g.add_edge("c3", "sum", port=2, delay=1)
    hp = h // 2
    g.add_node("mp", "pool", (c1, hp, hp), mode="avg", kernel=(2, 2), stride=(2, 2), padding=(0, 0))
    g.add_edge("l2", "mp")
    g.add_node("fl", "flatten", (c1 * hp * hp,))
    g.add_edge("mp", "fl")
    w = rng.integers(-127, 128, size=(20, c1 * hp * hp)).astype(np.int8)
    g.add_node("fc", "linear", (20,), weight=w, weight_bits=8, scale=0.01, bias=None)
    g.add_edge("fl", "fc")
    g.add_node("out", "output", (20,), vote=2)
    g.add_edge("fc", "out")
    return g


def random_inputs(g, rng, T=4, N=3, rate=0.3):
    node = g.node(g.input_node())
    shape = (T, N, *node["shape"])
    bits, signed = int(node.get("bits", 1)), bool(node.get("signed", False))
    if bits == 1:
        return (rng.random(shape) < rate).astype(np.uint8)
    lo, hi = (-(2 ** (bits - 1)), 2 ** (bits - 1)) if signed else (0, 2**bits)
    return rng.integers(lo, hi, size=shape)
