"""Search spaces per estimator, as skopt dimensions that BayesSearchCV takes directly."""

from __future__ import annotations

from importlib import import_module
from inspect import signature

import numpy as np
from sklearn.base import BaseEstimator
from sklearn.pipeline import Pipeline
from skopt.space import Categorical, Integer, Real

__all__ = [
    "auc_shaking_space",
    "hist_adaboost_space",
    "parameterized_nn_space",
    "prefix_space",
    "recoil_dnn_space",
    "search_space",
    "separation_selector_space",
    "shallow_mass_space",
    "space_to_grid",
]

# The neural estimators expose depth and widths as n_layers and n_units_1 ... n_units_4.
_MAX_LAYERS = 4

# Shared numpydoc text of the space functions, substituted into their docstrings below.
_ESTIMATOR_AND_RETURNS_DOC = """estimator : estimator or Pipeline, optional
        When given, the keys are prefixed with the path to the estimator's step in it,
        ``'<step>__<parameter>'`` (``make_pipeline`` names a step after its class in lower
        case); see :func:`prefix_space`.

    Returns
    -------
    dict of str to skopt.space.Dimension
        New dimension objects on every call."""

# Seed study (CMS dielectron mass): nodes per layer, "constrained" around the best network.
_CONSTRAINED_UNITS = ((90, 140), (50, 80), (20, 40), (10, 20))
_UNCONSTRAINED_UNITS = ((1, 1000),) * _MAX_LAYERS


