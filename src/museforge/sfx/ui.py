"""Interface sounds: click, hover, toggle, confirm, cancel, error, notification, typing.

Conventions users already know: confirmations rise in pitch, cancels fall, errors are low and
buzzy and repeat, notifications are bell-like (inharmonic partials, long decay), clicks are a few
milliseconds of filtered noise with a tiny resonance.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import OneShotRecipe, Param, register

KINDS = ("click", "hover", "toggle", "confirm", "cancel", "error", "notification", "typing")


def _tone(freq_hz: float, length_s: float, sample_rate: int, brightness: float, decay_s: float) -> np.ndarray:
    n = int(length_s * sample_rate)
    t = dsp.time_s(n, sample_rate)
    # A few harmonics whose weight grows with brightness (sine at 0, reedy at 1).
    wave = sum((brightness ** (h - 1)) / h * np.sin(dsp.TWO_PI * freq_hz * h * t) for h in (1, 2, 3, 4, 5))
    return wave * np.minimum(t / 0.004, 1.0) * np.exp(-t / decay_s) * np.clip((length_s - t) / 0.01, 0, 1)


def _click(rng: np.random.Generator, freq_hz: float, sample_rate: int, brightness: float) -> np.ndarray:
    n = int(0.03 * sample_rate)
    noise = (rng.random(n) * 2.0 - 1.0) * np.exp(-dsp.time_s(n, sample_rate) / 0.0015)
    body = dsp.Filter(dsp.resonator_sos(freq_hz * 2.0, 4.0, sample_rate), 1)(noise[None, :])[0]
    return body * 3.0 + noise * brightness * 0.5


def _bell(freq_hz: float, sample_rate: int) -> np.ndarray:
    ratios = np.array([1.0, 2.0, 2.76, 5.4, 8.93])
    return dsp.modal(freq_hz * ratios, np.array([1.2, 0.8, 0.6, 0.3, 0.2]), np.array([1.0, 0.4, 0.3, 0.15, 0.08]),
                     int(1.4 * sample_rate), sample_rate)


def _seq(parts: list[tuple[float, np.ndarray]], sample_rate: int) -> np.ndarray:
    n = max(int(at * sample_rate) + x.size for at, x in parts)
    out = np.zeros(n)
    for at, x in parts:
        out[int(at * sample_rate):int(at * sample_rate) + x.size] += x
    return out


@register
class UI(OneShotRecipe):
    name = "ui"
    category = "ui"
    ucs_cat_id = "UI"
    params = (
        Param("kind", "click", choices=KINDS, doc="which interface event"),
        Param("pitch_hz", 880.0, 150.0, 4000.0, doc="base pitch of the tones (clicks resonate at twice this)"),
        Param("brightness", 0.4, 0.0, 1.0, doc="soft sine (0) .. bright/buzzy (1)"),
        Param("length", 0.5, 0.0, 1.0, doc="short (0) .. long (1) tones"),
        Param("keys", 12.0, 1.0, 60.0, doc="typing only: number of key presses"),
    )
    presets = {
        "click": {"kind": "click", "pitch_hz": 1500.0},
        "hover": {"kind": "hover", "pitch_hz": 1200.0, "brightness": 0.1},
        "toggle": {"kind": "toggle", "pitch_hz": 1100.0},
        "confirm": {"kind": "confirm", "pitch_hz": 660.0, "brightness": 0.3},
        "cancel": {"kind": "cancel", "pitch_hz": 520.0, "brightness": 0.3},
        "error": {"kind": "error", "pitch_hz": 180.0, "brightness": 0.9},
        "notification": {"kind": "notification", "pitch_hz": 1320.0},
        "typing": {"kind": "typing", "pitch_hz": 1400.0, "keys": 16.0},
    }

    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        kind, f, b = params["kind"], params["pitch_hz"], params["brightness"]
        scale = 0.5 + params["length"]
        sr = sample_rate
        if kind == "click":
            out = _click(rng, f, sr, b)
        elif kind == "hover":
            out = _tone(f, 0.06 * scale, sr, b, 0.03 * scale) * 0.5
        elif kind == "toggle":
            out = _seq([(0.0, _click(rng, f, sr, b)), (0.05 * scale, _click(rng, f * 1.5, sr, b) * 0.8)], sr)
        elif kind == "confirm":  # up a major third then a fifth
            out = _seq([(0.0, _tone(f, 0.09 * scale, sr, b, 0.08 * scale)),
                        (0.08 * scale, _tone(f * 1.26, 0.09 * scale, sr, b, 0.08 * scale)),
                        (0.16 * scale, _tone(f * 1.5, 0.2 * scale, sr, b, 0.1 * scale))], sr)
        elif kind == "cancel":  # down a fourth
            out = _seq([(0.0, _tone(f * 1.33, 0.1 * scale, sr, b, 0.08 * scale)),
                        (0.09 * scale, _tone(f, 0.18 * scale, sr, b, 0.08 * scale))], sr)
        elif kind == "error":  # low, buzzy, twice
            buzz = _tone(f, 0.14 * scale, sr, max(b, 0.7), 0.5)
            out = _seq([(0.0, buzz), (0.18 * scale, buzz)], sr)
        elif kind == "notification":  # a bell arpeggio
            out = _seq([(0.0, _bell(f, sr)), (0.12 * scale, _bell(f * 1.26, sr) * 0.8),
                        (0.24 * scale, _bell(f * 1.5, sr) * 0.7)], sr) * 0.6
        else:  # typing: key clicks at human, irregular intervals, every key slightly different
            times = np.cumsum(rng.gamma(4.0, 0.03, int(params["keys"])) + 0.02) - 0.02
            out = _seq([(float(at), _click(rng, f * rng.uniform(0.85, 1.15), sr, b) * rng.uniform(0.5, 1.0)
                         + _click(rng, f * 0.5, sr, b) * 0.3) for at in times], sr)
        return out[None, :] * 0.3
