"""BetaVAEGenerator: training through the engine, sampling, discrete columns, latent map."""

import numpy as np
import pandas as pd
import pytest
import torch

from skhep_models import BetaVAEGenerator
from skhep_models.nn import VAE, BetaVAELoss

FAST = {"hidden_layer_sizes": (32, 16), "latent_dim": 4, "max_epochs": 40, "random_state": 0}


def _events(n=2000, seed=0):
    """Correlated toy events: a jet count, HT growing with it, a padded second-jet pT."""
    rng = np.random.default_rng(seed)
    n_jet = rng.poisson(1.5, n)
    ht = 40 * n_jet + rng.exponential(20, n)
    jet2_pt = np.where(n_jet >= 2, rng.exponential(30, n) + 20, 0.0)
    return pd.DataFrame({"n_jet": n_jet, "ht": ht, "jet2_pt": jet2_pt})


def test_beta_vae_loss_matches_closed_form():
    x = torch.tensor([[1.0, 2.0]])
    recon = torch.tensor([[0.0, 0.0]])
    mu, logvar = torch.tensor([[1.0]]), torch.tensor([[np.log(4.0)]])
    kl = 0.5 * (1 + 4 - 1 - np.log(4.0))
    loss = BetaVAELoss(beta=0.25, reduction="none")((recon, mu, logvar), x)
    np.testing.assert_allclose(loss.numpy(), [0.75 * 2.5 + 0.25 * kl], rtol=1e-6)
    with pytest.raises(ValueError, match="beta must be in"):
        BetaVAELoss(beta=2.0)


def test_vae_outputs_and_bad_output_name():
    vae = VAE(3, (8,), latent_dim=2)
    assert vae(torch.zeros(5, 3), output="mean").shape == (5, 2)
    with pytest.raises(ValueError, match="output must be one of"):
        vae(torch.zeros(5, 3), output="bogus")


def test_sample_keeps_columns_dtypes_and_discrete_values():
    X = _events()
    vae = BetaVAEGenerator(**FAST).fit(X)
    fake = vae.sample(3000, random_state=1)
    assert list(fake.columns) == list(X.columns)
    assert fake["n_jet"].dtype == X["n_jet"].dtype
    assert set(fake["n_jet"].unique()) <= set(X["n_jet"].unique())
    np.testing.assert_array_equal(vae.discrete_columns_, [0])
    # the quantile map keeps the range and the zero padding as an exact point mass
    for c in ("ht", "jet2_pt"):
        assert X[c].min() <= fake[c].min() and fake[c].max() <= X[c].max()
    zero_real, zero_fake = (X["jet2_pt"] == 0).mean(), (fake["jet2_pt"] == 0).mean()
    assert abs(zero_fake - zero_real) < 0.1
    # the learned correlation between count and HT survives sampling
    assert fake[["n_jet", "ht"]].corr().iloc[0, 1] > 0.7


def test_sampling_is_seeded_and_fits_are_reproducible():
    X = _events(500)
    a = BetaVAEGenerator(**FAST).fit(X)
    b = BetaVAEGenerator(**FAST).fit(X)
    pd.testing.assert_frame_equal(a.sample(50, random_state=3), b.sample(50, random_state=3))
    assert not a.sample(50, random_state=3).equals(a.sample(50, random_state=4))
    np.testing.assert_array_equal(a.transform(X), b.transform(X))


def test_transform_gives_latent_means_with_feature_names():
    X = _events(500)
    vae = BetaVAEGenerator(**FAST).set_output(transform="pandas").fit(X)
    Z = vae.transform(X)
    assert Z.shape == (500, 4)
    assert list(Z.columns) == [f"betavaegenerator{i}" for i in range(4)]


def test_training_reduces_the_loss_and_history_is_recorded():
    vae = BetaVAEGenerator(**{**FAST, "patience": None, "max_epochs": 15}).fit(_events(800))
    assert vae.n_iter_ == 15
    assert vae.history_["train_loss"].iloc[-1] < vae.history_["train_loss"].iloc[0]
    assert "valid_loss" in vae.history_


def test_sample_weight_moves_the_generated_distribution():
    X = _events(3000)
    w = np.where(X["n_jet"] >= 2, 5.0, 1.0)
    plain = BetaVAEGenerator(**FAST).fit(X).sample(4000, random_state=0)
    weighted = BetaVAEGenerator(**FAST).fit(X, sample_weight=w).sample(4000, random_state=0)
    frac_real = np.average(X["n_jet"] >= 2, weights=w)
    assert (weighted["n_jet"] >= 2).mean() > (plain["n_jet"] >= 2).mean() + 0.1
    assert abs((weighted["n_jet"] >= 2).mean() - frac_real) < 0.15


