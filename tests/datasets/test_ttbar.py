"""Tests for make_ttbar_resonance (HEPMASS-like X -> t tbar events)."""

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from skhep_models.datasets import TTBAR_FEATURES, _kinematics, _ttbar, make_ttbar_resonance

MASSES = (500.0, 750.0, 1000.0, 1250.0, 1500.0)
N_SIG, N_BKG = 2000, 10_000
M_TOP, M_W = 172.5, 80.369
FEATURES = [
    "lepton_pt", "lepton_eta", "lepton_phi", "met", "met_phi", "n_jets",
    "jet1_pt", "jet1_eta", "jet1_phi", "jet1_btag",
    "jet2_pt", "jet2_eta", "jet2_phi", "jet2_btag",
    "jet3_pt", "jet3_eta", "jet3_phi", "jet3_btag",
    "jet4_pt", "jet4_eta", "jet4_phi", "jet4_btag",
    "m_jj", "m_jjj", "m_lv", "m_jlv", "m_wwbb",
]  # fmt: skip
INT_COLUMNS = {"n_jets", "jet1_btag", "jet2_btag", "jet3_btag", "jet4_btag", "label"}
BTAGS = [f"jet{i}_btag" for i in range(1, 5)]


@pytest.fixture(scope="module")
def events():
    return make_ttbar_resonance(N_SIG, N_BKG, random_state=0)


@pytest.fixture(scope="module")
def background(events):
    return events[events["label"] == 0]


def _signal(events, mass):
    return events[(events["label"] == 1) & (events["mass"] == mass)]


# ---- schema ---------------------------------------------------------------


def test_schema(events):
    assert TTBAR_FEATURES == FEATURES
    assert len(FEATURES) == 27
    assert list(events.columns) == [*FEATURES, "mass", "label"]
    assert isinstance(events.index, pd.RangeIndex)
    for col in events.columns:
        expected = np.int64 if col in INT_COLUMNS else np.float64
        assert events[col].dtype == expected, col
    assert np.isfinite(events.to_numpy()).all()


def test_exact_counts(events):
    assert len(events) == len(MASSES) * N_SIG + N_BKG
    counts = events[events["label"] == 1].groupby("mass").size()
    assert counts.to_dict() == dict.fromkeys(MASSES, N_SIG)
    assert (events["label"] == 0).sum() == N_BKG
    assert set(events["label"].unique()) == {0, 1}


@pytest.mark.parametrize(("n_sig", "n_bkg"), [(1, 0), (0, 3), (7, 5)])
def test_small_and_zero_counts(n_sig, n_bkg):
    df = make_ttbar_resonance(n_sig, n_bkg, masses=(600, 900), random_state=1)
    assert len(df) == 2 * n_sig + n_bkg
    assert (df["label"] == 1).sum() == 2 * n_sig


def test_single_mass_scalar():
    df = make_ttbar_resonance(20, 10, masses=800, random_state=2)
    assert set(df["mass"]) == {800.0}


def test_rows_are_shuffled(events):
    labels = events["label"].to_numpy()
    # Not sorted by label or mass: labels change many times along the rows.
    assert (np.diff(labels) != 0).sum() > 1000


# ---- selection and object consistency ---------------------------------------


def test_lepton_selection(events):
    assert (events["lepton_pt"] > _ttbar.LEPTON_PT_MIN).all()
    assert (events["lepton_eta"].abs() < _ttbar.LEPTON_ETA_MAX).all()
    for i in range(1, 5):
        d_eta = events[f"jet{i}_eta"] - events["lepton_eta"]
        d_phi = _kinematics.wrap_phi(events[f"jet{i}_phi"] - events["lepton_phi"])
        assert (np.hypot(d_eta, d_phi) > _ttbar.JET_R).all()  # isolated


def test_jets_pass_cuts_and_are_sorted(events):
    assert (events["n_jets"] >= 4).all()
    assert (events["n_jets"] > 4).any()
    for i in range(1, 5):
        assert (events[f"jet{i}_pt"] > _ttbar.JET_PT_MIN).all()
        assert (events[f"jet{i}_eta"].abs() < _ttbar.JET_ETA_MAX).all()
        assert set(events[f"jet{i}_btag"].unique()) <= {0, 1}
    for i in range(1, 4):
        assert (events[f"jet{i}_pt"] >= events[f"jet{i + 1}_pt"]).all()


