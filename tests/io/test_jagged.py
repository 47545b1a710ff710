"""Tests for leading_objects, read_root_leading and iterate_root_leading (jagged collections)."""

import math

import awkward as ak
import numpy as np
import pandas as pd
import pytest
import uproot

from skhep_models.io import (
    iterate_root_leading,
    leading_objects,
    read_root,
    read_root_leading,
)

# Jets per event in unsorted pT order: 0, 1, 2 and many objects, ties, one at pT = 20.
JET_PX = [[], [30.0], [10.0, -40.0], [5.0, 60.0, -25.0, 20.0, 0.0], [3.0, 4.0], [], [20.0, 7.0]]
JET_PY = [[], [40.0], [0.0, 0.0], [0.0, 0.0, 0.0, 0.0, 1.0], [4.0, 3.0], [], [0.0, 0.0]]
JET_BTAG = [[], [0.1], [0.9, 0.2], [0.3, 0.1, 0.8, 0.5, 0.0], [0.7, 0.6], [], [0.4, 0.9]]
MUON_PX = [[2.0], [], [1.0, 8.0], [], [], [6.0, 9.0, 3.0], []]
MUON_PY = [[0.0], [], [0.0, 0.0], [], [], [0.0, 0.0, 0.0], []]
MUON_Q = [[1], [], [-1, 1], [], [], [1, -1, -1], []]
N = len(JET_PX)
MET = np.arange(N, dtype=np.float64) * 1.5
WEIGHT = np.linspace(0.5, 1.0, N, dtype=np.float32)


def _jets():
    return ak.zip(
        {
            "Px": ak.values_astype(ak.Array(JET_PX), np.float32),
            "Py": ak.values_astype(ak.Array(JET_PY), np.float32),
            "btag": ak.values_astype(ak.Array(JET_BTAG), np.float32),
        }
    )


def _muons():
    return ak.zip(
        {
            "Px": ak.Array(MUON_PX),
            "Py": ak.Array(MUON_PY),
            "Charge": ak.values_astype(ak.Array(MUON_Q), np.int32),
        }
    )


@pytest.fixture(scope="module")
def jagged_root(tmp_path_factory):
    """A TTree as uproot writes a collection: counter nJet, then Jet_Px, Jet_Py, ..."""
    path = tmp_path_factory.mktemp("root") / "jagged.root"
    with uproot.recreate(path) as f:
        f.mktree(
            "events",
            {"Jet": _jets(), "MET_px": MET, "Muon": _muons(), "weight": WEIGHT},
        )
    return path


def _leading(px, py, others, n, min_pt=None):
    """Reference in plain Python: per event, [(px, py, *others)] of the n leading by pT, padded."""
    rows = []
    for event in range(len(px)):
        objects = [
            (math.hypot(x, y), (x, y, *(o[event][i] for o in others)))
            for i, (x, y) in enumerate(zip(px[event], py[event], strict=True))
        ]
        if min_pt is not None:
            objects = [o for o in objects if o[0] > min_pt]
        objects.sort(key=lambda o: -o[0])  # stable: ties keep the input order
        padded = [values for _, values in objects[:n]]
        padded += [(0.0,) * (2 + len(others))] * (n - len(padded))
        rows.append((len(objects), padded))
    return rows


# ---- the file uproot writes ----------------------------------------------


def test_uproot_writes_collections_as_prefix_field_branches(jagged_root):
    # The naming read_root_leading relies on, with the counter it does not need.
    keys = uproot.open(jagged_root)["events"].keys()
    assert keys[:4] == ["nJet", "Jet_Px", "Jet_Py", "Jet_btag"]
    assert "Muon_Charge" in keys and "nMuon" in keys


# ---- read_root_leading -----------------------------------------------------


