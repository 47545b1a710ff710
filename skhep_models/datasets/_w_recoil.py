"""Synthetic ``W -> mu nu`` hadronic-recoil events (:func:`make_w_recoil`)."""

from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from numbers import Real

import awkward as ak
import numpy as np
import pandas as pd
from scipy.special import ndtr

from ._dielectron import _check_n_events, _n_threads, _sample_pair_pt
from ._kinematics import check_generator, sample_truncated_normal

__all__ = ["make_w_recoil", "W_RECOIL_FEATURES", "W_RECOIL_TARGETS"]

_N_LEADING = 5

#: The 38 reconstructed-event features, in the order of the seed study.
W_RECOIL_FEATURES = [
    "recoil_charged_x", "recoil_charged_y",
    "recoil_neutral_x", "recoil_neutral_y",
    "recoil_all_x", "recoil_all_y",
    "sumet_charged", "sumet_neutral", "sumet_all",
    "jet1_px", "jet1_py", "jet2_px", "jet2_py",
    *(f"neutral{i}_{c}" for i in range(1, _N_LEADING + 1) for c in ("px", "py")),
    *(f"charged{i}_{c}" for i in range(1, _N_LEADING + 1) for c in ("px", "py")),
    "n_vertices", "mu", "n_jets", "n_neutral", "n_charged",
]  # fmt: skip

#: The regression targets: the true hadronic recoil, minus the W transverse momentum [GeV].
W_RECOIL_TARGETS = ["ux", "uy"]

#: Truth-level convenience columns after the targets (not features).
TRUTH_COLUMNS = ("truth_pt",)

#: Output columns.
COLUMNS = (*W_RECOIL_FEATURES, *W_RECOIL_TARGETS, *TRUTH_COLUMNS)

_INT_COLUMNS = ("n_vertices", "n_jets", "n_neutral", "n_charged")

# ---- Production ------------------------------------------------------------
#: Proton-proton centre-of-mass energy [GeV].
SQRT_S = 13_000.0
#: W transverse momentum: mixture of dN/dpT ~ pT (1 + (pT/p0)^2)^-n terms,
#: ``(weight, p0 [GeV], n)``: a soft core and a hard tail (see make_w_recoil).
W_PT_SHAPE = ((0.85, 11.0, 3.0), (0.15, 40.0, 2.6))

#: Initial-state radiation: besides the leading emission, a Poisson number
#: (mean ISR_EXTRA_MEAN, at most ISR_MAX - 1) of extra partons with
#: dN/dpT ~ pT (1 + (pT/p0)^2)^-n, ``ISR_EXTRA_PT = (p0 [GeV], n)``.
ISR_EXTRA_MEAN = 1.0
ISR_MAX = 4
ISR_EXTRA_PT = (8.0, 2.2)
#: Parton pseudorapidity: Gaussian of width ISR_ETA_SCALE * ln(sqrt(s)/pT),
#: truncated at the kinematic limit |eta| < ln(sqrt(s)/pT).
ISR_ETA_SCALE = 0.4

#: Fragmentation: 1 + Poisson(FRAG_A + FRAG_B ln(pT/GeV)) hadrons per parton,
#: sharing its pT uniformly on the simplex (Dirichlet(1, ..., 1)); each
#: hadron leaves the parton axis with a Gaussian angle of width
#: FRAG_JT / pT(hadron) per (eta, phi) coordinate, at most FRAG_MAX_ANGLE.
FRAG_A = 4.7
FRAG_B = 3.9
FRAG_JT = 0.5
FRAG_MAX_ANGLE = 1.0

#: Hadron species shares (of the number and of the energy of the hadrons):
#: charged hadrons, photons (pi0 -> gamma gamma, one cluster), neutral hadrons.
SPECIES_FRACTIONS = (0.65, 0.25, 0.10)
_CHARGED, _PHOTON, _NEUTRAL_HADRON = 0, 1, 2

# ---- Soft activity: underlying event and pile-up ----------------------------
#: Charged particles per unit of pseudorapidity in an inelastic pp
#: interaction at 13 TeV (CMS, |eta| < 0.5; used flat to |eta| = 4.9).
INELASTIC_DNCH_DETA = 5.49
#: Tsallis spectrum of soft hadrons, dN/dpT ~ pT (1 + pT/(n T))^-n.
TSALLIS_T = 0.145
TSALLIS_N = 6.6
#: Soft hadrons are simulated above this pT [GeV] (below every threshold).
SOFT_PT_MIN = 0.5
#: Underlying-event activity of the W event, in inelastic interactions.
UE_ACTIVITY = 2.0

#: Run-2 (2015-2018) luminosity-weighted mean number of interactions per crossing.
RUN2_MEAN_PILEUP = 33.7
#: Largest accepted mean_pileup (the HL-LHC design value).
MAX_MEAN_PILEUP = 200.0
#: mu per event: Gamma distribution of shape MU_GAMMA_SHAPE (std = mean / 3).
MU_GAMMA_SHAPE = 9.0
#: Probability that a pile-up interaction gives a separate reconstructed vertex.
VERTEX_EFFICIENCY = 0.65
#: Longitudinal size (RMS) of the luminous region [mm].
BEAMSPOT_SIGMA_Z = 35.0
#: Charged-hadron subtraction: tracks with |dz sin(theta)| >= CHS_Z0_SIN_THETA [mm]
#: from the hard-scatter vertex are removed.
CHS_Z0_SIN_THETA = 2.0

# ---- Detector ---------------------------------------------------------------
TRACKER_ETA_MAX = 2.5
CALO_ETA_MAX = 4.9
#: Forward calorimeter (FCal) starts here.
FCAL_ETA_MIN = 3.2
#: Track reconstruction efficiency for |eta| below / above TRACK_EFF_ETA_SPLIT.
TRACK_EFFICIENCY = (0.9, 0.8)
TRACK_EFF_ETA_SPLIT = 1.5
#: Track pT resolution sigma/pT = a (+) b pT [GeV^-1] and minimum pT [GeV].
TRACK_RESOLUTION = (0.01, 0.0005)
TRACK_PT_MIN = 0.5
#: Calorimeter resolutions sigma/E = a/sqrt(E) (+) c, E in GeV, ``(a, c)``.
EM_RESOLUTION = (0.10, 0.007)
HAD_RESOLUTION = (0.50, 0.03)
FCAL_RESOLUTION = (1.00, 0.10)
#: Hadron response at the EM scale, R(E) = 1 - HAD_RESPONSE[0] (E/GeV)^-HAD_RESPONSE[1].
HAD_RESPONSE = (0.55, 0.18)
#: Neutral particle-flow objects need pT above this [GeV].
NEUTRAL_PT_MIN = 1.0

