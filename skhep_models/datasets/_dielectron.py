"""Synthetic CMS-2010-like dielectron events (:func:`make_dielectron`)."""

import os
from collections.abc import Mapping
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from numbers import Real
from types import MappingProxyType

import numpy as np
import pandas as pd

from ._kinematics import (
    boost_from_rest_frame,
    check_generator,
    fill_quota,
    invariant_mass,
    pt_eta_phi,
    sample_breit_wigner_mass,
    sample_power_law_mass,
    sample_pt_power_law,
    sample_truncated_normal,
    two_body_decay,
    wrap_phi,
)

__all__ = ["make_dielectron", "DIELECTRON_FEATURES"]

#: Output columns, in the order of the CMS 2010 dielectron open-data CSV.
COLUMNS = (
    "Run", "Event",
    "E1", "px1", "py1", "pz1", "pt1", "eta1", "phi1", "Q1",
    "E2", "px2", "py2", "pz2", "pt2", "eta2", "phi2", "Q2",
    "M",
)  # fmt: skip

#: The 16 lepton-kinematics columns the seed study regressed M from (all but Run, Event, M).
DIELECTRON_FEATURES = [c for c in COLUMNS if c not in ("Run", "Event", "M")]

#: Electron mass [GeV], PDG 2024.
ELECTRON_MASS = 0.51099895e-3

# ---- Selection (applied to the smeared electrons) -------------------------
#: Electron acceptance |eta| < ETA_MAX (tracker coverage).
ETA_MAX = 2.5
#: ECAL barrel-endcap transition excluded from the acceptance.
ETA_CRACK = (1.4442, 1.566)
#: Minimum electron transverse momentum [GeV].
PT_MIN = 3.0
#: Dielectron mass window [GeV], as in the open-data selection.
MASS_RANGE = (2.0, 110.0)

# ---- Detector response ----------------------------------------------------
#: ECAL barrel / endcap boundary in |eta|.
ECAL_BARREL_ETA_MAX = 1.479
#: ECAL test-beam resolution sigma/E = a/sqrt(E) (+) b/E (+) c, E in GeV.
ECAL_STOCHASTIC = 0.028
ECAL_NOISE = 0.12
ECAL_CONSTANT = 0.003
#: Extra in-situ constant term (material, bremsstrahlung, calibration).
INSITU_CONSTANT_BARREL = 0.010
INSITU_CONSTANT_ENDCAP = 0.025
#: Gaussian smearing of the electron direction.
SIGMA_ETA = 1e-3
SIGMA_PHI = 1e-3

# ---- Production -----------------------------------------------------------
#: Dilepton rapidity: Gaussian of this width, truncated at |y| < RAPIDITY_MAX.
RAPIDITY_SIGMA = 2.0
RAPIDITY_MAX = 4.0
#: Drell-Yan continuum: dN/dM ~ M^-CONTINUUM_EXPONENT.
CONTINUUM_EXPONENT = 3.0
#: Run numbers are drawn uniformly from this (inclusive) 2010 range.
RUN_RANGE = (146428, 149294)
#: Event numbers are drawn uniformly from this (inclusive) range.
EVENT_RANGE = (1, 1_000_000_000)

_FLOAT_COLUMNS = tuple(c for c in COLUMNS if c not in ("Run", "Event", "Q1", "Q2"))

# Work split: each task produces up to _TASK_EVENTS selected events of one
# component from its own random stream, in batches of at most _MAX_BATCH
# generated events (~20 MB of temporaries per thread).
_TASK_EVENTS = 1 << 15
_MAX_BATCH = 1 << 16
_MAX_THREADS = 8
_THREAD_MIN_EVENTS = 20_000

# Truth-level pre-selection, an optimisation only. A true electron with
# pT < PT_MIN / 2 needs E_meas - E > ~PT_MIN cosh(eta) / 2 to pass, more than
# 11 standard deviations of the energy response at any eta (worst at eta = 0);
# the margin in eta is 10 SIGMA_ETA. The neglected probability is < 1e-20.
_TRUTH_PT_MIN = PT_MIN / 2
_SINH_TRUTH_ETA_MAX = float(np.sinh(ETA_MAX + 10 * SIGMA_ETA))


