"""Synthetic HEPMASS-like ``X -> t tbar`` resonance events (:func:`make_ttbar_resonance`)."""

from functools import lru_cache
from numbers import Real

import numpy as np
import pandas as pd

from ._kinematics import (
    boost_from_rest_frame,
    check_generator,
    fill_quota,
    fourvector_from_pt_eta_phi_m,
    fourvector_from_pt_y_phi_m,
    invariant_mass,
    pt_eta_phi,
    sample_breit_wigner_mass,
    sample_pt_power_law,
    sample_truncated_normal,
    two_body_momentum,
    wrap_phi,
)

__all__ = ["make_ttbar_resonance", "TTBAR_FEATURES"]

_JET_COLUMNS = [f"jet{i}_{v}" for i in range(1, 5) for v in ("pt", "eta", "phi", "btag")]

#: The 27 event features, in the order of the HEPMASS files: 22 low-level
#: (lepton, missing ET, jet multiplicity, four leading jets) then 5 high-level.
TTBAR_FEATURES = [
    "lepton_pt", "lepton_eta", "lepton_phi",
    "met", "met_phi",
    "n_jets",
    *_JET_COLUMNS,
    "m_jj", "m_jjj", "m_lv", "m_jlv", "m_wwbb",
]  # fmt: skip

#: Output columns: the features, the mass hypothesis and the class label.
COLUMNS = (*TTBAR_FEATURES, "mass", "label")

_INT_COLUMNS = ("n_jets", *(f"jet{i}_btag" for i in range(1, 5)), "label")

# ---- Physics constants (GeV) ----------------------------------------------
#: Proton-proton centre-of-mass energy.
SQRT_S = 13_000.0
#: Top-quark mass (the value used in LHC simulation) and width (PDG 2024).
TOP_MASS = 172.5
TOP_WIDTH = 1.42
#: W-boson mass and width, PDG 2024.
W_MASS = 80.369
W_WIDTH = 2.085
#: b-quark mass (pole mass, PDG 2024, rounded).
B_MASS = 4.78
#: t tbar production threshold; resonance masses must lie above it.
TTBAR_THRESHOLD = 2.0 * TOP_MASS
#: Breit-Wigner truncation: top and W masses within these windows [GeV].
TOP_MASS_WINDOW = 15.0
W_MASS_WINDOW = 20.0
#: Resonance line shapes are truncated at +-SIGNAL_WIDTHS widths.
SIGNAL_WIDTHS = 10.0
#: Upper end of the generated t tbar mass range.
MTT_MAX = 6_000.0
#: W helicity fractions in t -> W b at NNLO (longitudinal, left-, right-handed).
W_HELICITY = (0.687, 0.311, 0.0017)
#: Fraction of SM t tbar produced by g g fusion at 13 TeV (rest: q qbar).
GG_FRACTION = 0.9
#: Probability that a hadronic W decays to c s (else u d).
W_TO_CS = 0.5

# ---- Production model -----------------------------------------------------
#: SM dsigma/dm_tt ~ beta^a x^-b (1 - x)^c, x = m_tt/sqrt(s), fitted to ATLAS.
MTT_SHAPE = (1.12, 3.74, 18.2)
#: Pair rapidity: Gaussian of width RAPIDITY_SCALE * ln(sqrt(s)/m), truncated
#: at the kinematic limit |y| < ln(sqrt(s)/m).
RAPIDITY_SCALE = 0.34
#: Initial-state radiation: Poisson mean and cap of the number of extra
#: partons with pT > ISR_PT_MIN; dN/dpT ~ pT^-(1 + ISR_PT_INDEX); Gaussian
#: pseudorapidity of width ISR_ETA_SIGMA truncated at |eta| < ISR_ETA_MAX.
ISR_MEAN = 2.0
ISR_MAX = 6
ISR_PT_MIN = 25.0
ISR_PT_INDEX = 2.0
ISR_ETA_SIGMA = 2.0
ISR_ETA_MAX = 4.7
#: Unresolved (soft) recoil: dN/dpT ~ pT (1 + (pT/p0)^2)^-n.
SOFT_RECOIL_P0 = 10.0
SOFT_RECOIL_N = 2.5

# ---- Detector response ----------------------------------------------------
#: Jet energy resolution sigma/E = a/sqrt(E) (+) c, E in GeV.
JET_STOCHASTIC = 1.0
JET_CONSTANT = 0.05
#: Gaussian smearing of the jet direction.
JET_SIGMA_ANGLE = 0.01
#: Lepton pT resolution: sigma/pT = a (+) b pT, a per |eta| region.
LEPTON_BARREL_ETA_MAX = 1.5
LEPTON_RES_BARREL = 0.015
LEPTON_RES_ENDCAP = 0.025
LEPTON_RES_SLOPE = 5e-5  # per GeV: 5 % at 1 TeV
LEPTON_SIGMA_ANGLE = 1e-3
#: Per-component Gaussian resolution of the soft (unclustered) MET term [GeV].
MET_SOFT_SIGMA = 10.0
#: b-tagging efficiency by jet flavour (CMS DeepCSV medium working point).
BTAG_EFFICIENCY = {"b": 0.68, "c": 0.12, "light": 0.01}

# ---- Selection -------------------------------------------------------------
LEPTON_PT_MIN = 25.0
LEPTON_ETA_MAX = 2.5
JET_PT_MIN = 30.0
JET_ETA_MAX = 2.4
#: Jet distance parameter: partons closer than this are merged into one jet,
#: and the lepton must be at least this far from every selected jet.
JET_R = 0.4
N_JETS_MIN = 4

# Flavour codes of the jet slots.
_LIGHT, _CHARM, _BOTTOM = 0, 1, 2
_BTAG_BY_CODE = np.array(
    [BTAG_EFFICIENCY["light"], BTAG_EFFICIENCY["c"], BTAG_EFFICIENCY["b"]]
)

# Batches of at most _MAX_BATCH generated events (~100 MB of temporaries).
_MAX_BATCH = 1 << 16
_EFFICIENCY_GUESS = 0.2  # sizes the first batch only

