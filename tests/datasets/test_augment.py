"""Symmetry augmentation of two-particle events: exact for the pair mass, seeded, checked input."""

import numpy as np
import pandas as pd
import pytest

from skhep_models.datasets import CMS_PAIR_COLUMNS, augment_pair_symmetries, make_dielectron
from skhep_models.features import LorentzInvariants


@pytest.fixture(scope="module")
def events():
    return make_dielectron(300, random_state=3)


def _invariants(X):
    li = LorentzInvariants(invariants=["pair_mass", "pair_pt"]).set_output(transform="pandas")
    return li.fit_transform(X.drop(columns=["Run", "Event", "M"]))


def test_pair_mass_and_pt_unchanged_by_every_copy(events):
    X, M = augment_pair_symmetries(events, events["M"], n_copies=4, random_state=0)
    assert len(X) == len(M) == 4 * len(events)
    inv = _invariants(X)
    np.testing.assert_allclose(inv["pair_mass"], M, rtol=1e-9)
    pair_pt = np.tile(_invariants(events)["pair_pt"], 4)
    np.testing.assert_allclose(inv["pair_pt"], pair_pt, rtol=1e-9)
    # the first copy is the original events
    pd.testing.assert_frame_equal(X.iloc[: len(events)], events.reset_index(drop=True))


def test_copies_differ_and_keep_single_particle_kinematics(events):
    X = augment_pair_symmetries(events, n_copies=2, random_state=0)
    copy = X.iloc[len(events):].reset_index(drop=True)
    assert not np.allclose(copy["px1"], events["px1"])  # rotated
    # phi follows the rotated momentum and stays in (-pi, pi]
    np.testing.assert_allclose(np.cos(copy["phi1"]), copy["px1"] / copy["pt1"], atol=1e-7)
    assert copy["phi1"].between(-np.pi, np.pi).all()
    # per event the energies (up to the exchange) and the charge product are kept
    e_sets = np.sort(copy[["E1", "E2"]].to_numpy(), 1)
    np.testing.assert_allclose(e_sets, np.sort(events[["E1", "E2"]].to_numpy(), 1))
    np.testing.assert_array_equal(copy["Q1"] * copy["Q2"], events["Q1"] * events["Q2"])
    # each of reflection, exchange and conjugation hits about half of the events
    # (a reflection negates both pz: their product keeps its sign)
    np.testing.assert_array_equal(np.sign(copy["pz1"] * copy["pz2"]),
                                  np.sign(events["pz1"] * events["pz2"]))  # fmt: skip
    swapped = copy["E1"].to_numpy() != events["E1"].to_numpy()
    assert 0.35 < swapped.mean() < 0.65
    assert copy.dtypes.equals(events.dtypes)
    assert (copy["Run"].to_numpy() == events["Run"].to_numpy()).all()


def test_switching_transformations_off(events):
    same = augment_pair_symmetries(
        events, n_copies=3, rotate=False, reflect=False, swap=False, conjugate=False
    )
    np.testing.assert_array_equal(same.to_numpy(), np.tile(events.to_numpy(), (3, 1)))
    only_reflect = augment_pair_symmetries(
        events, n_copies=2, rotate=False, swap=False, conjugate=False, random_state=0
    ).iloc[len(events):]
    flipped = np.sign(only_reflect["pz1"].to_numpy()) != np.sign(events["pz1"].to_numpy())
    assert 0.35 < flipped.mean() < 0.65
    np.testing.assert_array_equal(
        np.abs(only_reflect["eta2"].to_numpy()), np.abs(events["eta2"].to_numpy())
    )


