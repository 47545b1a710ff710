"""Tests for read_darkmachines and iterate_darkmachines (the DarkMachines LHC event format)."""

import io
import re

import numpy as np
import pandas as pd
import pytest

from skhep_models.io import iterate_darkmachines, read_darkmachines

# Hand-made events (MeV): jets and b-jets interleaved as in the challenge files, leptons
# listed by type (not by pT), a pT tie between two muons, an event without objects.
LINES = [
    "1;ttbar;0.25;52000;0.3;j,150000,120000,0.5,1.2;b,80000,70000,-0.7,2.5;"
    "j,90000,85000,1.1,-2.0;j,40000,30000,-2.0,0.4;e+,30000,20000,0.1,0.2;"
    "m-,60000,45000,-0.3,-0.4;m+,50000,45000,1.3,1.4;g,70000,65000,0.9,-1.5;",
    "2;ttbar;-0.5;21000;-1.0;b,90000,40000,1.5,0.1;b,95000,90000,-1.5,-0.1;"
    "e-,25000,24000,2.0,3.0;",
    "3;ttbar;0.125;9000;2.0;",
]
GEV = 1e-3


@pytest.fixture
def events_file(tmp_path):
    path = tmp_path / "events.csv"
    path.write_text("\n".join(LINES) + "\n")
    return path


def _write(tmp_path, lines, name="bad.csv"):
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n")
    return path


# ---- contents ---------------------------------------------------------------


def test_columns_in_order(events_file):
    df = read_darkmachines(events_file, {"bjet": 1, "jet": 2, "lepton": 1, "photon": 1})
    fields = ["E", "pt", "eta", "phi"]
    assert list(df.columns) == [
        "event_id", "process", "weight", "MET", "METphi",
        "n_bjet", *[f"bjet1_{f}" for f in fields],
        "n_jet", *[f"jet{r}_{f}" for r in (1, 2) for f in fields],
        "n_lepton", *[f"lepton1_{f}" for f in fields], "lepton1_pdg",
        "n_photon", *[f"photon1_{f}" for f in fields],
    ]  # fmt: skip
    assert isinstance(df.index, pd.RangeIndex) and df.index.tolist() == [0, 1, 2]


def test_energies_in_gev_angles_and_weights_kept(events_file):
    df = read_darkmachines(events_file)
    assert df["event_id"].tolist() == [1, 2, 3] and df["event_id"].dtype == np.int64
    assert df["process"].tolist() == ["ttbar"] * 3
    np.testing.assert_array_equal(df["weight"], [0.25, -0.5, 0.125])  # negative weights too
    np.testing.assert_allclose(df["MET"], [52.0, 21.0, 9.0])
    np.testing.assert_array_equal(df["METphi"], [0.3, -1.0, 2.0])
    first = df.loc[0]
    np.testing.assert_allclose(
        first[["jet1_E", "jet1_pt", "jet1_eta", "jet1_phi"]].to_numpy(dtype=float),
        [150000 * GEV, 120000 * GEV, 0.5, 1.2],
    )
    np.testing.assert_allclose(first[["photon1_E", "photon1_pt"]].to_numpy(dtype=float), [70, 65])


def test_counts_count_every_object_and_missing_ones_are_zero(events_file):
    df = read_darkmachines(events_file, {"bjet": 1, "jet": 2, "lepton": 2, "photon": 1})
    assert df["n_jet"].tolist() == [3, 0, 0]  # 3 jets in event 1 though 2 are kept
    assert df["n_bjet"].tolist() == [1, 2, 0]
    assert df["n_lepton"].tolist() == [3, 1, 0]
    assert df["n_photon"].tolist() == [1, 0, 0]
    assert all(df[f"n_{g}"].dtype == np.int64 for g in ("bjet", "jet", "lepton", "photon"))
    object_columns = [c for c in df.columns if re.fullmatch(r"[a-z]+\d_[a-zA-Z]+", c)]
    assert len(object_columns) == 4 * 6 + 2  # 6 objects, 2 lepton pdg columns
    assert (df.loc[2, object_columns] == 0).all()  # the event without objects
    assert (df.loc[1, [c for c in object_columns if c.startswith("jet")]] == 0).all()
    assert df.loc[1, "lepton2_pdg"] == 0 and df.loc[1, "lepton2_pt"] == 0


