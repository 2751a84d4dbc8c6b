"""Control accuracy of the composer over >= 200 generations (issue 3, benchmark 4).

Each generation asks for a mood with a key (keep-in-key on) and tempo that fit it, a time signature,
length in bars and an instrument set; half also give a chord progression (roman numerals in the key, one per bar). The
output is then measured, not trusted: key by music21's ``analyze('key')``, tempo and meter from the
Score, bars from its end, programs from its tracks, chords per bar by template chord recognition
(``museforge.music.arrange.chords.guess_chords``), mood by the project's mood labeller, and
presence: the share of bars in which each requested instrument starts a note (the instrument set
is exact by construction, which says nothing about whether the parts play), over the grid's
multi-instrument pieces and over issue 3's six 16-bar requests.

Uses the shipped/trained composer checkpoint if one exists (``MUSEFORGE_COMPOSER``,
``src/museforge/weights/composer``, ``checkpoints/composer/best`` or ``.../latest``), else the
randomly initialised debug model; with random weights the figures measure the decoding
constraints, not musicality (``details.model`` says which). Peer: no installed package offers
controllable multi-instrument composition, so there is none; the figures are absolute.
"""

from __future__ import annotations

import hashlib
import os
import random
import time
from pathlib import Path

import numpy as np
import torch

from bench.common import result

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = ("src/museforge/weights/composer", "checkpoints/composer/best", "checkpoints/composer/latest")
INSTRUMENT_SETS = (("piano",), ("piano", "bass"), ("piano", "bass", "drums"), ("strings", "flute"),
                   ("guitar", "bass", "drums"), ("violin", "viola", "cello"), ("organ",), ("synth lead", "synth bass"))
SIGNATURES = ("4/4", "3/4", "6/8", "2/2", "5/4", "12/8")
PROGRESSIONS = {"major": (("I", "V", "vi", "IV"), ("I", "IV", "V", "I"), ("ii", "V", "I", "vi")),
                "minor": (("i", "iv", "V", "i"), ("i", "VI", "III", "VII"), ("i", "VII", "VI", "V"))}


def load_model(tokenizer):
    """(model, description): a trained checkpoint with this vocabulary if one exists, else the debug model.
    The description names the weights file's SHA-256 and size, so a figure says which weights made it."""
    from museforge.music.models.transformer import Composer, ComposerConfig

    paths = [os.environ.get("MUSEFORGE_COMPOSER", "")] + [str(ROOT / c) for c in CANDIDATES]
    for path in filter(None, paths):
        weights = Path(path) / "model.safetensors"
        if weights.is_file():
            model = Composer.load(path)
            if model.cfg.vocab_size == tokenizer.vocab_size:
                data = weights.read_bytes()
                name = Path(path).relative_to(ROOT) if ROOT in Path(path).parents else path
                return model, (f"checkpoint {name} (model.safetensors sha256 {hashlib.sha256(data).hexdigest()[:16]}, "
                               f"{len(data):,} bytes)")
    torch.manual_seed(0)
    cfg = ComposerConfig.debug(vocab_size=tokenizer.vocab_size, context_len=256)
    return Composer(cfg).eval(), "debug preset, random weights (measures the constraints, not musicality)"


def music21_key(score) -> tuple[int, str] | None:
    """(tonic pitch class, mode) by music21's default key analysis of the pitched notes."""
    from music21 import key as m21key
    from music21 import note, stream

    tpq = score.ticks_per_quarter
    part = stream.Stream()
    for track in score.tracks:
        if track.is_drum:
            continue
        for n in track.notes:
            m = note.Note(n.pitch, quarterLength=max(n.duration, 1) / tpq)
            part.insert(n.time / tpq, m)
    if not len(part.notes):
        return None
    found: m21key.Key = part.analyze("key")
    return found.tonic.pitchClass, found.mode


