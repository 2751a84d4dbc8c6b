"""What every sound-effect recipe is: typed parameters with units and ranges, presets, a renderer.

Controls stay separate from signal (DESIGN style 6): a recipe's ``render`` turns a resolved
parameter dict into audio deterministically from a seed, so the same synth serves hand-set
presets, randomise/mutate, real-time automation and (later) learned parameter pickers.

Two kinds of recipe build on :class:`Recipe`:

* :class:`AmbienceRecipe` -- endless sounds (rain, wind, ...) written as ``start`` + ``process``
  over blocks, so an offline render, a seamless loop and a real-time stream share one code path.
* :class:`OneShotRecipe` -- sounds with a natural length (impacts, UI, doors) whose tails decay to
  silence and are trimmed.
"""

from __future__ import annotations

import importlib
import zlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import ClassVar

import numpy as np

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_choice, check_range
from museforge.sfx import dsp

NORMALIZE_MODES = ("peak", "loudness")


@dataclass(frozen=True)
class Param:
    """One continuous (``choices is None``) or categorical parameter of a recipe."""

    name: str  # with its unit where it has one: cutoff_hz, gain_db, intensity (0..1)
    default: float | str
    low: float = 0.0
    high: float = 1.0
    choices: tuple[str, ...] | None = None
    doc: str = ""

    def check(self, value: object) -> float | str:
        if self.choices is not None:
            return check_choice(self.name, value, self.choices)
        return check_range(self.name, value, self.low, self.high)

    @property
    def is_continuous(self) -> bool:
        return self.choices is None


@dataclass(frozen=True)
class Recipe:
    """Base for sound families. Subclasses set the class attributes and implement ``synthesize``."""

    name: ClassVar[str]
    category: ClassVar[str]  # judge/UCS category: rain, wind, fire, water, impact, ui, ...
    params: ClassVar[tuple[Param, ...]]
    presets: ClassVar[Mapping[str, Mapping[str, float | str]]] = {}
    default_duration_s: ClassVar[float] = 2.0
    max_duration_s: ClassVar[float] = 3600.0
    ucs_cat_id: ClassVar[str] = "MISC"  # UCS-style CatID used in exported file names
    default_channels: ClassVar[int] = 1
    loopable: ClassVar[bool] = False
    streamable: ClassVar[bool] = False
    natural_length: ClassVar[bool] = False  # one-shots: duration_s=None means "as long as it rings"
    options: Mapping[str, object] = field(default_factory=dict)

    @classmethod
    def param(cls, name: str) -> Param:
        for param in cls.params:
            if param.name == name:
                return param
        raise MuseforgeError(
            f"unknown parameter {name!r} for {cls.name}; valid: {', '.join(p.name for p in cls.params)}"
        )

    @classmethod
    def resolve(cls, values: Mapping[str, object] | None = None, preset: str | None = None) -> dict:
        """Defaults, then the preset, then ``values``; every value checked against its range."""
        resolved: dict[str, float | str] = {p.name: p.default for p in cls.params}
        if preset is not None:
            check_choice(f"{cls.name} preset", preset, cls.presets)
            resolved.update(cls.presets[preset])
        for name, value in (values or {}).items():
            resolved[name] = cls.param(name).check(value)
        return resolved

    @classmethod
    def check_duration(cls, duration_s: object) -> float:
        return check_range("duration_s", duration_s, 0.01, cls.max_duration_s, "s")

    def render(self, values: Mapping[str, object] | None = None, *, preset: str | None = None,
               duration_s: float | None = None, sample_rate: int = 48_000, seed: int = 0,
               n_channels: int | None = None, normalize: str | None = None,
               level_db: float | None = None) -> Audio:
        """Validate, then synthesize. Same values + duration + rate + seed = identical samples.

        Args:
            values: parameter overrides (names and ranges in ``params``).
            preset: a name from ``presets``, applied before ``values``.
            duration_s: length in seconds (ambiences: exact; one-shots: None = natural length).
            sample_rate: output rate in Hz.
            seed: random seed; the same seed gives the same samples.
            n_channels: 1 or 2; None = the recipe's default (stereo ambiences, mono one-shots).
            normalize: None, "peak" (to ``level_db`` dBFS, default -1) or "loudness" (to ``level_db``
                LUFS, default -20, then capped at -1 dBFS peak).
            level_db: the normalisation target.
        """
        params = self.resolve(values, preset)
        duration = None if duration_s is None and self.natural_length else self.check_duration(
            self.default_duration_s if duration_s is None else duration_s)
        sample_rate = int(check_range("sample_rate", sample_rate, 8_000, 192_000, "Hz"))
        if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or not 0 <= seed < 2**63:
            raise MuseforgeError(f"seed must be an integer in [0, 2**63), got {seed!r}")
        channels = self.default_channels if n_channels is None else n_channels
        if channels not in (1, 2):
            raise MuseforgeError(f"n_channels must be 1 or 2, got {n_channels!r}")
        audio = self.synthesize_channels(params, duration_s=duration, sample_rate=sample_rate,
                                         seed=int(seed), n_channels=channels)
        return normalize_audio(audio, normalize, level_db)

    def synthesize_channels(self, params: dict, *, duration_s: float | None, sample_rate: int, seed: int,
                            n_channels: int) -> Audio:
        """Hook for recipes that render channels natively; the default converts a mono/any render."""
        audio = self.synthesize(params, duration_s=duration_s, sample_rate=sample_rate, seed=seed)
        return audio.to_channels(n_channels)

    def synthesize(self, params: dict, *, duration_s: float, sample_rate: int, seed: int) -> Audio:
        raise NotImplementedError(f"{type(self).__name__} must implement synthesize")


