"""An offline true-peak brickwall limiter (lookahead, hold, smooth release) in numpy.

Why not pedalboard's: ``pedalboard.BrickwallLimiter`` (0.9.26) restarts its hold whenever the
input is over the ceiling, so while material stays hot it never releases. Measured: a 500 Hz sine
at +12 dBFS for 1 s, then at 0 dBFS, with the ceiling at -1 dBFS, comes out at -13 dBFS for the
next 2 s instead of -1 dBFS. Mastering to -14 LUFS keeps dense material over the ceiling for long
stretches, so the master would sit far below its target. Everything else in the mix is pedalboard.

How: the sidechain is the 4x-oversampled peak of each frame (a BS.1770-style true-peak estimate). The
needed gain ``min(1, ceiling / peak)`` is held over the lookahead window ahead and a hold time
behind, recovers at ``release_db_per_s``, and is smoothed by a moving average as long as the
lookahead. Every frame's gain is an average of holds that all cover that frame, so it never
exceeds what the frame needs: no overshoot, and a gain that starts falling a lookahead early.
Offline, the lookahead costs no latency.
"""

from __future__ import annotations

import numpy as np
from scipy.ndimage import correlate1d, minimum_filter1d, uniform_filter1d

from museforge.audio import db_to_amplitude

OVERSAMPLE = 4


def _phase_filters() -> np.ndarray:
    """A 48-tap 4x interpolator (the length BS.1770-4 Annex 2 uses) split into 4 phases of 12."""
    from scipy.signal import firwin

    taps = firwin(12 * OVERSAMPLE, 1.0 / OVERSAMPLE, window=("kaiser", 8.0)) * OVERSAMPLE
    return np.stack([taps[phase::OVERSAMPLE][::-1] for phase in range(OVERSAMPLE)]).astype(np.float32)


_PHASES = _phase_filters()


def frame_true_peaks(samples: np.ndarray) -> np.ndarray:
    """Per-frame max over channels and the 4 interpolation phases of |signal|, shape [frames].

    A phase may sit a frame early or late; :func:`limit` holds gain over windows of many frames,
    so that offset never matters. Cheaper than ``resample_poly`` (4 short filters, float32).
    """
    samples = np.asarray(samples, dtype=np.float32)
    peaks = np.abs(samples).max(axis=0)
    for phase in _PHASES:
        np.maximum(peaks, np.abs(correlate1d(samples, phase, axis=1, mode="constant")).max(axis=0), out=peaks)
    return peaks


def limit(
    samples: np.ndarray,
    sample_rate: int,
    *,
    ceiling_db: float = -1.0,
    lookahead_ms: float = 5.0,
    hold_ms: float = 20.0,
    release_db_per_s: float = 120.0,
    frame_peaks: np.ndarray | None = None,
) -> np.ndarray:
    """Limit float samples [channels, frames] so their true peak stays under ``ceiling_db``.

    Args:
        samples: float audio [channels, frames].
        sample_rate: in Hz.
        ceiling_db: true-peak ceiling in dBTP.
        lookahead_ms: attack ramp length (gain starts falling this early).
        hold_ms: gain reduction held this long after a peak (avoids distortion on low notes).
        release_db_per_s: recovery speed afterwards.
        frame_peaks: :func:`frame_true_peaks` of ``samples`` if already known. The sidechain is
            linear in the input, so mastering computes it once and scales it for each gain it tries.

    Returns:
        Limited float32 samples of the same shape.
    """
    samples = np.asarray(samples, dtype=np.float32)
    n_frames = samples.shape[1]
    if n_frames == 0:
        return samples.copy()
    peaks = frame_true_peaks(samples) if frame_peaks is None else np.asarray(frame_peaks, dtype=np.float32)
    ceiling = np.float32(db_to_amplitude(ceiling_db))
    needed = np.minimum(np.float32(1.0), ceiling / np.maximum(peaks, np.float32(1e-12)))
    if needed.min() >= 1.0:  # nothing reaches the ceiling: the gain is 1 everywhere
        return samples.copy()
    lookahead = max(1, round(lookahead_ms * sample_rate / 1000))
    hold = max(0, round(hold_ms * sample_rate / 1000))
    # held[n] = min(needed[n - hold : n + lookahead]): a centred filter read at a shifted index
    size = hold + lookahead
    held = _shifted(minimum_filter1d(needed, size=size, mode="nearest"), size // 2 - hold)
    # release: gain_db[n] = min over k <= n of held_db[k] + rate * (n - k)  (vectorised recursion);
    # float64 here: the ramp reaches thousands of dB on long audio
    rate_db = release_db_per_s / sample_rate
    held_db = 20.0 * np.log10(held, dtype=np.float64)  # held >= 1e-12 * ceiling > 0
    ramp = rate_db * np.arange(n_frames)
    released_db = np.minimum.accumulate(held_db - ramp)
    released_db += ramp
    np.minimum(released_db, 0.0, out=released_db)
    released = np.exp(released_db.astype(np.float32) * np.float32(np.log(10.0) / 20.0))
    # smoothed[n] = mean(released[n - lookahead + 1 : n + 1]): every term covers frame n (module doc)
    centred = uniform_filter1d(released, size=lookahead, mode="nearest")
    smoothed = _shifted(centred, lookahead // 2 - (lookahead - 1))
    gain = np.minimum(smoothed, needed)  # guards the edges where the filters pad
    return samples * gain[None, :]


def _shifted(values: np.ndarray, shift: int) -> np.ndarray:
    """``out[n] = values[n + shift]``, repeating the edge values outside the array."""
    if shift == 0 or values.size == 0:
        return values
    out = np.empty_like(values)
    if shift > 0:
        shift = min(shift, values.size)
        out[: values.size - shift] = values[shift:]
        out[values.size - shift:] = values[-1]
    else:
        shift = min(-shift, values.size)
        out[shift:] = values[: values.size - shift]
        out[:shift] = values[0]
    return out
