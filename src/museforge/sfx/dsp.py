"""DSP building blocks for sound-effect recipes: noise, stateful filters, envelopes, resonators.

Everything works on float64 arrays shaped [channels, frames] and is vectorised (numpy/scipy), so a
recipe costs a few dozen array passes per block rather than Python work per sample. Stateful pieces
(:class:`Filter`, :class:`Ramp`, :class:`GrainBuffer`, :class:`NoiseSource`) give identical output
whether a signal is produced in one call or in many blocks: that is what lets ``stream`` match an
offline render sample for sample.
"""

from __future__ import annotations

import math

import numpy as np
from scipy import signal

try:  # the compiled kernel behind signal.sosfilt: filters a C-contiguous [rows, frames] array in place
    from scipy.signal._sosfilt import _sosfilt as _sosfilt_kernel
except ImportError:  # pragma: no cover - a scipy that moved it: the public wrapper does the same work
    _sosfilt_kernel = None

TWO_PI = 2.0 * np.pi


# --- noise -----------------------------------------------------------------------------------

class NoiseSource:
    """Block-size-invariant white noise with unit variance, one independent stream per channel.

    Uniform noise is used (6x cheaper than Gaussian); after any filter it is indistinguishable.
    One generator per channel keeps the rows contiguous (filters would copy a strided view) and
    makes two blocks of n frames equal one block of 2n.
    """

    def __init__(self, rngs: list[np.random.Generator]):
        self.rngs = rngs
        self.n_channels = len(rngs)

    def white(self, n_frames: int) -> np.ndarray:
        out = np.empty((self.n_channels, n_frames))
        for row, rng in zip(out, self.rngs):
            rng.random(out=row)
        out -= 0.5
        out *= np.sqrt(12.0)  # variance 1
        return out


# Paul Kellet's economy pinking filter (3 poles), -3 dB/octave within 0.5 dB over the audio band.
_PINK_B = np.array([0.049922035, -0.095993537, 0.050612699, -0.004408786])
_PINK_A = np.array([1.0, -2.494956002, 2.017265875, -0.522189400])


def _unit_variance(sos: np.ndarray, sample_rate: int = 48_000) -> np.ndarray:
    """Scale ``sos`` so white noise of variance 1 comes out with variance ~1."""
    impulse = np.zeros(sample_rate)
    impulse[0] = 1.0
    energy = float(np.sum(signal.sosfilt(sos, impulse) ** 2))
    sos = sos.copy()
    sos[0, :3] /= np.sqrt(energy)
    return sos


_PINK_SOS = _unit_variance(signal.tf2sos(_PINK_B, _PINK_A), 44_100)


def pink_sos() -> np.ndarray:
    """Second-order sections of the pinking filter, scaled to unit output variance."""
    return _PINK_SOS.copy()


def brown_sos(sample_rate: int, corner_hz: float = 40.0) -> np.ndarray:
    """A leaky integrator (-6 dB/octave above ``corner_hz``; a pure one would drift), unit variance."""
    sos = lowpass_sos(corner_hz, sample_rate, order=1)
    sos[0, :3] *= np.sqrt(sample_rate / (np.pi * corner_hz))
    return sos


# --- filter design ----------------------------------------------------------------------------
# RBJ-cookbook biquads in plain Python: ~100x cheaper than scipy.signal.butter, which matters when
# automation redesigns filters every 256-frame block. Frequencies are clamped so no parameter can
# ask for an unstable filter.

_BUTTER4_Q = (0.5411961, 1.3065630)  # the two sections of a 4th-order Butterworth


def _clamp_hz(freq_hz: float, sample_rate: int) -> float:
    return min(max(float(freq_hz), 0.01), 0.45 * sample_rate)


