"""Held-out evaluation of a composer checkpoint on the token cache, for its model card.

    python -m museforge.music.evaluate --checkpoint DIR --data CACHE [--split test] [--json out.json]

Every piece of the split is scored teacher-forced: the summed negative log-likelihood (nats) of its
*body* tokens (everything after the control prefix, EOS included). The controls are what a user
types, so they are given, never scored. A piece longer than the context is cut into windows that each
repeat the control prefix, exactly as training sees long pieces; each body token is scored once:

* ``stride=None`` (default): non-overlapping body chunks of ``context_len + 1 - prefix_len`` tokens,
  the same cut as the trainer's validation rows. The first tokens of a later chunk see only the
  controls, so this slightly overstates the loss of a model that would use more history.
* ``stride=S``: each window scores the next S body tokens and fills the rest of the context with
  the tokens before them (sliding window, as generation of long pieces works); costlier, closer to
  the loss with full history.

Windows start wherever the cut falls, not on bar lines (training windows start on bars). Scoring is
fp32 under ``torch.inference_mode``, deterministic for a given checkpoint, cache and arguments.
Figures per style and overall: loss per token (nats), loss per note (total NLL / notes; notes from
the manifest's ``n_notes``, else counted as ``Pitch*`` tokens), perplexity = exp(loss per token).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from collections.abc import Sequence
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from museforge.errors import MuseforgeError
from museforge.music.token_data import SPLITS, TokenCorpus

BATCH_WINDOWS = 4  # windows per forward pass: enough to amortise overhead, small enough for memory


def windows_for_piece(tokens: np.ndarray, prefix_len: int, context_len: int,
                      stride: int | None = None) -> list[tuple[np.ndarray, int]]:
    """Cut one piece into scoring windows.

    Args:
        tokens: the whole piece (BOS, controls, body, EOS).
        prefix_len: length of BOS + controls, repeated at the start of every window.
        context_len: model inputs per window; a window holds ``context_len + 1`` tokens (inputs + last target).
        stride: body tokens scored per window after the first; None = non-overlapping chunks.

    Returns:
        (window tokens, n_scored) pairs: the window's last ``n_scored`` targets are the body tokens it scores.
    """
    toks = np.asarray(tokens, dtype=np.int64)
    room = context_len + 1 - prefix_len  # body tokens that fit in one window
    if room < 1:
        raise MuseforgeError(f"control prefix ({prefix_len} tokens) does not fit in context_len {context_len}")
    step = room if stride is None else stride
    if not 1 <= step <= room:
        raise MuseforgeError(f"stride must be in [1, {room}] (context_len + 1 - prefix length), got {stride}")
    prefix, body = toks[:prefix_len], toks[prefix_len:]
    out, end = [], 0
    while end < len(body):
        new_end = min(len(body), room if end == 0 else end + step)
        # Sliding: history before the scored tokens, as much as fits; non-overlapping: none.
        begin = end if stride is None else max(0, new_end - room)
        out.append((np.concatenate([prefix, body[begin:new_end]]), new_end - end))
        end = new_end
    return out


def _notes_per_piece(root: Path, split: str, corpus: TokenCorpus) -> tuple[list[int], str]:
    """Notes of each piece in cache order: the manifest's ``n_notes``, else a count of Pitch* tokens."""
    path = root / "manifest.jsonl"
    if path.is_file():
        rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
        rows = [r for r in rows if r.get("split") == split]
        if len(rows) == len(corpus) and all(isinstance(r.get("n_notes"), int) for r in rows):
            return [int(r["n_notes"]) for r in rows], "manifest"
    vocab = json.loads((root / "vocab.json").read_text())
    pitch_ids = np.array([i for s, i in vocab.get("tokens", {}).items() if s.startswith("Pitch")], dtype=np.int64)
    return [int(np.isin(p.tokens, pitch_ids).sum()) for p in corpus.pieces], "pitch tokens"


