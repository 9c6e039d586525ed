import math

import numpy as np
import pytest

from barpath.analysis import REP_KEYS, RepDetector, SegmentConfig, analyze_set, segment
from tests.analysis.profiles import timeline
from tests.analysis.synth_inputs import TEST_FPS, analysed, make_case

DL = [(1.5, 0), (1.0, 0.5), (0.5, 0), (1.4, -0.5), (1.0, 0)]


def _noisy(t, y, v, seed=0, pos=0.0025, vel=0.012):
    rng = np.random.default_rng(seed)
    k = np.exp(-np.arange(0, 0.3, 1 / 60) / 0.06)
    k /= np.sqrt(np.sum(k**2))
    nv = np.convolve(rng.normal(0, vel, len(t) + len(k)), k, "full")[len(k):len(k) + len(t)]
    return y + rng.normal(0, pos, len(t)), v + nv


def test_deadlift_phases_and_lift():
    t, y, v, moves = timeline(DL * 3, fps=60)
    seg = segment(t, *_noisy(t, y, v))
    assert seg.lift == "deadlift" and len(seg.reps) == 3
    assert seg.floor == pytest.approx(0.225, abs=0.01)
    for i, r in enumerate(seg.reps):
        assert r.concentric_start == pytest.approx(moves[2 * i][0], abs=0.1)
        assert r.concentric_end == pytest.approx(moves[2 * i][1], abs=0.1)
        assert r.eccentric_start == pytest.approx(moves[2 * i + 1][0], abs=0.1)
        assert r.eccentric_end == pytest.approx(moves[2 * i + 1][1], abs=0.1)
        assert not r.partial


def test_rdl_from_standing_and_with_pickup():
    rdl = [(0.3, 0), (1.6, -0.4), (0.9, 0.4)]
    t, y, v, moves = timeline([(1.0, 0)] + rdl * 4 + [(1.0, 0)], fps=60, y0=0.75)
    seg = segment(t, *_noisy(t, y, v))
    assert seg.lift == "rdl" and len(seg.reps) == 4
    for i, r in enumerate(seg.reps):  # the lowering BEFORE the concentric
        assert r.eccentric_start == pytest.approx(moves[2 * i][0], abs=0.1)
        assert r.concentric_end == pytest.approx(moves[2 * i + 1][1], abs=0.1)
        assert r.eccentric_end < r.concentric_start + 0.05
    # pick-up from the floor, 3 RDLs, put-down: 3 reps
    segs = [(2.0, 0), (1.0, 0.52), (1.0, 0)] + [(1.6, -0.42), (0.9, 0.42), (0.4, 0)] * 3 + [(1.5, -0.52), (1.5, 0)]
    t, y, v, _ = timeline(segs, fps=60)
    seg = segment(t, *_noisy(t, y, v, seed=1))
    assert seg.lift == "rdl" and len(seg.reps) == 3


