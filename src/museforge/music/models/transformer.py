"""The composer: a decoder-only Transformer over music tokens.

Pre-norm blocks (LayerNorm -> attention / MLP -> residual), tied input/output embeddings, one of three
position schemes (RoPE by default, chosen by measurement: see docs/position_scheme.md), PyTorch's
fused ``scaled_dot_product_attention`` and a preallocated KV cache for incremental decoding.

Shapes: B batch, T time (tokens), C d_model, H heads, D head_dim = C // H, V vocab_size.
The model owns weights and ``generate``; training lives in ``museforge.music.train``.
"""

from __future__ import annotations

import json
import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, fields
from pathlib import Path

import torch
import torch.nn.functional as F
from torch import nn

from museforge.errors import MuseforgeError, check_choice

POSITION_SCHEMES = ("rope", "alibi", "learned")
CONFIG_FILE = "config.json"
WEIGHTS_FILE = "model.safetensors"

#: (step, ids [B, T_so_far], logits [B, V] float32) -> logits [B, V]; grammar constraints plug in here.
LogitsProcessor = Callable[[int, torch.Tensor, torch.Tensor], torch.Tensor]


@dataclass
class ComposerConfig:
    """Architecture of the composer. Saved as JSON beside the weights."""

    vocab_size: int = 512        # set from the tokenizer's vocab.json when training
    context_len: int = 1024      # tokens the model is trained on (~16-32 bars of 4-track REMI)
    n_layer: int = 6             # depth
    n_head: int = 4              # attention heads; head_dim = d_model // n_head = 64
    d_model: int = 256           # width: 4.9M params, sized for a few hours on 2 CPU cores (docs/position_scheme.md)
    mlp_ratio: int = 4           # hidden width of the MLP = mlp_ratio * d_model
    dropout: float = 0.1         # small corpus (a few M tokens): regularise; 0 at inference anyway
    position: str = "rope"       # rope | alibi | learned
    rope_base: float = 10000.0   # RoPE frequency base
    pad_id: int = 0              # ignored by the loss
    bos_id: int = 1
    eos_id: int = 2
    fim: bool = False            # trained on fill-in-the-middle rows: infill may show it the bars after a gap

    def __post_init__(self) -> None:
        check_choice("position scheme", self.position, POSITION_SCHEMES)
        if self.d_model % self.n_head or (self.d_model // self.n_head) % 2:
            raise MuseforgeError(f"d_model ({self.d_model}) must split into n_head ({self.n_head}) even head sizes")

    @classmethod
    def debug(cls, **overrides: object) -> ComposerConfig:
        """A tiny preset that builds and runs in milliseconds: for tests and smoke runs."""
        base = dict(vocab_size=64, context_len=64, n_layer=2, n_head=2, d_model=32, dropout=0.0)
        return cls(**{**base, **overrides})

    def to_json(self, path: str | Path) -> None:
        Path(path).write_text(json.dumps(asdict(self), indent=2) + "\n")

    @classmethod
    def from_json(cls, path: str | Path) -> ComposerConfig:
        data = json.loads(Path(path).read_text())
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise MuseforgeError(f"{path}: unknown config keys {unknown}; valid: {sorted(known)}")
        return cls(**data)


class KVCache:
    """Preallocated keys/values for every layer, so decoding never re-concatenates tensors.

    ``generate`` keeps it in float32 whatever the model's dtype: a decoding step attends in fp32, and
    storing bf16 keys would mean converting the whole cache every step (bf16 -> fp32 is exact, so the
    result is the same, only faster)."""

    def __init__(self, cfg: ComposerConfig, batch: int, max_len: int, dtype: torch.dtype, device: torch.device):
        head_dim = cfg.d_model // cfg.n_head
        shape = (cfg.n_layer, batch, cfg.n_head, max_len, head_dim)
        self.k = torch.zeros(shape, dtype=dtype, device=device)  # [L, B, H, max_len, D]
        self.v = torch.zeros(shape, dtype=dtype, device=device)
        self.length = 0  # tokens already stored (the position of the next token)

    def update(self, layer: int, k: torch.Tensor, v: torch.Tensor, start: int) -> tuple[torch.Tensor, torch.Tensor]:
        """Store k, v [B, H, T, D] at ``start`` and return all keys/values so far [B, H, start+T, D]."""
        end = start + k.shape[2]
        self.k[layer, :, :, start:end] = k
        self.v[layer, :, :, start:end] = v
        return self.k[layer, :, :, :end], self.v[layer, :, :, :end]


def rope_tables(head_dim: int, positions: torch.Tensor, base: float) -> tuple[torch.Tensor, torch.Tensor]:
    """cos, sin [T, D] for rotating pairs (i, i + D/2) of each head by position * frequency."""
    inv_freq = 1.0 / (base ** (torch.arange(0, head_dim, 2, dtype=torch.float32) / head_dim))  # [D/2]
    angles = positions.float()[:, None] * inv_freq[None, :]  # [T, D/2]
    angles = torch.cat([angles, angles], dim=-1)  # [T, D]
    return angles.cos(), angles.sin()


def apply_rope(x: torch.Tensor, cos: torch.Tensor, sin: torch.Tensor) -> torch.Tensor:
    """Rotate x [B, H, T, D] by the tables [T, D] (the "rotate half" formulation of RoFormer)."""
    half = x.shape[-1] // 2
    rotated = torch.cat([-x[..., half:], x[..., :half]], dim=-1)
    # In x's dtype: under bf16 autocast an fp32 product would double the memory traffic of this step.
    return x * cos.to(x.dtype) + rotated * sin.to(x.dtype)


def alibi_slopes(n_head: int) -> torch.Tensor:
    """Per-head slopes 2^(-8 h / H), h = 1..H (Press et al. 2022; exact for powers of two)."""
    return torch.tensor([2.0 ** (-8.0 * (h + 1) / n_head) for h in range(n_head)])


class Attention(nn.Module):
    def __init__(self, cfg: ComposerConfig):
        super().__init__()
        self.n_head, self.head_dim = cfg.n_head, cfg.d_model // cfg.n_head
        self.qkv = nn.Linear(cfg.d_model, 3 * cfg.d_model, bias=False)  # one fused matmul for q, k, v
        self.proj = nn.Linear(cfg.d_model, cfg.d_model, bias=False)

    def forward(self, x: torch.Tensor, start: int, rope: tuple | None, alibi: torch.Tensor | None,
                cache: KVCache | None, layer: int) -> torch.Tensor:
        B, T, C = x.shape
        qkv = self.qkv(x).view(B, T, 3, self.n_head, self.head_dim).permute(2, 0, 3, 1, 4)  # [3, B, H, T, D]
        if rope is not None:
            q, k = apply_rope(qkv[:2], *rope)  # q and k rotated in one pass (per-op overhead rules decoding)
            v = qkv[2]
        else:
            q, k, v = qkv
        if cache is not None:
            k, v = cache.update(layer, k, v, start)  # [B, H, start+T, D]
        if T == 1 and alibi is None:
            # One decoding step attends in fp32 over the fp32 cache: PyTorch 2.13's fused kernel takes 0.6x
            # the time of two batched matmuls at batch 1 and 0.8-0.9x at batch 8 (in bf16 it is 3-6x slower).
            y = F.scaled_dot_product_attention(q.float(), k.float(), v.float()).to(q.dtype)  # [B, H, 1, D]
            return self.proj(y.transpose(1, 2).reshape(B, T, C))
        k, v = k.to(q.dtype), v.to(q.dtype)  # an fp32 cache under a bf16 model: exact round trip
        mask, causal = None, False
        if alibi is not None:
            mask = alibi.to(q.dtype)  # [H, T, start+T], causal part already -inf
        elif T > 1 and start == 0:
            causal = True  # the fused kernel's own causal path
        elif T > 1:
            # Chunked prefill after a cached prefix: query i (absolute start+i) sees keys 0..start+i.
            mask = torch.ones(T, start + T, dtype=torch.bool, device=x.device).tril(diagonal=start)
        # No dropout on attention weights: it forces the unfused O(T^2)-memory kernel on CPU (4x slower);
        # the residual and MLP dropout regularise instead.
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=mask, is_causal=causal)  # [B, H, T, D]
        return self.proj(y.transpose(1, 2).reshape(B, T, C))


