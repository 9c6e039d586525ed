"""Constant-acceleration Kalman filter for one 3D point, with variable dt, on top of filterpy.

State (9): [x, vx, ax, y, vy, ay, z, vz, az] — one (position, velocity, acceleration) block per camera axis
(RealSense camera frame: x right, y down, z forward, metres).

Process model: continuous white-noise JERK (the "continuous white noise" / Singer-limit model, Bar-Shalom
§6.2.3), discretised exactly for each step's dt. Unlike the piecewise (discrete) white-noise model its
covariance composes exactly over split steps — predict(dt1) then predict(dt2) equals predict(dt1 + dt2) —
so the estimate does not depend on the frame rate or on dropped frames, only on the device timestamps.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from filterpy.kalman import KalmanFilter

DIM_X = 9
DIM_Z = 3
_AXES = np.arange(3)
_P = 3 * _AXES  # each axis's position state (its velocity and acceleration follow)
_PP = np.ix_(_P, _P)  # the positions' covariance block

_EYE = np.eye(DIM_X)
_F_IDX = (np.concatenate([_P, _P, _P + 1]), np.concatenate([_P + 1, _P + 2, _P + 2]))  # the dt, dt²/2, dt entries
_B = np.arange(3)
_Q_IDX = (np.concatenate([3 * a + np.repeat(_B, 3) for a in _AXES]),  # each axis's 3x3 block, row-major
          np.concatenate([3 * a + np.tile(_B, 3) for a in _AXES]))

# z = H x: we measure the three positions.
H = np.zeros((DIM_Z, DIM_X))
H[0, 0] = H[1, 3] = H[2, 6] = 1.0


def chi2_3dof_cdf(x: float) -> float:
    """CDF of the chi-square distribution with 3 dof (closed form, no scipy):
    F(x) = erf(sqrt(x/2)) - sqrt(2x/pi) exp(-x/2)."""
    if x <= 0.0:
        return 0.0
    return math.erf(math.sqrt(x / 2.0)) - math.sqrt(2.0 * x / math.pi) * math.exp(-x / 2.0)


def chi2_3dof_ppf(p: float) -> float:
    """Quantile of chi-square(3): the squared-Mahalanobis gate that keeps a fraction p of good measurements."""
    if not 0.0 < p < 1.0:
        raise ValueError(f"gate probability must be in (0, 1), got {p}")
    lo, hi = 0.0, 200.0
    for _ in range(200):  # bisection; the CDF is monotonic
        mid = 0.5 * (lo + hi)
        if chi2_3dof_cdf(mid) < p:
            lo = mid
        else:
            hi = mid
    return 0.5 * (lo + hi)


def ca_transition(dt: float) -> np.ndarray:
    """F(dt) for the 9-state constant-acceleration model."""
    # p' = p + v dt + a dt²/2 ;  v' = v + a dt ;  a' = a   (per axis; states ordered p, v, a per axis)
    f = _EYE.copy()
    h = 0.5 * dt * dt
    f[_F_IDX] = (dt, dt, dt, h, h, h, dt, dt, dt)  # (one indexed write: this runs per tracker per frame)
    return f


def ca_process_noise(dt: float, q: float | np.ndarray) -> np.ndarray:
    """Q(dt) of continuous white-noise jerk with spectral density q (m²/s⁵), scalar or per axis (3,).

    Q = ∫₀^dt F(s) G q Gᵀ F(s)ᵀ ds with G = [0, 0, 1]ᵀ per axis:
        q · [[dt⁵/20, dt⁴/8, dt³/6],
             [dt⁴/8,  dt³/3, dt²/2],
             [dt³/6,  dt²/2, dt   ]]
    """
    d2, d3, d4, d5 = dt ** 2, dt ** 3, dt ** 4, dt ** 5
    block = (d5 / 20.0, d4 / 8.0, d3 / 6.0, d4 / 8.0, d3 / 3.0, d2 / 2.0, d3 / 6.0, d2 / 2.0, dt)
    out = np.zeros((DIM_X, DIM_X))  # block-diagonal, filled with one indexed write (per step)
    out[_Q_IDX] = np.multiply.outer(np.broadcast_to(np.asarray(q, float), (3,)), block).ravel()
    return out


def measurement_cov(z_m: float, fx: float, baseline_m: float = 0.050, subpixel: float = 0.08,
                    pixel_sigma: float = 0.5, fy: float | None = None, point: np.ndarray | None = None,
                    scale: float = 1.0, floor_m: float = 0.0) -> np.ndarray:
    """3x3 measurement covariance (camera coords, m²) of a stereo-depth point at depth z_m, single pixel.

    Axial (depth) σz = z² · subpixel / (fx · baseline)  — stereo depth error grows with z².
    Lateral σ ≈ z · pixel_sigma / fx                     — a pixel_sigma localisation error at depth z.
    With `point` (x, y, z) given, the depth error lies along the pixel's ray (x/z, y/z, 1) rather than the
    optical axis (a disparity error moves the point along its ray). `scale` multiplies the whole matrix:
    a plate centre fitted from N independent pixels can pass ~1/N (in practice more, errors correlate).
    `floor_m` adds an isotropic σ floor (e.g. model/detector error that averaging does not remove).
    """
    if z_m <= 0.0:
        raise ValueError(f"depth must be positive, got {z_m}")
    fy = fx if fy is None else fy
    sig_z = z_m * z_m * subpixel / (fx * baseline_m)
    sig_x = z_m * pixel_sigma / fx
    sig_y = z_m * pixel_sigma / fy
    if point is None:
        ray = np.array([0.0, 0.0, 1.0])
    else:
        p = np.asarray(point, float)
        ray = p / p[2]
    cov = np.diag([sig_x ** 2, sig_y ** 2, 0.0]) + sig_z ** 2 * np.outer(ray, ray)
    return scale * cov + floor_m ** 2 * np.eye(3)


@functools.lru_cache(maxsize=256)
def _transition_and_noise(dt: float, q: tuple[float, float, float]) -> tuple[np.ndarray, np.ndarray]:
    """(F, Q) for one dt, read-only: every tracker of a frame steps by the same dt (five per frame), and a steady
    stream repeats a few dt values; the smoother's history keeps references, never copies."""
    F, Q = ca_transition(dt), ca_process_noise(dt, np.array(q))
    F.setflags(write=False)
    Q.setflags(write=False)
    return F, Q


