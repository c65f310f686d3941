"""What a search is asked to do (:class:`SearchSettings`) and the names derived from it (study name, storage)."""
from __future__ import annotations

import hashlib
import json
from dataclasses import asdict, dataclass, field, replace
from pathlib import Path

from cimsim.errors import UserError
from cimsim.constraints import Constraints, parse_constraints
from neuronas.search.strategy import get_strategy

SELECT_RULES = ("onchip", "ideal", "score")
"""How the best trained candidate is chosen (``--select``)."""


@dataclass(frozen=True)
class SearchSettings:
    """Everything that defines a search (and, minus the run-time fields, its study).

    Parameters
    ----------
    dataset, data_dir: dataset name (``neuronas.data.spec``) and its folder (CIFAR/TinyImageNet only).
    hw: hardware preset name or YAML path; ``hw_overrides``: dotted overrides for ``cimsim.load_config``.
    constraints: budgets, e.g. ``"memory=4e6,area=100mm2,latency=400ms,energy=120uJ"``.
    strategy: a registered strategy (:func:`neuronas.search.strategy.strategy_names`); ``ops``: operation set
        name (default: the strategy's ``default_ops``).
    candidates: number of candidates to evaluate (the study holds at least this many finished candidates).
    seed: seeds sampling, weight initialisation (per genotype), score batches and training.
    channels: C of the first cell (default: the dataset's macro); ``hidden``: width of the hidden fully
        connected layer (default: the dataset's macro, 1024 on CIFAR-size inputs, 128 on digits).
    timesteps: T.
    weight_bits: bits per weight on the crossbars (memory = parameters x bits / 8; QAT and deployment).
    score_batch, score_repeats: SAHD batch size and number of batches averaged (SNASNet: 256 and 2).
    hw_samples: input images per hardware simulation (latency/energy are per inference).
    calib_batch: images (of the first SAHD batch) that calibrate batch-norm statistics before deployment.
    report_samples: labelled test images of the final simulation of the best network (``report.json``).
    top_k: feasible candidates (highest score) trained with QAT at the end; 0 = no training.
    train_epochs, train_lr, train_batch: that short training (optimizer, learning rate and weight decay default
        to ``neuronas.train.default_hyperparameters(dataset)``; ``train_lr`` overrides the rate).
    population, tournament: regularised evolution (and the NSGA-II population).
    out: output directory; storage: Optuna storage URL (default ``sqlite:///OUT/study.db``).
    workers: local worker processes; ``threads``: torch threads per worker (default: cores / workers).
    progress, figures: show the progress bar; write the figures at the end.
    device: torch device of the SAHD score and the top-k training: ``auto`` (CUDA when available), ``cpu``,
        ``cuda`` or ``cuda:N`` (:func:`neuronas.train.resolve_device`); not part of the study's identity.
    hw_epochs: of the ``train_epochs``, the last ones run hardware-aware (the chip's ADC, and its device
        non-idealities, in the loop; :class:`neuronas.quant.hardware.HardwareAware`); default half of them (at
        least 1), 0 for plain 8-bit QAT.
    chips: simulated chip instances each trained candidate's on-chip accuracy is averaged over (more than 1
        matters with device non-idealities).
    accuracy_samples: test images of that on-chip accuracy (default: the whole test split).
    select: how the best of the trained top-k is chosen: ``onchip`` (the simulated chip's accuracy),
        ``ideal`` (the same network with an ideal ADC) or ``score`` (the training-free score).
    """

    dataset: str = "digits"
    hw: str = "spikesim_rram_65nm"
    constraints: str = ""
    strategy: str = "neuronas"
    candidates: int = 40
    seed: int = 0
    channels: int | None = None
    hidden: int | None = None
    timesteps: int = 5
    weight_bits: int = 8
    ops: str | None = None
    score_batch: int = 64
    score_repeats: int = 2
    hw_samples: int = 2
    calib_batch: int = 16
    report_samples: int = 16
    top_k: int = 3
    train_epochs: int = 3
    train_lr: float | None = None
    train_batch: int = 64
    population: int = 10
    tournament: int = 4
    data_dir: str | None = None
    hw_overrides: dict = field(default_factory=dict)
    out: str = "out/search"
    storage: str | None = None
    workers: int = 1
    threads: int | None = None
    progress: bool = True
    figures: bool = True
    device: str = "auto"
    hw_epochs: int | None = None
    chips: int = 1
    accuracy_samples: int | None = None
    select: str = "onchip"

    def __post_init__(self):
        get_strategy(self.strategy)  # a UserError naming the registered strategies
        for name in ("candidates", "timesteps", "score_batch", "score_repeats", "hw_samples", "calib_batch", "report_samples", "workers",
                     "population", "tournament", "train_batch"):
            if int(getattr(self, name)) < 1:
                raise UserError(f"--{name.replace('_', '-')}={getattr(self, name)}; expected >= 1")
        if self.score_batch < 2:
            raise UserError(f"--score-batch={self.score_batch}; the SAHD kernel needs at least 2 samples")
        if self.top_k < 0 or self.train_epochs < 0:
            raise UserError("--top-k and --train-epochs must be >= 0")
        for name in ("channels", "hidden"):
            v = getattr(self, name)
            if v is not None and int(v) < 1:
                raise UserError(f"--{name}={v}; expected a positive integer")
        if self.ops is not None:
            from neuronas.space import get_op_set

            get_op_set(self.ops)
        parse_constraints(self.constraints)
        if self.select not in SELECT_RULES:
            raise UserError(f"--select {self.select!r}; expected one of {', '.join(SELECT_RULES)}")
        if self.chips < 1:
            raise UserError(f"--chips={self.chips}; expected >= 1")
        if self.accuracy_samples is not None and self.accuracy_samples < 1:
            raise UserError(f"--accuracy-samples={self.accuracy_samples}; expected >= 1")
        if self.hw_epochs is not None and not 0 <= self.hw_epochs <= self.train_epochs:
            raise UserError(f"--hw-epochs={self.hw_epochs}; expected 0..--train-epochs ({self.train_epochs})")
        dev = str(self.device).lower()
        if dev not in ("auto", "cpu", "cuda") and not (dev.startswith("cuda:") and dev[5:].isdigit()):
            raise UserError(f"--device {self.device!r}; expected auto, cpu, cuda or cuda:N")

    # ------------------------------------------------------------------ derived
    @property
    def op_set(self) -> str:
        """Name of the operation set searched."""
        return self.ops or get_strategy(self.strategy).default_ops

    @property
    def hardware_epochs(self) -> int:
        """Training epochs with the chip in the loop (:attr:`hw_epochs`, default half of ``train_epochs``)."""
        if self.hw_epochs is not None:
            return int(self.hw_epochs)
        return max(1, self.train_epochs // 2) if self.train_epochs else 0

    @property
    def limits(self) -> Constraints:
        return parse_constraints(self.constraints)

    @property
    def out_dir(self) -> Path:
        return Path(self.out)

    @property
    def storage_url(self) -> str:
        """``--storage`` or an SQLite file in the output directory."""
        if self.storage:
            return self.storage
        return f"sqlite:///{(self.out_dir / 'study.db').resolve()}"

    def identity(self) -> dict:
        """Settings that change which candidates are evaluated or their numbers (not how many, where, how fast)."""
        d = asdict(self)
        for k in ("candidates", "out", "storage", "workers", "threads", "progress", "top_k", "train_epochs",
                  "train_lr", "train_batch", "data_dir", "report_samples", "figures", "device", "hw_epochs", "chips",
                  "accuracy_samples", "select"):
            d.pop(k)
        d["ops"] = self.op_set
        d["constraints"] = str(self.limits)
        return d

    @property
    def study_name(self) -> str:
        """``STRATEGY-DATASET-<hash of identity()>``: the same command finds its study again."""
        blob = json.dumps(self.identity(), sort_keys=True, default=str).encode()
        return f"{self.strategy}-{self.dataset}-{hashlib.sha256(blob).hexdigest()[:10]}"

    def with_(self, **changes) -> "SearchSettings":
        return replace(self, **changes)
