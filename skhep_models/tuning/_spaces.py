"""Search spaces of the seed studies, as skopt dimensions that BayesSearchCV takes directly."""

from __future__ import annotations

from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from skopt.space import Integer, Real

__all__ = ["shallow_mass_space", "prefix_space"]

# Seed study (CMS dielectron mass): nodes per layer, "constrained" around the best network.
_CONSTRAINED_UNITS = ((90, 140), (50, 80), (20, 40), (10, 20))
_UNCONSTRAINED_UNITS = ((1, 1000),) * 4


def shallow_mass_space(kind: str = "constrained", estimator: BaseEstimator | None = None) -> dict:
    """The seed's Bayesian-optimisation space for :class:`~skhep_models.ShallowMassRegressor`.

    Number of hidden layers 1-4, nodes per layer (``'constrained'``: 90-140, 50-80, 20-40,
    10-20; ``'unconstrained'``: 1-1000 each) and learning rate 1e-4 to 1e-3 (log-uniform),
    expressed through the regressor's flat integer parameters ``n_layers`` and
    ``n_units_1`` ... ``n_units_4`` (skopt cannot search tuples).

    Parameters
    ----------
    kind : {'constrained', 'unconstrained'}, default='constrained'
    estimator : estimator or Pipeline, optional
        When given, the keys are prefixed for it (``shallowmassregressor__n_layers`` in a
        ``make_pipeline(..., ShallowMassRegressor())``); see :func:`prefix_space`.

    Returns
    -------
    dict of str to skopt.space.Dimension
        New dimension objects on every call.

    Notes
    -----
    The seed reached RMSE 0.80 +- 0.08 GeV in 980 s (constrained) and 0.74 +- 0.09 GeV in
    2700 s (unconstrained) on the CMS 2010 dielectron data.

    Examples
    --------
    >>> from skopt import BayesSearchCV
    >>> from skhep_models import ShallowMassRegressor
    >>> from skhep_models.estimators import make_seed_mass_pipeline
    >>> from skhep_models.tuning import shallow_mass_space
    >>> sorted(shallow_mass_space())[:3]
    ['learning_rate', 'n_layers', 'n_units_1']
    >>> pipe = make_seed_mass_pipeline(max_epochs=5)
    >>> search = BayesSearchCV(pipe, shallow_mass_space("unconstrained", pipe), n_iter=10)
    >>> sorted(search.search_spaces)[0]
    'shallowmassregressor__learning_rate'
    """
    units = {"constrained": _CONSTRAINED_UNITS, "unconstrained": _UNCONSTRAINED_UNITS}
    if kind not in units:
        raise ValueError(f"kind must be one of {sorted(units)}, got {kind!r}.")
    space = {
        "n_layers": Integer(1, 4, name="n_layers"),
        **{
            f"n_units_{i}": Integer(lo, hi, name=f"n_units_{i}")
            for i, (lo, hi) in enumerate(units[kind], start=1)
        },
        "learning_rate": Real(1e-4, 1e-3, prior="log-uniform", name="learning_rate"),
    }
    if estimator is None:
        return space
    from ..estimators import ShallowMassRegressor

    return prefix_space(space, estimator, ShallowMassRegressor)


def prefix_space(space: dict, estimator: BaseEstimator, target: type) -> dict:
    """Prefix ``space``'s keys with the path to the ``target`` step inside ``estimator``.

    ``estimator`` may be the target itself (keys unchanged) or a (nested) Pipeline containing
    exactly one step of type ``target``.

    Raises
    ------
    ValueError
        When ``estimator`` holds no ``target`` step, or more than one.
    """
    paths = list(_paths_to(estimator, target, ""))
    if len(paths) != 1:
        found = "no" if not paths else f"{len(paths)} ({', '.join(p.rstrip('_') for p in paths)})"
        raise ValueError(
            f"{type(estimator).__name__} has {found} {target.__name__} steps; expected exactly one."
        )
    return {paths[0] + key: dim for key, dim in space.items()}


def _paths_to(estimator, target, prefix):
    if isinstance(estimator, target):
        yield prefix
    elif isinstance(estimator, Pipeline):
        for name, step in estimator.steps:
            yield from _paths_to(step, target, f"{prefix}{name}__")
