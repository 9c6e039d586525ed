"""Test inputs for the analysis core: the synthetic motion sampled like the tracking stage's output.

make_case(preset_name, seed, fps, ...) samples barpath.synth.motion at `fps` with timestamp jitter, drops
frames (some removed -> gaps in t, some kept as NaN), converts to a tilted camera frame, and adds correlated
noise (AR(1)-filtered white noise): bar position ~2.5 mm RMS per axis, bar velocity ~0.012 m/s RMS (as an RTS
smoother's output), joints ~1 cm RMS, plus NaN stretches where the hip / knee are occluded.
Returns a Case with the analysis inputs (camera coordinates), the LiftFrame and the truth (rep_truth).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.analysis.liftframe import LiftFrame, estimate_forward
from barpath.synth.camera import CameraPose
from barpath.synth.motion import SetMotion, preset
from barpath.synth.truth import rep_truth


@dataclass
class Case:
    name: str
    t: np.ndarray
    bar: np.ndarray
    bar_vel: np.ndarray
    joints: dict
    frame: LiftFrame
    truth: list
    lift: str

    def inputs(self) -> dict:
        return dict(t=self.t, bar=self.bar, bar_vel=self.bar_vel, frame=self.frame, **self.joints)


def _ar1(rng, t, rms, tau, dim=3):
    """AR(1) noise on irregular t with time constant tau, stationary RMS `rms` per axis."""
    out = np.zeros((len(t), dim))
    x = rng.normal(0, rms, dim)
    prev = t[0]
    for i, ti in enumerate(t):
        a = np.exp(-(ti - prev) / tau)
        x = a * x + np.sqrt(1 - a * a) * rng.normal(0, rms, dim)
        out[i] = x
        prev = ti
    return out


def make_case(name: str, seed: int = 0, fps: float = 60.0, pose: CameraPose | None = None, *,
              bar_noise: float = 0.0025, vel_noise: float = 0.012, joint_noise: float = 0.01,
              drop: float = 0.05, occlusions: int = 3, vel_tau: float = 0.06, pos_tau: float = 0.04) -> Case:
    rng = np.random.default_rng(1000 + seed)
    motion = SetMotion(preset(name), seed)
    pose = pose or CameraPose(distance=2.4, height=0.8, yaw=8.0, pitch=12.0, roll=-4.0, facing="right")
    near = "left" if pose.facing == "right" else "right"
    truth = rep_truth(motion, near)
    dt = 1.0 / fps
    t = np.arange(0.0, motion.duration_s, dt) + rng.uniform(-0.1, 0.1, int(np.ceil(motion.duration_s / dt))) * dt
    t = np.sort(np.clip(t, 0.0, motion.duration_s))
    keep = rng.random(len(t)) > 0.6 * drop  # removed frames: gaps in t
    keep[0] = True
    t = t[keep]  # motion time (first frame ~0), as the tracker's t
    s = motion.sample(t)
    e = 1e-3
    sp, sm = motion.sample(t + e), motion.sample(t - e)
    bar_key = "plate_left" if near == "left" else "plate_right"
    r, _ = pose.world_from_camera()
    bar = pose.to_camera(s[bar_key]) + _ar1(rng, t, bar_noise, pos_tau)
    vel_w = (sp[bar_key] - sm[bar_key]) / (2 * e)
    vel = vel_w @ r + _ar1(rng, t, vel_noise, vel_tau)
    joints = {}
    for j in ("hip", "knee", "ankle", "shoulder"):
        joints[j] = pose.to_camera(s[f"{near}_{j}"]) + _ar1(rng, t, joint_noise, pos_tau)
    nan = rng.random(len(t)) < 0.4 * drop  # frames delivered without a usable bar / joint estimate
    bar[nan] = np.nan
    vel[nan] = np.nan
    for j in joints:
        joints[j][nan] = np.nan
    for _ in range(occlusions):
        t0 = rng.uniform(0, motion.duration_s)
        occ = (t >= t0) & (t < t0 + rng.uniform(0.2, 0.6))
        for j in ("hip", "knee") if rng.random() < 0.5 else ("hip",):
            joints[j][occ] = np.nan
    up = r.T @ np.array([0.0, 1.0, 0.0])
    axis = r.T @ np.array([0.0, 0.0, 1.0])
    fwd = estimate_forward(axis, up, bar, joints["hip"])
    frame = LiftFrame(up=up, forward=fwd, origin=pose.to_camera(np.zeros(3)), source="calibration")
    return Case(name, t, bar, vel, joints, frame, truth, motion.spec.lift)


# ----------------------------------------------------------------------------------------------- scoring
PHASE_KEYS = ("concentric_start", "concentric_end", "eccentric_start", "eccentric_end")


def _err(a, b):
    return None if a is None or b is None else a - b


def score(reps: list, truth: list) -> dict:
    """Errors of detected reps vs truth (matched by order; only meaningful when the counts agree)."""
    out = {"n": len(reps), "n_true": len(truth), "phase": [], "mcv": [], "rom": [], "hip": [], "knee": [],
           "gap": [], "mpv": [], "pv": [], "flags_ok": 0, "flags_n": 0, "partial_ok": 0, "none": 0}
    for a, b in zip(reps, truth):
        out["phase"] += [abs(_err(a[k], b[k])) for k in PHASE_KEYS if _err(a[k], b[k]) is not None]
        for key, name in (("mean_concentric_velocity", "mcv"), ("range_of_motion", "rom"),
                          ("hip_back_travel", "hip"), ("knee_forward_travel", "knee"), ("max_bar_to_body", "gap"),
                          ("mean_propulsive_velocity", "mpv"), ("peak_concentric_velocity", "pv")):
            e = _err(a[key], b[key])
            if e is None:
                out["none"] += 1
            else:
                out[name].append(e)
        for key in ("hips_first",):
            if a[key] is not None:
                out["flags_n"] += 1
                out["flags_ok"] += a[key] == b[key]
        out["flags_n"] += 1
        out["flags_ok"] += sorted(f for f in a["faults"] if f in ("bar_away_from_body", "knees_first")) == sorted(b["faults"])
        out["partial_ok"] += a["partial"] == b["partial"]
    return out


_CACHE: dict = {}


def analysed(name: str, seed: int = 0, fps: float = 60.0):
    """(case, analyze_set result), cached per process."""
    from barpath.analysis import analyze_set

    key = (name, seed, fps)
    if key not in _CACHE:
        c = make_case(name, seed, fps)
        _CACHE[key] = (c, analyze_set(**c.inputs()))
    return _CACHE[key]


# preset -> fps used by the accuracy tests (every preset once, all three rates covered)
TEST_FPS = {"deadlift_5": 30, "deadlift_walkin": 60, "deadlift_tng": 90, "deadlift_heavy": 30, "deadlift_fast": 60,
            "deadlift_vloss": 90, "deadlift_faults": 30, "rdl_8": 60, "rdl_pickup": 90, "deadlift_partial": 30}
