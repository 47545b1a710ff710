"""HEP-style plots of regression results and training histories (matplotlib + mplhep)."""

from __future__ import annotations

import numpy as np

__all__ = ["mass_spectrum", "residuals_vs_truth", "loss_curve"]


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
