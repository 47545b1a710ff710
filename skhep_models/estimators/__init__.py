"""Public scikit-learn estimators, one module per seed system."""

from ._mass import ShallowMassRegressor, make_seed_mass_pipeline
from ._parameterized import ParameterizedNNClassifier

__all__ = ["ParameterizedNNClassifier", "ShallowMassRegressor", "make_seed_mass_pipeline"]