#: Jets: anti-kt-like cone of radius JET_R around each ISR parton.
JET_R = 0.4
JET_PT_MIN = 20.0
JET_ETA_MAX = 4.5
#: Jet energy scale: mean response R(pT) = c - a (pT/GeV)^-b of the raw jets,
#: ``(c, a, b)`` for |eta| < TRACKER_ETA_MAX and beyond, inverted numerically.
JET_RESPONSE = ((1.0, 2.9, 0.69), (0.94, 2.3, 0.56))

# Events per batch (each with its own random stream).
_BATCH = 1 << 14
# Soft-deposit tables: |eta| bins.
_ETA_BIN = 0.1
_N_ETA_BINS = int(round(CALO_ETA_MAX / _ETA_BIN))


def make_w_recoil(
    n_events=10_000,
    *,
    mean_pileup=RUN2_MEAN_PILEUP,
    w_pt_range=None,
    random_state=None,
    return_objects=False,
):
    """Generate ``W -> mu nu`` events with reconstructed hadronic-recoil features.

    A fast, fully vectorised toy Monte Carlo of the hadronic recoil in
    ``pp -> W+ -> mu+ nu`` events at ``sqrt(s) = 13 TeV`` with an ATLAS-like
    particle-flow reconstruction and Run-2 pile-up. The W transverse momentum
    is balanced by initial-state radiation (ISR) that fragments into hadrons;
    the underlying event and the pile-up interactions add soft hadrons; the
    tracker and the calorimeters measure the hadrons as charged and neutral
    particle-flow objects (PFOs). Each row holds the 38 inputs of a
    hadronic-recoil regression (``W_RECOIL_FEATURES``) and its target, the
    true recoil ``u_T = -pT(W)`` (``W_RECOIL_TARGETS``). The raw recoil (the
    vector sum of the PFOs) has a response well below 1 and a resolution
    that grows with pile-up, so a regression that calibrates the response and
    exploits the correlations between the inputs beats it, while the truth
    is not recoverable exactly (lost and mismeasured particles, pile-up).

    Parameters
    ----------
    n_events : int, default=10_000
        Number of events (rows) to generate; must be positive.
    mean_pileup : float, default=33.7
        Mean number of inelastic interactions per bunch crossing, ``<mu>``,
        around which the ``mu`` of each event is drawn; a finite number in
        ``[0, 200]``. The default is the luminosity-weighted average of the
        ATLAS Run-2 (2015-2018) data [7]_. ``0`` simulates no pile-up.
    w_pt_range : (float, float) or None, default=None
        ``(low, high)`` in GeV: draw the W pT uniformly in that range instead of
        from the measured spectrum, everything else unchanged. A training
        sample flat in the boson pT (as DeepMET's) covers the rare high-pT
        tail that a regression must see to stay unbiased there; the events
        no longer follow the physical spectrum.
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState, \
default=None
        Source of randomness. An int (or a Generator/RandomState in a given
        state) makes the output reproducible; ``None`` does not.
    return_objects : bool, default=False
        Also return the reconstructed objects of every event (see Returns),
        for example to write them as a ROOT ntuple with jagged branches.

    Returns
    -------
    df : pandas.DataFrame of shape (n_events, 41)
        The 38 columns of ``W_RECOIL_FEATURES``, then the targets ``ux, uy``
        and the truth column ``truth_pt``; momenta in GeV:

        * ``recoil_{charged,neutral,all}_{x,y}``: vector sum of the transverse
          momenta of the charged PFOs, of the neutral PFOs, and of both. The
          sign is that of the hadrons, which balance the W: a perfect
          detector would give ``recoil_all = (ux, uy)`` plus the (zero-mean)
          soft activity;
        * ``sumet_{charged,neutral,all}``: scalar pT sums of the same PFOs;
        * ``jet{1,2}_{px,py}``: the two leading calibrated jets with
          ``pT > 20 GeV`` and ``|eta| < 4.5``, 0 where there are fewer;
        * ``neutral{1..5}_{px,py}``, ``charged{1..5}_{px,py}``: the five
          leading neutral and charged PFOs in pT, 0 where there are fewer;
        * ``n_vertices``: reconstructed primary vertices (hard scatter
          included); ``mu``: the mean number of interactions per crossing of
          the event's luminosity block; ``n_jets``, ``n_neutral``,
          ``n_charged``: numbers of jets and PFOs;
        * ``ux, uy``: the targets, the true hadronic recoil ``-pT(W)``;
        * ``truth_pt``: ``pT(W) = |(ux, uy)|``, a convenience, not a feature.

        ``n_vertices``, ``n_jets``, ``n_neutral`` and ``n_charged`` are int64,
        the rest float64.
    objects : awkward.Array of length n_events
        Only with ``return_objects=True``, which returns ``(df, objects)``.
        One record per event (row of ``df``) with the jagged fields
        ``Jet_Px, Jet_Py`` (the ``n_jets`` jets, in decreasing pT),
        ``ChargedPFO_Px, ChargedPFO_Py`` and ``NeutralPFO_Px, NeutralPFO_Py``
        (all PFOs of the event, in random order) and the flat fields
        ``n_vertices, mu, ux, uy``. The sums, counts and leading objects of
        ``df`` are those of these collections. Memory: about 3.5 kB per event
        at the default pile-up.

    Raises
    ------
    ValueError
        If ``n_events`` is not a positive integer, if ``mean_pileup`` is not
        a finite number in ``[0, 200]``, if ``return_objects`` is not a bool,
        or if ``random_state`` is of an unsupported type.

    See Also
    --------
    make_dielectron, make_ttbar_resonance

    Notes
    -----
    All numbers below are module constants of
    ``skhep_models.datasets._w_recoil``. Where a number is an illustrative or
    tuned choice rather than a measurement, it says so. The W mass and
    rapidity and the W decay are not simulated: the muon and the neutrino
    are not part of the recoil, and the sample is inclusive (no lepton
    selection), so they do not enter.

    **W transverse momentum.** A mixture of ``dN/dpT ~ pT (1 + (pT/p0)^2)^-n``
    terms (the form of make_dielectron), 85 % with ``p0 = 11 GeV, n = 3``
    and 15 % with ``p0 = 40 GeV, n = 2.6``, an illustrative choice with the
    features of the measured W and Z spectra at 13 TeV [1]_, [2]_: a maximum
    at about 5 GeV, a median of 8.1 GeV, a mean of 13.0 GeV and a power-law
    tail ``~ pT^-4.2`` (8.5 % above 30 GeV, 3.5 % above 50 GeV, 0.6 % above
    100 GeV). With the ISR model below, 11 % of the events have a jet with
    ``pT > 30 GeV`` and ``|eta| < 2.5`` and 1.8 % two, against about 14 %
    and 3 % measured for ``Z + jets`` at 13 TeV [2]_. The azimuth is uniform.

    **Initial-state radiation.** The recoil is carried by 1 to 4 partons:
    a Poisson number (mean 1, at most 3) of extra emissions with
    ``dN/dpT ~ pT (1 + (pT/8 GeV)^2)^-2.2`` and uniform azimuth, and a
    leading emission that balances them and the W exactly, so that at low
    ``pT(W)`` the recoil is a few soft emissions in different directions and
    at high ``pT(W)`` mostly one jet. Parton pseudorapidity: Gaussian of
    width ``0.4 ln(sqrt(s)/pT)`` truncated at the kinematic limit
    ``|eta| < ln(sqrt(s)/pT)``, so soft emissions spread further forward
    (the same form as the t tbar rapidity in make_ttbar_resonance;
    illustrative). The ISR parameters were tuned to the jet rates above.

    **Fragmentation.** A parton of transverse momentum ``pT`` gives
    ``1 + Poisson(4.7 + 3.9 ln(pT/GeV))`` hadrons that share ``pT`` with
    fractions uniform on the simplex (a Dirichlet(1, ..., 1), i.e. a soft
    fragmentation function ``~ (1 - z)^(N - 2)``). Each hadron leaves the
    parton axis by Gaussian angles in ``eta`` and ``phi`` of width
    ``0.5 GeV / pT(hadron)`` (at most 1), a transverse momentum relative to
    the jet axis of the size measured [15]_; the residual transverse
    momentum is shared back in proportion to the fractions, so the hadrons
    add up exactly to the parton. This gives about 9, 12, 15 and 19
    charged hadrons with ``pT > 0.5 GeV`` inside jets of 50-100, 100-200,
    200-500 and 500-2000 GeV, roughly as measured [14]_. Each hadron is a
    charged hadron, a photon (a ``pi0 -> gamma gamma`` pair, counted as one
    cluster) or a neutral hadron with probabilities 0.65, 0.25 and 0.10, the
    energy fractions of jets measured with particle flow [11]_.

    **Underlying event and pile-up.** Soft hadrons follow the Tsallis
    spectrum ``dN/dpT ~ pT (1 + pT/(n T))^-n`` with ``T = 0.145 GeV``,
    ``n = 6.6`` fitted to charged hadrons at 7 TeV [4]_ (mean pT 0.53 GeV),
    and are simulated above 0.5 GeV (37 % of them), softer ones being below
    every threshold. One inelastic interaction has ``dNch/deta = 5.49``
    charged hadrons [3]_, taken flat over ``|eta| < 4.9``: 2.05 per unit of
    eta above 0.5 GeV (ATLAS measures 2.87 in events required to have such a
    particle [5]_). Photons and neutral hadrons come with 0.25/0.65 and
    0.10/0.65 times as many. The underlying event of the W event counts as 2
    such interactions, the activity in the transverse region of Z events
    being about twice that of an average inelastic interaction [6]_; its
    tracks come from the hard-scatter vertex. Each event has a ``mu`` drawn
    from a Gamma distribution of mean ``mean_pileup`` and shape 9 (standard
    deviation ``mean_pileup / 3``, 11 at the default, as wide as the Run-2
    distribution of about 10-70 [7]_), and ``Poisson(mu)`` pile-up
    interactions. Each gives a separate reconstructed vertex with probability
    0.65, an effective efficiency that includes interactions with too few
    tracks and merged vertices [8]_, so ``<n_vertices> = 1 + 0.65 mu``.
    Pile-up jets are not simulated (jet-vertex tagging [16]_), and jets
    contain no pile-up (area subtraction).

    **Tracks** (charged PFOs): charged hadrons with ``|eta| < 2.5`` are
    reconstructed with efficiency 0.9 (``|eta| < 1.5``) or 0.8 (beyond), of
    the size measured for ``pT > 0.5 GeV`` [5]_, with
    ``sigma/pT = 1 % (+) 0.05 % pT/GeV`` [10]_, and kept with measured
    ``pT > 0.5 GeV`` [9]_. Particle-flow charged-hadron subtraction [9]_
    keeps only tracks with ``|dz sin(theta)| < 2 mm`` from the hard-scatter
    vertex: with vertices Gaussian in ``z`` of RMS 35 mm (the approximate
    Run-2 luminous-region length), a pile-up interaction at distance ``dz``
    leaves its tracks with ``cosh(eta) > |dz| / 2 mm``, about 8 % of its
    tracks on average. The calorimeter energy of reconstructed tracks is
    removed by the particle-flow algorithm (assumed perfect).

    **Calorimeter deposits** (neutral PFOs): photons, neutral hadrons, and
    charged hadrons without a track (outside the tracker or missed by the
    tracking) within ``|eta| < 4.9`` [10]_. Energies ``E = pT cosh(eta)``
    are at the electromagnetic scale: response 1 for photons; for hadrons
    ``R(E) = 1 - 0.55 (E/GeV)^-0.18`` (Groom's ``pi/e`` form
    ``1 - (1 - h/e)(E/E0)^(m-1)`` [12]_, with effective parameters giving
    about 0.5 at 2 GeV and 0.7 at 30 GeV, the size of the EM-scale ``E/p``
    measured by ATLAS for single hadrons [13]_). Gaussian resolutions
    ``sigma/E = 10 %/sqrt(E) (+) 0.7 %`` (photons) and
    ``50 %/sqrt(E) (+) 3 %`` (hadrons) for ``|eta| < 3.2``, and
    ``100 %/sqrt(E) (+) 10 %`` in the forward calorimeter [10]_. A neutral
    PFO needs measured ``pT > 1 GeV``, a simplification of the topo-cluster
    noise thresholds that keeps the collections small. For the hadrons of the
    underlying event and pile-up, only those reconstructed are generated,
    from tables of the reconstruction probability and of the measured-pT
    distribution per ``|eta|`` bin of 0.1 (the same model, integrated
    numerically); directions of tracks and clusters are taken as exact.

    **Jets**: for each parton, the PFOs of its hadrons within
    ``Delta R < 0.4`` of its axis (out-of-cone radiation and sub-threshold
    hadrons are lost), calibrated by numerical inversion of this model's own
    mean response ``R(pT) = c - a (pT/GeV)^-b``, ``(c, a, b) = (1.0, 2.9,
    0.69)`` for ``|eta| < 2.5`` and ``(0.94, 2.3, 0.56)`` beyond (a
    simulation-based jet energy scale, as in ATLAS [17]_). The calibrated
    response is within 2 % of 1 above 20 GeV, and the resolution is about 14,
    10, 7 and 4.5 % at 25, 40, 75 and 150 GeV, better than measured at low
    pT [17]_ because pile-up noise is left out of the jets. Jets with
    ``pT > 20 GeV`` and ``|eta| < 4.5`` are kept; close partons are not
    merged.

    **Resulting recoil.** For the raw ``recoil_all``, with ``u_par`` and
    ``u_perp`` its components along and across the true direction
    (200 000 events per column, ``random_state=0``):

    ===========  ==================  ==================  ==================  ==================
    pT(W)        ``<mu> = 0``        ``<mu> = 20``       ``<mu> = 33.7``     ``<mu> = 50``
    [GeV]        R, s_par, s_perp    R, s_par, s_perp    R, s_par, s_perp    R, s_par, s_perp
    ===========  ==================  ==================  ==================  ==================
    0-10         0.58, 6.1, 5.9      0.59, 14.1, 14.0    0.57, 17.6, 17.5    0.59, 21.0, 20.9
    10-20        0.69, 6.7, 5.9      0.70, 14.3, 14.0    0.70, 17.7, 17.4    0.68, 21.1, 21.0
    20-40        0.79, 7.7, 5.9      0.79, 14.8, 13.9    0.78, 18.1, 17.5    0.79, 21.5, 21.1
    40-80        0.85, 8.8, 6.0      0.85, 15.4, 14.2    0.85, 18.5, 17.5    0.85, 21.7, 21.1
    > 80         0.91, 10.4, 5.9     0.91, 16.1, 14.1    0.90, 19.0, 17.6    0.90, 22.6, 20.4
    ===========  ==================  ==================  ==================  ==================

    with ``R = <u_par> / <pT(W)>``, ``s_par`` the standard deviation of
    ``u_par - pT(W)`` and ``s_perp`` that of ``u_perp``, in GeV.

    The response ``<u_par>/<pT(W)>`` rises from about 0.6 to 0.9 with
    ``pT(W)``; the resolution is about 6 GeV without pile-up (underlying
    event) and grows with pile-up as ``s_perp^2 = (6 GeV)^2 + mu 8 GeV^2``,
    to about 18 GeV at ``mu = 34``.
    At the default pile-up an event has on average about 45 charged and 175
    neutral PFOs, ``sumet_all`` of about 330 GeV and ``n_vertices`` of 23.

    **Implementation.** Events are simulated in batches of 16384, each from
    its own random stream derived from ``random_state`` and run on up to 8
    threads, so the output does not depend on the number of threads. 200 000
    events take about 3.5 s on 2 CPU cores (7.5 s on one) at the default
    pile-up; ``return_objects=True`` adds about 3 s.

    References
    ----------
    .. [1] ATLAS Collaboration, "Precise measurements of W- and Z-boson
       transverse momentum spectra with the ATLAS detector using pp
       collisions at sqrt(s) = 5.02 TeV and 13 TeV", arXiv:2404.06204
       (2024); see also ATLAS, Phys. Rev. D 85 (2012) 012005 (W pT, 7 TeV).
    .. [2] ATLAS Collaboration, "Measurements of the production cross
       section of a Z boson in association with jets in pp collisions at
       sqrt(s) = 13 TeV with the ATLAS detector", Eur. Phys. J. C 77 (2017)
       361, arXiv:1702.05725.
    .. [3] CMS Collaboration, "Pseudorapidity distribution of charged hadrons
       in proton-proton collisions at sqrt(s) = 13 TeV", Phys. Lett. B 751
       (2015) 143, arXiv:1507.05915.
    .. [4] CMS Collaboration, "Transverse-momentum and pseudorapidity
       distributions of charged hadrons in pp collisions at sqrt(s) = 7 TeV",
       Phys. Rev. Lett. 105 (2010) 022002, arXiv:1005.3299.
    .. [5] ATLAS Collaboration, "Charged-particle distributions in
       sqrt(s) = 13 TeV pp interactions measured with the ATLAS detector at
       the LHC", Phys. Lett. B 758 (2016) 67, arXiv:1602.01633.
    .. [6] ATLAS Collaboration, "Underlying-event studies with Z boson
       events at sqrt(s) = 13 TeV with the ATLAS detector" (charged-particle
       densities in the transverse region), Eur. Phys. J. C 79 (2019) 666,
       arXiv:1905.09752.
    .. [7] ATLAS Collaboration, "Luminosity determination in pp collisions
       at sqrt(s) = 13 TeV using the ATLAS detector at the LHC",
       Eur. Phys. J. C 83 (2023) 982, arXiv:2212.09379; and the ATLAS Run-2
       luminosity public results (distribution of the mean number of
       interactions per crossing, 2015-2018, ``<mu> = 33.7``).
    .. [8] ATLAS Collaboration, "Reconstruction of primary vertices at the
       ATLAS experiment in Run 1 proton-proton collisions at the LHC",
       Eur. Phys. J. C 77 (2017) 332, arXiv:1611.10235.
    .. [9] ATLAS Collaboration, "Jet reconstruction and performance using
       particle flow with the ATLAS Detector", Eur. Phys. J. C 77 (2017)
       466, arXiv:1703.10485.
    .. [10] ATLAS Collaboration, "The ATLAS Experiment at the CERN Large
       Hadron Collider", JINST 3 (2008) S08003 (design resolutions and
       coverage).
    .. [11] CMS Collaboration, "Particle-flow reconstruction and global
       event description with the CMS detector", JINST 12 (2017) P10003,
       arXiv:1706.04965.
    .. [12] D. E. Groom, "Energy flow in a hadronic cascade: Application to
       hadron calorimetry", Nucl. Instrum. Meth. A 572 (2007) 633; and the
       review "Calorimetry" in S. Navas et al. (Particle Data Group),
       Phys. Rev. D 110, 030001 (2024).
    .. [13] ATLAS Collaboration, "A measurement of the calorimeter response
       to single hadrons and determination of the jet energy scale
       uncertainty using LHC Run-1 pp-collision data with the ATLAS
       detector", Eur. Phys. J. C 77 (2017) 26, arXiv:1607.08842.
    .. [14] ATLAS Collaboration, "Measurement of the charged-particle
       multiplicity inside jets from sqrt(s) = 8 TeV pp collisions with the
       ATLAS detector", Eur. Phys. J. C 76 (2016) 322, arXiv:1602.00988.
    .. [15] ATLAS Collaboration, "Measurement of the jet fragmentation
       function and transverse profile in proton-proton collisions at a
       center-of-mass energy of 7 TeV with the ATLAS detector",
       Eur. Phys. J. C 71 (2011) 1795, arXiv:1109.5816.
    .. [16] ATLAS Collaboration, "Performance of pile-up mitigation
       techniques for jets in pp collisions at sqrt(s) = 8 TeV using the
       ATLAS detector", Eur. Phys. J. C 76 (2016) 581, arXiv:1510.03823.
    .. [17] ATLAS Collaboration, "Jet energy scale and resolution measured
       in proton-proton collisions at sqrt(s) = 13 TeV with the ATLAS
       detector", Eur. Phys. J. C 81 (2021) 689, arXiv:2007.02645.

    Examples
    --------
    >>> from skhep_models.datasets import W_RECOIL_FEATURES, make_w_recoil
    >>> df = make_w_recoil(1000, random_state=0)
    >>> df.shape, len(W_RECOIL_FEATURES)
    ((1000, 41), 38)
    >>> list(df.columns[-3:])
    ['ux', 'uy', 'truth_pt']
    >>> bool((df["n_vertices"] >= 1).all() and (df["sumet_all"] > 0).all())
    True
    """
    n_events = _check_n_events(n_events)
    mean_pileup = _check_mean_pileup(mean_pileup)
    w_pt_range = _check_w_pt_range(w_pt_range)
    if not isinstance(return_objects, (bool, np.bool_)):
        raise ValueError(f"return_objects must be True or False, got {return_objects!r}")
    rng = check_generator(random_state)

    sizes = [min(_BATCH, n_events - start) for start in range(0, n_events, _BATCH)]
    seeds = np.random.SeedSequence(rng.integers(0, 2**63, size=4)).spawn(len(sizes))
    jobs = [
        (size, mean_pileup, np.random.default_rng(seed), return_objects, w_pt_range)
        for size, seed in zip(sizes, seeds)
    ]
    _soft_calo_tables()  # fill the cache once, before the threads need it
    n_threads = min(_n_threads(), len(jobs))
    if n_threads > 1:
        with ThreadPoolExecutor(n_threads) as pool:
            parts = list(pool.map(lambda job: _simulate_batch(*job), jobs))
    else:
        parts = [_simulate_batch(*job) for job in jobs]
    data = {key: np.concatenate([p[0][key] for p in parts]) for key in COLUMNS}
    for key in _INT_COLUMNS:
        data[key] = data[key].astype(np.int64)
    df = pd.DataFrame({key: data[key] for key in COLUMNS}, copy=False)
    if not return_objects:
        return df
    return df, _objects_array([p[1] for p in parts], data)


