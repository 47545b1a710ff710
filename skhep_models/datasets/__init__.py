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
"""

from ._dielectron import DIELECTRON_FEATURES, make_dielectron

__all__ = ["DIELECTRON_FEATURES", "make_dielectron"]
