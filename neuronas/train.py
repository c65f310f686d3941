"""Surrogate-gradient training (backpropagation through time) and evaluation.

The model's ``forward`` takes images ``[N, C, H, W]`` and returns logits ``[N, classes]``; it encodes the input and
loops over its timesteps itself, so the loss gradient flows back through every timestep (BPTT) and through the
LIF surrogates. Checkpoints are plain state dicts (``torch.save``), read back with ``torch.load(weights_only=True)``.
"""
from __future__ import annotations

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Iterable

import numpy as np
import torch
from torch import nn
from torch.utils.data import DataLoader

from cimsim.errors import UserError
from cimsim.progress import progress_bar
from neuronas.models.lif import reset_states

OPTIMIZERS = ("sgd", "adam")
SCHEDULES = ("cosine", "constant")


@dataclass
class History:
    """Per-epoch record of a training run (accuracies in [0, 1], times in seconds)."""

    epoch: list[int] = field(default_factory=list)
    train_loss: list[float] = field(default_factory=list)
    train_acc: list[float] = field(default_factory=list)
    test_acc: list[float] = field(default_factory=list)
    lr: list[float] = field(default_factory=list)
    time_s: list[float] = field(default_factory=list)
    hardware: list[bool] = field(default_factory=list)
    onchip: dict | None = None
    """Hardware-aware runs of :func:`train_genotype`: the simulated chip's accuracy over the whole test split
    (:meth:`cimsim.accuracy.ChipAccuracy.to_dict`)."""

    def record(self, epoch: int, loss: float, acc: float, test_acc: float, lr: float, time_s: float,
               hardware: bool = False) -> None:
        """Append one epoch."""
        for name, v in (("epoch", epoch), ("train_loss", loss), ("train_acc", acc), ("test_acc", test_acc),
                        ("lr", lr), ("time_s", time_s), ("hardware", hardware)):
            getattr(self, name).append(v)

    @property
    def best_acc(self) -> float:
        """Best test accuracy (NaN when there was no test set)."""
        accs = [a for a in self.test_acc if not math.isnan(a)]
        return max(accs) if accs else float("nan")

    @property
    def final_acc(self) -> float:
        return self.test_acc[-1] if self.test_acc else float("nan")

    @property
    def total_time_s(self) -> float:
        return float(sum(self.time_s))

    def to_dict(self) -> dict:
        return {**asdict(self), "best_acc": self.best_acc, "total_time_s": self.total_time_s}

    def save(self, path: "str | Path") -> None:
        Path(path).write_text(json.dumps(self.to_dict(), indent=2))


def seed_everything(seed: int) -> None:
    """Seed torch and numpy (the data loaders get their own seeded generators)."""
    torch.manual_seed(int(seed))
    np.random.seed(int(seed) % 2**32)


def _forward(model: nn.Module, x: torch.Tensor) -> torch.Tensor:
    reset_states(model)  # single-step LIFs must start every batch from the reset membrane
    return model(x)


@torch.no_grad()
def evaluate(model: nn.Module, loader: Iterable, device: "str | torch.device | None" = None) -> float:
    """Top-1 accuracy of ``model`` on ``loader`` (fraction in [0, 1]); the model is left in eval mode.

    ``device``: where the batches go (default: the device of the model's first parameter).
    """
    if device is None:
        device = next((p.device for p in model.parameters()), torch.device("cpu"))
    model.eval()
    correct = total = 0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        correct += int((_forward(model, x).argmax(1) == y).sum())
        total += int(y.numel())
    if total == 0:
        raise UserError("evaluation data set is empty")
    return correct / total


def _resolve_loaders(data, data_dir, batch_size, seed):
    if isinstance(data, (tuple, list)):
        if len(data) != 2:
            raise UserError("train(): pass a dataset name or a (train_loader, test_loader) pair")
        return data[0], data[1]
    if isinstance(data, DataLoader):
        return data, None
    from neuronas.data import make_loaders

    return make_loaders(data, data_dir, batch_size=batch_size, seed=seed)


