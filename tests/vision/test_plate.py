"""Near-plate detection on synthetic depth frames (barpath.synth) against the rendered truth."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from barpath.sources.frame import Intrinsics
from barpath.synth.camera import CameraPose
from barpath.synth.lifter import CHANGE_PLATES, COLLAR_CLAMP
from barpath.synth.noise import add_d400_noise
from barpath.synth.render import LABELS, DepthRenderer
from barpath.synth.scenario import SCENARIOS, Scenario, render_frames
from barpath.synth.scene import build_static_scene, camera_side_of
from barpath.vision.measure import FrameMeasurer
from barpath.vision.plate import PlateDetector, _edge_gap, _fit_circle, find_plate_candidates

# (scenario, frame index, centre tolerance m): straight, plate on the floor, yawed, pitched, facing left,
# 424x240 far, 1280x720, black plates, 30 cm plates at 1280x720 with pitch 20 and yaw -10.
CASES = [
    ("deadlift", 0, 0.01),  # standing behind the bar: plate on the floor
    ("deadlift", 1169, 0.01),
    ("deadlift_vloss", 450, 0.01),  # yaw 15
    ("rdl", 593, 0.01),  # yaw -25, roll 3, facing left
    ("deadlift_faults", 689, 0.01),  # pitch 15 down
    ("deadlift_far_drops", 194, 0.03),  # 424x240 at 3.5 m: ~9 cm per-pixel depth noise
    ("deadlift_tng", 144, 0.01),  # 1280x720
    ("deadlift_partial", 511, 0.01),  # black plates (dropouts)
    ("deadlift_near", 312, 0.01),  # 30 cm plates, 1280x720, pitch 20, yaw -10
]


def _frame(name: str, index: int):
    sc = SCENARIOS[name]
    f = next(f for f in render_frames(sc, 0, only={index}) if f.index == index)
    return sc, f


@pytest.mark.parametrize("name,index,tol", CASES)
def test_plate_centre_from_scratch(name, index, tol):
    _check_from_scratch(*_frame(name, index), tol)


# A loaded bar's near side: iron change plates (5, 2.5 and 1.25 kg) and a collar clamp outside the big plates, nearer
# the camera over the face's middle: the face and its rim are still the big plate's.
LOADED = (*CHANGE_PLATES, COLLAR_CLAMP)


@pytest.mark.parametrize("name,index,tol", [c for c in CASES if c[0] in ("deadlift", "deadlift_far_drops")])
def test_change_plates_and_a_clamp_outside_the_plate(name, index, tol):
    sc = replace(SCENARIOS[name], outer_plates=LOADED)
    f = next(f for f in render_frames(sc, 0, only={index}) if f.index == index)
    _check_from_scratch(sc, f, tol)


def _check_from_scratch(sc, f, tol):
    d = sc.plate_diameter_m or 0.45
    fit = PlateDetector(d).detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
    assert fit is not None
    truth = np.array(f.truth["plate"])
    assert np.linalg.norm(fit.center - truth) <= tol
    if not fit.radius_fixed:
        assert abs(fit.diameter_m - d) <= 0.05 * d
    # The face normal is the bar axis (world Z), seen in camera coordinates; it points toward the camera.
    bar_axis = np.array(f.truth["plate"]) - np.array(f.truth["bar"])
    bar_axis /= np.linalg.norm(bar_axis)
    assert fit.normal @ bar_axis > np.cos(np.radians(8))
    assert fit.cov.shape == (3, 3) and np.all(np.linalg.eigvalsh(fit.cov) > 0)
    assert 0.0 < fit.quality <= 1.0


def test_tracking_is_steady_frame_to_frame():
    """Consecutive frames of a pause (bar still on the floor): jitter well under a few mm."""
    sc = SCENARIOS["deadlift"]
    idx = set(range(270, 300))
    det = PlateDetector(0.45)
    errs = []
    for f in render_frames(sc, 0, only=idx):
        if f.index in idx and f.depth is not None:
            fit = det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
            assert fit is not None
            errs.append(fit.center - np.array(f.truth["plate"]))
    errs = np.array(errs)
    assert np.linalg.norm(errs.mean(axis=0)) < 0.005
    assert np.all(errs.std(axis=0) < 0.003)
    assert det.n_acquisitions == 1  # acquired once, then tracked in its window


def _empty_scene(rack: bool, clutter, seed: int = 3):
    sc = SCENARIOS["deadlift_walkin"]  # no lifter, no bar: floor, wall, optional rack uprights and clutter
    static = build_static_scene(camera_side_of(sc.camera.facing), wall=True, rack=rack, clutter=clutter)
    depth_m, labels = DepthRenderer(sc.camera, sc.intrinsics, static).render([])
    noisy = add_d400_noise(depth_m, sc.intrinsics, sc.baseline_m, np.random.default_rng(seed), labels=labels)
    return sc, noisy.astype(np.float32) * 0.001


@pytest.mark.parametrize("clutter", [False, "both"])
def test_no_plate_in_an_empty_scene(clutter):
    sc, d = _empty_scene(rack=False, clutter=clutter)
    assert PlateDetector(0.45).detect(d, sc.intrinsics, 0.0) is None
    assert PlateDetector(0.45).detect(np.zeros_like(d), sc.intrinsics, 0.0) is None


@pytest.mark.xfail(reason="known failure: a patch of wall/floor beside a rack upright at 4 m passes as a "
                          "half-visible plate (σz ≈ 6 cm there); see the vision report", strict=False)
def test_no_plate_beside_rack_uprights():
    sc, d = _empty_scene(rack=True, clutter="both")
    assert PlateDetector(0.45).detect(d, sc.intrinsics, 0.0) is None


def test_candidates_prefer_the_plate():
    sc, f = _frame("deadlift_walkin", 0)  # lifter not yet in view; rack uprights beside the bar
    cands = find_plate_candidates(f.depth.astype(np.float32) * 0.001, sc.intrinsics, 0.45)
    truth_px = sc.intrinsics.project(np.array(f.truth["plate"]))
    assert any(np.hypot(*(c.pixel - truth_px)) < 0.5 * c.radius_px for c in cands)


@pytest.mark.parametrize("clutter", [False, "both"])
def test_no_plate_of_any_size_in_an_empty_scene(clutter):
    """Size discovery (one other size per call) must not turn clutter into a plate either."""
    sc, d = _empty_scene(rack=False, clutter=clutter)
    det = PlateDetector(0.45)
    assert all(det.detect(d, sc.intrinsics, 0.033 * i) is None for i in range(2 * len(det._other_sizes) + 2))


def test_small_plate_found_with_the_default_diameter():
    """30 cm plates, near (1.6 m), pitched 20° and yawed: the detector is told the 0.45 m default. It finds the
    plate by trying smaller sizes, measures its diameter and tracks the centre (the old detector never locked)."""
    sc = SCENARIOS["deadlift_near"]
    idx = set(range(296, 316, 2))  # mid-pull: the whole plate in view
    det = PlateDetector(0.45)
    errs, first = [], None
    for k, f in enumerate(f for f in render_frames(sc, 0, only=idx) if f.index in idx and f.depth is not None):
        fit = det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
        if fit is None:
            continue
        first = k if first is None else first
        errs.append(np.linalg.norm(fit.center - np.array(f.truth["plate"])))
    assert first is not None and first <= 3  # nominal, then one smaller size per call
    assert abs(det.learnt_diameter - 0.30) < 0.015
    assert len(errs) >= 7 and max(errs[2:]) < 0.01


def test_far_plate_covariance_is_honest():
    """424x240 at 3.5 m: the reported covariance must cover the actual centre errors (mean NEES near 3), or the
    tracker's gate rejects good measurements and coasts. It was ~16 (rim errors taken as independent)."""
    sc = SCENARIOS["deadlift_far_drops"]
    idx = set(range(440, 500))  # on the floor, then the pull
    det = PlateDetector(0.45)
    errs, covs = [], []
    for f in render_frames(sc, 0, only=idx):
        if f.index in idx and f.depth is not None:
            fit = det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
            if fit is not None:
                errs.append(fit.center - np.array(f.truth["plate"]))
                covs.append(fit.cov)
    e = np.array(errs)
    assert len(e) >= 50
    e -= e.mean(axis=0)  # a constant offset is harmless (removed by the benchmark, not a tracking error)
    nees = np.array([x @ np.linalg.solve(c, x) for x, c in zip(e, covs)])
    assert nees.mean() < 6.0
    assert np.mean(nees > 16.27) < 0.05  # the tracker's 99.9 % gate


