"""SeparationPowerSelector: ranking, de-correlation, limits, weights, sklearn integration, errors."""

import re

import numpy as np
import pandas as pd
import pytest
from sklearn.base import clone
from sklearn.exceptions import NotFittedError
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.utils._param_validation import InvalidParameterError

from skhep_models.features import SeparationPowerSelector
from skhep_models.metrics import separation_power

N = 3000  # events per class


@pytest.fixture(scope="module")
def events():
    """Signal shifted by 0, 0.5 and 2 standard deviations; y = 1 for signal."""
    rng = np.random.default_rng(1)
    y = np.repeat([0, 1], N)
    X = pd.DataFrame({name: rng.normal(shift * y, 1.0) for name, shift in [("noise", 0.0), ("pt", 0.5), ("mass", 2.0)]})
    return X, y


# ---- ranking ---------------------------------------------------------------------------------


def test_ranking_follows_the_shifts(events):
    X, y = events
    sel = SeparationPowerSelector().fit(X, y)
    assert sel.separation_[0] < sel.separation_[1] < sel.separation_[2]
    assert sel.ranking_.tolist() == [3, 2, 1]
    assert sel.separation_[0] < 0.02  # no shift: only statistical fluctuations in 40 bins
    assert sel.separation_[2] > 0.5
    # nothing correlated, no limits: every feature kept, in input order
    assert sel.support_.all() and sel.dropped_ == {}
    assert sel.get_feature_names_out().tolist() == ["noise", "pt", "mass"]


def test_separation_is_the_metric_with_the_same_bins(events):
    X, y = events
    for bins in (40, 7):
        sel = SeparationPowerSelector(bins=bins).fit(X, y)
        expected = [separation_power(y, X[c], bins=bins) for c in X.columns]
        np.testing.assert_allclose(sel.separation_, expected, rtol=1e-12)
    assert SeparationPowerSelector(bins=2).fit(X, y).separation_[2] < sel.separation_[2] + 0.3


def test_ties_rank_in_input_order():
    X = np.zeros((4, 3))
    y = [0, 0, 1, 1]
    sel = SeparationPowerSelector().fit(X, y)
    assert sel.ranking_.tolist() == [1, 2, 3]


def test_constant_feature_has_zero_separation_and_correlation(events):
    X, y = events
    X = X.assign(run=7.0)
    sel = SeparationPowerSelector().fit(X, y)
    assert sel.separation_[3] == 0.0 and sel.ranking_[3] == 4
    assert np.isfinite(sel.correlation_).all()
    assert sel.correlation_[3, :3].tolist() == [0.0, 0.0, 0.0] and sel.correlation_[3, 3] == 1.0
    assert sel.support_[3]  # min_separation=0 keeps it
    sel = SeparationPowerSelector(min_separation=1e-6).fit(X, y)
    assert sel.dropped_ == {"run": "separation 0 below min_separation=1e-06"}


# ---- de-correlation --------------------------------------------------------------------------


def test_correlated_feature_dropped_in_favour_of_the_more_separating(events):
    X, y = events
    rng = np.random.default_rng(2)
    # placed before 'mass', so that column order would keep the wrong one
    X = X.assign(mass_smeared=X["mass"] + rng.normal(0, 0.3, len(y)))[["mass_smeared", "noise", "pt", "mass"]]
    sel = SeparationPowerSelector(max_correlation=0.9).fit(X, y)
    assert sel.separation_[0] < sel.separation_[3]
    assert sel.get_feature_names_out().tolist() == ["noise", "pt", "mass"]
    assert list(sel.dropped_) == ["mass_smeared"]
    r = sel.correlation_[0, 3]
    assert 0.9 < r < 1
    assert sel.dropped_["mass_smeared"] == f"correlated {r:.3f} with mass"
    # a looser threshold, or none, keeps both
    assert SeparationPowerSelector(max_correlation=0.99).fit(X, y).support_.all()
    assert SeparationPowerSelector(max_correlation=None).fit(X, y).support_.all()


def test_anticorrelation_and_exact_copies(events):
    X, y = events
    X = X.assign(minus_mass=-X["mass"], mass_copy=X["mass"])
    sel = SeparationPowerSelector().fit(X, y)
    np.testing.assert_allclose(sel.correlation_[2, 3:], [-1.0, 1.0])
    # equal separation: the first column is kept, the copies name it
    assert sel.get_feature_names_out().tolist() == ["noise", "pt", "mass"]
    assert sel.dropped_ == {"minus_mass": "correlated -1.000 with mass", "mass_copy": "correlated 1.000 with mass"}


def test_correlation_is_weighted_pearson(events):
    X, y = events
    w = np.random.default_rng(3).uniform(0.5, 2, len(y))
    sel = SeparationPowerSelector().fit(X, y, sample_weight=w)
    cov = np.cov(X.to_numpy().T, aweights=w)
    std = np.sqrt(np.diag(cov))
    np.testing.assert_allclose(sel.correlation_, cov / np.outer(std, std), atol=1e-12)


