"""HEP metrics with event weights: signal/background classification, hadronic recoil, and
generated versus real events.

Plain functions ``f(y_true, y_score, ..., *, sample_weight=None)``: ``y_true`` is 1 for
signal and 0 for background, ``y_score`` grows with signal-likeness (for a classifier,
``predict_proba(X)[:, 1]``), and the optional non-negative event weights enter every
efficiency and every yield. Bad input (length mismatch, NaN scores, negative weights, a
missing class where a ROC curve needs both) raises a ``ValueError`` that names the problem.

==================================  ========================================================
``roc_curve_hep``                   signal efficiency vs background rejection 1 - eff_B,
                                    and the thresholds; its area is the ROC AUC
``roc_auc_hep``                     area under that curve (= weighted ``roc_auc_score``)
``background_rejection_at``         1 - eff_B at a signal efficiency (interpolated on the
                                    curve, or reached by a real cut)
``threshold_at_signal_efficiency``  highest cut keeping at least a signal efficiency
``separation_power``                TMVA's <S^2> of the signal and background score
                                    histograms: 0 identical, 1 disjoint
``asimov_significance``             Asimov Z = sqrt(2((s + b) ln(1 + s/b) - s)) of expected
                                    yields s, b (Cowan et al. 2011)
``ams``                             HiggsML AMS: the Asimov Z with b + b_reg, b_reg = 10
``best_significance``               best Z (``SIGNIFICANCE_METRICS``: asimov, ams,
                                    s_over_sqrt_b) over all cuts on the score, and the cut
``metrics_by_parameter``            accuracy, Cohen's kappa, F1, precision, sensitivity,
                                    specificity and ROC AUC per parameter value (e.g. per
                                    signal-mass hypothesis), as a DataFrame
==================================  ========================================================

Scorers for ``scoring=`` in ``cross_val_score``, ``GridSearchCV`` and the like, made by
:func:`sklearn.metrics.make_scorer` for any binary classifier (they read
``decision_function``, else ``predict_proba``; ``separation_power_scorer`` the other way
round, as its histograms depend on the scale of the score):

==================================================  ===========================================
``roc_auc_hep_scorer``                              :func:`roc_auc_hep`
``separation_power_scorer``                         :func:`separation_power`, 40 bins
``significance_scorer(metric="asimov", ...)``       new scorer: Z of :func:`best_significance`
``background_rejection_scorer(signal_efficiency)``  new scorer: :func:`background_rejection_at`
==================================================  ===========================================

Event weights in scoring. With metadata routing on
(``sklearn.set_config(enable_metadata_routing=True)`` or ``sklearn.config_context``), weights
passed as ``params={"sample_weight": w}`` (``cross_val_score``, ``cross_validate``) or as a
fit parameter (``GridSearchCV.fit``) reach a scorer only if it requests them,
``scorer.set_score_request(sample_weight=True)``, and the estimator must state its own
request, ``set_fit_request(sample_weight=True)`` (or ``False`` to fit unweighted);
scikit-learn raises an ``UnsetMetadataPassedError`` for weights nobody requested.
``set_score_request`` changes the scorer it is called on and returns it: call it on a new
scorer from a factory, or on ``copy.deepcopy(roc_auc_hep_scorer)``, not on the shared
module-level objects. Without routing, ``cross_val_score`` passes ``params`` to ``fit``
only, so the scores are unweighted; scikit-learn 1.9's ``GridSearchCV.fit(X, y,
sample_weight=w)`` passes ``w`` to fit and to these scorers alike.

Hadronic recoil. An estimate of the transverse recoil ``u_T = (u_x, u_y)`` of each event
(a regressor's 2-output prediction, the raw particle sum) is compared with the true one,
e.g. minus the W transverse momentum, both of shape ``(n_events, 2)``. The estimate is
projected on the true recoil direction: ``u_parallel`` along it (``pT_true`` for a perfect
estimate), ``u_perp`` 90 degrees counter-clockwise of it (0 for a perfect estimate).
Events whose true recoil is the zero vector have no direction and raise a ``ValueError``.

===============================  ===========================================================
``recoil_components``            u_parallel, u_perp and pT_true of every event
``recoil_response``              <u_parallel> / <pT_true>, the ratio of weighted means
``recoil_resolution``            widths of u_parallel - pT_true and of u_perp: weighted
                                 standard deviation or 68% half-width (``"iqr68"``),
                                 optionally divided by the response
``recoil_metrics_by_bin``        response and resolutions in bins of the true pT
                                 (``variable="pt"``) or of pile-up, as a DataFrame
``recoil_resolution_scorer``     new scorer for 2-output regressors: minus a resolution
===============================  ===========================================================

Generated versus real events. A sample from a generative model is compared with the real
(or reference) sample it imitates, both tables of the same features (DataFrames matched by
column name, arrays by position) with optional non-negative weights
``sample_weight_real`` and ``sample_weight_generated``:

=================================  ==========================================================
``wasserstein_distances``          1-D Wasserstein distance per feature, in its units or
                                   (``normalize=True``) in units of the real std
``ks_statistics``                  weighted two-sample Kolmogorov-Smirnov statistic per
                                   feature (= ``scipy.stats.ks_2samp``'s for unit weights)
``generative_report``              means, standard deviations, Wasserstein distance and KS
                                   statistic per feature, as a DataFrame
``correlation_difference``         correlation matrix of the generated minus that of the
                                   real events (``CORRELATION_METHODS``: pearson, spearman)
``correlation_distance``           its Frobenius norm or largest absolute entry
``classifier_two_sample_auc``      held-out ROC AUC of a classifier (XGBoost by default)
                                   separating generated from real events: 0.5 = no
                                   difference found
=================================  ==========================================================

Examples
--------
>>> import numpy as np
>>> from skhep_models.metrics import (
...     background_rejection_at, best_significance, metrics_by_parameter, roc_auc_hep,
...     roc_curve_hep, separation_power, threshold_at_signal_efficiency)
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
>>> print(f"AUC = {roc_auc_hep(y, score):.3f}, <S^2> = {separation_power(y, score):.3f}")
AUC = 0.932, <S^2> = 0.609
>>> w = np.where(y == 1, 0.1, 1.0)  # 50 signal events expected on 500 background
>>> z, cut = best_significance(y, score, sample_weight=w, min_background=5.0)
>>> print(f"Z = {z:.2f} for score >= {cut:.2f}")
Z = 6.64 for score >= 0.94
>>> z, cut = best_significance(y, score, sample_weight=w, metric="ams")
>>> print(f"AMS = {z:.2f} for score >= {cut:.2f}")
AMS = 5.30 for score >= 0.46

Weighted cross-validation with metadata routing:

>>> import sklearn
>>> from sklearn.datasets import make_classification
>>> from sklearn.linear_model import LogisticRegression
>>> from sklearn.model_selection import cross_val_score
>>> from skhep_models.metrics import significance_scorer
>>> X, y = make_classification(n_samples=300, random_state=0)
>>> w = np.where(y == 1, 0.05, 1.0)  # e.g. cross section x luminosity / generated events
>>> with sklearn.config_context(enable_metadata_routing=True):
...     model = LogisticRegression().set_fit_request(sample_weight=True)
...     scorer = significance_scorer("ams").set_score_request(sample_weight=True)
...     z = cross_val_score(model, X, y, scoring=scorer, params={"sample_weight": w}, cv=3)
>>> z.round(2)
array([0.64, 0.7 , 0.56])

Recoil response and resolution of a raw sum at 80% scale and of a calibrated estimate,
overall (where the raw sum's parallel width also holds the spread of its 80% scale over
the pT range) and in bins of the true pT:

>>> from skhep_models.metrics import recoil_metrics_by_bin, recoil_resolution, recoil_response
>>> rng = np.random.default_rng(1)
>>> pt = rng.exponential(15, 2000) + 1
>>> phi = rng.uniform(-np.pi, np.pi, 2000)
>>> u_true = np.c_[pt * np.cos(phi), pt * np.sin(phi)]
>>> raw = 0.8 * u_true + rng.normal(0, 8, (2000, 2))
>>> dnn = u_true + rng.normal(0, 5, (2000, 2))
>>> print(f"response {recoil_response(u_true, raw):.3f} {recoil_response(u_true, dnn):.3f}")
response 0.810 0.991
>>> for name, u_pred in [("raw", raw), ("dnn", dnn)]:
...     sigma_par, sigma_perp = recoil_resolution(u_true, u_pred, correct_response=True)
...     print(f"{name}: sigma_par = {sigma_par:.2f}, sigma_perp = {sigma_perp:.2f} GeV")
raw: sigma_par = 10.49, sigma_perp = 9.80 GeV
dnn: sigma_par = 5.06, sigma_perp = 4.94 GeV
>>> table = recoil_metrics_by_bin(u_true, dnn, "pt", [0, 20, 50, np.inf])
>>> table[["response", "sigma_parallel", "sigma_perp", "n_events"]].round(2)
... # doctest: +NORMALIZE_WHITESPACE
              response  sigma_parallel  sigma_perp  n_events
pt_true
[0.0, 20.0)       0.98            5.01        4.90      1442
[20.0, 50.0)      1.00            4.98        4.83       487
[50.0, inf)       0.98            5.42        5.17        71

A generator whose transverse momentum spectrum is 10% too soft (mean 27 instead of 30 GeV,
a Wasserstein distance of 3 GeV between the two exponentials):

>>> import pandas as pd
>>> from skhep_models.metrics import ks_statistics, wasserstein_distances
>>> rng = np.random.default_rng(2)
>>> real = pd.DataFrame({"pt": rng.exponential(30, 20000), "eta": rng.normal(0, 1.5, 20000)})
>>> generated = pd.DataFrame({"pt": rng.exponential(27, 20000),
...                           "eta": rng.normal(0, 1.5, 20000)})
>>> wasserstein_distances(real, generated).round(2)
pt     2.93
eta    0.01
Name: wasserstein, dtype: float64
>>> ks_statistics(real, generated).round(3)
pt     0.038
eta    0.009
Name: ks, dtype: float64
"""

