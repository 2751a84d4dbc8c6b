"""MusPy features on hand-built scores with known answers; mgeval overlap on samples with known overlap."""

from __future__ import annotations

import math

import numpy as np
import pytest
from symusic import Note, Score, TimeSignature, Track

pytest.importorskip("muspy")

from museforge.errors import MuseforgeError  # noqa: E402
from museforge.music.metrics import (  # noqa: E402
    FEATURES,
    bar_ticks,
    compare_sets,
    crop_bars,
    overlap_and_kl,
    piece_features,
    set_distances,
)

TPQ = 480


def score_of(notes: list[tuple[int, int, int]], drums: list[tuple[int, int, int]] = (), meter=(4, 4)) -> Score:
    """Notes as (time, duration, pitch) in ticks at 480 per quarter."""
    score = Score(TPQ)
    score.time_signatures.append(TimeSignature(0, *meter))
    track = Track("Piano", 0, False)
    track.notes.extend(Note(t, d, p, 80) for t, d, p in notes)
    score.tracks.append(track)
    if drums:
        kit = Track("Drums", 0, True)
        kit.notes.extend(Note(t, d, p, 80) for t, d, p in drums)
        score.tracks.append(kit)
    return score


C_MAJOR = [60, 62, 64, 65, 67, 69, 71]


def test_c_major_scale():
    f = piece_features(score_of([(i * TPQ, TPQ, p) for i, p in enumerate(C_MAJOR)]))
    assert f["pitch_class_entropy"] == pytest.approx(math.log2(7))
    assert f["scale_consistency"] == pytest.approx(1.0)
    assert f["polyphony"] == pytest.approx(1.0)


def test_chromatic_scale_and_held_triad():
    chromatic = piece_features(score_of([(i * TPQ, TPQ, 60 + i) for i in range(12)]))
    assert chromatic["pitch_class_entropy"] == pytest.approx(math.log2(12))
    assert chromatic["scale_consistency"] == pytest.approx(7 / 12)
    triad = piece_features(score_of([(0, 4 * TPQ, p) for p in (60, 64, 67)]))
    assert triad["polyphony"] == pytest.approx(3.0)
    assert triad["pitch_class_entropy"] == pytest.approx(math.log2(3))


def test_drums_do_not_count_as_pitches():
    melody = [(i * TPQ, TPQ, p) for i, p in enumerate(C_MAJOR)]
    with_kit = piece_features(score_of(melody, drums=[(i * TPQ, 60, 37 + i) for i in range(7)]))
    assert with_kit["pitch_class_entropy"] == pytest.approx(math.log2(7))
    assert with_kit["polyphony"] == pytest.approx(1.0)


