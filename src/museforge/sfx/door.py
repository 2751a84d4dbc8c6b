"""Doors: open (latch + creak), close (body thud + latch), slam, or a long creak.

A creak is stick-slip friction in the hinge: a train of tiny slips whose rate wanders (the pitch
you hear) exciting the door's body resonances. The thud is the door panel's low modes.
"""

from __future__ import annotations

import numpy as np

from museforge.sfx import dsp
from museforge.sfx.recipe import OneShotRecipe, Param, register

# material -> (panel modes in Hz, T60 in s, latch click centre in Hz)
MATERIALS = {
    "wood": ((95.0, 180.0, 310.0, 520.0, 870.0), 0.25, 3200.0),
    "metal": ((140.0, 390.0, 760.0, 1250.0, 2100.0), 0.9, 4500.0),
}
ACTIONS = ("open", "close", "slam", "creak")


@register
class Door(OneShotRecipe):
    name = "door"
    category = "other"  # the judge's data files doors under other/door
    ucs_cat_id = "DOOR"
    params = (
        Param("action", "close", choices=ACTIONS, doc="what the door does"),
        Param("material", "wood", choices=tuple(MATERIALS), doc="door panel material"),
        Param("size", 0.5, 0.0, 1.0, doc="cupboard (0) .. castle gate (1): lower, longer"),
        Param("creakiness", 0.4, 0.0, 1.0, doc="how much the hinge creaks"),
    )
    presets = {
        "wooden door close": {"action": "close", "material": "wood", "size": 0.5, "creakiness": 0.2},
        "wooden door open": {"action": "open", "material": "wood", "size": 0.5, "creakiness": 0.5},
        "slam": {"action": "slam", "material": "wood", "size": 0.6},
        "haunted creak": {"action": "creak", "material": "wood", "size": 0.7, "creakiness": 1.0},
        "metal hatch": {"action": "close", "material": "metal", "size": 0.4, "creakiness": 0.1},
    }

    def _creak(self, rng, modes, length_s, creakiness, sample_rate):
        n = int(length_s * sample_rate)
        x = np.arange(n) / n
        slip_hz = 25.0 + 90.0 * creakiness * (0.5 + 0.5 * np.sin(np.pi * x * rng.uniform(1.0, 3.0)) ** 2)
        phase = np.cumsum(slip_hz * rng.uniform(0.9, 1.1, n)) / sample_rate
        idx = np.flatnonzero(np.diff(np.floor(phase)) > 0)
        train = np.zeros(n)
        train[idx] = rng.uniform(0.5, 1.0, idx.size) * np.sin(np.pi * x[idx])
        out = np.zeros(n)
        for f in (*modes[2:], 1400.0, 2300.0):
            out += dsp.Filter(dsp.resonator_sos(f * rng.uniform(0.95, 1.05), 25.0, sample_rate), 1)(train[None, :])[0]
        return out * 3.0 * creakiness

    def _thud(self, rng, modes, t60, size, strength, sample_rate):
        freqs = np.array(modes) * (1.4 - 0.8 * size) * rng.uniform(0.97, 1.03, len(modes))
        n = int((t60 * (0.6 + size) + 0.2) * sample_rate)
        body = dsp.modal(freqs, np.full(len(freqs), t60 * (0.6 + size)) * (freqs[0] / freqs) ** 0.3,
                         np.array([1.0, 0.8, 0.5, 0.35, 0.2]) * strength, n, sample_rate)
        thump = dsp.Filter(dsp.lowpass_sos(250.0, sample_rate), 1)((rng.random((1, n)) - 0.5)
                                                                   * np.exp(-dsp.time_s(n, sample_rate) / 0.03))[0]
        return body + thump * 3.0 * strength

    def _latch(self, rng, centre_hz, sample_rate):
        n = int(0.08 * sample_rate)
        t = dsp.time_s(n, sample_rate)
        click = (rng.random(n) * 2.0 - 1.0) * (np.exp(-t / 0.002) + 0.5 * np.exp(-np.maximum(t - 0.025, 0) / 0.002)
                                               * (t > 0.025))
        return dsp.Filter(dsp.resonator_sos(centre_hz, 3.0, sample_rate), 1)(click[None, :])[0] * 0.8

    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        modes, t60, latch_hz = MATERIALS[params["material"]]
        size, creak = params["size"], params["creakiness"]
        action = params["action"]
        parts = []
        if action == "open":
            parts = [(0.0, self._latch(rng, latch_hz, sample_rate)),
                     (0.1, self._creak(rng, modes, 0.6 + 0.8 * size, max(creak, 0.05), sample_rate))]
        elif action == "creak":
            parts = [(0.0, self._creak(rng, modes, 1.2 + 1.5 * size, max(creak, 0.2), sample_rate))]
        elif action == "close":
            parts = [(0.0, self._creak(rng, modes, 0.3 + 0.3 * size, creak * 0.6, sample_rate)),
                     (0.35 + 0.3 * size, self._thud(rng, modes, t60, size, 0.5, sample_rate)),
                     (0.35 + 0.3 * size, self._latch(rng, latch_hz, sample_rate))]
        else:  # slam: no time to creak, a hard thud and a rattle of the latch
            parts = [(0.0, self._thud(rng, modes, t60 * 1.3, size, 1.0, sample_rate)),
                     (0.0, self._latch(rng, latch_hz, sample_rate) * 1.5)]
        n = max(int(at * sample_rate) + x.size for at, x in parts)
        out = np.zeros(n)
        for at, x in parts:
            out[int(at * sample_rate):int(at * sample_rate) + x.size] += x
        return out[None, :] * 0.35
