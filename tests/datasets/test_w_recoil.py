"""Tests for make_w_recoil (W -> mu nu hadronic-recoil events)."""

import awkward as ak
import numpy as np
import pandas as pd
import pytest

from skhep_models.datasets import W_RECOIL_FEATURES, W_RECOIL_TARGETS, _w_recoil, make_w_recoil

FEATURES = [
    "recoil_charged_x", "recoil_charged_y", "recoil_neutral_x", "recoil_neutral_y",
    "recoil_all_x", "recoil_all_y",
    "sumet_charged", "sumet_neutral", "sumet_all",
    "jet1_px", "jet1_py", "jet2_px", "jet2_py",
    "neutral1_px", "neutral1_py", "neutral2_px", "neutral2_py", "neutral3_px", "neutral3_py",
    "neutral4_px", "neutral4_py", "neutral5_px", "neutral5_py",
    "charged1_px", "charged1_py", "charged2_px", "charged2_py", "charged3_px", "charged3_py",
    "charged4_px", "charged4_py", "charged5_px", "charged5_py",
    "n_vertices", "mu", "n_jets", "n_neutral", "n_charged",
]  # fmt: skip
INT_COLUMNS = {"n_vertices", "n_jets", "n_neutral", "n_charged"}
PT_BINS = [(0, 10), (10, 20), (20, 40), (40, 80), (80, np.inf)]


@pytest.fixture(scope="module")
def events():
    return make_w_recoil(20_000, random_state=0)


@pytest.fixture(scope="module")
def low_pileup():
    return make_w_recoil(20_000, mean_pileup=5, random_state=1)


@pytest.fixture(scope="module")
def high_pileup():
    return make_w_recoil(20_000, mean_pileup=60, random_state=2)


@pytest.fixture(scope="module")
def with_objects():
    return make_w_recoil(3000, mean_pileup=10, random_state=3, return_objects=True)


def _leading(df, kind):
    """(n, 5) arrays of the px, py and pT of the five leading PFOs of one kind."""
    px = df[[f"{kind}{i}_px" for i in range(1, 6)]].to_numpy()
    py = df[[f"{kind}{i}_py" for i in range(1, 6)]].to_numpy()
    return px, py, np.hypot(px, py)


def _recoil_components(df):
    """u_par and u_perp of the raw recoil_all relative to the true recoil direction."""
    pt = df["truth_pt"].to_numpy()
    ex, ey = df["ux"].to_numpy() / pt, df["uy"].to_numpy() / pt
    rx, ry = df["recoil_all_x"].to_numpy(), df["recoil_all_y"].to_numpy()
    return rx * ex + ry * ey, ry * ex - rx * ey


# ---- schema ---------------------------------------------------------------


def test_schema(events):
    assert W_RECOIL_FEATURES == FEATURES
    assert len(W_RECOIL_FEATURES) == 38
    assert W_RECOIL_TARGETS == ["ux", "uy"]
    assert list(events.columns) == [*FEATURES, "ux", "uy", "truth_pt"]
    assert isinstance(events.index, pd.RangeIndex)
    assert len(events) == 20_000
    for col in events.columns:
        expected = np.int64 if col in INT_COLUMNS else np.float64
        assert events[col].dtype == expected, col
    assert np.isfinite(events.to_numpy()).all()


@pytest.mark.parametrize("n", [1, 7, (1 << 14) + 3])
def test_exact_number_of_rows(n):
    df = make_w_recoil(n, mean_pileup=1, random_state=1)
    assert df.shape == (n, 41)


def test_deterministic_for_a_seed():
    a = make_w_recoil(500, random_state=42)
    pd.testing.assert_frame_equal(a, make_w_recoil(500, random_state=42))
    pd.testing.assert_frame_equal(
        a, make_w_recoil(500, random_state=np.random.default_rng(42))
    )
    assert not np.allclose(a["ux"], make_w_recoil(500, random_state=43)["ux"])
    legacy = make_w_recoil(100, random_state=np.random.RandomState(0))
    assert legacy.shape == (100, 41)


def test_output_does_not_depend_on_threads(monkeypatch):
    n = (1 << 14) + 500  # two batches
    monkeypatch.setattr(_w_recoil, "_n_threads", lambda: 1)
    serial = make_w_recoil(n, mean_pileup=5, random_state=7)
    monkeypatch.setattr(_w_recoil, "_n_threads", lambda: 2)
    pd.testing.assert_frame_equal(serial, make_w_recoil(n, mean_pileup=5, random_state=7))


# ---- truth -------------------------------------------------------------------


