"""Play a RealSense recording (.db3 rosbag2, or a legacy ROS1 .bag) through the SDK's playback device.

The file is opened as a playback device with real-time off *before* streaming and the depth sensor is read
through a frame_queue: that delivers every frame (pipeline.start + set_real_time(False) can lose the first few).
Pacing for a live-looking replay is done here in Python from the device timestamps, so speed can change.
"""

from __future__ import annotations

import os
import queue
import sqlite3
import threading
import time
from collections.abc import Iterator

import pyrealsense2 as rs

from barpath.errors import InputError
from barpath.sources.base import FrameSource, GapCounter, SourceInfo
from barpath.sources.frame import DepthFrame
from barpath.sources.rs_util import (depth_sensor_and_profile, device_info, intrinsics_from_rs,
                                     sensor_depth_scale, to_depth_frame)

RECORDING_SUFFIXES = (".db3", ".bag")


def _short(err: Exception) -> str:
    """The SDK's message without its file-path preamble, on one line."""
    msg = " ".join(str(err).split())
    for marker in ("Error: ", "error: "):
        if marker in msg:
            msg = msg.split(marker)[-1]
    return msg


def stored_depth_frames(path: str) -> int | None:
    """How many depth images a rosbag2 .db3 holds (it is SQLite), or None when that cannot be read.

    The SDK's playback duration is the writer's wall-clock span, not the device clock, so it cannot tell a
    complete synthetic recording from a damaged one; the message count can.
    """
    if not path.lower().endswith(".db3"):
        return None
    try:
        with sqlite3.connect(f"file:{path}?mode=ro", uri=True) as db:
            row = db.execute("SELECT COUNT(*) FROM messages m JOIN topics t ON m.topic_id = t.id "
                             "WHERE t.name LIKE '%/Depth\\_%/image/data%' ESCAPE '\\'").fetchone()
        return int(row[0]) if row and row[0] else None
    except sqlite3.Error:
        return None