# Truth-level pre-selection, an optimisation only: a lepton with true
# pT < 20 GeV needs an upward fluctuation of its pT response of more than
# 10 standard deviations to pass the 25 GeV cut (sigma/pT <= 2.5 % (+) 0.1 %
# there), and the eta margin is 10 LEPTON_SIGMA_ANGLE. The neglected
# probability is < 1e-20.
_TRUTH_LEPTON_PT_MIN = 20.0
_TRUTH_LEPTON_ETA_MAX = LEPTON_ETA_MAX + 10 * LEPTON_SIGMA_ANGLE

# Published inputs (kept here so that the tests can check the fits).
#: ATLAS 13 TeV lepton+jets, parton level, full phase space: normalised
#: 1/sigma dsigma/dm_tt [1/GeV] in bins of m_tt [GeV] (arXiv:1908.07305).
ATLAS_MTT_EDGES = (325.0, 400.0, 480.0, 580.0, 700.0, 860.0, 1020.0, 1250.0, 1500.0, 2000.0)
ATLAS_MTT_NORMALISED = (
    2.971283e-03, 3.864547e-03, 2.200510e-03, 1.046854e-03, 4.298564e-04,
    1.793252e-04, 6.971501e-05, 2.330341e-05, 5.974353e-06,
)  # fmt: skip
#: Same measurement: normalised 1/sigma dsigma/d|y_tt| in bins of |y_tt|.
ATLAS_YTT_EDGES = (0.0, 0.25, 0.5, 0.8, 1.1, 1.4, 1.8, 2.5)
ATLAS_YTT_NORMALISED = (0.7065557, 0.6899223, 0.6262181, 0.5248349, 0.4067388, 0.2669551, 0.1096585)


