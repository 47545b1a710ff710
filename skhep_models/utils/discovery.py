"""Find every public estimator of the package, so common tests need no edit per estimator."""

from __future__ import annotations

import inspect
import pkgutil
from importlib import import_module

from sklearn.base import BaseEstimator, ClassifierMixin, RegressorMixin, TransformerMixin

# The engine's skorch net is a BaseEstimator too, but not a public estimator.
_INTERNAL = ("skhep_models.training", "skhep_models.nn")

_TYPES = {"classifier": ClassifierMixin, "regressor": RegressorMixin, "transformer": TransformerMixin}


def all_estimators(type_filter=None):
    """Public estimator classes defined in :mod:`skhep_models`, sorted by name.

    Parameters
    ----------
    type_filter : {'classifier', 'regressor', 'transformer'} or None
        Keep only estimators of this kind.

    Returns
    -------
    list of (name, class)

    Examples
    --------
    >>> from skhep_models.utils import all_estimators
    >>> ("ShallowMassRegressor" in dict(all_estimators("regressor")))
    True
    """
    import skhep_models

    found = {}
    for info in pkgutil.walk_packages(skhep_models.__path__, "skhep_models."):
        if info.name.startswith(_INTERNAL) or info.name.endswith("__main__"):
            continue
        module = import_module(info.name)
        for name, cls in inspect.getmembers(module, inspect.isclass):
            if (
                issubclass(cls, BaseEstimator)
                and not name.startswith("_")
                and cls.__module__.startswith("skhep_models")
                and not cls.__module__.startswith(_INTERNAL)
                and not inspect.isabstract(cls)
                and "Base" not in name
            ):
                found[name] = cls
    if type_filter is not None:
        if type_filter not in _TYPES:
            raise ValueError(f"type_filter must be one of {sorted(_TYPES)} or None, got {type_filter!r}.")
        found = {n: c for n, c in found.items() if issubclass(c, _TYPES[type_filter])}
    return sorted(found.items())
