"""Render + noise speed: prints ms/frame at 424x240, 848x480, 1280x720 for a stand-in lifter scene.

    .venv/bin/python benchmarks/bench_render.py [--frames N] [--png DIR]
"""

from __future__ import annotations

import argparse
import os
import sys
import time

import numpy as np

sys.path.insert(0, os.path.join(os.path.dirname(__file__), ".."))

from barpath.synth.camera import CAMERA_MODELS, CameraPose, d4xx_intrinsics  # noqa: E402
from barpath.synth.noise import add_d400_noise  # noqa: E402
from barpath.synth.render import DepthRenderer  # noqa: E402
from barpath.synth.scene import build_static_scene, standin_lifter  # noqa: E402


def colourise(depth_mm: np.ndarray, lo_mm: float = 500, hi_mm: float = 5000) -> np.ndarray:
    import cv2

    d = depth_mm.astype(np.float32)
    img = np.clip((d - lo_mm) / (hi_mm - lo_mm) * 255, 0, 255).astype(np.uint8)
    col = cv2.applyColorMap(255 - img, cv2.COLORMAP_JET)
    col[depth_mm == 0] = 0
    return col


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--frames", type=int, default=90)
    ap.add_argument("--threads", type=int, default=1, help="OpenCV threads (default 1: the one-core figure)")
    ap.add_argument("--png", default="", help="write colourised clean/noisy depth PNGs here")
    args = ap.parse_args()
    import cv2

    cv2.setNumThreads(args.threads)
    pose = CameraPose(distance=2.5, height=0.9, pitch=5.0)
    static = build_static_scene(1, wall=True, wall_distance=2.0, rack=True, clutter="both")
    baseline = CAMERA_MODELS["D435"]["baseline_m"]
    for w, h in ((424, 240), (848, 480), (1280, 720)):
        k = d4xx_intrinsics("D435", w, h)
        t0 = time.perf_counter()
        r = DepthRenderer(pose, k, static)
        t_init = time.perf_counter() - t0
        # A bent-over row-like sequence: the pose changes every frame.
        frames = [standin_lifter(bend=0.5 + 0.5 * np.sin(i / 10.0), n_plates_per_side=2) for i in range(args.frames)]
        for reuse in (False, True):
            rng = np.random.default_rng(0)
            bufs = (np.empty((h, w), np.float32), np.empty((h, w), np.uint8)) if reuse else None
            o16 = np.empty((h, w), np.uint16) if reuse else None
            r.render(frames[0], out=bufs)
            t_r = t_n = 0.0
            for f in frames:
                t0 = time.perf_counter()
                depth, labels = r.render(f, out=bufs)
                t1 = time.perf_counter()
                noisy = add_d400_noise(depth, k, baseline, rng, out=o16)
                t2 = time.perf_counter()
                t_r += t1 - t0
                t_n += t2 - t1
            t_r /= len(frames)
            t_n /= len(frames)
            print(f"{w}x{h} {'out= buffers' if reuse else 'fresh arrays'}: static init {t_init * 1e3:5.1f} ms | "
                  f"render {t_r * 1e3:6.2f} ms/frame | noise {t_n * 1e3:6.2f} ms/frame | "
                  f"total {(t_r + t_n) * 1e3:6.2f} ms/frame ({len(frames[0])} dynamic primitives)")
        if args.png:
            os.makedirs(args.png, exist_ok=True)
            depth, labels = r.render(frames[0])
            noisy = add_d400_noise(depth, k, baseline, np.random.default_rng(1))
            cv2.imwrite(os.path.join(args.png, f"clean_{w}x{h}.png"),
                        colourise(np.rint(depth * 1000).astype(np.uint16)))
            cv2.imwrite(os.path.join(args.png, f"noisy_{w}x{h}.png"), colourise(noisy))
            cv2.imwrite(os.path.join(args.png, f"labels_{w}x{h}.png"),
                        cv2.applyColorMap((labels * 25).astype(np.uint8), cv2.COLORMAP_TURBO))


if __name__ == "__main__":
    main()
