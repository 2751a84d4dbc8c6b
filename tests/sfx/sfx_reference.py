"""Straightforward reference versions of recipes whose hot paths were optimised (issue 5).

Each reference is the recipe's code before the speed work, written with the plain library calls
(``scipy.signal.sosfilt`` with its state, ``np.interp``, ``oaconvolve``, ``np.clip``): the fast
recipes must render the same samples to float32 rounding. Not registered as recipes.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

from museforge.sfx import dsp
from museforge.sfx.city import CityStreet
from museforge.sfx.engine import KINDS as ENGINE_KINDS
from museforge.sfx.engine import Engine, _one_pole_sos
from museforge.sfx.explosion import Explosion
from museforge.sfx.magic import PENTATONIC, Magic
from museforge.sfx.surf import FOAM_HZ, Surf
from museforge.sfx.water import KINDS as WATER_KINDS
from museforge.sfx.water import Splash, Water
from museforge.sfx.wind import MAX_SPEED_MPS, Wind


def sosfilt(sos: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Zero-state sosfilt along the last axis."""
    return signal.sosfilt(sos, np.atleast_2d(x), axis=-1)


def rfilter(voice, key: str, design, *args, n_channels: int | None = None):
    """Like ``Voice.filter`` (a named filter, redesigned when its arguments change) on plain sosfilt."""
    store = voice.state.setdefault("reference-filters", {})

    def run(x):
        sos = np.asarray(design(*args), dtype=np.float64)
        if key not in store:
            store[key] = np.zeros((sos.shape[0], voice.n_channels if n_channels is None else n_channels, 2))
        y, store[key] = signal.sosfilt(sos, x, axis=-1, zi=store[key])
        return y
    return run


def sin_cycles(cycles: np.ndarray, chunk: int = 4096) -> np.ndarray:
    cycles = np.asarray(cycles, dtype=np.float64)
    offsets = np.floor(cycles[::chunk])
    relative = (cycles - np.repeat(offsets, chunk)[: cycles.size]).astype(np.float32)
    return np.sin(relative * np.float32(dsp.TWO_PI))


