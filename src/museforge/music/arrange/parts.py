"""Part writers: each turns the harmony (and grooves) into the notes of one role, bar by bar.

A writer returns plain ``(start_tick, duration_ticks, pitch, velocity)`` tuples in the arranged
piece's time; dynamics per section, humanising and Score building happen in ``core.py``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from museforge.music.arrange.chords import Chord
from museforge.music.arrange.form import Section
from museforge.music.arrange.material import Prepared
from museforge.music.arrange.styles import Part, Style
from museforge.music.grooves import STEPS_PER_QUARTER, Groove, groove_bar

Note = tuple[int, int, int, int]  # start_tick, duration_ticks, pitch, velocity
_CRASH = 49


@dataclass
class Context:
    """Everything a writer needs about the piece being arranged."""

    prep: Prepared
    style: Style
    sections: list[Section]
    bar_section: list[Section]  # arranged bar -> its section
    bar_material: list[int]  # arranged bar -> material bar whose chords it plays
    grooves: dict[str, Groove | None]  # "main", "intro", "ending", "fill"
    total_bars: int

    @property
    def bar_ticks(self) -> int:
        return self.prep.bar_ticks

    @property
    def step_ticks(self) -> float:
        return self.prep.tpq / STEPS_PER_QUARTER

    def chord_spans(self, bar: int) -> list[tuple[int, int, Chord]]:
        """(start_tick, end_tick, chord) for each chord in arranged bar ``bar``."""
        chords = self.prep.chords[self.bar_material[bar]]
        start = bar * self.bar_ticks
        edges = [start + i * self.bar_ticks // len(chords) for i in range(len(chords) + 1)]
        return [(edges[i], edges[i + 1], c) for i, c in enumerate(chords)]

    def chord_at(self, tick: int) -> Chord:
        bar = min(self.total_bars - 1, tick // self.bar_ticks)
        for start, end, chord in self.chord_spans(bar):
            if start <= tick < end:
                return chord
        return self.chord_spans(bar)[-1][2]

    def next_chord(self, tick: int) -> Chord:
        """The next different chord span after ``tick`` (the last chord at the very end)."""
        bar = tick // self.bar_ticks
        for b in (bar, bar + 1):
            if b >= self.total_bars:
                break
            for start, _, chord in self.chord_spans(b):
                if start > tick:
                    return chord
        return self.chord_at(tick)

    def groove_for(self, bar: int) -> tuple[Groove | None, int]:
        """The groove variant and its pattern bar for arranged bar ``bar``."""
        section = self.bar_section[bar]
        index = bar - section.start_bar
        main = self.grooves.get("main")
        if section.name == "intro" and self.grooves.get("intro"):
            return self.grooves["intro"], index
        if section.name == "outro" and self.grooves.get("ending"):
            return self.grooves["ending"], index
        last_of_section = bar == section.start_bar + section.n_bars - 1
        if (last_of_section and bar + 1 < self.total_bars and self.grooves.get("fill")
                and self.bar_section[bar + 1].intensity > section.intensity):
            return self.grooves["fill"], 0
        return main, bar - section.start_bar


def _steps_per_bar(ctx: Context) -> int:
    num, den = ctx.prep.time_signature
    return num * 4 * STEPS_PER_QUARTER // den


def voicing(chord: Chord, low: int, high: int, prev: list[int] | None, n_max: int = 4) -> list[int]:
    """Close-position chord voicing in [low, high], nearest to ``prev`` (voice leading)."""
    ordered = []
    for iv in chord.intervals:
        pc = (chord.root + iv) % 12
        if pc not in ordered:
            ordered.append(pc)
    ordered = ordered[:n_max]
    best, best_cost = None, float("inf")
    centre = (low + high) / 2
    for start in range(low, high + 1):
        if start % 12 not in ordered:
            continue
        notes, k, pitch = [start], ordered.index(start % 12), start
        while len(notes) < len(ordered):
            k = (k + 1) % len(ordered)
            pitch += (ordered[k] - pitch) % 12 or 12
            notes.append(pitch)
        if notes[-1] > high:
            continue
        if prev:
            cost = (sum(min(abs(p - q) for q in prev) for p in notes)
                    + 0.5 * abs(np.mean(notes) - np.mean(prev)))
        else:
            cost = abs(np.mean(notes) - centre)
        if cost < best_cost:
            best, best_cost = notes, cost
    if best is None:  # range too narrow for a full chord: stack what fits from the root up
        best = [p for p in range(low, high + 1) if p % 12 in ordered][:n_max] or [low]
    return best


def fit(pitch: int, low: int, high: int) -> int:
    """Move ``pitch`` by octaves into [low, high]."""
    while pitch < low:
        pitch += 12
    while pitch > high and pitch - 12 >= low:
        pitch -= 12
    return pitch


def write_melody(part: Part, ctx: Context, bars: list[int], octave: int = 0) -> list[Note]:
    """The material's melody on every body bar it belongs to (octave-shifted for doubling)."""
    out = []
    for bar in bars:
        section = ctx.bar_section[bar]
        if section.material_bar < 0:
            continue
        src = ctx.bar_material[bar]
        shift = (bar - src) * ctx.bar_ticks
        lo, hi = src * ctx.bar_ticks, (src + 1) * ctx.bar_ticks
        for n in ctx.prep.melody:
            if lo <= n.time < hi:
                pitch = n.pitch + 12 * octave
                if octave:
                    pitch = fit(pitch, part.low, part.high)
                out.append((n.time + shift, n.duration, pitch, n.velocity))
    return out


