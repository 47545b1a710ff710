"""Parameterized neural classifier: the signal hypothesis is an input (Baldi et al. 2016)."""

from __future__ import annotations

from numbers import Integral

import numpy as np
from scipy.special import expit
from sklearn.base import ClassifierMixin, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_is_fitted
from torch import nn

from ..utils._targets import ClassTotals, check_class_weight_totals
from ._base import (
    NEURAL_ATTRIBUTES_DOC,
    NEURAL_PARAMS_DOC,
    NeuralEstimatorBase,
    _as_tensor,
    _rows_of,
)

__all__ = ["ParameterizedNNClassifier"]

BACKGROUND_PARAMS = ("as_given", "random", "balanced")


class ParameterizedNNClassifier(ClassifierMixin, NeuralEstimatorBase):
    """Binary neural classifier that takes the physics parameters of the signal as inputs.

    A parameterized network (Baldi et al. 2016) sees the signal hypothesis, e.g. the mass of
    a new resonance, as an extra input column: trained once on signal generated at several
    masses, it serves every mass and interpolates to masses it never saw. Background has no
    such parameter, so each background event is given values drawn from the signal's
    (``background_params``). Score events at any hypothesis with ``predict_proba(X, mass=...)``
    without editing ``X``. With ``param_columns=None`` it is a plain neural classifier (the
    SHiP tutorial's: dense ReLU layers, dropout, binary cross-entropy, Adam, best-validation
    weights).

    Parameters
    ----------
    {params}
    param_columns : str, int, list of str or int, or None, default='mass'
        Columns of ``X`` holding the signal parameters: names (X a DataFrame) or positions.
        ``None``: no parameters, a plain classifier.
    background_params : {{'as_given', 'random', 'balanced'}}, default='as_given'
        How background events get their parameter values before training. 'as_given' keeps
        the values in ``X``; 'random' draws each background event's values from the signal
        events' values (joint draw over all parameter columns, at their frequency in the
        signal); 'balanced' assigns the signal values in exact shares proportional to the
        number of signal events at each value, so the signal-to-background ratio is the same
        at every value. Ignored without ``param_columns``.
    class_weight : 'balanced', dict or None, default=None
        Per-class weight multiplying ``sample_weight``. 'balanced' gives both classes the same
        total weight (scikit-learn's ``n_samples / (2 * n_class)``, computed on weighted sums);
        a dict maps class label to weight.
    standardize : bool, default=True
        Standardise every input column (parameters included) with the training mean and
        standard deviation inside the model, so that parameter values given to
        ``predict_proba(X, mass=...)`` are in the units of ``X``.

    Attributes
    ----------
    {attributes}
    classes_ : ndarray of shape (2,)
        Class labels; the second one is the signal (positive class).
    param_names_ : list of str
        Names of the parameter columns (``'x<i>'`` for positions in an unnamed array); these
        are the keywords of ``predict_proba``, ``predict`` and ``decision_function``.
    param_values_ : dict of str to ndarray
        The distinct values of each parameter among the signal events seen in ``fit``.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Input standardisation (0 and 1 with ``standardize=False``).

    See Also
    --------
    skhep_models.datasets.make_ttbar_resonance : X -> ttbar events with a mass hypothesis.
    skhep_models.metrics.metrics_by_parameter : accuracy, kappa, F1, AUC per parameter value.

    Notes
    -----
    The loss is the sample-weighted binary cross-entropy on the network's logit. Background
    parameters are assigned once, before the validation split, from ``random_state``. A
    hypothesis outside the range of ``param_values_`` is an extrapolation: nothing forbids
    it, nothing vouches for it.

    ``fit_stream(source)`` trains on events streamed from a ROOT file or a Dask collection
    (:class:`~skhep_models.training.ChunkedSource`) without loading them: its first pass
    collects the classes, the class weight totals and the signal's parameter values. With
    ``background_params`` 'random' or 'balanced' the background of each chunk is given
    values drawn from ``random_state`` and the chunk's index (the same in every epoch), and,
    as the background then follows the signal's values, the parameter columns are
    standardised with the signal's mean and standard deviation. The validation events are
    not stratified there.

    References
    ----------
    P. Baldi, K. Cranmer, T. Faucett, P. Sadowski, D. Whiteson, "Parameterized neural networks
    for high-energy physics", Eur. Phys. J. C 76 (2016) 235, arXiv:1601.07913.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skhep_models import ParameterizedNNClassifier
    >>> rng = np.random.default_rng(0)
    >>> mass = rng.choice([500.0, 1000.0], 2000)
    >>> label = rng.integers(0, 2, 2000)
    >>> m_reco = np.where(label == 1, rng.normal(mass, 50), rng.exponential(400, 2000))
    >>> X = pd.DataFrame({{"m_reco": m_reco, "mass": mass}})
    >>> clf = ParameterizedNNClassifier(max_epochs=5, random_state=0).fit(X, label)
    >>> clf.param_values_["mass"]
    array([ 500., 1000.])
    >>> clf.predict_proba(X.iloc[:4], mass=750.0).shape  # every event scored at 750 GeV
    (4, 2)
    """

    def __init__(
        self,
        hidden_layer_sizes=(64, 64, 64),
        *,
        param_columns="mass",
        background_params="as_given",
        class_weight=None,
        standardize=True,
        n_layers=None,
        n_units_1=None,
        n_units_2=None,
        n_units_3=None,
        n_units_4=None,
        activation="relu",
        init="glorot_uniform",
        batch_norm=False,
        dropout=0.0,
        learning_rate=1e-3,
        weight_decay=1e-2,
        batch_size=256,
        max_epochs=100,
        patience=10,
        tol=0.0,
        lr_schedule=None,
        max_time=None,
        validation_fraction=0.2,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.param_columns = param_columns
        self.background_params = background_params
        self.class_weight = class_weight
        self.standardize = standardize
        self.n_layers = n_layers
        self.n_units_1 = n_units_1
        self.n_units_2 = n_units_2
        self.n_units_3 = n_units_3
        self.n_units_4 = n_units_4
        self.activation = activation
        self.init = init
        self.batch_norm = batch_norm
        self.dropout = dropout
        self.learning_rate = learning_rate
        self.weight_decay = weight_decay
        self.batch_size = batch_size
        self.max_epochs = max_epochs
        self.patience = patience
        self.tol = tol
        self.lr_schedule = lr_schedule
        self.max_time = max_time
        self.validation_fraction = validation_fraction
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints,
        "param_columns": [str, Integral, "array-like", None],
        "background_params": [StrOptions(set(BACKGROUND_PARAMS))],
        "class_weight": [StrOptions({"balanced"}), dict, None],
        "standardize": ["boolean"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.classifier_tags.multi_class = False
        return tags

    # ---- fit ------------------------------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Event features, including the parameter columns (numeric columns only).
        y : array-like of shape (n_samples,)
            Two classes; the larger label (``classes_[1]``) is the signal.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-event weights, applied to the loss and the validation loss.

        Returns
        -------
        self : ParameterizedNNClassifier
        """
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight, y_numeric=False)
        is_signal = self._binary_target(y)
        rng = check_random_state(self.random_state)
        X = np.array(X, dtype=np.float32, copy=True)  # background parameters are rewritten

        self._param_idx = self._resolve_param_columns(X.shape[1])
        if self._param_idx:
            self._assign_background_params(X, is_signal, rng)
        self.param_values_ = {
            name: np.unique(X[is_signal, i]).astype(np.float64)
            for name, i in zip(self.param_names_, self._param_idx)
        }
        weight = self._class_weights(is_signal, sample_weight)
        X = self._fit_standardizer(X)
        Y = is_signal.astype(np.float32).reshape(-1, 1)
        stratify = self._stratify_labels(X, is_signal)
        return self._fit_network(
            X, Y, weight, n_outputs=1, criterion=nn.BCEWithLogitsLoss, stratify=stratify
        )

    def _resolve_param_columns(self, n_features):
        cols = self.param_columns
        if cols is None:
            self.param_names_ = []
            return []
        cols = [cols] if isinstance(cols, (str, Integral)) else list(cols)
        names = getattr(self, "feature_names_in_", None)
        idx = []
        for c in cols:
            if isinstance(c, str):
                if names is None:
                    raise ValueError(
                        f"param_columns names the column {c!r}, but X has no column names. "
                        "Pass X as a DataFrame or give the parameter columns as positions."
                    )
                if c not in names:
                    raise ValueError(
                        f"param_columns names {c!r}, which is not a column of X; X has the "
                        f"columns {list(names)}."
                    )
                idx.append(int(np.flatnonzero(names == c)[0]))
            elif isinstance(c, Integral) and not isinstance(c, bool):
                if not -n_features <= c < n_features:
                    raise ValueError(
                        f"param_columns position {c} is out of range for X with {n_features} "
                        "columns."
                    )
                idx.append(int(c) % n_features)
            else:
                raise ValueError(
                    f"param_columns entries must be column names or positions, got {c!r}."
                )
        if len(set(idx)) != len(idx):
            raise ValueError(f"param_columns lists a column twice: {self.param_columns!r}.")
        self.param_names_ = [
            str(names[i]) if names is not None else f"x{i}" for i in idx
        ]
        return idx

    def _assign_background_params(self, X, is_signal, rng):
        if self.background_params == "as_given":
            return
        p = self._param_idx
        bkg = np.flatnonzero(~is_signal)
        values, counts = np.unique(X[is_signal][:, p], axis=0, return_counts=True)
        X[np.ix_(bkg, p)] = self._background_values(values, counts, len(bkg), rng)

    def _background_values(self, values, counts, n_background, rng):
        """Parameter rows for ``n_background`` events from the signal's ``values`` / ``counts``."""
        if self.background_params == "random":
            chosen = rng.choice(len(values), size=n_background, p=counts / counts.sum())
        else:  # 'balanced': exact shares proportional to the signal counts (largest remainder)
            share = counts / counts.sum() * n_background
            n_each = np.floor(share).astype(int)
            rest = n_background - n_each.sum()
            n_each[np.argsort(n_each - share, kind="stable")[:rest]] += 1
            chosen = rng.permutation(np.repeat(np.arange(len(values)), n_each))
        return values[chosen]

    def _class_weights(self, is_signal, sample_weight):
        if self.class_weight is None:
            return sample_weight
        w = np.ones(len(is_signal), np.float32) if sample_weight is None else sample_weight
        totals = np.array([w[~is_signal].sum(), w[is_signal].sum()], dtype=np.float64)
        return _by_class(is_signal, w, self._per_class_weight(totals))

    def _per_class_weight(self, totals):
        """Weights of (background, signal) given their total event weights; None if unweighted."""
        if self.class_weight is None:
            return None
        if self.class_weight == "balanced":
            check_class_weight_totals(
                totals, np.array([False, True]), self.classes_, "class_weight='balanced'"
            )
            return totals.sum() / (2 * totals)
        unknown = set(self.class_weight) - set(self.classes_.tolist())
        if unknown:
            raise ValueError(
                f"class_weight has labels {sorted(unknown, key=str)} that are not classes "
                f"of y {self.classes_.tolist()}."
            )
        return np.array([float(self.class_weight.get(c, 1.0)) for c in self.classes_])

    def _stratify_labels(self, X, is_signal):
        """Class x parameter value, so validation sees every hypothesis; coarser if too few."""
        if self.validation_fraction == 0:
            return None
        labels = is_signal.astype(np.int64)
        n_valid = round(self.validation_fraction * len(X))
        smallest_split = min(n_valid, len(X) - n_valid)
        if self._param_idx:
            _, value_id = np.unique(X[:, self._param_idx], axis=0, return_inverse=True)
            combined = labels + 2 * value_id.ravel()
            counts = np.bincount(combined)
            counts = counts[counts > 0]
            if counts.min() >= 2 and len(counts) <= smallest_split:
                return combined
        counts = np.bincount(labels)
        if counts.min() >= 2 and smallest_split >= 2:
            return labels
        return None

    # ---- streaming (fit_stream) ----------------------------------------------------------------
    def _stream_scan_chunk(self, scan, i, X, y, w, valid, source):
        """Labels, per-class weight sums, and the parameter values of the signal candidates."""
        if not hasattr(scan, "labels"):
            self._param_idx = self._resolve_param_columns(self.n_features_in_)
            scan.labels = ClassTotals()
            scan.signal = None  # (largest label so far, {parameter row: events})
        labels = scan.labels.update(y, w, valid, source.where(i))
        if not self._param_idx:
            return
        # the signal is the largest label: collect the values of the largest seen so far
        if scan.signal is None or labels[-1] > scan.signal[0]:
            scan.signal = (labels[-1], {})
        rows = y == scan.signal[0]
        values, counts = np.unique(X[:, self._param_idx][rows], axis=0, return_counts=True)
        for row, n in zip(map(tuple, values.tolist()), counts.tolist()):
            scan.signal[1][row] = scan.signal[1].get(row, 0) + n

    def _stream_setup(self, scan, rng):
        self.classes_, stats = scan.labels.binary(type(self).__name__)
        per_class = self._per_class_weight(stats[:, 1])
        weight_sums = scan.weight_sums
        if per_class is not None:
            valid = per_class @ stats[:, 2]
            weight_sums = {"train": per_class @ stats[:, 1] - valid, "valid": valid}
        p = self._param_idx
        values = counts = None
        if p:
            values = np.array(sorted(scan.signal[1]), dtype=np.float32).reshape(-1, len(p))
            counts = np.array([scan.signal[1][tuple(v)] for v in values.tolist()])
        self.param_values_ = {
            name: np.unique(values[:, k]).astype(np.float64)
            for k, name in enumerate(self.param_names_)
        }
        assign = bool(p) and self.background_params != "as_given"
        if assign and self.standardize:
            # the background takes its values from the signal's distribution: so do the moments
            mean = np.average(values, axis=0, weights=counts)
            std = np.sqrt(np.average((values - mean) ** 2, axis=0, weights=counts))
            self.x_mean_[p], self.x_scale_[p] = mean, np.where(std > 0, std, 1.0)
        background_seed = int(rng.randint(np.iinfo(np.int32).max))

        def prepare(i, X, y, w, rows):
            is_signal = y == self.classes_[1]
            if assign:  # on the whole chunk, so that the split does not change the values
                params = X[:, p]
                bkg = np.flatnonzero(~is_signal)
                chunk_rng = np.random.default_rng([background_seed, i])
                params[bkg] = self._background_values(values, counts, len(bkg), chunk_rng)
            X = self._standardized_rows(X, rows)
            is_signal, w = _rows_of(is_signal, rows), _rows_of(w, rows)
            if assign:
                X[:, p] = (_rows_of(params, rows) - self.x_mean_[p]) / self.x_scale_[p]
            Y = is_signal.astype(np.float32).reshape(-1, 1)
            return X, Y, _by_class(is_signal, w, per_class)

        return prepare, 1, nn.BCEWithLogitsLoss, weight_sums

    # ---- predict ----------------------------------------------------------------------------
    def _inputs(self, X, params):
        check_is_fitted(self)
        X = self._validate_predict_data(X)
        if params:
            unknown = sorted(set(params) - set(self.param_names_))
            if unknown:
                have = self.param_names_ or "none (param_columns=None)"
                raise ValueError(
                    f"Unknown parameter(s) {unknown}: this model's parameters are {have}."
                )
            X = np.array(X, dtype=np.float32, copy=True)
            for name, value in params.items():
                value = np.asarray(value, dtype=np.float32)
                if value.ndim > 1 or (value.ndim == 1 and len(value) != len(X)):
                    raise ValueError(
                        f"{name}= must be a scalar or have one value per event ({len(X)}); "
                        f"got shape {value.shape}."
                    )
                if not np.all(np.isfinite(value)):
                    raise ValueError(f"{name}= contains NaN or infinity.")
                X[:, self._param_idx[self.param_names_.index(name)]] = value
        return self._standardize(X)

    def decision_function(self, X, **params):
        """Logit of the signal probability; ``params`` set parameter columns (e.g. ``mass=750``).

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
        **params : float or array-like of shape (n_samples,)
            Values of the parameter columns (by their names in ``param_names_``) at which to
            score every event, overriding those columns of ``X``.

        Returns
        -------
        ndarray of shape (n_samples,)
        """
        from ..training import predict

        X = self._inputs(X, params)
        return predict(self.net_, _as_tensor(X))[:, 0].astype(np.float64)

    def predict_proba(self, X, **params):
        """Class probabilities, columns ordered as ``classes_`` (signal second).

        ``params`` as in :meth:`decision_function`.
        """
        p = expit(self.decision_function(X, **params))
        return np.column_stack([1.0 - p, p])

    def predict(self, X, **params):
        """Predicted class (signal when its probability exceeds 0.5); ``params`` as above."""
        check_is_fitted(self)
        return self.classes_[(self.decision_function(X, **params) > 0).astype(int)]


def _by_class(is_signal, sample_weight, per_class):
    """``sample_weight`` (or ones) times the weight of each event's class."""
    if per_class is None:
        return sample_weight
    w = np.ones(len(is_signal), np.float32) if sample_weight is None else sample_weight
    return (w * np.where(is_signal, per_class[1], per_class[0])).astype(np.float32)


ParameterizedNNClassifier.__doc__ = ParameterizedNNClassifier.__doc__.format(
    params=NEURAL_PARAMS_DOC, attributes=NEURAL_ATTRIBUTES_DOC
)
