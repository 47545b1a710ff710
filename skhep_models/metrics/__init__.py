"""Signal/background classification metrics in HEP form, with event weights.

Plain functions ``f(y_true, y_score, ..., *, sample_weight=None)``: ``y_true`` is 1 for
signal and 0 for background, ``y_score`` grows with signal-likeness (for a classifier,
``predict_proba(X)[:, 1]``), and the optional non-negative event weights enter every
efficiency. Bad input (length mismatch, NaN scores, negative weights, a missing class where
a ROC curve needs both) raises a ``ValueError`` that names the problem.

==================================  ========================================================
``roc_curve_hep``                   signal efficiency vs background rejection 1 - eff_B,
                                    and the thresholds; its area is the ROC AUC
``background_rejection_at``         1 - eff_B at a signal efficiency (interpolated on the
                                    curve, or reached by a real cut)
``threshold_at_signal_efficiency``  highest cut keeping at least a signal efficiency
``metrics_by_parameter``            accuracy, Cohen's kappa, F1, precision, sensitivity,
                                    specificity and ROC AUC per parameter value (e.g. per
                                    signal-mass hypothesis), as a DataFrame
==================================  ========================================================

Examples
--------
>>> import numpy as np
>>> from skhep_models.metrics import (
...     background_rejection_at, metrics_by_parameter, roc_curve_hep,
...     threshold_at_signal_efficiency)
>>> rng = np.random.default_rng(0)
>>> y = np.r_[np.ones(500), np.zeros(500)]
>>> score = np.r_[rng.normal(1, 1, 500), rng.normal(-1, 1, 500)]
>>> eff_s, rej_b, thresholds = roc_curve_hep(y, score)
>>> print(f"AUC = {np.trapezoid(rej_b, eff_s):.3f}")
AUC = 0.932
>>> print(f"{background_rejection_at(y, score, 0.5):.3f}")
0.984
>>> cut = threshold_at_signal_efficiency(y, score, 0.5)
>>> float(np.mean(score[y == 1] >= cut))
0.5
>>> mass = np.tile([500, 1000], 500)
>>> table = metrics_by_parameter(y, score, mass, threshold=0.0, metrics="roc_auc")
>>> table.round(3)  # doctest: +NORMALIZE_WHITESPACE
           roc_auc  n_signal  n_background  sum_w_signal  sum_w_background
parameter
500          0.920       250           250         250.0             250.0
1000         0.942       250           250         250.0             250.0
"""

from ._classification import (
    PARAMETER_METRICS,
    background_rejection_at,
    metrics_by_parameter,
    roc_curve_hep,
    threshold_at_signal_efficiency,
)

__all__ = [
    "PARAMETER_METRICS",
    "background_rejection_at",
    "metrics_by_parameter",
    "roc_curve_hep",
    "threshold_at_signal_efficiency",
]
