"""Style templates: which parts play, on which GM programs, in which registers, from which grooves.

A part's ``level`` is the lowest section intensity it plays at (0 intro, 1 verse, 2 build,
3 full), which is how instruments enter and drop out as a piece develops.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from museforge.errors import check_choice

# Roles a part can have; each has a writer in ``parts.py`` (satb voices in ``chorale.py``).
ROLES = ("melody", "double", "pad", "comp", "strum", "power", "arp", "guide", "bass", "drone",
         "drums", "alto", "tenor", "satb_bass")


@dataclass(frozen=True)
class Part:
    """One track of an arrangement.

    Attributes:
        name: Track name.
        role: What it plays (one of :data:`ROLES`).
        program: General MIDI program (0-127); for drums the kit number.
        low: Lowest MIDI pitch it may play.
        high: Highest MIDI pitch it may play.
        level: Lowest section intensity (0-3) at which it plays.
        velocity: Base MIDI velocity before dynamics and humanising.
        rate: For ``arp``/``pad``: notes per quarter (0.5 = half notes); 0 = once per chord.
        octave: For ``double``: octaves above the melody (negative: below).
    """

    name: str
    role: str
    program: int
    low: int = 0
    high: int = 127
    level: int = 1
    velocity: int = 80
    rate: float = 0.0
    octave: int = 0

    @property
    def is_drum(self) -> bool:
        return self.role == "drums"


@dataclass(frozen=True)
class Style:
    """An arrangement template.

    Attributes:
        name: Style name users pass.
        parts: The tracks, melody first.
        lib_files: MMA library files whose grooves drive drums, bass and comping, best first.
        tempo_range_bpm: Tempo the style asks for (the material's tempo is clamped into it unless
            the caller gives ``tempo_bpm``); None keeps the material's tempo.
        timing_sd_quarters: Humanising timing jitter (standard deviation, in quarter notes).
        velocity_sd: Humanising velocity jitter (standard deviation, MIDI velocity units).
        drum_pitches: If set, drum hits are mapped onto these kit pieces (chiptune noise channel).
    """

    name: str
    parts: tuple[Part, ...]
    lib_files: tuple[str, ...] = ()
    tempo_range_bpm: tuple[float, float] | None = None
    timing_sd_quarters: float = 0.012
    velocity_sd: float = 6.0
    drum_pitches: dict[int, int] | None = field(default=None)

    @property
    def programs(self) -> set[tuple[int, bool]]:
        """(program, is_drum) pairs this style may emit."""
        return {(p.program, p.is_drum) for p in self.parts}


_BASS = (28, 55)  # E1..G3
STYLES: dict[str, Style] = {s.name: s for s in (
    Style("orchestral", (
        Part("Violins I", "melody", 40, 55, 103, velocity=84),
        Part("Flute", "double", 73, 60, 96, level=3, velocity=72, octave=1),
        Part("Strings", "pad", 48, 50, 74, level=0, velocity=62),
        Part("Horns", "guide", 60, 45, 70, level=2, velocity=60),
        Part("Harp", "arp", 46, 43, 84, level=2, velocity=58, rate=2.0),
        Part("Cellos", "bass", 42, 36, 60, level=1, velocity=74),
        Part("Contrabass", "drone", 43, 28, 48, level=3, velocity=70),
    ), ("stringballad", "ballad", "march", "bwmarch", "68march", "vienesewaltz", "waltz",
        "ballad68"), None, 0.015, 5.0),
    Style("piano", (
        Part("Piano RH", "melody", 0, 21, 108, velocity=80),
        Part("Piano LH", "arp", 0, 43, 67, level=0, velocity=60, rate=2.0),
        Part("Piano Bass", "bass", 0, 28, 50, level=2, velocity=66),
    ), ("pianoballad", "lullaby", "ballad68", "waltz"),
        None, 0.012, 7.0),
    Style("baroque_chorale", (
        Part("Soprano", "melody", 52, 60, 81, velocity=80),
        Part("Alto", "alto", 52, 55, 74, level=0, velocity=72),
        Part("Tenor", "tenor", 52, 48, 69, level=0, velocity=72),
        Part("Bass", "satb_bass", 52, 40, 62, level=0, velocity=76),
    ), (), None, 0.0, 4.0),  # voices keep a common beat: no timing jitter
    Style("folk", (
        Part("Fiddle", "melody", 110, 55, 100, velocity=86),
        Part("Guitar", "strum", 25, 40, 69, level=0, velocity=70),
        Part("Accordion", "comp", 21, 53, 76, level=2, velocity=62),
        Part("Bass", "bass", 32, *_BASS, level=1, velocity=80),
        Part("Drums", "drums", 0, 35, 81, level=2, velocity=76),
    ), ("folk", "bluegrass", "folkballad", "hillcountry", "folkrock", "countrywaltz",
        "frenchwaltz", "68march"), None, 0.015, 8.0),
    Style("pop", (
        Part("Lead Vocal", "melody", 53, 48, 88, velocity=90),
        Part("Electric Piano", "comp", 4, 52, 76, level=0, velocity=66),
        Part("Clean Guitar", "strum", 27, 45, 72, level=2, velocity=64),
        Part("Strings", "pad", 49, 55, 79, level=3, velocity=56),
        Part("Bass", "bass", 33, *_BASS, level=1, velocity=88),
        Part("Drums", "drums", 0, 35, 81, level=2, velocity=84),
    ), ("8beat", "softrock", "popballad", "bubblerock", "rb", "rb-ballad", "rockwaltz",
        "ballad68"), None, 0.01, 6.0),
    Style("rock", (
        Part("Lead Guitar", "melody", 29, 52, 91, velocity=96),
        Part("Rhythm Guitar", "power", 30, 40, 67, level=1, velocity=88),
        Part("Organ", "pad", 16, 55, 79, level=3, velocity=58),
        Part("Bass", "bass", 34, *_BASS, level=1, velocity=96),
        Part("Drums", "drums", 0, 35, 81, level=0, velocity=92),
    ), ("50srock", "60srock", "basicrock", "rock-128", "folkrock", "rockballad", "8beat",
        "rockwaltz", "blues68"), None, 0.01, 7.0),
    Style("electronic", (
        Part("Lead", "melody", 81, 55, 96, velocity=92),
        Part("Pad", "pad", 89, 52, 79, level=0, velocity=60),
        Part("Arp", "arp", 81, 60, 88, level=3, velocity=58, rate=4.0),
        Part("Synth Bass", "bass", 38, 28, 52, level=1, velocity=96),
        Part("Drums", "drums", 0, 35, 81, level=1, velocity=96),
    ), ("trance", "boneym"), (118.0, 132.0), 0.0, 3.0),
    Style("ambient", (
        Part("Lead", "melody", 88, 55, 96, velocity=70),
        Part("Warm Pad", "pad", 89, 48, 76, level=0, velocity=54, rate=0.0),
        Part("Halo Pad", "pad", 94, 60, 84, level=2, velocity=44, rate=0.25),
        Part("Glass", "arp", 98, 67, 96, level=1, velocity=40, rate=0.5),
        Part("Drone", "drone", 89, 31, 50, level=0, velocity=58),
    ), (), (56.0, 84.0), 0.03, 5.0),
    Style("chiptune", (
        Part("Pulse Lead", "melody", 80, 48, 96, velocity=88),
        Part("Pulse Arp", "arp", 81, 55, 84, level=2, velocity=60, rate=4.0),
        Part("Triangle Bass", "bass", 38, 33, 60, level=1, velocity=96),
        Part("Noise", "drums", 0, 35, 81, level=1, velocity=80),
    ), ("8beat", "polka", "march", "twist", "50srock", "68march", "fastwaltz"), None, 0.0, 0.0,
        {35: 36, 36: 36, 38: 38, 40: 38, 37: 38, 39: 38, 42: 42, 44: 42, 46: 46, 49: 46, 51: 42,
         57: 46, 53: 42, 59: 42}),
)}


def get_style(name: str) -> Style:
    """The template for ``name``; unknown names raise listing the valid styles."""
    return STYLES[check_choice("style", name, STYLES)]