def biquad(kind: str, freq_hz: float, q: float, sample_rate: int) -> np.ndarray:
    """One RBJ section [[b0, b1, b2, 1, a1, a2]]; kind is lowpass, highpass or bandpass (0 dB peak)."""
    w0 = TWO_PI * _clamp_hz(freq_hz, sample_rate) / sample_rate
    cos_w0, alpha = math.cos(w0), math.sin(w0) / (2.0 * max(q, 0.1))
    if kind == "lowpass":
        b = ((1 - cos_w0) / 2, 1 - cos_w0, (1 - cos_w0) / 2)
    elif kind == "highpass":
        b = ((1 + cos_w0) / 2, -(1 + cos_w0), (1 + cos_w0) / 2)
    else:
        b = (alpha, 0.0, -alpha)
    a0 = 1 + alpha
    return np.array([[b[0] / a0, b[1] / a0, b[2] / a0, 1.0, -2 * cos_w0 / a0, (1 - alpha) / a0]])


def _butter(kind: str, cutoff_hz: float, sample_rate: int, order: int) -> np.ndarray:
    if order == 1:
        k = math.tan(math.pi * _clamp_hz(cutoff_hz, sample_rate) / sample_rate)
        if kind == "lowpass":
            return np.array([[k / (1 + k), k / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]])
        return np.array([[1 / (1 + k), -1 / (1 + k), 0.0, 1.0, (k - 1) / (k + 1), 0.0]])
    qs = (math.sqrt(0.5),) if order == 2 else _BUTTER4_Q
    return np.concatenate([biquad(kind, cutoff_hz, q, sample_rate) for q in qs])


def lowpass_sos(cutoff_hz: float, sample_rate: int, order: int = 2) -> np.ndarray:
    """Butterworth low-pass of order 1, 2 or 4."""
    return _butter("lowpass", cutoff_hz, sample_rate, order)


def highpass_sos(cutoff_hz: float, sample_rate: int, order: int = 2) -> np.ndarray:
    """Butterworth high-pass of order 1, 2 or 4."""
    return _butter("highpass", cutoff_hz, sample_rate, order)


def bandpass_sos(low_hz: float, high_hz: float, sample_rate: int, order: int = 2) -> np.ndarray:
    """High-pass at ``low_hz`` then low-pass at ``high_hz`` (each of ``order``)."""
    high_hz = max(high_hz, low_hz * 1.05)
    return np.concatenate([highpass_sos(low_hz, sample_rate, order), lowpass_sos(high_hz, sample_rate, order)])


def band_sos(low_hz: float, high_hz: float, sample_rate: int) -> np.ndarray:
    """One-section band-pass (6 dB/octave skirts) centred geometrically between the edges.

    Half the cost of :func:`bandpass_sos`; plenty for shaping noise beds.
    """
    high_hz = max(high_hz, low_hz * 1.05)
    centre_hz = math.sqrt(low_hz * high_hz)
    return biquad("bandpass", centre_hz, centre_hz / (high_hz - low_hz), sample_rate)


def pink_band_gain(low_hz: float, high_hz: float) -> float:
    """Gain that gives white noise through :func:`band_sos` the level pink noise would have there.

    Measured over bands from 60 Hz-2.5 kHz to 600 Hz-13 kHz: within +-1.5 dB. Lets a noise bed
    skip the (two-section) pinking filter when the band-pass shapes it anyway.
    """
    return 1.35 * math.sqrt(1000.0 / math.sqrt(low_hz * max(high_hz, low_hz * 1.05)))


def resonator_sos(freq_hz: float, q: float, sample_rate: int) -> np.ndarray:
    """A 0 dB-peak band-pass biquad: an impulse makes it ring at ``freq_hz`` for ~Q cycles."""
    return biquad("bandpass", freq_hz, q, sample_rate)


