"""Side view of the bar path and the hip path (braille), equal scale on both axes, forward to the right."""

from __future__ import annotations

from collections.abc import Sequence

from rich.style import Style
from textual.strip import Strip
from textual.widget import Widget

from barpath.events import TrackPoint
from barpath.ui.widgets.braille import BrailleCanvas

STYLES = [
    ("bar_now", Style(color="#ffffff", bold=True)),
    ("bar_cur", Style(color="#29b6f6", bold=True)),
    ("hip_now", Style(color="#ffcc80", bold=True)),
    ("hip_cur", Style(color="#ff9800")),
    ("knee", Style(color="#9e9e9e")),
    ("bar_prev", Style(color="#1f5f80")),
    ("hip_prev", Style(color="#7a4a12")),
    ("guide", Style(color="#3a3a3a")),
]


class BarPathPlot(Widget):
    """`set_data(previous, current, now)`: previous reps (one point list each) faint, the current rep bright,
    and the latest frame as markers (bar, hip, knee and the thigh line)."""

    DEFAULT_CSS = """
    BarPathPlot { width: 1fr; height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes)
        self._prev: Sequence[Sequence[TrackPoint]] = ()
        self._cur: Sequence[TrackPoint] = ()
        self._now: TrackPoint | None = None
        self._bounds: tuple[float, float, float, float] | None = None
        self._cache: tuple[tuple[int, int], list[Strip]] | None = None
        self.border_title = "BAR PATH"

    def set_data(self, previous: Sequence[Sequence[TrackPoint]], current: Sequence[TrackPoint],
                 now: TrackPoint | None) -> None:
        self._prev, self._cur, self._now = previous, current, now
        self._cache = None
        self.refresh()

    def clear(self) -> None:
        self._bounds = None
        self.set_data((), (), None)

    def _fit(self) -> tuple[float, float, float, float]:
        """Bounds (x0, x1, y0, y1) in metres: grow-only within a set so the view doesn't jitter."""
        xs: list[float] = [-0.10, 0.10]
        ys: list[float] = [0.0, 0.6]
        for seq in (*self._prev, self._cur, (self._now,) if self._now else ()):
            for p in seq:
                for q in (p.bar, p.hip, p.knee):
                    if q is not None:
                        xs.append(q[0])
                        ys.append(q[1])
        b = (min(xs), max(xs), min(ys), max(ys))
        if self._bounds is not None:
            o = self._bounds
            b = (min(b[0], o[0]), max(b[1], o[1]), min(b[2], o[2]), max(b[3], o[3]))
        self._bounds = b
        return b

    def render_line(self, y: int) -> Strip:
        """Line API: the canvas is drawn once per change (set_data/resize) and cached as strips."""
        w, h = self.content_size.width, self.content_size.height
        if self._cache is None or self._cache[0] != (w, h):
            base = self.rich_style
            cv = self._draw(w, h) if w >= 4 and h >= 3 else None
            strips = [st.adjust_cell_length(w, base) for st in cv.strips(STYLES, base)] if cv else []
            strips += [Strip.blank(w, base)] * (h - len(strips))
            self._cache = ((w, h), strips)
        strips = self._cache[1]
        return strips[y] if y < len(strips) else Strip.blank(w)

    def _draw(self, w: int, h: int) -> BrailleCanvas:
        cv = BrailleCanvas(w, h)
        x0, x1, y0, y1 = self._fit()
        m = 0.05
        x0, x1, y0, y1 = x0 - m, x1 + m, y0 - 0.02, y1 + m
        s = min((cv.px_width - 1) / (x1 - x0), (cv.px_height - 1) / (y1 - y0))  # dots per metre, both axes
        # centre horizontally, floor at the bottom
        ox = (cv.px_width - 1 - s * (x1 - x0)) / 2.0

        def px(q: tuple[float, float] | None) -> tuple[float, float] | None:
            if q is None:
                return None
            return ox + (q[0] - x0) * s, cv.px_height - 1 - (q[1] - y0) * s

        # guides: the floor and the vertical through the bar's start (forward = 0)
        floor = px((0.0, 0.0))
        cv.hline(floor[1], "guide", dash=2)
        cv.vline(px((0.0, 0.0))[0], "guide", dash=3)
        for rep in self._prev:
            cv.polyline([px(p.bar) for p in rep], "bar_prev")
            cv.polyline([px(p.hip) for p in rep], "hip_prev")
        cv.polyline([px(p.hip) for p in self._cur], "hip_cur")
        cv.polyline([px(p.bar) for p in self._cur], "bar_cur")
        if self._now is not None:
            n = self._now
            hp, kp, bp = px(n.hip), px(n.knee), px(n.bar)
            if hp and kp:
                cv.line(*hp, *kp, "knee")
            if kp:
                cv.marker(*kp, "knee", 1)
            if hp:
                cv.marker(*hp, "hip_now", 1)
            if bp:
                cv.marker(*bp, "bar_now", 1)
        # scale bar: 10 cm, bottom right
        ten = 0.10 * s
        if ten >= 4 and w >= 12:
            yb = cv.px_height - 2
            xe = cv.px_width - 3
            cv.line(xe - ten, yb, xe, yb, "knee")
            cv.label(max(0, (int(xe - ten) >> 1) - 1), h - 2, "10 cm", Style(color="#9e9e9e"))
        cv.label(0, 0, "● bar", Style(color="#29b6f6", bold=True))
        cv.label(0, 1, "● hip", Style(color="#ff9800", bold=True))
        cv.label(w - 9, 0, "forward →", Style(color="#9e9e9e"))
        return cv
