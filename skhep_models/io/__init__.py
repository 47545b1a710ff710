"""Reading collider data into flat tables.

Readers return :class:`pandas.DataFrame` objects (the ROOT readers can also
return NumPy or Awkward arrays) with the columns in the order they were asked
for, whatever the order in the file, so that a feature list can be passed
straight to an estimator. Wrong paths, trees, branches and columns fail with
a message that names them and lists what the file holds. Nothing here needs
PyTorch or a ROOT installation (ROOT files are read with uproot).

Readers
-------
read_root, iterate_root
    Flat branches of a TTree (or RNTuple), whole or in chunks of a number of
    entries or a memory size. Variable-length (jagged) branches are refused
    with a clear error rather than flattened silently.
read_root_leading, iterate_root_leading
    Jagged object collections of a tree (``Jet_Px[NJet]``, ``Muon_Px[NMuon]``)
    as fixed-width columns of the N leading objects by pT (``Jet1_Px,
    Jet1_Py, Jet2_Px, ...``), padded with zeros, after the requested flat
    branches; whole or in chunks.
read_csv, iterate_csv
    A CSV file through :func:`pandas.read_csv`, whole or in chunks, parsing
    only the requested columns.
read_higgs_uci
    The UCI HIGGS rows (label, then ``HIGGS_UCI_FEATURES``) as ``(X, y)``.
read_darkmachines, iterate_darkmachines
    DarkMachines challenge events (one ``;``-separated line per event, a
    varying number of ``type,E,pt,eta,phi`` objects) as fixed-width rows:
    event id, process, weight, MET, then per group (b-jets, jets, leptons,
    photons) the object count and the N leading objects by pT, zero-padded,
    energies in GeV; whole or in chunks.

Jagged arrays
-------------
leading_objects
    The same for Awkward arrays in memory: sort each event's objects by pT
    (computed from Px, Py where there is no pt field), cut on pT, keep the
    leading N, pad, flatten.

Cleaning
--------
clean_events
    Drop events with a NaN or infinite target and duplicated ``(Run, Event)``
    events, print what was dropped and record the counts in
    ``DataFrame.attrs["clean_events"]``.
"""

from ._cleaning import clean_events
from ._darkmachines import iterate_darkmachines, read_darkmachines
from ._higgs import HIGGS_UCI_FEATURES, read_higgs_uci
from ._jagged import iterate_root_leading, leading_objects, read_root_leading
from ._readers import iterate_csv, iterate_root, read_csv, read_root

__all__ = [
    "HIGGS_UCI_FEATURES",
    "clean_events",
    "iterate_csv",
    "iterate_darkmachines",
    "iterate_root",
    "iterate_root_leading",
    "leading_objects",
    "read_csv",
    "read_darkmachines",
    "read_higgs_uci",
    "read_root",
    "read_root_leading",
]
