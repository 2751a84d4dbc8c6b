"""Arrangement by style: melody + chords -> a full multi-instrument symusic Score.

>>> from museforge.music.arrange import Material, arrange
>>> result = arrange(Material(score, chords=["C", "Am", "F", "G7"]), "pop", seed=1, repeats=4,
...                  intro_bars=2, outro_bars=2)
>>> result.score, result.sections
"""

from __future__ import annotations

import math

from museforge.music.arrange.chords import Chord, guess_chords, parse_chord
from museforge.music.arrange.core import Arrangement, arrange
from museforge.music.arrange.form import Section
from museforge.music.arrange.material import Material
from museforge.music.arrange.styles import STYLES, Part, Style


def chords_from_score(score, time_signature: tuple[int, int] | None = None) -> list[str]:
    """Guess one chord symbol per bar from a Score's own pitched notes (template matching).

    Args:
        score: A symusic Score in ticks.
        time_signature: Meter; None: the Score's first time signature, else 4/4.
    """
    if time_signature is None:
        ts = score.time_signatures
        time_signature = (ts[0].numerator, ts[0].denominator) if len(ts) else (4, 4)
    bar_ticks = score.ticks_per_quarter * 4 * time_signature[0] // time_signature[1]
    n_bars = max(1, math.ceil(score.end() / bar_ticks))
    return guess_chords(score, n_bars, bar_ticks)


__all__ = ["Arrangement", "Chord", "Material", "Part", "STYLES", "Section", "Style", "arrange",
           "chords_from_score", "guess_chords", "parse_chord"]