def test_plate_partly_below_the_image_has_an_honest_covariance():
    """deadlift_near (pitch 20°, 30 cm plates): the plate rising from below the image's bottom edge. Too little of
    the face's rim is in view, so the stack side's silhouette stays in the fit and the centre reads ~8 cm high.
    Such a fit must say so in its covariance (it seeded the bar's track with 3 mm σ: MCV 0.17 m/s vs 0.64)."""
    sc = SCENARIOS["deadlift_near"]
    idx = set(range(493, 497))
    det = PlateDetector(sc.plate_diameter_m)
    nees = []
    for f in render_frames(sc, 0, only=idx):
        if f.index in idx and f.depth is not None:
            fit = det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
            if fit is not None:
                e = fit.center - np.array(f.truth["plate"])
                nees.append(float(e @ np.linalg.solve(fit.cov, e)))
    assert nees  # the biased fits this guards against are made
    assert max(nees) < 16.27  # inside the tracker's 99.9 % gate: the error is within the stated uncertainty


def test_edge_gap_is_told_from_a_circle_off_centre():
    """Rim points seen against invalid pixels 5 mm inside the others, every third point, the circle they are measured
    against 4 mm off: the gap is 5 mm, not the offset. With one kind only there is nothing to compare."""
    th = np.linspace(0, 2 * np.pi, 90, endpoint=False)
    inv = np.arange(90) % 3 == 0
    r = np.where(inv, 0.220, 0.225)
    xy = np.column_stack([0.004 + r * np.cos(th), -0.002 + r * np.sin(th)])
    ones = np.ones(90)
    assert _edge_gap(xy, np.zeros(2), 0.225, ones, np.ones(90, bool), inv) == pytest.approx(0.005, abs=3e-4)
    assert np.isnan(_edge_gap(xy, np.zeros(2), 0.225, ones, ~inv, inv))


