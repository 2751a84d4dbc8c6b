"""Retro sfxr sounds: our vectorised numpy synth vs pyfxr (a compiled sfxr clone), same run.

Both sides render the *same* jsfxr parameters: for each of the seven categories we draw sounds
with ``museforge.sfx.retro.generate(category, seed)`` and hand the identical values to
``pyfxr.SFX``. Speed is seconds of audio per second of compute at 44.1 kHz (pyfxr's only rate):
compute is the thread CPU time (``time.thread_time``) of a single-threaded process (BLAS/OpenMP
limited to one thread), so other jobs on a shared machine count against neither side; best of
``repeats`` batches, the two sides interleaved. Wall-clock factors are in ``details`` too. The
timed work is render only, parameters built beforehand, Python objects included on both sides
(pyfxr: ``SFX(**params).build()``; ours: ``render_sfxr(params)`` to an ``Audio``). Headline: the
slowest category's factor vs pyfxr's on that category.

Compatibility on the same parameters: audible length difference (pyfxr pads a sound that its
frequency limit stops with silence up to the envelope's length, so both sides are cut after their
last sample above -60 dBFS) and the ratio of spectral centroids and of zero-crossing rates (ours / pyfxr), per
category, over all sounds and over the "faithful" subset: sounds without repeat or arpeggio
(pyfxr 0.3.0 computes both limits as ``int((1 - speed) ** 2) * 20000 + 32`` = 32 ticks, see its
``_pyfxr.pyx``) and without a duty-shaped sawtooth (pyfxr's sawtooth ignores duty; jsfxr's
doesn't). pyfxr has no volume (its gain is 1, clipped to [-1, 1]), so our side renders with
``sound_vol = ln 2`` (jsfxr gain ``exp(v) - 1`` = 1) and levels are compared too.
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import math  # noqa: E402
import time  # noqa: E402

import numpy as np  # noqa: E402

from bench.common import result  # noqa: E402

CATEGORIES = ("pickup", "laser", "explosion", "powerup", "hit", "jump", "blip")
UNIT_GAIN_VOL = math.log(2.0)  # jsfxr gain exp(v) - 1 == 1, pyfxr's fixed gain


def _pyfxr_kwargs(params) -> dict:
    """jsfxr parameters as pyfxr.SFX keyword arguments (same names without ``p_``)."""
    from museforge.sfx.retro_synth import KNOBS, WAVE_TYPES

    kwargs = {name[2:]: getattr(params, name) for name in KNOBS if name.startswith("p_")}
    kwargs["wave_type"] = WAVE_TYPES.index(params.wave_type)
    return kwargs


def _pyfxr_samples(kwargs: dict) -> np.ndarray:
    import pyfxr

    return np.frombuffer(memoryview(pyfxr.SFX(**kwargs).build()), dtype=np.int16).astype(np.float64) / 32768.0


def _centroid_hz(x: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    total = float(np.sum(spectrum))
    return float(np.sum(np.fft.rfftfreq(x.size, 1 / sample_rate) * spectrum) / total) if total else 0.0


def _audible(x: np.ndarray) -> np.ndarray:
    """Up to the last sample above -60 dBFS (pyfxr's int16 output rounds quiet tails to 0)."""
    loud = np.flatnonzero(np.abs(x) > 1e-3)
    return x[:loud[-1] + 1] if loud.size else x[:0]


def _faithful(p) -> bool:
    """Parameters whose sound pyfxr renders as sfxr does (see the module docstring)."""
    uses_repeat = p.p_repeat_speed != 0
    uses_arpeggio = p.p_arp_mod != 0 and p.p_arp_speed != 1.0
    shaped_saw = p.wave_type == "sawtooth" and p.p_duty != 1.0
    return not (uses_repeat or uses_arpeggio or shaped_saw)


def _compare(ours: list, peer: list, sample_rate: int, tonal: list[bool]) -> dict:
    if not ours:
        return {"n": 0}
    # sample-for-sample agreement is only defined without noise (the two use different random streams)
    diffs = [float(np.max(np.abs(a[:n] - b[:n]))) for a, b, t in zip(ours, peer, tonal)
             if t and (n := min(a.size, b.size))]
    length_diff_ms = [abs(a.size - b.size) / sample_rate * 1e3 for a, b in zip(ours, peer)]
    centroid = [_centroid_hz(a, sample_rate) / _centroid_hz(b, sample_rate)
                for a, b in zip(ours, peer) if a.size > 512 and b.size > 512]
    zcr = [_zcr(a) / _zcr(b) for a, b in zip(ours, peer) if _zcr(b) > 0]
    rms_db = [20 * math.log10(_rms(a) / _rms(b)) for a, b in zip(ours, peer) if _rms(a) > 0 and _rms(b) > 0]
    return {"n": len(ours), "median_length_diff_ms": round(float(np.median(length_diff_ms)), 3),
            "max_length_diff_ms": round(float(np.max(length_diff_ms)), 3),
            "median_centroid_ratio": round(float(np.median(centroid)), 3) if centroid else None,
            "median_zero_crossing_ratio": round(float(np.median(zcr)), 3) if zcr else None,
            "median_rms_diff_db": round(float(np.median(rms_db)), 2) if rms_db else None,
            "tonal_median_max_abs_sample_diff": round(float(np.median(diffs)), 5) if diffs else None}


def _rms(x: np.ndarray) -> float:
    return float(np.sqrt(np.mean(x * x))) if x.size else 0.0


def _zcr(x: np.ndarray) -> float:
    return float(np.mean(np.diff(np.signbit(x).astype(np.int8)) != 0)) if x.size > 1 else 0.0


def _timed(fn, repeats: int, clock=time.perf_counter) -> float:
    start = clock()
    for _ in range(repeats):
        fn()
    return (clock() - start) / repeats


def run(quick: bool = False) -> dict:
    import pyfxr

    from museforge.sfx.retro import generate
    from museforge.sfx.retro_synth import TICK_RATE, render_sfxr

    n_sounds, repeats = (8, 2) if quick else (40, 3)
    per_category = {}
    for category in CATEGORIES:
        params = [generate(category, seed).replace(sound_vol=UNIT_GAIN_VOL) for seed in range(n_sounds)]
        kwargs = [_pyfxr_kwargs(p) for p in params]
        ours = [render_sfxr(p, sample_rate=TICK_RATE, seed=i).samples[0] for i, p in enumerate(params)]
        peer = [_pyfxr_samples(k) for k in kwargs]

        def render_ours():
            return [render_sfxr(p, sample_rate=TICK_RATE, seed=i) for i, p in enumerate(params)]

        def render_peer():
            return [pyfxr.SFX(**k).build() for k in kwargs]

        cpu_ours = cpu_peer = wall_ours = wall_peer = float("inf")
        for _ in range(3):  # interleaved so machine noise hits both sides
            cpu_ours = min(cpu_ours, _timed(render_ours, repeats, time.thread_time))
            cpu_peer = min(cpu_peer, _timed(render_peer, repeats, time.thread_time))
            wall_ours = min(wall_ours, _timed(render_ours, repeats))
            wall_peer = min(wall_peer, _timed(render_peer, repeats))
        audio_ours = sum(x.size for x in ours) / TICK_RATE
        audio_peer = sum(x.size for x in peer) / pyfxr.SAMPLE_RATE
        ours, peer = [_audible(x) for x in ours], [_audible(x) for x in peer]
        faithful = [i for i, p in enumerate(params) if _faithful(p)]
        tonal = [p.wave_type != "noise" for p in params]
        per_category[category] = {
            "ours_x_realtime": round(audio_ours / cpu_ours, 1),
            "pyfxr_x_realtime": round(audio_peer / cpu_peer, 1),
            "ours_over_pyfxr": round((audio_ours / cpu_ours) / (audio_peer / cpu_peer), 2),
            "ours_x_realtime_wall": round(audio_ours / wall_ours, 1),
            "pyfxr_x_realtime_wall": round(audio_peer / wall_peer, 1),
            "audio_s_ours": round(audio_ours, 3),
            "mean_length_ms_ours": round(audio_ours / n_sounds * 1e3, 1),
            "all": _compare(ours, peer, TICK_RATE, tonal),
            "faithful": _compare([ours[i] for i in faithful], [peer[i] for i in faithful], TICK_RATE,
                                 [tonal[i] for i in faithful]),
        }

    # our other output rates cost a polyphase resample on top
    params48 = [generate(c, s) for c in CATEGORIES for s in range(4)]
    audio48 = sum(render_sfxr(p, sample_rate=48_000).duration_s for p in params48)
    rate48 = audio48 / min(_timed(lambda: [render_sfxr(p, sample_rate=48_000) for p in params48], repeats,
                                  time.thread_time) for _ in range(3))
    slowest = min(per_category, key=lambda c: per_category[c]["ours_x_realtime"])
    row = per_category[slowest]
    return result(
        "sfx_retro", "slowest category's sfxr render speed (CPU, 1 thread, 44.1 kHz) vs pyfxr, same jsfxr params",
        row["ours_x_realtime"], row["pyfxr_x_realtime"], "x realtime (s audio / s compute)",
        {"sounds_per_category": n_sounds, "repeats": repeats, "slowest_category": slowest,
         "categories_below_200x": sorted(c for c, v in per_category.items() if v["ours_x_realtime"] < 200.0),
         "ours_x_realtime_at_48k": round(rate48, 1), "per_category": per_category,
         "load_average_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
         "notes": "ratio = ours/pyfxr speed on the slowest category (both single-threaded, thread CPU time); "
                  "length diff 0.045 ms = jsfxr's 2 extra envelope ticks; centroid/zero-crossing ratios near 1 = "
                  "same pitch and timbre; 'faithful' = sounds pyfxr renders as sfxr does (no repeat/arpeggio, no "
                  "duty-shaped sawtooth); tonal_median_max_abs_sample_diff: per non-noise sound the largest sample "
                  "difference, median (pyfxr is int16 and keeps periods and duty in float32, which flips a period "
                  "by one now and then)"})


if __name__ == "__main__":
    import json

    print(json.dumps(run(quick=True), indent=2))
