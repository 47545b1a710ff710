"""Baseline factories and the fast exponential-loss BDT."""

import json
import pickle

import numpy as np
import pytest
from scipy.special import expit
from sklearn.datasets import make_classification
from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.metrics import roc_auc_score
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from xgboost import XGBClassifier, XGBRegressor

from skhep_models.baselines import (
    MARGIN_CLIP,
    HistAdaBoostClassifier,
    adaboost_bdt,
    decision_tree,
    random_forest,
    xgboost_model,
)
from skhep_models.baselines._hist_adaboost import (
    _exponential_loss_grad_hess,
    _ExponentialObjective,
)

FACTORIES = [adaboost_bdt, random_forest, xgboost_model, decision_tree]

# Small and single-threaded: thread start-up dominates fits this size.
FAST = {"n_estimators": 40, "n_jobs": 1, "random_state": 0}


# --------------------------------------------------------------------------- factories


@pytest.mark.parametrize(
    "factory, task, cls",
    [
        (adaboost_bdt, "classifier", AdaBoostClassifier),
        (adaboost_bdt, "regressor", AdaBoostRegressor),
        (random_forest, "classifier", RandomForestClassifier),
        (random_forest, "regressor", RandomForestRegressor),
        (xgboost_model, "classifier", XGBClassifier),
        (xgboost_model, "regressor", XGBRegressor),
        (decision_tree, "classifier", DecisionTreeClassifier),
        (decision_tree, "regressor", DecisionTreeRegressor),
    ],
)
def test_factory_returns_the_class_of_the_task(factory, task, cls):
    assert type(factory(task)) is cls
    assert type(factory(task=task)) is cls


@pytest.mark.parametrize("factory", FACTORIES)
def test_factory_default_task_is_classifier(factory):
    assert type(factory()) is type(factory("classifier"))


@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_adaboost_seed_settings(task):
    bdt = adaboost_bdt(task)
    assert bdt.n_estimators == 300
    assert bdt.estimator.max_depth == 3
    base = DecisionTreeClassifier if task == "classifier" else DecisionTreeRegressor
    assert type(bdt.estimator) is base


@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_random_forest_seed_settings(task):
    rf = random_forest(task)
    assert (rf.n_estimators, rf.oob_score, rf.n_jobs) == (500, True, -1)


@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_xgboost_settings(task):
    model = xgboost_model(task)
    assert (model.n_estimators, model.max_depth, model.learning_rate) == (500, 6, 0.1)
    assert model.tree_method == "hist"


def test_decision_tree_is_the_bdt_base_learner():
    assert decision_tree().max_depth == decision_tree("regressor").max_depth == 3


def test_adaboost_fast_returns_the_hist_bdt_with_seed_settings():
    bdt = adaboost_bdt(fast=True)
    assert type(bdt) is HistAdaBoostClassifier
    assert (bdt.n_estimators, bdt.max_depth) == (300, 3)
    assert adaboost_bdt(fast=True, max_depth=4, random_state=3).get_params()["max_depth"] == 4


def test_adaboost_fast_regressor_raises():
    with pytest.raises(ValueError, match="classifier"):
        adaboost_bdt("regressor", fast=True)


@pytest.mark.parametrize(
    "factory, overrides",
    [
        (adaboost_bdt, {"n_estimators": 50, "learning_rate": 0.5, "random_state": 7}),
        (random_forest, {"n_estimators": 10, "oob_score": False, "random_state": 7}),
        (xgboost_model, {"n_estimators": 10, "max_depth": 2, "random_state": 7}),
        (decision_tree, {"max_depth": None, "min_samples_leaf": 20, "random_state": 7}),
    ],
)
@pytest.mark.parametrize("task", ["classifier", "regressor"])
def test_factory_overrides_pass_through(factory, overrides, task):
    params = factory(task, **overrides).get_params()
    assert {k: params[k] for k in overrides} == overrides


