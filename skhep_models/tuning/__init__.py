"""Hyper-parameter search spaces per estimator (skopt dimensions for ``BayesSearchCV``)."""

from ._spaces import prefix_space, shallow_mass_space

__all__ = ["prefix_space", "shallow_mass_space"]
