"""Reader for the DarkMachines LHC event files: one event per line, a varying number of objects."""

import os
from collections.abc import Mapping
from contextlib import nullcontext
from itertools import islice
from numbers import Integral

import awkward as ak
import numpy as np
import pandas as pd

from ._common import check_source, format_names
from ._jagged import leading_objects
from ._readers import _check_positive_int

__all__ = ["read_darkmachines", "iterate_darkmachines"]

#: Object groups, in column order, with the default number of leading objects kept of each.
_DEFAULT_MAX_OBJECTS = {"bjet": 2, "jet": 4, "lepton": 2, "photon": 1}

#: Object type in the file -> (group, PDG id). The PDG id is signed as in the PDG
#: numbering scheme: positive for the particle (e-, mu-), negative for the antiparticle.
_TYPES = {
    "b": ("bjet", 0),
    "j": ("jet", 0),
    "e-": ("lepton", 11),
    "e+": ("lepton", -11),
    "m-": ("lepton", 13),
    "m+": ("lepton", -13),
    "g": ("photon", 0),
}
_GROUPS = tuple(_DEFAULT_MAX_OBJECTS)
_TYPE_CODES = {name: code for code, name in enumerate(_TYPES)}
_GROUP_OF_CODE = np.array([_GROUPS.index(group) for group, _ in _TYPES.values()])
_PDG_OF_CODE = np.array([pdg for _, pdg in _TYPES.values()], dtype=np.int64)

_FIELDS = ("E", "pt", "eta", "phi")
_HEADER = ("event id", "process", "weight", "MET", "METphi")
_START = f"{'; '.join(_HEADER)}; then objects type,E,pt,eta,phi"
_MEV_PER_GEV = 1000.0  # the files give E, pt and MET in MeV; the columns are in GeV


