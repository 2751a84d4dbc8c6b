"""A drum part for a composed piece, from the MMA groove table rather than from the composer.

The composer's corpus (music21's folk tunes, chorales and polyphony, POP909's piano arrangements)
holds no drum part at all, so the model has never seen a ``Program_-1`` note: asked for drums it
writes noise or nothing. The arranger's groove table (``weights/grooves``, distilled from MMA's
hand-written library) holds real drum patterns by genre, meter and feel; :func:`groove_drums`
picks one for the piece's style, meter, tempo and density (seeded) and lays it over the composed
bars: the main pattern, MMA's fill in the bar before the last when the library has one, and a
crash with the kick on the held final chord. The table is GPL-2.0-or-later data, so the part's
record (``record["drums"]``, ``record["credits"]``) names the groove, its licence and its authors.
"""

from __future__ import annotations

import numpy as np
from symusic import Note, Track

from museforge.music.grammar import POSITIONS_PER_BEAT
from museforge.music.grooves import STEPS_PER_QUARTER, Groove, choose_groove, companion, groove_bar

GROOVE_LICENSE = "GPL-2.0-or-later"
GROOVE_CREDIT = ("drum patterns from the MMA groove library (stdlib), Bob van der Poel et al., "
                 "GPL-2.0-or-later")
# Styles whose arrangement template has no grooves (chorales, ambient) still get a plain one.
PLAIN_LIB_FILES = ("ballad", "hymn", "waltz", "68march", "folkballad")
# Drum hits per second the groove is chosen for, by requested density (the arranger uses ~6-8).
HITS_PER_S = {"sparse": 4.5, "medium": 7.0, "dense": 10.0}
CRASH, KICK = 49, 36
DRUM_RANGE = (35, 81)  # GM percussion keys the arranger also writes


def lib_files_for(style: str) -> tuple[str, ...]:
    """MMA library files for a composer style: those of the arrangement template it maps to."""
    from museforge.controls import STYLE_MAP
    from museforge.music.arrange.styles import STYLES

    for composer_style, template in STYLE_MAP.values():
        if composer_style == style and STYLES[template].lib_files:
            return STYLES[template].lib_files
    return PLAIN_LIB_FILES


def groove_drums(style: str, time_signature: tuple[int, int], tempo_bpm: float, n_bars: int, tpq: int, *,
                 seed: int, density: str | None = None, velocity_target: int | None = None,
                 cadence: bool = True, final_from: int = 0) -> tuple[Track, dict]:
    """(drum Track, record) for bars 1..n_bars of a composed piece.

    Args:
        style: The composer style (``request.style``).
        time_signature: (numerator, denominator).
        tempo_bpm: The piece's tempo (picks a groove of a fitting drum density).
        n_bars: Bars of the piece.
        tpq: Ticks per quarter note of the Score the track goes into.
        seed: Picks among the best-fitting grooves.
        density: The request's density (sparser or busier grooves), None = medium.
        velocity_target: The mood's loudness (MIDI velocity); the groove's own velocities are scaled
            by it over 90 (the arranger's reference level).
        cadence: The piece ends on a held chord: the last bar gets a crash and kick where it starts.
        final_from: Grammar position (1/8 beat) of the held chord in the last bar (0 = the downbeat);
            the groove plays before it.
    """
    rng = np.random.default_rng(seed)
    main = choose_groove(lib_files_for(style), time_signature, tempo_bpm, rng,
                         hits_per_s=HITS_PER_S.get(density or "medium", 7.0))
    fill = companion(main, "fill") if n_bars >= 4 else None
    num, den = time_signature
    bar_ticks = num * 4 * tpq // den
    steps_per_bar = num * 4 * STEPS_PER_QUARTER // den
    step_ticks = tpq / STEPS_PER_QUARTER
    gain = (velocity_target or 90) / 90.0
    held_step = final_from * steps_per_bar // (num * POSITIONS_PER_BEAT)
    track = Track(name="Drums", program=0, is_drum=True)
    for bar in range(n_bars):
        groove: Groove = fill if fill is not None and bar == n_bars - 2 and cadence else main
        hits = groove_bar(groove, 0 if groove is fill else bar, steps_per_bar)[0]
        if cadence and bar == n_bars - 1:  # the held final chord: the groove until it, then crash + kick
            hits = [h for h in hits if h[0] < held_step] + [(held_step, CRASH, 100), (held_step, KICK, 100)]
        seen = set()
        for step, pitch, velocity in hits:
            if (step, pitch) in seen or not DRUM_RANGE[0] <= pitch <= DRUM_RANGE[1]:
                continue
            seen.add((step, pitch))
            start = bar * bar_ticks + round(step * step_ticks)
            track.notes.append(Note(start, max(1, tpq // 8), pitch, int(min(127, max(1, round(velocity * gain))))))
    track.notes.sort(key=lambda n: (n.time, n.pitch))
    record = {"source": "groove table (museforge/weights/grooves, distilled from MMA)", "groove": main.name,
              "lib_file": main.lib_file, "fill": fill.name if fill is not None else None,
              "license": GROOVE_LICENSE, "credit": GROOVE_CREDIT}
    return track, record
