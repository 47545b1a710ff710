"""Vectorised relativistic kinematics and samplers for the dataset generators.

Plain NumPy, no object overhead. Conventions:

* energies, momenta and masses in GeV;
* a four-vector is an array whose **first axis** holds ``(E, px, py, pz)``,
  so ``(4, n)`` is a batch of ``n`` vectors and each component ``p[0]`` ...
  ``p[3]`` is a contiguous array (fast element-wise arithmetic); trailing
  axes broadcast;
* every sampler takes a :class:`numpy.random.Generator` as ``rng`` and is
  deterministic given its state.
"""

import numpy as np

__all__ = [
    "boost",
    "boost_from_rest_frame",
    "check_generator",
    "fill_quota",
    "fourvector_from_pt_eta_phi_m",
    "fourvector_from_pt_y_phi_m",
    "invariant_mass",
    "isotropic_unit_vectors",
    "pt_eta_phi",
    "sample_breit_wigner_mass",
    "sample_power_law_mass",
    "sample_pt_power_law",
    "sample_truncated_normal",
    "two_body_decay",
    "two_body_momentum",
    "wrap_phi",
]


# --------------------------------------------------------------------------
# Random state
# --------------------------------------------------------------------------


def fill_quota(simulate_batch, quota, *, efficiency_guess, label, max_batch=1 << 16):
    """Call ``simulate_batch(size)`` until ``quota`` events pass the selection.

    ``simulate_batch`` returns a dict of equal-length arrays of the accepted events; batch
    sizes follow the efficiency measured so far (``efficiency_guess`` sizes the first one),
    capped at ``max_batch`` generated events to bound the temporaries. Events are i.i.d.,
    so keeping the first ``quota`` accepted is unbiased.
    """
    parts, n_acc, n_gen = [], 0, 0
    while n_acc < quota:
        eff = n_acc / n_gen if n_acc else efficiency_guess
        size = int(min(max_batch, max(256, 1.1 * (quota - n_acc) / eff + 64)))
        batch = simulate_batch(size)
        n_gen += size
        n_new = len(next(iter(batch.values())))
        if n_new:
            parts.append(batch)
            n_acc += n_new
        elif n_acc == 0 and n_gen >= 1000 * max_batch:  # pragma: no cover
            raise RuntimeError(f"no {label} event passes the selection")
    return {key: np.concatenate([p[key] for p in parts])[:quota] for key in parts[0]}


def check_generator(random_state):
    """Turn ``random_state`` into a :class:`numpy.random.Generator`.

    Parameters
    ----------
    random_state : None, int, numpy.random.Generator or numpy.random.RandomState
        ``None`` gives fresh OS entropy; an int seeds a new Generator; a
        Generator is used as is (and advanced); a legacy RandomState is used
        to draw a 128-bit seed for a new Generator, so it is advanced too and
        the result is reproducible from its state.

    Returns
    -------
    numpy.random.Generator
    """
    if random_state is None:
        return np.random.default_rng()
    if isinstance(random_state, np.random.Generator):
        return random_state
    if isinstance(random_state, np.random.RandomState):
        seed = random_state.randint(0, 2**32, size=4, dtype=np.uint64)
        return np.random.default_rng(seed)
    if isinstance(random_state, (int, np.integer)) and not isinstance(
        random_state, bool
    ):
        return np.random.default_rng(int(random_state))
    raise ValueError(
        "random_state must be None, an int, a numpy.random.Generator or a "
        f"numpy.random.RandomState, got {random_state!r}"
    )


# --------------------------------------------------------------------------
# Four-vectors
# --------------------------------------------------------------------------


def wrap_phi(phi):
    """Map azimuthal angles to the interval ``(-pi, pi]``."""
    return np.pi - np.mod(np.pi - np.asarray(phi, dtype=float), 2.0 * np.pi)


def fourvector_from_pt_eta_phi_m(pt, eta, phi, m):
    """Four-vectors ``(E, px, py, pz)`` from ``(pt, eta, phi, mass)``."""
    pt, eta, phi, m = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (pt, eta, phi, m))
    )
    pz = pt * np.sinh(eta)
    e = np.sqrt(pt * pt + pz * pz + m * m)
    return np.stack([e, pt * np.cos(phi), pt * np.sin(phi), pz])