def test_empty_beat_rate():
    # Eighth notes on beats 0 and 4; the piece ends half a beat into beat 4: 5 beats, 3 empty.
    f = piece_features(score_of([(0, TPQ // 2, 60), (4 * TPQ, TPQ // 2, 62)]))
    assert f["empty_beat_rate"] == pytest.approx(3 / 5)


def test_groove_consistency_uses_the_bar_length():
    bar = bar_ticks(score_of([], meter=(3, 4)))
    assert bar == 3 * TPQ
    # The last note stops a tick short: MusPy counts a piece ending on a bar line as one more (empty) bar.
    same = [(b * bar + k * TPQ, TPQ - (b == 1 and k == 2), 60) for b in range(2) for k in range(3)]
    assert piece_features(score_of(same, meter=(3, 4)))["groove_consistency"] == pytest.approx(1.0)
    ends_on_bar_line = [(b * bar + k * TPQ, TPQ, 60) for b in range(2) for k in range(3)]
    got = piece_features(score_of(ends_on_bar_line, meter=(3, 4)))["groove_consistency"]
    assert got == pytest.approx(1 - 3 / (2 * bar))
    # Second bar keeps only its downbeat: two onset positions differ out of one bar's ticks.
    changed = [(k * TPQ, TPQ, 60) for k in range(3)] + [(bar, TPQ, 60)]
    got = piece_features(score_of(changed, meter=(3, 4)))["groove_consistency"]
    assert got == pytest.approx(1 - 2 / bar)


def test_no_pitched_notes_is_nan_not_an_error():
    f = piece_features(score_of([], drums=[(0, 60, 36)]))
    assert math.isnan(f["pitch_class_entropy"]) and math.isnan(f["polyphony"])


def test_crop_bars_keeps_whole_bars_and_cuts_held_notes():
    score = score_of([(0, 6 * TPQ, 60), (3 * TPQ, TPQ, 62), (4 * TPQ, TPQ, 64), (9 * TPQ, TPQ, 65)])
    cropped = crop_bars(score, 1)
    notes = [(n.time, n.duration, n.pitch) for n in cropped.tracks[0].notes]
    assert notes == [(0, 4 * TPQ, 60), (3 * TPQ, TPQ, 62)]
    assert len(score.tracks[0].notes) == 4  # the original is untouched
    assert len(crop_bars(score, 0).tracks) == 0


def test_set_distances_sizes_and_values():
    intra_a, intra_b, inter = set_distances(np.array([0.0, 1.0, 3.0]), np.array([10.0, 20.0]))
    assert sorted(intra_a) == [1.0, 2.0, 3.0]
    assert list(intra_b) == [10.0]
    assert len(inter) == 6 and inter.min() == 7.0 and inter.max() == 20.0


def test_overlap_of_same_and_of_distant_distributions():
    rng = np.random.default_rng(0)
    a, b = rng.normal(0, 1, 100), rng.normal(0, 1, 100)
    intra_a, _, inter = set_distances(a, b)
    same_oa, same_kl = overlap_and_kl(intra_a, inter)
    assert same_oa > 0.9 and same_kl < 0.05
    intra_a, _, inter = set_distances(a, b + 10)
    far_oa, far_kl = overlap_and_kl(intra_a, inter)
    assert far_oa < 0.05 and far_kl > 1.0


def test_reflected_overlap_recovers_mass_mgeval_loses_below_zero():
    # distances piled up at 0 (polyphony of monophonic tunes): two samples of one population
    rng = np.random.default_rng(1)

    def sample() -> np.ndarray:  # 90 % of pairs differ by exactly 0, a few outliers
        return np.r_[np.zeros(900), rng.exponential(0.5, 100)]

    intra, inter = sample(), sample()
    published, _ = overlap_and_kl(intra, inter)
    reflected, _ = overlap_and_kl(intra, inter, reflect=True)
    assert published < 0.6 and reflected > 0.9
    far, _ = overlap_and_kl(intra, sample() + 3.0, reflect=True)
    assert far < 0.05  # the correction does not make distinct distributions overlap
    spread, _ = overlap_and_kl(rng.normal(5, 1, 500).clip(0), rng.normal(5, 1, 500).clip(0), reflect=True)
    assert spread > 0.9  # away from 0 the two estimators agree that one population overlaps


def test_overlap_of_constant_sets_and_too_few_distances():
    assert overlap_and_kl(np.zeros(5), np.zeros(9)) == (1.0, 0.0)
    oa, _ = overlap_and_kl(np.zeros(5), np.full(9, 1.0))  # disjoint spikes
    assert oa < 0.01
    assert overlap_and_kl(np.zeros(5), np.full(9, 1.0), reflect=True)[0] < 0.01
    with pytest.raises(MuseforgeError, match="at least 2"):
        overlap_and_kl(np.zeros(1), np.zeros(9))


def _features(values: np.ndarray) -> list[dict[str, float]]:
    return [{name: float(v) for name in FEATURES} for v in values]


def test_compare_sets_pools_styles_without_crossing_them():
    rng = np.random.default_rng(1)
    # Two "styles" far apart; ours matches each style: pooled within-style distances overlap well.
    groups = [(_features(rng.normal(c, 1, 40)), _features(rng.normal(c, 1, 40))) for c in (0.0, 100.0)]
    pooled = compare_sets(groups)
    for name in FEATURES:
        assert pooled[name]["overlap_intra_ours"] > 0.85 and pooled[name]["overlap_intra_ref"] > 0.85
        assert pooled[name]["n_ours"] == 80 and pooled[name]["mean_ref"] == pytest.approx(50, abs=1)
    swapped = compare_sets([(groups[0][0], groups[1][1]), (groups[1][0], groups[0][1])])
    assert swapped["polyphony"]["overlap_intra_ours"] < 0.05


def test_compare_sets_drops_nan_pieces():
    ours = _features(np.array([1.0, 2.0, 3.0, math.nan]))
    out = compare_sets([(ours, _features(np.array([1.0, 2.5, 3.0])))])
    assert out["scale_consistency"]["n_ours"] == 3 and out["scale_consistency"]["mean_ours"] == 2.0
