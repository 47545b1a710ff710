import numpy as np
import pandas as pd
import pytest
from scipy.stats import ks_2samp, norm, wasserstein_distance
from sklearn.linear_model import LogisticRegression
from sklearn.svm import LinearSVC

from skhep_models.baselines import xgboost_model
from skhep_models.metrics import (
    CORRELATION_METHODS,
    classifier_two_sample_auc,
    correlation_difference,
    correlation_distance,
    generative_report,
    ks_statistics,
    wasserstein_distances,
)


def _events(n, shift=0.0, rho=0.0, seed=0):
    """Three features: correlated Gaussians a, b (correlation rho) and an exponential c."""
    rng = np.random.default_rng(seed)
    ab = rng.multivariate_normal([shift, 0.0], [[1.0, rho], [rho, 1.0]], n)
    return pd.DataFrame({"a": ab[:, 0], "b": ab[:, 1], "c": rng.exponential(2.0, n)})


# A small, fast classifier for the two-sample tests.
_FAST_XGB = xgboost_model(n_estimators=40, max_depth=3, n_jobs=1, random_state=0)


# --------------------------------------------------------------------------------------------
# per-feature distances
# --------------------------------------------------------------------------------------------


def test_identical_samples_have_zero_distances_and_keep_the_column_names():
    real = _events(300)
    w = np.random.default_rng(1).exponential(1.0, 300)
    kwargs = dict(sample_weight_real=w, sample_weight_generated=w)
    wd = wasserstein_distances(real, real.copy(), **kwargs)
    ks = ks_statistics(real, real.copy(), **kwargs)
    assert list(wd.index) == list(ks.index) == ["a", "b", "c"]
    assert wd.name == "wasserstein" and ks.name == "ks"
    np.testing.assert_allclose(wd, 0.0, atol=1e-12)
    np.testing.assert_array_equal(ks, 0.0)
    np.testing.assert_allclose(correlation_difference(real, real, **kwargs), 0.0, atol=1e-12)


def test_a_shifted_sample_is_as_far_as_the_shift():
    real = _events(1000)
    shifted = real.assign(a=real["a"] + 0.7, c=real["c"] * 2.0)
    wd = wasserstein_distances(real, shifted)
    assert wd["a"] == pytest.approx(0.7, abs=1e-12)
    assert wd["b"] == 0.0
    # Scaling by 2 moves every quantile q to 2q: W = mean(c).
    assert wd["c"] == pytest.approx(real["c"].mean(), rel=1e-12)
    normalized = wasserstein_distances(real, shifted, normalize=True)
    assert normalized["a"] == pytest.approx(0.7 / real["a"].std(ddof=0), rel=1e-12)


def test_independent_shifted_gaussians_match_the_analytic_distances():
    d = 0.5
    real = _events(20000, seed=1)
    generated = _events(20000, shift=d, seed=2)
    assert wasserstein_distances(real, generated)["a"] == pytest.approx(d, abs=0.03)
    # Equal-width Gaussians: the ECDFs differ most half-way, sup |F - G| = 2 Phi(d/2) - 1.
    assert ks_statistics(real, generated)["a"] == pytest.approx(2 * norm.cdf(d / 2) - 1, abs=0.02)


def test_normalize_makes_the_distance_independent_of_the_units():
    real, generated = _events(500, seed=3), _events(500, shift=0.3, seed=4)
    in_mev = wasserstein_distances(real * 1000.0, generated * 1000.0, normalize=True)
    np.testing.assert_allclose(in_mev, wasserstein_distances(real, generated, normalize=True))
    # A constant real feature has no scale: it is divided by 1.
    real["b"], generated["b"] = 5.0, 6.0
    assert wasserstein_distances(real, generated, normalize=True)["b"] == pytest.approx(1.0)


