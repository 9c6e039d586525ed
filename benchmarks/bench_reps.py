"""Rep detection and per-rep metric accuracy of barpath.analysis against the synthetic ground truth.

For every preset x fps x seed: the truth motion is sampled like the tracker's output (tests/analysis/
synth_inputs.py: tilted camera, 5 % dropped frames, correlated noise bar 2.5 mm / velocity 0.012 m/s / joints
1 cm, hip/knee occlusions), analysed in batch (and live: fed in chunks of 3 frames), and compared with
barpath.synth.truth.rep_truth. Prints one row per preset (all fps and seeds pooled).

    .venv/bin/python benchmarks/bench_reps.py [--seeds 3] [--fps 30 60 90] [--live]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from barpath.analysis import RepDetector, analyze_set  # noqa: E402
from barpath.synth.motion import PRESETS  # noqa: E402
from tests.analysis.synth_inputs import make_case, score  # noqa: E402


def live(case, chunk=3):
    det = RepDetector(case.frame)
    inp = case.inputs()
    n = len(case.t)
    for i in range(0, n, chunk):
        s = slice(i, i + chunk)
        det.feed(inp["t"][s], inp["bar"][s], inp["bar_vel"][s], *(inp[j][s] for j in ("hip", "knee", "ankle", "shoulder")))
    det.finish()
    return det.reps


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--fps", type=float, nargs="+", default=[30, 60, 90])
    ap.add_argument("--live", action="store_true", help="also run the incremental detector (slower)")
    args = ap.parse_args()
    hdr = (f"{'preset':17s} {'sets':>4s} {'count':>5s} {'lift':>4s} {'phase max':>9s} {'MCV rmse':>8s} "
           f"{'MCV max':>7s} {'MPV max':>7s} {'PV rmse':>7s} {'ROM max':>7s} {'hip max':>7s} {'knee max':>8s} "
           f"{'gap max':>7s} {'gap mean':>8s} {'flags':>6s} {'partial':>7s} {'None':>4s} {'ms':>5s}"
           + (f" {'live=batch':>10s}" if args.live else ""))
    print(hdr)
    tot = {"sets": 0, "count_ok": 0, "mcv": [], "phase": [], "flags_ok": 0, "flags_n": 0}
    for name in PRESETS:
        agg = {k: [] for k in ("phase", "mcv", "rom", "hip", "knee", "gap", "mpv", "pv")}
        sets = count_ok = lift_ok = flags_ok = flags_n = partial_ok = nrep = nnone = same = 0
        ms = []
        for fps in args.fps:
            for seed in range(args.seeds):
                c = make_case(name, seed, fps)
                t0 = time.perf_counter()
                res = analyze_set(**c.inputs())
                ms.append(1000 * (time.perf_counter() - t0))
                sc = score(res["reps"], c.truth)
                sets += 1
                count_ok += sc["n"] == sc["n_true"]
                lift_ok += res["set"]["lift"] == c.lift
                for k in agg:
                    agg[k] += sc[k]
                flags_ok += sc["flags_ok"]
                flags_n += sc["flags_n"]
                partial_ok += sc["partial_ok"]
                nrep += sc["n_true"]
                nnone += sc["none"]
                if args.live:
                    lr = live(c)
                    same += len(lr) == len(res["reps"]) and all(
                        abs((a["mean_concentric_velocity"] or 0) - (b["mean_concentric_velocity"] or 0)) < 1e-9
                        for a, b in zip(lr, res["reps"]))
        a = {k: np.abs(np.asarray(v)) for k, v in agg.items()}
        mx = lambda k: f"{a[k].max():.3f}" if len(a[k]) else "-"  # noqa: E731
        print(f"{name:17s} {sets:4d} {count_ok:>2d}/{sets:<2d} {lift_ok:>2d}/{sets:<2d}"
              + f" {mx('phase'):>8s} {np.sqrt(np.mean(a['mcv']**2)):8.4f} {mx('mcv'):>7s} {mx('mpv'):>7s} "
              f"{np.sqrt(np.mean(a['pv']**2)):7.4f} {mx('rom'):>7s} {mx('hip'):>7s} {mx('knee'):>8s} {mx('gap'):>7s} "
              f"{np.mean(agg['gap']):+8.4f} {100 * flags_ok / max(flags_n, 1):5.1f}% {partial_ok:>3d}/{nrep:<3d} "
              f"{nnone:4d} {np.mean(ms):5.0f}" + (f" {same:>4d}/{sets:<4d}" if args.live else ""))
        tot["sets"] += sets
        tot["count_ok"] += count_ok
        tot["mcv"] += agg["mcv"]
        tot["phase"] += agg["phase"]
        tot["flags_ok"] += flags_ok
        tot["flags_n"] += flags_n
    m = np.abs(np.asarray(tot["mcv"]))
    print(f"\nall: rep count exact in {tot['count_ok']}/{tot['sets']} sets; MCV RMSE {np.sqrt(np.mean(m**2)):.4f} m/s, "
          f"max {m.max():.3f}; phase max {max(tot['phase']):.3f} s; flags right {100 * tot['flags_ok'] / tot['flags_n']:.1f}%")
    print("columns: errors vs truth in m, m/s, s (max = largest |error| over all reps); gap mean = mean signed error "
          "of max_bar_to_body; flags = hips_first + {bar_away_from_body, knees_first} right; None = metrics "
          "not measurable (occlusion)")


if __name__ == "__main__":
    main()
