"""Layering: several recipes, each with an offset and a gain, mixed into one sound.

A thunderstorm is rain + wind + a thunder clap at 3 s; a door slam is a door plus a low impact.
Each layer gets its own seed (``seed + layer index``) so repeated recipes do not cancel or double.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field

import numpy as np

from museforge.audio import Audio, db_to_amplitude
from museforge.errors import MuseforgeError, check_range
from museforge.sfx.recipe import get_recipe, normalize_audio

MAX_LAYERS = 32


@dataclass(frozen=True)
class Layer:
    """One recipe in a mix. ``duration_s`` None = the recipe's natural/default length."""

    recipe: str
    values: Mapping[str, object] = field(default_factory=dict)
    preset: str | None = None
    offset_s: float = 0.0
    gain_db: float = 0.0
    duration_s: float | None = None


def render_layers(layers: Sequence[Layer], *, duration_s: float | None = None, sample_rate: int = 48_000,
                  seed: int = 0, n_channels: int = 2, normalize: str | None = None,
                  level_db: float | None = None) -> Audio:
    """Mix ``layers``; the result is ``duration_s`` long, or as long as the last layer ends."""
    if not 1 <= len(layers) <= MAX_LAYERS:
        raise MuseforgeError(f"a mix needs 1 to {MAX_LAYERS} layers, got {len(layers)}")
    rendered = []
    for i, layer in enumerate(layers):
        check_range(f"layer {i} offset_s", layer.offset_s, 0.0, 3600.0, "s")
        check_range(f"layer {i} gain_db", layer.gain_db, -96.0, 24.0, "dB")
        audio = get_recipe(layer.recipe).render(layer.values, preset=layer.preset, duration_s=layer.duration_s,
                                                sample_rate=sample_rate, seed=int(seed) + i, n_channels=n_channels)
        rendered.append((int(round(layer.offset_s * sample_rate)), audio.samples * db_to_amplitude(layer.gain_db)))
    end = max(offset + x.shape[1] for offset, x in rendered)
    total = end if duration_s is None else int(round(check_range("duration_s", duration_s, 0.01, 3600.0, "s")
                                                           * sample_rate))
    mix = np.zeros((n_channels, total), dtype=np.float32)
    for offset, x in rendered:
        if offset < total:
            length = min(x.shape[1], total - offset)
            mix[:, offset:offset + length] += x[:, :length]
    return normalize_audio(Audio(mix, sample_rate), normalize, level_db)
