"""Exports read back by independent readers: RIFF parsing, mutagen, mido, music21, real clients."""

from __future__ import annotations

import json
import os
import shutil
import struct
import subprocess
from fractions import Fraction

import mido
import numpy as np
import pytest
import soundfile
from symusic import KeySignature, Note, Score, Tempo, TimeSignature, Track

from museforge import export
from museforge.audio import Audio, LoopPoints
from museforge.errors import MuseforgeError
from museforge.export import ExportMeta, base_name, export_audio, export_layers, export_midi, export_musicxml

META = ExportMeta(style="Folk", key="D minor", tempo_bpm=96, seed=7, title="Test cue",
                  controls={"style": "folk", "duration_s": 2.0}, model_versions={"composer": "debug-0"},
                  provenance={"training_data": [{"name": "POP909", "licence": "MIT"}],
                              "output_licence": "CC0-1.0"})


def _score() -> Score:
    score = Score(480)
    score.tempos.append(Tempo(0, qpm=96))
    score.time_signatures.append(TimeSignature(0, 3, 4))
    score.key_signatures.append(KeySignature(0, -1, 1))  # D minor
    fiddle = Track(name="Fiddle", program=40)
    for index, pitch in enumerate([62, 64, 65, 67, 69, 70]):
        fiddle.notes.append(Note(index * 240, 240, pitch, 90))  # eighths
    guitar = Track(name="Guitar", program=24)
    for bar in range(2):
        for pitch in (50, 53, 57):
            guitar.notes.append(Note(bar * 1440, 1440, pitch, 70))  # dotted-half chords
    drums = Track(name="Kit", program=0, is_drum=True)
    for beat in range(6):
        drums.notes.append(Note(beat * 480, 120, 36 if beat % 3 == 0 else 42, 100))
    score.tracks.extend([fiddle, guitar, drums])
    return score


def _tone(n_frames: int = 48_000, sample_rate: int = 48_000, loop: LoopPoints | None = None) -> Audio:
    t = np.arange(n_frames) / sample_rate
    samples = 0.5 * np.sin(2 * np.pi * 440 * t)
    return Audio(np.stack([samples, 0.8 * samples]).astype(np.float32), sample_rate, loop)


def _riff_chunks(path) -> dict[bytes, bytes]:
    """A minimal independent RIFF reader: chunk id -> payload."""
    data = path.read_bytes()
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    assert struct.unpack("<I", data[4:8])[0] == len(data) - 8
    chunks, offset = {}, 12
    while offset + 8 <= len(data):
        chunk_id, size = data[offset:offset + 4], struct.unpack("<I", data[offset + 4:offset + 8])[0]
        chunks[chunk_id] = data[offset + 8: offset + 8 + size]
        offset += 8 + size + (size % 2)
    return chunks


def test_names_carry_style_key_tempo_seed_and_are_safe():
    assert base_name(META) == "folk_d-minor_96bpm_seed7"
    odd = ExportMeta(style="Lo-fi / chill", key="F# major", tempo_bpm=92.5, seed=0)
    assert base_name(odd, "loop") == "lo-fi-chill_fs-major_92p5bpm_seed0_loop"


@pytest.mark.parametrize("bit_depth", [16, 24])
def test_wav_smpl_chunk_and_exact_length(tmp_path, bit_depth):
    audio = _tone(loop=LoopPoints(0, 48_000))
    paths = export_audio(audio, tmp_path, META, fmt="wav", bit_depth=bit_depth)
    wav = paths[0]
    assert wav.name == "folk_d-minor_96bpm_seed7.wav"
    info = soundfile.info(str(wav))
    assert (info.frames, info.samplerate, info.channels, info.subtype) == (48_000, 48_000, 2, f"PCM_{bit_depth}")
    smpl = _riff_chunks(wav)[b"smpl"]
    fields = struct.unpack("<9I", smpl[:36])
    assert fields[2] == round(1e9 / 48_000) and fields[7] == 1  # sample period ns, one loop
    _, loop_type, start, end, _, play_count = struct.unpack("<6I", smpl[36:60])
    assert (loop_type, start, end, play_count) == (0, 0, 47_999, 0)  # forward, end inclusive, forever
    assert b"AI-generated" in _riff_chunks(wav)[b"LIST"]  # INFO comment
    import wave

    with wave.open(str(wav)) as reader:  # the stdlib reader still accepts the file
        assert reader.getnframes() == 48_000


