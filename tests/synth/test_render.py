"""Analytic checks of the depth renderer (exact ray casting, z-buffer, bbox culling)."""

from __future__ import annotations

import numpy as np
import pytest

from barpath.synth.camera import CameraPose, d4xx_intrinsics
from barpath.synth.primitives import Box, Capsule, Cylinder, Ellipsoid, Plane
from barpath.synth.render import LABELS, DepthRenderer
from barpath.synth.scene import build_static_scene, standin_lifter

K = d4xx_intrinsics("D435", 424, 240)
POSE = CameraPose(distance=2.5, height=0.9)  # camera at world (0, 0.9, 2.5) looking along -Z
P = lambda *v: np.array(v, float)  # noqa: E731


def _hit_points_world(r: DepthRenderer, depth: np.ndarray, mask: np.ndarray) -> np.ndarray:
    v, u = np.nonzero(mask)
    cam = r.intrinsics.deproject(u, v, depth[v, u].astype(float))
    return POSE.to_world(cam)


def _rot(axis, deg):
    axis = np.asarray(axis, float) / np.linalg.norm(axis)
    x, y, z = axis
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    kx = np.array([[0, -z, y], [z, 0, -x], [-y, x, 0]])
    return np.eye(3) + s * kx + (1 - c) * kx @ kx


def test_fronto_parallel_plane_constant_depth():
    wall = Plane(P(0, 0, 1), -1.0, "wall")  # Z = -1, i.e. 3.5 m in front of the camera
    r = DepthRenderer(POSE, K, [wall])
    depth, labels = r.render([])
    assert depth.dtype == np.float32 and labels.dtype == np.uint8 and depth.shape == (240, 424)
    np.testing.assert_allclose(depth, 3.5, atol=1e-5)
    assert np.all(labels == LABELS["wall"])


