"""The truth written beside a synthetic recording agrees with the depth that was rendered."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from barpath.synth.render import LABELS
from barpath.synth.scenario import SCENARIOS, frame_times, lift_frame_truth, render_frames

CASES = ["deadlift", "deadlift_tng", "rdl", "deadlift_faults", "deadlift_near", "deadlift_close", "deadlift_heavy"]


def _frames(name: str, n: int = 3):
    sc = SCENARIOS[name]
    motion = sc.motion(0)
    reps = motion.reps
    # the first rep: bottom, mid-pull, lockout
    times = [reps[0]["concentric"][0] + 0.05, sum(reps[0]["concentric"]) / 2, reps[0]["concentric"][1] + 0.1]
    idx = {int(round(t * sc.fps)) for t in times[:n]}
    return sc, [f for f in render_frames(sc, 0, motion, only=idx) if f.depth is not None]


@pytest.mark.parametrize("name", CASES)
def test_plate_centre_projects_onto_the_plate_face_at_its_depth(name):
    sc, frames = _frames(name)
    intr = sc.intrinsics
    assert frames
    for f in frames:
        p = np.array(f.truth["plate"])
        u, v = intr.project(p)
        # an annulus 5-10 cm from the centre: the sleeve end covers the middle, more so from close up
        r_in, r_out = 0.05 * intr.fx / p[2], 0.10 * intr.fx / p[2]
        yy, xx = np.mgrid[0:intr.height, 0:intr.width]
        d2 = (xx - u) ** 2 + (yy - v) ** 2
        near = (d2 >= r_in ** 2) & (d2 <= r_out ** 2)
        plate = near & (f.labels == LABELS["plate"]) & (f.depth > 0)
        assert plate.sum() >= 5, f"{name} frame {f.frame_number}: no plate pixels around the truth centre"
        z = np.median(f.depth[plate]) / 1000.0
        tol = 0.01 + 3 * 0.08 * p[2] ** 2 / (intr.fx * sc.baseline_m) / np.sqrt(plate.sum())
        # a face not square to the view has a depth spread over the annulus
        tol += 0.10 * np.sin(np.radians(abs(sc.camera.yaw) + abs(sc.camera.pitch)))
        assert abs(z - p[2]) <= tol, f"{name} frame {f.frame_number}: plate depth {z:.3f} vs truth {p[2]:.3f}"


@pytest.mark.parametrize("name", CASES)
def test_hip_and_knee_project_onto_body_pixels_just_behind_the_surface(name):
    sc, frames = _frames(name)
    intr = sc.intrinsics
    for f in frames:
        for joint in ("hip", "knee"):
            p = np.array(f.truth[joint])
            u, v = np.round(intr.project(p)).astype(int)
            patch = f.labels[v - 1:v + 2, u - 1:u + 2]
            if (patch == LABELS["plate"]).any() or (patch == LABELS["bar"]).any():
                continue  # the near plate hides the leg here: nothing to compare
            assert (patch == LABELS["body"]).any(), f"{name} {joint} frame {f.frame_number} not on the body"
            d = f.depth[v - 1:v + 2, u - 1:u + 2]
            d = d[(patch == LABELS["body"]) & (d > 0)] / 1000.0
            if d.size:
                # the skin is in front of the joint centre by roughly the limb's radius
                assert 0.0 < p[2] - np.median(d) < 0.2, f"{name} {joint}: surface {np.median(d):.3f} vs {p[2]:.3f}"


def test_frame_times_are_device_like_and_drops_spare_the_ends():
    sc = SCENARIOS["deadlift_far_drops"]
    ts, dropped = frame_times(sc, 20.0, seed=1)
    steps = np.diff(ts)
    assert np.all(np.abs(steps - 1000 / 30) < 0.2)
    assert not dropped[0] and not dropped[-1]
    assert 0.02 < dropped.mean() < 0.08


def test_lift_frame_truth_is_orthonormal():
    lf = lift_frame_truth(SCENARIOS["rdl"].camera)
    up, fw = np.array(lf["up"]), np.array(lf["forward"])
    assert np.linalg.norm(up) == pytest.approx(1) and np.linalg.norm(fw) == pytest.approx(1)
    assert abs(up @ fw) < 1e-9
    assert up[1] < -0.9  # the camera is near level: up is mostly -y (image up)


def test_a_scenario_sets_the_lifters_height_build_and_plates():
    sc = replace(SCENARIOS["deadlift"], lifter_height_m=1.62, lifter_build=1.25, plate_diameter_m=0.4)
    m = sc.motion(0)
    assert (m.lifter.height_m, m.lifter.build, m.spec.barbell.plate_diameter) == (1.62, 1.25, 0.4)
    assert m.lifter.shank_radius == pytest.approx(0.05 * 1.25 * 1.62 / 1.78)


def test_a_wide_stance_keeps_the_grip_outside_the_shins():
    assert replace(SCENARIOS["deadlift"], lifter_stance_m=0.3).motion(0).lifter.grip_half_width_m == 0.24
    lf = replace(SCENARIOS["deadlift"], lifter_stance_m=0.5).motion(0).lifter
    assert lf.stance_width_m == 0.5 and lf.grip_half_width_m == pytest.approx(0.30)
