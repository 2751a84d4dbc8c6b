"""Room tone: the near-silence of a room -- air movement, ventilation, mains hum.

Bigger rooms have more low-frequency energy and less top end. Hum is computed from the absolute
frame counter, so it stays phase-continuous across blocks and loops.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import AmbienceRecipe, Param, Voice, register


@register
class RoomTone(AmbienceRecipe):
    name = "room_tone"
    category = "ambience"
    ucs_cat_id = "ROOM"
    params = (
        Param("size", 0.4, 0.0, 1.0, doc="closet (0) .. hall (1): darker and deeper when larger"),
        Param("air", 0.4, 0.0, 1.0, doc="ventilation / HVAC hiss level"),
        Param("hum", 0.1, 0.0, 1.0, doc="mains hum level"),
        Param("mains", "50", choices=("50", "60"), doc="mains frequency in Hz (Europe 50, Americas 60)"),
    )
    presets = {
        "quiet bedroom": {"size": 0.2, "air": 0.15, "hum": 0.0},
        "office": {"size": 0.5, "air": 0.6, "hum": 0.15},
        "server room": {"size": 0.6, "air": 1.0, "hum": 0.5, "mains": "60"},
        "empty hall": {"size": 1.0, "air": 0.3, "hum": 0.05},
    }

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr = voice.sample_rate
        size, air = params["size"], voice.ramp("air", params["air"], n_frames)
        hum = voice.ramp("hum", params["hum"], n_frames)
        white = voice.noise.white(n_frames)
        corner_hz = 60.0 - 40.0 * size
        rumble = voice.filter("rumble", dsp.band_sos, 15.0, corner_hz, sr)(white)
        rumble *= (0.004 + 0.006 * size) * np.sqrt(sr / (np.pi * corner_hz))
        hiss = voice.filter("pink", dsp.pink_sos)(white)
        hiss = voice.filter("hiss", dsp.band_sos, 120.0, 6000.0 - 3500.0 * size, sr)(hiss) * (0.012 * air)
        t = dsp.time_s(n_frames, sr, voice.frame)
        mains_hz = float(params["mains"])
        tone = sum(a * dsp.sin_cycles(mains_hz * k * t) for k, a in ((1, 1.0), (2, 0.5), (3, 0.25)))
        return rumble + hiss + (0.01 * hum * tone)[None, :]
