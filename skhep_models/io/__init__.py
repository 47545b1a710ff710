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
    with a clear error rather than flattened silently; a jagged-to-fixed-width
    reader is planned.
read_csv, iterate_csv
    A CSV file through :func:`pandas.read_csv`, whole or in chunks, parsing
    only the requested columns.
read_higgs_uci
    The UCI HIGGS rows (label, then ``HIGGS_UCI_FEATURES``) as ``(X, y)``.

Cleaning
--------
clean_events
    Drop events with a NaN or infinite target and duplicated ``(Run, Event)``
    events, print what was dropped and record the counts in
    ``DataFrame.attrs["clean_events"]``.
"""

from ._cleaning import clean_events
from ._higgs import HIGGS_UCI_FEATURES, read_higgs_uci
from ._readers import iterate_csv, iterate_root, read_csv, read_root

__all__ = [
    "HIGGS_UCI_FEATURES",
    "clean_events",
    "iterate_csv",
    "iterate_root",
    "read_csv",
    "read_higgs_uci",
    "read_root",
]