def test_seeded(events):
    a = augment_pair_symmetries(events, n_copies=3, random_state=7)
    b = augment_pair_symmetries(events, n_copies=3, random_state=7)
    c = augment_pair_symmetries(events, n_copies=3, random_state=8)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_custom_particle_columns():
    df = pd.DataFrame({"a_px": [1.0], "a_py": [0.0], "b_px": [0.0], "b_py": [2.0], "w": [5.0]})
    parts = ({"px": "a_px", "py": "a_py"}, {"px": "b_px", "py": "b_py"})
    out = augment_pair_symmetries(df, n_copies=2, particles=parts, reflect=False,
                                  conjugate=False, random_state=0)  # fmt: skip
    row = out.iloc[1]
    assert row["w"] == 5.0
    # the rotation keeps both lengths and the angle between the two momenta
    lengths = sorted([np.hypot(row["a_px"], row["a_py"]), np.hypot(row["b_px"], row["b_py"])])
    np.testing.assert_allclose(lengths, [1.0, 2.0])
    np.testing.assert_allclose(row["a_px"] * row["b_px"] + row["a_py"] * row["b_py"], 0, atol=1e-12)


def test_bad_input(events):
    with pytest.raises(TypeError, match="DataFrame"):
        augment_pair_symmetries(events.to_numpy())
    with pytest.raises(ValueError, match="n_copies"):
        augment_pair_symmetries(events, n_copies=0)
    with pytest.raises(ValueError, match=r"\['px1'\].*not in X"):
        augment_pair_symmetries(events.drop(columns="px1"))
    with pytest.raises(ValueError, match="y has 2 entries"):
        augment_pair_symmetries(events, [1.0, 2.0])
    with pytest.raises(ValueError, match="unknown role"):
        augment_pair_symmetries(events, particles=({"p": "px1"}, {"p": "px2"}))
    with pytest.raises(ValueError, match="same roles"):
        augment_pair_symmetries(events, particles=({"px": "px1"}, {"py": "py2"}))
    no_charge = tuple({k: v for k, v in p.items() if k != "Q"} for p in CMS_PAIR_COLUMNS)
    with pytest.raises(ValueError, match="conjugate=True needs"):
        augment_pair_symmetries(events, particles=no_charge)
    assert len(augment_pair_symmetries(events, particles=no_charge, conjugate=False)) == 3000


def test_boost_keeps_masses_and_spreads_the_pair_pt(events):
    X, M = augment_pair_symmetries(events, events["M"], n_copies=3, boost=2.0, random_state=0)
    inv = _invariants(X)
    np.testing.assert_allclose(inv["pair_mass"], M, rtol=1e-9)
    copies = X.iloc[len(events):]
    # each lepton keeps its mass E^2 - p^2 (to the rounding of E^2 ~ 1e4 GeV^2)
    for i in "12":
        def m2(d):
            return d[f"E{i}"] ** 2 - d[f"px{i}"] ** 2 - d[f"py{i}"] ** 2 - d[f"pz{i}"] ** 2

        tol = 1e-6 * copies[f"E{i}"].max() ** 2
        np.testing.assert_allclose(m2(copies), np.tile(m2(events), 2), atol=tol)
        np.testing.assert_allclose(copies[f"pt{i}"], np.hypot(copies[f"px{i}"], copies[f"py{i}"]))
        np.testing.assert_allclose(copies[f"pz{i}"] / copies[f"pt{i}"], np.sinh(copies[f"eta{i}"]))
    pt = inv["pair_pt"].to_numpy()
    assert np.median(pt[len(events):]) > 2 * np.median(pt[: len(events)])


def test_boost_needs_energies_and_a_valid_rapidity(events):
    with pytest.raises(ValueError, match="boost must be"):
        augment_pair_symmetries(events, boost=-1.0)
    no_energy = tuple({k: v for k, v in p.items() if k != "E"} for p in CMS_PAIR_COLUMNS)
    with pytest.raises(ValueError, match="boost > 0 needs"):
        augment_pair_symmetries(events, particles=no_energy, boost=1.0)


