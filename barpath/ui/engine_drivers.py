"""The real drivers: a recording or a camera through the processing engine (barpath.engine).

ReplayDriver: a producer thread runs the engine over the recording as fast as it can and appends the events,
stamped with their data time, to the script of a ScriptedDriver, which plays them at the recorded pace and
gives every replay control (pause, step, rep jumps, speed, restart) over what has been produced so far.
LiveDriver: the engine runs in the driver's own thread on camera frames; a disconnect saves the set so far,
turns the status red, and the driver waits for the camera and carries on with a new recording file.
"""

from __future__ import annotations

import datetime as _dt
import os
import threading
import time
from collections.abc import Callable

from barpath.errors import BarpathError, CameraDisconnected, InputError
from barpath.events import RepFinished, SetFinished, SetStarted, SourceEnded, Status, TrackBatch
from barpath.pipeline import calibration_label, engine_for, status_message
from barpath.sources.base import FrameSource
from barpath.sources.playback import RecordingSource
from barpath.store import save_set
from barpath.ui.driver import Driver, ScriptedDriver, _flatten

STATUS_PERIOD_S = 1.0
DEFAULT_IDLE_END_S = 10.0


class _SetSaver:
    """Saves each SetFinished once (rewinds re-emit events) and fills in `saved_to`."""

    def __init__(self, recording: str, fallback_dir: str = "recordings") -> None:
        self.recording = recording
        self.fallback_dir = fallback_dir
        self.saved: dict[tuple[int, int], str] = {}
        self.load_kg: float | None = None
        self.source: dict = {}

    def __call__(self, ev: SetFinished) -> SetFinished:
        if ev.saved_to is not None or not ev.reps:
            return ev
        key = (ev.set_index, len(ev.reps))
        if key not in self.saved:
            def save(recording: str) -> str:
                return save_set(recording, ev.set_index, ev.reps, ev.set_summary, load_kg=self.load_kg,
                                source=self.source, reason=ev.reason)

            try:
                self.saved[key] = save(self.recording)
            except OSError:  # e.g. a read-only folder: keep the results in recordings/ instead
                os.makedirs(self.fallback_dir, exist_ok=True)
                self.saved[key] = save(os.path.join(self.fallback_dir, os.path.basename(self.recording)))
        return SetFinished(ev.set_index, ev.reps, ev.set_summary, self.saved[key], ev.reason)


class ReplayDriver(ScriptedDriver):
    """A recording at its recorded pace (speed adjustable), processed by the engine as it plays."""

    def __init__(self, path: str, *, speed: float = 1.0, start_paused: bool = False,
                 idle_end_s: float | None = DEFAULT_IDLE_END_S) -> None:
        super().__init__([], pace=True, speed=speed, start_paused=start_paused, batch=4)
        self.path = path
        self.source = RecordingSource(path)  # bad files fail here, before the UI starts
        self.idle_end_s = idle_end_s
        self.saver = _SetSaver(path)
        self.saver.source = {"path": path, "camera": self.source.info.camera, "serial": self.source.info.serial}
        self.produced = threading.Event()  # the whole recording has been processed
        self._t_now = 0.0
        self._producer: threading.Thread | None = None
        self.engine = None

    def start(self, emit) -> None:
        super().start(emit)
        self._producer = threading.Thread(target=self._produce, name="barpath-replay-engine", daemon=True)
        self._producer.start()

    def _append(self, t: float, event) -> None:
        self._items.extend(_flatten([(t, event)]))  # the player thread reads the list; appends are atomic
        self._wake()

    def _collect(self, event) -> None:
        t = event.points[-1].t if isinstance(event, TrackBatch) and event.points else self._t_now
        self._append(t, event)

    def _status(self) -> Status:
        i, e = self.source.info, self.engine
        return Status(source=os.path.basename(self.path), live=False, fps=i.fps, frames=i.frames,
                      dropped_frames=i.dropped_frames, recording=False, calibration=calibration_label(e),
                      lift=e.lift, message=status_message(e))

    def _produce(self) -> None:
        error = None
        engine = self.engine = engine_for(self.source, emit=self._collect, idle_end_s=self.idle_end_s)
        next_status = 0.0
        try:
            for frame in self.source.frames():
                if self.stopping:
                    return
                engine.process(frame)
                self._t_now = engine.records[-1].t
                if self._t_now >= next_status:
                    self._append(self._t_now, self._status())
                    next_status = self._t_now + STATUS_PERIOD_S
        except InputError as e:
            error = str(e)
        except Exception as e:  # noqa: BLE001 - the UI must show it, not die silently
            error = f"{type(e).__name__}: {e}"
        finally:
            self.source.close()
        engine.finish()
        self._append(self._t_now, self._status())
        self._append(self._t_now, SourceEnded(error=error))
        self.produced.set()

    def emit(self, event) -> None:
        if isinstance(event, SetFinished):
            event = self.saver(event)
        super().emit(event)

    def stop(self, timeout: float = 2.0) -> None:
        super().stop(timeout)
        if self._producer is not None:
            self._producer.join(timeout)


