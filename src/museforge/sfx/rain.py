"""Rain: a dense wash of tiny impacts plus individually audible drops ringing on a surface.

Physics, loosely: each drop is an impulse exciting the surface (leaves, roof, window) or, on
water, a small bubble whose Minnaert resonance rises as the drop gets smaller. Intensity sets the
drop rate and the wash level; drop size moves every resonance (smaller = higher, brighter).
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import AmbienceRecipe, Param, Voice, register

# surface -> (resonance at 2 mm drops in Hz, resonator Q, drop level, wash low cut in Hz)
SURFACES = {
    "leaves": (1800.0, 1.5, 0.9, 400.0),
    "roof": (700.0, 6.0, 1.2, 150.0),
    "window": (3200.0, 4.0, 0.8, 600.0),
    "puddles": (2600.0, 25.0, 0.7, 250.0),
}
MODE_RATIOS = (0.72, 1.0, 1.47)  # three resonators per surface, mildly inharmonic


@register
class Rain(AmbienceRecipe):
    name = "rain"
    category = "rain"
    ucs_cat_id = "RAIN"
    params = (
        Param("intensity", 0.5, 0.0, 1.0, doc="drizzle (0) .. downpour (1): drop rate and wash level"),
        Param("drop_size_mm", 2.0, 0.5, 5.0, doc="drop diameter; smaller drops ring higher"),
        Param("surface", "leaves", choices=tuple(SURFACES), doc="what the drops land on"),
        Param("distance", 0.2, 0.0, 1.0, doc="0 = right here, 1 = heard from indoors (duller)"),
    )
    presets = {
        "drizzle": {"intensity": 0.15, "drop_size_mm": 1.0, "surface": "leaves"},
        "steady": {"intensity": 0.5, "drop_size_mm": 2.0, "surface": "leaves"},
        "heavy roof": {"intensity": 0.9, "drop_size_mm": 3.5, "surface": "roof"},
        "window": {"intensity": 0.4, "drop_size_mm": 1.5, "surface": "window", "distance": 0.5},
        "puddles": {"intensity": 0.35, "drop_size_mm": 2.5, "surface": "puddles"},
    }

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        intensity = voice.ramp("intensity", params["intensity"], n_frames)
        size = params["drop_size_mm"]
        base_hz, q, drop_gain, low_cut_hz = SURFACES[params["surface"]]
        size_shift = (2.0 / size) ** 0.8  # smaller drop -> higher resonance
        top_hz = (4000.0 + 9000.0 * size_shift) * (1.0 - 0.75 * params["distance"])

        # The wash: pink noise band-limited by surface and drop size, level ~ intensity^1.5.
        wash = voice.filter("pink", dsp.pink_sos)(voice.noise.white(n_frames))  # the tilt tells surfaces apart
        wash = voice.filter("wash", dsp.band_sos, low_cut_hz, top_hz, sr)(wash)
        wash *= 0.12 * intensity ** 1.5

        # Drops: Poisson impulses (rate up to 900/s), heavy-tailed strength, random pan, three resonators.
        idx = dsp.poisson_impulses(voice.rng("drops"), 900.0 * intensity ** 1.3, n_frames, sr)
        attrs = voice.rng("drop-attrs").random((idx.size, 3))
        strength = (0.05 + attrs[:, 0] ** 3) * (size / 2.0) ** 0.7 * drop_gain
        gains = dsp.pan_gains(attrs[:, 1] * 2.0 - 1.0, ch) * strength
        which = (attrs[:, 2] * len(MODE_RATIOS)).astype(int)
        drops = np.zeros((ch, n_frames))
        for k, ratio in enumerate(MODE_RATIOS):
            mine = which == k
            train = dsp.impulse_train(idx[mine], gains[:, mine], n_frames)
            freq_hz = base_hz * ratio * size_shift * (1.0 - 0.5 * params["distance"])
            drops += voice.filter(f"drop{k}", dsp.resonator_sos, freq_hz, q, sr)(train)
        return wash + 0.5 * drops
