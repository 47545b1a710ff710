"""Flat-table readers for ROOT trees and CSV files, whole or in chunks."""

import os
from numbers import Integral

import awkward as ak
import pandas as pd
import uproot

from ._common import (
    as_name_list,
    check_present,
    check_source,
    collections_example,
    format_names,
)

__all__ = ["read_csv", "iterate_csv", "read_root", "iterate_root"]

#: Class names of the objects read_root can read (TNtuple is a TTree).
_TREE_CLASSES = frozenset({"TTree", "TNtuple", "TNtupleD", "ROOT::RNTuple"})

_LIBRARIES = {"pd": "pd", "pandas": "pd", "np": "np", "numpy": "np", "ak": "ak", "awkward": "ak"}

# read_csv arguments that would make pandas return a reader instead of a frame.
_CSV_ITERATION_KWARGS = ("chunksize", "iterator")


# --------------------------------------------------------------------------
# CSV
# --------------------------------------------------------------------------


def read_csv(path, columns=None, **pandas_kwargs):
    """Read a CSV file into a DataFrame with the columns in the requested order.

    A thin layer over :func:`pandas.read_csv`: only the requested columns are
    parsed (``usecols``), they come back in the order asked for (pandas keeps
    file order), and a wrong path or column name fails with a message that
    names it.

    Parameters
    ----------
    path : str, path-like or file-like
        The CSV file, or anything else :func:`pandas.read_csv` accepts (a URL,
        a compressed file, an open buffer).
    columns : str or list of str, default=None
        Columns to read, in the order wanted in the output. ``None`` reads all
        of them, in file order.
    **pandas_kwargs
        Passed to :func:`pandas.read_csv` (``sep``, ``dtype``, ``nrows``, ...).
        ``usecols`` cannot be combined with ``columns``; for ``chunksize``
        use :func:`iterate_csv`.

    Returns
    -------
    pandas.DataFrame
        The table, with pandas' default index unless ``index_col`` is given.

    Raises
    ------
    FileNotFoundError
        If ``path`` is a local path and no such file exists.
    ValueError
        If a requested column is not in the file (the message lists the
        columns that are), or if ``columns`` is empty or repeats a name.

    See Also
    --------
    iterate_csv : The same, in chunks.
    read_root : The same for a ROOT tree.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from skhep_models.io import read_csv
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.csv"
    >>> pd.DataFrame({"Run": [1, 1, 2], "Event": [7, 8, 9], "M": [91.2, 90.8, 89.9]}).to_csv(
    ...     path, index=False
    ... )
    >>> read_csv(path, columns=["M", "Run"])
          M  Run
    0  91.2    1
    1  90.8    1
    2  89.9    2
    >>> read_csv(path, columns=["M", "Mass"])  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    ValueError: columns ['Mass'] not found in CSV file ...; available columns: ['Run', 'Event', 'M']
    >>> tmp.cleanup()
    """
    columns = as_name_list(columns, "columns")
    _check_csv_kwargs(pandas_kwargs, columns, forbidden=_CSV_ITERATION_KWARGS)
    source = check_source(path, "CSV")
    where = _csv_where(path)
    header = _csv_header(source, pandas_kwargs)
    if columns is not None and header is not None:
        check_present(columns, header, "columns", where)
    frame = pd.read_csv(source, **_usecols_kwargs(columns, header, pandas_kwargs))
    return _select_columns(frame, columns, where)


