"""The ``neuronas`` command. Exit codes: 0 ok, 2 user error (one clear message), 1 bug.

Commands live in their own modules; this file only declares them (imports inside the functions keep
``neuronas --help`` fast). Add a command with ``@app.command()``; never rewrite this file wholesale.
"""
from __future__ import annotations

from typing import List, Optional

import typer

from cimsim.cli import output_dir, run
from neuronas.search.strategy import strategy_names

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Hardware-aware SNN architecture search.")


@app.callback()
def _commands() -> None:
    """Hardware-aware SNN architecture search."""  # a callback keeps `neuronas CMD` a subcommand even with one command


@app.command()
def train(
    genotype: str = typer.Argument(..., help="Cell genotype string or SNASNet connection matrix, e.g. '0303 0030 2002 0200'"),
    dataset: str = typer.Option(..., "--dataset", help="cifar10 | cifar100 | tinyimagenet | digits | synthetic"),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Dataset folder or its parent"),
    epochs: int = typer.Option(10, "--epochs", min=1, max=100_000),
    channels: Optional[int] = typer.Option(None, "--channels", min=1, max=4096, help="Cell channels C (default: the dataset's macro)"),
    timesteps: int = typer.Option(5, "--timesteps", min=1, max=10_000),
    out: Optional[str] = typer.Option(None, "--out", help="Directory for checkpoints and history.json"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default: per dataset, see --optimizer)"),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help="sgd | adam (default: adam 1e-2 for digits/synthetic, SNASNet's sgd 0.1 otherwise)"),
    batch_size: int = typer.Option(64, "--batch-size", min=1, max=65_536),
    qat_bits: Optional[int] = typer.Option(None, "--qat-bits", min=2, max=16, help="Quantization-aware training with this many weight bits"),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="torch CPU threads"),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when available) | cpu | cuda"),
    hw: Optional[str] = typer.Option(None, "--hw", help="Hardware-aware training: the chip's ADC (and device noise) in the loop of the last --hw-epochs epochs; preset or YAML"),
    hw_epochs: Optional[int] = typer.Option(None, "--hw-epochs", min=1, help="Epochs with the chip in the loop (default: half of --epochs)"),
    hw_noise: bool = typer.Option(True, "--hw-noise/--no-hw-noise", help="Inject the chip's device non-idealities while training"),
    hw_set: Optional[List[str]] = typer.Option(None, "--set", help="Hardware override KEY=VALUE (repeatable), with --hw"),
) -> None:
    """Train the SNN of a genotype with surrogate gradients; print the test accuracy (with --hw also the simulated
    chip's over the whole test split)."""
    import cimsim
    from cimsim.options import parse_overrides
    from neuronas.train import TrainSettings, train_genotype

    if out is not None:
        output_dir(out)
    chip = cimsim.load_config(hw, overrides=parse_overrides(hw_set or []) or None) if hw else None
    settings = TrainSettings.recipe(dataset, optimizer=optimizer, lr=lr, epochs=epochs, seed=seed, qat_bits=qat_bits,
                                    out_dir=out, batch_size=batch_size, data_dir=data_dir, threads=threads, device=device,
                                    hw=chip, hw_epochs=hw_epochs, hw_noise=hw_noise)
    h = train_genotype(genotype, dataset, settings, channels=channels, timesteps=timesteps)
    typer.echo(f"test accuracy {h.final_acc:.4f} (best {h.best_acc:.4f}) after {len(h.epoch)} epochs, {h.total_time_s:.1f} s"
               + (" (last epoch: the chip's, computed in torch)" if hw else ""))
    if h.onchip is not None:
        o = h.onchip
        typer.echo(f"on the simulated chip ({hw}): {100 * o['accuracy']:.1f}% over {o['samples']} test images; "
                   f"ideal ADC {100 * o['ideal_accuracy']:.1f}%; {100 * o['spike_change_rate']:.1f}% of spikes changed")


