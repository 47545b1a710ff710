"""Generated versus real events: per-feature distances, correlations and a classifier test.

Every function compares a sample of real events (data, or the reference simulation) with a
sample from a generative model, both tables of the same features, with optional
non-negative event weights for each. DataFrames are matched by column name and the names
label the outputs; arrays are matched by position, their features named 0, 1, ...
"""

from __future__ import annotations

import numbers
from typing import NamedTuple

import numpy as np
import pandas as pd
from pandas.api.types import is_numeric_dtype
from scipy.stats import wasserstein_distance
from sklearn.base import clone
from sklearn.model_selection import train_test_split
from sklearn.utils import check_random_state

from ._classification import _check_finite, _check_weights
from ._recoil import _weighted_mean, _width
from ._significance import roc_auc_hep

__all__ = [
    "CORRELATION_METHODS",
    "classifier_two_sample_auc",
    "correlation_difference",
    "correlation_distance",
    "generative_report",
    "ks_statistics",
    "wasserstein_distances",
]

#: Correlation coefficients of :func:`correlation_difference`: linear (Pearson) and rank
#: (Spearman) correlation, both with event weights.
CORRELATION_METHODS = ("pearson", "spearman")

#: Summaries of the correlation difference of :func:`correlation_distance`.
_CORRELATION_NORMS = ("frobenius", "max")

# Parameter texts shared by the docstrings, put in by _fill_doc.
_SAMPLES_DOC = """real : DataFrame or array-like of shape (n_real, n_features)
        Real events, one row per event (a Series or 1-D array is one feature). No NaN or
        infinite values.
    generated : DataFrame or array-like of shape (n_generated, n_features)
        Generated events with the same features: the same column names when both are
        DataFrames (in any order; matched by name), else the same number of columns."""

_WEIGHTS_DOC = """sample_weight_real : array-like of shape (n_real,), optional
        Non-negative weights of the real events; default 1 for every event.
    sample_weight_generated : array-like of shape (n_generated,), optional
        Non-negative weights of the generated events; default 1 for every event."""

_RAISES_DOC = """ValueError
        If the two samples do not have the same features, either is empty or holds a
        non-numeric, NaN or infinite value, or a weight is negative (or a sample's weights
        sum to zero)."""


def _fill_doc(func):
    """Put the shared parameter texts into ``func``'s docstring."""
    func.__doc__ = (
        func.__doc__.replace("{samples}", _SAMPLES_DOC)
        .replace("{sample_weights}", _WEIGHTS_DOC)
        .replace("{raises}", _RAISES_DOC)
    )
    return func


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


class _Samples(NamedTuple):
    """Validated inputs: float arrays with the features in the same order, and their names."""

    real: np.ndarray
    generated: np.ndarray
    w_real: np.ndarray
    w_generated: np.ndarray
    columns: pd.Index


def _as_table(values, name):
    """``(values as a 2-D float array, its column names or None for an array)``."""
    columns = None
    if isinstance(values, pd.Series) and values.name is not None:
        values = values.to_frame()
    if isinstance(values, pd.DataFrame):
        columns = values.columns
        if columns.has_duplicates:
            raise ValueError(
                f"{name} has duplicate column names {list(columns[columns.duplicated()])}; "
                "every feature needs its own name."
            )
        text = [c for c in columns if not is_numeric_dtype(values[c])]
        if text:
            raise ValueError(
                f"{name} has non-numeric column(s) {text}; compare numeric features only "
                "(encode categories as numbers, or drop those columns)."
            )
        # Nullable integer columns hold pd.NA: make them NaN, which the finite check names.
        arr = values.to_numpy(dtype=float, na_value=np.nan)
    else:
        try:
            arr = np.asarray(values, dtype=float)
        except (TypeError, ValueError) as exc:
            raise ValueError(
                f"{name} must be a DataFrame or an array of numbers of shape (n_events, "
                f"n_features); could not convert it: {exc}"
            ) from exc
    if arr.ndim == 1:
        arr = arr[:, np.newaxis]
    if arr.ndim != 2:
        raise ValueError(
            f"{name} must be 2-D, (n_events, n_features), or 1-D for a single feature; got "
            f"shape {arr.shape}."
        )
    if arr.size == 0:
        raise ValueError(
            f"{name} is empty (shape {arr.shape}); the comparison needs at least one event "
            "and one feature in each sample."
        )
    return arr, columns


