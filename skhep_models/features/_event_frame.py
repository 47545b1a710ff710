"""Event kinematics in a frame where the physics a generator must learn is simple, and back."""

from __future__ import annotations

import re

import numpy as np
import pandas as pd
import torch
from numbers import Integral

from sklearn.base import BaseEstimator, OneToOneFeatureMixin, TransformerMixin, _fit_context
from sklearn.utils._param_validation import StrOptions
from sklearn.utils.validation import check_array, check_is_fitted, validate_data

from ..utils._columns import column_position
from ._lorentz import _wrap_phi

__all__ = ["EventFrame"]

_FIELDS = ("E", "pt", "eta", "phi")
_SLOT = re.compile(r"^(?P<group>[A-Za-z]+)(?P<rank>[0-9]+)_(?P<field>E|pt|eta|phi)$")


class EventFrame(OneToOneFeatureMixin, TransformerMixin, BaseEstimator):
    """Rotate events to the MET direction and encode each object's energy by its mass term.

    For fixed-width event tables such as :func:`~skhep_models.io.read_darkmachines` gives
    (``MET``, ``METphi``, counts ``n_<group>`` and objects ``<group><rank>_E / _pt / _eta /
    _phi``, zero where absent), :meth:`transform` rewrites, per present object (pT > 0),

    * ``phi`` as the azimuth relative to ``METphi``, folded into [-pi, pi): collider events
      are symmetric under rotations about the beam, so only differences of azimuths carry
      physics (the MET recoiling against the jets shows as a peak at pi);
    * ``E`` as ``log(E / (pT cosh eta))``, which is ``log(sqrt(1 + m^2 / p^2))``: zero for a
      massless object, small and positive otherwise. ``E >= pT cosh(eta)`` then holds for
      every generated object, where a model of E on its own would break it.

    Absent objects stay all zero; ``MET``, ``METphi``, the counts and any other column pass
    through unchanged. :meth:`inverse_transform` maps back and makes generated tables
    consistent: the slots beyond the group's count (rounded) are emptied, an object with
    pT <= 0 is removed (all zero), the group's objects are reordered by decreasing pT, and a
    count is lowered to the number of present objects when some of the group's slots are
    empty.

    Used as the ``preprocessor`` of :class:`~skhep_models.BetaVAEGenerator`, it is fitted
    on the events, the autoencoder learns its output and generated rows come back through
    :meth:`inverse_transform`.

    Attributes
    ----------
    groups_ : dict
        ``{group: number of slots}``, found from the column names.
    n_features_in_ : int
        Number of columns seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from skhep_models.features import EventFrame
    >>> events = pd.DataFrame({"MET": [300.0], "METphi": [1.0], "n_jet": [1],
    ...     "jet1_E": [330.0], "jet1_pt": [310.0], "jet1_eta": [0.2], "jet1_phi": [-2.0]})
    >>> frame = EventFrame().fit(events)
    >>> frame.groups_
    {'jet': 1}
    >>> out = frame.transform(events)
    >>> round(float(out["jet1_phi"].iloc[0]), 4)  # azimuth relative to the MET: -2 - 1
    -3.0
    >>> np.allclose(frame.inverse_transform(out), events)
    True
    """

    _parameter_constraints: dict = {
        "met_phi": [str, Integral],
        "objects": [StrOptions({"auto"}), dict],
        "counts": [StrOptions({"auto"}), dict],
    }

    def __init__(self, met_phi="METphi", objects="auto", counts="auto"):
        self.met_phi = met_phi
        self.objects = objects
        self.counts = counts

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Find the object columns (from the names of ``X`` with ``objects='auto'``)."""
        validate_data(self, X, dtype=np.float64)
        names = list(getattr(self, "feature_names_in_", []))
        def locate(column, what="objects"):
            return column_position(column, names, self.n_features_in_, what=f"EventFrame {what}")


        self._met_phi = locate(self.met_phi, "met_phi")
        if isinstance(self.objects, str):
            objects = _objects_from_names(names)
        else:
            objects = {g: [tuple(slot) for slot in slots] for g, slots in self.objects.items()}
        self._objects = {}
        for group, slots in objects.items():
            if not slots or any(len(slot) != 4 for slot in slots):
                raise ValueError(
                    f"EventFrame: objects[{group!r}] must list the (E, pt, eta, phi) columns of "
                    f"each object, leading first; got {slots!r}."
                )
            self._objects[group] = np.array([[locate(c) for c in slot] for slot in slots])
        if isinstance(self.counts, str):
            counts = {g: f"n_{g}" for g in self._objects if f"n_{g}" in names}
        else:
            counts = self.counts
        unknown = sorted(set(counts) - set(self._objects))
        if unknown:
            raise ValueError(f"EventFrame: counts names groups {unknown} that have no objects.")
        self._counts = {g: locate(c, "counts") for g, c in counts.items()}
        self.groups_ = {g: len(slots) for g, slots in self._objects.items()}
        return self

    def _slots(self, group, field):
        return list(self._objects[group][:, _FIELDS.index(field)])

    def transform(self, X):
        """Relative azimuths and mass terms of the events ``X`` (a DataFrame like in fit)."""
        check_is_fitted(self)
        frame = isinstance(X, pd.DataFrame)
        index = X.index if frame else None
        A = validate_data(self, X, dtype=np.float64, reset=False, copy=True)
        met_phi = A[:, [self._met_phi]]
        for group in self.groups_:
            e, pt, eta, phi = (self._slots(group, f) for f in _FIELDS)
            present = A[:, pt] > 0
            safe_pt = np.where(present, A[:, pt], 1.0)
            ratio = A[:, e] / (safe_pt * np.cosh(A[:, eta]))
            A[:, e] = np.where(present, np.log(np.maximum(ratio, 1.0)), 0.0)
            A[:, phi] = np.where(present, _wrap_phi(A[:, phi] - met_phi), 0.0)
        if not frame:
            return A
        return pd.DataFrame(A, columns=self.get_feature_names_out(), index=index)

    def inverse_transform(self, X):
        """Events in the laboratory frame from transformed (e.g. generated) rows, made consistent."""
        check_is_fitted(self)
        frame = isinstance(X, pd.DataFrame)
        index = X.index if frame else None
        # generated rows come as arrays: no column-name check (it would warn on each call);
        # float32 rows stay float32, half the memory traffic for millions of generated events
        A = check_array(X, dtype=[np.float64, np.float32], copy=True)
        if A.shape[1] != self.n_features_in_:
            raise ValueError(
                f"EventFrame.inverse_transform: X has {A.shape[1]} columns, the frame was fitted "
                f"on {self.n_features_in_}."
            )
        A[:] = self._inverse_columns(torch.from_numpy(A).T.contiguous()).T.numpy()
        if not frame:
            return A
        return pd.DataFrame(A, columns=self.get_feature_names_out(), index=index)

    def padding_mask(self, X):
        """Boolean array, True where an entry of ``X`` pads an absent object.

        Only groups with a count column are marked: their count says which objects exist
        (:meth:`inverse_transform` keeps the leading ``count`` objects), so a generator can
        model the objects' values without the padding zeros (see
        :class:`~skhep_models.BetaVAEGenerator`). ``X`` is in the frame of :meth:`transform`
        (or the laboratory frame: only the counts are read).
        """
        check_is_fitted(self)
        A = check_array(X, dtype=[np.float64, np.float32])
        mask = np.zeros(A.shape, dtype=bool)
        for group, count in self._counts.items():
            present = np.round(A[:, count])[:, None] >= np.arange(1, self.groups_[group] + 1)
            for k, slot in enumerate(self._objects[group]):
                mask[:, slot] = ~present[:, [k]]
        return mask

    def _inverse_columns(self, T):
        """:meth:`inverse_transform` in place on a float tensor laid out columns first.

        ``T`` has shape (n_features, n_rows), each column a contiguous row of ``T``, so every
        step below is a vectorised pass over contiguous memory. Torch rather than numpy:
        generators call it on float32 slices of their output while they are in cache. Groups
        whose columns are laid out regularly (``jet1_E``, ``jet1_pt``, ... as
        ``read_darkmachines`` writes them) are worked on through views.
        """
        met_phi = T[self._met_phi].clone()
        for group, n_slots in self.groups_.items():
            cols = self._objects[group]
            objects = _slot_view(T, cols)  # (slots, field, rows)
            view = objects is not None
            if not view:
                objects = T[torch.from_numpy(cols)]
            count = T[self._counts[group]] if group in self._counts else None
            if count is not None:  # the slots beyond the count hold no object, whatever they hold
                beyond = torch.arange(1, n_slots + 1).unsqueeze(1) > torch.round(count)
                objects.masked_fill_(beyond.unsqueeze(1), 0.0)
            pt = objects[:, 1]
            if n_slots > 1:  # pT order; only the few rows out of order are sorted
                rows = (pt[1:] > pt[:-1]).any(dim=0).nonzero().squeeze(1)
                if len(rows):
                    unordered = objects[:, :, rows]
                    order = unordered[:, 1].argsort(dim=0, descending=True, stable=True)
                    objects[:, :, rows] = unordered.take_along_dim(order.unsqueeze(1), dim=0)
            # sorted by pT, the present objects come first, so masks need no running product
            present = pt > 0
            e, eta, phi = objects[:, 0], objects[:, 2], objects[:, 3]
            e.clamp_(min=0.0)
            # E = pT cosh(eta) exp(e), with exponentials (torch's cosh is several times slower)
            e.copy_(torch.exp(e + eta).add_(torch.exp(e - eta)).mul_(0.5 * pt))
            phi.add_(met_phi)
            phi.sub_(torch.floor((phi + np.pi) / (2 * np.pi)).mul_(2 * np.pi))
            objects.masked_fill_(~present.unsqueeze(1), 0.0)
            if not view:
                T[torch.from_numpy(cols)] = objects
            if count is not None:
                n_present = present.sum(dim=0).to(T.dtype)
                full = n_present == n_slots
                T[self._counts[group]] = torch.where(full, count.clamp(min=n_slots), n_present)
        return T


def _slot_view(T, cols):
    """``T[cols]`` as a (slots, field, rows) view of the contiguous 2-D tensor ``T`` (columns
    first) when the columns are evenly laid out (slot after slot, fields in order), else None."""
    start = int(cols[0, 0])
    slot_step = int(cols[1, 0] - cols[0, 0]) if len(cols) > 1 else cols.shape[1]
    regular = start + slot_step * np.arange(len(cols))[:, None] + np.arange(cols.shape[1])
    if slot_step < cols.shape[1] or not np.array_equal(cols, regular) or not T.is_contiguous():
        return None
    n = T.shape[1]
    return T.as_strided((len(cols), cols.shape[1], n), (slot_step * n, n, 1), T.storage_offset() + start * n)


def _objects_from_names(names):
    """``{group: [(E, pt, eta, phi) names, ...]}`` from columns named like ``jet1_pt``."""
    ranks = {}
    for name in names:
        m = _SLOT.match(name)
        if m:
            ranks.setdefault(m["group"], set()).add(int(m["rank"]))
    objects = {}
    for group, found in ranks.items():
        slots = [tuple(f"{group}{k}_{f}" for f in _FIELDS) for k in range(1, max(found) + 1)]
        lacking = [c for slot in slots for c in slot if c not in names]
        if lacking:
            raise ValueError(
                f"EventFrame: the {group!r} objects lack the columns {lacking}; each object "
                f"needs {group}<rank>_E, _pt, _eta and _phi for ranks 1 to {len(slots)}."
            )
        objects[group] = slots
    if not objects:
        raise ValueError(
            "EventFrame found no object columns named <group><rank>_E/_pt/_eta/_phi (e.g. "
            f"jet1_pt) in {names or 'X, which has no column names'}; name them, or give "
            "objects={group: [(E, pt, eta, phi), ...]} as column positions."
        )
    return objects

