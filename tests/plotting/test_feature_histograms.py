import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
import pytest  # noqa: E402

from skhep_models.plotting import feature_histograms  # noqa: E402


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _samples(n_real=600, n_generated=400, seed=0):
    rng = np.random.default_rng(seed)
    real = pd.DataFrame(
        {
            "pt": rng.exponential(30, n_real),
            "eta": rng.normal(0, 1.5, n_real),
            "n_jets": rng.poisson(3, n_real),
        }
    )
    generated = pd.DataFrame(
        {
            "pt": rng.exponential(27, n_generated),
            "eta": rng.normal(0, 1.5, n_generated),
            "n_jets": rng.poisson(3.5, n_generated),
        }
    )
    return real, generated


def _histograms(ax):
    """``{label: (values, edges)}`` of the histograms drawn in ``ax``."""
    return {p.get_label(): p.get_data()[:2] for p in ax.patches}


def test_one_panel_per_feature_with_both_samples_as_densities():
    real, generated = _samples()
    fig = feature_histograms(real, generated, ncols=2)
    visible = [ax for ax in fig.axes if ax.get_visible()]
    assert [ax.get_xlabel() for ax in visible] == ["pt", "eta", "n_jets"]
    assert len(fig.axes) == 4  # a 2 x 2 grid, the spare panel hidden
    assert visible[0].get_legend_handles_labels()[1] == ["real", "generated"]
    for ax, column in zip(visible, real.columns):
        assert ax.get_ylabel() == "density"
        hists = _histograms(ax)
        assert set(hists) == {"real", "generated"}
        for values, edges in hists.values():
            # Bins over both samples: every event inside, unit area.
            assert (values * np.diff(edges)).sum() == pytest.approx(1.0)
        edges = hists["real"][1]
        assert edges[0] <= min(real[column].min(), generated[column].min())
        assert edges[-1] >= max(real[column].max(), generated[column].max())


def test_whole_number_features_get_bins_centred_on_the_integers():
    real, generated = _samples()
    fig = feature_histograms(real, generated, columns="n_jets")
    values, edges = _histograms(fig.axes[0])["real"]
    both = pd.concat([real["n_jets"], generated["n_jets"]])
    low, high = both.min(), both.max()
    np.testing.assert_array_equal(edges, np.arange(low - 0.5, high + 1.0))
    counts = np.bincount(real["n_jets"] - low, minlength=len(values))
    np.testing.assert_allclose(values, counts / len(real))
    # A range wider than the number of bins: bins of several whole units.
    wide = pd.DataFrame({"n": np.arange(0, 100)})
    _, edges = _histograms(feature_histograms(wide, wide, bins=10).axes[0])["real"]
    np.testing.assert_array_equal(edges, np.arange(-0.5, 100, 10))


def test_weights_counts_and_given_bins():
    real, generated = _samples()
    w = np.random.default_rng(1).exponential(1.0, len(generated))
    edges = np.linspace(0, 100, 11)
    fig, axes = plt.subplots(1, 2)
    returned = feature_histograms(
        real,
        generated,
        columns=["pt", "eta"],
        sample_weight_generated=w,
        bins={"pt": edges, "eta": 5},
        density=False,
        log=True,
        labels=("data", "GAN"),
        axes=axes,
    )
    assert returned is fig
    hists = _histograms(axes[0])
    np.testing.assert_allclose(hists["GAN"][0], np.histogram(generated["pt"], edges, weights=w)[0])
    np.testing.assert_array_equal(hists["data"][0], np.histogram(real["pt"], edges)[0])
    assert len(_histograms(axes[1])["data"][1]) == 6
    assert axes[0].get_ylabel() == "events / bin" and axes[0].get_yscale() == "log"


def test_density_with_given_bins_keeps_the_fraction_outside():
    real = pd.DataFrame({"x": [0.5, 1.5, 2.5, 10.0]})
    fig = feature_histograms(real, real, bins=[0, 1, 2, 3])
    values, _ = _histograms(fig.axes[0])["real"]
    np.testing.assert_allclose(values, [0.25, 0.25, 0.25])  # one event in four outside


def test_arrays_and_bad_arguments():
    rng = np.random.default_rng(2)
    fig = feature_histograms(rng.normal(size=(50, 2)), rng.normal(size=(40, 2)))
    assert [ax.get_xlabel() for ax in fig.axes] == ["0", "1"]
    real, generated = _samples(50, 50)
    with pytest.raises(ValueError, match=r"unknown name\(s\) \['mass'\]"):
        feature_histograms(real, generated, columns=["pt", "mass"])
    with pytest.raises(ValueError, match="one Axes per feature drawn; got 2 for 3"):
        feature_histograms(real, generated, axes=plt.subplots(1, 2)[1])
    with pytest.raises(ValueError, match="increasing bin edges"):
        feature_histograms(real, generated, bins=[0, 2, 1])
    with pytest.raises(ValueError, match="bins must be at least 1"):
        feature_histograms(real, generated, bins=0)
    with pytest.raises(ValueError, match="labels must be two legend entries"):
        feature_histograms(real, generated, labels="real")
    with pytest.raises(ValueError, match=r"generated lacks \['n_jets'\]"):
        feature_histograms(real, generated.drop(columns="n_jets"))
