"""Hand-made event scripts and truth documents for the TUI tests (no rendering, no camera: fast)."""

from __future__ import annotations

import asyncio
import math

import pytest

from barpath.events import RepFinished, SetFinished, SetStarted, SourceEnded, Status, TrackBatch, TrackPoint

REP_S = 2.4  # each rep: concentric 0.2-1.0 s, eccentric 1.2-2.0 s of its slot
ROM = 0.5
BAR0_UP = 0.225  # plate radius: the bar's height at rest


def status(frames: int = 0, dropped: int = 0, connected: bool = True, live: bool = False, lift="deadlift"):
    return Status(source="camera D435 (123)" if live else "test.db3", live=live, fps=30.0, frames=frames,
                  dropped_frames=dropped, recording=live, calibration="auto", lift=lift, connected=connected)


def summary(reps: list[dict]) -> dict:
    mcvs = [r["mean_concentric_velocity"] for r in reps]
    best, last = max(mcvs), mcvs[-1]
    faults: dict[str, list[int]] = {}
    for r in reps:
        for f in r["faults"]:
            faults.setdefault(f, []).append(r["index"])
    return {"lift": "deadlift", "reps": len(reps), "best_mcv": best, "last_mcv": last,
            "velocity_loss_pct": 100.0 * (best - last) / best, "faults": faults}


def rep_dict(i: int, t0: float, mcv: float, faults=(), partial=False, best=None) -> dict:
    best = max(best or mcv, mcv)
    return {
        "index": i, "concentric_start": t0 + 0.2, "concentric_end": t0 + 1.0, "eccentric_start": t0 + 1.2,
        "eccentric_end": t0 + 2.0, "mean_concentric_velocity": mcv, "peak_concentric_velocity": mcv * 1.45,
        "mean_propulsive_velocity": mcv * 0.98, "range_of_motion": ROM, "concentric_duration": 0.8,
        "eccentric_duration": 0.8, "velocity_loss_pct": 100.0 * (best - mcv) / best, "max_bar_to_body": 0.031,
        "bar_path_horizontal_range": 0.05, "hip_back_travel": 0.21, "knee_forward_travel": 0.07,
        "knee_flexion_change": 60.0, "hips_first": "knees_first" not in faults, "partial": partial,
        "faults": list(faults),
    }