def write_sustained(part: Part, ctx: Context, bars: list[int]) -> list[Note]:
    """Pads, guide tones and drones: one voicing per chord span (or re-struck at ``part.rate``)."""
    out, prev = [], None
    for bar in bars:
        for start, end, chord in ctx.chord_spans(bar):
            if part.role == "drone":
                notes = [fit(chord.bass, part.low, part.low + 11)]
            elif part.role == "guide":
                iv = chord.intervals
                tones = [iv[1] if len(iv) > 1 else 0, iv[3] if len(iv) > 3 else iv[-1]]
                notes = sorted({fit(chord.root + t, part.low, part.high) for t in tones})
                if prev:  # guide tones move by the smallest step
                    notes = sorted({min((p + 12 * k for k in (-1, 0, 1)
                                         if part.low <= p + 12 * k <= part.high),
                                        key=lambda q: min(abs(q - r) for r in prev), default=p)
                                    for p in notes})
            else:
                notes = voicing(chord, part.low, part.high, prev)
            prev = notes
            span = end - start
            step = int(ctx.prep.tpq / part.rate) if part.rate else span
            for t in range(start, end, max(1, step)):
                out += [(t, min(step, end - t), p, part.velocity) for p in notes]
    return tie(out)


def tie(notes: list[Note]) -> list[Note]:
    """Join a note with the same pitch that starts exactly where it ends (sustain across bars)."""
    open_: dict[int, list[int]] = {}
    out: list[list[int]] = []
    for start, dur, pitch, vel in sorted(notes):
        held = open_.get(pitch)
        if held is not None and held[0] + held[1] == start:
            held[1] += dur
            continue
        held = [start, dur, pitch, vel]
        open_[pitch] = held
        out.append(held)
    return [tuple(n) for n in out]


def _comp_hits(ctx: Context, bar: int) -> list[tuple[int, int, int]]:
    """(start_tick, duration_ticks, velocity) of chord hits in ``bar``: the groove's comp rhythm,
    else one hit per beat."""
    groove, index = ctx.groove_for(bar)
    base = bar * ctx.bar_ticks
    if groove is not None and groove.comp:
        _, _, comp = groove_bar(groove, index, _steps_per_bar(ctx))
        if comp:
            return [(base + round(s * ctx.step_ticks), max(1, round(d * ctx.step_ticks)), v)
                    for s, d, v in comp]
    beat = ctx.prep.beat_ticks
    return [(base + t, int(beat * 0.9), 80) for t in range(0, ctx.bar_ticks, beat)]