def test_distances_agree_with_scipy():
    rng = np.random.default_rng(5)
    # Integer values: many ties within and across the samples.
    x, y = rng.poisson(4.0, 400).astype(float), rng.poisson(4.5, 300).astype(float)
    wx, wy = rng.exponential(1.0, 400), rng.exponential(1.0, 300)
    assert ks_statistics(x, y)[0] == pytest.approx(ks_2samp(x, y).statistic, abs=1e-15)
    u, v = rng.normal(size=250), rng.normal(0.2, 1.1, 180)
    assert ks_statistics(u, v)[0] == pytest.approx(ks_2samp(u, v).statistic, abs=1e-15)
    wd = wasserstein_distances(x, y, sample_weight_real=wx, sample_weight_generated=wy)
    assert wd[0] == pytest.approx(wasserstein_distance(x, y, wx, wy), rel=1e-12)


def test_integer_weights_equal_repeated_events():
    rng = np.random.default_rng(6)
    real, generated = _events(200, seed=7), _events(150, shift=0.4, rho=0.5, seed=8)
    w_real, w_generated = rng.integers(0, 4, 200), rng.integers(1, 4, 150)
    weighted = dict(sample_weight_real=w_real, sample_weight_generated=w_generated)
    real_rep = real.loc[real.index.repeat(w_real)]
    generated_rep = generated.loc[generated.index.repeat(w_generated)]
    for func in (wasserstein_distances, ks_statistics):
        np.testing.assert_allclose(
            func(real, generated, **weighted), func(real_rep, generated_rep), atol=1e-12
        )
    for method in CORRELATION_METHODS:
        np.testing.assert_allclose(
            correlation_difference(real, generated, method=method, **weighted),
            correlation_difference(real_rep, generated_rep, method=method),
            atol=1e-12,
        )
    pd.testing.assert_frame_equal(
        generative_report(real, generated, **weighted),
        generative_report(real_rep, generated_rep),
        atol=1e-12,
    )


def test_weights_shift_the_ks_statistic():
    # Generated ECDF with weights 3, 1 on the values 1, 2: 0.75 at 1 against real's 0.5.
    ks = ks_statistics([1.0, 2.0], [1.0, 2.0], sample_weight_generated=[3.0, 1.0])
    assert ks[0] == pytest.approx(0.25)
    # A zero-weight event is no event.
    ks = ks_statistics([1.0, 2.0], [1.0, 2.0, 10.0], sample_weight_generated=[1.0, 1.0, 0.0])
    assert ks[0] == 0.0


def test_report_collects_the_moments_and_distances():
    real, generated = _events(400, seed=9), _events(300, shift=0.5, seed=10)
    w = np.random.default_rng(11).exponential(1.0, 300)
    report = generative_report(real, generated, sample_weight_generated=w, normalize=True)
    assert list(report.columns) == [
        "mean_real",
        "mean_generated",
        "std_real",
        "std_generated",
        "wasserstein",
        "ks",
    ]
    assert list(report.index) == ["a", "b", "c"]
    np.testing.assert_allclose(report["mean_real"], real.mean())
    np.testing.assert_allclose(report["std_real"], real.std(ddof=0))
    np.testing.assert_allclose(report["mean_generated"], np.average(generated, axis=0, weights=w))
    pd.testing.assert_series_equal(
        report["wasserstein"],
        wasserstein_distances(real, generated, sample_weight_generated=w, normalize=True),
    )
    pd.testing.assert_series_equal(
        report["ks"], ks_statistics(real, generated, sample_weight_generated=w)
    )


# --------------------------------------------------------------------------------------------
# input handling
# --------------------------------------------------------------------------------------------


def test_dataframes_are_matched_by_name_and_arrays_by_position():
    real = _events(300, seed=12)
    generated = _events(300, shift=1.0, seed=13)
    by_name = wasserstein_distances(real, generated[["c", "a", "b"]])
    pd.testing.assert_series_equal(by_name, wasserstein_distances(real, generated))
    arrays = wasserstein_distances(real.to_numpy(), generated.to_numpy())
    assert list(arrays.index) == [0, 1, 2]
    np.testing.assert_array_equal(arrays, by_name)
    # One DataFrame names the features of an array of the same width.
    assert list(ks_statistics(real.to_numpy(), generated).index) == ["a", "b", "c"]
    # A named Series is one named feature.
    assert list(ks_statistics(real["a"], generated["a"]).index) == ["a"]


