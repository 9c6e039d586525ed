"""PointTracker behaviour: noise, frame rate, outliers, gaps, re-acquisition, smoothing, deadlift accuracy.

Run as a script to print the deadlift velocity-accuracy table:
    .venv/bin/python -m tests.tracking.test_point_tracker
"""

from __future__ import annotations

import numpy as np
import pytest

from barpath.tracking import PointTracker, TrackStatus

SIGMA = 0.003  # plate-centre position noise per axis (m)
R3 = SIGMA ** 2 * np.eye(3)


def cv_track(fps: float, duration: float, v=(0.3, -0.5, 0.1), p0=(0.1, 0.5, 1.5)):
    t = np.arange(0.0, duration, 1.0 / fps)
    pos = np.asarray(p0) + t[:, None] * np.asarray(v)
    return t, pos, np.broadcast_to(np.asarray(v, float), pos.shape)


def velocities(samples) -> np.ndarray:
    return np.array([s.velocity if s.velocity is not None else [np.nan] * 3 for s in samples])


def steady_state_velocity_sd(q: float, sigma: float, fps: float) -> float:
    """Derived bound: iterate the discrete Riccati recursion of the per-axis CA model to its fixed point.
    (The continuous-time Kalman–Bucy limit, sd² = 3 r_c ω³ with r_c = σ²/fps and ω = (q/r_c)^(1/6), is only
    valid for ω·dt ≪ 1 and overestimates here.)"""
    dt = 1.0 / fps
    F = np.array([[1, dt, dt * dt / 2], [0, 1, dt], [0, 0, 1]])
    Q = q * np.array([[dt ** 5 / 20, dt ** 4 / 8, dt ** 3 / 6], [dt ** 4 / 8, dt ** 3 / 3, dt ** 2 / 2],
                      [dt ** 3 / 6, dt ** 2 / 2, dt]])
    H = np.array([[1.0, 0.0, 0.0]])
    P = np.eye(3)
    for _ in range(2000):
        Pp = F @ P @ F.T + Q
        K = Pp @ H.T / (H @ Pp @ H.T + sigma ** 2)
        P = (np.eye(3) - K @ H) @ Pp
    return float(np.sqrt(P[1, 1]))


def test_constant_velocity_noise_within_derived_bound():
    """Velocity RMSE matches the steady-state covariance derived independently (the filter is consistent,
    neither over- nor under-confident) and is far below naive frame differencing, σ·√2·fps."""
    fps, q = 60.0, 300.0
    t, pos, vel = cv_track(fps, 4.0)
    rng = np.random.default_rng(1)
    tr = PointTracker("bar", process_noise=q)
    S = tr.run(t, pos + rng.normal(0, SIGMA, pos.shape), [R3] * len(t))
    err = velocities(S)[int(fps):] - vel[int(fps):]  # after 1 s: steady state
    rmse = np.sqrt(np.mean(err ** 2, axis=0))
    sd = steady_state_velocity_sd(q, SIGMA, fps)
    assert np.all(rmse < 1.3 * sd) and np.all(rmse > 0.7 * sd), (rmse, sd)
    assert sd < 0.5 * SIGMA * np.sqrt(2) * fps
    sd_reported = np.sqrt(np.array([s.cov_diag[[1, 4, 7]] for s in S[int(fps):]]))
    np.testing.assert_allclose(sd_reported, sd, rtol=1e-3)
    assert not any(s.rejected for s in S)  # 99.9 % gate: expect ~0.2 false rejects in 240 frames


def test_frame_rate_and_dropped_frames_do_not_matter():
    # Exactness: no call for a dropped frame == an explicit miss at that frame.
    t, pos, _ = cv_track(90.0, 1.0)
    rng = np.random.default_rng(2)
    meas = pos + rng.normal(0, SIGMA, pos.shape)
    drop = {20, 21, 40, 55}
    a = PointTracker("a")
    b = PointTracker("b")
    out_a = {}
    for i, (ti, m) in enumerate(zip(t, meas)):
        b.step(ti, None if i in drop else m, R3)
        if i not in drop:
            out_a[i] = a.step(ti, m, R3)
    for i, sa in out_a.items():
        sb = b.history[i].sample
        assert (sa.velocity is None) == (sb.velocity is None)
        if sa.velocity is not None:
            np.testing.assert_allclose(sa.velocity, sb.velocity, atol=1e-12)
            np.testing.assert_allclose(sa.cov_diag, sb.cov_diag, rtol=1e-9)
    # Same motion (constant acceleration, which the model represents exactly) at 30 fps, 90 fps and with
    # jittered device timestamps: the estimates agree with the truth whatever the frame rate.
    acc = np.array([0.0, -2.0, 0.5])
    for fps, jitter in [(30.0, 0.0), (90.0, 0.0), (60.0, 0.3)]:
        ts = np.arange(0.0, 1.5, 1.0 / fps)
        ts = ts + np.random.default_rng(3).uniform(-jitter, jitter, ts.size) / fps
        ts.sort()
        p = 0.5 * acc * ts[:, None] ** 2 + np.array([0.0, 0.8, 1.4])
        tr = PointTracker("x")
        tr.run(ts, p, [1e-8 * np.eye(3)] * len(ts))
        last = tr.history[-1].x
        np.testing.assert_allclose(last[[1, 4, 7]], acc * ts[-1], atol=2e-3)
        np.testing.assert_allclose(last[[2, 5, 8]], acc, atol=0.05)