@dataclass(frozen=True)
class _Component:
    label: str
    mass: float | None  # None: continuum
    width: float | None
    # Pair-pT shape: a mixture of dN/dpT ~ pT (1 + (pT/p0)^2)^-n terms, each
    # (weight, p0 [GeV], n); the weights sum to 1.
    pt_shape: tuple[tuple[float, float, float], ...]
    efficiency_guess: float  # sizes the first batch; the distribution does not depend on it


#: Physics components: PDG 2024 mass and width [GeV]; pair-pT shape as
#: ``((weight, p0 [GeV], n), ...)`` (see make_dielectron).
COMPONENTS = MappingProxyType(
    {
        "continuum": _Component("Drell-Yan continuum", None, None, ((1.0, 5.0, 3.0),), 0.07),
        "jpsi": _Component("J/psi", 3.0969, 92.6e-6, ((1.0, 4.0, 3.0),), 0.02),
        "psi2s": _Component("psi(2S)", 3.6861, 294e-6, ((1.0, 4.5, 3.0),), 0.03),
        "upsilon1s": _Component("Upsilon(1S)", 9.4603, 54.0e-6, ((1.0, 6.5, 3.0),), 0.4),
        "upsilon2s": _Component("Upsilon(2S)", 10.0233, 31.98e-6, ((1.0, 7.0, 3.0),), 0.4),
        "upsilon3s": _Component("Upsilon(3S)", 10.3552, 20.32e-6, ((1.0, 7.5, 3.0),), 0.4),
        # Soft core plus hard tail, fitted to the measured Z pT spectrum.
        "z": _Component("Z", 91.1876, 2.4955, ((0.8, 11.7, 2.42), (0.2, 70.0, 3.8)), 0.6),
    }
)

#: Default fractions of the selected sample (illustrative, see make_dielectron).
DEFAULT_COMPONENTS = MappingProxyType(
    {
        "continuum": 0.55,
        "jpsi": 0.12,
        "psi2s": 0.02,
        "upsilon1s": 0.04,
        "upsilon2s": 0.015,
        "upsilon3s": 0.01,
        "z": 0.245,
    }
)


