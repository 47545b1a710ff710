"""LorentzInvariants: physics values, numerics, symmetries, sklearn integration and bad input."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.base import clone
from sklearn.linear_model import LinearRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import MinMaxScaler

from skhep_models.datasets import DIELECTRON_FEATURES, make_dielectron
from skhep_models.features import INVARIANTS, LorentzInvariants

M_E = 0.000511
CARTESIAN = ["E1", "px1", "py1", "pz1", "E2", "px2", "py2", "pz2"]


@pytest.fixture(scope="module")
def events():
    return make_dielectron(2000, random_state=0)


@pytest.fixture(scope="module")
def X(events):
    return events[DIELECTRON_FEATURES]


def _invariants(X, **params):
    """The appended columns as a DataFrame (input columns dropped)."""
    out = LorentzInvariants(**params).set_output(transform="pandas").fit_transform(X)
    return out.iloc[:, X.shape[1] :]


def _frame(p1, p2):
    """Cartesian DataFrame with the CMS column names from two (4, n) arrays of (E, px, py, pz)."""
    return pd.DataFrame(np.vstack([p1, p2]).T, columns=CARTESIAN)


def _boost_z(p, y):
    """Boost four-vectors (4, n) along z by rapidity y."""
    e, px, py, pz = p
    return np.stack([e * np.cosh(y) + pz * np.sinh(y), px, py, e * np.sinh(y) + pz * np.cosh(y)])


def _boost_x(p, xi):
    e, px, py, pz = p
    c, s = np.cosh(xi), np.sinh(xi)
    return np.stack([e * c + px * s, e * s + px * c, py, pz])


def _rotate_phi(p, angle):
    e, px, py, pz = p
    c, s = np.cos(angle), np.sin(angle)
    return np.stack([e, c * px - s * py, s * px + c * py, pz])


# ---- the dielectron sample ---------------------------------------------------------------


@pytest.mark.parametrize("representation", ["cartesian", "ptetaphi"])
def test_pair_mass_reproduces_the_M_column(X, events, representation):
    # make_dielectron computes M from massless four-vectors built from (pt, eta, phi): both
    # representations describe exactly these vectors, so only rounding differs.
    out = _invariants(X, representation=representation)
    np.testing.assert_allclose(out["pair_mass"], events["M"], rtol=1e-9)
    np.testing.assert_allclose(out["pair_mass2"], events["M"] ** 2, rtol=1e-9)
    np.testing.assert_allclose(out["p1_dot_p2"], events["M"] ** 2 / 2, rtol=1e-9)


def test_electron_mass_hypothesis_raises_the_mass_by_its_first_order_shift(X, events):
    # Same three-momenta, energies sqrt(p^2 + m^2) instead of |p|. To first order in m^2:
    # M^2 - M0^2 = 2 m^2 + 2 (E1 E2 - |p1||p2|) = m^2 (2 + |p1|/|p2| + |p2|/|p1|) > 0.
    massive = _invariants(X, representation="ptetaphi", mass=M_E)
    p1, p2 = X["pt1"] * np.cosh(X["eta1"]), X["pt2"] * np.cosh(X["eta2"])
    shift = M_E**2 * (2 + p1 / p2 + p2 / p1)
    np.testing.assert_allclose(massive["pair_mass2"] - events["M"] ** 2, shift, rtol=1e-4)
    relative = massive["pair_mass"] / events["M"] - 1
    assert (relative > 0).all()
    assert relative.max() < 1e-4  # M >= 2 GeV: the electron mass is negligible here


def test_agrees_with_the_vector_package(X):
    vector = pytest.importorskip("vector")
    p = [
        vector.array({k: X[f"{k}{i}"].to_numpy() for k in ("E", "px", "py", "pz")})
        for i in (1, 2)
    ]
    pair = p[0] + p[1]
    expected = {
        "pair_mass": pair.mass,
        "p1_dot_p2": p[0].dot(p[1]),
        "pair_pt": pair.pt,
        "pair_rapidity": pair.rapidity,
        "pair_eta": pair.eta,
        "opening_angle": p[0].deltaangle(p[1]),
        "delta_eta": p[0].deltaeta(p[1]),
        "delta_phi": p[0].deltaphi(p[1]),
        "delta_r": p[0].deltaR(p[1]),
    }
    out = _invariants(X)
    for name, values in expected.items():
        np.testing.assert_allclose(out[name], values, rtol=1e-9, atol=1e-12, err_msg=name)
    cos_angle = np.cos(expected["opening_angle"])
    np.testing.assert_allclose(out["cos_opening_angle"], cos_angle, atol=1e-12)


# ---- hand-computed cases -------------------------------------------------------------------


def test_hand_computed_massless_pair_in_both_representations():
    # p1 = (5; 3, 0, 4) and p2 = (5; 0, 3, -4), both massless.
    # P = (10; 3, 3, 0): M^2 = 100 - 18 = 82, p1.p2 = 25 + 16 = 41, pT = 3 sqrt(2), Pz = 0.
    # eta1 = arcsinh(4/3) = ln 3 = -eta2; phi1 = 0, phi2 = pi/2; cos(theta) = -16/25.
    expected = {
        "pair_mass": np.sqrt(82),
        "pair_mass2": 82.0,
        "p1_dot_p2": 41.0,
        "pair_pt": 3 * np.sqrt(2),
        "pair_rapidity": 0.0,
        "pair_eta": 0.0,
        "opening_angle": np.arccos(-16 / 25),
        "cos_opening_angle": -16 / 25,
        "delta_eta": 2 * np.log(3),
        "delta_phi": -np.pi / 2,
        "delta_r": np.sqrt(4 * np.log(3) ** 2 + np.pi**2 / 4),
    }
    cartesian = _frame(np.array([[5.0], [3], [0], [4]]), np.array([[5.0], [0], [3], [-4]]))
    ptetaphi = pd.DataFrame(
        {"pt1": [3.0], "eta1": [np.log(3)], "phi1": [0.0], "pt2": [3.0], "eta2": [-np.log(3)],
         "phi2": [np.pi / 2]}
    )  # fmt: skip
    for out in (_invariants(cartesian), _invariants(ptetaphi, representation="ptetaphi")):
        assert list(out.columns) == list(INVARIANTS)
        for name, value in expected.items():
            assert out[name].iloc[0] == pytest.approx(value, rel=1e-12, abs=1e-12), name


def test_back_to_back_pair_at_rest():
    # Two 45 GeV massless particles along +-x: the pair is at rest with M = 90 GeV.
    p1, p2 = np.array([[45.0], [45], [0], [0]]), np.array([[45.0], [-45], [0], [0]])
    out = _invariants(_frame(p1, p2))
    row = out.iloc[0]
    assert row["pair_mass"] == pytest.approx(90.0, rel=1e-14)
    assert (row["pair_pt"], row["pair_rapidity"], row["delta_eta"]) == (0.0, 0.0, 0.0)
    assert row["opening_angle"] == pytest.approx(np.pi, rel=1e-15)
    assert row["cos_opening_angle"] == pytest.approx(-1.0, rel=1e-15)
    assert row["delta_phi"] == -np.pi  # phi1 - phi2 = -pi, and the range is [-pi, pi)
    assert np.isnan(row["pair_eta"])  # a pair at rest has no direction


def test_known_boosts_of_a_decay_at_rest():
    # A particle of mass M = 10 decays at rest into two of mass m = 1 along z; the pair is
    # then boosted along x (rapidity xi) and along z (rapidity Y).
    M, m, xi, Y = 10.0, 1.0, 0.7, -1.3
    k = np.sqrt(M**2 / 4 - m**2)
    p1 = _boost_z(_boost_x(np.array([[M / 2], [0], [0], [k]]), xi), Y)
    p2 = _boost_z(_boost_x(np.array([[M / 2], [0], [0], [-k]]), xi), Y)
    row = _invariants(_frame(p1, p2)).iloc[0]
    assert row["pair_mass"] == pytest.approx(M, rel=1e-12)
    assert row["p1_dot_p2"] == pytest.approx((M**2 - 2 * m**2) / 2, rel=1e-12)
    assert row["pair_pt"] == pytest.approx(M * np.sinh(xi), rel=1e-12)
    assert row["pair_rapidity"] == pytest.approx(Y, rel=1e-12)
    # Pz / pT = M cosh(xi) sinh(Y) / (M sinh(xi))
    assert row["pair_eta"] == pytest.approx(np.arcsinh(np.sinh(Y) / np.tanh(xi)), rel=1e-12)


def test_negative_mass_squared_from_smearing_is_kept_signed_and_clipped_in_pair_mass():
    # Two identical collinear particles whose measured energy is below |p|.
    p = np.array([[0.999], [1.0], [0], [0]])
    row = _invariants(_frame(p, p)).iloc[0]
    assert row["pair_mass2"] == pytest.approx(4 * (0.999**2 - 1), rel=1e-9)
    assert row["pair_mass"] == 0.0


# ---- numerics -----------------------------------------------------------------------------


def test_light_collimated_pair_keeps_full_precision():
    # Two massless particles of pT = 1 TeV, 1e-9 apart in eta: M = 2 sqrt(pt1 pt2) sinh(deta / 2)
    # = 1e-6 GeV. (E1 + E2)^2 - |p1 + p2|^2 in float64 gives 3.3e-5 GeV here: its rounding
    # error, about 1e-16 (E1 + E2)^2 = 4e-10 GeV^2, is 400 times M^2.
    eta1 = 0.3
    eta2 = eta1 + 1e-9
    X = pd.DataFrame({"pt1": [1000.0], "eta1": [eta1], "phi1": [1.0],
                      "pt2": [1000.0], "eta2": [eta2], "phi2": [1.0]})  # fmt: skip
    row = _invariants(X, representation="ptetaphi").iloc[0]
    expected = 2 * 1000.0 * np.sinh((eta2 - eta1) / 2)
    assert row["pair_mass"] == pytest.approx(expected, rel=1e-12)
    assert row["pair_mass2"] == pytest.approx(expected**2, rel=1e-12)
    # theta = deta / cosh(eta) to first order in deta
    assert row["opening_angle"] == pytest.approx((eta2 - eta1) / np.cosh(eta1), rel=1e-8)


def test_float32_input_is_computed_in_float64(X):
    X32 = X.astype(np.float32)
    li = LorentzInvariants()
    out32 = li.fit_transform(X32)
    assert out32.dtype == np.float64
    np.testing.assert_array_equal(out32, li.fit_transform(X32.astype(np.float64)))


def test_nan_propagates_without_warnings(X):
    Xn = X.iloc[:5].copy()
    Xn.loc[Xn.index[0], "E1"] = np.nan
    out = _invariants(Xn)
    mass_dependent = ["pair_mass", "pair_mass2", "p1_dot_p2", "pair_rapidity"]
    assert out[mass_dependent].iloc[0].isna().all()
    assert np.isfinite(out.iloc[1:]).all().all()
    assert np.isfinite(out[["pair_pt", "delta_r", "opening_angle"]].iloc[0]).all()


# ---- symmetries ---------------------------------------------------------------------------


_momentum = st.floats(-50, 50, allow_nan=False)


@settings(max_examples=25, deadline=None)
@given(
    p1=st.tuples(_momentum, _momentum, _momentum),
    p2=st.tuples(_momentum, _momentum, _momentum),
    masses=st.tuples(st.floats(0, 5), st.floats(0, 5)),
    rapidity=st.floats(-3, 3),
    angle=st.floats(-np.pi, np.pi),
)
def test_invariants_under_z_boosts_and_phi_rotations(p1, p2, masses, rapidity, angle):
    vectors = []
    for p, m in zip((p1, p2), masses):
        p = np.asarray(p)
        if np.hypot(p[0], p[1]) < 1e-3:  # keep a defined azimuth
            p[0] += 1.0
        vectors.append(np.concatenate([[np.sqrt(p @ p + m * m)], p])[:, None])
    before = _invariants(_frame(*vectors))
    moved = [_rotate_phi(_boost_z(p, rapidity), angle) for p in vectors]
    after = _invariants(_frame(*moved))
    # E1 E2 after the boost: the rounding scale of M^2 and p1.p2
    tol = 1e-9 * vectors[0][0, 0] * vectors[1][0, 0] * np.cosh(rapidity) ** 2
    for name in ("pair_mass2", "p1_dot_p2"):
        assert after[name].iloc[0] == pytest.approx(before[name].iloc[0], abs=tol)
    assert after["pair_pt"].iloc[0] == pytest.approx(before["pair_pt"].iloc[0], rel=1e-9, abs=1e-9)
    if before["pair_pt"].iloc[0] > 1e-3:
        y_before, y_after = before["pair_rapidity"].iloc[0], after["pair_rapidity"].iloc[0]
        assert y_after == pytest.approx(y_before + rapidity, abs=1e-7)
    change = after["delta_phi"].iloc[0] - before["delta_phi"].iloc[0]
    assert (change + np.pi) % (2 * np.pi) - np.pi == pytest.approx(0.0, abs=1e-9)  # mod 2 pi


@settings(max_examples=25, deadline=None)
@given(
    pt=st.tuples(st.floats(0.1, 100), st.floats(0.1, 100)),
    eta=st.tuples(st.floats(-3, 3), st.floats(-3, 3)),
    phi=st.tuples(st.floats(-np.pi, np.pi), st.floats(-np.pi, np.pi)),
    shift=st.floats(-2, 2),
    angle=st.floats(-np.pi, np.pi),
)
def test_massless_pair_is_invariant_under_eta_shifts_and_phi_rotations(pt, eta, phi, shift, angle):
    # For massless particles a z boost shifts every eta by the boost's rapidity.
    def frame(eta, phi):
        return pd.DataFrame({"pt1": [pt[0]], "eta1": [eta[0]], "phi1": [phi[0]],
                             "pt2": [pt[1]], "eta2": [eta[1]], "phi2": [phi[1]]})  # fmt: skip

    before = _invariants(frame(eta, phi), representation="ptetaphi")
    after = _invariants(
        frame([e + shift for e in eta], [p + angle for p in phi]), representation="ptetaphi"
    )
    for name in ("pair_mass", "pair_mass2", "p1_dot_p2", "pair_pt", "delta_eta", "delta_r"):
        assert after[name].iloc[0] == pytest.approx(before[name].iloc[0], rel=1e-9, abs=1e-9), name
    y_before, y_after = before["pair_rapidity"].iloc[0], after["pair_rapidity"].iloc[0]
    assert y_after == pytest.approx(y_before + shift, abs=1e-9)


# ---- scikit-learn integration -----------------------------------------------------------------


def test_feature_names_out_and_fitted_attributes(X):
    li = LorentzInvariants().fit(X)
    names = li.get_feature_names_out()
    assert list(names) == DIELECTRON_FEATURES + list(INVARIANTS)
    assert li.particle_indices_ == ((0, 1, 2, 3), (8, 9, 10, 11))
    assert li.invariants_ == INVARIANTS
    assert li.n_features_in_ == 16
    out = li.transform(X)
    assert isinstance(out, np.ndarray) and out.shape == (len(X), 16 + len(INVARIANTS))
    np.testing.assert_array_equal(out[:, :16], X.to_numpy(dtype=np.float64))


def test_integer_positions_on_a_numpy_array(X):
    arr = X[CARTESIAN].to_numpy()
    li = LorentzInvariants(((0, 1, 2, 3), (4, 5, 6, 7)), invariants=["pair_mass"]).fit(arr)
    assert list(li.get_feature_names_out()) == [f"x{i}" for i in range(8)] + ["pair_mass"]
    assert list(li.get_feature_names_out(CARTESIAN)) == CARTESIAN + ["pair_mass"]
    by_name = LorentzInvariants(invariants=["pair_mass"]).fit_transform(X)[:, -1]
    np.testing.assert_array_equal(li.transform(arr)[:, -1], by_name)


def test_pandas_output_keeps_the_index_and_names_every_column(X):
    Xi = X.iloc[:10].set_index(pd.Index(np.arange(100, 110), name="event"))
    out = LorentzInvariants(invariants="delta_r").set_output(transform="pandas").fit_transform(Xi)
    assert list(out.columns) == DIELECTRON_FEATURES + ["delta_r"]
    assert out.index.equals(Xi.index)
    assert (out.dtypes == np.float64).all()


def test_subset_in_requested_order_has_the_same_values(X):
    full = _invariants(X)
    subset = _invariants(X, invariants=["delta_r", "pair_mass", "pair_rapidity"])
    assert list(subset.columns) == ["delta_r", "pair_mass", "pair_rapidity"]
    pd.testing.assert_frame_equal(subset, full[subset.columns])


def test_mass_column_and_per_particle_masses(X):
    m_mu = 0.10566
    Xm = X.assign(m1=M_E, m2=m_mu)
    from_columns = _invariants(
        Xm,
        representation="ptetaphi",
        particles=(("pt1", "eta1", "phi1", "m1"), ("pt2", "eta2", "phi2", "m2")),
    )
    from_hypothesis = _invariants(X, representation="ptetaphi", mass=(M_E, m_mu))
    pd.testing.assert_frame_equal(from_columns, from_hypothesis)


def test_pipeline_recovers_the_mass_exactly(X, events):
    # pair_mass is M, so a linear model on the scaled features fits M exactly.
    pipe = make_pipeline(
        LorentzInvariants(invariants=["pair_mass"]), MinMaxScaler(), LinearRegression()
    )
    pipe.fit(X, events["M"])
    assert pipe.score(X, events["M"]) > 1 - 1e-12
    assert list(pipe[:-1].get_feature_names_out()) == DIELECTRON_FEATURES + ["pair_mass"]
    assert clone(pipe).get_params()["lorentzinvariants__invariants"] == ["pair_mass"]


# ---- bad input ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "match"),
    [
        ({"invariants": ["pair_mass", "mass"]}, r"unknown invariant\(s\) \['mass'\]; valid names"),
        ({"invariants": ["delta_r", "delta_r"]}, r"\['delta_r'\] requested more than once"),
        ({"invariants": []}, "invariants is empty"),
        ({"invariants": "mass"}, "'invariants' parameter"),
        ({"representation": "polar"}, "'representation' parameter"),
        ({"mass": M_E}, r"only used with representation='ptetaphi'"),
        ({"mass": -1.0, "representation": "ptetaphi"}, "'mass' parameter"),
        ({"mass": (1.0, 2.0, 3.0), "representation": "ptetaphi"}, "tuple of two"),
        (
            {"representation": "ptetaphi", "mass": 0.1,
             "particles": (("pt1", "eta1", "phi1", "Q1"), ("pt2", "eta2", "phi2"))},
            "both give the mass",
        ),  # fmt: skip
        (
            {"particles": (("E1", "px1", "py1"), ("E2", "px2", "py2", "pz2"))},
            r"particle 1 must be given by 4 columns \(E, px, py, pz\)",
        ),
        ({"particles": (("E1", "px1", "py1", "pz1"),)}, "two groups of columns"),
        ({"particles": ("E1", "E2")}, "two groups of columns"),
        ({"particles": (("E1", 1, 2, 3), (4, 5, 6, 7))}, "not a mix"),
        ({"particles": ((0, 1, 2, 3), (4, 5, 6, 16))}, r"\[16\], but X has 16 feature\(s\)"),
    ],
)
def test_invalid_parameters_raise_value_error(X, params, match):
    with pytest.raises(ValueError, match=match):
        LorentzInvariants(**params).fit(X)


def test_missing_columns_are_named(X):
    with pytest.raises(ValueError, match=r"column\(s\) \['px2', 'pz2'\] of particles are not in X"):
        LorentzInvariants().fit(X.drop(columns=["px2", "pz2"]))


def test_names_need_a_dataframe(X):
    with pytest.raises(ValueError, match="X has no column names: pass a DataFrame"):
        LorentzInvariants().fit(X.to_numpy())


def test_non_numeric_columns_are_named(X):
    with pytest.raises(ValueError, match=r"non-numeric column\(s\) \['type1'\]"):
        LorentzInvariants().fit(X.assign(type1="G"))


def test_transform_checks_the_width_and_names(X):
    li = LorentzInvariants(((0, 1, 2, 3), (8, 9, 10, 11))).fit(X.to_numpy())
    with pytest.raises(ValueError, match="X has 15 features, but LorentzInvariants is expecting"):
        li.transform(X.to_numpy()[:, :15])
    li = LorentzInvariants().fit(X)
    with pytest.raises(ValueError, match="feature names"):
        li.transform(X[X.columns[::-1]])


def test_keep_inputs_false_outputs_only_the_invariants():
    df = make_dielectron(50, random_state=3)
    li = LorentzInvariants(invariants=["pair_mass", "pair_pt"], keep_inputs=False)
    out = li.set_output(transform="pandas").fit_transform(df)
    assert list(out.columns) == ["pair_mass", "pair_pt"]
    np.testing.assert_allclose(out["pair_mass"], df["M"], rtol=1e-9)
    assert list(li.get_feature_names_out()) == ["pair_mass", "pair_pt"]
