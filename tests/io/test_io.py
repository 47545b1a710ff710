"""Tests for skhep_models.io: ROOT/CSV readers and clean_events."""

import io

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot

from skhep_models.io import clean_events, iterate_csv, iterate_root, read_csv, read_root

N = 10
# Flat branches in file order, with different dtypes.
FLAT = {
    "run": np.arange(100, 100 + N, dtype=np.int32),
    "event": np.arange(N, dtype=np.int64) * 7,
    "mass": np.linspace(60.0, 120.0, N),
    "pt": np.linspace(1.0, 2.0, N, dtype=np.float32),
    "good": np.arange(N) % 2 == 0,
}
JETS = ak.Array([[float(i)] * (i % 3) for i in range(N)])


@pytest.fixture(scope="module")
def flat_root(tmp_path_factory):
    """A file with one TTree of flat branches only."""
    path = tmp_path_factory.mktemp("root") / "flat.root"
    with uproot.recreate(path) as f:
        f.mktree("events", FLAT)
    return path


@pytest.fixture(scope="module")
def mixed_root(tmp_path_factory):
    """Two trees (one in a directory), a jagged and a fixed-size branch, a histogram."""
    path = tmp_path_factory.mktemp("root") / "mixed.root"
    with uproot.recreate(path) as f:
        f.mktree("events", {**FLAT, "jets": JETS, "p3": np.zeros((N, 3))})
        f.mktree("sub/friends", {"weight": np.ones(4)})
        f["mass_hist"] = np.histogram(FLAT["mass"], bins=5)
    return path


@pytest.fixture(scope="module")
def csv_file(tmp_path_factory):
    path = tmp_path_factory.mktemp("csv") / "events.csv"
    frame = pd.DataFrame(FLAT)
    frame["label"] = [f"e{i}" for i in range(N)]
    frame.to_csv(path, index=False)
    return path


def _flat_frame(columns, index=None):
    return pd.DataFrame({c: FLAT[c] for c in columns}, index=index)


def _chunk_sizes(n, step):
    return [min(step, n - start) for start in range(0, n, step)]


# ---- read_root -------------------------------------------------------------


def test_read_root_returns_requested_order(flat_root):
    request = list(reversed(FLAT))
    df = read_root(flat_root, "events", request)
    assert list(df.columns) == request
    pd.testing.assert_frame_equal(df, _flat_frame(request), check_index_type=False)
    assert df["run"].dtype == np.int32 and df["pt"].dtype == np.float32
    assert isinstance(df.index, pd.RangeIndex)


def test_read_root_all_branches_and_only_tree_by_default(flat_root):
    df = read_root(flat_root)
    assert list(df.columns) == list(FLAT)
    assert len(df) == N


def test_read_root_single_branch_as_string(flat_root):
    assert list(read_root(flat_root, "events", "mass").columns) == ["mass"]


@pytest.mark.parametrize(
    ("start", "stop", "expected"),
    [(2, 5, range(2, 5)), (None, 3, range(3)), (-3, None, range(7, 10)), (8, 100, range(8, 10))],
)
def test_read_root_entry_range(flat_root, start, stop, expected):
    df = read_root(flat_root, "events", ["mass", "run"], entry_start=start, entry_stop=stop)
    # The index holds entry numbers, as uproot's own pandas output does.
    assert df.index.tolist() == list(expected)
    np.testing.assert_array_equal(df["run"], FLAT["run"][list(expected)])


def test_read_root_library_pd(flat_root):
    df = read_root(flat_root, "events", ["pt", "run"], library="pandas")
    assert isinstance(df, pd.DataFrame) and list(df.columns) == ["pt", "run"]


def test_read_root_library_np(flat_root):
    arrays = read_root(flat_root, "events", ["pt", "run"], library="np")
    assert list(arrays) == ["pt", "run"]
    np.testing.assert_array_equal(arrays["run"], FLAT["run"])
    assert arrays["pt"].dtype == np.float32


def test_read_root_library_ak(flat_root):
    array = read_root(flat_root, "events", ["pt", "run"], entry_stop=4, library="ak")
    assert isinstance(array, ak.Array) and array.fields == ["pt", "run"]
    assert ak.to_list(array["run"]) == FLAT["run"][:4].tolist()