# --------------------------------------------------------------------------
# Validation
# --------------------------------------------------------------------------


def _check_w_pt_range(w_pt_range):
    if w_pt_range is None:
        return None
    try:
        if isinstance(w_pt_range, str):  # "12" would unpack to (1, 2)
            raise TypeError
        low, high = w_pt_range
        if not all(isinstance(v, Real) and not isinstance(v, bool) for v in (low, high)):
            raise TypeError
        low, high = float(low), float(high)
    except (TypeError, ValueError):
        raise ValueError(f"w_pt_range must be None or (low, high) in GeV, got {w_pt_range!r}") from None
    if not (np.isfinite(low) and np.isfinite(high) and 0 <= low < high):
        raise ValueError(f"w_pt_range must be finite with 0 <= low < high, got {w_pt_range!r}")
    return low, high


def _check_mean_pileup(mean_pileup):
    if (
        isinstance(mean_pileup, bool)
        or not isinstance(mean_pileup, Real)
        or not np.isfinite(mean_pileup)
        or not 0 <= mean_pileup <= MAX_MEAN_PILEUP
    ):
        raise ValueError(
            f"mean_pileup must be a finite number in [0, {MAX_MEAN_PILEUP:g}] (the mean "
            f"number of pile-up interactions; the Run-2 average is {RUN2_MEAN_PILEUP}), "
            f"got {mean_pileup!r}"
        )
    return float(mean_pileup)


