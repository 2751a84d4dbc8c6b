"""Sound-effect judge: do generated sounds pass for real recordings of their category?

Ours: every registered museforge recipe (16 variations each, grouped by ``recipe.category``).
Peer: pyfxr (a compiled sfxr clone), its random generators mapped to the nearest judge category
(explosion -> explosion, hurt -> impact, laser -> weapon, pickup/powerup -> ui), 16 each, judged
by the same shipped judge in the same run. Metric: share of the 14 real categories for which the
generator meets both issue-5 targets (recognised at least as often as held-out real clips; FD to
real within 2x the real-vs-real FD); a category without a generator counts as missed. Needs the
sfx training data (``MUSEFORGE_SFX_DATA`` or ../shared/data/sfx) for the real side.
"""

from __future__ import annotations

import os
import random
import time
from pathlib import Path

import numpy as np

from bench.common import result

PYFXR_CATEGORIES = {"explosion": "explosion", "hurt": "impact", "laser": "weapon", "pickup": "ui", "powerup": "ui"}


def data_dir() -> Path:
    from museforge.errors import MuseforgeError

    candidates = [os.environ.get("MUSEFORGE_SFX_DATA"), Path(__file__).resolve().parents[1] / "../shared/data/sfx",
                  "/work/shared/data/sfx"]
    for candidate in candidates:
        if candidate and (Path(candidate) / "manifest.csv").is_file():
            return Path(candidate)
    raise MuseforgeError("sfx data not found: set MUSEFORGE_SFX_DATA to the folder holding manifest.csv")


def pyfxr_sets(n_variations: int) -> dict:
    """pyfxr's random generators, seeded through Python's ``random`` as pyfxr expects."""
    import pyfxr

    from museforge.audio import Audio

    sets = {}
    for generator, category in PYFXR_CATEGORIES.items():
        audios = []
        for i in range(n_variations):
            random.seed(1000 * i + len(generator))
            pcm = np.frombuffer(memoryview(getattr(pyfxr, generator)().build()), dtype=np.int16)
            audios.append(Audio(pcm.astype(np.float32) / 32768.0, pyfxr.SAMPLE_RATE))
        sets[f"pyfxr.{generator}"] = (category, audios)
    return sets


def run(quick: bool = False) -> dict:
    import torch

    from museforge.sfx.learned.evaluate import (RealReference, format_table, recipe_sets, rejection_check,
                                                score_generated)
    from museforge.sfx.learned.judge import Judge

    torch.set_num_threads(1)
    n_variations = 4 if quick else 16
    judge = Judge.load()
    start = time.perf_counter()
    cache_dir = Path(__file__).resolve().parents[1] / "checkpoints/sfx_judge"  # decoded clips (git-ignored)
    ref = RealReference.build(judge, data_dir(), cache_dir=cache_dir)
    real_s = time.perf_counter() - start
    ours_sets, problems = recipe_sets(n_variations)
    peer_sets = pyfxr_sets(n_variations)
    start = time.perf_counter()
    ours = score_generated(judge, ref, ours_sets)
    n_sounds = sum(len(a) for _, a in ours_sets.values())
    judge_s = time.perf_counter() - start
    # The retro_* family is sfxr by design (chiptune, the pyfxr peer's own style), not an attempt at
    # a recording; shown apart too, so each family's figures can be read on their own.
    realistic = score_generated(judge, ref, {n: s for n, s in ours_sets.items() if not n.startswith("retro")})
    peer = score_generated(judge, ref, peer_sets)
    n_categories = len(judge.config.categories)
    held = ref.held_acc
    n_held = sum(v["n"] for v in held.values())
    shared = sorted(set(PYFXR_CATEGORIES.values()) & {s[0] for s in ours_sets.values()})
    report = {"held_out_accuracy_overall": sum(v["correct"] for v in held.values()) / max(1, n_held),
              "held_out_accuracy_balanced": float(np.mean([v["accuracy"] for v in held.values()])),
              "held_out_n": n_held, "reject_below": judge.config.reject_below, **ours,
              "rejection": rejection_check(judge)}
    print(format_table(report))
    print("\nWithout the retro_* (sfxr-style) recipes:")
    print(format_table({**report, **realistic}))
    details = {
        "n_variations": n_variations,
        "held_out_accuracy_overall": report["held_out_accuracy_overall"],
        "held_out_accuracy_balanced": report["held_out_accuracy_balanced"],
        "held_out_n": n_held,
        "rejection_ok": all(r["category"] is None for r in report["rejection"].values()),
        "rejection": report["rejection"],
        "ours_categories_meeting_targets": ours["categories_meeting_targets"],
        "peer_categories_meeting_targets": peer["categories_meeting_targets"],
        "recognised_on_shared_categories": {
            c: {"ours": ours["per_category"][c]["generated_recognised"],
                "pyfxr": peer["per_category"][c]["generated_recognised"]} for c in shared},
        "ours_per_category": ours["per_category"],
        "ours_without_retro_categories_meeting_targets": realistic["categories_meeting_targets"],
        "ours_without_retro_per_category": realistic["per_category"],
        "peer_per_category": peer["per_category"],
        "ours_per_recipe": ours["per_generator"],
        "peer_per_generator": peer["per_generator"],
        "recipe_problems": problems,
        "judge_seconds_per_generated_sound": judge_s / max(1, n_sounds),
        "real_reference_seconds": real_s,
        "table": format_table(report),
        "table_without_retro": format_table({**report, **realistic}),
    }
    return result("sfx_judge", "share of the 14 real categories meeting both targets",
                  len(ours["categories_meeting_targets"]) / n_categories,
                  len(peer["categories_meeting_targets"]) / n_categories, "share", details)
