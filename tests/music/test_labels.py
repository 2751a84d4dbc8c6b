"""Labels: key finding agrees with music21's, bar counts, and the mood rule moves the right way."""

from __future__ import annotations

import pytest
from symusic import Note, Score, Tempo, TimeSignature, Track

from museforge.music.labels import estimate_key, label_score, mood_quadrant, mood_scores, n_bars

CHORALES = ["bach/bwv66.6", "bach/bwv7.7", "bach/bwv10.7", "bach/bwv11.6", "bach/bwv13.6", "bach/bwv14.5",
            "bach/bwv16.6", "bach/bwv17.7", "bach/bwv18.5", "bach/bwv19.7"]


def test_key_estimate_agrees_with_music21():
    from music21 import corpus

    from museforge.music.convert import stream_to_score
    from museforge.music.tokenizer import PITCH_CLASSES

    agree = 0
    for name in CHORALES:
        stream = corpus.parse(name)
        theirs = stream.analyze("key")  # Aarden-Essen profiles, as ours
        tonic, mode, _ = estimate_key(stream_to_score(stream))
        agree += (PITCH_CLASSES.index(tonic), mode) == (theirs.tonic.pitchClass, theirs.mode)
    assert agree >= 9


def _scale_piece(pitches, qpm=120.0, numerator=4, denominator=4, velocity=80, step=480) -> Score:
    score = Score(480)
    track = Track("Lead", 0, False)
    for i, pitch in enumerate(pitches):
        track.notes.append(Note(i * step, step, pitch, velocity))
    score.tracks.append(track)
    score.tempos.append(Tempo(0, qpm=qpm))
    score.time_signatures.append(TimeSignature(0, numerator, denominator))
    return score


def test_key_of_plain_scales():
    c_major = [60, 62, 64, 65, 67, 69, 71, 72, 67, 64, 60]
    assert estimate_key(_scale_piece(c_major))[:2] == ("C", "major")
    a_minor = [57, 59, 60, 62, 64, 65, 68, 69, 64, 60, 57]
    assert estimate_key(_scale_piece(a_minor))[:2] == ("A", "minor")


@pytest.mark.parametrize("numerator,denominator,n_quarters,expected", [(4, 4, 16, 4), (3, 4, 16, 6), (6, 8, 9, 3)])
def test_bar_count_follows_the_meter(numerator, denominator, n_quarters, expected):
    assert n_bars(_scale_piece([60] * n_quarters, numerator=numerator, denominator=denominator)) == expected


def test_mood_rule_directions():
    fast_loud = mood_scores("major", 160, 10, 72, 110)
    slow_soft = mood_scores("major", 60, 1.5, 55, 40)
    assert fast_loud[1] > 0 > slow_soft[1]  # arousal
    assert mood_scores("major", 100, 5, 64, 80)[0] > 0 > mood_scores("minor", 100, 5, 64, 80)[0]  # valence
    assert [mood_quadrant(v, a) for v, a in [(1, 1), (-1, 1), (-1, -1), (1, -1)]] == ["happy", "tense", "sad", "calm"]
    labels = label_score(_scale_piece([57, 60, 64, 57, 60, 64] * 3, qpm=55, velocity=40, step=960))
    assert labels.mode == "minor" and labels.mood == "sad"