def make_ttbar_resonance(
    n_signal_per_mass=1000,
    n_background=5000,
    masses=(500, 750, 1000, 1250, 1500),
    *,
    width_fraction=0.01,
    random_state=None,
):
    """Generate HEPMASS-like ``X -> t tbar`` signal and SM ``t tbar`` background.

    A fast, fully vectorised toy Monte Carlo of the benchmark of Baldi et al.
    [1]_ (the UCI "HEPMASS" data): a new resonance ``X`` of unknown mass
    decaying to a top-quark pair, searched for in the lepton+jets channel
    (``t tbar -> W b W b -> l nu b q q' b``) against the irreducible Standard
    Model ``t tbar`` continuum. Tops and W bosons are decayed with their
    Breit-Wigner line shapes, extra jets from initial-state radiation are
    added, jets and leptons are smeared with a CMS-like response, b jets are
    tagged, and the high-level features are reconstructed from the measured
    objects as an analysis would. The 27 features follow the HEPMASS order
    (``TTBAR_FEATURES``); ``mass`` is the mass hypothesis to condition a
    parameterised classifier on, and ``label`` is 1 for signal.

    Parameters
    ----------
    n_signal_per_mass : int, default=1000
        Number of selected signal events (rows) for each mass in ``masses``;
        a non-negative integer.
    n_background : int, default=5000
        Number of selected background events; a non-negative integer. At
        least one of the two counts must be positive.
    masses : sequence of float, default=(500, 750, 1000, 1250, 1500)
        Resonance masses [GeV], the five HEPMASS values by default. Each must
        be finite, above the ``t tbar`` threshold ``2 m_t = 345 GeV`` and
        below ``sqrt(s)/2 = 6500 GeV``; no duplicates. A single number is
        accepted as a one-element sequence.
    width_fraction : float, default=0.01
        Total width of ``X`` as a fraction of its mass, in ``(0, 0.5]``. The
        default 1 % is the "narrow" benchmark of the LHC ``t tbar`` resonance
        searches [9]_, narrower than the detector resolution.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, \
default=None
        Source of randomness. An int (or a Generator/RandomState in a given
        state) makes the output reproducible; ``None`` does not.

    Returns
    -------
    pandas.DataFrame of shape (len(masses) * n_signal_per_mass + n_background, 29)
        The columns of ``TTBAR_FEATURES``, then ``mass`` and ``label``:

        * ``lepton_pt, lepton_eta, lepton_phi``: the charged lepton (e or mu);
        * ``met, met_phi``: missing transverse momentum, magnitude and azimuth;
        * ``n_jets``: number of selected jets (>= 4);
        * ``jet{1..4}_{pt, eta, phi, btag}``: the four leading jets in pT;
          ``btag`` is 1 for a b-tagged jet, else 0;
        * ``m_jj, m_jjj, m_lv, m_jlv, m_wwbb``: reconstructed masses of the
          hadronic W, hadronic top, leptonic W, leptonic top and of the whole
          ``W W b b`` system (see Notes);
        * ``mass``: the resonance mass of a signal event; for background a
          value drawn uniformly from ``masses``, as in HEPMASS;
        * ``label``: 1 for signal, 0 for background.

        Momenta and masses in GeV, azimuths in ``(-pi, pi]``. ``n_jets``, the
        b-tags and ``label`` are int64, the rest float64. Rows are in random
        order.

    Raises
    ------
    ValueError
        If a count is negative or not an integer, if both are zero, if
        ``masses`` is empty, has duplicates or a mass that is not a finite
        number in ``(345, 6500)`` GeV, if ``width_fraction`` is not in
        ``(0, 0.5]``, or if ``random_state`` is of an unsupported type.

    Notes
    -----
    All numbers below are module constants of
    ``skhep_models.datasets._ttbar``. The collision energy is
    ``sqrt(s) = 13 TeV`` and the detector model is CMS-like; HEPMASS was a
    MadGraph/Pythia/Delphes simulation, so the feature distributions are
    similar in kind but not identical to the published files.

    **Masses and widths.** ``m_t = 172.5 GeV`` (the mass used in the LHC
    simulations and measurements [4]_, [5]_), ``Gamma_t = 1.42 GeV``;
    ``m_W = 80.369 GeV``, ``Gamma_W = 2.085 GeV``; ``m_b = 4.78 GeV``
    (PDG 2024 [2]_). Top and W masses are drawn per event from relativistic
    Breit-Wigner distributions truncated at ``m_t +- 15 GeV`` and
    ``m_W +- 20 GeV``. Light quarks and leptons are massless.

    **Signal.** The mass of ``X`` is drawn from a relativistic Breit-Wigner
    of width ``Gamma_X = width_fraction * m_X`` truncated at
    ``+-10 Gamma_X`` (parton luminosities, which would enhance the low-mass
    tail, are not applied). ``X`` decays to ``t tbar`` with
    ``dN/dcos(theta*) ~ 1 + cos^2(theta*)``, the distribution of a spin-1
    state made in ``q qbar`` annihilation (massless limit), where ``theta*``
    is the top polar angle in the ``X`` rest frame (reached by a pure boost
    from the laboratory) relative to the beam axis.

    **Background.** SM ``t tbar`` with ``m_tt`` drawn from
    ``dsigma/dm ~ beta^1.12 x^-3.74 (1 - x)^18.2``, ``x = m/sqrt(s)``,
    ``beta = sqrt(1 - 4 m_t^2/m^2)``, between the threshold ``2 m_t`` and
    6 TeV. The three parameters are a least-squares fit to the ATLAS 13 TeV
    lepton+jets measurement of the normalised parton-level ``dsigma/dm_tt``
    in 9 bins from 325 to 2000 GeV [4]_, with its full covariance
    (chi^2 = 2.6 for 8 independent bins, the normalisation fixing the ninth,
    and 3 parameters); the fitted shape peaks at 387 GeV with median 469 GeV
    and agrees with every bin to 2.5 %. The decay angle follows the leading-order
    ``g g -> t tbar`` (fraction 0.9, the approximate gluon-fusion share at
    13 TeV [2]_) and ``q qbar -> t tbar`` matrix elements [8]_,
    ``|M|^2 ~ (1/(6 tau1 tau2) - 3/8)(tau1^2 + tau2^2 + rho -
    rho^2/(4 tau1 tau2))`` and ``tau1^2 + tau2^2 + rho/2`` with
    ``tau1,2 = (1 -+ beta cos(theta*))/2``, ``rho = 1 - beta^2``.

    **Production (signal and background alike).** Rapidity of the pair:
    Gaussian of width ``0.34 ln(sqrt(s)/m)``, truncated at the kinematic
    limit ``|y| < ln(sqrt(s)/m)``, so it narrows as ``m/sqrt(s)`` grows; the
    factor 0.34 is a fit of the ``m_tt``-averaged ``|y_tt|`` distribution to
    the ATLAS measurement [4]_, which it matches to 7 % in every bin of
    ``|y_tt| < 2.5``.
    Transverse momentum: the pair recoils against initial-state radiation,
    a Poisson number (mean 2, at most 6) of extra partons with
    ``pT > 25 GeV``, ``dN/dpT ~ pT^-3``, pseudorapidity Gaussian with
    ``sigma = 2`` truncated at ``|eta| < 4.7`` and uniform azimuth, plus an
    unresolved recoil with ``dN/dpT ~ pT (1 + (pT/10 GeV)^2)^-2.5``. The
    ISR model is effective (it also stands in for final-state radiation) and
    the same at every mass; its mean and threshold were tuned so that the
    selected background has about 48.7, 32.4, 13.9, 4.0 and 1.1 % of events with
    4, 5, 6, 7 and >= 8 jets, close to the CMS 13 TeV particle-level
    fractions of events with 0, 1, 2, 3 and >= 4 additional jets, 48.8,
    31.4, 13.0, 4.6 and 2.1 % [5]_. The resulting pair pT (before selection)
    falls 35, 39, 18, 5 and 3 % in the bins 0-35-80-140-200-500 GeV, against
    38, 32, 16, 7 and 7 % for the CMS particle-level ``pT(t tbar)`` [5]_.

    **Decays.** ``t -> W b`` isotropic in the top rest frame; top spin
    correlations and polarisation are neglected. ``W -> l nu`` for one top
    and ``W -> q qbar'`` for the other, with the charged lepton (and the
    down-type quark) angle ``theta`` in the W rest frame, relative to the W
    direction in the top rest frame, following the NNLO W helicity fractions
    ``F0 = 0.687, FL = 0.311, FR = 0.0017`` [7]_:
    ``dN/dcos ~ 3/4 F0 sin^2 + 3/8 FL (1 - cos)^2 + 3/8 FR (1 + cos)^2``.
    Half of the hadronic W decays are ``c s``, half ``u d`` (CKM-suppressed
    modes neglected); ``tau`` leptons are not simulated. All two-body decays
    are done in the parent rest frame and boosted to the laboratory.

    **Jets.** The two b quarks, the two W daughters and the ISR partons are
    clustered: while two of them are closer than ``Delta R = 0.4`` they are
    merged (four-momenta added; a merged jet is a b jet if it contains a b,
    else a c jet if it contains a c). Jet energies are smeared with
    ``sigma_E/E = 100 %/sqrt(E) (+) 5 %`` (E in GeV), which reproduces the
    CMS jet resolution at central rapidity (15-20 % at 30 GeV, about 10 % at
    100 GeV, 5 % at 1 TeV [6]_) to about one percentage point; the jet mass
    scales with the energy, and ``eta`` and ``phi`` are smeared by 0.01. A
    jet is selected if ``pT > 30 GeV`` and ``|eta| < 2.4``, as in the CMS
    lepton+jets analyses [5]_. Selected jets are sorted by pT and the four
    leading fill ``jet1..jet4``. b-tagging: each selected jet is tagged with
    probability 0.68 (b), 0.12 (c) or 0.01 (light quark or gluon), the CMS
    DeepCSV medium working point in ``t tbar`` events [3]_.

    **Lepton.** ``pT`` smeared with ``sigma/pT = a (+) 5e-5 pT/GeV``,
    ``a = 1.5 %`` for ``|eta| < 1.5`` and 2.5 % beyond, of the size measured
    for CMS muons and electrons [10]_, [11]_; ``eta`` and ``phi`` smeared by
    ``1e-3``. Selected if ``pT > 25 GeV`` (the scale of the single-lepton
    trigger thresholds of the 13 TeV analyses), ``|eta| < 2.5`` (tracker
    acceptance) and isolated: ``Delta R > 0.4`` from every selected jet.

    **Missing transverse momentum** is minus the vector sum of the measured
    lepton, all measured jets (selected or not) and the soft recoil measured
    with a Gaussian resolution of 10 GeV per component (illustrative). It
    therefore equals the neutrino transverse momentum plus the mismeasurement
    of the visible objects.

    **Selection**: exactly one isolated lepton passing the cuts and at least
    4 selected jets. Each sample (each mass, and the background) is
    simulated in batches until it has exactly its requested number of
    selected events, from its own random stream derived from
    ``random_state`` (so changing one count leaves the other samples'
    events unchanged); the rows are then shuffled.

    **High-level features**, from the measured objects only:

    * neutrino: ``pT`` = missing transverse momentum, ``pz`` from the W-mass
      constraint ``m(l nu) = m_W``, the root of smaller ``|pz|``; when the
      discriminant is negative, its real part. ``m_lv`` is therefore exactly
      ``m_W`` except for events with a negative discriminant, where it is
      larger.
    * ``m_jj``: among the pairs of the four leading jets, the pair with mass
      closest to ``m_W``, taken among the untagged jets when at least two of
      the four are untagged.
    * ``m_jjj``: that pair plus whichever of the two remaining jets gives the
      mass closest to ``m_t``; ``m_jlv``: the lepton, the neutrino and the
      other remaining jet.
    * ``m_wwbb``: lepton + neutrino + the four leading jets.

    Because ISR jets often enter the four leading jets, the signal
    ``m_wwbb`` peaks a few per cent above ``m_X`` (about 10 % at 500 GeV,
    where the selection favours events with hard extra jets). Above about
    1 TeV the hadronic W is boosted enough (``Delta R ~ 2 m_W/pT < 0.4``)
    that its two quarks often form a single jet, so the resolved ``m_jj``
    and ``m_jjj`` lose their W and top peaks for part of the events, as in
    the resolved analyses at the LHC.

    References
    ----------
    .. [1] P. Baldi, K. Cranmer, T. Faucett, P. Sadowski and D. Whiteson,
       "Parameterized neural networks for high-energy physics",
       Eur. Phys. J. C 76 (2016) 235, arXiv:1601.07913; data: UCI Machine
       Learning Repository, "HEPMASS".
    .. [2] S. Navas et al. (Particle Data Group), "Review of Particle
       Physics", Phys. Rev. D 110, 030001 (2024), including the review
       "Top quark".
    .. [3] CMS Collaboration, "Identification of heavy-flavour jets with the
       CMS detector in pp collisions at 13 TeV", JINST 13 (2018) P05011,
       arXiv:1712.07158.
    .. [4] ATLAS Collaboration, "Measurements of top-quark pair differential
       and double-differential cross-sections in the l+jets channel with pp
       collisions at sqrt(s) = 13 TeV using the ATLAS detector",
       Eur. Phys. J. C 79 (2019) 1028, arXiv:1908.07305; parton-level
       normalised tables via HEPData (ins1750330).
    .. [5] CMS Collaboration, "Measurement of differential cross sections for
       top quark pair production using the lepton+jets final state in
       proton-proton collisions at 13 TeV", Phys. Rev. D 95 (2017) 092001,
       arXiv:1610.04191.
    .. [6] CMS Collaboration, "Jet energy scale and resolution in the CMS
       experiment in pp collisions at 8 TeV", JINST 12 (2017) P02014,
       arXiv:1607.03663.
    .. [7] A. Czarnecki, J.G. Korner and J.H. Piclum, "Helicity fractions of
       W bosons from top quark decays at NNLO in QCD", Phys. Rev. D 81 (2010)
       111503, arXiv:1005.2625.
    .. [8] R.K. Ellis, W.J. Stirling and B.R. Webber, "QCD and Collider
       Physics", Cambridge University Press (1996), section 10.4 (heavy quark
       production matrix elements).
    .. [9] CMS Collaboration, "Search for resonant t tbar production in
       proton-proton collisions at sqrt(s) = 13 TeV", JHEP 04 (2019) 031,
       arXiv:1810.05905 (benchmark widths Gamma/M = 1, 10 and 30 %).
    .. [10] CMS Collaboration, "Performance of CMS muon reconstruction in pp
       collision events at sqrt(s) = 7 TeV", JINST 7 (2012) P10002.
    .. [11] CMS Collaboration, "Performance of electron reconstruction and
       selection with the CMS detector in proton-proton collisions at
       sqrt(s) = 8 TeV", JINST 10 (2015) P06005.

    Examples
    --------
    >>> from skhep_models.datasets import make_ttbar_resonance
    >>> df = make_ttbar_resonance(100, 300, masses=(500, 1000), random_state=0)
    >>> df.shape
    (500, 29)
    >>> df.groupby(["label", "mass"]).size().loc[1].to_dict()
    {500.0: 100, 1000.0: 100}
    >>> bool((df["n_jets"] >= 4).all() and (df["jet1_pt"] >= df["jet2_pt"]).all())
    True
    """
    n_signal_per_mass = _check_count("n_signal_per_mass", n_signal_per_mass)
    n_background = _check_count("n_background", n_background)
    if n_signal_per_mass == 0 and n_background == 0:
        raise ValueError(
            "n_signal_per_mass and n_background are both 0; at least one event "
            "must be requested"
        )
    masses = _check_masses(masses)
    width_fraction = _check_width_fraction(width_fraction)
    rng = check_generator(random_state)

    # One independent stream per sample: a sample does not change when the
    # size of another one does.
    streams = [
        np.random.default_rng(seed)
        for seed in np.random.SeedSequence(rng.integers(0, 2**63, size=4)).spawn(
            len(masses) + 1
        )
    ]
    parts, mass_col, labels = [], [], []
    if n_signal_per_mass:
        for m_x, stream in zip(masses, streams):
            parts.append(_simulate(m_x, width_fraction, n_signal_per_mass, stream))
            mass_col.append(np.full(n_signal_per_mass, m_x))
            labels.append(np.ones(n_signal_per_mass, dtype=np.int64))
    if n_background:
        parts.append(_simulate(None, width_fraction, n_background, streams[-1]))
        mass_col.append(rng.choice(np.asarray(masses), size=n_background))
        labels.append(np.zeros(n_background, dtype=np.int64))

    order = rng.permutation(sum(len(lab) for lab in labels))
    data = {key: np.concatenate([p[key] for p in parts])[order] for key in TTBAR_FEATURES}
    data["mass"] = np.concatenate(mass_col)[order]
    data["label"] = np.concatenate(labels)[order]
    for key in _INT_COLUMNS:
        data[key] = data[key].astype(np.int64)
    # copy=False: the arrays are fresh, and consolidating them would copy.
    return pd.DataFrame({key: data[key] for key in COLUMNS}, copy=False)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_count(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 0:
        raise ValueError(f"{name} must be a non-negative integer, got {value!r}")
    return int(value)


def _check_masses(masses):
    if isinstance(masses, Real) and not isinstance(masses, bool):
        masses = (masses,)
    try:
        values = list(masses)
    except TypeError:
        raise ValueError(
            f"masses must be a sequence of numbers, got {type(masses).__name__}"
        ) from None
    if not values:
        raise ValueError("masses is empty; give at least one resonance mass")
    out = []
    for m in values:
        if isinstance(m, bool) or not isinstance(m, Real) or not np.isfinite(m):
            raise ValueError(f"masses must contain finite numbers, got {m!r}")
        if not TTBAR_THRESHOLD < m < SQRT_S / 2:
            raise ValueError(
                f"mass {m!r} GeV is outside ({TTBAR_THRESHOLD:g}, {SQRT_S / 2:g}) GeV: "
                f"X -> t tbar needs m_X above the t tbar threshold 2 m_t = "
                f"{TTBAR_THRESHOLD:g} GeV"
            )
        out.append(float(m))
    if len(set(out)) != len(out):
        raise ValueError(f"masses contains duplicates: {values!r}")
    return tuple(out)


def _check_width_fraction(width_fraction):
    if (
        isinstance(width_fraction, bool)
        or not isinstance(width_fraction, Real)
        or not 0 < width_fraction <= 0.5
    ):
        raise ValueError(f"width_fraction must be a number in (0, 0.5], got {width_fraction!r}")
    return float(width_fraction)


# --------------------------------------------------------------------------
# Production
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _mtt_inverse_cdf_grid():
    """CDF of the SM m_tt shape on a grid, dense near the threshold."""
    a, b, c = MTT_SHAPE
    m = TTBAR_THRESHOLD + np.concatenate(
        [[0.0], np.geomspace(1e-4, MTT_MAX - TTBAR_THRESHOLD, 16_384)]
    )
    x = m / SQRT_S
    beta = np.sqrt(np.maximum(1.0 - (TTBAR_THRESHOLD / m) ** 2, 0.0))
    f = beta**a * x ** (-b) * (1.0 - x) ** c
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(m))])
    return cdf / cdf[-1], m


