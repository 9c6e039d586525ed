"""How noisy this camera's depth is, measured from the stream itself.

A stereo camera's depth error grows with the square of the distance: sigma(z) = coef * z^2, coef = subpixel /
(fx * baseline). The subpixel disparity error is not a constant of the camera model: the emitter, the light, the
surfaces (dark or shiny cloth) and the camera's settings move it from ~0.05 to 0.2 px and more, and estimates that
take a percentile of noisy depths (the near leg's nearest surface) shift with it. Between two frames the static
scene (floor, wall, most of the image) differs only by the noise, independently drawn each frame, so

    z1 - z0 ~ N(0, 2 sigma^2)   ->   coef = MAD((z1 - z0) / z^2) * 1.4826 / sqrt(2)

where a median absolute deviation, taken again without the pixels it puts far off, ignores those that moved (the
lifter, the bar, someone walking by).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from barpath.vision.robust import median

MIN_PIXELS = 500  # valid pixel pairs needed for one reading


@dataclass
class DepthNoise:
    """update(depth_m, t_s) once per frame; `coef` (1/m: sigma = coef * z^2) once two frames were seen, re-read
    every period_s and averaged (the noise level changes slowly, if at all: the light, the camera warming up)."""

    step: int = 4  # every step-th pixel both ways: ~25k pixels at 848x480, plenty for a median
    period_s: float = 0.5
    alpha: float = 0.2  # weight of a new reading
    coef: float | None = None
    readings: int = 0
    _prev: np.ndarray | None = field(default=None, repr=False)
    _t_read: float | None = None

    def update(self, depth_m: np.ndarray, t_s: float) -> float | None:
        cur = np.array(depth_m[::self.step, ::self.step], np.float32)
        prev, self._prev = self._prev, cur
        due = self._t_read is None or t_s - self._t_read >= self.period_s or t_s < self._t_read
        if prev is None or prev.shape != cur.shape or not due:
            return self.coef
        both = (cur > 0.2) & (prev > 0.2)
        if both.sum() < MIN_PIXELS:
            return self.coef
        zb = cur[both]
        r = (zb - prev[both]) / (zb * zb)
        reading = _robust_sd(r) / np.sqrt(2.0)
        self._t_read = t_s
        self.readings += 1
        self.coef = reading if self.coef is None else (1.0 - self.alpha) * self.coef + self.alpha * reading
        return self.coef


def _robust_sd(r: np.ndarray) -> float:
    """Standard deviation of the bulk of r: the MAD's, then again without what lies 5 of those off (with a third of
    the image moving, the first MAD alone read 16-21 % high)."""
    med = median(r)
    sd = 1.4826 * median(np.abs(r - med))
    keep = np.abs(r - med) < 5.0 * sd
    if keep.sum() >= MIN_PIXELS:
        rk = r[keep]
        sd = 1.4826 * median(np.abs(rk - median(rk)))
    return sd
