"""`museforge data build`: sources -> labelled, deduplicated, split, tokenised corpus cache.

Stages:
1. read every file in a worker process (pebble pool, one per core): parse, convert, fingerprint.
   A file that crashes the parser natively, hangs past the timeout, is too large or unreadable is
   skipped with a reason; parses are cached per file (path, size, mtime), so a rebuild is fast.
2. deduplicate identical note content; group versions (same piece transposed, same melody
   incipit, same source group) so a group never straddles two splits; split per style with a seed.
3. label and tokenise in the pool (training pieces also transposed), write the cache:
   tokens_<split>.npy (uint16, concatenated), offsets_<split>.npy (int64, n+1),
   manifest.jsonl (one row per sequence), vocab.json, summary.json.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import time
from collections import Counter, defaultdict
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures import as_completed
from contextlib import nullcontext
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from symusic import Tempo, TimeSignature

from museforge.errors import MuseforgeError
from museforge.music.sources import COMMERCIAL_OK, SourceFile

CACHE_VERSION = 2  # bump when conversion changes, to invalidate every parsed-file cache
SOURCE_VERSIONS = {"pop909": 2}  # bump one source's entry when only its reading changes
MAX_FILE_BYTES = 20 * 1024 * 1024
MAX_NOTES = 200_000
PARSE_TIMEOUT_S = 180.0
SPLITS = ("train", "valid", "test")
INCIPIT_NOTES = 16


@dataclass
class Piece:
    """One parsed piece: its notes as MIDI bytes (symusic dump), fingerprints, then split and labels."""

    piece_id: str
    title: str
    file: SourceFile
    midi: bytes
    stated_key: tuple[str | None, str | None]  # (tonic, mode) a source states, else (None, None)
    content_hash: str  # identical notes
    shape_hash: str  # identical up to transposition
    incipit_hash: str | None  # same opening melody (intervals + rhythm) -> a version of one piece
    split: str = ""
    group: str = ""
    labels: dict = field(default_factory=dict)  # measured at tokenising time (not in the parse cache)


@dataclass
class BuildConfig:
    out_dir: Path
    files: list[SourceFile]
    seed: int = 1234
    valid_share: float = 0.05
    test_share: float = 0.05
    transpositions: tuple[int, ...] = (-3, -2, -1, 1, 2, 3)  # semitones, training split only
    workers: int = field(default_factory=lambda: os.cpu_count() or 1)
    parse_timeout_s: float = PARSE_TIMEOUT_S


# --- stage 1: read files (in worker processes) ---------------------------------------------------

def read_file(file: SourceFile) -> list[Piece]:
    """Parse and convert every piece in one file. Runs in a worker; raises on bad input."""
    from museforge.music.convert import load_scores

    size = os.path.getsize(file.path)
    if size == 0:
        raise MuseforgeError("empty file")
    if size > MAX_FILE_BYTES:
        raise MuseforgeError(f"file is {size / 2**20:.0f} MB, over the {MAX_FILE_BYTES / 2**20:.0f} MB limit")
    pieces = []
    scores = load_scores(file.path)
    for index, (title, score) in enumerate(scores):
        if file.source == "pop909":
            _pop909_programs(score)
            _pop909_meter(score, Path(file.path).with_name("beat_midi.txt"))
        n_notes = score.note_num()
        if n_notes == 0:
            continue
        if n_notes > MAX_NOTES:
            raise MuseforgeError(f"{n_notes} notes, over the {MAX_NOTES} limit")
        suffix = f"#{index}" if len(scores) > 1 else ""
        pieces.append(Piece(f"{file.piece_group}{suffix}", title, file, score.dumps_midi(), _stated_key(file, score),
                            *_fingerprints(score)))
    if not pieces:
        raise MuseforgeError("no notes")
    return pieces


def _pop909_programs(score) -> None:
    """POP909's MELODY, BRIDGE and PIANO tracks are all piano: give each its own program (0, 1, 2)
    so a program-based token stream keeps melody and accompaniment apart."""
    for program, track in enumerate(score.tracks):
        track.program = program


def _pop909_meter(score, beat_file: Path) -> None:
    """Put POP909's bars where its annotated downbeats are.

    Most POP909 files declare 1/4 time and start their beat grid at an arbitrary point (they were
    aligned to the audio), so bar tokens would fall on every beat, off the music. ``beat_midi.txt``
    lists every beat with a downbeat flag. Each annotated bar gets the meter of its beat count (a
    time-signature change where it differs from the bar before: the beat tracker's 2- and 6-beat
    bars stay what the annotation says) and the notes move later by less than a bar so the first
    downbeat lands on a bar line. Annotated times come from the audio and sit a few ms off the
    MIDI's beat grid, so they are snapped to the nearest MIDI beat.
    """
    if not beat_file.is_file() or not len(score.tempos):
        return
    beats = np.loadtxt(beat_file, ndmin=2)
    downbeat_s = beats[beats[:, 2] == 1, 0]
    if len(downbeat_s) < 2:
        return
    downbeats = np.round(_seconds_to_ticks(score, downbeat_s) / score.tpq).astype(int)  # in MIDI beats
    bar_beats = np.diff(downbeats)
    if bar_beats.min() < 1 or np.median(bar_beats) > 7:
        return
    first_meter = int(np.median(bar_beats))
    shift = (-int(downbeats[0]) * score.tpq) % (first_meter * score.tpq)
    for track in score.tracks:
        track.shift_time(shift, inplace=True)
    signatures = [TimeSignature(0, first_meter, 4)]
    meter = first_meter
    for start, n_beats in zip(downbeats[:-1], bar_beats):
        if n_beats != meter and 1 <= n_beats <= 7:  # longer "bars" are missed downbeats: keep the meter
            signatures.append(TimeSignature(int(start) * score.tpq + shift, int(n_beats), 4))
            meter = int(n_beats)
    score.time_signatures = signatures
    score.tempos = [Tempo(t.time + shift if t.time else 0, qpm=t.qpm) for t in score.tempos]


def _seconds_to_ticks(score, times_s: np.ndarray) -> np.ndarray:
    """Tick positions of times in seconds under the score's tempo map."""
    tempos = sorted(score.tempos, key=lambda t: t.time)
    starts_tick = np.array([t.time for t in tempos], dtype=float)
    ticks_per_s = np.array([t.qpm / 60.0 * score.tpq for t in tempos])
    starts_s = np.concatenate([[0.0], np.cumsum(np.diff(starts_tick) / ticks_per_s[:-1])])
    segment = np.clip(np.searchsorted(starts_s, times_s, side="right") - 1, 0, len(tempos) - 1)
    return starts_tick[segment] + (times_s - starts_s[segment]) * ticks_per_s[segment]


