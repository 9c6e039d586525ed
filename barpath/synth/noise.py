"""Intel RealSense D400 (active stereo) depth noise on a clean rendered depth image.

Model (depth aligned to the LEFT imager, right imager `baseline` to its right):
- depth error sigma = z^2 * subpixel / (fx * baseline) per pixel (disparity error of `subpixel` pixels), spatially
  correlated by a Gaussian blur (sigma `corr_px`) of white noise renormalised to unit per-pixel variance;
- 1 mm quantisation, output uint16 millimetres (depth_scale 0.001);
- invalid (0): the stereo shadow left of near objects (background the right imager cannot see, width
  fx*baseline*(1/z_near - 1/z_far) px), the band at the image's left edge the right imager does not cover, a thin
  ragged band at depth discontinuities, random small dropout blobs, optionally extra blobs on hard surfaces
  (by label), everything nearer than `min_range_m` or beyond `max_range_m`.
"""

from __future__ import annotations

import math
import threading
from statistics import NormalDist

import cv2
import numpy as np

from barpath.sources.frame import Intrinsics


def stereo_sigma(z, fx: float, baseline: float, subpixel: float = 0.08):
    """Depth RMS error (same units as z, metres) of a stereo camera at depth z."""
    z = np.asarray(z, dtype=float) if not np.isscalar(z) else float(z)
    return z * z * subpixel / (fx * baseline)


_KERNELS: dict[float, tuple[np.ndarray, float]] = {}
_U8_STD = math.sqrt((256.0 ** 2 - 1.0) / 12.0)  # std of a uniform random byte


def _kernel(corr_px: float) -> tuple[np.ndarray, float]:
    """(1-D Gaussian kernel of sigma corr_px, std of unit white noise after the 2-D separable blur)."""
    if corr_px not in _KERNELS:
        ksize = 2 * int(math.ceil(3.0 * corr_px)) + 1
        k = cv2.getGaussianKernel(ksize, corr_px, cv2.CV_64F).ravel()
        k /= k.sum()
        _KERNELS[corr_px] = (k.astype(np.float32), float(np.sum(k * k)))  # 2-D std = (sum k^2)^(2/2)
    return _KERNELS[corr_px]


