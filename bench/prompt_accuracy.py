"""Prompt understanding accuracy: per-field agreement with hand-written expected controls.

The test set is ``tests/fixtures/prompts.jsonl``: English and Chinese prompts for music and sound
effects, each with the controls a user would expect. Split ``dev`` was used while building the
lexicons. ``heldout1`` was written after a first freeze (commit 531a18e), measured, and then read
to make generic fixes, so it is no longer held out. ``heldout2`` was written after the second
freeze (commit 6e5a993) and has not been used for tuning: it is the honest held-out figure.
``heldout5`` (58 music prompts, 42 Chinese, mostly style and mood) was written at commit 3bda9d0,
before the Chinese style words of issue 6 were added; those were tuned on prompts in
tests/test_prompt_styles.py, not on this split, with one exception: one heldout5 prompt
("...四声部众赞歌") raised an error in the floor test and was seen; "四声部" is now a style word.
``heldout6`` (225 prompts: 113 English, 112 Chinese; 134 music, 91 sound effects; 40 with exclusions)
was written at commit 8a9cbc2 before its author read the reader's code or lexicon, from the controls,
``museforge sfx list`` and the conventions of the earlier splits (slow = 72 bpm, "in G" = G major...).
Its misses were then read to make generic fixes (bac45aa), so it is no longer held out either: the
first-look figures (``split=heldout6/...`` in ``first_look``) are the honest ones.
``heldout7`` (245 prompts: 123 English, 122 Chinese; 145 music, 100 sound effects; 43 with exclusions)
was written by a separate author who never read the reader's code, lexicon or tests, nor ran it, from the
same sources; it was kept outside the repository while heldout6's fixes were made (by someone who never
saw it) and added at the freeze named below, so it measures the reader after those fixes.
Label corrections in heldout7 (the only labels changed after a split was scored): its author labelled a key
named without major or minor ("in E flat", "in G", "A调") as a tonic with no mode, against the convention
documented before it (docs/prompts.md and this docstring: "in G" = G major; every earlier split labels
"in E", "Key: A", "E调" major). Rule applied to every heldout7 label with a tonic and no mode: mode "major".
12 labels changed (9 English, 3 Chinese), whether or not the reader got them; nothing else. heldout7 first
look at 911d60d, key: 0.864 (n=88; English 0.780, Chinese 0.936) with the labels as written, 0.977
(English 0.951, Chinese 1.000) after the correction; no other field's figure changes. heldout7's misses
were then read to make generic fixes (83ca881), so, like heldout6, it is no longer held out: its
first-look figures (``split=heldout7/...``) are the honest ones.
``heldout8`` (257 prompts: 125 English, 132 Chinese; 141 music, 116 sound effects; 34 with exclusions) is
that new blind split: written by another separate author who never read the reader's code, lexicon, tests
or earlier prompts (beyond the first 10 lines for the format), nor ran it, given the project's labelling
conventions ("in G" = G major, slow = 72 bpm, a waltz is 3/4, 8-bit sounds are retro_*); it was kept
outside the repository while heldout7's fixes were made (by someone who never saw it) and scored first at
d25340e, the reader after those fixes. No heldout8 label was changed. Its 110 first-look field misses (60
prompts) were classified: (a) reader wrong 80; (b) label against a convention documented before it 3
("快节奏" labelled 140, documented 150; "怀旧" with no mood, documented sad; "暴风雨中的海浪" without the place's
layers, against the documented head-noun rule); (c) ambiguous, the earlier splits label the other way 27
(footstep and rain presets, 金属撞击声, bluegrass, an ambient pad, a gentle size on a lapping preset). The (a)
misses were then read to make generic fixes (e8ae884), so heldout8 is no longer held out either: its
first-look figures (``split=heldout8/...``) are the honest ones.
``heldout9`` (265 prompts: 133 English, 132 Chinese; 137 sound effects with 43 variation requests and 52
parameter values with units, 128 music with 29 exclusions and 19 density words) was written by a third
separate author with the same conventions, kept out of the repository while heldout8's fixes were made (by
someone who never saw it) and scored first at 810cb45, the reader after those fixes. It is less blind than
heldout7/8: its author never read the reader's code, lexicon or tests nor ran it, but by mistake read the
sections of docs/prompts.md that list what the reader understands (said so by the author, who also wrote
a few deliberate traps: "50s pop", "drum and bass" as a style, a bpm beside a tempo word). No heldout9
label was changed. Its 91 first-look field misses were classified (a) reader wrong 61, (b) label against a
convention documented before it 1, (c) ambiguous between splits 29 (docs/prompts.md), and the (a) misses
were then read to make generic fixes (936e6f3, 96b33c5), so heldout9 is no longer held out either: its
first-look figures (``split=heldout9/...``) are the honest ones.
``heldout10`` (212 prompts: 106 English, 106 Chinese; 128 sound effects with 52 variation requests in as many
phrasings and 52 explicit parameter values, 84 music with 29 exclusions) was written by a fourth separate
author who read only the first 10 fixture lines, the expectations (never the texts) of earlier sound-effect
prompts, the Controls section of docs/prompts.md, controls.py and ``museforge sfx list``, with the project's
conventions; kept out of the repository while heldout9's fixes were made (by someone who never saw it) and
scored first at 84d0ae6, the reader after those fixes. No heldout10 label was changed. Its 54 first-look field
misses (all fields; 30 prompts) were classified (a) reader wrong 38, (b) label against a convention documented
before it 0, (c) ambiguous between splits 16 (docs/prompts.md), and the (a) misses were then read to make
generic fixes (all 38, cfc080c and the commit after it), so heldout10 is no longer held out
either: its first-look figures (``split=heldout10/...``) are the honest ones.
``heldout11`` (228 prompts: 114 English, 114 Chinese; 126 sound effects with 46 variation requests and 51
explicit parameter values, 102 music with 35 exclusions and seventh chords) was written by a fifth blind
author (same reading limits as heldout10's, told to avoid phrasings whose preset earlier splits label both
ways), kept out of the repository while heldout10's fixes were made and scored first at be2a466. No heldout11
label was changed. Its 49 first-look field misses (20 prompts; ``param_values`` 0.804, n=51) were then read to
make generic fixes (fdb3484: a parameter word and its number for every recipe, magic's bare seconds, five
Chinese presets checked against every split's labels), so heldout11 is no longer held out either: its
first-look figures (``split=heldout11/...``) are the honest ones.
``heldout12`` (204 prompts: 102 English, 102 Chinese; 104 sound effects with 36 variation requests and 44
explicit parameter values, 100 music with 32 exclusions) was written by a sixth blind author (same reading
limits and conventions as heldout11's), kept out of the repository while heldout11's fixes were made and
scored first at 1d8c426, the reader after those fixes.
heldout13 (259 prompts: 131 English, 128 Chinese; 152 sound effects with 36 variation requests, 54
parameter values and 30 loops, 107 music with 41 exclusions and 18 loops) was written by a seventh blind
author (same reading limits and conventions), kept outside the repository while heldout12's one fix (4e91cca)
was made and scored first at 6e2c52d. Its misses were then read to make generic fixes (6df36ea), so it is no
longer held out: its first-look figures (``split=heldout13/...``) are the honest ones.
heldout14 (250 prompts: 125 English, 125 Chinese; 138 sound effects with 35 variation requests, 59 prompts
with parameter values, 10 layered; 112 music) was written by an eighth blind author (same reading limits and
conventions), kept outside the repository while heldout13's fixes were made and scored first at 7b3242d. Its
brief asked for layers as {"recipe", "preset"} objects; they were converted to the recipe-name lists this
bench scores (10 prompts; layer presets are not scored), before scoring. No label was changed.
Its misses were then read to make generic fixes (e505339), so heldout14 is no longer held out either.
heldout15 (252 prompts: 126 English, 126 Chinese; 144 sound effects with 37 variation requests, 48 prompts
with parameter values, 12 layered; 108 music) was written by a ninth blind author (same reading limits and
conventions, layers asked for as recipe names), kept outside the repository while heldout14's fixes were made
and scored first at cebabe2. No label was changed. Its misses were then read to make generic fixes (the commit
after cebabe2 titled "heldout15's misses"), so it is no longer held out either.

Three sound-effect fields look at the recipe's settings. ``preset``: is the preset name the expected one
(None when the prompt names none)? ``params``: is what would be rendered the same, i.e. the whole parameter
dict resolved as the recipe does it (its defaults, then the preset, then the explicit params) for the
expectation and for the reader, on the same recipe; it fails when the preset differs even if every stated
number was honoured. ``param_values``: for prompts whose expectation has params, is every expected param
present in the reader's resolved dict (same resolution) with the value the expectation resolves it to, on
the same recipe, whatever the preset and the other params; it is the explicit-value figure for numbers such
as "swing 0.9 s" and is reported beside the other two, not instead of them.

For every field two figures are kept: ``stated`` accuracy over prompts whose expectation sets the
field (is the value the user gave honoured exactly?) and ``all`` accuracy over every prompt of
that kind (which also counts values invented where the prompt gave none). The headline is the
minimum ``stated`` accuracy over the explicit-value and category fields of the first look pooled
over every held-out split (see :func:`first_look`); every split and language is in ``details``.

There is no installed peer that maps free text to music/sfx controls, so ``peer`` is None.
"""

