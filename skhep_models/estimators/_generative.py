"""Fast simulation: a beta-VAE that learns an event table and samples new events from it."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from numbers import Integral, Real

import numpy as np
import pandas as pd
import torch
from scipy.special import ndtr, ndtri
from sklearn.base import ClassNamePrefixFeaturesOutMixin, TransformerMixin, _fit_context, clone
from sklearn.utils import check_random_state
from sklearn.utils._param_validation import HasMethods, Interval, StrOptions
from sklearn.utils.validation import _check_sample_weight, check_is_fitted, validate_data

from ..nn import VAE, BetaVAELoss
from ..training import predict
from ..training._engine import _intraop_threads
from ..utils._columns import column_position
from ..utils._weights import weighted_quantiles
from ._base import (
    NEURAL_ATTRIBUTES_DOC,
    NEURAL_PARAMS_DOC,
    NeuralEstimatorBase,
    _as_tensor,
    _check_numeric_columns,
    _standardizer,
)

__all__ = ["BetaVAEGenerator"]

INPUT_TRANSFORMS = ("quantile", "standard")
# "auto" treats a float column as discrete when all its values are integers and it takes at
# most this many distinct values (object counts, PDG codes, charges)
AUTO_DISCRETE_MAX_LEVELS = 20
# the normal quantiles of probabilities closer to 0 or 1 than this are clipped (as sklearn's
# QuantileTransformer does), so the extreme training values map to finite inputs
_P_CLIP = 1e-7
# events generated at a time per thread: few enough to stay in cache, enough that the ~40
# torch operations per batch cost little
_SAMPLE_BATCH = 16384
# events per thread's unit of work in sample(): a chunk's latent draws go through the mixture
# components once (a few hundred small products) rather than once per batch
_SAMPLE_CHUNK = 4 * _SAMPLE_BATCH


class _QuantileMap:
    """Per-column map of a weighted empirical distribution onto a standard normal, and back.

    The inverse map is flat over each value that holds a finite probability (the zeros that pad
    missing objects, integer counts): every normal value in that value's probability interval
    maps back to it exactly, so generated events keep the padding and the discrete values of
    the training data instead of smearing them.
    """

    def __init__(self, X, sample_weight, n_quantiles, padding=None):
        n = len(X)
        w = np.ones(n) if sample_weight is None else np.asarray(sample_weight, dtype=np.float64)
        # at least the two ends, so that one event still spans an interval to map back from
        self.references = np.linspace(0.0, 1.0, max(2, min(int(n_quantiles), n)))
        quantiles = []
        for j, column in enumerate(X.T):
            keep = None if padding is None else ~padding[:, j]
            if keep is not None and keep.any() and w[keep].sum() > 0:
                column, wj = column[keep], w[keep]
            else:
                wj = w
            # inverse of the weighted ECDF: the smallest value whose CDF reaches p
            quantiles.append(weighted_quantiles(column, self.references, wj))
        self.quantiles = np.column_stack(quantiles)

    def to_normal(self, X, padding=None):
        """``X`` mapped column by column onto a standard normal; ``padding`` entries to 0."""
        p, out = self.references, np.empty(X.shape, dtype=np.float64)
        for j, q in enumerate(self.quantiles.T):
            # a value held by several quantiles (an atom) maps to the middle of its interval:
            # interpolate from both ends and average, as sklearn's QuantileTransformer does
            u = 0.5 * (np.interp(X[:, j], q, p) - np.interp(-X[:, j], -q[::-1], -p[::-1]))
            out[:, j] = ndtri(np.clip(u, _P_CLIP, 1 - _P_CLIP))
        if padding is not None:
            out[padding] = 0.0
        return out

    def from_normal(self, T):
        """Normal values back to the data space, in place on a float32 tensor ``T`` of shape
        (n_features, n_rows) (columns first, so each column is contiguous).

        The references are evenly spaced, so each value's interval is found by scaling rather
        than by a binary search, in float32 torch (10x faster than ``np.interp`` per column in
        float64): this map is a large part of generation time.
        """
        n_ref = len(self.references)
        u = torch.special.ndtr(T).mul_(n_ref - 1)
        i = u.to(torch.int64).clamp_(max=n_ref - 2)
        u -= i
        quantiles, steps = self._table
        return torch.gather(quantiles, 1, i, out=T).addcmul_(u, steps.gather(1, i))

    @property
    def _table(self):
        if not hasattr(self, "_columns"):  # built on first use, also after unpickling
            steps = np.diff(self.quantiles, axis=0)
            self._columns = tuple(
                torch.from_numpy(np.ascontiguousarray(a.T, dtype=np.float32)) for a in (self.quantiles, steps)
            )
        return self._columns

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_columns"}


class _StandardMap:
    """Per-column (x - mean) / std with weighted moments; constant columns are only shifted."""

    def __init__(self, X, sample_weight):
        def moments():
            mean = np.average(X, axis=0, weights=sample_weight)
            return mean, np.sqrt(np.average((X - mean) ** 2, axis=0, weights=sample_weight))

        self.mean, self.scale = _standardizer(True, X.shape[1], moments)

    def to_normal(self, X, padding=None):
        return (X - self.mean) / self.scale

    def from_normal(self, T):
        """In place on a float32 tensor laid out columns first (see :class:`_QuantileMap`)."""
        if not hasattr(self, "_torch"):
            self._torch = [torch.as_tensor(a, dtype=torch.float32).unsqueeze(1) for a in (self.scale, self.mean)]
        return T.mul_(self._torch[0]).add_(self._torch[1])

    def __getstate__(self):
        return {k: v for k, v in self.__dict__.items() if k != "_torch"}


class BetaVAEGenerator(ClassNamePrefixFeaturesOutMixin, TransformerMixin, NeuralEstimatorBase):
    """beta-VAE fast simulation: learns a table of events and samples new events like them.

    A Gaussian variational autoencoder (:class:`~skhep_models.nn.VAE`: an encoder MLP to the
    means and log-variances of ``latent_dim`` latent variables, a mirrored decoder MLP back)
    trained by the shared engine on the loss ``(1 - beta) * MSE + beta * KL``, the form of the
    IFIC/UPV ttbar study (beta = 0.001 worked best there). :meth:`sample` decodes latent
    vectors (drawn from a mixture fitted to the encoded training events, or from the N(0, 1)
    prior) into new events with the training columns, adding the Gaussian decoder's noise.

    Parameters
    ----------
    {params}
    latent_dim : int, default=8
        Number of latent variables.
    beta : float, default=0.001
        Weight of the KL term: 0 is a plain autoencoder (its latent space is not matched to
        the prior, so samples are poor), 1 the standard VAE (blurred samples).
    latent_components : int or None, default=20
        Where :meth:`sample` draws latent vectors. ``None``: the N(0, 1) prior. An int: a
        Gaussian mixture of that many components (full covariances) fitted after training to
        the latent means of the training events ("ex-post density estimation", Ghosh et al.
        2020). With a small ``beta`` the encoded events do not fill the prior evenly, and
        decoding prior draws from its empty regions gives events averaged towards the middle
        of the data (too many of the most common object count, too few tails); the mixture
        follows where the events really are.
    input_transform : {{'quantile', 'standard'}}, default='quantile'
        How each column is mapped before the network sees it. 'quantile' maps the column's
        (weighted) empirical distribution onto a standard normal and back after decoding, so
        generated marginals follow the training ones, stay inside the observed range and keep
        its point masses (zero padding of missing objects, integer counts) exactly. 'standard'
        subtracts the mean and divides by the standard deviation.
    n_quantiles : int, default=1000
        Points of the empirical distribution kept per column by 'quantile' (at most the number
        of events).
    discrete_columns : 'auto', list of str or int, or None, default='auto'
        Columns whose generated values are snapped to the nearest value seen in training
        (counts, codes): by name or position. 'auto' takes integer and boolean columns and
        float columns holding at most 20 distinct integer values. Sampled discrete columns
        keep the training dtype.
    conditional : bool, default=False
        Condition the decoder on the discrete columns (a conditional VAE, Sohn et al. 2015):
        it receives them beside the latent vector, and :meth:`sample` draws them jointly from
        the training events (each with the latent mixture component its encoding belongs
        to), so object counts and their correlations come out exactly as in training.
    decoder_noise : float, default=1.0
        Scale of the noise :meth:`sample` adds to the decoder's output: the decoder is a
        Gaussian ``N(decoder(z), diag(decoder_std_^2))`` whose widths are fitted after
        training (the RMS reconstruction error per column), and 1 samples from it. 0 returns
        the decoder's mean, which is smoother than the data: the reconstruction of an event
        averages over what the latent vector does not determine.
    preprocessor : transformer with inverse_transform or None, default=None
        Fitted (a clone) on the events first; the autoencoder learns its output, and generated
        rows come back through its ``inverse_transform``. E.g.
        :class:`~skhep_models.features.EventFrame`, which rotates events to the MET azimuth
        and encodes energies by their mass term, so that physics relations the network would
        learn only roughly (back-to-back MET and jets, E >= pT cosh eta) hold by construction.
        A preprocessor with a ``padding_mask`` method (EventFrame) marks the entries of absent
        objects: the 'quantile' map then models only real objects' values (no generated
        object with zero pT) and the object counts decide which objects exist.

    Attributes
    ----------
    {attributes}
    discrete_columns_ : ndarray of int
        Positions of the discrete columns.
    discrete_values_ : list of ndarray
        The sorted values each discrete column took in training.
    latent_dim_ : int
        Size of the latent space (the width of :meth:`transform`'s output).
    preprocessor_ : transformer or None
        The fitted clone of ``preprocessor``.
    latent_density_ : sklearn.mixture.GaussianMixture or None
        The mixture :meth:`sample` draws from (None: the prior).
    decoder_std_ : ndarray of shape (n_features,)
        Width of the Gaussian decoder per column, in the network's (normal) space (per
        output column of ``preprocessor_``, when it changes the width).

    See Also
    --------
    skhep_models.io.read_darkmachines : DarkMachines events as a fixed-width table.
    skhep_models.metrics.classifier_two_sample_auc : how well a classifier tells generated
        from real events.

    Notes
    -----
    ``sample_weight`` weights each event's loss and the empirical distributions of the
    'quantile' map, so the generated (unweighted) events follow the weighted distribution.
    Generation runs in float32 torch, in cache-sized batches on a thread per core: a million
    DarkMachines events (44 columns, EventFrame, conditional) take 0.8-1.25 s on two cores
    (``benchmarks/generative.py``).

    References
    ----------
    I. Higgins et al., "beta-VAE: Learning basic visual concepts with a constrained
    variational framework", ICLR 2017. K. Sohn, H. Lee, X. Yan, "Learning structured output
    representation using deep conditional generative models", NeurIPS 2015. P. Ghosh et al.,
    "From variational to deterministic autoencoders", ICLR 2020. DarkMachines collaboration, "The DarkMachines unsupervised
    challenge data set", SciPost Phys. 12 (2022) 043, arXiv:2105.14027.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skhep_models import BetaVAEGenerator
    >>> rng = np.random.default_rng(0)
    >>> n_jet = rng.poisson(2, 1000)
    >>> X = pd.DataFrame({{"n_jet": n_jet, "ht": 30 * n_jet + rng.exponential(20, 1000)}})
    >>> vae = BetaVAEGenerator(max_epochs=5, random_state=0).fit(X)
    >>> fake = vae.sample(4, random_state=1)
    >>> list(fake.columns), fake["n_jet"].dtype
    (['n_jet', 'ht'], dtype('int64'))
    >>> vae.transform(X.iloc[:2]).shape
    (2, 8)
    """

    _module = VAE

    def __init__(
        self,
        hidden_layer_sizes=(128, 64),
        *,
        latent_dim=8,
        beta=1e-3,
        latent_components=20,
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
        weight_decay=0.0,
        batch_size=256,
        max_epochs=200,
        patience=20,
        tol=0.0,
        lr_schedule="plateau",
        max_time=None,
        validation_fraction=0.2,
        input_transform="quantile",
        n_quantiles=1000,
        discrete_columns="auto",
        conditional=False,
        decoder_noise=1.0,
        preprocessor=None,
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.latent_dim = latent_dim
        self.beta = beta
        self.latent_components = latent_components
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
        self.input_transform = input_transform
        self.n_quantiles = n_quantiles
        self.discrete_columns = discrete_columns
        self.conditional = conditional
        self.decoder_noise = decoder_noise
        self.preprocessor = preprocessor
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints,
        "latent_dim": [Interval(Integral, 1, None, closed="left")],
        "beta": [Interval(Real, 0, 1, closed="both")],
        "latent_components": [Interval(Integral, 1, None, closed="left"), None],
        "input_transform": [StrOptions(set(INPUT_TRANSFORMS))],
        "n_quantiles": [Interval(Integral, 2, None, closed="left")],
        "discrete_columns": [StrOptions({"auto"}), "array-like", None],
        "conditional": ["boolean"],
        "decoder_noise": [Interval(Real, 0, None, closed="left")],
        "preprocessor": [HasMethods(["fit", "transform", "inverse_transform"]), None],
    }

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None, sample_weight=None):
        """Train the autoencoder on the events ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            The events (numeric columns only).
        y : None
            Ignored; present for Pipeline compatibility.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative event weights (loss and 'quantile' map).

        Returns
        -------
        self : BetaVAEGenerator
        """
        _check_numeric_columns(X)
        integer_dtypes = _integer_dtypes(X)
        X_in = X
        X = validate_data(self, X, dtype=np.float64)
        if sample_weight is not None:
            sample_weight = _check_sample_weight(
                sample_weight, X, dtype=np.float64, ensure_non_negative=True
            )
        self._set_discrete(X, integer_dtypes)
        self._output_dtypes = [integer_dtypes.get(j, np.dtype(np.float64)) for j in range(X.shape[1])]
        self.preprocessor_ = None
        if self.preprocessor is not None:
            self.preprocessor_ = clone(self.preprocessor).fit(X_in)
        X = self._preprocess(X_in, X)
        padding = self._padding(X)
        if self.input_transform == "quantile":
            self._map = _QuantileMap(X, sample_weight, self.n_quantiles, padding)
        else:
            self._map = _StandardMap(X, sample_weight)
        Z = self._map.to_normal(X, padding).astype(np.float32)
        w = None if sample_weight is None else sample_weight.astype(np.float32)
        self.latent_dim_ = int(self.latent_dim)
        self._condition = self._condition_positions(X.shape[1])
        self._fit_network(Z, Z, w, n_outputs=X.shape[1], criterion=BetaVAELoss)
        self.latent_density_ = None
        mu = predict(self.net_, _as_tensor(Z), output="mean")
        if self.latent_components is not None:
            from sklearn.mixture import GaussianMixture

            seed = check_random_state(self.random_state).randint(np.iinfo(np.int32).max)
            fit_mu = mu
            # sklearn's GaussianMixture takes no weights: resample by weight instead
            if sample_weight is not None:
                rows = np.random.default_rng(seed).choice(
                    len(mu), len(mu), p=sample_weight / sample_weight.sum()
                )
                fit_mu = mu[rows]
            self.latent_density_ = GaussianMixture(
                min(self.latent_components, len(np.unique(fit_mu, axis=0))), covariance_type="full",
                reg_covar=1e-4, random_state=seed,
            ).fit(fit_mu)  # fmt: skip
        self.decoder_std_ = self._residual_std(Z, mu, padding, sample_weight)
        self._conditions = None
        if len(self._condition):
            # sample() draws the condition values of training events, each event with its
            # latent mixture component, so that latent vectors and conditions stay paired
            self._conditions = (
                torch.from_numpy(Z[:, self._condition].copy()),
                None if w is None else torch.from_numpy(np.cumsum(sample_weight)),
                None if self.latent_density_ is None
                else torch.from_numpy(self.latent_density_.predict(mu)),
            )  # fmt: skip
        return self

    def _residual_std(self, Z, mu, padding, sample_weight):
        """Per-column RMS of the reconstruction error (network space), over the real entries.

        The maximum-likelihood scale of a Gaussian decoder ``N(decoder(z), diag(std^2))``
        whose mean is the trained network.
        """
        inputs = mu if not len(self._condition) else np.hstack([mu, Z[:, self._condition]])
        decoded = predict(self.net_, _as_tensor(inputs.astype(np.float32)), output="decode")
        real = np.ones(Z.shape, dtype=bool) if padding is None else ~padding
        w = (np.ones(len(Z)) if sample_weight is None else sample_weight)[:, None] * real
        sq = np.where(real, decoded - Z, 0.0) ** 2
        return np.sqrt((w * sq).sum(axis=0) / np.maximum(w.sum(axis=0), np.finfo(float).tiny))

    def _condition_positions(self, width):
        """Positions, in the network's input, of the columns the decoder is conditioned on."""
        if not self.conditional:
            return []
        if len(self.discrete_columns_) == 0:
            raise ValueError(
                "conditional=True conditions the decoder on the discrete columns, but there "
                "are none: name them with discrete_columns."
            )
        if width != self.n_features_in_:
            raise ValueError(
                f"conditional=True needs a preprocessor that keeps the columns in place (as "
                f"EventFrame does); {type(self.preprocessor_).__name__} turns "
                f"{self.n_features_in_} columns into {width}."
            )
        return [int(j) for j in self.discrete_columns_]

    def _module_kwargs(self, n_inputs, n_outputs):
        kwargs = super()._module_kwargs(n_inputs, n_outputs)
        del kwargs["module__n_outputs"]  # the decoder's width is the input width
        return {
            **kwargs, "module__latent_dim": self.latent_dim_, "module__condition": self._condition,
            "criterion__beta": self.beta,
        }  # fmt: skip

    def _set_discrete(self, X, integer_dtypes):
        n_features = X.shape[1]
        names = list(getattr(self, "feature_names_in_", []))
        if isinstance(self.discrete_columns, str):  # "auto"
            columns = [
                j for j in range(n_features)
                if j in integer_dtypes or _few_integers(X[:, j])
            ]  # fmt: skip
        elif self.discrete_columns is None:
            columns = []
        else:
            columns = [
                column_position(c, names, n_features, what="discrete_columns")
                for c in self.discrete_columns
            ]
        self.discrete_columns_ = np.asarray(sorted(set(columns)), dtype=np.intp)
        self.discrete_values_ = [np.unique(X[:, j]) for j in self.discrete_columns_]

    def _padding(self, X):
        """The preprocessor's mask of entries that pad absent objects (EventFrame), or None.

        The 'quantile' map leaves them out, so it maps only real objects' values and never
        generates a zero-pT object; the object counts decide which objects exist.
        """
        mask = getattr(self.preprocessor_, "padding_mask", None)
        return None if mask is None else np.asarray(mask(X), dtype=bool)

    def _preprocess(self, X_in, X):
        """``X`` through the fitted preprocessor (given the input as passed, names and all)."""
        if self.preprocessor_ is None:
            return X
        out = np.asarray(self.preprocessor_.transform(X_in), dtype=np.float64)
        if out.ndim != 2 or len(out) != len(X) or not np.isfinite(out).all():
            raise ValueError(
                f"preprocessor {type(self.preprocessor_).__name__} must return a finite 2-D "
                f"table with one row per event; got shape {out.shape}."
            )
        return out

    def transform(self, X):
        """Latent means of the events ``X``, shape (n_samples, latent_dim)."""
        check_is_fitted(self)
        _check_numeric_columns(X)
        X_in = X
        X = validate_data(self, X, dtype=np.float64, reset=False)
        X = self._preprocess(X_in, X)
        Z = self._map.to_normal(X, self._padding(X)).astype(np.float32)
        return predict(self.net_, _as_tensor(Z), output="mean").astype(np.float64)

    @property
    def _n_features_out(self):
        return self.latent_dim_

    def _generate(self, n, seeds):
        """``n`` events as a float64 array (columns first in memory).

        The events are made in chunks of ``_SAMPLE_CHUNK``, chunk ``k`` from a generator
        seeded with ``seeds[k]``: latent vectors (and conditions) drawn for the whole chunk,
        then, ``_SAMPLE_BATCH`` events at a time while they are in cache, decoded in float32,
        given the decoder noise and mapped back: the quantile map, an EventFrame's inverse
        (both torch, laid out columns first so every step runs over contiguous memory) and
        the snapping of discrete columns. On the CPU the chunks run on a thread per core with
        one intra-op thread each (~20% faster than intra-op threads: no fork-join per
        operation); every chunk's result is independent of which thread ran it.
        """
        module = self.net_.module_.eval()
        device = next(module.parameters()).device
        mixture = None if self.latent_density_ is None else _mixture_tensors(self.latent_density_)
        frame = getattr(self.preprocessor_, "_inverse_columns", None)
        # discrete columns are snapped in the batch unless a preprocessor must map back first
        in_batch = self.preprocessor_ is None or frame is not None
        snap = [(j, torch.from_numpy(v)) for j, v in zip(self.discrete_columns_, self.discrete_values_)]
        condition = torch.as_tensor(self._condition, dtype=torch.int64)
        # noise only where it changes something: not on constant or conditioning columns
        scale = self.decoder_noise * np.asarray(self.decoder_std_, dtype=np.float64)
        scale[self._condition] = 0.0
        noisy = torch.from_numpy(np.flatnonzero(scale > 0))
        scale = torch.as_tensor(scale[noisy.numpy()], dtype=torch.float32).unsqueeze(1)
        # the network's width: a preprocessor without _inverse_columns may change it (PCA)
        out = torch.empty((len(self.decoder_std_), n), dtype=torch.float64)

        def generate(k):
            first = k * _SAMPLE_CHUNK
            size = min(_SAMPLE_CHUNK, n - first)
            generator = torch.Generator().manual_seed(int(seeds[k]))
            with torch.inference_mode():
                z = torch.randn((size, self.latent_dim_), generator=generator)
                if self._conditions is not None:
                    z = torch.cat(_conditional_draw(self._conditions, mixture, z, generator), dim=1)
                elif mixture is not None:
                    z = _mixture_draw(*mixture, z, generator)
                for start in range(0, size, _SAMPLE_BATCH):
                    batch = z[start : start + _SAMPLE_BATCH]
                    rows = slice(first + start, first + start + len(batch))
                    T = module(batch.to(device), output="decode").float().cpu().T.contiguous()
                    if len(condition):  # mapped back to the training values exactly
                        T[condition] = batch[:, self.latent_dim_ :].T
                    if len(noisy):
                        T.index_add_(0, noisy, torch.randn((len(noisy), len(batch)), generator=generator).mul_(scale))
                    T = self._map.from_normal(T)
                    out[:, rows] = T if frame is None else frame(T)
                    for j, values in snap if in_batch else ():
                        out[j, rows] = _snap(out[j, rows], values)

        chunks = range(-(-n // _SAMPLE_CHUNK))
        workers = min(torch.get_num_threads(), len(chunks)) if device.type == "cpu" else 1
        if workers > 1:
            with _intraop_threads(1), ThreadPoolExecutor(workers) as pool:
                list(pool.map(generate, chunks))
        else:
            for k in chunks:
                generate(k)
        X = out.T.numpy()
        if not in_batch:
            X = np.array(self.preprocessor_.inverse_transform(X), dtype=np.float64)
            for j, values in snap:
                X[:, j] = _snap(torch.from_numpy(np.ascontiguousarray(X[:, j])), values).numpy()
        return X

    def sample(self, n_samples=1, random_state=None):
        """Generate ``n_samples`` new events.

        Parameters
        ----------
        n_samples : int, default=1
            Number of events.
        random_state : int, RandomState instance or None, default=None
            Seeds the latent vectors (drawn from ``latent_density_``, or from the N(0, 1)
            prior): a fixed value gives the same events for the same ``n_samples``.

        Returns
        -------
        DataFrame of shape (n_samples, n_features)
            The training columns (``x0``, ``x1``, ... when fitted on an array); discrete
            columns hold training values with the training dtype.
        """
        check_is_fitted(self)
        if isinstance(n_samples, bool) or not isinstance(n_samples, Integral) or n_samples < 1:
            raise ValueError(f"n_samples must be a positive integer, got {n_samples!r}.")
        n_chunks = -(-int(n_samples) // _SAMPLE_CHUNK)
        seeds = check_random_state(random_state).randint(np.iinfo(np.int64).max, size=n_chunks, dtype=np.int64)
        X = self._generate(int(n_samples), seeds)
        names = getattr(self, "feature_names_in_", None)
        if names is None:
            names = [f"x{j}" for j in range(self.n_features_in_)]
        # one float64 block without a copy; only the integer columns are converted
        out = pd.DataFrame(X, columns=names, copy=False)
        for name, dtype in zip(names, self._output_dtypes):
            if dtype != np.float64:
                out[name] = out[name].to_numpy().astype(dtype)
        return out


BetaVAEGenerator.__doc__ = BetaVAEGenerator.__doc__.format(
    params=NEURAL_PARAMS_DOC, attributes=NEURAL_ATTRIBUTES_DOC
)


def _mixture_tensors(mixture):
    """A fitted full-covariance GaussianMixture as float32 (weights, means, Cholesky factors)."""
    return tuple(
        torch.as_tensor(a, dtype=torch.float32)
        for a in (mixture.weights_, mixture.means_, np.linalg.cholesky(mixture.covariances_))
    )


def _mixture_draw(weights, means, chol, eps, generator):
    """Map standard-normal draws ``eps`` (a float32 tensor) to draws of a Gaussian mixture.

    Drawn here rather than by ``GaussianMixture.sample``, which takes its randomness from the
    mixture's own ``random_state``, not from the caller's, and works in float64 numpy.
    """
    labels = torch.multinomial(weights, len(eps), replacement=True, generator=generator)
    z = _by_component(means, chol, eps, torch.bincount(labels, minlength=len(weights)))
    # the events of a component are contiguous: shuffle (index_select is 3x faster than z[p])
    return z.index_select(0, torch.randperm(len(z), generator=generator))


def _by_component(means, chol, eps, counts):
    """``eps`` rows turned into draws of consecutive mixture components, ``counts[k]`` each."""
    z = torch.empty_like(eps)
    start = 0
    for k, count in enumerate(counts.tolist()):
        rows = slice(start, start + count)
        torch.addmm(means[k], eps[rows], chol[k].T, out=z[rows])
        start += count
    return z


def _conditional_draw(conditions, mixture, eps, generator):
    """Latent vectors and condition values for a conditional VAE's decoder.

    The conditions of training events are drawn (by weight, given as their cumulative sum
    ``cdf``); with a latent mixture each event's latent vector comes from the component its
    encoding belongs to.
    """
    table, cdf, labels = conditions
    n = len(eps)
    if cdf is None:
        rows = torch.randint(len(table), (n,), generator=generator)
    else:
        # inverse CDF: torch.multinomial takes at most 2**24 categories (training events)
        u = torch.rand(n, generator=generator, dtype=cdf.dtype).mul_(cdf[-1])
        rows = torch.searchsorted(cdf, u, right=True).clamp_(max=len(table) - 1)
    if mixture is None:
        return eps, table[rows]
    _, means, chol = mixture
    rows = rows[labels[rows].argsort(stable=True)]  # grouped by component
    z = _by_component(means, chol, eps, torch.bincount(labels[rows], minlength=len(means)))
    shuffle = torch.randperm(n, generator=generator)
    return z.index_select(0, shuffle), table[rows[shuffle]]


def _integer_dtypes(X):
    """``{position: dtype}`` of the integer or boolean columns (DataFrame dtypes, array dtype)."""
    if isinstance(X, pd.DataFrame):
        return {
            j: np.dtype(dt) for j, dt in enumerate(X.dtypes)
            if pd.api.types.is_integer_dtype(dt) or pd.api.types.is_bool_dtype(dt)
        }  # fmt: skip
    dtype = getattr(X, "dtype", None)
    if dtype is not None and dtype.kind in "biu" and np.ndim(X) == 2:
        return dict.fromkeys(range(np.shape(X)[1]), np.dtype(dtype))
    return {}


def _few_integers(column):
    values = np.unique(column)
    return len(values) <= AUTO_DISCRETE_MAX_LEVELS and bool(np.all(values == np.round(values)))


def _snap(x, values):
    """Each entry of the tensor ``x`` replaced by the nearest of the sorted ``values``."""
    # consecutive integers (counts): rounding is the same but for exact halves. Sorted distinct
    # integers spanning len - 1 are consecutive (no arange, which a wide span would make huge);
    # evenly spaced non-integers such as -0.5, 0.5, 1.5 do not round onto themselves
    if 1 < len(values) == values[-1] - values[0] + 1 and torch.equal(values, values.round()):
        return torch.round(x).clamp_(values[0], values[-1])
    upper = torch.searchsorted(values, x).clamp_(1, max(len(values) - 1, 1))
    lower = values[upper - 1]
    upper = values[upper.clamp_(max=len(values) - 1)]
    return torch.where((x - lower).abs() <= (upper - x).abs(), lower, upper)
