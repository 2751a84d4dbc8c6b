"""What every command-line entry point shares: user errors are one line on stderr and exit code 2;
progress bars and spinners go to stderr, only on a terminal, so stdout stays clean for scripts."""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

import typer

from museforge.errors import MuseforgeError

JSON_OPTION = typer.Option(False, "--json", help="print one JSON object on stdout (files, seeds, measurements)")


def run(app: typer.Typer) -> None:
    """Run ``app``; a :class:`MuseforgeError` becomes ``error: <message>`` and exit code 2."""
    try:
        app()
    except MuseforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None


def print_json(value: object) -> None:
    """One JSON object on stdout: paths and other objects become strings, non-finite numbers (the
    peak of silence) null, so any JSON parser reads it; Chinese stays readable."""
    print(json.dumps(_finite(value), ensure_ascii=False, default=str))


def _finite(value: object) -> object:
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_finite(v) for v in value]
    return value


def _interactive() -> bool:
    return sys.stderr.isatty()


@contextmanager
def progress_bar(total: int, description: str, *, show: bool | None = None) -> Iterator[Callable[[], None]]:
    """A rich bar with an ETA on stderr; yields ``advance()`` (call it once per finished item).

    Shown only when stderr is a terminal (``show=None``), so pipes and CI logs get no control codes.
    """
    if not (_interactive() if show is None else show):
        yield lambda: None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn, \
        TimeRemainingColumn

    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeElapsedColumn(),
                  TextColumn("eta"), TimeRemainingColumn(), console=Console(stderr=True), transient=True,
                  redirect_stdout=sys.stdout.isatty()) as bar:  # piped stdout stays on stdout
        task = bar.add_task(description, total=total)
        yield lambda: bar.advance(task)


@contextmanager
def busy(description: str, *, show: bool | None = None) -> Iterator[None]:
    """A spinner with the elapsed time on stderr for one long step (model loading, sampling)."""
    if not (_interactive() if show is None else show):
        yield
        return
    from rich.console import Console
    from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

    with Progress(SpinnerColumn(), TextColumn("{task.description}"), TimeElapsedColumn(),
                  console=Console(stderr=True), transient=True, redirect_stdout=sys.stdout.isatty()) as spinner:
        spinner.add_task(description, total=None)
        yield
