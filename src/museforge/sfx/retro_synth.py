"""The sfxr synthesizer with jsfxr's parameter set and semantics, vectorised with numpy.

sfxr runs on a 44.1 kHz clock ("ticks") with 8x oversampling. Per tick it moves the pitch
(slide, delta slide, arpeggio, repeat), the vibrato, the square duty, the envelope, the phaser
offset and the high-pass coefficient; per sub-sample it runs the oscillator, a resonant low-pass,
a high-pass and the phaser. Here no Python loop runs over ticks or sub-samples:

* per-tick controls are closed forms (numpy's in-order cumsum/cumprod: jsfxr's float operations);
* the oscillator phase ``phase = (phase + 8) % period`` is stepped from wrap to wrap
  (:func:`_tick_phases`), not tick by tick;
* the filters run a tick at a time: their recursions once per tick (``scipy.signal.lfilter`` on
  the state at tick ends), everything inside a tick as weighted sums of its 8 sub-samples, which
  square, sawtooth, sine and slow noise give straight from the tick's phase (:class:`_Wave`).

The result equals a per-sample transcription of jsfxr's loop to ~1e-13 (see the tests), except
that a *swept low-pass* coefficient is held constant in blocks within which it changes by at most
``SWEEP_TOLERANCE`` (jsfxr changes it every sub-sample; over random jsfxr sounds the difference was
-67 dB median, -45 dB worst). A swept high-pass (its coefficient moves once a tick) is exact.

Semantics follow jsfxr (github.com/chr15m/jsfxr, itself a port of DrPetter's sfxr), including
its quirk that after a repeat the arpeggio jump happens at once when the sound is already past
the arpeggio time. Differences: an envelope stage of length 0 counts as its start (jsfxr divides
0 by 0 and gets NaN); output is float (no 8-bit quantisation: ``sample_size`` only travels with
the JSON); any output rate is reached by resampling the 44.1 kHz render.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, fields, replace
import functools
from bisect import bisect_left

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
        values = self.__dict__
        for name, low in _KNOB_LOWS:
            value = values[name]
            if type(value) is not float or not low <= value <= 1.0:  # the common case needs no conversion
                object.__setattr__(self, name, check_range(name, value, low, 1.0))
        for name, valid in (("sample_rate", JSFXR_SAMPLE_RATES), ("sample_size", JSFXR_SAMPLE_SIZES)):
            value = getattr(self, name)
            if isinstance(value, bool) or not isinstance(value, (int, float)) or value not in valid:
                raise MuseforgeError(f"{name} must be one of {', '.join(map(str, valid))}, got {value!r}")
            object.__setattr__(self, name, int(value))

    def replace(self, **changes: object) -> SfxrParams:
        return replace(self, **changes)

    def as_dict(self) -> dict:
        return dict(self.__dict__)  # flat fields of immutable values: asdict's deep copy is not needed

    def envelope_ticks(self) -> tuple[int, int, int]:
        """Attack, sustain and decay lengths in 44.1 kHz ticks, as jsfxr computes them."""
        a, s, d = self.p_env_attack, self.p_env_sustain, self.p_env_decay
        return int(a * a * 100_000), int(s * s * 100_000), int(d * d * 100_000)

    def envelope_duration_s(self) -> float:
        """The full envelope's length; the sound is shorter only if ``p_freq_limit`` cuts it."""
        return (sum(self.envelope_ticks()) + 2) / TICK_RATE