def _figures(nll: float, n_pieces: int, n_tokens: int, n_notes: int) -> dict:
    per_token = nll / n_tokens if n_tokens else math.nan
    return {"n_pieces": n_pieces, "n_tokens": n_tokens, "n_notes": n_notes, "nll_nats": nll,
            "loss_per_token": per_token, "loss_per_note": nll / n_notes if n_notes else math.nan,
            "perplexity": math.exp(per_token) if n_tokens else math.nan}


@torch.inference_mode()
def score_windows(model: torch.nn.Module, windows: Sequence[tuple[np.ndarray, int]], pad_id: int,
                  batch_windows: int = BATCH_WINDOWS) -> np.ndarray:
    """Summed NLL (nats, float64) of each window's scored targets, teacher-forced."""
    order = sorted(range(len(windows)), key=lambda i: -len(windows[i][0]))  # similar lengths batch together
    sums = np.zeros(len(windows), dtype=np.float64)
    for start in range(0, len(order), batch_windows):
        part = order[start:start + batch_windows]
        width = len(windows[part[0]][0])  # longest in the batch (sorted)
        rows = torch.full((len(part), width), pad_id, dtype=torch.long)
        scored = torch.zeros(len(part), width - 1, dtype=torch.bool)  # [B, T] over targets
        for j, i in enumerate(part):
            w, n_scored = windows[i]
            rows[j, :len(w)] = torch.from_numpy(w)
            scored[j, len(w) - 1 - n_scored:len(w) - 1] = True
        logits, _ = model(rows[:, :-1])  # [B, T, V]; causal, so right padding changes nothing before it
        nll = F.cross_entropy(logits.float().transpose(1, 2), rows[:, 1:], reduction="none")  # [B, T]
        per_row = (nll.double() * scored).sum(dim=1)
        for j, i in enumerate(part):
            sums[i] = float(per_row[j])
    return sums


def evaluate(checkpoint_dir: str | Path, cache_dir: str | Path, split: str = "test", *,
             context_len: int | None = None, max_pieces: int | None = None, stride: int | None = None) -> dict:
    """Held-out loss per token and per note, per style and overall.

    Args:
        checkpoint_dir: a directory written by ``Composer.save`` (config.json + model.safetensors).
        cache_dir: the token cache (tokens_<split>.npy, offsets_<split>.npy, vocab.json, manifest.jsonl).
        split: one of train, valid, test.
        context_len: inputs per window (default and maximum: the model's trained context).
        max_pieces: score only this many pieces, spread evenly over the split (None = all).
        stride: body tokens scored per later window (None = non-overlapping windows; see module doc).

    Returns:
        {"overall": figures, "styles": {style: figures}, plus the settings}; figures are n_pieces,
        n_tokens (scored), n_notes, nll_nats, loss_per_token, loss_per_note, perplexity.
    """
    from museforge.music.models.transformer import Composer

    if split not in SPLITS:
        raise MuseforgeError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
    root = Path(cache_dir)
    if not root.is_dir():
        raise MuseforgeError(f"token cache {root} does not exist (build it with the corpus pipeline first)")
    if not (root / f"tokens_{split}.npy").is_file():
        present = sorted(s for s in SPLITS if (root / f"tokens_{s}.npy").is_file())
        raise MuseforgeError(f"{root} has no {split!r} split; present: {', '.join(present) or 'none'}")
    corpus = TokenCorpus(root, split)
    model = Composer.load(checkpoint_dir)
    cfg = model.cfg
    if corpus.vocab_size > cfg.vocab_size:
        raise MuseforgeError(f"cache vocabulary ({corpus.vocab_size}) is larger than the checkpoint's "
                             f"({cfg.vocab_size}): they come from different tokenizers")
    ctx = cfg.context_len if context_len is None else context_len
    if not isinstance(ctx, int) or not 2 <= ctx <= cfg.context_len:
        raise MuseforgeError(f"context_len must be an integer in [2, {cfg.context_len}], got {context_len!r}")
    if max_pieces is not None and (not isinstance(max_pieces, int) or max_pieces < 1):
        raise MuseforgeError(f"max_pieces must be an integer >= 1, got {max_pieces!r}")
    notes, notes_from = _notes_per_piece(root, split, corpus)
    picked = list(range(len(corpus)))
    if max_pieces is not None and max_pieces < len(corpus):
        picked = sorted(set(np.linspace(0, len(corpus) - 1, max_pieces).round().astype(int).tolist()))

    windows, owner = [], []
    for i in picked:
        p = corpus.pieces[i]
        for w in windows_for_piece(p.tokens, p.prefix_len, ctx, stride):
            windows.append(w)
            owner.append(i)
    sums = score_windows(model, windows, corpus.pad_id)

    acc: dict[str, list] = {}  # style -> [nll, pieces, tokens, notes]
    piece_nll = np.zeros(len(corpus), dtype=np.float64)
    np.add.at(piece_nll, np.asarray(owner, dtype=np.int64), sums)
    for i in picked:
        p = corpus.pieces[i]
        a = acc.setdefault(p.style, [0.0, 0, 0, 0])
        a[0] += float(piece_nll[i])
        a[1] += 1
        a[2] += len(p.tokens) - p.prefix_len
        a[3] += notes[i]
    styles = {s: _figures(*acc[s]) for s in sorted(acc)}
    total = [sum(a[k] for a in acc.values()) for k in range(4)]
    return {"checkpoint": str(checkpoint_dir), "data": str(cache_dir), "split": split, "context_len": ctx,
            "stride": stride, "windows": len(windows), "pieces_in_split": len(corpus),
            "notes_from": notes_from, "overall": _figures(*total), "styles": styles}


