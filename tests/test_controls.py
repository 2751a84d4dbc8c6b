"""Typed controls: validation messages, style mapping, roman numerals, JSON round trips."""

from __future__ import annotations

import json

import pytest

from museforge.controls import (DRUMS, INSTRUMENTS, STYLE_MAP, STYLES, MusicControls, SfxControls, SfxLayer,
                                controls_from_dict, loopable_recipes, roman_to_chords)
from museforge.errors import MuseforgeError


def test_style_map_targets_exist_in_composer_and_arranger():
    from museforge.music.arrange import STYLES as ARRANGE_STYLES
    from museforge.music.tokenizer import STYLES as CORPUS_STYLES

    for style, (corpus, arrangement) in STYLE_MAP.items():
        assert corpus in CORPUS_STYLES, style
        assert arrangement in ARRANGE_STYLES, style
    # every arrangement template is reachable by a product style of the same name
    assert set(ARRANGE_STYLES) <= set(STYLES)


def test_music_controls_normalise_and_expose_programs():
    c = MusicControls(style="celtic_folk", tempo_bpm=96, time_signature=(6, 8), instruments=("fiddle", "drums"),
                      tonic="F#", mode="minor", duration_s=75)
    assert c.tempo_bpm == 96.0 and isinstance(c.tempo_bpm, float)
    assert c.time_signature == "6/8"
    assert c.programs == (110, DRUMS)
    assert (c.composer_style, c.arrangement_style) == ("celtic_folk", "folk")
    assert MusicControls().composer_style is None


@pytest.mark.parametrize("bad, message", [
    ({"style": "polka"}, "valid: ambient"),
    ({"mood": "angry"}, "valid: calm, happy, sad, tense"),
    ({"tempo_bpm": 301}, "[30.0, 300.0] bpm"),
    ({"tempo_bpm": "fast"}, "must be a number"),
    ({"duration_s": 0.5}, "[1.0, 1200.0] s"),
    ({"duration_s": 1201}, "[1.0, 1200.0] s"),
    ({"n_bars": 0}, "[1, 512]"),
    ({"n_bars": 4.5}, "whole number"),
    ({"duration_s": 30, "n_bars": 8}, "not both"),
    ({"time_signature": "7/3"}, "denominator 1, 2, 4, 8, 16"),
    ({"time_signature": "four four"}, "'4/4'"),
    ({"tonic": "H"}, "valid: A, A#"),
    ({"mode": "dorian"}, "valid: major, minor"),
    ({"instruments": ("kazoo",)}, "unknown instrument 'kazoo'; valid: accordion"),
    ({"instruments": "piano"}, "list of names"),
    ({"instruments": ("piano", "piano")}, "twice"),
    ({"instruments": ("drums",), "exclude": ("drums",)}, "both requested and excluded: drums"),
    ({"density": "thick"}, "valid: dense, medium, sparse"),
    ({"chords": ("C", "Hm")}, "cannot read chord symbol 'Hm'"),
    ({"chords": "C G Am F"}, "list of chord symbols"),
    ({"loop": 1}, "true or false"),
    ({"seed": -1}, "[0, 9223372036854775807]"),
])
def test_music_validation_says_what_is_allowed(bad, message):
    with pytest.raises(MuseforgeError) as info:
        MusicControls(**bad)
    assert message in str(info.value)


@pytest.mark.parametrize("numerals, tonic, mode, chords", [
    (["I", "V", "vi", "IV"], "C", "major", ("C", "G", "Am", "F")),
    (["ii7", "V7", "I"], "Bb", "major", ("Cm7", "F7", "Bb")),
    (["i", "iv", "V", "VII"], "A", "minor", ("Am", "Dm", "E", "G")),
    (["I", "bVII", "IV"], "C", "major", ("C", "Bb", "F")),
    (["I", "IV", "V"], "E", "major", ("E", "A", "B")),
    (["vii°", "I"], "G", "major", ("F#dim", "G")),
])
def test_roman_numerals_resolve_in_the_key(numerals, tonic, mode, chords):
    assert roman_to_chords(numerals, tonic, mode) == chords
    MusicControls(chords=chords)  # every resolved symbol is one the arranger reads


def test_roman_numeral_errors():
    with pytest.raises(MuseforgeError, match="cannot read roman numeral 'VIII'"):
        roman_to_chords(["I", "VIII"], "C", "major")
    with pytest.raises(MuseforgeError, match="unknown tonic"):
        roman_to_chords(["I"], "X", "major")


