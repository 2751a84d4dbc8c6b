"""Objective music metrics (MusPy's definitions) and mgeval-style set comparison.

Per piece, five features computed by MusPy itself (``muspy``, a dev dependency) on the piece's MIDI:

* ``pitch_class_entropy``: Shannon entropy (bits) of the pitch-class histogram; log2(7) for a
  diatonic scale with every degree once, 0 for one repeated pitch class.
* ``scale_consistency``: largest share of pitched notes inside one major or minor scale.
* ``groove_consistency``: 1 - mean Hamming distance between the onset patterns of consecutive bars
  (bar = ``measure_resolution`` ticks from the first time signature), normalised by the bar length.
* ``empty_beat_rate``: share of beats (quarter notes) on which no note sounds.
* ``polyphony``: mean number of pitches sounding at the time steps where at least one sounds.

MusPy skips drum tracks for the pitch features and polyphony and counts them for the rhythm ones.

Sets of pieces are compared as mgeval does (Yang & Lerch, "On the evaluation of generative models
in music", 2018): per feature, the intra-set distances of set A (all pairs), of set B, and the
inter-set distances (every A-B pair); a Gaussian KDE of each; then the overlap area (integral of
min(pdf1, pdf2) over the range of both samples) and the KL divergence of intra vs inter. An overlap
near 1 means a piece of A is as close to B's pieces as to A's own, i.e. A sits inside B's distribution.
Unlike mgeval's KL (each density sampled on its own grid), both densities share one grid here.

Distances are never negative, yet a Gaussian kernel on a distance near 0 puts half its mass below 0,
outside mgeval's integration range. Where a feature's distances pile up at 0 (polyphony of
monophonic tunes: nearly every pair differs by 0) both densities lose that half, so the overlap of
two samples of one population stays near 0.5 however many pieces there are. ``reflect=True`` is the
textbook correction for a density on [0, inf) (Silverman 1986, sec. 2.10: the kernel mass falling
below 0 is mirrored back above it) and integrates up to the largest distance plus four bandwidths,
so each density has unit area. Both figures are reported; the published one stays the default.
"""

from __future__ import annotations

import io
import math

import numpy as np
from symusic import Score

from museforge.errors import MuseforgeError

FEATURES = ("pitch_class_entropy", "scale_consistency", "groove_consistency", "empty_beat_rate", "polyphony")
GRID_POINTS = 1000  # integration grid for overlap and KL (trapezoid)


def to_muspy(score: Score):
    """The score as a ``muspy.Music``, converted from its MIDI bytes (ticks and resolution kept)."""
    try:
        import mido
        import muspy
    except ImportError as exc:  # dev extra only: a user install doesn't need evaluation metrics
        raise MuseforgeError("music metrics need muspy: pip install 'museforge[dev]'") from exc
    midi = mido.MidiFile(file=io.BytesIO(score.dumps_midi()))
    return muspy.from_mido(midi)


def bar_ticks(score: Score) -> int:
    """Ticks per bar of the score's first time signature (4/4 if it has none)."""
    num, den = (score.time_signatures[0].numerator, score.time_signatures[0].denominator) \
        if len(score.time_signatures) else (4, 4)
    return num * 4 * score.ticks_per_quarter // den


def piece_features(score: Score) -> dict[str, float]:
    """The five MusPy features of one piece; NaN where MusPy has no value (e.g. no pitched notes)."""
    import muspy

    music = to_muspy(score)
    return {
        "pitch_class_entropy": float(muspy.pitch_class_entropy(music)),
        "scale_consistency": float(muspy.scale_consistency(music)),
        "groove_consistency": float(muspy.groove_consistency(music, bar_ticks(score))),
        "empty_beat_rate": float(muspy.empty_beat_rate(music)),
        "polyphony": float(muspy.polyphony(music)),
    }


def crop_bars(score: Score, n_bars: int) -> Score:
    """A copy holding the first ``n_bars`` bars: later notes dropped, notes cut at the last bar line."""
    from museforge.music.convert import cut_notes_at

    return cut_notes_at(score.copy(), n_bars * bar_ticks(score))


