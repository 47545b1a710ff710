"""A small tanh network trained without gradients on a physics objective (JINR tH seed)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from scipy.special import expit
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import check_is_fitted
import torch
from torch import nn

from ..nn import ACTIVATIONS, INITIALIZATIONS, MLP
from ..training import OBJECTIVES, ScoreCollector, ShakingNet, StreamBatches, build_net, fit_net
from ..training import predict, resolve_device
from ..training._shaking import EXACT_SCORES
from ..utils._targets import ClassTotals, check_class_weight_totals
from ._base import NeuralEstimatorBase, _positive_int, _rows_of, _UNIT_PARAMS

__all__ = ["AUCShakingClassifier"]


class AUCShakingClassifier(ClassifierMixin, NeuralEstimatorBase):
    """Small tanh network trained by "shaking" its weights to maximise a physics objective.

    Objectives such as the ROC AUC, the discovery significance or the separation power have
    no useful gradient, so this classifier trains without one: each shake perturbs the
    weights as a population of ``population_size`` networks (antithetic Gaussian steps),
    scores all of them on every training event in one vectorised pass, and keeps the best of
    the population and of its rank-weighted recombination when it improves the objective. The
    step size grows after a success and shrinks after a failure (an affine shaker / evolution
    strategy). ``n_restarts`` independent trainings are run; the one with the best objective
    on the validation split is kept.

    Parameters
    ----------
    hidden_layer_sizes : tuple of int, default=(25,)
        Width of each hidden layer (the seed used 3 or 25 tanh neurons).
    objective : {'roc_auc', 'significance', 'separation', 'ams'} or callable, \
