"""Ground truth per rep from the continuous motion."""

import functools
import json

import numpy as np
import pytest

from barpath.synth.motion import RepSpec, SetMotion, SetSpec, preset
from barpath.synth.truth import REP_KEYS, motion_truth, rep_truth, set_truth


@functools.lru_cache(maxsize=None)
def truth(name: str, seed: int = 0, side: str = "left"):
    m = SetMotion(preset(name), seed=seed)
    return m, motion_truth(m, side)


def test_keys_and_json():
    m, tr = truth("deadlift_5")
    assert tr["set"]["reps"] == 5 and tr["set"]["lift"] == "deadlift"
    for i, r in enumerate(tr["reps"], 1):
        assert tuple(r.keys()) == REP_KEYS
        assert r["index"] == i
    back = json.loads(json.dumps(tr))
    assert back["reps"][0]["mean_concentric_velocity"] == tr["reps"][0]["mean_concentric_velocity"]


@pytest.mark.parametrize("name", ["deadlift_5", "deadlift_heavy", "deadlift_fast", "deadlift_tng", "rdl_8",
                                  "deadlift_vloss"])
def test_mcv_is_rom_over_duration_and_matches_targets(name):
    m, tr = truth(name)
    for r, spec in zip(tr["reps"], m.spec.reps):
        assert r["mean_concentric_velocity"] == pytest.approx(r["range_of_motion"] / r["concentric_duration"])
        assert r["concentric_duration"] == pytest.approx(r["concentric_end"] - r["concentric_start"])
        assert r["mean_concentric_velocity"] == pytest.approx(spec.mcv, rel=0.03)
        assert r["peak_concentric_velocity"] >= r["mean_concentric_velocity"]
        assert r["mean_propulsive_velocity"] >= r["mean_concentric_velocity"] - 1e-9
        assert r["eccentric_duration"] == pytest.approx(spec.eccentric_s, rel=0.1)


def test_phase_times_follow_the_plan_and_the_lift():
    m, tr = truth("deadlift_5")
    for r, plan in zip(tr["reps"], m.reps):
        assert r["concentric_start"] == pytest.approx(plan["concentric"][0], abs=2e-3)
        assert r["concentric_end"] == pytest.approx(plan["concentric"][1], abs=2e-3)
        assert r["eccentric_start"] == pytest.approx(plan["eccentric"][0], abs=2e-3)
        assert r["eccentric_end"] == pytest.approx(plan["eccentric"][1], abs=2e-3)
        assert r["eccentric_start"] > r["concentric_end"]  # deadlift: lowering after the pull
        assert 0.45 < r["range_of_motion"] < 0.6
    m, tr = truth("rdl_8")
    for r in tr["reps"]:
        assert r["eccentric_end"] <= r["concentric_start"] + 2e-3  # rdl: lowering before the rise
        assert 0.3 < r["range_of_motion"] < 0.5


def test_touch_and_go_reverses_at_the_floor():
    m, tr = truth("deadlift_tng")
    reps = tr["reps"]
    for prev, nxt in zip(reps, reps[1:]):
        assert nxt["concentric_start"] - prev["eccentric_end"] < 5e-3
    st = m.state(reps[1]["concentric_start"])
    assert st.bar_center[1] == pytest.approx(m.barbell.plate_radius, abs=1e-6)


def test_style_labels_and_faults():
    _, tr = truth("deadlift_faults")
    seen = set()
    for r in tr["reps"]:
        seen.add(r["style"])
        if r["style"] == "knees_first":
            assert not r["hips_first"] and "knees_first" in r["faults"]
            assert r["max_bar_to_body"] <= 0.06
        else:
            assert r["hips_first"] and "knees_first" not in r["faults"]
        if r["style"] == "bar_drift":
            assert 0.08 <= r["max_bar_to_body"] <= 0.2 and "bar_away_from_body" in r["faults"]
        else:
            assert 0.005 <= r["max_bar_to_body"] <= 0.06 and "bar_away_from_body" not in r["faults"]
    assert seen == {"hips_first", "knees_first", "bar_drift"}
    hf = [r for r in tr["reps"] if r["style"] == "hips_first"]
    kf = [r for r in tr["reps"] if r["style"] == "knees_first"]
    # squattier: knees travel further forward and bend more; hips travel back at least as far in a hinge
    assert min(r["knee_forward_travel"] for r in kf) > max(r["knee_forward_travel"] for r in hf) + 0.03
    assert min(r["knee_flexion_change"] for r in kf) > max(r["knee_flexion_change"] for r in hf) + 5
    assert max(r["hip_back_travel"] for r in kf) <= min(r["hip_back_travel"] for r in hf) + 0.01


