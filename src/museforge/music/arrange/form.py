"""The section plan: intro, body phrases at rising/falling intensity, outro."""

from __future__ import annotations

from dataclasses import dataclass

from museforge.errors import MuseforgeError

LEVEL_NAMES = {0: "intro", 1: "verse", 2: "build", 3: "full"}
# Velocity factor per intensity level: the same part plays louder as the piece fills out.
LEVEL_GAIN = {0: 0.8, 1: 0.88, 2: 0.96, 3: 1.04}


@dataclass(frozen=True)
class Section:
    """A stretch of bars at one intensity.

    Attributes:
        name: ``intro``, ``verse``, ``build``, ``full``, ``breakdown`` or ``outro``.
        start_bar: First bar (0-based) in the arranged piece.
        n_bars: Length in bars.
        intensity: 0 (intro) to 3 (everything playing).
        parts: Names of the tracks that play in this section.
        material_bar: Bar of the source material the section starts on (-1 for intro/outro,
            which borrow the material's harmony but carry no melody).
    """

    name: str
    start_bar: int
    n_bars: int
    intensity: int
    parts: tuple[str, ...]
    material_bar: int


def _phrase_bars(n_bars: int) -> int:
    if n_bars <= 8:  # a short theme: each pass over it is one section
        return n_bars
    for size in (8, 4):
        if n_bars >= 2 * size and n_bars % size == 0:
            return size
    return 4 if n_bars >= 8 else n_bars


def _levels(k: int) -> list[tuple[str, int]]:
    """Name and intensity for each of ``k`` body phrases: build up, breathe, end full."""
    if k == 1:
        return [("full", 3)]
    if k == 2:
        return [("verse", 1), ("full", 3)]
    if k == 3:
        return [("verse", 1), ("build", 2), ("full", 3)]
    out = [("verse", 1), ("build", 2)]
    for i in range(2, k - 1):
        out.append(("full", 3) if i % 2 == 0 else ("build", 2))
    out.append(("full", 3))
    if k >= 6:  # a breakdown about two thirds in gives the last full section somewhere to go
        out[round(k * 0.6)] = ("breakdown", 1)
    return out


def plan_sections(n_bars: int, *, repeats: int, intro_bars: int, outro_bars: int,
                  parts_by_level: dict[int, tuple[str, ...]]) -> list[Section]:
    """Lay out the sections of a piece built from ``repeats`` passes over ``n_bars`` of material.

    Args:
        n_bars: Bars of source material.
        repeats: How many times the material is played (each pass may differ in intensity).
        intro_bars: Extra bars before the melody enters (0 = none).
        outro_bars: Extra bars after the melody ends (0 = none).
        parts_by_level: Track names playing at each intensity level.
    """
    if isinstance(repeats, bool) or not isinstance(repeats, int) or not 1 <= repeats <= 64:
        raise MuseforgeError(f"repeats must be a whole number in [1, 64], got {repeats!r}")
    for name, value in (("intro_bars", intro_bars), ("outro_bars", outro_bars)):
        if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 32:
            raise MuseforgeError(f"{name} must be a whole number in [0, 32], got {value!r}")
    sections: list[Section] = []
    if intro_bars:
        sections.append(Section("intro", 0, intro_bars, 0, parts_by_level[0], -1))
    phrase = _phrase_bars(n_bars)
    spans = []  # (start in body, length, material bar)
    for r in range(repeats):
        start = 0
        while start < n_bars:
            length = min(phrase, n_bars - start)
            if n_bars - (start + length) < phrase // 2:  # fold a short tail into this phrase
                length = n_bars - start
            spans.append((r * n_bars + start, length, start))
            start += length
    for (offset, length, mbar), (name, level) in zip(spans, _levels(len(spans))):
        prev = sections[-1] if sections else None
        if prev and prev.intensity == level and prev.name == name:  # merge equal neighbours
            sections[-1] = Section(name, prev.start_bar, prev.n_bars + length, level, prev.parts,
                                   prev.material_bar)
            continue
        sections.append(Section(name, intro_bars + offset, length, level, parts_by_level[level],
                                mbar))
    if outro_bars:
        sections.append(Section("outro", intro_bars + repeats * n_bars, outro_bars, 1,
                                tuple(p for p in parts_by_level[1]
                                      if p not in parts_by_level.get(-1, ())), -1))
    return sections