class ConstantAccelerationKF:
    """A filterpy KalmanFilter fixed to the 9-state CA model; F and Q come from each step's dt (one shared pair per dt).

    Thin on purpose: gating, coasting and track management live in PointTracker.
    """

    def __init__(self, q: float | np.ndarray, init_vel_sigma: float = 2.0, init_acc_sigma: float = 10.0):
        self.q = q
        self._q3 = tuple(float(v) for v in np.broadcast_to(np.asarray(q, float), (3,)))  # per axis (the cache's key)
        self.init_vel_sigma = init_vel_sigma
        self.init_acc_sigma = init_acc_sigma
        self.kf = KalmanFilter(dim_x=DIM_X, dim_z=DIM_Z)
        self.kf.H = H.copy()

    def initialise(self, z: np.ndarray, R: np.ndarray) -> None:
        """x = (z, 0, 0) per axis; P: R for position, a realistic bar-speed/acceleration prior otherwise."""
        x = np.zeros(DIM_X)
        x[0::3] = z
        P = np.zeros((DIM_X, DIM_X))
        P[np.ix_([0, 3, 6], [0, 3, 6])] = R
        P[[1, 4, 7], [1, 4, 7]] = self.init_vel_sigma ** 2
        P[[2, 5, 8], [2, 5, 8]] = self.init_acc_sigma ** 2
        self.kf.x = x
        self.kf.P = P

    @property
    def x(self) -> np.ndarray:
        return self.kf.x

    @property
    def P(self) -> np.ndarray:
        return self.kf.P

    def predict(self, dt: float, q_scale: float = 1.0) -> tuple[np.ndarray, np.ndarray]:
        """x⁻ = F x ; P⁻ = F P Fᵀ + Q. Returns the (F, Q) used (read-only: shared), which the RTS smoother needs."""
        q = self._q3 if q_scale == 1.0 else tuple(v * q_scale for v in self._q3)
        F, Q = _transition_and_noise(float(dt), q)
        self.kf.predict(F=F, Q=Q)
        return F, Q

    def mahalanobis2(self, z: np.ndarray, R: np.ndarray) -> float:
        """d² = yᵀ S⁻¹ y with y = z − H x⁻ and S = H P⁻ Hᵀ + R (against the current prior)."""
        y = z - self.kf.x[_P]  # (H x and H P Hᵀ: H selects the positions)
        S = self.kf.P[_PP] + R
        return float(y @ np.linalg.solve(S, y))

    def update(self, z: np.ndarray, R: np.ndarray) -> None:
        """K = P⁻Hᵀ S⁻¹ ; x = x⁻ + K y ; P = (I − KH) P⁻ (I − KH)ᵀ + K R Kᵀ (filterpy's Joseph form)."""
        self.kf.update(np.asarray(z, float), R=R)
