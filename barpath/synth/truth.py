"""Ground truth per rep, from the CONTINUOUS synthetic motion (sampled finely, not from rendered frames).

Definitions follow /work/shared/domain.md (concentric phase, MCV, PV, MPV, velocity loss) plus:
- a rep = one concentric phase with its eccentric phase (after it for a deadlift, before it for an RDL);
- max_bar_to_body: largest horizontal (X) gap, in the sagittal plane, between the bar shaft's surface and the
  front surface of the near-side leg (shin or thigh at the bar's height) while the bar is below the hip;
- descent metrics (hip_back_travel, knee_forward_travel, knee_flexion_change, hips_first) over the eccentric
  phase, from the near side's joints (sagittal projection); None for a dropped rep (the bar let go at the top:
  its fall is the eccentric phase, with no lowering by the lifter), whose bar-to-body gap is the concentric's.
Times are motion times in seconds (t = 0 is the first frame); everything is plain float/bool/str/list.
"""

from __future__ import annotations

import numpy as np

from barpath.geometry import G
from barpath.synth.lifter import front_x, leg_capsules_2d
from barpath.synth.motion import SetMotion

ONSET_M = 0.02  # hips_first: 2 cm
BAR_AWAY_M = 0.06
PARTIAL_FRACTION = 0.9  # ROM below 90 % of the rep's planned full range -> partial

REP_KEYS = (
    "index", "style", "concentric_start", "concentric_end", "eccentric_start", "eccentric_end",
    "mean_concentric_velocity", "peak_concentric_velocity", "mean_propulsive_velocity", "range_of_motion",
    "concentric_duration", "eccentric_duration", "velocity_loss_pct", "max_bar_to_body",
    "bar_path_horizontal_range", "hip_back_travel", "knee_forward_travel", "knee_flexion_change", "hips_first",
    "partial", "faults",
)


def _first(mask: np.ndarray) -> int | None:
    i = np.flatnonzero(mask)
    return int(i[0]) if len(i) else None


def _last(mask: np.ndarray) -> int | None:
    i = np.flatnonzero(mask)
    return int(i[-1]) if len(i) else None


def _phase_bounds(v: np.ndarray, lo: int, hi: int, sign: float) -> tuple[int, int]:
    """Phase of motion in direction `sign` around the extreme velocity in [lo, hi): from the last sample with
    sign*v <= 0 before it to the first sample with sign*v <= 0 after it."""
    k = lo + int(np.argmax(sign * v[lo:hi]))
    s = _last(sign * v[:k] <= 0)
    e = _first(sign * v[k:] <= 0)
    start = s if s is not None else 0
    end = k + e if e is not None else len(v) - 1
    return start, end


def knee_flexion_deg(ankle: np.ndarray, knee: np.ndarray, hip: np.ndarray) -> np.ndarray:
    """Knee flexion (deg, 0 = straight) in the sagittal (X, Y) projection."""
    a = ankle[..., :2] - knee[..., :2]
    b = hip[..., :2] - knee[..., :2]
    cosang = np.sum(a * b, axis=-1) / (np.linalg.norm(a, axis=-1) * np.linalg.norm(b, axis=-1))
    return 180.0 - np.degrees(np.arccos(np.clip(cosang, -1.0, 1.0)))


def bar_to_leg_gap(motion: SetMotion, s: dict, side: str) -> np.ndarray:
    """Horizontal gap (m) between the bar shaft's surface and the leg's front surface at the bar's height
    (NaN where no part of the leg is at that height). s: output of motion.sample()."""
    lf = motion.lifter
    ankle, knee, hip = (s[f"{side}_{j}"][:, :2] for j in ("ankle", "knee", "hip"))
    p0, p1, radii = leg_capsules_2d(lf, ankle, knee, hip)
    bar = s["bar_center"]
    front = front_x(p0, p1, radii, bar[:, 1], 0.0)
    gap = bar[:, 0] - motion.barbell.shaft_radius - front
    return np.where(np.isfinite(front), gap, np.nan)


