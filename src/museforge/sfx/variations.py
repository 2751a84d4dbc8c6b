"""Randomise, mutate and batch variations of a recipe's parameters (sfxr semantics).

``randomize`` draws every unlocked parameter afresh; ``mutate`` nudges unlocked continuous
parameters by up to ``amount`` of their range (sfxr's "mutate" button). Variation ``i`` of a batch
uses seed ``seed + i`` for both its parameter nudges and its noise, so any one of them can be
re-rendered alone from the seed printed next to it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_range
from museforge.sfx.recipe import Recipe, get_recipe

MAX_VARIATIONS = 1000


def _check_locked(recipe: Recipe, locked: Collection[str]) -> set[str]:
    for name in locked:
        recipe.param(name)  # raises listing the valid names
    return set(locked)


def randomize(recipe: Recipe, rng: np.random.Generator, base: Mapping[str, object] | None = None,
              locked: Collection[str] = ()) -> dict:
    """Every unlocked parameter drawn uniformly from its range or choices; locked ones kept from ``base``."""
    locked = _check_locked(recipe, locked)
    params = recipe.resolve(base)
    for p in recipe.params:
        if p.name in locked:
            continue
        if p.choices is not None:
            params[p.name] = p.choices[int(rng.integers(len(p.choices)))]
        else:
            params[p.name] = float(rng.uniform(p.low, p.high))
    return params


def mutate(recipe: Recipe, params: Mapping[str, object], rng: np.random.Generator, amount: float = 0.1,
           locked: Collection[str] = ()) -> dict:
    """Continuous unlocked parameters moved by up to ``amount`` x their range, clipped into it."""
    amount = check_range("spread", amount, 0.0, 1.0)
    locked = _check_locked(recipe, locked)
    out = recipe.resolve(params)
    for p in recipe.params:
        if p.choices is None and p.name not in locked and amount > 0:
            step = rng.uniform(-amount, amount) * (p.high - p.low)
            out[p.name] = float(np.clip(out[p.name] + step, p.low, p.high))
    return out


@dataclass(frozen=True)
class Variation:
    """One member of a batch: what was rendered, from which seed."""

    index: int
    seed: int
    params: dict
    audio: Audio


def variations(recipe: Recipe | str, n: int, *, values: Mapping[str, object] | None = None,
               preset: str | None = None, seed: int = 0, spread: float = 0.1, locked: Collection[str] = (),
               **render_kwargs: object) -> list[Variation]:
    """``n`` renders: variation i mutates the base parameters with seed ``seed + i`` by ``spread``.

    ``spread=0`` keeps the parameters and changes only the random realisation (new drops, new gusts).
    Extra keyword arguments (duration_s, sample_rate, n_channels, normalize, level_db) go to ``render``.
    """
    recipe = get_recipe(recipe) if isinstance(recipe, str) else recipe
    if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= MAX_VARIATIONS:
        raise MuseforgeError(f"number of variations must be an integer in [1, {MAX_VARIATIONS}], got {n!r}")
    base = recipe.resolve(values, preset)
    out = []
    for i in range(n):
        seed_i = int(seed) + i
        params = mutate(recipe, base, np.random.default_rng([seed_i, 1]), spread, locked)
        out.append(Variation(i, seed_i, params, recipe.render(params, seed=seed_i, **render_kwargs)))
    return out
