"""scikit-learn compatible particle-physics machine-learning estimators.

The neural estimators wrap PyTorch through skorch and share one training engine
(:mod:`skhep_models.training`); see the README for the catalogue.
"""

from ._version import __version__
from .estimators import (
    AUCShakingClassifier,
    BetaVAEGenerator,
    ParameterizedNNClassifier,
    RecoilDNNRegressor,
    ShallowMassRegressor,
)

__all__ = [
    "AUCShakingClassifier",
    "BetaVAEGenerator",
    "ParameterizedNNClassifier",
    "RecoilDNNRegressor",
    "ShallowMassRegressor",
    "__version__",
]
