"""Procedural sound effects: realtime factor per recipe, streaming block cost, variation diversity.

* Speed: seconds of audio per second of compute on one core: thread CPU time (``time.thread_time``)
  of a single-threaded process (numpy element-wise ops and scipy's filters do not spawn threads;
  OMP/MKL/OpenBLAS are limited to 1 thread as well), so other jobs on a shared machine do not count
  against either side; best-of wall-clock factors are in ``details`` too. 48 kHz, each recipe's
  default channel count (stereo ambiences, mono one-shots except thunder/explosion/magic), best of
  ``repeats``.
  Ambiences render 10 s; one-shots their presets' natural lengths. Peer in the same run: pyfxr
  (a compiled sfxr clone, 44.1 kHz mono) building a noise sound of the same duration (capped at
  pyfxr's 6.8 s envelope), a fresh ``SFX`` each time because ``build`` caches. Headline: the
  slowest recipe's factor vs pyfxr's, so "ratio > 1" means every recipe outruns pyfxr.
* Streaming: per 256-frame block at 48 kHz with automation moving a parameter (filters are
  redesigned as it moves): compute (thread CPU) time as % of the block's 5.33 ms, mean and 99th
  percentile; the wall-clock p99, which includes preemption by other processes, is reported too.
* Retro (sfxr) recipes: the seven category recipes, seeds 0..19 at their natural lengths, 48 kHz,
  vs pyfxr building the identical jsfxr parameters, both in thread CPU time; in ``details`` only
  (``retro_per_recipe``), measured last. ``bench/sfx_retro`` measures the synth itself.
* Diversity: 16 variations (seed + i, spread 0.1) of each recipe's first preset; mean pairwise
  log-spectral distance (dB RMS between average log power spectra) vs the mean distance of the
  variations to the preset itself. Ratio near 1 = variations differ from each other about as much
  as from the preset (a cloud around it, not a drift away from it).
"""

from __future__ import annotations

import os

for _var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

import time  # noqa: E402

import numpy as np  # noqa: E402

from bench.common import best_time_s, result  # noqa: E402

SAMPLE_RATE = 48_000
BLOCK_FRAMES = 256
PYFXR_MAX_S = 6.5


def best_cpu_s(fn, repeats: int) -> float:
    """Best thread CPU time of ``repeats`` calls (immune to time slices lost to other processes)."""
    best = float("inf")
    for _ in range(repeats):
        start = time.thread_time()
        fn()
        best = min(best, time.thread_time() - start)
    return max(best, 1e-6)


def _ours_recipes() -> list[str]:
    from museforge.sfx.recipe import recipe_names

    return [n for n in recipe_names() if not n.startswith("retro")]  # retro: _retro_speed and bench/sfx_retro


def _pyfxr_time_s(duration_s: float, repeats: int) -> tuple[float, float, float]:
    """(best build CPU time, best wall time, audio seconds) for a pyfxr noise sound of ``duration_s``."""
    import pyfxr

    duration_s = min(duration_s, PYFXR_MAX_S)
    # sfxr envelope stage lengths are p^2 * 100000 samples at 44.1 kHz; split over sustain/decay.
    sustain = min(1.0, np.sqrt(duration_s * 44_100 / 100_000))
    decay = np.sqrt(max(0.0, duration_s * 44_100 - sustain ** 2 * 100_000) / 100_000)

    def build():
        return pyfxr.SFX(wave_type=pyfxr.WaveType.NOISE, env_attack=0.0, env_sustain=float(sustain),
                         env_decay=float(decay), base_freq=0.3, lpf_freq=0.6).build()

    n = len(np.frombuffer(memoryview(build()), dtype=np.int16))
    return best_cpu_s(build, repeats), best_time_s(build, repeats), n / 44_100


