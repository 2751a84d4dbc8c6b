"""The composer model on its debug preset: shapes, causality, KV cache, determinism, save/load, errors."""

from __future__ import annotations

import pytest
import torch

from museforge.errors import MuseforgeError
from museforge.music.models.transformer import Composer, ComposerConfig, KVCache, load_for_generation, quantize_int8

SCHEMES = ["rope", "alibi", "learned"]


def make(position: str = "rope", seed: int = 0, **overrides) -> Composer:
    torch.manual_seed(seed)
    return Composer(ComposerConfig.debug(position=position, **overrides)).eval()


def ids(batch: int, length: int, seed: int = 1, vocab: int = 64) -> torch.Tensor:
    return torch.randint(3, vocab, (batch, length), generator=torch.Generator().manual_seed(seed))


@pytest.mark.parametrize("position", SCHEMES)
def test_forward_shapes_and_loss(position):
    model = make(position)
    x, y = ids(3, 17), ids(3, 17, seed=5)
    logits, loss = model(x, y)
    assert logits.shape == (3, 17, 64)
    assert loss.shape == () and torch.isfinite(loss)
    # An untrained model is close to uniform over the vocabulary.
    assert abs(loss.item() - torch.log(torch.tensor(64.0)).item()) < 0.3


def test_loss_ignores_pad_targets():
    model = make()
    x = ids(2, 12)
    y = x.clone()
    _, loss_full = model(x, y)
    y[:, 6:] = model.cfg.pad_id
    logits, loss_part = model(x, y)
    expected = torch.nn.functional.cross_entropy(logits[:, :6].reshape(-1, 64), y[:, :6].reshape(-1))
    assert torch.allclose(loss_part, expected, atol=1e-6)
    assert not torch.allclose(loss_part, loss_full)


@pytest.mark.parametrize("position", SCHEMES)
def test_future_tokens_do_not_change_past_logits(position):
    model = make(position)
    a = ids(1, 20)
    b = a.clone()
    b[0, 12:] = ids(1, 8, seed=9)[0]
    with torch.no_grad():
        la, _ = model(a)
        lb, _ = model(b)
    assert torch.allclose(la[:, :12], lb[:, :12], atol=1e-6)
    assert not torch.allclose(la[:, 12:], lb[:, 12:], atol=1e-3)


@pytest.mark.parametrize("position", SCHEMES)
def test_kv_cache_decoding_equals_full_forward(position):
    model = make(position)
    x = ids(2, 24)
    with torch.no_grad():
        full, _ = model(x)
        cache = KVCache(model.cfg, 2, 24, torch.float32, torch.device("cpu"))
        parts = [model(x[:, :9], cache=cache)[0], model(x[:, 9:15], cache=cache)[0]]  # prefill in two chunks
        parts += [model(x[:, t:t + 1], cache=cache)[0] for t in range(15, 24)]  # then one token at a time
    assert cache.length == 24
    assert torch.allclose(torch.cat(parts, dim=1), full, atol=1e-5)


def test_greedy_generation_matches_step_by_step_argmax():
    model = make()
    prompt = ids(1, 5)
    out = model.generate(prompt, max_new_tokens=10, temperature=0.0, stop_at_eos=False)
    seq = prompt.clone()
    with torch.no_grad():
        for _ in range(10):
            nxt = model(seq)[0][:, -1].argmax(-1, keepdim=True)
            seq = torch.cat([seq, nxt], dim=1)
    assert torch.equal(out, seq[:, 5:])
    # top_k=1 sampling is greedy whatever the temperature and seed.
    assert torch.equal(model.generate(prompt, max_new_tokens=10, top_k=1, seed=7, stop_at_eos=False), out)


@pytest.mark.parametrize("batch", [1, 8])
def test_generation_is_seeded(batch):
    model = make()
    prompt = ids(batch, 6)
    kwargs = dict(max_new_tokens=20, temperature=1.5, top_p=0.95, top_k=40, stop_at_eos=False)
    a = model.generate(prompt, seed=3, **kwargs)
    b = model.generate(prompt, seed=3, **kwargs)
    c = model.generate(prompt, seed=4, **kwargs)
    assert a.shape == (batch, 20) and a.dtype == torch.long
    assert torch.equal(a, b)
    assert not torch.equal(a, c)


def test_logits_processor_constrains_every_step():
    model = make()
    allowed = torch.arange(10, 20)
    calls = []

    def only_allowed(step, seq, logits):
        calls.append((step, seq.shape[1]))
        masked = torch.full_like(logits, float("-inf"))
        masked[:, allowed] = logits[:, allowed]
        return masked

    out = model.generate(ids(8, 4), max_new_tokens=12, seed=0, logits_processor=only_allowed)
    assert out.shape == (8, 12)
    assert bool(((out >= 10) & (out < 20)).all())
    assert calls == [(s, 4 + s) for s in range(12)]  # sees the prompt plus every token so far


