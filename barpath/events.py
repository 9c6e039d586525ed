"""What the processing engine tells a front end, as immutable values (no Textual here: the UI wraps them).

The engine runs in a worker thread (source -> vision -> tracking -> analysis) and emits these in order. A front
end must never block the engine: it may coalesce TrackBatch events and redraw at its own pace.
Coordinates in events are in the LIFT frame, metres: `forward` (the lifter's forward direction, + toward the
bar side) and `up` (vertical, + up), origin on the floor below the bar's starting position.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TrackPoint:
    """One frame's tracked positions (lift frame, m) and the bar's vertical velocity (m/s)."""

    t: float  # s since the first frame of the recording/session
    frame: int
    bar: tuple[float, float] | None  # (forward, up)
    hip: tuple[float, float] | None
    knee: tuple[float, float] | None
    bar_vy: float | None  # vertical velocity, causal filter (what a live display can know)


@dataclass(frozen=True)
class TrackBatch:
    """Several consecutive TrackPoints (the engine batches them so the UI gets few messages)."""

    set_index: int  # 1-based; 0 = between sets
    points: tuple[TrackPoint, ...]


@dataclass(frozen=True)
class SetStarted:
    set_index: int
    t: float


@dataclass(frozen=True)
class RepFinished:
    """A rep is complete: `rep` holds the per-rep fields of the analysis JSON contract (`reps[i]`)."""

    set_index: int
    rep: dict
    set_summary: dict  # the `set` object of the contract, for the set so far


@dataclass(frozen=True)
class SetFinished:
    set_index: int
    reps: tuple[dict, ...]
    set_summary: dict
    saved_to: str | None  # path of the set's results JSON, when saved
    reason: str = "idle"  # "idle" | "key" | "end_of_recording" | "disconnected"


@dataclass(frozen=True)
class Status:
    """Source and processing state for the status line."""

    source: str  # "camera D435 (serial)" or the recording's file name
    live: bool
    fps: float  # frames per second actually processed
    frames: int
    dropped_frames: int
    recording: bool  # writing the session to a file
    calibration: str  # "auto" or "calibration/<serial>.json"
    lift: str | None  # "deadlift" | "rdl" | None until detected
    connected: bool = True
    message: str = ""
    extra: dict = field(default_factory=dict)


@dataclass(frozen=True)
class SourceEnded:
    """The recording has been played to its end (or the camera stopped for good)."""

    error: str | None = None  # one-line problem, e.g. a damaged file that stopped early


Event = TrackBatch | SetStarted | RepFinished | SetFinished | Status | SourceEnded
