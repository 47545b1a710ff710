"""Out-of-core training: chunk sources, the streamed dataset, and fit_stream of the estimators."""

import pickle

import numpy as np
import pandas as pd
import pytest
import torch
import uproot
from sklearn.metrics import roc_auc_score

from skhep_models import (
    ParameterizedNNClassifier,
    RecoilDNNRegressor,
    ShallowMassRegressor,
)
from skhep_models.training import (
    ChunkedSource,
    ChunkSplit,
    FastBatchIterator,
    RunningMoments,
    StreamBatches,
)

da = pytest.importorskip("dask.array")

FAST = dict(hidden_layer_sizes=(32,), batch_size=64, learning_rate=3e-3, random_state=0)


def _events(n, seed, masses=(1.0, 2.0, 3.0)):
    """Signal peaks at its mass in x0; background flat; x1 is noise; 'mass' the parameter."""
    rng = np.random.default_rng(seed)
    label = rng.integers(0, 2, n)
    mass = rng.choice(masses, n)
    x0 = np.where(label == 1, rng.normal(mass, 0.3), rng.uniform(0, 4, n))
    return pd.DataFrame({
        "x0": x0, "x1": rng.normal(size=n), "mass": np.where(label == 1, mass, 0.0),
        "w": rng.uniform(0.5, 1.5, n), "label": label,
    }).astype(np.float32)  # fmt: skip


@pytest.fixture(scope="module")
def root_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("stream") / "events.root"
    df = _events(6000, seed=1)
    with uproot.recreate(path) as f:
        f["events"] = {c: df[c].to_numpy() for c in df.columns}
    return path, df


def _identity(i, X, y, w, rows):
    rows = slice(None) if rows is None else rows
    return X[rows], y[rows].astype(np.float32).reshape(-1, 1), None if w is None else w[rows]


def _row_source(sizes, width=1):
    """Chunks whose X holds the global row number (and y = 2 * row)."""
    starts = np.cumsum([0, *sizes])

    def chunks():
        for a, b in zip(starts[:-1], starts[1:]):
            X = np.repeat(np.arange(a, b, dtype=np.float32)[:, None], width, axis=1)
            yield X, 2 * X[:, 0]

    return ChunkedSource(chunks)


# ---- sources -----------------------------------------------------------------------------


def test_root_source_reads_the_requested_columns_in_chunks(root_file):
    path, df = root_file
    source = ChunkedSource.from_root(
        path, "events", features=["mass", "x0"], target="label", weight="w", step_size=2500
    )
    assert source.n_chunks == 3 and "events.root" in repr(source)
    chunks = list(source.iter_chunks())
    assert [len(c[1]) for c in chunks] == [2500, 2500, 1000]
    X = np.concatenate([c[1] for c in chunks])
    assert X.dtype == np.float32 and np.array_equal(X, df[["mass", "x0"]].to_numpy())
    assert np.array_equal(np.concatenate([c[3] for c in chunks]), df["w"].to_numpy())
    # random access: any order
    assert [i for i, *_ in source.iter_chunks([2, 0])] == [2, 0]
    part = ChunkedSource.from_root(path, features=["x0"], target="label", step_size=1000,
                                   entry_start=500, entry_stop=-1000)  # fmt: skip
    X = np.concatenate([c[1] for c in part.iter_chunks()])
    assert part.n_chunks == 5 and np.array_equal(X[:, 0], df["x0"].to_numpy()[500:-1000])
    assert "entries from 4500" in part.where(4)


def test_root_source_names_a_missing_branch_at_construction(root_file):
    with pytest.raises(ValueError, match="'pt'.*not found|not found.*'pt'"):
        ChunkedSource.from_root(root_file[0], "events", features=["x0", "pt"], target="label")
    with pytest.raises(ValueError, match="step_size"):
        ChunkedSource.from_root(root_file[0], features=["x0"], target="label", step_size=0)