def make_dielectron(n_events=10_000, *, components=None, random_state=None):
    """Generate dielectron events in the schema of the CMS 2010 open data.

    A fast, fully vectorised toy Monte Carlo of ``pp -> e+ e- X`` at the LHC:
    Drell-Yan continuum and the J/psi, psi(2S), Upsilon(1S, 2S, 3S) and Z
    resonances are produced with plausible pT and rapidity spectra, decayed
    isotropically to an electron pair, smeared with a CMS ECAL-like response
    and selected with CMS-like acceptance cuts. The columns and units match
    the CMS "Events with two electrons from 2010" CSV [3]_, so code written
    for the real sample runs unchanged on this one.

    Parameters
    ----------
    n_events : int, default=10_000
        Number of selected events (rows) to return; must be positive.
    components : dict of str to float, default=None
        Fraction of the *selected* sample per physics component, keyed by
        ``"continuum"`` (Drell-Yan), ``"jpsi"``, ``"psi2s"``, ``"upsilon1s"``,
        ``"upsilon2s"``, ``"upsilon3s"`` and ``"z"``. Missing keys count as
        0 and the fractions are normalised to sum to 1. ``None`` uses
        ``DEFAULT_COMPONENTS`` (see Notes). Per-component event counts are
        drawn from a multinomial distribution.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, \
default=None
        Source of randomness. An int (or a Generator/RandomState in a given
        state) makes the output reproducible; ``None`` does not.

    Returns
    -------
    pandas.DataFrame of shape (n_events, 19)
        Columns ``Run, Event, E1, px1, py1, pz1, pt1, eta1, phi1, Q1, E2, px2,
        py2, pz2, pt2, eta2, phi2, Q2, M``: run and event number; for each
        electron the energy, momentum components and transverse momentum
        [GeV], pseudorapidity, azimuth in ``(-pi, pi]`` and charge (+1/-1);
        and the dielectron invariant mass ``M`` [GeV]. ``Run``, ``Event``,
        ``Q1``, ``Q2`` are int64, the rest float64. Rows are in random order.

    Raises
    ------
    ValueError
        If ``n_events`` is not a positive integer, if ``components`` has an
        unknown name or a negative or non-finite fraction, if all fractions
        are zero, or if ``random_state`` is of an unsupported type.

    Notes
    -----
    **Line shapes.** Generated masses are limited to 2-110 GeV.

    * Resonances: relativistic Breit-Wigner in ``s = m^2``,
      ``dN/ds ~ 1/((s - M^2)^2 + M^2 Gamma^2)``, sampled exactly by inverse
      CDF, ``s = M^2 + M Gamma tan(u)`` with ``u`` uniform between the
      angles that map to ``(2 GeV)^2`` and ``(110 GeV)^2``. Masses and
      widths, PDG 2024 [1]_:

      ============  =============  ===========
      component     M [GeV]        Gamma
      ============  =============  ===========
      J/psi         3.0969         92.6 keV
      psi(2S)       3.6861         294 keV
      Upsilon(1S)   9.4603         54.0 keV
      Upsilon(2S)   10.0233        31.98 keV
      Upsilon(3S)   10.3552        20.32 keV
      Z             91.1876        2.4955 GeV
      ============  =============  ===========

      (91.1876 GeV is the LEP-dominated Z mass; later PDG editions quote
      91.1880 GeV, a difference far below the detector resolution.)
      The quarkonium widths are negligible next to the resolution, so their
      observed peaks are purely instrumental. The line shape is not
      multiplied by parton luminosities, and Z/photon interference and
      final-state radiation are not simulated.
    * Continuum: ``dN/dM ~ M^-3``. This approximates the ``1/s`` partonic
      Drell-Yan cross section (``dsigma/dM ~ 1/M^3``) folded with falling
      parton luminosities; it is an approximation, not a QCD calculation,
      and it also stands in for the non-Drell-Yan low-mass background of
      the real sample.

    **Production.** Pair rapidity: Gaussian with ``sigma = 2``, truncated at
    ``|y| < 4``; a rough approximation of dilepton production at 7 TeV
    (broad at central rapidity, falling at large ``|y|``), of which the
    ``|eta| < 2.5`` acceptance uses the central part. Azimuth: uniform.
    Pair transverse
    momentum: ``dN/dpT ~ pT (1 + (pT/p0)^2)^-n``, the form commonly used to
    fit quarkonium pT spectra at hadron colliders, sampled exactly by
    inverse CDF (``P(pT > x) = (1 + (x/p0)^2)^(1-n)``), or for the Z a
    mixture of two such terms (each event draws its term with the given
    weight). The continuum and quarkonium parameters are illustrative
    choices that give plausible mean pT values (``<pT> = 0.785 p0`` for
    ``n = 3``); the Z parameters are fitted to data (below):

    ============  ========  ========  =====  ===========
    component     weight    p0 [GeV]  n      <pT> [GeV]
    ============  ========  ========  =====  ===========
    continuum     1         5.0       3      3.9
    J/psi         1         4.0       3      3.1
    psi(2S)       1         4.5       3      3.5
    Upsilon(1S)   1         6.5       3      5.1
    Upsilon(2S)   1         7.0       3      5.5
    Upsilon(3S)   1         7.5       3      5.9
    Z (core)      0.8       11.7      2.42   12.3
    Z (tail)      0.2       70.0      3.8    43.2
    ============  ========  ========  =====  ===========

    The measured Z spectrum at 7 TeV [5]_ falls steeply below ~20 GeV and
    then much more slowly (a hard tail from recoil against jets), which a
    single term of this form does not reproduce (its best fit misses the
    median by 4 GeV). With the mixture the generated Z has a mean pT of
    18.5 GeV; 11 % of the Z bosons have pT > 40 GeV and 1 % pT > 100 GeV.
    The Z parameters are a least-squares fit, in ``log P(pT > x)`` at cuts
    x = 2-150 GeV, of the pair pT of simulated Z events passing the
    selection below with ``60 < M < 120 GeV`` (``M <= 110 GeV`` here) to
    that of the CMS 2011 ``Z -> mu mu`` open-data sample (Run2011A, 10851
    events with ``60 < M < 120 GeV``), which has this spectrum. The result,
    for 300 000 simulated Z events (``random_state=0``):

    =========================  =========  ========
    pair pT, 60 < M < 120 GeV  simulated  CMS 2011
    =========================  =========  ========
    mean [GeV]                 18.9       18.7
    median [GeV]               11.4       11.6
    25 % quantile [GeV]        6.4        5.7
    75 % quantile [GeV]        22.2       22.9
    90 % quantile [GeV]        44.1       42.7
    99 % quantile [GeV]        104.5      105.7
    P(pT > 20 GeV)             0.280      0.294
    P(pT > 30 GeV)             0.175      0.174
    P(pT > 50 GeV)             0.079      0.076
    P(pT > 75 GeV)             0.030      0.030
    P(pT > 100 GeV)            0.012      0.013
    P(pT > 150 GeV)            0.0025     0.0024
    =========================  =========  ========

    In the same events, the fraction with a lepton of pT > 60 GeV is 0.094
    (CMS 2011, muons: 0.089).

    **Decay.** Isotropic two-body decay to ``e+ e-`` in the parent rest frame
    (electron mass 0.51099895 MeV [1]_), boosted to the laboratory. No
    polarisation is simulated. Because both daughters are equivalent, the
    electron labelled 1 is a random one of the pair (the real data is not
    pT-ordered); its charge ``Q1`` is +1 or -1 with equal probability and
    ``Q2 = -Q1``.

    **Detector.** The energy of each electron is smeared with a Gaussian of
    relative width ``sigma_E/E = a/sqrt(E) (+) b/E (+) c (+) c_insitu`` (sum
    in quadrature, E in GeV), with the CMS ECAL test-beam values
    ``a = 2.8 %``, ``b = 0.12 GeV``, ``c = 0.3 %`` [2]_, and an additional
    effective constant term ``c_insitu`` of 1.0 % in the barrel
    (``|eta| < 1.479``) and 2.5 % in the endcaps, standing in for tracker
    material, bremsstrahlung and calibration, which make the resolution for
    electrons in collision data a few per cent rather than the test-beam
    value [4]_. These two numbers are illustrative; with them the observed
    Z peak has a standard deviation of about 2 GeV in 86-96 GeV.
    ``eta`` and ``phi``
    are smeared with Gaussians of width ``1e-3``. The measured electron is
    treated as massless: ``pt = E/cosh(eta)``, ``px = pt cos(phi)``,
    ``py = pt sin(phi)``, ``pz = pt sinh(eta)``, and
    ``M = sqrt((E1 + E2)^2 - |p1 + p2|^2)`` from these four-vectors, so
    ``M`` agrees with the other columns, as in the real data.

    **Selection.** Both electrons must have ``|eta| < 2.5`` outside the
    ECAL barrel-endcap transition ``1.4442 < |eta| < 1.566`` and
    ``pt > 3 GeV``; the pair must have ``2 <= M <= 110 GeV`` (the mass
    window of the open-data selection [3]_). The thresholds are the module
    constants ``ETA_MAX``, ``ETA_CRACK``, ``PT_MIN`` and ``MASS_RANGE``.
    Each component is simulated in batches until it has its quota of
    selected events, so exactly ``n_events`` rows are returned; the rows
    are then shuffled.

    **Default mixture.** ``DEFAULT_COMPONENTS`` = continuum 0.55, J/psi
    0.12, psi(2S) 0.02, Upsilon(1S) 0.04, Upsilon(2S) 0.015, Upsilon(3S)
    0.01, Z 0.245. These are illustrative numbers chosen so that the mass
    spectrum looks qualitatively like the CMS 2010 sample [3]_ (a continuum
    dominating at low mass, visible J/psi and Upsilon peaks and a clear Z
    peak); they are not measured cross sections times efficiencies.

    **Bookkeeping.** ``Run`` is uniform in 146428-149294 (a plausible
    Run2010B range), ``Event`` uniform in 1-10^9, redrawn where needed so
    that every ``(Run, Event)`` pair is unique.

    **Implementation.** Large samples are simulated on up to 8 threads
    (NumPy releases the GIL); each block of work has its own random stream
    derived from ``random_state``, so the output does not depend on the
    number of threads. Memory use is bounded by the batch size, apart from
    the output itself (about 150 MB per million events). Before smearing,
    events with a true electron of ``pt < 1.5 GeV`` or ``|eta| > 2.51`` are
    dropped: passing the selection would take a fluctuation of more than
    10 standard deviations, so this only saves time.

    References
    ----------
    .. [1] S. Navas et al. (Particle Data Group), "Review of Particle
       Physics", Phys. Rev. D 110, 030001 (2024).
    .. [2] CMS Collaboration, "The CMS experiment at the CERN LHC",
       JINST 3 (2008) S08004, section 4 (ECAL test-beam energy resolution).
    .. [3] CMS Collaboration (T. McCauley), "Events with two electrons from
       2010", CERN Open Data Portal (2014), derived from
       /Electron/Run2010B-Apr21ReReco-v1/AOD.
    .. [4] CMS Collaboration, "Energy calibration and resolution of the CMS
       electromagnetic calorimeter in pp collisions at sqrt(s) = 7 TeV",
       JINST 8 (2013) P09009.
    .. [5] CMS Collaboration, "Measurement of the rapidity and transverse
       momentum distributions of Z bosons in pp collisions at
       sqrt(s) = 7 TeV", Phys. Rev. D 85 (2012) 032002, arXiv:1110.4973.

    Examples
    --------
    >>> from skhep_models.datasets import make_dielectron
    >>> df = make_dielectron(1000, random_state=0)
    >>> df.shape
    (1000, 19)
    >>> bool(((df["M"] >= 2) & (df["M"] <= 110)).all())
    True
    >>> bool((df["Q1"] == -df["Q2"]).all())
    True
    """
    n_events = _check_n_events(n_events)
    fractions = _check_components(components)
    rng = check_generator(random_state)

    names = list(COMPONENTS)
    counts = rng.multinomial(n_events, [fractions[name] for name in names])
    # Row -> component: a random arrangement of the multinomial counts, i.e.
    # the shuffled rows, without moving the (much larger) event data around.
    labels = rng.permutation(np.repeat(np.arange(len(names), dtype=np.int8), counts))
    tasks = [
        (name, min(_TASK_EVENTS, int(count) - start))
        for name, count in zip(names, counts)
        for start in range(0, int(count), _TASK_EVENTS)
    ]
    # One independent stream per task: the output does not depend on the
    # number of threads or on their scheduling.
    seeds = np.random.SeedSequence(rng.integers(0, 2**63, size=4)).spawn(len(tasks))
    jobs = [
        (COMPONENTS[name], quota, np.random.default_rng(seed))
        for (name, quota), seed in zip(tasks, seeds)
    ]
    n_threads = min(_n_threads(), len(jobs)) if n_events >= _THREAD_MIN_EVENTS else 1
    if n_threads > 1:
        with ThreadPoolExecutor(n_threads) as pool:
            results = list(pool.map(lambda job: _simulate_component(*job), jobs))
    else:
        results = [_simulate_component(*job) for job in jobs]

    cols = {key: np.empty(n_events) for key in _FLOAT_COLUMNS}
    for k, name in enumerate(names):
        parts = [res for (task, _), res in zip(tasks, results) if task == name]
        if parts:
            rows = np.flatnonzero(labels == k)
            for key in _FLOAT_COLUMNS:
                cols[key][rows] = np.concatenate([part[key] for part in parts])

    q1 = np.where(rng.random(n_events) < 0.5, 1, -1).astype(np.int64)
    run, event = _run_event_numbers(n_events, rng)
    data = {"Run": run, "Event": event, "Q1": q1, "Q2": -q1, **cols}
    # copy=False: the arrays are fresh, and consolidating them would copy.
    return pd.DataFrame({key: data[key] for key in COLUMNS}, copy=False)


