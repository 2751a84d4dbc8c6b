"""Mixing and mastering with pedalboard: channel strips per instrument role, stems, a loudness master.

Stems, precisely: a *pre-master stem* is one track after its channel strip (gain staging, EQ,
compression, pan, level) plus that track's own reverb return; all stems are then scaled by one
common headroom gain so that none of them, nor their sum, peaks over -1 dBFS
(``Mix.with_headroom``). The *pre-master mix* is defined as the sample-wise sum of the pre-master
stems, so stems sum to it exactly (float32 rounding aside). Reverb is a per-stem send rather than
one shared bus; Freeverb is linear, so the sum of the per-stem returns equals one bus fed with the
summed sends. Mastering (gain + true-peak limiter, :mod:`museforge.render.limiter`) acts on the
mix only and is not linear, so the *master* differs from the stem sum by the master gain and the
limiter's gain reduction; :class:`Mastered` reports both.
"""

from __future__ import annotations

import os
from collections.abc import Mapping, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np

from museforge.audio import Audio, db_to_amplitude
from museforge.errors import MuseforgeError, check_choice, check_range

SAMPLE_RATES = (44_100, 48_000)
# Integrated-loudness presets in LUFS (names are what users ask for).
LOUDNESS_PRESETS = {"streaming": -14.0, "apple": -16.0, "ebu-r128": -23.0, "console": -24.0}
DEFAULT_TRUE_PEAK_DBTP = -1.0
STEM_REFERENCE_LUFS = -20.0  # every dry stem is gain-staged here before its role level applies
ROLES = ("drums", "bass", "keys", "guitar", "strings", "brass", "pad", "lead", "fx")

# Track names beat GM programs because arrangers name tracks by function ("melody" on a piano).
_NAME_HINTS = (
    ("drums", ("drum", "kit", "perc", "noise")),
    ("bass", ("bass",)),
    ("lead", ("melody", "lead", "vocal", "solo", "fiddle")),
    ("pad", ("pad", "ambient", "texture")),
    ("strings", ("string", "violin", "viola", "cello")),
    ("keys", ("piano", "chord", "comp", "harmony", "accomp", "organ", "keys")),
    ("guitar", ("guitar",)),
    ("brass", ("brass", "horn", "trumpet", "trombone")),
)
# GM program families (program // 8) -> role.
_FAMILY_ROLES = ("keys", "keys", "keys", "guitar", "bass", "strings", "strings", "brass",
                 "lead", "lead", "lead", "pad", "pad", "lead", "drums", "fx")


@dataclass(frozen=True)
class ChannelStrip:
    """One mixer channel; gains in dB, pan in [-1 (left), 1 (right)]."""

    level_db: float = 0.0  # relative to STEM_REFERENCE_LUFS
    pan: float = 0.0
    highpass_hz: float = 40.0  # removes rumble that eats headroom
    presence_db: float = 0.0  # peak EQ at 3 kHz to bring a part forward
    comp_threshold_db: float = -18.0
    comp_ratio: float = 2.0
    reverb_send_db: float = -18.0  # -inf for a dry channel


STRIPS = {
    "drums": ChannelStrip(level_db=0.0, highpass_hz=30.0, comp_threshold_db=-16.0, comp_ratio=3.0,
                          reverb_send_db=-20.0),
    "bass": ChannelStrip(level_db=-1.0, highpass_hz=30.0, comp_threshold_db=-20.0, comp_ratio=4.0,
                         reverb_send_db=float("-inf")),
    "keys": ChannelStrip(level_db=-3.0, pan=-0.2, highpass_hz=70.0, reverb_send_db=-14.0),
    "guitar": ChannelStrip(level_db=-3.0, pan=0.35, highpass_hz=90.0, reverb_send_db=-14.0),
    "strings": ChannelStrip(level_db=-4.0, pan=-0.3, highpass_hz=60.0, comp_ratio=1.5, reverb_send_db=-10.0),
    "brass": ChannelStrip(level_db=-4.0, pan=0.25, highpass_hz=80.0, reverb_send_db=-14.0),
    "pad": ChannelStrip(level_db=-6.0, highpass_hz=100.0, comp_ratio=1.5, reverb_send_db=-8.0),
    "lead": ChannelStrip(level_db=0.0, pan=0.1, highpass_hz=120.0, presence_db=2.0, reverb_send_db=-12.0),
    "fx": ChannelStrip(level_db=-8.0, highpass_hz=150.0, reverb_send_db=-8.0),
}


