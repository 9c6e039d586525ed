"""Big numbers: the last rep's mean concentric velocity (coloured by velocity loss against the limit), the rep
number and the velocity loss. Caption in the border title, detail in the border subtitle."""

from __future__ import annotations

from textual.widgets import Digits

LEVELS = ("-ok", "-warn", "-over", "-none")


def vl_level(vl_pct: float | None, limit_pct: float, warn_fraction: float = 0.7) -> str:
    """'-ok' well within the limit, '-warn' approaching it (>= warn_fraction of it), '-over' at/over it."""
    if vl_pct is None:
        return "-none"
    if vl_pct >= limit_pct:
        return "-over"
    if vl_pct >= warn_fraction * limit_pct:
        return "-warn"
    return "-ok"


class BigNumber(Digits):
    """Digits with a caption (border title) and a detail line (border subtitle). `show(text, level, detail)`."""

    def __init__(self, caption: str, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("–", id=id, classes=classes)
        self.border_title = caption

    def show(self, text: str, level: str = "-none", detail: str = "") -> None:
        self.update(text)
        self.border_subtitle = detail
        for lv in LEVELS:
            self.set_class(lv == level, lv)


class McvDisplay(BigNumber):
    """MCV of the last rep (m/s, 2 decimals)."""

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__("MEAN VELOCITY m/s", id=id, classes=classes)

    def show_rep(self, mcv: float | None, vl_pct: float | None, limit_pct: float, warn_fraction: float,
                 detail: str = "") -> None:
        level = vl_level(vl_pct if vl_pct is not None else 0.0, limit_pct, warn_fraction) if mcv is not None \
            else "-none"
        self.show("–" if mcv is None else f"{mcv:.2f}", level, detail)
