"""The plane the bar moves in: the near plate's face stays at one offset along the bar's axis, so its centre is placed
on that plane, learnt over the last second, instead of on each frame's own fit of the face's depth.

Why: the plate's centre comes from its rim in the image (precise) and the depth of its fitted face (noisy: the stereo
error grows with z², and a far plate's face holds few pixels). A face-depth error δ moves the centre along its ray
by δ / (a·r) (a: the bar's axis, r: the ray to the centre), and so up by δ (r·up) / (a·r): with the camera 0.8 m above
the plate at 3.5 m, a fifth of δ. A lifter moves the bar in the sagittal plane (a deadlift, a row, an RDL: the bar's
own axis is the one direction it does not travel), so its offset along the axis is one number per second or more,
and its median over the last second removes that error. Measured on deadlift_far_drops (424x240, 3.5 m): the plate
centre's vertical noise 5.1 -> 3.9 mm (what is left is the rim's), the smoothed bar's vertical velocity RMSE in the
pulls 0.022 -> 0.018 m/s.
"""

from __future__ import annotations

import math
from collections import deque

import numpy as np

from barpath.vision.plate import PlateFit

WINDOW_S = 1.0  # the offset is the median of the fits of the last second (a bar shifted along its axis is followed
# within about half of it)
MIN_FITS = 5  # fewer fits in the window: the frame's own fit stands
AXIAL_SLACK_M = 0.002  # the bar's own sway along its axis within the window (σ, m): a lifter's hands are not a rail
REFRESH_S = 0.1  # the plane is re-learnt this often (placing a centre costs a few µs, learning the plane ~40)
MIN_RAY_COS = 0.3  # a plate seen this obliquely (ray ⟂ axis within 17°): moving along the ray would amplify any offset


class BarPlane:
    """place(fit, t) -> (centre, covariance) on the bar's sagittal plane; reset() when the plate followed changes."""

    def __init__(self, window_s: float = WINDOW_S):
        self.window_s = window_s
        self._fits: deque[tuple[float, np.ndarray, np.ndarray]] = deque()  # (t, centre, normal) of own-rim fits
        self.reset()

    def reset(self) -> None:
        self._fits.clear()
        self._plane: tuple[tuple, list, float, float] | None = None  # (axis, I - axis axisᵀ, offset, σ²) as floats
        self._plane_t = -np.inf

    def _learn(self, t_s: float) -> None:
        """The plane from the window's fits: the axis their mean normal, the offset along it their median."""
        self._plane_t = t_s
        while self._fits and t_s - self._fits[0][0] > self.window_s:
            self._fits.popleft()
        k = len(self._fits)
        if k < MIN_FITS:
            self._plane = None
            return
        a = np.sum([f[2] for f in self._fits], axis=0)  # the fits' normals all point toward the camera: their mean
        a /= np.sqrt(a @ a)
        d = np.array([f[1] for f in self._fits]) @ a
        dev = np.partition(d, k // 2)
        d_ref = float(dev[k // 2])  # the median (the upper one of an even count)
        np.abs(dev - d_ref, out=dev)
        mad = float(np.partition(dev, k // 2)[k // 2])
        # the offset's own error: the robust σ of the window's offsets / √n, with the bar's sway
        self._plane = (tuple(a.tolist()), (np.eye(3) - np.outer(a, a)).tolist(), d_ref,
                       (1.4826 * mad) ** 2 / k + AXIAL_SLACK_M ** 2)

    def place(self, fit: PlateFit, t_s: float) -> tuple[np.ndarray, np.ndarray]:
        c = fit.center
        if self._fits and t_s < self._fits[-1][0]:  # time went back (a replay restarted)
            self.reset()
        if not fit.side_used:  # a fit from the stack's side silhouette has no own face depth to learn from
            self._fits.append((t_s, c, fit.normal))
        if t_s - self._plane_t >= REFRESH_S or (self._plane is None and len(self._fits) >= MIN_FITS):
            self._learn(t_s)
        if self._plane is None:
            return c, fit.cov
        # (3-vector arithmetic on floats: numpy's per-call overhead made this 4x slower, at every frame)
        a, across, d_ref, sig_ref2 = self._plane
        cx, cy, cz = c.tolist()
        ac = a[0] * cx + a[1] * cy + a[2] * cz
        if abs(ac) < MIN_RAY_COS * math.sqrt(cx * cx + cy * cy + cz * cz):  # a·r, r the centre's ray
            return c, fit.cov
        # the point of the centre's ray at the plane's offset: s r with a·(s r) = d_ref
        placed = c * (d_ref / ac)
        # Covariance: in the plane as the rim gave it (the fit's in-plane σ²: its trace less the normal's share, over
        # the plane's two axes); along the ray, the offset's error stretched by 1 / (a·r), the ray's slant to the axis:
        # lat² (I - a aᵀ) + σ² m mᵀ with m = r / (a·r) = c / (a·c).
        (c00, c01, c02), (c10, c11, c12), (c20, c21, c22) = fit.cov.tolist()
        nx, ny, nz = fit.normal.tolist()
        ncn = nx * (c00 * nx + c01 * ny + c02 * nz) + ny * (c10 * nx + c11 * ny + c12 * nz) + \
            nz * (c20 * nx + c21 * ny + c22 * nz)
        lat2 = max((c00 + c11 + c22 - ncn) / 2.0, 0.0)
        m = (cx / ac, cy / ac, cz / ac)
        cov = [[lat2 * across[i][j] + sig_ref2 * m[i] * m[j] for j in range(3)] for i in range(3)]
        return placed, np.array(cov)