class Filter:
    """A cascade of biquads over [channels, frames] that keeps its state between calls.

    Changing coefficients with :meth:`set` keeps the state, which is how automated parameters move
    a cutoff block by block without restarting (and clicking) the filter.

    Calls go straight to the compiled kernel of ``scipy.signal.sosfilt`` with the state kept in its
    own layout: the wrapper's validation, axis moves and state copies cost as much as filtering a
    few thousand frames. The kernel's cost is per frame and row and bound by the recursion's
    latency, not by arithmetic: cascading sections is nearly free (merge filters in series into
    one ``Filter`` where possible), and a stereo pair runs as one complex row (left + i right)
    through the real coefficients, whose real and imaginary parts are computed exactly as the two
    real rows would be, in ~65% of the time.
    """

    def __init__(self, sos: np.ndarray, n_channels: int):
        self.sos = np.ascontiguousarray(sos, dtype=np.float64)
        self._pair = n_channels == 2 and _sosfilt_kernel is not None
        if self._pair:
            self._sos_c = self.sos.astype(np.complex128)
            self._state = np.zeros((1, self.sos.shape[0], 2), dtype=np.complex128)
        else:
            self._state = np.zeros((n_channels, self.sos.shape[0], 2))  # the kernel's layout

    @property
    def zi(self) -> np.ndarray:
        """The state in ``scipy.signal.sosfilt``'s layout [sections, channels, 2] (a copy)."""
        state = np.concatenate([self._state.real, self._state.imag]) if self._pair else self._state
        return state.transpose(1, 0, 2).copy()

    def set(self, sos: np.ndarray) -> None:
        sos = np.ascontiguousarray(sos, dtype=np.float64)
        if sos.shape != self.sos.shape:
            raise ValueError(f"filter shape changed from {self.sos.shape} to {sos.shape}")
        self.sos = sos
        if self._pair:
            self._sos_c = sos.astype(np.complex128)

    def __call__(self, x: np.ndarray, in_place: bool = False) -> np.ndarray:
        """Filter [channels, frames]; ``in_place`` reuses ``x`` (C-contiguous float64) as the output."""
        if in_place and x.dtype == np.float64 and x.flags.c_contiguous:
            y = x
        else:
            y = np.array(x, dtype=np.float64, order="C")
        if self._pair and y.shape[0] == 2:
            z = np.empty((1, y.shape[1]), dtype=np.complex128)
            z.real, z.imag = y[0], y[1]
            _sosfilt_kernel(self._sos_c, z, self._state)
            y[0], y[1] = z.real, z.imag
            return y
        if _sosfilt_kernel is not None:
            _sosfilt_kernel(self.sos, y, self._state)
            return y
        out, zi = signal.sosfilt(self.sos, y, axis=-1, zi=self._state.transpose(1, 0, 2))
        self._state = np.ascontiguousarray(zi.transpose(1, 0, 2))
        return out


class OnePole:
    """A one-pole low-pass (leaky integrator) with state: cheap smoothing of control signals."""

    def __init__(self, time_constant_s: float, sample_rate: int, n_channels: int, initial: float = 0.0):
        self.coef = float(np.exp(-1.0 / max(time_constant_s * sample_rate, 1.0)))
        self.zi = np.full((n_channels, 1), initial * self.coef)

    def __call__(self, x: np.ndarray) -> np.ndarray:
        y, self.zi = signal.lfilter([1.0 - self.coef], [1.0, -self.coef], x, axis=-1, zi=self.zi)
        return y


class Ramp:
    """Per-block linear ramps of control values: continuous at block edges, constant when unchanged."""

    def __init__(self) -> None:
        self.last: dict[str, float] = {}

    def __call__(self, name: str, target: float, n_frames: int) -> np.ndarray:
        start = self.last.get(name, target)
        self.last[name] = target
        if start == target:
            return np.full(n_frames, target)
        return start + (target - start) * (np.arange(1, n_frames + 1) / n_frames)


