"""Small utilities: estimator discovery, spectrum-flattening event weights."""

from ._weights import flat_spectrum_weights
from .discovery import all_estimators

__all__ = ["all_estimators", "flat_spectrum_weights"]
