"""Drum and bass grooves distilled from the MMA groove library, and choosing one for a style.

The table ships as ``weights/grooves/grooves.json`` (GPL-2.0-or-later data, see the README next to
it) so arrangement works without the training data. ``build`` regenerates it from the rendered
MMA grooves in ``/work/shared/data/midi/mma-grooves`` (hand-written ``stdlib`` library only)::

    python -m museforge.music.grooves build --data /work/shared/data/midi/mma-grooves

Every groove is one pattern (``bars`` long, the groove's MMA sequence size) on a grid of
``STEPS_PER_QUARTER`` steps, which holds both sixteenths and eighth-note triplets. MMA randomises
timing, velocity and skips; each hit is kept only when it appears in most repetitions of the
pattern across the 8 rendered bars, at the median velocity. Bass notes are stored relative to
the chord (scale degree + octave) or, for approach notes, relative to the next chord's root, so
they can be re-fitted to any harmony.
"""

from __future__ import annotations

import argparse
import csv
import json
import math
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from statistics import median

import numpy as np

from museforge.errors import MuseforgeError

STEPS_PER_QUARTER = 12  # lcm of 4 (sixteenths) and 3 (eighth triplets)
TABLE_PATH = Path(__file__).resolve().parents[1] / "weights" / "grooves" / "grooves.json"

# The MMA renders all play C | Am | F | G twice; roots as pitch classes and triad qualities.
_SOURCE_ROOTS = (0, 9, 5, 7)
_SOURCE_MINOR = (False, True, False, False)
# Semitones above the root -> scale degree, for a major and a minor source chord.
_DEGREE_MAJOR = {0: "1", 1: "b2", 2: "2", 3: "b3", 4: "3", 5: "4", 6: "#4", 7: "5", 8: "b6", 9: "6",
                 10: "b7", 11: "7"}
_DEGREE_MINOR = {**_DEGREE_MAJOR, 3: "3", 4: "#3"}
_BASS_REF_LOW = 31  # the chord root is placed in [31, 42] (G1..F#2) as the reference pitch

# Library files (stdlib, hand-written by Bob van der Poel) that the arrangement styles draw on.
LIB_FILES = (
    "8beat", "50srock", "60srock", "basicrock", "bubblerock", "softrock", "rock-128", "folkrock",
    "rockballad", "rockwaltz", "popballad", "rb", "rb-ballad", "ballad", "ballad68", "pianoballad",
    "stringballad", "lullaby", "trance", "boneym", "folk", "folkballad", "bluegrass", "hillcountry",
    "countrywaltz", "frenchwaltz", "waltz", "vienesewaltz", "fastwaltz", "march",
    "bwmarch", "68march", "polka", "twist", "hymn", "blues68",
)
_VARIANTS = ("main", "intro", "ending", "fill", "walk")


@dataclass(frozen=True)
class Groove:
    """One distilled groove pattern.

    Attributes:
        name: MMA groove name, e.g. ``"8Beat"``.
        lib_file: MMA library file stem, e.g. ``"8beat"``.
        family: Rough genre family from the data manifest.
        variant: ``main``, ``intro``, ``ending``, ``fill`` or ``walk``.
        time_signature: (numerator, denominator) of one bar.
        bars: Pattern length in bars.
        drums: (bar, step, GM drum pitch, velocity) hits.
        bass: (bar, step, duration_steps, ref, degree, octave, velocity); ``ref`` is ``"c"`` (degree
            of the current chord) or ``"n"`` (``degree`` is a semitone offset from the next root).
        comp: (bar, step, duration_steps, velocity) chord hits from the groove's chord track.
    """

    name: str
    lib_file: str
    family: str
    variant: str
    time_signature: tuple[int, int]
    bars: int
    drums: tuple[tuple[int, int, int, int], ...]
    bass: tuple[tuple[int, int, int, str, str, int, int], ...]
    comp: tuple[tuple[int, int, int, int], ...]

    @property
    def steps_per_bar(self) -> int:
        num, den = self.time_signature
        return num * 4 * STEPS_PER_QUARTER // den

    @property
    def drum_hits_per_quarter(self) -> float:
        return len(self.drums) / (self.bars * self.steps_per_bar / STEPS_PER_QUARTER)


