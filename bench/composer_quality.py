"""Composer quality at equal compute: held-out loss of ours vs a same-size Hugging Face GPT-2, same run.

    python -m bench composer_quality [--quick]                      # 2 x 15 min (quick: 2 x 1 min)
    python -m bench.composer_quality --minutes 15 [--sequential] [--data DIR]

Both models are trained from scratch for the same wall-clock budget on the same token cache:

* ours: ``Composer`` with the default ``ComposerConfig`` through ``museforge.music.train.Trainer``;
* peer: ``transformers.GPT2LMHeadModel`` of the same shape (layers, heads, width, MLP width, context,
  vocab, tied embeddings), with a small loop written here that does only what the Trainer's step does.

Same for both: the rows and their order (``RowSampler``, same seed, no fill-in-the-middle), batch 8 x 1024
tokens in micro-batches of 4, loss per non-pad target token, AdamW (lr, betas, weight decay on matrices
only), grad clip, bf16 autocast, dropout 0.1 on embeddings, residual writes and MLP (none on attention
weights: ours has none), and the learning-rate schedule (``train.lr_factor``: warmup, cosine to 10 %).

The schedule under a wall-clock budget: the cosine must have a length in steps before it starts. Each
side times its own first ``calibration_steps`` steps (inside the warmup, whose learning rate does not
depend on that length), then fixes the cosine to end when its budget does: ``steps so far + remaining
time / mean step time`` (``BudgetSchedule``). A shared step count would be unfair to whichever model is
slower: it would stop with its learning rate still high. Per-side fitting gives each model the schedule
it would be given for that budget, by the same rule. Training stops at the budget (checked after each
step, as the Trainer does); a side past its fitted length trains on at the floor rate.

By default the two trainings run *at the same time*, one process and one thread each, starting together
(a file barrier after loading): on a shared, noisy machine both see the same load. ``--sequential`` runs
them one after the other. Afterwards each model (eval mode, fp32) is scored on the same fixed rows of
the test split (``token_data.eval_rows``): loss per non-pad target token, overall and per style.
Reported: ours vs peer (lower is better; ratio = peer / ours), steps, tokens seen, tokens/s, CPU s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from contextlib import nullcontext
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F

from bench.common import result, write_result
from museforge.errors import MuseforgeError
from museforge.music.models.transformer import ComposerConfig
from museforge.music.token_data import RowSampler, TokenCorpus, eval_rows
from museforge.music.train import TrainConfig, Trainer, lr_factor

SIDES = ("ours", "hf_gpt2")
REPO = Path(__file__).resolve().parents[1]
PLACEHOLDER_STEPS = 10**9  # cosine length until the calibration fixes it (warmup ignores it)
# Per mode: budget per side, warmup, steps timed to fit the cosine (<= warmup), test rows per style.
FULL = {"minutes": 15.0, "warmup_steps": 30, "calibration_steps": 10, "eval_rows_per_style": 32}
QUICK = {"minutes": 1.0, "warmup_steps": 2, "calibration_steps": 2, "eval_rows_per_style": 2}


@dataclass
class Spec:
    """Everything one side's process needs; written as JSON for the child process."""

    side: str                       # ours | hf_gpt2
    data: str                       # token cache directory
    minutes: float                  # wall-clock training budget (0 = none: then max_steps must be set)
    model: dict = field(default_factory=dict)   # ComposerConfig overrides (vocab and ids come from the cache)
    train: dict = field(default_factory=dict)   # TrainConfig overrides (both sides read the same TrainConfig)
    calibration_steps: int = 10     # steps timed before the cosine length is fixed
    eval_rows_per_style: int = 32   # fixed test rows per style
    max_steps: int | None = None    # a fixed cosine length instead of one fitted to the budget (tests)
    barrier: str | None = None      # directory where concurrent sides wait for each other before starting
    n_sides: int = 2

    def configs(self) -> tuple[ComposerConfig, TrainConfig]:
        """The model config (vocab and special ids from the cache) and the shared training config."""
        if self.side not in SIDES:
            raise MuseforgeError(f"unknown side {self.side!r}; valid: {', '.join(SIDES)}")
        if self.minutes <= 0 and not self.max_steps:
            raise MuseforgeError("need a time budget (minutes > 0) or max_steps")
        vocab = json.loads((Path(self.data) / "vocab.json").read_text())
        ids = {k: int(vocab[k]) for k in ("vocab_size", "pad_id", "bos_id", "eos_id")}
        model_cfg = ComposerConfig(**{**self.model, **ids})
        train_cfg = TrainConfig(**{**self.train, "max_minutes": self.minutes, "fim_rate": 0.0, "patience": 0,
                                   "eval_every": PLACEHOLDER_STEPS, "eval_rows_per_style": 1,
                                   "max_steps": self.max_steps or PLACEHOLDER_STEPS})
        if not self.max_steps and not 1 <= self.calibration_steps <= train_cfg.warmup_steps:
            raise MuseforgeError(f"calibration_steps ({self.calibration_steps}) must be in [1, warmup_steps "
                                 f"({train_cfg.warmup_steps})]: the warmup's rate must not depend on the cosine")
        return model_cfg, train_cfg


