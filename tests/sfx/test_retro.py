"""Retro (sfxr) sounds: jsfxr fidelity, lengths, pitch, filters, seeds, jsfxr JSON, mutate locks, errors."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from museforge.errors import MuseforgeError
from museforge.sfx import retro
from museforge.sfx.recipe import get_recipe
from museforge.sfx.retro_synth import TICK_RATE, SfxrParams, render_sfxr, render_sfxr_ticks

RATES = (44_100, 48_000, 22_050)


# --- a per-sample transcription of jsfxr's generate loop: the oracle for the vectorised synth ---

class _Noise:
    """jsfxr's 32-value noise buffer, redrawn per cycle from the same stream the synth uses."""

    def __init__(self, rng: np.random.Generator):
        self.rng = rng
        self.buf = rng.uniform(-1.0, 1.0, 32)

    def redraw(self) -> None:
        self.buf = self.rng.uniform(-1.0, 1.0, 32)


def jsfxr_loop(p: SfxrParams, rng: np.random.Generator) -> np.ndarray:
    def restart() -> dict:
        arp = 1 - p.p_arp_mod ** 2 * 0.9 if p.p_arp_mod >= 0 else 1 + p.p_arp_mod ** 2 * 10
        return {"period": 100 / (p.p_base_freq ** 2 + 0.001), "mult": 1 - p.p_freq_ramp ** 3 * 0.01,
                "duty": 0.5 - p.p_duty * 0.5, "arp": arp,
                "arp_t": 0 if p.p_arp_speed == 1 else math.floor((1 - p.p_arp_speed) ** 2 * 20000 + 32)}

    wave = ("square", "sawtooth", "sine", "noise").index(p.wave_type)
    noise = _Noise(rng)
    s = restart()
    period_max = 100 / (p.p_freq_limit ** 2 + 0.001)
    fltw, fltw_d = p.p_lpf_freq ** 3 * 0.1, 1 + p.p_lpf_ramp * 1e-4
    damp = min(5 / (1 + p.p_lpf_resonance ** 2 * 20) * (0.01 + fltw), 0.8)
    flthp, flthp_d = p.p_hpf_freq ** 2 * 0.1, 1 + p.p_hpf_ramp * 3e-4
    lengths = p.envelope_ticks()
    offset = math.copysign(p.p_pha_offset ** 2 * 1020, p.p_pha_offset)
    offset_slide = math.copysign(p.p_pha_ramp ** 2, p.p_pha_ramp)
    repeat = 0 if p.p_repeat_speed == 0 else math.floor((1 - p.p_repeat_speed) ** 2 * 20000 + 32)
    since_repeat = stage = elapsed = phase = ipp = t = 0
    fltp = fltdp = fltphp = vib = 0.0
    ring, out = [0.0] * 1024, []
    while True:
        if repeat:
            since_repeat += 1
            if since_repeat >= repeat:
                s, since_repeat = restart(), 0
        if s["arp_t"] and t >= s["arp_t"]:
            s["arp_t"], s["period"] = 0, s["period"] * s["arp"]
        s["mult"] += -p.p_freq_dramp ** 3 * 1e-6
        s["period"] *= s["mult"]
        if s["period"] > period_max:
            s["period"] = period_max
            if p.p_freq_limit > 0:
                break
        rf = s["period"]
        if p.p_vib_strength > 0:
            vib += p.p_vib_speed ** 2 * 0.01
            rf = s["period"] * (1 + math.sin(vib) * p.p_vib_strength * 0.5)
        ip = max(math.floor(rf), 8)
        s["duty"] = min(max(s["duty"] - p.p_duty_ramp * 5e-5, 0.0), 0.5)
        elapsed += 1
        if elapsed > lengths[stage]:
            elapsed, stage = 0, stage + 1
            if stage > 2:
                break
        f = elapsed / lengths[stage] if lengths[stage] else 0.0
        env = f if stage == 0 else 1 + (1 - f) * 2 * p.p_env_punch if stage == 1 else 1 - f
        offset += offset_slide
        delay = min(abs(math.floor(offset)), 1023)
        flthp = min(max(flthp * flthp_d, 1e-5), 0.1)
        total = 0.0
        for _ in range(8):
            phase += 1
            if phase >= ip:
                phase %= ip
                if wave == 3:
                    noise.redraw()
            fp, d = phase / ip, s["duty"]
            if wave == 0:
                x = 0.5 if fp < d else -0.5
            elif wave == 1:
                x = -1 + 2 * fp / d if fp < d else 1 - 2 * (fp - d) / (1 - d)
            elif wave == 2:
                x = math.sin(fp * 2 * math.pi)
            else:
                x = noise.buf[phase * 32 // ip]
            previous = fltp
            fltw = min(max(fltw * fltw_d, 0.0), 0.1)
            if p.p_lpf_freq != 1:
                fltdp = (fltdp + (x - fltp) * fltw) * (1 - damp)
            else:
                fltp, fltdp = x, 0.0
            fltp += fltdp
            fltphp = (fltphp + fltp - previous) * (1 - flthp)
            ring[ipp & 1023] = fltphp
            total += (fltphp + ring[(ipp - delay + 1024) & 1023]) * env
            ipp = (ipp + 1) & 1023
        out.append(total / 8 * (math.exp(p.sound_vol) - 1))
        t += 1
    return np.array(out)


SHORT = {"p_env_sustain": 0.15, "p_env_decay": 0.15}  # ~0.1 s: keeps the oracle fast
EXACT_CASES = {
    "square": {},
    "saw duty sweep punch": {"wave_type": "sawtooth", "p_duty": 0.3, "p_duty_ramp": 0.6, "p_env_attack": 0.05,
                             "p_env_punch": 0.5, "p_freq_ramp": 0.3, "p_freq_dramp": -0.5},
    "sine vibrato arpeggio repeat": {"wave_type": "sine", "p_base_freq": 0.6, "p_vib_strength": 0.5,
                                     "p_vib_speed": 0.7, "p_arp_mod": -0.4, "p_arp_speed": 0.8,
                                     "p_repeat_speed": 0.85},
    "falling to the limit": {"p_base_freq": 0.7, "p_freq_limit": 0.5, "p_freq_ramp": -0.5},
    "clamped at lowest pitch": {"p_base_freq": 0.1, "p_freq_ramp": -1.0, "p_freq_dramp": 1.0},
    "static filters and phaser": {"p_lpf_freq": 0.3, "p_lpf_resonance": 0.8, "p_hpf_freq": 0.4,
                                  "p_pha_offset": -0.4, "p_pha_ramp": 0.07},
    "noise": {"wave_type": "noise", "p_base_freq": 0.2, "p_freq_ramp": 0.2, "p_pha_offset": 0.2},
}


@pytest.mark.parametrize("case", EXACT_CASES)
def test_vectorised_synth_equals_the_jsfxr_loop(case):
    p = SfxrParams(**{**SHORT, **EXACT_CASES[case]})
    ours = render_sfxr_ticks(p, np.random.default_rng(3))
    oracle = jsfxr_loop(p, np.random.default_rng(3))
    assert ours.shape == oracle.shape
    np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-11)