def test_a_deadlift_first_seen_in_the_air_is_still_a_deadlift():
    # The bar is first tracked at lockout (the plate found only once lifted, or the camera started mid-set): the
    # first turn is a top, so the floor is known only from the bar's height when the plates stand on it.
    t, y, v, moves = timeline([(1.0, 0), (1.4, -0.5)] + DL * 2, fps=60, y0=0.725)
    seg = segment(t, *_noisy(t, y, v))
    assert seg.lift == "rdl"  # without the plate's radius: a lowering first, so taken for RDLs
    seg = segment(t, *_noisy(t, y, v), SegmentConfig(resting_height_m=0.225))
    assert seg.lift == "deadlift" and len(seg.reps) == 2
    assert seg.reps[0].concentric_start == pytest.approx(moves[1][0], abs=0.1)
    # ... also when tracking began mid-pull (a first "low" in the air): that rep's pull is not all seen
    t, y, v, _ = timeline([(1.0, 0.5), (1.0, 0), (1.4, -0.5)] + DL * 2, fps=60)
    mid = t >= 0.5
    seg = segment(t[mid], *_noisy(t[mid], y[mid], v[mid]), SegmentConfig(resting_height_m=0.225))
    assert seg.lift == "deadlift" and len(seg.reps) == 3
    assert seg.reps[0].concentric_start is None and not seg.reps[0].partial
    # ... and when the plates are never seen on the floor (lost at the image's bottom edge below 31 cm), the lows
    # where tracking resumes each rep stand for the floor
    t, y, v, _ = timeline(DL * 3, fps=60)
    yn, vn = _noisy(t, y, v)
    yn[y < 0.31] = np.nan
    vn[y < 0.31] = np.nan
    seg = segment(t, yn, vn, SegmentConfig(resting_height_m=0.225))
    assert seg.lift == "deadlift" and len(seg.reps) == 3
    # ... and the plate's centre sliding 9 cm down over its last 3 frames in view (a part of the disc left) is
    # not a dropped bar: 3 m/s into the gap, but no free fall where the bar was followed
    edges = np.flatnonzero((y >= 0.31)[:-1] & (y < 0.31)[1:])
    for e in edges:
        yn[e - 2:e + 1] -= np.array([0.03, 0.06, 0.09])
    seg = segment(t, yn, None, SegmentConfig(resting_height_m=0.225))
    assert len(seg.reps) == 3 and not any(r.dropped for r in seg.reps)
    # ... while RDLs from standing, their lows 10 cm above the floor, stay RDLs
    t, y, v, _ = timeline([(1.0, 0)] + [(1.6, -0.4), (0.9, 0.4), (0.3, 0)] * 3, fps=60, y0=0.725)
    assert segment(t, *_noisy(t, y, v), SegmentConfig(resting_height_m=0.225)).lift == "rdl"


def test_no_ghost_reps():
    t = np.arange(0, 20, 1 / 60)
    y = np.full(len(t), 0.225)
    # bar at rest, then a 3 cm bounce, a 4 cm nudge, tracker noise
    y += 0.03 * np.exp(-(((t - 5) / 0.08) ** 2)) + 0.04 * ((t > 9) & (t < 9.6))
    v = np.gradient(y, t)
    yn, vn = _noisy(t, y, v)
    assert segment(t, yn, vn).reps == []
    assert segment(t, yn, None).reps == []
    bar = np.stack([0 * t, yn, 0 * t], 1)
    assert analyze_set(t, bar)["set"]["reps"] == 0


@pytest.mark.parametrize("restitution", [0.3, 0.5])
def test_dropped_reps_and_bounces(restitution):
    # Reps 1 and 2 let go at the top (free fall, bumper bounces up to 25 % of the height: more than a significant
    # move at 0.5), rep 3 lowered in 0.6 s, fast; bar heights from the synthetic motion at 60 fps, tracker noise.
    from barpath.synth.motion import RepSpec, SetMotion, SetSpec
    reps = [RepSpec(mcv=0.6, drop=True, restitution=restitution), RepSpec(mcv=0.55, drop=True, restitution=restitution),
            RepSpec(mcv=0.5, eccentric_s=0.6), RepSpec(mcv=0.5)]
    m = SetMotion(SetSpec("deadlift", reps), seed=1)
    t = np.arange(0.0, m.duration_s, 1 / 60)
    y = m.sample(t)["bar_center"][:, 1]
    yn = y + np.random.default_rng(0).normal(0, 0.0025, len(t))
    for v in (None, np.gradient(y, t)):
        seg = segment(t, yn, v, SegmentConfig(resting_height_m=m.barbell.rest_height))
        assert seg.lift == "deadlift"
        assert [r.dropped for r in seg.reps] == [True, True, False, False]
        for r, truth in zip(seg.reps, m.reps):
            assert r.eccentric_end == pytest.approx(truth["eccentric"][1], abs=0.1)  # a drop's: the impact
            assert not r.partial
    # the lifter stands while the bar falls: no lowering to judge (not knees_first), nor is its gap a fault
    s = m.sample(t)
    joints = {j: s[f"left_{j}"] for j in ("hip", "knee", "ankle", "shoulder")}
    res = analyze_set(t, s["bar_center"], **joints)
    assert [r["eccentric_duration"] < 0.5 for r in res["reps"]] == [True, True, False, False]
    assert [r["hips_first"] for r in res["reps"]] == [None, None, True, True]
    assert all(r["faults"] == [] for r in res["reps"])
    assert res["set"]["dropped_reps"] == [1, 2]
    assert res["set"]["mean_eccentric_duration"] > 0.5  # the lowerings' tempo, not the falls'
    # taken for lowerings, the falls read as knees-first descents
    res = analyze_set(t, s["bar_center"], **joints,
                      seg_cfg=SegmentConfig(resting_height_m=m.barbell.rest_height, drop_speed_fraction=9.0))
    assert "knees_first" in res["reps"][0]["faults"]


