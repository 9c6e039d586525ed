"""The real drivers: a synthetic recording replayed through the engine in the TUI, and a live session with a
camera that disconnects (a recording stands in for the camera)."""

from __future__ import annotations

import json
import os
import threading
import time

from textual.widgets import DataTable

from barpath.errors import CameraDisconnected
from barpath.events import SetFinished, SourceEnded, Status
from barpath.sources.base import FrameSource
from barpath.sources.playback import RecordingSource
from barpath.ui import create_app
from barpath.ui.engine_drivers import LiveDriver, ReplayDriver
from barpath.ui.widgets.mcv import McvDisplay


async def test_replay_shows_the_reps_and_mcvs_that_analyze_reports(small_recording, small_analysis):
    driver = ReplayDriver(small_recording[0], speed=64.0)
    app = create_app(driver)
    app.bell = lambda: None
    async with app.run_test(size=(120, 40)) as pilot:
        deadline = time.monotonic() + 240
        while time.monotonic() < deadline and not (driver.produced.is_set() and driver.done):
            await pilot.pause(0.2)
        await pilot.pause(0.5)
        table = app.query_one(DataTable)
        cols = [str(c.label) for c in table.ordered_columns]
        shown = [str(table.get_row_at(i)[cols.index("MCV")]) for i in range(table.row_count)]
        expected = [f"{r['mean_concentric_velocity']:.2f}" for r in small_analysis["reps"]]
        assert shown == expected
        assert app.query_one(McvDisplay).value == expected[-1]
    saved = [p for p in driver.saver.saved.values()]
    assert saved and all(os.path.exists(p) for p in saved)
    doc = json.load(open(saved[-1]))
    assert [r["mean_concentric_velocity"] for r in doc["reps"]] == \
        [r["mean_concentric_velocity"] for r in small_analysis["reps"]]


class _FlakyCamera(FrameSource):
    """Plays a recording as if it were a camera; the first connection drops after `cut` frames."""

    def __init__(self, path: str, skip: int, cut: int | None) -> None:
        self._src = RecordingSource(path)
        self.info = self._src.info
        self.info.path = "live:test"
        self.skip, self.cut = skip, cut

    def frames(self):
        for i, f in enumerate(self._src.frames()):
            if i < self.skip:
                continue
            if self.cut is not None and i >= self.cut:
                raise CameraDisconnected("camera test: no frame for 1000 ms (disconnected?)")
            yield f

    def close(self) -> None:
        self._src.close()


def test_live_disconnect_saves_the_set_and_carries_on(small_recording, small_analysis, tmp_path):
    path, truth = small_recording
    first_rep_done = small_analysis["reps"][1]["eccentric_end"] + 1.0  # two reps in before the cable goes
    cut = int(first_rep_done * 30)
    connections: list[str | None] = []

    def factory(record_to: str | None) -> FrameSource:
        first = not connections
        connections.append(record_to)
        # the first connection drops after `cut` frames; the second goes on from there to the end
        return _FlakyCamera(path, skip=0 if first else cut, cut=cut if first else None)

    events: list = []
    done = threading.Event()

    def emit(ev):
        events.append(ev)
        if isinstance(ev, SourceEnded):
            done.set()

    driver = LiveDriver(factory, record_dir=str(tmp_path), idle_end_s=None)
    driver.start(emit)
    assert done.wait(240)
    driver.stop()
    disconnected = [e for e in events if isinstance(e, Status) and not e.connected]
    assert disconnected and "disconnected" in disconnected[0].message
    finished = [e for e in events if isinstance(e, SetFinished)]
    assert finished[0].reason == "disconnected" and len(finished[0].reps) >= 2
    assert finished[0].saved_to and os.path.exists(finished[0].saved_to)
    saved = json.load(open(finished[0].saved_to))
    assert saved["ended_by"] == "disconnected" and len(saved["reps"]) == len(finished[0].reps)
    # after the camera came back, the next set is numbered on from the first
    assert [e.set_index for e in finished] == sorted({e.set_index for e in finished})
    assert finished[-1].set_index > finished[0].set_index
    assert len(connections) == 2 and all(c and c.startswith(str(tmp_path)) for c in connections)
