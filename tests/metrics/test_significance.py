"""Significance, separation power, HEP AUC and scorers: hand values, brute force, properties."""

import copy
import math
import pickle
from decimal import Decimal, localcontext

import numpy as np
import pytest
import sklearn
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.datasets import make_classification
from sklearn.exceptions import UnsetMetadataPassedError
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.naive_bayes import GaussianNB
from sklearn.svm import LinearSVC

from skhep_models.metrics import (
    SIGNIFICANCE_METRICS,
    ams,
    asimov_significance,
    background_rejection_at,
    background_rejection_scorer,
    best_significance,
    roc_auc_hep,
    roc_auc_hep_scorer,
    separation_power,
    separation_power_scorer,
    significance_scorer,
)

E = math.e


def _random_sample(n=300, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = rng.normal(y, 1.0)
    if ties:
        score = np.round(score, 1)
    weight = rng.exponential(1.0, n)
    return y, score, weight


def _asimov_reference(s, b):
    """Asimov Z with 50 significant digits (decimal), for precision checks."""
    with localcontext() as ctx:
        ctx.prec = 50
        s, b = Decimal(s), Decimal(b)
        q = (s + b) * (1 + s / b).ln() - s
        return float((2 * q).sqrt())


# weighted events: (label, score rounded so that ties happen, weight)
_EVENTS = st.lists(
    st.tuples(
        st.integers(0, 1),
        st.floats(-3, 3, allow_nan=False).map(lambda v: round(v, 1)),
        st.floats(0, 10, allow_nan=False),
    ),
    min_size=1,
    max_size=40,
)


# ------------------------------------------------------------------------------------------
# asimov_significance and ams
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("s", "b", "z"),
    [
        (2 * (E - 1), 2.0, 2.0),  # ln(1 + s/b) = 1: Z^2 = 2 (s + b - s) = 2 b
        (8 * (E - 1), 8.0, 4.0),
        (10.0, 10.0, math.sqrt(2 * (20 * math.log(2) - 10))),
        (0.0, 5.0, 0.0),
        (3.0, 0.0, math.inf),  # the limit b -> 0
        (0.0, 0.0, 0.0),  # nothing expected, nothing to discover
    ],
)
def test_asimov_significance_by_hand(s, b, z):
    got = asimov_significance(s, b)
    assert isinstance(got, float)
    assert got == pytest.approx(z, rel=1e-14)


@pytest.mark.parametrize("b", [1e2, 1e4, 1e8])
def test_asimov_tends_to_s_over_sqrt_b_for_small_signal(b):
    for ratio in [1e-3, 1e-6, 1e-10, 1e-14]:
        s = ratio * b
        # Z = s/sqrt(b) (1 - s/(3 b) + ...): agreement to about s/b
        assert asimov_significance(s, b) == pytest.approx(s / math.sqrt(b), rel=ratio + 1e-14)
    # and it is smaller than s/sqrt(b) once s/b is not negligible
    assert asimov_significance(0.5 * b, b) < 0.5 * b / math.sqrt(b)


@pytest.mark.parametrize(
    "ratio", [1e-12, 1e-7, 1e-4, 3e-3, 0.0099999, 0.01, 0.0100001, 0.05, 1.0, 30.0, 1e6]
)
def test_asimov_keeps_full_precision_across_the_series_switch(ratio):
    b = 37.0
    assert asimov_significance(ratio * b, b) == pytest.approx(
        _asimov_reference(ratio * b, b), rel=1e-12
    )


def test_asimov_is_vectorised_and_broadcasts():
    s = np.array([[1.0], [4.0]])
    b = np.array([0.0, 1.0, 9.0])
    z = asimov_significance(s, b)
    assert z.shape == (2, 3)
    for i in range(2):
        for j in range(3):
            assert z[i, j] == asimov_significance(float(s[i, 0]), float(b[j]))
    assert np.isinf(z[:, 0]).all()
    np.testing.assert_array_equal(asimov_significance([0.0, 2.0], 0.0), [0.0, np.inf])
    assert asimov_significance([1.0], [1.0]).shape == (1,)  # arrays in, array out


