"""bench/composer_quality.py on the synthetic cache with debug sizes: same rows, same schedule, both learn."""

from __future__ import annotations

import json
import math
import subprocess
import sys
from dataclasses import asdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))  # bench/ is a top-level folder of the repo, not an installed package
try:
    from bench.composer_quality import BudgetSchedule, Spec, _finish, main, run, train_ours, train_peer, train_side
finally:
    sys.path.remove(str(ROOT))
from museforge.errors import MuseforgeError
from museforge.music.models.transformer import ComposerConfig
from museforge.music.token_data import write_synthetic_cache
from museforge.music.train import TrainConfig, lr_factor

MODEL = asdict(ComposerConfig.debug(context_len=48))
TRAIN = {"lr": 1e-2, "warmup_steps": 2, "micro_batch": 4}


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return str(write_synthetic_cache(tmp_path_factory.mktemp("corpus")))


def spec(cache, side, **kw):
    return Spec(side, cache, kw.pop("minutes", 0.0), model=MODEL, train=TRAIN, eval_rows_per_style=4, **kw)


def test_both_sides_see_the_same_rows_in_the_same_order(cache):
    _, ours = train_ours(spec(cache, "ours", max_steps=3), [])
    _, peer = train_peer(spec(cache, "hf_gpt2", max_steps=3), [])
    assert ours["sampler"] == peer["sampler"]  # same seed, same draws: the same 3 x 8 rows
    _, longer = train_peer(spec(cache, "hf_gpt2", max_steps=4), [])
    assert longer["sampler"] != ours["sampler"]  # the state does move with the rows drawn


def test_fixed_length_runs_learn_on_the_same_schedule_and_test_rows(cache):
    figures = {side: train_side(spec(cache, side, max_steps=40)) for side in ("ours", "hf_gpt2")}
    ours, peer = figures["ours"], figures["hf_gpt2"]
    for f in (ours, peer):
        assert f["steps"] == f["cosine_steps"] == 40
        assert f["tokens_seen"] == 40 * 8 * 48
        assert f["final_lr"] == pytest.approx(1e-2 * TrainConfig().min_lr_ratio)  # cosine ran to its floor
        assert f["heldout_loss"] < 0.7 * math.log(64)  # well below a uniform guess over the vocab
        assert set(f["heldout_loss_per_style"]) == {"down", "up"}
    # Scored on exactly the same test rows and target tokens.
    assert (ours["heldout_rows"], ours["heldout_targets"]) == (peer["heldout_rows"], peer["heldout_targets"])
    assert ours["heldout_rows"] == 8
    # Same shape: the peer differs only by learned positions and biases.
    assert 1.0 < peer["params"] / ours["params"] < 1.25


def test_budget_schedule_ends_the_cosine_with_the_budget():
    cfg = TrainConfig(max_minutes=1.0, max_steps=10**9, warmup_steps=3)
    now = [0.0]
    schedule = BudgetSchedule(cfg, calibration=3, clock=lambda: now[0])
    schedule("start", {"step": 0})
    for step, step_s in ((1, 3.0), (2, 2.0), (3, 2.0)):
        now[0] += step_s
        schedule("step", {"step": step, "step_s": step_s})
    # 53 s left at 2 s a step (the first, slower step is not timed): 3 + 26 (round half to even).
    assert schedule.fitted == cfg.max_steps == 29
    assert lr_factor(29, cfg) == pytest.approx(cfg.min_lr_ratio)
    now[0] += 30.0
    schedule("step", {"step": 4, "step_s": 30.0})
    assert cfg.max_steps == 29  # fixed once, never refitted


def test_bad_specs_are_clear_errors(cache):
    with pytest.raises(MuseforgeError, match="calibration_steps"):
        spec(cache, "ours", minutes=1.0, calibration_steps=5).configs()
    with pytest.raises(MuseforgeError, match="unknown side"):
        spec(cache, "gpt3", max_steps=3).configs()
    with pytest.raises(MuseforgeError, match="budget"):
        spec(cache, "ours").configs()
    with pytest.raises(MuseforgeError, match="not a token cache"):
        run(data=cache + "/missing", minutes=0.01)


def test_budget_runs_stop_on_the_clock_with_a_fitted_cosine(cache, tmp_path):
    # The peer in-process; ours through the child-process entry point (spec JSON in, figures JSON out).
    peer = train_side(spec(cache, "hf_gpt2", minutes=0.02, calibration_steps=1))
    spec_path, out = tmp_path / "ours.spec.json", tmp_path / "ours.result.json"
    spec_path.write_text(json.dumps(asdict(spec(cache, "ours", minutes=0.02, calibration_steps=1))))
    assert main(["--child", str(spec_path), str(out)]) == 0
    ours = json.loads(out.read_text())
    for side in (ours, peer):
        assert side["train_s"] >= 0.02 * 60  # stopped by the clock, not before
        # Fitted after the one timed step, however slow the machine: then the budget ended the run.
        assert side["steps"] >= 1 and 1 < side["cosine_steps"] < 10**6
        assert side["tokens_per_s"] == pytest.approx(side["tokens_seen"] / side["train_s"], rel=0.01)
        # The optimiser's rate followed the fitted cosine (the Trainer's scheduler reads the same config).
        fitted = TrainConfig(warmup_steps=2, max_steps=side["cosine_steps"])
        assert side["final_lr"] == pytest.approx(1e-2 * lr_factor(side["steps"], fitted))


def test_a_failed_side_ends_the_other_and_is_named(tmp_path):
    (tmp_path / "ours.result.json").write_text("{}")
    waiting = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])  # like a side at the barrier
    failing = subprocess.Popen([sys.executable, "-c", "import sys; sys.exit(3)"])
    with pytest.raises(RuntimeError, match=r"hf_gpt2 \(exit 3\)"):
        _finish([(waiting, tmp_path / "ours.result.json"), (failing, tmp_path / "hf_gpt2.result.json")])
    assert waiting.returncode is not None and waiting.returncode != 0  # ended, not left waiting for a minute
