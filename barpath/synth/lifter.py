"""The synthetic lifter's body and barbell: anthropometry, specs, joint sets and their solid primitives.

Pure numpy. WORLD frame as in primitives.py: X = lifter forward, Y = up (floor Y = 0), Z = lifter's left.
Ankles near X = 0, bar centre at Z = 0.

Body model: the sagittal chain ankle -> knee -> hip -> shoulder is planar (X, Y) on each side, with each joint
at a fixed lateral offset (Z); segment lengths are the 3-D lengths (planar length = sqrt(L^2 - dz^2)), so every
3-D segment length stays constant whatever the pose. Arms are straight lines shoulder -> hand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.geometry import capsule_front as front_x  # noqa: F401 - re-exported for synth callers

from barpath.synth.primitives import Capsule, Cylinder, Ellipsoid, Primitive

SIDES = ("left", "right")
SIDE_SIGN = {"left": 1.0, "right": -1.0}  # +Z = the lifter's left
JOINT_NAMES = ("heel", "toe", "ankle", "knee", "hip", "shoulder", "elbow", "wrist", "hand")


# ----------------------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class LifterSpec:
    """Body shape. Lengths from body height (Drillis & Contini / Winter); radii scaled by `build`."""

    height_m: float = 1.78
    build: float = 1.0  # scales segment radii (1.0 = average; 1.2 = heavy)
    stance_width_m: float = 0.32  # ankle centre to ankle centre, lateral
    grip_half_width_m: float = 0.24  # hand (grip centre) to bar centre, lateral
    hip_half_width_m: float | None = None  # hip joint centre to midline; default 0.05 H
    shoulder_half_width_m: float | None = None  # shoulder joint centre to midline; default 0.105 H

    # --- lengths (3-D joint-centre distances, metres)
    @property
    def shank(self) -> float:
        return 0.246 * self.height_m

    @property
    def thigh(self) -> float:
        return 0.245 * self.height_m

    @property
    def trunk(self) -> float:
        """Hip joint centre line to shoulder joint centre line."""
        return 0.288 * self.height_m

    @property
    def upper_arm(self) -> float:
        return 0.186 * self.height_m

    @property
    def forearm_hand(self) -> float:
        """Elbow to fingertip."""
        return 0.254 * self.height_m

    @property
    def forearm(self) -> float:
        """Elbow to wrist."""
        return 0.146 * self.height_m

    @property
    def grip_from_elbow(self) -> float:
        """Elbow to the grip centre (the bar axis sits in the fingers, ~85 % of forearm+hand)."""
        return 0.85 * self.forearm_hand

    @property
    def arm(self) -> float:
        """Shoulder to grip centre, straight arm (3-D)."""
        return self.upper_arm + self.grip_from_elbow

    @property
    def ankle_height(self) -> float:
        return 0.039 * self.height_m

    @property
    def foot_length(self) -> float:
        return 0.152 * self.height_m

    @property
    def neck(self) -> float:
        """Shoulder centre line to head centre: the head's top (centre + its 0.12 H / 1.78 half-height) at the
        stature when standing (shoulder at 0.818 H, Drillis & Contini)."""
        return (0.182 - 0.12 / 1.78) * self.height_m

    # --- lateral offsets (|Z| of joint centres)
    @property
    def ankle_z(self) -> float:
        return self.stance_width_m / 2.0

    @property
    def hip_z(self) -> float:
        return self.hip_half_width_m if self.hip_half_width_m is not None else 0.05 * self.height_m

    @property
    def knee_z(self) -> float:
        return 0.5 * (self.ankle_z + self.hip_z)

    @property
    def shoulder_z(self) -> float:
        return self.shoulder_half_width_m if self.shoulder_half_width_m is not None else 0.105 * self.height_m

    @property
    def hang_hand_z(self) -> float:
        """|Z| of the hands hanging at the sides (just outside the thighs)."""
        return self.shoulder_z + 0.02 * self.height_m / 1.78

    # --- planar (sagittal) lengths
    @property
    def shank_p(self) -> float:
        return float(np.sqrt(self.shank**2 - (self.ankle_z - self.knee_z) ** 2))

    @property
    def thigh_p(self) -> float:
        return float(np.sqrt(self.thigh**2 - (self.knee_z - self.hip_z) ** 2))

    def arm_p(self, hand_z: float | np.ndarray) -> float | np.ndarray:
        return np.sqrt(self.arm**2 - (np.asarray(hand_z) - self.shoulder_z) ** 2)

    @property
    def standing_hip_y(self) -> float:
        return self.ankle_height + self.shank_p + self.thigh_p

    # --- radii (metres), scaled by build and (mildly) by height
    def _r(self, r: float) -> float:
        return r * self.build * (self.height_m / 1.78)

    @property
    def shank_radius(self) -> float:
        return self._r(0.05)

    @property
    def thigh_radii(self) -> tuple[float, float, float]:
        """Three chained capsules hip -> knee (tapering thigh): radii near hip, middle, near knee."""
        return (self._r(0.08), self._r(0.068), self._r(0.056))

    @property
    def upper_arm_radius(self) -> float:
        return self._r(0.045)

    @property
    def forearm_radius(self) -> float:
        return self._r(0.035)

    @property
    def hand_radius(self) -> float:
        return self._r(0.038)

    @property
    def foot_radius(self) -> float:
        return self._r(0.035)

    def leg_capsules_planar(self) -> list[tuple[float, float, float]]:
        """Leg capsules as (start fraction along knee->hip or -1 for the shank, end fraction, radius)."""
        r0, r1, r2 = self.thigh_radii
        return [(-1.0, -1.0, self.shank_radius), (0.0, 1 / 3, r2), (1 / 3, 2 / 3, r1), (2 / 3, 1.0, r0)]


# Discs a loaded bar carries outside its big plates, (diameter, thickness) m, for BarbellSpec.outer: iron change plates
# of 5, 2.5 and 1.25 kg, and the collar clamp that holds them.
CHANGE_PLATES = ((0.23, 0.03), (0.19, 0.025), (0.16, 0.02))
COLLAR_CLAMP = (0.085, 0.05)


@dataclass(frozen=True)
class BarbellSpec:
    """Olympic bar with bumper plates."""

    length_m: float = 2.2
    shaft_radius: float = 0.014
    inner_collar_gap_m: float = 1.31  # plates start at |Z| = gap / 2
    sleeve_radius: float = 0.025
    collar_radius: float = 0.036
    collar_thickness: float = 0.03
    plate_diameter: float = 0.45
    plate_thickness: float = 0.06
    plates_per_side: int = 2
    # Smaller discs outside the plates, inside out, as (diameter, thickness): change plates and the collar clamp that
    # holds them (a real bar's near side is rarely one flat face). The plates' outer face stays the bar's point.
    outer: tuple[tuple[float, float], ...] = ()

    def __post_init__(self):
        if self.plates_per_side < 0:
            raise ValueError("plates_per_side must be >= 0")
        if self.outer_face_z + sum(t for _, t in self.outer) > self.half_length + 1e-9:
            raise ValueError("plates do not fit on the sleeves")

    @property
    def plate_radius(self) -> float:
        return self.plate_diameter / 2.0

    @property
    def inner_z(self) -> float:
        return self.inner_collar_gap_m / 2.0

    @property
    def half_length(self) -> float:
        return self.length_m / 2.0

    @property
    def outer_face_z(self) -> float:
        return self.inner_z + self.plates_per_side * self.plate_thickness

    @property
    def rest_height(self) -> float:
        """Bar centre height when the plates rest on the floor (no plates: the sleeves rest on it)."""
        return self.plate_radius if self.plates_per_side > 0 else self.sleeve_radius


# ----------------------------------------------------------------------------------------------- pose state
@dataclass
class PoseState:
    """Everything about the lifter and the bar at one instant (world coordinates, metres)."""

    t: float
    bar_center: np.ndarray  # (3,) on the bar axis at Z = 0
    bar_axis: np.ndarray  # (3,) unit, +Z
    plate_left: np.ndarray  # (3,) centre of the outer face of the +Z plate stack
    plate_right: np.ndarray  # (3,) centre of the outer face of the -Z plate stack
    joints: dict[str, np.ndarray]  # "left_knee", "right_hip", ..., "head", "neck", "pelvis"
    phase: str = ""
    holding_bar: bool = False

    def joint(self, side: str, name: str) -> np.ndarray:
        return self.joints[f"{side}_{name}"]

    @property
    def head(self) -> np.ndarray:
        return self.joints["head"]


# ----------------------------------------------------------------------------------------------- helpers
def unit(v: np.ndarray) -> np.ndarray:
    v = np.asarray(v, float)
    n = np.linalg.norm(v, axis=-1, keepdims=True)
    return v / np.where(n > 0, n, 1.0)


def chain_from_angles(lifter: LifterSpec, ankle_x, a_s, a_t, a_k):
    """Planar chain from segment angles (radians, from vertical; positive = knee/shoulder forward of the joint
    below, thigh: hip behind the knee). Returns knee, hip, shoulder as (..., 2) arrays."""
    ankle_x = np.asarray(ankle_x, float)
    a_s, a_t, a_k = (np.asarray(a, float) for a in (a_s, a_t, a_k))
    knee = np.stack([ankle_x + lifter.shank_p * np.sin(a_s),
                     lifter.ankle_height + lifter.shank_p * np.cos(a_s) + 0 * ankle_x], axis=-1)
    hip = knee + lifter.thigh_p * np.stack([-np.sin(a_t), np.cos(a_t)], axis=-1)
    shoulder = hip + lifter.trunk * np.stack([np.sin(a_k), np.cos(a_k)], axis=-1)
    return knee, hip, shoulder


def knee_ik(lifter: LifterSpec, hip: np.ndarray, ankle: np.ndarray) -> np.ndarray:
    """Planar knee position (knee bending forward) for hip and ankle (..., 2); reach clamped."""
    ls, lt = lifter.shank_p, lifter.thigh_p
    d_vec = hip - ankle
    d = np.clip(np.linalg.norm(d_vec, axis=-1), 1e-9, ls + lt)
    u = d_vec / d[..., None]
    a = (ls**2 - lt**2 + d**2) / (2 * d)
    h = np.sqrt(np.clip(ls**2 - a**2, 0.0, None))
    perp = np.stack([u[..., 1], -u[..., 0]], axis=-1)  # u rotated -90 deg: forward (+X) for an upright leg
    return ankle + a[..., None] * u + h[..., None] * perp


def leg_capsules_2d(lifter: LifterSpec, ankle: np.ndarray, knee: np.ndarray, hip: np.ndarray):
    """Planar leg capsules (shank + 3 thigh pieces): p0 (..., K, 2), p1 (..., K, 2), radii (K,)."""
    p0s, p1s, rs = [], [], []
    for f0, f1, r in lifter.leg_capsules_planar():
        if f0 < 0:
            p0s.append(ankle)
            p1s.append(knee)
        else:
            p0s.append(knee + f0 * (hip - knee))
            p1s.append(knee + f1 * (hip - knee))
        rs.append(r)
    return np.stack(p0s, axis=-2), np.stack(p1s, axis=-2), np.asarray(rs)


# ----------------------------------------------------------------------------------------------- joints
def assemble_joints(lifter: LifterSpec, planar: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """Planar joint positions (..., 2) per side + 3-D hands -> 3-D joints dict (..., 3).

    planar keys: f"{side}_ankle", f"{side}_knee", "hip" (pelvis, shared), "shoulder" (shared), "head",
    f"{side}_hand" (3-D, (..., 3)), optional f"{side}_foot_lift" (...,).
    """
    out: dict[str, np.ndarray] = {}

    def p3(xy, z):
        xy = np.asarray(xy, float)
        return np.concatenate([xy, np.full(xy.shape[:-1] + (1,), z)], axis=-1)

    hip, sh = planar["hip"], planar["shoulder"]
    for side in SIDES:
        s = SIDE_SIGN[side]
        ankle = planar[f"{side}_ankle"]
        lift = planar.get(f"{side}_foot_lift", 0.0)
        out[f"{side}_ankle"] = p3(ankle, s * lifter.ankle_z)
        out[f"{side}_knee"] = p3(planar[f"{side}_knee"], s * lifter.knee_z)
        out[f"{side}_hip"] = p3(hip, s * lifter.hip_z)
        fl = lifter.foot_length
        foot_y = lifter.foot_radius + np.asarray(lift, float)
        heel = np.stack([ankle[..., 0] - 0.22 * fl + lifter.foot_radius, foot_y + 0 * ankle[..., 0]], axis=-1)
        toe = np.stack([ankle[..., 0] + 0.78 * fl - lifter.foot_radius, foot_y - 0.005 + 0 * ankle[..., 0]], axis=-1)
        out[f"{side}_heel"] = p3(heel, s * lifter.ankle_z)
        out[f"{side}_toe"] = p3(toe, s * (lifter.ankle_z + 0.03))
        shoulder3 = p3(sh, s * lifter.shoulder_z)
        hand3 = np.asarray(planar[f"{side}_hand"], float)
        v = hand3 - shoulder3
        n = np.linalg.norm(v, axis=-1, keepdims=True)
        n = np.where(n > 0, n, 1.0)
        out[f"{side}_shoulder"] = shoulder3
        out[f"{side}_elbow"] = shoulder3 + v * (lifter.upper_arm / n)
        out[f"{side}_wrist"] = shoulder3 + v * ((lifter.upper_arm + lifter.forearm) / n)
        out[f"{side}_hand"] = hand3
    out["pelvis"] = p3(hip, 0.0)
    out["neck"] = p3(sh, 0.0)
    out["head"] = p3(planar["head"], 0.0)
    return out


# ----------------------------------------------------------------------------------------------- primitives
def _rot_from_y(direction: np.ndarray) -> np.ndarray:
    """Rotation whose columns are (forward-ish, direction, +Z) for a direction in the XY plane."""
    d = unit(direction)
    z = np.array([0.0, 0.0, 1.0])
    x = np.cross(d, z)
    x = unit(x)
    return np.stack([x, d, z], axis=1)


def body_primitives(lifter: LifterSpec, joints: dict[str, np.ndarray], label: str = "body") -> list[Primitive]:
    """Solid body for one instant: feet, shanks, tapered thighs, pelvis, torso, neck, head, arms, hands."""
    prims: list[Primitive] = []
    j = joints
    for side in SIDES:
        s = SIDE_SIGN[side]
        prims.append(Capsule(j[f"{side}_heel"], j[f"{side}_toe"], lifter.foot_radius, label))
        prims.append(Capsule(j[f"{side}_ankle"], j[f"{side}_knee"], lifter.shank_radius, label))
        knee, hip = j[f"{side}_knee"], j[f"{side}_hip"]
        for f0, f1, r in lifter.leg_capsules_planar()[1:]:
            prims.append(Capsule(knee + f0 * (hip - knee), knee + f1 * (hip - knee), r, label))
        prims.append(Capsule(j[f"{side}_shoulder"], j[f"{side}_elbow"], lifter.upper_arm_radius, label))
        prims.append(Capsule(j[f"{side}_elbow"], j[f"{side}_wrist"], lifter.forearm_radius, label))
        hand = j[f"{side}_hand"]
        prims.append(Capsule(j[f"{side}_wrist"], hand + np.array([0.0, 0.0, s * 0.02]), lifter.hand_radius, label))
    pelvis, neck, head = j["pelvis"], j["neck"], j["head"]
    trunk_dir = neck - pelvis
    rot = _rot_from_y(np.array([trunk_dir[0], trunk_dir[1], 0.0]))
    b = lifter.build * lifter.height_m / 1.78
    prims.append(Ellipsoid(pelvis + 0.02 * rot[:, 1], rot, np.array([0.11 * b, 0.12 * b, 0.17 * b]), label))
    torso_c = pelvis + 0.58 * trunk_dir
    tl = np.linalg.norm(trunk_dir)
    prims.append(Ellipsoid(torso_c, rot, np.array([0.12 * b, 0.36 * tl, 0.19 * b]), label))
    prims.append(Capsule(neck, neck + 0.55 * (head - neck), 0.055 * b, label))
    hrot = _rot_from_y(np.array([head[0] - neck[0], head[1] - neck[1], 0.0]))
    prims.append(Ellipsoid(head, hrot, np.array([0.10, 0.12, 0.085]) * lifter.height_m / 1.78, label))
    return prims


def barbell_primitives(barbell: BarbellSpec, center: np.ndarray) -> list[Primitive]:
    """Shaft (capsule), collars and sleeves (cylinders, label "bar"), plates (cylinders, label "plate")."""
    c = np.asarray(center, float)
    zax = np.array([0.0, 0.0, 1.0])
    prims: list[Primitive] = [Capsule(c - barbell.inner_z * zax, c + barbell.inner_z * zax, barbell.shaft_radius, "bar")]
    for s in (1.0, -1.0):
        ct = barbell.collar_thickness
        prims.append(Cylinder(c + s * (barbell.inner_z - ct / 2) * zax, zax, barbell.collar_radius, ct / 2, "bar"))
        sleeve_half = (barbell.half_length - barbell.inner_z) / 2
        prims.append(Cylinder(c + s * (barbell.inner_z + sleeve_half) * zax, zax, barbell.sleeve_radius, sleeve_half, "bar"))
        th = barbell.plate_thickness
        for k in range(barbell.plates_per_side):
            zc = barbell.inner_z + (k + 0.5) * th
            prims.append(Cylinder(c + s * zc * zax, zax, barbell.plate_radius, th / 2, "plate"))
        z0 = barbell.outer_face_z
        for d, t in barbell.outer:
            prims.append(Cylinder(c + s * (z0 + t / 2) * zax, zax, d / 2, t / 2, "plate"))
            z0 += t
    return prims


def plate_faces(barbell: BarbellSpec, center: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Centres of the outer faces of the left (+Z) and right (-Z) plate stacks."""
    c = np.asarray(center, float)
    off = np.array([0.0, 0.0, barbell.outer_face_z])
    return c + off, c - off


def describe(lifter: LifterSpec) -> dict[str, float]:
    """Derived segment lengths and heights of a lifter (metres)."""
    return {
        "shank": lifter.shank, "thigh": lifter.thigh, "trunk": lifter.trunk, "upper_arm": lifter.upper_arm,
        "grip_from_elbow": lifter.grip_from_elbow, "arm": lifter.arm, "ankle_height": lifter.ankle_height,
        "standing_hip_y": lifter.standing_hip_y,
        "standing_shoulder_y": lifter.standing_hip_y + lifter.trunk,
    }
