"""Seamless loops of any length for ambiences.

The recipe renders ``duration + crossfade`` and the extra tail is crossfaded (equal power) over
the head. Playback wrapping from the last frame to the first then continues exactly where the
render would have gone on, and the fade region holds the level because the two overlapped parts
are independent noise-like signals.
"""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from museforge.audio import Audio, LoopPoints
from museforge.errors import MuseforgeError, check_range
from museforge.sfx import dsp
from museforge.sfx.recipe import Recipe, get_recipe, normalize_audio


def render_loop(recipe: Recipe | str, values: Mapping[str, object] | None = None, *, preset: str | None = None,
                duration_s: float, sample_rate: int = 48_000, seed: int = 0, n_channels: int | None = None,
                crossfade_s: float | None = None, normalize: str | None = None,
                level_db: float | None = None) -> Audio:
    """An ambience of exactly ``duration_s`` whose end flows into its start; loop points cover it all.

    Args:
        crossfade_s: overlap length; default min(2 s, a quarter of the loop).
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if not recipe.loopable:
        raise MuseforgeError(f"{recipe.name} is a one-shot, not a loopable ambience")
    duration_s = recipe.check_duration(duration_s)
    n_frames = int(round(duration_s * sample_rate))
    fade_s = min(2.0, duration_s / 4.0) if crossfade_s is None else check_range(
        "crossfade_s", crossfade_s, 0.001, duration_s / 2.0, "s")
    n_fade = max(1, int(round(fade_s * sample_rate)))
    longer = recipe.render(values, preset=preset, duration_s=(n_frames + n_fade + 1) / sample_rate,
                           sample_rate=sample_rate, seed=seed, n_channels=n_channels)
    x = longer.samples.astype(np.float64)[:, :n_frames + n_fade]
    out = x[:, :n_frames].copy()
    out[:, :n_fade] = dsp.equal_power_crossfade(x[:, :n_fade], x[:, n_frames:n_frames + n_fade])
    audio = Audio(out.astype(np.float32), sample_rate, LoopPoints(0, n_frames))
    return normalize_audio(audio, normalize, level_db)
