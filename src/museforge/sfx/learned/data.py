"""Real clips for the judge: the manifest, the held-out split by sound family, decoded waveforms.

The split never separates clips of one ``family`` (e.g. ``footstep.1..3`` or OpenSFX edits of one
recording), so held-out accuracy measures sounds the judge never heard a sibling of. Per category,
``round(held_out_share * families)`` families (at least one when there are two or more) are drawn
with a fixed seed. Thin categories (fewer than ``THIN_FAMILIES`` families: rain, thunder) would
otherwise risk losing their only long recording, so there the family with the most audio seconds
always stays in training and one other family is held out: n = 1, and the figure says so.
"""

from __future__ import annotations

import csv
import hashlib
from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError

SPLIT_SEED = 20251125
HELD_OUT_SHARE = 0.25
THIN_FAMILIES = 4
# The data README's licence-clean subset: no share-alike or copyleft terms (OpenSFX rows carry the
# set's CC-BY-SA-3.0 first, so they are excluded even where the sound itself is CC0).
PERMISSIVE_LICENCES = ("CC0", "public-domain", "CC-BY-3.0")


@dataclass(frozen=True)
class Clip:
    """One row of the manifest (paths relative to the data folder)."""

    path: str
    category: str
    subcategory: str
    family: str
    license: str
    duration_s: float


def read_manifest(data_dir: str | Path) -> list[Clip]:
    """Rows of ``<data_dir>/manifest.csv``; a clear error if the folder is not the sfx data set."""
    manifest = Path(data_dir) / "manifest.csv"
    if not manifest.is_file():
        raise MuseforgeError(f"no manifest.csv in {data_dir}: point --data at the sfx folder of the shared data")
    with manifest.open(newline="") as handle:
        return [Clip(r["path"], r["category"], r["subcategory"], r["family"], r["license"],
                     float(r["duration_s"])) for r in csv.DictReader(handle)]


def permissive_only(clips: list[Clip]) -> list[Clip]:
    """Clips whose whole licence string is CC0, public domain or CC-BY-3.0 (attribution only)."""
    return [c for c in clips if c.license.split(" ")[0] in PERMISSIVE_LICENCES or c.license == "CC0-1.0"]


def split_by_family(clips: list[Clip], held_out_share: float = HELD_OUT_SHARE,
                    seed: int = SPLIT_SEED) -> tuple[list[Clip], list[Clip]]:
    """(train, held_out), whole families on one side; deterministic for a seed."""
    rng = np.random.default_rng(seed)
    families: dict[str, dict[str, float]] = defaultdict(dict)  # category -> family -> seconds
    for clip in clips:
        families[clip.category][clip.family] = families[clip.category].get(clip.family, 0.0) + clip.duration_s
    held: set[tuple[str, str]] = set()
    for category in sorted(families):
        seconds = families[category]
        names = sorted(seconds)
        if len(names) < 2:
            continue
        if len(names) < THIN_FAMILIES:
            longest = max(names, key=lambda n: (seconds[n], n))
            candidates = [n for n in names if n != longest]
            held.add((category, candidates[rng.integers(len(candidates))]))
            continue
        n_held = max(1, int(round(held_out_share * len(names))))
        for index in rng.permutation(len(names))[:n_held]:
            held.add((category, names[index]))
    train = [c for c in clips if (c.category, c.family) not in held]
    held_out = [c for c in clips if (c.category, c.family) in held]
    return train, held_out


def load_waveforms(data_dir: str | Path, clips: list[Clip], sample_rate: int,
                   cache_dir: str | Path | None = None) -> list[np.ndarray]:
    """Mono float32 waveforms at ``sample_rate``, peak-normalised like the judge's input.

    Decoding and resampling ~30 minutes of FLAC takes a while on one core, so the result is
    cached as one .npz keyed by the clip list and rate.
    """
    from museforge.sfx.learned.judge import prepare

    key = hashlib.sha1(("|".join(c.path for c in clips) + f"@{sample_rate}").encode()).hexdigest()[:12]
    cache = Path(cache_dir) / f"sfx_judge_waves_{key}.npz" if cache_dir else None
    if cache is not None and cache.is_file():
        with np.load(cache) as stored:
            return [stored[f"w{i}"] for i in range(len(clips))]
    waves = [prepare(Audio.read(Path(data_dir) / c.path), sample_rate) for c in clips]
    if cache is not None:
        cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(cache, **{f"w{i}": w for i, w in enumerate(waves)})
    return waves


def summarise(train: list[Clip], held_out: list[Clip]) -> dict[str, dict[str, float]]:
    """Per category: clips, families and seconds on each side (for the model card)."""
    table: dict[str, dict[str, float]] = {}
    for side, clips in (("train", train), ("held_out", held_out)):
        for clip in clips:
            row = table.setdefault(clip.category, {f"{s}_{k}": 0 for s in ("train", "held_out")
                                                   for k in ("clips", "families", "seconds")})
            row[f"{side}_clips"] += 1
            row[f"{side}_seconds"] = round(row[f"{side}_seconds"] + clip.duration_s, 3)
    for side, clips in (("train", train), ("held_out", held_out)):
        for category in table:
            table[category][f"{side}_families"] = len({c.family for c in clips if c.category == category})
    return dict(sorted(table.items()))
