"""Jagged object collections (``Jet_Px[NJet]``, ...) as columns of the leading objects."""

from collections import namedtuple
from collections.abc import Mapping
from numbers import Real

import awkward as ak
import numpy as np
import pandas as pd

from ._common import (
    COLLECTION_SEPARATORS,
    as_name_list,
    check_source,
    collection_branches,
    duplicated,
    format_names,
    split_collection_branch,
)
from ._readers import (
    _check_positive_int,
    _check_step_size,
    _entry_range,
    _find_tree,
    _iterate_root,
    _not_flat,
    _open_root,
    _resolve_branches,
    _step_entries,
)

__all__ = ["leading_objects", "read_root_leading", "iterate_root_leading"]

#: Field names tried, in this order, for the transverse momentum and its components.
_PT_FIELDS = ("pt", "Pt", "PT", "pT")
_PX_FIELDS = ("Px", "px", "PX", "pX")
_PY_FIELDS = ("Py", "py", "PY", "pY")

_ROLE = "a field of collection P is read from branch 'P_<field>' or 'P.<field>'"

# Checked arguments shared by the three public functions.
_Spec = namedtuple(
    "_Spec", ["collections", "sort_by", "fill_value", "counts", "column_format", "count_format"]
)
_Collection = namedtuple("_Collection", ["prefix", "fields", "n", "min_pt"])
# One collection resolved against the branches of a tree or the fields of an array.
# ``pt`` and ``key`` are tuples of branch names: one holds the quantity itself,
# two are (px, py) to take the hypotenuse of; ``key`` is None to keep input order.
_Plan = namedtuple(
    "_Plan", ["collection", "fields", "branches", "pt", "key", "count_column", "columns"]
)

_COLLECTION_PARAMS = """collections : dict of str to list of str or None
        The object collections and, for each, the fields to output, e.g.
        ``{"Jet": ["Px", "Py"], "Muon": ["Px", "Py", "Pz"]}``. Field ``F`` of
        collection ``P`` is read from branch ``P_F`` (``Jet_Px``, as in the
        CMS tutorial ntuples and the trees uproot writes) or ``P.F`` (a field
        of a list of records ``P``, as in uproot's RNTuples or an
        ``awkward.zip`` in memory). ``None`` instead of a list takes every
        field of the collection, in input order. The counter branch
        (``NJet``) is never needed: the count is the length of each list.
    n_leading : int or dict of str to int
        How many leading objects to keep per event, for all collections or
        per collection (``{"Jet": 2, "Muon": 1}``, one entry for each)."""

_SELECTION_PARAMS = """sort_by : str or None, default="pt"
        What "leading" means. ``"pt"``: highest transverse momentum first,
        read from the collection's ``pt`` field (also spelled ``Pt``,
        ``PT``) or, where it has none, computed as
        :math:`\\sqrt{p_x^2 + p_y^2}` from its ``Px`` and ``Py`` fields (also
        spelled ``px``/``py``); these need not be among the output fields.
        Another name: that field of each collection, highest first (e.g.
        ``"btag"``). ``None``: keep the input order. Ties keep the input
        order.
    min_pt : float, dict of str to float, or None, default=None
        Drop the objects with :math:`p_T \\le` ``min_pt`` (same units as the
        momenta, GeV in the CMS ntuples) before taking the leading ones,
        keeping those with :math:`p_T >` ``min_pt`` as in the seed study's
        "jets with pT > 20 GeV". One value for all collections, or a dict
        with an entry for some of them (the others are not cut). ``None``
        cuts nothing.
    fill_value : float, default=0.0
        Value of the columns of missing objects (an event with fewer than
        ``n_leading`` objects); zero, as in the seed study. Each column keeps
        the dtype of its branch (``float32`` for ``Jet_Px``) where
        ``fill_value`` fits it; integer and boolean columns become
        ``float64`` where it does not (``np.nan``).
    counts : bool, default=False
        Also output, before each collection's columns, the number of objects
        of each event after the ``min_pt`` cut (before keeping the leading
        ``n_leading``), as ``int64``.
    column_format : str, default="{prefix}{rank}_{field}"
        Name of the column of field ``field`` of the ``rank``-th leading
        object (``rank`` from 1) of collection ``prefix``: ``Jet1_Px``,
        ``Jet1_Py``, ``Jet2_Px``, ... The columns come collection by
        collection, in the order of ``collections``, then rank by rank, then
        field by field in the requested order.
    count_format : str, default="n_{prefix}"
        Name of the count column of collection ``prefix`` (``n_Jet``), with
        ``counts=True``."""

