"""Seamless loops: an exact whole number of bars that wraps with no gap, click or level jump.

How: the loop's notes are played ``k + 2`` times back to back, where the first ``k >= 1`` passes
cover the release/reverb tail. The run is rendered, mixed and mastered up to a little past pass
``k``, and pass ``k`` is kept. That period is what an endless loop sounds like in steady state:
the tails of the passes before it are folded onto its beginning (sample-exactly, by the synth and
reverb themselves), and the compressors, reverb and limiter enter it primed by the same material
that precedes it on every wrap. The start of the next pass is rendered too, so the limiter's
lookahead at the end sees what really follows the wrap rather than silence.
"""

from __future__ import annotations

import math
from dataclasses import replace
from pathlib import Path

import numpy as np

from museforge.audio import Audio, LoopPoints
from museforge.errors import MuseforgeError, check_range
from museforge.render import mix as mixing
from museforge.render.pipeline import Rendered, check_output_format
from museforge.render.soundfont import DEFAULT_TAIL_S, check_soundfont, render_stems

MAX_LOOP_BARS = 512
LOOKAHEAD_MARGIN_S = 0.25  # of the pass after the kept one: covers the limiter's 5 ms lookahead


def bar_seconds(tempo_bpm: float, beats_per_bar: int = 4, beat_unit: int = 4) -> float:
    """Length of one bar in seconds; ``tempo_bpm`` counts quarter notes per minute."""
    check_range("tempo_bpm", tempo_bpm, 20.0, 400.0, "BPM")
    return beats_per_bar * (4.0 / beat_unit) * 60.0 / float(tempo_bpm)


def bars_for_duration(duration_s: float, tempo_bpm: float, beats_per_bar: int = 4, beat_unit: int = 4) -> int:
    """The whole number of bars lasting ``duration_s``, or an error naming the nearest valid durations.

    A duration counts as whole bars when it is within 1 ms of one (file lengths are whole frames).
    """
    check_range("duration_s", duration_s, 0.001, 3600.0, "s")
    bar_s = bar_seconds(tempo_bpm, beats_per_bar, beat_unit)
    n_bars = duration_s / bar_s
    nearest = round(n_bars)
    if nearest >= 1 and abs(nearest * bar_s - duration_s) <= 1e-3:
        return int(nearest)
    options = sorted({max(1, math.floor(n_bars)), max(1, math.ceil(n_bars))})
    valid = " or ".join(f"{n * bar_s:.3f} s ({n} bar{'s' if n > 1 else ''})" for n in options)
    raise MuseforgeError(
        f"{duration_s} s is not a whole number of {beats_per_bar}/{beat_unit} bars at {tempo_bpm:g} BPM "
        f"(one bar = {bar_s:.3f} s); use {valid}, or change the tempo"
    )


def _meter_and_tempo(score) -> tuple[float, int, int]:
    tempos = {round(t.qpm, 6) for t in score.tempos}
    if len(tempos) > 1:
        raise MuseforgeError(f"loop mode needs one tempo; the score has {len(tempos)} tempos {sorted(tempos)}")
    meters = {(ts.numerator, ts.denominator) for ts in score.time_signatures}
    if len(meters) > 1:
        raise MuseforgeError(f"loop mode needs one time signature; the score has {sorted(meters)}")
    tempo_bpm = tempos.pop() if tempos else 120.0  # MIDI's default tempo and meter
    numerator, denominator = meters.pop() if meters else (4, 4)
    return tempo_bpm, numerator, denominator


def last_note_start_s(score) -> float:
    """Onset of the score's last note in seconds (0 for a score without notes)."""
    try:
        seconds = score.to("second")
    except Exception:
        raise MuseforgeError(f"expected a symusic Score, got {type(score).__name__}") from None
    return max((note.time for track in seconds.tracks for note in track.notes), default=0.0)


def _repeat_score(score, n_bars: int, n_passes: int, beats_per_bar: int, beat_unit: int):
    """The score's first ``n_bars`` (notes starting inside them) played ``n_passes`` times."""
    ticks = score.to("tick")
    bar_ticks = round(ticks.ticks_per_quarter * beats_per_bar * 4 / beat_unit)
    loop_ticks = n_bars * bar_ticks
    clipped = ticks.clip(0, loop_ticks, clip_end=False)
    repeated = clipped.copy()
    for track, source in zip(repeated.tracks, clipped.tracks):
        for index in range(1, n_passes):
            shifted = source.shift_time(index * loop_ticks)
            track.notes.extend(shifted.notes)
            track.controls.extend(shifted.controls)
            track.pitch_bends.extend(shifted.pitch_bends)
            track.pedals.extend(shifted.pedals)
        track.sort()
    return repeated


