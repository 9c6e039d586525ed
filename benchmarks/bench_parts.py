"""Where a frame's time goes: per-frame cost of each part of Engine.process on synthetic recordings (prints a table).

    .venv/bin/python benchmarks/bench_parts.py [--dir /tmp/bench] [--repeats 2] [SCENARIO ...]

The frames are decoded into memory first; then each run processes them all with every part's wall time summed:
the depth-noise estimate, the plate (PlateDetector.detect), the body (BodyEstimator.estimate; also per fit, as it
runs at most 30 times a second), the Kalman trackers' steps, all of measurement + filters (bench_analyze's mem ms,
here a whole-run total rather than each frame's least) and all of Engine.process (the rest: the live rep analysis
and the engine's bookkeeping). Each figure is its least over the runs. Default: the 848x480 presets, the stream of
the speed goal (<= 3.7 ms/frame for measurement + filters).
"""

from __future__ import annotations

import argparse
import gc
import os
import sys

from bench_analyze import _timed, ensure

from barpath.pipeline import engine_for
from barpath.sources.playback import RecordingSource
from barpath.synth.scenario import SCENARIOS

PARTS = ("noise", "plate", "body", "trackers", "core", "process")


def part_seconds(path: str, repeats: int = 2) -> tuple[dict[str, float], int, int]:
    """({part: seconds over the recording, least of `repeats` runs}, frames, body fits)."""
    src = RecordingSource(path)
    frames = list(src.frames())
    best: dict[str, float] = {}
    fits = 0
    for _ in range(repeats):
        engine = engine_for(src)
        m = engine.measurer
        acc = {p: [0.0, 0.0] for p in PARTS}
        _timed(m.noise, "update", acc["noise"])
        _timed(m.plate, "detect", acc["plate"])
        if m.body is not None:
            _timed(m.body, "estimate", acc["body"])
        _timed(m, "measure", acc["core"])
        for tracker in engine.trackers.values():
            _timed(tracker, "step", acc["trackers"])
            _timed(tracker, "step", acc["core"])
        _timed(engine, "process", acc["process"])
        calls = [0]
        if m.body is not None:
            estimate = m.body.estimate

            def counted(*a, **k):
                calls[0] += 1
                return estimate(*a, **k)
            m.body.estimate = counted
        gc.collect()
        gc.freeze()  # (the harness's frames are not the code's to scan; see bench_analyze.core_alone)
        try:
            for frame in frames:
                engine.process(frame)
        finally:
            gc.unfreeze()
        fits = calls[0]
        for p in PARTS:
            best[p] = min(best.get(p, float("inf")), acc[p][0])
    return best, len(frames), fits


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("scenarios", nargs="*",
                    default=[n for n, sc in SCENARIOS.items() if (sc.width, sc.height) == (848, 480)])
    ap.add_argument("--dir", default=os.path.join("recordings", "bench"))
    ap.add_argument("--repeats", type=int, default=2)
    args = ap.parse_args()
    os.makedirs(args.dir, exist_ok=True)
    print("ms per frame (body/fit: ms per body fit); core = measurement + filters (goal <= 3.7 at 848x480); "
          "rest = the rest of Engine.process (live rep analysis, bookkeeping)")
    print(f"{'scenario':20s} {'stream':15s} {'noise':>6s} {'plate':>6s} {'body':>6s} {'body/fit':>8s} "
          f"{'tracks':>6s} {'core':>6s} {'rest':>6s} {'all':>6s}")
    for name in args.scenarios:
        path, _ = ensure(name, args.dir)
        s, n, fits = part_seconds(path, args.repeats)
        ms = {p: 1000.0 * v / max(n, 1) for p, v in s.items()}
        sc = SCENARIOS[name]
        print(f"{name:20s} {f'{sc.width}x{sc.height}@{sc.fps}':15s} {ms['noise']:6.2f} {ms['plate']:6.2f} "
              f"{ms['body']:6.2f} {1000.0 * s['body'] / max(fits, 1):8.2f} {ms['trackers']:6.2f} {ms['core']:6.2f} "
              f"{ms['process'] - ms['core']:6.2f} {ms['process']:6.2f}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
