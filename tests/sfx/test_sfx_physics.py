"""Parameters move the sound the way the physics says (measured, not listened to)."""

from __future__ import annotations

import numpy as np

from museforge.sfx.recipe import get_recipe
from sfx_measure import centroid_hz, dominant_hz, envelope_db, highpass, onset_count, rms

SR = 22_050


def render(name, values=None, **kw):
    kw.setdefault("sample_rate", SR)
    kw.setdefault("seed", 3)
    return get_recipe(name).render(values, **kw).samples


def test_rain_smaller_drops_are_brighter_and_heavier_rain_is_louder():
    small = render("rain", {"drop_size_mm": 0.7}, duration_s=1.5)
    large = render("rain", {"drop_size_mm": 4.5}, duration_s=1.5)
    assert centroid_hz(small, SR) > 1.3 * centroid_hz(large, SR)
    light = render("rain", {"intensity": 0.15}, duration_s=1.5)
    heavy = render("rain", {"intensity": 0.9}, duration_s=1.5)
    assert rms(heavy) > 4.0 * rms(light)


def test_rain_surfaces_differ_roof_darker_than_window():
    roof = render("rain", {"surface": "roof"}, duration_s=1.5)
    window = render("rain", {"surface": "window"}, duration_s=1.5)
    assert centroid_hz(window, SR) > centroid_hz(roof, SR) * 1.3


def test_wind_faster_is_louder_and_brighter():
    slow = render("wind", {"speed_mps": 4.0, "whistle": 0.0}, duration_s=3.0)
    fast = render("wind", {"speed_mps": 20.0, "whistle": 0.0}, duration_s=3.0)
    assert rms(fast) > 3.0 * rms(slow)
    assert centroid_hz(fast, SR) > 1.3 * centroid_hz(slow, SR)


def test_wind_gustiness_makes_the_level_vary_more():
    steady = envelope_db(render("wind", {"gustiness": 0.0, "gust_rate_hz": 1.0}, duration_s=6.0), SR, 0.1)
    gusty = envelope_db(render("wind", {"gustiness": 1.0, "gust_rate_hz": 1.0}, duration_s=6.0), SR, 0.1)
    assert np.std(gusty[5:]) > 1.5 * np.std(steady[5:])


def test_fire_crackle_adds_pops_and_size_adds_low_roar():
    calm = render("fire", {"crackle": 0.05}, duration_s=2.0)
    lively = render("fire", {"crackle": 1.0}, duration_s=2.0)
    assert rms(highpass(lively, SR, 2000.0)) > 2.0 * rms(highpass(calm, SR, 2000.0))
    assert onset_count(highpass(calm, SR, 2000.0), SR, rise_db=10.0) >= 2  # sparse pops stand out
    assert centroid_hz(lively, SR) > centroid_hz(calm, SR)
    small, big = render("fire", {"size": 0.1, "crackle": 0.0}, duration_s=2.0), render(
        "fire", {"size": 1.0, "crackle": 0.0}, duration_s=2.0)
    assert rms(big) > 3.0 * rms(small)


def test_water_kinds_river_lower_than_stream_drips_sparse():
    stream = render("water", {"kind": "stream"}, duration_s=1.5)
    river = render("water", {"kind": "river"}, duration_s=1.5)
    assert centroid_hz(stream, SR) > centroid_hz(river, SR)
    drips = render("water", {"kind": "drips", "flow": 0.3}, duration_s=4.0, n_channels=1)[0]
    assert 2 <= onset_count(drips, SR, rise_db=10.0) <= 20


def test_thunder_far_is_duller_quieter_and_without_crack():
    near = render("thunder", {"distance_km": 0.4, "rumble_s": 3.0})
    far = render("thunder", {"distance_km": 15.0, "rumble_s": 3.0})
    assert centroid_hz(near, SR) > 2.0 * centroid_hz(far, SR)
    assert rms(near) > rms(far)
    crack, later = highpass(near[:, : int(0.3 * SR)], SR, 2000.0), highpass(near[:, SR:], SR, 2000.0)
    assert rms(crack) > 3.0 * rms(later)  # the bright crack comes first


