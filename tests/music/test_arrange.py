"""Arrangement by style: measured properties of the arranged Score (no /work/shared needed)."""

from __future__ import annotations

import csv
import itertools
import json

import numpy as np
import pytest
import symusic

from museforge.errors import MuseforgeError
from museforge.music import grooves as groove_mod
from museforge.music.arrange import (STYLES, Material, arrange, chords_from_score, parse_chord)
from museforge.music.arrange.chorale import RANGES
from museforge.music.arrange.parts import strong_beat_ticks
from museforge.music.arrange.material import prepare

TPQ = 480
CHORDS = ["C", "Am", "F", "G7", "C", "F", "G7", "C"]
# (pitch, quarters): an 8-bar tune in C, inside a soprano's range.
TUNE = [(72, 1), (71, 1), (69, 2), (67, 1), (69, 1), (72, 2), (65, 2), (67, 1), (69, 1), (67, 2),
        (64, 2), (72, 1), (74, 1), (76, 2), (72, 4), (71, 4), (72, 4)]


def melody_score(tune=TUNE, tpq: int = TPQ, ts=(4, 4)) -> symusic.Score:
    score = symusic.Score(tpq)
    track = symusic.Track(name="Melody", program=0)
    t = 0
    for pitch, quarters in tune:
        track.notes.append(symusic.Note(t, int(quarters * tpq), pitch, 90))
        t += int(quarters * tpq)
    score.tracks.append(track)
    score.time_signatures.append(symusic.TimeSignature(0, *ts))
    return score


def notes_of(track) -> list[tuple[int, int, int, int]]:
    return [(n.time, n.duration, n.pitch, n.velocity) for n in track.notes]


@pytest.fixture(scope="module")
def arranged() -> dict:
    material = Material(melody_score(), chords=CHORDS, tempo_bpm=100)
    return {s: arrange(material, s, seed=3, repeats=3, intro_bars=2, outro_bars=2) for s in STYLES}


def test_only_the_styles_programs_appear_and_drums_sit_on_drum_tracks(arranged):
    expected = {
        "orchestral": {40, 73, 48, 60, 46, 42, 43}, "piano": {0}, "baroque_chorale": {52},
        "folk": {110, 25, 21, 32}, "pop": {53, 4, 27, 49, 33}, "rock": {29, 30, 16, 34},
        "electronic": {81, 89, 38}, "ambient": {88, 89, 94, 98}, "chiptune": {80, 81, 38},
    }
    has_kit = {"folk", "pop", "rock", "electronic", "chiptune"}
    assert set(expected) == set(STYLES)
    for style, result in arranged.items():
        pitched = {t.program for t in result.score.tracks if not t.is_drum and len(t.notes)}
        assert pitched == expected[style], style
        drum_tracks = [t for t in result.score.tracks if t.is_drum]
        assert bool(drum_tracks) == (style in has_kit), style
        for track in drum_tracks:
            assert result.roles[track.name] == "drums"
            assert len(track.notes) > 0
            assert all(35 <= n.pitch <= 81 for n in track.notes)  # GM percussion keys
        for track in result.score.tracks:
            assert track.name and (track.is_drum == (result.roles[track.name] == "drums"))
    noise = next(t for t in arranged["chiptune"].score.tracks if t.is_drum)
    assert {n.pitch for n in noise.notes} <= {36, 38, 42, 46}  # noise-channel kit only


def bass_strong_share(result) -> float:
    """Share of bass notes on strong beats whose pitch class belongs to the bar's chord."""
    bar_ticks = result.score.ticks_per_quarter * 4 * result.time_signature[0] // \
        result.time_signature[1]
    strong = strong_beat_ticks_for(result)
    tol = result.score.ticks_per_quarter // 8
    bass_names = [n for n, r in result.roles.items() if r in ("bass", "drone", "satb_bass")]
    hits = good = 0
    for track in result.score.tracks:
        if track.name not in bass_names:
            continue
        for note in track.notes:
            offset = note.time % bar_ticks
            near = [s for s in strong if abs(offset - s) <= tol or abs(offset - s - bar_ticks) <= tol]
            if not near:
                continue
            bar = (note.time + tol) // bar_ticks
            chord = chord_of_bar(result, bar)
            hits += 1
            good += (note.pitch % 12) in chord.pitch_classes
    assert hits > 0
    return good / hits


