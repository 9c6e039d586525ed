"""Main-screen "snapshots" as text (what export_screenshot draws), at 120x40 and 80x24."""

from __future__ import annotations

from barpath.ui import Settings, create_app
from barpath.ui.driver import ScriptedDriver, truth_script
from tests.ui.conftest import make_script, make_truth, screen_text, settle


async def _screen(script, size, n_reps=None, **settings):
    d = ScriptedDriver(script, pace=False, start_paused=n_reps is not None)
    app = create_app(d, settings=Settings(**settings))
    app.bell = lambda: None
    async with app.run_test(size=size) as pilot:
        for _ in range(n_reps or 0):
            d.jump_rep(1)
        await settle(app, pilot, d)
        svg = app.export_screenshot()
        return screen_text(app), svg, app


async def test_main_screen_120x40_mid_set_over_limit():
    script = make_script(mcvs=(0.60, 0.58, 0.52, 0.46, 0.44), faults={3: ("bar_away_from_body",)})
    text, svg, app = await _screen(script, (120, 40), n_reps=4, load_kg=140.0)
    lines = text.splitlines()
    assert len(lines) == 40 and all(len(line) <= 120 for line in lines)
    assert lines[0].startswith(" BARPATH ") and "SET 1" in lines[0] and "140 kg" in lines[0]
    assert "PAUSED" in lines[0] and "VL limit 20 %" in lines[0]
    top = "\n".join(lines[1:6])
    for caption in ("MEAN VELOCITY m/s", "REP", "VELOCITY LOSS", "CUE", "best 0.60", "Good rep"):
        assert caption in top
    assert "┗━┛•" in top  # the big "0.46" digits
    assert any("Velocity loss 23 % ≥ 20 % — end the set" in line for line in lines[6:10])
    body = "\n".join(lines[9:])
    for label in ("BAR PATH", "BAR VELOCITY", "REPS", "MCV", "Peak", "MPV", "ROM", "VL %", "Gap", "Hip back",
                  "Knee fwd", "Faults", "✗ bar far", "forward →", "10 cm"):
        assert label in body, label
    assert any(ch in body for ch in "⣿⡇⢸")  # braille plots drawn
    assert "dropped 0" in lines[-2] and "deadlift" in lines[-2]
    assert "pause" in lines[-1] and "quit" in lines[-1]
    assert svg.startswith("<svg")


async def test_main_screen_80x24_finished_set():
    text, _, app = await _screen(truth_script(make_truth(n_reps=4)), (80, 24), load_kg=100.0)
    lines = text.splitlines()
    assert len(lines) == 24 and all(len(line) <= 80 for line in lines)
    assert "MCV m/s" in lines[1] and "VL %" in lines[1]
    assert any("SET 1 DONE" in line and "4 reps @ 100 kg" in line for line in lines)
    for label in ("BAR PATH", "MCV", "Peak", "VL %", "Faults", "0.62", "0.50"):
        assert label in text, label
    assert "BAR VELOCITY" not in text  # hidden on short terminals


async def test_before_any_event():
    text, _, app = await _screen([], (120, 40))
    assert "waiting for the source" in text and "between sets" in text
