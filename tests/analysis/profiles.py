"""Hand-made bar height / velocity profiles with known phase times (golden cases)."""

from __future__ import annotations

import numpy as np


def tri_move(T: float, d: float):
    """Displacement d in T s with a triangular-ish bell velocity that starts and ends LINEARLY (like a real
    pull): v = (3/2) d/T * 4 tau (1 - tau) ... use v = c * (1 - (2 tau - 1)^2); returns (pos(tau), vel(tau))."""
    c = 1.5 * d / T  # mean of 1-(2tau-1)^2 is 2/3

    def pos(tau):
        tau = np.clip(tau, 0, 1)
        return d * (3 * tau**2 - 2 * tau**3)

    def vel(tau):
        inside = (tau > 0) & (tau < 1)
        return np.where(inside, c * (1 - (2 * tau - 1) ** 2), 0.0)

    return pos, vel


def timeline(segments, fps=100.0, y0=0.225, drop_every=0):
    """segments: list of (duration, displacement) (0 displacement = hold). Returns t, y, v, phase list
    [(t0, t1, displacement)] of the moves."""
    t_end = sum(s[0] for s in segments)
    t = np.arange(0.0, t_end, 1.0 / fps)
    if drop_every:
        t = np.delete(t, np.arange(3, len(t), drop_every))
    y = np.full(len(t), y0, float)
    v = np.zeros(len(t))
    t0, base = 0.0, y0
    moves = []
    for dur, disp in segments:
        sel = (t >= t0) & (t < t0 + dur)
        if disp:
            pos, vel = tri_move(dur, disp)
            tau = (t[sel] - t0) / dur
            y[sel] = base + pos(tau)
            v[sel] = vel(tau)
            moves.append((t0, t0 + dur, disp))
        else:
            y[sel] = base
        t0 += dur
        base += disp
    return t, y, v, moves
