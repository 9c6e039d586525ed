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
    if result.calibration_note:
        print(result.calibration_note)
    if result.framing_note:
        print(result.framing_note)
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


def _settings(args: argparse.Namespace):
    from barpath.ui.app import Settings

    return Settings(load_kg=args.load, vl_limit_pct=args.vl_limit)


def _run_tui(driver, args: argparse.Namespace) -> int:
    from barpath.ui.app import create_app

    app = create_app(driver, settings=_settings(args))
    try:
        app.run()
    finally:
        driver.stop()
    return 0


def _replay(path: str, args: argparse.Namespace) -> int:
    from barpath.ui.engine_drivers import ReplayDriver

    driver = ReplayDriver(path, speed=args.speed, idle_end_s=args.idle)
    driver.saver.load_kg = args.load  # saved with each set's results
    return _run_tui(driver, args)


def _cmd_replay(args: argparse.Namespace) -> int:
    return _replay(args.recording, args)


def _cmd_demo(args: argparse.Namespace) -> int:
    path = _ensure_demo_recording(args.seed)
    if args.no_tui or not sys.stdout.isatty():
        # no terminal to draw in (CI, a pipe): show the same results as text
        args.recording, args.json = path, None
        return _cmd_analyze(args)
    return _replay(path, args)


def _cmd_live(args: argparse.Namespace) -> int:
    from barpath.sources.live import LiveSource, wait_for_camera
    from barpath.ui.engine_drivers import LiveDriver

    LiveSource.check_connected(args.serial)  # one clear line when no camera is there at all

    def factory(record_to: str | None):
        return LiveSource(args.serial, args.width, args.height, args.fps, record_to)

    driver = LiveDriver(factory, record_dir=None if args.no_record else str(RECORDINGS_DIR),
                        idle_end_s=args.idle, wait_for_camera=lambda timeout: wait_for_camera(args.serial, timeout))
    driver.load_kg = args.load  # saved with each set's results
    return _run_tui(driver, args)


def _add_tui_flags(s: argparse.ArgumentParser) -> None:
    s.add_argument("--load", type=float, default=None, metavar="KG", help="load on the bar for the set (kg)")
    s.add_argument("--vl-limit", type=float, default=20.0, metavar="PCT",
                   help="velocity-loss limit in %% (default 20): a banner and the bell say to end the set")
    s.add_argument("--idle", type=float, default=10.0, metavar="S",
                   help="a set ends after this many seconds without bar motion (default 10)")


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

    from barpath.calibrate import add_calibrate_arguments, run_calibrate

    s = sub.add_parser("calibrate", help="measure where the camera stands (floor, up, height, bar axis) and "
                                         "save calibration/<serial>.json")
    add_calibrate_arguments(s)
    s.set_defaults(func=run_calibrate)

    s = sub.add_parser("info", help="show what a recording holds (camera, stream, frames, drops)")
    s.add_argument("recording")
    s.set_defaults(func=_cmd_info)

    s = sub.add_parser("analyze", help="analyze a recording: reps, velocities, bar path, hinge checks")
    s.add_argument("recording")
    s.add_argument("--json", metavar="OUT", help="also write the full analysis (barpath.analysis/1) here")
    s.set_defaults(func=_cmd_analyze)

    s = sub.add_parser("replay", help="replay a recording at its recorded pace in the TUI")
    s.add_argument("recording")
    s.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    _add_tui_flags(s)
    s.set_defaults(func=_cmd_replay)

    s = sub.add_parser("demo", help="synthesize a demo set (no camera needed) and replay it in the TUI")
    s.add_argument("--seed", type=int, default=0)
    s.add_argument("--speed", type=float, default=1.0, help="playback speed factor (default 1)")
    s.add_argument("--no-tui", action="store_true", help="print the analysis instead of starting the TUI")
    _add_tui_flags(s)
    s.set_defaults(func=_cmd_demo)

    s = sub.add_parser("live", help="a connected RealSense camera, live in the TUI; records every set")
    s.add_argument("--serial", help="camera serial number (default: the first camera found)")
    s.add_argument("--width", type=int, default=848)
    s.add_argument("--height", type=int, default=480)
    s.add_argument("--fps", type=int, default=90)
    s.add_argument("--no-record", action="store_true", help="do not record the session to recordings/")
    _add_tui_flags(s)
    s.set_defaults(func=_cmd_live)
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
