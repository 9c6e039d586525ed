"""A small braille canvas (2x4 dots per cell) with colour layers, for the plots. Not a widget: a helper.

Dots are addressed in pixel coordinates (x right, y DOWN, 0..2w-1 × 0..4h-1). Each layer has its own dot
mask; a cell shows the union of all layers' dots in the colour of the highest-priority layer present (the
layer order given to `render`). Text labels overwrite cells.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

_BITS = ((0x01, 0x08), (0x02, 0x10), (0x04, 0x20), (0x40, 0x80))  # [row][col]


class BrailleCanvas:
    def __init__(self, width: int, height: int) -> None:
        self.width = max(1, width)
        self.height = max(1, height)
        self.px_width = 2 * self.width
        self.px_height = 4 * self.height
        self._layers: dict[str, bytearray] = {}
        self._labels: dict[tuple[int, int], tuple[str, Style | str]] = {}

    def _mask(self, layer: str) -> bytearray:
        m = self._layers.get(layer)
        if m is None:
            m = self._layers[layer] = bytearray(self.width * self.height)
        return m

    def dot(self, x: float, y: float, layer: str) -> None:
        xi, yi = int(round(x)), int(round(y))
        if 0 <= xi < self.px_width and 0 <= yi < self.px_height:
            self._mask(layer)[(yi >> 2) * self.width + (xi >> 1)] |= _BITS[yi & 3][xi & 1]

    def line(self, x0: float, y0: float, x1: float, y1: float, layer: str) -> None:
        n = int(max(abs(x1 - x0), abs(y1 - y0))) + 1
        if n > 4 * (self.px_width + self.px_height):  # far off-canvas: don't loop forever
            return
        for i in range(n + 1):
            f = i / n
            self.dot(x0 + (x1 - x0) * f, y0 + (y1 - y0) * f, layer)

    def polyline(self, pts: list[tuple[float, float] | None], layer: str) -> None:
        """Connected segments; None breaks the line (a lost track)."""
        prev = None
        for p in pts:
            if p is None:
                prev = None
                continue
            if prev is None:
                self.dot(p[0], p[1], layer)
            else:
                self.line(prev[0], prev[1], p[0], p[1], layer)
            prev = p

    def marker(self, x: float, y: float, layer: str, r: int = 1) -> None:
        for dx in range(-r, r + 1):
            for dy in range(-r, r + 1):
                self.dot(x + dx, y + dy, layer)

    def hline(self, y: float, layer: str, dash: int = 0) -> None:
        for x in range(self.px_width):
            if not dash or (x // dash) % 2 == 0:
                self.dot(x, y, layer)

    def vline(self, x: float, layer: str, dash: int = 0) -> None:
        for y in range(self.px_height):
            if not dash or (y // dash) % 2 == 0:
                self.dot(x, y, layer)

    def label(self, col: int, row: int, text: str, style: Style | str = "") -> None:
        """Write text at a cell (clipped to the canvas)."""
        if not 0 <= row < self.height:
            return
        for i, ch in enumerate(text):
            c = col + i
            if 0 <= c < self.width:
                self._labels[(c, row)] = (ch, style)

    def rows(self, styles: list[tuple[str, Style]]) -> list[list[tuple[str, Style | str]]]:
        """Per row, runs of (text, style); `styles` = [(layer, style)], highest priority first."""
        order = [(self._layers[name], st) for name, st in styles if name in self._layers]
        out = []
        for row in range(self.height):
            base = row * self.width
            runs: list[tuple[str, Style | str]] = []
            run: list[str] = []
            run_style: Style | str = ""
            for col in range(self.width):
                lab = self._labels.get((col, row))
                if lab is not None:
                    ch, style = lab
                else:
                    bits = 0
                    style = ""
                    for mask, st in order:
                        b = mask[base + col]
                        if b:
                            if not bits:
                                style = st
                            bits |= b
                    ch = chr(0x2800 + bits) if bits else " "
                if style is not run_style and run:  # styles are shared objects: identity is enough
                    runs.append(("".join(run), run_style))
                    run = []
                run_style = style
                run.append(ch)
            if run:
                runs.append(("".join(run), run_style))
            out.append(runs)
        return out

    def render(self, styles: list[tuple[str, Style]]) -> Text:
        """The canvas as Text (height lines)."""
        out = Text(no_wrap=True, overflow="crop")
        for i, runs in enumerate(self.rows(styles)):
            if i:
                out.append("\n")
            for text, style in runs:
                out.append(text, style)
        return out

    def strips(self, styles: list[tuple[str, Style]], base: Style | None = None,
               prefix: list[list[tuple[str, Style]]] | None = None) -> list[Strip]:
        """The canvas as Textual Strips (the fast path for render_line); `base` under every segment;
        `prefix[row]`: runs put before the canvas on that row (axis labels)."""
        base = base or Style()
        out = []
        for i, runs in enumerate(self.rows(styles)):
            pre = prefix[i] if prefix else []
            segs = [Segment(t, base + (st if isinstance(st, Style) else Style.parse(st) if st else Style()))
                    for t, st in (*pre, *runs)]
            out.append(Strip(segs))
        return out
