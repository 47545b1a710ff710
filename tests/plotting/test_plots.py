import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from skhep_models.plotting import loss_curve, mass_spectrum, residuals_vs_truth  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def test_mass_spectrum_histograms_every_model():
    rng = np.random.default_rng(0)
    m = np.r_[rng.normal(3.1, 0.05, 500), rng.normal(91, 2, 500)]
    ax = mass_spectrum(m, {"a": m + 0.1, "b": m * 1.01})
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["true", "a", "b"]
    assert ax.get_xscale() == "log" and ax.get_yscale() == "log"


def test_residual_band_follows_the_bias():
    m = np.geomspace(2, 110, 4000)
    ax = residuals_vs_truth(m, m + 0.5, bins=10, label="biased")
    medians = ax.get_lines()[0].get_ydata()
    np.testing.assert_allclose(medians, 0.5, atol=1e-9)


def test_loss_curve_plots_available_columns():
    h = pd.DataFrame({"epoch": [1, 2, 3], "train_loss": [3.0, 2.0, 1.0]})
    ax = loss_curve(h, label="net")
    assert [line.get_label() for line in ax.get_lines()] == ["net train loss"]
    np.testing.assert_array_equal(ax.get_lines()[0].get_ydata(), [3.0, 2.0, 1.0])
