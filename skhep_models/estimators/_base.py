"""Shared plumbing of the neural estimators: validation, architecture, data split, the engine call.

Each public estimator is a plain scikit-learn estimator (composition: ``fit`` builds the skorch
net and stores it as ``net_``); this base holds what they share so that none of them repeats it.
"""

from __future__ import annotations

from numbers import Integral, Real
from types import SimpleNamespace

import numpy as np
import pandas as pd
import torch
from sklearn.base import BaseEstimator, _fit_context
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..nn import ACTIVATIONS, INITIALIZATIONS, MLP
from ..training import (
    ChunkedSource,
    ChunkSplit,
    RunningMoments,
    StreamBatches,
    TensorBatches,
    build_net,
    fit_net,
    predict,
    resolve_device,
)
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
    # the torch module ``_train`` builds; ``_module_kwargs`` gives its (and the loss's) arguments
    _module = MLP

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
        if isinstance(X, ChunkedSource):
            raise TypeError(
                f"fit takes arrays or DataFrames in memory; to train {type(self).__name__} "
                "chunk by chunk from a ChunkedSource call fit_stream(source)."
            )
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
        self.x_mean_, self.x_scale_ = _standardizer(
            self.standardize,
            X.shape[1],
            lambda: (X.mean(axis=0, dtype=np.float64), X.std(axis=0, dtype=np.float64)),
        )
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
        self.device_ = resolve_device(self.device)
        train_idx, valid_idx = self._split(len(X), rng, stratify)
        self._check_batch_norm(len(X[train_idx]))
        train = self._batches(X, Y, sample_weight, train_idx)
        valid = None if valid_idx is None else self._batches(X, Y, sample_weight, valid_idx)
        return self._train(train, valid, X.shape[1], n_outputs, criterion, seed)

    def _check_batch_norm(self, n_train):
        if self.batch_norm and n_train < 2:
            raise ValueError(
                "batch_norm=True needs at least 2 training events (BatchNorm normalises over "
                "the batch); give more events or set batch_norm=False."
            )

    def _train(self, train, valid, n_inputs, n_outputs, criterion, seed):
        """Build ``net_`` and train it on ``train`` (tensors or a stream); record the history."""
        self.hidden_layer_sizes_ = self._hidden_layer_sizes()
        self.net_ = build_net(
            self._module,
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
            **self._module_kwargs(n_inputs, n_outputs),
        )
        widest = max(self.hidden_layer_sizes_, default=1)
        fit_net(self.net_, train, valid, seed=seed, widest_layer=widest)
        self._record_history()
        return self

    # ---- streaming (out-of-core) training ------------------------------------------------------
    @_fit_context(prefer_skip_nested_validation=True)
    def fit_stream(self, source, *, shuffle_chunks=True):
        """Train on events streamed chunk by chunk from ``source``, never all in memory.

        A first pass over the chunks learns what ``fit`` learns from the whole data set: the
        feature names and count, the input standardisation (running float64 means and
        variances, equal to those of the stacked data), the classes or the target scaling.
        Training then reads the chunks again in every epoch and feeds their mini-batches to
        the same engine as ``fit`` (step, early stopping, history, time budget).

        Parameters
        ----------
        source : skhep_models.training.ChunkedSource
            The events, e.g. ``ChunkedSource.from_root(path, "events", features=[...],
            target="label")`` or ``ChunkedSource.from_dask(X, y)``. Its ``target`` is ``y``
            and its ``weight`` column ``sample_weight``.
        shuffle_chunks : bool, default=True
            Read the chunks in a new random order every epoch (sources with random access,
            as both constructors give). The events are always shuffled within each chunk.

        Returns
        -------
        self

        Notes
        -----
        **Shuffling** is within a chunk (and of the chunk order), not global: a mini-batch
        holds events of one chunk, so a file sorted by class or by sample must be written
        shuffled, or read in chunks that each mix the samples.

        **Validation**: each chunk holds out ``round(validation_fraction * n)`` of its ``n``
        events, drawn from ``random_state`` and the chunk's index, the same ones in every
        epoch; the validation loss is computed on them (read again after each training epoch)
        and drives early stopping as in ``fit``. The split is not stratified.

        **Memory**: a few copies of one chunk (as read, as one float32 array, its shuffled and
        standardised rows, the mini-batches of the previous chunk) and the network; the
        source's ``step_size`` sets the chunk size.

        A chunk with NaN or infinite features, a missing column, the wrong width or negative
        weights stops training with an error that names the chunk.
        """
        if not isinstance(source, ChunkedSource):
            raise TypeError(
                f"fit_stream takes a skhep_models.training.ChunkedSource (from_root, "
                f"from_dask), got {type(source).__name__}; for data in memory use fit(X, y)."
            )
        rng = check_random_state(self.random_state)
        seed = int(rng.randint(np.iinfo(np.int32).max))
        split = ChunkSplit(self.validation_fraction, int(rng.randint(np.iinfo(np.int32).max)))
        self.device_ = resolve_device(self.device)
        scan = self._scan_stream(source, split)
        prepare, n_outputs, criterion, weight_sums = self._stream_setup(scan, rng)
        data = {}
        for part in ("train", "valid") if self.validation_fraction else ("train",):
            n = scan.n_rows[part]
            if n == 0:
                raise ValueError(
                    f"validation_fraction={self.validation_fraction} of the {sum(scan.sizes)} "
                    f"events in {len(scan.sizes)} chunks leaves no {part} events; stream more "
                    "events or change validation_fraction."
                )
            scale = 1.0 if weight_sums is None else weight_sums[part] / n
            if not scale > 0:
                raise ValueError(
                    f"The {part} events all have zero sample_weight; give more weighted events "
                    "or set validation_fraction=0."
                )
            data[part] = StreamBatches(
                source, prepare, split, part, chunk_sizes=scan.sizes,
                n_features=self.n_features_in_, weight_scale=scale, device=self.device_,
                shuffle_chunks=shuffle_chunks,
            )  # fmt: skip
        self._check_batch_norm(scan.n_rows["train"])
        return self._train(
            data["train"], data.get("valid"), self.n_features_in_, n_outputs, criterion, seed
        )

    def _scan_stream(self, source, split):
        """First pass: sizes, per-part counts and weight sums, input and target moments."""
        scan = SimpleNamespace(
            sizes=[], n_rows={"train": 0, "valid": 0}, weight_sums=None,
            x=RunningMoments(), y=RunningMoments(), y_ndim=None,
            target_names=None if isinstance(source.target, str) else source.target,
        )  # fmt: skip
        for i, X, y, w in source.iter_chunks():
            if not scan.sizes:
                self._set_stream_features(source, X.shape[1])
            if y is None:
                raise ValueError(f"{source.where(i)} has no target: name it (target=...).")
            _, valid = split.rows(i, len(X))
            n_valid = 0 if valid is None else len(valid)
            scan.sizes.append(len(X))
            scan.n_rows["train"] += len(X) - n_valid
            scan.n_rows["valid"] += n_valid
            if (w is None) != (scan.weight_sums is None) and len(scan.sizes) > 1:
                raise ValueError(f"{source.where(i)} has weights where other chunks have none.")
            if w is not None:
                scan.weight_sums = scan.weight_sums or {"train": 0.0, "valid": 0.0}
                w_valid = 0.0 if valid is None else float(w[valid].sum(dtype=np.float64))
                scan.weight_sums["train"] += float(w.sum(dtype=np.float64)) - w_valid
                scan.weight_sums["valid"] += w_valid
            if getattr(self, "standardize", False):
                scan.x.update(X)
            scan.y_ndim = y.ndim
            self._stream_scan_chunk(scan, i, X, y, w, valid, source)
        if not sum(scan.sizes):
            raise ValueError(f"{source!r} yielded no events.")
        self.x_mean_, self.x_scale_ = _standardizer(
            getattr(self, "standardize", False), self.n_features_in_, lambda: (scan.x.mean, scan.x.std)
        )
        return scan

    def _set_stream_features(self, source, n_features):
        self.n_features_in_ = n_features
        if source.features is not None:
            self.feature_names_in_ = np.asarray(source.features, dtype=object)
        elif hasattr(self, "feature_names_in_"):
            del self.feature_names_in_

    def _stream_scan_chunk(self, scan, i, X, y, w, valid, source):
        """Collect the target statistics of one chunk (regression: running moments)."""
        if y.dtype.kind not in "biuf":
            raise ValueError(
                f"{source.where(i)} has a non-numeric target ({y.dtype}): "
                f"{type(self).__name__} regresses a number."
            )
        scan.y.update(y)

    def _stream_setup(self, scan, rng):
        """After the first pass: set the fitted attributes and return ``(prepare, n_outputs,
        criterion, weight_sums)`` (``prepare`` as in :class:`StreamBatches`)."""
        raise NotImplementedError(
            f"{type(self).__name__} cannot train from a stream: its training step needs the "
            "whole training set at once. Use fit(X, y) on data in memory."
        )

    def _standardized_rows(self, X, rows):
        """Standardised float32 copy of ``X[rows]`` (all rows if None), for streamed chunks.

        Computed in float32, in place on the copy: the float64 path of ``_standardize`` would
        cost several times more per chunk, and the two differ by at most a rounding step.
        """
        X = X.copy() if rows is None else X[rows]
        X -= self.x_mean_.astype(np.float32)
        X /= self.x_scale_.astype(np.float32)
        return X

    def _target_moments(self, scan, standardize):
        """Target mean and scale from the first pass (0 and 1 without ``standardize``)."""
        return _standardizer(standardize, len(scan.y.mean), lambda: (scan.y.mean, scan.y.std))

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


def _standardizer(enabled, width, moments):
    """``(mean, scale)`` per column to standardise with, as float64 arrays of ``width``.

    ``moments()`` gives the (mean, standard deviation); a zero spread (a constant column) is
    scaled by 1. Without ``enabled`` the map is the identity, (0, 1), and ``moments`` is not
    called. One rule for the inputs and the targets, in memory and streamed.
    """
    if not enabled:
        return np.zeros(width), np.ones(width)
    mean, std = moments()
    return np.asarray(mean, dtype=np.float64), np.where(np.asarray(std) > 0, std, 1.0)


def _rows_of(a, rows):
    """``a[rows]``; ``a`` itself for all rows (``rows=None``) or no array."""
    return a if rows is None or a is None else a[rows]


def _as_tensor(a):
    """Share memory with a numpy array where torch can (contiguous, writable), else copy."""
    a = np.ascontiguousarray(a)
    if not a.flags.writeable:  # torch refuses to wrap read-only (e.g. memmapped) arrays
        a = a.copy()
    return torch.from_numpy(a)

