"""HEP-style plots of regression and classification results and training histories."""

from __future__ import annotations

import numbers

import numpy as np

__all__ = [
    "feature_histograms",
    "loss_curve",
    "mass_spectrum",
    "metric_vs_parameter",
    "recoil_resolution_plot",
    "recoil_response_plot",
    "residuals_vs_truth",
    "roc_curves",
]


def _axes(ax):
    import matplotlib.pyplot as plt

    if ax is None:
        _, ax = plt.subplots(figsize=(8, 6))
    return ax


def _log_bins(values, n_bins):
    """``n_bins`` log-spaced bins covering ``values`` (the top edge just above the maximum)."""
    return np.geomspace(max(values.min(), 1e-3), values.max() * 1.001, n_bins + 1)


def mass_spectrum(y_true, predictions, *, bins=None, ax=None, xlabel="$m_{\\ell\\ell}$ [GeV]"):
    """Overlay the true mass spectrum and each model's predicted spectrum, log-scaled.

    Parameters
    ----------
    y_true : array-like of shape (n,)
    predictions : dict of str to array-like of shape (n,)
        Model name -> predicted mass.
    bins : array-like, optional
        Bin edges; default 200 log-spaced bins over the true range, which shows the narrow
        quarkonium resonances next to the Z.
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhep_models.plotting import mass_spectrum
    >>> ax = mass_spectrum([3.1, 9.5, 91.0], {"model": [3.0, 9.4, 90.0]})
    >>> ax.get_yscale()
    'log'
    """
    import mplhep as hep

    ax = _axes(ax)
    y_true = np.asarray(y_true, dtype=float)
    if bins is None:
        bins = _log_bins(y_true, 200)
    counts, edges = np.histogram(y_true, bins=bins)
    hep.histplot(counts, edges, ax=ax, label="true", color="black", histtype="fill", alpha=0.25)
    for name, pred in predictions.items():
        counts, _ = np.histogram(np.asarray(pred, dtype=float), bins=edges)
        hep.histplot(counts, edges, ax=ax, label=name)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("events / bin")
    ax.legend(fontsize="small")
    return ax


def residuals_vs_truth(y_true, y_pred, *, bins=40, ax=None, label=None, xlabel="true mass [GeV]"):
    """Median and central 68% band of ``y_pred - y_true`` in bins of the true value.

    Parameters
    ----------
    y_true, y_pred : array-like of shape (n,)
    bins : int or array-like, default=40
        Bins of the true value (log-spaced over its range when an int).
    ax : matplotlib Axes, optional
    label : str, optional

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skhep_models.plotting import residuals_vs_truth
    >>> m = np.geomspace(2, 110, 500)
    >>> ax = residuals_vs_truth(m, m + 0.1, label="model")
    >>> ax.get_ylabel()
    'predicted - true [GeV]'
    """
    ax = _axes(ax)
    y_true = np.asarray(y_true, dtype=float)
    resid = np.asarray(y_pred, dtype=float) - y_true
    if np.isscalar(bins):
        bins = _log_bins(y_true, int(bins))
    idx = np.digitize(y_true, bins) - 1
    centres, med, lo, hi = [], [], [], []
    for b in range(len(bins) - 1):
        r = resid[idx == b]
        if len(r) < 5:
            continue
        q16, q50, q84 = np.percentile(r, [16, 50, 84])
        centres.append(np.sqrt(bins[b] * bins[b + 1]))
        med.append(q50), lo.append(q16), hi.append(q84)
    line = ax.plot(centres, med, marker="o", ms=3, label=label)[0]
    ax.fill_between(centres, lo, hi, color=line.get_color(), alpha=0.2)
    ax.axhline(0, color="grey", lw=0.8)
    ax.set_xscale("log")
    ax.set_xlabel(xlabel)
    ax.set_ylabel("predicted - true [GeV]")
    if label is not None:
        ax.legend(fontsize="small")
    return ax