def test_impact_bigger_objects_ring_lower_and_longer():
    small = render("impact", {"material": "metal", "size_m": 0.1, "damping": 0.0})
    large = render("impact", {"material": "metal", "size_m": 0.6, "damping": 0.0})
    assert dominant_hz(large, SR) < dominant_hz(small, SR) / 3.0
    assert large.shape[1] > small.shape[1]


def test_impact_materials_and_strength():
    wood = render("impact", {"material": "wood", "size_m": 0.3})
    metal = render("impact", {"material": "metal", "size_m": 0.3})
    assert metal.shape[1] > 4 * wood.shape[1]  # metal rings on, wood is damped
    soft = render("impact", {"material": "glass", "strength": 0.1})
    hard = render("impact", {"material": "glass", "strength": 1.0})
    assert centroid_hz(hard, SR) > centroid_hz(soft, SR)
    assert rms(hard) > 2.0 * rms(soft)


def test_footsteps_count_and_pace():
    steps = render("footsteps", {"steps": 5.0, "pace_hz": 2.0, "surface": "concrete", "shoe": "heel"})
    assert onset_count(steps, SR, min_gap_s=0.25) == 5  # heel + toe make one step
    slow = render("footsteps", {"steps": 4.0, "pace_hz": 1.0})
    fast = render("footsteps", {"steps": 4.0, "pace_hz": 3.0})
    assert slow.shape[1] > 1.8 * fast.shape[1]
    gravel = render("footsteps", {"surface": "gravel", "shoe": "boot"})
    concrete = render("footsteps", {"surface": "concrete", "shoe": "boot"})
    assert centroid_hz(gravel, SR) > centroid_hz(concrete, SR)


