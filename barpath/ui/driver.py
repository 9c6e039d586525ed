"""What feeds the TUI: a `Driver` runs in its own thread and hands core events (barpath.events) to the app.

Threading rules (every driver must follow them):

* `start(emit)` is called once by the app, from the UI thread; it starts the driver's thread, which runs
  `run()`. `emit(event)` is the ONLY way a driver talks to the UI. It is called from the driver's thread,
  never blocks and never raises (the app marshals the event to the UI thread with `post_message`, which is
  thread-safe and queues without waiting). Events must be emitted in order, from one thread.
* The UI never blocks the driver: it appends TrackBatch points to a buffer and redraws from a ~30 Hz timer,
  so a slow terminal drops redraws, never frames. Batch TrackPoints (one TrackBatch per 2-5 frames, or per
  ~30-50 ms) to keep the message count low.
* The control methods (`pause`, `resume`, `step`, `jump_rep`, `set_speed`, `restart`, `end_set`, `stop`)
  are called from the UI thread. They must return at once: record the request (under a lock) and wake the
  driver's thread, which acts on it and emits whatever results. The properties (`is_live`, `paused`,
  `speed`) are read from the UI thread and must be cheap.
* Moving backward (step back, previous rep, restart) uses the rewind protocol: emit `Rewind(to_set)` and
  then re-emit, instantly and in order, the events from the start of set `to_set` (its SetStarted) up to the
  new position. The UI drops everything it knows about sets >= `to_set` (0 = everything) on a Rewind.
* A live driver ignores the replay controls (pause/step/jump_rep/set_speed/restart are no-ops; `is_live`
  is True, so the UI hides those keys). `end_set()` closes the current set now (SetFinished reason "key").
* If `run()` raises, the base class emits `SourceEnded(error=...)`; after SourceEnded the driver thread may
  stay alive (a replay driver keeps serving restart/step) until `stop()`.
"""

from __future__ import annotations

import json
import threading
import time
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from barpath.analysis.setsummary import summarize_set
from barpath.events import (
    Event, RepFinished, SetFinished, SetStarted, SourceEnded, Status, TrackBatch, TrackPoint,
)

__all__ = ["Driver", "Rewind", "ScriptedDriver", "truth_script", "SPEEDS"]

SPEEDS = (0.25, 0.5, 1.0, 2.0, 4.0, 8.0)  # the replay speeds the UI steps through


@dataclass(frozen=True)
class Rewind:
    """Driver -> UI: forget sets >= `to_set` (0 = everything); the events from there on are re-emitted next.

    Not an engine event: only replay drivers emit it, when moving backward (step -1, previous rep, restart)."""

    to_set: int


EmitFn = Callable[[object], None]


class Driver(ABC):
    """Base class of the TUI's event sources. Subclasses implement `run()` and `end_set()`, plus the replay
    controls when they can replay. See the module docstring for the threading rules."""

    def __init__(self) -> None:
        self._emit_fn: EmitFn | None = None
        self._thread: threading.Thread | None = None
        self._stopping = threading.Event()
        self.emitted = 0  # events emitted so far (tests compare it with what the UI handled)

    # -- lifecycle (UI thread) -------------------------------------------------------------------------
    def start(self, emit: EmitFn) -> None:
        """Start the driver's thread; `emit` is thread-safe and non-blocking."""
        if self._thread is not None:
            raise RuntimeError("driver already started")
        self._emit_fn = emit
        self._thread = threading.Thread(target=self._main, name=f"barpath-{type(self).__name__}", daemon=True)
        self._thread.start()

    def stop(self, timeout: float = 2.0) -> None:
        """Ask the thread to finish and wait for it (at most `timeout` s). Idempotent."""
        self._stopping.set()
        self._wake()
        t = self._thread
        if t is not None and t is not threading.current_thread():
            t.join(timeout)

    @property
    def stopping(self) -> bool:
        """True once `stop()` was called: `run()` must return soon after."""
        return self._stopping.is_set()

    def _main(self) -> None:
        try:
            self.run()
        except Exception as exc:  # noqa: BLE001 - a driver failure must reach the user, not kill the UI
            self.emit(SourceEnded(error=f"{type(exc).__name__}: {exc}"))

    def _wake(self) -> None:
        """Wake the driver's thread after a control request (override if `run()` waits on something)."""

    # -- driver thread ----------------------------------------------------------------------------------
    def emit(self, event: Event | Rewind) -> None:
        """Hand one event to the UI (driver thread only)."""
        self.emitted += 1
        if self._emit_fn is not None:
            self._emit_fn(event)

    @abstractmethod
    def run(self) -> None:
        """The driver's loop, in its own thread: emit events until done or `self.stopping`."""

    # -- controls (UI thread; must return at once) ---------------------------------------------------------
    @property
    @abstractmethod
    def is_live(self) -> bool:
        """True for a camera (no replay controls)."""

    @property
    def paused(self) -> bool:
        return False

    @property
    def speed(self) -> float:
        return 1.0

    def pause(self) -> None:
        """Replay: stop emitting until resume()/step()."""

    def resume(self) -> None:
        """Replay: continue at `speed` from where it paused."""

    def step(self, frames: int) -> None:
        """Replay, while paused: move by `frames` frames (±1); backward uses the rewind protocol."""

    def jump_rep(self, direction: int) -> None:
        """Replay: move to just after the next (+1) or previous (-1) finished rep."""

    def set_speed(self, factor: float) -> None:
        """Replay: play at `factor` × real time."""

    def restart(self) -> None:
        """Replay: start over (Rewind(0), then from the first event)."""

    @abstractmethod
    def end_set(self) -> None:
        """Close the current set now: the engine finalises and saves it and emits SetFinished(reason='key')."""


