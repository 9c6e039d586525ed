"""Engine: when the auto lift frame is decided (and its forward sign), and what reaches the rep detector."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np

from barpath.analysis.liftframe import LiftFrame
from barpath.engine import Engine, EngineConfig, LiftFrameEstimator
from barpath.geometry import LegGirth
from barpath.sources.frame import DepthFrame, Intrinsics
from barpath.vision.measure import FrameMeasurement

UP = np.array([0.0, -1.0, 0.0])  # level camera: up is -y
NORMAL = np.array([0.0, 0.0, -1.0])  # the plate faces the camera
FLOOR = SimpleNamespace(normal=UP, camera_height_m=1.0, height_above=lambda p: p @ UP + 1.0)
BAR = np.array([0.0, 0.775, 2.3])  # the plate's centre on the floor (22.5 cm up)


def _body(forward, score=0.8):
    return SimpleNamespace(forward=np.asarray(forward, float), score=score)


def _feed(est, t0, t1, fps=30.0, hip=None, body=None):
    for t in np.arange(t0, t1, 1.0 / fps):
        est.add(FLOOR, BAR, NORMAL, hip, float(t), body)


def test_the_sign_waits_for_the_lifter_when_the_bar_is_in_view_first():
    # A loaded bar on the platform, nobody at it for 10 s: no sign to give, so no lift frame (it used to be
    # decided at 3 s, its forward a coin toss).
    est = LiftFrameEstimator(timeout_s=3.0, give_up_s=30.0)
    _feed(est, 0.0, 10.0)
    assert not est.ready(10.0)
    # The lifter walks in facing -x (the default up x axis orientation is +x): confident body fits give the sign
    # before the hips are reported.
    _feed(est, 10.0, 10.5, body=_body([-1.0, 0.0, 0.0]))
    assert est.ready(10.5)
    assert est.estimate().forward @ np.array([-1.0, 0.0, 0.0]) > 0.99


def test_low_scored_body_fits_give_no_sign_and_the_hips_outvote_the_facing():
    est = LiftFrameEstimator()
    _feed(est, 0.0, 5.0, body=_body([-1.0, 0.0, 0.0], score=0.2))  # a walk-in's partial outline: no vote
    assert not est.ready(5.0) and not est.facings
    _feed(est, 5.0, 5.5, body=_body([-1.0, 0.0, 0.0]))
    _feed(est, 5.5, 5.7, hip=BAR - np.array([0.2, 0.7, 0.0]))  # hips measured 20 cm toward -x: the bar is at +x
    assert est.estimate().forward @ np.array([1.0, 0.0, 0.0]) > 0.99


def test_it_waits_while_the_bar_rests_and_gives_up_once_it_has_been_lifted_long():
    est = LiftFrameEstimator(timeout_s=3.0, give_up_s=30.0)
    _feed(est, 2.0, 100.0)  # the loaded bar on the platform, nobody in view: a coach chalking up
    assert not est.ready(100.0)
    # the bar is lifted, but the body never gives a sign (cut by the image's edges): reps are counted after a while
    for t in np.arange(100.0, 133.0, 1.0 / 30):
        est.add(FLOOR, BAR + UP * 0.3 * (1 - np.cos(t)), NORMAL, None, float(t), None)
    assert not est.ready(est.t_moved + 29.0) and est.ready(est.t_moved + 31.0)
    assert est.estimate() is not None


class _ScriptedMeasurer:
    """Stands in for FrameMeasurer: the plate centre per frame from a script (None: not found)."""

    def __init__(self, script):
        self.script = script
        self.floor = FLOOR
        self.plate = SimpleNamespace(learnt_diameter=0.45)
        self.body = None

    def measure(self, depth_m, intrinsics, t_s):
        p = self.script(t_s)
        m = FrameMeasurement(t_s=t_s)
        if p is not None:
            m.plate, m.plate_cov, m.plate_normal = p, np.eye(3) * 0.002 ** 2, NORMAL
        return m


def test_the_joints_stated_noise_reaches_the_hinge_check():
    """Each joint measurement's stated covariance goes with it to the rep detector, as its sd along the lift frame's
    forward direction (the hinge order counts a knee's move only beyond it); a joint not measured has none (NaN)."""
    fps = 30.0
    knee_cov = np.diag([0.03, 0.004, 0.01]) ** 2  # camera x, y, z

    class WithKnee(_ScriptedMeasurer):
        def measure(self, depth_m, intrinsics, t_s):
            m = super().measure(depth_m, intrinsics, t_s)
            m.knee, m.covs["knee"] = BAR + np.array([-0.1, -0.3, 0.1]), knee_cov
            return m

    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    for forward, sd in (([1.0, 0.0, 0.0], 0.03), ([0.0, 0.0, -1.0], 0.01)):
        engine = Engine(intr, lift_frame=LiftFrame(up=UP, forward=forward, origin=BAR - 0.225 * UP))
        engine.measurer = WithKnee(lambda t: BAR)
        for k in range(int(2 * fps)):
            engine.process(DepthFrame(np.zeros((12, 16), np.uint16), 0.001, 1000.0 + k * 1000.0 / fps, k + 1, intr))
        data = engine.current.detector._data()
        fed = np.isfinite(data["knee"][:, 0])
        assert fed.sum() > 30 and np.allclose(data["knee_sd"][fed], sd)
        assert np.all(np.isnan(data["hip_sd"]))


def test_the_lifters_leg_girth_reaches_the_bar_gap():
    """The leg girth the body fits measure goes to the rep detector's hinge checks (the legs' front for the
    bar-to-body gap), updated as it is learnt."""
    girths = [None, LegGirth(0.065, 0.09, 0.5), LegGirth(0.066, 0.091, 0.45)]  # as learnt, half a second apart
    measurer = _ScriptedMeasurer(lambda t: BAR)
    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    engine = Engine(intr, lift_frame=LiftFrame(up=UP, forward=[1.0, 0.0, 0.0], origin=BAR - 0.225 * UP))
    engine.measurer = measurer
    fps, k = 30.0, 0
    for girth in girths:
        measurer.body = SimpleNamespace(outline=SimpleNamespace(girth=lambda g=girth: g))
        for _ in range(int(0.5 * fps)):
            engine.process(DepthFrame(np.zeros((12, 16), np.uint16), 0.001, 1000.0 + k * 1000.0 / fps, k + 1, intr))
            k += 1
        assert engine.current.detector.hinge_cfg.girth == girth


def test_a_lone_detection_of_something_else_makes_no_rep():
    # The bar rests on the floor; while its track is being acquired one frame takes something a metre higher for
    # the plate (a head, seen once) and the tracker restarts on it tentatively; the next frames drop it. Fed to the
    # rep detector, that lone point was a rise and a fall: a ghost rep.
    fps = 60.0

    def script(t):
        k = int(round(t * fps))
        if k == 17:
            return BAR + UP * 1.0
        if k == 2 or k >= 19:
            return BAR + np.array([0.0, 0.0005 * np.sin(k), 0.0])
        return None

    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    lf = LiftFrame(up=UP, forward=[1.0, 0.0, 0.0], origin=BAR - 0.225 * UP)
    engine = Engine(intr, lift_frame=lf)
    engine.measurer = _ScriptedMeasurer(script)
    for k in range(int(6 * fps)):
        engine.process(DepthFrame(np.zeros((12, 16), np.uint16), 0.001, 1000.0 + k * 1000.0 / fps, k + 1, intr))
    engine.finish()
    assert engine.all_reps() == []
    assert not engine.records[17].measured["bar"]  # not confirmed: not counted as measured either
    assert engine.records[30].measured["bar"]


def test_the_status_says_what_the_lift_frame_waits_for():
    from barpath.pipeline import status_message

    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    engine = Engine(intr)
    bar = {"on": False}
    engine.measurer = _ScriptedMeasurer(lambda t: BAR if bar["on"] else None)
    engine.measurer.framing_note = lambda brief=False: ""

    def frame(k):
        return DepthFrame(np.zeros((12, 16), np.uint16), 0.001, 1000.0 + k * 1000.0 / 30, k + 1, intr)

    engine.process(frame(0))
    assert status_message(engine) == "looking for the plate"
    bar["on"] = True
    for k in range(1, 200):  # nobody at the bar for 6.6 s: no sign for forward
        engine.process(frame(k))
    assert engine.lift_frame is None and status_message(engine) == "plate found: waiting for the lifter"


def test_memory_stays_flat_while_no_plate_is_ever_seen():
    from barpath.engine import PENDING_MAX_S

    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    engine = Engine(intr, config=EngineConfig(keep_history=False))
    engine.measurer = _ScriptedMeasurer(lambda t: None)  # an empty platform, live
    fps = 10.0
    for k in range(int(2 * PENDING_MAX_S * fps)):
        engine.process(DepthFrame(np.zeros((12, 16), np.uint16), 0.001, k * 1000.0 / fps, k + 1, intr))
    assert engine.lift_frame is None
    assert len(engine._pending) <= PENDING_MAX_S * fps + 1


def test_the_status_says_which_joint_left_the_hinge_unjudged():
    """Reps whose hinge order was not judged for want of the knee as their descent began, counted over the sets:
    from a quarter of all the reps the status line says so (and analyze prints the hinge line), below it nothing."""
    from barpath.engine import SetState
    from barpath.pipeline import framing_notes, status_message

    intr = Intrinsics(width=16, height=12, fx=10.0, fy=10.0, ppx=8.0, ppy=6.0)
    engine = Engine(intr, lift_frame=LiftFrame(up=UP, forward=np.array([0.0, 0, -1.0]), origin=np.zeros(3)))
    engine.measurer.framing_note = lambda brief=False: ""
    sets = [SetState(1, SimpleNamespace(unseen={2: ("knee",)}), 0.0, [{}] * 4),
            SetState(2, SimpleNamespace(unseen={}), 30.0, [{}] * 4)]
    engine.sets = sets
    assert engine.hinge_note() == "" and status_message(engine) == ""  # 1 of 8: no pattern
    sets[1].detector.unseen = {1: ("knee",), 3: ("hip", "knee")}
    assert status_message(engine) == "⚠ knee unseen at the top in 3 of 8 reps: lower the camera"
    assert framing_notes(engine).startswith("hinge: the knee was not seen as the descent began in 3 of 8 reps")
