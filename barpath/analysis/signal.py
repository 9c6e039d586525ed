"""Small numerical helpers for non-uniformly sampled signals with NaN gaps (pure numpy)."""

from __future__ import annotations

import numpy as np


def local_poly(t, y, sigma: float, t_eval=None, deg: int = 2, deriv: int = 0, min_points: int | None = None,
               max_gap: float | None = None) -> np.ndarray:
    """Gaussian-weighted local polynomial regression (a Savitzky-Golay filter for irregular time stamps).

    t: (N,) increasing times; y: (N,) or (N, D) with NaN ignored; sigma: kernel std (s), support +-3 sigma.
    Returns the fitted value (deriv=0) or first derivative (deriv=1) at t_eval (default t); NaN where fewer
    than `min_points` (default deg + 2) finite samples are in the window, or where the nearest finite sample is
    farther than `max_gap` (default 3 sigma) from the evaluation time (no extrapolation across long gaps).
    Unbiased for polynomials of degree <= deg."""
    t = np.asarray(t, float)
    y = np.asarray(y, float)
    squeeze = y.ndim == 1
    if squeeze:
        y = y[:, None]
    te = t if t_eval is None else np.atleast_1d(np.asarray(t_eval, float))
    out = np.full((len(te), y.shape[1]), np.nan)
    if len(t) == 0 or len(te) == 0:
        return out[:, 0] if squeeze else out
    min_points = deg + 2 if min_points is None else min_points
    max_gap = 3.0 * sigma if max_gap is None else max_gap
    lo = np.searchsorted(t, te - 3.0 * sigma, side="left")
    hi = np.searchsorted(t, te + 3.0 * sigma, side="right")
    k = int(max(1, (hi - lo).max()))
    idx = lo[:, None] + np.arange(k)[None, :]
    inwin = idx < hi[:, None]
    idx = np.minimum(idx, len(t) - 1)
    dt = (t[idx] - te[:, None]) / sigma
    w0 = np.exp(-0.5 * dt * dt) * inwin
    powers = np.empty(dt.shape + (2 * deg + 1,))  # (M, K, 2deg+1): dt^p by repeated products (pow is slow)
    powers[..., 0] = 1.0
    for p in range(1, 2 * deg + 1):
        np.multiply(powers[..., p - 1], dt, out=powers[..., p])
    for d in range(y.shape[1]):
        yy = y[idx, d]
        ok = np.isfinite(yy) & inwin
        w = np.where(ok, w0, 0.0)
        yz = np.where(ok, yy, 0.0)
        s = np.einsum("mk,mkp->mp", w, powers)
        b = np.einsum("mk,mkp->mp", w * yz, powers[..., : deg + 1])
        a = np.stack([s[:, i:i + deg + 1] for i in range(deg + 1)], axis=1)  # (M, deg+1, deg+1)
        a = a + 1e-9 * np.eye(deg + 1)[None]
        n_ok = ok.sum(axis=1)
        near = np.where(ok, np.abs(dt) * sigma, np.inf).min(axis=1)
        good = (n_ok >= min_points) & (near <= max_gap)
        if not good.any():
            continue
        coef = np.linalg.solve(a[good], b[good][..., None])[..., 0]
        val = coef[:, deriv] / sigma**deriv
        out[good, d] = val
    return out[:, 0] if squeeze else out


def interp_gaps(t, y, max_gap: float) -> np.ndarray:
    """Linearly fill NaN runs of y (N,) whose bracketing finite samples are at most max_gap s apart."""
    t = np.asarray(t, float)
    y = np.asarray(y, float).copy()
    ok = np.isfinite(y)
    if ok.sum() < 2 or ok.all():
        return y
    ti, yi = t[ok], y[ok]
    j = np.searchsorted(ti, t)
    inside = (j > 0) & (j < len(ti)) & ~ok
    jj = np.clip(j, 1, len(ti) - 1)
    span = ti[jj] - ti[jj - 1]
    fill = inside & (span <= max_gap)
    y[fill] = np.interp(t[fill], ti, yi)
    return y


def crossing_time(t, v, i0: int, i1: int, level: float = 0.0) -> float:
    """Sub-sample time where v crosses `level` between samples i0 and i1 (linear interpolation)."""
    v0, v1 = v[i0] - level, v[i1] - level
    if v1 == v0:
        return float(t[i0])
    f = float(np.clip(v0 / (v0 - v1), 0.0, 1.0))
    return float(t[i0] + f * (t[i1] - t[i0]))


def running_median(y, half: int) -> np.ndarray:
    """Centred running median over 2*half+1 samples, ignoring NaN (NaN where the window holds none)."""
    y = np.asarray(y, float)
    n = len(y)
    if half <= 0 or n == 0:
        return y.copy()
    pad = np.concatenate([np.full(half, np.nan), y, np.full(half, np.nan)])
    win = np.lib.stride_tricks.sliding_window_view(pad, 2 * half + 1)
    with np.errstate(all="ignore"):
        import warnings
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmedian(win, axis=1)
