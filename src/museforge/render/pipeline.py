"""Score -> finished audio in one call: soundfont stems -> channel strips -> loudness master.

This is the entry point the CLI, HTTP API and exports use; loops and intensity layers
(:mod:`museforge.render.loop`, :mod:`museforge.render.layers`) reuse its pieces.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_range
from museforge.render import mix as mixing
from museforge.render.soundfont import DEFAULT_TAIL_S, render_stems


@dataclass(frozen=True)
class Rendered:
    """A finished render.

    Attributes:
        audio: the mastered audio (with loop points for loops).
        stems: pre-master stems by track name; they sum to ``premix`` (see render.mix) and peak
            at or under -1 dBFS, so they can be written to PCM files as they are.
        premix: the pre-master mix (sum of stems) over the same frames as ``audio``.
        roles: mixing role per stem.
        mastering: what mastering did and the measured loudness / true peak of ``audio``.
        soundfont: the soundfont file used.
        backend: the synth backend used.
        headroom_gain_db: the common gain that gave stems and premix their headroom.
    """

    audio: Audio
    stems: dict[str, Audio]
    premix: Audio
    roles: dict[str, str]
    mastering: mixing.Mastered
    soundfont: Path
    backend: str
    headroom_gain_db: float = 0.0

    def measurements(self) -> dict:
        """Figures for sidecars and reports, measured on the mastered audio."""
        loop = self.audio.loop
        return {
            "integrated_loudness_lufs": round(self.mastering.loudness_lufs, 2),
            "true_peak_dbtp": round(self.mastering.true_peak_dbtp, 2),
            "target_loudness_lufs": self.mastering.target_lufs,
            "master_gain_db": round(self.mastering.gain_db, 2),  # relative to the premix
            "stem_headroom_gain_db": round(self.headroom_gain_db, 2),
            "limiter_ceiling_db": round(self.mastering.ceiling_db, 2),
            "duration_s": round(self.audio.duration_s, 6),
            "n_frames": self.audio.n_frames,
            "sample_rate": self.audio.sample_rate,
            "n_channels": self.audio.n_channels,
            "loop_start_frame": loop.start_frame if loop else None,
            "loop_end_frame": loop.end_frame if loop else None,
            "stems": dict(self.roles),
            "soundfont": self.soundfont.name,
            "backend": self.backend,
        }


def _fade_out(mixed: mixing.Mix, n_frames: int) -> mixing.Mix:
    """The same raised-cosine fade on every stem and the mix (linear, so the sum still holds).

    In place: ``mixed`` comes straight from :func:`mixing.mix_stems` in :func:`render`, so nothing
    else holds its arrays, and copying every full-length buffer to touch its last frames costs
    more than the fade.
    """
    n_frames = min(n_frames, mixed.mix.n_frames)
    if n_frames < 2:
        return mixed
    ramp = (0.5 + 0.5 * np.cos(np.linspace(0.0, np.pi, n_frames))).astype(np.float32)
    for audio in [*mixed.stems.values(), mixed.mix]:
        audio.samples[:, -n_frames:] *= ramp
    return mixed


def check_output_format(sample_rate: int, n_channels: int) -> None:
    """Finished audio is 44.1 or 48 kHz, mono or stereo."""
    if sample_rate not in mixing.SAMPLE_RATES:
        raise MuseforgeError(f"sample_rate must be one of {mixing.SAMPLE_RATES} Hz, got {sample_rate}")
    if n_channels not in (1, 2):
        raise MuseforgeError(f"n_channels must be 1 (mono) or 2 (stereo), got {n_channels}")


def render(
    score,
    *,
    soundfont: str | Path | None = None,
    backend: str = "tinysoundfont",
    sample_rate: int = 44_100,
    n_channels: int = 2,
    loudness: str | float = "streaming",
    true_peak_dbtp: float = mixing.DEFAULT_TRUE_PEAK_DBTP,
    strips: dict[str, mixing.ChannelStrip] | None = None,
    roles: dict[str, str] | None = None,
    tail_s: float = DEFAULT_TAIL_S,
    duration_s: float | None = None,
    fade_out_s: float = 0.05,
) -> Rendered:
    """Render a symusic Score to mastered audio plus pre-master stems.

    Args:
        score: a symusic Score (multi-track, GM programs, drums flagged ``is_drum``).
        soundfont: .sf2/.sf3 path; None uses the bundled TimGM6mb.
        backend: "tinysoundfont" or "fluidsynth".
        sample_rate: 44100 or 48000 Hz.
        n_channels: 1 or 2.
        loudness: a preset name (streaming -14, apple -16, ebu-r128 -23, console -24) or LUFS.
        true_peak_dbtp: true-peak ceiling of the master.
        strips: channel strips by stem name, overriding role presets.
        roles: roles by stem name, overriding the automatic choice.
        tail_s: seconds kept after the last note for release and reverb.
        duration_s: exact length instead (a cue of fixed length): rounded to the nearest frame;
            notes starting later are dropped.
        fade_out_s: raised-cosine fade over the last seconds (stems and mix alike), so a cut
            tail or a fixed duration never ends in a click.

    Returns:
        A :class:`Rendered`.
    """
    check_output_format(sample_rate, n_channels)
    target = mixing.loudness_target(loudness)
    from museforge.render.soundfont import check_soundfont

    font = check_soundfont(soundfont)
    n_frames = None
    if duration_s is not None:
        n_frames = round(check_range("duration_s", duration_s, 0.1, 3600.0, "s") * sample_rate)
    check_range("fade_out_s", fade_out_s, 0.0, 30.0, "s")
    stems = render_stems(score, soundfont=font, backend=backend, sample_rate=sample_rate, tail_s=tail_s,
                         n_frames=n_frames)
    mixed = mixing.mix_stems(stems, strips=strips, roles=roles, n_channels=n_channels)
    mixed = _fade_out(mixed, round(fade_out_s * sample_rate)).with_headroom()
    mastered = mixing.master(mixed.mix, target_lufs=target, true_peak_dbtp=true_peak_dbtp)
    return Rendered(mastered.audio, mixed.stems, mixed.mix, mixed.roles, mastered, font, backend,
                    mixed.headroom_gain_db)