def iterate_csv(path, columns=None, *, chunksize=100_000, **pandas_kwargs):
    """Iterate over a CSV file in DataFrame chunks, columns in the requested order.

    Like :func:`read_csv`, in chunks of ``chunksize`` rows, for files that do
    not fit in memory. The path and the column names are checked when the
    function is called, before the first chunk is read.

    Parameters
    ----------
    path : str, path-like or file-like
        The CSV file, or anything else :func:`pandas.read_csv` accepts.
    columns : str or list of str, default=None
        Columns to read, in the order wanted in each chunk; ``None`` reads all.
    chunksize : int, default=100_000
        Rows per chunk (the last one may be shorter).
    **pandas_kwargs
        Passed to :func:`pandas.read_csv` (not ``usecols`` together with
        ``columns``, not ``iterator``).

    Returns
    -------
    iterator of pandas.DataFrame
        The chunks. Their index continues from one chunk to the next, as in
        pandas, so ``pd.concat(chunks)`` equals ``read_csv(path, columns)``.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_csv`, at the call; ValueError also for a ``chunksize``
        that is not a positive integer.

    See Also
    --------
    read_csv : The whole file at once.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import pandas as pd
    >>> from skhep_models.io import iterate_csv
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.csv"
    >>> pd.DataFrame({"Run": [1, 1, 2], "M": [91.2, 90.8, 89.9]}).to_csv(path, index=False)
    >>> [chunk.index.tolist() for chunk in iterate_csv(path, ["M", "Run"], chunksize=2)]
    [[0, 1], [2]]
    >>> tmp.cleanup()
    """
    chunksize = _check_positive_int(chunksize, "chunksize")
    columns = as_name_list(columns, "columns")
    _check_csv_kwargs(pandas_kwargs, columns, forbidden=("iterator",))
    source = check_source(path, "CSV")
    where = _csv_where(path)
    header = _csv_header(source, pandas_kwargs)
    if columns is not None and header is not None:
        check_present(columns, header, "columns", where)
    kwargs = _usecols_kwargs(columns, header, pandas_kwargs)
    return _iterate_csv(source, columns, where, chunksize, kwargs)


def _iterate_csv(source, columns, where, chunksize, kwargs):
    with pd.read_csv(source, chunksize=chunksize, **kwargs) as reader:
        for chunk in reader:
            yield _select_columns(chunk, columns, where)


def _check_csv_kwargs(kwargs, columns, forbidden):
    for name in forbidden:
        if name in kwargs:
            raise TypeError(
                f"{name!r} is not accepted here: iterate_csv(path, columns, "
                "chunksize=...) reads a CSV file in chunks"
            )
    if columns is not None and kwargs.get("usecols") is not None:
        raise ValueError("pass either columns or usecols, not both")


def _csv_where(path):
    if isinstance(path, (str, os.PathLike)):
        return f"CSV file {os.fsdecode(os.fspath(path))!r}"
    return "the CSV input"


def _csv_header(source, kwargs):
    """Column names the read will produce, or None where they cannot be peeked at."""
    peek = {k: v for k, v in kwargs.items() if k not in ("nrows", "skipfooter", "usecols")}
    if hasattr(source, "read"):
        # A buffer: peek, then rewind so the real read starts where the caller left it.
        seekable = getattr(source, "seekable", None)
        if seekable is None or not seekable():
            return None
        position = source.tell()
        try:
            return list(pd.read_csv(source, nrows=0, **peek).columns)
        finally:
            source.seek(position)
    return list(pd.read_csv(source, nrows=0, **peek).columns)


def _usecols_kwargs(columns, header, kwargs):
    # Read everything and select afterwards where usecols could fail with
    # pandas' less helpful message: the header could not be checked first
    # (unseekable buffer), or index_col must also be in usecols, spelled as
    # the user spelled it.
    if columns is None or header is None or kwargs.get("index_col") not in (None, False):
        return dict(kwargs)
    return {**kwargs, "usecols": columns}


def _select_columns(frame, columns, where):
    if columns is None:
        return frame
    check_present(columns, frame.columns, "columns", where)
    # usecols keeps file order: put the columns in the requested one.
    if list(frame.columns) != columns:
        frame = frame[columns]
    return frame


# --------------------------------------------------------------------------
# ROOT
# --------------------------------------------------------------------------


