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
   standard anthropometric fractions, the stature learnt as the silhouette's top when standing) is fitted to
   the silhouette's distance transform: each segment's axis should run deep inside the limb (the limb radius
   away from the outline). The joint angles are found by a vectorised grid search (shank × thigh jointly,
   then the trunk), so every frame gives the same anatomical points, not extreme pixels.
4. A joint is reported only when the segments around it are mostly visible (not hidden by the plate).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

from barpath.sources.frame import Intrinsics

# Segment lengths as fractions of stature (Drillis & Contini / Winter).
SHANK_FRAC = 0.246
THIGH_FRAC = 0.245
TRUNK_FRAC = 0.288
ANKLE_H_FRAC = 0.039
CELL_M = 0.02
# Candidate corrections of the stature seen as the silhouette's top (its outline loses a few cm to edge
# dropouts and decimation; real heads differ): the one whose chain fits best over the first frames wins.
SCALES = np.array([0.94, 0.98, 1.02, 1.06, 1.10, 1.14, 1.18])
SCALE_SAMPLES = 40  # frames used to learn it
SCALE_EVERY = 1  # every n-th eligible body frame

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


def _bilinear(img: np.ndarray, x: np.ndarray, y: np.ndarray) -> np.ndarray:
    h, w = img.shape
    x = np.clip(x, 0, w - 1.001)
    y = np.clip(y, 0, h - 1.001)
    x0 = x.astype(np.int32)
    y0 = y.astype(np.int32)
    fx = x - x0
    fy = y - y0
    a = img[y0, x0] * (1 - fx) + img[y0, x0 + 1] * fx
    b = img[y0 + 1, x0] * (1 - fx) + img[y0 + 1, x0 + 1] * fx
    return a * (1 - fy) + b * fy


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
        self.stature_tops: list[float] = []
        self.facing_votes = 0.0
        self.ankle_f: float | None = None
        self.a_leg: float | None = None
        self._th = np.radians(np.arange(-40.0, 120.0, 2.0))
        self.last: BodyFit | None = None
        self._scale_sum = np.zeros(len(SCALES))
        self._scale_n = 0
        self._frames = 0

    # ------------------------------------------------------------------ frame
    @property
    def stature(self) -> float | None:
        """Silhouette-top height when standing (robust high percentile), times the learnt scale correction."""
        if not self.stature_tops:
            return None
        return float(np.percentile(self.stature_tops[-600:], 95)) * self.scale

    @property
    def scale(self) -> float:
        if self._scale_n < 5:
            return 1.0
        s = self._scale_sum / self._scale_n
        i = int(np.argmax(s))
        if 0 < i < len(s) - 1:  # parabolic peak
            den = s[i - 1] - 2 * s[i] + s[i + 1]
            off = 0.5 * (s[i - 1] - s[i + 1]) / den if den < 0 else 0.0
            return float(np.interp(i + off, np.arange(len(s)), SCALES))
        return float(SCALES[i])

    def estimate(self, depth_m: np.ndarray, intr: Intrinsics, plate, floor, step: int | None = None
                 ) -> BodyFit | None:
        """plate: PlateFit (centre, normal); floor: FloorFit. None when no lifter is found."""
        if plate is None or floor is None:
            return None
        up = np.asarray(floor.normal, float)
        ax_ = np.asarray(plate.normal, float)
        ax_ = ax_ - (ax_ @ up) * up
        ax_ /= np.linalg.norm(ax_)
        fwd = np.cross(up, ax_)
        c = np.asarray(plate.center, float)
        if self.origin is None:
            self.origin = c - (c @ up + floor.camera_height_m) * up
        origin = self.origin - ((self.origin - c) @ ax_) * ax_  # follow the plate's axial position
        h_img, w_img = depth_m.shape
        k = step or max(1, int(round(w_img / 212)))
        z = depth_m[::k, ::k].astype(np.float32)
        hd, wd = z.shape
        uu = ((np.arange(wd) * k - intr.ppx) / intr.fx).astype(np.float32)[None, :]
        vv = ((np.arange(hd) * k - intr.ppy) / intr.fy).astype(np.float32)[:, None]
        valid = z > 0.2
        # Axial offset from the plate face, height above the floor, forward coordinate (all from the 3-D point).
        cz = np.float32(c @ ax_)
        axial = (uu * ax_[0] + vv * ax_[1] + ax_[2]) * z - cz
        hgt = (uu * up[0] + vv * up[1] + up[2]) * z + np.float32(floor.camera_height_m)
        sig = z * z * np.float32(0.08 / (intr.fx * 0.05))
        m = valid & (axial > self.axial_range[0]) & (axial < self.axial_range[1]) & (hgt > np.maximum(0.03, 2 * sig))
        if m.sum() < 30:
            return None
        a_leg = float(np.median(axial[m]))
        self.a_leg = a_leg if self.a_leg is None else 0.9 * self.a_leg + 0.1 * a_leg
        # Sagittal plane at the lifter's axial depth: X(f, h) = o + f fwd + h up, o = origin + a_leg axis.
        o = origin + (self.a_leg + 0.0) * ax_  # origin is on the plate face's plane (axial 0)
        kd = np.array([[intr.fx / k, 0, intr.ppx / k], [0, intr.fy / k, intr.ppy / k], [0, 0, 1.0]])
        x0 = o + self.f_range[0] * fwd + self.h_range[1] * up  # grid (0, 0): back, top
        hmat = kd @ np.column_stack([self.cell * fwd, -self.cell * up, x0])
        mask8 = m.astype(np.uint8) * 255
        # The region the near plate stack hides (outer face disc and its back, 15 cm along the axis).
        occ = np.zeros((hd, wd), np.uint8)
        e1 = np.cross(plate.normal, up)
        e1 /= np.linalg.norm(e1)
        e2 = np.cross(plate.normal, e1)
        th = np.linspace(0, 2 * np.pi, 32, endpoint=False)
        r = plate.diameter_m / 2 + 0.01
        for off in (0.0, -0.15):
            ring = c + off * plate.normal + r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2)
            if np.all(ring[:, 2] > 0.1):
                cv2.fillPoly(occ, [np.round(intr.project(ring) / k).astype(np.int32)], 255)
        pts = np.vstack([intr.project(c + off * plate.normal + r * (np.cos(th)[:, None] * e1 + np.sin(th)[:, None] * e2))
                         for off in (0.0, -0.15)]) / k
        if np.all(np.isfinite(pts)):
            cv2.fillConvexPoly(occ, cv2.convexHull(np.round(pts).astype(np.int32)), 255)
        flags = cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP
        sil = cv2.warpPerspective(mask8, hmat, (self.nf, self.nh), flags=flags) > 127
        unk = cv2.warpPerspective(occ, hmat, (self.nf, self.nh), flags=cv2.INTER_NEAREST | cv2.WARP_INVERSE_MAP) > 0
        unk &= ~sil
        sil = cv2.morphologyEx(sil.astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)) > 0
        return self._fit(sil, unk, plate, floor, up, fwd, ax_, o, c)

    # ------------------------------------------------------------------ model fit
    def _fit(self, sil, unk, plate, floor, up, fwd, ax_, o, c) -> BodyFit | None:
        cell = self.cell
        rows = np.flatnonzero(sil.any(axis=1))
        if len(rows) == 0:
            return None
        top_h = self.h_range[1] - rows[0] * cell
        # Bar position in grid coordinates (f, h).
        bar_f = float((c - o) @ fwd)
        # Facing: the body's mass lies behind the bar (hips, buttocks), the bar in front of the legs.
        cols = np.nonzero(sil)[1]
        body_f = self.f_range[0] + (np.median(cols) + 0.5) * cell
        self.facing_votes = 0.95 * self.facing_votes + np.sign(bar_f - body_f)
        facing = 1 if self.facing_votes >= 0 else -1
        inside = (sil | unk).astype(np.uint8)
        dt = cv2.distanceTransform(inside, cv2.DIST_L2, 5).astype(np.float32) * cell
        unk_f = unk.astype(np.float32)
        # Stature: the silhouette's top when the lifter stands tall (bar high, trunk upright).
        if top_h > 1.2:
            self.stature_tops.append(top_h)
        self._frames += 1
        base = float(np.percentile(self.stature_tops[-600:], 95)) if self.stature_tops else max(top_h, 1.5)
        # Joints are reported once the lifter has been seen standing (stature) with the lower shank visible
        # (ankle position); until then the chain is fitted only to learn those.
        ready = self.ankle_f is not None and len(self.stature_tops) >= 3 and base > 1.3
        stature = base * self.scale
        (fa, a_sh, a_th, tot, s1, vis_s, vis_t), (kf, kh, hf, hh), (sf, sh, s3j), geo = \
            self._chain_fit(dt, unk_f, stature, facing, bar_f)
        # Learn the stature correction only from frames where the whole leg is in view.
        if ready and vis_s + vis_t > 1.0 and self._scale_n < SCALE_SAMPLES \
                and self._frames % SCALE_EVERY == 0:
            scores = np.array([self._chain_fit(dt, unk_f, base * sc_, facing, bar_f)[0][3] for sc_ in SCALES])
            self._scale_sum += scores
            self._scale_n += 1
        ready = ready and self._scale_n >= 5
        ls, lt, lk, ha, r_s, r_t, r_k = geo
        score = tot / 2
        # Learn the ankle position from confident frames where the lower shank is visible.
        if vis_s > 0.45 and s1 > 0.6:
            self.ankle_f = float(fa) if self.ankle_f is None else 0.9 * self.ankle_f + 0.1 * float(fa)
        vis_k, vis_h = self._joint_vis(unk_f, fa, ha, kf, kh, hf, hh, sf, sh)
        self.last_facing = facing

        # Joint centres lie ~ a limb radius beyond the visible surface (farther from the camera).
        def cam(f, h, r):
            return o + f * fwd + h * up - r * ax_

        ok = score > 0.3 and ready
        ankle = cam(fa, ha, r_s) if ok and vis_s > 0.5 else None
        knee = cam(kf, kh, 0.5 * (r_s + r_t)) if ok and vis_k > 0.5 else None
        hip = cam(hf, hh, r_t) if ok and vis_h > 0.5 else None
        shoulder = cam(sf, sh, r_k * 0.5) if ok and s3j > 0.3 else None
        covs = {}
        for name, p, sd in (("ankle", ankle, 0.02), ("knee", knee, 0.015), ("hip", hip, 0.02),
                            ("shoulder", shoulder, 0.03)):
            if p is not None:
                covs[name] = np.diag([sd, sd, sd]) ** 2 / max(score, 0.3)
        fit = BodyFit(ankle, knee, hip, shoulder, covs,
                      {"ankle": (fa, ha), "knee": (kf, kh), "hip": (hf, hh), "shoulder": (sf, sh)},
                      score, {"shank": vis_s, "thigh": vis_t, "knee": vis_k, "hip": vis_h}, stature, facing)
        self.last = fit
        self.debug = (sil, unk, dt)
        return fit

    def _joint_vis(self, unk_f, fa, ha, kf, kh, hf, hh, sf, sh):
        """Visible fraction of the segment parts around the knee and the hip (30 % of each segment)."""
        def vis(p0, p1, p2):
            t = np.linspace(0.0, 0.3, 6)
            pts = [(p1[0] + (p0[0] - p1[0]) * t, p1[1] + (p0[1] - p1[1]) * t),
                   (p1[0] + (p2[0] - p1[0]) * t, p1[1] + (p2[1] - p1[1]) * t)]
            f = np.concatenate([q[0] for q in pts])
            h = np.concatenate([q[1] for q in pts])
            gx = (f - self.f_range[0]) / self.cell - 0.5
            gy = (self.h_range[1] - h) / self.cell - 0.5
            return float(1.0 - _bilinear(unk_f, gx, gy).mean())
        return vis((fa, ha), (kf, kh), (hf, hh)), vis((kf, kh), (hf, hh), (sf, sh))

    def _chain_fit(self, dt, unk_f, stature, facing, bar_f):
        cell = self.cell
        ls, lt, lk = SHANK_FRAC * stature, THIGH_FRAC * stature, TRUNK_FRAC * stature
        ha = ANKLE_H_FRAC * stature
        sc = stature / 1.78
        r_s, r_t, r_k = 0.05 * sc, 0.07 * sc, 0.12 * sc

        def to_grid(f, h):
            return (np.asarray(f) - self.f_range[0]) / cell - 0.5, (self.h_range[1] - np.asarray(h)) / cell - 0.5

        # Per-radius score maps: deep inside the limb is good up to its radius; outside (d = 0) is bad; hidden
        # (behind the plate) is neutral, a little worse than a well-placed visible sample so that the fit
        # prefers visible evidence.
        maps = {}
        for r in (r_s, r_t, r_k):
            sm = np.minimum(dt, r) / r - 1.5 * (dt <= 0.5 * cell)
            maps[r] = (sm * (1 - unk_f) + 0.4 * unk_f).astype(np.float32)
        hgt_, wid_ = dt.shape

        def seg_score(p0f, p0h, p1f, p1h, r, n=8, fine=False):
            t = np.linspace(0.08, 0.92, n)
            f = p0f[..., None] + (p1f - p0f)[..., None] * t
            h = p0h[..., None] + (p1h - p0h)[..., None] * t
            gx, gy = to_grid(f, h)
            if fine:
                return _bilinear(maps[r], gx, gy).mean(axis=-1), 1.0 - _bilinear(unk_f, gx, gy).mean(axis=-1)
            ix = np.clip(np.rint(gx), 0, wid_ - 1).astype(np.intp)
            iy = np.clip(np.rint(gy), 0, hgt_ - 1).astype(np.intp)
            return maps[r][iy, ix].mean(axis=-1), None

        def chain(fa, a_s, a_t):
            kf = fa + facing * ls * np.sin(a_s)
            kh = ha + ls * np.cos(a_s)
            return kf, kh, kf - facing * lt * np.sin(a_t), kh + lt * np.cos(a_t)

        def search(fa_c, a_s, a_t, n, fine=False):
            FA, AS, AT = np.meshgrid(fa_c, a_s, a_t, indexing="ij")
            kf, kh, hf, hh = chain(FA, AS, AT)
            s1, v1 = seg_score(FA, np.full_like(FA, ha), kf, kh, r_s, n, fine)
            s2, v2 = seg_score(kf, kh, hf, hh, r_t, n, fine)
            tot = s1 + s2
            i = np.unravel_index(int(np.argmax(tot)), tot.shape)
            if not fine:
                return FA[i], AS[i], AT[i], float(tot[i]), float(s1[i]), None, None
            return FA[i], AS[i], AT[i], float(tot[i]), float(s1[i]), float(v1[i]), float(v2[i])

        # Ankle's forward position: searched around the learnt one (feet stay put during a set).
        if self.ankle_f is None:
            fa_c = np.arange(bar_f - 0.45, bar_f + 0.451, 0.03)
        else:
            fa_c = self.ankle_f + np.arange(-0.04, 0.0401, 0.02)
        deg = np.radians
        fa, a_sh, a_th, *_ = search(fa_c, deg(np.arange(-24.0, 70.0, 6.0)), deg(np.arange(-14.0, 116.0, 6.0)), 6)
        fa, a_sh, a_th, *_ = search(fa + np.arange(-0.02, 0.0201, 0.01), a_sh + deg(np.arange(-6.0, 6.1, 2.0)),
                                    a_th + deg(np.arange(-6.0, 6.1, 2.0)), 10)
        fa, a_sh, a_th, tot, s1, vis_s, vis_t = search(fa + np.arange(-0.005, 0.0051, 0.005),
                                                       a_sh + deg(np.arange(-1.5, 1.6, 0.5)),
                                                       a_th + deg(np.arange(-1.5, 1.6, 0.5)), 14, True)
        kf, kh, hf, hh = chain(fa, a_sh, a_th)
        # Trunk: hip -> shoulder.
        a_k = np.radians(np.arange(-30.0, 110.0, 2.0))
        sf = hf + facing * lk * np.sin(a_k)
        sh = hh + lk * np.cos(a_k)
        s3, _ = seg_score(np.full_like(sf, hf), np.full_like(sf, hh), sf, sh, r_k, 10)
        j = int(np.argmax(s3))
        return (fa, a_sh, a_th, tot, s1, vis_s, vis_t), (kf, kh, hf, hh), (sf[j], sh[j], float(s3[j])), \
            (ls, lt, lk, ha, r_s, r_t, r_k)