# --------------------------------------------------------------------------
# Detector response
# --------------------------------------------------------------------------


def _track_efficiency(abs_eta):
    return np.where(abs_eta < TRACK_EFF_ETA_SPLIT, TRACK_EFFICIENCY[0], TRACK_EFFICIENCY[1])


def _measure_tracks(pt, rng):
    """Measured track pT: Gaussian with sigma/pT = a (+) b pT."""
    a, b = TRACK_RESOLUTION
    return pt * (1.0 + np.hypot(a, b * pt) * rng.standard_normal(pt.shape))


def _calo_mean_and_sigma(pt, abs_eta, em):
    """Mean and standard deviation of the EM-scale pT of a calorimeter deposit.

    ``em`` selects the electromagnetic (photon) response; otherwise the
    hadron response and resolution.
    """
    e = np.maximum(pt * np.cosh(abs_eta), 1e-3)
    fcal = abs_eta >= FCAL_ETA_MIN
    a = np.where(fcal, FCAL_RESOLUTION[0], np.where(em, EM_RESOLUTION[0], HAD_RESOLUTION[0]))
    c = np.where(fcal, FCAL_RESOLUTION[1], np.where(em, EM_RESOLUTION[1], HAD_RESOLUTION[1]))
    response = np.where(em, 1.0, 1.0 - HAD_RESPONSE[0] * e ** -HAD_RESPONSE[1])
    mean = pt * response
    return mean, mean * np.sqrt(a * a / e + c * c)


