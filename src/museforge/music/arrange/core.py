"""arrange(): material + style -> a multi-instrument symusic Score with a section plan."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from museforge.errors import MuseforgeError, check_range
from museforge.music.arrange.chorale import write_chorale
from museforge.music.arrange.form import LEVEL_GAIN, Section, plan_sections
from museforge.music.arrange.material import Material, Prepared, key_name, key_sharps, prepare
from museforge.music.arrange.parts import WRITERS, Context, Note
from museforge.music.arrange.styles import Part, Style, get_style
from museforge.music.grooves import choose_groove, companion

GROOVE_CREDIT = ("drum/bass/comping patterns from the MMA groove library (stdlib), "
                 "Bob van der Poel et al., GPL-2.0-or-later")


@dataclass(frozen=True)
class Arrangement:
    """An arranged piece and how it was made.

    Attributes:
        score: The arrangement (tick time, the material's ticks per quarter), one named track per
            part, with tempo, time-signature, key-signature and section markers; an ``end``
            marker sits exactly on the last bar line.
        style: Style name.
        seed: Seed of the humanising and groove choice.
        tempo_bpm: Tempo written into the score.
        time_signature: (numerator, denominator).
        key: Key name, e.g. ``"Am"``.
        chords: The material's chord symbols per bar (given or guessed).
        n_bars: Bars in the arrangement (intro + repeats x material + outro).
        sections: The section plan, in order (for adaptive layers and stems).
        roles: Track name -> arrangement role (``melody``, ``bass``, ``drums``, ``pad``...).
        mix_roles: Track name -> mixing role for ``museforge.render`` (``lead``, ``bass``,
            ``drums``, ``pad``, ``keys``, ``guitar``, ``strings``, ``brass``).
        grooves: Names of the MMA grooves used (empty for styles without grooves).
        credits: Licence/attribution lines for material the arrangement draws on.
    """

    score: object
    style: str
    seed: int
    tempo_bpm: float
    time_signature: tuple[int, int]
    key: str
    chords: tuple[str, ...]
    n_bars: int
    sections: tuple[Section, ...]
    roles: dict[str, str]
    mix_roles: dict[str, str]
    grooves: tuple[str, ...]
    credits: tuple[str, ...]


def mix_role(part: Part) -> str:
    """The render mixer's role for a part (explicit, so a chip arpeggio is not mixed as a lead)."""
    fixed = {"melody": "lead", "double": "lead", "drums": "drums", "bass": "bass", "drone": "bass",
             "satb_bass": "bass", "alto": "strings", "tenor": "strings"}
    if part.role in fixed:
        return fixed[part.role]
    family = part.program // 8
    if part.role == "pad":
        return "strings" if family in (5, 6) else "pad"
    if family == 3:
        return "guitar"
    if family in (5, 6):
        return "strings"
    if family in (7, 8):
        return "brass"
    if family in (11, 12):
        return "pad"
    return "keys"


def _tempo(style: Style, prep: Prepared, tempo_bpm: float | None) -> float:
    if tempo_bpm is not None:
        return check_range("tempo_bpm", tempo_bpm, 20, 300, "bpm")
    if style.tempo_range_bpm is None:
        return prep.tempo_bpm
    low, high = style.tempo_range_bpm
    return float(min(high, max(low, prep.tempo_bpm)))


def _bar_material(sections: list[Section], n_bars: int, total: int) -> list[int]:
    """Which material bar's harmony each arranged bar plays; the outro ends on the first chord."""
    out = []
    for section in sections:
        for i in range(section.n_bars):
            if section.material_bar >= 0:
                out.append((section.material_bar + i) % n_bars)
            elif section.name == "outro" and i == section.n_bars - 1:
                out.append(0)
            else:
                out.append(i % n_bars)
    assert len(out) == total
    return out


def _chorale_notes(ctx: Context, melody: list[Note], bars_by_part: dict[str, list[int]],
                   style: Style) -> dict[str, list[Note]]:
    """Alto/tenor/bass for a chorale, slot = beat (plus chord changes)."""
    beat = ctx.prep.beat_ticks
    bars = sorted({b for name, bs in bars_by_part.items() for b in bs})
    starts = set()
    for bar in bars:
        starts.update(range(bar * ctx.bar_ticks, (bar + 1) * ctx.bar_ticks, beat))
        starts.update(s for s, _, _ in ctx.chord_spans(bar))
    starts = sorted(starts)
    slots = []
    for k, start in enumerate(starts):
        end = starts[k + 1] if k + 1 < len(starts) else start + beat
        end = min(end, (start // ctx.bar_ticks + 1) * ctx.bar_ticks)
        sounding = [n for n in melody if n[0] < end and n[0] + n[1] > start]
        at_start = [n for n in sounding if n[0] <= start] or sounding
        s_top = at_start[0][2] if at_start else None
        s_min = min(n[2] for n in sounding) if sounding else None
        slots.append((start, end, ctx.chord_at(start), s_top, s_min))
    lines = write_chorale(slots)
    role_line = {"alto": "alto", "tenor": "tenor", "satb_bass": "bass"}
    out = {}
    for part in style.parts:
        if part.role in role_line:
            keep = set(bars_by_part[part.name])
            out[part.name] = [(s, d, p, part.velocity) for s, d, p in lines[role_line[part.role]]
                              if s // ctx.bar_ticks in keep]
    return out


def _finish(notes: list[Note], part_index: int, is_melody: bool, is_drum: bool, ctx: Context,
            seed: int, total_ticks: int) -> list[Note]:
    """Section dynamics, outro decrescendo, seeded humanising, clipping to the piece."""
    rng = np.random.default_rng([seed, part_index])
    style, tpq = ctx.style, ctx.prep.tpq
    sd_ticks = 0.0 if is_melody else style.timing_sd_quarters * tpq * (0.5 if is_drum else 1.0)
    out = []
    for start, dur, pitch, vel in notes:
        bar = min(ctx.total_bars - 1, start // ctx.bar_ticks)
        section = ctx.bar_section[bar]
        gain = LEVEL_GAIN[section.intensity]
        if section.name == "outro":
            gain *= 1.0 - 0.35 * (start - section.start_bar * ctx.bar_ticks) / (
                section.n_bars * ctx.bar_ticks)
        v = vel * gain + (0.0 if is_melody else rng.normal(0.0, style.velocity_sd))
        end = start + dur
        if sd_ticks > 0 and start > 0:  # the very first downbeat stays put
            shift = int(round(float(np.clip(rng.normal(0.0, sd_ticks), -3 * sd_ticks, 3 * sd_ticks))))
            start = max(0, start + shift)
            end = end if end >= total_ticks else end + shift
        end = min(end, total_ticks)
        if end > start:
            out.append((start, end - start, pitch, int(np.clip(round(v), 1, 127))))
    return out


def arrange(material: Material, style: str, *, seed: int = 0, repeats: int = 1,
            intro_bars: int = 0, outro_bars: int = 0, tempo_bpm: float | None = None
            ) -> Arrangement:
    """Arrange composed material for a style.

    Args:
        material: Melody Score plus harmony/tempo/meter/key (missing ones are derived).
        style: One of ``museforge.music.arrange.STYLES``.
        seed: Seeds groove choice and humanising; the same seed gives the same Score.
        repeats: Passes over the material (a 2-minute cue from a short theme); sections across
            the passes rise in intensity, with a breakdown in longer pieces.
        intro_bars: Bars of accompaniment before the melody enters.
        outro_bars: Bars after the melody, ending on the material's first chord.
        tempo_bpm: Tempo to write; None keeps the material's tempo, clamped into the style's
            range for styles that have one (electronic dance tempo, slow ambient).

    Returns:
        The :class:`Arrangement`; its length is ``intro_bars + repeats * n_bars + outro_bars``
        bars and its melody notes keep the material's timing and pitches (shifted by the intro).
    """
    import symusic

    template = get_style(style)
    if isinstance(seed, bool) or not isinstance(seed, int) or seed < 0:
        raise MuseforgeError(f"seed must be a whole number >= 0, got {seed!r}")
    prep = prepare(material)
    tempo = _tempo(template, prep, tempo_bpm)
    parts_by_level = {lvl: tuple(p.name for p in template.parts if p.level <= lvl)
                      for lvl in range(4)}
    parts_by_level[-1] = tuple(p.name for p in template.parts if p.role in ("melody", "double"))
    sections = plan_sections(prep.n_bars, repeats=repeats, intro_bars=intro_bars,
                             outro_bars=outro_bars, parts_by_level=parts_by_level)
    total_bars = intro_bars + repeats * prep.n_bars + outro_bars
    total_ticks = total_bars * prep.bar_ticks
    bar_section = [s for s in sections for _ in range(s.n_bars)]

    grooves: dict = {}
    if template.lib_files:
        rng = np.random.default_rng(seed)
        grooves["main"] = choose_groove(template.lib_files, prep.time_signature, tempo, rng)
        for variant in ("intro", "ending", "fill"):
            grooves[variant] = companion(grooves["main"], variant)
    ctx = Context(prep, template, sections, bar_section,
                  _bar_material(sections, prep.n_bars, total_bars), grooves, total_bars)

    bars_by_part = {p.name: [b for b in range(total_bars) if p.name in bar_section[b].parts]
                    for p in template.parts}
    written: dict[str, list[Note]] = {}
    for part in template.parts:
        if part.role in WRITERS or part.role == "double":
            kwargs = {"octave": part.octave} if part.role == "double" else {}
            writer = WRITERS["melody" if part.role == "double" else part.role]
            written[part.name] = writer(part, ctx, bars_by_part[part.name], **kwargs)
    if any(p.role in ("alto", "tenor", "satb_bass") for p in template.parts):
        melody_name = next(p.name for p in template.parts if p.role == "melody")
        written.update(_chorale_notes(ctx, written[melody_name], bars_by_part, template))

    score = symusic.Score(prep.tpq)
    score.tempos.append(symusic.Tempo(0, qpm=tempo))
    score.time_signatures.append(symusic.TimeSignature(0, *prep.time_signature))
    score.key_signatures.append(symusic.KeySignature(0, key_sharps(prep.key_tonic, prep.key_minor),
                                                     int(prep.key_minor)))
    for index, part in enumerate(template.parts):
        track = symusic.Track(name=part.name, program=part.program, is_drum=part.is_drum)
        notes = _finish(written.get(part.name, []), index, part.role == "melody", part.is_drum,
                        ctx, seed, total_ticks)
        for start, dur, pitch, vel in sorted(notes):
            track.notes.append(symusic.Note(int(start), int(dur), int(pitch), int(vel)))
        score.tracks.append(track)
    for section in sections:
        score.markers.append(symusic.TextMeta(section.start_bar * prep.bar_ticks, section.name))
    score.markers.append(symusic.TextMeta(total_ticks, "end"))

    used = tuple(g.name for g in grooves.values() if g is not None)
    return Arrangement(
        score=score, style=template.name, seed=seed, tempo_bpm=tempo,
        time_signature=prep.time_signature, key=key_name(prep.key_tonic, prep.key_minor),
        chords=prep.chord_symbols, n_bars=total_bars, sections=tuple(sections),
        roles={p.name: p.role for p in template.parts},
        mix_roles={p.name: mix_role(p) for p in template.parts}, grooves=used,
        credits=(GROOVE_CREDIT,) if used else ())