# --------------------------------------------------------------------------------------------
# Extraction (needs the rendered MMA data; run once, output shipped)


def _majority(events: dict, reps: int) -> list:
    keep = max(1, math.ceil(reps / 2))
    return [key for key, hits in events.items() if len(hits) >= keep]


def _bass_track_notes(score) -> list:
    """Merge MMA's bass/walk tracks (a groove may split them) into one monophonic line."""
    tracks = [t for t in score.tracks if not t.is_drum and t.name.split("-")[0] in ("Bass", "Walk")]
    tracks = [t for t in tracks if len(t.notes) and (32 <= t.program <= 39 or
                                                     np.mean([n.pitch for n in t.notes]) < 52)]
    lowest: dict[int, object] = {}
    for track in tracks:
        for note in track.notes:
            if note.time not in lowest or note.pitch < lowest[note.time].pitch:
                lowest[note.time] = note
    return [lowest[t] for t in sorted(lowest)]


def _comp_track_notes(score) -> list:
    """The main chord track (not a sustained pad/string layer or a banjo roll)."""
    tracks = [t for t in score.tracks if not t.is_drum and t.name.split("-")[0] == "Chord"
              and not (48 <= t.program <= 55 or 88 <= t.program <= 95)]
    def rank(t) -> tuple:  # plain "Chord" first, then keys/organ/guitar comping, then busiest
        return (t.name == "Chord", t.program < 32, len(t.notes))

    return list(max(tracks, key=rank).notes) if tracks else []


def _root_ref(pitch_class: int) -> int:
    return _BASS_REF_LOW + (pitch_class - _BASS_REF_LOW) % 12