def test_groups_resorted_by_pt_with_pdg_codes(events_file):
    df = read_darkmachines(events_file, {"bjet": 2, "jet": 3, "lepton": 3})
    # Jets and b-jets are separate groups, each by decreasing pT.
    np.testing.assert_allclose(df.loc[0, ["jet1_pt", "jet2_pt", "jet3_pt"]].astype(float),
                               [120, 85, 30])  # fmt: skip
    np.testing.assert_allclose(df.loc[1, ["bjet1_pt", "bjet2_pt"]].astype(float), [90, 40])
    np.testing.assert_allclose(df.loc[1, ["bjet1_eta", "bjet2_eta"]].astype(float), [-1.5, 1.5])
    # Leptons merged across flavours: m- and m+ tie at 45 GeV and keep the file order.
    pts = df.loc[0, ["lepton1_pt", "lepton2_pt", "lepton3_pt"]].astype(float)
    np.testing.assert_allclose(pts, [45, 45, 20])
    assert df.loc[0, ["lepton1_pdg", "lepton2_pdg", "lepton3_pdg"]].tolist() == [13, -13, -11]
    np.testing.assert_allclose(df.loc[0, ["lepton1_eta", "lepton2_eta"]].astype(float),
                               [-0.3, 1.3])  # fmt: skip
    assert df.loc[1, ["lepton1_pdg", "lepton2_pdg"]].tolist() == [11, 0]
    assert df["lepton1_pdg"].dtype == np.int64


def test_max_objects_dict_int_and_zero(events_file):
    partial = read_darkmachines(events_file, {"jet": 1})  # the other groups keep the defaults
    assert "jet1_pt" in partial and "jet2_pt" not in partial and "bjet2_pt" in partial
    assert "lepton2_pdg" in partial and "photon1_pt" in partial and "photon2_pt" not in partial
    one = read_darkmachines(events_file, 1)
    assert [c for c in one.columns if c.endswith("_pt")] == [
        "bjet1_pt", "jet1_pt", "lepton1_pt", "photon1_pt"
    ]  # fmt: skip
    counts_only = read_darkmachines(events_file, {"lepton": 0, "photon": 0})
    assert not any(c.startswith(("lepton", "photon")) for c in counts_only.columns)
    assert counts_only["n_lepton"].tolist() == [3, 1, 0]
    assert counts_only.columns[-2:].tolist() == ["n_lepton", "n_photon"]
    none = read_darkmachines(events_file, 0, keep_process=False)
    assert list(none.columns) == [
        "event_id", "weight", "MET", "METphi", "n_bjet", "n_jet", "n_lepton", "n_photon"
    ]  # fmt: skip


def test_numeric_only_and_float32(events_file):
    df = read_darkmachines(events_file, keep_process=False, dtype="float32")
    assert "process" not in df
    assert all(pd.api.types.is_numeric_dtype(t) for t in df.dtypes)
    floats = df.select_dtypes("floating")
    assert set(floats.dtypes) == {np.dtype(np.float32)}
    assert "weight" in floats and "MET" in floats and "jet1_pt" in floats
    np.testing.assert_allclose(df["jet1_pt"], np.float32([120, 0, 0]))


def test_n_events_reads_the_first_events(events_file):
    df = read_darkmachines(events_file, n_events=2)
    assert df["event_id"].tolist() == [1, 2]


def test_tolerated_layouts(tmp_path):
    # No trailing ';', CRLF endings, blank lines, no final newline: all the same events.
    text = "\r\n".join([LINES[0].rstrip(";"), "", LINES[1], "   ", LINES[2].rstrip(";")])
    path = tmp_path / "loose.csv"
    path.write_bytes(text.encode())
    expected = read_darkmachines(_write(tmp_path, LINES, "clean.csv"))
    pd.testing.assert_frame_equal(read_darkmachines(path), expected)


def test_open_text_and_binary_files(events_file):
    expected = read_darkmachines(events_file)
    text = events_file.read_text()
    pd.testing.assert_frame_equal(read_darkmachines(io.StringIO(text)), expected)
    buffer = io.BytesIO(text.encode())
    pd.testing.assert_frame_equal(read_darkmachines(buffer), expected)
    assert not buffer.closed  # the caller's file stays open


def test_empty_file_gives_empty_frame_with_columns(tmp_path, events_file):
    path = tmp_path / "empty.csv"
    path.write_text("")
    df = read_darkmachines(path)
    assert len(df) == 0
    assert list(df.columns) == list(read_darkmachines(events_file).columns)
    assert df["n_jet"].dtype == np.int64 and df["jet1_pt"].dtype == np.float64


# ---- chunks -------------------------------------------------------------------


@pytest.mark.parametrize("step_size", [1, 2, 3, 10])
def test_iterate_chunks_concat_to_the_whole_file(events_file, step_size):
    chunks = list(iterate_darkmachines(events_file, {"lepton": 3}, step_size=step_size))
    assert [len(c) for c in chunks] == [min(step_size, 3 - s) for s in range(0, 3, step_size)]
    pd.testing.assert_frame_equal(
        pd.concat(chunks), read_darkmachines(events_file, {"lepton": 3})
    )


