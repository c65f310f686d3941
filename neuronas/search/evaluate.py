"""Evaluating one candidate: build, memory, hardware (cimsim), SAHD score; with on-disk caches.

Every candidate genotype is first reduced to its canonical form (dead edges removed, nodes 1/2 ordered), so
that isomorphic cells share one evaluation and a pruned cell does not pay for parameters that never matter.

Weights are initialised from a seed derived from ``(settings.seed, canonical genotype)``: the same genotype gets
the same network in every worker and every rerun, so cached results stay valid. Batch-norm statistics are then
calibrated on ``calib_batch`` images of the first SAHD batch (one training-mode pass, cumulative average): an
untrained network folded with the initial running statistics (mean 0, variance 1) hardly spikes, which would make the simulated energy and
latency meaningless; with calibrated statistics the deployed network spikes like the network the score sees.

Hardware evaluation, in order of cost, stopping at the first failure:

1. ``memory``: crossbar parameters (``neuronas.quant.crossbar_parameters``) x weight bits, counted from the
   genotype and the macro (:mod:`neuronas.search.bounds`), so this rejection builds no model;
2. ``mapping``: first a lower bound of the tiles from the same layer sizes (no model: a cell that cannot fit, or
   whose fewest possible tiles already exceed the area budget, stops here), then ``quantize`` (8 bit) ->
   ``export`` -> ``cimsim.mapping.map_graph``: does it fit the chip (an error message is stored otherwise) and is
   the area of the used tiles alone already over the area budget;
3. ``simulate``: ``cimsim.simulate(..., ideal_adc=True, fidelity=False)`` on ``hw_samples`` real images: area
   (``area_m2``), latency and energy per inference (``latency_per_inference_s``, ``energy_per_inference_j``).
   Every conversion is priced at the chip's ADC; only the spikes come from the ideal-ADC network, which skips the
   ADC calibration and the bit-sliced reads (4-6x faster; energies within about 2% of the finite-ADC run on
   CIFAR-size candidates). The final report of the best candidate simulates the finite ADC.
"""
from __future__ import annotations

import hashlib
import json
import math
import os
import time
from functools import cached_property, lru_cache
from pathlib import Path

import numpy as np
import torch
from torch import nn

from cimsim.errors import UserError
from cimsim.constraints import Constraints
from neuronas.search.settings import SearchSettings
from neuronas.space import Genotype


def stable_seed(*parts) -> int:
    """A 31-bit seed from any parts (stable across processes and Python versions)."""
    blob = "|".join(str(p) for p in parts).encode()
    return int.from_bytes(hashlib.sha256(blob).digest()[:4], "little") & 0x7FFFFFFF