def test_read_root_leading_values_order_padding_and_counts(jagged_root):
    df = read_root_leading(jagged_root, "events", {"Jet": ["Px", "Py", "btag"]}, 3, counts=True)
    expected = _leading(JET_PX, JET_PY, [JET_BTAG], 3)
    assert df["n_Jet"].tolist() == [count for count, _ in expected] == list(map(len, JET_PX))
    for event, (_, objects) in enumerate(expected):
        for rank, (px, py, btag) in enumerate(objects, start=1):
            got = df.loc[event, [f"Jet{rank}_Px", f"Jet{rank}_Py", f"Jet{rank}_btag"]]
            np.testing.assert_allclose(got.to_numpy(dtype=float), [px, py, btag], rtol=1e-6)
    # Event 3: pT 5, 60, 25, 20, 1 -> 60, 25, 20; event 4: a tie at pT 5 keeps file order.
    assert df.loc[3, ["Jet1_Px", "Jet2_Px", "Jet3_Px"]].tolist() == [60.0, -25.0, 20.0]
    assert df.loc[4, ["Jet1_Px", "Jet2_Px", "Jet3_Px"]].tolist() == [3.0, 4.0, 0.0]
    assert (df.loc[[0, 5], df.columns[1:]] == 0).all(axis=None)  # no jets: all zeros


def test_read_root_leading_column_order_and_dtypes(jagged_root):
    df = read_root_leading(
        jagged_root,
        "events",
        {"Muon": ["Charge", "Px"], "Jet": ["Py", "Px"]},
        {"Muon": 1, "Jet": 2},
        branches=["weight", "MET_px"],
        counts=True,
    )
    assert list(df.columns) == [
        "weight", "MET_px",
        "n_Muon", "Muon1_Charge", "Muon1_Px",
        "n_Jet", "Jet1_Py", "Jet1_Px", "Jet2_Py", "Jet2_Px",
    ]  # fmt: skip
    np.testing.assert_array_equal(df["MET_px"], MET)
    np.testing.assert_array_equal(df["weight"], WEIGHT)
    assert isinstance(df.index, pd.RangeIndex) and df.index.tolist() == list(range(N))
    # Branch dtypes are kept where the fill value fits them.
    assert df["Jet1_Px"].dtype == np.float32 and df["weight"].dtype == np.float32
    assert df["Muon1_Charge"].dtype == np.int32 and df["n_Jet"].dtype == np.int64
    assert df["Muon1_Charge"].tolist() == [1, 0, 1, 0, 0, -1, 0]  # leading muon by pT


def test_read_root_leading_min_pt_is_strict_and_cuts_before_counting(jagged_root):
    df = read_root_leading(
        jagged_root, "events", {"Jet": ["Px", "Py"]}, 2, min_pt=20.0, counts=True
    )
    expected = _leading(JET_PX, JET_PY, [], 2, min_pt=20.0)
    assert df["n_Jet"].tolist() == [count for count, _ in expected] == [0, 1, 1, 2, 0, 0, 0]
    for event, (_, objects) in enumerate(expected):
        flat = [value for obj in objects for value in obj]
        assert df.loc[event, ["Jet1_Px", "Jet1_Py", "Jet2_Px", "Jet2_Py"]].tolist() == flat
    # pT exactly 20 (event 3's fourth jet, event 6's first) is dropped: pT > min_pt is kept.
    assert df.loc[6, "Jet1_Px"] == 0.0


def test_read_root_leading_min_pt_per_collection(jagged_root):
    df = read_root_leading(
        jagged_root,
        "events",
        {"Jet": ["Px"], "Muon": ["Px"]},
        1,
        min_pt={"Muon": 5.0},
        counts=True,
    )
    assert df["n_Jet"].tolist() == list(map(len, JET_PX))  # no cut on jets
    assert df["n_Muon"].tolist() == [0, 0, 1, 0, 0, 2, 0]
    assert df["Muon1_Px"].tolist() == [0.0, 0.0, 8.0, 0.0, 0.0, 9.0, 0.0]


