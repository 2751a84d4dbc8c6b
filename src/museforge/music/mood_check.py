"""How often the mood rule (music/labels.py) agrees with human listeners on VGMIDI.

VGMIDI's labels are fan arrangements with no licence: they are only read here, to measure the
rule, never used to fit anything that ships or to train a generator.
"""

from __future__ import annotations

import csv
from pathlib import Path

from museforge.errors import MuseforgeError


def mood_agreement(vgmidi_dir: str | Path) -> dict:
    """Agreement of the rule's valence sign, arousal sign and quadrant with the human labels."""
    from symusic import Score

    from museforge.music.labels import label_score

    vgmidi_dir = Path(vgmidi_dir)
    table = vgmidi_dir / "vgmidi_labelled.csv"
    if not table.is_file():
        raise MuseforgeError(f"no vgmidi_labelled.csv in {vgmidi_dir}")
    hits = {"valence": 0, "arousal": 0, "quadrant": 0}
    human: list[tuple[bool, bool]] = []
    n = 0
    with table.open(newline="") as f:
        for row in csv.DictReader(f):
            try:
                labels = label_score(Score(str(vgmidi_dir / row["midi"])))
            except Exception:  # an unreadable phrase is left out of the figure, not fatal
                continue
            human_v, human_a = int(row["valence"]) > 0, int(row["arousal"]) > 0
            human.append((human_v, human_a))
            rule_v, rule_a = labels.valence >= 0, labels.arousal >= 0
            hits["valence"] += rule_v == human_v
            hits["arousal"] += rule_a == human_a
            hits["quadrant"] += (rule_v, rule_a) == (human_v, human_a)
            n += 1
    if n == 0:
        raise MuseforgeError(f"no readable labelled phrases in {vgmidi_dir}")
    # Always answering the commonest human label: the figure a useful rule has to beat.
    majority = {
        "valence": max(sum(v for v, _ in human), n - sum(v for v, _ in human)) / n,
        "arousal": max(sum(a for _, a in human), n - sum(a for _, a in human)) / n,
        "quadrant": max(human.count(q) for q in set(human)) / n,
    }
    return {"n_phrases": n, **{f"{k}_agreement": round(v / n, 4) for k, v in hits.items()},
            "chance": {"valence": 0.5, "arousal": 0.5, "quadrant": 0.25},
            "majority_baseline": {k: round(v, 4) for k, v in majority.items()}}
