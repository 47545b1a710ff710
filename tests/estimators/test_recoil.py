"""RecoilDNNRegressor: vector targets, BatchNorm switch, weights, sklearn integration, errors."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from skhep_models import RecoilDNNRegressor

FAST = dict(
    hidden_layer_sizes=(32, 32), batch_norm=True, batch_size=64, max_epochs=30, patience=5, random_state=0
)


def _recoil_like(n, seed=0, scale=1.0):
    """A vector target seen through a biased, noisy 'raw sum' and a few correlated inputs."""
    rng = np.random.default_rng(seed)
    u = rng.normal(0, 15, size=(n, 2))
    mu = rng.uniform(10, 60, n)
    raw = 0.6 * u + rng.normal(0, 1, size=(n, 2)) * (1 + 0.05 * mu)[:, None]
    sumet = 100 + 8 * mu + rng.normal(0, 20, n)
    X = pd.DataFrame(
        {"raw_x": raw[:, 0], "raw_y": raw[:, 1], "sumet": sumet, "mu": mu, "noise": rng.normal(size=n)}
    )
    return X * scale, pd.DataFrame(u, columns=["ux", "uy"])


@pytest.fixture(scope="module")
def events():
    return _recoil_like(3000)


@pytest.fixture(scope="module")
def fitted(events):
    X, Y = events
    return RecoilDNNRegressor(**FAST).fit(X, Y)


def test_defaults_are_the_seed_network():
    reg = RecoilDNNRegressor()
    assert reg.hidden_layer_sizes == (256, 256, 256)
    # BatchNorm off: benchmarks/recoil.py found it slower with standardised inputs
    assert (reg.activation, reg.batch_norm, reg.batch_size) == ("tanh", False, 4000)
    assert (reg.learning_rate, reg.weight_decay, reg.validation_fraction) == (1e-3, 0.0, 0.2)
    assert reg.standardize and reg.standardize_target


def test_learns_the_vector_target_better_than_the_raw_sum(events):
    X, Y = events
    reg = RecoilDNNRegressor(**{**FAST, "max_epochs": 60}).fit(X[:2400], Y[:2400])
    pred = reg.predict(X[2400:])
    assert pred.shape == (600, 2)
    truth = Y[2400:].to_numpy()
    rmse_dnn = np.sqrt(np.mean((pred - truth) ** 2))
    rmse_raw = np.sqrt(np.mean((X[2400:][["raw_x", "raw_y"]].to_numpy() - truth) ** 2))
    rmse_calibrated = np.sqrt(np.mean((X[2400:][["raw_x", "raw_y"]].to_numpy() / 0.6 - truth) ** 2))
    assert rmse_dnn < 0.8 * rmse_raw
    # about as good as the raw sum divided by its response (which the network must learn)
    assert rmse_dnn < 1.1 * rmse_calibrated
    # the response (slope of prediction on truth) is close to 1 after the internal calibration
    slope = np.polyfit(truth[:, 0], pred[:, 0], 1)[0]
    assert 0.8 < slope < 1.1


def test_fitted_attributes_and_target_names(fitted, events):
    X, _ = events
    assert fitted.n_outputs_ == 2
    assert list(fitted.target_names_) == ["ux", "uy"]
    assert list(fitted.feature_names_in_) == list(X.columns)
    assert fitted.x_mean_.shape == (5,) and fitted.y_scale_.shape == (2,)
    assert fitted.y_scale_ == pytest.approx([15, 15], rel=0.1)
    assert list(fitted.history_.columns) == ["epoch", "train_loss", "valid_loss", "dur"]
    bn = [m for m in fitted.net_.module_.modules() if isinstance(m, torch.nn.BatchNorm1d)]
    assert len(bn) == 2


def test_one_dimensional_target_gives_one_dimensional_predictions(events):
    X, Y = events
    reg = RecoilDNNRegressor(**{**FAST, "max_epochs": 3}).fit(X, Y["ux"])
    assert reg.n_outputs_ == 1 and reg.target_names_ is None
    assert reg.predict(X[:7]).shape == (7,)
    reg3 = RecoilDNNRegressor(**{**FAST, "max_epochs": 3}).fit(X, np.c_[Y, Y["ux"] - Y["uy"]])
    assert reg3.predict(X[:7]).shape == (7, 3)


def test_batch_norm_switch(events):
    X, Y = events
    off = RecoilDNNRegressor(**{**FAST, "max_epochs": 3, "batch_norm": False}).fit(X, Y)
    assert not any(isinstance(m, torch.nn.BatchNorm1d) for m in off.net_.module_.modules())
    assert off.predict(X[:4]).shape == (4, 2)


def test_batch_norm_with_a_single_event_last_batch(events):
    # 2401 training events at batch 100: the last batch would hold one event, which
    # BatchNorm cannot normalise in training mode; it joins the previous batch instead.
    X, Y = events
    reg = RecoilDNNRegressor(
        **{**FAST, "batch_size": 100, "max_epochs": 2, "validation_fraction": 0}
    ).fit(X[:2401], Y[:2401])
    assert np.isfinite(reg.predict(X[:5])).all()
    assert reg.net_.history[-1]["train_batch_count"] == 24


def test_batch_norm_needs_two_training_events(events):
    X, Y = events
    with pytest.raises(ValueError, match="at least 2 training events"):
        RecoilDNNRegressor(**{**FAST, "validation_fraction": 0}).fit(X[:1], Y[:1])


def test_internal_standardisation_handles_unscaled_inputs():
    # inputs in MeV (1000x): without standardisation tanh units saturate
    X, Y = _recoil_like(2000, seed=3, scale=1000.0)
    Xte, Yte = X[1500:], Y[1500:].to_numpy()
    params = {**FAST, "max_epochs": 40, "batch_norm": False}
    on = RecoilDNNRegressor(**params).fit(X[:1500], Y[:1500])
    off = RecoilDNNRegressor(**params, standardize=False).fit(X[:1500], Y[:1500])
    rmse = lambda r: np.sqrt(np.mean((r.predict(Xte) - Yte) ** 2))  # noqa: E731
    assert rmse(on) < 0.7 * rmse(off)
    np.testing.assert_allclose(on.x_mean_, X[:1500].mean(), rtol=1e-5)
    assert np.all(off.x_mean_ == 0) and np.all(off.x_scale_ == 1)


def test_sample_weight_selects_the_relation_learned():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(2000, 1))
    group = np.repeat([0.0, 1.0], 1000)
    X = np.c_[x, rng.normal(size=(2000, 1))]
    Y = np.c_[np.where(group == 0, 5 * x[:, 0], -5 * x[:, 0]), np.zeros(2000)]
    params = {**FAST, "max_epochs": 40, "batch_norm": False}
    w_first = RecoilDNNRegressor(**params).fit(X, Y, sample_weight=1.0 - group)
    w_second = RecoilDNNRegressor(**params).fit(X, Y, sample_weight=group)
    probe = np.array([[1.0, 0.0]])
    assert w_first.predict(probe)[0, 0] > 3
    assert w_second.predict(probe)[0, 0] < -3


def test_pickle_and_determinism(fitted, events):
    X, Y = events
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict(X), fitted.predict(X))
    again = RecoilDNNRegressor(**FAST).fit(X, Y)
    np.testing.assert_array_equal(again.predict(X), fitted.predict(X))
    other = RecoilDNNRegressor(**{**FAST, "random_state": 1}).fit(X, Y)
    assert not np.array_equal(other.predict(X), fitted.predict(X))


def test_pipeline_grid_search_and_cross_validation(events):
    X, Y = events
    X, Y = X[:1200], Y[:1200]
    small = {**FAST, "max_epochs": 3}
    pipe = make_pipeline(StandardScaler(), RecoilDNNRegressor(**small, standardize=False))
    assert pipe.fit(X, Y).predict(X[:3]).shape == (3, 2)
    scores = cross_val_score(RecoilDNNRegressor(**small), X, Y, cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    search = GridSearchCV(
        RecoilDNNRegressor(**small), {"batch_norm": [True, False]}, cv=2
    ).fit(X, Y)
    assert search.best_params_["batch_norm"] in (True, False)


@pytest.mark.parametrize(
    "bad, match",
    [
        (lambda X, Y: (X, Y.assign(ux=np.nan)), "NaN"),
        (lambda X, Y: (X.assign(mu=np.inf), Y), "infinity"),
        (lambda X, Y: (X.assign(mu="high"), Y), "non-numeric"),
        (lambda X, Y: (X[:0], Y[:0]), "0 sample"),
    ],
)
def test_bad_input_raises_clear_errors(events, bad, match):
    X, Y = events
    X, Y = bad(X[:200], Y[:200])
    with pytest.raises(ValueError, match=match):
        RecoilDNNRegressor(**FAST).fit(X, Y)


def test_wrong_width_at_predict(fitted, events):
    X, _ = events
    with pytest.raises(ValueError, match="missing:\n- mu"):
        fitted.predict(X.iloc[:, :3])
    with pytest.raises(ValueError, match="5 features"):
        RecoilDNNRegressor(**{**FAST, "max_epochs": 1}).fit(X.to_numpy(), X.to_numpy()[:, :2]).predict(
            X.to_numpy()[:, :3]
        )


def test_response_weight_holds_the_binned_response_at_one():
    from skhep_models.metrics import recoil_response

    X, Y = _recoil_like(6000, seed=3)
    bins = (10.0, 20.0, 30.0, 45.0)
    kwargs = {**FAST, "batch_norm": False, "batch_size": 1000, "learning_rate": 1e-2, "max_epochs": 100, "patience": 10}

    def worst(reg):
        pred, truth = reg.predict(X[4000:]), Y[4000:].to_numpy()
        pt = np.hypot(truth[:, 0], truth[:, 1])
        inside = [(pt >= a) & (pt < b) for a, b in zip(bins[:-1], bins[1:])]
        return max(abs(recoil_response(truth[m], pred[m]) - 1) for m in inside)

    plain = RecoilDNNRegressor(**kwargs).fit(X[:4000], Y[:4000])
    held = RecoilDNNRegressor(**kwargs, response_weight=20.0, response_bins=bins).fit(X[:4000], Y[:4000])
    # the noisy raw sum makes the squared-error fit shrink large recoils; the penalty undoes it
    assert worst(plain) > 0.08
    assert worst(held) < 0.6 * worst(plain)
    with pytest.raises(ValueError, match="2-component recoil"):
        RecoilDNNRegressor(**kwargs, response_weight=1.0).fit(X[:500], Y["ux"][:500])


def test_response_weight_streams_and_pickles():
    from skhep_models.nn import RecoilResponseLoss
    from skhep_models.training import ChunkedSource

    X, Y = _recoil_like(3000, seed=5)
    chunks = [(X.to_numpy()[k : k + 1000], Y.to_numpy()[k : k + 1000]) for k in range(0, 3000, 1000)]
    kwargs = {**FAST, "batch_norm": False, "batch_size": 500, "max_epochs": 5, "response_weight": 2.0,
              "response_bins": [5.0, 15.0, 30.0, np.inf]}  # fmt: skip
    reg = RecoilDNNRegressor(**kwargs).fit_stream(ChunkedSource(lambda: iter(chunks)))
    crit = reg.net_.criterion_
    assert isinstance(crit, RecoilResponseLoss) and crit.response_weight == 2.0
    # the loss maps back to GeV with the streamed target scaling
    np.testing.assert_allclose(crit.y_mean.numpy(), reg.y_mean_, rtol=1e-6)
    np.testing.assert_allclose(crit.y_scale.numpy(), reg.y_scale_, rtol=1e-6)
    assert np.isfinite(reg.history_[["train_loss", "valid_loss"]].to_numpy()).all()
    pred = reg.predict(X.to_numpy())
    assert pred.shape == (3000, 2) and np.isfinite(pred).all()
    np.testing.assert_array_equal(pickle.loads(pickle.dumps(reg)).predict(X.to_numpy()), pred)
    with pytest.raises(ValueError, match="bins"):
        RecoilDNNRegressor(**{**kwargs, "response_bins": [[5.0, 15.0], [30.0, 40.0]]}).fit(X, Y)
