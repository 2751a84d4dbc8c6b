"""Measures shared by the sound-effect tests (spectral centroid, onsets, seam continuity)."""

from __future__ import annotations

import numpy as np


def centroid_hz(x: np.ndarray, sample_rate: int) -> float:
    """Power-weighted mean frequency of a mono or [channels, frames] signal."""
    mono = np.atleast_2d(x).mean(axis=0)
    power = np.abs(np.fft.rfft(mono)) ** 2
    freqs = np.fft.rfftfreq(mono.size, 1.0 / sample_rate)
    return float(np.sum(freqs * power) / np.sum(power))


def rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(np.square(x, dtype=np.float64))))


def envelope_db(x: np.ndarray, sample_rate: int, hop_s: float = 0.01) -> np.ndarray:
    mono = np.atleast_2d(x).mean(axis=0)
    hop = max(1, int(hop_s * sample_rate))
    frames = mono[: mono.size // hop * hop].reshape(-1, hop)
    return 20.0 * np.log10(np.sqrt(np.mean(frames ** 2, axis=1)) + 1e-9)


def onset_count(x: np.ndarray, sample_rate: int, rise_db: float = 15.0, hop_s: float = 0.01,
                min_gap_s: float = 0.0) -> int:
    """Count sharp rises of the envelope (each sound event starts with one), ``min_gap_s`` apart."""
    env = envelope_db(x, sample_rate, hop_s)
    floor = env.max() - 50.0
    count, armed, last = 0, True, -np.inf
    for i, (prev, cur) in enumerate(zip(env[:-3], env[3:])):
        if armed and cur - prev > rise_db and cur > floor and (i - last) * hop_s >= min_gap_s:
            count, armed, last = count + 1, False, i
        elif cur < prev:
            armed = True
    return count


def highpass(x: np.ndarray, sample_rate: int, cutoff_hz: float) -> np.ndarray:
    from scipy import signal

    return signal.sosfilt(signal.butter(4, cutoff_hz, "highpass", fs=sample_rate, output="sos"), x, axis=-1)


def dominant_hz(x: np.ndarray, sample_rate: int) -> float:
    mono = np.atleast_2d(x).mean(axis=0)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(mono.size)))
    return float(np.fft.rfftfreq(mono.size, 1.0 / sample_rate)[int(np.argmax(spectrum))])


def log_spectrum(x: np.ndarray, n_fft: int = 2048) -> np.ndarray:
    mono = np.atleast_2d(x).mean(axis=0)[: n_fft * (np.atleast_2d(x).shape[1] // n_fft)]
    frames = mono.reshape(-1, n_fft) * np.hanning(n_fft)
    return 10.0 * np.log10(np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) + 1e-12)
