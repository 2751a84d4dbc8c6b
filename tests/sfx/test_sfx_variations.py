"""Variations, randomise/mutate with locks, layering, UCS batch export and the CLI."""

from __future__ import annotations

import numpy as np
import pytest
import soundfile
from typer.testing import CliRunner

from museforge.errors import MuseforgeError
from museforge.sfx.batch import export_batch, ucs_name
from museforge.sfx.layer import Layer, render_layers
from museforge.sfx.recipe import get_recipe
from museforge.sfx.variations import mutate, randomize, variations
from sfx_measure import log_spectrum

SR = 22_050


def test_variations_use_consecutive_seeds_and_spread_controls_distance():
    same = variations("impact", 4, preset="wood knock", seed=10, spread=0.0, sample_rate=SR)
    assert [v.seed for v in same] == [10, 11, 12, 13]
    assert all(v.params == same[0].params for v in same)
    assert not np.array_equal(same[0].audio.samples, same[1].audio.samples)  # new noise, same params
    again = variations("impact", 4, preset="wood knock", seed=10, spread=0.0, sample_rate=SR)
    assert all(np.array_equal(a.audio.samples, b.audio.samples) for a, b in zip(same, again))
    # Re-rendering one variation alone from its printed seed gives the same sound.
    alone = get_recipe("impact").render(same[2].params, seed=same[2].seed, sample_rate=SR)
    assert np.array_equal(alone.samples, same[2].audio.samples)

    def spread_of(spread):
        vs = variations("rain", 6, seed=1, spread=spread, duration_s=1.0, sample_rate=SR)
        specs = [log_spectrum(v.audio.samples) for v in vs]
        return np.mean([np.sqrt(np.mean((a - b) ** 2)) for i, a in enumerate(specs) for b in specs[i + 1:]])

    assert spread_of(0.5) > 1.5 * spread_of(0.0)


def test_mutate_and_randomize_respect_locks_and_ranges():
    rain = get_recipe("rain")
    base = rain.resolve(preset="heavy roof")
    rng = np.random.default_rng(0)
    for _ in range(50):
        m = mutate(rain, base, rng, 0.3, locked=["intensity"])
        assert m["intensity"] == base["intensity"] and m["surface"] == base["surface"]
        assert 0.5 <= m["drop_size_mm"] <= 5.0
        r = randomize(rain, rng, base, locked=["surface"])
        assert r["surface"] == "roof" and 0.0 <= r["intensity"] <= 1.0
    surfaces = {randomize(rain, rng)["surface"] for _ in range(40)}
    assert surfaces == {"leaves", "roof", "window", "puddles"}
    with pytest.raises(MuseforgeError, match="valid: intensity"):
        mutate(rain, base, rng, locked=["volume"])
    with pytest.raises(MuseforgeError, match="spread"):
        mutate(rain, base, rng, amount=2.0)
    with pytest.raises(MuseforgeError, match=r"\[1, 1000\]"):
        variations("rain", 0)


def test_layers_mix_with_offsets_and_gains():
    layers = [Layer("wind", {"speed_mps": 6.0}, duration_s=2.0, gain_db=-6.0),
              Layer("impact", {"material": "metal"}, offset_s=1.0)]
    mix = render_layers(layers, sample_rate=SR, n_channels=2, seed=3)
    assert mix.n_channels == 2 and mix.n_frames >= 2 * SR
    impact = get_recipe("impact").render({"material": "metal"}, sample_rate=SR, seed=4, n_channels=2)
    x = mix.samples.astype(np.float64)
    before, after = np.abs(x[:, SR - 2000:SR]).max(), np.abs(x[:, SR:SR + 2000]).max()
    assert after > 3 * before  # the hit lands at exactly 1.0 s
    assert mix.n_frames == max(2 * SR, SR + impact.n_frames)
    with pytest.raises(MuseforgeError, match="layers"):
        render_layers([])
    with pytest.raises(MuseforgeError, match="gain_db"):
        render_layers([Layer("rain", gain_db=60.0)])


def test_ucs_batch_names_and_no_silent_overwrite(tmp_path):
    assert ucs_name("RAIN", "heavy roof", 7) == "RAIN_Heavy Roof_museforge_s0007.wav"
    assert ucs_name("UI", "click/../x", 1, ext="ogg") == "UI_Click X_museforge_s0001.ogg"
    audio = get_recipe("ui").render(preset="click", sample_rate=SR)
    items = [(audio, "UI", "click", 1), (audio, "UI", "click", 2)]
    paths = export_batch(items, tmp_path)
    assert [p.name for p in paths] == ["UI_Click_museforge_s0001.wav", "UI_Click_museforge_s0002.wav"]
    before = paths[0].stat().st_mtime_ns
    with pytest.raises(MuseforgeError, match="already exists"):
        export_batch(items, tmp_path)
    assert paths[0].stat().st_mtime_ns == before
    renamed = export_batch(items, tmp_path, on_exists="rename")
    assert renamed[0].name == "UI_Click_museforge_s0001-2.wav"
    with pytest.raises(MuseforgeError, match="on_exists"):
        export_batch(items, tmp_path, on_exists="clobber")