@settings(max_examples=60, deadline=None, database=None)
@given(
    s=st.floats(1e-6, 1e6, allow_nan=False),
    b=st.floats(1e-6, 1e6, allow_nan=False),
)
def test_asimov_is_below_s_over_sqrt_b_increasing_in_s_decreasing_in_b(s, b):
    z = asimov_significance(s, b)
    assert 0 < z <= s / math.sqrt(b) * (1 + 1e-12)
    assert asimov_significance(2 * s, b) > z
    assert asimov_significance(s, 2 * b) < z


@pytest.mark.parametrize(
    ("s", "b", "b_reg", "z"),
    [
        (10.0, 0.0, 10.0, math.sqrt(2 * (20 * math.log(2) - 10))),  # doubled background
        (1.0, 0.0, 10.0, math.sqrt(2 * (11 * math.log(1.1) - 1))),
        (18 * (E - 1), 8.0, 10.0, 6.0),  # ln(1 + s/18) = 1: AMS = sqrt(2 * 18)
        (2 * (E - 1), 1.0, 1.0, 2.0),
        (0.0, 3.0, 10.0, 0.0),
        (5.0, 0.0, 0.0, math.inf),
    ],
)
def test_ams_by_hand(s, b, b_reg, z):
    assert ams(s, b, b_reg=b_reg) == pytest.approx(z, rel=1e-14)


def test_ams_is_asimov_with_a_raised_background():
    rng = np.random.default_rng(0)
    s, b = rng.exponential(5, 20), rng.exponential(50, 20)
    np.testing.assert_allclose(ams(s, b), asimov_significance(s, b + 10.0), rtol=1e-15)
    np.testing.assert_allclose(ams(s, b, b_reg=0.0), asimov_significance(s, b), rtol=1e-15)
    assert ams(5.0, 0.0) < math.inf  # the point of the regularisation


@pytest.mark.parametrize("func", [asimov_significance, ams])
@pytest.mark.parametrize(
    ("s", "b", "match"),
    [
        (-1.0, 5.0, r"s must be non-negative.*1 negative value.*minimum -1"),
        ([1.0, 2.0], [5.0, -0.5], r"b must be non-negative.*-0.5"),
        (np.nan, 5.0, "s must be finite; got 1 NaN"),
        (1.0, [np.inf, 1.0], "b must be finite"),
        ([1.0, 2.0], [1.0, 2.0, 3.0], r"same shape.*\(2,\) and \(3,\)"),
        ("many", 5.0, "s must be a number or an array of numbers"),
    ],
)
def test_invalid_yields_are_named(func, s, b, match):
    with pytest.raises(ValueError, match=match):
        func(s, b)


@pytest.mark.parametrize("b_reg", [-1.0, np.nan, np.inf, "10", True, None])
def test_ams_rejects_bad_regularisation(b_reg):
    with pytest.raises(ValueError, match="b_reg must be a finite number >= 0"):
        ams(1.0, 1.0, b_reg=b_reg)


# ------------------------------------------------------------------------------------------
# roc_auc_hep
# ------------------------------------------------------------------------------------------


def test_roc_auc_hep_by_hand():
    # Pairs (signal, background): 0.35 beats 0.1, not 0.4; 0.8 beats both: 3 of 4.
    assert roc_auc_hep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]) == 0.75
    # Background 0.4 weighted 3: pairs won 1*1 + 1*1 + 1*3 of 2*4.
    assert roc_auc_hep([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8], sample_weight=[1, 3, 1, 1]) == 0.625
    assert roc_auc_hep([1, 0], [0.5, 0.5]) == 0.5  # a tie counts one half
    assert roc_auc_hep([1, 0], [1.0, 0.0]) == 1.0 and roc_auc_hep([1, 0], [0.0, 1.0]) == 0.0


