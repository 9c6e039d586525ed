"""Small pyrealsense2 helpers shared by the live, playback and writer modules (the only SDK-touching code)."""

from __future__ import annotations

import numpy as np
import pyrealsense2 as rs

from barpath.sources.frame import DepthFrame, Intrinsics


def intrinsics_from_rs(i: "rs.intrinsics") -> Intrinsics:
    return Intrinsics(int(i.width), int(i.height), float(i.fx), float(i.fy), float(i.ppx), float(i.ppy),
                      str(i.model).split(".")[-1], tuple(float(c) for c in i.coeffs))


def intrinsics_to_rs(i: Intrinsics) -> "rs.intrinsics":
    out = rs.intrinsics()
    out.width, out.height, out.fx, out.fy, out.ppx, out.ppy = i.width, i.height, i.fx, i.fy, i.ppx, i.ppy
    out.model = getattr(rs.distortion, i.model, rs.distortion.brown_conrady)
    out.coeffs = list(i.coeffs)
    return out


def device_info(dev: "rs.device", what: "rs.camera_info", default: str = "") -> str:
    return dev.get_info(what) if dev.supports(what) else default


def depth_profile(sensor: "rs.sensor") -> "rs.video_stream_profile | None":
    for p in sensor.get_stream_profiles():
        if p.stream_type() == rs.stream.depth and p.format() == rs.format.z16:
            return p.as_video_stream_profile()
    return None


def depth_sensor_and_profile(dev: "rs.device") -> tuple["rs.sensor", "rs.video_stream_profile"] | None:
    for s in dev.query_sensors():
        p = depth_profile(s)
        if p is not None:
            return s, p
    return None


def sensor_depth_scale(sensor: "rs.sensor") -> float:
    if sensor.supports(rs.option.depth_units):
        return float(sensor.get_option(rs.option.depth_units))
    return 0.001  # the D4xx default


def to_depth_frame(f: "rs.frame", intr: Intrinsics, scale: float, camera: str, serial: str) -> DepthFrame:
    """Copy an SDK frame into a DepthFrame (the copy lets the SDK recycle its buffer at once)."""
    d = f.as_depth_frame()
    return DepthFrame(np.array(d.get_data(), dtype=np.uint16, copy=True), float(d.get_units() or scale),
                      float(f.get_timestamp()), int(f.get_frame_number()), intr, camera, serial)