def normalize_audio(audio: Audio, normalize: str | None, level_db: float | None) -> Audio:
    """Peak or loudness normalisation through the shared Audio measures."""
    if normalize is None:
        return audio
    check_choice("normalize mode", normalize, NORMALIZE_MODES)
    if normalize == "peak":
        return audio.normalize_peak(-1.0 if level_db is None else check_range("level_db", level_db, -60, 0, "dBFS"))
    target = -20.0 if level_db is None else check_range("level_db", level_db, -60, 0, "LUFS")
    louder = audio.normalize_loudness(target)
    return louder.normalize_peak(-1.0) if louder.peak_dbfs() > -1.0 else louder


# --- ambiences: block processing shared by render, loops and streams ---------------------------

class Voice:
    """The running state of one ambience: random streams, filters, ramps, the frame counter.

    Every random purpose has its own generator (by name), so the draws of one purpose never
    depend on how many draws another purpose made in the same block: block-size invariance.
    """

    def __init__(self, sample_rate: int, n_channels: int, seed: int):
        self.sample_rate = sample_rate
        self.n_channels = n_channels
        self.seed = seed
        self.frame = 0
        self.ramp = dsp.Ramp()
        self._rngs: dict[str, np.random.Generator] = {}
        self.noise = dsp.NoiseSource([self.rng(f"noise{c}") for c in range(n_channels)])
        self._filters: dict[str, tuple[tuple, dsp.Filter]] = {}
        self.state: dict[str, object] = {}

    def rng(self, purpose: str) -> np.random.Generator:
        if purpose not in self._rngs:
            self._rngs[purpose] = np.random.default_rng([self.seed, zlib.crc32(purpose.encode())])
        return self._rngs[purpose]

    def filter(self, key: str, design: Callable[..., np.ndarray], *args: float, n_channels: int | None = None,
               ) -> dsp.Filter:
        """A named stateful filter, redesigned only when its arguments change."""
        entry = self._filters.get(key)
        if entry is None:
            filt = dsp.Filter(design(*args), self.n_channels if n_channels is None else n_channels)
            self._filters[key] = (args, filt)
            return filt
        last_args, filt = entry
        if last_args != args:
            filt.set(design(*args))
            self._filters[key] = (args, filt)
        return filt