def test_discrete_columns_by_name_position_and_none():
    X = _events(400).astype({"n_jet": float})
    assert BetaVAEGenerator(**FAST).fit(X).discrete_columns_.tolist() == [0]  # auto: few integers
    assert BetaVAEGenerator(**FAST, discrete_columns=None).fit(X).discrete_columns_.tolist() == []
    vae = BetaVAEGenerator(**FAST, discrete_columns=["jet2_pt", 0]).fit(X)
    assert vae.discrete_columns_.tolist() == [0, 2]
    assert set(vae.sample(200, random_state=0)["jet2_pt"]) <= set(X["jet2_pt"])
    with pytest.raises(ValueError, match="'nope', which is not a column"):
        BetaVAEGenerator(**FAST, discrete_columns=["nope"]).fit(X)
    with pytest.raises(ValueError, match="column names or positions"):
        BetaVAEGenerator(**FAST, discrete_columns=[7]).fit(X)


def test_standard_transform_and_array_input():
    X = _events(500).to_numpy(dtype=float)
    vae = BetaVAEGenerator(**FAST, input_transform="standard").fit(X)
    fake = vae.sample(10, random_state=0)
    assert list(fake.columns) == ["x0", "x1", "x2"]


@pytest.mark.parametrize("n", [0, -3, 2.5, True])
def test_sample_rejects_bad_sizes(n):
    vae = BetaVAEGenerator(**FAST).fit(_events(300))
    with pytest.raises(ValueError, match="n_samples must be a positive integer"):
        vae.sample(n)


def test_bad_input_is_named():
    X = _events(300)
    X.loc[3, "ht"] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        BetaVAEGenerator(**FAST).fit(X)
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        BetaVAEGenerator(**FAST).fit(_events(300), sample_weight=-np.ones(300))


def test_latent_mixture_follows_the_data_better_than_the_prior():
    X = _events(2000)
    kw = {**FAST, "latent_dim": 2, "max_epochs": 60}
    zero_real = (X["jet2_pt"] == 0).mean()
    errors = {}
    for components in (None, 10):
        vae = BetaVAEGenerator(**kw, latent_components=components).fit(X)
        assert (vae.latent_density_ is None) == (components is None)
        fake = vae.sample(4000, random_state=0)
        errors[components] = abs((fake["jet2_pt"] == 0).mean() - zero_real)
    assert errors[10] < errors[None]
    assert errors[10] < 0.05


