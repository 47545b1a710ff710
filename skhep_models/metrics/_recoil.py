"""Hadronic-recoil metrics: response and resolution of a 2-D transverse recoil estimate.

Every function takes the true and the estimated recoil ``u_T = (u_x, u_y)`` of each event,
arrays (or DataFrames) of shape ``(n_events, 2)`` whose columns are read by position, and
optional non-negative event weights. The estimate is projected on the direction of the
true recoil (:func:`recoil_components`); the response and the resolutions follow from the
weighted moments (or quantiles) of those projections.
"""

from __future__ import annotations

import numbers

import numpy as np
import pandas as pd
from sklearn.metrics import make_scorer

from ..utils._weights import weighted_quantiles
from ._classification import _as_1d, _check_finite, _check_weights

__all__ = [
    "RECOIL_RESOLUTION_ESTIMATORS",
    "recoil_components",
    "recoil_metrics_by_bin",
    "recoil_resolution",
    "recoil_resolution_scorer",
    "recoil_response",
]

#: Width estimators of :func:`recoil_resolution`: the weighted standard deviation, and half
#: the width of the central 68.27% interval (a Gaussian's +-1 sigma), robust to tails.
RECOIL_RESOLUTION_ESTIMATORS = ("std", "iqr68")

# Quantile levels of a Gaussian's mean -1 sigma and +1 sigma: Phi(-1), Phi(1).
_ONE_SIGMA_QUANTILES = (0.15865525393145707, 0.8413447460685429)

_COMPONENTS = ("both", "parallel", "perp")

# Parameter texts shared by the docstrings, put in by _shared_doc.
_RECOIL_PARAMS = """u_true : array-like or DataFrame of shape (n_events, 2)
        True recoil (x, y) of each event (see :func:`recoil_components`).
    u_pred : array-like or DataFrame of shape (n_events, 2)
        Estimated recoil (x, y)."""

_SAMPLE_WEIGHT = """sample_weight : array-like of shape (n_events,), optional
        Non-negative event weights; default 1 for every event."""


def _shared_doc(func):
    """Put the shared parameter texts into ``func``'s docstring."""
    if func.__doc__:
        func.__doc__ = func.__doc__.replace("{recoil_params}", _RECOIL_PARAMS).replace(
            "{sample_weight}", _SAMPLE_WEIGHT
        )
    return func


# --------------------------------------------------------------------------------------------
# validation
# --------------------------------------------------------------------------------------------


def _as_vectors(values, name):
    """``values`` as a float array of shape (n_events, 2) with finite entries."""
    try:
        arr = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as exc:
        raise ValueError(
            f"{name} must be an array of shape (n_events, 2) of numbers; could not convert "
            f"it: {exc}"
        ) from exc
    if arr.ndim != 2 or arr.shape[1] != 2:
        raise ValueError(
            f"{name} must have shape (n_events, 2), the (x, y) components of the transverse "
            f"recoil of each event; got shape {arr.shape}."
        )
    for column, axis in enumerate("xy"):
        _check_finite(arr[:, column], f"{name}[:, {column}] ({axis})")
    return arr


def _validate_recoil(u_true, u_pred, sample_weight):
    """Return ``(u_true, u_pred, sample_weight, pt_true)`` as validated float arrays."""
    u_true = _as_vectors(u_true, "u_true")
    u_pred = _as_vectors(u_pred, "u_pred")
    if len(u_true) != len(u_pred):
        raise ValueError(
            f"u_true and u_pred must hold the same events; got {len(u_true)} and "
            f"{len(u_pred)} rows."
        )
    if len(u_true) == 0:
        raise ValueError("u_true and u_pred are empty; recoil metrics need at least one event.")
    pt_true = np.hypot(u_true[:, 0], u_true[:, 1])
    zero = pt_true == 0
    if zero.any():
        raise ValueError(
            f"u_true is the zero vector in {int(zero.sum())} event(s) (the first at index "
            f"{int(np.flatnonzero(zero)[0])}); a zero true recoil has no direction to project "
            "on. Select the events with a recoil first, e.g. "
            "keep = np.hypot(u_true[:, 0], u_true[:, 1]) > 0."
        )
    w = _check_weights(sample_weight, len(u_true), "weighted widths and quantiles")
    return u_true, u_pred, w, pt_true


