"""Factories for the seeds' tree baselines: configured scikit-learn / XGBoost estimators."""

from __future__ import annotations

from sklearn.ensemble import (
    AdaBoostClassifier,
    AdaBoostRegressor,
    RandomForestClassifier,
    RandomForestRegressor,
)
from sklearn.tree import DecisionTreeClassifier, DecisionTreeRegressor
from xgboost import XGBClassifier, XGBRegressor

from ._hist_adaboost import HistAdaBoostClassifier

__all__ = ["adaboost_bdt", "decision_tree", "random_forest", "xgboost_model", "TASKS"]

#: Values accepted by every factory's ``task`` argument.
TASKS = ("classifier", "regressor")

#: The seeds' BDT: AdaBoost over 300 trees of depth 3.
BDT_N_ESTIMATORS = 300
BDT_MAX_DEPTH = 3


def _check_task(task, factory):
    if task not in TASKS:
        raise ValueError(
            f"{factory}: task must be one of {list(TASKS)}, got {task!r}. "
            f"Use {factory}(task='classifier') for signal/background separation or "
            f"{factory}(task='regressor') for a continuous target."
        )


def _configure(estimator, overrides):
    # set_params: unknown names raise a ValueError listing the valid ones, and nested names
    # (estimator__max_depth for the boosted tree) reach the sub-estimator.
    return estimator.set_params(**overrides) if overrides else estimator


def adaboost_bdt(task="classifier", *, fast=False, **overrides):
    """The seeds' boosted decision tree: AdaBoost over 300 decision trees of depth 3.

    Parameters
    ----------
    task : {'classifier', 'regressor'}, default='classifier'
        ``AdaBoostClassifier`` (SAMME, the only algorithm scikit-learn >= 1.8 has) or
        ``AdaBoostRegressor`` (AdaBoost.R2, linear loss), each boosting
        ``DecisionTree*(max_depth=3)``.
    fast : bool, default=False
        Return :class:`HistAdaBoostClassifier` instead: the same exponential loss, depth and
        number of trees on histogram-binned features, much faster to train (see
        ``benchmarks/bdt_speed.py``), with Newton-step leaves shrunk by its
        ``learning_rate=0.2``. Classification only.
    **overrides
        Applied with ``set_params``: ``n_estimators=500``, ``learning_rate=0.5``,
        ``random_state=0``, and for the boosted tree ``estimator__max_depth=4`` or
        ``estimator__min_samples_leaf=100`` (with ``fast=True``, plain ``max_depth=4``).

    Returns
    -------
    AdaBoostClassifier, AdaBoostRegressor or HistAdaBoostClassifier
        Unfitted.

    Raises
    ------
    ValueError
        For a task other than 'classifier'/'regressor', ``fast=True`` with
        ``task='regressor'``, or an unknown override.

    See Also
    --------
    HistAdaBoostClassifier : the fast exponential-loss BDT.
    xgboost_model : gradient boosting with the logistic loss.

    Notes
    -----
    Seed settings: ``n_estimators=300`` and a ``max_depth=3`` base tree, scikit-learn's
    defaults otherwise (``learning_rate=1``, trees grown to depth 3 without a minimum leaf
    size). On 200,000 events with 27 features, 2 CPU cores, the scikit-learn classifier
    trains in about 750 s; ``fast=True`` in well under a minute.

    Examples
    --------
    >>> from skhep_models.baselines import adaboost_bdt
    >>> bdt = adaboost_bdt(random_state=0)
    >>> bdt.n_estimators, bdt.estimator.max_depth
    (300, 3)
    >>> adaboost_bdt("regressor", estimator__max_depth=4).estimator.max_depth
    4
    >>> type(adaboost_bdt(fast=True)).__name__
    'HistAdaBoostClassifier'
    """
    _check_task(task, "adaboost_bdt")
    if fast:
        if task != "classifier":
            raise ValueError(
                "adaboost_bdt: fast=True (HistAdaBoostClassifier, exponential loss) is for "
                "task='classifier' only; use xgboost_model(task='regressor') for a fast "
                "boosted regressor."
            )
        estimator = HistAdaBoostClassifier(
            n_estimators=BDT_N_ESTIMATORS, max_depth=BDT_MAX_DEPTH
        )
    elif task == "classifier":
        estimator = AdaBoostClassifier(
            DecisionTreeClassifier(max_depth=BDT_MAX_DEPTH), n_estimators=BDT_N_ESTIMATORS
        )
    else:
        estimator = AdaBoostRegressor(
            DecisionTreeRegressor(max_depth=BDT_MAX_DEPTH), n_estimators=BDT_N_ESTIMATORS
        )
    return _configure(estimator, overrides)


