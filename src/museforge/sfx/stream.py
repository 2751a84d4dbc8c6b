"""Real-time rendering: fixed-size blocks with parameters automated over time.

Automation is a breakpoint list per continuous parameter, ``{"intensity": [(0.0, 0.1), (8.0, 0.9)]}``
(time in seconds, value), linearly interpolated and held past the ends. Each block's targets pass
through a one-pole smoother (``smoothing_s``) before the recipe ramps to them sample by sample, so
even a step in the automation cannot click. Filters keep their state across blocks, so with
constant parameters the stream equals the offline render sample for sample.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_range
from museforge.sfx.recipe import AmbienceRecipe, Recipe, get_recipe

BLOCK_SIZES = (64, 128, 256, 512, 1024, 2048)
Automation = Mapping[str, Sequence[tuple[float, float]]]


def check_automation(recipe: Recipe, automation: Automation | None) -> dict[str, np.ndarray]:
    """Breakpoints as sorted [n, 2] arrays; every value inside its parameter's range."""
    checked: dict[str, np.ndarray] = {}
    continuous = [p.name for p in recipe.params if p.is_continuous]
    for name, points in (automation or {}).items():
        param = recipe.param(name)
        if not param.is_continuous:
            raise MuseforgeError(f"{name!r} is categorical and cannot be automated; "
                                 f"automatable: {', '.join(continuous)}")
        rows = []
        for point in points:
            if len(point) != 2:
                raise MuseforgeError(f"automation of {name!r} needs (time_s, value) pairs, got {point!r}")
            time_s = check_range(f"{name} automation time", point[0], 0.0, recipe.max_duration_s, "s")
            rows.append((time_s, param.check(point[1])))
        if not rows:
            raise MuseforgeError(f"automation of {name!r} has no breakpoints")
        checked[name] = np.array(sorted(rows))
    return checked


def stream(recipe: Recipe | str, automation: Automation | None = None, *, duration_s: float,
           block_frames: int = 256, sample_rate: int = 48_000, seed: int = 0, n_channels: int | None = None,
           values: Mapping[str, object] | None = None, preset: str | None = None,
           smoothing_s: float = 0.03) -> Iterator[np.ndarray]:
    """Yield float32 blocks [channels, block_frames] (the last one may be shorter).

    Args:
        recipe: an ambience recipe or its name.
        automation: per-parameter breakpoints ``[(time_s, value), ...]``.
        duration_s: total length; the blocks add up to exactly ``round(duration_s * sample_rate)``.
        block_frames: frames per block, one of BLOCK_SIZES.
        smoothing_s: time constant of the parameter smoother (0 = ramp straight to each block's value).
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if not isinstance(recipe, AmbienceRecipe):
        raise MuseforgeError(f"{recipe.name} is a one-shot and cannot be streamed; streamable: "
                             f"{', '.join(n for n in _streamable_names())}")
    if block_frames not in BLOCK_SIZES:
        raise MuseforgeError(f"block_frames must be one of {BLOCK_SIZES}, got {block_frames!r}")
    sample_rate = int(check_range("sample_rate", sample_rate, 8_000, 192_000, "Hz"))
    n_channels = recipe.default_channels if n_channels is None else n_channels
    if n_channels not in (1, 2):
        raise MuseforgeError(f"n_channels must be 1 or 2, got {n_channels!r}")
    params = recipe.resolve(values, preset)
    total = int(round(recipe.check_duration(duration_s) * sample_rate))
    curves = check_automation(recipe, automation)
    check_range("smoothing_s", smoothing_s, 0.0, 10.0, "s")
    voice = recipe.start(params, sample_rate=sample_rate, seed=int(seed), n_channels=n_channels)

    smoothed = {name: float(np.interp(0.0, c[:, 0], c[:, 1])) for name, c in curves.items()}
    for start in range(0, total, block_frames):
        n = min(block_frames, total - start)
        end_s = (start + n) / sample_rate
        keep = math.exp(-n / (smoothing_s * sample_rate)) if smoothing_s > 0 else 0.0
        for name, curve in curves.items():
            target = float(np.interp(end_s, curve[:, 0], curve[:, 1]))
            smoothed[name] = keep * smoothed[name] + (1.0 - keep) * target
            params[name] = smoothed[name]
        yield recipe.process(voice, params, n).astype(np.float32)


def render_stream(recipe: Recipe | str, automation: Automation | None = None, **kwargs: object) -> Audio:
    """Collect :func:`stream` into one Audio (same arguments)."""
    sample_rate = int(kwargs.get("sample_rate", 48_000))
    blocks = list(stream(recipe, automation, **kwargs))
    return Audio(np.concatenate(blocks, axis=1), sample_rate)


def _streamable_names() -> list[str]:
    from museforge.sfx.recipe import recipe_names

    return [n for n in recipe_names() if get_recipe(n).streamable]


def parse_automation(text: str) -> dict[str, list[tuple[float, float]]]:
    """CLI form ``name=t:v,t:v;name2=t:v`` -> breakpoints."""
    result: dict[str, list[tuple[float, float]]] = {}
    for part in filter(None, (p.strip() for p in text.split(";"))):
        name, _, points = part.partition("=")
        try:
            result[name.strip()] = [(float(t), float(v)) for t, v in (pt.split(":") for pt in points.split(","))]
        except ValueError:
            raise MuseforgeError(f"cannot read automation {part!r}; write name=time_s:value,time_s:value") from None
    return result


__all__ = ["BLOCK_SIZES", "check_automation", "parse_automation", "render_stream", "stream"]