@settings(max_examples=60, deadline=None, database=None)
@given(data=_EVENTS)
def test_roc_auc_hep_equals_weighted_roc_auc_score(data):
    y, score, w = map(np.asarray, zip(*data))
    if not (w[y == 1].sum() > 0 and w[y == 0].sum() > 0):
        with pytest.raises(ValueError, match="events with positive weight"):
            roc_auc_hep(y, score, sample_weight=w)
        return
    want = roc_auc_score(y, score, sample_weight=w)
    assert roc_auc_hep(y, score, sample_weight=w) == pytest.approx(want, abs=1e-9)
    assert roc_auc_hep(y, score) == pytest.approx(roc_auc_score(y, score), abs=1e-9)


def test_roc_auc_hep_integer_weights_equal_repeated_events():
    y, score, _ = _random_sample(200, seed=3, ties=True)
    w = np.random.default_rng(4).integers(0, 4, len(y))
    rep = np.repeat(np.arange(len(y)), w)
    assert roc_auc_hep(y, score, sample_weight=w) == pytest.approx(
        roc_auc_hep(y[rep], score[rep]), abs=1e-12
    )


def test_roc_auc_hep_needs_both_classes():
    with pytest.raises(ValueError, match=r"no signal \(1\) events"):
        roc_auc_hep([0, 0], [0.1, 0.2])


# ------------------------------------------------------------------------------------------
# separation_power
# ------------------------------------------------------------------------------------------


def test_identical_distributions_have_zero_separation():
    _, score, w = _random_sample(200, seed=1)
    y = np.r_[np.ones(200), np.zeros(200)]
    both = np.r_[score, score]
    assert separation_power(y, both) == 0.0
    # the normalisation removes an overall scale of one class's weights
    weights = np.r_[3 * w, w]
    assert separation_power(y, both, sample_weight=weights) == pytest.approx(0.0, abs=1e-15)


@pytest.mark.parametrize("bins", [2, 40, 1000])
def test_disjoint_distributions_have_unit_separation(bins):
    rng = np.random.default_rng(2)
    y = np.r_[np.ones(100), np.zeros(100)]
    score = np.r_[rng.uniform(0.6, 1.0, 100), rng.uniform(0.0, 0.4, 100)]
    assert separation_power(y, score, bins=bins) == pytest.approx(1.0, rel=1e-14)
    w = rng.exponential(1.0, 200)
    assert separation_power(y, score, sample_weight=w, bins=bins) == pytest.approx(1.0)


def test_separation_power_two_bins_by_hand():
    # Range [0, 1], edge at 0.5.
    # Signal fractions (1/4, 3/4), background (3/4, 1/4): 1/2 (1/4 + 1/4).
    y = [1, 1, 1, 1, 0, 0, 0, 0]
    score = [0.9, 0.8, 0.7, 0.2, 0.1, 0.2, 0.3, 1.0]
    assert separation_power(y, score, bins=2) == pytest.approx(0.25)
    # Signal (0, 1), background (1/2, 1/2): 1/2 ((1/2)^2 / (1/2) + (1/2)^2 / (3/2)) = 1/3.
    y = [1, 1, 0, 0]
    assert separation_power(y, [0.7, 1.0, 0.0, 0.9], bins=2) == pytest.approx(1 / 3)
    # The same with weights: background weights 1 and 3 give fractions (1/4, 3/4) against
    # signal (0, 1): 1/2 ((1/4)^2 / (1/4) + (1/4)^2 / (7/4)) = 1/7.
    got = separation_power(y, [0.7, 1.0, 0.0, 0.9], sample_weight=[1, 1, 1, 3], bins=2)
    assert got == pytest.approx(1 / 7)


def test_separation_power_of_two_gaussians_approaches_the_integral():
    # Unit Gaussians at +-1: 1/2 int (f - g)^2 / (f + g) dx = 0.55040 (numerical integral).
    rng = np.random.default_rng(5)
    n = 100_000
    y = np.r_[np.ones(n), np.zeros(n)]
    score = np.r_[rng.normal(1, 1, n), rng.normal(-1, 1, n)]
    assert separation_power(y, score) == pytest.approx(0.5504, abs=0.005)


