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
    seen, dups = set(), []
    for name in names:
        if name in seen and name not in dups:
            dups.append(name)
        seen.add(name)
    if dups:
        raise ValueError(f"{what} lists {format_names(dups)} more than once")
    return names


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
