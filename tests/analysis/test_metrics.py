import numpy as np
import pytest

from barpath.analysis.metrics import G, velocity_loss, velocity_metrics
from tests.analysis.profiles import timeline
from tests.analysis.synth_inputs import TEST_FPS, analysed


def _sin2(A, T, fps=200.0, rest=1.0):
    """rest, concentric with v = A sin^2(pi tau) over T, rest. Returns t, y, v."""
    t = np.arange(0, 2 * rest + T, 1 / fps)
    tau = np.clip((t - rest) / T, 0, 1)
    v = np.where((tau > 0) & (tau < 1), A * np.sin(np.pi * tau) ** 2, 0.0)
    y = 0.2 + A * T * (tau / 2 - np.sin(2 * np.pi * tau) / (4 * np.pi))
    return t, y, v


def test_mcv_pv_mpv_no_braking():
    t, y, v = _sin2(A=1.0, T=1.0)  # peak decel pi m/s^2 < g -> MPV = MCV
    m = velocity_metrics(t, y, v, 1.0, 2.0)
    assert m["range_of_motion"] == pytest.approx(0.5, abs=1e-3)
    assert m["mean_concentric_velocity"] == pytest.approx(0.5, abs=1e-3)
    assert m["peak_concentric_velocity"] == pytest.approx(1.0, abs=5e-3)
    assert m["mean_propulsive_velocity"] == m["mean_concentric_velocity"]
    assert m["concentric_duration"] == pytest.approx(1.0)


def test_mpv_with_braking_phase():
    A, T = 2.0, 0.4  # peak decel A*pi/T = 15.7 m/s^2 > g
    t, y, v = _sin2(A, T, fps=500.0)
    tau = (np.pi + np.arcsin(G * T / (A * np.pi))) / (2 * np.pi)  # first a <= -g after the peak
    mpv = A * (tau / 2 - np.sin(2 * np.pi * tau) / (4 * np.pi)) / tau
    m = velocity_metrics(t, y, v, 1.0, 1.0 + T)
    assert m["mean_propulsive_velocity"] == pytest.approx(mpv, abs=0.01)
    assert m["mean_propulsive_velocity"] > m["mean_concentric_velocity"] + 0.05


def test_unmeasurable_is_none():
    t, y, v = _sin2(1.0, 1.0)
    m = velocity_metrics(t, y, v, None, 2.0)
    assert all(x is None for x in m.values())
    y2 = y.copy()
    y2[(t > 0.7) & (t < 2.3)] = np.nan
    m = velocity_metrics(t, y2, v, 1.0, 2.0)
    assert m["range_of_motion"] is None and m["mean_concentric_velocity"] is None


def test_velocity_loss():
    assert velocity_loss([0.5, 0.55, 0.44, None, 0.5]) == pytest.approx([0.0, 0.0, 20.0, None, 100 * 0.05 / 0.55])


def test_golden_linear_onset_profile():
    # phase times to about one frame (a sample exactly at v = 0 bounds the sub-frame estimate)
    # deadlift-like: floor rest, 0.52 m pull in 1.04 s (MCV 0.5), hold, lower in 1.4 s, rest
    from barpath.analysis import analyze_set

    segs = [(1.5, 0), (1.04, 0.52), (0.5, 0), (1.4, -0.52), (1.0, 0)] * 2
    t, y, v, moves = timeline(segs, fps=60, drop_every=17)
    bar = np.stack([np.zeros_like(y), y, np.zeros_like(y)], axis=1)
    vel = np.stack([np.zeros_like(v), v, np.zeros_like(v)], axis=1)
    res = analyze_set(t, bar, vel)
    assert res["set"]["lift"] == "deadlift" and res["set"]["reps"] == 2
    for i, rep in enumerate(res["reps"]):
        c, e = moves[2 * i], moves[2 * i + 1]
        assert rep["concentric_start"] == pytest.approx(c[0], abs=0.02)
        assert rep["concentric_end"] == pytest.approx(c[1], abs=0.02)
        assert rep["eccentric_start"] == pytest.approx(e[0], abs=0.02)
        assert rep["eccentric_end"] == pytest.approx(e[1], abs=0.02)
        assert rep["mean_concentric_velocity"] == pytest.approx(0.5, abs=0.01)
        assert rep["peak_concentric_velocity"] == pytest.approx(0.75, abs=0.01)
        assert rep["range_of_motion"] == pytest.approx(0.52, abs=0.002)
        assert rep["eccentric_duration"] == pytest.approx(1.4, abs=0.02)
        assert rep["hips_first"] is None and rep["max_bar_to_body"] is None  # no joints given


@pytest.mark.parametrize("name", list(TEST_FPS))
def test_velocity_accuracy_vs_truth(name):
    case, res = analysed(name, 0, TEST_FPS[name])
    reps, truth = res["reps"], case.truth
    assert len(reps) == len(truth)
    err = np.array([a["mean_concentric_velocity"] - b["mean_concentric_velocity"] for a, b in zip(reps, truth)])
    assert np.sqrt(np.mean(err**2)) <= 0.02
    assert np.abs(err).max() <= 0.05
    rom = np.array([a["range_of_motion"] - b["range_of_motion"] for a, b in zip(reps, truth)])
    assert np.abs(rom).max() <= 0.02
    vl = np.array([a["velocity_loss_pct"] - b["velocity_loss_pct"] for a, b in zip(reps, truth)])
    assert np.abs(vl).max() <= 10.0
