"""Learned parts of the sound-effect engine.

``judge`` is a small log-mel CNN that names the category of a sound (or refuses to: noise,
silence and steady tones are "none of them"); it measures how close procedural recipes come to
real recordings. Importing this package is cheap: torch loads with the submodules.
"""

from __future__ import annotations

__all__ = ["Judge", "JudgeConfig", "frechet_distance"]


def __getattr__(name: str):  # lazy so `import museforge.sfx.learned` does not pull torch in
    if name in ("Judge", "JudgeConfig"):
        from museforge.sfx.learned import judge

        return getattr(judge, name)
    if name == "frechet_distance":
        from museforge.sfx.learned.frechet import frechet_distance

        return frechet_distance
    raise AttributeError(name)
