"""Scikit-learn transformers with a physics meaning.

Transformers
------------
EventFrame
    Rewrites fixed-width event tables (MET, METphi, ``<group><rank>_E/_pt/_eta/_phi``
    objects) with azimuths relative to the MET and energies as ``log(E / (pT cosh eta))``,
    and back, making generated tables consistent (pT order, counts, padding); the
    preprocessor of a :class:`~skhep_models.BetaVAEGenerator`.
LorentzInvariants
    Appends the invariants of a particle pair (invariant mass, pT, rapidity, opening angle,
    delta R, ...) to the input columns, from (E, px, py, pz) or (pt, eta, phi[, m]) columns;
    the defaults read the CMS dielectron / dimuon open-data column names.
    ``INVARIANTS`` lists the names it can append.
SeparationPowerSelector
    Ranks the input variables by TMVA's separation power <S^2> (with event weights), drops
    the less separating of each strongly correlated pair, and keeps the best ``n_features``;
    ``dropped_`` records why each removed variable went.
"""

from ._event_frame import EventFrame
from ._lorentz import INVARIANTS, LorentzInvariants
from ._selection import SeparationPowerSelector

__all__ = ["EventFrame", "INVARIANTS", "LorentzInvariants", "SeparationPowerSelector"]