def test_read_root_rntuple(tmp_path):
    # uproot >= 5.7 writes a dict as an RNTuple: read_root reads those too.
    path = tmp_path / "rntuple.root"
    with uproot.recreate(path) as f:
        f["ntuple"] = {"x": np.arange(5), "y": np.arange(5) * 0.5}
    df = read_root(path, branches=["y", "x"])
    assert list(df.columns) == ["y", "x"]
    np.testing.assert_array_equal(df["x"], np.arange(5))


def test_read_root_from_open_file_leaves_it_open(flat_root):
    with open(flat_root, "rb") as handle:
        assert list(read_root(handle, "events", ["mass", "run"]).columns) == ["mass", "run"]
        chunks = list(iterate_root(handle, "events", "run", step_size=4))
        assert not handle.closed
    assert [len(chunk) for chunk in chunks] == [4, 4, 2]


def test_read_root_flat_branches_of_a_mixed_tree(mixed_root):
    df = read_root(mixed_root, "events", ["mass", "run"])
    assert list(df.columns) == ["mass", "run"] and len(df) == N
    assert read_root(mixed_root, "sub/friends").shape == (4, 1)


def test_read_root_missing_file(tmp_path):
    missing = tmp_path / "nope.root"
    with pytest.raises(FileNotFoundError, match="nope.root"):
        read_root(missing, "events")


def test_read_root_tree_given_as_path_suffix_gets_a_hint(flat_root):
    with pytest.raises(FileNotFoundError, match="tree` argument"):
        read_root(f"{flat_root}:events")


def test_read_root_missing_tree_lists_trees(mixed_root):
    with pytest.raises(ValueError, match=r"tree 'Events' not found.*'events', 'sub/friends'"):
        read_root(mixed_root, "Events")


def test_read_root_needs_tree_when_several(mixed_root):
    with pytest.raises(ValueError, match=r"trees \['events', 'sub/friends'\].*tree="):
        read_root(mixed_root)


def test_read_root_refuses_non_tree_object(mixed_root):
    with pytest.raises(ValueError, match="'mass_hist'.* is a TH1D, not a tree"):
        read_root(mixed_root, "mass_hist")


def test_read_root_missing_branches_named_and_available_listed(flat_root):
    with pytest.raises(ValueError, match=r"branches \['Mass', 'eta'\] not found.*'run', 'event'"):
        read_root(flat_root, "events", ["run", "Mass", "eta"])


def test_read_root_refuses_jagged_branch(mixed_root):
    match = r"'jets' is variable-length \(jagged.*use skhep_models.io.read_root_leading"
    with pytest.raises(ValueError, match=match) as info:
        read_root(mixed_root, "events", ["mass", "jets"])
    assert "read_root" in str(info.value) and "silently" in str(info.value)


def test_read_root_all_branches_of_a_jagged_tree_names_the_culprits(mixed_root):
    with pytest.raises(ValueError, match=r"'jets' is variable-length.*'p3' is a fixed-size"):
        read_root(mixed_root, "events")


@pytest.mark.parametrize(
    ("branches", "match"),
    [([], "branches is empty"), (["run", "run"], r"\['run'\] more than once")],
)
def test_read_root_bad_branch_lists(flat_root, branches, match):
    with pytest.raises(ValueError, match=match):
        read_root(flat_root, "events", branches)


def test_read_root_bad_library(flat_root):
    with pytest.raises(ValueError, match="library must be one of"):
        read_root(flat_root, "events", library="polars")


# ---- iterate_root ----------------------------------------------------------


@pytest.mark.parametrize("step_size", [1, 3, 4, 10, 100])
def test_iterate_root_chunks_concatenate_to_read_root(flat_root, step_size):
    request = ["mass", "good", "run"]
    chunks = list(iterate_root(flat_root, "events", request, step_size=step_size))
    assert [len(chunk) for chunk in chunks] == _chunk_sizes(N, step_size)
    assert all(list(chunk.columns) == request for chunk in chunks)
    pd.testing.assert_frame_equal(pd.concat(chunks), read_root(flat_root, "events", request))


def test_iterate_root_entry_range(flat_root):
    chunks = list(
        iterate_root(flat_root, "events", "run", step_size=2, entry_start=3, entry_stop=8)
    )
    assert [chunk.index.tolist() for chunk in chunks] == [[3, 4], [5, 6], [7]]
    expected = read_root(flat_root, "events", "run", entry_start=3, entry_stop=8)
    pd.testing.assert_frame_equal(pd.concat(chunks), expected)