def loss_curve(history, *, ax=None, label=None):
    """Training and validation loss per epoch from an estimator's ``history_``.

    Parameters
    ----------
    history : pandas.DataFrame
        ``history_`` of a fitted neural estimator (columns epoch, train_loss[, valid_loss]).
    ax : matplotlib Axes, optional
    label : str, optional
        Prefix for the legend entries.

    Returns
    -------
    matplotlib Axes

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skhep_models.plotting import loss_curve
    >>> h = pd.DataFrame({"epoch": [1, 2], "train_loss": [1.0, 0.5], "valid_loss": [1.1, 0.6]})
    >>> len(loss_curve(h).get_lines())
    2
    """
    ax = _axes(ax)
    prefix = f"{label} " if label else ""
    for key in ("train_loss", "valid_loss"):
        if key in history:
            ax.plot(history["epoch"], history[key], label=prefix + key.replace("_", " "))
    ax.set_yscale("log")
    ax.set_xlabel("epoch")
    ax.set_ylabel("loss")
    ax.legend(fontsize="small")
    return ax


def roc_curves(
    curves,
    *,
    ax=None,
    log_rejection=False,
    xlabel="Signal efficiency",
    ylabel=None,
):
    """ROC curves in HEP form, background rejection against signal efficiency.

    Parameters
    ----------
    curves : dict of str to tuple
        Legend label -> ``(y_true, y_score)`` or ``(y_true, y_score, sample_weight)``, with
        ``y_true`` 1 for signal and 0 for background (see
        :func:`skhep_models.metrics.roc_curve_hep`). Each legend entry gets the curve's ROC
        AUC to three decimals.
    ax : matplotlib Axes, optional
    log_rejection : bool, default=False
        Draw the rejection factor 1/eff_B on a log axis instead of 1 - eff_B; the cuts that
        keep no background (infinite factor) are left out.
    xlabel : str, default="Signal efficiency"
    ylabel : str, optional
        Default "Background rejection", or "Background rejection $1/\\varepsilon_B$" with
        ``log_rejection=True``.

    Returns
    -------
    matplotlib Axes

    See Also
    --------
    skhep_models.metrics.roc_curve_hep : The curve drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> from skhep_models.plotting import roc_curves
    >>> y, score = [0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8]
    >>> ax = roc_curves({"model": (y, score)})
    >>> ax.get_legend_handles_labels()[1]
    ['model (AUC = 0.750)']
    """
    from ..metrics import roc_curve_hep

    if len(curves) == 0:
        raise ValueError("curves is empty; pass at least one label -> (y_true, y_score).")
    ax = _axes(ax)
    for label, entry in curves.items():
        if not isinstance(entry, (tuple, list)) or len(entry) not in (2, 3):
            raise ValueError(
                f"curves[{label!r}] must be (y_true, y_score) or (y_true, y_score, "
                f"sample_weight); got {type(entry).__name__}"
                + (f" of length {len(entry)}." if isinstance(entry, (tuple, list)) else ".")
            )
        weight = entry[2] if len(entry) == 3 else None
        eff_s, rej_b, _ = roc_curve_hep(entry[0], entry[1], sample_weight=weight)
        text = f"{label} (AUC = {np.trapezoid(rej_b, eff_s):.3f})"
        if log_rejection:
            eff_b = 1.0 - rej_b
            keep = eff_b > 0
            ax.plot(eff_s[keep], 1.0 / eff_b[keep], label=text)
        else:
            ax.plot(eff_s, rej_b, label=text)
    ax.set_xlim(0, 1)
    if log_rejection:
        ax.set_yscale("log")
        default_ylabel = "Background rejection $1/\\varepsilon_B$"
    else:
        ax.set_ylim(0, 1.02)
        default_ylabel = "Background rejection"
    ax.set_xlabel(xlabel)
    ax.set_ylabel(default_ylabel if ylabel is None else ylabel)
    ax.legend(fontsize="small", loc="upper right" if log_rejection else "lower left")
    return ax


_METRIC_LABELS = {
    "accuracy": "Accuracy",
    "cohen_kappa": "Cohen's kappa",
    "f1": "F1 score",
    "precision": "Precision",
    "sensitivity": "Sensitivity (signal efficiency)",
    "specificity": "Specificity",
    "roc_auc": "ROC AUC",
}


