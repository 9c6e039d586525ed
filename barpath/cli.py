"""The `barpath` command. Every user-facing failure is one line on stderr and exit status 2."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from barpath.errors import BarpathError, InputError

RECORDINGS_DIR = Path("recordings")
DEMO_SCENARIO = "deadlift"


def _cmd_synth(args: argparse.Namespace) -> int:
    from barpath.progress import Progress
    from barpath.synth.record import write_synthetic
    from barpath.synth.scenario import SCENARIOS

    if args.list or not args.preset:
        for name, sc in SCENARIOS.items():
            print(f"{name:20s} {sc.description}")
        return 0 if args.list else 2
    if args.preset not in SCENARIOS:
        raise BarpathError(f"unknown preset {args.preset!r}; see `barpath synth --list`")
    out = args.out or str(RECORDINGS_DIR / f"{args.preset}.db3")
    progress = Progress(f"rendering {args.preset}")
    res = write_synthetic(args.preset, out, args.seed, args.preview, progress)
    progress.done()
    print(f"wrote {res.path}: {res.frames_written} frames ({res.frames_dropped} dropped), "
          f"{res.duration_s:.1f} s, {res.bytes / 1e6:.0f} MB, rendered in {res.render_s:.1f} s")
    print(f"truth: {res.truth_path}")
    for p in res.previews:
        print(f"preview: {p}")
    return 0


def _describe(path: str) -> None:
    from barpath.sources.playback import RecordingSource

    src = RecordingSource(path)
    first = last = None
    try:
        for f in src.frames():
            first = f.timestamp_ms if first is None else first
            last = f.timestamp_ms
    finally:
        src.close()
    i = src.info
    span = (last - first) / 1000.0 if first is not None else 0.0
    print(f"{path}")
    print(f"  camera      {i.camera} (serial {i.serial})")
    print(f"  depth       {i.width}x{i.height} @ {i.fps:g} fps, {i.depth_scale * 1000:.3g} mm per unit")
    print(f"  intrinsics  fx {i.intrinsics.fx:.2f} fy {i.intrinsics.fy:.2f} "
          f"pp ({i.intrinsics.ppx:.2f}, {i.intrinsics.ppy:.2f})")
    print(f"  frames      {i.frames} played, {i.dropped_frames} dropped, {span:.2f} s of device time")


def _cmd_info(args: argparse.Namespace) -> int:
    _describe(args.recording)
    return 0


def _cmd_analyze(args: argparse.Namespace) -> int:
    import json

    from barpath.pipeline import analyze_recording
    from barpath.progress import Progress
    from barpath.report import summary_text

    progress = Progress(f"analyzing {os.path.basename(args.recording)}")
    result = analyze_recording(args.recording, progress)
    progress.done()
    if args.json:
        with open(args.json, "w") as fh:
            json.dump(result.document, fh, indent=1)
    print(summary_text(result.document))
    if args.json:
        print(f"wrote {args.json}")
    if result.error is not None:
        raise result.error
    return 0


def _ensure_demo_recording(seed: int) -> str:
    from barpath.progress import Progress
    from barpath.synth.record import truth_path_for, write_synthetic

    RECORDINGS_DIR.mkdir(exist_ok=True)
    path = RECORDINGS_DIR / f"demo-{DEMO_SCENARIO}-{seed}.db3"
    if not path.exists():
        progress = Progress("synthesizing the demo set")
        tmp = path.with_name(path.stem + ".part.db3")
        res = write_synthetic(DEMO_SCENARIO, tmp, seed, None, progress)
        os.replace(tmp, path)
        os.replace(res.truth_path, truth_path_for(path))
        progress.done(f"synthesized {path} ({res.frames_written} frames, {res.render_s:.0f} s)")
    return str(path)


def _cmd_demo(args: argparse.Namespace) -> int:
    path = _ensure_demo_recording(args.seed)
    _describe(path)
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="barpath", description="Barbell velocity and bar path from a RealSense "
                                                            "depth camera.")
    sub = p.add_subparsers(dest="command", required=True)

    s = sub.add_parser("synth", help="write a synthetic lifter recording (.db3 + truth JSON)")
    s.add_argument("--preset", help="scenario name (see --list)")
    s.add_argument("--out", help="output .db3 (default recordings/PRESET.db3)")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--preview", metavar="DIR", help="also write a few colourised depth PNGs here")
    s.add_argument("--list", action="store_true", help="list the presets")
    s.set_defaults(func=_cmd_synth)

    s = sub.add_parser("info", help="show what a recording holds (camera, stream, frames, drops)")
    s.add_argument("recording")
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("analyze", help="analyze a recording: reps, velocities, bar path, hinge checks")
    s.add_argument("recording")
    s.add_argument("--json", metavar="OUT", help="also write the full analysis (barpath.analysis/1) here")
    s.set_defaults(func=_cmd_analyze)

    s = sub.add_parser("demo", help="synthesize a demo set (no camera needed) and show it")
    s.add_argument("--seed", type=int, default=0)
    s.set_defaults(func=_cmd_demo)
    return p


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    try:
        return int(args.func(args) or 0)
    except BarpathError as e:
        print(f"barpath: {e}", file=sys.stderr)
        return e.exit_code
    except KeyboardInterrupt:
        print("barpath: interrupted", file=sys.stderr)
        return 130
    except OSError as e:  # disk full, permissions: still one line
        name = getattr(e, "filename", None) or ""
        print(f"barpath: {InputError(name, e.strerror or str(e))}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
