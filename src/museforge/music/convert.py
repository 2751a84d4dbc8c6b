"""Load any supported music file as symusic Scores, converting music21 streams note by note.

music21's own MIDI export fails on a share of the folk tunes (DESIGN.md), so notated sources
(MusicXML, ABC, Humdrum kern, music21 corpus entries) are converted here from music21 objects
straight into a symusic Score: parts become tracks (name, GM program, drums), and tempo, time
signature and key signature events are kept. MIDI goes through symusic directly.
"""

from __future__ import annotations

from pathlib import Path

from symusic import KeySignature, Note, Score, Tempo, TimeSignature, Track

from museforge.errors import MuseforgeError

TICKS_PER_QUARTER = 480
DEFAULT_QPM = 120.0  # what MIDI assumes when a file states no tempo
DEFAULT_VELOCITY = 80
MIDI_SUFFIXES = {".mid", ".midi"}
NOTATION_SUFFIXES = {".xml", ".musicxml", ".mxl", ".abc", ".krn"}
SUPPORTED_SUFFIXES = MIDI_SUFFIXES | NOTATION_SUFFIXES
ORCHESTRA_HIT = 55  # never chosen when separating parts that share a program


def load_scores(path: str | Path) -> list[tuple[str, Score]]:
    """Every piece in a file as (title, Score); an ABC/kern collection yields one per tune."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in SUPPORTED_SUFFIXES:
        raise MuseforgeError(f"unsupported file type {suffix!r}; supported: {', '.join(sorted(SUPPORTED_SUFFIXES))}")
    if suffix in MIDI_SUFFIXES:
        score = Score(str(path))
        return [(path.stem, score.resample(TICKS_PER_QUARTER) if score.tpq != TICKS_PER_QUARTER else score)]
    import music21

    parsed = music21.converter.parse(str(path))
    return stream_to_scores(parsed, path.stem)


def stream_to_scores(parsed, default_title: str) -> list[tuple[str, Score]]:
    """A music21 Score or Opus as a list of (title, symusic Score)."""
    import music21

    if not isinstance(parsed, music21.stream.Opus):
        return [(_title(parsed) or default_title, stream_to_score(parsed))]
    out = []
    for index, piece in enumerate(parsed.scores):
        try:
            out.append((_title(piece) or f"{default_title}#{index}", stream_to_score(piece)))
        except MuseforgeError:  # an empty tune in a collection costs only that tune
            continue
    if not out:
        raise MuseforgeError("no tune in the collection has notes")
    return out


def stream_to_score(stream) -> Score:
    """Convert one music21 Score (or Part/Stream) to a symusic Score at 480 ticks per quarter."""
    import music21

    parts = list(stream.parts) if stream.hasPartLikeStreams() else [stream]
    shift_ql = _pickup_shift_ql(parts[0])
    score = Score(TICKS_PER_QUARTER)
    used_programs: set[int] = set()
    for index, part in enumerate(parts):
        flat = part.flatten()
        is_drum, program = _instrument(part)
        if not is_drum:
            named = _program_from_name(part) if part.getInstrument(returnDefault=False) else None
            program = _distinct_program(program, used_programs, named)
            used_programs.add(program)
        track = Track(_part_name(part, index), program, is_drum)
        for start, duration, pitch, velocity in _tied_notes(flat, shift_ql):
            track.notes.append(Note(start, duration, pitch, velocity))
        if len(track.notes):
            score.tracks.append(track)
    if not len(score.tracks):
        raise MuseforgeError("the piece has no notes")
    _copy_meta(parts[0], score, shift_ql, music21)
    return score


def _tied_notes(flat, shift_ql: float) -> list[tuple[int, int, int, int]]:
    """(start, duration, pitch, velocity) in ticks, with tied notes merged into one.

    music21's ``stripTies`` does the same but takes seconds per part on long scores (it is the
    bulk of converting a Beethoven quartet); one pass over the flat notes keyed by pitch is enough.
    """
    notes: list[list[int]] = []
    open_by_pitch: dict[int, int] = {}  # pitch -> index of the note a tie is extending
    for element in flat.notes:
        duration_ql = float(element.duration.quarterLength)
        if duration_ql <= 0:  # grace notes carry no time of their own
            continue
        start = _ticks(float(element.offset) + shift_ql)
        end = start + max(1, _ticks(duration_ql))
        velocity = _velocity(element)
        members = element.notes if element.isChord else [element]
        for member in members:
            pitch = int(member.pitch.midi)
            if not 0 <= pitch <= 127:
                continue
            tie = (member.tie or element.tie).type if (member.tie or element.tie) else None
            held = open_by_pitch.get(pitch)
            if tie in ("continue", "stop") and held is not None:
                notes[held][1] = max(notes[held][1], end - notes[held][0])
            else:
                open_by_pitch[pitch] = len(notes)
                notes.append([start, end - start, pitch, velocity])
            if tie not in ("start", "continue"):
                open_by_pitch.pop(pitch, None)
    return [tuple(n) for n in notes]


def _copy_meta(stream, score: Score, shift_ql: float, music21) -> None:
    flat = stream.flatten()

    def time(element) -> int:  # events at the very start stay at 0, before any pickup shift
        return _ticks(float(element.offset) + shift_ql) if element.offset else 0

    for mark in flat.getElementsByClass(music21.tempo.MetronomeMark):
        qpm = mark.getQuarterBPM()
        if qpm and 10 <= qpm <= 400:
            score.tempos.append(Tempo(time(mark), qpm=float(qpm)))
    if not len(score.tempos):
        score.tempos.append(Tempo(0, qpm=DEFAULT_QPM))
    last_meter = None
    signatures = list(flat.getElementsByClass(music21.meter.TimeSignature))
    if not any(not sig.offset for sig in signatures):  # some ABC headers (M:C) leave no TS at 0
        signatures += list(stream.getTimeSignatures(returnDefault=True)[:1])
    for sig in sorted(signatures, key=time):
        meter = (int(sig.numerator), int(sig.denominator))
        # ABC partial bars come back as odd meters such as 1/32: they are bar fixes, not meters.
        if meter != last_meter and meter[1] in (2, 4, 8) and 1 <= meter[0] <= 12:
            score.time_signatures.append(TimeSignature(time(sig), *meter))
            last_meter = meter
    for sig in flat.getElementsByClass(music21.key.KeySignature):
        minor = isinstance(sig, music21.key.Key) and sig.mode == "minor"
        score.key_signatures.append(KeySignature(time(sig), int(sig.sharps), 1 if minor else 0))


def _pickup_shift_ql(part) -> float:
    """Quarter lengths to delay everything so that bar lines fall on the meter's grid after a pickup."""
    import music21

    measures = list(part.getElementsByClass(music21.stream.Measure))
    if not measures:
        return 0.0
    padding = float(measures[0].paddingLeft or 0.0)
    return padding if padding > 0 else 0.0