def _measure_calo(pt, abs_eta, em, rng):
    mean, sigma = _calo_mean_and_sigma(pt, abs_eta, em)
    return np.maximum(mean + sigma * rng.standard_normal(np.shape(pt)), 0.0)


# --------------------------------------------------------------------------
# Soft hadrons (underlying event and pile-up)
# --------------------------------------------------------------------------


@lru_cache(maxsize=1)
def _tsallis_grid():
    """Inverse-CDF grid of the Tsallis spectrum above SOFT_PT_MIN.

    Returns ``(cdf, pt, density, fraction)``: the conditional CDF on the pT
    grid, the (unnormalised) density there, and the fraction of all charged
    hadrons above SOFT_PT_MIN.
    """
    a = TSALLIS_N * TSALLIS_T
    pt = np.concatenate([[0.0], np.geomspace(1e-4, 200.0, 16_384)])
    f = pt * (1.0 + pt / a) ** -TSALLIS_N
    cdf = np.concatenate([[0.0], np.cumsum(0.5 * (f[1:] + f[:-1]) * np.diff(pt))])
    cdf /= cdf[-1]
    above = pt >= SOFT_PT_MIN
    fraction = 1.0 - np.interp(SOFT_PT_MIN, pt, cdf)
    cdf = np.concatenate([[0.0], (cdf[above] - (1.0 - fraction)) / fraction])
    pt = np.concatenate([[SOFT_PT_MIN], pt[above]])
    f = pt * (1.0 + pt / a) ** -TSALLIS_N
    return cdf, pt, f, fraction


