"""Synthetic non-sounds for the judge's ``none`` class, and the probes that check rejection.

A sound effect has a shape in time and a spectrum that is not a straight line. The negatives
here have neither: steady power-law noise (white, pink, brown, blue, violet and everything
between), digital and near silence, steady sine tones (single, chords, mains hum with
harmonics) and regular click trains. Noise that is filtered into resonances or modulated in time
is deliberately NOT a negative: that is what rain, wind and fire recipes are made of.
"""

from __future__ import annotations

import numpy as np

NEGATIVE_KINDS = ("noise", "silence", "tone", "chord", "hum", "clicks", "noise+tone")


def coloured_noise(n_samples: int, exponent: float, rng: np.random.Generator) -> np.ndarray:
    """Gaussian noise with power spectrum ~ 1/f^exponent (0 white, 1 pink, 2 brown, -1 blue), unit peak."""
    spectrum = np.fft.rfft(rng.standard_normal(n_samples))
    freqs = np.fft.rfftfreq(n_samples)
    freqs[0] = freqs[1]  # keep DC finite for red noises
    noise = np.fft.irfft(spectrum * freqs ** (-exponent / 2.0), n=n_samples)
    return _unit_peak(noise)


def sine_mix(n_samples: int, sample_rate: int, freqs_hz: list[float], rng: np.random.Generator) -> np.ndarray:
    """Steady sum of sines with random phases and amplitudes, unit peak."""
    t = np.arange(n_samples) / sample_rate
    wave = sum(rng.uniform(0.3, 1.0) * np.sin(2 * np.pi * f * t + rng.uniform(0, 2 * np.pi)) for f in freqs_hz)
    return _unit_peak(np.asarray(wave))


def click_train(n_samples: int, sample_rate: int, rate_hz: float, rng: np.random.Generator) -> np.ndarray:
    """Identical one-sample clicks at a fixed rate (a metronome/buzz with no other content)."""
    wave = np.zeros(n_samples)
    period = max(1, int(round(sample_rate / rate_hz)))
    wave[int(rng.integers(period))::period] = 1.0
    return wave


def negative(n_samples: int, sample_rate: int, rng: np.random.Generator, kind: str | None = None) -> np.ndarray:
    """One negative example (float32, peak <= 1); ``kind`` from NEGATIVE_KINDS, random if None."""
    kind = kind or NEGATIVE_KINDS[rng.integers(len(NEGATIVE_KINDS))]
    nyquist = sample_rate / 2
    if kind == "noise":
        wave = coloured_noise(n_samples, rng.uniform(-2.0, 2.0), rng)
    elif kind == "silence":  # digital zero, or a noise floor far below anything audible
        wave = coloured_noise(n_samples, rng.uniform(-1, 2), rng) * 10 ** (rng.uniform(-140, -90) / 20)
        wave = wave if rng.random() < 0.7 else np.zeros(n_samples)
    elif kind == "tone":
        wave = sine_mix(n_samples, sample_rate, [_log_uniform(rng, 30.0, 0.9 * nyquist)], rng)
    elif kind == "chord":
        wave = sine_mix(n_samples, sample_rate, [_log_uniform(rng, 60.0, 0.6 * nyquist)
                                                 for _ in range(rng.integers(2, 5))], rng)
    elif kind == "hum":  # mains hum: 50/60 Hz and harmonics
        base = float(rng.choice([50.0, 60.0]))
        wave = sine_mix(n_samples, sample_rate, [base * k for k in range(1, rng.integers(2, 9))], rng)
    elif kind == "clicks":
        wave = click_train(n_samples, sample_rate, _log_uniform(rng, 1.0, 60.0), rng)
    elif kind == "noise+tone":
        tone = sine_mix(n_samples, sample_rate, [_log_uniform(rng, 50.0, 0.7 * nyquist)], rng)
        wave = _unit_peak(coloured_noise(n_samples, rng.uniform(-1, 2), rng) + rng.uniform(0.2, 2.0) * tone)
    else:
        raise ValueError(f"unknown negative kind {kind!r}; valid: {', '.join(NEGATIVE_KINDS)}")
    level = 1.0 if kind == "silence" else 10 ** (rng.uniform(-12, 0) / 20)
    return (wave * level).astype(np.float32)


def rejection_probes(sample_rate: int, duration_s: float = 2.0, seed: int = 12345) -> dict[str, np.ndarray]:
    """Named test signals the judge must refuse (mono float32, not normalised)."""
    rng = np.random.default_rng(seed)
    n = int(round(duration_s * sample_rate))
    t = np.arange(n) / sample_rate
    return {
        "white noise": (0.5 * coloured_noise(n, 0.0, rng)).astype(np.float32),
        "pink noise": (0.5 * coloured_noise(n, 1.0, rng)).astype(np.float32),
        "brown noise": (0.5 * coloured_noise(n, 2.0, rng)).astype(np.float32),
        "silence": np.zeros(n, np.float32),
        "sine 100 Hz": (0.5 * np.sin(2 * np.pi * 100 * t)).astype(np.float32),
        "sine 440 Hz": (0.5 * np.sin(2 * np.pi * 440 * t)).astype(np.float32),
        "sine 1 kHz": (0.5 * np.sin(2 * np.pi * 1000 * t)).astype(np.float32),
        "sine 5 kHz": (0.5 * np.sin(2 * np.pi * 5000 * t)).astype(np.float32),
    }


def _log_uniform(rng: np.random.Generator, low: float, high: float) -> float:
    return float(np.exp(rng.uniform(np.log(low), np.log(high))))


def _unit_peak(wave: np.ndarray) -> np.ndarray:
    peak = float(np.max(np.abs(wave)))
    return wave / peak if peak > 0 else wave