SourceFactory = Callable[[str | None], FrameSource]  # record_to path (or None) -> an open source


def session_recording_path(folder: str, when: _dt.datetime | None = None) -> str:
    when = when or _dt.datetime.now()
    return os.path.join(folder, when.strftime("%Y%m%d-%H%M%S") + ".db3")


class LiveDriver(Driver):
    """A camera through the engine. Each connection records to its own file in `record_dir` (or nothing)."""

    def __init__(self, source_factory: SourceFactory, *, record_dir: str | None = "recordings",
                 idle_end_s: float | None = DEFAULT_IDLE_END_S,
                 wait_for_camera: Callable[[float], bool] | None = None, reconnect_poll_s: float = 1.0) -> None:
        super().__init__()
        self.source_factory = source_factory
        self.record_dir = record_dir
        self.idle_end_s = idle_end_s
        self.wait_for_camera = wait_for_camera or (lambda timeout: True)
        self.reconnect_poll_s = reconnect_poll_s
        self._lock = threading.Lock()
        self._end_requested = False
        self.sets_done = 0
        self.load_kg: float | None = None

    @property
    def is_live(self) -> bool:
        return True

    def end_set(self) -> None:
        with self._lock:
            self._end_requested = True

    def run(self) -> None:
        while not self.stopping:
            record_to = None
            if self.record_dir:
                os.makedirs(self.record_dir, exist_ok=True)
                record_to = session_recording_path(self.record_dir)
            try:
                source = self.source_factory(record_to)
            except BarpathError as e:
                self.emit(Status("camera", True, 0.0, 0, 0, False, "auto", None, connected=False,
                                 message=str(e)))
                self.wait_for_camera(self.reconnect_poll_s)
                continue
            self._run_source(source, record_to)

    def _run_source(self, source: FrameSource, record_to: str | None) -> None:
        info = source.info
        saver = _SetSaver(record_to or os.path.join(self.record_dir or "recordings",
                                                    os.path.basename(session_recording_path("."))))
        saver.source = {"path": info.path, "camera": info.camera, "serial": info.serial}

        def on_event(ev) -> None:
            if isinstance(ev, (SetStarted, RepFinished, SetFinished, TrackBatch)):
                ev = _renumber(ev, self.sets_done)
            if isinstance(ev, SetFinished):
                saver.load_kg = self.load_kg
                ev = saver(ev)
            self.emit(ev)

        engine = engine_for(source, emit=on_event, idle_end_s=self.idle_end_s, keep_history=False)
        name = f"camera {info.camera} ({info.serial})"
        frames0, wall0, next_status = 0, time.monotonic(), 0.0
        try:
            for frame in source.frames():
                if self.stopping:
                    break
                with self._lock:
                    end, self._end_requested = self._end_requested, False
                if end:
                    engine.end_set("key")
                engine.process(frame)
                now = time.monotonic()
                if now >= next_status:
                    fps = (info.frames - frames0) / max(now - wall0, 1e-6)
                    frames0, wall0, next_status = info.frames, now, now + STATUS_PERIOD_S
                    self.emit(Status(name, True, fps, info.frames, info.dropped_frames, record_to is not None,
                                     calibration_label(engine), engine.lift,
                                     message=status_message(engine)))
        except CameraDisconnected as e:
            engine.end_set("disconnected")
            self.emit(Status(name, True, 0.0, info.frames, info.dropped_frames, False, calibration_label(engine),
                             engine.lift, connected=False, message=str(e)))
            source.close()
            self.sets_done += len(engine.sets)
            while not self.stopping and not self.wait_for_camera(self.reconnect_poll_s):
                pass
            return
        finally:
            source.close()
        engine.end_set("stopped")
        self.sets_done += len(engine.sets)
        if not self.stopping:
            self.emit(SourceEnded(error=None))
            self._stopping.set()


def _renumber(ev, offset: int):
    """Set numbers continue across reconnects (each connection has its own engine)."""
    if offset == 0:
        return ev
    if isinstance(ev, SetStarted):
        return SetStarted(ev.set_index + offset, ev.t)
    if isinstance(ev, RepFinished):
        return RepFinished(ev.set_index + offset, ev.rep, ev.set_summary)
    if isinstance(ev, SetFinished):
        return SetFinished(ev.set_index + offset, ev.reps, ev.set_summary, ev.saved_to, ev.reason)
    if isinstance(ev, TrackBatch):
        return TrackBatch(ev.set_index + offset if ev.set_index else 0, ev.points)
    return ev