def test_nan_in_a_chunk_names_the_chunk_and_the_column(tmp_path):
    df = _events(300, seed=0)
    df.loc[150, "x1"] = np.nan
    path = tmp_path / "nan.root"
    with uproot.recreate(path) as f:
        f["events"] = {c: df[c].to_numpy() for c in df.columns}
    source = ChunkedSource.from_root(
        path, "events", features=["x0", "x1"], target="label", step_size=100
    )
    with pytest.raises(ValueError, match=r"chunk 1 \(entries from 100\) of ROOT file.*'x1': 1"):
        list(source.iter_chunks())
    with pytest.raises(ValueError, match="chunk 1"):
        ParameterizedNNClassifier(param_columns=None, **FAST).fit_stream(source)


def test_chunk_errors_wrong_width_missing_column_negative_weight():
    def ragged():
        yield np.zeros((4, 2)), np.zeros(4)
        yield np.zeros((4, 3)), np.zeros(4)

    with pytest.raises(ValueError, match="chunk 1 of .* has 3 feature columns.* has 2"):
        list(ChunkedSource(ragged).iter_chunks())
    table = ChunkedSource(lambda: [{"a": np.zeros(3), "y": np.zeros(3)}], features=["a", "b"],
                          target="y")  # fmt: skip
    with pytest.raises(ValueError, match=r"chunk 0 .*no column\(s\) \['b'\]"):
        list(table.iter_chunks())
    weighted = ChunkedSource(lambda: [(np.zeros((2, 1)), np.zeros(2), np.array([1.0, -1.0]))])
    with pytest.raises(ValueError, match="negative sample weights"):
        list(weighted.iter_chunks())
    with pytest.raises(ValueError, match="has 2 rows of X but 3 of y"):
        list(ChunkedSource(lambda: [(np.zeros((2, 1)), np.zeros(3))]).iter_chunks())
    with pytest.raises(TypeError, match="a chunk must be"):
        list(ChunkedSource(lambda: [np.zeros((2, 1))]).iter_chunks())
    with pytest.raises(ValueError, match="read in order only"):
        list(_row_source([3]).iter_chunks([0]))


def test_dask_source_aligns_row_blocks_and_computes_one_block_at_a_time():
    X = np.arange(40, dtype=np.float64).reshape(20, 2)
    source = ChunkedSource.from_dask(
        da.from_array(X, chunks=(6, 1)), da.from_array(X[:, 0] * 2, chunks=7)
    )
    chunks = list(source.iter_chunks())
    assert [len(c[1]) for c in chunks] == [6, 6, 6, 2] and source.n_chunks == 4
    assert np.array_equal(np.concatenate([c[1] for c in chunks]), X)
    assert np.array_equal(np.concatenate([c[2] for c in chunks]), X[:, 0] * 2)
    with pytest.raises(TypeError, match="dask arrays"):
        ChunkedSource.from_dask(X, da.from_array(X[:, 0]))


# ---- first pass, split, streamed batches -------------------------------------------------


def test_running_moments_equal_the_stacked_mean_and_std():
    rng = np.random.default_rng(0)
    chunks = [rng.normal(5, 3, size=(n, 3)).astype(np.float32) for n in (1, 70_000, 7, 500)]
    moments = RunningMoments()
    for c in chunks:
        moments.update(c)
    stacked = np.concatenate(chunks)
    np.testing.assert_allclose(moments.mean, stacked.mean(0, dtype=np.float64), rtol=1e-12)
    np.testing.assert_allclose(moments.std, stacked.std(0, dtype=np.float64), rtol=1e-10)


def test_split_holds_out_the_same_fraction_of_every_chunk_in_every_pass():
    split = ChunkSplit(0.2, seed=3)
    train, valid = split.rows(5, 1000)
    assert len(valid) == 200 and not set(train) & set(valid)
    assert sorted([*train, *valid]) == list(range(1000))
    assert np.array_equal(split.rows(5, 1000)[1], valid)
    assert not np.array_equal(split.rows(6, 1000)[1], valid)
    assert ChunkSplit(0.0, seed=3).rows(0, 10) == (None, None)


