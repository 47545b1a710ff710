"""Reader for the UCI HIGGS rows (label first, tab separated, no header)."""

from __future__ import annotations

from ._readers import read_csv

__all__ = ["HIGGS_UCI_FEATURES", "read_higgs_uci"]

#: UCI HIGGS columns after the label (Baldi, Sadowski, Whiteson 2014): 21 low-level features
#: (the lepton, the missing transverse energy, four jets with b-tags) and 7 high-level masses.
HIGGS_UCI_FEATURES = [
    "lepton_pt", "lepton_eta", "lepton_phi", "met", "met_phi",
    *[f"jet{i}_{v}" for i in range(1, 5) for v in ("pt", "eta", "phi", "btag")],
    "m_jj", "m_jjj", "m_lv", "m_jlv", "m_bb", "m_wbb", "m_wwbb",
]  # fmt: skip


def read_higgs_uci(path, n_events=None):
    """Features and labels of a UCI HIGGS file in the LightGBM example layout.

    Parameters
    ----------
    path : str or path-like
        A ``.tsv`` file whose rows are the label (1 signal, 0 background) and the 28
        features, tab separated, without a header (e.g. ``lightgbm_binary.train.tsv``).
    n_events : int, default=None
        Read only the first rows.

    Returns
    -------
    X : pandas.DataFrame
        The 28 features, named as in :data:`HIGGS_UCI_FEATURES`.
    y : ndarray of int
        1 for signal, 0 for background.

    Examples
    --------
    >>> import tempfile
    >>> from pathlib import Path
    >>> from skhep_models.io import read_higgs_uci
    >>> path = Path(tempfile.mkdtemp()) / "higgs.tsv"
    >>> _ = path.write_text("1\\t" + "\\t".join(["0.5"] * 28) + "\\n")
    >>> X, y = read_higgs_uci(path)
    >>> X.shape, y.tolist(), X.columns[-1]
    ((1, 28), [1], 'm_wwbb')
    """
    names = ["label", *HIGGS_UCI_FEATURES]
    df = read_csv(path, sep="\t", header=None, names=names, nrows=n_events)
    return df[HIGGS_UCI_FEATURES], df["label"].to_numpy(dtype=int)
