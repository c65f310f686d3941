"""The one progress bar of long loops: simulated timesteps, search candidates, training steps, co-design pairs.

Built on ``rich``; ``enabled=False`` gives a bar that draws nothing, so a caller keeps a single code path for
quiet and interactive runs.
"""
from __future__ import annotations


def progress_bar(enabled: bool = True, status: str = "", transient: bool = False):
    """A :class:`rich.progress.Progress` showing: description, bar, done/total, ``status``, elapsed time, ETA.

    Parameters
    ----------
    enabled: draw the bar; with False every update is accepted and nothing is drawn.
    status: a ``rich`` format string over the fields of the task, e.g. ``"loss {task.fields[loss]:.4f}"``
        (each task must then be added with those fields); empty: no status column.
    transient: remove the bar from the terminal when the ``with`` block ends.

    Returns
    -------
    rich.progress.Progress: use it as a context manager, ``add_task(description, total=N, **fields)``, then
    ``update`` / ``advance``.
    """
    from rich.progress import (BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn,
                               TimeRemainingColumn)

    columns = [TextColumn("[bold]{task.description}"), BarColumn(), MofNCompleteColumn()]
    if status:
        columns.append(TextColumn(status))
    columns += [TimeElapsedColumn(), TextColumn("ETA"), TimeRemainingColumn()]
    return Progress(*columns, disable=not enabled, transient=transient)
