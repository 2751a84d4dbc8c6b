"""The real `museforge` entry point: user errors are one line on stderr with exit code 2."""

from __future__ import annotations

import subprocess
import sys


def _run(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "museforge.serve.cli", *args], capture_output=True, text=True,
                          timeout=120)


def test_missing_folder_is_one_line_exit_2(tmp_path):
    proc = _run("data", "build", "--sources", "music21", "--folder", str(tmp_path / "nope"), "--out", str(tmp_path))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [f"error: folder not found: {tmp_path / 'nope'}"]
    assert "Traceback" not in proc.stderr


def test_unknown_option_and_command_exit_2():
    assert _run("data", "build", "--frobnicate").returncode == 2
    assert _run("no-such-command").returncode == 2


def test_help_lists_every_area():
    proc = _run("--help")
    assert proc.returncode == 0
    for area in ("demo", "compose", "arrange", "render", "sfx", "prompt", "serve", "data", "train", "judge"):
        assert area in proc.stdout


def test_train_eval_on_a_missing_cache_is_one_line_exit_2(tmp_path):
    proc = _run("train", "eval", "--checkpoint", str(tmp_path / "ckpt"), "--data", str(tmp_path / "corpus"))
    assert proc.returncode == 2
    assert proc.stderr.strip().splitlines() == [
        f"error: token cache {tmp_path / 'corpus'} does not exist (build it with the corpus pipeline first)"]
