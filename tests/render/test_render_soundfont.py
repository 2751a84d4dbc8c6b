"""Soundfont rendering: exact lengths, timing, pitch, level, determinism, backends, bad fonts."""

from __future__ import annotations

import math

import numpy as np
import pytest
from render_scores import band, single_note, spectral_centroid_hz

from museforge.errors import MuseforgeError
from museforge.render.soundfont import (
    BACKENDS,
    check_soundfont,
    default_soundfont_path,
    render_score,
    render_stems,
    score_duration_s,
)


def _has_fluidsynth() -> bool:
    try:
        import fluidsynth  # noqa: F401
    except (ImportError, OSError):
        return False
    return True


backends = [pytest.param(b, marks=pytest.mark.skipif(b == "fluidsynth" and not _has_fluidsynth(),
                                                     reason="pyfluidsynth/libfluidsynth not installed"))
            for b in BACKENDS]


def _onset_s(samples: np.ndarray, sample_rate: int, threshold: float = 1e-3) -> float:
    loud = np.flatnonzero(np.abs(samples).max(axis=0) > threshold)
    return loud[0] / sample_rate


def _f0_hz(samples: np.ndarray, sample_rate: int) -> float:
    mono = samples.mean(axis=0)
    spectrum = np.abs(np.fft.rfft(mono * np.hanning(mono.size), n=8 * mono.size))
    freqs = np.fft.rfftfreq(8 * mono.size, 1.0 / sample_rate)
    band_mask = (freqs > 100) & (freqs < 2000)
    return float(freqs[band_mask][np.argmax(spectrum[band_mask])])


def test_default_soundfont_is_timgm6mb_from_pretty_midi():
    path = default_soundfont_path()
    assert path.name == "TimGM6mb.sf2" and path.parent.name == "pretty_midi"
    assert check_soundfont(None) == path


def test_soundfont_by_bare_name_from_the_search_path(tmp_path, monkeypatch):
    (tmp_path / "MyFont.sf2").write_bytes(default_soundfont_path().read_bytes())
    monkeypatch.setenv("MUSEFORGE_SOUNDFONTS", str(tmp_path))
    assert check_soundfont("MyFont") == tmp_path / "MyFont.sf2"
    assert render_stems(single_note(), soundfont="MyFont", tail_s=0.1)[0].audio.rms_dbfs() > -60
    with pytest.raises(MuseforgeError, match="nor a name found in"):
        check_soundfont("NoSuchFont")


@pytest.mark.parametrize("backend", backends)
@pytest.mark.parametrize("sample_rate", [44_100, 48_000])
def test_stems_have_identical_exact_length(backend, sample_rate):
    score = band(n_bars=2)
    tail_s = 1.5
    stems = render_stems(score, backend=backend, sample_rate=sample_rate, tail_s=tail_s)
    expected = math.ceil((score_duration_s(score) + tail_s) * sample_rate)
    assert [s.name for s in stems] == ["piano", "bass", "melody", "drums"]
    assert {s.audio.n_frames for s in stems} == {expected}
    assert all(s.audio.n_channels == 2 and s.audio.sample_rate == sample_rate for s in stems)
    assert all(s.audio.rms_dbfs() > -60 for s in stems), "every stem must sound"
    assert [s.is_drum for s in stems] == [False, False, False, True]


@pytest.mark.parametrize("backend", backends)
def test_note_starts_on_time_and_at_its_pitch(backend):
    piano = render_stems(single_note(program=0, pitch=60), backend=backend, tail_s=0.5)[0].audio
    assert np.abs(piano.samples[:, : int(0.49 * piano.sample_rate)]).max() < 1e-4  # silent (fluidsynth dithers)
    assert _onset_s(piano.samples, piano.sample_rate) == pytest.approx(0.5, abs=0.005)
    audio = render_stems(single_note(program=73, pitch=69), backend=backend, tail_s=0.5)[0].audio  # flute A4
    body = audio.samples[:, int(0.6 * audio.sample_rate): int(0.95 * audio.sample_rate)]
    assert _f0_hz(body, audio.sample_rate) == pytest.approx(440.0, rel=0.02)


