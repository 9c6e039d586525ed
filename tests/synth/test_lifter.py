"""Anthropometry, barbell geometry and body/bar primitives of the synthetic lifter."""

import numpy as np
import pytest

from barpath.synth.lifter import (
    BarbellSpec, LifterSpec, barbell_primitives, body_primitives, front_x, knee_ik, plate_faces,
)
from barpath.synth.primitives import Capsule, Cylinder, Ellipsoid


def test_segment_lengths_follow_body_height():
    lf = LifterSpec(height_m=1.80)
    assert lf.shank == pytest.approx(0.246 * 1.80)
    assert lf.thigh == pytest.approx(0.245 * 1.80)
    assert lf.upper_arm == pytest.approx(0.186 * 1.80)
    assert lf.forearm_hand == pytest.approx(0.254 * 1.80)
    assert 0.28 * 1.8 <= lf.trunk <= 0.31 * 1.8
    assert lf.ankle_height == pytest.approx(0.039 * 1.80)
    # standing: hip about 0.53 H, shoulder about 0.82 H, hands (knuckles) about 0.43 H
    assert lf.standing_hip_y == pytest.approx(0.53 * 1.80, abs=0.03)
    assert lf.standing_hip_y + lf.trunk == pytest.approx(0.818 * 1.80, abs=0.03)
    assert lf.standing_hip_y + lf.trunk - lf.arm == pytest.approx(0.43 * 1.80, abs=0.04)
    # the head's top (its centre plus the ellipsoid's 0.12 H / 1.78 half-height) is the stature
    assert lf.standing_hip_y + lf.trunk + lf.neck + 0.12 * 1.80 / 1.78 == pytest.approx(1.80, abs=0.01)


def test_build_scales_radii_not_lengths():
    a, b = LifterSpec(), LifterSpec(build=1.3)
    assert b.shank_radius == pytest.approx(1.3 * a.shank_radius)
    assert b.thigh == a.thigh
    assert a.thigh_radii[0] > a.thigh_radii[-1]  # tapering thigh
    assert a.grip_half_width_m > a.knee_z + a.thigh_radii[-1]  # hands outside the legs


def test_barbell_geometry_and_primitives():
    bb = BarbellSpec()
    assert bb.plate_radius == pytest.approx(0.225)
    assert bb.inner_z == pytest.approx(0.655)
    assert bb.outer_face_z == pytest.approx(0.655 + 2 * 0.06)
    c = np.array([0.1, bb.plate_radius, 0.0])
    prims = barbell_primitives(bb, c)
    plates = [p for p in prims if p.label == "plate"]
    assert len(plates) == 4 and all(isinstance(p, Cylinder) for p in plates)
    for p in plates:  # plates between the inner collars and the outer faces, touching the floor
        assert bb.inner_z - 1e-9 <= abs(p.center[2]) - p.half_length
        assert abs(p.center[2]) + p.half_length <= bb.outer_face_z + 1e-9
        assert p.center[1] - p.radius == pytest.approx(0.0)
    shaft = [p for p in prims if isinstance(p, Capsule)]
    assert len(shaft) == 1 and shaft[0].radius == pytest.approx(0.014) and shaft[0].label == "bar"
    sleeves = [p for p in prims if p.label == "bar" and isinstance(p, Cylinder)]
    assert max(abs(p.center[2]) + p.half_length for p in sleeves) == pytest.approx(1.1)
    left, right = plate_faces(bb, c)
    assert left[2] == pytest.approx(bb.outer_face_z) and right[2] == pytest.approx(-bb.outer_face_z)
    assert BarbellSpec(plate_diameter=0.30).rest_height == pytest.approx(0.15)
    with pytest.raises(ValueError):
        BarbellSpec(plates_per_side=10)


def test_change_plates_and_a_clamp_outside_the_plates():
    bb = BarbellSpec(outer=((0.23, 0.03), (0.085, 0.05)))
    c = np.array([0.0, bb.plate_radius, 0.0])
    outer = [p for p in barbell_primitives(bb, c) if isinstance(p, Cylinder) and p.radius < 0.2 and p.label == "plate"]
    assert len(outer) == 4  # two each side, stacked from the plates' outer face outward, centred on the bar
    for side in (1.0, -1.0):
        five, clamp = sorted((p for p in outer if p.center[2] * side > 0), key=lambda p: abs(p.center[2]))
        assert abs(five.center[2]) - five.half_length == pytest.approx(bb.outer_face_z)
        assert abs(clamp.center[2]) - clamp.half_length == pytest.approx(bb.outer_face_z + 0.03)
        assert (five.radius, clamp.radius) == pytest.approx((0.115, 0.0425))
        assert five.center[1] == pytest.approx(c[1])
    assert plate_faces(bb, c)[0][2] == pytest.approx(bb.outer_face_z)  # the bar's point: the big plates' face
    with pytest.raises(ValueError):  # beyond the sleeve's end
        BarbellSpec(outer=((0.23, 0.2), (0.085, 0.2)))


def test_front_x_of_a_vertical_capsule():
    p0 = np.array([[[0.0, 0.1]]])
    p1 = np.array([[[0.0, 0.5]]])
    r = np.array([0.05])
    assert front_x(p0, p1, r, np.array([0.3]))[0] == pytest.approx(0.05, abs=1e-9)
    assert front_x(p0, p1, r, np.array([0.3]), 0.02)[0] == pytest.approx(0.07, abs=1e-9)
    assert front_x(p0, p1, r, np.array([0.53]))[0] == pytest.approx(np.sqrt(0.05**2 - 0.03**2), abs=1e-3)
    assert front_x(p0, p1, r, np.array([0.7]))[0] == -np.inf


def test_knee_ik_keeps_lengths_and_bends_forward():
    lf = LifterSpec()
    hip = np.array([[0.0, 0.85], [-0.2, 0.7]])
    ankle = np.array([[0.0, lf.ankle_height], [0.0, lf.ankle_height]])
    knee = knee_ik(lf, hip, ankle)
    assert np.linalg.norm(knee - ankle, axis=1) == pytest.approx([lf.shank_p] * 2)
    assert np.linalg.norm(knee - hip, axis=1) == pytest.approx([lf.thigh_p] * 2)
    assert np.all(knee[:, 0] > np.minimum(hip[:, 0], ankle[:, 0]))


def test_body_primitives_labels():
    from barpath.synth.motion import SetMotion, SetSpec, RepSpec
    m = SetMotion(SetSpec(reps=[RepSpec()]), seed=0)
    st = m.state(1.0)
    prims = body_primitives(m.lifter, st.joints)
    assert all(p.label == "body" for p in prims)
    assert sum(isinstance(p, Ellipsoid) for p in prims) == 3  # pelvis, torso, head
    head = [p for p in prims if isinstance(p, Ellipsoid)][-1]
    assert head.center[1] + head.radii[1] == pytest.approx(m.lifter.height_m, abs=0.06)
    for p in prims:
        if isinstance(p, Ellipsoid):
            assert np.allclose(p.axes.T @ p.axes, np.eye(3), atol=1e-9)