def _check_estimator(estimator):
    if not isinstance(estimator, str) or estimator not in RECOIL_RESOLUTION_ESTIMATORS:
        raise ValueError(
            f"estimator must be one of {list(RECOIL_RESOLUTION_ESTIMATORS)}; got {estimator!r}."
        )
    return estimator


def _check_total_weight(w):
    if not w.sum() > 0:
        raise ValueError(
            "sample_weight sums to zero; the response and the resolutions need events with "
            "positive weight."
        )


# --------------------------------------------------------------------------------------------
# weighted statistics (NaN without events of positive weight)
# --------------------------------------------------------------------------------------------


def _weighted_mean(x, w):
    total = w.sum()
    return float(np.dot(w, x) / total) if total > 0 else np.nan


def _width(x, w, estimator):
    """Weighted standard deviation (``"std"``) or 68% half-width (``"iqr68"``) of ``x``."""
    total = w.sum()
    if not total > 0:
        return np.nan
    if estimator == "std":
        mean = np.dot(w, x) / total
        return float(np.sqrt(np.dot(w, (x - mean) ** 2) / total))
    low, high = weighted_quantiles(x, _ONE_SIGMA_QUANTILES, w)
    return float((high - low) / 2.0)


def _projections(u_true, u_pred, pt_true):
    """``(u_parallel, u_perp)`` of validated arrays."""
    ux, uy = u_true[:, 0] / pt_true, u_true[:, 1] / pt_true
    u_par = u_pred[:, 0] * ux + u_pred[:, 1] * uy
    u_perp = u_pred[:, 1] * ux - u_pred[:, 0] * uy  # u_pred . (z x u_hat) = (u_hat x u_pred)_z
    return u_par, u_perp


def _stats(u_par, u_perp, pt_true, w, estimator):
    """Response, sigma_parallel, sigma_perp of one set of events (NaN without weight)."""
    total_pt = np.dot(w, pt_true)
    response = float(np.dot(w, u_par) / total_pt) if total_pt > 0 else np.nan
    return response, _width(u_par - pt_true, w, estimator), _width(u_perp, w, estimator)


def _corrected(sigma, response):
    """``sigma / response``, NaN where the response is not positive."""
    return sigma / response if response > 0 else np.nan


# --------------------------------------------------------------------------------------------
# public functions
# --------------------------------------------------------------------------------------------