class BudgetSchedule:
    """Fixes ``cfg.max_steps`` (the cosine length read by ``lr_factor``) after the first ``calibration``
    steps so the cosine ends with the budget. Called with the Trainer's callback events; the peer's loop
    emits the same ones."""

    def __init__(self, cfg: TrainConfig, calibration: int, clock=time.monotonic):
        self.cfg, self.calibration, self.clock = cfg, calibration, clock
        self.started, self.step_s = 0.0, []
        self.fitted: int | None = None

    def __call__(self, event: str, info: dict) -> None:
        if event == "start":
            self.started = self.clock()
        if event != "step" or self.fitted is not None:
            return
        self.step_s.append(info["step_s"])
        if info["step"] < self.calibration:
            return
        timed = self.step_s[1:] or self.step_s  # the first step pays one-off allocation costs
        remaining_s = 60 * self.cfg.max_minutes - (self.clock() - self.started)
        self.fitted = info["step"] + max(1, round(remaining_s / (sum(timed) / len(timed))))
        self.cfg.max_steps = self.fitted


class Recorder:
    """Callback keeping what the report needs: train loss per step, last lr, training clocks."""

    def __init__(self, side: str, log_every: int = 25):
        self.side, self.log_every = side, log_every
        self.losses: list[float] = []
        self.last: dict = {}
        self.started = self.cpu_started = 0.0

    def __call__(self, event: str, info: dict) -> None:
        if event == "start":
            self.started, self.cpu_started = time.monotonic(), time.process_time()
        elif event == "step":
            self.losses.append(info["loss"])
            self.last = {"step": info["step"], "lr": info["lr"], "train_s": time.monotonic() - self.started,
                         "cpu_s": time.process_time() - self.cpu_started}
            if info["step"] % self.log_every == 0:
                print(f"{self.side}: step {info['step']} loss {info['loss']:.3f} lr {info['lr']:.2e} "
                      f"{self.last['train_s']:.0f} s", file=sys.stderr, flush=True)


def _schedule(spec: Spec, cfg: TrainConfig) -> list[BudgetSchedule]:
    """The budget-fitting callback, unless the spec fixes the cosine length."""
    return [] if spec.max_steps else [BudgetSchedule(cfg, spec.calibration_steps)]


def _wait_for_others(spec: Spec) -> None:
    """File barrier: concurrent sides start their clocks together, after both have loaded."""
    if not spec.barrier:
        return
    folder = Path(spec.barrier)
    (folder / f"{spec.side}.ready").touch()
    deadline = time.monotonic() + 900
    while len(list(folder.glob("*.ready"))) < spec.n_sides:
        if time.monotonic() > deadline:
            raise RuntimeError(f"{spec.side}: the other side never got ready ({folder})")
        time.sleep(0.05)


