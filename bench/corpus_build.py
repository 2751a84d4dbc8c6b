"""Corpus build throughput: ours (read + label + dedup + split + tokenise + cache) vs miditok's
own file-level API (`tokenize_dataset`, same REMI config, same files, same worker count).

Files: the first N POP909 songs when ../shared is present (MIDI is the one format miditok's
file API reads), else generated MIDI. Both sides start cold (empty output folders) in one run.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import time
from importlib.metadata import version
from pathlib import Path

import numpy as np

from bench.common import result

SHARED_MIDI = Path(__file__).resolve().parents[1].parent / "shared" / "data" / "midi"


def _files(n: int, scratch: Path) -> list[Path]:
    pop909 = sorted((SHARED_MIDI / "pop909").glob("[0-9][0-9][0-9]/[0-9][0-9][0-9].mid"))
    if pop909:
        return pop909[:n]
    from symusic import Note, Score, Tempo, Track

    rng = np.random.default_rng(0)
    out = []
    for i in range(n):
        score = Score(480)
        track = Track("Piano", 0, False)
        for j in range(600):
            track.notes.append(Note(j * 120, 240, int(rng.integers(40, 90)), 80))
        score.tracks.append(track)
        score.tempos.append(Tempo(0, qpm=110.0))
        path = scratch / f"gen{i:03d}.mid"
        score.dump_midi(str(path))
        out.append(path)
    return out


def _n_ids(ids: list) -> int:
    """Token count of a miditok JSON 'ids' entry (flat for one stream, nested otherwise)."""
    return sum(_n_ids(x) for x in ids) if ids and isinstance(ids[0], list) else len(ids)


def run(quick: bool = False) -> dict:
    import miditok

    from museforge.music.data import BuildConfig, build
    from museforge.music.sources import SourceFile
    from museforge.music.tokenizer import REMI_CONFIG

    workers = os.cpu_count() or 1
    with tempfile.TemporaryDirectory() as tmp:
        scratch = Path(tmp)
        files = _files(40 if quick else 300, scratch)
        sources = [SourceFile(str(p), "user", "bench", "pop", "user", f"bench/{p.stem}") for p in files]

        start = time.perf_counter()
        summary = build(BuildConfig(out_dir=scratch / "ours", files=sources, workers=workers, transpositions=()))
        ours_s = time.perf_counter() - start
        ours_tokens = sum(row["tokens"] for row in summary["table"])

        peer = miditok.REMI(miditok.TokenizerConfig(**REMI_CONFIG))
        start = time.perf_counter()
        peer.tokenize_dataset(files, scratch / "peer", verbose=False, parallel_workers_size=workers)
        peer_s = time.perf_counter() - start
        peer_tokens = sum(_n_ids(json.loads(p.read_text())["ids"])
                          for p in (scratch / "peer").rglob("*.json") if p.name != "tokenizer.json")
        shutil.rmtree(scratch / "ours", ignore_errors=True)

    n = len(files)
    return result(
        "corpus_build", "files/s (cold build)", n / ours_s, n / peer_s, "files/s",
        {"files": n, "workers": workers, "ours_s": round(ours_s, 2), "peer_s": round(peer_s, 2),
         "ours_tokens_per_s": round(ours_tokens / ours_s), "peer_tokens_per_s": round(peer_tokens / peer_s),
         "ours_tokens": ours_tokens, "peer_tokens": peer_tokens,
         "ours_does_more": "labels, fingerprints, dedup, split, control tokens, one array cache",
         "peer": f"miditok {version('miditok')} REMI.tokenize_dataset"},
    )
