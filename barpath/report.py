"""The `barpath.analysis/1` JSON contract and the readable summary of `barpath analyze`."""

from __future__ import annotations

import math

import numpy as np

from barpath.analysis.hinge import hinge_checked
from barpath.engine import Engine
from barpath.sources.base import SourceInfo

SCHEMA = "barpath.analysis/1"


def _vec(a) -> list[float] | None:
    if a is None:
        return None
    a = np.asarray(a, float)
    return None if not np.all(np.isfinite(a)) else [round(float(x), 6) for x in a]


def analysis_document(info: SourceInfo, engine: Engine) -> dict:
    """Everything `analyze --json` writes. Per-frame points come from the RTS smoother (see engine.py)."""
    recs = engine.records
    smoothed = engine.smoothed(("bar", "hip", "knee"))  # what the contract's frames carry
    duration = recs[-1].t - recs[0].t if recs else 0.0
    lf = engine.lift_frame
    frames = []
    for i, r in enumerate(recs):
        frames.append({
            "frame": r.frame, "t": round(r.t, 6),
            "bar": _vec(smoothed["bar"][0][i]), "bar_velocity": _vec(smoothed["bar"][1][i]),
            "hip": _vec(smoothed["hip"][0][i]), "knee": _vec(smoothed["knee"][0][i]),
            "measured": {k: r.measured[k] for k in ("bar", "hip", "knee")},
        })
    return {
        "schema": SCHEMA,
        "source": {"path": info.path, "camera": info.camera, "serial": info.serial, "width": info.width,
                   "height": info.height, "fps": info.fps, "frames": info.frames,
                   "dropped_frames": info.dropped_frames, "duration_s": round(duration, 6)},
        "lift_frame": ({"up": _vec(lf.up), "forward": _vec(lf.forward), "origin": _vec(lf.origin),
                        "from": lf.source} if lf is not None else
                       {"up": None, "forward": None, "origin": None, "from": "auto"}),
        "frames": frames,
        "reps": engine.all_reps(),
        "set": engine.set_summary() if engine.sets else {},
    }


def _f(x, fmt: str, scale: float = 1.0) -> str:
    if x is None or (isinstance(x, float) and not math.isfinite(x)):
        return "-"
    return format(x * scale, fmt)


def summary_text(doc: dict) -> str:
    """A table a lifter or coach can read in a terminal."""
    s = doc["source"]
    lines = [f"{s['path']}: {s['camera']} {s['width']}x{s['height']} @ {s['fps']:g} fps, "
             f"{s['frames']} frames ({s['dropped_frames']} dropped), {s['duration_s']:.1f} s; "
             f"lift frame: {doc['lift_frame']['from']}"]
    st = doc["set"]
    reps = doc["reps"]
    if not reps:
        lines.append("no reps found")
        return "\n".join(lines)
    lines.append(f"{(st.get('lift') or 'lift').upper()}: {len(reps)} reps, best MCV "
                 f"{_f(st.get('best_mcv'), '.2f')} m/s, last {_f(st.get('last_mcv'), '.2f')} m/s, "
                 f"velocity loss {_f(st.get('velocity_loss_pct'), '.0f')} %")
    lines.append(" rep   MCV   peak   MPV   ROM   VL%  conc  ecc   bar-body hip-back knee-fwd  faults")
    lines.append("       m/s   m/s    m/s   cm          s     s    cm       cm       cm")
    dropped = set(st.get("dropped_reps") or ())
    for r in reps:
        faults = ", ".join(r.get("faults") or []) + (" (partial)" if r.get("partial") else "")
        if r["index"] in dropped:
            faults = ", ".join(x for x in (faults, "dropped: lowering not checked") if x)
        lines.append(
            f"{r['index']:>4} {_f(r['mean_concentric_velocity'], '5.2f')} {_f(r['peak_concentric_velocity'], '5.2f')}"
            f"  {_f(r['mean_propulsive_velocity'], '5.2f')} {_f(r['range_of_motion'], '5.1f', 100)}"
            f" {_f(r['velocity_loss_pct'], '5.1f')} {_f(r['concentric_duration'], '5.2f')}"
            f" {_f(r['eccentric_duration'], '4.1f')}   {_f(r['max_bar_to_body'], '5.1f', 100)}"
            f"    {_f(r['hip_back_travel'], '5.1f', 100)}    {_f(r['knee_forward_travel'], '5.1f', 100)}"
            f"   {faults or ('ok' if hinge_checked(r) else 'hinge not checked')}")
    return "\n".join(lines)
