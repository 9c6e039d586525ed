"""Per-set summary of the per-rep dicts.

Keys: lift, reps (count), best_mcv, last_mcv, velocity_loss_pct (last vs best, %), partial_reps (indices),
dropped_reps (indices: the bar let go at the top, its eccentric phase the fall; their fall is left out of
mean_eccentric_duration, a lowering tempo), mean_<metric> for every numeric per-rep metric (mean over the reps where
it was measured; None if none):
mean_mean_concentric_velocity, mean_peak_concentric_velocity, mean_mean_propulsive_velocity,
mean_range_of_motion, mean_concentric_duration, mean_eccentric_duration, mean_velocity_loss_pct,
mean_max_bar_to_body, mean_bar_path_horizontal_range, mean_hip_back_travel, mean_knee_forward_travel,
mean_knee_flexion_change; and faults: fault name -> list of rep indices.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np

NUMERIC_REP_KEYS = (
    "mean_concentric_velocity", "peak_concentric_velocity", "mean_propulsive_velocity", "range_of_motion",
    "concentric_duration", "eccentric_duration", "velocity_loss_pct", "max_bar_to_body",
    "bar_path_horizontal_range", "hip_back_travel", "knee_forward_travel", "knee_flexion_change",
)


def summarize_set(reps: list[dict], lift: str | None, dropped: Collection[int] = ()) -> dict:
    mcvs = [r["mean_concentric_velocity"] for r in reps if r.get("mean_concentric_velocity") is not None]
    best = max(mcvs) if mcvs else None
    last = mcvs[-1] if mcvs else None
    out = {
        "lift": lift,
        "reps": len(reps),
        "best_mcv": best,
        "last_mcv": last,
        "velocity_loss_pct": (float(100.0 * (best - last) / best) if best else None),
        "partial_reps": [r["index"] for r in reps if r.get("partial")],
        "dropped_reps": [r["index"] for r in reps if r["index"] in dropped],
    }
    for k in NUMERIC_REP_KEYS:
        vals = [r[k] for r in reps if r.get(k) is not None
                and not (k == "eccentric_duration" and r["index"] in dropped)]
        out[f"mean_{k}"] = float(np.mean(vals)) if vals else None
    faults: dict[str, list[int]] = {}
    for r in reps:
        for f in r.get("faults", []):
            faults.setdefault(f, []).append(r["index"])
    out["faults"] = faults
    return out
