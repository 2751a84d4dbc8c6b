"""Music metrics of generated pieces vs held-out human pieces, per style (issue 3, benchmark 3).

For every corpus style with at least ``MIN_TEST_PIECES`` pieces in the test split, the composer
writes ``pieces_per_style`` pieces in batches of ``BATCH`` (sampling as the CLI's defaults:
temperature 1.0, top-p 0.95). Each batch asks for the style, a length and, by default
(``framing="test"``), the key, mood, tempo, meter and instruments of one test piece of the style;
``framing="style"`` asks only for style and length, leaving the rest to the composer's defaults.
The length is the style's median test-piece length in bars, capped at ``max_bars``; the test pieces
are cut to the same number of bars, because several features (entropy, polyphony...) depend on length.

Per piece: the five MusPy features (``museforge.music.metrics``, computed by muspy itself). Per
feature: mgeval's overlap area of intra-set vs inter-set distance distributions, and the KL, per
style and pooled over styles (distances are only taken within a style). Headline: the lowest
overlap area over the features and both intra sets (issue target: >= 0.7 for every feature).

Peer: human pieces of the validation split, cut the same way, measured against the same test
pieces: the overlap a model indistinguishable from the corpus would reach with this many pieces.

Generated pieces are stored as MIDI under ``~/.cache/museforge/bench_generated/<key>/`` (key: the
checkpoint's bytes + settings) and reused by ``bench.composer_copying`` and by re-runs.

    python -m bench.composer_metrics [--pieces 104] [--max-bars 16] [--checkpoint DIR] [--framing test|style]
                                     [--quick]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import random
import statistics
import time
from pathlib import Path

from bench.common import result
from museforge.errors import check_choice
from museforge.music.checkpoint import DEFAULT_CORPUS

CORPUS = DEFAULT_CORPUS
CACHE = CORPUS.parent
GENERATED = CACHE / "bench_generated"
MIN_TEST_PIECES = 5  # fewer test pieces than this: no distribution to compare against
BATCH = 8  # pieces sampled together (one request, different variations); batches use different seeds
PIECES, MAX_BARS = 104, 16  # >= 100 per style (issue) in whole batches; 16 bars keeps ~6 styles feasible
QUICK_PIECES, QUICK_BARS = 8, 8
SAMPLING = {"temperature": 1.0, "top_p": 0.95}
FRAMINGS = ("test", "style")  # see batch_request


def reference_sets(cache_dir: Path, split: str, tokenizer) -> dict[str, list[tuple[dict, object]]]:
    """{style: [(manifest row, Score)]} of a split's untransposed pieces."""
    from museforge.music.originality import untransposed_pieces

    out: dict[str, list] = {}
    for row, ids in untransposed_pieces(cache_dir, split):
        style = (row.get("labels") or {}).get("style") or row.get("style")
        out.setdefault(style, []).append((row, tokenizer.decode(ids.tolist())))
    return out


def style_plan(test: dict[str, list], max_bars: int) -> tuple[dict[str, int], dict[str, str]]:
    """({style: bars to generate}, {skipped style: reason})."""
    plan, skipped = {}, {}
    for style, pieces in sorted(test.items()):
        if len(pieces) < MIN_TEST_PIECES:
            skipped[style] = f"{len(pieces)} test piece(s) < {MIN_TEST_PIECES}"
            continue
        median = statistics.median(row.get("n_bars") or max_bars for row, _ in pieces)
        plan[style] = max(1, min(max_bars, int(median)))
    return plan, skipped


def _checkpoint_key(checkpoint: Path, settings: dict) -> str:
    digest = hashlib.sha256((checkpoint / "model.safetensors").read_bytes())
    digest.update(json.dumps(settings, sort_keys=True).encode())
    return digest.hexdigest()[:16]


def weights_provenance(checkpoint: Path) -> dict:
    """SHA-256 (first 16 hex digits) and size of the checkpoint's weights file."""
    data = (checkpoint / "model.safetensors").read_bytes()
    return {"weights_sha256": hashlib.sha256(data).hexdigest()[:16], "weights_bytes": len(data)}


def decoding_fingerprint() -> str:
    """SHA-256 (16 hex digits) of the decoding code (grammar, request -> plan, the model's forward pass and
    sampler): stored pieces are reused only by runs that would compose them the same way."""
    from museforge.music import compose_request, generate, grammar
    from museforge.music.models import transformer

    digest = hashlib.sha256()
    for module in (grammar, compose_request, generate, transformer):
        digest.update(Path(module.__file__).read_bytes())
    return digest.hexdigest()[:16]


