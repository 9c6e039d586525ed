"""Write a synthetic recording: frames through the SDK's software device into NAME.db3, truth into
NAME.truth.json beside it, and optionally a few preview PNGs with the truth points drawn."""

from __future__ import annotations

import json
import os
import time
from dataclasses import dataclass
from pathlib import Path

import cv2
import numpy as np

from barpath.sources.frame import Intrinsics
from barpath.sources.writer import RecordingWriter
from barpath.synth.scenario import SCENARIOS, Scenario, SynthFrame, render_frames, truth_header

SYNTH_SERIAL_PREFIX = "SYN"


@dataclass(frozen=True)
class SynthResult:
    path: str
    truth_path: str
    frames_written: int
    frames_dropped: int
    duration_s: float
    render_s: float
    bytes: int
    previews: list[str]


def truth_path_for(recording: str | os.PathLike) -> str:
    """NAME.db3 -> NAME.truth.json."""
    p = str(recording)
    return (p[:-4] if p.endswith(".db3") else p) + ".truth.json"


def camera_name(scenario: Scenario) -> str:
    return f"Intel RealSense {scenario.model} (barpath synthetic)"


def write_synthetic(scenario: Scenario | str, out: str | os.PathLike, seed: int = 0,
                    preview_dir: str | os.PathLike | None = None, progress=None) -> SynthResult:
    """Render `scenario` into the .db3 at `out` (+ truth JSON); `progress(done, total)` is called per frame."""
    sc = SCENARIOS[scenario] if isinstance(scenario, str) else scenario
    motion = sc.motion(seed)
    header = truth_header(sc, seed, motion)
    previews_at = _preview_times(header, motion.duration_s)
    previews: list[str] = []
    frames: list[dict] = []
    n_total = int(np.floor(motion.duration_s * sc.fps)) + 1
    t0 = time.perf_counter()
    serial = f"{SYNTH_SERIAL_PREFIX}-{sc.model}-{seed:04d}"
    with RecordingWriter(out, sc.intrinsics, sc.fps, camera=camera_name(sc), serial=serial) as writer:
        for f in render_frames(sc, seed, motion):
            frames.append({"frame": f.frame_number, "t": f.t, "timestamp_ms": f.timestamp_ms,
                           "dropped": f.dropped, **f.truth})
            if f.depth is not None:
                writer.write(f.depth, f.timestamp_ms, f.frame_number)
                if preview_dir is not None and previews_at and f.t >= previews_at[0]:
                    previews_at.pop(0)
                    previews.append(_write_preview(f, sc.intrinsics, Path(preview_dir), Path(out).stem))
            if progress is not None:
                progress(f.index + 1, n_total)
        written = writer.frames_written
    render_s = time.perf_counter() - t0
    tpath = truth_path_for(out)
    with open(tpath, "w") as fh:
        json.dump({**header, "serial": serial, "frames": frames}, fh)
    return SynthResult(str(out), tpath, written, sum(fr["dropped"] for fr in frames), motion.duration_s,
                       render_s, os.path.getsize(out), previews)


def _preview_times(header: dict, duration: float) -> list[float]:
    """Lead-in, then the first rep's start, middle and lockout, and the end of the set."""
    times = [0.5]
    if header["reps"]:
        r = header["reps"][0]
        c0, c1 = r["concentric_start"], r["concentric_end"]
        times += [c0, (c0 + c1) / 2, c1]
    times.append(duration - 0.5)
    return sorted(times)


def colourise(depth_mm: np.ndarray, near_m: float = 0.5, far_m: float = 4.5) -> np.ndarray:
    """Depth as a BGR image (near = warm), invalid pixels black."""
    d = depth_mm.astype(np.float32) / 1000.0
    scaled = np.clip((far_m - d) / (far_m - near_m) * 255.0, 0, 255).astype(np.uint8)
    img = cv2.applyColorMap(scaled, cv2.COLORMAP_TURBO)
    img[depth_mm == 0] = 0
    return img


def _write_preview(f: SynthFrame, intr: Intrinsics, folder: Path, stem: str) -> str:
    folder.mkdir(parents=True, exist_ok=True)
    img = colourise(f.depth)
    colours = {"bar": (255, 255, 255), "plate": (0, 255, 255), "hip": (255, 0, 255), "knee": (0, 255, 0),
               "ankle": (255, 128, 0), "shoulder": (0, 0, 255)}
    r = max(2, intr.width // 170)
    for name, p in f.truth.items():
        if p[2] <= 0.1:
            continue
        u, v = intr.project(np.array(p))
        cv2.circle(img, (int(round(u)), int(round(v))), r, colours[name], -1)
        cv2.putText(img, name, (int(u) + r + 2, int(v) - r), cv2.FONT_HERSHEY_SIMPLEX, 0.35 * r / 3,
                    colours[name], 1, cv2.LINE_AA)
    cv2.putText(img, f"frame {f.frame_number}  t={f.t:.2f}s", (8, 18), cv2.FONT_HERSHEY_SIMPLEX, 0.5,
                (255, 255, 255), 1, cv2.LINE_AA)
    path = folder / f"{stem}_f{f.frame_number:05d}.png"
    cv2.imwrite(str(path), img)
    return str(path)