def _random_bytes(rng: np.random.Generator, shape: tuple[int, int]) -> np.ndarray:
    n = shape[0] * shape[1]
    raw = rng.bit_generator.random_raw((n + 7) // 8)
    return raw.view(np.uint8)[:n].reshape(shape)


def correlated_noise(shape: tuple[int, int], rng: np.random.Generator, corr_px: float = 1.5) -> np.ndarray:
    """Zero-mean, unit-variance (per pixel) noise field with Gaussian correlation of `corr_px` pixels (sigma).

    For speed it blurs uniform random bytes: with corr_px >= 1 each pixel sums >= 12 independent samples, so the
    field is Gaussian to within a few percent of excess kurtosis. corr_px <= 0 gives white Gaussian noise.
    """
    h, w = shape
    if corr_px <= 0:
        return rng.standard_normal((h, w), dtype=np.float32)
    k, ssq = _kernel(float(corr_px))
    pad = len(k) // 2
    b = _random_bytes(rng, (h + 2 * pad, w + 2 * pad))
    n = cv2.sepFilter2D(b, cv2.CV_32F, k, k, delta=-127.5, borderType=cv2.BORDER_CONSTANT)
    out = n[pad:pad + h, pad:pad + w]
    out *= np.float32(1.0 / (_U8_STD * ssq))
    return out


def disparity(depth_m: np.ndarray, fxb: float) -> np.ndarray:
    """fx*baseline / z in pixels, 0 where z <= 0."""
    zs = depth_m + (depth_m <= 0) * np.float32(1e12)
    return np.float32(fxb) / zs


def shadow_mask(depth_m: np.ndarray, fxb: float, disp: np.ndarray | None = None) -> np.ndarray:
    """Pixels seen by the left imager whose scene point is hidden from the right imager (plus those the right
    imager's field of view misses): True = invalid. fxb = fx * baseline (pixel-metres).

    Depth is in the left imager's frame; a point at column u lands at u - disp(u) in the right image. It is hidden
    if a pixel further right lands further left there (a nearer surface). Such an occluder lies within max(disp)
    columns, so a windowed minimum (an erosion) of u - disp to the right is exact.
    """
    h, w = depth_m.shape
    if disp is None:
        disp = disparity(depth_m, fxb)
    xr = np.arange(w, dtype=np.float32)[None, :] - disp  # column of the point in the right image
    dmax = float(disp.max()) if disp.size else 0.0
    mask = xr < -0.5  # outside the right imager's view (the left edge band)
    if dmax <= 0:
        return mask
    kw = min(w, int(math.ceil(dmax)) + 2)
    right_min = cv2.erode(xr, np.ones((1, kw), np.uint8), anchor=(0, 0), borderType=cv2.BORDER_REPLICATE)
    # right_min[u] = min over u..u+kw-1 (includes u itself, harmless with a strict <); need min over u' > u.
    mask[:, :-1] |= right_min[:, 1:] < xr[:, :-1]
    return mask


def edge_mask(depth_m: np.ndarray, fxb: float, jump_px: float = 1.0, disp: np.ndarray | None = None) -> np.ndarray:
    """Pixels with a 4-neighbour across a depth discontinuity (disparity jump > jump_px, or valid/invalid)."""
    if disp is None:
        disp = disparity(depth_m, fxb)
    cross = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
    hi = cv2.dilate(disp, cross, borderType=cv2.BORDER_REPLICATE)
    lo = cv2.erode(disp, cross, borderType=cv2.BORDER_REPLICATE)
    return (hi - lo) > jump_px


def _blob_field(mask: np.ndarray, rng: np.random.Generator, fraction: float, scale: float) -> None:
    """mask (uint8, 0/1) := ragged random blobs covering ~`fraction` of the image, a few pixels across.

    A smooth Gaussian field on a coarse grid (cell ~4 px at 848 wide), thresholded at its (1 - fraction) quantile
    and upsampled: cheap, organic shapes of varied size.
    """
    h, w = mask.shape
    cell = max(2, int(round(4 * scale)))
    gh, gw = h // cell + 3, w // cell + 3
    g = rng.standard_normal((gh, gw), dtype=np.float32)
    k, ssq = _kernel(0.7)
    g = cv2.sepFilter2D(g, cv2.CV_32F, k, k, borderType=cv2.BORDER_REFLECT) * np.float32(1.0 / ssq)
    thr = NormalDist().inv_cdf(1.0 - min(max(fraction, 1e-9), 0.999))
    low = (g > thr).astype(np.uint8) * np.uint8(255)
    big = cv2.resize(low, ((gw - 1) * cell, (gh - 1) * cell), interpolation=cv2.INTER_LINEAR)
    np.greater(big[cell:cell + h, cell:cell + w], 127, out=mask.view(bool))


class _Workspace:
    """Per-(shape, kernel) scratch buffers reused across frames: fresh multi-MB temporaries would page-fault on
    every frame (glibc returns them to the OS), which costs more than the arithmetic."""

    def __init__(self, h: int, w: int, pad: int):
        self.nf = np.empty((h + 2 * pad, w + 2 * pad), np.float32)
        self.zn = np.empty((h, w), np.float32)
        self.disp = np.empty((h, w), np.float32)
        self.xr = np.empty((h, w), np.float32)
        self.rmin = np.empty((h, w), np.float32)
        self.hi = np.empty((h, w), np.float32)
        self.lo = np.empty((h, w), np.float32)
        self.inv = np.empty((h, w), bool)
        self.b2 = np.empty((h, w), bool)
        self.e2 = np.empty((h, w), np.uint8)
        self.blob = np.empty((h, w), np.uint8)
        self.tmp8 = np.empty((h, w), np.uint8)
        self.u_row = np.arange(w, dtype=np.float32)[None, :]


_WS = threading.local()


def _workspace(h: int, w: int, pad: int) -> _Workspace:
    cache = getattr(_WS, "cache", None)
    if cache is None:
        cache = _WS.cache = {}
    key = (h, w, pad)
    if key not in cache:
        if len(cache) > 4:
            cache.clear()
        cache[key] = _Workspace(h, w, pad)
    return cache[key]


_CROSS = cv2.getStructuringElement(cv2.MORPH_CROSS, (3, 3))
_ONES3 = np.ones((3, 3), np.uint8)


def add_d400_noise(depth_m: np.ndarray, intrinsics: Intrinsics, baseline_m: float, rng: np.random.Generator, *,
                   subpixel: float = 0.08, dropout_fraction: float = 0.005, corr_px: float = 1.5,
                   shadow: bool = True, edge_band: bool = True, edge_prob: tuple[float, float] = (0.5, 0.15),
                   edge_jump_px: float = 1.0, min_range_m: float = 0.3, max_range_m: float = 10.0,
                   labels: np.ndarray | None = None, label_dropout: dict[int, float] | None = None,
                   out: np.ndarray | None = None) -> np.ndarray:
    """Noisy D400-like depth (uint16 millimetres, 0 = invalid) from clean depth in metres (0 = nothing).

    depth_m: (H, W) metres; intrinsics: of that image (fx used); baseline_m: stereo baseline; rng: the only source
    of randomness (same rng state -> same output). subpixel: disparity RMS error in pixels; corr_px: spatial
    correlation (Gaussian sigma, pixels) of the error field; dropout_fraction: approximate fraction of the image
    lost in random small blobs; edge_prob: probability that a pixel on / next to a depth edge (disparity jump >
    edge_jump_px) is invalid; shadow: the stereo shadow and left edge band; labels + label_dropout:
    {label code: fraction} extra blob dropout on those surfaces (e.g. black plates); out: optional uint16 (H, W).
    """
    z = np.ascontiguousarray(depth_m, dtype=np.float32)
    h, w = z.shape
    fxb = float(intrinsics.fx) * float(baseline_m)
    corr_px = float(corr_px)
    pad = len(_kernel(corr_px)[0]) // 2 if corr_px > 0 else 0
    ws = _workspace(h, w, pad)
    inv, b2 = ws.inv, ws.b2
    # Correlated depth error field, unit per-pixel variance.
    if corr_px > 0:
        k, ssq = _kernel(corr_px)
        b = _random_bytes(rng, ws.nf.shape)
        cv2.sepFilter2D(b, cv2.CV_32F, k, k, dst=ws.nf, delta=-127.5, borderType=cv2.BORDER_CONSTANT)
        n = ws.nf[pad:pad + h, pad:pad + w]
        gain = 1.0 / (_U8_STD * ssq)
    else:
        rng.standard_normal(dtype=np.float32, out=ws.nf)
        n, gain = ws.nf, 1.0
    zn = ws.zn
    np.multiply(z, z, out=zn)
    zn *= np.float32(gain * subpixel / fxb)  # sigma(z) = z^2 * subpixel / (fx b)
    zn *= n
    zn += z  # noisy depth, metres
    np.less_equal(z, 0.0, out=inv)
    np.less(zn, np.float32(min_range_m), out=b2)
    inv |= b2
    far = np.float32(min(max_range_m, 65.5))  # (also keeps millimetres within uint16)
    np.greater(zn, far, out=b2)
    inv |= b2
    np.greater(z, far, out=b2)
    inv |= b2
    if shadow or edge_band:
        disp = ws.disp
        np.less_equal(z, 0.0, out=b2)
        np.multiply(b2, np.float32(1e12), out=disp)
        disp += z
        np.divide(np.float32(fxb), disp, out=disp)  # 0 (well, ~1e-11) where no depth
    if shadow:
        xr = ws.xr
        np.subtract(ws.u_row, disp, out=xr)  # column in the right image
        np.less(xr, np.float32(-0.5), out=b2)  # outside the right imager's view
        inv |= b2
        dmax = float(disp.max())
        if dmax > 0:
            kw = min(w, int(math.ceil(dmax)) + 2)
            cv2.erode(xr, np.ones((1, kw), np.uint8), dst=ws.rmin, anchor=(0, 0),
                      borderType=cv2.BORDER_REPLICATE)
            np.less(ws.rmin[:, 1:], xr[:, :-1], out=b2[:, :-1])
            b2[:, -1] = False
            inv |= b2
    scale = w / 848.0
    if edge_band and (edge_prob[0] > 0 or edge_prob[1] > 0):
        cv2.dilate(disp, _CROSS, dst=ws.hi, borderType=cv2.BORDER_REPLICATE)
        cv2.erode(disp, _CROSS, dst=ws.lo, borderType=cv2.BORDER_REPLICATE)
        np.subtract(ws.hi, ws.lo, out=ws.hi)
        np.greater(ws.hi, np.float32(edge_jump_px), out=b2)  # on an edge
        e1 = b2.view(np.uint8)
        cv2.dilate(e1, _ONES3, dst=ws.e2)  # on or next to an edge
        rb = _random_bytes(rng, (h, w))
        np.less(rb, np.uint8(min(255, round(edge_prob[0] * 256))), out=ws.tmp8)
        ws.tmp8 &= e1
        inv |= ws.tmp8.view(bool)
        np.less(rb, np.uint8(min(255, round(edge_prob[1] * 256))), out=ws.tmp8)
        ws.tmp8 &= ws.e2
        inv |= ws.tmp8.view(bool)
    blob = ws.blob
    if dropout_fraction > 0:
        _blob_field(blob, rng, dropout_fraction, scale)
        inv |= blob.view(bool)
    if labels is not None and label_dropout:
        for code, frac in label_dropout.items():
            if frac <= 0:
                continue
            _blob_field(blob, rng, frac, 1.5 * scale)
            np.equal(labels, code, out=b2)
            b2 &= blob.view(bool)
            inv |= b2
    zn *= np.float32(1000.0)
    zn += np.float32(0.5)  # round half up (all positive where valid)
    np.logical_not(inv, out=inv)
    zn *= inv  # zero the invalid pixels
    if out is None:
        out = np.empty((h, w), np.uint16)
    np.copyto(out, zn, casting="unsafe")
    return out
