"""scikit-learn's estimator checks on every public estimator, discovered automatically."""

import numpy as np
import pytest
from sklearn.base import is_classifier, is_regressor
from sklearn.utils.estimator_checks import parametrize_with_checks

from skhep_models.estimators._base import NeuralEstimatorBase
from skhep_models.training import EngineNet
from skhep_models.utils import all_estimators

# Settings that keep each check to a fraction of a second; applied to any estimator having them,
# so a new estimator is checked without editing this file.
FAST_PARAMS = {
    "hidden_layer_sizes": (32,),
    "batch_size": 16,
    "max_epochs": 40,
    "patience": 10,
    "learning_rate": 1e-2,
    "random_state": 0,
}

# Mini-batch training cannot make an event of weight 2 identical to the event repeated twice:
# the repeated event lands in different mini-batches and the validation split draws rows, not
# weight. The weighted loss itself is tested in tests/training/test_engine.py.
NEURAL_XFAIL = {
    "check_sample_weight_equivalence_on_dense_data": (
        "mini-batch SGD: an event of weight 2 and the event duplicated fall in different "
        "batches and validation splits, so the fits differ"
    ),
}


# Estimators whose defaults cannot run on sklearn's generic test data, by class name.
PER_ESTIMATOR_PARAMS: dict[str, dict] = {
    # sklearn's checks feed unnamed arrays of 1-3 columns: particles as column positions, where
    # a column may serve twice (the default names the CMS columns E1, px1, ...).
    "LorentzInvariants": {"particles": ((0, 1, 0, 1), (1, 0, 1, 0))},
    # its own shrinkage rather than the neural nets' learning rate; fewer rounds for speed
    "HistAdaBoostClassifier": {"learning_rate": 0.2, "n_estimators": 50},
    # unnamed arrays: the parameter column by position (the default names a column 'mass')
    "ParameterizedNNClassifier": {"param_columns": [0]},
    # unnamed arrays: one object whose four fields all sit in column 0 (the default finds the
    # objects by names like jet1_pt)
    "EventFrame": {"met_phi": 0, "objects": {"obj": [(0, 0, 0, 0)]}},
    # fewer, smaller populations: the checks test the contract, not the optimum
    "AUCShakingClassifier": {"n_shakes": 30, "n_restarts": 2, "population_size": 16},
}

# Further expected failures by class name: {name: {check_name: reason}}.
EXPECTED_FAILED: dict[str, dict[str, str]] = {
    "AUCShakingClassifier": {
        "check_sample_weight_equivalence_on_dense_data": (
            "the validation split draws rows, not weight, so an event of weight 2 and the "
            "event duplicated split differently; the weighted objectives themselves equal "
            "repeated rows (tests/training/test_shaking.py)"
        ),
    },
}


def _instance(cls):
    params = {k: v for k, v in FAST_PARAMS.items() if k in cls().get_params()}
    params.update(PER_ESTIMATOR_PARAMS.get(cls.__name__, {}))
    return cls(**params)


ESTIMATORS = [_instance(cls) for _, cls in all_estimators()]


def _expected_failed_checks(estimator):
    failed = dict(NEURAL_XFAIL) if "max_epochs" in estimator.get_params() else {}
    failed.update(EXPECTED_FAILED.get(type(estimator).__name__, {}))
    return failed


def test_discovery_finds_the_estimators():
    names = {name for name, _ in all_estimators()}
    assert {
        "ShallowMassRegressor", "ParameterizedNNClassifier", "RecoilDNNRegressor", "LorentzInvariants",
        "HistAdaBoostClassifier",
    } <= names


@parametrize_with_checks(ESTIMATORS, expected_failed_checks=_expected_failed_checks)
def test_sklearn_compatible(estimator, check):
    check(estimator)


@pytest.mark.parametrize(
    "estimator",
    [e for e in ESTIMATORS if isinstance(e, NeuralEstimatorBase)],
    ids=lambda e: type(e).__name__,
)
def test_every_neural_estimator_trains_through_the_shared_engine(estimator):
    rng = np.random.default_rng(0)
    X = rng.normal(size=(64, 3))
    if is_classifier(estimator):
        estimator.fit(X, (X[:, 1] > 0).astype(int))
    elif is_regressor(estimator):
        estimator.fit(X, X.sum(axis=1))
    else:
        estimator.fit(X)
    assert isinstance(estimator.net_, EngineNet)