def test_iterate_root_memory_step_size(flat_root):
    chunks = list(iterate_root(flat_root, "events", ["pt", "run"], step_size="1 kB"))
    assert sum(len(chunk) for chunk in chunks) == N
    assert all(list(chunk.columns) == ["pt", "run"] for chunk in chunks)


def test_iterate_root_library_np(flat_root):
    chunks = list(iterate_root(flat_root, "events", ["pt", "run"], step_size=4, library="np"))
    assert [list(chunk) for chunk in chunks] == [["pt", "run"]] * 3
    np.testing.assert_array_equal(np.concatenate([c["run"] for c in chunks]), FLAT["run"])


def test_iterate_root_library_ak(flat_root):
    chunks = list(iterate_root(flat_root, "events", ["pt", "run"], step_size=4, library="ak"))
    assert [chunk.fields for chunk in chunks] == [["pt", "run"]] * 3
    assert ak.to_list(ak.concatenate(chunks)["run"]) == FLAT["run"].tolist()


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"branches": ["nope"]}, ValueError, "'nope'"),
        ({"branches": ["jets"]}, ValueError, "variable-length"),
        ({"tree": "nope"}, ValueError, "tree 'nope' not found"),
        ({"step_size": 0}, ValueError, "step_size must be a positive integer"),
        ({"branches": ["run"], "step_size": "lots"}, ValueError, "lots"),
    ],
)
def test_iterate_root_errors_at_call_not_first_chunk(mixed_root, kwargs, error, match):
    kwargs = {"tree": "events", **kwargs}
    with pytest.raises(error, match=match):
        iterate_root(mixed_root, **kwargs)  # no next(): the call itself raises


def test_iterate_root_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="gone.root"):
        iterate_root(tmp_path / "gone.root", "events")


# ---- read_csv / iterate_csv ------------------------------------------------


def test_read_csv_returns_requested_order(csv_file):
    request = ["label", "mass", "run"]
    df = read_csv(csv_file, request)
    assert list(df.columns) == request
    np.testing.assert_array_equal(df["run"], FLAT["run"])
    assert df["label"].tolist() == [f"e{i}" for i in range(N)]


def test_read_csv_all_columns_by_default(csv_file):
    assert list(read_csv(csv_file).columns) == [*FLAT, "label"]


def test_read_csv_passes_pandas_kwargs(tmp_path):
    path = tmp_path / "semicolon.csv"
    pd.DataFrame({"a": [1, 2, 3], "b": [4.0, 5.0, 6.0]}).to_csv(path, sep=";", index=False)
    df = read_csv(path, ["b", "a"], sep=";", nrows=2)
    assert list(df.columns) == ["b", "a"] and df["a"].tolist() == [1, 2]


def test_read_csv_with_index_col(csv_file):
    df = read_csv(csv_file, ["mass", "run"], index_col="event")
    assert list(df.columns) == ["mass", "run"]
    assert df.index.name == "event"


def test_read_csv_from_buffer_rewinds_after_peeking_at_header():
    buffer = io.StringIO("x,y,z\n1,2,3\n4,5,6\n")
    df = read_csv(buffer, ["z", "x"])
    assert df.to_dict("list") == {"z": [3, 6], "x": [1, 4]}


class _Unseekable(io.StringIO):
    def seekable(self):
        return False


def test_read_csv_from_unseekable_buffer_checks_columns_after_reading():
    assert read_csv(_Unseekable("x,y\n1,2\n"), ["y", "x"]).to_dict("list") == {"y": [2], "x": [1]}
    with pytest.raises(ValueError, match=r"\['z'\] not found in the CSV input.*\['x', 'y'\]"):
        read_csv(_Unseekable("x,y\n1,2\n"), ["z"])


def test_read_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        read_csv(tmp_path / "absent.csv")


def test_read_csv_missing_columns_named_and_available_listed(csv_file):
    with pytest.raises(ValueError, match=r"columns \['Mass'\] not found.*'run', 'event', 'mass'"):
        read_csv(csv_file, ["run", "Mass"])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"columns": ["run"], "usecols": ["run"]}, ValueError, "either columns or usecols"),
        ({"chunksize": 5}, TypeError, "iterate_csv"),
        ({"columns": []}, ValueError, "columns is empty"),
    ],
)
def test_read_csv_bad_arguments(csv_file, kwargs, error, match):
    with pytest.raises(error, match=match):
        read_csv(csv_file, **kwargs)


