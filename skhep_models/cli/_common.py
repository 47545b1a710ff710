"""What the subcommands share: user errors, paths, reading tables, markdown, progress bars."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np
import pandas as pd

__all__ = [
    "CLIError",
    "DataTable",
    "check_output_file",
    "markdown_table",
    "output_dir",
    "progress_bar",
]

#: File formats the subcommands read and write, by extension.
TABLE_FORMATS = (".csv", ".root", ".parquet")


class CLIError(Exception):
    """A user error (a bad path, column, name or option): one line on stderr, exit code 2."""


def _format_names(names, limit=30):
    names = list(names)
    shown = ", ".join(names[:limit])
    return shown + (f", ... ({len(names) - limit} more)" if len(names) > limit else "")


def _suffix(path, allowed, what):
    suffix = Path(path).suffix.lower()
    if suffix not in allowed:
        raise CLIError(
            f"{what} {str(path)!r} has the extension {suffix or '(none)'!r}; expected one of "
            f"{', '.join(allowed)}"
        )
    return suffix


def _writable_dir(folder):
    """Create ``folder`` (and parents) if needed; CLIError if it cannot hold new files."""
    folder = Path(folder)
    blocking = next((p for p in [folder, *folder.parents] if p.exists()), None)
    if blocking is not None and not blocking.is_dir():
        raise CLIError(
            f"cannot write into {str(folder)!r}: {str(blocking)!r} is a file, not a folder"
        )
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CLIError(f"cannot create the folder {str(folder)!r}: {exc.strerror or exc}") from None
    if not folder.is_dir():
        raise CLIError(f"{str(folder)!r} is not a folder")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CLIError(f"the folder {str(folder)!r} is not writable")
    return folder


def check_output_file(path, allowed):
    """Check an output file's extension and that its folder is writable; return the suffix."""
    path = Path(path).expanduser()
    suffix = _suffix(path, allowed, "output file")
    if path.is_dir():
        raise CLIError(f"output {str(path)!r} is a folder; give a file name")
    _writable_dir(path.parent)
    if path.exists() and not os.access(path, os.W_OK):
        raise CLIError(f"output file {str(path)!r} exists and is not writable")
    return suffix


def output_dir(path):
    """The output folder, created if needed (CLIError if impossible)."""
    return _writable_dir(Path(path).expanduser())


def require_pyarrow(action):
    try:
        import pyarrow  # noqa: F401
    except ImportError:
        raise CLIError(
            f"{action} .parquet needs pyarrow, which is not installed: pip install pyarrow"
        ) from None


class DataTable:
    """A CSV, ROOT (one flat tree) or Parquet file: its columns, and reading some of them.

    Checks the path and extension on creation; ``read`` checks the names asked for and
    lists the available columns when one is missing.
    """

    def __init__(self, path, tree=None):
        self.path = Path(path).expanduser()
        self.tree = tree
        if not self.path.exists():
            raise CLIError(f"data file {str(path)!r} not found")
        if self.path.is_dir():
            raise CLIError(f"--data {str(path)!r} is a folder; give a .csv, .root or .parquet file")
        self.format = _suffix(self.path, TABLE_FORMATS, "data file")
        if tree is not None and self.format != ".root":
            raise CLIError(f"--tree applies to .root files, not to {self.path.name}")
        self.columns = self._columns()

    def _columns(self):
        if self.format == ".csv":
            try:
                return [str(c) for c in pd.read_csv(self.path, nrows=0).columns]
            except (pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
                raise CLIError(f"cannot read {self.path} as CSV: {exc}") from None
        if self.format == ".parquet":
            require_pyarrow("reading")
            import pyarrow.parquet as pq

            return list(pq.read_schema(self.path).names)
        return self._root_columns()

    def _root_columns(self):
        import uproot

        try:
            file = uproot.open(self.path)
        except Exception as exc:  # uproot raises several types for a file that is not ROOT
            raise CLIError(f"cannot open {self.path} as a ROOT file: {exc}") from None
        with file:
            trees = file.keys(filter_classname="TTree", cycle=False)
            if self.tree is None:
                if len(trees) != 1:
                    raise CLIError(
                        f"{self.path.name} holds {len(trees)} trees ({_format_names(trees)}); "
                        "choose one with --tree"
                    )
                self.tree = trees[0]
            elif self.tree not in trees:
                raise CLIError(
                    f"no tree {self.tree!r} in {self.path.name}; trees: {_format_names(trees)}"
                )
            # flat numeric branches only: jagged collections are not table columns
            return [
                name
                for name, branch in file[self.tree].items(filter_typename=_is_flat_type)
                if not branch.branches
            ]

    def check(self, names, what, needed_for=None):
        """CLIError naming the missing names and listing the columns of the file."""
        missing = [name for name in names if name not in self.columns]
        if missing:
            raise CLIError(
                f"{what} {_format_names(map(repr, missing))} not in {self.path.name}"
                + (f" (needed for {needed_for})" if needed_for else "")
                + f"; its columns: {_format_names(self.columns)}"
            )

    def read(self, columns, what="columns"):
        """The columns ``columns`` as a DataFrame, in that order."""
        self.check(columns, what)
        if self.format == ".csv":
            from ..io import read_csv

            frame = read_csv(self.path, columns=columns)
        elif self.format == ".parquet":
            frame = pd.read_parquet(self.path, columns=columns)
        else:
            from ..io import read_root

            frame = read_root(self.path, self.tree, columns)
        return frame.reset_index(drop=True)

    def numeric_columns(self, exclude=()):
        """Columns of a numeric type (read from the first rows of a CSV), minus ``exclude``."""
        if self.format == ".csv":
            head = pd.read_csv(self.path, nrows=200)
            numeric = [c for c in head.columns if pd.api.types.is_numeric_dtype(head[c])]
        elif self.format == ".parquet":
            import pyarrow.parquet as pq

            schema = pq.read_schema(self.path)
            numeric = [f.name for f in schema if _is_numeric_arrow(f.type)]
        else:
            numeric = list(self.columns)  # flat ROOT branches are numbers
        return [str(c) for c in numeric if c not in set(exclude)]


def _is_flat_type(typename):
    return "[" not in typename and "std::" not in typename and "char*" not in typename


def _is_numeric_arrow(arrow_type):
    import pyarrow.types as pat

    return pat.is_integer(arrow_type) or pat.is_floating(arrow_type) or pat.is_boolean(arrow_type)


def markdown_table(frame, floatfmt=".3f", index=True):
    """A GitHub markdown table of ``frame`` (numbers right-aligned, NaN as an en dash)."""
    header = ([frame.index.name or ""] if index else []) + [str(c) for c in frame.columns]
    rows = []
    for label, *values in frame.itertuples(name=None):  # keeps each column's type
        cells = [_cell(value, floatfmt) for value in values]
        rows.append(([str(label)] if index else []) + cells)
    numeric = [pd.api.types.is_numeric_dtype(frame[c]) for c in frame.columns]
    align = (["---"] if index else []) + ["---:" if n else "---" for n in numeric]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(align) + "|"]
    lines += ["| " + " | ".join(cells) + " |" for cells in rows]
    return "\n".join(lines)


def _cell(value, floatfmt):
    if isinstance(value, (float, np.floating)):
        return "–" if math.isnan(value) else format(value, floatfmt)
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return f"{value:,}"
    return str(value)


def progress_bar(enabled, **kwargs):
    """A tqdm bar on stderr (``disable`` when progress is off)."""
    from tqdm import tqdm

    return tqdm(disable=not enabled, dynamic_ncols=True, leave=False, **kwargs)