def test_the_free_radius_circle_fit_measures_a_known_circle():
    """The free-radius circle fit (its 3x3 solve by Cramer's rule, not np.linalg.solve) on a known circle."""
    rng = np.random.default_rng(3)
    th = rng.uniform(0.0, 1.5 * np.pi, 120)  # a 270 deg arc
    xy = np.column_stack([0.03 + 0.2 * np.cos(th), -0.01 + 0.2 * np.sin(th)]) + rng.normal(0.0, 0.001, (120, 2))
    c, r, _ = _fit_circle(xy, 0.225, fix_radius=False, init=np.zeros(2), scale=0.002)
    assert np.hypot(*(c - [0.03, -0.01])) < 0.001 and abs(r - 0.2) < 0.001


def test_the_edge_band_is_learnt_and_the_diameter_with_it():
    """A depth camera invalidates pixels at depth edges, the face's side too: the rim found there lies inside the
    true one. The detector learns the band from the rim against measured background and the diameter comes out
    right (it was learnt 0.431 m for 0.45 at 3.5 m, 424x240, and the centre read 1 cm low on the floor)."""
    sc = SCENARIOS["deadlift_far_drops"]
    idx = set(range(440, 680))  # on the floor, two pulls
    det = PlateDetector(0.45)
    for f in render_frames(sc, 0, only=idx):
        if f.index in idx and f.depth is not None:
            det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
    assert 0.5 < det.edge_px < 2.0
    assert abs(det.learnt_diameter - 0.45) < 0.004  # 0.448 (0.431 before)


def test_the_far_plate_is_not_taken_for_the_near_one_lost_for_a_moment():
    # The near plate hidden for a few frames (here: its pixels blanked) while the bar's far plate stays in view: a
    # fresh search finds the far one, but a detector that followed the near plate until moments ago does not jump
    # 1.4 m along the bar to it (the track would restart there and back). (Walk-in: nobody at the bar yet.)
    sc, f = _frame("deadlift_walkin", 0)
    depth = f.depth.astype(np.float32) * 0.001
    det = PlateDetector(0.45)
    near = det.detect(depth, sc.intrinsics, f.t)
    assert near is not None and np.linalg.norm(near.center - np.array(f.truth["plate"])) < 0.01
    hidden = depth.copy()
    hidden[(f.labels == LABELS["plate"]) & (depth < near.center[2] + 0.5)] = 0.0
    far = PlateDetector(0.45).detect(hidden, sc.intrinsics, f.t)
    assert far is not None and far.center @ near.normal < near.center @ near.normal - 1.0  # the far plate: findable
    assert det.detect(hidden, sc.intrinsics, f.t + 0.1) is None
    assert det.detect(depth, sc.intrinsics, f.t + 0.2) is not None  # the near one back: found again
    # ... but seconds later, with the near plate gone, the far plate is the bar's plate in view
    assert det.detect(hidden, sc.intrinsics, f.t + 4.0) is not None


