"""Rep segmentation from the bar's vertical position / velocity in the lift frame.

A rep is one concentric phase (the bar rising from a low point to the top) plus the eccentric phase that lowers
the bar around it: the lowering AFTER it for a deadlift (the bar starts each rep on the floor), the lowering
BEFORE it for an RDL (the bar starts each rep at lockout).

Algorithm (all thresholds relative to the data, see SegmentConfig):
1. Significant moves: a zigzag (hysteresis on position) over a running median of the bar height finds the
   alternating lows and highs; a leg must move at least `delta` = max(min_move_m, move_fraction * range of the
   recording). Walking in, setting up, foot shuffles, bounces on the floor and tracker noise move the bar far
   less and create no legs.
2. Phase boundaries (domain.md): inside a rising leg, from the sample of peak upward velocity walk outward to the
   zero crossings of the (RTS-smoothed) vertical velocity; the crossing time is interpolated between samples.
   Same for falling legs with the sign flipped. A boundary that leaves part of its leg's travel outside it was a
   sticking point or a pause on the way: the walk goes on past it (_walk_leg).
3. The floor: if the first significant move is a rise, the bar rested low before it -> that level is the floor
   (where a deadlift's bar rests, a plate radius above the ground). A rise "from the floor" starts within
   `floor_tol` of it.
4. Drops: a fall whose peak speed nears a free fall's from its height (drop_speed_fraction) was let go at the top:
   that rep is `dropped` (its eccentric phase is the fall, nothing to judge in it; it ends at the landing, where the
   free fall seen meets the floor: landing_time), and a low rise straight after it (bounce_fraction of the drop,
   within bounce_rest_s) is the bumper plates bouncing: no rep, no floor pull.
5. The lift: no floor known (the set starts with the bar held at the top) -> rdl. Otherwise rdl when the rises
   NOT from the floor are at least as many as the floor rises minus one (an RDL set may contain one pick-up
   from the floor), else deadlift.
6. Reps. deadlift: every rise + the fall after it. rdl: every rise not from the floor that follows a fall
   (so the pick-up from the floor, un-racking, and the put-down / re-racking at the end are not reps).
   partial: ROM < partial_fraction * median ROM of the set's reps (so far).
7. Live readiness: a deadlift rep is ready once its lowering has ended (velocity back to >= 0) `settle_s` ago
   and the bar is back on the floor (or the next rise began); an RDL rep once its concentric ended `settle_s`
   ago with the bar back near the height it was lowered from (or lowered again: a pause on the way up is not its
   end). With final=True (end of the recording) every rep found so far is ready.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from barpath.analysis.signal import crossing_time, interp_gaps, local_poly, running_median
from barpath.analysis.turns import Turn
from barpath.geometry import G

LIFTS = ("deadlift", "rdl")


@dataclass(frozen=True)
class SegmentConfig:
    min_move_m: float = 0.06  # a significant move is at least this large ...
    move_fraction: float = 0.12  # ... and at least this fraction of the recording's vertical range
    floor_tol_m: float = 0.03  # a low within max(floor_tol_m, floor_tol_fraction * range) of the floor
    floor_tol_fraction: float = 0.08
    partial_fraction: float = 0.9  # ROM below this fraction of the set's median ROM -> partial
    median_s: float = 0.05  # half-width of the running median used for the zigzag
    max_gap_s: float = 0.35  # NaN runs up to this long are interpolated (velocity, position)
    settle_s: float = 0.25  # live: data needed after a phase end before a rep is emitted
    deriv_sigma_s: float = 0.04  # kernel for velocity from position when no velocity is given
    onset_speed: float = 0.03  # m/s: phase boundaries are extrapolated from where |v| crosses this ...
    onset_fraction: float = 0.08  # ... or this fraction of the phase's peak speed, whichever is larger
    # A fall whose peak speed reaches this fraction of a free fall's from its height was let go (a drop: no lowering
    # to judge). Smoothed, a free fall's peak reads ~0.75 of it (the impact's reversal inside the kernel); a lowering
    # in 0.6 s, fast for a touch-and-go, ~0.5.
    drop_speed_fraction: float = 0.6
    # A rise straight off the floor after a drop (no rest), lower than this fraction of the drop, is the plates
    # bouncing (bumpers return 30-45 % of the impact speed: 10-20 % of the height), not a pull.
    bounce_fraction: float = 0.3
    bounce_rest_s: float = 0.15  # "straight": the rise begins within this of the fall's end
    stall_m: float = 0.03  # a phase boundary leaving more of its leg's travel than this outside it (and more than
    stall_fraction: float = 0.15  # this fraction of the leg) was a sticking point, not the phase's end (_walk_leg)
    # The bar's height when its plates stand on the floor (the plate's radius: lift-frame heights are above the
    # floor), None if unknown. A recording that starts with the bar in the air (the plate found only once lifted, a
    # camera started mid-set) has no floor first; a low at this height is still the floor, and the lift a deadlift.
    resting_height_m: float | None = None
    resting_tol_m: float = 0.025


@dataclass
class Phases:
    """One rep's phases. Times in s (None if not observed); i_* are sample indices of the zigzag turning points."""

    concentric_start: float | None
    concentric_end: float | None
    eccentric_start: float | None
    eccentric_end: float | None
    low_index: int  # turning point at the bottom of the rep
    high_index: int  # turning point at the top of the rep
    range_estimate: float  # vertical ROM from the running median (m), used for the partial flag
    partial: bool = False
    dropped: bool = False  # deadlift: the bar was let go at the top, its eccentric phase is the fall
    ready: bool = False
    turns: dict[str, Turn] = field(default_factory=dict)  # per boundary name: room for turns.refine_turn


