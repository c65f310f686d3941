"""The ``neuronas`` command. Exit codes: 0 ok, 2 user error (one clear message), 1 bug.

Commands live in their own modules; this file only declares them (imports inside the functions keep
``neuronas --help`` fast). Add a command with ``@app.command()``; never rewrite this file wholesale.
"""
from __future__ import annotations

from typing import List, Optional

import typer

from cimsim.cli import run

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Hardware-aware SNN architecture search.")


@app.callback()
def _commands() -> None:
    """Hardware-aware SNN architecture search."""  # a callback keeps `neuronas CMD` a subcommand even with one command


@app.command()
def train(
    genotype: str = typer.Argument(..., help="Cell genotype string or SNASNet connection matrix, e.g. '0303 0030 2002 0200'"),
    dataset: str = typer.Option(..., "--dataset", help="cifar10 | cifar100 | tinyimagenet | digits | synthetic"),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Dataset folder or its parent"),
    epochs: int = typer.Option(10, "--epochs"),
    channels: Optional[int] = typer.Option(None, "--channels", help="Cell channels C (default: the dataset's macro)"),
    timesteps: int = typer.Option(5, "--timesteps"),
    out: Optional[str] = typer.Option(None, "--out", help="Directory for checkpoints and history.json"),
    seed: int = typer.Option(0, "--seed"),
    lr: Optional[float] = typer.Option(None, "--lr", help="Learning rate (default: per dataset, see --optimizer)"),
    optimizer: Optional[str] = typer.Option(None, "--optimizer", help="sgd | adam (default: adam 1e-2 for digits/synthetic, SNASNet's sgd 0.1 otherwise)"),
    batch_size: int = typer.Option(64, "--batch-size"),
    qat_bits: Optional[int] = typer.Option(None, "--qat-bits", help="Quantization-aware training with this many weight bits"),
    threads: Optional[int] = typer.Option(None, "--threads", help="torch CPU threads"),
) -> None:
    """Train the SNN of a genotype with surrogate gradients; print the test accuracy."""
    from neuronas.train import train_genotype

    h = train_genotype(genotype, dataset, data_dir, epochs, channels, timesteps, out, seed, lr, optimizer, batch_size, qat_bits, threads)
    typer.echo(f"test accuracy {h.final_acc:.4f} (best {h.best_acc:.4f}) after {len(h.epoch)} epochs, {h.total_time_s:.1f} s")


def main(argv: Optional[List[str]] = None) -> None:
    run(app, argv)


if __name__ == "__main__":
    main()
