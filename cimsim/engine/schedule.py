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
    return _EventRun(mapping, ex).run()


def _stage_durations(hosts: list[str], ex: Execution) -> dict[str, np.ndarray]:
    """Cycles of every job by stage, ``[H, T, N]`` each (crossbar, adc, digital, lif)."""
    return {
        "crossbar": np.stack([ex.hosts[h].xbar_cycles for h in hosts]),
        "adc": np.stack([ex.hosts[h].adc_cycles for h in hosts]),
        "digital": np.stack([ex.hosts[h].digital_cycles for h in hosts]),
        "lif": np.stack([ex.hosts[h].lif_cycles for h in hosts]),
    }


def _reductions(mapping: Mapping, hosts: list[str]) -> dict[int, tuple]:
    """Per host index with cross-tile partial-sum reduction: (source tiles, destination tiles, bits per job)."""
    out = {}
    for i, h in enumerate(hosts):
        lm = mapping.layers[h]
        if lm.placement.reduction:
            src, dst, words = (np.asarray(v) for v in zip(*lm.placement.reduction))
            tid = np.asarray(lm.tile_ids)
            out[i] = (tid[src].astype(np.int32), tid[dst].astype(np.int32),
                      words * lm.positions_per_copy * mapping.chip.tile.lif.membrane_bits)
    return out