def _stated_key(file: SourceFile, score) -> tuple[str | None, str | None]:
    """The key a source states (POP909 annotations, MMA's C major) over the estimate."""
    if file.source == "mma-grooves":
        return "C", "major"
    if file.source == "pop909":
        key_file = Path(file.path).with_name("key_audio.txt")
        if key_file.is_file():
            first = key_file.read_text().split()
            if len(first) >= 3 and ":" in first[2]:
                tonic, mode = first[2].split(":")
                return _normalise_tonic(tonic), "major" if mode.startswith("maj") else "minor"
    return None, None


def _normalise_tonic(name: str) -> str | None:
    from museforge.music.tokenizer import PITCH_CLASSES

    sharps = {"C#": "Db", "D#": "Eb", "F#": "Gb", "G#": "Ab", "A#": "Bb", "Cb": "B", "Fb": "E", "E#": "F", "B#": "C"}
    name = sharps.get(name, name)
    return name if name in PITCH_CLASSES else None


def _fingerprints(score) -> tuple[str, str, str | None]:
    rows = []
    for track in score.tracks:
        arr = track.notes.numpy()
        pitch = arr["pitch"].astype(np.int64) + (1000 if track.is_drum else 0)  # drums apart from pitches
        rows.append(np.stack([arr["time"].astype(np.int64), pitch, arr["duration"].astype(np.int64)], 1))
    notes = np.unique(np.concatenate(rows), axis=0)
    content = hashlib.sha1(notes.astype(np.int64).tobytes()).hexdigest()
    pitched = notes[notes[:, 1] < 1000]
    shape = pitched.copy()
    if len(shape):
        shape[:, 1] -= shape[:, 1].min()
    shape_hash = hashlib.sha1(np.concatenate([shape, notes[notes[:, 1] >= 1000]]).astype(np.int64).tobytes()).hexdigest()
    top = [t for t in score.tracks if not t.is_drum and len(t.notes)]
    incipit = None
    if top:
        melody = max(top, key=lambda t: float(np.mean(t.notes.numpy()["pitch"])))
        arr = melody.notes.numpy()
        order = np.lexsort((arr["pitch"], arr["time"]))[: INCIPIT_NOTES + 1]
        if len(order) > INCIPIT_NOTES:
            pitch, onset = arr["pitch"][order].astype(int), arr["time"][order].astype(int)
            key = np.stack([np.diff(pitch), np.diff(onset)], 1)
            incipit = hashlib.sha1(key.astype(np.int64).tobytes()).hexdigest()
    return content, shape_hash, incipit


