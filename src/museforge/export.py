"""Finished files: audio with tags and loop points, stems, layers, MIDI, MusicXML, JSON sidecars.

Rules every writer here follows:
    * Names carry style, key, tempo and seed (:func:`base_name`), made filesystem- and URL-safe.
    * Nothing is overwritten: if a name is taken, ``-1``, ``-2`` ... is appended (never an error,
      so batch jobs keep going). Files are published with a hard link (or, where a filesystem has
      none, an exclusive create then a rename onto it), which fails instead of replacing: a file
      someone else creates meanwhile is never clobbered; the group then fails as a whole.
    * Every group of files (e.g. a track, its stems and their sidecars) is written to hidden temp
      files first and published only when all of them were written; on any failure the temps and
      anything already published by that group are removed, so nothing is left half-written.
    * Every audio/MIDI/MusicXML output gets ``<file>.json`` (layer sets also get a manifest): controls, seed, model versions, loudness and true peak
      measured by decoding the written file, duration, loop points and the provenance (licences of
      the data behind the models) given by the caller.
"""

from __future__ import annotations

import errno
import json
import os
import re
import struct
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_choice

AUDIO_FORMATS = {"wav": ("WAV", None), "flac": ("FLAC", None), "ogg": ("OGG", "VORBIS"),
                 "mp3": ("MP3", "MPEG_LAYER_III")}
PCM_SUBTYPES = {16: "PCM_16", 24: "PCM_24"}
AI_MARKER = "AI-generated with museforge"
SOFTWARE = "museforge"
_UMASK = os.umask(0o022)
os.umask(_UMASK)  # os.umask can only be read by setting it; restore at once


@dataclass(frozen=True)
class ExportMeta:
    """What a file is and where it came from; goes into names, tags and sidecars."""

    style: str = "piece"
    key: str | None = None  # e.g. "D minor", "F# major"
    tempo_bpm: float | None = None
    seed: int | None = None
    title: str | None = None
    controls: dict = field(default_factory=dict)
    model_versions: dict = field(default_factory=dict)
    provenance: dict = field(default_factory=dict)  # training-data licences, soundfont licence...


def _slug(text: str) -> str:
    text = text.replace("#", "s").replace("♯", "s").replace("♭", "b")
    return re.sub(r"[^A-Za-z0-9]+", "-", text).strip("-").lower() or "x"


def base_name(meta: ExportMeta, kind: str | None = None) -> str:
    """``<style>_<key>_<tempo>bpm_seed<seed>[_<kind>]``, e.g. ``folk_d-minor_96bpm_seed7``."""
    parts = [_slug(meta.style)]
    if meta.key:
        parts.append(_slug(meta.key))
    if meta.tempo_bpm is not None:
        parts.append(f"{float(meta.tempo_bpm):g}".replace(".", "p") + "bpm")
    if meta.seed is not None:
        parts.append(f"seed{int(meta.seed)}")
    if kind:
        parts.append(_slug(kind))
    return "_".join(parts)


