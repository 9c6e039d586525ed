"""Floor plane from synthetic D435 depth: floor band + back wall + rack uprights + a person + random clutter."""

from __future__ import annotations

import numpy as np
import pytest

from barpath.sources.frame import Intrinsics
from barpath.vision.floor import FloorFit, depth_to_points, fit_floor

INTR = Intrinsics(848, 480, 425.0, 425.0, 427.0, 238.0)
SIGMA_PER_M2 = 0.08 / (425.0 * 0.050)  # σz = z² · subpixel / (fx · baseline)


def rot_x(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[1, 0, 0], [0, c, -s], [0, s, c]])


def rot_z(a: float) -> np.ndarray:
    c, s = np.cos(a), np.sin(a)
    return np.array([[c, -s, 0], [s, c, 0], [0, 0, 1]])


def true_up(pitch_deg: float, roll_deg: float) -> np.ndarray:
    """World up in camera coords; pitch > 0 = camera looking down (up then has z < 0)."""
    return rot_z(np.radians(roll_deg)) @ rot_x(np.radians(pitch_deg)) @ np.array([0.0, -1.0, 0.0])


def scene_depth(height: float, pitch: float, roll: float, wall_m: float = 4.0, seed: int = 0,
                clutter: float = 0.05) -> np.ndarray:
    """Depth image (m, 0 = invalid) of floor, back wall, two rack uprights, a person, noise and clutter."""
    rng = np.random.default_rng(seed)
    up = true_up(pitch, roll)
    v, u = np.mgrid[0:INTR.height, 0:INTR.width]
    d = INTR.deproject(u, v, np.ones(u.shape))  # ray with z = 1, so the hit parameter is the depth
    depth = np.full(u.shape, np.inf)

    def hit_plane(n, off):  # plane n·p + off = 0
        nd = d @ n
        with np.errstate(divide="ignore", invalid="ignore"):
            t = -off / nd
        return np.where((t > 0) & np.isfinite(t), t, np.inf)

    depth = np.minimum(depth, hit_plane(up, height))  # floor
    fwd = np.array([0.0, 0.0, 1.0]) - up[2] * up  # camera forward, made horizontal
    fwd /= np.linalg.norm(fwd)
    depth = np.minimum(depth, hit_plane(-fwd, wall_m))  # back wall: -fwd·p + wall_m = 0

    def hit_vertical_cylinder(centre, radius, top):  # axis along up through centre (a floor point)
        dh = d - (d @ up)[..., None] * up  # ray and offset projected onto the horizontal plane
        ch = centre - (centre @ up) * up
        a = np.einsum("...i,...i", dh, dh)
        b = -2 * dh @ ch
        c = ch @ ch - radius ** 2
        disc = b * b - 4 * a * c
        with np.errstate(invalid="ignore"):
            t = (-b - np.sqrt(disc)) / (2 * a)
        ok = (disc > 0) & (t > 0)
        hgt = (t[..., None] * d) @ up + height  # height of the hit above the floor
        ok &= (hgt >= 0) & (hgt <= top)
        return np.where(ok, t, np.inf)

    side = np.cross(up, fwd)
    base = -height * up  # floor point under the camera
    for x_off, z_off, r, top in [(-0.6, 2.6, 0.05, 2.2), (0.6, 2.6, 0.05, 2.2), (0.0, 2.3, 0.22, 1.8)]:
        depth = np.minimum(depth, hit_vertical_cylinder(base + x_off * side + z_off * fwd, r, top))

    depth[~np.isfinite(depth) | (depth > 8.0)] = 0.0
    ok = depth > 0
    depth[ok] += rng.normal(0.0, 1.0, ok.sum()) * SIGMA_PER_M2 * depth[ok] ** 2
    junk = rng.random(depth.shape) < clutter  # random clutter / flying pixels
    depth[junk] = rng.uniform(0.3, 6.0, junk.sum())
    depth[rng.random(depth.shape) < 0.05] = 0.0  # holes
    return np.round(depth * 1000.0) / 1000.0  # 1 mm depth units