_RETURNS_FRAME = """pandas.DataFrame
        One row per event, indexed by entry number (from 0 for arrays in
        memory): for each collection, its count column (``counts=True``),
        then ``n_leading`` objects times the requested fields, named by
        ``column_format``."""


def _shared_doc(func):
    """Put the parameter and return texts shared by the three functions into a docstring."""
    if func.__doc__:
        for marker, text in (
            ("{collection_params}", _COLLECTION_PARAMS),
            ("{selection_params}", _SELECTION_PARAMS),
            ("{returns_frame}", _RETURNS_FRAME),
        ):
            func.__doc__ = func.__doc__.replace(marker, text)
    return func


def leading_objects(
    arrays,
    collections,
    n_leading,
    *,
    sort_by="pt",
    min_pt=None,
    fill_value=0.0,
    counts=False,
    column_format="{prefix}{rank}_{field}",
    count_format="n_{prefix}",
):
    """Fixed-width columns of the leading objects of jagged collections, in memory.

    An event holds a variable number of jets, muons, particle-flow objects,
    each a list of values per field (``Jet_Px[NJet]``, ``Jet_Py[NJet]``).
    Estimators want one fixed-width row per event: this keeps, for each
    collection, the ``n_leading`` objects of highest transverse momentum
    (optionally above ``min_pt``), pads events with fewer objects with
    ``fill_value`` (zero, as in the seed study's "two leading jets' (px, py)
    with pT > 20 GeV, zero when missing") and flattens them into columns
    ``Jet1_Px, Jet1_Py, Jet2_Px, ...``.

    Parameters
    ----------
    arrays : awkward.Array or dict of str to array-like
        The events: an Awkward record array with one field per branch (as
        ``uproot``'s ``tree.arrays(library="ak")`` returns), or a dict of
        jagged arrays of one length (one entry per event). Fields that no
        collection needs are ignored.
    {collection_params}
    {selection_params}

    Returns
    -------
    {returns_frame}

    Raises
    ------
    TypeError
        If ``arrays`` is neither a record array nor a dict, or an argument
        has the wrong type.
    ValueError
        If a collection's branch is missing (the message lists the input's
        fields), is not jagged (a list of numbers per event), or holds a
        different number of objects than the collection's other fields in
        some event (the message names the event); if ``n_leading`` is not a
        positive integer; if ``pt`` cannot be found or computed where
        ``sort_by="pt"`` or ``min_pt`` needs it; if two columns would get the
        same name.

    See Also
    --------
    read_root_leading : The same, straight from a ROOT tree.
    iterate_root_leading : The same, from a ROOT tree in chunks.

    References
    ----------
    .. [1] J. Pivarski et al., "Awkward Array", Zenodo, doi:10.5281/zenodo.4341376.

    Examples
    --------
    >>> import awkward as ak
    >>> from skhep_models.io import leading_objects
    >>> events = ak.Array({
    ...     "Jet_Px": [[10.0, 50.0, -30.0], [], [25.0]],
    ...     "Jet_Py": [[0.0, 0.0, 30.0], [], [0.0]],
    ... })
    >>> leading_objects(events, {"Jet": ["Px", "Py"]}, 2, min_pt=20.0, counts=True)
       n_Jet  Jet1_Px  Jet1_Py  Jet2_Px  Jet2_Py
    0      2     50.0      0.0    -30.0     30.0
    1      0      0.0      0.0      0.0      0.0
    2      1     25.0      0.0      0.0      0.0
    """
    spec = _check_spec(
        collections, n_leading, sort_by, min_pt, fill_value, counts, column_format, count_format
    )
    events = _as_events(arrays)
    where = "the input arrays"
    plans = _plan(spec, _field_names(events), where)
    _check_jagged(events, plans, where)
    return _frame(events, [], plans, spec, 0)