@app.command()
def search(
    dataset: str = typer.Option(..., "--dataset", help="cifar10 | cifar100 | tinyimagenet | digits | synthetic"),
    hw: str = typer.Option("spikesim_rram_65nm", "--hw", help="Hardware preset or YAML file"),
    constraints: str = typer.Option("", "--constraints", help='e.g. "memory=4e6,area=100mm2,latency=400ms,energy=120uJ" (memory: parameters, or bytes with a unit)'),
    strategy: str = typer.Option("neuronas", "--strategy", help=" | ".join(strategy_names())),
    candidates: int = typer.Option(40, "--candidates", min=1, max=1_000_000, help="Candidates to evaluate"),
    storage: Optional[str] = typer.Option(None, "--storage", help="Optuna storage URL shared by workers (default: sqlite in --out)"),
    workers: int = typer.Option(1, "--workers", min=1, max=256, help="Local worker processes"),
    out: str = typer.Option("out/search", "--out", help="Output directory"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Dataset folder or its parent"),
    channels: Optional[int] = typer.Option(None, "--channels", min=1, max=4096, help="Cell channels C (default: the dataset's macro)"),
    hidden: Optional[int] = typer.Option(None, "--hidden", min=1, max=65_536, help="Hidden FC width (default: the dataset's macro)"),
    timesteps: int = typer.Option(5, "--timesteps", min=1, max=10_000),
    ops: Optional[str] = typer.Option(None, "--ops", help="Operation set: neuronas (pruned) | snasnet (full); default per strategy"),
    top_k: int = typer.Option(3, "--top-k", min=0, help="Feasible candidates trained (8-bit QAT, hardware-aware) and scored on the chip at the end (0: none)"),
    epochs: int = typer.Option(3, "--epochs", min=0, max=100_000, help="QAT epochs for each of the top-k"),
    score_batch: int = typer.Option(64, "--score-batch", min=1, max=65_536, help="SAHD batch size"),
    hw_samples: int = typer.Option(2, "--hw-samples", min=1, max=10_000, help="Images per hardware simulation"),
    hw_set: Optional[List[str]] = typer.Option(None, "--set", help="Hardware override KEY=VALUE (repeatable), e.g. adc.bits=6"),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="torch threads per worker"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
    figures: bool = typer.Option(True, "--figures/--no-figures", help="Write the figures at the end"),
    device: str = typer.Option("auto", "--device", help="auto (CUDA when available) | cpu | cuda: SAHD and training"),
    hw_epochs: Optional[int] = typer.Option(None, "--hw-epochs", min=0, help="Of --epochs, the last ones hardware-aware (default half; 0: plain QAT)"),
    chips: int = typer.Option(1, "--chips", min=1, max=10_000, help="Chip instances each trained candidate's on-chip accuracy averages over"),
    accuracy_samples: Optional[int] = typer.Option(None, "--accuracy-samples", min=1, help="Test images of the on-chip accuracy (default: the whole test split)"),
    select: str = typer.Option("onchip", "--select", help="Best of the trained top-k by: onchip | ideal | score"),
    resume: bool = typer.Option(False, "--resume", help="--out holds another search: continue it with its settings"),
    force: bool = typer.Option(False, "--force", help="--out holds another search: remove its outputs, start over"),
) -> None:
    """Hardware-aware architecture search under memory, area, latency and energy budgets (resumable)."""
    from neuronas.search import SearchSettings, run_search
    from cimsim.options import parse_overrides
    from neuronas.search.finalize import format_summary

    output_dir(out)

    settings = SearchSettings(dataset=dataset, hw=hw, constraints=constraints, strategy=strategy, candidates=candidates,
                              storage=storage, workers=workers, out=out, seed=seed, data_dir=data_dir, channels=channels,
                              hidden=hidden, timesteps=timesteps, ops=ops, top_k=top_k, train_epochs=epochs,
                              score_batch=score_batch, hw_samples=hw_samples, hw_overrides=parse_overrides(hw_set or []),
                              threads=threads, progress=progress, figures=figures, device=device, hw_epochs=hw_epochs,
                              chips=chips, accuracy_samples=accuracy_samples, select=select)
    typer.echo(format_summary(run_search(settings, resume=resume, force=force)))


@app.command()
def codesign(
    sweep: str = typer.Argument(..., help="Sweep YAML: hardware variables x architectures (see examples/codesign_sweep.yaml)"),
    out: Optional[str] = typer.Option(None, "--out", help="Output directory (default: the YAML's 'out')"),
    progress: bool = typer.Option(True, "--progress/--no-progress"),
) -> None:
    """Co-design sweep: every hardware point x every architecture; joint Pareto front and the best pair."""
    from neuronas.search.codesign import format_codesign, run_codesign

    if out is not None:
        output_dir(out)

    typer.echo(format_codesign(run_codesign(sweep, out=out, progress=progress)))


@app.command()
def reproduce(
    quick: bool = typer.Option(False, "--quick", help="4 candidates per search (within 10 minutes on 2 cores)"),
    datasets: str = typer.Option("cifar10,cifar100,tinyimagenet", "--datasets", help="Comma-separated datasets"),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Real datasets (default: synthetic inputs of their shape)"),
    constraints: str = typer.Option("memory=4e6,area=100mm2,latency=400ms,energy=120uJ", "--constraints", help="Budgets of both searches"),
    candidates: Optional[int] = typer.Option(None, "--candidates", min=1, max=1_000_000, help="Candidates per search (default 48, --quick 4)"),
    budget_s: Optional[float] = typer.Option(None, "--budget-s", min=0.001, help="Same seconds of search for both strategies instead of the same candidates (writes TAG_budget.*)"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    hw: str = typer.Option("spikesim_rram_65nm", "--hw", help="Hardware preset or YAML file"),
    hw_set: Optional[List[str]] = typer.Option(None, "--set", help="Hardware override KEY=VALUE (repeatable; default tiles=1024)"),
    channels: Optional[int] = typer.Option(None, "--channels", min=1, max=4096, help="C for every dataset (default: SNASNet's per dataset)"),
    hidden: int = typer.Option(32, "--hidden", min=1, max=65_536, help="Hidden FC width of both searches' macro"),
    snasnet_bits: int = typer.Option(16, "--snasnet-bits", min=2, max=16, help="Weight bits SNASNet's cells are mapped at"),
    epochs: Optional[int] = typer.Option(None, "--epochs", min=1, max=100_000, help="Training epochs of each chosen cell (real data only)"),
    out: str = typer.Option("benchmarks/results", "--out", help="Output directory (JSON, markdown table, figures)"),
    threads: Optional[int] = typer.Option(None, "--threads", min=1, help="torch threads"),
) -> None:
    """NeuroNAS vs SNASNet on CIFAR-10, CIFAR-100 and TinyImageNet-200, side by side (the paper's claims)."""
    from cimsim.options import parse_overrides
    from neuronas.reproduce import ReproduceSettings, run_reproduce

    output_dir(out)
    changes = dict(datasets=tuple(d.strip() for d in datasets.split(",") if d.strip()), data_dir=data_dir,
                   constraints=constraints, seed=seed, hw=hw, channels=channels, hidden=hidden,
                   snasnet_bits=snasnet_bits, out=out, threads=threads)
    if hw_set:
        changes["hw_overrides"] = {"tiles": 1024, **parse_overrides(hw_set)}
    changes.update({k: v for k, v in (("candidates", candidates), ("train_epochs", epochs)) if v is not None})
    if budget_s is not None:
        changes.update(budget_s=budget_s, tag=("reproduce_quick" if quick else "reproduce") + "_budget")
    rs = ReproduceSettings.quick(**changes) if quick else ReproduceSettings(**changes)
    result = run_reproduce(rs, echo=lambda text: typer.echo(text, err=True))
    from neuronas.reproduce import markdown

    typer.echo(markdown(result))


@app.command()
def export(
    model: str = typer.Argument(..., help="Built-in network name or a saved *.snn.json graph"),
    nir: str = typer.Option(..., "--nir", help="Write the graph as this NIR file (.nir)"),
    dt: float = typer.Option(1e-3, "--dt", help="Timestep in s that the NIR neurons' time constants assume"),
    seed: int = typer.Option(0, "--seed"),
) -> None:
    """Export a graph to NIR (read back bit-exactly by `cimsim simulate OUT.nir`)."""
    from neuronas.export.nir_export import export_nir

    typer.echo(str(export_nir(model, nir, dt=dt, seed=seed)))


@app.command()
def demo(out: str = typer.Option("results", "--out", help="Output directory")) -> None:
    """A small real search on digits (< 5 minutes on 2 cores): best architecture, its report, figures."""
    from neuronas.demo import run_demo

    output_dir(out)

    run_demo(out)


def main(argv: Optional[List[str]] = None) -> None:
    run(app, argv)


if __name__ == "__main__":
    main()
