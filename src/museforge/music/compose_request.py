"""A composition request with every value decided, validated, and turned into a grammar :class:`Plan`.

:func:`resolve` takes the shared :class:`~museforge.controls.MusicControls` (or nothing) plus
overrides and fills what the user left open from the seed (reporting what it chose); the result is
the record saved with a piece. Length in seconds becomes whole bars at the tempo and meter, or an
error naming the nearest durations that fit.
"""

from __future__ import annotations

import math
import random
from dataclasses import asdict, dataclass, replace

from museforge.controls import BARS_RANGE, INSTRUMENTS, TEMPO_RANGE_BPM, TONICS, MusicControls
from museforge.errors import MuseforgeError, check_choice, check_range
from museforge.music.grammar import SINGLE_LINE_PROGRAMS, Plan
from museforge.music.tokenizer import DRUMS, MOODS, PITCH_CLASSES, STYLES, TIME_SIGNATURES, Controls, Tokenizer

MAJOR_SCALE = (0, 2, 4, 5, 7, 9, 11)
MINOR_SCALE = (0, 2, 3, 5, 7, 8, 10, 11)  # natural minor plus the harmonic minor's leading tone
DEFAULT_PROGRAMS = (0, 33)  # piano and bass when no instrument is named
DENSITY_NOTES_PER_BEAT = {"sparse": 0.75, "medium": 1.5, "dense": 3.0}  # per instrument
# The cues the mood labeller (music.labels.mood_scores) reads, leaned on softly when composing:
# mood -> (default tempo bpm, default density, velocity target, register shift in logits per octave).
MOOD_CUES = {"happy": (120.0, "medium", 92, 0.5), "tense": (140.0, "dense", 100, 0.0),
             "sad": (72.0, "sparse", 52, -0.5), "calm": (84.0, "sparse", 56, 0.0)}
SUPPORTED_SIGNATURES = tuple(f"{n}/{d}" for d, nums in TIME_SIGNATURES.items() for n in nums)
TONIC_NAMES = PITCH_CLASSES  # the tokenizer's spelling of key tokens (flats)
SECONDS_TOLERANCE = 1e-3
# The tonic-triad lean (logits) in chord-less bars when the user named the key but asked for neither chords nor
# keep-in-key (those get the grammar's full 2.0). 40 grid requests with a named key, shipped weights, music21 key
# agreement / pitch-class entropy (human test pieces 2.70 bits): lean 0 -> 50% / 2.83, 0.5 -> 80% / 2.65,
# 1.0 -> 92.5% / 2.48; keep-in-key with the full lean 100% / 1.97. bench/composer_metrics (16 x 6, keys named):
# pitch-class entropy overlap 0.90 (lean 0), 0.76 (0.5), 0.44 (1.0); 0.62 at 0.5 with the warm-restarted weights.
# 0.5 hears the key 4 times in 5 at a modest cost in pitch spread; keep-in-key hears it every time.
NAMED_KEY_HOME_BIAS = 0.5
# Styles whose corpus pieces are voices in counterpoint, each part a single line: share of successive notes in a
# part that overlap, validation split: baroque_chorale 0.000, renaissance 0.001, medieval 0.000 (pop 0.332). In
# these styles every part is a line unless it plays chords, and enters as a voice does (``Plan.voices``). The
# folk styles' pieces are single tunes: they say nothing of how an accompaniment a user adds should move.
VOICE_STYLES = frozenset({"baroque_chorale", "renaissance", "medieval"})


