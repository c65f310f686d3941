"""The ``cimsim`` command. Exit codes: 0 ok, 2 user error (one clear message), 1 bug.

Commands live in their own modules; this file only declares them. To add one, add a function decorated with
``@app.command()`` that imports its implementation lazily (keeps ``cimsim --help`` fast).
"""
from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import List, Optional

import typer

from cimsim.errors import UserError

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Cycle-level RRAM compute-in-memory simulator for SNNs.")


@app.command()
def configs() -> None:
    """List the hardware presets with one-line descriptions."""
    from cimsim.config.loader import list_presets

    for name, description in list_presets():
        typer.echo(f"{name:24s} {description}")


@app.command()
def check(config: str = typer.Argument(..., help="Preset name or YAML file")) -> None:
    """Validate a hardware config and print the resolved chip."""
    from cimsim.config.loader import describe, load_config

    typer.echo(describe(load_config(config)))


@app.command("new-config")
def new_config(
    name: str = typer.Argument(..., help="Name of the new chip (the file is NAME.yaml)"),
    preset: str = typer.Option("spikesim_rram_65nm", "--from", help="Preset to start from (cimsim configs)"),
    out: Optional[Path] = typer.Option(None, "--out", help="File to write (default NAME.yaml)"),
) -> None:
    """Write a commented starter hardware config that includes a preset; it passes `cimsim check`."""
    from cimsim.new_config import new_config as write

    typer.echo(str(write(name, preset, out)))


@app.command()
def plot(
    reports: Optional[List[Path]] = typer.Argument(None, help="report.json files written by `cimsim simulate`"),
    out: Path = typer.Option(Path("figures"), "--out", help="Directory for the figures"),
    format: str = typer.Option("pdf", "--format", help="png, pdf or svg"),
    kind: str = typer.Option("all", "--kind", help="all, breakdown, layers, compare, pareto, heatmap or robustness"),
    style: str = typer.Option("paper", "--style", help="paper (3.5 in, 7 pt) or slides"),
    candidates: Optional[Path] = typer.Option(None, "--candidates", help="Search candidates.csv (Pareto front)"),
    constraints: Optional[str] = typer.Option(None, "--constraints", help='e.g. "energy=50uJ,area=100mm2"'),
    sweep: Optional[Path] = typer.Option(None, "--sweep", help="Co-design sweep CSV (heat map)"),
    x: Optional[str] = typer.Option(None, "--x", help="Sweep variable on the heat map's x axis"),
    y: Optional[str] = typer.Option(None, "--y", help="Sweep variable on the heat map's y axis"),
    metric: str = typer.Option("energy_j", "--metric", help="Sweep metric of the heat map"),
    log: Optional[bool] = typer.Option(None, "--log/--linear",
                                       help="Comparison axes (default: log where bars span more than 100x)"),
    robustness: Optional[Path] = typer.Option(None, "--robustness", help="robustness.json of `cimsim robustness`"),
) -> None:
    """Paper-ready figures of reports, search candidates and co-design sweeps."""
    from cimsim.plot import parse_constraints, write_all

    limits = parse_constraints(constraints) if constraints is not None else None
    out = output_dir(out)
    written = write_all(reports or [], out, format, candidates_csv=candidates, constraints=limits, kind=kind,
                        style=style, sweep_csv=sweep, sweep_x=x, sweep_y=y, sweep_metric=metric, log=log,
                        robustness_json=robustness)
    for path in written:
        typer.echo(str(path))


