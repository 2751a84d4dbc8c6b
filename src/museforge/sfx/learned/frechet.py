"""Frechet distance between two sets of embeddings (the FID/FAD formula), safe for small sets.

    d^2 = |mu_a - mu_b|^2 + tr(S_a + S_b - 2 (S_a S_b)^(1/2))

The matrix square root is taken through scipy.linalg's symmetric eigendecomposition rather than
``sqrtm`` of the (non-symmetric) product: same value, no complex round-off, no singular warnings.

With fewer samples than dimensions (a category with 5 held-out clips, a 64-d embedding) the
sample covariance is singular and its square root is noise. Each covariance is therefore shrunk
towards a scaled identity, (1 - a) S + a tr(S)/d I, with the Ledoit-Wolf estimate of ``a`` by
default (the same estimator as scikit-learn's ``LedoitWolf``). Shrinkage biases the distance
(it is no longer the plain FID), so compare distances computed the same way with similar
sample counts: the evaluation does, and says so.
"""

from __future__ import annotations

import numpy as np
from scipy import linalg

from museforge.errors import MuseforgeError, check_range


def ledoit_wolf_shrinkage(samples: np.ndarray) -> float:
    """Ledoit-Wolf (2004) optimal shrinkage towards tr(S)/d I for samples [n, d], in [0, 1]."""
    n, d = samples.shape
    centred = samples - samples.mean(axis=0)
    cov = centred.T @ centred / n
    mu = np.trace(cov) / d
    delta = np.sum((cov - mu * np.eye(d)) ** 2) / d
    if delta == 0.0:
        return 0.0
    squared = centred ** 2
    beta = (np.sum(squared.T @ squared) / n - np.sum(cov ** 2)) / (d * n)
    return float(min(beta, delta) / delta)


def shrunk_covariance(samples: np.ndarray, shrinkage: float | None = None) -> np.ndarray:
    """Covariance [d, d] of samples [n, d] (1/n normalisation), shrunk towards a scaled identity."""
    n, d = samples.shape
    centred = samples - samples.mean(axis=0)
    cov = centred.T @ centred / n
    alpha = ledoit_wolf_shrinkage(samples) if shrinkage is None else shrinkage
    return (1.0 - alpha) * cov + alpha * np.trace(cov) / d * np.eye(d)


def trace_sqrt_product(cov_a: np.ndarray, cov_b: np.ndarray) -> float:
    """tr((A B)^(1/2)) for symmetric PSD A, B, as tr((A^1/2 B A^1/2)^(1/2)).

    Same value as ``trace(scipy.linalg.sqrtm(A @ B))`` but through symmetric eigendecompositions,
    which stay real and stable when a covariance is (nearly) singular.
    """
    w, v = linalg.eigh(cov_a)
    sqrt_a = (v * np.sqrt(np.clip(w, 0.0, None))) @ v.T
    inner = linalg.eigvalsh(sqrt_a @ cov_b @ sqrt_a)
    return float(np.sum(np.sqrt(np.clip(inner, 0.0, None))))


def frechet_distance(emb_a: np.ndarray, emb_b: np.ndarray, shrinkage: float | None = None) -> float:
    """Squared Frechet distance between embedding sets [n_a, d] and [n_b, d].

    Args:
        emb_a: first set, one row per sound (at least 2 rows).
        emb_b: second set, same width.
        shrinkage: covariance shrinkage in [0, 1]; None = Ledoit-Wolf estimate per set.

    Returns:
        The distance (>= 0; 0 for identical sets).
    """
    a, b = np.asarray(emb_a, np.float64), np.asarray(emb_b, np.float64)
    if a.ndim != 2 or b.ndim != 2 or a.shape[1] != b.shape[1]:
        raise MuseforgeError(f"embedding sets must be [n, d] with the same d, got {a.shape} and {b.shape}")
    if min(len(a), len(b)) < 2:
        raise MuseforgeError(f"each embedding set needs at least 2 rows, got {len(a)} and {len(b)}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise MuseforgeError("embeddings contain NaN or infinite values")
    if shrinkage is not None:
        check_range("shrinkage", shrinkage, 0.0, 1.0)
    cov_a, cov_b = shrunk_covariance(a, shrinkage), shrunk_covariance(b, shrinkage)
    diff = a.mean(axis=0) - b.mean(axis=0)
    distance = float(diff @ diff + np.trace(cov_a) + np.trace(cov_b) - 2.0 * trace_sqrt_product(cov_a, cov_b))
    return max(distance, 0.0)