def angle_deg(a, b) -> float:
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b) / np.linalg.norm(a) / np.linalg.norm(b), -1, 1))))


# Pitch > 0 looks down. Looking UP, a 58° tall view sees the floor only while h / tan(29° − |pitch|) is
# short of the back wall (4 m): -20° at 0.5 m (a thin far band at 3.2–4 m), -10° at 1.0 m.
CASES = ([(h, p, r) for h in (0.5, 1.0, 1.5) for p in (0.0, 10.0, 20.0) for r in (-5.0, 5.0)]
         + [(0.5, -20.0, -5.0), (0.5, -20.0, 5.0), (1.0, -10.0, -5.0), (1.0, -10.0, 5.0)])


@pytest.mark.parametrize("height,pitch,roll", CASES)
def test_floor_fit_accuracy(height, pitch, roll):
    depth = scene_depth(height, pitch, roll, seed=int(10 * height + pitch + roll) % 1000)
    pts = depth_to_points(depth, INTR, stride=4)
    fit = fit_floor(pts)
    assert isinstance(fit, FloorFit)
    err_deg = angle_deg(fit.normal, true_up(pitch, roll))
    err_h = abs(fit.camera_height_m - height)
    print(f"\nh={height} pitch={pitch:+.0f} roll={roll:+.0f}: up error {err_deg:.3f}°, height error "
          f"{1000 * err_h:.1f} mm, inliers {fit.inlier_fraction:.2f}, rms {1000 * fit.rms_residual_m:.1f} mm")
    assert err_deg < 0.5
    # The -20° case sees only a 3.2–4 m band (σz 4–6 cm per pixel): ~1 cm there, ≤ 6 mm elsewhere.
    tol_h = 0.015 if pitch == -20.0 else 0.01
    assert err_h < tol_h
    assert np.linalg.norm(fit.normal) == pytest.approx(1.0)
    assert fit.tilt_deg() == pytest.approx(np.hypot(pitch, roll), abs=1.0)
    assert abs(fit.height_above(-height * true_up(pitch, roll))) < tol_h  # the floor point under the lens


@pytest.mark.parametrize("height,pitch", [(1.0, -20.0), (1.5, -20.0), (1.5, -10.0)])
def test_no_floor_in_view_returns_none(height, pitch):
    """Looking up from 1–1.5 m the floor is behind the wall's foot: no plane may be invented from clutter."""
    assert fit_floor(depth_to_points(scene_depth(height, pitch, 5.0), INTR)) is None


def test_wall_only_is_not_a_floor():
    """A scene with no floor in view (camera looking at a wall) must not return the wall."""
    up = true_up(0.0, 0.0)
    rng = np.random.default_rng(1)
    wall = np.column_stack([rng.uniform(-2, 2, 5000), rng.uniform(-1, 1, 5000), np.full(5000, 3.0)])
    assert fit_floor(wall) is None
    # Wall plus a small floor patch: the floor is found even though the wall has 10x more points.
    floor = np.column_stack([rng.uniform(-1, 1, 500), np.full(500, 1.0), rng.uniform(1, 3, 500)])
    fit = fit_floor(np.vstack([wall, floor]))
    assert fit is not None and angle_deg(fit.normal, up) < 0.5 and fit.camera_height_m == pytest.approx(1.0, abs=0.01)


def test_depth_to_points_uses_intrinsics():
    depth = np.zeros((480, 848), np.float32)
    depth[100, 200] = 2.0
    depth[104, 204] = 1.0  # on the stride grid
    pts = depth_to_points(depth, INTR, stride=4)
    assert pts.shape == (2, 3)
    np.testing.assert_allclose(pts[0], INTR.deproject(200, 100, 2.0))
    np.testing.assert_allclose(pts[1], INTR.deproject(204, 104, 1.0))
    assert depth_to_points(np.zeros((10, 10)), INTR).shape == (0, 3)
