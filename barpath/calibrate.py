"""Camera calibration at the rack: where the camera stands relative to the platform.

From a few seconds of depth of the platform (empty, or the lifter standing holding the loaded bar):
- the floor plane (robust fit over several frames) gives "up" and the camera's height above the floor;
- gravity from an accelerometer reading, when one is given, gives "up" instead (the angle between the two is
  reported: a large one means a sloping floor or a bad fit);
- the near plate's face normal (median over frames) gives the bar axis, i.e. the lifter's sagittal plane;
- sanity checks a user sees: floor found, camera tilt, plate diameter measured from depth against the expected
  one (wrong plates or a wrong depth scale), distance within the camera's good range, lifter and plates fully in
  view, camera yaw against the bar.

Stored as `calibration/<serial>.json` (schema "barpath.calibration/1"). `lift_frame_for` finds the stored
calibration of a camera when it fits the stream's resolution; `check_fit` tells whether the floor seen now is
still where the calibration says (the camera was not moved); `lift_frame_from` turns a calibration into the
engine's `LiftFrame`.

Camera coordinates are RealSense's (x right, y down, z forward, metres). Core: numpy only (the vision modules it
calls use cv2); no pyrealsense2, no textual — `run_calibrate` imports the sources lazily.

Forward sign: a calibration knows the bar axis, hence forward up to its sign. The sign is stored when the lifter
was in view at calibration (bar in front of the hips); `lift_frame_from(calib, hint_forward_sign_vector=v)` lets a
caller override it from what it sees now (e.g. the median bar − hip vector of the first frames, as the automatic
lift frame does) — the lifter may face the other way in a later session.
"""

from __future__ import annotations

import json
import math
import os
import sys
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime, timezone

import numpy as np

from barpath.analysis.liftframe import LiftFrame
from barpath.errors import InputError
from barpath.sources.frame import DepthFrame, Intrinsics

SCHEMA = "barpath.calibration/1"
DEFAULT_FOLDER = "calibration"

# Stale-calibration thresholds (check_fit).
STALE_ANGLE_DEG = 2.0
STALE_HEIGHT_M = 0.03
# Plate diameter agreement (relative): ok / warn limits; beyond -> fail.
PLATE_OK_REL = 0.08
PLATE_WARN_REL = 0.15
ALT_PLATE_DIAMETERS_M = (0.30, 0.35, 0.40, 0.45, 0.50)
# Camera angles validated by the benchmark (beyond them: a warning with advice).
PITCH_OK_DEG = 20.0
ROLL_OK_DEG = 5.0
YAW_OK_DEG = 30.0
GRAVITY_FLOOR_WARN_DEG = 2.0
FLOOR_NEAR_WARN_M = 3.5  # floor only seen beyond this (horizontal distance): heights get unreliable


# ------------------------------------------------------------------------------------------------ helpers
def _unit(v) -> np.ndarray:
    v = np.asarray(v, float).reshape(3)
    n = float(np.linalg.norm(v))
    if not math.isfinite(n) or n < 1e-12:
        raise ValueError("zero or non-finite vector")
    return v / n


def _stored_unit(v) -> np.ndarray:
    """A stored unit vector: renormalised only when it is not unit already (keeps round trips exact)."""
    n = float(np.linalg.norm(v))
    if not math.isfinite(n) or n < 1e-12:
        raise ValueError("zero or non-finite vector")
    return v if abs(n - 1.0) < 1e-9 else v / n


def _angle_deg(a, b) -> float:
    return float(np.degrees(np.arccos(np.clip(float(_unit(a) @ _unit(b)), -1.0, 1.0))))


def _vec(d: dict, key: str, optional: bool = False) -> np.ndarray | None:
    v = d.get(key)
    if v is None and optional:
        return None
    a = np.asarray(v, float)
    if a.shape != (3,) or not np.all(np.isfinite(a)):
        raise ValueError(f"'{key}' is not a 3-vector")
    return a


def camera_angles(up, bar_axis=None) -> dict[str, float]:
    """Camera pitch (> 0: looking down), roll (> 0: as `CameraPose.roll`) and, with a bar axis, yaw (the angle
    between the optical axis and the bar, seen from above; 0 = looking squarely along the bar), degrees."""
    u = _unit(up)
    out = {"pitch_deg": float(np.degrees(np.arcsin(np.clip(-u[2], -1, 1)))),
           "roll_deg": float(np.degrees(np.arctan2(-u[0], -u[1])))}
    if bar_axis is not None:
        a = np.asarray(bar_axis, float)
        d = a - (a @ u) * u  # toward the camera, horizontal
        h = np.array([0.0, 0.0, 1.0]) - u[2] * u  # optical axis, horizontal
        if np.linalg.norm(d) > 1e-9 and np.linalg.norm(h) > 1e-9:
            d, h = -d / np.linalg.norm(d), h / np.linalg.norm(h)
            out["yaw_deg"] = float(np.degrees(np.arctan2(u @ np.cross(d, h), d @ h)))
    return out


