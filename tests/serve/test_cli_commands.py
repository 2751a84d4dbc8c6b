"""`museforge vary|continue|harmonise|bench` and the --json / seed output of the writing commands."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
import soundfile
import torch
from symusic import Note, Score, Tempo, TimeSignature, Track
from typer.testing import CliRunner

from museforge.errors import MuseforgeError
from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.tokenizer import get_tokenizer
from museforge.music.vary import default_keep_bars, vary
from museforge.serve import cli_bench, cli_compose
from museforge.serve.cli import app

runner = CliRunner()
BAR = 4 * 480  # ticks per 4/4 bar at 480 ticks per quarter


def tune(n_bars: int = 4) -> Score:
    """A one-track 4/4 melody, one quarter note per beat, on the tokenizer's grid."""
    score = Score(480)
    track = Track("Flute", 73, False)
    for i in range(4 * n_bars):
        track.notes.append(Note(i * 480, 480, 60 + [0, 2, 4, 5, 7, 5, 4, 2][i % 8], 80))
    score.tracks.append(track)
    score.tempos.append(Tempo(0, qpm=100.0))
    score.time_signatures.append(TimeSignature(0, 4, 4))
    return score


def notes(score: Score, before_tick: int | None = None) -> list[tuple]:
    score = score.resample(480, min_dur=1) if score.ticks_per_quarter != 480 else score
    return sorted((t.program, n.time, n.duration, n.pitch) for t in score.tracks for n in t.notes
                  if before_tick is None or n.time < before_tick)


@pytest.fixture(scope="module")
def tok():
    return get_tokenizer()


@pytest.fixture(scope="module")
def model(tok):
    torch.manual_seed(0)
    return Composer(ComposerConfig.debug(vocab_size=tok.vocab_size, context_len=256)).eval()


@pytest.fixture()
def tune_file(tmp_path):
    path = tmp_path / "tune.mid"
    tune().dump_midi(str(path))
    return path


def test_vary_keeps_the_opening_and_the_length_and_is_seeded(tok, model):
    original = tune(4)
    pieces = vary(model, tok, original, 3, keep_bars=1, seed=1)
    assert len(pieces) == 3
    for k, piece in enumerate(pieces):
        assert notes(piece.score, BAR) == notes(original, BAR)  # bar 1 note for note
        assert piece.score.resample(480, min_dur=1).end() <= 4 * BAR  # never longer than the original
        assert max(n[1] for n in notes(piece.score)) >= BAR  # new notes after the kept bar
        assert piece.record["kept_bars"] == 1 and piece.record["score_bars"] == 4
        assert piece.record["variation"] == k and piece.record["method"] == "vary"
    assert len({tuple(notes(p.score)) for p in pieces}) > 1  # variations differ
    again = vary(model, tok, original, 3, keep_bars=1, seed=1)
    assert [notes(p.score) for p in again] == [notes(p.score) for p in pieces]
    whole = vary(model, tok, original, 1, keep_bars=0, seed=2)[0]  # everything rewritten, same frame
    assert whole.record["kept_bars"] == 0 and 0 < whole.score.resample(480, min_dur=1).end() <= 4 * BAR
    assert [default_keep_bars(n) for n in (1, 2, 4, 8, 16)] == [0, 1, 1, 2, 4]


def test_vary_rejects_bad_requests(tok, model):
    with pytest.raises(MuseforgeError, match=r"keep_bars must be a whole number in \[0, 3\]"):
        vary(model, tok, tune(4), 2, keep_bars=4)
    with pytest.raises(MuseforgeError, match="number of variations"):
        vary(model, tok, tune(4), 0)
    with pytest.raises(MuseforgeError, match="no notes"):
        vary(model, tok, Score(480), 2)


def test_vary_command_and_its_shortcut_are_one_command(tune_file, tmp_path):
    commands = {c.name: c.callback for c in app.registered_commands}
    assert commands["vary"] is cli_compose.vary_command
    assert commands["continue"] is cli_compose.continue_command
    assert commands["harmonise"] is cli_compose.harmonise_command
    outputs = []
    for args, folder in ((["vary"], "a"), (["compose", "vary"], "b")):
        res = runner.invoke(app, [*args, str(tune_file), "-n", "2", "--seed", "4", "--debug-model", "--json",
                                  "--out", str(tmp_path / folder)])
        assert res.exit_code == 0, res.output
        outputs.append(json.loads(res.stdout))
    first, second = outputs
    assert [p["seed"] for p in first["pieces"]] == [4, 4] and [p["variation"] for p in first["pieces"]] == [0, 1]
    for a, b in zip(first["pieces"], second["pieces"]):
        assert notes(Score(a["files"][0])) == notes(Score(b["files"][0]))
        sidecar = json.loads(open(a["files"][1]).read())
        assert sidecar["seed"] == 4 and sidecar["controls"]["kept_bars"] == 1
    res = runner.invoke(app, ["vary", str(tune_file), "--keep-bars", "9", "--debug-model"])
    assert isinstance(res.exception, MuseforgeError) and "keep_bars" in str(res.exception)


