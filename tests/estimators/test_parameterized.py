"""ParameterizedNNClassifier: the hypothesis as an input, background strategies, sklearn use."""

import pickle

import numpy as np
import pandas as pd
import pytest
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import FunctionTransformer

from skhep_models import ParameterizedNNClassifier

FAST = dict(hidden_layer_sizes=(32, 32), batch_size=64, max_epochs=30, patience=5, random_state=0)
MASSES = (1.0, 2.0, 3.0)


def toy_resonances(n_per_mass=400, n_background=1200, seed=0):
    """A peak at each mass in a 'reconstructed mass' over a falling background."""
    rng = np.random.default_rng(seed)
    mass_sig = np.repeat(MASSES, n_per_mass)
    m_reco = np.concatenate([rng.normal(mass_sig, 0.15), rng.exponential(1.5, n_background)])
    other = rng.normal(size=len(m_reco))  # carries no information
    mass = np.concatenate([mass_sig, rng.choice(MASSES, n_background)])
    label = np.r_[np.ones(len(mass_sig), int), np.zeros(n_background, int)]
    order = rng.permutation(len(label))
    X = pd.DataFrame({"m_reco": m_reco, "other": other, "mass": mass}).iloc[order]
    return X.reset_index(drop=True), label[order]


@pytest.fixture(scope="module")
def data():
    return toy_resonances()


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return ParameterizedNNClassifier(**FAST).fit(X, y)


def test_separates_signal_at_every_mass(fitted):
    X, y = toy_resonances(seed=1)
    for m in MASSES:
        rows = (X["mass"] == m).to_numpy()
        assert roc_auc_score(y[rows], fitted.predict_proba(X[rows])[:, 1]) > 0.9, m


def test_the_hypothesis_changes_the_score(fitted):
    X, y = toy_resonances(seed=1)
    signal_at_1 = X[(y == 1) & (X["mass"] == 1.0)]
    right = fitted.predict_proba(signal_at_1, mass=1.0)[:, 1]
    wrong = fitted.predict_proba(signal_at_1, mass=3.0)[:, 1]
    assert np.median(right) > 0.5 > np.median(wrong)


def test_scoring_at_a_mass_equals_editing_the_column(fitted, data):
    X, _ = data
    edited = X.assign(mass=2.0)
    np.testing.assert_array_equal(fitted.predict_proba(X, mass=2.0), fitted.predict_proba(edited))
    per_event = np.where(np.arange(len(X)) % 2, 1.0, 3.0)
    np.testing.assert_array_equal(
        fitted.decision_function(X, mass=per_event), fitted.decision_function(X.assign(mass=per_event))
    )
    np.testing.assert_array_equal(fitted.predict(X, mass=2.0), fitted.predict(edited))
    assert X["mass"].nunique() == 3  # the caller's frame is not modified


def test_interpolates_to_an_unseen_mass():
    X, y = toy_resonances(seed=2)
    seen = (X["mass"] != 2.0).to_numpy() | (y == 0)
    clf = ParameterizedNNClassifier(**FAST, background_params="random").fit(X[seen], y[seen])
    assert list(clf.param_values_["mass"]) == [1.0, 3.0]
    Xt, yt = toy_resonances(seed=3)
    rows = (Xt["mass"] == 2.0).to_numpy()
    assert roc_auc_score(yt[rows], clf.predict_proba(Xt[rows], mass=2.0)[:, 1]) > 0.85


def test_fitted_attributes(fitted, data):
    X, _ = data
    assert fitted.param_names_ == ["mass"]
    np.testing.assert_array_equal(fitted.param_values_["mass"], MASSES)
    assert list(fitted.classes_) == [0, 1]
    assert list(fitted.history_.columns) == ["epoch", "train_loss", "valid_loss", "dur"]
    assert 1 <= fitted.best_epoch_ <= fitted.n_iter_ <= FAST["max_epochs"]
    np.testing.assert_allclose(fitted.x_mean_, X.mean(), rtol=1e-4)
    proba = fitted.predict_proba(X)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0)
    assert np.all((proba >= 0) & (proba <= 1))


