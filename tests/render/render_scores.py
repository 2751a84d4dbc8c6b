"""Scores and measures for render tests, built in code with symusic (no files, no /work/shared).

Imported by the test modules next to it (pytest puts this folder on sys.path).
"""

from __future__ import annotations

import numpy as np
from symusic import Note, Score, Tempo, TimeSignature, Track


def band(n_bars: int = 4, tempo_bpm: float = 120.0, numerator: int = 4, denominator: int = 4) -> Score:
    """Keys, bass, lead and drums, one note per beat, every track in every bar."""
    score = Score(480)
    score.tempos.append(Tempo(0, qpm=tempo_bpm))
    score.time_signatures.append(TimeSignature(0, numerator, denominator))
    beat_ticks = 480 * 4 // denominator
    n_beats = n_bars * numerator
    parts = {"piano": (0, False, 60), "bass": (33, False, 36), "melody": (80, False, 72), "drums": (0, True, 36)}
    for name, (program, is_drum, root) in parts.items():
        track = Track(name=name, program=program, is_drum=is_drum)
        for beat in range(n_beats):
            pitch = (36 if beat % 2 == 0 else 42) if is_drum else root + (beat % 4) * 2
            track.notes.append(Note(beat * beat_ticks, beat_ticks - 60, pitch, 70 + 10 * (beat % 3)))
        score.tracks.append(track)
    return score


def pad_and_melody(tempo_bpm: float = 100.0) -> Score:
    """4 bars; every pad chord rings into the next bar, the last one past the loop end."""
    score = Score(480)
    score.tempos.append(Tempo(0, qpm=tempo_bpm))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    pad = Track(name="pad", program=89)
    for bar, root in enumerate([57, 53, 60, 55]):
        for pitch in (root, root + 4, root + 7):
            pad.notes.append(Note(bar * 1920, 2880, pitch, 80))
    melody = Track(name="melody", program=73)
    for index in range(16):
        melody.notes.append(Note(index * 480, 420, 72 + (index * 5) % 12, 90))
    score.tracks.extend([pad, melody])
    return score


def single_note(program: int = 0, pitch: int = 69, velocity: int = 100, start_tick: int = 480,
                duration_ticks: int = 480, is_drum: bool = False) -> Score:
    """One note; at 120 BPM and 480 tpq a tick is 1/960 s, so start_tick 480 is 0.5 s."""
    score = Score(480)
    score.tempos.append(Tempo(0, qpm=120))
    track = Track(name="solo", program=program, is_drum=is_drum)
    track.notes.append(Note(start_tick, duration_ticks, pitch, velocity))
    score.tracks.append(track)
    return score


def spectral_centroid_hz(samples: np.ndarray, sample_rate: int) -> float:
    mono = samples.mean(axis=0)
    magnitude = np.abs(np.fft.rfft(mono))
    freqs = np.fft.rfftfreq(mono.size, 1.0 / sample_rate)
    return float(np.sum(freqs * magnitude) / np.sum(magnitude))

