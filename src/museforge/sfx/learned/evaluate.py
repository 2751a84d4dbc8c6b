"""How good is the judge, and how close do the recipes come to real recordings?

    python -m museforge.sfx.learned.evaluate --data /work/shared/data/sfx [--weights STEM] [--variations 16]

Per category: (1) the judge's accuracy on held-out real families (n shown; a rejected clip counts
as wrong), (2) the share of generated clips (``variations`` per registered recipe, grouped by
``recipe.category``) recognised as their intended category, (3) the Frechet distance on the
judge's embedding of generated clips to the real training clips, against the same distance for
the held-out real clips (the real-vs-real baseline). FD grows as sets get smaller, so the
generated set is subsampled to the held-out count (mean over ``FD_SUBSETS`` draws) before
comparing. Targets (issue 5): recognised share >= held-out accuracy and FD <= 2x baseline.
Plus the rejection check: noise, silence and tones must come out as None.
"""

from __future__ import annotations

import argparse
import importlib
import json
import pkgutil
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from museforge.audio import Audio
from museforge.sfx.learned.frechet import frechet_distance
from museforge.sfx.learned.judge import Judge
from museforge.sfx.learned.negatives import rejection_probes

FD_SUBSETS = 20
FD_RATIO_TARGET = 2.0


def calibrate_threshold(judge: Judge, waves: list[np.ndarray], categories: list[str],
                        quantile: float = 0.05, cap: float = 0.5) -> Judge:
    """Open-set threshold: the ``quantile`` of the top category probability on held-out real clips.

    Real sounds below it are rare by construction (5%), while sounds unlike anything in training
    spread their probability and fall under it. Capped so a poorly calibrated model cannot refuse
    most real sounds. Calibrating on the held-out clips makes their accuracy slightly optimistic.
    """
    probs, _ = judge.analyse([Audio(w, judge.config.sample_rate) for w in waves])
    top = probs[:, :len(judge.config.categories)].max(axis=1)
    return judge.with_threshold(float(min(cap, np.quantile(top, quantile))) if len(top) else 0.0)


def load_recipes() -> tuple[dict[str, object], dict[str, str]]:
    """Import every module of museforge.sfx so recipes register; (recipes by name, import errors)."""
    import museforge.sfx as sfx
    from museforge.sfx.recipe import get_recipe, recipe_names

    errors = {}
    for module in pkgutil.walk_packages(sfx.__path__, "museforge.sfx."):
        if ".learned" in module.name:
            continue
        try:
            importlib.import_module(module.name)
        except Exception as exc:  # a peer's half-finished module must not stop the evaluation
            errors[module.name] = f"{type(exc).__name__}: {exc}"
    return {name: get_recipe(name) for name in recipe_names()}, errors


def render_variations(recipe, n_variations: int, sample_rate: int = 44_100) -> list[Audio]:
    """``n_variations`` renders: seeds 0..n-1, cycling through the default and every preset."""
    presets = [None, *sorted(getattr(recipe, "presets", {}) or {})]
    return [recipe.render(preset=presets[i % len(presets)], sample_rate=sample_rate, seed=i)
            for i in range(n_variations)]


def real_accuracy(judge: Judge, probs: np.ndarray, categories: list[str]) -> dict[str, dict]:
    """Per category: n, correct, rejected (None), accuracy, and what the misses were called."""
    table: dict[str, dict] = {}
    for row, truth in zip(probs, categories):
        entry = table.setdefault(truth, {"n": 0, "correct": 0, "rejected": 0, "confused_with": {}})
        guess = judge.decide(row)
        entry["n"] += 1
        entry["correct"] += int(guess == truth)
        entry["rejected"] += int(guess is None)
        if guess not in (truth, None):
            entry["confused_with"][guess] = entry["confused_with"].get(guess, 0) + 1
    for entry in table.values():
        entry["accuracy"] = entry["correct"] / entry["n"]
    return dict(sorted(table.items()))


def subsampled_fd(emb: np.ndarray, reference: np.ndarray, n: int, seed: int = 0) -> float:
    """Mean FD of ``FD_SUBSETS`` random n-row subsets of ``emb`` to ``reference``."""
    if len(emb) <= n:
        return frechet_distance(emb, reference)
    rng = np.random.default_rng(seed)
    return float(np.mean([frechet_distance(emb[rng.choice(len(emb), n, replace=False)], reference)
                          for _ in range(FD_SUBSETS)]))