def test_mismatched_features_are_named():
    real = _events(50)
    with pytest.raises(ValueError, match=r"generated lacks \['c'\] and has \['d'\]"):
        wasserstein_distances(real, real.rename(columns={"c": "d"}))
    with pytest.raises(ValueError, match="same number of features; got 3 and 2"):
        ks_statistics(real.to_numpy(), real.to_numpy()[:, :2])
    with pytest.raises(ValueError, match=r"duplicate column names \['a'\]"):
        ks_statistics(real[["a", "a"]], real[["a", "b"]])
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['flavour'\]"):
        ks_statistics(real.assign(flavour="b"), real.assign(flavour="c"))


def test_bad_values_and_weights_are_reported():
    real = _events(50)
    nan = real.copy()
    nan.loc[7, "b"] = np.nan
    with pytest.raises(ValueError, match=r"generated\['b'\] contains 1 non-finite .* index 7"):
        wasserstein_distances(real, nan)
    nullable = real.assign(n=pd.array([1] * 49 + [None], dtype="Int64"))
    with pytest.raises(ValueError, match=r"real\['n'\] contains 1 non-finite"):
        ks_statistics(nullable, real.assign(n=1))
    with pytest.raises(ValueError, match=r"real is empty \(shape \(0, 3\)\)"):
        ks_statistics(real.iloc[:0], real)
    with pytest.raises(ValueError, match="must be 2-D"):
        ks_statistics(np.zeros((2, 2, 2)), np.zeros((2, 2, 2)))
    w = np.ones(50)
    w[3] = -1.0
    with pytest.raises(ValueError, match="sample_weight_generated: .* 1 negative weight"):
        ks_statistics(real, real, sample_weight_generated=w)
    with pytest.raises(ValueError, match="sample_weight_real: .* got 49 weights for 50 events"):
        generative_report(real, real, sample_weight_real=np.ones(49))
    with pytest.raises(ValueError, match="sample_weight_real sums to zero"):
        correlation_difference(real, real, sample_weight_real=np.zeros(50))
    with pytest.raises(ValueError, match=r"method must be one of \['pearson', 'spearman'\]"):
        correlation_difference(real, real, method="kendall")
    with pytest.raises(ValueError, match=r"norm must be one of \['frobenius', 'max'\]"):
        correlation_distance(real, real, norm="l1")


# --------------------------------------------------------------------------------------------
# correlations
# --------------------------------------------------------------------------------------------


def test_correlation_difference_of_known_gaussians():
    real = _events(20000, rho=0.8, seed=14)
    generated = _events(20000, rho=0.2, seed=15)
    diff = correlation_difference(real, generated)
    assert list(diff.index) == list(diff.columns) == ["a", "b", "c"]
    assert diff.loc["a", "b"] == pytest.approx(-0.6, abs=0.02)
    np.testing.assert_array_equal(np.diag(diff), 0.0)
    np.testing.assert_allclose(diff, diff.T, atol=1e-15)
    assert abs(diff.loc["a", "c"]) < 0.03
    # Gaussian rank correlation: rho_s = 6 / pi * arcsin(rho / 2).
    spearman = correlation_difference(real, generated, method="spearman")
    expected = 6 / np.pi * (np.arcsin(0.1) - np.arcsin(0.4))
    assert spearman.loc["a", "b"] == pytest.approx(expected, abs=0.02)
    # The summaries: the a-b pair dominates; it enters the Frobenius norm twice.
    off = diff.to_numpy()[np.triu_indices(3, 1)]
    max_distance = correlation_distance(real, generated, norm="max")
    assert max_distance == pytest.approx(np.abs(off).max())
    assert correlation_distance(real, generated) == pytest.approx(np.sqrt(2 * np.sum(off**2)))


