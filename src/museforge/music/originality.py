"""How much of a piece's melody is copied from a corpus: n-gram share and longest copied run.

The melody is the *onset skyline*: at every tick where a pitched (non-drum) note starts, the
highest pitch starting there, with that note's own duration. A melody note is the pair
(interval from the previous melody note in semitones, duration in steps of 1/24 quarter note), so
the figures are transposition-invariant and tempo-independent. An n-gram is n consecutive melody
notes: its n-1 intervals and n durations (the first note's pitch is not part of it).

:class:`NgramIndex` holds a 64-bit hash of every n-gram of a corpus with where it occurs (piece,
position), sorted, in two numpy arrays (16 bytes per n-gram). For a query piece it gives the share
of its n-grams found anywhere in the corpus and the longest run of consecutive melody notes copied
from one corpus piece at consecutive positions (0 when no n-gram matches: runs shorter than n are
not detected). With 64-bit hashes a false match needs a collision: ~1e-7 over 1e6 n-grams.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import numpy as np
from symusic import Score

from museforge.errors import MuseforgeError

STEPS_PER_QUARTER = 24  # duration resolution: the tokenizer's 32nd grid and triplets are whole steps
NGRAM_NOTES = 8
_FNV_OFFSET, _FNV_PRIME = np.uint64(0xCBF29CE484222325), np.uint64(0x100000001B3)


def melody(score: Score) -> np.ndarray:
    """The onset skyline as int64 [n_notes, 2]: (pitch, duration in 1/24-quarter steps, >= 1)."""
    tpq = score.ticks_per_quarter
    pitched = [t.notes.numpy() for t in score.tracks if not t.is_drum and len(t.notes)]
    if not pitched:
        return np.zeros((0, 2), dtype=np.int64)
    time = np.concatenate([p["time"] for p in pitched]).astype(np.int64)
    pitch = np.concatenate([p["pitch"] for p in pitched]).astype(np.int64)
    duration = np.concatenate([p["duration"] for p in pitched]).astype(np.int64)
    order = np.lexsort((-pitch, time))  # by onset, highest pitch first
    time, pitch, duration = time[order], pitch[order], duration[order]
    first = np.r_[True, time[1:] != time[:-1]]  # the highest note of each onset
    steps = np.maximum(1, np.rint(duration[first] * STEPS_PER_QUARTER / tpq)).astype(np.int64)
    return np.stack([pitch[first], steps], axis=1)


def ngram_hashes(notes: np.ndarray, n: int = NGRAM_NOTES) -> np.ndarray:
    """uint64 hash of every n-gram of a :func:`melody` (len(notes) - n + 1 of them, or none)."""
    if n < 2:
        raise MuseforgeError(f"n-grams need at least 2 notes, got n={n}")
    m = len(notes) - n + 1
    if m < 1:
        return np.zeros(0, dtype=np.uint64)
    interval = np.r_[0, np.diff(notes[:, 0])]
    codes = ((interval + 512) << 20 | notes[:, 1]).astype(np.uint64)
    h = np.full(m, _FNV_OFFSET, dtype=np.uint64)
    for k in range(n):
        code = codes[k:k + m].copy()
        if k == 0:  # the first note's interval points outside the n-gram: keep only its duration
            code &= np.uint64((1 << 20) - 1)
        h = (h ^ code) * _FNV_PRIME
    return h


class NgramIndex:
    """Every n-gram of a corpus: ``hashes`` (uint64, sorted) and ``where`` (int64: piece << 32 | position)."""

    def __init__(self, hashes: np.ndarray, where: np.ndarray, n: int, n_pieces: int):
        self.hashes, self.where, self.n, self.n_pieces = hashes, where, n, n_pieces

    @classmethod
    def build(cls, melodies: Iterable[np.ndarray], n: int = NGRAM_NOTES) -> NgramIndex:
        """Index the n-grams of each melody (piece ids are the iteration order)."""
        hashes, where, count = [], [], 0
        for piece, notes in enumerate(melodies):
            h = ngram_hashes(notes, n)
            hashes.append(h)
            where.append((np.int64(piece) << 32) | np.arange(len(h), dtype=np.int64))
            count = piece + 1
        h = np.concatenate(hashes) if hashes else np.zeros(0, dtype=np.uint64)
        w = np.concatenate(where) if where else np.zeros(0, dtype=np.int64)
        order = np.lexsort((w, h))  # by hash, then by place: one hash's places come sorted
        return cls(h[order], w[order], n, count)

    def save(self, path: str | Path) -> None:
        np.savez(path, hashes=self.hashes, where=self.where, n=self.n, n_pieces=self.n_pieces)

    @classmethod
    def load(cls, path: str | Path) -> NgramIndex:
        with np.load(path) as data:
            return cls(data["hashes"], data["where"], int(data["n"]), int(data["n_pieces"]))

    def __len__(self) -> int:
        return len(self.hashes)

    def contains(self, hashes: np.ndarray) -> np.ndarray:
        """bool per query hash: does the corpus hold that n-gram anywhere?"""
        idx = np.searchsorted(self.hashes, hashes)
        idx = np.minimum(idx, len(self.hashes) - 1)
        return (self.hashes[idx] == hashes) if len(self.hashes) else np.zeros(len(hashes), dtype=bool)

    def longest_run(self, hashes: np.ndarray) -> int:
        """Longest run of consecutive notes (n-grams of one piece, consecutive here and there), in notes."""
        lo, hi = np.searchsorted(self.hashes, hashes, "left"), np.searchsorted(self.hashes, hashes, "right")
        prev_where, prev_run = np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
        best = 0
        for a, b in zip(lo, hi):
            where = self.where[a:b]  # sorted
            run = np.ones(len(where), dtype=np.int64)
            if len(prev_where) and len(where):
                j = np.minimum(np.searchsorted(prev_where, where - 1), len(prev_where) - 1)
                hit = prev_where[j] == where - 1
                run[hit] += prev_run[j[hit]]
            if len(run):
                best = max(best, int(run.max()))
            prev_where, prev_run = where, run
        return best + self.n - 1 if best else 0

    def piece_figures(self, score: Score) -> dict:
        """{"n_ngrams", "n_found", "longest_run_notes"} of one piece against the corpus."""
        hashes = ngram_hashes(melody(score), self.n)
        return {"n_ngrams": len(hashes), "n_found": int(self.contains(hashes).sum()),
                "longest_run_notes": self.longest_run(hashes)}


def summarise(figures: list[dict]) -> dict:
    """Pooled share of n-grams found (%) and longest runs over pieces (max, mean, median)."""
    total = sum(f["n_ngrams"] for f in figures)
    runs = np.array([f["longest_run_notes"] for f in figures] or [0])
    return {"pieces": len(figures), "ngrams": total,
            "found_percent": 100.0 * sum(f["n_found"] for f in figures) / total if total else float("nan"),
            "longest_run_max": int(runs.max()), "longest_run_mean": float(runs.mean()),
            "longest_run_median": float(np.median(runs))}


def untransposed_pieces(cache_dir: str | Path, split: str) -> list[tuple[dict, np.ndarray]]:
    """(manifest row, token ids) of each piece of a token-cache split as it was written, without the
    corpus pipeline's transposed copies (intervals are transposition-invariant: copies add nothing)."""
    import json

    root = Path(cache_dir)
    needed = [root / f"tokens_{split}.npy", root / f"offsets_{split}.npy", root / "manifest.jsonl"]
    missing = [p.name for p in needed if not p.is_file()]
    if missing:
        raise MuseforgeError(f"{root} is not a token cache with a {split!r} split: missing {', '.join(missing)} "
                             "(build it with `museforge data build`)")
    tokens = np.load(root / f"tokens_{split}.npy", mmap_mode="r")
    offsets = np.load(root / f"offsets_{split}.npy")
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r.get("split") == split]
    if len(rows) != len(offsets) - 1:
        raise MuseforgeError(f"{root}/manifest.jsonl lists {len(rows)} {split} pieces but the cache holds "
                             f"{len(offsets) - 1} (rebuild the corpus cache)")
    return [(r, tokens[offsets[i]:offsets[i + 1]]) for i, r in enumerate(rows) if r.get("transpose", 0) == 0]


def index_token_cache(cache_dir: str | Path, tokenizer, split: str = "train", n: int = NGRAM_NOTES) -> NgramIndex:
    """The n-gram index of a token-cache split's untransposed pieces (decoded with ``tokenizer``)."""
    return NgramIndex.build((melody(tokenizer.decode(np.asarray(ids).tolist()))
                             for _, ids in untransposed_pieces(cache_dir, split)), n)