def test_greedy_compares_with_kept_features_only():
    # a ~ b and b ~ c, but a and c only weakly: dropping b in favour of a lets c stay
    rng = np.random.default_rng(4)
    y = np.repeat([0, 1], 2000)
    a = rng.normal(2.0 * y, 1.0)
    c = rng.normal(0.0, np.sqrt(2.0), len(y))  # var(a) = 1 + var(2 y) = 2 too
    b = a + c  # corr(a, b) ~ corr(b, c) ~ 1/sqrt(2), corr(a, c) ~ 0
    X = np.column_stack([a, b, c])
    sel = SeparationPowerSelector(max_correlation=0.6).fit(X, y)
    assert abs(sel.correlation_[0, 2]) < 0.1 and sel.correlation_[0, 1] > 0.6 and sel.correlation_[1, 2] > 0.6
    assert sel.support_.tolist() == [True, False, True]
    assert re.fullmatch(r"correlated 0\.\d{3} with x0", sel.dropped_["x1"])


# ---- n_features and min_separation -----------------------------------------------------------


def test_n_features_keeps_the_most_separating(events):
    X, y = events
    sel = SeparationPowerSelector(n_features=2).fit(X, y)
    assert sel.get_feature_names_out().tolist() == ["pt", "mass"]
    assert sel.dropped_ == {"noise": "beyond n_features=2"}
    assert SeparationPowerSelector(n_features=1).fit(X, y).get_feature_names_out().tolist() == ["mass"]
    assert SeparationPowerSelector(n_features=10).fit(X, y).support_.all()


def test_n_features_counts_after_decorrelation(events):
    X, y = events
    X = X.assign(mass_copy=X["mass"] * 2.0 + 1.0)
    sel = SeparationPowerSelector(n_features=2).fit(X, y)
    assert sel.get_feature_names_out().tolist() == ["pt", "mass"]
    assert sel.dropped_ == {"mass_copy": "correlated 1.000 with mass", "noise": "beyond n_features=2"}


def test_min_separation(events):
    X, y = events
    sel = SeparationPowerSelector(min_separation=0.03).fit(X, y)
    assert sel.get_feature_names_out().tolist() == ["pt", "mass"]
    (reason,) = sel.dropped_.values()
    assert re.fullmatch(r"separation 0\.0\d+ below min_separation=0\.03", reason)
    with pytest.raises(ValueError, match=r"No feature reaches min_separation=0\.9: the most separating, 'mass', has 0\.\d+"):
        SeparationPowerSelector(min_separation=0.9).fit(X, y)


# ---- event weights ---------------------------------------------------------------------------


def test_integer_weights_equal_repeated_events(events):
    X, y = events
    X = X.iloc[::10].reset_index(drop=True)
    y = y[::10]
    w = np.random.default_rng(5).integers(0, 4, len(y))
    weighted = SeparationPowerSelector(max_correlation=0.05).fit(X, y, sample_weight=w)
    repeated = SeparationPowerSelector(max_correlation=0.05).fit(X.loc[X.index.repeat(w)], np.repeat(y, w))
    np.testing.assert_allclose(weighted.separation_, repeated.separation_, rtol=1e-12)
    np.testing.assert_allclose(weighted.correlation_, repeated.correlation_, atol=1e-12)
    assert weighted.dropped_ == repeated.dropped_
    assert weighted.support_.tolist() == repeated.support_.tolist()
    # and they do change the result
    unweighted = SeparationPowerSelector().fit(X, y)
    assert not np.allclose(weighted.separation_, unweighted.separation_)


def test_weights_can_reverse_the_ranking():
    # 'a' separates in the low-weight events, 'b' in the high-weight ones
    rng = np.random.default_rng(6)
    y = np.tile([0, 1], 2000)
    half = np.arange(len(y)) < len(y) // 2
    a = rng.normal(np.where(half, 2.0 * y, 0.0), 1.0)
    b = rng.normal(np.where(half, 0.0, 2.0 * y), 1.0)
    X = np.column_stack([a, b])
    assert SeparationPowerSelector().fit(X, y, sample_weight=np.where(half, 10.0, 1.0)).ranking_.tolist() == [1, 2]
    assert SeparationPowerSelector().fit(X, y, sample_weight=np.where(half, 1.0, 10.0)).ranking_.tolist() == [2, 1]


# ---- pandas, names, pipelines ----------------------------------------------------------------


def test_pandas_output_keeps_names_and_dtypes(events):
    X, y = events
    X = X.assign(n_jets=np.arange(len(y)) % 5, mass_copy=X["mass"])
    sel = SeparationPowerSelector().set_output(transform="pandas")
    out = sel.fit_transform(X, y)
    assert isinstance(out, pd.DataFrame)
    assert out.columns.tolist() == ["noise", "pt", "mass", "n_jets"]
    assert out.columns.tolist() == sel.get_feature_names_out().tolist()
    assert out["n_jets"].dtype == X["n_jets"].dtype
    pd.testing.assert_frame_equal(out, X[out.columns.tolist()])
    assert sel.feature_names_in_.tolist() == X.columns.tolist()
    assert list(sel.dropped_) == ["mass_copy"]


