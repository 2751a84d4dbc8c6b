"""Score -> per-track stereo stems with a SoundFont synth (the only module that touches one).

Backends:
    ``tinysoundfont`` (default): TinySoundFont through the ``tinysoundfont`` bindings, float output,
        no built-in effects. With no soundfont given it uses TimGM6mb.sf2, the small General MIDI
        font that ships inside the pretty_midi wheel, so rendering works on a fresh install.
    ``fluidsynth``: libfluidsynth through pyfluidsynth (optional: ``apt-get install libfluidsynth3``
        and ``pip install pyfluidsynth``). Its own reverb/chorus are switched off: effects belong to
        :mod:`museforge.render.mix`, and dry stems are what a DAW user wants.

Every track is rendered on its own synth pass, so stems have identical length and alignment and
their plain sum is the dry mix (neither synth has a shared effect bus once effects are off).
Events are applied sample-accurately: the synth renders up to each event's frame, then the event.
"""

from __future__ import annotations

import math
import os
from dataclasses import dataclass
from importlib import resources
from pathlib import Path

import numpy as np

from museforge.audio import MAX_SAMPLE_RATE, MIN_SAMPLE_RATE, Audio
from museforge.errors import MuseforgeError, check_choice, check_range

BACKENDS = ("tinysoundfont", "fluidsynth")
DEFAULT_TAIL_S = 2.0  # release/decay time rendered after the last note ends
DRUM_CHANNEL = 9  # GM channel 10, zero-based
# TimGM6mb by Tim Brechbill; GPL-2 as packaged by Debian (timgm6mb-soundfont) and shipped in pretty_midi.
DEFAULT_SOUNDFONT_LICENCE = "GPL-2.0 (TimGM6mb by Tim Brechbill, bundled with pretty_midi)"
MAX_VOICES = 256
_FIX_SOUNDFONT = "pass an existing .sf2/.sf3 General MIDI soundfont, or none to use the bundled TimGM6mb"

# event kinds, in the order they are applied when they share a frame: controls first so a note
# sees its channel's volume/pedal; note-offs before note-ons so a repeated pitch re-triggers.
_CONTROL, _BEND, _OFF, _ON = 0, 1, 2, 3


@dataclass(frozen=True)
class Stem:
    """One rendered track: a unique name, its GM program and drum flag, and its stereo audio."""

    name: str
    program: int
    is_drum: bool
    audio: Audio


def default_soundfont_path() -> Path:
    """TimGM6mb.sf2 from the installed pretty_midi package (GPL-2, by Tim Brechbill)."""
    path = Path(str(resources.files("pretty_midi").joinpath("TimGM6mb.sf2")))
    if not path.is_file():
        raise MuseforgeError(f"the bundled soundfont is missing from pretty_midi ({path}); {_FIX_SOUNDFONT}")
    return path


def soundfont_dirs() -> list[Path]:
    """Folders searched for a soundfont given by bare name: $MUSEFORGE_SOUNDFONTS (os.pathsep-
    separated), then where Debian/Ubuntu packages and users put them."""
    extra = [Path(p) for p in os.environ.get("MUSEFORGE_SOUNDFONTS", "").split(os.pathsep) if p]
    return extra + [Path("~/.local/share/soundfonts").expanduser(), Path("/usr/share/sounds/sf2"),
                    Path("/usr/share/soundfonts"), Path("/usr/share/sounds/sf3")]


def _find_by_name(name: str) -> Path | None:
    for folder in soundfont_dirs():
        for suffix in ("", ".sf2", ".sf3"):
            candidate = folder / f"{name}{suffix}"
            if candidate.is_file():
                return candidate
    return None


def check_soundfont(path: str | Path | None) -> Path:
    """Return a soundfont path that exists and looks like SoundFont 2 (RIFF 'sfbk'), else raise.

    Args:
        path: a file path, a bare name found in :func:`soundfont_dirs` (e.g. "FluidR3_GM" from
            Debian's fluid-soundfont-gm), or None for the bundled TimGM6mb.
    """
    if path is None:
        return default_soundfont_path()
    path = Path(path).expanduser()
    if len(path.parts) == 1 and not path.is_file() and (found := _find_by_name(str(path))):
        path = found
    if path.suffix.lower() not in (".sf2", ".sf3"):
        raise MuseforgeError(f"soundfont {path.name!r} is not a .sf2/.sf3 file (nor a name found in "
                             f"{', '.join(map(str, soundfont_dirs()))}); {_FIX_SOUNDFONT}")
    if not path.is_file():
        raise MuseforgeError(f"soundfont not found: {path}; {_FIX_SOUNDFONT}")
    with path.open("rb") as fh:
        header = fh.read(12)
    if len(header) < 12 or header[:4] != b"RIFF" or header[8:12] != b"sfbk":
        raise MuseforgeError(f"soundfont {path.name} is corrupt (no RIFF 'sfbk' header); {_FIX_SOUNDFONT}")
    return path