def _speed(quick: bool) -> dict:
    from museforge.sfx.recipe import get_recipe

    repeats = 1 if quick else 3
    rows = {}
    for name in _ours_recipes():
        recipe = get_recipe(name)
        presets = list(recipe.presets)[: 1 if quick else None]
        audio_s = compute_s = wall_s = peer_audio_s = peer_compute_s = peer_wall_s = 0.0
        for preset in presets:
            duration = (2.0 if quick else 10.0) if recipe.loopable else None
            length_s = recipe.render(preset=preset, duration_s=duration, sample_rate=SAMPLE_RATE).duration_s
            def ours():
                return recipe.render(preset=preset, duration_s=duration, sample_rate=SAMPLE_RATE)

            compute_s += best_cpu_s(ours, repeats)
            wall_s += best_time_s(ours, repeats)
            audio_s += length_s
            peer_cpu, peer_wall, peer_len = _pyfxr_time_s(length_s, repeats)  # interleaved: same load
            peer_compute_s += peer_cpu
            peer_wall_s += peer_wall
            peer_audio_s += peer_len
        rows[name] = {"realtime_factor": audio_s / compute_s, "realtime_factor_wall": audio_s / wall_s,
                      "audio_s": round(audio_s, 3), "channels": recipe.default_channels, "presets": len(presets),
                      "pyfxr_realtime_factor_same_durations": peer_audio_s / peer_compute_s,
                      "pyfxr_realtime_factor_wall": peer_audio_s / peer_wall_s}
    return rows


def _retro_speed(quick: bool) -> dict:
    """The seven retro (sfxr) recipes: seeds 0..n-1 at their natural lengths, vs pyfxr on the same jsfxr params.

    Ours includes what a recipe render does on top of the synth (drawing the parameters from the
    seed, the 44.1 -> 48 kHz resample, peak guard); pyfxr builds the identical parameters at 44.1 kHz.
    Measured after every other recipe, so the retro renders cannot change the other rows.
    """
    import pyfxr

    from bench.sfx_retro import CATEGORIES, _pyfxr_kwargs
    from museforge.sfx.recipe import get_recipe

    n_seeds, repeats = (4, 1) if quick else (20, 3)
    rows = {}
    for category in CATEGORIES:
        recipe = get_recipe(f"retro_{category}")
        kwargs = [_pyfxr_kwargs(recipe.sfxr_params(recipe.resolve(), seed)) for seed in range(n_seeds)]
        audio_s = sum(recipe.render(seed=seed, sample_rate=SAMPLE_RATE).duration_s for seed in range(n_seeds))
        peer_audio_s = sum(len(np.frombuffer(memoryview(pyfxr.SFX(**k).build()), dtype=np.int16))
                           for k in kwargs) / 44_100

        def ours():
            return [recipe.render(seed=seed, sample_rate=SAMPLE_RATE) for seed in range(n_seeds)]

        def peer():
            return [pyfxr.SFX(**k).build() for k in kwargs]

        compute_s = peer_compute_s = float("inf")
        for _ in range(3):  # interleaved: same load on both sides
            compute_s = min(compute_s, best_cpu_s(ours, repeats))
            peer_compute_s = min(peer_compute_s, best_cpu_s(peer, repeats))
        rows[recipe.name] = {"realtime_factor": audio_s / compute_s, "audio_s": round(audio_s, 3), "seeds": n_seeds,
                             "pyfxr_realtime_factor_same_params": peer_audio_s / peer_compute_s,
                             "ours_over_pyfxr": (audio_s / compute_s) / (peer_audio_s / peer_compute_s)}
    return rows


def _streaming(quick: bool) -> dict:
    from museforge.sfx.recipe import get_recipe
    from museforge.sfx.stream import stream

    seconds = 1.0 if quick else 4.0
    block_s = BLOCK_FRAMES / SAMPLE_RATE
    rows = {}
    for name in _ours_recipes():
        recipe = get_recipe(name)
        if not recipe.streamable:
            continue
        param = next(p for p in recipe.params if p.is_continuous)
        automation = {param.name: [(0.0, param.low), (seconds, param.high)]}
        gen = stream(recipe, automation, duration_s=seconds, block_frames=BLOCK_FRAMES, sample_rate=SAMPLE_RATE)
        cpu, wall = [], []
        while True:
            start_cpu, start_wall = time.thread_time(), time.perf_counter()
            block = next(gen, None)
            if block is None:
                break
            cpu.append(time.thread_time() - start_cpu)
            wall.append(time.perf_counter() - start_wall)
        pct = 100.0 * np.array(cpu[1:]) / block_s  # the first block includes set-up
        wall_pct = 100.0 * np.array(wall[1:]) / block_s
        rows[name] = {"mean_pct": float(pct.mean()), "p99_pct": float(np.percentile(pct, 99)),
                      "wall_mean_pct": float(wall_pct.mean()), "wall_p99_pct": float(np.percentile(wall_pct, 99)),
                      "automated": param.name}
    return rows


