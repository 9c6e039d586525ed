"""D400 noise model: RMS vs the stereo formula, quantisation, stereo shadow, ranges, determinism."""

from __future__ import annotations

import numpy as np
import pytest

from barpath.synth.camera import CAMERA_MODELS, CameraPose, d4xx_intrinsics
from barpath.synth.noise import add_d400_noise, correlated_noise, shadow_mask, stereo_sigma
from barpath.synth.primitives import Box, Plane
from barpath.synth.render import DepthRenderer

K = d4xx_intrinsics("D435", 848, 480)
B = CAMERA_MODELS["D435"]["baseline_m"]
CLEAN = dict(dropout_fraction=0.0, shadow=False, edge_band=False)


def test_stereo_sigma_formula():
    assert stereo_sigma(2.0, 425.0, 0.05) == pytest.approx(4.0 * 0.08 / (425 * 0.05))
    assert stereo_sigma(2.0, 425.0, 0.05) == pytest.approx(0.015, abs=0.0005)  # ~15 mm at 2 m for a D435
    np.testing.assert_allclose(stereo_sigma(np.array([1.0, 3.0]), 425.0, 0.05, 0.1), [1 / 2125 * 10, 9 / 2125 * 10])


@pytest.mark.parametrize("z", [1.0, 2.0, 3.0])
def test_rms_matches_sigma_on_flat_plane(z):
    depth = np.full((K.height, K.width), z, np.float32)
    out = add_d400_noise(depth, K, B, np.random.default_rng(1), **CLEAN)
    assert out.dtype == np.uint16 and np.all(out > 0)
    err = out.astype(float) / 1000.0
    err -= err.mean()
    assert abs(out.mean() / 1000.0 - z) < 0.002  # unbiased
    assert err.std() == pytest.approx(stereo_sigma(z, K.fx, B), rel=0.10)


def test_rms_on_rendered_wall_and_d455():
    k = d4xx_intrinsics("D455", 848, 480)
    r = DepthRenderer(CameraPose(distance=2.5), k, [Plane(np.array([0.0, 0, 1]), 0.0, "wall")])
    depth, _ = r.render([])  # a wall 2.5 m away
    out = add_d400_noise(depth, k, CAMERA_MODELS["D455"]["baseline_m"], np.random.default_rng(2), **CLEAN)
    err = out / 1000.0 - depth
    assert err.std() == pytest.approx(stereo_sigma(2.5, k.fx, 0.095), rel=0.10)


def test_noise_is_spatially_correlated_with_unit_variance():
    n = correlated_noise((480, 848), np.random.default_rng(0), corr_px=1.5)
    assert n.std() == pytest.approx(1.0, rel=0.03) and abs(n.mean()) < 0.02
    c1 = np.corrcoef(n[:, :-1].ravel(), n[:, 1:].ravel())[0, 1]
    c10 = np.corrcoef(n[:, :-10].ravel(), n[:, 10:].ravel())[0, 1]
    assert c1 > 0.6 and abs(c10) < 0.05
    w = correlated_noise((480, 848), np.random.default_rng(0), corr_px=0)
    assert abs(np.corrcoef(w[:, :-1].ravel(), w[:, 1:].ravel())[0, 1]) < 0.02


def test_quantised_to_millimetres():
    depth = np.full((40, 60), 1.2346, np.float32)
    depth[:, 30:] = 2.0004
    k = d4xx_intrinsics("D435", 60, 40)
    out = add_d400_noise(depth, k, B, np.random.default_rng(0), subpixel=0.0, **CLEAN)
    assert np.all(out[:, :30] == 1235) and np.all(out[:, 30:] == 2000)


def test_min_and_max_range():
    depth = np.full((K.height, K.width), 2.0, np.float32)
    depth[:, :200] = 0.25  # too near: the D400 reports nothing below ~0.3 m
    depth[:, 200:300] = 0.0  # nothing there
    depth[:, 600:] = 12.0  # too far
    out = add_d400_noise(depth, K, B, np.random.default_rng(0), **CLEAN)
    assert np.all(out[:, :300] == 0) and np.all(out[:, 600:] == 0)
    assert np.all(out[:, 300:600] > 0)
    assert out[out > 0].min() >= 300


