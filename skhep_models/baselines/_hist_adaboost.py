"""A histogram-based BDT minimising AdaBoost's exponential loss, grown by XGBoost."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import xgboost as xgb
from scipy.special import expit
from sklearn.base import BaseEstimator, ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..utils._targets import binary_target

__all__ = ["HistAdaBoostClassifier", "MARGIN_CLIP"]

#: The margin ``f`` is clipped to ``[-MARGIN_CLIP, MARGIN_CLIP]`` inside the objective only.
MARGIN_CLIP = 30.0


def _exponential_loss_grad_hess(y_signed, margin, sample_weight=None, clip=MARGIN_CLIP):
    """Gradient and hessian of ``w * exp(-y* f)`` with respect to the margin ``f``.

    ``grad = -w y* exp(-y* f)`` and ``hess = w exp(-y* f)``, with ``f`` clipped to
    ``[-clip, clip]`` first: beyond the clip an event's boosting weight stays frozen at its
    value there, so ``exp`` can neither overflow nor underflow XGBoost's single-precision
    gradients. ``y_signed`` is -1 or +1.
    """
    boost_weight = np.exp(-y_signed * np.clip(margin, -clip, clip))
    if sample_weight is not None:
        boost_weight = boost_weight * sample_weight
    return -y_signed * boost_weight, boost_weight


def _power_of_two_near(value):
    """The power of two closest to ``value`` (> 0) on a log scale."""
    return 2.0 ** np.round(np.log2(value))


class _ExponentialObjective:
    """XGBoost custom objective (``obj=``) for fixed labels and event weights.

    Returns the exponential loss's gradient and hessian divided by the power of two closest
    to the mean boosting weight of the events with positive weight: AdaBoost's per-round
    renormalisation of the event weights. A common positive factor changes neither the
    Newton leaf values nor which cut is best, and a power of two does so exactly in
    floating point; it keeps XGBoost's absolute thresholds (minimum split gain 1e-6,
    ``min_child_weight``) meaningful however small the weights become.
    """

    def __init__(self, y_signed, sample_weight):
        self.y_signed = y_signed
        self.sample_weight = sample_weight
        self.n_active = np.count_nonzero(sample_weight)

    def __call__(self, margin, dtrain):
        grad, hess = _exponential_loss_grad_hess(self.y_signed, margin, self.sample_weight)
        scale = _power_of_two_near(hess.sum() / self.n_active)
        return grad / scale, hess / scale


class HistAdaBoostClassifier(ClassifierMixin, BaseEstimator):
    """Fast boosted decision trees minimising AdaBoost's exponential loss on binned features.

    The same model class and loss as the seed's BDT (``AdaBoostClassifier`` with 300
    depth-3 trees, see :func:`adaboost_bdt`), trained one to two orders of magnitude faster:
    each round XGBoost's histogram algorithm (``tree_method="hist"``) grows one tree by a
    Newton step on the exponential loss

    .. math:: L = \\sum_i w_i \\exp(-y^*_i f(x_i)), \\qquad y^* \\in \\{-1, +1\\},

    i.e. gradient ``-w y* exp(-y* f)`` and hessian ``w exp(-y* f)`` per event: the hessian
    is AdaBoost's event weight, and the Newton leaf value is the weighted mean of ``y*``
    under those weights (Gentle AdaBoost, Friedman, Hastie and Tibshirani 2000). Binary
    classification only; the labels may be any two values (strings too), ``classes_[1]``
    being the positive class.

    Parameters
    ----------
    n_estimators : int, default=300
        Number of boosting rounds (trees), as in the seed's BDT.
    learning_rate : float, default=0.2
        Shrinkage of each tree's contribution; 1 is the full Newton step (plain Gentle
        AdaBoost). TMVA's ``AdaBoostBeta=0.5`` shrinks discrete AdaBoost's tree weight
        ``1/2 ln((1 - err) / err)``, only 0.1-0.4 in margin units for weak depth-3 trees,
        whereas a pure Newton leaf moves the margin by a full 1: 0.2 gives comparable steps.
        Measured with 300 depth-3 trees (Notes), 0.2 is within 0.002 of the best AUC on
        100k synthetic events and better than 0.5 by 0.02 on 7.5k HIGGS events.
    max_depth : int, default=3
        Depth of each tree, as the seed's ``DecisionTreeClassifier(max_depth=3)``.
    max_bin : int, default=256
        Number of histogram bins per feature (weighted quantiles of the training sample): the
        candidate cuts, the analogue of TMVA's ``nCuts``. Features with fewer distinct
        values are cut between every pair of them, as exactly as an unbinned tree.
    min_child_weight : float, default=0.0
        Minimum sum of boosting weights ``w exp(-y* f)`` in a leaf (XGBoost's parameter),
        in units of the mean boosting weight of the round (see Notes). 0 lets a leaf be as
        small as scikit-learn's trees allow.
    reg_lambda : float, default=0.0
        L2 penalty on the leaf values (XGBoost's ``lambda``). 0 keeps the pure Newton step,
        which is bounded by 1 for this loss and independent of the weight scale.
    subsample : float, default=1.0
        Fraction of the events drawn (without replacement) to grow each tree: TMVA's
        ``UseBaggedBoost`` / ``BaggedSampleFraction``. 1 uses all events every round.
    negative_weights : {'raise', 'ignore'}, default='raise'
        What to do with negative event weights (NLO Monte Carlo). ``'raise'``: a
        ``ValueError``; ``'ignore'``: train with those events' weights set to zero, as TMVA's
        ``IgnoreNegWeightsInTraining``. The exponential loss with negative weights has no
        minimum, so they cannot enter the fit as they are.
    n_jobs : int or None, default=None
        Number of threads XGBoost uses: ``None`` means 1, as in scikit-learn, -1 every core
        (see Notes on threads).
    random_state : int, RandomState instance or None, default=None
        Seeds XGBoost's row sampling (``subsample < 1``); with ``subsample=1`` the fit is
        deterministic anyway.

    Attributes
    ----------
    booster_ : xgboost.Booster
        The trained trees. ``booster_.predict(DMatrix(X), output_margin=True)`` is the
        decision function.
    init_margin_ : float
        Starting margin ``1/2 ln(W+ / W-)`` (the constant minimising the exponential loss,
        ``W`` the class weight sums); the trees add to it.
    classes_ : ndarray of shape (2,)
        The two class labels; ``classes_[1]`` has positive margins.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame with string column names.
    feature_importances_ : ndarray of shape (n_features_in_,)
        Total split gain per feature, normalised to sum to 1 (TMVA's variable ranking uses
        the same idea).

    See Also
    --------
    adaboost_bdt : the seed's scikit-learn BDT (``fast=True`` returns this class).
    sklearn.ensemble.AdaBoostClassifier : discrete SAMME boosting of exact trees.
    sklearn.ensemble.GradientBoostingClassifier : ``loss="exponential"`` fits the same loss
        with exact (unbinned) trees, slowly.

    Notes
    -----
    Why it matches AdaBoost: Friedman, Hastie and Tibshirani (2000) showed that AdaBoost is
    stagewise fitting of the exponential loss, whose population minimiser is
    ``f = 1/2 ln(p / (1 - p))``; hence ``predict_proba`` returns ``sigmoid(2 f)`` and
    ``decision_function`` returns ``f`` (positive for ``classes_[1]``). Each tree here is a
    Newton step on that loss (Gentle AdaBoost), which differs from sklearn's discrete SAMME
    (one vote per tree) in the leaf values, not in the loss or the event re-weighting.

    Numerical safeguards: the margin is clipped to ``[-30, 30]`` (:data:`MARGIN_CLIP`)
    inside the objective only, so the boosting weights stay within ``exp(+-30)`` of the
    event weight, comfortably inside XGBoost's single-precision gradients (at ``|f| = 30``
    the probability is already 1 in double precision); predictions are not clipped. Every
    round, as AdaBoost renormalises its event weights, the gradients and hessians are
    divided by the power of two closest to the mean boosting weight (of the events with
    positive weight): a common factor changes neither the leaf values nor the best cut, a
    power of two changes them not even by rounding, and XGBoost's absolute thresholds
    (minimum split gain 1e-6, ``min_child_weight``) keep their meaning however small the
    weights get. The fit is therefore identical for any overall weight scale
    (cross-section times luminosity); an event of weight 2 is equivalent to the event
    repeated twice, and zero-weight events to their removal.

    Choice of ``learning_rate`` (300 trees of depth 3, other parameters at their defaults;
    ROC AUC, 5-fold cross-validated on the 7,500 UCI HIGGS events of ``../shared/data``, and
    on one half of 200k ``make_classification(n_features=27, n_informative=15,
    n_redundant=6, flip_y=0.05, class_sep=0.8, random_state=42)`` events after training on
    the other half):

    =============  ===========  ===========
    learning_rate  HIGGS (cv)   synthetic
    =============  ===========  ===========
    0.1            0.773        0.961
    0.2            0.766        0.967
    0.3            0.758        0.969
    0.5            0.745        0.969
    =============  ===========  ===========

    scikit-learn's ``AdaBoostClassifier`` at the seed settings scores 0.756 on the same
    HIGGS folds (0.771 with ``learning_rate=0.5``). On small samples ``reg_lambda=10`` or
    ``min_child_weight=10`` (leaves need the boosting weight of ten average events) gain
    another 0.005-0.01 there.

    Threads: each round leaves XGBoost's C++ code to evaluate the objective in Python, while
    XGBoost's idle OpenMP threads keep spinning. On a machine whose cores are all busy that
    spinning steals the CPU from the objective: with one of 2 cores taken by another process,
    7,000 HIGGS events train in 0.7 s on one thread but in 6-30 s with ``n_jobs=2`` (0.7 s
    with the environment variable ``OMP_WAIT_POLICY=PASSIVE``). One thread is already
    25-100x faster than scikit-learn's AdaBoost (``benchmarks/bdt_speed.py``), hence the
    default; ``n_jobs=-1`` pays off on large samples and otherwise idle cores.

    Missing values (NaN) are allowed: XGBoost learns at every cut on which side they go.

    References
    ----------
    J. Friedman, T. Hastie, R. Tibshirani, "Additive logistic regression: a statistical view
    of boosting", Ann. Statist. 28 (2000) 337, doi:10.1214/aos/1016218223.

    T. Chen, C. Guestrin, "XGBoost: a scalable tree boosting system", KDD 2016,
    doi:10.1145/2939672.2939785.

    A. Hoecker et al., "TMVA - Toolkit for Multivariate Data Analysis",
    arXiv:physics/0703039 (AdaBoostBeta, nCuts, IgnoreNegWeightsInTraining).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from sklearn.metrics import roc_auc_score
    >>> from skhep_models.baselines import HistAdaBoostClassifier
    >>> X, y = make_classification(2000, n_features=10, random_state=0)
    >>> bdt = HistAdaBoostClassifier(n_estimators=50, random_state=0).fit(X, y)
    >>> bool(roc_auc_score(y, bdt.predict_proba(X)[:, 1]) > 0.95)
    True
    >>> bdt.predict_proba(X[:2]).shape
    (2, 2)
    """

    _parameter_constraints = {
        "n_estimators": [Interval(Integral, 1, None, closed="left")],
        "learning_rate": [Interval(Real, 0, None, closed="neither")],
        "max_depth": [Interval(Integral, 1, None, closed="left")],
        "max_bin": [Interval(Integral, 2, None, closed="left")],
        "min_child_weight": [Interval(Real, 0, None, closed="left")],
        "reg_lambda": [Interval(Real, 0, None, closed="left")],
        "subsample": [Interval(Real, 0, 1, closed="right")],
        "negative_weights": [StrOptions({"raise", "ignore"})],
        "n_jobs": [Integral, None],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        n_estimators=300,
        *,
        learning_rate=0.2,
        max_depth=3,
        max_bin=256,
        min_child_weight=0.0,
        reg_lambda=0.0,
        subsample=1.0,
        negative_weights="raise",
        n_jobs=None,
        random_state=None,
    ):
        self.n_estimators = n_estimators
        self.learning_rate = learning_rate
        self.max_depth = max_depth
        self.max_bin = max_bin
        self.min_child_weight = min_child_weight
        self.reg_lambda = reg_lambda
        self.subsample = subsample
        self.negative_weights = negative_weights
        self.n_jobs = n_jobs
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Grow the trees.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric features; NaN marks a missing value.
        y : array-like of shape (n_samples,)
            Two class labels (numbers or strings).
        sample_weight : array-like of shape (n_samples,), default=None
            Event weights; they multiply each event's exponential loss. Negative weights
            follow ``negative_weights``.

        Returns
        -------
        self : HistAdaBoostClassifier
        """
        X, y = validate_data(
            self, X, y, dtype=[np.float32, np.float64], ensure_all_finite="allow-nan"
        )
        self.classes_, is_signal = binary_target(
            y, type(self).__name__, does="minimises the two-class exponential loss",
            hint="Wrap it in OneVsRestClassifier or use xgboost_model() for several classes.",
        )  # fmt: skip
        y_index = is_signal.astype(np.int64)
        sample_weight = self._event_weights(sample_weight, X, y_index)
        y_signed = 2.0 * y_index - 1.0

        w_pos, w_neg = sample_weight[y_index == 1].sum(), sample_weight[y_index == 0].sum()
        self.init_margin_ = float(np.clip(0.5 * np.log(w_pos / w_neg), -MARGIN_CLIP, MARGIN_CLIP))

        rng = check_random_state(self.random_state)
        params = {
            "tree_method": "hist",
            "max_depth": self.max_depth,
            "max_bin": self.max_bin,
            "eta": self.learning_rate,
            "min_child_weight": self.min_child_weight,
            "lambda": self.reg_lambda,
            "subsample": self.subsample,
            # Squared error is XGBoost's identity link: base_score is in margin units.
            "objective": "reg:squarederror",
            "base_score": self.init_margin_,
            "disable_default_eval_metric": True,
            "nthread": 1 if self.n_jobs is None else self.n_jobs,
            "seed": int(rng.randint(np.iinfo(np.int32).max)),
            "verbosity": 1,
        }
        # The weights also enter the DMatrix so that the bin edges are weighted quantiles
        # (zero-weight events do not move them); XGBoost does not apply DMatrix weights to
        # a custom objective's gradients, the objective does.
        dtrain = xgb.DMatrix(X, label=y_index.astype(np.float32), weight=sample_weight)
        self.booster_ = xgb.train(
            params,
            dtrain,
            num_boost_round=self.n_estimators,
            obj=_ExponentialObjective(y_signed, sample_weight),
        )
        return self

    def _event_weights(self, sample_weight, X, y_index):
        """Validated, non-negative weights, rescaled by a power of two to a mean near 1."""
        sample_weight = _check_sample_weight(sample_weight, X, dtype=np.float64, copy=True)
        negative = sample_weight < 0
        if negative.any():
            if self.negative_weights == "raise":
                raise ValueError(
                    f"sample_weight has {int(negative.sum())} negative values (minimum "
                    f"{sample_weight.min():.3g}); the exponential loss has no minimum with "
                    "them. Set negative_weights='ignore' to train with them set to zero "
                    "(TMVA's IgnoreNegWeightsInTraining), or drop those events."
                )
            sample_weight[negative] = 0.0
        positive = sample_weight > 0
        if not positive.any():
            raise ValueError("sample_weight sums to zero: no event would enter the fit.")
        present = np.unique(y_index[positive])
        if len(present) < 2:
            raise ValueError(
                f"{type(self).__name__} needs two classes to train, but only class "
                f"{self.classes_.tolist()[present[0]]!r} has events with positive sample_weight."
            )
        sample_weight /= _power_of_two_near(sample_weight[positive].mean())
        return sample_weight

    def decision_function(self, X):
        """Boosted margin ``f`` (an estimate of half the log-odds of ``classes_[1]``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)

        Returns
        -------
        ndarray of shape (n_samples,)
            Positive values favour ``classes_[1]``.
        """
        check_is_fitted(self)
        X = validate_data(
            self, X, reset=False, dtype=[np.float32, np.float64], ensure_all_finite="allow-nan"
        )
        margin = self.booster_.inplace_predict(X, predict_type="margin")
        return np.asarray(margin, dtype=np.float64).reshape(-1)

    def predict_proba(self, X):
        """Class probabilities ``[sigmoid(-2 f), sigmoid(2 f)]``, shape (n_samples, 2)."""
        margin = self.decision_function(X)
        return np.column_stack([expit(-2.0 * margin), expit(2.0 * margin)])

    def predict(self, X):
        """Label of the more probable class (``classes_[1]`` where ``f > 0``)."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(np.intp)]

    @property
    def feature_importances_(self):
        """Total split gain per feature, normalised to sum to 1 (zeros if no split)."""
        check_is_fitted(self)
        gains = self.booster_.get_score(importance_type="total_gain")
        importances = np.zeros(self.n_features_in_)
        for key, gain in gains.items():
            importances[int(key[1:])] = gain
        total = importances.sum()
        return importances / total if total > 0 else importances
