"""The position-scheme study behind docs/position_scheme.md: RoPE vs ALiBi vs learned absolute.

    python -m museforge.music.position_study train  --data .cache/corpus --out checkpoints/position_study
    python -m museforge.music.position_study report --data .cache/corpus --out checkpoints/position_study

``train`` runs the three schemes at the same size, data order and schedule *at the same time* (one
thread each, so they share the machine equally and stop after the same wall-clock). ``report``
prints validation loss per step and CPU-second, and the loss of each model on held-out pieces read
past its training length (length extrapolation), as a markdown table.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from museforge.music.models.transformer import POSITION_SCHEMES, Composer
from museforge.music.token_data import TokenCorpus

STUDY = {  # small enough for three at once on two cores; 256-token training context
    "model": {"n_layer": 4, "n_head": 4, "d_model": 256, "context_len": 256, "dropout": 0.0},
    "train": {"batch_size": 8, "micro_batch": 8, "lr": 1e-3, "warmup_steps": 20, "max_steps": 300,
              "eval_every": 25, "eval_rows_per_style": 16, "bf16": True, "log_every": 1, "patience": 0},
}
EVAL_LENGTHS = (256, 512, 1024)


def train(data: Path, out: Path, minutes: float) -> None:
    out.mkdir(parents=True, exist_ok=True)
    config = out / "study.json"
    config.write_text(json.dumps(STUDY, indent=2))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    procs = [subprocess.Popen([sys.executable, "-m", "museforge.music.train", "--data", str(data), "--out",
                               str(out / scheme), "--config", str(config), "--position", scheme, "--fresh",
                               "--max-minutes", str(minutes), "--no-progress"], env=env)
             for scheme in POSITION_SCHEMES]
    for p in procs:
        p.wait()


@torch.inference_mode()
def extrapolation(model: Composer, corpus: TokenCorpus, length: int, max_pieces: int = 48) -> dict[str, float]:
    """Mean loss on the first ``length`` tokens of held-out pieces at least that long, split into the
    positions inside the training context and those beyond it."""
    pieces = [p.tokens for p in corpus.pieces if len(p.tokens) > length][:max_pieces]
    if not pieces:
        return {}
    rows = torch.from_numpy(np.stack([np.asarray(t[:length + 1], dtype=np.int64) for t in pieces]))
    losses = []
    for i in range(0, len(rows), 8):
        x, y = rows[i:i + 8, :-1], rows[i:i + 8, 1:]
        with torch.autocast("cpu", dtype=torch.bfloat16):
            logits, _ = model(x)
        losses.append(F.cross_entropy(logits.float().transpose(1, 2), y, reduction="none"))
    tok = torch.cat(losses)  # [pieces, length]
    train_len = model.cfg.context_len
    out = {"inside": float(tok[:, :train_len].mean()), "pieces": len(pieces)}
    if length > train_len:
        out["beyond"] = float(tok[:, train_len:].mean())
    return out


def report(data: Path, out: Path) -> str:
    valid = TokenCorpus(data, "valid")
    lines = ["| scheme | steps | CPU s | val loss | " + " | ".join(f"loss @{n} (beyond {STUDY['model']['context_len']})"
                                                        for n in EVAL_LENGTHS[1:]) + " |",
             "|---|---:|---:|---:|" + "---:|" * (len(EVAL_LENGTHS) - 1)]
    curves = {}
    for scheme in POSITION_SCHEMES:
        log = [json.loads(line) for line in (out / scheme / "log.jsonl").read_text().splitlines()]
        steps = [r for r in log if r["event"] == "step"]
        evals = [r for r in log if r["event"] == "eval"]
        curves[scheme] = [(e["step"], round(e["val_loss"], 4)) for e in evals]
        model = Composer.load(out / scheme / "latest")
        cells = []
        for n in EVAL_LENGTHS[1:]:
            if scheme == "learned":
                cells.append("n/a (no positions past training)")
                continue
            ex = extrapolation(model, valid, n)
            cells.append(f"{ex['beyond']:.3f} (inside {ex['inside']:.3f}, {ex['pieces']} pieces)" if ex else "n/a")
        lines.append(f"| {scheme} | {steps[-1]['step']} | {steps[-1]['cpu_s']:.0f} | {evals[-1]['val_loss']:.4f} | "
                     + " | ".join(cells) + " |")
    common = min(len(c) for c in curves.values())
    lines += ["", "Validation loss at equal steps:", "",
              "| step | " + " | ".join(POSITION_SCHEMES) + " |", "|---:|" + "---:|" * len(POSITION_SCHEMES)]
    for i in range(common):
        lines.append(f"| {curves['rope'][i][0]} | " + " | ".join(f"{curves[s][i][1]:.4f}" for s in POSITION_SCHEMES)
                     + " |")
    return "\n".join(lines)


def main() -> None:
    p = argparse.ArgumentParser(prog="python -m museforge.music.position_study")
    p.add_argument("action", choices=["train", "report"])
    p.add_argument("--data", type=Path, default=Path(".cache/corpus"))
    p.add_argument("--out", type=Path, default=Path("checkpoints/position_study"))
    p.add_argument("--minutes", type=float, default=20.0, help="wall-clock budget shared by the three runs")
    args = p.parse_args()
    if args.action == "train":
        train(args.data, args.out, args.minutes)
    else:
        print(report(args.data, args.out))


if __name__ == "__main__":
    main()