def _sample_soft_pt(size, rng):
    cdf, pt, _, _ = _tsallis_grid()
    return np.interp(rng.random(size), cdf, pt)


def _soft_charged_density():
    """Charged hadrons with pT > SOFT_PT_MIN per unit eta in one inelastic interaction."""
    return INELASTIC_DNCH_DETA * _tsallis_grid()[3]


def _soft_densities():
    """Soft EM and hadronic calorimeter deposits per unit |eta| per interaction.

    Returns two arrays over the |eta| bins: photons (pi0 clusters), and
    neutral hadrons plus charged hadrons that leave no track (outside the
    tracker or lost by the track reconstruction).
    """
    centre = (np.arange(_N_ETA_BINS) + 0.5) * _ETA_BIN
    charged = 2.0 * _soft_charged_density()  # both signs of eta
    f_ch, f_gamma, f_h0 = SPECIES_FRACTIONS
    em = np.full(_N_ETA_BINS, charged * f_gamma / f_ch)
    no_track = np.where(centre < TRACKER_ETA_MAX, 1.0 - _track_efficiency(centre), 1.0)
    had = charged * (f_h0 / f_ch + no_track)
    return centre, em, had


# Quantile tables: levels 0, 0.005, ..., 0.895 (bulk), then 1 - 10^-t for
# t = 1 ... 7 in 77 equal steps (tail).
_BULK_STEP, _BULK_NODES = 0.005, 180
_TAIL_DECADES, _TAIL_STEPS = 6.0, 77


def _quantile_levels():
    tail = 1.0 - 10.0 ** -(1.0 + np.arange(_TAIL_STEPS + 1) * (_TAIL_DECADES / _TAIL_STEPS))
    return np.concatenate([np.arange(_BULK_NODES) * _BULK_STEP, tail])


def _quantile_position(u):
    """Fractional index of the probabilities ``u`` in :func:`_quantile_levels`."""
    with np.errstate(divide="ignore"):
        tail = _BULK_NODES + (-np.log10(1.0 - u) - 1.0) * (_TAIL_STEPS / _TAIL_DECADES)
    pos = np.where(u < 1.0 - 10.0**-1, u / _BULK_STEP, tail)
    return np.minimum(pos, _BULK_NODES + _TAIL_STEPS - 1e-9)


def _guide_table(probabilities, cells=1 << 13):
    """Cumulative upper edges and a guide table for O(1) categorical sampling.

    Every bin must have probability above ``1/cells``, so that a cell holds
    at most one edge: the bin of ``u`` is ``guide[k] + (u >= upper[guide[k]])``
    with ``k = floor(u * cells)``.
    """
    upper = np.cumsum(probabilities) / np.sum(probabilities)
    if np.min(probabilities) * cells <= np.sum(probabilities):  # pragma: no cover
        raise RuntimeError("a bin is too improbable for the guide table; use more cells")
    upper[-1] = 2.0  # u < 1 always falls in the last bin at the latest
    guide = np.searchsorted(upper, np.arange(cells) / cells, side="right")
    return upper, guide


@lru_cache(maxsize=1)
def _soft_calo_tables():
    """Reconstruction probability and measured-pT quantiles of soft deposits.

    For each species (EM, hadronic) and |eta| bin: the expected number of
    reconstructed neutral objects per interaction in the bin, and the
    quantile function of their measured pT, from the Tsallis spectrum folded
    with the calorimeter response (exact up to the grids).
    """
    _, pt_grid, f, _ = _tsallis_grid()
    # Nodes of the true pT with their probabilities.
    nodes = np.geomspace(SOFT_PT_MIN, 60.0, 600)
    w = np.interp(nodes, pt_grid, f) * np.gradient(nodes)
    w /= w.sum()
    levels = _quantile_levels()
    measured = np.geomspace(NEUTRAL_PT_MIN, 80.0, 400)
    centre, em_density, had_density = _soft_densities()
    rates = np.empty((2, _N_ETA_BINS))
    quantiles = np.empty((2, _N_ETA_BINS, levels.size))
    for s, (em, density) in enumerate(((True, em_density), (False, had_density))):
        for j, eta in enumerate(centre):
            mean, sigma = _calo_mean_and_sigma(nodes, np.full_like(nodes, eta), em)
            surv = ndtr((mean[None, :] - measured[:, None]) / sigma[None, :]) @ w
            rates[s, j] = density[j] * _ETA_BIN * surv[0]
            quantiles[s, j] = np.interp(levels, 1.0 - surv / surv[0], measured)
    guides = [_guide_table(r) for r in rates]
    return rates, quantiles, guides


def _sample_soft_calo(n_equiv, rng):
    """Reconstructed neutral objects from soft hadrons (UE and pile-up).

    ``n_equiv`` is the per-event number of inelastic-interaction
    equivalents. Returns flat arrays (event, measured pT, phi).
    """
    rates, quantiles, guides = _soft_calo_tables()
    events, pts = [], []
    for s, (upper, guide) in enumerate(guides):
        count = rng.poisson(n_equiv * rates[s].sum())
        event = np.repeat(np.arange(n_equiv.size), count)
        # |eta| bin (the pseudorapidity itself is not needed further).
        u = rng.random(event.size)
        j = guide[(u * guide.size).astype(np.intp)]
        j += u >= upper[j]
        pos = _quantile_position(rng.random(event.size))
        i = pos.astype(np.intp)
        frac = pos - i
        q = quantiles[s]
        events.append(event)
        pts.append(q[j, i] * (1.0 - frac) + q[j, i + 1] * frac)
    event = np.concatenate(events)
    return event, np.concatenate(pts), rng.uniform(-np.pi, np.pi, event.size)