class ExplosionReference(Explosion):
    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        size, distance, debris = params["size"], params["distance"], params["debris"]
        tail_s = 0.9 + 2.6 * size
        n = int((tail_s + 0.5) * sample_rate)
        t = dsp.time_s32(n, sample_rate)
        white = rng.random((n_channels, n))
        white -= 0.5
        cutoff_hz = (5000.0 - 2500.0 * size) * (1.0 - 0.85 * distance) + 150.0
        attack_s = 0.004 + 0.06 * distance
        gain = (1.0 - 0.5 * distance) * 0.6 * np.clip((tail_s + 0.5 - t) / 0.5, 0.0, 1.0)
        rumble_hz = (180.0 + 420.0 * (1.0 - size)) * (1.0 - 0.7 * distance)
        flutter = dsp.ControlNoise(rng, 8.0, sample_rate)(n)[0]
        rumble_env = (1.6 * math.sqrt(sample_rate / (2.2 * rumble_hz))) * gain
        rumble_env *= dsp.fexp(-t / (0.3 * tail_s)) * (1.0 + 1.5 * dsp.fexp(-t / 0.25))
        rumble_env *= np.clip(1.0 + 0.5 * flutter, 0.2, 2.0) * np.minimum(t / (0.03 + attack_s), 1.0)
        out = sosfilt(dsp.lowpass_sos(rumble_hz, sample_rate, 2), white)
        out *= rumble_env
        blast_s = 0.08 + 0.2 * size
        m = min(n, int(7.0 * blast_s * sample_rate))
        blast = sosfilt(dsp.lowpass_sos(cutoff_hz, sample_rate, 2), white[:, :m])
        blast *= (1.2 * gain[:m]) * np.minimum(t[:m] / attack_s, 1.0) * dsp.fexp(-t[:m] / blast_s)
        out[:, :m] += blast
        boom_hz, boom_s = 70.0 - 35.0 * size, 0.3 + 0.6 * size
        m = min(n, int(7.0 * boom_s * sample_rate))
        sweep = (boom_hz * 1.8) * dsp.fexp(np.arange(m, dtype=np.float32) * np.float32(-math.log(3.0) / n))
        boom = sin_cycles(np.cumsum(sweep, dtype=np.float64) / sample_rate) * dsp.fexp(-t[:m] / boom_s)
        boom *= (0.8 * gain[:m]) * np.minimum(t[:m] / (attack_s + 0.005), 1.0)
        out[:, :m] += boom
        if debris > 0:
            start = int(0.3 * sample_rate)
            rate = 60.0 * debris * size * dsp.fexp(-(t[start:] - t[start]) / (0.2 * tail_s))
            idx = np.flatnonzero(rng.random(n - start) < rate / sample_rate)
            gains = dsp.pan_gains(rng.uniform(-0.9, 0.9, idx.size), n_channels) * rng.random(idx.size) ** 2
            knock = sosfilt(dsp.resonator_sos(1000.0, 1.5, sample_rate),
                            np.eye(1, int(0.01 * sample_rate)))[0]
            levels = gains * (0.5 * (1.0 - 0.9 * distance)) * gain[start + idx]
            for k, i in enumerate(idx):
                length = min(knock.size, n - start - int(i))
                out[:, start + i:start + i + length] += levels[:, k:k + 1] * knock[:length]
        q = 4
        low_rate = sample_rate / q
        low = out[:, ::q].astype(np.float32)
        ir_n = int((0.25 + 0.35 * size) * low_rate)
        ir = rng.standard_normal(ir_n).astype(np.float32)
        ir *= dsp.fexp(-np.arange(ir_n, dtype=np.float32) / np.float32((0.08 + 0.12 * size) * low_rate))
        ir *= np.float32(0.8 * math.sqrt(q) / math.sqrt(float(np.sum(ir * ir))))
        wet_low = signal.oaconvolve(low, ir[None, :], axes=1)[:, :low.shape[1]]
        grid = np.arange(n, dtype=np.float32) / np.float32(q)
        wet = np.stack([np.interp(grid, np.arange(wet_low.shape[1], dtype=np.float32), row) for row in wet_low])
        out = 0.6 * out + wet
        drive = 2.5 * (1.0 - 0.6 * distance)
        out = np.tanh((out * drive).astype(np.float32))
        out *= np.float32(0.9 / math.tanh(drive))
        return out


