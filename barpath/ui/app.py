"""The barpath TUI: `create_app(driver, settings=...)` builds the app; tests reuse it with a ScriptedDriver.

Data flow: the driver's thread calls `app.emit(event)` -> `post_message(wrap(event))` (thread-safe, never
blocks). Handlers on the UI thread update the set's state cheaply (TrackBatch points are only appended);
rep/set/status events update their widgets at once; the plots are redrawn by a timer at most `redraw_hz`
times a second, and only when something changed.
"""

from __future__ import annotations

import bisect
from collections import deque
from dataclasses import dataclass, field

from textual import on
from textual.app import App, ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.widgets import Footer

from barpath.events import SetFinished, SourceEnded, Status, TrackPoint
from barpath.ui import messages as m
from barpath.ui.driver import SPEEDS, Driver
from barpath.ui.widgets.banner import VLBanner
from barpath.ui.widgets.bar_path import BarPathPlot
from barpath.ui.widgets.cue import CueBar
from barpath.ui.widgets.header import SessionHeader
from barpath.ui.widgets.mcv import BigNumber, McvDisplay, vl_level
from barpath.ui.widgets.rep_table import RepTable
from barpath.ui.widgets.set_summary import SetSummary
from barpath.ui.widgets.status_line import StatusLine
from barpath.ui.widgets.velocity_trace import VelocityTrace

VL_LIMITS = (10.0, 15.0, 20.0, 25.0, 30.0, 40.0)
MOVING_MS = 0.15  # |bar vy| above this after the last rep = the next rep is under way ...
MOVING_RECENT_S = 1.0  # ... within this long of now (a dropped bar's bounces after the rep are over in ~0.5 s)


@dataclass
class Settings:
    """What the CLI passes from its flags; load and the limit can also be changed with keys."""

    load_kg: float | None = None
    load_step_kg: float = 2.5
    vl_limit_pct: float = 20.0
    vl_warn_fraction: float = 0.7  # amber from 70 % of the limit
    bell: bool = True
    redraw_hz: float = 30.0
    trace_window_s: float = 8.0


@dataclass
class SetState:
    index: int = 0
    load_kg: float | None = None
    points: list[TrackPoint] = field(default_factory=list)
    ts: list[float] = field(default_factory=list)
    reps: list[dict] = field(default_factory=list)
    summary: dict = field(default_factory=dict)
    finished: SetFinished | None = None

    def add_points(self, pts) -> None:
        for p in pts:
            if self.ts and p.t < self.ts[-1]:  # out of order (shouldn't happen): keep the list sorted
                i = bisect.bisect_right(self.ts, p.t)
                self.ts.insert(i, p.t)
                self.points.insert(i, p)
            else:
                self.ts.append(p.t)
                self.points.append(p)

    def window(self, t0: float, t1: float) -> list[TrackPoint]:
        return self.points[bisect.bisect_left(self.ts, t0):bisect.bisect_right(self.ts, t1)]

    @property
    def vl_pct(self) -> float | None:
        v = self.summary.get("velocity_loss_pct") if self.summary else None
        if v is None and self.reps:
            v = self.reps[-1].get("velocity_loss_pct")
        return v


def rep_span(rep: dict) -> tuple[float, float] | None:
    ts = [rep.get(k) for k in ("concentric_start", "concentric_end", "eccentric_start", "eccentric_end")]
    ts = [t for t in ts if t is not None]
    return (min(ts), max(ts)) if ts else None