def _sample_soft_tracks(n, n_pu, rng):
    """Tracks of the underlying event, and of pile-up left by charged-hadron subtraction.

    Returns flat arrays (event, measured pT, phi) of reconstructed tracks.
    """
    # Underlying event: all its tracks come from the hard-scatter vertex.
    density = _soft_charged_density()
    n_ue = rng.poisson(UE_ACTIVITY * density * 2.0 * TRACKER_ETA_MAX, n)
    ev_ue = np.repeat(np.arange(n), n_ue)
    eta_ue = rng.uniform(-TRACKER_ETA_MAX, TRACKER_ETA_MAX, ev_ue.size)
    # Pile-up: a track survives if |dz| sin(theta) < CHS_Z0_SIN_THETA, i.e.
    # cosh(eta) > |dz| / CHS_Z0_SIN_THETA: only |eta| > eta_min, per interaction.
    z_hs = rng.normal(0.0, BEAMSPOT_SIGMA_Z, n)
    ev_int = np.repeat(np.arange(n), n_pu)
    dz = rng.normal(0.0, BEAMSPOT_SIGMA_Z, ev_int.size) - z_hs[ev_int]
    eta_min = np.arccosh(np.maximum(np.abs(dz) / CHS_Z0_SIN_THETA, 1.0))
    width = np.maximum(TRACKER_ETA_MAX - eta_min, 0.0)
    n_kept = rng.poisson(density * 2.0 * width)
    ev_pu = np.repeat(ev_int, n_kept)
    lo = np.repeat(eta_min, n_kept)
    abs_eta = lo + rng.random(lo.size) * (TRACKER_ETA_MAX - lo)
    eta_pu = np.where(rng.random(lo.size) < 0.5, -abs_eta, abs_eta)

    event = np.concatenate([ev_ue, ev_pu])
    eta = np.concatenate([eta_ue, eta_pu])
    found = rng.random(event.size) < _track_efficiency(np.abs(eta))
    event = event[found]
    pt = _measure_tracks(_sample_soft_pt(event.size, rng), rng)
    ok = pt > TRACK_PT_MIN
    return event[ok], pt[ok], rng.uniform(-np.pi, np.pi, event.size)[ok]


# --------------------------------------------------------------------------
# Hard recoil: initial-state radiation and its fragmentation
# --------------------------------------------------------------------------


def _isr_partons(ux, uy, rng):
    """Partons whose transverse momenta add up to the recoil ``(ux, uy)``.

    Returns ``(px, py, eta, active)``, each of shape (n, ISR_MAX); slot 0
    is the leading emission.
    """
    n = ux.size
    n_extra = np.minimum(rng.poisson(ISR_EXTRA_MEAN, n), ISR_MAX - 1)
    active = np.arange(ISR_MAX) < 1 + n_extra[:, None]
    extra = active[:, 1:]
    pt = np.zeros((n, ISR_MAX))
    pt[:, 1:][extra] = _sample_pair_pt(((1.0, *ISR_EXTRA_PT),), int(extra.sum()), rng)
    phi = rng.uniform(-np.pi, np.pi, (n, ISR_MAX))
    px, py = pt * np.cos(phi), pt * np.sin(phi)
    px[:, 0] = ux - px[:, 1:].sum(axis=1)
    py[:, 0] = uy - py[:, 1:].sum(axis=1)
    pt = np.hypot(px, py)
    y_max = np.log(SQRT_S / np.maximum(pt, 1.0))
    z = sample_truncated_normal(1.0, 1.0 / ISR_ETA_SCALE, n * ISR_MAX, rng).reshape(n, ISR_MAX)
    return px, py, z * ISR_ETA_SCALE * y_max, active


def _fragment(px, py, eta, active, rng):
    """Hadrons from the active partons (flat arrays).

    Returns ``(parton, px, py, eta, species)`` where ``parton`` is the flat
    index ``event * ISR_MAX + slot`` of the mother parton. The hadrons of a
    parton add up exactly to its transverse momentum.
    """
    flat = np.flatnonzero(active.ravel())
    p_px, p_py, p_eta = px.ravel()[flat], py.ravel()[flat], eta.ravel()[flat]
    p_pt = np.hypot(p_px, p_py)
    mean = np.maximum(FRAG_A + FRAG_B * np.log(np.maximum(p_pt, 1e-3)), 0.0)
    mult = 1 + rng.poisson(mean)
    owner = np.repeat(np.arange(flat.size), mult)
    # Dirichlet(1, ..., 1) momentum fractions: normalised exponentials.
    x = rng.standard_exponential(owner.size)
    z = x / np.bincount(owner, weights=x, minlength=flat.size)[owner]
    pt = z * p_pt[owner]
    sigma = np.minimum(FRAG_JT / np.maximum(pt, 1e-6), FRAG_MAX_ANGLE)
    d_eta, d_phi = sigma * rng.standard_normal((2, owner.size))
    phi = np.arctan2(p_py, p_px)[owner] + d_phi
    h_px, h_py = pt * np.cos(phi), pt * np.sin(phi)
    # Transverse-momentum conservation: share the parton's residual by z.
    res_x = p_px - np.bincount(owner, weights=h_px, minlength=flat.size)
    res_y = p_py - np.bincount(owner, weights=h_py, minlength=flat.size)
    h_px += z * res_x[owner]
    h_py += z * res_y[owner]
    edges = np.cumsum(SPECIES_FRACTIONS)[:-1]
    species = np.searchsorted(edges, rng.random(owner.size), side="right")
    return flat[owner], h_px, h_py, p_eta[owner] + d_eta, species


def _reconstruct_hadrons(h_px, h_py, h_eta, species, rng):
    """Measure hadrons: returns (is_track, is_neutral, measured pT)."""
    pt = np.hypot(h_px, h_py)
    abs_eta = np.abs(h_eta)
    charged = species == _CHARGED
    in_tracker = charged & (abs_eta < TRACKER_ETA_MAX)
    found = in_tracker & (rng.random(pt.size) < _track_efficiency(abs_eta))
    meas = np.zeros(pt.size)
    meas[found] = _measure_tracks(pt[found], rng)
    calo = ~found & (abs_eta < CALO_ETA_MAX)
    meas[calo] = _measure_calo(pt[calo], abs_eta[calo], species[calo] == _PHOTON, rng)
    is_track = found & (meas > TRACK_PT_MIN)
    is_neutral = calo & (meas > NEUTRAL_PT_MIN)
    return is_track, is_neutral, meas


def _calibrate_jets(raw_pt, central):
    """Jet energy scale by numerical inversion: solve ``pT R(pT) = raw_pt``.

    ``g(p) = p R(p) - raw`` is convex and increasing beyond its zero
    ``p0 = (a/c)^(1/b)``; Newton's method from ``2 raw + p0`` (where g > 0
    for b >= 1/2) converges monotonically. Jets without constituents stay 0.
    """
    c, a, b = (np.where(central, x, y) for x, y in zip(*JET_RESPONSE))
    p = 2.0 * raw_pt + (a / c) ** (1.0 / b)
    for _ in range(12):
        p -= (c * p - a * p ** (1.0 - b) - raw_pt) / (c - a * (1.0 - b) * p**-b)
    return np.where(raw_pt > 0, p, 0.0)