def _sample_mtt(size, rng):
    """SM t tbar invariant masses (inverse CDF, linear interpolation on a fine grid)."""
    cdf, m = _mtt_inverse_cdf_grid()
    return np.interp(rng.random(size), cdf, m)


def _sample_pair_rapidity(m, rng):
    y_max = np.log(SQRT_S / m)
    z = sample_truncated_normal(1.0, 1.0 / RAPIDITY_SCALE, m.shape[0], rng)
    return z * (RAPIDITY_SCALE * y_max)


def _sample_cos_spin1(size, rng):
    """cos(theta) with density (1 + cos^2)/(8/3): root of c^3 + 3c + 4 - 8u = 0."""
    half_q = 2.0 - 4.0 * rng.random(size)  # q/2 with q = 4 - 8u
    root = np.sqrt(half_q * half_q + 1.0)
    return np.clip(np.cbrt(-half_q + root) + np.cbrt(-half_q - root), -1.0, 1.0)


def _sample_cos_sm(beta, rng):
    """cos(theta*) of LO g g / q qbar -> t tbar (rejection sampling, exact)."""
    n = beta.shape[0]
    rho = 1.0 - beta * beta
    gg = rng.random(n) < GG_FRACTION
    # Envelopes: for g g the first factor is largest at |c| = 1 and the second
    # is below 1 + rho; for q qbar the maximum, at |c| = 1, is 1.
    envelope = np.where(gg, (2.0 / (3.0 * rho) - 0.375) * (1.0 + rho), 1.0)
    cos = np.empty(n)
    todo = np.arange(n)
    while todo.size:
        c = rng.uniform(-1.0, 1.0, todo.size)
        b, r = beta[todo], rho[todo]
        t1t2 = 0.25 * (1.0 - (b * c) ** 2)
        t_sq = 0.5 * (1.0 + (b * c) ** 2)  # tau1^2 + tau2^2
        f = np.where(
            gg[todo],
            (1.0 / (6.0 * t1t2) - 0.375) * (t_sq + r - r * r / (4.0 * t1t2)),
            t_sq + 0.5 * r,
        )
        ok = rng.random(todo.size) * envelope[todo] < f
        cos[todo[ok]] = c[ok]
        todo = todo[~ok]
    return cos


