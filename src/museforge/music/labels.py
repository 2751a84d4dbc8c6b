"""Labels measured from a Score: key and mode, tempo, meter, instruments, length, mood quadrant.

Key finding scores the 24 keys against Aarden-Essen key profiles, as music21's default
``analyze('key')`` does, on a duration-weighted pitch-class histogram. It is computed here with
numpy because building a music21 stream for every MIDI file would dominate the corpus build
time; a test checks that both agree.

Mood is a fixed, documented rule over musical features (no fitting): valence from mode, tempo
and register; arousal from tempo, note density and loudness. The human valence/arousal labels
in shared/data/midi/vgmidi are used only to measure how often the rule agrees with listeners.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass

import numpy as np
from symusic import Score

from museforge.music.tokenizer import DRUMS, PITCH_CLASSES

# Aarden-Essen key profiles (Aarden 2003, the weights music21 uses by default), tonic first.
MAJOR_PROFILE = np.array([17.7661, 0.145624, 14.9265, 0.160186, 19.8049, 11.3587, 0.291248, 22.062, 0.145624,
                          8.15494, 0.232998, 4.95122])
MINOR_PROFILE = np.array([18.2648, 0.737619, 14.0499, 16.8599, 0.702494, 14.4362, 0.702494, 18.6161, 4.56621,
                          1.93186, 7.37619, 1.75623])


@dataclass(frozen=True)
class PieceLabels:
    tonic: str
    mode: str
    key_confidence: float  # correlation of the best key, in [-1, 1]
    tempo_qpm: float
    time_signature: str
    programs: tuple[int, ...]  # GM programs, DRUMS for drum tracks
    n_bars: int
    n_notes: int
    duration_s: float
    notes_per_s: float
    mean_pitch: float
    mean_velocity: float
    valence: float  # rule score in [-1, 1]
    arousal: float
    mood: str

    def to_dict(self) -> dict:
        return asdict(self)


def pitch_class_histogram(score: Score) -> np.ndarray:
    """Duration-weighted pitch-class histogram over pitched (non-drum) tracks."""
    hist = np.zeros(12)
    for track in score.tracks:
        if track.is_drum or not len(track.notes):
            continue
        arr = track.notes.numpy()
        np.add.at(hist, arr["pitch"] % 12, arr["duration"].astype(float))
    return hist


def estimate_key(score: Score) -> tuple[str, str, float]:
    """(tonic, mode, confidence): the key whose profile best matches the histogram.

    Keys are scored by the histogram's dot product with the rotated profile (as music21 does);
    confidence is the Pearson correlation with the winning profile, in [-1, 1].
    """
    hist = pitch_class_histogram(score)
    if not hist.any():
        return "C", "major", 0.0
    best_score, best = -1.0, ("C", "major", 0.0)
    for mode, profile in (("major", MAJOR_PROFILE), ("minor", MINOR_PROFILE)):
        for tonic in range(12):
            rotated = np.roll(profile, tonic)
            fit = float(hist @ rotated)
            if fit > best_score:
                best_score = fit
                best = (PITCH_CLASSES[tonic], mode, float(np.corrcoef(hist, rotated)[0, 1]))
    return best


def n_bars(score: Score) -> int:
    """Bars from the start to the last note end, under the score's time signatures (4/4 if none)."""
    end = score.end()
    if end <= 0:
        return 0
    sigs = sorted(score.time_signatures, key=lambda s: s.time)
    if not sigs or sigs[0].time > 0:
        sigs = [_Sig(0, 4, 4), *sigs]
    bars = 0.0
    for i, sig in enumerate(sigs):
        seg_end = min(end, sigs[i + 1].time) if i + 1 < len(sigs) else end
        if seg_end <= sig.time:
            continue
        bar_ticks = score.tpq * 4 * sig.numerator / sig.denominator
        bars += (seg_end - sig.time) / bar_ticks
    return max(1, math.ceil(bars - 1e-6))


@dataclass(frozen=True)
class _Sig:
    time: int
    numerator: int
    denominator: int


def mood_scores(mode: str, tempo_qpm: float, notes_per_s: float, mean_pitch: float,
                mean_velocity: float) -> tuple[float, float]:
    """(valence, arousal) in [-1, 1] from musical features; weights are set by hand, not fitted.

    Valence: major mode is the strongest cue to positive valence; fast tempo and high register
    add to it. Arousal: tempo, note density and loudness (velocity).
    """
    valence = (0.6 * (1.0 if mode == "major" else -1.0)
               + 0.25 * math.tanh((tempo_qpm - 100.0) / 30.0)
               + 0.15 * math.tanh((mean_pitch - 64.0) / 8.0))
    arousal = (0.45 * math.tanh((tempo_qpm - 110.0) / 25.0)
               + 0.35 * math.tanh((notes_per_s - 6.0) / 3.0)
               + 0.20 * math.tanh((mean_velocity - 72.0) / 15.0))
    return valence, arousal


def mood_quadrant(valence: float, arousal: float) -> str:
    if valence >= 0:
        return "happy" if arousal >= 0 else "calm"
    return "tense" if arousal >= 0 else "sad"


def label_score(score: Score, *, tonic: str | None = None, mode: str | None = None) -> PieceLabels:
    """Measure every label of a score; ``tonic``/``mode`` override key finding when a source states them."""
    est_tonic, est_mode, confidence = estimate_key(score)
    tonic, mode = tonic or est_tonic, mode or est_mode
    tempo_qpm = float(score.tempos[0].qpm) if len(score.tempos) else 120.0
    sig = score.time_signatures[0] if len(score.time_signatures) else _Sig(0, 4, 4)
    pitched = [t.notes.numpy() for t in score.tracks if not t.is_drum and len(t.notes)]
    all_notes = [t.notes.numpy() for t in score.tracks if len(t.notes)]
    n_notes = int(sum(len(a["pitch"]) for a in all_notes))
    seconds = score.to("second")
    duration_s = float(seconds.end() - max(seconds.start(), 0)) if n_notes else 0.0
    notes_per_s = n_notes / duration_s if duration_s > 0 else 0.0
    mean_pitch = float(np.mean(np.concatenate([a["pitch"] for a in pitched]))) if pitched else 60.0
    mean_velocity = float(np.mean(np.concatenate([a["velocity"] for a in all_notes]))) if all_notes else 64.0
    valence, arousal = mood_scores(mode, tempo_qpm, notes_per_s, mean_pitch, mean_velocity)
    programs = tuple(sorted({DRUMS if t.is_drum else int(t.program) for t in score.tracks if len(t.notes)}))
    return PieceLabels(
        tonic=tonic, mode=mode, key_confidence=round(confidence, 4), tempo_qpm=round(tempo_qpm, 2),
        time_signature=f"{sig.numerator}/{sig.denominator}", programs=programs, n_bars=n_bars(score),
        n_notes=n_notes, duration_s=round(duration_s, 3), notes_per_s=round(notes_per_s, 3),
        mean_pitch=round(mean_pitch, 2), mean_velocity=round(mean_velocity, 2),
        valence=round(valence, 4), arousal=round(arousal, 4), mood=mood_quadrant(valence, arousal),
    )
