"""Frame sources: live RealSense camera, recording playback, and the recording writer.

Only modules in this package import pyrealsense2. `open_source` picks the right one for a path.
"""

from barpath.sources.base import FrameSource, GapCounter, SourceInfo
from barpath.sources.frame import DepthFrame, Intrinsics

__all__ = ["DepthFrame", "FrameSource", "GapCounter", "Intrinsics", "SourceInfo"]