def train_ours(spec: Spec, callbacks: list) -> tuple[torch.nn.Module, dict]:
    """Our composer through the project's Trainer; returns (model, info)."""
    model_cfg, train_cfg = spec.configs()
    with tempfile.TemporaryDirectory(prefix="composer_quality_") as out:
        trainer = Trainer(model_cfg, train_cfg, spec.data, out, [*_schedule(spec, train_cfg), *callbacks],
                          resume=False)
        _wait_for_others(spec)
        trainer.fit()
    return trainer.model, {"max_steps": train_cfg.max_steps, "sampler": trainer.sampler.state_dict()}


def build_peer(model_cfg: ComposerConfig) -> torch.nn.Module:
    """A transformers GPT-2 with our composer's shape and regularisation."""
    from transformers import GPT2Config, GPT2LMHeadModel
    from transformers.utils import logging as hf_logging

    hf_logging.set_verbosity_error()
    return GPT2LMHeadModel(GPT2Config(
        vocab_size=model_cfg.vocab_size, n_positions=model_cfg.context_len, n_embd=model_cfg.d_model,
        n_layer=model_cfg.n_layer, n_head=model_cfg.n_head, n_inner=model_cfg.mlp_ratio * model_cfg.d_model,
        embd_pdrop=model_cfg.dropout, resid_pdrop=model_cfg.dropout, attn_pdrop=0.0, tie_word_embeddings=True,
        bos_token_id=model_cfg.bos_id, eos_token_id=model_cfg.eos_id, pad_token_id=model_cfg.pad_id))


def train_peer(spec: Spec, callbacks: list) -> tuple[torch.nn.Module, dict]:
    """The GPT-2 peer with a loop doing what ``Trainer.train_step`` does in one process, nothing more."""
    model_cfg, cfg = spec.configs()
    sampler = RowSampler(TokenCorpus(spec.data, "train"), model_cfg.context_len + 1, cfg.seed)
    torch.manual_seed(cfg.seed)
    model = build_peer(model_cfg)
    matrices = [p for p in model.parameters() if p.dim() >= 2]
    vectors = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": matrices, "weight_decay": cfg.weight_decay},
                             {"params": vectors, "weight_decay": 0.0}], lr=cfg.lr, betas=(0.9, cfg.beta2),
                            fused=False)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda s: lr_factor(s, cfg))
    callbacks = [*_schedule(spec, cfg), *callbacks]
    autocast = (lambda: torch.autocast("cpu", dtype=torch.bfloat16)) if cfg.bf16 else nullcontext
    _wait_for_others(spec)
    target, step, started = cfg.max_steps, 0, time.monotonic()  # target fixed at start, as in Trainer.fit
    for cb in callbacks:
        cb("start", {"step": 0})
    model.train()
    while step < target:
        t0 = time.monotonic()
        rows = torch.from_numpy(sampler.batch(cfg.batch_size))  # [batch, T+1]
        n_targets = int((rows[:, 1:] != model_cfg.pad_id).sum())
        loss_sum = 0.0
        for i in range(0, cfg.batch_size, cfg.micro_batch):
            x, y = rows[i:i + cfg.micro_batch, :-1], rows[i:i + cfg.micro_batch, 1:]  # [micro, T]
            with autocast():
                logits = model(input_ids=x).logits  # [micro, T, V]
                loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(), ignore_index=model_cfg.pad_id,
                                       reduction="sum")
            (loss / n_targets).backward()
            loss_sum += float(loss.detach())
        torch.nn.utils.clip_grad_norm_(model.parameters(), cfg.grad_clip)
        opt.step()
        opt.zero_grad(set_to_none=True)
        sched.step()
        step += 1
        for cb in callbacks:
            cb("step", {"step": step, "loss": loss_sum / n_targets, "lr": sched.get_last_lr()[0],
                        "step_s": time.monotonic() - t0})
        if cfg.max_minutes > 0 and time.monotonic() - started > 60 * cfg.max_minutes:
            break
    return model, {"max_steps": cfg.max_steps, "sampler": sampler.state_dict()}