def _n_threads():
    try:
        n_cpu = len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        n_cpu = os.cpu_count() or 1
    return max(1, min(n_cpu, _MAX_THREADS))


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_n_events(n_events):
    if (
        isinstance(n_events, bool)
        or not isinstance(n_events, (int, np.integer))
        or n_events <= 0
    ):
        raise ValueError(f"n_events must be a positive integer, got {n_events!r}")
    return int(n_events)


def _check_components(components):
    if components is None:
        components = DEFAULT_COMPONENTS
    if not isinstance(components, Mapping):
        raise ValueError(
            "components must be a dict mapping component names to fractions, "
            f"got {type(components).__name__}"
        )
    unknown = [name for name in components if name not in COMPONENTS]
    if unknown:
        raise ValueError(
            f"unknown component name(s) {unknown} in components; "
            f"valid names are {list(COMPONENTS)}"
        )
    fractions = {}
    for name, value in components.items():
        if (
            isinstance(value, bool)
            or not isinstance(value, Real)
            or not np.isfinite(value)
            or value < 0
        ):
            raise ValueError(
                f"components[{name!r}] must be a non-negative finite number, "
                f"got {value!r}"
            )
        fractions[name] = float(value)
    total = sum(fractions.values())
    if total <= 0:
        raise ValueError("components fractions are all zero; at least one must be > 0")
    return {name: fractions.get(name, 0.0) / total for name in COMPONENTS}