def test_loops_are_written_with_loop_points(tmp_path):
    from museforge.sfx.loop import render_loop

    loop = render_loop("rain", duration_s=1.0, sample_rate=SR, seed=1)
    wav, ogg = export_batch([(loop, "RAIN", "loop", 1)], tmp_path)[0], export_batch(
        [(loop, "RAIN", "loop", 1)], tmp_path, ext="ogg")[0]
    assert b"smpl" in wav.read_bytes()
    assert soundfile.info(str(wav)).frames == SR
    import mutagen

    tags = mutagen.File(str(ogg))
    assert tags["LOOPSTART"] == ["0"] and tags["LOOPLENGTH"] == [str(SR)]


def test_cli_list_and_render(tmp_path):
    from museforge.serve.cli_sfx import app

    runner = CliRunner()
    listed = runner.invoke(app, ["list"])
    assert listed.exit_code == 0 and "drop_size_mm" in listed.output and "heavy roof" in listed.output
    out = runner.invoke(app, ["render", "rain", "--preset", "heavy roof", "--seconds", "1", "--variations", "2",
                              "--loop", "--sample-rate", "22050", "--seed", "7", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    assert "seed=7" in out.output and "seed=8" in out.output
    assert sorted(p.name for p in tmp_path.glob("*.wav")) == [
        "RAIN_Heavy Roof_museforge_s0007.wav", "RAIN_Heavy Roof_museforge_s0008.wav"]
    one = runner.invoke(app, ["render", "impact", "--set", "material=glass", "--set", "size_m=0.1",
                              "--out", str(tmp_path)])
    assert one.exit_code == 0, one.output
    written = tmp_path / "IMPCT_Impact Glass_museforge_s0000.wav"
    data, rate = soundfile.read(str(written))
    assert rate == 48_000 and abs(20 * np.log10(np.abs(data).max()) + 1.0) < 0.1  # one-shots peak at -1 dBFS
    bad = runner.invoke(app, ["render", "rain", "--set", "sise=3"])
    assert bad.exit_code != 0 and "valid: intensity" in str(bad.exception)


def test_cli_mix_and_automate(tmp_path):
    from museforge.serve.cli_sfx import app

    runner = CliRunner()
    mixed = runner.invoke(app, ["mix", "wind,preset=breeze,seconds=1.5", "impact,material=metal,offset_s=0.5,gain_db=-3",
                                "--name", "windy clang", "--sample-rate", "22050", "--out", str(tmp_path)])
    assert mixed.exit_code == 0, mixed.output
    data, rate = soundfile.read(str(tmp_path / "AMB_Windy Clang_museforge_s0000.wav"))
    assert data.shape[1] == 2 and data.shape[0] >= int(1.5 * 22_050)
    auto = runner.invoke(app, ["render", "rain", "--automate", "intensity=0:0.05,2:1", "--seconds", "2",
                               "--sample-rate", "22050", "--out", str(tmp_path)])
    assert auto.exit_code == 0, auto.output
    x, _ = soundfile.read(str(tmp_path / "RAIN_Rain_museforge_s0000.wav"))
    assert np.sqrt(np.mean(x[-5000:] ** 2)) > 4 * np.sqrt(np.mean(x[:5000] ** 2))
    bad = runner.invoke(app, ["render", "rain", "--automate", "surface=0:1", "--out", str(tmp_path)])
    assert bad.exit_code != 0 and "categorical" in str(bad.exception)


def test_cli_randomize_prints_the_drawn_values_and_respects_locks(tmp_path):
    from museforge.serve.cli_sfx import app

    runner = CliRunner()
    out = runner.invoke(app, ["render", "impact", "--randomize", "--lock", "material", "--set", "material=glass",
                              "-n", "3", "--sample-rate", "22050", "--out", str(tmp_path)])
    assert out.exit_code == 0, out.output
    drawn = [line.split() for line in out.output.splitlines() if line.startswith("    --set")]
    assert len(drawn) == 3 and all("material=glass" in line for line in drawn)
    sizes = {next(a for a in line if a.startswith("size_m=")) for line in drawn}
    assert len(sizes) == 3  # each variation drew its own size