def test_iterate_checks_arguments_at_the_call(tmp_path, events_file):
    with pytest.raises(FileNotFoundError, match="gone.csv"):
        iterate_darkmachines(tmp_path / "gone.csv")
    with pytest.raises(ValueError, match="step_size must be a positive integer, got 0"):
        iterate_darkmachines(events_file, step_size=0)
    with pytest.raises(ValueError, match="not object groups"):
        iterate_darkmachines(events_file, {"jets": 2})


def test_iterate_names_the_line_of_an_error_in_a_later_chunk(tmp_path):
    good = LINES[2]
    path = _write(tmp_path, [good] * 4 + ["", "4;ttbar;1;2;3;j,1,2,3;"])
    chunks = iterate_darkmachines(path, step_size=2)
    assert len(next(chunks)) == 2 and len(next(chunks)) == 2
    with pytest.raises(ValueError, match=r"bad\.csv', line 6: object 1 'j,1,2,3' has 4"):
        next(chunks)


# ---- errors -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "message"),
    [
        ("4;ttbar;1;2", "4 ';'-separated fields, but an event starts with 5: event id; process; "
                        "weight; MET; METphi; then objects type,E,pt,eta,phi"),
        (";".join(["j,1,2,3,4"] * 5), "event id 'j,1,2,3,4' is not an integer (an event starts"
                                      " with event id; process; weight; MET; METphi; then"),
        ("4.5;ttbar;1;2;3;", "event id '4.5' is not an integer"),
        ("4;ttbar;heavy;2;3;", "weight 'heavy' is not a number"),
        ("4;ttbar;1;;3;", "MET '' is not a number"),
        ("4;ttbar;1;2;x;", "METphi 'x' is not a number"),
        ("4;ttbar;1;2;3;j,1,2,3,4;j,1,2,3;", "object 2 'j,1,2,3' has 4 ','-separated fields"),
        ("4;ttbar;1;2;3;j,1,2,3,4,5;", "object 1 'j,1,2,3,4,5' has 6 ','-separated fields"),
        ("4;ttbar;1;2;3;j,1,2,3,4;;", "object 2 '' has 1 ','-separated fields, expected 5"),
        ("4;ttbar;1;2;3;mu,1,2,3,4;", "object 1 'mu,1,2,3,4' has unknown type 'mu'; the types"),
        ("4;ttbar;1;2;3;e-,1,two,3,4;", "object 1 'e-,1,two,3,4': pt 'two' is not a number"),
        # Fields of two objects that add up to ten but are split 6 + 4.
        ("4;ttbar;1;2;3;j,1,2,3,4,j;1,2,3,4;", "object 1 'j,1,2,3,4,j' has 6"),
    ],
)
def test_malformed_line_named_with_file_and_line_number(tmp_path, line, message):
    path = _write(tmp_path, [LINES[0], "", LINES[1], line, LINES[2]])
    with pytest.raises(ValueError, match=re.escape(f"{str(path)!r}, line 4: {message}")):
        read_darkmachines(path)


def test_unknown_type_message_lists_the_types(tmp_path):
    path = _write(tmp_path, ["4;ttbar;1;2;3;tau,1,2,3,4;"])
    with pytest.raises(ValueError, match=r"\['b', 'j', 'e-', 'e\+', 'm-', 'm\+', 'g'\]"):
        read_darkmachines(path)


def test_missing_file_named(tmp_path):
    with pytest.raises(FileNotFoundError, match="absent.csv"):
        read_darkmachines(tmp_path / "absent.csv")


@pytest.mark.parametrize(
    ("max_objects", "error", "message"),
    [
        ({"jets": 2}, ValueError, r"keys \['jets'\], which are not object groups; the groups "
                                  r"are 'bjet' \(type b\), 'jet' \(j\), 'lepton'"),
        ({"j": 2, "jet": 1}, ValueError, r"keys \['j'\]"),
        ({"jet": -1}, ValueError, r"max_objects\['jet'\] must be a non-negative integer"),
        ({"lepton": 1.5}, ValueError, r"max_objects\['lepton'\] must be a non-negative"),
        ({"photon": True}, ValueError, r"max_objects\['photon'\] must be a non-negative"),
        (-2, ValueError, r"max_objects must be a non-negative integer \(0 keeps only the count "
                         r"columns n_<group>\), got -2"),
        ("jet", TypeError, "max_objects must be an int or a dict of object group to int"),
        ([4, 2], TypeError, "max_objects must be an int or a dict"),
    ],
)  # fmt: skip
def test_bad_max_objects_rejected(events_file, max_objects, error, message):
    with pytest.raises(error, match=message):
        read_darkmachines(events_file, max_objects)