def recoil_components(u_true, u_pred):
    """Components of the estimated recoil along and across the true recoil direction.

    With :math:`\\hat u = u_T^{true} / |u_T^{true}|` the direction of the true recoil and
    :math:`\\hat z` the beam axis,

    .. math:: u_\\parallel = u_T^{pred} \\cdot \\hat u, \\qquad
              u_\\perp = u_T^{pred} \\cdot (\\hat z \\times \\hat u)
              = \\hat u_x u_y^{pred} - \\hat u_y u_x^{pred}

    A perfect estimate has :math:`u_\\parallel = p_T^{true} = |u_T^{true}|` and
    :math:`u_\\perp = 0`.

    Parameters
    ----------
    u_true : array-like or DataFrame of shape (n_events, 2)
        True recoil (x, y) of each event, e.g. minus the W transverse momentum. Columns are
        read by position, rows matched to ``u_pred`` by position (not by index).
    u_pred : array-like or DataFrame of shape (n_events, 2)
        Estimated recoil (x, y), e.g. a regressor's prediction or the raw sum of the
        charged and neutral particles.

    Returns
    -------
    u_parallel : ndarray of shape (n_events,)
        Projection on the true recoil direction; positive when the estimate points the
        same way.
    u_perp : ndarray of shape (n_events,)
        Projection on the direction 90 degrees counter-clockwise of the true recoil in the
        (x, y) plane (right-handed x, y, z): positive when the estimate is rotated
        counter-clockwise of the truth, ``|u_pred| sin(angle)``.
    pt_true : ndarray of shape (n_events,)
        Magnitude of the true recoil, :math:`p_T^{true}`.

    Raises
    ------
    ValueError
        If an input does not have shape (n_events, 2), the two differ in length, are empty
        or not finite, or a true recoil is the zero vector (it has no direction; select the
        events with ``np.hypot(u_true[:, 0], u_true[:, 1]) > 0`` first).

    See Also
    --------
    recoil_response : The response <u_parallel> / <pT_true>.
    recoil_resolution : The widths of u_parallel - pT_true and u_perp.

    Notes
    -----
    The axis is the true *recoil*, which in W or Z events points opposite to the boson
    transverse momentum q_T. The CMS MET papers project on the q_T axis instead, so their
    u_parallel is minus this one (about -q_T for a good estimate, hence their response
    -<u_parallel>/<q_T>); the ATLAS W-mass recoil calibration also projects on the boson
    axis. Only the sign differs: the response and the widths are the same. The sign of
    u_perp is a convention with no effect on its width.

    References
    ----------
    .. [1] CMS Collaboration, "Performance of missing transverse momentum reconstruction in
       proton-proton collisions at sqrt(s) = 13 TeV using the CMS detector", JINST 14
       (2019) P07004, arXiv:1903.06078.
    .. [2] ATLAS Collaboration, "Measurement of the W-boson mass in pp collisions at
       sqrt(s) = 7 TeV with the ATLAS detector", Eur. Phys. J. C 78 (2018) 110,
       arXiv:1701.07240.

    Examples
    --------
    A true recoil of 10 GeV along x, estimated as 8 GeV at 45 degrees and as 5 GeV along y:

    >>> import numpy as np
    >>> from skhep_models.metrics import recoil_components
    >>> u_true = [[10.0, 0.0], [10.0, 0.0]]
    >>> u_pred = [[8 / np.sqrt(2), 8 / np.sqrt(2)], [0.0, 5.0]]
    >>> u_par, u_perp, pt = recoil_components(u_true, u_pred)
    >>> u_par.round(3).tolist(), u_perp.round(3).tolist(), pt.tolist()
    ([5.657, 0.0], [5.657, 5.0], [10.0, 10.0])
    """
    u_true, u_pred, _, pt_true = _validate_recoil(u_true, u_pred, None)
    return (*_projections(u_true, u_pred, pt_true), pt_true)


@_shared_doc
def recoil_response(u_true, u_pred, *, sample_weight=None):
    """Recoil response <u_parallel> / <pT_true>, a ratio of weighted means.

    Parameters
    ----------
    {recoil_params}
    {sample_weight}

    Returns
    -------
    float
        1 for an unbiased scale, below 1 for an estimate that falls short of the true
        recoil, as the raw particle sum usually does.

    Raises
    ------
    ValueError
        On invalid input (see :func:`recoil_components`), a negative weight or a sample
        weight that sums to zero.

    See Also
    --------
    recoil_metrics_by_bin : The response in bins of the true pT or of pile-up.

    Notes
    -----
    The response is :math:`\\sum_i w_i u_{\\parallel,i} / \\sum_i w_i p^{true}_{T,i}`, the
    ratio of the weighted means, as CMS defines -<u_parallel>/<q_T> [1]_; evaluate it in
    narrow bins of the true pT (:func:`recoil_metrics_by_bin`) to follow its pT dependence.
    The mean of the per-event ratios, <u_parallel / pT_true>, would be dominated by the
    events of smallest pT_true, where the ratio fluctuates without bound.

    References
    ----------
    .. [1] CMS Collaboration, JINST 14 (2019) P07004, arXiv:1903.06078.

    Examples
    --------
    >>> from skhep_models.metrics import recoil_response
    >>> u_true = [[10.0, 0.0], [0.0, 30.0]]
    >>> u_pred = [[9.0, 1.0], [0.0, 27.0]]
    >>> recoil_response(u_true, u_pred)
    0.9
    >>> recoil_response(u_true, [[12.0, 0.0], [0.0, 27.0]], sample_weight=[3, 1])
    1.05
    """
    u_true, u_pred, w, pt_true = _validate_recoil(u_true, u_pred, sample_weight)
    _check_total_weight(w)
    u_par, _ = _projections(u_true, u_pred, pt_true)
    return float(np.dot(w, u_par) / np.dot(w, pt_true))