def strong_beat_ticks_for(result) -> list[int]:
    tpq = result.score.ticks_per_quarter
    num, den = result.time_signature
    beat = tpq * 3 // 2 if den == 8 and num % 3 == 0 and num > 3 else tpq * 4 // den
    bar = tpq * 4 * num // den
    beats = bar // beat
    return [0, bar // 2] if beats % 2 == 0 and beats >= 4 else [0]


def chord_of_bar(result, bar: int):
    """The (single) chord of an arranged bar: intro/outro borrow the material's bars."""
    intro = result.sections[0].n_bars if result.sections[0].name == "intro" else 0
    n = len(result.chords)
    outro = result.sections[-1] if result.sections[-1].name == "outro" else None
    if bar < intro:
        idx = bar % n
    elif outro and bar >= outro.start_bar:
        i = bar - outro.start_bar
        idx = 0 if i == outro.n_bars - 1 else i % n
    else:
        idx = (bar - intro) % n
    return parse_chord(result.chords[idx])


def test_bass_plays_chord_tones_on_strong_beats(arranged):
    for style, result in arranged.items():
        share = bass_strong_share(result)
        assert share >= 0.9, (style, share)


def test_strong_beats_helper_matches_meter():
    for ts, expected in (((4, 4), [0, 960]), ((3, 4), [0]), ((6, 8), [0]), ((12, 8), [0, 1440])):
        prep = prepare(Material(melody_score(ts=ts), time_signature=ts))
        assert strong_beat_ticks(prep) == expected


def test_parts_stay_in_their_registers(arranged):
    for style, result in arranged.items():
        template = STYLES[style]
        for part in template.parts:
            if part.role == "melody":
                continue
            track = next(t for t in result.score.tracks if t.name == part.name)
            pitches = [n.pitch for n in track.notes]
            assert pitches, (style, part.name)
            assert part.low <= min(pitches) and max(pitches) <= part.high, (style, part.name)
        bass = [t for t in result.score.tracks if result.roles[t.name] in ("bass", "drone", "satb_bass")]
        for track in bass:
            assert np.mean([n.pitch for n in track.notes]) < 56, (style, track.name)


def test_chorale_satb_ranges_and_no_voice_crossing(arranged):
    result = arranged["baroque_chorale"]
    tracks = {t.name: t for t in result.score.tracks}
    assert list(tracks) == ["Soprano", "Alto", "Tenor", "Bass"]
    for name, (lo, hi) in zip(("Alto", "Tenor", "Bass"), RANGES.values()):
        pitches = [n.pitch for n in tracks[name].notes]
        assert lo <= min(pitches) and max(pitches) <= hi, name
    end = result.n_bars * 4 * TPQ

    def sounding(track, t):
        return [n.pitch for n in track.notes if n.time <= t < n.time + n.duration]

    onsets = sorted({n.time for t in tracks.values() for n in t.notes if n.time < end})
    crossings = checked = 0
    for t in onsets:
        voices = [sounding(tracks[v], t) for v in ("Soprano", "Alto", "Tenor", "Bass")]
        present = [v[0] for v in voices if v]
        checked += 1
        crossings += any(a < b for a, b in zip(present, present[1:]))
    assert checked > 50 and crossings == 0
    # Mostly complete chords: the bass holds the chord's bass note on downbeats.
    bars = [n for n in tracks["Bass"].notes if n.time % (4 * TPQ) == 0]
    roots = sum(n.pitch % 12 == chord_of_bar(result, n.time // (4 * TPQ)).bass for n in bars)
    assert roots / len(bars) >= 0.8


def test_length_in_bars_is_exact_and_melody_is_preserved(arranged):
    bar = 4 * TPQ
    src = [(t, d, p) for t, d, p, _ in notes_of(melody_score().tracks[0])]
    for style, result in arranged.items():
        assert result.n_bars == 2 + 3 * 8 + 2
        assert result.score.end() == result.n_bars * bar
        assert all(n.time + n.duration <= result.n_bars * bar
                   for t in result.score.tracks for n in t.notes)
        melody = result.score.tracks[0]
        assert result.roles[melody.name] == "melody"
        got = [(n.time, n.duration, n.pitch) for n in melody.notes]
        want = [(t + (2 + r * 8) * bar, d, p) for r in range(3) for t, d, p in src]
        assert got == want, style
    plain = arrange(Material(melody_score(), chords=CHORDS), "pop", seed=0)
    assert plain.n_bars == 8 and plain.score.end() == 8 * bar
    assert [(n.time, n.duration, n.pitch) for n in plain.score.tracks[0].notes] == src


def test_seeded_determinism():
    material = Material(melody_score(), chords=CHORDS, tempo_bpm=110)
    for style in ("pop", "folk", "orchestral"):
        a = arrange(material, style, seed=7, repeats=2)
        b = arrange(material, style, seed=7, repeats=2)
        c = arrange(material, style, seed=8, repeats=2)
        tracks_a = [notes_of(t) for t in a.score.tracks]
        assert tracks_a == [notes_of(t) for t in b.score.tracks]
        assert tracks_a != [notes_of(t) for t in c.score.tracks]


def test_sections_develop_and_layers_follow_the_plan():
    material = Material(melody_score(), chords=CHORDS, tempo_bpm=120)
    result = arrange(material, "pop", seed=1, repeats=8, intro_bars=4, outro_bars=2)
    # 4 + 64 + 2 bars at 120 bpm = 140 s: a two-minute cue.
    assert result.n_bars == 70
    names = [s.name for s in result.sections]
    assert names[0] == "intro" and names[-1] == "outro" and "breakdown" in names
    levels = [s.intensity for s in result.sections]
    assert levels[0] == 0 and max(levels) == 3 and levels.index(3) > 1
    assert sum(s.n_bars for s in result.sections) == 70
    markers = [(m.time, m.text) for m in result.score.markers]
    assert markers[0] == (0, "intro") and markers[-1] == (70 * 4 * TPQ, "end")
    bar = 4 * TPQ
    for section in result.sections:
        lo, hi = section.start_bar * bar, (section.start_bar + section.n_bars) * bar
        for track in result.score.tracks:
            inside = [n for n in track.notes if lo + bar // 8 <= n.time < hi - bar // 8]
            if track.name not in section.parts:
                assert not inside, (section.name, track.name)
    drums = next(t for t in result.score.tracks if t.is_drum)
    assert all(n.time >= result.sections[2].start_bar * bar - bar // 8 for n in drums.notes)
    # Dynamics: the full sections are louder than the verse for the same part.
    keys = next(t for t in result.score.tracks if t.name == "Electric Piano")

    def mean_velocity(section):
        lo, hi = section.start_bar * bar, (section.start_bar + section.n_bars) * bar
        return np.mean([n.velocity for n in keys.notes if lo <= n.time < hi])

    verse = next(s for s in result.sections if s.name == "verse")
    full = next(s for s in result.sections if s.name == "full")
    assert mean_velocity(full) > mean_velocity(verse) + 5


def test_other_meters_and_dance_tempo():
    waltz = [(67, 2), (64, 1), (65, 3), (69, 2), (67, 1), (64, 3)] * 2
    result = arrange(Material(melody_score(waltz, ts=(3, 4)), chords=["C", "G7", "F", "C"] * 2),
                     "folk", seed=2)
    assert result.time_signature == (3, 4) and result.score.end() == 8 * 3 * TPQ
    groove = next(g for g in groove_mod.load_grooves() if g.name == result.grooves[0])
    assert groove.time_signature == (3, 4)
    assert bass_strong_share(result) >= 0.9
    jig = [(72, 1.5), (71, 1.5)] * 8  # 6/8: dotted-quarter beats, 8 bars
    result = arrange(Material(melody_score(jig, ts=(6, 8)), chords=["D", "A7"] * 4), "rock",
                     seed=0)
    assert result.score.end() == 8 * 3 * TPQ and bass_strong_share(result) >= 0.9
    slow = Material(melody_score(), chords=CHORDS, tempo_bpm=70)
    assert 118 <= arrange(slow, "electronic").tempo_bpm <= 132
    assert arrange(slow, "electronic", tempo_bpm=140).tempo_bpm == 140


def test_groove_choice_follows_tempo():
    rng = np.random.default_rng(0)
    files = STYLES["pop"].lib_files
    slow = [groove_mod.choose_groove(files, (4, 4), 60, np.random.default_rng(s)) for s in range(5)]
    fast = [groove_mod.choose_groove(files, (4, 4), 180, np.random.default_rng(s)) for s in range(5)]
    assert np.mean([g.drum_hits_per_quarter for g in slow]) > \
        np.mean([g.drum_hits_per_quarter for g in fast])
    assert groove_mod.choose_groove(files, (3, 4), 120, rng).time_signature == (3, 4)
    # No 12/8 chiptune groove: another style's 12/8 groove beats a 4/4 one stretched over the bar.
    chip = STYLES["chiptune"].lib_files
    assert groove_mod.choose_groove(chip, (12, 8), 120, rng).time_signature == (12, 8)
    # 5/4 has no pop groove: a 4/4 one is laid beat by beat over the longer bar.
    g = groove_mod.choose_groove(files, (5, 4), 120, rng)
    drums, bass, _ = groove_mod.groove_bar(g, 0, 60)
    assert max(s for s, *_ in drums) < 60 and any(s >= 48 for s, *_ in drums + bass)


def test_shipped_groove_table_is_small_licensed_and_stdlib_only():
    path = groove_mod.TABLE_PATH
    assert path.stat().st_size < 1_000_000
    raw = json.loads(path.read_text())
    assert raw["license"] == "GPL-2.0-or-later" and "Bob van der Poel" in raw["attribution"]
    readme = (path.parent / "README.md").read_text()
    assert "GPL-2.0-or-later" in readme and "Bob van der Poel" in readme
    assert {g["lib_file"] for g in raw["grooves"]} <= set(groove_mod.LIB_FILES)
    metres = {tuple(g["time_signature"]) for g in raw["grooves"]}
    assert {(4, 4), (3, 4), (6, 8), (12, 8)} <= metres


def test_extraction_recovers_a_jittered_pattern(tmp_path):
    """A synthetic MMA-style render (8 bars, C Am F G, random jitter) distils back to its pattern."""
    rng = np.random.default_rng(0)
    score = symusic.Score(192)
    drums = symusic.Track(name="Drum", program=0, is_drum=True)
    bass = symusic.Track(name="Bass", program=33)
    roots = [36, 33, 41, 43]
    for bar in range(8):
        base = bar * 768
        for step, pitch in ((0, 36), (192, 42), (384, 38), (576, 42)):
            if rng.random() < 0.9:  # MMA's random skips
                drums.notes.append(symusic.Note(base + step + int(rng.integers(-4, 5)), 1, pitch,
                                                int(rng.integers(70, 90))))
        root = roots[bar % 4]
        bass.notes.append(symusic.Note(base, 300, root, 100))
        bass.notes.append(symusic.Note(base + 384, 300, root + 7, 90))
    score.tracks.extend([drums, bass])
    path = tmp_path / "Fake.mid"
    score.dump_midi(str(path))
    row = {"groove": "Fake", "lib_file": "stdlib/fake.mma", "genre_family": "rock",
           "variant": "main", "time_signature": "4/4", "bars": "8", "seq_size": "1"}
    groove = groove_mod.extract_groove(path, row)
    assert sorted((s, p) for _, s, p, _ in groove.drums) == [(0, 36), (12, 42), (24, 38), (36, 42)]
    assert [(s, deg) for _, s, _, _, deg, _, _ in groove.bass] == [(0, "1"), (24, "5")]
    with open(tmp_path / "manifest.csv", "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=[*row, "library", "status", "path"])
        writer.writeheader()
        writer.writerow({**row, "lib_file": "stdlib/8beat.mma", "library": "stdlib",
                         "status": "ok", "path": "Fake.mid"})
    table = groove_mod.build_table(tmp_path, tmp_path / "out.json")
    assert len(table["grooves"]) == 1 and (tmp_path / "out.json").stat().st_size < 10_000


def test_chord_symbols_and_guessing():
    cases = {"C": {0, 4, 7}, "Am": {9, 0, 4}, "F#m7": {6, 9, 1, 4}, "Bbmaj7": {10, 2, 5, 9},
             "G7/B": {7, 11, 2, 5}, "Bdim": {11, 2, 5}, "Caug": {0, 4, 8}, "Dsus4": {2, 7, 9},
             "Esus2": {4, 6, 11}, "C/E": {0, 4, 7}, "Ebm": {3, 6, 10}}
    for symbol, pcs in cases.items():
        assert set(parse_chord(symbol).pitch_classes) == pcs, symbol
    assert parse_chord("G7/B").bass == 11
    with pytest.raises(MuseforgeError, match="maj7"):
        parse_chord("H7")
    score = symusic.Score(TPQ)
    track = symusic.Track(name="Piano", program=0)
    for bar, pcs in enumerate(([48, 52, 55], [45, 48, 52, 57], [41, 45, 48, 53], [43, 47, 50, 53])):
        for p in pcs:
            track.notes.append(symusic.Note(bar * 4 * TPQ, 4 * TPQ, p, 80))
    score.tracks.append(track)
    assert chords_from_score(score) == ["C", "Am", "F", "G7"]
    guessed = arrange(Material(score), "piano")  # chords guessed when none are given
    assert guessed.chords == ("C", "Am", "F", "G7")


def test_bad_input_says_what_to_change():
    material = Material(melody_score(), chords=CHORDS)
    with pytest.raises(MuseforgeError, match="valid: ambient, baroque_chorale, chiptune"):
        arrange(material, "polka")
    empty = symusic.Score(TPQ)
    empty.tracks.append(symusic.Track(name="Melody", program=0))
    with pytest.raises(MuseforgeError, match="melody"):
        arrange(Material(empty, chords=["C"]), "pop")
    with pytest.raises(MuseforgeError, match="one entry per bar"):
        arrange(Material(melody_score(), chords=CHORDS[:5]), "pop")
    with pytest.raises(MuseforgeError, match="one entry per bar"):
        arrange(Material(melody_score(), chords="C Am F G"), "pop")
    with pytest.raises(MuseforgeError, match="chord symbol"):
        arrange(Material(melody_score(), chords=CHORDS[:7] + ["Cxyz"]), "pop")
    with pytest.raises(MuseforgeError, match="tempo_bpm"):
        arrange(material, "pop", tempo_bpm=900)
    with pytest.raises(MuseforgeError, match="repeats"):
        arrange(material, "pop", repeats=0)
    with pytest.raises(MuseforgeError, match="seed"):
        arrange(material, "pop", seed=-1)
    with pytest.raises(MuseforgeError, match="key"):
        arrange(Material(melody_score(), chords=CHORDS, key="H minor"), "pop")
    with pytest.raises(MuseforgeError, match="symusic Score"):
        arrange(Material("song.mid"), "pop")


def test_arrangement_writes_a_valid_midi_file(arranged, tmp_path):
    result = arranged["rock"]
    path = tmp_path / "rock.mid"
    result.score.dump_midi(str(path))
    back = symusic.Score(str(path))
    assert [t.name for t in back.tracks] == [t.name for t in result.score.tracks]
    assert sum(len(t.notes) for t in back.tracks) == sum(len(t.notes) for t in result.score.tracks)
    assert back.tempos[0].qpm == pytest.approx(result.tempo_bpm, abs=0.01)


def test_chorale_avoids_parallel_fifths_and_octaves(arranged):
    tracks = [t for t in arranged["baroque_chorale"].score.tracks]
    slots = sorted({n.time for t in tracks for n in t.notes})

    def at(track, t):
        return next((n.pitch for n in track.notes if n.time <= t < n.time + n.duration), None)

    grid = [[at(tr, t) for tr in tracks] for t in slots]
    parallels = 0
    for prev, cur in zip(grid, grid[1:]):
        for i, j in itertools.combinations(range(4), 2):
            if None in (prev[i], prev[j], cur[i], cur[j]):
                continue
            same = (prev[i] - prev[j]) % 12 == (cur[i] - cur[j]) % 12 in (0, 7)
            parallels += same and prev[i] != cur[i] and prev[j] != cur[j]
    assert parallels <= len(slots) * 0.03


def test_cli_writes_midi_and_sidecar_and_reports_bad_style(tmp_path):
    from typer.testing import CliRunner

    from museforge.serve.cli_arrange import app

    melody_score().dump_midi(str(tmp_path / "tune.mid"))
    runner = CliRunner()
    res = runner.invoke(app, ["midi", str(tmp_path / "tune.mid"), "--style", "chiptune",
                              "--chords", "|".join(CHORDS), "--seed", "4", "--out",
                              str(tmp_path / "out")])
    assert res.exit_code == 0, res.output
    mid = next((tmp_path / "out").glob("*.mid"))
    assert "chiptune" in mid.name and "seed4" in mid.name
    sidecar = json.loads(mid.with_suffix(".mid.json").read_text())
    assert sidecar["controls"]["chords"] == CHORDS
    assert sidecar["controls"]["sections"][0]["parts"][0] == "Pulse Lead"
    assert "GPL-2.0-or-later" in sidecar["provenance"]["credits"][0]
    back = symusic.Score(str(mid))
    assert {t.program for t in back.tracks if not t.is_drum} == {80, 81, 38}
    res = runner.invoke(app, ["midi", str(tmp_path / "tune.mid"), "--style", "polka"])
    assert res.exit_code != 0 and "valid: ambient" in str(res.exception)


def test_drums_are_the_chosen_grooves_hits_and_bass_follows_slash_chords():
    material = Material(melody_score(), chords=["C", "Am", "F C/E", "Dm7 G7/B"] * 2, tempo_bpm=110)
    result = arrange(material, "rock", seed=5, repeats=2)
    main = next(g for g in groove_mod.load_grooves() if g.name == result.grooves[0])
    drums = next(t for t in result.score.tracks if t.is_drum)
    bar, step = 4 * TPQ, TPQ / groove_mod.STEPS_PER_QUARTER
    full = next(s for s in result.sections if s.intensity == 3)
    b = full.start_bar + 1  # not the crash bar, not a fill bar
    got = {(round((n.time - b * bar) / step), n.pitch) for n in drums.notes
           if b * bar - step / 2 <= n.time < (b + 1) * bar - step / 2}
    want = {(s, p) for s, p, _ in groove_mod.groove_bar(main, b - full.start_bar, 48)[0]}
    assert got == want
    bass = next(t for t in result.score.tracks if result.roles[t.name] == "bass")
    mid_bar = [n.pitch % 12 for n in bass.notes if abs(n.time % (8 * bar) - (2 * bar + bar // 2)) < 40]
    assert mid_bar and all(pc == 4 for pc in mid_bar)  # C/E: E in the bass
    mid_bar = [n.pitch % 12 for n in bass.notes if abs(n.time % (8 * bar) - (3 * bar + bar // 2)) < 40]
    assert mid_bar and all(pc == 11 for pc in mid_bar)  # G7/B: B in the bass