def test_bad_other_arguments_rejected(events_file):
    with pytest.raises(ValueError, match="dtype must be a floating-point type .* got 'int32'"):
        read_darkmachines(events_file, dtype="int32")
    with pytest.raises(ValueError, match="dtype must be a floating-point type .* got 'floaty'"):
        read_darkmachines(events_file, dtype="floaty")
    with pytest.raises(TypeError, match="keep_process must be True or False"):
        read_darkmachines(events_file, keep_process="yes")
    with pytest.raises(ValueError, match="n_events must be a positive integer"):
        read_darkmachines(events_file, n_events=0)


# ---- the real monojet signal sample (../shared/data) --------------------------

MONOJET = "monojet_Zp2000.0_DM_50.0_chan3.csv"
GROUP_OF = {"b": "bjet", "j": "jet", "e-": "lepton", "e+": "lepton", "m-": "lepton",
            "m+": "lepton", "g": "photon"}  # fmt: skip
PDG = {"e-": 11, "e+": -11, "m-": 13, "m+": -13}


@pytest.fixture(scope="module")
def monojet(shared_data):
    path = shared_data / "darkmachines" / MONOJET
    if not path.is_file():
        pytest.skip(f"DarkMachines sample not available: {path} does not exist")
    return path


def _reference_row(line, max_objects):
    """One event in plain Python: the expected values of every column after the header."""
    fields = line.rstrip().rstrip(";").split(";")
    groups = {group: [] for group in max_objects}
    for obj in fields[5:]:
        kind, e, pt, eta, phi = obj.split(",")
        values = [float(e) / 1000, float(pt) / 1000, float(eta), float(phi)]
        groups[GROUP_OF[kind]].append(values + ([PDG[kind]] if kind in PDG else []))
    row = {}
    for group, n in max_objects.items():
        objects = sorted(groups[group], key=lambda o: -o[1])  # stable: ties keep file order
        row[f"n_{group}"] = len(objects)
        width = 5 if group == "lepton" else 4
        for rank in range(n):
            row[group, rank] = objects[rank] if rank < len(objects) else [0.0] * width
    return fields, row


def test_real_monojet_matches_a_plain_python_parse(monojet):
    max_objects = {"bjet": 2, "jet": 4, "lepton": 2, "photon": 1}
    df = read_darkmachines(monojet)  # the defaults
    lines = monojet.read_text().splitlines()
    assert len(df) == len(lines) == 6399
    assert len(df.columns) == 5 + 4 + 4 * 2 + 4 * 4 + 5 * 2 + 4 * 1
    for i, line in enumerate(lines):
        fields, row = _reference_row(line, max_objects)
        assert df.at[i, "event_id"] == int(fields[0]) and df.at[i, "process"] == fields[1]
        assert df.at[i, "weight"] == float(fields[2])
        assert df.at[i, "MET"] == float(fields[3]) / 1000
        for group, n in max_objects.items():
            assert df.at[i, f"n_{group}"] == row[f"n_{group}"]
            names = ["E", "pt", "eta", "phi"] + (["pdg"] if group == "lepton" else [])
            for rank in range(n):
                got = [df.at[i, f"{group}{rank + 1}_{name}"] for name in names]
                np.testing.assert_array_equal(got, row[group, rank])


def test_real_monojet_physics_ranges(monojet):
    df = read_darkmachines(monojet, keep_process=False)
    assert "process" not in df
    # GeV, not MeV: the channel's MET cut is above 100 GeV; nothing near a TeV * 1000.
    assert df["MET"].between(100, 5000).all()
    assert (df["jet1_pt"] >= df["jet2_pt"]).all() and (df["jet2_pt"] >= df["jet3_pt"]).all()
    assert df["jet1_pt"].max() < 5000 and (df.loc[df["n_jet"] == 0, "jet1_pt"] == 0).all()
    assert df["METphi"].abs().max() <= np.pi + 1e-6
    np.testing.assert_array_equal(df["weight"], 2.44336e-05)
    assert df["n_lepton"].sum() == 2 and set(df["lepton1_pdg"]) == {0, 11, -11}
    first = df.loc[0]  # 354;...;832841;-1.22431;b,947383,824498,-0.523103,1.64421;j,258722,...
    assert first["event_id"] == 354 and first["MET"] == pytest.approx(832.841)
    assert first["bjet1_pt"] == pytest.approx(824.498)
    assert first["jet1_pt"] == pytest.approx(243.675)
    assert (first["n_bjet"], first["n_jet"]) == (1, 5)


def test_real_monojet_in_chunks(monojet):
    whole = read_darkmachines(monojet, dtype="float32")
    chunks = list(iterate_darkmachines(monojet, step_size=2500, dtype="float32"))
    assert [len(c) for c in chunks] == [2500, 2500, 1399]
    pd.testing.assert_frame_equal(pd.concat(chunks), whole)
