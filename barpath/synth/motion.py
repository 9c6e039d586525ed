"""Set and rep specs -> time-continuous motion of the synthetic lifter and the barbell (pure numpy).

Model: a planar (sagittal) chain with the ankles fixed at X = 0 while the lifter holds the bar. Shank, thigh and
trunk angles follow a style-specific schedule of a phase variable p in [0, 1] (0 = bottom, 1 = lockout); the bar
hangs from the shoulders on straight arms and is pushed just in front of the legs' front surface at its height
(plus a small style gap; `bar_drift` adds 8-15 cm). For every schedule a table p -> bar height is precomputed,
and the bar's HEIGHT is what the timeline prescribes (smooth, bell-shaped velocity profiles; exact zeros in
pauses); the body follows through p(height). Walking, standing and the set-up (bending to grip) use the same
body model (legs by 2-link IK when the feet move). A dropped rep's bar falls freely and bounces (DropSeg) while the
lifter stands.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

import numpy as np

from barpath.geometry import G
from barpath.synth.lifter import (
    SIDES, SIDE_SIGN, BarbellSpec, LifterSpec, PoseState, assemble_joints, barbell_primitives, body_primitives,
    chain_from_angles, front_x, knee_ik, leg_capsules_2d, plate_faces,
)
from barpath.synth.primitives import Primitive

STYLES = ("hips_first", "knees_first", "bar_drift")
LIFTS = ("deadlift", "rdl")
DEG = np.pi / 180.0
STAND_LEAN = 0.02  # rad: the trunk's lean standing at the bar


# ----------------------------------------------------------------------------------------------- specs
@dataclass(frozen=True)
class RepSpec:
    """One rep. Give `concentric_s` or `mcv` (target mean concentric velocity, m/s); default MCV 0.5 m/s."""

    style: str = "hips_first"  # "hips_first" | "knees_first" | "bar_drift"
    concentric_s: float | None = None
    mcv: float | None = None
    eccentric_s: float = 1.4
    pause_bottom_s: float | None = None  # None: deadlift 1.0 s with the bar on the floor, rdl 0.0 s
    pause_top_s: float = 0.5
    touch_and_go: bool = False  # deadlift: no pause on the floor, the bar touches and reverses
    partial: float = 1.0  # fraction of the full range reached (deadlift: height; rdl: depth)
    drift_m: float = 0.12  # bar_drift: how far the bar swings away from the legs (8-15 cm)
    drop: bool = False  # deadlift: let go at the top; the bar falls, bounces on its bumper plates and settles, and
    # the lifter, standing, sets up over it again (the eccentric is the fall)
    restitution: float | None = None  # drop: the plates' rebound speed over the impact's (None: drawn, 0.3-0.45)

    def __post_init__(self):
        if self.style not in STYLES:
            raise ValueError(f"style must be one of {STYLES}, not {self.style!r}")
        if not 0.2 <= self.partial <= 1.0:
            raise ValueError("partial must be in [0.2, 1]")
        if self.concentric_s is not None and self.concentric_s <= 0 or self.mcv is not None and self.mcv <= 0:
            raise ValueError("concentric_s / mcv must be > 0")


def _default_reps() -> list[RepSpec]:
    return [RepSpec() for _ in range(5)]


@dataclass(frozen=True)
class SetSpec:
    """A set: lead-in (standing at the bar or walking in), reps, rest. Times in seconds."""

    lift: str = "deadlift"  # "deadlift" | "rdl"
    reps: list[RepSpec] = field(default_factory=_default_reps)
    lead_in: str = "standing"  # "standing" | "walk_in"
    lead_in_s: float = 1.5  # standing time, or the walk's duration
    walk_in_distance_m: float = 3.0  # walk_in: start this far behind the bar (-X), out of the camera's view
    pickup: bool = False  # rdl: deadlift the bar off the floor first and put it down at the end (not reps)
    rest_s: float = 1.5  # after the last rep (deadlift / pickup: standing up, bar on the floor)
    setup_s: float = 1.6  # bending down to grip the bar on the floor (and standing up after the set)
    foot_shuffle: bool = False  # small foot shuffle during a standing lead-in
    lifter: LifterSpec = field(default_factory=LifterSpec)
    barbell: BarbellSpec = field(default_factory=BarbellSpec)
    name: str = ""

    def __post_init__(self):
        if self.lift not in LIFTS:
            raise ValueError(f"lift must be one of {LIFTS}")
        if self.lead_in not in ("standing", "walk_in"):
            raise ValueError("lead_in must be 'standing' or 'walk_in'")
        if not self.reps:
            raise ValueError("a set needs at least one rep")
        if self.lift == "rdl" and any(r.drop for r in self.reps):
            raise ValueError("drop is a deadlift's (an rdl's bar is lowered to start each rep)")
        if self.lift == "rdl" and self.lead_in == "walk_in" and not self.pickup:
            raise ValueError("an rdl with a walk-in needs pickup=True (the bar starts on the floor)")


def velocity_loss_reps(n: int, first_mcv: float, loss_pct: float, style: str = "hips_first",
                       curve: float = 1.4, **rep_kwargs) -> list[RepSpec]:
    """n reps whose target MCV falls from first_mcv by loss_pct % at the last rep (accelerating decline)."""
    if n < 1:
        raise ValueError("n >= 1")
    out = []
    for i in range(n):
        f = (i / (n - 1)) ** curve if n > 1 else 0.0
        out.append(RepSpec(style=style, mcv=first_mcv * (1.0 - loss_pct / 100.0 * f), **rep_kwargs))
    return out


# ----------------------------------------------------------------------------------------------- small maths
def _ss(a: float, b: float, x):
    t = np.clip((np.asarray(x, float) - a) / (b - a), 0.0, 1.0)
    return t * t * (3.0 - 2.0 * t)


def _bump(a: float, b: float, x):
    t = np.clip((np.asarray(x, float) - a) / (b - a), 0.0, 1.0)
    return np.sin(np.pi * t) ** 2


def profile(tau, n: float = 2.5, gamma: float = 1.0):
    """Normalised displacement F(tau), tau in [0, 1] -> [0, 1]; velocity dF/dtau = 0 at both ends.

    Velocity shape ~ 1 - |2 tau^gamma - 1|^n (peak / mean = (n+1)/n for gamma = 1; gamma > 1 peaks later)."""
    tau = np.clip(np.asarray(tau, float), 0.0, 1.0)
    u = 2.0 * tau**gamma - 1.0
    g = u - np.sign(u) * np.abs(u) ** (n + 1) / (n + 1)
    g1 = n / (n + 1)
    f = np.clip((g + g1) / (2 * g1), 0.0, 1.0)
    return np.where(tau <= 0.0, 0.0, np.where(tau >= 1.0, 1.0, f))


def _shape_for_mcv(mcv: float) -> float:
    """Profile exponent: heavy slow pulls are flatter, fast light pulls more peaked."""
    return float(np.interp(mcv, [0.15, 0.3, 0.6, 1.0], [4.0, 3.2, 2.4, 2.0]))


# ----------------------------------------------------------------------------------------------- postures
def solve_bottom(lifter: LifterSpec, bar_xy, a_s, dx_sh, hand_z):
    """Bottom posture holding the bar at bar_xy: shank angle a_s (rad), shoulder dx_sh ahead of the bar (planar)
    -> (a_t, a_k) via the two-circle intersection (hip behind the knee-shoulder line). Vectorised."""
    bx, by = np.asarray(bar_xy, float)[..., 0], np.asarray(bar_xy, float)[..., 1]
    lp = lifter.arm_p(hand_z)
    sh = np.stack([bx + dx_sh, by + np.sqrt(lp**2 - np.asarray(dx_sh) ** 2)], axis=-1)
    knee, _, _ = chain_from_angles(lifter, 0.0, a_s, 0.0, 0.0)
    r1, r2 = lifter.thigh_p, lifter.trunk
    dv = sh - knee
    d = np.linalg.norm(dv, axis=-1)
    if np.any(d > r1 + r2) or np.any(d < abs(r1 - r2)):
        raise ValueError("bottom posture unreachable")
    u = dv / d[..., None]
    a = (r1**2 - r2**2 + d**2) / (2 * d)
    h = np.sqrt(np.clip(r1**2 - a**2, 0, None))
    back = np.stack([-u[..., 1], u[..., 0]], axis=-1)  # u rotated +90 deg: behind an upward line
    hip = knee + a[..., None] * u + h[..., None] * back
    a_t = np.arctan2(-(hip[..., 0] - knee[..., 0]), hip[..., 1] - knee[..., 1])
    a_k = np.arctan2(sh[..., 0] - hip[..., 0], sh[..., 1] - hip[..., 1])
    return a_t, a_k


# Bottom postures: deadlift (shank angle, shoulder ahead of bar), rdl (shank, thigh, trunk angles).
DEADLIFT_BOTTOM = {"hips_first": (13.0, 0.07), "knees_first": (18.0, 0.0), "bar_drift": (13.0, 0.07)}
RDL_BOTTOM = {"hips_first": (-3.0, 20.0, 82.0), "knees_first": (13.0, 14.0, 70.0), "bar_drift": (-2.0, 18.0, 78.0)}
FLOOR_GAP = 0.025  # hips-first bar-to-shin gap at the floor (m)
TOP_GAP = 0.008  # bar against the thighs at lockout
N_TABLE = 301


class PathTable:
    """One posture path p in [0, 1] (0 = bottom, 1 = lockout): angle schedule + precomputed bar position."""

    def __init__(self, lifter: LifterSpec, barbell: BarbellSpec, lift: str, style: str, bottom: tuple,
                 g_bottom: float, drift: float = 0.0, knobs: dict | None = None, check: bool = True,
                 bar_bottom: np.ndarray | None = None):
        self.lifter, self.barbell, self.lift, self.style = lifter, barbell, lift, style
        self.bottom = tuple(float(b) for b in bottom)  # (a_s, a_t, a_k) radians
        self.g_bottom, self.drift = float(g_bottom), float(drift)
        self.k = {"e1": 0.58, "f1": 0.42, "ek": 0.78, "gmid": 0.0}
        self.k.update(knobs or {})
        self.p = np.linspace(0.0, 1.0, N_TABLE)
        a_s, a_t, a_k = self.angles(self.p)
        knee, hip, sh = chain_from_angles(lifter, 0.0, a_s, a_t, a_k)
        ankle = np.zeros_like(knee)
        ankle[:, 1] = lifter.ankle_height
        p0, p1, radii = leg_capsules_2d(lifter, ankle, knee, hip)
        lp = lifter.arm_p(lifter.grip_half_width_m)
        infl = barbell.shaft_radius + self.gap(self.p)
        x = sh[:, 0].copy()
        for it in range(80):
            dx = np.clip(x - sh[:, 0], -0.98 * lp, 0.98 * lp)
            y = sh[:, 1] - np.sqrt(lp**2 - dx**2)
            x_new = front_x(p0, p1, radii, y, infl)
            x_new = np.where(np.isfinite(x_new), x_new, sh[:, 0])
            if np.max(np.abs(x_new - x)) < 1e-10:
                x = x_new
                break
            x = 0.5 * x + 0.5 * x_new if it > 30 else x_new
        dx = x - sh[:, 0]
        if np.any(np.abs(dx) > 0.98 * lp):
            raise ValueError("arms cannot reach the bar on this path")
        self.x = x
        y = sh[:, 1] - np.sqrt(lp**2 - dx**2)
        if check and np.any(np.diff(y) < -1e-4):
            raise ValueError(f"bar height not monotonic along the {lift}/{style} path")
        # the schedules are flat at both ends: make the table strictly increasing (changes y by < 0.1 mm)
        self.y = np.maximum.accumulate(y) + 1e-7 * self.p
        if bar_bottom is not None:  # the bar resting on the floor: pin the end of the table to it exactly
            if abs(self.x[0] - bar_bottom[0]) > 1e-6 or abs(self.y[0] - bar_bottom[1]) > 1e-6:
                raise ValueError("path does not start at the bar's resting place")
            self.x[0], self.y[0] = bar_bottom
        self.iterations = it

    # --- schedules (q = 1 - p = progress of the descent)
    def angles(self, p):
        q = 1.0 - np.asarray(p, float)
        A_s, A_t, A_k = self.bottom
        k = self.k
        if self.lift == "deadlift":
            if self.style == "knees_first":
                a_s = A_s * (1.15 * _ss(0.0, 0.45, q) - 0.15 * _ss(0.5, 1.0, q))
                a_t = A_t * _ss(0.05, 1.0, q)
                a_k = A_k * _ss(0.1, 1.0, q)
            else:  # hips_first and bar_drift: hinge first, knees bend once the hips have gone back
                e1, f1 = k["e1"], k["f1"]
                a_t = A_t * (f1 * _ss(0.0, e1, q) + (1 - f1) * _ss(e1 - 0.1, 1.0, q))
                a_k = A_k * _ss(0.0, k["ek"], q)
                a_s = A_s * _ss(e1 - 0.05, 1.0, q) - 3.0 * DEG * _bump(0.0, e1, q)
        else:
            if self.style == "knees_first":
                a_s = A_s * _ss(0.0, 0.4, q)
                a_t = A_t * _ss(0.2, 1.0, q)
                a_k = A_k * _ss(0.15, 1.0, q)
            else:
                a_s = A_s * _ss(0.0, 1.0, q)
                a_t = A_t * _ss(0.0, 1.0, q)
                a_k = A_k * _ss(0.0, 1.0, q)
        return a_s, a_t, a_k

    def gap(self, p):
        p = np.asarray(p, float)
        if self.lift == "deadlift":
            g = self.g_bottom + (TOP_GAP - self.g_bottom) * _ss(0.55, 1.0, p) + self.k["gmid"] * _bump(0.0, 1.0, p)
            d = self.drift * _ss(0.0, 0.3, p) * (1.0 - _ss(0.6, 0.97, p))
        else:
            g = self.g_bottom + (TOP_GAP - self.g_bottom) * _ss(0.6, 1.0, p)
            d = self.drift * (1.0 - _ss(0.5, 0.97, p))
        return g + d

    # --- lookups
    @property
    def y_bottom(self) -> float:
        return float(self.y[0])

    @property
    def y_top(self) -> float:
        return float(self.y[-1])

    def p_of_y(self, y):
        return np.interp(y, self.y, self.p)

    def x_of_p(self, p):
        return np.interp(p, self.p, self.x)


# ----------------------------------------------------------------------------------------------- segments
class _Seg:
    """A piece of the timeline. eval(ts) -> planar pose dict (see lifter.assemble_joints) + 'bar' (n, 2)."""

    phase = ""
    holding = False

    def __init__(self, t0: float, t1: float):
        self.t0, self.t1 = float(t0), float(t1)

    def tau(self, ts):
        return np.clip((ts - self.t0) / max(self.t1 - self.t0, 1e-9), 0.0, 1.0)


def _hands_on_bar(lifter: LifterSpec, bar_xy: np.ndarray) -> dict:
    out = {}
    for side in SIDES:
        z = np.full(bar_xy.shape[:-1] + (1,), SIDE_SIGN[side] * lifter.grip_half_width_m)
        out[f"{side}_hand"] = np.concatenate([bar_xy, z], axis=-1)
    return out


def _hands_from_angle(lifter: LifterSpec, sh: np.ndarray, phi, hand_z) -> dict:
    """Straight arms at planar angle phi (rad, + = hand forward of the shoulder), hands at |Z| = hand_z."""
    lp = lifter.arm_p(hand_z)
    out = {}
    for side in SIDES:
        hx = sh[..., 0] + lp * np.sin(phi)
        hy = sh[..., 1] - lp * np.cos(phi)
        out[f"{side}_hand"] = np.stack([hx, hy, SIDE_SIGN[side] * hand_z + 0 * hx], axis=-1)
    return out


def _fixed_ankles(lifter: LifterSpec, n: int) -> dict:
    a = np.zeros((n, 2))
    a[:, 1] = lifter.ankle_height
    return {"left_ankle": a, "right_ankle": a.copy()}


class BarSeg(_Seg):
    """The lifter holds the bar; the bar height goes y0 -> y1 along `path` (hold if y0 == y1)."""

    holding = True

    def __init__(self, t0, t1, path: PathTable, y0: float, y1: float, n: float = 2.5, gamma: float = 1.0,
                 phase: str = ""):
        super().__init__(t0, t1)
        self.path, self.y0, self.y1, self.n, self.gamma, self.phase = path, y0, y1, n, gamma, phase

    def eval(self, ts):
        lf = self.path.lifter
        if self.y1 == self.y0:
            y = np.full(ts.shape, self.y0)
        else:
            f = profile(self.tau(ts), self.n, self.gamma)
            y = self.y0 * (1.0 - f) + self.y1 * f  # exact y0 / y1 at the ends
        p = self.path.p_of_y(y)
        a_s, a_t, a_k = self.path.angles(p)
        knee, hip, sh = chain_from_angles(lf, 0.0, a_s, a_t, a_k)
        bar = np.stack([self.path.x_of_p(p), y], axis=-1)
        out = {"left_knee": knee, "right_knee": knee.copy(), "hip": hip, "shoulder": sh, "bar": bar}
        out.update(_fixed_ankles(lf, len(ts)))
        out.update(_hands_on_bar(lf, bar))
        return out


class BottomBlendSeg(_Seg):
    """Bar on the floor, hands on it; the body shifts from one bottom posture to another (style change)."""

    holding = True
    phase = "bottom"

    def __init__(self, t0, t1, lifter, bar_xy, params0, params1):
        super().__init__(t0, t1)
        self.lifter, self.bar_xy, self.params0, self.params1 = lifter, np.asarray(bar_xy, float), params0, params1

    def eval(self, ts):
        lf = self.lifter
        u = _ss(0.0, 1.0, self.tau(ts))
        a_s = self.params0[0] + (self.params1[0] - self.params0[0]) * u
        dx = self.params0[1] + (self.params1[1] - self.params0[1]) * u
        bar = np.broadcast_to(self.bar_xy, (len(ts), 2)).copy()
        a_t, a_k = solve_bottom(lf, bar, a_s, dx, lf.grip_half_width_m)
        knee, hip, sh = chain_from_angles(lf, 0.0, a_s, a_t, a_k)
        out = {"left_knee": knee, "right_knee": knee.copy(), "hip": hip, "shoulder": sh, "bar": bar}
        out.update(_fixed_ankles(lf, len(ts)))
        out.update(_hands_on_bar(lf, bar))
        return out


class SetupSeg(_Seg):
    """Standing upright (arms hanging) <-> bottom posture gripping the bar on the floor. The bar stays put."""

    def __init__(self, t0, t1, lifter, bar_xy, bottom_angles, reverse: bool = False):
        super().__init__(t0, t1)
        self.lifter, self.bar_xy, self.reverse = lifter, np.asarray(bar_xy, float), reverse
        self.bottom = bottom_angles
        self.phase = "release" if reverse else "setup"
        _, _, sh = chain_from_angles(lifter, 0.0, *bottom_angles)
        lp = lifter.arm_p(lifter.grip_half_width_m)
        self.phi_bottom = float(np.arcsin((self.bar_xy[0] - sh[0]) / lp))

    def eval(self, ts):
        lf = self.lifter
        tau = self.tau(ts)
        if self.reverse:
            tau = 1.0 - tau
        u = _ss(0.0, 1.0, tau)
        a_s, a_t, a_k = (b * u for b in self.bottom)
        knee, hip, sh = chain_from_angles(lf, 0.0, a_s, a_t, a_k)
        w = _ss(0.35, 1.0, tau)  # hands travel to the bar in the second part
        phi = self.phi_bottom * w
        hz = lf.hang_hand_z + (lf.grip_half_width_m - lf.hang_hand_z) * w
        bar = np.broadcast_to(self.bar_xy, (len(ts), 2)).copy()
        out = {"left_knee": knee, "right_knee": knee.copy(), "hip": hip, "shoulder": sh, "bar": bar}
        out.update(_fixed_ankles(lf, len(ts)))
        out.update(_hands_from_angle(lf, sh, phi, hz))
        return out


class DropSeg(_Seg):
    """Let go at the top: the bar falls freely (g) from y0 to the floor, drifting to x_floor, and bounces on its bumper
    plates (each rebound `restitution` x the impact speed) until the bounces are under 5 mm; the lifter comes upright
    from the lockout posture `angles` and lets the arms hang. `impact` is when the bar first hits the floor."""

    phase = "drop"

    def __init__(self, t0, lifter, angles, x0: float, y0: float, bar_floor, restitution: float, settle_s: float):
        self.lifter, self.angles = lifter, tuple(float(a) for a in angles)
        self.x0, self.y0, self.bar_floor = float(x0), float(y0), np.asarray(bar_floor, float)
        t_fall = float(np.sqrt(2.0 * (self.y0 - self.bar_floor[1]) / G))
        self.impact = t0 + t_fall
        # bounce k: leaves the floor at self.bounces[k][0] with speed self.bounces[k][1]
        self.bounces, tb, v = [], self.impact, G * t_fall * restitution
        while v * v / (2.0 * G) > 0.005:
            self.bounces.append((tb, v))
            tb += 2.0 * v / G
            v *= restitution
        super().__init__(t0, tb + settle_s)  # (settled: the last bounce landed at tb)
        _, _, sh = chain_from_angles(lifter, 0.0, *self.angles)
        self.phi0 = float(np.arcsin(np.clip((self.x0 - sh[0]) / lifter.arm_p(lifter.grip_half_width_m), -1, 1)))

    def eval(self, ts):
        lf = self.lifter
        ts = np.asarray(ts, float)
        y = np.full(ts.shape, self.bar_floor[1])
        fall = ts < self.impact
        y[fall] = self.y0 - 0.5 * G * (ts[fall] - self.t0) ** 2  # y = y0 - g t^2 / 2
        for tb, v in self.bounces:
            up = (ts >= tb) & (ts < tb + 2.0 * v / G)
            y[up] = self.bar_floor[1] + v * (ts[up] - tb) - 0.5 * G * (ts[up] - tb) ** 2
        u = _ss(self.t0, self.impact, ts)
        bar = np.stack([self.x0 + (self.bar_floor[0] - self.x0) * u, y], axis=-1)
        w = _ss(self.t0, self.t0 + 0.5, ts)  # upright and arms hanging within half a second
        a_s, a_t = (a * (1.0 - w) for a in self.angles[:2])
        a_k = self.angles[2] * (1.0 - w) + STAND_LEAN * w
        knee, hip, sh = chain_from_angles(lf, 0.0, a_s, a_t, a_k)
        out = {"left_knee": knee, "right_knee": knee.copy(), "hip": hip, "shoulder": sh, "bar": bar}
        out.update(_fixed_ankles(lf, len(ts)))
        out.update(_hands_from_angle(lf, sh, self.phi0 * (1.0 - w),
                                     lf.grip_half_width_m + (lf.hang_hand_z - lf.grip_half_width_m) * w))
        return out


def _legs_and_pelvis(lifter: LifterSpec, pelvis_x, ankles: dict, lean, arm_swing: dict | None):
    """Pelvis as high as the feet allow (legs straight at most), knees by IK, trunk leaning `lean` rad."""
    reach = (lifter.shank_p + lifter.thigh_p) * (1 - 1e-9)
    hy = np.full(np.shape(pelvis_x), lifter.standing_hip_y)
    for side in SIDES:
        a = ankles[f"{side}_ankle"]
        dx = pelvis_x - a[:, 0]
        hy = np.minimum(hy, a[:, 1] + np.sqrt(np.clip(reach**2 - dx**2, 0, None)))
    hip = np.stack([pelvis_x, hy], axis=-1)
    out = {"hip": hip}
    for side in SIDES:
        out[f"{side}_knee"] = knee_ik(lifter, hip, ankles[f"{side}_ankle"])
    sh = hip + lifter.trunk * np.stack([np.sin(lean), np.cos(lean) + 0 * pelvis_x], axis=-1)
    out["shoulder"] = sh
    for side in SIDES:
        phi = arm_swing[side] if arm_swing else 0.0 * pelvis_x
        out[f"{side}_hand"] = _hands_from_angle(lifter, sh, phi, lifter.hang_hand_z)[f"{side}_hand"]
    return out


class StandSeg(_Seg):
    """Standing upright at the bar (arms hanging), optionally shuffling the feet; the bar rests on the floor."""

    phase = "stand"

    def __init__(self, t0, t1, lifter, bar_xy, shuffle: bool = False):
        super().__init__(t0, t1)
        self.lifter, self.bar_xy, self.shuffle = lifter, np.asarray(bar_xy, float), shuffle

    def eval(self, ts):
        lf = self.lifter
        n = len(ts)
        ankles = _fixed_ankles(lf, n)
        lifts = {"left": np.zeros(n), "right": np.zeros(n)}
        if self.shuffle and self.t1 - self.t0 > 0.8:
            tau = self.tau(ts)
            for side, (a, b), dxm in (("left", (0.15, 0.45), -0.05), ("right", (0.5, 0.8), 0.04)):
                out_and_back = _bump(a, b, tau)
                ankles[f"{side}_ankle"][:, 0] += dxm * np.sqrt(out_and_back)
                lifts[side] = 0.025 * np.sin(np.pi * np.clip((tau - a) / (b - a), 0, 1))
                ankles[f"{side}_ankle"][:, 1] += lifts[side]
        out = _legs_and_pelvis(lf, np.zeros(n), ankles, STAND_LEAN + 0 * ts, None)
        out.update(ankles)
        out["left_foot_lift"], out["right_foot_lift"] = lifts["left"], lifts["right"]
        out["bar"] = np.broadcast_to(self.bar_xy, (n, 2)).copy()
        return out


class WalkSeg(_Seg):
    """Walking from X = -distance to the bar (ending standing at X = 0); alternating steps, arm swing."""

    phase = "walk"

    def __init__(self, t0, t1, lifter, bar_xy, distance: float, step_len: float = 0.6):
        super().__init__(t0, t1)
        self.lifter, self.bar_xy, self.dist = lifter, np.asarray(bar_xy, float), float(distance)
        self.nst = max(2, int(round(self.dist / step_len)))
        self.step = self.dist / self.nst
        self.ts_step = (self.t1 - self.t0) / (self.nst + 1)

    def _feet(self, ts):
        """Ankle X, lift for both feet at times ts. Step k (1..n) moves the trailing foot to -D + k L;
        step n+1 closes the feet at X = 0. Left foot moves on odd steps."""
        D, L, Ts = self.dist, self.step, self.ts_step
        s = np.clip((ts - self.t0) / Ts, 0.0, self.nst + 1)  # steps elapsed (fractional)
        k = np.floor(s).astype(int)  # completed steps
        frac = s - k
        out = {}
        for side, parity in (("left", 1), ("right", 0)):
            # position after m completed steps: the last step m' <= m with m' % 2 == parity (or closing)
            def pos_after(m):
                m = np.asarray(m)
                last = np.where(m % 2 == parity, m, m - 1)  # last step index of this foot <= m
                p = np.where(last >= 1, -D + last * L, -D)
                closing = m >= self.nst + 1
                return np.where(closing, 0.0, np.minimum(p, 0.0))
            x0 = pos_after(k)
            x1 = pos_after(k + 1)
            moving = (x1 != x0) & (k < self.nst + 1)
            sm = _ss(0.0, 1.0, frac)
            x = np.where(moving, x0 + (x1 - x0) * sm, x0)
            lift = np.where(moving, 0.07 * np.sin(np.pi * frac), 0.0)
            out[side] = (x, lift)
        return out

    def _pelvis_x(self, ts):
        D, Ts = self.dist, self.ts_step
        T = (self.nst + 1) * Ts
        v = D / (self.nst * Ts)
        t = np.clip(ts - self.t0, 0.0, T)
        # trapezoid velocity with smooth ramps of one step each: distance in a ramp = v Ts / 2
        acc = np.clip(t / Ts, 0, 1)
        dec = np.clip((T - t) / Ts, 0, 1)

        def ramp_int(a):  # integral of smoothstep from 0 to a, times Ts
            return (a**3 - a**4 / 2) * Ts

        x = np.where(t < Ts, v * ramp_int(acc),
                     np.where(t > T - Ts, D - v * ramp_int(dec), v * Ts / 2 + v * (t - Ts)))
        return -D + x

    def eval(self, ts):
        lf = self.lifter
        feet = self._feet(ts)
        ankles, lifts = {}, {}
        for side in SIDES:
            x, lift = feet[side]
            ankles[f"{side}_ankle"] = np.stack([x, lf.ankle_height + lift], axis=-1)
            lifts[side] = lift
        px = self._pelvis_x(ts)
        swing = {}
        for side in SIDES:
            other = "right" if side == "left" else "left"
            rel = (ankles[f"{other}_ankle"][:, 0] - px) / max(self.step, 1e-6)
            swing[side] = 0.45 * np.clip(rel, -1, 1)  # arm swings with the opposite leg
        lean = 0.02 + 0.05 * np.sin(np.pi * self.tau(ts))
        out = _legs_and_pelvis(lf, px, ankles, lean, swing)
        out.update(ankles)
        out["left_foot_lift"], out["right_foot_lift"] = lifts["left"], lifts["right"]
        out["bar"] = np.broadcast_to(self.bar_xy, (len(ts), 2)).copy()
        return out


# ----------------------------------------------------------------------------------------------- the set
class SetMotion:
    """Time-continuous motion of one set. state(t) / primitives(t) / sample(ts) (vectorised)."""

    def __init__(self, spec: SetSpec, seed: int = 0):
        self.spec, self.seed = spec, int(seed)
        self.lifter, self.barbell = spec.lifter, spec.barbell
        self.rng = np.random.default_rng(seed)
        self.segments: list[_Seg] = []
        self.reps: list[dict] = []  # per rep: index, style, concentric (t0, t1), eccentric (t0, t1), ...
        self._t = 0.0
        lf, bb = self.lifter, self.barbell
        self.y_floor = bb.rest_height
        # Where the bar rests on the floor: a hips-first shin angle, FLOOR_GAP in front of the shins.
        a_s_ref = DEADLIFT_BOTTOM["hips_first"][0] * DEG
        self.bar_floor = np.array([self._shin_front(a_s_ref, self.y_floor, bb.shaft_radius + FLOOR_GAP),
                                   self.y_floor])
        self._dl_bottom = {}
        self._plain_paths: dict[str, PathTable] = {}
        for style, (a_s, dx) in DEADLIFT_BOTTOM.items():
            a_s *= DEG
            a_t, a_k = solve_bottom(lf, self.bar_floor, a_s, dx, lf.grip_half_width_m)
            # gap as a radius inflation of the (slanted) shin that puts the bar exactly at bar_floor
            g = (self.bar_floor[0] - self._shin_front(a_s, self.y_floor, bb.shaft_radius)) * np.cos(a_s)
            for _ in range(6):
                g += (self.bar_floor[0] - self._shin_front(a_s, self.y_floor, bb.shaft_radius + g)) * np.cos(a_s)
            if g < 0.005:
                raise ValueError("bar would touch the shins at the floor")
            self._dl_bottom[style] = ((a_s, dx), (a_s, float(a_t), float(a_k)), float(g))
        self._build()
        self.duration_s = self._t
        self._t0s = np.array([s.t0 for s in self.segments])

    # --- geometry helpers
    def _shin_front(self, a_s: float, y: float, inflate: float) -> float:
        lf = self.lifter
        knee, hip, _ = chain_from_angles(lf, 0.0, a_s, 0.0, 0.0)
        ankle = np.array([0.0, lf.ankle_height])
        p0, p1, radii = leg_capsules_2d(lf, ankle, knee, hip)
        return float(front_x(p0[None, :1], p1[None, :1], radii[:1], np.array([y]), inflate)[0])

    def _dl_path(self, style: str, drift: float = 0.0, jitter: bool = True) -> PathTable:
        if not jitter and drift == 0.0:
            if style not in self._plain_paths:
                self._plain_paths[style] = self._dl_path_uncached(style, 0.0, False)
            return self._plain_paths[style]
        return self._dl_path_uncached(style, drift, jitter)

    def _dl_path_uncached(self, style: str, drift: float, jitter: bool) -> PathTable:
        _, angles, g = self._dl_bottom[style]
        knobs = {}
        if jitter:
            knobs = {"e1": 0.58 + self.rng.uniform(-0.03, 0.03), "f1": 0.42 + self.rng.uniform(-0.04, 0.04),
                     "ek": 0.78 + self.rng.uniform(-0.05, 0.05), "gmid": self.rng.uniform(0.0, 0.008)}
        return PathTable(self.lifter, self.barbell, "deadlift", style, angles, g, drift, knobs,
                         bar_bottom=self.bar_floor)

    def _rdl_path(self, style: str, drift: float = 0.0) -> PathTable:
        depth = self.rng.uniform(0.95, 1.02)
        angles = tuple(a * DEG * depth for a in RDL_BOTTOM[style])
        return PathTable(self.lifter, self.barbell, "rdl", style, angles, 0.02, drift)

    # --- timeline building
    def _add(self, seg: _Seg):
        self.segments.append(seg)
        self._t = seg.t1

    def _hold(self, path: PathTable, y: float, dur: float, phase: str):
        if dur > 0:
            self._add(BarSeg(self._t, self._t + dur, path, y, y, phase=phase))

    def _move(self, path: PathTable, y0: float, y1: float, dur: float, n: float, gamma: float, phase: str):
        seg = BarSeg(self._t, self._t + dur, path, y0, y1, n, gamma, phase)
        self._add(seg)
        return seg

    def _conc_duration(self, rep: RepSpec, rom: float) -> tuple[float, float]:
        jit = 1.0 + self.rng.uniform(-0.012, 0.012)
        if rep.concentric_s is not None:
            dur = rep.concentric_s * jit
        else:
            dur = rom / (rep.mcv if rep.mcv is not None else 0.5) * jit
        return dur, rom / dur

    def _lead_in_floor(self, first_style: str):
        """Stand or walk in, then set up over the bar on the floor (bar at rest throughout)."""
        sp, lf = self.spec, self.lifter
        if sp.lead_in == "walk_in":
            self._add(WalkSeg(0.0, sp.lead_in_s, lf, self.bar_floor, sp.walk_in_distance_m))
            self._add(StandSeg(self._t, self._t + 0.4, lf, self.bar_floor))
        else:
            self._add(StandSeg(0.0, sp.lead_in_s, lf, self.bar_floor, sp.foot_shuffle))
        self._add(SetupSeg(self._t, self._t + sp.setup_s, lf, self.bar_floor, self._dl_bottom[first_style][1]))

    def _finish_floor(self, style: str):
        sp, lf = self.spec, self.lifter
        self._add(SetupSeg(self._t, self._t + 0.8 * sp.setup_s, lf, self.bar_floor, self._dl_bottom[style][1],
                           reverse=True))
        if sp.rest_s > 0:
            self._add(StandSeg(self._t, self._t + sp.rest_s, lf, self.bar_floor))

    def _blend_bottom(self, style0: str, style1: str, dur: float):
        if dur <= 0:
            return
        if style0 == style1 or self._dl_bottom[style0][0] == self._dl_bottom[style1][0]:
            self._add(BarSeg(self._t, self._t + dur, self._dl_path(style1, jitter=False), self.y_floor,
                             self.y_floor, phase="bottom"))
        else:
            self._add(BottomBlendSeg(self._t, self._t + dur, self.lifter, self.bar_floor,
                                     self._dl_bottom[style0][0], self._dl_bottom[style1][0]))

    def _build(self):
        sp = self.spec
        if sp.lift == "deadlift":
            self._build_deadlift()
        else:
            self._build_rdl()

    def _build_deadlift(self):
        sp = self.spec
        reps = sp.reps
        self._lead_in_floor(reps[0].style)
        prev_style = reps[0].style
        for i, rep in enumerate(reps):
            path = self._dl_path(rep.style, rep.drift_m if rep.style == "bar_drift" else 0.0)
            pb = rep.pause_bottom_s if rep.pause_bottom_s is not None else 1.0
            if rep.touch_and_go and i > 0:
                pb = 0.0
            if i == 0:
                pb = max(pb, 0.6)
            if rep.style != prev_style and self._dl_bottom[rep.style][0] != self._dl_bottom[prev_style][0]:
                pb = max(pb, 0.4)
            self._blend_bottom(prev_style, rep.style, pb)
            y0 = self.y_floor
            y1 = y0 + rep.partial * (path.y_top - y0)
            dur, mcv = self._conc_duration(rep, y1 - y0)
            gamma = self.rng.uniform(1.0, 1.15)
            c = self._move(path, y0, y1, dur, _shape_for_mcv(mcv), gamma, "concentric")
            self._hold(path, y1, rep.pause_top_s, "top")
            if rep.drop:
                d = DropSeg(self._t, self.lifter, path.angles(path.p_of_y(y1)), float(path.x_of_p(path.p_of_y(y1))),
                            y1, self.bar_floor,
                            rep.restitution if rep.restitution is not None else self.rng.uniform(0.3, 0.45), 0.3)
                self._add(d)
                self._add(StandSeg(self._t, self._t + 0.8, self.lifter, self.bar_floor))
                ecc = (d.t0, d.impact)
                if i + 1 < len(reps):  # set up over the bar again
                    nxt = reps[i + 1].style
                    self._add(SetupSeg(self._t, self._t + self.spec.setup_s, self.lifter, self.bar_floor,
                                       self._dl_bottom[nxt][1]))
                    prev_style = nxt
                else:
                    prev_style = None
            else:
                ecc_s = rep.eccentric_s * (1.0 + self.rng.uniform(-0.04, 0.04))
                if rep.touch_and_go:
                    ecc_s = min(ecc_s, 1.0)
                e = self._move(path, y1, y0, ecc_s, 2.2, 1.0, "eccentric")
                ecc = (e.t0, e.t1)
                prev_style = rep.style
            self.reps.append({"index": i + 1, "style": rep.style, "concentric": (c.t0, c.t1),
                              "eccentric": ecc, "partial": rep.partial, "target_mcv": mcv,
                              "full_rom": path.y_top - self.y_floor, "spec": rep, "dropped": rep.drop})
        if prev_style is None:  # the last rep dropped: the lifter stands by the bar
            if self.spec.rest_s > 0:
                self._add(StandSeg(self._t, self._t + self.spec.rest_s, self.lifter, self.bar_floor))
            return
        self._blend_bottom(prev_style, prev_style, 0.6)
        self._finish_floor(prev_style)

    def _build_rdl(self):
        sp = self.spec
        reps = sp.reps
        if sp.pickup:
            self._lead_in_floor("hips_first")
            dl = self._dl_path("hips_first", jitter=False)
            self._blend_bottom("hips_first", "hips_first", 0.6)
            self._move(dl, self.y_floor, dl.y_top, (dl.y_top - self.y_floor) / 0.6, 2.4, 1.05, "pickup")
            self._hold(dl, dl.y_top, 1.0, "top")
        else:
            dl = None
        for i, rep in enumerate(reps):
            path = self._rdl_path(rep.style, rep.drift_m if rep.style == "bar_drift" else 0.0)
            y_top = path.y_top
            if i == 0 and not sp.pickup:
                self._hold(path, y_top, sp.lead_in_s, "stand")
            elif i > 0:
                self._hold(path, y_top, reps[i - 1].pause_top_s, "top")
            y_bot = y_top - rep.partial * (y_top - path.y_bottom)
            ecc_s = rep.eccentric_s * (1.0 + self.rng.uniform(-0.04, 0.04))
            e = self._move(path, y_top, y_bot, ecc_s, 2.2, 1.0, "eccentric")
            pb = rep.pause_bottom_s if rep.pause_bottom_s is not None else 0.0
            self._hold(path, y_bot, pb, "bottom")
            dur, mcv = self._conc_duration(rep, y_top - y_bot)
            c = self._move(path, y_bot, y_top, dur, _shape_for_mcv(mcv), self.rng.uniform(1.0, 1.15), "concentric")
            self.reps.append({"index": i + 1, "style": rep.style, "concentric": (c.t0, c.t1),
                              "eccentric": (e.t0, e.t1), "partial": rep.partial, "target_mcv": mcv,
                              "full_rom": path.y_top - path.y_bottom, "spec": rep})
            last_path = path
        if sp.pickup:
            self._hold(last_path, last_path.y_top, max(reps[-1].pause_top_s, 0.5), "top")
            self._move(dl, dl.y_top, self.y_floor, 1.5, 2.2, 1.0, "putdown")
            self._blend_bottom("hips_first", "hips_first", 0.6)
            self._finish_floor("hips_first")
        else:
            self._hold(last_path, last_path.y_top, sp.rest_s, "rest")

    # --- evaluation
    def sample(self, ts) -> dict[str, np.ndarray]:
        """Vectorised: times (n,) -> dict of (n, 3) arrays: all joints, 'bar_center', 'plate_left',
        'plate_right', plus 'bar_axis' (n, 3), 'segment' (n,) int and 'holding' (n,) bool."""
        ts = np.atleast_1d(np.asarray(ts, float))
        n = len(ts)
        idx = np.clip(np.searchsorted(self._t0s, ts, side="right") - 1, 0, len(self.segments) - 1)
        planar: dict[str, np.ndarray] = {}
        holding = np.zeros(n, bool)
        for si in np.unique(idx):
            sel = np.nonzero(idx == si)[0]
            seg = self.segments[si]
            part = seg.eval(ts[sel])
            holding[sel] = seg.holding
            for key, val in part.items():
                if key not in planar:
                    planar[key] = np.zeros((n,) + np.shape(val)[1:])
                planar[key][sel] = val
        for side in SIDES:
            planar.setdefault(f"{side}_foot_lift", np.zeros(n))
        hip, sh = planar["hip"], planar["shoulder"]
        trunk = np.arctan2(sh[:, 0] - hip[:, 0], sh[:, 1] - hip[:, 1])
        ha = 0.75 * trunk
        planar["head"] = sh + self.lifter.neck * np.stack([np.sin(ha), np.cos(ha)], axis=-1)
        out = assemble_joints(self.lifter, planar)
        bar = np.concatenate([planar["bar"], np.zeros((n, 1))], axis=-1)
        out["bar_center"] = bar
        out["bar_axis"] = np.tile([0.0, 0.0, 1.0], (n, 1))
        off = np.array([0.0, 0.0, self.barbell.outer_face_z])
        out["plate_left"], out["plate_right"] = bar + off, bar - off
        out["segment"] = idx
        out["holding"] = holding
        return out

    def phase_at(self, t: float) -> str:
        i = int(np.clip(np.searchsorted(self._t0s, t, side="right") - 1, 0, len(self.segments) - 1))
        return self.segments[i].phase

    def state(self, t: float) -> PoseState:
        s = self.sample(np.array([t]))
        joints = {k: v[0] for k, v in s.items() if k not in ("bar_center", "bar_axis", "plate_left",
                                                              "plate_right", "segment", "holding")}
        seg = self.segments[int(s["segment"][0])]
        return PoseState(float(t), s["bar_center"][0], s["bar_axis"][0], s["plate_left"][0], s["plate_right"][0],
                         joints, seg.phase, bool(s["holding"][0]))

    def primitives(self, t: float, body_label: str = "body") -> list[Primitive]:
        st = self.state(t)
        return body_primitives(self.lifter, st.joints, body_label) + barbell_primitives(self.barbell, st.bar_center)


# ----------------------------------------------------------------------------------------------- presets
def _r(style="hips_first", **kw) -> RepSpec:
    return RepSpec(style=style, **kw)


def _deadlift_5() -> SetSpec:
    mcvs = [0.55, 0.53, 0.52, 0.50, 0.47]
    return SetSpec("deadlift", [_r(mcv=m, pause_bottom_s=1.0) for m in mcvs], name="deadlift_5")


def _deadlift_walkin() -> SetSpec:
    return SetSpec("deadlift", [_r(mcv=m, pause_bottom_s=1.5, pause_top_s=0.8) for m in (0.5, 0.48, 0.45)],
                   lead_in="walk_in", lead_in_s=3.0, name="deadlift_walkin")


def _deadlift_tng() -> SetSpec:
    reps = [_r(mcv=m, touch_and_go=True, eccentric_s=0.8, pause_top_s=0.25) for m in (0.62, 0.6, 0.58, 0.55, 0.53, 0.5)]
    return SetSpec("deadlift", reps, name="deadlift_tng")


def _deadlift_heavy() -> SetSpec:
    reps = [_r(mcv=m, pause_bottom_s=2.5, pause_top_s=1.0, eccentric_s=1.8) for m in (0.22, 0.19, 0.16)]
    return SetSpec("deadlift", reps, barbell=BarbellSpec(plates_per_side=4, plate_thickness=0.045),
                   lifter=LifterSpec(build=1.15), name="deadlift_heavy")


def _deadlift_fast() -> SetSpec:
    reps = [_r(mcv=m, pause_bottom_s=0.8, pause_top_s=0.4, eccentric_s=1.0) for m in (0.92, 0.9, 0.9, 0.88)]
    return SetSpec("deadlift", reps, barbell=BarbellSpec(plates_per_side=1), name="deadlift_fast")


def _deadlift_vloss() -> SetSpec:
    reps = velocity_loss_reps(8, 0.6, 32.0, pause_bottom_s=0.6, pause_top_s=0.3, eccentric_s=1.1)
    return SetSpec("deadlift", reps, rest_s=1.0, name="deadlift_vloss")


def _deadlift_faults() -> SetSpec:
    reps = [_r("hips_first", mcv=0.5), _r("knees_first", mcv=0.48), _r("bar_drift", mcv=0.46, drift_m=0.12),
            _r("hips_first", mcv=0.45), _r("knees_first", mcv=0.44, ), _r("bar_drift", mcv=0.42, drift_m=0.09)]
    return SetSpec("deadlift", reps, name="deadlift_faults")


def _rdl_8() -> SetSpec:
    reps = [_r(mcv=m, eccentric_s=1.8, pause_top_s=0.3) for m in (0.5, 0.49, 0.48, 0.47, 0.45, 0.44, 0.42, 0.4)]
    return SetSpec("rdl", reps, lead_in_s=1.5, rest_s=1.0, name="rdl_8")


def _rdl_pickup() -> SetSpec:
    reps = [_r(mcv=m, eccentric_s=1.6, pause_top_s=0.4) for m in (0.5, 0.48, 0.46, 0.44, 0.42)]
    return SetSpec("rdl", reps, pickup=True, lead_in_s=1.0, name="rdl_pickup")


def _deadlift_partial() -> SetSpec:
    reps = [_r(mcv=0.45), _r(mcv=0.4), _r(mcv=0.3, partial=0.6, pause_top_s=0.6, eccentric_s=1.0), _r(mcv=0.35)]
    return SetSpec("deadlift", reps, name="deadlift_partial")


def _deadlift_drops() -> SetSpec:
    reps = [_r(mcv=0.6, drop=True), _r(mcv=0.56, drop=True), _r(mcv=0.52, pause_bottom_s=0.8), _r(mcv=0.48, drop=True)]
    return SetSpec("deadlift", reps, name="deadlift_drops")


PRESETS = {
    "deadlift_5": _deadlift_5,
    "deadlift_walkin": _deadlift_walkin,
    "deadlift_tng": _deadlift_tng,
    "deadlift_heavy": _deadlift_heavy,
    "deadlift_fast": _deadlift_fast,
    "deadlift_vloss": _deadlift_vloss,
    "deadlift_faults": _deadlift_faults,
    "rdl_8": _rdl_8,
    "rdl_pickup": _rdl_pickup,
    "deadlift_partial": _deadlift_partial,
    "deadlift_drops": _deadlift_drops,
}


def preset(name: str, **overrides) -> SetSpec:
    """A named SetSpec (see PRESETS); keyword overrides replace SetSpec fields (e.g. lifter=..., lead_in=...)."""
    if name not in PRESETS:
        raise KeyError(f"unknown preset {name!r}; known: {sorted(PRESETS)}")
    spec = PRESETS[name]()
    return replace(spec, **overrides) if overrides else spec