# ------------------------------------------------------------------------------------------------ data
@dataclass
class Check:
    """One sanity check shown at calibration: status "ok" | "warn" | "fail", the measured figure, advice."""

    name: str
    status: str
    value: str
    advice: str = ""

    def to_dict(self) -> dict:
        return {"name": self.name, "status": self.status, "value": self.value, "advice": self.advice}

    @classmethod
    def from_dict(cls, d: dict) -> "Check":
        return cls(str(d["name"]), str(d["status"]), str(d.get("value", "")), str(d.get("advice", "")))


@dataclass
class Calibration:
    """Where the camera stands (camera coordinates). Points p on the floor: floor_normal · p + camera_height_m = 0.

    up: unit, against gravity (= floor_normal unless an accelerometer gave it); bar_axis: unit, horizontal, toward
    the camera (None when no loaded bar was seen); forward: unit, from the hips toward the bar (None when the sign
    is unknown); origin: the floor point below the bar at calibration (below the camera without a bar).
    methods: how each part was obtained; residuals: fit residuals and spreads.
    """

    camera: str
    serial: str
    intrinsics: Intrinsics
    up: np.ndarray
    floor_normal: np.ndarray
    camera_height_m: float
    origin: np.ndarray
    bar_axis: np.ndarray | None = None
    forward: np.ndarray | None = None
    depth_scale: float | None = None
    plate_diameter_m: float = 0.45  # expected
    measured_plate_diameter_m: float | None = None
    methods: dict[str, str] = field(default_factory=dict)
    residuals: dict[str, float] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)
    frames_used: int = 0
    created: str = field(default_factory=lambda: datetime.now(timezone.utc).isoformat(timespec="seconds"))
    schema: str = SCHEMA

    @property
    def width(self) -> int:
        return self.intrinsics.width

    @property
    def height(self) -> int:
        return self.intrinsics.height

    def angles(self) -> dict[str, float]:
        return camera_angles(self.up, self.bar_axis)

    def fits(self, intrinsics: Intrinsics) -> tuple[bool, str]:
        """Same stream resolution (and intrinsics within 2 %) as this calibration?"""
        if (intrinsics.width, intrinsics.height) != (self.width, self.height):
            return False, (f"it was made at {self.width}x{self.height}, this stream is "
                           f"{intrinsics.width}x{intrinsics.height}: run `barpath calibrate` at this resolution")
        if abs(intrinsics.fx / self.intrinsics.fx - 1.0) > 0.02 or abs(intrinsics.fy / self.intrinsics.fy - 1.0) > 0.02:
            return False, "the stream's intrinsics differ from the calibration's: run `barpath calibrate` again"
        return True, ""

    def to_dict(self) -> dict:
        lst = lambda v: None if v is None else [float(x) for x in v]  # noqa: E731
        return {
            "schema": self.schema,
            "date": self.created,
            "camera": {"name": self.camera, "serial": self.serial, "resolution": [self.width, self.height],
                       "intrinsics": self.intrinsics.to_dict(), "depth_scale": self.depth_scale},
            "pose": {"up": lst(self.up), "floor_normal": lst(self.floor_normal),
                     "camera_height_m": float(self.camera_height_m), "bar_axis": lst(self.bar_axis),
                     "forward": lst(self.forward), "origin": lst(self.origin),
                     **{k: round(v, 3) for k, v in self.angles().items()}},
            "plate": {"expected_diameter_m": float(self.plate_diameter_m),
                      "measured_diameter_m": (None if self.measured_plate_diameter_m is None
                                              else float(self.measured_plate_diameter_m))},
            "methods": dict(self.methods),
            "residuals": {k: float(v) for k, v in self.residuals.items()},
            "checks": [c.to_dict() for c in self.checks],
            "frames_used": int(self.frames_used),
        }

    @classmethod
    def from_dict(cls, d: dict) -> "Calibration":
        """Raises ValueError/KeyError/TypeError on a malformed document (`load` turns them into InputError)."""
        if not isinstance(d, dict):
            raise ValueError("not a JSON object")
        schema = d.get("schema")
        if schema != SCHEMA:
            raise ValueError(f"unknown schema {schema!r} (expected {SCHEMA!r})")
        cam, pose = d["camera"], d["pose"]
        intr = Intrinsics.from_dict(cam["intrinsics"])
        up = _stored_unit(_vec(pose, "up"))
        fn = _stored_unit(_vec(pose, "floor_normal"))
        h = float(pose["camera_height_m"])
        if not math.isfinite(h) or h <= 0:
            raise ValueError("camera_height_m must be a positive number")
        axis = _vec(pose, "bar_axis", optional=True)
        fwd = _vec(pose, "forward", optional=True)
        plate = d.get("plate", {})
        ds = cam.get("depth_scale")
        return cls(camera=str(cam.get("name", "")), serial=str(cam.get("serial", "")), intrinsics=intr, up=up,
                   floor_normal=fn, camera_height_m=h, origin=_vec(pose, "origin"),
                   bar_axis=None if axis is None else _stored_unit(axis),
                   forward=None if fwd is None else _stored_unit(fwd),
                   depth_scale=None if ds is None else float(ds),
                   plate_diameter_m=float(plate.get("expected_diameter_m", 0.45)),
                   measured_plate_diameter_m=(None if plate.get("measured_diameter_m") is None
                                              else float(plate["measured_diameter_m"])),
                   methods={str(k): str(v) for k, v in d.get("methods", {}).items()},
                   residuals={str(k): float(v) for k, v in d.get("residuals", {}).items()},
                   checks=[Check.from_dict(c) for c in d.get("checks", [])],
                   frames_used=int(d.get("frames_used", 0)), created=str(d.get("date", "")))