def test_adaboost_nested_override_reaches_the_base_tree():
    bdt = adaboost_bdt(estimator__max_depth=5, estimator__min_samples_leaf=100)
    assert (bdt.estimator.max_depth, bdt.estimator.min_samples_leaf) == (5, 100)
    assert adaboost_bdt().estimator.max_depth == 3  # a fresh base tree each call


@pytest.mark.parametrize("factory", FACTORIES)
def test_factory_bad_task_names_the_valid_ones(factory):
    with pytest.raises(ValueError, match=r"'classifier', 'regressor'.*got 'clasifier'"):
        factory("clasifier")


@pytest.mark.parametrize("factory", [adaboost_bdt, random_forest, decision_tree])
def test_factory_unknown_override_raises(factory):
    with pytest.raises(ValueError, match="n_trees"):
        factory(n_trees=3)


def test_factory_estimators_fit():
    X, y = make_classification(300, n_features=5, random_state=0)
    for factory in FACTORIES:
        model = factory(n_estimators=5) if factory is not decision_tree else factory()
        if factory is random_forest:
            model.set_params(n_estimators=20, n_jobs=1)
        if factory is xgboost_model:
            model.set_params(n_jobs=1)
        assert model.fit(X, y).score(X, y) > 0.8


# ------------------------------------------------------------------ exponential objective


def test_gradient_and_hessian_match_finite_differences():
    rng = np.random.default_rng(0)
    y = rng.choice([-1.0, 1.0], 50)
    f = rng.normal(scale=3, size=50)
    w = rng.uniform(0.1, 2.0, 50)
    grad, hess = _exponential_loss_grad_hess(y, f, w)

    def loss(margin):
        return w * np.exp(-y * margin)

    h = 1e-5
    np.testing.assert_allclose(grad, (loss(f + h) - loss(f - h)) / (2 * h), rtol=1e-6)
    np.testing.assert_allclose(hess, (loss(f + h) - 2 * loss(f) + loss(f - h)) / h**2, rtol=1e-4)
    # the AdaBoost event weight, and the same without sample weights
    np.testing.assert_allclose(hess, w * np.exp(-y * f))
    grad1, hess1 = _exponential_loss_grad_hess(y, f)
    np.testing.assert_allclose(grad1 * w, grad)
    np.testing.assert_allclose(hess1 * w, hess)


def test_margin_clip_freezes_the_boosting_weight():
    y = np.array([1.0, -1.0, 1.0, -1.0])
    f = np.array([1e4, 1e4, -1e4, -1e4])
    grad, hess = _exponential_loss_grad_hess(y, f)
    assert np.all(np.isfinite(grad)) and np.all(np.isfinite(hess))
    np.testing.assert_allclose(hess, np.exp([-MARGIN_CLIP, MARGIN_CLIP, MARGIN_CLIP, -MARGIN_CLIP]))
    np.testing.assert_allclose(grad, -y * hess)


def test_objective_is_the_loss_derivative_times_a_power_of_two():
    rng = np.random.default_rng(1)
    y = rng.choice([-1.0, 1.0], 100)
    w = rng.uniform(0, 1e-6, 100)
    w[:10] = 0.0
    f = rng.normal(scale=5, size=100)
    grad, hess = _ExponentialObjective(y, w)(f, None)
    raw_grad, raw_hess = _exponential_loss_grad_hess(y, f, w)
    scale = raw_hess / np.where(hess > 0, hess, 1)
    scale = scale[w > 0]
    assert np.allclose(scale, scale[0], rtol=0) and np.log2(scale[0]).is_integer()
    np.testing.assert_array_equal(grad * scale[0], raw_grad)
    assert 0.5 <= hess[w > 0].mean() <= 2.0  # AdaBoost's renormalisation to a mean near 1


# ----------------------------------------------------------------- HistAdaBoostClassifier


@pytest.fixture(scope="module")
def easy():
    X, y = make_classification(
        3000, n_features=8, n_informative=4, class_sep=1.5, random_state=0
    )
    return X[:2000], X[2000:], y[:2000], y[2000:]


