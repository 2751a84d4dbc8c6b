"""Forest by day (bird calls over rustling leaves) and night (crickets over a still breeze).

Bird calls are generated per event (chirp series, warbles, two-note whistles) and overlap-added.
Crickets follow Dolbear's law: chirps per minute rise with temperature (~7 x T_C - 30). Each
cricket's chirp is rendered once into a wavetable and read with the absolute frame counter, so a
chorus costs a gather per cricket rather than oscillators per sample.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import AmbienceRecipe, Param, Voice, register

MAX_CRICKETS = 8


def bird_call(rng: np.random.Generator, sample_rate: int) -> np.ndarray:
    """One mono call: a chirp series, a warble or a two-note whistle (2-7 kHz)."""
    kind = rng.integers(3)
    base_hz = rng.uniform(2200.0, 5500.0)
    parts = []
    if kind == 0:  # a series of falling chirps
        for _ in range(int(rng.integers(2, 7))):
            n = int(rng.uniform(0.04, 0.1) * sample_rate)
            parts += [dsp.chirp(base_hz * 1.3, base_hz * 0.8, n, sample_rate) * np.hanning(n),
                      np.zeros(int(rng.uniform(0.03, 0.08) * sample_rate))]
    elif kind == 1:  # a warble: fast vibrato on a held tone
        n = int(rng.uniform(0.3, 0.8) * sample_rate)
        t = dsp.time_s(n, sample_rate)
        freq = base_hz * (1.0 + 0.12 * np.sin(dsp.TWO_PI * rng.uniform(10.0, 25.0) * t))
        parts.append(np.sin(dsp.TWO_PI * np.cumsum(freq) / sample_rate) * np.hanning(n))
    else:  # two-note whistle, the second lower
        for ratio in (1.0, rng.uniform(0.7, 0.85)):
            n = int(rng.uniform(0.15, 0.3) * sample_rate)
            parts += [dsp.chirp(base_hz * ratio * 0.6, base_hz * ratio * 0.62, n, sample_rate) * np.hanning(n),
                      np.zeros(int(0.05 * sample_rate))]
    return np.concatenate(parts) * rng.uniform(0.02, 0.08)


@register
class Forest(AmbienceRecipe):
    name = "forest"
    category = "ambience"
    ucs_cat_id = "AMBForst"
    params = (
        Param("birds", 0.5, 0.0, 1.0, doc="bird activity: calls per second"),
        Param("rustle", 0.3, 0.0, 1.0, doc="leaves moving in the breeze"),
    )
    presets = {
        "dawn chorus": {"birds": 1.0, "rustle": 0.15},
        "woodland": {"birds": 0.45, "rustle": 0.35},
        "windy forest": {"birds": 0.15, "rustle": 0.9},
    }

    def setup(self, voice: Voice, params: dict) -> None:
        voice.state["grains"] = dsp.GrainBuffer(voice.n_channels)

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        rustle = voice.ramp("rustle", params["rustle"], n_frames)
        white = voice.noise.white(n_frames)
        if "sway" not in voice.state:
            voice.state["sway"] = dsp.ControlNoise(voice.rng("sway"), 0.4, sr)
        sway = 0.4 * voice.state["sway"](n_frames)[0]
        leaves = voice.filter("leaves", dsp.band_sos, 1200.0, 9000.0, sr)(white)
        leaves *= 0.02 * rustle * np.clip(0.6 + sway, 0.05, 2.0)
        bed = voice.filter("bed", dsp.brown_sos, sr, 80.0)(white) * 0.004
        attrs = voice.rng("bird-attrs")
        calls = [(int(i), dsp.pan_gains(np.array([attrs.uniform(-0.9, 0.9)]), ch) * bird_call(attrs, sr)[None, :])
                 for i in dsp.poisson_impulses(voice.rng("birds"), 2.5 * params["birds"], n_frames, sr)]
        return leaves + bed + voice.state["grains"].mix(n_frames, calls)


@register
class Night(AmbienceRecipe):
    name = "night"
    category = "ambience"
    ucs_cat_id = "AMBNight"
    params = (
        Param("crickets", 0.5, 0.0, 1.0, doc="how many crickets (0 .. 8)"),
        Param("temperature_c", 22.0, 10.0, 35.0, doc="warmer nights chirp faster (Dolbear's law)"),
        Param("breeze", 0.2, 0.0, 1.0, doc="soft air movement under the insects"),
    )
    presets = {
        "summer night": {"crickets": 0.7, "temperature_c": 26.0, "breeze": 0.15},
        "cool evening": {"crickets": 0.3, "temperature_c": 14.0, "breeze": 0.3},
        "lone cricket": {"crickets": 0.125, "temperature_c": 22.0, "breeze": 0.05},
    }

    def setup(self, voice: Voice, params: dict) -> None:
        sr = voice.sample_rate
        rng = voice.rng("crickets-setup")
        chirps_per_min = max(7.0 * params["temperature_c"] - 30.0, 20.0)
        tables = []
        for _ in range(MAX_CRICKETS):
            period = int(60.0 / chirps_per_min * rng.uniform(0.9, 1.1) * sr)
            t = dsp.time_s(period, sr)
            pulses = int(rng.integers(2, 5))
            pulse_s = 1.0 / rng.uniform(25.0, 40.0)
            gate = (t < pulses * pulse_s) * np.sin(np.pi * ((t / pulse_s) % 1.0)) ** 2
            carrier = np.sin(dsp.TWO_PI * rng.uniform(3800.0, 5200.0) * t)
            gains = dsp.pan_gains(np.array([rng.uniform(-0.9, 0.9)]), voice.n_channels)[:, 0]
            level = rng.uniform(0.008, 0.03)
            tables.append(((gate * carrier * level).astype(np.float32), int(rng.integers(period)), gains))
        voice.state["tables"] = tables

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        frames = voice.frame + np.arange(n_frames)
        count = params["crickets"] * MAX_CRICKETS
        out = np.zeros((ch, n_frames))
        for k, (table, offset, gains) in enumerate(voice.state["tables"]):
            weight = float(np.clip(count - k, 0.0, 1.0))  # fractional counts fade the last cricket in
            if weight > 0.0:
                chirps = np.take(table, frames + offset, mode="wrap")
                for c in range(ch):
                    out[c] += (gains[c] * weight) * chirps
        breeze = voice.ramp("breeze", params["breeze"], n_frames)
        air = voice.filter("air", dsp.pink_sos)(voice.noise.white(n_frames))
        air = voice.filter("air-lp", dsp.lowpass_sos, 900.0, sr, 2)(air) * (0.002 + 0.02 * breeze)
        return out + air
