"""Near-leg joint centres (ankle, knee, hip) and the shoulder from the lifter's depth silhouette.

Pipeline (decimated depth, ~212 px wide; pure numpy + cv2):
1. Lifter pixels: between the plates along the bar axis (axial offset from the near plate's outer face in
   [-1.1, -0.3] m: excludes the plate stack, sleeve, rack uprights, a wall, a bystander behind the lifter),
   above the floor, not on the bar shaft.
2. They are mapped, as RAYS, onto the lifter's sagittal plane (perpendicular to the bar axis at the lifter's
   median axial depth) — a homography, so the 2-D silhouette carries no depth noise — and rasterised on a
   2 cm grid (forward, up). The region the near plate hides is rasterised too ("unknown": neither body nor
   background).
3. A planar chain model (ankle fixed on the floor, shank, thigh, trunk; lengths from the lifter's stature via
   standard anthropometric fractions; the stature is the upright lifter's 3-D top, or with the head never in view
   the one whose chain fits the silhouette best) is fitted to the silhouette's distance transform: each segment's
   axis should run deep inside the limb (the limb radius away from the outline). The joint angles are found by a
   vectorised grid search (shank × thigh jointly, then the trunk), so every frame gives the same anatomical
   points, not extreme pixels.
   The knee, where the near leg shows under or beside the plate, comes from that leg's own axes at full resolution;
   a sure one pins the chain (the thigh and trunk refitted from it: KNEE_PIN_SD).
4. A joint is reported only when the segments around it are mostly visible (not hidden by the plate).
"""

from __future__ import annotations

import functools
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

import cv2
import numpy as np

from barpath.geometry import LegGirth, cross3
from barpath.sources.frame import Intrinsics
from barpath.vision.plate import depth_sigma
from barpath.vision.robust import median

# Segment lengths as fractions of stature (Drillis & Contini / Winter).
SHANK_FRAC = 0.246
THIGH_FRAC = 0.245
TRUNK_FRAC = 0.288
ANKLE_H_FRAC = 0.039
CELL_M = 0.02
# Candidate statures (segment lengths scale with it): the one whose chain fits the silhouette best over the first
# frames with the leg in view wins. The silhouette's top is only a lower bound: edge dropouts and decimation lose
# a few cm, and a camera close or pitched down cuts the head off the image.
STATURES = np.arange(1.40, 2.101, 0.05)
# Stature over the upright silhouette's top: (lowest, typical, highest). The outline loses a few cm at the head
# (edge invalidation, decimation, hair); the chain score picks within the band.
TOP_GAIN = (0.98, 1.02, 1.06)
SCALE_SAMPLES = 20  # frames learnt from quickly (every body frame that can tell the stature) ...
SCALE_NARROW_AFTER = 5  # ... every candidate fitted on the first this many of them, then the best's neighbours (_fit)
SCALE_EVERY_LATER = 15  # ... then slowly, forgetting early frames (a lifter still walking in, setting up)
SCALE_MEMORY = 0.97  # per learning frame
LATE_WINDOW = 3  # candidates either side of the best fitted in the slow phase
# A candidate's mean is compared with the others' only while its (forgetting) weight is at least this share of the
# best-sampled one's: one left outside the window since the first frames keeps the mean of those frames, and the
# poses then (setting up at the bar) can score every stature higher than the lift's do. sweep10148bc (1.77 m, the head
# out of the image): the learnt 1.74 jumped to 1.40 at 11 s, 1.40's mean from its 5 early frames (weight 2.2 of 20)
# beating the window's; the hip read 96 mm RMS off.
STALE_WEIGHT = 0.5
TOPS_KEPT = 600  # upright tops the stature's bound is taken from (the latest)
TOP_OUTLIER_K, TOP_SD_MIN = 4.0, 0.02  # a top this many robust sds (at least this, m) above their median: noise
# A knee from the leg axes whose own error estimate is larger is not reported: from a few cm of thigh near the hip,
# a line extrapolated 5x its length put one 16 cm back, inside a 3 cm covariance the tracker then accepted.
KNEE_SD_MAX = 0.03
# A leg axis fitted to a short piece of limb tilts by about this many pixels over the piece's length, however little
# its rows scatter: a near-vertical limb's outline runs along the pixel grid, so its rows share their rounding rather
# than averaging it out. Counted in the knee's sd, the tracker weighs such knees less and the gate drops the worst
# (random scene sweep2057, 640x480 at 3.5 m: knees from 5-10 cm of shin or thigh came 7-16 cm back as the plate passed
# the knee, with 1.4-2.9 cm sd from the rows' scatter alone). A whole pixel cost deadlift_faults its knee travel.
AXIS_TILT_PX = 0.5
# The chain's knee lies in the outline of both legs (on the lifter's mid plane the far leg's is a few cm off the near
# one's, more so close up), and its hip hangs on that knee: deadlift_close (1.6 m) had its knee 0-5 cm forward at the
# paused bottom and the hip with it (hip back travel 3.9 cm short). A knee measured on the near leg's shank or thigh
# axis with at most this sd pins the thigh instead: the thigh and the trunk are refitted from it (deadlift_close: hip
# travel 2.5 cm; over 70 recordings the hip travel error 1.21 -> 1.07 cm mean, the hip RMSE 15.0 -> 14.6 mm). Not from
# a less sure knee, nor from the 'short' one (its sd floor is this): with those too, deadlift_faults' hip travel went
# 2.6 -> 4.3 cm (its 'short' knees 2 cm back at a knees-first bottom); from shank knees of 1.5-2.5 cm sd a random
# scene's hip RMSE went 17.8 -> 19.8 mm.
KNEE_PIN_SD = 0.01
# A row's run across a limb narrower than this share of the piece's median run is part of the limb only: a hole in
# the depth (a dropout, speckle) split it, and its centre lies off the axis. deadlift_faults rep 1 at lockout: three
# of 11 rows of a 5 cm piece of shin split by a 1.5 cm hole read 4.0-4.3 cm wide for 9.3, 2.8 cm off the axis; the
# shank's anchor drifted 3 cm back on them and the knee laid through it came 4-10 cm forward (the rep's knee travel
# 5.5 cm for 9.8). A limb tapers less along a piece: a shin seen from the side is ~0.65 as deep above the ankle as at
# the calf, a thigh's run 1.6x from hip to knee.
RUN_WIDTH_MIN = 0.5
RUN_WIDTH_MAX = 1.3  # a shank row this much wider than the learnt shank is merged with something beside it (see
#                      _knee_from_axes)
# The lifter's mid plane along the bar, for the joints' depth (their coordinate along the bar axis): the per-frame
# median of the lifter's pixels moves with the pose (which parts the plate hides, the trunk seen at the bottom) while
# the lifter, holding the bar, stays put along it. Followed with this time constant (device time: 0.02 a fit at 30
# fits a second), the silhouette's own plane faster (0.1 a fit: slowed too, the chain's forward error grew,
# deadlift_close's hip 15.3 -> 17.1 mm RMS). deadlift_fast: the hip's error along the bar 9.0 -> 2.9 mm RMS, its 3-D
# RMSE 21.1 -> 19.5 mm.
MID_PLANE_TAU_S = 1.65
BODY_FIT_DT_S = 1.0 / 30  # a fit's step when no device time is given
COARSE_PIXEL_M = 0.012  # a pixel this large where the legs are: too coarse for the leg axes (see estimate)
LEG_PLANE_MIN_PX = 20  # decimated leg pixels below the plate the near leg's plane is learnt from ...
LEG_PLANE_FIRST_PX = 10  # ... and first set from (see estimate)
NORMAL_P90 = 1.2816  # a standard normal's 90th percentile
# The 90th percentile of a limb's pixels toward the camera, less its radius, over that radius, against the depth noise
# (sd over the radius, 0..1.2 by 0.1): a round limb seen from the side (pixels evenly across its width) plus normal
# noise (computed by sampling). The near leg's plane (a_near) takes 5 cm for the radius and the noise at its nominal:
# it lies this much nearer than the leg's axis (LegView.lift).
P90_OVER_RADIUS = (-0.005, 0.049, 0.144, 0.251, 0.365, 0.483, 0.603, 0.726, 0.849, 0.973, 1.099, 1.225, 1.351)
LEG_RADIUS_M = 0.05
ANKLE_LEARN_VIS = 0.45  # the ankle's place is learnt from fits showing at least this share of the shank (see _fit)
LEARN_WAIT_S = 10.0  # with no upright top seen, nor a lifter cut by the top edge: learn the stature after this long
ANKLE_SEARCH_M = 0.06  # the chain's ankle is searched this far either side of the learnt one
STATURE_LEARNT_SD = 0.03  # a stature learnt from the chain's score (no upright top seen): its error, m
GIRTH_MIN_ROWS = 8  # a leg axis's rows (5 mm each) whose runs' median width counts for the leg's girth ...
GIRTH_KEPT = 300  # ... over the latest this many such fits (a lifter's legs do not change; the next lifter's may)
GIRTH_MIN_FITS = 10  # ... once this many
UPRIGHT_MAX = np.radians(15)  # shank, thigh and trunk all within this of vertical: the lifter stands upright
SPLAY_BIN_M = 0.02  # the near shank's surface profile: height bins ...
SPLAY_BIN_PX = 30  # ... each its nearest surface (90th percentile) once it holds this many pixels ...
SPLAY_KEPT_PX = 20000  # ... of the latest this many (pooled over frames: 15-110 a frame, decimated) ...
SPLAY_EVERY = 30  # ... refitted every this many frames (the first after fewer, all from one phase of the lift, had
#                    set shares of 0.969-0.974 for 0.985 and 0.993 after 10-20 frames)
SPLAY_STEP_M = 0.002  # (the percentiles' resolution)
SPLAY_MAX = 0.4  # lateral per vertical metre: ~22 deg, past a sumo stance's
SPLAY_MIN_SHORT = 0.005  # legs shorter in the plane by less than this are taken as full length, by twice this or more
#                          as they are, ramped between (see LegSplay)


def _offset_grid(d_fa: float, d_a_deg: float, k_a: int, legs: bool = True) -> list[np.ndarray]:
    """A refinement pass's (ankle, shank, thigh, trunk) offsets: the ankle by -d_fa, 0, d_fa (or fixed), each angle
    by -k_a..k_a steps of d_a_deg (the trunk varying fastest, as full() expects); without legs the shank is held."""
    fa = d_fa * np.arange(-1, 2) if d_fa else np.zeros(1)
    a = np.radians(d_a_deg * np.arange(-k_a, k_a + 1))
    return np.meshgrid(fa, a if legs else np.zeros(1), a, a, indexing="ij")


# The chain fit's local refinement passes: (offsets, samples a segment, bilinear sampling).
_REFINE_PASSES = ((_offset_grid(0.0, 2.0, 2), 10, False), (_offset_grid(0.005, 0.5, 1), 14, True))
# The same with the ankle and the shank held (the knee measured): the thigh and the trunk about the main fit's.
_UPPER_PASSES = ((_offset_grid(0.0, 3.0, 4, legs=False), 10, False), (_offset_grid(0.0, 1.0, 2, legs=False), 14, True))