# --------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------


def _simulate_component(comp, quota, rng):
    """Simulate batches of one component until ``quota`` events pass."""
    return fill_quota(
        lambda size: _simulate_batch(comp, size, rng), quota,
        efficiency_guess=comp.efficiency_guess, label=comp.label, max_batch=_MAX_BATCH,
    )  # fmt: skip


def _simulate_batch(comp, size, rng):
    """Generate, decay, smear and select ``size`` events; return the accepted."""
    lo, hi = MASS_RANGE
    if comp.mass is None:
        m = sample_power_law_mass(CONTINUUM_EXPONENT, size, rng, m_min=lo, m_max=hi)
    else:
        m = sample_breit_wigner_mass(comp.mass, comp.width, size, rng, m_min=lo, m_max=hi)
    pt = _sample_pair_pt(comp.pt_shape, size, rng)
    y = sample_truncated_normal(RAPIDITY_SIGMA, RAPIDITY_MAX, size, rng)
    # Generate every event at azimuth 0 and rotate it afterwards by a
    # uniform angle (the same physics, fewer operations on rejected events).
    ey = np.exp(y)
    mt = np.sqrt(m * m + pt * pt)
    parent = np.stack([0.5 * mt * (ey + 1 / ey), pt, np.zeros(size), 0.5 * mt * (ey - 1 / ey)])
    rest1, _ = two_body_decay(m, ELECTRON_MASS, ELECTRON_MASS, rng)
    lab1 = boost_from_rest_frame(rest1, parent, mass=m)
    lab2 = parent - lab1  # momentum conservation: half the boosting work

    # Drop events that cannot pass even after a >10 sigma fluctuation of the
    # response, before the costly smearing (see _TRUTH_PT_MIN); this changes
    # nothing in the output distribution, only the speed.
    keep = np.ones(size, dtype=bool)
    for lab in (lab1, lab2):
        pt_true = np.hypot(lab[1], lab[2])
        keep &= pt_true > _TRUTH_PT_MIN
        keep &= np.abs(lab[3]) < pt_true * _SINH_TRUTH_ETA_MAX
    keep = np.flatnonzero(keep)
    phi = rng.uniform(-np.pi, np.pi, keep.size)

    out, p4 = {}, []
    accept = None
    for i, lab in (("1", lab1[:, keep]), ("2", lab2[:, keep])):
        _, eta_true, phi_true = pt_eta_phi(lab)
        e, eta, phi_e = _smear(lab[0], eta_true, phi_true + phi, rng)
        pt_e = e / np.cosh(eta)
        p4.append(np.stack([e, pt_e * np.cos(phi_e), pt_e * np.sin(phi_e), pt_e * np.sinh(eta)]))
        abs_eta = np.abs(eta)
        ok = (abs_eta < ETA_MAX) & (pt_e > PT_MIN)
        ok &= (abs_eta <= ETA_CRACK[0]) | (abs_eta >= ETA_CRACK[1])
        accept = ok if accept is None else accept & ok
        out.update({"E" + i: e, "pt" + i: pt_e, "eta" + i: eta, "phi" + i: phi_e})
        out.update({"px" + i: p4[-1][1], "py" + i: p4[-1][2], "pz" + i: p4[-1][3]})
    out["M"] = invariant_mass(p4[0], p4[1])
    accept &= (out["M"] >= MASS_RANGE[0]) & (out["M"] <= MASS_RANGE[1])
    return {key: val[accept] for key, val in out.items()}