def test_angles_and_met(events):
    for col in ["lepton_phi", "met_phi", "jet1_phi", "jet2_phi", "jet3_phi", "jet4_phi"]:
        assert events[col].between(-np.pi, np.pi).all()
    assert (events["met"] >= 0).all()
    # The neutrino carries tens of GeV: MET is rarely small.
    assert 20 < events["met"].median() < 200


def test_jet_multiplicity_matches_cms(background):
    # Fractions of 4, 5, 6, >= 7 jets; CMS particle level: 48.8, 31.4, 13.0, 6.7 %.
    n = np.minimum(background["n_jets"].to_numpy(), 7) - 4
    frac = np.bincount(n, minlength=4) / len(n)
    np.testing.assert_allclose(frac, [0.488, 0.314, 0.130, 0.067], atol=0.04)


# ---- physics --------------------------------------------------------------


@pytest.mark.parametrize("mass", MASSES)
def test_signal_mwwbb_peaks_at_hypothesis(events, mass):
    m = _signal(events, mass)["m_wwbb"]
    assert abs(m.median() / mass - 1) < 0.15
    # Narrow: most signal events lie within 30 % of the hypothesis.
    assert (np.abs(m / mass - 1) < 0.3).mean() > 0.6


def test_signal_mwwbb_median_increases_with_mass(events):
    medians = [_signal(events, m)["m_wwbb"].median() for m in MASSES]
    assert np.all(np.diff(medians) > 150)


def test_background_mwwbb_falls(background):
    m = background["m_wwbb"].to_numpy()
    hist, edges = np.histogram(m, bins=np.arange(250, 2050, 50))
    assert edges[hist.argmax()] < 700  # peaks low
    # Nearly all events lie above the t tbar threshold, up to resolution tails.
    assert np.quantile(m, 0.01) > 0.9 * 2 * M_TOP
    low = ((m > 400) & (m < 600)).sum()
    mid = ((m > 900) & (m < 1100)).sum()
    high = ((m > 1400) & (m < 1600)).sum()
    assert low > 5 * mid > 0 and mid > 2 * high


def test_m_lv_from_w_mass_constraint(events):
    m_lv = events["m_lv"].to_numpy()
    assert (m_lv >= M_W - 1e-6).all()
    on_shell = np.isclose(m_lv, M_W, rtol=0, atol=1e-6)
    # Real solutions for most events; the rest (negative discriminant) lie above.
    assert 0.6 < on_shell.mean() < 0.9
    assert np.median(m_lv) == pytest.approx(M_W, abs=1e-6)


@pytest.mark.parametrize("mass", MASSES)
def test_signal_top_and_w_peaks(events, mass):
    sig = _signal(events, mass)
    hist, edges = np.histogram(sig["m_jjj"], bins=np.arange(100, 400, 10))
    assert abs(edges[hist.argmax()] + 5 - M_TOP) < 15
    hist, edges = np.histogram(sig["m_jj"], bins=np.arange(40, 200, 5))
    assert abs(edges[hist.argmax()] + 2.5 - M_W) < 10
    if mass <= 1000:  # above, the hadronic W is often merged into one jet
        # Wrong jet assignments make a one-sided high tail: medians sit above the peaks.
        assert 0 < sig["m_jjj"].median() / M_TOP - 1 < 0.2
        assert abs(sig["m_jj"].median() / M_W - 1) < 0.15
    assert abs(sig["m_jlv"].median() / M_TOP - 1) < 0.3


def test_btag_rates(events, background):
    n_tags = background[BTAGS].sum(axis=1)
    assert 0.75 < (n_tags >= 1).mean() < 0.95
    assert 0.2 < (n_tags >= 2).mean() < 0.5
    assert 0.3 < background["jet1_btag"].mean() < 0.5
    # Two b jets among about four: ~1.4 tags per event, never more than 4.
    assert 1.1 < n_tags.mean() < 1.6
    sig_tags = events.loc[events["label"] == 1, BTAGS].sum(axis=1)
    assert 1.1 < sig_tags.mean() < 1.7


def test_background_mass_uniform_over_hypotheses(background):
    frac = background["mass"].value_counts(normalize=True)
    assert set(frac.index) == set(MASSES)
    p = 1 / len(MASSES)
    assert (np.abs(frac - p) < 5 * np.sqrt(p * (1 - p) / len(background))).all()


def test_signal_harder_than_background(events, background):
    sig = _signal(events, 1500.0)
    assert sig["jet1_pt"].median() > 2 * background["jet1_pt"].median()
    assert sig["lepton_pt"].median() > 1.5 * background["lepton_pt"].median()


# ---- production model against the published inputs ---------------------------