def read_root(
    path, tree=None, branches=None, *, entry_start=None, entry_stop=None, library="pd"
):
    """Read flat branches of a ROOT tree, columns in the requested order.

    Reads with uproot [1]_ (no ROOT installation needed) and returns one row
    per entry. Unlike ``tree.arrays([...], library="pd")``, which returns the
    branches in file order, the columns come back in the order asked for;
    and a wrong file, tree or branch name fails with a message that lists
    what the file does contain.

    Parameters
    ----------
    path : str, path-like or file-like
        The ROOT file: a local path, a URL uproot can open (``root://``,
        ``https://``) or an open binary file.
    tree : str, default=None
        Name of the TTree (or RNTuple), with its directory if it is not at the
        top (``"dir/events"``). ``None`` takes the only tree of the file.
    branches : str or list of str, default=None
        Branches to read, in the order wanted in the output. ``None`` reads
        all, in file order.
    entry_start, entry_stop : int, default=None
        Entries ``[entry_start, entry_stop)`` to read; ``None`` for the first
        and the last. Negative values count from the end, as in a Python
        slice, and out-of-range values are clipped (uproot semantics).
    library : {"pd", "np", "ak"}, default="pd"
        Output type: a DataFrame, a dict of NumPy arrays or an Awkward record
        array, always with the branches in the requested order. ``"pandas"``,
        ``"numpy"`` and ``"awkward"`` are accepted as aliases.

    Returns
    -------
    pandas.DataFrame, dict of str to numpy.ndarray, or awkward.Array
        For ``"pd"`` the index holds the entry numbers in the tree (a
        :class:`pandas.RangeIndex` from ``entry_start``, as uproot does).
        String branches become string columns.

    Raises
    ------
    FileNotFoundError
        If ``path`` is a local path and no such file exists.
    ValueError
        If the tree is not in the file, or ``tree=None`` and the file does not
        hold exactly one tree (the message lists the trees); if a branch is
        not in the tree (the message lists the branches); if a branch is not
        flat: variable-length (jagged) and fixed-size array branches are
        refused, not flattened or exploded silently.

    See Also
    --------
    iterate_root : The same, in chunks.
    read_root_leading : Jagged collections as columns of the leading objects.
    read_csv : The same for a CSV file.

    Notes
    -----
    Only flat branches, one number or string per entry, are read. For jagged
    object collections (``Jet_Px[NJet]``), :func:`read_root_leading` returns
    fixed-width columns of the leading objects; anything else can be read
    with uproot directly (``tree.arrays(..., library="ak")``).

    References
    ----------
    .. [1] J. Pivarski et al., "Uproot", Zenodo, doi:10.5281/zenodo.4340632.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import uproot
    >>> from skhep_models.io import read_root
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.root"
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("events", {"Run": np.array([1, 1, 2], dtype=np.int32),
    ...                             "M": np.array([91.2, 90.8, 89.9])})
    >>> read_root(path, "events", ["M", "Run"])
          M  Run
    0  91.2    1
    1  90.8    1
    2  89.9    2
    >>> read_root(path, branches="M", entry_start=1)  # the file's only tree
          M
    1  90.8
    2  89.9
    >>> read_root(path, "events", ["M"], library="np")
    {'M': array([91.2, 90.8, 89.9])}
    >>> tmp.cleanup()
    """
    library = _check_library(library)
    branches = as_name_list(branches, "branches")
    source = check_source(path, "ROOT")
    with _open_root(source) as file:
        obj, tree_path = _find_tree(file, tree, path)
        names = _resolve_branches(obj, branches, path, tree_path, "read_root")
        start, stop = _entry_range(obj.num_entries, entry_start, entry_stop)
        arrays = obj.arrays(names, entry_start=start, entry_stop=stop, library=_read_as(library))
    return _to_library(arrays, names, start, library)


def iterate_root(
    path,
    tree=None,
    branches=None,
    *,
    step_size=100_000,
    entry_start=None,
    entry_stop=None,
    library="pd",
):
    """Iterate over flat branches of a ROOT tree in chunks, columns in the requested order.

    Like :func:`read_root`, in chunks, for trees that do not fit in memory.
    The file, tree and branches are checked when the function is called,
    before the first chunk is read.

    Parameters
    ----------
    path : str, path-like or file-like
        The ROOT file (see :func:`read_root`).
    tree : str, default=None
        Name of the tree; ``None`` takes the only tree of the file.
    branches : str or list of str, default=None
        Branches to read, in the order wanted in each chunk; ``None`` reads all.
    step_size : int or str, default=100_000
        Size of a chunk: a number of entries, or a memory size such as
        ``"50 MB"`` that uproot converts to a number of entries for these
        branches (``TTree.num_entries_for``). The last chunk may be shorter.
    entry_start, entry_stop : int, default=None
        Entries to iterate over, as in :func:`read_root`.
    library : {"pd", "np", "ak"}, default="pd"
        Type of each chunk, as in :func:`read_root`.

    Returns
    -------
    iterator of pandas.DataFrame, dict of numpy.ndarray or awkward.Array
        The chunks. A DataFrame chunk is indexed by entry number, so
        ``pd.concat(chunks)`` equals ``read_root`` with the same arguments.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_root`, at the call; ValueError also for a ``step_size``
        that is not a positive integer or a memory size.

    See Also
    --------
    read_root : The whole range at once.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import numpy as np
    >>> import uproot
    >>> from skhep_models.io import iterate_root
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.root"
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("events", {"Run": np.arange(5, dtype=np.int32), "M": np.full(5, 91.2)})
    >>> for chunk in iterate_root(path, "events", ["M", "Run"], step_size=2):
    ...     print(list(chunk.columns), chunk.index.tolist())
    ['M', 'Run'] [0, 1]
    ['M', 'Run'] [2, 3]
    ['M', 'Run'] [4]
    >>> tmp.cleanup()
    """
    library = _check_library(library)
    branches = as_name_list(branches, "branches")
    step_size = _check_step_size(step_size)
    source = check_source(path, "ROOT")
    with _open_root(source) as file:
        obj, tree_path = _find_tree(file, tree, path)
        names = _resolve_branches(obj, branches, path, tree_path, "iterate_root")
        start, stop = _entry_range(obj.num_entries, entry_start, entry_stop)
        step_size = _step_entries(obj, step_size, names, start, stop)
    # The generator reopens the file: holding it open from here would leak it
    # when the iterator is never consumed.
    return _iterate_root(
        source,
        tree_path,
        names,
        step_size,
        start,
        stop,
        read_as=_read_as(library),
        convert=lambda arrays, first: _to_library(arrays, names, first, library),
    )