def test_generation_stops_rows_at_eos_and_pads():
    model = make()
    eos, pad = model.cfg.eos_id, model.cfg.pad_id

    def eos_at(step, seq, logits):
        forced = torch.full_like(logits, float("-inf"))
        forced[0, eos if step == 2 else 30] = 0.0  # row 0 ends on its third token
        forced[1, eos if step == 5 else 31] = 0.0  # row 1 on its sixth
        return forced

    out = model.generate(ids(2, 3), max_new_tokens=50, seed=0, logits_processor=eos_at)
    assert out.shape == (2, 6)  # stops once every row has ended
    assert out[0].tolist() == [30, 30, eos, pad, pad, pad]
    assert out[1].tolist() == [31] * 5 + [eos]


def test_save_load_round_trip(tmp_path):
    model = make("alibi", n_layer=3)
    model.save(tmp_path / "ckpt")
    loaded = Composer.load(tmp_path / "ckpt")
    assert loaded.cfg == model.cfg
    assert loaded.head.weight.data_ptr() == loaded.tok_emb.weight.data_ptr()  # still tied
    x = ids(2, 16)
    with torch.no_grad():
        assert torch.equal(model(x)[0], loaded(x)[0])
    assert torch.equal(model.generate(x, max_new_tokens=8, seed=1), loaded.generate(x, max_new_tokens=8, seed=1))


def test_bfloat16_inference_runs_and_tracks_float32():
    model = make()
    fast = make().to(torch.bfloat16)
    x = ids(1, 16)
    with torch.no_grad():
        ref, low = model(x)[0], fast(x)[0].float()
    assert (ref - low).abs().max() < 0.05
    assert fast.generate(x, max_new_tokens=8, seed=0).shape == (1, 8)


def test_int8_decoding_model_tracks_the_full_precision_one():
    model = make(d_model=64, n_head=2)
    fast = quantize_int8(model)
    assert fast.head.weight.dtype == torch.int8 and model.head.weight.dtype == torch.float32  # a copy
    x = ids(2, 24)
    with torch.no_grad():
        p_full, p_int8 = model(x)[0].softmax(-1), fast(x)[0].float().softmax(-1)
    assert (p_full - p_int8).abs().sum(-1).max() < 0.05  # total variation per position
    out = fast.generate(x, max_new_tokens=8, seed=2)
    assert out.shape == (2, 8) and torch.equal(out, fast.generate(x, max_new_tokens=8, seed=2))


def test_load_for_generation_is_the_int8_model_of_the_checkpoint(tmp_path):
    model = make(d_model=64, n_head=2)
    model.save(tmp_path / "ckpt")
    fast = load_for_generation(tmp_path / "ckpt")
    assert fast.blocks[0].mlp.up.weight.dtype == torch.int8 and fast.head.weight.dtype == torch.int8
    x = ids(2, 16)
    with torch.no_grad():
        assert torch.equal(fast(x)[0], quantize_int8(model)(x)[0])
    again = quantize_int8(model).generate(x, max_new_tokens=8, seed=3)
    assert torch.equal(fast.generate(x, max_new_tokens=8, seed=3), again)
    assert load_for_generation(tmp_path / "ckpt") is fast  # loaded once per process
    other = make(d_model=64, n_head=2, seed=9)
    other.save(tmp_path / "ckpt")  # new weights in the same place: reloaded
    reloaded = load_for_generation(tmp_path / "ckpt")
    assert reloaded is not fast and not torch.equal(reloaded(x)[0], fast(x)[0])


def test_default_config_size_and_json_round_trip(tmp_path):
    cfg = ComposerConfig(vocab_size=400)
    n = Composer(cfg).num_params()
    assert 4.5e6 < n < 5.2e6  # 6 layers x 256 wide, tied embeddings
    cfg.to_json(tmp_path / "c.json")
    assert ComposerConfig.from_json(tmp_path / "c.json") == cfg


@pytest.mark.parametrize("bad, match", [
    (dict(prompt_ids=[[1, 2], [3]]), "equal-length"),
    (dict(prompt_ids=[]), "non-empty"),
    (dict(prompt_ids=[1, 99]), r"\[0, 63\]"),
    (dict(prompt_ids=[1, 2], max_new_tokens=0), ">= 1"),
    (dict(prompt_ids=[1] * 60, max_new_tokens=10), "context_len 64"),
    (dict(prompt_ids=[1, 2], temperature=-1.0), "temperature"),
    (dict(prompt_ids=[1, 2], top_p=0.0), "top_p"),
])
def test_generate_rejects_bad_input(bad, match):
    args = {"max_new_tokens": 4, **bad}
    with pytest.raises(MuseforgeError, match=match):
        make().generate(args.pop("prompt_ids"), **args)


def test_bad_configs_and_checkpoints_are_user_errors(tmp_path):
    with pytest.raises(MuseforgeError, match="valid: alibi, learned, rope"):
        ComposerConfig.debug(position="sinusoid")
    with pytest.raises(MuseforgeError, match="n_head"):
        ComposerConfig.debug(d_model=30, n_head=4)
    with pytest.raises(MuseforgeError, match="missing config.json, model.safetensors"):
        Composer.load(tmp_path)
    with pytest.raises(MuseforgeError, match="learned positions"):
        make("learned")(ids(1, 65))
