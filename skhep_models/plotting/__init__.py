"""HEP-style plots (matplotlib + mplhep, the ``plot`` extra): spectra, residuals, loss curves."""

from ._plots import loss_curve, mass_spectrum, residuals_vs_truth

__all__ = ["loss_curve", "mass_spectrum", "residuals_vs_truth"]