def read_darkmachines(
    path, max_objects=None, *, keep_process=True, dtype="float64", n_events=None
):
    """Read a DarkMachines event file into a fixed-width DataFrame, energies in GeV.

    The DarkMachines anomaly-score challenge [1]_ gives each simulated LHC
    event as one line of ``;``-separated fields: event id, process, event
    weight, missing transverse energy and its azimuth, then a varying number
    of objects ``type,E,pt,eta,phi``::

        354;monojet_Zp2000.0_DM_50.0;2.44336e-05;832841;-1.22431;b,947383,824498,-0.52,1.64;...

    This keeps, for each group of objects (b-jets, jets, leptons, photons),
    the ``max_objects`` leading ones by pT, padded with zeros where an event
    has fewer, and counts all of them, so that each event becomes one row of
    fixed width that an estimator (or a generative model) can take.

    Parameters
    ----------
    path : str, path-like or file-like
        The ``.csv`` file, or an open text (or binary) file.
    max_objects : int or dict of str to int, default=None
        How many leading objects to keep per event of each group: ``"bjet"``
        (type ``b``), ``"jet"`` (``j``, the jets that are not b-tagged),
        ``"lepton"`` (``e-``, ``e+``, ``m-``, ``m+``: electrons and muons
        together) and ``"photon"`` (``g``). A dict may give some of them,
        the others keep their default; one int applies to all; 0 keeps only
        the group's count column. ``None`` takes the defaults
        ``{"bjet": 2, "jet": 4, "lepton": 2, "photon": 1}``: on the monojet
        signal sample these keep every object of over 99.8% of the events
        but for the jets (all of them for 76% of the events, which have up
        to 11); the DarkMachines dilepton and trilepton channels need
        ``{"lepton": 3}`` or more.
    keep_process : bool, default=True
        Keep the process name (``"ttbar"``, ``"monojet_Zp2000.0_DM_50.0"``)
        as a string column, the label when files of several processes are
        put together. ``False`` leaves only numeric columns, as a density
        estimator or a generator wants them.
    dtype : str or numpy.dtype, default="float64"
        Floating-point type of the float columns (``"float32"`` halves the
        memory). The values are converted in float64 first.
    n_events : int, default=None
        Read only the first events (non-blank lines) of the file.

    Returns
    -------
    pandas.DataFrame
        One row per event, indexed from 0, with the columns

        - ``event_id`` (int64), ``process`` (str, with ``keep_process``),
          ``weight``, ``MET`` (GeV), ``METphi``;
        - for each group in the order bjet, jet, lepton, photon: ``n_<group>``
          (int64), the number of objects of the group in the event, all of
          them and not only those kept; then ``<group><rank>_E``, ``_pt``
          (GeV), ``_eta``, ``_phi`` for rank 1 to ``max_objects[group]``,
          highest pT first, zero for missing objects. Lepton ranks also have
          ``lepton<rank>_pdg`` (int64): the PDG id, 11 for ``e-``, -11 for
          ``e+``, 13 for ``m-`` (mu-), -13 for ``m+`` (mu+), so the charge is
          minus its sign; 0 for a missing lepton.

    Raises
    ------
    FileNotFoundError
        If ``path`` is a local path and no such file exists.
    ValueError
        If a line is malformed, with the file and the line number: fewer than
        the five event fields, an event id that is not an integer, a value
        that is not a number, an object without exactly five comma-separated
        fields or of an unknown type. Also for a ``max_objects`` key that is
        not a group (the message lists the groups) or a value that is not a
        non-negative integer, a ``dtype`` that is not a floating-point type,
        or an ``n_events`` that is not a positive integer.
    TypeError
        If ``max_objects`` is neither an int nor a dict, or ``keep_process``
        not a bool.

    See Also
    --------
    iterate_darkmachines : The same, in chunks of events.
    leading_objects : The same padding of leading objects for arrays in memory.

    Notes
    -----
    The leading objects of a group are re-sorted by pT (ties keep the file
    order): the files order jets and b-jets together, and electrons and
    muons are listed by type, not merged. E, pT and MET are divided by 1000
    (MeV to GeV); the event weight is kept as it is.

    References
    ----------
    .. [1] T. Aarrestad et al., "The Dark Machines Anomaly Score Challenge:
       Benchmark Data and Model Independent Event Classification for the Large
       Hadron Collider", SciPost Phys. 12, 043 (2022), arXiv:2105.14027.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skhep_models.io import read_darkmachines
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.csv"
    >>> _ = path.write_text(
    ...     "7;ttbar;0.5;52000;0.3;j,150000,120000,0.5,1.2;m+,40000,30000,-1.1,2.0;"
    ...     "e-,60000,45000,0.2,-0.4;\\n"
    ...     "8;ttbar;0.5;21000;-1.0;b,90000,70000,1.5,0.1;\\n"
    ... )
    >>> df = read_darkmachines(path, {"lepton": 2})
    >>> df[["MET", "n_jet", "jet1_pt", "n_lepton", "lepton1_pdg", "lepton2_pdg"]]
        MET  n_jet  jet1_pt  n_lepton  lepton1_pdg  lepton2_pdg
    0  52.0      1    120.0         2           11          -13
    1  21.0      0      0.0         0            0            0
    >>> tmp.cleanup()
    """
    spec = _check_args(max_objects, keep_process, dtype)
    n_events = None if n_events is None else _check_positive_int(n_events, "n_events")
    source = check_source(path, "DarkMachines")
    frames = list(_iterate(source, _where(path), spec, 100_000, n_events))
    if not frames:
        return _frame([], _where(path), spec, 0)
    return frames[0] if len(frames) == 1 else pd.concat(frames)


