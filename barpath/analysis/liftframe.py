"""The lift frame: camera coordinates -> (forward, up, lateral) of the lifter.

Camera coordinates are RealSense's (x right, y down, z forward, metres). The lift frame is right-handed:
forward = the lifter's forward direction (from the hips toward the bar, horizontal, perpendicular to the bar),
up = against gravity, lateral = forward x up (the lifter's left). Sagittal-plane quantities use (forward, up).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from barpath.geometry import cross3


def _unit(v) -> np.ndarray:
    v = np.asarray(v, float)
    n = np.linalg.norm(v)
    if not np.isfinite(n) or n < 1e-12:
        raise ValueError("zero or non-finite vector")
    return v / n


@dataclass(frozen=True)
class LiftFrame:
    """up, forward: unit vectors in camera coordinates; origin: a point in camera coordinates (m).
    `forward` is re-orthogonalised against `up` on construction."""

    up: np.ndarray
    forward: np.ndarray
    origin: np.ndarray = field(default_factory=lambda: np.zeros(3))
    source: str = "auto"  # "auto" | "calibration"

    def __post_init__(self):
        if self.source not in ("auto", "calibration"):
            raise ValueError("source must be 'auto' or 'calibration'")
        up = _unit(self.up)
        f = np.asarray(self.forward, float)
        f = _unit(f - np.dot(f, up) * up)
        object.__setattr__(self, "up", up)
        object.__setattr__(self, "forward", f)
        object.__setattr__(self, "origin", np.asarray(self.origin, float).reshape(3))
        # rows forward, up, lateral: fixed once built (the frame is frozen), and used on every point of every frame
        rot = np.stack([f, up, cross3(f, up)])
        rot.setflags(write=False)
        object.__setattr__(self, "_rotation", rot)

    @property
    def lateral(self) -> np.ndarray:
        return self._rotation[2].copy()

    @property
    def rotation(self) -> np.ndarray:
        """(3, 3) matrix whose rows are forward, up, lateral: lift = R @ (cam - origin)."""
        return self._rotation

    def to_lift(self, points_cam) -> np.ndarray:
        """Points (..., 3) in camera coordinates -> (..., 3) (forward, up, lateral) in metres. NaN stays NaN."""
        return (np.asarray(points_cam, float) - self.origin) @ self.rotation.T

    def vectors_to_lift(self, vectors_cam) -> np.ndarray:
        """Free vectors (velocities) (..., 3): rotation only."""
        return np.asarray(vectors_cam, float) @ self.rotation.T

    def to_camera(self, points_lift) -> np.ndarray:
        return np.asarray(points_lift, float) @ self.rotation + self.origin


def _median_point(p) -> np.ndarray:
    p = np.asarray(p, float)
    if p.ndim == 1:
        return p
    ok = np.all(np.isfinite(p), axis=-1)
    if not ok.any():
        raise ValueError("no finite samples")
    return np.median(p[ok], axis=0)


def estimate_forward(bar_axis_or_plate_normal, up, bar, hip) -> np.ndarray:
    """Lifter's forward direction (unit, camera coords): horizontal (perpendicular to `up`), perpendicular to the
    bar axis, signed so that it points from the hip toward the bar. bar, hip: (3,) points or (N, 3) tracks (NaN
    allowed; the median of the frames where both are finite is used)."""
    up = _unit(up)
    axis = np.asarray(bar_axis_or_plate_normal, float)
    axis = _unit(axis - np.dot(axis, up) * up)
    f = _unit(np.cross(axis, up))
    bar, hip = np.asarray(bar, float), np.asarray(hip, float)
    if bar.ndim == 2 and hip.ndim == 2:
        ok = np.all(np.isfinite(bar), axis=1) & np.all(np.isfinite(hip), axis=1)
        if not ok.any():
            raise ValueError("no frame with both bar and hip")
        d = np.median(bar[ok] - hip[ok], axis=0)
    else:
        d = _median_point(bar) - _median_point(hip)
    s = np.dot(d, f)
    if abs(s) < 1e-9:
        raise ValueError("bar and hip coincide along the forward axis: sign undetermined")
    return f if s > 0 else -f