@_shared_doc
def recoil_resolution(
    u_true, u_pred, *, sample_weight=None, estimator="std", correct_response=False
):
    """Resolutions sigma(u_parallel - pT_true) and sigma(u_perp) of a recoil estimate.

    Parameters
    ----------
    {recoil_params}
    {sample_weight}
    estimator : {"std", "iqr68"}, default="std"
        Width of each distribution: ``"std"``, the weighted standard deviation
        :math:`\\sqrt{\\sum_i w_i (x_i - \\bar x)^2 / \\sum_i w_i}`; ``"iqr68"``, half the
        distance between its weighted 15.87% and 84.13% quantiles, the central 68.27%
        interval (the standard deviation of a Gaussian, but insensitive to the tails).
    correct_response : bool, default=False
        Divide both widths by the response :func:`recoil_response` of the same events, as
        CMS does to compare estimators with different responses [1]_ (a response below 1
        shrinks the widths along with the recoil). NaN if the response is not positive.

    Returns
    -------
    sigma_parallel : float
        Width of :math:`u_\\parallel - p_T^{true}`.
    sigma_perp : float
        Width of :math:`u_\\perp`.

    Raises
    ------
    ValueError
        On invalid input (see :func:`recoil_components`), a negative weight, a sample
        weight that sums to zero, or an unknown ``estimator``.

    See Also
    --------
    recoil_metrics_by_bin : The resolutions in bins of the true pT or of pile-up.
    recoil_resolution_scorer : A resolution as a scorer for model selection.

    Notes
    -----
    The widths are computed over all the events passed; over a wide range of pT_true the
    width of u_parallel - pT_true includes the spread of a response different from 1, and
    the correction, meant for narrow bins of pT_true (:func:`recoil_metrics_by_bin`), is
    then only approximate.
    Weights count as frequencies: an event of weight 2 is two events (no ``n - 1``
    correction, which is meaningless for non-integer weights). The quantiles of
    ``"iqr68"`` are of the inverted empirical distribution: each is one event's value.

    References
    ----------
    .. [1] CMS Collaboration, JINST 14 (2019) P07004, arXiv:1903.06078.

    Examples
    --------
    >>> from skhep_models.metrics import recoil_resolution
    >>> u_true = [[10.0, 0.0], [10.0, 0.0], [0.0, 20.0], [0.0, 20.0]]
    >>> u_pred = [[9.0, 2.0], [11.0, -2.0], [0.0, 19.0], [0.0, 21.0]]
    >>> recoil_resolution(u_true, u_pred)
    (1.0, 1.4142135623730951)

    An estimate at half the scale (response 0.5) with widths of 1 GeV; corrected for the
    response, they are 2 GeV:

    >>> recoil_resolution([[10.0, 0.0], [10.0, 0.0]], [[4.0, 1.0], [6.0, -1.0]])
    (1.0, 1.0)
    >>> recoil_resolution([[10.0, 0.0], [10.0, 0.0]], [[4.0, 1.0], [6.0, -1.0]],
    ...                   correct_response=True)
    (2.0, 2.0)
    """
    estimator = _check_estimator(estimator)
    u_true, u_pred, w, pt_true = _validate_recoil(u_true, u_pred, sample_weight)
    _check_total_weight(w)
    response, sigma_par, sigma_perp = _stats(
        *_projections(u_true, u_pred, pt_true), pt_true, w, estimator
    )
    if correct_response:
        return _corrected(sigma_par, response), _corrected(sigma_perp, response)
    return sigma_par, sigma_perp


def _bin_edges(bins):
    """Validated bin edges: 1-D, at least two, strictly increasing, +-inf allowed."""
    if isinstance(bins, (str, numbers.Number)):
        raise ValueError(
            f"bins must be a 1-D array of increasing bin edges, e.g. [0, 10, 20, np.inf]; "
            f"got {bins!r}."
        )
    edges = _as_1d(bins, "bins", dtype=float)
    if len(edges) < 2 or np.isnan(edges).any() or not (np.diff(edges) > 0).all():
        raise ValueError(
            "bins must hold at least two strictly increasing edges (no NaN; -inf and inf "
            f"are allowed for open bins); got {edges.tolist()}."
        )
    return edges