def render_loop(
    score,
    *,
    n_bars: int | None = None,
    duration_s: float | None = None,
    soundfont: str | Path | None = None,
    backend: str = "tinysoundfont",
    sample_rate: int = 44_100,
    n_channels: int = 2,
    loudness: str | float = "streaming",
    true_peak_dbtp: float = mixing.DEFAULT_TRUE_PEAK_DBTP,
    strips: dict[str, mixing.ChannelStrip] | None = None,
    roles: dict[str, str] | None = None,
    tail_s: float = DEFAULT_TAIL_S + 1.0,
) -> Rendered:
    """Render the first bars of a score as a seamless loop with loop points over the whole file.

    Give either ``n_bars`` or ``duration_s`` (which must be whole bars at the score's tempo);
    with neither, the loop covers every bar in which a note starts. The score must have one tempo
    and one time signature. Other arguments are as in :func:`museforge.render.pipeline.render`.

    Returns:
        A :class:`Rendered` whose audio is exactly ``n_bars`` bars long (rounded to the nearest
        frame) and carries ``LoopPoints(0, n_frames)``; stems cover the same period.
    """
    check_output_format(sample_rate, n_channels)
    target = mixing.loudness_target(loudness)
    check_range("tail_s", tail_s, 0.0, 60.0, "s")
    tempo_bpm, beats_per_bar, beat_unit = _meter_and_tempo(score)
    if n_bars is not None and duration_s is not None:
        raise MuseforgeError("give n_bars or duration_s for a loop, not both")
    if duration_s is not None:
        n_bars = bars_for_duration(duration_s, tempo_bpm, beats_per_bar, beat_unit)
    bar_s = bar_seconds(tempo_bpm, beats_per_bar, beat_unit)
    if n_bars is None:
        n_bars = int(last_note_start_s(score) // bar_s) + 1
    if isinstance(n_bars, bool) or not isinstance(n_bars, int) or not 1 <= n_bars <= MAX_LOOP_BARS:
        raise MuseforgeError(f"n_bars must be a whole number in [1, {MAX_LOOP_BARS}], got {n_bars!r}")
    loop_frames = round(n_bars * bar_s * sample_rate)
    # enough passes to hold the tail (at least one, to prime compressors), the kept one, the next
    keep = max(1, math.ceil(tail_s / (n_bars * bar_s)))
    n_passes = keep + 2
    next_frames = min(loop_frames, round(LOOKAHEAD_MARGIN_S * sample_rate))
    repeated = _repeat_score(score, n_bars, n_passes, beats_per_bar, beat_unit)
    font = check_soundfont(soundfont)
    # Pass p starts at p * loop_s in the repeated score; periods are cut at p * loop_frames, so the
    # kept one is exactly loop_frames long and its notes sit within a frame of their place.
    stems = render_stems(repeated, soundfont=font, backend=backend, sample_rate=sample_rate,
                         n_frames=(keep + 1) * loop_frames + next_frames)
    # Gain staging measured on the kept period so it matches what plays on every wrap.
    start, end = keep * loop_frames, (keep + 1) * loop_frames
    staging = {s.name: mixing.staging_gain_db(_cut(s.audio, start, end)) for s in stems}
    mixed = mixing.mix_stems(stems, strips=strips, roles=roles, n_channels=n_channels, staging_db=staging)
    loop = LoopPoints(0, loop_frames)
    kept = mixing.Mix({name: _cut(a, start, end, loop) for name, a in mixed.stems.items()}, mixed.roles,
                      _cut(mixed.mix, start, end, loop)).with_headroom()
    mastered = mixing.master(mixed.mix.gain(kept.headroom_gain_db), target_lufs=target,
                             true_peak_dbtp=true_peak_dbtp, region=(start, end))
    audio = Audio(mastered.audio.samples, sample_rate, loop)
    final = replace(mastered, audio=audio)
    return Rendered(audio, kept.stems, kept.mix, kept.roles, final, font, backend, kept.headroom_gain_db)


def _cut(audio: Audio, start: int, end: int, loop: LoopPoints | None = None) -> Audio:
    return Audio(np.ascontiguousarray(audio.samples[:, start:end]), audio.sample_rate, loop)
