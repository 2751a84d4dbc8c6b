"""Held-out evaluation on a tiny synthetic cache in the real format, checked against model.forward."""

from __future__ import annotations

import json
import math
import shutil

import numpy as np
import pytest
import torch

from museforge.errors import MuseforgeError
from museforge.music.evaluate import evaluate, main, model_card_table, windows_for_piece
from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.token_data import TokenCorpus, write_synthetic_cache

CTX = 24  # short context so most synthetic pieces (40-364 tokens) need several windows


@pytest.fixture(scope="module")
def cache(tmp_path_factory):
    return write_synthetic_cache(tmp_path_factory.mktemp("corpus"))


@pytest.fixture(scope="module")
def checkpoint(tmp_path_factory):
    torch.manual_seed(0)
    model = Composer(ComposerConfig.debug(context_len=CTX))
    with torch.no_grad():  # sharpen the random weights so per-token losses differ (not all ~ln V)
        for p in model.parameters():
            p.mul_(4.0)
    return model.save(tmp_path_factory.mktemp("ckpt"))


def hand_nll(model: Composer, tokens: np.ndarray, prefix_len: int, ctx: int) -> tuple[float, float]:
    """(body NLL, NLL of the control-prefix targets) via model.forward's mean loss over non-pad targets."""
    toks = torch.as_tensor(np.asarray(tokens, dtype=np.int64))
    prefix, body = toks[:prefix_len], toks[prefix_len:]
    room = ctx + 1 - prefix_len
    body_nll = prefix_nll = 0.0
    for k in range(0, len(body), room):
        w = torch.cat([prefix, body[k:k + room]])
        x, y = w[:-1][None], w[1:][None].clone()
        y_body = y.clone()
        y_body[0, :prefix_len - 1] = 0  # pad id: forward ignores the control targets
        _, loss = model(x, y_body)
        body_nll += float(loss) * int((y_body != 0).sum())
        if k == 0:
            y_ctrl = torch.zeros_like(y)
            y_ctrl[0, :prefix_len - 1] = y[0, :prefix_len - 1]
            _, loss = model(x, y_ctrl)
            prefix_nll += float(loss) * (prefix_len - 1)
    return body_nll, prefix_nll


def test_windows_score_every_body_token_once_and_keep_the_prefix():
    tokens = np.arange(100, 160)  # prefix 3 + body 57
    for stride in (None, 5):
        wins = windows_for_piece(tokens, 3, CTX, stride)
        scored = np.concatenate([w[len(w) - n:] for w, n in wins])
        np.testing.assert_array_equal(scored, tokens[3:])
        for w, _ in wins:
            assert len(w) <= CTX + 1
            np.testing.assert_array_equal(w[:3], tokens[:3])
    assert len(windows_for_piece(tokens, 3, CTX)) == math.ceil(57 / (CTX + 1 - 3))
    # strided windows after the first are full: history fills the context before the new tokens
    assert all(len(w) == CTX + 1 for w, _ in windows_for_piece(tokens, 3, CTX, 5))


def test_matches_hand_computation_per_style_and_excludes_the_prefix(cache, checkpoint):
    res = evaluate(checkpoint, cache, "test")
    model = Composer.load(checkpoint)
    corpus = TokenCorpus(cache, "test")
    want: dict[str, list[float]] = {}
    prefix_total = 0.0
    with torch.inference_mode():
        for p in corpus.pieces:
            body, ctrl = hand_nll(model, p.tokens, p.prefix_len, CTX)
            notes = int(np.isin(p.tokens, np.arange(7, 64)).sum())  # Pitch_* ids of the synthetic vocab
            a = want.setdefault(p.style, [0.0, 0, 0, 0])
            a[0] += body
            a[1] += 1
            a[2] += len(p.tokens) - p.prefix_len
            a[3] += notes
            prefix_total += ctrl
    assert sorted(res["styles"]) == ["down", "up"] and res["notes_from"] == "pitch tokens"
    for style, (nll, pieces, tokens, notes) in want.items():
        got = res["styles"][style]
        assert (got["n_pieces"], got["n_tokens"], got["n_notes"]) == (pieces, tokens, notes)
        assert got["loss_per_token"] == pytest.approx(nll / tokens, rel=1e-5)
        assert got["loss_per_note"] == pytest.approx(nll / notes, rel=1e-5)
        assert got["perplexity"] == pytest.approx(math.exp(nll / tokens), rel=1e-5)
    total_nll = sum(a[0] for a in want.values())
    assert res["overall"]["nll_nats"] == pytest.approx(total_nll, rel=1e-5)
    assert res["overall"]["n_tokens"] == corpus.n_tokens() - sum(p.prefix_len for p in corpus.pieces)
    # the control targets carry real loss (so including them would show), and the figure matches body-only
    assert prefix_total > 1e-3 * total_nll
    assert res["overall"]["nll_nats"] != pytest.approx(total_nll + prefix_total, rel=1e-5)