class BarpathApp(App):
    CSS_PATH = "app.tcss"
    TITLE = "barpath"
    ENABLE_COMMAND_PALETTE = False

    BINDINGS = [
        Binding("space", "toggle_pause", "pause", key_display="␣"),
        Binding("left", "step(-1)", "frame", key_display="←→"),
        Binding("right", "step(1)", "frame", show=False),
        Binding("left_square_bracket,p", "jump_rep(-1)", "rep", key_display="[ ]"),
        Binding("right_square_bracket,n", "jump_rep(1)", "rep", show=False),
        Binding("less_than_sign,comma", "speed(-1)", "speed", key_display="< >"),
        Binding("greater_than_sign,full_stop", "speed(1)", "speed", show=False),
        Binding("plus,equals_sign", "load(1)", "load", key_display="+ -"),
        Binding("minus,underscore", "load(-1)", "load", show=False),
        Binding("v", "vl_limit", "VL limit"),
        Binding("r", "restart", "restart"),
        Binding("e", "end_set", "end set"),
        Binding("q", "quit", "quit"),
    ]
    REPLAY_ACTIONS = {"toggle_pause", "step", "jump_rep", "speed", "restart"}

    def __init__(self, driver: Driver, *, settings: Settings | None = None) -> None:
        super().__init__()
        self.driver = driver
        self.settings = settings or Settings()
        self.load_kg = self.settings.load_kg
        self.vl_limit = float(self.settings.vl_limit_pct)
        self.state = SetState(load_kg=self.load_kg)
        self.history: list[tuple[SetFinished, float | None]] = []
        self.status: Status | None = None
        self.ended: SourceEnded | None = None
        self.idle_points: deque[TrackPoint] = deque(maxlen=600)
        self.now: TrackPoint | None = None
        self.handled = 0  # core events handled (tests compare it with driver.emitted)
        self.bell_rung: set[int] = set()
        self.bells = 0
        self._dirty = True

    # -- layout ----------------------------------------------------------------------------------------
    def compose(self) -> ComposeResult:
        # widgets are kept as attributes: handlers may still run while the app shuts down (no queries)
        self.w_header = SessionHeader(id="header")
        self.w_mcv = McvDisplay(id="mcv")
        self.w_rep = BigNumber("REP", id="rep")
        self.w_vl = BigNumber("VELOCITY LOSS", id="vl")
        self.w_cue = CueBar("", id="cue")
        self.w_banner = VLBanner("", id="banner")
        self.w_path = BarPathPlot(id="path")
        self.w_trace = VelocityTrace(id="trace")
        self.w_table = RepTable(id="reps")
        self.w_summary = SetSummary("", id="summary")
        self.w_status = StatusLine("", id="status")
        yield self.w_header
        with Horizontal(id="top"):
            yield self.w_mcv
            yield self.w_rep
            yield self.w_vl
            yield self.w_cue
        yield self.w_banner
        with Horizontal(id="middle"):
            yield self.w_path
            with Vertical(id="right"):
                yield self.w_trace
                yield self.w_table
        yield self.w_summary
        yield self.w_status
        yield Footer()

    def on_mount(self) -> None:
        self.w_banner.display = False
        self.w_cue.border_title = "CUE"
        self._layout_classes(self.size.width, self.size.height)
        self._show_set()
        self.w_status.show_status(None)
        self._timer = self.set_interval(1.0 / self.settings.redraw_hz, self.redraw)
        self.driver.start(self.emit)

    def on_resize(self, event) -> None:
        self._layout_classes(event.size.width, event.size.height)

    def _layout_classes(self, width: int, height: int) -> None:
        narrow, short = width < 100, height < 32
        self.screen.set_class(narrow, "-narrow")
        self.screen.set_class(short, "-short")
        self.w_mcv.border_title = "MCV m/s" if narrow else "MEAN VELOCITY m/s"
        self.w_vl.border_title = "VL %" if narrow else "VELOCITY LOSS"
        table = self.w_table
        if table.compact != narrow:
            table.set_compact(narrow)
            self._show_set()

    def on_unmount(self) -> None:
        self._timer.stop()
        self.driver.stop()

    # -- driver -> UI -------------------------------------------------------------------------------------
    def emit(self, event: object) -> None:
        """Called by the driver from its thread: queue the event for the UI thread (never blocks)."""
        try:
            self.post_message(m.wrap(event))
        except RuntimeError:  # the app's loop has closed: we are shutting down
            pass

    @on(m.CoreEvent)
    def _on_core_event(self, message: m.CoreEvent) -> None:
        """Every driver event, on the UI thread, in the order emitted."""
        handler = getattr(self, "_handle_" + type(message).__name__.removesuffix("Received").lower())
        handler(message.event)
        self.handled += 1

    def _handle_trackbatch(self, ev) -> None:
        if not ev.points:
            return
        if ev.set_index and ev.set_index != self.state.index and self.state.finished is None:
            self._new_set(ev.set_index)  # joined mid-set: no SetStarted seen
        if ev.set_index and ev.set_index == self.state.index and self.state.finished is None:
            self.state.add_points(ev.points)
        else:
            self.idle_points.extend(ev.points)
        self.now = ev.points[-1]
        self._dirty = True

    def _handle_setstarted(self, ev) -> None:
        self._new_set(ev.set_index)

    def _new_set(self, index: int) -> None:
        self.history = [h for h in self.history if h[0].set_index < index]
        self.state = SetState(index=index, load_kg=self.load_kg)
        self.idle_points.clear()
        self.w_path.clear()
        self.w_trace.clear()
        self._show_set()

    def _handle_repfinished(self, ev) -> None:
        if ev.set_index != self.state.index:
            self._new_set(ev.set_index)
        reps = [r for r in self.state.reps if r.get("index") != ev.rep.get("index")]
        reps.append(ev.rep)
        reps.sort(key=lambda r: r.get("index", 0))
        self.state.reps = reps
        self.state.summary = dict(ev.set_summary or {})
        self._show_set()
        vl = self.state.vl_pct
        if vl is not None and vl >= self.vl_limit and self.state.index not in self.bell_rung:
            self.bell_rung.add(self.state.index)
            self.ring()

    def _handle_setfinished(self, ev) -> None:
        if ev.set_index != self.state.index:
            self._new_set(ev.set_index)
        if ev.reps:
            self.state.reps = list(ev.reps)
        self.state.summary = dict(ev.set_summary or {})
        self.state.finished = ev
        self.history = [h for h in self.history if h[0].set_index != ev.set_index]
        self.history.append((ev, self.state.load_kg))
        self._show_set()

    def _handle_status(self, ev) -> None:
        self.status = ev
        self._show_status()

    def _handle_sourceended(self, ev) -> None:
        self.ended = ev
        self._show_status()

    def _handle_rewind(self, ev) -> None:
        k = ev.to_set
        self.history = [h for h in self.history if k and h[0].set_index < k]
        if k == 0 or self.state.index >= k:
            self.state = SetState(load_kg=self.load_kg)
            self.w_path.clear()
            self.w_trace.clear()
        if k == 0:
            self.bell_rung.clear()
        self.idle_points.clear()
        self.now = None
        self.ended = None
        self._show_set()
        self._show_status()

    def _handle_unknownevent(self, ev) -> None:
        self.log.warning(f"unknown event {ev!r}")

    def ring(self) -> None:
        self.bells += 1
        if self.settings.bell:
            self.bell()

    # -- widgets ----------------------------------------------------------------------------------------------
    def _show_set(self) -> None:
        st = self.state
        s = self.settings
        last = st.reps[-1] if st.reps else None
        mcv = last.get("mean_concentric_velocity") if last else None
        rep_vl = last.get("velocity_loss_pct") if last else None
        if rep_vl is None:
            rep_vl = st.vl_pct
        best = st.summary.get("best_mcv") if st.summary else None
        detail = f"best {best:.2f}" if best is not None else ""
        self.w_mcv.show_rep(mcv, rep_vl, self.vl_limit, s.vl_warn_fraction, detail)
        n = len(st.reps)
        part = " · partial" if last and last.get("partial") else ""
        self.w_rep.show(str(last.get("index", n)) if last else "–", "-none",
                                               f"set {st.index}{part}" if st.index else "")
        vl_lvl = vl_level(rep_vl, self.vl_limit, s.vl_warn_fraction) if rep_vl is not None else "-none"
        self.w_vl.show("–" if rep_vl is None else f"{rep_vl:.0f}", vl_lvl,
                                              f"limit {self.vl_limit:.0f} %")
        dropped = set((st.summary or {}).get("dropped_reps") or ())
        self.w_cue.show_rep(last, bool(last) and last.get("index") in dropped)
        self.w_banner.show_loss(None if st.finished else st.vl_pct, self.vl_limit)
        self.w_table.set_reps(st.reps, self.vl_limit, s.vl_warn_fraction, dropped)
        self.w_summary.show((st.finished, st.load_kg) if st.finished else None,
                                        [h for h in self.history if h[0].set_index != st.index])
        self._show_header()
        self._dirty = True

    def _show_header(self) -> None:
        d = self.driver
        lift = (self.status.lift if self.status else None) or (self.state.summary or {}).get("lift")
        self.w_header.show(set_index=self.state.index, load_kg=self.state.load_kg, lift=lift,
                                           limit_pct=self.vl_limit, live=d.is_live, paused=d.paused,
                                           speed=d.speed, ended=self.ended is not None and not d.paused)

    def _show_status(self) -> None:
        ended = None
        if self.ended is not None:
            ended = f"⚠ {self.ended.error}" if self.ended.error else None  # the header says "end"
        self.w_status.show_status(self.status, ended)
        self._show_header()

    def redraw(self) -> None:
        """Timer (<= redraw_hz): push the coalesced track to the plots."""
        if not self._dirty:
            return
        self._dirty = False
        st = self.state
        pts = st.points
        now = self.now
        plot, trace = self.w_path, self.w_trace
        if not pts:
            idle = list(self.idle_points)[-120:]
            plot.set_data((), idle, now)
            if idle:
                trace.set_data(idle, max(idle[0].t, idle[-1].t - self.settings.trace_window_s), idle[-1].t)
            trace.border_title = "BAR VELOCITY  m/s"
            return
        t_now = pts[-1].t
        spans = [sp for sp in (rep_span(r) for r in st.reps) if sp is not None]
        prev: list[list[TrackPoint]] = []
        if spans:
            last0, last1 = spans[-1]
            tail = st.window(last1 + 1e-9, t_now)
            moving = not st.finished and any(p.bar_vy is not None and abs(p.bar_vy) > MOVING_MS
                                             for p in tail if p.t >= t_now - MOVING_RECENT_S)
            if moving:
                cur = tail
                upto = len(spans)
                t0 = max(last1, t_now - self.settings.trace_window_s)
                trace.set_data(st.window(t0, t_now), t0, max(t_now, t0 + 3.0))
                trace.border_title = f"BAR VELOCITY  m/s  ·  rep {len(st.reps) + 1} under way"
            else:
                cur = st.window(last0, last1)
                upto = len(spans) - 1
                r = st.reps[-1]
                mcv = None
                if r.get("concentric_start") is not None and r.get("mean_concentric_velocity") is not None:
                    mcv = (r["concentric_start"], r["concentric_end"], r["mean_concentric_velocity"])
                trace.set_data(st.window(last0 - 0.4, last1 + 0.4), last0 - 0.4, last1 + 0.4, mcv)
                trace.border_title = f"BAR VELOCITY  m/s  ·  rep {r.get('index', len(st.reps))}"
            prev = [st.window(a, b) for a, b in spans[:upto]]
        else:
            cur = pts
            t0 = max(pts[0].t, t_now - self.settings.trace_window_s)
            trace.set_data(st.window(t0, t_now), t0, max(t_now, t0 + 3.0))
            trace.border_title = "BAR VELOCITY  m/s  ·  rep 1 under way"
        plot.set_data(prev, cur, now)

    # -- keys ---------------------------------------------------------------------------------------------------
    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in self.REPLAY_ACTIONS and self.driver.is_live:
            return False
        if action == "step" and not self.driver.paused:
            return None  # shown, greyed out: stepping works while paused
        return True

    def action_toggle_pause(self) -> None:
        if self.driver.paused:
            self.driver.resume()
        else:
            self.driver.pause()
        self.refresh_bindings()
        self._show_header()

    def action_step(self, frames: int) -> None:
        if self.driver.paused:
            self.driver.step(frames)

    def action_jump_rep(self, direction: int) -> None:
        self.driver.jump_rep(direction)

    def action_speed(self, direction: int) -> None:
        cur = self.driver.speed
        i = min(range(len(SPEEDS)), key=lambda k: abs(SPEEDS[k] - cur))
        i = max(0, min(len(SPEEDS) - 1, i + (1 if direction > 0 else -1)))
        self.driver.set_speed(SPEEDS[i])
        self._show_header()

    def action_load(self, direction: int) -> None:
        step = self.settings.load_step_kg
        cur = self.load_kg if self.load_kg is not None else 0.0
        self.load_kg = max(0.0, cur + step * (1 if direction > 0 else -1))
        self.state.load_kg = self.load_kg
        self._show_header()

    def action_vl_limit(self) -> None:
        bigger = [v for v in VL_LIMITS if v > self.vl_limit + 1e-9]
        self.vl_limit = bigger[0] if bigger else VL_LIMITS[0]
        self._show_set()

    def action_restart(self) -> None:
        self.driver.restart()

    def action_end_set(self) -> None:
        self.driver.end_set()

    async def action_quit(self) -> None:
        self._timer.stop()
        self.driver.stop(timeout=1.0)
        self.exit()


def create_app(driver: Driver, *, settings: Settings | None = None) -> BarpathApp:
    """The app for a driver (not started: `app.run()`, or `async with app.run_test()` in tests)."""
    return BarpathApp(driver, settings=settings)


__all__ = ["BarpathApp", "Settings", "SetState", "create_app"]
