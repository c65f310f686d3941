"""User-facing errors.

Anything a user can cause (a bad YAML file, an unknown preset, a network that does not fit the chip, a missing
dataset directory) raises :class:`UserError` with one message naming the file, field and value. The command-line
entry points turn it into that message on stderr and exit code 2; everything else is a bug (exit code 1).
"""
from __future__ import annotations


class UserError(Exception):
    """An error caused by user input; the message is shown as is, without a traceback."""

    exit_code = 2
