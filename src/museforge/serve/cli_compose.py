"""`museforge compose ...`: new pieces, continuations, infill and harmonisation with the Transformer composer."""

from __future__ import annotations

from pathlib import Path

import typer

from museforge.errors import MuseforgeError
from museforge.serve.cli_common import JSON_OPTION, busy, print_json

app = typer.Typer(help="Compose with the Transformer: controls -> multi-instrument MIDI (plus a JSON sidecar).",
                  no_args_is_help=True)

CHECKPOINT = typer.Option(None, help="composer checkpoint folder (default: $MUSEFORGE_COMPOSER, the shipped "
                          "weights, then checkpoints/composer/best|latest)")
DEBUG_MODEL = typer.Option(False, "--debug-model", help="use an untrained debug model (smoke tests: the controls "
                           "are obeyed, the music is random)")
SAMPLING = {"temperature": typer.Option(1.0, help="sampling temperature (0 = greedy)"),
            "top_k": typer.Option(0, help="keep the k likeliest tokens (0 = off)"),
            "top_p": typer.Option(0.95, help="nucleus sampling mass (1 = off)")}


def _load(checkpoint: Path | None, debug_model: bool):
    with busy("loading the composer"):  # torch import + weights: seconds on a cold start
        return _load_model(checkpoint, debug_model)


def _load_model(checkpoint: Path | None, debug_model: bool):
    import torch

    from museforge.music.generate import find_checkpoint
    from museforge.music.models.transformer import Composer, ComposerConfig, load_for_generation
    from museforge.music.tokenizer import get_tokenizer

    tokenizer = get_tokenizer()
    if debug_model:
        torch.manual_seed(0)
        model = Composer(ComposerConfig.debug(vocab_size=tokenizer.vocab_size, context_len=256)).eval()
        model.description = "debug preset, random weights"
        return model, tokenizer
    path = find_checkpoint(checkpoint)
    model = load_for_generation(path)  # int8 linears: same held-out loss, faster decoding
    model.description = str(path)
    return model, tokenizer


def _names(text: str | None) -> tuple[str, ...]:
    return tuple(x.strip() for x in text.split(",") if x.strip()) if text else ()


def _write(pieces, out: Path, model, as_json: bool) -> None:
    """Write each piece as MIDI + sidecar (the seed goes into both); print paths and the seed used."""
    from museforge.export import ExportMeta, export_midi

    written = []
    for piece in pieces if isinstance(pieces, list) else [pieces]:
        rec = piece.record
        meta = ExportMeta(style=rec["style"], key=f"{rec['tonic']} {rec['mode']}", tempo_bpm=rec["tempo_bpm"],
                          seed=rec["seed"], controls=rec, model_versions={"composer": model.description})
        paths = export_midi(piece.score, out, meta)
        written.append({"files": [str(p) for p in paths], "seed": rec["seed"], "variation": rec.get("variation"),
                        "style": rec["style"], "key": meta.key, "tempo_bpm": rec["tempo_bpm"],
                        "n_bars": rec.get("n_bars"), "n_notes": int(piece.score.note_num())})
    if as_json:
        print_json(written[0] if len(written) == 1 else {"pieces": written})
        return
    for item in written:
        for path in item["files"]:
            print(path)
        label = "" if item["variation"] is None else f"variation {item['variation']}  "
        print(f"  {label}seed={item['seed']}  {item['style']}  {item['key']}  {item['tempo_bpm']:g} bpm")