class ControlNoise:
    """A smooth random control signal (gusts, flicker, syllables): noise low-passed below
    ``cutoff_hz``, unit variance, computed at 1/64 of the audio rate and linearly interpolated.

    Control points sit at absolute frames k * 64 and each takes one draw, so the signal is the same
    however the audio is cut into blocks; 64x fewer draws and filter steps than at audio rate.
    """

    HOP = 64
    _RAMP = np.arange(HOP) / HOP

    def __init__(self, rng: np.random.Generator, cutoff_hz: float, sample_rate: int, n_channels: int = 1):
        self.rng, self.sample_rate, self.n_channels = rng, sample_rate, n_channels
        self.filter = Filter(lowpass_sos(cutoff_hz, sample_rate / self.HOP, 2), n_channels)
        self.cutoff_hz = cutoff_hz
        self.frame = 0
        self.points = np.zeros((n_channels, 0))  # control values from index self.first_k on
        self.first_k = 0

    def set_cutoff(self, cutoff_hz: float) -> None:
        if cutoff_hz != self.cutoff_hz:
            self.filter.set(lowpass_sos(cutoff_hz, self.sample_rate / self.HOP, 2))
            self.cutoff_hz = cutoff_hz

    def advance(self, n_frames: int) -> None:
        """Move on by ``n_frames`` as a call would (same draws and filter state), without the output."""
        frames = (self.frame, self.frame + n_frames - 1)
        k_low, k_high = frames[0] // self.HOP, frames[1] // self.HOP + 1
        self._draw_to(k_high)
        drop = k_low - self.first_k
        self.points, self.first_k = self.points[:, drop:], k_low
        self.frame += n_frames

    def _draw_to(self, k_high: int) -> None:
        have = self.first_k + self.points.shape[1]
        if k_high >= have:  # draw and filter the missing control points, in order
            raw = (self.rng.random((k_high - have + 1, self.n_channels)).T - 0.5) * np.sqrt(12.0)
            gain = np.sqrt(self.sample_rate / self.HOP / (2.22 * self.cutoff_hz))
            self.points = np.concatenate([self.points, self.filter(raw) * gain], axis=1)

    def __call__(self, n_frames: int) -> np.ndarray:
        """The next ``n_frames`` of the control signal, [channels, frames]."""
        frames = (self.frame, self.frame + n_frames - 1)
        k_low, k_high = frames[0] // self.HOP, frames[1] // self.HOP + 1
        self._draw_to(k_high)
        drop = k_low - self.first_k  # points before this block are no longer needed
        self.points, self.first_k = self.points[:, drop:], k_low
        # Linear segments between consecutive points, HOP frames each, laid end to end.
        p = self.points[:, : k_high - k_low + 1]
        segments = np.empty((self.n_channels, p.shape[1] - 1, self.HOP))
        np.multiply(np.diff(p, axis=1)[:, :, None], self._RAMP, out=segments)
        segments += p[:, :-1, None]
        offset = int(frames[0] - k_low * self.HOP)
        self.frame += n_frames
        return segments.reshape(self.n_channels, -1)[:, offset:offset + n_frames]


# --- events ----------------------------------------------------------------------------------

def poisson_impulses(rng: np.random.Generator, rate_hz: np.ndarray | float, n_frames: int,
                     sample_rate: int) -> np.ndarray:
    """Indices of events of a Poisson process with a (possibly time-varying) rate.

    One uniform draw per frame keeps the process block-size invariant.
    """
    p = np.asarray(rate_hz, dtype=np.float64) / sample_rate
    return np.flatnonzero(rng.random(n_frames) < p)


def impulse_train(indices: np.ndarray, amplitudes: np.ndarray, n_frames: int) -> np.ndarray:
    """Amplitudes placed at frame indices, [channels, frames] (amplitudes: [channels, events])."""
    out = np.zeros((amplitudes.shape[0], n_frames))
    out[:, indices] = amplitudes
    return out


def impulse_response(sos: np.ndarray, n_frames: int) -> np.ndarray:
    """The first ``n_frames`` of a filter's impulse response."""
    impulse = np.zeros(n_frames)
    impulse[0] = 1.0
    return signal.sosfilt(sos, impulse)


def add_grains(out: np.ndarray, indices: np.ndarray, gains: np.ndarray, grain: np.ndarray) -> None:
    """``out[:, i:i+len] += gains[:, k] * grain`` for each event k at frame i (clipped at the end).

    For sparse events through a short-ringing filter this equals filtering an impulse train, at the
    cost of the events rather than of every frame.
    """
    n_frames = out.shape[1]
    for k, i in enumerate(indices):
        length = min(grain.size, n_frames - int(i))
        for c in range(out.shape[0]):
            out[c, i:i + length] += gains[c, k] * grain[:length]