def _sample_w_helicity_cos(size, rng):
    """cos(theta) of the charged lepton / down-type quark in W -> f f'."""
    f0, fl, _ = np.asarray(W_HELICITY) / sum(W_HELICITY)
    r = rng.random(size)
    u = rng.random(size)
    cos = 2.0 * rng.beta(2.0, 2.0, size) - 1.0  # 3/4 sin^2: longitudinal
    left = (r >= f0) & (r < f0 + fl)
    right = r >= f0 + fl
    cos[left] = 1.0 - 2.0 * np.cbrt(u[left])  # 3/8 (1 - cos)^2
    cos[right] = 2.0 * np.cbrt(u[right]) - 1.0  # 3/8 (1 + cos)^2
    return cos


def _directions_around(axis, cos, rng):
    """Unit vectors at polar angle arccos(cos) around unit ``axis`` (3, n), uniform azimuth."""
    use_z = np.abs(axis[2]) < 0.9
    ref = np.zeros_like(axis)
    ref[2, use_z] = 1.0
    ref[0, ~use_z] = 1.0
    e1 = np.cross(ref, axis, axis=0)
    e1 /= np.linalg.norm(e1, axis=0)
    e2 = np.cross(axis, e1, axis=0)
    phi = rng.uniform(-np.pi, np.pi, cos.shape[0])
    sin = np.sqrt((1.0 - cos) * (1.0 + cos))
    return cos * axis + sin * (np.cos(phi) * e1 + np.sin(phi) * e2)