@pytest.fixture(scope="module")
def fitted(easy):
    X_train, _, y_train, _ = easy
    return HistAdaBoostClassifier(**FAST).fit(X_train, y_train)


def test_learns_an_easy_problem(fitted, easy):
    _, X_test, _, y_test = easy
    assert roc_auc_score(y_test, fitted.decision_function(X_test)) > 0.9
    assert (fitted.predict(X_test) == y_test).mean() > 0.85
    assert fitted.booster_.num_boosted_rounds() == 40


def test_probabilities_are_sigmoid_of_twice_the_margin(fitted, easy):
    X = easy[1]
    proba, margin = fitted.predict_proba(X), fitted.decision_function(X)
    assert proba.shape == (len(X), 2)
    np.testing.assert_allclose(proba.sum(axis=1), 1.0, rtol=1e-12)
    np.testing.assert_allclose(proba[:, 1], expit(2 * margin), rtol=1e-12)
    np.testing.assert_array_equal(fitted.predict(X), fitted.classes_[(margin > 0).astype(int)])


def test_starting_margin_is_half_the_log_weight_ratio():
    X, y = make_classification(400, n_features=4, weights=[0.8], random_state=0)
    w = np.where(y == 1, 3.0, 1.0)
    model = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w)
    expected = 0.5 * np.log(w[y == 1].sum() / w[y == 0].sum())
    assert model.init_margin_ == pytest.approx(expected)
    no_trees = HistAdaBoostClassifier(n_estimators=1, learning_rate=1e-12, n_jobs=1)
    margin = no_trees.fit(X, y, sample_weight=w).decision_function(X)
    np.testing.assert_allclose(margin, expected, atol=1e-6)  # float32 inside XGBoost


def test_zero_weights_equal_dropping_the_events(easy):
    X, _, y, _ = easy
    w = np.ones(len(y))
    w[::3] = 0.0
    weighted = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w)
    dropped = HistAdaBoostClassifier(**FAST).fit(X[w > 0], y[w > 0])
    np.testing.assert_array_equal(weighted.decision_function(X), dropped.decision_function(X))


def test_integer_weights_equal_repeated_events(easy):
    X, _, y, _ = easy
    X, y = X[:300], y[:300]
    w = np.random.default_rng(0).integers(1, 4, len(y))
    weighted = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w)
    repeated = HistAdaBoostClassifier(**FAST).fit(np.repeat(X, w, 0), np.repeat(y, w))
    np.testing.assert_allclose(
        weighted.decision_function(X), repeated.decision_function(X), atol=1e-5
    )


def test_overall_weight_scale_does_not_matter(easy):
    X, _, y, _ = easy
    w = np.random.default_rng(0).uniform(0.5, 2.0, len(y))
    one = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w)
    tiny = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w * 3.7e-9)  # pb per event
    np.testing.assert_allclose(one.decision_function(X), tiny.decision_function(X), atol=1e-5)


def test_upweighting_a_class_raises_its_probability():
    # overlapping classes, so that the weights move the boundary
    X, y = make_classification(2000, n_features=6, class_sep=0.5, flip_y=0.2, random_state=1)
    plain = HistAdaBoostClassifier(**FAST).fit(X, y)
    boosted = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=np.where(y == 1, 4.0, 1.0))
    assert boosted.init_margin_ == pytest.approx(plain.init_margin_ + 0.5 * np.log(4.0))
    p_plain, p_boosted = plain.predict_proba(X)[:, 1], boosted.predict_proba(X)[:, 1]
    assert p_boosted.mean() > p_plain.mean() + 0.1
    assert (boosted.predict(X) == 1).mean() > (plain.predict(X) == 1).mean() + 0.1