@app.command()
def simulate(
    ctx: typer.Context,
    model: str = typer.Argument("vgg9", help="Built-in network (vgg9, vgg8, tiny, resnet18), a saved *.snn.json, or 'genotype'"),
    hw: str = typer.Option("spikesim_rram_65nm", "--hw", help="Hardware preset name or YAML file"),
    timesteps: int = typer.Option(5, "--timesteps", "-T", min=1, max=10_000, help="Timesteps per inference"),
    spike_rate: float = typer.Option(0.1, "--spike-rate", min=0.0, max=1.0, help="Rate of the random input spike trains"),
    samples: int = typer.Option(1, "--samples", "-n", min=1, help="Inferences to run (pipelined; bounded by memory)"),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Take inputs (and labels) from this dataset's test split"),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Dataset directory"),
    genotype: Optional[str] = typer.Option(None, "--genotype", help="Simulate a NeuroNAS genotype (untrained, 8-bit)"),
    channels: Optional[int] = typer.Option(None, "--channels", min=1, max=4096, help="Channels of a --genotype model"),
    out: Path = typer.Option(Path("results/simulate"), "--out", help="Output directory for report.json/.csv"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    ideal_adc: bool = typer.Option(False, "--ideal-adc", help="Functionally ideal ADC (costs unchanged)"),
    accounting: Optional[str] = typer.Option(None, "--accounting", help="event (default), dense (SpikeSim-like) or all_groups (NeuroSim-like)"),
    set_: List[str] = typer.Option([], "--set", help="Config override, e.g. --set adc.bits=6 (repeatable)"),
    inputs: Optional[Path] = typer.Option(None, "--inputs", help="Inputs file: .npy, .npz or .pt ([N, ...] or [T, N, ...])"),
    encoding: Optional[str] = typer.Option(None, "--encoding", help="direct, rate or as-is (for --inputs)"),
    dt: float = typer.Option(1e-3, "--dt", help="Timestep in s for a NIR model's continuous-time neurons"),
    chips: Optional[int] = typer.Option(None, "--chips", help="Also measure accuracy on N chip instances (functional run)"),
    accuracy_samples: Optional[int] = typer.Option(None, "--accuracy-samples", min=1, help="Samples of that functional run (default --samples)"),
    workers: int = typer.Option(1, "--workers", min=1, help="Processes of the functional accuracy run"),
) -> None:
    """Map a network onto a chip, simulate it cycle by cycle, write DIR/report.json and print a summary.

    MODEL may also be a NIR file (*.nir), discretized with --dt and quantized to the chip's weight bits. With
    --chips N the report gets an `accuracy` section from the functional run over --accuracy-samples samples on N
    chip instances (costs still come from the cycle-level run)."""
    from cimsim.cli_simulate import SimulateArgs, run_simulate

    args = SimulateArgs(model=model, hw=hw, timesteps=timesteps, spike_rate=spike_rate, samples=samples,
                        dataset=dataset, data_dir=data_dir, genotype=genotype, channels=channels, out=out, seed=seed,
                        ideal_adc=ideal_adc, accounting=accounting, set_items=list(set_), inputs=inputs,
                        encoding=encoding, dt=dt, chips=chips, accuracy_samples=accuracy_samples, workers=workers)
    run_simulate(args, build_genotype=(ctx.obj or {}).get("build_genotype"))


def _accuracy_args(model, hw, timesteps, samples, chips, workers, batch, dataset, data_dir, spike_rate, seed, set_):
    from cimsim.cli_accuracy import AccuracyArgs

    return AccuracyArgs(model=model, hw=hw, timesteps=timesteps, samples=samples, chips=chips, workers=workers,
                        batch=batch, dataset=dataset, data_dir=data_dir, spike_rate=spike_rate, seed=seed,
                        set_items=list(set_))


_MODEL = typer.Argument("tiny", help="Built-in network (vgg9, vgg8, tiny) or a saved *.snn.json")
_HW = typer.Option("spikesim_rram_65nm", "--hw", help="Hardware preset name or YAML file")
_T = typer.Option(5, "--timesteps", "-T", min=1, max=10_000, help="Timesteps per inference")
_SAMPLES = typer.Option(100, "--samples", "-n", min=1, help="Samples (test images with --dataset)")
_CHIPS = typer.Option(1, "--chips", help="Chip instances (instance k seeded seed + k)")
_WORKERS = typer.Option(1, "--workers", min=1, help="Processes sharing the batches")
_BATCH = typer.Option(256, "--batch", min=1, help="Samples computed together (memory grows with it)")
_DATASET = typer.Option(None, "--dataset", help="Inputs and labels from this dataset's test split (else random "
                        "spikes, labelled with the ideal network's predictions)")
_DATA_DIR = typer.Option(None, "--data-dir", help="Dataset directory")
_RATE = typer.Option(0.1, "--spike-rate", min=0.0, max=1.0, help="Rate of the random input spikes")
_SEED = typer.Option(0, "--seed", min=0, max=2**32 - 1)
_SET = typer.Option([], "--set", help="Config override, e.g. --set crossbar.nonideal.enabled=true (repeatable)")


@app.command()
def accuracy(model: str = _MODEL, hw: str = _HW, timesteps: int = _T, samples: int = _SAMPLES, chips: int = _CHIPS,
             workers: int = _WORKERS, batch: int = _BATCH, dataset: Optional[str] = _DATASET,
             data_dir: Optional[str] = _DATA_DIR, spike_rate: float = _RATE, seed: int = _SEED,
             set_: List[str] = _SET,
             out: Path = typer.Option(Path("results/accuracy"), "--out", help="Directory for accuracy.json")) -> None:
    """Accuracy on simulated chip instances (functional run: the chip's values, no schedule, no costs)."""
    from cimsim.cli_accuracy import run_accuracy

    args = _accuracy_args(model, hw, timesteps, samples, chips, workers, batch, dataset, data_dir, spike_rate, seed,
                          set_)
    typer.echo(f"wrote {run_accuracy(args, output_dir(out))}")


@app.command()
def robustness(model: str = _MODEL, hw: str = _HW, timesteps: int = _T, samples: int = _SAMPLES,
               chips: int = _CHIPS, workers: int = _WORKERS, batch: int = _BATCH, dataset: Optional[str] = _DATASET,
               data_dir: Optional[str] = _DATA_DIR, spike_rate: float = _RATE, seed: int = _SEED,
               set_: List[str] = _SET,
               vary: List[str] = typer.Option([], "--vary", help="FIELD=V1,V2,... e.g. crossbar.nonideal.d2d_sigma="
                                              "0,0.05,0.1 or adc.bits=3,4,5 (repeatable; nonideal fields switch "
                                              "crossbar.nonideal.enabled on)"),
               out: Path = typer.Option(Path("results/robustness"), "--out", help="Directory for robustness.json"),
               ) -> None:
    """Accuracy vs device variation / fault rate / ADC bits over chip instances; plot with `cimsim plot --robustness`."""
    from cimsim.cli_accuracy import run_robustness

    args = _accuracy_args(model, hw, timesteps, samples, chips, workers, batch, dataset, data_dir, spike_rate, seed,
                          set_)
    typer.echo(f"wrote {run_robustness(args, list(vary), output_dir(out))}")


@app.command()
def validate(
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the comparison as JSON to this file"),
    seed: int = typer.Option(0, "--seed", min=0, max=2**32 - 1),
    neurosim: bool = typer.Option(True, "--neurosim/--no-neurosim", help="Include NeuroSim V1.4 (slower)"),
    grid: bool = typer.Option(True, "--grid/--no-grid",
                              help="With --neurosim: its current code's 21-point VGG-8 grid (about a minute)"),
) -> None:
    """Compare against published figures (SpikeSim VGG9, NeuroSim V1.4's current code over its design space and
    Table VII, ISAAC) with relative errors."""
    from cimsim.validate import format_table, validate as run_validation

    if out is not None:
        output_dir(out.parent)
        if out.is_dir():
            raise UserError(f"--out {shorten_path(out)}: is a directory; expected a file name for the JSON")
    result = run_validation(seed=seed, neurosim=neurosim, grid=neurosim and grid)
    typer.echo(format_table(result))
    if out is not None:
        import json

        try:
            out.write_text(json.dumps(result.to_dict(), indent=1, default=float, allow_nan=False))
        except OSError as exc:
            raise UserError(f"--out {shorten_path(out)}: cannot write: {exc.strerror or exc}") from None


def main(argv: Optional[List[str]] = None, build_genotype=None) -> None:
    """Entry point: run the typer app, turning :class:`UserError` into one message and exit code 2.

    ``build_genotype`` builds the graph of ``simulate --genotype`` (see :mod:`cimsim.cli_simulate`); the
    ``cimsim`` command installed with neuronas passes one in.
    """
    run(app, argv, obj={"build_genotype": build_genotype})


def run(typer_app: typer.Typer, argv: Optional[List[str]] = None, obj: Optional[dict] = None) -> None:
    """Run a typer app (``obj`` becomes its context object); :class:`UserError` -> one message and exit 2."""
    try:
        typer_app(args=argv, standalone_mode=False, obj=obj)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:
        # usage errors (bad option value, missing argument) are click exceptions; typer may bundle click
        # privately, so recognise them by their interface. One line, like a UserError.
        if hasattr(exc, "format_message") and hasattr(exc, "exit_code"):
            typer.echo(f"error: {_one_line(exc.format_message())} (see --help)", err=True)
            sys.exit(2 if exc.exit_code in (None, 1) else exc.exit_code)
        raise


def _one_line(text: str, limit: int = 300) -> str:
    text = " ".join(str(text).split())
    return text if len(text) <= limit else text[: limit - 3] + "..."


def shorten_path(path: "Path | str") -> str:
    """A path for a message: one line, at most 120 characters."""
    return _one_line(str(path), 120)


def output_dir(path: "Path | str", option: str = "--out") -> Path:
    """Create the output directory ``path`` (and its parents) now, so a bad one fails before any work.

    Raises
    ------
    UserError: ``path`` is an existing file, its name is too long, or it cannot be created or written.
    """
    p = Path(path)
    try:
        if p.exists() and not p.is_dir():
            raise UserError(f"{option} {shorten_path(p)}: exists and is not a directory")
        p.mkdir(parents=True, exist_ok=True)
        probe = p / f".write-test-{os.getpid()}"
        probe.touch()
        probe.unlink()
    except OSError as exc:
        raise UserError(f"{option} {shorten_path(p)}: cannot write there: {exc.strerror or exc}") from None
    except ValueError as exc:  # a NUL byte in the name
        raise UserError(f"{option} {shorten_path(p)}: {exc}") from None
    return p


if __name__ == "__main__":
    main()