def _decay_top(top, m_top, m_w, rng):
    """t -> W b (isotropic), W -> f f' with the SM helicity fractions.

    Returns the lab four-momenta of the b quark, of the fermion whose angle
    follows the helicity distribution (charged lepton / down-type quark) and
    of its partner (neutrino / up-type quark).
    """
    n = m_top.shape[0]
    p = two_body_momentum(m_top, m_w, B_MASS)
    # Isotropic W direction in the top rest frame.
    cos_t = rng.uniform(-1.0, 1.0, n)
    phi = rng.uniform(-np.pi, np.pi, n)
    sin_t = np.sqrt((1.0 - cos_t) * (1.0 + cos_t))
    axis = np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])
    w_rest = np.concatenate([np.sqrt(p * p + m_w * m_w)[None], p * axis])
    b_rest = np.concatenate([np.sqrt(p * p + B_MASS * B_MASS)[None], -p * axis])
    # W daughters (massless) in the W rest frame; angle relative to the W
    # direction in the top rest frame.
    direction = _directions_around(axis, _sample_w_helicity_cos(n, rng), rng)
    f_wrest = 0.5 * m_w * np.concatenate([np.ones((1, n)), direction])
    f_top = boost_from_rest_frame(f_wrest, w_rest, mass=m_w)
    f_lab = boost_from_rest_frame(f_top, top, mass=m_top)
    b_lab = boost_from_rest_frame(b_rest, top, mass=m_top)
    return b_lab, f_lab, top - b_lab - f_lab


def _sample_top_and_w_masses(m_pair, rng):
    n = m_pair.shape[0]
    lo, hi = TOP_MASS - TOP_MASS_WINDOW, TOP_MASS + TOP_MASS_WINDOW
    m_t = sample_breit_wigner_mass(TOP_MASS, TOP_WIDTH, (2, n), rng, m_min=lo, m_max=hi)
    # Redraw the pairs that do not fit (only near threshold).
    bad = np.flatnonzero(m_t[0] + m_t[1] >= m_pair)
    while bad.size:
        m_t[:, bad] = sample_breit_wigner_mass(
            TOP_MASS, TOP_WIDTH, (2, bad.size), rng, m_min=lo, m_max=hi
        )
        bad = bad[m_t[0, bad] + m_t[1, bad] >= m_pair[bad]]
    lo, hi = W_MASS - W_MASS_WINDOW, W_MASS + W_MASS_WINDOW
    m_w = sample_breit_wigner_mass(W_MASS, W_WIDTH, (2, n), rng, m_min=lo, m_max=hi)
    return m_t, m_w


# --------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------


def _simulate(m_x, width_fraction, quota, rng):
    """Simulate batches of one sample until ``quota`` events pass."""
    label = "background" if m_x is None else f"m_X = {m_x} GeV"
    return fill_quota(
        lambda size: _simulate_batch(m_x, width_fraction, size, rng), quota,
        efficiency_guess=_EFFICIENCY_GUESS, label=label, max_batch=_MAX_BATCH,
    )  # fmt: skip