def role_of(name: str, program: int, is_drum: bool) -> str:
    """The mixing role of a track, from its drum flag, its name, then its GM program family."""
    if is_drum:
        return "drums"
    lowered = name.lower()
    for role, hints in _NAME_HINTS:
        if any(hint in lowered for hint in hints):
            return role
    return _FAMILY_ROLES[min(max(int(program), 0), 127) // 8]


@dataclass(frozen=True)
class Mix:
    """Pre-master stems (same length, sum to ``mix``), the roles used, and the mix itself."""

    stems: dict[str, Audio]
    roles: dict[str, str]
    mix: Audio
    headroom_gain_db: float = 0.0  # applied to stems and mix alike by with_headroom()

    def with_headroom(self, peak_dbfs: float = -1.0) -> Mix:
        """Stems and mix scaled by one gain so none peaks over ``peak_dbfs`` (files cannot hold > 0 dBFS).

        One common gain keeps the stems summing to the mix; mastering is relative to its input,
        so the master does not change.
        """
        loudest = max(audio.peak_dbfs() for audio in [*self.stems.values(), self.mix])
        gain_db = min(0.0, peak_dbfs - loudest) if np.isfinite(loudest) else 0.0
        if gain_db == 0.0:
            return self
        stems = {name: audio.gain(gain_db) for name, audio in self.stems.items()}
        return Mix(stems, self.roles, self.mix.gain(gain_db), self.headroom_gain_db + gain_db)


@dataclass(frozen=True)
class Mastered:
    """A mastered signal and what mastering did to it (measured on the returned audio)."""

    audio: Audio
    target_lufs: float
    gain_db: float
    ceiling_db: float
    loudness_lufs: float
    true_peak_dbtp: float
    iterations: int


def _pan_gains(pan: float) -> tuple[float, float]:
    # constant-power law normalised so centre leaves both channels at unity
    theta = (pan + 1.0) * np.pi / 4.0
    return float(np.cos(theta) * np.sqrt(2.0)), float(np.sin(theta) * np.sqrt(2.0))


def _strip_chain(strip: ChannelStrip):
    import pedalboard as pb

    plugins = [pb.HighpassFilter(cutoff_frequency_hz=strip.highpass_hz)]
    if strip.presence_db:
        plugins.append(pb.PeakFilter(cutoff_frequency_hz=3000.0, gain_db=strip.presence_db, q=0.8))
    if strip.comp_ratio > 1.0:
        plugins.append(pb.Compressor(threshold_db=strip.comp_threshold_db, ratio=strip.comp_ratio,
                                     attack_ms=10.0, release_ms=120.0))
    return pb.Pedalboard(plugins)


def channel_strip(audio: Audio, strip: ChannelStrip, *, staging_gain_db: float, room_size: float) -> Audio:
    """Run one stereo stem through ``strip``; returns dry channel + its reverb return."""
    import pedalboard as pb

    if audio.n_channels != 2:
        audio = audio.to_channels(2)
    gain = np.float32(db_to_amplitude(staging_gain_db + strip.level_db))
    dry = _strip_chain(strip)(audio.samples * gain, audio.sample_rate, reset=True)
    left, right = _pan_gains(check_range("pan", strip.pan, -1.0, 1.0))
    dry = dry * np.array([[left], [right]], dtype=np.float32)
    if np.isfinite(strip.reverb_send_db):
        reverb = pb.Reverb(room_size=room_size, damping=0.5, wet_level=1.0, dry_level=0.0, width=1.0)
        send = dry * np.float32(db_to_amplitude(strip.reverb_send_db))
        dry = dry + reverb(send, audio.sample_rate, reset=True)
    return audio.with_samples(dry)


def staging_gain_db(audio: Audio) -> float:
    """Gain that brings a dry stem to STEM_REFERENCE_LUFS (0 for silence)."""
    loudness = audio.loudness_lufs()
    return STEM_REFERENCE_LUFS - loudness if np.isfinite(loudness) else 0.0


def mix_stems(
    stems: Sequence,
    *,
    strips: Mapping[str, ChannelStrip] | None = None,
    roles: Mapping[str, str] | None = None,
    n_channels: int = 2,
    room_size: float = 0.55,
    staging_db: Mapping[str, float] | None = None,
) -> Mix:
    """Mix rendered stems (objects with name/program/is_drum/audio, e.g. soundfont.Stem).

    Args:
        stems: rendered stems of identical length and sample rate.
        strips: per-stem-name channel strips overriding the role presets in :data:`STRIPS`.
        roles: per-stem-name roles overriding :func:`role_of`.
        n_channels: 1 (mono: each stem folded down, so stems still sum to the mix) or 2.
        room_size: shared reverb room size in [0, 1].
        staging_db: per-stem-name staging gains; by default measured so each dry stem sits at
            STEM_REFERENCE_LUFS. Loop and layer rendering pass gains measured once so that every
            part of a piece is staged alike.

    Returns:
        A :class:`Mix` whose stems sum to its mix.
    """
    if not stems:
        raise MuseforgeError("nothing to mix: no stems (the score has no tracks with notes)")
    if n_channels not in (1, 2):
        raise MuseforgeError(f"n_channels must be 1 (mono) or 2 (stereo), got {n_channels}")
    check_range("room_size", room_size, 0.0, 1.0)
    lengths = {stem.audio.n_frames for stem in stems}
    rates = {stem.audio.sample_rate for stem in stems}
    if len(lengths) != 1 or len(rates) != 1:
        raise MuseforgeError(f"stems must share length and sample rate, got {sorted(lengths)} frames, {rates} Hz")
    strips, roles, staging_db = dict(strips or {}), dict(roles or {}), dict(staging_db or {})
    used_roles = {
        stem.name: check_choice("role", roles.get(stem.name) or role_of(stem.name, stem.program, stem.is_drum), ROLES)
        for stem in stems
    }

    def process(stem) -> Audio:
        strip = strips.get(stem.name, STRIPS[used_roles[stem.name]])
        staging = staging_db[stem.name] if stem.name in staging_db else staging_gain_db(stem.audio)
        return channel_strip(stem.audio, strip, staging_gain_db=staging, room_size=room_size).to_channels(n_channels)

    # pedalboard and scipy's filters release the GIL, so stems mix in parallel on a multi-core CPU
    with ThreadPoolExecutor(max_workers=min(len(stems), os.cpu_count() or 1)) as pool:
        out = dict(zip((stem.name for stem in stems), pool.map(process, stems)))
    total = np.sum([audio.samples for audio in out.values()], axis=0, dtype=np.float32)
    return Mix(out, used_roles, next(iter(out.values())).with_samples(total))


def loudness_target(loudness: str | float) -> float:
    """A preset name from :data:`LOUDNESS_PRESETS` or a number in [-36, -6] LUFS (also as text, "-16",
    as a CLI option or a CSV cell gives it)."""
    if isinstance(loudness, str):
        try:
            loudness = float(loudness)
        except ValueError:
            return LOUDNESS_PRESETS[check_choice("loudness preset", loudness, LOUDNESS_PRESETS)]
    return check_range("target loudness", loudness, -36.0, -6.0, "LUFS")


def master(
    audio: Audio,
    *,
    target_lufs: float = LOUDNESS_PRESETS["streaming"],
    true_peak_dbtp: float = DEFAULT_TRUE_PEAK_DBTP,
    tolerance_lu: float = 0.2,
    region: tuple[int, int] | None = None,
    max_iterations: int = 10,
) -> Mastered:
    """Gain + true-peak brickwall limiter (render.limiter), iterated until the measured result meets the targets.

    Loudness and true peak are measured (Audio.loudness_lufs / Audio.true_peak_dbtp) on the
    output after each pass; gain and the limiter ceiling are corrected until loudness is within
    ``tolerance_lu`` of the target and the true peak at or under ``true_peak_dbtp``. The peak
    limit always wins: a target the material cannot reach without breaking it is reported, not met.

    Args:
        audio: the pre-master mix.
        target_lufs: integrated loudness target.
        true_peak_dbtp: true-peak ceiling.
        tolerance_lu: accepted loudness error.
        region: (start, end) frames to measure and return; the whole signal is still processed so
            the limiter state entering the region is primed (used by seamless loops).
        max_iterations: passes before giving up on loudness (the peak limit is still enforced).

    Returns:
        :class:`Mastered` with the mastered (region of the) audio and measured figures.
    """
    from museforge.render.limiter import frame_true_peaks

    check_range("target_lufs", target_lufs, -60.0, 0.0, "LUFS")
    check_range("true_peak_dbtp", true_peak_dbtp, -20.0, 0.0, "dBTP")
    start, end = region if region is not None else (0, audio.n_frames)
    if not 0 <= start < end <= audio.n_frames:
        raise MuseforgeError(f"master region {region} lies outside the audio's {audio.n_frames} frames")

    def take(samples: np.ndarray) -> Audio:
        return Audio(samples[:, start:end], audio.sample_rate)

    # pyloudnorm's filters (lfilter) and the 4x interpolators (correlate1d, resample_poly) release
    # the GIL, so loudness and peak measures run on two threads. The sidechain scales with the
    # gain: computed once for every pass.
    with ThreadPoolExecutor(max_workers=2) as pool:
        sidechain = pool.submit(frame_true_peaks, audio.samples)
        measured = take(audio.samples).loudness_lufs()
        frame_peaks = sidechain.result()
        if not np.isfinite(measured):
            raise MuseforgeError("cannot master silence: the mix has no audible signal")
        result, gain_db, ceiling_db, loudness, peak, iteration = _limit_to_targets(
            audio, take, pool, frame_peaks, target_lufs - measured, true_peak_dbtp, target_lufs,
            tolerance_lu, max_iterations)
    return Mastered(result, target_lufs, gain_db, ceiling_db, loudness, peak, iteration)


def _limit_to_targets(audio, take, pool, frame_peaks, gain_db, true_peak_dbtp, target_lufs, tolerance_lu,
                      max_iterations):
    """master()'s loop: gain + limiter passes until loudness and true peak meet the targets."""
    from museforge.render.limiter import limit

    ceiling_db = true_peak_dbtp - 0.05  # margin for float32 rounding and the 4x estimate
    result, loudness, peak = None, None, 0.0
    previous: tuple[float, float] | None = None  # (gain_db, loudness) of the last pass
    for iteration in range(1, max_iterations + 1):
        amplitude = np.float32(db_to_amplitude(gain_db))
        samples = limit(audio.samples * amplitude, audio.sample_rate, ceiling_db=ceiling_db,
                        frame_peaks=frame_peaks * amplitude)
        result = take(samples)
        true_peak = pool.submit(result.true_peak_dbtp)
        loudness, peak = result.loudness_lufs(), true_peak.result()
        if peak > true_peak_dbtp:
            ceiling_db -= peak - true_peak_dbtp + 0.05
            previous = None  # a new ceiling changes the gain -> loudness curve
            continue
        if abs(loudness - target_lufs) <= tolerance_lu:
            break
        # Secant step: once the limiter works, 1 dB of gain buys less than 1 LU of loudness.
        slope = 1.0
        if previous is not None and gain_db != previous[0]:
            slope = float(np.clip((loudness - previous[1]) / (gain_db - previous[0]), 0.05, 1.0))
        previous = (gain_db, loudness)
        gain_db = min(gain_db + float(np.clip((target_lufs - loudness) / slope, -24.0, 24.0)), 60.0)
    if peak > true_peak_dbtp:  # last resort: trade loudness for the peak limit
        result = result.gain(true_peak_dbtp - peak - 0.01)
        loudness, peak = result.loudness_lufs(), result.true_peak_dbtp()
    return result, gain_db, ceiling_db, loudness, peak, iteration
