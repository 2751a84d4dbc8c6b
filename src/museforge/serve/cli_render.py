"""`museforge render ...`: MIDI -> finished audio files, seamless loops, intensity layers, notation."""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.serve.cli_common import JSON_OPTION, busy, print_json

app = typer.Typer(help="Render a score to finished audio (soundfont, mix, master) and export it.",
                  no_args_is_help=True)

_MAJOR_BY_SHARPS = {-7: "Cb", -6: "Gb", -5: "Db", -4: "Ab", -3: "Eb", -2: "Bb", -1: "F", 0: "C",
                    1: "G", 2: "D", 3: "A", 4: "E", 5: "B", 6: "F#", 7: "C#"}
_MINOR_BY_SHARPS = {-7: "Ab", -6: "Eb", -5: "Bb", -4: "F", -3: "C", -2: "G", -1: "D", 0: "A",
                    1: "E", 2: "B", 3: "F#", 4: "C#", 5: "G#", 6: "D#", 7: "A#"}

SOURCE = typer.Argument(..., help="a standard MIDI file (multi-track, GM programs, drums on channel 10)")
OUT = typer.Option(Path("out"), "--out", "-o", help="output folder (created if missing; nothing is overwritten)")
FORMAT = typer.Option("wav", "--format", "-f", help="wav, flac, ogg or mp3")
BIT_DEPTH = typer.Option(24, help="16 or 24 (WAV and FLAC)")
LOUDNESS = typer.Option("streaming", help="streaming (-14), apple (-16), ebu-r128 (-23), console (-24) or a LUFS number")
SAMPLE_RATE = typer.Option(44_100, help="44100 or 48000")
MONO = typer.Option(False, "--mono", help="mono instead of stereo")
SOUNDFONT = typer.Option(None, help=".sf2/.sf3 file (default: the bundled TimGM6mb)")
BACKEND = typer.Option("tinysoundfont", help="tinysoundfont or fluidsynth")
STYLE = typer.Option("render", help="style word for file names and tags")
SEED = typer.Option(None, help="seed of the generated score, for names and the sidecar (default: the one in "
                    "the MIDI file's museforge sidecar, if any)")
BARS = typer.Option(None, help="loop length in bars")
DURATION = typer.Option(None, "--duration-s", help="loop length in seconds (must be whole bars)")


def _load(source: Path):
    import symusic

    if not source.is_file():
        raise MuseforgeError(f"score file not found: {source}")
    try:
        return symusic.Score(str(source))
    except Exception as exc:  # symusic raises plain RuntimeErrors for corrupt files
        raise MuseforgeError(f"cannot read {source.name} as MIDI ({exc}); give a standard MIDI file") from None


def _meta(score, source: Path, style: str, seed: int | None, controls: dict, soundfont_name: str | None):
    from museforge.export import ExportMeta, sidecar_seed
    from museforge.render.soundfont import DEFAULT_SOUNDFONT_LICENCE

    seed = sidecar_seed(source) if seed is None else seed

    key = None
    if len(score.key_signatures):
        sig = score.key_signatures[0]
        table = _MINOR_BY_SHARPS if sig.tonality else _MAJOR_BY_SHARPS
        key = f"{table.get(int(sig.key), 'C')} {'minor' if sig.tonality else 'major'}"
    tempo = round(score.tempos[0].qpm, 2) if len(score.tempos) else 120.0
    provenance = {"source_score": source.name,
                  "soundfont": {"name": soundfont_name or "TimGM6mb.sf2",
                                "licence": DEFAULT_SOUNDFONT_LICENCE if soundfont_name is None else "see the soundfont"}}
    return ExportMeta(style=style, key=key, tempo_bpm=tempo, seed=seed, controls=controls, provenance=provenance)


def _print(paths, meta, as_json: bool, measured: dict | None = None) -> None:
    """The files written; ``--json`` adds the seed their sidecars record (None: origin unknown)."""
    if as_json:
        print_json({"files": [str(p) for p in paths], "seed": meta.seed, "key": meta.key,
                    "tempo_bpm": meta.tempo_bpm, "measured": measured})
        return
    for path in paths:  # one path per line, nothing else: the seed is in the names and sidecars
        print(path)


