"""Every estimator in BayesSearchCV and GridSearchCV, bare and in a Pipeline, with the spaces of
skhep_models.tuning; event weights reach each fold's fit and scorer through metadata routing,
and early stopping inside a fold validates on that fold's training rows only."""

import numpy as np
import pytest
import sklearn
import torch
from sklearn.metrics import make_scorer
from sklearn.model_selection import GridSearchCV, GroupKFold, KFold
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skopt import BayesSearchCV

from skhep_models.tuning import search_space, space_to_grid
from skhep_models.utils import all_estimators

N = 96
# Small and fast, with early stopping on (patience) where the estimator has it.
FAST = {
    "AUCShakingClassifier": dict(hidden_layer_sizes=(3,), n_shakes=3, population_size=4,
                                 n_restarts=1, patience=2),
    "HistAdaBoostClassifier": dict(n_estimators=5),
    "ParameterizedNNClassifier": dict(hidden_layer_sizes=(4,), param_columns=1,
                                      background_params="random", max_epochs=3, patience=1),
    "RecoilDNNRegressor": dict(hidden_layer_sizes=(4,), max_epochs=3, patience=1),
    "ShallowMassRegressor": dict(hidden_layer_sizes=(4,), max_epochs=3, patience=1),
}  # fmt: skip
# The dimension GridSearchCV searches (2 points of it), to keep the grid small.
GRID_KEY = {
    "AUCShakingClassifier": "n_units_1",
    "HistAdaBoostClassifier": "learning_rate",
    "ParameterizedNNClassifier": "learning_rate",
    "RecoilDNNRegressor": "learning_rate",
    "ShallowMassRegressor": "learning_rate",
}
MODELS = [
    (name, cls)
    for name, cls in all_estimators()
    if issubclass(cls, (sklearn.base.ClassifierMixin, sklearn.base.RegressorMixin))
]