def test_numpy_input_names_and_float32(events):
    X, y = events
    X = np.column_stack([X.to_numpy(), X["mass"].to_numpy()]).astype(np.float32)
    sel = SeparationPowerSelector()
    out = sel.fit_transform(X, y)
    assert out.dtype == np.float32 and out.shape == (len(y), 3)
    assert sel.get_feature_names_out().tolist() == ["x0", "x1", "x2"]
    assert list(sel.dropped_) == ["x3"]
    assert sel.get_feature_names_out(["a", "b", "c", "d"]).tolist() == ["a", "b", "c"]
    np.testing.assert_array_equal(sel.inverse_transform(out)[:, 3], 0.0)


def test_string_labels_larger_is_signal(events):
    X, y = events
    labels = np.where(y == 1, "s", "b")  # the ATLAS Higgs challenge labels
    sel = SeparationPowerSelector().fit(X, labels)
    assert sel.classes_.tolist() == ["b", "s"]
    np.testing.assert_allclose(sel.separation_, SeparationPowerSelector().fit(X, y).separation_)


def test_in_a_pipeline_before_logistic_regression(events):
    X, y = events
    X = X.assign(mass_smeared=X["mass"] + np.random.default_rng(7).normal(0, 0.3, len(y)))
    pipe = make_pipeline(SeparationPowerSelector(n_features=2), LogisticRegression())
    pipe.set_output(transform="pandas").fit(X, y)
    assert pipe[-1].n_features_in_ == 2
    assert pipe[-1].feature_names_in_.tolist() == ["pt", "mass"]
    assert pipe.score(X, y) > 0.8
    assert pipe.predict_proba(X.iloc[:5]).shape == (5, 2)
    # the clone is unfitted with the same parameters
    fresh = clone(pipe)
    assert fresh.get_params()["separationpowerselector__n_features"] == 2
    with pytest.raises(NotFittedError):
        fresh[0].transform(X)


# ---- bad input -------------------------------------------------------------------------------


def test_one_class_is_rejected(events):
    X, _ = events
    with pytest.raises(ValueError, match=r"y has only one class \(1\): SeparationPowerSelector needs both signal and background"):
        SeparationPowerSelector().fit(X, np.ones(len(X), dtype=int))


def test_more_than_two_classes_are_rejected(events):
    X, y = events
    y3 = y + (np.arange(len(y)) % 2) * (y == 0) * 2  # background split into 0 and 2
    with pytest.raises(ValueError, match=r"needs two classes, but y has 3 classes \[0, 1, 2\] \(multiclass\)"):
        SeparationPowerSelector().fit(X, y3)


def test_continuous_target_is_rejected(events):
    X, y = events
    with pytest.raises(ValueError, match="Unknown label type"):
        SeparationPowerSelector().fit(X, y + np.linspace(0, 0.5, len(y)))


def test_nan_is_rejected(events):
    X, y = events
    X = X.copy()
    X.iloc[3, 1] = np.nan
    with pytest.raises(ValueError, match="Input X contains NaN"):
        SeparationPowerSelector().fit(X, y)


def test_bad_weights_are_rejected(events):
    X, y = events
    w = np.ones(len(y))
    w[0] = -1.0
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        SeparationPowerSelector().fit(X, y, sample_weight=w)
    with pytest.raises(ValueError, match=r"class 1 all have zero sample_weight"):
        SeparationPowerSelector().fit(X, y, sample_weight=(y == 0).astype(float))
    with pytest.raises(ValueError, match="sample_weight"):
        SeparationPowerSelector().fit(X, y, sample_weight=np.ones(3))


@pytest.mark.parametrize(
    "params",
    [{"max_correlation": 1.5}, {"max_correlation": -0.1}, {"n_features": 0}, {"min_separation": -0.1}, {"bins": 0}, {"bins": 2.5}],
)
def test_invalid_parameters(events, params):
    X, y = events
    with pytest.raises(InvalidParameterError):
        SeparationPowerSelector(**params).fit(X, y)


def test_transform_checks_the_columns(events):
    X, y = events
    sel = SeparationPowerSelector()
    with pytest.raises(NotFittedError):
        sel.transform(X)
    sel.fit(X.to_numpy(), y)
    with pytest.raises(ValueError, match="X has 2 features, but SeparationPowerSelector is expecting 3"):
        sel.transform(X.to_numpy()[:, :2])
    sel.fit(X, y)
    with pytest.raises(ValueError, match="feature names"):
        sel.transform(X.rename(columns={"pt": "PT"}))
