"""Audio's float32 true peak equals float64 ``resample_poly``; the limiter's sidechain reuse and shift helper.

Mastering and every true-peak test rely on ``Audio.true_peak_dbtp``, so it is checked against the
float64 reference over rates, channel counts and edge peaks.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy.signal import resample_poly

from museforge.audio import Audio, true_peak_amplitude
from museforge.render.limiter import _shifted, limit


def _reference_true_peak(samples: np.ndarray) -> float:
    return float(np.abs(resample_poly(samples.astype(np.float64), 4, 1, axis=1)).max())


def _signal(sample_rate: int, n_channels: int, n_frames: int, seed: int) -> np.ndarray:
    """Noise with a near-silent first third and a short loud burst."""
    rng = np.random.default_rng(seed)
    samples = (0.1 * rng.standard_normal((n_channels, n_frames))).astype(np.float32)
    samples[:, : n_frames // 3] *= 1e-3
    samples[:, n_frames // 2: n_frames // 2 + 200] *= 8.0
    return samples


@pytest.mark.parametrize(
    ("sample_rate", "n_channels", "n_frames"),
    [(44_100, 2, 3 * 44_100 + 17), (48_000, 1, 96_000), (22_050, 2, 9_000), (32_000, 5, 40_000), (8_000, 2, 1_000)],
)
def test_true_peak_matches_float64_resample_poly(sample_rate, n_channels, n_frames):
    samples = _signal(sample_rate, n_channels, n_frames, seed=n_frames)
    assert true_peak_amplitude(samples) == pytest.approx(_reference_true_peak(samples), rel=1e-5)


def test_true_peak_finds_inter_sample_peaks_and_edge_peaks():
    sample_rate = 44_100
    t = np.arange(sample_rate) / sample_rate
    sine = np.sin(2 * np.pi * 11_025 * t + np.pi / 4)[None].astype(np.float32)  # samples miss the crests
    assert Audio(sine, sample_rate).peak_dbfs() == pytest.approx(-3.01, abs=0.01)
    assert Audio(sine, sample_rate).true_peak_dbtp() == pytest.approx(
        20 * np.log10(_reference_true_peak(sine)), abs=1e-4)
    edges = np.zeros((2, 5_000), dtype=np.float32)
    edges[0, 1], edges[1, -1] = 0.5, -0.9  # peaks at the very first and last frames
    assert true_peak_amplitude(edges) == pytest.approx(_reference_true_peak(edges), rel=1e-5)


def test_silence_measures_minus_infinity():
    silence = Audio(np.zeros((2, 30_000), dtype=np.float32), 48_000)
    assert silence.loudness_lufs() == float("-inf")
    assert silence.true_peak_dbtp() == float("-inf")
    assert silence.peak_dbfs() == float("-inf")


def test_limiter_sidechain_given_or_computed_gives_the_same_output():
    sample_rate = 48_000
    t = np.arange(sample_rate) / sample_rate
    tone = (3.0 * np.sin(2 * np.pi * 220 * t) * np.exp(-3 * (t % 0.5))).astype(np.float32)
    samples = np.stack([tone, 0.5 * tone])  # +9.5 dBFS peaks, decaying: 10 dB of limiting at most
    from museforge.render.limiter import frame_true_peaks

    computed = limit(samples, sample_rate, ceiling_db=-1.1)
    given = limit(samples, sample_rate, ceiling_db=-1.1, frame_peaks=frame_true_peaks(samples))
    np.testing.assert_array_equal(computed, given)
    assert Audio(computed, sample_rate).true_peak_dbtp() <= -1.0
    quiet = samples * np.float32(0.01)  # under the ceiling: untouched
    np.testing.assert_array_equal(limit(quiet, sample_rate, ceiling_db=-1.0), quiet)


@pytest.mark.parametrize("shift", [-9, -3, -1, 0, 1, 4, 9])
def test_shifted_repeats_edges(shift):
    values = np.arange(7.0)
    expected = values[np.clip(np.arange(7) + shift, 0, 6)]
    np.testing.assert_array_equal(_shifted(values, shift), expected)