def test_swept_filters_stay_close_to_the_jsfxr_loop():
    p = SfxrParams(**SHORT, p_lpf_freq=0.4, p_lpf_ramp=0.6, p_lpf_resonance=0.6, p_hpf_freq=0.3, p_hpf_ramp=-0.6)
    ours, oracle = render_sfxr_ticks(p, np.random.default_rng(0)), jsfxr_loop(p, np.random.default_rng(0))
    error_db = 20 * np.log10(np.sqrt(np.mean((ours - oracle) ** 2)) / np.sqrt(np.mean(oracle ** 2)))
    assert error_db < -40  # the low-pass coefficient held per <=0.5% block instead of per sub-sample


def _short(p: SfxrParams, limit: float = 0.08) -> SfxrParams:
    """The same sound with each envelope stage at most ``limit`` (jsfxr units): keeps the oracle quick."""
    return p.replace(**{n: min(getattr(p, n), limit) for n in ("p_env_attack", "p_env_sustain", "p_env_decay")})


# Every path of the synth: the drawn sounds of each category, and each with a stage switched on that
# the category rarely or never uses (constant low-pass, moving high-pass, fixed and moving phaser).
STAGES = {"as drawn": {}, "low-pass": {"p_lpf_freq": 0.45, "p_lpf_resonance": 0.7},
          "swept high-pass": {"p_hpf_freq": 0.25, "p_hpf_ramp": 0.5},
          "fixed phaser": {"p_pha_offset": 0.27}, "moving phaser": {"p_pha_offset": -0.3, "p_pha_ramp": 0.2}}


