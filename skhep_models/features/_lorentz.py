"""Two-particle invariants appended to the input columns (:class:`LorentzInvariants`)."""

from __future__ import annotations

from numbers import Integral, Real

import numpy as np
import pandas as pd
from sklearn.base import BaseEstimator, TransformerMixin, _fit_context
from sklearn.utils._param_validation import Interval, StrOptions
from sklearn.utils.validation import _check_feature_names_in, check_is_fitted, validate_data

__all__ = ["INVARIANTS", "LorentzInvariants"]

#: Names of the invariants :class:`LorentzInvariants` can append, in its default order.
INVARIANTS = (
    "pair_mass",
    "pair_mass2",
    "p1_dot_p2",
    "pair_pt",
    "pair_rapidity",
    "pair_eta",
    "opening_angle",
    "cos_opening_angle",
    "delta_eta",
    "delta_phi",
    "delta_r",
)

#: Default particles: the columns of the CMS 2010 dielectron / dimuon open data.
CMS_PARTICLES = {
    "cartesian": (("E1", "px1", "py1", "pz1"), ("E2", "px2", "py2", "pz2")),
    "ptetaphi": (("pt1", "eta1", "phi1"), ("pt2", "eta2", "phi2")),
}

_WIDTHS = {"cartesian": (4,), "ptetaphi": (3, 4)}
_COLUMN_HELP = {
    "cartesian": "(E, px, py, pz)",
    "ptetaphi": "(pt, eta, phi) or (pt, eta, phi, mass)",
}
_MAX_LISTED_COLUMNS = 20