@app.command("new")
def new_command(
    style: str = typer.Option(None, help="style (see museforge.controls.STYLES)"),
    mood: str = typer.Option(None, help="happy, tense, sad or calm"),
    key: str = typer.Option(None, help="key, e.g. 'D minor' or 'F#'"),
    tempo_bpm: float = typer.Option(None, help="quarter notes per minute (30-300)"),
    time_signature: str = typer.Option(None, help="e.g. 4/4, 3/4, 6/8"),
    bars: int = typer.Option(None, help="length in bars (1-512)"),
    duration_s: float = typer.Option(None, help="length in seconds (must be whole bars)"),
    instruments: str = typer.Option(None, help="comma-separated names, e.g. 'piano,bass,drums'"),
    density: str = typer.Option(None, help="sparse, medium or dense"),
    chords: str = typer.Option(None, help="chords per bar separated by '|' or ',', e.g. 'C | G | Am | F'"),
    form: str = typer.Option(None, help="sections for a long piece, e.g. AABA (returns replay the opening)"),
    keep_in_key: bool = typer.Option(False, "--keep-in-key", help="no pitched notes outside the key's scale"),
    seed: int = typer.Option(0, help="random seed"),
    out: Path = typer.Option(Path("out"), help="folder for the MIDI and its sidecar"),
    checkpoint: Path = CHECKPOINT, debug_model: bool = DEBUG_MODEL,
    temperature: float = SAMPLING["temperature"], top_k: int = SAMPLING["top_k"], top_p: float = SAMPLING["top_p"],
    as_json: bool = JSON_OPTION,
) -> None:
    """Compose a new piece.

    Example: museforge compose new --style folk --key 'D minor' --bars 16 --instruments flute,guitar
    """
    from museforge.controls import MusicControls
    from museforge.music.generate import compose, compose_long

    tonic, mode = None, None
    if key:
        parts = key.split()
        tonic, mode = parts[0], parts[1] if len(parts) > 1 else None
        if len(parts) > 2:
            raise MuseforgeError(f"key must look like 'D', 'D minor' or 'F# major', got {key!r}")
    chord_list = tuple(c.strip() for c in chords.replace(",", "|").split("|")) if chords else ()
    controls = MusicControls(style=style, mood=mood, tonic=tonic, mode=mode, tempo_bpm=tempo_bpm,
                             time_signature=time_signature, n_bars=bars, duration_s=duration_s,
                             instruments=_names(instruments), density=density, chords=chord_list, seed=seed)
    model, tokenizer = _load(checkpoint, debug_model)
    sampling = dict(temperature=temperature, top_k=top_k, top_p=top_p, seed=seed, keep_in_key=keep_in_key)
    with busy("composing"):
        piece = compose_long(model, tokenizer, controls, form=form, **sampling) if form else \
            compose(model, tokenizer, controls, **sampling)
    _write(piece, out, model, as_json)


@app.command("continue")
def continue_command(
    primer: Path = typer.Argument(..., help="MIDI file to continue"),
    bars: int = typer.Option(8, help="new bars to write"),
    include_primer: bool = typer.Option(False, "--include-primer", help="output the primer followed by the new bars"),
    keep_in_key: bool = typer.Option(False, "--keep-in-key"), seed: int = typer.Option(0),
    out: Path = typer.Option(Path("out")), checkpoint: Path = CHECKPOINT, debug_model: bool = DEBUG_MODEL,
    temperature: float = SAMPLING["temperature"], top_k: int = SAMPLING["top_k"], top_p: float = SAMPLING["top_p"],
    as_json: bool = JSON_OPTION,
) -> None:
    """Continue a MIDI file (the primer is not repeated unless --include-primer)."""
    from museforge.music.generate import continue_score

    model, tokenizer = _load(checkpoint, debug_model)
    with busy("continuing"):
        piece = continue_score(model, tokenizer, primer, bars, include_primer=include_primer,
                               keep_in_key=keep_in_key, seed=seed, temperature=temperature, top_k=top_k, top_p=top_p)
    _write(piece, out, model, as_json)