@app.command("audio")
def audio_command(source: Path = SOURCE, out: Path = OUT, fmt: str = FORMAT, bit_depth: int = BIT_DEPTH,
                  loudness: str = LOUDNESS, sample_rate: int = SAMPLE_RATE, mono: bool = MONO,
                  soundfont: Path = SOUNDFONT, backend: str = BACKEND, style: str = STYLE, seed: int = SEED,
                  stems: bool = typer.Option(False, "--stems", help="also write pre-master stems"),
                  duration_s: float = typer.Option(None, "--duration-s",
                                                   help="exact length (a cue); default: to the last note + tail"),
                  as_json: bool = JSON_OPTION) -> None:
    """Render, mix and master a MIDI file; write the audio (+ stems) with JSON sidecars.

    Example: museforge render audio song.mid -f flac --loudness ebu-r128 --stems
    """
    from museforge.export import export_audio
    from museforge.render.pipeline import render

    score = _load(source)
    with busy("rendering"):
        rendered = render(score, soundfont=soundfont, backend=backend, sample_rate=sample_rate,
                          n_channels=1 if mono else 2, loudness=loudness, duration_s=duration_s)
    controls = {"loudness": loudness, "sample_rate": sample_rate, "mono": mono, "backend": backend,
                "duration_s": duration_s}
    meta = _meta(score, source, style, seed, controls, soundfont.name if soundfont else None)
    _print(export_audio(rendered.audio, out, meta, fmt=fmt, bit_depth=bit_depth,
                        stems=rendered.stems if stems else None, extra=rendered.measurements()), meta, as_json,
           rendered.measurements())


@app.command("loop")
def loop_command(source: Path = SOURCE, bars: int = BARS, duration_s: float = DURATION, out: Path = OUT,
                 fmt: str = FORMAT, bit_depth: int = BIT_DEPTH, loudness: str = LOUDNESS,
                 sample_rate: int = SAMPLE_RATE, mono: bool = MONO, soundfont: Path = SOUNDFONT,
                 backend: str = BACKEND, style: str = STYLE, seed: int = SEED,
                 stems: bool = typer.Option(False, "--stems", help="also write pre-master stems"),
                 as_json: bool = JSON_OPTION) -> None:
    """Render the first bars as a seamless loop with loop points (smpl chunk / LOOPSTART tags).

    Example: museforge render loop theme.mid --bars 8 -f ogg --loudness console
    """
    from museforge.export import export_audio
    from museforge.render.loop import render_loop

    score = _load(source)
    with busy("rendering the loop"):
        rendered = render_loop(score, n_bars=bars, duration_s=duration_s, soundfont=soundfont, backend=backend,
                               sample_rate=sample_rate, n_channels=1 if mono else 2, loudness=loudness)
    controls = {"bars": bars, "duration_s": duration_s, "loudness": loudness, "sample_rate": sample_rate,
                "mono": mono, "backend": backend}
    meta = _meta(score, source, style, seed, controls, soundfont.name if soundfont else None)
    _print(export_audio(rendered.audio, out, meta, fmt=fmt, bit_depth=bit_depth, kind="loop",
                        stems=rendered.stems if stems else None, extra=rendered.measurements()), meta, as_json,
           rendered.measurements())


@app.command("layers")
def layers_command(source: Path = SOURCE, bars: int = BARS, duration_s: float = DURATION, out: Path = OUT,
                   fmt: str = typer.Option("ogg", "--format", "-f", help="wav, flac, ogg or mp3"),
                   bit_depth: int = BIT_DEPTH,
                   loudness: str = typer.Option("console", help="target of the full intensity"),
                   sample_rate: int = SAMPLE_RATE, mono: bool = MONO, soundfont: Path = SOUNDFONT,
                   backend: str = BACKEND, style: str = STYLE, seed: int = SEED,
                   whole: bool = typer.Option(False, "--whole", help="whole piece instead of a loop"),
                   as_json: bool = JSON_OPTION) -> None:
    """Write intensity layers (base / rhythm / lead / full) of identical length plus a JSON manifest.

    Example: museforge render layers battle.mid --bars 8
    """
    from museforge.export import export_layers
    from museforge.render.layers import render_layers

    score = _load(source)
    with busy("rendering intensity layers"):
        layer_set = render_layers(score, loop=not whole, n_bars=bars, duration_s=duration_s,
                                  loudness=loudness, soundfont=soundfont, backend=backend,
                                  sample_rate=sample_rate, n_channels=1 if mono else 2)
    controls = {"bars": bars, "duration_s": duration_s, "loudness": loudness, "loop": not whole}
    meta = _meta(score, source, style, seed, controls, soundfont.name if soundfont else None)
    _print(export_layers(layer_set, out, meta, fmt=fmt, bit_depth=bit_depth), meta, as_json)


@app.command("notation")
def notation_command(source: Path = SOURCE, out: Path = OUT, style: str = STYLE, seed: int = SEED,
                     as_json: bool = JSON_OPTION) -> None:
    """Write MIDI Type 1 (named tracks, GM programs, drums on channel 10) and MusicXML, with sidecars."""
    from museforge.export import export_midi, export_musicxml

    score = _load(source)
    meta = _meta(score, source, style, seed, {}, None)
    _print(export_midi(score, out, meta) + export_musicxml(score, out, meta), meta, as_json)
