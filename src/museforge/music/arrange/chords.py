"""Chord symbols: parsing, pitch classes, and guessing chords per bar from a Score's own notes."""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from museforge.errors import MuseforgeError

_NOTE_PC = {"C": 0, "D": 2, "E": 4, "F": 5, "G": 7, "A": 9, "B": 11}
_PC_NAME = ("C", "Db", "D", "Eb", "E", "F", "F#", "G", "Ab", "A", "Bb", "B")

# quality -> semitones above the root. Aliases map onto these names.
QUALITIES: dict[str, tuple[int, ...]] = {
    "maj": (0, 4, 7), "min": (0, 3, 7), "7": (0, 4, 7, 10), "maj7": (0, 4, 7, 11),
    "m7": (0, 3, 7, 10), "dim": (0, 3, 6), "dim7": (0, 3, 6, 9), "m7b5": (0, 3, 6, 10),
    "aug": (0, 4, 8), "sus2": (0, 2, 7), "sus4": (0, 5, 7), "7sus4": (0, 5, 7, 10),
    "6": (0, 4, 7, 9), "m6": (0, 3, 7, 9), "9": (0, 4, 7, 10, 14), "add9": (0, 4, 7, 14),
    "mmaj7": (0, 3, 7, 11), "5": (0, 7),
}
_ALIASES = {
    "": "maj", "M": "maj", "major": "maj", "m": "min", "-": "min", "minor": "min",
    "M7": "maj7", "Δ": "maj7", "Δ7": "maj7", "-7": "m7", "min7": "m7", "o": "dim", "°": "dim",
    "o7": "dim7", "°7": "dim7", "ø": "m7b5", "ø7": "m7b5", "+": "aug", "sus": "sus4",
    "dom7": "7", "min6": "m6", "m9": "m7", "maj9": "maj7", "mM7": "mmaj7", "7sus": "7sus4",
}
_SYMBOL = re.compile(r"^([A-Ga-g])([#b♯♭]?)([^/]*)(?:/([A-Ga-g])([#b♯♭]?))?$")
# Scales (semitones) for non-chord bass degrees, by quality family.
_MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
_MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10)


def _pc(letter: str, accidental: str) -> int:
    shift = {"#": 1, "♯": 1, "b": -1, "♭": -1}.get(accidental, 0)
    return (_NOTE_PC[letter.upper()] + shift) % 12


@dataclass(frozen=True)
class Chord:
    """A parsed chord symbol.

    Attributes:
        symbol: The symbol as written, e.g. ``"G7/B"``.
        root: Root pitch class (0 = C).
        quality: Canonical quality name (a key of :data:`QUALITIES`).
        bass: Pitch class of the lowest note (the root unless a slash bass is given).
    """

    symbol: str
    root: int
    quality: str
    bass: int

    @property
    def intervals(self) -> tuple[int, ...]:
        return QUALITIES[self.quality]

    @property
    def pitch_classes(self) -> frozenset[int]:
        return frozenset({(self.root + i) % 12 for i in self.intervals} | {self.bass})

    @property
    def is_minor(self) -> bool:
        return 3 in self.intervals and 4 not in self.intervals

    def degree_interval(self, degree: str) -> int:
        """Semitones above the root for a scale degree (``"1"``, ``"3"``, ``"b6"``...) of this chord.

        Chord tones (1, 3, 5, 7) follow the chord (a minor chord's 3 is a minor third, a dim
        chord's 5 is diminished); other degrees come from a major or minor scale on the root.
        """
        iv = self.intervals
        third = next((i for i in iv if i in (3, 4)), next((i for i in iv if i in (2, 5)), 4))
        fifth = next((i for i in iv if i in (6, 7, 8)), 7)
        seventh = next((i for i in iv if i in (9, 10, 11)), None)
        base = degree.lstrip("b#")
        shift = degree.count("#") - degree.count("b")
        if base == "1":
            return 0
        if base == "3" and shift == 0:
            return third
        if base == "5" and shift == 0:
            return fifth
        if base == "7" and shift == 0 and seventh is not None:
            return seventh
        scale = _MINOR_SCALE if self.is_minor else _MAJOR_SCALE
        step = (int(base) - 1) % 7
        return (scale[step] + shift) % 12


