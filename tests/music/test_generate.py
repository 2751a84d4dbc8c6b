"""Generation with the untrained debug composer and the real tokenizer: whatever the weights, the
grammar yields decodable pieces that obey the controls; continuation, infill, harmonisation and
long form keep what they promise; bad input is a MuseforgeError."""

from __future__ import annotations

import json
import math

import pytest
import torch
from symusic import Note, Score, Tempo, TimeSignature, Track

from museforge.controls import MusicControls
from museforge.errors import MuseforgeError
from museforge.music.compose_request import MAJOR_SCALE, bars_for_duration
from museforge.music.generate import (compose, compose_long, compose_variations, continue_score, harmonise, infill,
                                      section_plan)
from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.tokenizer import get_tokenizer

SIGNATURES = ["4/4", "3/4", "6/8", "2/2", "7/4", "12/8", "5/4", "9/8"]


@pytest.fixture(scope="module")
def tok():
    return get_tokenizer()


def _model(tok, context_len: int = 192, seed: int = 0) -> Composer:
    torch.manual_seed(seed)
    return Composer(ComposerConfig.debug(vocab_size=tok.vocab_size, context_len=context_len)).eval()


@pytest.fixture(scope="module")
def model(tok):
    return _model(tok)


def bar_ticks(score: Score, signature: str) -> int:
    num, den = (int(x) for x in signature.split("/"))
    return num * 4 * score.ticks_per_quarter // den


def programs_of(score: Score) -> set[int]:
    return {-1 if t.is_drum else t.program for t in score.tracks if len(t.notes)}


def notes_of(score: Score) -> set[tuple]:
    return {(-1 if t.is_drum else t.program, n.time, n.duration, n.pitch, n.velocity)
            for t in score.tracks for n in t.notes}


def body(tok, ids: list[int]) -> list[int]:
    return ids[ids.index(tok.controls_end_id) + 1:-1]


def test_many_seeds_decode_with_exact_bars_meter_tempo_and_programs(tok, model):
    for seed in range(24):
        signature = SIGNATURES[seed % len(SIGNATURES)]
        n_bars = 2 + seed % 5
        instruments = [("piano", "drums"), ("flute", "cello"), ("bass",), ("violin", "viola", "drums")][seed % 4]
        tempo = 50.0 + 9.7 * seed
        piece = compose(model, tok, MusicControls(n_bars=n_bars, instruments=instruments, time_signature=signature,
                                                  tempo_bpm=tempo), seed=seed, temperature=1.0 + 0.2 * (seed % 3))
        ids = body(tok, piece.token_ids)
        assert tok.remi.tokens_errors(ids) == 0  # miditok's own grammar check
        score = tok.decode(ids)  # decodes without error
        assert score.note_num() > 0
        # Exact bars: the held final chord ends exactly on the last bar line.
        assert piece.score.end() == n_bars * bar_ticks(piece.score, signature)
        assert sum(t == tok.vocab["Bar_None"] for t in ids) == n_bars
        # Only the requested programs, and all of them: every instrument plays the held final chord.
        assert programs_of(piece.score) == set(MusicControls(instruments=instruments).programs)
        last_bar = (n_bars - 1) * bar_ticks(piece.score, signature)
        held = [n for t in piece.score.tracks for n in t.notes if n.time >= last_bar]
        assert len(held) <= max(len(instruments), min(8, 3 * len(instruments)))  # a final chord, not a cluster
        num, den = (int(x) for x in signature.split("/"))
        assert [(s.numerator, s.denominator) for s in piece.score.time_signatures] == [(num, den)]
        assert len(piece.score.tempos) == 1  # MIDI stores microseconds per quarter: exact to 1 us
        assert abs(60e6 / tempo - piece.score.tempos[0].mspq) <= 0.5
        tempo_tokens = [tok.id_to_token[i] for i in ids if tok.id_to_token[i].startswith("Tempo_")]
        assert tempo_tokens == [piece.record["tempo_token"]]
        assert abs(float(tempo_tokens[0].split("_")[1]) - min(tempo, 250.0)) <= 3.4  # nearest of 32 bins, 40-250


def test_same_seed_same_piece_other_seed_other_piece(tok, model):
    controls = MusicControls(n_bars=4, instruments=("piano", "bass"), style="pop")
    a = compose(model, tok, controls, seed=7, top_k=20, top_p=0.95)
    b = compose(model, tok, controls, seed=7, top_k=20, top_p=0.95)
    c = compose(model, tok, controls, seed=8, top_k=20, top_p=0.95)
    assert a.token_ids == b.token_ids and a.record == b.record
    assert a.token_ids != c.token_ids
    assert a.record["style"] == "pop" and a.record["seed"] == 7


