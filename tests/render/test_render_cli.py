"""`museforge render ...` commands through typer's runner: files written, errors as MuseforgeError."""

from __future__ import annotations

import json

import pytest
import soundfile
from render_scores import band
from typer.testing import CliRunner

from museforge.errors import MuseforgeError
from museforge.serve.cli_render import app

runner = CliRunner()


@pytest.fixture(scope="module")
def midi_file(tmp_path_factory):
    from symusic import KeySignature

    path = tmp_path_factory.mktemp("midi") / "band.mid"
    score = band(n_bars=2)
    score.key_signatures.append(KeySignature(0, 0, 0))  # C major
    score.dump_midi(str(path))
    return path


def test_loop_command_writes_a_tagged_loop_and_sidecar(midi_file, tmp_path):
    result = runner.invoke(app, ["loop", str(midi_file), "--bars", "2", "-o", str(tmp_path), "-f", "flac",
                                 "--seed", "5", "--style", "pop"])
    assert result.exit_code == 0, result.output
    flac, sidecar = [line for line in result.output.splitlines() if line]
    assert flac.endswith("pop_c-major_120bpm_seed5_loop.flac")
    assert soundfile.info(flac).frames == 4 * 44_100
    document = json.loads(open(sidecar).read())
    assert document["measured"]["loop"] == {"start_frame": 0, "end_frame": 4 * 44_100, "length_frames": 4 * 44_100}
    assert document["provenance"]["soundfont"]["name"] == "TimGM6mb.sf2"


def test_bad_input_raises_user_errors(midi_file, tmp_path):
    result = runner.invoke(app, ["loop", str(midi_file), "--duration-s", "3", "-o", str(tmp_path)])
    assert isinstance(result.exception, MuseforgeError) and "4.000 s (2 bars)" in str(result.exception)
    result = runner.invoke(app, ["audio", str(tmp_path / "missing.mid")])
    assert isinstance(result.exception, MuseforgeError) and "not found" in str(result.exception)
    broken = tmp_path / "broken.mid"
    broken.write_bytes(b"MThd\x00\x00\x00\x06garbage")
    result = runner.invoke(app, ["notation", str(broken), "-o", str(tmp_path)])
    assert isinstance(result.exception, MuseforgeError) and "standard MIDI" in str(result.exception)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["broken.mid"]
