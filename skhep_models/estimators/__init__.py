"""Public scikit-learn estimators, one module per seed system."""

from ._mass import ShallowMassRegressor, make_seed_mass_pipeline
from ._parameterized import ParameterizedNNClassifier
from ._recoil import RecoilDNNRegressor
from ._shaking import AUCShakingClassifier

__all__ = [
    "AUCShakingClassifier",
    "ParameterizedNNClassifier",
    "RecoilDNNRegressor",
    "ShallowMassRegressor",
    "make_seed_mass_pipeline",
]
