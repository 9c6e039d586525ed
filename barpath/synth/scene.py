"""Static scene builders (floor, back wall, rack, clutter) in the synthetic WORLD frame.

World frame: X = the lifter's forward direction, Y = up (floor Y = 0), Z = the lifter's left; the lifter stands
near X = 0, Z = 0. `camera_side` is the sign of the camera's Z (+1: camera on the lifter's left, which is what
CameraPose(facing="right") gives; -1: facing="left"). The back wall is on the far side from the camera.

Also `standin_lifter`: a crude capsule/ellipsoid person + bar + plates for tests and benchmarks only (the real
lifter model lives in barpath/synth/lifter.py).
"""

from __future__ import annotations

import numpy as np

from barpath.synth.primitives import Box, Capsule, Cylinder, Ellipsoid, Plane, Primitive


def camera_side_of(facing: str) -> int:
    """camera_side for a CameraPose.facing value."""
    return 1 if facing == "right" else -1


def floor() -> Plane:
    return Plane(np.array([0.0, 1.0, 0.0]), 0.0, "floor")


def back_wall(camera_side: int, distance: float = 2.0) -> Plane:
    """A wall parallel to the lifter's sagittal plane at Z = -camera_side * distance (behind the lifter)."""
    s = float(np.sign(camera_side) or 1.0)
    return Plane(np.array([0.0, 0.0, s]), -float(distance), "wall")


def rack_uprights(x_positions: tuple[float, ...] = (-0.6, 0.6), half_width: float = 1.0, size: float = 0.08,
                  height: float = 2.2, j_hook_height: float | None = 1.35, label: str = "rack") -> list[Box]:
    """Vertical square uprights at every (x, +-half_width); optional J-hooks on the inner faces of the front ones.

    Two x positions give four uprights (a power rack); pass a single x for two squat-stand uprights.
    """
    out: list[Box] = []
    h = size / 2.0
    for x in x_positions:
        for zs in (-1.0, 1.0):
            z = zs * half_width
            out.append(Box(np.array([x - h, 0.0, z - h]), np.array([x + h, height, z + h]), label))
    if j_hook_height is not None:
        xf = max(x_positions)  # front uprights (the lifter's forward side)
        for zs in (-1.0, 1.0):
            z_in = zs * (half_width - h)  # inner face of the upright
            z_out = z_in - zs * 0.07
            lo = np.array([xf - h - 0.06, j_hook_height - 0.04, min(z_in, z_out)])
            hi = np.array([xf + h, j_hook_height + 0.04, max(z_in, z_out)])
            out.append(Box(lo, hi, label))
    return out


def clutter_boxes(camera_side: int, kind: str = "bench") -> list[Box]:
    """A flat bench behind the lifter and/or a plate tree off to the side (both on the far side of the lifter)."""
    s = float(np.sign(camera_side) or 1.0)
    out: list[Box] = []
    if kind in ("bench", "both"):
        z0, z1 = sorted((-s * 1.3, -s * 1.6))
        out.append(Box(np.array([-1.9, 0.0, z0]), np.array([-0.7, 0.45, z1]), "bench"))
    if kind in ("plate_tree", "both"):
        z0, z1 = sorted((-s * 0.9, -s * 1.4))
        out.append(Box(np.array([1.3, 0.0, z0]), np.array([1.8, 1.1, z1]), "clutter"))
    return out


def build_static_scene(camera_side: int = 1, *, wall: bool = True, wall_distance: float = 2.0, rack: bool = False,
                       rack_half_width: float = 1.0, rack_x: tuple[float, ...] = (-0.6, 0.6),
                       j_hooks: bool = True, clutter: bool | str = False) -> list[Primitive]:
    """Floor + optional back wall, rack uprights (with J-hooks) and clutter ("bench", "plate_tree", "both")."""
    prims: list[Primitive] = [floor()]
    if wall:
        prims.append(back_wall(camera_side, wall_distance))
    if rack:
        prims.extend(rack_uprights(rack_x, rack_half_width, j_hook_height=1.35 if j_hooks else None))
    if clutter:
        prims.extend(clutter_boxes(camera_side, "bench" if clutter is True else str(clutter)))
    return prims