def fourvector_from_pt_y_phi_m(pt, y, phi, m):
    """Four-vectors ``(E, px, py, pz)`` from ``(pt, rapidity, phi, mass)``.

    Uses the transverse mass ``mT = sqrt(m^2 + pt^2)``:
    ``E = mT cosh(y)``, ``pz = mT sinh(y)``.
    """
    pt, y, phi, m = np.broadcast_arrays(
        *(np.asarray(a, dtype=float) for a in (pt, y, phi, m))
    )
    mt = np.sqrt(m * m + pt * pt)
    # One exp instead of cosh and sinh.
    ey = np.exp(y)
    mt_ey, mt_iey = 0.5 * mt * ey, 0.5 * mt / ey
    return np.stack([mt_ey + mt_iey, pt * np.cos(phi), pt * np.sin(phi), mt_ey - mt_iey])


def pt_eta_phi(p):
    """Transverse momentum, pseudorapidity and azimuth of four-vectors ``p``.

    ``eta = arcsinh(pz / pt)``; a vector along the beam (``pt == 0``) gets
    ``eta = +-inf`` (sign of ``pz``, ``0`` for a null vector) without a
    floating-point warning.
    """
    _, px, py, pz = np.asarray(p, dtype=float)
    pt = np.hypot(px, py)
    with np.errstate(divide="ignore", invalid="ignore"):
        eta = np.where(pt > 0, np.arcsinh(pz / pt), np.sign(pz) * np.inf)
    eta = np.where((pt == 0) & (pz == 0), 0.0, eta)
    return pt, eta, np.arctan2(py, px)


def invariant_mass(p1, p2=None):
    """Invariant mass ``sqrt(E^2 - |p|^2)`` of ``p1`` or of the pair ``p1 + p2``.

    Negative ``m^2`` from rounding (nearly light-like vectors) is clipped to 0.
    """
    p = np.asarray(p1, dtype=float)
    if p2 is not None:
        p = p + np.asarray(p2, dtype=float)
    m2 = p[0] * p[0] - p[1] * p[1] - p[2] * p[2] - p[3] * p[3]
    return np.sqrt(np.maximum(m2, 0.0))


def _dot3(a, b):
    return a[0] * b[0] + a[1] * b[1] + a[2] * b[2]


def boost(p, beta):
    """Lorentz-boost four-vectors ``p`` by velocity ``beta`` (shape ``(3, ...)``).

    A particle at rest in the original frame moves with velocity ``+beta`` in
    the new one (active boost). ``|beta|`` must be ``< 1``.
    """
    p = np.asarray(p, dtype=float)
    beta = np.asarray(beta, dtype=float)
    gamma = 1.0 / np.sqrt(1.0 - _dot3(beta, beta))
    bp = _dot3(beta, p[1:])
    # gamma^2 / (1 + gamma) == (gamma - 1) / beta^2, but finite at beta = 0.
    coef = gamma * gamma / (1.0 + gamma) * bp + gamma * p[0]
    return np.concatenate([(gamma * (p[0] + bp))[None], p[1:] + coef * beta])


def boost_from_rest_frame(p_rest, parent, mass=None):
    """Boost ``p_rest``, given in the rest frame of ``parent``, to the lab.

    ``parent`` is the lab four-momentum ``(E, P)`` of mass ``M > 0``; pass
    ``mass`` when it is known, to skip recomputing it from ``parent`` (and the
    rounding that comes with it). Written in terms of ``(E, P, M)`` instead of
    ``beta`` and ``gamma``, which stays accurate for large boosts:
    ``E' = (E_P E + P.p) / M`` and
    ``p' = p + P [P.p / (M (E_P + M)) + E / M]``.
    """
    p_rest = np.asarray(p_rest, dtype=float)
    parent = np.asarray(parent, dtype=float)
    e_par = parent[0]
    m_par = invariant_mass(parent) if mass is None else np.asarray(mass, dtype=float)
    pp = _dot3(parent[1:], p_rest[1:])
    e = (e_par * p_rest[0] + pp) / m_par
    coef = pp / (m_par * (e_par + m_par)) + p_rest[0] / m_par
    return np.concatenate([e[None], p_rest[1:] + coef * parent[1:]])


def two_body_momentum(m, m1, m2):
    """Daughter momentum in the rest frame of ``m -> m1 m2``.

    ``p* = sqrt(lambda(m^2, m1^2, m2^2)) / (2 m)`` with the Kallen function
    ``lambda``; 0 below threshold.
    """
    m = np.asarray(m, dtype=float)
    lam = (m * m - (m1 + m2) ** 2) * (m * m - (m1 - m2) ** 2)
    return np.sqrt(np.maximum(lam, 0.0)) / (2.0 * m)


