"""The public Python API: measured lengths, seeds, loops, saved files and their provenance, errors."""

from __future__ import annotations

import json

import numpy as np
import pytest
import soundfile
import symusic

import museforge
from museforge.errors import MuseforgeError

# --- sound effects -------------------------------------------------------------------------------


@pytest.mark.parametrize("recipe, seconds, sample_rate, n_channels", [
    ("rain", 1.25, 48_000, None), ("wind", 0.7, 22_050, 1), ("impact", 0.3, 44_100, 2), ("ui", 0.123, 16_000, 1)])
def test_sfx_has_the_exact_length(recipe, seconds, sample_rate, n_channels):
    sound = museforge.sfx(recipe, seconds=seconds, sample_rate=sample_rate, n_channels=n_channels)
    assert isinstance(sound, museforge.Sound)
    assert sound.samples.shape[1] == round(seconds * sample_rate)
    assert sound.sample_rate == sample_rate
    if n_channels:
        assert sound.samples.shape[0] == n_channels
    assert sound.audio.rms_dbfs() > -60.0  # not silence
    assert sound.loop is None


def test_sfx_is_seeded_and_params_change_the_sound():
    a = museforge.sfx("rain", seconds=0.5, seed=3, intensity=0.3)
    b = museforge.sfx("rain", seconds=0.5, seed=3, intensity=0.3)
    c = museforge.sfx("rain", seconds=0.5, seed=4, intensity=0.3)
    loud = museforge.sfx("rain", seconds=0.5, seed=3, intensity=1.0)
    np.testing.assert_array_equal(a.samples, b.samples)
    assert museforge.sfx("coin").provenance["recipe"] == "retro_coin"  # a word the prompt reader knows
    assert not np.array_equal(a.samples, c.samples)
    assert loud.audio.rms_dbfs() > a.audio.rms_dbfs() + 1.0
    assert a.provenance["seed"] == 3 and a.provenance["recipe"] == "rain"
    assert a.provenance["controls"]["params"]["intensity"] == 0.3


def _seam_over_step(x: np.ndarray) -> float:
    """The wrap-around jump (last frame -> first) relative to the 99th percentile of adjacent-frame steps."""
    step = np.percentile(np.abs(np.diff(x, axis=1)), 99, axis=1)
    return float((np.abs(x[:, -1] - x[:, 0]) / step).max())


def test_loop_sets_loop_points_and_the_seam_is_continuous():
    sound = museforge.sfx("rain", seconds=2.0, loop=True, sample_rate=22_050, seed=1)
    assert (sound.loop.start_frame, sound.loop.end_frame) == (0, 44_100) == (0, sound.samples.shape[1])
    assert sound.provenance["controls"]["loop"] is True
    # wind is low-passed, so a cut shows as a jump far above its usual step; a loop's seam does not
    for seed in (1, 3, 6):
        looped = museforge.sfx("wind", seconds=1.0, loop=True, sample_rate=22_050, seed=seed)
        plain = museforge.sfx("wind", seconds=1.0, sample_rate=22_050, seed=seed)
        assert _seam_over_step(looped.samples) <= 1.0
        assert _seam_over_step(plain.samples) > 1.5


def test_variations_are_a_list_with_consecutive_seeds():
    sounds = museforge.sfx("impact", variations=3, seed=10, material="wood")
    assert [s.provenance["seed"] for s in sounds] == [10, 11, 12]
    assert [s.provenance["variation"] for s in sounds] == [0, 1, 2]
    assert len({s.samples.tobytes() for s in sounds}) == 3
    again = museforge.sfx("impact", seed=11, material="wood", variations=3)[0]
    assert again.provenance["seed"] == 11


def test_sfx_from_a_prompt_records_what_it_understood():
    sound = museforge.sfx("heavy rain on a tin roof with distant thunder", seconds=1.0, seed=2)
    prov = sound.provenance
    assert prov["recipe"] == "rain" and prov["prompt"]["kind"] == "sfx"
    assert [layer["recipe"] for layer in prov["controls"]["layers"]] == ["thunder"]
    assert prov["controls"]["params"]["intensity"] >= 0.8
    assert sound.samples.shape[1] == 48_000
    # the call's argument wins over the prompt's value
    quiet = museforge.sfx("heavy rain on a tin roof", seconds=1.0, intensity=0.2)
    assert quiet.provenance["controls"]["params"]["intensity"] == 0.2
    # explicit values in the prompt are obeyed when the call leaves them out
    looped = museforge.sfx("rain loop 2 seconds seed 4", sample_rate=8_000)
    assert looped.loop.end_frame == looped.samples.shape[1] == 16_000 and looped.provenance["seed"] == 4
    knocks = museforge.sfx("five variations of a wooden door knock")
    assert [k.provenance["seed"] for k in knocks] == [0, 1, 2, 3, 4]
    assert museforge.sfx("rain loop 2 seconds seed 4", seed=9, sample_rate=8_000).provenance["seed"] == 9


