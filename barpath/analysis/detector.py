"""Reps as they happen (RepDetector) and the batch entry point (analyze_set = feed everything, finish).

Both run the same code: the buffer seen so far is segmented (reps.segment); reps that are complete ("ready")
and not yet emitted get their metrics (metrics.velocity_metrics, hinge.hinge_metrics) and are emitted in order,
then frozen (index, velocity loss vs the fastest rep so far). Segmentation runs at most every
`update_interval_s` of data time (live cost ~1 ms per run for a 30 s set).

Per-rep dict keys (REP_KEYS): index, concentric_start, concentric_end, eccentric_start, eccentric_end,
mean_concentric_velocity, peak_concentric_velocity, mean_propulsive_velocity, range_of_motion,
concentric_duration, eccentric_duration, velocity_loss_pct, max_bar_to_body, bar_path_horizontal_range,
hip_back_travel, knee_forward_travel, knee_flexion_change, hips_first, partial, faults. Plain floats / bools /
None (never NaN). Times are the input t (s). A dropped rep (the bar let go at the top: reps.Phases.dropped) has
its fall as the eccentric phase, no descent metrics (None) and its bar-to-body gap over the concentric phase only;
the set summary lists it (dropped_reps).
"""

from __future__ import annotations

import math
from dataclasses import replace

import numpy as np

from barpath.analysis.hinge import HingeConfig, hinge_metrics
from barpath.analysis.liftframe import LiftFrame
from barpath.analysis.metrics import VelocityConfig, velocity_metrics
from barpath.analysis.reps import Phases, SegmentConfig, segment
from barpath.analysis.setsummary import summarize_set
from barpath.analysis.turns import TurnConfig, refine_turn
from barpath.geometry import LegGirth

REP_KEYS = (
    "index", "concentric_start", "concentric_end", "eccentric_start", "eccentric_end",
    "mean_concentric_velocity", "peak_concentric_velocity", "mean_propulsive_velocity", "range_of_motion",
    "concentric_duration", "eccentric_duration", "velocity_loss_pct", "max_bar_to_body",
    "bar_path_horizontal_range", "hip_back_travel", "knee_forward_travel", "knee_flexion_change", "hips_first",
    "partial", "faults",
)
JOINTS = ("hip", "knee", "ankle", "shoulder")


def _clean(x):
    if isinstance(x, (float, np.floating)):
        x = float(x)
        return None if not math.isfinite(x) else x
    if isinstance(x, np.bool_):
        return bool(x)
    return x