class _EventRun:
    """The event queue of one run: a job starts once its host finished its previous job and every tensor it reads
    has arrived; finished jobs send their outputs over the mesh."""

    def __init__(self, mapping: Mapping, ex: Execution):
        self.mapping, self.ex = mapping, ex
        self.hosts = hosts = list(mapping.order)
        self.hidx = {h: i for i, h in enumerate(hosts)}
        self.T, self.N = T, N = next(iter(ex.hosts.values())).xbar_cycles.shape
        self.stage_dur = _stage_durations(hosts, ex)
        self.dur = sum(self.stage_dur.values())  # H, T, N
        # cycles before the neurons can update (where a cross-tile reduction waits)
        self.pre = self.stage_dur["crossbar"] + self.stage_dur["adc"] + self.stage_dur["digital"]
        self.reduce_wait = np.zeros_like(self.dur)  # cycles spent reducing partial sums across tiles over the NoC
        self.reductions = _reductions(mapping, hosts)
        self.outgoing, self.io_in, self.n_deps = self._transfers()
        self.noc = _Noc(mapping)
        self.noc_counts = {h: {"flits": 0, "flit_hops": 0, "router_traversals": 0, "bits": 0} for h in hosts}
        shape = (len(hosts), T, N)
        self.ready_at = np.zeros(shape, dtype=np.int64)
        self.cause: dict[tuple, tuple] = {}
        self.start = np.full(shape, -1, dtype=np.int64)
        self.finish = np.full(shape, -1, dtype=np.int64)
        self.first_in = np.full(N, -1, dtype=np.int64)
        self.out_done = np.zeros(N, dtype=np.int64)
        self.out_cause: dict[int, tuple] = {}
        self.heap: list = []
        self.seq = 0

    def _transfers(self) -> tuple[dict, dict, np.ndarray]:
        """Producer host -> [(key, consumer host, delay)], host -> its chip-input keys, and each job's number of
        dependencies ``[H, T, N]`` (its inputs and its host's previous job)."""
        hosts = self.hosts
        outgoing: dict[str, list] = {h: [] for h in [IO_HOST, *hosts]}
        io_in: dict[str, list] = {h: [] for h in hosts}
        n_deps = np.zeros((len(hosts), self.T, self.N), dtype=np.int64)
        for key in self.ex.traffic_bits:
            u, k, delay = key
            g = self.mapping.host[u]
            if g == IO_HOST:
                io_in[k].append(key)
                n_deps[self.hidx[k]] += 1
            else:
                outgoing[g].append((key, k, delay))
                if k != IO_HOST:
                    n_deps[self.hidx[k], delay:] += 1
        n_deps[:, :, :] += 1  # the host's previous job
        n_deps[:, 0, 0] -= 1
        return outgoing, io_in, n_deps

    def push(self, cycle: int, kind: int, payload: tuple) -> None:
        heapq.heappush(self.heap, (cycle, kind, self.seq, payload))
        self.seq += 1

    def account(self, h: str, bits: int, res: tuple) -> None:
        c = self.noc_counts[h]
        c["flits"] += res[1]
        c["flit_hops"] += res[2]
        c["router_traversals"] += res[3]
        c["bits"] += bits

    def satisfy(self, job: tuple, cycle: int, why: tuple) -> None:
        """One dependency of ``job`` is met at ``cycle`` (``why``: what met it, for the critical path)."""
        if cycle >= self.ready_at[job]:
            self.ready_at[job] = cycle
            self.cause[job] = why
        self.n_deps[job] -= 1
        if self.n_deps[job] == 0:
            s = int(self.ready_at[job])
            self.start[job] = s
            if job[0] in self.reductions:
                self.push(s + int(self.pre[job]), REDUCE, job)
            else:
                self.finish[job] = s + int(self.dur[job])
                self.push(int(self.finish[job]), DONE, job)

    def feed_inputs(self, hi: int, t: int, n: int, ready: int, prev_job) -> None:
        """Inject the chip inputs of job ``(hi, t, n)`` from the global buffer at ``ready``."""
        h = self.hosts[hi]
        for key in self.io_in[h]:
            bits = int(self.ex.traffic_bits[key][t, n])
            res = self.noc.send(IO_HOST, h, bits, ready)
            self.account(h, bits, res)
            if self.first_in[n] < 0 or ready < self.first_in[n]:
                self.first_in[n] = ready
            self.push(res[0], ARRIVE, ((hi, t, n), ("io", prev_job, ready)))

    def next_job(self, t: int, n: int):
        if t + 1 < self.T:
            return t + 1, n
        if n + 1 < self.N:
            return 0, n + 1
        return None

    def reduce(self, job: tuple, cycle: int) -> None:
        """Send ``job``'s partial sums between its tiles; its neurons update once they have arrived."""
        src, dst, bits = self.reductions[job[0]]
        res = self.noc.send_packets(src, dst, bits, cycle)
        self.account(self.hosts[job[0]], int(bits.sum()), res)
        self.reduce_wait[job] = res[0] - cycle
        self.finish[job] = res[0] + int(self.stage_dur["lif"][job])
        self.push(int(self.finish[job]), DONE, job)

    def done(self, job: tuple, cycle: int) -> None:
        """``job`` finished at ``cycle``: its host takes the next job, its outputs leave over the mesh."""
        hi, t, n = job
        h = self.hosts[hi]
        nxt = self.next_job(t, n)
        if nxt is not None:
            self.feed_inputs(hi, nxt[0], nxt[1], cycle, job)
            self.satisfy((hi, *nxt), cycle, ("prev", job, cycle))
        for key, k, delay in self.outgoing[h]:
            tt = t + delay
            if tt >= self.T:
                continue
            bits = int(self.ex.traffic_bits[key][tt, n])
            res = self.noc.send(h, k, bits, cycle)
            self.account(h, bits, res)
            if k == IO_HOST:
                if res[0] >= self.out_done[n]:
                    self.out_done[n] = res[0]
                    self.out_cause[n] = (job, cycle)
            else:
                self.push(res[0], ARRIVE, ((self.hidx[k], tt, n), ("data", job, cycle)))

    def run(self) -> Schedule:
        for hi in range(len(self.hosts)):
            self.feed_inputs(hi, 0, 0, 0, None)
            if self.n_deps[hi, 0, 0] == 0:  # a host with no input at t = 0 (only recurrent inputs)
                self.n_deps[hi, 0, 0] = 1
                self.satisfy((hi, 0, 0), 0, ("start", None, 0))
        while self.heap:
            cycle, kind, _, payload = heapq.heappop(self.heap)
            if kind == ARRIVE:
                self.satisfy(payload[0], cycle, payload[1])
            elif kind == REDUCE:
                self.reduce(payload, cycle)
            else:
                self.done(payload, cycle)
        if (self.start < 0).any():
            raise RuntimeError("scheduler deadlock: some jobs never became ready")  # a bug, not a user error
        total = int(self.out_done.max())
        stages = _critical_path(total, self.out_done, self.out_cause, self.cause, self.start, self.stage_dur,
                                self.reduce_wait)
        busy = {h: int(self.dur[i].sum() + self.reduce_wait[i].sum()) for i, h in enumerate(self.hosts)}
        latency = (self.out_done - np.maximum(self.first_in, 0)).astype(np.int64)
        return Schedule(total, latency, stages, busy, self.noc_counts, self.start, self.finish, self.hosts)


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
