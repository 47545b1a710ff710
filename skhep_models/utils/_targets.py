"""Signal/background targets: the binary-class and per-class-weight checks shared by the
classifiers and selectors (no torch)."""

from __future__ import annotations

import numpy as np
from sklearn.utils.multiclass import check_classification_targets, type_of_target

__all__ = ["ClassTotals", "binary_target", "check_class_weight_totals"]


def binary_target(y, name, *, does="separates signal from background", hint=""):
    """Classes and signal mask of a two-class ``y``; the larger label is the signal.

    ``name`` (the estimator) and ``does`` (what it does with the classes) and ``hint`` (how
    to fix it) go into the error raised for one class or more than two.

    Returns
    -------
    classes : ndarray of shape (2,)
    is_signal : ndarray of bool, ``y == classes[1]``
    """
    check_classification_targets(y)
    classes = np.unique(y)
    if len(classes) > 2:
        raise ValueError(
            f"Only binary classification is supported: {name} {does} and needs two classes, "
            f"but y has {len(classes)} classes {classes.tolist()[:10]} ({type_of_target(y)})."
            + (f" {hint}" if hint else "")
        )
    if len(classes) < 2:
        raise ValueError(
            f"Training needs two classes, but y has only one class ({classes.tolist()[0]!r}): "
            f"{name} needs both signal and background events."
        )
    return classes, y == classes[1]


def check_class_weight_totals(sample_weight, is_signal, classes, needed_for):
    """Raise if every event of a class has zero weight (``needed_for`` says what needs both)."""
    if sample_weight is None:
        return
    for cls, rows in zip(classes.tolist(), (~is_signal, is_signal)):
        if not sample_weight[rows].sum() > 0:
            raise ValueError(
                f"The events of class {cls!r} all have zero sample_weight: {needed_for} needs "
                "signal and background weight."
            )


class ClassTotals:
    """Per label: events, total weight and validation weight, gathered chunk by chunk.

    The classifiers' first pass over a stream: ``update`` adds a chunk, ``binary`` checks the
    labels of all chunks as :func:`binary_target` does and gives the per-class totals.
    """

    def __init__(self):
        self.totals = {}  # label -> [events, total weight, validation weight]
        self.label_values = []

    def update(self, y, w, valid, where="a chunk"):
        """Add a chunk's labels ``y``, weights ``w`` (None: 1 each) and validation rows
        ``valid`` (None: none); return its distinct labels."""
        if y.ndim != 1:
            raise ValueError(
                f"{where} has a target of shape {y.shape}: a classifier takes one label "
                "column (e.g. target='label')."
            )
        labels = np.unique(y)
        self.label_values.append(labels)
        in_valid = np.zeros(len(y), bool)
        if valid is not None:
            in_valid[valid] = True
        weight = np.ones(len(y)) if w is None else w.astype(np.float64)
        for label in labels:
            rows = y == label
            stats = self.totals.setdefault(label.item(), np.zeros(3))
            stats += [rows.sum(), weight[rows].sum(), weight[rows & in_valid].sum()]
        return labels

    def binary(self, name):
        """``(classes, totals)``: the two classes (``binary_target``'s errors otherwise) and
        an array (2, 3) of their events, total weight and validation weight."""
        classes, _ = binary_target(np.unique(np.concatenate(self.label_values)), name)
        return classes, np.array([self.totals[c] for c in classes.tolist()])