@torch.inference_mode()
def heldout_loss(logits_fn, rows: list[tuple[str, np.ndarray]], pad_id: int, chunk: int = 4) -> dict:
    """Loss per non-pad target token (nats) of ``logits_fn(ids [B, T]) -> [B, T, V]`` on fixed rows,
    overall and per style; fp32, the caller puts the model in eval mode."""
    sums: dict[str, list[float]] = {}
    for i in range(0, len(rows), chunk):
        part = rows[i:i + chunk]
        ids = torch.stack([torch.from_numpy(r) for _, r in part])  # [chunk, T+1]
        x, y = ids[:, :-1], ids[:, 1:]
        tok = F.cross_entropy(logits_fn(x).float().transpose(1, 2), y, ignore_index=pad_id, reduction="none")
        valid = y != pad_id
        for j, (style, _) in enumerate(part):
            acc = sums.setdefault(style, [0.0, 0])
            acc[0] += float(tok[j].sum())
            acc[1] += int(valid[j].sum())
    total = sum(s for s, _ in sums.values()), sum(n for _, n in sums.values())
    return {"loss": total[0] / max(1, total[1]), "targets": total[1], "rows": len(rows),
            "per_style": {k: round(s / n, 4) for k, (s, n) in sorted(sums.items()) if n}}


def train_side(spec: Spec) -> dict:
    """Train one side under the budget, then score it on the test rows; returns its figures."""
    model_cfg, train_cfg = spec.configs()
    recorder = Recorder(spec.side)
    model, info = (train_ours if spec.side == "ours" else train_peer)(spec, [recorder])
    model.eval()
    test_rows = eval_rows(TokenCorpus(spec.data, "test"), model_cfg.context_len + 1, spec.eval_rows_per_style)
    logits_fn = (lambda x: model(x)[0]) if spec.side == "ours" else (lambda x: model(input_ids=x).logits)
    t0 = time.monotonic()
    scored = heldout_loss(logits_fn, test_rows, model_cfg.pad_id)
    steps, tail = recorder.last["step"], recorder.losses[-10:]
    tokens = steps * train_cfg.batch_size * model_cfg.context_len
    return {"heldout_loss": scored["loss"], "heldout_loss_per_style": scored["per_style"],
            "heldout_targets": scored["targets"], "heldout_rows": scored["rows"],
            "eval_s": round(time.monotonic() - t0, 1), "steps": steps, "cosine_steps": info["max_steps"],
            "tokens_seen": tokens, "train_s": round(recorder.last["train_s"], 3),
            "cpu_s": round(recorder.last["cpu_s"], 1), "tokens_per_s": round(tokens / recorder.last["train_s"], 1),
            "final_lr": recorder.last["lr"], "train_loss_first": recorder.losses[0],
            "train_loss_last10": sum(tail) / len(tail), "params": sum(p.numel() for p in model.parameters())}


def _launch(spec: Spec, folder: Path) -> tuple[subprocess.Popen, Path]:
    spec_path, out = folder / f"{spec.side}.spec.json", folder / f"{spec.side}.result.json"
    spec_path.write_text(json.dumps(asdict(spec)))
    env = {**os.environ, "OMP_NUM_THREADS": "1"}
    proc = subprocess.Popen([sys.executable, "-m", "bench.composer_quality", "--child", str(spec_path), str(out)],
                            cwd=REPO, env=env)
    return proc, out


def run(quick: bool = False, *, minutes: float | None = None, data: str | Path | None = None,
        sequential: bool = False, model: dict | None = None, train: dict | None = None,
        calibration_steps: int | None = None, eval_rows_per_style: int | None = None) -> dict:
    """Train both sides (concurrently by default, each in its own one-thread process) and compare."""
    from museforge.music.checkpoint import DEFAULT_CORPUS

    mode = QUICK if quick else FULL
    data = Path(data or DEFAULT_CORPUS)
    TokenCorpus(data, "test")  # a clear error now, not two tracebacks from the children
    minutes = mode["minutes"] if minutes is None else minutes
    base = Spec("ours", str(data), minutes, model=model or {},
                train={"warmup_steps": mode["warmup_steps"], **(train or {})},
                calibration_steps=calibration_steps or mode["calibration_steps"],
                eval_rows_per_style=eval_rows_per_style or mode["eval_rows_per_style"])
    base.configs()  # validate before spending minutes
    with tempfile.TemporaryDirectory(prefix="composer_quality_") as tmp:
        folder = Path(tmp)
        specs = [Spec(**{**asdict(base), "side": side, "barrier": None if sequential else tmp}) for side in SIDES]
        if sequential:
            sides = {}
            for spec in specs:
                sides.update(_finish([_launch(spec, folder)]))
        else:
            sides = _finish([_launch(spec, folder) for spec in specs])
    return _report(sides, base, "sequential" if sequential else "concurrent", quick)


