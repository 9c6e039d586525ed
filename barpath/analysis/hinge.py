"""Hip-hinge and bar-proximity checks per rep, in the sagittal plane of the lift frame (forward, up).

Joint tracks (hip, knee, ankle, shoulder joint centres, ~1 cm noise, NaN gaps) are cleared of isolated spikes
(a sample farther than `spike_m` from the median of its neighbours within `spike_window_s`: a joint fit gone
wrong for one frame, typically the first after the plate uncovered the knee, when the filter's gate is wide)
and smoothed with a local quadratic fit (kernel `joint_sigma_s`) before anything is measured; the ankle, planted
through a rep, is its median over the rep. Definitions:
- max_bar_to_body: the largest horizontal gap between the bar's surface (bar axis - bar_radius) and the front of
  the legs at the bar's height, while the bar is below the hip, over the rep (concentric + eccentric). The legs'
  front is modelled from the joint centres: capsules ankle->knee (radius `shank_half_thickness`) and knee->hip
  (three pieces tapering from `thigh_half_thickness_knee` to `thigh_half_thickness_hip`), i.e. the joint axis
  plus a half-thickness, including the rounded knee, from joint tracks smoothed wider (`gap_sigma_s`). The
  half-thicknesses are an average adult's, widened to the lifter's own girth where it measured more (`girth`). Frames
  within `knee_edge_s` of a stretch as long without the knee (the plate covering it, or about to: the window's ends
  count) are left out: there the leg's axes see only a few cm of shin or thigh beside the plate, and the knee came
  3-8 cm back (a false bar_away on 1 of 4 reps in each of two random scenes).
- bar_path_horizontal_range: max - min of the smoothed bar forward coordinate over the rep.
- hip_back_travel / knee_forward_travel: over the descent (the rep's eccentric phase), the largest backward hip /
  forward knee displacement from their positions at the descent's start (>= 0).
- knee_flexion_change: knee flexion (180 deg - ankle-knee-hip angle) at the descent's end minus at its start.
- hips_first: the hip has moved `onset_m` (2 cm) back before the knee has moved 2 cm forward (True if the hip
  reaches 2 cm and the knee never does; False if the hip never does). Where the measurements state their sd, a
  knee's move counts from `onset_noise_z` x the sd of its displacement (the sds at the descent's start and then),
  if that is more: the knee from a few cm of shin (sd ~3.5 cm) wanders 2-4 cm with the leg still (false knees_first
  in RDLs: random scenes sweep60884l, sweep91717n, sweep27823nl), and an undecided order is better than a wrong one.
  Only the knee's: its sd comes from its own fit (the shin's or thigh's axis residuals and lever: 0.7-4 cm with how
  much of the leg is seen); the hip's is a fixed prior (2 cm / sqrt(fit score)), and raising the hip's level by it
  put a well-measured knee's onset first in hips-first reps (deadlift_partial rep 3, sweep12795, sweep14981).
Faults:
- bar_away_from_body: max_bar_to_body > `bar_away_m` (6 cm).
- knees_first: hips_first is False.
- spine_fold (heuristic, not validated on data): in the descent the torso (hip->shoulder) inclines forward by
  >= `fold_min_deg` while the hip travels back less than `fold_ratio` x the shoulder's forward swing about the
  hip (trunk length x change of sin(inclination)): the chest goes down without the hips going back.
- lockout_hyperextension: at the concentric end (mean over the next `lockout_window_s`) the torso leans back
  past vertical by more than `lean_back_deg`.
Anything that cannot be measured (joint not tracked over enough of the window) is None.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.geometry import LegGirth, capsule_front

from barpath.analysis.signal import local_poly


# The way (forward +1) each joint's descent metric counts its travel (hip_back_travel, knee_forward_travel).
QUIET_WAY = {"hip": -1.0, "knee": 1.0}


@dataclass(frozen=True)
class HingeConfig:
    shank_half_thickness: float = 0.05
    thigh_half_thickness_knee: float = 0.055
    thigh_half_thickness_hip: float = 0.08
    bar_radius: float = 0.014
    joint_sigma_s: float = 0.07
    gap_sigma_s: float = 0.14  # the joints for the bar-to-leg gap: its maximum over the rep takes every frame's error
    # in the shin's front at the bar (the knee's sources switching as the plate passes it, 1.5-2 cm a frame at 424x240):
    # at 0.07 a false bar_away on a heavy single at 424x240 (sweep7309, gap 3.4 cm over); the gap itself changes over
    # half a second or more
    bar_sigma_s: float = 0.05
    onset_m: float = 0.02
    onset_noise_z: float = 1.5  # ... or this many sds of the knee's displacement, if more (measurements with a sd)
    bar_away_m: float = 0.06
    max_gap_s: float = 0.05  # no estimate farther than this from a tracked frame (bar-to-body gap)
    knee_edge_s: float = 0.1  # bar-to-body gap: knee frames this close to a longer stretch without it are left out
    bridge_gap_s: float = 0.3  # descent checks: tracking gaps up to this long are bridged by the local fit,
    # longer ones inside the descent make the joint's descent metrics None (but see quiet_gap_s) ...
    quiet_gap_s: float = 0.6  # ... a gap up to this long is bridged too where the joint had not moved onset_m (its
    # metric's way) from its place at the descent's start on both sides of it (the knee the plate hides early on)
    end_gap_s: float = 0.07  # ... as does no tracked frame within this of the descent's start or end
    min_coverage: float = 0.5  # fraction of the window's frames a joint must be tracked in
    spike_m: float = 0.03  # a joint sample this far from its neighbours' median (or 4 robust sigmas) is dropped
    spike_window_s: float = 0.15  # neighbours: within this of the sample (both sides)
    fold_min_deg: float = 20.0
    fold_ratio: float = 0.25
    lean_back_deg: float = 10.0
    lockout_window_s: float = 0.3
    girth: LegGirth | None = None  # the lifter's own, where measured (RepDetector.set_leg_girth): see leg_radii

    def leg_radii(self) -> tuple[float, float, float]:
        """(shank, thigh by the knee, thigh by the hip) half-thicknesses of the leg front's capsules: an average adult's
        (the defaults), widened to the lifter's girth where it measured more. The thigh's by its ratio to the default
        taper where it was measured, a segment not measured by the other's ratio. Widened only: the measured outline
        is a lower bound, the depth loses pixels at a limb's edges (1.5-2 pixels of its width at the nominal noise,
        more when noisier: 2-24 % thin in random scenes at the nominal noise, 36-47 % at 2.3x it), and taken as the
        girth it made the gap up to 2 cm too wide (18 false bar_away_from_body over 70 recordings). A heavy
        lifter's legs (1.3x the average girth) read as the average's made the gap 2-5 cm too wide."""
        s0, k0, h0 = self.shank_half_thickness, self.thigh_half_thickness_knee, self.thigh_half_thickness_hip
        g = self.girth
        if g is None:
            return s0, k0, h0
        shank = g.shank / s0 if g.shank is not None else None
        thigh = g.thigh / (k0 + g.thigh_at * (h0 - k0)) if g.thigh is not None else None
        shank, thigh = max(shank or thigh or 1.0, 1.0), max(thigh or shank or 1.0, 1.0)
        return s0 * shank, k0 * thigh, h0 * thigh


# Reps whose hinge order went undecided for want of one joint at the descent's start, of all the reps: from this share
# (and at least UNSEEN_NOTE_MIN reps) the user is told why and what to move (unseen_note).
UNSEEN_NOTE_SHARE = 0.25
UNSEEN_NOTE_MIN = 2
# joint -> (the status line's fix, analyze's)
_UNSEEN_FIX = {
    "knee": ("lower the camera", "lower the camera to hip height or below and level it, so that the shins show below "
                                 "the plate at the top of the lift"),
    "hip": ("move the camera back", "keep the hips in view, clear of the plate and the image's top edge, at the top of "
                                    "the lift: move the camera back"),
}


def unseen_note(unseen: dict[str, int], n_reps: int, brief: bool = False) -> str:
    """Advice when the hinge order went undecided in many reps because a joint was not followed from the descent's
    start: unseen maps 'hip' / 'knee' to that count of reps (RepDetector.unseen), n_reps all the reps. The knee first:
    at the top of the lift the plate's lower edge is at about knee height, so a camera well above the hips sees the
    plate over the knee and most of the shin (random scene sweep28628, an RDL by a 1.62 m lifter with 45 cm
    plates, the camera at 1.15 m: 6 of 8 reps undecided; the same set seen from 0.8 m, level, or 0.45 m: none).
    '' when neither reaches UNSEEN_NOTE_SHARE of the reps."""
    notes = []
    for joint in ("knee", "hip"):
        n = unseen.get(joint, 0)
        if n < UNSEEN_NOTE_MIN or n < UNSEEN_NOTE_SHARE * n_reps:
            continue
        short, fix = _UNSEEN_FIX[joint]
        notes.append(f"⚠ {joint} unseen at the top in {n} of {n_reps} reps: {short}" if brief else
                     f"hinge: the {joint} was not seen as the descent began in {n} of {n_reps} reps, so whether the "
                     f"hips moved first was not judged there: {fix}")
    return notes[0] if brief and notes else "\n".join(notes)


def hinge_checked(rep: dict) -> bool:
    """Only a rep whose hinge order and bar gap were measured may be called good."""
    return rep.get("hips_first") is not None and rep.get("max_bar_to_body") is not None


def _capsules(cfg: HingeConfig, ankle, knee, hip):
    """Leg capsules: p0, p1 (M, K, 2), radii (K,)."""
    shank, thigh_knee, thigh_hip = cfg.leg_radii()
    p0s, p1s, rs = [ankle], [knee], [shank]
    for f0, f1 in ((0.0, 1 / 3), (1 / 3, 2 / 3), (2 / 3, 1.0)):
        p0s.append(knee + f0 * (hip - knee))
        p1s.append(knee + f1 * (hip - knee))
        fm = 0.5 * (f0 + f1)
        rs.append(thigh_knee + fm * (thigh_hip - thigh_knee))
    return np.stack(p0s, axis=-2), np.stack(p1s, axis=-2), np.asarray(rs)


def leg_front(p0, p1, radii, y) -> np.ndarray:
    """Front-most (largest forward) coordinate of a union of planar capsules at height y; NaN where none
    reaches y. p0, p1: (M, K, 2) (forward, up); radii (K,); y (M,)."""
    front = capsule_front(p0, p1, radii, y)
    return np.where(np.isfinite(front), front, np.nan)


def knee_flexion_deg(ankle, knee, hip) -> np.ndarray:
    """Knee flexion (deg, 0 = straight) from sagittal (forward, up) points (..., 2)."""
    a = ankle - knee
    b = hip - knee
    c = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(c, -1.0, 1.0)))


def torso_inclination_deg(hip, shoulder) -> np.ndarray:
    """Torso angle from vertical (deg), + = leaning forward."""
    d = shoulder - hip
    return np.degrees(np.arctan2(d[..., 0], d[..., 1]))


def despike(t: np.ndarray, p: np.ndarray, window_s: float, floor_m: float, reach_s: float = 0.5) -> np.ndarray:
    """p (N, D) with NaN rows untracked: rows farther than max(floor_m, 4 robust sigmas) from the median of the
    tracked rows within +-window_s (itself included, at least 3) set to NaN. Steady motion passes: a sample
    of a monotonic track is its window's median (an end sample, 1-2 frames of motion off it). Where the window
    holds fewer than 5 (a joint coming out of a gap), the two nearest tracked rows on each side within reach_s join
    it: a lone knee sample between gaps came 16 cm off with no neighbour within 0.15 s (random scene sweep2057: a
    false 12 cm bar-to-body gap)."""
    ok = np.flatnonzero(np.all(np.isfinite(p), axis=1))
    if len(ok) < 3:
        return p
    tt, pp = t[ok], p[ok]
    lo = np.searchsorted(tt, tt - window_s, side="left")
    hi = np.searchsorted(tt, tt + window_s, side="right")
    few = hi - lo < 5
    row = np.arange(len(ok))
    lo = np.where(few, np.minimum(lo, np.maximum(row - 2, np.searchsorted(tt, tt - reach_s, side="left"))), lo)
    hi = np.where(few, np.maximum(hi, np.minimum(row + 3, np.searchsorted(tt, tt + reach_s, side="right"))), hi)
    dev = np.full(len(ok), np.nan)
    for i in np.flatnonzero(hi - lo >= 3):
        dev[i] = np.linalg.norm(pp[i] - np.median(pp[lo[i]:hi[i]], axis=0))
    if not np.isfinite(dev).any():
        return p
    thr = max(floor_m, 4.0 * 1.4826 * float(np.nanmedian(dev)))
    out = p.copy()
    out[ok[dev > thr]] = np.nan
    return out


def _near_gap(t: np.ndarray, tracked: np.ndarray, edge_s: float) -> np.ndarray:
    """The tracked frames within edge_s of a stretch longer than edge_s without one (the window's ends count)."""
    tt = t[tracked]
    if len(tt) == 0:
        return np.zeros(len(t), bool)
    long = np.diff(tt) > edge_s
    edges = np.concatenate([tt[:-1][long], tt[1:][long], tt[:1] if tt[0] - t[0] > edge_s else [],
                            tt[-1:] if t[-1] - tt[-1] > edge_s else []])
    if not len(edges):
        return np.zeros(len(t), bool)
    return tracked & (np.abs(t[:, None] - edges[None, :]).min(axis=1) <= edge_s)


def _onset(t, disp, level) -> float | None:
    i = np.flatnonzero(disp >= level)
    if len(i) == 0:
        return None
    j = int(i[0])
    if j == 0 or not np.isfinite(disp[j - 1]):
        return float(t[j])
    f = (level - disp[j - 1]) / (disp[j] - disp[j - 1])
    return float(t[j - 1] + f * (t[j] - t[j - 1]))


class _Smoothed:
    """Sagittal (forward, up) tracks smoothed over a time window, with per-joint coverage."""

    def __init__(self, t, tracks: dict, t0: float, t1: float, cfg: HingeConfig, sds: dict | None = None):
        self.cfg = cfg
        margin = 4 * max(cfg.joint_sigma_s, cfg.bar_sigma_s)
        sel = (t >= t0 - margin) & (t <= t1 + margin)
        self.tw = t[sel]
        self.inner = (self.tw >= t0) & (self.tw <= t1)
        self.raw = {k: (None if v is None else np.asarray(v, float)[sel][:, :2]) for k, v in tracks.items()}
        self.sds = {k: np.asarray(v, float)[sel] for k, v in (sds or {}).items() if v is not None}
        for k, v in self.raw.items():
            if k != "bar" and v is not None:  # the bar's track is the plate's, millimetre-precise
                self.raw[k] = despike(self.tw, v, cfg.spike_window_s, cfg.spike_m)
        # The feet stay planted through a rep: the ankle is its median over the window, at every frame. Per frame
        # it is the joint the plate hides most (on the floor it covers the foot: up to 8 cm off there).
        a = self.raw.get("ankle")
        if a is not None:
            ok = np.all(np.isfinite(a), axis=1)
            self.raw["ankle"] = np.broadcast_to(np.median(a[ok], axis=0), a.shape).copy() if ok.any() else a

    def coverage(self, name, mask) -> float:
        p = self.raw.get(name)
        if p is None or not mask.any():
            return 0.0
        # Time-based: a frame counts as covered when a tracked frame of the joint lies within max_gap_s of it, so
        # a body measured at a lower rate than the bar (every 3rd frame of a 90 fps stream) still covers it.
        tt = self.tw[np.all(np.isfinite(p), axis=1)]
        if len(tt) == 0:
            return 0.0
        tq = self.tw[mask]
        i = np.clip(np.searchsorted(tt, tq), 1, max(len(tt) - 1, 1))
        near = np.minimum(np.abs(tt[i - 1] - tq), np.abs(tt[np.minimum(i, len(tt) - 1)] - tq))
        return float((near <= self.cfg.max_gap_s + 1e-9).mean())

    def at(self, name, times=None, bridge: bool = False, sigma: float | None = None) -> np.ndarray | None:
        """Smoothed (forward, up) of a track at its own tracked frames (NaN at untracked ones: no
        extrapolation); with times given (bridge=True), linearly interpolated from those across gaps."""
        p = self.raw.get(name)
        if p is None:
            return None
        if sigma is None:
            sigma = self.cfg.bar_sigma_s if name == "bar" else self.cfg.joint_sigma_s
        tracked = np.all(np.isfinite(p), axis=1)
        sm = local_poly(self.tw, p, sigma, min_points=5, max_gap=self.cfg.max_gap_s)
        if times is not None:
            # Bridged, a tracked frame with too few neighbours for the quadratic (a joint seen only now and then: the
            # hip at lockout with the plate over it and the trunk out of the image) keeps a value, from a
            # lower-degree fit: left NaN, the bridge held the first well-tracked frame's value back to the descent's
            # start, 0.2 s into it with the hip already 9 cm back (deadlift_close: hip back travel 16 cm for 26),
            # though tracked_until had seen the hip at the start. (Per frame, as for the bar-to-leg gap's maximum,
            # such thinly supported values are left out.)
            for deg, n_min in ((1, 3), (0, 1)):
                miss = np.flatnonzero(tracked & ~np.all(np.isfinite(sm), axis=1))
                if not len(miss):
                    break
                sm[miss] = local_poly(self.tw, p, sigma, t_eval=self.tw[miss], deg=deg, min_points=n_min,
                                      max_gap=self.cfg.max_gap_s)
        sm[~tracked] = np.nan
        if times is None:
            return sm
        ok = np.all(np.isfinite(sm), axis=1)
        out = np.full((len(times), 2), np.nan)
        if ok.sum() >= 2:
            for d in range(2):
                out[:, d] = np.interp(times, self.tw[ok], sm[ok, d])
        return out

    def onset_level(self, name, times) -> np.ndarray:
        """(len(times),) the move that counts as the joint's onset at each time (times[0]: the descent's
        start): onset_m, or onset_noise_z x the sd of the move from times[0] where the measurements' stated sds
        (interpolated between the joint's tracked frames) say more."""
        level = np.full(len(times), self.cfg.onset_m)
        sd, p = self.sds.get(name), self.raw.get(name)
        if sd is None or p is None:
            return level
        ok = np.isfinite(sd) & np.all(np.isfinite(p), axis=1)
        if not ok.any():
            return level
        s = np.interp(times, self.tw[ok], sd[ok])
        return np.maximum(level, self.cfg.onset_noise_z * np.hypot(s[0], s))

    def _quiet(self, name, t0, ta, tb) -> bool:
        """The joint has not moved onset_m from its place at t0 the way its descent metric counts (the hip back, the
        knee forward; other joints either way), horizontally (the hinge's direction: the hip drops as it goes
        back), at both ta and tb (bridged smoothed track). A knee that went back as the shins came upright has not
        started its forward travel."""
        x = self.at(name, np.array([t0, ta, tb]), bridge=True)
        move = x[1:, 0] - x[0, 0]
        way = QUIET_WAY.get(name)
        return bool(np.all((np.abs(move) if way is None else way * move) < self.cfg.onset_m))

    def tracked_until(self, name, t0, t1) -> float | None:
        """How far into [t0, t1] this joint is tracked without a gap longer than bridge_gap_s (or quiet_gap_s where
        it had not yet moved onset_m from its place at t0 on either side of the gap: a 2 cm move out and back
        within it is not a descent's motion): t1 when all of it (a tracked frame within end_gap_s of t1), else the
        last tracked time before the first longer gap; None when the joint is not tracked at t0 (no tracked frame
        within end_gap_s of it, nor a gap of at most bridge_gap_s across it with the joint quiet on both sides) or
        the tracked part covers less than min_coverage."""
        p = self.raw.get(name)
        if p is None:
            return None
        ok = np.all(np.isfinite(p), axis=1)
        tt = self.tw[ok & (self.tw >= t0 - self.cfg.bridge_gap_s) & (self.tw <= t1 + self.cfg.end_gap_s)]
        i0 = int(np.searchsorted(tt, t0 - self.cfg.end_gap_s))
        if i0 == len(tt) or tt[i0] > t0 + self.cfg.end_gap_s:
            # Not seen right at the start (the plate over the hip as the bar leaves lockout): its place there is
            # interpolated across the gap only where it had not started its travel at either side, so that place
            # is not a guess (a hip already going back as a touch-and-go rep turned was 8.5 cm off).
            if i0 == 0 or i0 == len(tt) or tt[i0] - tt[i0 - 1] > self.cfg.bridge_gap_s \
                    or not self._quiet(name, t0, tt[i0 - 1], tt[i0]):
                return None
            i0 -= 1
        tt = tt[i0:]
        gaps = np.diff(tt)
        long = [i for i in np.flatnonzero(gaps > self.cfg.bridge_gap_s)
                if gaps[i] > self.cfg.quiet_gap_s or not self._quiet(name, t0, tt[i], tt[i + 1])]
        end = float(tt[long[0]]) if long else (t1 if tt[-1] >= t1 - self.cfg.end_gap_s else float(tt[-1]))
        end = min(end, t1)
        if end <= t0 or self.coverage(name, (self.tw >= t0) & (self.tw <= end)) < self.cfg.min_coverage:
            return None
        return end


def _hinge_order(td: np.ndarray, hip: np.ndarray | None, knee: np.ndarray | None, hip_until: float | None,
                 knee_until: float | None, onset_m: float, knee_level: np.ndarray | float | None = None) -> bool | None:
    """hips_first over the descent td (its first and last entries are its start and end), from each joint's bridged
    track there (forward, up), used up to where it is tracked (tracked_until); None when the order is not decided
    within what was seen. knee_level: the forward move that counts as the knee's onset at each td (default onset_m;
    more where its measurements are noisy: _Smoothed.onset_level)."""
    if hip is None or knee is None or hip_until is None or knee_until is None:
        return None
    if not (np.isfinite(hip[0, 0]) and np.isfinite(knee[0, 0])):
        return None
    knee_level = onset_m if knee_level is None else knee_level
    back = np.where(td <= hip_until, hip[0, 0] - hip[:, 0], np.nan)
    fwd = np.where(td <= knee_until, knee[:, 0] - knee[0, 0], np.nan)
    th, tk = _onset(td, back, onset_m), _onset(td, fwd - knee_level, 0.0)
    if th is not None and (tk is None or th < tk):
        return True if tk is not None or knee_until >= th else None
    if tk is not None:
        return False if th is not None or hip_until >= tk else None
    # Neither moved 2 cm where seen: the hip never did (False) only if it was seen through the whole descent.
    return False if hip_until >= td[-1] and knee_until >= td[-1] else None


def hinge_metrics(t, tracks: dict, window: tuple, descent: tuple, concentric_end: float | None,
                  cfg: HingeConfig = HingeConfig(), sds: dict | None = None) -> dict:
    """t (N,); tracks: name -> (N, >=2) lift-frame arrays (forward, up, ...) or None, names 'bar', 'hip',
    'knee', 'ankle', 'shoulder'; window (t0, t1) = the rep; descent (es, ee) = its eccentric phase or
    (None, None); sds: name -> (N,) the measurements' stated sd along forward (NaN or absent: not stated).
    Returns the per-rep hinge keys plus 'faults' (list) and 'unseen': with hips_first undecided, the
    joints ('hip', 'knee') not followed from the descent's start (tracked_until None), which left it so."""
    t = np.asarray(t, float)
    out = dict.fromkeys(("max_bar_to_body", "bar_path_horizontal_range", "hip_back_travel",
                         "knee_forward_travel", "knee_flexion_change", "hips_first"))
    out["unseen"] = ()
    faults: list[str] = []
    w0, w1 = window
    es, ee = descent
    lo = min(x for x in (w0, es) if x is not None)
    hi = max(x for x in (w1, ee) if x is not None)
    s = _Smoothed(t, tracks, lo, hi, cfg, sds)
    inner = s.inner
    if not inner.any():
        out["faults"] = faults
        return out
    bar = s.at("bar")
    if bar is not None:
        bf = bar[inner, 0]
        if np.isfinite(bf).sum() >= 2:
            out["bar_path_horizontal_range"] = float(np.nanmax(bf) - np.nanmin(bf))
    # bar-to-leg gap
    legs = {k: s.at(k, sigma=cfg.gap_sigma_s) for k in ("ankle", "knee", "hip")}
    if bar is not None and all(v is not None for v in legs.values()) and \
            min(s.coverage(k, inner) for k in ("knee", "hip")) >= cfg.min_coverage:
        a, kn, hp, b = (legs["ankle"][inner], legs["knee"][inner], legs["hip"][inner], bar[inner])
        ok = np.all(np.isfinite(np.concatenate([a, kn, hp, b], axis=1)), axis=1) & (b[:, 1] < hp[:, 1])
        ok &= ~_near_gap(s.tw, np.all(np.isfinite(s.raw["knee"]), axis=1), cfg.knee_edge_s)[inner]
        if ok.any():
            p0, p1, radii = _capsules(cfg, a[ok], kn[ok], hp[ok])
            front = leg_front(p0, p1, radii, b[ok, 1])
            gap = b[ok, 0] - cfg.bar_radius - front
            gap = gap[np.isfinite(gap)]
            if len(gap):
                out["max_bar_to_body"] = float(gap.max())
                if gap.max() > cfg.bar_away_m:
                    faults.append("bar_away_from_body")
    # descent checks
    if es is not None and ee is not None and ee > es:
        d = (s.tw >= es) & (s.tw <= ee)
        td = np.concatenate([[es], s.tw[d], [ee]])
        until = {k: s.tracked_until(k, es, ee) for k in ("hip", "knee", "ankle", "shoulder")}
        cov = {k: until[k] == ee for k in until}
        # bridged over the descent wherever tracked at its start (the order needs only a prefix); travel needs all
        hip_d = s.at("hip", td, bridge=True) if until["hip"] is not None else None
        knee_d = s.at("knee", td, bridge=True) if until["knee"] is not None else None
        hip = hip_d if cov["hip"] else None
        knee = knee_d if cov["knee"] else None
        ankle = s.at("ankle", td, bridge=True) if cov["ankle"] else None
        back = fwd = None
        if hip is not None and np.isfinite(hip[0, 0]):
            back = hip[0, 0] - hip[:, 0]
            out["hip_back_travel"] = float(max(np.nanmax(back), 0.0))
        if knee is not None and np.isfinite(knee[0, 0]):
            fwd = knee[:, 0] - knee[0, 0]
            out["knee_forward_travel"] = float(max(np.nanmax(fwd), 0.0))
        # The order needs each joint only up to the other's onset: a knee the plate hides later in the descent
        # still shows it had not moved 2 cm by the time the hip had.
        hf = _hinge_order(td, hip_d, knee_d, until["hip"], until["knee"], cfg.onset_m,
                          knee_level=s.onset_level("knee", td))
        if hf is not None:
            out["hips_first"] = hf
            if not hf:
                faults.append("knees_first")
        else:
            out["unseen"] = tuple(k for k in ("hip", "knee") if until[k] is None)
        if hip is not None and knee is not None and ankle is not None:
            flex = knee_flexion_deg(ankle[[0, -1]], knee[[0, -1]], hip[[0, -1]])
            if np.all(np.isfinite(flex)):
                out["knee_flexion_change"] = float(flex[1] - flex[0])
        if back is not None and cov["shoulder"]:
            sh = s.at("shoulder", td, bridge=True)
            inc = torso_inclination_deg(hip, sh)
            if np.isfinite(inc[0]) and np.isfinite(inc).sum() >= 2:
                k = int(np.nanargmax(inc))
                trunk = float(np.nanmedian(np.linalg.norm(sh - hip, axis=1)))
                swing = trunk * (np.sin(np.radians(inc[k])) - np.sin(np.radians(inc[0])))
                if inc[k] - inc[0] >= cfg.fold_min_deg and out["hip_back_travel"] < cfg.fold_ratio * swing:
                    faults.append("spine_fold")
    if concentric_end is not None:
        lw = (s.tw >= concentric_end) & (s.tw <= concentric_end + cfg.lockout_window_s)
        if lw.any() and s.coverage("hip", lw) >= cfg.min_coverage and s.coverage("shoulder", lw) >= cfg.min_coverage:
            inc = torso_inclination_deg(s.at("hip")[lw], s.at("shoulder")[lw])
            if np.isfinite(inc).any() and np.nanmean(inc) < -cfg.lean_back_deg:
                faults.append("lockout_hyperextension")
    out["faults"] = faults
    return out
