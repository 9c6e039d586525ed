"""The TUI with a ScriptedDriver, through Textual's Pilot."""

from __future__ import annotations

import math

from textual.widgets import DataTable, Digits

from barpath.events import RepFinished, SetFinished, SetStarted, TrackBatch, TrackPoint
from barpath.ui import Settings, create_app
from barpath.ui.driver import ScriptedDriver, truth_script
from barpath.ui.widgets.banner import VLBanner
from barpath.ui.widgets.cue import CueBar
from barpath.ui.widgets.mcv import McvDisplay
from barpath.ui.widgets.set_summary import SetSummary
from barpath.ui.widgets.status_line import DISCONNECTED, StatusLine
from tests.ui.conftest import make_script, make_truth, rep_dict, screen_text, settle, status, summary


def table_rows(app) -> list[list[str]]:
    t = app.query_one(DataTable)
    return [[str(c) for c in t.get_row_at(i)] for i in range(t.row_count)]


def col(app, name: str) -> int:
    t = app.query_one(DataTable)
    return [str(c.label) for c in t.ordered_columns].index(name)


def make_app(script, size=(120, 40), **kw):
    settings = kw.pop("settings", None)
    d = ScriptedDriver(script, **{"pace": False, **kw})
    app = create_app(d, settings=settings)
    app.bell = lambda: setattr(app, "_bells_called", getattr(app, "_bells_called", 0) + 1)
    return app, d


async def test_reps_and_mcv_match_truth_script():
    truth = make_truth(n_reps=4)
    app, d = make_app(truth_script(truth))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        reps = truth["reps"]
        rows = table_rows(app)
        assert len(rows) == len(reps)
        c = col(app, "MCV")
        assert [r[c] for r in rows] == [f"{r['mean_concentric_velocity']:.2f}" for r in reps]
        assert [r[col(app, "Peak")] for r in rows] == [f"{r['peak_concentric_velocity']:.2f}" for r in reps]
        assert [r[col(app, "MPV")] for r in rows] == [f"{r['mean_propulsive_velocity']:.2f}" for r in reps]
        assert app.query_one(McvDisplay).value == f"{reps[-1]['mean_concentric_velocity']:.2f}"
        assert app.query_one("#rep", Digits).value == str(len(reps))
        assert app.state.points and app.now is not None


async def test_pause_stops_updates_and_resume_continues():
    script = make_script(mcvs=(0.6, 0.55))
    app, d = make_app(script, pace=True, speed=2.0)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.pause(0.3)
        await pilot.press("space")
        assert d.paused
        await pilot.pause(0.1)
        n = len(app.state.points)
        assert n > 0
        await pilot.pause(0.3)
        assert len(app.state.points) == n
        assert "PAUSED" in screen_text(app)
        await pilot.press("greater_than_sign")
        await pilot.press("greater_than_sign")
        assert d.speed == 8.0
        await pilot.press("space")
        assert not d.paused
        await pilot.pause(0.3)
        assert len(app.state.points) > n
        for _ in range(300):
            if d.done:
                break
            await pilot.pause(0.02)
        await settle(app, pilot, d)
        assert len(table_rows(app)) == 2