def test_separation_power_depends_on_the_binning_not_on_the_scale():
    y, score, w = _random_sample(500, seed=6)
    sep = separation_power(y, score, sample_weight=w)
    # equal-width bins over the range follow a linear rescaling (exactly, for a power of 2)
    assert separation_power(y, 4.0 * score, sample_weight=w) == sep
    # but not a non-linear monotonic map, nor a different number of bins
    assert separation_power(y, np.exp(score), sample_weight=w) != pytest.approx(sep, rel=1e-3)
    assert separation_power(y, score, sample_weight=w, bins=10) != pytest.approx(sep, rel=1e-3)


def test_separation_power_integer_weights_equal_repeated_events():
    y, score, _ = _random_sample(200, seed=7, ties=True)
    w = np.random.default_rng(8).integers(0, 4, len(y)).astype(float)
    # zero-weight events far outside: they must not stretch the binning range
    y = np.r_[y, 1, 0]
    score = np.r_[score, 50.0, -50.0]
    w = np.r_[w, 0.0, 0.0]
    rep = np.repeat(np.arange(len(y)), w.astype(int))
    for bins in (5, 40):
        assert separation_power(y, score, sample_weight=w, bins=bins) == pytest.approx(
            separation_power(y[rep], score[rep], bins=bins), abs=1e-14
        )


def test_separation_power_with_explicit_edges():
    y, score, w = _random_sample(300, seed=9)
    edges = np.linspace(score.min(), score.max(), 21)
    assert separation_power(y, score, sample_weight=w, bins=edges) == pytest.approx(
        separation_power(y, score, sample_weight=w, bins=20), abs=1e-12
    )
    # events outside the edges are ignored, as under- and overflow
    inside = (score >= 0) & (score <= 1)
    assert separation_power(y, score, bins=[0.0, 0.5, 1.0]) == pytest.approx(
        separation_power(y[inside], score[inside], bins=[0.0, 0.5, 1.0])
    )


def test_constant_score_separates_nothing():
    assert separation_power([1, 0, 1, 0], [0.3, 0.3, 0.3, 0.3]) == 0.0


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(bins=0), "bins must be at least 1; got 0"),
        (dict(bins="auto"), "positive integer or a 1-D array.*'auto'"),
        (dict(bins=[0.0, 1.0, 0.5]), "strictly increasing"),
        (dict(bins=[0.5]), "at least two"),
        (dict(bins=[5.0, 6.0]), "no signal weight falls inside the bin edges"),
    ],
)
def test_separation_power_rejects_bad_bins(kwargs, match):
    with pytest.raises(ValueError, match=match):
        separation_power([1, 0, 1, 0], [0.1, 0.2, 0.3, 0.4], **kwargs)


def test_separation_power_needs_both_classes():
    with pytest.raises(ValueError, match=r"no background \(0\).*the separation power needs"):
        separation_power([1, 1, 0], [0.1, 0.2, 0.3], sample_weight=[1, 1, 0])
    with pytest.raises(ValueError, match="same length"):
        separation_power([1, 0], [0.1, 0.2, 0.3])


# ------------------------------------------------------------------------------------------
# best_significance
# ------------------------------------------------------------------------------------------


def _figure_of_merit(metric, s, b, b_reg=10.0):
    if metric == "asimov":
        return asimov_significance(s, b)
    if metric == "ams":
        return ams(s, b, b_reg=b_reg)
    return math.inf if b == 0 and s > 0 else (0.0 if s == 0 else s / math.sqrt(b))


