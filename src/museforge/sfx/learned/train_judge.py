"""Train the sound-effect judge on real clips (+ synthetic negatives); checkpoint, resume, ship.

    python -m museforge.sfx.learned.train_judge --data /work/shared/data/sfx \
        --out src/museforge/weights/sfx_judge --checkpoint-dir checkpoints/sfx_judge --max-minutes 5

Each run trains for at most ``--max-minutes`` and checkpoints; run the same command again to go
on from the checkpoint (every step's randomness is derived from (seed, step), so a resumed run
follows the same path as an uninterrupted one). When ``--steps`` are done it calibrates the
open-set threshold on the held-out families and writes the judge to ``--out``.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass
from pathlib import Path

import numpy as np
import torch
from torch.nn import functional as F

from museforge.errors import MuseforgeError
from museforge.sfx.learned.judge import NONE_CLASS, PEAK_FLOOR, Judge, JudgeConfig, JudgeNet
from museforge.sfx.learned.augment import equalise, mix_noise, random_crop, repeat_events, spec_mask
from museforge.sfx.learned.negatives import negative


@dataclass(frozen=True)
class TrainConfig:
    """Optimisation and augmentation settings (saved in the checkpoint and the training log)."""

    steps: int = 1500
    batch_size: int = 48
    learning_rate: float = 2e-3  # peak of a one-cycle schedule
    weight_decay: float = 5e-2
    label_smoothing: float = 0.1  # softer probabilities make the open-set threshold meaningful
    seed: int = 0
    none_share: float = 0.15  # share of each batch that is a synthetic negative
    category_power: float = 0.5  # category sampling weight ~ clips^power: thin categories are seen, not flooded
    gain_db: tuple[float, float] = (-12.0, 0.0)
    max_shift_share: float = 0.5  # short clips start anywhere in the first half of the crop
    speed_prob: float = 0.5
    speed_range: tuple[float, float] = (0.8, 1.25)  # playback-rate factor, log-uniform
    eq_prob: float = 0.4
    tilt_range: tuple[float, float] = (-0.5, 0.5)  # +-3 dB/octave
    band_limit_prob: float = 0.25  # of the EQ'd clips and the noise negatives
    cutoff_hz: tuple[float, float] = (3000.0, 10000.0)
    noise_mix_prob: float = 0.3
    snr_db: tuple[float, float] = (6.0, 30.0)
    mixup_prob: float = 0.3  # share of real examples blended with another real clip
    mixup_alpha: float = 0.4  # Beta(alpha, alpha) blend weight
    repeat_prob: float = 0.0  # short clips (< repeat_max_share of the crop) laid 2..4 times; 0.2 was not better
    repeat_max_share: float = 0.4
    spec_mask_prob: float = 0.5
    freq_mask_bins: int = 8
    time_mask_frames: int = 10
    checkpoint_every: int = 100


@dataclass
class Sample:
    """What one training step consumed: waveforms [B, samples] and class indices [B]."""

    waves: torch.Tensor
    targets: torch.Tensor  # [B, classes] label distribution (mixup blends two)
    is_real: torch.Tensor  # [B] bool: spec masking only for real clips


def make_batch(waves: list[np.ndarray], labels: list[int], judge_cfg: JudgeConfig, cfg: TrainConfig,
               rng: np.random.Generator) -> Sample:
    """One augmented batch: category-balanced crops of real clips plus synthetic negatives."""
    n_window, sample_rate = judge_cfg.window_samples, judge_cfg.sample_rate
    n_classes = len(judge_cfg.class_names)
    by_class: dict[int, list[int]] = {}
    for i, label in enumerate(labels):
        by_class.setdefault(label, []).append(i)
    classes = sorted(by_class)
    weights = np.array([len(by_class[c]) ** cfg.category_power for c in classes])
    weights /= weights.sum()

    def real_example() -> tuple[np.ndarray, int]:
        cls = classes[rng.choice(len(classes), p=weights)]
        members = by_class[cls]
        speed = float(np.exp(rng.uniform(*np.log(cfg.speed_range)))) if rng.random() < cfg.speed_prob else 1.0
        source = waves[members[rng.integers(len(members))]]
        if cfg.repeat_prob > 0 and source.size < cfg.repeat_max_share * n_window and rng.random() < cfg.repeat_prob:
            wave = repeat_events(source, n_window, int(rng.integers(2, 5)), rng)
        else:
            wave = random_crop(source, n_window, cfg.max_shift_share, speed, rng)
        if rng.random() < cfg.eq_prob:
            cutoff = rng.uniform(*cfg.cutoff_hz) if rng.random() < cfg.band_limit_prob else None
            wave = equalise(wave, sample_rate, rng.uniform(*cfg.tilt_range), cutoff)
        return wave, cls

    out = np.zeros((cfg.batch_size, n_window), np.float32)
    targets = np.zeros((cfg.batch_size, n_classes), np.float32)
    is_real = np.zeros(cfg.batch_size, bool)
    for b in range(cfg.batch_size):
        if rng.random() < cfg.none_share:
            wave = negative(n_window, sample_rate, rng)
            if rng.random() < cfg.band_limit_prob:  # noise from a 8-16 kHz file is still noise
                wave = equalise(wave, sample_rate, 0.0, rng.uniform(*cfg.cutoff_hz))
            wave = wave / max(float(np.max(np.abs(wave))), PEAK_FLOOR)  # as judge.prepare does
            targets[b, n_classes - 1] = 1.0
        else:
            wave, cls = real_example()
            targets[b, cls] = 1.0
            if rng.random() < cfg.mixup_prob:
                other, other_cls = real_example()
                share = float(rng.beta(cfg.mixup_alpha, cfg.mixup_alpha))
                wave = share * wave + (1.0 - share) * other
                targets[b] *= share
                targets[b, other_cls] += 1.0 - share
            if rng.random() < cfg.noise_mix_prob:
                wave = mix_noise(wave, rng.uniform(*cfg.snr_db), rng)
            is_real[b] = True
        out[b] = wave * 10 ** (rng.uniform(*cfg.gain_db) / 20)
    smoothed = (1.0 - cfg.label_smoothing) * targets + cfg.label_smoothing / n_classes
    return Sample(torch.from_numpy(out), torch.from_numpy(smoothed.astype(np.float32)), torch.from_numpy(is_real))


def learning_rate(step: int, cfg: TrainConfig) -> float:
    """Linear warm-up over 5% of steps, then cosine decay to 2% of the peak."""
    warmup = max(1, cfg.steps // 20)
    if step < warmup:
        return cfg.learning_rate * (step + 1) / warmup
    progress = (step - warmup) / max(1, cfg.steps - warmup)
    return cfg.learning_rate * (0.02 + 0.98 * 0.5 * (1 + math.cos(math.pi * progress)))


class Trainer:
    """Owns the optimiser, batches and checkpoints; the model itself stays a plain JudgeNet."""

    def __init__(self, judge_cfg: JudgeConfig, cfg: TrainConfig, waves: list[np.ndarray], labels: list[int],
                 callbacks: list[Callable[[int, dict], None]] | None = None):
        self.judge_cfg, self.cfg, self.waves, self.labels = judge_cfg, cfg, waves, labels
        self.callbacks = callbacks or []
        torch.manual_seed(cfg.seed)
        self.net = JudgeNet(judge_cfg)
        self.optimiser = torch.optim.AdamW(self.net.parameters(), lr=cfg.learning_rate, weight_decay=cfg.weight_decay)
        self.step = 0

    def train_step(self) -> dict:
        step_seed = [self.cfg.seed, self.step]
        batch = make_batch(self.waves, self.labels, self.judge_cfg, self.cfg, np.random.default_rng(step_seed))
        generator = torch.Generator().manual_seed(self.cfg.seed * 1_000_003 + self.step)
        torch.manual_seed(self.cfg.seed * 1_000_003 + self.step)  # dropout
        for group in self.optimiser.param_groups:
            group["lr"] = learning_rate(self.step, self.cfg)
        self.net.train()
        with torch.no_grad():
            mel = self.net.logmel(batch.waves)
        masked = spec_mask(mel, batch.is_real, self.cfg.spec_mask_prob, self.cfg.freq_mask_bins,
                           self.cfg.time_mask_frames, generator)
        _, logits = self.net.head(masked)
        loss = F.cross_entropy(logits, batch.targets)
        self.optimiser.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(self.net.parameters(), 5.0)
        self.optimiser.step()
        self.step += 1
        hits = (logits.argmax(1) == batch.targets.argmax(1)).float()
        stats = {"loss": float(loss.detach()), "accuracy": float(hits.mean()),
                 "lr": learning_rate(self.step - 1, self.cfg)}
        for callback in self.callbacks:
            callback(self.step, stats)
        return stats

    def run(self, max_seconds: float = float("inf"), checkpoint: Path | None = None) -> bool:
        """Train until ``cfg.steps`` or the time budget; True when all steps are done."""
        start = time.monotonic()
        while self.step < self.cfg.steps and time.monotonic() - start < max_seconds:
            self.train_step()
            if checkpoint is not None and self.step % self.cfg.checkpoint_every == 0:
                self.save_checkpoint(checkpoint)
        if checkpoint is not None:
            self.save_checkpoint(checkpoint)
        return self.step >= self.cfg.steps

    def save_checkpoint(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(".tmp")
        torch.save({"step": self.step, "model": self.net.state_dict(), "optimiser": self.optimiser.state_dict(),
                    "train_config": asdict(self.cfg), "judge_config": asdict(self.judge_cfg)}, tmp)
        tmp.replace(path)  # a killed run never leaves a half-written checkpoint

    def load_checkpoint(self, path: Path) -> None:
        state = torch.load(path, map_location="cpu", weights_only=True)
        if json.dumps(state["train_config"]) != json.dumps(asdict(self.cfg)):  # tuples come back as tuples
            raise MuseforgeError(f"checkpoint {path} was made with other training settings; delete it or match them")
        self.net.load_state_dict(state["model"])
        self.optimiser.load_state_dict(state["optimiser"])
        self.step = int(state["step"])

    def judge(self) -> Judge:
        return Judge(self.net, self.judge_cfg)


def print_every(n_steps: int) -> Callable[[int, dict], None]:
    """Callback: running mean of loss/accuracy every ``n_steps``."""
    history: list[dict] = []

    def callback(step: int, stats: dict) -> None:
        history.append(stats)
        if step % n_steps == 0:
            loss = np.mean([h["loss"] for h in history[-n_steps:]])
            acc = np.mean([h["accuracy"] for h in history[-n_steps:]])
            print(f"step {step:5d}  loss {loss:.3f}  batch acc {acc:.3f}  lr {stats['lr']:.2e}", flush=True)
    return callback


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m museforge.sfx.learned.train_judge", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="the sfx data folder (manifest.csv + category folders)")
    parser.add_argument("--out", required=True, help="output stem: writes <out>.safetensors and <out>.json")
    parser.add_argument("--checkpoint-dir", default="checkpoints/sfx_judge")
    parser.add_argument("--steps", type=int, default=TrainConfig.steps)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--max-minutes", type=float, default=float("inf"), help="stop (checkpointed) after this")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--debug", action="store_true", help="tiny model, for a smoke run")
    parser.add_argument("--permissive-only", action="store_true",
                        help="train on CC0 / public-domain / CC-BY-3.0 clips only (licence-clean weights)")
    args = parser.parse_args(argv)

    from museforge.sfx.learned.data import load_waveforms, permissive_only, read_manifest, split_by_family, summarise
    from museforge.sfx.learned.evaluate import calibrate_threshold

    torch.set_num_threads(args.threads)
    judge_cfg = JudgeConfig.debug() if args.debug else JudgeConfig()
    cfg = TrainConfig(steps=args.steps, seed=args.seed)
    clips = read_manifest(args.data)
    train, held_out = split_by_family(permissive_only(clips) if args.permissive_only else clips)
    ckpt_dir = Path(args.checkpoint_dir)
    t0 = time.monotonic()
    waves = load_waveforms(args.data, train, judge_cfg.sample_rate, cache_dir=ckpt_dir)
    print(f"{len(train)} train / {len(held_out)} held-out clips; decoded in {time.monotonic() - t0:.1f} s", flush=True)
    labels = [judge_cfg.categories.index(c.category) for c in train]
    trainer = Trainer(judge_cfg, cfg, waves, labels, callbacks=[print_every(50)])
    variant = ("_debug" if args.debug else "") + ("_permissive" if args.permissive_only else "")
    checkpoint = ckpt_dir / f"train_seed{cfg.seed}{variant}.pt"
    if checkpoint.is_file():
        trainer.load_checkpoint(checkpoint)
        print(f"resumed from {checkpoint} at step {trainer.step}", flush=True)
    t0 = time.monotonic()
    done = trainer.run(max_seconds=args.max_minutes * 60, checkpoint=checkpoint)
    print(f"trained to step {trainer.step}/{cfg.steps} in {time.monotonic() - t0:.0f} s", flush=True)
    if not done:
        print("not finished: run the same command again to resume", flush=True)
        return 0
    held_waves = load_waveforms(args.data, held_out, judge_cfg.sample_rate, cache_dir=ckpt_dir)
    judge = calibrate_threshold(trainer.judge(), held_waves, [c.category for c in held_out])
    paths = judge.save(args.out)
    log = {"train_config": asdict(cfg), "split": summarise(train, held_out),
           "reject_below": judge.config.reject_below, "none_class": NONE_CLASS}
    (ckpt_dir / f"{checkpoint.stem}_log.json").write_text(json.dumps(log, indent=2) + "\n")
    print(f"wrote {paths[0]} ({paths[0].stat().st_size / 1e6:.2f} MB), threshold {judge.config.reject_below:.3f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
