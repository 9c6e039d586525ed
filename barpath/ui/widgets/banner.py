"""The velocity-loss banner: shown when the set reaches the limit, telling the lifter to end the set."""

from __future__ import annotations

from textual.widgets import Static


class VLBanner(Static):
    def show_loss(self, vl_pct: float | None, limit_pct: float) -> bool:
        """Show/hide for the set's velocity loss; True when shown."""
        over = vl_pct is not None and vl_pct >= limit_pct
        if over:
            self.update(f"Velocity loss {vl_pct:.0f} % ≥ {limit_pct:.0f} % — end the set")
        self.display = over
        return over
