"""Intensity layers: grouping by role, identical lengths, exact sums, a truthful manifest."""

from __future__ import annotations

import json

import numpy as np
import pytest
from render_scores import band

from museforge.errors import MuseforgeError
from museforge.render.layers import group_layers, render_layers


@pytest.fixture(scope="module")
def layer_set():
    return render_layers(band(n_bars=3), n_bars=2)


def test_layers_are_grouped_by_role_in_intensity_order(layer_set):
    assert [(layer.name, layer.tracks) for layer in layer_set.layers] == [
        ("base", ("piano",)), ("rhythm", ("bass", "drums")), ("lead", ("melody",))]
    assert group_layers({"a": "pad", "b": "brass"}) == [("base", ("a",)), ("full", ("b",))]


def test_layers_have_identical_length_and_loop_points(layer_set):
    expected = 2 * 2 * 44_100  # two 4/4 bars at 120 BPM
    assert {layer.audio.n_frames for layer in layer_set.layers} == {expected}
    assert {(layer.audio.loop.start_frame, layer.audio.loop.end_frame) for layer in layer_set.layers} == {
        (0, expected)}


def test_layers_sum_to_the_full_mix_and_intensity_rises(layer_set):
    total = np.sum([layer.audio.samples for layer in layer_set.layers], axis=0)
    premix = layer_set.rendered.premix.gain(layer_set.gain_db).samples
    assert np.abs(total - premix).max() <= 1e-5 * np.abs(premix).max()
    loudness = [entry["integrated_loudness_lufs"] for entry in layer_set.intensities]
    assert loudness == sorted(loudness) and loudness[-1] - loudness[0] > 3.0
    full = layer_set.intensities[-1]
    assert full["true_peak_dbtp"] <= -1.0
    assert abs(full["integrated_loudness_lufs"] + 24.0) <= 0.5  # console preset, reachable here


def test_manifest_is_json_and_matches_the_audio(layer_set):
    manifest = json.loads(json.dumps(layer_set.manifest({"base": "x-0-base.ogg"})))
    assert manifest["n_frames"] == layer_set.layers[0].audio.n_frames
    assert manifest["loop"] == {"start_frame": 0, "end_frame": manifest["n_frames"]}
    assert [entry["name"] for entry in manifest["layers"]] == ["base", "rhythm", "lead"]
    assert manifest["layers"][0]["file"] == "x-0-base.ogg" and manifest["layers"][1]["file"] is None
    assert manifest["layers"][1]["roles"] == ["bass", "drums"]
    assert [entry["level"] for entry in manifest["intensities"]] == [1, 2, 3]


def test_whole_piece_layers_and_bad_arguments():
    whole = render_layers(band(n_bars=1), loop=False)
    assert whole.layers[0].audio.loop is None
    assert len({layer.audio.n_frames for layer in whole.layers}) == 1
    with pytest.raises(MuseforgeError, match="loop=True"):
        render_layers(band(n_bars=1), loop=False, n_bars=1)