def _sample_weights(sample_weight, n_events, name):
    try:
        w = _check_weights(sample_weight, n_events, "weighted distributions")
    except ValueError as exc:
        raise ValueError(f"{name}: {exc}") from exc
    if not w.sum() > 0:
        raise ValueError(
            f"{name} sums to zero; each sample needs events with positive weight."
        )
    return w


def _validate_samples(real, generated, sample_weight_real=None, sample_weight_generated=None):
    """Both samples as float arrays with the same features in the same order, and weights."""
    real_arr, real_columns = _as_table(real, "real")
    generated_arr, generated_columns = _as_table(generated, "generated")
    if real_columns is not None and generated_columns is not None:
        missing = [c for c in real_columns if c not in generated_columns]
        extra = [c for c in generated_columns if c not in real_columns]
        if missing or extra:
            raise ValueError(
                f"real and generated must have the same columns; generated lacks {missing} "
                f"and has {extra} that real lacks."
            )
        generated_arr = generated_arr[:, generated_columns.get_indexer(real_columns)]
    elif real_arr.shape[1] != generated_arr.shape[1]:
        raise ValueError(
            "real and generated must have the same number of features; got "
            f"{real_arr.shape[1]} and {generated_arr.shape[1]} columns."
        )
    if real_columns is not None:
        columns = real_columns.copy()
    elif generated_columns is not None:
        columns = generated_columns.copy()
    else:
        columns = pd.RangeIndex(real_arr.shape[1])
    for arr, name in ((real_arr, "real"), (generated_arr, "generated")):
        for j, column in enumerate(columns):
            _check_finite(arr[:, j], f"{name}[{column!r}]")
    return _Samples(
        real_arr,
        generated_arr,
        _sample_weights(sample_weight_real, len(real_arr), "sample_weight_real"),
        _sample_weights(sample_weight_generated, len(generated_arr), "sample_weight_generated"),
        columns,
    )


def _check_option(value, name, options):
    if not isinstance(value, str) or value not in options:
        raise ValueError(f"{name} must be one of {list(options)}; got {value!r}.")
    return value


# --------------------------------------------------------------------------------------------
# per-feature distances
# --------------------------------------------------------------------------------------------


def _spread(x, w):
    """Weighted standard deviation, or 1 for a constant feature (no scale to divide by)."""
    std = _width(x, w, "std")
    return std if std > 0 else 1.0


def _wasserstein(s, normalize):
    values = []
    for j in range(len(s.columns)):
        x, y = s.real[:, j], s.generated[:, j]
        distance = wasserstein_distance(x, y, s.w_real, s.w_generated)
        values.append(distance / _spread(x, s.w_real) if normalize else distance)
    return pd.Series(values, index=s.columns, name="wasserstein", dtype=float)


def _weighted_ks(x, wx, y, wy):
    """Largest distance between the weighted ECDFs of ``x`` and ``y``.

    Both ECDFs are step functions, continuous from the right, that jump only at sample values:
    the supremum of their difference is reached at one of those values.
    """
    order_x, order_y = np.argsort(x, kind="stable"), np.argsort(y, kind="stable")
    xs, ys = x[order_x], y[order_y]
    cum_x = np.r_[0.0, np.cumsum(wx[order_x])]
    cum_y = np.r_[0.0, np.cumsum(wy[order_y])]
    at = np.concatenate([xs, ys])
    cdf_x = cum_x[np.searchsorted(xs, at, side="right")] / cum_x[-1]
    cdf_y = cum_y[np.searchsorted(ys, at, side="right")] / cum_y[-1]
    return float(np.max(np.abs(cdf_x - cdf_y)))


def _ks(s):
    values = [
        _weighted_ks(s.real[:, j], s.w_real, s.generated[:, j], s.w_generated)
        for j in range(len(s.columns))
    ]
    return pd.Series(values, index=s.columns, name="ks", dtype=float)