@pytest.mark.parametrize("stage", STAGES)
@pytest.mark.parametrize("category", [*retro.CATEGORIES, "random"])
def test_synth_equals_the_jsfxr_loop_on_every_category(category, stage):
    for seed in range(2):
        p = retro.randomize(seed + 10) if category == "random" else retro.generate(category, seed)
        if category == "random":  # the swept low-pass is the one approximation (test above)
            p = p.replace(p_lpf_ramp=0.0)
        p = _short(p.replace(**STAGES[stage]))
        ours, oracle = render_sfxr_ticks(p, np.random.default_rng(seed)), jsfxr_loop(p, np.random.default_rng(seed))
        assert ours.shape == oracle.shape
        np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-11, err_msg=f"{category} seed {seed}: {p}")


@pytest.mark.parametrize("category", ["pickup", "blip", "powerup"])
def test_long_runs_of_one_period_equal_the_jsfxr_loop(category):
    p = _short(retro.generate(category, 3), limit=0.3)  # runs of one period stepped through in closed form
    ours, oracle = render_sfxr_ticks(p, np.random.default_rng(1)), jsfxr_loop(p, np.random.default_rng(1))
    np.testing.assert_allclose(ours, oracle, rtol=0, atol=1e-11)


def _periods_for_phases(kind: str, n: int, rng: np.random.Generator) -> np.ndarray:
    t = np.arange(n)
    shapes = {
        "constant": np.full(n, 37.0),
        "falling pitch": 60.0 * 1.002 ** t,  # periods grow faster than the phase late on
        "rising pitch": 3000.0 * 0.997 ** t,  # down to the 8-sub-sample floor
        "vibrato": 400.0 * (1.0 + 0.45 * np.sin(t * 0.01)),
        "jumps": rng.choice([9.0, 23.0, 150.0, 1500.0], size=n // 50).repeat(50),  # shrinking periods
        "noise": rng.uniform(8, 300, size=n),
    }
    return np.maximum(shapes[kind], 8).astype(np.int64)


@pytest.mark.parametrize("kind", ["constant", "falling pitch", "rising pitch", "vibrato", "jumps", "noise"])
def test_phase_stepping_equals_the_tick_by_tick_phase(kind):
    from museforge.sfx.retro_synth import _tick_phases

    period = _periods_for_phases(kind, 3000, np.random.default_rng(4))
    expected, phase = [], 0
    for p in period.tolist():  # jsfxr: phase++ then phase %= period, 8 times a tick = (phase + 8) % period
        expected.append(phase)
        phase = (phase + 8) % p
    np.testing.assert_array_equal(_tick_phases(period), expected)


@pytest.mark.parametrize("wave", ["square", "sawtooth", "noise", "sine"])
@pytest.mark.parametrize("kind", ["constant", "falling pitch", "rising pitch", "vibrato", "jumps"])
def test_sums_straight_from_the_phase_equal_the_samples(wave, kind):
    from museforge.sfx.retro_synth import _tick_phases, _Wave

    rng = np.random.default_rng(5)
    period = _periods_for_phases(kind, 2000, rng)
    if wave == "noise":
        period = period * 40  # slow noise: at least 8 sub-samples per value
    duty = np.clip(np.linspace(0.5, -0.1, period.size), 0.0, 0.5)  # down to 0: no rising part
    phase = _tick_phases(period)
    weights = rng.uniform(-1.0, 1.0, (2, 8))
    direct = _Wave(wave, phase, period, duty, np.random.default_rng(6)).weighted(weights)
    samples = _Wave(wave, phase, period, duty, np.random.default_rng(6)).rows()
    np.testing.assert_allclose(direct, weights @ samples, rtol=0, atol=1e-12)
    assert np.ptp(samples) > 0.5  # a real waveform, not silence


def test_tick_recurrences_equal_their_loops():
    from museforge.sfx.retro_synth import _lti_recurrence, _varying_recurrence

    rng = np.random.default_rng(7)
    v = rng.normal(size=(2, 3000))
    a = np.array([[0.97, 0.2], [-0.15, 0.9]])
    s, expected = np.zeros(2), []
    for column in v.T:
        s = a @ s + column
        expected.append(s)
    np.testing.assert_allclose(_lti_recurrence(a, v), np.array(expected).T, rtol=1e-9, atol=1e-11)
    c = np.concatenate((np.full(500, 0.9999), np.geomspace(0.43, 1.0, 3000), np.full(300, 1e-200)))
    u = rng.normal(size=c.size)
    y, expected = 0.0, []
    for ci, ui in zip(c.tolist(), u.tolist()):
        y = ci * y + ui
        expected.append(y)
    np.testing.assert_allclose(_varying_recurrence(c, u), expected, rtol=1e-9, atol=1e-11)


@pytest.mark.parametrize("sample_rate", (48_000, 22_050, 32_000))
def test_resample_keeps_scipys_default_filter(sample_rate):
    from scipy import signal

    from museforge.sfx.retro_synth import resample

    x = np.random.default_rng(8).uniform(-1.0, 1.0, 3000)
    g = math.gcd(sample_rate, TICK_RATE)
    np.testing.assert_array_equal(resample(x, sample_rate), signal.resample_poly(x, sample_rate // g, TICK_RATE // g))


# --- measured properties ------------------------------------------------------------------------

def _pitch_hz(x: np.ndarray, sample_rate: int) -> float:
    crossings = np.flatnonzero(np.diff(np.signbit(x).astype(np.int8)) != 0)
    return (crossings.size - 1) / 2 / ((crossings[-1] - crossings[0]) / sample_rate)


def _centroid_hz(x: np.ndarray, sample_rate: int) -> float:
    spectrum = np.abs(np.fft.rfft(x * np.hanning(x.size)))
    return float(np.sum(np.fft.rfftfreq(x.size, 1 / sample_rate) * spectrum) / np.sum(spectrum))


@pytest.mark.parametrize("sample_rate", RATES)
@pytest.mark.parametrize("attack, sustain, decay", [(0.0, 0.3, 0.4), (0.2, 0.1, 0.0), (0.1, 0.0, 0.25)])
def test_length_is_attack_plus_sustain_plus_decay(attack, sustain, decay, sample_rate):
    p = SfxrParams(p_env_attack=attack, p_env_sustain=sustain, p_env_decay=decay)
    ticks = sum(math.floor(v * v * 100_000) for v in (attack, sustain, decay)) + 2
    audio = render_sfxr(p, sample_rate=sample_rate)
    assert audio.n_frames == math.ceil(ticks * sample_rate / TICK_RATE)
    assert audio.duration_s == pytest.approx(p.envelope_duration_s(), abs=1 / sample_rate)


@pytest.mark.parametrize("sample_rate", RATES)
def test_base_freq_sets_the_measured_pitch(sample_rate):
    pitches = []
    for base in (0.2, 0.3, 0.45):
        x = render_sfxr(SfxrParams(wave_type="sine", p_base_freq=base, p_env_decay=0.0), sample_rate=sample_rate)
        pitches.append(_pitch_hz(x.samples[0], sample_rate))
        expected = TICK_RATE * 8 / math.floor(100 / (base * base + 0.001))  # integer period in sub-samples
        assert pitches[-1] == pytest.approx(expected, rel=0.01)
    assert pitches == sorted(pitches)


@pytest.mark.parametrize("ramp, rises", [(0.3, True), (-0.3, False)])
def test_slide_moves_the_pitch_its_way(ramp, rises):
    x = render_sfxr(SfxrParams(wave_type="sine", p_base_freq=0.35, p_freq_ramp=ramp, p_env_decay=0.0)).samples[0]
    quarter = x.size // 4
    first, last = _pitch_hz(x[:quarter], TICK_RATE), _pitch_hz(x[-quarter:], TICK_RATE)
    assert (last > first * 1.2) if rises else (last < first / 1.2)


def test_low_pass_cutoff_lowers_the_spectral_centroid():
    base = SfxrParams(wave_type="sawtooth", p_duty=1.0, p_env_decay=0.0)
    centroids = [_centroid_hz(render_sfxr(base.replace(p_lpf_freq=f)).samples[0], TICK_RATE) for f in (1.0, 0.6, 0.35)]
    assert centroids[0] > centroids[1] * 1.3 > centroids[2] * 1.3 * 1.3


def test_freq_limit_stops_a_falling_sound_early():
    p = SfxrParams(p_base_freq=0.6, p_freq_ramp=-0.5, p_env_sustain=0.6)
    natural = render_sfxr(p).n_frames
    cut = render_sfxr(p.replace(p_freq_limit=0.3)).n_frames
    assert cut < natural / 3


# --- the seven generators and the recipes ---------------------------------------------------

@pytest.mark.parametrize("category", retro.CATEGORIES)
def test_generators_are_seeded_in_range_and_clean(category):
    recipe = get_recipe(f"retro_{category}")
    assert retro.generate(category, 5) == retro.generate(category, 5) != retro.generate(category, 6)
    assert recipe.sfxr_params(recipe.resolve(), 5) == retro.generate(category, 5).replace(
        sound_vol=recipe.param("sound_vol").default)
    a, b = recipe.render(seed=5, sample_rate=44_100), recipe.render(seed=5, sample_rate=44_100)
    np.testing.assert_array_equal(a.samples, b.samples)
    for seed in range(4):
        for rate in RATES:
            x = recipe.render(seed=seed, sample_rate=rate).samples
            assert np.all(np.isfinite(x)) and 0.01 < np.max(np.abs(x)) < 0.999  # audible, never clipped


def _two_step_sfxr_params(category: str, values: dict, seed: int) -> SfxrParams:
    """What the category recipes' one-construction sfxr_params must equal: generate, then replace."""
    p = retro.generate(category, seed)
    stretch = math.sqrt(values["length_scale"])
    changes = {n: min(1.0, getattr(p, n) * stretch) for n in ("p_env_attack", "p_env_sustain", "p_env_decay")}
    changes["p_base_freq"] = retro._transpose(p.p_base_freq, values["pitch_semitones"])
    if p.p_freq_limit > 0:
        changes["p_freq_limit"] = retro._transpose(p.p_freq_limit, values["pitch_semitones"])
    if values["wave_type"] != "auto":
        changes["wave_type"] = values["wave_type"]
    return p.replace(sound_vol=values["sound_vol"], **changes)


@pytest.mark.parametrize("category", retro.CATEGORIES)
def test_recipe_params_equal_generate_then_replace(category):
    recipe = get_recipe(f"retro_{category}")
    controls = [{}, {"pitch_semitones": -7.5, "length_scale": 3.0, "sound_vol": 0.4, "wave_type": "sine"},
                {"pitch_semitones": 24.0, "length_scale": 0.25, "wave_type": "noise"}]
    for values in controls:
        resolved = recipe.resolve(values)
        for seed in range(30):
            fast = recipe.sfxr_params(resolved, seed)
            assert fast == _two_step_sfxr_params(category, resolved, seed)
            assert all(type(getattr(fast, n)) is float for n in retro.KNOBS)


def test_aliases_and_retro_presets():
    assert retro.generate("coin", 1) == retro.generate("pickup", 1)
    coin = get_recipe("retro_coin").render(seed=2).samples
    np.testing.assert_array_equal(coin, get_recipe("retro_pickup").render(seed=2).samples)
    preset = get_recipe("retro").render(preset="laser", sample_rate=44_100)
    assert preset.n_frames <= math.ceil(retro.generate("laser", 2024).envelope_duration_s() * 44_100)


@pytest.mark.parametrize("sample_rate", (44_100, 48_000))
def test_duration_s_pads_or_trims_to_exact_frames(sample_rate):
    recipe = get_recipe("retro_blip")
    natural = recipe.render(seed=0, sample_rate=sample_rate)
    longer = recipe.render(seed=0, sample_rate=sample_rate, duration_s=natural.duration_s + 0.5)
    shorter = recipe.render(seed=0, sample_rate=sample_rate, duration_s=natural.duration_s / 2)
    assert longer.n_frames == round((natural.duration_s + 0.5) * sample_rate)
    np.testing.assert_array_equal(longer.samples[:, :natural.n_frames], natural.samples)
    assert not np.any(longer.samples[:, natural.n_frames:])
    assert shorter.n_frames == round(natural.duration_s / 2 * sample_rate)
    assert shorter.samples[0, -1] == 0.0 and np.max(np.abs(shorter.samples)) > 0.05


def test_recipe_controls_move_pitch_and_length():
    recipe = get_recipe("retro_blip")
    values = {"wave_type": "sine"}
    plain = recipe.render(values, seed=3, sample_rate=44_100).samples[0]
    octave = recipe.render({**values, "pitch_semitones": 12}, seed=3, sample_rate=44_100).samples[0]
    longer = recipe.render({**values, "length_scale": 2.0}, seed=3, sample_rate=44_100).samples[0]
    assert _pitch_hz(octave, TICK_RATE) / _pitch_hz(plain, TICK_RATE) == pytest.approx(2.0, rel=0.02)
    assert longer.size == pytest.approx(2 * plain.size, rel=0.01)


def test_retro_recipe_seed_only_drives_noise():
    recipe = get_recipe("retro")
    tone = {"p_env_sustain": 0.2}
    np.testing.assert_array_equal(recipe.render(tone, seed=1).samples, recipe.render(tone, seed=2).samples)
    noise = {**tone, "wave_type": "noise"}
    assert not np.array_equal(recipe.render(noise, seed=1).samples, recipe.render(noise, seed=2).samples)
    np.testing.assert_array_equal(recipe.render(noise, seed=1).samples, recipe.render(noise, seed=1).samples)


# --- jsfxr JSON -------------------------------------------------------------------------------

# As jsfxr's "Serialize" button gives it (the example in jsfxr's README).
JSFXR_EXAMPLE = """{"oldParams": true, "wave_type": 1, "p_env_attack": 0, "p_env_sustain": 0.31718502829007483,
 "p_env_punch": 0, "p_env_decay": 0.2718540993592685, "p_base_freq": 0.26126191208337196, "p_freq_limit": 0,
 "p_freq_ramp": 0.43787689856926615, "p_freq_dramp": 0, "p_vib_strength": 0, "p_vib_speed": 0, "p_arp_mod": 0,
 "p_arp_speed": 0, "p_duty": 1, "p_duty_ramp": 0, "p_repeat_speed": 0.7558565452384385, "p_pha_offset": 0,
 "p_pha_ramp": 0, "p_lpf_freq": 1, "p_lpf_ramp": 0, "p_lpf_resonance": 0, "p_hpf_freq": 0, "p_hpf_ramp": 0,
 "sound_vol": 0.25, "sample_rate": 44100, "sample_size": 8}"""


def test_jsfxr_example_imports_and_renders():
    p = retro.import_jsfxr(JSFXR_EXAMPLE)
    assert p.wave_type == "sawtooth" and p.p_repeat_speed == pytest.approx(0.7558565452384385)
    audio = render_sfxr(p)
    assert audio.n_frames == sum(p.envelope_ticks()) + 2
    assert retro.export_jsfxr(p) == json.loads(JSFXR_EXAMPLE)


@pytest.mark.parametrize("category", retro.CATEGORIES)
def test_json_round_trip_gives_identical_params_and_samples(category, tmp_path):
    p = retro.generate(category, 11).replace(sample_rate=22_050, sample_size=16, sound_vol=0.1)  # never clips
    path = tmp_path / f"{category}.json"
    path.write_text(json.dumps(retro.export_jsfxr(p)))
    for source in (path, str(path), path.read_text(), json.loads(path.read_text())):
        q = retro.import_jsfxr(source)
        assert q == p
    np.testing.assert_array_equal(render_sfxr(q, seed=4).samples, render_sfxr(p, seed=4).samples)
    from_recipe = get_recipe("retro").render(retro.values_of(q), seed=4, sample_rate=44_100)
    np.testing.assert_array_equal(from_recipe.samples, render_sfxr(q, seed=4).samples)


@pytest.mark.parametrize("source, message", [
    ('{"p_env_attack": 0.1,', "not valid jsfxr JSON"),
    ("[1, 2]", "must be an object"),
    ('{"p_env_atack": 0.1}', "unknown jsfxr key(s) 'p_env_atack'"),
    ('{"p_env_decay": 1.5}', "p_env_decay must be in [0.0, 1.0]"),
    ('{"p_freq_ramp": -1.2}', "p_freq_ramp must be in [-1.0, 1.0]"),
    ('{"p_base_freq": "0.3"}', "p_base_freq must be a number"),
    ('{"wave_type": 4}', "wave_type must be 0, 1, 2 or 3"),
    ('{"sample_rate": 48000}', "sample_rate must be one of 44100, 22050, 11025, 5512"),
    ('{"oldParams": false}', "oldParams must be true"),
    ("/no/such/file.json", "jsfxr file not found"),
])
def test_bad_jsfxr_input_names_the_field_and_range(source, message):
    with pytest.raises(MuseforgeError) as err:
        retro.import_jsfxr(source)
    assert message in str(err.value)


def test_clamp_folds_out_of_range_values_in():
    p = retro.import_jsfxr('{"p_base_freq": 1.03, "p_env_decay": -0.02, "p_duty": -0.3}', clamp=True)
    assert (p.p_base_freq, p.p_env_decay, p.p_duty) == (1.0, 0.02, 0.0)  # decay is squared: sign-free


# The share link in jsfxr's README (made with its Random button: some values lie outside the ranges).
JSFXR_B58 = ("5EoyNVSymuxD8s7HP1ixqdaCn5uVGEgwQ3kJBR7bSoApFQzm7E4zZPW2EcXm3jmNdTtTPeDuvwjY8z4exqaXz3N"
             "GBHRKBx3igYfBBMRBxDALhBSvzkF6VE2Pv")


def test_share_links_decode_and_encode_like_jsfxr():
    from museforge.sfx.retro_jsfxr import decode_b58, encode_b58

    raw = decode_b58("https://sfxr.me/#" + JSFXR_B58)
    assert raw["wave_type"] == 2 and raw["p_env_attack"] == pytest.approx(-0.0448752)
    assert encode_b58(raw) == JSFXR_B58  # bit-exact round trip of jsfxr's own text
    with pytest.raises(MuseforgeError, match=r"p_env_attack must be in \[0.0, 1.0\].*clamp=True"):
        retro.import_jsfxr(JSFXR_B58)
    p = retro.import_jsfxr(JSFXR_B58, clamp=True)
    assert p.p_env_attack == pytest.approx(0.0448752) and p.sound_vol == 0.5  # links carry no volume
    assert retro.import_jsfxr(retro.export_jsfxr_b58(p)) == p.replace(
        **{k: float(np.float32(getattr(p, k))) for k in retro.KNOBS if k.startswith("p_")})
    with pytest.raises(MuseforgeError, match="decodes to"):
        retro.import_jsfxr(JSFXR_B58[:-5])


# --- randomise / mutate with locks --------------------------------------------------------------

def test_mutate_nudges_unlocked_params_only():
    base = retro.generate("laser", 0)
    locked = {"p_base_freq", "p_env_decay", "p_duty"}
    for seed in range(10):
        m = retro.mutate(base, seed, locked=locked)
        assert all(getattr(m, n) == getattr(base, n) for n in locked)
        moved = [n for n in retro.MUTABLE if getattr(m, n) != getattr(base, n)]
        assert moved and all(abs(getattr(m, n) - getattr(base, n)) <= 0.05 + 1e-12 for n in moved)
        assert m.wave_type == base.wave_type and m.p_freq_limit == base.p_freq_limit
    assert retro.mutate(base, 3) == retro.mutate(base, 3)
    unlocked_moves = retro.mutate(base, 3)
    assert all(getattr(retro.mutate(base, 3, locked=locked), n) == getattr(unlocked_moves, n)
               for n in retro.MUTABLE if n not in locked)  # locks don't shift the other draws


def test_generate_and_randomize_keep_locked_values():
    base = retro.generate("jump", 0).replace(sound_vol=0.4)
    for seed in range(5):
        g = retro.generate("explosion", seed, base=base, locked={"wave_type", "p_env_sustain"})
        assert (g.wave_type, g.p_env_sustain, g.sound_vol) == (base.wave_type, base.p_env_sustain, 0.4)
        r = retro.randomize(seed, base=base, locked={"p_base_freq"})
        assert r.p_base_freq == base.p_base_freq
        assert np.all(np.isfinite(render_sfxr(r, seed=seed).samples))


def test_bad_controls_are_refused():
    with pytest.raises(MuseforgeError, match="cannot lock unknown parameter"):
        retro.mutate(SfxrParams(), 0, locked={"base_freq"})
    with pytest.raises(MuseforgeError, match="need a base sound"):
        retro.generate("laser", 0, locked={"p_duty"})
    with pytest.raises(MuseforgeError, match="unknown retro category"):
        retro.generate("fart", 0)
    with pytest.raises(MuseforgeError, match=r"pitch_semitones must be in \[-24.0, 24.0\]"):
        get_recipe("retro_laser").render({"pitch_semitones": 30})
    with pytest.raises(MuseforgeError, match="unknown parameter"):
        get_recipe("retro_laser").render({"cutoff_hz": 3})
    with pytest.raises(MuseforgeError, match=r"p_lpf_ramp must be in \[-1.0, 1.0\]"):
        get_recipe("retro").render({"p_lpf_ramp": 2})
    with pytest.raises(MuseforgeError, match="wave_type"):
        SfxrParams(wave_type="triangle")


def test_recipes_turn_loud_sounds_down_instead_of_clipping():
    values = {"wave_type": "sawtooth", "p_duty": 1.0, "p_env_punch": 1.0, "sound_vol": 1.0}
    jsfxr_like = render_sfxr(SfxrParams(**values)).samples[0]
    assert np.mean(np.abs(jsfxr_like) == 1.0) > 0.05  # the synth hard-clips as jsfxr does
    recipe = get_recipe("retro").render(values, sample_rate=44_100).samples[0]
    peak = np.max(np.abs(recipe))
    assert peak == pytest.approx(10 ** (-0.1 / 20), rel=1e-4)
    assert np.mean(np.abs(recipe) > 0.99 * peak) < 0.01  # scaled, not flat-topped
