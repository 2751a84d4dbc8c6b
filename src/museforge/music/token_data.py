"""Training rows from the corpus token cache.

The cache (written by the corpus pipeline, ``.cache/corpus/``) holds per split ``tokens_<split>.npy``
(uint16, all pieces concatenated), ``offsets_<split>.npy`` (int64, n_pieces + 1), plus ``vocab.json``
and ``manifest.jsonl`` (one JSON object per piece with ``split`` and ``labels``).

Every piece is BOS, control tokens (Style_*, Mood_*, Key_*, ...), then REMI bars, then EOS. Pieces are
longer than the context, so a training row is packed from *examples*: a whole short piece, or the
piece's control prefix followed by a window of its body starting on a bar line. Keeping the controls
in every window teaches the model to obey them anywhere, which is what sliding-window generation of
long pieces needs.

With ``fim_rate`` > 0 some examples are rearranged for fill-in-the-middle (infill): controls, the bars
before a gap, MASK, the bars after it, MASK, then the gap's bars and EOS. The model then learns to
write bars that lead into the music after them, which is what regenerating bars i..j needs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from museforge.errors import MuseforgeError

SPLITS = ("train", "valid", "test")
MIN_FRAGMENT = 32  # don't pack a sliver of a piece into the tail of a row; pad instead


@dataclass
class Piece:
    tokens: np.ndarray  # uint16 [n]
    prefix_len: int     # BOS + control tokens, repeated before every window
    bar_starts: np.ndarray  # int64, body offsets (>= prefix_len) of Bar tokens: window starts
    style: str


class TokenCorpus:
    """One split of the token cache, memory-mapped."""

    def __init__(self, directory: str | Path, split: str):
        root = Path(directory)
        if split not in SPLITS:
            raise MuseforgeError(f"unknown split {split!r}; valid: {', '.join(SPLITS)}")
        needed = [root / "vocab.json", root / f"tokens_{split}.npy", root / f"offsets_{split}.npy"]
        missing = [p.name for p in needed if not p.is_file()]
        if missing:
            raise MuseforgeError(f"{root} is not a token cache: missing {', '.join(missing)} "
                                 "(build it with the corpus pipeline first)")
        vocab = json.loads((root / "vocab.json").read_text())
        self.vocab_size = int(vocab["vocab_size"])
        self.pad_id, self.bos_id, self.eos_id = int(vocab["pad_id"]), int(vocab["bos_id"]), int(vocab["eos_id"])
        names = {int(i): s for s, i in vocab.get("tokens", {}).items()}
        self.tokens = np.load(root / f"tokens_{split}.npy", mmap_mode="r")
        offsets = np.load(root / f"offsets_{split}.npy")
        if offsets.ndim != 1 or offsets[0] != 0 or offsets[-1] != len(self.tokens) or np.any(np.diff(offsets) < 1):
            raise MuseforgeError(f"offsets_{split}.npy does not match tokens_{split}.npy (corrupt cache?)")
        styles = _manifest_styles(root / "manifest.jsonl", split, len(offsets) - 1)
        controls_end = vocab.get("controls_end_id")
        bar_ids = np.array(sorted(i for i, s in names.items() if s.startswith("Bar_")), dtype=np.int64)
        self.bar_ids = bar_ids
        self.mask_id = next((i for i, s in names.items() if s == "MASK_None"), None)  # None: no FIM possible
        self.pieces = []
        for i in range(len(offsets) - 1):
            toks = self.tokens[offsets[i]:offsets[i + 1]]
            is_bar = np.isin(toks, bar_ids)
            bars = np.flatnonzero(is_bar)
            ends = np.flatnonzero(toks[:64] == controls_end) if controls_end is not None else []
            # Controls end at Controls_end (older caches: where the first bar begins).
            prefix = int(ends[0]) + 1 if len(ends) else int(bars[0]) if len(bars) else 1
            style = styles[i] if styles else _style_from_tokens(toks[:prefix], names)
            self.pieces.append(Piece(toks, prefix, bars.astype(np.int64), style))
        self.styles = sorted({p.style for p in self.pieces})

    def __len__(self) -> int:
        return len(self.pieces)

    def n_tokens(self) -> int:
        return int(len(self.tokens))


def _manifest_styles(path: Path, split: str, n_pieces: int) -> list[str] | None:
    """Styles of the split's pieces in cache order, or None if the manifest doesn't say."""
    if not path.is_file():
        return None
    rows = [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    rows = [r for r in rows if r.get("split") == split]
    if len(rows) != n_pieces:
        return None
    styles = [(r.get("labels") or {}).get("style") or r.get("style") for r in rows]
    return None if any(s is None for s in styles) else [str(s) for s in styles]


def _style_from_tokens(prefix: np.ndarray, names: dict[int, str]) -> str:
    for t in prefix:
        name = names.get(int(t), "")
        if name.startswith("Style_"):
            return name[len("Style_"):]
    return "all"


def _window(piece: Piece, room: int, rng: np.random.Generator) -> np.ndarray:
    """A whole piece if it fits in ``room``, else its controls + a body window starting on a bar."""
    n = len(piece.tokens)
    if n <= room:
        return np.asarray(piece.tokens)
    body_room = room - piece.prefix_len
    starts = piece.bar_starts[piece.bar_starts <= n - body_room]
    start = int(starts[rng.integers(len(starts))]) if len(starts) else piece.prefix_len
    if start == piece.prefix_len:  # the piece's own beginning: no repeated prefix needed
        return np.asarray(piece.tokens[:room])
    return np.concatenate([piece.tokens[:piece.prefix_len], piece.tokens[start:start + body_room]])


MAX_GAP_BARS = 8  # longest gap a fill-in-the-middle example asks for


def _fill_in_the_middle(ex: np.ndarray, prefix_len: int, corpus: TokenCorpus,
                        rng: np.random.Generator) -> np.ndarray:
    """``ex`` as controls, left bars, MASK, right bars, MASK, gap bars, EOS (the gap: 1-8 whole bars)."""
    end = len(ex) - int(ex[-1] == corpus.eos_id)
    bars = np.flatnonzero(np.isin(ex[prefix_len:end], corpus.bar_ids)) + prefix_len
    if len(bars) < 2:
        return ex
    first = int(rng.integers(len(bars)))
    n_gap = int(rng.integers(1, min(MAX_GAP_BARS, len(bars) - first) + 1))
    a = int(bars[first])
    b = int(bars[first + n_gap]) if first + n_gap < len(bars) else end
    mask, eos = [corpus.mask_id], [corpus.eos_id]
    return np.concatenate([ex[:a], mask, ex[b:end], mask, ex[a:b], eos]).astype(ex.dtype)


def _example(piece: Piece, room: int, rng: np.random.Generator, corpus: TokenCorpus | None = None,
             fim_rate: float = 0.0) -> np.ndarray:
    """A window of ``piece`` within ``room`` tokens; with probability ``fim_rate`` (and a corpus that
    has a MASK token) rearranged for fill-in-the-middle."""
    if corpus is None or corpus.mask_id is None or fim_rate <= 0 or rng.random() >= fim_rate:
        return _window(piece, room, rng)
    return _fill_in_the_middle(_window(piece, room - 3, rng), piece.prefix_len, corpus, rng)


class RowSampler:
    """Endless, seeded stream of packed rows [rows, seq_len] (int64); its state is the data position."""

    def __init__(self, corpus: TokenCorpus, seq_len: int, seed: int, fim_rate: float = 0.0):
        self.corpus, self.seq_len, self.fim_rate = corpus, seq_len, fim_rate
        lengths = np.array([len(p.tokens) for p in corpus.pieces], dtype=np.float64)
        # Expected tokens drawn from a piece proportional to its length: draws ~ max(1, len / seq_len).
        weights = np.maximum(1.0, lengths / seq_len)
        self.probs = weights / weights.sum()
        self.rng = np.random.default_rng(seed)

    def batch(self, rows: int) -> np.ndarray:
        out = np.full((rows, self.seq_len), self.corpus.pad_id, dtype=np.int64)
        for r in range(rows):
            filled = 0
            while self.seq_len - filled >= MIN_FRAGMENT or filled == 0:
                piece = self.corpus.pieces[self.rng.choice(len(self.probs), p=self.probs)]
                ex = _example(piece, self.seq_len - filled, self.rng, self.corpus, self.fim_rate)
                out[r, filled:filled + len(ex)] = ex
                filled += len(ex)
        return out

    def state_dict(self) -> dict:
        return {"rng": self.rng.bit_generator.state}

    def load_state_dict(self, state: dict) -> None:
        self.rng.bit_generator.state = state["rng"]


def eval_rows(corpus: TokenCorpus, seq_len: int, per_style: int) -> list[tuple[str, np.ndarray]]:
    """Fixed validation rows: each piece cut into consecutive windows (controls repeated), padded;
    at most ``per_style`` rows per style, spread evenly over that style's windows."""
    by_style: dict[str, list[np.ndarray]] = {}
    for p in corpus.pieces:
        toks, n = np.asarray(p.tokens), len(p.tokens)
        body_room = seq_len - p.prefix_len
        windows = [toks[:seq_len]]
        start = seq_len
        while start < n and body_room > 0:
            windows.append(np.concatenate([toks[:p.prefix_len], toks[start:start + body_room]]))
            start += body_room
        by_style.setdefault(p.style, []).extend(windows)
    rows = []
    for style in sorted(by_style):
        ws = by_style[style]
        pick = np.unique(np.linspace(0, len(ws) - 1, min(per_style, len(ws))).round().astype(int))
        for i in pick:
            row = np.full(seq_len, corpus.pad_id, dtype=np.int64)
            row[:len(ws[i])] = ws[i]
            rows.append((style, row))
    return rows


