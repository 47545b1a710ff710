"""Hadronic-recoil metrics: known answers, weights, per-bin tables, the scorer and errors."""

import numpy as np
import pandas as pd
import pytest
import sklearn
from sklearn.linear_model import Ridge
from sklearn.model_selection import GridSearchCV

from skhep_models.metrics import (
    RECOIL_RESOLUTION_ESTIMATORS,
    recoil_components,
    recoil_metrics_by_bin,
    recoil_resolution,
    recoil_resolution_scorer,
    recoil_response,
)


def _recoils(n=2000, seed=0, pt_scale=20.0):
    """True recoils with isotropic directions and pT of a few tens of GeV."""
    rng = np.random.default_rng(seed)
    pt = rng.exponential(pt_scale, n) + 0.5
    phi = rng.uniform(-np.pi, np.pi, n)
    return np.c_[pt * np.cos(phi), pt * np.sin(phi)], rng


def _rotate(u, angle):
    c, s = np.cos(angle), np.sin(angle)
    return np.c_[c * u[:, 0] - s * u[:, 1], s * u[:, 0] + c * u[:, 1]]


# ------------------------------------------------------------------------------------------
# recoil_components
# ------------------------------------------------------------------------------------------


def test_scaled_estimate_has_parallel_component_scaled_and_no_perp():
    u_true, _ = _recoils(200)
    u_par, u_perp, pt = recoil_components(u_true, 0.8 * u_true)
    np.testing.assert_allclose(pt, np.hypot(u_true[:, 0], u_true[:, 1]))
    np.testing.assert_allclose(u_par, 0.8 * pt)
    np.testing.assert_allclose(u_perp, 0.0, atol=1e-12)


@pytest.mark.parametrize("angle", [0.05, -0.05, np.pi / 2, 2.0])
def test_rotation_gives_perp_sin_and_parallel_cos_counter_clockwise_positive(angle):
    u_true, _ = _recoils(200)
    u_par, u_perp, pt = recoil_components(u_true, _rotate(u_true, angle))
    np.testing.assert_allclose(u_par, pt * np.cos(angle), atol=1e-10)
    np.testing.assert_allclose(u_perp, pt * np.sin(angle), atol=1e-10)


def test_components_by_hand_and_opposite_estimate():
    u_par, u_perp, pt = recoil_components(
        [[3.0, 4.0], [0.0, -2.0]], [[-3.0, -4.0], [1.0, 0.0]]
    )
    np.testing.assert_allclose(pt, [5.0, 2.0])
    np.testing.assert_allclose(u_par, [-5.0, 0.0])
    # u_hat = (0, -1): z x u_hat = (1, 0), so (1, 0) is +1 across.
    np.testing.assert_allclose(u_perp, [0.0, 1.0], atol=1e-12)


def test_components_do_not_depend_on_the_frame():
    u_true, rng = _recoils(300)
    u_pred = u_true + rng.normal(0, 5, u_true.shape)
    want = recoil_components(u_true, u_pred)
    got = recoil_components(_rotate(u_true, 1.234), _rotate(u_pred, 1.234))
    for a, b in zip(got, want):
        np.testing.assert_allclose(a, b, atol=1e-10)


def test_components_accept_dataframes_matched_by_position():
    u_true, rng = _recoils(50)
    u_pred = u_true + rng.normal(0, 5, u_true.shape)
    frame_true = pd.DataFrame(u_true, columns=["ux", "uy"], index=np.arange(50)[::-1])
    frame_pred = pd.DataFrame(u_pred, columns=["a", "b"])
    for a, b in zip(recoil_components(frame_true, frame_pred), recoil_components(u_true, u_pred)):
        np.testing.assert_array_equal(a, b)


# ------------------------------------------------------------------------------------------
# recoil_response
# ------------------------------------------------------------------------------------------