def test_negative_weights_raise_or_are_ignored(easy):
    X, _, y, _ = easy
    w = np.ones(len(y))
    w[:50] = -0.5
    with pytest.raises(ValueError, match="50 negative.*negative_weights='ignore'"):
        HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=w)
    ignored = HistAdaBoostClassifier(negative_weights="ignore", **FAST).fit(X, y, sample_weight=w)
    zeroed = HistAdaBoostClassifier(**FAST).fit(X, y, sample_weight=np.clip(w, 0, None))
    np.testing.assert_array_equal(ignored.decision_function(X), zeroed.decision_function(X))
    assert w[0] == -0.5  # the caller's array is untouched


def test_string_labels(easy):
    X, X_test, y, _ = easy
    labels = np.array(["background", "signal"])[y]
    model = HistAdaBoostClassifier(**FAST).fit(X, labels)
    assert model.classes_.tolist() == ["background", "signal"]
    assert set(model.predict(X_test)) <= {"background", "signal"}
    reference = HistAdaBoostClassifier(**FAST).fit(X, y)  # 'signal' sorts second, like 1
    np.testing.assert_array_equal(
        model.decision_function(X_test), reference.decision_function(X_test)
    )


def test_more_than_two_classes_raises_with_the_count():
    X, y = make_classification(150, n_features=5, n_informative=3, n_classes=3, random_state=0)
    with pytest.raises(ValueError, match="Only binary classification is supported.*3 classes"):
        HistAdaBoostClassifier(**FAST).fit(X, y)


def test_one_class_raises():
    X = np.random.default_rng(0).normal(size=(20, 3))
    with pytest.raises(ValueError, match=r"two classes.*only one class \(1\.0\)"):
        HistAdaBoostClassifier(**FAST).fit(X, np.ones(20))
    with pytest.raises(ValueError, match=r"only class 1 has events with positive"):
        HistAdaBoostClassifier(**FAST).fit(X, np.arange(20) % 2, sample_weight=np.arange(20) % 2)


def test_pickle_round_trip_gives_identical_predictions(fitted, easy):
    X = easy[1]
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.decision_function(X), fitted.decision_function(X))
    np.testing.assert_array_equal(clone.predict(X), fitted.predict(X))


def test_same_random_state_gives_identical_fits(easy):
    X, X_test, y, _ = easy
    params = {**FAST, "subsample": 0.5}
    first = HistAdaBoostClassifier(**params).fit(X, y).decision_function(X_test)
    second = HistAdaBoostClassifier(**params).fit(X, y).decision_function(X_test)
    other = HistAdaBoostClassifier(**{**params, "random_state": 1}).fit(X, y)
    np.testing.assert_array_equal(first, second)
    assert not np.array_equal(first, other.decision_function(X_test))


def test_missing_values_are_allowed(easy):
    X, X_test, y, y_test = easy
    X = X.copy()
    X[::7, 0] = np.nan
    model = HistAdaBoostClassifier(**FAST).fit(X, y)
    assert np.isfinite(model.decision_function(X)).all()
    assert roc_auc_score(y_test, model.decision_function(X_test)) > 0.9


def test_feature_importances_rank_the_informative_feature():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(1000, 4))
    y = (X[:, 2] + 0.3 * rng.normal(size=1000) > 0).astype(int)
    model = HistAdaBoostClassifier(**FAST).fit(X, y)
    assert model.feature_importances_.sum() == pytest.approx(1.0)
    assert np.argmax(model.feature_importances_) == 2


def test_dataframe_feature_names_are_checked(easy):
    pd = pytest.importorskip("pandas")
    X, X_test, y, _ = easy
    columns = [f"f{i}" for i in range(X.shape[1])]
    model = HistAdaBoostClassifier(**FAST).fit(pd.DataFrame(X, columns=columns), y)
    assert model.feature_names_in_.tolist() == columns
    with pytest.raises(ValueError, match="feature names"):
        model.predict(pd.DataFrame(X_test, columns=columns[::-1]))


def test_n_jobs_none_means_one_thread(fitted):
    config = json.loads(HistAdaBoostClassifier(n_estimators=1).fit([[0], [1]], [0, 1])
                        .booster_.save_config())
    assert config["learner"]["generic_param"]["nthread"] == "1"
    assert fitted.get_params()["n_jobs"] == 1