# ------------------------------------------------------------------------------------------------------
# Scripted driver (tests and development)


@dataclass(frozen=True)
class _Item:
    t: float
    event: object  # a core event; TrackBatch items hold exactly one point


def _flatten(script: Iterable[tuple[float, object]]) -> list[_Item]:
    items: list[_Item] = []
    for t, ev in script:
        if isinstance(ev, TrackBatch):
            items.extend(_Item(float(t), TrackBatch(ev.set_index, (p,))) for p in ev.points)
        else:
            items.append(_Item(float(t), ev))
    return items


class ScriptedDriver(Driver):
    """Plays a list of (t, event) at its pace (t in seconds, scaled by `speed`) or, with pace=False, as fast
    as the UI takes them. Implements every replay control over the script: a "frame" is one TrackPoint.

    `start_paused=True` emits nothing until resume() or step(); `batch` caps the points per TrackBatch."""

    def __init__(self, events_with_times: Iterable[tuple[float, object]], pace: bool = True, *,
                 speed: float = 1.0, start_paused: bool = False, batch: int = 8, live: bool = False) -> None:
        super().__init__()
        self._items = _flatten(sorted(events_with_times, key=lambda te: te[0]))
        self._pace = pace
        self._speed = float(speed)
        self._paused = start_paused
        self._batch = max(1, batch)
        self._live = live
        self._cond = threading.Condition()
        self._pos = 0  # next item to emit
        self._cmds: list[tuple[str, float]] = []
        self._anchor = (time.monotonic(), 0.0)  # (wall time, script time) when playing resumed
        # what has been emitted of the current set (for end_set)
        self._cur_set = 0
        self._cur_reps: list[dict] = []
        self._lift: str | None = None
        self.idle = threading.Event()  # set while nothing is left to do (end of script or paused)

    # -- properties -------------------------------------------------------------------------------------
    @property
    def is_live(self) -> bool:
        return self._live

    @property
    def paused(self) -> bool:
        return self._paused

    @property
    def speed(self) -> float:
        return self._speed

    @property
    def position(self) -> int:
        """Index of the next script item (flattened: one item per TrackPoint)."""
        return self._pos

    @property
    def done(self) -> bool:
        return self._pos >= len(self._items)

    # -- controls -----------------------------------------------------------------------------------------
    def _request(self, cmd: str, arg: float = 0.0) -> None:
        with self._cond:
            self._cmds.append((cmd, arg))
            self.idle.clear()
            self._cond.notify_all()

    def _wake(self) -> None:
        with self._cond:
            self._cond.notify_all()

    def pause(self) -> None:
        with self._cond:  # takes effect at once (the UI shows `paused` right after the key)
            self._paused = True
            self._cond.notify_all()

    def resume(self) -> None:
        with self._cond:
            self._paused = False
            self._reanchor()
            self.idle.clear()
            self._cond.notify_all()

    def step(self, frames: int) -> None:
        self._request("step", int(frames))

    def jump_rep(self, direction: int) -> None:
        self._request("jump_rep", 1 if direction > 0 else -1)

    def set_speed(self, factor: float) -> None:
        with self._cond:
            wall0, t0 = self._anchor
            now = time.monotonic()
            self._anchor = (now, t0 + (now - wall0) * self._speed)
            self._speed = max(0.05, min(64.0, float(factor)))
            self._cond.notify_all()

    def restart(self) -> None:
        self._request("restart")

    def end_set(self) -> None:
        self._request("end_set")

    # -- driver thread --------------------------------------------------------------------------------------
    def emit(self, event) -> None:
        if isinstance(event, SetStarted):
            self._cur_set, self._cur_reps = event.set_index, []
        elif isinstance(event, RepFinished):
            self._cur_reps.append(event.rep)
            self._lift = event.set_summary.get("lift", self._lift)
        elif isinstance(event, SetFinished):
            self._cur_set, self._cur_reps = 0, []
        elif isinstance(event, Status) and event.lift:
            self._lift = event.lift
        super().emit(event)

    def _emit_items(self, items: Sequence[_Item]) -> None:
        """Emit items in order, coalescing consecutive points of one set into TrackBatches of <= batch."""
        pts: list[TrackPoint] = []
        set_idx = None
        for it in items:
            ev = it.event
            if isinstance(ev, TrackBatch) and (set_idx is None or ev.set_index == set_idx) and len(pts) < self._batch:
                pts.extend(ev.points)
                set_idx = ev.set_index
                continue
            if pts:
                self.emit(TrackBatch(set_idx, tuple(pts)))
                pts, set_idx = [], None
            if isinstance(ev, TrackBatch):
                pts, set_idx = list(ev.points), ev.set_index
            else:
                self.emit(ev)
        if pts:
            self.emit(TrackBatch(set_idx, tuple(pts)))

    def _reanchor(self) -> None:
        t = self._items[self._pos].t if self._pos < len(self._items) else (self._items[-1].t if self._items else 0.0)
        self._anchor = (time.monotonic(), t)

    def _seek(self, target: int) -> None:
        target = max(0, min(len(self._items), target))
        if target >= self._pos:
            self._emit_items(self._items[self._pos:target])
        else:
            start = 0
            for i in range(target - 1, -1, -1):
                if isinstance(self._items[i].event, SetStarted):
                    start = i
                    break
            first = self._items[start].event
            self.emit(Rewind(first.set_index if isinstance(first, SetStarted) else 0))
            self._emit_items(self._items[start:target])
        self._pos = target
        self._reanchor()

    def _frame_positions(self) -> list[int]:
        return [i for i, it in enumerate(self._items) if isinstance(it.event, TrackBatch)]

    def _after_point(self, i: int) -> int:
        """Position just after point item i, plus the non-point events that follow it (up to the next point or
        the next SetStarted: that belongs to the next set's first frame)."""
        j = i + 1
        while j < len(self._items) and not isinstance(self._items[j].event, (TrackBatch, SetStarted)):
            j += 1
        return j

    def _do(self, cmd: str, arg: float) -> None:
        if cmd == "restart":
            self.emit(Rewind(0))
            self._pos = 0
            self._reanchor()
        elif cmd == "step":
            if not self._paused or arg == 0:
                return
            frames = self._frame_positions()
            if arg > 0:
                ahead = [i for i in frames if i >= self._pos]
                if ahead:
                    k = min(len(ahead), int(arg)) - 1
                    self._seek(self._after_point(ahead[k]))
            else:
                behind = [i for i in frames if i < self._pos]
                n = int(-arg)
                if len(behind) > n:
                    self._seek(self._after_point(behind[-1 - n]))
                elif behind:
                    self._seek(0)
        elif cmd == "jump_rep":
            ends = [i + 1 for i, it in enumerate(self._items) if isinstance(it.event, RepFinished)]
            if arg > 0:
                nxt = [e for e in ends if e > self._pos]
                if nxt:
                    self._seek(nxt[0])
            else:
                prev = [e for e in ends if e < self._pos]
                if prev:
                    self._seek(prev[-1])
                else:
                    self._seek(0)
        elif cmd == "end_set":
            if self._cur_set <= 0:  # between sets: nothing to end
                return
            idx = self._cur_set
            self.emit(SetFinished(idx, tuple(self._cur_reps), summarize_set(self._cur_reps, self._lift), None, "key"))
            # skip the rest of this set in the script (up to the next SetStarted)
            j = self._pos
            while j < len(self._items) and not isinstance(self._items[j].event, SetStarted):
                if isinstance(self._items[j].event, (SourceEnded, Status)):
                    self._emit_items([self._items[j]])
                j += 1
            self._pos = j
            self._reanchor()

    def run(self) -> None:
        while not self.stopping:
            with self._cond:
                cmds, self._cmds = self._cmds, []
            for c, a in cmds:
                self._do(c, a)
            if cmds:
                continue
            n = len(self._items)
            if self._paused or self._pos >= n:
                with self._cond:
                    if not self._cmds and not self.stopping:
                        self.idle.set()
                        self._cond.wait(0.5)
                continue
            if not self._pace:
                end = min(n, self._pos + self._batch)
                self._emit_items(self._items[self._pos:end])
                self._pos = end
                continue
            wall0, t0 = self._anchor
            now_t = t0 + (time.monotonic() - wall0) * self._speed
            end = self._pos
            while end < n and self._items[end].t <= now_t:
                end += 1
            if end > self._pos:
                self._emit_items(self._items[self._pos:end])
                self._pos = end
                continue
            wait = (self._items[self._pos].t - now_t) / self._speed
            with self._cond:
                if not self._cmds and not self.stopping:
                    self._cond.wait(min(max(wait, 0.001), 0.25))

    def wait_idle(self, timeout: float = 10.0) -> bool:
        """Tests: block until the driver has nothing left to do (end of script, or paused)."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.idle.wait(0.02):
                with self._cond:
                    if not self._cmds:
                        return True
        return False


# ------------------------------------------------------------------------------------------------------
# A realistic script from a synthetic recording's truth file


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return float(a[0] * b[0] + a[1] * b[1] + a[2] * b[2])


def truth_script(truth: str | Path | dict, *, sets: int = 1, set_gap_s: float = 8.0, rep_latency_s: float = 0.3,
                 idle_s: float = 2.0, batch_frames: int | None = None, lift: str | None = None,
                 vy_smoothing: int = 3) -> list[tuple[float, object]]:
    """An event script like the engine's for a synthetic recording's truth (`NAME.truth.json` or its dict).

    Camera coordinates -> lift frame: forward = (p - bar0)·forward, up = (p - floor)·up. Dropped frames
    give no TrackPoint. RepFinished comes `rep_latency_s` after the rep ends, SetFinished `idle_s` after the
    last rep (or at the end of the recording). `sets` > 1 repeats the set (set indices 1..sets)."""
    if isinstance(truth, dict):
        doc, name = truth, "synthetic.db3"
    else:
        p = Path(truth)
        doc = json.loads(p.read_text())
        name = p.name.replace(".truth.json", ".db3")
    lf = doc["lift_frame"]
    up, fwd = lf["up"], lf["forward"]
    floor = lf.get("floor_below_camera", [0.0, 0.0, 0.0])
    frames = doc["frames"]
    bar0 = frames[0]["bar"]
    fwd0 = _dot(bar0, fwd)
    up0 = _dot(floor, up)
    fps = float(doc.get("scenario", {}).get("fps") or (len(frames) - 1) / max(frames[-1]["t"], 1e-6))
    batch_frames = batch_frames or max(1, round(fps / 20.0))
    lift = lift or doc.get("set", {}).get("lift") or doc.get("scenario", {}).get("lift_kind") or "deadlift"
    reps = doc["reps"]
    serial = doc.get("serial", "")

    def lift_xy(p):
        return None if p is None else (round(_dot(p, fwd) - fwd0, 5), round(_dot(p, up) - up0, 5))

    points: list[TrackPoint] = []
    ups: list[tuple[float, float]] = []
    for f in frames:
        if f.get("dropped"):
            continue
        bar = lift_xy(f.get("bar"))
        vy = None
        if bar is not None:
            ups.append((f["t"], bar[1]))
            k = min(vy_smoothing, len(ups) - 1)
            if k > 0:
                vy = round((ups[-1][1] - ups[-1 - k][1]) / (ups[-1][0] - ups[-1 - k][0]), 4)
        points.append(TrackPoint(t=float(f["t"]), frame=int(f["frame"]), bar=bar, hip=lift_xy(f.get("hip")),
                                 knee=lift_xy(f.get("knee")), bar_vy=vy))
    if not points:
        return []
    t_end = points[-1].t
    rep_ends = [max(r["concentric_end"], r["eccentric_end"]) + rep_latency_s for r in reps]
    first_move = min((min(r["concentric_start"], r["eccentric_start"]) for r in reps), default=0.0)
    set_start = max(0.0, first_move - 0.5)
    set_end = min(t_end, (rep_ends[-1] if rep_ends else set_start) + idle_s)
    dropped_total = sum(1 for f in frames if f.get("dropped"))

    one: list[tuple[float, object]] = []  # one set, set index placeholder 1
    pending: list[TrackPoint] = []
    rep_i = 0
    started = finished = False
    next_status = 0.0
    emitted_frames = 0
    dropped_so_far = 0
    frame_of_t = {p.frame: p for p in points}
    set_reps: list[dict] = []

    def status(t: float, frames_n: int, dropped_n: int, detected: bool) -> Status:
        return Status(source=name, live=False, fps=fps, frames=frames_n, dropped_frames=dropped_n,
                      recording=False, calibration="auto", lift=lift if detected else None,
                      connected=True, message="", extra={"serial": serial})

    def flush(t: float) -> None:
        nonlocal pending
        if pending:
            one.append((t, TrackBatch(1 if started and not finished else 0, tuple(pending))))
            pending = []

    for f in frames:
        t = float(f["t"])
        if f.get("dropped"):
            dropped_so_far += 1
            continue
        p = frame_of_t[int(f["frame"])]
        if not started and t >= set_start:
            flush(t)
            started = True
            one.append((t, SetStarted(1, t)))
        pending.append(p)
        emitted_frames += 1
        if len(pending) >= batch_frames:
            flush(t)
        while rep_i < len(reps) and t >= rep_ends[rep_i]:
            flush(t)
            rep = {k: v for k, v in reps[rep_i].items() if k != "style"}
            set_reps.append(rep)
            one.append((t, RepFinished(1, rep, summarize_set(set_reps, lift))))
            rep_i += 1
        if started and not finished and t >= set_end and rep_i >= len(reps):
            flush(t)
            finished = True
            one.append((t, SetFinished(1, tuple(set_reps), summarize_set(set_reps, lift), None, "idle")))
        if t >= next_status:
            flush(t)
            one.append((t, status(t, emitted_frames, dropped_so_far, rep_i > 0)))
            next_status = t + 1.0
    flush(t_end)
    if started and not finished:
        while rep_i < len(reps):
            rep = {k: v for k, v in reps[rep_i].items() if k != "style"}
            set_reps.append(rep)
            one.append((t_end, RepFinished(1, rep, summarize_set(set_reps, lift))))
            rep_i += 1
        one.append((t_end, SetFinished(1, tuple(set_reps), summarize_set(set_reps, lift), None, "end_of_recording")))
    one.append((t_end, status(t_end, emitted_frames, dropped_total, bool(reps))))

    out: list[tuple[float, object]] = []
    for s in range(sets):
        off = s * (t_end + set_gap_s)
        for t, ev in one:
            out.append((t + off, _renumber(ev, s + 1, off, s * len(frames))))
    out.append((out[-1][0], SourceEnded(None)))
    return out


def _renumber(ev: object, set_index: int, dt: float, dframe: int) -> object:
    if dt == 0 and set_index == 1:
        return ev
    if isinstance(ev, TrackBatch):
        pts = tuple(TrackPoint(p.t + dt, p.frame + dframe, p.bar, p.hip, p.knee, p.bar_vy) for p in ev.points)
        return TrackBatch(set_index if ev.set_index else 0, pts)
    if isinstance(ev, SetStarted):
        return SetStarted(set_index, ev.t + dt)
    if isinstance(ev, RepFinished):
        rep = _shift_rep(ev.rep, dt)
        return RepFinished(set_index, rep, ev.set_summary)
    if isinstance(ev, SetFinished):
        return SetFinished(set_index, tuple(_shift_rep(r, dt) for r in ev.reps), ev.set_summary, ev.saved_to,
                           ev.reason)
    return ev


def _shift_rep(rep: dict, dt: float) -> dict:
    r = dict(rep)
    for k in ("concentric_start", "concentric_end", "eccentric_start", "eccentric_end"):
        if r.get(k) is not None:
            r[k] = r[k] + dt
    return r