@dataclass
class Segmentation:
    lift: str | None
    floor: float | None  # bar height (lift frame) when resting on the floor, if seen
    delta: float
    turning_points: list[tuple[int, str]] = field(default_factory=list)  # (index, "L" | "H")
    reps: list[Phases] = field(default_factory=list)
    velocity: np.ndarray | None = None  # the vertical velocity used (gaps filled)


def _zigzag(y: np.ndarray, delta: float) -> list[tuple[int, str]]:
    """Alternating significant lows / highs of y (NaN skipped). The last point is provisional."""
    idx = np.flatnonzero(np.isfinite(y))
    if len(idx) == 0:
        return []
    pts: list[tuple[int, str]] = []
    i_min = i_max = idx[0]
    direction = 0
    for i in idx:
        yi = y[i]
        if direction == 0:
            if yi < y[i_min]:
                i_min = i
            if yi > y[i_max]:
                i_max = i
            if yi - y[i_min] >= delta:
                pts.append((int(i_min), "L"))
                direction, i_max = 1, i
            elif y[i_max] - yi >= delta:
                pts.append((int(i_max), "H"))
                direction, i_min = -1, i
        elif direction > 0:
            if yi > y[i_max]:
                i_max = i
            elif y[i_max] - yi >= delta:
                pts.append((int(i_max), "H"))
                direction, i_min = -1, i
        else:
            if yi < y[i_min]:
                i_min = i
            elif yi - y[i_min] >= delta:
                pts.append((int(i_min), "L"))
                direction, i_max = 1, i
    if direction > 0:
        pts.append((int(i_max), "H"))
    elif direction < 0:
        pts.append((int(i_min), "L"))
    return pts


def vertical_velocity(t, y, v=None, cfg: SegmentConfig = SegmentConfig()) -> np.ndarray:
    """The vertical velocity to segment with: the given one (short gaps interpolated), else / where missing the
    derivative of a local quadratic fit of the position."""
    t = np.asarray(t, float)
    if v is not None:
        v = interp_gaps(t, np.asarray(v, float), cfg.max_gap_s)
    if v is None or not np.isfinite(v).all():
        dv = local_poly(t, y, cfg.deriv_sigma_s, deriv=1)
        v = dv if v is None else np.where(np.isfinite(v), v, dv)
    return v


