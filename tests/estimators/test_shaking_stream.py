"""AUCShakingClassifier.fit_stream: stochastic shaking on chunks streamed from ROOT or Dask."""

import pickle

import numpy as np
import pandas as pd
import pytest
import uproot
from sklearn.datasets import make_classification
from sklearn.metrics import roc_auc_score

import skhep_models.estimators._shaking as shaking_estimator
import skhep_models.training._shaking as shaking_engine
from skhep_models import AUCShakingClassifier
from skhep_models.metrics import best_significance
from skhep_models.training import ChunkedSource

da = pytest.importorskip("dask.array")

FEATURES = [f"v{i}" for i in range(6)]
FAST = dict(hidden_layer_sizes=(8,), n_shakes=15, population_size=16, n_restarts=2, random_state=0)


def _events(n, seed):
    X, y = make_classification(n, n_features=6, n_informative=4, random_state=seed)
    df = pd.DataFrame(X.astype(np.float32), columns=FEATURES)
    df["w"] = np.random.default_rng(seed).uniform(0.5, 1.5, n).astype(np.float32)
    df["label"] = y.astype(np.int32)
    return df


@pytest.fixture(scope="module")
def root_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("shaking") / "events.root"
    df = _events(10_000, seed=0)
    train, test = df[:8000], df[8000:].reset_index(drop=True)
    with uproot.recreate(path) as f:
        f["events"] = {c: train[c].to_numpy() for c in train.columns}
    return path, train, test


def _root_source(path, **kwargs):
    return ChunkedSource.from_root(path, "events", features=FEATURES, target="label",
                                   step_size=2000, **kwargs)  # fmt: skip


def _dask_source(X, y, w=None, chunk=2000):
    parts = [da.from_array(X, chunks=(chunk, X.shape[1])), da.from_array(y, chunks=chunk)]
    if w is not None:
        parts.append(da.from_array(w, chunks=chunk))
    return ChunkedSource.from_dask(*parts)


@pytest.fixture(scope="module")
def streamed(root_file):
    return AUCShakingClassifier(**FAST).fit_stream(_root_source(root_file[0]))


def test_fit_stream_from_root_learns_as_well_as_fit(streamed, root_file):
    _, train, test = root_file
    ref = AUCShakingClassifier(**FAST).fit(train[FEATURES], train["label"])
    np.testing.assert_allclose(streamed.x_mean_, ref.x_mean_, rtol=1e-10)
    np.testing.assert_allclose(streamed.x_scale_, ref.x_scale_, rtol=1e-10)
    assert list(streamed.feature_names_in_) == FEATURES and streamed.classes_.tolist() == [0, 1]
    auc = roc_auc_score(test["label"], streamed.decision_function(test[FEATURES]))
    auc_ref = roc_auc_score(test["label"], ref.decision_function(test[FEATURES]))
    assert auc > 0.9 and auc > auc_ref - 0.02
    assert streamed.score(test[FEATURES], test["label"]) > 0.8  # the Platt cut is sensible


def test_one_history_row_per_pass_and_the_kept_restart(streamed):
    h = streamed.objective_history_
    assert list(h.columns) == ["restart", "shake", "train_objective", "valid_objective",
                               "step_size"]  # fmt: skip
    assert len(h) == FAST["n_restarts"] * FAST["n_shakes"] == 2 * streamed.n_iter_
    best = h[h["restart"] == streamed.best_restart_]["valid_objective"].max()
    assert streamed.restart_objectives_.max() == pytest.approx(best)
    # each pass shakes all four chunks: the validation AUC rises from the first pass
    assert h.groupby("restart")["valid_objective"].agg(lambda v: v.max() - v.iloc[0]).min() > 0


def test_fit_stream_from_arrays_is_deterministic_and_pickles(root_file):
    _, train, test = root_file
    X, y = train[FEATURES].to_numpy(), train["label"].to_numpy()
    def fit(seed):
        params = {**FAST, "n_shakes": 4, "random_state": seed}
        return AUCShakingClassifier(**params).fit_stream(_dask_source(X, y))

    a, b, c = fit(0), fit(0), fit(1)
    scores = a.decision_function(test[FEATURES].to_numpy())
    np.testing.assert_array_equal(scores, b.decision_function(test[FEATURES].to_numpy()))
    assert not np.allclose(scores, c.decision_function(test[FEATURES].to_numpy()))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.decision_function(test[FEATURES].to_numpy()), scores)


def test_the_weight_column_enters_the_objective(root_file):
    _, train, test = root_file
    X, y = train[FEATURES].to_numpy(), train["label"].to_numpy()
    # half of the events carry flipped labels and no weight: only the weighted fit ignores them
    noise = np.arange(len(y)) % 2 == 0
    flipped = np.where(noise, 1 - y, y)
    w = (~noise).astype(np.float32)
    params = {**FAST, "n_restarts": 1}
    weighted = AUCShakingClassifier(**params).fit_stream(_dask_source(X, flipped, w))
    plain = AUCShakingClassifier(**params).fit_stream(_dask_source(X, flipped))
    truth = test["label"]
    assert roc_auc_score(truth, weighted.decision_function(test[FEATURES].to_numpy())) > 0.9
    assert roc_auc_score(truth, plain.decision_function(test[FEATURES].to_numpy())) < 0.8


