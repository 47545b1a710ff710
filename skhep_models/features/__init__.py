"""Scikit-learn transformers with a physics meaning.

Transformers
------------
LorentzInvariants
    Appends the invariants of a particle pair (invariant mass, pT, rapidity, opening angle,
    delta R, ...) to the input columns, from (E, px, py, pz) or (pt, eta, phi[, m]) columns;
    the defaults read the CMS dielectron / dimuon open-data column names.
    ``INVARIANTS`` lists the names it can append.
"""

from ._lorentz import INVARIANTS, LorentzInvariants

__all__ = ["INVARIANTS", "LorentzInvariants"]