def parse_chord(symbol: str) -> Chord:
    """Parse a chord symbol such as ``C``, ``Am``, ``F#m7``, ``Bbmaj7``, ``G7/B``, ``Dsus4``."""
    text = symbol.strip() if isinstance(symbol, str) else ""
    match = _SYMBOL.match(text)
    quality = None
    if match:
        raw = match.group(3)
        quality = raw if raw in QUALITIES else _ALIASES.get(raw)
    if quality is None:
        raise MuseforgeError(
            f"cannot read chord symbol {symbol!r}; write root (A-G, optional # or b), a quality "
            f"({', '.join(q for q in QUALITIES if q != 'maj')}, or none for major) and an "
            "optional slash bass, e.g. C, Am, F#m7, Bbmaj7, G7/B")
    root = _pc(match.group(1), match.group(2))
    bass = _pc(match.group(4), match.group(5)) if match.group(4) else root
    return Chord(text, root, quality, bass)


def parse_bars(bars: list[str] | tuple[str, ...]) -> list[list[Chord]]:
    """Parse chords per bar; a bar may hold several symbols separated by spaces (equal split)."""
    out = []
    for i, bar in enumerate(bars):
        symbols = bar.split() if isinstance(bar, str) else []
        if not symbols:
            raise MuseforgeError(f"bar {i + 1} has no chord symbol (got {bar!r}); give one or more "
                                 "symbols per bar, e.g. 'C' or 'C G7'")
        out.append([parse_chord(s) for s in symbols])
    return out


def chord_name(root: int, quality: str) -> str:
    """A symbol for a root pitch class and quality, e.g. (9, "min") -> "Am"."""
    suffix = {"maj": "", "min": "m"}.get(quality, quality)
    return _PC_NAME[root % 12] + suffix


# Templates for guessing: triads and common sevenths; a small bias favours simpler chords.
_GUESS_QUALITIES = ("maj", "min", "7", "maj7", "m7", "dim", "aug", "sus4")
_GUESS_BIAS = {"maj": 0.04, "min": 0.04, "7": 0.0, "dim": -0.02, "aug": -0.04, "sus4": -0.03,
               "maj7": -0.01, "m7": -0.01}


def _templates() -> tuple[np.ndarray, list[tuple[int, str]]]:
    rows, labels = [], []
    for quality in _GUESS_QUALITIES:
        for root in range(12):
            row = np.zeros(12)
            for k, iv in enumerate(QUALITIES[quality]):
                row[(root + iv) % 12] = 1.5 if k == 0 else 1.0  # the root weighs a little more
            rows.append(row / np.linalg.norm(row))
            labels.append((root, quality))
    return np.array(rows), labels


_TEMPLATES, _LABELS = _templates()


def guess_chords(score, n_bars: int, bar_ticks: int, *, exclude_drums: bool = True) -> list[str]:
    """Guess one chord symbol per bar from all pitched notes (duration-weighted template matching).

    The lowest sounding notes weigh double (they usually carry the root). A bar with no notes
    repeats the previous chord (or C for a silent start).

    Args:
        score: A symusic Score in ticks.
        n_bars: Number of bars to label.
        bar_ticks: Length of one bar in ticks.
    """
    hist = np.zeros((n_bars, 12))
    for track in score.tracks:
        if exclude_drums and track.is_drum:
            continue
        for note in track.notes:
            start, end = note.time, note.time + max(1, note.duration)
            first, last = start // bar_ticks, min(n_bars - 1, (end - 1) // bar_ticks)
            for bar in range(first, last + 1):
                overlap = min(end, (bar + 1) * bar_ticks) - max(start, bar * bar_ticks)
                weight = overlap / bar_ticks * (2.0 if note.pitch < 55 else 1.0)
                if 0 <= bar < n_bars:
                    hist[bar, note.pitch % 12] += weight
    symbols: list[str] = []
    for bar in range(n_bars):
        best = chord_from_histogram(hist[bar])
        if best is None:
            symbols.append(symbols[-1] if symbols else "C")
        else:
            symbols.append(chord_name(*best))
    return symbols


_BIAS = np.array([_GUESS_BIAS[q] for _, q in _LABELS])


def chord_from_histogram(hist: np.ndarray) -> tuple[int, str] | None:
    """Best (root pitch class, quality) for a 12-bin pitch-class weight vector; None if silent."""
    norm = float(np.linalg.norm(hist))
    if norm == 0:
        return None
    scores = _TEMPLATES @ (np.asarray(hist, dtype=float) / norm) + _BIAS
    return _LABELS[int(np.argmax(scores))]
