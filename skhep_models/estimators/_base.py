"""Shared plumbing of the neural estimators: validation, architecture, data split, the engine call.

Each public estimator is a plain scikit-learn estimator (composition: ``fit`` builds the skorch
net and stores it as ``net_``); this base holds what they share so that none of them repeats it.
"""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..nn import ACTIVATIONS, INITIALIZATIONS, MLP
from ..training import TensorBatches, build_net, fit_net, predict, resolve_device
from ..utils._targets import binary_target
from ..training._engine import LR_SCHEDULES

# skopt cannot search tuples, so depth and the first widths are also flat integer parameters.
MAX_SEARCHABLE_LAYERS = 4
_UNIT_PARAMS = tuple(f"n_units_{i}" for i in range(1, MAX_SEARCHABLE_LAYERS + 1))

_positive_int = Interval(Integral, 1, None, closed="left")

NEURAL_PARAMETER_CONSTRAINTS = {
    "hidden_layer_sizes": ["array-like"],
    "n_layers": [Interval(Integral, 0, None, closed="left"), None],
    **{name: [_positive_int, None] for name in _UNIT_PARAMS},
    "activation": [StrOptions(set(ACTIVATIONS))],
    "init": [StrOptions(set(INITIALIZATIONS))],
    "batch_norm": ["boolean"],
    "dropout": [Interval(Real, 0, 1, closed="left")],
    "learning_rate": [Interval(Real, 0, None, closed="neither")],
    "weight_decay": [Interval(Real, 0, None, closed="left")],
    "batch_size": [_positive_int],
    "max_epochs": [_positive_int],
    "patience": [_positive_int, None],
    "tol": [Interval(Real, 0, None, closed="left")],
    "lr_schedule": [StrOptions(set(LR_SCHEDULES)), None],
    "max_time": [Interval(Real, 0, None, closed="neither"), None],
    "validation_fraction": [Interval(Real, 0, 1, closed="left")],
    "device": [str],
    "verbose": ["verbose"],
    "random_state": ["random_state"],
}

# Shared numpydoc text, substituted into each estimator's docstring (one place to edit).
NEURAL_PARAMS_DOC = """hidden_layer_sizes : tuple of int
        Width of each hidden layer.
    n_layers : int or None, default=None
        Number of hidden layers; overrides the length of ``hidden_layer_sizes``. With
        ``n_units_1`` ... ``n_units_4`` it exposes the architecture as flat integers that
        ``BayesSearchCV`` can search (skopt cannot search tuples).
    n_units_1, n_units_2, n_units_3, n_units_4 : int or None, default=None
        Width of hidden layer 1-4; ``None`` keeps the width from ``hidden_layer_sizes``.
    activation : {'relu', 'tanh', 'sigmoid', 'elu', 'selu', 'gelu', 'silu', 'leaky_relu'}
        Hidden-layer activation.
    init : {'glorot_uniform', 'glorot_normal', 'he_uniform', 'he_normal', 'lecun_normal', \
'torch_default'}
        Weight initialisation (Keras names); biases start at zero.
    batch_norm : bool
        BatchNorm between each hidden linear layer and its activation.
    dropout : float
        Dropout probability after each hidden activation.
    learning_rate : float
        AdamW learning rate.
    weight_decay : float
        AdamW decoupled weight decay.
    batch_size : int
        Mini-batch size.
    max_epochs : int
        Maximum number of passes over the training data.
    patience : int or None
        Stop when the monitored loss (validation loss, or training loss when
        ``validation_fraction=0``) has not improved for this many epochs, and restore the
        weights of the best epoch. ``None`` trains all ``max_epochs`` and keeps the last weights.
    tol : float
        Relative improvement below which an epoch does not count as better for early stopping.
    lr_schedule : {None, 'plateau', 'cosine'}
        Learning-rate schedule: constant (None), halved when the monitored loss stalls for a
        fifth of ``patience`` epochs ('plateau'), or cosine-annealed to zero over
        ``max_epochs`` ('cosine').
    max_time : float or None
        Training time budget in seconds: training ends at the first epoch boundary past it
        (the best weights are still restored when ``patience`` is set).
    validation_fraction : float
        Fraction of the events held out (at random, from ``random_state``) to monitor the
        validation loss. 0 disables the split.
    device : {'cpu', 'cuda', 'auto'}
        Where to train; ``'auto'`` takes a GPU when PyTorch sees one.
    verbose : int
        0 silent, 1 a table row per epoch and early-stopping messages, 2 also a progress bar
        over the mini-batches of each epoch.
    random_state : int, RandomState instance or None
        Seeds the validation split, the weight initialisation and the shuffling; a fixed value
        gives identical fits."""