def test_nothing_beyond_the_plates_reach_is_taken_for_it_moments_after():
    # The plate followed, then hidden; a search finds a plate-like disc half a metre aside (a bystander's trunk found
    # this way made a ghost rep): out of the plate's reach 0.1 s later, so not taken for it; a second later the plate
    # may have gone anywhere, so it is.
    sc, f = _frame("deadlift_walkin", 0)
    depth = f.depth.astype(np.float32) * 0.001
    det = PlateDetector(0.45)
    near = det.detect(depth, sc.intrinsics, f.t)
    assert near is not None and not det.jumped
    aside = replace(near, center=near.center + np.array([0.5, 0.0, 0.0]))
    det._acquire = lambda *a, **k: aside  # what the search finds in the frames below
    hidden = np.zeros_like(depth)  # (nothing to follow: the search runs)
    assert det.detect(hidden, sc.intrinsics, f.t + 0.1) is None
    assert det.detect(hidden, sc.intrinsics, f.t + 1.2) is aside
    assert not det.jumped  # (within reach in 1.2 s)
    far_aside = replace(near, center=near.center + np.array([5.0, 0.0, 0.0]))
    det._acquire = lambda *a, **k: far_aside
    assert det.detect(hidden, sc.intrinsics, f.t + 2.4) is far_aside and det.jumped  # 4.5 m in 1.2 s: a jump


def _default_size_errors(sc, seed: int, idx: set[int], t_from: float = 0.0) -> tuple[list[float], PlateDetector]:
    """A detector told the 0.45 m default, run on frames idx of the scene: its fits' centre errors (m) from t_from
    on, and the detector."""
    det = PlateDetector(0.45)
    errs = []
    for f in render_frames(sc, seed, only=idx):
        if f.index in idx and f.depth is not None:
            fit = det.detect(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t)
            if fit is not None and f.t >= t_from:
                errs.append(float(np.linalg.norm(fit.center - np.array(f.truth["plate"]))))
    return errs, det


def _measured(sc, seed: int, idx: set[int]):
    """A FrameMeasurer told the 0.45 m default, run on frames idx of the scene: yields each frame, its measurement and
    the measurer (its state as of that frame)."""
    fm = FrameMeasurer(0.45, sc.baseline_m)
    for f in render_frames(sc, seed, only=idx):
        if f.index in idx and f.depth is not None:
            yield f, fm.measure(f.depth.astype(np.float32) * 0.001, sc.intrinsics, f.t), fm


@pytest.mark.parametrize("diameter", [0.40, 0.45])
def test_the_default_size_is_measured_at_rest(diameter):
    """The detector is told the 0.45 m default. A 40 cm plate resting on the floor is within the search's tolerance of
    it, and was tracked with the 45 cm radius (centre 2.5-5 cm off) until the track was lost: the rim arc at rest is
    too short for the diameter to be learnt. Measured on the first tracked frames (free radius), it replaces the
    nominal within half a second; a 45 cm plate keeps it."""
    sc = replace(SCENARIOS["deadlift"], plate_diameter_m=diameter, width=640, height=480, lifter_height_m=1.82,
                 camera=CameraPose(distance=3.14, height=1.08, pitch=9.7, yaw=-18.1))
    idx = set(range(0, 90, 3))  # 1 s at rest, before the lifter pulls
    errs, det = _default_size_errors(sc, 0, idx, t_from=0.6)
    assert abs(det.learnt_diameter - diameter) < 0.015
    assert len(errs) >= 8 and np.median(errs) < 0.01  # (the 45 cm radius on a 40 cm plate: 3-6 cm)


def test_a_confirmed_size_is_not_replaced_by_a_partly_hidden_plate():
    """45 cm plates, the detector told 0.45 m: the size checks at rest confirm it within 0.8 s. Then the lifter's
    legs hide part of the resting plate at the set-up and a re-acquisition fits the rest of it with a free radius,
    0.409 m: that was taken for a guess at the unmeasured size and became the radius tracked (1.8 cm off for 3 s, the
    first pull's speed up to 0.35 m/s off; a bench_sweep scene, seed 777). Confirmed, the size is measured."""
    sc = Scenario(name="sweep83903", lift="deadlift_vloss", model="D455", width=640, height=480, fps=90,
                  camera=CameraPose(distance=2.47, height=1.01, yaw=14.9, pitch=3.8, roll=-1.8, facing="right"),
                  drop_fraction=0.05, lifter_height_m=1.72, plate_diameter_m=0.45)
    idx = set(range(0, int(1.7 * sc.fps)))
    errs, sizes = [], []
    for f, m, fm in _measured(sc, 83903, idx):
        if m.plate_fit is not None and f.t >= 0.8:
            errs.append(float(np.linalg.norm(m.plate_fit.center - np.array(f.truth["plate"]))))
            sizes.append(fm.plate.learnt_diameter)
    assert len(errs) >= 60 and max(errs) < 0.012  # (the 0.409 m radius: up to 2 cm)
    assert min(sizes) > 0.44