@pytest.mark.parametrize("strategy", ["random", "balanced"])
def test_background_strategies_stop_the_mass_column_from_giving_the_answer(strategy):
    # background carries mass 0, a value no signal has: with 'as_given' the mass column alone
    # separates the classes; the strategies give background the signal's masses instead
    rng = np.random.default_rng(0)
    n = 1500
    y = rng.integers(0, 2, n)
    X = pd.DataFrame({"x": rng.normal(size=n), "mass": np.where(y == 1, rng.choice(MASSES, n), 0.0)})
    cheat = ParameterizedNNClassifier(**FAST).fit(X, y)
    assert roc_auc_score(y, cheat.decision_function(X)) > 0.99
    honest = ParameterizedNNClassifier(**FAST, background_params=strategy).fit(X, y)
    scores = np.concatenate([honest.decision_function(X, mass=m) for m in MASSES])
    assert abs(roc_auc_score(np.tile(y, 3), scores) - 0.5) < 0.05


def test_balanced_background_gets_exact_shares_of_the_signal_values():
    clf = ParameterizedNNClassifier(param_columns=[1], background_params="balanced")
    clf._param_idx = clf._resolve_param_columns(2)
    X = np.zeros((40, 2), np.float32)
    is_signal = np.zeros(40, bool)
    is_signal[:10] = True
    X[:10, 1] = [1] * 5 + [2] * 3 + [3] * 2  # 50% / 30% / 20% of the signal
    clf._assign_background_params(X, is_signal, np.random.RandomState(0))
    values, counts = np.unique(X[10:, 1], return_counts=True)
    assert list(values) == [1, 2, 3]
    assert list(counts) == [15, 9, 6]


def test_class_weight_balanced_counters_a_rare_signal():
    rng = np.random.default_rng(0)
    n = 2000
    y = (rng.random(n) < 0.1).astype(int)
    X = pd.DataFrame({"x": rng.normal(y * 1.0, 1.0), "mass": 1.0})
    plain = ParameterizedNNClassifier(**FAST).fit(X, y)
    balanced = ParameterizedNNClassifier(**FAST, class_weight="balanced").fit(X, y)
    assert plain.predict_proba(X)[:, 1].mean() < 0.2
    assert balanced.predict_proba(X)[:, 1].mean() == pytest.approx(0.5, abs=0.1)
    by_dict = ParameterizedNNClassifier(**FAST, class_weight={0: 1.0, 1: 9.0}).fit(X, y)
    assert by_dict.predict_proba(X)[:, 1].mean() > 0.35


def test_sample_weight_enters_the_loss():
    X, y = toy_resonances(seed=4)
    w = np.where(y == 0, 5.0, 1.0)
    plain = ParameterizedNNClassifier(**FAST).fit(X, y)
    heavy_bkg = ParameterizedNNClassifier(**FAST).fit(X, y, sample_weight=w)
    assert heavy_bkg.predict_proba(X)[:, 1].mean() < plain.predict_proba(X)[:, 1].mean() - 0.05


def test_plain_classifier_without_parameters_on_arrays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(800, 3))
    y = np.where(X[:, 0] + X[:, 1] > 0, "signal", "background")
    clf = ParameterizedNNClassifier(**FAST, param_columns=None, dropout=0.2).fit(X, y)
    assert clf.param_names_ == [] and clf.param_values_ == {}
    assert list(clf.classes_) == ["background", "signal"]
    assert clf.score(X, y) > 0.9
    assert any(type(m).__name__ == "Dropout" for m in clf.net_.module_.modules())
    with pytest.raises(ValueError, match="Unknown parameter.*none"):
        clf.predict_proba(X, mass=1.0)


