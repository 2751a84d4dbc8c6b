"""The optimised DSP and recipes (issue 5) against straightforward references: same samples to float32 rounding."""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

import sfx_reference as ref
from museforge.sfx import dsp
from museforge.sfx.explosion import upsample_linear
from museforge.sfx.recipe import get_recipe
from museforge.sfx.wind import whistle_sos

TOL = 2e-6  # a few float32 roundings of full-scale samples


def same_render(fast, reference, *, preset=None, values=None, seed=0, sample_rate=48_000, n_channels=None,
                duration_s=None):
    kwargs = dict(preset=preset, seed=seed, sample_rate=sample_rate, n_channels=n_channels, duration_s=duration_s)
    a = fast.render(values, **kwargs).samples
    b = reference.render(values, **kwargs).samples
    assert a.shape == b.shape
    np.testing.assert_allclose(a, b, rtol=0, atol=TOL)
    assert np.abs(a).max() > 1e-3  # not silence on both sides


@pytest.mark.parametrize("n_channels", [1, 2])
def test_filter_equals_sosfilt_across_blocks_and_in_place(n_channels):
    rng = np.random.default_rng(3)
    x = rng.standard_normal((n_channels, 5000))
    sos = np.concatenate([dsp.bandpass_sos(200.0, 3000.0, 48_000), dsp.resonator_sos(900.0, 8.0, 48_000)])
    expected = signal.sosfilt(sos, x, axis=-1)
    filt = dsp.Filter(sos, n_channels)
    parts = [filt(x[:, :1000]), filt(x[:, 1000:1001]), filt(x[:, 1001:].copy(), in_place=True)]
    np.testing.assert_array_equal(np.concatenate(parts, axis=1), expected)
    _, zf = signal.sosfilt(sos, x, axis=-1, zi=np.zeros((sos.shape[0], n_channels, 2)))
    np.testing.assert_array_equal(filt.zi, zf)  # the state, in sosfilt's layout
    filt.set(dsp.resonator_sos(1500.0, 3.0, 48_000).repeat(sos.shape[0], axis=0))  # new coefficients, same state
    tail = rng.standard_normal((n_channels, 300))
    expected_tail, _ = signal.sosfilt(filt.sos, tail, axis=-1, zi=zf)
    np.testing.assert_array_equal(filt(tail), expected_tail)
    filt2 = dsp.Filter(sos, n_channels)
    y = x.copy()
    assert filt2(y, in_place=True) is y
    np.testing.assert_array_equal(y, expected)
    view = x[:, ::2]  # not contiguous: filtered on a copy, input untouched
    before = view.copy()
    np.testing.assert_array_equal(dsp.Filter(sos, n_channels)(view, in_place=True),
                                  signal.sosfilt(sos, before, axis=-1))
    np.testing.assert_array_equal(view, before)


def test_sin_cycles_equals_the_chunked_reference():
    rng = np.random.default_rng(1)
    for n in (0, 1, 100, 4096, 4097, 50_000):
        cycles = np.cumsum(rng.uniform(0.0, 0.3, n)) + rng.uniform(-5.0, 5.0)
        np.testing.assert_array_equal(dsp.sin_cycles(cycles), ref.sin_cycles(cycles))
    assert np.abs(dsp.sin_cycles(np.arange(10_000) * 0.01) - np.sin(2 * np.pi * np.arange(10_000) * 0.01)).max() < 1e-4


@pytest.mark.parametrize("q", [2, 4])
def test_upsample_linear_equals_interp(q):
    x = np.random.default_rng(2).standard_normal((2, 37)).astype(np.float32)
    grid = np.arange(37 * q) / q
    expected = np.stack([np.interp(grid, np.arange(37), row) for row in x])
    np.testing.assert_allclose(upsample_linear(x, q), expected, rtol=0, atol=1e-6)


# recipe -> (reference, render at 48 kHz with its channels, then at 22.05 kHz mono; duration_s of each, None = natural)
# surf: 12 s, so blocks cut through waves (a first block of 1 << 15 frames, then the rest) and a wave ends.
REFERENCES = {"explosion": (ref.ExplosionReference, None, None), "surf": (ref.SurfReference, 12.0, 3.0),
              "wind": (ref.WindReference, 2.0, 2.0), "water": (ref.WaterReference, 3.0, 3.0),
              "magic": (ref.MagicReference, None, None), "engine": (ref.EngineReference, 2.0, 1.5)}


@pytest.mark.parametrize("name,preset", [(name, preset) for name in REFERENCES for preset in get_recipe(name).presets])
def test_recipe_equals_its_reference(name, preset):
    reference, long_s, short_s = REFERENCES[name]
    same_render(get_recipe(name), reference(), preset=preset, seed=5, duration_s=long_s)
    same_render(get_recipe(name), reference(), preset=preset, seed=2, sample_rate=22_050, n_channels=1,
                duration_s=short_s)


@pytest.mark.parametrize("whistle_hz", [180.0, 1530.0, 21_000.0])
def test_whistle_cascade_equals_the_two_resonators(whistle_hz):
    x = np.random.default_rng(0).standard_normal(50_000)
    pair = (signal.sosfilt(dsp.resonator_sos(whistle_hz, 60.0, 48_000), x)
            + signal.sosfilt(dsp.resonator_sos(whistle_hz * 1.31, 60.0, 48_000), x))
    np.testing.assert_allclose(signal.sosfilt(whistle_sos(whistle_hz, 48_000), x), pair, rtol=0, atol=1e-12)


