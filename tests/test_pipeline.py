"""`barpath analyze`: the JSON contract, against the synthetic truth of a small recording."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys

import numpy as np
import pytest

from barpath.pipeline import analyze_recording

FRAME_KEYS = {"frame", "t", "bar", "bar_velocity", "hip", "knee", "measured"}


def test_contract_shape(small_analysis, small_recording):
    doc = small_analysis
    assert doc["schema"] == "barpath.analysis/1"
    assert set(doc) == {"schema", "source", "lift_frame", "frames", "reps", "set"}
    assert set(doc["source"]) == {"path", "camera", "serial", "width", "height", "fps", "frames",
                                  "dropped_frames", "duration_s"}
    assert set(doc["lift_frame"]) == {"up", "forward", "origin", "from"}
    assert all(set(f) == FRAME_KEYS for f in doc["frames"])
    assert all(set(f["measured"]) == {"bar", "hip", "knee"} for f in doc["frames"])
    json.dumps(doc, allow_nan=False)  # no NaN anywhere: plain JSON


def test_every_played_frame_has_an_entry_with_device_numbers(small_analysis, small_recording):
    doc, truth = small_analysis, small_recording[1]
    written = [f["frame"] for f in truth["frames"] if not f["dropped"]]
    assert [f["frame"] for f in doc["frames"]] == written
    assert doc["source"]["frames"] == len(written)
    assert doc["source"]["dropped_frames"] == sum(f["dropped"] for f in truth["frames"]) > 0
    t_truth = {f["frame"]: f["t"] for f in truth["frames"]}
    assert all(abs(f["t"] - t_truth[f["frame"]]) < 1e-6 for f in doc["frames"])


def test_lift_frame_matches_the_camera_pose(small_analysis, small_recording):
    lf, true = small_analysis["lift_frame"], small_recording[1]["lift_frame"]
    assert lf["from"] == "auto"
    assert np.degrees(np.arccos(np.dot(lf["up"], true["up"]))) < 1.0
    assert np.degrees(np.arccos(np.dot(lf["forward"], true["forward"]))) < 3.0


def test_bar_track_follows_the_truth(small_analysis, small_recording):
    doc, truth = small_analysis, small_recording[1]
    tf = {f["frame"]: f for f in truth["frames"]}
    d = np.array([np.subtract(f["bar"], tf[f["frame"]]["plate"]) for f in doc["frames"] if f["bar"]])
    assert len(d) > 0.9 * len(doc["frames"])
    rmse = np.sqrt(np.mean(np.sum((d - d.mean(axis=0)) ** 2, axis=1)))
    # 424x240 @ 30 fps at 2.5 m (~22 mm depth noise per plate pixel): measured 11.0 mm; the 5 mm goal at
    # 848x480 lives in benchmarks/bench_analyze.py
    assert rmse < 0.015


def test_reps_match_the_truth(small_analysis, small_recording):
    doc, truth = small_analysis, small_recording[1]
    assert doc["set"]["lift"] == "deadlift"
    assert len(doc["reps"]) == len(truth["reps"])
    # a low-resolution stream (424x240 @ 30 fps, 5 % dropped frames); the benchmark holds the goals
    for est, tru in zip(doc["reps"], truth["reps"]):
        assert abs(est["concentric_start"] - tru["concentric_start"]) < 0.15
        assert abs(est["mean_concentric_velocity"] - tru["mean_concentric_velocity"]) < 0.08
        assert abs(est["range_of_motion"] - tru["range_of_motion"]) < 0.03


def test_damaged_recording_keeps_what_was_played(small_recording, tmp_path):
    """A .db3 cut by kill -9 mid-write keeps its frames up to the cut; here rows are deleted from the file."""
    import sqlite3

    path = tmp_path / "cut.db3"
    shutil.copy(small_recording[0], path)
    with sqlite3.connect(path) as db:
        tid = db.execute("SELECT id FROM topics WHERE name LIKE '%Depth_0/image/data%'").fetchone()[0]
        n = db.execute("SELECT COUNT(*) FROM messages WHERE topic_id = ?", (tid,)).fetchone()[0]
        # the SDK stops at the first missing frame message; the file still says how many it had
        db.execute("DELETE FROM messages WHERE topic_id = ? AND id IN (SELECT id FROM messages WHERE topic_id = ?"
                   " ORDER BY timestamp LIMIT 1 OFFSET ?)", (tid, tid, n // 2))
    result = analyze_recording(str(path))
    assert result.document["frames"], "the part played is kept"
    if result.error is not None:
        assert str(path) in str(result.error)


def _barpath(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "barpath.cli", *args], capture_output=True, text=True,
                          timeout=120)


@pytest.mark.parametrize("make", ["missing", "text", "truncated"])
def test_cli_bad_input_is_one_line_and_exit_2(make, small_recording, tmp_path):
    path = tmp_path / "bad.db3"
    if make == "text":
        path.write_text("not a recording\n")
    elif make == "truncated":
        path.write_bytes(open(small_recording[0], "rb").read()[:200_000])
    r = _barpath("analyze", str(path))
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0] and "Traceback" not in r.stderr


def test_cli_analyze_writes_json(small_recording, tmp_path):
    out = tmp_path / "a.json"
    r = _barpath("analyze", small_recording[0], "--json", str(out))
    assert r.returncode == 0, r.stderr
    doc = json.loads(out.read_text())
    assert len(doc["reps"]) == len(small_recording[1]["reps"])
    assert "reps" in r.stdout and "MCV" in r.stdout