def test_response_of_a_scaled_estimate_is_the_scale():
    u_true, rng = _recoils()
    assert recoil_response(u_true, 0.8 * u_true) == pytest.approx(0.8, rel=1e-12)
    w = rng.exponential(1.0, len(u_true))
    assert recoil_response(u_true, 0.8 * u_true, sample_weight=w) == pytest.approx(0.8)
    # A rotation leaves |u| but shrinks the projection.
    assert recoil_response(u_true, _rotate(u_true, 0.1)) == pytest.approx(np.cos(0.1))


def test_response_is_a_ratio_of_means_not_a_mean_of_ratios():
    u_true = [[1.0, 0.0], [99.0, 0.0]]
    u_pred = [[3.0, 0.0], [99.0, 0.0]]  # ratios 3 and 1, means 51 and 50
    assert recoil_response(u_true, u_pred) == pytest.approx(51 / 50)


def test_response_weights_equal_duplicated_events():
    u_true = np.array([[10.0, 0.0], [0.0, 30.0], [-5.0, 5.0]])
    u_pred = np.array([[12.0, 1.0], [0.0, 24.0], [-4.0, 3.0]])
    duplicated = recoil_response(u_true[[0, 0, 1, 2]], u_pred[[0, 0, 1, 2]])
    weighted = recoil_response(u_true, u_pred, sample_weight=[2, 1, 1])
    assert weighted == pytest.approx(duplicated, rel=1e-14)
    assert weighted != pytest.approx(recoil_response(u_true, u_pred))
    # Zero weight is the same as leaving the event out.
    assert recoil_response(u_true, u_pred, sample_weight=[1, 1, 0]) == pytest.approx(
        recoil_response(u_true[:2], u_pred[:2]), rel=1e-14
    )


# ------------------------------------------------------------------------------------------
# recoil_resolution
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize("estimator", RECOIL_RESOLUTION_ESTIMATORS)
def test_isotropic_gaussian_noise_gives_its_sigma_in_both_components(estimator):
    u_true, rng = _recoils(20000, seed=1)
    s = 6.0
    u_pred = u_true + rng.normal(0, s, u_true.shape)
    sigma_par, sigma_perp = recoil_resolution(u_true, u_pred, estimator=estimator)
    # Statistical precision of a width from 20000 events: ~0.5% (std) to ~1% (quantiles).
    assert sigma_par == pytest.approx(s, rel=0.04)
    assert sigma_perp == pytest.approx(s, rel=0.04)


def test_resolution_by_hand_and_response_correction():
    u_true = [[10.0, 0.0], [10.0, 0.0], [0.0, 20.0], [0.0, 20.0]]
    u_pred = [[9.0, 2.0], [11.0, -2.0], [0.0, 19.0], [0.0, 21.0]]
    sigma_par, sigma_perp = recoil_resolution(u_true, u_pred)
    assert sigma_par == pytest.approx(1.0)
    assert sigma_perp == pytest.approx(np.sqrt(2.0))
    # iqr68 of [-1, 1, -1, 1]: the 15.9% quantile is -1, the 84.1% one is 1.
    assert recoil_resolution(u_true, u_pred, estimator="iqr68") == pytest.approx((1.0, 2.0))

    half = np.array([[4.0, 1.0], [6.0, -1.0]])  # response 0.5, widths 1 and 1
    assert recoil_resolution([[10.0, 0.0], [10.0, 0.0]], half) == pytest.approx((1.0, 1.0))
    corrected = recoil_resolution([[10.0, 0.0], [10.0, 0.0]], half, correct_response=True)
    assert corrected == pytest.approx((2.0, 2.0))


def test_pure_rotation_resolution_is_the_spread_of_pt_sin_angle():
    u_true, _ = _recoils(500)
    pt = np.hypot(u_true[:, 0], u_true[:, 1])
    sigma_par, sigma_perp = recoil_resolution(u_true, _rotate(u_true, 0.1))
    assert sigma_perp == pytest.approx(np.std(pt * np.sin(0.1)), rel=1e-10)
    assert sigma_par == pytest.approx(np.std(pt * (np.cos(0.1) - 1)), rel=1e-10)


