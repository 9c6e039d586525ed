"""The processing engine: depth frames in, tracked points, reps and sets out. One code path for `analyze`,
replay and live, so what the TUI shows equals what `analyze` reports.

Per frame: vision measures the plate (bar) and the near leg's joints -> one Kalman filter per point gates and
tracks them (device timestamps; frame-number gaps are missed measurements) -> once the lift frame is known
(stored calibration, or estimated from the first frames: floor plane = up, plate normal = bar axis), the
accepted measurements go to the rep detector, which emits reps as they complete. Sets: a set ends after
`idle_end_s` without bar motion (or on request); the next set starts clean.

Which estimate each output comes from: TrackPoint (live display) = causal Kalman filter; reps/set = the rep
detector's local regression over the filter-accepted measurements (identical live and offline); per-frame
`frames` of the analysis JSON = RTS smoother over the whole recording (`finish`).
"""

from __future__ import annotations

from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np

from barpath.analysis.detector import JOINTS, RepDetector
from barpath.analysis.hinge import unseen_note
from barpath.analysis.liftframe import LiftFrame
from barpath.analysis.setsummary import summarize_set
from barpath.calibrate import Calibration, check_fit, lift_frame_from
from barpath.events import Event, RepFinished, SetFinished, SetStarted, TrackBatch, TrackPoint
from barpath.sources.frame import DepthFrame, Intrinsics
from barpath.tracking.point_tracker import FilterRecord, PointTracker
from barpath.vision.body import BodyFit
from barpath.vision.floor import FloorFit
from barpath.vision.measure import FrameMeasurer

POINTS = ("bar", "hip", "knee", "ankle", "shoulder")


@dataclass
class EngineConfig:
    baseline_m: float = 0.050  # stereo baseline of the camera (D435/D415 ~50 mm, D455 95 mm)
    plate_diameter_m: float = 0.45
    idle_end_s: float | None = None  # end a set after this long without reps in progress (None: never)
    batch_s: float = 1.0 / 30.0  # TrackBatch period (data time)
    lift_frame_timeout_s: float = 3.0  # the plate seen this long (and the lifter's facing known): estimate the lift frame
    lift_frame_give_up_s: float = 30.0  # the bar lifted this long and no sign from the lifter: estimate it anyway
    keep_history: bool = True  # per-frame records + full filter history for the offline smoother (analyze);
    # a live session turns this off so memory stays flat however long the camera runs
    restart_move_m: float = 0.05  # after a set ended, the bar moving this far starts the next one
    preroll_s: float = 2.0  # samples before that move fed to the new set (the rest before the rise)


@dataclass
class FrameRecord:
    """What the engine knew about one frame (camera coordinates)."""

    frame: int
    t: float
    measured: dict[str, bool]
    causal: dict[str, np.ndarray | None]  # filter position per point


# A frame's measurements are passed on this long after it (s): a track's first measurements are tentative until
# `confirm` (3) agree, 2-3 frames or body fits later; not confirmed by then, they are dropped.
CONFIRM_WAIT_S = 0.3
# Frames kept for the rep detector while the lift frame waits for the plate and the lifter (s): longer than the
# estimator's give-up wait once the bar is lifted, so that a set is never cut.
PENDING_MAX_S = 60.0


@dataclass
class _Held:
    """A frame's measurements waiting for their tracks' confirmation."""

    t: float
    recs: dict[str, FilterRecord]  # each tracker's record of the step: the measurement it accepted (`z`), and
    # `confirmed`, set when the track is
    measured: dict[str, bool]  # the FrameRecord's flags, filled in on release
    plate_normal: np.ndarray | None
    body_fit: BodyFit | None


@dataclass
class _Accepted:
    """A released frame's confirmed measurements (camera coordinates, None where none) and their stated covariances
    (the hinge order counts a knee's move only beyond its noise)."""

    t: float
    points: dict[str, np.ndarray | None]
    covs: dict[str, np.ndarray | None]


@dataclass
class SetState:
    index: int
    detector: RepDetector
    start_t: float
    reps: list[dict] = field(default_factory=list)
    last_motion_t: float = 0.0
    motion_anchor: np.ndarray | None = None


