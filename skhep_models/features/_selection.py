"""Input-variable ranking and de-correlation by separation power (:class:`SeparationPowerSelector`)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
from sklearn.base import BaseEstimator, _fit_context
from sklearn.feature_selection import SelectorMixin
from sklearn.utils import ClassifierTags
from sklearn.utils._param_validation import Interval
from sklearn.utils.validation import (
    _check_feature_names_in,
    _check_sample_weight,
    check_is_fitted,
    validate_data,
)

from ..metrics import separation_power
from ..utils._targets import binary_target, check_class_weight_totals

__all__ = ["SeparationPowerSelector"]


class SeparationPowerSelector(SelectorMixin, BaseEstimator):
    """Keep the input variables that best separate signal from background, de-correlated.

    Each feature is ranked by TMVA's separation power <S^2> of its signal and background
    distributions (:func:`~skhep_models.metrics.separation_power`, with the event weights).
    The features are then visited from the most to the least separating, and a feature is
    dropped if its separation is below ``min_separation``, if its absolute Pearson
    correlation with a feature already kept exceeds ``max_correlation`` (so of a correlated
    pair the more separating one stays), or once ``n_features`` features are kept. This is
    the variable ranking and pruning done before training a TMVA classifier, as a
    scikit-learn transformer that can sit in front of any classifier in a Pipeline;
    :attr:`dropped_` says why each removed feature went.

    Parameters
    ----------
    max_correlation : float in [0, 1] or None, default=0.9
        Drop a feature whose absolute (weighted) Pearson correlation with a more separating
        kept feature is above this value. The correlation is computed on all events, signal
        and background together. ``None`` keeps correlated features.
    n_features : int or None, default=None
        Keep at most this many features, the most separating of those that pass the other
        two criteria. ``None`` keeps all of them.
    min_separation : float in [0, 1], default=0.0
        Drop the features whose separation power is below this value. The default keeps
        every feature, constant ones (separation 0) included.
    bins : int, default=40
        Number of equal-width bins of each feature's signal and background histograms,
        spanning the feature's range on the events with positive weight; the default is
        TMVA's.

    Attributes
    ----------
    separation_ : ndarray of shape (n_features_in_,)
        Separation power <S^2> of each input feature, in [0, 1]; 0 for a constant feature.
    ranking_ : ndarray of shape (n_features_in_,)
        Rank of each input feature by separation power: 1 for the most separating (ties in
        input order), whether it is kept or not.
    correlation_ : ndarray of shape (n_features_in_, n_features_in_)
        Weighted Pearson correlation matrix of the input features on all events; the
        correlation of a constant feature with any other is 0.
    dropped_ : dict of str to str
        For each dropped feature (by name, see :meth:`get_feature_names_out`), why it was
        dropped, e.g. ``'correlated 0.970 with m_jjj'``,
        ``'separation 0.0012 below min_separation=0.005'`` or
        ``'beyond n_features=10'``; in the order the features were visited.
    support_ : ndarray of bool of shape (n_features_in_,)
        The kept features (also :meth:`get_support`).
    classes_ : ndarray of shape (2,)
        The two labels of ``y``; ``classes_[1]``, the larger, is the signal.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame with string column names.

    See Also
    --------
    skhep_models.metrics.separation_power : The ranking metric.
    sklearn.feature_selection.SelectKBest : Ranking by a univariate statistical test.

    Notes
    -----
    The separation of a feature is
    :math:`\\langle S^2 \\rangle = \\frac{1}{2} \\sum_i (p_{S,i} - p_{B,i})^2 / (p_{S,i} +
    p_{B,i})` over the bins of its histograms, with :math:`p_{S,i}` and :math:`p_{B,i}` the
    fractions of the signal and background weight in bin :math:`i` [1]_: 0 for identical
    distributions, 1 for distributions without overlap. Like TMVA's ranking it is
    univariate: a feature that separates only together with another one (an angle whose
    meaning depends on a charge, say) ranks low. It depends on the binning, and a few
    outliers stretching a feature's range squeeze its bulk into few bins.

    Weights enter the histograms and the correlation (weighted means and covariances), so an
    event of weight 2 counts as the event repeated. Events of zero weight are ignored;
    negative weights are rejected.

    The greedy de-correlation compares each feature only with features already kept: if
    ``a`` is correlated with ``b`` and ``b`` with ``c`` but ``a`` not with ``c``, dropping
    ``b`` in favour of ``a`` lets ``c`` stay.

    References
    ----------
    .. [1] A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
       arXiv:physics/0703039 (variable ranking by separation, and the decorrelation of
       the input variables).

    Examples
    --------
    Three features with signal shifted by 0, 0.5 and 2 standard deviations, and a noisy copy
    of the best one:

    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.features import SeparationPowerSelector
    >>> rng = np.random.default_rng(0)
    >>> y = np.repeat([0, 1], 2000)
    >>> X = pd.DataFrame({name: rng.normal(shift * y, 1.0)
    ...                   for name, shift in [("noise", 0.0), ("pt", 0.5), ("mass", 2.0)]})
    >>> X["mass_smeared"] = X["mass"] + rng.normal(0, 0.2, len(y))
    >>> selector = SeparationPowerSelector(max_correlation=0.9).set_output(transform="pandas")
    >>> selector.fit_transform(X, y).columns.tolist()
    ['noise', 'pt', 'mass']
    >>> selector.ranking_.tolist()
    [4, 3, 1, 2]
    >>> selector.separation_.round(3).tolist()
    [0.012, 0.061, 0.558, 0.541]
    >>> selector.dropped_
    {'mass_smeared': 'correlated 0.990 with mass'}
    >>> SeparationPowerSelector(n_features=2).fit(X, y).get_feature_names_out().tolist()
    ['pt', 'mass']
    """

    _parameter_constraints: dict = {
        "max_correlation": [Interval(Real, 0, 1, closed="both"), None],
        "n_features": [Interval(Integral, 1, None, closed="left"), None],
        "min_separation": [Interval(Real, 0, 1, closed="both")],
        "bins": [Interval(Integral, 1, None, closed="left")],
    }

    def __init__(self, max_correlation=0.9, *, n_features=None, min_separation=0.0, bins=40):
        self.max_correlation = max_correlation
        self.n_features = n_features
        self.min_separation = min_separation
        self.bins = bins

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.required = True
        # y holds class labels, signal and background only: declared as for a binary
        # classifier, so that tools (and scikit-learn's estimator checks) give binary y
        tags.classifier_tags = ClassifierTags(multi_class=False)
        # transform returns columns of X as they are
        tags.transformer_tags.preserves_dtype = ["float64", "float32"]
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Rank the features by separation power and choose the ones to keep.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric input features, without NaN.
        y : array-like of shape (n_samples,)
            Two classes; the larger label (1 of 0/1, ``'s'`` of ``'b'``/``'s'``) is the
            signal.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative event weights, for the histograms and the correlations.

        Returns
        -------
        self : SeparationPowerSelector
        """
        X, y = validate_data(self, X, y, dtype=np.float64)
        self.classes_, is_signal = binary_target(
            y, "SeparationPowerSelector",
            does="ranks features by how well they separate signal from background",
            hint="Encode y as signal (1) versus background (0).",
        )  # fmt: skip
        sample_weight = _check_sample_weight(
            sample_weight, X, dtype=np.float64, ensure_non_negative=True
        )
        check_class_weight_totals(sample_weight, is_signal, self.classes_, "the separation power")

        self.separation_ = _separations(X, is_signal, sample_weight, self.bins)
        order = np.argsort(-self.separation_, kind="stable")
        self.ranking_ = np.empty(len(order), dtype=np.int64)
        self.ranking_[order] = np.arange(1, len(order) + 1)
        self.correlation_ = _weighted_correlation(X, sample_weight)

        names = _check_feature_names_in(self, None)
        self.support_ = np.zeros(X.shape[1], dtype=bool)
        self.dropped_ = {}
        kept = []
        for j in order:
            reason = self._drop_reason(j, kept, names)
            if reason is None:
                kept.append(j)
                self.support_[j] = True
            else:
                self.dropped_[str(names[j])] = reason
        if not kept:
            best = order[0]
            raise ValueError(
                f"No feature reaches min_separation={self.min_separation:g}: the most "
                f"separating, {names[best]!r}, has {self.separation_[best]:.4g}. Lower "
                "min_separation."
            )
        return self

    def _drop_reason(self, j, kept, names):
        """Why feature ``j`` is dropped given the features ``kept`` so far, or None."""
        separation = self.separation_[j]
        if separation < self.min_separation:
            return f"separation {separation:.2g} below min_separation={self.min_separation:g}"
        if self.max_correlation is not None and kept:
            r = self.correlation_[j, kept]
            k = int(np.argmax(np.abs(r)))
            if abs(r[k]) > self.max_correlation:
                return f"correlated {r[k]:.3f} with {names[kept[k]]}"
        if self.n_features is not None and len(kept) >= self.n_features:
            return f"beyond n_features={self.n_features}"
        return None

    def transform(self, X):
        """Keep the selected columns of ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features_in_)
            Same columns as in fit.

        Returns
        -------
        X_selected : ndarray or DataFrame of shape (n_samples, n_selected)
            The columns where :attr:`support_` is True, in input order and dtype (a DataFrame
            with ``set_output(transform="pandas")``).
        """
        check_is_fitted(self)
        return super().transform(X)

    def _get_support_mask(self):
        check_is_fitted(self)
        return self.support_