def _iterate_root(source, tree_path, names, step_size, start, stop, *, read_as, convert):
    """Yield ``convert(arrays, first_entry)`` for each chunk that uproot reads.

    The shared loop of the chunked ROOT readers: it opens the file itself, so
    that the caller can check everything (and close the file) at the call.
    """
    with _open_root(source) as file:
        chunks = file[tree_path].iterate(
            names,
            step_size=step_size,
            entry_start=start,
            entry_stop=stop,
            library=read_as,
            report=True,
        )
        for arrays, report in chunks:
            yield convert(arrays, report.tree_entry_start)


def _open_root(source):
    if hasattr(source, "read"):
        # uproot closes a file object it was given when it is done, but that
        # object is the caller's: hand uproot a view without the close.
        source = _Borrowed(source)
    return uproot.open(source)


class _Borrowed:
    """Read-and-seek view of a caller's file object, which uproot cannot close."""

    def __init__(self, obj):
        self._obj = obj

    def read(self, size=-1):
        return self._obj.read(size)

    def seek(self, offset, whence=0):
        return self._obj.seek(offset, whence)

    def tell(self):
        return self._obj.tell()


def _check_library(library):
    try:
        return _LIBRARIES[library]
    except (KeyError, TypeError):
        raise ValueError(
            f"library must be one of 'pd', 'np' or 'ak', got {library!r}"
        ) from None


def _check_positive_int(value, name):
    if isinstance(value, bool) or not isinstance(value, Integral) or value <= 0:
        raise ValueError(f"{name} must be a positive integer, got {value!r}")
    return int(value)


def _check_step_size(step_size):
    """A positive number of entries, or a memory size (str) left for :func:`_step_entries`."""
    if isinstance(step_size, str):
        return step_size
    return _check_positive_int(step_size, "step_size")


def _step_entries(obj, step_size, names, start, stop):
    """Entries per chunk: ``step_size``, or the number a memory size such as "50 MB" holds."""
    if not isinstance(step_size, str):
        return step_size
    # What uproot's iterate does with a memory size, done here so that a
    # malformed one fails at the call rather than at the first chunk.
    try:
        entries = obj.num_entries_for(
            step_size, filter_name=names, entry_start=start, entry_stop=stop
        )
    except TypeError:  # uproot's word for a malformed size
        raise ValueError(
            "step_size must be a positive number of entries or a memory size "
            f"such as '50 MB', got {step_size!r}"
        ) from None
    return max(1, entries)


def _find_tree(file, tree, path):
    """The tree object and its path in the file, with errors that list the trees."""
    if tree is not None and not isinstance(tree, str):
        raise TypeError(f"tree must be a str or None, got {type(tree).__name__}")
    classes = file.classnames(recursive=True, cycle=False)
    trees = [name for name, cls in classes.items() if cls in _TREE_CLASSES]
    if tree is None:
        if len(trees) != 1:
            found = f"trees {format_names(trees)}" if trees else "no tree"
            raise ValueError(
                f"ROOT file {str(path)!r} holds {found}; "
                + ("pass the one to read as tree=..." if trees else "nothing to read")
            )
        tree = trees[0]
    key = tree.split(";")[0].strip("/")
    if key not in trees:
        if key in classes:
            raise ValueError(
                f"{tree!r} in ROOT file {str(path)!r} is a {classes[key]}, not a tree; "
                f"trees in the file: {format_names(trees)}"
            )
        raise ValueError(
            f"tree {tree!r} not found in ROOT file {str(path)!r}; "
            f"trees in the file: {format_names(trees)}"
        )
    return file[tree], tree


