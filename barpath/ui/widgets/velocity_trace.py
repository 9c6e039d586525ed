"""The bar's vertical velocity over the current rep (braille): up green, down blue, the rep's MCV dashed."""

from __future__ import annotations

import math
from collections.abc import Sequence

from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from barpath.events import TrackPoint
from barpath.ui.widgets.braille import BrailleCanvas

STYLES = [
    ("up", Style(color="#66bb6a", bold=True)),
    ("down", Style(color="#42a5f5")),
    ("mcv", Style(color="#ffd54f")),
    ("zero", Style(color="#4a4a4a")),
]
LABEL = Style(color="#9e9e9e")


class VelocityTrace(Widget):
    DEFAULT_CSS = """
    VelocityTrace { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._pts: Sequence[TrackPoint] = ()
        self._span: tuple[float, float] = (0.0, 1.0)
        self._mcv: tuple[float, float, float] | None = None
        self._cache: tuple[tuple[int, int], list[Strip]] | None = None
        self.border_title = "BAR VELOCITY  m/s"

    def set_data(self, points: Sequence[TrackPoint], t0: float, t1: float,
                 mcv: tuple[float, float, float] | None = None) -> None:
        """points over [t0, t1] (s); mcv = (concentric start, end, MCV) drawn as a dashed level."""
        self._pts, self._span, self._mcv = points, (t0, max(t1, t0 + 1.0)), mcv
        self._cache = None
        self.refresh()

    def clear(self) -> None:
        self.set_data((), 0.0, 1.0)

    def render_line(self, y: int) -> Strip:
        """Line API: drawn once per change (set_data/resize), cached as strips."""
        w, h = self.content_size.width, self.content_size.height
        if self._cache is None or self._cache[0] != (w, h):
            base = self.rich_style
            strips = [st.adjust_cell_length(w, base) for st in self._draw(w, h, base)] if w >= 8 and h >= 2 else []
            strips += [Strip.blank(w, base)] * (h - len(strips))
            self._cache = ((w, h), strips)
        strips = self._cache[1]
        return strips[y] if y < len(strips) else Strip.blank(w)

    def _draw(self, w: int, h: int, base: Style) -> list[Strip]:
        lab_w = 5
        cw = w - lab_w
        cv = BrailleCanvas(cw, h)
        vals = [p.bar_vy for p in self._pts if p.bar_vy is not None]
        vmax = max([1.0] + [abs(v) for v in vals])
        vmax = math.ceil(vmax * 2.0) / 2.0
        vtop, vbot = vmax, -min(vmax, max([0.5] + [-v for v in vals]))
        vbot = -math.ceil(-vbot * 2.0) / 2.0
        t0, t1 = self._span

        def px(t: float, v: float) -> tuple[float, float]:
            return ((t - t0) / (t1 - t0) * (cv.px_width - 1), (vtop - v) / (vtop - vbot) * (cv.px_height - 1))

        cv.hline(px(t0, 0.0)[1], "zero", dash=2)
        if self._mcv is not None:
            a, b, m = self._mcv
            xa, y = px(a, m)
            xb, _ = px(b, m)
            for x in range(int(max(xa, 0)), int(min(xb, cv.px_width - 1)) + 1):
                if (x // 2) % 2 == 0:
                    cv.dot(x, y, "mcv")
            row = max(0, int(y) // 4 - 1)
            cv.label(min(max(0, int(xb) // 2 + 1), cw - 9), row, f"MCV {m:.2f}", Style(color="#ffd54f", bold=True))
        prev = None
        for p in self._pts:
            if p.bar_vy is None:
                prev = None
                continue
            q = px(p.t, p.bar_vy)
            layer = "up" if p.bar_vy >= 0 else "down"
            if prev is None:
                cv.dot(*q, layer)
            else:
                cv.line(*prev, *q, layer)
            prev = q
        zero_row = int(px(t0, 0.0)[1]) // 4
        labels = []
        for i in range(h):
            lab = f"{vtop:+.1f}" if i == 0 else f"{vbot:+.1f}" if i == h - 1 else " 0" if i == zero_row else ""
            labels.append([(lab.rjust(lab_w - 1) + " ", LABEL)])
        return cv.strips(STYLES, base, labels)
