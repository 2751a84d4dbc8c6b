"""The sound-effect judge: a small log-mel CNN that names a sound's category or refuses to.

Pipeline for one sound (shapes for the shipped config, 22.05 kHz, 1.5 s crops):

    Audio (any rate, any channels) -> mono 22,050 Hz, peak-normalised to 0 dBFS
      -> crops of 33,075 samples (short sounds zero-padded; long ones: up to 6 evenly spaced crops)
      -> log-mel [crops, 1, 64 mels, 65 frames] -> CNN -> embedding [crops, 64] -> logits [crops, 15]
      -> softmax averaged over crops; embedding averaged over crops

The last class is ``none``: it is trained on synthetic non-sounds (steady noise of several colours,
silence, pure tones, click trains), so noise, silence and tones land there instead of in a real
category. On top, an open-set threshold (``reject_below``, calibrated on held-out real clips)
refuses sounds that no category claims with confidence. Training lives in ``train_judge.py``.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, fields, replace
from importlib import resources
from pathlib import Path

import numpy as np
import torch
from torch import nn
from torch.nn import functional as F

from museforge.audio import Audio
from museforge.errors import MuseforgeError

CATEGORIES = ("ambience", "engine", "explosion", "fire", "footsteps", "impact", "other", "rain",
              "thunder", "ui", "water", "weapon", "whoosh", "wind")
NONE_CLASS = "none"
WEIGHTS_NAME = "sfx_judge"
PEAK_FLOOR = 1e-4  # -80 dBFS: quieter input is not amplified all the way to full scale


@dataclass(frozen=True)
class JudgeConfig:
    """Everything needed to rebuild the network; saved as JSON beside the weights."""

    categories: tuple[str, ...] = CATEGORIES  # real classes; NONE_CLASS is appended as the last class
    sample_rate: int = 22_050  # every input is resampled to this
    window_s: float = 1.5  # one crop: long enough for most one-shots
    n_fft: int = 1024  # 46 ms analysis window
    hop_length: int = 512  # 23 ms frames: half the compute of 11.6 ms, transients still resolved
    n_mels: int = 64
    f_min_hz: float = 30.0
    f_max_hz: float = 11_025.0
    channels: tuple[int, ...] = (16, 32, 64, 128)  # one conv block (2 convs + 2x2 pool) each
    embedding_dim: int = 64  # the space the Frechet distance is measured in
    dropout: float = 0.3
    max_eval_crops: int = 6  # long clips: evenly spaced crops, probabilities averaged
    reject_below: float = 0.0  # open-set: max category probability under this -> None

    @classmethod
    def debug(cls) -> JudgeConfig:
        """A tiny preset for tests: builds and trains a step in milliseconds."""
        return cls(sample_rate=8_000, window_s=0.5, n_fft=256, hop_length=128, n_mels=16,
                   f_max_hz=4_000.0, channels=(4, 8), embedding_dim=8, max_eval_crops=3)

    @property
    def class_names(self) -> tuple[str, ...]:
        return (*self.categories, NONE_CLASS)

    @property
    def window_samples(self) -> int:
        return int(round(self.window_s * self.sample_rate))

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2) + "\n"

    @classmethod
    def from_json(cls, text: str) -> JudgeConfig:
        raw = json.loads(text)
        known = {f.name for f in fields(cls)}
        unknown = sorted(set(raw) - known)
        if unknown:
            raise MuseforgeError(f"judge config has unknown fields {unknown}; valid: {', '.join(sorted(known))}")
        for name in ("categories", "channels"):
            if name in raw:
                raw[name] = tuple(raw[name])
        return cls(**raw)


def mel_filterbank(sample_rate: int, n_fft: int, n_mels: int, f_min_hz: float, f_max_hz: float) -> np.ndarray:
    """HTK-mel triangles, [n_mels, n_fft // 2 + 1], each normalised to unit area (Slaney-style)."""
    def hz_to_mel(f):
        return 2595.0 * np.log10(1.0 + np.asarray(f) / 700.0)

    def mel_to_hz(m):
        return 700.0 * (10.0 ** (np.asarray(m) / 2595.0) - 1.0)

    bin_hz = np.linspace(0.0, sample_rate / 2, n_fft // 2 + 1)
    edges_hz = mel_to_hz(np.linspace(hz_to_mel(f_min_hz), hz_to_mel(min(f_max_hz, sample_rate / 2)), n_mels + 2))
    lower, centre, upper = edges_hz[:-2, None], edges_hz[1:-1, None], edges_hz[2:, None]
    rising = (bin_hz[None, :] - lower) / (centre - lower)
    falling = (upper - bin_hz[None, :]) / (upper - centre)
    bank = np.maximum(0.0, np.minimum(rising, falling))
    bank *= 2.0 / (upper - lower)  # equal area, so wide high bands do not dominate
    return bank.astype(np.float32)


class LogMel(nn.Module):
    """Waveform [B, samples] -> scaled log-mel [B, 1, n_mels, frames]. No learned weights."""

    def __init__(self, config: JudgeConfig):
        super().__init__()
        self.n_fft, self.hop_length = config.n_fft, config.hop_length
        bank = mel_filterbank(config.sample_rate, config.n_fft, config.n_mels, config.f_min_hz, config.f_max_hz)
        # Not persistent: rebuilt from the config, so the weights file holds only learned tensors.
        self.register_buffer("window", torch.hann_window(config.n_fft), persistent=False)
        self.register_buffer("bank", torch.from_numpy(bank), persistent=False)

    def forward(self, wave: torch.Tensor) -> torch.Tensor:
        spec = torch.stft(wave, self.n_fft, self.hop_length, window=self.window, center=True,
                          return_complex=True)  # [B, n_fft/2+1, frames]
        power = spec.real.square() + spec.imag.square()
        mel_db = 10.0 * torch.log10(torch.matmul(self.bank, power) + 1e-10)  # [B, n_mels, frames]
        return ((mel_db + 40.0) / 20.0).unsqueeze(1)  # roughly zero-centred, unit-ish scale


class JudgeNet(nn.Module):
    """Log-mel CNN: ``features`` (fixed) then ``head`` (learned) -> (embedding, logits)."""

    def __init__(self, config: JudgeConfig):
        super().__init__()
        self.logmel = LogMel(config)
        blocks, in_ch = [], 1
        for out_ch in config.channels:
            blocks += [nn.Conv2d(in_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(),
                       nn.Conv2d(out_ch, out_ch, 3, padding=1, bias=False), nn.BatchNorm2d(out_ch), nn.ReLU(),
                       nn.AvgPool2d(2)]
            in_ch = out_ch
        self.body = nn.Sequential(*blocks)
        self.embed = nn.Linear(2 * in_ch, config.embedding_dim)
        self.dropout = nn.Dropout(config.dropout)
        self.classify = nn.Linear(config.embedding_dim, len(config.class_names))

    def head(self, mel: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        """Log-mel [B, 1, n_mels, frames] -> (embedding [B, E], logits [B, classes])."""
        x = self.body(mel).mean(dim=2)  # [B, C, frames/2^k]: pool frequency away
        x = torch.cat([x.mean(dim=2), x.amax(dim=2)], dim=1)  # [B, 2C]: average and loudest moment
        embedding = self.embed(x)
        return embedding, self.classify(self.dropout(F.relu(embedding)))

    def forward(self, wave: torch.Tensor) -> tuple[torch.Tensor, torch.Tensor]:
        return self.head(self.logmel(wave))


def prepare(audio: Audio, sample_rate: int) -> np.ndarray:
    """Mono float32 at ``sample_rate``, peak-normalised (silence stays silent, -90 dBFS stays quiet)."""
    from scipy.signal import resample_poly

    mono = audio.samples.mean(axis=0).astype(np.float64)
    if audio.sample_rate != sample_rate:
        g = np.gcd(audio.sample_rate, sample_rate)
        mono = resample_poly(mono, sample_rate // g, audio.sample_rate // g)
    peak = float(np.max(np.abs(mono))) if mono.size else 0.0
    return (mono / max(peak, PEAK_FLOOR)).astype(np.float32)


def eval_crops(mono: np.ndarray, window_samples: int, max_crops: int) -> np.ndarray:
    """[crops, window_samples]: one zero-padded crop for short sounds, evenly spaced ones for long."""
    if mono.size <= window_samples:
        return np.pad(mono, (0, window_samples - mono.size))[None, :]
    n_crops = min(max_crops, int(np.ceil(mono.size / window_samples)))
    starts = np.linspace(0, mono.size - window_samples, n_crops).round().astype(int)
    return np.stack([mono[s:s + window_samples] for s in starts])


class Judge:
    """Inference wrapper: weights + config, no training state. Settings are call arguments."""

    def __init__(self, net: JudgeNet, config: JudgeConfig):
        self.net, self.config = net.eval(), config

    @classmethod
    def new(cls, config: JudgeConfig | None = None, seed: int = 0) -> Judge:
        """Freshly initialised (untrained) judge; deterministic for a seed."""
        config = config or JudgeConfig()
        with torch.random.fork_rng(devices=[]):
            torch.manual_seed(seed)
            return cls(JudgeNet(config), config)

    @classmethod
    def load(cls, path: str | Path | None = None) -> Judge:
        """Load ``<path>.safetensors`` + ``<path>.json``; default: the judge shipped in the package."""
        from safetensors.torch import load as load_tensors

        if path is None:
            base = resources.files("museforge") / "weights"
            weights, config_file = base / f"{WEIGHTS_NAME}.safetensors", base / f"{WEIGHTS_NAME}.json"
        else:
            stem = Path(path).with_suffix("")
            weights, config_file = stem.with_suffix(".safetensors"), stem.with_suffix(".json")
        if not (weights.is_file() and config_file.is_file()):
            raise MuseforgeError(f"judge weights not found: need {weights} and {config_file}")
        config = JudgeConfig.from_json(config_file.read_text())
        net = JudgeNet(config)
        state = {k: v.float() for k, v in load_tensors(weights.read_bytes()).items()}
        net.load_state_dict(state)
        return cls(net, config)

    def save(self, path: str | Path) -> tuple[Path, Path]:
        """Write ``<path>.safetensors`` (float32, learned tensors only) and ``<path>.json``."""
        from safetensors.torch import save_file

        stem = Path(path).with_suffix("")
        stem.parent.mkdir(parents=True, exist_ok=True)
        state = {k: v.detach().contiguous() for k, v in self.net.state_dict().items()}
        save_file(state, str(stem.with_suffix(".safetensors")), metadata={"model": "museforge sfx judge"})
        stem.with_suffix(".json").write_text(self.config.to_json())
        return stem.with_suffix(".safetensors"), stem.with_suffix(".json")

    def with_threshold(self, reject_below: float) -> Judge:
        """The same network with another open-set threshold (shares weights)."""
        return Judge(self.net, replace(self.config, reject_below=float(reject_below)))

    @torch.inference_mode()
    def analyse(self, audios: list[Audio], batch_crops: int = 64) -> tuple[np.ndarray, np.ndarray]:
        """Class probabilities [N, classes] and embeddings [N, E], each averaged over a sound's crops."""
        cfg = self.config
        crops = [eval_crops(prepare(self._check(a), cfg.sample_rate), cfg.window_samples, cfg.max_eval_crops)
                 for a in audios]
        owner = np.repeat(np.arange(len(crops)), [len(c) for c in crops])
        if not crops:
            return np.zeros((0, len(cfg.class_names))), np.zeros((0, cfg.embedding_dim))
        stacked = torch.from_numpy(np.concatenate(crops))
        probs, embs = [], []
        for start in range(0, len(stacked), batch_crops):
            emb, logits = self.net(stacked[start:start + batch_crops])
            probs.append(logits.softmax(dim=1).numpy())
            embs.append(emb.numpy())
        probs_all, embs_all = np.concatenate(probs), np.concatenate(embs)
        counts = np.bincount(owner, minlength=len(crops))[:, None]
        mean_probs = np.zeros((len(crops), probs_all.shape[1]))
        mean_embs = np.zeros((len(crops), embs_all.shape[1]))
        np.add.at(mean_probs, owner, probs_all)
        np.add.at(mean_embs, owner, embs_all)
        return mean_probs / counts, mean_embs / counts

    def decide(self, probs: np.ndarray) -> str | None:
        """The category for one probability row, or None (``none`` wins, or nothing is confident)."""
        names = self.config.class_names
        best = int(np.argmax(probs))
        if names[best] == NONE_CLASS or probs[best] < self.config.reject_below:
            return None
        return names[best]

    def classify(self, audio: Audio) -> tuple[str | None, dict[str, float]]:
        """(category or None, probability per class including ``none``)."""
        probs, _ = self.analyse([audio])
        return self.decide(probs[0]), {n: float(p) for n, p in zip(self.config.class_names, probs[0])}

    def embed(self, audio: Audio) -> np.ndarray:
        """The sound's embedding [embedding_dim] (float64), for Frechet distances and nearest neighbours."""
        return self.analyse([audio])[1][0]

    @staticmethod
    def _check(audio: object) -> Audio:
        if not isinstance(audio, Audio):
            raise MuseforgeError(f"the judge takes museforge.audio.Audio, got {type(audio).__name__}")
        if audio.n_frames == 0:
            raise MuseforgeError("the judge needs at least one frame of audio")
        return audio