def rep_truth(motion: SetMotion, near_side: str = "left", rate_hz: float = 1000.0) -> list[dict]:
    """Per-rep ground truth (list of dicts with REP_KEYS) for the reps the motion was built with."""
    if near_side not in ("left", "right"):
        raise ValueError("near_side must be 'left' or 'right'")
    dt = 1.0 / rate_hz
    t = np.arange(0.0, motion.duration_s + 0.5 * dt, dt)
    s = motion.sample(t)
    y = s["bar_center"][:, 1]
    x = s["bar_center"][:, 0]
    v = np.gradient(y, dt)
    acc = np.gradient(v, dt)
    hip = s[f"{near_side}_hip"]
    knee = s[f"{near_side}_knee"]
    ankle = s[f"{near_side}_ankle"]
    flex = knee_flexion_deg(ankle, knee, hip)

    def idx(tt: float) -> int:
        return int(np.clip(round(tt / dt), 0, len(t) - 1))

    out: list[dict] = []
    best = 0.0
    for rep in motion.reps:
        c0, c1 = rep["concentric"]
        e0, e1 = rep["eccentric"]
        cs, ce = _phase_bounds(v, idx(c0), idx(c1) + 1, +1.0)
        es, ee = _phase_bounds(v, idx(e0), idx(e1) + 1, -1.0)
        rom = float(y[ce] - y[cs])
        cdur = float(t[ce] - t[cs])
        mcv = rom / cdur
        k_pk = cs + int(np.argmax(v[cs:ce + 1]))
        pv = float(v[k_pk])
        j = _first(acc[k_pk:ce + 1] <= -G)
        if j is not None and k_pk + j > cs:
            je = k_pk + j
            mpv = float((y[je] - y[cs]) / (t[je] - t[cs]))
        else:
            mpv = mcv
        best = max(best, mcv)
        vloss = 100.0 * (best - mcv) / best

        # A dropped bar's fall is not a lowering: the lifter stands while it falls, so there is no descent to judge
        # and its gap to the legs is no technique fault (both over the concentric only).
        dropped = bool(rep.get("dropped"))
        lo, hi = (cs, ce) if dropped else (min(cs, es), max(ce, ee))
        w = slice(lo, hi + 1)
        sub = {k: s[k][w] for k in (f"{near_side}_ankle", f"{near_side}_knee", f"{near_side}_hip", "bar_center")}
        below = sub["bar_center"][:, 1] < sub[f"{near_side}_hip"][:, 1]
        gaps = bar_to_leg_gap(motion, sub, near_side)
        gaps = gaps[below & np.isfinite(gaps)]
        max_gap = float(gaps.max()) if len(gaps) else 0.0
        xr = float(x[w].max() - x[w].min())

        d = slice(es, ee + 1)
        hip_back = hip[d, 0][0] - hip[d, 0]
        knee_fwd = knee[d, 0] - knee[d, 0][0]
        th = _first(hip_back >= ONSET_M)
        tk = _first(knee_fwd >= ONSET_M)
        hips_first = th is not None and (tk is None or th < tk)
        faults = []
        if max_gap > BAR_AWAY_M:
            faults.append("bar_away_from_body")
        if not hips_first and not dropped:
            faults.append("knees_first")
        out.append({
            "index": int(rep["index"]),
            "style": str(rep["style"]),
            "concentric_start": float(t[cs]),
            "concentric_end": float(t[ce]),
            "eccentric_start": float(t[es]),
            "eccentric_end": float(t[ee]),
            "mean_concentric_velocity": float(mcv),
            "peak_concentric_velocity": pv,
            "mean_propulsive_velocity": float(mpv),
            "range_of_motion": rom,
            "concentric_duration": cdur,
            "eccentric_duration": float(t[ee] - t[es]),
            "velocity_loss_pct": float(vloss),
            "max_bar_to_body": max_gap,
            "bar_path_horizontal_range": xr,
            "hip_back_travel": None if dropped else float(max(hip_back.max(), 0.0)),
            "knee_forward_travel": None if dropped else float(max(knee_fwd.max(), 0.0)),
            "knee_flexion_change": None if dropped else float(flex[ee] - flex[es]),
            "hips_first": None if dropped else bool(hips_first),
            "partial": bool(rom < PARTIAL_FRACTION * rep["full_rom"]),
            "faults": faults,
        })
    return out


def set_truth(reps: list[dict], lift: str | None = None) -> dict:
    """Set summary: lift, rep count, best and last MCV, velocity loss of the last rep vs the best (%)."""
    mcvs = [r["mean_concentric_velocity"] for r in reps]
    best = max(mcvs) if mcvs else 0.0
    last = mcvs[-1] if mcvs else 0.0
    return {
        "lift": lift,
        "reps": len(reps),
        "best_mcv": float(best),
        "last_mcv": float(last),
        "velocity_loss_pct": float(100.0 * (best - last) / best) if best > 0 else 0.0,
    }


def motion_truth(motion: SetMotion, near_side: str = "left", rate_hz: float = 1000.0) -> dict:
    """Convenience: {"set": set_truth(...), "reps": rep_truth(...), "duration_s", "near_side"}."""
    reps = rep_truth(motion, near_side, rate_hz)
    return {"set": set_truth(reps, motion.spec.lift), "reps": reps, "duration_s": float(motion.duration_s),
            "near_side": near_side}