@dataclass
class CalibrationReport:
    """What `calibrate_frames` found: the calibration (None when no floor was found) and the checks."""

    calibration: Calibration | None
    checks: list[Check]
    frames_used: int = 0

    @property
    def ok(self) -> bool:
        """A calibration exists and no check failed."""
        return self.calibration is not None and not any(c.status == "fail" for c in self.checks)

    def check(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)

    def text(self) -> str:
        lines = []
        for c in self.checks:
            tag = {"ok": "ok", "warn": "WARN", "fail": "FAIL"}.get(c.status, c.status)
            lines.append(f"  {tag:<5} {c.name:<15} {c.value}")
            if c.advice and c.status != "ok":
                lines.append(f"        -> {c.advice}")
        return "\n".join(lines)


# ------------------------------------------------------------------------------------------------ files
def calibration_path(serial: str, folder: str | os.PathLike = DEFAULT_FOLDER) -> str:
    safe = "".join(ch if (ch.isalnum() or ch in "-_.") else "_" for ch in (serial or "unknown")).strip(".") or "unknown"
    return os.path.join(str(folder), f"{safe}.json")


def save(calib: Calibration, folder: str | os.PathLike = DEFAULT_FOLDER) -> str:
    """Write calibration/<serial>.json atomically; returns the path."""
    os.makedirs(folder, exist_ok=True)
    path = calibration_path(calib.serial, folder)
    tmp = path + ".part"
    with open(tmp, "w") as fh:
        json.dump(calib.to_dict(), fh, indent=1)
    os.replace(tmp, path)
    return path


def load(path: str | os.PathLike) -> Calibration:
    """Read a calibration file; InputError (one line) when missing or broken."""
    p = str(path)
    if not os.path.exists(p):
        raise InputError(p, "no such calibration file")
    try:
        with open(p) as fh:
            doc = json.load(fh)
    except UnicodeDecodeError:
        raise InputError(p, "not a calibration file (not text)") from None
    except json.JSONDecodeError as e:
        raise InputError(p, f"broken calibration file (invalid JSON at line {e.lineno}): run `barpath calibrate` "
                            "again") from None
    try:
        return Calibration.from_dict(doc)
    except (KeyError, ValueError, TypeError) as e:
        what = f"missing {e}" if isinstance(e, KeyError) else str(e)
        raise InputError(p, f"broken calibration file ({what}): run `barpath calibrate` again") from None


# ------------------------------------------------------------------------------------------------ use
def lift_frame_for(serial: str, intrinsics: Intrinsics,
                   folder: str | os.PathLike = DEFAULT_FOLDER) -> tuple[Calibration | None, str]:
    """The stored calibration of camera `serial` when it exists and fits this stream, else (None, why)."""
    path = calibration_path(serial, folder)
    if not serial or not os.path.exists(path):
        return None, f"no calibration for camera {serial or '(no serial)'} ({path}): using the automatic lift frame"
    try:
        calib = load(path)
    except InputError as e:
        return None, f"{e}; using the automatic lift frame"
    ok, why = calib.fits(intrinsics)
    if not ok:
        return None, f"{path} not used: {why}; using the automatic lift frame"
    if calib.bar_axis is None:
        return calib, f"using {path} for up and floor (no bar axis stored: forward from the first frames)"
    return calib, f"using {path} (calibrated {calib.created})"


def lift_frame_from(calib: Calibration, hint_forward_sign_vector=None, bar_axis=None) -> LiftFrame:
    """The engine's LiftFrame (source "calibration") from a calibration.

    forward = up × bar axis (horizontal, ⟂ the bar). Its sign: from `hint_forward_sign_vector` when given
    (forward · hint > 0; e.g. the median bar − hip vector seen now), else the sign stored at calibration, else
    the orientation up × axis (arbitrary). `bar_axis` overrides/supplies the axis (a calibration of an empty
    platform has none: ValueError when neither is available).
    """
    up = _unit(calib.up)
    axis = bar_axis if bar_axis is not None else calib.bar_axis
    if axis is None:
        raise ValueError("the calibration has no bar axis (no loaded bar was in view): give bar_axis")
    axis = np.asarray(axis, float)
    axis = axis - (axis @ up) * up
    fwd = _unit(np.cross(up, axis))
    ref = hint_forward_sign_vector if hint_forward_sign_vector is not None else calib.forward
    if ref is not None:
        ref = np.asarray(ref, float)
        if np.all(np.isfinite(ref)) and fwd @ ref < 0:
            fwd = -fwd
    return LiftFrame(up=up, forward=fwd, origin=np.asarray(calib.origin, float), source="calibration")