@dataclass(frozen=True)
class Request:
    """Everything a composition is conditioned on, all decided. Saved beside the piece.

    Attributes:
        style: Corpus style family (the composer's style token).
        mood: happy, tense, sad or calm.
        tonic: Key tonic in the tokenizer's spelling (``"Eb"``, not ``"D#"``).
        mode: major or minor.
        tempo_bpm: Quarter notes per minute written into the Score (exact).
        time_signature: ``"3/4"``, ``"6/8"``...
        n_bars: Bars to write.
        programs: GM programs allowed (-1 = drum kit).
        density: sparse, medium, dense (a soft bias), or None for no bias.
        chords: One chord symbol per bar (a shorter progression repeats), or empty.
        keep_in_key: Mask pitched notes outside the key's scale (chord tones always allowed).
        cadence: End on a held tonic (or last) chord filling the final bar.
        chosen: Names of the fields the composer picked because the request left them open.
    """

    style: str
    mood: str
    tonic: str
    mode: str
    tempo_bpm: float
    time_signature: str
    n_bars: int
    programs: tuple[int, ...]
    density: str | None = None
    chords: tuple[str, ...] = ()
    keep_in_key: bool = False
    cadence: bool = True
    chosen: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        check_choice("style", self.style, STYLES)
        check_choice("mood", self.mood, MOODS)
        check_choice("tonic", self.tonic, TONIC_NAMES)
        check_choice("mode", self.mode, ("major", "minor"))
        check_range("tempo_bpm", self.tempo_bpm, *TEMPO_RANGE_BPM, "bpm")
        check_choice("time signature", self.time_signature, SUPPORTED_SIGNATURES)
        if isinstance(self.n_bars, bool) or not isinstance(self.n_bars, int) or not \
                BARS_RANGE[0] <= self.n_bars <= BARS_RANGE[1]:
            raise MuseforgeError(f"n_bars must be a whole number in [{BARS_RANGE[0]}, {BARS_RANGE[1]}], "
                                 f"got {self.n_bars!r}")
        if not self.programs:
            raise MuseforgeError("at least one instrument is needed; valid names: " + ", ".join(sorted(INSTRUMENTS)))
        bad = [p for p in self.programs if not (p == DRUMS or 0 <= p <= 127)]
        if bad:
            raise MuseforgeError(f"programs must be GM numbers 0-127 or {DRUMS} for drums, got {bad}")
        if self.density is not None:
            check_choice("density", self.density, DENSITY_NOTES_PER_BEAT)
        if len(self.chords) > self.n_bars:
            raise MuseforgeError(f"{len(self.chords)} chords for {self.n_bars} bars: give at most one per bar")
        for symbol in self.chords:
            _parse_chord(symbol)

    @property
    def meter(self) -> tuple[int, int]:
        num, den = self.time_signature.split("/")
        return int(num), int(den)

    @property
    def bar_s(self) -> float:
        num, den = self.meter
        return num * 4.0 / den * 60.0 / self.tempo_bpm

    @property
    def duration_s(self) -> float:
        return self.n_bars * self.bar_s

    def controls(self) -> Controls:
        """The tokenizer's control prefix for this request."""
        return Controls(self.style, self.mood, self.tonic, self.mode, self.tempo_bpm, tuple(sorted(self.programs)),
                        self.n_bars)

    def to_dict(self) -> dict:
        out = asdict(self)
        out["programs"], out["chords"], out["chosen"] = list(self.programs), list(self.chords), list(self.chosen)
        out["duration_s"] = round(self.duration_s, 6)
        return out


def _parse_chord(symbol: str):
    from museforge.music.arrange.chords import parse_chord

    return parse_chord(symbol)


def tonic_name(tonic: str) -> str:
    """Any spelling from controls (``"F#"``, ``"Gb"``) -> the tokenizer's (``"Gb"``)."""
    check_choice("tonic", tonic, TONICS)
    return TONIC_NAMES[TONICS[tonic]]