def test_continue_and_harmonise_shortcuts_print_the_seed(tune_file, tmp_path):
    res = runner.invoke(app, ["continue", str(tune_file), "--bars", "2", "--seed", "3", "--debug-model",
                              "--out", str(tmp_path / "c")])
    assert res.exit_code == 0, res.output
    assert "seed=3" in res.stdout
    mid = next((tmp_path / "c").glob("*.mid"))
    assert json.loads(mid.with_suffix(".mid.json").read_text())["seed"] == 3
    assert Score(str(mid)).resample(480, min_dur=1).end() <= 2 * BAR
    res = runner.invoke(app, ["harmonise", str(tune_file), "--instruments", "bass", "--seed", "6", "--debug-model",
                              "--json", "--out", str(tmp_path / "h")])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    harmonised = Score(report["files"][0])
    assert report["seed"] == 6 and {t.program for t in harmonised.tracks} >= {73, 33}
    flute = next(t for t in harmonised.resample(480, min_dur=1).tracks if t.program == 73)
    assert [n.pitch for n in flute.notes] == [n.pitch for n in tune().tracks[0].notes]  # the melody, kept


def test_compose_new_json_names_the_seed_its_sidecar_keeps(tmp_path):
    res = runner.invoke(app, ["compose", "new", "--debug-model", "--bars", "2", "--seed", "11", "--json",
                              "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    report = json.loads(res.stdout)
    assert report["seed"] == 11 and report["n_bars"] == 2 and report["n_notes"] > 0
    assert json.loads(open(report["files"][1]).read())["seed"] == 11


def test_sfx_render_json_exact_lengths_and_sidecars(tmp_path):
    res = runner.invoke(app, ["sfx", "render", "ui", "--seconds", "0.2", "-n", "2", "--seed", "7", "--json",
                              "-o", str(tmp_path)])
    assert res.exit_code == 0, res.output
    files = json.loads(res.stdout)["files"]
    assert [f["seed"] for f in files] == [7, 8]
    for f in files:
        assert soundfile.info(f["path"]).frames == round(0.2 * 48_000)
        sidecar = json.loads(open(f["sidecar"]).read())
        assert sidecar["seed"] == f["seed"] and sidecar["provenance"]["recipe"] == "ui"
        assert sidecar["measured"]["n_frames"] == round(0.2 * 48_000)
        assert sidecar["controls"]["params"] == f["params"]


def test_arrange_and_render_json(tune_file, tmp_path):
    res = runner.invoke(app, ["arrange", "midi", str(tune_file), "--style", "folk", "--seed", "5", "--json",
                              "--out", str(tmp_path / "a")])
    assert res.exit_code == 0, res.output
    arranged = json.loads(res.stdout)
    assert arranged["seed"] == 5 and arranged["style"] == "folk" and arranged["n_bars"] >= 4
    mid = arranged["files"][0]
    res = runner.invoke(app, ["render", "audio", mid, "--duration-s", "1.5", "--json", "-o", str(tmp_path / "r")])
    assert res.exit_code == 0, res.output
    rendered = json.loads(res.stdout)
    assert rendered["seed"] == 5  # read from the arrangement's sidecar
    wav = next(p for p in rendered["files"] if p.endswith(".wav"))
    assert "seed5" in wav and soundfile.info(wav).frames == round(1.5 * 44_100)


def test_bench_runs_the_checkout_runner_and_passes_arguments(tmp_path, monkeypatch):
    (tmp_path / "bench").mkdir()
    (tmp_path / "bench" / "__init__.py").write_text("")
    (tmp_path / "bench" / "__main__.py").write_text(
        "import json, sys\n"
        "def available():\n    return ['alpha', 'beta']\n"
        "if __name__ == '__main__':\n"
        "    open('called.json', 'w').write(json.dumps(sys.argv[1:]))\n"
        "    sys.exit(3 if 'beta' in sys.argv else 0)\n")
    monkeypatch.setattr(cli_bench, "CHECKOUT", tmp_path)
    res = runner.invoke(app, ["bench", "alpha", "--quick"])
    assert res.exit_code == 0, res.output
    assert json.loads((tmp_path / "called.json").read_text()) == ["--quick", "alpha"]
    assert runner.invoke(app, ["bench", "beta"]).exit_code == 3  # the runner's exit code is ours
    res = runner.invoke(app, ["bench", "gamma"])
    assert isinstance(res.exception, MuseforgeError) and "valid: alpha, beta" in str(res.exception)
    monkeypatch.setattr(cli_bench, "CHECKOUT", tmp_path / "site-packages")
    res = runner.invoke(app, ["bench"])
    assert isinstance(res.exception, MuseforgeError) and "source checkout" in str(res.exception)


def test_real_entry_point_errors_are_one_line_exit_2(tmp_path):
    missing = tmp_path / "nope.mid"
    proc = subprocess.run([sys.executable, "-m", "museforge.serve.cli", "vary", str(missing), "--debug-model"],
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: MIDI file {missing} does not exist"]
    assert "Traceback" not in proc.stderr
