"""What every frame source offers: metadata up front, then DepthFrames in device-time order."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator
from dataclasses import dataclass, field

from barpath.sources.frame import DepthFrame, Intrinsics


@dataclass
class SourceInfo:
    """Describes a source before and while it plays (frames/dropped are updated as frames arrive)."""

    path: str  # file path, or "live:<serial>"
    camera: str
    serial: str
    width: int
    height: int
    fps: float
    intrinsics: Intrinsics
    depth_scale: float
    duration_s: float | None = None  # what the file says it holds (None for live)
    frames: int = 0  # frames delivered so far
    dropped_frames: int = 0  # frame-number gaps so far
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict:
        return {"path": self.path, "camera": self.camera, "serial": self.serial, "width": self.width,
                "height": self.height, "fps": self.fps, "frames": self.frames,
                "dropped_frames": self.dropped_frames, "duration_s": self.duration_s}


class GapCounter:
    """Counts frames missing between consecutive device frame numbers."""

    def __init__(self) -> None:
        self.last: int | None = None
        self.dropped = 0

    def see(self, frame_number: int) -> int:
        """Record a frame number; returns how many frames were missed just before it."""
        gap = 0
        if self.last is not None and frame_number > self.last + 1:
            gap = frame_number - self.last - 1
        self.dropped += gap
        self.last = frame_number if self.last is None else max(self.last, frame_number)
        return gap


class FrameSource(ABC):
    """A camera or a recording. Use as a context manager; iterate `frames()` once."""

    info: SourceInfo

    @abstractmethod
    def frames(self) -> Iterator[DepthFrame]:
        """DepthFrames in device order; raises barpath.errors.BarpathError subclasses on failures."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release the device/file."""

    def __enter__(self) -> "FrameSource":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