class LorentzInvariants(TransformerMixin, BaseEstimator):
    """Append the invariants of a particle pair (mass, pT, rapidity, angles) to the input columns.

    Each particle is a group of columns of ``X``: ``(E, px, py, pz)`` in the ``'cartesian'``
    representation, ``(pt, eta, phi)`` or ``(pt, eta, phi, mass)`` in ``'ptetaphi'``. The
    output is ``X`` itself (converted to float64) followed by one column per requested
    invariant, so the transformer can sit in front of a scaler and a regressor in a Pipeline
    and :meth:`get_feature_names_out` / ``set_output(transform="pandas")`` name every column.
    The computation is done in float64 whatever the input dtype, with the cancellation-free
    formulas of the Notes.

    Parameters
    ----------
    particles : tuple of two tuples of str or int, default=None
        The columns of particle 1 and particle 2, by name (``X`` must then be a DataFrame) or
        by position (any ``X``); names and positions cannot be mixed. ``None`` takes the
        column names of the CMS 2010 dielectron and dimuon open data (and of
        :func:`~skhep_models.datasets.make_dielectron`):
        ``(("E1", "px1", "py1", "pz1"), ("E2", "px2", "py2", "pz2"))`` for ``'cartesian'``,
        ``(("pt1", "eta1", "phi1"), ("pt2", "eta2", "phi2"))`` for ``'ptetaphi'``. A column
        may appear several times.
    representation : {'cartesian', 'ptetaphi'}, default='cartesian'
        How the particle columns describe a four-vector. ``'cartesian'``: energy and momentum
        components, each particle's mass follows from ``m^2 = E^2 - |p|^2``. ``'ptetaphi'``:
        transverse momentum, pseudorapidity and azimuth (radians), with a fourth mass column
        or the mass hypothesis ``mass``; ``E = sqrt(|p|^2 + m^2)``.
    mass : float or tuple of two floats, default=None
        Mass hypothesis in the units of the momenta (GeV: 0.000511 for electrons, 0.10566 for
        muons), the same for both particles or one per particle, for ``'ptetaphi'`` particles
        given by three columns. ``None`` means massless. Not allowed with ``'cartesian'``
        (the energy column fixes the mass) nor with a mass column.
    invariants : str or list of str, default=None
        Which invariants to append, in this order; ``None`` appends all of :data:`INVARIANTS`:
        ``pair_mass``, ``pair_mass2``, ``p1_dot_p2``, ``pair_pt``, ``pair_rapidity``,
        ``pair_eta``, ``opening_angle``, ``cos_opening_angle``, ``delta_eta``, ``delta_phi``,
        ``delta_r`` (definitions in the Notes).
    keep_inputs : bool, default=True
        Output the input columns followed by the invariants (True) or the invariants only
        (False): a model that should depend on the pair's kinematics alone then cannot lean on
        single-particle columns that differ between training and application samples.

    Attributes
    ----------
    particle_indices_ : tuple of two tuples of int
        Positions in ``X`` of the columns of each particle.
    invariants_ : tuple of str
        Names of the appended columns, in output order.
    n_features_in_ : int
        Number of features seen during fit.
    feature_names_in_ : ndarray of str
        Column names seen during fit, when X was a DataFrame with string column names.

    See Also
    --------
    skhep_models.datasets.make_dielectron : events with the CMS column names.

    Notes
    -----
    For particles ``i = 1, 2`` with energy ``E_i``, three-momentum ``p_i`` (of magnitude
    ``|p_i| = pt_i cosh(eta_i)``), mass ``m_i`` and the pair's four-momentum
    ``P = (E, Px, Py, Pz) = p1 + p2`` (natural units, ``c = 1``; definitions as in [1]_):

    ======================  ==========================================================
    ``p1_dot_p2``           Minkowski product ``E1 E2 - p1.p2`` (metric ``+---``)
    ``pair_mass2``          ``M^2 = P.P = m1^2 + m2^2 + 2 p1_dot_p2``, signed
    ``pair_mass``           ``M = sqrt(max(M^2, 0))``
    ``pair_pt``             ``|(px1 + px2, py1 + py2)|``
    ``pair_rapidity``       ``y = 1/2 ln((E + Pz) / (E - Pz))`` of the pair
    ``pair_eta``            ``arcsinh(Pz / pair_pt)``, the pair's pseudorapidity
    ``opening_angle``       angle ``theta`` in [0, pi] between the momenta of 1 and 2 (rad)
    ``cos_opening_angle``   ``cos(theta) = p1.p2 / (|p1| |p2|)``
    ``delta_eta``           ``eta1 - eta2``
    ``delta_phi``           ``phi1 - phi2`` wrapped to [-pi, pi)
    ``delta_r``             ``sqrt(delta_eta^2 + delta_phi^2)``
    ======================  ==========================================================

    ``pair_mass``, ``pair_mass2`` and ``p1_dot_p2`` are Lorentz invariant; ``pair_pt``,
    ``delta_phi`` and differences of rapidities are invariant under boosts along the beam
    (z) axis and rotations about it (``delta_eta`` and ``delta_r`` for massless particles
    only); ``pair_rapidity`` and ``pair_eta`` shift by the boost's rapidity. The signs of
    ``delta_eta`` and ``delta_phi`` depend on which particle is labelled 1 (as in the
    scikit-hep ``vector`` package); in the CMS files that label is random.

    **Numerics.** ``(E1 + E2)^2 - |p1 + p2|^2`` subtracts two numbers of order ``E^2`` to get
    ``M^2``, losing ``(E/M)^2`` in relative precision for light, collimated pairs. Instead
    ``p1_dot_p2 = A + B`` with

    * ``A = E1 E2 - |p1||p2| = (m1^2 |p2|^2 + m2^2 |p1|^2 + m1^2 m2^2) / (E1 E2 + |p1||p2|)``
      (zero for massless particles), and
    * ``B = |p1||p2| (1 - cos(theta)) = 2 |p1||p2| sin^2(theta / 2)``, where
      ``sin^2(theta/2)`` is ``|u1 - u2|^2 / 4`` with unit vectors ``u_i`` (cartesian) or
      ``(sinh^2(delta_eta/2) + sin^2(delta_phi/2)) / (cosh(eta1) cosh(eta2))`` (ptetaphi).

    In ``'ptetaphi'`` this is accurate to rounding for any pair: for massless particles
    ``M^2 = 4 pt1 pt2 (sinh^2(delta_eta/2) + sin^2(delta_phi/2))``. In ``'cartesian'`` each
    mass ``m_i^2 = (E_i - |p_i|)(E_i + |p_i|)`` is itself a difference of input columns: for
    massless particles stored in float32 it is known to about ``1e-7 E_i^2`` only, an error
    that ``M^2`` inherits and that matters for pair masses below about ``1e-3 E``; use
    ``'ptetaphi'`` with a mass hypothesis there. Measured (smeared) inputs can give a
    slightly negative ``M^2``: ``pair_mass2`` keeps the sign, ``pair_mass`` is clipped to 0.
    The opening angle is ``2 atan2(sin(theta/2), cos(theta/2))``, accurate near 0 and pi
    [2]_; the pair rapidity is computed as ``sign(Pz) ln((E + |Pz|) / mT)`` with
    ``mT = sqrt(M^2 + pair_pt^2)``, free of cancellation at large ``|y|``.

    Unphysical input (``E < |p|``, particles at rest, along the beam) gives NaN or inf in
    the affected invariants without floating-point warnings; NaN in a used column propagates
    to the invariants. Integer columns (charges, run numbers) are passed through as float64.

    References
    ----------
    .. [1] S. Navas et al. (Particle Data Group), "Review of Particle Physics", Phys. Rev.
       D 110, 030001 (2024), review "Kinematics".
    .. [2] W. Kahan, "How futile are mindless assessments of roundoff in floating-point
       computation?" (2006), on the angle between two vectors.

    Examples
    --------
    >>> import numpy as np
    >>> from skhep_models.datasets import make_dielectron
    >>> from skhep_models.features import LorentzInvariants
    >>> df = make_dielectron(200, random_state=0)
    >>> X = df.drop(columns=["Run", "Event", "M"])
    >>> li = LorentzInvariants(invariants=["pair_mass", "delta_r"]).set_output(transform="pandas")
    >>> out = li.fit_transform(X)
    >>> out.shape
    (200, 18)
    >>> list(out.columns[-3:])
    ['Q2', 'pair_mass', 'delta_r']
    >>> bool(np.allclose(out["pair_mass"], df["M"], rtol=1e-9))
    True
    """

    _parameter_constraints: dict = {
        "particles": [list, tuple, None],
        "representation": [StrOptions({"cartesian", "ptetaphi"})],
        "mass": [Interval(Real, 0, None, closed="left"), list, tuple, None],
        "invariants": [StrOptions(set(INVARIANTS)), list, tuple, None],
        "keep_inputs": ["boolean"],
    }

    def __init__(
        self,
        particles=None,
        *,
        representation="cartesian",
        mass=None,
        invariants=None,
        keep_inputs=True,
    ):
        self.particles = particles
        self.representation = representation
        self.mass = mass
        self.invariants = invariants
        self.keep_inputs = keep_inputs

    def __sklearn_tags__(self):
        tags = super().__sklearn_tags__()
        tags.input_tags.allow_nan = True
        return tags

    @_fit_context(prefer_skip_nested_validation=True)
    def fit(self, X, y=None):
        """Check the parameters and find the particle columns in ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Numeric columns, among them those of the two particles.
        y : None
            Ignored.

        Returns
        -------
        self : LorentzInvariants
        """
        _check_numeric_columns(X)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan")
        particles = self._check_particles()
        self._check_mass(particles)
        self.invariants_ = self._check_invariants()
        self.particle_indices_ = self._resolve_columns(particles)
        return self

    def transform(self, X):
        """Append the invariants to ``X``.

        Parameters
        ----------
        X : array-like or DataFrame of shape (n_samples, n_features)
            Same columns as in fit.

        Returns
        -------
        X_out : ndarray of shape (n_samples, n_features + len(invariants_))
            ``X`` as float64 followed by the invariants (a DataFrame with
            ``set_output(transform="pandas")``).
        """
        check_is_fitted(self)
        _check_numeric_columns(X)
        X = validate_data(self, X, dtype=np.float64, ensure_all_finite="allow-nan", reset=False)
        columns = _pair_invariants(self._four_vector(X, 0), self._four_vector(X, 1))
        n_in = X.shape[1] if self.keep_inputs else 0
        out = np.empty((X.shape[0], n_in + len(self.invariants_)))
        out[:, :n_in] = X[:, :n_in]
        for k, name in enumerate(self.invariants_):
            out[:, n_in + k] = columns[name]
        return out

    def get_feature_names_out(self, input_features=None):
        """Input feature names followed by the names of the invariants.

        Parameters
        ----------
        input_features : array-like of str or None, default=None
            Input feature names; ``None`` takes ``feature_names_in_``, or ``x0``, ``x1``, ...
            when fit saw no column names.

        Returns
        -------
        feature_names_out : ndarray of str objects
        """
        check_is_fitted(self)
        names = _check_feature_names_in(self, input_features)
        if not self.keep_inputs:
            names = names[:0]
        return np.concatenate([names, np.asarray(self.invariants_, dtype=object)])

    # ---- validation ------------------------------------------------------------------------
    def _check_particles(self):
        particles = (
            CMS_PARTICLES[self.representation] if self.particles is None else self.particles
        )
        widths = _WIDTHS[self.representation]
        expected = f"{_COLUMN_HELP[self.representation]} for representation={self.representation!r}"
        if len(particles) != 2 or any(isinstance(p, (str, bytes)) for p in particles):
            raise ValueError(
                f"particles must be two groups of columns, one per particle, each {expected}, "
                f"e.g. {CMS_PARTICLES[self.representation]}; got {particles!r}."
            )
        out = []
        for i, cols in enumerate(particles, start=1):
            if not isinstance(cols, (list, tuple, np.ndarray)) or len(cols) not in widths:
                raise ValueError(
                    f"particle {i} must be given by {' or '.join(map(str, widths))} columns "
                    f"{expected}; got {cols!r}."
                )
            out.append(tuple(c.item() if isinstance(c, np.generic) else c for c in cols))
        flat = [c for cols in out for c in cols]
        by_name = all(isinstance(c, str) for c in flat)
        by_index = all(isinstance(c, Integral) and not isinstance(c, bool) for c in flat)
        if not (by_name or by_index):
            raise ValueError(
                "particles must be all column names (str) or all column positions (int), "
                f"not a mix; got {particles!r}."
            )
        return tuple(out)

    def _check_mass(self, particles):
        if self.mass is None:
            return
        if self.representation == "cartesian":
            raise ValueError(
                f"mass={self.mass!r} is only used with representation='ptetaphi': in "
                "'cartesian' each particle's energy column fixes its mass. Leave mass=None, or "
                "give the particles as (pt, eta, phi) with representation='ptetaphi'."
            )
        if any(len(cols) == 4 for cols in particles):
            raise ValueError(
                f"mass={self.mass!r} and a mass column in particles={particles!r} both give "
                "the mass: give particles as (pt, eta, phi) to use the hypothesis, or leave "
                "mass=None to read the mass column."
            )
        masses = np.atleast_1d(np.asarray(self.mass, dtype=object))
        ok = masses.ndim == 1 and len(masses) in (1, 2)
        ok = ok and all(
            isinstance(m, Real) and not isinstance(m, bool) and np.isfinite(m) and m >= 0
            for m in masses
        )
        if not ok:
            raise ValueError(
                "mass must be a non-negative number or a tuple of two (one per particle), "
                f"got {self.mass!r}."
            )

    def _masses(self):
        if self.mass is None:
            return (0.0, 0.0)
        masses = np.broadcast_to(np.asarray(self.mass, dtype=np.float64), (2,))
        return (float(masses[0]), float(masses[1]))

    def _check_invariants(self):
        if self.invariants is None:
            return INVARIANTS
        names = [self.invariants] if isinstance(self.invariants, str) else list(self.invariants)
        unknown = [n for n in names if not (isinstance(n, str) and n in INVARIANTS)]
        if unknown:
            raise ValueError(
                f"unknown invariant(s) {unknown}; valid names are {list(INVARIANTS)} "
                "(or invariants=None for all)."
            )
        if not names:
            raise ValueError(
                f"invariants is empty: name at least one of {list(INVARIANTS)}, or None for all."
            )
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"invariant(s) {repeated} requested more than once in {names}.")
        return tuple(names)

    def _resolve_columns(self, particles):
        n_features = self.n_features_in_
        if isinstance(particles[0][0], str):
            names = getattr(self, "feature_names_in_", None)
            if names is None:
                raise ValueError(
                    f"particles are given by column name ({particles!r}) but X has no column "
                    "names: pass a DataFrame, or give the particles as integer column positions."
                )
            position = {name: k for k, name in enumerate(names)}
            missing = [c for cols in particles for c in cols if c not in position]
            if missing:
                shown = ", ".join(map(str, names[:_MAX_LISTED_COLUMNS]))
                if len(names) > _MAX_LISTED_COLUMNS:
                    shown += f", ... ({len(names)} in all)"
                raise ValueError(
                    f"column(s) {list(dict.fromkeys(missing))} of particles are not in X, whose "
                    f"columns are: {shown}. Pass particles=... with the names of your columns "
                    f"{_COLUMN_HELP[self.representation]}."
                )
            return tuple(tuple(position[c] for c in cols) for cols in particles)
        bad = [c for cols in particles for c in cols if not 0 <= c < n_features]
        if bad:
            raise ValueError(
                f"particles refer to column position(s) {bad}, but X has {n_features} "
                f"feature(s) (positions 0 to {n_features - 1})."
            )
        return tuple(tuple(int(c) for c in cols) for cols in particles)

    # ---- physics ---------------------------------------------------------------------------
    def _four_vector(self, X, i):
        cols = [X[:, k] for k in self.particle_indices_[i]]
        if self.representation == "cartesian":
            return _Particle.from_cartesian(*cols)
        mass = cols[3] if len(cols) == 4 else self._masses()[i]
        return _Particle.from_ptetaphi(cols[0], cols[1], cols[2], mass)


