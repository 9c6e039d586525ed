"""Floor plane and "up" from one depth image: vectorised RANSAC (MSAC) + weighted least-squares refinement.

Camera coordinates follow the RealSense convention: x right, y down, z forward (metres), so a level
camera sees up ≈ (0, −1, 0). Pure numpy; no pyrealsense2.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.sources.frame import Intrinsics

# D435 at 848x480: σz = z² · subpixel / (fx · baseline) = z² · 0.08 / (425 · 0.050) ≈ 0.0038 z² (m).
DEFAULT_DEPTH_NOISE_PER_M2 = 0.08 / (425.0 * 0.050)
BELOW_PENALTY = 2.0  # extra MSAC cost of a point lying beneath a candidate floor


@dataclass(frozen=True)
class FloorFit:
    """The floor plane: points p on it satisfy normal · p + camera_height_m = 0."""

    normal: np.ndarray  # (3,) unit vector pointing UP (from the floor toward the camera side), camera coords
    camera_height_m: float  # distance from the camera origin to the plane (camera is above it)
    inlier_fraction: float  # of the points given
    rms_residual_m: float  # RMS of inlier point-to-plane distances
    n_inliers: int

    @property
    def up(self) -> np.ndarray:
        return self.normal

    def height_above(self, points_cam: np.ndarray) -> np.ndarray:
        """Signed height (m) of camera-frame point(s) above the floor."""
        return np.asarray(points_cam, float) @ self.normal + self.camera_height_m

    def tilt_deg(self) -> float:
        """Angle between the camera's −y axis and true up (0 for a level camera)."""
        return float(np.degrees(np.arccos(np.clip(-self.normal[1], -1.0, 1.0))))


def depth_to_points(depth_m: np.ndarray, intrinsics: Intrinsics, stride: int = 4,
                    min_depth_m: float = 0.1, max_depth_m: float = 8.0) -> np.ndarray:
    """Deproject every `stride`-th pixel (both directions) with valid depth (metres; 0 = none) -> (N, 3)."""
    d = np.asarray(depth_m)[::stride, ::stride].astype(float)
    v, u = np.mgrid[0:depth_m.shape[0]:stride, 0:depth_m.shape[1]:stride]
    ok = np.isfinite(d) & (d >= min_depth_m) & (d <= max_depth_m)
    return intrinsics.deproject(u[ok], v[ok], d[ok]).reshape(-1, 3)