def metric_vs_parameter(table, metric="roc_auc", *, ax=None, xlabel=None, ylabel=None):
    """One metric against a physics parameter (e.g. the signal mass), one series per method.

    Parameters
    ----------
    table : pandas.DataFrame
        Wide table: index = parameter value, one column per method, values = the metric.
        Every column is drawn as markers joined by a line, in index order; NaN leaves a gap.
        Build it from per-method :func:`skhep_models.metrics.metrics_by_parameter` tables
        with ``pd.DataFrame({name: t[metric] for name, t in tables.items()})``.
    metric : str, default="roc_auc"
        Which metric the values are; only names the default y label (the names of
        ``skhep_models.metrics.PARAMETER_METRICS`` get a readable one).
    ax : matplotlib Axes, optional
    xlabel : str, optional
        Default the index name, or "parameter".
    ylabel : str, optional
        Default a readable name of ``metric``.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``table`` is not a non-empty DataFrame, or is a single
        :func:`~skhep_models.metrics.metrics_by_parameter` table (whose columns are metrics,
        not methods).

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import pandas as pd
    >>> from skhep_models.plotting import metric_vs_parameter
    >>> auc = pd.DataFrame({"pNN": [0.91, 0.95], "BDT": [0.88, 0.93]},
    ...                    index=pd.Index([500, 1000], name="$m_X$ [GeV]"))
    >>> ax = metric_vs_parameter(auc, "roc_auc")
    >>> ax.get_xlabel(), ax.get_ylabel(), len(ax.get_lines())
    ('$m_X$ [GeV]', 'ROC AUC', 2)
    """
    import pandas as pd

    if not isinstance(table, pd.DataFrame) or table.empty:
        raise ValueError(
            "table must be a non-empty pandas DataFrame: index = parameter value, one column "
            f"per method; got {type(table).__name__}"
            + (" with no rows or columns." if isinstance(table, pd.DataFrame) else ".")
        )
    if metric in table.columns and "n_signal" in table.columns:
        raise ValueError(
            "table looks like one metrics_by_parameter table (its columns are metrics); pass "
            "one column per method instead, e.g. "
            f"pd.DataFrame({{'my model': table[{metric!r}]}})."
        )
    ax = _axes(ax)
    table = table.sort_index()
    for method in table.columns:
        ax.plot(table.index, table[method].to_numpy(dtype=float), marker="o", label=str(method))
    ax.set_xlabel(xlabel if xlabel is not None else table.index.name or "parameter")
    ax.set_ylabel(ylabel if ylabel is not None else _METRIC_LABELS.get(metric, metric))
    ax.legend(fontsize="small")
    return ax


_RECOIL_VARIABLE_LABELS = {"pt_true": "$p_T^{\\mathrm{true}}$ [GeV]"}
_RECOIL_RESPONSE_LABEL = (
    "Response $\\langle u_\\parallel \\rangle / \\langle p_T^{\\mathrm{true}} \\rangle$"
)


def _recoil_series(tables, column, ax, xlabel, ylabel):
    """Draw ``column`` of every ``recoil_metrics_by_bin`` table against its bins."""
    import pandas as pd

    if not isinstance(tables, dict) or len(tables) == 0:
        got = "an empty dict" if isinstance(tables, dict) else type(tables).__name__
        raise ValueError(
            f"tables must be a non-empty dict of label -> recoil_metrics_by_bin table; got {got}."
        )
    for label, table in tables.items():
        if not isinstance(table, pd.DataFrame) or not isinstance(
            table.index, pd.IntervalIndex
        ):
            raise ValueError(
                f"tables[{label!r}] must be a table of skhep_models.metrics."
                f"recoil_metrics_by_bin (a DataFrame indexed by bins); got "
                f"{type(table).__name__}."
            )
        if column not in table.columns:
            hint = (
                " Make the table with recoil_metrics_by_bin(..., correct_response=True)."
                if column.endswith("_corrected")
                else ""
            )
            raise ValueError(f"tables[{label!r}] has no column {column!r}.{hint}")
    ax = _axes(ax)
    for label, table in tables.items():
        left, right = table.index.left.to_numpy(float), table.index.right.to_numpy(float)
        with np.errstate(invalid="ignore"):  # -inf + inf for a bin open on both sides
            centre, half = (left + right) / 2, (right - left) / 2
        finite = np.isfinite(centre) & np.isfinite(half)
        x = np.where(finite, centre, table["variable_mean"].to_numpy(float))
        xerr = np.where(finite, half, 0.0)
        y = table[column].to_numpy(float)
        ax.errorbar(x, y, xerr=xerr, marker="o", ms=4, ls="none", label=str(label))
    name = next(iter(tables.values())).index.name
    ax.set_xlabel(
        xlabel if xlabel is not None else _RECOIL_VARIABLE_LABELS.get(name, name or "variable")
    )
    ax.set_ylabel(ylabel)
    ax.legend(fontsize="small")
    return ax