default='roc_auc'
        What to maximise: the ROC AUC; the best Asimov significance over cuts on the score
        (``skhep_models.metrics.best_significance``); TMVA's separation power; the best AMS
        over cuts (b_reg = ``b_reg``, HiggsML); or any ``f(y_true, score, sample_weight) ->
        float`` (numpy arrays, ``y_true`` 0/1; called once per population member, so slower).
        Significances use the weighted yields, so give ``sample_weight`` in expected events.
    n_shakes : int, default=100
        Shakes (population steps) per training; with ``fit_stream``, passes over the stream,
        each a shake per chunk (see Notes).
    population_size : int, default=32
        Perturbed networks per shake (rounded down to an even number, at least 2).
    n_restarts : int, default=5
        Independent trainings from different initial weights; the best on the validation
        objective is kept (``restart_objectives_``).
    step_size : float, default=0.1
        Initial standard deviation of the weight perturbations.
    patience : int or None, default=None
        Stop a training after this many shakes without a better validation objective and
        restore the best weights; None runs all ``n_shakes`` and keeps the weights with the
        best validation objective.
    validation_fraction : float, default=0.2
        Events held out (stratified) to choose between restarts and for ``patience``; 0 uses
        the training objective instead.
    b_reg : float, default=10.0
        Background regularisation of the 'ams' objective.
    alpha : float, default=0.0
        L2 penalty: the training objective minus ``alpha`` x the mean squared weight of the
        weight matrices (biases free, as scikit-learn's MLP ``alpha``). The shaker keeps
        moves that raise the training objective, so on a small or strongly weighted sample
        it fits the heaviest events; the penalty keeps the tanh units unsaturated and the
        network smooth. The scale is the objective's (so the default is no penalty): for the
        ROC AUC with 25 units, values of 1-10 raised the validation AUC of both real samples
        of ``benchmarks/shaking.py`` by 0.01-0.04; choose it on validation (the benchmark
        keeps the best ``restart_objectives_``) or with a grid search.
    n_layers, n_units_1, n_units_2, n_units_3, n_units_4 : int or None, default=None
        Depth and widths as flat integers for Bayesian search (see ShallowMassRegressor).
    activation : str, default='tanh'
        Hidden activation (any of ``skhep_models.nn.ACTIVATIONS``).
    init : str, default='glorot_uniform'
        Initial weights (Keras names).
    standardize : bool, default=True
        Standardise the inputs with the training mean and standard deviation.
    max_time : float or None, default=None
        Time budget in seconds for each training.
    device : {'cpu', 'cuda', 'auto'}, default='cpu'
    verbose : int, default=0
        1 prints a row per shake.
    random_state : int, RandomState instance or None, default=None
        Seeds the split, the initial weights and the perturbations.

    Attributes
    ----------
    net_ : skorch.NeuralNet
        The kept training's net (``ShakingNet``); ``net_.module_`` is the network.
    objective_history_ : pandas.DataFrame
        One row per shake (per pass with ``fit_stream``) of every restart: ``restart``,
        ``shake``, ``train_objective`` (less the ``alpha`` penalty), ``valid_objective``
        (with a validation split; never penalised), ``step_size``.
    history_ : pandas.DataFrame
        The kept training's rows of ``objective_history_``.
    restart_objectives_ : ndarray of shape (n_restarts,)
        Best validation (or training) objective of each restart.
    best_restart_ : int
        Index of the kept restart.
    n_iter_ : int
        Shakes run by the kept training.
    classes_ : ndarray of shape (2,)
        Class labels; ``classes_[1]`` is the signal.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Input standardisation.
    calibration_ : tuple of float
        Slope and intercept of the Platt scaling of the network output.
    hidden_layer_sizes_ : tuple of int
    device_ : str
    n_features_in_ : int
    feature_names_in_ : ndarray of str

    See Also
    --------
    skhep_models.metrics.roc_auc_hep, skhep_models.metrics.best_significance,
    skhep_models.metrics.separation_power : the objectives as metrics.
    skhep_models.features.SeparationPowerSelector : the seed's variable ranking.

    Notes
    -----
    The objectives fix the order of the network's scores but not their offset or scale, so
    the output is Platt-scaled on the training events (``calibration_``): ``predict_proba``
    is a logistic regression of the class on the score, ``predict`` cuts at 0.5, and the
    ordering (hence the AUC) is the network's.

    ``fit_stream(source)`` trains on events streamed from a ROOT file or a Dask collection
    (:class:`~skhep_models.training.ChunkedSource`) without loading them. A first pass fits
    the input standardisation and the classes; then each shake is computed on the training
    rows of one chunk (stochastic shaking: batches of as many events as the largest chunk's
    training rows, the chunk order shuffled every pass, a short last batch joined to the one
    before), its weights scaled by (training events / batch events) so that the yields of the
    significance objectives stand for the whole training set. An epoch (a row of the
    history, counted by ``n_shakes`` and ``patience``) is one pass over the chunks, one shake
    each, followed by the validation objective over the held-out rows of every chunk
    (``round(validation_fraction * n)`` of each, not stratified). Only scores are gathered
    for it: every event's up to 2**21 validation events, beyond that quantile-binned
    weighted histograms of 2**14 bins per class (AUC error below ~1/2**15; see
    :class:`~skhep_models.training.ScoreCollector`); a callable objective gets every
    validation event's score (12 bytes an event). The Platt scaling is fitted on the training
    scores gathered the same way, in one more pass. Memory holds a few copies of a chunk and
    the population's scores of one batch (``population_size`` x events x ~30 bytes).

    References
    ----------
    R. Battiti, G. Tecchiolli, "Learning with first, second, and no derivatives: a case study
    in high energy physics", Neurocomputing 6 (1994) 181 (the affine shaker).
    G. Cowan, K. Cranmer, E. Gross, O. Vitells, Eur. Phys. J. C 71 (2011) 1554 (Asimov).

    Examples
    --------
    >>> from sklearn.datasets import make_classification
    >>> from skhep_models import AUCShakingClassifier
    >>> X, y = make_classification(600, n_features=6, random_state=0)
    >>> clf = AUCShakingClassifier(n_shakes=20, n_restarts=2, random_state=0).fit(X, y)
    >>> clf.objective_history_.columns.tolist()[:3]
    ['restart', 'shake', 'train_objective']
    >>> bool(clf.restart_objectives_.max() > 0.8)
    True
    """

    _parameter_constraints = {
        "hidden_layer_sizes": ["array-like"],
        "objective": [StrOptions(set(OBJECTIVES)), callable],
        "n_shakes": [_positive_int],
        "population_size": [Interval(Integral, 2, None, closed="left")],
        "n_restarts": [_positive_int],
        "step_size": [Interval(Real, 0, None, closed="neither")],
        "patience": [_positive_int, None],
        "validation_fraction": [Interval(Real, 0, 1, closed="left")],
        "b_reg": [Interval(Real, 0, None, closed="left")],
        "alpha": [Interval(Real, 0, None, closed="left")],
        "n_layers": [Interval(Integral, 0, None, closed="left"), None],
        **{name: [_positive_int, None] for name in _UNIT_PARAMS},
        "activation": [StrOptions(set(ACTIVATIONS))],
        "init": [StrOptions(set(INITIALIZATIONS))],
        "standardize": ["boolean"],
        "max_time": [Interval(Real, 0, None, closed="neither"), None],
        "device": [str],
        "verbose": ["verbose"],
        "random_state": ["random_state"],
    }

    def __init__(
        self,
        hidden_layer_sizes=(25,),
        *,
        objective="roc_auc",
        n_shakes=100,
        population_size=32,
        n_restarts=5,
        step_size=0.1,
        patience=None,
        validation_fraction=0.2,
        b_reg=10.0,
        alpha=0.0,
        n_layers=None,
        n_units_1=None,
        n_units_2=None,
        n_units_3=None,
        n_units_4=None,
        activation="tanh",
        init="glorot_uniform",
        standardize=True,
        max_time=None,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.objective = objective
        self.n_shakes = n_shakes
        self.population_size = population_size
        self.n_restarts = n_restarts
        self.step_size = step_size
        self.patience = patience
        self.validation_fraction = validation_fraction
        self.b_reg = b_reg
        self.alpha = alpha
        self.n_layers = n_layers
        self.n_units_1 = n_units_1
        self.n_units_2 = n_units_2
        self.n_units_3 = n_units_3
        self.n_units_4 = n_units_4
        self.activation = activation
        self.init = init
        self.standardize = standardize
        self.max_time = max_time
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train ``n_restarts`` networks by shaking and keep the best on validation.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        y : array-like of shape (n_samples,)
            Two classes; ``classes_[1]`` is the signal.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative event weights; they enter the objective (weighted AUC, weighted
            yields of the significance, weighted score distributions).

        Returns
        -------
        self : AUCShakingClassifier
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight, y_numeric=False)
        is_signal = self._binary_target(y)
        check_class_weight_totals(sample_weight, is_signal, self.classes_, "the objective")
        rng = check_random_state(self.random_state)
        self.hidden_layer_sizes_ = self._hidden_layer_sizes()
        self.device_ = resolve_device(self.device)
        X = self._fit_standardizer(X)
        Y = is_signal.astype(np.float32).reshape(-1, 1)
        stratify = is_signal if np.bincount(is_signal).min() >= 2 else None
        train_idx, valid_idx = self._split(len(X), rng, stratify)

        def batches(idx):
            if len(np.unique(Y[idx])) < 2:
                raise ValueError(
                    "The training or validation events contain a single class; give more "
                    "events of each class or set validation_fraction=0."
                )
            # significances need the yields in expected events: no renormalisation
            return self._batches(X, Y, sample_weight, idx, normalize_weights=False)

        train = batches(train_idx)
        valid = None if valid_idx is None else batches(valid_idx)
        # the scores of the data in memory are few next to the data: always exact
        return self._shake(train, valid, rng, max_exact_scores=None)

    def _shake(self, train, valid, rng, *, max_exact_scores):
        """``n_restarts`` trainings on ``train`` (tensors, or a stream) and the Platt scaling."""
        self.hidden_layer_sizes_ = self._hidden_layer_sizes()
        widest = max(self.hidden_layer_sizes_, default=1)
        nets, rows, best_values = [], [], []
        for restart in range(self.n_restarts):
            seed = int(rng.randint(np.iinfo(np.int32).max))
            net = self._build(train, valid, widest, max_exact_scores)
            fit_net(net, train, valid, seed=seed)
            history = pd.DataFrame(
                [{k: row[k] for k in ("train_objective", "valid_objective", "step_size") if k in row}
                 for row in net.history]
            )  # fmt: skip
            history.insert(0, "shake", np.arange(1, len(history) + 1))
            history.insert(0, "restart", restart)
            column = "valid_objective" if valid is not None else "train_objective"
            nets.append(net)
            rows.append(history)
            best_values.append(float(history[column].max()))
        self.restart_objectives_ = np.asarray(best_values)
        self.best_restart_ = int(np.argmax(best_values))
        self.net_ = nets[self.best_restart_]
        self.objective_history_ = pd.concat(rows, ignore_index=True)
        self.history_ = rows[self.best_restart_].reset_index(drop=True)
        self.n_iter_ = len(self.history_)
        self._calibrate(train, max_exact_scores)
        return self

    def _calibrate(self, train, max_exact_scores):
        """Platt scaling of the network output on the training events.

        The objectives fix the order of the scores, not their offset or scale, so a cut at
        zero would be arbitrary; a one-feature logistic regression maps the score to a
        probability and places ``predict``'s cut where the classes balance. Streamed, it is
        fitted on the scores as :class:`~skhep_models.training.ScoreCollector` gathers them.
        """
        from sklearn.linear_model import LogisticRegression

        collector = ScoreCollector(max_exact_scores)
        for X, Y, w in train.blocks():
            collector.add(torch.from_numpy(predict(self.net_, X)[:, 0]), Y.cpu(), w)
        score, y, w = collector.sample()
        w = None if w is None else w.cpu().numpy()
        platt = LogisticRegression(C=1e6).fit(score.numpy()[:, None], y.numpy() > 0.5,
                                              sample_weight=w)  # fmt: skip
        self.calibration_ = (float(platt.coef_[0, 0]), float(platt.intercept_[0]))

    # ---- streaming (fit_stream) ----------------------------------------------------------------
    def _check_batch_norm(self, n_train):
        """The shaken network has no BatchNorm: nothing to check."""

    def _stream_scan_chunk(self, scan, i, X, y, w, valid, source):
        """The labels and, per class, the events and the total and validation weights."""
        if not hasattr(scan, "labels"):
            scan.labels = ClassTotals()
        scan.labels.update(y, w, valid, source.where(i))

    def _stream_setup(self, scan, rng):
        self.classes_, stats = scan.labels.binary(type(self).__name__)
        parts = {"training": stats[:, 1] - stats[:, 2]}
        if self.validation_fraction:
            parts["validation"] = stats[:, 2]
        for part, weights in parts.items():
            for label, weight in zip(self.classes_.tolist(), weights):
                if not weight > 0:
                    raise ValueError(
                        f"The {part} events of class {label!r} have no weight (none, or all "
                        "zero sample_weight): the objective needs signal and background in "
                        "both; stream more events of each class or set validation_fraction=0."
                    )

        def prepare(i, X, y, w, rows):
            Y = _rows_of(y == self.classes_[1], rows).astype(np.float32).reshape(-1, 1)
            return self._standardized_rows(X, rows), Y, _rows_of(w, rows)

        # no weight normalisation: significances need the yields in expected events
        return prepare, 1, None, None

    def _train(self, train, valid, n_inputs, n_outputs, criterion, seed):
        """fit_stream's training: the restarts on the streamed chunks (bounded score memory)."""
        return self._shake(train, valid, check_random_state(seed), max_exact_scores=EXACT_SCORES)

    def _build(self, train, valid, widest, max_exact_scores):
        # a shake's batch: the whole training set in memory, a chunk's training rows streamed
        batch_size = _largest_block(train)
        return build_net(
            MLP,
            net_class=ShakingNet,
            criterion=nn.Identity,
            optimizer=torch.optim.SGD,  # built by skorch, never stepped
            learning_rate=self.step_size,
            batch_size=batch_size,
            iterator_train__min_last_batch=max(1, batch_size // 2),
            iterator_valid__batch_size=1 if valid is None else _largest_block(valid),
            max_exact_scores=max_exact_scores,
            max_epochs=self.n_shakes,
            # without patience, "patience" of n_shakes still restores the best validation weights
            patience=self.patience if self.patience is not None else self.n_shakes,
            tol=0.0,
            max_time=self.max_time,
            monitor="valid_loss" if valid is not None else "train_loss",
            device=self.device_,
            verbose=self.verbose,
            objective=self.objective,
            population_size=self.population_size,
            b_reg=self.b_reg,
            alpha=self.alpha,
            widest_layer=widest,
            module__n_inputs=self.n_features_in_,
            module__hidden_layer_sizes=self.hidden_layer_sizes_,
            module__n_outputs=1,
            module__activation=self.activation,
            module__init=self.init,
        )

    def decision_function(self, X):
        """Calibrated logit of the network output (larger is more signal-like), (n_samples,)."""
        score = self._raw_predict(X, standardize=True)[:, 0].astype(np.float64)
        slope, intercept = self.calibration_
        return slope * score + intercept

    def predict_proba(self, X):
        """Platt-calibrated class probabilities, columns ordered as ``classes_``."""
        p = expit(self.decision_function(X))
        return np.column_stack([1.0 - p, p])

    def predict(self, X):
        """Signal where the calibrated probability exceeds 0.5, else background."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X) > 0).astype(int)]


def _largest_block(data):
    """Events in the largest block of ``data``: all of them in memory, one chunk's streamed."""
    if isinstance(data, StreamBatches):
        return max(data.block_sizes)
    return len(data)