class AmbienceRecipe(Recipe):
    """An endless sound rendered in blocks; ``process`` must not depend on the block size."""

    default_channels: ClassVar[int] = 2
    default_duration_s: ClassVar[float] = 10.0
    loopable: ClassVar[bool] = True
    streamable: ClassVar[bool] = True
    render_block_frames: ClassVar[int] = 1 << 15

    def start(self, params: dict, *, sample_rate: int, seed: int, n_channels: int) -> Voice:
        """A fresh voice; recipes add their own state in ``setup``."""
        voice = Voice(sample_rate, n_channels, seed)
        self.setup(voice, params)
        return voice

    def setup(self, voice: Voice, params: dict) -> None:
        """Optional per-voice initialisation (fixed random choices, wavetables)."""

    def process(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        """The next ``n_frames`` as float64 [channels, frames]; advances ``voice.frame``."""
        out = dsp.soft_clip(self.block(voice, params, n_frames))
        voice.frame += n_frames
        return out

    def block(self, voice: Voice, params: dict, n_frames: int) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement block")

    def synthesize_channels(self, params: dict, *, duration_s: float | None, sample_rate: int, seed: int,
                            n_channels: int) -> Audio:
        n_frames = int(round(duration_s * sample_rate))
        if n_frames < 1:
            raise MuseforgeError(f"duration_s {duration_s} is shorter than one sample at {sample_rate} Hz")
        voice = self.start(params, sample_rate=sample_rate, seed=seed, n_channels=n_channels)
        out = np.empty((n_channels, n_frames), dtype=np.float32)
        for start in range(0, n_frames, self.render_block_frames):
            n = min(self.render_block_frames, n_frames - start)
            out[:, start:start + n] = self.process(voice, params, n)  # cast to float32 on assignment
        return Audio(out, sample_rate)


# --- one-shots --------------------------------------------------------------------------------

class OneShotRecipe(Recipe):
    """A sound with a natural length: ``make`` returns float64 [channels, frames]; tails are trimmed."""

    natural_length: ClassVar[bool] = True
    default_duration_s: ClassVar[float] = 2.0
    max_duration_s: ClassVar[float] = 60.0
    tail_floor_db: ClassVar[float] = -60.0  # trailing samples quieter than this re peak are cut

    def make(self, params: dict, rng: np.random.Generator, sample_rate: int, n_channels: int) -> np.ndarray:
        raise NotImplementedError(f"{type(self).__name__} must implement make")

    def synthesize_channels(self, params: dict, *, duration_s: float | None, sample_rate: int, seed: int,
                            n_channels: int) -> Audio:
        x = np.atleast_2d(self.make(params, np.random.default_rng(seed), sample_rate, n_channels))
        if x.shape[0] != n_channels:
            x = np.repeat(x.mean(axis=0, keepdims=True), n_channels, axis=0)
        x, peak = trim_tail(x, sample_rate, self.tail_floor_db)
        if duration_s is not None:
            n_frames = int(round(duration_s * sample_rate))
            if n_frames < x.shape[1]:
                x = dsp.fade_edges(x[:, :n_frames], sample_rate, fade_out_s=min(0.02, duration_s / 4), in_place=True)
            else:
                x = np.pad(x, ((0, 0), (0, n_frames - x.shape[1])))
        return Audio((dsp.soft_clip(x) if peak > 0.8 else x).astype(np.float32), sample_rate)


def trim_tail(x: np.ndarray, sample_rate: int, floor_db: float = -60.0) -> tuple[np.ndarray, float]:
    """Cut the silent tail (below ``floor_db`` re peak), fade the last 10 ms to exact zero (in place).

    Returns the trimmed view and the peak it measured (callers reuse it instead of another pass).
    """
    level = np.max(np.abs(x), axis=0) if x.size else np.zeros(0)
    peak = float(level.max()) if level.size else 0.0
    if peak == 0.0:
        return x, peak
    loud = np.flatnonzero(level > peak * 10.0 ** (floor_db / 20.0))
    end = min(x.shape[1], int(loud[-1]) + 1 + int(0.01 * sample_rate))
    return dsp.fade_edges(x[:, :end], sample_rate, fade_out_s=0.01, in_place=True), peak


# --- registry ---------------------------------------------------------------------------------

_REGISTRY: dict[str, type[Recipe]] = {}
_BUILTIN_MODULES = ("rain", "wind", "fire", "water", "thunder", "surf", "city", "nature", "room_tone",
                    "footsteps", "impact", "ui", "whoosh", "explosion", "magic", "door", "engine", "retro",
                    "weapon")
_loaded = False


def register(recipe: type[Recipe]) -> type[Recipe]:
    """Class decorator: make a recipe reachable by name."""
    if recipe.name in _REGISTRY:
        raise ValueError(f"recipe {recipe.name!r} registered twice")
    _REGISTRY[recipe.name] = recipe
    return recipe


def _load_builtins() -> None:
    """Import the family modules once (they register themselves); a missing module is skipped."""
    global _loaded
    if _loaded:
        return
    _loaded = True
    for module in _BUILTIN_MODULES:
        qualified = f"museforge.sfx.{module}"
        try:
            importlib.import_module(qualified)
        except ModuleNotFoundError as exc:
            if exc.name != qualified:
                raise


def get_recipe(name: str) -> Recipe:
    """The recipe called ``name``; an unknown name lists the valid ones."""
    _load_builtins()
    return _REGISTRY[check_choice("recipe", name, _REGISTRY)]()


def recipe_names() -> list[str]:
    _load_builtins()
    return sorted(_REGISTRY)
