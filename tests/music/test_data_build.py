"""The corpus build: labels, deduplication, group-safe seeded splits, skipped bad files, the cache."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np
import pytest
from fixtures import midi_score, write_fixtures
from symusic import Note, Score, Tempo, TimeSignature, Track
from typer.testing import CliRunner

from museforge.music.data import BuildConfig, build, read_all, read_file
from museforge.music.labels import label_score
from museforge.music.sources import user_files
from museforge.music.tokenizer import get_tokenizer
from museforge.serve.cli import app


def random_piece(rng: np.random.Generator, n_notes: int = 40) -> Score:
    score = Score(480)
    track = Track("Lead", int(rng.integers(0, 8)), False)
    t = 0
    for _ in range(n_notes):
        dur = int(rng.choice([240, 480]))
        track.notes.append(Note(t, dur, int(rng.integers(55, 80)), int(rng.integers(50, 110))))
        t += dur
    score.tracks.append(track)
    score.tempos.append(Tempo(0, qpm=float(rng.integers(70, 160))))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    return score


def transposed(score: Score, semitones: int) -> Score:
    out = score.copy()
    out.shift_pitch(semitones, inplace=True)
    return out


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    """40 distinct pieces, a transposed copy of each, one exact duplicate, and bad files."""
    root = tmp_path_factory.mktemp("user")
    rng = np.random.default_rng(0)
    for i in range(40):
        piece = random_piece(rng)
        piece.dump_midi(str(root / f"p{i:02d}.mid"))
        transposed(piece, 2).dump_midi(str(root / f"p{i:02d}_up2.mid"))
    (root / "p00_copy.mid").write_bytes((root / "p00.mid").read_bytes())
    (root / "empty.mid").write_bytes(b"")
    (root / "garbage.mid").write_bytes(os.urandom(300))
    (root / "broken.abc").write_text("X:1\nT:nothing\nK:\n|]\n")
    write_fixtures(root / "kinds")
    return root


@pytest.fixture(scope="module")
def built(folder, tmp_path_factory):
    out = tmp_path_factory.mktemp("corpus")
    config = BuildConfig(out_dir=out, files=list(user_files(folder)), seed=7, workers=2, transpositions=(-1, 1))
    return config, build(config)


def _manifest(out: Path) -> list[dict]:
    return [json.loads(line) for line in (out / "manifest.jsonl").read_text().splitlines()]


def test_bad_files_are_skipped_with_reasons(built):
    config, summary = built
    reasons = {Path(s["path"]).name: s["reason"] for s in summary["skipped"]}
    assert set(reasons) == {"empty.mid", "garbage.mid", "broken.abc"}
    assert reasons["empty.mid"] == "empty file"
    assert summary["n_duplicates_dropped"] == 1


def test_versions_never_straddle_splits_and_every_split_is_used(built):
    config, _ = built
    rows = [r for r in _manifest(config.out_dir) if r["transpose"] == 0]
    split_of = {}
    for row in rows:
        split_of.setdefault(Path(row["path"]).name, row["split"])
    for i in range(40):
        assert split_of[f"p{i:02d}.mid"] == split_of[f"p{i:02d}_up2.mid"]
    assert {"train", "valid", "test"} <= set(split_of.values())
    groups: dict[str, set[str]] = {}
    for row in rows:
        groups.setdefault(row["group"], set()).add(row["split"])
    assert all(len(s) == 1 for s in groups.values())


def test_only_training_pieces_are_transposed(built):
    config, _ = built
    rows = _manifest(config.out_dir)
    assert {r["transpose"] for r in rows if r["split"] != "train"} == {0}
    assert {r["transpose"] for r in rows if r["split"] == "train"} == {-1, 0, 1}


def test_cache_matches_manifest_and_decodes(built):
    config, _ = built
    rows = _manifest(config.out_dir)
    tokenizer = get_tokenizer()
    vocab = json.loads((config.out_dir / "vocab.json").read_text())
    assert vocab["vocab_size"] == tokenizer.vocab_size
    for split in ("train", "valid", "test"):
        tokens = np.load(config.out_dir / f"tokens_{split}.npy")
        offsets = np.load(config.out_dir / f"offsets_{split}.npy")
        split_rows = [r for r in rows if r["split"] == split]
        assert len(offsets) == len(split_rows) + 1 and offsets[-1] == len(tokens)
        for i, row in enumerate(split_rows):
            seq = tokens[offsets[i]:offsets[i + 1]]
            assert len(seq) == row["n_tokens"]
            assert tokenizer.id_to_token[int(seq[1])] == f"Style_{row['style']}"
            assert f"Key_{row['tonic']}_{row['mode']}" in {tokenizer.id_to_token[int(x)] for x in seq[:12]}
            assert tokenizer.decode(seq.tolist()).note_num() == row["n_notes"]


def test_same_seed_same_split_other_seed_differs(folder, built, tmp_path):
    config, _ = built
    first = {(r["piece_id"], r["transpose"]): r["split"] for r in _manifest(config.out_dir)}
    again = BuildConfig(out_dir=tmp_path / "again", files=config.files, seed=7, workers=2, transpositions=(-1, 1))
    build(again)
    assert {(r["piece_id"], r["transpose"]): r["split"] for r in _manifest(again.out_dir)} == first
    other = BuildConfig(out_dir=tmp_path / "other", files=config.files, seed=8, workers=2, transpositions=(-1, 1))
    build(other)
    assert {(r["piece_id"], r["transpose"]): r["split"] for r in _manifest(other.out_dir)} != first


def crash_on_p01(file):
    """A reader whose worker dies natively on one file, as a parser segfault would."""
    if Path(file.path).name == "p01.mid":
        os._exit(139)
    return read_file(file)


def test_a_crashing_parser_does_not_take_the_build_down(folder, tmp_path):
    files = [f for f in user_files(folder) if Path(f.path).name in {"p00.mid", "p01.mid", "p02.mid"}]
    config = BuildConfig(out_dir=tmp_path, files=files, workers=1)
    pieces, skipped = read_all(config, reader=crash_on_p01)
    assert sorted(Path(p.file.path).name for p in pieces) == ["p00.mid", "p02.mid"]
    assert [(Path(p).name, r) for p, r in skipped] == [("p01.mid", "the parser crashed (exit code 139)")]


def test_labels_of_a_known_piece():
    labels = label_score(midi_score()).to_dict()
    assert labels["time_signature"] == "3/4" and labels["tempo_qpm"] == 100.0
    assert labels["programs"] == (-1, 0) and labels["n_notes"] == midi_score().note_num()
    assert labels["n_bars"] == 2  # six beats of 3/4
    assert labels["mood"] in {"happy", "tense", "sad", "calm"}


def test_cli_errors_are_one_line_and_nonzero(tmp_path):
    runner = CliRunner()
    result = runner.invoke(app, ["data", "build", "--sources", "music21", "--folder", str(tmp_path / "missing"),
                                 "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "folder not found" in str(result.exception)
    result = runner.invoke(app, ["data", "build", "--sources", "nope", "--out", str(tmp_path / "o")])
    assert result.exit_code != 0 and "valid: music21" in str(result.exception)
    result = runner.invoke(app, ["data", "build", "--no-such-option"])
    assert result.exit_code == 2


def hang_on_p02(file):
    """A reader that hangs on one file, as a parser stuck in a loop would."""
    if Path(file.path).name == "p02.mid":
        import time

        time.sleep(60)
    return read_file(file)


def test_a_hanging_parser_is_stopped_at_the_timeout(folder, tmp_path):
    files = [f for f in user_files(folder) if Path(f.path).name in {"p00.mid", "p02.mid"}]
    config = BuildConfig(out_dir=tmp_path, files=files, workers=1, parse_timeout_s=2.0)
    pieces, skipped = read_all(config, reader=hang_on_p02)
    assert [Path(p.file.path).name for p in pieces] == ["p00.mid"]
    assert [(Path(p).name, r) for p, r in skipped] == [("p02.mid", "parsing took over 2 s")]


def test_a_huge_file_is_refused_before_parsing(tmp_path):
    huge = tmp_path / "huge.mid"
    with huge.open("wb") as f:
        f.truncate(21 * 1024 * 1024)  # sparse: no 21 MB actually written
    [file] = user_files(tmp_path)
    pieces, skipped = read_all(BuildConfig(out_dir=tmp_path / "out", files=[file], workers=1))
    assert pieces == [] and "over the 20 MB limit" in skipped[0][1]


def test_pop909_bars_follow_the_annotated_downbeats(tmp_path):
    """A 1/4 file with three pickup beats and one 2-beat bar: bar lines must land on the downbeats."""
    from museforge.music.data import _pop909_meter

    qpm, tpq = 120.0, 480
    beat_s = 60.0 / qpm
    kinds = [0, 0, 0] + [1 if b == 0 else 0 for n in [4, 4, 2, 4, 4] for b in range(n)]  # 1 = downbeat
    score = Score(tpq)
    track = Track("MELODY", 0, False)
    for i, downbeat in enumerate(kinds):
        track.notes.append(Note(i * tpq, 240, 72 if downbeat else 60, 80))  # notes on the MIDI's beats
    score.tracks.append(track)
    score.tempos.append(Tempo(0, qpm=qpm))
    score.time_signatures.append(TimeSignature(0, 1, 4))
    beat_file = tmp_path / "beat_midi.txt"  # annotations come from the audio: a few ms late
    beat_file.write_text("\n".join(f"{i * beat_s + 0.004} 1.0 {float(k)}" for i, k in enumerate(kinds)))
    _pop909_meter(score, beat_file)
    assert [(s.numerator, s.denominator, s.time) for s in score.time_signatures] == [
        (4, 4, 0), (2, 4, 3 * 4 * tpq), (4, 4, 3 * 4 * tpq + 2 * tpq)]
    downbeat_ticks = [n.time for n in score.tracks[0].notes if n.pitch == 72]
    bar_lines = [4 * tpq, 8 * tpq, 12 * tpq, 14 * tpq, 18 * tpq]
    assert downbeat_ticks == bar_lines
