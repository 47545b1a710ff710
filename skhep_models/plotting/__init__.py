"""HEP-style plots (matplotlib + mplhep, the ``plot`` extra).

Spectra, residuals, loss curves, ROC curves, and metrics against a physics parameter.
"""

from ._plots import loss_curve, mass_spectrum, metric_vs_parameter, residuals_vs_truth, roc_curves

__all__ = [
    "loss_curve",
    "mass_spectrum",
    "metric_vs_parameter",
    "residuals_vs_truth",
    "roc_curves",
]