def test_mtt_spectrum_matches_atlas():
    rng = np.random.default_rng(3)
    m = _ttbar._sample_mtt(400_000, rng)
    assert m.min() >= _ttbar.TTBAR_THRESHOLD
    edges = np.array(_ttbar.ATLAS_MTT_EDGES)
    hist, _ = np.histogram(m, bins=edges)
    density = hist / len(m) / np.diff(edges)
    # The fit agrees with every bin to 3 %; allow for the sampling noise.
    np.testing.assert_allclose(density, _ttbar.ATLAS_MTT_NORMALISED, rtol=0.06)
    hist, edges = np.histogram(m, bins=np.arange(345, 800, 15))
    assert 360 < edges[hist.argmax()] < 420


def test_pair_rapidity_matches_atlas():
    rng = np.random.default_rng(4)
    m = _ttbar._sample_mtt(200_000, rng)
    y = _ttbar._sample_pair_rapidity(m, rng)
    assert (np.abs(y) < np.log(_ttbar.SQRT_S / m)).all()
    edges = np.array(_ttbar.ATLAS_YTT_EDGES)
    hist, _ = np.histogram(np.abs(y), bins=edges)
    density = hist / hist.sum() / np.diff(edges)
    np.testing.assert_allclose(density, _ttbar.ATLAS_YTT_NORMALISED, rtol=0.08)
    # The width shrinks as the mass grows.
    heavy = np.full(50_000, 1500.0)
    assert _ttbar._sample_pair_rapidity(heavy, rng).std() < 0.8 * y.std()


def test_angular_samplers():
    rng = np.random.default_rng(5)
    n = 200_000
    c = _ttbar._sample_cos_spin1(n, rng)
    assert np.abs(c).max() <= 1
    assert abs(c.mean()) < 0.01 and abs((c**2).mean() - 0.4) < 0.005  # 1 + cos^2
    c = _ttbar._sample_w_helicity_cos(n, rng)
    _, fl, fr = _ttbar.W_HELICITY
    assert abs(c.mean() - 0.5 * (fr - fl)) < 0.01
    # LO SM: nearly isotropic at threshold, forward-peaked at high beta.
    c_low = _ttbar._sample_cos_sm(np.full(50_000, 0.1), rng)
    c_high = _ttbar._sample_cos_sm(np.full(50_000, 0.95), rng)
    assert abs((c_low**2).mean() - 1 / 3) < 0.01
    assert (c_high**2).mean() > 0.45
    assert abs(c_high.mean()) < 0.02


@pytest.mark.parametrize("beta", [0.05, 0.5, 0.9, 0.99])
def test_sm_angular_envelope_bounds_matrix_element(beta):
    c = np.linspace(-1, 1, 2001)
    rho = 1 - beta**2
    t1t2 = 0.25 * (1 - (beta * c) ** 2)
    t_sq = 0.5 * (1 + (beta * c) ** 2)
    gg = (1 / (6 * t1t2) - 0.375) * (t_sq + rho - rho**2 / (4 * t1t2))
    assert (gg > 0).all()
    assert (gg <= (2 / (3 * rho) - 0.375) * (1 + rho) * (1 + 1e-12)).all()
    assert (t_sq + 0.5 * rho <= 1 + 1e-12).all()


def test_neutrino_pz_solves_w_mass_constraint():
    rng = np.random.default_rng(6)
    n = 20_000
    w = _kinematics.fourvector_from_pt_y_phi_m(
        rng.exponential(50, n), rng.normal(0, 1.5, n), rng.uniform(-np.pi, np.pi, n), M_W
    )
    lep_rest, nu_rest = _kinematics.two_body_decay(np.full(n, M_W), 0.0, 0.0, rng)
    lep = _kinematics.boost_from_rest_frame(lep_rest, w, mass=M_W)
    nu = _kinematics.boost_from_rest_frame(nu_rest, w, mass=M_W)
    pz = _ttbar._neutrino_pz(lep, nu[1:3], w_mass=M_W)
    nu_reco = np.stack([np.sqrt(nu[1] ** 2 + nu[2] ** 2 + pz**2), nu[1], nu[2], pz])
    np.testing.assert_allclose(_kinematics.invariant_mass(lep, nu_reco), M_W, rtol=1e-6)
    # One of the two roots is the true pz: the smaller one most of the time.
    assert 0.6 < np.isclose(pz, nu[3], rtol=1e-6, atol=1e-6).mean() < 0.95