from __future__ import annotations

import io
import json
import math
import os
import subprocess
import sys
import tarfile
import tempfile
import time
from collections import defaultdict
from pathlib import Path

PROMPTS = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "prompts.jsonl"
EXPLICIT = ("tempo_bpm", "key", "time_signature", "duration_s", "n_bars", "instruments", "exclude", "chords",
            "loop", "seed", "variations")
CATEGORY = ("kind", "style", "mood", "recipe")
DETAIL = ("density", "preset", "params", "param_values", "layers")
MUSIC_FIELDS = ("kind", "style", "mood", "key", "tempo_bpm", "time_signature", "duration_s", "n_bars",
                "instruments", "exclude", "density", "chords", "loop", "seed")
SFX_FIELDS = ("kind", "recipe", "preset", "params", "param_values", "layers", "duration_s", "loop", "variations",
              "seed")
SPLITS = ("dev", "heldout1", "heldout2", "heldout3", "heldout4", "heldout5", "heldout6", "heldout7", "heldout8", "heldout9", "heldout10", "heldout11",
          "heldout12", "heldout13", "heldout14", "heldout15")
# held-out split -> the commit whose lexicon was frozen before the split was written
FREEZES = {"heldout1": "531a18e", "heldout2": "6e5a993", "heldout3": "b580a3d", "heldout4": "4de9af1",
           "heldout5": "3bda9d0", "heldout6": "8a9cbc2", "heldout7": "911d60d", "heldout8": "d25340e",
           "heldout9": "810cb45", "heldout10": "84d0ae6", "heldout11": "be2a466",
           "heldout12": "1d8c426", "heldout13": "6e2c52d", "heldout14": "7b3242d",
           "heldout15": "cebabe2"}
