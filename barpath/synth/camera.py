"""Synthetic camera: D4xx-like intrinsics and a pose in the synthetic world (see primitives.py for the frame).

Camera coordinates follow the RealSense convention: x right, y down, z forward (metres).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.cameras import BASELINE_M
from barpath.sources.frame import Intrinsics

# Horizontal focal length as a fraction of image width (D4xx depth, approx.), and the stereo baseline.
_FX_PER_WIDTH = {"D435": 425.0 / 848.0, "D435i": 425.0 / 848.0, "D455": 430.0 / 848.0, "D415": 600.0 / 848.0}
CAMERA_MODELS: dict[str, dict[str, float]] = {
    m: {"fx_per_width": f, "baseline_m": BASELINE_M[m]} for m, f in _FX_PER_WIDTH.items()}


def d4xx_intrinsics(model: str, width: int, height: int) -> Intrinsics:
    """Intrinsics of a D4xx depth stream at this resolution (square pixels, principal point near centre)."""
    f32 = lambda x: float(np.float32(x))  # noqa: E731 - the SDK stores float32; keep round trips exact
    fx = f32(CAMERA_MODELS[model]["fx_per_width"] * width)
    # Real units have the principal point a few pixels off centre; keep a fixed, resolution-scaled offset.
    return Intrinsics(width, height, fx, fx, f32(width / 2.0 + 0.0035 * width), f32(height / 2.0 - 0.004 * height))


def rotation(yaw_deg: float, pitch_deg: float, roll_deg: float) -> np.ndarray:
    """Rotation applied in the camera's own frame: yaw about its down axis (y), pitch about x, roll about z."""
    y, p, r = np.radians([yaw_deg, pitch_deg, roll_deg])
    ry = np.array([[np.cos(y), 0, np.sin(y)], [0, 1, 0], [-np.sin(y), 0, np.cos(y)]])
    rx = np.array([[1, 0, 0], [0, np.cos(p), -np.sin(p)], [0, np.sin(p), np.cos(p)]])
    rz = np.array([[np.cos(r), -np.sin(r), 0], [np.sin(r), np.cos(r), 0], [0, 0, 1]])
    return ry @ rx @ rz


@dataclass(frozen=True)
class CameraPose:
    """Where the camera stands. `facing` is the side the lifter faces in the image ("right" or "left").

    distance: from the lifter's sagittal plane (Z = 0) to the camera, metres; height: lens above the floor;
    x: position along the lifter's forward axis; yaw/pitch/roll in degrees (pitch > 0 tilts the camera down).
    """

    distance: float = 2.5
    height: float = 0.9
    x: float = 0.0
    yaw: float = 0.0
    pitch: float = 0.0
    roll: float = 0.0
    facing: str = "right"

    def world_from_camera(self) -> tuple[np.ndarray, np.ndarray]:
        """(R, t) with world = R @ cam + t; R's columns are the camera's x, y, z axes in world coordinates."""
        side = 1.0 if self.facing == "right" else -1.0
        # Level camera looking at the lifter's side: z_cam = -side*Z, y_cam = -Y (down), x_cam = y x z.
        z_cam = np.array([0.0, 0.0, -side])
        y_cam = np.array([0.0, -1.0, 0.0])
        x_cam = np.cross(y_cam, z_cam)
        base = np.stack([x_cam, y_cam, z_cam], axis=1)
        # Pitch > 0 looks down: rotating about camera x by -pitch turns z_cam toward -Y.
        r = base @ rotation(self.yaw, -self.pitch, self.roll)
        t = np.array([self.x, self.height, side * self.distance])
        return r, t

    def to_camera(self, p_world: np.ndarray) -> np.ndarray:
        """World point(s) (..., 3) -> camera coordinates (..., 3)."""
        r, t = self.world_from_camera()
        return (np.asarray(p_world, float) - t) @ r  # cam = R^T (p - t)

    def to_world(self, p_cam: np.ndarray) -> np.ndarray:
        r, t = self.world_from_camera()
        return np.asarray(p_cam, float) @ r.T + t