class MLP(nn.Module):
    def __init__(self, cfg: ComposerConfig):
        super().__init__()
        self.up = nn.Linear(cfg.d_model, cfg.mlp_ratio * cfg.d_model, bias=False)
        self.down = nn.Linear(cfg.mlp_ratio * cfg.d_model, cfg.d_model, bias=False)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        y = self.down(F.gelu(self.up(x), approximate="tanh"))
        return self.drop(y) if self.training else y


class Block(nn.Module):
    def __init__(self, cfg: ComposerConfig):
        super().__init__()
        self.norm1 = nn.LayerNorm(cfg.d_model, bias=False)
        self.attn = Attention(cfg)
        self.norm2 = nn.LayerNorm(cfg.d_model, bias=False)
        self.mlp = MLP(cfg)
        self.drop = nn.Dropout(cfg.dropout)

    def forward(self, x, start, rope, alibi, cache, layer):
        a = self.attn(self.norm1(x), start, rope, alibi, cache, layer)
        x = x + (self.drop(a) if self.training else a)  # skip the no-op module call when decoding
        return x + self.mlp(self.norm2(x))


class Composer(nn.Module):
    """Decoder-only Transformer language model over music tokens."""

    def __init__(self, cfg: ComposerConfig):
        super().__init__()
        self.cfg = cfg
        self.tok_emb = nn.Embedding(cfg.vocab_size, cfg.d_model)
        self.pos_emb = nn.Embedding(cfg.context_len, cfg.d_model) if cfg.position == "learned" else None
        self.drop = nn.Dropout(cfg.dropout)
        self.blocks = nn.ModuleList(Block(cfg) for _ in range(cfg.n_layer))
        self.norm = nn.LayerNorm(cfg.d_model, bias=False)
        self.head = nn.Linear(cfg.d_model, cfg.vocab_size, bias=False)
        self.head.weight = self.tok_emb.weight  # tied: the vocab is small, the embedding is shared knowledge
        self.register_buffer("slopes", alibi_slopes(cfg.n_head), persistent=False)  # [H]
        # RoPE tables for the trained context, so decoding a token doesn't recompute them: [context_len, D].
        cos, sin = rope_tables(cfg.d_model // cfg.n_head, torch.arange(cfg.context_len), cfg.rope_base)
        self.register_buffer("rope_cos", cos, persistent=False)
        self.register_buffer("rope_sin", sin, persistent=False)
        self.apply(self._init_weights)
        for name, p in self.named_parameters():
            if name.endswith(("proj.weight", "down.weight")):
                # GPT-2: residual writes scaled so the stream's variance doesn't grow with depth.
                nn.init.normal_(p, mean=0.0, std=0.02 / math.sqrt(2 * cfg.n_layer))

    @staticmethod
    def _init_weights(m: nn.Module) -> None:
        if isinstance(m, (nn.Linear, nn.Embedding)):
            nn.init.normal_(m.weight, mean=0.0, std=0.02)

    def num_params(self) -> int:
        return sum(p.numel() for p in self.parameters())

    def _positions(self, start: int, T: int, device: torch.device):
        """Position inputs for tokens start..start+T-1: (rope tables, alibi bias [H, T, start+T])."""
        cfg = self.cfg
        if cfg.position == "learned" and start + T > cfg.context_len:
            raise MuseforgeError(f"learned positions stop at context_len={cfg.context_len}; got {start + T} tokens")
        pos = torch.arange(start, start + T, device=device)
        if cfg.position == "rope":
            if start + T <= cfg.context_len:
                return (self.rope_cos[start:start + T], self.rope_sin[start:start + T]), None
            return rope_tables(cfg.d_model // cfg.n_head, pos, cfg.rope_base), None  # extrapolating
        if cfg.position == "alibi":
            keys = torch.arange(start + T, device=device)
            dist = (pos[:, None] - keys[None, :]).float()  # [T, start+T], >= 0 for visible keys
            bias = -self.slopes[:, None, None] * dist  # [H, T, start+T]
            return None, bias.masked_fill(dist < 0, float("-inf"))
        return None, None

    def forward(self, idx: torch.Tensor, targets: torch.Tensor | None = None, *,
                cache: KVCache | None = None) -> tuple[torch.Tensor, torch.Tensor | None]:
        """Logits [B, T, V] for ids [B, T]; with ``targets`` [B, T] also the mean loss over non-pad targets.

        With a ``cache`` the ids continue the cached sequence (positions start at ``cache.length``).
        """
        B, T = idx.shape
        start = cache.length if cache is not None else 0
        rope, alibi = self._positions(start, T, idx.device)
        x = self.tok_emb(idx)  # [B, T, C]
        if self.pos_emb is not None:
            x = x + self.pos_emb(torch.arange(start, start + T, device=idx.device))
        if self.training:
            x = self.drop(x)
        for i, block in enumerate(self.blocks):
            x = block(x, start, rope, alibi, cache, i)
        if cache is not None:
            cache.length = start + T
        logits = self.head(self.norm(x))  # [B, T, V]
        if targets is None:
            return logits, None
        loss = F.cross_entropy(logits.float().view(-1, logits.shape[-1]), targets.reshape(-1),
                               ignore_index=self.cfg.pad_id)
        return logits, loss

    @torch.inference_mode()
    def generate(self, prompt_ids: Sequence[int] | Sequence[Sequence[int]] | torch.Tensor, *,
                 max_new_tokens: int, temperature: float = 1.0, top_k: int = 0, top_p: float = 1.0,
                 seed: int = 0, logits_processor: LogitsProcessor | None = None,
                 stop_at_eos: bool = True) -> torch.Tensor:
        """Sample continuations of one prompt [T] or a batch of equal-length prompts [B, T].

        Args:
            prompt_ids: token ids; the prompt is NOT repeated in the output.
            max_new_tokens: tokens to add; prompt + new must fit in ``context_len`` (slide a window for more).
            temperature: 0 means greedy (argmax); otherwise logits are divided by it.
            top_k: keep only the k most likely tokens (0 = off).
            top_p: keep the smallest set of tokens whose probability reaches p (1.0 = off).
            seed: same seed + prompt + weights = identical output.
            logits_processor: called as ``(step, ids [B, T+step], logits [B, V]) -> logits`` before sampling;
                set disallowed tokens to -inf to constrain the grammar.
            stop_at_eos: stop a row at ``eos_id`` (later tokens are ``pad_id``); stop when all rows have.

        Returns:
            New tokens [B, N] (int64), N <= max_new_tokens (shorter only if every row ended).
        """
        cfg = self.cfg
        try:
            idx = prompt_ids.long() if torch.is_tensor(prompt_ids) else torch.as_tensor(prompt_ids, dtype=torch.long)
        except (ValueError, TypeError):
            raise MuseforgeError("prompt_ids must be a list of ids or a list of equal-length id lists") from None
        idx = idx[None] if idx.dim() == 1 else idx
        if idx.dim() != 2 or idx.shape[1] == 0:
            raise MuseforgeError("prompt_ids must be a non-empty list of ids or a [batch, length] list of equal rows")
        if int(idx.min()) < 0 or int(idx.max()) >= cfg.vocab_size:
            raise MuseforgeError(f"prompt token ids must be in [0, {cfg.vocab_size - 1}]")
        if not isinstance(max_new_tokens, int) or max_new_tokens < 1:
            raise MuseforgeError(f"max_new_tokens must be an integer >= 1, got {max_new_tokens!r}")
        if idx.shape[1] + max_new_tokens > cfg.context_len:
            raise MuseforgeError(f"prompt ({idx.shape[1]}) + max_new_tokens ({max_new_tokens}) must be <= "
                                 f"context_len {cfg.context_len}")
        if temperature < 0 or top_k < 0 or not 0.0 < top_p <= 1.0:
            raise MuseforgeError("need temperature >= 0, top_k >= 0 (0 = off) and 0 < top_p <= 1")

        was_training = self.training
        self.eval()
        device = self.tok_emb.weight.device
        idx = idx.to(device)
        B, T = idx.shape
        gen = torch.Generator(device="cpu").manual_seed(int(seed))
        cache = KVCache(cfg, B, T + max_new_tokens, torch.float32, device)  # fp32: see KVCache
        ids = torch.empty(B, T + max_new_tokens, dtype=torch.long, device=device)  # [B, T+N], filled as we go
        ids[:, :T] = idx
        done = torch.zeros(B, dtype=torch.bool, device=device)
        logits, _ = self(idx, cache=cache)  # prefill: [B, T, V]
        n = 0
        for step in range(max_new_tokens):
            last = logits[:, -1, :].float()  # [B, V]
            if logits_processor is not None:
                last = logits_processor(step, ids[:, :T + step], last)
            nxt = _sample(last, temperature, top_k, top_p, gen)  # [B]
            if stop_at_eos:
                nxt = torch.where(done, torch.full_like(nxt, cfg.pad_id), nxt)
                done |= nxt == cfg.eos_id
            ids[:, T + step] = nxt
            n = step + 1
            if stop_at_eos and bool(done.all()) or step == max_new_tokens - 1:
                break
            logits, _ = self(nxt[:, None], cache=cache)  # one token: [B, 1, V]
        self.train(was_training)
        return ids[:, T:T + n].cpu()

    def save(self, directory: str | Path) -> Path:
        """Write config.json + model.safetensors into ``directory``; returns it."""
        from safetensors.torch import save_model

        out = Path(directory)
        out.mkdir(parents=True, exist_ok=True)
        self.cfg.to_json(out / CONFIG_FILE)
        save_model(self, str(out / WEIGHTS_FILE))
        return out

    @classmethod
    def load(cls, directory: str | Path, dtype: torch.dtype = torch.float32) -> Composer:
        """Load a model saved by :meth:`save`, in eval mode. ``torch.bfloat16`` halves the memory read
        per generated token, which is what bounds decoding speed on a CPU."""
        from safetensors.torch import load_model

        src = Path(directory)
        missing = [name for name in (CONFIG_FILE, WEIGHTS_FILE) if not (src / name).is_file()]
        if missing:
            raise MuseforgeError(f"{src} is not a composer checkpoint: missing {', '.join(missing)}")
        model = cls(ComposerConfig.from_json(src / CONFIG_FILE))
        load_model(model, str(src / WEIGHTS_FILE))
        return model.to(dtype).eval()


class Int8Linear(nn.Module):
    """Int8 linear (per-output-channel weight scales) for decoding, where reading the weights once per
    token is the cost: a quarter of fp32's memory traffic.

    One row (batch 1 decoding): weight-only int8 with bfloat16 activations (``_weight_int8pack_mm``).
    Several rows (a batch of variations, a prompt): fbgemm's int8 GEMM with activations quantised per
    call (``quantized.linear_dynamic``, as ``torch.ao`` dynamic quantisation runs it): 2.0-2.5x faster
    than the weight-only kernel at 8 rows, 0-30 % slower at one (the composer's four shapes, one
    thread, 2026-12-06). Held-out loss over 131,079 test tokens: fp32 1.0234, weight-only 1.0234, this
    1.0242 nats per token (prompts and teacher forcing take the several-row path).
    """

    def __init__(self, weight: torch.Tensor):
        super().__init__()
        w = weight.detach().float()  # [out, in]
        scale = w.abs().amax(dim=1).clamp(min=1e-12) / 127.0  # [out]
        self.register_buffer("weight", (w / scale[:, None]).round().clamp(-127, 127).to(torch.int8))
        self.register_buffer("scale", scale.to(torch.bfloat16))
        with warnings.catch_warnings():  # quantized tensors are announced as moving to torchao
            warnings.simplefilter("ignore")
            packed = torch._make_per_channel_quantized_tensor(
                self.weight, scale.double(), torch.zeros(len(scale), dtype=torch.long), 0)
            self._packed = torch.ops.quantized.linear_prepack(packed, None)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        flat = x.reshape(-1, x.shape[-1])  # [N, in]
        if flat.shape[0] == 1:
            y = torch.ops.aten._weight_int8pack_mm(flat.to(torch.bfloat16), self.weight, self.scale)  # [1, out]
        else:  # reduce_range: 7-bit activations, fbgemm's guard against int16 overflow in its kernels
            y = torch.ops.quantized.linear_dynamic(flat.float(), self._packed, True).to(torch.bfloat16)
        return y.view(*x.shape[:-1], -1)


def quantize_int8(model: Composer) -> Composer:
    """A bfloat16 copy of ``model`` whose linear layers (and output head) hold int8 weights: for fast
    generation (see bench/composer_speed.py); train and save the full-precision model."""
    import copy

    q = copy.deepcopy(model).to(torch.bfloat16).eval()
    for block in q.blocks:
        for parent, name in ((block.attn, "qkv"), (block.attn, "proj"), (block.mlp, "up"), (block.mlp, "down")):
            setattr(parent, name, Int8Linear(getattr(parent, name).weight))
    q.head = Int8Linear(q.tok_emb.weight)  # untied: the embedding lookup stays bfloat16
    return q


def load_for_generation(directory: str | Path) -> Composer:
    """A saved checkpoint as compose uses it (CLI, Python API): :func:`quantize_int8` of its weights.

    Measured on the trained composer: held-out loss per token equal to fp32's within 0.001 nats on the
    same test pieces, 1.2x less CPU per token in a whole compose (grammar and sampling are not quantised)
    and ~2x in raw decoding (docs/composer_speed.md). Training and evaluation use :meth:`Composer.load`.
    The model is kept for the process until its weights file changes (decoding does not modify it).
    """
    weights = Path(directory) / WEIGHTS_FILE
    if not weights.is_file():
        return quantize_int8(Composer.load(directory))  # raises the "not a composer checkpoint" error
    stat = weights.stat()
    key = (str(weights.resolve()), stat.st_mtime_ns, stat.st_size)
    if key not in _GENERATION_MODELS:  # one per process: a loop of compose calls loads it once
        _GENERATION_MODELS.clear()
        _GENERATION_MODELS[key] = quantize_int8(Composer.load(directory))
    return _GENERATION_MODELS[key]


_GENERATION_MODELS: dict[tuple, Composer] = {}  # (weights path, mtime, size) -> int8 model; reloaded on change


def _sample(logits: torch.Tensor, temperature: float, top_k: int, top_p: float,
            gen: torch.Generator) -> torch.Tensor:
    """Pick one id per row of logits [B, V] -> [B]."""
    if temperature == 0:
        return logits.argmax(dim=-1)
    if temperature != 1.0:
        logits = logits / temperature
    if 0 < top_k < logits.shape[-1]:
        kth = torch.topk(logits, top_k, dim=-1).values[:, -1:]  # [B, 1]
        logits = logits.masked_fill(logits < kth, float("-inf"))
    if top_p < 1.0:
        sorted_logits, order = torch.sort(logits, dim=-1, descending=True)
        p_sorted = sorted_logits.softmax(dim=-1)
        drop = p_sorted.cumsum(dim=-1) - p_sorted >= top_p  # tokens after the nucleus is already full
        logits = logits.masked_fill(drop.scatter(-1, order, drop), float("-inf"))
    # Inverse transform sampling: one uniform draw per row against the cumulative distribution
    # (torch.multinomial draws an exponential per vocabulary entry: 4x the time at this size).
    cdf = logits.float().softmax(dim=-1).cumsum(dim=-1).cpu()  # [B, V]
    total = cdf[:, -1:].contiguous()
    picked = torch.searchsorted(cdf, torch.rand((cdf.shape[0], 1), generator=gen) * total, right=True)
    last = torch.searchsorted(cdf, total)  # the last token with probability > 0 (if rounding reaches the total)
    return torch.minimum(picked, last).squeeze(-1).to(logits.device)