def read_root_leading(
    path,
    tree,
    collections,
    n_leading,
    *,
    branches=None,
    sort_by="pt",
    min_pt=None,
    fill_value=0.0,
    counts=False,
    column_format="{prefix}{rank}_{field}",
    count_format="n_{prefix}",
    entry_start=None,
    entry_stop=None,
):
    """Read the leading objects of jagged collections of a ROOT tree as fixed-width columns.

    :func:`read_root` for trees of object collections (``Jet_Px[NJet]``):
    the requested flat branches (``MET_px``, ``EventWeight``), then, for each
    collection, the ``n_leading`` objects of highest transverse momentum,
    padded with ``fill_value`` where an event has fewer (see
    :func:`leading_objects`). The file, tree, branches and arguments are all
    checked before any entry is read.

    Parameters
    ----------
    path : str, path-like or file-like
        The ROOT file (see :func:`read_root`).
    tree : str or None
        Name of the TTree (or RNTuple); ``None`` takes the only tree of the
        file.
    {collection_params}
    branches : str or list of str, default=None
        Flat branches (one value per entry) to output first, in this order.
        ``None`` outputs none.
    {selection_params}
    entry_start, entry_stop : int, default=None
        Entries ``[entry_start, entry_stop)`` to read, as in :func:`read_root`.

    Returns
    -------
    {returns_frame}

    Raises
    ------
    FileNotFoundError
        If ``path`` is a local path and no such file exists.
    ValueError
        As :func:`read_root` for the file, the tree and ``branches`` (which
        must be flat), and as :func:`leading_objects` for the collections: a
        missing collection branch (the message lists the collection's
        branches and the tree's), one that is not jagged, fields of a
        collection with different numbers of objects in some entry (the
        message names the entry), a bad ``n_leading``, or clashing column
        names.

    See Also
    --------
    iterate_root_leading : The same, in chunks.
    leading_objects : The same for arrays in memory.
    read_root : Flat branches only.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import awkward as ak
    >>> import numpy as np
    >>> import uproot
    >>> from skhep_models.io import read_root_leading
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.root"
    >>> jets = ak.zip({"Px": [[10.0, 50.0, -30.0], [], [25.0]],
    ...                "Py": [[0.0, 0.0, 30.0], [], [0.0]]})
    >>> with uproot.recreate(path) as f:  # branches nJet, Jet_Px, Jet_Py, MET_px
    ...     _ = f.mktree("events", {"Jet": jets, "MET_px": np.array([5.0, 6.0, 7.0])})
    >>> read_root_leading(path, "events", {"Jet": ["Px", "Py"]}, 2, branches=["MET_px"])
       MET_px  Jet1_Px  Jet1_Py  Jet2_Px  Jet2_Py
    0     5.0     50.0      0.0    -30.0     30.0
    1     6.0      0.0      0.0      0.0      0.0
    2     7.0     25.0      0.0      0.0      0.0
    >>> tmp.cleanup()
    """
    spec = _check_spec(
        collections, n_leading, sort_by, min_pt, fill_value, counts, column_format, count_format
    )
    branches = as_name_list(branches, "branches")
    source = check_source(path, "ROOT")
    with _open_root(source) as file:
        obj, tree_path = _find_tree(file, tree, path)
        flat, plans, names = _plan_tree(obj, spec, branches, path, tree_path, "read_root_leading")
        start, stop = _entry_range(obj.num_entries, entry_start, entry_stop)
        events = obj.arrays(names, entry_start=start, entry_stop=stop, library="ak")
    return _frame(events, flat, plans, spec, start)


