"""The one frame type everything downstream of a source sees: plain numpy + metadata, no pyrealsense2."""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np


@dataclass(frozen=True)
class Intrinsics:
    """Pinhole intrinsics of the depth stream (D4xx depth is rectified: no distortion applied)."""

    width: int
    height: int
    fx: float
    fy: float
    ppx: float
    ppy: float
    model: str = "brown_conrady"
    coeffs: tuple[float, ...] = (0.0, 0.0, 0.0, 0.0, 0.0)

    def deproject(self, u: np.ndarray, v: np.ndarray, z: np.ndarray) -> np.ndarray:
        """Pixel (u, v) at depth z (m) -> camera point (x right, y down, z forward), shape (..., 3)."""
        u, v, z = np.broadcast_arrays(np.asarray(u, float), np.asarray(v, float), np.asarray(z, float))
        x = (u - self.ppx) / self.fx * z  # x = (u - cx) z / fx
        y = (v - self.ppy) / self.fy * z  # y = (v - cy) z / fy
        return np.stack([x, y, z], axis=-1)

    def project(self, p: np.ndarray) -> np.ndarray:
        """Camera point(s) (..., 3) -> pixel (u, v), shape (..., 2)."""
        p = np.asarray(p, float)
        z = p[..., 2]
        u = p[..., 0] / z * self.fx + self.ppx  # u = fx x / z + cx
        v = p[..., 1] / z * self.fy + self.ppy  # v = fy y / z + cy
        return np.stack([u, v], axis=-1)

    def to_dict(self) -> dict:
        return {"width": self.width, "height": self.height, "fx": self.fx, "fy": self.fy,
                "ppx": self.ppx, "ppy": self.ppy, "model": self.model, "coeffs": list(self.coeffs)}

    @classmethod
    def from_dict(cls, d: dict) -> "Intrinsics":
        return cls(int(d["width"]), int(d["height"]), float(d["fx"]), float(d["fy"]), float(d["ppx"]),
                   float(d["ppy"]), str(d.get("model", "brown_conrady")), tuple(d.get("coeffs", (0.0,) * 5)))


@dataclass(frozen=True)
class DepthFrame:
    """One depth image with the device's own clock and numbering."""

    depth: np.ndarray  # uint16 (H, W); 0 = no depth
    depth_scale: float  # metres per depth unit
    timestamp_ms: float  # device timestamp
    frame_number: int  # device frame counter; gaps are dropped frames
    intrinsics: Intrinsics
    camera: str = ""
    serial: str = ""
    extra: dict = field(default_factory=dict, compare=False)

    def depth_m(self) -> np.ndarray:
        """Depth in metres as float32, 0 where invalid."""
        # (cv2: a third of numpy's astype-and-multiply time on a full frame, every frame; the same float32 values, the
        # exact product of the integer and the float32 scale rounded once)
        return cv2.multiply(self.depth, 1.0, dtype=cv2.CV_32F, scale=float(np.float32(self.depth_scale)))