def write_synthetic_cache(directory: str | Path, *, n_pieces: int = 60, vocab_size: int = 64,
                          seed: int = 0) -> Path:
    """Write a tiny cache in the real format: two "styles" whose bars follow different learnable
    rules, for tests and smoke runs without the real corpus."""
    root = Path(directory)
    root.mkdir(parents=True, exist_ok=True)
    specials = ["PAD_None", "BOS_None", "EOS_None", "Bar_None", "Style_up", "Style_down", "Controls_end",
                "MASK_None"]
    names = specials + [f"Pitch_{i}" for i in range(vocab_size - len(specials))]
    n_pitch = vocab_size - len(specials)
    rng = np.random.default_rng(seed)
    manifest, splits = [], {s: [] for s in SPLITS}
    for i in range(n_pieces):
        split = SPLITS[0] if i % 10 < 6 else SPLITS[1 + (i % 10) // 8]  # 60/20/20
        style = "up" if i % 2 else "down"
        step = 1 if style == "up" else -3
        seq, pitch = [1, specials.index(f"Style_{style}"), 6], int(rng.integers(n_pitch))
        for _ in range(int(rng.integers(4, 40))):  # bars
            seq.append(3)
            for _ in range(8):
                seq.append(len(specials) + pitch)
                pitch = (pitch + step) % n_pitch
        seq.append(2)
        splits[split].append(np.array(seq, dtype=np.uint16))
        manifest.append({"split": split, "labels": {"style": style}, "licence": "synthetic"})
    for split, seqs in splits.items():
        np.save(root / f"tokens_{split}.npy", np.concatenate(seqs))
        np.save(root / f"offsets_{split}.npy", np.concatenate([[0], np.cumsum([len(s) for s in seqs])]))
    (root / "vocab.json").write_text(json.dumps({
        "vocab_size": vocab_size, "pad_id": 0, "bos_id": 1, "eos_id": 2, "controls_end_id": 6,
        "tokens": {name: i for i, name in enumerate(names)}}))
    (root / "manifest.jsonl").write_text("".join(json.dumps(r) + "\n" for r in manifest))
    return root