def bars_for_duration(duration_s: float, tempo_bpm: float, time_signature: str) -> int:
    """Whole bars that last ``duration_s`` exactly (within 1 ms), else an error with the nearest lengths."""
    num, den = (int(x) for x in time_signature.split("/"))
    bar_s = num * 4.0 / den * 60.0 / tempo_bpm
    bars = duration_s / bar_s
    nearest = max(1, round(bars))
    if abs(nearest * bar_s - duration_s) <= SECONDS_TOLERANCE:
        return nearest
    low, high = max(1, math.floor(bars)), math.ceil(bars)
    fit_bpm = nearest * num * 4.0 / den * 60.0 / duration_s
    raise MuseforgeError(
        f"{duration_s:g} s is not a whole number of {time_signature} bars at {tempo_bpm:g} bpm "
        f"(one bar = {bar_s:.4g} s); nearest exact lengths: {low * bar_s:.4g} s ({low} bars) or "
        f"{high * bar_s:.4g} s ({high} bars), or {nearest} bars at {fit_bpm:.4g} bpm")


def resolve(controls: MusicControls | None = None, *, seed: int = 0, keep_in_key: bool = False,
            programs: tuple[int, ...] | None = None, cadence: bool | None = None, **overrides) -> Request:
    """Decide every value of a request: the user's controls first, then ``overrides``, then seeded picks.

    Args:
        controls: The shared, validated controls (None = nothing asked).
        seed: Picks open choices (style, mood, key) reproducibly.
        keep_in_key: Keep pitched notes in the key's scale.
        programs: GM programs, overriding the controls' instrument names.
        cadence: End on a held chord; default True unless the controls ask for a loop.
        **overrides: Request fields (style, mood, tonic, mode, tempo_bpm, time_signature, n_bars, density,
            chords) given directly, e.g. by continuation from a primer.
    """
    c = controls if controls is not None else MusicControls()
    if not isinstance(c, MusicControls):
        raise MuseforgeError(f"controls must be MusicControls, got {type(c).__name__}")
    rng = random.Random(seed)
    chosen = []
    chords = tuple(overrides.pop("chords", c.chords))
    style = overrides.pop("style", c.composer_style)
    if style is None:
        style, _ = rng.choice(("pop", "folk", "classical", "baroque")), chosen.append("style")
    mood = overrides.pop("mood", c.mood)
    if mood is None:
        mood, _ = rng.choice(MOODS), chosen.append("mood")
    tonic, mode = overrides.pop("tonic", c.tonic), overrides.pop("mode", c.mode)
    if tonic is None and chords:  # a progression implies its key: its first chord's root
        first = _parse_chord(chords[0])
        tonic, mode = PITCH_CLASSES[first.root], mode or ("minor" if first.is_minor else "major")
        chosen.append("key")
    if mode is None:
        mode, _ = ("minor" if mood in ("sad", "tense") else "major"), chosen.append("mode")
    if tonic is None:
        tonic, _ = rng.choice(TONIC_NAMES), chosen.append("tonic")
    tempo = overrides.pop("tempo_bpm", c.tempo_bpm)
    if tempo is None:
        tempo, _ = MOOD_CUES[mood][0], chosen.append("tempo_bpm")
    signature = overrides.pop("time_signature", c.time_signature)
    if signature is None:
        signature, _ = ("3/4" if style == "waltz" else "4/4"), chosen.append("time_signature")
    check_range("tempo_bpm", tempo, *TEMPO_RANGE_BPM, "bpm")
    check_choice("time signature", signature, SUPPORTED_SIGNATURES)
    n_bars = overrides.pop("n_bars", c.n_bars)
    if n_bars is None and c.duration_s is not None:
        n_bars = bars_for_duration(c.duration_s, tempo, signature)
    if n_bars is None:
        n_bars = max(len(chords), 8)
        chosen.append("n_bars")
    if programs is None:
        programs = c.programs or tuple(p for p in DEFAULT_PROGRAMS if p not in c.excluded_programs)
        if not c.programs:
            chosen.append("programs")
    excluded = [p for p in programs if p in c.excluded_programs]
    if excluded:
        raise MuseforgeError(f"programs {excluded} are both requested and excluded")
    density = overrides.pop("density", c.density)
    if density is None:
        density, _ = MOOD_CUES[mood][1], chosen.append("density")
    if overrides:
        raise MuseforgeError(f"unknown request fields {sorted(overrides)}; valid: style, mood, tonic, mode, "
                             "tempo_bpm, time_signature, n_bars, density, chords")
    return Request(style=style, mood=mood, tonic=tonic_name(tonic), mode=mode, tempo_bpm=float(tempo),
                   time_signature=signature, n_bars=n_bars, programs=tuple(dict.fromkeys(programs)),
                   density=density, chords=chords, keep_in_key=bool(keep_in_key),
                   cadence=(not c.loop) if cadence is None else bool(cadence), chosen=tuple(chosen))