def batch_request(style: str, n_bars: int, batch: int, framing: str, test_rows: list[dict]) -> tuple[dict, tuple]:
    """(MusicControls fields, GM programs or ()) of one batch.

    ``framing="style"`` asks only for the style and length: the composer's defaults pick the rest
    (4/4, piano + bass, tempo by mood), as for a user who names only a style. ``framing="test"``
    also gives the key, mood, tempo, meter and instruments of one test piece of the style (batch b:
    the b-th piece of a seeded shuffle), so the music, not the defaults, is compared with those pieces.
    """
    from museforge.controls import TEMPO_RANGE_BPM, TONICS
    from museforge.music.compose_request import SUPPORTED_SIGNATURES

    fields = {"style": style, "n_bars": n_bars}
    if framing == "style" or not test_rows:
        return fields, ()
    order = list(range(len(test_rows)))
    random.Random(style).shuffle(order)
    row = test_rows[order[batch % len(order)]]
    if row.get("tonic") in TONICS and row.get("mode") in ("major", "minor"):
        fields.update(tonic=row["tonic"], mode=row["mode"])
    if row.get("mood") in ("happy", "tense", "sad", "calm"):
        fields["mood"] = row["mood"]
    if row.get("tempo_qpm"):
        fields["tempo_bpm"] = round(min(max(float(row["tempo_qpm"]), TEMPO_RANGE_BPM[0]), TEMPO_RANGE_BPM[1]), 1)
    if row.get("time_signature") in SUPPORTED_SIGNATURES:
        fields["time_signature"] = row["time_signature"]
    return fields, tuple(int(p) for p in row.get("programs") or ())


def generated_pieces(plan: dict[str, int], n_pieces: int, checkpoint: str | None = None, framing: str = "test",
                     test_rows: dict[str, list[dict]] | None = None) -> dict:
    """{"pieces": {style: [Score]}, "model", "compose_seconds", "bars_generated", "store"}: the composer's
    pieces for each planned style, read from the store when a previous run with the same checkpoint
    and settings wrote them. Piece i of a style: batch i // BATCH, seed = that batch index, controls
    from :func:`batch_request`."""
    import torch
    from symusic import Score

    from museforge.controls import MusicControls
    from museforge.music.generate import compose_variations, find_checkpoint
    from museforge.music.models.transformer import Composer
    from museforge.music.tokenizer import get_tokenizer

    check_choice("framing", framing, FRAMINGS)
    path = find_checkpoint(checkpoint)
    decoding = decoding_fingerprint()
    store = GENERATED / _checkpoint_key(path, {**SAMPLING, "batch": BATCH, "decoding": decoding})
    model, tokenizer, seconds, bars = None, get_tokenizer(), 0.0, 0
    out: dict[str, list] = {}
    threads = torch.get_num_threads()
    torch.set_num_threads(1)  # small model, shared machine: one thread is the fastest
    try:
        for style, n_bars in plan.items():
            folder = store / f"{style}_{n_bars}bars_{framing}"
            folder.mkdir(parents=True, exist_ok=True)
            scores = []
            for batch in range((n_pieces + BATCH - 1) // BATCH):
                files = [folder / f"{batch * BATCH + k:04d}.mid" for k in range(BATCH)]
                if not all(f.is_file() for f in files):
                    if model is None:
                        model = Composer.load(path).eval()
                    fields, programs = batch_request(style, n_bars, batch, framing, (test_rows or {}).get(style, []))
                    start = time.perf_counter()
                    pieces = compose_variations(model, tokenizer, MusicControls(**fields), BATCH, seed=batch,
                                                programs=programs or None, **SAMPLING)
                    seconds += time.perf_counter() - start
                    bars += BATCH * n_bars
                    for f, piece in zip(files, pieces):
                        piece.score.dump_midi(str(f))
                scores.extend(Score(str(f)) for f in files)
            out[style] = scores[:n_pieces]
    finally:
        torch.set_num_threads(threads)
    return {"pieces": out, "model": str(path), **weights_provenance(path), "decoding": decoding,
            "compose_seconds": seconds, "bars_generated": bars, "store": str(store)}


def _round(d: dict, digits: int = 4) -> dict:
    return {k: round(v, digits) if isinstance(v, float) else v for k, v in d.items()}


def run_size(quick: bool, pieces_per_style: int | None, max_bars: int | None, min_pieces: int) -> tuple[int, int]:
    """(pieces per style, bar cap) from the knobs; refuses fewer than ``min_pieces`` or bars < 1."""
    from museforge.errors import MuseforgeError

    n_pieces = pieces_per_style or (QUICK_PIECES if quick else PIECES)
    bars_cap = max_bars or (QUICK_BARS if quick else MAX_BARS)
    if n_pieces < min_pieces or bars_cap < 1:
        raise MuseforgeError(f"need >= {min_pieces} piece(s) per style and >= 1 bar, "
                             f"got {n_pieces} pieces, {bars_cap} bars")
    return n_pieces, bars_cap


def parse_args(prog: str, description: str, argv: list[str] | None) -> argparse.Namespace:
    """The knobs both generated-piece benchmarks take (composer_metrics, composer_copying)."""
    parser = argparse.ArgumentParser(prog=prog, description=description)
    parser.add_argument("--pieces", type=int, default=None, help=f"pieces per style (default {PIECES})")
    parser.add_argument("--max-bars", type=int, default=None, help=f"length cap in bars (default {MAX_BARS})")
    parser.add_argument("--checkpoint", default=None, help="composer checkpoint folder (default: find_checkpoint)")
    parser.add_argument("--framing", choices=FRAMINGS, default="test", help="controls per batch (batch_request)")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_PIECES} pieces, {QUICK_BARS} bars")
    return parser.parse_args(argv)