# A noisy D415 scene (a bench_sweep scene, seed 4711): the rack, clutter and a wall 2 m behind the lifter.
SWEEP13822N = Scenario(name="sweep13822n", lift="deadlift_faults", model="D415", width=848, height=480, fps=90,
                       camera=CameraPose(distance=2.98, height=1.24, yaw=11.9, pitch=12.0, roll=0.8, facing="right"),
                       rack=True, clutter="both", drop_fraction=0.05, subpixel=0.146, lifter_height_m=1.79,
                       plate_diameter_m=0.45)


def test_background_clutter_does_not_crowd_the_near_plate_out_of_the_search():
    """At the first frame four candidates at 3.8-6 m (the bar's far plate, blobs on the wall) outscored the resting
    near plate (0.80 against 0.82-0.96) and took the four places of the search: the far plate was followed for 0.3 s
    (1.4 m off), then, found again, the near plate was placed on the far plate's learnt plane for 0.3 s more (1.5 m
    off). Candidates nearer than all of the best are searched too: the near plate from the first frame."""
    sc = SWEEP13822N
    idx = set(range(0, 32))  # the first 0.35 s
    errs = [float(np.linalg.norm(m.plate - np.array(f.truth["plate"])))
            for f, m, _ in _measured(sc, 13822, idx) if m.plate is not None]
    assert len(errs) >= 25 and max(errs) < 0.03


def test_the_bars_other_plate_found_is_a_jump():
    """The far plate followed, lost, and the near plate found a bar's length nearer along the axis within the plate's
    reach: that is another plate (PlateDetector.jumped), so that what was learnt of the last one (the bar's plane,
    the body's place) is dropped."""
    sc = SWEEP13822N
    f = next(f for f in render_frames(sc, 13822, only={0}) if f.index == 0)
    depth = f.depth.astype(np.float32) * 0.001
    det = PlateDetector(0.45)
    near = det.detect(depth, sc.intrinsics, 0.0)
    assert near is not None and np.linalg.norm(near.center - np.array(f.truth["plate"])) < 0.02
    assert not det.jumped
    det.reset()  # lost ...
    det._near = (near.center - 1.35 * near.normal, near.normal, 0.0)  # ... following the far plate, 0.6 s ago
    again = det.detect(depth, sc.intrinsics, 0.6)
    assert again is not None and np.linalg.norm(again.center - near.center) < 0.01
    assert det.jumped  # (1.35 m in 0.6 s is within the plate's reach: not beyond_reach)


def test_the_far_plate_is_not_taken_while_the_near_one_rests_unacquired():
    """Yawed 18 deg, 40 cm plates, the detector told 0.45 m: at the first frame the near plate, resting on the floor,
    is too short an arc for a good fit, and the search for smaller sizes found the bar's far plate, fully in view
    (1.4 m off); its diameter then set the size. A plate-like disc a bar's length nearer the camera vetoes it: the
    near plate is acquired (its fixed 0.45 m fit failing, with the radius free), and its own diameter measured."""
    sc = replace(SCENARIOS["deadlift"], plate_diameter_m=0.40, width=640, height=480,
                 camera=CameraPose(distance=3.1, height=1.1, pitch=10.0, yaw=-18.0))
    idx = set(range(0, 90, 3))
    errs, det = _default_size_errors(sc, 0, idx)
    assert len(errs) >= 20 and max(errs) < 0.1  # never the far plate
    assert abs(det.learnt_diameter - 0.40) < 0.015 and errs[-1] < 0.01
    # From the first frame the near plate is fitted with the radius its acquisition measured (0.406), not the
    # nominal 0.45 (2.6-5.9 cm off until the size check had decided, 0.6 s in).
    assert max(errs) < 0.02