_FIRST_LOOK = """
import json, sys
from bench.prompt_accuracy import evaluate, load
print(json.dumps(evaluate([r for r in load() if r["split"] == sys.argv[1]])["by_scope"]))
"""
_DEFAULTS = {"instruments": [], "exclude": [], "chords": [], "params": {}, "layers": [], "loop": False,
             "variations": 1}
_WRONG = object()


def load(path: Path = PROMPTS) -> list[dict]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def _pitch_class(tonic: str | None) -> int | None:
    from museforge.controls import TONICS

    return None if tonic is None else TONICS[tonic]


def expected_value(expect: dict, field: str) -> object:
    if field == "key":
        return (_pitch_class(expect.get("tonic")), expect.get("mode"))
    if field in ("params", "param_values"):
        return (expect["recipe"], expect.get("preset"), expect.get("params", {}))
    return expect.get(field, _DEFAULTS.get(field))


def predicted_value(controls: dict, field: str) -> object:
    if field == "key":
        return (_pitch_class(controls.get("tonic")), controls.get("mode"))
    if field == "layers":
        return [layer["recipe"] for layer in controls["layers"]]
    if field in ("params", "param_values"):
        return (controls["recipe"], controls["preset"], controls["params"])
    return controls.get(field, _DEFAULTS.get(field))


def _resolved(recipe: str, preset: str | None, params: dict) -> dict:
    from museforge.sfx.recipe import get_recipe

    return get_recipe(recipe).resolve(params, preset)