def check_fit(calib: Calibration, depth_m: np.ndarray, intrinsics: Intrinsics,
              path: str | None = None) -> tuple[bool, str]:
    """Is the floor seen now (one depth image, metres) where the calibration says? (ok, message).

    Stale (False) when the floor is tilted > 2° or its distance from the camera is off by > 3 cm — the camera
    was moved. Also False when the stream does not fit or no floor can be seen (the calibration can't be
    confirmed, so it is not used silently).
    """
    from barpath.vision.floor import depth_to_points, fit_floor
    from barpath.vision.plate import depth_sigma

    name = path or calibration_path(calib.serial)
    ok, why = calib.fits(intrinsics)
    if not ok:
        return False, f"{name} not used: {why}"
    stride = max(1, int(round(4 * intrinsics.width / 848)))
    pts = depth_to_points(np.asarray(depth_m, float), intrinsics, stride=stride)
    fl = fit_floor(pts, prior_up=calib.floor_normal, n_hypotheses=1500, n_score=3000)
    if fl is None:
        return False, f"{name} could not be confirmed: no floor in view now (the camera may have been moved)"
    ang = _angle_deg(fl.normal, calib.floor_normal)
    dh = fl.camera_height_m - calib.camera_height_m
    if ang > STALE_ANGLE_DEG or abs(dh) > STALE_HEIGHT_M:
        parts = []
        if abs(dh) > STALE_HEIGHT_M:
            parts.append(f"the floor is {abs(dh) * 100:.0f} cm {'lower' if dh > 0 else 'higher'}")
        if ang > STALE_ANGLE_DEG:
            parts.append(f"tilted {ang:.1f}°")
        return False, (f"{name} no longer fits: {' and '.join(parts)} than it says — the camera was moved; run "
                       "`barpath calibrate` again (using the automatic lift frame)")
    return True, f"{name} fits (floor within {ang:.1f}° and {abs(dh) * 100:.1f} cm)"


# ------------------------------------------------------------------------------------------------ calibrate
def _select(frames: Iterable[DepthFrame], seconds: float, max_frames: int) -> list[DepthFrame]:
    """Up to `max_frames` frames spread over the first `seconds` of the stream."""
    out: list[DepthFrame] = []
    t0 = None
    step = seconds / max(max_frames, 1)
    next_t = 0.0
    for f in frames:
        if t0 is None:
            t0 = f.timestamp_ms
        t = (f.timestamp_ms - t0) / 1000.0
        if t > seconds or len(out) >= max_frames:
            break
        if t + 1e-6 >= next_t:
            out.append(f)
            next_t = t + step
    return out