class _Group:
    """Writes files to temps, then publishes all of them without overwriting (see module doc)."""

    def __init__(self, folder: str | Path) -> None:
        self.folder = Path(folder).expanduser()
        try:
            self.folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise MuseforgeError(f"cannot create output folder {self.folder}: {exc.strerror}; "
                                 "choose a folder you can write to") from None
        if not os.access(self.folder, os.W_OK | os.X_OK):
            raise MuseforgeError(f"output folder {self.folder} is not writable; choose a folder you can write to")
        self._pending: list[tuple[Path, str, str]] = []  # (temp, final name, suffix)
        self._reserved: set[str] = set()

    def add(self, name: str, suffix: str, write: Callable[[Path], None]) -> None:
        """Write ``<name><suffix>`` via ``write(temp_path)``; it appears only on :meth:`publish`."""
        try:
            handle, temp = tempfile.mkstemp(prefix=f".{name}.", suffix=f".part{suffix}", dir=self.folder)
            os.close(handle)
            os.chmod(temp, 0o666 & ~_UMASK)  # mkstemp makes 0600; outputs should read like any file
        except OSError as exc:
            raise MuseforgeError(f"cannot write into {self.folder}: {exc.strerror}") from None
        self._pending.append((Path(temp), name, suffix))
        try:
            write(Path(temp))
        except OSError as exc:
            self.discard()
            raise MuseforgeError(f"writing {name}{suffix} into {self.folder} failed: {exc.strerror or exc}") from None
        except BaseException:
            self.discard()
            raise

    def reserve(self, stem: str, suffixes: tuple[str, ...]) -> str:
        """A name free for every suffix (so a file and its sidecar share the same number)."""
        for number in range(0, 10_000):
            name = stem if number == 0 else f"{stem}-{number}"
            if name not in self._reserved and not any((self.folder / f"{name}{s}").exists() for s in suffixes):
                self._reserved.add(name)
                return name
        raise MuseforgeError(f"too many files named {stem}* in {self.folder}")

    def publish(self) -> list[Path]:
        """Give every temp its final name (never replacing anything), in the order added."""
        published: list[Path] = []
        try:
            for temp, name, suffix in self._pending:
                final = self.folder / f"{name}{suffix}"
                _link_no_clobber(temp, final)
                published.append(final)
        except OSError as exc:
            for path in published:
                path.unlink(missing_ok=True)
            self.discard()
            raise MuseforgeError(f"publishing files in {self.folder} failed: {exc.strerror or exc}; "
                                 "nothing was written") from None
        self.discard()
        return published

    def discard(self) -> None:
        for temp, _, _ in self._pending:
            temp.unlink(missing_ok=True)
        self._pending = []


def _link_no_clobber(temp: Path, final: Path) -> None:
    """Publish ``temp`` as ``final``; raises FileExistsError rather than replace anything."""
    try:
        os.link(temp, final)
        return
    except OSError as exc:
        if exc.errno not in (errno.EPERM, errno.ENOTSUP, errno.EOPNOTSUPP, errno.ENOSYS, errno.EXDEV):
            raise
    # no hard links (FAT, some network shares): claim the name exclusively, then move onto it
    os.close(os.open(final, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666))
    os.replace(temp, final)


# --- audio ---------------------------------------------------------------------------------------

def smpl_chunk(sample_rate: int, loop_start_frame: int, loop_end_frame: int) -> bytes:
    """A RIFF ``smpl`` chunk with one forward loop, as Godot's WAV importer and SDL_mixer read it.

    Written by hand because python-soundfile does not expose libsndfile's instrument command.
    Per the RIFF spec the loop end is the *last* frame played, so ``loop_end_frame`` (exclusive)
    is stored minus one.
    """
    header = struct.pack("<9I", 0, 0, round(1e9 / sample_rate), 60, 0, 0, 0, 1, 0)
    loop = struct.pack("<6I", 0, 0, loop_start_frame, loop_end_frame - 1, 0, 0)  # id, forward, start, end, fraction, infinite
    body = header + loop
    return b"smpl" + struct.pack("<I", len(body)) + body


def _append_riff_chunk(path: Path, chunk: bytes) -> None:
    with path.open("r+b") as fh:
        head = fh.read(12)
        if head[:4] != b"RIFF" or head[8:12] != b"WAVE":
            raise MuseforgeError(f"{path.name} is not a RIFF/WAVE file")
        fh.seek(0, os.SEEK_END)
        if fh.tell() % 2:  # chunks start on even offsets
            fh.write(b"\x00")
        fh.write(chunk)
        size = fh.tell() - 8
        fh.seek(4)
        fh.write(struct.pack("<I", size))