def test_deterministic_and_stride_scores_the_same_tokens(cache, checkpoint):
    a, b = evaluate(checkpoint, cache, "valid"), evaluate(checkpoint, cache, "valid")
    assert a["overall"] == b["overall"] and a["styles"] == b["styles"]
    s = evaluate(checkpoint, cache, "valid", stride=4)
    assert s["overall"]["n_tokens"] == a["overall"]["n_tokens"] and s["windows"] > a["windows"]
    assert s["overall"]["nll_nats"] != pytest.approx(a["overall"]["nll_nats"], rel=1e-6)
    short = evaluate(checkpoint, cache, "valid", context_len=12)
    assert short["context_len"] == 12 and short["windows"] > a["windows"]


def test_styles_and_notes_come_from_the_manifest(tmp_path, cache, checkpoint):
    root = shutil.copytree(cache, tmp_path / "c")
    rows = [json.loads(line) for line in (root / "manifest.jsonl").read_text().splitlines()]
    for i, r in enumerate(rows):
        r["labels"]["style"] = {"up": "ascending", "down": "descending"}[r["labels"]["style"]]
        r["n_notes"] = 10 + i
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in rows))
    res = evaluate(checkpoint, root, "test")
    base = evaluate(checkpoint, cache, "test")
    assert sorted(res["styles"]) == ["ascending", "descending"] and res["notes_from"] == "manifest"
    test_rows = [r for r in rows if r["split"] == "test"]
    assert res["overall"]["n_notes"] == sum(r["n_notes"] for r in test_rows)
    assert res["overall"]["nll_nats"] == pytest.approx(base["overall"]["nll_nats"], rel=1e-9)
    assert res["overall"]["loss_per_note"] == pytest.approx(res["overall"]["nll_nats"] / res["overall"]["n_notes"])
    asc = res["styles"]["ascending"]
    assert asc["n_notes"] == sum(r["n_notes"] for r in test_rows if r["labels"]["style"] == "ascending")


def test_max_pieces_spreads_over_the_split(cache, checkpoint):
    res = evaluate(checkpoint, cache, "test", max_pieces=4)
    assert res["overall"]["n_pieces"] == 4 and res["pieces_in_split"] == 12
    assert sorted(res["styles"]) == ["down", "up"]


def test_model_card_table_and_cli(tmp_path, cache, checkpoint, capsys):
    out = tmp_path / "r.json"
    assert main(["--checkpoint", str(checkpoint), "--data", str(cache), "--json", str(out)]) == 0
    printed = capsys.readouterr().out
    res = json.loads(out.read_text())
    assert printed == model_card_table(res)
    lines = printed.splitlines()
    assert lines[0].startswith("| style |") and lines[2].startswith("| down | 6 |")
    assert f"{res['overall']['loss_per_token']:.3f}" in lines[4] and lines[4].startswith("| **all** | 12 |")


def test_error_paths(tmp_path, cache, checkpoint, capsys):
    with pytest.raises(MuseforgeError, match="does not exist"):
        evaluate(checkpoint, tmp_path / "nope", "test")
    partial = shutil.copytree(cache, tmp_path / "partial")
    (partial / "tokens_valid.npy").unlink()
    with pytest.raises(MuseforgeError, match="no 'valid' split; present: test, train"):
        evaluate(checkpoint, partial, "valid")
    with pytest.raises(MuseforgeError, match="valid: train, valid, test"):
        evaluate(checkpoint, cache, "dev")
    with pytest.raises(MuseforgeError, match=r"context_len must be an integer in \[2, 24\]"):
        evaluate(checkpoint, cache, "test", context_len=100)
    with pytest.raises(MuseforgeError, match=r"stride must be in \[1, 22\]"):
        evaluate(checkpoint, cache, "test", stride=50)
    with pytest.raises(MuseforgeError, match="max_pieces"):
        evaluate(checkpoint, cache, "test", max_pieces=0)
    with pytest.raises(MuseforgeError, match="not a composer checkpoint"):
        evaluate(tmp_path, cache, "test")
    big = Composer(ComposerConfig.debug(vocab_size=32, context_len=CTX)).save(tmp_path / "small_vocab")
    with pytest.raises(MuseforgeError, match="different tokenizers"):
        evaluate(big, cache, "test")
    assert main(["--checkpoint", str(checkpoint), "--data", str(tmp_path / "nope")]) == 2
    assert "error: token cache" in capsys.readouterr().err