@app.command("infill")
def infill_command(
    score: Path = typer.Argument(..., help="MIDI file"),
    bars: str = typer.Option(..., help="bars to regenerate, 1-based inclusive, e.g. 5-8"),
    keep_in_key: bool = typer.Option(False, "--keep-in-key"), seed: int = typer.Option(0),
    out: Path = typer.Option(Path("out")), checkpoint: Path = CHECKPOINT, debug_model: bool = DEBUG_MODEL,
    temperature: float = SAMPLING["temperature"], top_k: int = SAMPLING["top_k"], top_p: float = SAMPLING["top_p"],
    as_json: bool = JSON_OPTION,
) -> None:
    """Regenerate bars i-j of a MIDI file and keep everything else."""
    from museforge.music.generate import infill

    try:
        first, last = (int(x) for x in bars.split("-"))
    except ValueError:
        raise MuseforgeError(f"bars must look like 5-8, got {bars!r}") from None
    model, tokenizer = _load(checkpoint, debug_model)
    with busy(f"regenerating bars {first}-{last}"):
        piece = infill(model, tokenizer, score, (first, last), keep_in_key=keep_in_key, seed=seed,
                       temperature=temperature, top_k=top_k, top_p=top_p)
    _write(piece, out, model, as_json)


@app.command("harmonise")
def harmonise_command(
    melody: Path = typer.Argument(..., help="MIDI file holding the melody"),
    instruments: str = typer.Option("piano,bass", help="comma-separated accompanying instruments"),
    melody_track: int = typer.Option(None, help="track index of the melody (default: first pitched track)"),
    keep_in_key: bool = typer.Option(False, "--keep-in-key"), seed: int = typer.Option(0),
    out: Path = typer.Option(Path("out")), checkpoint: Path = CHECKPOINT, debug_model: bool = DEBUG_MODEL,
    temperature: float = SAMPLING["temperature"], top_k: int = SAMPLING["top_k"], top_p: float = SAMPLING["top_p"],
    as_json: bool = JSON_OPTION,
) -> None:
    """Write accompanying parts under a fixed melody (kept note for note)."""
    from museforge.controls import INSTRUMENTS
    from museforge.errors import check_choice
    from museforge.music.generate import harmonise

    programs = tuple(INSTRUMENTS[check_choice("instrument", n, INSTRUMENTS)] for n in _names(instruments))
    model, tokenizer = _load(checkpoint, debug_model)
    with busy("harmonising"):
        piece = harmonise(model, tokenizer, melody, programs, melody_track=melody_track, keep_in_key=keep_in_key,
                          seed=seed, temperature=temperature, top_k=top_k, top_p=top_p)
    _write(piece, out, model, as_json)


@app.command("vary")
def vary_command(
    piece: Path = typer.Argument(..., help="MIDI file to vary"),
    count: int = typer.Option(4, "--count", "-n", help="how many variations (1-256)"),
    keep_bars: int = typer.Option(None, help="opening bars kept as they are (default: the first quarter, "
                                  "at least one; 0 = rewrite all bars in the piece's meter, key and instruments)"),
    style: str = typer.Option(None, help="style the new bars are written in (default: the composer's choice)"),
    mood: str = typer.Option(None, help="happy, tense, sad or calm"),
    keep_in_key: bool = typer.Option(False, "--keep-in-key"), seed: int = typer.Option(0),
    out: Path = typer.Option(Path("out")), checkpoint: Path = CHECKPOINT, debug_model: bool = DEBUG_MODEL,
    temperature: float = SAMPLING["temperature"], top_k: int = SAMPLING["top_k"], top_p: float = SAMPLING["top_p"],
    as_json: bool = JSON_OPTION,
) -> None:
    """Variations of a piece: its opening kept, the other bars rewritten; each as long as the original.

    Example: museforge vary theme.mid --count 8 --keep-bars 2 --seed 3
    """
    from museforge.controls import MusicControls

    if not piece.is_file():  # fail before torch and the model load (seconds)
        raise MuseforgeError(f"MIDI file {piece} does not exist")
    controls = MusicControls(style=style, mood=mood) if style or mood else None
    from museforge.music.rework import load_score
    from museforge.music.vary import vary

    score = load_score(piece)
    model, tokenizer = _load(checkpoint, debug_model)
    with busy(f"writing {count} variations"):
        pieces = vary(model, tokenizer, score, count, keep_bars=keep_bars, controls=controls,
                      keep_in_key=keep_in_key, seed=seed, temperature=temperature, top_k=top_k, top_p=top_p)
    _write(pieces, out, model, as_json)