def iterate_darkmachines(
    path, max_objects=None, *, step_size=100_000, keep_process=True, dtype="float64"
):
    """Iterate over a DarkMachines event file in fixed-width DataFrame chunks.

    Like :func:`read_darkmachines`, ``step_size`` events at a time, for the
    challenge's background files of millions of events. The arguments and
    the path are checked when the function is called; a malformed line
    fails when the chunk holding it is read.

    Parameters
    ----------
    path : str, path-like or file-like
        The ``.csv`` file, or an open text (or binary) file.
    max_objects : int or dict of str to int, default=None
        Leading objects kept per group, as in :func:`read_darkmachines`.
    step_size : int, default=100_000
        Events per chunk (the last one may be shorter).
    keep_process : bool, default=True
        Keep the process name as a string column.
    dtype : str or numpy.dtype, default="float64"
        Floating-point type of the float columns.

    Returns
    -------
    iterator of pandas.DataFrame
        The chunks, with the columns of :func:`read_darkmachines`. Their index
        continues from one chunk to the next, so ``pd.concat(chunks)`` equals
        ``read_darkmachines`` with the same arguments.

    Raises
    ------
    FileNotFoundError, ValueError, TypeError
        As :func:`read_darkmachines`; ValueError also for a ``step_size``
        that is not a positive integer.

    See Also
    --------
    read_darkmachines : The whole file at once.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skhep_models.io import iterate_darkmachines
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.csv"
    >>> line = "{};ttbar;1;30000;0;j,90000,80000,0.1,0.2;\\n"
    >>> _ = path.write_text("".join(line.format(i) for i in range(5)))
    >>> [chunk.index.tolist() for chunk in iterate_darkmachines(path, step_size=2)]
    [[0, 1], [2, 3], [4]]
    >>> tmp.cleanup()
    """
    spec = _check_args(max_objects, keep_process, dtype)
    step_size = _check_positive_int(step_size, "step_size")
    source = check_source(path, "DarkMachines")
    return _iterate(source, _where(path), spec, step_size, None)


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def _check_args(max_objects, keep_process, dtype):
    if not isinstance(keep_process, (bool, np.bool_)):
        raise TypeError(f"keep_process must be True or False, got {keep_process!r}")
    return _check_max_objects(max_objects), bool(keep_process), _check_dtype(dtype)


def _check_max_objects(max_objects):
    if max_objects is None:
        return dict(_DEFAULT_MAX_OBJECTS)
    if isinstance(max_objects, Integral) and not isinstance(max_objects, bool):
        return dict.fromkeys(_GROUPS, _check_count(max_objects, "max_objects"))
    if not isinstance(max_objects, Mapping):
        raise TypeError(
            "max_objects must be an int or a dict of object group to int, such as "
            f"{{'jet': 6, 'lepton': 3}}, got {max_objects!r}"
        )
    unknown = [key for key in max_objects if key not in _DEFAULT_MAX_OBJECTS]
    if unknown:
        raise ValueError(
            f"max_objects has keys {format_names(unknown)}, which are not object groups; the "
            "groups are 'bjet' (type b), 'jet' (j), 'lepton' (e-, e+, m-, m+) and 'photon' (g)"
        )
    return {
        group: _check_count(max_objects[group], f"max_objects[{group!r}]")
        if group in max_objects
        else n
        for group, n in _DEFAULT_MAX_OBJECTS.items()
    }


