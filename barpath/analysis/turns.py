"""Sub-frame phase boundaries where the bar leaves or comes to rest, from a kink fit of the raw bar height.

Why: the segmentation finds phase boundaries on a smoothed velocity. Where the bar starts from rest (deadlift
off the floor, the descent after a lockout pause) or comes to rest, the true velocity has a kink (it rises
linearly from exactly 0) and any smoothing kernel spreads it: the smoothed velocity leaves 0 up to a kernel
half-width early and returns to 0 as late, so the concentric phase comes out ~2 sigma too long and the mean
concentric velocity (displacement / duration) too low; a narrower kernel trades that bias for noise, by an
amount that depends on the camera, distance and frame rate. This fit has no kernel: it models the bar height
around the boundary c as

    y(t) = y_c                                   on the rest side
    y(t) = y_c + a s^2 + b s^3,  s = |t - c|     on the moving side (velocity 2 a s + 3 b s^2: 0 at c)

and takes the c minimising the squared residuals (linear least squares in y_c, a, b for each candidate c, then a
parabola through the best three candidates). It is unbiased for any velocity that starts linearly or
quadratically from rest; noise only adds variance, shrinking with the number of samples in the window, which is
set by the motion itself (a fraction of the way to the phase's peak speed) and so adapts to the frame rate and
to slow or fast lifts. Direct turns (touch-and-go, an RDL's bottom) have no rest side: the smoothed velocity
crosses 0 with a slope there, where a symmetric kernel is unbiased, so they are left as they are.

The refined boundary may move outward from the coarse one (into the rest) only where the coarse one can lie inside
the motion: an onset extrapolated from a threshold crossing is late when the velocity starts slower than linearly
(Turn.slack), and then only when the data show the kink clearly (the fit beats the coarse boundary by more than
outward_k^2 noise variances; beyond the slack, up to the kernel's reach, by more than outward_far_k^2). Elsewhere
the kernel can only have put the coarse boundary outward, so a fit that moves it further out is noise or a drifting
hold: then the fit's best kink inside the coarse boundary is taken, if it has one there.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class TurnConfig:
    motion_fraction: float = 0.6  # moving side: this fraction of the way from the boundary to the peak speed
    # (a cubic height describes the start of the motion well there; further out it cannot bend to the peak)
    min_rest_samples: int = 3  # fewer samples of rest than this -> no rest side: not refined
    min_motion_samples: int = 4  # moving side needs at least this many samples (3 unknowns + 1)
    motion_window_samples: int = 7  # ... and its window at least this many frame intervals, up to the peak speed: a
    # fast pull's deceleration at 30 fps (1.4 m/s to rest in 0.25 s) left 0.6 of the way 4 samples, 3 clearly moving,
    # and no concentric end was refined (each 0.04 s late, MCV 0.06-0.11 m/s low)
    noise_k: float = 3.0  # samples farther than this many noise sigmas from the rest level are moving
    iterations: int = 2  # re-take the rest window before the refined boundary once
    outward_k: float = 3.0  # an outward move needs the fit's residual sum of squares this many sigma^2 ... below the
    # coarse boundary's (k^2 sigma^2: without it a 1-2 mm white-noise fast pull had a boundary moved 0.14 s out)
    outward_far_k: float = 6.0  # ... and beyond the turn's slack this many (up to its reach): the velocity walk
    # stopped at a noise dip below the onset speed after the start (a heavy pull, 3.3 mm of bar noise: 0.2 s late)


@dataclass(frozen=True)
class Turn:
    """A coarse phase boundary and the room around it.

    t: coarse boundary time (s); direction: +1 if the phase's motion comes after t (a start), -1 if before
    (an end); peak_t: time of the phase's peak speed; rest_t: how far the other side may hold a rest (the
    neighbouring phase's coarse boundary or a data-availability limit), or None if there is no rest there;
    reach: a refined boundary farther than this from t is rejected; slack: how far t may lie inside the motion
    (0: t is at or outside the true boundary), so how far outward the refined boundary may move."""

    t: float
    direction: int
    peak_t: float
    rest_t: float | None
    reach: float = np.inf  # how far the coarse boundary can be from the true one (the velocity kernel's reach)
    slack: float = 0.0


@dataclass(frozen=True)
class TurnFit:
    t: float  # refined boundary time (s)
    height: float  # fitted bar height at the boundary (the rest level, m)


def _window(t: np.ndarray, y: np.ndarray, turn: Turn, cfg: TurnConfig) -> tuple[np.ndarray, np.ndarray, float]:
    """Finite samples in [rest edge, motion edge], as s = direction * (t - turn.t); and the rest-side length."""
    span = abs(turn.peak_t - turn.t)
    near = t[np.abs(t - turn.t) <= span + 0.5]  # the frame interval here (a recording's rate may change)
    dt = float(np.median(np.diff(near))) if len(near) > 1 else 0.0
    motion_len = min(span, max(cfg.motion_fraction * span, cfg.motion_window_samples * dt))
    rest_len = min(abs(turn.t - turn.rest_t), motion_len)  # a longer rest adds little and may hold set-up drift
    s = turn.direction * (t - turn.t)
    sel = np.isfinite(y) & (s >= -rest_len) & (s <= motion_len)
    return s[sel], y[sel], rest_len


def refine_turn(t, y, turn: Turn, cfg: TurnConfig = TurnConfig()) -> TurnFit | None:
    """The boundary where the bar leaves / comes to rest (see the module doc). t (N,) s, y (N,) bar height (m,
    NaN where untracked). None when there is no rest side, too few samples, or the best fit sits at the edge of
    the searched range (no clear kink: keep the coarse boundary)."""
    if turn.rest_t is None or (turn.rest_t - turn.t) * turn.direction >= 0 or turn.peak_t == turn.t:
        return None
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    s, yw, rest_len = _window(t, y, turn, cfg)
    order = np.argsort(s)
    s, yw = s[order], yw[order]
    c = 0.0
    fit = None
    for _ in range(cfg.iterations):
        # the rest: its level (median) and noise (MAD) from the samples before the current boundary estimate
        rest = (s <= c) & (s >= c - rest_len)
        if rest.sum() < cfg.min_rest_samples:
            return fit
        y_c = float(np.median(yw[rest]))
        sigma = 1.4826 * float(np.median(np.abs(yw[rest] - y_c)))
        # the motion: samples after c that are clearly off the rest level on the motion's side (the window's far
        # end: a sample off the other way is noise), counted back from the window's end
        off = np.sign(yw[-1] - y_c) * (yw - y_c) > cfg.noise_k * sigma
        j = len(s)
        while j > 0 and s[j - 1] > c - rest_len and off[j - 1]:
            j -= 1
        if len(s) - j < cfg.min_motion_samples:
            return fit
        # candidates between the rest window's start and the first clearly moving sample; every sample from
        # the rest window's start on is fitted (y_c before the candidate, the motion polynomial after it), so
        # the samples near the kink pin it down rather than an extrapolation of the motion alone. One sample past
        # the first clearly moving one: a velocity that leaves 0 linearly keeps the sample after the kink within a
        # few sigma of the rest where the noise is small (a fast pull's lockout at 30 fps, 0.3 mm of noise: the
        # fit's best lay at the range's end, no refinement, the concentric end 0.044 s late, MCV 0.05 low)
        lo, hi = max(c - rest_len, float(s[0])), float(s[min(j + 1, len(s) - cfg.min_motion_samples)])
        fitted = s >= lo
        sm, dy = s[fitted], yw[fitted] - y_c
        step = 0.25 * float(np.median(np.diff(s)))
        cand = np.arange(hi, lo - 0.5 * step, -step)[::-1]
        if len(cand) < 3:
            return fit
        rss = _fit(sm, dy, cand)
        ci = _vertex(cand, rss, step, 0)
        if ci is None:
            return None  # best at an end of the range: no clear kink (too few samples or no rest reached)
        # smoothing only ever moves a rest boundary outward (the smoothed velocity leaves 0 before the bar does),
        # by at most the kernel's reach; outward beyond the coarse boundary only by its slack, for a clear kink
        outward = 0.0
        if ci < 0.0 and turn.slack > 0.0:
            rss_coarse, rss_ci = _fit(sm, dy, np.array([0.0, ci]))
            gain = (rss_coarse - rss_ci) / (rss_ci / max(len(sm) - 3, 1))  # in sigma^2 = RSS / (N - 3)
            if gain > cfg.outward_far_k ** 2:
                outward = turn.reach
            elif gain > cfg.outward_k ** 2:
                outward = min(turn.slack, turn.reach)
        if ci < -outward:
            # not clear enough to go out there: the best kink inside the coarse boundary, if there is one (a noise
            # dip in the rest drew the best fit 0.08 s out, where the pull's own kink lay 0.03 s in)
            ci = _vertex(cand, rss, step, int(np.searchsorted(cand, 0.0)))
            if ci is None:
                return None
        if not -outward <= ci <= turn.reach:
            return None  # noise (or a drifting hold), not the kink
        c = float(ci)
        fit = TurnFit(float(turn.t + turn.direction * c), y_c)
    return fit


def _vertex(cand: np.ndarray, rss: np.ndarray, step: float, lo: int) -> float | None:
    """The least-RSS candidate from index lo on, refined to the vertex of the parabola through it and its
    neighbours; None when it is at an end of that range (no minimum inside)."""
    if len(cand) - lo < 3:
        return None
    i = lo + int(np.argmin(rss[lo:]))
    if i == lo or i == len(cand) - 1:
        return None
    r0, r1, r2 = rss[i - 1:i + 2]
    den = r0 - 2.0 * r1 + r2
    return float(cand[i] + (0.5 * step * (r0 - r2) / den if den > 0 else 0.0))


def _fit(s: np.ndarray, dy: np.ndarray, cand: np.ndarray) -> np.ndarray:
    """For each candidate c: residual sum of squares of dy ~ a u^2 + b u^3, u = s - c (>= 0). Returns (M,)."""
    scale = max(float(np.abs(s - cand[0]).max()), 1e-9)  # in units of the window: well-conditioned 2x2 systems
    u = np.maximum(s[None, :] - cand[:, None], 0.0) / scale  # (M, N)
    a = np.stack([u * u, u * u * u], axis=-1)  # (M, N, 2)
    ata = np.einsum("mni,mnj->mij", a, a) + 1e-12 * np.eye(2)[None]
    aty = np.einsum("mni,n->mi", a, dy)
    coef = np.linalg.solve(ata, aty[..., None])[..., 0]
    res = dy[None, :] - np.einsum("mni,mi->mn", a, coef)
    return np.einsum("mn,mn->m", res, res)
