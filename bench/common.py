"""The result contract every benchmark returns, and the one place results are written."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path

RESULTS_DIR = Path(__file__).parent / "results"
KEYS = ("name", "metric", "ours", "peer", "ratio", "unit", "details")


def result(name: str, metric: str, ours: float, peer: float | None, unit: str, details: dict,
           higher_is_better: bool = True) -> dict:
    """Build a result; ``ratio`` is how many times better ours is than the peer (> 1 = ours wins)."""
    ratio = None
    if peer:
        ratio = ours / peer if higher_is_better else peer / ours if ours else None
    return {"name": name, "metric": metric, "ours": ours, "peer": peer, "ratio": ratio, "unit": unit,
            "details": {**details, "higher_is_better": higher_is_better}}


def write_result(res: dict) -> Path:
    missing = [k for k in KEYS if k not in res]
    if missing:
        raise ValueError(f"benchmark result lacks {missing}")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{res['name']}.json"
    path.write_text(json.dumps(res, indent=2, default=float) + "\n")
    return path


def best_time_s(fn: Callable[[], object], repeats: int = 3) -> float:
    """Best wall-clock of ``repeats`` calls: the least noisy single figure on a shared machine."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best