def _brute_force(y, score, w, metric, b_reg=10.0, min_background=0.0):
    """Every cut score >= t, with t a score value or inf, by direct sums."""
    results = []
    for t in [math.inf, *sorted(set(score.tolist()), reverse=True)]:
        passed = score >= t
        s, b = w[passed & (y == 1)].sum(), w[passed & (y == 0)].sum()
        if b >= min_background:
            results.append((_figure_of_merit(metric, s, b, b_reg), t))
    return results


def test_best_significance_by_hand_with_ties():
    y = [1, 1, 0, 1, 0, 0, 0, 0]
    score = [0.9, 0.8, 0.8, 0.6, 0.5, 0.3, 0.2, 0.1]
    w = [2.0, 2.0, 1.0, 2.0, 1.0, 1.0, 1.0, 1.0]
    # cuts: inf (0, 0), 0.9 (2, 0), 0.8 (4, 1): the tie passes together, 0.6 (6, 1), ...
    assert best_significance(y, score, sample_weight=w, metric="s_over_sqrt_b") == (
        math.inf,
        0.9,
    )
    z, t = best_significance(y, score, sample_weight=w, metric="s_over_sqrt_b", min_background=1)
    assert (z, t) == (6.0, 0.6)
    z, t = best_significance(y, score, sample_weight=w, metric="ams", b_reg=1.0)
    assert t == 0.6 and z == pytest.approx(math.sqrt(2 * (8 * math.log(4) - 6)))
    # a signal and a background tied at the top can only be taken together
    assert best_significance([1, 0, 0], [0.5, 0.5, 0.1], metric="s_over_sqrt_b") == (1.0, 0.5)


def test_best_significance_without_signal_or_background():
    assert best_significance([0, 0, 0], [0.1, 0.5, 0.9]) == (0.0, math.inf)
    assert best_significance([1, 0], [0.9, 0.1], sample_weight=[0, 1]) == (0.0, math.inf)
    assert best_significance([1, 1], [0.9, 0.1]) == (math.inf, 0.9)
    z, t = best_significance([1, 1], [0.9, 0.1], metric="ams", b_reg=2.0)
    assert t == 0.1 and z == pytest.approx(ams(2.0, 0.0, b_reg=2.0))


@pytest.mark.parametrize("metric", SIGNIFICANCE_METRICS)
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_best_significance_matches_brute_force(metric, seed):
    y, score, w = _random_sample(120, seed=seed, ties=True)
    w = np.where(y == 1, 0.2 * w, w)
    for min_background in (0.0, 3.0):
        z, t = best_significance(
            y, score, sample_weight=w, metric=metric, b_reg=5.0, min_background=min_background
        )
        brute = _brute_force(y, score, w, metric, b_reg=5.0, min_background=min_background)
        z_max = max(v for v, _ in brute)
        assert z == pytest.approx(z_max, rel=1e-12)
        z_at_t = dict((cut, v) for v, cut in brute)[t]  # the cut returned reaches it
        assert z_at_t == pytest.approx(z, rel=1e-12)
        assert all(v < z * (1 - 1e-12) for v, cut in brute if cut > t)  # highest such cut


@settings(max_examples=60, deadline=None, database=None)
@given(
    data=_EVENTS,
    metric=st.sampled_from(SIGNIFICANCE_METRICS),
    cut=st.floats(-4, 4, allow_nan=False),
)
def test_best_significance_beats_every_fixed_cut(data, metric, cut):
    y, score, w = map(np.asarray, zip(*data))
    z, t = best_significance(y, score, sample_weight=w, metric=metric)
    assert t == math.inf or t in score
    for threshold in [cut, *score.tolist()]:
        passed = score >= threshold
        s, b = w[passed & (y == 1)].sum(), w[passed & (y == 0)].sum()
        assert z >= _figure_of_merit(metric, s, b) * (1 - 1e-12)


