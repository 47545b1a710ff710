"""Tests for make_dielectron and the kinematics helpers behind it."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skhep_models.datasets import _dielectron, _kinematics, make_dielectron

COLUMNS = [
    "Run", "Event",
    "E1", "px1", "py1", "pz1", "pt1", "eta1", "phi1", "Q1",
    "E2", "px2", "py2", "pz2", "pt2", "eta2", "phi2", "Q2",
    "M",
]  # fmt: skip
INT_COLUMNS = {"Run", "Event", "Q1", "Q2"}
M_JPSI, M_UPSILON1S, M_Z = 3.0969, 9.4603, 91.1876


@pytest.fixture(scope="module")
def events():
    return make_dielectron(50_000, random_state=0)


def _in_window(m, lo, hi):
    return m[(m > lo) & (m < hi)]


# ---- schema ---------------------------------------------------------------


def test_schema(events):
    assert list(events.columns) == COLUMNS
    assert len(events) == 50_000
    for col in COLUMNS:
        expected = np.int64 if col in INT_COLUMNS else np.float64
        assert events[col].dtype == expected, col
    assert np.isfinite(events[[c for c in COLUMNS if c not in INT_COLUMNS]]).all().all()


@pytest.mark.parametrize("n", [1, 7, 1000])
def test_exact_number_of_rows(n):
    df = make_dielectron(n, random_state=1)
    assert df.shape == (n, 19)
    assert isinstance(df.index, pd.RangeIndex)


def test_schema_matches_real_cms_2010_file(shared_data):
    # The 2010 dimuon file has the dielectron schema plus a muon "Type" column.
    uproot = pytest.importorskip("uproot")
    with uproot.open(shared_data / "cms_dimuon" / "uproot-Zmumu.root") as f:
        tree = f["events"]
        real = [k for k in tree.keys() if k != "Type"]
        runs = tree["Run"].array(library="np")
    assert real == COLUMNS
    lo, hi = _dielectron.RUN_RANGE
    assert lo <= runs.min() and runs.max() <= hi


# ---- kinematic consistency ------------------------------------------------


def test_mass_agrees_with_four_vectors(events):
    e = events["E1"] + events["E2"]
    px, py, pz = (events[f"p{c}1"] + events[f"p{c}2"] for c in "xyz")
    m = np.sqrt(e**2 - px**2 - py**2 - pz**2)
    np.testing.assert_allclose(events["M"], m, rtol=1e-9)


@pytest.mark.parametrize("i", ["1", "2"])
def test_electron_kinematics_consistent(events, i):
    e, px, py, pz = (events[c + i].to_numpy() for c in ("E", "px", "py", "pz"))
    pt, eta, phi = (events[c + i].to_numpy() for c in ("pt", "eta", "phi"))
    np.testing.assert_allclose(pt, np.hypot(px, py), rtol=1e-12)
    np.testing.assert_allclose(eta, np.arcsinh(pz / pt), rtol=0, atol=1e-9)
    dphi = np.angle(np.exp(1j * (phi - np.arctan2(py, px))))
    np.testing.assert_allclose(dphi, 0.0, atol=1e-9)
    assert ((phi > -np.pi) & (phi <= np.pi)).all()
    p = np.sqrt(px**2 + py**2 + pz**2)
    assert (e >= p * (1 - 1e-12)).all()
    np.testing.assert_allclose(e, p, rtol=1e-9)  # measured electrons are massless


# ---- selection ------------------------------------------------------------


def test_acceptance(events):
    crack_lo, crack_hi = _dielectron.ETA_CRACK
    for i in "12":
        abs_eta = events["eta" + i].abs()
        assert (abs_eta < 2.5).all()
        assert not ((abs_eta > crack_lo) & (abs_eta < crack_hi)).any()
        assert (events["pt" + i] > 3.0).all()
    assert events["M"].between(2.0, 110.0).all()
    assert crack_lo == 1.4442 and crack_hi == 1.566


def test_charges_opposite_and_label_random(events):
    assert set(events["Q1"].unique()) == {-1, 1}
    assert (events["Q1"] == -events["Q2"]).all()
    n = len(events)
    # Labels 1/2 are random: neither charge nor pT ordering (5 sigma bounds).
    assert abs((events["Q1"] == 1).mean() - 0.5) < 5 * 0.5 / np.sqrt(n)
    assert abs((events["pt1"] > events["pt2"]).mean() - 0.5) < 5 * 0.5 / np.sqrt(n)


def test_run_event(events):
    lo, hi = _dielectron.RUN_RANGE
    assert events["Run"].between(lo, hi).all()
    assert events["Run"].nunique() > 1000
    assert not events.duplicated(["Run", "Event"]).any()
    assert (events["Event"] > 0).all()


def test_run_event_collisions_are_redrawn(monkeypatch):
    # 2 runs x 100 event numbers for 150 rows: collisions are certain.
    monkeypatch.setattr(_dielectron, "RUN_RANGE", (1, 2))
    monkeypatch.setattr(_dielectron, "EVENT_RANGE", (1, 100))
    df = make_dielectron(150, random_state=0)
    assert not df.duplicated(["Run", "Event"]).any()
    assert df["Event"].between(1, 100).all()


# ---- physics --------------------------------------------------------------


def test_jpsi_peak(events):
    m = events["M"].to_numpy()
    hist, edges = np.histogram(m, bins=np.arange(2.5, 4.0, 0.02))
    peak = 0.5 * (edges[hist.argmax()] + edges[hist.argmax() + 1])
    assert abs(peak - M_JPSI) < 0.05
    assert abs(np.median(_in_window(m, 2.95, 3.25)) - M_JPSI) < 0.05


def test_upsilon_peak(events):
    m = events["M"].to_numpy()
    assert abs(np.median(_in_window(m, 9.1, 9.8)) - M_UPSILON1S) < 0.15
    hist, edges = np.histogram(m, bins=np.arange(8.5, 11.0, 0.1))
    assert abs(edges[hist.argmax()] + 0.05 - M_UPSILON1S) < 0.15


def test_z_peak_position_and_width(events):
    z = _in_window(events["M"].to_numpy(), 86.0, 96.0)
    assert len(z) > 5000
    assert abs(np.median(z) - M_Z) < 0.5
    assert 1.5 < z.std() < 3.5


def test_z_pt_spectrum_has_measured_hard_tail(events):
    # Z-window pair pT against the CMS 2011 Z -> mu mu sample (mean 18.7 GeV,
    # median 11.6 GeV, P(pT > 50 GeV) = 0.076, a lepton above 60 GeV: 0.089);
    # the old single-term spectrum gave a median of 7.6 GeV and 0.008.
    z = events[events["M"].between(60, 120)]
    assert len(z) > 10_000
    pt = np.hypot(z["px1"] + z["px2"], z["py1"] + z["py2"])
    assert 10.0 < pt.median() < 13.5
    assert 16.0 < pt.mean() < 22.0
    assert 0.04 < (pt > 50).mean() < 0.12
    assert 0.005 < (pt > 100).mean() < 0.025
    assert 0.06 < ((z["pt1"] > 60) | (z["pt2"] > 60)).mean() < 0.13


def test_default_spectrum_shape(events):
    m = events["M"].to_numpy()
    # Continuum dominates at low mass; clear Z peak over the high-mass continuum.
    assert (m < 5).mean() > 0.3
    assert len(_in_window(m, 86, 96)) > 10 * len(_in_window(m, 60, 70))


# PDG 2024 masses [GeV]
PDG_MASSES = {
    "jpsi": 3.0969, "psi2s": 3.6861, "upsilon1s": 9.4603, "upsilon2s": 10.0233,
    "upsilon3s": 10.3552, "z": 91.1876,
}  # fmt: skip


@pytest.mark.parametrize("name", PDG_MASSES)
def test_each_resonance_alone_peaks_at_its_pdg_mass(name):
    # 0.4 %: well inside the resolution, and a tenth of the Upsilon(2S)-(3S) spacing
    m = make_dielectron(3000, components={name: 1}, random_state=5)["M"]
    assert abs(m.median() - PDG_MASSES[name]) < 0.004 * PDG_MASSES[name]


def test_upsilon_peak_width_is_the_ecal_resolution():
    # The Upsilon(1S) is 54 keV wide, so its measured peak is the electrons' energy resolution,
    # sigma_M / M = 1/2 (sigma_E1/E1 (+) sigma_E2/E2), with CMS's ECAL terms (stochastic 2.8 %,
    # noise 0.12 GeV, constant 0.3 %) and the in-situ constant (1.0 % barrel, 2.5 % endcap).
    df = make_dielectron(3000, components={"upsilon1s": 1}, random_state=5)

    def rel(e, eta):
        c = np.where(np.abs(eta) < 1.479, 0.010, 0.025)
        return np.sqrt(0.028**2 / e + (0.12 / e) ** 2 + 0.003**2 + c**2)

    expected = np.median(0.5 * df["M"] * np.hypot(rel(df["E1"], df["eta1"]), rel(df["E2"], df["eta2"])))
    q25, q75 = np.percentile(df["M"], [25, 75])
    # ~0.17 GeV; without the energy smearing ~0.005
    assert (q75 - q25) / 1.349 == pytest.approx(expected, rel=0.15)


def test_only_z():
    m = make_dielectron(5000, components={"z": 1.0}, random_state=2)["M"]
    assert abs(m.median() - M_Z) < 0.5
    # Breit-Wigner tails are long, but most events are near the pole.
    assert m.between(81, 101).mean() > 0.85


def test_only_continuum_is_falling():
    m = make_dielectron(20_000, components={"continuum": 1}, random_state=3)["M"]
    assert m.between(2, 5).sum() > 5 * m.between(50, 60).sum() > 0
    # No resonance: no J/psi spike above the neighbouring bins.
    hist, _ = np.histogram(m, bins=[2.8, 2.95, 3.25, 3.4])
    assert hist[1] < 3 * hist[0]


def test_fractions_are_normalised_and_multinomial():
    n = 4000
    m = make_dielectron(n, components={"z": 3, "jpsi": 3}, random_state=4)["M"]
    high = (m > 20).mean()
    assert abs(high - 0.5) < 5 * 0.5 / np.sqrt(n)
    assert (m[m < 20].between(2.5, 3.7)).mean() > 0.9


# ---- validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("components", "match"),
    [
        ({"zz": 1.0}, r"unknown component name\(s\) \['zz'\]"),
        ({"z": -0.1, "jpsi": 1.0}, r"components\['z'\] must be a non-negative"),
        ({"z": float("nan")}, r"components\['z'\] must be a non-negative finite"),
        ({"z": "1"}, r"components\['z'\] must be a non-negative"),
        ({"z": 0, "jpsi": 0.0}, "all zero"),
        ({}, "all zero"),
        ([("z", 1.0)], "components must be a dict"),
    ],
)
def test_invalid_components(components, match):
    with pytest.raises(ValueError, match=match):
        make_dielectron(10, components=components, random_state=0)


@pytest.mark.parametrize("n", [0, -5, 2.5, "100", None, True])
def test_invalid_n_events(n):
    with pytest.raises(ValueError, match="n_events must be a positive integer"):
        make_dielectron(n)


def test_invalid_random_state():
    with pytest.raises(ValueError, match="random_state must be"):
        make_dielectron(10, random_state="seed")


# ---- randomness -----------------------------------------------------------


def test_reproducible():
    a = make_dielectron(2000, random_state=42)
    pd.testing.assert_frame_equal(a, make_dielectron(2000, random_state=42))
    assert not a.equals(make_dielectron(2000, random_state=43))


def test_generator_and_randomstate_inputs():
    a = make_dielectron(500, random_state=np.random.default_rng(7))
    b = make_dielectron(500, random_state=np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)
    rng = np.random.default_rng(7)
    assert not make_dielectron(500, random_state=rng).equals(
        make_dielectron(500, random_state=rng)
    )  # a shared Generator is advanced
    rs_a = make_dielectron(500, random_state=np.random.RandomState(7))
    rs_b = make_dielectron(500, random_state=np.random.RandomState(7))
    pd.testing.assert_frame_equal(rs_a, rs_b)
    assert make_dielectron(10, random_state=np.int64(3)).shape == (10, 19)


def test_output_independent_of_thread_count(monkeypatch):
    n = _dielectron._THREAD_MIN_EVENTS + 5000
    threaded = make_dielectron(n, random_state=5)
    monkeypatch.setattr(_dielectron, "_MAX_THREADS", 1)
    pd.testing.assert_frame_equal(threaded, make_dielectron(n, random_state=5))


@settings(max_examples=10, deadline=None)
@given(n=st.integers(1, 300), seed=st.integers(0, 2**32 - 1))
def test_property_any_seed(n, seed):
    df = make_dielectron(n, random_state=seed)
    assert df.shape == (n, 19)
    assert (df["Q1"] == -df["Q2"]).all()
    assert df["M"].between(2, 110).all()
    assert (df[["pt1", "pt2"]] > 3).all().all()
    assert (df[["eta1", "eta2"]].abs() < 2.5).all().all()
    assert not df.duplicated(["Run", "Event"]).any()


def test_datasets_do_not_import_torch():
    code = (
        "import sys, skhep_models; before = 'torch' in sys.modules; "
        "import skhep_models.datasets; "
        "assert before or 'torch' not in sys.modules"
    )
    repo_root = Path(__file__).resolve().parents[2]
    subprocess.run([sys.executable, "-c", code], check=True, cwd=repo_root)


# ---- kinematics helpers ---------------------------------------------------


def test_boost_matches_vector_package():
    vector = pytest.importorskip("vector")
    rng = np.random.default_rng(0)
    n = 1000
    m = rng.uniform(1, 100, n)
    parent = _kinematics.fourvector_from_pt_y_phi_m(
        rng.exponential(10, n), rng.normal(0, 2, n), rng.uniform(-np.pi, np.pi, n), m
    )
    d1, d2 = _kinematics.two_body_decay(m, 0.1, 0.5, rng)
    lab1 = _kinematics.boost_from_rest_frame(d1, parent, mass=m)
    lab2 = _kinematics.boost_from_rest_frame(d2, parent)
    np.testing.assert_allclose(lab1 + lab2, parent, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(_kinematics.invariant_mass(lab1, lab2), m, rtol=1e-9)
    np.testing.assert_allclose(_kinematics.invariant_mass(lab1), 0.1, rtol=1e-6)

    def vec(p):
        return vector.array({"E": p[0], "px": p[1], "py": p[2], "pz": p[3]})

    ref = vec(d1).boost_p4(vec(parent))
    np.testing.assert_allclose(lab1[0], ref.E, rtol=1e-9)
    np.testing.assert_allclose(lab1[3], ref.pz, rtol=1e-9, atol=1e-9)
    beta = parent[1:] / parent[0]
    np.testing.assert_allclose(_kinematics.boost(d1, beta), lab1, rtol=1e-7, atol=1e-7)
    np.testing.assert_allclose(_kinematics.boost(d1, np.zeros_like(beta)), d1)


def test_four_vector_round_trip():
    rng = np.random.default_rng(1)
    pt, eta, phi = rng.uniform(1, 50, 100), rng.uniform(-3, 3, 100), rng.uniform(-3, 3, 100)
    p = _kinematics.fourvector_from_pt_eta_phi_m(pt, eta, phi, 0.105)
    pt2, eta2, phi2 = _kinematics.pt_eta_phi(p)
    np.testing.assert_allclose([pt2, eta2, phi2], [pt, eta, phi], rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(_kinematics.invariant_mass(p), 0.105, rtol=1e-6)
    # Along the beam: eta is infinite, without a floating-point warning.
    _, eta_beam, _ = _kinematics.pt_eta_phi(np.array([[1.0, 1.0], [0, 0], [0, 0], [1.0, -1.0]]))
    assert list(eta_beam) == [np.inf, -np.inf]
    assert _kinematics.wrap_phi(-np.pi) == np.pi


def test_two_body_decay_is_isotropic():
    rng = np.random.default_rng(2)
    d1, d2 = _kinematics.two_body_decay(np.full(20_000, 91.0), 0.0, 0.0, rng)
    np.testing.assert_allclose(d1[1:] + d2[1:], 0.0, atol=1e-12)
    np.testing.assert_allclose(d1[0], 45.5)
    cos_t = d1[3] / 45.5
    assert abs(cos_t.mean()) < 0.02 and abs((cos_t**2).mean() - 1 / 3) < 0.01


def test_pair_pt_mixture_sampler():
    n = 200_000
    shape = _dielectron.COMPONENTS["z"].pt_shape
    assert len(shape) == 2 and sum(w for w, _, _ in shape) == pytest.approx(1.0)
    pt = _dielectron._sample_pair_pt(shape, n, np.random.default_rng(4))
    grid = np.array([2.0, 5.0, 10.0, 20.0, 50.0, 100.0, 150.0])
    survival = sum(w * (1 + (grid / p0) ** 2) ** (1 - k) for w, p0, k in shape)
    np.testing.assert_allclose((pt[:, None] > grid).mean(axis=0), survival, atol=5 / np.sqrt(n))
    # A single term is exactly the plain sampler (same random stream).
    one = _dielectron._sample_pair_pt(((1.0, 5.0, 3.0),), 100, np.random.default_rng(5))
    ref = _kinematics.sample_pt_power_law(5.0, 3.0, 100, np.random.default_rng(5))
    np.testing.assert_array_equal(one, ref)


def test_samplers():
    rng = np.random.default_rng(3)
    n = 200_000
    # <pT> = p0 for n = 2.5 (closed form of the mean).
    pt = _kinematics.sample_pt_power_law(10.0, 2.5, n, rng)
    assert pt.min() >= 0 and abs(pt.mean() / 10.0 - 1) < 0.03
    m = _kinematics.sample_breit_wigner_mass(91.1876, 2.4955, n, rng, m_min=2, m_max=110)
    assert m.min() >= 2 and m.max() <= 110
    # Empirical CDF against the truncated Breit-Wigner CDF in s = m^2.
    mg = 91.1876 * 2.4955
    u_lo, u_hi = (np.arctan((x**2 - 91.1876**2) / mg) for x in (2.0, 110.0))
    grid = np.array([30.0, 85.0, 89.0, 90.5, 91.2, 92.0, 94.0, 100.0])
    cdf = (np.arctan((grid**2 - 91.1876**2) / mg) - u_lo) / (u_hi - u_lo)
    ecdf = np.searchsorted(np.sort(m), grid) / n
    np.testing.assert_allclose(ecdf, cdf, atol=5 / np.sqrt(n))
    m = _kinematics.sample_power_law_mass(3.0, n, rng, m_min=2, m_max=110)
    # dN/dM ~ M^-3 on [2, inf): P(M > 4) = 1/4.
    assert abs((m > 4).mean() - 0.25) < 0.01
    y = _kinematics.sample_truncated_normal(2.0, 4.0, n, rng)
    assert np.abs(y).max() < 4.0 and abs(y.std() - 1.76) < 0.02
    with pytest.raises(ValueError, match="n must be > 1"):
        _kinematics.sample_pt_power_law(1.0, 1.0, 10, rng)