def test_correlations_agree_with_pandas_and_numpy():
    rng = np.random.default_rng(16)
    real = pd.DataFrame({"x": rng.poisson(3, 300), "y": rng.normal(size=300)})
    real["z"] = real["x"] + rng.poisson(2, 300)  # ties in the ranks
    generated = real.sample(frac=1.0, random_state=0).reset_index(drop=True)
    generated["y"] = rng.normal(size=300) + 0.3 * generated["x"]
    for method in CORRELATION_METHODS:
        np.testing.assert_allclose(
            correlation_difference(real, generated, method=method),
            generated.corr(method) - real.corr(method),
            atol=1e-12,
        )
    w = rng.exponential(1.0, 300)
    cov = np.cov(generated.to_numpy().T, aweights=w)
    corr = cov / np.sqrt(np.outer(np.diag(cov), np.diag(cov)))
    np.testing.assert_allclose(
        correlation_difference(real, generated, sample_weight_generated=w),
        corr - real.corr(),
        atol=1e-12,
    )


def test_a_constant_feature_has_no_correlation():
    real = _events(100, seed=17)
    generated = real.assign(c=3.0)  # e.g. a collapsed generator
    diff = correlation_difference(real, generated)
    assert diff["c"].isna().all() and diff.loc["c"].isna().all()
    assert diff.loc["a", "b"] == pytest.approx(0.0, abs=1e-12)
    assert np.isnan(correlation_distance(real, generated))


# --------------------------------------------------------------------------------------------
# classifier two-sample test
# --------------------------------------------------------------------------------------------


def test_two_sample_auc_is_one_half_for_the_same_distribution():
    real, generated = _events(2000, rho=0.5, seed=18), _events(2000, rho=0.5, seed=19)
    auc = classifier_two_sample_auc(real, generated, random_state=0)  # the default XGBoost
    assert abs(auc - 0.5) < 0.05


def test_two_sample_auc_finds_different_distributions():
    real = _events(1000, seed=20)
    shifted = _events(1000, shift=3.0, seed=21)
    assert classifier_two_sample_auc(real, shifted, classifier=_FAST_XGB, random_state=0) > 0.9
    # Same marginals, different correlation: only a multivariate test sees it.
    correlated = _events(1000, rho=0.9, seed=22)
    auc = classifier_two_sample_auc(real, correlated, classifier=_FAST_XGB, random_state=0)
    assert auc > 0.65


def test_two_sample_auc_is_reproducible_and_independent_of_the_sample_normalisation():
    real, generated = _events(600, seed=23), _events(300, shift=0.5, seed=24)
    kwargs = dict(classifier=_FAST_XGB, random_state=3)
    auc = classifier_two_sample_auc(real, generated, **kwargs)
    assert auc == classifier_two_sample_auc(real, generated, **kwargs)
    # Each sample's weights are rescaled to the same training total; the AUC compares
    # every real with every generated event: a common factor per sample changes nothing.
    scaled = classifier_two_sample_auc(
        real, generated, sample_weight_generated=np.full(300, 7.0), **kwargs
    )
    assert scaled == pytest.approx(auc, abs=1e-12)
    assert not hasattr(_FAST_XGB, "classes_")  # cloned, not fitted in place


def test_two_sample_auc_with_other_classifiers():
    real, generated = _events(500, seed=25), _events(500, shift=2.0, seed=26)
    w = np.random.default_rng(27).exponential(1.0, 500)
    auc = classifier_two_sample_auc(
        real, generated, sample_weight_real=w, classifier=LogisticRegression(), random_state=0
    )
    assert auc > 0.8
    # decision_function where there is no predict_proba
    auc = classifier_two_sample_auc(real, generated, classifier=LinearSVC(), random_state=0)
    assert auc > 0.8


def test_two_sample_auc_rejects_a_split_without_one_sample():
    real, generated = _events(100, seed=28), _events(100, seed=29)
    w = np.zeros(100)
    w[0] = 1.0  # one real event of positive weight: it cannot be in both splits
    with pytest.raises(ValueError, match="split has no real events with positive weight"):
        classifier_two_sample_auc(
            real, generated, sample_weight_real=w, classifier=_FAST_XGB, random_state=0
        )
    with pytest.raises(ValueError, match="n_jobs must be an integer or None"):
        classifier_two_sample_auc(real, generated, n_jobs=1.5)