@pytest.mark.parametrize(
    ("sort_by", "expected"),
    [
        ("btag", [0.0, 30.0, 10.0, -25.0, 3.0, 0.0, 7.0]),
        (None, [0.0, 30.0, 10.0, 5.0, 3.0, 0.0, 20.0]),
    ],
)
def test_read_root_leading_sort_by_field_or_input_order(jagged_root, sort_by, expected):
    df = read_root_leading(jagged_root, "events", {"Jet": ["Px"]}, 1, sort_by=sort_by)
    assert df["Jet1_Px"].tolist() == expected


def test_read_root_leading_fill_value_and_naming(jagged_root):
    df = read_root_leading(
        jagged_root,
        "events",
        {"Jet": ["Px"], "Muon": ["Charge"]},
        {"Jet": 1, "Muon": 2},
        fill_value=np.nan,
        counts=True,
        column_format="{field}_{prefix}{rank}",
        count_format="N{prefix}",
    )
    assert list(df.columns) == ["NJet", "Px_Jet1", "NMuon", "Charge_Muon1", "Charge_Muon2"]
    assert np.isnan(df.loc[0, "Px_Jet1"]) and df["Px_Jet1"].dtype == np.float32
    # An integer branch cannot hold NaN: float64.
    assert df["Charge_Muon2"].dtype == np.float64
    assert df["Charge_Muon2"].isna().tolist() == [True, True, False, True, True, False, True]


def test_read_root_leading_all_fields_of_a_collection(jagged_root):
    df = read_root_leading(jagged_root, "events", {"Muon": None}, 1)
    assert list(df.columns) == ["Muon1_Px", "Muon1_Py", "Muon1_Charge"]


def test_read_root_leading_entry_range(jagged_root):
    df = read_root_leading(jagged_root, None, {"Jet": ["Px"]}, 2, entry_start=2, entry_stop=5)
    assert df.index.tolist() == [2, 3, 4]
    full = read_root_leading(jagged_root, None, {"Jet": ["Px"]}, 2)
    pd.testing.assert_frame_equal(df, full.loc[2:4])


def test_read_root_leading_rntuple_record_fields(tmp_path):
    # uproot writes a dict assigned to a file as an RNTuple: Jet is a list of
    # records and its fields are the keys 'Jet.Px', 'Jet.Py'.
    path = tmp_path / "rntuple.root"
    with uproot.recreate(path) as f:
        f["events"] = {"Jet": _jets(), "MET_px": MET}
    assert "Jet.Px" in uproot.open(path)["events"].keys()
    df = read_root_leading(path, None, {"Jet": ["Px", "Py"]}, 2, branches="MET_px")
    ttree = leading_objects({"Jet_Px": JET_PX, "Jet_Py": JET_PY}, {"Jet": ["Px", "Py"]}, 2)
    assert list(df.columns) == ["MET_px", *ttree.columns]
    np.testing.assert_allclose(df[ttree.columns].to_numpy(), ttree.to_numpy())
    chunks = list(iterate_root_leading(path, None, {"Jet": ["Px", "Py"]}, 2, step_size=3))
    np.testing.assert_allclose(pd.concat(chunks).to_numpy(), ttree.to_numpy())


# ---- iterate_root_leading --------------------------------------------------


@pytest.mark.parametrize("step_size", [1, 3, N, 100])
def test_iterate_root_leading_chunks_concatenate_to_the_whole_read(jagged_root, step_size):
    kwargs = {"branches": ["MET_px"], "min_pt": 4.0, "counts": True}
    collections = {"Jet": ["Px", "Py"], "Muon": ["Charge"]}
    chunks = list(
        iterate_root_leading(jagged_root, "events", collections, 2, step_size=step_size, **kwargs)
    )
    assert [len(chunk) for chunk in chunks] == [
        min(step_size, N - start) for start in range(0, N, step_size)
    ]
    whole = read_root_leading(jagged_root, "events", collections, 2, **kwargs)
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)


def test_iterate_root_leading_entry_range_and_memory_step(jagged_root):
    chunks = list(
        iterate_root_leading(
            jagged_root, "events", {"Jet": ["Px"]}, 1, step_size=2, entry_start=1, entry_stop=6
        )
    )
    assert [chunk.index.tolist() for chunk in chunks] == [[1, 2], [3, 4], [5]]
    jets = {"Jet": ["Px"]}
    by_size = list(iterate_root_leading(jagged_root, "events", jets, 1, step_size="1 kB"))
    whole = read_root_leading(jagged_root, "events", jets, 1)
    pd.testing.assert_frame_equal(pd.concat(by_size), whole)


