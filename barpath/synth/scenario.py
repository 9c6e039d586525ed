"""Named synthetic recordings: a lift (motion preset) seen by a camera in a scene, rendered frame by frame.

`render_frames` is pure numpy (no SDK): it yields the noisy uint16 depth of every frame slot plus the exact
truth, so vision code and tests can use it in memory; `barpath.synth.record` writes the same frames to a .db3.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import asdict, dataclass, field, replace

import numpy as np

from barpath.sources.frame import Intrinsics
from barpath.synth.camera import CAMERA_MODELS, CameraPose, d4xx_intrinsics
from barpath.synth.lifter import LifterSpec, body_primitives
from barpath.synth.motion import SetMotion, preset
from barpath.synth.noise import add_d400_noise
from barpath.synth.render import LABELS, DepthRenderer
from barpath.synth.scene import build_static_scene, camera_side_of
from barpath.synth.truth import motion_truth

TRUTH_POINTS = ("bar", "plate", "hip", "knee", "ankle", "shoulder")
FIRST_TIMESTAMP_MS = 81234.5  # an arbitrary device clock origin: nothing may assume timestamps start at 0


@dataclass(frozen=True)
class Scenario:
    """One synthetic recording: what is lifted, how the camera sees it, and what the depth looks like."""

    name: str
    lift: str  # a motion preset name (barpath.synth.motion.PRESETS)
    camera: CameraPose = field(default_factory=CameraPose)
    model: str = "D435"
    width: int = 848
    height: int = 480
    fps: int = 90
    wall: bool = True
    wall_distance: float = 2.0  # behind the lifter's sagittal plane
    rack: bool = False
    clutter: bool | str = False
    bystander: bool = False  # a second person walking in behind the lifter
    drop_fraction: float = 0.0  # frames the camera fails to deliver (frame-number gaps)
    dropout_fraction: float = 0.005  # random invalid-pixel blobs
    plate_dropout: float = 0.0  # extra invalid pixels on the plates (black iron plates)
    subpixel: float = 0.08  # disparity RMS error (px) of the depth noise: ~0.08 a D400 indoors, more in sunlight or
    # on dark, shiny surfaces (synth.noise)
    lifter_height_m: float | None = None
    lifter_build: float | None = None  # LifterSpec.build: the limbs' girth (1.0 average, 1.2 heavy, 0.85 slim)
    lifter_stance_m: float | None = None  # ankle centre to ankle centre (0.32 default); the grip stays outside the shins
    plate_diameter_m: float | None = None
    outer_plates: tuple[tuple[float, float], ...] | None = None  # BarbellSpec.outer: change plates and a clamp
    description: str = ""

    @property
    def near_side(self) -> str:
        # The camera on the lifter's left (+Z) sees the lifter face right (camera.py).
        return "left" if self.camera.facing == "right" else "right"

    @property
    def intrinsics(self) -> Intrinsics:
        return d4xx_intrinsics(self.model, self.width, self.height)

    @property
    def baseline_m(self) -> float:
        return CAMERA_MODELS[self.model]["baseline_m"]

    def motion(self, seed: int) -> SetMotion:
        spec = preset(self.lift)
        if self.lifter_height_m is not None:
            spec = replace(spec, lifter=replace(spec.lifter, height_m=self.lifter_height_m))
        if self.lifter_build is not None:
            spec = replace(spec, lifter=replace(spec.lifter, build=self.lifter_build))
        if self.lifter_stance_m is not None:
            grip = max(spec.lifter.grip_half_width_m, self.lifter_stance_m / 2.0 + 0.05)
            spec = replace(spec, lifter=replace(spec.lifter, stance_width_m=self.lifter_stance_m, grip_half_width_m=grip))
        if self.plate_diameter_m is not None:
            spec = replace(spec, barbell=replace(spec.barbell, plate_diameter=self.plate_diameter_m))
        if self.outer_plates is not None:
            spec = replace(spec, barbell=replace(spec.barbell, outer=tuple(self.outer_plates)))
        return SetMotion(spec, seed)


def _s(name: str, lift: str, description: str, **kw) -> Scenario:
    return Scenario(name=name, lift=lift, description=description, **kw)


SCENARIOS: dict[str, Scenario] = {s.name: s for s in [
    _s("deadlift", "deadlift_5", "5 hips-first deadlifts, D435 848x480@90, 2.5 m, level camera (the demo)"),
    _s("deadlift_walkin", "deadlift_walkin", "lifter walks into view, paused reps; rack uprights, 60 fps",
       fps=60, rack=True, camera=CameraPose(distance=2.8, height=1.0)),
    _s("deadlift_tng", "deadlift_tng", "touch-and-go reps, lifter faces left, 1280x720@30",
       width=1280, height=720, fps=30, camera=CameraPose(distance=2.2, height=0.8, facing="left")),
    _s("deadlift_heavy", "deadlift_heavy", "heavy slow singles (MCV 0.16-0.22), D455 at 3.2 m, clutter",
       model="D455", clutter="both", camera=CameraPose(distance=3.2, height=1.1, pitch=5.0)),
    _s("deadlift_fast", "deadlift_fast", "light fast pulls (~0.9 m/s), 90 fps, 2 m",
       camera=CameraPose(distance=2.0, height=0.8, pitch=8.0)),
    _s("deadlift_vloss", "deadlift_vloss", "8 reps, velocity loss past 25 %, 60 fps, camera yawed 15 deg",
       fps=60, camera=CameraPose(distance=2.6, height=0.9, yaw=15.0, x=-0.3)),
    _s("deadlift_faults", "deadlift_faults", "hips-first, knees-first and bar-drift reps, pitched 15 deg down",
       camera=CameraPose(distance=2.4, height=1.3, pitch=15.0)),
    _s("deadlift_wide", "deadlift_faults", "another body: a tall, heavy lifter (1.88 m, build 1.2) with a wide stance "
       "(0.5 m ankle to ankle); hips-first, knees-first and bar-drift reps, camera yawed 10 deg",
       lifter_height_m=1.88, lifter_build=1.2, lifter_stance_m=0.5,
       camera=CameraPose(distance=2.6, height=1.0, yaw=10.0)),
    _s("rdl", "rdl_8", "8 Romanian deadlifts from standing, yaw -25 deg, roll 3 deg, faces left",
       camera=CameraPose(distance=2.5, height=0.9, yaw=-25.0, roll=3.0, facing="left")),
    _s("rdl_pickup", "rdl_pickup", "RDLs with floor pick-up and put-down; a second person walks in behind",
       bystander=True, wall_distance=3.5, camera=CameraPose(distance=2.6, height=1.0)),
    _s("deadlift_partial", "deadlift_partial", "one rep cut short (partial), black plates (depth dropouts)",
       plate_dropout=0.08, camera=CameraPose(distance=2.5, height=0.9, pitch=-5.0)),
    _s("deadlift_drops", "deadlift_drops", "reps 1, 2 and 4 let go at the top: the bar falls and bounces on its bumper "
       "plates (not reps), the lifter sets up again", fps=60),
    _s("deadlift_far_drops", "deadlift_5", "far (3.5 m), 424x240@30, 5 % dropped frames, 2 % pixel dropouts",
       width=424, height=240, fps=30, drop_fraction=0.05, dropout_fraction=0.02,
       camera=CameraPose(distance=3.5, height=1.0)),
    _s("deadlift_near", "deadlift_5", "near (1.6 m), 1280x720@60, 30 cm plates, short lifter, pitch 20 deg",
       width=1280, height=720, fps=60, plate_diameter_m=0.30, lifter_height_m=1.62,
       camera=CameraPose(distance=1.6, height=1.2, pitch=20.0, yaw=-10.0)),
    _s("deadlift_close", "deadlift_5", "near (1.6 m to the lifter, the near plate 0.8-1.0 m) and framed: camera low "
       "(0.8 m), pitch 20 deg, 30 cm plates, short lifter; the plate in view from the floor to lockout, the trunk "
       "above the image at lockout", width=1280, height=720,
       fps=60, plate_diameter_m=0.30, lifter_height_m=1.62,
       camera=CameraPose(distance=1.6, height=0.8, pitch=20.0, yaw=-10.0)),
]}


@dataclass
class SynthFrame:
    """One frame slot of a synthetic recording (dropped slots carry truth but are not written)."""

    index: int
    frame_number: int
    timestamp_ms: float
    t: float  # seconds since the first frame
    dropped: bool
    depth: np.ndarray | None  # uint16 mm (None when dropped)
    labels: np.ndarray | None  # uint8 label image (render.LABELS)
    truth: dict[str, list[float]]  # camera-coordinate points, TRUTH_POINTS


def frame_times(scenario: Scenario, duration_s: float, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(device timestamps in ms, dropped flags) for every frame slot, with a little clock jitter."""
    rng = np.random.default_rng([seed, 1])
    n = int(np.floor(duration_s * scenario.fps)) + 1
    period = 1000.0 / scenario.fps
    ts = FIRST_TIMESTAMP_MS + np.arange(n) * period + rng.normal(0.0, 0.02, n).clip(-0.06, 0.06)
    ts[0] = FIRST_TIMESTAMP_MS
    dropped = rng.random(n) < scenario.drop_fraction
    dropped[0] = dropped[-1] = False  # keep the ends so the recording spans the whole set
    return ts, dropped