def same(field: str, expected: object, got: object) -> bool:
    if field in ("instruments", "exclude"):
        return sorted(expected) == sorted(got)
    if field == "params":  # what would be rendered: defaults, then the preset, then the params
        (recipe, preset, params), (got_recipe, got_preset, got_params) = expected, got
        if recipe != got_recipe:
            return False
        want, have = _resolved(recipe, preset, params), _resolved(got_recipe, got_preset, got_params)
        return set(want) == set(have) and all(same("value", want[k], have[k]) for k in want)
    if field == "param_values":  # only the values the prompt states, whatever the preset
        (recipe, preset, params), (got_recipe, got_preset, got_params) = expected, got
        if recipe != got_recipe:
            return False
        want, have = _resolved(recipe, preset, params), _resolved(got_recipe, got_preset, got_params)
        return all(k in have and same("value", want[k], have[k]) for k in params)
    if isinstance(expected, (int, float)) and isinstance(got, (int, float)) and not isinstance(expected, bool):
        return math.isclose(float(expected), float(got), rel_tol=1e-6, abs_tol=1e-6)
    return expected == got


def is_stated(field: str, expected: object) -> bool:
    if field in ("params", "param_values"):
        return bool(expected[2])
    return field == "kind" or expected not in (None, (None, None), _DEFAULTS.get(field))


def evaluate(records: list[dict]) -> dict:
    """Score every record; returns per-field, per-language and per-split accuracies and the misses."""
    from museforge.errors import MuseforgeError
    from museforge.prompt import understand

    tallies: dict[tuple, list[int]] = defaultdict(lambda: [0, 0])  # (scope, field, which) -> [right, total]
    misses, errors = [], []
    start = time.perf_counter()
    for rec in records:
        expect = rec["expect"]
        try:
            result = understand(rec["text"]).to_dict()
            controls = {**result["controls"], "kind": result["kind"]}
        except MuseforgeError as exc:
            controls = None
            errors.append({"id": rec["id"], "text": rec["text"], "error": str(exc)})
        fields = MUSIC_FIELDS if expect["kind"] == "music" else SFX_FIELDS
        for field in fields:
            want = expected_value(expect, field)
            if controls is None or (field != "kind" and controls["kind"] != expect["kind"]):
                got = _WRONG
            else:
                got = predicted_value(controls, field)
            ok = got is not _WRONG and same(field, want, got)
            for scope in ("all", f"lang={rec['lang']}", f"split={rec['split']}", f"kind={expect['kind']}"):
                for which in (("stated", "all") if is_stated(field, want) else ("all",)):
                    tally = tallies[(scope, field, which)]
                    tally[0] += ok
                    tally[1] += 1
            if not ok:
                misses.append({"id": rec["id"], "text": rec["text"], "field": field, "expected": want,
                               "got": None if got is _WRONG else got})
    elapsed_s = time.perf_counter() - start
    report: dict = defaultdict(dict)
    for (scope, field, which), (right, total) in sorted(tallies.items()):
        report[scope].setdefault(field, {})[which] = {"accuracy": right / total, "n": total}
    return {"by_scope": dict(report), "misses": misses, "errors": errors, "n_prompts": len(records),
            "ms_per_prompt": 1000.0 * elapsed_s / max(1, len(records))}


def headline(scope_report: dict) -> float:
    """Minimum ``stated`` accuracy over the explicit-value and category fields present."""
    values = [scope_report[f]["stated"]["accuracy"] for f in EXPLICIT + CATEGORY
              if f in scope_report and "stated" in scope_report[f]]
    return min(values) if values else float("nan")


