"""Event-level cleaning of a read table (:func:`clean_events`)."""

import numpy as np
import pandas as pd

from ._common import check_present

__all__ = ["clean_events"]


def clean_events(df, target="M", keys=("Run", "Event"), *, ignore_index=False, verbose=True):
    """Drop events with a non-finite target and duplicated events, and report it.

    Two things that quietly bias a regression or a mass fit: rows whose
    target is NaN or infinite, and the same event recorded twice (for
    instance after merging overlapping files). This drops both, in that
    order, and says how many it dropped.

    Parameters
    ----------
    df : pandas.DataFrame
        The events. It is not modified.
    target : str, default="M"
        Column that must be finite (not NaN, not +-inf); ``None`` skips this
        step.
    keys : str or sequence of str, default=("Run", "Event")
        Columns that identify an event: of rows with the same values in all
        of them, the first is kept. ``None`` skips this step.
    ignore_index : bool, default=False
        If False, the rows keep their index labels, so that the dropped rows
        can be found in ``df`` (``df.index.difference(out.index)``); if True,
        the result gets a fresh :class:`pandas.RangeIndex`, as in
        :meth:`pandas.DataFrame.drop_duplicates`.
    verbose : bool, default=True
        Print a one-line summary of what was dropped.

    Returns
    -------
    pandas.DataFrame
        A new DataFrame with the kept rows, in their original order. Its
        ``attrs["clean_events"]`` holds the counts, a dict with ``n_in``,
        ``n_nonfinite_target``, ``n_duplicated``, ``n_out`` (ints) and the
        ``target`` and ``keys`` used; a skipped step counts 0.

    Raises
    ------
    TypeError
        If ``df`` is not a DataFrame.
    ValueError
        If the target or a key column is not in ``df`` (the message names
        them), if the target column is not numeric, or if ``keys`` is empty.

    Notes
    -----
    The target is checked first, so that of two copies of an event of which
    the first has a NaN target, the good copy is the one kept; duplicates
    are then counted among the rows with a finite target. Rows whose key
    values are NaN count as equal to each other, as in
    :meth:`pandas.DataFrame.duplicated`.

    Examples
    --------
    >>> import numpy as np
    >>> import pandas as pd
    >>> from skhep_models.io import clean_events
    >>> df = pd.DataFrame({"Run": [1, 1, 1, 2], "Event": [5, 6, 6, 5],
    ...                    "M": [91.2, np.nan, 90.1, 89.9]})
    >>> out = clean_events(df)
    clean_events: 4 events in, dropped 1 with NaN/inf M, 0 duplicated (Run, Event), 3 out
    >>> out.index.tolist()
    [0, 2, 3]
    >>> out.attrs["clean_events"]["n_nonfinite_target"]
    1
    >>> clean_events(df, target=None, ignore_index=True, verbose=False).index.tolist()
    [0, 1, 2]
    """
    if not isinstance(df, pd.DataFrame):
        raise TypeError(f"df must be a pandas DataFrame, got {type(df).__name__}")
    if isinstance(keys, str):
        keys = [keys]
    elif keys is not None:
        keys = list(keys)
        if not keys:
            raise ValueError("keys is empty: pass None to skip the duplicate check")
    needed = ([target] if target is not None else []) + (keys or [])
    check_present(needed, df.columns, "columns", "df")

    n_in = len(df)
    keep = np.ones(n_in, dtype=bool)
    n_nonfinite = n_duplicated = 0
    if target is not None:
        values = df[target]
        if not (pd.api.types.is_numeric_dtype(values) or pd.api.types.is_bool_dtype(values)):
            raise ValueError(
                f"target column {target!r} must be numeric to check it is finite, "
                f"got dtype {values.dtype}"
            )
        keep = np.isfinite(values.to_numpy(dtype=float, na_value=np.nan))
        n_nonfinite = int(n_in - keep.sum())
    if keys is not None:
        rows = np.flatnonzero(keep)
        duplicated = df[keys].iloc[rows].duplicated(keep="first").to_numpy()
        keep[rows[duplicated]] = False
        n_duplicated = int(duplicated.sum())

    out = df.iloc[keep]
    if ignore_index:
        out = out.reset_index(drop=True)
    report = {
        "n_in": n_in,
        "n_nonfinite_target": n_nonfinite,
        "n_duplicated": n_duplicated,
        "n_out": len(out),
        "target": target,
        "keys": tuple(keys) if keys is not None else None,
    }
    # A new dict: assigning to attrs never touches the caller's df.attrs.
    out.attrs = {**out.attrs, "clean_events": report}
    if verbose:
        parts = [f"clean_events: {n_in} events in"]
        dropped = []
        if target is not None:
            dropped.append(f"{n_nonfinite} with NaN/inf {target}")
        if keys is not None:
            dropped.append(f"{n_duplicated} duplicated ({', '.join(map(str, keys))})")
        if dropped:
            parts.append("dropped " + ", ".join(dropped))
        parts.append(f"{len(out)} out")
        print(", ".join(parts))
    return out
