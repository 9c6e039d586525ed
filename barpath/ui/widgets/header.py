"""The top line: set number, load, lift, velocity-loss limit and the replay state."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static


class SessionHeader(Static):
    def show(self, *, set_index: int, load_kg: float | None, lift: str | None, limit_pct: float,
             live: bool, paused: bool, speed: float, ended: bool) -> None:
        t = Text()
        t.append(" BARPATH ", style="bold reverse")
        t.append("   ")
        t.append(f"SET {set_index}" if set_index else "between sets", style="bold")
        t.append("  ·  ")
        t.append(f"{load_kg:g} kg" if load_kg is not None else "load –", style="bold")
        t.append("  ·  ")
        t.append(lift or "lift …")
        t.append("  ·  ")
        t.append(f"VL limit {limit_pct:.0f} %")
        if not live:
            t.append("  ·  ")
            if ended:
                t.append("■ ended", style="bold")
            elif paused:
                t.append("❚❚ PAUSED", style="bold reverse #ffb300")
            else:
                t.append("▶ playing")
            t.append(f"  {speed:g}×")
        self.update(t)