def shallow_mass_space(kind: str = "constrained", estimator: BaseEstimator | None = None) -> dict:
    """The seed's Bayesian-optimisation space for :class:`~skhep_models.ShallowMassRegressor`.

    Number of hidden layers 1-4, nodes per layer (``'constrained'``: 90-140, 50-80, 20-40,
    10-20; ``'unconstrained'``: 1-1000 each) and learning rate 1e-4 to 1e-3 (log-uniform),
    expressed through the regressor's flat integer parameters ``n_layers`` and
    ``n_units_1`` ... ``n_units_4`` (skopt cannot search tuples).

    Parameters
    ----------
    kind : {'constrained', 'unconstrained'}, default='constrained'
    {estimator_and_returns}

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
        **_depth_and_widths(units[kind]),
        "learning_rate": Real(1e-4, 1e-3, prior="log-uniform", name="learning_rate"),
    }
    return _prefixed(space, estimator, "ShallowMassRegressor")


def recoil_dnn_space(estimator: BaseEstimator | None = None) -> dict:
    """Search space for :class:`~skhep_models.RecoilDNNRegressor`, around the seed's network.

    ========================  ==========================  ==================
    parameter                 range                       seed's value
    ========================  ==========================  ==================
    ``n_layers``              1-4                         3
    ``n_units_1`` ... ``_4``  32-512 (log-uniform)        256
    ``learning_rate``         1e-4 to 1e-2 (log-uniform)  1e-3
    ``batch_size``            256-8192 (log-uniform)      4000
    ``dropout``               0-0.3                       0
    ``weight_decay``          1e-6 to 1e-2 (log-uniform)  0 (plain Adam)
    ========================  ==========================  ==================

    Parameters
    ----------
    {estimator_and_returns}

    Notes
    -----
    The large batches suit the seed's 2.3M events; on a small sample a batch as large as the
    training set is one step per epoch, so lower the range with the sample. A log-uniform
    range cannot hold 0: a weight decay of 1e-6 is plain Adam for all practical purposes.

    Examples
    --------
    >>> from skhep_models.tuning import recoil_dnn_space
    >>> recoil_dnn_space()["batch_size"]
    Integer(low=256, high=8192, prior='log-uniform', transform='identity')
    """
    space = _network_space(
        units=(32, 512), learning_rate=(1e-4, 1e-2), batch_size=(256, 8192),
        dropout=(0.0, 0.3), weight_decay=(1e-6, 1e-2),
    )  # fmt: skip
    return _prefixed(space, estimator, "RecoilDNNRegressor")


def parameterized_nn_space(estimator: BaseEstimator | None = None) -> dict:
    """Search space for :class:`~skhep_models.ParameterizedNNClassifier`.

    ========================  ==========================  ==================
    parameter                 range                       default
    ========================  ==========================  ==================
    ``n_layers``              1-4                         3
    ``n_units_1`` ... ``_4``  16-512 (log-uniform)        64
    ``learning_rate``         1e-4 to 1e-2 (log-uniform)  1e-3
    ``batch_size``            64-2048 (log-uniform)       256
    ``dropout``               0-0.5                       0
    ``weight_decay``          1e-5 to 1e-1 (log-uniform)  1e-2
    ========================  ==========================  ==================

    ``param_columns``, ``background_params`` and ``class_weight`` define the problem rather
    than the model and are not searched.

    Parameters
    ----------
    {estimator_and_returns}

    Examples
    --------
    >>> from skhep_models.tuning import parameterized_nn_space
    >>> sorted(parameterized_nn_space())[:3]
    ['batch_size', 'dropout', 'learning_rate']
    """
    space = _network_space(
        units=(16, 512), learning_rate=(1e-4, 1e-2), batch_size=(64, 2048),
        dropout=(0.0, 0.5), weight_decay=(1e-5, 1e-1),
    )  # fmt: skip
    return _prefixed(space, estimator, "ParameterizedNNClassifier")


def auc_shaking_space(kind: str = "seed", estimator: BaseEstimator | None = None) -> dict:
    """Search space for :class:`~skhep_models.AUCShakingClassifier`.

    ``'seed'`` is the seed's study: 3 or 25 tanh neurons times 10, 100 or 150 shakes, as
    :class:`skopt.space.Categorical` dimensions, which :func:`space_to_grid` turns into that
    exact grid for ``GridSearchCV``. ``'wide'`` opens it up for Bayesian search: 2-64
    neurons (log-uniform), 10-300 shakes, 8-128 networks per shake (log-uniform), an
    initial step size of 0.01-1 (log-uniform) and an L2 penalty ``alpha`` of 0.01-30
    (log-uniform; 1-10 served the ROC AUC on the real samples of ``benchmarks/shaking.py``).

    Parameters
    ----------
    kind : {'seed', 'wide'}, default='seed'
    {estimator_and_returns}

    Notes
    -----
    Only the width of the first hidden layer (``n_units_1``) is searched, as in the seed,
    whose network has one; ``hidden_layer_sizes`` (default ``(25,)``) sets the depth.

    Examples
    --------
    >>> from skhep_models.tuning import auc_shaking_space, space_to_grid
    >>> space_to_grid(auc_shaking_space("seed"))
    {'n_shakes': [10, 100, 150], 'n_units_1': [3, 25]}
    """
    if kind == "seed":
        space = {
            "n_shakes": Categorical([10, 100, 150], name="n_shakes"),
            "n_units_1": Categorical([3, 25], name="n_units_1"),
        }
    elif kind == "wide":
        space = {
            "n_shakes": Integer(10, 300, name="n_shakes"),
            "n_units_1": Integer(2, 64, prior="log-uniform", name="n_units_1"),
            "population_size": Integer(8, 128, prior="log-uniform", name="population_size"),
            "step_size": Real(0.01, 1.0, prior="log-uniform", name="step_size"),
            "alpha": Real(0.01, 30.0, prior="log-uniform", name="alpha"),
        }
    else:
        raise ValueError(f"kind must be one of ['seed', 'wide'], got {kind!r}.")
    return _prefixed(space, estimator, "AUCShakingClassifier")


def hist_adaboost_space(estimator: BaseEstimator | None = None) -> dict:
    """Search space for :class:`~skhep_models.baselines.HistAdaBoostClassifier`.

    ======================  ========================  =======================================
    parameter               range                     why
    ======================  ========================  =======================================
    ``n_estimators``        100-1000 (log-uniform)    the seeds' BDT has 300 trees
    ``learning_rate``       0.05-1 (log-uniform)      0.1-0.5 measured best (class Notes)
    ``max_depth``           2-5                       the seeds' trees have depth 3
    ``min_child_weight``    0-20                      10 helps on small samples
    ``reg_lambda``          0-20                      10 helps on small samples
    ``subsample``           0.5-1                     TMVA's bagged boosting
    ======================  ========================  =======================================

    Parameters
    ----------
    {estimator_and_returns}

    Examples
    --------
    >>> from skhep_models.tuning import hist_adaboost_space
    >>> hist_adaboost_space()["max_depth"]
    Integer(low=2, high=5, prior='uniform', transform='identity')
    """
    space = {
        "n_estimators": Integer(100, 1000, prior="log-uniform", name="n_estimators"),
        "learning_rate": Real(0.05, 1.0, prior="log-uniform", name="learning_rate"),
        "max_depth": Integer(2, 5, name="max_depth"),
        "min_child_weight": Real(0.0, 20.0, name="min_child_weight"),
        "reg_lambda": Real(0.0, 20.0, name="reg_lambda"),
        "subsample": Real(0.5, 1.0, name="subsample"),
    }
    return _prefixed(space, estimator, "HistAdaBoostClassifier")


def separation_selector_space(estimator: BaseEstimator | None = None) -> dict:
    """Search space for :class:`~skhep_models.features.SeparationPowerSelector` in a Pipeline.

    ``max_correlation`` 0.5-1 (1 drops only exact copies) and ``min_separation`` 0-0.05
    (weakly separating variables have <S^2> of about 0.01). ``n_features`` is left out: its
    range depends on the number of inputs (add ``Integer(1, n_inputs)`` yourself), and
    ``bins`` is a choice of the ranking metric rather than of the model.

    Parameters
    ----------
    {estimator_and_returns}

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from skhep_models.baselines import HistAdaBoostClassifier
    >>> from skhep_models.features import SeparationPowerSelector
    >>> from skhep_models.tuning import search_space
    >>> pipe = make_pipeline(SeparationPowerSelector(), HistAdaBoostClassifier())
    >>> sorted(search_space(pipe))[:2]
    ['histadaboostclassifier__learning_rate', 'histadaboostclassifier__max_depth']
    >>> sorted(search_space(pipe))[-1]
    'separationpowerselector__min_separation'
    """
    space = {
        "max_correlation": Real(0.5, 1.0, name="max_correlation"),
        "min_separation": Real(0.0, 0.05, name="min_separation"),
    }
    return _prefixed(space, estimator, "SeparationPowerSelector")


for _space_of in (shallow_mass_space, recoil_dnn_space, parameterized_nn_space,
                  auc_shaking_space, hist_adaboost_space, separation_selector_space):  # fmt: skip
    _space_of.__doc__ = _space_of.__doc__.replace(
        "{estimator_and_returns}", _ESTIMATOR_AND_RETURNS_DOC
    )

# estimator class name -> (module defining it, its space); LorentzInvariants has no space:
# its parameters say which particles and invariants to compute, nothing to tune.
_REGISTRY = {
    "AUCShakingClassifier": ("skhep_models.estimators", auc_shaking_space),
    "HistAdaBoostClassifier": ("skhep_models.baselines", hist_adaboost_space),
    "ParameterizedNNClassifier": ("skhep_models.estimators", parameterized_nn_space),
    "RecoilDNNRegressor": ("skhep_models.estimators", recoil_dnn_space),
    "SeparationPowerSelector": ("skhep_models.features", separation_selector_space),
    "ShallowMassRegressor": ("skhep_models.estimators", shallow_mass_space),
}


def search_space(estimator: BaseEstimator, kind: str | None = None) -> dict:
    """The space of every step of ``estimator`` that has one, with the keys prefixed for it.

    ``estimator`` is one of the estimators below, or a (nested) Pipeline holding one or more
    of them, e.g. ``SeparationPowerSelector`` + ``HistAdaBoostClassifier``: their spaces are
    merged. The space for a class comes from:

    =============================  ==================================  =======================
    estimator                      space                               kinds
    =============================  ==================================  =======================
    ``ShallowMassRegressor``       :func:`shallow_mass_space`          'constrained',
                                                                       'unconstrained'
    ``RecoilDNNRegressor``         :func:`recoil_dnn_space`
    ``ParameterizedNNClassifier``  :func:`parameterized_nn_space`
    ``AUCShakingClassifier``       :func:`auc_shaking_space`           'seed', 'wide'
    ``HistAdaBoostClassifier``     :func:`hist_adaboost_space`
    ``SeparationPowerSelector``    :func:`separation_selector_space`
    =============================  ==================================  =======================

    Parameters
    ----------
    estimator : estimator or Pipeline
    kind : str, optional
        Variant of the space of the last such step (the model); the other steps get their
        default spaces. ``None`` takes the default of every space.

    Returns
    -------
    dict of str to skopt.space.Dimension
        New dimension objects on every call.

    Raises
    ------
    ValueError
        When no step has a space, or ``kind`` is not a variant of the model's space.

    Examples
    --------
    >>> from sklearn.pipeline import make_pipeline
    >>> from sklearn.preprocessing import StandardScaler
    >>> from skhep_models import AUCShakingClassifier
    >>> from skhep_models.tuning import search_space
    >>> search_space(make_pipeline(StandardScaler(), AUCShakingClassifier()), kind="wide")
    ... # doctest: +NORMALIZE_WHITESPACE
    {'aucshakingclassifier__n_shakes': Integer(low=10, high=300, prior='uniform',
                                               transform='identity'),
     'aucshakingclassifier__n_units_1': Integer(low=2, high=64, prior='log-uniform',
                                                transform='identity'),
     'aucshakingclassifier__population_size': Integer(low=8, high=128, prior='log-uniform',
                                                      transform='identity'),
     'aucshakingclassifier__step_size': Real(low=0.01, high=1.0, prior='log-uniform',
                                             transform='identity'),
     'aucshakingclassifier__alpha': Real(low=0.01, high=30.0, prior='log-uniform',
                                         transform='identity')}
    """
    found = [
        (prefix, name, space_of)
        for prefix, step in _steps(estimator, "")
        for name, (_, space_of) in _REGISTRY.items()
        if isinstance(step, _estimator_class(name))
    ]
    if not found:
        raise ValueError(
            f"skhep_models.tuning has no search space for {type(estimator).__name__} or any "
            f"of its steps; it has spaces for {sorted(_REGISTRY)}, alone or in a Pipeline."
        )
    space = {}
    for i, (prefix, name, space_of) in enumerate(found):
        if kind is not None and i == len(found) - 1:
            if "kind" not in signature(space_of).parameters:
                raise ValueError(
                    f"The search space of {name} has no variants; got kind={kind!r}. Leave "
                    "kind=None."
                )
            step_space = space_of(kind)
        else:
            step_space = space_of()
        space.update({prefix + key: dim for key, dim in step_space.items()})
    return space


def space_to_grid(space: dict, n_points: int = 3) -> dict:
    """A ``GridSearchCV`` grid from a search space: ``n_points`` values per dimension.

    Categorical dimensions give their categories; ``Real`` and ``Integer`` ranges give
    ``n_points`` values from the lower to the upper bound, evenly spaced on the scale of
    their prior (geometrically for log-uniform), integers rounded and duplicates dropped.
    Lists (already a grid) are kept.

    Parameters
    ----------
    space : dict of str to skopt.space.Dimension or list
    n_points : int, default=3
        At least 2. The grid has up to ``n_points ** len(space)`` points: pick a few keys of
        a large space first.

    Returns
    -------
    dict of str to list

    Examples
    --------
    >>> from skhep_models.tuning import recoil_dnn_space, space_to_grid
    >>> space = recoil_dnn_space()
    >>> space_to_grid({k: space[k] for k in ("learning_rate", "n_units_1")})
    {'learning_rate': [0.0001, 0.001, 0.01], 'n_units_1': [32, 128, 512]}
    """
    if not (isinstance(n_points, (int, np.integer)) and n_points >= 2):
        raise ValueError(f"n_points must be an integer >= 2, got {n_points!r}.")
    grid = {}
    for key, dim in space.items():
        if isinstance(dim, Categorical):
            grid[key] = list(dim.categories)
        elif isinstance(dim, (Integer, Real)):
            spaced = np.geomspace if dim.prior == "log-uniform" else np.linspace
            values = spaced(*dim.bounds, n_points)
            if isinstance(dim, Integer):
                values = np.unique(np.round(values).astype(int))
            grid[key] = [v.item() for v in values]
        elif isinstance(dim, (list, tuple)):
            grid[key] = list(dim)
        else:
            raise TypeError(
                f"space[{key!r}] is a {type(dim).__name__}; expected a skopt Categorical, "
                "Integer or Real dimension, or a list of values."
            )
    return grid


def prefix_space(space: dict, estimator: BaseEstimator, target: type) -> dict:
    """Prefix ``space``'s keys with the path to the ``target`` step inside ``estimator``.

    ``estimator`` may be the target itself (keys unchanged) or a (nested) Pipeline containing
    exactly one step of type ``target``.

    Raises
    ------
    ValueError
        When ``estimator`` holds no ``target`` step, or more than one.
    """
    paths = [prefix for prefix, step in _steps(estimator, "") if isinstance(step, target)]
    if len(paths) != 1:
        found = "no" if not paths else f"{len(paths)} ({', '.join(p.rstrip('_') for p in paths)})"
        raise ValueError(
            f"{type(estimator).__name__} has {found} {target.__name__} steps; expected exactly one."
        )
    return {paths[0] + key: dim for key, dim in space.items()}


def _steps(estimator, prefix):
    """``(prefix, step)`` for ``estimator`` and, in a (nested) Pipeline, every step."""
    yield prefix, estimator
    if isinstance(estimator, Pipeline):
        for name, step in estimator.steps:
            yield from _steps(step, f"{prefix}{name}__")


def _estimator_class(name):
    # imported when needed: the spaces themselves need no torch
    return getattr(import_module(_REGISTRY[name][0]), name)


def _prefixed(space, estimator, name):
    return space if estimator is None else prefix_space(space, estimator, _estimator_class(name))


def _depth_and_widths(unit_bounds, prior="uniform"):
    """``n_layers`` (1-4) and ``n_units_i`` with the bounds of each layer."""
    return {
        "n_layers": Integer(1, _MAX_LAYERS, name="n_layers"),
        **{
            f"n_units_{i}": Integer(lo, hi, prior=prior, name=f"n_units_{i}")
            for i, (lo, hi) in enumerate(unit_bounds, start=1)
        },
    }


def _network_space(*, units, learning_rate, batch_size, dropout, weight_decay):
    """Depth, widths (log-uniform) and the optimiser's settings of a neural estimator."""
    return {
        **_depth_and_widths((units,) * _MAX_LAYERS, prior="log-uniform"),
        "learning_rate": Real(*learning_rate, prior="log-uniform", name="learning_rate"),
        "batch_size": Integer(*batch_size, prior="log-uniform", name="batch_size"),
        "dropout": Real(*dropout, name="dropout"),
        "weight_decay": Real(*weight_decay, prior="log-uniform", name="weight_decay"),
    }
