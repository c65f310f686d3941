"""Event-driven schedule: stages add up, runs are deterministic, contention and pipelining behave."""
import numpy as np
from conftest import make_chip, random_graph, random_inputs

from cimsim.engine.crossbar_layer import AdcModel
from cimsim.engine.execute import execute
from cimsim.engine.schedule import schedule
from cimsim.mapping import map_graph


def _run(g, x, chip):
    m = map_graph(g, chip)
    ex = execute(m, x, AdcModel.for_chip(chip))
    return m, ex, schedule(m, ex)


def test_stages_sum_to_run_and_jobs_respect_order():
    rng = np.random.default_rng(3)
    g = random_graph(rng, recurrent=True)
    x = random_inputs(g, rng, T=4, N=3)
    m, ex, s = _run(g, x, make_chip())
    assert sum(s.stage_cycles.values()) == s.cycles > 0
    # jobs of one host never overlap and run in (sample, timestep) order
    for hi in range(len(s.hosts)):
        st = s.job_start[hi].T.ravel()  # n-major
        fi = s.job_finish[hi].T.ravel()
        assert np.all(st[1:] >= fi[:-1])
    # a consumer never starts a timestep before its producer finished it
    order = {h: i for i, h in enumerate(s.hosts)}
    for h in s.hosts:
        for u, _ in g.inputs_of(h):
            p = m.host[u]
            if p in order and p != h:
                assert np.all(s.job_start[order[h]] >= s.job_finish[order[p]])


def test_deterministic():
    rng = np.random.default_rng(4)
    g = random_graph(rng)
    x = random_inputs(g, rng)
    a = _run(g, x, make_chip())[2]
    b = _run(g, x, make_chip())[2]
    assert a.cycles == b.cycles and np.array_equal(a.job_start, b.job_start) and a.noc == b.noc


def test_samples_pipeline():
    rng = np.random.default_rng(5)
    g = random_graph(rng)
    x1 = random_inputs(g, rng, T=3, N=1)
    x4 = np.concatenate([x1] * 4, axis=1)
    one = _run(g, x1, make_chip())[2]
    four = _run(g, x4, make_chip())[2]
    assert four.cycles < 4 * one.cycles  # layers overlap across samples
    assert four.cycles > one.cycles


def test_more_parallel_rows_is_faster_and_slower_noc_is_slower():
    rng = np.random.default_rng(6)
    g = random_graph(rng)
    x = random_inputs(g, rng, rate=0.5)
    c4 = _run(g, x, make_chip(**{"crossbar.parallel_rows": 4}))[2].cycles
    c64 = _run(g, x, make_chip(**{"crossbar.parallel_rows": 64}))[2].cycles
    assert c64 < c4
    fast = _run(g, x, make_chip())[2]
    slow = _run(g, x, make_chip(**{"noc.router_cycles": 20, "noc.flit_bits": 8}))[2]
    assert slow.cycles > fast.cycles and slow.stage_cycles["noc"] > fast.stage_cycles["noc"]


def test_dense_accounting_counts_every_group():
    rng = np.random.default_rng(8)
    g = random_graph(rng)
    x = random_inputs(g, rng, rate=0.05)
    chip = make_chip(**{"crossbar.parallel_rows": 8})
    ev = execute(map_graph(g, chip), x, AdcModel.for_chip(chip))
    dn = execute(map_graph(g, chip.with_changes({"accounting": "dense"})), x, AdcModel.for_chip(chip))
    for h in ev.hosts:
        assert dn.hosts[h].xbar_reads.sum() >= ev.hosts[h].xbar_reads.sum()
        assert dn.hosts[h].rows_driven.sum() > ev.hosts[h].rows_driven.sum()


def test_all_groups_accounting_reads_every_group_but_drives_only_spiking_rows():
    """NeuroSim's convention: reads and conversions as dense, driven rows as event-driven, same function."""
    rng = np.random.default_rng(8)
    g = random_graph(rng)
    x = random_inputs(g, rng, rate=0.05)
    chip = make_chip(**{"crossbar.parallel_rows": 8})
    adc = AdcModel.for_chip(chip)
    runs = {acc: execute(map_graph(g, chip.with_changes({"accounting": acc})), x, adc)
            for acc in ("event", "dense", "all_groups")}
    ev, dn, ag = runs["event"], runs["dense"], runs["all_groups"]
    for h in ev.hosts:
        assert np.array_equal(ag.hosts[h].xbar_reads, dn.hosts[h].xbar_reads)
        assert np.array_equal(ag.hosts[h].adc_conversions, dn.hosts[h].adc_conversions)
        assert np.array_equal(ag.hosts[h].rows_driven, ev.hosts[h].rows_driven)
        assert ag.hosts[h].adc_conversions.sum() > ev.hosts[h].adc_conversions.sum()
    assert np.array_equal(ag.outputs, ev.outputs)


def test_partial_sums_reduced_across_tiles_over_the_noc():
    from cimsim.graph import SnnGraph

    rng = np.random.default_rng(9)
    g = SnnGraph("wide")
    g.add_node("in", "input", (1280,))
    g.add_node("fc", "linear", (8,), weight=rng.integers(-100, 100, (8, 1280)).astype(np.int8), weight_bits=8,
               scale=0.01, bias=None)
    g.add_node("l", "lif", (8,), tau=2.0, v_threshold=0.5, v_reset=0.0)
    g.add_node("o", "output", (8,))
    for a, b in (("in", "fc"), ("fc", "l"), ("l", "o")):
        g.add_edge(a, b)
    x = (rng.random((3, 1, 1280)) < 0.3).astype(np.uint8)
    small = make_chip()  # 16 crossbars per tile: 20 row blocks x 2 column blocks span three tiles
    big = make_chip(**{"tile.pes": 16})  # 64 per tile: the 40 crossbars fit one tile
    m_small, _, s_small = _run(g, x, small)
    m_big, _, s_big = _run(g, x, big)
    assert m_small.layers["fc"].placement.reduction and not m_big.layers["fc"].placement.reduction
    assert s_small.noc["fc"]["flits"] > s_big.noc["fc"]["flits"]
    assert sum(s_small.stage_cycles.values()) == s_small.cycles
    assert s_small.stage_cycles["noc"] > s_big.stage_cycles["noc"]


def test_adc_resolution_override_scales_conversion_time():
    """A SAR ADC's conversion time grows with its bits, also when the bits are changed on a loaded chip."""
    from cimsim.components.adc import scaled_conversion_cycles

    base = make_chip(**{"adc.conversion_cycles": 5})  # 5 cycles at the 4-bit reference
    assert scaled_conversion_cycles(base.adc) == 5
    assert scaled_conversion_cycles(base.with_changes({"adc.bits": 9}).adc) == 10
    rng = np.random.default_rng(11)
    g = random_graph(rng)
    x = random_inputs(g, rng)
    slow = _run(g, x, base.with_changes({"adc.bits": 9}))[2]
    fast = _run(g, x, base)[2]
    assert slow.stage_cycles["adc"] > fast.stage_cycles["adc"]
