"""Training events from the exact symmetries of a particle pair (:func:`augment_pair_symmetries`)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd

from ._kinematics import check_generator, wrap_phi

__all__ = ["augment_pair_symmetries", "CMS_PAIR_COLUMNS"]

#: The columns of each lepton in the CMS dielectron / dimuon open data (and make_dielectron).
CMS_PAIR_COLUMNS = tuple(
    {"E": f"E{i}", "px": f"px{i}", "py": f"py{i}", "pz": f"pz{i}", "pt": f"pt{i}",
     "eta": f"eta{i}", "phi": f"phi{i}", "Q": f"Q{i}"}
    for i in (1, 2)
)  # fmt: skip
_ROLES = {"E", "px", "py", "pz", "pt", "eta", "phi", "Q", "mass"}


def augment_pair_symmetries(
    X,
    y=None,
    *,
    n_copies=10,
    rotate=True,
    reflect=True,
    swap=True,
    conjugate=True,
    boost=0.0,
    particles=None,
    random_state=None,
):
    """Copies of two-particle events transformed by symmetries that leave the pair mass unchanged.

    Each copy of an event gets, independently of the others:

    * ``rotate``: a rotation about the beam (z) axis by an angle drawn uniformly in
      [-pi, pi), the same for both particles (``px``, ``py`` rotated, ``phi`` shifted);
    * ``reflect``: with probability 1/2, the reflection z -> -z (``pz`` and ``eta`` negated);
    * ``swap``: with probability 1/2, particles 1 and 2 exchanged (every role's columns);
    * ``conjugate``: with probability 1/2, both charges negated;
    * ``boost`` (off by default): a Lorentz boost of both particles along a random direction
      in the transverse plane, of rapidity drawn uniformly in [0, ``boost``].

    None of these changes the pair's invariant mass or the particles' masses; all but the
    boost also keep the pair's transverse momentum and the particles' energies and
    transverse momenta, so targets that depend on the pair only through such quantities keep
    their value (``y`` is repeated as it is). A network given raw four-momenta must otherwise
    learn these symmetries from a finite sample; the rotated copies fill the azimuth
    uniformly, which the training sample does not. For an azimuthally symmetric detector
    with forward-backward symmetric acceptance (as the CMS-like selection of
    :func:`make_dielectron`), the rotated, reflected, exchanged and conjugated copies are
    events the detector records with the same probability as the originals. The boost
    changes the energies and momenta: its copies are not equally probable events but exact
    (inputs, mass) pairs at larger pair transverse momenta than the sample holds, where a
    network would otherwise extrapolate.

    Augment the training events only, after splitting off validation and test events: an
    estimator's internal ``validation_fraction`` drawn from augmented events holds out
    copies of events it trains on, and its validation loss (and early stopping on it) is
    then optimistic.

    Parameters
    ----------
    X : pandas.DataFrame
        The events. Columns not named in ``particles`` (run and event numbers, other
        features) are copied unchanged.
    y : array-like or pandas.Series of length ``len(X)``, default=None
        Targets (or sample weights) of the events, repeated for every copy.
    n_copies : int, default=10
        Number of copies of each event in the output, the original included (first).
    rotate, reflect, swap, conjugate : bool, default=True
        Which transformations to apply (see above).
    boost : float, default=0.0
        Largest rapidity of the transverse boost; 0 applies none. It needs the ``E``,
        ``px``, ``py`` roles; ``pt``, ``eta`` and ``phi`` columns are recomputed.
    particles : tuple of two dicts, default=None
        For each particle, a mapping from a role to a column of ``X``. Roles: ``"px"``,
        ``"py"``, ``"pz"``, ``"eta"``, ``"phi"`` (transformed as above; ``phi`` in radians),
        ``"Q"`` (negated by ``conjugate``), ``"E"``, ``"pt"``, ``"mass"`` (only moved by
        ``swap``, and ``E``, ``pt`` by ``boost``). Both particles need the same roles;
        rotating needs ``px`` and ``py`` (both, where either is given) or ``phi``, reflecting
        ``pz`` or ``eta``, conjugating ``Q``, boosting ``pz`` where ``eta`` is given.
        ``None`` takes the CMS open-data columns ``E1, px1, py1, pz1, pt1, eta1, phi1, Q1``
        and their ``2`` counterparts (:data:`CMS_PAIR_COLUMNS`).
    random_state : int, numpy.random.Generator or None, default=None
        Seeds the rotation angles and the choices.

    Returns
    -------
    X_augmented : pandas.DataFrame of ``n_copies * len(X)`` rows
        The original events followed by ``n_copies - 1`` transformed copies, with a fresh
        RangeIndex.
    y_augmented : numpy.ndarray
        Only when ``y`` is given: ``y`` repeated ``n_copies`` times, in the same order.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.datasets import augment_pair_symmetries, make_dielectron
    >>> from skhep_models.features import LorentzInvariants
    >>> df = make_dielectron(100, random_state=0)
    >>> X_aug, M_aug = augment_pair_symmetries(df, df["M"], n_copies=5, random_state=1)
    >>> X_aug.shape, M_aug.shape
    ((500, 19), (500,))
    >>> li = LorentzInvariants(invariants=["pair_mass"]).set_output(transform="pandas")
    >>> mass = li.fit_transform(X_aug.drop(columns=["Run", "Event", "M"]))["pair_mass"]
    >>> bool(np.allclose(mass, M_aug, rtol=1e-9))
    True
    """
    if not isinstance(X, pd.DataFrame):
        raise TypeError(
            f"augment_pair_symmetries needs a pandas DataFrame (columns by name), got "
            f"{type(X).__name__}."
        )
    if not isinstance(n_copies, Integral) or isinstance(n_copies, bool) or n_copies < 1:
        raise ValueError(f"n_copies must be an integer >= 1, got {n_copies!r}.")
    if isinstance(boost, bool) or not isinstance(boost, Real) or not 0 <= boost < np.inf:
        raise ValueError(f"boost must be a finite rapidity >= 0, got {boost!r}.")
    p1, p2 = _check_particles(CMS_PAIR_COLUMNS if particles is None else particles, X)
    roles = set(p1)
    needs = {
        "rotate=True": (rotate, [{"px", "py"}, {"phi"}]),
        "reflect=True": (reflect, [{"pz"}, {"eta"}]),
        "conjugate=True": (conjugate, [{"Q"}]),
        "boost > 0": (boost > 0, [{"E", "px", "py"}]),
    }
    for flag, (on, options) in needs.items():
        if on and not any(opt <= roles for opt in options):
            wanted = " or ".join("+".join(sorted(o)) for o in options)
            raise ValueError(
                f"{flag} needs the particles' {wanted} columns; got roles {sorted(roles)}."
            )
    # a lone px or py cannot follow the rotation: the copy would disagree with the rotated phi
    if rotate and len(roles & {"px", "py"}) == 1:
        raise ValueError(
            f"rotate=True needs both px and py (or neither, with phi); got roles {sorted(roles)}."
        )
    if boost > 0 and "eta" in roles and "pz" not in roles:
        raise ValueError("boost > 0 recomputes eta from pz: give the particles' pz too.")
    if y is not None:
        y = np.asarray(y)
        if len(y) != len(X):
            raise ValueError(f"y has {len(y)} entries but X has {len(X)} events.")

    rng = check_generator(random_state)
    n = len(X)
    copies = [X.reset_index(drop=True)]
    original = {c: X[c].to_numpy() for c in X.columns}  # read once: copies replace, never write
    for _ in range(n_copies - 1):
        cols = dict(original)
        if rotate:
            angle = rng.uniform(-np.pi, np.pi, n)
            cos, sin = np.cos(angle), np.sin(angle)
            for p in (p1, p2):
                if "px" in p and "py" in p:
                    px, py = cols[p["px"]], cols[p["py"]]
                    cols[p["px"]], cols[p["py"]] = px * cos - py * sin, px * sin + py * cos
                if "phi" in p:
                    cols[p["phi"]] = wrap_phi(cols[p["phi"]] + angle)
        if reflect:
            flip = rng.random(n) < 0.5
            for p in (p1, p2):
                for role in ("pz", "eta"):
                    if role in p:
                        cols[p[role]] = np.where(flip, -cols[p[role]], cols[p[role]])
        if conjugate:
            flip = rng.random(n) < 0.5
            for p in (p1, p2):
                cols[p["Q"]] = np.where(flip, -cols[p["Q"]], cols[p["Q"]])
        if boost > 0:
            rapidity, direction = rng.uniform(0, boost, n), rng.uniform(-np.pi, np.pi, n)
            _boost_transverse(cols, (p1, p2), rapidity, direction)
        if swap:
            exchange = rng.random(n) < 0.5
            for role in roles:
                a, b = cols[p1[role]], cols[p2[role]]
                cols[p1[role]], cols[p2[role]] = np.where(exchange, b, a), np.where(exchange, a, b)
        copy = pd.DataFrame(cols, columns=X.columns)
        copies.append(copy.astype(X.dtypes.to_dict()))
    X_out = pd.concat(copies, ignore_index=True)
    if y is None:
        return X_out
    return X_out, np.concatenate([y] * n_copies)


def _boost_transverse(cols, particles, rapidity, direction):
    """Boost both particles by ``rapidity`` along the transverse unit vector at ``direction``."""
    ch, sh = np.cosh(rapidity), np.sinh(rapidity)
    nx, ny = np.cos(direction), np.sin(direction)
    for p in particles:
        E, px, py = cols[p["E"]], cols[p["px"]], cols[p["py"]]
        along = px * nx + py * ny
        shift = (ch - 1) * along + sh * E
        cols[p["E"]] = ch * E + sh * along
        px, py = px + shift * nx, py + shift * ny
        cols[p["px"]], cols[p["py"]] = px, py
        pt = np.hypot(px, py)
        if "pt" in p:
            cols[p["pt"]] = pt
        if "phi" in p:
            cols[p["phi"]] = np.arctan2(py, px)
        if "eta" in p:
            cols[p["eta"]] = np.arcsinh(cols[p["pz"]] / pt)


def _check_particles(particles, X):
    if not (isinstance(particles, (tuple, list)) and len(particles) == 2
            and all(isinstance(p, dict) for p in particles)):  # fmt: skip
        raise ValueError(
            "particles must be two dicts mapping a role ('px', 'py', 'pz', 'eta', 'phi', 'Q', "
            f"'E', 'pt', 'mass') to a column, one per particle; got {particles!r}."
        )
    p1, p2 = particles
    unknown = sorted((set(p1) | set(p2)) - _ROLES)
    if unknown:
        raise ValueError(f"unknown role(s) {unknown} in particles; roles are {sorted(_ROLES)}.")
    if set(p1) != set(p2):
        raise ValueError(
            f"both particles need the same roles, got {sorted(p1)} and {sorted(p2)}."
        )
    missing = [c for p in (p1, p2) for c in p.values() if c not in X.columns]
    if missing:
        raise ValueError(f"column(s) {missing} of particles are not in X.")
    return p1, p2