@dataclass(frozen=True)
class TrainSettings:
    """How to train (everything but the model and the data).

    Parameters
    ----------
    epochs, lr: number of passes over the training set; initial learning rate.
    optimizer: ``"sgd"`` (Nesterov momentum ``momentum``) or ``"adam"``; ``weight_decay`` for either.
    schedule: ``"cosine"`` (annealed to 0 over all steps, updated per batch) or ``"constant"``.
    seed: seeds torch/numpy at the start (dropout, shuffling, the loaders of a named dataset).
    qat_bits: if set, quantization-aware training: ``neuronas.quant.enable_qat(model, qat_bits)`` is called first.
    out_dir: if set, ``last.pt`` (state dict after the last epoch), ``best.pt`` (best test accuracy) and
        ``history.json`` are written there.
    progress: show a progress bar with the running loss and accuracy.
    batch_size, data_dir: loaders of a dataset given by name (:func:`neuronas.data.make_loaders`).
    grad_clip: clip the gradient norm to this value (None: no clipping).
    device: ``"auto"`` (CUDA when ``torch.cuda.is_available()``, else the CPU), ``"cpu"``, ``"cuda"`` /
        ``"cuda:N"`` or a ``torch.device`` (:func:`resolve_device`).
    threads: ``torch.set_num_threads`` for the run (None: leave as is).
    stop_at_acc: stop after the first epoch whose test accuracy reaches this value (the schedule still spans
        ``epochs``; with ``hw`` only in the hardware-aware epochs).
    hw: hardware-aware training on this chip (a preset name, YAML path or ``Chip``): the last ``hw_epochs``
        epochs run with the chip's crossbar product in the loop (:class:`neuronas.quant.hardware.HardwareAware`:
        bit slices, row groups, the calibrated ADC with saturation, straight-through gradients), batch norms
        frozen; their test accuracy is the chip's, as torch computes it. Implies QAT (``qat_bits`` default 8).
    hw_epochs: epochs with the chip in the loop (default: half of ``epochs``, at least 1).
    hw_noise: inject the chip's device non-idealities (``crossbar.nonideal``) in those epochs.
    """

    epochs: int = 10
    lr: float = 0.1
    optimizer: str = "sgd"
    schedule: str = "cosine"
    weight_decay: float = 5e-4
    momentum: float = 0.9
    seed: int = 0
    qat_bits: int | None = None
    out_dir: "str | Path | None" = None
    progress: bool = True
    batch_size: int = 64
    data_dir: "str | Path | None" = None
    grad_clip: float | None = None
    device: "str | torch.device" = "auto"
    threads: int | None = None
    stop_at_acc: float | None = None
    hw: object = None
    hw_epochs: int | None = None
    hw_noise: bool = True

    def __post_init__(self):
        if int(self.epochs) < 1:
            raise UserError(f"epochs={self.epochs}; expected >= 1")
        if not float(self.lr) > 0:
            raise UserError(f"lr={self.lr}; expected > 0")
        if self.schedule not in SCHEDULES:
            raise UserError(f"unknown schedule {self.schedule!r}; expected one of {', '.join(SCHEDULES)}")
        if self.optimizer not in OPTIMIZERS:
            raise UserError(f"unknown optimizer {self.optimizer!r}; expected one of {', '.join(OPTIMIZERS)}")
        resolve_device(self.device)  # a UserError now rather than after the data is loaded
        if self.hw_epochs is not None and not 1 <= int(self.hw_epochs) <= int(self.epochs):
            raise UserError(f"hw_epochs={self.hw_epochs}; expected 1..epochs ({self.epochs})")

    @property
    def hardware_epochs(self) -> int:
        """Epochs trained with the chip in the loop (0 without ``hw``)."""
        if self.hw is None:
            return 0
        return int(self.hw_epochs) if self.hw_epochs is not None else max(1, int(self.epochs) // 2)

    @classmethod
    def recipe(cls, dataset: str, optimizer: str | None = None, lr: float | None = None, **fields) -> "TrainSettings":
        """Settings starting from :func:`default_hyperparameters` of ``dataset``.

        ``optimizer`` other than the dataset's switches to that optimizer's usual starting point (SGD 0.1 with
        weight decay 5e-4, Adam 1e-3 without); ``lr`` overrides the rate; ``fields`` set the other settings.
        """
        from neuronas.data import spec

        hp = default_hyperparameters(spec(dataset).name)
        if optimizer is not None and optimizer != hp["optimizer"]:
            hp = {"optimizer": optimizer, "lr": 0.1 if optimizer == "sgd" else 1e-3,
                  "weight_decay": 5e-4 if optimizer == "sgd" else 0.0}
        if lr is not None:
            hp["lr"] = float(lr)
        return cls(**hp, **fields)


DEVICES = ("auto", "cpu", "cuda")


def resolve_device(device: "str | torch.device") -> torch.device:
    """The torch device of ``--device``: ``auto`` takes CUDA when ``torch.cuda.is_available()``, else the CPU.

    ``cuda`` (or ``cuda:N``) without a usable CUDA device is a :class:`UserError`, not a silent CPU run.
    """
    if isinstance(device, torch.device):
        return device
    name = str(device).strip().lower()
    if name == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    if name == "cpu":
        return torch.device("cpu")
    if name == "cuda" or name.startswith("cuda:"):
        if not torch.cuda.is_available():
            raise UserError(f"--device {device}: no CUDA device is available here (torch "
                            f"{torch.__version__}); use --device cpu or auto")
        try:
            dev = torch.device(name)
        except RuntimeError:
            raise UserError(f"--device {device!r}: expected cuda or cuda:N") from None
        if dev.index is not None and dev.index >= torch.cuda.device_count():
            raise UserError(f"--device {device}: only {torch.cuda.device_count()} CUDA device(s) here")
        return dev
    raise UserError(f"--device {device!r}; expected one of {', '.join(DEVICES)}")


def _setup(model: nn.Module, data, s: TrainSettings):
    """Seeds, loaders, QAT, optimizer and schedule of a run: ``(train_loader, test_loader, opt, sched)``."""
    if s.threads is not None:
        torch.set_num_threads(int(s.threads))
    seed_everything(s.seed)
    train_loader, test_loader = _resolve_loaders(data, s.data_dir, s.batch_size, s.seed)
    if s.qat_bits is not None or s.hw is not None:
        from neuronas.quant import enable_qat

        enable_qat(model, int(s.qat_bits or 8))
    model.to(resolve_device(s.device))
    params = [p for p in model.parameters() if p.requires_grad]
    if s.optimizer == "sgd":
        opt = torch.optim.SGD(params, lr=float(s.lr), momentum=s.momentum, weight_decay=s.weight_decay,
                              nesterov=s.momentum > 0)
    else:
        opt = torch.optim.Adam(params, lr=float(s.lr), weight_decay=s.weight_decay)
    steps = int(s.epochs) * len(train_loader)
    sched = torch.optim.lr_scheduler.CosineAnnealingLR(opt, T_max=max(steps, 1)) if s.schedule == "cosine" else None
    return train_loader, test_loader, opt, sched


def _train_epoch(model: nn.Module, loader: Iterable, opt, sched, s: TrainSettings, step,
                 hw=None) -> tuple[float, float]:
    """One pass over ``loader``; ``step(loss, acc)`` after each batch. Returns (mean loss, accuracy) of the epoch.

    ``hw``: an attached :class:`neuronas.quant.hardware.HardwareAware` (its batch norms stay frozen).
    """
    model.train()
    if hw is not None:
        hw.freeze_batchnorm()
    loss_fn = nn.CrossEntropyLoss()
    loss_sum, correct, seen = 0.0, 0, 0
    device = resolve_device(s.device)
    for x, y in loader:
        x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
        logits = _forward(model, x)
        loss = loss_fn(logits, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        if s.grad_clip is not None:
            nn.utils.clip_grad_norm_(model.parameters(), s.grad_clip)
        opt.step()
        if sched is not None:
            sched.step()
        n = int(y.numel())
        loss_sum += float(loss.detach()) * n
        correct += int((logits.detach().argmax(1) == y).sum())
        seen += n
        step(loss_sum / seen, correct / seen)
    return loss_sum / max(seen, 1), correct / max(seen, 1)


def cpu_state_dict(model: nn.Module) -> dict:
    """``model.state_dict()`` with every tensor on the CPU: a checkpoint written on a GPU loads anywhere."""
    return {k: v.detach().cpu() if isinstance(v, torch.Tensor) else v for k, v in model.state_dict().items()}


def _checkpoint(model: nn.Module, history: History, out: Path) -> None:
    """``last.pt``; ``best.pt`` when the last epoch beats every earlier one (or there is no test set: always);
    ``history.json``."""
    state = cpu_state_dict(model)
    torch.save(state, out / "last.pt")
    acc = history.test_acc[-1]
    earlier = [a for a in history.test_acc[:-1] if not math.isnan(a)]
    if math.isnan(acc) or acc > max(earlier, default=-1.0):
        torch.save(state, out / "best.pt")
    history.save(out / "history.json")


def train(model: nn.Module, data: "str | tuple[Iterable, Iterable | None] | DataLoader",
          settings: TrainSettings | None = None, calibration_images: "torch.Tensor | None" = None) -> History:
    """Train ``model`` with surrogate gradients (BPTT) and cross-entropy.

    Parameters
    ----------
    model: ``forward([N, C, H, W]) -> logits [N, classes]``.
    data: a dataset name (loaded with :func:`neuronas.data.make_loaders` with the settings' ``data_dir``,
        ``batch_size`` and ``seed``), or a ``(train_loader, test_loader_or_None)`` pair.
    settings: how to train (default: :class:`TrainSettings` ()).
    calibration_images: with ``settings.hw``, images ``[N, C, H, W]`` that set the input scale and the ADC's
        calibrated range, as the deployment will (default: the first 16 images of the first training batch).

    Returns
    -------
    History: loss, accuracies, learning rate and wall time per epoch (``hardware``: the epochs with the chip in
    the loop, whose test accuracy is the chip's).
    """
    s = settings or TrainSettings()
    train_loader, test_loader, opt, sched = _setup(model, data, s)
    out = Path(s.out_dir) if s.out_dir is not None else None
    if out is not None:
        out.mkdir(parents=True, exist_ok=True)
    history, hw = History(), None
    first_hw = int(s.epochs) - s.hardware_epochs + 1
    status = "loss {task.fields[loss]:.4f}  acc {task.fields[acc]:.2%}  test {task.fields[test]}"
    with progress_bar(s.progress, status) as bar:
        task = bar.add_task("train", total=int(s.epochs) * len(train_loader), loss=float("nan"), acc=0.0, test="-")
        for epoch in range(1, int(s.epochs) + 1):
            t0 = time.perf_counter()
            epoch_lr = opt.param_groups[0]["lr"]
            if epoch >= first_hw:
                hw = hw or _hardware_aware(model, s, train_loader, calibration_images)
                hw.calibrate()  # the ADC's range follows the weights
                hw.attach()
            bar.update(task, description=f"epoch {epoch}/{s.epochs}" + (" (chip in the loop)" if hw else ""))
            loss, acc = _train_epoch(model, train_loader, opt, sched, s,
                                     lambda loss, acc: bar.update(task, advance=1, loss=loss, acc=acc), hw)
            if not math.isfinite(loss):
                raise UserError(f"training diverged in epoch {epoch} (loss {loss}); lower the learning rate "
                                f"(lr={s.lr})")
            test_acc = evaluate(model, test_loader, resolve_device(s.device)) if test_loader is not None else float("nan")
            history.record(epoch, loss, acc, test_acc, epoch_lr, time.perf_counter() - t0, hw is not None)
            bar.update(task, test=f"{test_acc:.2%}")
            if out is not None:
                _checkpoint(model, history, out)
            if s.stop_at_acc is not None and test_acc >= s.stop_at_acc and (s.hw is None or hw is not None):
                break
    if hw is not None:
        hw.detach()
    return history


def _hardware_aware(model: nn.Module, s: TrainSettings, train_loader: Iterable, images: "torch.Tensor | None"):
    """The :class:`~neuronas.quant.hardware.HardwareAware` of a run (calibration images: given, or the first 16
    of the first training batch)."""
    from neuronas.quant.hardware import HardwareAware

    if images is None:
        images = next(iter(train_loader))[0][:16]
    return HardwareAware(model, s.hw, images, bits=int(s.qat_bits or 8), noise=s.hw_noise, seed=s.seed)


def load_checkpoint(model: nn.Module, path: "str | Path", strict: bool = True) -> nn.Module:
    """Load a state-dict checkpoint written by :func:`train` into ``model`` (``weights_only=True``)."""
    path = Path(path)
    if not path.is_file():
        raise UserError(f"checkpoint {path} does not exist")
    try:
        state = torch.load(path, map_location="cpu", weights_only=True)
    except Exception as exc:  # torch raises several types for corrupt / non-state-dict files
        first = str(exc).strip().splitlines()[0][:160] if str(exc).strip() else type(exc).__name__
        raise UserError(f"checkpoint {path} is not a weights-only state dict: {first}") from None
    model.load_state_dict(state, strict=strict)
    return model


def default_hyperparameters(dataset: str) -> dict:
    """Optimizer, learning rate and weight decay a run on ``dataset`` starts from.

    The image datasets use SNASNet's recipe (SGD, lr 0.1, momentum 0.9, weight decay 5e-4, cosine; Kim et al.'s
    released configuration). The small ``digits`` / ``synthetic`` macros learn much faster with Adam (lr 1e-2, no
    weight decay): with SGD 0.1 the digits macro stayed at chance for several epochs in our runs.
    """
    if dataset in ("digits", "synthetic"):
        return {"optimizer": "adam", "lr": 1e-2, "weight_decay": 0.0}
    return {"optimizer": "sgd", "lr": 0.1, "weight_decay": 5e-4}


def train_genotype(genotype: str, dataset: str, settings: TrainSettings, channels: int | None = None,
                   timesteps: int = 5) -> History:
    """Build the SNN of ``genotype`` for ``dataset`` (``neuronas.models.build``) and train it (the CLI command).

    Parameters
    ----------
    genotype: genotype string or SNASNet connection matrix.
    dataset: dataset name (also the data of the run).
    settings: how to train (see :meth:`TrainSettings.recipe` for the dataset's usual optimizer and rate).
    channels, timesteps: cell channels C (default: the dataset's macro) and T.

    Writes ``genotype.txt`` and ``run.json`` (the run's arguments) next to the checkpoints when
    ``settings.out_dir`` is set.
    """
    from neuronas.data import spec as dataset_spec
    from neuronas.models import build
    from neuronas.space import Genotype

    g = Genotype.parse(genotype)
    if not g.is_valid():
        raise UserError(f"genotype {str(g)!r} is not a valid cell: the output node is not reachable from the input")
    ds = dataset_spec(dataset)
    seed_everything(settings.seed)
    model = build(g, ds, channels=channels, timesteps=timesteps)
    if settings.out_dir is not None:
        out = Path(settings.out_dir)
        out.mkdir(parents=True, exist_ok=True)
        (out / "genotype.txt").write_text(str(g) + "\n")
        run = {"genotype": str(g), "matrix": g.matrix_string(), "dataset": ds.name, "epochs": settings.epochs,
               "channels": channels, "timesteps": timesteps, "seed": settings.seed, "lr": settings.lr,
               "optimizer": settings.optimizer, "batch_size": settings.batch_size, "qat_bits": settings.qat_bits,
               "hw": None if settings.hw is None else getattr(settings.hw, "name", str(settings.hw)),
               "hw_epochs": settings.hardware_epochs, "hw_noise": settings.hw_noise}
        (out / "run.json").write_text(json.dumps(run, indent=2))
    if settings.hw is None:
        return train(model, ds.name, settings)
    from neuronas.data import load_dataset
    from neuronas.quant.hardware import measure_on_chip

    train_set = load_dataset(ds.name, settings.data_dir, split="train", seed=settings.seed, augment=False)
    calibration = torch.stack([train_set[i][0] for i in range(min(16, len(train_set)))])
    history = train(model, ds.name, settings, calibration_images=calibration)
    test = load_dataset(ds.name, settings.data_dir, split="test", seed=settings.seed, augment=False)
    images = torch.stack([test[i][0] for i in range(len(test))])
    labels = np.array([test[i][1] for i in range(len(test))])
    history.onchip = measure_on_chip(model, settings.hw, images, labels, calibration, int(settings.qat_bits or 8),
                                     seed=settings.seed).to_dict()
    if settings.out_dir is not None:
        history.save(Path(settings.out_dir) / "history.json")
    return history
