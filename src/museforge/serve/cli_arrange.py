"""`museforge arrange ...`: arrange a melody MIDI file for a style; list the styles."""

from __future__ import annotations

import json
from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.serve.cli_common import JSON_OPTION, print_json

app = typer.Typer(help="Arrangement by style: melody + chords -> a full multi-instrument MIDI.",
                  no_args_is_help=True)


@app.command("styles")
def styles_command(as_json: bool = typer.Option(False, "--json", help="print as JSON")) -> None:
    """List the styles with their parts (track, role, GM program, entry level)."""
    from museforge.music.arrange import STYLES

    table = {name: [{"track": p.name, "role": p.role, "program": p.program, "drums": p.is_drum,
                     "enters_at_level": p.level} for p in style.parts]
             for name, style in STYLES.items()}
    if as_json:
        print(json.dumps(table, indent=1))
        return
    for name, parts in table.items():
        print(f"{name}: " + ", ".join(f"{p['track']} ({p['role']}, "
                                      f"{'kit' if p['drums'] else 'program'} {p['program']})"
                                      for p in parts))


@app.command("midi")
def midi_command(
    melody: Path = typer.Argument(..., help="MIDI file holding the melody (and optionally more)"),
    style: str = typer.Option(..., help="arrangement style (see `museforge arrange styles`)"),
    out: Path = typer.Option(Path("out"), help="folder to write the MIDI and its JSON sidecar to"),
    chords: str = typer.Option(None, help="chords per bar separated by '|' or ',', e.g. "
                               "'C | Am | F | G7' (several in a bar: 'C G7'); default: guessed"),
    melody_track: int = typer.Option(None, help="track index of the melody (default: the track "
                                     "named like 'melody', else the first pitched track)"),
    tempo_bpm: float = typer.Option(None, help="tempo (default: the file's, clamped to the style)"),
    key: str = typer.Option(None, help="key, e.g. C, F#, Bbm (default: file's or guessed)"),
    seed: int = typer.Option(0, help="seed for groove choice and humanising"),
    repeats: int = typer.Option(1, help="passes over the material (longer pieces)"),
    intro_bars: int = typer.Option(0, help="bars before the melody enters"),
    outro_bars: int = typer.Option(0, help="bars after the melody ends"),
    as_json: bool = JSON_OPTION,
) -> None:
    """Arrange a melody for a style and write MIDI Type 1 plus a sidecar with the section plan.

    Example: museforge arrange midi tune.mid --style folk --chords "G | C | D7 | G" --repeats 4
    """
    import symusic

    from museforge.export import ExportMeta, export_midi
    from museforge.music.arrange import Material, arrange

    if not melody.is_file():
        raise MuseforgeError(f"melody file not found: {melody}")
    try:
        score = symusic.Score(str(melody))
    except Exception as exc:  # symusic raises plain RuntimeErrors for corrupt files
        raise MuseforgeError(f"cannot read {melody} as MIDI ({exc}); give a standard MIDI file") \
            from None
    bars = None
    if chords is not None:
        bars = [b.strip() for b in chords.replace(",", "|").split("|")]
    result = arrange(Material(score, chords=bars, melody_track=melody_track, key=key), style,
                     seed=seed, repeats=repeats, intro_bars=intro_bars, outro_bars=outro_bars,
                     tempo_bpm=tempo_bpm)
    meta = ExportMeta(
        style=result.style, key=result.key, tempo_bpm=result.tempo_bpm, seed=seed,
        controls={"chords": list(result.chords), "repeats": repeats, "intro_bars": intro_bars,
                  "outro_bars": outro_bars, "n_bars": result.n_bars,
                  "sections": [{"name": s.name, "start_bar": s.start_bar, "n_bars": s.n_bars,
                                "intensity": s.intensity, "parts": list(s.parts)}
                               for s in result.sections],
                  "roles": result.roles},
        provenance={"grooves": list(result.grooves), "credits": list(result.credits)})
    paths = export_midi(result.score, out, meta)
    if as_json:
        print_json({"files": [str(p) for p in paths], "seed": seed, "style": result.style, "key": result.key,
                    "tempo_bpm": result.tempo_bpm, "n_bars": result.n_bars, "chords": list(result.chords)})
        return
    for path in paths:
        print(path)
    print(f"  seed={seed}  {result.style}  {result.key}  {result.tempo_bpm:g} bpm  {result.n_bars} bars")
