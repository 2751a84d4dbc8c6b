"""Retro (sfxr) sound effects: the seven classic generators, randomise/mutate, recipes.

The generators draw jsfxr parameters the way jsfxr's buttons do (pickupCoin, laserShoot, ...),
from a numpy Generator, so a seed names a sound. :mod:`museforge.sfx.retro_synth` turns
parameters into audio; :mod:`museforge.sfx.retro_jsfxr` reads and writes jsfxr's JSON and share
links (``import_jsfxr`` / ``export_jsfxr`` are re-exported here). Recipes registered here:

* ``retro_pickup`` (alias ``retro_coin``), ``retro_laser``, ``retro_explosion``,
  ``retro_powerup``, ``retro_hit``, ``retro_jump``, ``retro_blip``: the seed picks the sound
  (``generate(category, seed)``); ``pitch_semitones``, ``length_scale``, ``sound_vol`` and
  ``wave_type`` adjust it.
* ``retro``: the full jsfxr parameter set (names as in jsfxr's JSON); the seed only drives noise,
  exactly as ``render_sfxr(SfxrParams(**values), seed=seed)``.

Duration: sfxr sounds end with their envelope (or earlier, when ``p_freq_limit`` stops a falling
pitch). ``duration_s=None`` keeps that natural length exactly; a given ``duration_s`` pads with
silence or trims with a 10 ms linear fade-out, so the result has exactly that many frames.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import ClassVar

import numpy as np

from museforge.audio import Audio, amplitude_to_db, db_to_amplitude
from museforge.errors import MuseforgeError, check_choice, check_range
from museforge.sfx.recipe import Param, Recipe, register
from museforge.sfx.retro_jsfxr import export_jsfxr, export_jsfxr_b58, import_jsfxr  # noqa: F401 (public API)
from museforge.sfx.retro_synth import (KNOBS, WAVE_TYPES, SfxrParams, clamp_knobs, fold_knobs, knob_range,
                                      render_sfxr_ticks, resample)

CATEGORIES = ("pickup", "laser", "explosion", "powerup", "hit", "jump", "blip")
ALIASES = {"coin": "pickup", "shoot": "laser", "hurt": "hit", "select": "blip"}
# jsfxr's mutate nudges these (not wave_type, p_freq_limit or sound_vol)
MUTABLE = tuple(n for n in KNOBS if n not in ("p_freq_limit", "sound_vol"))
LOCKABLE = ("wave_type", *KNOBS)
_DEFAULTS = SfxrParams()
RECIPE_SOUND_VOL = 0.25  # jsfxr's app starts at 0.25: headroom for punch and the phaser's doubling
_RECIPE_START = _DEFAULTS.replace(sound_vol=RECIPE_SOUND_VOL)
_FRESH = {n: getattr(_DEFAULTS, n) for n in LOCKABLE if n != "sound_vol"}  # what an unlocked knob restarts from
_UNLOCKED_START = {**_RECIPE_START.as_dict(), **_FRESH}  # generate()'s start with no base and nothing locked
HEADROOM_DBFS = -0.1  # a recipe render louder than this is turned down rather than clipped
# Per category: the volume at which 300 seeds peak below 0.9 (noise x punch x phaser runs hot).
CATEGORY_SOUND_VOL = {"pickup": 0.19, "laser": 0.24, "explosion": 0.13, "powerup": 0.25, "hit": 0.2,
                      "jump": 0.25, "blip": 0.25}


class _Dice:
    """jsfxr's random helpers over a numpy Generator: frnd(r) in [0, r), rnd(n) in {0..n}."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self._random, self._integers = rng.random, rng.integers  # bound once: a generator draws ~10-20 times

    def frnd(self, span: float) -> float:
        return self._random() * span  # Generator.random() is already a Python float

    def rnd(self, n: int) -> int:
        return int(self._integers(0, n + 1))


# --- the seven generators (jsfxr's distributions) ------------------------------------------------

def _pickup(d: _Dice) -> dict:
    # jsfxr's current pickupCoin: its "sawtooth" at duty 0 is a triangle
    v = {"wave_type": "sawtooth", "p_base_freq": 0.4 + d.frnd(0.5), "p_env_sustain": d.frnd(0.1),
         "p_env_decay": 0.1 + d.frnd(0.4), "p_env_punch": 0.3 + d.frnd(0.3)}
    if d.rnd(1):
        v.update(p_arp_speed=0.5 + d.frnd(0.2), p_arp_mod=0.2 + d.frnd(0.4))
    return v


