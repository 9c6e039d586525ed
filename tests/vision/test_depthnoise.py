"""The camera's depth noise read from the stream (frame-to-frame differences of the static scene)."""

import numpy as np
import pytest

from barpath.synth.noise import add_d400_noise
from barpath.synth.scenario import SCENARIOS
from barpath.vision.depthnoise import DepthNoise


@pytest.mark.parametrize("subpixel", [0.05, 0.08, 0.2])
def test_noise_level_read_from_the_stream(subpixel):
    """A floor-and-wall scene at 1.5-4 m through the synthetic D400 noise (spatially correlated, 1 mm steps), a third
    of the image moving between frames (someone walking by): the coefficient is the one the noise was drawn with
    (0.96-1.0 of it; one MAD without the second pass read 1.16-1.21)."""
    sc = SCENARIOS["deadlift"]
    intr, h, w = sc.intrinsics, sc.height, sc.width
    clean = np.tile(np.linspace(1.5, 4.0, h, dtype=np.float32)[:, None], (1, w))
    rng = np.random.default_rng(1)
    dn = DepthNoise()
    for i in range(5):
        scene = clean.copy()
        scene[:, 60 * i:60 * i + w // 3] = 1.2  # someone walking by: a third of the image, 60 px a frame
        depth = add_d400_noise(scene, intr, sc.baseline_m, rng, subpixel=subpixel).astype(np.float32) * 0.001
        dn.update(depth, 0.6 * i)
    assert dn.coef == pytest.approx(subpixel / (intr.fx * sc.baseline_m), rel=0.06)


def test_no_reading_from_one_frame_or_a_changed_stream():
    dn = DepthNoise()
    assert dn.update(np.full((240, 424), 2.0, np.float32), 0.0) is None
    assert dn.update(np.full((480, 848), 2.0, np.float32), 1.0) is None  # another resolution: no pair yet
    assert dn.update(np.zeros((480, 848), np.float32), 2.0) is None  # no valid depth