def _separations(X, is_signal, sample_weight, bins):
    """Separation power of every column of X; 0 for a column constant on weighted events."""
    y_true = is_signal.astype(np.int64)
    weighted = X[sample_weight > 0]
    out = np.zeros(X.shape[1])
    for j in range(X.shape[1]):
        if np.ptp(weighted[:, j]) > 0:
            out[j] = separation_power(y_true, X[:, j], sample_weight=sample_weight, bins=bins)
    return out


def _weighted_correlation(X, sample_weight):
    """Weighted Pearson correlation matrix of the columns of X; 0 off the diagonal for a
    constant column."""
    w = sample_weight / sample_weight.sum()
    centred = X - w @ X
    cov = (centred * w[:, None]).T @ centred
    std = np.sqrt(np.clip(np.diag(cov), 0.0, None))
    # a column constant up to rounding has no meaningful correlation
    scale = np.abs(w @ X) + np.max(np.abs(centred), axis=0, initial=0.0)
    varies = std > 1e-12 * scale
    with np.errstate(divide="ignore", invalid="ignore"):
        corr = cov / np.outer(std, std)
    corr[~(varies[:, None] & varies[None, :])] = 0.0
    corr = np.clip(corr, -1.0, 1.0)
    np.fill_diagonal(corr, 1.0)
    return corr
