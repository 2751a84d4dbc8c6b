"""Mix and master: loudness targets, true peak, clipping, stem sums, channel-strip effects."""

from __future__ import annotations

import numpy as np
import pytest
from render_scores import band, single_note, spectral_centroid_hz

from museforge.audio import Audio
from museforge.errors import MuseforgeError
from museforge.render import mix as mixing
from museforge.render.pipeline import render
from museforge.render.soundfont import render_stems


def _band_db(audio: Audio, low_hz: float, high_hz: float) -> float:
    spectrum = np.abs(np.fft.rfft(audio.samples.mean(axis=0))) ** 2
    freqs = np.fft.rfftfreq(audio.n_frames, 1.0 / audio.sample_rate)
    return float(10 * np.log10(spectrum[(freqs >= low_hz) & (freqs < high_hz)].sum() + 1e-20))


@pytest.fixture(scope="module")
def band_stems():
    return render_stems(band(n_bars=4), tail_s=1.0)


@pytest.mark.parametrize(
    ("preset", "sample_rate", "n_channels"),
    [("streaming", 44_100, 2), ("apple", 48_000, 1), ("ebu-r128", 48_000, 2), ("console", 44_100, 1)],
)
def test_master_hits_loudness_within_half_lu_under_true_peak(preset, sample_rate, n_channels):
    rendered = render(band(n_bars=4), loudness=preset, sample_rate=sample_rate, n_channels=n_channels)
    audio = rendered.audio
    target = mixing.LOUDNESS_PRESETS[preset]
    assert audio.sample_rate == sample_rate and audio.n_channels == n_channels
    assert abs(audio.loudness_lufs() - target) <= 0.5
    assert audio.true_peak_dbtp() <= -1.0
    assert np.abs(audio.samples).max() < 1.0  # no clipping
    assert rendered.mastering.loudness_lufs == pytest.approx(audio.loudness_lufs())
    assert {a.n_frames for a in rendered.stems.values()} == {audio.n_frames}
    # stems (and their sum) fit in a PCM file as they are: one common headroom gain
    assert max(a.peak_dbfs() for a in [*rendered.stems.values(), rendered.premix]) <= -1.0 + 1e-4


def test_fixed_duration_cue_is_exact_and_ends_silently():
    rendered = render(band(n_bars=8), duration_s=5.0, sample_rate=48_000, loudness="ebu-r128")
    audio = rendered.audio
    assert audio.n_frames == 240_000 and {a.n_frames for a in rendered.stems.values()} == {240_000}
    assert np.abs(audio.samples[:, -1]).max() < 1e-4  # faded to silence, not cut mid-note
    assert np.abs(audio.samples[:, -4800:-2400]).max() > 1e-3  # but still sounding 50 ms earlier
    assert abs(audio.loudness_lufs() + 23.0) <= 0.5 and audio.true_peak_dbtp() <= -1.0


def test_limiter_holds_true_peak_on_peaky_material():
    # 20 ms spikes 10 dB over a decaying body: reaching -9 LUFS needs ~10 dB of limiting.
    sample_rate = 48_000
    t = np.arange(4 * sample_rate) / sample_rate
    body = np.sin(2 * np.pi * 3_000 * t) * np.exp(-6 * (t % 1.0))
    hits = (body * np.where(t % 1.0 < 0.02, 1.0, 0.3)).astype(np.float32)
    source = Audio(np.stack([hits, 0.7 * hits]), sample_rate)
    result = mixing.master(source, target_lufs=-9.0)
    assert source.true_peak_dbtp() - source.loudness_lufs() > 11.0  # crest the target cannot keep
    assert result.true_peak_dbtp <= -1.0
    assert result.audio.true_peak_dbtp() <= -1.0
    assert abs(result.loudness_lufs + 9.0) <= 0.5


def test_pre_master_stems_sum_to_the_pre_master_mix(band_stems):
    mixed = mixing.mix_stems(band_stems)
    total = np.sum([a.samples for a in mixed.stems.values()], axis=0)
    scale = np.abs(mixed.mix.samples).max()
    assert np.abs(total - mixed.mix.samples).max() <= 1e-5 * scale
    mono = mixing.mix_stems(band_stems, n_channels=1)
    assert mono.mix.n_channels == 1
    np.testing.assert_allclose(np.sum([a.samples for a in mono.stems.values()], axis=0), mono.mix.samples,
                               atol=1e-5 * scale)
    assert mixed.roles == {"piano": "keys", "bass": "bass", "melody": "lead", "drums": "drums"}


def test_finished_render_is_deterministic():
    first, second = render(band(n_bars=2)), render(band(n_bars=2))
    np.testing.assert_array_equal(first.audio.samples, second.audio.samples)
    for name in first.stems:
        np.testing.assert_array_equal(first.stems[name].samples, second.stems[name].samples)


def test_roles_from_names_then_programs():
    assert mixing.role_of("Lead Vocal", 0, False) == "lead"
    assert mixing.role_of("Track 3", 33, False) == "bass"
    assert mixing.role_of("Track 4", 90, False) == "pad"
    assert mixing.role_of("anything", 0, True) == "drums"
    assert mixing.role_of("", 48, False) == "strings"