NEURAL_ATTRIBUTES_DOC = """net_ : skorch.NeuralNet
        The trained skorch net (its ``module_`` is the torch network).
    history_ : pandas.DataFrame
        One row per epoch: ``epoch``, ``train_loss``, ``valid_loss`` (when a validation split
        is used) and ``dur`` (seconds); losses are sample-weighted means.
    n_iter_ : int
        Number of epochs run.
    best_epoch_ : int
        Epoch whose weights the model holds (1-based).
    hidden_layer_sizes_ : tuple of int
        The architecture actually trained (after ``n_layers`` / ``n_units_*``).
    device_ : str
        Device the model was trained on.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame with string column names."""


def _check_numeric_columns(X):
    """Reject non-numeric DataFrame columns by name instead of a bare conversion error."""
    if isinstance(X, pd.DataFrame):
        bad = [c for c, dt in X.dtypes.items() if not (pd.api.types.is_numeric_dtype(dt))]
        bad = [c for c in bad if not pd.api.types.is_bool_dtype(X.dtypes[c])]
        if bad:
            raise ValueError(
                f"X has non-numeric columns {bad}: neural estimators need numbers. Encode them "
                "first (e.g. OneHotEncoder in a ColumnTransformer) or drop them."
            )


class NeuralEstimatorBase(BaseEstimator):
    """Base of the neural estimators; subclasses define ``__init__``, ``fit`` and the output map."""

    _parameter_constraints: dict = NEURAL_PARAMETER_CONSTRAINTS

    # ---- architecture -------------------------------------------------------------------
    def _hidden_layer_sizes(self) -> tuple[int, ...]:
        base = tuple(int(w) for w in np.ravel(self.hidden_layer_sizes))
        if any(w < 1 for w in base):
            raise ValueError(f"hidden_layer_sizes must be positive integers, got {base}.")
        depth = len(base) if self.n_layers is None else int(self.n_layers)
        units = [getattr(self, name) for name in _UNIT_PARAMS]
        sizes = []
        for i in range(depth):
            width = units[i] if i < len(units) and units[i] is not None else None
            if width is None and i < len(base):
                width = base[i]
            if width is None:
                raise ValueError(
                    f"n_layers={depth} but hidden layer {i + 1} has no width: set "
                    f"n_units_{i + 1} or give hidden_layer_sizes with {depth} entries "
                    f"(got {base})."
                )
            sizes.append(int(width))
        return tuple(sizes)

    def _module_kwargs(self, n_inputs: int, n_outputs: int) -> dict:
        return {
            "module__n_inputs": n_inputs,
            "module__hidden_layer_sizes": self.hidden_layer_sizes_,
            "module__n_outputs": n_outputs,
            "module__activation": self.activation,
            "module__init": self.init,
            "module__batch_norm": self.batch_norm,
            "module__dropout": self.dropout,
        }

    # ---- data -----------------------------------------------------------------------------
    def _validate_fit_data(self, X, y, sample_weight, *, multi_output=False, y_numeric=True):
        _check_numeric_columns(X)
        X, y = validate_data(
            self, X, y, dtype=np.float32, y_numeric=y_numeric, multi_output=multi_output
        )
        if sample_weight is not None:
            # sklearn's check names NaN, negative and all-zero weights.
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float32, ensure_non_negative=True
            )
        return X, y, sample_weight

    def _binary_target(self, y):
        """Set ``classes_`` and return the signal mask (``classes_[1]``) of a binary ``y``."""
        self.classes_, is_signal = binary_target(y, type(self).__name__)
        return is_signal

    def _fit_standardizer(self, X):
        """Learn ``x_mean_`` / ``x_scale_`` (identity unless ``standardize``); return scaled X."""
        if self.standardize:
            self.x_mean_ = X.mean(axis=0, dtype=np.float64)
            scale = X.std(axis=0, dtype=np.float64)
            self.x_scale_ = np.where(scale > 0, scale, 1.0)
        else:
            self.x_mean_, self.x_scale_ = np.zeros(X.shape[1]), np.ones(X.shape[1])
        return self._standardize(X)

    def _standardize(self, X):
        return ((X - self.x_mean_) / self.x_scale_).astype(np.float32)

    def _validate_predict_data(self, X):
        _check_numeric_columns(X)
        return validate_data(self, X, dtype=np.float32, reset=False)

    def _split(self, n_samples, rng, stratify=None):
        """Rows for training and validation: sorted index arrays, or all rows and ``None``.

        Without a split the arrays are used as they are (no copy); the engine reshuffles every
        epoch, so the order of the rows given here does not matter.
        """
        if self.validation_fraction == 0:
            return slice(None), None
        order = rng.permutation(n_samples)
        n_valid = int(round(self.validation_fraction * n_samples))
        if n_valid < 1 or n_valid >= n_samples:
            raise ValueError(
                f"validation_fraction={self.validation_fraction} of n_samples = {n_samples} "
                f"leaves {n_valid} validation and {n_samples - n_valid} training events; give "
                "more events or set validation_fraction=0."
            )
        if stratify is None:
            return np.sort(order[n_valid:]), np.sort(order[:n_valid])
        from sklearn.model_selection import train_test_split

        train, valid = train_test_split(
            order, test_size=n_valid, stratify=stratify[order], random_state=rng
        )
        return np.sort(train), np.sort(valid)

    # ---- training ---------------------------------------------------------------------------
    def _fit_network(self, X, Y, sample_weight, *, n_outputs, criterion, stratify=None):
        """Split, build and train ``net_`` on float32 ``X`` and targets ``Y`` (2-D)."""
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        self.hidden_layer_sizes_ = self._hidden_layer_sizes()
        self.device_ = resolve_device(self.device)
        train_idx, valid_idx = self._split(len(X), rng, stratify)
        if self.batch_norm and len(X[train_idx]) < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 training events (BatchNorm normalises over "
                "the batch); give more events or set batch_norm=False."
            )

        train = self._batches(X, Y, sample_weight, train_idx)
        valid = None if valid_idx is None else self._batches(X, Y, sample_weight, valid_idx)
        self.net_ = build_net(
            MLP,
            criterion=criterion,
            criterion__reduction="none",
            learning_rate=self.learning_rate,
            weight_decay=self.weight_decay,
            batch_size=self.batch_size,
            max_epochs=self.max_epochs,
            patience=self.patience,
            tol=self.tol,
            lr_schedule=self.lr_schedule,
            max_time=self.max_time,
            monitor="valid_loss" if valid is not None else "train_loss",
            device=self.device_,
            verbose=self.verbose,
            **self._module_kwargs(X.shape[1], n_outputs),
        )
        widest = max(self.hidden_layer_sizes_, default=1)
        fit_net(self.net_, train, valid, seed=seed, widest_layer=widest)
        self._record_history()
        return self

    def _batches(self, X, Y, sample_weight, idx, *, normalize_weights=True):
        """The rows ``idx`` as tensors on the training device."""
        w = None if sample_weight is None else _as_tensor(sample_weight[idx])
        if w is not None and not w.sum() > 0:
            raise ValueError(
                "The events drawn for training or validation all have zero sample_weight; "
                "give more weighted events or set validation_fraction=0."
            )
        as_t = lambda a: _as_tensor(a[idx]).to(self.device_)  # noqa: E731
        w = None if w is None else w.to(self.device_)
        return TensorBatches(as_t(X), as_t(Y), w, normalize_weights=normalize_weights)

    def _record_history(self):
        keys = ["epoch", "train_loss", "valid_loss", "dur"]
        rows = [{k: row[k] for k in keys if k in row} for row in self.net_.history]
        self.history_ = pd.DataFrame(rows)
        self.n_iter_ = len(rows)
        stopper = dict(self.net_.callbacks_).get("EarlyStopping")
        best = getattr(stopper, "best_epoch_", 0)
        self.best_epoch_ = int(best) if best else self.n_iter_

    def _raw_predict(self, X, *, standardize=False):
        """Network outputs for X (checked; standardised with ``x_mean_`` / ``x_scale_`` if asked)."""
        check_is_fitted(self)
        X = self._validate_predict_data(X)
        if standardize:
            X = self._standardize(X)
        return predict(self.net_, _as_tensor(X))


def _as_tensor(a):
    """Share memory with a numpy array where torch can (contiguous, writable), else copy."""
    a = np.ascontiguousarray(a)
    if not a.flags.writeable:  # torch refuses to wrap read-only (e.g. memmapped) arrays
        a = a.copy()
    return torch.from_numpy(a)