def test_positional_parameter_columns_are_named_like_sklearn(data):
    X, y = data
    clf = ParameterizedNNClassifier(**{**FAST, "max_epochs": 2}, param_columns=2).fit(X.to_numpy(), y)
    assert clf.param_names_ == ["x2"]
    a = clf.predict_proba(X.to_numpy(), x2=1.0)
    np.testing.assert_array_equal(a, clf.predict_proba(X.assign(mass=1.0).to_numpy()))


def test_deterministic_for_a_fixed_random_state(data):
    X, y = data
    kw = {**FAST, "max_epochs": 3, "background_params": "random"}
    a = ParameterizedNNClassifier(**kw).fit(X, y).decision_function(X)
    b = ParameterizedNNClassifier(**kw).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize(
    "params, X_kind, match",
    [
        ({"param_columns": "mass"}, "array", "no column names"),
        ({"param_columns": "mhyp"}, "frame", "not a column of X"),
        ({"param_columns": ["mass", "mass"]}, "frame", "twice"),
        ({"param_columns": 7}, "frame", "out of range"),
        ({"class_weight": {0: 1.0, 5: 2.0}}, "frame", r"labels \[5\]"),
    ],
)
def test_bad_configuration_is_named(data, params, X_kind, match):
    X, y = data
    X = X.to_numpy() if X_kind == "array" else X
    with pytest.raises(ValueError, match=match):
        ParameterizedNNClassifier(**{**FAST, "max_epochs": 1}, **params).fit(X, y)


def test_bad_input_is_named(fitted, data):
    X, y = data
    with pytest.raises(ValueError, match="Only binary"):
        ParameterizedNNClassifier(**FAST).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="only one class"):
        ParameterizedNNClassifier(**FAST).fit(X, np.ones(len(y)))
    with pytest.raises(ValueError, match="NaN"):
        ParameterizedNNClassifier(**FAST).fit(X.assign(other=np.nan), y)
    with pytest.raises(ValueError, match="non-numeric"):
        ParameterizedNNClassifier(**FAST).fit(X.assign(other="a"), y)
    with pytest.raises(ValueError, match="Negative values"):
        ParameterizedNNClassifier(**FAST).fit(X, y, sample_weight=-np.ones(len(y)))
    with pytest.raises(ValueError, match=r"Unknown parameter.*\['mhyp'\]"):
        fitted.predict_proba(X, mhyp=1.0)
    with pytest.raises(ValueError, match="one value per event"):
        fitted.predict_proba(X, mass=[1.0, 2.0])
    with pytest.raises(ValueError, match="NaN"):
        fitted.predict_proba(X, mass=np.nan)


def test_pipeline_routes_the_hypothesis_and_searches(data):
    X, y = data
    identity = FunctionTransformer(feature_names_out="one-to-one").set_output(transform="pandas")
    pipe = make_pipeline(identity, ParameterizedNNClassifier(**{**FAST, "max_epochs": 3}))
    pipe.fit(X, y)
    clf = pipe[-1]
    np.testing.assert_array_equal(pipe.predict_proba(X, mass=2.0), clf.predict_proba(X, mass=2.0))
    scores = cross_val_score(pipe, X, y, cv=2, scoring="roc_auc")
    assert scores.shape == (2,) and np.all(scores > 0.6)
    grid = GridSearchCV(
        ParameterizedNNClassifier(**{**FAST, "max_epochs": 3}),
        {"hidden_layer_sizes": [(8,), (16,)]}, cv=2, scoring="roc_auc",
    ).fit(X, y)  # fmt: skip
    assert grid.best_params_["hidden_layer_sizes"] in [(8,), (16,)]


def test_pickle_round_trip(fitted, data):
    X, _ = data
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict_proba(X, mass=1.5), fitted.predict_proba(X, mass=1.5))


def test_balanced_class_weight_needs_weight_in_both_classes(data):
    X, y = data
    with pytest.raises(ValueError, match="class 1 all have zero sample_weight: class_weight='balanced'"):
        ParameterizedNNClassifier(**FAST, class_weight="balanced").fit(X, y, sample_weight=np.where(y == 1, 0.0, 1.0))