def _check_numeric_columns(X):
    """Name non-numeric DataFrame columns instead of failing on a bare float conversion."""
    if isinstance(X, pd.DataFrame):
        bad = [c for c, dt in X.dtypes.items() if not pd.api.types.is_numeric_dtype(dt)]
        if bad:
            raise ValueError(
                f"X has non-numeric column(s) {bad}; LorentzInvariants passes every column "
                "through as float64. Drop them first (e.g. X.drop(columns=...)), or apply it "
                "inside a ColumnTransformer to the numeric columns only."
            )


class _Particle:
    """Float64 kinematics of one particle per event (a batch of four-vectors)."""

    def __init__(self, E, px, py, pz, pt, eta, phi, p, m2, ptetaphi):
        self.E, self.px, self.py, self.pz = E, px, py, pz
        self.pt, self.eta, self.phi, self.p, self.m2 = pt, eta, phi, p, m2
        self.ptetaphi = ptetaphi

    @classmethod
    def from_cartesian(cls, E, px, py, pz):
        pt = np.hypot(px, py)
        p = np.hypot(pt, pz)
        eta = np.arcsinh(pz / pt)
        m2 = (E - p) * (E + p)
        return cls(E, px, py, pz, pt, eta, np.arctan2(py, px), p, m2, ptetaphi=False)

    @classmethod
    def from_ptetaphi(cls, pt, eta, phi, mass):
        p = pt * np.cosh(eta)
        mass = np.broadcast_to(np.asarray(mass, dtype=np.float64), pt.shape)
        E = np.hypot(p, mass)
        px, py, pz = pt * np.cos(phi), pt * np.sin(phi), pt * np.sinh(eta)
        return cls(E, px, py, pz, pt, eta, phi, p, mass * mass, ptetaphi=True)