@_fill_doc
def wasserstein_distances(
    real,
    generated,
    *,
    sample_weight_real=None,
    sample_weight_generated=None,
    normalize=False,
):
    """1-D Wasserstein (earth mover's) distance of every feature between the two samples.

    The area between the (weighted) cumulative distributions of the feature in the real and
    in the generated sample, :func:`scipy.stats.wasserstein_distance`: 0 for identical
    distributions, and the size of the shift for a distribution moved without a change of
    shape. It sees differences everywhere, tails included, in the units of the feature.

    Parameters
    ----------
    {samples}
    {sample_weights}
    normalize : bool, default=False
        If True, divide each distance by the weighted standard deviation of the feature in
        the real sample (a constant feature is divided by 1), so that features in different
        units (GeV, radians, counts) can be ranked on one scale. The default keeps the units
        of the feature: a mass shifted by 2 GeV is 2.

    Returns
    -------
    pandas.Series
        One distance per feature, indexed by feature name, named ``"wasserstein"``.

    Raises
    ------
    {raises}

    See Also
    --------
    ks_statistics : The largest distance between the cumulative distributions instead.
    generative_report : Distances, KS statistics and moments in one table.
    skhep_models.plotting.feature_histograms : The distributions compared.

    References
    ----------
    S. S. Vallender, "Calculation of the Wasserstein distance between probability
    distributions on the line", Theory Probab. Appl. 18 (1974) 784.

    Examples
    --------
    >>> import pandas as pd
    >>> from skhep_models.metrics import wasserstein_distances
    >>> real = pd.DataFrame({"pt": [10.0, 20.0, 30.0, 40.0], "eta": [-1.0, 0.0, 0.5, 1.0]})
    >>> generated = real.assign(pt=real["pt"] + 2.0)
    >>> wasserstein_distances(real, generated)
    pt     2.0
    eta    0.0
    Name: wasserstein, dtype: float64
    >>> wasserstein_distances(real, generated, normalize=True).round(3)
    pt     0.179
    eta    0.000
    Name: wasserstein, dtype: float64
    """
    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    return _wasserstein(s, normalize)


@_fill_doc
def ks_statistics(real, generated, *, sample_weight_real=None, sample_weight_generated=None):
    """Two-sample Kolmogorov-Smirnov statistic of every feature, with event weights.

    The largest vertical distance between the weighted empirical cumulative distributions
    of the feature in the real and in the generated sample, ``sup_x |F_real(x) -
    F_generated(x)|``, where ``F(x)`` is the fraction of the sample's weight at or below
    ``x``: 0 for identical samples, 1 for samples that do not overlap. With unit weights it
    equals the statistic of :func:`scipy.stats.ks_2samp` (to rounding).

    Parameters
    ----------
    {samples}
    {sample_weights}

    Returns
    -------
    pandas.Series
        One statistic in [0, 1] per feature, indexed by feature name, named ``"ks"``.

    Raises
    ------
    {raises}

    See Also
    --------
    wasserstein_distances : The area between the cumulative distributions instead.
    generative_report : Distances, KS statistics and moments in one table.

    Notes
    -----
    No p-value is given: with weights the null distribution depends on the weights. For
    unit weights, :func:`scipy.stats.ks_2samp` gives it. For two Gaussians of equal width
    whose means differ by ``d`` standard deviations the statistic tends to
    ``2 Phi(d / 2) - 1`` (about ``0.4 d`` for small ``d``), the KS statistic being
    insensitive to differences in the tails.

    Examples
    --------
    >>> from skhep_models.metrics import ks_statistics
    >>> ks_statistics([1.0, 2.0, 3.0, 4.0], [3.0, 4.0, 5.0, 6.0])
    0    0.5
    Name: ks, dtype: float64
    >>> ks_statistics([1.0, 2.0], [1.0, 2.0], sample_weight_generated=[3.0, 1.0])
    0    0.25
    Name: ks, dtype: float64
    """
    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    return _ks(s)