def chord_hits(score, symbols: list[str], bar_ticks: int, final: tuple[str, int] | None = None) -> tuple[int, int]:
    """(bars whose recognised chord has the requested root and third, bars with a requested chord).

    ``final``: (chord, tick in the last bar) when the last bar changes chord for the cadence (the
    record's ``final_chord``): that bar is a hit only when both of its parts are recognised.
    Recognition as ``guess_chords``: duration-weighted pitch classes, notes under G3 count double.
    """
    from museforge.music.arrange.chords import chord_from_histogram, chord_name, parse_chord

    spans = [(bar, bar * bar_ticks, (bar + 1) * bar_ticks, want) for bar, want in enumerate(symbols)]
    if final:
        last = len(symbols) - 1
        spans[-1:] = [(last, last * bar_ticks, last * bar_ticks + final[1], symbols[-1]),
                      (last, last * bar_ticks + final[1], (last + 1) * bar_ticks, final[0])]
    missed = set()
    for bar, lo, hi, want in spans:
        hist = np.zeros(12)
        for track in score.tracks:
            if track.is_drum:
                continue
            for n in track.notes:
                overlap = min(hi, n.time + max(1, n.duration)) - max(lo, n.time)
                if overlap > 0:
                    hist[n.pitch % 12] += overlap / bar_ticks * (2.0 if n.pitch < 55 else 1.0)
        best = chord_from_histogram(hist)
        got = parse_chord(chord_name(*best)) if best else None
        a = parse_chord(want)
        if got is None or (a.root, a.is_minor) != (got.root, got.is_minor):
            missed.add(bar)
    return len(symbols) - len(missed), len(symbols)


def request_grid(n: int, seed: int = 0) -> list[dict]:
    from museforge.controls import roman_to_chords
    from museforge.music.tokenizer import PITCH_CLASSES

    rng = random.Random(seed)
    out = []
    for i in range(n):
        # A user asking for a mood asks for a key and tempo that fit it (mode carries valence, tempo
        # arousal, in the labeller as in the listening studies it follows): happy = major and fast,
        # calm = major and slow, tense = minor and fast, sad = minor and slow.
        mood = ("happy", "tense", "calm", "sad")[i % 4]
        mode = "major" if mood in ("happy", "calm") else "minor"
        tempo_bpm = round(rng.uniform(112, 180) if mood in ("happy", "tense") else rng.uniform(60, 108), 1)
        tonic = PITCH_CLASSES[(i * 7) % 12]
        n_bars = rng.choice((4, 8, 8, 12, 16))
        chords = ()
        if i % 4 >= 2:
            chords = roman_to_chords(rng.choice(PROGRESSIONS[mode]), tonic, mode)
        out.append(dict(tonic=tonic, mode=mode, tempo_bpm=tempo_bpm,
                        time_signature=SIGNATURES[i % len(SIGNATURES)], n_bars=n_bars,
                        instruments=INSTRUMENT_SETS[i % len(INSTRUMENT_SETS)], chords=chords, mood=mood,
                        style=rng.choice(("pop", "folk", "classical")),
                        density=rng.choice(("sparse", "medium")), seed=i))
    return out


def measure(piece, req: dict, chords: tuple[str, ...], tokenizer) -> dict:
    """What one generation obeyed: a bool per control, the key music21 found, chord hits over the bars
    the record says were written over a chord."""
    from museforge.controls import INSTRUMENTS
    from museforge.music.labels import label_score
    from museforge.music.tokenizer import PITCH_CLASSES

    score = piece.score
    body = piece.token_ids[piece.token_ids.index(tokenizer.controls_end_id) + 1:-1]
    ok = tokenizer.remi.tokens_errors(body) == 0 and tokenizer.decode(body).note_num() > 0
    num, den = (int(x) for x in req["time_signature"].split("/"))
    bar_ticks = num * 4 * score.ticks_per_quarter // den
    found = music21_key(score)
    out = {
        "decodes": ok,
        "bars": score.end() == req["n_bars"] * bar_ticks,
        "tempo": len(score.tempos) == 1 and abs(score.tempos[0].mspq - 60e6 / req["tempo_bpm"]) <= 0.5,
        "meter": [(t.numerator, t.denominator) for t in score.time_signatures] == [(num, den)],
        "instruments": {-1 if t.is_drum else t.program for t in score.tracks if len(t.notes)}
        == {INSTRUMENTS[name] for name in req["instruments"]},
        "key": found == (PITCH_CLASSES.index(req["tonic"]), req["mode"]),
        "found_key": found,
        "mood": label_score(score, tonic=req["tonic"], mode=req["mode"]).mood == req["mood"],
        "presence": presence(score, [INSTRUMENTS[name] for name in req["instruments"]], req["n_bars"], bar_ticks),
    }
    if chords:  # against the bar-by-bar plan the record states (a repeated progression ends on the tonic)
        planned = piece.record["chords_per_bar"]
        assert planned[:len(chords)] == list(chords) and len(planned) == req["n_bars"]
        out["final_tonic_substituted"] = planned[-1] != chords[(req["n_bars"] - 1) % len(chords)]
        final = None
        if piece.record.get("final_chord"):  # the last bar's chord, then the held tonic from this beat
            beat_ticks = 4 * score.ticks_per_quarter // den
            final = (piece.record["final_chord"], piece.record["final_chord_from_beat"] * beat_ticks)
        out["final_split"] = final is not None
        out["chord_hits"], out["chord_bars"] = chord_hits(score, planned, bar_ticks, final)
    return out