@pytest.mark.parametrize("estimator", RECOIL_RESOLUTION_ESTIMATORS)
def test_resolution_weights_equal_duplicated_events(estimator):
    u_true, rng = _recoils(41, seed=3)
    u_pred = u_true + rng.normal(0, 5, u_true.shape)
    counts = rng.integers(0, 4, len(u_true))
    repeated = np.repeat(np.arange(len(u_true)), counts)
    duplicated = recoil_resolution(u_true[repeated], u_pred[repeated], estimator=estimator)
    weighted = recoil_resolution(u_true, u_pred, sample_weight=counts, estimator=estimator)
    assert weighted == pytest.approx(duplicated, rel=1e-12)
    unweighted = recoil_resolution(u_true, u_pred, estimator=estimator)
    assert weighted[0] != pytest.approx(unweighted[0])
    assert weighted[1] != pytest.approx(unweighted[1])


def test_weights_shift_the_resolution_towards_the_heavy_events():
    u_true, rng = _recoils(4000, seed=4)
    noisy = np.arange(len(u_true)) % 2 == 0
    s = np.where(noisy, 10.0, 2.0)[:, None]
    u_pred = u_true + rng.normal(0, 1, u_true.shape) * s
    w = np.where(noisy, 1e-3, 1.0)  # nearly only the precise half counts
    _, sigma_perp = recoil_resolution(u_true, u_pred, sample_weight=w)
    assert sigma_perp == pytest.approx(2.0, rel=0.1)
    assert recoil_resolution(u_true, u_pred)[1] > 5.0


def test_iqr68_ignores_tails_that_inflate_the_std():
    u_true, rng = _recoils(10000, seed=5)
    u_pred = u_true + rng.normal(0, 4, u_true.shape)
    u_pred[::100] += 500.0  # 1% of wild mismeasurements
    std = recoil_resolution(u_true, u_pred)
    robust = recoil_resolution(u_true, u_pred, estimator="iqr68")
    assert min(std) > 20.0
    assert robust == pytest.approx((4.0, 4.0), rel=0.06)


def test_resolution_corrected_is_nan_without_positive_response():
    u_true, _ = _recoils(100)
    sigma = recoil_resolution(u_true, -u_true, correct_response=True)
    assert np.isnan(sigma).all()
    # Predicting no recoil at all: perfect perpendicular "resolution", undefined once corrected.
    zero = np.zeros_like(u_true)
    assert recoil_resolution(u_true, zero)[1] == 0.0
    assert np.isnan(recoil_resolution(u_true, zero, correct_response=True)).all()


def test_single_event_has_zero_width():
    assert recoil_resolution([[3.0, 4.0]], [[1.0, 1.0]]) == (0.0, 0.0)
    assert recoil_resolution([[3.0, 4.0]], [[1.0, 1.0]], estimator="iqr68") == (0.0, 0.0)


# ------------------------------------------------------------------------------------------
# recoil_metrics_by_bin
# ------------------------------------------------------------------------------------------


def test_table_structure_counts_and_weights_in_pt_bins():
    u_true, rng = _recoils(3000, seed=6)
    u_pred = 0.9 * u_true + rng.normal(0, 5, u_true.shape)
    w = rng.exponential(1.0, len(u_true))
    edges = [0, 10, 20, 40, 80, np.inf]
    table = recoil_metrics_by_bin(u_true, u_pred, "pt", edges, sample_weight=w)

    assert isinstance(table.index, pd.IntervalIndex)
    assert table.index.closed == "left" and table.index.name == "pt_true"
    np.testing.assert_array_equal(table.index.left, edges[:-1])
    np.testing.assert_array_equal(table.index.right, edges[1:])
    assert list(table.columns) == [
        "response",
        "sigma_parallel",
        "sigma_perp",
        "n_events",
        "sum_weights",
        "variable_mean",
    ]
    pt = np.hypot(u_true[:, 0], u_true[:, 1])
    counts, _ = np.histogram(pt, bins=edges)
    sums, _ = np.histogram(pt, bins=edges, weights=w)
    np.testing.assert_array_equal(table["n_events"], counts)
    np.testing.assert_allclose(table["sum_weights"], sums)
    assert table["n_events"].dtype == np.int64

    for (lo, hi), row in zip(zip(edges[:-1], edges[1:]), table.itertuples()):
        sel = (pt >= lo) & (pt < hi)
        assert row.response == pytest.approx(
            recoil_response(u_true[sel], u_pred[sel], sample_weight=w[sel]), rel=1e-12
        )
        assert (row.sigma_parallel, row.sigma_perp) == pytest.approx(
            recoil_resolution(u_true[sel], u_pred[sel], sample_weight=w[sel]), rel=1e-12
        )
        assert row.variable_mean == pytest.approx(np.average(pt[sel], weights=w[sel]))
        assert lo <= row.variable_mean < hi


