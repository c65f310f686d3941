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


def main(argv: Optional[List[str]] = None) -> None:
    """Entry point: run the typer app, turning :class:`UserError` into one message and exit code 2."""
    run(app, argv)


def run(typer_app: typer.Typer, argv: Optional[List[str]] = None) -> None:
    try:
        typer_app(args=argv, standalone_mode=False)
    except UserError as exc:
        typer.echo(f"error: {exc}", err=True)
        sys.exit(2)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except typer.Abort:
        typer.echo("aborted", err=True)
        sys.exit(130)
    except Exception as exc:  # click usage errors carry their own exit code 2
        import click

        if isinstance(exc, click.ClickException):
            exc.show()
            sys.exit(exc.exit_code)
        raise


if __name__ == "__main__":
    main()
