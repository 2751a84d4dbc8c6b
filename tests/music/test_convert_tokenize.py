"""Round trips: file -> Score -> tokens -> Score keeps every note on the tokenizer's grid."""

from __future__ import annotations

import numpy as np
import pytest
from fixtures import write_fixtures

from museforge.errors import MuseforgeError
from museforge.music.convert import load_scores
from museforge.music.tokenizer import Controls, get_tokenizer


def _notes(score):
    """(program, drum, onset, duration, pitch) in quarter-note 480ths, sorted."""
    scale = 480 / score.tpq
    return sorted((t.program if not t.is_drum else -1, int(n.time * scale), int(n.duration * scale), n.pitch)
                  for t in score.tracks for n in t.notes)


@pytest.fixture(scope="module")
def files(tmp_path_factory):
    return write_fixtures(tmp_path_factory.mktemp("sources"))


@pytest.mark.parametrize("kind", ["mid", "musicxml", "abc", "krn"])
def test_round_trip_keeps_every_note(files, kind):
    tokenizer = get_tokenizer()
    for _title, score in load_scores(files[kind]):
        controls = Controls("other", "calm", "C", "major", 100.0, (0,), 4)
        ids = tokenizer.encode(score, controls)
        assert ids[0] == tokenizer.bos_id and ids[-1] == tokenizer.eos_id
        decoded = tokenizer.decode(ids)
        expected = tokenizer.remi.preprocess_score(score.copy())
        assert _notes(decoded) == _notes(expected)
        assert len(_notes(decoded)) == score.note_num()  # nothing dropped by preprocessing either
        ts = [(s.numerator, s.denominator) for s in decoded.time_signatures]
        assert ts[:1] == [(s.numerator, s.denominator) for s in score.time_signatures][:1]
        # tempo survives on miditok's tempo grid (32 bins over 40..250 qpm)
        assert abs(decoded.tempos[0].qpm - score.tempos[0].qpm) / score.tempos[0].qpm < 0.05


def test_midi_keeps_programs_drums_tempo_and_meter(files):
    [(_, score)] = load_scores(files["mid"])
    assert [(t.program, t.is_drum) for t in score.tracks] == [(0, False), (0, True)]
    assert round(score.tempos[0].qpm) == 100
    assert (score.time_signatures[0].numerator, score.time_signatures[0].denominator) == (3, 4)


def test_notation_conversion_keeps_parts_meter_key_and_tempo(files):
    [(_, xml)] = load_scores(files["musicxml"])
    assert xml.tracks[0].program == 40  # violin
    assert [n.pitch for n in xml.tracks[0].notes] == [76, 74, 72, 74, 76, 76, 76]
    assert round(xml.tempos[0].qpm) == 90
    [(_, kern)] = load_scores(files["krn"])
    assert len(kern.tracks) == 2 and (kern.time_signatures[0].numerator, kern.time_signatures[0].denominator) == (3, 4)
    assert kern.key_signatures[0].key == 1  # one sharp
    tunes = load_scores(files["abc"])
    assert [t for t, _ in tunes] == ["Test Reel", "Test Jig"]
    reel = tunes[0][1]
    assert round(reel.tempos[0].qpm) == 112


def test_pickup_bar_keeps_downbeats_on_the_grid(files):
    """The reel starts with a one-eighth pickup: the first full bar's first note must sit on a bar line."""
    reel = load_scores(files["abc"])[0][1]
    onsets = sorted(n.time for n in reel.tracks[0].notes)
    bar = reel.tpq * 4
    assert onsets[0] == bar - reel.tpq // 2  # the pickup ends exactly at the bar line
    assert onsets[1] == bar


def test_unsupported_and_corrupt_files_raise_clear_errors(tmp_path):
    bad = tmp_path / "notes.txt"
    bad.write_text("hello")
    with pytest.raises(MuseforgeError, match="unsupported file type"):
        load_scores(bad)
    corrupt = tmp_path / "broken.mid"
    corrupt.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    with pytest.raises(Exception):
        load_scores(corrupt)


def test_control_tokens_lead_and_decode_skips_them():
    tokenizer = get_tokenizer()
    controls = Controls("pop", "happy", "Eb", "major", 128.0, (-1, 0, 33), 20)
    tokens = controls.tokens()
    assert tokens == ["Style_pop", "Mood_happy", "Key_Eb_major", "TempoBucket_124", "Instrument_-1",
                      "Instrument_0", "Instrument_33", "Bars_16", "Controls_end"]
    ids = [tokenizer.bos_id, *(tokenizer.token_id(t) for t in tokens), tokenizer.eos_id]
    assert tokenizer.decode(ids).note_num() == 0
    with pytest.raises(MuseforgeError):
        tokenizer.token_id("Style_nonexistent")
    assert np.unique(list(tokenizer.vocab.values())).size == tokenizer.vocab_size