def test_music_json_round_trip():
    c = MusicControls(style="jazz", mood="calm", tonic="Eb", mode="major", tempo_bpm=88.5, time_signature="3/4",
                      n_bars=32, instruments=("piano", "saxophone"), exclude=("drums",), density="sparse",
                      chords=("Ebmaj7", "Cm7", "Fm7", "Bb7"), loop=True, seed=12345)
    data = json.loads(json.dumps(c.to_dict()))
    assert data["kind"] == "music" and data["instruments"] == ["piano", "saxophone"]
    assert controls_from_dict(data) == c
    assert MusicControls.from_dict(MusicControls().to_dict()) == MusicControls()


def test_from_dict_rejects_unknown_fields_and_wrong_kind():
    with pytest.raises(MuseforgeError, match="unknown music control.*tempo; valid: chords"):
        MusicControls.from_dict({"tempo": 120})
    with pytest.raises(MuseforgeError, match="expected kind 'music'"):
        MusicControls.from_dict({"kind": "sfx"})
    with pytest.raises(MuseforgeError, match="valid: music, sfx"):
        controls_from_dict({"kind": "video"})
    with pytest.raises(MuseforgeError, match="JSON object"):
        controls_from_dict(["music"])
    with pytest.raises(MuseforgeError, match="need a recipe"):
        SfxControls.from_dict({"kind": "sfx"})


def test_sfx_controls_validate_against_the_recipe():
    c = SfxControls("rain", preset="heavy roof", params={"intensity": 0.3}, duration_s=12, loop=True,
                    variations=4, seed=9, layers=({"recipe": "thunder", "preset": "distant rumble"},))
    resolved = c.resolved_params()
    assert resolved["intensity"] == 0.3 and resolved["surface"] == "roof"  # params override the preset
    assert c.layers == (SfxLayer("thunder", "distant rumble"),)
    assert "rain" in loopable_recipes() and "door" not in loopable_recipes()


@pytest.mark.parametrize("bad, message", [
    ({"recipe": "rainbow"}, "unknown recipe 'rainbow'; valid: "),
    ({"recipe": "rain", "preset": "monsoon"}, "valid: drizzle, heavy roof"),
    ({"recipe": "rain", "params": {"intensity": 2.0}}, "intensity must be in [0.0, 1.0]"),
    ({"recipe": "rain", "params": {"surface": "tin"}}, "valid: leaves, puddles, roof, window"),
    ({"recipe": "rain", "params": {"volume": 1}}, "unknown parameter 'volume' for rain; valid: intensity"),
    ({"recipe": "door", "loop": True}, "one-shot and cannot loop; loopable recipes: "),
    ({"recipe": "door", "duration_s": 61}, "[0.01, 60.0] s"),
    ({"recipe": "rain", "variations": 0}, "variations must be in [1, 256]"),
    ({"recipe": "rain", "layers": [{"preset": "storm"}]}, "recipe (required)"),
    ({"recipe": "rain", "layers": [{"recipe": "thunder", "gain_db": 40}]}, "gain_db must be in [-96.0, 24.0]"),
    ({"recipe": "rain", "params": [("intensity", 1)]}, "object of name: value"),
])
def test_sfx_validation_says_what_is_allowed(bad, message):
    with pytest.raises(MuseforgeError) as info:
        SfxControls(**bad)
    assert message in str(info.value)


def test_sfx_json_round_trip():
    c = SfxControls("footsteps", preset="boots on gravel", params={"steps": 8.0}, variations=3, seed=1,
                    layers=(SfxLayer("wind", "breeze", {"speed_mps": 2.0}, offset_s=0.5, gain_db=-6.0),))
    data = json.loads(json.dumps(c.to_dict()))
    assert controls_from_dict(data) == c
    assert data["layers"][0] == {"recipe": "wind", "preset": "breeze", "params": {"speed_mps": 2.0},
                                 "offset_s": 0.5, "gain_db": -6.0}


def test_instrument_table_is_general_midi():
    assert all(p == DRUMS or 0 <= p <= 127 for p in INSTRUMENTS.values())
    assert INSTRUMENTS["piano"] == 0 and INSTRUMENTS["flute"] == 73 and INSTRUMENTS["strings"] == 48