class RecordingSource(FrameSource):
    """Frames of a recording. `speed` None = as fast as consumed (analysis); 1.0 = the recorded pace."""

    def __init__(self, path: str | os.PathLike, speed: float | None = None) -> None:
        self.path = str(path)
        self.speed = speed
        if not os.path.exists(self.path):
            raise InputError(self.path, "no such file")
        if os.path.isdir(self.path):
            raise InputError(self.path, "is a directory, not a recording")
        if not self.path.lower().endswith(RECORDING_SUFFIXES):
            raise InputError(self.path, "not a RealSense recording (expected a .db3 or .bag file)")
        if os.path.getsize(self.path) == 0:
            raise InputError(self.path, "empty file, not a recording")
        try:
            self._ctx = rs.context()
            self._dev = self._ctx.load_device(self.path)
            self._playback = self._dev.as_playback()
            self._playback.set_real_time(False)
            found = depth_sensor_and_profile(self._dev)
        except RuntimeError as e:
            raise InputError(self.path, f"cannot open recording (damaged or not a RealSense recording): "
                                        f"{_short(e)}") from None
        if found is None:
            raise InputError(self.path, "recording has no depth stream")
        self._sensor, self._profile = found
        intr = intrinsics_from_rs(self._profile.get_intrinsics())
        self.info = SourceInfo(
            path=self.path,
            camera=device_info(self._dev, rs.camera_info.name, "unknown camera"),
            serial=device_info(self._dev, rs.camera_info.serial_number, "unknown"),
            width=intr.width, height=intr.height, fps=float(self._profile.fps()), intrinsics=intr,
            depth_scale=sensor_depth_scale(self._sensor),
            duration_s=self._playback.get_duration().total_seconds())
        self.stored_frames = stored_depth_frames(self.path)
        self._open = False
        self._anchor: tuple[float, float] | None = None

    # Replay controls used by the TUI's driver thread (pacing only; frames are never skipped).
    def set_speed(self, speed: float | None) -> None:
        self.speed = speed
        self._anchor = None

    def _pace(self, ts_ms: float) -> None:
        """Sleep until this frame is due at `speed` x the recorded pace (no-op when speed is None)."""
        if not self.speed:
            return
        now = time.monotonic()
        if self._anchor is None:
            self._anchor = (now, ts_ms)
            return
        wall0, ts0 = self._anchor
        delay = wall0 + (ts_ms - ts0) / 1000.0 / self.speed - now
        if delay > 0:
            time.sleep(delay)
        elif delay < -0.25:  # fell behind (slow consumer, pause): re-anchor instead of racing to catch up
            self._anchor = (now, ts_ms)

    def frames(self) -> Iterator[DepthFrame]:
        # The SDK's non-real-time playback deadlocks when a frame_queue consumer is slower than the file
        # (seen with 2.59 at queue sizes 2 and 8). A callback that copies each frame into a small bounded
        # Python queue gives the same back-pressure without the stall: a blocked put pauses the playback.
        buffer: queue.Queue[DepthFrame] = queue.Queue(maxsize=4)
        stopping = threading.Event()
        info = self.info

        def on_frame(f: "rs.frame") -> None:
            try:
                item = to_depth_frame(f, info.intrinsics, info.depth_scale, info.camera, info.serial)
            except Exception:  # noqa: BLE001 - never raise into the SDK's thread; a bad frame is a drop
                return
            while not stopping.is_set():
                try:
                    buffer.put(item, timeout=0.1)
                    return
                except queue.Full:
                    continue

        try:
            self._sensor.open(self._profile)
            self._sensor.start(on_frame)
        except RuntimeError as e:
            raise InputError(self.path, f"cannot play recording: {_short(e)}") from None
        self._open = True
        self._stopping = stopping
        gaps = GapCounter()
        first_ts: float | None = None
        last_ts: float | None = None
        started = time.monotonic()
        idle_polls = 0
        try:
            while True:
                try:
                    frame = buffer.get(timeout=0.1)
                except queue.Empty:
                    # "stopped" before the first frame may just mean playback has not begun yet; two quiet
                    # polls after "stopped" let a callback that was mid-put finish.
                    settled = first_ts is not None or time.monotonic() - started > 2.0
                    if settled and self._playback.current_status() == rs.playback_status.stopped:
                        idle_polls += 1
                        if idle_polls >= 2:
                            break
                    continue
                idle_polls = 0
                if last_ts is not None and frame.timestamp_ms <= last_ts - 1e-6:
                    continue  # never go back in time
                gaps.see(frame.frame_number)
                info.frames += 1
                info.dropped_frames = gaps.dropped
                if first_ts is None:
                    first_ts = frame.timestamp_ms
                self._pace(frame.timestamp_ms)
                last_ts = frame.timestamp_ms
                yield frame
        finally:
            self._stop()
        self._check_complete(first_ts, last_ts)

    def _check_complete(self, first_ts: float | None, last_ts: float | None) -> None:
        """A damaged file can stop early without an SDK error: compare what played with what it holds."""
        if first_ts is None:
            raise InputError(self.path, "recording holds no depth frames (empty or damaged)")
        held = stored_depth_frames(self.path)
        if held is not None:
            if self.info.frames < held:
                raise InputError(self.path, f"recording ends early (damaged?): played {self.info.frames} of "
                                            f"{held} depth frames; results cover the part played")
            return
        # Legacy .bag: the duration is the camera's own recording time, comparable to the device clock.
        played = (last_ts - first_ts) / 1000.0 if last_ts is not None else 0.0
        expected = self.info.duration_s or 0.0
        if expected - played > 3.0 / max(self.info.fps, 1.0) + 0.02 * expected + 0.05:
            raise InputError(self.path, f"recording ends early (damaged?): played {played:.2f} s of "
                                        f"{expected:.2f} s; results cover the part played")

    def _stop(self) -> None:
        if self._open:
            self._open = False
            self._stopping.set()
            try:
                self._sensor.stop()
                self._sensor.close()
            except RuntimeError:
                pass

    def close(self) -> None:
        self._stop()