def presence(score, programs, n_bars: int, bar_ticks: int) -> dict[int, float]:
    """Share of the ``n_bars`` bars in which each requested program (-1 = drums) starts a note.

    The held final chord counts as a bar like any other (every program plays it by construction), so
    a track that plays only there scores 1 / n_bars.
    """
    starts: dict[int, set[int]] = {p: set() for p in programs}
    for track in score.tracks:
        program = -1 if track.is_drum else track.program
        if program in starts:
            starts[program].update(min(n.time // bar_ticks, n_bars - 1) for n in track.notes)
    return {p: len(bars) / n_bars for p, bars in starts.items()}


def presence_summary(shares: dict[str, list[float]]) -> dict:
    """Median / minimum / share at >= 90% of bars, for pitched programs and drums separately
    (each list holds one figure per requested instrument per multi-instrument piece)."""
    out = {}
    for kind, values in shares.items():
        if values:
            out[kind] = {"median_percent": round(100.0 * float(np.median(values)), 1),
                         "min_percent": round(100.0 * min(values), 1),
                         "at_least_90_percent_of_bars": round(100.0 * float(np.mean([v >= 0.9 for v in values])), 1),
                         "instrument_parts": len(values)}
    return out


# The requests of issue 3's presence table: (style, instruments), each at seeds 0 and 1, 16 bars.
PRESENCE_REQUESTS = (("pop", ("piano", "bass", "drums")), ("folk", ("violin", "guitar", "bass")),
                     ("celtic_folk", ("flute", "guitar")), ("classical", ("strings", "flute")),
                     ("baroque_chorale", ("violin", "viola", "cello")), ("pop", ("guitar", "bass", "drums", "piano")))


def presence_requests(model, tokenizer, seeds: tuple[int, ...] = (0, 1), n_bars: int = 16) -> list[dict]:
    """Bars (of ``n_bars``) in which each instrument starts a note, per request and seed: the plain
    ``compose(controls(style, instruments, n_bars, seed), seed=seed)`` call of issue 3 (default
    sampling, mood/density/key chosen by the composer)."""
    from museforge.controls import INSTRUMENTS, MusicControls
    from museforge.music.generate import compose

    rows = []
    for style, instruments in PRESENCE_REQUESTS:
        for seed in seeds:
            piece = compose(model, tokenizer, MusicControls(style=style, n_bars=n_bars, instruments=instruments,
                                                            seed=seed), seed=seed)
            num, den = (int(x) for x in piece.record["time_signature"].split("/"))
            share = presence(piece.score, [INSTRUMENTS[i] for i in instruments], n_bars,
                             num * 4 * piece.score.ticks_per_quarter // den)
            rows.append({"style": style, "seed": seed, "density": piece.record["density"],
                         "bars": {name: round(share[INSTRUMENTS[name]] * n_bars) for name in instruments}})
    return rows


DENSITY_INSTRUMENTS = ("piano", "guitar", "bass", "drums")


def density_ladder(model, tokenizer, n_seeds: int) -> dict:
    """Notes per bar at sparse / medium / dense for one 4-track pop request over ``n_seeds`` seeds.

    Bars 1-7 of 8 are counted (bar 8 is the held final chord), pitched tracks only: the drums come
    from the groove table, not the model. ``ordered_percent``: seeds whose mean notes per bar rise
    strictly from sparse to medium to dense.
    """
    from museforge.controls import MusicControls
    from museforge.music.compose_request import DENSITY_NOTES_PER_BEAT
    from museforge.music.generate import compose

    per_seed: dict[str, list[float]] = {}
    for density in ("sparse", "medium", "dense"):
        for seed in range(n_seeds):
            piece = compose(model, tokenizer, MusicControls(style="pop", n_bars=8, time_signature="4/4",
                                                            instruments=DENSITY_INSTRUMENTS, density=density),
                            seed=seed, temperature=1.0, top_p=0.95)
            ticks = 4 * piece.score.ticks_per_quarter
            # The drums are a groove laid over the piece (not the model's notes): pitched tracks only.
            bars = [sum(1 for t in piece.score.tracks if not t.is_drum for n in t.notes if n.time // ticks == b)
                    for b in range(7)]
            per_seed.setdefault(density, []).append(sum(bars) / len(bars))
    ordered = sum(a < b < c for a, b, c in zip(per_seed["sparse"], per_seed["medium"], per_seed["dense"]))
    return {"notes_per_bar": {d: round(sum(v) / len(v), 2) for d, v in per_seed.items()},
            "target_notes_per_bar": {d: DENSITY_NOTES_PER_BEAT[d] * 4 * (len(DENSITY_INSTRUMENTS) - 1)
                                     for d in per_seed},
            "ordered_percent": round(100.0 * ordered / n_seeds, 1), "seeds": n_seeds,
            "request": "style pop, 8 bars of 4/4, " + ", ".join(DENSITY_INSTRUMENTS)}


def run(quick: bool = False) -> dict:
    from museforge.controls import MusicControls
    from museforge.music.generate import compose
    from museforge.music.labels import label_score
    from museforge.music.tokenizer import PITCH_CLASSES, get_tokenizer

    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small model, shared machine: one thread is the fastest
    try:
        tokenizer = get_tokenizer()
        model, described = load_model(tokenizer)
        n = 40 if quick else 200
        counts = dict(decodes=0, bars=0, tempo=0, meter=0, instruments=0, key=0, mood=0)
        chord_hit, chord_bars, tokens, seconds, key_relative = 0, 0, 0, 0.0, 0
        final_tonic = 0  # pieces whose repeated progression was ended on the tonic for the cadence
        final_split = 0  # pieces whose last bar holds the progression's last chord, then the tonic
        key_split = {False: [0, 0], True: [0, 0]}  # without / with a chord progression: [hits, pieces]
        shares: dict[str, list[float]] = {"pitched": [], "drums": []}  # presence in multi-instrument pieces
        failures: list[str] = []
        for req in request_grid(n):
            chords = req.pop("chords")
            seed = req.pop("seed")
            start = time.perf_counter()
            piece = compose(model, tokenizer, MusicControls(**req, chords=tuple(chords)), seed=seed, keep_in_key=True,
                            temperature=1.0, top_p=0.95)
            seconds += time.perf_counter() - start
            tokens += len(piece.token_ids)
            checks = measure(piece, req, chords, tokenizer)
            relative = (PITCH_CLASSES.index(req["tonic"]) + (9 if req["mode"] == "major" else 3)) % 12
            key_relative += checks["found_key"] == (relative, "minor" if req["mode"] == "major" else "major")
            key_split[bool(chords)][0] += checks["key"]
            if len(checks["presence"]) > 1:
                for program, share in checks["presence"].items():
                    shares["drums" if program == -1 else "pitched"].append(share)
            key_split[bool(chords)][1] += 1
            for name in counts:
                counts[name] += bool(checks[name])
                if not checks[name] and name not in ("key", "mood") and len(failures) < 10:
                    failures.append(f"seed {seed}: {name}")
            if chords:
                final_tonic += checks["final_tonic_substituted"]
                final_split += checks["final_split"]
                chord_hit, chord_bars = chord_hit + checks["chord_hits"], chord_bars + checks["chord_bars"]
        # Mood on its own: the grid above fixes tempo and mode independently of the mood (often
        # contradicting it); here only the mood is asked and the composer picks tempo, mode, density.
        n_mood, mood_hits, mood_key_hits = (12 if quick else 40), 0, 0
        for i in range(n_mood):
            mood = ("happy", "tense", "sad", "calm")[i % 4]
            piece = compose(model, tokenizer, MusicControls(mood=mood, n_bars=8,
                                                            instruments=INSTRUMENT_SETS[i % len(INSTRUMENT_SETS)]),
                            seed=1000 + i, temperature=1.0, top_p=0.95)
            rec = piece.record
            mood_hits += label_score(piece.score, tonic=rec["tonic"], mode=rec["mode"]).mood == mood
            # The key the composer picked, heard without keep-in-key or chords (no key-narrowing biases).
            mood_key_hits += music21_key(piece.score) == (PITCH_CLASSES.index(rec["tonic"]), rec["mode"])
        density = density_ladder(model, tokenizer, 3 if quick else 10)
        by_request = presence_requests(model, tokenizer, (0,) if quick else (0, 1))
        share = {k: round(100.0 * v / n, 1) for k, v in counts.items()}
        hard = min(share[k] for k in ("decodes", "bars", "tempo", "meter", "instruments"))
        details = {
            "model": described, "generations": n, "percent": share,
            "mood_only_requests_percent": round(100.0 * mood_hits / n_mood, 1), "mood_only_requests": n_mood,
            "key_percent_mood_only_requests": round(100.0 * mood_key_hits / n_mood, 1),
            "density": density,
            "presence": presence_summary(shares), "presence_requests": by_request,
            "chords_present_percent": round(100.0 * chord_hit / chord_bars, 1) if chord_bars else None,
            "chord_bars": chord_bars, "final_bar_tonic_substitutions": final_tonic,
            "key_relative_confusions_percent": round(100.0 * key_relative / n, 1),
            "key_percent_without_chords": round(100.0 * key_split[False][0] / max(1, key_split[False][1]), 1),
            "key_percent_with_chords": round(100.0 * key_split[True][0] / max(1, key_split[True][1]), 1),
            "final_bar_splits": final_split,
            "keep_in_key": True, "sampling": "temperature 1.0, top_p 0.95",
            "compose_seconds_total": round(seconds, 2), "tokens_per_s": round(tokens / seconds, 1),
            "failures": failures,
            "targets": "key >= 90%, tempo/meter/bars/instruments 100%, mood >= 80%, chords >= 90% of bars, "
                       "presence: every requested pitched instrument in >= 90% of bars",
            "note_mood": "percent.mood: the grid asks for a mood with a key mode and tempo that fit it "
                         "(happy major >= 112 bpm, calm major <= 108, tense minor fast, sad minor slow); "
                         "mood_only_requests_percent asks only for a mood",
            "peer": "none: no installed package offers controllable multi-instrument composition "
                    "(Magenta, MusicLang, Anticipatory Music Transformer are not installed)",
            "method": "key: music21 analyze('key') on pitched notes; chords: duration-weighted template "
                      "recognition per bar, hit = same root and same major/minor third (a last bar split "
                      "between the progression's chord and the cadence's tonic: both parts); mood: "
                      "museforge.music.labels rule; density: notes starting in each bar but the last "
                      "(the held final chord), 4-track pop, 8 bars of 4/4, same seeds per density; "
                      "presence: share of bars (the held final one included) in which each requested "
                      "instrument starts a note, over the grid's multi-instrument pieces, pitched and drums "
                      "apart; presence_requests: bars of 16 per instrument for issue 3's six requests",
        }
        return result("composer_controls", "hard controls obeyed (lowest of decodes/bars/tempo/meter/instruments)",
                      hard, None, "%", details)
    finally:
        torch.set_num_threads(threads)


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