def extract_groove(path: Path, row: dict) -> Groove | None:
    """Distil one rendered MMA groove file; None if it has neither drums nor bass."""
    import symusic

    score = symusic.Score(str(path))
    num, den = (int(x) for x in row["time_signature"].split("/"))
    tpq = score.ticks_per_quarter
    bar_ticks = tpq * 4 * num // den
    steps_per_bar = num * 4 * STEPS_PER_QUARTER // den
    n_file_bars = int(row["bars"])
    size = max(1, min(int(row["seq_size"] or 1), n_file_bars))
    reps = n_file_bars // size

    def where(tick: int) -> tuple[int, int, int]:
        step_abs = round(tick * STEPS_PER_QUARTER / tpq)
        file_bar, step = divmod(step_abs, steps_per_bar)
        return file_bar, file_bar % size, step

    drum_hits: dict[tuple, list[int]] = defaultdict(list)
    for track in score.tracks:
        if track.is_drum:
            for note in track.notes:
                file_bar, bar, step = where(note.time)
                if file_bar < reps * size and 27 <= note.pitch <= 87:  # GM/GM2 percussion keys
                    drum_hits[(bar, step, note.pitch)].append(note.velocity)

    bass_hits: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    for note in _bass_track_notes(score):
        file_bar, bar, step = where(note.time)
        if file_bar >= reps * size:
            continue
        chord = file_bar % 4
        root = _SOURCE_ROOTS[chord]
        next_root = _SOURCE_ROOTS[(chord + 1) % 4]
        degrees = _DEGREE_MINOR if _SOURCE_MINOR[chord] else _DEGREE_MAJOR
        rel = note.pitch - _root_ref(root)
        interval = rel % 12
        next_offset = note.pitch - _root_ref(next_root)
        next_offset -= 12 * round(next_offset / 12)
        chord_tones = (0, 3 if _SOURCE_MINOR[chord] else 4, 7)
        last_beat = step >= steps_per_bar - STEPS_PER_QUARTER
        if last_beat and interval not in chord_tones and 0 < abs(next_offset) <= 2:
            key = (bar, step, "n", str(next_offset), 0)
        else:
            key = (bar, step, "c", degrees[interval], (rel - interval) // 12)
        dur = max(1, round(note.duration * STEPS_PER_QUARTER / tpq))
        bass_hits[key].append((dur, note.velocity))

    comp_hits: dict[tuple, list[tuple[int, int]]] = defaultdict(list)
    last_onset = -tpq
    for note in sorted(_comp_track_notes(score), key=lambda n: n.time):
        if note.time - last_onset < tpq // 8:  # a strummed chord's later strings: same hit
            continue
        last_onset = note.time
        file_bar, bar, step = where(note.time)
        if file_bar >= reps * size:
            continue
        dur = max(1, round(note.duration * STEPS_PER_QUARTER / tpq))
        comp_hits[(bar, step)].append((dur, note.velocity))

    drums = sorted((b, s, p, int(median(drum_hits[(b, s, p)])))
                   for b, s, p in _majority(drum_hits, reps))
    bass = sorted((b, s, int(median(d for d, _ in bass_hits[k])), ref, deg, octv,
                   int(median(v for _, v in bass_hits[k])))
                  for k in _majority(bass_hits, reps) for b, s, ref, deg, octv in [k])
    # Keep one bass note per step (majority may keep two alternatives at one onset).
    bass = list({(b[0], b[1]): b for b in bass}.values())
    comp = sorted((b, s, int(median(d for d, _ in comp_hits[(b, s)])),
                   int(median(v for _, v in comp_hits[(b, s)])))
                  for b, s in _majority(comp_hits, reps))
    if not drums and not bass:
        return None
    return Groove(row["groove"], Path(row["lib_file"]).stem, row["genre_family"], row["variant"],
                  (num, den), size, tuple(drums), tuple(bass), tuple(comp))


def build_table(data_dir: Path, out_path: Path = TABLE_PATH) -> dict:
    """Distil the groove table from the rendered MMA data and write it as compact JSON."""
    manifest = data_dir / "manifest.csv"
    if not manifest.is_file():
        raise MuseforgeError(f"{manifest} not found; pass --data pointing at the mma-grooves folder")
    grooves = []
    with manifest.open(newline="") as fh:
        for row in csv.DictReader(fh):
            stem = Path(row["lib_file"]).stem
            if (row["library"] != "stdlib" or row["status"] != "ok" or stem not in LIB_FILES
                    or row["variant"] not in _VARIANTS):
                continue
            groove = extract_groove(data_dir / row["path"], row)
            if groove is not None:
                grooves.append(groove)
    table = {
        "format": 1,
        "steps_per_quarter": STEPS_PER_QUARTER,
        "license": "GPL-2.0-or-later",
        "attribution": "MMA (Musical MIDI Accompaniment) 21.09 groove library, stdlib, "
                       "Copyright 2003-2021 Bob van der Poel et al.",
        "grooves": [
            {"name": g.name, "lib_file": g.lib_file, "family": g.family, "variant": g.variant,
             "time_signature": list(g.time_signature), "bars": g.bars, "drums": g.drums,
             "bass": g.bass, "comp": g.comp}
            for g in grooves
        ],
    }
    out_path.parent.mkdir(parents=True, exist_ok=True)
    out_path.write_text(json.dumps(table, separators=(",", ":")))
    return table


# --------------------------------------------------------------------------------------------
# Loading and choosing (run time; needs only the shipped JSON)

_TABLE: tuple[Groove, ...] | None = None


def load_grooves(path: Path = TABLE_PATH) -> tuple[Groove, ...]:
    """Load the shipped groove table (cached after the first call)."""
    global _TABLE
    if _TABLE is not None and path == TABLE_PATH:
        return _TABLE
    if not path.is_file():
        raise MuseforgeError(f"groove table {path} is missing; rebuild it with "
                             "`python -m museforge.music.grooves build --data <mma-grooves>`")
    raw = json.loads(path.read_text())
    grooves = tuple(
        Groove(g["name"], g["lib_file"], g["family"], g["variant"], tuple(g["time_signature"]),
               g["bars"], tuple(tuple(x) for x in g["drums"]), tuple(tuple(x) for x in g["bass"]),
               tuple(tuple(x) for x in g["comp"]))
        for g in raw["grooves"])
    if path == TABLE_PATH:
        _TABLE = grooves
    return grooves


def _bar_quarters(time_signature: tuple[int, int]) -> float:
    return time_signature[0] * 4 / time_signature[1]


def choose_groove(lib_files: tuple[str, ...], time_signature: tuple[int, int], tempo_bpm: float,
                  rng: np.random.Generator, *, hits_per_s: float = 7.0) -> Groove:
    """Pick a main groove for a style's library files, the meter and the tempo.

    A groove in the same meter wins (from the style's files, else from any file), then one with
    the same bar length, then a 4/4 one (its beats re-laid by :func:`groove_bar`). Among those, the ones whose drum density
    at ``tempo_bpm`` is closest to ``hits_per_s`` win (busy grooves for slow tempos, sparse ones
    for fast); the seed picks among the best three.
    """
    table = [g for g in load_grooves() if g.variant in ("main", "walk")]
    preferred = [g for g in table if g.lib_file in lib_files]
    bar_q = _bar_quarters(time_signature)
    found: list[Groove] = []
    for match in (lambda g: g.time_signature == tuple(time_signature),
                  lambda g: _bar_quarters(g.time_signature) == bar_q,
                  lambda g: g.time_signature == (4, 4)):
        for pool in (preferred, table):  # the meter's feel matters more than the style's name
            found = [g for g in pool if match(g)]
            if found:
                break
        if found:
            break
    quarter_s = 60.0 / tempo_bpm

    def misfit(g: Groove) -> float:
        rate = max(g.drum_hits_per_quarter, 0.25) / quarter_s
        return abs(math.log(rate / hits_per_s))

    found.sort(key=lambda g: (misfit(g), g.name))
    return found[int(rng.integers(min(3, len(found))))]


def companion(groove: Groove, variant: str) -> Groove | None:
    """The intro/ending/fill groove from the same library file and meter, if there is one."""
    for g in load_grooves():
        if (g.lib_file == groove.lib_file and g.variant == variant
                and g.time_signature == groove.time_signature):
            return g
    return None


def groove_bar(groove: Groove, index: int, steps_per_bar: int) -> tuple[list, list, list]:
    """Drums, bass and comp events of pattern bar ``index`` laid over a bar of ``steps_per_bar``.

    A bar of another length is filled beat by beat from the pattern (a 5/4 bar repeats the 4/4
    pattern's first beat at the end; a 2/4 bar takes its first half), so any meter gets a groove.
    """
    bar = index % groove.bars
    src = groove.steps_per_bar
    out = []
    for events in (groove.drums, groove.bass, groove.comp):
        mine = [e for e in events if e[0] == bar]
        laid = []
        for offset in range(0, steps_per_bar, src):
            laid += [(e[1] + offset,) + tuple(e[2:]) for e in mine if e[1] + offset < steps_per_bar]
        out.append(laid)
    return out[0], out[1], out[2]


def _main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m museforge.music.grooves")
    sub = parser.add_subparsers(dest="command", required=True)
    build = sub.add_parser("build", help="distil the groove table from rendered MMA grooves")
    build.add_argument("--data", type=Path, required=True, help="the mma-grooves folder")
    build.add_argument("--out", type=Path, default=TABLE_PATH)
    args = parser.parse_args(argv)
    try:
        table = build_table(args.data, args.out)
    except MuseforgeError as exc:
        parser.exit(2, f"error: {exc}\n")
    size_kb = args.out.stat().st_size / 1024
    print(f"wrote {len(table['grooves'])} grooves to {args.out} ({size_kb:.0f} KiB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(_main())