# ---------------------------------------------------------------------- test/benchmark stand-in


def _rot_z(deg: float) -> np.ndarray:
    c, s = np.cos(np.radians(deg)), np.sin(np.radians(deg))
    return np.array([[c, -s, 0.0], [s, c, 0.0], [0.0, 0.0, 1.0]])


def standin_lifter(bend: float = 0.0, bar_height: float | None = None, n_plates_per_side: int = 2,
                   x: float = 0.0) -> list[Primitive]:
    """~20 capsules/ellipsoids person (legs, feet, pelvis, torso, arms, head), a 3-capsule bar, plates.

    `bend` in [0, 1]: 0 standing, 1 deep bent-over / squat-like pose. NOT a kinematic model; for tests only.
    """
    p = lambda *v: np.array(v, float)  # noqa: E731
    prims: list[Primitive] = []
    knee_fwd = 0.25 * bend
    hip_y = 0.95 - 0.4 * bend
    hip_x = x - 0.25 * bend
    knee_y = 0.5 - 0.05 * bend
    trunk = np.radians(10 + 50 * bend)  # forward lean from vertical
    sh = p(hip_x + 0.5 * np.sin(trunk), hip_y + 0.5 * np.cos(trunk), 0.0)
    for zs in (-1.0, 1.0):
        z = 0.12 * zs
        ankle, knee, hip = p(x, 0.08, z), p(x + knee_fwd, knee_y, z), p(hip_x, hip_y, z)
        prims += [Capsule(ankle, knee, 0.055), Capsule(knee, hip, 0.075),
                  Capsule(p(x - 0.05, 0.04, z), p(x + 0.17, 0.04, z), 0.04)]  # shank, thigh, foot
        shoulder = sh + p(0, 0, 0.19 * zs)
        hand = p(x + 0.05, sh[1] - 0.55 + 0.3 * bend, 0.25 * zs)
        elbow = 0.5 * (shoulder + hand) + p(-0.05, 0, 0.03 * zs)
        prims += [Capsule(shoulder, elbow, 0.045), Capsule(elbow, hand, 0.04),
                  Ellipsoid(hand, np.eye(3), p(0.05, 0.06, 0.03))]
    pelvis = p(hip_x, hip_y, 0.0)
    prims.append(Ellipsoid(pelvis, _rot_z(-np.degrees(trunk)), p(0.12, 0.1, 0.18)))
    mid = 0.5 * (pelvis + sh)
    prims.append(Ellipsoid(mid, _rot_z(-np.degrees(trunk)), p(0.13, 0.3, 0.19)))
    prims.append(Capsule(sh + p(0, 0, -0.19), sh + p(0, 0, 0.19), 0.06))  # shoulder girdle
    head = sh + p(0.05 + 0.1 * np.sin(trunk), 0.22 * np.cos(trunk), 0.0)
    prims.append(Capsule(sh, head, 0.05))  # neck
    prims.append(Ellipsoid(head, np.eye(3), p(0.1, 0.12, 0.085)))
    # Bar in the hands (deadlift/row) or at bar_height.
    by = float(sh[1] - 0.55 + 0.3 * bend) if bar_height is None else bar_height
    bx = x + 0.05
    prims += [Capsule(p(bx, by, -0.655), p(bx, by, 0.655), 0.014, "bar"),
              Capsule(p(bx, by, 0.655), p(bx, by, 1.1), 0.025, "bar"),
              Capsule(p(bx, by, -1.1), p(bx, by, -0.655), 0.025, "bar")]
    for zs in (-1.0, 1.0):
        for i in range(n_plates_per_side):
            zc = zs * (0.69 + 0.06 * i)
            prims.append(Cylinder(p(bx, by, zc), p(0, 0, 1.0), 0.225, 0.025, "plate"))
    return prims