# The continuous jsfxr parameters (``p_*`` and ``sound_vol``), in jsfxr's order.
KNOBS = tuple(f.name for f in fields(SfxrParams) if f.name.startswith("p_") or f.name == "sound_vol")
_KNOB_LOWS = tuple((name, -1.0 if name in SIGNED else 0.0) for name in KNOBS)


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
    if repeat_ticks == 0:  # one segment
        return np.zeros(n_ticks, dtype=np.int64), _counting(n_ticks)
    t = np.arange(n_ticks)
    start = np.where(t < repeat_ticks - 1, 0, ((t + 1) // repeat_ticks) * repeat_ticks - 1)
    return start, t - start


def _running(first: float, step: float, n: int) -> np.ndarray:
    """``x += step`` n times from ``first`` (numpy's cumsum adds in order, as jsfxr's loop does)."""
    if step == 0.0:
        return np.full(n, first)
    return np.cumsum(np.concatenate(([first], np.full(n, step))))[1:]


def _periods(p: SfxrParams, n_ticks: int, seg_start: np.ndarray, j: np.ndarray) -> tuple[np.ndarray, int]:
    """Oscillator period per tick (in sub-samples, before vibrato) and the tick the cutoff ends the sound.

    Every repeat segment replays one pitch sequence (``mult += slide; period *= mult``), so it is
    computed once, with the same float operations in the same order as jsfxr, and indexed by the
    tick's place in its segment; the arpeggio's jump is one more factor in that product.
    """
    period0 = 100.0 / (p.p_base_freq ** 2 + 0.001)
    period_max = 100.0 / (p.p_freq_limit ** 2 + 0.001)
    mult0 = 1.0 - p.p_freq_ramp ** 3 * 0.01
    arp_mult = 1.0 - p.p_arp_mod ** 2 * 0.9 if p.p_arp_mod >= 0 else 1.0 + p.p_arp_mod ** 2 * 10.0
    arp_tick = 0 if p.p_arp_speed == 1.0 else int(math.floor((1.0 - p.p_arp_speed) ** 2 * 20_000 + 32))
    if arp_mult == 1.0:  # a jump by 1.0 changes nothing
        arp_tick = 0
    length = int(j[-1]) + 1 if seg_start[-1] == 0 else int(j.max()) + 1
    if seg_start[-1] == 0 and not arp_tick and p.p_freq_limit > 0 and p.p_freq_dramp == 0 and mult0 > 1.0:
        # a steady fall to the cutoff: only the ticks up to it (checked below, else all of them)
        reach = math.log(period_max / period0) / math.log(mult0)
        if 0 < reach < length - 3:
            period, cut = _periods(p, int(reach) + 3, seg_start[:int(reach) + 3], j[:int(reach) + 3])
            if cut < int(reach) + 3:
                return period, cut
    mult = _running(mult0, -p.p_freq_dramp ** 3 * 1e-6, length)

    growth = max(mult0, float(mult[-1]), 1.0)
    overflow = math.log(period0 * max(arp_mult, 1.0)) + length * math.log(growth) > 700

    def chain(fire: int | None) -> np.ndarray:  # a segment's periods, the arpeggio firing at local tick `fire`
        if fire is None or fire >= length:
            factors = np.concatenate(([period0], mult))
        else:
            factors = np.concatenate(([period0], mult[:fire], [arp_mult], mult[fire:]))
        if overflow:  # a period past float range is past any limit: cut or clamped below
            with np.errstate(over="ignore"):
                periods = np.cumprod(factors)[1:]
        else:
            periods = np.cumprod(factors)[1:]
        # with a jump, drop the value between the jump and that tick's slide
        return periods if fire is None or fire >= length else np.delete(periods, fire)

    if not arp_tick or arp_tick >= n_ticks:
        period = chain(None) if seg_start[-1] == 0 else chain(None)[j]
    elif seg_start[-1] == 0:  # no repeat
        period = chain(arp_tick)
    else:  # before the jump / in the segment where it fires / segments starting after it (fire at once)
        first = int(seg_start[arp_tick])
        period = np.where(np.arange(n_ticks) < arp_tick, chain(None)[j],
                          np.where(seg_start > first, chain(0)[j], chain(arp_tick - first)[j]))
    if seg_start[-1] == 0 and arp_tick == 0 and mult0 >= 1.0 and mult[-1] >= 1.0:  # one rising run of periods
        over = np.arange(np.searchsorted(period, period_max, side="right"), n_ticks)
    else:
        over = np.flatnonzero(period > period_max)
    if p.p_freq_limit > 0:
        cut = int(over[0]) if over.size else n_ticks
        return period[:cut], cut
    if over.size:  # clamped to the lowest pitch, sliding on from there
        first = int(over[0])
        if seg_start[-1] == 0 and arp_tick <= first and mult[first:].min() >= 1.0:  # and never leaving it
            period[first:] = period_max
            return period, n_ticks
        return _clamped_periods(p, n_ticks, seg_start, j, arp_tick, arp_mult, period0, period_max, mult0), n_ticks
    return period, n_ticks


def _clamped_periods(p: SfxrParams, n_ticks: int, seg_start: np.ndarray, j: np.ndarray, arp_tick: int,
                     arp_mult: float, period0: float, period_max: float, mult0: float) -> np.ndarray:
    """Periods when some reach ``period_max`` (no cutoff): jsfxr clamps and keeps sliding (a Lindley recursion)."""
    t = np.arange(n_ticks)
    log_step = np.log(mult0 + (j + 1) * (-p.p_freq_dramp ** 3 * 1e-6))
    if arp_tick:  # the jump fires on the first tick of a segment at or after arp_tick (global time)
        log_step = log_step + np.where(t == np.maximum(arp_tick, seg_start), math.log(arp_mult), 0.0)
    csum = np.cumsum(log_step)
    before = np.concatenate(([0.0], csum))[seg_start]  # cumulative value where each segment began
    log_period = math.log(period0) + csum - before
    log_max = math.log(period_max)
    seg_id = np.cumsum(np.concatenate(([0], np.diff(seg_start) != 0)))
    excess = np.maximum.accumulate(log_period - log_max + seg_id * MAX_SEGMENT_OFFSET) - seg_id * MAX_SEGMENT_OFFSET
    return np.exp(log_period - np.maximum(excess, 0.0))


def _envelope(p: SfxrParams, n_ticks: int | None = None) -> np.ndarray:
    """jsfxr's attack / sustain (with punch) / decay envelope, its first ``n_ticks`` ticks (default: all)."""
    attack, sustain, decay = p.envelope_ticks()
    left = attack + sustain + decay + 2 if n_ticks is None else n_ticks
    rise = np.arange(1, min(attack, left) + 1) / attack if attack else np.zeros(0)
    left -= rise.size
    hold = np.arange(min(sustain + 1, left)) / sustain if sustain else np.zeros(min(1, left))
    left -= hold.size
    fall = np.arange(min(decay + 1, left)) / decay if decay else np.zeros(min(1, left))
    return np.concatenate((rise, 1.0 + (1.0 - hold) * 2.0 * p.p_env_punch, 1.0 - fall))


def _geometric(start: float, ratio: float, n: int, low: float, high: float) -> np.ndarray:
    """``x *= ratio`` then clamp to [low, high], n times: monotone, so one clip after the first step."""
    first = min(max(start * ratio, low), high)
    if ratio == 1.0:
        return np.full(n, first)
    return np.clip(first * ratio ** np.arange(n, dtype=np.float64), low, high)


# --- oscillator ---------------------------------------------------------------------------------

SUB = np.arange(1, OVERSAMPLING + 1, dtype=np.int32)[:, None]  # sub-sample k = 1..8 of a tick, as rows
CHUNK_TICKS = 8192  # the oscillator works on this many ticks at a time (bounded scratch memory)


_COUNTS: dict[int, np.ndarray] = {}  # step -> 0, step, 2 step, ... (read-only, shared between renders)


def _counting(n: int, step: int = 1) -> np.ndarray:
    """``step * arange(n)`` as a read-only view of a cached array."""
    counts = _COUNTS.get(step)
    if counts is None or counts.size < n:
        counts = step * np.arange(max(n, 2 * (0 if counts is None else counts.size), 1024), dtype=np.int64)
        counts.flags.writeable = False
        _COUNTS[step] = counts
    return counts[:n]


def _sub_samples_before(n: int) -> np.ndarray:
    """``8 * arange(n + 1)``: the sub-samples before each tick (read-only)."""
    return _counting(n + 1, OVERSAMPLING)


def _tick_phases(period: np.ndarray) -> np.ndarray:
    """jsfxr's oscillator phase at the start of each tick (unreduced: it may exceed a shorter new period).

    Per tick the phase becomes ``(phase + 8) % period``. Between wraps it just grows by 8 a tick, and
    the next wrap is the first tick t with ``8 (t + 1) - period[t] >= origin``, where ``origin = 8 t -
    phase`` holds still until then: a running maximum of the left side finds it by bisection. So
    Python steps from wrap to wrap (and over runs of one period in closed form), never tick by tick.
    """
    n = period.size  # the loop below spells OVERSAMPLING out as 8
    edges = np.flatnonzero(np.diff(period)) + 1
    if edges.size < 64:  # few runs of one period: each in closed form
        run_starts = [0, *edges.tolist()]
        periods = period[run_starts].tolist()
        phase, phases = 0, []
        for start, end, p in zip(run_starts, [*run_starts[1:], n], periods):
            phases.append(phase)
            phase = (phase + OVERSAMPLING * (end - start)) % p
        raw = np.repeat(np.array(phases) - OVERSAMPLING * np.array(run_starts), np.diff([*run_starts, n]))
        raw += _sub_samples_before(n)[:-1]
        raw %= period
        raw[run_starts] = phases  # a run's first phase may exceed its (shorter) period
        return raw
    wraps_at = _sub_samples_before(n)[1:] - period  # a wrap at tick t needs wraps_at[t] >= origin
    reach = memoryview(np.maximum.accumulate(wraps_at))
    per = memoryview(period)
    starts, ends = np.concatenate(([0], edges)), np.concatenate((edges, [n]))
    long = 2 * (ends - starts) >= period[starts]  # runs of one period holding four cycles or more
    long_starts, long_ends = starts[long].tolist(), ends[long].tolist()
    segments = []  # (first tick, its phase, reduce by the period: a run of one period wrapped inside)
    add = segments.append
    t = phase = run = 0
    while t < n:
        if long_ends:
            while run < len(long_ends) and long_ends[run] <= t:
                run += 1
            if (run < len(long_ends) and long_starts[run] <= t and phase < per[t]
                    and 4 * (long_ends[run] - t) >= per[t]):
                add((t, phase, True))
                phase, t = (phase + 8 * (long_ends[run] - t)) % per[t], long_ends[run]
                continue
        add((t, phase, False))
        origin = 8 * t - phase
        if t and reach[t - 1] >= origin:  # an earlier, shorter period hides this wrap from the running maximum
            w = _scan(wraps_at, origin, t)
            if w >= n:
                break
        else:  # guess the wrap as if the period held, then as if it held at the guess; else search
            w = t + (per[t] - 1 - phase) // 8
            if w < t:
                w = t
            if w >= n or reach[w] < origin or (w > t and reach[w - 1] >= origin):
                w = t + (per[w if w < n else n - 1] - 1 - phase) // 8
                if w < t:
                    w = t
                if w >= n or reach[w] < origin or (w > t and reach[w - 1] >= origin):
                    w = _first_at_least(reach, per, origin, t)
                    if w >= n:
                        break
        phase, t = (8 * w + 8 - origin) % per[w], w + 1
    table = np.array(segments, dtype=np.int64)
    seg_t = table[:, 0]
    raw = np.repeat(table[:, 1] - OVERSAMPLING * seg_t, np.diff(np.append(seg_t, n)))
    raw += _sub_samples_before(n)[:-1]
    for i in np.flatnonzero(table[:, 2]).tolist():  # runs of one period: the phase wrapped inside
        start, end = int(seg_t[i]), (int(seg_t[i + 1]) if i + 1 < len(seg_t) else n)
        raw[start:end] %= period[start:end]
    return raw


def _scan(values: np.ndarray, origin: int, lo: int) -> int:
    """First index >= lo with ``values >= origin`` (len(values) if none), in growing windows."""
    width = 256
    while lo < values.size:
        hits = np.flatnonzero(values[lo:lo + width] >= origin)
        if hits.size:
            return lo + int(hits[0])
        lo, width = lo + width, width * 2
    return values.size


def _first_at_least(reach: memoryview, per: memoryview, origin: int, lo: int) -> int:
    """First tick >= lo whose running maximum reaches ``origin`` (len(reach) if none)."""
    n = len(reach)
    est = lo
    for _ in range(3):  # guess the wrap from the current period, as if it held
        if reach[est] >= origin:
            return bisect_left(reach, origin, lo, est)
        lo = est + 1
        est += max(1, -((origin - OVERSAMPLING * est - OVERSAMPLING + per[est]) // -OVERSAMPLING))
        if est >= n:
            est = n - 1
            if reach[est] < origin:
                return n
    step = OVERSAMPLING
    while reach[est] < origin:  # the period keeps growing: gallop, then bisect
        lo, est, step = est + 1, min(est + step, n - 1), step * 2
        if lo >= n:
            return n
    return bisect_left(reach, origin, lo, est)


def _duty_threshold(duty: np.ndarray, period: np.ndarray) -> np.ndarray:
    """Smallest integer phase m with ``m / period >= duty`` in floats, so ``phase < m`` is jsfxr's ``fp < duty``.

    ``ceil(duty * period)`` is off by one at most, where the product lies within rounding of an integer.
    """
    m = np.ceil(duty * period)
    m -= (m - 1.0) / period >= duty  # never at m = 0: duty >= 0
    m += m / period < duty
    return m.astype(np.int64)


def _noise_cycles(phase0: np.ndarray, start: np.ndarray, period: np.ndarray) -> tuple[np.ndarray, np.ndarray, int]:
    """Per tick: whether the first sub-sample wraps, the noise cycle at the tick's start, and all wraps.

    An unreduced phase (over a period that just shrank) wraps, to non-zero, on the first sub-sample;
    a second wrap comes where ``start + j`` reaches the period (period >= 8: at most one more).
    """
    first = phase0 + 1 >= period
    wrap = period - start
    wraps = first + ((wrap >= 2) & (wrap <= OVERSAMPLING))
    ends = np.cumsum(wraps)
    return first, ends - wraps, int(ends[-1]) if ends.size else 0


def _oscillator(wave: str, start: np.ndarray, period: np.ndarray, duty: np.ndarray | None,
                noise: tuple | None = None, high_only: bool = False) -> np.ndarray:
    """[8, ticks] raw waveform: row k-1 holds each tick's sub-sample k (int32 phases: periods stay below 2**17).

    ``noise`` is (table, first, cycle) for the noise wave: 32 values per cycle, the cycle count at
    each tick's start and whether its first sub-sample wraps.
    """
    p32 = period.astype(np.int32)
    phase = start.astype(np.int32) + SUB  # jsfxr: phase++, then phase %= period when it reaches it
    np.subtract(phase, p32, out=phase, where=phase >= p32)
    if wave == "noise":  # 32 random values per cycle, redrawn whenever the phase wraps
        table, first, cycle = noise
        wrap = (p32 - phase[0] + 1)[None, :]  # where start + j reaches the period
        index = (SUB >= wrap) & (wrap >= 2)  # the second wrap starts the next cycle
        index = index.astype(np.int64)
        index += (cycle + first)[None, :]
        index *= 32
        # phase * 32 // period in float32 is exact: the quotient is <= 32 and >= 1/period from any other integer
        index += ((phase * np.float32(32)) / p32.astype(np.float32)).astype(np.int64)
        return np.take(table, index)
    if wave == "sine":  # sin(2 pi phase / period) by rotation: two complex exponentials per tick, not eight sines
        edges = np.flatnonzero(np.diff(period)) + 1
        if 4 * edges.size < period.size:  # one rotation per run of one period
            runs = np.concatenate(([0], edges))
            step = np.repeat(np.exp(2j * np.pi / period[runs]), np.diff(np.append(runs, period.size)))
        else:
            step = np.exp(2j * np.pi / period)
        z = np.exp((2j * np.pi) * start / period)
        out = np.empty(phase.shape)
        for k in range(OVERSAMPLING):
            z *= step
            out[k] = z.imag
        return out
    high = phase < _duty_threshold(duty, period)
    if high_only:
        return high
    if wave == "square":
        out = high.astype(np.float64)
        out -= 0.5
        return out
    rise = np.divide(2.0, duty * period, out=np.zeros_like(duty), where=duty > 0)  # per unit of phase
    fall = -2.0 / ((1.0 - duty) * period)
    out = phase * fall  # sawtooth: up from -1 while fp < duty, down from 1 after
    out += 1.0 - (duty * period) * fall
    up = phase * rise
    up -= 1.0
    np.copyto(out, up, where=high)
    return out


class _Wave:
    """The oscillator over all ticks: its [8, ticks] samples, or weighted sums of each tick's 8 samples.

    The filters only need a few weighted sums per tick when the low-pass is off, and those come
    straight from the tick's phase: square and sawtooth are piecewise linear in the phase (the duty
    threshold and the wrap split a tick into at most four runs, summed with prefix sums of the
    weights), and noise slower than 8 sub-samples per value changes at most once a tick.
    """

    def __init__(self, wave: str, phase0: np.ndarray, period: np.ndarray, duty: np.ndarray | None,
                 rng: np.random.Generator):
        self.wave, self.period, self.duty = wave, period, duty
        self.start = phase0  # the phase reduced into the tick's period (jsfxr's first % does that)
        over = phase0 >= period
        if over.any():
            self.start = phase0.copy()
            np.remainder(phase0, period, out=self.start, where=over)
        self.n_ticks = period.size
        self._rows: np.ndarray | None = None
        self.noise = None
        if wave == "noise":
            first, cycle, wraps = _noise_cycles(phase0, self.start, period)
            self.noise = rng.uniform(-1.0, 1.0, size=(wraps + 1) * 32), first, cycle
        self.slow_noise = wave == "noise" and period.min() >= 32 * OVERSAMPLING
        self.direct = wave in ("square", "sawtooth", "sine") or self.slow_noise  # weighted sums without samples
        self.steady_duty = duty is not None and duty[0] == duty[-1]  # a duty ramp is monotone

    def rows(self) -> np.ndarray:
        if self._rows is None:
            self._rows = _oscillator(self.wave, self.start, self.period, self.duty, self.noise)
        return self._rows

    def chunk(self, part: slice, high_only: bool = False) -> np.ndarray:
        """[8, ticks of ``part``] samples (with ``high_only``, a square's as booleans: sample = high - 0.5)."""
        if self._rows is not None:
            return self._rows[:, part]
        noise = self.noise and (self.noise[0], self.noise[1][part], self.noise[2][part])
        duty = None if self.duty is None else self.duty[part]
        return _oscillator(self.wave, self.start[part], self.period[part], duty, noise, high_only=high_only)

    def weighted(self, w: np.ndarray, out: np.ndarray | None = None) -> np.ndarray:
        """``w @ rows()`` for weights w [m, 8], a chunk of ticks at a time (bounded scratch memory)."""
        if out is None:
            out = np.empty((w.shape[0], self.n_ticks))
        if self._rows is not None:
            out[...] = w @ self._rows
            return out
        direct = w.shape[0] <= 2 and self.direct
        if direct and self.wave != "sine":
            prefix = np.zeros((w.shape[0], OVERSAMPLING + 1))  # sums of the first i weights
            np.cumsum(w, axis=1, out=prefix[:, 1:])
            moment = None
            if self.wave == "sawtooth":
                moment = np.zeros_like(prefix)  # sums of j w_j over the first i weights
                np.cumsum(w * np.arange(1, OVERSAMPLING + 1), axis=1, out=moment[:, 1:])
        for lo in range(0, self.n_ticks, CHUNK_TICKS):
            part = slice(lo, lo + CHUNK_TICKS)
            if not direct:
                out[:, part] = w @ self.chunk(part)
            elif self.wave == "noise":
                out[:, part] = self._slow_noise(prefix, part)
            elif self.wave == "sine":
                out[:, part] = self._sine(w, part)
            else:
                out[:, part] = self._piecewise(prefix, moment, part)
        return out

    def _piecewise(self, prefix: np.ndarray, moment: np.ndarray | None, part: slice) -> np.ndarray:
        """Square or sawtooth weighted sums: the wrap and the duty threshold split a tick into <= 4 runs."""
        period, start = self.period[part], self.start[part]
        # per tick, as numbers of leading sub-samples: before the wrap, high before it, high until after it
        bounds = np.empty((3, period.size), dtype=np.int64)
        np.subtract(period, start, out=bounds[0])
        bounds[0] -= 1
        threshold = _duty_threshold(self.duty[part], period)
        threshold -= start
        np.subtract(threshold, 1, out=bounds[1])  # phase < threshold before the wrap ...
        np.minimum(bounds[1], bounds[0], out=bounds[1])
        np.add(threshold, period, out=bounds[2])  # ... and after it: phase + period < threshold + period
        bounds[2] -= 1
        np.clip(bounds, 0, OVERSAMPLING, out=bounds)
        out = np.empty((prefix.shape[0], period.size))
        for r in range(prefix.shape[0]):
            c_pre, c_hi1, c_hi2 = prefix[r][bounds]
            c_all = prefix[r, OVERSAMPLING]
            high = c_hi1 + c_hi2
            high -= c_pre
            if self.wave == "square":
                high -= 0.5 * c_all
                out[r] = high
                continue
            # x = -1 + rise * phase / period while high, level + fall * phase / period after; phase = start + j,
            # less a period after the wrap. So with H, L the high and low weights, sum w x =
            # (rise (start H + MH) + fall (start L + m_all - MH)) / period - rise D - fall E - H + level L,
            # MH = sum of j w_j over the high ones, D, E the high and low weights after the wrap.
            m_pre, m_hi1, m_hi2 = moment[r][bounds]
            moment_high = m_hi1 + m_hi2
            moment_high -= m_pre
            post_high = c_hi2 - c_pre
            post_low = c_all - c_hi2
            duty = self.duty[part]
            if self.steady_duty:  # one duty: scalar slopes
                duty = float(duty[0])
                rise, fall = (2.0 / duty if duty > 0 else 0.0), -2.0 / (1.0 - duty)
            else:
                rise = np.divide(2.0, duty, out=np.zeros_like(duty), where=duty > 0)
                fall = -2.0 / (1.0 - duty)
            level = 1.0 - duty * fall  # the falling ramp's value at phase 0
            slope = (rise - fall) * high
            slope += fall * c_all
            total = start * slope
            total += (rise - fall) * moment_high
            total += fall * moment[r, OVERSAMPLING]
            total /= period
            total -= rise * post_high
            total -= fall * post_low
            total += level * c_all
            total -= (1.0 + level) * high
            out[r] = total
        return out

    def _sine(self, w: np.ndarray, part: slice) -> np.ndarray:
        """Sine weighted sums: Im(e^(2 pi i start / period) sum_k w_k e^(2 pi i k / period)), the sum once per run."""
        period = self.period[part]
        runs = np.concatenate(([0], np.flatnonzero(np.diff(period)) + 1))
        lengths = np.diff(np.append(runs, period.size))
        step = np.exp(2j * np.pi / period[runs])
        turn = np.exp((2j * np.pi) * self.start[part] / period)
        out = np.empty((w.shape[0], period.size))
        for r in range(w.shape[0]):
            total = np.full(runs.size, complex(w[r, -1]))
            for k in range(OVERSAMPLING - 2, -1, -1):  # Horner: w_1 s + w_2 s^2 + ... + w_8 s^8
                total *= step
                total += w[r, k]
            total *= step
            turned = np.repeat(total, lengths)
            turned *= turn
            out[r] = turned.imag
        return out

    def _slow_noise(self, prefix: np.ndarray, part: slice) -> np.ndarray:
        """Noise whose value lasts >= 8 sub-samples: one value up to the tick's change, the next after it."""
        period = self.period[part]
        table, first, cycle = self.noise
        start = self.start[part]
        phase1 = np.where(start + 1 == period, 0, start + 1)  # the phase at sub-sample 1
        slot = (32 * phase1) // period
        index = (cycle[part] + first[part]) * 32 + slot
        change = 1 + ((slot + 1) * period + 31) // 32 - phase1  # sub-sample where the next value starts
        now, then = table[index], table[np.minimum(index + 1, table.size - 1)]
        before = np.minimum(change - 1, OVERSAMPLING)  # change >= 2
        out = np.empty((prefix.shape[0], period.size))
        for r in range(prefix.shape[0]):
            c = prefix[r]
            c_before = c[before]
            out[r] = now * c_before + then * (c[OVERSAMPLING] - c_before)
        return out


# --- filters and phaser, a tick (8 sub-samples) at a time ---------------------------------------

_LAG = np.subtract.outer(np.arange(OVERSAMPLING), np.arange(OVERSAMPLING))  # k - i for output k, input i


def _block_matrices(a: np.ndarray, b: np.ndarray, c: np.ndarray) -> tuple[np.ndarray, ...]:
    """One tick of the per-sub-sample system ``s' = a s + b x; y = c . s'``, as matrices.

    Returns (a^8, into_state [d, 8]: each sub-sample's input in the tick-end state, from_state [8, d]
    and from_input [8, 8]: each sub-sample's output from the tick-start state and from the inputs).
    """
    powers = np.empty((OVERSAMPLING + 1, b.size, b.size))
    powers[0] = np.eye(b.size)
    for k in range(OVERSAMPLING):
        np.matmul(a, powers[k], out=powers[k + 1])
    into_state = (powers[OVERSAMPLING - 1::-1] @ b).T
    response = c @ powers[:OVERSAMPLING] @ b  # output k sub-samples after an input
    from_input = np.where(_LAG >= 0, response[np.maximum(_LAG, 0)], 0.0)
    return powers[OVERSAMPLING], into_state, c @ powers[1:], from_input


def _lti_recurrence(a: np.ndarray, v: np.ndarray) -> np.ndarray:
    """``s[t] = a s[t-1] + v[t]`` from s = 0, for all t: (I - a z^-1)^-1 = adj / det via Faddeev-LeVerrier."""
    d = a.shape[0]
    tap, den, taps = np.zeros_like(a), [1.0], []
    for k in range(1, d + 1):
        tap = a @ tap + den[-1] * np.eye(d)
        taps.append(tap)
        den.append(-float(np.trace(a @ tap)) / k)
    w = v.copy()
    for m in range(1, d):
        w[:, m:] += taps[m] @ v[:, :-m]
    return signal.lfilter([1.0], den, w, axis=-1)


def _state_recurrence(a8: np.ndarray, u: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Tick-end states of ``s[t] = a8 s[t-1] + u[t]``, solving one group of a block-triangular a8 after another.

    Each group only feeds later ones (the low-pass feeds the high-pass, not back), which keeps each
    recursion short and well conditioned.
    """
    s = np.empty_like(u)
    done: list[int] = []
    for g in groups:
        if not a8[g].any():  # a state that only follows the input (jsfxr's fltp = x with the low-pass off)
            s[g] = u[g]
        else:
            v = u[g].copy()
            if done:
                v[:, 1:] += a8[np.ix_(g, done)] @ s[done, :-1]
            s[g] = _lti_recurrence(a8[np.ix_(g, g)], v)
        done += g
    return s


def _run_blocks(system: tuple, x: np.ndarray, rows: np.ndarray, *, cumulative: bool) -> np.ndarray:
    """Outputs of a constant linear system over ``x`` [8, ticks], state 0 at the start.

    Returns [len(rows), ticks]: for each row r, sub-sample r+1's output, or with ``cumulative`` the sum
    of the first r+1 outputs of each tick. The recursion runs once per tick (scipy's lfilter on the
    tick-end states); everything per sub-sample is a matrix product.
    """
    a, b, c, groups = system
    a8, into_state, from_state, from_input = _block_matrices(a, b, c)
    if cumulative:
        from_state, from_input = np.cumsum(from_state, axis=0), np.cumsum(from_input, axis=0)
    if isinstance(x, _Wave):
        x = x.rows()
    end = _state_recurrence(a8, into_state @ x, groups)
    start = np.zeros_like(end)
    start[:, 1:] = end[:, :-1]
    return from_input[rows] @ x + from_state[rows] @ start


def _varying_recurrence(c: np.ndarray, u: np.ndarray) -> np.ndarray:
    """``y[t] = c[t] y[t-1] + u[t]`` from y = 0 with 0 < c <= 1: closed form in blocks.

    Within a block y = P (y0 + cumsum(u / P)) with P the running product of c (exp of a cumulative log
    sum, kept within e^+-500 by the block length); the blocks' carries are the same recurrence, shorter.
    """
    n = c.size
    log_c = np.maximum(np.log(c), -250.0)  # a carry below e^-250 is below any sample's precision
    steepest = float(-log_c.min())
    block = int(min(4096, max(2, 500.0 // steepest))) if steepest > 0 else n
    if n <= 1 or block >= n:
        growth = np.exp(np.cumsum(log_c))
        return growth * np.cumsum(u / growth)
    pad = -n % block
    log_c = np.concatenate((log_c, np.zeros(pad))).reshape(-1, block)
    growth = np.exp(np.cumsum(log_c, axis=1))
    inner = growth * np.cumsum(np.concatenate((u, np.zeros(pad))).reshape(-1, block) / growth, axis=1)
    carry = _varying_recurrence(growth[:, -1], inner[:, -1])
    inner[1:] += growth[1:] * carry[:-1, None]
    return inner.ravel()[:n]


def _low_pass_system(p: SfxrParams, hp: float | None) -> tuple:
    """jsfxr's resonant low-pass (state fltp, fltdp), with its high-pass (fltphp, coefficient hp) behind it."""
    w = p.p_lpf_freq ** 3 * 0.1
    g = 1.0 - min(5.0 / (1.0 + p.p_lpf_resonance ** 2 * 20.0) * (0.01 + w), 0.8)
    gw = g * w
    # fltdp = (fltdp + (x - fltp) w) g; fltp += fltdp; fltphp = (fltphp + fltp - fltp_before) (1 - flthp)
    if hp is None:
        return (np.array([[1 - gw, g], [-gw, g]]), np.array([gw, gw]), np.array([0.0, 1.0]), [[0, 1]])
    k = 1.0 - hp
    return (np.array([[1 - gw, g, 0.0], [-gw, g, 0.0], [-k * gw, k * g, k]]), np.array([gw, gw, k * gw]),
            np.array([0.0, 0.0, 1.0]), [[0, 1], [2]])


def _high_pass_system(hp: float, *, on_input: bool) -> tuple:
    """jsfxr's high-pass: on the raw input (low-pass off: state fltp = x, fltphp) or on input differences."""
    k = 1.0 - hp
    if on_input:
        return np.array([[0.0, 0.0], [-k, k]]), np.array([1.0, k]), np.array([0.0, 1.0]), [[0], [1]]
    return np.array([[k]]), np.array([k]), np.array([1.0]), [[0]]


def _swept_low_pass(p: SfxrParams, x: np.ndarray, w: np.ndarray) -> np.ndarray:
    """Per-sub-sample changes of the low-pass output when its cutoff sweeps (coefficient held in 0.5% blocks)."""
    g = 1.0 - min(5.0 / (1.0 + p.p_lpf_resonance ** 2 * 20.0) * (0.01 + p.p_lpf_freq ** 3 * 0.1), 0.8)
    flat = _swept_filter(x.T.ravel(), w, lambda c: ([g * c, 0.0], [1.0, -(1.0 + g * (1.0 - c)), g]))
    return np.ascontiguousarray(np.diff(flat, prepend=0.0).reshape(-1, OVERSAMPLING).T)


def _swept_filter(x: np.ndarray, coef: np.ndarray, design) -> np.ndarray:
    """lfilter with a monotone per-sample coefficient, held constant within SWEEP_TOLERANCE blocks.

    ``design(c)`` returns (b, a) with len(b) == 2 and len(a) == 3; the state is carried as past
    outputs and inputs, so switching coefficients between blocks is exact for this filter form.
    """
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


def _swept_high_pass(delta: np.ndarray, hp: np.ndarray, rows: np.ndarray) -> np.ndarray:
    """Cumulative high-pass outputs (as ``_run_blocks``) when its coefficient moves from tick to tick.

    Each tick runs from state 0 row by row (numpy over all ticks at once), the tick-to-tick state
    goes through :func:`_varying_recurrence`, and the start state's share is added back.
    """
    k = 1.0 - hp
    zero_start, gain = np.empty_like(delta), np.empty_like(delta)
    y, total, power, powers = np.zeros_like(k), np.zeros_like(k), np.ones_like(k), np.zeros_like(k)
    for i in range(OVERSAMPLING):
        y = (y + delta[i]) * k
        total = total + y
        zero_start[i] = total
        power = power * k
        powers = powers + power
        gain[i] = powers
    end = _varying_recurrence(power, y)
    start = np.concatenate(([0.0], end[:-1]))
    return zero_start[rows] + gain[rows] * start


def _high_pass_sums(x: _Wave, hp: float, rows: np.ndarray, pad: int = 0) -> tuple:
    """``_run_blocks`` for the constant high-pass straight on the oscillator (low-pass off), in closed form.

    With k = 1 - hp and z = (high-pass state - last input) at a tick's end, jsfxr's
    ``y = (y + x - x_before) k`` gives per tick ``z' = k^8 z + (k - 1) sum_j k^(8-j) x_j`` and the
    sum of the first c outputs ``z (k + .. + k^c) + sum_(j<=c) k^(c-j+1) x_j``.

    Returns the tick sums and, for the phaser (``pad`` > 0), the input shares of ``rows`` and the
    start states z with ``pad`` ticks of zeros before the sound, and the rows' state gains.
    """
    k = 1.0 - hp
    powers = k ** np.arange(OVERSAMPLING + 1)
    tail = powers[OVERSAMPLING - 1::-1]  # k^(8-j), j = 1..8
    gains = np.cumsum(powers[1:])  # k + .. + k^c
    if pad and rows.size <= 2 and x.direct:  # a fixed phaser: two weighted sums straight from the phase
        weights = np.where(_LAG >= 0, powers[np.maximum(_LAG, 0) + 1], 0.0)[rows]  # k^(c-j+1), j <= c
        shares = np.empty((rows.size + 1, pad + x.n_ticks))
        shares[:, :pad] = 0.0
        x.weighted(np.vstack((tail, weights)), out=shares[:, pad:])
        drive, shares = shares[0, pad:], shares[1:]
    elif pad:  # every c: share[c] = k (share[c-1] + x_c) over the samples, a chunk at a time
        rows = np.arange(OVERSAMPLING)
        shares = np.empty((OVERSAMPLING, pad + x.n_ticks))
        shares[:, :pad] = 0.0
        high_only = x.wave == "square"  # run it on the high flags, then take 0.5 (k + .. + k^c) off
        for lo in range(0, x.n_ticks, CHUNK_TICKS):
            samples = x.chunk(slice(lo, lo + CHUNK_TICKS), high_only=high_only)
            share = shares[:, pad + lo:pad + lo + samples.shape[1]]
            np.multiply(samples[0], k, out=share[0])
            for c in range(1, OVERSAMPLING):
                np.add(share[c - 1], samples[c], out=share[c])
                share[c] *= k
        if high_only and x._rows is None:
            shares[:, pad:] -= 0.5 * gains[:, None]
        drive = shares[-1, pad:] / k
    else:
        drive = x.weighted(tail[None, :])[0]
    z = signal.lfilter([k - 1.0], [1.0, -powers[OVERSAMPLING]], drive)
    z_start = np.zeros(pad + z.size)
    z_start[pad + 1:] = z[:-1]
    tick_sum = k * drive + gains[-1] * z_start[pad:]
    return (tick_sum, shares, z_start, gains[rows], rows) if pad else (tick_sum,)


def _phaser_delays(p: SfxrParams, n_ticks: int) -> np.ndarray:
    """Phaser delay per tick in sub-samples (0..1023), jsfxr's running offset."""
    offset0 = math.copysign(p.p_pha_offset ** 2 * 1020.0, p.p_pha_offset)
    slide = math.copysign(p.p_pha_ramp ** 2, p.p_pha_ramp)
    if slide == 0.0:
        return np.full(n_ticks, min(abs(math.floor(offset0)), 1023), dtype=np.int64)
    offsets = _running(offset0, slide, n_ticks)
    if offsets[0] < 0.0 or offsets[-1] < 0.0:  # (monotone) else truncation is the floor and abs a no-op
        np.floor(offsets, out=offsets)
        np.abs(offsets, out=offsets)
    np.minimum(offsets, 1023.0, out=offsets)
    return offsets.astype(np.int64)


def _filtered_sums(p: SfxrParams, x: _Wave, delay: np.ndarray) -> np.ndarray:
    """Per tick: the sum of the 8 high-passed sub-samples plus the phaser's delayed copy of them.

    The phaser adds the high-pass output ``delay`` sub-samples back (a 1024-slot ring buffer in
    jsfxr); a delay d = 8 q + r spans the last r sub-samples of tick t-q-1 and the first 8-r of tick
    t-q, so sums of each tick's first 8-r outputs are all it needs.
    """
    n_ticks = x.n_ticks
    phased = p.p_pha_ramp != 0.0 or delay[0] != 0
    pad = 0
    if phased:
        firsts = OVERSAMPLING - (delay & (OVERSAMPLING - 1))  # 1..8 outputs at the start of a tick
        used = np.bincount(firsts, minlength=OVERSAMPLING + 1) if p.p_pha_ramp else np.zeros(9, np.int64)
        used[[firsts[0], OVERSAMPLING]] = 1
        rows = np.flatnonzero(used) - 1
        lag = delay >> 3  # whole ticks of delay
        pad = int(lag.max()) + 1
    else:
        rows = np.array([OVERSAMPLING - 1])
    state = state_gain = None
    hp = _geometric(p.p_hpf_freq ** 2 * 0.1, 1.0 + p.p_hpf_ramp * 3e-4, n_ticks, 1e-5, 0.1)
    hp_fixed = hp[0] == hp[-1]  # monotone: equal ends = constant
    lpf_on = p.p_lpf_freq != 1.0  # jsfxr bypasses the low-pass entirely at 1
    w = _geometric(p.p_lpf_freq ** 3 * 0.1, 1.0 + p.p_lpf_ramp * 1e-4, n_ticks * OVERSAMPLING, 0.0, 0.1) if (
        lpf_on and p.p_lpf_ramp != 0.0) else None
    lpf_swept = w is not None and w[0] != w[-1]
    if hp_fixed and not lpf_swept:
        if lpf_on:
            sums = _run_blocks(_low_pass_system(p, float(hp[0])), x, rows, cumulative=True)
            tick_sum = sums[-1]
        else:
            tick_sum, *phaser_parts = _high_pass_sums(x, float(hp[0]), rows, pad)
            if phaser_parts:
                shares, state, state_gain, rows = phaser_parts
    else:
        if lpf_swept:
            delta = _swept_low_pass(p, x.rows(), w)
        elif lpf_on:
            delta = _run_blocks(_low_pass_system(p, None), x, np.arange(OVERSAMPLING), cumulative=False)
        else:
            rows_x = x.rows()
            delta = np.diff(rows_x, axis=0, prepend=np.concatenate(([0.0], rows_x[-1, :-1]))[None, :])
        if hp_fixed:
            sums = _run_blocks(_high_pass_system(float(hp[0]), on_input=False), delta, rows, cumulative=True)
        else:
            sums = _swept_high_pass(delta, hp, rows)
        tick_sum = sums[-1]
    if pad and state is None:
        shares = np.zeros((rows.size, pad + n_ticks))
        shares[:, pad:] = sums
    if not phased or not delay.any():  # delay 0 reads back the sample just written
        return 2.0 * tick_sum
    # W[t] = S[t-q-1] - P[t-q-1, c] + P[t-q, c] with P[t, c] = share[c, t] + gain[c] z[t] (zeros before the start)
    t = np.arange(pad, pad + n_ticks) - lag
    width = pad + n_ticks
    flat = shares.ravel()
    row = firsts - 1 if rows.size == OVERSAMPLING else np.searchsorted(rows, firsts - 1)
    at = row * width + t
    phased_sum = flat[at] - flat[at - 1]
    if state_gain is not None:
        phased_sum += state_gain[row] * (state[t] - state[t - 1])
    padded_sum = np.zeros(width)
    padded_sum[pad:] = tick_sum
    phased_sum += padded_sum[t - 1]
    phased_sum += tick_sum
    return phased_sum


# --- public -------------------------------------------------------------------------------------

_SCRATCH_KEPT = []  # set once the allocator has been asked to keep render scratch mapped


def _keep_scratch_mapped() -> None:
    """Free one 8 MiB block, once per process, so glibc keeps a render's scratch memory mapped.

    glibc's malloc hands memory back to the OS once more than 128 KiB lies free at the top of its
    heap, and the next render maps it back one page fault per 4 KiB: a render's transient arrays
    (150-250 bytes a tick) then cost about as much in page faults as in arithmetic (measured: 1.5-2x
    on sounds of 10k ticks). Freeing a block above glibc's mmap threshold raises its mmap and trim
    thresholds to that size (the dynamic threshold of mallopt(3)), as any numpy program that has
    once freed an 8 MiB array already has; the process may then keep up to 16 MiB of freed heap.
    With other allocators this is just one short-lived allocation.
    """
    if not _SCRATCH_KEPT:
        np.empty(8 << 20, dtype=np.uint8)
        _SCRATCH_KEPT.append(True)


def render_sfxr_ticks(p: SfxrParams, rng: np.random.Generator) -> np.ndarray:
    """The sound at sfxr's own 44.1 kHz clock, float64, unclipped."""
    _keep_scratch_mapped()
    n_ticks = sum(p.envelope_ticks()) + 2
    repeat = 0 if p.p_repeat_speed == 0 else int(math.floor((1.0 - p.p_repeat_speed) ** 2 * 20_000 + 32))
    seg_start, j = _segments(n_ticks, repeat)
    period, cut = _periods(p, n_ticks, seg_start, j)
    n_ticks = cut
    if n_ticks == 0:
        return np.zeros(0)
    env, j = _envelope(p, n_ticks), j[:n_ticks]
    if p.p_vib_strength > 0:
        vibrato = np.sin(_running(0.0, p.p_vib_speed ** 2 * 0.01, n_ticks))
        period = period * (1.0 + vibrato * (p.p_vib_strength * 0.5))
    iperiod = np.maximum(period, OVERSAMPLING).astype(np.int64)  # truncation = floor for periods >= 8
    duty = None  # only square and sawtooth have a duty
    if p.wave_type in ("square", "sawtooth") and p.p_duty_ramp == 0.0:
        duty = np.full(n_ticks, min(max(0.5 - p.p_duty * 0.5, 0.0), 0.5))
    elif p.wave_type in ("square", "sawtooth"):
        duty = np.clip(_running(0.5 - p.p_duty * 0.5, -p.p_duty_ramp * 5e-5, int(j[-1] if repeat == 0 else j.max()) + 1),
                       0.0, 0.5)
        if repeat:
            duty = duty[j]

    x = _Wave(p.wave_type, _tick_phases(iperiod), iperiod, duty, rng)
    env *= (math.exp(p.sound_vol) - 1.0) / OVERSAMPLING  # jsfxr's gain exp(sound_vol) - 1, per sub-sample
    out = _filtered_sums(p, x, _phaser_delays(p, n_ticks))
    out *= env
    return out


@functools.lru_cache(maxsize=16)
def _polyphase_filter(up: int, down: int) -> np.ndarray:
    """resample_poly's own default low-pass (Kaiser, beta 5), designed once per ratio instead of per call."""
    rate = max(up, down)
    return signal.firwin(2 * 10 * rate + 1, 1.0 / rate, window=("kaiser", 5.0))


try:  # the prepared polyphase filter behind signal.upfirdn, reusable across calls
    from scipy.signal._upfirdn import _UpFIRDn
except ImportError:  # pragma: no cover - a scipy that moved it: resample_poly does the same work per call
    _UpFIRDn = None


@functools.lru_cache(maxsize=256)
def _polyphase_plan(up: int, down: int, n_post_pad: int):
    """resample_poly's padded, scaled filter for one ratio and tail padding, prepared for upfirdn once."""
    window = _polyphase_filter(up, down)
    half_len = (window.size - 1) // 2
    h = window * up
    h = np.concatenate((np.zeros(down - half_len % down), h, np.zeros(n_post_pad)))
    return _UpFIRDn(h, np.float64, up, down)


def _resample_poly(x: np.ndarray, up: int, down: int) -> np.ndarray:
    """``signal.resample_poly(x, up, down, window=_polyphase_filter(up, down))`` for 1-D float64 x
    (up/down coprime), with the filter preparation cached: the same arithmetic, ~20 us less a call.
    """
    window = _polyphase_filter(up, down)
    half_len = (window.size - 1) // 2
    n_in = x.shape[0]
    n_out = n_in * up
    n_out = n_out // down + bool(n_out % down)
    n_pre_pad = down - half_len % down
    n_pre_remove = (half_len + n_pre_pad) // down
    # resample_poly's loop: the least tail padding so upfirdn's output covers the kept samples.
    n_post_pad = max(0, (n_out + n_pre_remove - 1) * down - ((n_in - 1) * up + window.size + n_pre_pad - 1))
    y = _polyphase_plan(up, down, n_post_pad).apply_filter(x, -1, "constant", 0)
    return y[n_pre_remove:n_pre_remove + n_out]


def resample(x: np.ndarray, sample_rate: int) -> np.ndarray:
    """From the 44.1 kHz tick clock to ``sample_rate`` (polyphase when the ratio is simple)."""
    if sample_rate == TICK_RATE or x.size == 0:
        return x
    g = math.gcd(sample_rate, TICK_RATE)
    up, down = sample_rate // g, TICK_RATE // g
    if max(up, down) <= 1000:
        if _UpFIRDn is not None and x.ndim == 1 and x.dtype == np.float64:
            return _resample_poly(x, up, down)
        return signal.resample_poly(x, up, down, window=_polyphase_filter(up, down))
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
    rng = seed if isinstance(seed, np.random.Generator) or p.wave_type != "noise" else np.random.default_rng(seed)
    x = resample(render_sfxr_ticks(p, rng), sample_rate)
    if clip:
        np.clip(x, -1.0, 1.0, out=x)
    return Audio(x.astype(np.float32)[None, :], sample_rate)
