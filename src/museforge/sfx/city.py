"""City street: traffic rumble, individual cars passing left-to-right, horns, crowd murmur.

A car pass-by is a bell-shaped loudness envelope (closest approach at its centre) with a pan that
sweeps across, applied to shared tyre and engine noise; the list of cars still passing is part of
the voice state, so streams and renders agree. Horns are short pre-rendered grains.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import AmbienceRecipe, Param, Voice, register


@register
class CityStreet(AmbienceRecipe):
    name = "city_street"
    category = "ambience"
    ucs_cat_id = "AMBUrbn"
    params = (
        Param("traffic", 0.5, 0.0, 1.0, doc="traffic density: rumble level and cars per second"),
        Param("horns", 0.2, 0.0, 1.0, doc="how often someone honks"),
        Param("crowd", 0.3, 0.0, 1.0, doc="level of people talking nearby"),
    )
    presets = {
        "quiet side street": {"traffic": 0.15, "horns": 0.0, "crowd": 0.1},
        "busy avenue": {"traffic": 0.9, "horns": 0.5, "crowd": 0.3},
        "pedestrian zone": {"traffic": 0.05, "horns": 0.0, "crowd": 0.9},
        "rush hour": {"traffic": 1.0, "horns": 1.0, "crowd": 0.5},
    }

    def setup(self, voice: Voice, params: dict) -> None:
        voice.state["cars"] = []  # [centre_frame, width_frames, direction, level]
        voice.state["grains"] = dsp.GrainBuffer(voice.n_channels)

    def _horn(self, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        f1 = rng.uniform(330.0, 470.0)
        beeps = [rng.uniform(0.12, 0.6) for _ in range(int(rng.integers(1, 3)))]
        parts = []
        for beep_s in beeps:
            n = int(beep_s * sample_rate)
            t = dsp.time_s(n, sample_rate)
            tone = np.zeros(n)
            for f in (f1, f1 * 1.26):  # 5 harmonics, sin(h x) by the Chebyshev recurrence: 1 sine, not 5
                x = dsp.TWO_PI * f * t
                two_cos, previous, current = 2.0 * np.cos(x), np.zeros(n), np.sin(x)
                for h in (1, 2, 3, 4, 5):
                    tone += current / h
                    previous, current = current, two_cos * current - previous
            parts += [tone * np.clip(np.minimum(t / 0.01, (beep_s - t) / 0.03), 0, 1), np.zeros(int(0.08 * sample_rate))]
        mono = np.concatenate(parts) * rng.uniform(0.01, 0.03)
        return dsp.pan_gains(np.array([rng.uniform(-0.8, 0.8)]), n_channels) * mono[None, :]

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        traffic = voice.ramp("traffic", params["traffic"], n_frames)
        crowd = voice.ramp("crowd", params["crowd"], n_frames)
        frames = (voice.frame + np.arange(n_frames)).astype(np.float64)
        white = voice.noise.white(n_frames)

        # Cars: arrive as a Poisson process; each is loudest three widths after it is first heard.
        cars = voice.state["cars"]
        for i in dsp.poisson_impulses(voice.rng("cars"), 0.05 + 0.9 * traffic, n_frames, sr):
            width_s, direction, level = voice.rng("car-attrs").uniform((0.5, -1.0, 0.3), (1.4, 1.0, 1.0))
            cars.append([voice.frame + i + 3.0 * width_s * sr, width_s * sr, float(np.sign(direction)), float(level)])
        env = np.zeros((ch, n_frames))
        for centre, width, direction, level in cars:
            x = ((frames - centre) / width).astype(np.float32)  # float32: SIMD exp/tanh/cos
            bell = level * np.exp(-0.5 * x * x) * (x >= -3.0)
            env += dsp.pan_gains(np.tanh(x) * (direction * 0.8), ch) * bell if ch == 2 else bell
        voice.state["cars"] = [c for c in cars if c[0] + 3.0 * c[1] > frames[-1]]
        # Gains give white noise the level pink noise has in these bands (measured x1.54, x6.68).
        # rumble + passing = low * 6.68 * (0.01 + 0.05 traffic) + (tyres * 1.54 * 0.06 + low * 6.68 * 0.12) * env,
        # with the per-frame gains formed first and the layers scaled and summed in place.
        tyres = voice.filter("tyres", dsp.band_sos, 250.0, 2500.0, sr)(white)
        tyres *= env * (1.54 * 0.06)
        out = voice.filter("engine", dsp.lowpass_sos, 200.0, sr, 2)(white)  # engines, distant rumble
        low_gain = env * (6.68 * 0.12)
        low_gain += 6.68 * (0.01 + 0.05 * traffic)
        out *= low_gain
        out += tyres

        # Horns.
        grains = [(int(i), self._horn(voice.rng("horn-attrs"), sr, ch))
                  for i in dsp.poisson_impulses(voice.rng("horns"), 0.25 * params["horns"], n_frames, sr)]
        if grains or voice.state["grains"].active:  # otherwise the mix is silence
            out += voice.state["grains"].mix(n_frames, grains)

        # Crowd: speech-band noise with independent syllable-rate (~5 Hz) envelopes per channel.
        if "syllables" not in voice.state:
            voice.state["syllables"] = dsp.ControlNoise(voice.rng("syllables"), 5.0, sr, ch)
        syll = 0.8 * voice.state["syllables"](n_frames)  # advanced even when silent: same stream
        if not crowd.any():
            return out
        syll += 0.3
        np.maximum(syll, 0.0, out=syll)
        syll *= (2.0 * 0.05) * crowd
        babble = voice.filter("voice", dsp.resonator_sos, 700.0, 0.8, sr)(white, in_place=True)  # one broad formant
        babble *= syll
        out += babble
        return out