def _sample_pair_pt(shape, size, rng):
    """Pair transverse momenta from a mixture of ``(weight, p0, n)`` terms."""
    if len(shape) == 1:
        _, p0, n = shape[0]
        return sample_pt_power_law(p0, n, size, rng)
    weights = np.array([w for w, _, _ in shape])
    # Term of each event (inverse CDF of the weights), then each term's pT.
    edges = np.cumsum(weights[:-1]) / weights.sum()
    term = np.searchsorted(edges, rng.random(size), side="right")
    pt = np.empty(size)
    for k, (_, p0, n) in enumerate(shape):
        rows = np.flatnonzero(term == k)
        pt[rows] = sample_pt_power_law(p0, n, rows.size, rng)
    return pt


def _smear(e, eta, phi, rng):
    """CMS ECAL-like energy and direction smearing (see make_dielectron)."""
    c_insitu = np.where(
        np.abs(eta) < ECAL_BARREL_ETA_MAX, INSITU_CONSTANT_BARREL, INSITU_CONSTANT_ENDCAP
    )
    rel = np.sqrt(
        ECAL_STOCHASTIC**2 / e
        + (ECAL_NOISE / e) ** 2
        + ECAL_CONSTANT**2
        + c_insitu**2
    )
    n = e.shape[0]
    # A non-positive smeared energy can only occur far below PT_MIN: it is
    # rejected by the pT cut.
    e_meas = e * (1.0 + rel * rng.standard_normal(n))
    eta_meas = eta + SIGMA_ETA * rng.standard_normal(n)
    phi_meas = wrap_phi(phi + SIGMA_PHI * rng.standard_normal(n))
    return e_meas, eta_meas, phi_meas


def _run_event_numbers(n, rng):
    """Random run and event numbers with unique ``(Run, Event)`` pairs."""
    run = rng.integers(RUN_RANGE[0], RUN_RANGE[1], size=n, endpoint=True)
    event = rng.integers(EVENT_RANGE[0], EVENT_RANGE[1], size=n, endpoint=True)
    key = run * (EVENT_RANGE[1] + 1) + event
    while True:
        sorted_key = np.sort(key)
        if not (sorted_key[1:] == sorted_key[:-1]).any():
            return run.astype(np.int64), event.astype(np.int64)
        order = np.argsort(key, kind="stable")
        dup = order[np.flatnonzero(key[order][1:] == key[order][:-1]) + 1]
        event[dup] = rng.integers(EVENT_RANGE[0], EVENT_RANGE[1], size=dup.size, endpoint=True)
        key[dup] = run[dup] * (EVENT_RANGE[1] + 1) + event[dup]
