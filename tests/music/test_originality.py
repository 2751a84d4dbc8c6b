"""Copying measures: skyline melody, invariant n-grams, an index that finds copied runs and only those."""

from __future__ import annotations

import json

import numpy as np
import pytest
from symusic import Note, Score, TimeSignature, Track

from museforge.errors import MuseforgeError
from museforge.music.originality import (
    NgramIndex,
    index_token_cache,
    melody,
    ngram_hashes,
    summarise,
    untransposed_pieces,
)


def score_of(tunes: list[list[tuple[int, int, int]]], tpq: int = 480, drums: bool = False) -> Score:
    """One pitched track per list of (time, duration, pitch); optional drum track on every beat."""
    score = Score(tpq)
    score.time_signatures.append(TimeSignature(0, 4, 4))
    for notes in tunes:
        track = Track("Part", 0, False)
        track.notes.extend(Note(t, d, p, 80) for t, d, p in notes)
        score.tracks.append(track)
    if drums:
        kit = Track("Drums", 0, True)
        kit.notes.extend(Note(i * tpq, 60, 100, 80) for i in range(16))
        score.tracks.append(kit)
    return score


def tune(pitches, durations_q, tpq: int = 480) -> list[tuple[int, int, int]]:
    """Monophonic notes from pitches and durations in quarters, back to back."""
    out, t = [], 0
    for p, d in zip(pitches, durations_q):
        out.append((t, int(d * tpq), int(p)))
        t += int(d * tpq)
    return out


def random_tune(rng: np.random.Generator, n: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.integers(55, 80, n), rng.choice([0.25, 0.5, 1.0, 1.5], n)


def test_melody_is_the_highest_onset_and_ignores_drums():
    top = tune([72, 74, 76], [1, 1, 2])
    below = [(0, 1920, 48), (480, 480, 60), (960, 240, 79 - 20)]  # chord tones under each melody note
    notes = melody(score_of([top, below], drums=True))
    assert notes.tolist() == [[72, 24], [74, 24], [76, 48]]
    assert melody(score_of([])).shape == (0, 2)


def test_ngrams_are_transposition_and_resolution_invariant():
    rng = np.random.default_rng(0)
    pitches, durs = random_tune(rng, 20)
    base = ngram_hashes(melody(score_of([tune(pitches, durs)])))
    assert len(base) == 20 - 8 + 1
    up = ngram_hashes(melody(score_of([tune(pitches + 5, durs)])))
    fine = ngram_hashes(melody(score_of([tune(pitches, durs, tpq=960)], tpq=960)))
    np.testing.assert_array_equal(base, up)
    np.testing.assert_array_equal(base, fine)
    changed = durs.copy()
    changed[10] *= 2  # one duration changes every n-gram that holds note 10
    other = ngram_hashes(melody(score_of([tune(pitches, changed)])))
    assert int((other != base).sum()) == 8
    assert len(ngram_hashes(melody(score_of([tune(pitches[:7], durs[:7])])))) == 0
    with pytest.raises(MuseforgeError):
        ngram_hashes(melody(score_of([tune(pitches, durs)])), n=1)


def test_copied_run_is_found_and_novel_material_is_not(tmp_path):
    rng = np.random.default_rng(1)
    corpus = [random_tune(rng, 40) for _ in range(5)]
    index = NgramIndex.build(melody(score_of([tune(p, d)])) for p, d in corpus)
    assert index.n_pieces == 5 and len(index) == 5 * (40 - 8 + 1)

    novel_p, novel_d = random_tune(np.random.default_rng(99), 30)
    novel = index.piece_figures(score_of([tune(novel_p, novel_d)]))
    assert novel == {"n_ngrams": 23, "n_found": 0, "longest_run_notes": 0}

    # 12 notes of corpus piece 3 (transposed) between novel material: 5 n-grams, a 12-note run.
    src_p, src_d = corpus[3]
    pitches = np.r_[novel_p[:10], src_p[20:32] + 3, novel_p[10:20]]
    durs = np.r_[novel_d[:10], src_d[20:32], novel_d[10:20]]
    copied = index.piece_figures(score_of([tune(pitches, durs)]))
    assert copied["n_found"] == 12 - 8 + 1 and copied["longest_run_notes"] == 12

    # Two 8-note fragments of different pieces back to back: each is a run of 8, not one of 16.
    a_p, a_d = corpus[0]
    b_p, b_d = corpus[1]
    joined = index.piece_figures(score_of([tune(np.r_[a_p[:8], b_p[:8]], np.r_[a_d[:8], b_d[:8]])]))
    assert joined["longest_run_notes"] == 8 and joined["n_found"] >= 2

    index.save(tmp_path / "index.npz")
    again = NgramIndex.load(tmp_path / "index.npz")
    assert again.piece_figures(score_of([tune(pitches, durs)])) == copied

    summary = summarise([novel, copied])
    assert summary["found_percent"] == pytest.approx(100 * 5 / (23 + len(pitches) - 7))
    assert summary["longest_run_max"] == 12 and summary["longest_run_median"] == 6.0


def test_index_of_a_token_cache_skips_transposed_copies(tmp_path):
    from museforge.music.tokenizer import get_tokenizer

    tok = get_tokenizer()
    rng = np.random.default_rng(2)
    tunes = [random_tune(rng, 24) for _ in range(3)]
    seqs, rows = [], []
    for i, (p, d) in enumerate(tunes):
        for shift in (0, 2):  # each piece as written and one transposed copy
            ids = tok.encode_notes(score_of([tune(p + shift, d)]))
            seqs.append(np.array([tok.bos_id, *ids, tok.eos_id], dtype=np.uint16))
            rows.append({"piece_id": f"p{i}", "split": "train", "transpose": shift, "style": "folk"})
    np.save(tmp_path / "tokens_train.npy", np.concatenate(seqs))
    np.save(tmp_path / "offsets_train.npy", np.r_[0, np.cumsum([len(s) for s in seqs])])
    (tmp_path / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))

    assert [r["piece_id"] for r, _ in untransposed_pieces(tmp_path, "train")] == ["p0", "p1", "p2"]
    index = index_token_cache(tmp_path, tok)
    assert index.n_pieces == 3
    p, d = tunes[1]
    found = index.piece_figures(score_of([tune(p - 7, d)]))  # a transposed copy of a training piece
    assert found["n_found"] == found["n_ngrams"] == 24 - 8 + 1 and found["longest_run_notes"] == 24
    fresh_p, fresh_d = random_tune(np.random.default_rng(50), 24)
    assert index.piece_figures(score_of([tune(fresh_p, fresh_d)]))["n_found"] == 0

    (tmp_path / "manifest.jsonl").write_text(json.dumps(rows[0]) + "\n")
    with pytest.raises(MuseforgeError, match="rebuild the corpus cache"):
        untransposed_pieces(tmp_path, "train")
    with pytest.raises(MuseforgeError, match="missing tokens_test.npy, offsets_test.npy"):
        untransposed_pieces(tmp_path, "test")
