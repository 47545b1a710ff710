import numpy as np
import pytest
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skopt import BayesSearchCV
from skopt.space import Integer, Real

from skhep_models import ShallowMassRegressor
from skhep_models.estimators import make_seed_mass_pipeline
from skhep_models.tuning import prefix_space, shallow_mass_space


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