@_fill_doc
def generative_report(
    real,
    generated,
    *,
    sample_weight_real=None,
    sample_weight_generated=None,
    normalize=False,
):
    """Per-feature summary of generated versus real events: moments and distances.

    Parameters
    ----------
    {samples}
    {sample_weights}
    normalize : bool, default=False
        Passed to :func:`wasserstein_distances`: divide the distances by the real standard
        deviation of each feature.

    Returns
    -------
    pandas.DataFrame
        One row per feature, indexed by feature name, with the columns ``mean_real``,
        ``mean_generated``, ``std_real``, ``std_generated`` (weighted means and standard
        deviations), ``wasserstein`` (:func:`wasserstein_distances`) and ``ks``
        (:func:`ks_statistics`).

    Raises
    ------
    {raises}

    See Also
    --------
    classifier_two_sample_auc : One number for the whole joint distribution.
    correlation_difference : How the correlations between features differ.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.metrics import generative_report
    >>> rng = np.random.default_rng(0)
    >>> real = pd.DataFrame({"m": rng.normal(91.2, 2.5, 5000), "y": rng.normal(0, 1, 5000)})
    >>> generated = pd.DataFrame({"m": rng.normal(91.2, 3.5, 5000),
    ...                           "y": rng.normal(0, 1, 5000)})
    >>> generative_report(real, generated).round(2)  # doctest: +NORMALIZE_WHITESPACE
       mean_real  mean_generated  std_real  std_generated  wasserstein    ks
    m      91.19           91.23      2.49           3.51         0.81  0.09
    y       0.02           -0.00      1.00           0.99         0.03  0.02

    A width 1 GeV too large costs 1 GeV x sqrt(2 / pi) = 0.80 GeV in Wasserstein distance.
    """
    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    moments = {}
    for key, arr, w in (("real", s.real, s.w_real), ("generated", s.generated, s.w_generated)):
        moments[f"mean_{key}"] = [_weighted_mean(arr[:, j], w) for j in range(len(s.columns))]
        moments[f"std_{key}"] = [_width(arr[:, j], w, "std") for j in range(len(s.columns))]
    table = pd.DataFrame(moments, index=s.columns)
    table = table[["mean_real", "mean_generated", "std_real", "std_generated"]]
    table["wasserstein"] = _wasserstein(s, normalize)
    table["ks"] = _ks(s)
    return table


# --------------------------------------------------------------------------------------------
# correlations
# --------------------------------------------------------------------------------------------


def _weighted_ranks(x, w):
    """Weighted mid-ranks: the weight below each value plus half the weight at it.

    With unit weights these are the average ranks of :func:`scipy.stats.rankdata` minus 1/2,
    a shift that leaves the correlation unchanged; an event of weight 2 ranks as two tied
    events of weight 1.
    """
    order = np.argsort(x, kind="stable")
    xs = x[order]
    cum = np.r_[0.0, np.cumsum(w[order])]
    below = cum[np.searchsorted(xs, x, side="left")]
    at_or_below = cum[np.searchsorted(xs, x, side="right")]
    return (below + at_or_below) / 2.0


def _correlation(X, w, method):
    """Weighted correlation matrix of the columns of ``X``; NaN rows/columns where constant."""
    if method == "spearman":
        X = np.column_stack([_weighted_ranks(X[:, j], w) for j in range(X.shape[1])])
    positive = w > 0
    # Decided on the values, not on a computed variance that rounding can leave at 1e-17.
    constant = np.ptp(X[positive], axis=0) == 0
    centred = X - (w @ X) / w.sum()
    cov = (centred * w[:, np.newaxis]).T @ centred
    std = np.sqrt(np.diag(cov))
    scale = np.where(constant, np.nan, std)
    corr = np.clip(cov / np.outer(scale, scale), -1.0, 1.0)
    np.fill_diagonal(corr, np.where(constant, np.nan, 1.0))
    return corr


