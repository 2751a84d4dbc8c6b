"""Batch export with UCS-style names: ``CatID_FXName_CreatorID_SourceID.ext``.

Example: ``RAIN_Heavy Roof_museforge_s0007.wav`` (recipe CatID, preset name in title case, the
creator, and the seed). A file that already exists is never overwritten silently: the default is to
refuse with the name, ``on_exists="rename"`` appends ``-2``, ``-3`` ... and ``"overwrite"`` replaces.
Given provenance, each file also gets a JSON sidecar (``<file>.json``: seed, recipe, parameters,
measured length and peak) in museforge.export's sidecar layout.
"""

from __future__ import annotations

import json
import re
from collections.abc import Collection, Mapping, Sequence
from pathlib import Path

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_choice

ON_EXISTS = ("error", "rename", "overwrite")
FORMATS = ("wav", "flac", "ogg")
_UNSAFE = re.compile(r"[^A-Za-z0-9 \-]+")


def ucs_name(cat_id: str, fx_name: str, seed: int, creator_id: str = "museforge", ext: str = "wav") -> str:
    """A UCS-style file name; FX names keep spaces (as UCS does) but lose characters unsafe in paths."""
    check_choice("format", ext, FORMATS)
    fx = " ".join(_UNSAFE.sub(" ", fx_name).split()).title() or "Untitled"
    creator = _UNSAFE.sub("", creator_id).replace(" ", "") or "museforge"
    return f"{_UNSAFE.sub('', cat_id)}_{fx}_{creator}_s{int(seed):04d}.{ext}"


def free_path(path: Path, on_exists: str = "error", taken: Collection[Path] = ()) -> Path:
    """``path`` if unused (on disk and in ``taken``); otherwise follow ``on_exists``."""
    check_choice("on_exists", on_exists, ON_EXISTS)
    if on_exists == "overwrite" or not (path.exists() or path in taken):
        return path
    if on_exists == "error":
        raise MuseforgeError(f"{path} already exists; choose another --out directory, or rename/overwrite")
    for k in range(2, 100_000):
        candidate = path.with_name(f"{path.stem}-{k}{path.suffix}")
        if not (candidate.exists() or candidate in taken):
            return candidate
    raise MuseforgeError(f"no free name next to {path}")


def write_audio(audio: Audio, path: Path, seed: int | None = None, provenance: Mapping | None = None) -> Path:
    """Write one file with museforge.export's writer: tags, and loop points as a WAV ``smpl`` chunk
    or OGG/FLAC ``LOOPSTART``/``LOOPLENGTH`` tags (what Godot, Unity and RPG engines read).

    With ``provenance`` (what made the sound: recipe, parameters, seed...), also ``<file>.json``.
    """
    from museforge.export import ExportMeta, _sidecar, write_tagged  # the one owner of tags and sidecars

    path.parent.mkdir(parents=True, exist_ok=True)
    meta = ExportMeta(style="sfx", seed=seed, title=path.stem,
                      controls=dict((provenance or {}).get("controls") or {}), provenance=dict(provenance or {}))
    write_tagged(path, audio, meta)
    if provenance is not None:
        loop, peak = audio.loop, float(audio.peak_dbfs())
        measured = {"duration_s": round(audio.duration_s, 6), "n_frames": audio.n_frames,
                    "sample_rate": audio.sample_rate, "n_channels": audio.n_channels,
                    "peak_dbfs": round(peak, 2) if peak > -1e9 else None,  # silence: no peak
                    "loop": None if loop is None else {"start_frame": loop.start_frame, "end_frame": loop.end_frame}}
        sidecar = _sidecar(meta, path.name, "sfx", measured)
        path.with_name(path.name + ".json").write_text(json.dumps(sidecar, indent=2, default=str), encoding="utf-8")
    return path


def export_batch(items: list[tuple[Audio, str, str, int]], out_dir: str | Path, *, creator_id: str = "museforge",
                 ext: str = "wav", on_exists: str = "error", sidecars: Sequence[Mapping] | None = None) -> list[Path]:
    """Write ``(audio, cat_id, fx_name, seed)`` items; returns the audio paths written, in order.

    All names are checked before anything is written, so a clash leaves the directory untouched.
    ``sidecars``: one provenance dict per item; each file then gets a ``<file>.json`` sidecar.
    """
    if sidecars is not None and len(sidecars) != len(items):
        raise ValueError(f"{len(sidecars)} sidecars for {len(items)} items")
    out_dir = Path(out_dir)
    planned: list[Path] = []
    for audio, cat_id, fx_name, seed in items:
        path = out_dir / ucs_name(cat_id, fx_name, seed, creator_id, ext)
        if path in planned and on_exists != "rename":
            raise MuseforgeError(f"two items in this batch would both be named {path.name}")
        planned.append(free_path(path, on_exists, planned))
    provenances = sidecars if sidecars is not None else [None] * len(items)
    return [write_audio(audio, path, seed, prov)
            for (audio, _, _, seed), path, prov in zip(items, planned, provenances)]