def test_close_partons_are_merged():
    # Three partons: the first two 0.2 apart in eta (merged), the third far away.
    p4 = _kinematics.fourvector_from_pt_eta_phi_m(
        np.array([[50.0, 30.0, 40.0]]), np.array([[0.0, 0.2, 2.0]]), np.zeros((1, 3)), 0.0
    )
    active = np.ones((1, 3), dtype=bool)
    flavour = np.array([[0, 2, 1]], dtype=np.int8)
    total = p4.sum(axis=2)
    _ttbar._merge_close_partons(p4, active, flavour)
    assert active.tolist() == [[True, False, True]]
    assert flavour[0, 0] == 2  # the merged jet contains a b quark
    np.testing.assert_allclose(p4.sum(axis=2), total)
    pt, _, _ = _kinematics.pt_eta_phi(p4)
    np.testing.assert_allclose(pt[0, 0], 80.0)


# ---- validation -----------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"n_signal_per_mass": -1}, "n_signal_per_mass must be a non-negative integer"),
        ({"n_signal_per_mass": 2.5}, "n_signal_per_mass must be a non-negative integer"),
        ({"n_signal_per_mass": True}, "n_signal_per_mass must be a non-negative integer"),
        ({"n_background": "10"}, "n_background must be a non-negative integer"),
        ({"n_background": None}, "n_background must be a non-negative integer"),
        ({"n_signal_per_mass": 0, "n_background": 0}, "both 0"),
        ({"masses": ()}, "masses is empty"),
        ({"masses": (500, 300)}, r"mass 300 GeV is outside .*threshold"),
        ({"masses": (345,)}, "threshold"),
        ({"masses": (500, 7000)}, "outside"),
        ({"masses": (500, float("nan"))}, "finite numbers"),
        ({"masses": (500, "750")}, "finite numbers"),
        ({"masses": (500, 500.0)}, "duplicates"),
        ({"masses": None}, "masses must be a sequence"),
        ({"width_fraction": 0}, r"width_fraction must be a number in \(0, 0.5\]"),
        ({"width_fraction": 0.8}, "width_fraction"),
        ({"width_fraction": "0.01"}, "width_fraction"),
        ({"random_state": "seed"}, "random_state must be"),
    ],
)
def test_invalid_arguments(kwargs, match):
    args = {"n_signal_per_mass": 5, "n_background": 5, **kwargs}
    with pytest.raises(ValueError, match=match):
        make_ttbar_resonance(**args)


# ---- randomness -----------------------------------------------------------


def test_reproducible_and_seed_dependent():
    a = make_ttbar_resonance(200, 500, random_state=42)
    pd.testing.assert_frame_equal(a, make_ttbar_resonance(200, 500, random_state=42))
    assert not a.equals(make_ttbar_resonance(200, 500, random_state=43))


def test_generator_and_randomstate_inputs():
    a = make_ttbar_resonance(50, 100, random_state=np.random.default_rng(7))
    b = make_ttbar_resonance(50, 100, random_state=np.random.default_rng(7))
    pd.testing.assert_frame_equal(a, b)
    rng = np.random.default_rng(7)
    assert not make_ttbar_resonance(50, 100, random_state=rng).equals(
        make_ttbar_resonance(50, 100, random_state=rng)
    )  # a shared Generator is advanced
    rs_a = make_ttbar_resonance(50, 100, random_state=np.random.RandomState(7))
    rs_b = make_ttbar_resonance(50, 100, random_state=np.random.RandomState(7))
    pd.testing.assert_frame_equal(rs_a, rs_b)


def test_signal_sample_independent_of_background_size():
    def signal_rows(df):
        sig = df[df["label"] == 1]
        return sig.sort_values(["mass", "m_wwbb"]).reset_index(drop=True)

    a = make_ttbar_resonance(100, 50, masses=(600, 1200), random_state=8)
    b = make_ttbar_resonance(100, 400, masses=(600, 1200), random_state=8)
    pd.testing.assert_frame_equal(signal_rows(a), signal_rows(b))


@settings(max_examples=5, deadline=None)
@given(n=st.integers(1, 40), seed=st.integers(0, 2**32 - 1), mass=st.floats(360, 3000))
def test_property_any_seed_and_mass(n, seed, mass):
    df = make_ttbar_resonance(n, n, masses=(mass,), random_state=seed)
    assert df.shape == (2 * n, 29)
    assert np.isfinite(df.to_numpy()).all()
    assert (df["n_jets"] >= 4).all()
    assert (df["lepton_pt"] > 25).all()
    assert (df["mass"] == mass).all()