def _tags(meta: ExportMeta, audio: Audio) -> dict[str, str]:
    tags = {"TITLE": meta.title or base_name(meta), "COMMENT": AI_MARKER, "AI_GENERATED": "yes",
            "ENCODER": SOFTWARE, "GENRE": meta.style}
    if meta.key:
        tags["KEY"] = meta.key
    if meta.tempo_bpm is not None:
        tags["BPM"] = f"{float(meta.tempo_bpm):g}"
    if meta.seed is not None:
        tags["SEED"] = str(int(meta.seed))
    if licence := meta.provenance.get("output_licence"):
        tags["LICENSE"] = str(licence)
    if audio.loop is not None:  # in samples (frames), the convention RPG Maker/Godot/etc. read
        tags["LOOPSTART"] = str(audio.loop.start_frame)
        tags["LOOPLENGTH"] = str(audio.loop.length_frames)
    return tags


def write_tagged(path: str | Path, audio: Audio, meta: ExportMeta, *, bit_depth: int = 24) -> Path:
    """Write one audio file in place with tags and loop points (format from the suffix).

    The low-level writer for callers that own naming themselves (e.g. sfx UCS batches): no
    sidecar, no temp-and-publish, and an existing file is replaced. Prefer :func:`export_audio`.
    """
    path = Path(path)
    fmt = path.suffix.lower().lstrip(".")
    _check_audio_args(fmt, bit_depth)
    _write_audio(path, audio, fmt, bit_depth, meta)
    return path


def _write_audio(path: Path, audio: Audio, fmt: str, bit_depth: int, meta: ExportMeta) -> None:
    import soundfile

    container, subtype = AUDIO_FORMATS[fmt]
    if fmt in ("wav", "flac"):
        subtype = PCM_SUBTYPES[bit_depth]
    tags = _tags(meta, audio)
    samples = np.clip(audio.samples.T, -1.0, 1.0)  # PCM cannot hold more; mastering keeps us below
    with soundfile.SoundFile(str(path), "w", audio.sample_rate, audio.n_channels, subtype, format=container) as fh:
        if fmt == "wav":  # LIST/INFO strings; the rest of the tags live in the sidecar
            fh.title, fh.comment, fh.software, fh.genre = tags["TITLE"], AI_MARKER, SOFTWARE, meta.style
        fh.write(samples)
    if fmt == "wav" and audio.loop is not None:
        _append_riff_chunk(path, smpl_chunk(audio.sample_rate, audio.loop.start_frame, audio.loop.end_frame))
    elif fmt in ("flac", "ogg"):
        import mutagen

        tagged = mutagen.File(str(path))
        for key, value in tags.items():
            tagged[key] = value
        tagged.save()
    elif fmt == "mp3":
        from mutagen.id3 import COMM, TBPM, TIT2, TKEY, TXXX
        from mutagen.mp3 import MP3

        mp3 = MP3(str(path))
        if mp3.tags is None:
            mp3.add_tags()
        id3 = mp3.tags
        id3.add(TIT2(encoding=3, text=tags["TITLE"]))
        id3.add(COMM(encoding=3, lang="eng", desc="", text=AI_MARKER))
        if "BPM" in tags:
            id3.add(TBPM(encoding=3, text=str(round(float(tags["BPM"])))))
        if meta.key and (id3_key := _id3_key(meta.key)):
            id3.add(TKEY(encoding=3, text=id3_key))
        for key in ("AI_GENERATED", "SEED", "LICENSE", "LOOPSTART", "LOOPLENGTH"):
            if key in tags:
                id3.add(TXXX(encoding=3, desc=key, text=tags[key]))
        mp3.save()


def _id3_key(key: str) -> str | None:
    """"F# minor" -> "F#m" (ID3 TKEY); None when the text is not "<tonic> major|minor"."""
    match = re.fullmatch(r"\s*([A-Ga-g])([#b♯♭]?)\s*(major|minor|maj|min|m)?\s*", key)
    if not match:
        return None
    tonic = match.group(1).upper() + match.group(2).replace("♯", "#").replace("♭", "b")
    return tonic + ("m" if (match.group(3) or "").startswith("m") and match.group(3) not in ("maj", "major") else "")


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("museforge")
    except PackageNotFoundError:  # running from a source tree that was never installed
        return "unknown"


