"""The synthetic lifter's motion: body integrity, bar/legs clearance, floor, arms, pauses, walk-in, styles."""

import functools
import time

import numpy as np
import pytest

from barpath.synth.lifter import SIDES, leg_capsules_2d
from barpath.synth.motion import (
    PRESETS, RepSpec, SetMotion, SetSpec, preset, profile, velocity_loss_reps,
)
from barpath.synth.primitives import Capsule, Cylinder, Ellipsoid

RATE = 200.0


@functools.lru_cache(maxsize=None)
def motion(name: str, seed: int = 0) -> SetMotion:
    return SetMotion(preset(name), seed=seed)


@functools.lru_cache(maxsize=None)
def sampled(name: str, seed: int = 0):
    m = motion(name, seed)
    t = np.arange(0.0, m.duration_s, 1.0 / RATE)
    return t, m.sample(t)


ALL = sorted(PRESETS)


@pytest.mark.parametrize("name", ALL)
def test_preset_durations(name):
    m = motion(name)
    assert 10.0 <= m.duration_s <= 32.0
    assert len(m.reps) == len(m.spec.reps)


@pytest.mark.parametrize("name", ALL)
def test_segment_lengths_constant(name):
    m = motion(name)
    lf = m.lifter
    _, s = sampled(name)
    for side in SIDES:
        def seg(a, b):
            return np.linalg.norm(s[f"{side}_{a}"] - s[f"{side}_{b}"], axis=1)
        assert np.allclose(seg("ankle", "knee"), lf.shank, atol=1e-6)
        assert np.allclose(seg("knee", "hip"), lf.thigh, atol=1e-6)
        assert np.allclose(seg("shoulder", "elbow"), lf.upper_arm, atol=1e-6)
        # arms are straight and rigid: shoulder -> hand distance constant (hands on the bar or not)
        assert np.allclose(seg("shoulder", "hand"), lf.arm, atol=2e-4)
        trunk = np.linalg.norm(s[f"{side}_shoulder"][:, :2] - s[f"{side}_hip"][:, :2], axis=1)
        assert np.allclose(trunk, lf.trunk, atol=1e-6)
    # the two hips (pelvis) and shoulders stay a rigid width apart
    assert np.allclose(s["left_hip"] - s["right_hip"], [0, 0, 2 * lf.hip_z], atol=1e-9)


def _capsule_gap(bar_xy, p0, p1, r, r_bar):
    """Sagittal distance from the bar axis to capsules minus radii: (n, K)."""
    d = p1 - p0
    u = np.clip(np.sum((bar_xy[:, None] - p0) * d, axis=-1) / np.maximum(np.sum(d * d, axis=-1), 1e-12), 0, 1)
    closest = p0 + u[..., None] * d
    return np.linalg.norm(bar_xy[:, None] - closest, axis=-1) - r - r_bar


@pytest.mark.parametrize("name", ALL)
def test_bar_never_inside_the_legs(name):
    m = motion(name)
    _, s = sampled(name)
    bar = s["bar_center"][:, :2]
    for side in SIDES:
        p0, p1, r = leg_capsules_2d(m.lifter, *(s[f"{side}_{j}"][:, :2] for j in ("ankle", "knee", "hip")))
        gap = _capsule_gap(bar, p0, p1, r, m.barbell.shaft_radius)
        assert gap.min() > 0.002, f"{side} leg touches the bar: {gap.min():.4f} m"
        # feet: the bar (or the plates) never inside the foot capsules
        assert np.all(s["bar_center"][:, 1] - m.barbell.shaft_radius > s[f"{side}_toe"][:, 1] + m.lifter.foot_radius)


@pytest.mark.parametrize("name", ALL)
def test_bar_never_below_the_floor_and_level(name):
    m = motion(name)
    _, s = sampled(name)
    assert s["bar_center"][:, 1].min() >= m.barbell.rest_height - 1e-9
    assert np.all(s["bar_axis"] == [0.0, 0.0, 1.0])
    assert np.allclose(s["bar_center"][:, 2], 0.0)
    assert np.allclose(s["plate_left"][:, 2], m.barbell.outer_face_z)


@pytest.mark.parametrize("name", [n for n in ALL if n.startswith("deadlift")] + ["rdl_pickup"])
def test_plates_on_the_floor_at_deadlift_start_and_end(name):
    m = motion(name)
    for t in (0.0, m.reps[0]["concentric"][0] if name.startswith("dead") else 0.5, m.duration_s):
        st = m.state(t)
        assert st.bar_center[1] == pytest.approx(m.barbell.plate_radius, abs=1e-9)
        assert st.plate_left[1] - m.barbell.plate_radius == pytest.approx(0.0, abs=1e-9)