def fit_floor(points_cam: np.ndarray, prior_up: np.ndarray = (0.0, -1.0, 0.0), max_tilt_deg: float = 42.0,
              min_height_m: float = 0.15, noise_per_m2: float = DEFAULT_DEPTH_NOISE_PER_M2,
              min_threshold_m: float = 0.01, max_threshold_m: float = 0.05, n_hypotheses: int = 3000, n_score: int = 3000,
              min_inlier_fraction: float = 0.03, max_below_ratio: float = 0.25, seed: int = 0) -> FloorFit | None:
    """Fit the floor to camera-frame points (N, 3); None if no plausible floor is found.

    Only planes whose upward normal is within `max_tilt_deg` of `prior_up` (default: camera −y, i.e. any
    pitch/roll up to ~±30° each, which combine to ≤ 41.4°) and that lie at least `min_height_m` below the
    camera are candidates — a wall (normal horizontal, ≥ 48° from the prior for such a camera), a ceiling
    or a table top above the lens are rejected outright. Among candidates, the one with the best MSAC score
    wins, so clutter (person, rack uprights, plates) only costs inliers. Inlier threshold per point:
    3 σz(z) clipped to [min_threshold_m, max_threshold_m], σz = noise_per_m2 · z² (stereo depth error grows
    with z²; the cap keeps the bottom of a far wall from joining the floor).
    """
    p = np.asarray(points_cam, float).reshape(-1, 3)
    p = p[np.all(np.isfinite(p), axis=1) & (p[:, 2] > 0)]
    n_pts = len(p)
    if n_pts < 3:
        return None
    up0 = np.asarray(prior_up, float)
    up0 = up0 / np.linalg.norm(up0)
    cos_max = np.cos(np.radians(max_tilt_deg))
    thr = np.clip(3.0 * noise_per_m2 * p[:, 2] ** 2, min_threshold_m, max_threshold_m)
    rng = np.random.default_rng(seed)

    # Candidate points: below the camera by the prior (every floor point is, for tilts < 90°); halves the
    # search when a wall and a person fill the upper image.
    cand = np.flatnonzero(p @ up0 < -min_height_m * 0.5)
    if len(cand) < 3:
        return None

    # Hypotheses, all at once: n = (b − a) × (c − a), oriented up; keep the plausible ones.
    tri = p[cand[rng.integers(0, len(cand), size=(n_hypotheses, 3))]]
    n = np.cross(tri[:, 1] - tri[:, 0], tri[:, 2] - tri[:, 0])
    norm = np.linalg.norm(n, axis=1)
    good = norm > 1e-9
    n = n[good] / norm[good, None]
    n *= np.where(n @ up0 < 0, -1.0, 1.0)[:, None]
    h = -np.einsum("ij,ij->i", n, tri[good, 0])  # n·p + h = 0 on the plane; h > 0: camera above it
    keep = (n @ up0 >= cos_max) & (h >= min_height_m)
    n, h = n[keep], h[keep]
    if len(n) == 0:
        return None

    # MSAC score on a random subset: Σ min((r/thr)², 1), lower is better, normalised by each point's own
    # threshold so that noisy far points don't dominate. Points BELOW a candidate floor (r < −thr) were seen
    # through it — impossible for a real floor — and cost extra: this rejects planes that merely slice
    # through clutter or the bottom of a wall when the true floor is out of view.
    sub = rng.choice(n_pts, size=min(n_score, n_pts), replace=False)
    r = (p[sub] @ n.T + h) / thr[sub, None]  # (n_score, n_hyp)
    score = np.minimum(r * r, 1.0).sum(axis=0) + BELOW_PENALTY * (r < -1.0).sum(axis=0)
    best = int(np.argmin(score))
    normal, height = n[best], float(h[best])

    # Refinement: iteratively reweighted total least squares. Weight = 1/sd² × Tukey biweight of the
    # residual; a depth error moves a point along its ray, so its distance-to-plane sd is σz · |n · ray|.
    for _ in range(10):
        res = p @ normal + height
        inl = np.abs(res) < thr
        if inl.sum() < 3:
            return None
        q = p[inl]
        sd = np.maximum(noise_per_m2 * q[:, 2] ** 2 * np.abs(q @ normal) / q[:, 2], 1e-4)
        w = (1.0 - (res[inl] / thr[inl]) ** 2) ** 2 / sd ** 2
        c = (w[:, None] * q).sum(axis=0) / w.sum()  # weighted centroid
        d = (q - c) * np.sqrt(w)[:, None]
        _, _, vt = np.linalg.svd(d, full_matrices=False)
        new_n = vt[-1] if vt[-1] @ up0 >= 0 else -vt[-1]  # smallest-variance direction = normal
        new_h = float(-new_n @ c)
        if new_n @ up0 < cos_max or new_h < min_height_m:
            break  # refinement wandered off a plausible floor: keep the last good estimate
        converged = abs(new_h - height) < 1e-6 and new_n @ normal > 1 - 1e-12
        normal, height = new_n, new_h
        if converged:
            break

    res = p @ normal + height
    inl = np.abs(res) <= thr
    frac = float(inl.mean())
    below = int((res < -thr).sum())
    if frac < min_inlier_fraction or below > max_below_ratio * inl.sum():
        return None  # too little support, or too much of the scene lies beneath it: not a floor
    return FloorFit(normal=normal, camera_height_m=height, inlier_fraction=frac,
                    rms_residual_m=float(np.sqrt(np.mean(res[inl] ** 2))), n_inliers=int(inl.sum()))
