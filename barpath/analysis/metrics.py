"""Per-rep velocity metrics (domain.md definitions) from the bar's vertical position and velocity.

- range_of_motion: bar height at concentric end - at concentric start; heights from a local quadratic fit
  of the position (kernel `pos_sigma_s`) evaluated at the (sub-frame) boundary times.
- mean_concentric_velocity (MCV): range_of_motion / concentric_duration.
- peak_concentric_velocity (PV): max of the lightly smoothed velocity (kernel `vel_sigma_s`) inside the phase.
- mean_propulsive_velocity (MPV, Sanchez-Medina 2010): mean velocity from the concentric start to the first
  instant after the peak where the vertical acceleration (derivative of a local quadratic fit of the velocity,
  kernel `acc_sigma_s`) is <= -9.81 m/s^2 (interpolated); if it never is, MPV = MCV.
- velocity_loss_pct: 100 * (fastest MCV so far - MCV) / fastest MCV so far (0 for the fastest so far).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from barpath.analysis.signal import crossing_time, local_poly
from barpath.geometry import G


@dataclass(frozen=True)
class VelocityConfig:
    pos_sigma_s: float = 0.05
    vel_sigma_s: float = 0.025
    acc_sigma_s: float = 0.02


def velocity_metrics(t, y, v, cs: float, ce: float, cfg: VelocityConfig = VelocityConfig(),
                     heights: tuple[float | None, float | None] = (None, None)) -> dict:
    """t (N,), y (N,) bar height (m), v (N,) vertical velocity (m/s, gaps filled); cs < ce phase times;
    heights: the bar height at cs / ce where already known (the rest level from turns.refine_turn), else None.
    Returns range_of_motion, concentric_duration, mean_concentric_velocity, peak_concentric_velocity,
    mean_propulsive_velocity (floats; None where not measurable)."""
    t = np.asarray(t, float)
    out = dict.fromkeys(("range_of_motion", "concentric_duration", "mean_concentric_velocity",
                         "peak_concentric_velocity", "mean_propulsive_velocity"))
    if cs is None or ce is None or not ce > cs:
        return out
    w = (t >= cs - 4 * cfg.pos_sigma_s) & (t <= ce + 4 * cfg.pos_sigma_s)
    tw, yw, vw = t[w], np.asarray(y, float)[w], np.asarray(v, float)[w]
    y0, y1 = local_poly(tw, yw, cfg.pos_sigma_s, t_eval=[cs, ce])
    # a kernel fit rounds the corner where the bar leaves / reaches a rest (ROM short); the kink fit does not
    y0 = heights[0] if heights[0] is not None else y0
    y1 = heights[1] if heights[1] is not None else y1
    dur = ce - cs
    out["concentric_duration"] = float(dur)
    if np.isfinite(y0) and np.isfinite(y1):
        rom = float(y1 - y0)
        out["range_of_motion"] = rom
        out["mean_concentric_velocity"] = rom / dur
    inside = (tw > cs) & (tw < ce)
    if not inside.any():
        return out
    vs = local_poly(tw, vw, cfg.vel_sigma_s)
    acc = local_poly(tw, vw, cfg.acc_sigma_s, deriv=1)
    ii = np.flatnonzero(inside & np.isfinite(vs))
    if len(ii) == 0:
        return out
    k = ii[int(np.argmax(vs[ii]))]
    out["peak_concentric_velocity"] = float(vs[k])
    mpv = out["mean_concentric_velocity"]
    j = k
    last = ii[-1]
    while j < last:
        if np.isfinite(acc[j + 1]) and acc[j + 1] <= -G:
            te = crossing_time(tw, acc, j, j + 1, -G) if np.isfinite(acc[j]) else tw[j + 1]
            ye = local_poly(tw, yw, cfg.pos_sigma_s, t_eval=[te])[0]
            if te > cs and np.isfinite(ye) and np.isfinite(y0):
                mpv = float((ye - y0) / (te - cs))
            break
        j += 1
    out["mean_propulsive_velocity"] = mpv
    return out


def velocity_loss(mcvs: list) -> list:
    """Per rep: 100 * (fastest MCV so far - MCV) / fastest so far; None where the MCV is None."""
    best = None
    out = []
    for m in mcvs:
        if m is None:
            out.append(None)
            continue
        best = m if best is None else max(best, m)
        out.append(float(100.0 * (best - m) / best) if best > 0 else 0.0)
    return out