def test_keep_in_key_holds_for_pitched_programs_only(tok, model):
    for seed in range(6):
        piece = compose(model, tok, MusicControls(n_bars=4, instruments=("piano", "bass", "drums"), tonic="E",
                                                  mode="major"), seed=seed, keep_in_key=True)
        scale = {(4 + i) % 12 for i in MAJOR_SCALE}
        pitched = [n.pitch for t in piece.score.tracks if not t.is_drum for n in t.notes]
        assert pitched and {p % 12 for p in pitched} <= scale
    free = compose(model, tok, MusicControls(n_bars=6, instruments=("piano",), tonic="E", mode="major"), seed=1)
    assert {n.pitch % 12 for t in free.score.tracks for n in t.notes} - scale  # unmasked: the random model strays


def test_chords_rule_the_bass_register_and_the_final_chord(tok, model):
    chords = ("C", "G", "Am", "F")
    tones = [{0, 4, 7}, {7, 11, 2}, {9, 0, 4}, {5, 9, 0}]
    piece = compose(model, tok, MusicControls(n_bars=8, instruments=("piano", "bass"), chords=chords), seed=3)
    ticks = bar_ticks(piece.score, "4/4")
    bass = [(n.time // ticks, n.pitch % 12) for t in piece.score.tracks for n in t.notes if n.pitch < 55]
    assert bass and all(pc in tones[bar % 4] for bar, pc in bass if bar < 7)
    last = [n for t in piece.score.tracks for n in t.notes if n.time >= 7 * ticks]
    assert last and all(n.time == 7 * ticks and n.time + n.duration == 8 * ticks for n in last)
    # A repeated progression ends on the tonic for the cadence, and the record says so.
    assert piece.record["chords_per_bar"] == ["C", "G", "Am", "F", "C", "G", "Am", "C"]
    assert {n.pitch % 12 for n in last} <= tones[0]
    for seed in range(4):  # one chord per bar given: kept as written, and the last bar still resolves
        written = compose(model, tok, MusicControls(n_bars=4, instruments=("piano", "bass"), chords=chords), seed=seed)
        assert written.record["chords_per_bar"] == list(chords)
        assert written.record["final_chord"] == "C" and written.record["final_chord_from_beat"] == 2
        ticks = bar_ticks(written.score, "4/4")
        half = 3 * ticks + ticks // 2
        last = [n for t in written.score.tracks for n in t.notes if n.time >= 3 * ticks]
        early = [n for n in last if n.time < half]  # over F, and not ringing into the tonic
        held = [n for n in last if n.time >= half]
        assert all(n.time + n.duration <= half for n in early) and all(n.pitch % 12 in tones[3] for n in early
                                                                       if n.pitch < 55)
        assert held and all(n.time == half and n.time + n.duration == 4 * ticks for n in held)
        assert {n.pitch % 12 for n in held} <= tones[0] and {n.pitch % 12 for n in held if n.pitch < 55} <= {0}
        assert programs_of(written.score) == {0, 33}
    again = compose(model, tok, MusicControls(n_bars=4, instruments=("piano", "bass"), chords=chords), seed=3)
    assert again.token_ids == written.token_ids  # seeded: the split cadence is reproducible
    repeat = compose(model, tok, MusicControls(n_bars=4, instruments=("piano",), chords=("C", "F", "G", "C")), seed=1)
    assert "final_chord" not in repeat.record  # ends on the tonic already: one held chord, the whole bar
    assert all(n.time == 3 * ticks for t in repeat.score.tracks for n in t.notes if n.time >= 3 * ticks)


def test_key_narrowing_biases_only_where_a_control_asks(tok):
    from museforge.music.compose_request import NAMED_KEY_HOME_BIAS, make_plan, resolve

    free = make_plan(resolve(MusicControls(mood="calm", n_bars=8)), tok)  # the composer picks the key
    assert free.home_pcs is None and free.penultimate_bias == free.home_bias  # the model's own pitch classes
    named = make_plan(resolve(MusicControls(tonic="D", mode="major", n_bars=8)), tok)  # asked for: a lighter lean
    assert named.home_pcs == frozenset({2, 6, 9}) and named.home_bias == NAMED_KEY_HOME_BIAS < free.home_bias
    assert named.penultimate_bias == named.chord_bias and named.scale_pcs is None  # no notes masked
    in_key = make_plan(resolve(MusicControls(tonic="D", mode="major", n_bars=8), keep_in_key=True), tok)
    chords = make_plan(resolve(MusicControls(tonic="D", mode="major", n_bars=8, chords=("D", "G"))), tok)
    for plan in (in_key, chords):
        assert plan.home_pcs == frozenset({2, 6, 9}) and plan.leading_pcs == frozenset({1})
        assert plan.penultimate_bias == plan.chord_bias and plan.home_bias == free.home_bias


def test_density_orders_notes_per_bar_and_caps_them(tok, model):
    from museforge.music.compose_request import DENSITY_NOTES_PER_BEAT
    from museforge.music.grammar import DENSITY_CAP, MIN_DENSITY_CAP

    instruments = ("piano", "guitar", "bass", "drums")
    counts = {}
    for density in ("sparse", "medium", "dense"):
        per_bar = []
        for seed in range(3):
            piece = compose(model, tok, MusicControls(n_bars=4, instruments=instruments, density=density,
                                                      style="pop"), seed=seed)
            ticks = bar_ticks(piece.score, "4/4")
            # The drums are a groove laid over the piece afterwards: the density counts the model's notes.
            bars = [sum(1 for t in piece.score.tracks if not t.is_drum for n in t.notes if n.time // ticks == b)
                    for b in range(3)]
            target = DENSITY_NOTES_PER_BEAT[density] * 4 * (len(instruments) - 1)
            cap = max(MIN_DENSITY_CAP, math.ceil(DENSITY_CAP * target))  # the grammar rounds the ceiling up
            assert max(bars) <= cap  # the free bars (the held final chord aside) never exceed the ceiling
            per_bar += bars
        counts[density] = sum(per_bar) / len(per_bar)
    assert counts["sparse"] < counts["medium"] < counts["dense"]
    assert counts["medium"] > 1.3 * counts["sparse"] and counts["dense"] > 1.15 * counts["medium"]


def test_sliding_window_beyond_the_context(tok):
    small = _model(tok, context_len=64, seed=2)
    piece = compose(small, tok, MusicControls(n_bars=10, instruments=("piano", "drums"), density="medium"), seed=4)
    assert len(piece.token_ids) > 2 * 64  # several windows
    assert piece.score.end() == 10 * bar_ticks(piece.score, "4/4")
    assert tok.remi.tokens_errors(body(tok, piece.token_ids)) == 0


def primer_score() -> Score:
    score = Score(480)
    score.tempos.append(Tempo(0, 96))
    score.time_signatures.append(TimeSignature(0, 3, 4))
    melody = Track("flute", 73)
    # The first note is on the downbeat and short: the one continuation bugs tend to lose.
    melody.notes.extend([Note(0, 240, 74, 96), Note(240, 240, 76, 80), Note(480, 960, 78, 80),
                         Note(1440, 720, 81, 88), Note(2160, 720, 79, 88), Note(2880, 1440, 74, 100)])
    score.tracks.append(melody)
    return score


def test_continuation_keeps_the_primer_and_does_not_repeat_it(tok, model):
    primer = primer_score()  # 3 bars of 3/4 at 480 tpq
    new = continue_score(model, tok, primer, 4, seed=5)
    assert new.record["primer_bars"] == 3
    assert new.score.start() >= 0 and new.score.end() == 4 * bar_ticks(new.score, "3/4")  # only the new bars
    prompt = tok.decode(new.prompt_ids)  # the whole primer, first note included, is the prompt
    first = prompt.tracks[0].notes[0]
    assert (first.time, first.pitch) == (0, 74) and prompt.note_num() == primer.note_num()
    assert programs_of(new.score) <= {73}
    whole = continue_score(model, tok, primer, 4, seed=5, include_primer=True)
    assert whole.score.ticks_per_quarter == 480
    kept = [(n.time, n.duration, n.pitch, n.velocity) for n in whole.score.tracks[0].notes[:6]]
    assert kept == [(n.time, n.duration, n.pitch, n.velocity) for n in primer.tracks[0].notes]
    assert whole.score.end() == 7 * 1440
    later = [n for t in whole.score.tracks for n in t.notes if n.time >= 3 * 1440]
    assert len(later) == new.score.note_num()  # the same new notes, after the primer
    assert continue_score(model, tok, primer.dumps_midi(), 2, seed=1).score.note_num() > 0  # MIDI bytes too


def test_infill_keeps_every_note_outside_the_bars(tok, model):
    base = compose(model, tok, MusicControls(n_bars=6, instruments=("piano", "bass"), density="medium"), seed=9).score
    out = infill(model, tok, base, (3, 4), seed=11)
    ticks = bar_ticks(base, "4/4")
    outside = {n for n in notes_of(base) if not 2 * ticks <= n[1] < 4 * ticks}
    assert outside <= notes_of(out.score)
    inside_new = {n for n in notes_of(out.score) if 2 * ticks <= n[1] < 4 * ticks}
    assert inside_new and inside_new != {n for n in notes_of(base) if 2 * ticks <= n[1] < 4 * ticks}
    assert all(n[1] + n[2] <= 4 * ticks for n in inside_new)  # new notes stop at the end of bar j
    assert len(notes_of(out.score)) == len(outside) + len(inside_new)
    first = infill(model, tok, base, (1, 2), seed=2)  # no left context at all
    assert {n for n in notes_of(base) if n[1] >= 2 * ticks} <= notes_of(first.score)


def test_infill_shows_a_fill_in_the_middle_model_the_bars_after_the_gap(tok, monkeypatch):
    torch.manual_seed(0)
    fim_model = Composer(ComposerConfig.debug(vocab_size=tok.vocab_size, context_len=192, fim=True)).eval()
    base = compose(fim_model, tok, MusicControls(n_bars=6, instruments=("piano",), density="sparse"), seed=3).score
    prompts = []
    real_generate = fim_model.generate
    monkeypatch.setattr(fim_model, "generate", lambda p, **kw: prompts.append(p[0]) or real_generate(p, **kw))
    out = infill(fim_model, tok, base, (2, 3), seed=4)
    mask = tok.vocab["MASK_None"]
    first = prompts[0]
    cuts = [k for k, t in enumerate(first) if t == mask]
    assert len(cuts) == 2 and cuts[1] == len(first) - 1  # ... left bars, MASK, bars 4.., MASK | new bars
    after = tok.decode(first[cuts[0] + 1:cuts[1]])
    shown = first[cuts[0] + 1:cuts[1]].count(tok.vocab["Bar_None"])  # whole bars within a quarter of the context
    ticks = bar_ticks(base, "4/4")
    expected = {(n[0], n[1] - 3 * ticks, *n[2:]) for n in notes_of(base) if 3 * ticks <= n[1] < (3 + shown) * ticks}
    assert shown >= 1 and notes_of(after) == expected  # the kept bars from bar 4 on, shifted to start at 0
    outside = {n for n in notes_of(base) if not ticks <= n[1] < 3 * ticks}
    assert outside <= notes_of(out.score)
    monkeypatch.undo()
    assert continue_score(fim_model, tok, base, 2, seed=1).score.end() == 2 * ticks  # no right context there
    with pytest.raises(MuseforgeError, match="not trained for fill-in-the-middle"):
        from museforge.music.generate import sample_body

        sample_body(_model(tok), tok, [tok.bos_id], [], None, temperature=1.0, top_k=0, top_p=1.0, seed=0,
                    after=[tok.vocab["Bar_None"]])


def test_harmonise_keeps_the_melody_note_for_note(tok, model):
    melody = primer_score()
    out = harmonise(model, tok, melody, (0, 32), seed=6)
    scale = 480 // out.score.ticks_per_quarter
    lead = [t for t in out.score.tracks if t.program == 73 and not t.is_drum]
    assert len(lead) == 1
    got = [(n.time * scale, n.duration * scale, n.pitch) for n in lead[0].notes]
    assert got == [(n.time, n.duration, n.pitch) for n in melody.tracks[0].notes]
    assert programs_of(out.score) == {73, 0, 32}
    assert sum(len(t.notes) for t in out.score.tracks if t.program != 73) > 0


def test_long_form_returns_replay_the_section_opening(tok):
    small = _model(tok, context_len=96, seed=3)
    piece = compose_long(small, tok, MusicControls(n_bars=16, instruments=("piano",), density="sparse"),
                         seed=1, form="AABA", motif_bars=2)
    json.dumps(piece.record)  # the record is saved beside the piece: plain JSON
    sections, returns = section_plan("AABA", 16, 2)
    assert [s[1:] for s in sections] == [(1, 4), (5, 8), (9, 12), (13, 16)]
    assert returns == {5: 1, 6: 2, 13: 1, 14: 2}
    ticks = bar_ticks(piece.score, "4/4")
    assert piece.score.end() == 16 * ticks

    def bar_notes(bar):  # (offset in bar, pitch) of notes starting in a 1-based bar
        return sorted((n.time - (bar - 1) * ticks, n.pitch) for t in piece.score.tracks for n in t.notes
                      if (bar - 1) * ticks <= n.time < bar * ticks)
    for target, source in returns.items():
        assert bar_notes(target) == bar_notes(source)
    assert bar_notes(3) != bar_notes(7) or bar_notes(4) != bar_notes(8)  # only the opening is replayed


def test_long_form_melody_returns_under_new_parts_and_a_bridge_on_its_own_chords(tok):
    small = _model(tok, context_len=128, seed=4)
    controls = MusicControls(n_bars=16, instruments=("violin", "guitar", "bass"), tonic="C", mode="major")
    piece = compose_long(small, tok, controls, seed=2, form="AABA")  # replay="melody", whole openings
    sections, returns = section_plan("AABA", 16, 16)
    assert returns == {5: 1, 6: 2, 7: 3, 13: 1, 14: 2, 15: 3}  # all but each section's last bar
    chords = piece.record["chords_per_bar"]
    assert chords[8:12] == ["F", "G", "Em", "G"]  # B (bars 9-12) walks IV V iii and ends on V
    assert chords[:8] == [None] * 8 and chords[12:] == [None] * 4  # A sections and the final cadence stay free
    ticks = bar_ticks(piece.score, "4/4")
    violin = 40

    def bar_notes(bar, keep):  # (offset in bar, pitch) of the chosen programs' notes starting in a 1-based bar
        return sorted((n.time - (bar - 1) * ticks, n.pitch) for t in piece.score.tracks for n in t.notes
                      if keep(t.program) and (bar - 1) * ticks <= n.time < bar * ticks)
    for target, source in returns.items():
        assert bar_notes(target, lambda p: p == violin) == bar_notes(source, lambda p: p == violin)
    others = [bar_notes(b, lambda p: p != violin) for b in returns]
    assert any(others) and others != [bar_notes(s, lambda p: p != violin) for s in returns.values()]
    again = compose_long(small, tok, controls, seed=2, form="AABA")
    assert notes_of(again.score) == notes_of(piece.score)


def test_seconds_become_exact_bars_or_a_helpful_error():
    assert bars_for_duration(16.0, 120.0, "4/4") == 8
    assert bars_for_duration(9.0, 120.0, "3/4") == 6
    with pytest.raises(MuseforgeError, match=r"nearest exact lengths: 16 s \(8 bars\) or 18 s \(9 bars\)"):
        bars_for_duration(17.0, 120.0, "4/4")


def test_bad_input_is_a_clear_error(tok, model):
    with pytest.raises(MuseforgeError, match="valid: .*ambient"):
        compose(model, tok, MusicControls(style="polka"))
    with pytest.raises(MuseforgeError, match="valid: .*piano"):
        compose(model, tok, MusicControls(instruments=("kazoo",)))
    for bars in (0, 10_000):
        with pytest.raises(MuseforgeError, match=r"\[1, 512\]"):
            compose(model, tok, n_bars=bars)
    with pytest.raises(MuseforgeError, match=r"\[30.0, 300.0\]"):
        compose(model, tok, tempo_bpm=0)
    with pytest.raises(MuseforgeError, match="valid: .*6/8"):
        compose(model, tok, MusicControls(time_signature="5/8"))
    with pytest.raises(MuseforgeError, match="nearest exact lengths"):
        compose(model, tok, MusicControls(duration_s=10.3, tempo_bpm=120))
    with pytest.raises(MuseforgeError, match="MIDI"):
        continue_score(model, tok, b"MThd\x00\x00\x00\x06garbage", 4)
    with pytest.raises(MuseforgeError, match="MIDI"):
        continue_score(model, tok, b"not midi at all", 4)
    with pytest.raises(MuseforgeError, match=r"whole number in \[1, 509\]"):
        continue_score(model, tok, primer_score(), 0)
    with pytest.raises(MuseforgeError, match="does not exist"):
        continue_score(model, tok, "/nonexistent/primer.mid", 4)
    with pytest.raises(MuseforgeError, match=r"1 <= i <= j <= 3"):
        infill(model, tok, primer_score(), (2, 5))
    with pytest.raises(MuseforgeError, match="differ from the melody"):
        harmonise(model, tok, primer_score(), (73,))
    with pytest.raises(MuseforgeError, match="vocabulary"):
        compose(Composer(ComposerConfig.debug()), tok, n_bars=2)
    with pytest.raises(MuseforgeError, match="top_p"):
        compose(model, tok, n_bars=2, top_p=0.0)
    with pytest.raises(MuseforgeError, match="form"):
        compose_long(model, tok, n_bars=4, form="A-B")


def test_cli_writes_midi_with_a_sidecar_and_reports_bad_input(tmp_path, monkeypatch):
    from typer.testing import CliRunner

    from museforge.serve.cli_compose import app

    runner = CliRunner()
    res = runner.invoke(app, ["new", "--debug-model", "--key", "D minor", "--bars", "4", "--instruments",
                              "flute,guitar", "--chords", "Dm|C|Bb|A", "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    sidecar = json.loads(next((tmp_path / "a").glob("*.mid.json")).read_text())
    assert "D" in json.dumps(sidecar) and "Bb" in json.dumps(sidecar)
    midi = next((tmp_path / "a").glob("*.mid"))
    res = runner.invoke(app, ["continue", str(midi), "--bars", "2", "--debug-model", "--out", str(tmp_path / "b")])
    assert res.exit_code == 0 and Score(str(next((tmp_path / "b").glob("*.mid")))).note_num() > 0
    res = runner.invoke(app, ["new", "--debug-model", "--instruments", "kazoo"])
    assert isinstance(res.exception, MuseforgeError) and "kazoo" in str(res.exception)
    monkeypatch.setenv("MUSEFORGE_COMPOSER", str(tmp_path / "none"))
    res = runner.invoke(app, ["new", "--bars", "4"])
    assert isinstance(res.exception, MuseforgeError) and "no composer checkpoint" in str(res.exception)


def test_mood_leans_on_loudness_and_register_and_picks_the_drum_density(tok, model):
    def features(mood, instruments=("piano", "flute")):
        pieces = [compose(model, tok, MusicControls(mood=mood, n_bars=4, instruments=instruments), seed=s)
                  for s in range(3)]
        notes = [n for p in pieces for t in p.score.tracks for n in t.notes]
        drums = [n for p in pieces for t in p.score.tracks if t.is_drum for n in t.notes]
        return (sum(n.velocity for n in notes) / len(notes), sum(n.pitch for n in notes) / len(notes), len(drums),
                pieces[0].record)
    happy, sad = features("happy"), features("sad")
    assert happy[0] > sad[0] + 15 and happy[1] > sad[1]
    assert happy[3]["mode"] == "major" and sad[3]["mode"] == "minor" and happy[3]["tempo_bpm"] > sad[3]["tempo_bpm"]
    assert {"mode", "tempo_bpm", "density"} <= set(sad[3]["chosen"])  # what the composer picked is reported
    # A density chosen from the mood sets the drum groove's busyness, not a ceiling on the pitched parts.
    tense, calm = features("tense", ("piano", "drums")), features("calm", ("piano", "drums"))
    assert (tense[3]["density"], calm[3]["density"]) == ("dense", "sparse") and tense[2] > calm[2]


def test_variations_are_batched_valid_distinct_and_reproducible(tok, model):
    controls = MusicControls(n_bars=3, instruments=("piano", "drums"), time_signature="3/4", density="medium")
    batch = compose_variations(model, tok, controls, 4, seed=5)
    again = compose_variations(model, tok, controls, 4, seed=5)
    assert [p.token_ids for p in batch] == [p.token_ids for p in again]
    assert len({tuple(p.token_ids) for p in batch}) == 4
    for k, piece in enumerate(batch):
        assert piece.record["variation"] == k and piece.score.end() == 3 * bar_ticks(piece.score, "3/4")
        assert tok.remi.tokens_errors(body(tok, piece.token_ids)) == 0
    small = _model(tok, context_len=64, seed=1)  # rows that outgrow the first window slide on alone
    for piece in compose_variations(small, tok, MusicControls(n_bars=6, instruments=("piano",)), 3, seed=2):
        assert piece.score.end() == 6 * bar_ticks(piece.score, "4/4")
    with pytest.raises(MuseforgeError, match=r"\[1, 256\]"):
        compose_variations(model, tok, controls, 0)


def _bars_with_onsets(score: Score, signature: str, n_bars: int) -> dict[int, set[int]]:
    """program (-1 = drums) -> bars (from 0) in which it starts a note."""
    ticks = bar_ticks(score, signature)
    out: dict[int, set[int]] = {}
    for t in score.tracks:
        out.setdefault(-1 if t.is_drum else t.program, set()).update(min(n.time // ticks, n_bars - 1) for n in t.notes)
    return out


def test_every_requested_instrument_plays_in_every_bar(tok, model):
    # Issue 3: the model wrote the first instrument and left the others to the final chord. Now every
    # requested pitched program starts a note in every bar: the accompaniment on the downbeat (and it
    # sounds on the second strong beat), the lead (the first named) where the model puts it, by that
    # strong beat; an accompanying bass stays in the bass register. Sparse too. (Pop: in the styles of
    # voices in counterpoint every part enters as the lead does, see the next test.)
    cases = [(("flute", "guitar", "bass"), "4/4", "sparse", ()), (("violin", "viola", "cello"), "3/4", "dense", ()),
             (("strings", "flute"), "6/8", "medium", ("Am", "F", "C", "G")), (("piano", "bass"), "5/4", "sparse", ())]
    for seed, (instruments, signature, density, chords) in enumerate(cases):
        n_bars = 6
        piece = compose(model, tok, MusicControls(n_bars=n_bars, instruments=instruments, time_signature=signature,
                                                  density=density, chords=chords, style="pop"), seed=seed)
        assert tok.remi.tokens_errors(body(tok, piece.token_ids)) == 0
        onsets = _bars_with_onsets(piece.score, signature, n_bars)
        programs = MusicControls(instruments=instruments).programs
        assert all(onsets[p] == set(range(n_bars)) for p in programs), (instruments, onsets)
        ticks = bar_ticks(piece.score, signature)
        num = int(signature.split("/")[0])
        mid = {"4/4": 2, "3/4": 1, "6/8": 3, "5/4": 3}[signature] * ticks // num  # the lead's deadline
        for t in piece.score.tracks:
            starts = {(n.time // ticks, n.time % ticks) for n in t.notes if n.time < (n_bars - 1) * ticks}
            if t.program == programs[0]:  # the lead: by the second strong beat
                assert all(min(o for b2, o in starts if b2 == b) <= mid for b in range(n_bars - 1))
            else:  # the accompaniment: on every downbeat, and sounding on the second strong beat
                assert {b for b, o in starts if o == 0} == set(range(n_bars - 1)), (t.program, sorted(starts))
                if signature != "3/4":
                    assert all(any(n.time <= b * ticks + mid < n.time + n.duration for n in t.notes)
                               for b in range(n_bars - 1)), t.program
            if t.program == 33:
                assert max(n.pitch for n in t.notes) <= 55  # G3: under the melody
    again = compose(model, tok, MusicControls(n_bars=6, instruments=cases[0][0], time_signature="4/4",
                                              density="sparse", style="pop"), seed=0)
    first = compose(model, tok, MusicControls(n_bars=6, instruments=cases[0][0], time_signature="4/4",
                                              density="sparse", style="pop"), seed=0)
    assert again.token_ids == first.token_ids and notes_of(again.score) == notes_of(first.score)
    # One instrument keeps the model's freedom (it may rest a bar): no presence rule.
    solo = compose(model, tok, MusicControls(n_bars=4, instruments=("piano",)), seed=1)
    assert tok.remi.tokens_errors(body(tok, solo.token_ids)) == 0


def test_drums_come_from_the_groove_table_with_their_licence(tok, model):
    # The composer never saw drums (its corpus has none); beside pitched parts they are a groove
    # from the MMA table (GPL-2.0-or-later), laid over every bar, named in the record.
    controls = MusicControls(style="pop", n_bars=6, instruments=("piano", "bass", "drums"), density="medium")
    piece = compose(model, tok, controls, seed=3)
    assert tok.vocab["Program_-1"] not in piece.token_ids  # the model wrote no drum tokens
    drums = [t for t in piece.score.tracks if t.is_drum]
    assert len(drums) == 1 and all(35 <= n.pitch <= 81 for n in drums[0].notes)
    assert _bars_with_onsets(piece.score, "4/4", 6)[-1] == set(range(6))
    ticks = bar_ticks(piece.score, "4/4")
    held = [n for n in drums[0].notes if n.time >= 5 * ticks]
    assert {n.pitch for n in held} == {36, 49} and {n.time for n in held} == {5 * ticks}  # crash on the held chord
    assert piece.score.end() == 6 * ticks
    rec = piece.record["drums"]
    assert rec["license"] == "GPL-2.0-or-later" and "MMA" in rec["credit"] and rec["groove"]
    assert any("GPL" in c for c in piece.record["credits"])
    json.dumps(piece.record)  # the record is the sidecar's: plain JSON
    same = compose(model, tok, controls, seed=3)
    assert notes_of(same.score) == notes_of(piece.score) and same.record == piece.record
    # A drums-only request has no pitched part to groove under: still the model's own tokens.
    alone = compose(model, tok, MusicControls(n_bars=2, instruments=("drums",)), seed=0)
    assert "drums" not in alone.record and programs_of(alone.score) == {-1}


def test_presence_rules_in_the_grammar_state(tok):
    # Deterministic checks of the rule itself, token by token: the accompaniment's downbeat, no bar
    # line while a part is owed, the lead favoured at a new onset, the accompaniment leaning under it.
    from museforge.music.compose_request import make_plan, resolve
    from museforge.music.grammar import GrammarState, Vocab

    v = Vocab(tok)
    request = resolve(MusicControls(n_bars=4, instruments=("flute", "guitar", "bass"), time_signature="4/4"))
    state = GrammarState(v, make_plan(request, tok))
    for t in ("Bar_None", "TimeSig_4/4", "Position_0"):
        state.feed(tok.vocab[t])
    state.feed(tok.vocab[state.plan.tempo_token])
    allowed = state.allowed()  # the guitar and bass are owed on this downbeat: nothing else yet
    assert {i for i in range(v.size) if allowed[i]} == {tok.vocab["Program_24"], tok.vocab["Program_33"]}
    for t in ("Program_24", "Pitch_67", "Velocity_63", "Duration_4.0.4", "Program_33", "Pitch_40", "Velocity_63",
              "Duration_1.0.8"):
        state.feed(tok.vocab[t])
    assert state.allowed()[tok.vocab["Program_73"]] and state.allowed()[tok.vocab["Position_8"]]
    for t in ("Program_73", "Pitch_72", "Velocity_63", "Duration_1.0.8", "Position_8", "Program_24"):
        state.feed(tok.vocab[t])
    bias = state.bias(state.allowed())
    assert bias[tok.vocab["Pitch_79"]] < bias[tok.vocab["Pitch_67"]]  # the guitar leans under the flute
    for t in ("Pitch_64", "Velocity_63", "Duration_0.4.8"):
        state.feed(tok.vocab[t])
    # The bass's note ended on beat 2: it is owed on the second strong beat (the guitar's first rings
    # through it), so the bar goes no further than beat 3 before the bass sounds again.
    allowed = state.allowed()
    assert allowed[tok.vocab["Position_16"]] and not allowed[tok.vocab["Position_20"]]
    assert not allowed[tok.vocab["Bar_None"]]
    for t in ("Position_16", "Program_73", "Pitch_74", "Velocity_63", "Duration_1.0.8"):
        state.feed(tok.vocab[t])
    allowed = state.allowed()
    assert {i for i in range(v.size) if allowed[i]} == {tok.vocab["Program_33"]}
    for t in ("Program_33", "Pitch_43", "Velocity_63", "Duration_1.0.8", "Bar_None", "TimeSig_4/4"):
        state.feed(tok.vocab[t])
    allowed = state.allowed()  # bar 2: only its downbeat; the bass is owed there (no bar line yet)
    assert {i for i in range(v.size) if allowed[i]} == {tok.vocab["Position_0"]}
    state.feed(tok.vocab["Position_0"])
    bias = state.bias(state.allowed())
    assert bias[tok.vocab["Program_73"]] > bias[tok.vocab["Program_24"]]  # the lead is favoured at an onset
    for t in ("Program_33", "Pitch_40", "Velocity_63", "Duration_1.0.8"):
        state.feed(tok.vocab[t])
    allowed = state.allowed()  # every bar needs the guitar's own onset: owed on this downbeat too
    assert {i for i in range(v.size) if allowed[i]} == {tok.vocab["Program_24"]}


def test_voices_enter_in_every_bar_by_the_second_strong_beat_or_ring_into_it(tok, model):
    # Renaissance, medieval and chorales: parts are voices, single lines that may rest on a
    # downbeat (an imitative entry) or hold a note over the bar line, but never sit out a bar.
    instruments = ("choir", "strings", "cello", "bass")
    for seed, style in enumerate(("renaissance", "medieval", "baroque_chorale")):
        n_bars = 6
        piece = compose(model, tok, MusicControls(n_bars=n_bars, instruments=instruments, time_signature="4/4",
                                                  style=style), seed=seed)
        ticks = bar_ticks(piece.score, "4/4")
        deadline = 2 * ticks // 4
        programs = MusicControls(instruments=instruments).programs
        assert programs_of(piece.score) == set(programs)
        for t in piece.score.tracks:
            for b in range(n_bars - 1):
                start = b * ticks
                assert any(start <= n.time <= start + deadline or n.time < start < n.time + n.duration
                           for n in t.notes), (style, t.program, b)
            notes = sorted(t.notes, key=lambda n: n.time)
            if all(a.time != c.time for a, c in zip(notes, notes[1:])):  # a single line never overlaps itself
                assert all(a.time + a.duration <= c.time for a, c in zip(notes, notes[1:]))


def test_a_voice_ends_on_one_note_a_chordal_part_and_an_instrument_on_a_chord(tok):
    from museforge.music.compose_request import make_plan, resolve
    from museforge.music.grammar import GrammarState, Vocab

    v = Vocab(tok)

    def final_bar(flute_bar_one: tuple[str, ...], style: str = "renaissance") -> GrammarState:
        request = resolve(MusicControls(n_bars=2, instruments=("flute", "piano"), time_signature="4/4", tonic="C",
                                        mode="major", style=style))
        state = GrammarState(v, make_plan(request, tok))
        for t in ("Bar_None", "TimeSig_4/4", "Position_0"):
            state.feed(tok.vocab[t])
        state.feed(tok.vocab[state.plan.tempo_token])
        notes = [("Program_0", "Pitch_60"), ("Program_0", "Pitch_64")] + [("Program_73", p) for p in flute_bar_one]
        for program, pitch in notes:  # the piano plays a dyad on the downbeat, the flute its notes
            for t in (program, pitch, "Velocity_63", "Duration_4.0.4"):
                state.feed(tok.vocab[t])
        for t in ("Bar_None", "TimeSig_4/4", "Position_0"):
            state.feed(tok.vocab[t])
        for t in ("Program_73", "Pitch_72", "Velocity_63", "Duration_4.0.4", "Program_0", "Pitch_48",
                  "Velocity_63", "Duration_4.0.4"):
            state.feed(tok.vocab[t])
        return state

    line = final_bar(("Pitch_72",)).allowed()  # the voice sang one note at a time: its final note is done
    assert not line[tok.vocab["Program_73"]] and line[tok.vocab["Program_0"]] and line[tok.eos_id]
    chords = final_bar(("Pitch_72", "Pitch_76")).allowed()  # a part that played a dyad may end on one too
    assert chords[tok.vocab["Program_73"]] and chords[tok.vocab["Program_0"]]
    pop = final_bar(("Pitch_72",), style="pop").allowed()  # an instrument keeps up to a triad of the final chord
    assert pop[tok.vocab["Program_73"]] and pop[tok.vocab["Program_0"]]