def test_ui_confirm_rises_cancel_falls_error_is_low():
    def first_last_pitch(x):
        n = x.shape[1]
        return dominant_hz(x[:, : n // 4], SR), dominant_hz(x[:, n // 2:], SR)

    up = first_last_pitch(render("ui", preset="confirm"))
    down = first_last_pitch(render("ui", preset="cancel"))
    assert up[1] > up[0] and down[1] < down[0]
    assert centroid_hz(render("ui", preset="error"), SR) < centroid_hz(render("ui", preset="notification"), SR)
    typing = render("ui", {"kind": "typing", "keys": 8.0})
    assert 6 <= onset_count(typing, SR, rise_db=10.0) <= 9


def test_whoosh_faster_is_brighter_and_peaks_in_the_middle():
    slow = render("whoosh", {"speed": 0.2, "whistle": 0.0})
    fast = render("whoosh", {"speed": 1.0, "whistle": 0.0})
    assert centroid_hz(fast, SR) > centroid_hz(slow, SR)
    env = envelope_db(fast, SR)
    assert 0.25 < np.argmax(env) / env.size < 0.75


def test_explosion_distance_dulls_and_size_deepens():
    near = render("explosion", {"distance": 0.0, "debris": 0.0})
    far = render("explosion", {"distance": 1.0, "debris": 0.0})
    assert centroid_hz(near, SR) > 1.5 * centroid_hz(far, SR)
    small = render("explosion", {"size": 0.0, "debris": 0.0})
    big = render("explosion", {"size": 1.0, "debris": 0.0})
    assert big.shape[1] > 1.5 * small.shape[1] and centroid_hz(big, SR) < centroid_hz(small, SR)


def test_night_warmer_crickets_chirp_faster():
    cool = render("night", {"temperature_c": 12.0, "crickets": 0.125, "breeze": 0.0}, duration_s=6.0, n_channels=1)
    warm = render("night", {"temperature_c": 32.0, "crickets": 0.125, "breeze": 0.0}, duration_s=6.0, n_channels=1)
    count = lambda x: onset_count(x, SR, rise_db=20.0, hop_s=0.02)  # noqa: E731 - one onset per chirp
    assert count(warm) > 1.5 * count(cool)
    assert 2500 < dominant_hz(warm, SR) < 5500


def test_room_tone_hum_at_mains_frequency_and_city_traffic_louder():
    hum = render("room_tone", {"hum": 1.0, "air": 0.0, "mains": "60"}, duration_s=2.0, n_channels=1)
    assert abs(dominant_hz(hum, SR) - 60.0) < 2.0
    quiet = render("city_street", {"traffic": 0.05, "horns": 0.0, "crowd": 0.0}, duration_s=3.0)
    busy = render("city_street", {"traffic": 1.0, "horns": 0.0, "crowd": 0.0}, duration_s=3.0)
    assert rms(busy) > 2.0 * rms(quiet)


def test_forest_birds_are_high_and_surf_swells():
    birds = render("forest", {"birds": 1.0, "rustle": 0.0}, duration_s=4.0)
    assert centroid_hz(birds, SR) > 1500.0
    env = envelope_db(render("surf", {"wave_period_s": 4.0}, duration_s=12.0), SR, 0.25)
    assert env.max() - np.percentile(env, 10) > 6.0  # waves come and go


def test_magic_charge_rises_and_door_slam_is_shorter_than_creak():
    charge = render("magic", {"kind": "charge", "sparkle": 0.0, "spell_s": 1.0}, n_channels=1)
    env = envelope_db(charge, SR)
    assert env[: env.size // 4].mean() < env[env.size // 2: 3 * env.size // 4].mean() - 6.0
    slam = render("door", {"action": "slam"})
    creak = render("door", {"action": "creak"})
    assert creak.shape[1] > 2 * slam.shape[1]


def firing_hz(x: np.ndarray, sample_rate: int) -> float:
    """The strongest rate (5-400 Hz) in the 1 ms RMS envelope: how often the engine fires."""
    env = 10 ** (envelope_db(x, sample_rate, 0.001) / 20)
    spectrum = np.abs(np.fft.rfft((env - env.mean()) * np.hanning(env.size)))
    freqs = np.fft.rfftfreq(env.size, 0.001)
    band = (freqs > 5.0) & (freqs < 400.0)
    return float(freqs[band][np.argmax(spectrum[band])])


def test_engine_fires_at_rpm_times_cylinders_and_load_brightens():
    # Four-stroke: each cylinder fires every second turn. 4 cylinders at 1500 rpm: 50 Hz; at 3000: 100 Hz.
    car = render("engine", {"kind": "car", "rpm": 1500.0, "roughness": 0.0}, duration_s=2.0, n_channels=1)
    fast = render("engine", {"kind": "car", "rpm": 3000.0, "roughness": 0.0}, duration_s=2.0, n_channels=1)
    single = render("engine", {"kind": "generator", "rpm": 1500.0, "roughness": 0.0}, duration_s=2.0, n_channels=1)
    assert abs(firing_hz(car, SR) - 50.0) < 2.0
    assert abs(firing_hz(fast, SR) - 100.0) < 3.0
    assert abs(firing_hz(single, SR) - 12.5) < 1.0
    idle = render("engine", {"load": 0.1}, duration_s=2.0)
    working = render("engine", {"load": 0.9}, duration_s=2.0)
    assert centroid_hz(working, SR) > 1.2 * centroid_hz(idle, SR) and rms(working) > 1.5 * rms(idle)
    far = render("engine", {"distance": 1.0}, duration_s=2.0)
    assert centroid_hz(far, SR) < centroid_hz(render("engine", duration_s=2.0), SR) and rms(far) < rms(idle)


def test_engine_revs_move_the_level():
    steady = envelope_db(render("engine", {"revs": 0.0}, duration_s=8.0), SR, 0.1)
    revving = envelope_db(render("engine", {"revs": 1.0}, duration_s=8.0), SR, 0.1)
    assert np.std(revving) > np.std(steady) + 1.0
