"""Thunder: a crack (only when close) followed by rolling rumble, filtered by distance.

The air absorbs high frequencies over distance, so far strikes are dull, delayed and rumble-only;
close ones start with a bright tearing crack. The rumble is brown noise shaped by several
overlapping "rolls" (sound arriving from different parts of the lightning channel).
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import OneShotRecipe, Param, register


@register
class Thunder(OneShotRecipe):
    name = "thunder"
    category = "thunder"
    ucs_cat_id = "THUN"
    default_channels = 2
    params = (
        Param("distance_km", 3.0, 0.2, 20.0, doc="strike distance: near = loud crack, far = dull rumble"),
        Param("rumble_s", 6.0, 2.0, 20.0, doc="length of the rolling tail in seconds"),
        Param("rolls", 0.5, 0.0, 1.0, doc="how many separate rolls the rumble has"),
    )
    presets = {
        "close strike": {"distance_km": 0.4, "rumble_s": 5.0, "rolls": 0.4},
        "storm": {"distance_km": 3.0, "rumble_s": 7.0, "rolls": 0.6},
        "distant rumble": {"distance_km": 14.0, "rumble_s": 9.0, "rolls": 0.8},
    }

    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        distance = params["distance_km"]
        n = int((params["rumble_s"] + 1.0) * sample_rate)
        t = dsp.time_s32(n, sample_rate)  # envelopes in float32 (SIMD-fast)
        white = rng.random((n_channels, n))
        white -= 0.5
        white *= 2.0
        level = 1.0 / (1.0 + distance / 2.0)
        cutoff_hz = 150.0 + 2500.0 / (1.0 + distance)  # air absorption: duller with distance

        shaping = np.concatenate([dsp.brown_sos(sample_rate, 30.0), dsp.lowpass_sos(cutoff_hz, sample_rate, 2)])
        rumble = dsp.Filter(shaping, n_channels)(white)
        n_rolls = 2 + int(params["rolls"] * 8)
        env = np.zeros(n)
        for k in range(n_rolls):  # later rolls are weaker and wider
            centre_s = 0.1 + rng.uniform(0.0, 0.6) * params["rumble_s"] * (k + 1) / n_rolls
            width_s = rng.uniform(0.3, 1.2) * (1.0 + 0.1 * distance)
            lo, hi = (max(0, int((centre_s - 4 * width_s) * sample_rate)), int((centre_s + 4 * width_s) * sample_rate))
            gauss = dsp.fexp(-0.5 * ((t[lo:hi] - centre_s) / width_s) ** 2)
            env[lo:hi] += rng.uniform(0.4, 1.0) * gauss / (1.0 + 0.3 * k)
        env += dsp.fexp(-t / (0.3 * params["rumble_s"])) * np.clip(t / 0.3, 0.0, 1.0)
        env *= np.clip(1.0 + 0.5 * dsp.ControlNoise(rng, 6.0, sample_rate)(n)[0], 0.3, 2.0)
        env *= np.clip((params["rumble_s"] + 1.0 - t) / 1.5, 0.0, 1.0) * (level * 0.2)  # ends in silence
        out = rumble
        out *= env

        if distance < 3.0:  # the crack: bright, only heard near the strike
            closeness = 1.0 - distance / 3.0
            decay_s = 0.08 + 0.25 * closeness
            m = min(n, int(7.0 * decay_s * sample_rate))  # 7 time constants = -60 dB: nothing after
            band = np.concatenate([dsp.highpass_sos(300.0, sample_rate), dsp.lowpass_sos(2000.0 + 8000.0 * closeness,
                                                                                          sample_rate)])
            crack = dsp.Filter(band, n_channels)(white[:, :m])
            crack *= dsp.fexp(-t[:m] / decay_s) * np.clip(t[:m] / 0.003, 0.0, 1.0) * (closeness * 0.9)
            out[:, :m] += crack
        # Sound takes ~3 s per km; a fraction of that keeps the file short but the onset soft when far.
        delay = int(min(0.05 * distance, 0.5) * sample_rate)
        return np.pad(out, ((0, 0), (delay, 0)))[:, :n]
