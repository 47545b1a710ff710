"""Discovery significance, separation power and HEP scorers for model selection.

The counting-experiment significances (:func:`asimov_significance`, :func:`ams`) take
expected signal and background yields; the event-level functions take ``y_true`` with 1 for
signal and 0 for background, a score that is larger for more signal-like events, and
optional non-negative event weights, and compute the yields as weighted sums.
"""

from __future__ import annotations

import numbers

import numpy as np
from sklearn.metrics import make_scorer

from ._classification import (
    _as_1d,
    _check_efficiency,
    _validate,
    background_rejection_at,
    roc_curve_hep,
)

__all__ = [
    "SIGNIFICANCE_METRICS",
    "ams",
    "asimov_significance",
    "background_rejection_scorer",
    "best_significance",
    "roc_auc_hep",
    "roc_auc_hep_scorer",
    "separation_power",
    "separation_power_scorer",
    "significance_scorer",
]

#: Figures of merit :func:`best_significance` and :func:`significance_scorer` can maximise.
SIGNIFICANCE_METRICS = ("asimov", "ams", "s_over_sqrt_b")

#: Default number of bins of :func:`separation_power`: TMVA's ``fNbinsMVAoutput``, the
#: binning of the classifier-output histograms from which TMVA quotes the separation.
_SEPARATION_BINS = 40

# Below this s/b the Asimov formula is evaluated by its Taylor series: (s + b) ln(1 + s/b) - s
# is a difference of two nearly equal numbers there and would lose all precision for s << b.
_SERIES_BELOW = 1e-2

# Which classifier output the scorers read, in order of preference. Rank-based metrics (AUC,
# rejection at fixed efficiency, best-cut significance) do not change under a monotonic map of
# the score, so the unsaturated decision function is preferred; the separation power is
# binning-dependent and reads probabilities, the one output every classifier can share.
_RANK_RESPONSE = ("decision_function", "predict_proba")
_PROBA_RESPONSE = ("predict_proba", "decision_function")


# --------------------------------------------------------------------------------------------
# validation of yields and options
# --------------------------------------------------------------------------------------------


