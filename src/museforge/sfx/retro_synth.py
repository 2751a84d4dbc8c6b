"""The sfxr synthesizer with jsfxr's parameter set and semantics, vectorised with numpy.

sfxr runs on a 44.1 kHz clock ("ticks") with 8x oversampling. Per tick it moves the pitch
(slide, delta slide, arpeggio, repeat), the vibrato, the square duty, the envelope, the phaser
offset and the high-pass coefficient; per sub-sample it runs the oscillator, a resonant low-pass,
a high-pass and the phaser. Everything per tick here is a closed form (cumulative sums and
products, clipped ramps). The only sequential state left is the integer oscillator phase, whose
update ``phase = (phase + 8) % period`` is one cheap Python step per run of ticks with the same
period; filter states go through ``scipy.signal.lfilter``. The result equals a per-sample
transcription of jsfxr's loop to ~1e-12 (see the tests), except that a *swept* filter coefficient
is held constant in blocks within which it changes by at most ``SWEEP_TOLERANCE`` (jsfxr changes
it every sub-sample; over 40 random jsfxr sounds the difference was -64 dB median, -45 dB worst).

Semantics follow jsfxr (github.com/chr15m/jsfxr, itself a port of DrPetter's sfxr), including
its quirk that after a repeat the arpeggio jump happens at once when the sound is already past
the arpeggio time. Differences: an envelope stage of length 0 counts as its start (jsfxr divides
0 by 0 and gets NaN); output is float (no 8-bit quantisation: ``sample_size`` only travels with
the JSON); any output rate is reached by resampling the 44.1 kHz render.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from itertools import accumulate

import numpy as np
from scipy import signal

from museforge.audio import Audio
from museforge.errors import MuseforgeError, check_choice, check_range

TICK_RATE = 44_100  # sfxr's clock: every time constant below counts ticks at this rate
OVERSAMPLING = 8
WAVE_TYPES = ("square", "sawtooth", "sine", "noise")  # jsfxr wave_type 0..3
JSFXR_SAMPLE_RATES = (44_100, 22_050, 11_025, 5_512)
JSFXR_SAMPLE_SIZES = (8, 16)
SWEEP_TOLERANCE = 0.005  # largest relative change of a swept filter coefficient inside one block
MAX_SEGMENT_OFFSET = 1.0e7  # separates repeat segments in a running max (log-periods stay far below)

# jsfxr ranges: "SIGNED" parameters live on [-1, 1], the rest on [0, 1].
SIGNED = frozenset({"p_freq_ramp", "p_freq_dramp", "p_arp_mod", "p_duty_ramp", "p_pha_offset", "p_pha_ramp",
                    "p_lpf_ramp", "p_hpf_ramp"})


@dataclass(frozen=True)
class SfxrParams:
    """One sfxr sound: jsfxr's parameters, names and ranges (0..1, or -1..1 where signed)."""

    wave_type: str = "square"
    p_env_attack: float = 0.0     # attack time (ticks = 1e5 * value^2)
    p_env_sustain: float = 0.3    # sustain time
    p_env_punch: float = 0.0      # extra volume at the start of sustain
    p_env_decay: float = 0.4      # decay time
    p_base_freq: float = 0.3      # start pitch
    p_freq_limit: float = 0.0     # the sound stops when the pitch falls below this (0 = off)
    p_freq_ramp: float = 0.0      # slide (signed)
    p_freq_dramp: float = 0.0     # delta slide (signed)
    p_vib_strength: float = 0.0   # vibrato depth
    p_vib_speed: float = 0.0      # vibrato speed
    p_arp_mod: float = 0.0        # arpeggio change amount (signed)
    p_arp_speed: float = 0.0      # arpeggio change speed
    p_duty: float = 0.0           # square duty
    p_duty_ramp: float = 0.0      # duty sweep (signed)
    p_repeat_speed: float = 0.0   # retrigger pitch/duty/arpeggio (0 = off)
    p_pha_offset: float = 0.0     # phaser offset (signed)
    p_pha_ramp: float = 0.0       # phaser sweep (signed)
    p_lpf_freq: float = 1.0       # low-pass cutoff (1 = off)
    p_lpf_ramp: float = 0.0       # low-pass cutoff sweep (signed)
    p_lpf_resonance: float = 0.0  # low-pass resonance
    p_hpf_freq: float = 0.0       # high-pass cutoff
    p_hpf_ramp: float = 0.0       # high-pass cutoff sweep (signed)
    sound_vol: float = 0.5        # gain = exp(sound_vol) - 1
    sample_rate: int = 44_100     # jsfxr export setting, kept for round trips (not the render rate)
    sample_size: int = 8          # jsfxr export bit depth, kept for round trips

    def __post_init__(self) -> None:
        check_choice("wave_type", self.wave_type, WAVE_TYPES)
        for name in KNOBS:
            low = -1.0 if name in SIGNED else 0.0
            object.__setattr__(self, name, check_range(name, getattr(self, name), low, 1.0))
        for name, valid in (("sample_rate", JSFXR_SAMPLE_RATES), ("sample_size", JSFXR_SAMPLE_SIZES)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value not in valid:
                raise MuseforgeError(f"{name} must be one of {', '.join(map(str, valid))}, got {value!r}")
            object.__setattr__(self, name, int(value))

    def replace(self, **changes: object) -> SfxrParams:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return asdict(self)

    def envelope_ticks(self) -> tuple[int, int, int]:
        """Attack, sustain and decay lengths in 44.1 kHz ticks, as jsfxr computes them."""
        return tuple(int(math.floor(v * v * 100_000)) for v in
                     (self.p_env_attack, self.p_env_sustain, self.p_env_decay))

    def envelope_duration_s(self) -> float:
        """The full envelope's length; the sound is shorter only if ``p_freq_limit`` cuts it."""
        return (sum(self.envelope_ticks()) + 2) / TICK_RATE


# The continuous jsfxr parameters (``p_*`` and ``sound_vol``), in jsfxr's order.
KNOBS = tuple(f.name for f in fields(SfxrParams) if f.name.startswith("p_") or f.name == "sound_vol")


def knob_range(name: str) -> tuple[float, float]:
    return (-1.0 if name in SIGNED else 0.0), 1.0


# The synth only uses these squared, so a negative value sounds exactly like its magnitude. (A
# negative vibrato depth means no vibrato, so clipping it to 0 is exact too.)
SIGN_FREE = frozenset({"p_env_attack", "p_env_sustain", "p_env_decay", "p_base_freq", "p_vib_speed",
                       "p_lpf_resonance", "p_hpf_freq"})


def clamp_knobs(values: Mapping[str, object]) -> dict:
    """``values`` with every knob clipped into its jsfxr range (other entries unchanged)."""
    out = dict(values)
    for name, value in values.items():
        if name in KNOBS:
            low, high = knob_range(name)
            out[name] = min(max(float(value), low), high)
    return out


def fold_knobs(values: Mapping[str, object]) -> dict:
    """Like :func:`clamp_knobs`, but negative sign-free knobs become their magnitude (same sound)."""
    return clamp_knobs({k: abs(float(v)) if k in SIGN_FREE else v for k, v in values.items()})


# --- per-tick controls ---------------------------------------------------------------------------

def _segments(n_ticks: int, repeat_ticks: int) -> tuple[np.ndarray, np.ndarray]:
    """Start tick of each tick's repeat segment, and the tick's index inside it.

    jsfxr resets on the tick where ``++elapsed >= repeat``: ticks repeat-1, 2*repeat-1, ...
    """
    t = np.arange(n_ticks)
    if repeat_ticks == 0:
        return np.zeros(n_ticks, dtype=np.int64), t
    start = np.where(t < repeat_ticks - 1, 0, ((t + 1) // repeat_ticks) * repeat_ticks - 1)
    return start, t - start


def _periods(p: SfxrParams, n_ticks: int, seg_start: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, int]:
    """Oscillator period per tick (in sub-samples, before vibrato) and the tick the cutoff ends the sound."""
    period0 = 100.0 / (p.p_base_freq ** 2 + 0.001)
    period_max = 100.0 / (p.p_freq_limit ** 2 + 0.001)
    mult0 = 1.0 - p.p_freq_ramp ** 3 * 0.01
    mult_slide = -p.p_freq_dramp ** 3 * 1e-6
    arp_mult = 1.0 - p.p_arp_mod ** 2 * 0.9 if p.p_arp_mod >= 0 else 1.0 + p.p_arp_mod ** 2 * 10.0
    arp_tick = 0 if p.p_arp_speed == 1.0 else int(math.floor((1.0 - p.p_arp_speed) ** 2 * 20_000 + 32))
    t = np.arange(n_ticks)

    log_step = np.log(mult0 + (j + 1) * mult_slide)  # period *= periodMult after periodMult += slide
    if arp_tick:  # the jump fires on the first tick of a segment at or after arp_tick (global time)
        log_step = log_step + np.where(t == np.maximum(arp_tick, seg_start), math.log(arp_mult), 0.0)
    csum = np.cumsum(log_step)
    before = np.concatenate(([0.0], csum))[seg_start]  # cumulative value where each segment began
    log_period = math.log(period0) + csum - before
    log_max = math.log(period_max)
    over = np.flatnonzero(log_period > log_max)
    if p.p_freq_limit > 0:
        cut = int(over[0]) if over.size else n_ticks
        return np.exp(log_period[:cut]), cut
    if over.size:  # period is clamped to the maximum and keeps sliding from there (Lindley recursion)
        seg_id = np.cumsum(np.concatenate(([0], np.diff(seg_start) != 0)))
        excess = np.maximum.accumulate(log_period - log_max + seg_id * MAX_SEGMENT_OFFSET) - seg_id * MAX_SEGMENT_OFFSET
        log_period = log_period - np.maximum(excess, 0.0)
    return np.exp(log_period), n_ticks


def _envelope(p: SfxrParams) -> np.ndarray:
    attack, sustain, decay = p.envelope_ticks()
    rise = np.arange(1, attack + 1) / attack if attack else np.zeros(0)
    hold = np.arange(sustain + 1) / sustain if sustain else np.zeros(1)
    fall = np.arange(decay + 1) / decay if decay else np.zeros(1)
    return np.concatenate((rise, 1.0 + (1.0 - hold) * 2.0 * p.p_env_punch, 1.0 - fall))


def _geometric(start: float, ratio: float, n: int, low: float, high: float) -> np.ndarray:
    """``x *= ratio`` then clamp to [low, high], n times: monotone, so one clip after the first step."""
    first = min(max(start * ratio, low), high)
    return np.clip(first * ratio ** np.arange(n, dtype=np.float64), low, high)


# --- sub-sample signal path ---------------------------------------------------------------------

def _phases(iperiod: np.ndarray) -> np.ndarray:
    """Oscillator phase at each tick's start: jsfxr's ``phase++, phase %= iperiod`` eight times a tick.

    Within a run of ticks with one period the phase is a closed form, so Python only steps runs.
    """
    n = iperiod.size
    run_start = np.concatenate(([0], np.flatnonzero(np.diff(iperiod)) + 1))
    run_len = np.diff(np.concatenate((run_start, [n])))
    run_period = iperiod[run_start]
    steps = accumulate(zip(run_period.tolist(), run_len.tolist()),
                       lambda phase, run: (phase + OVERSAMPLING * run[1]) % run[0], initial=0)
    phase_at_run = np.fromiter(steps, dtype=np.int64, count=run_start.size + 1)[:-1]
    run_of_tick = np.repeat(np.arange(run_start.size), run_len)
    k = np.arange(n) - run_start[run_of_tick]
    first = phase_at_run[run_of_tick]
    # at a run's first tick keep the raw phase: it may exceed the new period (jsfxr then wraps by %)
    return np.where(k == 0, first, (first + OVERSAMPLING * k) % iperiod)


def _oscillator(wave: str, iperiod: np.ndarray, duty: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """[ticks, 8] raw waveform (int32 phase arithmetic: periods stay below 2**17)."""
    start = _phases(iperiod).astype(np.int32)[:, None]
    period = iperiod.astype(np.int32)[:, None]
    # (start + s) % period with s <= 8 <= period: one conditional subtraction once start < period
    phase = np.remainder(start, period) + np.arange(1, OVERSAMPLING + 1, dtype=np.int32)
    phase -= period * (phase >= period)
    if wave == "noise":  # 32 random values per cycle, redrawn whenever the phase wraps
        wraps = phase == 0
        wraps[:, 0] = start[:, 0] + 1 >= period[:, 0]
        cycle = np.cumsum(wraps.ravel(), dtype=np.int32)
        table = rng.uniform(-1.0, 1.0, size=(int(cycle[-1]) + 1) * 32)
        return table[cycle * 32 + ((phase * 32) // period).ravel()].reshape(phase.shape)
    fp = phase / period
    if wave == "square":
        return np.where(fp < duty[:, None], 0.5, -0.5)
    if wave == "sawtooth":
        d = duty[:, None]
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.where(fp < d, -1.0 + 2.0 * fp / d, 1.0 - 2.0 * (fp - d) / (1.0 - d))
    return np.sin(2.0 * np.pi * fp)


def _swept_filter(x: np.ndarray, coef: np.ndarray, design) -> np.ndarray:
    """lfilter with a monotone per-sample coefficient, held constant within SWEEP_TOLERANCE blocks.

    ``design(c)`` returns (b, a) with len(b) == 2 and len(a) == 3; the state is carried as past
    outputs and inputs, so switching coefficients between blocks is exact for this filter form.
    """
    if coef.size == 0 or coef[0] == coef[-1]:
        b, a = design(float(coef[0]) if coef.size else 0.0)
        return signal.lfilter(b, a, x)
    level = np.log(np.maximum(coef, 1e-9))  # below 1e-9 a coefficient no longer changes the sound
    bucket = np.floor((level - level[0]) / math.log1p(SWEEP_TOLERANCE))
    edges = np.concatenate(([0], np.flatnonzero(np.diff(bucket)) + 1, [x.size]))
    y = np.empty_like(x)
    y1 = y2 = x1 = 0.0
    for lo, hi in zip(edges[:-1], edges[1:]):
        b, a = design(float(coef[(lo + hi) // 2]))
        zi = [b[1] * x1 - a[1] * y1 - a[2] * y2, -a[2] * y1]
        y[lo:hi], _ = signal.lfilter(b, a, x[lo:hi], zi=zi)
        y1, y2, x1 = y[hi - 1], (y[hi - 2] if hi - lo > 1 else y1), x[hi - 1]
    return y


def _low_pass(p: SfxrParams, x: np.ndarray) -> np.ndarray:
    if p.p_lpf_freq == 1.0:  # jsfxr bypasses the filter entirely at 1
        return x
    w0 = p.p_lpf_freq ** 3 * 0.1
    damping = min(5.0 / (1.0 + p.p_lpf_resonance ** 2 * 20.0) * (0.01 + w0), 0.8)
    g = 1.0 - damping
    w = _geometric(w0, 1.0 + p.p_lpf_ramp * 1e-4, x.size, 0.0, 0.1)
    # fltdp = (fltdp + (x - fltp) * w) * g; fltp += fltdp  ==  y = (1 + g(1-w)) y1 - g y2 + g w x
    return _swept_filter(x, w, lambda c: ([g * c, 0.0], [1.0, -(1.0 + g * (1.0 - c)), g]))


def _high_pass(p: SfxrParams, x: np.ndarray, n_ticks: int) -> np.ndarray:
    h = _geometric(p.p_hpf_freq ** 2 * 0.1, 1.0 + p.p_hpf_ramp * 3e-4, n_ticks, 1e-5, 0.1)
    # fltphp = (fltphp + x - x1) * (1 - h), h updated once per tick
    coef = h[:1] if h[0] == h[-1] else np.repeat(h, OVERSAMPLING)  # monotone: equal ends = constant
    return _swept_filter(x, coef, lambda c: ([1.0 - c, -(1.0 - c)], [1.0, -(1.0 - c), 0.0]))


def _phaser(p: SfxrParams, x: np.ndarray, n_ticks: int) -> np.ndarray:
    """Add a copy delayed by the phaser offset (0..1023 sub-samples, from a 1024-slot ring buffer)."""
    offset0 = math.copysign(p.p_pha_offset ** 2 * 1020.0, p.p_pha_offset)
    slide = math.copysign(p.p_pha_ramp ** 2, p.p_pha_ramp)
    offsets = np.cumsum(np.concatenate(([offset0], np.full(n_ticks, slide))))[1:]  # jsfxr's running sum
    delay = np.minimum(np.abs(np.floor(offsets)), 1023).astype(np.int64)
    if delay.size and delay[0] == delay[-1] and np.all(delay == delay[0]):
        d = int(delay[0])  # constant delay: a shifted copy (delay 0 reads back the sample just written)
        return x + (np.concatenate((np.zeros(d), x[:x.size - d])) if d else x)
    padded = np.concatenate((np.zeros(1024), x))
    src = (np.arange(n_ticks) * OVERSAMPLING + 1024 - delay)[:, None] + np.arange(OVERSAMPLING)
    return x + padded[src.ravel()]


# --- public -------------------------------------------------------------------------------------

def render_sfxr_ticks(p: SfxrParams, rng: np.random.Generator) -> np.ndarray:
    """The sound at sfxr's own 44.1 kHz clock, float64, unclipped."""
    env = _envelope(p)
    n_ticks = env.size
    repeat = 0 if p.p_repeat_speed == 0 else int(math.floor((1.0 - p.p_repeat_speed) ** 2 * 20_000 + 32))
    seg_start, j = _segments(n_ticks, repeat)
    period, cut = _periods(p, n_ticks, seg_start, j)
    n_ticks = cut
    if n_ticks == 0:
        return np.zeros(0)
    period, env, j = period[:n_ticks], env[:n_ticks], j[:n_ticks]
    if p.p_vib_strength > 0:
        vibrato = np.sin(np.cumsum(np.full(n_ticks, p.p_vib_speed ** 2 * 0.01)))
        period = period * (1.0 + vibrato * (p.p_vib_strength * 0.5))
    iperiod = np.maximum(np.floor(period), OVERSAMPLING).astype(np.int64)
    duty = np.clip(0.5 - p.p_duty * 0.5 + (j + 1) * (-p.p_duty_ramp * 5e-5), 0.0, 0.5)

    x = _oscillator(p.wave_type, iperiod, duty, rng).ravel()
    x = _phaser(p, _high_pass(p, _low_pass(p, x), n_ticks), n_ticks)
    gain = math.exp(p.sound_vol) - 1.0
    return x.reshape(n_ticks, OVERSAMPLING).sum(axis=1) * env * (gain / OVERSAMPLING)


def resample(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """From the 44.1 kHz tick clock to ``sample_rate`` (polyphase when the ratio is simple)."""
    if sample_rate == TICK_RATE or x.size == 0:
        return x
    g = math.gcd(sample_rate, TICK_RATE)
    up, down = sample_rate // g, TICK_RATE // g
    if max(up, down) <= 1000:
        return signal.resample_poly(x, up, down)
    return signal.resample(x, max(1, round(x.size * sample_rate / TICK_RATE)))


def render_sfxr(p: SfxrParams, *, sample_rate: int = TICK_RATE, seed: int | np.random.Generator | list = 0,
                clip: bool = True) -> Audio:
    """Render one sfxr sound to mono Audio.

    Args:
        p: the parameters.
        sample_rate: output rate in Hz (any rate; sfxr itself runs at 44.1 kHz).
        seed: seeds the noise waveform; the same seed gives identical samples.
        clip: hard-clip to [-1, 1] as jsfxr does; False leaves peaks above full scale to the caller.
    """
    sample_rate = int(check_range("sample_rate", sample_rate, 8_000, 192_000, "Hz"))
    rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
    x = resample(render_sfxr_ticks(p, rng), sample_rate)
    return Audio((np.clip(x, -1.0, 1.0) if clip else x).astype(np.float32)[None, :], sample_rate)
