"""Every recipe: renders cleanly at several rates/channel counts, deterministically, with checked input."""

from __future__ import annotations

import numpy as np
import pytest

from museforge.errors import MuseforgeError
from museforge.sfx.recipe import AmbienceRecipe, OneShotRecipe, get_recipe, recipe_names

OURS = ["rain", "wind", "fire", "water", "splash", "thunder", "surf", "city_street", "forest", "night",
        "room_tone", "footsteps", "impact", "ui", "whoosh", "explosion", "magic", "door", "engine"]
CATEGORIES = {"rain", "thunder", "wind", "fire", "water", "footsteps", "impact", "explosion", "ui", "whoosh",
              "weapon", "engine", "ambience", "other"}


def short(recipe) -> dict:
    """Cheap settings per recipe so the whole matrix stays fast."""
    if recipe.name == "thunder":
        return {"rumble_s": 2.0}
    if recipe.name == "footsteps":
        return {"steps": 2.0}
    if recipe.name == "magic":
        return {"spell_s": 0.3}
    return {}


def test_all_families_registered_with_a_judge_category():
    names = recipe_names()
    for name in OURS:
        assert name in names
        recipe = get_recipe(name)
        assert recipe.category in CATEGORIES
        assert recipe.presets, f"{name} has no presets"
        for preset in recipe.presets:
            recipe.resolve(preset=preset)  # every preset value is inside its range


@pytest.mark.parametrize("name", OURS)
@pytest.mark.parametrize("sample_rate,n_channels", [(22_050, 1), (44_100, 2), (48_000, 1)])
def test_renders_clean_exact_and_deterministic(name, sample_rate, n_channels):
    recipe = get_recipe(name)
    kwargs = dict(sample_rate=sample_rate, n_channels=n_channels, seed=5)
    duration_s = 0.7 if isinstance(recipe, AmbienceRecipe) else None
    a = recipe.render(short(recipe), duration_s=duration_s, **kwargs)
    assert a.sample_rate == sample_rate and a.n_channels == n_channels
    if duration_s is not None:
        assert a.n_frames == round(duration_s * sample_rate)
    assert np.all(np.isfinite(a.samples))
    assert a.peak_dbfs() < 0.0  # never clips
    assert a.rms_dbfs() > -75.0, "audible"
    b = recipe.render(short(recipe), duration_s=duration_s, **kwargs)
    assert np.array_equal(a.samples, b.samples)
    c = recipe.render(short(recipe), duration_s=duration_s, **{**kwargs, "seed": 6})
    assert a.n_frames != c.n_frames or not np.array_equal(a.samples, c.samples)


@pytest.mark.parametrize("name", [n for n in OURS if isinstance(get_recipe(n), OneShotRecipe)])
def test_one_shot_tails_decay_to_silence(name):
    recipe = get_recipe(name)
    audio = recipe.render(short(recipe), sample_rate=22_050, seed=1)
    tail = audio.samples[:, -int(0.002 * 22_050):]
    assert np.max(np.abs(tail)) < 1e-3 * max(1e-6, float(np.max(np.abs(audio.samples))))
    assert audio.samples[:, -1].max() == 0.0 or abs(audio.samples[:, -1]).max() < 1e-6


def test_one_shot_exact_duration_and_normalisation():
    impact = get_recipe("impact")
    padded = impact.render({"material": "glass"}, duration_s=3.0, sample_rate=22_050)
    assert padded.n_frames == 66_150
    peak = impact.render(preset="metal clang", normalize="peak", level_db=-3.0)
    assert abs(peak.peak_dbfs() - -3.0) < 0.01
    loud = get_recipe("rain").render(duration_s=2.0, normalize="loudness", level_db=-23.0, sample_rate=22_050)
    assert abs(loud.loudness_lufs() - -23.0) < 0.5


def test_bad_input_says_what_is_allowed():
    rain = get_recipe("rain")
    with pytest.raises(MuseforgeError, match="valid: .*rain"):
        get_recipe("rian")
    with pytest.raises(MuseforgeError, match="valid: intensity, drop_size_mm"):
        rain.render({"drop_sise_mm": 1.0})
    with pytest.raises(MuseforgeError, match=r"\[0.5, 5.0\]"):
        rain.render({"drop_size_mm": 9.0})
    with pytest.raises(MuseforgeError, match="leaves"):
        rain.render({"surface": "lava"})
    with pytest.raises(MuseforgeError, match="valid: drizzle"):
        rain.render(preset="monsoon")
    with pytest.raises(MuseforgeError, match="3600"):
        rain.render(duration_s=5 * 3600.0)
    with pytest.raises(MuseforgeError, match="0.01"):
        rain.render(duration_s=0)
    with pytest.raises(MuseforgeError, match="n_channels must be 1 or 2"):
        rain.render(duration_s=0.1, n_channels=6)
    with pytest.raises(MuseforgeError, match="sample_rate"):
        rain.render(duration_s=0.1, sample_rate=1000)
    with pytest.raises(MuseforgeError, match="normalize mode"):
        rain.render(duration_s=0.1, normalize="max")
    with pytest.raises(MuseforgeError, match="60"):
        get_recipe("impact").render(duration_s=600.0)
