"""The readable summary `barpath analyze` prints."""

from __future__ import annotations

from barpath.report import summary_text


def _doc(rep_overrides: dict) -> dict:
    rep = {"index": 1, "mean_concentric_velocity": 0.5, "peak_concentric_velocity": 0.7,
           "mean_propulsive_velocity": 0.5, "range_of_motion": 0.52, "velocity_loss_pct": 0.0,
           "concentric_duration": 1.0, "eccentric_duration": 1.4, "max_bar_to_body": 0.02, "hip_back_travel": 0.2,
           "knee_forward_travel": 0.05, "hips_first": True, "partial": False, "faults": []}
    rep.update(rep_overrides)
    return {"source": {"path": "x.db3", "camera": "D435", "width": 848, "height": 480, "fps": 90, "frames": 90,
                       "dropped_frames": 0, "duration_s": 1.0},
            "lift_frame": {"from": "auto"}, "set": {"lift": "deadlift", "best_mcv": 0.5, "last_mcv": 0.5,
                                                    "velocity_loss_pct": 0.0}, "reps": [rep]}


def test_a_rep_is_ok_only_when_its_hinge_was_checked():
    assert summary_text(_doc({})).splitlines()[-1].endswith("ok")
    unchecked = summary_text(_doc({"hips_first": None, "knee_forward_travel": None})).splitlines()[-1]
    assert unchecked.endswith("hinge not checked")
    faulty = summary_text(_doc({"hips_first": False, "faults": ["knees_first"]})).splitlines()[-1]
    assert faulty.endswith("knees_first")


def test_a_dropped_rep_is_named():
    doc = _doc({"hips_first": None, "hip_back_travel": None, "knee_forward_travel": None, "eccentric_duration": 0.33})
    doc["set"]["dropped_reps"] = [1]
    assert summary_text(doc).splitlines()[-1].endswith("dropped: lowering not checked")