def model_card_table(results: dict) -> str:
    """The figures as a GitHub markdown table (one row per style, then the total)."""
    head = ("| style | pieces | tokens | notes | loss / token (nats) | perplexity | loss / note (nats) |\n"
            "|---|---:|---:|---:|---:|---:|---:|\n")

    def row(name: str, f: dict) -> str:
        return (f"| {name} | {f['n_pieces']:,} | {f['n_tokens']:,} | {f['n_notes']:,} | "
                f"{f['loss_per_token']:.3f} | {f['perplexity']:.2f} | {f['loss_per_note']:.2f} |\n")

    body = "".join(row(s, f) for s, f in results["styles"].items())
    stride = "non-overlapping windows" if results["stride"] is None else f"stride {results['stride']}"
    note = (f"\n{results['split']} split, teacher-forced, control prefix not scored; context "
            f"{results['context_len']} tokens, {stride}; notes from {results['notes_from']}.\n")
    return head + body + row("**all**", results["overall"]) + note


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m museforge.music.evaluate", description=__doc__.split("\n")[0])
    p.add_argument("--checkpoint", required=True, help="composer checkpoint directory (config.json + weights)")
    p.add_argument("--data", required=True, help="token cache directory")
    p.add_argument("--split", default="test", help=f"one of {', '.join(SPLITS)} (default test)")
    p.add_argument("--context-len", type=int, help="inputs per window (default: the model's)")
    p.add_argument("--stride", type=int, help="sliding windows scoring this many new tokens (default: none)")
    p.add_argument("--max-pieces", type=int, help="score this many pieces spread over the split")
    p.add_argument("--threads", type=int, default=1, help="torch threads (default 1: a shared machine)")
    p.add_argument("--json", help="also write the results here")
    args = p.parse_args(argv)
    try:
        if args.threads < 1:
            raise MuseforgeError(f"--threads must be >= 1, got {args.threads}")
        torch.set_num_threads(args.threads)
        results = evaluate(args.checkpoint, args.data, args.split, context_len=args.context_len,
                           max_pieces=args.max_pieces, stride=args.stride)
    except MuseforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(model_card_table(results), end="")
    if args.json:
        Path(args.json).write_text(json.dumps(results, indent=2) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
