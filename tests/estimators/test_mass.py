"""ShallowMassRegressor end to end: sklearn integration, search, bad input, physics sanity."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
from sklearn.model_selection import GridSearchCV, KFold, cross_val_score
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler
from skopt import BayesSearchCV
from skopt.space import Integer, Real

from skhep_models import ShallowMassRegressor
from skhep_models.datasets import DIELECTRON_FEATURES, make_dielectron
from skhep_models.estimators import make_seed_mass_pipeline
from skhep_models.training import NonFiniteLossError

FAST = dict(hidden_layer_sizes=(32, 16), batch_size=64, max_epochs=8, patience=5, random_state=0)


@pytest.fixture(scope="module")
def events():
    df = make_dielectron(3000, random_state=1)
    X = pd.DataFrame(StandardScaler().set_output(transform="pandas").fit_transform(df[DIELECTRON_FEATURES]))
    return X, df["M"]


@pytest.fixture(scope="module")
def fitted(events):
    X, y = events
    return ShallowMassRegressor(**FAST).fit(X, y)


def test_defaults_are_the_seed_network():
    reg = ShallowMassRegressor()
    assert reg.hidden_layer_sizes == (140, 64, 26, 18)
    assert (reg.activation, reg.init, reg.batch_size, reg.patience) == ("relu", "glorot_uniform", 32, 50)
    assert reg.learning_rate == 5e-4


def test_fitted_network_trains_with_adamw_on_the_mse(fitted):
    # the seed's optimizer and loss, at the estimator's learning rate
    assert isinstance(fitted.net_.optimizer_, torch.optim.AdamW)
    assert fitted.net_.optimizer_.defaults["lr"] == fitted.learning_rate
    assert isinstance(fitted.net_.criterion_, torch.nn.MSELoss)


@pytest.mark.skipif(not torch.cuda.is_available(), reason="no CUDA device here (CI has none)")
def test_cuda_fit_agrees_with_the_cpu_fit(events):
    X, y = events
    cpu = ShallowMassRegressor(**FAST, device="cpu").fit(X, y)
    gpu = ShallowMassRegressor(**FAST, device="cuda").fit(X, y)
    assert gpu.device_ == "cuda" and next(gpu.net_.module_.parameters()).is_cuda
    pred = gpu.predict(X)
    assert isinstance(pred, np.ndarray) and pred.shape == (len(X),)
    # same seed, data and initial weights; the kernels' rounding differs, so compare the quality
    # (on CPU ~0.3 of the spread of M for seeds 0-2, within 3 %)
    rmse_gpu, rmse_cpu = (float(np.sqrt(np.mean((p - y) ** 2))) for p in (pred, cpu.predict(X)))
    assert rmse_gpu < 0.5 * y.std()
    assert rmse_gpu == pytest.approx(rmse_cpu, rel=0.25)


def test_learns_the_invariant_mass(events):
    X, y = events
    Xtr, Xte, ytr, yte = X[:2400], X[2400:], y[:2400], y[2400:]
    reg = ShallowMassRegressor(**{**FAST, "max_epochs": 40, "patience": 10}).fit(Xtr, ytr)
    rmse = np.sqrt(np.mean((reg.predict(Xte) - yte) ** 2))
    # predicting the mean would give the spread of M (tens of GeV)
    assert rmse < 0.2 * yte.std()
    assert reg.predict(Xte).mean() == pytest.approx(yte.mean(), rel=0.1)


def test_pandas_feature_names_and_fitted_attributes(fitted, events):
    X, _ = events
    assert list(fitted.feature_names_in_) == DIELECTRON_FEATURES
    assert fitted.n_features_in_ == 16
    assert fitted.hidden_layer_sizes_ == (32, 16)
    assert fitted.device_ == "cpu"
    assert list(fitted.history_.columns) == ["epoch", "train_loss", "valid_loss", "dur"]
    assert fitted.n_iter_ == len(fitted.history_) <= 8
    assert 1 <= fitted.best_epoch_ <= fitted.n_iter_
    assert fitted.best_epoch_ == fitted.history_["valid_loss"].idxmin() + 1
    with pytest.raises(ValueError, match="feature names"):
        fitted.predict(X[X.columns[::-1]])


def test_predictions_are_in_target_units(fitted, events):
    X, y = events
    assert abs(fitted.predict(X).mean() - y.mean()) < 0.2 * y.std()


def test_pickle_round_trip_gives_identical_predictions(fitted, events):
    X, _ = events
    clone = pickle.loads(pickle.dumps(fitted))
    np.testing.assert_array_equal(clone.predict(X), fitted.predict(X))


def test_same_random_state_same_fit_and_different_differs(events):
    X, y = events
    a = ShallowMassRegressor(**FAST).fit(X, y).predict(X)
    b = ShallowMassRegressor(**FAST).fit(X, y).predict(X)
    c = ShallowMassRegressor(**{**FAST, "random_state": 1}).fit(X, y).predict(X)
    np.testing.assert_array_equal(a, b)
    assert not np.allclose(a, c)


def test_pipeline_cross_val_score_and_grid_search(events):
    X, y = events
    pipe = make_pipeline(StandardScaler(), ShallowMassRegressor(**{**FAST, "max_epochs": 3}))
    scores = cross_val_score(pipe, X[:900], y[:900], cv=3)
    assert scores.shape == (3,) and np.all(np.isfinite(scores))
    grid = GridSearchCV(
        pipe, {"shallowmassregressor__learning_rate": [1e-3, 1e-2]}, cv=KFold(2), refit=True
    ).fit(X[:600], y[:600])
    assert grid.best_params_["shallowmassregressor__learning_rate"] in (1e-3, 1e-2)
    assert grid.predict(X[:5]).shape == (5,)


def test_bayes_search_over_depth_and_widths(events):
    X, y = events
    space = {
        "n_layers": Integer(1, 4),
        "n_units_1": Integer(90, 140),
        "n_units_2": Integer(50, 80),
        "n_units_3": Integer(20, 40),
        "n_units_4": Integer(10, 20),
        "learning_rate": Real(1e-4, 1e-3, prior="log-uniform"),
    }
    search = BayesSearchCV(
        ShallowMassRegressor(batch_size=128, max_epochs=2, patience=None, random_state=0),
        space, n_iter=3, cv=2, random_state=0,
    ).fit(X[:600], y[:600])
    best = search.best_estimator_
    p = search.best_params_
    expected = tuple(p[f"n_units_{i}"] for i in range(1, p["n_layers"] + 1))
    assert best.hidden_layer_sizes_ == expected


def test_layer_params_override_hidden_layer_sizes():
    reg = ShallowMassRegressor(hidden_layer_sizes=(140, 64, 26, 18), n_layers=2, n_units_1=10)
    assert reg._hidden_layer_sizes() == (10, 64)
    with pytest.raises(ValueError, match="hidden layer 3 has no width: set n_units_3"):
        ShallowMassRegressor(hidden_layer_sizes=(8,), n_layers=3, n_units_2=4)._hidden_layer_sizes()


def test_seed_pipeline_scales_to_0_100_and_fits(events):
    X, y = events
    pipe = make_seed_mass_pipeline(**FAST).fit(X[:500], y[:500])
    scaler = pipe.named_steps["minmaxscaler"]
    assert scaler.feature_range == (0, 100)
    reg = pipe.named_steps["shallowmassregressor"]
    assert reg.standardize_target is False and (reg.y_mean_, reg.y_scale_) == (0.0, 1.0)
    assert pipe.predict(X[:4]).shape == (4,)
    assert make_seed_mass_pipeline(standardize_target=True).steps[1][1].standardize_target


def test_target_standardisation_is_undone_in_predictions(events):
    X, y = events
    reg = ShallowMassRegressor(**FAST).fit(X, y)
    assert reg.y_mean_ == pytest.approx(y.mean()) and reg.y_scale_ == pytest.approx(y.std(ddof=0))
    raw = reg._raw_predict(X)[:, 0]
    np.testing.assert_allclose(reg.predict(X), raw * reg.y_scale_ + reg.y_mean_, rtol=1e-6, atol=1e-4)


def test_sample_weight_pulls_prediction_to_heavy_events():
    # identical inputs, two different targets: the fit must return the weighted mean
    X = np.zeros((400, 2))
    y = np.r_[np.zeros(200), np.full(200, 10.0)]
    w = np.r_[np.ones(200), np.full(200, 9.0)]
    kw = dict(hidden_layer_sizes=(8,), max_epochs=60, patience=None, batch_size=50,
              learning_rate=1e-2, validation_fraction=0, random_state=0)
    weighted = ShallowMassRegressor(**kw).fit(X, y, sample_weight=w).predict(X[:1])[0]
    unweighted = ShallowMassRegressor(**kw).fit(X, y).predict(X[:1])[0]
    assert weighted == pytest.approx(9.0, abs=0.3)
    assert unweighted == pytest.approx(5.0, abs=0.3)


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda X, y: (X.assign(E1=np.where(X.index == 3, np.nan, X["E1"])), y), "Input X contains NaN"),
        (lambda X, y: (X.assign(E1=np.where(X.index == 3, np.inf, X["E1"])), y), "Input X contains infinity"),
        (lambda X, y: (X, y.where(y.index != 5, np.nan)), "Input y contains NaN"),
        (lambda X, y: (X, y.where(y.index != 5, np.inf)), "Input y contains infinity"),
        (lambda X, y: (X.iloc[:0], y.iloc[:0]), "0 sample"),
        (lambda X, y: (X.assign(flavour="e"), y), r"non-numeric columns \['flavour'\]"),
    ],
    ids=["nan-X", "inf-X", "nan-y", "inf-y", "empty", "non-numeric"],
)
def test_bad_fit_input_raises_clear_value_error(events, mutate, match):
    X, y = events
    X, y = mutate(X.iloc[:50].copy(), y.iloc[:50].copy())
    with pytest.raises(ValueError, match=match):
        ShallowMassRegressor(**FAST).fit(X, y)


def test_wrong_width_at_predict_raises(fitted, events):
    X, _ = events
    with pytest.raises(ValueError, match="X has 3 features, but ShallowMassRegressor is expecting 16"):
        with pytest.warns(UserWarning, match="does not have valid feature names"):
            fitted.predict(X.to_numpy()[:, :3])


@pytest.mark.parametrize(
    "mutate, match",
    [
        (lambda X: X.assign(E1=np.where(X.index == 3, np.nan, X["E1"])), "Input X contains NaN"),
        (lambda X: X.iloc[:0], "0 sample"),
        (lambda X: X.assign(E1="e"), r"non-numeric columns \['E1'\]"),
    ],
    ids=["nan-X", "empty", "non-numeric"],
)
def test_bad_predict_input_raises_clear_value_error(fitted, events, mutate, match):
    X, _ = events
    with pytest.raises(ValueError, match=match):
        fitted.predict(mutate(X.iloc[:50].copy()))


def test_bad_sample_weights_raise(events):
    X, y = events
    w = np.ones(len(X))
    with pytest.raises(ValueError, match="Negative values in data passed to `sample_weight`"):
        ShallowMassRegressor(**FAST).fit(X, y, sample_weight=-w)
    with pytest.raises(ValueError, match="at least one non-zero"):
        ShallowMassRegressor(**FAST).fit(X, y, sample_weight=0 * w)
    with pytest.raises(ValueError, match="Input sample_weight contains NaN"):
        ShallowMassRegressor(**FAST).fit(X, y, sample_weight=np.where(w > 0, np.nan, w))


def test_too_few_events_for_validation_split_raises():
    with pytest.raises(ValueError, match="n_samples = 2 leaves 0 validation"):
        ShallowMassRegressor(**FAST).fit(np.ones((2, 3)), [1.0, 2.0])


def test_divergence_raises_non_finite_loss_error(events):
    X, y = events
    with pytest.raises(NonFiniteLossError, match="diverged"):
        ShallowMassRegressor(**{**FAST, "learning_rate": 1e12}).fit(X[:300], y[:300] * 1e30)


def test_verbose_levels(events, capsys):
    X, y = events
    ShallowMassRegressor(**{**FAST, "max_epochs": 2}).fit(X[:200], y[:200])
    assert capsys.readouterr().out == ""
    ShallowMassRegressor(**{**FAST, "max_epochs": 2, "verbose": 1}).fit(X[:200], y[:200])
    out = capsys.readouterr().out
    assert "train_loss" in out and "valid_loss" in out
    ShallowMassRegressor(**{**FAST, "max_epochs": 1, "verbose": 2}).fit(X[:200], y[:200])
    assert "epoch 1" in capsys.readouterr().err  # tqdm bar over the batches


def test_invalid_hyperparameters_raise_at_fit(events):
    X, y = events
    for params in ({"device": "tpu"}, {"activation": "swish2"}, {"batch_size": 0}):
        with pytest.raises(ValueError):
            ShallowMassRegressor(**{**FAST, **params}).fit(X[:50], y[:50])


def test_fit_without_validation_split_leaves_input_untouched():
    # without a split the engine trains on the caller's float32 array without copying it
    rng = np.random.default_rng(0)
    X = rng.standard_normal((300, 4)).astype(np.float32)
    y = X.sum(1)
    X_before, y_before = X.copy(), y.copy()
    ShallowMassRegressor(hidden_layer_sizes=(8,), max_epochs=3, validation_fraction=0,
                         patience=None, random_state=0).fit(X, y)
    np.testing.assert_array_equal(X, X_before)
    np.testing.assert_array_equal(y, y_before)