def _wrap_phi(dphi):
    """Angles folded into [-pi, pi)."""
    return np.mod(dphi + np.pi, 2 * np.pi) - np.pi


def _pair_invariants(a, b):
    """Every invariant of the pair (a, b), as a dict of float64 arrays (see LorentzInvariants)."""
    out = {}
    with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
        # sin^2 and cos^2 of half the opening angle, up to a common positive factor.
        if a.ptetaphi:
            d_half = 0.5 * (a.phi - b.phi)
            sin2 = np.sinh(0.5 * (a.eta - b.eta)) ** 2 + np.sin(d_half) ** 2
            cos2 = np.sinh(0.5 * (a.eta + b.eta)) ** 2 + np.cos(d_half) ** 2
            # |p1||p2| (1 - cos theta) = 2 pt1 pt2 sin2
            b_term = 2.0 * a.pt * b.pt * sin2
        else:
            ua = [c / np.where(a.p > 0, a.p, np.nan) for c in (a.px, a.py, a.pz)]
            ub = [c / np.where(b.p > 0, b.p, np.nan) for c in (b.px, b.py, b.pz)]
            sin2 = sum((x - y) ** 2 for x, y in zip(ua, ub))  # |u1 - u2|^2 = 4 sin^2(theta/2)
            cos2 = sum((x + y) ** 2 for x, y in zip(ua, ub))  # |u1 + u2|^2 = 4 cos^2(theta/2)
            b_term = np.where((a.p > 0) & (b.p > 0), 0.5 * a.p * b.p * sin2, 0.0)
        ee, pp = a.E * b.E, a.p * b.p
        a_term = np.divide(
            a.m2 * b.p**2 + b.m2 * a.p**2 + a.m2 * b.m2,
            ee + pp,
            out=ee - pp,
            where=ee > 0,
        )
        dot = a_term + b_term
        m2 = a.m2 + b.m2 + 2.0 * dot
        Px, Py, Pz = a.px + b.px, a.py + b.py, a.pz + b.pz
        pair_pt = np.hypot(Px, Py)
        out["p1_dot_p2"] = dot
        out["pair_mass2"] = m2
        out["pair_mass"] = np.sqrt(np.maximum(m2, 0.0))
        out["pair_pt"] = pair_pt
        mt = np.sqrt(m2 + pair_pt**2)
        out["pair_rapidity"] = np.sign(Pz) * np.log((a.E + b.E + np.abs(Pz)) / mt)
        out["pair_eta"] = np.arcsinh(Pz / pair_pt)
        # No direction, no angle: NaN when a particle has zero momentum.
        sin2 = np.where((a.p > 0) & (b.p > 0), sin2, np.nan)
        out["opening_angle"] = 2.0 * np.arctan2(np.sqrt(sin2), np.sqrt(cos2))
        out["cos_opening_angle"] = (cos2 - sin2) / (cos2 + sin2)
        delta_eta = a.eta - b.eta
        delta_phi = _wrap_phi(a.phi - b.phi)
        out["delta_eta"] = delta_eta
        out["delta_phi"] = delta_phi
        out["delta_r"] = np.hypot(delta_eta, delta_phi)
    return out
