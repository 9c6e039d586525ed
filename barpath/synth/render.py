"""Exact, vectorised ray casting of the synthetic scene into a depth image (and a label image).

Rays are cast in CAMERA coordinates (RealSense: x right, y down, z forward) from the optical centre with
direction d = (a, b, 1), a = (u - ppx) / fx, b = (v - ppy) / fy. With that (unnormalised) direction the ray
parameter of a hit IS its depth (camera z), which is what a depth camera reports.

Because a depends only on the column and b only on the row, every per-pixel quantity that is linear in d is an
outer sum of a row vector and a column vector; the renderer exploits that, works in float32, renders the static
background (planes, boxes, ...) once per renderer and per frame only ray-casts each dynamic primitive inside its
projected screen-space bounding box, z-buffered against the background.
"""

from __future__ import annotations

import math

import numpy as np

from barpath.sources.frame import Intrinsics
from barpath.synth.camera import CameraPose
from barpath.synth.primitives import Box, Capsule, Cylinder, Ellipsoid, Plane, Primitive

# Fixed label codes of the label image (0 = nothing hit). Unknown label strings map to "other".
LABELS: dict[str, int] = {
    "floor": 1,
    "wall": 2,
    "rack": 3,
    "body": 4,
    "bar": 5,
    "plate": 6,
    "person2": 7,
    "other": 8,
    "bench": 9,
    "clutter": 10,
}
LABEL_NAMES: dict[int, str] = {code: name for name, code in LABELS.items()}
LABEL_NAMES[0] = "nothing"

_INF = np.float32(np.inf)
_CHUNK = 16384  # max pixels per vectorised block
_NEAR = 1e-3  # metres: hits closer than this (camera inside/at a surface) are ignored


def label_code(label: str) -> int:
    """The label image code of a primitive's label string."""
    return LABELS.get(label, LABELS["other"])