class SurfReference(Surf):
    def block(self, voice, params: dict, n_frames: int) -> np.ndarray:
        sr = voice.sample_rate
        period = params["wave_period_s"]
        size = voice.ramp("size", params["size"], n_frames)
        t = dsp.time_s(n_frames, sr, voice.frame)
        crash = np.zeros(n_frames)
        wash = np.zeros(n_frames)
        for k in range(int(t[0] // period) - 2, int(t[-1] // period) + 1):
            jitter, strength = self._wave(voice, k)
            local = (t - (k + jitter) * period) / period
            active = (local > 0.0) & (local < 2.5)
            if not active.any():
                continue
            u = np.where(active, local, 0.0)
            build = np.clip(u / 0.35, 0.0, 1.0) ** 2
            crash += strength * np.where(active, build * np.exp(-np.maximum(u - 0.35, 0.0) / 0.12), 0.0)
            wash += strength * np.where(active & (u > 0.38),
                                        np.exp(-(u - 0.38) / 0.35) * np.clip((u - 0.38) / 0.05, 0, 1), 0.0)
        white = voice.noise.white(n_frames)
        pink = rfilter(voice, "pink", dsp.pink_sos)(white)
        top_hz = 7000.0 - 5000.0 * params["distance"]
        roar = rfilter(voice, "roar", dsp.bandpass_sos, 120.0, min(top_hz, 2500.0) * 0.6, sr)(pink) * 1.6
        fizz = rfilter(voice, "fizz", dsp.band_sos, 1800.0, top_hz + 2000.0, sr)(white)
        swell = 0.25 + 0.75 * crash
        level = 0.05 + 0.25 * size
        ch = voice.n_channels
        idx = dsp.poisson_impulses(voice.rng("foam"), 3000.0 * (wash + 0.1 * crash), n_frames, sr)
        attrs = voice.rng("foam-attrs").random((idx.size, 3))
        gains = dsp.pan_gains(attrs[:, 1] * 1.6 - 0.8, ch) * (0.05 + attrs[:, 0] ** 3)
        which = (attrs[:, 2] * len(FOAM_HZ)).astype(int)
        foam = np.zeros((ch, n_frames))
        top = 1.0 - 0.5 * params["distance"]
        for k, freq_hz in enumerate(FOAM_HZ):
            train = dsp.impulse_train(idx[which == k], gains[:, which == k], n_frames)
            foam += rfilter(voice, f"foam{k}", dsp.resonator_sos, freq_hz * top, 1.5, sr)(train)
        far = 1.0 - 0.6 * params["distance"]
        return level * (roar * swell * 0.9 + fizz * wash * 0.2 * far + foam * 5.0 * far)


class WindReference(Wind):
    def block(self, voice, params: dict, n_frames: int) -> np.ndarray:
        sr = voice.sample_rate
        speed = voice.ramp("speed", params["speed_mps"] / MAX_SPEED_MPS, n_frames)
        gust_depth = voice.ramp("gustiness", params["gustiness"], n_frames)
        whistle = voice.ramp("whistle", params["whistle"], n_frames)
        if "gust" not in voice.state:
            voice.state["gust"] = dsp.ControlNoise(voice.rng("gust"), params["gust_rate_hz"], sr)
        voice.state["gust"].set_cutoff(params["gust_rate_hz"])
        gust = np.clip(0.5 + 0.3 * voice.state["gust"](n_frames)[0], 0.0, 1.0)
        energy = np.clip(speed * (1.0 - gust_depth * 0.8 + gust_depth * 1.2 * gust), 0.0, 1.6)
        noise = voice.noise.white(n_frames)
        low = rfilter(voice, "low", dsp.lowpass_sos, 250.0, sr, 2)(noise) * 6.17
        mid = rfilter(voice, "mid", dsp.band_sos, 250.0, 1200.0, sr)(noise) * 1.95
        high = rfilter(voice, "high", dsp.band_sos, 1200.0, 6000.0, sr)(noise) * 0.96
        w_mid = np.clip(energy * 1.2, 0.0, 1.0)
        w_high = np.clip(energy - 0.25, 0.0, 1.0) ** 1.5
        upper = rfilter(voice, "roll-off", dsp.lowpass_sos, 1100.0, sr, 4)(mid * w_mid * 3.0 + high * w_high * 1.5)
        body = (low * (0.6 + energy) + upper) * 0.12 * energy
        if not whistle.any():
            return body
        whistle_hz = 180.0 + 45.0 * params["speed_mps"]
        tones = np.zeros_like(noise)
        for k, ratio in enumerate((1.0, 1.31)):
            tones += rfilter(voice, f"whistle{k}", dsp.resonator_sos, whistle_hz * ratio, 60.0, sr)(noise)
        tones *= 0.6 * whistle * energy ** 2
        return body + tones


class WaterReference(Water):
    def block(self, voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        rate, freqs, q, bubble_level, (low_hz, high_hz), bed_level, corner_hz, depth = WATER_KINDS[params["kind"]]
        flow = voice.ramp("flow", params["flow"], n_frames)
        shift = 2.0 ** (2.0 * (params["pitch"] - 0.5))
        if "gurgle" not in voice.state:
            voice.state["gurgle"] = dsp.ControlNoise(voice.rng("gurgle"), 3.0, sr)
        surge = np.exp(depth * 1.2 * np.clip(voice.state["gurgle"](n_frames)[0], -2.5, 2.5))
        bed = rfilter(voice, "bed", dsp.band_sos, low_hz, high_hz, sr)(voice.noise.white(n_frames))
        bed *= (bed_level * dsp.pink_band_gain(low_hz, high_hz)) * (0.3 + flow) * surge
        idx = dsp.poisson_impulses(voice.rng("bubbles"), rate * (0.15 + flow) * surge, n_frames, sr)
        attrs = voice.rng("bubble-attrs").random((idx.size, 3))
        gains = dsp.pan_gains(attrs[:, 1] * 1.6 - 0.8, ch) * (0.1 + attrs[:, 0] ** 2) * bubble_level
        which = (attrs[:, 2] * len(freqs)).astype(int)
        bubbles = np.zeros((ch, n_frames))
        for k, freq_hz in enumerate(freqs):
            mine = which == k
            train = dsp.impulse_train(idx[mine], gains[:, mine], n_frames)
            bubbles += rfilter(voice, f"bubble{k}", dsp.resonator_sos, freq_hz * shift, q, sr)(train)
        if not corner_hz:
            return bed + bubbles
        return rfilter(voice, "roll-off", dsp.lowpass_sos, corner_hz, sr, 2)(bed + bubbles)


class SplashReference(Splash):
    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        size, velocity = params["size"], params["velocity"]
        length_s = 0.5 + 1.3 * size
        n = int(length_s * sample_rate)
        t = dsp.time_s(n, sample_rate)
        noise = rng.random((n_channels, n)) * 2.0 - 1.0
        burst = sosfilt(dsp.bandpass_sos(250.0 - 150.0 * size, 4000.0, sample_rate), noise)
        burst *= np.exp(-t / (0.02 + 0.12 * size)) * (0.4 + 0.6 * velocity)
        wash_s = 0.12 + 0.35 * size
        wash = sosfilt(dsp.bandpass_sos(150.0, 700.0 + 900.0 * velocity, sample_rate),
                       rng.random((n_channels, n)) * 2.0 - 1.0)
        wash *= np.minimum(t / 0.03, 1.0) * np.exp(-t / wash_s) * (1.6 + 1.2 * size)
        wash *= 1.0 + 0.5 * dsp.ControlNoise(rng, 12.0, sample_rate)(n)[0]
        rate = (300.0 + 2500.0 * velocity) * np.exp(-t / (0.12 + 0.4 * size))
        spray = np.zeros((n_channels, n))
        for freq_hz in (600.0, 950.0, 1500.0, 2300.0):
            idx = np.flatnonzero(rng.random(n) < rate / sample_rate / 4.0)
            gains = dsp.pan_gains(rng.uniform(-0.7, 0.7, idx.size), n_channels) * rng.random(idx.size) ** 2
            train = dsp.impulse_train(idx, gains, n)
            spray += sosfilt(dsp.resonator_sos(freq_hz * (1.3 - 0.5 * size), 10.0, sample_rate), train)
        plunk_hz = 900.0 - 700.0 * size
        plunk = dsp.chirp(plunk_hz, plunk_hz * 1.8, n, sample_rate) * np.exp(-t / 0.05) * (0.15 + 0.2 * size)
        plunk *= np.clip(t / 0.01, 0.0, 1.0) * (t > 0.01)
        fade = np.clip((length_s - t) / (0.4 * length_s), 0.0, 1.0)
        return (0.3 * burst + 0.6 * wash + 1.5 * spray + plunk[None, :]) * fade


class MagicReference(Magic):
    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        kind, length_s = params["kind"], params["spell_s"]
        ping_n = int(0.2 * sample_rate)
        n = int((length_s + 0.5) * sample_rate) + ping_n
        t = dsp.time_s32(n, sample_rate)
        x = np.clip(t / np.float32(length_s), 0.0, 1.0)
        if kind == "cast":
            env, glide = dsp.fexp(-x * 3.0) * np.minimum(t / 0.02, 1.0), 1.0 - 0.1 * x
        elif kind == "charge":
            env, glide = x ** 2, 1.0 + x
        elif kind == "heal":
            env, glide = np.sin((np.pi * x).astype(np.float32)) ** 2, 1.0 + 0.05 * x
        else:
            env, glide = (1.0 - x) * np.minimum(t / 0.05, 1.0), 1.0 - 0.5 * x
        env = env * (t < length_s + 0.5)
        detune = 0.002 + 0.03 * params["darkness"]
        root = params["pitch_hz"]
        glide_cycles = np.cumsum(np.broadcast_to(glide, (n,)), dtype=np.float64) / sample_rate
        bed = np.zeros(n, dtype=np.float32)
        for ratio in PENTATONIC[[0, 2, 3]]:
            for cents in (-1.0, 1.0):
                bed += sin_cycles(glide_cycles * (root * ratio * (1.0 + cents * detune)) + rng.uniform(0.0, 1.0))
        tremolo = 1.0 + 0.3 * np.sin(t * np.float32(dsp.TWO_PI * 6.0))
        bed *= env * tremolo * np.float32(0.05)
        noise = rng.random((n_channels, n))
        noise -= 0.5
        out = sosfilt(dsp.band_sos(1500.0 * (1 - 0.6 * params["darkness"]), 8000.0, sample_rate), noise)
        out *= env * np.float32(0.16)
        rush_hz = 250.0 + 350.0 * (1.0 - params["darkness"])
        rush = sosfilt(dsp.lowpass_sos(rush_hz, sample_rate, 2), noise)
        flutter = np.clip(1.0 + 0.6 * dsp.ControlNoise(rng, 10.0, sample_rate)(n)[0], 0.1, 2.5).astype(np.float32)
        out += rush * (env * flutter * np.float32(0.4 * np.sqrt(sample_rate / (2.2 * rush_hz))))
        out += bed
        rate = 80.0 * params["sparkle"] * env
        idx = np.flatnonzero(rng.random(n - ping_n) < rate[: n - ping_n] / sample_rate)
        tables = {}
        for i in idx:
            note = (int(rng.integers(5)), int(rng.integers(2, 5)))
            if note not in tables:
                freq = root * PENTATONIC[note[0]] * 2.0 ** note[1] * glide[i]
                tables[note] = dsp.modal(np.array([freq, freq * 2.76]), np.array([0.2, 0.08]),
                                         np.array([1.0, 0.3]), ping_n, sample_rate)
            gains = dsp.pan_gains(np.array([rng.uniform(-0.9, 0.9)]), n_channels)[:, 0] * rng.uniform(0.02, 0.06)
            for c in range(n_channels):
                out[c, i:i + ping_n] += gains[c] * tables[note]
        return out


class EngineReference(Engine):
    def block(self, voice, params: dict, n_frames: int) -> np.ndarray:
        sr = voice.sample_rate
        offsets, corner_hz, pipe_hz, mech_level, pulse_s = ENGINE_KINDS[params["kind"]]
        revs = params["revs"]
        blip = np.clip(voice.state["blips"](n_frames)[0] * 1.2 - 0.2, 0.0, 2.0) * revs
        rpm = voice.ramp("rpm", params["rpm"], n_frames) * (1.0 + 1.5 * blip)
        load = np.clip(voice.ramp("load", params["load"], n_frames) + 0.5 * blip, 0.0, 1.0)
        distance = params["distance"]
        phase = voice.state["cycle"] + np.cumsum(rpm / 120.0 / sr)
        previous = np.concatenate([[voice.state["cycle"]], phase[:-1]])
        voice.state["cycle"] = float(phase[-1]) % 1.0
        phase -= np.floor(previous)
        previous -= np.floor(previous)
        idx, cyl = [], []
        for k, offset in enumerate(offsets):
            for cycle_offset in (offset, offset + 1.0):
                hits = np.flatnonzero((previous < cycle_offset) & (phase >= cycle_offset))
                idx.append(hits)
                cyl.append(np.full(hits.size, k))
        idx, cyl = np.concatenate(idx), np.concatenate(cyl)
        order = np.argsort(idx, kind="stable")
        idx, cyl = idx[order], cyl[order]
        jitter = 1.0 + params["roughness"] * 0.5 * (voice.rng("jitter").random(idx.size) * 2.0 - 1.0)
        gains = voice.state["cylinder_gain"][cyl] * jitter
        pulses = np.zeros(n_frames)
        np.add.at(pulses, idx, gains)
        puffs = voice.state["puffs"]
        gas = voice.state["grains"].mix(n_frames, [(int(i), (g * puffs[k])[None, :])
                                                   for i, k, g in zip(idx, cyl, gains)])
        env = rfilter(voice, "puff", _one_pole_sos, pulse_s, sr, n_channels=1)(pulses[None, :])[0]
        noise = voice.noise.white(n_frames)
        gas = (gas + noise * env * (0.15 + 0.3 * params["roughness"])) * (0.6 + 1.2 * load)
        thump = rfilter(voice, "pipe", dsp.resonator_sos, pipe_hz, 3.0, sr, n_channels=1)(pulses[None, :])[0] * 30.0
        shut_hz = corner_hz * (1.0 + params["load"]) * (1.0 - 0.7 * distance)
        excite = gas + thump[None, :]
        dull = rfilter(voice, "exhaust", dsp.lowpass_sos, shut_hz, sr, 2)(excite)
        bright = rfilter(voice, "exhaust-open", dsp.lowpass_sos, 3.0 * shut_hz, sr, 2)(excite)
        exhaust = dull + (bright - dull) * (0.5 * load)
        mech = rfilter(voice, "mech", dsp.band_sos, 900.0, 3500.0, sr)(noise)
        peak = 1.0 - float(np.exp(-1.0 / (pulse_s * sr)))
        mech *= (mech_level * 0.15 * (1.0 - 0.8 * distance)) * (0.3 + np.minimum(env / peak, 1.5) * 0.7)
        level = 0.5 * (1.0 - 0.6 * distance) * (0.5 + 0.5 * load)
        return (exhaust + mech) * level


class CityStreetReference(CityStreet):
    def _horn(self, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        f1 = rng.uniform(330.0, 470.0)
        beeps = [rng.uniform(0.12, 0.6) for _ in range(int(rng.integers(1, 3)))]
        parts = []
        for beep_s in beeps:
            n = int(beep_s * sample_rate)
            t = dsp.time_s(n, sample_rate)
            tone = sum(np.sin(dsp.TWO_PI * f * h * t) / h for f in (f1, f1 * 1.26) for h in (1, 2, 3, 4, 5))
            parts += [tone * np.clip(np.minimum(t / 0.01, (beep_s - t) / 0.03), 0, 1), np.zeros(int(0.08 * sample_rate))]
        mono = np.concatenate(parts) * rng.uniform(0.01, 0.03)
        return dsp.pan_gains(np.array([rng.uniform(-0.8, 0.8)]), n_channels) * mono[None, :]

    def block(self, voice, params: dict, n_frames: int) -> np.ndarray:
        sr, ch = voice.sample_rate, voice.n_channels
        traffic = voice.ramp("traffic", params["traffic"], n_frames)
        crowd = voice.ramp("crowd", params["crowd"], n_frames)
        frames = (voice.frame + np.arange(n_frames)).astype(np.float64)
        white = voice.noise.white(n_frames)
        cars = voice.state["cars"]
        for i in dsp.poisson_impulses(voice.rng("cars"), 0.05 + 0.9 * traffic, n_frames, sr):
            width_s, direction, level = voice.rng("car-attrs").uniform((0.5, -1.0, 0.3), (1.4, 1.0, 1.0))
            cars.append([voice.frame + i + 3.0 * width_s * sr, width_s * sr, float(np.sign(direction)), float(level)])
        env = np.zeros((ch, n_frames))
        for centre, width, direction, level in cars:
            x = ((frames - centre) / width).astype(np.float32)
            bell = level * np.exp(-0.5 * x * x) * (x >= -3.0)
            env += dsp.pan_gains(np.tanh(x) * (direction * 0.8), ch) * bell if ch == 2 else bell
        voice.state["cars"] = [c for c in cars if c[0] + 3.0 * c[1] > frames[-1]]
        tyres = rfilter(voice, "tyres", dsp.band_sos, 250.0, 2500.0, sr)(white) * 1.54
        low = rfilter(voice, "engine", dsp.lowpass_sos, 200.0, sr, 2)(white) * 6.68
        passing = (tyres * 0.06 + low * 0.12) * env
        rumble = low * (0.01 + 0.05 * traffic)
        grains = [(int(i), self._horn(voice.rng("horn-attrs"), sr, ch))
                  for i in dsp.poisson_impulses(voice.rng("horns"), 0.25 * params["horns"], n_frames, sr)]
        horns = voice.state["grains"].mix(n_frames, grains)
        if "syllables" not in voice.state:
            voice.state["syllables"] = dsp.ControlNoise(voice.rng("syllables"), 5.0, sr, ch)
        syll = 0.8 * voice.state["syllables"](n_frames)
        if not crowd.any():
            return rumble + passing + horns
        babble = rfilter(voice, "voice", dsp.resonator_sos, 700.0, 0.8, sr)(white) * 2.0
        talk = babble * np.maximum(0.3 + syll, 0.0) * 0.05 * crowd
        return rumble + passing + horns + talk