from ._classification import (
    PARAMETER_METRICS,
    background_rejection_at,
    metrics_by_parameter,
    roc_curve_hep,
    threshold_at_signal_efficiency,
)
from ._generative import (
    CORRELATION_METHODS,
    classifier_two_sample_auc,
    correlation_difference,
    correlation_distance,
    generative_report,
    ks_statistics,
    wasserstein_distances,
)
from ._recoil import (
    RECOIL_RESOLUTION_ESTIMATORS,
    recoil_components,
    recoil_metrics_by_bin,
    recoil_resolution,
    recoil_resolution_scorer,
    recoil_response,
)
from ._significance import (
    SIGNIFICANCE_METRICS,
    ams,
    asimov_significance,
    background_rejection_scorer,
    best_significance,
    roc_auc_hep,
    roc_auc_hep_scorer,
    separation_power,
    separation_power_scorer,
    significance_scorer,
)

__all__ = [
    "CORRELATION_METHODS",
    "PARAMETER_METRICS",
    "RECOIL_RESOLUTION_ESTIMATORS",
    "SIGNIFICANCE_METRICS",
    "ams",
    "asimov_significance",
    "background_rejection_at",
    "background_rejection_scorer",
    "best_significance",
    "classifier_two_sample_auc",
    "correlation_difference",
    "correlation_distance",
    "generative_report",
    "ks_statistics",
    "metrics_by_parameter",
    "recoil_components",
    "recoil_metrics_by_bin",
    "recoil_resolution",
    "recoil_resolution_scorer",
    "recoil_response",
    "roc_auc_hep",
    "roc_auc_hep_scorer",
    "roc_curve_hep",
    "separation_power",
    "separation_power_scorer",
    "significance_scorer",
    "threshold_at_signal_efficiency",
    "wasserstein_distances",
]
