"""`museforge data ...`: build the labelled, tokenised training corpus; check the mood labeller."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.music.checkpoint import DEFAULT_CORPUS

app = typer.Typer(help="Training data: build the corpus cache, check the mood labels.", no_args_is_help=True)



@app.command("build")
def build_command(
    sources: str = typer.Option("music21,pop909", help="comma-separated: music21, pop909, mma-grooves, essen "
                                "(essen is non-commercial; mma-grooves is GPL; both are off by default)"),
    data: Path = typer.Option(None, help="shared/data/midi folder (needed for pop909 and mma-grooves)"),
    folder: list[Path] = typer.Option([], help="a folder of your own MIDI/MusicXML/ABC/kern files (repeatable)"),
    folder_style: str = typer.Option("other", help="style label for --folder pieces"),
    out: Path = typer.Option(DEFAULT_CORPUS, help="cache folder to write"),
    seed: int = typer.Option(1234, help="split seed"),
    workers: int = typer.Option(0, help="worker processes (0 = one per core)"),
    limit: int = typer.Option(0, help="read only the first N files (0 = all): for a quick look"),
    as_json: bool = typer.Option(False, "--json", help="print the summary as JSON"),
) -> None:
    """Build the corpus: read, label, deduplicate, split, tokenise, cache.

    Example: museforge data build --data ../shared/data/midi --out .cache/corpus
    """
    import os

    from museforge.music.data import BuildConfig, build
    from museforge.music.sources import gather
    from museforge.music.tokenizer import STYLES

    if folder_style not in STYLES:
        raise MuseforgeError(f"unknown style {folder_style!r}; valid: {', '.join(STYLES)}")
    names = tuple(s.strip() for s in sources.split(",") if s.strip())
    if data is not None and not data.is_dir():
        raise MuseforgeError(f"--data folder not found: {data}")
    files = gather(names, data, tuple(folder), folder_style)
    if limit:
        files = files[:limit]
    config = BuildConfig(out_dir=out, files=files, seed=seed, workers=workers or os.cpu_count() or 1)
    summary = _with_progress(lambda factory: build(config, factory), as_json)
    if as_json:
        print(json.dumps(summary, indent=1))
    else:
        _print_summary(summary, out)


def _with_progress(run, quiet: bool):
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    if quiet:
        return run(None)
    with Progress(TextColumn("{task.description}"), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                  transient=True) as progress:
        def factory(name: str, total: int):
            task = progress.add_task(name, total=total)
            return lambda: progress.advance(task)
        return run(factory)


def _print_summary(summary: dict, out: Path) -> None:
    from rich.console import Console
    from rich.table import Table

    console = Console()
    table = Table(title=f"corpus at {out}")
    for col in ("style", "split", "pieces", "sequences", "notes", "tokens"):
        table.add_column(col, justify="left" if col in ("style", "split") else "right")
    totals = {"pieces": 0, "sequences": 0, "notes": 0, "tokens": 0}
    for row in summary["table"]:
        table.add_row(row["style"], row["split"], *(f"{row[k]:,}" for k in totals))
        for k in totals:
            totals[k] += row[k]
    table.add_row("all", "", *(f"{totals[k]:,}" for k in totals), style="bold")
    console.print(table)
    reasons: dict[str, int] = {}
    for item in summary["skipped"]:
        reasons[item["reason"]] = reasons.get(item["reason"], 0) + 1
    console.print(f"files {summary['n_files']:,}; skipped {summary['n_skipped']}; duplicates dropped "
                  f"{summary['n_duplicates_dropped']}; vocabulary {summary['vocab_size']}; "
                  f"build {summary['build_s']} s (reading {summary['read_s']} s)")
    for reason, count in sorted(reasons.items(), key=lambda kv: -kv[1])[:15]:
        console.print(f"  skipped {count} x {reason}")


@app.command("mood-check")
def mood_check_command(vgmidi: Path = typer.Argument(..., help="shared/data/midi/vgmidi folder")) -> None:
    """Agreement of the mood rule with VGMIDI's human valence/arousal labels."""
    from museforge.music.mood_check import mood_agreement

    print(json.dumps(mood_agreement(vgmidi), indent=1))