def recoil_response_plot(tables, *, ax=None, xlabel=None, ylabel=None, band=None):
    """Recoil response <u_parallel> / <pT_true> of several estimators against their bins.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Legend label -> table of :func:`skhep_models.metrics.recoil_metrics_by_bin` (e.g.
        the raw recoil sum, XGBoost, a DNN), each drawn as markers at its bin centres with
        the bin widths as horizontal bars. A bin with an infinite edge is drawn at the
        mean of the variable in it, without a bar; NaN (empty bins) leaves no marker.
    ax : matplotlib Axes, optional
    xlabel : str, optional
        Default "$p_T^{true}$ [GeV]" for tables binned in the true pT, else the index
        name of the first table.
    ylabel : str, optional
        Default "Response $\\langle u_\\parallel \\rangle / \\langle p_T^{true}
        \\rangle$".
    band : float, optional
        Shade ``1 - band`` to ``1 + band``, e.g. 0.02 for a 2% target; a line at 1 is always
        drawn.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``tables`` is not a non-empty dict of ``recoil_metrics_by_bin`` tables.

    See Also
    --------
    skhep_models.metrics.recoil_metrics_by_bin : The tables drawn.
    recoil_resolution_plot : The resolutions of the same tables.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> from skhep_models.metrics import recoil_metrics_by_bin
    >>> from skhep_models.plotting import recoil_response_plot
    >>> u_true = np.array([[5.0, 0.0], [0.0, 15.0], [-25.0, 0.0]])
    >>> tables = {name: recoil_metrics_by_bin(u_true, scale * u_true, "pt", [0, 10, 20, 30])
    ...           for name, scale in [("raw", 0.8), ("DNN", 1.0)]}
    >>> ax = recoil_response_plot(tables, band=0.02)
    >>> ax.get_legend_handles_labels()[1]
    ['raw', 'DNN']
    """
    ax = _recoil_series(
        tables, "response", ax, xlabel, ylabel if ylabel is not None else _RECOIL_RESPONSE_LABEL
    )
    ax.axhline(1.0, color="grey", lw=0.8)
    if band is not None:
        ax.axhspan(1.0 - band, 1.0 + band, color="grey", alpha=0.15, lw=0)
    return ax


_RECOIL_COMPONENT_LABELS = {
    "parallel": "$\\sigma(u_\\parallel - p_T^{\\mathrm{true}})$",
    "perp": "$\\sigma(u_\\perp)$",
}