def _binning_variable(variable, pt_true):
    """``(values, name)`` of the binning variable; ``"pt"`` means the true recoil pT."""
    if isinstance(variable, str):
        if variable != "pt":
            raise ValueError(
                f"variable must be an array with one value per event, or 'pt' for the true "
                f"recoil pT; got the string {variable!r}."
            )
        return pt_true, "pt_true"
    name = variable.name if isinstance(variable, pd.Series) else None
    values = _as_1d(variable, "variable", dtype=float)
    if len(values) != len(pt_true):
        raise ValueError(
            f"variable must hold one value per event; got {len(values)} values for "
            f"{len(pt_true)} events."
        )
    _check_finite(values, "variable")
    return values, name if name is not None else "variable"


@_shared_doc
def recoil_metrics_by_bin(
    u_true,
    u_pred,
    variable,
    bins,
    *,
    sample_weight=None,
    estimator="std",
    correct_response=False,
):
    """Recoil response and resolutions in bins of a variable, e.g. the true pT or pile-up.

    Parameters
    ----------
    {recoil_params}
    variable : array-like or pandas.Series of shape (n_events,), or "pt"
        Value to bin each event in, matched by position: the number of pile-up
        interactions (mu) or of primary vertices, say; ``"pt"`` bins in the true recoil pT
        :math:`|u_T^{true}|`. No NaN.
    bins : array-like
        Increasing bin edges; bins are closed on the left, ``edges[i] <= v < edges[i+1]``,
        and events outside ``[edges[0], edges[-1])`` are left out. Use ``np.inf`` as the
        last edge for an open overflow bin.
    {sample_weight}
    estimator : {"std", "iqr68"}, default="std"
        Width estimator, as in :func:`recoil_resolution`.
    correct_response : bool, default=False
        Also give the widths divided by each bin's response (NaN where it is not positive).

    Returns
    -------
    pandas.DataFrame
        One row per bin, in order, indexed by a left-closed :class:`pandas.IntervalIndex`
        named ``"pt_true"`` for ``variable="pt"``, after ``variable`` when it is a named
        Series, else ``"variable"``. Columns:

        ===============================  ==================================================
        ``response``                     <u_parallel> / <pT_true> (:func:`recoil_response`)
        ``sigma_parallel``               width of u_parallel - pT_true
        ``sigma_perp``                   width of u_perp
        ``sigma_parallel_corrected``     ``sigma_parallel / response`` (only with
                                         ``correct_response=True``)
        ``sigma_perp_corrected``         ``sigma_perp / response`` (idem)
        ``n_events``                     number of events in the bin
        ``sum_weights``                  sum of their weights
        ``variable_mean``                weighted mean of ``variable`` in the bin
        ===============================  ==================================================

        A bin without events (or without weight) has NaN metrics and ``n_events`` 0 (or
        ``sum_weights`` 0), not an error.

    Raises
    ------
    ValueError
        On invalid input (see :func:`recoil_components`), a negative weight, ``variable``
        of the wrong length or with NaN, invalid ``bins`` or an unknown ``estimator``.

    See Also
    --------
    skhep_models.plotting.recoil_response_plot : Draw the response of several estimators.
    skhep_models.plotting.recoil_resolution_plot : Draw their resolutions.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.metrics import recoil_metrics_by_bin
    >>> u_true = np.array([[5.0, 0.0], [15.0, 0.0], [0.0, 15.0], [25.0, 0.0]])
    >>> u_pred = 0.9 * u_true + [[0.0, 1.0], [0.0, 1.0], [1.0, 0.0], [0.0, 0.0]]
    >>> table = recoil_metrics_by_bin(u_true, u_pred, "pt", [0, 10, 20, 30, 40])
    >>> table[["response", "sigma_perp", "n_events", "variable_mean"]]
    ... # doctest: +NORMALIZE_WHITESPACE
                  response  sigma_perp  n_events  variable_mean
    pt_true
    [0.0, 10.0)        0.9         0.0         1            5.0
    [10.0, 20.0)       0.9         1.0         2           15.0
    [20.0, 30.0)       0.9         0.0         1           25.0
    [30.0, 40.0)       NaN         NaN         0            NaN
    """
    estimator = _check_estimator(estimator)
    u_true, u_pred, w, pt_true = _validate_recoil(u_true, u_pred, sample_weight)
    values, name = _binning_variable(variable, pt_true)
    edges = _bin_edges(bins)
    u_par, u_perp = _projections(u_true, u_pred, pt_true)

    which = np.searchsorted(edges, values, side="right") - 1  # edges[i] <= v < edges[i + 1]
    rows = []
    for i in range(len(edges) - 1):
        sel = which == i
        w_bin = w[sel]
        response, sigma_par, sigma_perp = _stats(
            u_par[sel], u_perp[sel], pt_true[sel], w_bin, estimator
        )
        row = {"response": response, "sigma_parallel": sigma_par, "sigma_perp": sigma_perp}
        if correct_response:
            row["sigma_parallel_corrected"] = _corrected(sigma_par, response)
            row["sigma_perp_corrected"] = _corrected(sigma_perp, response)
        row.update(
            n_events=int(sel.sum()),
            sum_weights=float(w_bin.sum()),
            variable_mean=_weighted_mean(values[sel], w_bin),
        )
        rows.append(row)
    index = pd.IntervalIndex.from_breaks(edges, closed="left", name=name)
    return pd.DataFrame(rows, index=index)


