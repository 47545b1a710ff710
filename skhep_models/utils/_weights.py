"""Event weights that flatten a spectrum (e.g. the truth pT of a regression target), and
weighted quantiles."""

from __future__ import annotations

import numpy as np

__all__ = ["flat_spectrum_weights"]


def flat_spectrum_weights(values, bins, *, power=0.0, max_weight=None, sample_weight=None):
    """Weights that make the (weighted) histogram of ``values`` flat in ``bins`` (or ~ x^power).

    A regression trained with a squared-error loss predicts the conditional mean, which leans
    towards the most populated part of the training spectrum: on a steeply falling W pT
    spectrum a recoil regression then under-estimates the recoil of every event that is not
    at the peak (its response is far below 1). Training on a flat spectrum removes that prior;
    CMS's DeepMET trains on events weighted to a flat boson pT for the same reason.

    Parameters
    ----------
    values : array-like of shape (n_samples,)
        The quantity to flatten (e.g. the truth recoil pT).
    bins : sequence of float
        Increasing bin edges. Events below the first edge count in the first bin, events
        above the last in the last bin, so every event gets a weight.
    power : float, default=0.0
        Shape of the target spectrum: each bin's total weight is proportional to its centre
        to this power. 0 is flat in ``values``; 1 makes the magnitude of a 2-D vector
        (a recoil pT) flat *in the plane*: a spectrum flat in pT still puts most of its
        density near pT = 0 in (ux, uy), so a squared-error fit still shrinks small recoils.
    max_weight : float or None, default=None
        Cap on a weight relative to the mean weight (applied before the final normalisation),
        so a sparsely populated tail bin does not hand a few events most of the weight.
    sample_weight : array-like of shape (n_samples,) or None
        Existing non-negative event weights (e.g. generator weights); the result is their
        product with the flattening factor.

    Returns
    -------
    ndarray of shape (n_samples,)
        Non-negative weights with mean 1: each non-empty bin carries the same total weight
        (times centre^power; up to the cap).

    Raises
    ------
    ValueError
        On NaN or infinite values, bins that are not strictly increasing or fewer than two
        edges, a non-positive ``max_weight``, or negative or misshapen ``sample_weight``.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.utils import flat_spectrum_weights
    >>> pt = np.array([1.0, 2.0, 3.0, 15.0])
    >>> flat_spectrum_weights(pt, [0, 10, 20])
    array([0.66666667, 0.66666667, 0.66666667, 2.        ])
    """
    values = np.asarray(values, dtype=np.float64)
    if values.ndim != 1:
        raise ValueError(f"values must be 1-D, got shape {values.shape}.")
    if not np.all(np.isfinite(values)):
        raise ValueError("values contain NaN or infinity.")
    edges = np.asarray(bins, dtype=np.float64)
    if edges.ndim != 1 or len(edges) < 2 or not np.all(np.diff(edges) > 0):
        raise ValueError(f"bins must be at least two strictly increasing edges, got {bins!r}.")
    if max_weight is not None and not max_weight > 0:
        raise ValueError(f"max_weight must be positive or None, got {max_weight!r}.")
    if sample_weight is None:
        w = np.ones_like(values)
    else:
        w = np.asarray(sample_weight, dtype=np.float64)
        if w.shape != values.shape:
            raise ValueError(f"sample_weight has shape {w.shape}, values {values.shape}.")
        if not np.all(np.isfinite(w)) or np.any(w < 0):
            raise ValueError("sample_weight must be finite and non-negative.")
    idx = np.clip(np.searchsorted(edges, values, side="right") - 1, 0, len(edges) - 2)
    per_bin = np.bincount(idx, weights=w, minlength=len(edges) - 1)
    filled = per_bin > 0
    factor = np.zeros_like(per_bin)
    with np.errstate(divide="ignore", invalid="ignore"):  # checked just below
        shape = (0.5 * (edges[:-1] + edges[1:])) ** power if power else np.ones(len(per_bin))
    if not np.all(np.isfinite(shape)) or np.any(shape[filled] <= 0):
        raise ValueError(f"power={power!r} gives a non-positive or infinite target in some bin.")
    factor[filled] = shape[filled] / per_bin[filled]
    out = w * factor[idx]
    if max_weight is not None:
        out = np.minimum(out, max_weight * out.mean())
    total = out.sum()
    if not total > 0:
        raise ValueError("all weights are zero.")
    return out * (len(out) / total)


def weighted_quantiles(x, levels, weights):
    """Quantiles of ``x`` at ``levels`` by the inverted weighted CDF: for each level the
    smallest value whose cumulative weight fraction reaches it. An event of weight 2 counts as
    two events of weight 1; events of zero weight hold none of the distribution.

    Zero-weight events are dropped before ``np.quantile`` (numpy < 2.1.3 lets one hold level
    0). The levels get a 1e-12 relative slack, so a level that equals a cumulative fraction in
    exact arithmetic (0.6 for 6 of 10 events) stays on that value where rounding puts it a hair
    above (``np.linspace``'s 0.6000000000000001). ``weights`` must be non-negative with a
    positive sum.
    """
    x, weights = np.asarray(x), np.asarray(weights)
    keep = weights > 0
    return np.quantile(
        x[keep], np.asarray(levels) * (1 - 1e-12), weights=weights[keep], method="inverted_cdf"
    )
