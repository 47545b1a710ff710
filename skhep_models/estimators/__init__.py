"""Public scikit-learn estimators, one module per seed system."""

from ._mass import ShallowMassRegressor, make_seed_mass_pipeline

__all__ = ["ShallowMassRegressor", "make_seed_mass_pipeline"]
