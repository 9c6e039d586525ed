"""ScriptedDriver controls and truth_script, without the app."""

from __future__ import annotations

import threading
import time

import pytest

from barpath.events import RepFinished, SetFinished, SetStarted, SourceEnded, TrackBatch
from barpath.ui.driver import Driver, Rewind, ScriptedDriver, truth_script
from tests.ui.conftest import BAR0_UP, make_script, make_truth


class Collector:
    def __init__(self):
        self.events = []
        self.lock = threading.Lock()

    def __call__(self, ev):
        with self.lock:
            self.events.append(ev)

    def points(self):
        return [p for e in self.events if isinstance(e, TrackBatch) for p in e.points]

    def of(self, cls):
        return [e for e in self.events if isinstance(e, cls)]


def run(driver, col=None):
    col = col or Collector()
    driver.start(col)
    assert driver.wait_idle(5)
    return col


def test_instant_play_emits_every_point_in_order():
    script = make_script()
    n_pts = sum(len(e.points) for _, e in script if isinstance(e, TrackBatch))
    d = ScriptedDriver(script, pace=False)
    col = run(d)
    d.stop()
    pts = col.points()
    assert len(pts) == n_pts
    assert [p.frame for p in pts] == sorted(p.frame for p in pts)
    assert len(col.of(RepFinished)) == 4 and len(col.of(SetFinished)) == 1
    assert isinstance(col.events[-1], SourceEnded)
    assert all(len(e.points) <= 8 for e in col.of(TrackBatch))
    assert d.emitted == len(col.events)


def test_step_forward_and_back_uses_rewind():
    d = ScriptedDriver(make_script(), pace=False, start_paused=True)
    col = run(d)
    assert col.events == []
    for _ in range(5):
        d.step(1)
        assert d.wait_idle(5)
    pts = col.points()
    assert len(pts) == 5
    assert len(col.of(SetStarted)) == 1
    col.events.clear()
    d.step(-1)
    assert d.wait_idle(5)
    assert isinstance(col.events[0], Rewind) and col.events[0].to_set == 1
    assert isinstance(col.events[1], SetStarted)
    assert col.points()[-1].frame == pts[-2].frame
    d.stop()


def test_jump_rep_forward_back_and_end_set():
    d = ScriptedDriver(make_script(), pace=False, start_paused=True)
    col = run(d)
    d.jump_rep(1)
    d.jump_rep(1)
    assert d.wait_idle(5)
    assert [e.rep["index"] for e in col.of(RepFinished)] == [1, 2]
    col.events.clear()
    d.jump_rep(-1)
    assert d.wait_idle(5)
    assert isinstance(col.events[0], Rewind)
    assert [e.rep["index"] for e in col.of(RepFinished)] == [1]
    d.end_set()
    assert d.wait_idle(5)
    fin = col.of(SetFinished)
    assert len(fin) == 1 and fin[0].reason == "key" and len(fin[0].reps) == 1
    d.resume()
    assert d.wait_idle(5)
    assert len(col.of(RepFinished)) == 1  # the rest of the set was skipped
    d.stop()


def test_paced_play_pause_speed():
    script = make_script(mcvs=(0.5,))  # ~4.4 s of script
    d = ScriptedDriver(script, pace=True, speed=2.0)
    col = Collector()
    d.start(col)
    time.sleep(0.3)
    d.pause()
    time.sleep(0.05)
    n = len(col.points())
    assert 0 < n < sum(len(e.points) for _, e in script if isinstance(e, TrackBatch))
    time.sleep(0.3)
    assert len(col.points()) == n
    d.set_speed(16.0)
    d.resume()
    assert d.speed == 16.0 and not d.paused
    deadline = time.monotonic() + 5
    while not d.done and time.monotonic() < deadline:
        time.sleep(0.02)
    assert d.done
    d.restart()
    assert d.wait_idle(5) and d.done
    assert sum(isinstance(e, Rewind) for e in col.events) == 1
    d.stop()


def test_driver_exception_becomes_source_ended():
    class Broken(Driver):
        is_live = True

        def run(self):
            raise OSError("device gone")

        def end_set(self):
            pass

    col = Collector()
    d = Broken()
    d.start(col)
    d.stop()
    assert isinstance(col.events[-1], SourceEnded) and "device gone" in col.events[-1].error


def test_truth_script_converts_camera_to_lift_frame():
    truth = make_truth(n_reps=3, drop_every=10)
    script = truth_script(truth)
    kinds = [type(e).__name__ for _, e in script]
    assert kinds.count("SetStarted") == 1 and kinds.count("RepFinished") == 3 and kinds.count("SetFinished") == 1
    assert kinds[-1] == "SourceEnded"
    pts = [p for _, e in script if isinstance(e, TrackBatch) for p in e.points]
    n_dropped = sum(f["dropped"] for f in truth["frames"])
    assert n_dropped > 0 and len(pts) == len(truth["frames"]) - n_dropped
    p0 = pts[0]
    assert p0.bar == pytest.approx((0.0, BAR0_UP), abs=1e-4)
    assert p0.hip == pytest.approx((-0.25, 0.75), abs=1e-4)
    assert max(p.bar[1] for p in pts) == pytest.approx(BAR0_UP + 0.5, abs=2e-3)
    assert max(p.bar_vy for p in pts if p.bar_vy is not None) > 0.8
    times = [t for t, _ in script]
    assert times == sorted(times)
    # each RepFinished comes after its rep ended
    for t, e in script:
        if isinstance(e, RepFinished):
            assert t >= e.rep["eccentric_end"]
            assert "style" not in e.rep
    status = [e for _, e in script if type(e).__name__ == "Status"]
    assert status[-1].dropped_frames == n_dropped


def test_truth_script_several_sets():
    script = truth_script(make_truth(n_reps=2), sets=2)
    started = [e.set_index for _, e in script if isinstance(e, SetStarted)]
    finished = [e.set_index for _, e in script if isinstance(e, SetFinished)]
    assert started == [1, 2] and finished == [1, 2]
    frames = [p.frame for _, e in script if isinstance(e, TrackBatch) for p in e.points]
    assert frames == sorted(frames)