def _walk(v: np.ndarray, t: np.ndarray, k: int, lo: int, hi: int, sign: float, onset: float,
          slope_n: int = 2) -> tuple[tuple[float | None, float | None], tuple[float, float]]:
    """From sample k (peak of sign*v), the phase boundaries before and after it within [lo, hi], and how far
    each may lie inside the motion (its slack, below; 0 without an extrapolation).

    Walk outward while sign*v > `onset` (a speed well above the velocity noise); from that threshold crossing
    extrapolate the local slope of v (linear fit over the bracketing samples +- slope_n) down to zero; take the
    later (start) / earlier (end) of that and the first actual zero crossing beyond the threshold (noise can
    only push the plain zero crossing outward; the slope extrapolation is unbiased for a linear onset, late by
    up to half the threshold-crossing delay for a quadratic one). At rest, correlated velocity noise keeps
    crossing zero at random, so a plain walk to the first v <= 0 can stop far out in the rest; the threshold
    plus slope gives the crossing of the noise-free velocity. None where a NaN or the bound stops the walk.
    For v ~ s^p from rest the extrapolation lies (p - 1) x its span (threshold crossing - extrapolated zero)
    inside the motion: one span for a quadratic start, two for a cubic one (or a slope read off noise); a zero
    crossing taken over it lies further in by their distance. Slack: that distance + two spans."""
    s = sign * v
    out, slacks = [], []
    for step, stop in ((-1, lo), (1, hi)):
        j = k
        res = None
        slack = 0.0
        while (j > stop) if step < 0 else (j < stop):
            nxt = j + step
            if not np.isfinite(s[nxt]):
                break
            if s[nxt] <= onset:
                a, b = (nxt, j) if step < 0 else (j, nxt)
                tc = crossing_time(t, s, a, b, onset)
                # local slope of v around the threshold crossing
                i0, i1 = max(min(a, b) - slope_n, 0), min(max(a, b) + slope_n, len(t) - 1)
                sel = np.zeros(len(t), bool)
                sel[i0:i1 + 1] = np.isfinite(s[i0:i1 + 1])
                slope = np.polyfit(t[sel] - tc, s[sel], 1)[0] if sel.sum() >= 3 else 0.0
                ext = None
                if step < 0 and slope > 0:
                    ext = tc - onset / slope
                elif step > 0 and slope < 0:
                    ext = tc + onset / -slope
                # the first actual zero crossing beyond the threshold crossing
                zc = None
                m = nxt
                while (m > stop) if step < 0 else (m < stop):
                    if not np.isfinite(s[m]):
                        break
                    if s[m] <= 0:
                        zc = crossing_time(t, s, m, m - step) if step < 0 else crossing_time(t, s, m - step, m)
                        break
                    m += step
                if s[nxt] <= 0:
                    zc = crossing_time(t, s, a, b)
                if ext is not None and abs(ext - tc) > 0.5:
                    ext = None
                cands = [x for x in (ext, zc) if x is not None]
                res = (max(cands) if step < 0 else min(cands)) if cands else tc
                slack = abs(res - ext) + 2.0 * abs(tc - ext) if ext is not None else 0.0
                break
            j = nxt
        out.append(res)
        slacks.append(slack)
    return (out[0], out[1]), (slacks[0], slacks[1])


def _walk_leg(v: np.ndarray, t: np.ndarray, ym: np.ndarray, leg: tuple[int, int, float, int], lo: int, hi: int,
              onset: float, stall_m: float) -> tuple[tuple[float | None, float | None], tuple[float, float],
                                                     tuple[int, int]]:
    """_walk from the leg's peak speed, then on through sticking points: where a boundary leaves more than stall_m
    of the leg's travel outside it (a heavy pull that slowed below the onset speed and went on, a lowering paused
    on the way down), walk again from the fastest sample of that part. Returns the boundaries, their slacks (see
    _walk) and the peak-speed sample each was walked from."""
    i0, i1, sign, k = leg
    (a, b), (sa, sb) = _walk(v, t, k, lo, hi, sign, onset)
    ka = kb = k
    while a is not None:  # travel left between the leg's first turning point and the start: it began before
        ia = min(int(np.searchsorted(t, a)), i1)
        part = sign * v[i0:ia]
        if ia <= i0 or sign * (ym[ia] - ym[i0]) <= stall_m or not (part > onset).any():
            break
        k2 = i0 + int(np.nanargmax(part))
        (a2, _), (sa2, _) = _walk(v, t, k2, lo, hi, sign, onset)
        if a2 is None or a2 >= a:
            break
        a, sa, ka = a2, sa2, k2
    while b is not None:  # travel left between the end and the leg's last turning point: it ended later
        ib = max(int(np.searchsorted(t, b)), i0)
        part = sign * v[ib:i1 + 1]
        if ib >= i1 or sign * (ym[i1] - ym[ib]) <= stall_m or not (part > onset).any():
            break
        k2 = ib + int(np.nanargmax(part))
        (_, b2), (_, sb2) = _walk(v, t, k2, lo, hi, sign, onset)
        if b2 is None or b2 <= b:
            break
        b, sb, kb = b2, sb2, k2
    return (a, b), (sa, sb), (ka, kb)


