"""Out-of-core training data: event chunks streamed from ROOT files, Dask collections or any
chunk generator, prepared one chunk at a time and fed to the engine's mini-batch loop.

* :class:`ChunkedSource` says where the chunks come from and which columns are the features,
  the target and the event weight; it checks every chunk as it is read (width, NaN, weights)
  and names the chunk in its errors.
* :class:`StreamBatches` is the training (or validation) part of a source as a dataset the
  engine's :class:`~skhep_models.training.FastBatchIterator` slices into mini-batches, one chunk
  after the other: the training step, history, early stopping, NaN check, progress bar and
  time budget stay the engine's.
* :class:`ChunkSplit` holds out the same rows of every chunk for validation in every pass.
* :class:`RunningMoments` merges per-chunk means and variances (float64) for the first pass.

Only one chunk (plus the mini-batches cut from the previous one) is in memory at a time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping, Sequence
from numbers import Integral

import numpy as np
import torch
from torch.utils.data import Dataset

__all__ = ["ChunkedSource", "ChunkSplit", "RunningMoments", "StreamBatches"]


class ChunkedSource:
    """Events read chunk by chunk: a ROOT tree, a Dask collection or any chunk generator.

    Parameters
    ----------
    chunks : callable or sequence of callables
        Either a function called with no argument at every pass that returns an iterable of
        chunks (read in order only), or one function per chunk that loads that chunk (random
        access: the chunk order can then be shuffled every epoch). A chunk is a
        :class:`pandas.DataFrame` or a mapping of column name to 1-D array (then ``features``
        and ``target`` name its columns), or a tuple ``(X, y)`` or ``(X, y, sample_weight)``
        of arrays (then ``features`` may name the columns of a DataFrame ``X``).
        Every pass must yield the same chunks in the same order.
    features : list of str, default=None
        Feature columns, in the order the model takes them; they become ``feature_names_in_``.
    target : str or list of str, default=None
        Target column(s) (a list for multi-output regressors).
    weight : str, default=None
        Column of per-event weights; ``None`` weighs every event 1.
    description : str, default='chunk source'
        How errors refer to the source, e.g. ``"ROOT file 'events.root', tree 'events'"``.

    Attributes
    ----------
    n_chunks : int or None
        Number of chunks when the source has random access, else None.

    See Also
    --------
    ChunkedSource.from_root, ChunkedSource.from_dask : the two usual sources.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.training import ChunkedSource
    >>> def chunks():
    ...     for seed in range(3):
    ...         X = np.random.default_rng(seed).normal(size=(100, 2))
    ...         yield X, X[:, 0] > 0
    >>> source = ChunkedSource(chunks)
    >>> [len(X) for _, X, _, _ in source.iter_chunks()]
    [100, 100, 100]
    """

    def __init__(self, chunks, *, features=None, target=None, weight=None,
                 description="chunk source"):  # fmt: skip
        if isinstance(chunks, Sequence) and all(callable(c) for c in chunks):
            self._loaders, self._factory = list(chunks), None
        elif callable(chunks):
            self._loaders, self._factory = None, chunks
        else:
            raise TypeError(
                "chunks must be a function returning an iterable of chunks, or a sequence of "
                f"functions each loading one chunk; got {type(chunks).__name__}."
            )
        self.features = None if features is None else _names(features, "features")
        if target is not None and not isinstance(target, str):
            target = _names(target, "target")
        self.target = target
        if weight is not None and not isinstance(weight, str):
            raise TypeError(f"weight must be a column name (str) or None, got {weight!r}.")
        self.weight = weight
        self.description = description
        self._starts = None  # first entry of each chunk, where known (for error messages)

    @property
    def n_chunks(self):
        return None if self._loaders is None else len(self._loaders)

    def __repr__(self):
        n = "" if self.n_chunks is None else f", {self.n_chunks} chunks"
        return f"ChunkedSource({self.description}{n})"

    # ---- constructors ---------------------------------------------------------------------
    @classmethod
    def from_root(cls, path, tree=None, *, features, target, weight=None,
                  step_size=1_000_000, entry_start=None, entry_stop=None):  # fmt: skip
        """Chunks of ``step_size`` entries of the flat branches of a ROOT tree (uproot).

        The file, tree and branch names are checked here, before any training; each chunk is
        read with :func:`skhep_models.io.read_root` over its entry range, so the chunk order
        can be shuffled.

        Parameters
        ----------
        path : str or path-like
            The ROOT file (a local path or a URL uproot opens).
        tree : str, default=None
            The tree; ``None`` takes the only tree of the file.
        features : list of str
            Feature branches, in the order the model takes them.
        target : str or list of str
            Target branch(es): the class label, or the regression target(s).
        weight : str, default=None
            Branch of per-event weights.
        step_size : int, default=1_000_000
            Entries per chunk. A chunk of ``step_size`` events and ``n`` features takes
            ``4 * n * step_size`` bytes as float32; a few copies of it are in memory while
            it is prepared.
        entry_start, entry_stop : int, default=None
            Entries ``[entry_start, entry_stop)`` to stream (Python slice semantics, as in
            :func:`~skhep_models.io.read_root`); ``None`` for the first and the last.
        """
        from ..io import iterate_root, read_root

        if isinstance(step_size, bool) or not isinstance(step_size, Integral) or step_size < 1:
            raise ValueError(
                f"step_size must be a positive number of entries, got {step_size!r}."
            )
        if features is None or target is None:
            raise ValueError("from_root needs the feature and target branch names.")
        features = _names(features, "features")
        target = target if isinstance(target, str) else _names(target, "target")
        branches = _column_list(features, target, weight)
        # raises here, with the branches of the tree listed, for a wrong file, tree or branch
        iterate_root(path, tree, branches, step_size=int(step_size), library="np")
        first, last, _ = slice(entry_start, entry_stop).indices(_root_entries(path, tree))
        starts = list(range(first, last, int(step_size)))
        stops = [*starts[1:], last]
        read = functools.partial(read_root, path, tree, branches, library="np")
        loaders = [functools.partial(read, entry_start=a, entry_stop=b)
                   for a, b in zip(starts, stops)]  # fmt: skip
        where = f"ROOT file {str(path)!r}" + ("" if tree is None else f", tree {tree!r}")
        source = cls(loaders, features=features, target=target, weight=weight, description=where)
        source._starts = starts
        return source

    @classmethod
    def from_dask(cls, X, y, sample_weight=None):
        """The row blocks of Dask arrays, or the partitions of Dask DataFrames, one at a time.

        Each chunk is computed (``dask.compute`` of the aligned blocks of ``X``, ``y`` and
        ``sample_weight`` together) only when it is needed.

        Parameters
        ----------
        X : dask.array.Array of shape (n_samples, n_features) or dask.dataframe.DataFrame
            Features; a DataFrame's column names become ``feature_names_in_``. An array
            chunked along the columns is rechunked to whole rows.
        y : dask.array.Array, dask Series or DataFrame
            Targets, with the same row blocks (partitions) as ``X``; an array with known
            chunk sizes is rechunked to those of ``X``.
        sample_weight : dask.array.Array or dask Series, default=None
            Per-event weights, aligned like ``y``.
        """
        import dask.array as da

        parts = [X, y] + ([] if sample_weight is None else [sample_weight])
        if all(isinstance(p, da.Array) for p in parts):
            if X.ndim != 2:
                raise ValueError(f"X must be a 2-D dask array, got {X.ndim} dimensions.")
            X = X.rechunk({1: -1}) if X.numblocks[1] > 1 else X
            parts = [X] + [_align_rows(p, X, name) for name, p in
                           zip(("y", "sample_weight"), parts[1:])]  # fmt: skip
            blocks = [[p.blocks[i] for p in parts] for i in range(X.numblocks[0])]
        elif all(hasattr(p, "npartitions") and not isinstance(p, da.Array) for p in parts):
            n = X.npartitions
            for name, p in zip(("y", "sample_weight"), parts[1:]):
                if p.npartitions != n:
                    raise ValueError(
                        f"{name} has {p.npartitions} partitions but X has {n}: they must be "
                        f"partitioned alike (e.g. take both from one dask DataFrame)."
                    )
            blocks = [[p.partitions[i] for p in parts] for i in range(n)]
        else:
            raise TypeError(
                "from_dask takes dask arrays, or dask DataFrames / Series, for X, y and "
                f"sample_weight alike; got {', '.join(type(p).__name__ for p in parts)}."
            )
        columns = getattr(X, "columns", None)
        features = None if columns is None else [str(c) for c in columns]
        target = getattr(y, "columns", None)
        target = None if target is None else [str(c) for c in target]
        loaders = [functools.partial(_compute, block) for block in blocks]
        return cls(loaders, features=features, target=target, description="dask collection")

    # ---- reading ----------------------------------------------------------------------------
    def _columns(self):
        return _column_list(self.features, self.target, self.weight)

    def where(self, i):
        """How errors name chunk ``i``."""
        entries = "" if self._starts is None else f" (entries from {self._starts[i]})"
        return f"chunk {i}{entries} of {self.description}"

    def iter_chunks(self, order=None, *, n_features=None):
        """Yield ``(i, X, y, sample_weight)`` for each chunk, checked.

        ``X`` is a float32 array of shape (n, n_features), ``y`` an array of n rows (or None
        where the chunk has no target), ``sample_weight`` float32 or None. ``order`` (chunk
        indices) needs random access; ``n_features`` is the width every chunk must have
        (by default that of the first chunk).
        """
        if order is None and self._loaders is not None:
            order = range(len(self._loaders))
        if order is None:
            items = enumerate(self._factory())
        else:
            if self._loaders is None:
                raise ValueError(
                    f"{self!r} is read in order only; it cannot read chunks in another order."
                )
            items = ((i, self._loaders[i]()) for i in order)
        for i, chunk in items:
            X, y, w = self._arrays(chunk, i)
            del chunk
            if n_features is None:
                n_features = X.shape[1]
            self._check(i, X, y, w, n_features)
            yield i, X, y, w

    def _arrays(self, chunk, i):
        if isinstance(chunk, tuple):
            if len(chunk) not in (2, 3):
                raise ValueError(
                    f"{self.where(i)} is a tuple of {len(chunk)} items; a tuple chunk must be "
                    "(X, y) or (X, y, sample_weight)."
                )
            X, y, w = (*chunk, None)[:3]
            if self.features is not None and hasattr(X, "columns"):
                self._check_present(X.columns, self.features, i)
                X = X[self.features]
            X = _float32(X, f"{self.where(i)}: X")
            if X.ndim != 2:
                raise ValueError(f"{self.where(i)}: X must be 2-D, got shape {X.shape}.")
            if self.features is not None and X.shape[1] != len(self.features):
                raise ValueError(
                    f"{self.where(i)} has {X.shape[1]} feature columns for the "
                    f"{len(self.features)} names in features={self.features}."
                )
        elif isinstance(chunk, Mapping) or hasattr(chunk, "columns"):
            if self.features is None or self.target is None:
                raise ValueError(
                    f"{self.where(i)} is a table: give ChunkedSource the names of its feature "
                    "and target columns (features=..., target=...)."
                )
            keys = chunk.columns if hasattr(chunk, "columns") else chunk.keys()
            self._check_present(keys, self._columns(), i)
            X = np.empty((len(chunk[self.features[0]]), len(self.features)), np.float32)
            for j, name in enumerate(self.features):
                X[:, j] = _float32(chunk[name], f"{self.where(i)}: column {name!r}")
            if isinstance(self.target, str):
                y = np.asarray(chunk[self.target])
            else:
                y = np.column_stack([np.asarray(chunk[t]) for t in self.target])
            w = None if self.weight is None else chunk[self.weight]
        else:
            raise TypeError(
                f"{self.where(i)} is a {type(chunk).__name__}; a chunk must be a DataFrame, a "
                "mapping of column name to array, or a tuple (X, y[, sample_weight])."
            )
        y = None if y is None else np.asarray(y)
        w = None if w is None else _float32(w, f"{self.where(i)}: sample_weight").ravel()
        return np.ascontiguousarray(X), y, w

    def _check_present(self, available, wanted, i):
        available = set(map(str, available))
        missing = [c for c in wanted if c not in available]
        if missing:
            raise ValueError(
                f"{self.where(i)} has no column(s) {missing}; it has {sorted(available)}."
            )

    def _check(self, i, X, y, w, n_features):
        where = self.where(i)
        if X.shape[1] != n_features:
            raise ValueError(
                f"{where} has {X.shape[1]} feature columns, but the stream has {n_features} "
                "(the width of its first chunk, or of the fitted model): every chunk must have "
                "the same columns."
            )
        bad = ~np.isfinite(X).all(axis=0)
        if bad.any():
            names = self.features or [f"x{j}" for j in range(n_features)]
            counts = {names[j]: int((~np.isfinite(X[:, j])).sum()) for j in np.flatnonzero(bad)}
            raise ValueError(
                f"{where} has NaN or infinite feature values (count per column: {counts}). "
                "Drop or fill those events before training (e.g. skhep_models.io.clean_events)."
            )
        for name, a in (("y", y), ("sample_weight", w)):
            if a is not None and len(a) != len(X):
                raise ValueError(f"{where} has {len(X)} rows of X but {len(a)} of {name}.")
        if y is not None and y.dtype.kind in "fc" and not np.isfinite(y).all():
            n_bad = int((~np.isfinite(y)).sum())
            raise ValueError(f"{where} has {n_bad} NaN or infinite target values.")
        if w is not None and not (np.isfinite(w).all() and (w >= 0).all()):
            raise ValueError(
                f"{where} has NaN, infinite or negative sample weights; weights must be finite "
                "and non-negative (drop or clip negative MC weights first)."
            )


def _names(names, what):
    names = [names] if isinstance(names, str) else list(names)
    if not all(isinstance(n, str) for n in names) or not names:
        raise TypeError(f"{what} must be a non-empty list of column names, got {names!r}.")
    return names


def _column_list(features, target, weight):
    target = [target] if isinstance(target, str) else list(target or [])
    return [*features, *target, *([weight] if weight else [])]


def _float32(a, what):
    try:
        return np.asarray(a, dtype=np.float32)
    except (TypeError, ValueError) as exc:
        raise ValueError(f"{what} is not numeric ({exc}); encode or drop it first.") from None


def _root_entries(path, tree):
    import uproot

    from ..io._readers import _find_tree

    with uproot.open(path) as file:
        return int(_find_tree(file, tree, path)[0].num_entries)


def _align_rows(part, X, name):
    """``part`` rechunked to the row blocks of ``X`` (whole along its other axes)."""
    if part.chunks[0] == X.chunks[0] and all(n == 1 for n in part.numblocks[1:]):
        return part
    if any(np.isnan(c) for c in (*X.chunks[0], *part.chunks[0])):
        raise ValueError(
            f"{name} and X have different or unknown row chunks: compute the chunk sizes "
            "(e.g. to_dask_array(lengths=True)) or chunk them alike."
        )
    return part.rechunk((X.chunks[0], *((-1,) * (part.ndim - 1))))


def _compute(block):
    import dask

    return tuple(dask.compute(*block))


class ChunkSplit:
    """Deterministic training / validation rows of each chunk.

    Chunk ``i`` of ``n`` events holds out ``round(fraction * n)`` rows drawn from a generator
    seeded by ``(seed, i)``: the same rows in every pass and every epoch, whatever order the
    chunks are read in, and a fraction of each chunk (so no chunk or file region is left out
    of either part). Not stratified.
    """

    def __init__(self, fraction: float, seed: int):
        self.fraction = float(fraction)
        self.seed = int(seed)

    def rows(self, i: int, n: int):
        """``(train, valid)``: sorted row indices of chunk ``i``; ``(None, None)`` means all
        rows train (no validation)."""
        if self.fraction == 0:
            return None, None
        order = np.random.default_rng([self.seed, i]).permutation(n)
        valid = np.zeros(n, bool)
        valid[order[: self.n_valid(n)]] = True
        return np.flatnonzero(~valid), np.flatnonzero(valid)

    def n_valid(self, n: int) -> int:
        """Validation rows of a chunk of ``n`` events."""
        return int(round(self.fraction * n))


class RunningMoments:
    """Per-column mean and variance merged chunk by chunk in float64 (Chan et al. 1979).

    Equal, to rounding, to ``X.mean(axis=0)`` and ``X.std(axis=0)`` of all chunks stacked.
    """

    _BLOCK = 1 << 16  # rows per float64 temporary

    def __init__(self):
        self.n = 0
        self.mean = None
        self.m2 = None

    def update(self, a):
        a = np.asarray(a)
        a = a.reshape(len(a), -1)
        for start in range(0, len(a), self._BLOCK):
            block = a[start : start + self._BLOCK].astype(np.float64)
            n_b = len(block)
            mean_b = block.mean(axis=0)
            block -= mean_b
            m2_b = np.einsum("ij,ij->j", block, block)
            if self.n == 0:
                self.n, self.mean, self.m2 = n_b, mean_b, m2_b
                continue
            n = self.n + n_b
            delta = mean_b - self.mean
            self.mean = self.mean + delta * (n_b / n)
            self.m2 = self.m2 + m2_b + delta**2 * (self.n * n_b / n)
            self.n = n
        return self

    @property
    def var(self):
        return self.m2 / self.n

    @property
    def std(self):
        return np.sqrt(self.var)


class StreamBatches(Dataset):
    """The training or validation rows of a :class:`ChunkedSource`, one chunk at a time.

    A dataset for :class:`~skhep_models.training.FastBatchIterator`: ``blocks(shuffle)`` reads
    each chunk, picks the rows of ``part`` (``ChunkSplit``), has ``prepare`` map them (the
    estimator's standardisation, targets and weights) and yields ``(X, y, w)`` tensors on
    ``device``. With ``shuffle`` the rows are permuted within each chunk and, where the
    source has random access and ``shuffle_chunks`` is set, the chunk order is permuted too;
    this is not a global shuffle: a mini-batch holds events of one chunk (two at a chunk
    boundary). Both permutations draw from torch's global generator, which the engine seeds.

    Parameters
    ----------
    source : ChunkedSource
    prepare : callable
        ``prepare(i, X, y, w, rows) -> (X, Y, w)``: the rows ``rows`` (an index array, in
        that order; None for all rows in order) of chunk ``i`` as float32 arrays, ``Y`` 2-D,
        ``w`` None or 1-D. The whole chunk is given so that per-chunk assignments (such as
        background parameters) do not depend on the split; ``X`` may be the caller's
        memory and must not be modified.
    split : ChunkSplit
    part : {'train', 'valid'}
    chunk_sizes : list of int
        Rows of each chunk, from the first pass; a chunk of another size is an error (the
        source changed between passes).
    n_features : int
    weight_scale : float, default=1.0
        The weights are divided by this (the mean prepared weight over ``part``), so that they
        have mean 1 as in :class:`~skhep_models.training.TensorBatches`.
    device : str, default='cpu'
    shuffle_chunks : bool, default=True
    """

    def __init__(self, source, prepare: Callable, split: ChunkSplit, part: str, *,
                 chunk_sizes, n_features, weight_scale=1.0, device="cpu",
                 shuffle_chunks=True):  # fmt: skip
        if part not in ("train", "valid"):
            raise ValueError(f"part must be 'train' or 'valid', got {part!r}.")
        self.source = source
        self.prepare = prepare
        self.split = split
        self.part = part
        self.chunk_sizes = list(chunk_sizes)
        self.n_features = n_features
        self.weight_scale = float(weight_scale)
        self.device = device
        self.shuffle_chunks = shuffle_chunks
        self._n_rows = sum(self.block_sizes)

    @property
    def block_sizes(self):
        """Rows of this part in each chunk (the sizes of the blocks ``blocks`` yields)."""
        n_valid = [self.split.n_valid(n) for n in self.chunk_sizes]
        if self.part == "valid":
            return n_valid
        return [n - v for n, v in zip(self.chunk_sizes, n_valid)]

    def _rows(self, i, n):
        train, valid = self.split.rows(i, n)
        if train is None:  # no validation split
            return np.arange(n) if self.part == "train" else np.arange(0)
        return train if self.part == "train" else valid

    def __len__(self):
        return self._n_rows

    def __getitem__(self, i):
        raise TypeError("StreamBatches is read chunk by chunk through blocks(); no random access.")

    def blocks(self, shuffle=False):
        """Yield the ``(X, y, w)`` tensors of this part of each chunk in turn."""
        order = None
        if shuffle and self.shuffle_chunks and self.source.n_chunks:
            order = torch.randperm(self.source.n_chunks).tolist()
        n_chunks = 0
        for i, X, y, w in self.source.iter_chunks(order, n_features=self.n_features):
            n_chunks += 1
            if i >= len(self.chunk_sizes) or len(X) != self.chunk_sizes[i]:
                expected = self.chunk_sizes[i] if i < len(self.chunk_sizes) else "no chunk"
                raise ValueError(
                    f"{self.source.where(i)} has {len(X)} rows, but the first pass saw "
                    f"{expected}: the source must yield the same chunks in every pass."
                )
            rows = self._rows(i, len(X))
            if not len(rows):
                continue
            if shuffle:
                rows = rows[torch.randperm(len(rows)).numpy()]
            elif len(rows) == len(X):
                rows = None
            X, Y, w = self.prepare(i, X, y, w, rows)
            if w is not None and self.weight_scale != 1.0:
                w = w / np.float32(self.weight_scale)
            tensors = [None if a is None else torch.from_numpy(np.ascontiguousarray(a, np.float32))
                       for a in (X, Y, w)]  # fmt: skip
            del X, Y, w
            yield tuple(None if t is None else t.to(self.device) for t in tensors)
        if n_chunks != len(self.chunk_sizes):
            raise ValueError(
                f"{self.source!r} yielded {n_chunks} chunks, but {len(self.chunk_sizes)} in the "
                "first pass: the source must yield the same chunks in every pass."
            )