def _fit_floor_multi(depths: list[np.ndarray], intr: Intrinsics, baseline_m: float = 0.050):
    """Per-frame fits (spread) and one joint fit over all frames' points (the estimate)."""
    from barpath.vision.floor import depth_to_points, fit_floor
    from barpath.vision.plate import depth_sigma

    stride = max(1, int(round(4 * intr.width / 848)))
    noise = float(depth_sigma(1.0, intr.fx, baseline_m))  # σz / z² at this resolution
    per = []
    pts_all = []
    for i, d in enumerate(depths):
        pts = depth_to_points(d, intr, stride=stride)
        fl = fit_floor(pts, n_hypotheses=600, n_score=2000, seed=i, noise_per_m2=noise)
        per.append(fl)
        pts_all.append(pts[:: max(1, len(depths) // 3)])  # keep the joint fit's size bounded
    good = [f for f in per if f is not None]
    if not good:
        return None, per, float("inf")
    prior = np.median([f.normal for f in good], axis=0)
    pts_all = np.concatenate(pts_all)
    joint = fit_floor(pts_all, prior_up=prior, max_tilt_deg=10.0, n_hypotheses=3000, n_score=6000,
                      noise_per_m2=noise)
    if joint is not None:
        res = pts_all @ joint.normal + joint.camera_height_m
        on = np.abs(res) < np.clip(3 * noise * pts_all[:, 2] ** 2, 0.01, 0.05)
        flat = pts_all[on] - np.outer(pts_all[on] @ joint.normal, joint.normal)  # horizontal offsets
        near = float(np.percentile(np.linalg.norm(flat, axis=1), 10)) if on.sum() > 10 else float("inf")
        return joint, per, near
    return joint, per, float("inf")


def _plate_fits(depths, intr, diameter, floor, ts, baseline_m, body=True):
    from barpath.vision.measure import FrameMeasurer
    from barpath.vision.plate import PlateDetector

    if body:
        meas = FrameMeasurer(plate_diameter_m=diameter, baseline_m=baseline_m)
        meas.floor = floor
        meas.floor_t = ts[0]
        meas.floor_refit_s = 1e9
        meas.plate.floor = floor
        out = []
        for d, t in zip(depths, ts):
            m = meas.measure(d, intr, t)
            out.append((m.plate_fit, m.hip, m.body_fit))
        return out
    det = PlateDetector(diameter, baseline_m)
    det.floor = floor
    return [(det.detect(d, intr, t, floor=floor), None, None) for d, t in zip(depths, ts)]


def _diameter_from(fits, floor, expected: float) -> tuple[float | None, str]:
    """Measured plate diameter: median free-radius fit, else twice the centre height when the plate rests on the
    floor (its centre is then one radius up). (None, why) when neither is available."""
    free = [f.diameter_m for f in fits if not f.radius_fixed and f.quality > 0.3]
    if len(free) >= 2:
        return float(np.median(free)), "rim fit"
    h = float(np.median([floor.height_above(f.center[None, :])[0] for f in fits]))
    if h < expected / 2.0 + 0.03:
        return 2.0 * h, "resting height"
    return None, "rim not fully visible"


def _consistent_size(fits, floor, d: float) -> float | None:
    """For the alternative-size search: the measured diameter if the plates found really are ~d across."""
    if not fits:
        return None
    meas, _ = _diameter_from(fits, floor, d)
    if meas is None or abs(meas / d - 1.0) > 0.12:
        return None
    return meas


def _max_good_range(baseline_m: float) -> float:
    """The D435's 3 m ideal range, scaled for the baseline (depth error ∝ z² / baseline)."""
    return 3.0 * math.sqrt(baseline_m / 0.050)


def _in_view(depths, intr, floor, up, center, axis, forward, diameter) -> tuple[list[str], float]:
    """Which image edges the lifter/plates touch, and the smallest margin (fraction of width) of the plate disc."""
    # plate disc inside the image with a margin
    e1 = forward
    e2 = np.cross(axis, e1)
    th = np.linspace(0, 2 * np.pi, 48, endpoint=False)
    r = diameter / 2.0
    rim = center + r * np.cos(th)[:, None] * e1 + r * np.sin(th)[:, None] * e2
    uv = intr.project(rim)
    margin = float(min(uv[:, 0].min() / intr.width, (intr.width - 1 - uv[:, 0].max()) / intr.width,
                       uv[:, 1].min() / intr.height, (intr.height - 1 - uv[:, 1].max()) / intr.height))
    # the lifter: points above the floor, between the near plate and ~1.1 m beyond it, within ±1 m forward
    touched: set[str] = set()
    v, u = np.mgrid[0:intr.height, 0:intr.width]
    for d in depths[:: max(1, len(depths) // 4)]:
        ok = d > 0.1
        p = intr.deproject(u, v, d)
        rel = p - center
        lat = rel @ axis
        fw = rel @ forward
        h = floor.height_above(p)
        body = ok & (h > 0.05) & (lat > -1.1) & (lat < 0.1) & (np.abs(fw) < 1.0)
        band = max(2, intr.height // 100)
        min_px = max(3, intr.width // 200)
        if body[:band].sum() >= min_px:
            touched.add("top")
        if body[-band:].sum() >= min_px:
            touched.add("bottom")
        if body[:, :band].sum() >= min_px:
            touched.add("left")
        if body[:, -band:].sum() >= min_px:
            touched.add("right")
    return sorted(touched), margin


def calibrate_frames(frames: Iterable[DepthFrame], *, plate_diameter_m: float = 0.45, accel=None,
                     camera_name: str = "", serial: str = "", seconds: float = 3.0, max_frames: int = 12,
                     baseline_m: float | None = None) -> CalibrationReport:
    """Calibrate from the first `seconds` of frames (up to `max_frames` used, spread over that time).

    accel: optional accelerometer reading at rest in the depth camera's coordinates (x right, y down, z forward;
    the specific force, which points UP: a level D435i reads ≈ (0, −9.8, 0)); when given, up = accel / |accel|
    and the angle to the floor normal is reported. camera_name/serial default to the frames' own.
    """
    from barpath.cameras import baseline_for
    from barpath.vision.plate import depth_sigma

    sel = _select(frames, seconds, max_frames)
    checks: list[Check] = []
    if not sel:
        checks.append(Check("frames", "fail", "no depth frames", "the recording/camera delivered no depth"))
        return CalibrationReport(None, checks, 0)
    f0 = sel[0]
    intr = f0.intrinsics
    camera_name = camera_name or f0.camera
    serial = serial or f0.serial
    baseline = baseline_m if baseline_m is not None else baseline_for(camera_name)
    depths = [f.depth_m() for f in sel]
    ts = [(f.timestamp_ms - f0.timestamp_ms) / 1000.0 for f in sel]

    # ---------------------------------------------------------------- floor -> up, height
    floor, per, floor_near = _fit_floor_multi(depths, intr, baseline)
    n_floor = sum(f is not None for f in per)
    if floor is None:
        checks.append(Check("floor", "fail", f"no floor found in {len(sel)} frames",
                            "the floor between the camera and the lifter must be visible: tilt the camera down a "
                            "little or raise it, and clear the platform in front of the camera"))
        return CalibrationReport(None, checks, len(sel))
    good = [f for f in per if f is not None]
    spread_deg = float(np.median([_angle_deg(f.normal, floor.normal) for f in good]))
    spread_h = float(np.median([abs(f.camera_height_m - floor.camera_height_m) for f in good]))
    residuals = {"floor_rms_m": floor.rms_residual_m, "floor_inlier_fraction": floor.inlier_fraction,
                 "floor_frames": float(n_floor), "floor_normal_spread_deg": spread_deg,
                 "floor_height_spread_m": spread_h}
    methods = {"floor": f"plane fit over {len(sel)} frames", "camera_height": "floor plane"}
    residuals["floor_nearest_m"] = floor_near
    steady = n_floor >= max(1, len(sel) // 2) and spread_deg < 1.0 and spread_h < 0.01
    st = "ok" if steady and floor_near <= FLOOR_NEAR_WARN_M else "warn"
    advice = []
    if not steady:
        advice.append("the floor fit is unsteady: keep more of the floor in view and keep people and plates off "
                      "the floor between the camera and the platform")
    if floor_near > FLOOR_NEAR_WARN_M:
        advice.append(f"the floor is only seen beyond {floor_near:.1f} m, where depth is noisy: tilt the camera "
                      "down or lower it so the floor in front of the platform is in view")
    checks.append(Check("floor", st, f"camera {floor.camera_height_m:.2f} m above the floor (rms "
                                     f"{floor.rms_residual_m * 1000:.0f} mm, {floor.inlier_fraction:.0%} of points, "
                                     f"seen from {floor_near:.1f} m, found in {n_floor}/{len(sel)} frames)",
                        "; ".join(advice)))
    up = np.asarray(floor.normal, float)
    methods["up"] = "floor normal"
    if accel is not None:
        g = np.asarray(accel, float).reshape(3)
        if not np.all(np.isfinite(g)) or np.linalg.norm(g) < 1.0:
            checks.append(Check("gravity", "warn", "accelerometer reading unusable", "ignored; up from the floor"))
        else:
            g_up = _unit(g)
            if g_up @ up < 0:  # a reading given as gravity (pointing down) rather than specific force
                g_up = -g_up
            ang = _angle_deg(g_up, floor.normal)
            residuals["gravity_floor_angle_deg"] = ang
            up = g_up
            methods["up"] = "accelerometer (gravity)"
            st = "ok" if ang <= GRAVITY_FLOOR_WARN_DEG else "warn"
            checks.append(Check("gravity", st, f"gravity vs floor normal {ang:.1f}°",
                                "" if st == "ok" else "the floor is sloped or the floor fit is off: heights use the "
                                                      "floor plane, up uses gravity; check the floor is level"))

    # ---------------------------------------------------------------- tilt
    ang = camera_angles(up)
    pitch, roll = ang["pitch_deg"], ang["roll_deg"]
    ap, ar = abs(pitch), abs(roll)
    ap, ar = max(ap - 0.5, 0.0), max(ar - 0.5, 0.0)  # half a degree of measurement tolerance
    st = "ok" if ap <= PITCH_OK_DEG and ar <= ROLL_OK_DEG else "warn"
    advice = []
    if ap > PITCH_OK_DEG:
        advice.append(f"tilt the camera {'up' if pitch > 0 else 'down'} to within ±{PITCH_OK_DEG:.0f}° "
                      "(the lens at hip height, 0.8–1.1 m, looks at the lifter level)")
    if ar > ROLL_OK_DEG:
        advice.append(f"level the camera (roll {roll:+.1f}°, keep within ±{ROLL_OK_DEG:.0f}°)")
    checks.append(Check("tilt", st, f"pitch {pitch:+.1f}° ({'down' if pitch >= 0 else 'up'}), roll {roll:+.1f}°",
                        "; ".join(advice)))

    # ---------------------------------------------------------------- plate -> bar axis, diameter, sign
    fits_all = _plate_fits(depths, intr, plate_diameter_m, floor, ts, baseline)
    fits = []
    hips = []
    for fit, hip, _ in fits_all:
        if fit is None:
            continue
        h = float(floor.height_above(fit.center[None, :])[0])
        if h < plate_diameter_m / 2.0 - 0.03:
            continue  # a disc of this size would sink into the floor: not one of our plates
        fits.append(fit)
        hips.append(hip)
    bar_axis = forward = None
    center = None
    measured = None
    origin = -floor.camera_height_m * np.asarray(floor.normal, float)  # floor point below the camera
    methods["bar_axis"] = "none"
    methods["forward_sign"] = "none"
    plate_seen = len(fits) >= max(2, len(sel) // 3)
    if plate_seen:
        normals = np.array([f.normal for f in fits])
        a = np.median(normals, axis=0)
        a = a - (a @ up) * up
        bar_axis = _unit(a)
        residuals["plate_normal_spread_deg"] = float(np.median([_angle_deg(n, np.median(normals, axis=0))
                                                                for n in normals]))
        residuals["bar_tilt_deg"] = abs(90.0 - _angle_deg(np.median(normals, axis=0), up))
        residuals["plate_frames"] = float(len(fits))
        methods["bar_axis"] = f"plate face normal, median of {len(fits)} frames"
        center = np.median([f.center for f in fits], axis=0)
        origin = center - float(floor.height_above(center[None, :])[0]) * np.asarray(floor.normal, float)
        fwd0 = _unit(np.cross(up, bar_axis))
        d_bh = [(f.center - hp) @ fwd0 for f, hp in zip(fits, hips) if hp is not None]
        if len(d_bh) >= 2 and abs(float(np.median(d_bh))) > 0.02:
            forward = fwd0 if np.median(d_bh) > 0 else -fwd0
            methods["forward_sign"] = f"bar in front of the hips ({len(d_bh)} frames)"
        measured, how = _diameter_from(fits, floor, plate_diameter_m)
        methods["plate_diameter"] = how
        checks.append(Check("plate", "ok", f"loaded bar found in {len(fits)}/{len(sel)} frames; bar axis "
                                           f"{residuals['bar_tilt_deg']:.1f}° off level",
                            ""))
    # diameter: expected vs measured, or search other sizes when the expected one was not found
    if measured is not None:
        rel = measured / plate_diameter_m - 1.0
        st = "ok" if abs(rel) <= PLATE_OK_REL else "warn" if abs(rel) <= PLATE_WARN_REL else "fail"
        checks.append(Check("plate_diameter", st, f"measured {measured:.3f} m ({methods['plate_diameter']}), "
                                                  f"expected {plate_diameter_m:.3f} m ({rel:+.0%})",
                            "" if st == "ok" else _diameter_advice(measured, plate_diameter_m)))
    elif plate_seen:
        checks.append(Check("plate_diameter", "warn", f"not measured ({methods.get('plate_diameter')})",
                            "keep the whole plate in view, clear of the floor and the hands, for a moment"))
    if not plate_seen:
        alt = None
        for d in ALT_PLATE_DIAMETERS_M:
            if abs(d / plate_diameter_m - 1.0) < 0.1:
                continue
            sub_d = depths[:: max(1, len(depths) // 4)]
            sub_t = ts[:: max(1, len(depths) // 4)]
            alt_fits = [f for f, _, _ in _plate_fits(sub_d, intr, d, floor, sub_t, baseline, body=False)
                        if f is not None and float(floor.height_above(f.center[None, :])[0]) >= d / 2.0 - 0.03]
            if len(alt_fits) >= max(2, len(sub_d) // 2):
                m = _consistent_size(alt_fits, floor, d)
                if m is not None:
                    alt = m
                    break
        if alt is not None:
            measured = alt
            rel = alt / plate_diameter_m - 1.0
            checks.append(Check("plate_diameter", "fail", f"measured {alt:.3f} m, expected {plate_diameter_m:.3f} m "
                                                          f"({rel:+.0%}); no {plate_diameter_m:.2f} m plate found",
                                _diameter_advice(alt, plate_diameter_m)))
        else:
            checks.append(Check("plate", "warn", f"no loaded bar with {plate_diameter_m:.2f} m plates found",
                                "for the lifter's sagittal plane, calibrate with the loaded bar in view (the lifter "
                                "standing holding it, or the bar on the floor), the near plate fully visible; "
                                "if your plates are smaller pass --plate-diameter; without it the bar axis is "
                                "taken from each recording"))

    # ---------------------------------------------------------------- distance, view, yaw
    if center is not None:
        z = float(center[2])
        far = _max_good_range(baseline)
        sigma_cm = float(depth_sigma(z, intr.fx, baseline)) * 100
        if z < 1.2:
            st, adv = "warn", "move the camera back to 2–2.5 m so the whole lifter fits in the image"
        elif z > 1.5 * far:
            st, adv = "fail", f"move the camera closer (to 2–2.5 m): depth noise ≈ {sigma_cm:.1f} cm per pixel here"
        elif z > far:
            st, adv = "warn", f"move the camera closer (≤ {far:.1f} m for this camera): depth noise grows with z²"
        else:
            st, adv = "ok", ""
        checks.append(Check("distance", st, f"plate at {z:.2f} m (good range 1.2–{far:.1f} m; depth noise "
                                            f"≈ {sigma_cm:.1f} cm/pixel)", adv))
        fwd_dir = forward if forward is not None else _unit(np.cross(up, bar_axis))
        touched, margin = _in_view(depths, intr, floor, up, center, bar_axis, fwd_dir, measured or plate_diameter_m)
        problems = []
        if margin < 0.02:
            problems.append("the plate is cut off at the image edge" if margin < 0
                            else "the plate is at the image edge")
        if "top" in touched:
            problems.append("the lifter touches the top of the image")
        if "bottom" in touched:
            problems.append("the lifter/plates touch the bottom of the image")
        sides = [t for t in touched if t in ("left", "right")]
        if sides:
            problems.append(f"something near the lifter touches the {' and '.join(sides)} edge")
        if problems:
            adv = ("move the camera back, or center the lifter; aim the camera at hip height so head, feet and both "
                   "plates are inside the image with a margin (the bar travels up to ~1.2 m during the lift)")
            checks.append(Check("in_view", "warn", "; ".join(problems), adv))
        else:
            checks.append(Check("in_view", "ok", f"lifter and plate inside the image (plate margin {margin:.0%})"))
        yaw = camera_angles(up, bar_axis).get("yaw_deg", 0.0)
        st = "ok" if abs(yaw) <= YAW_OK_DEG + 0.5 else "warn"  # half a degree of measurement tolerance
        checks.append(Check("yaw", st, f"camera {yaw:+.1f}° off looking along the bar",
                            "" if st == "ok" else "turn the camera to face the lifter's side squarely "
                                                  "(looking along the bar)"))
    ang = camera_angles(up, bar_axis)
    residuals.update({k: v for k, v in ang.items()})
    calib = Calibration(camera=camera_name, serial=serial, intrinsics=intr, up=up,
                        floor_normal=np.asarray(floor.normal, float), camera_height_m=float(floor.camera_height_m),
                        origin=origin, bar_axis=bar_axis, forward=forward, depth_scale=float(f0.depth_scale),
                        plate_diameter_m=float(plate_diameter_m), measured_plate_diameter_m=measured, methods=methods,
                        residuals=residuals, checks=checks, frames_used=len(sel))
    return CalibrationReport(calib, checks, len(sel))


def _diameter_advice(measured: float, expected: float) -> str:
    ratio = measured / expected
    std = min(ALT_PLATE_DIAMETERS_M, key=lambda d: abs(d - measured))
    return (f"the plates measure {measured:.2f} m across, not {expected:.2f} m: if they really are {std:.2f} m plates "
            f"pass --plate-diameter {std:.2f}; if they are {expected:.2f} m, the depth scale is off by ×{ratio:.2f} "
            "(check the camera's depth units / calibration)")


# ------------------------------------------------------------------------------------------------ CLI
def add_calibrate_arguments(p) -> None:
    """Arguments of `barpath calibrate` (argparse parser)."""
    p.add_argument("--from", dest="recording", metavar="REC", help="calibrate from a recording instead of the camera")
    p.add_argument("--serial", help="camera serial number (default: the first camera found)")
    p.add_argument("--plate-diameter", type=float, default=0.45, metavar="M",
                   help="diameter of the plates on the bar (default 0.45)")
    p.add_argument("--seconds", type=float, default=3.0, help="how much of the stream to use (default 3 s)")
    p.add_argument("--accel", metavar="X,Y,Z", help="accelerometer reading at rest, camera axes (m/s²)")
    p.add_argument("--folder", default=DEFAULT_FOLDER, help="where calibrations are stored (default calibration/)")
    p.add_argument("--force", action="store_true", help="save even when a check failed")


def run_calibrate(args) -> int:
    """`barpath calibrate`: 0 = saved; 1 = a check failed (not saved unless --force). BarpathError on bad input."""
    from barpath.errors import BarpathError

    rec = getattr(args, "recording", None)
    serial = getattr(args, "serial", None)
    plate_d = float(getattr(args, "plate_diameter", 0.45) or 0.45)
    seconds = float(getattr(args, "seconds", 3.0) or 3.0)
    folder = getattr(args, "folder", None) or DEFAULT_FOLDER
    accel = getattr(args, "accel", None)
    if isinstance(accel, str):
        try:
            accel = [float(x) for x in accel.split(",")]
            if len(accel) != 3:
                raise ValueError
        except ValueError:
            raise BarpathError(f"--accel {args.accel!r}: expected three numbers X,Y,Z") from None
    if rec:
        from barpath.sources.playback import RecordingSource
        source = RecordingSource(rec)
        where = rec
    else:
        from barpath.sources.live import LiveSource
        source = LiveSource(serial=serial)
        where = f"camera {source.info.serial}"
        print(f"calibrating from {where}: keep the platform still for {seconds:.0f} s "
              "(empty, or the lifter standing holding the loaded bar)")
    info = source.info
    try:
        report = calibrate_frames(source.frames(), plate_diameter_m=plate_d, accel=accel, camera_name=info.camera,
                                  serial=serial if (rec and serial) else info.serial, seconds=seconds)
    finally:
        source.close()
    print(f"calibration of {info.camera} ({serial if (rec and serial) else info.serial}), {info.width}x{info.height}, "
          f"{report.frames_used} frames from {where}")
    print(report.text())
    calib = report.calibration
    if calib is None:
        print("not saved: no calibration could be computed (see above)")
        return 1
    if not report.ok and not getattr(args, "force", False):
        print("not saved: fix the failed checks above and run again (or --force)")
        return 1
    path = save(calib, folder)
    a = calib.angles()
    print(f"saved {path}: up {np.round(calib.up, 3).tolist()}, camera {calib.camera_height_m:.3f} m above the floor, "
          f"pitch {a['pitch_deg']:+.1f}°, roll {a['roll_deg']:+.1f}°"
          + (f", yaw {a['yaw_deg']:+.1f}°" if "yaw_deg" in a else ""))
    return 0


if __name__ == "__main__":  # manual use: python -m barpath.calibrate --from REC
    import argparse

    _p = argparse.ArgumentParser(prog="barpath calibrate")
    add_calibrate_arguments(_p)
    sys.exit(run_calibrate(_p.parse_args()))