def recoil_resolution_plot(
    tables, component="parallel", *, corrected=False, ax=None, xlabel=None, ylabel=None
):
    """Recoil resolution sigma(u_parallel) or sigma(u_perp) of several estimators.

    Parameters
    ----------
    tables : dict of str to pandas.DataFrame
        Legend label -> table of :func:`skhep_models.metrics.recoil_metrics_by_bin`, drawn
        as in :func:`recoil_response_plot`.
    component : {"parallel", "perp"}, default="parallel"
        Draw the ``sigma_parallel`` (width of u_parallel - pT_true) or the ``sigma_perp``
        column.
    corrected : bool, default=False
        Draw the response-corrected widths (``sigma_parallel_corrected`` or
        ``sigma_perp_corrected``), which the tables have when made with
        ``correct_response=True``.
    ax : matplotlib Axes, optional
    xlabel : str, optional
        As in :func:`recoil_response_plot`.
    ylabel : str, optional
        Default the component's width in GeV, "/ response" when corrected.

    Returns
    -------
    matplotlib Axes

    Raises
    ------
    ValueError
        If ``component`` is unknown, or ``tables`` is not a non-empty dict of
        ``recoil_metrics_by_bin`` tables holding the column to draw.

    See Also
    --------
    skhep_models.metrics.recoil_metrics_by_bin : The tables drawn.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.metrics import recoil_metrics_by_bin
    >>> from skhep_models.plotting import recoil_resolution_plot
    >>> rng = np.random.default_rng(0)
    >>> u_true = rng.normal(0, 20, (500, 2))
    >>> mu = rng.integers(10, 60, 500)
    >>> tables = {name: recoil_metrics_by_bin(u_true, u_true + rng.normal(0, s, (500, 2)),
    ...                                       pd.Series(mu, name="mu"), [10, 30, 60])
    ...           for name, s in [("raw", 8.0), ("DNN", 5.0)]}
    >>> ax = recoil_resolution_plot(tables, "perp")
    >>> ax.get_xlabel(), len(ax.containers)
    ('mu', 2)
    """
    if component not in _RECOIL_COMPONENT_LABELS:
        raise ValueError(f"component must be 'parallel' or 'perp'; got {component!r}.")
    column = f"sigma_{component}" + ("_corrected" if corrected else "")
    default_ylabel = _RECOIL_COMPONENT_LABELS[component] + (
        " / response [GeV]" if corrected else " [GeV]"
    )
    return _recoil_series(
        tables, column, ax, xlabel, ylabel if ylabel is not None else default_ylabel
    )


def _feature_edges(real, generated, bins):
    """Bin edges for one feature: ``bins`` edges as given, or ``bins`` bins over both samples.

    A feature whose values are all whole numbers (multiplicities, charges, flags) gets bins
    centred on the integers, each an equal whole number of units wide, so that no bin
    collects more integers than its neighbours.
    """
    if not (isinstance(bins, numbers.Integral) and not isinstance(bins, bool)):
        edges = np.asarray(bins, dtype=float)
        if edges.ndim != 1 or len(edges) < 2 or not (np.diff(edges) > 0).all():
            raise ValueError(
                "bins must be a number of bins or increasing bin edges (at least two); got "
                f"{bins!r}."
            )
        return edges
    if bins < 1:
        raise ValueError(f"bins must be at least 1; got {bins}.")
    values = np.concatenate([real, generated])
    low, high = values.min(), values.max()
    if np.array_equal(values, np.round(values)):
        width = max(1, int(np.ceil((high - low + 1) / bins)))
        n_bins = int(np.ceil((high - low + 1) / width))
        return low - 0.5 + width * np.arange(n_bins + 1)
    return np.histogram_bin_edges(values, bins=bins)


