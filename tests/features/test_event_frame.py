"""EventFrame: MET-relative azimuths and mass terms, the exact inverse, consistency repairs."""

import numpy as np
import pandas as pd
import pytest

from skhep_models.features import EventFrame


def _events(n=200, seed=0):
    rng = np.random.default_rng(seed)
    n_jet = rng.integers(0, 4, n)
    table = {"MET": rng.exponential(200, n) + 100, "METphi": rng.uniform(-np.pi, np.pi, n)}
    table["n_jet"] = n_jet
    pts = -np.sort(-rng.exponential(80, (n, 2)) - 20, axis=1)
    for k in (1, 2):
        present = n_jet >= k
        pt, eta = pts[:, k - 1], rng.normal(0, 1.5, n)
        mass = rng.uniform(0, 20, n)
        energy = np.sqrt((pt * np.cosh(eta)) ** 2 + mass**2)
        for field, v in zip(("E", "pt", "eta", "phi"), (energy, pt, eta, rng.uniform(-np.pi, np.pi, n))):
            table[f"jet{k}_{field}"] = np.where(present, v, 0.0)
    return pd.DataFrame(table)


def test_transform_is_relative_and_inverse_is_exact():
    X = _events()
    frame = EventFrame().fit(X)
    assert frame.groups_ == {"jet": 2}
    out = frame.transform(X)
    present = X["jet1_pt"] > 0
    dphi = out.loc[present, "jet1_phi"]
    assert ((dphi >= -np.pi) & (dphi < np.pi)).all()
    np.testing.assert_allclose(
        np.cos(dphi), np.cos(X.loc[present, "jet1_phi"] - X.loc[present, "METphi"]), atol=1e-12
    )
    assert (out.loc[present, "jet1_E"] >= 0).all() and (out.loc[~present, "jet1_E"] == 0).all()
    # a rotation of the whole event about the beam changes only METphi
    turned = X.copy()
    for c in ("METphi", "jet1_phi", "jet2_phi"):
        turned[c] = np.where((turned[c] != 0) | (c == "METphi"), (turned[c] + 1.3 + np.pi) % (2 * np.pi) - np.pi, 0)
    pd.testing.assert_frame_equal(
        frame.transform(turned).drop(columns="METphi"), out.drop(columns="METphi"), atol=1e-9
    )
    back = frame.inverse_transform(out)
    pd.testing.assert_frame_equal(back, X, atol=1e-9, check_dtype=False)
    assert list(frame.get_feature_names_out()) == list(X.columns)


def test_inverse_repairs_generated_rows():
    X = _events(5)
    frame = EventFrame().fit(X)
    rows = frame.transform(X).iloc[:3].copy()
    # row 0: slots out of pT order; row 1: count 1 but two jets; row 2: count 2 but one jet
    rows.iloc[0, :] = 0
    rows.loc[rows.index[0], ["MET", "n_jet", "jet1_pt", "jet2_pt", "jet1_eta", "jet2_eta"]] = [200, 2, 30, 90, 0.5, -1]
    rows.loc[rows.index[1], ["n_jet", "jet1_pt", "jet2_pt"]] = [1, 80, 40]
    rows.loc[rows.index[2], ["n_jet", "jet1_pt", "jet2_pt"]] = [2, 80, 0]
    back = frame.inverse_transform(rows)
    assert back["jet1_pt"].iloc[0] == 90 and back["jet2_pt"].iloc[0] == 30
    assert back["jet1_eta"].iloc[0] == -1
    assert back["n_jet"].iloc[1] == 1 and (back.iloc[1][["jet2_E", "jet2_pt", "jet2_eta", "jet2_phi"]] == 0).all()
    assert back["n_jet"].iloc[2] == 1
    # E >= pT cosh(eta) for every generated object
    present = back["jet1_pt"] > 0
    assert (back.loc[present, "jet1_E"] >= back.loc[present, "jet1_pt"] * np.cosh(back.loc[present, "jet1_eta"]) - 1e-9).all()


def test_positions_for_unnamed_arrays():
    X = _events(50)
    cols = list(X.columns)
    slot = lambda k: tuple(cols.index(f"jet{k}_{f}") for f in ("E", "pt", "eta", "phi"))  # noqa: E731
    frame = EventFrame(met_phi=1, objects={"jet": [slot(1), slot(2)]}, counts={"jet": 2})
    out = frame.fit_transform(X.to_numpy())
    np.testing.assert_allclose(out, EventFrame().fit_transform(X).to_numpy())
    np.testing.assert_allclose(frame.inverse_transform(out), X.to_numpy(), atol=1e-9)


def test_errors_name_the_problem():
    X = _events(20)
    with pytest.raises(ValueError, match="no object columns named"):
        EventFrame().fit(X[["MET", "METphi"]])
    with pytest.raises(ValueError, match=r"lack the columns \['jet2_eta'\]"):
        EventFrame().fit(X.drop(columns="jet2_eta"))
    with pytest.raises(ValueError, match="met_phi names 'METphi', which is not a column"):
        EventFrame().fit(X.drop(columns="METphi"))
    with pytest.raises(ValueError, match=r"must list the \(E, pt, eta, phi\) columns"):
        EventFrame(objects={"jet": [("jet1_E", "jet1_pt")]}).fit(X)
    with pytest.raises(ValueError, match="counts names groups"):
        EventFrame(counts={"muon": "n_jet"}).fit(X)


def test_inverse_is_the_same_for_any_column_layout_and_keeps_float32():
    X = _events(300, seed=3)
    frame = EventFrame().fit(X)
    rows = frame.transform(X).to_numpy().copy()
    rng = np.random.default_rng(1)
    rows[:, 4:] = rows[rng.permutation(len(rows))][:, 4:]  # slots out of order, counts off
    rows[rng.random(rows.shape) < 0.1] = 0.0
    expected = frame.inverse_transform(pd.DataFrame(rows, columns=X.columns))
    # a shuffled column order takes the gather path instead of views into the table
    order = rng.permutation(X.shape[1])
    shuffled = EventFrame().fit(X.iloc[:, order])
    back = shuffled.inverse_transform(pd.DataFrame(rows[:, order], columns=X.columns[order]))
    pd.testing.assert_frame_equal(back[X.columns], expected, atol=1e-9)
    single = frame.inverse_transform(rows.astype(np.float32))
    assert single.dtype == np.float32
    np.testing.assert_allclose(single, expected.to_numpy(), rtol=1e-5, atol=1e-3)


def test_padding_mask_marks_the_slots_beyond_the_count():
    X = _events(100)
    frame = EventFrame().fit(X)
    mask = frame.padding_mask(frame.transform(X))
    cols = list(X.columns)
    for k in (1, 2):
        for f in ("E", "pt", "eta", "phi"):
            np.testing.assert_array_equal(mask[:, cols.index(f"jet{k}_{f}")], X["n_jet"].to_numpy() < k)
    assert not mask[:, [cols.index(c) for c in ("MET", "METphi", "n_jet")]].any()
    # without a count column, presence is read from pT: nothing is marked
    no_count = EventFrame(counts={}).fit(X)
    assert not no_count.padding_mask(X).any()