def test_drop_landing_through_a_tracking_gap():
    # At 30 fps the plate is lost at the impact (3 m/s: gated out, blurred) and found again on the bounce: the
    # landing is where the free fall seen before it meets the floor, not where the bar settles after the bounce
    from barpath.synth.motion import RepSpec, SetMotion, SetSpec
    m = SetMotion(SetSpec("deadlift", [RepSpec(mcv=0.6, drop=True, restitution=0.4), RepSpec(mcv=0.5, drop=True),
                                       RepSpec(mcv=0.5)]), seed=2)
    t = np.arange(0.0, m.duration_s, 1 / 30)
    y = m.sample(t)["bar_center"][:, 1] + np.random.default_rng(1).normal(0, 0.002, len(t))
    for truth in m.reps[:2]:
        y[(t > truth["eccentric"][1] - 0.01) & (t < truth["eccentric"][1] + 0.13)] = np.nan
    seg = segment(t, y, None, SegmentConfig(resting_height_m=m.barbell.rest_height))
    assert [r.dropped for r in seg.reps] == [True, True, False]
    for r, truth in zip(seg.reps[:2], m.reps):
        assert r.eccentric_end == pytest.approx(truth["eccentric"][1], abs=0.03)
        assert r.eccentric_start == pytest.approx(truth["eccentric"][0], abs=0.1)


def test_touch_and_go_and_partial():
    segs = [(1.5, 0), (0.9, 0.5), (0.3, 0), (0.8, -0.5), (0.85, 0.5), (0.3, 0), (0.8, -0.5),
            (1.0, 0.3), (0.5, 0), (0.8, -0.3), (0.0001, 0), (1.0, 0.5), (0.5, 0), (1.2, -0.5), (1.0, 0)]
    t, y, v, moves = timeline(segs, fps=90)
    seg = segment(t, *_noisy(t, y, v, seed=3))
    assert seg.lift == "deadlift"
    assert [r.partial for r in seg.reps] == [False, False, True, False]


def test_gaps_and_missing_velocity():
    t, y, v, moves = timeline(DL * 2, fps=60, drop_every=9)
    yn, vn = _noisy(t, y, v)
    yn[200:215] = np.nan
    vn[200:215] = np.nan
    for vv in (vn, None):
        seg = segment(t, yn, vv)
        assert len(seg.reps) == 2
        assert seg.reps[1].concentric_start == pytest.approx(moves[2][0], abs=0.08)


@pytest.mark.parametrize("name", list(TEST_FPS))
def test_presets_count_lift_phases_partial(name):
    case, res = analysed(name, 0, TEST_FPS[name])
    assert res["set"]["lift"] == case.lift
    assert res["set"]["reps"] == len(case.truth)
    for a, b in zip(res["reps"], case.truth):
        assert set(a) == set(REP_KEYS)
        for k in ("concentric_start", "concentric_end", "eccentric_start", "eccentric_end"):
            assert abs(a[k] - b[k]) <= 0.1, (k, a["index"])
        assert a["partial"] == b["partial"]
        for k, x in a.items():
            assert not (isinstance(x, float) and not math.isfinite(x))