def test_higher_notes_are_brighter_and_harder_notes_louder():
    low = render_score(single_note(pitch=48), tail_s=0.2)
    high = render_score(single_note(pitch=84), tail_s=0.2)
    assert spectral_centroid_hz(high.samples, 44_100) > 1.5 * spectral_centroid_hz(low.samples, 44_100)
    soft = render_score(single_note(velocity=40), tail_s=0.2)
    hard = render_score(single_note(velocity=120), tail_s=0.2)
    assert hard.rms_dbfs() > soft.rms_dbfs() + 3.0


def test_drum_track_plays_the_drum_kit():
    # GM drum key 42 (closed hi-hat) is bright noise; melodic program 0 at key 42 is a low piano F#
    hat = render_score(single_note(pitch=42, is_drum=True), tail_s=0.3)
    piano = render_score(single_note(pitch=42), tail_s=0.3)
    assert spectral_centroid_hz(hat.samples, 44_100) > 3 * spectral_centroid_hz(piano.samples, 44_100)


def test_render_is_deterministic_and_mix_is_the_stem_sum():
    score = band(n_bars=1)
    stems = render_stems(score, tail_s=0.5)
    again = render_stems(score, tail_s=0.5)
    for a, b in zip(stems, again):
        np.testing.assert_array_equal(a.audio.samples, b.audio.samples)
    mix = render_score(score, tail_s=0.5)
    np.testing.assert_allclose(mix.samples, np.sum([s.audio.samples for s in stems], axis=0), atol=1e-6)


def test_exact_frame_count_drops_later_notes():
    score = band(n_bars=2)
    stems = render_stems(score, n_frames=44_100)  # 1 s of a 4 s piece
    assert {s.audio.n_frames for s in stems} == {44_100}


def test_duplicate_and_missing_track_names_become_unique():
    score = band(n_bars=1)
    score.tracks[1].name = "piano"
    score.tracks[2].name = ""
    names = [s.name for s in render_stems(score, tail_s=0.1)]
    assert names == ["piano", "piano-2", "track3", "drums"]


@pytest.mark.parametrize("backend", backends)
def test_missing_and_corrupt_soundfonts_say_what_to_do(tmp_path, backend):
    score = single_note()
    with pytest.raises(MuseforgeError, match="soundfont not found.*bundled TimGM6mb"):
        render_stems(score, soundfont=tmp_path / "nope.sf2", backend=backend)
    with pytest.raises(MuseforgeError, match="not a .sf2/.sf3"):
        render_stems(score, soundfont=tmp_path / "font.txt", backend=backend)
    garbage = tmp_path / "broken.sf2"
    garbage.write_bytes(b"RIFF\x10\x00\x00\x00WAVEnot a soundfont")
    with pytest.raises(MuseforgeError, match="corrupt"):
        render_stems(score, soundfont=garbage, backend=backend)
    truncated = tmp_path / "truncated.sf2"
    truncated.write_bytes(default_soundfont_path().read_bytes()[:5000])
    with pytest.raises(MuseforgeError, match="truncated.sf2"):
        render_stems(score, soundfont=truncated, backend=backend)


def test_bad_arguments_are_user_errors():
    with pytest.raises(MuseforgeError, match="valid: fluidsynth, tinysoundfont"):
        render_stems(single_note(), backend="timidity")
    with pytest.raises(MuseforgeError, match="expected a symusic Score"):
        render_stems("song.mid")
    with pytest.raises(MuseforgeError, match="no notes"):
        from symusic import Score

        render_stems(Score(480))
    with pytest.raises(MuseforgeError, match="sample_rate"):
        render_stems(single_note(), sample_rate=1000)