def isotropic_unit_vectors(size, rng):
    """``size`` unit 3-vectors uniformly distributed on the sphere, ``(3, size)``."""
    cos_t = rng.uniform(-1.0, 1.0, size)
    phi = rng.uniform(-np.pi, np.pi, size)
    sin_t = np.sqrt((1.0 - cos_t) * (1.0 + cos_t))
    return np.stack([sin_t * np.cos(phi), sin_t * np.sin(phi), cos_t])


def two_body_decay(m, m1, m2, rng):
    """Isotropic two-body decays ``m -> m1 m2`` in the parent rest frame.

    Parameters
    ----------
    m : array_like of shape (n,)
        Parent masses.
    m1, m2 : float
        Daughter masses.
    rng : numpy.random.Generator

    Returns
    -------
    d1, d2 : ndarray of shape (4, n)
        Back-to-back rest-frame four-momenta of the two daughters.
    """
    m = np.asarray(m, dtype=float)
    p = two_body_momentum(m, m1, m2)
    d1 = np.empty((4,) + m.shape)
    d1[1:] = isotropic_unit_vectors(m.shape[0], rng)
    d1[1:] *= p
    d1[0] = np.sqrt(p * p + m1 * m1)
    d2 = np.negative(d1)
    d2[0] = np.sqrt(p * p + m2 * m2)
    return d1, d2


# --------------------------------------------------------------------------
# Samplers (exact: inverse CDF or rejection)
# --------------------------------------------------------------------------


def sample_breit_wigner_mass(mass, width, size, rng, *, m_min, m_max):
    """Masses from a relativistic Breit-Wigner truncated to ``[m_min, m_max]``.

    The density in ``s = m^2`` is ``1 / ((s - M^2)^2 + M^2 Gamma^2)``, whose
    CDF is an arctangent, so ``s = M^2 + M Gamma tan(u)`` with ``u`` uniform
    between the angles of ``s_min = m_min^2`` and ``s_max = m_max^2`` is exact.
    """
    mg = mass * width
    u_lo = np.arctan((m_min * m_min - mass * mass) / mg)
    u_hi = np.arctan((m_max * m_max - mass * mass) / mg)
    s = mass * mass + mg * np.tan(rng.uniform(u_lo, u_hi, size))
    return np.clip(np.sqrt(s), m_min, m_max)  # clip only guards rounding


def sample_power_law_mass(exponent, size, rng, *, m_min, m_max):
    """Masses with density ``m^-exponent`` on ``[m_min, m_max]`` (exponent != 1)."""
    if exponent == 1:
        raise ValueError("exponent 1 (dN/dm ~ 1/m) is not supported; use a log-uniform draw")
    k = 1.0 - exponent
    lo, hi = m_min**k, m_max**k
    return np.clip((lo + rng.uniform(0.0, 1.0, size) * (hi - lo)) ** (1.0 / k), m_min, m_max)


def sample_pt_power_law(p0, n, size, rng):
    """Transverse momenta from ``dN/dpT ~ pT (1 + (pT/p0)^2)^-n`` (``n > 1``).

    In ``x = pT^2`` the density is ``(1 + x/p0^2)^-n``, so the CDF is
    ``1 - (1 + pT^2/p0^2)^(1-n)`` and
    ``pT = p0 sqrt((1 - u)^(1/(1-n)) - 1)``. The mean is
    ``p0 (n-1) sqrt(pi)/2 Gamma(n-3/2)/Gamma(n)`` for ``n > 3/2``
    (``= p0`` for ``n = 2.5``, ``0.785 p0`` for ``n = 3``).
    """
    if n <= 1:
        raise ValueError(f"the pT power n must be > 1, got {n}")
    # 1 - u lies in (0, 1]: pT is finite.
    v = 1.0 - rng.uniform(0.0, 1.0, size)
    return p0 * np.sqrt(np.expm1(np.log(v) / (1.0 - n)))


def sample_truncated_normal(sigma, limit, size, rng, *, mean=0.0):
    """Normal(mean, sigma) truncated to ``|x - mean| < limit``.

    Exact: values outside are redrawn until none is left (fast unless
    ``limit`` is much smaller than ``sigma``).
    """
    x = rng.standard_normal(size)
    bad = np.flatnonzero(np.abs(x) >= limit / sigma)
    while bad.size:
        x[bad] = rng.standard_normal(bad.size)
        bad = bad[np.abs(x[bad]) >= limit / sigma]
    return mean + sigma * x