def make_script(mcvs=(0.60, 0.58, 0.55, 0.50), faults=None, partial=(), fps=30.0, set_index=1, t_start=0.0,
                saved_to="/rec/set1.json", dropped=0, end=True, batch=3):
    """One set: lead-in, len(mcvs) reps (bar up/down, hip back/forward), SetFinished, SourceEnded."""
    faults = faults or {}
    ev: list[tuple[float, object]] = []
    ev.append((t_start, status(0, 0)))
    ev.append((t_start, SetStarted(set_index, t_start)))
    reps: list[dict] = []
    best = None
    pts: list[TrackPoint] = []
    frame = int(t_start * fps)
    n = len(mcvs)
    t_end = t_start + 1.0 + n * REP_S + 1.0
    t = t_start
    rep_i = 0
    while t < t_end:
        k = int((t - t_start - 1.0) // REP_S)
        ph = (t - t_start - 1.0) - k * REP_S
        up, vy = 0.0, 0.0
        if 0 <= k < n:
            if 0.2 <= ph < 1.0:
                s = (ph - 0.2) / 0.8
                up = ROM * (0.5 - 0.5 * math.cos(math.pi * s))
                vy = ROM * 0.5 * math.pi / 0.8 * math.sin(math.pi * s)
            elif 1.0 <= ph < 1.2:
                up = ROM
            elif 1.2 <= ph < 2.0:
                s = (ph - 1.2) / 0.8
                up = ROM * (0.5 + 0.5 * math.cos(math.pi * s))
                vy = -ROM * 0.5 * math.pi / 0.8 * math.sin(math.pi * s)
        hip = (-0.25 + 0.25 * up / ROM, 0.75 + 0.25 * up / ROM)
        knee = (0.02, 0.45 + 0.05 * up / ROM)
        bar = (0.01 * math.sin(up * 6), BAR0_UP + up)
        pts.append(TrackPoint(t=round(t, 4), frame=frame, bar=bar, hip=hip, knee=knee, bar_vy=vy))
        frame += 1
        if len(pts) >= batch:
            ev.append((t, TrackBatch(set_index, tuple(pts))))
            pts = []
        if rep_i < n and t >= t_start + 1.0 + rep_i * REP_S + 2.2:
            if pts:
                ev.append((t, TrackBatch(set_index, tuple(pts))))
                pts = []
            r = rep_dict(rep_i + 1, t_start + 1.0 + rep_i * REP_S, mcvs[rep_i], faults.get(rep_i + 1, ()),
                         (rep_i + 1) in partial, best)
            best = max(best or 0.0, mcvs[rep_i])
            reps.append(r)
            ev.append((t, RepFinished(set_index, r, summary(reps))))
            rep_i += 1
        t += 1.0 / fps
    if pts:
        ev.append((t, TrackBatch(set_index, tuple(pts))))
    ev.append((t, status(frame, dropped)))
    if end:
        ev.append((t, SetFinished(set_index, tuple(reps), summary(reps), saved_to, "idle")))
        ev.append((t, SourceEnded(None)))
    return ev


def make_truth(n_reps: int = 3, fps: float = 30.0, drop_every: int = 0, yaw_deg: float = 20.0) -> dict:
    """A truth document like `barpath synth` writes (camera coords, y down), for truth_script."""
    c, s = math.cos(math.radians(yaw_deg)), math.sin(math.radians(yaw_deg))
    up = [0.0, -1.0, 0.0]
    fwd = [c, 0.0, s]
    floor = [0.0, 0.9, 0.0]  # camera 0.9 m above the floor
    origin = [-0.2, 0.9, 2.5]  # floor point below the bar's start, camera coords

    def cam(f: float, u: float) -> list[float]:
        return [origin[0] + f * fwd[0], origin[1] - u, origin[2] + f * fwd[2]]

    frames = []
    reps = []
    dur = 1.0 + n_reps * REP_S + 1.0
    nfr = int(dur * fps)
    for i in range(nfr):
        t = i / fps
        k = int((t - 1.0) // REP_S)
        ph = (t - 1.0) - k * REP_S
        up_ = 0.0
        if 0 <= k < n_reps:
            if 0.2 <= ph < 1.0:
                up_ = ROM * (0.5 - 0.5 * math.cos(math.pi * (ph - 0.2) / 0.8))
            elif 1.0 <= ph < 1.2:
                up_ = ROM
            elif 1.2 <= ph < 2.0:
                up_ = ROM * (0.5 + 0.5 * math.cos(math.pi * (ph - 1.2) / 0.8))
        frames.append({"frame": i + 1, "t": t, "dropped": bool(drop_every and i % drop_every == drop_every - 1
                                                                and 0 < i < nfr - 1),
                       "bar": cam(0.0, BAR0_UP + up_), "hip": cam(-0.25, 0.75 + 0.5 * up_),
                       "knee": cam(0.03, 0.45)})
    best = None
    for j in range(n_reps):
        mcv = 0.62 - 0.04 * j
        reps.append({**rep_dict(j + 1, 1.0 + j * REP_S, mcv, best=best), "style": "hips_first"})
        best = max(best or 0.0, mcv)
    return {"lift_frame": {"up": up, "forward": fwd, "floor_below_camera": floor}, "scenario": {"fps": fps},
            "frames": frames, "reps": reps, "set": {"lift": "deadlift", "reps": n_reps}, "serial": "test"}


async def settle(app, pilot, driver, timeout: float = 10.0) -> None:
    """Wait until the driver has nothing to do and the app has handled every event, then redraw."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while loop.time() < deadline:
        await pilot.pause(0.01)
        if driver.idle.is_set() and not driver._cmds and app.handled == driver.emitted:
            await pilot.pause(0.01)
            if app.handled == driver.emitted:
                break
    else:
        raise AssertionError(f"not settled: handled {app.handled} of {driver.emitted}")
    app.redraw()
    await pilot.pause()


@pytest.fixture()
def script():
    return make_script()


@pytest.hookimpl(tryfirst=True)
def pytest_pyfunc_call(pyfuncitem):
    """Run `async def` tests in this directory with asyncio.run (no pytest-asyncio needed)."""
    if asyncio.iscoroutinefunction(pyfuncitem.obj):
        args = {k: pyfuncitem.funcargs[k] for k in pyfuncitem._fixtureinfo.argnames}
        asyncio.run(asyncio.wait_for(pyfuncitem.obj(**args), timeout=60))
        return True
    return None


def screen_text(app) -> str:
    """The screen as plain text: what export_screenshot() draws, exported as text instead of SVG."""
    import io

    from rich.console import Console

    width, height = app.size
    console = Console(width=width, height=height, file=io.StringIO(), force_terminal=True, record=True,
                      color_system="truecolor", legacy_windows=False, safe_box=False)
    console.print(app.screen._compositor.render_update(full=True, screen_stack=app._background_screens))
    return console.export_text()