def write_comp(part: Part, ctx: Context, bars: list[int]) -> list[Note]:
    """Block chords (keys/accordion), strums (guitar) or power chords at the groove's rhythm."""
    out, prev = [], None
    strum_ticks = max(1, ctx.prep.tpq // 48)
    for bar in bars:
        for i, (start, dur, vel) in enumerate(_comp_hits(ctx, bar)):
            chord = ctx.chord_at(start)
            if part.role == "power":
                root = fit(chord.bass, part.low, part.low + 11)
                notes = [root, root + 7, root + 12]
            elif part.role == "strum":  # guitar: the bass string, then the chord above it
                low = fit(chord.bass, part.low, part.low + 11)
                notes = [low] + [p for p in voicing(chord, low + 3, part.high, prev and prev[1:])
                                 if p > low + 2]
            else:
                notes = voicing(chord, part.low, part.high, prev)
            prev = notes
            end = min(start + dur, (bar + 1) * ctx.bar_ticks)
            accent = vel / 80.0
            order = notes if (part.role != "strum" or i % 2 == 0) else notes[::-1]
            for k, p in enumerate(order):
                t = start + (k * strum_ticks if part.role == "strum" else 0)
                if t < end:
                    out.append((t, end - t, p, int(part.velocity * accent)))
    return out


def write_arp(part: Part, ctx: Context, bars: list[int]) -> list[Note]:
    """Broken chords at ``part.rate`` notes per quarter (Alberti for piano, up-down otherwise)."""
    out, prev = [], None
    step = max(1, int(ctx.prep.tpq / (part.rate or 2.0)))
    for bar in bars:
        for start, end, chord in ctx.chord_spans(bar):
            tones = voicing(chord, part.low, part.high, prev)
            prev = tones
            if part.program == 0 and len(tones) >= 3:  # piano left hand: Alberti bass
                order = [tones[0], tones[-1], tones[1], tones[-1]]
            else:
                order = tones + tones[-2:0:-1] if len(tones) > 2 else tones
            for k, t in enumerate(range(start, end, step)):
                dur = min(step, end - t)
                if part.rate <= 1.0:  # slow textures ring on
                    dur = min(step * 2, end - t)
                out.append((t, dur, order[k % len(order)], part.velocity - (6 if k % 2 else 0)))
    return out


def write_bass(part: Part, ctx: Context, bars: list[int]) -> list[Note]:
    """The groove's bass line fitted to the harmony: degrees of the current chord, approach notes
    to the next root, and chord tones forced on strong beats."""
    out: list[Note] = []
    spb = _steps_per_bar(ctx)
    strong = _strong_steps(ctx)
    for bar in bars:
        groove, index = ctx.groove_for(bar)
        events = groove_bar(groove, index, spb)[1] if groove is not None else []
        base = bar * ctx.bar_ticks
        if not events:  # no groove bass: root on the downbeat, fifth half-way (chorale-safe)
            half = spb // 2 if spb % 2 == 0 else spb
            events = [(0, half, "c", "1", 0, 90)] + ([(half, half, "c", "5", 0, 80)]
                                                     if half < spb else [])
        events = sorted(events)
        for k, (step, dur, ref, degree, octave, vel) in enumerate(events):
            start = base + round(step * ctx.step_ticks)
            chord = ctx.chord_at(start)
            if ref == "n" and step not in strong:
                pitch = _root_ref(ctx.next_chord(start).bass) + int(degree)
            else:
                if ref == "n":
                    degree, octave = "1", 0
                if degree == "1":  # the bass of a slash chord stands in for the root
                    pitch = _root_ref(chord.bass) + 12 * octave
                else:
                    pitch = _root_ref(chord.root) + chord.degree_interval(degree) + 12 * octave
                if step in strong and (pitch % 12 not in chord.pitch_classes
                                       or chord.bass != chord.root):
                    # strong beats land on the chord, and on the named bass of a slash chord
                    pitch = _root_ref(chord.bass) + 12 * octave
            pitch = fit(pitch, part.low, part.high)
            next_step = events[k + 1][0] if k + 1 < len(events) else spb
            length = min(dur, next_step - step)
            end = min(start + max(1, round(length * ctx.step_ticks)), base + ctx.bar_ticks)
            out.append((start, end - start, pitch, int(part.velocity * vel / 90.0)))
    return out


def _root_ref(pc: int) -> int:
    return 31 + (pc - 31) % 12  # the groove table's reference window, G1..F#2


def _strong_steps(ctx: Context) -> set[int]:
    """Steps of the strong beats: beat 1, plus the bar's middle in even meters (3 in 4/4)."""
    spb = _steps_per_bar(ctx)
    beat_steps = round(ctx.prep.beat_ticks / ctx.step_ticks)
    beats = spb // beat_steps
    strong = {0}
    if beats % 2 == 0 and beats >= 4:
        strong.add(spb // 2)
    return strong


def strong_beat_ticks(prep: Prepared) -> list[int]:
    """Offsets (ticks) within a bar that count as strong beats; used by tests and metrics."""
    beats = prep.bar_ticks // prep.beat_ticks
    ticks = [0]
    if beats % 2 == 0 and beats >= 4:
        ticks.append(prep.bar_ticks // 2)
    return ticks


def write_drums(part: Part, ctx: Context, bars: list[int]) -> list[Note]:
    """Groove drum hits; a crash marks the start of full sections; chiptune maps onto noise."""
    out: list[Note] = []
    spb = _steps_per_bar(ctx)
    mapping = ctx.style.drum_pitches
    for bar in bars:
        groove, index = ctx.groove_for(bar)
        if groove is None:
            continue
        base = bar * ctx.bar_ticks
        hits = groove_bar(groove, index, spb)[0]
        section = ctx.bar_section[bar]
        if section.intensity >= 3 and bar == section.start_bar and not mapping:
            hits = hits + [(0, _CRASH, 100)]
        seen = set()
        for step, pitch, vel in hits:
            if mapping is not None:
                if pitch not in mapping:
                    continue
                pitch = mapping[pitch]
            if (step, pitch) in seen or not part.low <= pitch <= part.high:
                continue
            seen.add((step, pitch))
            start = base + round(step * ctx.step_ticks)
            dur = max(1, ctx.prep.tpq // 8)
            out.append((start, dur, pitch, int(part.velocity * vel / 90.0)))
    return out


WRITERS = {
    "melody": write_melody, "pad": write_sustained, "guide": write_sustained,
    "drone": write_sustained, "comp": write_comp, "strum": write_comp, "power": write_comp,
    "arp": write_arp, "bass": write_bass, "drums": write_drums,
}