@pytest.mark.parametrize("shuffle", [False, True])
def test_every_training_row_once_per_epoch_validation_disjoint(shuffle):
    sizes = [130, 7, 64, 99]
    source = _row_source(sizes)
    split = ChunkSplit(0.25, seed=0)
    parts = {
        part: StreamBatches(source, _identity, split, part, chunk_sizes=sizes, n_features=1)
        for part in ("train", "valid")
    }
    seen = {}
    for part, data in parts.items():
        it = FastBatchIterator(data, batch_size=32, shuffle=shuffle and part == "train")
        batches = list(it)
        assert len(batches) == len(it)
        assert all(len(b[0]) == 32 for b in batches[:-1])  # chunk ends do not cut batches
        rows = torch.cat([b[0] for b in batches]).ravel().long().tolist()
        for xb, yb, wb in batches:
            assert torch.equal(yb, 2 * xb) and wb is None
        assert len(rows) == len(set(rows)) == len(data)
        seen[part] = set(rows)
    assert not seen["train"] & seen["valid"]
    assert seen["train"] | seen["valid"] == set(range(sum(sizes)))


def test_chunk_order_and_rows_are_shuffled_from_torch_seed():
    X = np.arange(400, dtype=np.float32)[:, None]
    source = ChunkedSource.from_dask(da.from_array(X, chunks=(100, 1)), da.from_array(X[:, 0]))
    data = StreamBatches(source, _identity, ChunkSplit(0, 0), "train", chunk_sizes=[100] * 4,
                         n_features=1)  # fmt: skip

    def epoch(seed):
        torch.manual_seed(seed)
        return torch.cat([b[0] for b in FastBatchIterator(data, 50, shuffle=True)]).ravel()

    first = epoch(0)
    assert torch.equal(first, epoch(0)) and not torch.equal(first, epoch(1))
    chunk_order = (first[::100] // 100).long().tolist()
    assert sorted(chunk_order) == [0, 1, 2, 3]
    # rows of one chunk stay together, permuted within it
    assert all(len(set((first[k : k + 100] // 100).tolist())) == 1 for k in range(0, 400, 100))
    assert not torch.equal(first[:100].sort().values, first[:100])


def test_a_source_that_changes_between_passes_is_refused():
    sizes = [10, 10]
    data = StreamBatches(_row_source([10, 12]), _identity, ChunkSplit(0, 0), "train",
                         chunk_sizes=sizes, n_features=1)  # fmt: skip
    with pytest.raises(ValueError, match="chunk 1 .* has 12 rows, but the first pass saw 10"):
        list(FastBatchIterator(data, 4))
    data = StreamBatches(_row_source([10]), _identity, ChunkSplit(0, 0), "train",
                         chunk_sizes=sizes, n_features=1)  # fmt: skip
    with pytest.raises(ValueError, match="yielded 1 chunks, but 2 in the first pass"):
        list(FastBatchIterator(data, 4))


# ---- estimators --------------------------------------------------------------------------


@pytest.fixture(scope="module")
def test_events():
    return _events(4000, seed=2)


def test_parameterized_fit_stream_from_root_learns_and_matches_fit_scaling(root_file, test_events):
    path, df = root_file
    features = ["x0", "x1", "mass"]
    source = ChunkedSource.from_root(path, "events", features=features, target="label",
                                     step_size=1000)  # fmt: skip
    clf = ParameterizedNNClassifier(max_epochs=8, **FAST).fit_stream(source)
    ref = ParameterizedNNClassifier(max_epochs=1, **FAST).fit(df[features], df["label"])
    np.testing.assert_allclose(clf.x_mean_, ref.x_mean_, rtol=1e-10)
    np.testing.assert_allclose(clf.x_scale_, ref.x_scale_, rtol=1e-10)
    assert list(clf.feature_names_in_) == features and clf.n_features_in_ == 3
    assert clf.classes_.tolist() == [0, 1] and clf.param_names_ == ["mass"]
    np.testing.assert_array_equal(clf.param_values_["mass"], [1.0, 2.0, 3.0])
    assert list(clf.history_.columns) == ["epoch", "train_loss", "valid_loss", "dur"]
    assert clf.n_iter_ == 8 and 1 <= clf.best_epoch_ <= 8
    auc = roc_auc_score(test_events["label"], clf.decision_function(test_events[features]))
    assert auc > 0.9  # the background's mass of 0 gives it away ('as_given')


def test_fit_stream_is_deterministic_and_pickles(root_file, test_events):
    source = ChunkedSource.from_root(root_file[0], features=["x0", "x1", "mass"],
                                     target="label", step_size=1500)  # fmt: skip
    X = test_events[["x0", "x1", "mass"]]
    fit = lambda seed: ParameterizedNNClassifier(  # noqa: E731
        max_epochs=2, **{**FAST, "random_state": seed}
    ).fit_stream(source)
    a, b, c = fit(0), fit(0), fit(1)
    np.testing.assert_array_equal(a.decision_function(X), b.decision_function(X))
    assert not np.allclose(a.decision_function(X), c.decision_function(X))
    restored = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(restored.decision_function(X), a.decision_function(X))


@pytest.mark.parametrize("strategy", ["random", "balanced"])
def test_streamed_background_gets_the_signal_parameter_values(root_file, test_events, strategy):
    features = ["x0", "mass"]
    source = ChunkedSource.from_root(root_file[0], features=features, target="label",
                                     step_size=1000)  # fmt: skip
    clf = ParameterizedNNClassifier(max_epochs=6, background_params=strategy, **FAST)
    clf.fit_stream(source)
    # the mass no longer tells background from signal: scored at each hypothesis, the
    # classifier must separate by x0 alone, and the true hypothesis scores best
    X, y = test_events[features], test_events["label"].to_numpy()
    assert roc_auc_score(y, clf.decision_function(X)) > 0.75
    signal_at_2 = X[(y == 1) & (X["mass"] == 2.0)]
    scores = {m: clf.decision_function(signal_at_2, mass=m).mean() for m in (1.0, 2.0, 3.0)}
    assert max(scores, key=scores.get) == 2.0
    # the parameter column is standardised with the signal's values
    assert clf.x_mean_[1] == pytest.approx(2.0, abs=0.05)


def test_stream_weights_and_class_weight(root_file):
    path, df = root_file
    # the weight column sets which events matter: zero-weight events with flipped labels
    flipped = df.copy()
    flipped["label"] = np.where(np.arange(len(df)) % 2 == 0, 1 - df["label"], df["label"])
    flipped["w"] = (np.arange(len(df)) % 2 == 1).astype(np.float32)
    X = flipped[["x0", "mass"]].to_numpy(np.float32)  # the mass (0 for background) separates
    label, w = flipped["label"].to_numpy(), flipped["w"].to_numpy()
    chunks = [(X[k : k + 2000], label[k : k + 2000], w[k : k + 2000]) for k in (0, 2000, 4000)]
    plain = dict(param_columns=None, max_epochs=6, **FAST)
    weighted = ChunkedSource([lambda c=c: c for c in chunks])
    clf = ParameterizedNNClassifier(**plain).fit_stream(weighted)
    assert roc_auc_score(df["label"], clf.decision_function(X)) > 0.95
    unweighted = ChunkedSource([lambda c=c: c[:2] for c in chunks])
    clf = ParameterizedNNClassifier(**plain).fit_stream(unweighted)
    assert roc_auc_score(df["label"], clf.decision_function(X)) < 0.8
    # class_weight='balanced' on a rare signal: the mean probability comes out near 1/2
    rng = np.random.default_rng(0)
    rare = (rng.random(6000) < 0.1).astype(int)
    x = rng.normal(rare, 1.0).astype(np.float32)[:, None]
    source = ChunkedSource.from_dask(da.from_array(x, chunks=(1500, 1)),
                                     da.from_array(rare, chunks=1500))  # fmt: skip
    plain = ParameterizedNNClassifier(param_columns=None, max_epochs=4, **FAST).fit_stream(source)
    balanced = ParameterizedNNClassifier(param_columns=None, max_epochs=4, class_weight="balanced",
                                         **FAST).fit_stream(source)  # fmt: skip
    assert plain.predict_proba(x)[:, 1].mean() < 0.2
    assert balanced.predict_proba(x)[:, 1].mean() == pytest.approx(0.5, abs=0.1)


def test_regressors_stream_from_dask_arrays():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(12_000, 4)).astype(np.float32)
    y = 100 + 10 * (X @ [1.0, 2.0, -1.0, 0.5]) + rng.normal(size=len(X))
    source = ChunkedSource.from_dask(da.from_array(X, chunks=(2500, 4)), da.from_array(y, 2500))
    reg = ShallowMassRegressor((32,), max_epochs=6, batch_size=64, learning_rate=3e-3,
                               random_state=0).fit_stream(source)  # fmt: skip
    ref = ShallowMassRegressor(max_epochs=1).fit(X, y)
    assert reg.y_mean_ == pytest.approx(ref.y_mean_, rel=1e-12)
    assert reg.y_scale_ == pytest.approx(ref.y_scale_, rel=1e-10)
    assert np.sqrt(np.mean((reg.predict(X) - y) ** 2)) < 0.2 * y.std()

    Y = np.column_stack([y, -2 * y])
    frame = pd.DataFrame(X, columns=list("abcd"))
    chunks = [{**frame.iloc[k : k + 3000].to_dict("series"), "ux": Y[k : k + 3000, 0],
               "uy": Y[k : k + 3000, 1]} for k in range(0, len(X), 3000)]  # fmt: skip
    source = ChunkedSource(lambda: iter(chunks), features=list("abcd"), target=["ux", "uy"])
    recoil = RecoilDNNRegressor((32,), max_epochs=6, batch_size=64, learning_rate=3e-3,
                                random_state=0)  # fmt: skip
    recoil.fit_stream(source)
    assert list(recoil.target_names_) == ["ux", "uy"] and recoil.n_outputs_ == 2
    pred = recoil.predict(frame)
    assert pred.shape == (len(X), 2)
    assert np.sqrt(np.mean((pred - Y) ** 2, axis=0)).max() < 0.2 * Y.std(axis=0).min()


def test_stream_needs_a_source_its_parameter_column_and_two_classes(root_file):
    source = ChunkedSource.from_root(root_file[0], features=["x0"], target="label")
    with pytest.raises(TypeError, match="fit_stream"):
        ParameterizedNNClassifier().fit(source, None)
    with pytest.raises(TypeError, match="ChunkedSource"):
        ParameterizedNNClassifier().fit_stream(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="param_columns names 'mass'"):
        ParameterizedNNClassifier().fit_stream(source)
    three = ChunkedSource(lambda: [(np.zeros((3, 1)), np.array([0, 1, 2]))])
    with pytest.raises(ValueError, match="needs two classes"):
        ParameterizedNNClassifier(param_columns=None).fit_stream(three)


def test_stream_with_early_stopping_and_progress_bar(capsys):
    X = np.random.default_rng(0).normal(size=(3000, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    source = ChunkedSource.from_dask(da.from_array(X, chunks=(700, 2)), da.from_array(y, 700))
    clf = ParameterizedNNClassifier(param_columns=None, max_epochs=40, patience=2, tol=0.05,
                                    verbose=2, **FAST).fit_stream(source)  # fmt: skip
    assert clf.n_iter_ < 40  # stopped on the validation loss of the held-out rows
    assert "valid_loss" in capsys.readouterr().out


def test_weights_are_normalised_over_the_stream_and_no_split_monitors_train_loss():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(2000, 2)).astype(np.float32)
    y = (X[:, 0] > 0).astype(int)
    w = np.ones(len(X), np.float32)

    def fit(weight, **params):
        source = ChunkedSource.from_dask(da.from_array(X, chunks=(600, 2)), da.from_array(y, 600),
                                         da.from_array(weight, 600))  # fmt: skip
        return ParameterizedNNClassifier(param_columns=None, max_epochs=2, **FAST,
                                         **params).fit_stream(source)  # fmt: skip

    # weights of mean 1 whatever their normalisation (cross-section x luminosity)
    np.testing.assert_array_equal(fit(w).decision_function(X), fit(5 * w).decision_function(X))
    no_split = fit(w, validation_fraction=0.0)
    assert "valid_loss" not in no_split.history_ and len(no_split.history_) == 2