async def test_step_moves_one_frame_each_way():
    app, d = make_app(make_script(), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        assert app.now is None
        for _ in range(3):
            await pilot.press("right")
            await settle(app, pilot, d)
        f3 = app.now.frame
        n3 = len(app.state.points)
        await pilot.press("right")
        await settle(app, pilot, d)
        assert app.now.frame == f3 + 1 and len(app.state.points) == n3 + 1
        await pilot.press("left")
        await settle(app, pilot, d)
        assert app.now.frame == f3 and len(app.state.points) == n3
        assert app.state.index == 1


async def test_rep_jump_moves_between_reps():
    app, d = make_app(make_script(), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("right_square_bracket")
        await pilot.press("n")
        await settle(app, pilot, d)
        assert len(table_rows(app)) == 2
        assert app.query_one(McvDisplay).value == "0.58"
        await pilot.press("left_square_bracket")
        await settle(app, pilot, d)
        assert len(table_rows(app)) == 1
        assert app.query_one(McvDisplay).value == "0.60"
        await pilot.press("p")
        await settle(app, pilot, d)
        assert len(table_rows(app)) == 0 and app.query_one(McvDisplay).value == "–"


async def test_velocity_loss_banner_and_bell():
    app, d = make_app(make_script(mcvs=(0.60, 0.57, 0.51, 0.46)), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        for _ in range(3):
            await pilot.press("n")
        await settle(app, pilot, d)
        assert not app.query_one(VLBanner).display  # 15 % < 20 %
        assert app.query_one(McvDisplay).has_class("-warn")  # amber: >= 70 % of the limit
        await pilot.press("n")
        await settle(app, pilot, d)
        banner = app.query_one(VLBanner)
        assert banner.display
        assert str(banner.render()) == "Velocity loss 23 % ≥ 20 % — end the set"
        assert app.query_one(McvDisplay).has_class("-over")
        assert app.bells == 1 and app._bells_called == 1
        assert "end the set" in screen_text(app)
        # stepping back and forward again does not ring again
        await pilot.press("p")
        await pilot.press("n")
        await settle(app, pilot, d)
        assert app.bells == 1
        # raising the limit hides the banner
        await pilot.press("v")
        await settle(app, pilot, d)
        assert app.vl_limit == 25.0 and not app.query_one(VLBanner).display


async def test_limit_from_settings_and_load_keys():
    settings = Settings(load_kg=100.0, vl_limit_pct=10.0)
    app, d = make_app(make_script(mcvs=(0.60, 0.53)), settings=settings)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        await pilot.press("plus", "plus", "minus", "plus")
        await settle(app, pilot, d)
        assert app.load_kg == 105.0
        text = screen_text(app)
        assert "105 kg" in text
        assert app.bells == 1  # 12 % >= 10 %


async def test_set_finished_summary_and_next_set_clears():
    s1 = make_script(mcvs=(0.60, 0.50), faults={2: ("knees_first",)}, saved_to="/rec/set1.json", end=False)
    reps = [e.rep for _, e in s1 if isinstance(e, RepFinished)]
    t = s1[-1][0]
    s1.append((t, SetFinished(1, tuple(reps), summary(reps), "/rec/set1.json", "idle")))
    s2 = make_script(mcvs=(0.7,), set_index=2, t_start=t + 1.0, saved_to="/rec/set2.json")
    app, d = make_app(s1 + s2, settings=Settings(load_kg=120), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n", "n")
        await settle(app, pilot, d)
        # step frames up to the SetFinished: the frames left in set 1 after its rep 2
        i2 = max(i for i, (_, e) in enumerate(s1) if isinstance(e, RepFinished))
        left = sum(len(e.points) for _, e in s1[i2:] if type(e).__name__ == "TrackBatch")
        d.step(left - 1)
        await settle(app, pilot, d)
        assert app.state.finished is None
        await pilot.press("right")
        await settle(app, pilot, d)
        summ = str(app.query_one(SetSummary).render())
        assert "SET 1 DONE" in summ and "2 reps" in summ and "120 kg" in summ
        assert "best 0.60" in summ and "last 0.50" in summ and "VL 17 %" in summ
        assert "knees first (rep 2)" in summ and "saved to /rec/set1.json" in summ
        assert app.query_one(CueBar).text == "Hips back first"
        await pilot.press("n")  # into set 2, first rep
        await settle(app, pilot, d)
        assert app.state.index == 2
        assert len(table_rows(app)) == 1
        hist = str(app.query_one(SetSummary).render())
        assert "Previous sets" in hist and "S1" in hist and "best 0.60" in hist
        await pilot.press("p")  # back into set 1, just after its rep 2
        await settle(app, pilot, d)
        assert app.state.index == 1 and len(table_rows(app)) == 2
        assert all(h[0].set_index < 1 for h in app.history)


async def test_status_dropped_frames_and_disconnect():
    script = [
        (0.0, status(100, 7)),
        (0.1, SetStarted(1, 0.1)),
        (0.2, RepFinished(1, rep_dict(1, 0.0, 0.6), summary([rep_dict(1, 0.0, 0.6)]))),
    ]
    app, d = make_app(script, start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        d.resume()
        await settle(app, pilot, d)
        line = app.query_one(StatusLine)
        assert "dropped 7" in str(line.render())
        assert line.has_class("-dropping") and not line.has_class("-disconnected")
    gone = script + [(0.3, status(120, 7, connected=False, live=True)),
                     (0.3, SetFinished(1, (rep_dict(1, 0.0, 0.6),), summary([rep_dict(1, 0.0, 0.6)]),
                                       "/rec/s1.json", "disconnected"))]
    app, d = make_app(gone, live=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        line = app.query_one(StatusLine)
        assert line.has_class("-disconnected")
        assert DISCONNECTED in str(line.render())
        assert line.styles.background.rgb == (0xC6, 0x28, 0x28)
        assert "camera disconnected" in str(app.query_one(SetSummary).render())
        # a live driver hides the replay keys
        assert app.check_action("toggle_pause", ()) is False
        assert app.check_action("end_set", ()) is True


async def test_cues_for_faults():
    faults = {1: ("knees_first",), 2: ("bar_away_from_body",), 3: ("spine_fold", "knees_first")}
    app, d = make_app(make_script(mcvs=(0.6, 0.6, 0.6, 0.6, 0.6), faults=faults, partial=(4,)),
                      start_paused=True)
    expected = ["Hips back first", "Keep the bar close", "Push the hips back, chest stays proud",
                "Finish the rep: stand tall", "Good rep"]
    async with app.run_test(size=(120, 40)) as pilot:
        for cue in expected:
            await pilot.press("n")
            await settle(app, pilot, d)
            assert app.query_one(CueBar).text == cue
        rows = table_rows(app)
        fc = col(app, "Faults")
        assert "knees first" in rows[0][fc] and "bar far" in rows[1][fc] and "spine fold" in rows[2][fc]
        assert "partial" in rows[3][fc] and rows[4][fc] == "✓"


async def test_restart_replays_without_duplicates():
    app, d = make_app(make_script())
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        before = (len(table_rows(app)), len(app.state.points), len(app.history))
        await pilot.press("r")
        await settle(app, pilot, d)
        assert (len(table_rows(app)), len(app.state.points), len(app.history)) == before


async def test_end_set_key():
    app, d = make_app(make_script(), start_paused=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await pilot.press("n")
        await settle(app, pilot, d)
        await pilot.press("e")
        await settle(app, pilot, d)
        summ = str(app.query_one(SetSummary).render())
        assert "SET 1 DONE" in summ and "1 reps" in summ and "ended by key" in summ


async def test_small_terminal_renders():
    app, d = make_app(make_script(faults={2: ("knees_first", "bar_away_from_body")}))
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(app, pilot, d)
        text = screen_text(app)
        assert "0.50" in text and "SET 1 DONE" in text
        assert app.screen.has_class("-narrow") and app.screen.has_class("-short")
        rows = table_rows(app)
        assert len(rows) == 4 and rows[-1][col(app, "MCV")] == "0.50"
        await pilot.resize_terminal(120, 40)
        await pilot.pause(0.05)
        assert not app.screen.has_class("-narrow")
        assert "MPV" in [str(c.label) for c in app.query_one(DataTable).ordered_columns]


async def test_paced_driver_never_blocked_by_redraw_rate():
    """Many small batches: the UI coalesces them (redraws <= 30 Hz) and still ends with every point."""
    script = make_script(mcvs=(0.6, 0.6, 0.6), fps=120.0, batch=1)
    n = sum(len(e.points) for _, e in script if type(e).__name__ == "TrackBatch")
    app, d = make_app(script, batch=1)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(app, pilot, d)
        assert len(app.state.points) == n


def test_a_rep_whose_hinge_was_not_measured_is_not_called_good():
    from barpath.ui.widgets.cue import GOOD, UNCHECKED, cue_for
    from barpath.ui.widgets.rep_table import fault_text

    rep = rep_dict(1, 0.0, 0.5)
    assert cue_for(rep) == (GOOD, False) and str(fault_text(rep)) == "✓"
    for missing in ("hips_first", "max_bar_to_body"):
        unmeasured = {**rep, missing: None}
        assert cue_for(unmeasured) == (UNCHECKED, False)
        assert str(fault_text(unmeasured)) == "–"


def test_a_dropped_rep_says_so_unless_it_has_a_fault():
    from barpath.ui.widgets.cue import DROPPED, cue_for
    from barpath.ui.widgets.rep_table import fault_text

    rep = {**rep_dict(1, 0.0, 0.5), "hips_first": None}
    assert cue_for(rep, dropped=True) == (DROPPED, False) and str(fault_text(rep, dropped=True)) == "↓ dropped"
    partial = {**rep, "partial": True}
    assert cue_for(partial, dropped=True)[1] and "partial" in str(fault_text(partial, dropped=True))


async def test_a_dropped_bars_bounces_are_not_the_next_rep():
    # after rep 1 the bar bounces (|vy| up to 1 m/s for half a second), then rests: the trace shows rep 1 again,
    # and once the set is over it never says a rep is under way
    script = make_script(mcvs=(0.6,), end=False)
    t0 = max(t for t, _ in script) + 0.1
    frame = 10_000
    pts = []
    for i in range(90):
        t = t0 + i / 30
        vy = math.sin(40 * t) if i < 15 else 0.0
        pts.append(TrackPoint(t=round(t, 4), frame=frame + i, bar=(0.0, 0.225), hip=(-0.25, 0.75), knee=(0.02, 0.45),
                              bar_vy=vy))
    bounce, rest = TrackBatch(1, tuple(pts[:15])), TrackBatch(1, tuple(pts[15:]))
    ev = SetFinished(1, (), {}, None, "idle")
    for tail, title in (([(t0, bounce)], "under way"), ([(t0, bounce), (t0 + 3, rest)], "rep 1"),
                        ([(t0, bounce), (t0 + 0.5, ev)], "rep 1")):
        app, d = make_app(script + tail)
        async with app.run_test(size=(120, 40)) as pilot:
            await settle(app, pilot, d)
            assert app.w_trace.border_title.endswith(title)