def pan_gains(pan: np.ndarray, n_channels: int) -> np.ndarray:
    """Equal-power pan (-1 left .. +1 right) -> gains [channels, events]; mono gets unity."""
    pan = np.atleast_1d(pan)
    if n_channels == 1:
        return np.ones((1, pan.size))
    theta = (pan + 1.0) * (np.pi / 4.0)
    return np.stack([np.cos(theta), np.sin(theta)]) * np.sqrt(2.0)


class GrainBuffer:
    """Overlap-add of pre-rendered grains that may run past the end of a block.

    Keeps the list of grains still sounding, so the cost is per active grain, not per tail length.
    """

    def __init__(self, n_channels: int):
        self.n_channels = n_channels
        self.active: list[list] = []  # [samples [channels, length], read position at block start]

    def mix(self, n_frames: int, grains: list[tuple[int, np.ndarray]]) -> np.ndarray:
        """Sum grains ``(start_frame, samples[channels, length])`` into a block of ``n_frames``."""
        self.active.extend([grain, -start] for start, grain in grains)
        out = np.zeros((self.n_channels, n_frames))
        still = []
        for item in self.active:
            grain, pos = item
            dst = max(0, -pos)
            src = max(0, pos)
            length = min(n_frames - dst, grain.shape[1] - src)
            if length > 0:
                out[:, dst:dst + length] += grain[:, src:src + length]
            item[1] = pos + n_frames
            if item[1] < grain.shape[1]:
                still.append(item)
        self.active = still
        return out


# --- envelopes and shapes --------------------------------------------------------------------

def fexp(x: np.ndarray) -> np.ndarray:
    """exp in float32: envelopes do not need float64, and float32 exp is SIMD-fast (~10x)."""
    return np.exp(np.asarray(x, dtype=np.float32))


def sin_cycles(cycles: np.ndarray, chunk: int = 4096) -> np.ndarray:
    """sin(2 pi cycles) in float32 without losing phase precision on long, high sines.

    Subtracting each 4096-sample chunk's whole-cycle offset (in float64) leaves values float32
    holds to ~1e-4 cycles; float64 ``% 1`` or ``floor`` per sample would cost ~10x more here.
    The subtraction writes float32 straight into the output, which the sine then overwrites.
    """
    cycles = np.asarray(cycles, dtype=np.float64)
    n = cycles.size
    out = np.empty(n, dtype=np.float32)
    full = n - n % chunk
    if full:
        blocks = cycles[:full].reshape(-1, chunk)
        np.subtract(blocks, np.floor(blocks[:, :1]), out=out[:full].reshape(-1, chunk), casting="unsafe")
    if full < n:
        np.subtract(cycles[full:], math.floor(cycles[full]), out=out[full:], casting="unsafe")
    out *= np.float32(TWO_PI)
    return np.sin(out, out=out)


def sine_from_freq(freq_hz: np.ndarray, sample_rate: int, phase: float = 0.0) -> np.ndarray:
    """A sine following a per-sample frequency (phase in cycles)."""
    return sin_cycles(np.cumsum(freq_hz, dtype=np.float64) / sample_rate + phase)  # float64: phase must not drift


def time_s(n_frames: int, sample_rate: int, start_frame: int = 0) -> np.ndarray:
    return (start_frame + np.arange(n_frames)) / sample_rate


def time_s32(n_frames: int, sample_rate: int) -> np.ndarray:
    """Seconds from 0 as float32, for envelopes (frame indices are exact in float32 up to 2**24)."""
    return np.arange(n_frames, dtype=np.float32) / np.float32(sample_rate)


def exp_decay(n_frames: int, sample_rate: int, decay_s: float, attack_s: float = 0.0) -> np.ndarray:
    """Linear attack then exponential decay; ``decay_s`` is the time to fall by 60 dB (T60)."""
    t = time_s(n_frames, sample_rate)
    env = np.exp(-6.9078 * t / max(decay_s, 1e-4))
    if attack_s > 0:
        env *= np.minimum(t / attack_s, 1.0)
    return env