def test_a_smaller_plate_that_passes_the_nominal_fit_is_fitted_with_its_own_size():
    """424x240, 40 cm plates resting on the floor, the detector told 0.45 m: the fixed 45 cm circle passed the
    acquisition (quality 0.35), so the size was never measured and the plate was tracked 4-5 cm off until it was
    lost. While the size is only the default the radius is fitted free too, and the better fit of a measurably
    different size is taken: within 2 cm at 6 mm per pixel (median 8 mm; the old median was 4.5 cm)."""
    sc = replace(SCENARIOS["deadlift_walkin"], plate_diameter_m=0.40, width=424, height=240, fps=90,
                 lifter_height_m=1.58, clutter="both", bystander=True,
                 camera=CameraPose(distance=2.62, height=1.25, pitch=11.9, yaw=-20.2, roll=1.8, facing="right"))
    idx = set(range(0, 36, 2))  # the first 0.4 s, at rest (a bench_sweep scene, seed 23)
    errs, det = _default_size_errors(sc, 75103, idx)
    assert len(errs) >= 15 and np.median(errs) < 0.012 and max(errs) < 0.025
    assert abs(det.learnt_diameter - 0.40) < 0.015


def test_dropout_holes_inside_the_rim_do_not_pull_it_in():
    """Invalid blobs in the face a few pixels inside the rim (black plates, speckle): a face pixel beside such a
    hole is not on the plate's edge (the face goes on beyond it). Taken as rim, 30 holes along the top arc moved
    the centre 1.2 mm down on a clean disc (and far more with noise: 424x240 frame-to-frame vertical noise 6.0 ->
    5.0 mm on deadlift_far_drops)."""
    intr = Intrinsics(848, 480, 425.0, 425.0, 424.0, 240.0)
    z0, cu, cv = 2.2, 424.0, 250.0
    rpx = intr.fx * 0.225 / z0
    v, u = np.mgrid[0:480, 0:848].astype(float)
    clean = np.full((480, 848), 4.0, np.float32)
    clean[(u - cu) ** 2 + (v - cv) ** 2 <= rpx ** 2] = z0
    truth = np.array([(cu - intr.ppx) / intr.fx * z0, (cv - intr.ppy) / intr.fy * z0, z0])
    rng = np.random.default_rng(1)
    errs = []
    for _ in range(5):
        img = clean.copy()
        for a in rng.uniform(1.1 * np.pi, 1.9 * np.pi, 30):  # 3x3 holes 2.5-4 px inside the upper rim
            rr = rpx - rng.uniform(2.5, 4.0)
            hu, hv = int(round(cu + rr * np.cos(a))), int(round(cv + rr * np.sin(a)))
            img[hv - 1:hv + 2, hu - 1:hu + 2] = 0.0
        fit = PlateDetector(0.45).detect(img, intr, 0.0)
        assert fit is not None
        errs.append(fit.center - truth)
    assert np.abs(np.mean(errs, axis=0)).max() < 0.0005


def test_disc_in_image_fraction_shortcut_agrees_with_sampling():
    """The shortcut (a bound says the whole disc is in view: 1) gives what sampling the disc gives, for discs wholly
    in view, near an edge and partly out of it."""
    from barpath.vision.plate import _DISC_COS, _DISC_SIN, _disc_in_image_fraction, _plane_basis

    intr = Intrinsics(848, 480, 425.0, 425.0, 424.0, 240.0)
    rng = np.random.default_rng(3)
    shortcuts = 0
    for _ in range(400):
        z = rng.uniform(1.5, 3.5)  # centres over the whole view and past its edges
        c = np.array([rng.uniform(-1.1, 1.1) * z, rng.uniform(-0.65, 0.65) * z, z])
        n = np.array([rng.uniform(-0.5, 0.5), rng.uniform(-0.2, 0.2), -1.0])
        n /= np.linalg.norm(n)
        r = rng.uniform(0.12, 0.23)
        e1, e2 = _plane_basis(n)
        uv = intr.project(c + r * _DISC_COS[:, None] * e1 + r * _DISC_SIN[:, None] * e2)
        ok = (uv[:, 0] >= 0) & (uv[:, 0] < 848) & (uv[:, 1] >= 0) & (uv[:, 1] < 480)
        sampled = float(max(ok.mean(), 0.05))
        got = _disc_in_image_fraction(intr, c, n, r, e1, e2, 848, 480)
        assert got == sampled
        shortcuts += sampled == 1.0
    assert 50 < shortcuts < 350  # both kinds of disc were drawn