def _as_yield(values, name):
    """Expected yield(s) as a float array: finite and non-negative."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a number or an array of numbers (expected event yields); "
            f"could not convert it: {exc}"
        ) from exc
    if not np.isfinite(arr).all():
        n_bad = int((~np.isfinite(arr)).sum())
        raise ValueError(
            f"{name} must be finite; got {n_bad} NaN or infinite value(s). Expected yields "
            "are weighted event counts."
        )
    if (arr < 0).any():
        raise ValueError(
            f"{name} must be non-negative (an expected number of events); got "
            f"{int((arr < 0).sum())} negative value(s), minimum {arr.min():g}."
        )
    return arr


def _check_yields(s, b):
    """Return ``(s, b, scalar)``: broadcast float arrays, and whether both were scalars."""
    s = _as_yield(s, "s")
    b = _as_yield(b, "b")
    try:
        s_b, b_b = np.broadcast_arrays(s, b)
    except ValueError as exc:
        raise ValueError(
            f"s and b must have the same shape (or shapes that broadcast); got shapes "
            f"{s.shape} and {b.shape}."
        ) from exc
    return s_b, b_b, s.ndim == 0 and b.ndim == 0


def _check_non_negative_number(value, name, hint=""):
    if (
        not isinstance(value, numbers.Real)
        or isinstance(value, bool)
        or not np.isfinite(value)
        or value < 0
    ):
        raise ValueError(f"{name} must be a finite number >= 0{hint}; got {value!r}.")
    return float(value)


def _check_metric(metric):
    if not isinstance(metric, str) or metric not in SIGNIFICANCE_METRICS:
        raise ValueError(
            f"metric must be one of {list(SIGNIFICANCE_METRICS)}; got {metric!r}."
        )
    return metric


# --------------------------------------------------------------------------------------------
# significance of a counting experiment
# --------------------------------------------------------------------------------------------


def _asimov(s, b):
    """Asimov Z on validated float arrays of one shape; inf where b == 0 < s, 0 where s == 0."""
    z = np.zeros(s.shape)
    z[(b == 0) & (s > 0)] = np.inf
    pos = b > 0
    s_pos, b_pos = s[pos], b[pos]
    with np.errstate(over="ignore"):  # s/b overflowing for b ~ 1e-308 gives Z = inf, the limit
        x = s_pos / b_pos
        q = np.empty_like(x)  # (s + b) ln(1 + s/b) - s  =  b ((1 + x) ln(1 + x) - x)
        small = x < _SERIES_BELOW
        xs = x[small]
        # (1 + x) ln(1 + x) - x = sum_{n >= 2} (-x)^n / (n (n - 1)); the x^9 term is below
        # 1e-15 of the sum for x < 1e-2.
        series = 1 / 2 - xs * (1 / 6 - xs * (1 / 12 - xs * (1 / 20 - xs * (
            1 / 30 - xs * (1 / 42 - xs / 56)))))  # fmt: skip
        q[small] = b_pos[small] * xs * xs * series
        large = ~small
        q[large] = (s_pos[large] + b_pos[large]) * np.log1p(x[large]) - s_pos[large]
        z[pos] = np.sqrt(2.0 * np.maximum(q, 0.0))
    return z


def _s_over_sqrt_b(s, b):
    """s / sqrt(b) on validated arrays; inf where b == 0 < s, 0 where s == 0."""
    z = np.zeros(s.shape)
    z[(b == 0) & (s > 0)] = np.inf
    pos = b > 0
    z[pos] = s[pos] / np.sqrt(b[pos])
    return z


def asimov_significance(s, b):
    """Median discovery significance of a counting experiment (Asimov approximation).

    .. math:: Z_A = \\sqrt{2\\left((s + b)\\ln(1 + s/b) - s\\right)}

    the significance with which the background-only hypothesis would be rejected, for the
    median experiment, when ``s`` signal events are expected on top of a precisely known
    background of ``b`` events. For s << b it tends to s / sqrt(b), which overestimates
    the significance once s is not small compared with b.

    Parameters
    ----------
    s : float or array-like
        Expected signal yield(s), e.g. weighted sums of the selected signal events.
    b : float or array-like
        Expected background yield(s); broadcast against ``s``.

    Returns
    -------
    float or ndarray
        A float when ``s`` and ``b`` are both scalars, else an array of their broadcast
        shape.

    Raises
    ------
    ValueError
        If ``s`` or ``b`` is negative, not finite, not numeric, or their shapes do not
        broadcast.

    See Also
    --------
    ams : The same formula with a regularisation term added to the background.
    best_significance : The best Z over all cuts on a classifier score.

    Notes
    -----
    Zero background is not an error: Z is ``inf`` for b = 0 < s, the limit of the formula
    (any signal event would then be a discovery), and 0 wherever s = 0. A cut that keeps
    no simulated background can thus reach infinite significance; use
    :func:`ams` (``b_reg`` > 0) or ``min_background`` of :func:`best_significance` when the
    background estimate of tight cuts is poorly known.

    For s/b below 1e-2 the formula is evaluated by its Taylor series, which keeps full
    precision where the direct expression would cancel.

    References
    ----------
    .. [1] G. Cowan, K. Cranmer, E. Gross and O. Vitells, "Asymptotic formulae for
       likelihood-based tests of new physics", Eur. Phys. J. C 71 (2011) 1554,
       arXiv:1007.1727.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.metrics import asimov_significance
    >>> round(asimov_significance(10, 100), 4)  # s / sqrt(b) would say 1.0
    0.984
    >>> asimov_significance([5.0, 5.0, 0.0], [1e4, 0.0, 0.0]).round(4)
    array([0.05,  inf, 0.  ])
    """
    s, b, scalar = _check_yields(s, b)
    z = _asimov(s, b)
    return float(z) if scalar else z


def ams(s, b, *, b_reg=10.0):
    """Approximate median significance of the HiggsML challenge.

    .. math:: \\mathrm{AMS} = \\sqrt{2\\left((s + b + b_\\mathrm{reg})
              \\ln\\left(1 + \\frac{s}{b + b_\\mathrm{reg}}\\right) - s\\right)}

    the Asimov significance of :func:`asimov_significance` with the background raised by a
    constant ``b_reg``, which keeps small selections with an uncertain (or zero) background
    estimate from reaching an arbitrarily large score.

    Parameters
    ----------
    s : float or array-like
        Expected signal yield(s).
    b : float or array-like
        Expected background yield(s); broadcast against ``s``.
    b_reg : float, default=10.0
        Regularisation term added to ``b``; 10 is the value of the HiggsML challenge [1]_.
        With ``b_reg=0`` this is :func:`asimov_significance`.

    Returns
    -------
    float or ndarray
        A float when ``s`` and ``b`` are both scalars, else an array of their broadcast
        shape.

    Raises
    ------
    ValueError
        If ``s`` or ``b`` is negative, not finite or not numeric, their shapes do not
        broadcast, or ``b_reg`` is not a finite number >= 0.

    See Also
    --------
    asimov_significance : Z without the regularisation term.

    References
    ----------
    .. [1] C. Adam-Bourdarios, G. Cowan, C. Germain, I. Guyon, B. Kegl and D. Rousseau,
       "Learning to discover: the Higgs boson machine learning challenge" (2014),
       documentation of the HiggsML challenge; also "The Higgs boson machine learning
       challenge", JMLR Workshop and Conference Proceedings 42 (2015) 19.

    Examples
    --------
    >>> from skhep_models.metrics import ams
    >>> round(ams(10.0, 0.0), 4)  # sqrt(2 (20 ln 2 - 10)): finite without background
    2.7795
    >>> round(ams(10.0, 0.0, b_reg=0.0), 4)
    inf
    """
    b_reg = _check_non_negative_number(b_reg, "b_reg")
    s, b, scalar = _check_yields(s, b)
    z = _asimov(s, b + b_reg)
    return float(z) if scalar else z


_FIGURES_OF_MERIT = {
    "asimov": lambda s, b, b_reg: _asimov(s, b),
    "ams": lambda s, b, b_reg: _asimov(s, b + b_reg),
    "s_over_sqrt_b": lambda s, b, b_reg: _s_over_sqrt_b(s, b),
}


# --------------------------------------------------------------------------------------------
# event-level metrics
# --------------------------------------------------------------------------------------------


def roc_auc_hep(y_true, y_score, *, sample_weight=None):
    """Area under the ROC curve in HEP form, signal efficiency versus background rejection.

    The trapezoidal area under the curve of :func:`roc_curve_hep`; it equals
    :func:`sklearn.metrics.roc_auc_score` with the same weights (the probability that a
    random signal event scores above a random background event, ties counting one half).

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, larger for more signal-like events.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights; default 1 for every event.

    Returns
    -------
    float
        In [0, 1]; 0.5 for a score unrelated to the class, 1 for a perfect separation.

    Raises
    ------
    ValueError
        If the inputs differ in length, ``y_score`` is not finite, a weight is negative, or
        either class is missing (or has zero total weight).

    See Also
    --------
    roc_curve_hep : The curve itself.
    roc_auc_hep_scorer : This metric as a scorer for cross-validation and search.

    Examples
    --------
    >>> from skhep_models.metrics import roc_auc_hep
    >>> roc_auc_hep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    0.75
    >>> roc_auc_hep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], sample_weight=[1, 3, 1, 1])
    0.625
    """
    eff_s, rej_b, _ = roc_curve_hep(y_true, y_score, sample_weight=sample_weight)
    # Trapezoidal rule written out: numpy.trapezoid needs numpy >= 2.
    return float(np.sum(np.diff(eff_s) * (rej_b[1:] + rej_b[:-1])) / 2.0)


def _require_both_classes(y_true, sample_weight, what):
    for name, label in (("signal", 1), ("background", 0)):
        if not sample_weight[y_true == label].sum() > 0:
            raise ValueError(
                f"y_true has no {name} ({label}) events with positive weight; {what} needs "
                "both signal (1) and background (0) events."
            )


def _separation_edges(bins, scores):
    """Bin edges for :func:`separation_power` from ``bins`` and the positive-weight scores."""
    if isinstance(bins, numbers.Integral) and not isinstance(bins, bool):
        if bins < 1:
            raise ValueError(f"bins must be at least 1; got {bins}.")
        # Equal-width bins from the lowest to the highest score; numpy widens a zero range
        # (all scores equal) to one unit around the value.
        return np.histogram_bin_edges(scores, bins=int(bins))
    if isinstance(bins, str):
        raise ValueError(
            f"bins must be a positive integer or a 1-D array of increasing bin edges; got "
            f"{bins!r} (numpy's named binning rules do not take event weights)."
        )
    edges = _as_1d(bins, "bins", dtype=float)
    if len(edges) < 2 or not np.isfinite(edges).all() or not (np.diff(edges) > 0).all():
        raise ValueError(
            "bins given as edges must hold at least two finite, strictly increasing values; "
            f"got {edges.tolist()}."
        )
    return edges


def separation_power(y_true, y_score, *, sample_weight=None, bins=_SEPARATION_BINS):
    """TMVA's separation <S^2> of the signal and background score distributions.

    .. math:: \\langle S^2 \\rangle = \\frac{1}{2} \\int
              \\frac{(\\hat y_S(y) - \\hat y_B(y))^2}{\\hat y_S(y) + \\hat y_B(y)} \\, dy

    with :math:`\\hat y_S`, :math:`\\hat y_B` the normalised (weighted) distributions of the
    score for signal and background. It is 0 for identical distributions and 1 for
    distributions without overlap.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, or any variable to rank.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights; default 1 for every event.
    bins : int or array-like, default=40
        Number of equal-width bins spanning the common score range, from the lowest to the
        highest score of the events with positive weight (signal and background together),
        or the bin edges themselves. The default is TMVA's binning of the classifier output.

    Returns
    -------
    float
        In [0, 1].

    Raises
    ------
    ValueError
        On invalid events (see :func:`roc_curve_hep`), either class missing or without
        weight in the bins, or invalid ``bins``.

    See Also
    --------
    roc_auc_hep : A binning-free measure of the separation.
    separation_power_scorer : This metric as a scorer for cross-validation and search.

    Notes
    -----
    The integral is evaluated on histograms: with :math:`p_{S,i}` and :math:`p_{B,i}` the
    fractions of the signal and background weight in bin :math:`i`,
    :math:`\\langle S^2 \\rangle = \\frac{1}{2} \\sum_i (p_{S,i} - p_{B,i})^2 / (p_{S,i} +
    p_{B,i})`, over the bins holding any events; the bin width cancels. The value depends
    on the binning: it is not invariant under a monotonic map of the score, and two
    distributions that overlap within a bin count as overlapping. Coarser bins give smaller
    values; finer bins than the statistics support give larger ones (each event alone in
    its bin looks perfectly separated). With explicit edges, events outside them are
    ignored and the fractions are normalised to the weight inside, as TMVA's histograms
    ignore their under- and overflow.

    References
    ----------
    .. [1] A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
       arXiv:physics/0703039 (the "separation" quoted for every classifier).

    Examples
    --------
    Two bins over the range [0, 1]: three quarters of the signal in the upper bin, three
    quarters of the background in the lower one, so <S^2> = 1/2 (1/4 + 1/4).

    >>> from skhep_models.metrics import separation_power
    >>> y = [1, 1, 1, 1, 0, 0, 0, 0]
    >>> score = [0.9, 0.8, 0.7, 0.2, 0.1, 0.2, 0.3, 1.0]
    >>> separation_power(y, score, bins=2)
    0.25
    >>> separation_power(y, score, bins=[0.0, 0.5, 1.0])
    0.25
    """
    y_true, y_score, sample_weight = _validate(
        y_true, y_score, sample_weight, need_both_classes=False
    )
    _require_both_classes(y_true, sample_weight, "the separation power")
    edges = _separation_edges(bins, y_score[sample_weight > 0])
    sig = y_true == 1
    h_s, _ = np.histogram(y_score[sig], bins=edges, weights=sample_weight[sig])
    h_b, _ = np.histogram(y_score[~sig], bins=edges, weights=sample_weight[~sig])
    for name, h in (("signal", h_s), ("background", h_b)):
        if not h.sum() > 0:
            raise ValueError(
                f"no {name} weight falls inside the bin edges [{edges[0]:g}, {edges[-1]:g}]; "
                "widen the bins to cover the scores."
            )
    p_s, p_b = h_s / h_s.sum(), h_b / h_b.sum()
    total = p_s + p_b
    filled = total > 0
    sep = 0.5 * np.sum((p_s[filled] - p_b[filled]) ** 2 / total[filled])
    return float(min(max(sep, 0.0), 1.0))  # [0, 1] exactly, despite rounding


def _cut_yields(y_true, y_score, sample_weight):
    """Thresholds and weighted yields s, b of every cut ``y_score >= t``, from the tightest.

    The first cut (``t = inf``) keeps nothing; then one cut per distinct score, so that tied
    events always pass or fail together.
    """
    order = np.argsort(-y_score, kind="stable")
    score = y_score[order]
    w, sig = sample_weight[order], y_true[order] == 1
    s_cum = np.cumsum(np.where(sig, w, 0.0))
    b_cum = np.cumsum(np.where(sig, 0.0, w))
    last = np.r_[np.flatnonzero(score[1:] != score[:-1]), len(score) - 1]  # end of each tie
    return np.r_[np.inf, score[last]], np.r_[0.0, s_cum[last]], np.r_[0.0, b_cum[last]]


def best_significance(
    y_true, y_score, *, sample_weight=None, metric="asimov", b_reg=10.0, min_background=0.0
):
    """Highest significance reached by a cut ``y_score >= t``, and that cut.

    Every distinct score value is tried as the threshold ``t``; the signal and background
    yields ``s`` and ``b`` of a cut are the summed weights of the events passing it. The
    scan is one sort and two cumulative sums, O(n log n).

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, larger for more signal-like events.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights, normally cross section x luminosity / generated events,
        so that the sums are expected yields; default 1 for every event (raw counts).
    metric : {"asimov", "ams", "s_over_sqrt_b"}, default="asimov"
        Figure of merit: :func:`asimov_significance`, :func:`ams` or s / sqrt(b).
    b_reg : float, default=10.0
        Regularisation term of ``metric="ams"``; ignored by the others.
    min_background : float, default=0.0
        Only cuts keeping a background yield ``b >= min_background`` are considered; a
        positive value excludes tight cuts whose background estimate rests on too few
        simulated events (and their infinite Z at ``b = 0``).

    Returns
    -------
    significance : float
        The highest figure of merit over the allowed cuts (``inf`` when a cut keeps signal
        and no background, for the Asimov Z and s / sqrt(b)).
    threshold : float
        A cut reaching it: a score value, or ``inf`` (nothing passes) when no cut has a
        positive figure of merit. Of several cuts with equal value, the highest threshold.

    Raises
    ------
    ValueError
        On invalid events (see :func:`roc_curve_hep`), an unknown ``metric``, a negative
        ``b_reg`` or ``min_background``, or a ``min_background`` above the total background.

    See Also
    --------
    significance_scorer : This figure of merit as a scorer for cross-validation and search.

    Notes
    -----
    The cut is inclusive, and events with the same score always pass or fail together:
    thresholds between the scores of tied events are never considered.
    Either class may be missing: without signal the result is ``(0.0, inf)``.

    Examples
    --------
    >>> from skhep_models.metrics import best_significance
    >>> y = [1, 1, 0, 1, 0, 0, 0, 0]
    >>> score = [0.9, 0.8, 0.8, 0.6, 0.5, 0.3, 0.2, 0.1]
    >>> w = [2.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    >>> best_significance(y, score, sample_weight=w)  # s = 2, b = 0 at the cut 0.9
    (inf, 0.9)
    >>> z, cut = best_significance(y, score, sample_weight=w, min_background=1.0)
    >>> round(z, 4), cut  # s = 6, b = 1; the tied events at 0.8 pass together
    (3.9042, 0.6)
    >>> z, cut = best_significance(y, score, sample_weight=w, metric="ams")
    >>> round(z, 4), cut
    (1.6736, 0.6)
    """
    metric = _check_metric(metric)
    b_reg = _check_non_negative_number(b_reg, "b_reg")
    min_background = _check_non_negative_number(min_background, "min_background")
    y_true, y_score, sample_weight = _validate(
        y_true, y_score, sample_weight, need_both_classes=False
    )
    thresholds, s, b = _cut_yields(y_true, y_score, sample_weight)
    allowed = b >= min_background
    if not allowed.any():
        raise ValueError(
            f"min_background={min_background:g} exceeds the total background weight "
            f"{b[-1]:g}; no cut keeps that much background."
        )
    z = _FIGURES_OF_MERIT[metric](s, b, b_reg)
    best = int(np.argmax(np.where(allowed, z, -np.inf)))  # first maximum: highest threshold
    return float(z[best]), float(thresholds[best])


def _best_significance_z(y_true, y_score, *, sample_weight=None, **options):
    """The significance of :func:`best_significance` alone, for :func:`significance_scorer`."""
    return best_significance(y_true, y_score, sample_weight=sample_weight, **options)[0]


# --------------------------------------------------------------------------------------------
# scorers
# --------------------------------------------------------------------------------------------

#: :func:`roc_auc_hep` as a scorer (``scoring=roc_auc_hep_scorer``); reads
#: ``decision_function``, or ``predict_proba`` where the classifier has none.
roc_auc_hep_scorer = make_scorer(roc_auc_hep, response_method=_RANK_RESPONSE)

#: :func:`separation_power` (40 bins) as a scorer; reads ``predict_proba``, or
#: ``decision_function`` where the classifier has none.
separation_power_scorer = make_scorer(separation_power, response_method=_PROBA_RESPONSE)


def significance_scorer(metric="asimov", *, b_reg=10.0, min_background=0.0):
    """Scorer returning the best-cut significance of :func:`best_significance`.

    For ``scoring=`` in :func:`~sklearn.model_selection.cross_val_score`,
    :class:`~sklearn.model_selection.GridSearchCV` and the like: the scorer computes the
    classifier's score on the test events and returns the highest significance over all
    cuts on it (higher is better).

    Parameters
    ----------
    metric : {"asimov", "ams", "s_over_sqrt_b"}, default="asimov"
        Figure of merit, as in :func:`best_significance`.
    b_reg : float, default=10.0
        Regularisation term of ``metric="ams"``.
    min_background : float, default=0.0
        Smallest background yield a cut may keep.

    Returns
    -------
    scorer : callable
        A new scorer object ``scorer(estimator, X, y)`` made by
        :func:`sklearn.metrics.make_scorer`. It reads ``decision_function`` (or
        ``predict_proba`` where the classifier has none); the significance does not change
        under a monotonic map of the score.

    Raises
    ------
    ValueError
        If ``metric`` is unknown or ``b_reg`` or ``min_background`` is not a finite number
        >= 0.

    Notes
    -----
    Weighted yields come from the event weights of the test fold (see the routing notes of
    :mod:`skhep_models.metrics`). A fold holds only part of the events, so with weights
    normalised to the full sample its yields are that fraction of the full ones and the
    significance is smaller by about the square root of it (1/sqrt(k) in k-fold
    cross-validation); that does not change which model ranks first, but scale the
    weights (by k) to read off the significance of the full sample.

    Without ``min_background`` (or the ``b_reg`` of ``metric="ams"``), any model that
    finds a background-free cut with signal scores ``inf`` under the Asimov Z and
    s / sqrt(b), and the search cannot tell such models apart.

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from skhep_models.metrics import significance_scorer
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> scorer = significance_scorer("ams", b_reg=1.0)
    >>> scores = cross_val_score(LogisticRegression(), X, y, scoring=scorer, cv=3)
    >>> scores.round(2)
    array([13.48, 15.72, 11.89])
    """
    metric = _check_metric(metric)
    b_reg = _check_non_negative_number(b_reg, "b_reg")
    min_background = _check_non_negative_number(min_background, "min_background")
    return make_scorer(
        _best_significance_z,
        response_method=_RANK_RESPONSE,
        metric=metric,
        b_reg=b_reg,
        min_background=min_background,
    )


def background_rejection_scorer(signal_efficiency, *, interpolate=True):
    """Scorer returning the background rejection at a signal efficiency.

    Parameters
    ----------
    signal_efficiency : float in [0, 1]
        Working point, as in :func:`background_rejection_at`.
    interpolate : bool, default=True
        As in :func:`background_rejection_at`.

    Returns
    -------
    scorer : callable
        A new scorer object ``scorer(estimator, X, y)`` made by
        :func:`sklearn.metrics.make_scorer`, reading ``decision_function`` (or
        ``predict_proba`` where the classifier has none).

    Raises
    ------
    ValueError
        If ``signal_efficiency`` is not a number in [0, 1].

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.linear_model import LogisticRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from skhep_models.metrics import background_rejection_scorer
    >>> X, y = make_classification(n_samples=300, random_state=0)
    >>> scorer = background_rejection_scorer(0.9)
    >>> cross_val_score(LogisticRegression(), X, y, scoring=scorer, cv=3).round(3)
    array([0.96 , 0.96 , 0.902])
    """
    signal_efficiency = _check_efficiency(signal_efficiency)
    return make_scorer(
        background_rejection_at,
        response_method=_RANK_RESPONSE,
        signal_efficiency=signal_efficiency,
        interpolate=bool(interpolate),
    )
