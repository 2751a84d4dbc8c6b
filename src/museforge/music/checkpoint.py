"""Where the composer's weights are found, and where its training corpus is built: a torch-free module, so a
server or a CLI can say "no composer checkpoint" (and where it looked) without importing torch.
:mod:`museforge.music.generate` re-exports ``CHECKPOINT_PLACES`` and ``find_checkpoint``.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from pathlib import Path

from museforge.errors import MuseforgeError

PACKAGE = Path(__file__).resolve().parents[1]
# Where a composer checkpoint is looked for, in order, when none is named.
CHECKPOINT_PLACES = (PACKAGE / "weights" / "composer", PACKAGE.parents[1] / "checkpoints" / "composer" / "best",
                     PACKAGE.parents[1] / "checkpoints" / "composer" / "latest")
DEFAULT_CORPUS = Path.home() / ".cache" / "museforge" / "corpus"  # the token cache `museforge data build` writes


def find_checkpoint(path: str | Path | None = None) -> Path:
    """The composer checkpoint to use: ``path``, $MUSEFORGE_COMPOSER, the shipped weights, then training output."""
    named = path or os.environ.get("MUSEFORGE_COMPOSER")
    places = [Path(named)] if named else list(CHECKPOINT_PLACES)
    for place in places:
        if (place / "model.safetensors").is_file():
            return place
    raise MuseforgeError(f"no composer checkpoint at {', '.join(map(str, places))}; train one "
                         "(`museforge train composer`) or name a directory holding config.json + model.safetensors")


TRAINING_DATA_FILE = "training_data.json"  # beside the weights: what the model learned from, and its licences


def summarize_training_data(manifest: str | Path) -> dict:
    """Sources, piece counts and licences of a token cache's training split, from its manifest.jsonl."""
    path = Path(manifest)
    if not path.is_file():
        raise MuseforgeError(f"{path} not found: build the corpus first (`museforge data build`)")
    pieces: Counter = Counter()
    licences: dict[str, set] = {}
    for line in path.read_text().splitlines():
        row = json.loads(line) if line.strip() else {}
        if row.get("split") != "train" or row.get("transpose", 0):
            continue
        source = str(row.get("source", "unknown"))
        pieces[source] += 1
        licences.setdefault(source, set()).add(str(row.get("licence", "unknown")))
    return {"split": "train (untransposed pieces)",
            "sources": {s: {"pieces": pieces[s], "licences": sorted(licences[s])} for s in sorted(pieces)}}


def training_data(checkpoint: str | Path) -> dict | None:
    """The training-data summary shipped beside a checkpoint, if it has one."""
    path = Path(checkpoint) / TRAINING_DATA_FILE
    return json.loads(path.read_text()) if path.is_file() else None
