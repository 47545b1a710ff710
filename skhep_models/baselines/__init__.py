"""Tree baselines with the seeds' settings, and a fast exponential-loss BDT.

The factories return unfitted, configured estimators; keyword overrides go through
``set_params``, so nested names such as ``estimator__max_depth`` reach a boosted tree:

========================  =============================================================
``adaboost_bdt``          AdaBoost over 300 depth-3 trees (the seeds' BDT); ``fast=True``
                          gives :class:`HistAdaBoostClassifier`
``random_forest``         500 trees, out-of-bag score, every core
``xgboost_model``         XGBoost, 500 trees of depth 6, learning rate 0.1, ``hist``
``decision_tree``         one depth-3 tree
========================  =============================================================

Each takes ``task='classifier'`` (default) or ``task='regressor'``.

:class:`HistAdaBoostClassifier` minimises AdaBoost's exponential loss with XGBoost's
histogram trees: same loss, depth and number of trees as the seeds' BDT, one to two orders
of magnitude faster (``benchmarks/bdt_speed.py``).

Examples
--------
>>> from skhep_models.baselines import adaboost_bdt, random_forest
>>> adaboost_bdt(learning_rate=0.5).learning_rate
0.5
>>> random_forest(task="regressor").oob_score
True
"""

from ._factories import TASKS, adaboost_bdt, decision_tree, random_forest, xgboost_model
from ._hist_adaboost import MARGIN_CLIP, HistAdaBoostClassifier

__all__ = [
    "HistAdaBoostClassifier",
    "MARGIN_CLIP",
    "TASKS",
    "adaboost_bdt",
    "decision_tree",
    "random_forest",
    "xgboost_model",
]