@pytest.mark.parametrize("chunksize", [1, 3, 10, 1000])
def test_iterate_csv_chunks_concatenate_to_read_csv(csv_file, chunksize):
    request = ["mass", "label", "run"]
    chunks = list(iterate_csv(csv_file, request, chunksize=chunksize))
    assert [len(c) for c in chunks] == _chunk_sizes(N, chunksize)
    assert all(list(chunk.columns) == request for chunk in chunks)
    pd.testing.assert_frame_equal(pd.concat(chunks), read_csv(csv_file, request))


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"columns": ["nope"]}, ValueError, r"\['nope'\] not found"),
        ({"chunksize": 0}, ValueError, "chunksize must be a positive integer"),
    ],
)
def test_iterate_csv_errors_at_call(csv_file, kwargs, error, match):
    with pytest.raises(error, match=match):
        iterate_csv(csv_file, **kwargs)


def test_iterate_csv_missing_file(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        iterate_csv(tmp_path / "absent.csv")


# ---- clean_events ----------------------------------------------------------


@pytest.fixture
def dirty():
    return pd.DataFrame(
        {
            "Run": [1, 1, 1, 1, 2, 2, 2],
            "Event": [10, 11, 11, 12, 10, 10, 13],
            # Event (1, 12) has a NaN mass; (2, 10): first copy has inf, second kept.
            "M": [91.0, 90.0, 89.0, np.nan, np.inf, 88.0, 87.0],
        },
        index=[10, 20, 30, 40, 50, 60, 70],
    )


def test_clean_events_drops_and_reports(dirty, capsys):
    original = dirty.copy()
    out = clean_events(dirty)
    line = capsys.readouterr().out.strip()
    assert line == (
        "clean_events: 7 events in, dropped 2 with NaN/inf M, 1 duplicated (Run, Event), 4 out"
    )
    assert out.index.tolist() == [10, 20, 60, 70]  # index labels kept
    assert out["M"].tolist() == [91.0, 90.0, 88.0, 87.0]
    assert out.attrs["clean_events"] == {
        "n_in": 7,
        "n_nonfinite_target": 2,
        "n_duplicated": 1,
        "n_out": 4,
        "target": "M",
        "keys": ("Run", "Event"),
    }
    pd.testing.assert_frame_equal(dirty, original)
    assert dirty.attrs == {} and out is not dirty


def test_clean_events_ignore_index_and_quiet(dirty, capsys):
    out = clean_events(dirty, ignore_index=True, verbose=False)
    assert capsys.readouterr().out == ""
    assert out.index.equals(pd.RangeIndex(4))


def test_clean_events_skipped_steps(dirty, capsys):
    no_target = clean_events(dirty, target=None)
    assert no_target.attrs["clean_events"]["n_duplicated"] == 2  # (1, 11) and (2, 10)
    assert "NaN" not in capsys.readouterr().out
    no_keys = clean_events(dirty, keys=None)
    assert len(no_keys) == 5 and "duplicated" not in capsys.readouterr().out
    assert len(clean_events(dirty, target=None, keys=None, verbose=False)) == 7


def test_clean_events_single_key_and_other_target(dirty):
    out = clean_events(dirty, target="Event", keys="Run", verbose=False)
    assert out.index.tolist() == [10, 50]


def test_clean_events_keeps_original_attrs_untouched(dirty):
    dirty.attrs["source"] = "test"
    out = clean_events(dirty, verbose=False)
    assert dirty.attrs == {"source": "test"}
    assert out.attrs["source"] == "test" and "clean_events" in out.attrs


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"keys": ("Run", "Lumi", "Evt")}, r"columns \['Lumi', 'Evt'\] not found in df"),
        ({"target": "mass"}, r"columns \['mass'\] not found in df; available columns: \['Run'"),
        ({"keys": ()}, "keys is empty"),
    ],
)
def test_clean_events_missing_columns(dirty, kwargs, match):
    with pytest.raises(ValueError, match=match):
        clean_events(dirty, **kwargs)