def _check_count(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value < 0:
        raise ValueError(
            f"{name} must be a non-negative integer (0 keeps only the count columns "
            f"n_<group>), got {value!r}"
        )
    return int(value)


def _check_dtype(dtype):
    try:
        checked = np.dtype(dtype)
    except TypeError:
        checked = None
    if checked is None or checked.kind != "f":
        raise ValueError(
            f"dtype must be a floating-point type such as 'float64' or 'float32', got {dtype!r}"
        )
    return checked


def _where(path):
    if isinstance(path, (str, os.PathLike)):
        return f"DarkMachines file {os.fsdecode(os.fspath(path))!r}"
    return "the DarkMachines input"


# --------------------------------------------------------------------------
# Reading
# --------------------------------------------------------------------------


def _iterate(source, where, spec, step_size, stop):
    # An open file stays open for the caller.
    opened = nullcontext(source) if hasattr(source, "read") else open(source, encoding="utf-8")
    with opened as file:
        if not isinstance(file.read(0), str):
            file = (line.decode("utf-8") for line in file)
        lines = islice(_lines(file), stop)
        first_row = 0
        while chunk := list(islice(lines, step_size)):
            yield _frame(chunk, where, spec, first_row)
            first_row += len(chunk)


def _lines(file):
    """(line number, text) of each non-blank line, trailing whitespace and newline removed."""
    for number, line in enumerate(file, 1):
        text = line.rstrip()
        if text:
            yield number, text


def _fields(text):
    fields = text.split(";")
    if not fields[-1]:
        fields.pop()  # the lines end with ';'
    return fields


def _frame(chunk, where, spec, first_row):
    """The DataFrame of the events of ``chunk``, a list of (line number, text)."""
    max_objects, keep_process, dtype = spec
    try:
        ids, processes, header, n_objects, codes, kinematics = _parse(chunk)
    except (ValueError, KeyError, OverflowError) as exc:
        # The fast parse cannot tell which line is wrong: check them one by one.
        for number, text in chunk:
            _check_line(text, number, where)
        raise ValueError(f"{where}: {exc}") from exc
    n_events = len(chunk)
    header[:, 1] /= _MEV_PER_GEV
    kinematics[:, :2] /= _MEV_PER_GEV
    columns = {"event_id": ids}
    if keep_process:
        # One str object per distinct process, not one per line.
        labels, names = pd.factorize(np.array(processes, dtype=object))
        columns["process"] = np.asarray(names, dtype=object)[labels]
    for i, name in enumerate(("weight", "MET", "METphi")):
        columns[name] = header[:, i].astype(dtype)
    event = np.repeat(np.arange(n_events), n_objects)
    group_of_object = _GROUP_OF_CODE[codes]
    for index, (group, n) in enumerate(max_objects.items()):
        in_group = group_of_object == index
        counts = np.bincount(event[in_group], minlength=n_events).astype(np.int64)
        if n == 0:
            columns[f"n_{group}"] = counts
            continue
        values = kinematics[in_group].astype(dtype)
        jagged = {f"{group}_{field}": values[:, i] for i, field in enumerate(_FIELDS)}
        if group == "lepton":
            jagged["lepton_pdg"] = _PDG_OF_CODE[codes[in_group]]
        jagged = {name: ak.unflatten(flat, counts) for name, flat in jagged.items()}
        fields = [name.removeprefix(f"{group}_") for name in jagged]
        leading = leading_objects(jagged, {group: fields}, n, counts=True)
        columns.update((name, leading[name].to_numpy()) for name in leading.columns)
    index = pd.RangeIndex(first_row, first_row + n_events)
    return pd.DataFrame(columns, index=index, copy=False)


def _parse(chunk):
    """Flat arrays of the events of ``chunk``; any error if a line is malformed."""
    ids, processes, header, n_objects, types, values = [], [], [], [], [], []
    for _, text in chunk:
        fields = _fields(text)
        if len(fields) < 5:
            raise ValueError("too few fields")
        ids.append(fields[0])
        processes.append(fields[1])
        header += fields[2:5]
        n_objects.append(len(fields) - 5)
        for obj in fields[5:]:
            parts = obj.split(",")
            if len(parts) != 5:
                raise ValueError("wrong number of object fields")
            types.append(parts[0])
            values += parts[1:]
    codes = np.array([_TYPE_CODES[name] for name in types], dtype=np.intp)
    return (
        np.array(ids, dtype=np.int64),
        processes,
        np.array(header, dtype=np.float64).reshape(-1, 3),
        np.array(n_objects, dtype=np.intp),
        codes,
        np.array(values, dtype=np.float64).reshape(-1, len(_FIELDS)),
    )


def _check_line(text, number, where):
    """Raise a ValueError naming what is wrong with this line, if anything is."""

    def fail(message):
        raise ValueError(f"{where}, line {number}: {message}")

    fields = _fields(text)
    if len(fields) < 5:
        fail(f"{len(fields)} ';'-separated fields, but an event starts with 5: {_START}")
    if not _is_number(fields[0], int):
        fail(f"event id {fields[0]!r} is not an integer (an event starts with {_START})")
    for name, value in zip(_HEADER[2:], fields[2:5], strict=True):
        if not _is_number(value, float):
            fail(f"{name} {value!r} is not a number")
    for rank, obj in enumerate(fields[5:], 1):
        parts = obj.split(",")
        if len(parts) != 5:
            fail(
                f"object {rank} {obj!r} has {len(parts)} ','-separated fields, expected 5: "
                "type,E,pt,eta,phi"
            )
        if parts[0] not in _TYPES:
            fail(
                f"object {rank} {obj!r} has unknown type {parts[0]!r}; the types are "
                f"{format_names(_TYPES)}"
            )
        for name, value in zip(_FIELDS, parts[1:], strict=True):
            if not _is_number(value, float):
                fail(f"object {rank} {obj!r}: {name} {value!r} is not a number")


def _is_number(text, kind):
    try:
        kind(text)
    except ValueError:
        return False
    return True