def _data(name):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(N, 4))
    if name == "RecoilDNNRegressor":
        return X, X[:, :2] * 3 + rng.normal(size=(N, 2))
    if name == "ShallowMassRegressor":
        return X, X[:, 0] * 3 + X[:, 1] ** 2
    y = np.tile([0, 1], N // 2)
    X[:, 0] += 1.5 * y
    X[:, 1] = rng.choice([500.0, 1000.0], N)  # the parameterized classifier's mass column
    return X, y


# Fit and score calls of the current search, in order (the searches run serially).
FITS, SCORES = [], []


def _spy(cls):
    """``cls`` recording the weights given to fit and the early-stopping split it draws."""

    class Spy(cls):
        def fit(self, X, y, sample_weight=None):
            FITS.append({"weights": np.array(sample_weight), "n_rows": len(X), "valid": None})
            super().fit(X, y, sample_weight=sample_weight)
            FITS[-1]["history"] = getattr(self, "history_", None)
            return self

        def _split(self, n_samples, rng, stratify=None):
            train, valid = super()._split(n_samples, rng, stratify)
            FITS[-1]["valid"] = valid
            return train, valid

    Spy.__name__ = Spy.__qualname__ = cls.__name__
    return Spy


def _fast_spy(name):
    return _spy(dict(MODELS)[name])(random_state=0, **FAST[name])


def _weighted_squared_error(y_true, y_pred, sample_weight=None):
    SCORES.append(np.array(sample_weight))
    per_event = ((np.asarray(y_true) - y_pred) ** 2).reshape(len(y_true), -1).mean(axis=1)
    return -np.average(per_event, weights=sample_weight)  # minus the error rate for classes


@pytest.fixture(autouse=True)
def _fresh_records():
    FITS.clear()
    SCORES.clear()


@pytest.fixture(autouse=True, scope="module")
def _one_torch_thread():
    # the searched widths reach 512: on these few events, more threads only add hand-offs
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


def _rows(weights):
    """The rows of X that the weights ``1, 2, ..., N`` belong to."""
    return np.asarray(weights, dtype=int) - 1


@pytest.mark.parametrize("in_pipeline", [False, True], ids=["bare", "pipeline"])
@pytest.mark.parametrize("search", ["bayes", "grid"])
@pytest.mark.parametrize("name, cls", MODELS, ids=[name for name, _ in MODELS])
def test_search_routes_weights_to_each_fold_and_early_stops_inside_it(name, cls, search,
                                                                      in_pipeline):  # fmt: skip
    X, y = _data(name)
    w = np.arange(1.0, N + 1)  # distinct weights: they name the rows they arrive with
    n_candidates = 2
    with sklearn.config_context(enable_metadata_routing=True):
        est = _fast_spy(name).set_fit_request(sample_weight=True)
        if in_pipeline:
            est = make_pipeline(StandardScaler().set_fit_request(sample_weight=True), est)
        space = search_space(est)
        scorer = make_scorer(_weighted_squared_error).set_score_request(sample_weight=True)
        if search == "bayes":
            # skopt's BayesSearchCV always passes groups=... to scikit-learn; with routing on, a
            # splitter must consume them (see the module docs): one event per group is a KFold.
            cv, groups = GroupKFold(2, shuffle=True, random_state=0), np.arange(N)
            searcher = BayesSearchCV(est, space, n_iter=n_candidates, cv=cv, scoring=scorer, random_state=0)
            searcher.fit(X, y, sample_weight=w, groups=groups)
        else:
            cv, groups = KFold(2, shuffle=True, random_state=0), None
            keys = [key for key in space if key.split("__")[-1] == GRID_KEY[name]]
            grid = space_to_grid({key: space[key] for key in keys}, n_points=2)
            searcher = GridSearchCV(est, grid, cv=cv, scoring=scorer).fit(X, y, sample_weight=w)

    prefix = f"{est.steps[-1][0]}__" if in_pipeline else ""
    assert set(searcher.best_params_) <= {prefix + k for k in cls().get_params()}
    assert len(searcher.cv_results_["params"]) == n_candidates
    assert np.isfinite(searcher.cv_results_["mean_test_score"]).all()

    splits = list(cv.split(X, y, groups))
    fold_fits, refit = FITS[:-1], FITS[-1]
    assert len(fold_fits) == len(SCORES) == n_candidates * len(splits)
    for i, (fit, score_weights) in enumerate(zip(fold_fits, SCORES)):
        train, test = splits[i % len(splits)]
        # the fold's training rows, and only those, were fitted with their weights ...
        np.testing.assert_array_equal(_rows(fit["weights"]), train)
        assert fit["n_rows"] == len(train)
        # ... and the scorer weighted the fold's test rows
        np.testing.assert_array_equal(_rows(score_weights), test)
        if hasattr(cls, "_split"):  # a neural estimator: early stopping on a validation split
            valid_rows = _rows(fit["weights"])[fit["valid"]]
            assert len(valid_rows) == round(0.2 * len(train))
            assert set(valid_rows) <= set(train) and not set(valid_rows) & set(test)
            assert {"valid_loss", "valid_objective"} & set(fit["history"].columns)
    np.testing.assert_array_equal(_rows(refit["weights"]), np.arange(N))


def test_bayes_search_with_routing_needs_a_splitter_that_takes_groups():
    # skopt 0.10's BayesSearchCV.fit passes groups=None on to scikit-learn, which, with
    # routing on, refuses metadata that no splitter, estimator or scorer requests.
    X, y = _data("ShallowMassRegressor")
    est = _fast_spy("ShallowMassRegressor")
    with sklearn.config_context(enable_metadata_routing=True):
        est.set_fit_request(sample_weight=True)
        search = BayesSearchCV(est, search_space(est), n_iter=1, cv=KFold(2))
        with pytest.raises(TypeError, match="unexpected argument.*groups"):
            search.fit(X, y, sample_weight=np.ones(N))


@pytest.mark.parametrize("name", ["ShallowMassRegressor", "HistAdaBoostClassifier"])
def test_bayes_search_without_routing_weights_fit_and_scorer_of_a_bare_estimator(name):
    # scikit-learn >= 1.9 forwards fit(..., sample_weight=w) to the estimator and to every
    # scorer that takes sample_weight, routing off; BayesSearchCV inherits that.
    X, y = _data(name)
    w = np.arange(1.0, N + 1)
    est = _fast_spy(name)
    cv = KFold(2, shuffle=True, random_state=0)
    BayesSearchCV(est, search_space(est), n_iter=1, cv=cv, random_state=0,
                  scoring=make_scorer(_weighted_squared_error)).fit(X, y, sample_weight=w)  # fmt: skip
    assert len(FITS) == 3 and len(SCORES) == 2  # 2 folds and the refit
    for fit, score_weights, (train, test) in zip(FITS, SCORES, cv.split(X, y)):
        np.testing.assert_array_equal(_rows(fit["weights"]), train)
        np.testing.assert_array_equal(_rows(score_weights), test)


def test_pipeline_without_routing_weights_the_fit_only():
    # the documented limit of the no-routing path: a Pipeline takes step__sample_weight, which
    # scikit-learn does not pass to the scorer
    X, y = _data("ShallowMassRegressor")
    pipe = make_pipeline(StandardScaler(), _fast_spy("ShallowMassRegressor"))
    BayesSearchCV(pipe, search_space(pipe), n_iter=1, cv=2, random_state=0,
                  scoring=make_scorer(_weighted_squared_error)
                  ).fit(X, y, shallowmassregressor__sample_weight=np.arange(1.0, N + 1))  # fmt: skip
    assert len(FITS) == 3 and all(fit["weights"].shape == (fit["n_rows"],) for fit in FITS)
    assert len(SCORES) == 2 and all(score_weights.item() is None for score_weights in SCORES)