def _resolve_branches(obj, branches, path, tree_path, caller):
    """Requested (or all) branch names, checked to exist and to be flat."""
    where = f"tree {tree_path!r} of {str(path)!r}"
    if branches is not None:
        check_present(branches, obj.keys(), "branches", where)
    # No entries read: only the types, to refuse what is not one value per entry.
    empty = obj.arrays(branches, entry_stop=0, library="ak")
    names = list(branches) if branches is not None else list(empty.fields)
    bad = {name: _not_flat(empty[name].layout.form) for name in names}
    bad = {name: why for name, why in bad.items() if why is not None}
    if bad:
        # One clause per reason: a tree of jets has dozens of jagged branches.
        by_reason = {}
        for name, why in bad.items():
            by_reason.setdefault(why, []).append(name)
        details = "; ".join(
            f"{group[0]!r} is {why}" if len(group) == 1 else f"{format_names(group)} are {why}"
            for why, group in by_reason.items()
        )
        every = empty if branches is None else obj.arrays(entry_stop=0, library="ak")
        flat = [name for name in every.fields if _not_flat(every[name].layout.form) is None]
        raise ValueError(
            f"{caller} reads flat branches (one value per entry) and does not flatten "
            f"or explode others silently, but in {where}: {details}. Request only flat "
            f"branches (in this tree: {format_names(flat)}){_not_flat_hint(bad, caller)}"
        )
    return names


def _not_flat_hint(bad, caller):
    """What to do with the branches ``bad`` (name -> why) that a flat read refused."""
    jagged = [name for name, why in bad.items() if why == _JAGGED]
    hint = ""
    if jagged:
        example = collections_example(jagged)
        if caller.endswith("_leading"):
            hint += f"; pass jagged object collections as collections={example}"
        else:
            hint += (
                "; for fixed-width columns of the leading objects of jagged collections use "
                f"skhep_models.io.read_root_leading(path, tree, collections={example}, "
                "n_leading=...)"
            )
    if len(jagged) < len(bad):
        hint += "; read the others with uproot directly (tree.arrays(..., library='ak'))"
    return hint


#: What :func:`_not_flat` says of a variable-length branch.
_JAGGED = "variable-length (jagged: a list of values per entry)"


def _not_flat(form):
    """Why a branch of this Awkward form is not flat, or None if it is."""
    while isinstance(
        form,
        (ak.forms.IndexedForm, ak.forms.IndexedOptionForm, ak.forms.ByteMaskedForm,
         ak.forms.BitMaskedForm, ak.forms.UnmaskedForm),
    ):  # fmt: skip
        form = form.content
    if form.parameter("__array__") in ("string", "bytestring"):
        return None
    if isinstance(form, ak.forms.NumpyForm):
        if form.inner_shape:
            return f"a fixed-size array ({'x'.join(map(str, form.inner_shape))} values per entry)"
        return None
    if isinstance(form, ak.forms.RegularForm):
        return f"a fixed-size array ({form.size} values per entry)"
    if isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm)):
        return _JAGGED
    if isinstance(form, ak.forms.RecordForm):
        return f"a structure with fields {format_names(form.fields)}"
    return f"of type {form.type}, not one value per entry"


def _entry_range(num_entries, entry_start, entry_stop):
    # Python-slice semantics, as uproot: negative counts from the end, clipped.
    start, stop, _ = slice(entry_start, entry_stop).indices(num_entries)
    return start, max(start, stop)


def _read_as(library):
    # uproot's own "pd" output needs awkward-pandas for string branches and
    # orders columns as the file does: build the DataFrame from NumPy instead.
    return "ak" if library == "ak" else "np"


def _to_library(arrays, names, start, library):
    if library == "ak":
        return arrays[names]  # field projection, in the requested order
    columns = {name: arrays[name] for name in names}
    if library == "np":
        return columns
    n = len(columns[names[0]])
    return pd.DataFrame(columns, index=pd.RangeIndex(start, start + n), copy=False)