def _reconstruct_jets(partons, parton, h_eta, h_phi, reconstructed, meas):
    """Calibrated jets from the reconstructed hadrons within JET_R of each parton.

    Returns ``(px, py, n_jets)``: arrays of shape (n, ISR_MAX) with the jets
    passing the selection first, in decreasing pT, and zeros after them.
    """
    p_px, p_py, p_eta, active = partons
    n, size = active.shape[0], active.size
    d_phi = np.abs(h_phi - np.arctan2(p_py, p_px).ravel()[parton])
    d_phi = np.minimum(d_phi, 2.0 * np.pi - d_phi)
    d_eta = h_eta - p_eta.ravel()[parton]
    weight = np.where(reconstructed & (d_eta * d_eta + d_phi * d_phi < JET_R * JET_R), meas, 0.0)
    raw_px = np.bincount(parton, weights=weight * np.cos(h_phi), minlength=size)
    raw_py = np.bincount(parton, weights=weight * np.sin(h_phi), minlength=size)
    raw_pt = np.hypot(raw_px, raw_py)
    pt = _calibrate_jets(raw_pt, np.abs(p_eta.ravel()) < TRACKER_ETA_MAX)
    scale = np.divide(pt, raw_pt, out=np.zeros(size), where=raw_pt > 0)
    px, py = (scale * raw_px).reshape(n, -1), (scale * raw_py).reshape(n, -1)
    pt = pt.reshape(n, -1)
    good = active & (pt > JET_PT_MIN) & (np.abs(p_eta) < JET_ETA_MAX)
    order = np.argsort(np.where(good, -pt, np.inf), axis=1, kind="stable")
    n_jets = good.sum(axis=1)
    on = np.arange(ISR_MAX) < n_jets[:, None]
    px, py = (np.where(on, np.take_along_axis(a, order, axis=1), 0.0) for a in (px, py))
    return px, py, n_jets


# --------------------------------------------------------------------------
# Simulation
# --------------------------------------------------------------------------


def _sample_pileup(n, mean_pileup, rng):
    """mu per event, the number of pile-up interactions and of reconstructed vertices."""
    if mean_pileup > 0:
        mu = rng.gamma(MU_GAMMA_SHAPE, mean_pileup / MU_GAMMA_SHAPE, n)
    else:
        mu = np.zeros(n)
    n_pu = rng.poisson(mu)
    n_vertices = 1 + rng.binomial(n_pu, VERTEX_EFFICIENCY)
    return mu, n_pu, n_vertices


def _simulate_batch(n, mean_pileup, rng, keep_objects, w_pt_range=None):
    """Simulate ``n`` events: the per-event columns and, if asked, the objects."""
    if w_pt_range is None:
        w_pt = _sample_pair_pt(W_PT_SHAPE, n, rng)
    else:
        w_pt = rng.uniform(*w_pt_range, n)
    w_phi = rng.uniform(-np.pi, np.pi, n)
    ux, uy = -w_pt * np.cos(w_phi), -w_pt * np.sin(w_phi)
    mu, n_pu, n_vertices = _sample_pileup(n, mean_pileup, rng)
    partons = _isr_partons(ux, uy, rng)
    parton, h_px, h_py, h_eta, species = _fragment(*partons, rng)
    is_track, is_neutral, meas = _reconstruct_hadrons(h_px, h_py, h_eta, species, rng)
    h_phi = np.arctan2(h_py, h_px)
    jet_px, jet_py, n_jets = _reconstruct_jets(
        partons, parton, h_eta, h_phi, is_track | is_neutral, meas
    )
    ev_t, pt_t, phi_t = _sample_soft_tracks(n, n_pu, rng)
    ev_n, pt_n, phi_n = _sample_soft_calo(n_pu + UE_ACTIVITY, rng)
    h_event = parton // ISR_MAX
    pfos = {
        "charged": (h_event[is_track], meas[is_track], h_phi[is_track], ev_t, pt_t, phi_t),
        "neutral": (h_event[is_neutral], meas[is_neutral], h_phi[is_neutral], ev_n, pt_n, phi_n),
    }

    out = {"mu": mu, "n_vertices": n_vertices, "n_jets": n_jets}
    out.update(ux=ux, uy=uy, truth_pt=w_pt)
    on = np.arange(ISR_MAX) < n_jets[:, None]
    objects = {"n_jets": n_jets, "Jet_Px": jet_px[on], "Jet_Py": jet_py[on]}
    for i in range(2):
        out[f"jet{i + 1}_px"] = jet_px[:, i]
        out[f"jet{i + 1}_py"] = jet_py[:, i]
    for name, (ev_hard, pt_hard, phi_hard, ev_soft, pt_soft, phi_soft) in pfos.items():
        event = np.concatenate([ev_hard, ev_soft])
        pt = np.concatenate([pt_hard, pt_soft])
        phi = np.concatenate([phi_hard, phi_soft])
        px, py = pt * np.cos(phi), pt * np.sin(phi)
        out[f"recoil_{name}_x"] = np.bincount(event, weights=px, minlength=n)
        out[f"recoil_{name}_y"] = np.bincount(event, weights=py, minlength=n)
        out[f"sumet_{name}"] = np.bincount(event, weights=pt, minlength=n)
        count = out[f"n_{name}"] = np.bincount(event, minlength=n)
        # Group by event, in decreasing pT within an event.
        order = np.argsort(event + 0.5 / (1.0 + pt))
        event, px, py = event[order], px[order], py[order]
        rank = np.arange(event.size) - (np.cumsum(count) - count)[event]
        lead = rank < _N_LEADING
        for c, values in (("px", px), ("py", py)):
            table = np.zeros((n, _N_LEADING))
            table[event[lead], rank[lead]] = values[lead]
            for i in range(_N_LEADING):
                out[f"{name}{i + 1}_{c}"] = table[:, i]
        if keep_objects:
            # Random order within each event, so that readers must sort. These
            # are the last draws of the batch: the columns do not depend on them.
            shuffle = np.argsort(event + 0.5 * rng.random(event.size))
            label = "ChargedPFO" if name == "charged" else "NeutralPFO"
            objects[f"{label}_Px"], objects[f"{label}_Py"] = px[shuffle], py[shuffle]
            objects[f"n_{name}"] = count
    for c in ("x", "y"):
        out[f"recoil_all_{c}"] = out[f"recoil_charged_{c}"] + out[f"recoil_neutral_{c}"]
    out["sumet_all"] = out["sumet_charged"] + out["sumet_neutral"]
    return out, objects


def _objects_array(parts, data):
    """The reconstructed objects of all events as an awkward Array of records."""
    fields = {}
    collections = (("Jet", "n_jets"), ("ChargedPFO", "n_charged"), ("NeutralPFO", "n_neutral"))
    for label, count in collections:
        counts = np.concatenate([p[count] for p in parts])
        for c in ("Px", "Py"):
            flat = np.concatenate([p[f"{label}_{c}"] for p in parts])
            fields[f"{label}_{c}"] = ak.unflatten(flat, counts)
    for key in ("n_vertices", "mu", "ux", "uy"):
        fields[key] = data[key]
    return ak.zip(fields, depth_limit=1)