def test_time_must_not_go_backwards():
    tr = PointTracker("x")
    tr.step(1.0, np.zeros(3) + [0, 0, 1], R3)
    with pytest.raises(ValueError):
        tr.step(0.9, None)


def test_single_outlier_rejected_without_velocity_spike():
    fps = 60.0
    t, pos, vel = cv_track(fps, 2.0)
    meas = pos + np.random.default_rng(4).normal(0, SIGMA, pos.shape)
    bad = meas.copy()
    k = 70
    bad[k, 1] += 0.30  # a 30 cm wrong detection
    missed = [None if i == k else m for i, m in enumerate(meas)]
    clean = PointTracker("c").run(t, meas, [R3] * len(t))
    miss = PointTracker("m").run(t, missed, [R3] * len(t))
    dirty = PointTracker("d").run(t, bad, [R3] * len(t))
    assert dirty[k].rejected and not dirty[k].measured and dirty[k].status is TrackStatus.COASTING
    assert sum(s.rejected for s in dirty) == 1
    assert len({s.segment for s in dirty[3:]}) == 1
    # A rejected measurement is exactly a miss: the outlier leaves no trace in the velocity at all.
    np.testing.assert_allclose(velocities(dirty)[3:], velocities(miss)[3:], atol=1e-12)
    # ...and around it the error stays inside the filter's ordinary noise envelope (an accepted 30 cm jump
    # would have added several m/s).
    err_clean = np.abs(velocities(clean) - vel)[30:]
    err_dirty = np.abs(velocities(dirty) - vel)[k - 2:k + 10]
    assert err_dirty.max() <= err_clean.max()


def test_gap_coasted_and_reacquired():
    fps = 60.0
    t, pos, vel = cv_track(fps, 2.0, v=(0.0, -0.4, 0.0))
    meas = pos + np.random.default_rng(5).normal(0, SIGMA, pos.shape)
    gap = (t >= 0.8) & (t < 1.1)  # 0.3 s occlusion
    tr = PointTracker("bar", max_coast_s=0.5)
    S = [tr.step(ti, None if g else m, R3) for ti, m, g in zip(t, meas, gap)]
    inside = [s for s, g in zip(S, gap) if g]
    assert all(s.status is TrackStatus.COASTING and not s.measured and s.position is not None for s in inside)
    i_back = int(np.argmax(t >= 1.1))
    assert S[i_back].measured and S[i_back].status is TrackStatus.TRACKING
    assert S[i_back].segment == S[i_back - 20].segment  # same track, not a restart
    assert np.linalg.norm(S[i_back].position - pos[i_back]) < 0.01
    # Smoother bridges the gap with the truth (constant velocity).
    sm = tr.smooth()
    assert np.nanmax(np.abs(sm.velocity[gap, 1] - vel[gap, 1])) < 0.05


def test_long_loss_and_jump_reacquire_at_new_place():
    fps = 30.0
    t = np.arange(0.0, 3.0, 1 / fps)
    where = np.where(t[:, None] < 1.5, [0.0, 0.5, 1.5], [0.6, 0.2, 2.0])
    meas = where + np.random.default_rng(6).normal(0, SIGMA, where.shape)
    missing = (t >= 0.7) & (t < 1.5)  # 0.8 s: longer than max_coast_s
    tr = PointTracker("bar", max_coast_s=0.5, confirm=3)
    S = [tr.step(ti, None if g else m, R3) for ti, m, g in zip(t, meas, missing)]
    lost = [s for s, ti in zip(S, t) if 0.7 + 0.5 + 0.04 < ti < 1.5]
    assert lost and all(s.status is TrackStatus.LOST and s.position is None for s in lost)
    i_new = int(np.argmax(t >= 1.5))
    assert [S[i_new + j].status for j in range(3)] == [TrackStatus.TENTATIVE] * 2 + [TrackStatus.TRACKING]
    assert S[i_new].position is None and S[i_new + 2].position is not None
    assert S[i_new].segment == S[0].segment + 1
    assert np.linalg.norm(S[-1].position - [0.6, 0.2, 2.0]) < 0.01
    assert np.linalg.norm(S[-1].velocity) < 0.3


