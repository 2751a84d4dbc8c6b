"""Waveform and spectrogram augmentation for the judge (all seeded through the caller's rng).

Each one removes a cue the judge should not rely on, given ~500 training clips: where a sound
sits in the crop (crop/shift), its pitch and duration (speed), the recording's bandwidth and
tilt (EQ: many sources were 11-22 kHz recordings, and a user's file may be 16 kHz), background
noise (noise mix), and any single band or moment (spec masks). Mixup blends two clips and their
labels, the usual regulariser when a CNN memorises a small training set.
"""

from __future__ import annotations

import numpy as np
import torch

from museforge.sfx.learned.negatives import coloured_noise


def random_crop(wave: np.ndarray, n_window: int, max_shift_share: float, speed: float,
                rng: np.random.Generator) -> np.ndarray:
    """A ``n_window`` crop played ``speed`` times faster (pitch and tempo together), zero-padded."""
    n_source = max(2, int(round(n_window * speed)))
    if wave.size > n_source:
        start = int(rng.integers(wave.size - n_source + 1))
        source = wave[start:start + n_source]
    else:
        source = np.zeros(n_source, np.float32)
        shift = int(rng.integers(int(max_shift_share * (n_source - wave.size)) + 1))
        source[shift:shift + wave.size] = wave
    if n_source == n_window:
        return source.astype(np.float32, copy=True)
    # Linear interpolation: slight aliasing when speeding up is harmless for augmentation.
    return np.interp(np.linspace(0, n_source - 1, n_window), np.arange(n_source), source).astype(np.float32)


def repeat_events(wave: np.ndarray, n_window: int, n_events: int, rng: np.random.Generator,
                  level_db: tuple[float, float] = (-6.0, 0.0)) -> np.ndarray:
    """``n_events`` copies of a short clip's sound at random, non-overlapping-start times in ``n_window``.

    The sound is the clip with its trailing near-silence cut (below -50 dB re peak); each copy
    gets its own level in ``level_db``. Copies may ring into each other, as real steps do.
    """
    level = np.abs(wave)
    loud = np.flatnonzero(level > float(level.max(initial=0.0)) * 10 ** (-50 / 20))
    if loud.size == 0:
        return np.zeros(n_window, np.float32)
    event = wave[loud[0]:loud[-1] + 1][:n_window]
    out = np.zeros(n_window + event.size, np.float64)
    span = max(1, n_window - event.size // 2)
    starts = np.sort(rng.choice(span, size=min(n_events, span), replace=False))
    for start in starts:
        out[start:start + event.size] += event * 10 ** (rng.uniform(*level_db) / 20)
    out = out[:n_window]
    return (out / max(float(np.max(np.abs(out))), 1e-12)).astype(np.float32)


def equalise(wave: np.ndarray, sample_rate: int, tilt: float, cutoff_hz: float | None) -> np.ndarray:
    """Spectral tilt (amplitude x (f / 1 kHz)^tilt; 0.5 = +3 dB/octave) and an optional brick-wall
    low-pass at ``cutoff_hz`` (what resampling from a lower rate leaves), peak kept at most 1."""
    spectrum = np.fft.rfft(wave)
    freqs_hz = np.fft.rfftfreq(wave.size, 1.0 / sample_rate)
    gain = (np.maximum(freqs_hz, 20.0) / 1000.0) ** tilt
    if cutoff_hz is not None:
        gain[freqs_hz > cutoff_hz] = 0.0
    out = np.fft.irfft(spectrum * gain, n=wave.size)
    peak = float(np.max(np.abs(out)))
    return (out / peak if peak > 0 else out).astype(np.float32)


def mix_noise(wave: np.ndarray, snr_db: float, rng: np.random.Generator) -> np.ndarray:
    """Add steady coloured noise ``snr_db`` below the clip's RMS (robustness to noisy recordings)."""
    rms = float(np.sqrt(np.mean(np.square(wave))))
    if rms == 0.0:
        return wave
    noise = coloured_noise(wave.size, rng.uniform(-1.0, 2.0), rng)
    noise *= rms / max(float(np.sqrt(np.mean(np.square(noise)))), 1e-12) * 10 ** (-snr_db / 20)
    mixed = wave + noise.astype(np.float32)
    return mixed / max(1.0, float(np.max(np.abs(mixed))))


def spec_mask(mel: torch.Tensor, apply: torch.Tensor, prob: float, max_bins: int, max_frames: int,
              generator: torch.Generator) -> torch.Tensor:
    """SpecAugment on log-mel [B, 1, mels, frames]: one band and one span per chosen example -> its mean."""
    mel = mel.clone()
    _, _, n_mels, n_frames = mel.shape
    chosen = apply & (torch.rand(len(mel), generator=generator) < prob)
    for b in torch.nonzero(chosen).flatten().tolist():
        fill = mel[b].mean()
        f_width = int(torch.randint(1, max_bins + 1, (1,), generator=generator))
        f_start = int(torch.randint(0, max(1, n_mels - f_width), (1,), generator=generator))
        t_width = int(torch.randint(1, max_frames + 1, (1,), generator=generator))
        t_start = int(torch.randint(0, max(1, n_frames - t_width), (1,), generator=generator))
        mel[b, :, f_start:f_start + f_width, :] = fill
        mel[b, :, :, t_start:t_start + t_width] = fill
    return mel
