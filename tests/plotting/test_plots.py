import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from sklearn.metrics import roc_auc_score  # noqa: E402

from skhep_models.metrics import recoil_metrics_by_bin, roc_curve_hep  # noqa: E402
from skhep_models.plotting import (  # noqa: E402
    loss_curve,
    mass_spectrum,
    metric_vs_parameter,
    recoil_resolution_plot,
    recoil_response_plot,
    residuals_vs_truth,
    roc_curves,
)


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


def _scored_events(n=400, separation=1.0, seed=0):
    rng = np.random.default_rng(seed)
    y = rng.integers(0, 2, n)
    return y, rng.normal(separation * y, 1.0), rng.exponential(1.0, n)


def test_roc_curves_draw_rejection_with_the_auc_in_the_legend():
    y, good, w = _scored_events(separation=2.0)
    _, poor, _ = _scored_events(separation=0.5, seed=1)
    ax = roc_curves({"good": (y, good, w), "poor": (y, poor)})
    lines = ax.get_lines()
    assert len(lines) == 2
    labels = ax.get_legend_handles_labels()[1]
    assert labels == [
        f"good (AUC = {roc_auc_score(y, good, sample_weight=w):.3f})",
        f"poor (AUC = {roc_auc_score(y, poor):.3f})",
    ]
    eff_s, rej_b, _ = roc_curve_hep(y, good, sample_weight=w)
    np.testing.assert_array_equal(lines[0].get_xdata(), eff_s)
    np.testing.assert_array_equal(lines[0].get_ydata(), rej_b)
    assert ax.get_xlabel() == "Signal efficiency"
    assert ax.get_ylabel() == "Background rejection"
    assert ax.get_yscale() == "linear"


def test_roc_curves_log_rejection_draws_one_over_background_efficiency():
    y, score, _ = _scored_events()
    ax = roc_curves({"model": (y, score)}, log_rejection=True, xlabel="eff S", ylabel="1/eff B")
    eff_s, rej_b, _ = roc_curve_hep(y, score)
    keep = rej_b < 1  # cuts keeping no background have an infinite rejection factor
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), eff_s[keep])
    np.testing.assert_allclose(line.get_ydata(), 1 / (1 - rej_b[keep]))
    assert np.isfinite(line.get_ydata()).all()
    assert ax.get_yscale() == "log"
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("eff S", "1/eff B")
    assert "1/" in roc_curves({"m": (y, score)}, log_rejection=True).get_ylabel()


def test_roc_curves_draw_on_the_given_axes_and_reject_bad_entries():
    _, ax = plt.subplots()
    y, score, _ = _scored_events(50)
    assert roc_curves({"m": [y, score]}, ax=ax) is ax
    with pytest.raises(ValueError, match=r"curves\['m'\] must be \(y_true, y_score\).*length 1"):
        roc_curves({"m": (y,)})
    with pytest.raises(ValueError, match="curves is empty"):
        roc_curves({})
    with pytest.raises(ValueError, match="no signal"):
        roc_curves({"m": (np.zeros(3), [0.1, 0.2, 0.3])})


def test_metric_vs_parameter_draws_one_series_per_method():
    table = pd.DataFrame(
        {"pNN": [0.95, 0.90, np.nan], "BDT": [0.93, 0.85, 0.80]},
        index=pd.Index([1000, 500, 1500], name="mass"),
    )
    ax = metric_vs_parameter(table)
    lines = ax.get_lines()
    assert [line.get_label() for line in lines] == ["pNN", "BDT"]
    np.testing.assert_array_equal(lines[0].get_xdata(), [500, 1000, 1500])  # sorted
    np.testing.assert_array_equal(lines[1].get_ydata(), [0.85, 0.93, 0.80])
    assert np.isnan(lines[0].get_ydata()[2])
    assert all(line.get_marker() == "o" for line in lines)
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("mass", "ROC AUC")

    ax = metric_vs_parameter(table.rename_axis(None), "f1")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("parameter", "F1 score")
    ax = metric_vs_parameter(table, "my_metric", xlabel="m [GeV]", ylabel="score")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("m [GeV]", "score")


def test_metric_vs_parameter_rejects_a_metrics_by_parameter_table():
    from skhep_models.metrics import metrics_by_parameter

    y, score, _ = _scored_events(100)
    table = metrics_by_parameter(y, score, np.arange(100) % 2)
    with pytest.raises(ValueError, match="one column per method"):
        metric_vs_parameter(table, "roc_auc")
    wide = pd.DataFrame({"model": table["roc_auc"]})
    assert len(metric_vs_parameter(wide).get_lines()) == 1
    with pytest.raises(ValueError, match="non-empty pandas DataFrame"):
        metric_vs_parameter(table["roc_auc"])


