"""Chords per bar from a Score's own notes: ours (template matching) vs music21 (chordify + root/quality).

Both sides see the same POP909 songs (melody + bridge + piano tracks) and the same bar lines
(the dataset's downbeats) and name one chord per bar; the reference is the dataset's own chord
annotation (the chord covering most of the bar). Scored MIREX-style "majmin": root and
major/minor must match; bars whose reference chord is neither major- nor minor-family (dim, aug,
sus, no chord) are skipped. music21 gets each bar's longest chordified vertical, the usual
music21 recipe (``chordify()`` then ``root()`` / ``quality``).

``details`` also carries the arrangement figures: seconds to arrange a 140 s cue (70 bars at
120 bpm, intro + 8 passes + outro) per style, and the bass's chord-tone share on strong beats and
on all onsets.
"""

from __future__ import annotations

import os
import time
from pathlib import Path

import numpy as np

from bench.common import best_time_s, result

_ROOTS = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_MAJ = {"maj", "7", "maj7", "maj6", "9", "maj9", "sus4(b7)"}
_MIN = {"min", "min7", "min6", "minmaj7", "min9"}


def _data_dir() -> Path:
    for candidate in (os.environ.get("MUSEFORGE_DATA"), "/work/shared/data",
                      Path(__file__).resolve().parents[1] / "../shared/data"):
        if candidate and (Path(candidate) / "midi" / "pop909").is_dir():
            return Path(candidate) / "midi" / "pop909"
    raise FileNotFoundError("POP909 not found: set MUSEFORGE_DATA to the shared data folder")


def _majmin(label: str) -> tuple[int, str] | None:
    if label == "N" or ":" not in label:
        return None
    root, quality = label.split(":", 1)
    quality = quality.split("/")[0]
    pc = (_ROOTS[root[0]] + root[1:].count("#") - root[1:].count("b")) % 12
    if quality in _MAJ:
        return pc, "maj"
    if quality in _MIN:
        return pc, "min"
    return None


def _reference(song: Path, bars: list[tuple[float, float]]) -> list[tuple[int, str] | None]:
    spans = []
    for line in (song / "chord_midi.txt").read_text().splitlines():
        start, end, label = line.split("\t")
        spans.append((float(start), float(end), label))
    out = []
    for lo, hi in bars:
        best, best_overlap = None, 0.0
        for start, end, label in spans:
            overlap = min(hi, end) - max(lo, start)
            if overlap > best_overlap:
                best, best_overlap = label, overlap
        out.append(_majmin(best) if best and best_overlap > 0.5 * (hi - lo) else None)
    return out


def _ours(notes: list[tuple[float, float, int]], bars) -> list[tuple[int, str] | None]:
    from museforge.music.arrange.chords import chord_from_histogram

    out = []
    for lo, hi in bars:
        hist = np.zeros(12)
        for start, end, pitch in notes:
            overlap = min(hi, end) - max(lo, start)
            if overlap > 0:
                hist[pitch % 12] += overlap * (2.0 if pitch < 55 else 1.0)
        best = chord_from_histogram(hist)
        if best is None:
            out.append(None)
            continue
        root, quality = best
        family = "maj" if quality in ("maj", "7", "maj7") else "min" if quality in ("min", "m7") \
            else "other"
        out.append((root, family))
    return out


def _music21(score_ticks, tick_to_s, bars) -> list[tuple[int, str] | None]:
    from music21 import chord, note, stream

    part = stream.Part()
    tpq = score_ticks.ticks_per_quarter
    for track in score_ticks.tracks:
        for n in track.notes:
            m = note.Note(n.pitch, quarterLength=max(n.duration, 1) / tpq)
            part.insert(n.time / tpq, m)
    chords = part.chordify().recurse().getElementsByClass(chord.Chord)
    best: list[tuple[float, object]] = [(0.0, None) for _ in bars]
    starts = np.array([lo for lo, _ in bars])
    for c in chords:
        t0 = float(tick_to_s(float(c.offset) * tpq))
        t1 = float(tick_to_s((float(c.offset) + float(c.quarterLength)) * tpq))
        k = int(np.searchsorted(starts, t0, side="right")) - 1
        if 0 <= k < len(bars):
            length = min(t1, bars[k][1]) - t0
            if length > best[k][0]:
                best[k] = (length, c)
    out = []
    for _, c in best:
        if c is None:
            out.append(None)
            continue
        quality = c.quality
        family = {"major": "maj", "minor": "min"}.get(quality, "other")
        out.append((c.root().pitchClass, family))
    return out


