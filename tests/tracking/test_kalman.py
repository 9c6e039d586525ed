"""Golden numbers for the CA Kalman filter and the RTS smoother, against plain-numpy equations written here."""

from __future__ import annotations

import numpy as np
import pytest

from barpath.tracking import PointTracker, ca_process_noise, ca_transition, chi2_3dof_ppf, measurement_cov, smooth

# A fixed small sequence: variable dt (30/60/90 fps mix), one missed frame, a dropped frame (no call at all).
TIMES = [0.0, 1 / 30, 1 / 30 + 1 / 60, 0.06, 0.07, 0.0811, 0.1, 0.1333, 0.15, 0.1611]
MEAS = [(0.10, 0.50, 1.50), (0.101, 0.497, 1.503), (0.1025, 0.4941, 1.498), None, (0.1049, 0.4862, 1.507),
        (0.1061, 0.4818, 1.4995), (0.1077, 0.4747, 1.502), (0.1102, 0.4601, 1.498), (0.1118, 0.4519, 1.5012),
        (0.1131, 0.4463, 1.4997)]
R0 = np.diag([2e-6, 3e-6, 5e-5])
Q_JERK = 120.0


def numpy_kf(times, meas, R, q, v0=2.0, a0=10.0):
    """Textbook KF, written independently of the package (scalar-axis blocks assembled by hand)."""
    x = np.zeros(9)
    P = np.zeros((9, 9))
    H = np.zeros((3, 9))
    for i in range(3):
        H[i, 3 * i] = 1.0
    xs, Ps, Fs, Qs = [], [], [], []
    for k, (t, z) in enumerate(zip(times, meas)):
        if k == 0:
            x[[0, 3, 6]] = z
            P[np.ix_([0, 3, 6], [0, 3, 6])] = R
            for i in range(3):
                P[3 * i + 1, 3 * i + 1] = v0 ** 2
                P[3 * i + 2, 3 * i + 2] = a0 ** 2
            F, Q = np.eye(9), np.zeros((9, 9))
        else:
            dt = t - times[k - 1]
            F = np.zeros((9, 9))
            Q = np.zeros((9, 9))
            for i in range(3):
                s = 3 * i
                F[s, s], F[s, s + 1], F[s, s + 2] = 1.0, dt, dt * dt / 2
                F[s + 1, s + 1], F[s + 1, s + 2] = 1.0, dt
                F[s + 2, s + 2] = 1.0
                g = [dt ** 5 / 20, dt ** 4 / 8, dt ** 3 / 6, dt ** 3 / 3, dt ** 2 / 2, dt]
                Q[s, s], Q[s, s + 1], Q[s, s + 2] = q * g[0], q * g[1], q * g[2]
                Q[s + 1, s], Q[s + 1, s + 1], Q[s + 1, s + 2] = q * g[1], q * g[3], q * g[4]
                Q[s + 2, s], Q[s + 2, s + 1], Q[s + 2, s + 2] = q * g[2], q * g[4], q * g[5]
            x = F @ x
            P = F @ P @ F.T + Q
            if z is not None:
                S = H @ P @ H.T + R
                K = P @ H.T @ np.linalg.inv(S)
                x = x + K @ (np.asarray(z) - H @ x)
                P = (np.eye(9) - K @ H) @ P
        xs.append(x.copy())
        Ps.append(P.copy())
        Fs.append(F)
        Qs.append(Q)
    return np.array(xs), np.array(Ps), Fs, Qs


def numpy_rts(xs, Ps, Fs, Qs):
    xs, Ps = xs.copy(), Ps.copy()
    for k in range(len(xs) - 2, -1, -1):
        Pp = Fs[k + 1] @ Ps[k] @ Fs[k + 1].T + Qs[k + 1]
        C = Ps[k] @ Fs[k + 1].T @ np.linalg.inv(Pp)
        xs[k] = xs[k] + C @ (xs[k + 1] - Fs[k + 1] @ xs[k])
        Ps[k] = Ps[k] + C @ (Ps[k + 1] - Pp) @ C.T
    return xs, Ps


def run_tracker():
    tr = PointTracker("golden", process_noise=Q_JERK, gate=0.999999, smoother_process_noise=None)
    for t, z in zip(TIMES, MEAS):
        tr.step(t, None if z is None else np.array(z), R0)
    return tr


def test_filter_matches_plain_numpy_kf():
    tr = run_tracker()
    xs_ref, Ps_ref, _, _ = numpy_kf(TIMES, MEAS, R0, Q_JERK)
    xs = np.array([r.x for r in tr.history])
    Ps = np.array([r.P for r in tr.history])
    np.testing.assert_allclose(xs, xs_ref, rtol=1e-9, atol=1e-9)
    np.testing.assert_allclose(Ps, Ps_ref, rtol=1e-7, atol=1e-12)
    assert [s.sample.measured for s in tr.history] == [z is not None for z in MEAS]
    assert not any(s.sample.rejected for s in tr.history)
    # Frozen golden numbers (final filtered state), so a change in either implementation shows up.
    np.testing.assert_allclose(xs[-1], GOLDEN_X_LAST, atol=1e-9)