class LiftFrameEstimator:
    """Auto lift frame: up from the floor plane, forward ⟂ the plate normal (bar axis), hips -> bar.

    The forward SIGN needs the lifter: the measured hips behind the bar, or (before the hips are reported: the
    stature is learnt first) the body fits' facing, from the silhouette's mass behind the bar. The bar is often in
    view long before the lifter (a loaded bar on the platform, a walk-in): the frame is estimated once the plate has
    been seen for `timeout_s` AND the lifter has given a sign; or, when the bar is being lifted (it moved 5 cm) with
    no sign from the body (cut by the image's edges), `give_up_s` after it first moved, with whatever there is.
    """

    MOVED_M = 0.05  # the bar moved this far from where it was first seen: someone is lifting it
    MIN_HIPS = 3  # bar - hip samples that decide the sign (hip measurements are confident ones)
    HIPS_ENOUGH = 10  # ... and with which the frame is estimated at once
    MIN_FACINGS = 10  # ... or this many confident body fits' facings
    FACING_SCORE = 0.5  # a body fit's score above which its facing counts

    def __init__(self, timeout_s: float = 3.0, give_up_s: float = 30.0) -> None:
        self.timeout_s = timeout_s
        self.give_up_s = give_up_s
        self.floor: FloorFit | None = None
        self.normals: list[np.ndarray] = []
        self.bar_minus_hip: list[np.ndarray] = []
        self.bars: list[np.ndarray] = []
        self.facings: list[np.ndarray] = []  # the lifter's forward per confident body fit (unit, camera coords)
        self.t_first: float | None = None  # when the plate was first seen
        self.t_moved: float | None = None  # when the bar first moved MOVED_M from there

    def add(self, floor: FloorFit | None, bar, normal, hip, t: float | None = None,
            body: BodyFit | None = None) -> None:
        self.floor = floor if floor is not None else self.floor
        if normal is not None:
            self.normals.append(np.asarray(normal, float))
            if self.t_first is None and t is not None:
                self.t_first = t
        if bar is not None:
            self.bars.append(np.asarray(bar, float))
            if self.t_moved is None and t is not None and np.linalg.norm(self.bars[-1] - self.bars[0]) > self.MOVED_M:
                self.t_moved = t
            if hip is not None:
                self.bar_minus_hip.append(np.asarray(bar, float) - np.asarray(hip, float))
        if body is not None and body.forward is not None and body.score > self.FACING_SCORE:
            self.facings.append(np.asarray(body.forward, float))

    def has_sign(self) -> bool:
        return len(self.bar_minus_hip) >= self.MIN_HIPS or len(self.facings) >= self.MIN_FACINGS

    def ready(self, t: float | None = None) -> bool:
        """Enough to estimate: ~1 s of plate normals (one normal is noisy at 3 m and beyond) and 10 hips; or, at
        time t, the plate seen for timeout_s and a sign from the lifter; or the bar lifted for give_up_s."""
        if self.floor is None or not self.normals:
            return False
        if len(self.normals) >= 30 and len(self.bar_minus_hip) >= self.HIPS_ENOUGH:
            return True
        if t is None or self.t_first is None:
            return False
        return (t - self.t_first > self.timeout_s and self.has_sign()) or \
            (self.t_moved is not None and t - self.t_moved > self.give_up_s)

    def calibration_ready(self, t: float) -> bool:
        """With a stored calibration, which carries the forward sign (the lifter only confirms it): the plate seen
        (its axis), and 10 hips or the plate seen for timeout_s."""
        return bool(self.normals) and (len(self.bar_minus_hip) >= self.HIPS_ENOUGH
                                       or (self.t_first is not None and t - self.t_first > self.timeout_s))

    def sign_hint(self) -> np.ndarray | None:
        """A vector the forward direction has a positive component along: the median bar - hip, else the summed
        facings of the body fits; None without either."""
        if len(self.bar_minus_hip) >= self.MIN_HIPS:
            return np.median(self.bar_minus_hip, axis=0)
        if self.facings:
            return np.sum(self.facings, axis=0)
        return None

    def estimate(self) -> LiftFrame | None:
        if self.floor is None:
            return None
        up = np.asarray(self.floor.normal, float)
        axis = np.median(self.normals, axis=0) if self.normals else np.array([0.0, 0.0, 1.0])
        axis = axis - (axis @ up) * up
        forward = np.cross(up, axis)
        if np.linalg.norm(forward) < 1e-6:
            forward = np.array([1.0, 0.0, 0.0]) - up[0] * up
        forward /= np.linalg.norm(forward)
        hint = self.sign_hint()
        if hint is not None and hint @ forward < 0:
            forward = -forward  # forward points from the hips toward the bar
        bar0 = np.median(self.bars[:30], axis=0) if self.bars else np.zeros(3)
        # origin: the floor point below the bar's first position
        origin = bar0 - float(self.floor.height_above(bar0[None, :])[0]) * up
        return LiftFrame(up=up, forward=forward, origin=origin, source="auto")