def test_table_in_pileup_bins_with_corrected_and_robust_widths():
    u_true, rng = _recoils(2000, seed=7)
    mu = pd.Series(rng.integers(0, 60, len(u_true)), name="mu")
    # Resolution degrading with pile-up.
    u_pred = 0.8 * u_true + rng.normal(0, 1, u_true.shape) * (2 + 0.2 * mu.to_numpy())[:, None]
    table = recoil_metrics_by_bin(
        u_true, u_pred, mu, [0, 20, 40, 60], estimator="iqr68", correct_response=True
    )
    assert table.index.name == "mu"
    assert list(table.columns[:5]) == [
        "response",
        "sigma_parallel",
        "sigma_perp",
        "sigma_parallel_corrected",
        "sigma_perp_corrected",
    ]
    assert np.all(np.diff(table["sigma_perp"]) > 0)
    np.testing.assert_allclose(table["response"], 0.8, rtol=0.05)
    np.testing.assert_allclose(
        table["sigma_perp_corrected"], table["sigma_perp"] / table["response"]
    )
    sel = (mu >= 20) & (mu < 40)
    want = recoil_resolution(u_true[sel], u_pred[sel], estimator="iqr68", correct_response=True)
    assert tuple(table.iloc[1][["sigma_parallel_corrected", "sigma_perp_corrected"]]) == (
        pytest.approx(want)
    )
    unnamed = recoil_metrics_by_bin(u_true, u_pred, mu.to_numpy(), [0, 60])
    assert unnamed.index.name == "variable"


def test_bins_are_left_closed_and_outside_events_are_left_out():
    u_true = np.array([[10.0, 0.0], [0.0, 20.0], [30.0, 0.0], [5.0, 0.0]])
    u_pred = u_true.copy()
    table = recoil_metrics_by_bin(u_true, u_pred, "pt", [10, 20, 30])
    # 10 -> [10, 20), 20 -> [20, 30), 30 (the last edge) and 5 are outside.
    np.testing.assert_array_equal(table["n_events"], [1, 1])
    np.testing.assert_array_equal(table["variable_mean"], [10.0, 20.0])


def test_empty_and_weightless_bins_give_nan_rows_not_errors():
    u_true = np.array([[5.0, 0.0], [15.0, 0.0], [0.0, 25.0]])
    u_pred = 0.9 * u_true
    table = recoil_metrics_by_bin(
        u_true, u_pred, "pt", [0, 10, 20, 30, 40], sample_weight=[1.0, 0.0, 2.0],
        correct_response=True,
    )
    np.testing.assert_array_equal(table["n_events"], [1, 1, 1, 0])
    np.testing.assert_array_equal(table["sum_weights"], [1.0, 0.0, 2.0, 0.0])
    metric_columns = [c for c in table.columns if c not in ("n_events", "sum_weights")]
    assert table.iloc[[1, 3]][metric_columns].isna().all().all()
    assert table.iloc[[0, 2]][metric_columns].notna().all().all()
    np.testing.assert_allclose(table["response"].iloc[[0, 2]], 0.9)


