"""The sound-effect judge: shapes, seeded training, save/load, the shipped weights, Frechet distance.

Everything here runs without ../shared: training uses synthetic clips, the shipped judge is
probed with signals made in the test.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from museforge.audio import Audio
from museforge.errors import MuseforgeError
from museforge.sfx.learned.data import Clip, split_by_family
from museforge.sfx.learned.frechet import frechet_distance
from museforge.sfx.learned.judge import NONE_CLASS, Judge, JudgeConfig, JudgeNet, eval_crops, prepare
from museforge.sfx.learned.train_judge import Trainer, TrainConfig

DEBUG = JudgeConfig.debug()


def synthetic_clips(sample_rate: int, seed: int = 0) -> tuple[list[np.ndarray], list[int]]:
    """Two made-up categories: decaying tone bursts (label 0) and noise bursts (label 1)."""
    rng = np.random.default_rng(seed)
    waves, labels = [], []
    for i in range(6):
        n = int(sample_rate * rng.uniform(0.2, 1.0))
        env = np.exp(-np.arange(n) / (0.1 * sample_rate))
        tone = np.sin(2 * np.pi * rng.uniform(300, 1500) * np.arange(n) / sample_rate) * env
        waves += [tone.astype(np.float32), (rng.standard_normal(n) * env).astype(np.float32)]
        labels += [0, 1]
    return [w / np.abs(w).max() for w in waves], labels


def train_steps(n_steps: int, seed: int = 0) -> Trainer:
    waves, labels = synthetic_clips(DEBUG.sample_rate)
    trainer = Trainer(DEBUG, TrainConfig(steps=10, batch_size=8, seed=seed), waves, labels)
    for _ in range(n_steps):
        trainer.train_step()
    return trainer


def same_state(a: torch.nn.Module, b: torch.nn.Module) -> bool:
    sa, sb = a.state_dict(), b.state_dict()
    return sa.keys() == sb.keys() and all(torch.equal(sa[k], sb[k]) for k in sa)


# --- model -----------------------------------------------------------------------------------

def test_debug_model_shapes():
    net = JudgeNet(DEBUG).eval()
    wave = torch.randn(3, DEBUG.window_samples)
    mel = net.logmel(wave)
    assert mel.shape == (3, 1, DEBUG.n_mels, DEBUG.window_samples // DEBUG.hop_length + 1)
    emb, logits = net(wave)
    assert emb.shape == (3, DEBUG.embedding_dim)
    assert logits.shape == (3, len(DEBUG.categories) + 1)
    assert DEBUG.class_names[-1] == NONE_CLASS
    assert sum(p.numel() for p in net.parameters()) < 5_000  # debug stays tiny


def test_shipped_config_size_is_small():
    n_params = sum(p.numel() for p in JudgeNet(JudgeConfig()).parameters())
    assert 10_000 < n_params < 2_000_000  # tens of k to a few M, and < 5 MB as float32 (4 bytes each)


def test_prepare_resamples_mixes_and_normalises():
    stereo = np.stack([np.full(48_000, 0.1), np.full(48_000, 0.3)]).astype(np.float32)
    mono = prepare(Audio(stereo, 48_000), 22_050)
    assert mono.shape == (22_050,)
    assert np.max(np.abs(mono)) == pytest.approx(1.0, abs=2e-2)  # peak-normalised (resampling ripple at edges)
    assert np.max(np.abs(prepare(Audio(np.zeros((1, 100), np.float32), 8_000), 8_000))) == 0.0


def test_eval_crops_lengths():
    window = DEBUG.window_samples
    assert eval_crops(np.ones(window // 3, np.float32), window, 3).shape == (1, window)
    long = np.arange(10 * window, dtype=np.float32)
    crops = eval_crops(long, window, 3)
    assert crops.shape == (3, window)
    assert crops[0, 0] == 0 and crops[-1, -1] == long[-1]  # first and last crops cover the ends


# --- training --------------------------------------------------------------------------------

def test_training_is_seeded_and_learns_something():
    a, b, c = train_steps(3, seed=1), train_steps(3, seed=1), train_steps(3, seed=2)
    assert same_state(a.net, b.net)
    assert not same_state(a.net, c.net)
    fresh = Trainer(DEBUG, TrainConfig(steps=10, batch_size=8, seed=1), *synthetic_clips(DEBUG.sample_rate))
    assert not same_state(a.net, fresh.net)  # the steps changed the weights


def test_resume_from_checkpoint_matches_uninterrupted(tmp_path):
    straight = train_steps(4, seed=3)
    first = train_steps(2, seed=3)
    first.save_checkpoint(tmp_path / "ckpt.pt")
    resumed = Trainer(DEBUG, TrainConfig(steps=10, batch_size=8, seed=3), *synthetic_clips(DEBUG.sample_rate))
    resumed.load_checkpoint(tmp_path / "ckpt.pt")
    assert resumed.step == 2
    resumed.train_step()
    resumed.train_step()
    assert same_state(straight.net, resumed.net)


def test_save_load_round_trip_gives_identical_outputs(tmp_path):
    judge = train_steps(2).judge().with_threshold(0.3)
    judge.save(tmp_path / "judge")
    loaded = Judge.load(tmp_path / "judge")
    assert loaded.config == judge.config
    rng = np.random.default_rng(5)
    audios = [Audio(rng.standard_normal((2, 6_000)).astype(np.float32) * 0.1, 16_000),
              Audio(np.sin(np.arange(30_000) * 0.05).astype(np.float32), 8_000)]
    probs_a, emb_a = judge.analyse(audios)
    probs_b, emb_b = loaded.analyse(audios)
    np.testing.assert_array_equal(probs_a, probs_b)
    np.testing.assert_array_equal(emb_a, emb_b)
    np.testing.assert_allclose(probs_a.sum(axis=1), 1.0, atol=1e-5)


def test_split_keeps_families_together_and_thin_categories_keep_their_longest():
    clips = [Clip(f"a/{i}.flac", "impact", "x", f"fam{i // 3}", "CC0", 1.0) for i in range(30)]
    clips += [Clip("r/long.flac", "rain", "x", "long", "CC0", 50.0),
              Clip("r/short.flac", "rain", "x", "short", "CC0", 3.0)]
    train, held = split_by_family(clips, seed=7)
    assert {c.family for c in train if c.category == "impact"}.isdisjoint({c.family for c in held})
    assert [c.family for c in held if c.category == "rain"] == ["short"]
    assert split_by_family(clips, seed=7) == (train, held)
    assert 2 <= len({c.family for c in held if c.category == "impact"}) <= 3  # ~25% of 10 families


# --- the shipped judge -------------------------------------------------------------------------

@pytest.fixture(scope="module")
def shipped() -> Judge:
    return Judge.load()


def _noise(n: int, exponent: float, rng) -> np.ndarray:
    spectrum = np.fft.rfft(rng.standard_normal(n))
    freqs = np.maximum(np.fft.rfftfreq(n), 1.0 / n)
    noise = np.fft.irfft(spectrum * freqs ** (-exponent / 2), n=n)
    return (0.5 * noise / np.abs(noise).max()).astype(np.float32)


@pytest.mark.parametrize("sample_rate,channels", [(48_000, 1), (44_100, 2), (16_000, 1)])
def test_shipped_judge_rejects_noise_silence_and_tones(shipped, sample_rate, channels):
    rng = np.random.default_rng(sample_rate)
    n = int(1.7 * sample_rate)
    t = np.arange(n) / sample_rate
    signals = {"white": _noise(n, 0.0, rng), "pink": _noise(n, 1.0, rng), "silence": np.zeros(n, np.float32)}
    for freq_hz in (80.0, 440.0, 2_500.0, 6_000.0):
        signals[f"sine {freq_hz:g} Hz"] = (0.3 * np.sin(2 * np.pi * freq_hz * t)).astype(np.float32)
    for name, wave in signals.items():
        audio = Audio(np.tile(wave, (channels, 1)), sample_rate)
        category, probs = shipped.classify(audio)
        assert category is None, f"{name} was called {category} ({probs})"
        assert set(probs) == set(shipped.config.class_names)


def test_shipped_judge_is_level_invariant_and_small(shipped):
    from importlib import resources

    weights = resources.files("museforge") / "weights" / "sfx_judge.safetensors"
    assert weights.is_file() and len(weights.read_bytes()) < 5_000_000
    rng = np.random.default_rng(3)
    n = 30_000
    burst = (rng.standard_normal(n) * np.exp(-np.arange(n) / 3_000)).astype(np.float32)
    loud, quiet = Audio(0.9 * burst / np.abs(burst).max(), 44_100), Audio(0.05 * burst / np.abs(burst).max(), 44_100)
    np.testing.assert_allclose(shipped.embed(loud), shipped.embed(quiet), rtol=1e-4, atol=1e-4)
    assert shipped.embed(loud).shape == (shipped.config.embedding_dim,)


def test_bad_input_is_a_user_error(shipped, tmp_path):
    with pytest.raises(MuseforgeError, match="Audio"):
        shipped.classify(np.zeros(100))
    with pytest.raises(MuseforgeError, match="not found"):
        Judge.load(tmp_path / "missing")
    with pytest.raises(MuseforgeError, match="valid"):
        JudgeConfig.from_json('{"n_mels": 64, "mel_bins": 3}')


# --- Frechet distance --------------------------------------------------------------------------

def test_frechet_distance_properties():
    rng = np.random.default_rng(0)
    a = rng.standard_normal((40, 8))
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-8)
    distances = [frechet_distance(a, a + shift) for shift in (0.1, 0.5, 1.0, 2.0)]
    assert distances == sorted(distances) and distances[0] > 0
    # Same covariance, mean moved by s in each of 8 dimensions: exactly 8 s^2.
    assert distances[-1] == pytest.approx(8 * 2.0 ** 2, rel=1e-6)
    assert frechet_distance(a, 3.0 * a) > frechet_distance(a, 1.5 * a) > 0  # spread matters too
    b = rng.standard_normal((5, 8))  # fewer rows than dimensions: shrinkage keeps it finite
    assert np.isfinite(frechet_distance(b, a)) and frechet_distance(b, a) == pytest.approx(frechet_distance(a, b))


def test_frechet_distance_rejects_bad_sets():
    rng = np.random.default_rng(1)
    with pytest.raises(MuseforgeError, match="at least 2"):
        frechet_distance(rng.standard_normal((1, 4)), rng.standard_normal((5, 4)))
    with pytest.raises(MuseforgeError, match="same d"):
        frechet_distance(rng.standard_normal((5, 4)), rng.standard_normal((5, 3)))
    with pytest.raises(MuseforgeError, match="shrinkage"):
        frechet_distance(rng.standard_normal((5, 4)), rng.standard_normal((5, 4)), shrinkage=2.0)


# --- evaluation logic (no real data needed) ----------------------------------------------------

def test_generated_set_identical_to_held_out_meets_both_targets():
    from museforge.sfx.learned.evaluate import RealReference, format_table, real_accuracy, score_generated

    judge = train_steps(2).judge()
    waves, _ = synthetic_clips(DEBUG.sample_rate, seed=4)
    audios = [Audio(w, DEBUG.sample_rate) for w in waves]
    train_a, held_a = audios[:8], audios[8:]
    train_probs, train_emb = judge.analyse(train_a)
    held_probs, held_emb = judge.analyse(held_a)
    ref = RealReference(train_emb, np.array(["impact"] * 8), held_emb, np.array(["impact"] * 4),
                        real_accuracy(judge, held_probs, ["impact"] * 4),
                        real_accuracy(judge, train_probs, ["impact"] * 8))
    scored = score_generated(judge, ref, {"copy": ("impact", held_a)})
    row = scored["per_category"]["impact"]
    assert row["generated_n"] == 4 and row["generated_recognised"] == row["held_out_accuracy"]
    assert row["fd_generated_vs_real"] == pytest.approx(row["fd_real_vs_real"], rel=1e-6)
    assert row["meets_targets"] and scored["categories_meeting_targets"] == ["impact"]
    assert "generated_n" not in scored["per_category"]["rain"]  # no generator: no figures invented
    table = format_table({"per_category": scored["per_category"], "held_out_accuracy_overall": 0.5,
                          "held_out_accuracy_balanced": 0.5, "held_out_n": 4, "reject_below": 0.0,
                          "rejection": {"x": {"category": None, "top_p": 0.1}}})
    assert "| impact | 4 |" in table and "| met |" in table


# --- augmentation ------------------------------------------------------------------------------

def _centroid_hz(wave: np.ndarray, sample_rate: int) -> float:
    power = np.abs(np.fft.rfft(wave)) ** 2
    return float(np.sum(np.fft.rfftfreq(wave.size, 1 / sample_rate) * power) / np.sum(power))


def test_repeat_events_lays_a_short_sound_down_several_times():
    from museforge.sfx.learned.augment import repeat_events

    sr, n_window = 8_000, 8_000
    t = np.arange(800) / sr
    knock = (np.sin(2 * np.pi * 300 * t) * np.exp(-t / 0.01)).astype(np.float32)
    knock = np.concatenate([knock, np.zeros(400, np.float32)])  # a silent tail, cut before placing
    for n_events in (2, 3, 4):
        out = repeat_events(knock, n_window, n_events, np.random.default_rng(n_events))
        assert out.shape == (n_window,) and out.dtype == np.float32
        assert np.max(np.abs(out)) == pytest.approx(1.0)
        frames = np.sqrt(np.mean(out[: n_window // 40 * 40].reshape(-1, 40) ** 2, axis=1))  # 5 ms frames
        loud = frames > 0.3 * frames.max()
        onsets = int(np.sum(loud[1:] & ~loud[:-1]) + loud[0])
        assert 1 < onsets <= n_events  # copies may land close enough to merge, never more than asked
    assert not np.any(repeat_events(np.zeros(100, np.float32), n_window, 3, np.random.default_rng(0)))


def test_augmentations_keep_length_and_move_the_spectrum_the_right_way():
    from museforge.sfx.learned.augment import equalise, random_crop

    rng = np.random.default_rng(0)
    sample_rate, n = 16_000, 8_000
    noise = rng.standard_normal(3 * n).astype(np.float32)
    for speed in (0.8, 1.0, 1.25):
        assert random_crop(noise, n, 0.5, speed, rng).shape == (n,)
    short = np.ones(100, np.float32)
    padded = random_crop(short, n, 0.5, 1.0, rng)
    assert padded.shape == (n,) and padded.sum() == pytest.approx(100.0)
    # A faster playback of a 1 kHz tone is a higher tone.
    tone = np.sin(2 * np.pi * 1000 * np.arange(3 * n) / sample_rate).astype(np.float32)
    assert _centroid_hz(random_crop(tone, n, 0.5, 1.25, rng), sample_rate) == pytest.approx(1250, rel=0.02)
    crop = noise[:n]
    brighter, darker = equalise(crop, sample_rate, 0.5, None), equalise(crop, sample_rate, -0.5, None)
    assert _centroid_hz(darker, sample_rate) < _centroid_hz(crop, sample_rate) < _centroid_hz(brighter, sample_rate)
    limited = equalise(crop, sample_rate, 0.0, 3_000.0)
    spectrum = np.abs(np.fft.rfft(limited)) ** 2
    above = spectrum[np.fft.rfftfreq(n, 1 / sample_rate) > 3_000].sum() / spectrum.sum()
    assert above < 1e-10 and np.max(np.abs(limited)) == pytest.approx(1.0)


def test_negatives_are_steady():
    from museforge.sfx.learned.negatives import NEGATIVE_KINDS, negative

    rng = np.random.default_rng(2)
    for kind in NEGATIVE_KINDS:
        wave = negative(16_000, 16_000, rng, kind)
        assert wave.shape == (16_000,) and wave.dtype == np.float32 and np.max(np.abs(wave)) <= 1.0
        if kind not in ("silence", "clicks"):  # steady: RMS of each quarter within 1.5 dB of the others
            quarters = [np.sqrt(np.mean(q.astype(np.float64) ** 2)) for q in np.split(wave, 4)]
            assert 20 * np.log10(max(quarters) / min(quarters)) < 1.5, kind
    with pytest.raises(ValueError, match="valid"):
        negative(100, 8_000, rng, "chirp")


# --- command line --------------------------------------------------------------------------------

def test_cli_classify_and_distance(tmp_path):
    from typer.testing import CliRunner

    from museforge.serve.cli_judge import app

    rng = np.random.default_rng(9)
    for i in range(3):
        Audio(_noise(88_200, float(i), rng)[None, :], 44_100).write(tmp_path / f"noise{i}.wav")  # 2 s: steady
    runner = CliRunner()
    result = runner.invoke(app, ["classify", str(tmp_path / "noise0.wav")])
    assert result.exit_code == 0 and "noise0.wav: none" in result.output
    result = runner.invoke(app, ["distance", str(tmp_path), str(tmp_path)])
    assert result.exit_code == 0 and float(result.output.split()[0]) == pytest.approx(0.0, abs=1e-6)
    result = runner.invoke(app, ["classify", str(tmp_path / "missing.wav")])
    assert isinstance(result.exception, MuseforgeError)