def test_save_writes_tagged_audio_with_the_provenance_and_never_overwrites(tmp_path):
    sound = museforge.sfx("rain", seconds=1.0, loop=True, seed=5, sample_rate=44_100)
    first = sound.save(tmp_path)
    wav, sidecar = first
    assert wav.suffix == ".wav" and sidecar.name == wav.name + ".json"
    data, rate = soundfile.read(wav, always_2d=True)
    assert rate == 44_100 and data.shape == (44_100, 2)
    assert b"smpl" in wav.read_bytes()  # loop points for game engines
    meta = json.loads(sidecar.read_text())
    assert meta["seed"] == 5
    assert meta["provenance"]["recipe"] == "rain"
    assert meta["provenance"]["controls"]["loop"] is True
    assert meta["measured"]["loop"] == {"start_frame": 0, "end_frame": 44_100, "length_frames": 44_100}
    before = wav.read_bytes()
    second = museforge.sfx("rain", seconds=1.0, loop=True, seed=5, sample_rate=44_100, intensity=1.0).save(tmp_path)
    assert second[0] != wav and second[0].exists()
    assert wav.read_bytes() == before
    flac = sound.save(tmp_path, "flac")[0]
    assert flac.suffix == ".flac" and soundfile.info(flac).frames == 44_100


@pytest.mark.parametrize("call, words", [
    (lambda: museforge.sfx("rian"), ["unknown recipe 'rian'", "rain", "impact"]),
    (lambda: museforge.sfx(3), ["recipe name or a prompt", "rain"]),
    (lambda: museforge.sfx("blah blah"), ["unknown recipe 'blah blah'", "rain"]),
    (lambda: museforge.sfx("rain", intensity="loud"), ["intensity", "[0.0, 1.0]"]),
    (lambda: museforge.sfx("rain", intensty=0.5), ["unknown parameter 'intensty'", "intensity"]),
    (lambda: museforge.sfx("rain", preset="nope"), ["preset", "nope"]),
    (lambda: museforge.sfx("impact", loop=True), ["one-shot", "rain"]),
    (lambda: museforge.sfx("rain", seed=-1), ["seed"]),
    (lambda: museforge.sfx("rain", seed="7"), ["seed"]),
    (lambda: museforge.sfx("rain", variations=0), ["variations", "1"]),
    (lambda: museforge.sfx("rain", seconds=0.0), ["duration_s"]),
    (lambda: museforge.sfx("calm piano tune in C major"), ["music", "museforge.compose"]),
])
def test_sfx_bad_input_is_a_museforge_error_saying_what_is_allowed(call, words):
    with pytest.raises(MuseforgeError) as info:
        call()
    for word in words:
        assert word in str(info.value)


# --- music ---------------------------------------------------------------------------------------

TPQ = 480


def melody(pitches=(72, 71, 69, 67, 69, 72, 65, 67)) -> symusic.Score:
    """Two bars of quarter notes in C."""
    score = symusic.Score(TPQ)
    track = symusic.Track(name="Melody", program=0)
    for i, pitch in enumerate(pitches):
        track.notes.append(symusic.Note(i * TPQ, TPQ, pitch, 90))
    score.tracks.append(track)
    score.time_signatures.append(symusic.TimeSignature(0, 4, 4))
    return score


def test_arrange_a_score_keeps_the_melody_and_records_provenance():
    piece = museforge.arrange(melody(), "folk", chords=["C", "F"], seed=1, repeats=2)
    assert isinstance(piece, museforge.Piece)
    assert len(piece.score.tracks) >= 3
    prov = piece.provenance
    assert prov["style"] == "folk" and prov["seed"] == 1 and prov["key"] == "C"
    assert prov["controls"]["chords"] == ["C", "F"] and prov["controls"]["n_bars"] == 4
    assert prov["credits"]  # the grooves' licence/attribution travels with the piece
    melody_track = next(t for t in piece.score.tracks if prov["controls"]["roles"][t.name] == "melody")
    assert [n.pitch for n in melody_track.notes][:8] == [72, 71, 69, 67, 69, 72, 65, 67]
    same = museforge.arrange(melody(), "folk", chords=["C", "F"], seed=1, repeats=2)
    assert same.score.dumps_midi() == piece.score.dumps_midi()