@pytest.mark.parametrize("name", ["bach/bwv66.6", "bach/bwv14.5", "bach/bwv65.2"])
def test_tie_merging_matches_music21_strip_ties(name):
    from music21 import corpus

    from museforge.music.convert import TICKS_PER_QUARTER, stream_to_score

    stream = corpus.parse(name)
    ours = stream_to_score(stream)
    expected = []
    for part in stream.stripTies().parts:
        for el in part.flatten().notes:
            for pitch in el.pitches:
                expected.append((round(float(el.offset) * TICKS_PER_QUARTER),
                                 round(float(el.duration.quarterLength) * TICKS_PER_QUARTER), pitch.midi))
    got = [(n.time, n.duration, n.pitch) for t in ours.tracks for n in t.notes]
    # ours delays everything by the pickup so bar lines sit on the meter grid: compare from the first onset
    first_ours, first_expected = min(g[0] for g in got), min(e[0] for e in expected)
    assert sorted((a - first_ours, d, p) for a, d, p in got) == sorted((a - first_expected, d, p) for a, d, p in expected)
    assert any(el.tie is not None for el in stream.flatten().notes)  # the piece really has ties


@pytest.mark.parametrize("semitones", [-3, 2])
def test_transposing_ids_equals_encoding_the_transposed_score(files, semitones):
    from museforge.music.tokenizer import PITCH_CLASSES

    tokenizer = get_tokenizer()
    for kind in ("mid", "krn"):  # drums + piano, and a two-part score
        [(_, score)] = load_scores(files[kind])
        controls = Controls("other", "calm", "D", "minor", 100.0, (0,), 4)
        shifted_score = score.copy()
        for track in shifted_score.tracks:
            if not track.is_drum:
                track.shift_pitch(semitones, inplace=True)
        tonic = PITCH_CLASSES[(PITCH_CLASSES.index("D") + semitones) % 12]
        shifted_controls = Controls("other", "calm", tonic, "minor", 100.0, (0,), 4)
        expected = tokenizer.encode(shifted_score, shifted_controls)
        assert tokenizer.transpose_ids(tokenizer.encode(score, controls), semitones).tolist() == expected
    top = max(int(t.split("_")[1]) for t in tokenizer.vocab if t.startswith("Pitch_"))
    with pytest.raises(MuseforgeError, match="pitch range"):
        tokenizer.transpose_ids([tokenizer.token_id(f"Pitch_{top}")], 1)


def test_an_empty_tune_in_a_collection_costs_only_that_tune(tmp_path):
    from fixtures import ABC_TUNE

    path = tmp_path / "mixed.abc"
    path.write_text(ABC_TUNE + "\nX:2\nT:Nothing\nM:4/4\nK:C\n|]\n")
    assert [title for title, _ in load_scores(path)] == ["Test Reel"]
    empty = tmp_path / "empty.abc"
    empty.write_text("X:1\nT:Nothing\nM:4/4\nK:C\n|]\n\nX:2\nT:Still nothing\nK:C\n|]\n")
    with pytest.raises(MuseforgeError):
        load_scores(empty)


def test_single_lines_end_at_their_next_note_and_chordal_tracks_ring_on():
    from symusic import Note, Score, Track

    from museforge.music.convert import end_single_lines_at_next_note

    def track(program: int, notes: list[tuple[int, int, int]]) -> Track:
        t = Track(program=program)
        for time, duration, pitch in notes:
            t.notes.append(Note(time, duration, pitch, 80))
        return t

    score = Score(480)
    legato = [(0, 960, 60), (480, 960, 62), (1440, 480, 64)]  # the first two overlap by a beat each
    score.tracks.append(track(73, legato))  # a flute line
    score.tracks.append(track(0, [(0, 960, 48), (0, 960, 52), (480, 960, 55)]))  # chords: left alone
    score.tracks.append(track(1, legato))  # a line, but not a line program here (a piano's broken chord)
    end_single_lines_at_next_note(score, frozenset({73, 0}))
    spans = [[(n.time, n.duration) for n in t.notes] for t in score.tracks]
    assert spans[0] == [(0, 480), (480, 960), (1440, 480)]  # each note ends where the next starts, or sooner
    assert spans[1] == [(0, 960), (0, 960), (480, 960)]
    assert spans[2] == [(0, 960), (480, 960), (1440, 480)]
