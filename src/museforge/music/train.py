"""Train the composer on the token cache.

    python -m museforge.music.train --data .cache/corpus --out checkpoints/composer [--config cfg.json]
    torchrun --nproc_per_node 2 -m museforge.music.train ...   # DDP over gloo, same global batch

AdamW, linear warmup + cosine decay, gradient accumulation, bf16 autocast on CPU, validation loss
overall and per style, checkpoints that resume exactly (weights, optimiser, scheduler, torch and data
RNG), early stop when validation stops improving. Logging goes through callbacks ``(event, info)``.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import shutil
import sys
import time
from collections.abc import Callable, Sequence
from contextlib import nullcontext
from dataclasses import asdict, dataclass, fields, replace
from pathlib import Path

import torch
import torch.distributed as dist
import torch.nn.functional as F

from museforge.errors import MuseforgeError
from museforge.music.models.transformer import Composer, ComposerConfig
from museforge.music.token_data import RowSampler, TokenCorpus, eval_rows

Callback = Callable[[str, dict], None]  # events: start, step, eval, checkpoint, end
STATE_FILE = "train_state.pt"


@dataclass
class TrainConfig:
    """Optimisation settings. Saved in every checkpoint."""

    max_steps: int = 4000         # optimiser steps (cosine reaches min_lr here): 33M tokens, ~a day on 2 cores
    batch_size: int = 8           # rows per optimiser step, over all processes (8 x 1024 = 8k tokens)
    micro_batch: int = 4          # rows per forward pass per process; accumulation = batch / (micro * world)
    lr: float = 1e-3              # peak learning rate (small model: a high rate is stable with warmup + clip)
    min_lr_ratio: float = 0.1     # cosine floor as a fraction of lr
    warmup_steps: int = 100
    weight_decay: float = 0.1     # on matrices only, not norms
    beta2: float = 0.95
    grad_clip: float = 1.0
    bf16: bool = True             # autocast matmuls to bfloat16 (AVX512-BF16/AMX CPUs run them ~2x faster)
    seed: int = 0
    eval_every: int = 100         # steps between validations (and checkpoints)
    eval_rows_per_style: int = 24  # validation rows per style, fixed for the whole run
    patience: int = 5             # stop after this many validations without improvement (0 = never)
    max_minutes: float = 0.0      # wall-clock budget for this invocation (0 = none)
    log_every: int = 10
    fim_rate: float = 0.3         # share of examples rearranged for fill-in-the-middle (token_data.py)

    @classmethod
    def debug(cls, **overrides: object) -> TrainConfig:
        base = dict(max_steps=20, batch_size=8, micro_batch=2, warmup_steps=2, eval_every=10,
                    eval_rows_per_style=4, log_every=1, lr=3e-3)
        return cls(**{**base, **overrides})


def lr_factor(step: int, cfg: TrainConfig) -> float:
    """Multiplier of cfg.lr at ``step``: linear warmup, then cosine down to min_lr_ratio."""
    if step < cfg.warmup_steps:
        return (step + 1) / cfg.warmup_steps
    progress = min(1.0, (step - cfg.warmup_steps) / max(1, cfg.max_steps - cfg.warmup_steps))
    return cfg.min_lr_ratio + (1 - cfg.min_lr_ratio) * 0.5 * (1 + math.cos(math.pi * progress))


class Trainer:
    """Owns the optimiser, data, checkpoints and the loop; the model only owns weights."""

    def __init__(self, model_cfg: ComposerConfig, cfg: TrainConfig, data_dir: str | Path, out_dir: str | Path,
                 callbacks: Sequence[Callback] = (), resume: bool = True, init_from: str | Path | None = None):
        self.cfg, self.out = cfg, Path(out_dir)
        self.world = int(os.environ.get("WORLD_SIZE", "1"))
        self.rank = int(os.environ.get("RANK", "0"))
        if self.world > 1 and not dist.is_initialized():
            dist.init_process_group("gloo")
        per_step = cfg.micro_batch * self.world
        if cfg.batch_size % per_step:
            raise MuseforgeError(f"batch_size ({cfg.batch_size}) must be a multiple of micro_batch x processes "
                                 f"({cfg.micro_batch} x {self.world})")
        self.accum = cfg.batch_size // per_step
        self.train_data = TokenCorpus(data_dir, "train")
        self.valid_data = TokenCorpus(data_dir, "valid")
        self.model_cfg = ComposerConfig(**{**asdict(model_cfg), "vocab_size": self.train_data.vocab_size,
                                           "pad_id": self.train_data.pad_id, "bos_id": self.train_data.bos_id,
                                           "eos_id": self.train_data.eos_id,
                                           "fim": cfg.fim_rate > 0 and self.train_data.mask_id is not None})
        seq_len = self.model_cfg.context_len + 1  # inputs + shifted targets
        self.sampler = RowSampler(self.train_data, seq_len, cfg.seed, cfg.fim_rate)  # same stream on every rank
        self.valid_rows = eval_rows(self.valid_data, seq_len, cfg.eval_rows_per_style)
        torch.manual_seed(cfg.seed + self.rank)
        self.model = Composer(self.model_cfg)
        self.ddp = torch.nn.parallel.DistributedDataParallel(self.model) if self.world > 1 else None
        decay = [p for p in self.model.parameters() if p.dim() >= 2]
        no_decay = [p for p in self.model.parameters() if p.dim() < 2]
        self.opt = torch.optim.AdamW([{"params": decay, "weight_decay": cfg.weight_decay},
                                      {"params": no_decay, "weight_decay": 0.0}],
                                     lr=cfg.lr, betas=(0.9, cfg.beta2), fused=False)
        self.sched = torch.optim.lr_scheduler.LambdaLR(self.opt, lambda s: lr_factor(s, cfg))
        # best_val: the loss best/ must beat (a warm start's loaded weights included); run_best: this run's own
        # best, which patience watches (a warm restart first rises above its starting weights, then falls)
        self.step, self.best_val, self.run_best, self.bad_evals, self.history = 0, math.inf, math.inf, 0, []
        self.callbacks = list(callbacks)
        if resume and (self.out / "latest" / STATE_FILE).is_file():
            self.load_checkpoint(self.out / "latest")
        elif init_from is not None:
            self.warm_start(Path(init_from))

    def warm_start(self, directory: Path) -> None:
        """Start a new run (fresh optimiser and schedule) from the weights in ``directory`` (e.g. the
        shipped composer); their validation loss on this run's rows is the score to beat, so ``best``
        is only written by a checkpoint that improves on them."""
        from safetensors.torch import load_model

        saved_cfg = ComposerConfig.from_json(directory / "config.json")
        if replace(saved_cfg, fim=self.model_cfg.fim) != self.model_cfg:
            raise MuseforgeError(f"{directory} holds another model config ({saved_cfg}); "
                                 f"this run's is {self.model_cfg}")
        load_model(self.model, str(directory / "model.safetensors"))
        start = self.evaluate()
        self.best_val = start["val_loss"]
        self.history.append({"step": 0, "init_from": str(directory), **start})
        self._emit("eval", {"step": 0, **start})

    # -- one optimiser step ------------------------------------------------------------------------
    def _autocast(self):
        return torch.autocast("cpu", dtype=torch.bfloat16) if self.cfg.bf16 else nullcontext()

    def train_step(self) -> float:
        """One optimiser step over the global batch; returns its mean loss per target token."""
        rows = torch.from_numpy(self.sampler.batch(self.cfg.batch_size))  # [batch, T+1], same on all ranks
        n_targets = int((rows[:, 1:] != self.model_cfg.pad_id).sum())  # normaliser over the GLOBAL batch
        per_rank = self.cfg.batch_size // self.world
        mine = rows[self.rank * per_rank:(self.rank + 1) * per_rank]
        net = self.ddp or self.model
        net.train()
        loss_sum = torch.zeros(())
        for i in range(self.accum):
            micro = mine[i * self.cfg.micro_batch:(i + 1) * self.cfg.micro_batch]
            x, y = micro[:, :-1], micro[:, 1:]  # [micro, T]
            sync = self.ddp is None or i == self.accum - 1
            with (nullcontext() if sync else self.ddp.no_sync()), self._autocast():
                logits, _ = net(x)  # [micro, T, V]
                loss = F.cross_entropy(logits.float().flatten(0, 1), y.flatten(),
                                       ignore_index=self.model_cfg.pad_id, reduction="sum")
            # DDP averages gradients over ranks; scaling by world makes the result sum / n_targets.
            (loss * self.world / n_targets).backward()
            loss_sum += loss.detach()
        if self.world > 1:
            dist.all_reduce(loss_sum)
        torch.nn.utils.clip_grad_norm_(self.model.parameters(), self.cfg.grad_clip)
        self.opt.step()
        self.opt.zero_grad(set_to_none=True)
        self.sched.step()
        self.step += 1
        return float(loss_sum) / n_targets

    @torch.inference_mode()
    def evaluate(self) -> dict:
        """Validation loss per target token: overall and per style (rows split across ranks)."""
        styles = sorted({s for s, _ in self.valid_rows})
        sums = torch.zeros(len(styles), 2, dtype=torch.float64)  # [style, (loss sum, targets)]
        self.model.eval()
        mine = self.valid_rows[self.rank::self.world]
        chunk = 2 * self.cfg.micro_batch
        for i in range(0, len(mine), chunk):
            part = mine[i:i + chunk]
            rows = torch.stack([torch.from_numpy(r) for _, r in part])  # [chunk, T+1]
            x, y = rows[:, :-1], rows[:, 1:]
            with self._autocast():
                logits, _ = self.model(x)
            tok_loss = F.cross_entropy(logits.float().transpose(1, 2), y, ignore_index=self.model_cfg.pad_id,
                                       reduction="none")  # [rows, T]
            valid = (y != self.model_cfg.pad_id)
            for j, (style, _) in enumerate(part):
                k = styles.index(style)
                sums[k, 0] += float(tok_loss[j].sum())
                sums[k, 1] += float(valid[j].sum())
        if self.world > 1:
            dist.all_reduce(sums)
        per_style = {s: float(sums[k, 0] / sums[k, 1]) for k, s in enumerate(styles) if sums[k, 1] > 0}
        overall = float(sums[:, 0].sum() / sums[:, 1].sum().clamp(min=1))
        return {"val_loss": overall, "val_loss_per_style": per_style}

    # -- checkpoints -------------------------------------------------------------------------------
    def save_checkpoint(self) -> Path:
        """Write out/latest atomically (model dir + train_state.pt); rank 0 writes, every rank's
        dropout RNG state is kept so a multi-process run resumes exactly too."""
        rng_states = [torch.get_rng_state()]
        if self.world > 1:
            rng_states = [None] * self.world
            dist.all_gather_object(rng_states, torch.get_rng_state())
        if self.rank != 0:
            return self.out / "latest"
        tmp, final, old = self.out / "latest.tmp", self.out / "latest", self.out / "latest.old"
        shutil.rmtree(tmp, ignore_errors=True)
        self.model.save(tmp)
        torch.save({"step": self.step, "optimizer": self.opt.state_dict(), "scheduler": self.sched.state_dict(),
                    "torch_rng": rng_states, "sampler": self.sampler.state_dict(),
                    "train_config": asdict(self.cfg), "best_val": self.best_val, "run_best": self.run_best,
                    "bad_evals": self.bad_evals, "history": self.history, "world": self.world}, tmp / STATE_FILE)
        if final.exists():
            final.rename(old)
        tmp.rename(final)
        shutil.rmtree(old, ignore_errors=True)
        return final

    def load_checkpoint(self, directory: Path) -> None:
        from safetensors.torch import load_model

        saved_cfg = ComposerConfig.from_json(directory / "config.json")
        # fim only says what the rows were; a run may start fill-in-the-middle training midway
        if replace(saved_cfg, fim=self.model_cfg.fim) != self.model_cfg:
            raise MuseforgeError(f"{directory} was trained with a different model config ({saved_cfg}); "
                                 "use a new --out directory or --fresh")
        load_model(self.model, str(directory / "model.safetensors"))
        state = torch.load(directory / STATE_FILE, weights_only=True)
        self.opt.load_state_dict(state["optimizer"])
        self.sched.load_state_dict(state["scheduler"])
        self.sampler.load_state_dict(state["sampler"])
        if len(state["torch_rng"]) == self.world:  # dropout RNG is per rank: restorable for the same world
            torch.set_rng_state(state["torch_rng"][self.rank])
        self.step, self.best_val = state["step"], state["best_val"]
        self.run_best = state.get("run_best", state["best_val"])
        self.bad_evals, self.history = state["bad_evals"], state["history"]

    # -- the loop ----------------------------------------------------------------------------------
    def _emit(self, event: str, info: dict) -> None:
        if self.rank == 0:
            for cb in self.callbacks:
                cb(event, info)

    def _should_stop(self, started: float) -> bool:
        out_of_time = self.cfg.max_minutes > 0 and time.monotonic() - started > 60 * self.cfg.max_minutes
        stop = torch.tensor([float(out_of_time)])
        if self.world > 1:
            dist.broadcast(stop, 0)  # rank 0's clock decides, so every rank stops on the same step
        return bool(stop.item())

    def fit(self, steps: int | None = None) -> dict:
        """Train until max_steps, ``steps`` more steps, the time budget or early stop; returns last eval."""
        target = self.cfg.max_steps if steps is None else min(self.cfg.max_steps, self.step + steps)
        started, tokens, last_eval = time.monotonic(), 0, {}
        self._emit("start", {"step": self.step, "max_steps": target, "params": self.model.num_params(),
                             "world": self.world, "accum": self.accum, "model": asdict(self.model_cfg)})
        while self.step < target:
            t0 = time.monotonic()
            loss = self.train_step()
            tokens += self.cfg.batch_size * self.model_cfg.context_len
            info = {"step": self.step, "loss": loss, "lr": self.sched.get_last_lr()[0],
                    "step_s": time.monotonic() - t0, "tokens_per_s": tokens / (time.monotonic() - started),
                    "cpu_s": time.process_time()}  # process CPU time: a fair clock on a shared machine
            self.history.append({"step": self.step, "loss": loss})
            self._emit("step", info)
            stop = self._should_stop(started)
            if self.step % self.cfg.eval_every == 0 or self.step == target or stop:
                last_eval = {"step": self.step, **self.evaluate(), "elapsed_s": time.monotonic() - started}
                improved = last_eval["val_loss"] < self.best_val  # better than any weights so far: best/
                progressed = last_eval["val_loss"] < self.run_best  # this run still improving: patience resets
                self.best_val = min(self.best_val, last_eval["val_loss"])
                self.run_best = min(self.run_best, last_eval["val_loss"])
                self.bad_evals = 0 if progressed else self.bad_evals + 1
                self.history.append(last_eval)
                self._emit("eval", last_eval)
                path = self.save_checkpoint()
                if improved and self.rank == 0:
                    self.model.save(self.out / "best")
                self._emit("checkpoint", {"step": self.step, "path": str(path), "best": improved})
                if self.cfg.patience and self.bad_evals >= self.cfg.patience:
                    break
            if stop:
                break
        self._emit("end", {"step": self.step, **last_eval})
        return last_eval


class JsonlLog:
    """Callback appending every event as one JSON line (the run's machine-readable record)."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)

    def __call__(self, event: str, info: dict) -> None:
        with self.path.open("a") as f:
            f.write(json.dumps({"event": event, "time": time.time(), **info}) + "\n")


class ProgressBar:
    """Callback drawing a rich progress bar with ETA, and printing each validation."""

    def __init__(self):
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

        self.progress = Progress(TextColumn("composer"), BarColumn(), MofNCompleteColumn(),
                                 TextColumn("loss {task.fields[loss]:.3f}"), TimeRemainingColumn())
        self.task = None

    def __call__(self, event: str, info: dict) -> None:
        if event == "start":
            self.progress.start()
            self.task = self.progress.add_task("train", total=info["max_steps"], completed=info["step"], loss=0.0)
        elif event == "step":
            self.progress.update(self.task, completed=info["step"], loss=info["loss"])
        elif event == "eval":
            styles = ", ".join(f"{k} {v:.3f}" for k, v in info["val_loss_per_style"].items())
            self.progress.console.print(f"step {info['step']}: val loss {info['val_loss']:.4f} ({styles})")
        elif event == "end":
            self.progress.stop()


def load_run_config(path: str | Path | None, preset: str) -> tuple[ComposerConfig, TrainConfig]:
    """Model + training configs from a preset, overridden by a JSON file {"model": {...}, "train": {...}}."""
    model_cfg, train_cfg = (ComposerConfig.debug(), TrainConfig.debug()) if preset == "debug" else \
        (ComposerConfig(), TrainConfig())
    if path is None:
        return model_cfg, train_cfg
    data = json.loads(Path(path).read_text())
    extra = sorted(set(data) - {"model", "train"})
    if extra:
        raise MuseforgeError(f"{path}: unknown sections {extra}; valid: model, train")
    for section, cfg in (("model", model_cfg), ("train", train_cfg)):
        known = {f.name for f in fields(cfg)}
        bad = sorted(set(data.get(section, {})) - known)
        if bad:
            raise MuseforgeError(f"{path}: unknown {section} keys {bad}; valid: {sorted(known)}")
    return (ComposerConfig(**{**asdict(model_cfg), **data.get("model", {})}),
            TrainConfig(**{**asdict(train_cfg), **data.get("train", {})}))


def main(argv: Sequence[str] | None = None) -> int:
    p = argparse.ArgumentParser(prog="python -m museforge.music.train", description=__doc__.split("\n")[0])
    p.add_argument("--data", required=True, help="token cache directory (e.g. .cache/corpus)")
    p.add_argument("--out", required=True, help="checkpoint directory (resumed if it has one)")
    p.add_argument("--config", help='JSON {"model": {...}, "train": {...}} overriding the preset')
    p.add_argument("--preset", choices=["default", "debug"], default="default")
    p.add_argument("--fresh", action="store_true", help="ignore an existing checkpoint in --out")
    p.add_argument("--max-steps", type=int)
    p.add_argument("--max-minutes", type=float)
    p.add_argument("--position", choices=["rope", "alibi", "learned"])
    p.add_argument("--init-from", help="start a new run from these weights (a model folder, e.g. the shipped "
                                       "composer) instead of from random ones")
    p.add_argument("--no-progress", action="store_true", help="no progress bar (logs still go to out/log.jsonl)")
    args = p.parse_args(argv)
    try:
        model_cfg, train_cfg = load_run_config(args.config, args.preset)
        if args.max_steps is not None:
            train_cfg.max_steps = args.max_steps
        if args.max_minutes is not None:
            train_cfg.max_minutes = args.max_minutes
        if args.position:
            model_cfg.position = args.position
        callbacks: list[Callback] = [JsonlLog(Path(args.out) / "log.jsonl")]
        if not args.no_progress:
            callbacks.append(ProgressBar())
        if args.fresh:
            shutil.rmtree(Path(args.out) / "latest", ignore_errors=True)
        trainer = Trainer(model_cfg, train_cfg, args.data, args.out, callbacks, init_from=args.init_from)
        trainer.fit()
    except MuseforgeError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    finally:
        if dist.is_initialized():
            # Every rank reaches the barrier before any tears gloo down: rank 0 still writes its last
            # checkpoint after the final collective, and a peer destroying its group meanwhile was seen
            # to abort ("terminate called without an active exception", SIGABRT) in one CI run.
            try:
                dist.barrier()
            finally:
                dist.destroy_process_group()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
