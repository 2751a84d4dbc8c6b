"""`museforge train composer`: train the Transformer composer on the corpus token cache.

For several processes use torchrun on the module directly:
``torchrun --nproc_per_node 2 -m museforge.music.train --data ... --out ...``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import check_choice

app = typer.Typer(help="Train museforge's models on your corpus.", no_args_is_help=True)


@app.callback()
def _group() -> None:
    """Train museforge's models on your corpus (a group, so more models can join `composer`)."""


@app.command("composer")
def composer_command(
    data: Path = typer.Option(Path(".cache/corpus"), help="token cache built by `museforge data build`"),
    out: Path = typer.Option(Path("checkpoints/composer"), help="checkpoint folder; resumed if it holds one"),
    config: Path = typer.Option(None, help='JSON {"model": {...}, "train": {...}} overriding the preset'),
    preset: str = typer.Option("default", help="default | debug (tiny, seconds)"),
    max_steps: int = typer.Option(None, help="optimiser steps (default from the config)"),
    max_minutes: float = typer.Option(None, help="stop after this wall-clock time (resume later)"),
    fresh: bool = typer.Option(False, help="ignore an existing checkpoint in --out"),
    progress: bool = typer.Option(True, help="show a progress bar with ETA"),
) -> None:
    """Train (or resume training) the composer; validation loss per style is logged to OUT/log.jsonl."""
    from museforge.music.train import main

    check_choice("preset", preset, ["default", "debug"])
    argv = ["--data", str(data), "--out", str(out), "--preset", preset]
    argv += ["--config", str(config)] if config else []
    argv += ["--max-steps", str(max_steps)] if max_steps is not None else []
    argv += ["--max-minutes", str(max_minutes)] if max_minutes is not None else []
    argv += ["--fresh"] if fresh else []
    argv += [] if progress else ["--no-progress"]
    code = main(argv)
    if code:
        raise typer.Exit(code)