def test_jump_without_gap_restarts_after_max_rejects():
    fps = 30.0
    t = np.arange(0.0, 2.0, 1 / fps)
    where = np.where(t[:, None] < 1.0, [0.0, 0.5, 1.5], [0.4, 0.5, 1.5])
    meas = where + np.random.default_rng(7).normal(0, SIGMA, where.shape)
    tr = PointTracker("bar", max_rejects=4, confirm=3)
    S = tr.run(t, meas, [R3] * len(t))
    i = int(np.argmax(t >= 1.0))
    assert all(S[i + j].rejected for j in range(3))  # three rejects coast on the old place...
    assert S[i + 3].status is TrackStatus.TENTATIVE  # ...the fourth restarts the filter there
    assert S[i + 5].status is TrackStatus.TRACKING
    assert np.linalg.norm(S[-1].position - [0.4, 0.5, 1.5]) < 0.01
    # No velocity spike is ever reported: the old track coasts, the new one starts from rest.
    v = velocities(S)
    assert np.nanmax(np.abs(v)) < 0.5


def test_lone_spurious_detection_never_becomes_a_track():
    tr = PointTracker("bar", confirm=3)
    out = [tr.step(0.0, np.array([0.0, 0.0, 1.0]), R3)] + [tr.step(k / 30, None) for k in range(1, 40)]
    assert all(s.position is None for s in out)


def test_smoother_beats_filter_on_noisy_data():
    t, pos, vel = cv_track(30.0, 3.0)
    # add a smooth oscillation so the model has something to follow
    pos = pos + 0.05 * np.sin(2 * np.pi * 0.5 * t)[:, None] * [0, 1, 0]
    vel = vel + 0.05 * 2 * np.pi * 0.5 * np.cos(2 * np.pi * 0.5 * t)[:, None] * [0, 1, 0]
    meas = pos + np.random.default_rng(8).normal(0, SIGMA, pos.shape)
    tr = PointTracker("bar")
    S = tr.run(t, meas, [R3] * len(t))
    sl = slice(10, None)
    rmse_f = np.sqrt(np.mean((velocities(S)[sl] - vel[sl]) ** 2))
    rmse_own = np.sqrt(np.mean((tr.smooth(None).velocity[sl] - vel[sl]) ** 2))  # RTS over the filter's states
    rmse_s = np.sqrt(np.mean((tr.smooth().velocity[sl] - vel[sl]) ** 2))  # re-filtered with the smoother q
    assert rmse_own < 0.6 * rmse_f
    assert rmse_s < 0.3 * rmse_f


# --------------------------------------------------------------------------- deadlift accuracy
def deadlift_truth(t: np.ndarray, kind: str = "bell") -> tuple[np.ndarray, np.ndarray]:
    """Height (m) and upward velocity of the bar: 3 reps of pause / pull / pause / lower.

    bell: concentric v = 1.0·sin²(πτ/1 s) — MCV 0.5 m/s over 1 s, |a| ≤ 3.1 m/s².
    fast: light pull, v = 1.6·sin²(πτ/0.6 s) — MCV 0.8 m/s over 0.6 s, |a| ≤ 8.4 m/s², jerk ≤ 88 m/s³.
    Lowering: v = −0.8·sin²(πτ/1.2 s).
    """
    phases = []
    for _ in range(3):
        phases += [(0.5, 0.0), (1.0, 1.0) if kind == "bell" else (0.6, 1.6), (0.4, 0.0), (1.2, -0.8)]
    phases.append((0.5, 0.0))
    h = np.zeros_like(t)
    v = np.zeros_like(t)
    t0 = h0 = 0.0
    for d, vpk in phases:
        m = (t >= t0) & (t < t0 + d)
        tau = t[m] - t0
        v[m] = vpk * np.sin(np.pi * tau / d) ** 2
        h[m] = h0 + vpk * (tau / 2 - d / (4 * np.pi) * np.sin(2 * np.pi * tau / d))  # ∫ sin²
        h0 += vpk * d / 2
        t0 += d
    h[t >= t0] = h0
    return h, v