class RepDetector:
    """Feed samples (one at a time or in chunks); get finished reps back as soon as they are complete.

    frame: LiftFrame to convert camera coordinates; None if the inputs are already lift-frame
    (forward, up, lateral). Positions (n, 3) / (3,), NaN where not tracked; bar_vel likewise (camera or lift
    frame as the positions) or None (then the velocity is derived from the positions)."""

    def __init__(self, frame: LiftFrame | None = None, seg_cfg: SegmentConfig = SegmentConfig(),
                 vel_cfg: VelocityConfig = VelocityConfig(), hinge_cfg: HingeConfig = HingeConfig(),
                 update_interval_s: float = 0.1, turn_cfg: TurnConfig = TurnConfig()):
        self.frame, self.seg_cfg, self.vel_cfg, self.hinge_cfg = frame, seg_cfg, vel_cfg, hinge_cfg
        self.turn_cfg = turn_cfg
        self.update_interval_s = update_interval_s
        # per joint also "<joint>_sd": its measurements' stated sd along the forward direction (NaN: not stated)
        self._chunks: dict[str, list[np.ndarray]] = {k: [] for k in ("t", "bar", "vel", *JOINTS,
                                                                        *(f"{j}_sd" for j in JOINTS))}
        self._has = {k: False for k in ("vel", *JOINTS)}
        self._cache: dict[str, np.ndarray] | None = None
        self._last_run_t = -np.inf
        self.reps: list[dict] = []
        # rep index -> the joints not followed from its descent's start, where that left hips_first undecided
        self.unseen: dict[int, tuple[str, ...]] = {}
        self.dropped: set[int] = set()  # the reps whose bar was let go at the top (no descent judged)
        self.lift: str | None = None
        self._best = None

    # --- input
    def _pts(self, x, n, vector=False):
        if x is None:
            return np.full((n, 3), np.nan), False
        x = np.asarray(x, float).reshape(n, 3)
        if self.frame is not None:
            x = self.frame.vectors_to_lift(x) if vector else self.frame.to_lift(x)
        return x, True

    def _forward_sd(self, cov, n) -> np.ndarray:
        """(n,) sd along the lift frame's forward direction of covariances in the positions' frame (NaN: None)."""
        if cov is None:
            return np.full(n, np.nan)
        cov = np.asarray(cov, float).reshape(n, 3, 3)
        f = self.frame.rotation[0] if self.frame is not None else np.array([1.0, 0.0, 0.0])
        return np.sqrt(np.einsum("i,nij,j->n", f, cov, f))  # var(f . x) = f^T C f

    def set_resting_height(self, height_m: float | None) -> None:
        """The bar's height when its plates stand on the floor (their radius), for SegmentConfig.resting_height_m."""
        old = self.seg_cfg.resting_height_m
        if (height_m is None) != (old is None) or (old is not None and abs(height_m - old) > 0.002):
            self.seg_cfg = replace(self.seg_cfg, resting_height_m=height_m)

    def set_leg_girth(self, girth: LegGirth | None) -> None:
        """The lifter's leg girth as measured (vision.body.LegOutline), for the bar-to-body gap's leg front."""
        if girth != self.hinge_cfg.girth:
            self.hinge_cfg = replace(self.hinge_cfg, girth=girth)

    def feed(self, t, bar, bar_vel=None, hip=None, knee=None, ankle=None, shoulder=None,
             covs: dict[str, np.ndarray | None] | None = None) -> list[dict]:
        """Append samples; returns the reps completed by them (possibly empty). covs: joint name -> the measurements'
        stated covariances ((n, 3, 3) or (3, 3), in the positions' frame; None or missing: not stated)."""
        t = np.atleast_1d(np.asarray(t, float))
        n = len(t)
        self._chunks["t"].append(t)
        self._chunks["bar"].append(self._pts(bar, n)[0])
        v, has = self._pts(bar_vel, n, vector=True)
        self._chunks["vel"].append(v)
        self._has["vel"] |= has
        for name, val in zip(JOINTS, (hip, knee, ankle, shoulder)):
            p, has = self._pts(val, n)
            self._chunks[name].append(p)
            self._has[name] |= has
            self._chunks[f"{name}_sd"].append(self._forward_sd((covs or {}).get(name), n))
        self._cache = None
        if n and t[-1] - self._last_run_t >= self.update_interval_s:
            return self._run(final=False)
        return []

    def finish(self) -> list[dict]:
        """End of the recording: emit every rep still pending. Returns the newly emitted reps."""
        return self._run(final=True)

    def _data(self) -> dict[str, np.ndarray]:
        if self._cache is None:
            self._cache = {k: (np.concatenate(v) if v else np.zeros((0,) if k == "t" or k.endswith("_sd") else (0, 3)))
                           for k, v in self._chunks.items()}
            for k, v in self._cache.items():  # keep one chunk each: cheap appends, no repeated concatenation
                self._chunks[k] = [v]
        return self._cache

    # --- analysis
    def _run(self, final: bool) -> list[dict]:
        d = self._data()
        t = d["t"]
        if len(t) == 0:
            return []
        self._last_run_t = t[-1]
        y = d["bar"][:, 1]
        v = d["vel"][:, 1] if self._has["vel"] else None
        seg = segment(t, y, v, self.seg_cfg, final=final)
        if seg.lift is not None:
            self.lift = seg.lift
        new = []
        last_cs = self.reps[-1]["concentric_start"] if self.reps else None
        last_ce = self.reps[-1]["concentric_end"] if self.reps else None
        for ph in seg.reps:
            ref = ph.concentric_start if ph.concentric_start is not None else ph.concentric_end
            prev = last_cs if last_cs is not None else last_ce
            if prev is not None and ref is not None and ref <= prev + 0.2:
                continue  # already emitted
            if not ph.ready:
                break  # emit in order
            rep = self._measure(d, seg.velocity, ph)
            self.reps.append(rep)
            new.append(rep)
            last_cs, last_ce = rep["concentric_start"], rep["concentric_end"]
        return new

    def _refine(self, t, y, ph) -> tuple[Phases, dict[str, float]]:
        """Phase boundaries at rests refined on the raw bar height (turns.py); heights there where fitted."""
        times, heights = {}, {}
        for key in ("concentric_start", "concentric_end", "eccentric_start", "eccentric_end"):
            turn = ph.turns.get(key)
            fit = refine_turn(t, y, turn, self.turn_cfg) if turn is not None else None
            times[key] = fit.t if fit is not None else getattr(ph, key)
            if fit is not None:
                heights[key] = fit.height
        return replace(ph, **times), heights

    def _measure(self, d, vv, ph) -> dict:
        t = d["t"]
        y = d["bar"][:, 1]
        ph, heights = self._refine(t, y, ph)
        vm = velocity_metrics(t, y, vv, ph.concentric_start, ph.concentric_end, self.vel_cfg,
                              heights=(heights.get("concentric_start"), heights.get("concentric_end")))
        mcv = vm["mean_concentric_velocity"]
        vloss = None
        if mcv is not None:
            self._best = mcv if self._best is None else max(self._best, mcv)
            vloss = 100.0 * (self._best - mcv) / self._best if self._best > 0 else 0.0
        # A dropped bar's fall is no lowering: nothing to judge in it, and its gap to the legs is no fault
        descent = (None, None) if ph.dropped else (ph.eccentric_start, ph.eccentric_end)
        times = [x for x in (ph.concentric_start, ph.concentric_end, *descent) if x is not None]
        tracks = {"bar": d["bar"]}
        for j in JOINTS:
            tracks[j] = d[j] if self._has[j] else None
        hm = hinge_metrics(t, tracks, (min(times), max(times)), descent, ph.concentric_end, self.hinge_cfg,
                           sds={j: d[f"{j}_sd"] for j in JOINTS})
        if ph.dropped:
            self.dropped.add(len(self.reps) + 1)
        if hm["unseen"]:
            self.unseen[len(self.reps) + 1] = hm["unseen"]
        ecc = (ph.eccentric_end - ph.eccentric_start
               if ph.eccentric_start is not None and ph.eccentric_end is not None else None)
        rep = {
            "index": len(self.reps) + 1,
            "concentric_start": ph.concentric_start,
            "concentric_end": ph.concentric_end,
            "eccentric_start": ph.eccentric_start,
            "eccentric_end": ph.eccentric_end,
            "mean_concentric_velocity": mcv,
            "peak_concentric_velocity": vm["peak_concentric_velocity"],
            "mean_propulsive_velocity": vm["mean_propulsive_velocity"],
            "range_of_motion": vm["range_of_motion"],
            "concentric_duration": vm["concentric_duration"],
            "eccentric_duration": ecc,
            "velocity_loss_pct": vloss,
            "max_bar_to_body": hm["max_bar_to_body"],
            "bar_path_horizontal_range": hm["bar_path_horizontal_range"],
            "hip_back_travel": hm["hip_back_travel"],
            "knee_forward_travel": hm["knee_forward_travel"],
            "knee_flexion_change": hm["knee_flexion_change"],
            "hips_first": hm["hips_first"],
            "partial": bool(ph.partial),
            "faults": list(hm["faults"]),
        }
        return {k: _clean(v) for k, v in rep.items()}

    def summary(self) -> dict:
        return summarize_set(self.reps, self.lift, self.dropped)


def analyze_set(t, bar, bar_vel=None, hip=None, knee=None, ankle=None, shoulder=None,
                frame: LiftFrame | None = None, covs: dict | None = None, **cfg) -> dict:
    """Batch: the whole recording at once (covs: as RepDetector.feed's). Returns {"set": summarize_set(...), "reps":
    [rep dicts]}."""
    det = RepDetector(frame, **cfg)
    det.feed(t, bar, bar_vel, hip, knee, ankle, shoulder, covs=covs)
    det.finish()
    return {"set": det.summary(), "reps": det.reps}
