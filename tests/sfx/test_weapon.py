"""The weapon recipe: parameters move the sound the way the physics says, measured (not listened to).

The realism bound compares with the judge's training clips of category weapon, subcategory gun
(peak-normalised mono at 22.05 kHz): median RMS -10.3 dB re peak, mel bands below 150 Hz ~25-30 dB
over 2.3-5 kHz. A gunshot made the textbook way, a bright click with a quiet tail, sits far outside.
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import signal

from museforge.sfx.recipe import get_recipe
from sfx_measure import centroid_hz, dominant_hz, highpass, onset_count, rms

SR = 22_050


def render(values=None, preset=None, seed=3, sample_rate=SR):
    return get_recipe("weapon").render(values, preset=preset, sample_rate=sample_rate, seed=seed).samples.mean(axis=0)


def band_db(x: np.ndarray, low_hz: float, high_hz: float) -> float:
    freqs, psd = signal.welch(x, SR, nperseg=min(2048, x.size))
    return float(10 * np.log10(np.mean(psd[(freqs >= low_hz) & (freqs < high_hz)]) + 1e-20))


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_gunshot_is_loud_and_bright_at_the_onset_then_a_darker_tail(seed):
    x = render(preset="pistol", seed=seed)
    head, tail = x[: int(0.03 * SR)], x[int(0.15 * SR):]
    assert 20 * np.log10(rms(head) / rms(tail)) > 8.0
    assert centroid_hz(x[: int(0.02 * SR)], SR) > 1.5 * centroid_hz(x[int(0.1 * SR):], SR)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_bigger_calibre_is_lower_and_longer(seed):
    small = render({"size": 0.15, "action": 0.0, "crack": 0.0}, seed=seed)
    big = render({"size": 0.95, "action": 0.0, "crack": 0.0}, seed=seed)
    assert centroid_hz(big, SR) < 0.85 * centroid_hz(small, SR)
    assert big.size > 1.25 * small.size


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_distance_dulls_the_crack_and_lowers_the_level(seed):
    near = render({"size": 0.5, "crack": 1.0, "distance": 0.0}, seed=seed)
    far = render({"size": 0.5, "crack": 1.0, "distance": 0.9}, seed=seed)
    assert np.abs(far).max() < 0.5 * np.abs(near).max()

    def bright_share(x):
        head = x[: int(0.01 * SR)]
        return rms(highpass(head, SR, 4000.0)) / rms(head)

    assert bright_share(far) < 0.4 * bright_share(near)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_rifle_crack_is_a_bright_snap_ahead_of_the_blast(seed):
    sr = 48_000
    with_crack = render({"size": 0.5, "crack": 1.0, "distance": 0.0}, seed=seed, sample_rate=sr)
    without = render({"size": 0.5, "crack": 0.0, "distance": 0.0}, seed=seed, sample_rate=sr)
    head = int(0.0025 * sr)  # the blast follows the bullet's shock wave by 3 ms at the weapon
    assert rms(with_crack[:head]) > 0.1 * np.abs(with_crack).max()  # audible, not a sliver
    # The snap (measured 6.5-8.8 kHz on seeds 0-3) vs the blast's own onset (0.4-3 kHz).
    assert centroid_hz(with_crack[:head], sr) > 5000.0
    assert centroid_hz(with_crack[:head], sr) > 2.0 * centroid_hz(without[:head], sr)


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_an_energy_shot_sweeps_down_in_pitch(seed):
    x = highpass(render(preset="blaster", seed=seed), SR, 150.0)  # above the discharge thump
    # The strongest partial in successive windows (seeds 0-3: ~2.5-3.4 kHz, ~2 kHz, ~1 kHz, ~0.45 kHz).
    pitch = [dominant_hz(x[int(a * SR): int(b * SR)], SR) for a, b in ((0.0, 0.03), (0.08, 0.15), (0.15, 0.3))]
    assert pitch[0] > 1.5 * pitch[1] and pitch[1] > 1.5 * pitch[2]


@pytest.mark.parametrize("seed", [0, 1])
def test_a_blade_rings_brighter_and_longer_than_a_blunt_hit(seed):
    def ring_db(x):  # level 0.1-0.2 s after the hit, re its peak
        i = int(np.argmax(np.abs(x)))
        return 20 * np.log10(rms(x[i + int(0.1 * SR): i + int(0.2 * SR)]) / np.abs(x).max())

    blade = render({"kind": "melee", "metal": 1.0}, seed=seed)
    blunt = render({"kind": "melee", "metal": 0.0}, seed=seed)
    assert ring_db(blade) > ring_db(blunt) + 6.0
    assert centroid_hz(blade, SR) > 1.25 * centroid_hz(blunt, SR)


def test_a_reload_is_a_few_separate_mechanical_clicks():
    for seed in range(3):
        assert 3 <= onset_count(render(preset="reload", seed=seed), SR, rise_db=15.0, min_gap_s=0.05) <= 6


def test_same_seed_same_samples_and_seeds_vary():
    a, b, c = render(preset="shotgun", seed=7), render(preset="shotgun", seed=7), render(preset="shotgun", seed=8)
    assert np.array_equal(a, b)
    assert a.size != c.size or not np.allclose(a, c)


def test_every_preset_and_kind_is_finite_within_full_scale_and_dies_away():
    recipe = get_recipe("weapon")
    cases = [{"preset": p} for p in recipe.presets] + [
        {"values": {"kind": k, "power": 1.0, "size": 1.0, "distance": 0.0, "indoor": 1.0, "action": 1.0}}
        for k in ("gun", "energy", "melee", "ranged", "reload")]
    for case in cases:
        for sample_rate in (22_050, 48_000):
            x = recipe.render(case.get("values"), preset=case.get("preset"), sample_rate=sample_rate,
                              seed=1).samples
            assert np.isfinite(x).all()
            assert np.abs(x).max() <= 1.0 and np.abs(x).max() > 0.05
            assert x.shape[1] < 2.0 * sample_rate  # a one-shot, not a bed
            assert np.abs(x[:, -int(0.005 * sample_rate):]).max() < 0.01 * np.abs(x).max()  # faded to silence


@pytest.mark.parametrize("preset", ["pistol", "rifle", "shotgun"])
def test_gunshots_are_dense_and_bottom_heavy_like_recorded_ones(preset):
    x = render(preset=preset, seed=5)
    # Real gun clips: RMS -10.3 dB re peak (a click with a quiet tail: below -20 dB)...
    assert 20 * np.log10(rms(x) / np.abs(x).max()) > -15.0
    # ...and 30-150 Hz ~25-30 dB over 2.5-5 kHz (a bright crack alone: the other way round).
    assert band_db(x, 30, 150) - band_db(x, 2500, 5000) > 20.0