def deadlift_rmse(fps: float, kind: str = "bell", sigma: float = SIGMA, seed: int = 0) -> tuple[float, float, int]:
    """Vertical velocity RMSE during concentric phases: (filter, smoother, rejected frames)."""
    t = np.arange(0.0, 9.0 if kind == "bell" else 8.2, 1.0 / fps)
    h, v_up = deadlift_truth(t, kind)
    pos = np.stack([0.03 * np.sin(2 * t), 0.6 - h, 1.5 + 0.01 * np.sin(t)], axis=1)  # camera y is down
    meas = pos + np.random.default_rng(seed).normal(0, sigma, pos.shape)
    tr = PointTracker("bar")
    S = tr.run(t, meas, [sigma ** 2 * np.eye(3)] * len(t))
    conc = v_up > 0
    v_f = -velocities(S)[:, 1]
    v_s = -tr.smooth().velocity[:, 1]
    rm = lambda e: float(np.sqrt(np.mean(e ** 2)))  # noqa: E731
    return rm(v_f[conc] - v_up[conc]), rm(v_s[conc] - v_up[conc]), sum(s.rejected for s in S)


@pytest.mark.parametrize("fps", [30.0, 90.0])
@pytest.mark.parametrize("kind", ["bell", "fast"])
def test_deadlift_velocity_accuracy(fps, kind):
    r = np.array([deadlift_rmse(fps, kind, seed=s) for s in range(2)])
    rmse_f, rmse_s = r[:, 0].mean(), r[:, 1].mean()
    print(f"\n{kind} {fps:.0f} fps: filter {rmse_f:.4f} m/s, smoother {rmse_s:.4f} m/s, rejects {r[:, 2].sum():.0f}")
    assert rmse_s < 0.5 * rmse_f
    assert r[:, 2].sum() <= 2  # no systematic rejections of the real bar during hard accelerations
    assert rmse_f < 0.15
    limit = 0.03 if (kind == "fast" and fps == 30.0) else 0.02  # the goal; 30 fps light pulls only ~0.025
    assert rmse_s <= limit


if __name__ == "__main__":
    print("vertical bar velocity RMSE in concentric phases, 3 mm noise, mean of 5 seeds (m/s)")
    for kind in ["bell", "fast"]:
        for fps in [30.0, 60.0, 90.0]:
            r = np.array([deadlift_rmse(fps, kind, seed=s) for s in range(5)])
            print(f"{kind:5s} {fps:3.0f} fps  filter {r[:, 0].mean():.4f}  smoother {r[:, 1].mean():.4f}"
                  f"  rejected frames {r[:, 2].sum():.0f}")


def test_smoother_does_not_extrapolate_a_track_that_left_view():
    """The bar moves down out of view at 0.5 m/s and the track coasts until it is lost: the smoothed output
    ends with the last measurement (it used to extrapolate the constant-acceleration prediction for the whole
    coast, tens of centimetres off); gaps between measurements are still filled."""
    fps = 60.0
    t = np.arange(0.0, 2.0, 1.0 / fps)
    y = np.where(t < 1.0, 0.0, 0.5 * (t - 1.0) ** 2 * 2.0)  # accelerating downward from t = 1 s
    rng = np.random.default_rng(5)
    meas = [np.array([0.1, yi, 2.0]) + rng.normal(0, 0.002, 3) if ti < 1.3 else None for ti, yi in zip(t, y)]
    meas[40] = meas[41] = None  # a short gap inside the track
    tr = PointTracker("bar", fx=600.0)
    tr.run(t, meas)
    sm = tr.smooth()
    last = max(i for i, m in enumerate(meas) if m is not None)
    assert sm.valid[40] and sm.valid[41] and sm.valid[last]
    assert not sm.valid[last + 1:].any()
    err = np.abs(sm.position[sm.valid, 1] - y[sm.valid])
    assert err.max() < 0.01


def test_weak_measurements_at_a_segment_end_do_not_extend_the_smoothed_span():
    """The bar rises into view: its first measurements (plate partly below the image, 7 cm off) come with an
    honest 7.5 cm σ, then good 2 mm ones. The track may start on the weak ones, but the smoothed output begins
    at the first informative measurement: before it, it was a backward extrapolation 2-3 cm off."""
    fps = 60.0
    t = np.arange(0.0, 1.5, 1.0 / fps)
    y = -0.5 * t ** 2  # accelerating upward (camera y down)
    rng = np.random.default_rng(7)
    meas, Rs = [], []
    for i, yi in enumerate(y):
        if i < 6:
            meas.append(np.array([0.1, yi - 0.075, 2.0]))  # biased, weak
            Rs.append(np.eye(3) * 0.075 ** 2)
        elif i < 10:
            meas.append(None)
            Rs.append(None)
        else:
            meas.append(np.array([0.1, yi, 2.0]) + rng.normal(0, 0.002, 3))
            Rs.append(np.eye(3) * 0.002 ** 2)
    tr = PointTracker("bar", fx=600.0)
    tr.run(t, meas, Rs)
    sm = tr.smooth()
    assert not sm.valid[:10].any()
    assert np.all(np.isnan(sm.position[:10]))
    assert sm.valid[10:].all()
    assert np.abs(sm.position[10:, 1] - y[10:]).max() < 0.005