def _laser(d: _Dice) -> dict:
    wave = d.rnd(2)
    if wave == 2 and d.rnd(1):  # sine is rarer
        wave = d.rnd(1)
    v: dict = {"wave_type": WAVE_TYPES[wave]}
    if d.rnd(2) == 0:
        v.update(p_base_freq=0.3 + d.frnd(0.6), p_freq_limit=d.frnd(0.1), p_freq_ramp=-0.35 - d.frnd(0.3))
    else:
        base = 0.5 + d.frnd(0.5)
        v.update(p_base_freq=base, p_freq_limit=max(0.2, base - 0.2 - d.frnd(0.6)),
                 p_freq_ramp=-0.15 - d.frnd(0.2))
    if d.rnd(1):
        v.update(p_duty=d.frnd(0.5), p_duty_ramp=d.frnd(0.2))
    else:
        v.update(p_duty=0.4 + d.frnd(0.5), p_duty_ramp=-d.frnd(0.7))
    v.update(p_env_sustain=0.1 + d.frnd(0.2), p_env_decay=d.frnd(0.4))
    if d.rnd(1):
        v["p_env_punch"] = d.frnd(0.3)
    if d.rnd(2) == 0:
        v.update(p_pha_offset=d.frnd(0.2), p_pha_ramp=-d.frnd(0.2))
    v["p_hpf_freq"] = d.frnd(0.3)
    return v


def _explosion(d: _Dice) -> dict:
    v: dict = {"wave_type": "noise"}
    if d.rnd(1):
        v.update(p_base_freq=(0.1 + d.frnd(0.4)) ** 2, p_freq_ramp=-0.1 + d.frnd(0.4))
    else:
        v.update(p_base_freq=(0.2 + d.frnd(0.7)) ** 2, p_freq_ramp=-0.2 - d.frnd(0.2))
    if d.rnd(4) == 0:
        v["p_freq_ramp"] = 0.0
    if d.rnd(2) == 0:
        v["p_repeat_speed"] = 0.3 + d.frnd(0.5)
    v.update(p_env_sustain=0.1 + d.frnd(0.3), p_env_decay=d.frnd(0.5))
    if d.rnd(1):
        v.update(p_pha_offset=-0.3 + d.frnd(0.9), p_pha_ramp=-d.frnd(0.3))
    v["p_env_punch"] = 0.2 + d.frnd(0.6)
    if d.rnd(1):
        v.update(p_vib_strength=d.frnd(0.7), p_vib_speed=d.frnd(0.6))
    if d.rnd(2) == 0:
        v.update(p_arp_speed=0.6 + d.frnd(0.3), p_arp_mod=0.8 - d.frnd(1.6))
    return v


def _powerup(d: _Dice) -> dict:
    v: dict = {"wave_type": "sawtooth", "p_duty": 1.0} if d.rnd(1) else {"p_duty": d.frnd(0.6)}
    v["p_base_freq"] = 0.2 + d.frnd(0.3)
    if d.rnd(1):
        v.update(p_freq_ramp=0.1 + d.frnd(0.4), p_repeat_speed=0.4 + d.frnd(0.4))
    else:
        v["p_freq_ramp"] = 0.05 + d.frnd(0.2)
        if d.rnd(1):
            v.update(p_vib_strength=d.frnd(0.7), p_vib_speed=d.frnd(0.6))
    v.update(p_env_sustain=d.frnd(0.4), p_env_decay=0.1 + d.frnd(0.4))
    return v


def _hit(d: _Dice) -> dict:
    wave = ("square", "sawtooth", "noise")[d.rnd(2)]
    v: dict = {"wave_type": wave}
    if wave != "noise":
        v["p_duty"] = d.frnd(0.6) if wave == "square" else 1.0
    v.update(p_base_freq=0.2 + d.frnd(0.6), p_freq_ramp=-0.3 - d.frnd(0.4), p_env_sustain=d.frnd(0.1),
             p_env_decay=0.1 + d.frnd(0.2))
    if d.rnd(1):
        v["p_hpf_freq"] = d.frnd(0.3)
    return v