def test_small_plates_start_lower_and_lifter_bends_more():
    big = SetMotion(SetSpec(reps=[RepSpec()]), 0)
    small = SetMotion(SetSpec(reps=[RepSpec()]), 0)
    small = SetMotion(SetSpec(reps=[RepSpec()], barbell=type(big.barbell)(plate_diameter=0.30)), 0)
    tb, ts = big.reps[0]["concentric"][0], small.reps[0]["concentric"][0]
    assert small.state(ts).bar_center[1] == pytest.approx(0.15)
    assert small.state(ts).joints["pelvis"][1] < big.state(tb).joints["pelvis"][1] - 0.03


def test_hands_hold_the_bar_with_straight_arms():
    m = motion("deadlift_5")
    t, s = sampled("deadlift_5")
    hold = s["holding"]
    assert hold.mean() > 0.4
    for side, sign in (("left", 1), ("right", -1)):
        want = s["bar_center"][hold] + [0, 0, sign * m.lifter.grip_half_width_m]
        assert np.allclose(s[f"{side}_hand"][hold], want, atol=1e-9)
    # elbows on the shoulder-hand line (straight arms)
    sh, el, ha = s["left_shoulder"], s["left_elbow"], s["left_hand"]
    cross = np.linalg.norm(np.cross(el - sh, ha - sh), axis=1)
    assert cross.max() < 1e-9


@pytest.mark.parametrize("name", ["deadlift_5", "deadlift_heavy", "rdl_8"])
def test_pauses_have_exactly_zero_velocity(name):
    m = motion(name)
    n_pause = 0
    for seg in m.segments:
        if getattr(seg, "y0", None) is not None and seg.y0 == seg.y1 and seg.t1 - seg.t0 > 0.05:
            t = np.linspace(seg.t0, seg.t1, 50)
            y = m.sample(t)["bar_center"]
            assert np.all(y == y[0])
            n_pause += 1
    assert n_pause >= len(m.reps)


def test_velocity_profile_smooth_and_bell_shaped():
    m = motion("deadlift_5")
    dt = 1e-3
    for rep in m.reps:
        c0, c1 = rep["concentric"]
        t = np.arange(c0, c1 + dt / 2, dt)
        y = m.sample(t)["bar_center"][:, 1]
        v = np.diff(y) / dt
        mcv = (y[-1] - y[0]) / (t[-1] - t[0])
        assert v.min() > -1e-9
        assert 1.3 <= v.max() / mcv <= 1.65
        assert np.abs(np.diff(v)).max() < 0.02  # no jumps (acceleration < 20 m/s^2)
        assert abs(v[0]) < 0.02 and abs(v[-1]) < 0.02
    assert profile(0.0) == 0.0 and profile(1.0) == pytest.approx(1.0)
    heavy = motion("deadlift_heavy").reps[0]
    t = np.arange(*heavy["concentric"], dt)
    v = np.diff(motion("deadlift_heavy").sample(t)["bar_center"][:, 1]) / dt
    assert 1.15 <= v.max() / v.mean() < 1.4  # heavy: flatter


def test_walk_in_bar_does_not_move_and_lifter_starts_far():
    m = motion("deadlift_walkin")
    t0 = m.reps[0]["concentric"][0]
    t = np.arange(0.0, t0, 0.01)
    s = m.sample(t)
    assert np.all(s["bar_center"] == s["bar_center"][0])
    assert s["pelvis"][0, 0] == pytest.approx(-m.spec.walk_in_distance_m)
    walk = t < m.spec.lead_in_s
    assert np.all(np.diff(s["pelvis"][walk, 0]) >= -1e-12)  # walks forward, never back
    # the legs alternate: each foot lifts and both feet move forward in steps
    for side in SIDES:
        ankle = s[f"{side}_ankle"][walk]
        assert ankle[:, 1].max() > m.lifter.ankle_height + 0.05
        assert ankle[-1, 0] == pytest.approx(0.0, abs=2e-3)
        assert m.state(m.spec.lead_in_s).joint(side, "ankle")[0] == pytest.approx(0.0, abs=1e-9)
    # arms swing while walking
    hand_rel = s["left_hand"][walk, 0] - s["left_shoulder"][walk, 0]
    assert hand_rel.max() - hand_rel.min() > 0.2
    st = m.state(t0 - 0.01)
    assert st.holding_bar and st.bar_center[1] == pytest.approx(m.barbell.plate_radius)


