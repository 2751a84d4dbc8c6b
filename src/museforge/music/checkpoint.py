"""Where the composer's weights are found: a torch-free module, so a server or a CLI can say "no composer
checkpoint" (and where it looked) without importing torch. :mod:`museforge.music.generate` re-exports both names.
"""

from __future__ import annotations

import os
from pathlib import Path

from museforge.errors import MuseforgeError

PACKAGE = Path(__file__).resolve().parents[1]
# Where a composer checkpoint is looked for, in order, when none is named.
CHECKPOINT_PLACES = (PACKAGE / "weights" / "composer", PACKAGE.parents[1] / "checkpoints" / "composer" / "best",
                     PACKAGE.parents[1] / "checkpoints" / "composer" / "latest")


def find_checkpoint(path: str | Path | None = None) -> Path:
    """The composer checkpoint to use: ``path``, $MUSEFORGE_COMPOSER, the shipped weights, then training output."""
    named = path or os.environ.get("MUSEFORGE_COMPOSER")
    places = [Path(named)] if named else list(CHECKPOINT_PLACES)
    for place in places:
        if (place / "model.safetensors").is_file():
            return place
    raise MuseforgeError(f"no composer checkpoint at {', '.join(map(str, places))}; train one "
                         "(`museforge train composer`) or name a directory holding config.json + model.safetensors")
