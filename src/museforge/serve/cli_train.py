"""`museforge train composer`: train the Transformer composer on the corpus token cache.

For several processes use torchrun on the module directly:
``torchrun --nproc_per_node 2 -m museforge.music.train --data ... --out ...``.
"""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import check_choice
from museforge.music.checkpoint import DEFAULT_CORPUS

app = typer.Typer(help="Train museforge's models on your corpus.", no_args_is_help=True)



@app.callback()
def _group() -> None:
    """Train museforge's models on your corpus (a group, so more models can join `composer`)."""


@app.command("composer")
def composer_command(
    data: Path = typer.Option(DEFAULT_CORPUS, help="token cache built by `museforge data build`"),
    out: Path = typer.Option(Path("checkpoints/composer"), help="checkpoint folder; resumed if it holds one"),
    config: Path = typer.Option(None, help='JSON {"model": {...}, "train": {...}} overriding the preset'),
    preset: str = typer.Option("default", help="default | debug (tiny, seconds)"),
    max_steps: int = typer.Option(None, help="optimiser steps (default from the config)"),
    max_minutes: float = typer.Option(None, help="stop after this wall-clock time (resume later)"),
    fresh: bool = typer.Option(False, help="ignore an existing checkpoint in --out"),
    init_from: Path = typer.Option(None, help="start a new run from these weights (e.g. the shipped composer's "
                                              "folder) instead of random ones; best/ is only written if it improves"),
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
    argv += ["--init-from", str(init_from)] if init_from else []
    argv += [] if progress else ["--no-progress"]
    code = main(argv)
    if code:
        raise typer.Exit(code)


@app.command("ship")
def ship_command(
    checkpoint: Path = typer.Option(..., help="composer checkpoint folder to ship (e.g. checkpoints/composer/best)"),
    to: Path = typer.Option(None, help="destination (default: the package's weights/composer, a source checkout)"),
    data: Path = typer.Option(DEFAULT_CORPUS, help="the token cache it was trained on (for the licences)"),
) -> None:
    """Copy a checkpoint's config.json + model.safetensors to where `compose` finds them by default,
    with training_data.json (sources, pieces and licences of the training split) beside them.

    Example: museforge train ship --checkpoint ~/.cache/museforge/checkpoints/composer/best
    """
    import json

    from museforge.music.checkpoint import CHECKPOINT_PLACES, TRAINING_DATA_FILE, summarize_training_data
    from museforge.music.models.transformer import Composer

    dest = to or CHECKPOINT_PLACES[0]
    model = Composer.load(checkpoint)  # refuses a folder that is not a checkpoint, before anything is written
    summary = summarize_training_data(data / "manifest.jsonl")
    model.save(dest)
    (dest / TRAINING_DATA_FILE).write_text(json.dumps(summary, indent=1) + "\n")
    typer.echo(f"shipped {model.num_params():,} parameters to {dest}")


@app.command("eval")
def eval_command(
    checkpoint: Path = typer.Option(..., help="composer checkpoint folder (config.json + model.safetensors)"),
    data: Path = typer.Option(DEFAULT_CORPUS, help="token cache built by `museforge data build`"),
    split: str = typer.Option("test", help="train | valid | test"),
    stride: int = typer.Option(None, help="score with sliding windows advancing this many tokens"),
    max_pieces: int = typer.Option(None, help="evaluate an even spread of this many pieces"),
    json_out: Path = typer.Option(None, "--json", help="also write the full results as JSON"),
) -> None:
    """Held-out loss per token and per note, by style (the model card's table).

    Example: museforge train eval --checkpoint checkpoints/composer/best --split test
    """
    from museforge.music.evaluate import main

    argv = ["--checkpoint", str(checkpoint), "--data", str(data), "--split", split]
    argv += ["--stride", str(stride)] if stride is not None else []
    argv += ["--max-pieces", str(max_pieces)] if max_pieces is not None else []
    argv += ["--json", str(json_out)] if json_out is not None else []
    code = main(argv)
    if code:
        raise typer.Exit(code)