def _jump(d: _Dice) -> dict:
    v = {"wave_type": "square", "p_duty": d.frnd(0.6), "p_base_freq": 0.3 + d.frnd(0.3),
         "p_freq_ramp": 0.1 + d.frnd(0.2), "p_env_sustain": 0.1 + d.frnd(0.3), "p_env_decay": 0.1 + d.frnd(0.2)}
    if d.rnd(1):
        v["p_hpf_freq"] = d.frnd(0.3)
    if d.rnd(1):
        v["p_lpf_freq"] = 1.0 - d.frnd(0.6)
    return v


def _blip(d: _Dice) -> dict:
    wave = WAVE_TYPES[d.rnd(1)]
    return {"wave_type": wave, "p_duty": d.frnd(0.6) if wave == "square" else 1.0,
            "p_base_freq": 0.2 + d.frnd(0.4), "p_env_sustain": 0.1 + d.frnd(0.1), "p_env_decay": d.frnd(0.2),
            "p_hpf_freq": 0.1}


_GENERATORS: dict[str, Callable[[_Dice], dict]] = {
    "pickup": _pickup, "laser": _laser, "explosion": _explosion, "powerup": _powerup, "hit": _hit,
    "jump": _jump, "blip": _blip}


def _as_rng(seed: int | np.random.Generator) -> np.random.Generator:
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _check_locked(locked: Iterable[str]) -> set[str]:
    locked = set(locked)
    bad = sorted(locked - set(LOCKABLE))
    if bad:
        raise MuseforgeError(f"cannot lock unknown parameter(s) {', '.join(bad)}; valid: {', '.join(LOCKABLE)}")
    return locked


def _with_locks(drawn: dict, base: SfxrParams | None, locked: Iterable[str]) -> SfxrParams:
    locked = _check_locked(locked)
    if locked and base is None:
        raise MuseforgeError("locked parameters need a base sound to keep their values from")
    # like jsfxr's buttons: unlocked knobs restart from defaults; volume and export settings stay
    fresh = _FRESH if not locked else {n: v for n, v in _FRESH.items() if n not in locked}
    drawn = {name: value for name, value in drawn.items() if name not in locked}
    start = base if base is not None else _RECIPE_START  # as jsfxr's generate()
    return SfxrParams(**{**start.as_dict(), **fresh, **drawn})


def _drawn_values(name: str, seed: int | np.random.Generator) -> dict:
    """generate(name, seed)'s values as a dict (no base, nothing locked), before they are validated."""
    return {**_UNLOCKED_START, **_GENERATORS[name](_Dice(_as_rng(seed)))}


def generate(category: str, seed: int | np.random.Generator = 0, *, base: SfxrParams | None = None,
             locked: Iterable[str] = ()) -> SfxrParams:
    """A random sound of one sfxr category, like jsfxr's buttons.

    Args:
        category: pickup, laser, explosion, powerup, hit, jump or blip (or coin, shoot, hurt, select).
        seed: an int or a numpy Generator; the same seed gives the same parameters.
        base: the sound whose ``locked`` parameters (and export settings) are kept.
        locked: parameter names that keep ``base``'s values.
    """
    name = ALIASES.get(category, category)
    check_choice("retro category", name, _GENERATORS)
    return _with_locks(_GENERATORS[name](_Dice(_as_rng(seed))), base, locked)


