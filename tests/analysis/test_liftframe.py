import numpy as np
import pytest

from barpath.analysis.liftframe import LiftFrame, estimate_forward
from barpath.synth.camera import CameraPose


def _pose_frame(pose):
    r, _ = pose.world_from_camera()
    up = r.T @ np.array([0.0, 1.0, 0.0])
    fwd = r.T @ np.array([1.0, 0.0, 0.0])
    return LiftFrame(up=up, forward=fwd, origin=pose.to_camera(np.zeros(3))), r


@pytest.mark.parametrize("pose", [CameraPose(), CameraPose(yaw=20, pitch=15, roll=-5, facing="left", height=1.2)])
def test_to_lift_recovers_world(pose):
    frame, _ = _pose_frame(pose)
    rng = np.random.default_rng(0)
    world = rng.normal(size=(50, 3))
    lift = frame.to_lift(pose.to_camera(world))
    np.testing.assert_allclose(lift, world, atol=1e-9)  # world = (forward X, up Y, left Z)
    np.testing.assert_allclose(frame.to_camera(lift), pose.to_camera(world), atol=1e-9)


def test_realsense_axes_and_nan():
    # camera level, looking at the lifter's left side, lifter facing image-right: forward = +x, up = -y
    f = LiftFrame(up=[0, -1, 0], forward=[1, 0.1, 0], origin=[0, 0, 2])
    np.testing.assert_allclose(f.forward, [1, 0, 0])  # re-orthogonalised
    p = np.array([[0.5, -1.0, 2.0], [np.nan, 0, 0]])
    out = f.to_lift(p)
    np.testing.assert_allclose(out[0], [0.5, 1.0, 0.0])
    assert np.isnan(out[1]).all()
    np.testing.assert_allclose(f.lateral, [0, 0, -1])  # forward x up: toward the camera = lifter's left
    with pytest.raises(ValueError):
        LiftFrame(up=[0, -1, 0], forward=[1, 0, 0], source="guess")


def test_estimate_forward_sign_and_orthogonality():
    up = np.array([0.0, -1.0, 0.0])
    axis = np.array([0.05, 0.0, 1.0])  # bar axis roughly along the camera's view
    hip = np.array([[0.0, 0.0, 2.5]] * 10)
    bar = hip + np.array([0.2, 0.3, 0.02])
    f = estimate_forward(axis, up, bar, hip)
    assert abs(np.dot(f, up)) < 1e-12 and abs(np.dot(f, axis / np.linalg.norm(axis))) < 1e-12
    assert f[0] > 0.99
    assert estimate_forward(axis, up, hip[0], bar[0])[0] < -0.99  # bar behind the hip -> flipped
    bar_nan = bar.copy()
    bar_nan[::2] = np.nan
    np.testing.assert_allclose(estimate_forward(-axis, up, bar_nan, hip), f)