@_fill_doc
def correlation_difference(
    real,
    generated,
    *,
    method="pearson",
    sample_weight_real=None,
    sample_weight_generated=None,
):
    """Correlation matrix of the generated events minus that of the real events.

    Per-feature distances miss a generator that reproduces every distribution but not how
    the features depend on each other; this table shows which pairs it gets wrong.

    Parameters
    ----------
    {samples}
    method : {"pearson", "spearman"}, default="pearson"
        Linear correlation, or rank correlation (Pearson's coefficient of the weighted
        mid-ranks, which sees any monotonic dependence and is robust to tails).
    {sample_weights}

    Returns
    -------
    pandas.DataFrame of shape (n_features, n_features)
        ``corr(generated) - corr(real)``, indexed by feature name on both axes: symmetric,
        0 on the diagonal, entries in [-2, 2]. A feature that is constant in either sample
        has no correlation: its row and column are NaN.

    Raises
    ------
    {raises} Also if ``method`` is unknown.

    See Also
    --------
    correlation_distance : One number summarising this table.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.metrics import correlation_difference
    >>> rng = np.random.default_rng(0)
    >>> a = rng.normal(size=(2000, 3))
    >>> real = pd.DataFrame({"x": a[:, 0], "y": a[:, 0] + a[:, 1], "z": a[:, 2]})
    >>> generated = pd.DataFrame(rng.normal(size=(2000, 3)), columns=["x", "y", "z"])
    >>> correlation_difference(real, generated).round(2)  # corr(x, y) = 0.71 in real
          x     y     z
    x  0.00 -0.75 -0.03
    y -0.75  0.00  0.03
    z -0.03  0.03  0.00
    """
    _check_option(method, "method", CORRELATION_METHODS)
    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    difference = _correlation(s.generated, s.w_generated, method) - _correlation(
        s.real, s.w_real, method
    )
    return pd.DataFrame(difference, index=s.columns, columns=s.columns.copy())


@_fill_doc
def correlation_distance(
    real,
    generated,
    *,
    method="pearson",
    norm="frobenius",
    sample_weight_real=None,
    sample_weight_generated=None,
):
    """One number for the difference of the correlation matrices, 0 when they agree.

    Parameters
    ----------
    {samples}
    method : {"pearson", "spearman"}, default="pearson"
        As in :func:`correlation_difference`.
    norm : {"frobenius", "max"}, default="frobenius"
        ``"frobenius"``: the square root of the sum of the squared entries of
        :func:`correlation_difference` (every pair of features enters twice, as the matrix
        is symmetric), the usual matrix distance, which grows with the number of wrong
        pairs. ``"max"``: the largest absolute entry, the worst pair.
    {sample_weights}

    Returns
    -------
    float
        NaN if a feature is constant in either sample (select the features that vary).

    Raises
    ------
    {raises} Also if ``method`` or ``norm`` is unknown.

    See Also
    --------
    correlation_difference : The matrix, pair by pair.

    Examples
    --------
    >>> from skhep_models.metrics import correlation_distance
    >>> real = [[0.0, 0.0], [1.0, 1.0], [2.0, 2.0]]
    >>> generated = [[0.0, 2.0], [1.0, 1.0], [2.0, 0.0]]
    >>> round(correlation_distance(real, generated, norm="max"), 3)
    2.0
    >>> round(correlation_distance(real, generated), 3)  # sqrt(2**2 + 2**2)
    2.828
    """
    _check_option(norm, "norm", _CORRELATION_NORMS)
    difference = correlation_difference(
        real,
        generated,
        method=method,
        sample_weight_real=sample_weight_real,
        sample_weight_generated=sample_weight_generated,
    ).to_numpy()
    if norm == "max":
        return float(np.max(np.abs(difference)))
    return float(np.sqrt(np.sum(difference**2)))


# --------------------------------------------------------------------------------------------
# classifier two-sample test
# --------------------------------------------------------------------------------------------


def _generated_score(model, X):
    """The fitted classifier's score for "generated" (class 1), larger = more generated."""
    if hasattr(model, "predict_proba"):
        return model.predict_proba(X)[:, list(model.classes_).index(1)]
    return model.decision_function(X)


def _check_both_samples(y, w, split):
    for name, label in (("real", 0), ("generated", 1)):
        if not w[y == label].sum() > 0:
            raise ValueError(
                f"the {split} split has no {name} events with positive weight; use larger "
                "samples or another test_size."
            )