def landing_time(t: np.ndarray, y: np.ndarray, solid: np.ndarray, i_top: int, i_low: int,
                 floor: float | None, fallback: float | None) -> float | None:
    """When a bar let go at the top lands: y = a + b τ − g τ²/2 fitted (g known) to the fall's tracked samples,
    solved for the floor's height (else the fall's low). The bar leaves the image, is gated out or blurs around
    the impact (3 m/s) and the smoothed track rounds the impact over its kernel; the fall itself is a parabola.
    Samples between 25 % and 90 % of the drop's height (clear of both corners); `fallback` when too few."""
    i_top, i_low = int(i_top), int(i_low)
    seg_y = y[i_top:i_low + 1]
    if not np.isfinite(seg_y).any():
        return fallback
    top = float(np.nanmax(seg_y))
    land = floor if floor is not None else float(np.nanmin(seg_y))
    h = top - land
    use = np.zeros(len(t), bool)
    use[i_top:i_low + 1] = True
    with np.errstate(invalid="ignore"):
        use &= solid & (y >= land + 0.25 * h) & (y <= land + 0.9 * h)
    k = np.flatnonzero(use)
    if len(k) < 3 or h <= 0.0 or t[k[-1]] - t[k[0]] < 0.05:
        return fallback
    t0 = float(t[k].mean())
    tau = t[k] - t0
    # y + g τ²/2 = a + b τ (linear least squares in a, b)
    b, a = np.polyfit(tau, y[k] + 0.5 * G * tau * tau, 1)
    disc = b * b + 2.0 * G * (a - land)
    if disc < 0.0:
        return fallback
    t_land = t0 + (b + np.sqrt(disc)) / G  # the later root: coming down
    if t_land < t[k[-1]] or (fallback is not None and t_land > fallback + 0.5):
        return fallback
    return float(t_land)