def _simulate_batch(m_x, width_fraction, size, rng):
    """Generate, decay, smear, select and reconstruct ``size`` events."""
    # ---- pair mass, top and W masses ------------------------------------
    if m_x is None:
        m_pair = _sample_mtt(size, rng)
    else:
        gamma = width_fraction * m_x
        lo = max(m_x - SIGNAL_WIDTHS * gamma, 2.0 * (TOP_MASS - TOP_MASS_WINDOW) + 1.0)
        hi = min(m_x + SIGNAL_WIDTHS * gamma, SQRT_S / 2)
        m_pair = sample_breit_wigner_mass(m_x, gamma, size, rng, m_min=lo, m_max=hi)
    m_t, m_w = _sample_top_and_w_masses(m_pair, rng)

    # ---- initial-state radiation and the pair's recoil --------------------
    n_isr = np.minimum(rng.poisson(ISR_MEAN, size), ISR_MAX)
    isr_on = np.arange(ISR_MAX) < n_isr[:, None]
    isr_pt = ISR_PT_MIN * (1.0 - rng.random((size, ISR_MAX))) ** (-1.0 / ISR_PT_INDEX)
    isr_pt = np.where(isr_on, isr_pt, 0.0)
    isr_eta = sample_truncated_normal(ISR_ETA_SIGMA, ISR_ETA_MAX, size * ISR_MAX, rng)
    isr_eta = isr_eta.reshape(size, ISR_MAX)
    isr_phi = rng.uniform(-np.pi, np.pi, (size, ISR_MAX))
    soft_pt = sample_pt_power_law(SOFT_RECOIL_P0, SOFT_RECOIL_N, size, rng)
    soft_phi = rng.uniform(-np.pi, np.pi, size)
    soft_xy = soft_pt * np.stack([np.cos(soft_phi), np.sin(soft_phi)])
    recoil = soft_xy + np.stack(
        [(isr_pt * np.cos(isr_phi)).sum(1), (isr_pt * np.sin(isr_phi)).sum(1)]
    )
    y_pair = _sample_pair_rapidity(m_pair, rng)
    pair = fourvector_from_pt_y_phi_m(
        np.hypot(recoil[0], recoil[1]), y_pair, np.arctan2(-recoil[1], -recoil[0]), m_pair
    )

    # ---- pair -> t tbar ----------------------------------------------------
    p_star = two_body_momentum(m_pair, m_t[0], m_t[1])
    if m_x is None:
        cos = _sample_cos_sm(2.0 * p_star / m_pair, rng)
    else:
        cos = _sample_cos_spin1(size, rng)
    phi = rng.uniform(-np.pi, np.pi, size)
    sin = np.sqrt((1.0 - cos) * (1.0 + cos))
    p3 = p_star * np.stack([sin * np.cos(phi), sin * np.sin(phi), cos])
    t_lep = np.concatenate([np.sqrt(p_star**2 + m_t[0] ** 2)[None], p3])
    t_lep = boost_from_rest_frame(t_lep, pair, mass=m_pair)
    t_had = pair - t_lep

    # ---- leptonic top; truth pre-selection on the lepton ----------------------
    b_lep, lepton, neutrino = _decay_top(t_lep, m_t[0], m_w[0], rng)
    pt_l, eta_l, phi_l = pt_eta_phi(lepton)
    keep = np.flatnonzero(
        (pt_l > _TRUTH_LEPTON_PT_MIN) & (np.abs(eta_l) < _TRUTH_LEPTON_ETA_MAX)
    )
    n = keep.size
    pt_l, eta_l, phi_l = pt_l[keep], eta_l[keep], phi_l[keep]
    b_lep, t_had = b_lep[:, keep], t_had[:, keep]
    isr_on, isr_pt, isr_eta, isr_phi = (a[keep] for a in (isr_on, isr_pt, isr_eta, isr_phi))
    soft_xy = soft_xy[:, keep]

    # ---- hadronic top -------------------------------------------------------
    b_had, q_down, q_up = _decay_top(t_had, m_t[1, keep], m_w[1, keep], rng)

    # ---- jets ---------------------------------------------------------------
    n_slots = 4 + ISR_MAX
    partons = np.empty((4, n, n_slots))
    for k, p in enumerate((b_lep, b_had, q_down, q_up)):
        partons[:, :, k] = p
    partons[:, :, 4:] = fourvector_from_pt_eta_phi_m(isr_pt, isr_eta, isr_phi, 0.0)
    active = np.concatenate([np.ones((n, 4), dtype=bool), isr_on], axis=1)
    flavour = np.full((n, n_slots), _LIGHT, dtype=np.int8)
    flavour[:, :2] = _BOTTOM
    flavour[:, 3] = np.where(rng.random(n) < W_TO_CS, _CHARM, _LIGHT)
    _merge_close_partons(partons, active, flavour)
    jet_pt, jet_eta, jet_phi, jets = _smear_jets(partons, active, rng)
    selected = active & (jet_pt > JET_PT_MIN) & (np.abs(jet_eta) < JET_ETA_MAX)
    n_jets = selected.sum(axis=1)

    # ---- lepton ---------------------------------------------------------------
    lep_pt, lep_eta, lep_phi = _smear_lepton(pt_l, eta_l, phi_l, rng)
    d_eta = jet_eta - lep_eta[:, None]
    d_phi = wrap_phi(jet_phi - lep_phi[:, None])
    too_close = (selected & (d_eta * d_eta + d_phi * d_phi < JET_R * JET_R)).any(axis=1)
    accept = (
        (lep_pt > LEPTON_PT_MIN)
        & (np.abs(lep_eta) < LEPTON_ETA_MAX)
        & ~too_close
        & (n_jets >= N_JETS_MIN)
    )

    # ---- missing transverse momentum ------------------------------------------
    soft_meas = soft_xy + MET_SOFT_SIGMA * rng.standard_normal((2, n))
    met_xy = -(
        lep_pt * np.stack([np.cos(lep_phi), np.sin(lep_phi)])
        + jets[1:3].sum(axis=2)
        + soft_meas
    )

    # ---- b-tagging (every selected jet, for reproducibility of the stream) -----
    btag = selected & (rng.random((n, n_slots)) < _BTAG_BY_CODE[flavour])

    # ---- accepted events: leading jets and reconstruction -------------------
    ev = np.flatnonzero(accept)
    key = np.where(selected[ev], jet_pt[ev], -1.0)
    lead = np.argsort(-key, axis=1, kind="stable")[:, :4]

    def take(a):
        return np.take_along_axis(a[ev], lead, axis=1)

    out = {
        "lepton_pt": lep_pt[ev],
        "lepton_eta": lep_eta[ev],
        "lepton_phi": lep_phi[ev],
        "met": np.hypot(met_xy[0, ev], met_xy[1, ev]),
        "met_phi": np.arctan2(met_xy[1, ev], met_xy[0, ev]),
        "n_jets": n_jets[ev],
    }
    lead_pt, lead_eta, lead_phi, lead_btag = (take(a) for a in (jet_pt, jet_eta, jet_phi, btag))
    for i in range(4):
        out[f"jet{i + 1}_pt"] = lead_pt[:, i]
        out[f"jet{i + 1}_eta"] = lead_eta[:, i]
        out[f"jet{i + 1}_phi"] = lead_phi[:, i]
        out[f"jet{i + 1}_btag"] = lead_btag[:, i]
    lead_p4 = np.stack([np.take_along_axis(jets[c][ev], lead, axis=1) for c in range(4)])
    lep_p4 = fourvector_from_pt_eta_phi_m(lep_pt[ev], lep_eta[ev], lep_phi[ev], 0.0)
    out.update(_reconstruct(lep_p4, met_xy[:, ev], lead_p4, lead_btag))
    return {k: out[k] for k in TTBAR_FEATURES}