def _recoil_tables(correct_response=False, variable="pt", bins=(0, 10, 30, 60, np.inf)):
    rng = np.random.default_rng(0)
    pt = rng.exponential(20, 1000) + 1
    phi = rng.uniform(-np.pi, np.pi, 1000)
    u_true = np.c_[pt * np.cos(phi), pt * np.sin(phi)]
    estimates = {
        "raw": 0.8 * u_true + rng.normal(0, 8, u_true.shape),
        "DNN": u_true + rng.normal(0, 5, u_true.shape),
    }
    return {
        name: recoil_metrics_by_bin(
            u_true, u_pred, variable, list(bins), correct_response=correct_response
        )
        for name, u_pred in estimates.items()
    }


def test_recoil_response_plot_draws_one_series_per_estimator_at_the_bin_centres():
    tables = _recoil_tables()
    ax = recoil_response_plot(tables, band=0.02)
    assert len(ax.containers) == 2
    assert ax.get_legend_handles_labels()[1] == ["raw", "DNN"]
    for container, table in zip(ax.containers, tables.values()):
        x, y = container.lines[0].get_data()
        # Finite bins at their centres; the overflow bin [60, inf) at the mean pT in it.
        np.testing.assert_allclose(x[:3], [5, 20, 45])
        assert x[3] == table["variable_mean"].iloc[3] and x[3] > 60
        np.testing.assert_array_equal(y, table["response"])
    assert ax.get_xlabel() == "$p_T^{\\mathrm{true}}$ [GeV]"
    assert "Response" in ax.get_ylabel()
    assert any(line.get_ydata()[0] == 1.0 for line in ax.get_lines())  # the line at 1
    assert len(ax.patches) == 1  # the +-2% band
    assert len(recoil_response_plot(tables).patches) == 0


def test_recoil_resolution_plot_draws_the_requested_component():
    tables = _recoil_tables(correct_response=True)
    for component, corrected, column in [
        ("parallel", False, "sigma_parallel"),
        ("perp", False, "sigma_perp"),
        ("perp", True, "sigma_perp_corrected"),
    ]:
        ax = recoil_resolution_plot(tables, component, corrected=corrected)
        assert len(ax.containers) == 2
        for container, table in zip(ax.containers, tables.values()):
            np.testing.assert_array_equal(container.lines[0].get_ydata(), table[column])
        ylabel = ax.get_ylabel()
        assert ylabel.startswith(f"$\\sigma(u_\\{component}") and ylabel.endswith("[GeV]")
        assert ("/ response" in ylabel) == corrected
        plt.close("all")
    ax = recoil_resolution_plot(tables, "perp", xlabel="x", ylabel="y")
    assert (ax.get_xlabel(), ax.get_ylabel()) == ("x", "y")


def test_recoil_plots_in_pileup_bins_skip_empty_bins_and_use_the_given_axes():
    rng = np.random.default_rng(1)
    mu = pd.Series(rng.integers(0, 40, 1000), name="$\\mu$")
    tables = _recoil_tables(variable=mu, bins=(0, 20, 40, 80))  # [40, 80) is empty
    _, ax = plt.subplots()
    assert recoil_resolution_plot(tables, "perp", ax=ax) is ax
    assert ax.get_xlabel() == "$\\mu$"
    y = ax.containers[0].lines[0].get_ydata()
    assert np.isfinite(y[:2]).all() and np.isnan(y[2])


def test_recoil_plots_reject_bad_tables():
    tables = _recoil_tables()
    with pytest.raises(ValueError, match="non-empty dict.*got an empty dict"):
        recoil_response_plot({})
    with pytest.raises(ValueError, match="non-empty dict.*got DataFrame"):
        recoil_response_plot(tables["raw"])
    with pytest.raises(ValueError, match=r"tables\['raw'\] must be a table of .*got Series"):
        recoil_response_plot({"raw": tables["raw"]["response"]})
    with pytest.raises(ValueError, match="no column 'sigma_perp_corrected'.*correct_response=True"):
        recoil_resolution_plot(tables, "perp", corrected=True)
    with pytest.raises(ValueError, match="component must be 'parallel' or 'perp'"):
        recoil_resolution_plot(tables, "both")