def adsr(n_frames: int, sample_rate: int, attack_s: float, decay_s: float, sustain: float,
         release_s: float) -> np.ndarray:
    """Piecewise-linear ADSR filling ``n_frames``; the release ends the sound at zero."""
    points_s = np.cumsum([0.0, attack_s, decay_s])
    release_start = max(n_frames / sample_rate - release_s, points_s[-1])
    xs = [0.0, points_s[1], points_s[2], release_start, n_frames / sample_rate]
    ys = [0.0, 1.0, sustain, sustain, 0.0]
    return np.interp(time_s(n_frames, sample_rate), xs, ys)


def fade_edges(x: np.ndarray, sample_rate: int, fade_in_s: float = 0.0, fade_out_s: float = 0.005,
               in_place: bool = False) -> np.ndarray:
    """Raised-cosine fades so a cut never clicks (on a copy unless ``in_place``)."""
    x = x if in_place else x.copy()
    for fade_s, sl in ((fade_in_s, slice(None)), (fade_out_s, slice(None, None, -1))):
        n = min(int(fade_s * sample_rate), x.shape[-1])
        if n > 0:
            ramp = 0.5 - 0.5 * np.cos(np.pi * np.arange(n) / n)
            x[..., sl][..., :n] *= ramp
    return x


def modal(freqs_hz: np.ndarray, t60s_s: np.ndarray, amps: np.ndarray, n_frames: int, sample_rate: int,
          phases: np.ndarray | None = None) -> np.ndarray:
    """A bank of exponentially decaying sinusoids (modal synthesis of struck objects), mono.

    Each mode is computed only until it has decayed by 80 dB; phase is wrapped in float64 and the
    sine/exp run in float32, which numpy vectorises with SIMD.
    """
    out = np.zeros(n_frames)
    nyquist = 0.5 * sample_rate
    phases = np.zeros(len(freqs_hz)) if phases is None else phases
    for freq, t60, amp, phase in zip(freqs_hz, t60s_s, amps, phases):
        if freq >= 0.95 * nyquist or amp == 0.0:
            continue
        length = min(n_frames, int(t60 * 4.0 / 3.0 * sample_rate) + 1)
        k = np.arange(length, dtype=np.float64)
        decay = np.arange(length, dtype=np.float32) * np.float32(-6.9078 / (t60 * sample_rate))
        out[:length] += amp * (sin_cycles(k * (freq / sample_rate) + phase) * np.exp(decay))
    return out


def chirp(freq_start_hz: float, freq_end_hz: float, n_frames: int, sample_rate: int,
          curve: str = "exp") -> np.ndarray:
    """A sine sweep (exponential by default, which sounds like an even glide in pitch)."""
    x = np.arange(n_frames, dtype=np.float32) / np.float32(max(n_frames, 1))
    if curve == "exp":  # exp of a float32 ramp: ~50x cheaper than a float64 power
        freq = freq_start_hz * fexp(x * np.float32(math.log(freq_end_hz / freq_start_hz)))
    else:
        freq = freq_start_hz + (freq_end_hz - freq_start_hz) * x
    return sine_from_freq(freq, sample_rate)


def soft_clip(x: np.ndarray, knee: float = 0.8) -> np.ndarray:
    """Memoryless: identity below ``knee``, tanh into (-1, 1) above, so peaks never clip."""
    if x.size == 0 or (x.max() <= knee and x.min() >= -knee):  # two reductions, no temporaries
        return x
    over = np.abs(x) > knee
    y = x.copy()
    headroom = 1.0 - knee
    y[over] = np.sign(x[over]) * (knee + headroom * np.tanh((np.abs(x[over]) - knee) / headroom))
    return y


def equal_power_crossfade(head: np.ndarray, tail: np.ndarray) -> np.ndarray:
    """Fade ``tail`` out while ``head`` fades in, constant power for uncorrelated signals."""
    n = head.shape[-1]
    theta = (np.arange(n) + 0.5) / n * (np.pi / 2.0)
    return head * np.sin(theta) + tail * np.cos(theta)
