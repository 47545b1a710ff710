"""Weighted signal/background classification metrics in HEP form.

Every function takes ``y_true`` with 1 for signal and 0 for background, a score that is
larger for more signal-like events, and optional non-negative event weights.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

__all__ = [
    "PARAMETER_METRICS",
    "background_rejection_at",
    "metrics_by_parameter",
    "roc_curve_hep",
    "threshold_at_signal_efficiency",
]

#: Columns :func:`metrics_by_parameter` can compute, in the order it writes them.
PARAMETER_METRICS = (
    "accuracy",
    "cohen_kappa",
    "f1",
    "precision",
    "sensitivity",
    "specificity",
    "roc_auc",
)

# Relative tolerance on "signal efficiency >= requested": a cumulative weight sum divided by
# the total can land one rounding error below an efficiency the user wrote exactly (0.5).
_EFF_RTOL = 1e-12


# --------------------------------------------------------------------------------------------
# input validation
# --------------------------------------------------------------------------------------------


def _as_1d(values, name, dtype=None):
    try:
        arr = np.asarray(values, dtype=dtype)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be a 1-D array of numbers; could not convert it: {exc}"
        ) from exc
    if arr.ndim != 1:
        hint = " For predict_proba output pass proba[:, 1]." if name == "y_score" else ""
        raise ValueError(f"{name} must be 1-D; got an array of shape {arr.shape}.{hint}")
    return arr


def _check_finite(arr, name):
    bad = ~np.isfinite(arr)
    if bad.any():
        first = int(np.flatnonzero(bad)[0])
        kind = "NaN" if np.isnan(arr[first]) else "infinite"
        raise ValueError(
            f"{name} contains {int(bad.sum())} non-finite value(s) (the first, at index {first}, "
            f"is {kind}); remove or fix those events before computing metrics."
        )


def _check_weights(sample_weight, n_events, needed_for):
    """Validated float weights, default all ones: 1-D, one per event, finite, non-negative.

    ``needed_for`` names what needs non-negative weights, for the error message.
    """
    if sample_weight is None:
        return np.ones(n_events)
    w = _as_1d(sample_weight, "sample_weight", dtype=float)
    if len(w) != n_events:
        raise ValueError(
            f"sample_weight must have one weight per event; got {len(w)} weights for "
            f"{n_events} events."
        )
    _check_finite(w, "sample_weight")
    negative = w < 0
    if negative.any():
        raise ValueError(
            f"sample_weight contains {int(negative.sum())} negative weight(s) (minimum "
            f"{w.min():g}); {needed_for} need non-negative weights. Drop the negative-weight "
            "events, set them to zero, or absorb them into neighbouring events first."
        )
    return w


def _validate(y_true, y_score, sample_weight, *, need_both_classes):
    """Return ``(y_true as int 0/1, y_score as float, sample_weight as float)``, all 1-D."""
    y_true = _as_1d(y_true, "y_true")
    y_score = _as_1d(y_score, "y_score", dtype=float)
    if len(y_true) != len(y_score):
        raise ValueError(
            f"y_true and y_score must have the same length; got {len(y_true)} and {len(y_score)}."
        )
    if len(y_true) == 0:
        raise ValueError("y_true and y_score are empty; metrics need at least one event.")
    try:
        y_float = y_true.astype(float)
    except (TypeError, ValueError):
        y_float = None
    if y_float is None or not np.isin(y_float, (0.0, 1.0)).all():
        found = pd.unique(y_true)[:10].tolist()
        raise ValueError(
            f"y_true must contain only 1 (signal) and 0 (background); got the values "
            f"{found}. Encode the signal class as 1, e.g. y_true = (labels == 'signal')."
        )
    y_true = y_float.astype(np.int64)
    _check_finite(y_score, "y_score")

    sample_weight = _check_weights(sample_weight, len(y_true), "efficiencies and ROC curves")

    if need_both_classes:
        w_sig = sample_weight[y_true == 1].sum()
        w_bkg = sample_weight[y_true == 0].sum()
        for what, label, w in (("signal", 1, w_sig), ("background", 0, w_bkg)):
            if not w > 0:
                raise ValueError(
                    f"y_true has no {what} ({label}) events with positive weight; the ROC "
                    "curve needs both signal (1) and background (0) events."
                )
    return y_true, y_score, sample_weight


def _check_efficiency(signal_efficiency):
    if (
        not isinstance(signal_efficiency, numbers.Real)
        or isinstance(signal_efficiency, bool)
        or not 0.0 <= signal_efficiency <= 1.0
    ):
        raise ValueError(
            f"signal_efficiency must be a number in [0, 1]; got {signal_efficiency!r}."
        )
    return float(signal_efficiency)


# --------------------------------------------------------------------------------------------
# ROC in HEP form
# --------------------------------------------------------------------------------------------


def roc_curve_hep(y_true, y_score, *, sample_weight=None):
    """ROC curve as signal efficiency versus background rejection.

    For every distinct score, the cut ``y_score >= threshold`` keeps a (weighted) fraction
    eff_S of the signal and eff_B of the background; the curve is eff_S against the
    background rejection 1 - eff_B. It is :func:`sklearn.metrics.roc_curve` with
    ``drop_intermediate=False`` in HEP coordinates.

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
    signal_efficiency : ndarray
        Non-decreasing, from 0 to 1.
    background_rejection : ndarray
        1 - background efficiency, non-increasing, from 1 to 0.
    thresholds : ndarray
        Decreasing cut values; the first is ``inf`` (no event passes).

    Raises
    ------
    ValueError
        If the inputs differ in length, ``y_score`` is not finite, a weight is negative, or
        either class is missing (or has zero total weight).

    See Also
    --------
    background_rejection_at : Rejection at one signal efficiency.
    skhep_models.plotting.roc_curves : Draw these curves with the AUC in the legend.

    Notes
    -----
    The area under this curve, ``numpy.trapezoid(background_rejection, signal_efficiency)``,
    equals :func:`sklearn.metrics.roc_auc_score` with the same weights: the trapezoidal areas
    under (eff_B, eff_S) and under (eff_S, eff_B) of one piecewise-linear path from (0, 0) to
    (1, 1) add up to 1.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.metrics import roc_curve_hep
    >>> eff_s, rej_b, thr = roc_curve_hep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])
    >>> eff_s.tolist(), rej_b.tolist()
    ([0.0, 0.5, 0.5, 1.0, 1.0], [1.0, 1.0, 0.5, 0.5, 0.0])
    >>> float(np.trapezoid(rej_b, eff_s))
    0.75
    """
    y_true, y_score, sample_weight = _validate(
        y_true, y_score, sample_weight, need_both_classes=True
    )
    fpr, tpr, thresholds = roc_curve(
        y_true, y_score, pos_label=1, sample_weight=sample_weight, drop_intermediate=False
    )
    return tpr, 1.0 - fpr, thresholds


def _first_index_reaching(signal_efficiency, tpr):
    """Index of the highest threshold whose signal efficiency reaches the requested one."""
    target = signal_efficiency * (1.0 - _EFF_RTOL)
    return min(int(np.searchsorted(tpr, target, side="left")), len(tpr) - 1)


def threshold_at_signal_efficiency(y_true, y_score, signal_efficiency, *, sample_weight=None):
    """Highest cut on the score that keeps at least the requested signal efficiency.

    Returns the threshold ``t`` such that the (weighted) fraction of signal with
    ``y_score >= t`` is at least ``signal_efficiency``, choosing the highest such ``t``:
    of all the cuts meeting the efficiency it keeps the least background.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, larger for more signal-like events.
    signal_efficiency : float in [0, 1]
        The smallest acceptable fraction of the signal to keep.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights; default 1 for every event.

    Returns
    -------
    float
        A score value of a signal event (``inf`` when ``signal_efficiency`` is 0).

    Raises
    ------
    ValueError
        On invalid input (see :func:`roc_curve_hep`) or an efficiency outside [0, 1].

    See Also
    --------
    background_rejection_at : The rejection this cut (``interpolate=False``) achieves.

    Notes
    -----
    The efficiency reached is compared with a relative tolerance of 1e-12, so that an
    efficiency such as 0.3 computed from weight sums is not lost to rounding.

    Examples
    --------
    Three signal events scored 0.9, 0.7 and 0.6: keeping 50% of the signal needs two of
    them, so the cut is at 0.7.

    >>> from skhep_models.metrics import threshold_at_signal_efficiency
    >>> y = [1, 1, 1, 0, 0]
    >>> s = [0.9, 0.7, 0.6, 0.8, 0.2]
    >>> threshold_at_signal_efficiency(y, s, 0.5)
    0.7
    """
    signal_efficiency = _check_efficiency(signal_efficiency)
    tpr, _, thresholds = roc_curve_hep(y_true, y_score, sample_weight=sample_weight)
    return float(thresholds[_first_index_reaching(signal_efficiency, tpr)])


def background_rejection_at(
    y_true, y_score, signal_efficiency, *, sample_weight=None, interpolate=True
):
    """Background rejection 1 - eff_B at a given signal efficiency.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, larger for more signal-like events.
    signal_efficiency : float in [0, 1]
        Working point.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights; default 1 for every event.
    interpolate : bool, default=True
        If True, read the rejection off the piecewise-linear ROC curve of
        :func:`roc_curve_hep`, the curve whose area is the AUC. If False, return the
        conservative value reached by an actual cut: the rejection of the cut of
        :func:`threshold_at_signal_efficiency`, which keeps at least the requested signal.
        The two differ only where signal and background events share a score (saturated or
        discrete classifier outputs): the curve then runs diagonally between two cuts, a
        rejection reachable only by keeping a random fraction of the tied events, and the
        interpolated value is the larger one. Without ties the curve is a staircase and both
        agree.

    Returns
    -------
    float

    Raises
    ------
    ValueError
        On invalid input (see :func:`roc_curve_hep`) or an efficiency outside [0, 1].

    See Also
    --------
    threshold_at_signal_efficiency : The cut behind the conservative value.

    Notes
    -----
    Where several cuts share the requested signal efficiency (background events scored
    between two signal events, a vertical step of the curve), the one with the highest
    rejection is used. For the rejection factor 1/eff_B quoted in many HEP papers, take
    ``1 / (1 - rejection)``.

    Examples
    --------
    A signal and a background event tie at 0.5. At 75% signal efficiency the ROC curve runs
    halfway between the cut at 0.9 (eff_S 0.5, rejection 1) and the cut at 0.5 (eff_S 1,
    rejection 0.5); the real cut that keeps at least 75% of the signal is the one at 0.5.

    >>> from skhep_models.metrics import background_rejection_at
    >>> y, s = [1, 1, 0, 0], [0.9, 0.5, 0.5, 0.2]
    >>> background_rejection_at(y, s, 0.75)
    0.75
    >>> background_rejection_at(y, s, 0.75, interpolate=False)
    0.5
    """
    signal_efficiency = _check_efficiency(signal_efficiency)
    tpr, rejection, _ = roc_curve_hep(y_true, y_score, sample_weight=sample_weight)
    i = _first_index_reaching(signal_efficiency, tpr)
    if not interpolate or i == 0 or tpr[i] <= signal_efficiency:
        return float(rejection[i])
    # tpr[i - 1] < signal_efficiency < tpr[i]: a straight segment of the ROC curve.
    frac = (signal_efficiency - tpr[i - 1]) / (tpr[i] - tpr[i - 1])
    return float(rejection[i - 1] + frac * (rejection[i] - rejection[i - 1]))


# --------------------------------------------------------------------------------------------
# metrics per parameter value
# --------------------------------------------------------------------------------------------


def _kappa(y_true, y_pred, w):
    """Cohen's kappa; NaN (without sklearn's warning) when truth and prediction are one class.

    Kappa divides by the chance disagreement, which vanishes exactly when every weighted event
    is true class c and predicted class c for one c.
    """
    t1, p1 = w[y_true == 1].sum(), w[y_pred == 1].sum()
    t0, p0 = w[y_true == 0].sum(), w[y_pred == 0].sum()
    if (t0 == 0 or p1 == 0) and (t1 == 0 or p0 == 0):
        return np.nan
    return cohen_kappa_score(y_true, y_pred, labels=[0, 1], sample_weight=w)


def _group_metrics(y_true, y_score, y_pred, w, names, zero_division):
    """The requested metrics for one parameter value."""
    w_sig, w_bkg = w[y_true == 1].sum(), w[y_true == 0].sum()
    both = w_sig > 0 and w_bkg > 0
    compute = {
        "accuracy": lambda: accuracy_score(y_true, y_pred, sample_weight=w)
        if w_sig + w_bkg > 0
        else np.nan,
        "cohen_kappa": lambda: _kappa(y_true, y_pred, w),
        "f1": lambda: f1_score(y_true, y_pred, sample_weight=w, zero_division=zero_division),
        "precision": lambda: precision_score(
            y_true, y_pred, sample_weight=w, zero_division=zero_division
        ),
        "sensitivity": lambda: recall_score(
            y_true, y_pred, sample_weight=w, zero_division=zero_division
        ),
        "specificity": lambda: recall_score(
            y_true, y_pred, pos_label=0, sample_weight=w, zero_division=zero_division
        ),
        "roc_auc": lambda: roc_auc_score(y_true, y_score, sample_weight=w) if both else np.nan,
    }
    row = {name: float(compute[name]()) for name in names}
    row.update(
        n_signal=int((y_true == 1).sum()),
        n_background=int((y_true == 0).sum()),
        sum_w_signal=float(w_sig),
        sum_w_background=float(w_bkg),
    )
    return row


def metrics_by_parameter(
    y_true,
    y_score,
    parameter,
    *,
    threshold=0.5,
    sample_weight=None,
    metrics=None,
    zero_division=np.nan,
):
    """Classification metrics separately for each value of a physics parameter.

    Typical use: a parameterized classifier evaluated at each signal-mass hypothesis, where
    ``parameter`` holds the mass hypothesis of every event. The events of one parameter value
    are scored together; predictions are ``y_score >= threshold``.

    Parameters
    ----------
    y_true : array-like of shape (n_events,)
        1 for signal, 0 for background.
    y_score : array-like of shape (n_events,)
        Classifier output, larger for more signal-like events, computed any way (one model
        for all values, or a model per value scored separately).
    parameter : array-like or pandas.Series of shape (n_events,)
        Parameter value of each event; matched to ``y_true`` by position, not by index.
        No NaN.
    threshold : float, default=0.5
        Events with ``y_score >= threshold`` are predicted signal.
    sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights, used by every metric; default 1 for every event.
    metrics : str or sequence of str, optional
        Which of ``PARAMETER_METRICS`` to compute, in this order; default all of them:

        ===============  ==========================================================
        ``accuracy``     weighted fraction of correct predictions
        ``cohen_kappa``  agreement beyond chance (Cohen's kappa)
        ``f1``           harmonic mean of precision and sensitivity
        ``precision``    signal purity of the selected events
        ``sensitivity``  recall, the signal efficiency of the cut
        ``specificity``  background efficiency of the veto, 1 - eff_B of the cut
        ``roc_auc``      area under the ROC curve (threshold-free)
        ===============  ==========================================================

    zero_division : float, default=nan
        Value of precision, sensitivity, specificity and F1 where their denominator is zero
        (passed to scikit-learn, which then issues no warning): precision without predicted
        signal, sensitivity without signal, specificity without background, F1 without true
        and predicted signal. Use 0.0 for scikit-learn's convention.

    Returns
    -------
    pandas.DataFrame
        One row per parameter value, sorted; the index is named after ``parameter`` when it
        is a named Series, ``"parameter"`` otherwise. Columns: the requested metrics, then
        ``n_signal``, ``n_background`` (event counts) and ``sum_w_signal``,
        ``sum_w_background`` (weight sums).

    Raises
    ------
    ValueError
        If the inputs differ in length, ``y_score`` or ``parameter`` has NaN, a weight is
        negative, ``threshold`` is not a finite number, or a metric name is unknown.

    See Also
    --------
    skhep_models.plotting.metric_vs_parameter : Plot a column against the parameter.

    Notes
    -----
    A parameter value with only background (or only signal) events gets a row, not an
    error: ``roc_auc`` is NaN there, and ``cohen_kappa`` is NaN where it is undefined (all
    events are truly and predicted one same class; otherwise it is 0 for a single true
    class, agreement no better than chance). The other metrics follow ``zero_division``.

    Examples
    --------
    >>> from skhep_models.metrics import metrics_by_parameter
    >>> y = [1, 0, 1, 0, 0, 0]
    >>> s = [0.9, 0.2, 0.4, 0.6, 0.1, 0.3]
    >>> mass = [500, 500, 1000, 1000, 1500, 1500]
    >>> table = metrics_by_parameter(y, s, mass, metrics=["accuracy", "roc_auc"])
    >>> columns = ["accuracy", "roc_auc", "n_signal", "n_background"]
    >>> table[columns]  # doctest: +NORMALIZE_WHITESPACE
               accuracy  roc_auc  n_signal  n_background
    parameter
    500             1.0      1.0         1             1
    1000            0.0      0.0         1             1
    1500            1.0      NaN         0             2
    """
    param_name = getattr(parameter, "name", None) if isinstance(parameter, pd.Series) else None
    y_true, y_score, w = _validate(y_true, y_score, sample_weight, need_both_classes=False)
    parameter = np.asarray(parameter)
    if parameter.ndim != 1 or len(parameter) != len(y_true):
        raise ValueError(
            f"parameter must hold one value per event; got shape {parameter.shape} for "
            f"{len(y_true)} events."
        )
    if (
        not isinstance(threshold, numbers.Real)
        or isinstance(threshold, bool)
        or not np.isfinite(threshold)
    ):
        raise ValueError(f"threshold must be a finite number; got {threshold!r}.")
    if metrics is None:
        names = list(PARAMETER_METRICS)
    else:
        names = [metrics] if isinstance(metrics, str) else list(metrics)
        unknown = [m for m in names if m not in PARAMETER_METRICS]
        if unknown or not names:
            raise ValueError(
                f"metrics must name some of {list(PARAMETER_METRICS)}; got unknown "
                f"name(s) {unknown}." if unknown else "metrics is empty; name at least one."
            )

    codes, values = pd.factorize(parameter, sort=True)
    if (codes < 0).any():
        raise ValueError(
            f"parameter contains {int((codes < 0).sum())} missing value(s) (NaN or None); "
            "every event needs a parameter value."
        )
    y_pred = (y_score >= threshold).astype(np.int64)
    rows = []
    for code in range(len(values)):
        sel = codes == code
        rows.append(
            _group_metrics(y_true[sel], y_score[sel], y_pred[sel], w[sel], names, zero_division)
        )
    index = pd.Index(values, name=param_name if param_name is not None else "parameter")
    return pd.DataFrame(rows, index=index)
