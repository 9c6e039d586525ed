"""Camera calibration: floor/up/height accuracy on synthetic poses, IMU gravity, plate checks, stale detection,
stored-file round trip and the resolution rule."""

from __future__ import annotations

import json
import types
from dataclasses import replace
from functools import lru_cache

import numpy as np
import pytest

from barpath.calibrate import (Calibration, calibrate_frames, calibration_path, check_fit, lift_frame_for,
                               lift_frame_from, load, run_calibrate, save)
from barpath.errors import InputError
from barpath.sources.frame import DepthFrame
from barpath.synth.camera import CameraPose
from barpath.synth.scenario import SCENARIOS, lift_frame_truth, render_frames


def frames_of(sc, seed: int = 0, n: int = 8, secs: float = 2.0, start_s: float = 0.0) -> list[DepthFrame]:
    """n in-memory DepthFrames spread over [start_s, start_s + secs) of a synthetic scenario."""
    i0 = int(start_s * sc.fps)
    idx = {i0 + int(k * secs * sc.fps / n) for k in range(n)}
    out = []
    for f in render_frames(sc, seed, only=idx):
        if f.index in idx and f.depth is not None:
            out.append(DepthFrame(f.depth, 0.001, f.timestamp_ms, f.frame_number, sc.intrinsics,
                                  f"Intel RealSense {sc.model} (synthetic)", "SYN-TEST"))
        if f.index >= max(idx):
            break
    return out


def scene(name="rdl", w=424, h=240, **pose) -> object:
    return replace(SCENARIOS[name], width=w, height=h, fps=30, camera=CameraPose(**pose))


def up_err_deg(a, b) -> float:
    return float(np.degrees(np.arccos(np.clip(np.dot(a, b), -1, 1))))


@lru_cache(maxsize=None)
def level_frames():
    return frames_of(scene("rdl"), seed=0)


@lru_cache(maxsize=None)
def level_report():
    return calibrate_frames(level_frames(), plate_diameter_m=0.45)


# -------------------------------------------------------------------------------------- accuracy
POSES = [  # pitch ±20, roll ±5, yaw ±30, heights 0.6–1.4 m; full resolution (the floor may be far and noisy)
    dict(pitch=20.0, roll=5.0, yaw=30.0, height=1.4),
    dict(pitch=-20.0, roll=-5.0, yaw=-30.0, height=0.6),
    dict(pitch=-20.0, roll=5.0, yaw=30.0, height=0.8),
    dict(pitch=10.0, roll=-5.0, yaw=-30.0, height=0.6),
    dict(pitch=-10.0, roll=3.0, yaw=15.0, height=1.0),
    dict(pitch=5.0, roll=0.0, yaw=0.0, height=1.2, distance=3.0),
]


@pytest.mark.parametrize("pose", POSES, ids=lambda p: "p{pitch:+.0f}r{roll:+.0f}y{yaw:+.0f}h{height}".format(**p))
def test_up_and_height_within_spec(pose):
    sc = scene("deadlift" if pose["pitch"] >= 0 else "rdl", 848, 480, **pose)
    rep = calibrate_frames(frames_of(sc, seed=1, n=6), plate_diameter_m=0.45)
    truth = lift_frame_truth(sc.camera)
    c = rep.calibration
    assert c is not None, rep.text()
    assert up_err_deg(c.up, truth["up"]) <= 1.0
    assert abs(c.camera_height_m - truth["camera_height_m"]) <= 0.01
    a = c.angles()
    assert abs(a["pitch_deg"] - pose["pitch"]) < 1.0 and abs(a["roll_deg"] - pose["roll"]) < 1.0


def test_level_camera_checks_and_bar_axis():
    rep = level_report()
    assert rep.ok, rep.text()
    c = rep.calibration
    truth = lift_frame_truth(scene("rdl").camera)
    names = {ch.name: ch.status for ch in rep.checks}
    assert names["floor"] == "ok" and names["tilt"] == "ok" and names["plate_diameter"] == "ok"
    assert names["distance"] == "ok" and names["in_view"] == "ok" and names["yaw"] == "ok"
    # the bar axis is horizontal and perpendicular to the lifter's forward direction
    assert abs(c.bar_axis @ np.asarray(truth["forward"])) < np.sin(np.radians(2.0))
    assert abs(c.bar_axis @ c.up) < 1e-9
    lf = lift_frame_from(c, hint_forward_sign_vector=truth["forward"])
    assert lf.source == "calibration"
    assert up_err_deg(lf.forward, truth["forward"]) < 2.0
    assert up_err_deg(lift_frame_from(c, hint_forward_sign_vector=-np.asarray(truth["forward"])).forward,
                      -np.asarray(truth["forward"])) < 2.0
    # origin: on the floor
    assert abs(c.origin @ c.floor_normal + c.camera_height_m) < 1e-6


# -------------------------------------------------------------------------------------- IMU gravity
def test_accel_gives_up_and_reports_angle_to_floor():
    truth_up = np.asarray(lift_frame_truth(scene("rdl").camera)["up"])
    rep = calibrate_frames(level_frames(), accel=9.81 * truth_up + np.array([0.01, -0.02, 0.015]))
    c = rep.calibration
    assert c.methods["up"].startswith("accelerometer")
    assert up_err_deg(c.up, truth_up) < 0.2
    assert rep.check("gravity").status == "ok" and c.residuals["gravity_floor_angle_deg"] < 0.5
    # a reading given as gravity (pointing down) is turned around
    rep = calibrate_frames(level_frames(), accel=-9.81 * truth_up)
    assert up_err_deg(rep.calibration.up, truth_up) < 0.1
    # an accelerometer 4° off the floor normal (sloped floor / bad mount): used for up, flagged
    tilt = np.radians(4.0)
    rot = np.array([[1, 0, 0], [0, np.cos(tilt), -np.sin(tilt)], [0, np.sin(tilt), np.cos(tilt)]])
    rep = calibrate_frames(level_frames(), accel=9.81 * rot @ truth_up)
    g = rep.check("gravity")
    assert g.status == "warn" and "4." in g.value and g.advice
    assert up_err_deg(rep.calibration.up, rot @ truth_up) < 0.01