# --- per-file cache ------------------------------------------------------------------------------

def _cache_key(file: SourceFile) -> str:
    stat = os.stat(file.path)
    version = f"{CACHE_VERSION}.{SOURCE_VERSIONS.get(file.source, 1)}"
    raw = f"{version}|{file}|{stat.st_size}|{stat.st_mtime_ns}"
    return hashlib.sha1(raw.encode()).hexdigest()


def worker_pool(config: BuildConfig):
    """One pool for both stages, so workers import music21/miditok and build the vocabulary once."""
    from pebble import ProcessPool

    return ProcessPool(max_workers=max(1, config.workers), max_tasks=1000)


def read_all(config: BuildConfig, progress=None, reader=read_file, pool=None) -> tuple[list[Piece], list]:
    """Read every file (cached per file); returns pieces and (path, reason) for skipped files.

    ``reader`` runs in the worker processes (a parameter so tests can crash a worker on purpose).
    """
    from pebble import ProcessExpired

    cache_dir = config.out_dir / "parsed"
    cache_dir.mkdir(parents=True, exist_ok=True)
    results: dict[str, list[Piece] | str] = {}  # path -> pieces, or the reason it was skipped
    todo = []
    for file in config.files:
        cached = cache_dir / f"{_cache_key(file)}.pkl"
        if cached.is_file():
            results[file.path] = pickle.loads(cached.read_bytes())
            progress and progress()
        else:
            todo.append((file, cached))
    todo.sort(key=lambda item: -os.path.getsize(item[0].path))  # big files first balances the pool
    with nullcontext(pool) if pool is not None else worker_pool(config) as pool:
        futures = {pool.schedule(reader, (file,), timeout=config.parse_timeout_s): (file, cached)
                   for file, cached in todo}
        for future in as_completed(futures):  # cache each result as soon as it lands: a rerun resumes
            file, cached = futures[future]
            try:
                result: list[Piece] | str = future.result()
            except MuseforgeError as exc:
                result = str(exc)
            except FutureTimeout:
                result = f"parsing took over {config.parse_timeout_s:.0f} s"
            except ProcessExpired as exc:
                result = f"the parser crashed (exit code {exc.exitcode})"
            except Exception as exc:  # any parser error on a user's file is a reason to skip, not to stop
                result = f"unreadable: {type(exc).__name__}: {str(exc)[:200]}"
            cached.write_bytes(pickle.dumps(result))
            results[file.path] = result
            progress and progress()
    pieces: list[Piece] = []
    skipped: list[tuple[str, str]] = []
    for file in config.files:  # input order, not completion order: dedup and splits stay deterministic
        result = results[file.path]
        if isinstance(result, str):
            skipped.append((file.path, result))
        else:
            pieces.extend(result)
    return pieces, skipped


