"""Synthetic particle-physics datasets.

Generators return :class:`pandas.DataFrame` objects in the schema of public
collider data, so that code written for the real samples runs unchanged.

Generators
----------
make_dielectron
    Drell-Yan continuum, J/psi, psi(2S), Upsilon(1S, 2S, 3S) and Z decays to
    an electron pair with a CMS ECAL-like response and CMS-like selection, in
    the schema of the CMS 2010 "Events with two electrons" open data.
    ``DIELECTRON_FEATURES`` lists its 16 lepton-kinematics columns.
make_ttbar_resonance
    A new resonance X -> t tbar of unknown mass against the Standard Model
    t tbar continuum, lepton+jets channel, with a CMS-like detector response
    and selection, in the 27-feature layout of the HEPMASS data of the
    parameterised-network benchmark (Baldi et al. 2016), plus the mass
    hypothesis and the label. ``TTBAR_FEATURES`` lists the 27 feature columns.
make_w_recoil
    W -> mu nu events at 13 TeV with the hadronic recoil measured by an
    ATLAS-like particle-flow reconstruction under Run-2 pile-up: the 38
    inputs of a recoil regression (``W_RECOIL_FEATURES``: charged, neutral
    and total recoil and sum E_T, leading jets and particle-flow objects,
    vertex and object counts, mu) and its target, the true recoil -pT(W)
    (``W_RECOIL_TARGETS``). Optionally the reconstructed objects of every
    event as an awkward Array.

Augmentation
------------
augment_pair_symmetries
    Copies of two-particle events rotated about the beam axis, reflected in z, with
    the particles exchanged and the charges conjugated: symmetries that leave the
    pair mass unchanged, so a network trained on raw four-momenta need not learn
    them from a finite sample.
"""

from ._augment import CMS_PAIR_COLUMNS, augment_pair_symmetries
from ._dielectron import DIELECTRON_FEATURES, make_dielectron
from ._ttbar import TTBAR_FEATURES, make_ttbar_resonance
from ._w_recoil import W_RECOIL_FEATURES, W_RECOIL_TARGETS, make_w_recoil

__all__ = [
    "CMS_PAIR_COLUMNS",
    "DIELECTRON_FEATURES",
    "TTBAR_FEATURES",
    "W_RECOIL_FEATURES",
    "W_RECOIL_TARGETS",
    "augment_pair_symmetries",
    "make_dielectron",
    "make_ttbar_resonance",
    "make_w_recoil",
]