def _song(song: Path):
    import symusic

    path = song / f"{song.name}.mid"
    ticks = symusic.Score(str(path))
    secs = ticks.to("second")
    pairs = sorted({(a.time, b.time) for ta, tb in zip(ticks.tracks, secs.tracks)
                    for a, b in zip(ta.notes, tb.notes)})
    xs, ys = np.array([p[0] for p in pairs], float), np.array([p[1] for p in pairs], float)
    notes = [(n.time, n.time + n.duration, n.pitch) for t in secs.tracks for n in t.notes]
    downbeats = [float(line.split()[0]) for line in (song / "beat_midi.txt").read_text().splitlines()
                 if line.split()[2] == "1.0"]
    bars = list(zip(downbeats, downbeats[1:]))
    return ticks, (lambda t: np.interp(t, xs, ys)), notes, bars


def _arrange_figures(quick: bool) -> dict:
    import symusic

    from museforge.music.arrange import STYLES, Material, arrange, parse_chord

    tune = [(72, 1), (71, 1), (69, 2), (67, 1), (69, 1), (72, 2), (65, 2), (67, 1), (69, 1),
            (67, 2), (64, 2), (72, 1), (74, 1), (76, 2), (72, 4), (71, 4), (72, 4)]
    chords = ["C", "Am", "F", "G7", "C", "F", "G7", "C"]
    score = symusic.Score(480)
    track = symusic.Track(name="Melody", program=0)
    t = 0
    for pitch, quarters in tune:
        track.notes.append(symusic.Note(t, quarters * 480, pitch, 90))
        t += quarters * 480
    score.tracks.append(track)
    material = Material(score, chords=chords, tempo_bpm=120)
    figures = {}
    for style in STYLES:
        def once():
            return arrange(material, style, seed=1, repeats=8, intro_bars=4, outro_bars=2)

        seconds = best_time_s(once, repeats=1 if quick else 3)
        res = once()
        bar = 4 * 480
        bass = [tr for tr in res.score.tracks
                if res.roles[tr.name] in ("bass", "satb_bass", "drone")]
        strong = hit = total = on_chord = 0
        for tr in bass:
            for n in tr.notes:
                b = (n.time + 60) // bar
                idx = 0 if b == res.n_bars - 1 else (b - 4) % 8 if b >= 4 else b % 8
                pcs = parse_chord(chords[idx]).pitch_classes
                total += 1
                on_chord += n.pitch % 12 in pcs
                off = (n.time + 60) % bar
                if off < 120 or bar // 2 <= off < bar // 2 + 120:
                    strong += 1
                    hit += n.pitch % 12 in pcs
        figures[style] = {"arrange_140s_cue_s": round(seconds, 4),
                          "notes": int(res.score.note_num()),
                          "bass_chord_tone_share_strong_beats": round(hit / max(1, strong), 4),
                          "bass_chord_tone_share_all_onsets": round(on_chord / max(1, total), 4),
                          "grooves": list(res.grooves)}
    return figures


def run(quick: bool = False) -> dict:
    songs = sorted(p for p in _data_dir().iterdir() if p.is_dir())[: 8 if quick else 40]
    counts = {"ours": 0, "music21": 0}
    seconds = {"ours": 0.0, "music21": 0.0}
    n_bars = 0
    for song in songs:
        ticks, tick_to_s, notes, bars = _song(song)
        ref = _reference(song, bars)
        start = time.perf_counter()
        ours = _ours(notes, bars)
        seconds["ours"] += time.perf_counter() - start
        start = time.perf_counter()
        peer = _music21(ticks, tick_to_s, bars)
        seconds["music21"] += time.perf_counter() - start
        for r, o, p in zip(ref, ours, peer):
            if r is None:
                continue
            n_bars += 1
            counts["ours"] += o == r
            counts["music21"] += p == r
    ours_acc, peer_acc = counts["ours"] / n_bars, counts["music21"] / n_bars
    return result(
        "arrange_chords", "bar chord accuracy (root + maj/min) on POP909", round(ours_acc, 4),
        round(peer_acc, 4), "fraction",
        {"songs": len(songs), "bars_scored": n_bars, "seconds_ours": round(seconds["ours"], 3),
         "seconds_music21": round(seconds["music21"], 3),
         "speed_ratio_ours_over_music21": round(seconds["music21"] / max(seconds["ours"], 1e-9), 1),
         "peer": "music21 10.5 chordify + Chord.root()/quality, longest vertical per bar",
         "arrangement": _arrange_figures(quick)})


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=1))
