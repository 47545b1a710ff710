"""Hadronic-recoil regression with a deep network (ATLAS-style W -> mu nu seed)."""

from __future__ import annotations

from numbers import Real

import numpy as np
from sklearn.base import RegressorMixin, _fit_context
from sklearn.utils._param_validation import Interval
from torch import nn

from ..nn import RecoilResponseLoss

from ._base import (
    NEURAL_ATTRIBUTES_DOC,
    NEURAL_PARAMS_DOC,
    NeuralEstimatorBase,
    _rows_of,
    _standardizer,
)

__all__ = ["RecoilDNNRegressor"]


class RecoilDNNRegressor(RegressorMixin, NeuralEstimatorBase):
    """Deep network regressing the 2-component hadronic recoil vector (or any vector target).

    The defaults are the seed study's: three dense layers of 256 tanh units, Adam (AdamW
    without weight decay) at a learning rate of 1e-3, batch size 4000, 20% of the events held
    out for validation, inputs standardised (the seed's StandardScaler, built in) and the
    targets (the truth recoil's x and y) standardised per component, except batch
    normalisation, which is off (``batch_norm=True`` puts it between the layers as in the
    seed; see Notes). ``y`` may have any number of columns; a 1-D ``y`` gives 1-D predictions.

    Parameters
    ----------
    {params}
    standardize : bool, default=True
        Standardise every input column with the training mean and standard deviation inside
        the model (the seed's StandardScaler), so raw inputs in GeV can be passed.
    standardize_target : bool, default=True
        Train on each target column's ``(y - mean) / std`` and map predictions back, so the
        loss weighs the components alike whatever their units.
    response_weight : float, default=0.0
        Weight of a response term added to the loss (CMS's DeepMET): for a 2-component
        target, the squared deviation from 1 of each mini-batch's response
        ``<u_par> / <pT_true>`` in the true-pT bins ``response_bins``
        (:class:`~skhep_models.nn.RecoilResponseLoss`). A squared-error fit otherwise lets the
        response drift where the training spectrum is sparse; batches must be large enough to
        hold ~20 events per bin (the seed's 4000 are).
    response_bins : array-like of float, default=(15, 20, 25, 30, 40, 60, 80, 120, 200, inf)
        Edges of the true-pT bins of the response term, in the units of ``y`` (GeV). Start
        them below the lowest pT where the response must be 1: the lowest bin is pulled
        towards the unconstrained response beneath it (with bins from 20 GeV,
        ``benchmarks/recoil.py`` measured 0.944 at 20-25 GeV; from 15 GeV, 1.016).

    Attributes
    ----------
    {attributes}
    n_outputs_ : int
        Number of target columns (1 for a 1-D ``y``).
    target_names_ : ndarray of str or None
        Column names of ``y`` when it was a DataFrame with string column names.
    x_mean_, x_scale_ : ndarray of shape (n_features,)
        Input standardisation (0 and 1 with ``standardize=False``).
    y_mean_, y_scale_ : ndarray of shape (n_outputs,)
        Target standardisation (0 and 1 with ``standardize_target=False``).

    See Also
    --------
    skhep_models.datasets.make_w_recoil : generated W -> mu nu events with the seed's 38 inputs.
    skhep_models.metrics.recoil_metrics_by_bin : response and resolutions per truth-pT bin.

    Notes
    -----
    The loss is the sample-weighted mean squared error over the standardised components. The
    seed trained on 2.3M events with 38 inputs: the recoil from charged, neutral and all
    particle-flow objects, the three sum E_T, the two leading jets, the five leading charged
    and neutral PFOs, the numbers of vertices, jets and PFOs, and the pile-up mu. It credited
    batch normalisation with a tenfold cut in training time. ``benchmarks/recoil.py`` measured
    that claim on 100k generated events (``make_w_recoil``; epochs to reach the same
    validation loss, batch 4000): with standardised inputs BatchNorm was *slower*, 27 epochs
    against 5 at a learning rate of 1e-3 and 24 against 27 epochs but 1.8x the time at 1e-2
    (it also costs up to ~1.5x per epoch); with unscaled inputs (GeV) it was even at 1e-3
    and 5.8x faster at 1e-2, where the network without it did not train (best loss 0.76
    against 0.20). The tenfold gain belongs to unscaled inputs at a high learning rate; this
    estimator standardises its inputs, so BatchNorm is off by default.

    To flatten the response of a squared-error fit over the truth pT (it otherwise shrinks
    small recoils towards 0, as the W pT spectrum falls steeply), weight the training events
    with :func:`~skhep_models.utils.flat_spectrum_weights` (``power=1``: a flat density in the
    (ux, uy) plane), as DeepMET weights to a flat boson pT, and add the response term
    (``response_weight``), as DeepMET also does.

    The seed's tanh units saturate for inputs far outside the bulk of the training events
    (a 300 GeV recoil is 20 standard deviations of the standardised inputs), and a network
    of saturated units gives the same output however large the input: trained on the W pT
    spectrum, the response fell to ~0.76 above 300 GeV. ``activation='relu'`` extrapolates
    linearly and held the response within 1.1% of 1 from 200 GeV up to beyond 400 GeV
    (``benchmarks/recoil.py``).

    References
    ----------
    ATLAS Collaboration, "Measurement of the W-boson mass in pp collisions at sqrt(s) = 7 TeV",
    Eur. Phys. J. C 78 (2018) 110, arXiv:1701.07240 (the hadronic recoil and its calibration).
    CMS Collaboration, "Performance of missing transverse momentum reconstruction in
    proton-proton collisions at sqrt(s) = 13 TeV using the CMS detector", JINST 14 (2019)
    P07004, arXiv:1903.06078 (DeepMET improves the resolution by 10-30%).

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models import RecoilDNNRegressor
    >>> rng = np.random.default_rng(0)
    >>> X = rng.normal(size=(500, 6))
    >>> Y = X[:, :2] * 10 + rng.normal(size=(500, 2))
    >>> reg = RecoilDNNRegressor(batch_size=64, max_epochs=5, random_state=0).fit(X, Y)
    >>> reg.predict(X[:3]).shape
    (3, 2)
    >>> reg.hidden_layer_sizes_
    (256, 256, 256)
    """

    def __init__(
        self,
        hidden_layer_sizes=(256, 256, 256),
        *,
        standardize=True,
        standardize_target=True,
        n_layers=None,
        n_units_1=None,
        n_units_2=None,
        n_units_3=None,
        n_units_4=None,
        activation="tanh",
        init="glorot_uniform",
        batch_norm=False,
        dropout=0.0,
        learning_rate=1e-3,
        weight_decay=0.0,
        batch_size=4000,
        max_epochs=200,
        patience=10,
        tol=0.0,
        lr_schedule=None,
        max_time=None,
        validation_fraction=0.2,
        response_weight=0.0,
        response_bins=(15.0, 20.0, 25.0, 30.0, 40.0, 60.0, 80.0, 120.0, 200.0, np.inf),
        device="cpu",
        verbose=0,
        random_state=None,
    ):
        self.hidden_layer_sizes = hidden_layer_sizes
        self.standardize = standardize
        self.standardize_target = standardize_target
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
        self.response_weight = response_weight
        self.response_bins = response_bins
        self.device = device
        self.verbose = verbose
        self.random_state = random_state

    _parameter_constraints = {
        **NeuralEstimatorBase._parameter_constraints,
        "standardize": ["boolean"],
        "standardize_target": ["boolean"],
        "response_weight": [Interval(Real, 0, None, closed="left")],
        "response_bins": ["array-like"],
    }

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.target_tags.multi_output = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y, sample_weight=None):
        """Train the network.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Event features (numeric columns only).
        y : array-like or DataFrame of shape (n_samples,) or (n_samples, n_outputs)
            Targets, e.g. the truth recoil's ``(ux, uy)``.
        sample_weight : array-like of shape (n_samples,), default=None
            Non-negative per-event weights, applied to the loss and the validation loss.

        Returns
        -------
        self : RecoilDNNRegressor
        """
        names = getattr(y, "columns", None)
        X, y, sample_weight = self._validate_fit_data(X, y, sample_weight, multi_output=True)
        self._y_1d = y.ndim == 1
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        self.n_outputs_ = Y.shape[1]
        self.target_names_ = (
            np.asarray(names, dtype=object)
            if names is not None and all(isinstance(c, str) for c in names)
            else None
        )
        self.y_mean_, self.y_scale_ = _standardizer(
            self.standardize_target, self.n_outputs_, lambda: (Y.mean(axis=0), Y.std(axis=0))
        )
        X = self._fit_standardizer(X)
        return self._fit_network(
            X, self._scaled_target(Y), sample_weight, n_outputs=self.n_outputs_,
            criterion=self._criterion(),
        )  # fmt: skip

    def _criterion(self):
        if self.response_weight == 0:
            return nn.MSELoss
        if self.n_outputs_ != 2:
            raise ValueError(
                f"response_weight > 0 constrains the response of a 2-component recoil (x, y); "
                f"y has {self.n_outputs_} column(s)."
            )
        return RecoilResponseLoss

    def _module_kwargs(self, n_inputs, n_outputs):
        kwargs = super()._module_kwargs(n_inputs, n_outputs)
        if self.response_weight == 0:
            return kwargs
        return {
            **kwargs, "criterion__response_weight": float(self.response_weight),
            "criterion__bins": np.asarray(self.response_bins, dtype=np.float64).tolist(),
            "criterion__y_mean": [float(v) for v in self.y_mean_],
            "criterion__y_scale": [float(v) for v in self.y_scale_],
        }  # fmt: skip

    def _scaled_target(self, y):
        Y = np.asarray(y, dtype=np.float64).reshape(len(y), -1)
        return ((Y - self.y_mean_) / self.y_scale_).astype(np.float32)

    def _stream_setup(self, scan, rng):
        self._y_1d = scan.y_ndim == 1
        self.n_outputs_ = len(scan.y.mean)
        names = scan.target_names
        self.target_names_ = None if names is None else np.asarray(names, dtype=object)
        self.y_mean_, self.y_scale_ = self._target_moments(scan, self.standardize_target)

        def prepare(i, X, y, w, rows):
            X = self._standardized_rows(X, rows)
            return X, self._scaled_target(_rows_of(y, rows)), _rows_of(w, rows)

        return prepare, self.n_outputs_, self._criterion(), scan.weight_sums

    def predict(self, X):
        """Predicted targets in the units of ``y``: shape (n_samples, n_outputs), or
        (n_samples,) when ``y`` was 1-D."""
        out = self._raw_predict(X, standardize=True).astype(np.float64)
        out = out * self.y_scale_ + self.y_mean_
        return out[:, 0] if self._y_1d else out


RecoilDNNRegressor.__doc__ = RecoilDNNRegressor.__doc__.format(
    params=NEURAL_PARAMS_DOC, attributes=NEURAL_ATTRIBUTES_DOC
)