def test_rdl_starts_at_lockout_or_picks_up_from_the_floor():
    m = motion("rdl_8")
    st = m.state(0.0)
    assert st.holding_bar and st.bar_center[1] > 0.6
    p = motion("rdl_pickup")
    assert p.state(0.0).bar_center[1] == pytest.approx(p.barbell.plate_radius)
    phases = [seg.phase for seg in p.segments]
    assert "pickup" in phases and "putdown" in phases
    assert p.reps[0]["eccentric"][0] > [s.t1 for s in p.segments if s.phase == "pickup"][0]
    with pytest.raises(ValueError):
        SetSpec(lift="rdl", lead_in="walk_in")


def _angles(s, side="left"):
    a, k, h, sh = (s[f"{side}_{j}"][:, :2] for j in ("ankle", "knee", "hip", "shoulder"))
    def ang(u, v):
        c = np.sum(u * v, axis=1) / np.linalg.norm(u, axis=1) / np.linalg.norm(v, axis=1)
        return np.degrees(np.arccos(np.clip(c, -1, 1)))
    knee_flex = 180 - ang(a - k, h - k)
    hip_flex = 180 - ang(k - h, sh - h)
    trunk = np.degrees(np.arctan2(sh[:, 0] - h[:, 0], sh[:, 1] - h[:, 1]))
    return knee_flex, hip_flex, trunk


def test_joint_kinematics_realistic():
    m = motion("deadlift_5")
    s = m.sample(np.array([m.reps[0]["concentric"][0], m.reps[0]["concentric"][1] + 0.01]))
    kf, hf, tr = _angles(s)
    assert 45 <= kf[0] <= 85 and 90 <= hf[0] <= 130 and 40 <= tr[0] <= 70  # lift-off
    assert kf[1] < 3 and hf[1] < 3 and abs(tr[1]) < 3  # lockout
    r = motion("rdl_8")
    rep = r.reps[0]
    s = r.sample(np.array([rep["eccentric"][0], rep["eccentric"][1]]))
    kf, hf, tr = _angles(s)
    assert 10 <= kf[1] <= 25 and tr[1] > 65
    assert 0.15 <= s["left_hip"][0, 0] - s["left_hip"][1, 0] <= 0.35
    lf = r.lifter
    assert lf.ankle_height < s["bar_center"][1, 1] < lf.ankle_height + 0.75 * lf.shank  # bar to (upper) mid-shin


def test_deterministic_per_seed():
    a = SetMotion(preset("deadlift_faults"), seed=3)
    b = SetMotion(preset("deadlift_faults"), seed=3)
    c = SetMotion(preset("deadlift_faults"), seed=4)
    t = np.linspace(0, min(a.duration_s, c.duration_s), 500)
    sa, sb, sc = a.sample(t), b.sample(t), c.sample(t)
    assert all(np.array_equal(sa[k], sb[k]) for k in sa)
    assert not np.array_equal(sa["bar_center"], sc["bar_center"])


def test_state_primitives_and_speed():
    m = motion("deadlift_5")
    st = m.state(5.0)
    for key in ("ankle", "knee", "hip", "shoulder", "elbow", "wrist", "hand"):
        assert st.joint("left", key)[2] > 0 > st.joint("right", key)[2]
    assert st.bar_axis.tolist() == [0.0, 0.0, 1.0]
    prims = m.primitives(5.0)
    labels = {p.label for p in prims}
    assert labels == {"body", "bar", "plate"}
    assert all(isinstance(p, (Capsule, Ellipsoid, Cylinder)) for p in prims)
    t0 = time.perf_counter()
    for i in range(100):
        m.primitives(3.0 + 0.013 * i)
    assert (time.perf_counter() - t0) / 100 < 3e-3


def test_velocity_loss_helper():
    reps = velocity_loss_reps(8, 0.6, 30.0)
    assert reps[0].mcv == pytest.approx(0.6) and reps[-1].mcv == pytest.approx(0.42)
    assert all(a.mcv >= b.mcv for a, b in zip(reps, reps[1:]))


def test_spec_validation():
    with pytest.raises(ValueError):
        RepSpec(style="sumo")
    with pytest.raises(ValueError):
        SetSpec(reps=[])
    with pytest.raises(KeyError):
        preset("bench_press")
    assert preset("deadlift_5", rest_s=4.0).rest_s == 4.0
