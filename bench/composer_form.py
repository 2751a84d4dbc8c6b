"""Long form: do a long piece's planned sections come back, and do its sections differ? (issue 3,
"pieces of 3+ minutes with audible sections and returns of material")

Ours: ``compose_long`` with the shipped composer, form AABA, pieces of at least 180 s (several styles,
tempi and instrument sets), default settings: a return brings the lead part of its section's first
statement back (all but the section's last bar) under freshly written other parts; B gets its own
harmony. Baseline: the same requests composed as one section (form "A": the same sliding window, no
plan), scored on the same bar ranges, so the figures show what the plan adds.

Per bar, two profiles: the duration-weighted pitch-class histogram of the pitched tracks and the onset
pattern on a 1/12-beat grid (all tracks). Bar similarity = mean of the two cosine similarities.
*Return* = mean over aligned bar pairs (bar k of a section's first statement, bar k of its return);
*accompaniment* = the same over every part but the lead (rewritten, so below 1 = variation);
*contrast* = the same between aligned bars of A and B (lower = more distinct sections).
Headline: return similarity, ours vs baseline.

    python -m bench.composer_form [--pieces 8] [--quick]
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np

from bench.common import result

FORM = "AABA"
STEPS_PER_BEAT = 12
REQUESTS = (  # (style, mood, tonic, mode, tempo_bpm, time signature, instruments)
    ("folk", "happy", "G", "major", 112, "4/4", ("violin", "guitar", "bass")),
    ("pop", "calm", "C", "major", 92, "4/4", ("piano", "bass", "drums")),
    ("classical", "sad", "D", "minor", 76, "3/4", ("strings", "flute")),
    ("pop", "tense", "A", "minor", 128, "4/4", ("synth lead", "synth bass", "drums")),
    ("folk", "calm", "F", "major", 84, "6/8", ("flute", "guitar")),
    ("classical", "happy", "Bb", "major", 120, "4/4", ("piano",)),
    ("pop", "happy", "E", "major", 104, "4/4", ("guitar", "bass", "drums", "piano")),
    ("folk", "sad", "E", "minor", 70, "3/4", ("violin", "cello")),
)


def bar_profiles(score, n_bars: int, skip_program: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """([bars, 12] pitch-class durations, [bars, steps] onset counts) of the score's first n_bars bars,
    leaving out the tracks of ``skip_program``."""
    from museforge.music.metrics import bar_ticks

    per_bar, tpq = bar_ticks(score), score.ticks_per_quarter
    steps = per_bar * STEPS_PER_BEAT // tpq
    pcs, onsets = np.zeros((n_bars, 12)), np.zeros((n_bars, steps))
    for track in score.tracks:
        if not track.is_drum and track.program == skip_program:
            continue
        for note in track.notes:
            bar = note.time // per_bar
            if bar >= n_bars:
                continue
            onsets[bar, min(steps - 1, (note.time % per_bar) * STEPS_PER_BEAT // tpq)] += 1
            if not track.is_drum:
                pcs[bar, note.pitch % 12] += note.duration
    return pcs, onsets


def _cosine(a: np.ndarray, b: np.ndarray) -> float:
    norm = np.linalg.norm(a) * np.linalg.norm(b)
    return float(a @ b / norm) if norm else 0.0


def section_similarity(profiles: tuple[np.ndarray, np.ndarray], first: tuple[int, int],
                       other: tuple[int, int]) -> float:
    """Mean bar similarity over the aligned bars of two sections (1-based inclusive bar ranges)."""
    pcs, onsets = profiles
    length = min(first[1] - first[0], other[1] - other[0]) + 1
    return float(np.mean([(_cosine(pcs[first[0] - 1 + k], pcs[other[0] - 1 + k]) +
                           _cosine(onsets[first[0] - 1 + k], onsets[other[0] - 1 + k])) / 2 for k in range(length)]))


def form_figures(score, sections: list[tuple[str, int, int]], n_bars: int, lead: int) -> dict[str, float]:
    """Return, accompaniment-return and contrast similarities of one piece for the given section plan."""
    every, backing = bar_profiles(score, n_bars), bar_profiles(score, n_bars, skip_program=lead)
    first: dict[str, tuple[int, int]] = {}
    figures: dict[str, list[float]] = {"return": [], "accompaniment": [], "contrast": []}
    for letter, lo, hi in sections:
        if letter in first:
            figures["return"].append(section_similarity(every, first[letter], (lo, hi)))
            figures["accompaniment"].append(section_similarity(backing, first[letter], (lo, hi)))
        else:
            figures["contrast"] += [section_similarity(every, span, (lo, hi)) for span in first.values()]
            first[letter] = (lo, hi)
    return {k: float(np.mean(v)) for k, v in figures.items()}


def run(quick: bool = False, pieces: int | None = None) -> dict:
    from museforge.controls import INSTRUMENTS, MusicControls
    from museforge.music.checkpoint import find_checkpoint
    from museforge.music.generate import compose_long, section_plan
    from museforge.music.models.transformer import load_for_generation
    from museforge.music.tokenizer import get_tokenizer

    n_pieces = pieces or (2 if quick else len(REQUESTS))
    checkpoint = find_checkpoint()
    model, tokenizer = load_for_generation(checkpoint), get_tokenizer()
    rows, seconds = [], {"ours": 0.0, "baseline": 0.0}
    for i in range(n_pieces):
        style, mood, tonic, mode, bpm, meter, instruments = REQUESTS[i % len(REQUESTS)]
        controls = MusicControls(style=style, mood=mood, tonic=tonic, mode=mode, tempo_bpm=bpm, time_signature=meter,
                                 duration_s=60 if quick else 180, instruments=instruments, seed=100 + i)
        row = {"style": style, "instruments": list(instruments), "tempo_bpm": bpm, "time_signature": meter}
        for side, form in (("ours", FORM), ("baseline", "A")):
            start = time.perf_counter()
            piece = compose_long(model, tokenizer, controls, form=form, top_p=0.95)
            seconds[side] += time.perf_counter() - start
            n_bars = piece.record["n_bars"]
            sections, _ = section_plan(FORM, n_bars, n_bars)  # the baseline is scored on the same ranges
            lead = next(INSTRUMENTS[name] for name in instruments if INSTRUMENTS[name] >= 0)
            row[side] = form_figures(piece.score, sections, n_bars, lead)
            row["n_bars"], row["seconds"] = n_bars, piece.score.end() / piece.score.ticks_per_quarter * 60 / bpm
        rows.append(row)

    def median(side: str, key: str) -> float:
        return round(statistics.median(r[side][key] for r in rows), 3)

    figures = {side: {k: median(side, k) for k in ("return", "accompaniment", "contrast")}
               for side in ("ours", "baseline")}
    return result(
        "composer_form", f"median similarity of a section's return to its first statement ({FORM}, all parts)",
        figures["ours"]["return"], figures["baseline"]["return"], "cosine similarity (0..1)",
        {"checkpoint": str(checkpoint), "pieces": len(rows), "median": figures,
         "min_piece_seconds": round(min(r["seconds"] for r in rows), 1),
         "compose_seconds": {k: round(v, 1) for k, v in seconds.items()},
         "per_piece": [{**r, "ours": {k: round(v, 3) for k, v in r["ours"].items()},
                        "baseline": {k: round(v, 3) for k, v in r["baseline"].items()}} for r in rows],
         "method": "bar profile = pitch-class durations (pitched tracks) and onsets on a 1/12-beat grid (all "
                   "tracks); similarity = mean of their cosines over aligned bars; accompaniment = without the "
                   "lead part; baseline = the same request as one section (form A), scored on the AABA bar ranges",
         "peer": "no installed long-form composer; the baseline is our own model without the section plan"},
        higher_is_better=True)


def main(argv: list[str] | None = None) -> None:
    p = argparse.ArgumentParser(prog="python -m bench.composer_form", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true")
    p.add_argument("--pieces", type=int)
    args = p.parse_args(argv)
    from bench.common import write_result

    write_result(run(args.quick, args.pieces))


if __name__ == "__main__":
    main()
