"""The set's reps: velocities (m/s, 2 decimals), distances (cm), velocity loss and a mark per fault."""

from __future__ import annotations

from collections.abc import Collection

from rich.text import Text
from textual.widgets import DataTable

from barpath.ui.widgets.cue import hinge_checked
from barpath.ui.widgets.mcv import vl_level

FAULT_MARKS: dict[str, str] = {
    "partial": "½ partial",
    "knees_first": "✗ knees first",
    "bar_away_from_body": "✗ bar far",
    "spine_fold": "✗ spine fold",
    "lockout_hyperextension": "✗ leaning back",
}
COMPACT = ("idx", "mcv", "peak", "vl", "gap", "faults")
COLUMNS = (("#", "idx"), ("MCV", "mcv"), ("Peak", "peak"), ("MPV", "mpv"), ("ROM", "rom"), ("VL %", "vl"),
           ("Gap", "gap"), ("Hip back", "hip"), ("Knee fwd", "knee"), ("Faults", "faults"))
LEVEL_STYLE = {"-ok": "#66bb6a", "-warn": "#ffb300", "-over": "bold #ef5350", "-none": ""}


def fmt_v(v: float | None) -> str:
    return "–" if v is None else f"{v:.2f}"


def fmt_cm(v: float | None) -> str:
    return "–" if v is None else f"{100.0 * v:.0f}"


def fault_text(rep: dict, dropped: bool = False) -> Text:
    """dropped: the bar was let go at the top (the set summary's dropped_reps): no lowering to judge."""
    faults = list(rep.get("faults") or [])
    if rep.get("partial") and "partial" not in faults:
        faults.insert(0, "partial")
    if not faults:
        if dropped:
            return Text("↓ dropped")
        # ✓ only when the hinge was measured; otherwise say nothing rather than pass it
        return Text("✓", style="#66bb6a") if hinge_checked(rep) else Text("–")
    t = Text()
    for i, f in enumerate(faults):
        if i:
            t.append("  ")
        t.append(FAULT_MARKS.get(f, "✗ " + f.replace("_", " ")), style="bold #ffb300" if f != "partial" else "bold #ce93d8")
    return t


class RepTable(DataTable):
    DEFAULT_CSS = """
    RepTable { height: 1fr; }
    """

    def __init__(self, *, id: str | None = None, classes: str | None = None) -> None:
        super().__init__(id=id, classes=classes, cursor_type="row", zebra_stripes=True, show_cursor=True)
        self.border_title = "REPS   velocity m/s · distance cm"
        self.compact = False

    def on_mount(self) -> None:
        self._add_columns()

    def _add_columns(self) -> None:
        for label, key in COLUMNS:
            if self.compact and key not in COMPACT:
                continue
            self.add_column(Text(label, justify="right") if key != "faults" else label, key=key)

    def set_compact(self, compact: bool) -> None:
        """Narrow terminals: #, MCV, peak, VL, gap and faults only (call set_reps after)."""
        self.compact = compact
        self.clear(columns=True)
        self._add_columns()

    def set_reps(self, reps: list[dict], limit_pct: float, warn_fraction: float, dropped: Collection[int] = ()) -> None:
        """dropped: the indices of the reps let go at the top."""
        self.clear()
        best = max((r["mean_concentric_velocity"] for r in reps if r.get("mean_concentric_velocity") is not None),
                   default=None)
        for r in reps:
            mcv = r.get("mean_concentric_velocity")
            vl = r.get("velocity_loss_pct")
            if vl is None and mcv is not None and best:
                vl = 100.0 * (best - mcv) / best
            lvl = vl_level(vl, limit_pct, warn_fraction) if vl is not None else "-none"
            mcv_style = "bold" + (" #66bb6a" if mcv is not None and mcv == best else "")
            idx = str(r.get("index", "?"))
            cells = {
                "idx": Text(idx, justify="right", style="bold"),
                "mcv": Text(fmt_v(mcv), justify="right", style=mcv_style),
                "peak": Text(fmt_v(r.get("peak_concentric_velocity")), justify="right"),
                "mpv": Text(fmt_v(r.get("mean_propulsive_velocity")), justify="right"),
                "rom": Text(fmt_cm(r.get("range_of_motion")), justify="right"),
                "vl": Text("–" if vl is None else f"{vl:.0f}", justify="right", style=LEVEL_STYLE[lvl]),
                "gap": Text(fmt_cm(r.get("max_bar_to_body")), justify="right"),
                "hip": Text(fmt_cm(r.get("hip_back_travel")), justify="right"),
                "knee": Text(fmt_cm(r.get("knee_forward_travel")), justify="right"),
                "faults": fault_text(r, r.get("index") in dropped),
            }
            self.add_row(*(cells[key] for _, key in COLUMNS if not self.compact or key in COMPACT), key=idx)
        if reps:
            self.move_cursor(row=len(reps) - 1, animate=False)
