"""What arrangement starts from: a melody in a Score, chords per bar, tempo, meter and key."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

import numpy as np

from museforge.errors import MuseforgeError
from museforge.music.arrange.chords import Chord, guess_chords, parse_bars

_KEY = re.compile(r"^([A-G])([#b]?)(m|min|minor)?$")
_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_MAJOR_NAMES = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")
# Krumhansl-Kessler key profiles (major, minor), for guessing a key from pitch-class durations.
_KK_MAJOR = np.array([6.35, 2.23, 3.48, 2.33, 4.38, 4.09, 2.52, 5.19, 2.39, 3.66, 2.29, 2.88])
_KK_MINOR = np.array([6.33, 2.68, 3.52, 5.38, 2.60, 3.53, 2.54, 4.75, 3.98, 2.69, 3.34, 3.17])


@dataclass(frozen=True)
class Material:
    """Composed material to arrange.

    Attributes:
        score: A symusic Score (tick time) holding at least the melody track.
        chords: One entry per bar, e.g. ``("C", "Am", "F", "G7")``; an entry may hold several
            symbols separated by spaces (``"C G7"`` splits the bar evenly). None: guessed from the
            Score's own notes.
        melody_track: Index of the melody track. None: the track named like "melody", else the
            first pitched track with notes.
        tempo_bpm: Quarter notes per minute. None: the Score's first tempo, else 120.
        time_signature: (numerator, denominator). None: the Score's first, else (4, 4).
        key: e.g. ``"C"``, ``"F#"``, ``"Am"``. None: the Score's first key signature, else guessed
            from the melody and chords.
        n_bars: Length in bars. None: the melody's last note end rounded up to whole bars (or
            the number of chord bars when chords are given).
    """

    score: object
    chords: tuple[str, ...] | list[str] | None = None
    melody_track: int | None = None
    tempo_bpm: float | None = None
    time_signature: tuple[int, int] | None = None
    key: str | None = None
    n_bars: int | None = None


@dataclass(frozen=True)
class Prepared:
    """Material checked and resolved into the numbers arrangement needs."""

    tpq: int
    bar_ticks: int
    n_bars: int
    melody: list  # symusic notes, tick time
    melody_name: str
    chords: list[list[Chord]]  # per bar
    chord_symbols: tuple[str, ...]
    tempo_bpm: float
    time_signature: tuple[int, int]
    key_tonic: int  # pitch class
    key_minor: bool

    @property
    def beat_ticks(self) -> int:
        """One counted beat: a quarter in x/4, a dotted quarter in compound x/8 (6/8, 9/8, 12/8)."""
        num, den = self.time_signature
        if den == 8 and num % 3 == 0 and num > 3:
            return self.tpq * 3 // 2
        return self.tpq * 4 // den

    def chord_at(self, tick: int) -> Chord:
        """The chord sounding at ``tick`` (bars cycle, so intros/outros can borrow harmony)."""
        bar, offset = divmod(tick, self.bar_ticks)
        chords = self.chords[bar % self.n_bars]
        return chords[min(len(chords) - 1, offset * len(chords) // self.bar_ticks)]


def parse_key(key: str) -> tuple[int, bool]:
    """``"Am"`` -> (9, True); raise listing the accepted form."""
    match = _KEY.match(key.strip()) if isinstance(key, str) else None
    if not match:
        raise MuseforgeError(f"cannot read key {key!r}; write a tonic A-G with optional # or b and "
                             "'m' for minor, e.g. C, F#, Bb, Am, C#m")
    pc = (_PC[match.group(1)] + {"#": 1, "b": -1}.get(match.group(2), 0)) % 12
    return pc, bool(match.group(3))


def key_name(tonic: int, minor: bool) -> str:
    return _MAJOR_NAMES[tonic % 12] + ("m" if minor else "")


def key_sharps(tonic: int, minor: bool) -> int:
    """Sharps (+) or flats (-) of the key signature, as MIDI key-signature events want."""
    major = (tonic + 3) % 12 if minor else tonic
    sharps = (major * 7) % 12  # circle of fifths position
    return sharps - 12 if sharps > 6 else sharps


def guess_key(melody: list, chords: list[list[Chord]]) -> tuple[int, bool]:
    """Krumhansl-Kessler key finding over melody durations plus chord tones."""
    hist = np.zeros(12)
    for note in melody:
        hist[note.pitch % 12] += note.duration
    total = hist.sum() or 1.0
    for bar in chords:
        for chord in bar:
            for pc in chord.pitch_classes:
                hist[pc] += 0.5 * total / max(1, len(chords))
    best, best_r = (0, False), -2.0
    for tonic in range(12):
        for minor, profile in ((False, _KK_MAJOR), (True, _KK_MINOR)):
            r = np.corrcoef(hist, np.roll(profile, tonic))[0, 1]
            if r > best_r:
                best, best_r = (tonic, minor), r
    return best


def _pick_melody(score, index: int | None) -> int:
    tracks = list(score.tracks)
    if index is not None:
        if not isinstance(index, int) or not 0 <= index < len(tracks):
            raise MuseforgeError(f"melody_track must be a track index in [0, {len(tracks) - 1}], "
                                 f"got {index!r}")
        return index
    for i, track in enumerate(tracks):
        if "melody" in track.name.lower() and len(track.notes):
            return i
    for i, track in enumerate(tracks):
        if not track.is_drum and len(track.notes):
            return i
    raise MuseforgeError("the Score has no melody: give a Score with at least one pitched track "
                         "holding notes")


def prepare(material: Material) -> Prepared:
    """Check ``material`` and resolve defaults (chords, tempo, meter, key, length)."""
    score = material.score
    if not hasattr(score, "tracks") or not hasattr(score, "ticks_per_quarter"):
        raise MuseforgeError("Material.score must be a symusic Score")
    if len(score.tracks) == 0:
        raise MuseforgeError("the Score has no tracks; give a Score with a melody track")
    if "Tick" not in str(getattr(score, "ttype", "Tick")):  # quarter/second scores: to ticks
        score = score.to("tick")
    index = _pick_melody(score, material.melody_track)
    track = score.tracks[index]
    melody = sorted((n for n in track.notes), key=lambda n: (n.time, n.pitch))
    if not melody or track.is_drum:
        raise MuseforgeError(f"melody track {index} ({track.name!r}) is empty or a drum track; the "
                             "melody needs at least one pitched note")
    tpq = int(score.ticks_per_quarter)

    ts = material.time_signature
    if ts is None:
        ts = ((score.time_signatures[0].numerator, score.time_signatures[0].denominator)
              if len(score.time_signatures) else (4, 4))
    if (len(ts) != 2 or not all(isinstance(x, int) for x in ts) or not 1 <= ts[0] <= 16
            or ts[1] not in (2, 4, 8, 16)):
        raise MuseforgeError(f"time_signature must be (numerator 1-16, denominator 2/4/8/16), "
                             f"got {ts!r}")
    bar_ticks = tpq * 4 * ts[0] // ts[1]

    tempo = material.tempo_bpm
    if tempo is None:
        tempo = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    if isinstance(tempo, bool) or not isinstance(tempo, (int, float)) or not 20 <= tempo <= 300:
        raise MuseforgeError(f"tempo_bpm must be in [20, 300], got {tempo!r}")

    end = max(n.time + n.duration for n in melody)
    melody_bars = max(1, math.ceil(end / bar_ticks))
    n_bars = material.n_bars
    if material.chords is not None:
        if isinstance(material.chords, str):
            raise MuseforgeError("chords must be a list with one entry per bar, e.g. "
                                 "['C', 'Am', 'F', 'G7'], not one string")
        chords = parse_bars(list(material.chords))
        if n_bars is None:
            n_bars = len(chords)
        if len(chords) != n_bars or n_bars < melody_bars:
            raise MuseforgeError(
                f"got {len(chords)} bars of chords for {max(n_bars, melody_bars)} bars of melody "
                f"({ts[0]}/{ts[1]}); give exactly one entry per bar (several chords in a bar "
                "separated by spaces)")
    else:
        n_bars = melody_bars if n_bars is None else n_bars
        if n_bars < melody_bars:
            raise MuseforgeError(f"n_bars={n_bars} is shorter than the melody ({melody_bars} bars)")
        chords = parse_bars(guess_chords(score, n_bars, bar_ticks))
    if not 1 <= n_bars <= 1024:
        raise MuseforgeError(f"n_bars must be in [1, 1024], got {n_bars}")

    if material.key is not None:
        tonic, minor = parse_key(material.key)
    elif len(score.key_signatures):
        ks = score.key_signatures[0]
        minor = bool(ks.tonality)
        tonic = ((ks.key * 7) % 12 + (9 if minor else 0)) % 12
    else:
        tonic, minor = guess_key(melody, chords)
    symbols = tuple(" ".join(c.symbol for c in bar) for bar in chords)
    return Prepared(tpq, bar_ticks, n_bars, melody, track.name or "Melody", chords, symbols,
                    float(tempo), (int(ts[0]), int(ts[1])), tonic, minor)