def test_targets_are_minus_w_pt(events):
    np.testing.assert_allclose(np.hypot(events["ux"], events["uy"]), events["truth_pt"])
    # Uniform azimuth: no preferred direction.
    phi = np.arctan2(events["uy"], events["ux"])
    counts, _ = np.histogram(phi, bins=8, range=(-np.pi, np.pi))
    assert counts.min() > 0.9 * len(events) / 8
    # The measured recoil points along (ux, uy), not along +pT(W).
    u_par, _ = _recoil_components(events)
    assert u_par[events["truth_pt"] > 20].mean() > 10


def test_w_pt_spectrum(events):
    pt = events["truth_pt"].to_numpy()
    counts, edges = np.histogram(pt, bins=np.arange(0.0, 30.0, 1.0))
    assert 3.0 <= edges[np.argmax(counts)] <= 7.0  # maximum near 5 GeV
    assert 12.0 < pt.mean() < 14.0
    assert 7.5 < np.median(pt) < 8.7
    assert 0.07 < np.mean(pt > 30) < 0.10
    assert 0.003 < np.mean(pt > 100) < 0.011
    assert pt.max() > 150


# ---- reconstructed quantities ------------------------------------------------


def test_recoil_and_sumet_sums(events):
    for c in ("x", "y"):
        np.testing.assert_allclose(
            events[f"recoil_all_{c}"], events[f"recoil_charged_{c}"] + events[f"recoil_neutral_{c}"]
        )
    np.testing.assert_allclose(
        events["sumet_all"], events["sumet_charged"] + events["sumet_neutral"]
    )
    for kind in ("charged", "neutral"):
        rec = np.hypot(events[f"recoil_{kind}_x"], events[f"recoil_{kind}_y"])
        assert (rec <= events[f"sumet_{kind}"] * (1 + 1e-12)).all()


@pytest.mark.parametrize("kind, pt_min", [("charged", 0.5), ("neutral", 1.0)])
def test_leading_pfos_sorted_and_zero_padded(kind, pt_min, monkeypatch):
    # A weak underlying event and no pile-up leave some events with few PFOs.
    monkeypatch.setattr(_w_recoil, "UE_ACTIVITY", 0.2)
    df = make_w_recoil(5000, mean_pileup=0, random_state=4)
    px, py, pt = _leading(df, kind)
    assert (np.diff(pt, axis=1) <= 0).all()
    count = df[f"n_{kind}"].to_numpy()
    present = np.arange(5) < count[:, None]
    assert (pt[present] > pt_min).all()
    assert (px[~present] == 0).all() and (py[~present] == 0).all()
    assert (~present).any()  # some events have fewer than five
    assert (pt[:, 0] <= df[f"sumet_{kind}"] * (1 + 1e-12)).all()


def test_jet_columns(events):
    n_jets = events["n_jets"].to_numpy()
    pt1 = np.hypot(events["jet1_px"], events["jet1_py"]).to_numpy()
    pt2 = np.hypot(events["jet2_px"], events["jet2_py"]).to_numpy()
    assert (pt1[n_jets >= 1] > 20).all() and (pt2[n_jets >= 2] > 20).all()
    assert (pt1[n_jets < 1] == 0).all() and (pt2[n_jets < 2] == 0).all()
    assert (pt1 >= pt2).all()
    # About a quarter of W events have a jet above 20 GeV, a few per cent two.
    assert 0.2 < np.mean(n_jets >= 1) < 0.35
    assert 0.03 < np.mean(n_jets >= 2) < 0.1
    # A hard W recoils against a jet along the true recoil.
    hard = (events["truth_pt"] > 60).to_numpy() & (n_jets == 1)
    cos = (events["jet1_px"] * events["ux"] + events["jet1_py"] * events["uy"]) / (
        pt1 * events["truth_pt"]
    )
    assert np.median(cos[hard]) > 0.95


def test_pileup_and_vertices(events):
    mu = events["mu"].to_numpy()
    assert abs(mu.mean() - _w_recoil.RUN2_MEAN_PILEUP) < 0.5
    assert 9 < mu.std() < 13
    npv = events["n_vertices"].to_numpy()
    assert (npv >= 1).all()
    slope = np.polyfit(mu, npv, 1)[0]
    assert 0.6 < slope < 0.7
    df = make_w_recoil(200, mean_pileup=0, random_state=5)
    assert (df["mu"] == 0).all() and (df["n_vertices"] == 1).all()


def test_sumet_grows_with_pileup(events, low_pileup, high_pileup):
    means = [df["sumet_all"].mean() for df in (low_pileup, events, high_pileup)]
    assert means[0] < means[1] < means[2]
    assert means[2] > 2.5 * means[0]
    assert np.corrcoef(events["mu"], events["sumet_neutral"])[0, 1] > 0.8
    assert np.corrcoef(events["n_vertices"], events["sumet_all"])[0, 1] > 0.7
    # Charged-hadron subtraction keeps the charged sum much less sensitive.
    ch = [df["sumet_charged"].mean() for df in (low_pileup, high_pileup)]
    neu = [df["sumet_neutral"].mean() for df in (low_pileup, high_pileup)]
    assert ch[1] / ch[0] < 0.5 * neu[1] / neu[0]