@_fill_doc
def classifier_two_sample_auc(
    real,
    generated,
    *,
    sample_weight_real=None,
    sample_weight_generated=None,
    test_size=0.3,
    classifier=None,
    n_jobs=None,
    random_state=None,
):
    """Classifier two-sample test: how well a classifier tells generated from real events.

    The events are labelled real = 0 and generated = 1 and split, stratified by label, into
    a training and a held-out part; a classifier learns to separate the two samples from all
    the features together, and its ROC AUC on the held-out events is returned. 0.5 means
    the classifier finds no difference (the generator reproduces the joint distribution as
    far as the classifier and the sample size can tell), 1 that every event can be told
    apart.

    Parameters
    ----------
    {samples}
    {sample_weights}
    test_size : float or int, default=0.3
        Fraction (or number) of the events held out to measure the AUC, as in
        :func:`sklearn.model_selection.train_test_split`.
    classifier : scikit-learn classifier, optional
        Cloned and fitted with ``sample_weight``; scored with ``predict_proba`` (else
        ``decision_function``). Default an XGBoost classifier of 200 trees of depth 4,
        learning rate 0.1, ``tree_method='hist'``
        (:func:`skhep_models.baselines.xgboost_model` with fewer, shallower trees: a
        two-sample test needs a good, not the best, classifier, in seconds).
    n_jobs : int, optional
        Threads of the default classifier: None means 1, as in scikit-learn, -1 every core.
        Ignored when ``classifier`` is given.
    random_state : int, RandomState instance or None, default=None
        Seeds the split and the default classifier.

    Returns
    -------
    float
        The weighted ROC AUC on the held-out events, in [0, 1].

    Raises
    ------
    {raises} Also if a split has no real or no generated events of positive weight.

    See Also
    --------
    generative_report : Which features differ.
    skhep_models.metrics.roc_auc_hep : The AUC computed.

    Notes
    -----
    Unequal sample sizes or weight sums do not change the AUC, which compares every real
    with every generated event. For training, the weights of each sample are rescaled to the
    same total (with mean weight 1 over the training events), so the classifier learns the
    difference of the distributions, not the ratio of the sample sizes.

    Without a difference the AUC scatters around 0.5 with a standard deviation of about
    ``sqrt((n_0 + n_1 + 1) / (12 n_0 n_1))`` for ``n_0`` real and ``n_1`` generated
    held-out events (the Mann-Whitney statistic; 0.017 for 600 of each), so an AUC below
    0.5 is a fluctuation, not a better generator: compare ``AUC - 0.5`` with that width,
    or rerun with other seeds. The test is as strong as the classifier: a weak classifier,
    or too few events, gives an AUC near 0.5 for a poor generator too.

    References
    ----------
    D. Lopez-Paz, M. Oquab, "Revisiting classifier two-sample tests", ICLR 2017,
    arXiv:1610.06545.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.metrics import classifier_two_sample_auc
    >>> rng = np.random.default_rng(0)
    >>> cov = [[1.0, 0.8], [0.8, 1.0]]
    >>> real = rng.multivariate_normal([0, 0], cov, 2000)
    >>> same = rng.multivariate_normal([0, 0], cov, 2000)
    >>> uncorrelated = rng.normal(size=(2000, 2))  # right marginals, no correlation
    >>> auc = classifier_two_sample_auc(real, same, random_state=0)
    >>> bool(abs(auc - 0.5) < 0.05)
    True
    >>> auc = classifier_two_sample_auc(real, uncorrelated, random_state=0)
    >>> bool(auc > 0.7)
    True
    """
    if n_jobs is not None and not isinstance(n_jobs, numbers.Integral):
        raise ValueError(f"n_jobs must be an integer or None; got {n_jobs!r}.")
    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    X = np.vstack([s.real, s.generated])
    y = np.r_[np.zeros(len(s.real), dtype=np.int64), np.ones(len(s.generated), dtype=np.int64)]
    w = np.r_[s.w_real, s.w_generated]
    rng = check_random_state(random_state)
    seed = np.iinfo(np.int32).max
    train, test = train_test_split(
        np.arange(len(y)), test_size=test_size, stratify=y, random_state=rng.randint(seed)
    )
    _check_both_samples(y[train], w[train], "training")
    _check_both_samples(y[test], w[test], "held-out")

    # Each sample gets half the total training weight; the mean weight stays 1, so
    # weight-based settings such as XGBoost's min_child_weight keep their meaning.
    w_train = w[train].copy()
    for label in (0, 1):
        sel = y[train] == label
        w_train[sel] *= len(train) / 2.0 / w_train[sel].sum()

    if classifier is None:
        from ..baselines import xgboost_model

        model = xgboost_model(
            n_estimators=200,
            max_depth=4,
            n_jobs=1 if n_jobs is None else int(n_jobs),
            random_state=rng.randint(seed),
        )
    else:
        model = clone(classifier)
    model.fit(X[train], y[train], sample_weight=w_train)
    return roc_auc_hep(y[test], _generated_score(model, X[test]), sample_weight=w[test])