@pytest.mark.parametrize("fmt", ["flac", "ogg"])
def test_flac_ogg_loop_tags_and_ai_marker(tmp_path, fmt):
    import mutagen

    audio = _tone(loop=LoopPoints(1_000, 47_000))
    path = export_audio(audio, tmp_path, META, fmt=fmt)[0]
    tags = mutagen.File(str(path)).tags
    assert tags["LOOPSTART"] == ["1000"] and tags["LOOPLENGTH"] == ["46000"]
    assert tags["AI_GENERATED"] == ["yes"] and "AI-generated" in tags["COMMENT"][0]
    assert tags["SEED"] == ["7"] and tags["LICENSE"] == ["CC0-1.0"]
    assert soundfile.info(str(path)).frames == 48_000


def test_mp3_is_written_with_id3_tags(tmp_path):
    from mutagen.mp3 import MP3

    path = export_audio(_tone(44_100, 44_100), tmp_path, META, fmt="mp3")[0]
    mp3 = MP3(str(path))
    assert mp3.info.sample_rate == 44_100
    assert str(mp3.tags["TXXX:AI_GENERATED"]) == "yes" and str(mp3.tags["TKEY"]) == "Dm"
    assert abs(Audio.read(path).n_frames - 44_100) <= 1152  # one MP3 frame of encoder slack at most


def test_sidecar_has_measured_figures_and_provenance(tmp_path):
    audio = _tone(loop=LoopPoints(0, 48_000))
    wav, sidecar_path = export_audio(audio, tmp_path, META, fmt="wav", extra={"master_gain_db": 1.5})[:2]
    assert sidecar_path.name == wav.name + ".json"
    sidecar = json.loads(sidecar_path.read_text())
    assert sidecar["ai_generated"] is True and sidecar["seed"] == 7
    assert sidecar["provenance"] == META.provenance and sidecar["model_versions"] == {"composer": "debug-0"}
    measured = sidecar["measured"]
    assert measured["integrated_loudness_lufs"] == pytest.approx(audio.loudness_lufs(), abs=0.05)
    assert measured["true_peak_dbtp"] == pytest.approx(audio.true_peak_dbtp(), abs=0.05)
    assert measured["duration_s"] == 1.0 and measured["loop"]["length_frames"] == 48_000
    assert sidecar["render"] == {"master_gain_db": 1.5}


def test_stems_are_separate_files_each_with_a_sidecar(tmp_path):
    stems = {"Fiddle": _tone(), "Kit 1": _tone()}
    paths = export_audio(_tone(), tmp_path, META, fmt="flac", stems=stems)
    assert [p.name for p in paths] == [
        "folk_d-minor_96bpm_seed7.flac", "folk_d-minor_96bpm_seed7.flac.json",
        "folk_d-minor_96bpm_seed7_stem-fiddle.flac", "folk_d-minor_96bpm_seed7_stem-fiddle.flac.json",
        "folk_d-minor_96bpm_seed7_stem-kit-1.flac", "folk_d-minor_96bpm_seed7_stem-kit-1.flac.json"]
    assert json.loads(paths[3].read_text())["kind"] == "stem:Fiddle"


def test_nothing_is_overwritten(tmp_path):
    first = export_audio(_tone(), tmp_path, META)[0]
    before = first.read_bytes()
    second = export_audio(_tone(24_000), tmp_path, META)
    assert second[0].name == "folk_d-minor_96bpm_seed7-1.wav"
    assert second[1].name == "folk_d-minor_96bpm_seed7-1.wav.json"
    assert first.read_bytes() == before
    (tmp_path / "folk_d-minor_96bpm_seed7-2.wav.json").write_text("{}")  # a stray sidecar blocks -2 too
    assert export_audio(_tone(), tmp_path, META)[0].name == "folk_d-minor_96bpm_seed7-3.wav"