def run(quick: bool = False, pieces_per_style: int | None = None, max_bars: int | None = None,
        checkpoint: str | None = None, framing: str = "test") -> dict:
    from museforge.music.metrics import FEATURES, compare_sets, crop_bars, piece_features
    from museforge.music.tokenizer import get_tokenizer

    n_pieces, bars_cap = run_size(quick, pieces_per_style, max_bars, min_pieces=3)  # 3: intra-set distances
    tokenizer = get_tokenizer()
    test = reference_sets(CORPUS, "test", tokenizer)
    valid = reference_sets(CORPUS, "valid", tokenizer)
    plan, skipped = style_plan(test, bars_cap)
    gen = generated_pieces(plan, n_pieces, checkpoint, framing, {k: [r for r, _ in v] for k, v in test.items()})
    start = time.perf_counter()
    ours_groups, peer_groups, per_style = [], [], {}
    for style, n_bars in plan.items():
        ours = [piece_features(s) for s in gen["pieces"][style]]
        ref = [piece_features(crop_bars(s, n_bars)) for _, s in test[style]]
        human = [piece_features(crop_bars(s, n_bars)) for _, s in valid.get(style, [])]
        ours_groups.append((ours, ref))
        entry = {"bars": n_bars, "generated": len(ours), "test_pieces": len(ref), "valid_pieces": len(human),
                 "ours": {f: _round(v) for f, v in compare_sets([(ours, ref)]).items()}}
        if len(human) >= MIN_TEST_PIECES:
            peer_groups.append((human, ref))
            entry["valid_human"] = {f: _round(v) for f, v in compare_sets([(human, ref)]).items()}
        per_style[style] = entry
    overall = compare_sets(ours_groups)
    peer_overall = compare_sets(peer_groups)
    metric_seconds = time.perf_counter() - start

    def lowest_per_feature(table: dict, kind: str = "overlap") -> dict[str, float]:
        return {f: round(min(table[f][f"{kind}_intra_ours"], table[f][f"{kind}_intra_ref"]), 4) for f in FEATURES}

    def lowest(table: dict, kind: str = "overlap") -> float:
        return min(lowest_per_feature(table, kind).values())

    details = {
        "model": gen["model"], "weights_sha256": gen["weights_sha256"], "weights_bytes": gen["weights_bytes"],
        "decoding_sha256": gen["decoding"], "pieces_per_style": n_pieces, "max_bars": bars_cap, "styles": list(plan),
        "skipped_styles": skipped, "sampling": SAMPLING, "framing": framing,
        "overall": {f: _round(v) for f, v in overall.items()},
        "overall_valid_human": {f: _round(v) for f, v in peer_overall.items()},
        "lowest_overlap_per_feature": lowest_per_feature(overall),
        "reflected": {"note": "the same overlap with each KDE mirrored at distance 0 (metrics module docstring): "
                              "mgeval's estimator loses the kernel mass below 0, which caps features whose "
                              "distances pile up at 0 near 0.5 even for two samples of one population",
                      "ours": lowest(overall, "reflected"), "peer": lowest(peer_overall, "reflected"),
                      "ours_per_feature": lowest_per_feature(overall, "reflected"),
                      "peer_per_feature": lowest_per_feature(peer_overall, "reflected")},
        "per_style": per_style,
        "compose_seconds": round(gen["compose_seconds"], 1), "bars_generated": gen["bars_generated"],
        "compose_seconds_per_bar": round(gen["compose_seconds"] / gen["bars_generated"], 3)
        if gen["bars_generated"] else None,
        "metric_seconds": round(metric_seconds, 1), "generated_store": gen["store"],
        "target": "overlap area >= 0.7 for every feature",
        "method": "MusPy 0.5 features on MIDI; mgeval overlap area of KDEs (scipy gaussian_kde, Scott) of "
                  "intra-set vs inter-set absolute feature differences, within style, pooled over styles; "
                  "test pieces cut to the generated length in bars",
        "peer": "validation-split human pieces vs the same test pieces (what matching the corpus reaches)",
    }
    return result("composer_metrics", "lowest mgeval overlap area (5 MusPy features x intra-ours/intra-test)",
                  lowest(overall), lowest(peer_overall), "overlap", details)


def main(argv: list[str] | None = None) -> None:
    from bench.common import write_result

    args = parse_args("python -m bench.composer_metrics", __doc__.split("\n")[0], argv)
    res = run(args.quick, args.pieces, args.max_bars, args.checkpoint, args.framing)
    print(json.dumps({k: res[k] for k in ("ours", "peer", "ratio")} | {
        "lowest_overlap_per_feature": res["details"]["lowest_overlap_per_feature"],
        "reflected": res["details"]["reflected"]}, indent=1))
    print(write_result(res))


if __name__ == "__main__":
    main()
