"""Stage 2 of a run: time every (layer, sample, timestep) job on the chip, cycle by cycle, event by event.

A *job* is one crossbar layer (its *host* tiles) processing one timestep of one sample: crossbar reads, ADC
conversions, digital accumulation, then the neuron updates and digital nodes it hosts. Jobs of one host run in
(sample, timestep) order; a job starts when the host finished its previous job and every tensor it reads has
arrived over the network-on-chip. Layers therefore pipeline over timesteps and samples.

Events live in a heap ordered by ``(cycle, priority, seq)`` (integer cycles; same-cycle order fixed by priority
then insertion), so the run is deterministic. When a job finishes, its output tensors are cut into packets
(source tiles x destination tiles, sized by the bits actually sent) and routed through the mesh with XY routing,
router latency and link contention (:func:`kernels.route_packets`); links keep their occupancy across the whole
run, and packets are routed in the order they become ready, so contention is causal.

The latency breakdown follows the critical path backwards from the last output: every cycle of the run is
attributed to exactly one stage (crossbar, adc, digital, lif, noc), so the stages sum to the run's latency.
"""
from __future__ import annotations

import heapq
from dataclasses import dataclass, field

import numpy as np

import kernels
from cimsim.engine.execute import Execution
from cimsim.mapping import IO_HOST, Mapping

DONE, ARRIVE, REDUCE = 0, 1, 2
STAGES = ("crossbar", "adc", "digital", "lif", "noc")


@dataclass
class Schedule:
    """Timing of a run.

    Attributes
    ----------
    cycles: cycle at which the last output left the chip.
    sample_latency: cycles from a sample's first input injection to its last output, ``[N]``.
    stage_cycles: critical-path cycles per stage (sums to ``cycles``).
    host_busy: busy cycles per host (summed over the run).
    noc: per host (producer; the consumer for chip inputs) flits, flit-hops, router traversals and bits.
    job_start / job_finish: ``[H, T, N]`` cycles of every job (for inspection and plots).
    """

    cycles: int
    sample_latency: np.ndarray
    stage_cycles: dict[str, int]
    host_busy: dict[str, int]
    noc: dict[str, dict[str, int]]
    job_start: np.ndarray
    job_finish: np.ndarray
    hosts: list[str] = field(default_factory=list)


def _tile_fractions(mapping: Mapping, host: str) -> tuple[list[int], np.ndarray, np.ndarray]:
    """Tiles of ``host`` with the share of its outputs each produces and of its inputs each needs."""
    if host == IO_HOST:
        return [0], np.ones(1), np.ones(1)
    lm = mapping.layers[host]
    return lm.tile_ids, lm.placement.out_frac, lm.placement.in_frac


class _Noc:
    """Mesh links shared by the whole run; routes one transfer at a time (in ready order)."""

    def __init__(self, mapping: Mapping):
        chip = mapping.chip
        self.chip = chip
        self.rows, self.cols = chip.mesh_shape
        self.link_free = np.zeros(self.rows * self.cols * 4, dtype=np.int64)
        self.frac = {h: _tile_fractions(mapping, h) for h in [IO_HOST, *mapping.order]}

    def send(self, src_host: str, dst_host: str, bits: int, ready: int) -> tuple[int, int, int, int]:
        """Route ``bits`` from ``src_host``'s tiles to ``dst_host``'s; returns (arrival, flits, flit_hops, routers)."""
        s_tiles, s_frac, _ = self.frac[src_host]
        d_tiles, _, d_frac = self.frac[dst_host]
        share = np.outer(s_frac, d_frac) * bits
        src = np.repeat(np.asarray(s_tiles, np.int32), len(d_tiles))
        dst = np.tile(np.asarray(d_tiles, np.int32), len(s_tiles))
        return self.send_packets(src, dst, share.ravel(), ready)

    def send_packets(self, src: np.ndarray, dst: np.ndarray, bits: np.ndarray, ready: int) -> tuple[int, int, int, int]:
        """Route one packet of ``bits[i]`` from tile ``src[i]`` to ``dst[i]`` each, all ready at ``ready``."""
        flits = np.maximum(1, np.ceil(np.asarray(bits, dtype=np.float64) / self.chip.noc.flit_bits)).astype(np.int32)
        ready_arr = np.full(len(src), ready, dtype=np.int64)
        arrival, hops = kernels.route_packets(src, dst, ready_arr, flits, self.rows, self.cols,
                                              self.chip.noc.router_cycles, self.chip.noc.link_cycles, self.link_free)
        hops = np.asarray(hops, dtype=np.int64)
        fl = flits.astype(np.int64)
        return int(np.max(arrival)), int(fl.sum()), int((fl * hops).sum()), int((fl * (hops + 1)).sum())