def iterate_root_leading(
    path,
    tree,
    collections,
    n_leading,
    *,
    branches=None,
    step_size=100_000,
    sort_by="pt",
    min_pt=None,
    fill_value=0.0,
    counts=False,
    column_format="{prefix}{rank}_{field}",
    count_format="n_{prefix}",
    entry_start=None,
    entry_stop=None,
):
    """Iterate over the leading objects of jagged collections of a ROOT tree, in chunks.

    Like :func:`read_root_leading`, in chunks of entries, for trees that do
    not fit in memory. Everything is checked when the function is called,
    before the first chunk is read.

    Parameters
    ----------
    path : str, path-like or file-like
        The ROOT file (see :func:`read_root`).
    tree : str or None
        Name of the tree; ``None`` takes the only tree of the file.
    {collection_params}
    branches : str or list of str, default=None
        Flat branches to output first, in this order; ``None`` outputs none.
    step_size : int or str, default=100_000
        Size of a chunk: a number of entries, or a memory size such as
        ``"50 MB"`` (see :func:`iterate_root`). The last chunk may be shorter.
    {selection_params}
    entry_start, entry_stop : int, default=None
        Entries to iterate over, as in :func:`read_root`.

    Returns
    -------
    iterator of pandas.DataFrame
        The chunks, as :func:`read_root_leading` returns them and indexed by
        entry number, so ``pd.concat(chunks)`` equals ``read_root_leading``
        with the same arguments.

    Raises
    ------
    FileNotFoundError, ValueError
        As :func:`read_root_leading`, at the call (except fields of a
        collection with different numbers of objects in some entry, found as
        the chunks are read); ValueError also for a ``step_size`` that is not
        a positive integer or a memory size.

    See Also
    --------
    read_root_leading : The whole range at once.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> import awkward as ak
    >>> import uproot
    >>> from skhep_models.io import iterate_root_leading
    >>> tmp = tempfile.TemporaryDirectory()
    >>> path = Path(tmp.name) / "events.root"
    >>> jets = ak.zip({"Px": [[10.0, 50.0], [], [25.0]], "Py": [[0.0, 0.0], [], [0.0]]})
    >>> with uproot.recreate(path) as f:
    ...     _ = f.mktree("events", {"Jet": jets})
    >>> for chunk in iterate_root_leading(path, "events", {"Jet": ["Px"]}, 1, step_size=2):
    ...     print(chunk)
       Jet1_Px
    0     50.0
    1      0.0
       Jet1_Px
    2     25.0
    >>> tmp.cleanup()
    """
    spec = _check_spec(
        collections, n_leading, sort_by, min_pt, fill_value, counts, column_format, count_format
    )
    branches = as_name_list(branches, "branches")
    step_size = _check_step_size(step_size)
    source = check_source(path, "ROOT")
    with _open_root(source) as file:
        obj, tree_path = _find_tree(file, tree, path)
        flat, plans, names = _plan_tree(
            obj, spec, branches, path, tree_path, "iterate_root_leading"
        )
        start, stop = _entry_range(obj.num_entries, entry_start, entry_stop)
        step_size = _step_entries(obj, step_size, names, start, stop)
    return _iterate_root(
        source,
        tree_path,
        names,
        step_size,
        start,
        stop,
        read_as="ak",
        convert=lambda events, first: _frame(events, flat, plans, spec, first),
    )


_shared_doc(leading_objects)
_shared_doc(read_root_leading)
_shared_doc(iterate_root_leading)


# --------------------------------------------------------------------------
# Arguments
# --------------------------------------------------------------------------


def _check_spec(
    collections, n_leading, sort_by, min_pt, fill_value, counts, column_format, count_format
):
    if not isinstance(collections, Mapping) or not collections:
        raise TypeError(
            "collections must be a non-empty dict of collection name to fields, such as "
            f"{{'Jet': ['Px', 'Py']}}, got {collections!r}"
        )
    prefixes = list(collections)
    for prefix in prefixes:
        if not isinstance(prefix, str) or not prefix:
            raise TypeError(f"collection names must be non-empty str, got {prefix!r}")
    n = _per_collection(n_leading, prefixes, "n_leading", _check_positive_int, required=True)
    cuts = _per_collection(min_pt, prefixes, "min_pt", _check_min_pt, required=False)
    specs = [
        _Collection(
            prefix,
            as_name_list(collections[prefix], f"fields of collection {prefix!r}"),
            n[prefix],
            cuts[prefix],
        )
        for prefix in prefixes
    ]
    if sort_by is not None and not isinstance(sort_by, str):
        raise TypeError(f"sort_by must be 'pt', a field name or None, got {sort_by!r}")
    if isinstance(fill_value, bool) or not isinstance(fill_value, Real):
        raise TypeError(f"fill_value must be a number, got {fill_value!r}")
    if not isinstance(counts, (bool, np.bool_)):
        raise TypeError(f"counts must be True or False, got {counts!r}")
    for name, value, keys in (
        ("column_format", column_format, ("prefix", "rank", "field")),
        ("count_format", count_format, ("prefix",)),
    ):
        try:
            value.format(**dict.fromkeys(keys, 1))
        except (AttributeError, KeyError, IndexError, ValueError):
            raise ValueError(
                f"{name} must be a str.format pattern using only "
                f"{', '.join('{' + key + '}' for key in keys)}, got {value!r}"
            ) from None
    return _Spec(specs, sort_by, fill_value, bool(counts), column_format, count_format)


