"""AUCShakingClassifier: gradient-free training on physics objectives, in sklearn workflows."""

import numpy as np
import pandas as pd
import pytest
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import GridSearchCV

from skhep_models import AUCShakingClassifier
from skhep_models.metrics import best_significance

FAST = dict(hidden_layer_sizes=(8,), n_shakes=40, population_size=16, n_restarts=2, random_state=0)


@pytest.fixture(scope="module")
def data():
    X, y = make_classification(1500, n_features=8, n_informative=4, random_state=0)
    return pd.DataFrame(X, columns=[f"v{i}" for i in range(8)]), y


@pytest.fixture(scope="module")
def fitted(data):
    X, y = data
    return AUCShakingClassifier(**FAST).fit(X[:1000], y[:1000])


def test_learns_without_gradients(fitted, data):
    X, y = data
    assert roc_auc_score(y[1000:], fitted.decision_function(X[1000:])) > 0.85
    assert fitted.score(X[1000:], y[1000:]) > 0.75  # the calibrated cut is a sensible one


def test_elitist_training_objective_never_decreases(fitted):
    for _, run in fitted.objective_history_.groupby("restart"):
        assert np.all(np.diff(run["train_objective"]) >= 0)
        assert run["train_objective"].iloc[-1] > run["train_objective"].iloc[0]
        assert (run["step_size"] > 0).all()


def test_restarts_and_the_kept_one(fitted):
    h = fitted.objective_history_
    assert list(h.columns) == ["restart", "shake", "train_objective", "valid_objective", "step_size"]
    assert sorted(h["restart"].unique()) == [0, 1]
    assert len(fitted.restart_objectives_) == 2
    assert fitted.best_restart_ == int(np.argmax(fitted.restart_objectives_))
    best = h[h["restart"] == fitted.best_restart_]["valid_objective"].max()
    assert fitted.restart_objectives_[fitted.best_restart_] == pytest.approx(best)
    assert fitted.n_iter_ == len(fitted.history_) == FAST["n_shakes"]


def test_the_weights_enter_the_objective(data):
    X, y = data
    w = np.random.default_rng(0).uniform(0.1, 5.0, len(y))
    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1}, validation_fraction=0, alpha=0).fit(
        X, y, sample_weight=w
    )
    # without a split (nor penalty) the last training objective is the kept network's weighted AUC
    weighted = roc_auc_score(y, clf.decision_function(X), sample_weight=w)
    assert clf.history_["train_objective"].iloc[-1] == pytest.approx(weighted, abs=1e-6)
    assert weighted != pytest.approx(roc_auc_score(y, clf.decision_function(X)), abs=1e-6)


def _mean_squared_weight(clf):
    return np.mean(np.concatenate([
        p.detach().numpy().ravel() for n, p in clf.net_.module_.named_parameters() if n.endswith("weight")
    ]) ** 2)  # fmt: skip


def test_alpha_penalises_the_weight_matrices(data):
    X, y = data
    kw = {**FAST, "n_restarts": 1, "validation_fraction": 0}
    clf = AUCShakingClassifier(**kw, alpha=0.5).fit(X, y)
    # the recorded training objective is the AUC less alpha x the mean squared weight (biases free)
    penalty = 0.5 * _mean_squared_weight(clf)
    auc = roc_auc_score(y, clf.decision_function(X))
    assert clf.history_["train_objective"].iloc[-1] == pytest.approx(auc - penalty, abs=1e-6)
    # a strong penalty holds the weights smaller than the unpenalised shaking lets them grow
    free = AUCShakingClassifier(**kw, alpha=0).fit(X, y)
    strong = AUCShakingClassifier(**kw, alpha=50).fit(X, y)
    assert _mean_squared_weight(strong) < 0.5 * _mean_squared_weight(free)
    with pytest.raises(ValueError, match="alpha"):
        AUCShakingClassifier(alpha=-1).fit(X, y)


def test_significance_objective_raises_the_significance(data):
    X, y = data
    w = np.where(y == 1, 0.05, 1.0)  # a small signal on a large background, in expected events
    kw = {**FAST, "n_restarts": 1, "validation_fraction": 0}
    first = AUCShakingClassifier(**{**kw, "n_shakes": 1}, objective="significance").fit(X, y, sample_weight=w)
    clf = AUCShakingClassifier(**kw, objective="significance").fit(X, y, sample_weight=w)
    z_first, _ = best_significance(y, first.decision_function(X), sample_weight=w, min_background=1e-12)
    z, _ = best_significance(y, clf.decision_function(X), sample_weight=w, min_background=1e-12)
    assert z > z_first
    assert clf.history_["train_objective"].iloc[-1] == pytest.approx(z, rel=1e-6)


@pytest.mark.parametrize("objective", ["separation", "ams"])
def test_other_objectives_improve(data, objective):
    X, y = data
    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1}, objective=objective).fit(X, y)
    assert clf.history_["train_objective"].iloc[-1] > clf.history_["train_objective"].iloc[0]


def test_callable_objective(data):
    X, y = data

    def signal_mean_minus_background(y_true, score, sample_weight):
        return score[y_true == 1].mean() - score[y_true == 0].mean()

    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1, "n_shakes": 10}, objective=signal_mean_minus_background)
    clf.fit(X, y)
    assert clf.history_["train_objective"].iloc[-1] > clf.history_["train_objective"].iloc[0]


def test_deterministic_for_a_fixed_random_state(data):
    X, y = data
    a = AUCShakingClassifier(**{**FAST, "n_shakes": 5}).fit(X, y).decision_function(X)
    b = AUCShakingClassifier(**{**FAST, "n_shakes": 5}).fit(X, y).decision_function(X)
    np.testing.assert_array_equal(a, b)


def test_bad_input_is_named(data):
    X, y = data
    with pytest.raises(ValueError, match="Only binary"):
        AUCShakingClassifier(**FAST).fit(X, np.arange(len(y)) % 3)
    with pytest.raises(ValueError, match="only one class"):
        AUCShakingClassifier(**FAST).fit(X, np.zeros(len(y)))
    with pytest.raises(ValueError, match="class 0 all have zero sample_weight"):
        AUCShakingClassifier(**FAST).fit(X, y, sample_weight=np.where(y == 0, 0.0, 1.0))
    with pytest.raises(ValueError, match="objective"):
        AUCShakingClassifier(objective="accuracy").fit(X, y)


def test_the_seeds_grid_search(data):
    X, y = data
    grid = GridSearchCV(
        AUCShakingClassifier(population_size=8, n_restarts=1, random_state=0),
        {"hidden_layer_sizes": [(3,), (25,)], "n_shakes": [5, 15]}, cv=2, scoring="roc_auc",
    ).fit(X[:600], y[:600])  # fmt: skip
    assert grid.cv_results_["mean_test_score"].shape == (4,)
    assert grid.best_score_ > 0.7
