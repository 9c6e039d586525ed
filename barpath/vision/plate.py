"""The near bumper plate as a disc in the depth image: 3-D centre of its outer face, face normal (= bar axis),
diameter, quality and a measurement covariance. Pure numpy + cv2; no labels, no colour.

Two stages:
- acquisition (`find_plate_candidates`): a decimated image (~212 px wide) is split into smooth regions
  (connected components of valid pixels with no depth jump to a 4-neighbour, the floor removed when a floor
  plane is known); each region's inscribed circle (distance transform maximum) is compared with the disc a
  plate of the expected diameter would make at that region's depth.
- refinement (`refine_plate`): full resolution inside a window around the candidate. A robust plane is fitted
  to the face pixels (the sleeve, hands and legs are off that plane), then the rim: face pixels whose
  neighbour outside the face is invalid or much farther (a true occluding edge, not a nearer occluder like the
  sleeve) are intersected, as rays, with the fitted plane — so their in-plane positions carry no depth noise —
  and a circle is fitted to them robustly (Tukey IRLS) in the plane.

`PlateDetector` keeps the last fit and searches only a window around it; it re-acquires from scratch when the
window fit fails.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field

import cv2
import numpy as np

from barpath.geometry import cross3
from barpath.sources.frame import Intrinsics
from barpath.vision.robust import median

SUBPIXEL = 0.08  # D4xx disparity RMS error (px)
DEFAULT_BASELINE_M = 0.050  # D435 (the noisier case; a D455 is 0.095)
COARSE_WIDTH = 212  # target width of the decimated acquisition image
NEARER_CANDIDATES = 2  # acquisition candidates beyond the best few that are taken for being nearer than all of them
NOISE_CORR_AREA = 28.0  # ≈ 4π σc² pixels per independent depth sample (σc ≈ 1.5 px correlation)
MAX_BAR_TILT_SIN = 0.09  # sin 5°: a bar tilted more than this in one plate fit is taken as level
HOLE_MAX_SAMPLES = 4  # invalid runs up to this many samples long with face beyond are holes in the face, not its edge


def depth_sigma(z, fx: float, baseline_m: float = DEFAULT_BASELINE_M):
    """Per-pixel stereo depth RMS error (m) at depth z."""
    return np.asarray(z, float) ** 2 * SUBPIXEL / (fx * baseline_m)


@dataclass
class PlateFit:
    """One plate measurement (camera coordinates, metres)."""

    center: np.ndarray  # (3,) centre of the outer face (on the bar axis)
    normal: np.ndarray  # (3,) unit face normal, pointing toward the camera (= bar axis direction)
    diameter_m: float  # free-radius fit when the rim arc is ≥ 240°, else the radius prior (radius_fixed)
    cov: np.ndarray  # (3, 3) measurement covariance of `center`
    quality: float  # 0..1 (face coverage × rim support × fit residuals)
    rim_rms_m: float  # RMS in-plane distance of rim inliers to the circle
    plane_rms_m: float  # robust σ (1.4826 MAD) of face-pixel depth residuals to the plane
    n_face: int  # face pixels used (at the sampling stride)
    n_rim: int  # rim inliers
    arc_deg: float  # angular coverage of the rim inliers
    radius_fixed: bool  # no diameter measurement this frame (short arc): diameter_m is the prior
    pixel: np.ndarray = field(default_factory=lambda: np.zeros(2))  # (u, v) of the centre
    radius_px: float = 0.0  # approximate image radius (vertical semi-axis)
    face_mask: tuple | None = None  # (v0, u0, stride, bool mask) of face pixels in the window (for drawing)
    rim_uv: np.ndarray | None = None  # (N, 3) rim points u, v, Tukey weight (for drawing)
    side_used: bool = False  # the stack side's silhouette had to be kept in the rim (too little face rim left)
    normal_sd: float = 0.0  # rad: the face normal's error estimate (from the plane residuals and face size)
    edge_gap_px: float | None = None  # pixels: the rim against invalid pixels inside the rim against background


# ----------------------------------------------------------------------------------------------- helpers
def _plane_basis(n: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    a = np.array([0.0, 1.0, 0.0]) if abs(n[1]) < 0.9 else np.array([1.0, 0.0, 0.0])
    e1 = cross3(a, n)
    e1 /= np.linalg.norm(e1)
    e2 = cross3(n, e1)
    return e1, e2


def _plane_scatter(x: np.ndarray, y: np.ndarray, z: np.ndarray, w: np.ndarray | None = None
                   ) -> tuple[np.ndarray, np.ndarray]:
    """(weighted centroid, 3x3 weighted scatter about it) of the points (x, y, z) (three (N,) arrays: as columns of
    one (N, 3) array each operation ran ~5x slower at these sizes)."""
    if w is None:
        cx, cy, cz = float(x.mean()), float(y.mean()), float(z.mean())
        dx, dy, dz = x - cx, y - cy, z - cz
        wx, wy, wz = dx, dy, dz
    else:
        sw = float(w.sum())
        cx, cy, cz = float(w @ x) / sw, float(w @ y) / sw, float(w @ z) / sw
        dx, dy, dz = x - cx, y - cy, z - cz
        wx, wy, wz = w * dx, w * dy, w * dz
    sxx, sxy, sxz = float(wx @ dx), float(wx @ dy), float(wx @ dz)
    syy, syz, szz = float(wy @ dy), float(wy @ dz), float(wz @ dz)
    return np.array([cx, cy, cz]), np.array([[sxx, sxy, sxz], [sxy, syy, syz], [sxz, syz, szz]])


def _plane_normal(c: np.ndarray, m: np.ndarray, perp_basis: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """Total-least-squares normal of the plane through c with scatter m, pointing toward the camera (n·c < 0).
    perp_basis: constrain the normal to the plane these two unit vectors span (_plane_basis(up): a vertical plane)."""
    if perp_basis is None:
        n = np.linalg.eigh(m)[1][:, 0]
    else:  # smallest eigenvector of the scatter restricted to that plane: 2x2, in closed form
        e1, e2 = perp_basis
        me2 = m @ e2
        a, b, d = float(e1 @ m @ e1), float(e1 @ me2), float(e2 @ me2)
        lam = 0.5 * (a + d) - math.hypot(0.5 * (a - d), b)  # the smaller eigenvalue of [[a, b], [b, d]]
        # (A - lam I) v = 0: either row gives v; the longer of the two is the well-conditioned one
        v1, v2 = (b, lam - a), (lam - d, b)
        v = v1 if v1[0] ** 2 + v1[1] ** 2 >= v2[0] ** 2 + v2[1] ** 2 else v2
        n = v[0] * e1 + v[1] * e2
        nn = float(np.linalg.norm(n))
        n = n / nn if nn > 0 else e1
    return -n if n @ c > 0 else n


def _fit_circle(xy: np.ndarray, r_prior: float, fix_radius: bool, init: np.ndarray | None = None,
                n_iter: int = 8, scale: float = 0.01) -> tuple[np.ndarray, float, np.ndarray]:
    """Robust geometric circle fit: Gauss-Newton with Tukey weights whose cut-off shrinks from 0.3 R to a few
    sample sizes (graduated: tolerant of a bad start and of many outliers, e.g. an occluder's edge).
    Returns (centre (2,), radius, weights)."""
    if init is None:
        a = np.column_stack([xy, np.ones(len(xy))])
        b = (xy ** 2).sum(axis=1)
        sol, *_ = np.linalg.lstsq(a, b, rcond=None)
        c = sol[:2] / 2.0
        r = float(np.sqrt(max(sol[2] + c @ c, 1e-12)))
    else:
        c = np.asarray(init, float).copy()
        r = r_prior
    if fix_radius:
        r = r_prior
    k_min = max(2.5 * scale, 0.004)
    x, y = np.ascontiguousarray(xy[:, 0]), np.ascontiguousarray(xy[:, 1])
    w = np.ones(len(xy))
    k = 0.3 * r_prior
    cx, cy = float(c[0]), float(c[1])  # (Python floats: this loop is call overhead, not arithmetic)
    for it in range(n_iter + 6):
        dx, dy = x - cx, y - cy
        dist = dx * dx
        dist += dy * dy
        np.sqrt(dist, out=dist)  # (np.hypot: 1.4x the time at ~300 float64 points)
        dist += 1e-12
        res = dist - r
        # Tukey: w = (1 - q²)² inside |q| < 1, else 0 (q = res / k), in place
        w = res / k
        w *= w
        np.subtract(1.0, w, out=w)
        np.maximum(w, 0.0, out=w)
        w *= w
        sw = float(w.sum())
        if sw < 5:
            break
        # Gauss-Newton on res(c, r) = |p - c| - r: Jacobian rows (-u, [-1]) with u the unit vector from c to p,
        # so the normal equations are sum w u u^T (+ sum w u, sum w for r) against sum w u res (, sum w res).
        ux, uy = np.divide(dx, dist, out=dx), np.divide(dy, dist, out=dy)
        wx, wy = w * ux, w * uy
        hxx, hxy, hyy = float(wx @ ux) + 1e-9, float(wx @ uy), float(wy @ uy) + 1e-9
        gx, gy = float(wx @ res), float(wy @ res)
        if fix_radius:
            det = hxx * hyy - hxy * hxy
            step = ((hyy * gx - hxy * gy) / det, (hxx * gy - hxy * gx) / det)
        else:
            sx, sy = float(wx.sum()), float(wy.sum())
            step = _solve3_sym(hxx, hxy, sx, hyy, sy, sw + 1e-9, gx, gy, float(w @ res))
            r = float(r + step[2])
        cx, cy = cx + step[0], cy + step[1]
        k_next = max(0.6 * k, k_min)
        if k_next == k and max(abs(v) for v in step) < 1e-5:
            break
        k = k_next
    c = np.array([cx, cy])
    return c, r, w


def _solve3_sym(a: float, b: float, c: float, d: float, e: float, f: float, g0: float, g1: float, g2: float
                ) -> tuple[float, float, float]:
    """x solving [[a, b, c], [b, d, e], [c, e, f]] x = g by Cramer's rule (scalars: np.linalg.solve's call overhead
    was most of a free-radius circle fit's cost)."""
    c00, c01, c02 = d * f - e * e, c * e - b * f, b * e - c * d  # cofactors (the matrix is symmetric)
    c11, c12, c22 = a * f - c * c, b * c - a * e, a * d - b * b
    det = a * c00 + b * c01 + c * c02
    return ((c00 * g0 + c01 * g1 + c02 * g2) / det, (c01 * g0 + c11 * g1 + c12 * g2) / det,
            (c02 * g0 + c12 * g1 + c22 * g2) / det)


# ----------------------------------------------------------------------------------------------- acquisition
@dataclass
class PlateCandidate:
    pixel: np.ndarray  # (u, v) full-resolution pixel of the inscribed circle's centre
    depth_m: float
    radius_px: float  # expected image radius of the plate at that depth (full resolution)
    score: float


def find_plate_candidates(depth_m: np.ndarray, intr: Intrinsics, diameter_m: float = 0.45,
                          floor=None, baseline_m: float = DEFAULT_BASELINE_M, max_candidates: int = 4,
                          step: int | None = None, layer_ratio: float = 1.12, debug: bool = False
                          ) -> list[PlateCandidate]:
    """Places in the (decimated) depth image where a disc of the plate's size fits in front of the background.

    Depth layers z* (geometric steps): the mask of everything nearer than z* (occluders like the sleeve or a
    hand included, the floor excluded) is distance-transformed; a pixel of that layer's own depth range whose
    inscribed-circle radius matches the plate's image radius at that depth (and is not much bigger: walls,
    the floor) is a candidate. Image borders count as "inside" so a plate partly out of view is still found.
    """
    h_img, w_img = depth_m.shape
    k = step or max(1, int(round(w_img / COARSE_WIDTH)))
    z = np.ascontiguousarray(depth_m[::k, ::k], dtype=np.float32)
    hd, wd = z.shape
    z[z < 0.25] = 0
    # Fill dropouts (black plates, random blobs) from the farthest neighbour: holes inside a surface take its
    # depth; invalid bands at occluding edges take the background's.
    kern = np.ones((5, 5), np.uint8)
    for _ in range(2):
        z = np.where(z > 0, z, cv2.dilate(z, kern))
    ok = z > 0
    if floor is not None:
        v, u = np.mgrid[0:hd, 0:wd]
        rays_n = ((u * k - intr.ppx) / intr.fx * floor.normal[0] + (v * k - intr.ppy) / intr.fy * floor.normal[1]
                  + floor.normal[2]).astype(np.float32)
        hgt = z * rays_n + np.float32(floor.camera_height_m)
        sig = depth_sigma(z, intr.fx, baseline_m).astype(np.float32)
        ok &= hgt > np.maximum(0.03, 1.5 * sig * np.abs(rays_n))
    fd = intr.fx / k
    r_plate = diameter_m / 2.0
    zmin = max(0.3, float(np.percentile(z[ok], 0.5)) if ok.any() else 0.3)
    zmax = float(z[ok].max()) if ok.any() else 0.0
    pad = int(np.ceil(fd * r_plate / max(zmin, 0.3))) + 2
    out: list[PlateCandidate] = []
    zs = zmin
    while zs < zmax:
        ze = zs * layer_ratio
        near = (ok & (z < ze)).view(np.uint8)
        layer = ok & (z >= zs) & (z < ze)
        if layer.sum() >= 4:
            big = cv2.copyMakeBorder(near, pad, pad, pad, pad, cv2.BORDER_CONSTANT, value=1)
            dt = cv2.distanceTransform(big, cv2.DIST_L2, 3)[pad:pad + hd, pad:pad + wd]
            rd = fd * r_plate / np.where(layer, z, 1.0)
            ratio = np.where(layer, dt / np.maximum(rd, 1.0), 0.0)
            good = (ratio <= 1.3) & (rd >= 2.5)
            if good.any():
                sc = np.where(good, np.where(ratio <= 1.05, ratio, 1.05 - 2.0 * (ratio - 1.05)), 0.0)
                for _ in range(4):  # the few best separated maxima of this layer
                    i = int(np.argmax(sc))
                    best = float(sc.flat[i])
                    if best < 0.55:
                        break
                    cy, cx = divmod(i, wd)
                    zc = float(z[cy, cx])
                    rdc = fd * r_plate / zc
                    r_sup = int(np.ceil(rdc))
                    sc[max(0, cy - r_sup):cy + r_sup + 1, max(0, cx - r_sup):cx + r_sup + 1] = 0.0
                    bad = _ring_same_surface(z, ok, cx, cy, 1.3 * rdc, zc, max(0.1, 3.0 * float(
                        depth_sigma(zc, intr.fx, baseline_m))))
                    if debug:
                        print("layer", round(zs, 2), round(ze, 2), round(best, 2), (cx * k, cy * k), round(bad, 2))
                    if bad < 0.3:
                        out.append(PlateCandidate(np.array([cx * k, cy * k], float), zc, rdc * k, best * (1 - bad)))
        zs = ze
    # Merge duplicates (a plate spans two layers), best first.
    out.sort(key=lambda c: -c.score)
    merged: list[PlateCandidate] = []
    for c in out:
        if all(np.hypot(*(c.pixel - m.pixel)) > 0.5 * m.radius_px for m in merged):
            merged.append(c)
    # The lifter's plate is the nearest disc (_acquire takes the nearest good fit): background clutter scoring higher (a
    # far wall's fittings: many small blobs fit a far plate's small image) does not crowd out a nearer candidate. At
    # the first frame of a noisy D415 scene (sweep13822n) four background blobs at 3.8-6 m outscored the resting near
    # plate (0.80 against 0.82-0.96): the far plate was followed for 0.3 s, the near one found 0.5 s later.
    picked = merged[:max_candidates]
    if picked:
        z_near = min(c.depth_m for c in picked)
        picked += [c for c in merged[max_candidates:] if c.depth_m < z_near][:NEARER_CANDIDATES]
    return picked


def _ring_same_surface(z, ok, cx, cy, radius, zc, margin, n=32) -> float:
    """Fraction of a ring around (cx, cy) continuing the candidate's surface (neither clearly farther, nor
    floor, nor a nearer occluder, nor out of view). A plate is bounded by a depth edge all round."""
    th = np.linspace(0, 2 * np.pi, n, endpoint=False)
    xs = np.round(cx + radius * np.cos(th)).astype(int)
    ys = np.round(cy + radius * np.sin(th)).astype(int)
    inside = (xs >= 0) & (xs < z.shape[1]) & (ys >= 0) & (ys < z.shape[0])
    if not inside.any():
        return 1.0
    zz = z[ys[inside], xs[inside]]
    same = ok[ys[inside], xs[inside]] & (np.abs(zz - zc) < margin)
    return float(same.sum() / n)


# ----------------------------------------------------------------------------------------------- refinement
def refine_plate(depth_m: np.ndarray, intr: Intrinsics, pixel: np.ndarray, depth0: float, diameter_m: float = 0.45,
                 normal0: np.ndarray | None = None, search_px: float | None = None,
                 baseline_m: float = DEFAULT_BASELINE_M, max_samples_radius: float = 30.0,
                 radius_prior_m: float | None = None, center0: np.ndarray | None = None,
                 floor=None, min_arc_deg: float = 100.0, exclude_side: bool = True,
                 free_radius_arc_deg: float = 240.0, free_first: bool = False,
                 invalid_edge_px: float = 0.0) -> PlateFit | None:
    """Fit plane + circle to the plate face around `pixel` (full res) at about `depth0`. None when no plate.

    invalid_edge_px: how far (pixels) the rim found against invalid pixels lies inside the true rim, beyond the
    half sample every rim point is moved out by: a depth camera invalidates pixels at depth edges, on the face's
    side too, so there the last face sample lies inside the edge (PlateFit.edge_gap_px measures it).
    free_radius_arc_deg: shortest rim arc on which the diameter is measured (free-radius fit).
    free_first: the radius prior is only a guess (size discovery): the circle is fitted with a free radius from the
    start, else a rim a few percent smaller than the prior is fitted on one side only."""
    h_img, w_img = depth_m.shape
    r_nom = diameter_m / 2.0
    r_prior = radius_prior_m if radius_prior_m is not None else r_nom
    rpx = intr.fx * r_nom / depth0
    s = max(1, int(round(rpx / max_samples_radius)))  # sampling stride: ~30 samples per radius
    half = (search_px if search_px is not None else 0.0) + 1.35 * rpx
    u0, v0 = int(max(0, np.floor(pixel[0] - half))), int(max(0, np.floor(pixel[1] - half)))
    u1, v1 = int(min(w_img, np.ceil(pixel[0] + half) + 1)), int(min(h_img, np.ceil(pixel[1] + half) + 1))
    if u1 - u0 < 4 * s or v1 - v0 < 4 * s:
        return _fail(245)
    z = np.asarray(depth_m[v0:v1:s, u0:u1:s], dtype=np.float64)
    hh, ww = z.shape
    us = (u0 + s * np.arange(ww)).astype(float)
    vs = (v0 + s * np.arange(hh)).astype(float)
    ax = ((us - intr.ppx) / intr.fx)[None, :]
    by = ((vs - intr.ppy) / intr.fy)[:, None]
    valid = z > 0.2
    sig = depth_sigma(np.maximum(depth0, 0.3), intr.fx, baseline_m)
    if floor is not None:
        # The floor the plate stands on can lie within the face band near the contact: not face.
        rays_n = ax * floor.normal[0] + by * floor.normal[1] + floor.normal[2]  # height change per metre of depth
        hgt = z * rays_n + floor.camera_height_m
        # A depth error σ moves a pixel's height by σ·|ray·n| only (small for the near-horizontal rays that see a
        # standing plate): a 2σ band in depth would swallow the bottom third of a far plate.
        on_floor = valid & (hgt < np.maximum(0.02, 2.0 * sig * np.abs(rays_n)))
    else:
        on_floor = np.zeros_like(valid)
    # --- initial plane: through the candidate centre with the prior normal (default: facing the camera).
    ray_c = np.array([(pixel[0] - intr.ppx) / intr.fx, (pixel[1] - intr.ppy) / intr.fy, 1.0])
    up = None if floor is None else np.asarray(floor.normal, float)
    up_basis = None if up is None else _plane_basis(up)  # (the plane of vertical faces' normals)
    if normal0 is not None:
        n = np.asarray(normal0, float)
    elif up is not None:
        # The bar is level, so the face is vertical: start facing the camera horizontally. With the camera
        # pitched, (0, 0, -1) would be off by the pitch, and the plate's tread seen from above would win.
        n = -(ray_c - (ray_c @ up) * up)
        n /= np.linalg.norm(n)
    else:
        n = np.array([0.0, 0.0, -1.0])
    c = ray_c * depth0 if center0 is None else np.asarray(center0, float)
    band0 = max(0.08, 3.5 * sig) + (0.0 if normal0 is not None else 0.5 * r_nom)
    # Plane fit on a 2x-subsampled grid (plenty of pixels; the rim below uses the full sampling), on its valid samples
    # off the floor as flat arrays (few numpy calls on 1-D arrays: at these sizes a call's overhead is most of its cost).
    ax2, by2 = ax[:, ::2], by[::2, :]
    iv, iu = np.nonzero(valid[::2, ::2] & ~on_floor[::2, ::2])
    z2 = z[::2, ::2][iv, iu]
    a2, b2 = ax2[0, iu], by2[iv, 0]  # each sample's ray d = (a, b, 1)
    x2, y2 = a2 * z2, b2 * z2  # ... and its 3-D point (x, y, z2)
    n_iter = 5 if normal0 is None else 3
    for it in range(n_iter):
        # Ray/plane intersection depth per pixel: t = (n·c) / (n·d).
        nd = n[0] * a2 + n[1] * b2 + n[2]
        t_plane = (n @ c) / np.where(np.abs(nd) > 1e-6, nd, 1e-6)
        res = z2 - t_plane  # along the ray (depth units): > 0 farther than the plane
        # Squared distance of each pixel's ray intersection from the reference centre (on the plane: in-plane).
        qx = a2 * t_plane - c[0]
        qy = b2 * t_plane - c[1]
        qz = t_plane - c[2]
        rr2 = qx * qx + qy * qy + qz * qz
        band = band0 if it == 0 else max(0.03, 2.5 * sig)
        rmax = (1.15 if it < 2 else 1.06) * r_prior
        inl = (np.abs(res) < band) & (rr2 < rmax ** 2)
        if np.count_nonzero(inl) < 12:
            return _fail(284)
        wts = None
        if it > 0:
            rr = res[inl] / (2.5 * sig)
            wts = np.maximum(1 - rr * rr, 0.05) ** 2
        # With the floor known, the face is fitted as a vertical plane (the bar is level; only its yaw is free):
        # free, the tilt follows whatever else the band takes in (the stack's tread seen from above by a pitched
        # camera, the bar). A bar tilted a few degrees is allowed on the last pass.
        cc, m = _plane_scatter(x2[inl], y2[inl], z2[inl], wts)
        n_new = _plane_normal(cc, m, perp_basis=up_basis)
        if up is not None and it == n_iter - 1:
            n_f = _plane_normal(cc, m)
            if abs(n_f @ up) < MAX_BAR_TILT_SIN:
                n_new = n_f
        if it == 0 and normal0 is None:
            # A first fit from a disc-sized region: keep the normal only if it is plausible (faces the camera).
            if n_new[2] > -0.5:
                n_new = n
        n = n_new
        # Keep the plane, but move the reference centre with the face centroid only at first.
        c = c + ((cc - c) @ n) * n if it > 0 else cc
    plane_rms = 1.4826 * median(np.abs(res[inl]))  # robust σ of the face residuals
    plane_point = c.copy()
    nd = n[0] * ax + n[1] * by + n[2]
    t_plane = (n @ plane_point) / np.where(np.abs(nd) > 1e-6, nd, 1e-6)
    res = z - t_plane
    # The face: within the depth noise of the plane (the 3 cm floor of the fitting band would take in the first
    # centimetres of a tread seen at a grazing angle, and push the crease rim outward).
    band = max(2.5 * sig, 3.0 * plane_rms, 0.005)
    face = valid & ~on_floor & (np.abs(res) < band)
    # --- rim: face pixels with a 4-neighbour that is invalid or much farther (occluding edge of the plate).
    jump = max(0.10, 3.0 * sig)
    # (floor pixels near the contact are neither face nor far: no rim there; outside the image: not an edge, partial
    # view; the window border is not evidence either, its neighbours are unknown)
    farv_pad = _pad_false(valid & (res > jump), 1)  # a VALID farther neighbour (a measured depth edge)
    inv_pad = _pad_false(~valid, 1)
    # A crease: where the camera looks past the rim (pitched or yawed, near), the face ends at the stack's tread,
    # which continues the depth (no jump) but leaves the face plane behind it. Two samples in a row behind the
    # plane (a surface, not a noise speck) mark the face's true rim there. Only where the depth noise is small
    # against a sample's footprint: else the tread is only told from the face well beyond the crease.
    use_crease = band <= 2.0 * s * depth0 / intr.fx
    behind_pad = _pad_false(valid & (res > band) & (res <= jump), 2) if use_crease else None
    # A dropout hole in the face (black plates, speckle): the face goes on just beyond the invalid neighbour, so
    # that face pixel is not on the edge (taken as rim, holes near the edge pulled the rim in: noise, bias).
    kh = HOLE_MAX_SAMPLES + 1
    face_pad = _pad_false(face, kh)

    def shifted(a, k, j, dy_, dx_):  # a (padded by k) seen from j samples along (dy_, dx_)
        return a[k + j * dy_:k + j * dy_ + hh, k + j * dx_:k + j * dx_ + ww]

    # Per direction, where the neighbour is an edge: farther (valid), or invalid with no face just beyond (not a
    # hole), or a crease. Accumulated unmasked; the face mask is applied once at the end (rim pixels are face).
    edges = []
    edge_any = np.zeros_like(face)
    edge_v = np.zeros_like(face)  # ... a measured edge (farther and valid, or a crease)
    crease = np.zeros_like(face)
    for dy_, dx_ in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        beyond = shifted(face_pad, kh, 2, dy_, dx_) | shifted(face_pad, kh, 3, dy_, dx_)
        for j in range(4, kh + 1):
            beyond |= shifted(face_pad, kh, j, dy_, dx_)
        farv = shifted(farv_pad, 1, 1, dy_, dx_)
        nb = farv | (shifted(inv_pad, 1, 1, dy_, dx_) & ~beyond)
        if use_crease:
            c_nb = shifted(behind_pad, 2, 1, dy_, dx_) & shifted(behind_pad, 2, 2, dy_, dx_)
            crease |= c_nb & ~nb
            edge_v |= farv | c_nb
            nb = nb | c_nb
        else:
            edge_v |= farv
        edge_any |= nb
        edges.append(nb)
    rim = face & edge_any
    rim_v = face & edge_v
    crease &= face
    # Not-face neighbours that are NEAR (sleeve, hands) -> exclude those rim pixels (occluded rim).
    near = valid & (res < -band)
    near_pad = _pad_false(near, 1)
    occl = np.zeros_like(face)
    for dy_, dx_ in ((0, 1), (0, -1), (1, 0), (-1, 0)):
        occl |= shifted(near_pad, 1, 1, dy_, dx_)
    rim &= ~occl
    e1, e2 = _plane_basis(n)
    o1, o2 = float(plane_point @ e1), float(plane_point @ e2)

    def in_plane(a, b, t):  # in-plane coordinates (e1, e2 about plane_point) of the points t (a, b, 1) on the plane
        return t * (a * e1[0] + b * e1[1] + e1[2]) - o1, t * (a * e2[0] + b * e2[1] + e2[2]) - o2

    # In-plane coordinates of (2x-subsampled) face pixels (ray ∩ plane): centre guess and coverage.
    fv, fu = np.nonzero(face[::2, ::2])
    xf, yf = in_plane(ax2[0, fu], by2[fv, 0], t_plane[::2, ::2][fv, fu])
    rv, ru = np.nonzero(rim)
    if len(rv) < 12:
        return _fail(335)
    # the outward direction: the sum of the edge directions (4-neighbours) at each rim pixel
    du = edges[0][rv, ru].astype(float) - edges[1][rv, ru]
    dv = edges[2][rv, ru].astype(float) - edges[3][rv, ru]
    nrm = np.sqrt(du ** 2 + dv ** 2)
    nrm = np.where(nrm > 0, nrm, 1.0)
    # Half a sample outward: the true edge lies between the last face pixel and the first outside one; where that
    # one is invalid, the invalid band may have eaten into the face too (invalid_edge_px more).
    out = 0.5 + (invalid_edge_px / s) * ~rim_v[rv, ru]
    ur = us[ru] + out * s * du / nrm
    vr = vs[rv] + out * s * dv / nrm
    ar, br = (ur - intr.ppx) / intr.fx, (vr - intr.ppy) / intr.fy
    xr, yr = in_plane(ar, br, (n @ plane_point) / (n[0] * ar + n[1] * br + n[2]))
    # Start: centroid of the face pixels is biased when part of the disc is hidden; use the robust fit directly.
    if center0 is not None:
        rel0 = np.asarray(center0, float) - plane_point
        c0 = np.array([rel0 @ e1, rel0 @ e2])
    else:
        c0 = np.array([median(xf), median(yf)])
    keep = np.abs(np.sqrt((xr - c0[0]) ** 2 + (yr - c0[1]) ** 2) - r_prior) < 0.5 * r_prior
    if keep.sum() < 12:
        return _fail(356)
    xy = np.column_stack([xr[keep], yr[keep]])
    rim_valid = rim_v[rv, ru][keep]
    is_crease = crease[rv, ru][keep]
    rim_uv = np.column_stack([ur[keep], vr[keep]])
    c2, r_fit, w = _fit_circle(xy, r_prior, fix_radius=True, init=c0, n_iter=10, scale=s * depth0 / intr.fx)
    if free_first:
        c_f, r_f, w_f = _fit_circle(xy, r_prior, fix_radius=False, init=c2, n_iter=10, scale=s * depth0 / intr.fx)
        if abs(r_f - r_prior) < 0.25 * r_prior:
            c2, r_prior, w = c_f, r_f, w_f
            r_fit = r_f
    side_used = False
    if exclude_side:
        # Where the camera sees past the rim onto the stack's cylindrical side (its foot point on the face plane
        # lies outside the disc in that direction), the silhouette is the side's far edge, not the face's rim:
        # a geometric visibility test drops those rim points.
        oc1, oc2 = -o1 - c2[0], -o2 - c2[1]  # the camera's foot point on the plane, from the centre
        dx, dy = xy[:, 0] - c2[0], xy[:, 1] - c2[1]
        side = (dx * oc1 + dy * oc2) / np.maximum(np.sqrt(dx * dx + dy * dy), 1e-9) > r_prior
        side &= ~is_crease  # there the face's rim is the crease with the side
        if np.count_nonzero(~side) >= 12:
            xy_face = xy[~side]
            c_x, r_x, w_sub = _fit_circle(xy_face, r_prior, fix_radius=True, init=c2, n_iter=6,
                                          scale=s * depth0 / intr.fx)
            sub = xy_face[w_sub > 0.1]
            a_x = _arc_coverage(np.arctan2(sub[:, 1] - c_x[1], sub[:, 0] - c_x[0]))
            # The side's silhouette lies beyond the face's rim (by the stack's depth seen obliquely): whenever the
            # rest is arc enough for a measurement, it alone is used. Else (partly out of view) all points.
            if a_x >= min(150.0, min_arc_deg):
                c2, r_fit = c_x, r_x
                w = np.zeros(len(xy))
                w[~side] = w_sub
                side = np.zeros(len(xy), bool)
        side_used = bool((side & (w > 0.1)).any())
    ang = np.arctan2(xy[:, 1] - c2[1], xy[:, 0] - c2[0])
    good = w > 0.1
    edge_gap = _edge_gap(xy, c2, r_fit, w, good & ~is_crease, ~rim_valid) * (intr.fx / depth0)
    arc = _arc_coverage(ang[good])
    # The centre comes from the fixed-radius fit (the radius prior is the learnt diameter, measured from rims moved
    # out the same way); a free-radius fit, when the arc is long enough to condition it, measures the diameter.
    fixed = True
    d_meas = 2.0 * r_prior
    if arc >= free_radius_arc_deg and good.sum() >= 20:
        c3, r3, w3 = _fit_circle(xy[w > 0], r_fit, fix_radius=False, init=c2, n_iter=8, scale=s * depth0 / intr.fx)
        if abs(r3 - r_prior) < 0.25 * r_prior:
            fixed = False
            d_meas = 2.0 * r3
    dist = np.sqrt((xy[:, 0] - c2[0]) ** 2 + (xy[:, 1] - c2[1]) ** 2)
    w_pos = np.maximum(w, 1e-9)
    rim_rms = float(np.sqrt(((dist - r_fit) ** 2 * w_pos).sum() / w_pos.sum()))  # (weighted mean: np.average)
    center = plane_point + c2[0] * e1 + c2[1] * e2
    if center[2] <= 0.2:
        return _fail(376)
    # Face coverage: face pixels within the fitted disc vs the disc's expected sample count.
    rin = np.sqrt((xf - c2[0]) ** 2 + (yf - c2[1]) ** 2)
    n_face = int((rin < r_fit).sum())
    cos_t = abs(n @ (center / np.linalg.norm(center)))
    exp_cnt = np.pi * (intr.fx * r_fit / center[2]) ** 2 * cos_t / (4 * s * s)
    # Part of the disc may lie outside the image: count only the in-image part.
    inside_frac = _disc_in_image_fraction(intr, center, n, r_fit, e1, e2, w_img, h_img)
    coverage = n_face / max(exp_cnt * inside_frac, 1.0)
    n_rim = int((w > 0.1).sum())
    # A plate ends at its rim: the face's plane must not continue just outside the circle (a box or a wall
    # would). Fraction of an annulus (1.12-1.3 R) occupied by face-plane pixels:
    ann = ((rin > 1.12 * r_fit) & (rin < 1.3 * r_fit)).sum()
    ann_exp = np.pi * (1.3 ** 2 - 1.12 ** 2) * (intr.fx * r_fit / center[2]) ** 2 * cos_t / (4 * s * s)
    if _DEBUG:
        print("annulus", ann, ann_exp, inside_frac)
    if ann > 0.3 * ann_exp * inside_frac:
        return _fail(0)
    # Rims seen only against invalid pixels (e.g. the stereo shadow of a rack upright) are not evidence enough.
    if _DEBUG:
        print("rim_valid", rim_valid[w > 0.1].mean() if n_rim else None)
    if rim_valid[w > 0.1].mean() < 0.1 if n_rim else True:
        return _fail(1)
    if coverage < 0.35 or arc < min_arc_deg or n_rim < 12:
        return _fail(387)
    # A plate face is flat: curved body parts (thigh, torso, head) leave residuals well above the depth noise.
    sig_c = float(depth_sigma(center[2], intr.fx, baseline_m))
    if normal0 is not None and plane_rms > 2.0 * sig_c + 0.010:  # (first acquisition pass: plane still rough)
        if _DEBUG:
            print('plane_rms', plane_rms, 'sig', sig_c)
        return _fail(391)
    q_res = np.exp(-rim_rms / max(0.01, 1.5 * s * center[2] / intr.fx))
    quality = float(min(max(min(coverage, 1.0) * min(arc / 270.0, 1.0) * q_res, 0.0), 1.0))
    # Covariance: in-plane from the rim residuals and count (errors correlate over ~3 samples), along the
    # normal from the depth noise averaged over the face (correlated over NOISE_CORR_AREA pixels).
    n_eff_rim = max(n_rim * s / 3.0, 3.0)
    arc_pen = 270.0 / max(arc, 90.0)
    sig_lat = max(rim_rms, 0.3 * s * center[2] / intr.fx) * np.sqrt(2.0 / n_eff_rim) * arc_pen
    sig_lat = float(np.hypot(np.hypot(sig_lat, _edge_bias_shift(arc) * 0.5 * s * center[2] / intr.fx), 0.0015))
    if side_used:
        # Too little of the face's own rim is in view (the plate is partly out of the image) and the stack side's
        # silhouette, which lies beyond the rim by an unknown stack depth seen obliquely, was kept in the fit:
        # the centre is then biased by up to the rim-point cut (±½ r of the prior circle) — say so. Along the
        # normal too: the plane's tilt (tread taken in) moves the point on it by a fair part of that shift.
        sig_lat = float(np.hypot(sig_lat, 0.5 * r_prior))
    n_eff_face = max(4 * n_face * s * s / NOISE_CORR_AREA, 1.0)
    # The tilt of a plane fitted to a disc of radius R: σ_res / (√N · R/2) (R/2: the disc's RMS lever arm).
    normal_sd = float(np.hypot(2.0 * plane_rms / (r_fit * np.sqrt(n_eff_face)), 0.002))
    sig_n = float(np.hypot(depth_sigma(center[2], intr.fx, baseline_m) / np.sqrt(n_eff_face), 0.0015))
    if side_used:
        sig_n = sig_lat
    nn = np.outer(n, n)
    cov = sig_lat ** 2 * (np.eye(3) - nn) + sig_n ** 2 * nn
    pix = intr.project(center)
    return PlateFit(center=center, normal=n, diameter_m=float(d_meas), cov=cov, quality=quality,
                    rim_rms_m=rim_rms, plane_rms_m=plane_rms, n_face=n_face, n_rim=n_rim, arc_deg=float(arc),
                    radius_fixed=fixed, pixel=pix, radius_px=float(intr.fy * r_fit / center[2]),
                    face_mask=(v0, u0, s, face), rim_uv=np.column_stack([rim_uv, w]),
                    side_used=side_used, normal_sd=normal_sd,
                    edge_gap_px=None if not np.isfinite(edge_gap) else edge_gap)


def _edge_gap(xy: np.ndarray, c: np.ndarray, r: float, w: np.ndarray, use: np.ndarray, inv: np.ndarray) -> float:
    """How far (m) the rim points seen against invalid pixels (inv) lie inside those seen against measured
    background, over the points `use` (Tukey weights w): fitted jointly with a centre and radius correction,
    res = u . dc + dr - gap [inv], so that a circle off to one side (the two kinds often lie on different sides:
    the stereo shadow is left of the plate) is not read as a gap. NaN when the two kinds are not both spread
    round the rim enough to tell the gap from the centre."""
    if (use & inv).sum() < 5 or (use & ~inv).sum() < 5:
        return float("nan")
    dx, dy = xy[use, 0] - c[0], xy[use, 1] - c[1]
    dist = np.sqrt(dx * dx + dy * dy)
    dd = np.maximum(dist, 1e-9)
    a = np.stack([dx / dd, dy / dd, np.ones(len(dd)), -inv[use].astype(float)])  # (4, N): rows of unknowns
    aw = a * w[use]
    h = aw @ a.T
    lam = np.abs(np.linalg.eigvalsh(h))  # (h is symmetric: its condition number is its eigenvalues' ratio)
    if lam.max() > 1e4 * lam.min():
        return float("nan")
    return float(np.linalg.solve(h, aw @ (dist - r))[3])


def _pad_false(a: np.ndarray, k: int) -> np.ndarray:
    """a boolean image with k False pixels all round (np.pad's overhead is most of the cost at this size)."""
    out = np.zeros((a.shape[0] + 2 * k, a.shape[1] + 2 * k), bool)
    out[k:-k, k:-k] = a
    return out


def _fail(line: int):
    if _DEBUG:
        print('refine_plate: rejected at line', line)
    return None


_DEBUG = False


def _edge_bias_shift(arc_deg: float) -> float:
    """Centre shift per unit of a common inward rim bias b for a fixed-radius fit over an arc (half-angle φ).

    Where the rim is found varies per frame by a fraction of a sample that is shared by neighbouring rim points
    (the ragged invalid band at a depth edge, pixel quantisation of a nearly straight stretch): it does not
    average out over the rim points. Over the whole circle it cancels in the centre; over an arc it shifts the
    centre by b·(sin φ/φ) / (½ + sin 2φ/(4φ)) (linearised fit: residual −b − Δ cos θ, least squares in Δ)."""
    phi = float(np.clip(np.radians(arc_deg) / 2.0, 1e-3, np.pi))
    return abs(np.sin(phi) / phi) / (0.5 + np.sin(2.0 * phi) / (4.0 * phi))


def _arc_coverage(ang: np.ndarray, bins: int = 36) -> float:
    if len(ang) == 0:
        return 0.0
    h = np.bincount(((ang + np.pi) / (2 * np.pi) * bins).astype(int) % bins, minlength=bins)
    return float((h > 0).sum() * 360.0 / bins)


# Sample points of the unit disc (5 radii of equal area steps x 16 angles) for _disc_in_image_fraction.
_RR, _TH = np.meshgrid(np.sqrt(np.linspace(0.05, 0.95, 5)), np.linspace(0, 2 * np.pi, 16, endpoint=False))
_DISC_COS, _DISC_SIN = (_RR * np.cos(_TH)).ravel(), (_RR * np.sin(_TH)).ravel()


def _disc_in_image_fraction(intr: Intrinsics, c: np.ndarray, n: np.ndarray, r: float, e1, e2, w: int, h: int) -> float:
    x, y, z = (float(v) for v in c)
    if z > r:  # every point within r of c projects within these bounds of c's pixel: the disc wholly in view?
        bu = intr.fx * r * (z + abs(x)) / ((z - r) * z)  # |x/z - x_c/z_c| <= r (z_c + |x_c|) / ((z_c - r) z_c)
        bv = intr.fy * r * (z + abs(y)) / ((z - r) * z)
        u0, v0 = intr.fx * x / z + intr.ppx, intr.fy * y / z + intr.ppy
        if u0 - bu >= 0 and u0 + bu < w and v0 - bv >= 0 and v0 + bv < h:
            return 1.0
    pts = c + r * _DISC_COS[:, None] * e1 + r * _DISC_SIN[:, None] * e2
    uv = intr.project(pts)
    ok = (uv[:, 0] >= 0) & (uv[:, 0] < w) & (uv[:, 1] >= 0) & (uv[:, 1] < h)
    return float(max(ok.mean(), 0.05))


def estimate_floor(depth_m: np.ndarray, intr: Intrinsics, prior_up=(0.0, -1.0, 0.0)):
    """A quick floor fit (~25 ms at 848x480) for acquisition; None when no floor is visible."""
    from barpath.vision.floor import depth_to_points, fit_floor
    stride = max(1, int(round(8 * depth_m.shape[1] / 848)))
    pts = depth_to_points(depth_m, intr, stride=stride)
    return fit_floor(pts, prior_up=prior_up, n_hypotheses=500, n_score=1500)


# ----------------------------------------------------------------------------------------------- detector
# Relative steps of the plate sizes tried when no plate of the expected size is found: acquisition accepts a disc
# within ~±15 % of the size it looks for, and the first fit then measures the actual diameter.
SIZE_STEP = 0.85
MIN_PLATE_DIAMETER_M = 0.25  # smaller discs (a head, a fist, clutter) are not searched for
DIAMETERS_KEPT = 200  # the diameter is learnt as the median of the latest confident free-radius fits
# The nominal size is often only the default: a plate within the search's tolerance of it (a 40 cm plate for 45) was
# tracked with the nominal radius, its centre 2.5-5 cm off, until the track was lost (the diameter is learnt only from
# long rim arcs, which a plate resting on the floor does not show). So while it is unmeasured the first tracked fits
# also measure it on the shorter arcs (free radius, >= 150 deg: at rest 0.444 for 45 cm, 0.390 for 40, p10-p90
# within 0.5 cm), and a median this far off the nominal sets the size, as a discovery does.
SIZE_CHECKS = 5  # free-radius measurements taken of a new track's nominal size ...
SIZE_CHECK_EVERY_S = 0.1  # ... this far apart
SIZE_CHECK_ARC_DEG = 150.0
SIZE_MISMATCH = 0.07  # relative: the nominal is replaced when their median is this far off it (size_differs)
EDGE_BANDS_KEPT = 200  # fits the invalid edge band is learnt from (the latest) ...
EDGE_BANDS_MIN = 10  # ... once this many
EDGE_BAND_MAX_PX = 2.0  # wider is not the edge's invalid band (a stereo shadow, an occluder)
# The bar's far plate, acquired within this long of the near plate's last fit, is not taken for it (see _other_plate);
# plates of one bar lie >= 1 m apart along it (an Olympic bar's sleeves: 1.31 m between the inner collars).
FAR_PLATE_MEMORY_S = 3.0
BAR_SPAN_M = 2.2  # farthest apart a bar's two plates can be (a 2.2 m Olympic bar's sleeve ends)
OTHER_PLATE_MIN_M = 0.8
JUMP_MEMORY_S = 1.0  # ... nor anything found beyond the plate's reach within this long of its last fit


def size_differs(d: float, nominal: float) -> bool:
    """A measured diameter d is measurably not the nominal one (more than SIZE_MISMATCH off it)."""
    return abs(d - nominal) > SIZE_MISMATCH * nominal


class PlateDetector:
    """Stateful near-plate detector: window search around the last fit, full acquisition when lost.

    diameter_m: the plates' nominal diameter (0.45 m bumpers; 0.30 m small plates). The measured diameter is
    learnt (median of confident free-radius fits) and used as the radius prior for short-arc fits. When no
    plate of the expected size is found (the nominal is often just the 0.45 m default), acquisition also tries
    smaller sizes, one per call, and a plate found that way sets the size searched and tracked from then on.
    """

    def __init__(self, diameter_m: float = 0.45, baseline_m: float = DEFAULT_BASELINE_M,
                 max_speed_m_s: float = 2.5):
        self.diameter_m = float(diameter_m)
        self.baseline_m = float(baseline_m)
        self.noise_scale = 1.0  # the stream's depth noise over the nominal model's (>= 1; FrameMeasurer sets it)
        self.max_speed = float(max_speed_m_s)
        self.last: PlateFit | None = None
        self.last_t: float | None = None
        self._diams: deque[float] = deque(maxlen=DIAMETERS_KEPT)  # the latest confident diameter measurements
        self._learnt_d: float | None = None  # their median (read several times per frame: kept, not recomputed)
        self.n_acquisitions = 0
        self.floor = None  # FloorFit used by acquisition (fitted once when not given)
        self.min_acquire_quality = 0.3  # a new track needs a clearer disc than keeping one
        self._floor_tried = False
        self.size_m = self.diameter_m  # the diameter currently searched for (the nominal until one is found)
        sizes, d = [], self.diameter_m * SIZE_STEP
        while d >= MIN_PLATE_DIAMETER_M:
            sizes.append(d)
            d *= SIZE_STEP
        self._other_sizes = sizes
        self._next_size = 0
        # The band a depth edge's invalid pixels eat into the face (pixels): learnt from the fits' rims (the median
        # of the latest; each fit's gap is measured after the correction in use, so the band is the sum).
        self._edge_bands: deque[float] = deque(maxlen=EDGE_BANDS_KEPT)
        self.edge_px = 0.0
        self._near: tuple[np.ndarray, np.ndarray, float | None] | None = None  # the last fit's centre, normal, time
        self.jumped = False  # the last detect()'s fit was found by a search beyond reach of the fit before it, or is
        # the bar's other plate (_along_bar)
        self._size_checks: list[float] = []  # free-radius diameters of the unmeasured nominal size (_check_size)
        self._size_check_t: float | None = None
        # A diameter the acquisition measured of a plate the unmeasured nominal did not fit (> SIZE_MISMATCH off):
        # the radius the track is fitted with until the size check decides the size.
        self._size_guess: float | None = None

    @property
    def _noise_baseline(self) -> float:
        """The baseline a nominal camera with this stream's depth noise would have: the noise model (depth_sigma)
        scaled by what the stream shows."""
        return self.baseline_m / max(1.0, self.noise_scale)

    @property
    def _size_known(self) -> bool:
        """The nominal size was found, or a discovered one is confirmed by several diameter measurements."""
        return self.size_m == self.diameter_m or len(self._diams) >= 5

    @property
    def learnt_diameter(self) -> float:
        """The diameter plates are fitted with: learnt from the fits' rims, else a first measurement's guess while
        the size is the nominal default, else the size searched for."""
        if self._learnt_d is not None:
            return self._learnt_d
        if self._size_guess is not None and self.size_m == self.diameter_m:
            return self._size_guess
        return self.size_m

    def reset(self) -> None:
        self.last = None
        self.last_t = None
        self._near = None

    def detect(self, depth_m: np.ndarray, intr: Intrinsics, t_s: float | None = None, floor=None) -> PlateFit | None:
        fit = None
        self.jumped = False
        r_prior = self.learnt_diameter / 2.0
        if self.last is not None:
            track_floor = floor if floor is not None else self.floor
            dt = 0.1 if (t_s is None or self.last_t is None) else max(min(t_s - self.last_t, 0.5), 0.0)
            move = self.max_speed * dt + 0.03
            search = intr.fx * move / self.last.center[2]
            fit = refine_plate(depth_m, intr, self.last.pixel, float(self.last.center[2]), self.size_m,
                               normal0=self.last.normal, search_px=search, baseline_m=self._noise_baseline,
                               radius_prior_m=r_prior, center0=self.last.center,
                               floor=track_floor, free_radius_arc_deg=240.0 if self._size_known else 180.0,
                               invalid_edge_px=self.edge_px)
            if fit is not None and not self._plausible(fit, floor):
                fit = None
            if fit is not None:
                self._check_size(depth_m, intr, fit, t_s, track_floor)
        if fit is None:
            if floor is None:
                if self.floor is None and not self._floor_tried:
                    self.floor = estimate_floor(depth_m, intr)
                    self._floor_tried = True
                floor = self.floor
            fit = self._acquire(depth_m, intr, floor, r_prior, self.size_m)
            if fit is not None and self._other_plate(fit, t_s):
                return self._lost()
            if fit is None and self._other_sizes and len(self._diams) < 5:
                # Nothing of the expected size (and no measured diameter yet): try one other size per call.
                sizes = [self.diameter_m] + self._other_sizes
                size = [d for d in sizes if d != self.size_m][self._next_size % (len(sizes) - 1)]
                self._next_size += 1
                fit = self._acquire(depth_m, intr, floor, size / 2.0, size, measure_size=True)
                if fit is not None and self._other_plate(fit, t_s):
                    return self._lost()
                if fit is not None:
                    self.size_m = fit.diameter_m
                    self._diams.clear()
                    self._learnt_d = None
            move = None if fit is None else self._move_from_near(fit, t_s)
            if move is not None:
                self.jumped = self._beyond_reach(*move) or abs(self._along_bar(*move)) >= OTHER_PLATE_MIN_M
        if fit is not None:
            self.last = fit
            self.last_t = t_s
            self._near = (fit.center, fit.normal, t_s)
            if fit.edge_gap_px is not None and fit.quality > 0.5:
                self._edge_bands.append(self.edge_px + fit.edge_gap_px)
                if len(self._edge_bands) >= EDGE_BANDS_MIN:
                    self.edge_px = min(max(median(self._edge_bands), 0.0), EDGE_BAND_MAX_PX)
            if not fit.radius_fixed and fit.quality > 0.5:
                self._diams.append(fit.diameter_m)
                if len(self._diams) >= 5:
                    self._learnt_d = median(self._diams)
        else:
            self._lost()
        return fit

    def _lost(self) -> None:
        self.last = None

    def _other_plate(self, fit: PlateFit, t_s: float | None) -> bool:
        """Is a newly acquired fit something other than the plate followed until moments ago (that one hidden or
        cut by an image edge for a few frames)? Within JUMP_MEMORY_S of its last fit: anything beyond its reach
        (a bystander's trunk 0.7 m up, taken for a plate at 424x240, made a ghost rep at 2.3 m/s); within
        FAR_PLATE_MEMORY_S: the bar's far plate, a bar's length farther along its axis (the track would jump 1.4 m
        along the bar and restart)."""
        move = self._move_from_near(fit, t_s)
        if move is None or not 0.0 <= move[1] <= FAR_PLATE_MEMORY_S:
            return False
        d, dt = move
        if dt <= JUMP_MEMORY_S and self._beyond_reach(d, dt):
            return True
        return self._along_bar(d, dt) <= -OTHER_PLATE_MIN_M  # the normal points toward the camera: the far plate

    def _move_from_near(self, fit: PlateFit, t_s: float | None) -> tuple[np.ndarray, float] | None:
        """(d, dt): the fit's centre less the last fit's (m) and the time since it (s); None without both times."""
        if self._near is None or t_s is None or self._near[2] is None:
            return None
        return fit.center - self._near[0], t_s - self._near[2]

    def _along_bar(self, d: np.ndarray, dt: float) -> float:
        """A move d (m) in dt (s) from the last fit seen as the bar's other plate: its length along the last fit's
        normal (+ toward the camera) when the move across the bar is within the plate's reach, else 0. A bar does not
        travel along its own axis: a fit a bar's length along it is another plate (the far one, or the near one after
        the far one was followed)."""
        n = self._near[1]
        along = float(d @ n)
        across = float(np.linalg.norm(d - along * n))
        return along if across < self._reach(dt) else 0.0

    def _beyond_reach(self, d: np.ndarray, dt: float) -> bool:
        """Is a move d (m) in dt (s) farther than the plate can go?"""
        return float(np.linalg.norm(d)) > self._reach(dt)

    def _reach(self, dt: float) -> float:
        """How far (m) the plate can go in dt (s): max_speed, + 10 cm of fit error."""
        return self.max_speed * abs(dt) + 0.1

    def _size_unmeasured(self) -> bool:
        """The size is still the nominal default, nothing measured of it: no diameter learnt, and the size checks not
        yet done (done, they confirmed the nominal or set the size measured: a disc an acquisition fits later with
        its radius free is the plate partly hidden, not a guess at its size; the lifter's legs over a resting 45 cm
        plate at the set-up made one of 0.409 m the radius tracked for 3 s, 1.8 cm off, the first pull 0.35 m/s off)."""
        return self.size_m == self.diameter_m and not self._diams and len(self._size_checks) < SIZE_CHECKS

    def _check_size(self, depth_m, intr, fit: PlateFit, t_s: float | None, floor) -> None:
        """While the size is the unmeasured nominal, measure it now and then from the tracked fit (SIZE_CHECKS)."""
        if len(self._size_checks) >= SIZE_CHECKS or not self._size_unmeasured() or t_s is None:
            return
        if self._size_check_t is not None and 0.0 <= t_s - self._size_check_t < SIZE_CHECK_EVERY_S:
            return
        self._size_check_t = t_s
        m = refine_plate(depth_m, intr, fit.pixel, float(fit.center[2]), self.size_m, normal0=fit.normal,
                         search_px=0.0, baseline_m=self._noise_baseline, radius_prior_m=self.size_m / 2.0,
                         center0=fit.center, floor=floor, free_radius_arc_deg=SIZE_CHECK_ARC_DEG, free_first=True,
                         invalid_edge_px=self.edge_px)
        if m is None or m.radius_fixed or not self._plausible(m, floor, self.size_m):
            return
        self._size_checks.append(m.diameter_m)
        if len(self._size_checks) < SIZE_CHECKS:
            return
        d = median(self._size_checks)
        self._size_guess = None
        if size_differs(d, self.size_m):
            self.size_m = d

    def _plausible(self, fit: PlateFit, floor=None, size_m: float | None = None) -> bool:
        floor = floor if floor is not None else self.floor
        if floor is not None and abs(float(fit.normal @ floor.normal)) > 0.4:
            return False  # the bar is horizontal: its plates' faces are vertical
        ref = self.learnt_diameter if size_m is None else size_m
        return abs(fit.diameter_m - ref) < 0.2 * ref and fit.quality > 0.15

    def _acquire(self, depth_m, intr, floor, r_prior, size_m: float, measure_size: bool = False
                 ) -> PlateFit | None:
        """Full search for a plate of about `size_m`. measure_size: the size is a guess, so the diameter is also
        measured from shorter rim arcs (≥ 180°) and the second pass uses it as the radius prior."""
        self.n_acquisitions += 1
        free_arc = 180.0 if measure_size else 240.0
        fits: list[PlateFit] = []
        discs: list[PlateFit] = []  # every plate-like disc fitted, good enough to acquire or not

        def first_pass(cand: PlateCandidate, free_first: bool) -> PlateFit | None:
            return refine_plate(depth_m, intr, cand.pixel, cand.depth_m, size_m, normal0=None,
                                search_px=0.3 * cand.radius_px, baseline_m=self._noise_baseline,
                                radius_prior_m=r_prior, floor=floor, min_arc_deg=150.0, free_radius_arc_deg=free_arc,
                                free_first=free_first, invalid_edge_px=self.edge_px)

        for cand in find_plate_candidates(depth_m, intr, size_m, floor=floor, baseline_m=self._noise_baseline):
            free = measure_size
            fit = first_pass(cand, free)
            if not measure_size and self._size_unmeasured():
                # The nominal size is only a default: a plate a few centimetres smaller (40 cm) can fail the fixed
                # radius fit (a resting plate shows ~150 deg of rim), or pass it with a circle off by centimetres
                # (4-5 cm for 0.4 s at 424x240): its radius is fitted too, and a measurably different size that
                # fits better is taken.
                fit_free = first_pass(cand, True)
                if fit_free is not None and (fit is None or (
                        size_differs(fit_free.diameter_m, size_m) and fit_free.quality > fit.quality)):
                    fit, free = fit_free, True
            if fit is None:
                continue
            r2 = fit.diameter_m / 2.0 if free else r_prior
            # Second pass with the fitted plane (a better normal and centre).
            fit2 = refine_plate(depth_m, intr, fit.pixel, float(fit.center[2]), 2.0 * r2, normal0=fit.normal,
                                search_px=0.1 * cand.radius_px, baseline_m=self._noise_baseline, radius_prior_m=r2,
                                center0=fit.center, floor=floor, min_arc_deg=150.0, free_radius_arc_deg=free_arc,
                                invalid_edge_px=self.edge_px)
            fit = fit2 or fit
            # A size that is only a guess needs a clearer disc whose diameter was measured (a head, a torso or a
            # plate half out of view must not set the size).
            q_min = self.min_acquire_quality * (1.5 if measure_size else 1.0)
            if not self._plausible(fit, floor, size_m if measure_size else None):
                continue
            discs.append(fit)
            if fit.quality < q_min:
                continue
            if measure_size and (fit.radius_fixed or fit.diameter_m < MIN_PLATE_DIAMETER_M):
                continue
            fits.append(fit)
        if not fits:
            return None
        # Both plates of the bar can be in view: the near one is the nearer of the good fits.
        q_best = max(f.quality for f in fits)
        good = [f for f in fits if f.quality >= 0.5 * q_best]
        fit = min(good, key=lambda f: float(np.linalg.norm(f.center)))
        # ... and when the near one is not (yet) good enough to acquire (resting on the floor, its size only guessed),
        # a plate-like disc a bar's length nearer the camera says this one is the far plate: taken by a size discovery
        # at the first frame (yaw 18 deg, 40 cm plates), its diameter set the size and the near plate was tracked
        # 1.5-3 cm off. (Only then: a nominal-size search keeps taking the nearest good disc, so that a stored plate
        # nearer the camera can never keep the lifter's from being found.)
        rng = float(np.linalg.norm(fit.center))
        if measure_size and any(float(np.linalg.norm(d.center)) < rng - OTHER_PLATE_MIN_M
                                and float(np.linalg.norm(d.center - fit.center)) < BAR_SPAN_M for d in discs):
            return None
        if not measure_size and self._size_unmeasured() and size_differs(fit.diameter_m, size_m):
            self._size_guess = fit.diameter_m
        return fit