def schedule(mapping: Mapping, ex: Execution) -> Schedule:
    """Time the run whose counts are in ``ex`` on ``mapping``'s chip."""
    hosts = list(mapping.order)
    hidx = {h: i for i, h in enumerate(hosts)}
    any_counts = next(iter(ex.hosts.values()))
    T, N = any_counts.xbar_cycles.shape
    stage_dur = {
        "crossbar": np.stack([ex.hosts[h].xbar_cycles for h in hosts]),
        "adc": np.stack([ex.hosts[h].adc_cycles for h in hosts]),
        "digital": np.stack([ex.hosts[h].digital_cycles for h in hosts]),
        "lif": np.stack([ex.hosts[h].lif_cycles for h in hosts]),
    }
    dur = sum(stage_dur.values())  # H, T, N
    pre = stage_dur["crossbar"] + stage_dur["adc"] + stage_dur["digital"]  # before the neurons can update
    reduce_wait = np.zeros_like(dur)  # cycles spent reducing partial sums across tiles over the NoC
    reductions = {}
    for i, h in enumerate(hosts):
        lm = mapping.layers[h]
        if lm.placement.reduction:
            src, dst, words = (np.asarray(v) for v in zip(*lm.placement.reduction))
            tid = np.asarray(lm.tile_ids)
            reductions[i] = (tid[src].astype(np.int32), tid[dst].astype(np.int32),
                             words * lm.positions_per_copy * mapping.chip.tile.lif.membrane_bits)
    # transfers: producer host -> [(key, consumer host, delay)]
    outgoing: dict[str, list] = {h: [] for h in [IO_HOST, *hosts]}
    io_in: dict[str, list] = {h: [] for h in hosts}
    n_deps = np.zeros((len(hosts), T, N), dtype=np.int64)
    for key in ex.traffic_bits:
        u, k, delay = key
        g = mapping.host[u]
        if g == IO_HOST:
            io_in[k].append(key)
            n_deps[hidx[k]] += 1
        else:
            outgoing[g].append((key, k, delay))
            if k != IO_HOST:
                n_deps[hidx[k], delay:] += 1
    n_deps[:, :, :] += 1  # the host's previous job
    n_deps[:, 0, 0] -= 1
    noc = _Noc(mapping)
    noc_counts = {h: {"flits": 0, "flit_hops": 0, "router_traversals": 0, "bits": 0} for h in hosts}
    ready_at = np.zeros((len(hosts), T, N), dtype=np.int64)
    cause: dict[tuple, tuple] = {}
    start = np.full((len(hosts), T, N), -1, dtype=np.int64)
    finish = np.full((len(hosts), T, N), -1, dtype=np.int64)
    first_in = np.full(N, -1, dtype=np.int64)
    out_done = np.zeros(N, dtype=np.int64)
    out_cause: dict[int, tuple] = {}
    heap: list = []
    seq = 0

    def push(cycle: int, kind: int, payload: tuple) -> None:
        nonlocal seq
        heapq.heappush(heap, (cycle, kind, seq, payload))
        seq += 1

    def account(h: str, bits: int, res: tuple) -> None:
        c = noc_counts[h]
        c["flits"] += res[1]
        c["flit_hops"] += res[2]
        c["router_traversals"] += res[3]
        c["bits"] += bits

    def satisfy(job: tuple, cycle: int, why: tuple) -> None:
        hi, t, n = job
        if cycle >= ready_at[job]:
            ready_at[job] = cycle
            cause[job] = why
        n_deps[job] -= 1
        if n_deps[job] == 0:
            s = int(ready_at[job])
            start[job] = s
            if hi in reductions:
                push(s + int(pre[job]), REDUCE, job)
            else:
                finish[job] = s + int(dur[job])
                push(int(finish[job]), DONE, job)

    def feed_inputs(hi: int, t: int, n: int, ready: int, prev_job) -> None:
        h = hosts[hi]
        for key in io_in[h]:
            bits = int(ex.traffic_bits[key][t, n])
            res = noc.send(IO_HOST, h, bits, ready)
            account(h, bits, res)
            if first_in[n] < 0 or ready < first_in[n]:
                first_in[n] = ready
            push(res[0], ARRIVE, ((hi, t, n), ("io", prev_job, ready)))

    def next_job(t: int, n: int):
        if t + 1 < T:
            return t + 1, n
        if n + 1 < N:
            return 0, n + 1
        return None

    for hi in range(len(hosts)):
        feed_inputs(hi, 0, 0, 0, None)
        if n_deps[hi, 0, 0] == 0:  # a host with no input at t = 0 (only recurrent inputs)
            n_deps[hi, 0, 0] = 1
            satisfy((hi, 0, 0), 0, ("start", None, 0))
    while heap:
        cycle, kind, _, payload = heapq.heappop(heap)
        if kind == ARRIVE:
            job, why = payload
            satisfy(job, cycle, why)
            continue
        if kind == REDUCE:
            hi = payload[0]
            src, dst, bits = reductions[hi]
            res = noc.send_packets(src, dst, bits, cycle)
            account(hosts[hi], int(bits.sum()), res)
            reduce_wait[payload] = res[0] - cycle
            finish[payload] = res[0] + int(stage_dur["lif"][payload])
            push(int(finish[payload]), DONE, payload)
            continue
        hi, t, n = payload
        h = hosts[hi]
        nxt = next_job(t, n)
        if nxt is not None:
            feed_inputs(hi, nxt[0], nxt[1], cycle, payload)
            satisfy((hi, *nxt), cycle, ("prev", payload, cycle))
        for key, k, delay in outgoing[h]:
            tt = t + delay
            if tt >= T:
                continue
            bits = int(ex.traffic_bits[key][tt, n])
            res = noc.send(h, k, bits, cycle)
            account(h, bits, res)
            if k == IO_HOST:
                if res[0] >= out_done[n]:
                    out_done[n] = res[0]
                    out_cause[n] = (payload, cycle)
            else:
                push(res[0], ARRIVE, ((hidx[k], tt, n), ("data", payload, cycle)))
    if (start < 0).any():
        raise RuntimeError("scheduler deadlock: some jobs never became ready")  # a bug, not a user error
    total = int(out_done.max())
    stages = _critical_path(total, out_done, out_cause, cause, start, stage_dur, reduce_wait)
    busy = {h: int(dur[i].sum() + reduce_wait[i].sum()) for i, h in enumerate(hosts)}
    return Schedule(total, (out_done - np.maximum(first_in, 0)).astype(np.int64), stages, busy, noc_counts,
                    start, finish, hosts)


def _critical_path(total: int, out_done: np.ndarray, out_cause: dict, cause: dict, start: np.ndarray,
                   stage_dur: dict[str, np.ndarray], reduce_wait: np.ndarray) -> dict[str, int]:
    """Attribute every cycle of ``[0, total]`` to a stage by walking the critical path backwards."""
    acc = {s: 0 for s in STAGES}
    n_last = int(np.argmax(out_done))
    job, fin = out_cause[n_last]
    acc["noc"] += total - fin
    while job is not None:
        for s in ("crossbar", "adc", "digital", "lif"):
            acc[s] += int(stage_dur[s][job])
        acc["noc"] += int(reduce_wait[job])
        kind, prev, at = cause[job]
        acc["noc"] += int(start[job]) - at  # waiting for data (transfer time) or for an input injection
        job = prev
        if kind == "start":
            break
        if kind == "io" and prev is None:
            acc["noc"] += at  # io injected at `at` (0 for the first sample)
            break
    return acc