def _per_collection(value, prefixes, what, check, *, required):
    """``{prefix: checked value}`` from one value for all or a dict by collection."""
    if not isinstance(value, Mapping):
        value = check(value, what) if value is not None or required else None
        return dict.fromkeys(prefixes, value)
    unknown = [key for key in value if key not in prefixes]
    if unknown:
        raise ValueError(
            f"{what} has entries for {format_names(unknown)}, which are not collections; "
            f"the collections are {format_names(prefixes)}"
        )
    missing = [prefix for prefix in prefixes if prefix not in value]
    if required and missing:
        raise ValueError(
            f"{what} has no entry for collections {format_names(missing)}; give one for "
            f"each of {format_names(prefixes)}, or one int for all"
        )
    return {
        prefix: None
        if value.get(prefix) is None and not required
        else check(value[prefix], f"{what}[{prefix!r}]")
        for prefix in prefixes
    }


def _check_min_pt(value, name):
    if isinstance(value, bool) or not isinstance(value, Real) or np.isnan(value):
        raise ValueError(f"{name} must be a number or None, got {value!r}")
    return float(value)


# --------------------------------------------------------------------------
# Resolving collections against the available branches
# --------------------------------------------------------------------------


def _plan(spec, available, where):
    """One _Plan per collection; ValueError naming what is missing and what is there."""
    known = set(available)
    plans = []
    for c in spec.collections:
        own = [name for name in available if _field_of(name, c.prefix) is not None]
        if not own:
            parts = filter(None, map(split_collection_branch, available))
            prefixes = dict.fromkeys(prefix for prefix, _ in parts)
            raise ValueError(
                f"collection {c.prefix!r} has no branches in {where} ({_ROLE}); "
                f"prefixes there: {format_names(prefixes)}; "
                f"available branches: {format_names(available)}"
            )
        fields = c.fields
        if fields is None:
            fields = list(dict.fromkeys(_field_of(name, c.prefix) for name in own))
        wanted = list(fields)
        if spec.sort_by not in (None, "pt") and spec.sort_by not in wanted:
            wanted.append(spec.sort_by)
        found = {field: _branch_of(c.prefix, field, known) for field in wanted}
        missing = [field for field, name in found.items() if name is None]
        if missing:
            names = [collection_branches(c.prefix, field)[0] for field in missing]
            what = "sort_by field" if missing == [spec.sort_by] else "branches"
            raise ValueError(
                f"{what} {format_names(names)} of collection {c.prefix!r} not found in {where} "
                f"({_ROLE}); the collection's branches: {format_names(own)}; "
                f"available branches: {format_names(available)}"
            )
        pt = None
        if spec.sort_by == "pt" or c.min_pt is not None:
            pt = _pt_source(c, known, own, where, spec.sort_by)
        if spec.sort_by is None:
            key = None
        elif spec.sort_by == "pt":
            key = pt
        else:
            key = (found[spec.sort_by],)
        count_column = spec.count_format.format(prefix=c.prefix) if spec.counts else None
        columns = [
            spec.column_format.format(prefix=c.prefix, rank=rank, field=field)
            for rank in range(1, c.n + 1)
            for field in fields
        ]
        branches = [found[field] for field in fields]
        plans.append(_Plan(c, fields, branches, pt, key, count_column, columns))
    return plans


def _field_of(name, prefix):
    """The field that branch ``name`` holds of collection ``prefix``, or None."""
    for sep in COLLECTION_SEPARATORS:
        head = prefix + sep
        if name.startswith(head) and len(name) > len(head):
            return name[len(head) :]
    return None


def _branch_of(prefix, field, known):
    return next((name for name in collection_branches(prefix, field) if name in known), None)