def nearest_tempo_token(tokenizer: Tokenizer, tempo_bpm: float) -> str:
    """The Tempo token closest to ``tempo_bpm`` (the Score itself gets the exact tempo)."""
    tempos = [t for t in tokenizer.vocab if t.startswith("Tempo_")]
    return min(tempos, key=lambda t: abs(float(t.split("_")[1]) - tempo_bpm))


def chords_per_bar(request: Request, n_bars: int, first_bar: int = 1) -> list:
    """Parsed chords for bars 1..n_bars (None before ``first_bar``); the progression repeats.

    A repeated progression that would end the piece off the tonic (I V vi IV ending on IV) ends on
    the tonic chord instead when a cadence is asked for; a progression given for every bar is kept
    as written.
    """
    if not request.chords:
        return []
    parsed = [_parse_chord(s) for s in request.chords]
    out = [None if bar < first_bar else parsed[(bar - first_bar) % len(parsed)] for bar in range(1, n_bars + 1)]
    if request.cadence and n_bars - first_bar + 1 > len(parsed):
        out[-1] = _parse_chord(request.tonic + ("m" if request.mode == "minor" else ""))
    return out


def key_triads(request: Request) -> tuple[frozenset[int], frozenset[int]]:
    """(tonic triad, dominant triad) pitch classes of the request's key."""
    root = TONIC_NAMES.index(request.tonic)
    third = 3 if request.mode == "minor" else 4
    tonic = frozenset({root, (root + third) % 12, (root + 7) % 12})
    dominant = frozenset({(root + 7) % 12, (root + 11) % 12, (root + 2) % 12})
    return tonic, dominant


def chord_fields(symbols: list[str | None]) -> dict:
    """Plan fields ``chords`` and ``roots`` for chord symbols per bar (None = a free bar): how a
    caller lays its own harmony over a plan (a long form's contrasting section)."""
    parsed = [_parse_chord(s) if s else None for s in symbols]
    return {"chords": tuple(c.pitch_classes if c else None for c in parsed),
            "roots": tuple(c.root if c else None for c in parsed)}


