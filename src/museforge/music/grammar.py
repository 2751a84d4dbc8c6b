"""The REMI token grammar as a state machine, and a logits processor that masks invalid tokens.

After ``Controls_end`` museforge's REMI stream (miditok 3.1, one stream for all programs) reads::

    Bar TimeSig [Position Tempo? (Program Pitch|PitchDrum Velocity Duration)+]* ... EOS

with Position values rising inside a bar, ``PitchDrum`` only after ``Program_-1`` and ``Pitch``
after any other program. :class:`GrammarState` tracks where one row is in that grammar and
:meth:`GrammarState.allowed` returns a boolean mask over the vocabulary: every token it allows
keeps the sequence decodable. On top of validity it enforces the request (:class:`Plan`): the bar
count (EOS only once the last bar holds a note; no Bar past it), the time signature and first
tempo (forced tokens), the program set, optional scale and chord pitch masks, note clipping at
the end, forced notes (a fixed melody) and a held final chord. Soft preferences (note density,
chord tones in upper voices, a dominant-leaning penultimate bar) are added as logit biases.

Chords, bar by bar: in a bar with a requested chord, pitched notes under G3 (the register that
carries the root) may only be chord tones (a hard mask); every chord tone gets ``chord_bias``
logits, tones not yet heard in the bar and the root in the bass get it once more, notes may not
ring past the bar line into the next chord, and the bar may not end before a pitched note sounds.
Without a chord, tonic-triad tones get a smaller bonus so the key is heard. The final bar holds
the tonic (or the progression's last) chord from the downbeat to the end, played by every
requested program. With several instruments every pitched one plays in every bar: the lead (the
first named) by the bar's second strong beat, the accompaniment on the downbeat and sounding on
that strong beat (``Plan.present_programs``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import torch

from museforge.music.tokenizer import DRUMS, Tokenizer

POSITIONS_PER_BEAT = 8  # miditok's finest beat resolution in REMI_CONFIG (a beat is 1/denominator)
BASS_BELOW = 55  # MIDI pitch: notes under G3 carry the harmony's root (same split as arrange.chords)
MAX_NOTES_PER_BAR = 32  # hard cap so any model terminates: a bar is at most ~200 tokens
MAX_FINAL_NOTES = 8  # the held final chord: at most 3 notes per program (a triad), at most 8 in all
# In counterpoint (``Plan.voices``) a voice that has only sung one note at a time ends on one note of the
# final chord. Instruments keep up to 3: with one note per wind, bass or synth-lead line the key of a
# piece over a progression was heard in 74 of 100 grid requests instead of 82 (music21 weighs the held chord).
DENSITY_CAP, MIN_DENSITY_CAP = 1.5, 4  # free notes per bar stop at 1.5x a requested density (>= 4 notes)
MAX_ONSET_NOTES, MAX_LOW_ONSET_NOTES = 6, 2  # notes one program starts at one position (a bass: an octave)
LEAD_BIAS = 6.0  # logits for the lead's Program at a new onset: the first named instrument carries the tune
# (+3 left a trained model's favourite instrument with the tune: flute 1.3 vs guitar 3.1 notes a bar in
# celtic_folk "flute, guitar"; +6 gave 5.9 vs 2.7)
ACCOMPANY_ABOVE_COST = 3.0  # logits against an accompanying note above the lead's latest one
DENSITY_BAR_COST = 8.0  # logits against ending a bar that holds no notes yet under a density target
# Playable MIDI pitch range per GM family (program // 8), with a few single-instrument exceptions:
# keeps an untrained or wayward model from writing a bass at C8. Orchestration-book ranges, rounded.
FAMILY_RANGES = ((21, 108), (48, 96), (36, 96), (40, 88), (28, 67), (36, 96), (36, 96), (40, 84),
                 (48, 91), (60, 96), (48, 96), (36, 96), (36, 96), (48, 91), (36, 84), (36, 84))
PROGRAM_RANGES = {40: (55, 103), 41: (48, 91), 42: (36, 76), 43: (28, 67), 47: (36, 60), 58: (28, 65),
                  70: (34, 75), 72: (74, 108), 32: (28, 67)}
# Bass instruments (GM basses, contrabass, tuba) accompanying another part stay in the bass register:
# their notes under G3 carry the chord's root; above it they would double the melody's register.
LOW_PROGRAMS = frozenset({*range(32, 40), 43, 58})
# Instruments that sound one note at a time: basses, contrabass, voices, brass, reeds, pipes, synth leads (not the
# violin, viola and cello, whose double stops end many a piece).
SINGLE_LINE_PROGRAMS = frozenset({*range(32, 40), 43, *range(52, 55), *range(56, 88)})


def playable_range(program: int) -> tuple[int, int]:
    """(lowest, highest) MIDI pitch written for a GM program."""
    return PROGRAM_RANGES.get(program, FAMILY_RANGES[program // 8])


@dataclass(frozen=True)
class Plan:
    """What the grammar must obey. Bars are counted from 1 over the whole piece (prompt included).

    Attributes:
        n_bars: The last bar; EOS comes right after a note in it.
        time_signature: (numerator, denominator), forced after every Bar.
        tempo_token: Token forced at bar 1 position 0 when the piece starts there, else None.
        programs: Programs that may be sampled freely (forced notes may use others).
        scale_pcs: Pitch classes allowed for pitched programs (None = all).
        chords: Chord pitch classes per bar index 1..n_bars (None = no chord in that bar).
        roots: The chords' roots (favoured once more in the bass register).
        chord_bias: Logit bonus for chord tones (bars with a chord) and for the dominant before the end.
        home_pcs: Tonic-triad pitch classes, favoured by ``home_bias`` in bars without a chord; None
            = no key emphasis (the model's own pitch choices under the key token).
        leading_pcs: The key's leading tone(s), favoured by ``key_bias`` when a chord holds them.
        key_bias: Logit bonus, in bars with a chord, for tonic-triad tones in the upper voices (chord
            tones or not: E and G over an F chord keep C major heard) and for a leading tone in the
            chord (a progression like I-V-vi-IV otherwise reads as the key of IV).
        penultimate_bias: Logit bonus for ``penultimate_pcs``.
        velocity_target: Loudness a mood leans toward (MIDI velocity), None = the model's choice.
        register_shift: Logits per octave above middle C for pitched notes (a mood's brightness).
        notes_per_bar: Target notes per bar (None = no density bias): below it, ending the bar or
            jumping far ahead costs logits; above it, starting notes does; at ``DENSITY_CAP`` times it
            (at least ``MIN_DENSITY_CAP`` notes) the bar takes no more free notes.
        empty_until: Bars 1..empty_until get no new notes (they are the prompt's or a gap).
        cadence: Hold a final chord: in the last bar notes start on the downbeat and last to the end.
        final_pcs: Pitch classes of the final chord (None = any).
        final_root: Its root, the only bass note of the held chord (None = any chord tone).
        final_onset: Position in the last bar where the held final chord starts. 0 = the whole bar;
            later, the bar's own chord (``chords``) sounds before it (a progression written for
            every bar that ends off the tonic still resolves: IV then I in the last bar).
        penultimate_pcs: Pitch classes favoured in the bar before the final chord, or in the last bar
            when there is none (a loop leading back to its start): a dominant, or None.
        forced: bar -> position -> token-id tuples (Program, Pitch, Velocity, Duration) to emit.
        returns: bar -> earlier bar whose tokens are replayed there (a section's return of material).
        replay_programs: Programs whose notes a return replays, at their positions, while the other
            programs are written afresh around them; None = the whole bar is replayed as it was.
        present_programs: Programs that start at least one note in every bar they may write (not in
            the prompt or a gap, a replayed bar or the held final chord, which all programs play):
            the lead by the bar's second strong beat (beat 2 of 3/4), at a position the model chooses
            (and favoured by ``LEAD_BIAS`` at every new onset), the others (the accompaniment) on the
            downbeat and sounding on the second strong beat. Empty = no such rule (one instrument).
        lead_program: The part with the melody among ``present_programs`` (None = all accompany).
        voices: The parts are voices in counterpoint (a motet, a chorale): each enters in every bar by
            the second strong beat, as the lead does, and none is owed the downbeat or that beat.
        line_programs: Parts that are single lines while they never start two notes together: a new
            note ends the one before (``convert.end_single_lines_at_next_note`` writes it so).
    """

    n_bars: int
    time_signature: tuple[int, int]
    tempo_token: str | None
    programs: frozenset[int]
    scale_pcs: frozenset[int] | None = None
    chords: tuple[frozenset[int] | None, ...] = ()
    roots: tuple[int | None, ...] = ()
    chord_bias: float = 6.0
    home_pcs: frozenset[int] | None = None
    home_bias: float = 2.0
    leading_pcs: frozenset[int] = frozenset()
    key_bias: float = 4.0
    penultimate_bias: float = 6.0
    velocity_target: int | None = None
    register_shift: float = 0.0
    notes_per_bar: float | None = None
    empty_until: int = 0
    cadence: bool = True
    final_pcs: frozenset[int] | None = None
    final_root: int | None = None
    final_onset: int = 0
    penultimate_pcs: frozenset[int] | None = None
    forced: dict[int, dict[int, list[tuple[int, ...]]]] = field(default_factory=dict)
    returns: dict[int, int] = field(default_factory=dict)
    replay_programs: frozenset[int] | None = None
    present_programs: frozenset[int] = frozenset()
    lead_program: int | None = None
    line_programs: frozenset[int] = frozenset()
    voices: bool = False

    @property
    def positions_per_bar(self) -> int:
        return self.time_signature[0] * POSITIONS_PER_BEAT

    def chord_at(self, bar: int) -> frozenset[int] | None:
        return self.chords[bar - 1] if 0 < bar <= len(self.chords) else None

    def root_at(self, bar: int) -> int | None:
        return self.roots[bar - 1] if 0 < bar <= len(self.roots) else None


class Vocab:
    """Per-token lookup arrays built once from the tokenizer: kind, value, duration in positions."""

    KINDS = ("Bar", "TimeSig", "Position", "Tempo", "Program", "Pitch", "PitchDrum", "Velocity", "Duration")

    def __init__(self, tokenizer: Tokenizer):
        V = tokenizer.vocab_size
        self.size = V
        self.eos = tokenizer.eos_id
        self.kind = np.full(V, -1, dtype=np.int64)
        self.value = np.full(V, -10_000, dtype=np.int64)  # Position/Program/Pitch value
        self.dur_units = np.zeros(V, dtype=np.int64)  # Duration length in positions (1/8 beat)
        self.ids: dict[str, int] = dict(tokenizer.vocab)
        for token, i in tokenizer.vocab.items():
            kind, _, raw = token.partition("_")
            if kind not in self.KINDS:
                continue
            self.kind[i] = self.KINDS.index(kind)
            if kind in ("Position", "Program", "Pitch", "PitchDrum", "Velocity"):
                self.value[i] = int(raw)
            elif kind == "Duration":
                beats, frac, res = (int(x) for x in raw.split("."))
                self.dur_units[i] = beats * POSITIONS_PER_BEAT + frac * POSITIONS_PER_BEAT // res
        self.masks = {k: torch.from_numpy(self.kind == n) for n, k in enumerate(self.KINDS)}
        self.t_value = torch.from_numpy(self.value)
        self.t_dur = torch.from_numpy(self.dur_units)
        self.pitch_pc = torch.from_numpy(np.where(self.kind == self.KINDS.index("Pitch"), self.value % 12, -1))
        self._pc_cache: dict[frozenset[int], torch.Tensor] = {}

    def pc_mask(self, pcs: frozenset[int]) -> torch.Tensor:
        """Pitch tokens whose pitch class is in ``pcs`` (cached: plans reuse a handful of sets)."""
        if pcs not in self._pc_cache:
            self._pc_cache[pcs] = torch.isin(self.pitch_pc, torch.tensor(sorted(pcs), dtype=torch.long))
        return self._pc_cache[pcs]

    def kind_of(self, token_id: int) -> str:
        k = int(self.kind[token_id])
        return self.KINDS[k] if k >= 0 else ("EOS" if token_id == self.eos else "Other")

    def notes_by_bar(self, ids: list[int], programs: frozenset[int] | None = None
                     ) -> dict[int, dict[int, list[tuple[int, ...]]]]:
        """bar (from 1) -> position -> note token tuples (Program, Pitch|PitchDrum, Velocity, Duration)
        of a REMI stream, keeping only ``programs`` (None = all)."""
        out: dict[int, dict[int, list[tuple[int, ...]]]] = {}
        bar, pos, note = 0, 0, []
        for t in ids:
            kind = self.kind_of(t)
            if kind == "Bar":
                bar += 1
            elif kind == "Position":
                pos = int(self.value[t])
            elif kind in ("Program", "Pitch", "PitchDrum", "Velocity", "Duration"):
                note = [t] if kind == "Program" else [*note, t]
                if kind == "Duration" and (programs is None or int(self.value[note[0]]) in programs):
                    out.setdefault(bar, {}).setdefault(pos, []).append(tuple(note))
        return out

    def single(self, token_id: int) -> torch.Tensor:
        mask = torch.zeros(self.size, dtype=torch.bool)
        mask[token_id] = True
        return mask


class GrammarState:
    """Where one row is in the grammar; ``feed`` a token, ask ``allowed()`` / ``bias()`` for the next."""

    def __init__(self, vocab: Vocab, plan: Plan):
        self.v, self.plan = vocab, plan
        self.last = "Start"  # kind of the last token (Start = right after Controls_end)
        self.bar = 0
        self.pos = -1
        self.program: int | None = None
        self.onset_units = 0  # absolute position of the current Position, from the start of bar 1
        self.at_pos: set[tuple[int, int]] = set()  # (program, pitch) already at this position
        self.notes_in_bar = 0
        self.played: set[int | None] = set()  # programs with a note in this bar
        self.pcs_in_bar: set[int] = set()  # pitch classes of pitched notes in this bar
        self.chordal: set[int | None] = {DRUMS}  # programs that have sounded two pitches at one onset
        self.pitched = any(p != DRUMS for p in plan.programs)
        self.queue: list[int] = []  # forced tokens still to emit
        self.pending: list[int] = []  # forced onset positions left in this bar
        self.bar_forced: dict[int, list[tuple[int, ...]]] = {}  # position -> notes forced in this bar
        self.tempo_done = plan.tempo_token is None
        self.done = False
        self.bar_tokens: dict[int, list[int]] = {}  # what each bar was, for returns of material
        self.sealed = False
        self.program_mask = torch.zeros(vocab.size, dtype=torch.bool)
        for program in plan.programs:
            self.program_mask[vocab.ids[f"Program_{program}"]] = True
        self.free_programs = self.program_mask  # programs that may start free notes in this bar
        self.present = {p: vocab.ids[f"Program_{p}"] for p in sorted(plan.present_programs & plan.programs)}
        num = plan.time_signature[0]
        # The bar's second strong beat (beat 3 of 4/4, 4 of 6/8 and 5/4, the half bar of 2/2; none in
        # 3/4): the accompaniment sounds there too, held from the downbeat or struck again.
        self.mid = 0 if num in (1, 3) else {5: 3, 6: 3, 9: 6, 12: 6}.get(num, num // 2) * POSITIONS_PER_BEAT
        # The lead enters by then (beat 2 of 3/4): it may rest or take a pickup, not sit out the bar.
        self.lead_deadline = self.mid or min(num - 1, 1) * POSITIONS_PER_BEAT
        self.ends: dict[int | None, int] = {}  # program -> end of its latest note (absolute position)
        self.lead_pitch: int | None = None  # the lead's latest pitch: the accompaniment leans under it

    # --- transitions -------------------------------------------------------------------------
    def feed(self, token_id: int) -> None:
        kind = self.v.kind_of(token_id)
        if self.queue and token_id == self.queue[0]:
            self.queue.pop(0)
        if kind == "EOS":
            self.done = True
        elif kind == "Bar":
            self.bar += 1
            self.pos, self.notes_in_bar, self.at_pos, self.played = -1, 0, set(), set()
            self.pcs_in_bar = set()
            self.bar_forced = self.plan.forced.get(self.bar, {})
            source = self.bar_tokens.get(self.plan.returns.get(self.bar, -1), [])
            if source and self.plan.replay_programs is not None:  # replay some parts, write the others
                replayed = self.v.notes_by_bar(source, self.plan.replay_programs).get(1, {})
                self.bar_forced = {pos: [*self.bar_forced.get(pos, []), *replayed.get(pos, [])]
                                   for pos in {*self.bar_forced, *replayed}}
                source = []
                self.free_programs = self.program_mask.clone()  # the replayed parts get nothing else
                for program in self.plan.replay_programs:
                    self.free_programs[self.v.ids[f"Program_{program}"]] = False
            else:
                self.free_programs = self.program_mask
            self.pending = sorted(self.bar_forced)
            self.queue.extend(t for t in source[1:] if self.v.kind_of(t) != "Tempo")
            # a replayed bar gets nothing beyond the replay
            self.sealed = bool(source) or not bool(self.free_programs.any())
        elif kind == "Position":
            self.pos = int(self.v.value[token_id])
            self.onset_units = (self.bar - 1) * self.plan.positions_per_bar + self.pos
            self.at_pos = set()
            if self._final() and 0 < self.plan.final_onset == self.pos:  # the held chord is counted on its own
                self.notes_in_bar, self.played, self.pcs_in_bar = 0, set(), set()
            if not self.tempo_done and self.bar == 1 and self.pos == 0:
                self.queue.append(self.v.ids[self.plan.tempo_token])  # the tempo sits on bar 1's downbeat
            if self.pending and self.pending[0] == self.pos:
                self.pending.pop(0)
                for note in self.bar_forced[self.pos]:
                    self.queue.extend(note)
        elif kind == "Tempo":
            self.tempo_done = True
        elif kind == "Program":
            self.program = int(self.v.value[token_id])
        elif kind in ("Pitch", "PitchDrum"):
            if any(program == self.program for program, _ in self.at_pos):
                self.chordal.add(self.program)
            self.at_pos.add((self.program, int(self.v.value[token_id])))
            if kind == "Pitch":
                self.pcs_in_bar.add(int(self.v.value[token_id]) % 12)
                if self.program == self.plan.lead_program:
                    self.lead_pitch = int(self.v.value[token_id])
        elif kind == "Duration":
            self.notes_in_bar += 1
            self.played.add(self.program)
            end = self.onset_units + int(self.v.dur_units[token_id])
            if self.program in self.plan.line_programs and self.program not in self.chordal:
                self.ends[self.program] = end  # a single line's new note ends the one before
            else:
                self.ends[self.program] = max(end, self.ends.get(self.program, 0))
        if kind != "Other":
            self.last = kind
            if self.bar > 0 and kind != "EOS":
                self.bar_tokens.setdefault(self.bar, []).append(token_id)

    # --- what may come next ------------------------------------------------------------------
    def allowed(self) -> torch.Tensor:
        """Boolean mask [V] of tokens that keep the sequence valid and the plan obeyed."""
        v, plan = self.v, self.plan
        if self.done:
            return torch.ones(v.size, dtype=torch.bool)
        if self.queue:
            return v.single(self.queue[0])
        last = self.last
        if last in ("Start",):
            return v.single(v.ids["Bar_None"])
        if last == "Bar":
            num, den = plan.time_signature
            return v.single(v.ids[f"TimeSig_{num}/{den}"])
        if last == "Position":
            return self._programs()
        if self.bar == 1 and not self.tempo_done:  # the tempo needs Position_0 first
            return v.single(v.ids["Position_0"])
        if last == "Program":
            return self._pitches()
        if last in ("Pitch", "PitchDrum"):
            return v.masks["Velocity"].clone()
        if last == "Velocity":
            return self._durations()
        # After TimeSig, Tempo or Duration: a new note here, a later Position, the next Bar or EOS.
        mask = torch.zeros(v.size, dtype=torch.bool)
        missing = self._missing()
        if missing and last in ("Tempo", "Duration"):
            due = self._due_here(missing)
            if due:  # a requested part has not played and this is its last chance in the bar
                for program in due:
                    mask[self.present[program]] = True
                return mask
        free_here = self._may_add_note()
        if last in ("Tempo", "Duration") and free_here and self._free_onset_ok(self.pos):
            mask |= self._programs()
        mask |= self._positions()
        needs_note = plan.chord_at(self.bar) and not self.pcs_in_bar and free_here and self.pitched  # heard
        if not self.pending and not needs_note and not missing:
            if self.bar < plan.n_bars:
                mask[v.ids["Bar_None"]] = True
            elif self.notes_in_bar > 0 and not self._unplayed() and (not self._final() or self._holding()):
                mask[v.eos] = True
        if not mask.any():  # nothing fits in this bar any more (cap reached, last position used)
            mask[v.ids["Bar_None"] if self.bar < plan.n_bars else v.eos] = True
        return mask

    def _in_prompt_gap(self) -> bool:
        return self.bar <= self.plan.empty_until

    def _final(self) -> bool:
        return self.plan.cadence and self.bar == self.plan.n_bars

    def _holding(self) -> bool:
        """In the held final chord (the whole last bar, or its part from ``final_onset`` on)."""
        return self._final() and (self.plan.final_onset == 0 or self.pos >= self.plan.final_onset)

    def _may_add_note(self) -> bool:
        if self._in_prompt_gap() or self.sealed:
            return False
        if self._holding():
            return self.notes_in_bar < self._hold_cap()
        cap = MAX_NOTES_PER_BAR
        if self.plan.notes_per_bar:  # a requested density is a ceiling too, not only a lean
            cap = min(cap, max(MIN_DENSITY_CAP, math.ceil(DENSITY_CAP * self.plan.notes_per_bar)))
        return self.notes_in_bar < cap

    def _hold_cap(self) -> int:
        """Notes in the held final chord: up to 3 per part, 1 per voice that has sung one note at a time."""
        per_part = sum(1 if self.plan.voices and p not in self.chordal else 3 for p in self.plan.programs)
        return max(len(self.plan.programs), min(MAX_FINAL_NOTES, per_part))

    def _unplayed(self) -> list[int]:
        """Programs still missing from the held final chord (every requested instrument ends the piece)."""
        return [p for p in self.plan.programs if p not in self.played] if self._holding() else []

    def _missing(self) -> list[tuple[int, int]]:
        """(program, position) pairs of ``plan.present_programs`` still owed in this bar: a part that
        must start a note by that position. The lead by its deadline, the accompaniment on the
        downbeat and, unless a note of it still rings there, on the second strong beat. Voices
        (``plan.voices``) by the lead's deadline, unless a note tied over the bar line rings there."""
        if not self.present or self.bar < 1 or self._in_prompt_gap() or self.sealed or self._final():
            return []
        owed = []
        bar_units = (self.bar - 1) * self.plan.positions_per_bar
        mid_units = bar_units + self.mid
        for p, tid in self.present.items():
            if not bool(self.free_programs[tid]):
                continue
            if self.plan.voices:
                if p not in self.played and self.ends.get(p, 0) <= bar_units + self.lead_deadline:
                    owed.append((p, self.lead_deadline))
            elif p == self.plan.lead_program:
                if p not in self.played:
                    owed.append((p, self.lead_deadline))
            elif p not in self.played:
                owed.append((p, 0))
            elif self.mid and self.pos <= self.mid and self.ends.get(p, 0) <= mid_units:
                owed.append((p, self.mid))
        return owed

    def _due_here(self, missing: list[tuple[int, int]]) -> list[int]:
        """Of ``missing``, the programs that must start a note at the current position (the model may
        bring them in earlier)."""
        return [p for p, by in missing if by <= self.pos]

    def _chord(self) -> tuple[frozenset[int] | None, int | None]:
        """(pitch classes, root) of the harmony at this point: the held final chord, or the bar's chord."""
        if self._holding() and self.plan.final_onset > 0:
            return self.plan.final_pcs, self.plan.final_root
        return self.plan.chord_at(self.bar), self.plan.root_at(self.bar)

    def _programs(self) -> torch.Tensor:
        unplayed = self._unplayed()
        if unplayed and self._hold_cap() - self.notes_in_bar <= len(unplayed):
            mask = torch.zeros(self.v.size, dtype=torch.bool)
            for program in unplayed:
                mask[self.v.ids[f"Program_{program}"]] = True
            return mask
        missing = self._missing()
        if missing and not self._may_add_note():  # the density cap is full: only the parts still owed
            due = self._due_here(missing)
            if due:
                mask = torch.zeros(self.v.size, dtype=torch.bool)
                for program in due:
                    mask[self.present[program]] = True
                return mask
        mask = self.free_programs.clone()
        if self._holding() and self.plan.voices:  # a voice has its one note of the final chord
            for program in self.played - self.chordal:
                if program in self.plan.programs:
                    mask[self.v.ids[f"Program_{program}"]] = False
        if self.at_pos:  # a program that has its chord at this onset moves on (it would run out of pitches)
            counts: dict[int, int] = {}
            for program, _ in self.at_pos:
                counts[program] = counts.get(program, 0) + 1
            for program, n in counts.items():
                if program in self.plan.programs and n >= (MAX_LOW_ONSET_NOTES if program in LOW_PROGRAMS
                                                           else MAX_ONSET_NOTES):
                    mask[self.v.ids[f"Program_{program}"]] = False
        return mask  # may be empty after a note: the bar then moves on (a later Position, Bar or EOS)

    def _free_onset_ok(self, pos: int) -> bool:
        return not self._final() or pos <= self.plan.final_onset

    def _positions(self) -> torch.Tensor:
        """Later positions in this bar, and no further than where a part still owed must play."""
        v, plan = self.v, self.plan
        missing = self._missing()
        if not missing:
            return self._later_positions()
        by = min(position for _, position in missing)
        deadline = v.masks["Position"] & (v.t_value == by) & (self.pos < by)
        return (self._later_positions() & (v.t_value <= by)) | deadline

    def _later_positions(self) -> torch.Tensor:
        """Later positions in this bar: any (free notes), up to the next forced onset, or only it."""
        v, plan = self.v, self.plan
        free = self._may_add_note()
        low, high = self.pos + 1, plan.positions_per_bar - 1
        if self._final():
            high = plan.final_onset  # the held final chord starts there (the downbeat, or later)
            if not self._holding() and not self.pending:  # however full the bar, the held chord comes
                reach = v.masks["Position"] & (v.t_value == high)
                return reach | (v.masks["Position"] & (v.t_value >= low) & (v.t_value <= high)) if free else reach
        if self.pending:
            target = self.pending[0]
            if free and self._unplayed() and self.pos <= 0:  # the final chord first, on the downbeat
                return v.masks["Position"] & (v.t_value == 0) & (self.pos < 0)
            ok = v.t_value == target
            if free:
                ok |= (v.t_value >= low) & (v.t_value <= min(high, target))
            return v.masks["Position"] & ok
        if not free:
            return torch.zeros(v.size, dtype=torch.bool)
        return v.masks["Position"] & (v.t_value >= low) & (v.t_value <= high)

    def _pitches(self) -> torch.Tensor:
        v, plan = self.v, self.plan
        taken = [p for prog, p in self.at_pos if prog == self.program]
        if self.program == DRUMS:
            mask = v.masks["PitchDrum"].clone()
        else:
            low, high = playable_range(self.program)
            if self.program in LOW_PROGRAMS and self.program in self.present and self.program != plan.lead_program:
                high = min(high, BASS_BELOW)  # an accompanying bass stays under the melody
            mask = v.masks["Pitch"] & (v.t_value >= low) & (v.t_value <= high)
            pcs = None
            if self._holding() and plan.final_pcs:
                pcs = plan.final_pcs
            elif plan.scale_pcs is not None:
                pcs = plan.scale_pcs | (plan.chord_at(self.bar) or frozenset())
            if pcs is not None:
                mask &= v.pc_mask(pcs)
            chord, _ = self._chord()
            if self._holding() and plan.final_root is not None:
                chord = frozenset({plan.final_root})  # the final chord in root position
            if chord:  # the bass register carries the chord: only its tones there
                bass_ok = v.pc_mask(chord) | (v.t_value >= BASS_BELOW)
                if (mask & bass_ok).any():
                    mask &= bass_ok
            if self._holding() and plan.final_root is not None and plan.final_root not in self.pcs_in_bar:
                root = mask & v.pc_mask(frozenset({plan.final_root}))  # a final chord sounds its root first
                if root.any():
                    mask = root
        if taken:  # the same program playing the same pitch twice at one onset decodes as a duplicate
            dup = mask & torch.isin(v.t_value, torch.tensor(taken))
            if (mask & ~dup).any():
                mask &= ~dup
        return mask

    def _durations(self) -> torch.Tensor:
        v, plan = self.v, self.plan
        end_units = plan.n_bars * plan.positions_per_bar
        room = end_units - self.onset_units
        if plan.chord_at(self.bar):  # harmony changes at the bar line: don't ring into the next chord
            room = min(room, self.bar * plan.positions_per_bar - self.onset_units)
        if self._final() and not self._holding():  # nor into the held final chord
            room = min(room, (self.bar - 1) * plan.positions_per_bar + plan.final_onset - self.onset_units)
        mask = v.masks["Duration"] & (v.t_dur <= room)
        if self._holding():
            exact = mask & (v.t_dur == room)
            if exact.any():  # the held final chord rings to the very end of the piece
                return exact
        if not mask.any():
            mask = v.masks["Duration"] & (v.t_dur == v.t_dur[v.masks["Duration"]].min())
        return mask

    def _density_bias(self) -> torch.Tensor:
        """Logits steering the notes in this bar toward ``plan.notes_per_bar``.

        The notes written so far are compared with the share of the target due by this point of
        the bar. Behind it, ending the bar (Bar, EOS) and jumping ahead cost logits in proportion to
        the shortfall (a trained model likes to end bars early: a flat bonus on starting notes
        saturated and moved nothing); ahead of it, another note at this onset and near positions do.
        """
        v, plan = self.v, self.plan
        target, per_bar = plan.notes_per_bar, plan.positions_per_bar
        due = target * max(0, self.pos + 1) / per_bar  # notes expected by this position
        behind = (due - self.notes_in_bar) / target  # > 0: too few so far (share of the bar's target)
        out = torch.zeros(v.size)
        ends = torch.zeros(v.size, dtype=torch.bool)
        ends[v.ids["Bar_None"]] = ends[v.eos] = True
        short = 1.0 - self.notes_in_bar / target  # share of the target still missing in the bar
        if short > 0:  # ending the bar now leaves notes out: costs up to DENSITY_BAR_COST
            out[ends] = -DENSITY_BAR_COST * short
        steps = (v.t_value - max(self.pos, 0)).float().clamp(min=0) / POSITIONS_PER_BEAT  # beats ahead
        positions = v.masks["Position"].float()
        if behind > 0:  # behind: start notes here or soon, not beats later
            out += v.masks["Program"].float() * 4.0 * min(behind, 1.0)
            out -= positions * steps * 4.0 * min(behind, 1.0)
        else:  # ahead: wait longer before the next onset
            out -= v.masks["Program"].float() * 4.0 * min(-behind, 1.0)
            out += positions * steps * 2.0 * min(-behind, 1.0)
        return out

    def bias(self, allowed: torch.Tensor) -> torch.Tensor | None:
        """Soft preferences as a logit offset [V] (None = none): density, chord tones, the approach."""
        v, plan = self.v, self.plan
        if self.done or self.queue:
            return None
        out = None
        if self.last == "Position" and plan.lead_program in self.present:
            out = torch.zeros(v.size)
            out[self.present[plan.lead_program]] = LEAD_BIAS
            return out
        if self.last in ("Pitch", "PitchDrum") and plan.velocity_target is not None:
            # One logit less per 16 velocity steps away from the mood's loudness.
            return -(v.t_value - plan.velocity_target).abs().float() / 16.0 * v.masks["Velocity"].float()
        if self.last == "Program" and self.program != DRUMS:
            chord, root = self._chord()
            if chord:  # chord tones, once more for tones not yet heard in the bar and the root in the bass
                out = v.pc_mask(chord).float() * plan.chord_bias
                missing = chord - self.pcs_in_bar
                if missing:
                    out += v.pc_mask(frozenset(missing)).float() * plan.chord_bias
                if plan.home_pcs:  # keep the key heard: the tonic triad up top, a leading tone in the chord
                    upper = (v.t_value >= BASS_BELOW).float()
                    out += v.pc_mask(plan.home_pcs).float() * upper * plan.key_bias / 2
                    out += v.pc_mask(chord & plan.home_pcs).float() * upper * plan.key_bias / 2
                    if chord & plan.leading_pcs:
                        out += v.pc_mask(frozenset(chord & plan.leading_pcs)).float() * plan.key_bias
                if root is not None:
                    out += (v.pc_mask(frozenset({root})) & (v.t_value < BASS_BELOW)).float() * plan.chord_bias
            elif self.bar == plan.n_bars - (1 if plan.cadence else 0) and plan.penultimate_pcs:
                # Before the held final chord; without one (a loop) the last bar leads back to bar 1.
                out = v.pc_mask(plan.penultimate_pcs).float() * plan.penultimate_bias
            elif plan.home_pcs:  # a gentle lean on the tonic triad makes the key audible
                out = v.pc_mask(plan.home_pcs).float() * plan.home_bias
            if plan.register_shift:
                lift = (v.t_value - 60).float() / 12.0 * plan.register_shift * v.masks["Pitch"].float()
                out = lift if out is None else out + lift
            if self.lead_pitch is not None and self.program in self.present and self.program != plan.lead_program:
                above = (v.masks["Pitch"] & (v.t_value > self.lead_pitch)).float() * -ACCOMPANY_ABOVE_COST
                out = above if out is None else out + above  # the accompaniment keeps under the tune
        elif self.last in ("TimeSig", "Tempo", "Duration") and plan.notes_per_bar and not self._holding():
            out = self._density_bias()
        return out


class GrammarProcessor:
    """A logits processor for ``Composer.generate`` over B rows, each with its own :class:`GrammarState`.

    ``generate`` calls it as ``(step, ids [B, T+step], logits [B, V])``; tokens sampled since the
    last call are fed to the states first. Call :meth:`catch_up` with the returned tokens afterwards
    so the states also see the final one (and can carry over into the next window).
    """

    def __init__(self, states: list[GrammarState]):
        self.states = states
        self.prompt_len: int | None = None
        self.fed = 0

    def start_call(self, prompt_len: int) -> None:
        self.prompt_len, self.fed = prompt_len, 0

    def __call__(self, step: int, ids: torch.Tensor, logits: torch.Tensor) -> torch.Tensor:
        if self.prompt_len is None:
            self.start_call(ids.shape[1] - step)
        self._feed(ids[:, self.prompt_len + self.fed:])
        neg = torch.finfo(logits.dtype).min
        for row, state in enumerate(self.states):
            if state.done:
                continue
            allowed = state.allowed()
            if not bool(allowed.any()):  # every state allows something; an empty mask is a grammar bug
                raise RuntimeError(f"grammar allows no token after {state.last} in bar {state.bar}")
            bias = state.bias(allowed)
            if bias is not None:
                logits[row] += bias.to(logits.dtype)
            logits[row] = logits[row].masked_fill(~allowed, neg)
        return logits

    def catch_up(self, new_tokens: torch.Tensor) -> None:
        """Feed tokens of the finished call [B, N] not yet seen; ready for the next call."""
        self._feed(new_tokens[:, self.fed:])
        self.prompt_len = None

    def _feed(self, tokens: torch.Tensor) -> None:
        for j in range(tokens.shape[1]):
            for row, state in enumerate(self.states):
                if not state.done:
                    state.feed(int(tokens[row, j]))
        self.fed += tokens.shape[1]