def test_significance_of_a_chunk_stands_for_the_training_set(root_file):
    _, train, _ = root_file
    X, y = train[FEATURES].to_numpy(), train["label"].to_numpy()
    w = np.where(y == 1, 0.05, 1.0).astype(np.float32)  # a small signal, in expected events
    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1, "n_shakes": 5}, objective="significance",
                               validation_fraction=0).fit_stream(_dask_source(X, y, w))  # fmt: skip
    # a shake sees a quarter of the events with 4 times their weight: its best Z estimates the
    # whole set's (unscaled, a quarter of the yields would give about half of it); the best
    # cut on a sample, kept as the best of the population on it, is an optimistic estimate
    z, _ = best_significance(y, clf.decision_function(X), sample_weight=w, min_background=1e-12)
    assert 0.9 * z < clf.history_["train_objective"].iloc[-1] < 1.4 * z


def test_one_chunk_without_split_is_the_in_memory_shaking(root_file):
    _, train, _ = root_file
    X, y, w = train[FEATURES].to_numpy(), train["label"].to_numpy(), train["w"].to_numpy()
    source = _dask_source(X, y, w, chunk=len(X))
    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1}, validation_fraction=0)
    clf.fit_stream(source)
    # one batch: elitist steps on the same events, and the last training objective is the
    # weighted AUC of the kept network on all of them
    assert np.all(np.diff(clf.history_["train_objective"]) >= 0)
    auc = roc_auc_score(y, clf.decision_function(X), sample_weight=w)
    assert clf.history_["train_objective"].iloc[-1] == pytest.approx(auc, abs=1e-6)


def test_chunks_are_only_iterated_and_batches_are_chunk_sized(root_file, monkeypatch):
    _, train, _ = root_file
    X, y = train[FEATURES].to_numpy(), train["label"].to_numpy()
    sizes = [2000, 2000, 2000, 1900, 100]  # the short last chunk joins the batch before it
    starts = np.cumsum([0, *sizes])
    loads = []

    def loader(a, b):
        def load():
            loads.append(b - a)
            return X[a:b], y[a:b]
        return load

    source = ChunkedSource([loader(a, b) for a, b in zip(starts[:-1], starts[1:])])
    batches = []
    scores = shaking_engine.population_scores

    def recording(module, thetas, X, widest_layer):
        batches.append(len(X))
        return scores(module, thetas, X, widest_layer)

    monkeypatch.setattr(shaking_engine, "population_scores", recording)
    params = {**FAST, "n_shakes": 3}
    clf = AUCShakingClassifier(**params).fit_stream(source)
    # the first pass, a training and a validation pass per shake and restart, the Platt pass
    passes = 1 + params["n_restarts"] * params["n_shakes"] * 2 + 1
    assert len(loads) == passes * len(sizes) and max(loads) == 2000
    assert max(batches) <= 1600 + 80  # the training rows of a chunk (and the short one)
    assert clf.n_iter_ == 3


def test_binned_validation_scores_follow_the_exact_ones(root_file, monkeypatch):
    path, _, test = root_file
    exact = AUCShakingClassifier(**{**FAST, "n_restarts": 1}).fit_stream(_root_source(path))
    # validation and training scores summarised in bins past the first 500 events
    monkeypatch.setattr(shaking_estimator, "EXACT_SCORES", 500)
    binned = AUCShakingClassifier(**{**FAST, "n_restarts": 1}).fit_stream(_root_source(path))
    np.testing.assert_allclose(binned.history_["valid_objective"],
                               exact.history_["valid_objective"], atol=1e-3)  # fmt: skip
    np.testing.assert_allclose(binned.calibration_, exact.calibration_, rtol=0.02)


def test_callable_objective_streams(root_file):
    def mean_difference(y_true, score, sample_weight):
        return score[y_true == 1].mean() - score[y_true == 0].mean()

    clf = AUCShakingClassifier(**{**FAST, "n_restarts": 1, "n_shakes": 4},
                               objective=mean_difference)  # fmt: skip
    clf.fit_stream(_root_source(root_file[0]))
    assert clf.history_["valid_objective"].iloc[-1] > clf.history_["valid_objective"].iloc[0]


def test_stream_errors_are_named(root_file):
    path, train, _ = root_file
    X, y = train[FEATURES].to_numpy(), train["label"].to_numpy()
    with pytest.raises(ValueError, match="only one class"):
        AUCShakingClassifier(**FAST).fit_stream(_dask_source(X, np.zeros_like(y)))
    with pytest.raises(ValueError, match="Only binary"):
        AUCShakingClassifier(**FAST).fit_stream(_dask_source(X, np.arange(len(y)) % 3))
    w = np.where(y == 0, 0.0, 1.0).astype(np.float32)
    with pytest.raises(ValueError, match="training events of class 0 have no weight"):
        AUCShakingClassifier(**FAST).fit_stream(_dask_source(X, y, w))
    # a file sorted by class: a chunk of one class cannot be shaken on
    order = np.argsort(y, kind="stable")
    with pytest.raises(ValueError, match="batch of 1600 training events has no (signal|backgr)"):
        AUCShakingClassifier(**FAST).fit_stream(_dask_source(X[order], y[order]))
    two_targets = ChunkedSource.from_root(path, "events", features=FEATURES, target=["label", "w"])
    with pytest.raises(ValueError, match=r"chunk 0 .* target of shape \(8000, 2\)"):
        AUCShakingClassifier(**FAST).fit_stream(two_targets)
    with pytest.raises(ValueError, match="'pt'"):
        ChunkedSource.from_root(path, "events", features=[*FEATURES, "pt"], target="label")
    with pytest.raises(TypeError, match="ChunkedSource"):
        AUCShakingClassifier(**FAST).fit_stream(X)
