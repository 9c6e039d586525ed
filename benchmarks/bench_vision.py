"""Vision benchmark: plate centre and near-leg joints from synthetic depth, every scenario, against the truth.

For each scenario in SCENARIOS: from the first frame to WINDOW_S seconds after the first rep starts, every
STEP-th frame slot (consecutive frames as the live pipeline sees them, thinned), measured by one
FrameMeasurer. Prints per scenario:
  plate det % | centre error mean / RMS / RMS with the mean offset removed (3-D, mm) | diameter error (mm)
  hip, knee: det % | RMS / offset-removed RMS (3-D, mm) | sagittal (in-plane) offset-removed RMS
  ms per frame (FrameMeasurer.measure only; rendering excluded)
Errors are RAW measurements (before the Kalman tracker/smoother).

    .venv/bin/python benchmarks/bench_vision.py [--step 2] [--window 6] [--jobs 2] [scenario ...]
"""

from __future__ import annotations

import argparse
import sys
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from barpath.synth.scenario import SCENARIOS, lift_frame_truth, render_frames  # noqa: E402
from barpath.vision.measure import FrameMeasurer  # noqa: E402


def frame_window(sc, motion, window_s: float, step: int) -> set[int]:
    starts = [min(r["concentric"][0], r["eccentric"][0]) for r in motion.reps]
    t0 = 0.0  # from the start: the measurer learns the floor, stature and feet as it would live
    t1 = min(motion.duration_s, (min(starts) if starts else 0.0) + window_s)
    return set(range(int(t0 * sc.fps), int(t1 * sc.fps) + 1, step))


def run(name: str, window_s: float, step: int, seed: int = 0) -> dict:
    sc = SCENARIOS[name]
    motion = sc.motion(seed)
    idx = frame_window(sc, motion, window_s, step)
    fm = FrameMeasurer(sc.plate_diameter_m or 0.45, sc.baseline_m)
    lf = lift_frame_truth(sc.camera)
    up = np.array(lf["up"])
    fwd = np.array(lf["forward"])
    errs = {k: [] for k in ("plate", "hip", "knee", "ankle", "shoulder")}
    diam = []
    times = []
    n = 0
    for f in render_frames(sc, seed, motion=motion, only=idx):
        if f.index not in idx or f.depth is None:
            continue
        n += 1
        d = f.depth.astype(np.float32) * np.float32(0.001)
        t0 = time.perf_counter()
        m = fm.measure(d, sc.intrinsics, f.t)
        times.append(time.perf_counter() - t0)
        for k in errs:
            p = getattr(m, k)
            if p is not None:
                errs[k].append(np.asarray(p) - np.asarray(f.truth[k]))
        if m.plate_fit is not None and not m.plate_fit.radius_fixed:
            diam.append(m.plate_diameter_m - (sc.plate_diameter_m or 0.45))
    out = {"name": name, "n": n, "ms": 1000 * float(np.mean(times)) if times else 0.0,
           "ms_p90": 1000 * float(np.percentile(times, 90)) if times else 0.0,
           "diam": 1000 * float(np.mean(diam)) if diam else float("nan")}
    sag = np.stack([fwd, up])  # sagittal (forward, up) components of an error
    for k, e in errs.items():
        if not e:
            out[k] = (0.0, np.nan, np.nan, np.nan, np.nan)
            continue
        e = np.array(e)
        mu = e.mean(axis=0)
        rms = np.sqrt((e ** 2).sum(1).mean())
        rms0 = np.sqrt(((e - mu) ** 2).sum(1).mean())
        es = (e - mu) @ sag.T
        rms_sag0 = np.sqrt((es ** 2).sum(1).mean())
        out[k] = (len(e) / max(n, 1), 1000 * np.linalg.norm(mu), 1000 * rms, 1000 * rms0, 1000 * rms_sag0)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenarios", nargs="*", default=list(SCENARIOS))
    ap.add_argument("--step", type=int, default=0, help="frame step (default: ~30 measured frames per second)")
    ap.add_argument("--window", type=float, default=6.0)
    ap.add_argument("--jobs", type=int, default=2)
    a = ap.parse_args()
    jobs = []
    with ProcessPoolExecutor(a.jobs) as ex:
        for name in a.scenarios:
            step = a.step or max(1, SCENARIOS[name].fps // 30)
            jobs.append(ex.submit(run, name, a.window, step))
        res = [j.result() for j in jobs]
    hdr = (f"{'scenario':19s} {'n':>4s} | {'plate%':>6s} {'|mean|':>6s} {'rms':>5s} {'rms-0':>5s} {'diam':>5s} | "
           f"{'hip%':>4s} {'rms':>5s} {'rms-0':>5s} {'sag-0':>5s} | {'knee%':>5s} {'rms':>5s} {'rms-0':>5s} "
           f"{'sag-0':>5s} | {'ms':>5s} {'p90':>5s}")
    print("errors in mm (3-D unless 'sag': forward/up only); rms-0 = RMS after removing the mean offset")
    print(hdr)
    print("-" * len(hdr))
    for r in res:
        p, h, k = r["plate"], r["hip"], r["knee"]
        print(f"{r['name']:19s} {r['n']:4d} | {100 * p[0]:5.0f}% {p[1]:6.1f} {p[2]:5.1f} {p[3]:5.1f} {r['diam']:5.1f} | "
              f"{100 * h[0]:3.0f}% {h[2]:5.0f} {h[3]:5.0f} {h[4]:5.0f} | {100 * k[0]:4.0f}% {k[2]:5.0f} {k[3]:5.0f} "
              f"{k[4]:5.0f} | {r['ms']:5.1f} {r['ms_p90']:5.1f}")


if __name__ == "__main__":
    main()