def rejection_check(judge: Judge, sample_rates: tuple[int, ...] = (22_050, 48_000)) -> dict[str, dict]:
    """Each probe at each rate: what the judge called it and its top category probability."""
    results = {}
    for sample_rate in sample_rates:
        for name, wave in rejection_probes(sample_rate).items():
            category, probs = judge.classify(Audio(wave, sample_rate))
            top = max((p, c) for c, p in probs.items() if c != "none")
            results[f"{name} @ {sample_rate}"] = {"category": category, "p_none": probs["none"],
                                                  "top_category": top[1], "top_p": top[0]}
    return results


@dataclass
class RealReference:
    """The judge's view of the real clips: computed once, compared with any generated set."""

    train_emb: np.ndarray  # [n_train, E]
    train_cat: np.ndarray  # [n_train] category names
    held_emb: np.ndarray  # [n_held, E]
    held_cat: np.ndarray
    held_acc: dict[str, dict]
    train_acc: dict[str, dict]

    @classmethod
    def build(cls, judge: Judge, data_dir: str | Path, cache_dir: str | Path | None = None,
              permissive: bool = False) -> RealReference:
        """``permissive``: the split of the licence-clean subset (for weights trained with --permissive-only)."""
        from museforge.sfx.learned.data import load_waveforms, permissive_only, read_manifest, split_by_family

        sr = judge.config.sample_rate
        clips = read_manifest(data_dir)
        train, held_out = split_by_family(permissive_only(clips) if permissive else clips)
        train_probs, train_emb = judge.analyse([Audio(w, sr) for w in load_waveforms(data_dir, train, sr, cache_dir)])
        held_probs, held_emb = judge.analyse([Audio(w, sr) for w in load_waveforms(data_dir, held_out, sr, cache_dir)])
        return cls(train_emb, np.array([c.category for c in train]), held_emb, np.array([c.category for c in held_out]),
                   real_accuracy(judge, held_probs, [c.category for c in held_out]),
                   real_accuracy(judge, train_probs, [c.category for c in train]))


def score_generated(judge: Judge, ref: RealReference, sets: dict[str, tuple[str, list[Audio]]]) -> dict[str, dict]:
    """Per judge category: held-out figures, and for generated ``sets`` (name -> (category, audios))
    the recognised share and the subsampled FD against the real-vs-real baseline."""
    generated = {}
    for name, (category, audios) in sets.items():
        probs, emb = judge.analyse(audios)
        generated[name] = {"category": category, "calls": [judge.decide(p) for p in probs], "emb": emb}
    per_category: dict[str, dict] = {}
    for category in judge.config.categories:
        held_row = ref.held_acc.get(category, {})
        row: dict = {"held_out_n": held_row.get("n", 0), "held_out_accuracy": held_row.get("accuracy"),
                     "train_accuracy": ref.train_acc.get(category, {}).get("accuracy"),
                     "generators": sorted(n for n, g in generated.items() if g["category"] == category)}
        gens = [g for g in generated.values() if g["category"] == category]
        real_ref, held = ref.train_emb[ref.train_cat == category], ref.held_emb[ref.held_cat == category]
        if len(held) >= 2 and len(real_ref) >= 2:
            row["fd_real_vs_real"] = frechet_distance(held, real_ref)
        if gens:
            calls = [c for g in gens for c in g["calls"]]
            row["generated_n"] = len(calls)
            row["generated_recognised"] = sum(c == category for c in calls) / len(calls)
            row["generated_rejected"] = sum(c is None for c in calls) / len(calls)
            other = [c for c in calls if c not in (category, None)]
            row["generated_called"] = {c: other.count(c) for c in sorted(set(other))}
            if "fd_real_vs_real" in row:
                emb = np.concatenate([g["emb"] for g in gens])
                row["fd_generated_vs_real"] = subsampled_fd(emb, real_ref, len(held))
                row["fd_ratio"] = row["fd_generated_vs_real"] / max(row["fd_real_vs_real"], 1e-9)
            recognised_ok = row["held_out_accuracy"] is not None and \
                row["generated_recognised"] >= row["held_out_accuracy"]
            row["meets_targets"] = bool(recognised_ok and row.get("fd_ratio", np.inf) <= FD_RATIO_TARGET)
        per_category[category] = row
    per_generator = {n: {"category": g["category"],
                         "recognised": sum(c == g["category"] for c in g["calls"]) / len(g["calls"]),
                         "calls": {str(c): g["calls"].count(c) for c in set(g["calls"])}}
                     for n, g in sorted(generated.items())}
    return {"per_category": per_category, "per_generator": per_generator,
            "categories_meeting_targets": sorted(c for c, r in per_category.items() if r.get("meets_targets"))}