def test_best_significance_integer_weights_equal_repeated_events():
    y, score, _ = _random_sample(200, seed=10, ties=True)
    w = np.random.default_rng(11).integers(0, 4, len(y))
    rep = np.repeat(np.arange(len(y)), w)
    for metric in SIGNIFICANCE_METRICS:
        z_w, t_w = best_significance(y, score, sample_weight=w, metric=metric, min_background=2)
        z_r, t_r = best_significance(y[rep], score[rep], metric=metric, min_background=2)
        assert z_w == pytest.approx(z_r, rel=1e-12) and t_w == t_r


def test_best_significance_ignores_b_reg_outside_ams():
    y, score, w = _random_sample(100, seed=12)
    for metric in ("asimov", "s_over_sqrt_b"):
        assert best_significance(
            y, score, sample_weight=w, metric=metric, b_reg=0.0, min_background=1
        ) == best_significance(y, score, sample_weight=w, metric=metric, b_reg=50.0,
                               min_background=1)  # fmt: skip


def test_best_significance_rejects_bad_arguments():
    y, score = [1, 0, 1, 0], [0.4, 0.3, 0.2, 0.1]
    with pytest.raises(ValueError, match=r"metric must be one of \['asimov', 'ams', 's_over_"):
        best_significance(y, score, metric="significance")
    with pytest.raises(ValueError, match="b_reg must be a finite number >= 0; got -1"):
        best_significance(y, score, metric="ams", b_reg=-1)
    with pytest.raises(ValueError, match="min_background must be a finite number >= 0"):
        best_significance(y, score, min_background=np.nan)
    with pytest.raises(ValueError, match="min_background=3 exceeds the total background.*2"):
        best_significance(y, score, min_background=3)
    with pytest.raises(ValueError, match="1 negative weight"):
        best_significance(y, score, sample_weight=[1, -1, 1, 1])
    with pytest.raises(ValueError, match="same length; got 4 and 3"):
        best_significance(y, score[:3])


# ------------------------------------------------------------------------------------------
# scorers
# ------------------------------------------------------------------------------------------

