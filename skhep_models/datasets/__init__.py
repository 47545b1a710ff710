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
"""

from ._dielectron import DIELECTRON_FEATURES, make_dielectron
from ._ttbar import TTBAR_FEATURES, make_ttbar_resonance

__all__ = [
    "DIELECTRON_FEATURES",
    "TTBAR_FEATURES",
    "make_dielectron",
    "make_ttbar_resonance",
]
