"""Seamless loops: whole bars, exact frames, loop points, a wrap no rougher than the clip itself."""

from __future__ import annotations

import numpy as np
import pytest
from render_scores import band, pad_and_melody
from symusic import Tempo, TimeSignature

from museforge.errors import MuseforgeError
from museforge.render.loop import bar_seconds, bars_for_duration, render_loop
from museforge.render.pipeline import render

N_FFT, HOP = 1024, 256


def _flux(samples: np.ndarray) -> np.ndarray:
    """Spectral flux (L2 norm of the magnitude change, rises and falls) between hops."""
    mono = samples.mean(axis=0)
    frames = np.lib.stride_tricks.sliding_window_view(mono, N_FFT)[::HOP] * np.hanning(N_FFT)
    magnitude = np.abs(np.fft.rfft(frames, axis=1))
    return np.sqrt(np.sum(np.diff(magnitude, axis=0) ** 2, axis=1))


def _seam(samples: np.ndarray) -> dict:
    """Wrap-point measures next to the same measures inside the clip."""
    n = samples.shape[1]
    inside_flux = _flux(samples)
    wrapped = _flux(np.concatenate([samples[:, -2 * N_FFT:], samples[:, : 2 * N_FFT]], axis=1))
    steps = np.abs(np.diff(samples, axis=1)).max(axis=0)
    return {
        "jump": float(np.abs(samples[:, 0] - samples[:, n - 1]).max()),
        "step_p999": float(np.quantile(steps, 0.999)),
        "wrap_flux": float(wrapped.max()),
        "inside_flux_max": float(inside_flux.max()),
    }


@pytest.fixture(scope="module")
def pad_loop():
    return render_loop(pad_and_melody(), n_bars=4, loudness="ebu-r128")


def test_whole_bar_durations_and_the_error_for_others():
    assert bar_seconds(120) == 2.0 and bar_seconds(90, 3, 4) == 2.0 and bar_seconds(120, 6, 8) == 1.5
    assert bars_for_duration(16.0, 120) == 8
    with pytest.raises(MuseforgeError, match=r"use 6\.000 s \(3 bars\) or 8\.000 s \(4 bars\)"):
        bars_for_duration(7.3, 120)
    with pytest.raises(MuseforgeError, match=r"1\.500 s \(1 bar\)"):
        bars_for_duration(0.4, 120, 6, 8)


@pytest.mark.parametrize(("tempo_bpm", "meter", "n_bars", "sample_rate"),
                         [(120, (4, 4), 2, 44_100), (90, (3, 4), 3, 48_000), (137, (4, 4), 2, 44_100)])
def test_loop_is_exactly_whole_bars_with_loop_points(tempo_bpm, meter, n_bars, sample_rate):
    score = band(n_bars=n_bars + 1, tempo_bpm=tempo_bpm, numerator=meter[0], denominator=meter[1])
    rendered = render_loop(score, n_bars=n_bars, sample_rate=sample_rate)
    expected = round(n_bars * bar_seconds(tempo_bpm, *meter) * sample_rate)
    audio = rendered.audio
    assert audio.n_frames == expected
    assert (audio.loop.start_frame, audio.loop.end_frame) == (0, expected)
    assert {a.n_frames for a in rendered.stems.values()} == {expected}
    assert abs(audio.loudness_lufs() + 14.0) <= 0.5 and audio.true_peak_dbtp() <= -1.0


def test_duration_in_seconds_picks_the_bars():
    rendered = render_loop(band(n_bars=4), duration_s=4.0)
    assert rendered.audio.n_frames == 4 * 44_100


def test_wrap_has_no_click_and_no_more_spectral_change_than_inside(pad_loop):
    seam = _seam(pad_loop.audio.samples)
    assert seam["jump"] <= seam["step_p999"]
    assert seam["wrap_flux"] <= seam["inside_flux_max"]


def test_a_naive_cut_fails_the_same_seam_measures(pad_loop):
    # Control: the same piece rendered once and cut at the loop length has its decaying chord at
    # the end and nothing of it at the start; the measures above must catch that.
    naive = render(pad_and_melody(), loudness="ebu-r128", tail_s=0.0).audio.samples[:, : pad_loop.audio.n_frames]
    seam = _seam(naive)
    assert seam["jump"] > 2 * seam["step_p999"]
    assert seam["wrap_flux"] > seam["inside_flux_max"]


def test_tail_is_folded_onto_the_start(pad_loop):
    # The last chord rings past the loop end, so the loop's first 50 ms carry its tail: the
    # looped start is louder than the same piece's first 50 ms rendered from silence.
    def start_level_db(samples: np.ndarray) -> float:  # first 50 ms relative to the whole clip
        head = samples[:, : int(0.05 * 44_100)]
        return float(10 * np.log10(np.mean(head**2) / np.mean(samples**2)))

    naive = render(pad_and_melody(), loudness="ebu-r128", tail_s=0.0).audio.samples[:, : pad_loop.audio.n_frames]
    assert start_level_db(pad_loop.audio.samples) > start_level_db(naive) + 3.0


def test_loop_stems_sum_to_the_loop_premix(pad_loop):
    total = np.sum([a.samples for a in pad_loop.stems.values()], axis=0)
    assert np.abs(total - pad_loop.premix.samples).max() <= 1e-5 * np.abs(total).max()


def test_loop_rejects_tempo_or_meter_changes_and_bad_lengths():
    score = band(n_bars=2)
    score.tempos.append(Tempo(1920, qpm=90))
    with pytest.raises(MuseforgeError, match="one tempo"):
        render_loop(score, n_bars=2)
    score = band(n_bars=2)
    score.time_signatures.append(TimeSignature(1920, 3, 4))
    with pytest.raises(MuseforgeError, match="one time signature"):
        render_loop(score, n_bars=2)
    with pytest.raises(MuseforgeError, match="not both"):
        render_loop(band(2), n_bars=2, duration_s=4.0)
    with pytest.raises(MuseforgeError, match="whole number in"):
        render_loop(band(2), n_bars=0)
    with pytest.raises(MuseforgeError, match="not a whole number of 4/4 bars"):
        render_loop(band(2), duration_s=3.0)