def test_sparse_drips_equal_filtered_trains_with_pitch_and_flow_varied():
    for values in ({"kind": "drips", "flow": 1.0, "pitch": 0.0}, {"kind": "drips", "flow": 0.8, "pitch": 1.0}):
        same_render(get_recipe("water"), ref.WaterReference(), values=values, seed=11, duration_s=4.0)


def test_sparse_drips_stream_in_small_blocks_equals_the_render():
    from museforge.sfx.stream import render_stream

    kwargs = dict(duration_s=2.0, sample_rate=22_050, seed=3, preset="cave drips")
    streamed = render_stream("water", None, block_frames=256, **kwargs).samples
    rendered = get_recipe("water").render(**kwargs).samples
    np.testing.assert_allclose(streamed, rendered, rtol=0, atol=1e-6)
    assert np.abs(rendered).max() > 1e-3


@pytest.mark.parametrize("preset", list(get_recipe("splash").presets))
def test_splash_equals_reference(preset):
    for seed in (1, 7):
        same_render(get_recipe("splash"), ref.SplashReference(), preset=preset, seed=seed)
    same_render(get_recipe("splash"), ref.SplashReference(), preset=preset, seed=3, sample_rate=22_050,
                n_channels=2)


def test_control_noise_equals_linear_interpolation_of_its_points_in_any_blocks():
    whole = dsp.ControlNoise(np.random.default_rng(5), 4.0, 48_000, n_channels=2)
    x = whole(10_000)
    pieces = dsp.ControlNoise(np.random.default_rng(5), 4.0, 48_000, n_channels=2)
    np.testing.assert_array_equal(np.concatenate([pieces(n) for n in (1, 63, 64, 65, 5000, 4807)], axis=1), x)
    points = x[:, ::64]  # the control points sit at frames k * 64
    frames = np.arange(10_000 - 64)
    expected = np.stack([np.interp(frames, np.arange(points.shape[1]) * 64, row) for row in points])
    np.testing.assert_allclose(x[:, :frames.size], expected, rtol=0, atol=1e-12)


def test_engine_revs_automated_from_zero_streams_like_the_reference():
    from museforge.sfx.stream import render_stream

    automation = {"revs": [(0.0, 0.0), (0.6, 0.0), (0.7, 0.9), (1.5, 0.9)]}
    kwargs = dict(duration_s=1.5, sample_rate=22_050, seed=4, block_frames=512)
    fast = render_stream("engine", automation, **kwargs).samples
    slow = render_stream(ref.EngineReference(), automation, **kwargs).samples
    np.testing.assert_allclose(fast, slow, rtol=0, atol=TOL)


@pytest.mark.parametrize("preset", list(get_recipe("city_street").presets))
def test_city_street_equals_reference(preset):
    # 12 s: cars and horns cross block edges (blocks of 1 << 15 frames).
    same_render(get_recipe("city_street"), ref.CityStreetReference(), preset=preset, seed=5, duration_s=12.0)
    same_render(get_recipe("city_street"), ref.CityStreetReference(), preset=preset, seed=2, sample_rate=22_050,
                n_channels=1, duration_s=3.0)


def test_city_street_with_the_crowd_silenced_equals_reference():
    same_render(get_recipe("city_street"), ref.CityStreetReference(), values={"crowd": 0.0, "horns": 1.0},
                seed=1, duration_s=8.0)


@pytest.mark.parametrize("sample_rate", [8_000, 22_050, 32_000, 48_000, 96_000])
def test_retro_resample_equals_resample_poly(sample_rate):
    import math

    from museforge.sfx import retro_synth

    g = math.gcd(sample_rate, retro_synth.TICK_RATE)
    up, down = sample_rate // g, retro_synth.TICK_RATE // g
    for n in (1, 2, 7, 160, 4601, 12_345):
        x = np.random.default_rng(n).standard_normal(n)
        expected = signal.resample_poly(x, up, down, window=retro_synth._polyphase_filter(up, down))
        got = retro_synth.resample(x, sample_rate)
        assert got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("name", ["retro_pickup", "retro_laser", "retro_explosion", "retro_hit", "retro_blip", "retro"])
def test_retro_render_is_bit_identical_to_render_sfxr_then_headroom(name):
    from museforge.sfx.retro import HEADROOM_DBFS, fit_duration
    from museforge.sfx.retro_synth import render_sfxr

    recipe = get_recipe(name)
    for seed, sample_rate, duration_s, values in ((0, 48_000, None, {}), (3, 22_050, None, {"sound_vol": 1.0}),
                                                  (5, 44_100, 0.05, {}), (7, 48_000, 1.5, {"sound_vol": 0.9})):
        if name == "retro":
            values = {**values, "wave_type": "noise"}
        params = recipe.resolve(values)
        audio = render_sfxr(recipe.sfxr_params(params, seed), sample_rate=sample_rate, seed=recipe.noise_seed(seed),
                            clip=False)
        if audio.peak_dbfs() > HEADROOM_DBFS:
            audio = audio.normalize_peak(HEADROOM_DBFS)
        expected = fit_duration(audio, duration_s).samples
        got = recipe.render(values, seed=seed, sample_rate=sample_rate, duration_s=duration_s).samples
        assert got.dtype == np.float32 and got.shape == expected.shape
        np.testing.assert_array_equal(got, expected)