def _finish(jobs: list[tuple[subprocess.Popen, Path]]) -> dict[str, dict]:
    """Wait for the side processes and read their figures, by side; if one fails, end the others
    (they would wait at the barrier) and say which failed."""
    _stop_all_if_one_fails([proc for proc, _ in jobs])
    failed = [f"{out.name.split('.')[0]} (exit {proc.returncode})" for proc, out in jobs if proc.returncode]
    if failed:
        raise RuntimeError(f"side process failed: {', '.join(failed)}; see its stderr above")
    return {out.name.split(".")[0]: json.loads(out.read_text()) for _, out in jobs}


def _stop_all_if_one_fails(procs: list[subprocess.Popen]) -> None:
    while None in (codes := [p.poll() for p in procs]):
        if any(code not in (None, 0) for code in codes):
            for p in procs:
                if p.poll() is None:
                    p.terminate()
                    p.wait()
            return
        time.sleep(0.5)


def _report(sides: dict, spec: Spec, mode: str, quick: bool) -> dict:
    import transformers

    ours, peer = sides["ours"], sides["hf_gpt2"]
    model_cfg, train_cfg = spec.configs()
    return result(
        "composer_quality", "held-out loss per token (test split) after equal wall-clock training",
        ours["heldout_loss"], peer["heldout_loss"], "nats/token",
        {"sides": sides, "quick": quick, "budget_minutes_each": spec.minutes, "mode": mode, "threads_per_side": 1,
         "ratio_tokens_per_s": round(ours["tokens_per_s"] / peer["tokens_per_s"], 3),
         "model": {k: getattr(model_cfg, k) for k in ("n_layer", "n_head", "d_model", "context_len", "vocab_size",
                                                      "dropout", "position")},
         "train": {k: getattr(train_cfg, k) for k in ("batch_size", "micro_batch", "lr", "min_lr_ratio", "beta2",
                                                      "weight_decay", "grad_clip", "warmup_steps", "bf16", "seed")},
         "schedule": "warmup, then cosine whose length each side fits to its budget after timing its first "
                     "calibration_steps steps (docs/composer_quality.md)",
         "calibration_steps": spec.calibration_steps, "eval_rows_per_style": spec.eval_rows_per_style,
         "data": spec.data, "peer": "transformers GPT2LMHeadModel (same shape, tied embeddings)",
         "torch": torch.__version__, "transformers": transformers.__version__,
         "cpu_count": os.cpu_count(), "load_avg_after": round(os.getloadavg()[0], 2)},
        higher_is_better=False)


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m bench.composer_quality", description=__doc__.split("\n")[0])
    p.add_argument("--quick", action="store_true", help="1 minute per side, 2 test rows per style")
    p.add_argument("--minutes", type=float, help="wall-clock training budget per side")
    p.add_argument("--data", help="token cache (default: where `museforge data build` writes)")
    p.add_argument("--sequential", action="store_true", help="train one side after the other")
    p.add_argument("--child", nargs=2, metavar=("SPEC", "OUT"), help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    try:
        if args.child:
            torch.set_num_threads(1)
            res = train_side(Spec(**json.loads(Path(args.child[0]).read_text())))
            Path(args.child[1]).write_text(json.dumps(res, default=float))
            return 0
        res = run(args.quick, minutes=args.minutes, data=args.data, sequential=args.sequential)
    except MuseforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    print(json.dumps(res, indent=2, default=float))
    print(f"results: {write_result(res)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
