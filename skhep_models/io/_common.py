"""Helpers shared by the readers and :func:`clean_events`: paths, names, messages."""

import errno
import os
from pathlib import Path

#: How many names an error message lists before it abbreviates.
_MAX_LISTED = 40


def format_names(names, limit=_MAX_LISTED):
    """``['a', 'b', ...]`` for messages, cut after ``limit`` names."""
    names = list(names)
    shown = ", ".join(repr(name) for name in names[:limit])
    if len(names) > limit:
        return f"[{shown}, ...] ({len(names) - limit} more)"
    return f"[{shown}]"


def check_source(path, kind):
    """Return ``path`` ready for the reader; raise FileNotFoundError if a local file is missing.

    URLs (``scheme://...``) and file-like objects go to the reader unchanged. Local
    paths come back as :class:`pathlib.Path` (with ``~`` expanded): uproot then
    takes the path literally instead of splitting ``file.root:object`` at a colon.
    """
    if not isinstance(path, (str, os.PathLike)):
        return path
    text = os.fsdecode(os.fspath(path))
    if "://" in text:
        return text
    local = Path(text).expanduser()
    if not local.exists():
        hint = ""
        head, sep, _ = text.rpartition(":")
        if sep and kind == "ROOT" and Path(head).expanduser().exists():
            hint = " (pass the tree as the `tree` argument, not as 'file.root:tree')"
        raise FileNotFoundError(errno.ENOENT, f"{kind} file not found{hint}", text)
    return local


def as_name_list(names, what):
    """``None`` -> ``None``; one name -> ``[name]``; else a list without duplicates."""
    if names is None:
        return None
    if isinstance(names, str):
        return [names]
    names = list(names)
    if not names:
        raise ValueError(f"{what} is empty: pass None to read all {what}")
    dups = duplicated(names)
    if dups:
        raise ValueError(f"{what} lists {format_names(dups)} more than once")
    return names


def duplicated(names):
    """The names that occur more than once, each once, in order of first repetition."""
    seen, dups = set(), []
    for name in names:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    return dups


def check_present(requested, available, what, where):
    """Raise ValueError naming the requested names that are not available."""
    available = list(available)
    known = set(available)
    missing = [name for name in requested if name not in known]
    if missing:
        raise ValueError(
            f"{what} {format_names(missing)} not found in {where}; "
            f"available {what}: {format_names(available)}"
        )


# A field F of an object collection P (jets, muons, ...) is stored as branch
# "P_F" (the CMS tutorial's Jet_Px[NJet], uproot's TTree writer) or "P.F" (a
# field of the record list P: uproot's RNTuples, awkward.zip in memory).
COLLECTION_SEPARATORS = ("_", ".")


def collection_branches(prefix, field):
    """The branch names that can hold field ``field`` of collection ``prefix``, preferred first."""
    return tuple(f"{prefix}{sep}{field}" for sep in COLLECTION_SEPARATORS)


def split_collection_branch(name):
    """``"Jet_Px"`` -> ``("Jet", "Px")``; None for a name with no separator inside it."""
    cuts = [name.find(sep, 1) for sep in COLLECTION_SEPARATORS]
    cuts = [cut for cut in cuts if 0 < cut < len(name) - 1]
    if not cuts:
        return None
    cut = min(cuts)
    return name[:cut], name[cut + 1 :]


def collections_example(names, limit=3):
    """A ``collections=`` value that would read the jagged branches ``names``, for messages."""
    example = {}
    for name in names:
        parts = split_collection_branch(name)
        if parts is not None and (parts[0] in example or len(example) < limit):
            example.setdefault(parts[0], []).append(parts[1])
    return repr(example or {"Jet": ["Px", "Py"]})
