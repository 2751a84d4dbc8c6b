"""Score -> music21 score for MusicXML (engraving is the other way to "render" a score).

Notes are converted directly from the symusic Score rather than through music21's MIDI import,
which fails on some material. Note starts and ends are snapped to the nearest 16th or 8th-note
triplet position (a slightly detached 0.875-beat note becomes a plain beat, not a 5:6 tuplet);
a note never shrinks below a 16th-note triplet. Notes
with the same onset and duration become chords; notes that overlap otherwise go to further voices,
so nothing is dropped. Drums stay on their GM key numbers in a percussion part (MIDI channel 10).
"""

from __future__ import annotations

from collections import defaultdict
from fractions import Fraction

GRID_PER_QUARTER = 12  # common grid of 16ths (3 steps) and 8th-note triplets (4 steps)
_DIVISORS = (4, 3)  # preferred first on ties


def _quarters(ticks: int, tpq: int) -> Fraction:
    """Ticks -> quarter notes at the nearest 16th or 8th-triplet position."""
    exact = Fraction(int(ticks), int(tpq))
    candidates = [Fraction(round(exact * d), d) for d in _DIVISORS]
    return min(candidates, key=lambda q: abs(q - exact))


def quantized_notes(track, tpq: int) -> list[tuple[Fraction, Fraction, int]]:
    """(offset, duration) in quarter notes and pitch for every note of a tick-time track."""
    notes = []
    for note in track.notes:
        offset = _quarters(note.time, tpq)
        duration = max(_quarters(note.time + note.duration, tpq) - offset, Fraction(1, GRID_PER_QUARTER))
        notes.append((offset, duration, int(note.pitch)))
    return sorted(set(notes))


def _voices(notes: list[tuple[Fraction, Fraction, int]]) -> list[list[tuple[Fraction, Fraction, tuple[int, ...]]]]:
    """Chords (same onset and length) packed greedily into voices that never overlap themselves."""
    chords: dict[tuple[Fraction, Fraction], list[int]] = defaultdict(list)
    for offset, duration, pitch in notes:
        chords[(offset, duration)].append(pitch)
    voices: list[list] = []
    ends: list[Fraction] = []
    for (offset, duration), pitches in sorted(chords.items()):
        for index, end in enumerate(ends):
            if end <= offset:
                voices[index].append((offset, duration, tuple(sorted(pitches))))
                ends[index] = offset + duration
                break
        else:
            voices.append([(offset, duration, tuple(sorted(pitches)))])
            ends.append(offset + duration)
    return voices


def _instrument(track):
    from music21 import instrument

    if track.is_drum:
        inst = instrument.Percussion()
        inst.midiChannel = 9
    else:
        try:
            inst = instrument.instrumentFromMidiProgram(int(track.program))
        except Exception:  # music21 lacks a class for a few programs
            inst = instrument.Instrument()
        inst.midiProgram = int(track.program)
    inst.partName = track.name
    return inst


def score_to_music21(score, title: str = ""):
    """A music21 Score with one Part per track (voices as separate Parts when notes overlap)."""
    from music21 import chord, key, metadata, meter, note, stream, tempo

    ticks = score.to("tick")
    tpq = ticks.ticks_per_quarter
    result = stream.Score()
    result.metadata = metadata.Metadata(title=title)
    for track_index, track in enumerate(t for t in ticks.tracks if len(t.notes)):
        voices = _voices(quantized_notes(track, tpq))
        for voice_index, voice in enumerate(voices):
            part = stream.Part()
            name = track.name or f"track{track_index + 1}"
            part.partName = name if voice_index == 0 else f"{name} ({voice_index + 1})"
            part.insert(0, _instrument(track))
            for ts in ticks.time_signatures:
                part.insert(float(_quarters(ts.time, tpq)), meter.TimeSignature(f"{ts.numerator}/{ts.denominator}"))
            for ks in ticks.key_signatures if not track.is_drum else ():
                mode = "minor" if ks.tonality else "major"
                part.insert(float(_quarters(ks.time, tpq)), key.KeySignature(int(ks.key)).asKey(mode))
            if track_index == 0 and voice_index == 0:  # tempo marks once, above the top staff
                for tp in ticks.tempos:
                    part.insert(float(_quarters(tp.time, tpq)), tempo.MetronomeMark(number=round(tp.qpm, 2)))
            for offset, duration, pitches in voice:
                element = note.Note(pitches[0]) if len(pitches) == 1 else chord.Chord(list(pitches))
                element.quarterLength = duration
                part.insert(offset, element)
            result.insert(0, part)
    return result