class _TinySoundFont:
    """TinySoundFont: the font is parsed once, each track plays on a fresh clone of it."""

    def __init__(self, path: Path, sample_rate: int) -> None:
        from tinysoundfont import _tinysoundfont as tsf

        self._tsf = tsf
        self.sample_rate = sample_rate
        try:
            self._font = tsf.SoundFont(str(path))
        except Exception as exc:  # the binding raises RuntimeError/ValueError for unreadable fonts
            raise MuseforgeError(f"cannot load soundfont {path.name}: {exc}; {_FIX_SOUNDFONT}") from None
        self._path = path
        self._voice = None

    def start_track(self, channel: int, program: int, is_drum: bool) -> None:
        voice = self._tsf.SoundFont(self._font)
        voice.set_output(self._tsf.OutputMode.StereoInterleaved, self.sample_rate, 0.0)
        voice.set_max_voices(MAX_VOICES)
        try:
            voice.channel_set_preset_number(channel, program, is_drum)
        except Exception:
            kind = "drum kit" if is_drum else "GM program"
            raise MuseforgeError(
                f"soundfont {self._path.name} has no {kind} {program}; use a full General MIDI soundfont"
            ) from None
        self._voice = voice

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        self._voice.channel_note_on(channel, pitch, velocity / 127.0)

    def note_off(self, channel: int, pitch: int) -> None:
        self._voice.channel_note_off(channel, pitch)

    def control(self, channel: int, number: int, value: int) -> None:
        self._voice.channel_midi_control(channel, number, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        self._voice.channel_set_pitch_wheel(channel, value + 8192)

    def render_into(self, out: np.ndarray) -> None:
        """Fill ``out`` (float32 [frames, 2], C-contiguous) with the next frames."""
        self._voice.render(memoryview(out).cast("B"), False)


class _FluidSynth:
    """libfluidsynth via pyfluidsynth, effects off, 16-bit output scaled to float."""

    def __init__(self, path: Path, sample_rate: int) -> None:
        try:
            import fluidsynth
        except (ImportError, OSError) as exc:
            raise MuseforgeError(
                f"the fluidsynth backend needs libfluidsynth and pyfluidsynth ({exc}); install them "
                "(apt-get install libfluidsynth3; pip install pyfluidsynth) or use backend 'tinysoundfont'"
            ) from None
        settings = {"synth.reverb.active": 0, "synth.chorus.active": 0, "synth.polyphony": MAX_VOICES}
        self._synth = fluidsynth.Synth(gain=0.5, samplerate=float(sample_rate), **settings)
        self._sfid = self._synth.sfload(str(path))
        if self._sfid < 0:
            self._synth.delete()
            raise MuseforgeError(f"fluidsynth cannot load soundfont {path.name}; {_FIX_SOUNDFONT}")
        self._path = path

    def start_track(self, channel: int, program: int, is_drum: bool) -> None:
        self._synth.system_reset()
        bank = 128 if is_drum else 0
        if self._synth.program_select(channel, self._sfid, bank, program) != 0:
            kind = "drum kit" if is_drum else "GM program"
            raise MuseforgeError(
                f"soundfont {self._path.name} has no {kind} {program}; use a full General MIDI soundfont"
            )

    def note_on(self, channel: int, pitch: int, velocity: int) -> None:
        self._synth.noteon(channel, pitch, velocity)

    def note_off(self, channel: int, pitch: int) -> None:
        self._synth.noteoff(channel, pitch)

    def control(self, channel: int, number: int, value: int) -> None:
        self._synth.cc(channel, number, value)

    def pitch_bend(self, channel: int, value: int) -> None:
        self._synth.pitch_bend(channel, value)

    def render_into(self, out: np.ndarray) -> None:
        # get_samples returns interleaved int16 stereo; 32768 maps full scale to 1.0
        samples = self._synth.get_samples(out.shape[0])
        out[:] = samples.reshape(-1, 2).astype(np.float32) / 32768.0

    def close(self) -> None:
        self._synth.delete()


def _track_events(track, sample_rate: int) -> np.ndarray:
    """Events of a track in seconds as int64 rows (frame, kind, a, b), sorted for playback."""
    rows: list[tuple[int, int, int, int]] = []
    for note in track.notes:
        if note.velocity <= 0 or not 0 <= note.pitch <= 127:
            continue
        start = max(0, round(note.time * sample_rate))
        end = max(start + 1, round((note.time + note.duration) * sample_rate))
        rows.append((start, _ON, note.pitch, min(int(note.velocity), 127)))
        rows.append((end, _OFF, note.pitch, 0))
    has_sustain_cc = False
    for control in track.controls:
        has_sustain_cc |= control.number == 64
        rows.append((max(0, round(control.time * sample_rate)), _CONTROL, control.number, control.value))
    if not has_sustain_cc:  # symusic may hold the sustain pedal only as Pedal spans
        for pedal in track.pedals:
            rows.append((max(0, round(pedal.time * sample_rate)), _CONTROL, 64, 127))
            rows.append((max(0, round((pedal.time + pedal.duration) * sample_rate)), _CONTROL, 64, 0))
    for bend in track.pitch_bends:
        rows.append((max(0, round(bend.time * sample_rate)), _BEND, int(bend.value), 0))
    if not rows:
        return np.zeros((0, 4), dtype=np.int64)
    events = np.asarray(rows, dtype=np.int64)
    return events[np.lexsort((events[:, 1], events[:, 0]))]


def _play_track(synth, track, n_frames: int, sample_rate: int) -> np.ndarray:
    """Render one track to float32 [2, n_frames]; events at or past ``n_frames`` are dropped."""
    channel = DRUM_CHANNEL if track.is_drum else 0
    synth.start_track(channel, int(track.program), bool(track.is_drum))
    out = np.zeros((n_frames, 2), dtype=np.float32)
    events = _track_events(track, sample_rate)
    position = 0
    for frame, kind, a, b in events.tolist():
        if frame >= n_frames:
            break
        if frame > position:
            synth.render_into(out[position:frame])
            position = frame
        if kind == _ON:
            synth.note_on(channel, a, b)
        elif kind == _OFF:
            synth.note_off(channel, a)
        elif kind == _CONTROL:
            synth.control(channel, a, b)
        else:
            synth.pitch_bend(channel, a)
    if position < n_frames:
        synth.render_into(out[position:])
    return np.ascontiguousarray(out.T)


def _seconds_score(score):
    try:
        converted = score.to("second")
    except Exception:  # not a symusic Score (a path, a pretty_midi object...)
        raise MuseforgeError(f"expected a symusic Score, got {type(score).__name__}") from None
    if not any(len(track.notes) for track in converted.tracks):
        raise MuseforgeError("the score has no notes to render")
    return converted


def _unique_names(tracks) -> list[str]:
    names: list[str] = []
    for index, track in enumerate(tracks):
        base = (track.name or "").strip() or f"track{index + 1}"
        name, suffix = base, 2
        while name in names:
            name, suffix = f"{base}-{suffix}", suffix + 1
        names.append(name)
    return names


def score_duration_s(score) -> float:
    """Time from 0 to the end of the last note, in seconds."""
    seconds = _seconds_score(score)
    return max(
        (note.time + note.duration for track in seconds.tracks for note in track.notes), default=0.0
    )


def render_stems(
    score,
    *,
    soundfont: str | Path | None = None,
    backend: str = "tinysoundfont",
    sample_rate: int = 44_100,
    tail_s: float = DEFAULT_TAIL_S,
    n_frames: int | None = None,
) -> list[Stem]:
    """Render every track with notes to its own stereo stem, all exactly the same length.

    Args:
        score: a symusic Score (any time unit); tracks need ``program`` and ``is_drum``.
        soundfont: path to a .sf2/.sf3 file; None uses the bundled TimGM6mb.
        backend: one of :data:`BACKENDS`.
        sample_rate: output rate in Hz.
        tail_s: seconds rendered after the last note ends (ignored when ``n_frames`` is given).
        n_frames: exact stem length in frames; notes starting at or after it are not played.

    Returns:
        One :class:`Stem` per track with notes, in score order, with unique names.
    """
    check_choice("backend", backend, BACKENDS)
    check_range("sample_rate", sample_rate, MIN_SAMPLE_RATE, MAX_SAMPLE_RATE, "Hz")
    sample_rate = int(sample_rate)
    seconds = _seconds_score(score)
    path = check_soundfont(soundfont)
    if n_frames is None:
        check_range("tail_s", tail_s, 0.0, 60.0, "s")
        end_s = max(note.time + note.duration for track in seconds.tracks for note in track.notes)
        n_frames = math.ceil((end_s + tail_s) * sample_rate)
    elif int(n_frames) < 1:
        raise MuseforgeError(f"n_frames must be a positive number of frames, got {n_frames}")
    synth = _TinySoundFont(path, sample_rate) if backend == "tinysoundfont" else _FluidSynth(path, sample_rate)
    tracks = [track for track in seconds.tracks if len(track.notes)]
    try:
        return [
            Stem(name, int(track.program), bool(track.is_drum),
                 Audio(_play_track(synth, track, int(n_frames), sample_rate), sample_rate))
            for name, track in zip(_unique_names(tracks), tracks)
        ]
    finally:
        if isinstance(synth, _FluidSynth):
            synth.close()


def render_score(score, **kwargs) -> Audio:
    """The dry mix: the sum of :func:`render_stems` (same keyword arguments)."""
    stems = render_stems(score, **kwargs)
    return stems[0].audio.with_samples(np.sum([stem.audio.samples for stem in stems], axis=0))