def test_table_weights_equal_duplicated_events():
    u_true, rng = _recoils(300, seed=8)
    u_pred = u_true + rng.normal(0, 5, u_true.shape)
    counts = rng.integers(0, 3, len(u_true))
    repeated = np.repeat(np.arange(len(u_true)), counts)
    edges = [0, 15, 30, np.inf]
    weighted = recoil_metrics_by_bin(u_true, u_pred, "pt", edges, sample_weight=counts)
    duplicated = recoil_metrics_by_bin(u_true[repeated], u_pred[repeated], "pt", edges)
    columns = ["response", "sigma_parallel", "sigma_perp", "sum_weights", "variable_mean"]
    pd.testing.assert_frame_equal(weighted[columns], duplicated[columns], rtol=1e-12)


# ------------------------------------------------------------------------------------------
# scorer
# ------------------------------------------------------------------------------------------


def _regression_problem(n=600, seed=9):
    u_true, rng = _recoils(n, seed=seed)
    X = np.c_[0.7 * u_true + rng.normal(0, 4, u_true.shape), rng.normal(size=(n, 3))]
    return X, u_true, rng


@pytest.mark.parametrize("component", ["both", "parallel", "perp"])
@pytest.mark.parametrize("correct_response", [True, False])
def test_scorer_is_minus_the_resolution(component, correct_response):
    X, u_true, rng = _regression_problem()
    w = rng.exponential(1.0, len(u_true))
    model = Ridge().fit(X, u_true)
    scorer = recoil_resolution_scorer(component, correct_response=correct_response)
    sigma_par, sigma_perp = recoil_resolution(
        u_true, model.predict(X), sample_weight=w, correct_response=correct_response
    )
    want = {"both": np.hypot(sigma_par, sigma_perp), "parallel": sigma_par, "perp": sigma_perp}
    assert scorer(model, X, u_true, sample_weight=w) == pytest.approx(-want[component])
    assert scorer(model, X, u_true) != pytest.approx(-want[component])


def test_scorer_selects_the_better_regressor_in_a_grid_search():
    X, u_true, _ = _regression_problem()
    search = GridSearchCV(
        Ridge(), {"alpha": [1e-3, 1e5]}, scoring=recoil_resolution_scorer(estimator="iqr68"), cv=3
    )
    search.fit(X, u_true)
    assert search.best_params_ == {"alpha": 1e-3}
    assert (search.cv_results_["mean_test_score"] < 0).all()


def test_uncorrected_perp_scorer_rewards_shrinking_the_estimate_and_the_default_does_not():
    X, u_true, _ = _regression_problem()
    grid = {"alpha": [1e-3, 1e6]}  # the large alpha shrinks predictions towards zero
    for correct_response, best in [(True, 1e-3), (False, 1e6)]:
        scorer = recoil_resolution_scorer("perp", correct_response=correct_response)
        search = GridSearchCV(Ridge(), grid, scoring=scorer, cv=3).fit(X, u_true)
        assert search.best_params_ == {"alpha": best}


def test_scorer_takes_routed_weights():
    X, u_true, rng = _regression_problem()
    w = rng.exponential(1.0, len(u_true))
    with sklearn.config_context(enable_metadata_routing=True):
        scorer = recoil_resolution_scorer("perp").set_score_request(sample_weight=True)
        search = GridSearchCV(
            Ridge().set_fit_request(sample_weight=False), {"alpha": [1.0]}, scoring=scorer, cv=2
        )
        search.fit(X, u_true, sample_weight=w)
    assert np.isfinite(search.best_score_)


# ------------------------------------------------------------------------------------------
# errors
# ------------------------------------------------------------------------------------------

U2 = np.array([[10.0, 0.0], [0.0, 20.0], [5.0, 5.0]])