def _angle_axis(deg: np.ndarray, axis: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A search grid's angle axis: (angles, their sines, cosines), the latter two shaped to broadcast along axis of
    the (ankle, shank, thigh) grid."""
    a = np.radians(deg)
    shape = [1, 1, 1]
    shape[axis] = len(a)
    return a, np.sin(a).reshape(shape), np.cos(a).reshape(shape)


# The chain fit's first search: the ankle about the learnt one x the shank's x the thigh's angle; then the trunk's.
_ANKLE_OFFSETS = np.arange(-ANKLE_SEARCH_M, ANKLE_SEARCH_M + 1e-4, 0.02)
_SHANK_GRID = _angle_axis(np.arange(-24.0, 70.0, 6.0), 1)
_THIGH_GRID = _angle_axis(np.arange(-14.0, 116.0, 6.0), 2)
_TRUNK_ANGLES = np.radians(np.arange(-30.0, 111.0, 10.0))
# The previous pose's neighbours joining the trunk stage: the ankle held, each angle by -6, 0, 6 deg.
_PREV_OFFSETS = np.meshgrid([0.0], *[np.radians(np.array([-6.0, 0.0, 6.0]))] * 3, indexing="ij")


@dataclass
class BodyFit:
    """Joint centres (camera coordinates, metres; None = not measured) and diagnostics."""

    ankle: np.ndarray | None
    knee: np.ndarray | None
    hip: np.ndarray | None
    shoulder: np.ndarray | None
    covs: dict[str, np.ndarray] = field(default_factory=dict)
    sagittal: dict[str, tuple[float, float]] = field(default_factory=dict)  # (forward, up) metres
    score: float = 0.0
    visible: dict[str, float] = field(default_factory=dict)  # fraction of each segment's samples not hidden
    stature_m: float = 0.0
    facing: int = 0
    knee_source: str | None = None  # "shank", "short", "thigh" (the leg axes) or "chain"
    top_clipped: bool = False  # the lifter reached the image's top edge (the head, the trunk cut off)
    forward: np.ndarray | None = None  # (3,) unit, horizontal: the way the lifter faces (from the body's mass to the bar)
    leg_pixel_m: float | None = None  # an image pixel's size where the legs are (>= COARSE_PIXEL_M: no leg axes)


def _bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray, *more: np.ndarray, base: np.ndarray | int = 0
              ) -> np.ndarray | list[np.ndarray]:
    """img sampled at (x, y) (columns, rows; clamped to the image), bilinearly; with more images of the same shape,
    the list of each one's samples (the weights computed once). img (and more) may be stacks of images (L, h, w):
    base, broadcast with x, is then each sample's image's flat offset (k h w for the k-th)."""
    h, w = img.shape[-2:]
    x = np.minimum(np.maximum(x, 0), w - 1.001)  # (np.clip's wrapper costs more than the work at this size)
    y = np.minimum(np.maximum(y, 0), h - 1.001)
    x0 = x.astype(np.intp)
    y0 = y.astype(np.intp)
    fx = x - x0
    fy = y - y0
    gx = 1 - fx
    gy = 1 - fy
    i00 = y0 * w + x0  # flat indices of the four neighbours (take on the flat image: faster than 2-D indexing)
    i00 += base
    i01 = i00 + 1
    i10 = i00 + w
    i11 = i10 + 1
    out = []
    for im in (img, *more):
        f = im.ravel()
        a = f.take(i00) * gx + f.take(i01) * fx
        b = f.take(i10) * gx + f.take(i11) * fx
        out.append(a * gy + b * fy)
    return out if more else out[0]


@functools.lru_cache(maxsize=8)
def _seg_samples(n: int) -> np.ndarray:
    """The n sample positions along a segment that the chain fit scores (made once: it scores thousands of times)."""
    t = np.linspace(0.08, 0.92, n)
    t.setflags(write=False)
    return t


def _axial_height(depth_m: np.ndarray, intr: Intrinsics, rows: slice, cols: slice, ax: np.ndarray, up: np.ndarray,
                  cz: float, cam_h: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """A (strided) crop of the depth image: depth (m), each pixel's axial offset from the plate face (along ax) and
    height above the floor, all float32."""
    z = depth_m[rows, cols].astype(np.float32)
    uu = ((np.arange(depth_m.shape[1])[cols] - intr.ppx) / intr.fx).astype(np.float32)[None, :]
    vv = ((np.arange(depth_m.shape[0])[rows] - intr.ppy) / intr.fy).astype(np.float32)[:, None]
    axial = (uu * ax[0] + vv * ax[1] + ax[2]) * z - np.float32(cz)
    hgt = (uu * up[0] + vv * up[1] + up[2]) * z + np.float32(cam_h)
    return z, axial, hgt


class LegOutline:
    """The near leg's girth, learnt from the silhouette runs the leg axes are fitted to (half a run's width across
    the limb is its half-thickness: a limb seen from the side shows its diameter). Per fit the median over the
    rows, and over the latest GIRTH_KEPT fits the median of those: a few rows merged with a hand or cut by noise
    do not move it. deadlift_faults' set (848x480 at 2.4 m) with an average, a heavy and a slim lifter: the shank's
    half-thickness read 4.8, 6.4 and 4.0 cm for 5.0, 6.8 and 4.1; the thigh's (the rows follow its taper) 6.9 and
    9.1 cm at its middle for 6.8 and 9.2 (the slim lifter's thigh was never needed for the knee, so not measured)."""

    def __init__(self) -> None:
        self.shank: deque[float] = deque(maxlen=GIRTH_KEPT)  # per fit: median half-width (m)
        self.thigh: deque[tuple[float, float]] = deque(maxlen=GIRTH_KEPT)  # per fit: (median half-width, where)
        self._girth: LegGirth | None = None
        self._stale = False  # (girth() is read on every frame, recomputed only after an add)

    def add(self, segment: str, widths: np.ndarray, where: np.ndarray | None = None) -> None:
        """widths (m) of one fit's rows across the shank or the thigh; where: the thigh rows' place along it."""
        if len(widths) < GIRTH_MIN_ROWS:
            return
        if segment == "shank":
            self.shank.append(0.5 * median(widths))
        else:
            self.thigh.append((0.5 * median(widths), median(where)))
        self._stale = True

    def girth(self) -> LegGirth | None:
        """The girth learnt so far (None before GIRTH_MIN_FITS fits of either segment)."""
        if self._stale:
            self._stale = False
            shank = median(self.shank) if len(self.shank) >= GIRTH_MIN_FITS else None
            thigh = np.median(np.asarray(self.thigh), axis=0) if len(self.thigh) >= GIRTH_MIN_FITS else None
            if shank is not None or thigh is not None:
                self._girth = LegGirth(shank, *((None, None) if thigh is None else (float(thigh[0]), float(thigh[1]))))
        return self._girth


def _upright(shank: float, thigh: float, trunk: float) -> bool:
    """Whether a pose's segment angles (rad from vertical) are all within UPRIGHT_MAX: the lifter stands upright."""
    return max(abs(shank), abs(thigh), abs(trunk)) < UPRIGHT_MAX


def sagittal_share(splay: float) -> float:
    """The share of a leg's length in the sagittal plane for a leg leaning splay (m) out per metre of height:
    1/sqrt(1 + splay^2), but 1 while that is under SPLAY_MIN_SHORT shorter, and ramped up to the full correction at
    twice that (continuous: a splay near the edge does not flip the legs between two lengths). Under half a percent is
    within the stature's own error (1-3 cm), and at the presets' 0.32 m stance (0.3 %) applied it moved single reps'
    hip or knee travel by up to 1.6 cm either way (the worst rep's error: deadlift's knee 2.3 -> 3.3 cm,
    deadlift_close's hip 2.5 -> 3.5, deadlift_fast's 1.1 -> 2.7), while the hip's RMSE moved by -0.7 to +0.2 mm."""
    short = 1.0 - 1.0 / float(np.hypot(1.0, splay))
    return 1.0 - min(short, max(0.0, 2.0 * (short - SPLAY_MIN_SHORT)))


class LegSplay:
    """How far the near leg runs out toward the camera per metre down (a wide stance's feet lie outside its hips),
    and from it the legs' share of their length in the sagittal plane, for the chain (whose shank and thigh are 3-D
    lengths): a 1.91 m lifter with a 0.55 m stance (the leg 1.8 % shorter in the plane) read the hip's back travel
    3.9-7.2 cm long in every rep with full-length legs, 0.4 short to 3.3 long with the true share.
    From the near shank's surface below the plate with the shank near vertical: its pixels (axial place toward the
    camera, height) pooled over frames in height bins, each bin's nearest surface (90th percentile), a line through
    them. Pooled, the depth noise's pull toward the camera is the same in every bin and cancels in the slope; one
    frame's bins hold 3-6 pixels each, and one frame's slope scattered 0.2 (interquartile) at 3.3 m and read 0.05
    high at the median. The slope less its standard error (a splay applied only as far as it is known), clipped to
    0..SPLAY_MAX, gives the share (sagittal_share). Over whole sets, slope (true): 0.078 (0.081), 0.081 (0.081),
    0.172 (0.171), 0.192 (0.195), 0.248 (0.253); from 640x480 at 3-3.4 m 0.118 +- 0.020 (0.094), 0.136 +- 0.027
    (0.173), 0.109 +- 0.059 (0.117). The synthetic shank is a cylinder; a real calf, thicker than the ankle, would
    read the slope low (1.5 cm more radius over 0.2 m: -0.075): the correction errs toward none."""

    def __init__(self) -> None:
        self._a = np.zeros(SPLAY_KEPT_PX, np.float32)  # the pool (a ring): axial place ...
        self._h = np.zeros(SPLAY_KEPT_PX, np.float32)  # ... and height of each pixel
        self._n = 0  # pixels ever added
        self._frames = 0
        self.slope: float | None = None  # the latest fit's (lateral per vertical, outward down), and its
        self.slope_se = 0.0  # standard error
        self.share = 1.0  # the legs' sagittal share (sagittal_share of the slope less its error)
        self.known = 0.0  # the slope less its error, clipped to 0..SPLAY_MAX (a splay applied only as far as known)

    def add(self, axial: np.ndarray, hgt: np.ndarray) -> None:
        """One frame's near-shank pixels: axial place (m, toward the camera) and height above the floor (m)."""
        k = len(axial)
        if k == 0:
            return
        at = (self._n + np.arange(k)) % SPLAY_KEPT_PX
        self._a[at], self._h[at] = axial, hgt
        self._n += k
        self._frames += 1
        if self._frames % SPLAY_EVERY == 0:
            self._refit()

    def _refit(self) -> None:
        n = min(self._n, SPLAY_KEPT_PX)
        a, h = self._a[:n], self._h[:n]
        b = np.floor(h / SPLAY_BIN_M).astype(np.int64)
        b -= b.min()
        # Each bin's 90th percentile from a histogram of the axial places (SPLAY_STEP_M cells): 0.3 ms, a sort 3.7.
        a0 = float(a.min())
        col = ((a - a0) / SPLAY_STEP_M).astype(np.int64)
        nb, nc = int(b.max()) + 1, int(col.max()) + 1
        cum = np.cumsum(np.bincount(b * nc + col, minlength=nb * nc).reshape(nb, nc), axis=1)
        cnt = cum[:, -1]
        full = np.flatnonzero(cnt >= SPLAY_BIN_PX)
        if len(full) < 5:
            return
        near = a0 + SPLAY_STEP_M * ((cum[full] < 0.9 * cnt[full, None]).sum(axis=1) + 0.5)  # each bin's p90
        hb = np.bincount(b, weights=h)[full] / cnt[full]  # and its mean height
        if hb.max() - hb.min() < 0.1:
            return
        dh = hb - hb.mean()
        sxx = float(dh @ dh)
        slope = float(dh @ (near - near.mean())) / sxx  # least squares: near = c + slope h
        resid = near - near.mean() - slope * dh
        self.slope, self.slope_se = -slope, float(np.sqrt(resid @ resid / (len(full) - 2) / sxx))
        self.known = min(max(self.slope - self.slope_se, 0.0), SPLAY_MAX)
        self.share = sagittal_share(self.known)


def _ray_to_axial(x: np.ndarray, ax: np.ndarray, axial: float) -> np.ndarray:
    """Camera points x (..., 3) moved along their rays to the plane x @ ax = axial."""
    return x * (axial / (x @ ax))[..., None]


@dataclass
class LegView:
    """One frame's depth seen on the near leg's sagittal plane X(f, h) = o + f fwd + h up (o at the near leg's
    axis depth), at full image resolution, for the leg axes."""

    depth_m: np.ndarray
    intr: Intrinsics
    o_mid: np.ndarray  # the coarse silhouette's plane (the lifter's median depth)
    o: np.ndarray
    fwd: np.ndarray
    up: np.ndarray
    ax: np.ndarray
    cz: float  # the plate face's axial coordinate (camera)
    cam_h: float
    a_near: float  # the near leg's axis, axial offset from the plate face
    axial_range: tuple[float, float]
    pixel_m: float  # an image pixel's size where the legs are (m)
    splay: float = 0.0  # the near leg's lean out toward the camera per metre down (LegSplay.known) ...
    h_plane: float = 0.0  # ... the height (m) where the plane's depth was measured (see lift) ...
    plane_bias: float = 0.0  # ... and how much nearer than the leg's axis there it lies (P90_OVER_RADIUS)

    @staticmethod
    def _move(f, h, o_from, o_to, fwd, up, ax):
        x = o_from + np.multiply.outer(f, fwd) + np.multiply.outer(h, up)
        x = _ray_to_axial(x, ax, float(o_to @ ax))  # along the camera ray onto the other plane
        return (x - o_to) @ fwd, (x - o_to) @ up

    def to_near(self, f, h) -> np.ndarray:
        """A point of the coarse (mid-plane) silhouette, moved along its camera ray onto the near leg's plane."""
        return np.array(self._move(f, h, self.o_mid, self.o, self.fwd, self.up, self.ax))

    def to_mid(self, f, h):
        """Near-plane (forward, up) arrays -> the coarse silhouette's plane."""
        return self._move(np.asarray(f), np.asarray(h), self.o, self.o_mid, self.fwd, self.up, self.ax)

    def ankle_to_near(self, f: float, h: float) -> np.ndarray:
        """The coarse silhouette's ankle on the near leg's plane: its forward place along its camera ray (to_near),
        its height kept (the ankle's height above the floor). Moved up along the ray, a camera above the ankles saw it
        rise by the planes' gap times the ray's slope: a 0.6 m stance from 2 m (the mid plane drifting back 4.4 cm as
        the plate hides the near leg at the bottom) read it 2.2 cm high at lockout and 4.4 at the bottom, and the
        knee laid from it 4-6 cm back and 4 cm high (the knee's forward travel 5.6 cm short)."""
        return np.array([float(self.to_near(f, h)[0]), float(h)])

    def point(self, f: float, h: float) -> np.ndarray:
        return self.o + f * self.fwd + h * self.up

    def lift(self, f: float, h: float) -> np.ndarray:
        """The leg's axis point seen at (f, h) on the plane: moved along its camera ray to the axis's own depth there.
        The plane lies plane_bias nearer than the axis at h_plane, and a splayed leg's axis leaves it (a knee 0.35 m
        higher lies ~3 cm farther at a 0.08 splay); along the rays the plane sees a farther knee moved toward the
        camera's height: deadlift_walkin (camera 1 m high, 2.8 m) saw its shank 0.9 cm longer on the plane than in 3-D."""
        x = self.o + f * self.fwd + h * self.up
        # (axial: toward the camera; the axis nears it going down)
        target = float(self.o @ self.ax) - self.plane_bias - self.splay * (h - self.h_plane)
        return _ray_to_axial(x, self.ax, target)

    def sagittal(self, f: float, h: float) -> np.ndarray:
        """The lifted point's (lift) forward and height: its place in any sagittal plane (the planes differ only along
        the bar), where the plane itself shows it moved along its ray."""
        x = self.lift(f, h) - self.o
        return np.array([float(x @ self.fwd), float(x @ self.up)])

    def placed(self, f: float, h: float) -> np.ndarray:
        """A joint seen at (f, h) as reported: the lifted point's forward and height (sagittal), on the plane. Lifted
        all the way, the knee stepped ~3 cm along the bar when the splay was taken up mid-set (deadlift_close: its RMSE
        4.2 -> 12.7 mm); along the bar the plane's place is as good a guess for the hinge, which looks only forward
        and up."""
        return self.point(*self.sagittal(f, h))

    def anchor(self, f: float, h: float) -> np.ndarray:
        """The leg's axis point at the height h (m above the floor) seen at (f, h) on the plane: lifted (lift), then
        put back at that height (moved along the near-vertical shank: along the ray it sank by the depth it moved
        times the ray's slope, ~1 cm for 3 cm at 2.8 m from 1 m above the ankle)."""
        x = self.lift(f, h)
        return x + (h - float((x - self.o) @ self.up)) * self.up

    def reach(self, a3: np.ndarray, q: np.ndarray, v: np.ndarray, u: float, length: float) -> np.ndarray:
        """The point q + u' v (plane coordinates) whose lift lies `length` (3-D) from the 3-D point a3, from u' = u
        (Newton, 2 steps: the plane's lengths differ from 3-D ones by a few percent at most)."""
        def gap(w):
            return float(np.linalg.norm(self.lift(*(q + w * v)) - a3)) - length
        for _ in range(2):
            g0 = gap(u)
            rate = (gap(u + 1e-3) - g0) / 1e-3
            if abs(rate) < 1e-3:
                break
            u -= g0 / rate
        return q + u * v

    def along_ray(self, x: np.ndarray) -> np.ndarray:
        """A camera point moved along its ray onto the near leg's plane: its (forward, up) there."""
        return np.array(self._move(0.0, 0.0, np.asarray(x, float), self.o, self.fwd, self.up, self.ax))

    def strip(self, p0, d, s_lo, s_hi, half_w, cell, radius):
        """The near leg's mask resampled onto a strip along a segment: row j at p0 + (s_lo + j cell) d, column i
        at offset (-half_w + i cell) across it (n = d turned by -90 deg). Only pixels from 9 cm behind the near
        leg's axis (not the far leg, the trunk behind) to 3 cm in front of its surface (the segment's radius: not an
        arm, gripping outside the knees, in front of it) count. Fractional at the outline, for sub-cell edges.
        Returns (strip, n) or None."""
        n = np.array([d[1], -d[0]])
        nc, nr = int(round(2 * half_w / cell)) + 1, int((s_hi - s_lo) / cell) + 1
        if nr < 2:
            return None
        to3 = np.column_stack([self.fwd, self.up])  # sagittal (f, h) -> camera offset
        x0 = self.o + to3 @ (np.asarray(p0) + s_lo * d - half_w * n)
        intr = self.intr
        kf = np.array([[intr.fx, 0, intr.ppx], [0, intr.fy, intr.ppy], [0, 0, 1.0]])
        hmat = kf @ np.column_stack([cell * to3 @ n, cell * to3 @ d, x0])
        corners = np.array([[0, 0, 1], [nc, 0, 1], [0, nr, 1], [nc, nr, 1]], float) @ hmat.T
        if np.any(corners[:, 2] <= 0):
            return None
        uv = corners[:, :2] / corners[:, 2:]
        hi_, wi_ = self.depth_m.shape
        u0, v0 = (int(max(np.floor(uv[:, i].min()) - 2, 0)) for i in (0, 1))
        u1, v1 = int(min(np.ceil(uv[:, 0].max()) + 3, wi_)), int(min(np.ceil(uv[:, 1].max()) + 3, hi_))
        if u1 - u0 < 4 or v1 - v0 < 4:
            return None
        z, axial, hgt = _axial_height(self.depth_m, intr, slice(v0, v1), slice(u0, u1), self.ax, self.up, self.cz,
                                      self.cam_h)
        m = (z > 0.2) & (axial > max(self.axial_range[0], self.a_near - 0.09)) \
            & (axial < min(self.axial_range[1], self.a_near + radius + 0.03)) \
            & (hgt > 0.03)
        shift = np.array([[1.0, 0, -u0], [0, 1, -v0], [0, 0, 1]])
        out = cv2.warpPerspective(m.astype(np.uint8) * 255, shift @ hmat, (nc, nr),
                                  flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP)
        return out.astype(np.float32) / 255, n


@dataclass
class AxisFilter:
    """The bar's axis in the floor plane, filtered over the frames: a random-walk Kalman filter on its yaw (the bar
    turns little and slowly; a plate fit's normal is noisy far away). Near, where one fit's normal is good to a
    fraction of a degree, the gain stays near 1."""

    rate_sd: float = np.radians(10.0)  # rad/√s: how fast the bar's yaw may turn (an uneven pull turns it a few deg)
    gate: float = 4.0  # a measurement this many σ off is not fused ...
    restart_s: float = 0.25  # ... and when every one has been for this long (3 at least), the filter restarts at
    # their mean: the bar was turned, a new set. One such normal is an outlier, not a turn: restarting at it (3.4 m,
    # 424x240, 1.6x the nominal depth noise: 30 restarts in 680 fits, one 66 deg off) turned the sagittal plane and
    # flipped the lifter's facing
    nis_s: float = 1.0  # the plate fits' stated sd is scaled by how far off they actually come, over about this
    # long: the innovations' mean square over its expectation (at the nominal depth noise 0.8-1.5, left alone below 2;
    # 1.6x the nominal noise at 3.4 m and 424x240 came 2.6x the stated sd off, and the filter followed it 28 deg off)
    axis: np.ndarray | None = None
    var: float = 0.0  # rad²
    t: float | None = None
    nis: float = 1.0  # the stated variance's scale the fused innovations show, (y² - P-) / R0, averaged
    _off: list = field(default_factory=list)  # the gated measurements since the last fused one: (t, unit axis, r)

    def update(self, normal: np.ndarray, sd: float, up: np.ndarray, t_s: float | None = None) -> np.ndarray:
        """Fuse one plate normal (its error sd, rad) and return the filtered unit axis, perpendicular to up."""
        meas = normal - (normal @ up) * up
        meas = meas / np.linalg.norm(meas)
        r0 = max(sd, 1e-4) ** 2
        r = r0 * max(self.nis - 1.0, 1.0)  # R: the stated variance, scaled up where the innovations exceed twice it
        dt = 1.0 / 30.0 if t_s is None or self.t is None else min(max(t_s - self.t, 0.0), 10.0)
        self.t = t_s
        if self.axis is None:
            self.axis, self.var = meas, r
            return meas
        ax = self.axis - (self.axis @ up) * up  # (the floor is re-fitted now and then)
        ax = ax / np.linalg.norm(ax)
        p = self.var + self.rate_sd ** 2 * dt  # P- = P + q dt
        yaw = float(np.arctan2(up @ cross3(ax, meas), ax @ meas))  # innovation y: the turn from ax to meas about up
        s = p + r  # S = P- + R
        if yaw * yaw > self.gate ** 2 * s:
            self.axis, self.var = ax, p  # (predicted only)
            first = self._off[0][1] if self._off else meas  # (a normal's sign is the plate fit's convention)
            self._off.append((self.t, meas if meas @ first >= 0 else -meas, r0))
            t0 = self._off[0][0]
            if len(self._off) >= 3 and (t_s is None or t0 is None or t_s - t0 >= self.restart_s):
                mean = np.sum([m for _, m, _ in self._off], axis=0)
                self.axis = mean / np.linalg.norm(mean)
                self.var = float(np.mean([v for _, _, v in self._off]))
                self.nis = 1.0
                self._off.clear()
            return self.axis
        self._off.clear()
        # E[y²] = P- + R0 x scale: the scale that makes the fused innovations consistent, averaged over ~nis_s; only
        # while the filter is settled (P- <= R): after a turn or a run of outliers y is mostly the filter's own error
        if p <= r:
            w = min(dt / self.nis_s, 1.0)
            self.nis = (1 - w) * self.nis + w * max(yaw * yaw - p, 0.0) / r0
        k = p / s  # K = P- S^-1
        self.axis = ax * np.cos(k * yaw) + cross3(up, ax) * np.sin(k * yaw)  # x = x- + K y (a turn about up)
        self.var = (1.0 - k) * p  # P = (1 - K) P-
        return self.axis


class RecentTops(deque):
    """The latest TOPS_KEPT upright tops (a live session runs for hours: memory stays flat) and their 95th
    percentile, recomputed only after an append (it is read on every body frame).

    The percentile is of the tops not above the median by more than TOP_OUTLIER_K robust sds (1.4826 MAD, at least
    TOP_SD_MIN): a lifter's top lies within a few cm of it when upright (lower when not: that tail stays), so a top
    far above it is noise. At 2.3x the nominal depth noise (424x240, 2.75 m, a wall 2 m behind) 7 of 120 3-D tops read
    2.1-3.5 m for a 1.82 m lifter (noisy wall pixels taken for the head), and their 95th percentile scaled the chain to
    a 2.4 m lifter: the hip 12 cm RMS off, the knee 8 cm."""

    def __init__(self, tops=(), maxlen: int = TOPS_KEPT):
        super().__init__(tops, maxlen=maxlen)
        self._p95: float | None = None

    def append(self, top: float) -> None:
        super().append(top)
        self._p95 = None

    def p95(self) -> float:
        if self._p95 is None:
            if not self:
                self._p95 = 0.0
            else:
                v = np.asarray(self, float)
                med = median(v)
                sd = max(1.4826 * median(np.abs(v - med)), TOP_SD_MIN)
                self._p95 = float(np.percentile(v[v <= med + TOP_OUTLIER_K * sd], 95))
        return self._p95


class BodyEstimator:
    """Stateful per recording: learns stature, facing, the ankle's position and the sagittal frame."""

    def __init__(self, f_range=(-1.3, 1.1), h_range=(0.0, 2.3), cell_m: float = CELL_M,
                 axial_range=(-1.1, -0.3)):
        self.f_range = f_range
        self.h_range = h_range
        self.cell = cell_m
        self.axial_range = axial_range
        self.nf = int(round((f_range[1] - f_range[0]) / cell_m))
        self.nh = int(round((h_range[1] - h_range[0]) / cell_m))
        self.origin: np.ndarray | None = None  # floor point under the first plate centre (camera coords)
        self.stature_tops = RecentTops()  # the upright silhouette's tops (mid plane, decimated)
        self.facing_votes = 0.0
        self.ankle_f: float | None = None
        self.a_leg: float | None = None
        self.a_mid: float | None = None  # (see MID_PLANE_TAU_S)
        self.last: BodyFit | None = None
        self._scale_sum = np.zeros(len(STATURES))
        self._scale_n = 0
        self._scale_w = np.zeros(len(STATURES))  # sum of the forgetting weights, per stature (only the band is fitted)
        self._frames = 0
        self._top_cut = False  # an upright fit was cut by the image's top edge: the top may never be measured
        self._t_first: float | None = None  # device time of the first and the latest body frame
        self._t_last: float | None = None
        self._pose: tuple[float, float, float, float] | None = None  # last (ankle f, shank, thigh, trunk angles)
        self._pose_facing = 0
        # The shank's axis at the ankle height (camera coords): fixed while the feet are. Kept in 3-D, since the near
        # leg's plane turns with the fitted plate normal (~0.4 deg of noise per frame, ~0.5 cm at the leg).
        self.shank_anchor: np.ndarray | None = None
        self.a_near: float | None = None  # axial offset of the near leg's axis from the plate face ...
        self.h_near = 0.0  # ... at about this height (m): its nearest pixels' (a splayed leg's nearest are its lowest)
        self.near_bias = 0.0  # ... where it lies this much nearer than the axis (LegView.plane_bias)
        self.tops_3d = RecentTops()  # the lifter's 3-D top (above the floor), upright
        self.chain_off: np.ndarray | None = None  # the axes' knee less the chain's (near-plane forward, up)
        self.outline = LegOutline()  # the near leg's girth (the hinge's leg front)
        self.splay = LegSplay()  # the legs' share of their length in the sagittal plane (a wide stance's is less) ...
        self.leg_share = 1.0  # ... as the chain uses it (taken up only while the lifter stands upright: see estimate)
        self.leg_splay = 0.0  # ... and the splay itself (LegSplay.known), taken up with it, for the leg axes' 3-D knee
        self.axis = AxisFilter()  # the bar's axis in the floor plane (the sagittal frame's normal)

    # ------------------------------------------------------------------ frame
    @property
    def stature(self) -> float | None:
        """The learnt stature (best mean chain score over the frames with the leg in view, parabolic peak); None
        until enough frames were seen."""
        # Until the leg was seen well (or, with no upright silhouette to bound it, seen long): the standing
        # silhouette's top plus a little edge loss, once seen.
        if self._scale_n < (10 if len(self.stature_tops) >= 10 else SCALE_SAMPLES):
            return TOP_GAIN[1] * self.top_stature if len(self.stature_tops) >= 30 else None
        s = self._stature_means()
        i = int(np.argmax(s))
        if 0 < i < len(s) - 1 and np.isfinite(s[i - 1]) and np.isfinite(s[i + 1]):  # parabolic peak
            den = s[i - 1] - 2 * s[i] + s[i + 1]
            off = 0.5 * (s[i - 1] - s[i + 1]) / den if den < 0 else 0.0
            return float(np.interp(i + off, np.arange(len(s)), STATURES))
        return float(STATURES[i])

    def _stature_means(self) -> np.ndarray:
        """Each candidate stature's mean chain score over the learning frames (forgetting), -inf outside the band,
        where never fitted, or where fitted on too few of the recent learning frames to compare (STALE_WEIGHT)."""
        w = np.where(self._stature_band(), self._scale_w, 0.0)
        live = (w > 0) & (w >= STALE_WEIGHT * w.max())
        return np.where(live, self._scale_sum / np.maximum(w, 1e-12), -np.inf)

    def _stature_band(self) -> np.ndarray:
        """The candidate statures the upright silhouette's top allows (all of them until it was seen)."""
        if len(self.stature_tops) < 10:
            return np.ones(len(STATURES), bool)
        top = self.top_stature
        band = (STATURES >= TOP_GAIN[0] * top) & (STATURES <= TOP_GAIN[2] * top)
        if not band.any():  # a top beyond the candidates: the nearest one
            band[np.argmin(np.abs(STATURES - TOP_GAIN[1] * top))] = True
        return band

    def _top_3d(self, depth_m, intr, k, m, hgt, ax_, up, cz, cam_h) -> float | None:
        """The lifter's highest point (3-D height above the floor): found on the decimated mask (a pixel with the
        lifter below it, not a speckle), refined at full resolution around it."""
        mm = m & np.roll(m, -1, axis=0)
        if mm.sum() < 3:
            return None
        cand = np.flatnonzero(mm.ravel())
        y, x = np.unravel_index(cand[np.argsort(hgt.ravel()[cand])[-3]], m.shape)
        v0, v1 = max(y * k - 3 * k, 0), min(y * k + 3 * k, depth_m.shape[0])
        u0, u1 = max(x * k - 3 * k, 0), min(x * k + 3 * k + 1, depth_m.shape[1])
        z, axial, h = _axial_height(depth_m, intr, slice(v0, v1), slice(u0, u1), ax_, up, cz, cam_h)
        mf = (z > 0.2) & (axial > self.axial_range[0]) & (axial < self.axial_range[1])
        mf &= np.roll(mf, -1, axis=0)
        return float(max(np.sort(h[mf])[-3], hgt[y, x])) if mf.sum() >= 3 else float(hgt[y, x])

    def _learning_due(self) -> bool:
        """Whether learning the stature from the chain's score is worth its cost (while no upright top narrows the
        candidates, 15 chain fits a learning frame: 0.7-1.2 ms per frame at 848x480): once the top has narrowed them,
        once an upright lifter was cut by the image's top edge (the top may never be measured), or LEARN_WAIT_S after
        the first body frame. A lifter walking in (deadlift_walkin) is upright in view soon after, and the top then
        replaces the learnt stature: learning meanwhile was wasted."""
        if len(self.stature_tops) >= 10 or self._top_cut or self._t_first is None:
            return True
        return self._t_last - self._t_first >= LEARN_WAIT_S

    @property
    def leg_measured(self) -> bool:
        """Whether leg_stature comes from the lifter's measured top (not the chain's learnt stature, which a head out
        of the image leaves ~6 % short)."""
        return len(self.tops_3d) >= 10

    def leg_stature(self) -> float | None:
        """The stature that scales the chain and the knee's shank: the upright lifter's top in 3-D, refined at full
        resolution (not the coarse mid-plane silhouette's: the head lies deeper than that plane, so it projects ~4 %
        low, and decimation lowers it further); until measured, the learnt stature (None until learnt).
        A lifter standing with the legs splayed (a wide stance) stands lower than their stature by the legs' drop,
        (shank + thigh) (1 - share): the top is corrected by the share learnt while upright. On 10 sweep scenes the
        top read 2.8-6.7 cm short for stances of 0.57-0.74 m (shares 0.94-0.98), 1.0 cm short on average corrected;
        0.2-1.9 cm short for narrow stances, which the correction leaves (shares 0.99-1)."""
        if not self.leg_measured:
            return self.stature
        return self.tops_3d.p95() / (1.0 - (SHANK_FRAC + THIGH_FRAC) * (1.0 - self.leg_share))

    def reanchor(self) -> None:
        """The plate jumped (PlateDetector.jumped: found out of reach of its last fit, or a bar's length along it;
        another plate, or the first fit was something else): what was learnt of where the lifter stands is forgotten
        (the sagittal grid's origin under the plate, the feet's place, the last pose); the lifter's stature and facing
        are kept. A false first plate 2.5 m up a wall (2.4x the nominal depth noise) had kept the grid there for the
        whole recording: no body."""
        self.origin = None
        self.ankle_f = None
        self.shank_anchor = None
        self._pose = None

    @property
    def top_stature(self) -> float:
        """The silhouette's top when standing (robust high percentile of the unclipped frames)."""
        return self.stature_tops.p95()

    def estimate(self, depth_m: np.ndarray, intr: Intrinsics, plate, floor, step: int | None = None,
                 t_s: float | None = None, noise: tuple[float, float] | None = None) -> BodyFit | None:
        """plate: PlateFit (centre, normal, normal_sd); floor: FloorFit; t_s: device time (s); noise: the depth
        noise the stream shows and the nominal D400 model's for it (sigma / z^2, 1/m; vision.depthnoise), None if not
        known yet. None when no lifter is found."""
        if plate is None or floor is None:
            return None
        up = np.asarray(floor.normal, float)
        # The bar's axis, filtered: from far away one plate fit's normal is off by several degrees (6.4 deg RMS at
        # 3.5 m, 424x240), which turned the sagittal plane and moved the joints by centimetres per frame.
        ax_ = self.axis.update(np.asarray(plate.normal, float), plate.normal_sd, up, t_s)
        fwd = cross3(up, ax_)
        c = np.asarray(plate.center, float)
        if self.origin is None:
            self.origin = c - (c @ up + floor.camera_height_m) * up
        origin = self.origin - ((self.origin - c) @ ax_) * ax_  # follow the plate's axial position
        h_img, w_img = depth_m.shape
        k = step or max(1, int(round(w_img / 212)))
        # Axial offset from the plate face and height above the floor of every k-th pixel (from the 3-D point).
        cz = np.float32(c @ ax_)
        z, axial, hgt = _axial_height(depth_m, intr, slice(None, None, k), slice(None, None, k), ax_, up, cz,
                                      floor.camera_height_m)
        hd, wd = z.shape
        valid = z > 0.2
        # (a D435's nominal noise, or the stream's where noisier: a floor pixel's height scatters with it)
        sig = z * z * np.float32(max(float(depth_sigma(1.0, intr.fx)), noise[0] if noise else 0.0))
        m = valid & (axial > self.axial_range[0]) & (axial < self.axial_range[1]) & (hgt > np.maximum(0.03, 2 * sig))
        if m.sum() < 30:
            return None
        a_leg = median(axial[m])
        self.a_leg = a_leg if self.a_leg is None else 0.9 * self.a_leg + 0.1 * a_leg
        # (_t_last: the previous body frame's time until updated below)
        dt = t_s - self._t_last if t_s is not None and self._t_last is not None else BODY_FIT_DT_S
        w = 1.0 - np.exp(-max(dt, 0.0) / MID_PLANE_TAU_S)  # a gap (dropped frames, a slower stream) weighs its time
        self.a_mid = a_leg if self.a_mid is None else (1 - w) * self.a_mid + w * a_leg
        # Sagittal plane at the lifter's axial depth: X(f, h) = o + f fwd + h up, o = origin + a_leg axis.
        o = origin + (self.a_leg + 0.0) * ax_  # origin is on the plate face's plane (axial 0)
        kd = np.array([[intr.fx / k, 0, intr.ppx / k], [0, intr.fy / k, intr.ppy / k], [0, 0, 1.0]])
        x0 = o + self.f_range[0] * fwd + self.h_range[1] * up  # grid (0, 0): back, top
        hmat = kd @ np.column_stack([self.cell * fwd, -self.cell * up, x0])
        mask8 = m.astype(np.uint8) * 255
        # The region the near plate stack hides (outer face disc and its back, 15 cm along the axis).
        occ = np.zeros((hd, wd), np.uint8)
        e1 = cross3(plate.normal, up)
        e1 /= np.linalg.norm(e1)
        e2 = cross3(plate.normal, e1)
        th = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        r = plate.diameter_m / 2 + 0.01
        for off in (0.0, -0.15):
            ring = c + off * plate.normal + r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2)
            if np.all(ring[:, 2] > 0.1):
                cv2.fillPoly(occ, [np.round(intr.project(ring) / k).astype(np.int32)], 255)
        rim = r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2)
        pts = np.vstack([intr.project(c + off * plate.normal + rim) for off in (0.0, -0.15)]) / k
        if np.all(np.isfinite(pts)):
            cv2.fillConvexPoly(occ, cv2.convexHull(np.round(pts).astype(np.int32)), 255)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        sil = cv2.warpPerspective(mask8, hmat, (self.nf, self.nh), flags=flags) > 127
        unk = cv2.warpPerspective(occ, hmat, (self.nf, self.nh), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
        # Out of the image is unknown too, not empty: a head above the image's top is not missing from the body.
        inview = cv2.warpPerspective(np.full((hd, wd), 255, np.uint8), hmat, (self.nf, self.nh),
                                     flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP, borderValue=0) > 0
        unk |= ~inview
        unk &= ~sil
        sil = cv2.morphologyEx(sil.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
        # (only wanted when the lifter stands upright: measured then)
        top3d = functools.partial(self._top_3d, depth_m, intr, k, m, hgt, ax_, up, cz, floor.camera_height_m)
        # The near leg's own plane (its axis depth: the nearest leg surface less a leg radius), for the full-resolution
        # leg axes: the silhouette on the lifter's mid plane mixes in the far leg and misscales the near one.
        # Only below the plate: higher, the arms on the bar (gripped outside the knees) pass in front of the legs.
        # A glimpse sets it first: from a yawed camera the plate can leave only 15 of a shank's ~50 pixels in view at
        # lockout (D455, 2.6 m, a 1.57 m lifter), and at 20 the plane was never learnt there, nor the knee measured;
        # updating it from such glimpses later made it noisier (the knee 0.2-3 mm RMS worse on 6 of 8 scenes).
        legs = m & (hgt > 0.12) & (hgt < min(0.6, float(c @ up) + floor.camera_height_m - plate.diameter_m / 2 - 0.03))
        # The 90th percentile of noisy depths lies ~1.28 sigma (a normal's 90th percentile) nearer than the surface's
        # own: 5 cm less a leg radius held at the nominal noise; depth 2.5x noisier put the plane 3-5 cm nearer, and
        # with it the ankle 1.7 cm high and the knee 2 cm high, 1 cm back (deadlift_heavy at 3.2 m).
        if legs.sum() >= (LEG_PLANE_FIRST_PX if self.a_near is None else LEG_PLANE_MIN_PX):
            zl = median(z[legs])
            # (none for a quieter stream: a camera smoothing its depth over time flickers less than its pixels scatter)
            excess = min(NORMAL_P90 * max(0.0, noise[0] - noise[1]) * zl * zl, 0.1) if noise else 0.0
            leg_a, leg_h = axial[legs], hgt[legs]
            p80, p90 = np.percentile(leg_a, (80, 90))
            a_near = float(p90) - 0.05 - excess
            h_near = float(np.mean(leg_h[leg_a >= p80]))  # (the heights the plane's depth came from)
            nominal = (noise[1] if noise else float(depth_sigma(1.0, intr.fx))) * zl * zl
            bias = LEG_RADIUS_M * float(np.interp(nominal / LEG_RADIUS_M, np.arange(13) / 10, P90_OVER_RADIUS))
            self.near_bias = bias if self.a_near is None else 0.8 * self.near_bias + 0.2 * bias
            self.h_near = h_near if self.a_near is None else 0.8 * self.h_near + 0.2 * h_near
            self.a_near = a_near if self.a_near is None else 0.8 * self.a_near + 0.2 * a_near
            if self._pose is not None and abs(self._pose[1]) < UPRIGHT_MAX:  # (the shank near vertical)
                self.splay.add(leg_a, leg_h)
        # A new splay is taken up only with the lifter upright (the last fit's shank, thigh and trunk within 15 deg of
        # vertical): there the legs' length moves the joints up or down, not forward or back, so a rep's hip and knee
        # travel (measured from the top) do not see a step in the middle of the descent.
        if self._pose is not None and _upright(*self._pose[1:]):
            self.leg_share, self.leg_splay = self.splay.share, self.splay.known
        # The leg axes need a pixel well under a limb's tenth: at >= 1.2 cm per pixel (far, low resolution) their
        # knee was 2.9 cm RMS and put the leg's front 11 cm off; there the knee is left to the chain. The pixel where
        # the legs are, behind the plate: at 1.18 cm per pixel at the plate (424x240, 3 m) the legs' was 1.3 and their
        # knee 3-4 cm RMS, 8 cm off for a few frames as the plate passed it (a 6 cm false bar-to-body gap).
        view = None
        leg_z = float(c[2]) if self.a_near is None else max(float(c[2]), float((origin + self.a_near * ax_)[2]))
        coarse = leg_z / intr.fx >= COARSE_PIXEL_M
        if self.a_near is not None and not coarse:
            view = LegView(depth_m, intr, o, origin + self.a_near * ax_, fwd, up, ax_, float(cz),
                           float(floor.camera_height_m), self.a_near, self.axial_range, leg_z / intr.fx,
                           self.leg_splay, self.h_near, self.near_bias)
        if t_s is not None:
            self._t_first = t_s if self._t_first is None else self._t_first
            self._t_last = t_s
        # A lifter reaching the image's top edge has a cut-off head: that frame says nothing of the stature.
        fit = self._fit(sil, unk, plate, floor, up, fwd, ax_, o, c, top_clipped=bool(m[:2].any()), view=view,
                        top3d=top3d, coarse=coarse, a_joint=float(origin @ ax_) + self.a_mid)
        if fit is not None:
            fit.leg_pixel_m = leg_z / intr.fx
            # The shoulder's in-view test runs on the mid-plane grid; the joint itself can still project past the
            # image's edge (deadlift_close: 27 px above the top, the truth 37): not in view, not reported.
            if fit.shoulder is not None:
                u, v = intr.project(fit.shoulder)
                if not (0 <= u < intr.width and 0 <= v < intr.height):
                    fit.shoulder = None
                    fit.covs.pop("shoulder", None)
        return fit

    # ------------------------------------------------------------------ model fit
    def _fit(self, sil, unk, plate, floor, up, fwd, ax_, o, c, top_clipped: bool = False,
             view: LegView | None = None, top3d: Callable[[], float | None] | None = None,
             coarse: bool = False, *, a_joint: float) -> BodyFit | None:
        """view: the near leg's plane (None until known, or at too coarse a resolution: coarse); top3d: measures this
        frame's 3-D top of the lifter (_top_3d); a_joint: the mid plane's axial coordinate the joints' depth is taken
        from (MID_PLANE_TAU_S)."""
        cell = self.cell
        rows = np.flatnonzero(sil.any(axis=1))
        if len(rows) == 0:
            return None
        top_h = self.h_range[1] - rows[0] * cell
        # Bar position in grid coordinates (f, h).
        bar_f = float((c - o) @ fwd)
        # Facing: the body's mass lies behind the bar (hips, buttocks), the bar in front of the legs; only while the
        # trunk is near upright (the last fit's): hinged, with the plate hiding the legs, the trunk and head reach
        # past the bar (an RDL's bottom read as facing the other way for 1.5 s, and the hip went 45 cm off).
        if self._pose is None or abs(self._pose[3]) < np.radians(30):
            cols = np.nonzero(sil)[1]
            body_f = self.f_range[0] + median(cols) * cell
            self.facing_votes = 0.95 * self.facing_votes + np.sign(bar_f - body_f)
        facing = 1 if self.facing_votes >= 0 else -1
        inside = (sil | unk).astype(np.uint8)
        dt = cv2.distanceTransform(inside, cv2.DIST_L2, 5).astype(np.float32) * cell
        unk_f = unk.astype(np.float32)
        self._frames += 1
        # Joints are reported once the stature is learnt, from frames with the lower shank visible (which also
        # fix the ankle's position); until then the chain is fitted with a provisional stature to learn those.
        # The upright lifter's measured 3-D top is the stature once seen (the chain score's optimum ran 1-5 % short
        # of it: a short thigh put the hip 2-4 cm forward and low at the bottom); the learnt one stands in until then.
        learnt = self.leg_stature()
        stature = learnt or max(self.top_stature, 1.75)
        bar_h = float((c - o) @ up)
        contour = self._contour(sil, unk)
        maps: dict = {}
        prev = self._pose if self._pose is not None and self._pose_facing == facing else None
        (fa, a_sh, a_th, a_k, tot, s1, vis_s, vis_t), (kf, kh, hf, hh), (sf, sh, s3j), geo = \
            self._chain_fit(dt, unk_f, stature, facing, bar_f, bar_h, contour, prev, maps=maps)
        self._pose, self._pose_facing = (fa, a_sh, a_th, a_k), facing
        # The silhouette's top bounds the stature when the lifter stands upright (the fitted shank, thigh and trunk
        # near vertical) with the head in the image.
        upright = _upright(a_sh, a_th, a_k)
        self._top_cut |= upright and top_clipped
        if top_h > 1.2 and not top_clipped and upright:
            self.stature_tops.append(top_h)
            top = top3d() if top3d is not None else None
            if top is not None:
                self.tops_3d.append(top)
        # Learn the stature from frames that can tell it (not needed once the upright top was measured): the chain
        # explaining most of the outline, the thigh in view, the feet where they were learnt, and not an upright
        # lifter cut by the image's top edge. On 9 recordings with the head out of the image (408 frames fitted at
        # all 15 statures), the best stature of a frame with the thigh hidden by the plate (76 frames, all cut at the
        # top) ran 4.8 candidates (24 cm) short at the median; of an upright lifter cut at the top (any taller stature
        # fits it as well: the trunk runs out of the image), anywhere from 0 to 12 of 15 (deadlift_close); of a fit
        # whose ankle had left the learnt one's search range (stepping in, the learnt ankle stale), up to 10
        # candidates tall. With the thigh in view, uncut and the ankle within 3 cm of the learnt one: 0.9 off on
        # average (72 frames). The shank may be hidden: an RDL's bottom shows only the thigh.
        every = 1 if self._scale_n < SCALE_SAMPLES else SCALE_EVERY_LATER
        if not self.leg_measured and self.ankle_f is not None and tot > 0.5 * 3 and vis_t > 0.5 \
                and abs(fa - self.ankle_f) < ANKLE_SEARCH_M and not (upright and top_clipped) \
                and self._frames % every == 0 and self._learning_due():
            # Only the statures in the band are fitted (3-4 of 15 once the top is known: the others cannot win).
            band = self._stature_band()
            means = self._stature_means()
            if self._scale_n >= SCALE_NARROW_AFTER and np.isfinite(means).any():
                # Only the best's neighbourhood is fitted (the parabolic peak's three and a margin; the others' means
                # stand): 7 chain fits instead of 15. A frame's own best is ~1 candidate off (above), so after a few
                # frames the best so far is near the final one; and the slow phase moves it by a candidate at most
                # (deadlift_fast and two head-cut RDLs: 1-2 cm over 17-23 learning frames).
                band &= np.abs(np.arange(len(STATURES)) - int(np.argmax(means))) <= LATE_WINDOW
            scores = np.zeros(len(STATURES))
            scores[band] = [self._chain_fit(dt, unk_f, st, facing, bar_f, bar_h, contour, radius_stature=stature,
                                            maps=maps)[0][4]
                            for st in STATURES[band]]
            self._scale_sum = SCALE_MEMORY * self._scale_sum + scores
            self._scale_w = SCALE_MEMORY * self._scale_w + band
            self._scale_n += 1
        ready = learnt is not None and self.ankle_f is not None
        ls, lt, lk, ha, r_s, r_t, r_k = geo
        score = max(tot, 0.0) / 3  # 1 = every segment a radius deep and the whole outline explained
        # Learn the ankle position from confident frames where the lower shank is visible.
        if vis_s > ANKLE_LEARN_VIS and s1 > 0.6:  # fast enough to follow the feet settling after a walk-in
            self.ankle_f = float(fa) if self.ankle_f is None else 0.7 * self.ankle_f + 0.3 * float(fa)
        vis_k, vis_h = self._joint_vis(unk_f, fa, ha, kf, kh, hf, hh, sf, sh)

        # Joint centres lie ~ a limb radius beyond the visible surface (farther from the camera).
        def cam(f, h, r):
            # The silhouette's point moved along its camera ray to r behind the plane (the joint's depth): straight
            # back along the axis instead, a pitched camera's hip came out up to ~2 cm off its own ray.
            x = o + f * fwd + h * up
            return _ray_to_axial(x, ax_, a_joint - r)

        ok = score > 0.3 and ready
        # The ankle stays on the floor within a few cm of its learnt place (ready implies it was learnt), so the chain
        # anchors it even when the plate hides the shank; then with a wider covariance. Its outline is the near leg's:
        # on that leg's plane once known (along the camera ray: from a yawed camera, shifting along the axis instead
        # put it ~3 cm off the knee's forward coordinate), at its own height (LegView.ankle_to_near).
        ankle = None
        if ok:
            ankle = view.point(*view.ankle_to_near(fa, ha)) if view is not None else cam(fa, ha, r_s)
        # The knee, once the near leg's plane is known (the bar lifted off the floor once): from the near leg's
        # axes at full resolution (_knee_from_axes), which see it under the plate too. Else the chain's knee, only
        # where the knee is in view (its guess for a hidden knee, from the hip, the ankle and the lengths, was
        # 3-5.5 cm off): deep in the flexion, where the thigh's axis grazes the circle.
        # The chain's knee is biased by the far leg merged into the coarse silhouette (~2 cm forward there), so it is
        # moved by its offset from the axes' knee, learnt on the frames that have both: no jump at the switch.
        axes = self._knee_from_axes(view, unk, (fa, ha), (kf, kh), (hf, hh), ls, lt, r_s, r_t) \
            if ok and view is not None else None
        chain_k = view.to_near(kf, kh) if ok and vis_k > 0.5 and view is not None else None
        knee, sd_k, src = None, 0.015, None
        if axes is not None:
            kn, sd_k, src = axes
            knee = view.placed(*kn)
            if chain_k is not None:
                off = np.asarray(kn) - chain_k
                self.chain_off = off if self.chain_off is None else 0.8 * self.chain_off + 0.2 * off
            if src in ("shank", "thigh") and sd_k <= KNEE_PIN_SD:  # (see KNEE_PIN_SD)
                # at its own forward and height: moved along its ray onto the mid plane instead (at lockout 0.8 cm above
                # its own height, from a camera 1 m high), the hip hanging on it read deadlift_walkin's RMSE 13.2 mm for
                # 12.1, deadlift_close's 21.8 for 18.3
                km = view.sagittal(*kn)
                _, (_, _, hf, hh), (sf, sh, s3j), _ = self._chain_fit(
                    dt, unk_f, stature, facing, bar_f, bar_h, contour, self._pose, maps=maps,
                    knee=(float(km[0]), float(km[1])))
                vis_h = self._joint_vis(unk_f, fa, ha, kf, kh, hf, hh, sf, sh)[1]
        elif chain_k is not None:
            knee, src = view.placed(*(chain_k + (self.chain_off if self.chain_off is not None else 0.0))), "chain"
        elif ok and vis_k > 0.5 and coarse:
            knee, src = cam(kf, kh, 0.5 * (r_s + r_t)), "chain"
        sag = {"ankle": (fa, ha), "knee": (kf, kh), "hip": (hf, hh), "shoulder": (sf, sh)}
        # With the plate over the hip (the bar at lockout) the visible trunk above it still pins the hip: its end at
        # the trunk's length from the shoulder. Reported with a wider covariance.
        hip_from_trunk = vis_h <= 0.5 and s3j > 0.5
        hip = cam(hf, hh, r_t) if ok and (vis_h > 0.5 or hip_from_trunk) else None
        # The shoulder only where it is in view: with the trunk running out of the image (a near camera pitched down)
        # the chain's shoulder is the visible trunk's stub extrapolated (deadlift_close: 7.7 cm RMS off, 6-12 cm back
        # at lockout, a lean-back of 10-17 deg for an upright trunk; the shoulders in view 3.8 cm).
        shoulder = cam(sf, sh, r_k * 0.5) if ok and s3j > 0.3 and self._end_vis(unk_f, hf, hh, sf, sh) > 0.5 else None
        covs = {}
        for name, p, sd in (("ankle", ankle, 0.02 if vis_s > 0.5 else 0.03), ("knee", knee, sd_k),
                            ("hip", hip, 0.03 if hip_from_trunk else 0.02), ("shoulder", shoulder, 0.03)):
            if p is not None:
                covs[name] = np.diag([sd, sd, sd]) ** 2 / max(score, 0.3)
        fit = BodyFit(ankle, knee, hip, shoulder, covs, sag,
                      score, {"shank": vis_s, "thigh": vis_t, "knee": vis_k, "hip": vis_h}, stature, facing, src,
                      top_clipped, facing * fwd)
        self.last = fit
        return fit

    def _knee_from_axes(self, view: LegView, unk, ankle, knee, hip, ls, lt, r_s, r_t):
        """The knee from the near leg's axes measured at full resolution where they are in view, independent of
        the hip's position (the chain's knee hangs on the hip-ankle distance: ill-conditioned with a
        near-straight leg, 3-5.5 cm off when the plate hides the knee). ankle, knee, hip: the chain's, (forward,
        up) on the coarse plane, to pick the runs; ls, lt: the shank and thigh as the plane sees them (their
        sagittal share); r_s, r_t: the shank and thigh radii. The knee lies the shank's 3-D length from the anchor
        with both on the leg's axis (LegView.lift: on the plane, a splayed leg's shank reads up to ~1 cm long, and
        where the thigh's axis nearly grazes the circle that put the knee 1-3 cm forward at a deadlift's bottom).
        In order:
          shank  - the shank in view over >= 12 cm, up to nearly half its length: its axis line; the knee ls up it
                   from the ankle height. The axis's point at the ankle height (fixed while the feet are; it needs
                   only 5 cm of shank) is learnt as the anchor;
          short  - less of it in view (>= 5 cm; the plate coming down over it): the axis through the anchor;
          thigh  - the thigh's axis line above the plate, where it meets the sphere of the shank's length about the
                   anchor (well-conditioned when the leg is fairly straight, when the two-circle chain is not).
        Returns ((forward, up) on the near leg's plane, sd, source) or None."""
        # One cell (2 cm) of margin about the plate: with two, a camera looking down past the plate onto the shank
        # lost the last 10-15 cm of it (rdl: the knee unmeasured for 0.4 s mid-descent).
        hidden = cv2.dilate(unk.astype(np.uint8), np.ones((3, 3), np.uint8), iterations=1) > 0
        cell = 0.005
        tilt = AXIS_TILT_PX * view.pixel_m  # the axis's offset from one end of the piece in view to the other
        a0, k0, h0 = view.ankle_to_near(*ankle), view.to_near(*knee), view.to_near(*hip)
        ha = float(a0[1])
        d = (k0 - a0) / np.hypot(*(k0 - a0))
        ls3 = ls / self.leg_share  # the shank's 3-D length
        anchor = None if self.shank_anchor is None else float(view.along_ray(self.shank_anchor)[0])
        p0 = np.array([anchor if anchor is not None else a0[0], ha])
        st = view.strip(p0, d, 0.05, 0.8 * ls, 0.14, cell, r_s)
        if st is not None:
            s, off, width = self._axis_rows(view, st[0], hidden, p0, d, st[1], 0.05, 0.14, cell, 0.22)
            self.outline.add("shank", width)
            # Rows much wider than the shank are merged with what lies beside it: the near arm hanging outside the
            # knee to the bar, seen over the upper shank by a camera above the plate (sweep24398b, 2.8 m, 1.27 m high:
            # rows 130-150 mm wide for the shank's 82 read 25-35 mm forward, the knee at the bottom 3 cm forward).
            # On the presets 0.3-1 % of the shank's rows are that wide.
            girth = self.outline.girth()
            if girth is not None and girth.shank is not None:
                fits = width <= RUN_WIDTH_MAX * 2.0 * girth.shank
                s, off = s[fits], off[fits]
            n = st[1]
            if len(s) >= 8 and s.max() - s.min() >= 0.05 and s.min() <= 0.08:  # enough for its point at the ankle
                a, b, sd_b = self._robust_line(s, off)
                ax0 = p0 + a * n
                here = view.point(float(ax0[0]), ha)
                self.shank_anchor = here if self.shank_anchor is None else 0.7 * self.shank_anchor + 0.3 * here
                sd = float(np.hypot(2 * ls * sd_b, ls * tilt / (s.max() - s.min())))
                if s.max() - s.min() >= 0.12 and s.max() >= 0.45 * ls and sd <= KNEE_SD_MAX:  # and for its angle
                    v = (d + b * n) / np.hypot(*(d + b * n))
                    return view.reach(view.anchor(*ax0), ax0, v, ls, ls3), float(max(sd, 0.007)), "shank"
                anchor = float(view.along_ray(self.shank_anchor)[0])
                p_new = np.array([anchor, ha])
                off = off - (p_new - p0) @ n  # the rows about the (updated) anchor
                p0 = p_new
            if anchor is not None and len(s) >= 10 and s.max() - s.min() >= 0.05:
                a, b, sd_b = self._robust_line(s, off, through_origin=True)
                v = (d + b * n) / np.hypot(*(d + b * n))
                # + the anchor's ~3 mm, and the tilt about it (the line passes through it)
                sd = np.hypot(np.hypot(2 * ls * sd_b, 0.003 * ls / float(s.mean())), ls * tilt / float(s.mean()))
                if sd <= KNEE_SD_MAX:
                    return view.reach(view.anchor(*p0), p0, v, ls, ls3), float(max(sd, 0.01)), "short"
        if anchor is None:
            return None
        # The circle's radius is the shank: grazing it, 1 cm off moves the knee 3-5 cm. From a learnt stature (the
        # head never seen upright: within ~3 cm) that error is counted in the knee's sd, which gates it.
        ls_sd = 0.0 if self.leg_measured else SHANK_FRAC * STATURE_LEARNT_SD
        # The thigh's axis short of the hip (where it merges with the buttocks), from the chain's knee.
        dt = (h0 - k0) / np.hypot(*(h0 - k0))
        st = view.strip(k0, dt, 0.06, 0.85 * lt, 0.2, cell, r_t)
        if st is None:
            return None
        s, off, width = self._axis_rows(view, st[0], hidden, k0, dt, st[1], 0.06, 0.2, cell, 0.28)
        self.outline.add("thigh", width, s / lt)
        if len(s) < 10 or s.max() - s.min() < 0.06:
            return None
        a, b, sd_b = self._robust_line(s, off)
        n = st[1]
        q, v = k0 + a * n - p0, dt + b * n  # the axis: k0 + a n + s v; the anchor p0
        qa, qb, qc = v @ v, 2 * q @ v, q @ q - ls * ls
        disc = qb * qb - 4 * qa * qc
        if disc <= 0:
            return None
        roots = (-qb + np.array([-1.0, 1.0]) * np.sqrt(disc)) / (2 * qa)
        sk = float(roots[np.argmin(np.abs(roots))])
        kn = k0 + a * n + sk * v
        cos = abs(v @ (kn - p0)) / (np.hypot(*v) * ls)  # 0: the axis grazes the circle (ill-conditioned)
        if cos < 0.35:
            return None
        kn = view.reach(view.anchor(*p0), k0 + a * n, v, sk, ls3)
        lever = float(np.mean(s) - sk)
        sd = np.hypot(np.hypot(0.004, lever * sd_b), np.hypot(ls_sd, lever * tilt / (s.max() - s.min()))) / cos
        return (kn, float(max(sd, 0.008)), "thigh") if sd <= KNEE_SD_MAX else None

    def _axis_rows(self, view, strip, hidden, p0, d, n, s_lo, half_w, cell, max_w):
        """Per strip row (across the segment), the centroid offset of the silhouette run on the segment's
        predicted axis (the strip's centre column). Rows whose run reaches within 2 cm of the plate (the dilated
        coarse hidden mask, sampled every 2 cm across: there the run's end is the plate's edge, not the limb's),
        runs touching the strip's sides (merged with an arm, the other leg), of implausible width, or much narrower than
        the piece's others (split by a hole in the depth: RUN_WIDTH_MIN) are left out.
        Returns (s, offset, width) arrays: the run's width across the segment, for its girth (LegOutline)."""
        nr, nc = strip.shape
        s = s_lo + np.arange(nr) * cell
        step = max(1, int(round(self.cell / cell)))
        cs = np.arange(0, nc, step)
        across = -half_w + cs * cell
        pf, ph = view.to_mid(p0[0] + s[:, None] * d[0] + across[None, :] * n[0],
                             p0[1] + s[:, None] * d[1] + across[None, :] * n[1])
        gx, gy = self._to_grid(pf, ph)
        gx = np.clip(np.rint(gx), 0, hidden.shape[1] - 1).astype(np.intp)
        gy = np.clip(np.rint(gy), 0, hidden.shape[0] - 1).astype(np.intp)
        on = strip > 0.5
        ic = nc // 2
        cols = np.arange(nc)[None, :]
        left = np.where(~on[:, :ic], cols[:, :ic], -1).max(axis=1)
        right = np.where(~on[:, ic + 1:], cols[:, ic + 1:], nc).min(axis=1)
        near_run = (cs[None, :] >= left[:, None] - step) & (cs[None, :] <= right[:, None] + step)
        seen = ~(hidden[gy, gx] & near_run).any(axis=1)
        w = np.where((cols >= left[:, None]) & (cols <= right[:, None]), strip, 0.0)
        width = w.sum(axis=1) * cell
        rows = seen & on[:, ic] & (left >= 0) & (right < nc) & (width >= 0.04) & (width <= max_w)
        if np.count_nonzero(rows) >= 3:  # a run split by a hole in the depth: part of the limb, off its axis
            rows &= width >= RUN_WIDTH_MIN * median(width[rows])
        cen = (w * cols).sum(axis=1)[rows] / w.sum(axis=1)[rows] * cell - half_w
        return s[rows], cen, width[rows]

    @staticmethod
    def _robust_line(s, off, through_origin: bool = False):
        """off = a + b s by least squares, twice dropping rows > 4 MADs off (a hand, the far leg's edge); with
        through_origin, a = 0. Returns (a, b, sd of b)."""
        keep = np.ones(len(s), bool)
        for it in range(3):
            ss, oo = s[keep], off[keep]
            if through_origin:
                a, b = 0.0, float(ss @ oo / (ss @ ss))
                lever = float(ss @ ss)
            else:  # (closed form: np.polyfit's lstsq cost ~0.4 ms here)
                sm, om = float(ss.mean()), float(oo.mean())
                ds = ss - sm
                lever = float(ds @ ds)
                b = float(ds @ (oo - om)) / lever if lever > 0 else 0.0
                a = om - b * sm
            res = off - (a + b * s)
            if it < 2:
                keep = np.abs(res) < 4 * 1.4826 * (median(np.abs(res[keep])) + 1e-4)
        sd_b = float(np.sqrt(np.mean(res[keep] ** 2) / max(lever, 1e-9)))
        return float(a), float(b), sd_b

    def _joint_vis(self, unk_f, fa, ha, kf, kh, hf, hh, sf, sh):
        """Visible fraction of the segment parts around the knee and the hip (30 % of each segment)."""
        t = np.linspace(0.0, 0.3, 6)

        def pts(p0, p1, p2):
            return [(p1[0] + (p0[0] - p1[0]) * t, p1[1] + (p0[1] - p1[1]) * t),
                    (p1[0] + (p2[0] - p1[0]) * t, p1[1] + (p2[1] - p1[1]) * t)]
        # both joints' samples in one lookup: the knee's 12, then the hip's
        ps = pts((fa, ha), (kf, kh), (hf, hh)) + pts((kf, kh), (hf, hh), (sf, sh))
        f = np.concatenate([q[0] for q in ps])
        h = np.concatenate([q[1] for q in ps])
        hidden = _bilinear(unk_f, *self._to_grid(f, h))
        return float(1.0 - hidden[:12].mean()), float(1.0 - hidden[12:].mean())

    def _end_vis(self, unk_f, f0, h0, f1, h1) -> float:
        """Visible fraction of the last 30 % of the segment (f0, h0) -> (f1, h1), its end included."""
        t = np.linspace(0.7, 1.0, 7)
        return float(1.0 - _bilinear(unk_f, *self._to_grid(f0 + (f1 - f0) * t, h0 + (h1 - h0) * t)).mean())

    def _to_grid(self, f, h):
        """(forward, up) metres -> the sagittal grid's fractional (column, row): cell (i, j) is the sample at
        f_range[0] + i cell, h_range[1] - j cell (the warp's pixel centres)."""
        return (f - self.f_range[0]) / self.cell, (self.h_range[1] - h) / self.cell

    def _contour(self, sil: np.ndarray, unk: np.ndarray, max_n: int = 40) -> tuple[np.ndarray, np.ndarray]:
        """Up to max_n outline cells of the silhouette as (forward, up) metres, leaving out the outline the
        plate makes where it hides the body (that edge is the plate's, not the lifter's)."""
        k3 = np.ones((3, 3), np.uint8)
        s8 = sil.astype(np.uint8)
        edge = (s8 > 0) & (cv2.erode(s8, k3) == 0) & (cv2.dilate(unk.astype(np.uint8), k3, iterations=2) == 0)
        ys, xs = np.nonzero(edge)
        if len(ys) > max_n:
            pick = np.linspace(0, len(ys) - 1, max_n).astype(np.intp)
            ys, xs = ys[pick], xs[pick]
        return (self.f_range[0] + xs * self.cell).astype(np.float32), \
            (self.h_range[1] - ys * self.cell).astype(np.float32)

    def _chain_fit(self, dt, unk_f, stature, facing, bar_f, bar_h, contour, prev=None, radius_stature=None,
                   maps: dict | None = None, knee: tuple[float, float] | None = None):
        """Fit the planar chain ankle -> knee -> hip -> shoulder (+ arms to the bar, head) to the silhouette.

        Two-sided score, so that no part of the body can be ignored:
          inside   - each segment's axis lies a limb radius deep inside the silhouette (model -> silhouette);
          coverage - each outline cell lies on or inside some segment's capsule (silhouette -> model), robust:
                     each cell's shortfall is clipped at 8 cm, so stray outline (bar, bystander) costs a constant.
        Without the coverage term a thigh can run up the trunk in a hinge and still score as "deep inside".
        Search: the shank x thigh grid on the inside term, the best pairs x the trunk on the full score (plus
        the previous frame's pose, for continuity), then a joint local refinement.
        maps: the frame's inside maps per limb radius (and per radii triple, their stack), filled here and reused by
        the frame's other fits (a learning frame's 15 fits all have the main fit's radii).
        knee: a measured knee (forward, up on this grid; the leg axes'): the shank is laid from prev's ankle towards
        it, its ankle end moved along that line to leave the knee exactly there, and only the thigh and the trunk are
        searched, about prev's (the main fit's) angles.
        """
        cell = self.cell
        ls, lt = (SHANK_FRAC * stature * self.leg_share, THIGH_FRAC * stature * self.leg_share)  # (see LegSplay)
        lk = TRUNK_FRAC * stature
        ha = ha_model = ANKLE_H_FRAC * stature
        sc = (radius_stature or stature) / 1.78
        r_s, r_t, r_k = 0.05 * sc, 0.07 * sc, 0.12 * sc
        r_a, r_head, l_arm = 0.045 * sc, 0.10 * sc, 0.34 * stature
        hgt_, wid_ = dt.shape
        qf, qh = contour
        radii = np.float32([r_s, r_t, r_k, r_a, r_a, r_head])  # the capsules coverage_cost lays over the outline

        # Per-radius inside maps: deep inside the limb is good up to its radius; outside (d = 0) is bad; hidden
        # (behind the plate) is neutral, a little worse than a well-placed visible sample so that the fit
        # prefers visible evidence.
        maps = {} if maps is None else maps
        if any(r not in maps for r in (r_s, r_t, r_k)):
            outside, seen, hidden = 1.5 * (dt <= 0.5 * cell), 1 - unk_f, 0.4 * unk_f
            for r in (r_s, r_t, r_k):
                sm = np.minimum(dt, r) / r - outside
                maps[r] = (sm * seen + hidden).astype(np.float32)
        # The three limbs' maps as one stack (layer 0 shank, 1 thigh, 2 trunk), so that one call scores all three
        # segments of many hypotheses (call overhead, not arithmetic, is most of a score at these sizes).
        key = (r_s, r_t, r_k)
        if key not in maps:
            maps[key] = np.stack([maps[r_s], maps[r_t], maps[r_k]]), np.stack([unk_f] * 3)  # (unk_f for each layer)
        stack, unk3 = maps[key]
        layer_px = hgt_ * wid_

        def seg_score(p0f, p0h, p1f, p1h, base, n=8, fine=False):
            """Each segment's mean map value (and, fine, its visible fraction); base: the flat offset of each
            segment's map in the stack (layer x layer_px; broadcast with a trailing axis)."""
            t = _seg_samples(n)
            # the samples' grid coordinates (_to_grid), in place: this runs on up to ~20k samples per call
            gx = (p1f - p0f)[..., None] * t
            gx += p0f[..., None]
            gx -= self.f_range[0]
            gx /= cell
            gy = (p1h - p0h)[..., None] * t
            gy += p0h[..., None]
            np.subtract(self.h_range[1], gy, out=gy)
            gy /= cell
            if fine:
                inside, hidden = _bilinear(stack, gx, gy, unk3, base=base)
                return inside.sum(axis=-1) / n, 1.0 - hidden.sum(axis=-1) / n  # (.mean(): the same, slower)
            # the nearest cell's flat index (clipped to the grid)
            ix, iy = np.rint(gx, out=gx), np.rint(gy, out=gy)
            np.maximum(ix, 0, out=ix)
            np.minimum(ix, wid_ - 1, out=ix)
            np.maximum(iy, 0, out=iy)
            np.minimum(iy, hgt_ - 1, out=iy)
            iy *= wid_
            iy += ix
            iy += base
            return stack.ravel().take(iy.astype(np.intp)).sum(axis=-1) / n, None

        def seg_excess(af, ah, bf, bh, r):
            """(H, N): distance of each outline cell beyond the capsule a-b of radius r (negative inside); r a scalar
            or (H, 1) (several capsules in one call: this runs thousands of times, on small arrays)."""
            df, dh = (bf - af)[:, None], (bh - ah)[:, None]
            rf, rh = qf[None, :] - af[:, None], qh[None, :] - ah[:, None]
            # closest point a + t (b - a), t = clip((q - a)·(b - a) / |b - a|², 0, 1) (in place: (H, N) arrays)
            t = rf * df
            t += rh * dh
            t /= df * df + dh * dh + 1e-9
            np.maximum(t, 0.0, out=t)
            np.minimum(t, 1.0, out=t)
            rf -= t * df
            rh -= t * dh
            rf *= rf
            rh *= rh
            rf += rh
            out = np.sqrt(rf, out=rf)  # (np.hypot on float32 is 4x slower: most of this function's time)
            out -= r
            return out

        def chain(fa, a_s, a_t):
            return chain_sc(fa, np.sin(a_s), np.cos(a_s), np.sin(a_t), np.cos(a_t))

        def chain_sc(fa, sin_s, cos_s, sin_t, cos_t):
            """chain() from the angles' sines and cosines (the search grid's, made once)."""
            kf = fa + facing * ls * sin_s
            kh = ha + ls * cos_s
            return kf, kh, kf - facing * lt * sin_t, kh + lt * cos_t

        def full(fa, a_s, a_t, a_k, n=8, fine=False):
            """Total score of hypotheses (flat arrays) and its parts."""
            fa, a_s, a_t, a_k = (np.ravel(np.asarray(v, np.float32)) for v in (fa, a_s, a_t, a_k))
            # The legs (ankle, shank, thigh) repeat across the trunk angles tried (every caller varies the trunk
            # fastest): each run of one leg has its parts computed once.
            new = np.ones(len(fa), bool)
            new[1:] = (fa[1:] != fa[:-1]) | (a_s[1:] != a_s[:-1]) | (a_t[1:] != a_t[:-1])
            inv = np.cumsum(new) - 1
            lf, ls_, lt_ = fa[new], a_s[new], a_t[new]
            lkf, lkh, lhf, lhh = chain(lf, ls_, lt_)
            la = np.full_like(lf, ha)
            nl, nh = len(lf), len(fa)
            hf, hh = lhf[inv], lhh[inv]
            sin_k, cos_k = np.sin(a_k), np.cos(a_k)
            sf, sh = hf + facing * lk * sin_k, hh + lk * cos_k
            # the shank and the thigh once per leg, the trunk per hypothesis: one call on the maps' stack
            s, v = seg_score(np.concatenate([lf, lkf, hf]), np.concatenate([la, lkh, hh]),
                             np.concatenate([lkf, lhf, sf]), np.concatenate([lkh, lhh, sh]),
                             np.repeat(np.array([0, layer_px, 2 * layer_px]), (nl, nl, nh))[:, None], n, fine)
            s1, s2, s3 = s[:nl][inv], s[nl:2 * nl][inv], s[2 * nl:]
            v1, v2 = (None, None) if v is None else (v[:nl][inv], v[nl:2 * nl][inv])
            tot = s1 + s2 + s3
            if len(qf):
                tf, th = sin_k * facing, cos_k

                def coverage_cost(i):
                    li = inv[i]
                    kf_, kh_, hf_, hh_, f0, h0, f1, h1 = lkf[li], lkh[li], hf[i], hh[i], sf[i], sh[i], tf[i], th[i]
                    m = len(i)
                    # shank, thigh, trunk, arms to the bar, arms hanging (no bar in hand), head: one call
                    e = seg_excess(np.concatenate([lf[li], kf_, hf_, f0, f0, f0 + 0.08 * stature * f1]),
                                   np.concatenate([la[li], kh_, hh_, h0, h0, h0 + 0.08 * stature * h1]),
                                   np.concatenate([kf_, hf_, f0, np.full_like(f0, bar_f), f0,
                                                   f0 + 0.12 * stature * f1]),
                                   np.concatenate([kh_, hh_, h0, np.full_like(f0, bar_h), h0 - l_arm,
                                                   h0 + 0.12 * stature * h1]),
                                   np.repeat(radii, m)[:, None])
                    ex = e.reshape(6, m, -1).min(axis=0)
                    np.maximum(ex, 0.0, out=ex)
                    np.minimum(ex, 0.08, out=ex)
                    return ex.sum(axis=1) / ex.shape[1] / 0.02

                # The cost is >= 0, so a hypothesis whose inside score alone is below the best total found cannot
                # win: the best by the inside score are costed first, then only those that could still beat them
                # (the same maximum as costing all, at a fraction of the work).
                cost = np.full(len(tot), np.inf, np.float32)
                first = np.argsort(-tot, kind="stable")[:16]
                cost[first] = coverage_cost(first)
                rest = np.flatnonzero(np.isinf(cost) & (tot >= np.max(tot[first] - cost[first])))
                if len(rest):
                    cost[rest] = coverage_cost(rest)
                tot = tot - cost
            return tot, (fa, a_s, a_t, a_k), (s1, v1, v2, s3)

        if knee is not None and prev is not None:
            # the shank from the fitted ankle towards the measured knee, a shank's length long (ha: chain() reads it)
            a_s = float(np.arctan2(facing * (knee[0] - prev[0]), knee[1] - ha))
            fa, ha = knee[0] - facing * ls * np.sin(a_s), knee[1] - ls * np.cos(a_s)
            x = [fa, a_s, prev[2], prev[3]]
            passes = _UPPER_PASSES
        else:
            # 1. Shank x thigh (x ankle position) on the inside term alone: the candidates. The grid's axes broadcast
            # (ankle, shank, thigh): the knee does not depend on the thigh's angle, the angles' sines are made once.
            if self.ankle_f is None:
                fa_c = np.arange(bar_f - 0.45, bar_f + 0.451, 0.03)
            else:  # feet stay put during a set: search around the learnt ankle
                fa_c = self.ankle_f + _ANKLE_OFFSETS
            fa3 = fa_c[:, None, None]
            kf, kh, hf, hh = chain_sc(fa3, *_SHANK_GRID[1:], *_THIGH_GRID[1:])
            hh = np.broadcast_to(hh, hf.shape)  # (seg_score works in place on the full grid)
            s_shank = seg_score(np.broadcast_to(fa3, kf.shape), np.full(kf.shape, ha), kf, kh, 0)[0]
            s12 = s_shank + seg_score(kf, kh, hf, hh, layer_px)[0]
            best_fa = np.argmax(s12, axis=0)  # best ankle per (shank, thigh) pair
            s_pair = np.take_along_axis(s12, best_fa[None], 0)[0]
            order = np.argsort(s_pair, axis=None)[::-1][:40]
            i_s, i_t = np.unravel_index(order, s_pair.shape)
            fa0, as0, at0 = fa_c[best_fa[i_s, i_t]], _SHANK_GRID[0][i_s], _THIGH_GRID[0][i_t]
            # 2. The best pairs x the trunk angle on the full score; the previous pose joins the candidates.
            ak = _TRUNK_ANGLES
            c_fa, c_as, c_at, c_ak = (np.repeat(fa0, len(ak)), np.repeat(as0, len(ak)), np.repeat(at0, len(ak)),
                                      np.tile(ak, len(fa0)))
            if prev is not None:
                P = [v + off for v, off in zip(prev, _PREV_OFFSETS)]
                c_fa, c_as, c_at, c_ak = (np.concatenate([a, b.ravel()]) for a, b in zip((c_fa, c_as, c_at, c_ak), P))
            tot, hyp, _ = full(c_fa, c_as, c_at, c_ak)
            j = int(np.argmax(tot))
            x = [float(v[j]) for v in hyp]
            passes = _REFINE_PASSES
        # 3. Local refinement: the angles on a coarse grid, then finely (bilinear samples; the ankle too, if free).
        for offsets, n, fine in passes:
            tot, hyp, parts = full(*(v + off for v, off in zip(x, offsets)), n=n, fine=fine)
            j = int(np.argmax(tot))
            x = [float(v[j]) for v in hyp]
        fa, a_sh, a_th, a_k = x
        s1, v1, v2, s3 = (None if p is None else float(p[j]) for p in parts)
        kf, kh, hf, hh = (float(v) for v in chain(fa, a_sh, a_th))
        sf, sh = hf + facing * lk * np.sin(a_k), hh + lk * np.cos(a_k)
        return (fa, a_sh, a_th, a_k, float(tot[j]), s1, v1, v2), (kf, kh, hf, hh), (sf, sh, s3), \
            (ls, lt, lk, ha_model, r_s, r_t, r_k)