def _sidecar(meta: ExportMeta, file_name: str, kind: str, measured: dict, extra: dict | None = None) -> dict:
    return {
        "file": file_name,
        "kind": kind,
        "ai_generated": True,
        "generator": {"name": SOFTWARE, "version": _version()},
        "created_utc": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "style": meta.style, "key": meta.key, "tempo_bpm": meta.tempo_bpm, "seed": meta.seed,
        "controls": meta.controls,
        "model_versions": meta.model_versions,
        "measured": measured,
        "provenance": meta.provenance,
        "render": extra,
    }


def sidecar_seed(path: str | Path) -> int | None:
    """The seed recorded in the sidecar beside ``path`` (``x.mid`` -> ``x.mid.json``), or None.

    Rendering a composed MIDI file carries the seed that made it into the audio's name and sidecar.
    """
    path = Path(path)
    try:
        seed = json.loads(path.with_name(path.name + ".json").read_text(encoding="utf-8")).get("seed")
    except (OSError, ValueError, AttributeError):  # no sidecar, not JSON, or not an object
        return None
    return seed if isinstance(seed, int) and not isinstance(seed, bool) else None


def _measure_file(path: Path, fmt: str, intended: Audio) -> dict:
    """Loudness and true peak of what a player will decode (lossy codecs move both a little)."""
    decoded = Audio.read(path)
    loop = intended.loop
    return {
        "integrated_loudness_lufs": round(decoded.loudness_lufs(), 2),
        "true_peak_dbtp": round(decoded.true_peak_dbtp(), 2),
        "duration_s": round(intended.duration_s, 6),
        "n_frames": intended.n_frames,
        "decoded_n_frames": decoded.n_frames,
        "sample_rate": intended.sample_rate,
        "n_channels": intended.n_channels,
        "loop": None if loop is None else {"start_frame": loop.start_frame, "end_frame": loop.end_frame,
                                           "length_frames": loop.length_frames},
        "format": fmt,
    }


def _check_audio_args(fmt: str, bit_depth: int) -> None:
    check_choice("audio format", fmt, AUDIO_FORMATS)
    if bit_depth not in PCM_SUBTYPES:
        raise MuseforgeError(f"bit_depth must be 16 or 24, got {bit_depth}")


def export_audio(
    audio: Audio,
    folder: str | Path,
    meta: ExportMeta,
    *,
    fmt: str = "wav",
    bit_depth: int = 24,
    stems: dict[str, Audio] | None = None,
    extra: dict | None = None,
    kind: str | None = None,
) -> list[Path]:
    """Write ``audio`` (and optional stems as separate files), each with a JSON sidecar.

    Args:
        audio: the finished audio; its loop points become a ``smpl`` chunk (WAV) or
            LOOPSTART/LOOPLENGTH tags (FLAC, OGG; TXXX frames in MP3, where encoder delay makes
            sample-exact loops unreliable: prefer OGG or WAV for loops).
        folder: output folder (created if missing).
        meta: naming, tags and sidecar content.
        fmt: "wav", "flac", "ogg" or "mp3".
        bit_depth: 16 or 24 (WAV and FLAC).
        stems: name -> audio, written as ``<base>_stem-<name>.<fmt>``.
        extra: more sidecar fields (e.g. Rendered.measurements()).
        kind: suffix for the base name (e.g. "loop").

    Returns:
        Paths written: main file, its sidecar, then each stem and its sidecar.
    """
    _check_audio_args(fmt, bit_depth)
    group = _Group(folder)
    suffix = f".{fmt}"
    base = group.reserve(base_name(meta, kind), (suffix, f"{suffix}.json"))
    items = [(base, audio, "mix")] + [(f"{base}_stem-{_slug(n)}", a, f"stem:{n}") for n, a in (stems or {}).items()]
    for index, (name, item, item_kind) in enumerate(items):
        name = name if index == 0 else group.reserve(name, (suffix, f"{suffix}.json"))
        _add_audio(group, name, item, fmt, bit_depth, meta, item_kind, extra)
    return group.publish()