def feature_histograms(
    real,
    generated,
    *,
    columns=None,
    bins=40,
    sample_weight_real=None,
    sample_weight_generated=None,
    density=True,
    log=False,
    labels=("real", "generated"),
    ncols=3,
    axes=None,
):
    """Overlay the real and the generated distribution of every feature, one panel each.

    The real sample is drawn filled, the generated one as a line, with mplhep's
    ``histplot``.

    Parameters
    ----------
    real : DataFrame or array-like of shape (n_real, n_features)
    generated : DataFrame or array-like of shape (n_generated, n_features)
        The same features, matched as in :func:`skhep_models.metrics.wasserstein_distances`
        (by column name for DataFrames, else by position; an array's features are named 0,
        1, ...).
    columns : label or list of labels, optional
        Features to draw, in this order; default all.
    bins : int, array-like or dict, default=40
        A number of bins over the range of both samples together (for a feature of whole
        numbers, bins centred on the integers, several integers wide where the range needs
        more than ``bins`` of them), or the bin edges, or a dict of feature name -> either
        of these (features not in it get 40 bins).
    sample_weight_real, sample_weight_generated : array-like, optional
        Non-negative event weights of each sample; default 1 for every event.
    density : bool, default=True
        Divide each histogram by its sample's total weight and by the bin widths, so that
        samples of different sizes compare in shape; the area inside the bins is then the
        fraction of the sample in them. If False, draw the (weighted) events per bin.
    log : bool, default=False
        Logarithmic y axes, to see the tails.
    labels : tuple of two str, default=("real", "generated")
        Legend entries, shown in the first panel.
    ncols : int, default=3
        Panels per row of a new figure.
    axes : sequence of matplotlib Axes, optional
        One per drawn feature; default a new figure with a grid of panels (the spare ones
        hidden).

    Returns
    -------
    matplotlib Figure
        The figure of the panels.

    Raises
    ------
    ValueError
        On invalid samples or weights (see :func:`skhep_models.metrics.ks_statistics`), an
        unknown column, invalid bins, or a number of ``axes`` other than the number of
        features.

    See Also
    --------
    skhep_models.metrics.generative_report : Distances between these distributions.

    Examples
    --------
    >>> import matplotlib
    >>> matplotlib.use("Agg")
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.plotting import feature_histograms
    >>> rng = np.random.default_rng(0)
    >>> real = pd.DataFrame({"pt": rng.exponential(30, 1000), "n_jets": rng.poisson(3, 1000)})
    >>> generated = pd.DataFrame({"pt": rng.exponential(27, 800),
    ...                           "n_jets": rng.poisson(3.3, 800)})
    >>> fig = feature_histograms(real, generated)
    >>> [ax.get_xlabel() for ax in fig.axes if ax.get_visible()]
    ['pt', 'n_jets']
    """
    import matplotlib.pyplot as plt
    import mplhep as hep
    import pandas as pd

    from ..metrics._generative import _validate_samples

    s = _validate_samples(real, generated, sample_weight_real, sample_weight_generated)
    if columns is None:
        selected = list(s.columns)
    else:
        many = isinstance(columns, (list, tuple, np.ndarray, pd.Index))
        selected = list(columns) if many else [columns]
        unknown = [c for c in selected if c not in s.columns]
        if unknown or not selected:
            raise ValueError(
                f"columns must name features of the samples, {list(s.columns)}; got unknown "
                f"name(s) {unknown}." if unknown else "columns is empty; name at least one."
            )
    if not isinstance(labels, (tuple, list)) or len(labels) != 2:
        raise ValueError(f"labels must be two legend entries (real, generated); got {labels!r}.")
    if axes is None:
        ncols = max(1, min(int(ncols), len(selected)))
        nrows = -(-len(selected) // ncols)
        fig, grid = plt.subplots(
            nrows, ncols, figsize=(4.5 * ncols, 3.6 * nrows), squeeze=False, layout="constrained"
        )
        axes = grid.ravel()
        for spare in axes[len(selected) :]:
            spare.set_visible(False)
    else:
        axes = list(np.ravel(axes))
        if len(axes) != len(selected):
            raise ValueError(
                f"axes must hold one Axes per feature drawn; got {len(axes)} for "
                f"{len(selected)} features."
            )
        fig = axes[0].figure

    for ax, column in zip(axes, selected):
        j = s.columns.get_loc(column)
        x_real, x_generated = s.real[:, j], s.generated[:, j]
        column_bins = bins.get(column, 40) if isinstance(bins, dict) else bins
        edges = _feature_edges(x_real, x_generated, column_bins)
        for x, w, label, style in (
            (x_real, s.w_real, labels[0], {"histtype": "fill", "color": "black", "alpha": 0.25}),
            (x_generated, s.w_generated, labels[1], {"histtype": "step", "color": "C0"}),
        ):
            counts, _ = np.histogram(x, bins=edges, weights=w)
            if density:
                counts = counts / (w.sum() * np.diff(edges))
            hep.histplot(counts, edges, ax=ax, label=label, **style)
        ax.set_xlabel(str(column))
        ax.set_ylabel("density" if density else "events / bin")
        if log:
            ax.set_yscale("log")
    axes[0].legend(fontsize="small")
    return fig
