"""`museforge judge ...`: name the category of sound files, compare two folders of sounds."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from museforge.errors import MuseforgeError

app = typer.Typer(help="The sound-effect judge: classify sounds, measure how alike two sets are.",
                  no_args_is_help=True)

AUDIO_SUFFIXES = (".wav", ".flac", ".ogg", ".mp3")


def _audio_files(paths: list[Path]) -> list[Path]:
    files: list[Path] = []
    for path in paths:
        if path.is_dir():
            files += sorted(p for p in path.rglob("*") if p.suffix.lower() in AUDIO_SUFFIXES)
        elif path.is_file():
            files.append(path)
        else:
            raise MuseforgeError(f"not a file or folder: {path}")
    if not files:
        raise MuseforgeError(f"no audio files ({', '.join(AUDIO_SUFFIXES)}) in {', '.join(map(str, paths))}")
    return files


@app.command("classify")
def classify_command(
    paths: list[Path] = typer.Argument(..., help="audio files or folders"),
    top: int = typer.Option(3, min=1, max=15, help="how many probabilities to show"),
    weights: Path = typer.Option(None, help="judge stem (default: the shipped judge)"),
    as_json: bool = typer.Option(False, "--json", help="one JSON object per file"),
) -> None:
    """Say which category each sound is (or 'none': noise, silence, tones, nothing confident).

    Example: museforge judge classify out/rain_01.wav out/
    """
    from museforge.audio import Audio
    from museforge.sfx.learned.judge import Judge

    judge = Judge.load(weights)
    for path in _audio_files(paths):
        category, probs = judge.classify(Audio.read(path))
        best = sorted(probs.items(), key=lambda kv: -kv[1])[:top]
        if as_json:
            print(json.dumps({"path": str(path), "category": category, "top": dict(best)}))
        else:
            shown = ", ".join(f"{name} {p:.2f}" for name, p in best)
            print(f"{path}: {category or 'none'}  ({shown})")


@app.command("distance")
def distance_command(
    set_a: Path = typer.Argument(..., help="folder (or file) of sounds"),
    set_b: Path = typer.Argument(..., help="folder (or file) of sounds to compare with"),
    weights: Path = typer.Option(None, help="judge stem (default: the shipped judge)"),
) -> None:
    """Frechet distance between two sets of sounds on the judge's embedding (0 = alike).

    Example: museforge judge distance out/rain/ my_recordings/rain/
    """
    from museforge.audio import Audio
    from museforge.sfx.learned.frechet import frechet_distance
    from museforge.sfx.learned.judge import Judge

    judge = Judge.load(weights)
    embeddings = [judge.analyse([Audio.read(p) for p in _audio_files([folder])])[1] for folder in (set_a, set_b)]
    print(f"{frechet_distance(*embeddings):.3f}  ({len(embeddings[0])} vs {len(embeddings[1])} sounds, "
          "Ledoit-Wolf shrunk covariances)")