def _log_spectrum(x: np.ndarray, n_fft: int = 2048) -> np.ndarray:
    mono = x.mean(axis=0)
    if mono.size < n_fft:
        mono = np.pad(mono, (0, n_fft - mono.size))
    frames = mono[: mono.size // n_fft * n_fft].reshape(-1, n_fft) * np.hanning(n_fft)
    return 10.0 * np.log10(np.mean(np.abs(np.fft.rfft(frames, axis=1)) ** 2, axis=0) + 1e-10)


def _diversity(quick: bool) -> dict:
    from museforge.sfx.recipe import get_recipe
    from museforge.sfx.variations import variations

    n = 4 if quick else 16
    rows = {}
    for name in _ours_recipes():
        recipe = get_recipe(name)
        preset = next(iter(recipe.presets))
        duration = 2.0 if recipe.loopable else None
        reference = _log_spectrum(recipe.render(preset=preset, duration_s=duration, sample_rate=22_050).samples)
        specs = [_log_spectrum(v.audio.samples) for v in variations(
            recipe, n, preset=preset, seed=1, spread=0.1, duration_s=duration, sample_rate=22_050)]
        pairwise = np.mean([np.sqrt(np.mean((a - b) ** 2)) for i, a in enumerate(specs) for b in specs[i + 1:]])
        to_preset = np.mean([np.sqrt(np.mean((a - reference) ** 2)) for a in specs])
        rows[name] = {"preset": preset, "pairwise_db": float(pairwise), "to_preset_db": float(to_preset),
                      "ratio": float(pairwise / to_preset)}
    return rows


def run(quick: bool = False) -> dict:
    speed = _speed(quick)
    streaming = _streaming(quick)
    diversity = _diversity(quick)
    retro = _retro_speed(quick)  # last: the retro synth's allocator setting must not touch the rows above
    slowest = min(speed, key=lambda k: speed[k]["realtime_factor"])
    peer = float(np.median([row["pyfxr_realtime_factor_same_durations"] for row in speed.values()]))
    details = {
        "sample_rate": SAMPLE_RATE,
        "slowest_recipe": slowest,
        "recipes_below_200x": sorted(k for k, v in speed.items() if v["realtime_factor"] < 200.0),
        "load_average_at_end": os.getloadavg() if hasattr(os, "getloadavg") else None,
        "per_recipe": {k: {kk: round(vv, 2) if isinstance(vv, float) else vv for kk, vv in v.items()}
                       for k, v in speed.items()},
        "streaming_block_pct_of_realtime": {k: {kk: round(vv, 2) if isinstance(vv, float) else vv
                                                for kk, vv in v.items()} for k, v in streaming.items()},
        "streaming_worst_p99_pct": max(v["p99_pct"] for v in streaming.values()),
        "diversity": {k: {kk: round(vv, 2) if isinstance(vv, float) else vv for kk, vv in v.items()}
                      for k, v in diversity.items()},
        "retro_per_recipe": {k: {kk: round(vv, 2) if isinstance(vv, float) else vv for kk, vv in v.items()}
                             for k, v in retro.items()},
        "retro_below_200x": sorted(k for k, v in retro.items() if v["realtime_factor"] < 200.0),
        "quick": quick,
    }
    return result("sfx_speed", "slowest recipe realtime factor (CPU, 1 thread, 48 kHz) vs pyfxr",
                  float(speed[slowest]["realtime_factor"]), peer, "x realtime", details)


if __name__ == "__main__":
    import json
    import sys

    print(json.dumps(run(quick="--quick" in sys.argv), indent=2, default=float))