def random_forest(task="classifier", **overrides):
    """The seeds' random forest: 500 trees with out-of-bag scoring, on every core.

    Parameters
    ----------
    task : {'classifier', 'regressor'}, default='classifier'
        ``RandomForestClassifier`` or ``RandomForestRegressor``.
    **overrides
        Applied with ``set_params`` (``n_estimators``, ``max_depth``, ``min_samples_leaf``,
        ``random_state``, ``n_jobs``, ...).

    Returns
    -------
    RandomForestClassifier or RandomForestRegressor
        Unfitted.

    Raises
    ------
    ValueError
        For a task other than 'classifier'/'regressor', or an unknown override.

    See Also
    --------
    adaboost_bdt, xgboost_model

    Notes
    -----
    Seed settings: ``n_estimators=500``, ``oob_score=True`` (after ``fit``, ``oob_score_``
    is an unbiased accuracy / R^2 estimate without a held-out split), scikit-learn's
    defaults otherwise (fully grown trees; ``max_features='sqrt'`` for the classifier, all
    features for the regressor). ``n_jobs=-1``: the 500 trees are independent, so
    training and prediction use every core; inside a search that is parallel itself
    (``GridSearchCV(n_jobs=...)``) pass ``n_jobs=1`` here so as not to oversubscribe them.

    Examples
    --------
    >>> from skhep_models.baselines import random_forest
    >>> rf = random_forest(random_state=0)
    >>> rf.n_estimators, rf.oob_score, rf.n_jobs
    (500, True, -1)
    >>> random_forest("regressor", n_estimators=100).n_estimators
    100
    """
    _check_task(task, "random_forest")
    cls = RandomForestClassifier if task == "classifier" else RandomForestRegressor
    return _configure(cls(n_estimators=500, oob_score=True, n_jobs=-1), overrides)


def xgboost_model(task="classifier", **overrides):
    """XGBoost with the settings used across the project's HEP comparisons.

    Parameters
    ----------
    task : {'classifier', 'regressor'}, default='classifier'
        ``XGBClassifier`` (logistic loss; softmax for more than two classes) or
        ``XGBRegressor`` (squared error).
    **overrides
        Applied with ``set_params`` (any XGBoost parameter: ``n_estimators``,
        ``max_depth``, ``learning_rate``, ``subsample``, ``random_state``, ...).

    Returns
    -------
    xgboost.XGBClassifier or xgboost.XGBRegressor
        Unfitted.

    Raises
    ------
    ValueError
        For a task other than 'classifier'/'regressor'.

    See Also
    --------
    HistAdaBoostClassifier : XGBoost's trees with AdaBoost's exponential loss.

    Notes
    -----
    ``n_estimators=500``, ``max_depth=6``, ``learning_rate=0.1`` (the configuration of the
    mass-regression demo, ``examples/demo_mass_regression.py``, and XGBoost's default depth
    and a conventional shrinkage for a few hundred trees), ``tree_method='hist'``
    (256 quantile bins per feature, XGBoost's fast method for large samples, stated
    explicitly), ``n_jobs=-1`` (every core).

    Examples
    --------
    >>> from skhep_models.baselines import xgboost_model
    >>> xgb = xgboost_model(random_state=0)
    >>> xgb.n_estimators, xgb.max_depth, xgb.learning_rate, xgb.tree_method
    (500, 6, 0.1, 'hist')
    """
    _check_task(task, "xgboost_model")
    cls = XGBClassifier if task == "classifier" else XGBRegressor
    estimator = cls(
        n_estimators=500, max_depth=6, learning_rate=0.1, tree_method="hist", n_jobs=-1
    )
    return _configure(estimator, overrides)


def decision_tree(task="classifier", **overrides):
    """A single decision tree: the reference point below the ensembles.

    Parameters
    ----------
    task : {'classifier', 'regressor'}, default='classifier'
        ``DecisionTreeClassifier`` or ``DecisionTreeRegressor``.
    **overrides
        Applied with ``set_params`` (``max_depth``, ``min_samples_leaf``, ``random_state``,
        ...).

    Returns
    -------
    DecisionTreeClassifier or DecisionTreeRegressor
        Unfitted.

    Raises
    ------
    ValueError
        For a task other than 'classifier'/'regressor', or an unknown override.

    See Also
    --------
    adaboost_bdt : 300 of these, depth 3, boosted.

    Notes
    -----
    ``max_depth=3``, the seeds' BDT base learner, so that the table "one tree / boosted
    trees / forest" isolates what the ensemble adds. A fully grown single tree memorises
    the training events; pass ``max_depth=None`` for scikit-learn's default.

    Examples
    --------
    >>> from skhep_models.baselines import decision_tree
    >>> decision_tree().max_depth
    3
    >>> decision_tree("regressor", max_depth=None, min_samples_leaf=50).min_samples_leaf
    50
    """
    _check_task(task, "decision_tree")
    cls = DecisionTreeClassifier if task == "classifier" else DecisionTreeRegressor
    return _configure(cls(max_depth=BDT_MAX_DEPTH), overrides)
