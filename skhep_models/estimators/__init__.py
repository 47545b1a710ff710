"""Public scikit-learn estimators, one module per seed system."""

from ._generative import BetaVAEGenerator
from ._mass import ShallowMassRegressor, make_seed_mass_pipeline
from ._parameterized import ParameterizedNNClassifier
from ._recoil import RecoilDNNRegressor
from ._shaking import AUCShakingClassifier

__all__ = [
    "AUCShakingClassifier",
    "BetaVAEGenerator",
    "ParameterizedNNClassifier",
    "RecoilDNNRegressor",
    "ShallowMassRegressor",
    "make_seed_mass_pipeline",
]