# ---- leading_objects (in memory) -------------------------------------------


def test_leading_objects_record_dict_and_nested_records_agree():
    flat = ak.Array({"Jet_Px": JET_PX, "Jet_Py": JET_PY, "Jet_btag": JET_BTAG, "MET": MET})
    as_dict = {"Jet_Px": JET_PX, "Jet_Py": JET_PY, "Jet_btag": JET_BTAG}
    nested = ak.Array({"Jet": ak.zip({"Px": JET_PX, "Py": JET_PY, "btag": JET_BTAG})})
    frames = [
        leading_objects(arrays, {"Jet": ["btag", "Px"]}, 2, counts=True)
        for arrays in (flat, as_dict, nested)
    ]
    assert list(frames[0].columns) == ["n_Jet", "Jet1_btag", "Jet1_Px", "Jet2_btag", "Jet2_Px"]
    for frame in frames[1:]:
        pd.testing.assert_frame_equal(frame, frames[0])
    expected = _leading(JET_PX, JET_PY, [JET_BTAG], 2)
    assert frames[0]["Jet2_btag"].tolist() == [
        objects[1][2] for _, objects in expected
    ]


def test_leading_objects_uses_a_pt_field_where_there_is_one():
    # No Px/Py: pT comes from the pt field, which need not be an output field.
    events = {"Muon_pt": [[5.0, 30.0, 12.0]], "Muon_eta": [[0.1, 0.2, 0.3]]}
    df = leading_objects(events, {"Muon": ["eta"]}, 2, min_pt=10.0)
    assert df.loc[0].tolist() == [0.2, 0.3]


def test_leading_objects_zero_events():
    events = {"Jet_Px": ak.Array([[1.0]])[:0], "Jet_Py": ak.Array([[1.0]])[:0]}
    df = leading_objects(events, {"Jet": ["Px"]}, 2, counts=True)
    assert df.shape == (0, 3) and list(df.columns) == ["n_Jet", "Jet1_Px", "Jet2_Px"]


# ---- errors ----------------------------------------------------------------


JETS = {"Jet": ["Px"]}

# (collections, n_leading, other arguments, message): each names what is wrong.
READER_ERRORS = [
    (
        {"Jet": ["Px", "Pt"]},
        1,
        {},
        r"branches \['Jet_Pt'\] of collection 'Jet' not found in tree 'events'.*"
        r"the collection's branches: \['Jet_Px', 'Jet_Py', 'Jet_btag'\]; "
        r"available branches: \['nJet', 'Jet_Px'",
    ),
    (
        {"Jets": ["Px"]},
        1,
        {},
        r"collection 'Jets' has no branches.*prefixes there: \['Jet', 'MET', 'Muon'\]",
    ),
    ({"MET": ["px"]}, 1, {"sort_by": None}, r"collection 'MET' needs jagged.*'MET_px' is flat"),
    (JETS, 0, {}, "n_leading must be a positive integer, got 0"),
    (JETS, 1.5, {}, "n_leading must be a positive integer, got 1.5"),
    (
        {"Jet": ["Px"], "Muon": ["Px"]},
        {"Jet": 2},
        {},
        r"n_leading has no entry for collections \['Muon'\]",
    ),
    (JETS, {"Jet": 1, "Tau": 1}, {}, r"entries for \['Tau'\], which are not collections"),
    (JETS, {"Jet": -1}, {}, r"n_leading\['Jet'\] must be a positive integer, got -1"),
    (JETS, 1, {"min_pt": "20"}, "min_pt must be a number or None"),
    (JETS, 1, {"sort_by": "E"}, r"sort_by field \['Jet_E'\] of collection 'Jet'"),
    ({"Jet": []}, 1, {}, "fields of collection 'Jet' is empty"),
    ({"Jet": ["Px", "Px"]}, 1, {}, r"lists \['Px'\] more than once"),
    (
        JETS,
        2,
        {"column_format": "{prefix}_{field}"},
        r"more than one column would be named \['Jet_Px'\]",
    ),
    (
        JETS,
        1,
        {"branches": ["nJet"], "counts": True, "count_format": "n{prefix}"},
        r"more than one column would be named \['nJet'\]",
    ),
    (JETS, 1, {"column_format": "{prefix}{i}"}, "column_format must be a str.format pattern"),
    (
        JETS,
        1,
        {"branches": ["MET_px", "Jet_Py"]},
        r"'Jet_Py' is variable-length.*collections=\{'Jet': \['Py'\]\}",
    ),
    (JETS, 1, {"branches": ["MET"]}, r"branches \['MET'\] not found"),
    (JETS, 1, {"tree": "Events"}, "tree 'Events' not found"),
    (JETS, 1, {"step_size": 0}, "step_size must be a positive integer"),
]