# -------------------------------------------------------------------------------------- plates
def test_wrong_plate_size_fails_with_advice():
    sc = replace(scene("rdl"), plate_diameter_m=0.30)
    rep = calibrate_frames(frames_of(sc, seed=0), plate_diameter_m=0.45)
    ch = rep.check("plate_diameter")
    assert ch is not None and ch.status == "fail", rep.text()
    assert "--plate-diameter 0.30" in ch.advice and "depth scale" in ch.advice
    assert not rep.ok


def test_no_floor_is_a_failed_calibration():
    fr = level_frames()[:3]
    blank = [replace(f, depth=np.zeros_like(f.depth)) for f in fr]
    rep = calibrate_frames(blank)
    assert rep.calibration is None and rep.check("floor").status == "fail" and rep.check("floor").advice


# -------------------------------------------------------------------------------------- stale calibration
def test_check_fit_same_pose_passes_and_moved_camera_is_detected():
    c = level_report().calibration
    same = frames_of(scene("rdl"), seed=5, n=1, start_s=4.0)[0]
    ok, msg = check_fit(c, same.depth_m(), same.intrinsics)
    assert ok, msg
    higher = frames_of(scene("rdl", height=1.02), seed=5, n=1, start_s=4.0)[0]
    ok, msg = check_fit(c, higher.depth_m(), higher.intrinsics)
    assert not ok and "12 cm lower" in msg and "calibrate" in msg
    tilted = frames_of(scene("rdl", pitch=4.0), seed=5, n=1, start_s=4.0)[0]
    ok, msg = check_fit(c, tilted.depth_m(), tilted.intrinsics)
    assert not ok and "tilted 4." in msg
    small_move = frames_of(scene("rdl", height=0.91, roll=0.5), seed=5, n=1, start_s=4.0)[0]
    assert check_fit(c, small_move.depth_m(), small_move.intrinsics)[0]


# -------------------------------------------------------------------------------------- files, resolution
def test_round_trip_and_resolution_rule(tmp_path):
    c = level_report().calibration
    path = save(c, tmp_path)
    assert path == calibration_path("SYN-TEST", tmp_path)
    doc = json.loads(open(path).read())
    assert doc["schema"] == "barpath.calibration/1" and doc["camera"]["resolution"] == [424, 240]
    assert {"up", "floor", "camera_height", "bar_axis"} <= set(doc["methods"])
    c2 = load(path)
    assert np.allclose(c2.up, c.up) and c2.camera_height_m == c.camera_height_m
    assert np.allclose(c2.bar_axis, c.bar_axis) and c2.intrinsics == c.intrinsics
    assert c2.to_dict() == c.to_dict()
    # the stored calibration is used when it fits the stream's resolution, not otherwise
    got, why = lift_frame_for("SYN-TEST", c.intrinsics, tmp_path)
    assert got is not None and "using" in why
    got, why = lift_frame_for("SYN-TEST", scene("rdl", 848, 480).intrinsics, tmp_path)
    assert got is None and "424x240" in why and "848x480" in why
    got, why = lift_frame_for("OTHER", c.intrinsics, tmp_path)
    assert got is None and "no calibration" in why
    ok, why = check_fit(c, np.zeros((480, 848)), scene("rdl", 848, 480).intrinsics)
    assert not ok and "424x240" in why


@pytest.mark.parametrize("content", ["{not json", '{"schema": "other/1"}', '{"schema": "barpath.calibration/1"}',
                                     "[1, 2]"])
def test_broken_file_is_one_line_input_error(tmp_path, content):
    p = tmp_path / "X.json"
    p.write_text(content)
    with pytest.raises(InputError) as e:
        load(p)
    assert "\n" not in str(e.value) and str(p) in str(e.value)
    got, why = lift_frame_for("X", level_frames()[0].intrinsics, tmp_path)
    assert got is None and "automatic" in why


def test_calibration_without_bar_needs_an_axis():
    c = level_report().calibration
    bare = replace(c, bar_axis=None, forward=None)
    with pytest.raises(ValueError):
        lift_frame_from(bare)
    lf = lift_frame_from(bare, bar_axis=c.bar_axis)
    assert np.allclose(lf.up, c.up)


def test_run_calibrate_from_recording(small_recording, tmp_path, capsys):
    path, truth = small_recording
    args = types.SimpleNamespace(recording=path, serial=None, plate_diameter=0.45, seconds=2.0, accel=None,
                                 folder=str(tmp_path), force=True)
    assert run_calibrate(args) == 0
    out = capsys.readouterr().out
    assert "saved" in out and "floor" in out
    c = load(calibration_path(truth["serial"], tmp_path))
    assert up_err_deg(c.up, truth["lift_frame"]["up"]) < 1.0
    assert abs(c.camera_height_m - truth["lift_frame"]["camera_height_m"]) < 0.03  # 424x240 at 3.5 m
