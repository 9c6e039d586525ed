"""Per-frame measurements for the trackers: near plate (bar) centre + covariance, near-leg joints + covariances.

One `FrameMeasurer` per recording (it keeps the floor, the plate's search window, the lifter's stature, ...).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from barpath.sources.frame import Intrinsics
from barpath.vision.barplane import BarPlane
from barpath.vision.body import ANKLE_LEARN_VIS, COARSE_PIXEL_M, BodyEstimator, BodyFit
from barpath.vision.depthnoise import DepthNoise
from barpath.vision.plate import DEFAULT_BASELINE_M, SUBPIXEL, PlateDetector, PlateFit, depth_sigma, estimate_floor

JOINTS = ("hip", "knee", "ankle", "shoulder")
# After a search found the plate out of reach of its last fit or a bar's length along it (PlateDetector.jumped),
# the body is fitted only once the plate has been followed this many frames: the body estimator learns from each fit
# (the near leg's depth), and one frame's search can take something else for the plate (a head seen once, a metre up):
# the near leg's depth learnt then stayed 12 cm off until the bar next left the floor.
PLATE_RUN_FOR_BODY = 3
COARSE_NOTE_SHARE = 0.25  # body fits seeing the legs too coarsely for the knee, of all: the resolution note
# Body fits with the bar lifted and the hip in view but the knee hidden by the plate and unmeasured, of those with the
# bar lifted and the hip in view: past half, a rep rarely has the knee over the half of it the hinge checks need
# (HingeConfig.min_coverage).
KNEE_HIDDEN_NOTE_SHARE = 0.5
# Body fits with the bar lifted (legs not too coarse) that placed no hip and no knee with the plate over the shank: the
# feet's place is learnt from the shank below the plate, and without it no joint is placed at all. Past half of them,
# the hinge and bar-to-body checks are mostly left out.
LEGS_HIDDEN_NOTE_SHARE = 0.5
NOTE_MIN_COUNT = 30  # fewer frames (or body fits) than this: too few to judge the framing by
NOISE_MODEL_RATIO = 1.25  # depth this many times noisier than the nominal D400 model: its noise is used instead
NOISY_DEPTH_RATIO = 2.0  # ... and this many: the depth note ...
NOISE_NOTE_READINGS = 10  # ... once read this often (every 0.5 s)


@dataclass
class FrameMeasurement:
    t_s: float
    plate: np.ndarray | None = None  # (3,) centre of the near plate's outer face (on the bar axis), on the bar's plane
    plate_cov: np.ndarray | None = None  # (3, 3)
    plate_normal: np.ndarray | None = None  # (3,) bar axis, toward the camera
    plate_diameter_m: float | None = None
    plate_quality: float = 0.0
    hip: np.ndarray | None = None
    knee: np.ndarray | None = None
    ankle: np.ndarray | None = None
    shoulder: np.ndarray | None = None
    covs: dict[str, np.ndarray] = field(default_factory=dict)  # joint name -> (3, 3)
    flags: set[str] = field(default_factory=set)  # "no_floor", "no_plate", "plate_reacquired", "no_body", ...
    plate_fit: PlateFit | None = None
    body_fit: BodyFit | None = None

    @property
    def bar(self) -> np.ndarray | None:
        """The measured bar point (the near plate's face centre lies on the bar axis)."""
        return self.plate


class FrameMeasurer:
    """measure(depth_m, intrinsics, t_s) -> FrameMeasurement. Stateful; one per recording.

    plate_diameter_m: nominal plate diameter (0.45 bumpers, 0.30 small plates); baseline_m: the camera's stereo
    baseline (depth-noise model; D435 0.050, D455 0.095); body: also estimate the near-leg joints;
    floor_refit_s: how often the floor plane (camera is static) is re-fitted; body_rate_hz: the body is fitted at
    most this often (hips and knees move far slower than the bar; their Kalman filters predict in between), the
    plate on every frame. 0 = every frame.
    """

    def __init__(self, plate_diameter_m: float = 0.45, baseline_m: float = DEFAULT_BASELINE_M, body: bool = True,
                 floor_refit_s: float = 10.0, body_rate_hz: float = 30.0):
        self.plate = PlateDetector(plate_diameter_m, baseline_m)
        self.bar_plane = BarPlane()
        self.body = BodyEstimator() if body else None
        self.floor = None
        self.floor_t: float | None = None
        self.floor_refit_s = floor_refit_s
        self.baseline_m = baseline_m
        self.noise = DepthNoise()
        self.noise_nominal: float | None = None  # the nominal model's sigma / z^2 for this stream (1/m)
        self.body_period_s = 1.0 / body_rate_hz if body_rate_hz > 0 else 0.0
        self._body_t: float | None = None
        # Framing: frames since the plate was first found, and of those the frames it was lost after it was last seen
        # cut by an image edge (a camera too close or pitched: the bar goes out of view).
        self.plate_frames = 0
        self.edge_frames: dict[str, int] = {}
        self._edge: str | None = None
        self._edge_run = 0  # frames lost since the last fit, counted at its edge
        # ... and of the body fits, those with the lifter cut by the image's top edge and the hip unmeasured (a camera
        # too close or too low: the trunk leaves the image at lockout, and with it the hip and the knee).
        self.body_frames = 0
        self.body_cut_frames = 0
        # ... and those that saw the legs too coarsely for the leg axes (the knee behind the plate is not measured).
        self.body_coarse_frames = 0
        self._coarse_px_sum = 0.0
        # ... and of the fits with the bar lifted and the hip in view (legs not too coarse), those with the knee hidden
        # by the plate and unmeasured (a camera high and pitched down: the plate's image covers the shins at lockout).
        self.body_hip_frames = 0
        self.knee_hidden_frames = 0
        # ... and of the fits with the bar lifted (legs not too coarse), those with no hip nor knee placed and the plate
        # over the shank (a camera high, pitched down and turned: the plate's image covers the legs wherever the bar
        # is, and the feet are never learnt; a lifter cut by the top edge still shows the shank).
        self.body_lifted_frames = 0
        self.legs_hidden_frames = 0
        self._fx: float | None = None
        self._plate_run = PLATE_RUN_FOR_BODY  # frames the plate was followed since it jumped (1: this frame)

    def measure(self, depth_m: np.ndarray, intrinsics: Intrinsics, t_s: float) -> FrameMeasurement:
        out = FrameMeasurement(t_s=float(t_s))
        self.noise.update(depth_m, t_s)
        if intrinsics is not None:
            self.noise_nominal = float(depth_sigma(1.0, intrinsics.fx, self.baseline_m))
        noisy = self._noise_ratio()
        self.plate.noise_scale = noisy or 1.0  # the plate's depth bands widen with it
        if self.floor is None or (self.floor_t is not None and t_s - self.floor_t > self.floor_refit_s):
            fl = estimate_floor(depth_m, intrinsics)
            if fl is not None:
                self.floor = fl
                self.plate.floor = fl
            self.floor_t = t_s
        if self.floor is None:
            out.flags.add("no_floor")
        n_acq = self.plate.n_acquisitions
        fit = self.plate.detect(depth_m, intrinsics, t_s, floor=self.floor)
        if self.plate.n_acquisitions != n_acq:
            out.flags.add("plate_search")
        if fit is not None:
            self._plate_run = 1 if self.plate.jumped else self._plate_run + 1
            if self.plate.jumped:  # another plate: the plane learnt is the last one's, the body's place too
                self.bar_plane.reset()
                if self.body is not None:
                    self.body.reanchor()
        self._count_framing(fit, depth_m.shape, fit is not None and self.plate.jumped)
        if fit is None:
            out.flags.add("no_plate")
            return out
        out.plate, out.plate_cov = self.bar_plane.place(fit, t_s)
        out.plate_normal = fit.normal
        out.plate_diameter_m, out.plate_quality, out.plate_fit = fit.diameter_m, fit.quality, fit
        # 0.75 period: at 30 Hz a 90 fps stream fits every 3rd frame even with timestamp jitter.
        due = self._body_t is None or t_s - self._body_t >= 0.75 * self.body_period_s or t_s < self._body_t
        if self.body is not None and self.floor is not None and due and self._plate_run >= PLATE_RUN_FOR_BODY:
            self._body_t = t_s
            noise = (self.noise.coef, self.noise_nominal) if noisy else None
            bf = self.body.estimate(depth_m, intrinsics, fit, self.floor, t_s=t_s, noise=noise)
            out.body_fit = bf
            # the bar off the floor (its plate's centre a radius + 5 cm up): lifting, not setting up or standing by
            lifted = float(self.floor.height_above(fit.center)) > fit.diameter_m / 2 + 0.05
            self._count_body_framing(bf, intrinsics, lifted)
            if bf is None:
                out.flags.add("no_body")
            else:
                for j in JOINTS:
                    p = getattr(bf, j)
                    if p is not None:
                        setattr(out, j, p)
                        out.covs[j] = bf.covs[j]
                    else:
                        out.flags.add(f"no_{j}")
        return out

    def _count_framing(self, fit: PlateFit | None, shape: tuple[int, int], jumped: bool = False) -> None:
        if fit is not None:
            if jumped and self._edge_run:  # what was lost at the edge was something else (or another plate), not the
                self.edge_frames[self._edge] -= self._edge_run  # bar leaving the view: a false first plate up a wall
            self._edge_run = 0
            self._edge = cut_edge(fit, shape[1], shape[0])
        elif self.plate_frames == 0:
            return
        self.plate_frames += 1
        if fit is None and self._edge is not None:  # a disc cut by the edge is still tracked: only losing it counts
            self.edge_frames[self._edge] = self.edge_frames.get(self._edge, 0) + 1
            self._edge_run += 1

    def _count_body_framing(self, bf: BodyFit | None, intrinsics: Intrinsics | None = None,
                            lifted: bool = True) -> None:
        if bf is not None:
            self._fx = intrinsics.fx if intrinsics is not None else self._fx
            self.body_frames += 1
            self.body_cut_frames += bool(bf.top_clipped and bf.hip is None)
            if bf.leg_pixel_m is not None and bf.leg_pixel_m >= COARSE_PIXEL_M:
                self.body_coarse_frames += 1
                self._coarse_px_sum += bf.leg_pixel_m
            elif lifted:
                if bf.hip is not None:
                    self.body_hip_frames += 1
                    self.knee_hidden_frames += bool(bf.knee is None and bf.visible.get("knee", 1.0) <= 0.5)
                self.body_lifted_frames += 1
                self.legs_hidden_frames += bool(bf.hip is None and bf.knee is None
                                                and bf.visible.get("shank", 1.0) < ANKLE_LEARN_VIS)

    def framing_note(self, min_share: float = 0.05, brief: bool = False) -> str:
        """Advice, one line each in this order, when: the plate was lost at an image edge (last seen cut by it) in
        >= min_share of the frames since it was first found; the plate hid the lower legs (no joint placed) in
        >= LEGS_HIDDEN_NOTE_SHARE of the body fits with the bar lifted; the lifter was cut by the top edge with the hip
        unmeasured in >= min_share of the body fits; the legs were seen too coarsely for the knee in
        >= COARSE_NOTE_SHARE of them; the plate hid the knee in >= KNEE_HIDDEN_NOTE_SHARE of the fits with the bar
        lifted and the hip in view; the depth was >= NOISY_DEPTH_RATIO x noisier than the nominal model. Else ''.
        brief: one short clause for the TUI's status line (the first problem only)."""
        notes = [n for n in (self._plate_note(min_share, brief), self._legs_note(brief),
                             self._body_note(min_share, brief), self._resolution_note(brief), self._knee_note(brief),
                             self._noise_note(brief))
                 if n]
        return notes[0] if brief and notes else "\n".join(notes)

    def _noise_ratio(self) -> float | None:
        """The stream's depth noise over the nominal model's, where it reads NOISE_MODEL_RATIO x or more; else None
        (the nominal model is used: a reading within a few per cent of it moved single plate fits, a preset's worst
        MCV from 0.038 to 0.048 m/s, for nothing)."""
        if self.noise.coef is None or not self.noise_nominal:
            return None
        ratio = self.noise.coef / self.noise_nominal
        return ratio if ratio >= NOISE_MODEL_RATIO else None

    def _noise_note(self, brief: bool) -> str:
        ratio = self._noise_ratio()
        if ratio is None or ratio < NOISY_DEPTH_RATIO or self.noise.readings < NOISE_NOTE_READINGS:
            return ""
        if brief:
            return f"⚠ depth {ratio:.1f}x noisier than nominal: camera closer"
        return (f"depth: the camera's depth was {ratio:.1f}x noisier than a D400's nominal ({ratio * SUBPIXEL:.2f} px "
                f"of disparity error for {SUBPIXEL}), which blurs the legs' outline: the knee and the bar-to-body gap "
                f"are less certain. The noise grows with the square of the distance: bring the camera closer; keep "
                f"its emitter on and direct sunlight off the platform")

    def _legs_note(self, brief: bool) -> str:
        n, m = self.legs_hidden_frames, self.body_lifted_frames
        pct = _share_pct(n, m, LEGS_HIDDEN_NOTE_SHARE)
        if pct is None:
            return ""
        if brief:
            return f"⚠ plate hides the legs {pct:.0f} %: lower the camera"
        return (f"framing: the plate hid the lower legs in {n} of {m} body fits with the bar lifted ({pct:.0f} %), so "
                f"the feet could not be placed and no hip or knee was measured there: lower the camera toward hip "
                f"height, level it and face the lifter's side square-on, so that the shins show below the plate")

    def _knee_note(self, brief: bool) -> str:
        n, m = self.knee_hidden_frames, self.body_hip_frames
        pct = _share_pct(n, m, KNEE_HIDDEN_NOTE_SHARE)
        if pct is None:
            return ""
        if brief:
            return f"⚠ plate hides the knee {pct:.0f} %: lower the camera"
        return (f"framing: the plate hid the knee in {n} of {m} body fits with the bar lifted and the hip in view "
                f"({pct:.0f} %), where the knee and bar-to-body checks are left out: lower the camera toward hip "
                f"height and level it, so that the shins show below the plate at lockout")

    def _resolution_note(self, brief: bool) -> str:
        n = self.body_coarse_frames
        pct = _share_pct(n, self.body_frames, COARSE_NOTE_SHARE)
        if pct is None:
            return ""
        px = self._coarse_px_sum / n
        if brief:
            return f"⚠ legs at {100 * px:.1f} cm/pixel: higher resolution or closer"
        closer = f" or bring the camera within {COARSE_PIXEL_M * self._fx:.1f} m of the lifter" if self._fx else ""
        return (f"resolution: the legs were seen at {100 * px:.1f} cm per pixel in {n} of {self.body_frames} body fits "
                f"({pct:.0f} %), too coarse to follow the knee behind the plate, where the knee "
                f"and bar-to-body checks are left out: use a higher-resolution stream (848x480 or more){closer}")

    def _body_note(self, min_share: float, brief: bool) -> str:
        pct = _share_pct(self.body_cut_frames, self.body_frames, min_share)
        if pct is None:
            return ""
        if brief:
            return f"⚠ lifter cut at top edge {pct:.0f} %: move the camera back"
        return (f"framing: the lifter went out of view at the image's top edge with the hip unmeasured in "
                f"{self.body_cut_frames} of {self.body_frames} body fits ({pct:.0f} %), where the hip and knee "
                f"checks cannot be made: move the camera back so the hips and trunk stay in view at lockout (raising "
                f"or tilting it up helps too, if the plate stays in view on the floor)")

    def _plate_note(self, min_share: float, brief: bool) -> str:
        if not self.edge_frames:
            return ""
        edge, n = max(self.edge_frames.items(), key=lambda kv: kv[1])
        pct = _share_pct(n, self.plate_frames, min_share)
        if pct is None:
            return ""
        fix = {"bottom": "move the camera back, lower it or tilt it down",
               "top": "move the camera back, raise it or tilt it up",
               "left": "move the camera back or turn it toward the plate",
               "right": "move the camera back or turn it toward the plate"}[edge]
        if brief:  # moving back is the first fix for every edge
            return f"⚠ plate lost at {edge} edge {pct:.0f} %: move the camera back"
        return (f"framing: the plate went out of view at the image's {edge} edge in {n} of "
                f"{self.plate_frames} frames ({pct:.0f} %), where the bar cannot be tracked: "
                f"{fix} so the whole plate stays in view from the floor to lockout")


def _share_pct(n: int, m: int, share: float) -> float | None:
    """n of m in per cent, when m is enough to judge by (NOTE_MIN_COUNT) and n is at least `share` of it; else None."""
    if m < NOTE_MIN_COUNT or n < share * m:
        return None
    return 100.0 * n / m


def cut_edge(fit: PlateFit, width: int, height: int) -> str | None:
    """The image edge the plate's disc crosses (the one it crosses most), or None when it is wholly in view."""
    u, v = float(fit.pixel[0]), float(fit.pixel[1])
    r = float(fit.radius_px)
    over = {"left": r - u, "right": u + r - (width - 1), "top": r - v, "bottom": v + r - (height - 1)}
    edge, most = max(over.items(), key=lambda kv: kv[1])
    return edge if most > 0 else None