def test_arrange_from_a_midi_file_and_a_product_style(tmp_path):
    path = tmp_path / "tune.mid"
    melody().dump_midi(str(path))
    piece = museforge.arrange(path, "celtic_folk", seed=0)
    assert piece.provenance["melody"].startswith("tune.mid")
    assert piece.provenance["controls"]["style"] == "celtic_folk"
    assert piece.provenance["style"] == "folk"


def test_render_and_save_a_piece(tmp_path):
    piece = museforge.arrange(melody(), "folk", chords=["C", "F"], seed=2)
    midi_only = piece.save(tmp_path / "a")
    assert [p.name.split(".", 1)[1] for p in midi_only] == ["mid", "mid.json"]
    sound = piece.render(duration_s=2.0, loudness="ebu-r128")
    assert sound is piece.sound and sound.samples.shape == (2, 88_200)
    assert abs(sound.audio.loudness_lufs() - (-23.0)) < 1.0
    assert "GPL" in sound.provenance["soundfont"]["licence"]
    paths = piece.save(tmp_path / "b")
    suffixes = sorted(p.name.split(".", 1)[1] for p in paths)
    assert suffixes == ["mid", "mid.json", "wav", "wav.json"]
    sidecars = [json.loads(p.read_text()) for p in paths if p.suffix == ".json"]
    for meta in sidecars:
        assert meta["provenance"]["seed"] == 2 and meta["provenance"]["credits"]
    audio_meta = next(m for m in sidecars if m["kind"] == "mix")
    assert audio_meta["provenance"]["soundfont"]["name"] == "TimGM6mb.sf2"
    assert audio_meta["render"]["n_frames"] == 88_200
    again = piece.save(tmp_path / "b")  # nothing is overwritten: new names
    assert not set(again) & set(paths) and all(p.exists() for p in paths)


@pytest.mark.parametrize("call, words", [
    (lambda: museforge.arrange(melody(), "polka-rave"), ["unknown style", "folk", "pop"]),
    (lambda: museforge.arrange(42, "folk"), ["melody must be", "int"]),
    (lambda: museforge.arrange("/nonexistent/tune.mid", "folk"), ["not found"]),
    (lambda: museforge.arrange(melody(), "folk", seed=1.5), ["seed"]),
])
def test_arrange_bad_input_is_a_museforge_error(call, words):
    with pytest.raises(MuseforgeError) as info:
        call()
    for word in words:
        assert word in str(info.value)


def test_compose_without_a_checkpoint_says_how_to_get_one(tmp_path, monkeypatch):
    monkeypatch.setenv("MUSEFORGE_COMPOSER", str(tmp_path))
    with pytest.raises(MuseforgeError) as info:
        museforge.compose("calm celtic tune for a village, 60 s", seed=7)
    message = str(info.value)
    assert str(tmp_path) in message and "museforge train composer" in message


@pytest.mark.parametrize("arg, words", [("heavy rain on a tin roof", ["sound effect", "museforge.sfx"]),
                                        (42, ["prompt", "MusicControls"]),
                                        ({"style": "polka-rave"}, ["style", "celtic_folk"])])
def test_compose_bad_input_is_a_museforge_error(arg, words):
    with pytest.raises(MuseforgeError) as info:
        museforge.compose(arg)
    for word in words:
        assert word in str(info.value)


def test_compose_with_a_checkpoint_returns_a_piece_with_provenance(tmp_path):
    import torch

    from museforge.music.models.transformer import Composer, ComposerConfig
    from museforge.music.tokenizer import get_tokenizer

    torch.manual_seed(0)
    folder = Composer(ComposerConfig.debug(vocab_size=get_tokenizer().vocab_size, context_len=256)).save(
        tmp_path / "debug")
    args = dict(seed=3, checkpoint=folder)
    piece = museforge.compose({"tonic": "D", "mode": "minor", "n_bars": 2, "instruments": ("piano",)}, **args)
    again = museforge.compose({"tonic": "D", "mode": "minor", "n_bars": 2, "instruments": ("piano",)}, **args)
    assert piece.score.dumps_midi() == again.score.dumps_midi()
    prov = piece.provenance
    assert prov["seed"] == 3 and prov["key"] == "D minor"
    assert prov["model_versions"]["composer"] == str(folder)
    paths = piece.save(tmp_path / "out")
    assert json.loads(paths[1].read_text())["provenance"]["seed"] == 3
