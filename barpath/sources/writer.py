"""Write depth frames into a RealSense recording (.db3) through the SDK's software_device + recorder.

The result is a real SDK recording: it plays back through exactly the code path of a camera's recording,
and RealSense Viewer opens it.
"""

from __future__ import annotations

import os

import numpy as np
import pyrealsense2 as rs

from barpath.errors import InputError
from barpath.sources.frame import Intrinsics
from barpath.sources.rs_util import intrinsics_to_rs


class RecordingWriter:
    """`with RecordingWriter(path, intr, fps, camera=..., serial=...) as w: w.write(depth_u16, ts_ms, n)`."""

    def __init__(self, path: str | os.PathLike, intrinsics: Intrinsics, fps: int, *, camera: str,
                 serial: str, depth_scale: float = 0.001, firmware: str = "barpath-synthetic") -> None:
        self.path = str(path)
        if not self.path.endswith(".db3"):
            raise InputError(self.path, "recordings are written as .db3 (the SDK refuses other names)")
        parent = os.path.dirname(os.path.abspath(self.path))
        if not os.path.isdir(parent):
            raise InputError(self.path, f"folder {parent} does not exist")
        if os.path.exists(self.path):
            os.remove(self.path)  # the SDK appends to an existing bag; a rewrite must start clean
        self.intrinsics = intrinsics
        self.depth_scale = float(depth_scale)
        self._dev = rs.software_device()
        self._sensor = self._dev.add_sensor("Stereo Module")
        vs = rs.video_stream()
        vs.type, vs.index, vs.uid = rs.stream.depth, 0, 0
        vs.width, vs.height, vs.fps, vs.bpp, vs.fmt = intrinsics.width, intrinsics.height, int(fps), 2, rs.format.z16
        vs.intrinsics = intrinsics_to_rs(intrinsics)
        self._profile = self._sensor.add_video_stream(vs).as_video_stream_profile()
        self._sensor.add_read_only_option(rs.option.depth_units, self.depth_scale)
        self._dev.register_info(rs.camera_info.name, camera)
        self._dev.register_info(rs.camera_info.serial_number, serial)
        self._dev.register_info(rs.camera_info.firmware_version, firmware)
        self._recorder = rs.recorder(self.path, self._dev)
        # The recorder writes from the frame callback; waiting on the queue keeps writes in step.
        self._queue = rs.frame_queue(2)
        self._sensor.open(self._profile)
        self._sensor.start(self._queue)
        self.frames_written = 0

    def write(self, depth: np.ndarray, timestamp_ms: float, frame_number: int) -> None:
        """Append one uint16 depth frame with its device timestamp (ms) and frame number."""
        h, w = self.intrinsics.height, self.intrinsics.width
        if depth.dtype != np.uint16 or depth.shape != (h, w):
            raise ValueError(f"depth must be uint16 {h}x{w}, got {depth.dtype} {depth.shape}")
        f = rs.software_video_frame()
        f.pixels = np.ascontiguousarray(depth)
        f.bpp, f.stride = 2, w * 2
        f.timestamp = float(timestamp_ms)
        f.domain = rs.timestamp_domain.hardware_clock
        f.frame_number = int(frame_number)
        f.profile = self._profile
        f.depth_units = self.depth_scale
        self._sensor.on_video_frame(f)
        self._queue.wait_for_frame(5000)
        self.frames_written += 1

    def close(self) -> None:
        if self._recorder is not None:
            self._sensor.stop()
            self._sensor.close()
            self._recorder = None  # dropping the recorder finalises the file
            self._dev = None

    def __enter__(self) -> "RecordingWriter":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