@pytest.mark.parametrize("name", ["deadlift_tng", "rdl_pickup"])
def test_live_equals_batch_and_is_prompt(name):
    case = make_case(name, 1, 60)
    inp = case.inputs()
    det = RepDetector(case.frame)
    emitted_at = []
    for i in range(0, len(case.t), 4):
        s = slice(i, i + 4)
        new = det.feed(inp["t"][s], inp["bar"][s], inp["bar_vel"][s], inp["hip"][s], inp["knee"][s],
                       inp["ankle"][s], inp["shoulder"][s])
        emitted_at += [(r, case.t[s][-1]) for r in new]
    det.finish()
    batch = analyze_set(**inp)
    assert len(det.reps) == len(batch["reps"]) == len(case.truth)
    for a, b in zip(det.reps, batch["reps"]):
        assert a == b
    assert len(emitted_at) == len(case.truth)  # all emitted before finish()
    for rep, when in emitted_at:
        done = rep["eccentric_end"] if case.lift == "deadlift" else rep["concentric_end"]
        assert when - done < 0.6


def test_sticking_points_stay_inside_their_phase():
    """A heavy pull that stops for an instant 18 cm up (a sticking point) and goes on to lockout, lowered with a
    0.4 s pause at the knees: one rep, its concentric phase from the floor to lockout and its lowering whole. The
    boundaries used to be the stops, the part before / after lost (ROM 0.32 of 0.5 m, the start 1.2 s late)."""
    segs = [(1.5, 0), (1.2, 0.18), (1.6, 0.32), (1.0, 0), (1.0, -0.25), (0.4, 0), (1.0, -0.25), (1.0, 0)] * 2
    t, y, v, moves = timeline(segs, fps=60)
    for vv in (v, None):
        yn, vn = _noisy(t, y, v)
        seg = segment(t, yn, vn if vv is not None else None)
        assert seg.lift == "deadlift" and len(seg.reps) == 2
        for i, r in enumerate(seg.reps):
            (c0, _, _), (_, c1, _), (e0, _, _), (_, e1, _) = moves[4 * i:4 * i + 4]
            assert r.concentric_start == pytest.approx(c0, abs=0.1)
            assert r.concentric_end == pytest.approx(c1, abs=0.1)
            assert r.eccentric_start == pytest.approx(e0, abs=0.1)
            assert r.eccentric_end == pytest.approx(e1, abs=0.1)
    res = analyze_set(t, np.stack([np.zeros_like(t), _noisy(t, y, v)[0], np.zeros_like(t)], axis=1))
    assert [r["range_of_motion"] for r in res["reps"]] == pytest.approx([0.5, 0.5], abs=0.02)
    assert [r["mean_concentric_velocity"] for r in res["reps"]] == pytest.approx([0.5 / 2.8] * 2, abs=0.02)


def test_live_rdl_waits_out_a_pause_on_the_way_up():
    """RDLs paused for 0.5 s 15 cm up from the bottom: live, each rep was emitted during the pause with 0.15 of its
    0.4 m (the batch then had the whole rise); now it waits until the bar is back near the top."""
    rdl = [(0.3, 0), (1.6, -0.4), (0.5, 0.15), (0.5, 0), (0.6, 0.25)]
    t, y, _, moves = timeline([(1.0, 0)] + rdl * 3 + [(1.0, 0)], fps=60, y0=0.75)
    bar = np.stack([np.zeros_like(t), y + np.random.default_rng(0).normal(0, 0.0015, len(t)), np.zeros_like(t)], 1)
    det = RepDetector(None)
    emitted = []
    for i in range(0, len(t), 4):
        emitted += [(r, t[min(i + 3, len(t) - 1)]) for r in det.feed(t[i:i + 4], bar[i:i + 4])]
    det.finish()
    assert det.reps == analyze_set(t, bar)["reps"]
    assert len(emitted) == 3
    for i, (rep, when) in enumerate(emitted):
        assert rep["range_of_motion"] == pytest.approx(0.4, abs=0.01)
        assert rep["concentric_end"] == pytest.approx(moves[3 * i + 2][1], abs=0.1)
        assert when - rep["concentric_end"] < 0.6
