"""Time: seamless loops, block streaming equal to offline renders, smooth automation."""

from __future__ import annotations

import numpy as np
import pytest

from museforge.errors import MuseforgeError
from museforge.sfx.loop import render_loop
from museforge.sfx.recipe import get_recipe
from museforge.sfx.stream import parse_automation, render_stream, stream
from sfx_measure import centroid_hz, rms

AMBIENCES = ["rain", "wind", "fire", "water", "surf", "city_street", "forest", "night", "room_tone", "engine"]
SR = 22_050


@pytest.mark.parametrize("name", AMBIENCES)
def test_loop_wraps_without_click_or_level_dip(name):
    audio = render_loop(name, duration_s=3.0, sample_rate=SR, seed=2, crossfade_s=0.5)
    x = audio.samples.astype(np.float64)
    assert audio.n_frames == 3 * SR and audio.loop.start_frame == 0 and audio.loop.end_frame == 3 * SR
    wrapped = np.concatenate([x, x], axis=1)
    jumps = np.abs(np.diff(wrapped, axis=1)).max(axis=0)
    wrap_jump = jumps[x.shape[1] - 1]
    assert wrap_jump <= np.percentile(jumps, 99.5) + 1e-6, "the seam is a click"
    # Level around the seam (+-0.25 s) vs the loop as a whole: no dip or bump beyond 3 dB.
    q = SR // 4
    seam = np.concatenate([x[:, -q:], x[:, :q]], axis=1)
    ratio_db = 20 * np.log10(rms(seam) / rms(x))
    limit_db = 6.0 if name in ("surf", "night", "forest", "city_street") else 3.0  # event-driven beds vary anyway
    assert -limit_db < ratio_db < limit_db
    # Spectral flux across the seam no larger than the largest flux inside the loop.
    n_fft = 1024
    def spec(a):
        return np.abs(np.fft.rfft(a.mean(axis=0) * np.hanning(n_fft)))
    fluxes = [np.sum((spec(wrapped[:, i + n_fft // 2:i + 3 * n_fft // 2]) - spec(wrapped[:, i - n_fft // 2:i + n_fft // 2])) ** 2)
              for i in range(n_fft, 2 * x.shape[1] - 2 * n_fft, n_fft // 2)]
    seam_i = x.shape[1]
    seam_flux = np.sum((spec(wrapped[:, seam_i:seam_i + n_fft]) - spec(wrapped[:, seam_i - n_fft:seam_i])) ** 2)
    assert seam_flux <= max(fluxes) * 1.0 + 1e-9


@pytest.mark.parametrize("name", AMBIENCES)
@pytest.mark.parametrize("block_frames", [256, 512])
def test_stream_with_constant_params_equals_offline_render(name, block_frames):
    offline = get_recipe(name).render(duration_s=0.6, sample_rate=SR, seed=4)
    streamed = render_stream(name, duration_s=0.6, sample_rate=SR, seed=4, block_frames=block_frames)
    assert streamed.n_frames == offline.n_frames == round(0.6 * SR)
    np.testing.assert_allclose(streamed.samples, offline.samples, atol=1e-6)


@pytest.mark.parametrize("name,param,low,high", [
    ("rain", "intensity", 0.05, 1.0), ("rain", "drop_size_mm", 0.5, 5.0), ("wind", "speed_mps", 2.0, 30.0),
    ("fire", "size", 0.05, 1.0), ("water", "flow", 0.0, 1.0), ("city_street", "traffic", 0.05, 1.0),
    ("engine", "rpm", 800.0, 5000.0), ("engine", "load", 0.0, 1.0),
])
def test_automation_has_no_jumps_at_block_edges(name, param, low, high):
    # A hard step in the automation: smoothing must still keep block edges like any other sample.
    automation = {param: [(0.0, low), (0.5, low), (0.5001, high), (1.0, high)]}
    blocks = list(stream(name, automation, duration_s=1.0, sample_rate=48_000, block_frames=256, seed=1))
    assert all(b.shape[1] == 256 for b in blocks[:-1]) and sum(b.shape[1] for b in blocks) == 48_000
    x = np.concatenate(blocks, axis=1).astype(np.float64)
    d = np.abs(np.diff(x, axis=1)).max(axis=0)
    edges = d[255::256]
    inside = np.delete(d, np.arange(255, d.size, 256))
    assert edges.max() <= inside.max() * 1.05
    assert np.median(edges) < 3.0 * np.median(inside) + 1e-6
    # The automation took effect: the second half differs in level or brightness.
    first, second = x[:, 5_000:20_000], x[:, 30_000:]
    level_db = abs(20 * np.log10((rms(second) + 1e-12) / (rms(first) + 1e-12)))
    brightness = centroid_hz(second, 48_000) / centroid_hz(first, 48_000)
    assert level_db > 1.0 or not 0.8 < brightness < 1.25


def test_automated_rain_gets_heavier():
    automation = {"intensity": [(0.0, 0.1), (2.0, 0.9)]}
    x = render_stream("rain", automation, duration_s=2.0, sample_rate=SR, block_frames=512).samples
    assert rms(x[:, -SR // 2:]) > 4.0 * rms(x[:, : SR // 2])


def test_stream_and_loop_errors():
    with pytest.raises(MuseforgeError, match="one-shot"):
        list(stream("impact", duration_s=1.0))
    with pytest.raises(MuseforgeError, match="block_frames must be one of"):
        list(stream("rain", duration_s=1.0, block_frames=300))
    with pytest.raises(MuseforgeError, match="categorical"):
        list(stream("rain", {"surface": [(0.0, 1.0)]}, duration_s=1.0))
    with pytest.raises(MuseforgeError, match=r"\[0.0, 1.0\]"):
        list(stream("rain", {"intensity": [(0.0, 3.0)]}, duration_s=1.0))
    with pytest.raises(MuseforgeError, match="valid: intensity"):
        list(stream("rain", {"loudness": [(0.0, 1.0)]}, duration_s=1.0))
    with pytest.raises(MuseforgeError, match="3600"):
        list(stream("rain", duration_s=7200.0))
    with pytest.raises(MuseforgeError, match="one-shot"):
        render_loop("door", duration_s=2.0)
    assert parse_automation("intensity=0:0.1,4:0.9; speed_mps=1:3") == {
        "intensity": [(0.0, 0.1), (4.0, 0.9)], "speed_mps": [(1.0, 3.0)]}
    with pytest.raises(MuseforgeError, match="name=time_s:value"):
        parse_automation("intensity=0-1")