class DepthRenderer:
    """Renders depth (metres, float32, 0 = nothing within range) and labels (uint8) seen by one camera pose."""

    def __init__(self, pose: CameraPose, intrinsics: Intrinsics, static: list[Primitive],
                 max_range_m: float = 10.0):
        self.pose = pose
        self.intrinsics = intrinsics
        self.max_range_m = float(max_range_m)
        r, t = pose.world_from_camera()
        self._r = np.asarray(r, float)  # world = R @ cam + t
        self._t = np.asarray(t, float)
        w, h = intrinsics.width, intrinsics.height
        self.width, self.height = w, h
        # Ray direction components: a per column (row vector), b per row (column vector).
        self._a = ((np.arange(w) - intrinsics.ppx) / intrinsics.fx).astype(np.float32)[None, :]
        self._b = ((np.arange(h) - intrinsics.ppy) / intrinsics.fy).astype(np.float32)[:, None]
        self._a2 = self._a * self._a
        self._b2 = self._b * self._b
        self._dd = (self._b2 + (self._a2 + np.float32(1.0))).astype(np.float32)  # |d|^2, (H, W)
        self._ab = (self._b * self._a).astype(np.float32)  # a*b, (H, W)
        self._bg_depth = np.zeros((h, w), np.float32)
        self._bg_label = np.zeros((h, w), np.uint8)
        self.static = list(static)
        for prim in self.static:
            self._draw(prim, self._bg_depth, self._bg_label)

    # ------------------------------------------------------------------ public API

    @property
    def background(self) -> tuple[np.ndarray, np.ndarray]:
        """The pre-rendered static background (depth, labels); do not modify."""
        return self._bg_depth, self._bg_label

    def render(self, dynamic: list[Primitive], out: tuple[np.ndarray, np.ndarray] | None = None
               ) -> tuple[np.ndarray, np.ndarray]:
        """Depth (H, W) float32 metres (0 = no hit within max range) and labels (H, W) uint8 (see LABELS).

        out: optional (depth, labels) arrays to render into (saves allocating/page-faulting two images a frame).
        """
        if out is None:
            depth = self._bg_depth.copy()
            labels = self._bg_label.copy()
        else:
            depth, labels = out
            np.copyto(depth, self._bg_depth)
            np.copyto(labels, self._bg_label)
        for prim in dynamic:
            self._draw(prim, depth, labels)
        return depth, labels

    # ------------------------------------------------------------------ helpers

    def _cam(self, p: np.ndarray) -> np.ndarray:
        """World point -> camera coordinates (float64, (3,))."""
        return (np.asarray(p, float) - self._t) @ self._r

    def _cam_dir(self, v: np.ndarray) -> np.ndarray:
        return np.asarray(v, float) @ self._r

    def _sphere_bounds(self, spheres: list[tuple[np.ndarray, float]]):
        """Pixel box (v0, v1, u0, u1) (half-open) covering the convex hull of camera-frame spheres.

        Returns None when nothing can be visible, the full frame when the hull reaches behind the camera.
        """
        w, h = self.width, self.height
        if all(c[2] + r <= _NEAR for c, r in spheres):
            return None  # entirely behind the camera
        if all(c[2] - r > self.max_range_m for c, r in spheres):
            return None  # entirely beyond range
        if any(c[2] - r <= _NEAR for c, r in spheres):
            return 0, h, 0, w  # crosses the camera plane: unbounded projection, cast the whole frame
        k = self.intrinsics
        umin = vmin = math.inf
        umax = vmax = -math.inf
        for c, r in spheres:
            cx, cy, cz = float(c[0]), float(c[1]), float(c[2])
            for comp, f, pp, is_u in ((cx, k.fx, k.ppx, True), (cy, k.fy, k.ppy, False)):
                dist = math.hypot(comp, cz)
                theta = math.atan2(comp, cz)
                phi = math.asin(min(1.0, r / dist))
                lo = f * math.tan(theta - phi) + pp
                hi = f * math.tan(theta + phi) + pp
                if is_u:
                    umin, umax = min(umin, lo), max(umax, hi)
                else:
                    vmin, vmax = min(vmin, lo), max(vmax, hi)
        u0 = max(0, int(math.floor(umin)))
        u1 = min(w, int(math.ceil(umax)) + 1)
        v0 = max(0, int(math.floor(vmin)))
        v1 = min(h, int(math.ceil(vmax)) + 1)
        if u0 >= u1 or v0 >= v1:
            return None
        return v0, v1, u0, u1

    def _draw(self, prim: Primitive, depth: np.ndarray, labels: np.ndarray) -> None:
        if isinstance(prim, Capsule):
            p0, p1 = self._cam(prim.p0), self._cam(prim.p1)
            box = self._sphere_bounds([(p0, prim.radius), (p1, prim.radius)])
            fn = lambda a, b, dd, ab, a2, b2: _hit_capsule(a, b, dd, p0, p1, float(prim.radius))  # noqa: E731
        elif isinstance(prim, Ellipsoid):
            c = self._cam(prim.center)
            axes = self._r.T @ np.asarray(prim.axes, float)  # columns: axes in camera frame
            radii = np.asarray(prim.radii, float)
            box = self._sphere_bounds([(c, float(radii.max()))])
            fn = lambda a, b, dd, ab, a2, b2: _hit_ellipsoid(a, b, ab, a2, b2, c, axes, radii)  # noqa: E731
        elif isinstance(prim, Cylinder):
            c = self._cam(prim.center)
            u = self._cam_dir(prim.axis)
            u = u / np.linalg.norm(u)
            hl, rad = float(prim.half_length), float(prim.radius)
            box = self._sphere_bounds([(c - hl * u, rad), (c + hl * u, rad)])
            fn = lambda a, b, dd, ab, a2, b2: _hit_cylinder(a, b, dd, c, u, rad, hl)  # noqa: E731
        elif isinstance(prim, Box):
            lo, hi = np.asarray(prim.lo, float), np.asarray(prim.hi, float)
            corners = np.array([[x, y, z] for x in (lo[0], hi[0]) for y in (lo[1], hi[1]) for z in (lo[2], hi[2])])
            cc = self._cam(corners)
            box = self._box_bounds(cc)
            fn = lambda a, b, dd, ab, a2, b2: _hit_box(a, b, self._r, self._t, lo, hi)  # noqa: E731
        elif isinstance(prim, Plane):
            box = (0, self.height, 0, self.width)
            fn = lambda a, b, dd, ab, a2, b2: _hit_plane(a, b, self._r, self._t, prim.normal,  # noqa: E731
                                                         float(prim.offset))
        else:
            raise TypeError(f"unknown primitive {type(prim).__name__}")
        if box is None:
            return
        v0, v1, u0, u1 = box
        code = np.uint8(label_code(prim.label))
        a = self._a[:, u0:u1]
        a2 = self._a2[:, u0:u1]
        # Row bands of <= _CHUNK pixels: temporaries stay small (cache-resident, no page faults).
        step = max(1, _CHUNK // (u1 - u0))
        for r0 in range(v0, v1, step):
            r1 = min(v1, r0 + step)
            t = fn(a, self._b[r0:r1], self._dd[r0:r1, u0:u1], self._ab[r0:r1, u0:u1], a2, self._b2[r0:r1])
            t = np.asarray(t, np.float32)
            if t.shape != (r1 - r0, u1 - u0):
                t = np.broadcast_to(t, (r1 - r0, u1 - u0))
            d = depth[r0:r1, u0:u1]
            cur = np.where(d > 0, d, _INF)
            m = (t < cur) & (t <= self.max_range_m)
            np.copyto(d, t, where=m)
            np.copyto(labels[r0:r1, u0:u1], code, where=m)

    def _box_bounds(self, corners_cam: np.ndarray):
        w, h = self.width, self.height
        z = corners_cam[:, 2]
        if np.all(z <= _NEAR):
            return None
        if np.all(z > self.max_range_m):
            return None
        if np.any(z <= _NEAR):
            return 0, h, 0, w
        uv = self.intrinsics.project(corners_cam)
        u0 = max(0, int(math.floor(uv[:, 0].min())))
        u1 = min(w, int(math.ceil(uv[:, 0].max())) + 1)
        v0 = max(0, int(math.floor(uv[:, 1].min())))
        v1 = min(h, int(math.ceil(uv[:, 1].max())) + 1)
        if u0 >= u1 or v0 >= v1:
            return None
        return v0, v1, u0, u1


# ---------------------------------------------------------------------- intersections
# All take a (1, w) and b (h, 1) float32 and camera-frame geometry; return the entry depth t (h, w) float32,
# +inf where the ray misses (or the hit is behind / at the camera). Scalars are Python floats so that numpy
# keeps float32 arithmetic.


def _lin(a: np.ndarray, b: np.ndarray, v: np.ndarray) -> np.ndarray:
    """d . v = a*v0 + b*v1 + v2 as an (h, w) array."""
    return (a * float(v[0]) + float(v[2])) + b * float(v[1])


def _sphere_t(dd: np.ndarray, dc: np.ndarray, cc_r2: float) -> np.ndarray:
    """Entry depth of rays with |d|^2 = dd, d.c = dc into a sphere with |c|^2 - r^2 = cc_r2 (origin outside)."""
    h = dc * dc - dd * cc_r2
    s = np.sqrt(np.maximum(h, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = cc_r2 / (dc + s)  # = (dc - s) / dd, numerically stable
    return np.where((h >= 0) & (t > _NEAR), t, _INF)


def _hit_capsule(a, b, dd, p0, p1, r):
    ax = p1 - p0
    length = float(np.linalg.norm(ax))
    r2 = r * r
    dp0 = _lin(a, b, p0)
    t_best = _sphere_t(dd, dp0, float(p0 @ p0) - r2)
    if length < 1e-9:
        return t_best
    u = ax / length
    du = _lin(a, b, u)
    p0u = float(p0 @ u)
    # Infinite cylinder around the axis: |t d - p0|^2 - (t du - p0u)^2 = r^2.
    A = dd - du * du
    B = dp0 - du * p0u
    C = float(p0 @ p0) - p0u * p0u - r2
    h = B * B - A * C
    s = np.sqrt(np.maximum(h, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_body = C / (B + s)
    axial = t_body * du - p0u
    ok = (h >= 0) & (t_body > _NEAR) & (axial >= 0) & (axial <= length)
    t_body = np.where(ok, t_body, _INF)
    dp1 = _lin(a, b, p1)
    t1 = _sphere_t(dd, dp1, float(p1 @ p1) - r2)
    return np.minimum(np.minimum(t_best, t1), t_body)


def _hit_ellipsoid(a, b, ab, a2, b2, c, axes, radii):
    m = (axes / radii[None, :]).T  # m @ x maps the ellipsoid (centred) to the unit sphere
    q = m.T @ m
    o = m @ (-c)  # ray origin in unit-sphere space
    g = m.T @ o  # half linear coefficient: (o'.d') = g . d
    # |M d|^2 = d^T Q d, d = (a, b, 1)
    row = a2 * float(q[0, 0]) + a * float(2 * q[0, 2])
    col = b2 * float(q[1, 1]) + b * float(2 * q[1, 2]) + float(q[2, 2])
    qa = (row + col) + ab * float(2 * q[0, 1])
    hb = _lin(a, b, g)  # half b
    c0 = float(o @ o) - 1.0
    h = hb * hb - qa * c0
    s = np.sqrt(np.maximum(h, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t = c0 / (s - hb)
    return np.where((h >= 0) & (t > _NEAR), t, _INF)


def _hit_cylinder(a, b, dd, c, u, r, hl):
    du = _lin(a, b, u)
    dc = _lin(a, b, c)
    cu = float(c @ u)
    cc = float(c @ c)
    A = dd - du * du
    B = dc - du * cu
    C = cc - cu * cu - r * r
    h = B * B - A * C
    s = np.sqrt(np.maximum(h, 0.0))
    with np.errstate(divide="ignore", invalid="ignore"):
        t_side = C / (B + s)
        axial = t_side * du - cu
        ok = (h >= 0) & (t_side > _NEAR) & (np.abs(axial) <= hl)
        t_side = np.where(ok, t_side, _INF)
        # The one cap whose outward normal faces the camera (the other can only be an exit).
        k = 1.0 if -cu > 0 else -1.0  # axis coordinate of the camera (origin) relative to c is -cu
        if abs(cu) <= hl:
            return t_side  # camera between the cap planes: no cap entry possible
        t_cap = (cu + k * hl) / du
        rad2 = t_cap * t_cap * dd - 2.0 * t_cap * dc + (cc - hl * hl)
        ok = (t_cap > _NEAR) & (rad2 <= r * r)
    return np.minimum(t_side, np.where(ok, t_cap, _INF))


def _hit_box(a, b, rot, tr, lo, hi):
    """Axis-aligned (world) box by the slab method; world ray = tr + t * (rot @ d)."""
    tmin = None
    tmax = None
    with np.errstate(divide="ignore", invalid="ignore"):
        for k in range(3):
            dk = _lin(a, b, rot[k])  # world component k of the direction
            inv = 1.0 / dk
            t1 = (float(lo[k]) - float(tr[k])) * inv
            t2 = (float(hi[k]) - float(tr[k])) * inv
            near = np.minimum(t1, t2)
            far = np.maximum(t1, t2)
            # dk == 0: inside the slab -> (-inf, inf); outside -> nan/inf combos: handle explicitly
            if np.any(dk == 0):
                inside = (float(lo[k]) <= float(tr[k]) <= float(hi[k]))
                near = np.where(dk == 0, -_INF if inside else _INF, near)
                far = np.where(dk == 0, _INF if inside else -_INF, far)
            tmin = near if tmin is None else np.maximum(tmin, near)
            tmax = far if tmax is None else np.minimum(tmax, far)
    ok = (tmax >= tmin) & (tmin > _NEAR)
    return np.where(ok, tmin, _INF)


def _hit_plane(a, b, rot, tr, normal, offset):
    n = np.asarray(normal, float)
    n = n / np.linalg.norm(n)
    nd = _lin(a, b, rot.T @ n)  # n . (R d)
    dist = offset - float(n @ tr)  # < 0 when the camera is on the free side
    with np.errstate(divide="ignore", invalid="ignore"):
        t = dist / nd
    return np.where((t > _NEAR) & np.isfinite(t), t, _INF)
