"""Track one 3D point (plate centre, hip, knee) frame by frame: gating, coasting, re-acquisition, smoothing.

Online (`PointTracker.step`) gives the causal Kalman FILTER estimate — what a live display can show.
Offline (`smooth` / `PointTracker.smooth`) runs the RTS SMOOTHER over the recorded filter history — what
per-rep numbers (MCV, PV, MPV) should be computed from: no lag, about half the velocity noise.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import Enum
from typing import Iterable

import numpy as np

from barpath.tracking.kalman import DIM_X, ConstantAccelerationKF, chi2_3dof_ppf, measurement_cov

POS, VEL, ACC = [0, 3, 6], [1, 4, 7], [2, 5, 8]

# Jerk spectral densities q (m²/s⁵), chosen on simulated deadlifts with 3 mm position noise (table and numbers
# in tests/tracking/test_point_tracker.py, `deadlift_rmse`; run that file as a script to print them):
# - online filter: a causal CA filter must track a light pull (±8 m/s², jerk ~90 m/s³) without lag pushing
#   the innovation outside the gate; q=300 gives no false rejections there. The price is velocity noise
#   (~0.1 m/s RMSE at 3 mm / 30 fps): a causal estimate at the newest frame is inherently noisy — fine for
#   a live display, not for per-rep numbers.
# - smoother: it sees both sides of each instant, so a much smaller q neither lags nor rejects; q=30 gives
#   ≈0.015 m/s (30 fps) / ≈0.011 m/s (90 fps) vertical RMSE in the concentric phase of a 0.5 m/s pull.
DEFAULT_PROCESS_NOISE = 300.0
DEFAULT_SMOOTHER_PROCESS_NOISE = 30.0
# A measurement whose largest σ exceeds this × the median of its segment's is weak: it does not bound the span
# the smoother reports (see smooth()).
WEAK_MEASUREMENT_RATIO = 5.0


class TrackStatus(str, Enum):
    LOST = "lost"  # no track (never acquired, or coasted past max_coast_s)
    TENTATIVE = "tentative"  # (re)acquiring: waiting for `confirm` mutually consistent measurements
    TRACKING = "tracking"  # a measurement was accepted this step
    COASTING = "coasting"  # track alive, prediction only (no measurement, or it was gated out)


@dataclass(frozen=True)
class TrackSample:
    """Causal filter output for one frame. position/velocity/acceleration are None unless the track is
    confirmed and alive (status TRACKING or COASTING)."""

    t: float
    position: np.ndarray | None  # (3,) m, camera coords
    velocity: np.ndarray | None  # (3,) m/s
    acceleration: np.ndarray | None  # (3,) m/s²
    measured: bool  # a measurement was accepted into the filter this step
    rejected: bool  # a measurement was given but gated out as an outlier (counts as a miss)
    cov_diag: np.ndarray | None  # (9,) diagonal of the state covariance, order [x vx ax y vy ay z vz az]
    status: TrackStatus
    mahalanobis2: float | None = None  # d² of the measurement against the prediction, if one was gated
    frame_number: int | None = None
    segment: int = -1  # id of the continuous filter run (new id at each (re)initialisation); -1: none


@dataclass
class FilterRecord:
    """What the smoother needs per step: posterior (x, P) and the (F, Q) that predicted INTO this step."""

    sample: TrackSample
    x: np.ndarray | None
    P: np.ndarray | None
    F: np.ndarray | None
    Q: np.ndarray | None
    segment: int
    confirmed: bool = False  # set retroactively when the segment's track is confirmed
    z: np.ndarray | None = None  # the measurement accepted at this step (None: missed or rejected)
    R: np.ndarray | None = None


@dataclass(frozen=True)
class SmoothedTrack:
    """RTS-smoothed estimates aligned with the history (one row per step() call); NaN where not valid."""

    t: np.ndarray  # (N,)
    position: np.ndarray  # (N, 3)
    velocity: np.ndarray  # (N, 3)
    acceleration: np.ndarray  # (N, 3)
    cov_diag: np.ndarray  # (N, 9)
    valid: np.ndarray  # (N,) bool: inside a confirmed segment
    measured: np.ndarray  # (N,) bool: a measurement was accepted at this step
    segment: np.ndarray  # (N,) int, -1 outside segments


@dataclass(eq=False)
class PointTracker:
    """One Kalman-filtered 3D point. Call step() once per frame, in device-time order.

    process_noise: jerk spectral density q (m²/s⁵), scalar or per camera axis.
    gate: probability of the chi-square(3) gate on the squared Mahalanobis distance of the innovation.
    max_coast_s: longest prediction-only stretch; past it the track is lost (None) and the next measurement
        starts a new one.
    reject_q_inflation: after a rejection the next prediction uses this × q (default 1: a rejection is
        exactly a miss). >1 lets a manoeuvre the model lagged behind back in sooner, at the price of a
        velocity wobble after a lone outlier; not needed with the default q (no rejections on fast pulls).
    max_rejects: this many consecutive gated-out measurements mean the track is on the wrong thing (the
        point jumped); the filter restarts from the latest measurement.
    confirm: measurements that must agree (each inside the gate of the filter started by the first) before
        a (re)started track reports anything — a lone spurious detection never becomes a track.
    fx: focal length (px) for the default R (measurement_cov at the measured depth) when step() gets no R.
    r_scale: scale applied to that default R (e.g. ~1/N for a centre averaged from N pixels).
    smoother_process_noise: q for smooth() (None: smooth the online filter's own states).
    max_history: keep at most this many FilterRecords (None = all; ~2 KB each).
    """

    name: str
    process_noise: float | np.ndarray = DEFAULT_PROCESS_NOISE
    gate: float = 0.999
    max_coast_s: float = 0.5
    max_rejects: int = 4
    confirm: int = 3
    reject_q_inflation: float = 1.0
    fx: float = 425.0
    r_scale: float = 1.0
    init_vel_sigma: float = 2.0
    init_acc_sigma: float = 10.0
    max_history: int | None = None
    smoother_process_noise: float | np.ndarray | None = DEFAULT_SMOOTHER_PROCESS_NOISE
    history: deque[FilterRecord] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        if self.confirm < 1 or self.max_rejects < 1:
            raise ValueError("confirm and max_rejects must be >= 1")
        self.gate_d2 = chi2_3dof_ppf(self.gate)
        self._kf = ConstantAccelerationKF(self.process_noise, self.init_vel_sigma, self.init_acc_sigma)
        self.history = deque(maxlen=self.max_history)
        self.reset()

    def reset(self) -> None:
        """Forget the track (keeps history; clear it with history.clear())."""
        self._alive = False  # a filter is running (tentative or confirmed)
        self._confirmed = False
        self._t_prev: float | None = None
        self._t_last_meas = -np.inf
        self._n_accepted = 0
        self._n_rejects = 0
        self._segment = max((r.segment for r in self.history), default=-1)

    # ------------------------------------------------------------------ online
    def step(self, t_s: float, measurement: np.ndarray | None, R: np.ndarray | None = None,
             frame_number: int | None = None) -> TrackSample:
        """Advance to device time t_s (s) and fuse `measurement` ((3,) camera coords, m) if it passes the gate.

        A dropped frame needs no call: the next step's larger dt is exactly equivalent (see kalman.py).
        """
        if self._t_prev is not None and t_s < self._t_prev:
            raise ValueError(f"{self.name}: time went backwards ({t_s} < {self._t_prev})")
        z = None if measurement is None else np.asarray(measurement, float).reshape(3)
        if z is not None and not np.all(np.isfinite(z)):
            z = None
        if z is not None and R is None:
            R = measurement_cov(max(z[2], 1e-3), self.fx, point=z if z[2] > 0 else None, scale=self.r_scale)
        dt = 0.0 if self._t_prev is None else t_s - self._t_prev
        self._t_prev = t_s

        if not self._alive:
            if z is None:
                return self._record(t_s, TrackStatus.LOST, frame_number)
            return self._start(t_s, z, R, frame_number)

        F, Q = self._kf.predict(dt, q_scale=self.reject_q_inflation if self._n_rejects else 1.0)
        coast = t_s - self._t_last_meas
        if z is None:
            if coast > self.max_coast_s:
                return self._lose(t_s, frame_number)
            return self._record(t_s, self._coast_status(), frame_number, F=F, Q=Q)
        if coast > self.max_coast_s:  # coasted too long: the prediction means nothing, start afresh
            return self._start(t_s, z, R, frame_number)

        d2 = self._kf.mahalanobis2(z, R)
        if d2 <= self.gate_d2:
            self._kf.update(z, R)
            self._t_last_meas = t_s
            self._n_accepted += 1
            self._n_rejects = 0
            if not self._confirmed and self._n_accepted >= self.confirm:
                self._confirm()
            status = TrackStatus.TRACKING if self._confirmed else TrackStatus.TENTATIVE
            return self._record(t_s, status, frame_number, F=F, Q=Q, measured=True, d2=d2, z=z, R=R)

        self._n_rejects += 1
        if not self._confirmed or self._n_rejects >= self.max_rejects:
            # Tentative: the latest measurement wins (the first may have been the outlier).
            # Confirmed: consistent rejections mean the point moved; don't coast on toward nothing.
            return self._start(t_s, z, R, frame_number, d2=d2)
        return self._record(t_s, self._coast_status(), frame_number, F=F, Q=Q, rejected=True, d2=d2)

    def run(self, times: Iterable[float], measurements: Iterable[np.ndarray | None],
            Rs: Iterable[np.ndarray | None] | None = None) -> list[TrackSample]:
        """step() over whole sequences; convenience for offline use and tests."""
        times, measurements = list(times), list(measurements)
        Rs = [None] * len(times) if Rs is None else list(Rs)
        return [self.step(t, m, r) for t, m, r in zip(times, measurements, Rs, strict=True)]

    # ------------------------------------------------------------------ offline
    def smooth(self, process_noise: float | np.ndarray | None | str = "default") -> SmoothedTrack:
        """RTS-smoothed estimates over the recorded history (see module-level smooth()); by default with
        `smoother_process_noise`."""
        q = self.smoother_process_noise if isinstance(process_noise, str) else process_noise
        return smooth(self.history, q)

    # ------------------------------------------------------------------ internals
    def _coast_status(self) -> TrackStatus:
        return TrackStatus.COASTING if self._confirmed else TrackStatus.TENTATIVE

    def _start(self, t_s: float, z: np.ndarray, R: np.ndarray, frame_number: int | None,
               d2: float | None = None) -> TrackSample:
        self._segment += 1
        self._alive, self._confirmed = True, False
        self._kf.initialise(z, R)
        self._t_last_meas = t_s
        self._n_accepted, self._n_rejects = 1, 0
        if self._n_accepted >= self.confirm:
            self._confirm()
        status = TrackStatus.TRACKING if self._confirmed else TrackStatus.TENTATIVE
        return self._record(t_s, status, frame_number, measured=True, d2=d2, start=True, z=z, R=R)

    def _lose(self, t_s: float, frame_number: int | None) -> TrackSample:
        self._alive = self._confirmed = False
        return self._record(t_s, TrackStatus.LOST, frame_number)

    def _confirm(self) -> None:
        self._confirmed = True
        for rec in reversed(self.history):  # mark the segment's tentative steps for the smoother
            if rec.segment != self._segment:
                break
            rec.confirmed = True

    def _record(self, t_s: float, status: TrackStatus, frame_number: int | None, *,
                F: np.ndarray | None = None, Q: np.ndarray | None = None, measured: bool = False,
                rejected: bool = False, d2: float | None = None, start: bool = False,
                z: np.ndarray | None = None, R: np.ndarray | None = None) -> TrackSample:
        alive = status is not TrackStatus.LOST
        x = self._kf.x.copy() if alive else None
        P = self._kf.P.copy() if alive else None
        show = alive and self._confirmed
        sample = TrackSample(
            t=t_s,
            position=x[POS] if show else None,  # (index lists: copies already)
            velocity=x[VEL] if show else None,
            acceleration=x[ACC] if show else None,
            measured=measured, rejected=rejected,
            cov_diag=np.diag(P).copy() if show else None,
            status=status, mahalanobis2=d2, frame_number=frame_number,
            segment=self._segment if alive else -1)
        if start:  # segment start: nothing predicts into it
            F, Q = np.eye(DIM_X), np.zeros((DIM_X, DIM_X))
        self.history.append(FilterRecord(sample, x, P, F, Q, sample.segment, confirmed=show, z=z,
                                         R=None if R is None else np.array(R, float)))
        return sample


def smooth(history: Iterable[FilterRecord], process_noise: float | np.ndarray | None = None) -> SmoothedTrack:
    """Rauch–Tung–Striebel smoothing of each confirmed continuous segment separately.

    Uses filterpy's KalmanFilter.rts_smoother with the per-step F and Q (Fs[k] predicts step k-1 -> k).
    Missed and rejected steps are prediction-only in the filter history, which is exactly what the RTS
    recursion expects; a re-initialisation starts a new segment, so nothing is smoothed across it. Steps after a
    segment's last accepted measurement (coasting until the track was lost, or to the end) are not valid:
    they would be pure extrapolation.

    process_noise: None smooths the online filter's own states. A value re-runs the forward filter with
    that q over the measurements the online filter ACCEPTED (its gating and segmentation decisions are
    kept, no new gating) and smooths that. The smoother sees the future, so it can afford a much smaller q
    than a causal filter without lagging (see DEFAULT_SMOOTHER_PROCESS_NOISE).
    """
    recs = list(history)
    n = len(recs)
    t = np.array([r.sample.t for r in recs], float)
    seg = np.array([r.segment if r.confirmed else -1 for r in recs], int)
    xs = np.full((n, DIM_X), np.nan)
    pdiag = np.full((n, DIM_X), np.nan)
    rts = ConstantAccelerationKF(0.0).kf.rts_smoother  # filterpy's; needs no filter state
    measured = np.array([r.sample.measured for r in recs], bool)
    for s in np.unique(seg[seg >= 0]):
        idx = np.flatnonzero(seg == s)
        # A segment that ends in coasting (the point left view, the track was lost) has no measurement after
        # its last one: the smoother could only extrapolate the constant-acceleration prediction (half a metre
        # in 0.5 s at a lift's speeds). Only the span up to the last measurement is smoothed and reported;
        # coasting between measurements (occlusion, dropped frames) is interpolated as before.
        meas = idx[measured[idx]]
        last = meas.max()
        # Likewise before its first / after its last INFORMATIVE measurement: a measurement whose stated
        # uncertainty is far larger than the segment's typical one (a plate partly out of view, fitted with the
        # stack's silhouette) hardly constrains the state, so those steps too would be extrapolation.
        sd = np.array([np.sqrt(np.linalg.eigvalsh(recs[i].R).max()) if recs[i].R is not None else 0.0 for i in meas])
        inf = meas[sd <= WEAK_MEASUREMENT_RATIO * np.median(sd)] if np.all(sd > 0) else meas
        idx_all = idx
        idx = idx[idx <= last]
        if process_noise is None:
            Xs = np.stack([recs[i].x for i in idx])
            Ps = np.stack([recs[i].P for i in idx])
            Fs = [recs[i].F for i in idx]
            Qs = [recs[i].Q for i in idx]
        else:
            Xs, Ps, Fs, Qs = _refilter([recs[i] for i in idx], process_noise)
        # Backward pass: C_k = P_k F_{k+1}ᵀ (F_{k+1} P_k F_{k+1}ᵀ + Q_{k+1})⁻¹ ;
        # x_k^s = x_k + C_k (x_{k+1}^s − F_{k+1} x_k) ; P_k^s = P_k + C_k (P_{k+1}^s − P⁻_{k+1}) C_kᵀ
        xsm, psm, _, _ = rts(Xs, Ps, Fs, Qs)
        xs[idx] = xsm
        pdiag[idx] = np.diagonal(psm, axis1=1, axis2=2)
        out = idx_all[(idx_all < inf.min()) | (idx_all > inf.max())]
        seg[out] = -1
        xs[out] = np.nan
        pdiag[out] = np.nan
    return SmoothedTrack(
        t=t, position=xs[:, POS], velocity=xs[:, VEL], acceleration=xs[:, ACC], cov_diag=pdiag,
        valid=seg >= 0, measured=measured, segment=seg)


def _refilter(recs: list[FilterRecord], q: float | np.ndarray
              ) -> tuple[np.ndarray, np.ndarray, list[np.ndarray], list[np.ndarray]]:
    """Forward CA filter with jerk density q over one segment's accepted measurements (no gating)."""
    kf = ConstantAccelerationKF(q)
    first = recs[0]
    if first.z is None:  # history truncated by max_history mid-segment: start from the stored state
        kf.kf.x, kf.kf.P = first.x.copy(), first.P.copy()
    else:
        kf.initialise(first.z, first.R)
    Xs, Ps = [kf.x.copy()], [kf.P.copy()]
    Fs, Qs = [np.eye(DIM_X)], [np.zeros((DIM_X, DIM_X))]
    for prev, rec in zip(recs[:-1], recs[1:]):
        F, Q = kf.predict(rec.sample.t - prev.sample.t)
        if rec.z is not None:
            kf.update(rec.z, rec.R)
        Xs.append(kf.x.copy())
        Ps.append(kf.P.copy())
        Fs.append(F)
        Qs.append(Q)
    return np.stack(Xs), np.stack(Ps), Fs, Qs