@pytest.mark.parametrize(
    ("u_true", "u_pred", "match"),
    [
        (np.ones((3, 3)), U2, r"u_true must have shape \(n_events, 2\).*\(3, 3\)"),
        (U2, np.ones((3, 3)), r"u_pred must have shape \(n_events, 2\).*\(3, 3\)"),
        (U2[:, 0], U2, r"u_true must have shape \(n_events, 2\).*\(3,\)"),
        (U2, U2[:2], "u_true and u_pred must hold the same events; got 3 and 2"),
        (np.empty((0, 2)), np.empty((0, 2)), "empty"),
        ([[1.0, np.nan], [1.0, 1.0], [2.0, 2.0]], U2, r"u_true\[:, 1\] \(y\).*NaN"),
        (U2, [[1.0, 1.0], [np.inf, 1.0], [2.0, 2.0]], r"u_pred\[:, 0\] \(x\).*infinite"),
        ([[1.0, 1.0], [0.0, 0.0], [0.0, 0.0]], U2, r"zero vector in 2 event\(s\).*index 1"),
        ([["a", "b"]] * 3, U2, "could not convert"),
    ],
)
def test_invalid_recoils_are_rejected_by_every_function(u_true, u_pred, match):
    for call in (
        lambda: recoil_components(u_true, u_pred),
        lambda: recoil_response(u_true, u_pred),
        lambda: recoil_resolution(u_true, u_pred),
        lambda: recoil_metrics_by_bin(u_true, u_pred, "pt", [0, 100]),
    ):
        with pytest.raises(ValueError, match=match):
            call()


@pytest.mark.parametrize(
    ("weights", "match"),
    [
        ([1.0, -0.5, 1.0], r"1 negative weight\(s\) \(minimum -0.5\)"),
        ([1.0, 1.0], "one weight per event; got 2 weights for 3 events"),
        ([1.0, np.nan, 1.0], "sample_weight contains 1 non-finite"),
        ([[1.0, 1.0, 1.0]], "sample_weight must be 1-D"),
    ],
)
def test_invalid_weights_are_rejected(weights, match):
    for call in (
        lambda: recoil_response(U2, U2, sample_weight=weights),
        lambda: recoil_resolution(U2, U2, sample_weight=weights),
        lambda: recoil_metrics_by_bin(U2, U2, "pt", [0, 100], sample_weight=weights),
    ):
        with pytest.raises(ValueError, match=match):
            call()


def test_all_zero_weights_are_an_error_for_the_overall_metrics():
    for call in (recoil_response, recoil_resolution):
        with pytest.raises(ValueError, match="sums to zero"):
            call(U2, U2, sample_weight=[0.0, 0.0, 0.0])


@pytest.mark.parametrize(
    ("variable", "bins", "match"),
    [
        ("mu", [0, 10], "or 'pt' for the true recoil pT; got the string 'mu'"),
        ([1.0, 2.0], [0, 10], "one value per event; got 2 values for 3 events"),
        ([1.0, np.nan, 2.0], [0, 10], "variable contains 1 non-finite"),
        ("pt", [0, 10, 5], "strictly increasing"),
        ("pt", [0], "at least two"),
        ("pt", [0, np.nan, 10], "no NaN"),
        ("pt", 10, "array of increasing bin edges"),
        ("pt", "auto", "array of increasing bin edges"),
    ],
)
def test_invalid_variable_or_bins(variable, bins, match):
    with pytest.raises(ValueError, match=match):
        recoil_metrics_by_bin(U2, U2, variable, bins)


def test_unknown_options_are_rejected():
    with pytest.raises(ValueError, match=r"estimator must be one of \['std', 'iqr68'\]"):
        recoil_resolution(U2, U2, estimator="mad")
    with pytest.raises(ValueError, match="estimator must be one of"):
        recoil_metrics_by_bin(U2, U2, "pt", [0, 100], estimator=None)
    with pytest.raises(ValueError, match=r"component must be one of \['both', 'parallel'"):
        recoil_resolution_scorer("x")
    with pytest.raises(ValueError, match="estimator must be one of"):
        recoil_resolution_scorer(estimator="rms")
