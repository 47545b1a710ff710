"""HEP-style plots (matplotlib + mplhep, the ``plot`` extra).

Spectra, residuals, loss curves, ROC curves, metrics against a physics parameter, the
hadronic-recoil response and resolutions in bins, and the distributions of generated
against real events.
"""

from ._plots import (
    feature_histograms,
    loss_curve,
    mass_spectrum,
    metric_vs_parameter,
    recoil_resolution_plot,
    recoil_response_plot,
    residuals_vs_truth,
    roc_curves,
)

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