def test_folders_without_hard_links_still_never_overwrite(tmp_path, monkeypatch):
    import errno

    def no_links(src, dst):
        raise OSError(errno.EPERM, "Operation not permitted")

    monkeypatch.setattr(export.os, "link", no_links)
    first = export_audio(_tone(), tmp_path, META)
    second = export_audio(_tone(), tmp_path, META)
    assert [p.name for p in first + second] == [
        "folk_d-minor_96bpm_seed7.wav", "folk_d-minor_96bpm_seed7.wav.json",
        "folk_d-minor_96bpm_seed7-1.wav", "folk_d-minor_96bpm_seed7-1.wav.json"]
    assert soundfile.info(str(first[0])).frames == 48_000
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_name_taken_while_writing_fails_the_group_cleanly(tmp_path, monkeypatch):
    real = export._write_audio

    def sneaky(path, audio, fmt, bit_depth, meta):  # someone else creates our sidecar's name meanwhile
        real(path, audio, fmt, bit_depth, meta)
        (tmp_path / "folk_d-minor_96bpm_seed7.wav.json").write_text("theirs")

    monkeypatch.setattr(export, "_write_audio", sneaky)
    with pytest.raises(MuseforgeError, match="nothing was written"):
        export_audio(_tone(), tmp_path, META)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["folk_d-minor_96bpm_seed7.wav.json"]
    assert (tmp_path / "folk_d-minor_96bpm_seed7.wav.json").read_text() == "theirs"


def test_unwritable_folder_is_a_clear_error(tmp_path):
    blocker = tmp_path / "file.txt"
    blocker.write_text("not a folder")
    with pytest.raises(MuseforgeError, match="cannot create output folder"):
        export_audio(_tone(), blocker / "out", META)


def test_failure_midway_leaves_nothing_behind(tmp_path, monkeypatch):
    real = export._write_audio
    calls = []

    def flaky(path, audio, fmt, bit_depth, meta):
        calls.append(path)
        if len(calls) == 2:  # the first stem fails after the main file was written
            raise OSError(28, "No space left on device")
        real(path, audio, fmt, bit_depth, meta)

    monkeypatch.setattr(export, "_write_audio", flaky)
    with pytest.raises(MuseforgeError, match="No space left"):
        export_audio(_tone(), tmp_path, META, stems={"a": _tone()})
    assert os.listdir(tmp_path) == []


def test_write_tagged_writes_one_file_in_place(tmp_path):
    import mutagen

    path = export.write_tagged(tmp_path / "ui_click.ogg", _tone(loop=LoopPoints(0, 24_000)), META)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ui_click.ogg"]
    assert mutagen.File(str(path)).tags["LOOPLENGTH"] == ["24000"]
    with pytest.raises(MuseforgeError, match="valid: flac, mp3, ogg, wav"):
        export.write_tagged(tmp_path / "x.aiff", _tone(), META)


def test_bad_export_arguments_list_choices(tmp_path):
    with pytest.raises(MuseforgeError, match="valid: flac, mp3, ogg, wav"):
        export_audio(_tone(), tmp_path, META, fmt="aiff")
    with pytest.raises(MuseforgeError, match="16 or 24"):
        export_audio(_tone(), tmp_path, META, bit_depth=8)
    with pytest.raises(MuseforgeError, match="no notes"):
        export_midi(Score(480), tmp_path, META)


def test_layers_are_written_with_their_manifest(tmp_path):
    from museforge.render.layers import render_layers

    layer_set = render_layers(_score(), n_bars=1)
    paths = export_layers(layer_set, tmp_path, META, fmt="ogg")
    manifest_path = paths[-1]
    document = json.loads(manifest_path.read_text())
    assert document["format"] == "museforge-intensity-layers/1" and document["ai_generated"] is True
    audio_files, sidecars = paths[:-1:2], paths[1:-1:2]
    assert [layer["file"] for layer in document["layers"]] == [p.name for p in audio_files]
    assert [s.name for s in sidecars] == [p.name + ".json" for p in audio_files]
    frames = {soundfile.info(str(p)).frames for p in audio_files}
    assert frames == {document["n_frames"]} == {round(3 * 60 / 96 * 44_100)}
    assert len(document["measured"]["intensities"]) == len(audio_files)
    first = json.loads(sidecars[0].read_text())
    assert first["kind"] == "layer:base" and first["render"]["manifest"] == manifest_path.name