def _merge_close_partons(p4, active, flavour):
    """Merge, in place, the closest pair of active partons while Delta R < JET_R.

    ``p4`` has shape (4, n, slots); a merged slot keeps the sum and the
    heavier flavour, the other slot is deactivated.
    """
    n, n_slots = active.shape
    first, second = np.triu_indices(n_slots, 1)
    # Only an event that merged can merge again: later passes look at those.
    todo = np.arange(n)
    for _ in range(n_slots - 1):
        _, eta, phi = pt_eta_phi(p4[:, todo])
        d_eta = eta[:, first] - eta[:, second]
        d_phi = np.abs(phi[:, first] - phi[:, second])
        d_phi = np.minimum(d_phi, 2.0 * np.pi - d_phi)
        on = active[todo]
        dr2 = np.where(on[:, first] & on[:, second], d_eta * d_eta + d_phi * d_phi, np.inf)
        k = np.argmin(dr2, axis=1)
        merge = np.flatnonzero(dr2[np.arange(todo.size), k] < JET_R * JET_R)
        if not merge.size:
            return
        todo, k = todo[merge], k[merge]
        i, j = first[k], second[k]
        p4[:, todo, i] += p4[:, todo, j]
        p4[:, todo, j] = 0.0
        flavour[todo, i] = np.maximum(flavour[todo, i], flavour[todo, j])
        active[todo, j] = False


def _smear_jets(partons, active, rng):
    """Jet energy and direction smearing (see make_ttbar_resonance)."""
    pt, eta, phi = pt_eta_phi(partons)
    e = np.where(active, partons[0], 1.0)
    rel = np.sqrt(JET_STOCHASTIC**2 / e + JET_CONSTANT**2)
    scale = np.maximum(1.0 + rel * rng.standard_normal(e.shape), 0.0)
    shape = e.shape
    pt = np.where(active, pt * scale, 0.0)
    eta = np.where(active, eta + JET_SIGMA_ANGLE * rng.standard_normal(shape), 0.0)
    phi = wrap_phi(phi + JET_SIGMA_ANGLE * rng.standard_normal(shape))
    mass = invariant_mass(partons) * scale
    return pt, eta, phi, fourvector_from_pt_eta_phi_m(pt, eta, phi, mass)


def _smear_lepton(pt, eta, phi, rng):
    """Lepton pT and direction smearing (see make_ttbar_resonance)."""
    n = pt.shape[0]
    a = np.where(np.abs(eta) < LEPTON_BARREL_ETA_MAX, LEPTON_RES_BARREL, LEPTON_RES_ENDCAP)
    rel = np.hypot(a, LEPTON_RES_SLOPE * pt)
    pt_meas = pt * (1.0 + rel * rng.standard_normal(n))
    eta_meas = eta + LEPTON_SIGMA_ANGLE * rng.standard_normal(n)
    phi_meas = wrap_phi(phi + LEPTON_SIGMA_ANGLE * rng.standard_normal(n))
    return pt_meas, eta_meas, phi_meas


# Pairs of the four leading jets and, for each, the complementary pair.
_PAIRS = np.array([(0, 1), (0, 2), (0, 3), (1, 2), (1, 3), (2, 3)])
_OTHERS = np.array([(2, 3), (1, 3), (1, 2), (0, 3), (0, 2), (0, 1)])


def _neutrino_pz(lepton, met_xy, w_mass=W_MASS):
    """Neutrino pz from the W-mass constraint (massless lepton and neutrino).

    ``pz = (A pz_l +- E_l sqrt(A^2 - pT_l^2 MET^2)) / pT_l^2`` with
    ``A = m_W^2/2 + pT_l . MET``; the root of smaller ``|pz|``, or the real
    part ``A pz_l / pT_l^2`` when the discriminant is negative.
    """
    e_l, px, py, pz = lepton
    pt2 = px * px + py * py
    a = 0.5 * w_mass * w_mass + px * met_xy[0] + py * met_xy[1]
    disc = a * a - pt2 * (met_xy[0] ** 2 + met_xy[1] ** 2)
    root = e_l * np.sqrt(np.maximum(disc, 0.0))
    centre = a * pz
    return (centre - np.where(centre < 0, -root, root)) / pt2  # the smaller |pz|


def _reconstruct(lepton, met_xy, jets, btag):
    """High-level masses from the lepton, MET and the four leading jets (4, n, 4)."""
    n = lepton.shape[1]
    rows = np.arange(n)
    pz = _neutrino_pz(lepton, met_xy)
    nu = np.stack([np.sqrt(met_xy[0] ** 2 + met_xy[1] ** 2 + pz * pz), met_xy[0], met_xy[1], pz])
    lv = lepton + nu

    pair_p4 = jets[:, :, _PAIRS[:, 0]] + jets[:, :, _PAIRS[:, 1]]  # (4, n, 6)
    m_pair = invariant_mass(pair_p4)
    untagged = btag == 0
    both_untagged = untagged[:, _PAIRS[:, 0]] & untagged[:, _PAIRS[:, 1]]
    allowed = np.where((untagged.sum(axis=1) >= 2)[:, None], both_untagged, True)
    best = np.argmin(np.where(allowed, np.abs(m_pair - W_MASS), np.inf), axis=1)
    w_had = pair_p4[:, rows, best]
    b1 = jets[:, rows, _OTHERS[best, 0]]
    b2 = jets[:, rows, _OTHERS[best, 1]]
    m_top1, m_top2 = invariant_mass(w_had, b1), invariant_mass(w_had, b2)
    first_is_had = np.abs(m_top1 - TOP_MASS) <= np.abs(m_top2 - TOP_MASS)
    b_lep = np.where(first_is_had, b2, b1)
    return {
        "m_jj": m_pair[rows, best],
        "m_jjj": np.where(first_is_had, m_top1, m_top2),
        "m_lv": invariant_mass(lv),
        "m_jlv": invariant_mass(lv, b_lep),
        "m_wwbb": invariant_mass(lv, jets.sum(axis=2)),
    }
