"""HEP-form ROC, working points and per-parameter metrics: hand values, weights, sklearn, errors."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import (
    accuracy_score,
    cohen_kappa_score,
    f1_score,
    precision_score,
    recall_score,
    roc_auc_score,
    roc_curve,
)

from skhep_models.metrics import (
    PARAMETER_METRICS,
    background_rejection_at,
    metrics_by_parameter,
    roc_curve_hep,
    threshold_at_signal_efficiency,
)

# Six events, cut at 0.5: TP = 2 (0.9, 0.8), FN = 1 (0.3), FP = 1 (0.7), TN = 2 (0.2, 0.1).
Y6 = np.array([1, 1, 1, 0, 0, 0])
S6 = np.array([0.9, 0.8, 0.3, 0.7, 0.2, 0.1])


def _random_sample(n=300, seed=0, ties=False):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    score = rng.normal(y, 1.0)
    if ties:
        score = np.round(score, 1)
    weight = rng.exponential(1.0, n)
    return y, score, weight


# ------------------------------------------------------------------------------------------
# roc_curve_hep
# ------------------------------------------------------------------------------------------


def test_roc_curve_hep_by_hand():
    eff_s, rej_b, thr = roc_curve_hep(Y6, S6)
    # Cuts from the top: signal, signal, background, signal, background, background.
    np.testing.assert_allclose(eff_s, [0, 1 / 3, 2 / 3, 2 / 3, 1, 1, 1])
    np.testing.assert_allclose(rej_b, [1, 1, 1, 2 / 3, 2 / 3, 1 / 3, 0])
    np.testing.assert_array_equal(thr, [np.inf, 0.9, 0.8, 0.7, 0.3, 0.2, 0.1])


@pytest.mark.parametrize("ties", [False, True])
@pytest.mark.parametrize("weighted", [False, True])
def test_roc_curve_hep_is_sklearn_roc_in_hep_form_and_its_area_is_the_auc(ties, weighted):
    y, score, w = _random_sample(ties=ties)
    w = w if weighted else None
    eff_s, rej_b, thr = roc_curve_hep(y, score, sample_weight=w)
    fpr, tpr, thr_sk = roc_curve(y, score, sample_weight=w, drop_intermediate=False)
    np.testing.assert_array_equal(eff_s, tpr)
    np.testing.assert_array_equal(rej_b, 1 - fpr)
    np.testing.assert_array_equal(thr, thr_sk)
    assert np.all(np.diff(eff_s) >= 0) and np.all(np.diff(rej_b) <= 0)
    auc = np.trapezoid(rej_b, eff_s)
    assert auc == pytest.approx(roc_auc_score(y, score, sample_weight=w), abs=1e-9)


def test_roc_curve_hep_accepts_pandas_and_booleans():
    y, score, w = _random_sample(50)
    frame = pd.DataFrame({"y": y.astype(bool), "s": score, "w": w}, index=np.arange(50)[::-1])
    got = roc_curve_hep(frame["y"], frame["s"], sample_weight=frame["w"])
    want = roc_curve_hep(y, score, sample_weight=w)
    for a, b in zip(got, want):
        np.testing.assert_array_equal(a, b)


@settings(max_examples=40, deadline=None, database=None)
@given(
    data=st.lists(
        st.tuples(
            st.integers(0, 1),
            st.floats(-5, 5, allow_nan=False).map(lambda v: round(v, 1)),  # ties happen
            st.floats(0, 10, allow_nan=False),
        ),
        min_size=2,
        max_size=40,
    )
)
def test_hep_auc_equals_roc_auc_score_on_random_weighted_data(data):
    y, score, w = map(np.asarray, zip(*data))
    if not (w[y == 1].sum() > 0 and w[y == 0].sum() > 0):
        return  # AUC needs weighted signal and background
    eff_s, rej_b, _ = roc_curve_hep(y, score, sample_weight=w)
    want = roc_auc_score(y, score, sample_weight=w)
    assert np.trapezoid(rej_b, eff_s) == pytest.approx(want, abs=1e-9)


# ------------------------------------------------------------------------------------------
# working points
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("efficiency", "threshold", "rejection"),
    [
        (0.0, np.inf, 1.0),  # no cut needed: nothing passes
        (0.2, 0.9, 1.0),  # one signal of three is enough
        (1 / 3, 0.9, 1.0),  # exactly one third, despite rounding
        (0.5, 0.8, 1.0),
        (2 / 3, 0.8, 1.0),
        (0.7, 0.3, 2 / 3),  # the third signal brings the background at 0.7 in
        (1.0, 0.3, 2 / 3),
    ],
)
def test_working_points_by_hand(efficiency, threshold, rejection):
    assert threshold_at_signal_efficiency(Y6, S6, efficiency) == threshold
    assert background_rejection_at(Y6, S6, efficiency, interpolate=False) == pytest.approx(
        rejection
    )
    # No tied scores: the curve is a staircase and interpolation changes nothing.
    assert background_rejection_at(Y6, S6, efficiency) == pytest.approx(rejection)


def test_weighted_working_points_by_hand():
    # Signal 0.9 carries 3 of the 4 signal weight units.
    w = [3, 0.5, 0.5, 1, 1, 1]
    assert threshold_at_signal_efficiency(Y6, S6, 0.75, sample_weight=w) == 0.9
    assert threshold_at_signal_efficiency(Y6, S6, 0.8, sample_weight=w) == 0.8
    assert threshold_at_signal_efficiency(Y6, S6, 0.9, sample_weight=w) == 0.3
    # Background 0.7 carries half the background weight.
    w = [1, 1, 1, 2, 1, 1]
    assert background_rejection_at(Y6, S6, 0.9, sample_weight=w) == pytest.approx(0.5)


def test_interpolation_runs_along_a_diagonal_segment_of_tied_scores():
    # Signal and background tie at 0.5: the curve goes straight from (0.5, 1) to (1, 0.5).
    y, s = [1, 1, 0, 0], [0.9, 0.5, 0.5, 0.2]
    for eff, want in [(0.5, 1.0), (0.6, 0.9), (0.75, 0.75), (1.0, 0.5)]:
        assert background_rejection_at(y, s, eff) == pytest.approx(want)
    assert background_rejection_at(y, s, 0.6, interpolate=False) == 0.5
    assert threshold_at_signal_efficiency(y, s, 0.6) == 0.5


def test_threshold_is_the_highest_cut_reaching_the_efficiency_on_random_data():
    y, score, w = _random_sample(ties=True)
    signal, w_sig = score[y == 1], w[y == 1]

    def eff(t):
        return w_sig[signal >= t].sum() / w_sig.sum()

    for target in [0.1, 0.25, 0.5, 0.8, 0.95, 1.0]:
        t = threshold_at_signal_efficiency(y, score, target, sample_weight=w)
        assert eff(t) >= target
        higher = signal[signal > t]
        assert higher.size == 0 or eff(higher.min()) < target
        conservative = background_rejection_at(y, score, target, sample_weight=w, interpolate=False)
        w_bkg = w[y == 0]
        assert conservative == pytest.approx(1 - w_bkg[score[y == 0] >= t].sum() / w_bkg.sum())
        assert background_rejection_at(y, score, target, sample_weight=w) >= conservative


# ------------------------------------------------------------------------------------------
# metrics_by_parameter
# ------------------------------------------------------------------------------------------


def test_metrics_by_parameter_by_hand():
    table = metrics_by_parameter(Y6, S6, np.full(6, 125.0))
    row = table.loc[125.0]
    # TP 2, FN 1, FP 1, TN 2; chance agreement 1/2, so kappa = (2/3 - 1/2) / (1/2).
    expected = dict(accuracy=4 / 6, cohen_kappa=1 / 3, f1=2 / 3, precision=2 / 3,
                    sensitivity=2 / 3, specificity=2 / 3, roc_auc=8 / 9)  # fmt: skip
    for name, value in expected.items():
        assert row[name] == pytest.approx(value), name
    assert (row["n_signal"], row["n_background"]) == (3, 3)
    assert list(table.columns) == [*PARAMETER_METRICS, "n_signal", "n_background",
                                   "sum_w_signal", "sum_w_background"]  # fmt: skip


def test_weighted_metrics_by_parameter_by_hand():
    # Weight 2 on the 0.9 signal: TP 3, FN 1, FP 1, TN 2 in weight units (7 in all).
    table = metrics_by_parameter(Y6, S6, np.zeros(6), sample_weight=[2, 1, 1, 1, 1, 1])
    row = table.iloc[0]
    # true signal 4/7, predicted signal 4/7: chance agreement (16 + 9) / 49.
    expected = dict(accuracy=5 / 7, cohen_kappa=(5 / 7 - 25 / 49) / (1 - 25 / 49), f1=3 / 4,
                    precision=3 / 4, sensitivity=3 / 4, specificity=2 / 3,
                    roc_auc=11 / 12)  # fmt: skip
    for name, value in expected.items():
        assert row[name] == pytest.approx(value), name
    assert (row["sum_w_signal"], row["sum_w_background"]) == (4.0, 3.0)


def test_metrics_by_parameter_matches_sklearn_per_value():
    y, score, w = _random_sample(600, seed=1)
    mass = np.random.default_rng(2).choice([300.0, 700.0, 1200.0], size=len(y))
    table = metrics_by_parameter(y, score, mass, threshold=0.4, sample_weight=w)
    assert table.index.tolist() == [300.0, 700.0, 1200.0]
    for m in table.index:
        sel = mass == m
        yt, s, ww = y[sel], score[sel], w[sel]
        yp = (s >= 0.4).astype(int)
        row = table.loc[m]
        assert row["accuracy"] == pytest.approx(accuracy_score(yt, yp, sample_weight=ww))
        assert row["cohen_kappa"] == pytest.approx(cohen_kappa_score(yt, yp, sample_weight=ww))
        assert row["f1"] == pytest.approx(f1_score(yt, yp, sample_weight=ww))
        assert row["precision"] == pytest.approx(precision_score(yt, yp, sample_weight=ww))
        assert row["sensitivity"] == pytest.approx(recall_score(yt, yp, sample_weight=ww))
        assert row["specificity"] == pytest.approx(
            recall_score(yt, yp, pos_label=0, sample_weight=ww)
        )
        assert row["roc_auc"] == pytest.approx(roc_auc_score(yt, s, sample_weight=ww))
        assert row["n_signal"] == (yt == 1).sum()
        assert row["sum_w_background"] == pytest.approx(ww[yt == 0].sum())


def test_integer_weights_equal_repeated_events_for_every_metric():
    y, score, _ = _random_sample(200, seed=3, ties=True)
    rng = np.random.default_rng(4)
    w = rng.integers(0, 4, len(y))  # 0 drops an event, 2 duplicates it, ...
    mass = rng.choice([1, 2, 3], size=len(y))
    rep = np.repeat(np.arange(len(y)), w)

    weighted = metrics_by_parameter(y, score, mass, sample_weight=w)
    repeated = metrics_by_parameter(y[rep], score[rep], mass[rep])
    columns = [*PARAMETER_METRICS, "sum_w_signal", "sum_w_background"]
    pd.testing.assert_frame_equal(weighted[columns], repeated[columns], rtol=1e-12)

    for a, b in zip(roc_curve_hep(y, score, sample_weight=w), roc_curve_hep(y[rep], score[rep])):
        np.testing.assert_allclose(a, b, rtol=1e-12)
    for eff in [0.3, 0.5, 0.9]:
        assert threshold_at_signal_efficiency(
            y, score, eff, sample_weight=w
        ) == threshold_at_signal_efficiency(y[rep], score[rep], eff)
        for interpolate in (True, False):
            assert background_rejection_at(
                y, score, eff, sample_weight=w, interpolate=interpolate
            ) == pytest.approx(
                background_rejection_at(y[rep], score[rep], eff, interpolate=interpolate)
            )


def test_parameter_series_name_becomes_the_index_name_and_pandas_is_matched_by_position():
    frame = pd.DataFrame(
        {"y": Y6, "score": S6, "mass": [500, 500, 1000, 1000, 500, 1000]},
        index=[10, 3, 7, 1, 0, 5],
    )
    table = metrics_by_parameter(frame["y"], frame["score"], frame["mass"])
    assert table.index.name == "mass"
    assert table.index.tolist() == [500, 1000]
    plain = metrics_by_parameter(Y6, S6, frame["mass"].to_numpy())
    assert plain.index.name == "parameter"
    pd.testing.assert_frame_equal(table, plain.rename_axis("mass"))
    assert metrics_by_parameter(Y6, S6, pd.Series(frame["mass"].to_numpy())).index.name == (
        "parameter"
    )


def test_string_parameter_values_and_metric_selection():
    table = metrics_by_parameter(Y6, S6, list("abcabc"), metrics=["roc_auc", "accuracy"])
    assert table.index.tolist() == ["a", "b", "c"]
    assert list(table.columns[:2]) == ["roc_auc", "accuracy"]
    assert list(metrics_by_parameter(Y6, S6, Y6, metrics="f1").columns)[0] == "f1"


def test_threshold_is_inclusive():
    table = metrics_by_parameter([1, 0], [0.5, 0.4], [0, 0], threshold=0.5)
    assert table["accuracy"].iloc[0] == 1.0


def test_single_class_parameter_values_get_nan_where_undefined():
    y = [1, 0, 0, 0, 0, 0]
    s = [0.9, 0.1, 0.7, 0.2, 0.1, 0.3]  # background-only value 2 has one event passing
    mass = [1, 1, 2, 2, 3, 3]  # value 3: background only, nothing passes
    table = metrics_by_parameter(y, s, mass)
    assert table.loc[1, "roc_auc"] == 1.0
    assert np.isnan(table.loc[2, "roc_auc"]) and np.isnan(table.loc[3, "roc_auc"])
    # Mixed predictions of a single true class: agreement exactly at chance level.
    assert table.loc[2, "cohen_kappa"] == 0.0
    # Every event truly and predicted background: kappa divides 0 by 0.
    assert np.isnan(table.loc[3, "cohen_kappa"])
    assert table.loc[2, "accuracy"] == 0.5 and table.loc[3, "accuracy"] == 1.0
    assert table.loc[2, "specificity"] == 0.5 and table.loc[3, "specificity"] == 1.0
    assert table.loc[2, "precision"] == 0.0  # one selected event, background
    for name in ("sensitivity", "f1"):  # no signal
        assert np.isnan(table.loc[3, name])
    assert np.isnan(table.loc[3, "precision"])  # nothing selected
    assert (table.loc[3, "n_signal"], table.loc[3, "n_background"]) == (0, 2)

    zero = metrics_by_parameter(y, s, mass, zero_division=0.0)
    assert zero.loc[3, ["precision", "sensitivity", "f1"]].tolist() == [0.0, 0.0, 0.0]
    assert np.isnan(zero.loc[3, "roc_auc"])  # not a zero division: still undefined

    signal_only = metrics_by_parameter([1, 1], [0.9, 0.1], [0, 0])
    assert np.isnan(signal_only["specificity"].iloc[0])
    assert signal_only["sensitivity"].iloc[0] == 0.5


# ------------------------------------------------------------------------------------------
# bad input
# ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("func", "extra"),
    [
        (roc_curve_hep, ()),
        (threshold_at_signal_efficiency, (0.5,)),
        (background_rejection_at, (0.5,)),
        (metrics_by_parameter, ([0, 0, 1, 1],)),
    ],
)
@pytest.mark.parametrize(
    ("y", "s", "w", "match"),
    [
        ([0, 1, 1], [0.1, 0.2, 0.3, 0.4], None, "same length; got 3 and 4"),
        ([0, 1, 0, 1], [0.1, np.nan, 0.3, 0.4], None, "y_score contains 1 non-finite.*index 1"),
        ([0, 1, 0, 1], [0.1, np.inf, 0.3, 0.4], None, "is infinite"),
        ([0, 1, 2, 1], [0.1, 0.2, 0.3, 0.4], None, r"only 1 \(signal\) and 0.*\[0, 1, 2\]"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [1, 1, -0.5, 1], "1 negative weight.*-0.5"),
        ([0, 1, 0, 1], [0.1, 0.2, 0.3, 0.4], [1, 1, 1], "3 weights for 4 events"),
        ([0, 1, 0, 1], [[0.1], [0.2], [0.3], [0.4]], None, r"y_score must be 1-D.*proba\[:, 1\]"),
    ],
)
def test_invalid_events_are_named(func, extra, y, s, w, match):
    with pytest.raises(ValueError, match=match):
        func(y, s, *extra, sample_weight=w)


@pytest.mark.parametrize("func", [roc_curve_hep, threshold_at_signal_efficiency,
                                  background_rejection_at])  # fmt: skip
def test_roc_needs_both_classes(func):
    extra = () if func is roc_curve_hep else (0.5,)
    with pytest.raises(ValueError, match=r"no signal \(1\) events"):
        func([0, 0, 0], [0.1, 0.2, 0.3], *extra)
    with pytest.raises(ValueError, match=r"no background \(0\) events with positive weight"):
        func([0, 1, 1], [0.1, 0.2, 0.3], *extra, sample_weight=[0, 1, 1])


@pytest.mark.parametrize("efficiency", [-0.1, 1.5, np.nan, "0.5", None])
def test_efficiency_outside_unit_interval_is_rejected(efficiency):
    for func in (threshold_at_signal_efficiency, background_rejection_at):
        with pytest.raises(ValueError, match=r"signal_efficiency must be a number in \[0, 1\]"):
            func(Y6, S6, efficiency)


def test_metrics_by_parameter_rejects_bad_arguments():
    with pytest.raises(ValueError, match="unknown name.*'auc'"):
        metrics_by_parameter(Y6, S6, Y6, metrics=["accuracy", "auc"])
    with pytest.raises(ValueError, match="metrics is empty"):
        metrics_by_parameter(Y6, S6, Y6, metrics=[])
    with pytest.raises(ValueError, match="parameter contains 1 missing value"):
        metrics_by_parameter(Y6, S6, [1, 1, np.nan, 2, 2, 2])
    with pytest.raises(ValueError, match=r"shape \(5,\) for 6 events"):
        metrics_by_parameter(Y6, S6, [1, 1, 1, 2, 2])
    with pytest.raises(ValueError, match="threshold must be a finite number; got nan"):
        metrics_by_parameter(Y6, S6, Y6, threshold=np.nan)