def test_event_frame_preprocessor_gives_consistent_events():
    from sklearn.preprocessing import Normalizer

    from skhep_models.features import EventFrame

    rng = np.random.default_rng(0)
    n = 1500
    n_jet = rng.integers(0, 3, n)
    pt = rng.exponential(60, n) + 20
    eta = rng.normal(0, 1.5, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    X = pd.DataFrame({
        "MET": pt + rng.normal(0, 10, n).clip(-15), "METphi": (phi + np.pi + rng.normal(0, 0.2, n) + np.pi) % (2 * np.pi) - np.pi,
        "n_jet": n_jet,
        "jet1_E": np.where(n_jet > 0, pt * np.cosh(eta) * 1.01, 0.0), "jet1_pt": np.where(n_jet > 0, pt, 0.0),
        "jet1_eta": np.where(n_jet > 0, eta, 0.0), "jet1_phi": np.where(n_jet > 0, phi, 0.0),
    })  # fmt: skip
    vae = BetaVAEGenerator(**FAST, preprocessor=EventFrame()).fit(X)
    assert vae.preprocessor_ is not None and vae.preprocessor_ is not vae.preprocessor
    fake = vae.sample(2000, random_state=0)
    present = fake["jet1_pt"] > 0
    assert (present == (fake["n_jet"] > 0)).all()
    assert (fake.loc[~present, ["jet1_E", "jet1_eta", "jet1_phi"]] == 0).all().all()
    assert (fake.loc[present, "jet1_E"] >= fake.loc[present, "jet1_pt"] * np.cosh(fake.loc[present, "jet1_eta"]) * (1 - 1e-5)).all()
    # the MET recoils against the jet: the relative azimuth is learned in the rotated frame
    dphi = np.abs(np.angle(np.exp(1j * (fake.loc[present, "jet1_phi"] - fake.loc[present, "METphi"]))))
    assert np.median(dphi) > 2.8
    assert vae.transform(X.iloc[:5]).shape == (5, 4)
    with pytest.raises(ValueError, match="inverse_transform"):
        BetaVAEGenerator(**FAST, preprocessor=Normalizer()).fit(X)


def test_a_single_training_event_is_reproduced():
    X = pd.DataFrame({"a": [3.5], "n": [2]})
    vae = BetaVAEGenerator(**{**FAST, "validation_fraction": 0, "latent_components": None}).fit(X)
    fake = vae.sample(3, random_state=0)
    assert (fake["a"] == 3.5).all() and (fake["n"] == 2).all()


def test_batched_threaded_sampling_is_deterministic(monkeypatch):
    import skhep_models.estimators._generative as generative

    vae = BetaVAEGenerator(**FAST).fit(_events(800))
    # 6 chunks of 2 batches over the threads
    monkeypatch.setattr(generative, "_SAMPLE_BATCH", 100)
    monkeypatch.setattr(generative, "_SAMPLE_CHUNK", 200)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(2)
        threaded = vae.sample(1050, random_state=5)
        torch.set_num_threads(1)
        serial = vae.sample(1050, random_state=5)
    finally:
        torch.set_num_threads(before)
    pd.testing.assert_frame_equal(threaded, serial)
    # each chunk has its own latent draws
    assert not np.allclose(threaded["ht"].iloc[:200], threaded["ht"].iloc[200:400])
    assert not threaded.equals(vae.sample(1050, random_state=6))


def test_conditional_vae_module_feeds_the_condition_to_the_decoder():
    vae = VAE(5, (8,), latent_dim=2, condition=[0, 3])
    assert vae.decoder[0].in_features == 4
    x = torch.randn(6, 5)
    recon, mu, _ = vae(x)
    assert recon.shape == (6, 5) and mu.shape == (6, 2)
    z = torch.randn(6, 2)
    torch.testing.assert_close(
        vae(torch.cat([z, x[:, [0, 3]]], dim=1), output="decode"), vae.decoder(torch.cat([z, x[:, [0, 3]]], dim=1))
    )
    assert "condition" not in vae.state_dict()  # rebuilt from the estimator, not saved


def test_conditional_sampling_keeps_the_joint_discrete_distribution():
    X = _events(3000)
    X["n_lep"] = (X["n_jet"] + np.random.default_rng(1).integers(0, 2, len(X))) % 3  # correlated with n_jet
    vae = BetaVAEGenerator(**FAST, conditional=True).fit(X)
    assert vae.decoder_std_.shape == (4,)
    fake = vae.sample(20000, random_state=0)
    real_joint = X.value_counts(["n_jet", "n_lep"], normalize=True)
    fake_joint = fake.value_counts(["n_jet", "n_lep"], normalize=True)
    assert set(fake_joint.index) <= set(real_joint.index)
    assert (fake_joint.reindex(real_joint.index, fill_value=0) - real_joint).abs().max() < 0.015
    # HT follows the count it was generated with
    means = fake.groupby("n_jet")["ht"].mean().loc[:4]  # the well-populated counts
    assert means.is_monotonic_increasing and abs(means[2] - X.groupby("n_jet")["ht"].mean()[2]) < 15
    # the decoder noise leaves the drawn conditions alone and moves the continuous columns
    quiet = vae.set_params(decoder_noise=0.0).sample(20000, random_state=0)
    pd.testing.assert_series_equal(quiet["n_jet"], fake["n_jet"])
    assert not np.allclose(quiet["ht"], fake["ht"])


def test_decoder_std_is_the_rms_reconstruction_error():
    from skhep_models.training import predict

    X = _events(1000)
    vae = BetaVAEGenerator(**FAST, input_transform="standard").fit(X)
    Z = ((X.to_numpy() - X.mean().to_numpy()) / X.std(ddof=0).to_numpy()).astype(np.float32)
    decoded = predict(vae.net_, torch.from_numpy(vae.transform(X).astype(np.float32)), output="decode")
    np.testing.assert_allclose(vae.decoder_std_, np.sqrt(((decoded - Z) ** 2).mean(axis=0)), rtol=1e-4)


def test_conditional_errors_are_named():
    from sklearn.decomposition import PCA

    X = _events(300)
    with pytest.raises(ValueError, match="discrete columns, but there are none"):
        BetaVAEGenerator(**FAST, conditional=True, discrete_columns=None).fit(X)
    with pytest.raises(ValueError, match="keeps the columns in place"):
        BetaVAEGenerator(**FAST, conditional=True, preprocessor=PCA(2)).fit(X)


def test_discrete_values_that_are_not_consecutive_integers_are_kept():
    rng = np.random.default_rng(0)
    X = pd.DataFrame({
        "spin": rng.choice([-0.5, 0.5, 1.5], 400),  # evenly spaced by 1, not integers
        "code": rng.choice([0.0, 1e15], 400),  # 'auto' discrete: two integers far apart
        "x": rng.normal(size=400),
    })  # fmt: skip
    vae = BetaVAEGenerator(**FAST, discrete_columns=["spin", "code"]).fit(X)
    fake = vae.sample(500, random_state=0)
    assert set(fake["spin"]) <= {-0.5, 0.5, 1.5}
    assert set(fake["code"]) <= {0.0, 1e15}


def test_a_preprocessor_that_changes_the_width_maps_back_after_generation():
    from sklearn.decomposition import PCA

    X = _events(500)
    vae = BetaVAEGenerator(**FAST, preprocessor=PCA(2)).fit(X)
    assert vae.decoder_std_.shape == (2,)
    fake = vae.sample(300, random_state=0)
    assert list(fake.columns) == list(X.columns) and fake["n_jet"].dtype == X["n_jet"].dtype
    assert set(fake["n_jet"]) <= set(X["n_jet"])  # snapped after the inverse_transform


def test_weighted_conditional_sampling_draws_the_conditions_by_weight():
    from skhep_models.estimators._generative import _conditional_draw

    X = _events(2000)
    w = np.where(X["n_jet"] >= 2, 5.0, 1.0)
    vae = BetaVAEGenerator(**FAST, conditional=True, latent_components=None).fit(X, sample_weight=w)
    fake = vae.sample(20000, random_state=0)
    assert abs((fake["n_jet"] >= 2).mean() - np.average(X["n_jet"] >= 2, weights=w)) < 0.015
    # more training events than the 2**24 categories torch.multinomial takes; zero weights
    # are never drawn
    n = 2**24 + 1
    weights = np.zeros(n)
    weights[[5, n - 1]] = [1.0, 3.0]
    table = torch.arange(n, dtype=torch.float32).unsqueeze(1)
    eps = torch.zeros(4000, 2)
    conditions = (table, torch.from_numpy(np.cumsum(weights)), None)
    _, drawn = _conditional_draw(conditions, None, eps, torch.Generator().manual_seed(0))
    assert set(drawn[:, 0].tolist()) == {5.0, float(n - 1)}
    assert abs((drawn[:, 0] == n - 1).float().mean().item() - 0.75) < 0.03


def test_quantile_map_ignores_events_of_zero_weight():
    from skhep_models.estimators._generative import _QuantileMap

    X = np.array([[-50.0], [1.0], [2.0], [3.0], [50.0]])
    w = np.array([0.0, 1.0, 1.0, 2.0, 0.0])  # the outliers carry no weight
    qmap = _QuantileMap(X, w, n_quantiles=5)
    # inverted weighted CDF at 0, 1/4, 1/2, 3/4, 1: CDF is 1/4 at 1, 1/2 at 2, 1 at 3
    np.testing.assert_array_equal(qmap.quantiles[:, 0], [1.0, 1.0, 2.0, 3.0, 3.0])
    # same map as without the zero-weight events
    np.testing.assert_array_equal(
        _QuantileMap(X, w, n_quantiles=3).quantiles, _QuantileMap(X[1:4], w[1:4], 3).quantiles
    )


def test_quantile_map_reference_on_a_cdf_value_stays_on_that_value():
    from skhep_models.estimators._generative import _QuantileMap

    # 6 zeros of 10 events: the CDF reaches 0.6 at 0, so the reference 0.6 is 0 (the smallest
    # value whose CDF reaches it), although linspace's 0.6 is 0.6000000000000001
    X = np.array([[0.0]] * 6 + [[1.0]] * 4)
    qmap = _QuantileMap(X, None, n_quantiles=6)
    np.testing.assert_array_equal(qmap.quantiles[:, 0], [0.0, 0.0, 0.0, 0.0, 1.0, 1.0])
    # the same with weights: 3 zeros of weight 2 and 4 ones of weight 1
    qmap = _QuantileMap(np.array([[0.0]] * 3 + [[1.0]] * 4), np.array([2.0] * 3 + [1.0] * 4), 6)
    np.testing.assert_array_equal(qmap.quantiles[:, 0], [0.0, 0.0, 0.0, 0.0, 1.0, 1.0])