# --- stage 2: deduplicate, group, split ----------------------------------------------------------

def deduplicate(pieces: list[Piece]) -> tuple[list[Piece], int]:
    """Keep the first piece of each identical note content; returns (kept, n_dropped)."""
    seen: set[str] = set()
    kept = []
    for piece in pieces:
        if piece.content_hash not in seen:
            seen.add(piece.content_hash)
            kept.append(piece)
    return kept, len(pieces) - len(kept)


def assign_groups(pieces: list[Piece]) -> None:
    """Union pieces sharing a source group, a transposition-invariant shape or a melody incipit."""
    parent = list(range(len(pieces)))

    def find(i: int) -> int:
        while parent[i] != i:
            parent[i] = parent[parent[i]]
            i = parent[i]
        return i

    first: dict[str, int] = {}
    for i, piece in enumerate(pieces):
        # A file's group holds its versions (MMA variants); tunes of one ABC collection are separate pieces.
        source_group = piece.piece_id if "#" in piece.piece_id else piece.file.piece_group
        keys = [f"g:{source_group}", f"s:{piece.shape_hash}"]
        if piece.incipit_hash:
            keys.append(f"i:{piece.incipit_hash}")
        for key in keys:
            if key in first:
                parent[find(i)] = find(first[key])
            else:
                first[key] = i
    for i, piece in enumerate(pieces):
        piece.group = pieces[find(i)].piece_id


def split_pieces(pieces: list[Piece], seed: int, valid_share: float, test_share: float) -> None:
    """Split by group, per style, with a seeded shuffle: same seed and pieces -> same split."""
    groups_by_style: dict[str, dict[str, list[Piece]]] = defaultdict(lambda: defaultdict(list))
    for piece in pieces:
        groups_by_style[piece.file.style][piece.group].append(piece)
    for style in sorted(groups_by_style):
        groups = groups_by_style[style]
        names = sorted(groups)
        rng = np.random.default_rng([seed, int(hashlib.sha1(style.encode()).hexdigest()[:8], 16)])
        order = [names[i] for i in rng.permutation(len(names))]
        n = len(order)
        n_test = max(1, round(n * test_share)) if n >= 3 else 0
        n_valid = max(1, round(n * valid_share)) if n >= 3 else 0
        for rank, name in enumerate(order):
            split = "test" if rank < n_test else "valid" if rank < n_test + n_valid else "train"
            for piece in groups[name]:
                piece.split = split


# --- stage 3: tokenise (in worker processes) -----------------------------------------------------

def tokenise_piece(piece: Piece, transpositions: tuple[int, ...]) -> tuple[dict, list[tuple[int, np.ndarray, int]]]:
    """Labels, and (semitones, token ids, n_notes) for the piece and, in training, its in-range transpositions."""
    from symusic import Score

    from museforge.music.labels import label_score
    from museforge.music.tokenizer import REMI_CONFIG, Controls, get_tokenizer

    tokenizer = get_tokenizer()
    score = Score.from_midi(piece.midi)
    tonic, mode = piece.stated_key
    labels = label_score(score, tonic=tonic, mode=mode).to_dict()
    low, high = REMI_CONFIG["pitch_range"]
    pitched = [t.notes.numpy()["pitch"] for t in score.tracks if not t.is_drum and len(t.notes)]
    lowest = min(int(p.min()) for p in pitched) if pitched else low
    highest = max(int(p.max()) for p in pitched) if pitched else high - 1
    controls = Controls(piece.file.style, labels["mood"], labels["tonic"], labels["mode"], labels["tempo_qpm"],
                        tuple(labels["programs"]), labels["n_bars"])
    ids = np.asarray(tokenizer.encode(score, controls), dtype=np.uint16)
    n_notes = score.note_num()
    out = [(0, ids, n_notes)]
    for semitones in transpositions if piece.split == "train" else ():
        if low <= lowest + semitones and highest + semitones < high:  # encoding once, shifting ids: 7x faster
            out.append((semitones, tokenizer.transpose_ids(ids, semitones), n_notes))
    return labels, out