@pytest.mark.parametrize(("collections", "n_leading", "kwargs", "match"), READER_ERRORS)
def test_readers_name_what_is_wrong_at_the_call(
    jagged_root, collections, n_leading, kwargs, match
):
    tree = kwargs.pop("tree", "events")
    step_size = kwargs.pop("step_size", 10)
    with pytest.raises(ValueError, match=match):
        iterate_root_leading(
            jagged_root, tree, collections, n_leading, step_size=step_size, **kwargs
        )  # no next(): the call itself raises
    if "step_size" not in match:
        with pytest.raises(ValueError, match=match):
            read_root_leading(jagged_root, tree, collections, n_leading, **kwargs)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"collections": ["Jet"]}, TypeError, "collections must be a non-empty dict"),
        ({"collections": {}}, TypeError, "collections must be a non-empty dict"),
        ({"fill_value": "zero"}, TypeError, "fill_value must be a number"),
        ({"sort_by": 1}, TypeError, "sort_by must be 'pt', a field name or None"),
        ({"counts": "yes"}, TypeError, "counts must be True or False"),
    ],
)
def test_leading_objects_argument_types(kwargs, error, match):
    kwargs = {"collections": {"Jet": ["Px"]}, "n_leading": 1, **kwargs}
    with pytest.raises(error, match=match):
        leading_objects({"Jet_Px": JET_PX, "Jet_Py": JET_PY}, **kwargs)


def test_leading_objects_fields_with_different_lengths_name_the_event():
    events = {"Jet_Px": [[1.0], [1.0, 2.0], [3.0]], "Jet_Py": [[1.0], [1.0], [3.0]]}
    match = r"in entry 1 'Jet_Px' holds 2 values and 'Jet_Py' holds 1"
    with pytest.raises(ValueError, match=match):
        leading_objects(events, {"Jet": ["Px", "Py"]}, 1)


def test_iterate_root_leading_different_lengths_name_the_entry_of_the_tree(tmp_path):
    # Two jagged branches with their own counters (nJet_Px, nJet_Py): only reading tells.
    path = tmp_path / "bad.root"
    px = [[1.0]] * 5 + [[1.0, 2.0]]
    with uproot.recreate(path) as f:
        f.mktree("events", {"Jet_Px": ak.Array(px), "Jet_Py": ak.Array([[1.0]] * 6)})
    chunks = iterate_root_leading(path, "events", {"Jet": ["Px", "Py"]}, 1, step_size=4)
    next(chunks)
    with pytest.raises(ValueError, match="in entry 5 'Jet_Px' holds 2 values"):
        next(chunks)