def test_rdl_hinge_metrics():
    _, tr = truth("rdl_8")
    for r in tr["reps"]:
        assert r["hips_first"] and r["faults"] == []
        assert 0.15 <= r["hip_back_travel"] <= 0.35
        assert r["knee_forward_travel"] < 0.02
        assert 8 <= r["knee_flexion_change"] <= 25
        assert r["bar_path_horizontal_range"] < 0.08


def test_rdl_knees_first_and_drift():
    spec = SetSpec("rdl", [RepSpec("hips_first"), RepSpec("knees_first"), RepSpec("bar_drift", drift_m=0.1)])
    tr = rep_truth(SetMotion(spec, 1))
    assert [r["hips_first"] for r in tr] == [True, False, True]
    assert tr[2]["max_bar_to_body"] > 0.06 and tr[0]["max_bar_to_body"] < 0.06


def test_pickup_is_not_a_rep():
    m, tr = truth("rdl_pickup")
    assert tr["set"]["reps"] == len(m.spec.reps) == 5
    pick = [s for s in m.segments if s.phase == "pickup"][0]
    assert tr["reps"][0]["eccentric_start"] > pick.t1


def test_velocity_loss():
    _, tr = truth("deadlift_vloss")
    vl = [r["velocity_loss_pct"] for r in tr["reps"]]
    assert vl[0] == 0.0 and vl[-1] > 25.0
    best = 0.0
    for r in tr["reps"]:
        best = max(best, r["mean_concentric_velocity"])
        assert r["velocity_loss_pct"] == pytest.approx(100 * (best - r["mean_concentric_velocity"]) / best)
    s = tr["set"]
    assert s["velocity_loss_pct"] == pytest.approx(vl[-1]) and s["last_mcv"] < s["best_mcv"]
    assert set_truth([]) ["reps"] == 0


def test_partial_rep():
    _, tr = truth("deadlift_partial")
    assert [r["partial"] for r in tr["reps"]] == [False, False, True, False]
    full, part = tr["reps"][0]["range_of_motion"], tr["reps"][2]["range_of_motion"]
    assert part == pytest.approx(0.6 * full, rel=0.03)


def test_heavy_and_fast_profiles():
    _, heavy = truth("deadlift_heavy")
    _, fast = truth("deadlift_fast")
    for r in heavy["reps"]:
        assert 0.15 <= r["mean_concentric_velocity"] <= 0.25
        assert r["peak_concentric_velocity"] / r["mean_concentric_velocity"] < 1.4
        assert r["mean_propulsive_velocity"] == r["mean_concentric_velocity"]  # no braking below -g
    for r in fast["reps"]:
        assert 0.85 <= r["mean_concentric_velocity"] <= 0.95
        assert 1.4 <= r["peak_concentric_velocity"] / r["mean_concentric_velocity"] <= 1.65


def test_near_side_choice_and_walkin():
    m = SetMotion(preset("deadlift_walkin"), 0)
    left, right = rep_truth(m, "left"), rep_truth(m, "right")
    for a, b in zip(left, right):  # symmetric lifter: both sides agree
        assert a["hip_back_travel"] == pytest.approx(b["hip_back_travel"], abs=1e-9)
        assert a["max_bar_to_body"] == pytest.approx(b["max_bar_to_body"], abs=1e-9)
    assert left[0]["concentric_start"] > m.spec.lead_in_s  # the walk is not a rep
    with pytest.raises(ValueError):
        rep_truth(m, "front")


def test_a_dropped_rep_falls_freely_and_has_no_descent_to_judge():
    m, tr = truth("deadlift_drops")
    assert [r["hips_first"] for r in tr["reps"]] == [None, None, True, None]
    for r, spec in zip(tr["reps"], m.spec.reps):
        if not spec.drop:
            continue
        fall = r["range_of_motion"]  # lockout to the floor, as lifted
        assert r["eccentric_duration"] == pytest.approx(np.sqrt(2 * fall / 9.81), abs=0.01)  # t = sqrt(2 h / g)
        assert r["hip_back_travel"] is None and r["knee_forward_travel"] is None and r["knee_flexion_change"] is None
        assert r["faults"] == []
    # the bar bounces and settles on the floor before the lifter bends to it again
    t = np.arange(r["eccentric_end"], r["eccentric_end"] + 1.5, 0.001)
    s = m.sample(t)
    y = s["bar_center"][:, 1]
    assert 0.02 < y.max() - m.barbell.rest_height < 0.25 and y[-1] == pytest.approx(m.barbell.rest_height)
    assert np.all(s["holding"] == 0)