def test_raw_recoil_response_below_one(events):
    u_par, _ = _recoil_components(events)
    pt = events["truth_pt"].to_numpy()
    responses = []
    for lo, hi in PT_BINS:
        m = (pt >= lo) & (pt < hi)
        responses.append(u_par[m].mean() / pt[m].mean())
    assert all(0.45 < r < 0.95 for r in responses), responses
    assert responses[-1] > responses[1] > responses[0] - 0.05  # rises with pT


def test_resolution_grows_with_pileup(low_pileup, events, high_pileup):
    sigmas = []
    for df in (low_pileup, events, high_pileup):
        u_par, u_perp = _recoil_components(df)
        sigmas.append(np.std(u_perp))
    assert sigmas[0] < sigmas[1] < sigmas[2]
    assert 6 < sigmas[0] < 12
    assert 14 < sigmas[1] < 21  # about 18 GeV at <mu> = 33.7
    # Roughly sqrt(mu) scaling above the underlying-event term.
    assert sigmas[2] > 1.2 * sigmas[1]
    # The truth is not recoverable from the raw recoil.
    u_par, _ = _recoil_components(events)
    assert np.std(u_par - events["truth_pt"]) > 10


# ---- return_objects ------------------------------------------------------------


def test_objects_match_dataframe(with_objects):
    df, objects = with_objects
    assert isinstance(objects, ak.Array)
    assert len(objects) == len(df)
    assert set(objects.fields) == {
        "Jet_Px", "Jet_Py", "ChargedPFO_Px", "ChargedPFO_Py", "NeutralPFO_Px", "NeutralPFO_Py",
        "n_vertices", "mu", "ux", "uy",
    }  # fmt: skip
    for key in ("n_vertices", "mu", "ux", "uy"):
        np.testing.assert_array_equal(ak.to_numpy(objects[key]), df[key].to_numpy())
    pd.testing.assert_frame_equal(df, make_w_recoil(3000, mean_pileup=10, random_state=3))

    for kind, label in (("charged", "ChargedPFO"), ("neutral", "NeutralPFO")):
        px, py = objects[f"{label}_Px"], objects[f"{label}_Py"]
        pt = np.hypot(px, py)
        np.testing.assert_array_equal(ak.to_numpy(ak.num(px)), df[f"n_{kind}"].to_numpy())
        for c, values in (("x", px), ("y", py)):
            np.testing.assert_allclose(
                ak.to_numpy(ak.sum(values, axis=1)), df[f"recoil_{kind}_{c}"], rtol=1e-12, atol=1e-9
            )
        np.testing.assert_allclose(
            ak.to_numpy(ak.sum(pt, axis=1)), df[f"sumet_{kind}"], rtol=1e-12, atol=1e-9
        )
        order = ak.argsort(pt, axis=1, ascending=False)
        lead_px, lead_py, _ = _leading(df, kind)
        for values, expected in ((px, lead_px), (py, lead_py)):
            padded = ak.fill_none(ak.pad_none(values[order], 5, axis=1, clip=True), 0.0)
            np.testing.assert_array_equal(ak.to_numpy(padded), expected)
        # Stored in random order: readers must sort.
        is_sorted = ak.to_numpy(ak.all(pt[:, :-1] >= pt[:, 1:], axis=1))
        assert is_sorted.mean() < 0.05

    np.testing.assert_array_equal(ak.to_numpy(ak.num(objects["Jet_Px"])), df["n_jets"].to_numpy())
    for c in ("px", "py"):
        padded = ak.fill_none(ak.pad_none(objects["Jet_P" + c[1]], 2, axis=1, clip=True), 0.0)
        expected = df[[f"jet1_{c}", f"jet2_{c}"]].to_numpy()
        np.testing.assert_array_equal(ak.to_numpy(padded), expected)
    jet_pt = np.hypot(objects["Jet_Px"], objects["Jet_Py"])
    assert ak.all(jet_pt > 20)
    assert ak.all(jet_pt[:, :-1] >= jet_pt[:, 1:])


def test_objects_round_trip_through_root(with_objects, tmp_path):
    uproot = pytest.importorskip("uproot")
    df, objects = with_objects
    path = tmp_path / "w_recoil.root"
    with uproot.recreate(path) as f:
        f["events"] = {name: objects[name] for name in objects.fields}
    with uproot.open(path) as f:
        back = f["events"].arrays(["ChargedPFO_Px", "mu"])
    assert ak.all(back["ChargedPFO_Px"] == objects["ChargedPFO_Px"])
    np.testing.assert_array_equal(ak.to_numpy(back["mu"]), df["mu"].to_numpy())