def test_tilted_camera_plane_hits_lie_on_plane_and_floor_horizon():
    pose = CameraPose(distance=2.5, height=0.9, yaw=20, pitch=10, roll=3)
    r = DepthRenderer(pose, K, build_static_scene(1, wall=True, wall_distance=1.0))
    depth, labels = r.render([])
    v, u = np.nonzero(depth > 0)
    world = pose.to_world(K.deproject(u, v, depth[v, u].astype(float)))
    lab = labels[v, u]
    np.testing.assert_allclose(world[lab == LABELS["floor"], 1], 0.0, atol=2e-4)
    np.testing.assert_allclose(world[lab == LABELS["wall"], 2], -1.0, atol=2e-4)
    # Looking 10 degrees down from 0.9 m: floor fills the bottom of the image, wall the top.
    assert labels[-1, K.width // 2] == LABELS["floor"] and labels[0, K.width // 2] == LABELS["wall"]


def test_max_range_cuts_far_surfaces():
    r = DepthRenderer(POSE, K, [Plane(P(0, 0, 1), -3.0, "wall")], max_range_m=5.0)  # wall at 5.5 m
    depth, labels = r.render([Capsule(P(0, 0.9, -2.0), P(0, 0.9, -2.0), 0.3)])  # sphere 4.2..4.8 m
    assert np.all(depth <= 5.0)
    assert np.all((depth == 0) == (labels == 0))
    assert (labels == LABELS["body"]).sum() > 50


def test_sphere_projects_where_intrinsics_say():
    k = d4xx_intrinsics("D435", 848, 480)
    c, rad = P(0.3, 1.1, 0.0), 0.12
    r = DepthRenderer(POSE, k, [])
    depth, labels = r.render([Capsule(c, c, rad, "other")])
    mask = labels == LABELS["other"]
    c_cam = POSE.to_camera(c)
    u_c, v_c = k.project(c_cam)
    v, u = np.nonzero(mask)
    assert abs(u.mean() - u_c) < 0.3 and abs(v.mean() - v_c) < 0.3
    dist = np.linalg.norm(c_cam)
    r_px = k.fx * np.tan(np.arcsin(rad / dist))  # angular radius of the sphere
    assert np.sqrt(mask.sum() / np.pi) == pytest.approx(r_px, rel=0.02)
    ui, vi = int(round(u_c)), int(round(v_c))
    # depth along the exact ray of that pixel: first root of |t d - c| = rad
    d = np.array([(ui - k.ppx) / k.fx, (vi - k.ppy) / k.fy, 1.0])
    a, b, cc = d @ d, d @ c_cam, c_cam @ c_cam - rad * rad
    t = (b - np.sqrt(b * b - a * cc)) / a
    assert depth[vi, ui] == pytest.approx(t, abs=1e-4)
    assert depth[vi, ui] == pytest.approx(c_cam[2] - rad, abs=3e-3)
    assert np.all(depth[mask] >= c_cam[2] - rad - 1e-4)


def test_cylinder_face_on_renders_disc_of_right_radius():
    k = d4xx_intrinsics("D435", 848, 480)
    center = POSE.to_world(np.array([0.0, 0.0, 2.0]))  # on the optical axis, 2 m away
    plate = Cylinder(center, P(0, 0, 1), 0.225, 0.025, "plate")
    r = DepthRenderer(POSE, k, [])
    depth, labels = r.render([plate])
    mask = labels == LABELS["plate"]
    r_px = k.fx * 0.225 / 1.975  # front face 1.975 m away
    assert np.sqrt(mask.sum() / np.pi) == pytest.approx(r_px, abs=0.5)
    np.testing.assert_allclose(depth[mask], 1.975, atol=1e-5)


def test_cylinder_side_on_and_off_axis_hits_on_surface():
    r = DepthRenderer(POSE, K, [])
    cyl = Cylinder(P(0.2, 1.0, 0.3), _rot([0.3, 1, 0.2], 50) @ P(1, 0, 0), 0.2, 0.1, "plate")
    depth, labels = r.render([cyl])
    mask = labels == LABELS["plate"]
    assert mask.sum() > 200
    w = _hit_points_world(r, depth, mask) - cyl.center
    axial = w @ cyl.axis
    radial = np.linalg.norm(w - axial[:, None] * cyl.axis, axis=1)
    on_side = np.abs(radial - cyl.radius) < 1e-3
    on_cap = np.abs(np.abs(axial) - cyl.half_length) < 1e-3
    assert np.all((on_side & (np.abs(axial) <= cyl.half_length + 1e-3)) | (on_cap & (radial <= cyl.radius + 1e-3)))
    assert on_side.sum() > 20 and on_cap.sum() > 20  # both the rim and a face are seen


def test_capsule_and_ellipsoid_and_box_hits_lie_on_surfaces():
    r = DepthRenderer(POSE, K, [])
    cap = Capsule(P(-0.3, 0.5, 0.2), P(0.25, 1.4, -0.3), 0.08)
    depth, labels = r.render([cap])
    pts = _hit_points_world(r, depth, labels > 0)
    ab = cap.p1 - cap.p0
    s = np.clip((pts - cap.p0) @ ab / (ab @ ab), 0, 1)
    dist = np.linalg.norm(pts - (cap.p0 + s[:, None] * ab), axis=1)
    assert len(pts) > 300
    np.testing.assert_allclose(dist, cap.radius, atol=1e-3)

    axes = _rot([1, 2, 3], 40)
    ell = Ellipsoid(P(0.1, 1.2, 0.0), axes, P(0.25, 0.1, 0.15))
    depth, labels = r.render([ell])
    pts = _hit_points_world(r, depth, labels > 0)
    q = (pts - ell.center) @ axes / ell.radii
    assert len(pts) > 300
    np.testing.assert_allclose(np.linalg.norm(q, axis=1), 1.0, atol=2e-3)

    box = Box(P(-0.4, 0.2, -0.5), P(0.1, 0.9, 0.4), "rack")
    r2 = DepthRenderer(CameraPose(distance=2.5, height=1.6, x=0.8, pitch=20), K, [])
    depth, labels = r2.render([box])
    v, u = np.nonzero(labels > 0)
    pts = r2.pose.to_world(K.deproject(u, v, depth[v, u].astype(float)))
    inside = np.all((pts >= box.lo - 1e-3) & (pts <= box.hi + 1e-3), axis=1)
    on_face = np.any((np.abs(pts - box.lo) < 1e-3) | (np.abs(pts - box.hi) < 1e-3), axis=1)
    assert len(pts) > 300 and np.all(inside & on_face)
    # Seen from above and to the side: three faces visible.
    faces = {(k, side) for k in range(3) for side, ref in ((0, box.lo), (1, box.hi))
             if np.sum(np.abs(pts[:, k] - ref[k]) < 1e-3) > 20}
    assert len(faces) == 3


def test_ellipsoid_sphere_equals_capsule_sphere():
    r = DepthRenderer(POSE, K, [])
    c = P(0.1, 0.8, 0.3)
    d1, _ = r.render([Capsule(c, c, 0.2)])
    d2, _ = r.render([Ellipsoid(c, _rot([1, 1, 0], 33), P(0.2, 0.2, 0.2))])
    assert np.array_equal(d1 > 0, d2 > 0)
    # float32: within ~10 um except within a pixel of the silhouette (grazing rays), where <= 0.5 mm
    np.testing.assert_allclose(d1, d2, atol=5e-4)
    assert np.mean(np.abs(d1 - d2)[d1 > 0] < 5e-5) > 0.99


def test_occlusion_order_independent_of_list_order_and_background():
    wall = Plane(P(0, 0, 1), -1.0, "wall")
    r = DepthRenderer(POSE, K, [wall, Box(P(0.5, 0.0, 0.5), P(0.7, 2.0, 0.7), "rack")])
    near = Capsule(P(0, 0.9, 0.8), P(0, 0.9, 0.8), 0.1, "body")  # 1.7 m
    far = Cylinder(P(0, 0.9, 0.0), P(0, 0, 1), 0.25, 0.02, "plate")  # 2.48 m
    hidden = Capsule(P(0.96, 0.9, -0.5), P(0.96, 0.9, -0.5), 0.1, "person2")  # behind the rack upright
    behind_wall = Capsule(P(0, 0.5, -1.5), P(0, 0.5, -1.5), 0.3, "person2")
    d1, l1 = r.render([near, far, hidden, behind_wall])
    d2, l2 = r.render([behind_wall, hidden, far, near])
    assert np.array_equal(l1, l2) and np.array_equal(d1, d2)
    vc, uc = (int(round(x)) for x in K.project(POSE.to_camera(P(0, 0.9, 0.8)))[::-1])
    assert l1[vc, uc] == LABELS["body"]
    assert (l1 == LABELS["plate"]).sum() > 100  # the plate's rim shows around the sphere
    assert (l1 == LABELS["person2"]).sum() == 0
    # the background is restored for the next frame
    d3, l3 = r.render([])
    assert set(np.unique(l3)) == {LABELS["wall"], LABELS["rack"]}


def test_partly_behind_camera_and_off_screen():
    r = DepthRenderer(POSE, K, [])
    through = Capsule(P(0.1, 0.8, 4.0), P(0.1, 0.8, -1.0), 0.05, "bar")  # from behind the camera to 3.5 m
    behind = Capsule(P(0, 0.9, 3.0), P(0.5, 0.9, 3.5), 0.2)
    off = Cylinder(P(5.0, 0.9, 0.0), P(0, 0, 1), 0.2, 0.02)
    edge = Capsule(P(-2.6, 0.9, 0.0), P(-2.6, 0.9, 0.0), 0.3, "other")  # centre just off the left edge
    depth, labels = r.render([through, behind, off, edge])
    assert (labels == LABELS["bar"]).sum() > 50
    assert (labels == LABELS["body"]).sum() == 0 and (labels == LABELS["plate"]).sum() == 0
    assert 0 < (labels[:, :40] == LABELS["other"]).sum() and (labels[:, 60:] == LABELS["other"]).sum() == 0
    assert np.all(depth[labels == LABELS["bar"]] > 0)


def test_bbox_culling_matches_full_frame_cast(monkeypatch):
    """The per-primitive screen boxes must never clip: compare with casting every primitive over the full frame."""
    pose = CameraPose(distance=2.2, height=1.0, pitch=8, yaw=-5)
    k = d4xx_intrinsics("D435", 424, 240)
    rng = np.random.default_rng(3)
    prims = standin_lifter(bend=0.7)
    for _ in range(15):
        c = rng.uniform([-1.5, 0.0, -1.5], [1.5, 2.0, 2.4])
        prims.append(Capsule(c, c + rng.normal(0, 0.4, 3), float(rng.uniform(0.02, 0.2)), "other"))
        prims.append(Cylinder(c[::-1] * [1, 0.5, 1], _rot(rng.normal(size=3), 30) @ P(0, 0, 1),
                              float(rng.uniform(0.05, 0.3)), 0.03, "plate"))
        prims.append(Ellipsoid(c + 0.3, _rot(rng.normal(size=3), 70), rng.uniform(0.03, 0.3, 3), "person2"))
    static = build_static_scene(1, rack=True, clutter="both")
    r = DepthRenderer(pose, k, static)
    d1, l1 = r.render(prims)
    monkeypatch.setattr(DepthRenderer, "_sphere_bounds", lambda self, s: (0, self.height, 0, self.width))
    d2, l2 = r.render(prims)
    assert np.array_equal(l1, l2)
    np.testing.assert_array_equal(d1, d2)
    assert len(np.unique(l1)) >= 8


def test_out_buffers_and_float32():
    r = DepthRenderer(POSE, K, build_static_scene(1))
    prims = standin_lifter()
    d1, l1 = r.render(prims)
    out = (np.full((240, 424), 7.0, np.float32), np.full((240, 424), 9, np.uint8))
    d2, l2 = r.render(prims, out=out)
    assert d2 is out[0] and np.array_equal(d1, d2) and np.array_equal(l1, l2)


def test_capsule_silhouette_matches_brute_force_ray_segment_distance():
    """Every pixel whose ray passes within r of the segment is hit, and no other (up to silhouette tolerance)."""
    r = DepthRenderer(POSE, K, [])
    cap = Capsule(P(-0.3, 0.5, 0.6), P(0.25, 1.4, -0.3), 0.08)  # far end cap visible beyond the body
    _, labels = r.render([cap])
    p0, p1 = POSE.to_camera(cap.p0), POSE.to_camera(cap.p1)
    seg = p0 + np.linspace(0, 1, 150)[:, None] * (p1 - p0)  # (S, 3) camera frame
    u, v = np.meshgrid(np.arange(K.width), np.arange(K.height))
    vv, uu = np.nonzero(labels)
    win = (slice(max(0, vv.min() - 15), vv.max() + 15), slice(max(0, uu.min() - 15), uu.max() + 15))
    u, v, labels = u[win], v[win], labels[win]
    d = np.stack([(u - K.ppx) / K.fx, (v - K.ppy) / K.fy, np.ones_like(u, float)], -1).reshape(-1, 3)
    d /= np.linalg.norm(d, axis=1, keepdims=True)
    proj = d @ seg.T  # (N, S) along-ray coordinate of each segment sample
    dist2 = (seg * seg).sum(1)[None, :] - proj ** 2
    mind = np.sqrt(np.maximum(dist2.min(axis=1), 0)).reshape(u.shape)
    hit = labels == LABELS["body"]
    sure_in, sure_out = mind < cap.radius - 2e-3, mind > cap.radius + 2e-3
    assert hit.sum() > 1000
    assert np.all(hit[sure_in]) and not np.any(hit[sure_out])