class Engine:
    """Feed DepthFrames in order with `process`; call `finish` at the end. Events go to `emit`."""

    def __init__(self, intrinsics: Intrinsics, config: EngineConfig | None = None,
                 lift_frame: LiftFrame | None = None, emit: Callable[[Event], None] | None = None,
                 calibration: Calibration | None = None) -> None:
        self.intrinsics = intrinsics
        self.config = config or EngineConfig()
        self.emit = emit or (lambda e: None)
        self.measurer = FrameMeasurer(plate_diameter_m=self.config.plate_diameter_m,
                                      baseline_m=self.config.baseline_m)
        # (live: enough records for a tentative track's to be marked confirmed while its frames are held)
        history = None if self.config.keep_history else 128
        self.trackers = {p: PointTracker(p, fx=intrinsics.fx, max_history=history) for p in POINTS}
        self.lift_frame = lift_frame
        self._estimator = None if lift_frame is not None else \
            LiftFrameEstimator(self.config.lift_frame_timeout_s, self.config.lift_frame_give_up_s)
        # A stored calibration replaces the auto estimate once the first frame confirms it still fits; the
        # forward sign still comes from the lifter when seen (the estimator's sign_hint), else the stored one.
        self.calibration = calibration
        self.calibration_note = "" if calibration is None else "calibration not checked yet"
        self._calibration_checked = calibration is None
        self.calibration_stale = False  # a stored calibration was found but no longer fits the scene
        self.records: list[FrameRecord] = []
        # before the lift frame is known (the latest PENDING_MAX_S: memory stays flat before a plate is ever seen)
        self._pending: deque[_Accepted] = deque()
        self._batch: list[TrackPoint] = []
        self._batch_t0: float | None = None
        self.t0_ms: float | None = None
        self.sets: list[SetState] = []
        self.current: SetState | None = None
        self.lift: str | None = None
        self._rest_bar: np.ndarray | None = None  # where the bar was when the last set ended
        self._last_bar: np.ndarray | None = None
        self._preroll: list[_Accepted] = []
        self._held: deque[_Held] = deque()  # frames waiting for their tracks' confirmation (_release)

    # ------------------------------------------------------------------ per frame
    def process(self, frame: DepthFrame) -> None:
        if self.t0_ms is None:
            self.t0_ms = frame.timestamp_ms
        t = (frame.timestamp_ms - self.t0_ms) / 1000.0
        depth_m = frame.depth_m()
        m = self.measurer.measure(depth_m, frame.intrinsics, t)
        recs: dict[str, FilterRecord] = {}
        causal: dict[str, np.ndarray | None] = {}
        bar_velocity = None
        for name, tracker in self.trackers.items():
            z = getattr(m, name)
            cov = m.plate_cov if name == "bar" else m.covs.get(name)
            sample = tracker.step(t, z, cov, frame.frame_number)
            recs[name] = tracker.history[-1]
            causal[name] = sample.position
            if name == "bar":
                bar_velocity = sample.velocity
        held = _Held(t, recs, {name: False for name in recs}, m.plate_normal, m.body_fit)
        if self.config.keep_history:
            self.records.append(FrameRecord(frame.frame_number, t, held.measured, causal))
        if not self._calibration_checked:
            self._calibration_checked = True
            ok, self.calibration_note = check_fit(self.calibration, depth_m, frame.intrinsics)
            if not ok:
                self.calibration = None  # stale: reported in calibration_note, never silently used
                self.calibration_stale = True
        self._held.append(held)
        self._release(t)
        self._track_point(frame.frame_number, t, causal, bar_velocity)

    def hinge_note(self, brief: bool = False) -> str:
        """Why many reps' hinge order was not judged (a joint unseen as their descent began), or '' (unseen_note)."""
        counts = Counter(j for s in self.sets for joints in s.detector.unseen.values() for j in joints)
        return unseen_note(counts, len(self.all_reps()), brief)

    def waiting_note(self) -> str:
        """Why no reps can be counted yet (the lift frame is not known): '' once it is."""
        if self.lift_frame is not None or self._estimator is None:
            return ""
        if not self._estimator.normals:
            return "looking for the plate"
        return "plate found: waiting for the lifter"

    def _release(self, t_now: float | None) -> None:
        """Pass on the frames held CONFIRM_WAIT_S (all when t_now is None) to the lift frame and the rep detector.

        Only a confirmed track's measurements count: a lone detection of something else (a head taken for a plate
        for one frame, a metre off) starts a tentative track that the next frames drop, and fed to the rep detector
        it made a ghost rep. A track's first measurements are tentative until it is confirmed a few measurements
        later, so each frame waits for that before its measurements are passed on (or dropped)."""
        while self._held and (t_now is None or t_now - self._held[0].t >= CONFIRM_WAIT_S):
            h = self._held.popleft()
            acc = _Accepted(h.t, {}, {})
            for name, rec in h.recs.items():
                h.measured[name] = rec.z is not None and rec.confirmed
                acc.points[name] = rec.z if h.measured[name] else None
                acc.covs[name] = rec.R if h.measured[name] else None
            t = h.t
            if self.lift_frame is None:
                est = self._estimator
                est.add(self.measurer.floor, acc.points["bar"], h.plate_normal, acc.points["hip"], t, h.body_fit)
                if self.calibration is not None:
                    if est.calibration_ready(t):
                        self.lift_frame = self._from_calibration()
                elif est.ready(t):
                    self.lift_frame = est.estimate()
            self._pending.append(acc)
            while t - self._pending[0].t > PENDING_MAX_S:
                self._pending.popleft()
            if self.lift_frame is not None:
                for a in self._pending:
                    self._feed(a)
                self._pending.clear()

    def _from_calibration(self) -> LiftFrame | None:
        est = self._estimator
        axis = np.median(est.normals, axis=0) if self.calibration.bar_axis is None and est.normals else None
        if axis is None and self.calibration.bar_axis is None:
            return None  # an empty platform's calibration, and no plate seen yet: no bar axis
        return lift_frame_from(self.calibration, hint_forward_sign_vector=est.sign_hint(), bar_axis=axis)

    def _feed(self, acc: _Accepted) -> None:
        if self.current is None:
            if not self._should_start(acc):
                return
            self._start_set(acc.t)
            backlog, self._preroll = self._preroll, []
            for a in backlog:
                self._feed_current(a)
        self._feed_current(acc)

    def _should_start(self, acc: _Accepted) -> bool:
        """The first set starts at once; later ones when the bar leaves where it rested at the last set's end."""
        if not self.sets:
            return True
        self._preroll.append(acc)
        while self._preroll and acc.t - self._preroll[0].t > self.config.preroll_s:
            self._preroll.pop(0)
        bar = acc.points["bar"]
        if bar is None:
            return False
        if self._rest_bar is None:
            self._rest_bar = bar
            return False
        if np.linalg.norm(bar - self._rest_bar) > self.config.restart_move_m:
            self._preroll.pop()  # this sample is fed by _feed itself
            return True
        return False

    def _feed_current(self, acc: _Accepted) -> None:
        s, t, bar = self.current, acc.t, acc.points["bar"]
        nan = np.full(3, np.nan)
        pts = {k: (v if v is not None else nan) for k, v in acc.points.items()}
        if bar is not None:
            self._last_bar = bar
            # idle = the bar has stayed within 2 cm of where it last moved to
            if s.motion_anchor is None or np.linalg.norm(bar - s.motion_anchor) > 0.02:
                s.motion_anchor, s.last_motion_t = bar, t
        s.detector.set_resting_height(self.measurer.plate.learnt_diameter / 2.0)  # (the plate's size is learnt)
        if self.measurer.body is not None:
            s.detector.set_leg_girth(self.measurer.body.outline.girth())  # (the lifter's legs, as measured)
        reps = s.detector.feed(t, pts["bar"], None, pts["hip"], pts["knee"], pts["ankle"], pts["shoulder"],
                               covs={k: acc.covs[k] for k in JOINTS})
        self.lift = s.detector.lift or self.lift
        for rep in reps:
            s.reps.append(rep)
            s.last_motion_t = t
            self.emit(RepFinished(s.index, rep, s.detector.summary()))
        idle = self.config.idle_end_s
        if idle is not None and s.reps and t - s.last_motion_t > idle:
            self.end_set("idle")

    def _track_point(self, frame: int, t: float, causal: dict, bar_velocity: np.ndarray | None) -> None:
        lf = self.lift_frame

        def sag(p):
            if p is None or lf is None:
                return None
            q = lf.to_lift(p)
            return (float(q[0]), float(q[1]))

        vy = None
        if lf is not None and bar_velocity is not None:
            vy = float(lf.vectors_to_lift(bar_velocity)[1])
        self._batch.append(TrackPoint(t, frame, sag(causal["bar"]), sag(causal["hip"]), sag(causal["knee"]), vy))
        if self._batch_t0 is None:
            self._batch_t0 = t
        if t - self._batch_t0 >= self.config.batch_s:
            self._flush_batch()

    def _flush_batch(self) -> None:
        if self._batch:
            self.emit(TrackBatch(self.current.index if self.current else 0, tuple(self._batch)))
        self._batch = []
        self._batch_t0 = None

    # ------------------------------------------------------------------ sets
    def _start_set(self, t: float) -> None:
        self.current = SetState(len(self.sets) + 1, RepDetector(self.lift_frame), t, last_motion_t=t)
        self.sets.append(self.current)
        self.emit(SetStarted(self.current.index, t))

    def end_set(self, reason: str = "key") -> SetState | None:
        """Close the current set (emitting its last reps); the next frames start a new one."""
        if reason == "key":
            self._release(None)  # the frames held for their tracks' confirmation are this set's
        s = self.current
        if s is None:
            return None
        for rep in s.detector.finish():
            s.reps.append(rep)
            self.emit(RepFinished(s.index, rep, s.detector.summary()))
        self.current = None
        self._rest_bar = self._last_bar
        self._preroll = []
        self._flush_batch()
        self.emit(SetFinished(s.index, tuple(s.reps), s.detector.summary(), None, reason))
        return s

    # ------------------------------------------------------------------ end
    def finish(self) -> None:
        self._release(None)
        if self._pending and self.lift_frame is None and self._estimator is not None:
            self.lift_frame = self._from_calibration() if self.calibration is not None else self._estimator.estimate()
            if self.lift_frame is not None:
                for a in self._pending:
                    self._feed(a)
                self._pending.clear()
        self._flush_batch()
        self.end_set("end_of_recording")

    def all_reps(self) -> list[dict]:
        return [r for s in self.sets for r in s.reps]

    def set_summary(self) -> dict:
        """The contract's `set` for the whole recording (one set for `analyze`)."""
        if len(self.sets) == 1:
            return self.sets[0].detector.summary()
        return summarize_set(self.all_reps(), self.lift, {i for s in self.sets for i in s.detector.dropped})

    def smoothed(self, names: tuple[str, ...] = POINTS) -> dict[str, tuple[np.ndarray, np.ndarray]]:
        """RTS-smoothed (positions, velocities) of these points over the whole recording, aligned with records."""
        out = {}
        for name in names:
            sm = self.trackers[name].smooth()
            out[name] = (sm.position, sm.velocity)
        return out