def test_stereo_shadow_left_of_near_box_with_predicted_width():
    """A box at 1.2 m in front of a wall at 3 m: invalid band left of it, fx*b*(1/1.2 - 1/3) px wide."""
    pose = CameraPose(distance=3.0, height=1.0)
    r = DepthRenderer(pose, K, [Plane(np.array([0.0, 0, 1]), 0.0, "wall")])
    box = Box(np.array([-0.2, 0.6, 1.8]), np.array([0.2, 1.4, 2.0]), "rack")  # front face 1.0 m away
    depth, labels = r.render([box])
    out = add_d400_noise(depth, K, B, np.random.default_rng(5), dropout_fraction=0.0, edge_band=False)
    expected = K.fx * B * (1 / 1.0 - 1 / 3.0)  # ~14.2 px
    rows = np.nonzero((labels == 3).any(axis=1))[0][10:-10]
    left, right = [], []
    for v in rows:
        cols = np.nonzero(labels[v] == 3)[0]
        u0, u1 = cols.min(), cols.max()
        z_left = out[v, :u0][::-1]  # going left from the box edge
        left.append(np.argmax(z_left > 0))
        right.append(np.argmax(out[v, u1 + 1:] > 0))
    assert np.median(left) == pytest.approx(expected, abs=1.0)
    assert max(right) == 0  # no shadow on the right side
    assert np.all(out[labels == 3] > 0)  # the box itself is measured


def test_edge_band_and_left_image_band():
    depth = np.full((K.height, K.width), 1.0, np.float32)
    out = add_d400_noise(depth, K, B, np.random.default_rng(0), dropout_fraction=0.0)
    disp = K.fx * B / 1.0  # 21.25 px: the right imager does not see the leftmost columns
    assert np.all(out[:, : int(disp) - 1] == 0) and np.all(out[:, int(disp) + 2:] > 0)
    # a near object on a far background: ragged invalid pixels along its right edge too (not only the shadow)
    depth[100:300, 400:500] = 0.8
    out = add_d400_noise(depth, K, B, np.random.default_rng(0), dropout_fraction=0.0)
    right_edge = out[110:290, 498:503] == 0
    assert 0.1 < right_edge.mean() < 0.6
    assert np.all(shadow_mask(depth, K.fx * B)[150, 400 - 5:400])


def test_dropout_fraction_roughly_as_asked():
    depth = np.full((K.height, K.width), 2.0, np.float32)
    for frac in (0.005, 0.03):
        out = add_d400_noise(depth, K, B, np.random.default_rng(7), dropout_fraction=frac, shadow=False,
                             edge_band=False)
        assert frac / 2 < np.mean(out == 0) < frac * 2


def test_label_dropout_only_on_that_label():
    depth = np.full((K.height, K.width), 2.0, np.float32)
    labels = np.zeros(depth.shape, np.uint8)
    labels[:, 400:] = 6
    out = add_d400_noise(depth, K, B, np.random.default_rng(7), labels=labels, label_dropout={6: 0.2}, **CLEAN)
    assert np.all(out[:, :400] > 0) and 0.1 < np.mean(out[:, 400:] == 0) < 0.4


def test_deterministic_given_rng():
    depth = np.full((K.height, K.width), 2.0, np.float32)
    depth[100:300, 300:500] = 1.1
    a = add_d400_noise(depth, K, B, np.random.default_rng(42))
    b = add_d400_noise(depth, K, B, np.random.default_rng(42))
    c = add_d400_noise(depth, K, B, np.random.default_rng(43))
    assert np.array_equal(a, b) and not np.array_equal(a, c)
    o = np.empty_like(a)
    assert add_d400_noise(depth, K, B, np.random.default_rng(42), out=o) is o and np.array_equal(o, a)
