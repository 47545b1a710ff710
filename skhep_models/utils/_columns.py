"""Columns given by name or by position, with errors that say which and what exists."""

from __future__ import annotations

from numbers import Integral


def column_position(column, names, n_features, *, what):
    """Position of ``column`` (a name in ``names`` or an int in [0, n_features)).

    ``what`` names the parameter in error messages, e.g. ``"discrete_columns"``.
    """
    if isinstance(column, str):
        if column not in names:
            raise ValueError(
                f"{what} names {column!r}, which is not a column of X "
                f"(columns: {list(names) or 'none, X has no column names: give positions'})."
            )
        return list(names).index(column)
    if isinstance(column, Integral) and not isinstance(column, bool) and 0 <= column < n_features:
        return int(column)
    raise ValueError(
        f"{what} entries must be column names or positions in [0, {n_features}), got {column!r}."
    )