def _instrument(part) -> tuple[bool, int]:
    import music21

    inst = part.getInstrument(returnDefault=False)
    if inst is None:
        return False, 0
    if isinstance(inst, music21.instrument.UnpitchedPercussion) or inst.midiChannel == 9:
        return True, 0
    return False, int(inst.midiProgram) if inst.midiProgram is not None else 0


def _program_from_name(part) -> int | None:
    """GM program implied by a part name such as 'Viola' or 'Cello', if music21 knows the name."""
    import music21

    try:
        return music21.instrument.fromString(part.partName or "").midiProgram
    except Exception:  # music21 raises InstrumentException (and others) for names it does not know
        return None


def _distinct_program(program: int, used: set[int], named: int | None) -> int:
    """Keep parts apart in a program-based token stream, which merges tracks sharing a program.

    A repeated program is replaced by the part name's own program (a 'Viola' in a string ensemble)
    or the next free one in its GM family: four unlabelled chorale voices become 0, 1, 2, 3.
    """
    if program not in used:
        return program
    if named is not None and named not in used:
        return named
    family = program - program % 8
    for candidate in [*range(family, family + 8), *range(128)]:
        if candidate not in used and candidate != ORCHESTRA_HIT:
            return candidate
    return program


def _velocity(element) -> int:
    velocity = element.volume.velocity if element.volume is not None else None
    return int(velocity) if velocity else DEFAULT_VELOCITY


def _part_name(part, index: int) -> str:
    name = part.partName or (part.id if isinstance(part.id, str) else None)
    return str(name) if name else f"Part {index + 1}"


def _title(piece) -> str | None:
    meta = piece.metadata
    if meta is None:
        return None
    title = meta.title or meta.movementName
    return str(title) if title else None


def _ticks(quarter_length: float) -> int:
    return int(round(quarter_length * TICKS_PER_QUARTER))


def cut_notes_at(score: Score, end_tick: int) -> Score:
    """Drop notes starting at or after ``end_tick``, shorten the rest to end there, drop empty
    tracks; in place, returns ``score``."""
    for track in score.tracks:
        keep = [n for n in track.notes if n.time < end_tick]
        for note in keep:
            note.duration = max(1, min(note.duration, end_tick - note.time))
        track.notes = keep
    score.tracks = [t for t in score.tracks if len(t.notes)]
    return score


def end_single_lines_at_next_note(score: Score, programs: frozenset[int]) -> Score:
    """In every track of ``programs`` that never starts two notes together (a single line: a voice, a
    flute, a folk tune), end each note where the track's next note starts; in place, returns ``score``.

    A sampled duration can outlast the line's next onset. A singer cannot sound both notes, and the
    overlap is heard as polyphony: 35 % of successive notes overlapped in generated medieval parts
    against 0.8 % in the test pieces (docs/composer_metrics.md). Chordal tracks are left alone, and so is
    any track not in ``programs`` (a piano's broken chords ring on).
    """
    for track in score.tracks:
        if track.is_drum or track.program not in programs or len(track.notes) < 2:
            continue
        notes = sorted(track.notes, key=lambda n: n.time)
        if any(a.time == b.time for a, b in zip(notes, notes[1:])):
            continue  # a chord somewhere: not a single line
        for note, following in zip(notes, notes[1:]):
            note.duration = min(note.duration, following.time - note.time)
        track.notes = notes
    return score