def lift_frame_truth(pose: CameraPose) -> dict[str, list[float]]:
    """The world's up and forward axes, and the floor point below the camera, in camera coordinates."""
    r, t = pose.world_from_camera()
    up = r.T @ np.array([0.0, 1.0, 0.0])
    forward = r.T @ np.array([1.0, 0.0, 0.0])
    return {"up": up.tolist(), "forward": forward.tolist(),
            "floor_below_camera": pose.to_camera(np.array([t[0], 0.0, t[2]])).tolist(),
            "camera_height_m": float(t[1])}


def _bystander_primitives(other: SetMotion, t: float, side: int) -> list:
    """A second person behind the lifter: walks in, then stands (time clamped to the end of the walk)."""
    st = other.state(min(t, 2.8))
    offset = np.array([1.0, 0.0, -side * 1.4])
    joints = {k: v + offset for k, v in st.joints.items()}
    return body_primitives(other.lifter, joints, "person2")


def render_frames(scenario: Scenario, seed: int = 0, motion: SetMotion | None = None,
                  only: set[int] | None = None) -> Iterator[SynthFrame]:
    """Every frame slot in order; `only` limits rendering to those slot indices (truth for all)."""
    motion = motion or scenario.motion(seed)
    pose = scenario.camera
    side = camera_side_of(pose.facing)
    intr = scenario.intrinsics
    static = build_static_scene(side, wall=scenario.wall, wall_distance=scenario.wall_distance,
                                rack=scenario.rack, clutter=scenario.clutter)
    renderer = DepthRenderer(pose, intr, static)
    rng = np.random.default_rng([seed, 2])
    other = SetMotion(preset("deadlift_walkin", lifter=LifterSpec(height_m=1.66, build=0.9)), seed + 1) \
        if scenario.bystander else None
    label_dropout = {LABELS["plate"]: scenario.plate_dropout} if scenario.plate_dropout > 0 else None
    ts, dropped = frame_times(scenario, motion.duration_s, seed)
    near = scenario.near_side
    for i, (stamp, drop) in enumerate(zip(ts, dropped)):
        t = (stamp - ts[0]) / 1000.0
        st = motion.state(t)
        world = {"bar": st.bar_center, "plate": st.plate_left if near == "left" else st.plate_right,
                 "hip": st.joint(near, "hip"), "knee": st.joint(near, "knee"),
                 "ankle": st.joint(near, "ankle"), "shoulder": st.joint(near, "shoulder")}
        truth = {k: pose.to_camera(v).tolist() for k, v in world.items()}
        depth = labels = None
        if not drop and (only is None or i in only):
            prims = motion.primitives(t)
            if other is not None:
                prims += _bystander_primitives(other, t, side)
            depth_m, labels = renderer.render(prims)
            depth = add_d400_noise(depth_m, intr, scenario.baseline_m, rng, subpixel=scenario.subpixel,
                                   dropout_fraction=scenario.dropout_fraction, labels=labels,
                                   label_dropout=label_dropout)
        yield SynthFrame(i, i + 1, float(stamp), float(t), bool(drop), depth, labels, truth)


def truth_header(scenario: Scenario, seed: int, motion: SetMotion) -> dict:
    """Everything in the truth document except the per-frame list."""
    mt = motion_truth(motion, scenario.near_side)
    return {
        "schema": "barpath.truth/1",
        "scenario": {**asdict(scenario), "camera": asdict(scenario.camera)},
        "seed": seed,
        "camera": {"model": scenario.model, "baseline_m": scenario.baseline_m,
                   "intrinsics": scenario.intrinsics.to_dict(), "pose": asdict(scenario.camera)},
        "lift_frame": lift_frame_truth(scenario.camera),
        "near_side": scenario.near_side,
        "first_timestamp_ms": FIRST_TIMESTAMP_MS,
        "duration_s": mt["duration_s"],
        "reps": mt["reps"],
        "set": mt["set"],
    }