def test_midi_type1_named_tracks_programs_drums_and_meta(tmp_path):
    path = export_midi(_score(), tmp_path, META)[0]
    midi = mido.MidiFile(str(path))
    assert midi.type == 1
    names = [next(m.name for m in track if m.type == "track_name") for track in midi.tracks]
    assert names == ["Fiddle", "Guitar", "Kit"]
    programs = {next(m.program for m in t if m.type == "program_change"): {m.channel for m in t if m.type == "note_on"}
                for t in midi.tracks[:2]}
    assert set(programs) == {40, 24}
    kit_channels = {m.channel for m in midi.tracks[2] if m.type == "note_on"}
    assert kit_channels == {9}  # channel 10
    meta = [m for track in midi.tracks for m in track if m.is_meta]
    assert any(m.type == "set_tempo" and round(mido.tempo2bpm(m.tempo)) == 96 for m in meta)
    assert any(m.type == "time_signature" and (m.numerator, m.denominator) == (3, 4) for m in meta)
    assert any(m.type == "key_signature" and m.key == "Dm" for m in meta)
    n_notes = sum(1 for track in midi.tracks for m in track if m.type == "note_on" and m.velocity > 0)
    assert n_notes == 6 + 6 + 6


def test_musicxml_reparses_with_the_same_notes(tmp_path):
    import music21

    from museforge.render.notation import quantized_notes

    score = _score()
    path = export_musicxml(score, tmp_path, META)[0]
    parsed = music21.converter.parse(str(path))
    assert [p.partName for p in parsed.parts] == ["Fiddle", "Guitar", "Kit"]
    for part, track in zip(parsed.parts, score.tracks):
        got = sorted((Fraction(n.offset), Fraction(n.quarterLength), p.midi)
                     for n in part.flatten().stripTies().notes for p in n.pitches)
        assert got == quantized_notes(track, score.ticks_per_quarter)
    first = parsed.parts[0].flatten()
    assert first.getElementsByClass("TimeSignature")[0].ratioString == "3/4"
    assert first.getElementsByClass("KeySignature")[0].sharps == -1


@pytest.mark.skipif(shutil.which("mscore3") is None and shutil.which("musescore3") is None,
                    reason="MuseScore 3 not installed (apt-get install musescore3)")
def test_musescore_engraves_our_midi_and_musicxml(tmp_path):
    binary = shutil.which("mscore3") or shutil.which("musescore3")
    sources = [export_midi(_score(), tmp_path, META)[0], export_musicxml(_score(), tmp_path, META)[0]]
    for source in sources:
        target = tmp_path / f"{source.suffix[1:]}.pdf"
        env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
        subprocess.run([binary, "-o", str(target), str(source)], env=env, check=True, timeout=120,
                       capture_output=True)
        assert target.read_bytes()[:5] == b"%PDF-" and target.stat().st_size > 2_000


@pytest.mark.skipif(shutil.which("fluidsynth") is None, reason="fluidsynth CLI not installed")
def test_fluidsynth_cli_renders_our_midi(tmp_path):
    from museforge.render.soundfont import default_soundfont_path

    midi = export_midi(_score(), tmp_path, META)[0]
    out = tmp_path / "fs.wav"
    subprocess.run(["fluidsynth", "-ni", "-F", str(out), "-r", "44100", str(default_soundfont_path()), str(midi)],
                   check=True, timeout=120, capture_output=True)
    audio = Audio.read(out)
    active = np.flatnonzero(np.abs(audio.samples).max(axis=0) > 1e-3)
    assert active.size and active[0] / 44_100 < 0.05  # sound from the first beat
    assert 2 * 60 / 96 * 3 - 0.1 < audio.duration_s  # two 3/4 bars at 96 BPM