# ---- internals ---------------------------------------------------------------


def test_jet_calibration_inverts_the_response():
    raw = np.array([0.3, 2.0, 10.0, 20.0, 75.0, 400.0, 3000.0])
    for central, (c, a, b) in zip((True, False), _w_recoil.JET_RESPONSE):
        pt = _w_recoil._calibrate_jets(raw, np.full(raw.shape, central))
        np.testing.assert_allclose(pt * (c - a * pt**-b), raw, rtol=1e-10)
    assert _w_recoil._calibrate_jets(np.zeros(1), np.ones(1, dtype=bool))[0] == 0


def test_soft_deposit_tables_match_direct_simulation():
    """The tabulated sampler of soft calorimeter deposits reproduces a direct simulation."""
    rng = np.random.default_rng(0)
    n = 300_000
    centre, em_density, had_density = _w_recoil._soft_densities()
    rates, means = [], []
    for em, density in ((True, em_density), (False, had_density)):
        j = rng.choice(centre.size, n, p=density / density.sum())
        abs_eta = (j + rng.random(n)) * _w_recoil._ETA_BIN
        meas = _w_recoil._measure_calo(_w_recoil._sample_soft_pt(n, rng), abs_eta, em, rng)
        kept = meas[meas > _w_recoil.NEUTRAL_PT_MIN]
        rates.append(density.sum() * _w_recoil._ETA_BIN * kept.size / n)
        means.append(kept.mean())
    direct_rate = sum(rates)
    direct_mean = np.dot(rates, means) / direct_rate
    m = 100_000
    _, pt, _ = _w_recoil._sample_soft_calo(np.ones(m), rng)
    np.testing.assert_allclose(pt.size / m, direct_rate, rtol=0.02)
    np.testing.assert_allclose(pt.mean(), direct_mean, rtol=0.02)
    assert pt.min() > _w_recoil.NEUTRAL_PT_MIN


def test_quantile_position_and_guide_table():
    levels = _w_recoil._quantile_levels()
    u = np.random.default_rng(0).random(100_000)
    pos = _w_recoil._quantile_position(u)
    i = pos.astype(int)
    assert (levels[i] <= u).all() and (u <= levels[i + 1]).all()
    at_levels = _w_recoil._quantile_position(levels[:-1])
    np.testing.assert_allclose(at_levels, np.arange(levels.size - 1), atol=1e-6)
    p = np.array([0.1, 0.25, 0.05, 0.6])
    upper, guide = _w_recoil._guide_table(p, cells=64)
    j = guide[(u * guide.size).astype(int)]
    j += u >= upper[j]
    np.testing.assert_array_equal(j, np.searchsorted(np.cumsum(p)[:-1], u, side="right"))


# ---- validation ----------------------------------------------------------------


@pytest.mark.parametrize("n_events", [0, -5, 2.5, True, "100", None])
def test_bad_n_events(n_events):
    with pytest.raises(ValueError, match="n_events"):
        make_w_recoil(n_events)


@pytest.mark.parametrize("mean_pileup", [-1, -0.1, np.nan, np.inf, 1e4, "34", None, True])
def test_bad_mean_pileup(mean_pileup):
    with pytest.raises(ValueError, match="mean_pileup"):
        make_w_recoil(10, mean_pileup=mean_pileup)


@pytest.mark.parametrize("return_objects", ["yes", 1, None])
def test_bad_return_objects(return_objects):
    with pytest.raises(ValueError, match="return_objects"):
        make_w_recoil(10, return_objects=return_objects)


def test_bad_random_state():
    with pytest.raises(ValueError, match="random_state"):
        make_w_recoil(10, random_state="seed")


def test_w_pt_range_draws_a_flat_boson_pt():
    from scipy.stats import kstest

    df = make_w_recoil(4000, w_pt_range=(100.0, 400.0), random_state=3)
    pt = df["truth_pt"].to_numpy()
    assert pt.min() >= 100 and pt.max() < 400
    assert kstest((pt - 100) / 300, "uniform").pvalue > 1e-3
    # the recoil still follows the boson: the raw sum points along the truth
    cos = (df["recoil_all_x"] * df["ux"] + df["recoil_all_y"] * df["uy"]) / (
        np.hypot(df["recoil_all_x"], df["recoil_all_y"]) * pt
    )
    assert np.median(cos) > 0.95
    for bad in ((400, 100), (-1, 10), (0, np.inf), "wide", (1, 2, 3), "12", (True, 5), ("1", "2")):
        with pytest.raises(ValueError, match="w_pt_range"):
            make_w_recoil(10, w_pt_range=bad, random_state=0)
