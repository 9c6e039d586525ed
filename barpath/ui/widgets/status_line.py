"""The status line: source, fps, dropped frames, recording, calibration, lift, connection."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from barpath.events import Status

DISCONNECTED = "camera disconnected — set saved, waiting for it to return"


class StatusLine(Static):
    def show_status(self, st: Status | None, ended: str | None = None) -> None:
        """`ended`: the one-line SourceEnded text (None while the source runs)."""
        if st is None:
            self.update(Text("waiting for the source…"))
            return
        disconnected = not st.connected
        self.set_class(disconnected, "-disconnected")
        self.set_class(st.dropped_frames > 0 and not disconnected, "-dropping")
        if disconnected:
            msg = DISCONNECTED if st.live else "source disconnected"
            t = Text(f" ✖ {msg}", style="bold")
            if st.message:
                t.append(f"  ·  {st.message}")
            self.update(t)
            return
        t = Text()
        kind = "● camera" if st.live else "▶ file"
        t.append(f" {kind} ", style="bold")
        t.append(st.source)
        t.append(f"  ·  {st.fps:.0f} fps")
        t.append(f"  ·  {st.frames} fr")
        t.append("  ·  ")
        t.append(f"dropped {st.dropped_frames}", style="bold #ffb300" if st.dropped_frames else "")
        t.append("  ·  ")
        t.append("● REC" if st.recording else "rec off", style="bold #ef5350" if st.recording else "")
        t.append(f"  ·  calib {st.calibration}")
        t.append(f"  ·  {st.lift or 'lift …'}")
        if st.message:
            t.append(f"  ·  {st.message}")
        if ended is not None:
            t.append(f"  ·  {ended}", style="bold #ef5350" if ended.startswith("⚠") else "bold")
        self.update(t)
