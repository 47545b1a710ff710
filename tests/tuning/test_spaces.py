import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skopt import BayesSearchCV
from skopt.space import Categorical, Integer, Real

from skhep_models import (
    AUCShakingClassifier,
    ParameterizedNNClassifier,
    RecoilDNNRegressor,
    ShallowMassRegressor,
)
from skhep_models.baselines import HistAdaBoostClassifier
from skhep_models.estimators import make_seed_mass_pipeline
from skhep_models.features import SeparationPowerSelector
from skhep_models.tuning import (
    auc_shaking_space,
    hist_adaboost_space,
    parameterized_nn_space,
    prefix_space,
    recoil_dnn_space,
    search_space,
    separation_selector_space,
    shallow_mass_space,
    space_to_grid,
)


@pytest.mark.parametrize(
    "kind, bounds",
    [
        ("constrained", [(90, 140), (50, 80), (20, 40), (10, 20)]),
        ("unconstrained", [(1, 1000)] * 4),
    ],
)
def test_seed_spaces(kind, bounds):
    space = shallow_mass_space(kind)
    assert isinstance(space["n_layers"], Integer) and space["n_layers"].bounds == (1, 4)
    assert [space[f"n_units_{i}"].bounds for i in range(1, 5)] == bounds
    lr = space["learning_rate"]
    assert isinstance(lr, Real) and lr.bounds == (1e-4, 1e-3) and lr.prior == "log-uniform"
    # every key is a real parameter of the regressor
    assert set(space) <= set(ShallowMassRegressor().get_params())


def test_unknown_kind_raises():
    with pytest.raises(ValueError, match="kind must be one of"):
        shallow_mass_space("tight")


def test_prefixing_for_pipelines_and_errors():
    pipe = make_seed_mass_pipeline()
    assert set(shallow_mass_space(estimator=pipe)) == {
        f"shallowmassregressor__{k}" for k in shallow_mass_space()
    }
    nested = make_pipeline(StandardScaler(), make_pipeline(ShallowMassRegressor()))
    assert "pipeline__shallowmassregressor__n_layers" in shallow_mass_space(estimator=nested)
    assert set(shallow_mass_space(estimator=ShallowMassRegressor())) == set(shallow_mass_space())
    with pytest.raises(ValueError, match="has no ShallowMassRegressor steps"):
        prefix_space(shallow_mass_space(), make_pipeline(StandardScaler()), ShallowMassRegressor)


def _data(n=240):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(n, 4))
    return X, X[:, 0] * 3 + X[:, 1] ** 2


@pytest.mark.parametrize("kind", ["constrained", "unconstrained"])
@pytest.mark.parametrize("in_pipeline", [False, True])
def test_bayes_search_accepts_the_spaces_directly(kind, in_pipeline):
    X, y = _data()
    reg = ShallowMassRegressor(max_epochs=2, batch_size=64, patience=None, random_state=0)
    est = make_pipeline(StandardScaler(), reg) if in_pipeline else reg
    search = BayesSearchCV(est, shallow_mass_space(kind, est), n_iter=2, cv=2, random_state=0)
    search.fit(X, y)
    best = search.best_estimator_
    fitted = best[-1] if in_pipeline else best
    depth = fitted.n_layers
    prefix = "shallowmassregressor__" if in_pipeline else ""
    expected = tuple(search.best_params_[f"{prefix}n_units_{i}"] for i in range(1, depth + 1))
    assert fitted.hidden_layer_sizes_ == expected


SPACES = [
    (auc_shaking_space, AUCShakingClassifier),
    (hist_adaboost_space, HistAdaBoostClassifier),
    (parameterized_nn_space, ParameterizedNNClassifier),
    (recoil_dnn_space, RecoilDNNRegressor),
    (separation_selector_space, SeparationPowerSelector),
    (shallow_mass_space, ShallowMassRegressor),
]


@pytest.mark.parametrize("space_of, cls", SPACES, ids=[cls.__name__ for _, cls in SPACES])
def test_spaces_are_parameters_fresh_objects_and_the_registry_picks_them(space_of, cls):
    space = space_of()
    assert set(space) <= set(cls().get_params())
    assert all(a is not b for a, b in zip(space.values(), space_of().values()))
    assert search_space(cls()) == space
    pipe = make_pipeline(StandardScaler(), cls())
    step = pipe.steps[-1][0]
    assert space_of(estimator=pipe) == search_space(pipe) == {f"{step}__{k}": d for k, d in space.items()}


def test_neural_spaces_search_the_optimiser_on_a_log_scale():
    for space in (recoil_dnn_space(), parameterized_nn_space()):
        for key in ("learning_rate", "batch_size", "weight_decay", "n_units_1", "n_units_4"):
            assert space[key].prior == "log-uniform", key
        assert space["n_layers"].bounds == (1, 4) and space["dropout"].prior == "uniform"
    lo, hi = recoil_dnn_space()["batch_size"].bounds
    assert lo <= 4000 <= hi  # the seed's batch size is inside


def test_seed_shaking_grid_and_wide_space():
    seed = auc_shaking_space()
    assert all(isinstance(d, Categorical) for d in seed.values())
    assert space_to_grid(seed) == {"n_shakes": [10, 100, 150], "n_units_1": [3, 25]}
    assert set(auc_shaking_space("wide")) == {"n_shakes", "n_units_1", "population_size", "step_size", "alpha"}
    with pytest.raises(ValueError, match=r"kind must be one of \['seed', 'wide'\]"):
        auc_shaking_space("tight")


def test_space_to_grid_spaces_points_on_the_prior_scale():
    space = {"lr": Real(1e-4, 1e-2, prior="log-uniform"), "f": Real(0.0, 0.5),
             "n": Integer(1, 4), "w": Integer(16, 512, prior="log-uniform"), "g": [1, 2]}  # fmt: skip
    grid = space_to_grid(space, n_points=3)
    np.testing.assert_allclose(grid["lr"], [1e-4, 1e-3, 1e-2])
    assert grid["f"] == [0.0, 0.25, 0.5] and grid["g"] == [1, 2]
    assert grid["n"] == [1, 2, 4] and grid["w"] == [16, 91, 512]  # rounded (2.5 -> 2, 90.5 -> 91)
    assert all(type(v) is int for v in grid["n"] + grid["w"])
    assert space_to_grid({"n": Integer(1, 2)}, n_points=5) == {"n": [1, 2]}  # no duplicates
    with pytest.raises(ValueError, match="n_points must be an integer >= 2"):
        space_to_grid(space, n_points=1)
    with pytest.raises(TypeError, match="expected a skopt Categorical"):
        space_to_grid({"x": 0.5})


def test_search_space_merges_steps_and_applies_kind_to_the_model():
    pipe = make_pipeline(SeparationPowerSelector(), StandardScaler(), ShallowMassRegressor())
    space = search_space(pipe, kind="unconstrained")
    assert space["shallowmassregressor__n_units_1"].bounds == (1, 1000)
    assert space["separationpowerselector__max_correlation"].bounds == (0.5, 1.0)
    assert len(space) == len(shallow_mass_space()) + len(separation_selector_space())
    with pytest.raises(ValueError, match="RecoilDNNRegressor has no variants; got kind='wide'"):
        search_space(make_pipeline(RecoilDNNRegressor()), kind="wide")
    with pytest.raises(ValueError, match="no search space for Pipeline or any of its steps"):
        search_space(make_pipeline(StandardScaler()))
