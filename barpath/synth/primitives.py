"""Solid shapes the synthetic scene is made of, in the synthetic WORLD frame.

World frame (metres): X = the lifter's forward direction, Y = up (floor is Y = 0), Z = X x Y (the lifter's
left). The lifter's ankles are near X = 0 and the bar's centre near Z = 0.

Each primitive carries a `label` (e.g. "plate", "bar", "body", "rack", "wall", "person2") so tests can ask
which object a pixel shows; the renderer also returns a label image.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class Capsule:
    """All points within `radius` of the segment p0-p1 (limbs, bar shaft)."""

    p0: np.ndarray  # (3,)
    p1: np.ndarray  # (3,)
    radius: float
    label: str = "body"


@dataclass(frozen=True)
class Ellipsoid:
    """Points x with |diag(1/radii) R^T (x - center)| <= 1; R's columns are the ellipsoid's axes (world)."""

    center: np.ndarray  # (3,)
    axes: np.ndarray  # (3, 3) rotation, columns = unit axes
    radii: np.ndarray  # (3,)
    label: str = "body"


@dataclass(frozen=True)
class Cylinder:
    """A solid disc/cylinder: radius around `axis` (unit), from center - half_length*axis to + (plates)."""

    center: np.ndarray  # (3,)
    axis: np.ndarray  # (3,) unit
    radius: float
    half_length: float
    label: str = "plate"


@dataclass(frozen=True)
class Box:
    """Axis-aligned box in world coordinates (rack uprights, benches, plate stacks)."""

    lo: np.ndarray  # (3,) min corner
    hi: np.ndarray  # (3,) max corner
    label: str = "rack"


@dataclass(frozen=True)
class Plane:
    """Half-space boundary n . x = d (n unit, pointing into free space): floor, back wall."""

    normal: np.ndarray  # (3,)
    offset: float
    label: str = "floor"


Primitive = Capsule | Ellipsoid | Cylinder | Box | Plane