GOLDEN_X_LAST = np.array([0.112936325294295, 0.086867187857205, -0.068326645124275,
                          0.446026789025953, -0.533874625829941, -1.810957482229126,
                          1.499392839527984, -0.049813821787725, -0.500005848768207])
GOLDEN_XS_FIRST = np.array([0.099681306168959, 0.040628725223832, 0.941681353288045,
                            0.500702269158996, -0.057538286104499, -4.175629651362042,
                            1.500388434054518, 0.040696246126269, -0.580309625654345])


def test_smoother_matches_plain_numpy_rts():
    tr = run_tracker()
    xs_ref, Ps_ref, Fs, Qs = numpy_kf(TIMES, MEAS, R0, Q_JERK)
    xsm_ref, Psm_ref = numpy_rts(xs_ref, Ps_ref, Fs, Qs)
    sm = smooth(tr.history)
    assert sm.valid.all()
    np.testing.assert_allclose(sm.velocity[0], GOLDEN_XS_FIRST[[1, 4, 7]], atol=1e-9)
    np.testing.assert_allclose(sm.position[0], GOLDEN_XS_FIRST[[0, 3, 6]], atol=1e-9)
    np.testing.assert_allclose(sm.position, xsm_ref[:, [0, 3, 6]], atol=1e-9)
    np.testing.assert_allclose(sm.velocity, xsm_ref[:, [1, 4, 7]], atol=1e-9)
    np.testing.assert_allclose(sm.acceleration, xsm_ref[:, [2, 5, 8]], atol=1e-7)
    np.testing.assert_allclose(sm.cov_diag, np.diagonal(Psm_ref, axis1=1, axis2=2), rtol=1e-6, atol=1e-14)
    # Re-filtering with the same q must reproduce the online states exactly.
    sm2 = smooth(tr.history, Q_JERK)
    np.testing.assert_allclose(sm2.velocity, sm.velocity, atol=1e-12)


def test_transition_and_noise_compose_exactly():
    """F(a+b) = F(b)F(a) and Q(a+b) = F(b)Q(a)F(b)ᵀ + Q(b): splitting a step (or dropping a frame) changes nothing."""
    a, b, q = 0.011, 0.023, np.array([5.0, 40.0, 300.0])
    np.testing.assert_allclose(ca_transition(a + b), ca_transition(b) @ ca_transition(a), atol=1e-15)
    lhs = ca_process_noise(a + b, q)
    rhs = ca_transition(b) @ ca_process_noise(a, q) @ ca_transition(b).T + ca_process_noise(b, q)
    np.testing.assert_allclose(lhs, rhs, rtol=1e-12, atol=1e-18)


def test_process_noise_equals_numerical_integral():
    dt, q = 1 / 30, 7.0
    s = np.linspace(0.0, dt, 20001)
    g = np.array([0.0, 0.0, 1.0])
    # ∫ F(s) G q Gᵀ F(s)ᵀ ds, one axis; F(s) G = (s²/2, s, 1)
    fg = np.stack([s ** 2 / 2, s, np.ones_like(s)], axis=1)
    integrand = q * fg[:, :, None] * fg[:, None, :]
    Q_num = np.trapezoid(integrand, s, axis=0)
    np.testing.assert_allclose(ca_process_noise(dt, q)[:3, :3], Q_num, rtol=1e-6)
    assert g @ Q_num @ g == pytest.approx(q * dt)


def test_chi2_gate_values():
    assert chi2_3dof_ppf(0.999) == pytest.approx(16.2662, abs=1e-3)
    assert chi2_3dof_ppf(0.99) == pytest.approx(11.3449, abs=1e-3)
    assert chi2_3dof_ppf(0.95) == pytest.approx(7.8147, abs=1e-3)


def test_measurement_cov_depth_noise():
    z, fx = 2.0, 425.0
    C = measurement_cov(z, fx)
    assert np.sqrt(C[2, 2]) == pytest.approx(z * z * 0.08 / (fx * 0.050))  # ≈ 15 mm at 2 m (domain notes)
    assert np.sqrt(C[2, 2]) == pytest.approx(0.01506, abs=1e-4)
    assert np.sqrt(C[0, 0]) == pytest.approx(z * 0.5 / fx)
    # Off-axis point: the depth error lies along the pixel's ray.
    p = np.array([0.8, -0.4, 2.0])
    Cr = measurement_cov(2.0, fx, point=p, pixel_sigma=0.0)
    ray = p / p[2]
    w, V = np.linalg.eigh(Cr)
    np.testing.assert_allclose(abs(V[:, -1] @ ray / np.linalg.norm(ray)), 1.0, atol=1e-12)
    np.testing.assert_allclose(measurement_cov(2.0, fx, scale=0.01), 0.01 * C)
    with pytest.raises(ValueError):
        measurement_cov(0.0, fx)