def first_look() -> dict | None:
    """Pooled ``stated`` accuracy of every held-out split, each scored by the package as it was at
    the freeze before the split was written (``git archive`` of ``src/`` at that commit, run in a
    subprocess), and each split's own figures under ``split=<name>/<scope>``. None if git or the
    history is missing.
    """
    root = PROMPTS.parents[2]
    pooled: dict = defaultdict(lambda: defaultdict(lambda: [0, 0]))  # scope -> field -> [right, n]
    try:
        for split, commit in FREEZES.items():
            archive = subprocess.run(["git", "-C", str(root), "archive", commit, "src"], capture_output=True,
                                     check=True).stdout
            with tempfile.TemporaryDirectory() as tmp:
                tarfile.open(fileobj=io.BytesIO(archive)).extractall(tmp, filter="data")
                env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(Path(tmp) / "src"), str(root)])}
                out = subprocess.run([sys.executable, "-c", _FIRST_LOOK, split], cwd=root, env=env,
                                     capture_output=True, text=True, check=True).stdout
            for scope, fields in json.loads(out).items():
                for field, entry in fields.items():
                    if "stated" in entry and not scope.startswith("split="):
                        right = round(entry["stated"]["accuracy"] * entry["stated"]["n"])
                        # pooled over splits, and this split on its own ("split=heldout6/lang=zh")
                        for key in (scope, f"split={split}/{scope}"):
                            pooled[key][field][0] += right
                            pooled[key][field][1] += entry["stated"]["n"]
    except (OSError, subprocess.CalledProcessError, tarfile.TarError):
        return None
    return {scope: {f: {"stated": {"accuracy": r / n, "n": n}} for f, (r, n) in fields.items()}
            for scope, fields in pooled.items()}


def run(quick: bool = False) -> dict:
    """Score the whole set with the current package; unless ``quick``, also the first-look figures."""
    from bench.common import result

    records = load()
    scored = evaluate(records)
    by_scope = scored["by_scope"]
    first = None if quick else first_look()
    details = {
        "peer_note": "no installed package maps free text to music/sfx controls; peer is None",
        "n_prompts": scored["n_prompts"],
        "n_by_language": {lang: sum(r["lang"] == lang for r in records) for lang in ("en", "zh")},
        "n_by_split": {split: sum(r["split"] == split for r in records) for split in SPLITS},
        "ms_per_prompt": scored["ms_per_prompt"],
        "min_stated_accuracy": {scope: headline(rep) for scope, rep in by_scope.items()},
        "fields": {scope: {f: {k: round(v["accuracy"], 4) for k, v in rep[f].items()} for f in rep}
                   for scope, rep in by_scope.items()},
        "misses": scored["misses"][:60],
        "errors": scored["errors"],
    }
    if first is None:
        metric, ours = "min per-field accuracy, all prompts, current lexicon (seen while tuning)", \
            headline(by_scope["all"])
    else:
        metric, ours = "min per-field accuracy on held-out prompts, each read by the lexicon frozen before it", \
            headline(first["all"])
        details["first_look"] = {scope: {f: {"accuracy": round(v["stated"]["accuracy"], 4), "n": v["stated"]["n"]}
                                         for f, v in rep.items()} for scope, rep in first.items()}
        details["first_look_min"] = {scope: headline(rep) for scope, rep in first.items()
                                     if not scope.startswith("split=")}
    return result("prompt_accuracy", metric, ours, None, "fraction", details)


if __name__ == "__main__":
    res = run()
    d = res["details"]
    print(f"{d['n_prompts']} prompts {d['n_by_language']} {d['n_by_split']}, {d['ms_per_prompt']:.2f} ms/prompt")
    scopes = ["all", "lang=en", "lang=zh", *(f"split={s}" for s in SPLITS)]
    print(f"{'field':16}" + "".join(f"{s:>16}" for s in scopes) + "   (stated/all)")
    for field in CATEGORY + EXPLICIT + DETAIL:
        cells = []
        for scope in scopes:
            entry = d["fields"].get(scope, {}).get(field, {})
            st, al = entry.get("stated"), entry.get("all")
            st, al = (float("nan") if v is None else v for v in (st, al))
            cells.append(f"{st:6.3f}/{al:6.3f}")
        print(f"{field:16}" + "".join(f"{c:>16}" for c in cells))
    print("min stated:", {k: round(v, 3) for k, v in d["min_stated_accuracy"].items()})
    for scope, fields in d.get("first_look", {}).items():
        print(f"first look {scope}: " + ", ".join(f"{f} {v['accuracy']:.3f} (n={v['n']})" for f, v in fields.items()))
    print(f"headline: {res['metric']} = {res['ours']:.3f}")
    for miss in d["misses"]:
        print(f"  MISS {miss['id']} {miss['field']}: want {miss['expected']!r} got {miss['got']!r}  | {miss['text']}")
    for err in d["errors"]:
        print(f"  ERROR {err['id']}: {err['error']} | {err['text']}")