def _pt_source(c, known, own, where, sort_by):
    """Branch names that give pT: (pt,) or (px, py)."""
    for spelling in _PT_FIELDS:
        name = _branch_of(c.prefix, spelling, known)
        if name is not None:
            return (name,)
    px = next((n for n in (_branch_of(c.prefix, f, known) for f in _PX_FIELDS) if n), None)
    py = next((n for n in (_branch_of(c.prefix, f, known) for f in _PY_FIELDS) if n), None)
    if px is not None and py is not None:
        return (px, py)
    needs = " and ".join(
        text
        for text, used in (
            ("sort_by='pt'", sort_by == "pt"),
            (f"min_pt={c.min_pt!r}", c.min_pt is not None),
        )
        if used
    )
    raise ValueError(
        f"collection {c.prefix!r} in {where} has no pt branch ({c.prefix}_pt) and no Px and Py "
        f"branches to compute it from, which {needs} needs; the collection's branches: "
        f"{format_names(own)}. Pass sort_by=<one of its fields> or None, and no min_pt for it"
    )


def _plan_tree(obj, spec, branches, path, tree_path, caller):
    """Flat names, collection plans and all names to read, checked against a ROOT tree."""
    where = f"tree {tree_path!r} of {str(path)!r}"
    flat = [] if branches is None else _resolve_branches(obj, branches, path, tree_path, caller)
    plans = _plan(spec, list(obj.keys()), where)
    jagged = _plan_branches(plans)
    # No entries read: only the types, to refuse branches that are not jagged.
    _check_jagged(obj.arrays(jagged, entry_stop=0, library="ak"), plans, where)
    _check_unique_columns(flat, plans)
    return flat, plans, list(dict.fromkeys(flat + jagged))


def _plan_branches(plans):
    names = []
    for plan in plans:
        names += _collection_branches(plan)
    return list(dict.fromkeys(names))


def _collection_branches(plan):
    """Every branch a collection reads: its fields, then pT and the sort key."""
    return list(dict.fromkeys([*plan.branches, *(plan.pt or ()), *(plan.key or ())]))


def _check_unique_columns(flat, plans):
    names = list(flat)
    for plan in plans:
        names += ([plan.count_column] if plan.count_column else []) + plan.columns
    clashes = duplicated(names)
    if clashes:
        raise ValueError(
            f"more than one column would be named {format_names(clashes)}: rename them "
            "with column_format (which needs {rank} and {field}) or count_format, or drop "
            "the flat branch of the same name"
        )


# --------------------------------------------------------------------------
# Input arrays
# --------------------------------------------------------------------------


def _as_events(arrays):
    """An Awkward record array with one field per branch."""
    if isinstance(arrays, Mapping):
        if not arrays:
            raise ValueError("arrays is an empty dict: it needs the collections' branches")
        lengths = {name: len(value) for name, value in arrays.items()}
        if len(set(lengths.values())) > 1:
            raise ValueError(
                "the arrays must all have one entry per event, but their lengths "
                f"differ: {lengths}"
            )
        return ak.zip(dict(arrays), depth_limit=1)
    if isinstance(arrays, ak.Array) and arrays.fields:
        return arrays
    raise TypeError(
        "arrays must be an awkward record array (e.g. tree.arrays(library='ak')) or a dict of "
        f"jagged arrays such as {{'Jet_Px': ..., 'Jet_Py': ...}}, got {type(arrays).__name__}"
    )


def _field_names(events):
    """Field names, with 'P.F' for field F of a list of records P (as uproot's RNTuple keys)."""
    names = []
    for field in events.fields:
        names.append(field)
        form = _strip_indexed(events[field].layout.form)
        if isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm)):
            content = _strip_indexed(form.content)
            if isinstance(content, ak.forms.RecordForm) and not content.is_tuple:
                names += [f"{field}.{sub}" for sub in content.fields]
    return names


def _get(events, name):
    """Branch ``name`` of ``events``; 'P.F' may be field F of the record list P."""
    if name in events.fields:
        return events[name]
    head, _, tail = name.partition(".")
    return events[head][tail]


def _strip_indexed(form):
    while isinstance(form, (ak.forms.IndexedForm, ak.forms.UnmaskedForm)):
        form = form.content
    return form


def _check_jagged(events, plans, where):
    """Every branch of a collection must hold a list of numbers per event."""
    for plan in plans:
        bad = {}
        for name in _collection_branches(plan):
            why = _not_jagged(_get(events, name).layout.form)
            if why is not None:
                bad[name] = why
        if bad:
            details = "; ".join(f"{name!r} is {why}" for name, why in bad.items())
            raise ValueError(
                f"collection {plan.collection.prefix!r} needs jagged branches (a list of "
                f"numbers per entry, one number per object), but in {where}: {details}. "
                "Read flat branches with branches=[...]"
            )