def test_pan_moves_energy_to_one_side(band_stems):
    piano = band_stems[:1]
    left = mixing.mix_stems(piano, strips={"piano": mixing.ChannelStrip(pan=-1.0, reverb_send_db=float("-inf"))})
    samples = left.mix.samples
    assert np.sqrt(np.mean(samples[1] ** 2)) < 1e-3 * np.sqrt(np.mean(samples[0] ** 2))


def test_highpass_and_presence_shape_the_spectrum(band_stems):
    bass = band_stems[1:2]
    dry = mixing.ChannelStrip(highpass_hz=20.0, comp_ratio=1.0, reverb_send_db=float("-inf"))
    cut = mixing.ChannelStrip(highpass_hz=400.0, comp_ratio=1.0, reverb_send_db=float("-inf"))
    low = mixing.mix_stems(bass, strips={"bass": dry}, staging_db={"bass": 0.0}).mix
    high = mixing.mix_stems(bass, strips={"bass": cut}, staging_db={"bass": 0.0}).mix
    assert spectral_centroid_hz(high.samples, 44_100) > 1.25 * spectral_centroid_hz(low.samples, 44_100)
    assert _band_db(high, 0, 150) < _band_db(low, 0, 150) - 12.0  # fundamentals (65-82 Hz) cut
    assert abs(_band_db(high, 2000, 8000) - _band_db(low, 2000, 8000)) < 1.0  # highs untouched
    lead = band_stems[2:3]
    flat = mixing.ChannelStrip(comp_ratio=1.0, reverb_send_db=float("-inf"))
    present = mixing.ChannelStrip(presence_db=6.0, comp_ratio=1.0, reverb_send_db=float("-inf"))
    a = mixing.mix_stems(lead, strips={"melody": flat}, staging_db={"melody": 0.0}).mix
    b = mixing.mix_stems(lead, strips={"melody": present}, staging_db={"melody": 0.0}).mix
    assert _band_db(b, 2500, 3500) - _band_db(a, 2500, 3500) > 4.0


def test_reverb_send_adds_a_tail_after_the_notes():
    stems = render_stems(single_note(program=0, pitch=72, duration_ticks=240), tail_s=1.5)
    dry = mixing.ChannelStrip(reverb_send_db=float("-inf"), comp_ratio=1.0)
    wet = mixing.ChannelStrip(reverb_send_db=-6.0, comp_ratio=1.0)
    tail = slice(int(1.3 * 44_100), int(1.6 * 44_100))  # the note ends at 0.75 s and decays by ~1.2 s
    dry_tail = mixing.mix_stems(stems, strips={"solo": dry}).mix.samples[:, tail]
    wet_tail = mixing.mix_stems(stems, strips={"solo": wet}).mix.samples[:, tail]
    assert np.sqrt(np.mean(wet_tail**2)) > 4 * np.sqrt(np.mean(dry_tail**2))


def test_compressor_narrows_dynamics(band_stems):
    drums = band_stems[3:4]
    plain = mixing.ChannelStrip(comp_ratio=1.0, reverb_send_db=float("-inf"))
    squash = mixing.ChannelStrip(comp_threshold_db=-30.0, comp_ratio=8.0, reverb_send_db=float("-inf"))

    def spread_db(audio: Audio) -> float:
        # range of 50 ms RMS levels over the louder half of the windows: hits vs their decays
        mono = audio.samples.mean(axis=0)
        window = int(0.05 * audio.sample_rate)
        levels = 10 * np.log10(np.mean(mono[: mono.size // window * window].reshape(-1, window) ** 2, axis=1) + 1e-12)
        levels = levels[levels > np.median(levels)]
        return float(levels.max() - levels.min())

    a = mixing.mix_stems(drums, strips={"drums": plain}).mix
    b = mixing.mix_stems(drums, strips={"drums": squash}).mix
    assert spread_db(b) < spread_db(a) - 2.0


def test_bad_mix_and_master_input_lists_what_is_allowed(band_stems):
    with pytest.raises(MuseforgeError, match="valid: apple, console, ebu-r128, streaming"):
        render(band(1), loudness="loud")
    with pytest.raises(MuseforgeError, match=r"\(44100, 48000\)"):
        render(band(1), sample_rate=22_050)
    with pytest.raises(MuseforgeError, match="1 \\(mono\\) or 2"):
        render(band(1), n_channels=6)
    with pytest.raises(MuseforgeError, match="valid: bass, brass"):
        mixing.mix_stems(band_stems, roles={"piano": "vocals"})
    with pytest.raises(MuseforgeError, match="silence"):
        mixing.master(Audio(np.zeros((2, 48_000), np.float32), 48_000))
    with pytest.raises(MuseforgeError, match="target loudness"):
        mixing.loudness_target(-3.0)
    assert mixing.loudness_target("-16") == -16.0 and mixing.loudness_target("ebu-r128") == -23.0  # CLI/CSV text
    with pytest.raises(MuseforgeError, match="target loudness"):
        mixing.loudness_target("-3")
    with pytest.raises(MuseforgeError, match="valid: apple, console, ebu-r128, streaming"):
        mixing.loudness_target("loud")