def _recoil_resolution_score(
    y_true, y_pred, *, sample_weight=None, component, estimator, correct_response
):
    """The resolution that :func:`recoil_resolution_scorer` scores a regressor by."""
    sigma_par, sigma_perp = recoil_resolution(
        y_true,
        y_pred,
        sample_weight=sample_weight,
        estimator=estimator,
        correct_response=correct_response,
    )
    if component == "parallel":
        return sigma_par
    if component == "perp":
        return sigma_perp
    return float(np.hypot(sigma_par, sigma_perp))


def recoil_resolution_scorer(component="both", *, estimator="std", correct_response=True):
    """Scorer ranking 2-output recoil regressors by a resolution (smaller is better).

    For ``scoring=`` in :func:`~sklearn.model_selection.cross_val_score`,
    :class:`~sklearn.model_selection.GridSearchCV` and the like, with ``y`` the true recoil
    of shape (n_events, 2) and ``predict`` returning the estimated one.

    Parameters
    ----------
    component : {"both", "parallel", "perp"}, default="both"
        Which width of :func:`recoil_resolution` to score: sigma(u_parallel - pT_true),
        sigma(u_perp), or both added in quadrature,
        :math:`\\sqrt{\\sigma_\\parallel^2 + \\sigma_\\perp^2}`.
    estimator : {"std", "iqr68"}, default="std"
        Width estimator, as in :func:`recoil_resolution`.
    correct_response : bool, default=True
        Divide the widths by the response, as in :func:`recoil_resolution`. On by default:
        uncorrected widths reward an estimate shrunk towards zero (predicting u_T = 0 gives
        sigma(u_perp) = 0), which the correction turns into a NaN score.

    Returns
    -------
    scorer : callable
        A new scorer ``scorer(estimator, X, y)`` made by
        :func:`sklearn.metrics.make_scorer` with ``greater_is_better=False``: it returns
        minus the resolution, so that higher scores are better, as scikit-learn's searches
        expect.

    Raises
    ------
    ValueError
        If ``component`` or ``estimator`` is unknown.

    Notes
    -----
    Event weights reach the scorer as described in the routing notes of
    :mod:`skhep_models.metrics`. A fold's events cover the whole pT range, so the widths
    include the pT dependence of the resolution; bin the results of the chosen model with
    :func:`recoil_metrics_by_bin`.

    Examples
    --------
    >>> import numpy as np
    >>> from sklearn.linear_model import LinearRegression
    >>> from sklearn.model_selection import cross_val_score
    >>> from skhep_models.metrics import recoil_resolution_scorer
    >>> rng = np.random.default_rng(0)
    >>> u_true = rng.normal(0, 20, size=(300, 2))
    >>> X = np.c_[0.7 * u_true + rng.normal(0, 3, size=(300, 2)), rng.normal(size=300)]
    >>> scorer = recoil_resolution_scorer("perp")
    >>> cross_val_score(LinearRegression(), X, u_true, scoring=scorer, cv=3).round(2)
    array([-4.51, -3.41, -4.12])
    """
    if not isinstance(component, str) or component not in _COMPONENTS:
        raise ValueError(f"component must be one of {list(_COMPONENTS)}; got {component!r}.")
    return make_scorer(
        _recoil_resolution_score,
        greater_is_better=False,
        component=component,
        estimator=_check_estimator(estimator),
        correct_response=bool(correct_response),
    )
