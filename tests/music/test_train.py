"""Token-cache loading and the training loop on a tiny synthetic cache in the real format."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import numpy as np
import pytest
import torch

from museforge.errors import MuseforgeError
from museforge.music.models.transformer import ComposerConfig
from museforge.music.token_data import RowSampler, TokenCorpus, _example, eval_rows, write_synthetic_cache
from museforge.music.train import JsonlLog, TrainConfig, Trainer, load_run_config, lr_factor, main


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return write_synthetic_cache(tmp_path_factory.mktemp("corpus"))


def trainer(cache, out, callbacks=(), model=None, init_from=None, **train):
    model_cfg = model or ComposerConfig.debug(context_len=48)
    return Trainer(model_cfg, TrainConfig.debug(**train), cache, out, callbacks, init_from=init_from)


def test_corpus_reads_pieces_styles_and_control_prefix(cache):
    corpus = TokenCorpus(cache, "train")
    assert len(corpus) == 36 and corpus.styles == ["down", "up"]
    for piece in corpus.pieces:
        assert piece.tokens[0] == corpus.bos_id and piece.tokens[-1] == corpus.eos_id
        assert piece.prefix_len == 3  # BOS, Style_*, Controls_end
        assert piece.tokens[piece.prefix_len] == 3  # the body starts on a bar
    assert corpus.n_tokens() == sum(len(p.tokens) for p in corpus.pieces)


def test_sampler_rows_keep_controls_and_resume_exactly(cache):
    corpus = TokenCorpus(cache, "train")
    sampler = RowSampler(corpus, 49, seed=5)
    rows = sampler.batch(16)
    assert rows.shape == (16, 49) and rows.dtype == np.int64
    # Every row starts with the controls then a bar line (a whole piece, or controls + a window).
    assert (rows[:, 0] == corpus.bos_id).all()
    assert np.isin(rows[:, 1], [4, 5]).all() and (rows[:, 2] == 6).all() and (rows[:, 3] == 3).all()
    # A piece longer than the room becomes its controls + a window starting on one of its bars.
    piece = max(corpus.pieces, key=lambda p: len(p.tokens))
    rng = np.random.default_rng(0)
    starts = set()
    for _ in range(20):
        ex = _example(piece, 40, rng)
        assert len(ex) == 40 and np.array_equal(ex[:3], piece.tokens[:3]) and ex[3] == 3
        body = np.asarray(piece.tokens)
        hits = [s for s in piece.bar_starts if np.array_equal(body[s:s + 37], ex[3:])]
        assert hits
        starts.add(hits[0])
    assert len(starts) > 5
    state = sampler.state_dict()
    nxt = sampler.batch(4)
    sampler.load_state_dict(state)
    assert np.array_equal(sampler.batch(4), nxt)


def test_fill_in_the_middle_rows_move_whole_bars_after_the_bars_that_follow_them(cache):
    corpus = TokenCorpus(cache, "train")
    mask, bar = corpus.mask_id, 3
    rng = np.random.default_rng(1)
    gaps = set()
    for piece in corpus.pieces[:12]:
        for room in (40, 400):
            ex = _example(piece, room, rng, corpus, fim_rate=1.0)
            assert len(ex) <= room and ex[-1] == corpus.eos_id
            cuts = np.flatnonzero(ex == mask)
            assert len(cuts) == 2
            left, right, gap = ex[:cuts[0]], ex[cuts[0] + 1:cuts[1]], ex[cuts[1] + 1:-1]
            assert np.array_equal(left[:3], piece.tokens[:3]) and gap[0] == bar
            assert len(right) == 0 or right[0] == bar  # the gap is whole bars
            gaps.add(int((gap == bar).sum()))
            # Put back in order, the example is controls + a contiguous stretch of the piece's body.
            body = np.concatenate([left[3:], gap, right])
            tokens = np.asarray(piece.tokens)
            assert any(np.array_equal(tokens[s:s + len(body)], body) for s in range(3, len(tokens) - len(body) + 1))
    assert len(gaps) > 2  # gaps of several lengths
    assert not (RowSampler(corpus, 49, seed=2).batch(8) == mask).any()  # fim_rate 0: plain rows
    rows = RowSampler(corpus, 49, seed=2, fim_rate=0.5).batch(16)
    assert 0 < (rows == mask).sum() < 2 * 16 * 3


def test_eval_rows_cover_every_style_and_are_capped(cache):
    corpus = TokenCorpus(cache, "valid")
    rows = eval_rows(corpus, 49, per_style=3)
    styles = [s for s, _ in rows]
    assert sorted(set(styles)) == ["down", "up"] and all(styles.count(s) <= 3 for s in set(styles))
    assert all(r[0] == corpus.bos_id for _, r in rows)


def test_corrupt_or_missing_cache_is_a_user_error(tmp_path, cache):
    with pytest.raises(MuseforgeError, match="missing vocab.json"):
        TokenCorpus(tmp_path, "train")
    with pytest.raises(MuseforgeError, match="valid: train, valid, test"):
        TokenCorpus(cache, "dev")
    bad = write_synthetic_cache(tmp_path / "bad")
    np.save(bad / "offsets_train.npy", np.array([0, 5, 3]))
    with pytest.raises(MuseforgeError, match="does not match"):
        TokenCorpus(bad, "train")


def test_lr_schedule_warms_up_then_decays_to_floor():
    cfg = TrainConfig(max_steps=100, warmup_steps=10, min_lr_ratio=0.1)
    assert lr_factor(0, cfg) == pytest.approx(0.1)
    assert lr_factor(9, cfg) == pytest.approx(1.0)
    assert lr_factor(55, cfg) == pytest.approx(0.55)  # half way down the cosine
    assert lr_factor(100, cfg) == pytest.approx(0.1)
    assert all(lr_factor(s, cfg) >= lr_factor(s + 1, cfg) for s in range(10, 100))


def test_training_reduces_loss_and_reports_every_style(cache, tmp_path):
    events = []
    t = trainer(cache, tmp_path, callbacks=[lambda e, i: events.append((e, i))], max_steps=30, eval_every=30, lr=1e-2)
    before = t.evaluate()
    after = t.fit()
    assert set(after["val_loss_per_style"]) == {"down", "up"}
    assert after["val_loss"] < before["val_loss"] - 1.0  # the synthetic rules are easy to learn
    losses = [i["loss"] for e, i in events if e == "step"]
    assert len(losses) == 30 and np.mean(losses[-5:]) < np.mean(losses[:5]) - 1.0
    assert [e for e, _ in events].count("checkpoint") == 1
    assert (tmp_path / "best" / "model.safetensors").is_file()


def test_gradient_accumulation_matches_one_big_batch(cache, tmp_path):
    """batch 8 as 4 micro-batches of 2 or 1 of 8: the same step (up to float summation order)."""
    a = trainer(cache, tmp_path / "a", micro_batch=2, bf16=False, max_steps=3)
    b = trainer(cache, tmp_path / "b", micro_batch=8, bf16=False, max_steps=3)
    assert a.accum == 4 and b.accum == 1
    la = [a.train_step() for _ in range(3)]
    lb = [b.train_step() for _ in range(3)]
    assert la == pytest.approx(lb, abs=1e-5)
    for pa, pb in zip(a.model.parameters(), b.model.parameters()):
        assert torch.allclose(pa, pb, atol=1e-5)


def test_resume_equals_uninterrupted_training(cache, tmp_path):
    model = ComposerConfig.debug(context_len=48, dropout=0.1)  # dropout: the torch RNG must resume too
    whole = trainer(cache, tmp_path / "whole", model=model, max_steps=8, eval_every=4)
    whole.fit()
    part = trainer(cache, tmp_path / "part", model=model, max_steps=8, eval_every=4)
    part.fit(steps=4)  # checkpoint at step 4, then the process "dies"
    resumed = trainer(cache, tmp_path / "part", model=model, max_steps=8, eval_every=4)
    assert resumed.step == 4
    resumed.fit()
    assert resumed.step == 8
    for (name, pw), pr in zip(whole.model.named_parameters(), resumed.model.parameters()):
        assert torch.equal(pw, pr), name
    assert whole.history[-1]["val_loss"] == resumed.history[-1]["val_loss"]


def test_resume_with_another_model_config_is_refused(cache, tmp_path):
    trainer(cache, tmp_path, max_steps=2, eval_every=2).fit()
    with pytest.raises(MuseforgeError, match="different model config"):
        trainer(cache, tmp_path, model=ComposerConfig.debug(context_len=48, n_layer=3))


def test_batch_must_split_into_micro_batches(cache, tmp_path):
    with pytest.raises(MuseforgeError, match="multiple of micro_batch"):
        trainer(cache, tmp_path, batch_size=6, micro_batch=4)


def test_run_config_file_overrides_preset_and_rejects_unknown_keys(tmp_path):
    path = tmp_path / "run.json"
    path.write_text(json.dumps({"model": {"n_layer": 3}, "train": {"lr": 0.01}}))
    model_cfg, train_cfg = load_run_config(path, "debug")
    assert model_cfg.n_layer == 3 and model_cfg.d_model == 32 and train_cfg.lr == 0.01
    path.write_text(json.dumps({"train": {"learning_rate": 0.01}}))
    with pytest.raises(MuseforgeError, match="unknown train keys"):
        load_run_config(path, "debug")


def test_cli_reports_bad_data_dir_without_traceback(tmp_path, capsys):
    assert main(["--data", str(tmp_path), "--out", str(tmp_path / "o"), "--preset", "debug", "--no-progress"]) == 2
    assert "not a token cache" in capsys.readouterr().err


def _step_losses(path) -> list[float]:
    return [r["loss"] for r in map(json.loads, path.read_text().splitlines()) if r["event"] == "step"]


def test_two_process_ddp_matches_one_process(cache, tmp_path):
    """torchrun --nproc_per_node 2 (gloo) sees the same global batch and gives the same losses."""
    args = ["-m", "museforge.music.train", "--data", str(cache), "--preset", "debug", "--max-steps", "6",
            "--no-progress"]
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    subprocess.run([sys.executable, *args, "--out", str(tmp_path / "one")], check=True, env=env, timeout=120)
    # --standalone: the rendezvous binds a port itself (a port picked here could be taken before torchrun binds it)
    two_run = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone", "--nproc_per_node", "2",
                              *args, "--out", str(tmp_path / "two")], env=env, timeout=120, capture_output=True,
                             text=True)
    assert two_run.returncode == 0, two_run.stderr[-3000:]
    one, two = _step_losses(tmp_path / "one" / "log.jsonl"), _step_losses(tmp_path / "two" / "log.jsonl")
    assert len(one) == len(two) == 6
    assert one[-1] < one[0]
    assert two == pytest.approx(one, abs=2e-3)  # bf16 autocast + a different reduction order
    logged = [json.loads(line) for line in (tmp_path / "two" / "log.jsonl").read_text().splitlines()]
    assert logged[0]["world"] == 2 and logged[0]["accum"] == 2


def test_jsonl_log_callback_appends_events(tmp_path):
    log = JsonlLog(tmp_path / "x" / "log.jsonl")
    log("step", {"step": 1, "loss": 2.5})
    log("eval", {"step": 1, "val_loss": 2.0})
    rows = [json.loads(line) for line in (tmp_path / "x" / "log.jsonl").read_text().splitlines()]
    assert [r["event"] for r in rows] == ["step", "eval"] and rows[0]["loss"] == 2.5


def test_train_cli_command_runs_the_debug_preset(cache, tmp_path):
    from typer.testing import CliRunner

    from museforge.serve.cli_train import app

    out = tmp_path / "ck"
    res = CliRunner().invoke(app, ["composer", "--data", str(cache), "--out", str(out), "--preset", "debug",
                                   "--max-steps", "3", "--no-progress"])
    assert res.exit_code == 0, res.output
    assert (out / "latest" / "model.safetensors").is_file()
    with pytest.raises(MuseforgeError, match="valid: debug, default"):
        CliRunner().invoke(app, ["composer", "--preset", "huge"], catch_exceptions=False)


def test_ship_copies_a_checkpoint_that_loads_the_same_and_refuses_a_non_checkpoint(tmp_path):
    from typer.testing import CliRunner

    from museforge.music.models.transformer import Composer
    from museforge.serve.cli_train import app

    torch.manual_seed(3)
    model = Composer(ComposerConfig.debug(fim=True)).eval()
    model.save(tmp_path / "best")
    runner = CliRunner()
    corpus = write_synthetic_cache(tmp_path / "corpus")
    done = runner.invoke(app, ["ship", "--checkpoint", str(tmp_path / "best"), "--to", str(tmp_path / "pkg"),
                               "--data", str(corpus)])
    assert done.exit_code == 0, done.output
    from museforge.music.checkpoint import training_data

    assert training_data(tmp_path / "pkg")["sources"] == {"unknown": {"pieces": 36, "licences": ["synthetic"]}}
    shipped = Composer.load(tmp_path / "pkg")
    assert shipped.cfg == model.cfg and shipped.cfg.fim
    assert all(torch.equal(a, b) for a, b in zip(shipped.state_dict().values(), model.state_dict().values()))
    refused = runner.invoke(app, ["ship", "--checkpoint", str(tmp_path / "nothing"), "--to", str(tmp_path / "x"),
                                  "--data", str(corpus)])
    assert refused.exit_code != 0 and not (tmp_path / "x").exists()


def test_warm_start_loads_the_weights_and_only_writes_best_when_it_improves(cache, tmp_path):
    first = trainer(cache, tmp_path / "first", max_steps=30, eval_every=30, lr=1e-2)
    first.fit()
    warm = trainer(cache, tmp_path / "warm", max_steps=2, eval_every=2, lr=1.0, init_from=tmp_path / "first" / "best")
    for pa, pb in zip(first.model.parameters(), warm.model.parameters()):
        assert torch.equal(pa, pb)
    assert warm.best_val == pytest.approx(warm.evaluate()["val_loss"])  # the loaded weights' own score
    assert warm.best_val == pytest.approx(first.best_val, abs=1e-6)
    warm.fit()  # two steps at a learning rate of 1.0 wreck the weights: no best/ is written
    assert not (tmp_path / "warm" / "best").exists()
    with pytest.raises(MuseforgeError, match="another model config"):
        trainer(cache, tmp_path / "other", model=ComposerConfig.debug(context_len=48, n_layer=3),
                init_from=tmp_path / "first" / "best")


def test_warm_start_patience_watches_the_runs_own_progress(cache, tmp_path):
    """A warm restart's first validations sit above its starting weights (the schedule restarts high): patience
    must count evaluations that fail to beat this run's best, or it ends the run before it can improve."""
    first = trainer(cache, tmp_path / "first", max_steps=30, eval_every=30, lr=1e-2)
    first.fit()
    warm = trainer(cache, tmp_path / "warm", max_steps=1, eval_every=1, lr=1.0, patience=1,
                   init_from=tmp_path / "first" / "best")
    last = warm.fit()
    assert last["val_loss"] > first.best_val and not (tmp_path / "warm" / "best").exists()  # worse: no best/
    assert warm.bad_evals == 0 and warm.run_best == pytest.approx(last["val_loss"])  # but the run's own best