def _not_jagged(form):
    """Why a branch of this Awkward form is not a list of numbers per entry, or None if it is."""
    form = _strip_indexed(form)
    if form.parameter("__array__") in ("string", "bytestring"):
        return "a string (one value per entry)"
    if not isinstance(form, (ak.forms.ListOffsetForm, ak.forms.ListForm)):
        return _not_flat(form) or "flat (one value per entry)"
    content = _strip_indexed(form.content)
    if isinstance(content, ak.forms.NumpyForm) and not content.inner_shape:
        return None
    return f"a list of {content.type} per entry, not of numbers"


# --------------------------------------------------------------------------
# The leading objects
# --------------------------------------------------------------------------


def _frame(events, flat, plans, spec, first_entry):
    columns = {name: _flat_column(_get(events, name)) for name in flat}
    for plan in plans:
        columns.update(_leading_columns(events, plan, spec, first_entry))
    index = pd.RangeIndex(first_entry, first_entry + len(events))
    return pd.DataFrame(columns, index=index, copy=False)


def _flat_column(array):
    if array.layout.form.parameter("__array__") in ("string", "bytestring"):
        return np.asarray(ak.to_list(array), dtype=object)  # as read_root's string columns
    return ak.to_numpy(array)


def _leading_columns(events, plan, spec, first_entry):
    c = plan.collection
    values = {name: _get(events, name) for name in _collection_branches(plan)}
    _check_same_counts(values, c.prefix, first_entry)
    objects = [values[name] for name in plan.branches]
    key = _quantity(values, plan.key)
    if c.min_pt is not None:
        keep = _quantity(values, plan.pt) > c.min_pt
        objects = [array[keep] for array in objects]
        key = None if key is None else key[keep]
    if key is not None:
        order = ak.argsort(key, axis=1, ascending=False, stable=True)
        objects = [array[order] for array in objects]
    columns = {}
    if plan.count_column is not None:
        columns[plan.count_column] = ak.to_numpy(ak.num(objects[0], axis=1)).astype(np.int64)
    padded = [_pad(array, c.n, spec.fill_value) for array in objects]
    names = iter(plan.columns)
    for rank in range(c.n):
        for values_of_field in padded:
            columns[next(names)] = values_of_field[:, rank]
    return columns


def _quantity(values, names):
    if names is None:
        return None
    if len(names) == 1:
        return values[names[0]]
    return np.hypot(values[names[0]], values[names[1]])


def _check_same_counts(values, prefix, first_entry):
    names = list(values)
    reference = ak.to_numpy(ak.num(values[names[0]], axis=1))
    for name in names[1:]:
        other = ak.to_numpy(ak.num(values[name], axis=1))
        bad = np.flatnonzero(other != reference)
        if bad.size:
            i = bad[0]
            more = f" (and {bad.size - 1} more entries)" if bad.size > 1 else ""
            raise ValueError(
                f"the branches of collection {prefix!r} must hold one value per object, but "
                f"in entry {first_entry + i} {names[0]!r} holds {reference[i]} values and "
                f"{name!r} holds {other[i]}{more}"
            )


def _pad(array, n, fill_value):
    """(n_events, n) NumPy array of the first n values per event, fill_value after the last."""
    padded = ak.to_numpy(ak.pad_none(array, n, axis=1, clip=True))
    data = np.ma.getdata(padded).reshape(len(array), n)
    missing = np.ma.getmaskarray(padded).reshape(len(array), n)
    out = data.astype(_fill_dtype(data.dtype, fill_value))
    out[missing] = fill_value
    return out


def _fill_dtype(dtype, fill_value):
    """``dtype`` where ``fill_value`` fits it, else float64."""
    if dtype.kind == "f":
        return dtype
    if dtype.kind == "b":
        fits = fill_value in (0, 1)
    elif dtype.kind in "iu" and float(fill_value).is_integer():
        info = np.iinfo(dtype)
        fits = info.min <= fill_value <= info.max
    else:
        fits = False
    return dtype if fits else np.dtype(np.float64)
