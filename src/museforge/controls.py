"""The one typed, validated set of controls every interface shares (CLI, Python API, HTTP, prompts).

:class:`MusicControls` and :class:`SfxControls` are frozen dataclasses checked on construction:
a bad value raises :class:`~museforge.errors.MuseforgeError` naming the field and what is allowed.
``to_dict``/``from_dict`` give a JSON round trip for the HTTP API and provenance sidecars.

Product styles are what users pick; each maps to a corpus style family (the composer's style
token, ``museforge.music.tokenizer.STYLES``) and an arrangement template
(``museforge.music.arrange.STYLES``). The tables live here rather than importing those modules
so that building controls stays cheap (no miditok/symusic import); a test checks they agree.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field, fields

from museforge.errors import MuseforgeError, check_choice, check_range

# product style -> (corpus style family for the composer, arrangement style)
STYLE_MAP: dict[str, tuple[str, str]] = {
    "classical": ("classical", "orchestral"),
    "baroque": ("baroque", "orchestral"),
    "baroque_chorale": ("baroque_chorale", "baroque_chorale"),
    "renaissance": ("renaissance", "baroque_chorale"),
    "medieval": ("medieval", "folk"),
    "romantic": ("romantic", "piano"),
    "piano": ("romantic", "piano"),
    "orchestral": ("romantic", "orchestral"),
    "cinematic": ("romantic", "orchestral"),
    "folk": ("folk", "folk"),
    "celtic_folk": ("celtic_folk", "folk"),
    "country": ("country", "folk"),
    "world": ("world", "folk"),
    "pop": ("pop", "pop"),
    "ballad": ("ballad", "piano"),
    "latin": ("latin", "pop"),
    "funk": ("funk", "pop"),
    "rock": ("rock", "rock"),
    "blues": ("blues", "rock"),
    "electronic": ("electronic", "electronic"),
    "ambient": ("ballad", "ambient"),  # slow, sustained material suits drones and pads
    "chiptune": ("pop", "chiptune"),  # game tunes are simple song forms
    "jazz": ("jazz", "piano"),  # no jazz combo template yet: piano trio texture is closest
    "ragtime": ("ragtime", "piano"),
    "waltz": ("waltz", "orchestral"),
    "march": ("march", "orchestral"),
}
STYLES = tuple(STYLE_MAP)

# mood -> (valence, arousal) quadrant centre, as in museforge.music.labels
MOODS: dict[str, tuple[float, float]] = {"happy": (1.0, 1.0), "tense": (-1.0, 1.0),
                                         "sad": (-1.0, -1.0), "calm": (1.0, -1.0)}
MODES = ("major", "minor")
DENSITIES = ("sparse", "medium", "dense")
TONICS: dict[str, int] = {"C": 0, "C#": 1, "Db": 1, "D": 2, "D#": 3, "Eb": 3, "E": 4, "F": 5, "F#": 6,
                          "Gb": 6, "G": 7, "G#": 8, "Ab": 8, "A": 9, "A#": 10, "Bb": 10, "B": 11}
TIME_SIGNATURE_DENOMINATORS = (1, 2, 4, 8, 16)
DRUMS = -1  # program number used for drum tracks (as in museforge.music.tokenizer)

TEMPO_RANGE_BPM = (30.0, 300.0)
MUSIC_DURATION_RANGE_S = (1.0, 1200.0)
BARS_RANGE = (1, 512)
MAX_CHORDS = 64
MAX_SEED = 2**63 - 1
MAX_VARIATIONS = 256
MAX_LAYERS = 8

# instrument name -> General MIDI program (0-127; DRUMS for the kit). Names without a GM patch
# of their own (erhu, pipa, guzheng, dizi) use the closest GM instrument.
INSTRUMENTS: dict[str, int] = {
    "piano": 0, "bright piano": 1, "electric piano": 4, "harpsichord": 6, "celesta": 8,
    "glockenspiel": 9, "music box": 10, "vibraphone": 11, "marimba": 12, "xylophone": 13,
    "bells": 14, "organ": 16, "church organ": 19, "accordion": 21, "harmonica": 22,
    "guitar": 24, "acoustic guitar": 25, "electric guitar": 27, "distorted guitar": 30,
    "bass": 33, "acoustic bass": 32, "synth bass": 38, "violin": 40, "viola": 41, "cello": 42,
    "contrabass": 43, "harp": 46, "timpani": 47, "strings": 48, "choir": 52, "trumpet": 56,
    "trombone": 57, "tuba": 58, "french horn": 60, "brass": 61, "saxophone": 65, "oboe": 68,
    "english horn": 69, "bassoon": 70, "clarinet": 71, "piccolo": 72, "flute": 73, "recorder": 74,
    "pan flute": 75, "shakuhachi": 77, "whistle": 78, "ocarina": 79, "synth lead": 80,
    "saw lead": 81, "synth pad": 89, "sitar": 104, "banjo": 105, "pipa": 106, "guzheng": 107,
    "koto": 107, "bagpipe": 109, "fiddle": 110, "erhu": 110, "dizi": 73, "steel drums": 114,
    "drums": DRUMS,
}

_SIG = re.compile(r"^\s*(\d{1,2})\s*/\s*(\d{1,2})\s*$")


def _check_int(name: str, value: object, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise MuseforgeError(f"{name} must be a whole number in [{low}, {high}], got {value!r}")
    if not low <= value <= high:
        raise MuseforgeError(f"{name} must be in [{low}, {high}], got {value}")
    return value


def _check_bool(name: str, value: object) -> bool:
    if not isinstance(value, bool):
        raise MuseforgeError(f"{name} must be true or false, got {value!r}")
    return value


def _check_seed(value: object) -> int | None:
    return None if value is None else _check_int("seed", value, 0, MAX_SEED)


def _names(name: str, value: object, valid: Mapping[str, object]) -> tuple[str, ...]:
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        raise MuseforgeError(f"{name} must be a list of names, got {value!r}")
    out = tuple(check_choice(name.rstrip("s"), v, valid) for v in value)
    if len(set(out)) != len(out):
        raise MuseforgeError(f"{name} lists a name twice: {list(out)}")
    return out


def normalize_time_signature(value: object) -> str:
    """``"6/8"`` (or ``(6, 8)``) -> ``"6/8"``; numerator 1-16, denominator 1, 2, 4, 8 or 16."""
    text = f"{value[0]}/{value[1]}" if isinstance(value, (tuple, list)) and len(value) == 2 else value
    match = _SIG.match(text) if isinstance(text, str) else None
    if not match or not 1 <= int(match.group(1)) <= 16 or int(match.group(2)) not in TIME_SIGNATURE_DENOMINATORS:
        raise MuseforgeError(f"time_signature must look like '4/4' or '6/8' (numerator 1-16, denominator "
                             f"{', '.join(map(str, TIME_SIGNATURE_DENOMINATORS))}), got {value!r}")
    return f"{int(match.group(1))}/{int(match.group(2))}"


def roman_to_chords(numerals: list[str] | tuple[str, ...], tonic: str, mode: str) -> tuple[str, ...]:
    """Resolve roman numerals (``I V vi IV``, ``ii7``, ``bVII``, ``V7/V`` not supported) in a key.

    Upper case is a major triad, lower case minor; ``°``/``o`` diminished, ``+`` augmented, and a
    trailing 7 adds the seventh (dominant on major numerals, minor seventh on minor ones). Plain
    numerals follow the key's scale (natural minor in minor keys); a ``b``/``#`` prefix is relative
    to the major scale on the tonic, the usual convention for borrowed chords (``bVII`` in C is Bb).
    """
    check_choice("tonic", tonic, TONICS)
    check_choice("mode", mode, MODES)
    scale = (0, 2, 4, 5, 7, 9, 11) if mode == "major" else (0, 2, 3, 5, 7, 8, 10)
    flats = "b" in tonic or tonic == "F" or (mode == "minor" and tonic in ("C", "D", "G"))
    flat_names = ("C", "Db", "D", "Eb", "E", "F", "Gb", "G", "Ab", "A", "Bb", "B")
    sharp_names = ("C", "C#", "D", "D#", "E", "F", "F#", "G", "G#", "A", "A#", "B")
    out = []
    for numeral in numerals:
        match = re.fullmatch(r"([b#♭♯]?)(VII|VI|IV|V|III|II|I|vii|vi|iv|v|iii|ii|i)(°|o|\+)?(7)?", numeral)
        if not match:
            raise MuseforgeError(f"cannot read roman numeral {numeral!r}; use I-VII (major) or i-vii (minor), "
                                 "optional b/# before, °/+ after and 7, e.g. I V vi IV or ii7 V7 I")
        accidental, roman, alter, seventh = match.groups()
        degree = ("I", "II", "III", "IV", "V", "VI", "VII").index(roman.upper())
        shift = {"b": -1, "♭": -1, "#": 1, "♯": 1}.get(accidental, 0)
        base = (0, 2, 4, 5, 7, 9, 11)[degree] if accidental else scale[degree]
        names = flat_names if flats or shift < 0 else sharp_names
        root = names[(TONICS[tonic] + base + shift) % 12]
        minor = roman.islower()
        quality = {"°": "dim", "o": "dim", "+": "aug"}.get(alter or "", "m" if minor else "")
        if seventh:
            quality = {"dim": "dim7", "aug": "aug", "m": "m7", "": "7"}[quality]
        out.append(root + quality)
    return tuple(out)


@dataclass(frozen=True)
class MusicControls:
    """What to compose. None means "let the composer choose" (and say what it chose).

    Attributes:
        style: Product style (:data:`STYLES`).
        mood: happy, tense, sad or calm (valence/arousal quadrants).
        tonic: Key tonic, e.g. ``"D"``, ``"F#"``, ``"Bb"``; None = any.
        mode: ``"major"`` or ``"minor"``; may be set without a tonic.
        tempo_bpm: Quarter notes per minute, 30-300.
        time_signature: ``"4/4"``, ``"3/4"``, ``"6/8"``...
        duration_s: Exact length in seconds (1-1200); excludes ``n_bars``.
        n_bars: Length in bars (1-512); excludes ``duration_s``.
        instruments: Instrument names (:data:`INSTRUMENTS`) that must play.
        exclude: Instrument names that must not play ("no drums").
        density: Note density: sparse, medium or dense.
        chords: Chord symbols, one per bar, e.g. ``("C", "G", "Am", "F")``.
        loop: Make the piece loop seamlessly.
        seed: Random seed; None = pick one (and report it).
    """

    style: str | None = None
    mood: str | None = None
    tonic: str | None = None
    mode: str | None = None
    tempo_bpm: float | None = None
    time_signature: str | None = None
    duration_s: float | None = None
    n_bars: int | None = None
    instruments: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    density: str | None = None
    chords: tuple[str, ...] = ()
    loop: bool = False
    seed: int | None = None

    def __post_init__(self) -> None:
        set_ = object.__setattr__  # frozen: normalise in place once, here
        if self.style is not None:
            check_choice("style", self.style, STYLES)
        if self.mood is not None:
            check_choice("mood", self.mood, MOODS)
        if self.tonic is not None:
            check_choice("tonic", self.tonic, TONICS)
        if self.mode is not None:
            check_choice("mode", self.mode, MODES)
        if self.tempo_bpm is not None:
            set_(self, "tempo_bpm", check_range("tempo_bpm", self.tempo_bpm, *TEMPO_RANGE_BPM, "bpm"))
        if self.time_signature is not None:
            set_(self, "time_signature", normalize_time_signature(self.time_signature))
        if self.duration_s is not None:
            set_(self, "duration_s", check_range("duration_s", self.duration_s, *MUSIC_DURATION_RANGE_S, "s"))
        if self.n_bars is not None:
            _check_int("n_bars", self.n_bars, *BARS_RANGE)
        if self.duration_s is not None and self.n_bars is not None:
            raise MuseforgeError("give duration_s or n_bars, not both")
        set_(self, "instruments", _names("instruments", self.instruments, INSTRUMENTS))
        set_(self, "exclude", _names("exclude", self.exclude, INSTRUMENTS))
        both = sorted(set(self.instruments) & set(self.exclude))
        if both:
            raise MuseforgeError(f"instruments both requested and excluded: {', '.join(both)}")
        if self.density is not None:
            check_choice("density", self.density, DENSITIES)
        set_(self, "chords", self._check_chords(self.chords))
        _check_bool("loop", self.loop)
        _check_seed(self.seed)

    @staticmethod
    def _check_chords(chords: object) -> tuple[str, ...]:
        if isinstance(chords, str) or not isinstance(chords, (list, tuple)):
            raise MuseforgeError(f"chords must be a list of chord symbols such as ['C', 'G', 'Am', 'F'], "
                                 f"got {chords!r}")
        if len(chords) > MAX_CHORDS:
            raise MuseforgeError(f"at most {MAX_CHORDS} chords, got {len(chords)}")
        if chords:
            from museforge.music.arrange.chords import parse_chord  # lazy: pulls in symusic

            for symbol in chords:
                parse_chord(symbol)
        return tuple(chords)

    @property
    def kind(self) -> str:
        return "music"

    @property
    def composer_style(self) -> str | None:
        """Corpus style family the composer is conditioned on."""
        return None if self.style is None else STYLE_MAP[self.style][0]

    @property
    def arrangement_style(self) -> str | None:
        """Arrangement template (``museforge.music.arrange.STYLES``)."""
        return None if self.style is None else STYLE_MAP[self.style][1]

    @property
    def programs(self) -> tuple[int, ...]:
        """GM programs of ``instruments`` (DRUMS = -1 for the kit), in the order given."""
        return tuple(INSTRUMENTS[name] for name in self.instruments)

    @property
    def excluded_programs(self) -> tuple[int, ...]:
        return tuple(INSTRUMENTS[name] for name in self.exclude)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["instruments"], out["exclude"], out["chords"] = list(self.instruments), list(self.exclude), \
            list(self.chords)
        return {"kind": "music", **out}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> MusicControls:
        return cls(**_fields_of(cls, data, "music"))


@dataclass(frozen=True)
class SfxLayer:
    """Another recipe mixed under the main one (rain + distant thunder)."""

    recipe: str
    preset: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    offset_s: float = 0.0
    gain_db: float = 0.0

    def __post_init__(self) -> None:
        object.__setattr__(self, "params", _check_recipe(self.recipe, self.preset, self.params))
        object.__setattr__(self, "offset_s", check_range("layer offset_s", self.offset_s, 0.0, 3600.0, "s"))
        object.__setattr__(self, "gain_db", check_range("layer gain_db", self.gain_db, -96.0, 24.0, "dB"))

    def to_dict(self) -> dict:
        return {"recipe": self.recipe, "preset": self.preset, "params": dict(self.params),
                "offset_s": self.offset_s, "gain_db": self.gain_db}


@dataclass(frozen=True)
class SfxControls:
    """What sound effect to render.

    Attributes:
        recipe: A name from ``museforge.sfx.recipe.recipe_names()``.
        preset: One of the recipe's presets, applied before ``params``.
        params: Parameter overrides, checked against the recipe's ranges/choices.
        duration_s: Length in seconds; None = the recipe's natural/default length.
        loop: Render a seamless loop (ambience recipes only).
        variations: How many seeded variations (seed, seed + 1, ...).
        seed: Random seed; None = pick one (and report it).
        layers: Further recipes mixed in, e.g. thunder under rain.
    """

    recipe: str
    preset: str | None = None
    params: Mapping[str, object] = field(default_factory=dict)
    duration_s: float | None = None
    loop: bool = False
    variations: int = 1
    seed: int | None = None
    layers: tuple[SfxLayer, ...] = ()

    def __post_init__(self) -> None:
        from museforge.sfx.recipe import get_recipe

        set_ = object.__setattr__
        set_(self, "params", _check_recipe(self.recipe, self.preset, self.params))
        recipe = type(get_recipe(self.recipe))
        if self.duration_s is not None:
            set_(self, "duration_s", recipe.check_duration(self.duration_s))
        if _check_bool("loop", self.loop) and not recipe.loopable:
            raise MuseforgeError(f"recipe {self.recipe!r} is a one-shot and cannot loop; loopable recipes: "
                                 f"{', '.join(loopable_recipes())}")
        _check_int("variations", self.variations, 1, MAX_VARIATIONS)
        _check_seed(self.seed)
        if not isinstance(self.layers, (list, tuple)) or len(self.layers) > MAX_LAYERS:
            raise MuseforgeError(f"layers must be a list of at most {MAX_LAYERS} layers, got {self.layers!r}")
        set_(self, "layers", tuple(lay if isinstance(lay, SfxLayer) else SfxLayer(**_layer_fields(lay))
                                   for lay in self.layers))

    @property
    def kind(self) -> str:
        return "sfx"

    def resolved_params(self) -> dict:
        """Every parameter of the recipe: defaults, then the preset, then ``params``."""
        from museforge.sfx.recipe import get_recipe

        return get_recipe(self.recipe).resolve(self.params, self.preset)

    def to_dict(self) -> dict:
        return {"kind": "sfx", "recipe": self.recipe, "preset": self.preset, "params": dict(self.params),
                "duration_s": self.duration_s, "loop": self.loop, "variations": self.variations,
                "seed": self.seed, "layers": [lay.to_dict() for lay in self.layers]}

    @classmethod
    def from_dict(cls, data: Mapping[str, object]) -> SfxControls:
        values = _fields_of(cls, data, "sfx")
        if "recipe" not in values:
            raise MuseforgeError("sfx controls need a recipe")
        return cls(**values)


def controls_from_dict(data: Mapping[str, object]) -> MusicControls | SfxControls:
    """Either kind from its ``to_dict`` form, chosen by ``data["kind"]``."""
    if not isinstance(data, Mapping):
        raise MuseforgeError(f"controls must be a JSON object, got {type(data).__name__}")
    kind = check_choice("kind", data.get("kind"), ("music", "sfx"))
    return MusicControls.from_dict(data) if kind == "music" else SfxControls.from_dict(data)


def loopable_recipes() -> list[str]:
    from museforge.sfx.recipe import get_recipe, recipe_names

    return [name for name in recipe_names() if type(get_recipe(name)).loopable]


def _check_recipe(recipe: object, preset: object, params: object) -> dict:
    from museforge.sfx.recipe import get_recipe

    if not isinstance(params, Mapping):
        raise MuseforgeError(f"params must be an object of name: value, got {params!r}")
    if preset is not None and not isinstance(preset, str):
        raise MuseforgeError(f"preset must be a name, got {preset!r}")
    cls = type(get_recipe(recipe))  # unknown recipe -> error listing the valid ones
    if preset is not None and not cls.presets:
        raise MuseforgeError(f"recipe {recipe!r} has no presets")
    cls.resolve(params, preset)  # ranges, choices, preset name
    return dict(params)


def _fields_of(cls: type, data: Mapping[str, object], kind: str) -> dict:
    if not isinstance(data, Mapping):
        raise MuseforgeError(f"{kind} controls must be a JSON object, got {type(data).__name__}")
    if data.get("kind", kind) != kind:
        raise MuseforgeError(f"expected kind {kind!r}, got {data.get('kind')!r}")
    valid = {f.name for f in fields(cls)}
    unknown = sorted(set(data) - valid - {"kind"})
    if unknown:
        raise MuseforgeError(f"unknown {kind} control(s) {', '.join(unknown)}; valid: {', '.join(sorted(valid))}")
    values = {k: v for k, v in data.items() if k != "kind"}
    for name in ("instruments", "exclude", "chords"):
        if isinstance(values.get(name), list):
            values[name] = tuple(values[name])
    if kind == "sfx" and isinstance(values.get("layers"), list):
        values["layers"] = tuple(values["layers"])
    return values


def _layer_fields(data: object) -> dict:
    if not isinstance(data, Mapping):
        raise MuseforgeError(f"a layer must be an object with a recipe, got {data!r}")
    valid = {f.name for f in fields(SfxLayer)}
    unknown = sorted(set(data) - valid)
    if unknown or "recipe" not in data:
        raise MuseforgeError(f"layer fields: recipe (required), {', '.join(sorted(valid - {'recipe'}))}; "
                             f"got {sorted(data)}")
    return dict(data)
