"""Fire: a low roar that flickers, a soft hiss, and crackles (sharp pops from bursting pockets).

Crackles are Poisson impulses with heavy-tailed (cubed uniform) strengths through two
resonators and a high-pass, so most are tiny ticks and a few are loud pops, as in a real fire.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import AmbienceRecipe, Param, Voice, register


@register
class Fire(AmbienceRecipe):
    name = "fire"
    category = "fire"
    ucs_cat_id = "FIRE"
    params = (
        Param("size", 0.5, 0.0, 1.0, doc="candle (0) .. bonfire (1): roar level and depth"),
        Param("crackle", 0.5, 0.0, 1.0, doc="rate and strength of pops"),
        Param("wood", 0.5, 0.0, 1.0, doc="dry kindling (0, bright ticks) .. damp logs (1, duller pops)"),
    )
    presets = {
        "campfire": {"size": 0.5, "crackle": 0.6, "wood": 0.4},
        "fireplace": {"size": 0.35, "crackle": 0.4, "wood": 0.7},
        "bonfire": {"size": 1.0, "crackle": 0.8, "wood": 0.5},
        "embers": {"size": 0.1, "crackle": 0.25, "wood": 0.2},
    }

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        size = voice.ramp("size", params["size"], n_frames)
        crackle = voice.ramp("crackle", params["crackle"], n_frames)
        noise = voice.noise.white(n_frames)

        # Flicker: ~4 Hz random modulation of the roar, shared by both channels.
        if "flicker" not in voice.state:
            voice.state["flicker"] = dsp.ControlNoise(voice.rng("flicker"), 4.0, sr)
        flick = np.clip(1.0 + 0.35 * voice.state["flicker"](n_frames)[0], 0.2, 2.0)
        roar_hz = 120.0 + 280.0 * params["size"]
        # Roar: noise below roar_hz (12 dB/octave above), scaled to ~unit variance before the level.
        roar = voice.filter("roar", dsp.lowpass_sos, roar_hz, sr, 2)(noise)  # zero-mean noise: no DC to cut
        roar *= 0.25 * np.sqrt(sr / (2.2 * roar_hz)) * size * flick
        hiss = voice.filter("hiss", dsp.band_sos, 2500.0, 9000.0, sr)(noise) * (0.006 * size * flick)

        idx = dsp.poisson_impulses(voice.rng("pops"), 4.0 + 120.0 * crackle ** 1.5, n_frames, sr)
        attrs = voice.rng("pop-attrs").random((idx.size, 2))
        gains = dsp.pan_gains(attrs[:, 1] * 1.6 - 0.8, ch) * (attrs[:, 0] ** 3 + 0.02)
        train = dsp.impulse_train(idx, gains, n_frames) * (0.3 + 0.9 * crackle)
        bright_hz = 5500.0 - 3000.0 * params["wood"]
        pops = voice.filter("pop1", dsp.resonator_sos, bright_hz, 1.5, sr)(train)
        pops += 0.6 * voice.filter("pop2", dsp.resonator_sos, bright_hz * 0.45, 2.5, sr)(train)
        pops += 0.4 * train  # the sharp edge of each pop
        return 0.5 * (roar + hiss + 2.0 * pops)