def set_distances(a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(intra-A, intra-B, inter A-B) absolute differences of a scalar feature; intra = unordered pairs."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)

    def intra(x: np.ndarray) -> np.ndarray:
        i, j = np.triu_indices(len(x), k=1)
        return np.abs(x[i] - x[j])

    return intra(a), intra(b), np.abs(a[:, None] - b[None, :]).ravel()


def _kde(values: np.ndarray, spike_width: float) -> tuple:
    """(pdf callable, bandwidth): Gaussian KDE, Scott's rule; a sample with no spread is a narrow spike."""
    from scipy.stats import gaussian_kde

    if np.ptp(values) > 0:
        kde = gaussian_kde(values)
        return kde, float(np.sqrt(kde.covariance[0, 0]))
    centre = float(values[0])
    return (lambda x: np.exp(-0.5 * ((x - centre) / spike_width) ** 2)), spike_width


def overlap_and_kl(intra: np.ndarray, inter: np.ndarray, reflect: bool = False) -> tuple[float, float]:
    """(overlap area, KL(intra || inter) in nats) of the two distance distributions' KDEs.

    ``reflect=False``: mgeval as published, integrated over the samples' range. ``reflect=True``: each
    density mirrored at distance 0 and integrated over [0, max + 4 bandwidths] (module docstring).
    """
    if len(intra) < 2 or len(inter) < 2:
        raise MuseforgeError("overlap needs at least 2 distances per set (3 pieces per set)")
    low, high = min(intra.min(), inter.min()), max(intra.max(), inter.max())
    if high - low <= 0:  # every distance equal in both: identical distributions
        return 1.0, 0.0
    spike_width = (high - low) / 100  # a point mass: a spike a few grid steps wide
    (pdf_p, width_p), (pdf_q, width_q) = _kde(intra, spike_width), _kde(inter, spike_width)
    if reflect:
        low, high = 0.0, high + 4 * max(width_p, width_q)
    grid = np.linspace(low, high, GRID_POINTS)
    densities = []
    for sample, pdf in ((intra, pdf_p), (inter, pdf_q)):
        values = pdf(grid) + (pdf(-grid) if reflect else 0.0)
        if np.ptp(sample) == 0:  # the spike has no normalising constant: unit area on the grid
            values = values / np.trapezoid(values, grid)
        densities.append(values)
    p, q = densities
    overlap = float(np.trapezoid(np.minimum(p, q), grid))
    p_n, q_n = p / p.sum(), q / q.sum()
    floor = 1e-12  # where the inter density vanishes, KL is bounded instead of infinite
    kl = float(np.sum(p_n * np.log((p_n + floor) / (q_n + floor))))
    return overlap, kl


def compare_sets(groups: list[tuple[list[dict[str, float]], list[dict[str, float]]]]) -> dict[str, dict]:
    """mgeval comparison of generated vs reference pieces, per feature.

    Args:
        groups: (ours, reference) pairs of :func:`piece_features` lists, e.g. one pair per style.
            Distances are taken within a group only and pooled over groups, so several styles
            together are compared style by style, never a folk tune against a chorale.

    Returns:
        {feature: {"overlap_intra_ours": OA(intra-ours, inter), "overlap_intra_ref": OA(intra-ref, inter),
        "reflected_intra_ours", "reflected_intra_ref" (the same with ``reflect=True``), "kl_intra_ours",
        "kl_intra_ref", "mean_ours", "mean_ref", "n_ours", "n_ref"}}; pieces whose feature is NaN are
        left out of that feature.
    """
    out = {}
    for name in FEATURES:
        parts: list[tuple[np.ndarray, ...]] = []
        values_a, values_b = [], []
        for ours, reference in groups:
            a = np.array([f[name] for f in ours if not math.isnan(f[name])])
            b = np.array([f[name] for f in reference if not math.isnan(f[name])])
            parts.append(set_distances(a, b))
            values_a.append(a)
            values_b.append(b)
        intra_a, intra_b, inter = (np.concatenate([p[k] for p in parts]) for k in range(3))
        a, b = np.concatenate(values_a), np.concatenate(values_b)
        oa_a, kl_a = overlap_and_kl(intra_a, inter)
        oa_b, kl_b = overlap_and_kl(intra_b, inter)
        out[name] = {"overlap_intra_ours": oa_a, "overlap_intra_ref": oa_b, "kl_intra_ours": kl_a,
                     "kl_intra_ref": kl_b, "mean_ours": float(a.mean()), "mean_ref": float(b.mean()),
                     "reflected_intra_ours": overlap_and_kl(intra_a, inter, reflect=True)[0],
                     "reflected_intra_ref": overlap_and_kl(intra_b, inter, reflect=True)[0],
                     "n_ours": len(a), "n_ref": len(b)}
    return out
