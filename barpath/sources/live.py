"""A connected RealSense camera through rs.pipeline (the only hardware-only code; kept thin).

Disconnects surface as `CameraDisconnected` within about a second: the devices-changed callback is not always
called, so a wait_for_frames timeout counts too.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pyrealsense2 as rs

from barpath.errors import BarpathError, CameraDisconnected
from barpath.sources.base import FrameSource, GapCounter, SourceInfo
from barpath.sources.frame import DepthFrame
from barpath.sources.rs_util import device_info, intrinsics_from_rs, sensor_depth_scale, to_depth_frame

FRAME_TIMEOUT_MS = 1000


def connected_serials() -> list[str]:
    return [device_info(d, rs.camera_info.serial_number) for d in rs.context().query_devices()]


class LiveSource(FrameSource):
    """Depth from a camera; `record_to` (a .db3 path) records everything streamed via the SDK."""

    @staticmethod
    def check_connected(serial: str | None = None) -> None:
        """Raise a one-line BarpathError unless the camera (or any camera) is connected."""
        serials = connected_serials()
        if not serials:
            raise BarpathError("no RealSense camera connected (try `barpath demo` or `barpath replay FILE`)")
        if serial is not None and serial not in serials:
            raise BarpathError(f"camera {serial} not connected; connected: {', '.join(serials)}")

    def __init__(self, serial: str | None = None, width: int = 848, height: int = 480, fps: int = 90,
                 record_to: str | None = None) -> None:
        self.check_connected(serial)
        self._ctx = rs.context()
        self._removed = threading.Event()
        self._ctx.set_devices_changed_callback(self._on_devices_changed)
        self._pipe = rs.pipeline(self._ctx)
        cfg = rs.config()
        if serial:
            cfg.enable_device(serial)
        cfg.enable_stream(rs.stream.depth, width, height, rs.format.z16, fps)
        if record_to:
            if not record_to.endswith(".db3"):
                raise BarpathError(f"{record_to}: recordings are written as .db3")
            cfg.enable_record_to_file(record_to)
        try:
            profile = self._pipe.start(cfg)
        except RuntimeError as e:
            raise BarpathError(f"camera: cannot stream depth {width}x{height}@{fps}: {e}") from None
        dev = profile.get_device()
        sensor = dev.first_depth_sensor()
        stream = profile.get_stream(rs.stream.depth).as_video_stream_profile()
        intr = intrinsics_from_rs(stream.get_intrinsics())
        self.serial = device_info(dev, rs.camera_info.serial_number)
        self.info = SourceInfo(path=f"live:{self.serial}", camera=device_info(dev, rs.camera_info.name),
                               serial=self.serial, width=intr.width, height=intr.height,
                               fps=float(stream.fps()), intrinsics=intr, depth_scale=sensor_depth_scale(sensor))
        self._running = True

    def _on_devices_changed(self, event: "rs.event_information") -> None:
        try:
            gone = any(device_info(d, rs.camera_info.serial_number) == self.info.serial
                       for d in event.get_removed_devices()) if hasattr(self, "info") else False
        except RuntimeError:
            gone = True
        if gone:
            self._removed.set()

    def frames(self) -> Iterator[DepthFrame]:
        gaps = GapCounter()
        info = self.info
        while self._running:
            if self._removed.is_set():
                raise CameraDisconnected(f"camera {info.serial} disconnected")
            ok, fs = self._pipe.try_wait_for_frames(FRAME_TIMEOUT_MS)
            if not ok:
                raise CameraDisconnected(f"camera {info.serial}: no frame for {FRAME_TIMEOUT_MS} ms "
                                         f"(disconnected?)")
            depth = fs.get_depth_frame()
            if not depth:
                continue
            frame = to_depth_frame(depth, info.intrinsics, info.depth_scale, info.camera, info.serial)
            gaps.see(frame.frame_number)
            info.frames += 1
            info.dropped_frames = gaps.dropped
            yield frame

    def close(self) -> None:
        if self._running:
            self._running = False
            try:
                self._pipe.stop()  # also finalises a recording
            except RuntimeError:
                pass


def wait_for_camera(serial: str | None, timeout_s: float, poll_s: float = 0.5) -> bool:
    """True once a camera (this serial, or any) is connected again, False after timeout_s."""
    end = time.monotonic() + timeout_s
    while time.monotonic() < end:
        serials = connected_serials()
        if serials and (serial is None or serial in serials):
            return True
        time.sleep(poll_s)
    return False