def _add_audio(group: _Group, name: str, audio: Audio, fmt: str, bit_depth: int, meta: ExportMeta,
               kind: str, extra: dict | None) -> None:
    """Queue ``name.<fmt>`` and its sidecar (measured from the written file)."""
    suffix = f".{fmt}"
    measured: dict = {}

    def write(path: Path) -> None:
        _write_audio(path, audio, fmt, bit_depth, meta)
        measured.update(_measure_file(path, fmt, audio))

    group.add(name, suffix, write)
    sidecar = _sidecar(meta, f"{name}{suffix}", kind, measured, extra)
    group.add(name, f"{suffix}.json", lambda p: p.write_text(json.dumps(sidecar, indent=2)))


def export_layers(layer_set, folder: str | Path, meta: ExportMeta, *, fmt: str = "ogg",
                  bit_depth: int = 24) -> list[Path]:
    """Write intensity layers (render.layers.LayerSet), each with a sidecar, plus the manifest.

    Returns:
        Paths: each layer file and its sidecar in intensity order, then ``<base>_layers.json``.
    """
    _check_audio_args(fmt, bit_depth)
    group = _Group(folder)
    suffix = f".{fmt}"
    base = group.reserve(base_name(meta, "layers"), (".json",))
    files: dict[str, str] = {}
    for index, layer in enumerate(layer_set.layers):
        name = group.reserve(f"{base}-{index}-{_slug(layer.name)}", (suffix, f"{suffix}.json"))
        _add_audio(group, name, layer.audio, fmt, bit_depth, meta, f"layer:{layer.name}",
                            {"layer_index": index, "tracks": list(layer.tracks), "manifest": f"{base}.json"})
        files[layer.name] = f"{name}{suffix}"
    layers = layer_set.manifest(files)
    measured = {"intensities": layers.pop("intensities")}
    manifest = {**_sidecar(meta, f"{base}.json", "intensity-layers", measured), **layers}
    group.add(base, ".json", lambda p: p.write_text(json.dumps(manifest, indent=2)))
    return group.publish()


# --- notation ------------------------------------------------------------------------------------

def export_midi(score, folder: str | Path, meta: ExportMeta) -> list[Path]:
    """MIDI Type 1 via symusic: one named track per instrument with its GM program change, drums on
    channel 10, tempo/key/time-signature meta events in the first track; plus a sidecar."""
    _check_score(score)
    group = _Group(folder)
    name = group.reserve(base_name(meta), (".mid", ".mid.json"))
    tick_score = score.to("tick")
    for index, track in enumerate(tick_score.tracks):
        if not track.name:
            track.name = f"track{index + 1}"
    group.add(name, ".mid", lambda p: tick_score.dump_midi(str(p)))
    measured = {"tracks": [t.name for t in tick_score.tracks], "n_notes": int(tick_score.note_num()),
                "duration_s": round(float(score.to("second").end()), 6)}
    sidecar = _sidecar(meta, f"{name}.mid", "midi", measured)
    group.add(name, ".mid.json", lambda p: p.write_text(json.dumps(sidecar, indent=2)))
    return group.publish()


def export_musicxml(score, folder: str | Path, meta: ExportMeta) -> list[Path]:
    """MusicXML via music21, converting notes directly from the Score (not music21's MIDI import)."""
    from museforge.render.notation import score_to_music21

    _check_score(score)
    group = _Group(folder)
    name = group.reserve(base_name(meta), (".musicxml", ".musicxml.json"))
    m21 = score_to_music21(score, title=meta.title or base_name(meta))
    group.add(name, ".musicxml", lambda p: m21.write("musicxml", fp=str(p)))
    sidecar = _sidecar(meta, f"{name}.musicxml", "musicxml", {"parts": [p.partName for p in m21.parts]})
    group.add(name, ".musicxml.json", lambda p: p.write_text(json.dumps(sidecar, indent=2)))
    return group.publish()


def _check_score(score) -> None:
    if not hasattr(score, "tracks") or not hasattr(score, "to"):
        raise MuseforgeError(f"expected a symusic Score, got {type(score).__name__}")
    if not any(len(track.notes) for track in score.tracks):
        raise MuseforgeError("the score has no notes to export")
