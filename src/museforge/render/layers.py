"""Adaptive game music: intensity layers that a game plays together and fades in by intensity.

Tracks are grouped by mixing role into cumulative layers: ``base`` (pads, keys, strings,
guitar), ``rhythm`` (drums, bass), ``lead`` (melody) and ``full`` (brass, fx and the rest).
Intensity ``i`` means layers ``0..i`` playing together at unity gain. Layers with no tracks are
left out. All layers are the same length and sample-aligned; in loop mode every layer is itself a
seamless loop over the same frames.

Levels: one linear gain, shared by every layer, brings the full mix to the loudness target, capped
so its true peak stays under the ceiling. There is no limiter, because a limiter on the sum cannot
be split into layers: with it, lower intensities would not equal the sum of their layers. The
manifest records the measured loudness and true peak of every intensity, so a game (or a user) can
see when the peak cap left the full mix below the target.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from museforge.audio import Audio, db_to_amplitude
from museforge.errors import MuseforgeError
from museforge.render import mix as mixing
from museforge.render.loop import render_loop
from museforge.render.pipeline import Rendered, render

LAYERS = ("base", "rhythm", "lead", "full")
ROLE_LAYERS = {"pad": "base", "keys": "base", "strings": "base", "guitar": "base", "drums": "rhythm",
               "bass": "rhythm", "lead": "lead", "brass": "full", "fx": "full"}
MANIFEST_FORMAT = "museforge-intensity-layers/1"


@dataclass(frozen=True)
class Layer:
    """One intensity layer: its name, the stems (track names) in it, and its audio."""

    name: str
    tracks: tuple[str, ...]
    audio: Audio


@dataclass(frozen=True)
class LayerSet:
    """Layers in intensity order, the render they came from, and the manifest describing them."""

    layers: tuple[Layer, ...]
    rendered: Rendered
    gain_db: float
    target_lufs: float
    true_peak_dbtp: float
    intensities: tuple[dict, ...]

    def manifest(self, files: dict[str, str] | None = None) -> dict:
        """The JSON manifest; ``files`` maps layer names to the file each was written to."""
        first = self.layers[0].audio
        loop = first.loop
        return {
            "format": MANIFEST_FORMAT,
            "how_to_play": "start every layer at the same time, looping if loop points are given; "
                           "intensity i = layers 0..i at unity gain (fade a layer in or out to change "
                           "intensity)",
            "sample_rate": first.sample_rate,
            "n_channels": first.n_channels,
            "n_frames": first.n_frames,
            "duration_s": round(first.duration_s, 6),
            "loop": {"start_frame": loop.start_frame, "end_frame": loop.end_frame} if loop else None,
            "target_loudness_lufs": self.target_lufs,
            "true_peak_ceiling_dbtp": self.true_peak_dbtp,
            "shared_gain_db": round(self.gain_db, 3),
            "layers": [
                {"index": index, "name": layer.name, "tracks": list(layer.tracks),
                 "roles": [self.rendered.roles[t] for t in layer.tracks],
                 "file": (files or {}).get(layer.name)}
                for index, layer in enumerate(self.layers)
            ],
            "intensities": list(self.intensities),
        }


def group_layers(roles: dict[str, str]) -> list[tuple[str, tuple[str, ...]]]:
    """(layer name, track names) in intensity order, skipping empty layers."""
    groups = [(name, tuple(t for t, role in roles.items() if ROLE_LAYERS[role] == name)) for name in LAYERS]
    groups = [(name, tracks) for name, tracks in groups if tracks]
    if not groups:
        raise MuseforgeError("no tracks to put into intensity layers")
    return groups


def render_layers(
    score,
    *,
    loop: bool = True,
    n_bars: int | None = None,
    duration_s: float | None = None,
    loudness: str | float = "console",
    true_peak_dbtp: float = mixing.DEFAULT_TRUE_PEAK_DBTP,
    soundfont: str | Path | None = None,
    backend: str = "tinysoundfont",
    sample_rate: int = 44_100,
    n_channels: int = 2,
    roles: dict[str, str] | None = None,
) -> LayerSet:
    """Render a score as intensity layers of identical length (seamless loops by default).

    Args:
        score: a symusic Score.
        loop: render as a seamless loop (:func:`museforge.render.loop.render_loop`); ``n_bars`` /
            ``duration_s`` then choose its length. Otherwise the whole piece with its tail.
        loudness: loudness target of the full intensity (preset name or LUFS); default console -24.
        true_peak_dbtp: ceiling for the full intensity's true peak.
        roles: roles by track name, overriding the automatic choice (decides the layer).
        Others: as in :func:`museforge.render.pipeline.render`.

    Returns:
        A :class:`LayerSet`.
    """
    target = mixing.loudness_target(loudness)
    common = dict(soundfont=soundfont, backend=backend, sample_rate=sample_rate, n_channels=n_channels,
                  loudness=target, true_peak_dbtp=true_peak_dbtp, roles=roles)
    if loop:
        rendered = render_loop(score, n_bars=n_bars, duration_s=duration_s, **common)
    elif n_bars is not None or duration_s is not None:
        raise MuseforgeError("n_bars and duration_s choose a loop's length; pass loop=True to use them")
    else:
        rendered = render(score, **common)
    premix = rendered.premix
    gain_db = target - premix.loudness_lufs()
    peak = premix.gain(gain_db).true_peak_dbtp()
    if peak > true_peak_dbtp:  # the peak limit wins over loudness (no limiter: see module doc)
        gain_db -= peak - true_peak_dbtp
    gain = np.float32(db_to_amplitude(gain_db))
    layers = []
    for name, tracks in group_layers(rendered.roles):
        summed = np.sum([rendered.stems[t].samples for t in tracks], axis=0, dtype=np.float32) * gain
        layers.append(Layer(name, tracks, Audio(summed, premix.sample_rate, premix.loop)))
    intensities, running = [], np.zeros_like(premix.samples)
    for level, layer in enumerate(layers, start=1):
        running = running + layer.audio.samples
        combined = Audio(running, premix.sample_rate)
        intensities.append({
            "level": level, "layers": [x.name for x in layers[:level]],
            "integrated_loudness_lufs": round(combined.loudness_lufs(), 2),
            "true_peak_dbtp": round(combined.true_peak_dbtp(), 2),
        })
    return LayerSet(tuple(layers), rendered, gain_db, target, true_peak_dbtp, tuple(intensities))