def recipe_sets(n_variations: int) -> tuple[dict[str, tuple[str, list[Audio]]], dict[str, str]]:
    """Every registered recipe rendered ``n_variations`` times; (sets, problems by name)."""
    recipes, problems = load_recipes()
    sets = {}
    for name, recipe in recipes.items():
        try:
            sets[name] = (recipe.category, render_variations(recipe, n_variations))
        except Exception as exc:  # report a broken recipe, keep judging the rest
            problems[name] = f"render failed: {type(exc).__name__}: {exc}"
    return sets, problems


def evaluate(judge: Judge, data_dir: str | Path, n_variations: int = 16, cache_dir: str | Path | None = None,
             sets: dict[str, tuple[str, list[Audio]]] | None = None, permissive: bool = False) -> dict:
    """All figures as one JSON-able dict (see module docstring); ``sets`` default: the recipes."""
    ref = RealReference.build(judge, data_dir, cache_dir, permissive)
    problems: dict[str, str] = {}
    if sets is None:
        sets, problems = recipe_sets(n_variations)
    scored = score_generated(judge, ref, sets)
    rejection = rejection_check(judge)
    n_held = sum(v["n"] for v in ref.held_acc.values())
    return {
        "held_out_accuracy_overall": sum(v["correct"] for v in ref.held_acc.values()) / max(1, n_held),
        "held_out_accuracy_balanced": float(np.mean([v["accuracy"] for v in ref.held_acc.values()])),
        "held_out_n": n_held,
        "train_accuracy_overall": sum(v["correct"] for v in ref.train_acc.values()) / max(1, len(ref.train_cat)),
        "reject_below": judge.config.reject_below,
        **scored,
        "rejection": rejection,
        "rejection_ok": all(r["category"] is None for r in rejection.values()),
        "held_out_confusions": {c: v["confused_with"] for c, v in ref.held_acc.items() if v["confused_with"]},
        "generator_problems": problems,
    }


def format_table(report: dict) -> str:
    """A readable markdown table of the per-category figures plus the rejection check."""
    def fmt(value, pattern="{:.2f}"):
        return "-" if value is None else pattern.format(value)

    lines = ["| category | held-out n | held-out acc | gen n | gen recognised | FD gen | FD real | ratio | targets |",
             "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |"]
    for category, row in report["per_category"].items():
        met = row.get("meets_targets")
        lines.append(f"| {category} | {row['held_out_n']} | {fmt(row['held_out_accuracy'])} | "
                     f"{row.get('generated_n', 0)} | {fmt(row.get('generated_recognised'))} | "
                     f"{fmt(row.get('fd_generated_vs_real'), '{:.1f}')} | "
                     f"{fmt(row.get('fd_real_vs_real'), '{:.1f}')} | "
                     f"{fmt(row.get('fd_ratio'))} | {'-' if met is None else ('met' if met else 'missed')} |")
    lines.append("")
    lines.append(f"Held-out accuracy: {report['held_out_accuracy_overall']:.3f} overall, "
                 f"{report['held_out_accuracy_balanced']:.3f} balanced over categories (n = {report['held_out_n']}); "
                 f"open-set threshold {report['reject_below']:.3f}.")
    refused = sum(r["category"] is None for r in report["rejection"].values())
    lines.append(f"Rejection: {refused}/{len(report['rejection'])} probes refused "
                 f"(worst top-category p = {max(r['top_p'] for r in report['rejection'].values()):.3f}).")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m museforge.sfx.learned.evaluate", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the sfx data folder")
    parser.add_argument("--weights", default=None, help="judge stem (default: the shipped judge)")
    parser.add_argument("--variations", type=int, default=16)
    parser.add_argument("--cache-dir", default="checkpoints/sfx_judge")
    parser.add_argument("--json", default=None, help="also write the full report here")
    parser.add_argument("--permissive-only", action="store_true", help="weights trained with --permissive-only")
    args = parser.parse_args(argv)
    import torch

    torch.set_num_threads(1)
    report = evaluate(Judge.load(args.weights), args.data, args.variations, args.cache_dir,
                      permissive=args.permissive_only)
    print(format_table(report))
    if args.json:
        Path(args.json).write_text(json.dumps(report, indent=2, default=float) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
