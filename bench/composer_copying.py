"""Copying: how much of the composer's output melody is found in its training set (issue 3, benchmark 5).

Melody = onset skyline (at each onset the highest pitched note; drums ignored). An 8-note n-gram is 7
intervals + 8 durations (``museforge.music.originality``), so transposed copies count as copies. The
training side is every untransposed piece of the corpus cache's train split (the transposed copies
hold the same n-grams), indexed once and stored under ``~/.cache/museforge/originality/``.

Ours: the pieces ``bench.composer_metrics`` generates (same store, same styles, lengths and settings;
generated there first if missing). Human baseline: the held-out test pieces of the same styles, cut to
the same number of bars. Figures: share of n-grams found anywhere in the training set (pooled over
pieces) and the longest run of consecutive melody notes copied from one training piece (runs shorter
than 8 notes are not detected: 0). Target: no more copying than the human baseline; ratio = human /
ours on the n-gram share (> 1: ours copies less).

    python -m bench.composer_copying [--pieces 104] [--max-bars 16] [--checkpoint DIR] [--framing test|style]
                                     [--quick]
"""

from __future__ import annotations

import json
import time

from bench.common import result
from bench.composer_metrics import (
    CACHE,
    CORPUS,
    SAMPLING,
    _round,
    generated_pieces,
    parse_args,
    reference_sets,
    run_size,
    style_plan,
)

INDEX_DIR = CACHE / "originality"


def training_index(tokenizer) -> tuple[object, dict]:
    """(NgramIndex of the train split, {"seconds", "cached", "path"}); rebuilt when the cache changes."""
    from museforge.music.originality import NGRAM_NOTES, NgramIndex, index_token_cache

    stat = (CORPUS / "tokens_train.npy").stat()
    path = INDEX_DIR / f"train_n{NGRAM_NOTES}_{stat.st_size}_{int(stat.st_mtime)}.npz"
    start = time.perf_counter()
    if path.is_file():
        return NgramIndex.load(path), {"seconds": time.perf_counter() - start, "cached": True, "path": str(path)}
    index = index_token_cache(CORPUS, tokenizer)
    INDEX_DIR.mkdir(parents=True, exist_ok=True)
    index.save(path)
    return index, {"seconds": time.perf_counter() - start, "cached": False, "path": str(path)}


def run(quick: bool = False, pieces_per_style: int | None = None, max_bars: int | None = None,
        checkpoint: str | None = None, framing: str = "test") -> dict:
    from museforge.music.metrics import crop_bars
    from museforge.music.originality import summarise
    from museforge.music.tokenizer import get_tokenizer

    n_pieces, bars_cap = run_size(quick, pieces_per_style, max_bars, min_pieces=1)
    tokenizer = get_tokenizer()
    index, built = training_index(tokenizer)
    test = reference_sets(CORPUS, "test", tokenizer)
    plan, skipped = style_plan(test, bars_cap)
    gen = generated_pieces(plan, n_pieces, checkpoint, framing, {k: [r for r, _ in v] for k, v in test.items()})
    start = time.perf_counter()
    all_ours, all_human, per_style = [], [], {}
    for style, n_bars in plan.items():
        ours = [index.piece_figures(s) for s in gen["pieces"][style]]
        human = [index.piece_figures(crop_bars(s, n_bars)) for _, s in test[style]]
        all_ours += ours
        all_human += human
        per_style[style] = {"bars": n_bars, "ours": _round(summarise(ours), 3), "human": _round(summarise(human), 3)}
    ours_sum, human_sum = summarise(all_ours), summarise(all_human)
    details = {
        "model": gen["model"], "pieces_per_style": n_pieces, "max_bars": bars_cap, "styles": list(plan),
        "skipped_styles": skipped, "sampling": SAMPLING, "framing": framing,
        "ours": _round(ours_sum, 3), "human_test": _round(human_sum, 3),
        "longest_run_mean_ratio": round(human_sum["longest_run_mean"] / ours_sum["longest_run_mean"], 3)
        if ours_sum["longest_run_mean"] else None,
        "per_style": per_style,
        "training_index": {"ngrams": len(index), "pieces": index.n_pieces, "build_or_load_seconds":
                           round(built["seconds"], 1), "cached": built["cached"], "path": built["path"]},
        "compose_seconds": round(gen["compose_seconds"], 1), "bars_generated": gen["bars_generated"],
        "lookup_seconds": round(time.perf_counter() - start, 1),
        "target": "no more copying than the human baseline (ratio >= 1)",
        "method": "onset-skyline melody; 8-note n-grams of (interval, duration in 1/24 quarter); 64-bit hashes "
                  "of the train split's untransposed pieces; test pieces cut to the generated bars",
        "peer": "held-out human test pieces of the same styles against the same training index",
    }
    return result("composer_copying", "share of generated 8-note melody n-grams found in the training set",
                  ours_sum["found_percent"], human_sum["found_percent"], "%", details, higher_is_better=False)


def main(argv: list[str] | None = None) -> None:
    from bench.common import write_result

    args = parse_args("python -m bench.composer_copying", __doc__.split("\n")[0], argv)
    res = run(args.quick, args.pieces, args.max_bars, args.checkpoint, args.framing)
    print(json.dumps({k: res[k] for k in ("ours", "peer", "ratio")} | {
        "ours_detail": res["details"]["ours"], "human_test": res["details"]["human_test"]}, indent=1))
    print(write_result(res))


if __name__ == "__main__":
    main()