def segment(t, y, v=None, cfg: SegmentConfig = SegmentConfig(), final: bool = True) -> Segmentation:
    """Segment a recording (or the part seen so far) into reps. t (N,) s; y (N,) bar height in the lift frame
    (m, NaN where untracked); v (N,) vertical velocity (m/s) or None."""
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    n = len(t)
    if n < 3 or np.isfinite(y).sum() < 3:
        return Segmentation(None, None, cfg.min_move_m)
    dt = float(np.median(np.diff(t)))
    yf = interp_gaps(t, y, cfg.max_gap_s)
    ym = running_median(yf, max(1, int(round(cfg.median_s / max(dt, 1e-3)))))
    vv = vertical_velocity(t, yf, v, cfg)
    fin = ym[np.isfinite(ym)]
    rng = float(np.percentile(fin, 99.5) - np.percentile(fin, 0.5))
    delta = max(cfg.min_move_m, cfg.move_fraction * rng)
    tp = _zigzag(ym, delta)
    seg = Segmentation(None, None, delta, tp, velocity=vv)
    if len(tp) < 2:
        return seg
    floor = float(ym[tp[0][0]]) if tp[0][1] == "L" else None
    seen_moving = False
    if cfg.resting_height_m is not None:
        # Lows where the plates stand on the floor are the floor, whatever came first: the bar first seen mid-pull
        # makes a first "low" in the air, where tracking began (when the plates are never seen on the floor, e.g.
        # the camera too close, the lows are where tracking resumes each rep: the first one stands for them all).
        on_floor = [float(ym[i]) for i, k in tp if k == "L" and abs(ym[i] - cfg.resting_height_m) <= cfg.resting_tol_m]
        if on_floor:
            floor = float(np.median(on_floor))
            fin_v = np.flatnonzero(np.isfinite(vv))
            v0 = vv[max(tp[0][0], int(fin_v[0]))] if len(fin_v) else 0.0
            seen_moving = bool(tp[0][1] == "L" and abs(v0) > max(cfg.onset_speed, 0.1))
    tol = max(cfg.floor_tol_m, cfg.floor_tol_fraction * rng)
    seg.floor = floor

    # legs and their extreme-velocity samples
    legs = []  # (i0, i1, sign, k)
    for (i0, k0), (i1, _) in zip(tp[:-1], tp[1:]):
        sign = 1.0 if k0 == "L" else -1.0
        sv = sign * vv[i0:i1 + 1]
        k = i0 + int(np.nanargmax(sv)) if np.isfinite(sv).any() else (i0 + i1) // 2
        legs.append((i0, i1, sign, k))
    bounds, slacks, peaks = [], [], []
    for m, (i0, i1, sign, k) in enumerate(legs):
        lo = legs[m - 1][3] if m > 0 else 0
        hi = legs[m + 1][3] if m + 1 < len(legs) else n - 1
        if sign * vv[k] > 0:
            onset = max(cfg.onset_speed, cfg.onset_fraction * sign * vv[k])
            stall = max(cfg.stall_m, cfg.stall_fraction * abs(ym[i1] - ym[i0]))
            b, sp, pk = _walk_leg(vv, t, ym, legs[m], lo, hi, onset, stall)
        else:
            b, sp, pk = (None, None), (0.0, 0.0), (k, k)
        bounds.append(b)
        slacks.append(sp)
        peaks.append(pk)

    # drops (a free fall from the top) and the bounces after them. A fall's speed only where the bar was tracked, a
    # kernel's sigma clear of any gap: across one it is the gap filling's (3 m/s where the plate left the image's
    # bottom edge each rep: deadlift_near)
    solid = np.isfinite(y)
    t_gap = t[~solid]
    if len(t_gap):
        j = np.searchsorted(t_gap, t)
        near = np.minimum(np.abs(t - t_gap[np.maximum(j - 1, 0)]), np.abs(t_gap[np.minimum(j, len(t_gap) - 1)] - t))
        solid &= near > cfg.deriv_sigma_s

    def fall_speed(i0: int, i1: int) -> float:
        v_s = np.where(solid[i0:i1 + 1], -vv[i0:i1 + 1], np.nan)
        return float(np.nanmax(v_s)) if np.isfinite(v_s).any() else 0.0

    # free fall from a height h reaches sqrt(2 g h)
    drop = {m for m, (i0, i1, sign, _) in enumerate(legs) if sign < 0
            and fall_speed(i0, i1) >= cfg.drop_speed_fraction * np.sqrt(2.0 * G * max(ym[i0] - ym[i1], 0.0))}

    def bounce(m: int) -> bool:
        i0, i1 = legs[m][:2]
        if m - 1 not in drop or ym[i1] - ym[i0] > cfg.bounce_fraction * (ym[legs[m - 1][0]] - ym[i0]):
            return False
        start, end = bounds[m][0], bounds[m - 1][1]
        return start is None or end is None or start - end <= cfg.bounce_rest_s

    rises = [m for m, leg in enumerate(legs) if leg[2] > 0 and not bounce(m)]
    if not rises:
        seg.lift = "rdl" if floor is None else None
        return seg
    from_floor = {m: floor is not None and abs(ym[legs[m][0]] - floor) <= tol for m in rises}
    n_f = sum(from_floor.values())
    n_nf = len(rises) - n_f - (seen_moving and not from_floor[rises[0]])  # (a pull seen from mid-way: unknown)
    lift = "rdl" if floor is None or (n_nf >= 1 and n_nf >= n_f - 1) else "deadlift"
    seg.lift = lift

    t_last = t[np.flatnonzero(np.isfinite(y))[-1]]
    t_first = t[np.flatnonzero(np.isfinite(y))[0]]

    # the velocity kernel moves a boundary at most its support (+-3 sigma) away; onset extrapolation noise a
    # little more: refined boundaries farther than that are noise (velocity given: it was smoothed alike)
    reach = 3.0 * cfg.deriv_sigma_s + 2.0 * dt

    def turns_of(f: int) -> dict[str, Turn]:
        """Room around leg f's two boundaries: its peak speed on the moving side; on the other side the
        neighbouring leg's boundary (a pause between them is a rest); after an end at most settle_s, all the
        live detector has seen when the rep is emitted (so live and batch refine on the same samples).
        Slack (how far the refined boundary may move outward, turns.py) only where the rest is the floor: plates
        standing on it hold the bar still, where a bar held at lockout drifts (a shrug, a lean back) and the
        kink fit would follow the drift out into the hold."""
        start, end = bounds[f]
        i0, i1, sign, _ = legs[f]
        tk0, tk1 = (float(t[k]) for k in peaks[f])  # the peak speed each boundary was walked from

        def slack(i: int, walked: float) -> float:  # i: the leg's end at the rest
            return walked if floor is not None and abs(ym[i] - floor) <= tol else 0.0

        out = {}
        if start is not None:
            prev = bounds[f - 1][1] if f > 0 else t_first
            out["start"] = Turn(start, 1, tk0, prev, reach, slack(i0, slacks[f][0]) if sign > 0 else 0.0)
        if end is not None:
            nxt = bounds[f + 1][0] if f + 1 < len(legs) else None
            room = end + cfg.settle_s
            out["end"] = Turn(end, -1, tk1, room if nxt is None else min(nxt, room), reach,
                              slack(i1, slacks[f][1]) if sign < 0 else 0.0)
        return out

    reps: list[Phases] = []
    for m in rises:
        i0, i1, _, _ = legs[m]
        cs, ce = bounds[m]
        if cs is None and ce is None:
            continue
        dropped = False
        if lift == "deadlift":
            fall = m + 1 if m + 1 < len(legs) else None
            dropped = fall in drop
            es, ee = bounds[fall] if fall is not None else (None, None)
            if dropped:
                ee = landing_time(t, y, solid, legs[fall][0], legs[fall][1], floor, ee)
            low_after = legs[fall][1] if fall is not None else None
            ready = final or (
                ce is not None and ee is not None and t_last - ee >= cfg.settle_s
                and (fall + 1 < len(legs) or abs(ym[low_after] - floor) <= tol))
            if ce is None and not final:
                ready = False
        else:
            if from_floor[m] or m == 0 or legs[m - 1][2] > 0:
                continue  # pick-up from the floor / un-racking: no lowering from the top before it
            es, ee = bounds[m - 1]
            # ... and the bar back near the height it was lowered from, or on its way down again: a pause on the
            # way up (a sticking point) is not the end of the rep
            back_up = ym[i1] - ym[i0] >= cfg.partial_fraction * (ym[legs[m - 1][0]] - ym[i0])
            ready = final or (ce is not None and t_last - ce >= cfg.settle_s and (back_up or m + 1 < len(legs)))
        rom = float(ym[i1] - ym[i0])
        fall = m + 1 if lift == "deadlift" else m - 1
        turns: dict[str, Turn] = {}
        if v is None:  # only our own kernel's bias is known to need undoing; a given velocity is trusted
            turns = {f"concentric_{k}": x for k, x in turns_of(m).items()}
            if 0 <= fall < len(legs):
                turns |= {f"eccentric_{k}": x for k, x in turns_of(fall).items()}
            if dropped:
                turns.pop("eccentric_end", None)  # the landing, from the free fall: no rest-to-motion kink to fit
        reps.append(Phases(cs, ce, es, ee, i0, i1, rom, dropped=dropped, ready=bool(ready), turns=turns))
    if reps:
        whole = [r for r in reps if not (seen_moving and r.low_index == tp[0][0])] or reps
        whole_ids = {id(r) for r in whole}
        typical = float(np.median([r.range_estimate for r in whole]))
        top = float(np.median([ym[r.high_index] for r in whole]))
        for r in reps:
            if id(r) in whole_ids:
                r.partial = bool(r.range_estimate < cfg.partial_fraction * typical)
            else:  # its pull was seen from mid-way: only its top tells whether it reached lockout
                r.partial = bool(ym[r.high_index] < top - (1.0 - cfg.partial_fraction) * typical)
    seg.reps = reps
    return seg