def build(config: BuildConfig, progress_factory=None) -> dict:
    """Run the whole pipeline; returns the summary (also written to summary.json)."""
    start = time.perf_counter()
    if not config.files:
        raise MuseforgeError("no input files: check the sources and folders")
    config.out_dir.mkdir(parents=True, exist_ok=True)
    with worker_pool(config) as pool:
        tick = progress_factory("reading", len(config.files)) if progress_factory else None
        pieces, skipped = read_all(config, tick, pool=pool)
        read_s = time.perf_counter() - start
        pieces, n_duplicates = deduplicate(pieces)
        assign_groups(pieces)
        split_pieces(pieces, config.seed, config.valid_share, config.test_share)
        tick = progress_factory("tokenising", len(pieces)) if progress_factory else None
        summary = _tokenise_and_write(config, pieces, tick, pool)
    summary.update(
        n_files=len(config.files), n_skipped=len(skipped), n_duplicates_dropped=n_duplicates,
        skipped=[{"path": p, "reason": r} for p, r in skipped], read_s=round(read_s, 1),
        build_s=round(time.perf_counter() - start, 1), seed=config.seed, transpositions=list(config.transpositions),
    )
    (config.out_dir / "summary.json").write_text(json.dumps(summary, indent=1))
    return summary


def _tokenise_and_write(config: BuildConfig, pieces: list[Piece], tick, pool) -> dict:
    from museforge.music.tokenizer import get_tokenizer

    sequences: dict[str, list[np.ndarray]] = {s: [] for s in SPLITS}
    rows: list[dict] = []
    stats: dict[tuple[str, str], Counter] = defaultdict(Counter)
    results = pool.map(tokenise_piece, pieces, [config.transpositions] * len(pieces), chunksize=16)
    for piece, (labels, encoded) in zip(pieces, results.result()):
        piece.labels = labels
        for semitones, ids, n_notes in encoded:
            sequences[piece.split].append(ids)
            rows.append(_manifest_row(piece, semitones, len(ids)))
            key = (piece.file.style, piece.split)
            stats[key]["sequences"] += 1
            stats[key]["pieces"] += semitones == 0
            stats[key]["notes"] += n_notes
            stats[key]["tokens"] += len(ids)
        tick and tick()
    for split in SPLITS:
        seqs = sequences[split]
        offsets = np.zeros(len(seqs) + 1, dtype=np.int64)
        offsets[1:] = np.cumsum([len(s) for s in seqs])
        tokens = np.concatenate(seqs) if seqs else np.zeros(0, dtype=np.uint16)
        np.save(config.out_dir / f"tokens_{split}.npy", tokens)
        np.save(config.out_dir / f"offsets_{split}.npy", offsets)
    # manifest rows follow the sequences' order within each split
    by_split = sorted(range(len(rows)), key=lambda i: SPLITS.index(rows[i]["split"]))
    with (config.out_dir / "manifest.jsonl").open("w") as f:
        for i in by_split:
            f.write(json.dumps(rows[i]) + "\n")
    get_tokenizer().save(config.out_dir / "vocab.json")
    table = [{"style": style, "split": split, **counts} for (style, split), counts in sorted(stats.items())]
    return {"table": table, "vocab_size": get_tokenizer().vocab_size}


def _manifest_row(piece: Piece, semitones: int, n_tokens: int) -> dict:
    from museforge.music.tokenizer import PITCH_CLASSES

    tonic = PITCH_CLASSES[(PITCH_CLASSES.index(piece.labels["tonic"]) + semitones) % 12]
    return {
        "piece_id": piece.piece_id, "title": piece.title, "split": piece.split, "group": piece.group,
        "transpose": semitones, "source": piece.file.source, "collection": piece.file.collection,
        "path": piece.file.path, "style": piece.file.style, "licence": piece.file.licence,
        "commercial_ok": COMMERCIAL_OK[piece.file.licence_key], "n_tokens": n_tokens,
        **piece.labels, "tonic": tonic,
    }

