"""What every command-line entry point shares: user errors are one line on stderr and exit code 2."""

from __future__ import annotations

import sys

import typer

from museforge.errors import MuseforgeError


def run(app: typer.Typer) -> None:
    """Run ``app``; a :class:`MuseforgeError` becomes ``error: <message>`` and exit code 2."""
    try:
        app()
    except MuseforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        raise SystemExit(2) from None