def randomize(seed: int | np.random.Generator = 0, *, base: SfxrParams | None = None,
              locked: Iterable[str] = ()) -> SfxrParams:
    """jsfxr's "Random" button, folded into the documented ranges.

    jsfxr draws several 0..1 parameters from -1..1; :func:`fold_knobs` keeps the sound exactly
    where the synth ignores the sign (envelope, base pitch, vibrato, resonance, high-pass) and
    clips the rest (for repeat and arpeggio speed that shortens a few of jsfxr's slowest ones).
    """
    d = _Dice(_as_rng(seed))
    sym = lambda power: (d.frnd(2) - 1) ** power  # noqa: E731 (jsfxr's pow(frnd(2) - 1, n))
    v: dict = {"wave_type": WAVE_TYPES[d.rnd(3)]}
    v["p_base_freq"] = sym(3) + 0.5 if d.rnd(1) else d.frnd(1) ** 2
    v["p_freq_ramp"] = sym(5)
    if (v["p_base_freq"] > 0.7 and v["p_freq_ramp"] > 0.2) or (v["p_base_freq"] < 0.2 and v["p_freq_ramp"] < -0.05):
        v["p_freq_ramp"] = -v["p_freq_ramp"]
    v.update(p_freq_dramp=sym(3), p_duty=sym(1), p_duty_ramp=sym(3), p_vib_strength=sym(3), p_vib_speed=sym(1),
             p_env_attack=sym(3), p_env_sustain=sym(2), p_env_decay=sym(1), p_env_punch=d.frnd(0.8) ** 2)
    if v["p_env_attack"] + v["p_env_sustain"] + v["p_env_decay"] < 0.2:
        v["p_env_sustain"] += 0.2 + d.frnd(0.3)
        v["p_env_decay"] += 0.2 + d.frnd(0.3)
    v.update(p_lpf_resonance=sym(1), p_lpf_freq=1 - d.frnd(1) ** 3, p_lpf_ramp=sym(3))
    if v["p_lpf_freq"] < 0.1 and v["p_lpf_ramp"] < -0.05:
        v["p_lpf_ramp"] = -v["p_lpf_ramp"]
    v.update(p_hpf_freq=d.frnd(1) ** 5, p_hpf_ramp=sym(5), p_pha_offset=sym(3), p_pha_ramp=sym(3),
             p_repeat_speed=sym(1), p_arp_speed=sym(1), p_arp_mod=sym(1))
    return _with_locks(fold_knobs(v), base, locked)


def mutate(params: SfxrParams, seed: int | np.random.Generator = 0, *, locked: Iterable[str] = (),
           amount: float = 0.05) -> SfxrParams:
    """jsfxr's "Mutate": each unlocked parameter, with probability 1/2, moves by up to +-``amount``."""
    locked = _check_locked(locked)
    amount = check_range("mutate amount", amount, 0.0, 1.0)
    rng = _as_rng(seed)
    changes = {}
    for name in MUTABLE:
        nudge, step = rng.integers(2), rng.uniform(-amount, amount)  # always draw: locks don't shift the stream
        if nudge and name not in locked:
            changes[name] = getattr(params, name) + step
    return params.replace(**clamp_knobs(changes))


# --- recipes -----------------------------------------------------------------------------------

