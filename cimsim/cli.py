"""The ``cimsim`` command. Exit codes: 0 ok, 2 user error (one clear message), 1 bug.

Commands live in their own modules; this file only declares them. To add one, add a function decorated with
``@app.command()`` that imports its implementation lazily (keeps ``cimsim --help`` fast).
"""
from __future__ import annotations

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


@app.command()
def plot(
    reports: Optional[List[Path]] = typer.Argument(None, help="report.json files written by `cimsim simulate`"),
    out: Path = typer.Option(Path("figures"), "--out", help="Directory for the figures"),
    format: str = typer.Option("pdf", "--format", help="png, pdf or svg"),
    kind: str = typer.Option("all", "--kind", help="all, breakdown, layers, compare, pareto or heatmap"),
    style: str = typer.Option("paper", "--style", help="paper (3.5 in, 7 pt) or slides"),
    candidates: Optional[Path] = typer.Option(None, "--candidates", help="Search candidates.csv (Pareto front)"),
    constraints: Optional[str] = typer.Option(None, "--constraints", help='e.g. "energy=50uJ,area=100mm2"'),
    sweep: Optional[Path] = typer.Option(None, "--sweep", help="Co-design sweep CSV (heat map)"),
    x: Optional[str] = typer.Option(None, "--x", help="Sweep variable on the heat map's x axis"),
    y: Optional[str] = typer.Option(None, "--y", help="Sweep variable on the heat map's y axis"),
    metric: str = typer.Option("energy_j", "--metric", help="Sweep metric of the heat map"),
) -> None:
    """Paper-ready figures of reports, search candidates and co-design sweeps."""
    from cimsim.plot import parse_constraints, write_all

    limits = parse_constraints(constraints) if constraints else None
    written = write_all(reports or [], out, format, candidates_csv=candidates, constraints=limits, kind=kind,
                        style=style, sweep_csv=sweep, sweep_x=x, sweep_y=y, sweep_metric=metric)
    for path in written:
        typer.echo(str(path))


@app.command()
def simulate(
    ctx: typer.Context,
    model: str = typer.Argument("vgg9", help="Built-in network (vgg9, vgg8, tiny), a saved *.snn.json, or 'genotype'"),
    hw: str = typer.Option("spikesim_rram_65nm", "--hw", help="Hardware preset name or YAML file"),
    timesteps: int = typer.Option(5, "--timesteps", "-T", help="Timesteps per inference"),
    spike_rate: float = typer.Option(0.1, "--spike-rate", help="Rate of the random input spike trains"),
    samples: int = typer.Option(1, "--samples", "-n", help="Inferences to run (pipelined)"),
    dataset: Optional[str] = typer.Option(None, "--dataset", help="Take inputs (and labels) from this dataset's test split"),
    data_dir: Optional[str] = typer.Option(None, "--data-dir", help="Dataset directory"),
    genotype: Optional[str] = typer.Option(None, "--genotype", help="Simulate a NeuroNAS genotype (untrained, 8-bit)"),
    channels: Optional[int] = typer.Option(None, "--channels", help="Channels of a --genotype model"),
    out: Path = typer.Option(Path("results/simulate"), "--out", help="Output directory for report.json/.csv"),
    seed: int = typer.Option(0, "--seed"),
    ideal_adc: bool = typer.Option(False, "--ideal-adc", help="Functionally ideal ADC (costs unchanged)"),
    accounting: Optional[str] = typer.Option(None, "--accounting", help="event (default), dense (SpikeSim-like) or all_groups (NeuroSim-like)"),
    set_: List[str] = typer.Option([], "--set", help="Config override, e.g. --set adc.bits=6 (repeatable)"),
) -> None:
    """Map a network onto a chip, simulate it cycle by cycle, write DIR/report.json and print a summary."""
    from cimsim.cli_simulate import SimulateArgs, run_simulate

    args = SimulateArgs(model=model, hw=hw, timesteps=timesteps, spike_rate=spike_rate, samples=samples,
                        dataset=dataset, data_dir=data_dir, genotype=genotype, channels=channels, out=out, seed=seed,
                        ideal_adc=ideal_adc, accounting=accounting, set_items=list(set_))
    run_simulate(args, build_genotype=(ctx.obj or {}).get("build_genotype"))


@app.command()
def validate(
    out: Optional[Path] = typer.Option(None, "--out", help="Also write the comparison as JSON to this file"),
    seed: int = typer.Option(0, "--seed"),
    neurosim: bool = typer.Option(True, "--neurosim/--no-neurosim", help="Include NeuroSim Table VII (slower)"),
) -> None:
    """Compare against published figures (SpikeSim VGG9, NeuroSim V1.4 Table VII) with relative errors."""
    from cimsim.validate import format_table, validate as run_validation

    result = run_validation(seed=seed, neurosim=neurosim)
    typer.echo(format_table(result))
    if out is not None:
        import json

        out.parent.mkdir(parents=True, exist_ok=True)
        out.write_text(json.dumps(result.to_dict(), indent=1, default=float))


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
        # usage errors (bad option value, missing argument) are click exceptions that know how to show
        # themselves; typer may bundle click privately, so recognise them by their interface
        if hasattr(exc, "show") and hasattr(exc, "exit_code"):
            exc.show()
            sys.exit(2 if exc.exit_code in (None, 1) else exc.exit_code)
        raise


if __name__ == "__main__":
    main()