def make_plan(request: Request, tokenizer: Tokenizer, *, n_bars: int | None = None, first_bar: int = 1,
              empty_until: int = 0, with_tempo: bool = True, groove_drums: bool = False, **fields) -> Plan:
    """The grammar plan for writing bars ``first_bar..n_bars`` of ``request`` (bars before are given).

    The key-narrowing biases (tonic triad, leading tone, a strong dominant before the cadence) apply
    in full when the request asks for the key to be heard (chords or keep-in-key), with a lighter
    tonic-triad lean (``NAMED_KEY_HOME_BIAS``) when the user named the key and nothing more. A key the
    composer picked is the control token's and the model's: only a light dominant lean precedes the
    cadence.

    ``groove_drums``: the drum part comes from the groove table after decoding
    (:mod:`museforge.music.compose_drums`), so the model writes only the pitched programs and the
    density target counts only them.
    """
    total = request.n_bars if n_bars is None else n_bars
    scale = MAJOR_SCALE if request.mode == "major" else MINOR_SCALE
    root = TONIC_NAMES.index(request.tonic)
    parsed = chords_per_bar(request, total, first_bar)
    chords = tuple(c.pitch_classes if c else None for c in parsed)
    tonic_triad, dominant = key_triads(request)
    final, final_root, final_onset = tonic_triad, root, 0
    if chords and chords[-1]:
        final, final_root = chords[-1], parsed[-1].root
        if not fields.get("forced"):  # a fixed melody decides its own last bar
            final_onset = cadence_split(request, parsed)
        if final_onset:
            final, final_root = tonic_triad, root
    notes_per_bar = None
    # A density the user asked for leans the notes per bar and caps them. One chosen from the mood picks
    # only the drum groove: as a cap it held calm and sad three-part pop to 14 notes a bar, polyphony 2.75
    # against POP909's 3.62 (without it 3.83; docs/composer_metrics.md).
    if request.density is not None and "density" not in request.chosen:
        num, _ = request.meter
        written = [p for p in request.programs if not (groove_drums and p == DRUMS)]
        notes_per_bar = DENSITY_NOTES_PER_BEAT[request.density] * num * len(written)
    emphasis = request.keep_in_key or bool(request.chords)
    lean = emphasis or "tonic" not in request.chosen  # the key was asked for
    # Several instruments asked for: each pitched one plays in every bar (the model alone wrote the
    # first and left the others to the final chord); the first named leads, the others accompany.
    pitched = [p for p in request.programs if p != DRUMS]
    present = frozenset(pitched) if len(request.programs) > 1 else frozenset()
    lead = None if fields.get("forced") or not pitched else pitched[0]  # a fixed melody leads by itself
    base = Plan(n_bars=1, time_signature=request.meter, tempo_token=None, programs=frozenset())
    plan = Plan(n_bars=total, time_signature=request.meter,
                tempo_token=nearest_tempo_token(tokenizer, request.tempo_bpm) if with_tempo else None,
                programs=frozenset(p for p in request.programs if not (groove_drums and p == DRUMS)),
                scale_pcs=frozenset((root + i) % 12 for i in scale) if request.keep_in_key else None,
                chords=chords, roots=tuple(c.root if c else None for c in parsed),
                home_pcs=tonic_triad if lean else None,
                home_bias=NAMED_KEY_HOME_BIAS if lean and not emphasis else Plan.home_bias,
                leading_pcs=frozenset({(root + 11) % 12}),
                penultimate_bias=base.chord_bias if lean else base.home_bias,
                notes_per_bar=notes_per_bar, empty_until=empty_until, cadence=request.cadence,
                final_pcs=final if request.cadence else None, final_root=final_root if request.cadence else None,
                final_onset=final_onset if request.cadence else 0,
                penultimate_pcs=None if chords else dominant,
                velocity_target=MOOD_CUES[request.mood][2], register_shift=MOOD_CUES[request.mood][3],
                present_programs=present, lead_program=lead,
                line_programs=frozenset(p for p in pitched if request.style in VOICE_STYLES
                                        or p in SINGLE_LINE_PROGRAMS),
                voices=request.style in VOICE_STYLES)
    return replace(plan, **fields) if fields else plan


def cadence_split(request: Request, parsed: list) -> int:
    """Where the tonic takes over in the last bar (grammar position), or 0 for no split.

    A progression written for every bar that ends off the tonic (I V vi IV in 4 bars) keeps its last
    chord, which takes the first part of the last bar, and still resolves: the held second part is
    the tonic (IV-I, V-I). A repeated progression already ends on the tonic (:func:`chords_per_bar`).
    """
    if not (request.cadence and parsed and parsed[-1]):
        return 0
    tonic, _ = key_triads(request)
    return 0 if parsed[-1].pitch_classes == tonic else split_position(request)


def split_position(request: Request) -> int:
    """Grammar position (1/8 beat) where a last bar shared by two chords changes: the middle beat, or
    the second strong beat of compound and five-beat meters."""
    from museforge.music.grammar import POSITIONS_PER_BEAT

    num, _ = request.meter
    beat = {5: 3, 6: 3, 9: 6, 12: 6}.get(num, num // 2 if num > 1 else 0)
    return beat * POSITIONS_PER_BEAT