def fit_duration(audio: Audio, duration_s: float | None) -> Audio:
    """Natural length (at least one frame) or exactly ``duration_s``: pad with silence or trim with a fade."""
    x = audio.samples
    if duration_s is None:
        return audio if x.shape[1] else audio.with_samples(np.zeros((1, 1), np.float32))
    n_frames = max(1, int(round(duration_s * audio.sample_rate)))
    if n_frames >= x.shape[1]:
        return audio.with_samples(np.pad(x, ((0, 0), (0, n_frames - x.shape[1]))))
    fade = min(int(0.01 * audio.sample_rate), max(1, n_frames // 4))
    y = x[:, :n_frames].copy()
    y[:, n_frames - fade:] *= np.linspace(1.0, 0.0, fade, dtype=np.float32)
    return audio.with_samples(y)


class _RetroRecipe(Recipe):
    category: ClassVar[str] = "other"
    natural_length: ClassVar[bool] = True  # duration_s=None renders the envelope's own length
    default_duration_s: ClassVar[float] = 1.0
    max_duration_s: ClassVar[float] = 60.0
    ucs_cat_id: ClassVar[str] = "UIMisc"

    def sfxr_params(self, params: dict, seed: int) -> SfxrParams:
        raise NotImplementedError

    def noise_seed(self, seed: int) -> int | list[int]:
        return seed

    def synthesize(self, params: dict, *, duration_s: float | None, sample_rate: int, seed: int) -> Audio:
        # render_sfxr(p, sample_rate=sample_rate, seed=noise_seed, clip=False), then the headroom
        # guard (Audio.normalize_peak), on the float32 samples before one Audio is built: the same
        # samples without the intermediate Audio objects, their checks and a second peak scan.
        p = self.sfxr_params(params, seed)
        noise_seed = self.noise_seed(seed)
        rng = np.random.default_rng(noise_seed) if p.wave_type == "noise" else noise_seed
        x = resample(render_sfxr_ticks(p, rng), int(sample_rate)).astype(np.float32)
        current = amplitude_to_db(max(float(x.max()), -float(x.min())) if x.size else 0.0)
        if current > HEADROOM_DBFS and np.isfinite(current):  # recipes never clip: turn the whole sound down
            x *= np.float32(db_to_amplitude(HEADROOM_DBFS - current))
        return fit_duration(Audio(x[None, :], sample_rate), duration_s)


def _transpose(value: float, semitones: float) -> float:
    """A p_base_freq-style knob moved by semitones (sfxr pitch is proportional to value^2 + 0.001)."""
    return min(1.0, math.sqrt(max((value * value + 0.001) * 2.0 ** (semitones / 12.0) - 0.001, 0.0)))


def _category_recipe(category: str, name: str, judge_category: str, ucs: str, doc: str) -> type[Recipe]:
    class Category(_RetroRecipe):
        __doc__ = doc
        params = (
            Param("pitch_semitones", 0.0, -24.0, 24.0, doc="transpose the drawn sound"),
            Param("length_scale", 1.0, 0.25, 4.0, doc="stretch the envelope (attack, sustain, decay)"),
            Param("sound_vol", CATEGORY_SOUND_VOL[category], 0.0, 1.0, doc="jsfxr volume: gain = exp(v) - 1"),
            Param("wave_type", "auto", choices=("auto", *WAVE_TYPES), doc="auto = the generator's choice"),
        )

        def sfxr_params(self, params: dict, seed: int) -> SfxrParams:
            # generate(category, seed).replace(...) with one SfxrParams built instead of two: the
            # generators only draw in-range values, so validating the final values is enough.
            v = _drawn_values(category, seed)
            stretch = math.sqrt(params["length_scale"])  # envelope ticks grow with value^2
            for n in ("p_env_attack", "p_env_sustain", "p_env_decay"):
                v[n] = min(1.0, v[n] * stretch)
            v["p_base_freq"] = _transpose(v["p_base_freq"], params["pitch_semitones"])
            if v["p_freq_limit"] > 0:
                v["p_freq_limit"] = _transpose(v["p_freq_limit"], params["pitch_semitones"])
            if params["wave_type"] != "auto":
                v["wave_type"] = params["wave_type"]
            v["sound_vol"] = params["sound_vol"]
            return SfxrParams(**v)

        def noise_seed(self, seed: int) -> list[int]:
            return [seed, 1]  # a stream apart from the one that drew the parameters

    Category.name, Category.category, Category.ucs_cat_id = name, judge_category, ucs
    Category.sfxr_category = category  # the generator's preset it draws from (retro_coin: pickup)
    Category.__name__ = Category.__qualname__ = "Retro" + name.split("_")[1].capitalize()
    return Category


for _cat, _judge, _ucs, _doc in (
        ("pickup", "ui", "UIMisc", "Coin/pickup bell: a bright blip with punch and often an upward arpeggio."),
        ("laser", "weapon", "LASRGun", "Laser/shoot: a fast downward pitch sweep, sometimes phased."),
        ("explosion", "explosion", "EXPLMisc", "Explosion: low noise with punch, often repeated or phased."),
        ("powerup", "ui", "UIMisc", "Power-up: a rising sweep, often repeated or with vibrato."),
        ("hit", "impact", "UIMisc", "Hit/hurt: a short falling square, saw or noise burst."),
        ("jump", "other", "UIMisc", "Jump: a short rising square."),
        ("blip", "ui", "UIBeep", "Blip/select: a short steady beep for menus.")):
    register(_category_recipe(_cat, f"retro_{_cat}", _judge, _ucs, _doc))


register(_category_recipe("pickup", "retro_coin", "ui", "UIMisc", "Alias of retro_pickup."))


def values_of(params: SfxrParams) -> dict:
    """Recipe values for ``get_recipe("retro")`` from parameters (e.g. an imported jsfxr file)."""
    return {k: v for k, v in params.as_dict().items() if k not in ("sample_rate", "sample_size")}


def _knob_param(name: str) -> Param:
    low, high = knob_range(name)
    default = RECIPE_SOUND_VOL if name == "sound_vol" else getattr(SfxrParams(), name)
    return Param(name, default, low, high, doc="jsfxr parameter")


@register
class Retro(_RetroRecipe):
    """Any sfxr sound from the full jsfxr parameter set; presets are one fixed sound per category."""

    name = "retro"
    params = (Param("wave_type", "square", choices=WAVE_TYPES), *(_knob_param(n) for n in KNOBS))
    presets = {cat: values_of(generate(cat, 2024).replace(sound_vol=CATEGORY_SOUND_VOL[cat])) for cat in CATEGORIES}

    def sfxr_params(self, params: dict, seed: int) -> SfxrParams:
        return SfxrParams(**params)