def test_clean_events_non_numeric_target():
    df = pd.DataFrame({"Run": [1], "Event": [1], "Type": ["G"]})
    with pytest.raises(ValueError, match="'Type' must be numeric"):
        clean_events(df, target="Type")


def test_clean_events_rejects_non_dataframe():
    with pytest.raises(TypeError, match="DataFrame"):
        clean_events(np.zeros((3, 3)))


# ---- real CMS samples (../shared/data) ------------------------------------


def test_real_root_branch_subset_in_requested_order(shared_data):
    path = shared_data / "cms_dimuon" / "uproot-Zmumu.root"
    request = ["M", "Event", "Type", "E1", "Run"]  # not the file order (Type, Run, Event, ...)
    df = read_root(path, "events", request)
    assert list(df.columns) == request
    assert len(df) == 2304
    assert set(df["Type"]) == {"GG", "GT", "TT"}
    chunks = list(iterate_root(path, "events", request, step_size=1000))
    assert [len(c) for c in chunks] == [1000, 1000, 304]
    pd.testing.assert_frame_equal(pd.concat(chunks), df)


def test_real_root_rows_are_dimuon_candidates_not_events(shared_data, capsys):
    # Several muon-pair candidates (Type GG/GT/TT) share a (Run, Event): the
    # default keys would drop 1804 of the 2304 rows, so dedupe on the full pair.
    df = read_root(shared_data / "cms_dimuon" / "uproot-Zmumu.root")
    assert df[["Run", "Event"]].drop_duplicates().shape[0] == 500
    out = clean_events(df, keys=["Run", "Event", "Type", "E1", "E2"])
    assert len(out) == len(df)
    assert "0 duplicated" in capsys.readouterr().out


@pytest.fixture(scope="module")
def zmumu_2011(shared_data):
    return read_csv(shared_data / "cms_dimuon" / "Zmumu_Run2011A.csv")


def test_real_csv_shape_and_subset_order(shared_data, zmumu_2011):
    assert zmumu_2011.shape == (10_851, 21)
    assert list(zmumu_2011.columns[:3]) == ["Run", "Event", "Type1"]
    request = ["M", "pt2", "Run"]
    subset = read_csv(shared_data / "cms_dimuon" / "Zmumu_Run2011A.csv", request)
    assert list(subset.columns) == request
    pd.testing.assert_frame_equal(subset, zmumu_2011[request])


def test_real_csv_mass_agrees_with_four_momenta(zmumu_2011):
    df = zmumu_2011
    e = df["E1"] + df["E2"]
    p2 = sum((df[f"p{c}1"] + df[f"p{c}2"]) ** 2 for c in "xyz")
    m = np.sqrt(np.maximum(e**2 - p2, 0.0))
    assert np.mean(np.abs(m - df["M"]) < 0.01) > 0.99


def test_real_csv_clean_events(zmumu_2011, capsys):
    out = clean_events(zmumu_2011)
    assert capsys.readouterr().out.strip() == (
        "clean_events: 10851 events in, dropped 0 with NaN/inf M, "
        "0 duplicated (Run, Event), 10851 out"
    )
    assert out.attrs["clean_events"]["n_out"] == 10_851


def test_read_higgs_uci_names_features_and_splits_the_label(tmp_path):
    from skhep_models.io import HIGGS_UCI_FEATURES, read_higgs_uci

    rows = [[1, *range(28)], [0, *range(100, 128)], [1, *range(200, 228)]]
    path = tmp_path / "higgs.tsv"
    path.write_text("\n".join("\t".join(map(str, r)) for r in rows) + "\n")
    X, y = read_higgs_uci(path)
    assert list(X.columns) == HIGGS_UCI_FEATURES and len(HIGGS_UCI_FEATURES) == 28
    assert y.tolist() == [1, 0, 1]
    assert X["lepton_pt"].tolist() == [0, 100, 200] and X["m_wwbb"].tolist() == [27, 127, 227]
    X2, y2 = read_higgs_uci(path, n_events=2)
    assert len(X2) == 2 and y2.tolist() == [1, 0]


def test_read_higgs_uci_on_the_real_sample(shared_data):
    from skhep_models.io import read_higgs_uci

    X, y = read_higgs_uci(shared_data / "higgs_uci" / "lightgbm_binary.train.tsv")
    assert X.shape == (7000, 28) and set(np.unique(y)) == {0, 1}
    assert (X["lepton_pt"] > 0).all()