def _assert_consistent(X, events, n_copies, rtol=1e-9):
    """Every copy's particles: pt, phi, eta follow px, py, pz (phi in (-pi, pi]); each keeps
    its mass (up to the exchange) and the pair its mass, computed here from E and p."""
    col = {c: X[c].to_numpy(np.float64) for c in X.columns}
    ref = {c: np.tile(events[c].to_numpy(np.float64), n_copies) for c in events.columns}
    p_max = max(np.abs(col[c]).max() for c in ("E1", "E2"))
    m2 = []
    for i in "12":
        px, py, pz, pt, E = (col[f"{r}{i}"] for r in ("px", "py", "pz", "pt", "E"))
        phi, eta = col[f"phi{i}"], col[f"eta{i}"]
        np.testing.assert_allclose(pt, np.hypot(px, py), rtol=rtol)
        np.testing.assert_allclose(np.cos(phi) * pt, px, atol=rtol * p_max)
        np.testing.assert_allclose(np.sin(phi) * pt, py, atol=rtol * p_max)
        assert ((phi > -np.pi) & (phi <= np.pi)).all()
        np.testing.assert_allclose(np.sinh(eta) * pt, pz, atol=rtol * p_max)
        m2.append(E**2 - px**2 - py**2 - pz**2)
    m2_ref = [ref[f"E{i}"] ** 2 - sum(ref[f"p{c}{i}"] ** 2 for c in "xyz") for i in "12"]
    # each particle's mass^2, to the rounding of E^2
    np.testing.assert_allclose(np.sort(m2, 0), np.sort(m2_ref, 0), atol=10 * rtol * p_max**2)
    # the pair's mass^2, to the rounding of its E^2
    pair = [col["E1"] + col["E2"], *(col[f"p{c}1"] + col[f"p{c}2"] for c in "xyz")]
    mass2 = pair[0] ** 2 - pair[1] ** 2 - pair[2] ** 2 - pair[3] ** 2
    assert (np.abs(mass2 - ref["M"] ** 2) <= 10 * rtol * pair[0] ** 2).all()


@pytest.mark.parametrize("boost", [0.0, 1.0])
def test_every_column_of_every_copy_is_a_consistent_event(events, boost):
    X = augment_pair_symmetries(events, n_copies=4, boost=boost, random_state=2)
    _assert_consistent(X, events, 4)


def test_float32_columns_stay_float32_and_consistent(events):
    floats = [c for c in events.columns if events[c].dtype == np.float64 and c != "M"]
    single = events.astype(dict.fromkeys(floats, np.float32))
    X = augment_pair_symmetries(single, n_copies=3, boost=0.5, random_state=0)
    assert X.dtypes.equals(single.dtypes)
    _assert_consistent(X, single, 3, rtol=2e-5)


def test_positions_not_index_labels_pair_x_and_y(events):
    # X with another index, y a Series with yet another: rows are paired by position
    X = events.set_index(np.arange(len(events))[::-1] * 3 + 1000)
    y = pd.Series(events["M"].to_numpy(), index=np.arange(len(events)) + 7)
    X_aug, y_aug = augment_pair_symmetries(X, y, n_copies=3, random_state=0)
    assert isinstance(X_aug.index, pd.RangeIndex) and isinstance(y_aug, np.ndarray)
    np.testing.assert_array_equal(y_aug, X_aug["M"].to_numpy())
    # 2-D targets: rows repeated, columns kept
    Y = events[["M", "Run"]]
    _, Y_aug = augment_pair_symmetries(events, Y, n_copies=3, random_state=0)
    assert Y_aug.shape == (3 * len(events), 2)
    np.testing.assert_array_equal(Y_aug, np.tile(Y.to_numpy(), (3, 1)))


def test_columns_that_cannot_follow_a_transformation_are_refused(events):
    lone_px = tuple({k: v for k, v in p.items() if k != "py"} for p in CMS_PAIR_COLUMNS)
    with pytest.raises(ValueError, match="both px and py"):
        augment_pair_symmetries(events, particles=lone_px)
    # without rotation nothing moves px: the copies stay consistent
    assert len(augment_pair_symmetries(events, particles=lone_px, rotate=False)) == 3000
    no_pz = tuple({k: v for k, v in p.items() if k != "pz"} for p in CMS_PAIR_COLUMNS)
    with pytest.raises(ValueError, match="recomputes eta from pz"):
        augment_pair_symmetries(events, particles=no_pz, boost=1.0, n_copies=1)
    for bad in (np.inf, np.nan, None, "1", True):
        with pytest.raises(ValueError, match="boost must be a finite rapidity"):
            augment_pair_symmetries(events, boost=bad)