CV = KFold(3, shuffle=True, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(n_samples=240, n_features=6, random_state=0)
    w = np.random.default_rng(0).exponential(1.0, len(y))
    return X, y, w


def _manual(metric, X, y, w=None, response="decision_function"):
    """Per-fold scores computed by hand: fit on the train part, score the test part."""
    scores = []
    for train, test in CV.split(X, y):
        fit_w = None if w is None else w[train]
        model = LogisticRegression().fit(X[train], y[train], sample_weight=fit_w)
        if response == "predict_proba":
            out = model.predict_proba(X[test])[:, 1]
        else:
            out = model.decision_function(X[test])
        scores.append(metric(y[test], out, None if w is None else w[test]))
    return np.array(scores)


_CASES = {
    "roc_auc": (
        lambda: roc_auc_hep_scorer,
        lambda y, s, w: roc_auc_hep(y, s, sample_weight=w),
        "decision_function",
    ),
    "separation": (
        lambda: separation_power_scorer,
        lambda y, s, w: separation_power(y, s, sample_weight=w),
        "predict_proba",
    ),
    "significance": (
        lambda: significance_scorer("ams", b_reg=2.0, min_background=1.0),
        lambda y, s, w: best_significance(
            y, s, sample_weight=w, metric="ams", b_reg=2.0, min_background=1.0
        )[0],
        "decision_function",
    ),
    "rejection": (
        lambda: background_rejection_scorer(0.8),
        lambda y, s, w: background_rejection_at(y, s, 0.8, sample_weight=w),
        "decision_function",
    ),
}


@pytest.mark.parametrize("case", list(_CASES))
def test_scorers_in_cross_val_score_equal_the_metric_per_fold(case, data):
    X, y, _ = data
    make, metric, response = _CASES[case]
    got = cross_val_score(LogisticRegression(), X, y, scoring=make(), cv=CV)
    np.testing.assert_allclose(got, _manual(metric, X, y, response=response), rtol=1e-12)


def test_roc_auc_hep_scorer_equals_sklearn_roc_auc(data):
    X, y, _ = data
    ours = cross_val_score(LogisticRegression(), X, y, scoring=roc_auc_hep_scorer, cv=CV)
    theirs = cross_val_score(LogisticRegression(), X, y, scoring="roc_auc", cv=CV)
    np.testing.assert_allclose(ours, theirs, atol=1e-9)


@pytest.mark.parametrize("case", list(_CASES))
def test_weights_reach_scorers_through_metadata_routing(case, data):
    X, y, w = data
    make, metric, response = _CASES[case]
    with sklearn.config_context(enable_metadata_routing=True):
        model = LogisticRegression().set_fit_request(sample_weight=True)
        scorer = copy.deepcopy(make()).set_score_request(sample_weight=True)
        got = cross_val_score(model, X, y, scoring=scorer, params={"sample_weight": w}, cv=CV)
    want = _manual(metric, X, y, w, response=response)
    np.testing.assert_allclose(got, want, rtol=1e-12)
    # the weights change the score: they were really used
    assert not np.allclose(got, _manual(metric, X, y, response=response), rtol=1e-6)


def test_unrequested_weights_are_refused_and_module_scorers_stay_unrequested(data):
    X, y, w = data
    with sklearn.config_context(enable_metadata_routing=True):
        copy.deepcopy(roc_auc_hep_scorer).set_score_request(sample_weight=True)
        model = LogisticRegression().set_fit_request(sample_weight=True)
        with pytest.raises(UnsetMetadataPassedError, match="set_score_request"):
            cross_val_score(
                model, X, y, scoring=roc_auc_hep_scorer, params={"sample_weight": w}, cv=CV
            )


@pytest.mark.skipif(
    tuple(int(p) for p in sklearn.__version__.split(".")[:2]) < (1, 9),
    reason="GridSearchCV forwards sample_weight to scorers without routing as of 1.9",
)
def test_grid_search_without_routing_weights_fit_and_score(data):
    X, y, w = data
    search = GridSearchCV(
        LogisticRegression(), {"C": [1.0]}, scoring=background_rejection_scorer(0.8), cv=CV
    ).fit(X, y, sample_weight=w)
    want = _manual(lambda y_, s_, w_: background_rejection_at(y_, s_, 0.8, sample_weight=w_),
                   X, y, w)  # fmt: skip
    assert search.cv_results_["mean_test_score"][0] == pytest.approx(want.mean(), rel=1e-12)


def test_scorers_fall_back_to_the_available_classifier_output(data):
    X, y, _ = data
    # GaussianNB has no decision_function, LinearSVC no predict_proba.
    for model in (GaussianNB(), LinearSVC()):
        auc = cross_val_score(model, X, y, scoring=roc_auc_hep_scorer, cv=CV)
        np.testing.assert_allclose(auc, cross_val_score(model, X, y, scoring="roc_auc", cv=CV),
                                   atol=1e-9)  # fmt: skip
        for scorer in (separation_power_scorer, significance_scorer("ams"),
                       background_rejection_scorer(0.5)):  # fmt: skip
            scores = cross_val_score(model, X, y, scoring=scorer, cv=CV)
            assert np.isfinite(scores).all() and (scores > 0).all()


def test_scorers_pickle_for_parallel_search():
    scorers = [roc_auc_hep_scorer, separation_power_scorer,
               significance_scorer("s_over_sqrt_b"), background_rejection_scorer(0.3)]  # fmt: skip
    for scorer in scorers:
        assert repr(pickle.loads(pickle.dumps(scorer))) == repr(scorer)


def test_scorer_factories_validate_their_arguments():
    with pytest.raises(ValueError, match=r"metric must be one of \['asimov', 'ams', "):
        significance_scorer("Z")
    with pytest.raises(ValueError, match="min_background must be a finite number >= 0"):
        significance_scorer(min_background=-1.0)
    with pytest.raises(ValueError, match=r"signal_efficiency must be a number in \[0, 1\]"):
        background_rejection_scorer(1.5)
    assert significance_scorer() is not significance_scorer()  # a new scorer each call
