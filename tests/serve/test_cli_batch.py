"""`museforge batch`: many requests from JSON/CSV, a manifest, per-row errors, exit codes 0/1/2."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import soundfile
import torch
from symusic import Note, Score, Tempo, TimeSignature, Track
from typer.testing import CliRunner

from museforge.batch import check_request, load_requests
from museforge.errors import MuseforgeError
from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.tokenizer import get_tokenizer
from museforge.serve.cli import app

runner = CliRunner()


@pytest.fixture()
def folder(tmp_path):
    """A request folder holding a 4-bar melody (tune.mid) and a debug composer checkpoint (ckpt/)."""
    score = Score(480)
    track = Track("Flute", 73, False)
    for i in range(16):
        track.notes.append(Note(i * 480, 480, 60 + [0, 2, 4, 5, 7, 5, 4, 2][i % 8], 80))
    score.tracks.append(track)
    score.tempos.append(Tempo(0, qpm=100.0))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    score.dump_midi(str(tmp_path / "tune.mid"))
    torch.manual_seed(0)
    vocab = get_tokenizer().vocab_size
    Composer(ComposerConfig.debug(vocab_size=vocab, context_len=256)).save(tmp_path / "ckpt")
    return tmp_path


def test_every_kind_runs_and_the_manifest_lists_files_and_seeds(folder):
    requests = [
        {"kind": "sfx", "recipe": "ui", "seconds": 0.2, "seed": 7, "variations": 2},
        {"kind": "sfx", "recipe": "rain", "seconds": 0.5, "seed": 3, "intensity": 0.8, "format": "flac"},
        {"kind": "arrange", "melody": "tune.mid", "style": "folk", "seed": 3},
        {"kind": "render", "midi": "tune.mid", "duration_s": 1.0, "seed": 9},
        {"kind": "compose", "style": "pop", "key": "D minor", "bars": 2, "seed": 5, "checkpoint": "ckpt"},
    ]
    (folder / "requests.json").write_text(json.dumps(requests))
    res = runner.invoke(app, ["batch", str(folder / "requests.json"), "--out", str(folder / "out"), "--json"])
    assert res.exit_code == 0, res.output
    manifest = json.loads(res.stdout)
    assert (manifest["n_requests"], manifest["n_ok"], manifest["n_failed"]) == (5, 5, 0)
    assert json.loads(open(manifest["manifest"]).read())["requests"] == manifest["requests"]
    ui, rain, arranged, rendered, composed = manifest["requests"]
    assert ui["seeds"] == [7, 8] and len(ui["files"]) == 4  # two sounds, two sidecars
    for path in ui["files"][::2]:
        assert soundfile.info(path).frames == round(0.2 * 48_000)
        assert json.loads(open(path + ".json").read())["seed"] in (7, 8)
    assert rain["files"][1].endswith(".flac.json") and soundfile.info(rain["files"][0]).frames == 24_000
    assert json.loads(open(rain["files"][0] + ".json").read())["controls"]["params"]["intensity"] == 0.8
    assert arranged["seeds"] == [3] and json.loads(open(arranged["files"][1]).read())["style"] == "folk"
    wav = next(p for p in rendered["files"] if p.endswith(".wav"))
    assert soundfile.info(wav).frames == 44_100 and "seed9" in wav
    mid = next(p for p in composed["files"] if p.endswith(".mid"))
    sidecar = json.loads(open(mid + ".json").read())
    assert sidecar["seed"] == 5 and sidecar["controls"]["tonic"] == "D" and sidecar["controls"]["n_bars"] == 2


def test_one_bad_row_is_reported_and_the_others_still_run(folder):
    (folder / "requests.csv").write_text(
        "kind,recipe,seconds,seed,intensity,melody,style,repeats\n"
        "sfx,ui,0.2,1,,,,\n"
        "sfx,rain,0.3,2,7,,,\n"  # intensity out of range
        "arrange,,,3,,tune.mid,polka,\n"  # unknown style
        "arrange,,,abc,,tune.mid,folk,\n"  # seed not a number
        "arrange,,,4,,missing.mid,folk,\n"  # no such file
        "arrange,,,5,,tune.mid,folk,2\n")
    res = runner.invoke(app, ["batch", str(folder / "requests.csv"), "--out", str(folder / "out")])
    assert res.exit_code == 1, res.output
    failures = [line for line in res.stderr.splitlines() if line.startswith("row ")]
    assert [line.split(":")[0] for line in failures] == ["row 2 failed", "row 3 failed", "row 4 failed",
                                                           "row 5 failed"]
    assert failures[0].startswith("row 2 failed: intensity: intensity must be in [0.0, 1.0]")
    assert failures[1].startswith("row 3 failed: style: unknown style 'polka'")
    assert failures[2] == "row 4 failed: seed: seed must be a whole number, got 'abc'"
    assert failures[3].startswith("row 5 failed: melody: melody file not found")
    assert "2 of 6 requests done, 4 failed" in res.stdout
    manifest = json.loads((folder / "out" / "batch_manifest.json").read_text())
    assert [r["status"] for r in manifest["requests"]] == ["ok", "failed", "failed", "failed", "failed", "ok"]
    assert manifest["requests"][1]["error"]["field"] == "intensity"
    last = manifest["requests"][5]
    assert last["seeds"] == [5] and json.loads(open(last["files"][1]).read())["controls"]["repeats"] == 2
    assert "Traceback" not in res.output


def test_request_fields_are_checked_and_typed():
    assert check_request({"kind": "sfx", "recipe": "rain", "loop": "yes", "intensity": "0.5"}) == \
        ("sfx", {"recipe": "rain", "loop": True, "intensity": 0.5})
    assert check_request({"kind": "compose", "instruments": "piano|bass", "bars": "8"})[1] == \
        {"instruments": ["piano", "bass"], "bars": 8}
    for bad, field in (({"recipe": "rain"}, "kind"), ({"kind": "song"}, "kind"),
                       ({"kind": "render", "midi": "a.mid", "tempo": 3}, "tempo"),
                       ({"kind": "arrange", "style": "folk"}, "melody"),
                       ({"kind": "compose", "bars": 2.5}, "bars")):
        with pytest.raises(MuseforgeError) as info:
            check_request(bad)
        assert info.value.field == field


@pytest.mark.parametrize("name, text, message", [
    ("r.json", "[{\"kind\": \"sfx\",", "r.json is not valid JSON"),
    ("r.json", "{\"kind\": \"sfx\"}", "must hold a list of request objects"),
    ("r.json", "[1, 2]", "request 1 must be an object"),
    ("r.json", "[]", "holds no requests"),
    ("r.csv", "recipe,seconds\nrain,1\n", "needs a header row with a \"kind\" column"),
    ("r.txt", "kind\nsfx\n", "must be .json or .csv"),
])
def test_malformed_files_fail_as_a_whole(tmp_path, name, text, message):
    (tmp_path / name).write_text(text)
    with pytest.raises(MuseforgeError, match=message.replace("[", r"\[").replace("{", r"\{")):
        load_requests(tmp_path / name)
    res = runner.invoke(app, ["batch", str(tmp_path / name), "--out", str(tmp_path / "out")])
    assert isinstance(res.exception, MuseforgeError) and not (tmp_path / "out").exists()


def test_malformed_file_is_exit_2_with_one_line(tmp_path):
    (tmp_path / "r.json").write_text("{not json")
    proc = subprocess.run([sys.executable, "-m", "museforge.serve.cli", "batch", str(tmp_path / "r.json")],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        "error: r.json is not valid JSON: Expecting property name enclosed in double quotes at line 1 column 2"]