@pytest.mark.parametrize(
    ("arrays", "error", "match"),
    [
        (np.zeros((3, 2)), TypeError, "arrays must be an awkward record array"),
        (ak.Array([[1.0]]), TypeError, "arrays must be an awkward record array"),
        ({"Jet_Px": [[1.0]], "Jet_Py": [[1.0], []]}, ValueError, "lengths differ"),
        ({"Jet_Px": [1.0, 2.0], "Jet_Py": [1.0, 2.0]}, ValueError, "'Jet_Px' is flat"),
        ({"Jet_Px": [["a"]], "Jet_Py": [[1.0]]}, ValueError, "'Jet_Px' is a list of string"),
        ({"Jet_E": [[1.0]]}, ValueError, r"no pt branch \(Jet_pt\) and no Px and Py.*'pt'"),
    ],
)
def test_leading_objects_bad_arrays(arrays, error, match):
    with pytest.raises(error, match=match):
        leading_objects(arrays, {"Jet": None}, 1)


def test_read_root_points_at_the_jagged_reader(jagged_root):
    with pytest.raises(ValueError, match=r"read_root_leading\(path, tree, collections=\{'Jet'"):
        read_root(jagged_root, "events", ["MET_px", "Jet_Px"])


# ---- real CMS tutorial ntuples (../shared/data) ----------------------------


CMS_FILES = {"single_top": 5684, "ww": 4580, "wz": 3367, "zz": 2421}


@pytest.fixture(scope="module")
def cms_tutorial(shared_data):
    path = shared_data / "cms_hep_tutorial"
    if not path.is_dir():
        pytest.skip(f"CMS tutorial ntuples not available: {path} does not exist")
    return path


def test_real_ww_two_leading_jets_agree_with_uproot(cms_tutorial):
    path = cms_tutorial / "ww.root"
    df = read_root_leading(
        path, "events", {"Jet": ["Px", "Py"]}, 2, branches=["NJet", "EventWeight"], counts=True
    )
    assert len(df) == CMS_FILES["ww"]
    assert list(df.columns) == [
        "NJet", "EventWeight", "n_Jet", "Jet1_Px", "Jet1_Py", "Jet2_Px", "Jet2_Py"
    ]  # fmt: skip
    np.testing.assert_array_equal(df["n_Jet"], df["NJet"])  # the counter, never read for it
    raw = uproot.open(path)["events"].arrays(["Jet_Px", "Jet_Py"], entry_stop=200, library="np")
    for event in range(200):
        px, py = raw["Jet_Px"][event], raw["Jet_Py"][event]
        order = np.argsort(-np.hypot(px, py), kind="stable")[:2]
        expected = np.zeros(4, dtype=np.float32)
        expected[: 2 * len(order)] = np.column_stack([px[order], py[order]]).ravel()
        np.testing.assert_array_equal(df.loc[event, df.columns[3:]].to_numpy(), expected)
    jet_pt = np.hypot(df["Jet1_Px"], df["Jet1_Py"])
    assert (jet_pt[df["n_Jet"] > 0] > 20).all() and (jet_pt[df["n_Jet"] == 0] == 0).all()
    assert (np.hypot(df["Jet2_Px"], df["Jet2_Py"]) <= jet_pt).all()


def test_real_files_chunks_and_counts(cms_tutorial):
    collections = {"Jet": ["Px", "Py"], "Muon": ["Px", "Py", "Pz"], "Electron": ["Px", "Py"]}
    n_leading = {"Jet": 2, "Muon": 1, "Electron": 1}
    for name, entries in CMS_FILES.items():
        path = cms_tutorial / f"{name}.root"
        kwargs = {"branches": ["MET_px", "MET_py", "NMuon"], "min_pt": 25.0, "counts": True}
        df = read_root_leading(path, "events", collections, n_leading, **kwargs)
        assert df.shape == (entries, 3 + 3 + 2 * 2 + 3 + 2)
        assert (df["n_Muon"] <= df["NMuon"]).all()
        muon_pt = np.hypot(df["Muon1_Px"], df["Muon1_Py"])
        assert ((muon_pt > 25) == (df["n_Muon"] > 0)).all()
        if name == "zz":  # the smallest file: chunks equal the whole read
            chunks = iterate_root_leading(
                path, "events", collections, n_leading, step_size=1000, **kwargs
            )
            pd.testing.assert_frame_equal(pd.concat(list(chunks)), df)