def calibrate_batchnorm(model: nn.Module, images: torch.Tensor) -> None:
    """Set every batch norm's running statistics to those of one training-mode pass over ``images``.

    Cells without backward edges run time-batched in that pass (the same statistics bit for bit, faster).
    """
    bns = [m for m in model.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    saved = [m.momentum for m in bns]
    was_training = model.training
    for m in bns:
        m.reset_running_stats()
        m.momentum = None  # cumulative average: one pass gives exactly the batch statistics
    from neuronas.models.cell import time_batched
    from neuronas.models.lif import reset_states

    model.train()
    for m in model.modules():
        if isinstance(m, nn.Dropout):
            m.eval()
    device = next((p.device for p in model.parameters()), images.device)
    with torch.no_grad(), time_batched(model):
        reset_states(model)
        model(images.to(device))
        reset_states(model)
    for m, mom in zip(bns, saved):
        m.momentum = mom
    model.train(was_training)


@lru_cache(maxsize=8)
def _dataset(name: str, data_dir: str | None, split: str, seed: int, n_samples: int | None, shape: tuple = ()):
    """One split without augmentation, loaded once per process (evaluators of a co-design sweep share it);
    ``shape`` = (channels, size, classes) of synthetic images (empty: the dataset's own)."""
    from neuronas.data import load_dataset

    kw = {"n_samples": n_samples} if n_samples is not None else {}
    kw.update(zip(("channels", "size", "classes"), shape))
    return load_dataset(name, data_dir, split=split, seed=seed, augment=False, **kw)


def _write_json(path: Path, data: dict) -> None:
    """Atomic write (a killed process never leaves half a file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, sort_keys=True))
    os.replace(tmp, path)


class Evaluator:
    """Builds and measures candidates of one search (one dataset, macro, chip and seed).

    Parameters
    ----------
    settings: the search settings.
    chip: a resolved :class:`cimsim.config.schema.Chip` (default: loaded from ``settings.hw``).
    cache_dir: where hardware and score results are cached (default ``OUT/cache``); ``None`` disables caching.
    time_batched: score cells without backward edges time-batched (:func:`neuronas.search.sahd.sahd_score`; the
        same score, faster); ``False`` scores every cell timestep by timestep, as SNASNet's code does.
    spec: the :class:`~cimsim.datasets.DatasetSpec` the macro is built for (default: ``settings.dataset``'s). With
        ``settings.dataset = "synthetic"``, a spec of another shape (e.g. TinyImageNet's 3 x 64 x 64, 200 classes)
        gives synthetic images of that shape and classes.
    """

    def __init__(self, settings: SearchSettings, chip=None, cache_dir: "str | Path | None" = "default",
                 time_batched: bool = True, spec=None):
        from neuronas.data import spec as spec_of

        self.settings = settings
        self.spec = spec if spec is not None else spec_of(settings.dataset)
        self._chip = chip
        self.limits: Constraints = settings.limits
        if cache_dir == "default":
            cache_dir = settings.out_dir / "cache"
        self.cache_dir = Path(cache_dir) if cache_dir is not None else None
        self.time_batched = bool(time_batched)
        self._scores: dict[str, float] = {}  # canonical genotype -> score, this process (also with no cache_dir)

    # ------------------------------------------------------------------ shared inputs
    @cached_property
    def device(self) -> torch.device:
        """Torch device of the SAHD score and training (``settings.device``); the hardware path (quantize,
        export, cimsim) runs on the CPU."""
        from neuronas.train import resolve_device

        return resolve_device(self.settings.device)

    @cached_property
    def chip(self):
        if self._chip is not None:
            return self._chip
        import cimsim

        return cimsim.load_config(self.settings.hw, overrides=self.settings.hw_overrides or None)

    @cached_property
    def macro(self):
        from dataclasses import replace as dc_replace

        from neuronas.models.macro import default_config

        cfg = default_config(self.spec, self.settings.channels, self.settings.timesteps)
        if self.settings.hidden is not None:
            cfg = dc_replace(cfg, hidden=int(self.settings.hidden))
        return cfg

    @cached_property
    def _train_set(self):
        s = self.settings
        n = max(256, s.score_batch * s.score_repeats) if self.spec.name == "synthetic" else None
        return _dataset(s.dataset, s.data_dir, "train", s.seed, n, self._synthetic_shape)

    @cached_property
    def score_images(self) -> list[torch.Tensor]:
        """The SAHD batches (also the batch-norm calibration data: the first batch)."""
        from neuronas.search.sahd import score_batches

        s = self.settings
        return score_batches(self._train_set, s.score_batch, s.score_repeats, stable_seed("score", s.seed))

    @cached_property
    def _test_set(self):
        s = self.settings
        n = max(64, s.hw_samples, s.report_samples) if self.spec.name == "synthetic" else None
        return _dataset(s.dataset, s.data_dir, "test", s.seed, n, self._synthetic_shape)

    @property
    def _synthetic_shape(self) -> tuple:
        """(channels, size, classes) of synthetic images; empty for a real dataset (its files set the shape)."""
        s = self.spec
        return (s.channels, s.size, s.classes) if s.name == "synthetic" else ()

    @property
    def test_size(self) -> int:
        """Images in the test split (the default number of on-chip accuracy samples)."""
        return len(self._test_set)

    def test_images(self, n: int) -> tuple[torch.Tensor, np.ndarray]:
        """The first ``n`` test images ``[n, C, H, W]`` of a seeded permutation, and their labels ``[n]``."""
        test = self._test_set
        if len(test) < n:
            raise UserError(f"{n} test images requested but the {self.settings.dataset} test split has {len(test)}")
        idx = np.random.default_rng(stable_seed("hw", self.settings.seed)).permutation(len(test))[:n]
        return torch.stack([test[int(i)][0] for i in idx]), np.array([test[int(i)][1] for i in idx])

    @cached_property
    def hw_images(self) -> tuple[torch.Tensor, np.ndarray]:
        """``hw_samples`` test images and labels: the inputs of every hardware simulation during the search."""
        return self.test_images(self.settings.hw_samples)

    # ------------------------------------------------------------------ building
    def canonical(self, genotype: "str | Genotype") -> Genotype:
        g = Genotype.parse(genotype)
        if not g.is_valid():
            raise UserError(f"genotype {str(g)!r} is not a valid cell: the output is not reachable from the input")
        return g.canonical()

    @property
    def calibration_images(self) -> torch.Tensor:
        """The first ``calib_batch`` images of the first SAHD batch: batch-norm calibration data."""
        return self.score_images[0][: self.settings.calib_batch]

    def build(self, genotype: "str | Genotype", calibrate: bool = True) -> nn.Module:
        """The float network of ``genotype`` with its deterministic initialisation (and calibrated batch norm)."""
        from neuronas.models import build

        g = Genotype.parse(genotype)
        torch.manual_seed(stable_seed("init", self.settings.seed, str(g)))
        model = build(g, self.spec, config=self.macro)
        if calibrate:
            calibrate_batchnorm(model, self.calibration_images)
        return model

    # ------------------------------------------------------------------ caches
    def _key(self, kind: str, g: Genotype) -> str:
        s = self.settings
        parts = {"kind": kind, "genotype": str(g), "dataset": repr(self.spec), "macro": repr(self.macro),
                 "seed": s.seed, "bits": s.weight_bits, "score_batch": s.score_batch, "repeats": s.score_repeats}
        if kind == "hw":
            parts.update(chip=self.chip.config_hash(), run=self.chip.run.options_hash(), channels=self.macro.channels,
                         timesteps=s.timesteps, samples=s.hw_samples, calib=s.calib_batch, activity="ideal-adc")
        return hashlib.sha256(json.dumps(parts, sort_keys=True).encode()).hexdigest()[:20]

    def _cache_get(self, kind: str, g: Genotype) -> dict | None:
        if self.cache_dir is None:
            return None
        path = self.cache_dir / kind / f"{self._key(kind, g)}.json"
        if path.is_file():
            try:
                return json.loads(path.read_text())
            except json.JSONDecodeError:
                return None
        return None

    def _cache_put(self, kind: str, g: Genotype, data: dict) -> None:
        if self.cache_dir is not None:
            _write_json(self.cache_dir / kind / f"{self._key(kind, g)}.json", data)

    # ------------------------------------------------------------------ measurements
    def memory(self, genotype: "str | Genotype") -> dict:
        """``{"params", "memory_bytes"}`` of the network (crossbar weights x weight bits / 8), counted from the
        genotype and the macro alone (:mod:`neuronas.search.bounds`): a candidate over the memory budget is
        rejected before any model is built."""
        from neuronas.quant.fixed_point import check_bits
        from neuronas.search.bounds import crossbar_layers, weight_count

        params = weight_count(crossbar_layers(Genotype.parse(genotype), self.spec, self.macro))
        return {"params": float(params), "memory_bytes": float(math.ceil(params * check_bits(self.settings.weight_bits) / 8))}

    def tile_bound(self, genotype: "str | Genotype") -> dict:
        """``{"tiles", "area_m2"}``: the fewest tiles any mapping of the network can use on the chip and their
        area, from the genotype and the macro alone (:func:`neuronas.search.bounds.tile_lower_bound`)."""
        from neuronas.search.bounds import crossbar_layers, tile_lower_bound

        tiles = tile_lower_bound(crossbar_layers(Genotype.parse(genotype), self.spec, self.macro), self.chip,
                                 self.settings.weight_bits)
        return {"tiles": tiles, "area_m2": tiles * self._tile_area_m2}

    @cached_property
    def _tile_area_m2(self) -> float:
        from cimsim.components.chip import build as build_components

        return float(build_components(self.chip).tile.total_area_m2())

    def hardware(self, genotype: "str | Genotype", stop_early: bool = True) -> dict:
        """Memory, mapping and simulation of ``genotype`` (canonical form), cached by (genotype, chip hash, ...).

        Parameters
        ----------
        stop_early: stop at the first violated constraint (memory before mapping before simulation). With
            ``False`` every stage that can run runs (a network that does not fit the chip still stops).

        Returns
        -------
        dict with ``params``, ``memory_bytes``, ``area_m2``, ``latency_s``, ``energy_j`` (NaN when not
        reached), ``stage`` (last stage run), ``fits`` (False: does not fit the chip), ``failed`` (violated
        constraints; ``fit`` when it does not fit), ``message``, ``time_s`` (wall time of this evaluation; 0 for
        a cache hit) and ``cached``. The cache holds measurements only; ``failed`` is judged against the current
        constraints, and an early-stopped cached result is reused only while it still fails.
        """
        g = self.canonical(genotype)
        cached = self._cache_get("hw", g)
        if cached is not None:
            cached = {k: (math.nan if v is None else v) for k, v in cached.items()}
            judged = self._judge(cached)
            if cached["complete"] or (stop_early and judged["failed"]):
                return {**judged, "time_s": 0.0, "cached": True}
        t0 = time.perf_counter()
        res = self._hardware(g, stop_early)
        res["time_s"] = time.perf_counter() - t0
        self._cache_put("hw", g, {k: (None if isinstance(v, float) and math.isnan(v) else v)
                                  for k, v in res.items()})
        return {**self._judge(res), "cached": False}

    def _judge(self, res: dict) -> dict:
        """``res`` plus ``failed`` and ``message`` under the current constraints."""
        lim = self.limits
        failed = lim.check(res)
        msgs = [f"{lim.describe(n, res[lim.column(n)])} > {lim.describe(n).split('=')[1]}" for n in failed]
        if not res.get("fits", True):
            failed = sorted(set(failed) | {"area"}, key=_order) if "area" in lim.names else failed
            failed = failed + ["fit"]
            msgs.append(res.get("fit_message", "does not fit the chip"))
        return {**res, "failed": failed, "message": "; ".join(msgs)}

    def _hardware(self, g: Genotype, stop_early: bool) -> dict:
        import cimsim
        from cimsim.mapping import map_graph
        from neuronas.export import export, to_inputs
        from neuronas.quant import quantize

        lim = self.limits
        res = {"params": math.nan, "memory_bytes": math.nan, "area_m2": math.nan, "latency_s": math.nan,
               "energy_j": math.nan, "stage": "memory", "fits": True, "fit_message": "", "complete": False}
        res.update(self.memory(g))
        if stop_early and lim.check(res, ("memory",) if "memory" in lim.names else ()):
            return res
        res["stage"] = "mapping"
        bound = self.tile_bound(g)
        if bound["tiles"] > self.chip.tiles:  # cannot fit: no model is built
            res.update(fits=False, complete=True, fit_message=f"network needs at least {bound['tiles']} tiles (its "
                       f"crossbars without duplication); chip {self.chip.name!r} has {self.chip.tiles}")
            return res
        if stop_early and "area" in lim.names and bound["area_m2"] > lim.area_m2:
            res["area_m2"] = float(bound["area_m2"])  # a lower bound of the mapped tiles' area, already over budget
            return res
        model = self.build(g)
        images, _ = self.hw_images
        deploy = quantize(model, self.settings.weight_bits, calibration=images)
        graph = export(deploy, images[:1], self.settings.timesteps)
        try:
            mapping = map_graph(graph, self.chip)
        except UserError as exc:
            res.update(fits=False, fit_message=str(exc), complete=True)
            return res
        tiles_area = mapping.tiles_used * self._tile_area_m2
        if stop_early and "area" in lim.names and tiles_area > lim.area_m2:
            # the used tiles alone exceed the budget; the report's area only adds membrane storage to this
            res["area_m2"] = float(tiles_area)
            return res
        res["stage"] = "simulate"
        report = cimsim.simulate(mapping, inputs=to_inputs(deploy, images, self.settings.timesteps),
                                 ideal_adc=True, fidelity=False, seed=self.settings.seed)
        t = report.totals
        res.update(area_m2=float(t["area_m2"]), latency_s=float(t["latency_per_inference_s"]),
                   energy_j=float(t["energy_per_inference_j"]), complete=True)
        return res

    def score(self, genotype: "str | Genotype") -> tuple[float, float]:
        """SAHD score of ``genotype``, cached by its canonical form (:meth:`Genotype.canonical`: genotypes that
        differ only by dead edges or by the order of two unconnected intermediate nodes build the same network and
        share one score); returns ``(score, wall time s)`` (0 s for a cache hit)."""
        from neuronas.search.sahd import sahd_score

        g = self.canonical(genotype)
        if str(g) in self._scores:  # an equivalent genotype was scored: the same network, the same score
            return self._scores[str(g)], 0.0
        cached = self._cache_get("score", g)
        if cached is not None:
            self._scores[str(g)] = float(cached["score"])
            return float(cached["score"]), 0.0
        t0 = time.perf_counter()
        # built on the CPU (the same seeded weights on every device), scored on the search's device
        model = self.build(g, calibrate=False).to(self.device)
        value = sahd_score(model, self.score_images, time_batched=self.time_batched)
        dt = time.perf_counter() - t0
        self._scores[str(g)] = value
        self._cache_put("score", g, {"score": value if math.isfinite(value) else str(value), "time_s": dt})
        return value, dt


def _order(name: str) -> int:
    from cimsim.constraints import NAMES

    return NAMES.index(name) if name in NAMES else -1
