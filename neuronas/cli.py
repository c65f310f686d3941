"""The ``neuronas`` command. Exit codes: 0 ok, 2 user error (one clear message), 1 bug.

Commands live in their own modules; this file only declares them (imports inside the functions keep
``neuronas --help`` fast). Add a command with ``@app.command()``; never rewrite this file wholesale.
"""
from __future__ import annotations

from typing import List, Optional

import typer

from cimsim.cli import run

app = typer.Typer(add_completion=False, no_args_is_help=True, help="Hardware-aware SNN architecture search.")


def main(argv: Optional[List[str]] = None) -> None:
    run(app, argv)


if __name__ == "__main__":
    main()
