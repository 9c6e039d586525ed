"""Planar geometry shared by the synthetic lifter (truth) and the hinge checks (measurement): pure numpy."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

G = 9.81  # m/s², standard gravity: the synthetic bar's free fall and the measured propulsive phase and drops


@dataclass(frozen=True)
class LegGirth:
    """The near leg's half-thicknesses across its axis (m), measured from its outline (vision.body), for the hinge's
    leg front: the shank's, and the thigh's with where along the thigh it was measured (0 the knee, 1 the hip: the
    thigh tapers). None where not measured."""

    shank: float | None = None
    thigh: float | None = None
    thigh_at: float | None = None


def capsule_front(p0: np.ndarray, p1: np.ndarray, radii: np.ndarray, y: np.ndarray, inflate=0.0) -> np.ndarray:
    """Front-most X of the union of planar capsules (radius + inflate) at height y; -inf where none reaches y.

    p0, p1: (..., K, 2); radii (K,); y (...,); inflate scalar or (...,). Exact (end circles + the side line).
    """
    y = np.asarray(y, float)[..., None]
    r = radii + (np.asarray(inflate, float)[..., None] if np.ndim(inflate) else inflate)
    best = np.full(np.broadcast_shapes(p0.shape[:-1], y.shape), -np.inf)
    for c in (p0, p1):
        h2 = r**2 - (y - c[..., 1]) ** 2
        best = np.maximum(best, np.where(h2 >= 0, c[..., 0] + np.sqrt(np.clip(h2, 0, None)), -np.inf))
    d = p1 - p0
    length = np.linalg.norm(d, axis=-1)
    ok = length > 1e-12
    u = d / np.where(ok, length, 1.0)[..., None]
    flip = u[..., 1] < 0
    u = np.where(flip[..., None], -u, u)
    base = np.where(flip[..., None], p1, p0)
    nrm = np.stack([u[..., 1], -u[..., 0]], axis=-1)  # points to +X for an upward segment
    ok &= u[..., 1] > 1e-9
    s = (y - base[..., 1] - r * nrm[..., 1]) / np.where(ok, u[..., 1], 1.0)
    x_side = base[..., 0] + r * nrm[..., 0] + s * u[..., 0]
    ok &= (s >= 0) & (s <= length)
    best = np.maximum(best, np.where(ok, x_side, -np.inf))
    return best.max(axis=-1)


def cross3(a, b) -> np.ndarray:
    """Cross product of two 3-vectors (np.cross costs ~25x more on single vectors: it is called per frame)."""
    a0, a1, a2 = float(a[0]), float(a[1]), float(a[2])
    b0, b1, b2 = float(b[0]), float(b[1]), float(b[2])
    return np.array([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0])
